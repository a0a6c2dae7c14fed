/* gst-ego: log-mel windows drawn as frames, see egomelframes.h. */
#include "egomelframes.h"

#include <math.h>
#include <string.h>

/* One axis of the resampling: output sample i is the weighted sum of
 * input samples first[i] .. first[i] + count[i] - 1 with weights
 * w[i * taps ..]. */
typedef struct
{
  gint taps;
  gint *first, *count;
  gfloat *w;
} Axis;

struct _EgoMelFrames
{
  gint n_mels, n_frames, width, height;
  Axis x, y;
  gfloat *rows;                 /* (n_mels, width): resampled in time */
};

/* Triangle weights of n_in samples resampled to n_out, sample centres
 * aligned: output i sits at input (i + 0.5) n_in / n_out - 0.5; the
 * triangle is as wide as the scale (at least one input sample each side)
 * and its weights over the samples that exist sum to 1. */
static void
axis_init (Axis * a, gint n_in, gint n_out)
{
  gdouble scale = (gdouble) n_in / n_out, r = MAX (1.0, scale);
  a->taps = 2 * (gint) ceil (r) + 1;
  a->first = g_new (gint, n_out);
  a->count = g_new (gint, n_out);
  a->w = g_new0 (gfloat, (gsize) n_out * a->taps);
  for (gint i = 0; i < n_out; i++) {
    gdouble c = (i + 0.5) * scale - 0.5, sum = 0.0;
    gint lo = MAX (0, (gint) ceil (c - r)), hi = MIN (n_in - 1,
        (gint) floor (c + r));
    gfloat *w = a->w + (gsize) i * a->taps;
    if (hi < lo)                /* beyond both ends: the nearest sample */
      lo = hi = CLAMP ((gint) lround (c), 0, n_in - 1);
    a->first[i] = lo;
    a->count[i] = MIN (hi - lo + 1, a->taps);
    for (gint k = 0; k < a->count[i]; k++)
      sum += w[k] = (gfloat) MAX (0.0, 1.0 - fabs (lo + k - c) / r);
    for (gint k = 0; k < a->count[i]; k++)
      w[k] = sum > 0.0 ? (gfloat) (w[k] / sum) : 1.0f / a->count[i];
  }
}

static void
axis_clear (Axis * a)
{
  g_free (a->first);
  g_free (a->count);
  g_free (a->w);
}

EgoMelFrames *
ego_mel_frames_new (gint n_mels, gint n_frames, gint width, gint height)
{
  EgoMelFrames *f = g_new0 (EgoMelFrames, 1);
  f->n_mels = n_mels;
  f->n_frames = n_frames;
  f->width = width;
  f->height = height;
  axis_init (&f->x, n_frames, width);
  axis_init (&f->y, n_mels, height);
  f->rows = g_new (gfloat, (gsize) n_mels * width);
  return f;
}

void
ego_mel_frames_free (EgoMelFrames * f)
{
  if (f == NULL)
    return;
  axis_clear (&f->x);
  axis_clear (&f->y);
  g_free (f->rows);
  g_free (f);
}

guint8
ego_mel_frames_level (gfloat logmel)
{
  gfloat v = (logmel - EGO_MEL_FRAME_LOW) * 255.0f /
      (EGO_MEL_FRAME_HIGH - EGO_MEL_FRAME_LOW);
  if (!(v > 0.0f))              /* also NaN */
    return 0;
  return v >= 255.0f ? 255 : (guint8) (v + 0.5f);
}

/* window (n_mels, n_frames) -> rows (n_mels, width) */
static void
resample_time (EgoMelFrames * f, const gfloat * window)
{
  for (gint b = 0; b < f->n_mels; b++) {
    const gfloat *in = window + (gsize) b * f->n_frames;
    gfloat *out = f->rows + (gsize) b * f->width;
    for (gint i = 0; i < f->width; i++) {
      const gfloat *w = f->x.w + (gsize) i * f->x.taps;
      const gfloat *src = in + f->x.first[i];
      gfloat sum = 0.0f;
      for (gint k = 0; k < f->x.count[i]; k++)
        sum += w[k] * src[k];
      out[i] = sum;
    }
  }
}

void
ego_mel_frames_draw (EgoMelFrames * f, const gfloat * window, guint8 * rgb,
    gsize stride)
{
  if (window == NULL) {
    for (gint y = 0; y < f->height; y++)
      memset (rgb + y * stride, ego_mel_frames_level (EGO_MEL_FRAME_LOW),
          (gsize) f->width * 3);
    return;
  }
  resample_time (f, window);
  for (gint y = 0; y < f->height; y++) {
    /* image rows run top down, bands bottom up */
    gint i = f->height - 1 - y;
    const gfloat *w = f->y.w + (gsize) i * f->y.taps;
    const gfloat *src = f->rows + (gsize) f->y.first[i] * f->width;
    guint8 *out = rgb + y * stride;
    for (gint x = 0; x < f->width; x++, out += 3) {
      gfloat sum = 0.0f;
      for (gint k = 0; k < f->y.count[i]; k++)
        sum += w[k] * src[(gsize) k * f->width + x];
      out[0] = out[1] = out[2] = ego_mel_frames_level (sum);
    }
  }
}
