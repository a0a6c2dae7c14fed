/* Log-mel spectrograms, see melspec.h. */
#include "melspec.h"

#include <math.h>
#include <string.h>

#include "ego_error.h"

/* beyond these a setting is a mistake, not a spectrogram */
#define MAX_N_FFT (1 << 16)
#define MAX_MELS 1024

struct _EgoMelspec
{
  EgoMelspecConfig cfg;
  int n_bins;
  EgoMelspecFft fft;
  void *fft_ctx;
  float *window;                /* (n_fft) periodic Hann */
  /* the filterbank, sparse: band b weighs bins lo[b] .. lo[b] + len[b] - 1
   * with weights[off[b] ..] */
  int *lo, *len, *off;
  float *weights;
  /* scratch for one frame */
  float *windowed;              /* (n_fft) */
  float *spectrum;              /* (n_bins, 2) complex */
  float *power;                 /* (n_bins) */
  float *frame;                 /* (n_fft) */
  float *column;                /* (n_mels) */
};

/* the first setting out of range, said with its value and its range */
static gboolean
check_config (const EgoMelspecConfig * c, GError ** error)
{
  gchar *bad = NULL;
  if (c->sample_rate < 1)
    bad = g_strdup_printf ("rate %d Hz: must be at least 1", c->sample_rate);
  else if (c->n_fft < 4 || c->n_fft > MAX_N_FFT || c->n_fft % 2 != 0)
    bad = g_strdup_printf ("n-fft %d: must be even, 4 to %d", c->n_fft,
        MAX_N_FFT);
  else if (c->hop < 1 || c->hop > c->n_fft)
    bad = g_strdup_printf ("hop %d: must be 1 to n-fft (%d)", c->hop,
        c->n_fft);
  else if (c->n_mels < 1 || c->n_mels > MAX_MELS)
    bad = g_strdup_printf ("%d mel bands: must be 1 to %d", c->n_mels,
        MAX_MELS);
  else if (!isfinite (c->fmin) || !isfinite (c->fmax) || c->fmin < 0.0f
      || c->fmin >= c->fmax || c->fmax > c->sample_rate / 2.0f)
    bad = g_strdup_printf ("band %g..%g Hz: must lie within 0..%g Hz (half "
        "the rate), low below high", c->fmin, c->fmax, c->sample_rate / 2.0);
  if (bad == NULL)
    return TRUE;
  g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "melspec: %s", bad);
  g_free (bad);
  return FALSE;
}

static double
hz_to_mel (double f)
{
  return 2595.0 * log10 (1.0 + f / 700.0);
}

static double
mel_to_hz (double m)
{
  return 700.0 * (pow (10.0, m / 2595.0) - 1.0);
}

/* the weight of band b at frequency f, given the n_mels + 2 points fp */
static double
triangle (const double *fp, int b, double f)
{
  double up = (f - fp[b]) / (fp[b + 1] - fp[b]);
  double down = (fp[b + 2] - f) / (fp[b + 2] - fp[b + 1]);
  return MAX (0.0, MIN (up, down));
}

/* Finds each band's non-zero bins; the weights are stored contiguously
 * (in double, then rounded once, as the reference does). */
static void
build_filterbank (EgoMelspec * m)
{
  const EgoMelspecConfig *c = &m->cfg;
  double lo_mel = hz_to_mel (c->fmin), hi_mel = hz_to_mel (c->fmax);
  double *fp = g_new (double, c->n_mels + 2);
  double bin_hz = (double) c->sample_rate / c->n_fft;
  int total = 0;

  for (int i = 0; i < c->n_mels + 2; i++)
    fp[i] = mel_to_hz (lo_mel + i * (hi_mel - lo_mel) / (c->n_mels + 1));
  /* each bin lies in at most two bands: 2 * n_bins weights at most */
  m->weights = g_new0 (float, 2 * m->n_bins);
  for (int b = 0; b < c->n_mels; b++) {
    m->lo[b] = 0;
    m->len[b] = 0;
    m->off[b] = total;
    for (int k = 0; k < m->n_bins; k++) {
      double w = triangle (fp, b, k * bin_hz);
      if (w <= 0.0)
        continue;
      if (m->len[b] == 0)
        m->lo[b] = k;
      m->weights[total++] = (float) w;
      m->len[b] = k - m->lo[b] + 1;
    }
  }
  g_free (fp);
}

EgoMelspec *
ego_melspec_new (const EgoMelspecConfig * cfg, EgoMelspecFft fft,
    void *fft_ctx, GError ** error)
{
  EgoMelspec *m;

  if (!check_config (cfg, error))
    return NULL;
  m = g_new0 (EgoMelspec, 1);
  m->cfg = *cfg;
  m->n_bins = cfg->n_fft / 2 + 1;
  m->fft = fft;
  m->fft_ctx = fft_ctx;
  m->window = g_new (float, cfg->n_fft);
  for (int n = 0; n < cfg->n_fft; n++)
    m->window[n] = (float) (0.5 - 0.5 * cos (2.0 * G_PI * n / cfg->n_fft));
  m->lo = g_new (int, cfg->n_mels);
  m->len = g_new (int, cfg->n_mels);
  m->off = g_new (int, cfg->n_mels);
  build_filterbank (m);
  m->windowed = g_new (float, cfg->n_fft);
  m->spectrum = g_new (float, 2 * m->n_bins);
  m->power = g_new (float, m->n_bins);
  m->frame = g_new (float, cfg->n_fft);
  m->column = g_new (float, cfg->n_mels);
  return m;
}

void
ego_melspec_free (EgoMelspec * m)
{
  if (m == NULL)
    return;
  g_free (m->window);
  g_free (m->lo);
  g_free (m->len);
  g_free (m->off);
  g_free (m->weights);
  g_free (m->windowed);
  g_free (m->spectrum);
  g_free (m->power);
  g_free (m->frame);
  g_free (m->column);
  g_free (m);
}

const EgoMelspecConfig *
ego_melspec_config (const EgoMelspec * m)
{
  return &m->cfg;
}

int
ego_melspec_n_bins (const EgoMelspec * m)
{
  return m->n_bins;
}

void
ego_melspec_filterbank (const EgoMelspec * m, float *fb)
{
  memset (fb, 0, sizeof (float) * m->cfg.n_mels * m->n_bins);
  for (int b = 0; b < m->cfg.n_mels; b++)
    memcpy (fb + (size_t) b * m->n_bins + m->lo[b], m->weights + m->off[b],
        sizeof (float) * m->len[b]);
}

void
ego_melspec_frame (EgoMelspec * m, const float *frame, float *out)
{
  // frame is (n_fft), out is (n_mels)
  const int n_fft = m->cfg.n_fft;

  for (int n = 0; n < n_fft; n++)
    m->windowed[n] = frame[n] * m->window[n];
  m->fft (m->fft_ctx, m->windowed, m->spectrum);
  for (int k = 0; k < m->n_bins; k++) {
    float re = m->spectrum[2 * k], im = m->spectrum[2 * k + 1];
    m->power[k] = re * re + im * im;
  }
  for (int b = 0; b < m->cfg.n_mels; b++) {
    const float *w = m->weights + m->off[b], *p = m->power + m->lo[b];
    float sum = 0.0f;
    for (int k = 0; k < m->len[b]; k++)
      sum += w[k] * p[k];
    out[b] = logf (sum + EGO_MELSPEC_LOG_FLOOR);
  }
}

void
ego_melspec_compute (EgoMelspec * m, const float *x, long n, long first,
    int n_frames, float *out)
{
  // x is (n), out is (n_mels, n_frames)
  const int n_fft = m->cfg.n_fft;

  for (int i = 0; i < n_frames; i++) {
    long start = (first + i) * m->cfg.hop - n_fft / 2;
    for (int t = 0; t < n_fft; t++) {
      long s = start + t;
      m->frame[t] = s >= 0 && s < n ? x[s] : 0.0f;
    }
    ego_melspec_frame (m, m->frame, m->column);
    for (int b = 0; b < m->cfg.n_mels; b++)
      out[(size_t) b * n_frames + i] = m->column[b];
  }
}

long
ego_melspec_window_first (const EgoMelspec * m, gint64 s, int w)
{
  /* round(s / hop - (w - 1) / 2) = floor((2 s - (w - 2) hop) / (2 hop)),
   * in integers so that it is exact for any s */
  gint64 hop = m->cfg.hop;
  gint64 num = 2 * s - (gint64) (w - 2) * hop, den = 2 * hop;
  gint64 q = num / den;

  if (num % den != 0 && num < 0)
    q--;
  return (long) q;
}

/* streams */

struct _EgoMelStream
{
  EgoMelspec *m;
  int keep;
  float *ring;                  /* (keep, n_mels) the last frames */
  float *buf;                   /* (n_fft) the next frame's samples so far */
  int buf_len;
  gint64 buf_start;             /* stream index of buf[0] */
  gint64 pos;                   /* samples pushed */
  long next;                    /* the next frame to compute */
};

EgoMelStream *
ego_mel_stream_new (EgoMelspec * m, int keep)
{
  EgoMelStream *s = g_new0 (EgoMelStream, 1);

  s->m = m;
  s->keep = MAX (keep, 1);
  s->ring = g_new0 (float, (size_t) s->keep * m->cfg.n_mels);
  s->buf = g_new0 (float, m->cfg.n_fft);
  ego_mel_stream_reset (s, 0);
  return s;
}

void
ego_mel_stream_free (EgoMelStream * s)
{
  if (s == NULL)
    return;
  g_free (s->ring);
  g_free (s->buf);
  g_free (s);
}

static float *
ring_slot (const EgoMelStream * s, long j)
{
  long slot = ((j % s->keep) + s->keep) % s->keep;
  return s->ring + slot * (size_t) s->m->cfg.n_mels;
}

void
ego_mel_stream_reset (EgoMelStream * s, long first)
{
  const int n_fft = s->m->cfg.n_fft, hop = s->m->cfg.hop;

  s->pos = 0;
  s->next = first;
  /* frames wholly before the stream see only zeros: no samples needed */
  while ((gint64) s->next * hop + n_fft / 2 <= 0) {
    float *out = ring_slot (s, s->next++);
    for (int b = 0; b < s->m->cfg.n_mels; b++)
      out[b] = logf (EGO_MELSPEC_LOG_FLOOR);
  }
  /* the next frame may start before sample 0: zeros up to it */
  s->buf_start = (gint64) s->next * hop - n_fft / 2;
  s->buf_len = s->buf_start < 0 ? (int) -s->buf_start : 0;
  memset (s->buf, 0, sizeof (float) * s->buf_len);
}

int
ego_mel_stream_push (EgoMelStream * s, const float *x, int n)
{
  const int n_fft = s->m->cfg.n_fft, hop = s->m->cfg.hop;
  int skip = 0, take;

  /* samples before the first frame's reach (a first frame far in) */
  if (s->pos < s->buf_start) {
    skip = (int) MIN ((gint64) n, s->buf_start - s->pos);
    s->pos += skip;
    x += skip;
    n -= skip;
  }
  take = MIN (n, n_fft - s->buf_len);
  memcpy (s->buf + s->buf_len, x, sizeof (float) * take);
  s->buf_len += take;
  s->pos += take;
  if (s->buf_len == n_fft) {
    ego_melspec_frame (s->m, s->buf, ring_slot (s, s->next++));
    memmove (s->buf, s->buf + hop, sizeof (float) * (n_fft - hop));
    s->buf_len = n_fft - hop;
    s->buf_start += hop;
  }
  return skip + take;
}

long
ego_mel_stream_next_frame (const EgoMelStream * s)
{
  return s->next;
}

gint64
ego_mel_stream_samples (const EgoMelStream * s)
{
  return s->pos;
}

gboolean
ego_mel_stream_window (const EgoMelStream * s, long j0, int w, float *out)
{
  // out is (n_mels, w)
  const int n_mels = s->m->cfg.n_mels;

  if (w > s->keep || j0 < s->next - s->keep || j0 + w > s->next)
    return FALSE;
  for (int i = 0; i < w; i++) {
    const float *col = ring_slot (s, j0 + i);
    for (int b = 0; b < n_mels; b++)
      out[(size_t) b * w + i] = col[b];
  }
  return TRUE;
}
