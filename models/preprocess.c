/* Frame to network input, see preprocess.h. */
#include "preprocess.h"

#include <math.h>
#include <string.h>

#include "ego_error.h"

/* Source pixel of tap t of n over output pixel i, whose footprint in the
 * source is [origin + i / scale, origin + (i + 1) / scale). */
static int
tap_position (double origin, double scale, int i, int t, int n, int limit)
{
  double p = origin + (i + (t + 0.5) / n) / scale;
  int v = (int) floor (p);
  return v < 0 ? 0 : (v >= limit ? limit - 1 : v);
}

static int
taps_for (double scale)
{
  int n = (int) ceil (1.0 / scale - 1e-9);
  return n < 1 ? 1 : (n > EGO_RESIZE_MAX_TAPS ? EGO_RESIZE_MAX_TAPS : n);
}

/* Offset of the crop along one axis, in source pixels. */
static double
crop_origin (double src_len, double crop_len, int view, int n_views)
{
  double slack = src_len - crop_len;
  if (n_views == 1)
    return slack / 2.0;
  return slack * view / (n_views - 1);
}

gboolean
ego_resize_plan_init_rect (EgoResizePlan * plan, int src_w, int src_h,
    int dst_w, int dst_h, double x0, double y0, double crop_w,
    double crop_h, int pstride, GError ** error)
{
  double sx, sy;
  memset (plan, 0, sizeof (*plan));
  if (src_w < 1 || src_h < 1 || dst_w < 1 || dst_h < 1 || src_w > 16384
      || src_h > 16384 || dst_w > 4096 || dst_h > 4096 || !(crop_w > 0.0)
      || !(crop_h > 0.0) || (pstride != 3 && pstride != 4)) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "cannot scale %dx%d to %dx%d", src_w, src_h, dst_w, dst_h);
    return FALSE;
  }
  sx = dst_w / crop_w;
  sy = dst_h / crop_h;
  plan->src_w = src_w;
  plan->src_h = src_h;
  plan->dst_w = dst_w;
  plan->dst_h = dst_h;
  plan->ntx = taps_for (sx);
  plan->nty = taps_for (sy);
  plan->xoff = g_new (int, dst_w * plan->ntx);
  plan->yrow = g_new (int, dst_h * plan->nty);
  plan->acc = g_new (float, 3 * dst_w);
  for (int x = 0; x < dst_w; x++)
    for (int t = 0; t < plan->ntx; t++)
      plan->xoff[x * plan->ntx + t] = pstride * tap_position (x0, sx, x, t,
          plan->ntx, src_w);
  for (int y = 0; y < dst_h; y++)
    for (int t = 0; t < plan->nty; t++)
      plan->yrow[y * plan->nty + t] = tap_position (y0, sy, y, t,
          plan->nty, src_h);
  return TRUE;
}

gboolean
ego_resize_plan_init (EgoResizePlan * plan, int src_w, int src_h, int dst_w,
    int dst_h, int view, int n_views, int pstride, GError ** error)
{
  double scale;
  if (src_w < 1 || src_h < 1 || dst_w < 1 || dst_h < 1
      || (n_views != 1 && n_views != 3) || view < 0 || view >= n_views) {
    memset (plan, 0, sizeof (*plan));
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "cannot scale %dx%d to %dx%d (view %d of %d)", src_w, src_h, dst_w,
        dst_h, view, n_views);
    return FALSE;
  }
  /* cover: the short side (relative to the input's aspect) fills it; one
   * side then has no slack, and the views spread along the other */
  scale = fmax ((double) dst_w / src_w, (double) dst_h / src_h);
  return ego_resize_plan_init_rect (plan, src_w, src_h, dst_w, dst_h,
      crop_origin (src_w, dst_w / scale, view, n_views),
      crop_origin (src_h, dst_h / scale, view, n_views), dst_w / scale,
      dst_h / scale, pstride, error);
}

void
ego_resize_plan_clear (EgoResizePlan * plan)
{
  g_free (plan->xoff);
  g_free (plan->yrow);
  g_free (plan->acc);
  memset (plan, 0, sizeof (*plan));
}

/* Adds the taps of one source row into the three channel rows of acc. */
static void
accumulate_row (const EgoResizePlan * plan, const uint8_t * row, int roff,
    int goff, int boff)
{
  int w = plan->dst_w, n = plan->ntx;
  float *r = plan->acc, *g = plan->acc + w, *b = plan->acc + 2 * w;
  for (int x = 0; x < w; x++) {
    const int *off = plan->xoff + x * n;
    unsigned sr = 0, sg = 0, sb = 0;
    for (int t = 0; t < n; t++) {
      const uint8_t *p = row + off[t];
      sr += p[roff];
      sg += p[goff];
      sb += p[boff];
    }
    r[x] += (float) sr;
    g[x] += (float) sg;
    b[x] += (float) sb;
  }
}

void
ego_preprocess_rgb (const EgoResizePlan * plan, const uint8_t * src,
    int stride, int roff, int goff, int boff, const float *mean,
    const float *std, float *out)
{
  int w = plan->dst_w, h = plan->dst_h, taps = plan->ntx * plan->nty;
  float scale[3], bias[3];
  for (int c = 0; c < 3; c++) {
    scale[c] = 1.0f / (255.0f * (float) taps * std[c]);
    bias[c] = -mean[c] / std[c];
  }
  for (int y = 0; y < h; y++) {
    memset (plan->acc, 0, sizeof (float) * 3 * w);
    for (int t = 0; t < plan->nty; t++)
      accumulate_row (plan, src + (size_t) plan->yrow[y * plan->nty + t]
          * stride, roff, goff, boff);
    for (int c = 0; c < 3; c++) {
      float *o = out + ((size_t) c * h + y) * w;
      const float *a = plan->acc + c * w;
      for (int x = 0; x < w; x++)
        o[x] = a[x] * scale[c] + bias[c];
    }
  }
}
