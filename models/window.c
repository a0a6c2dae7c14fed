/* A recogniser's results over a stream, see window.h. */
#include "window.h"

#include <math.h>
#include <string.h>

#include "ego_error.h"
#include "layers.h"

struct _EgoWindow
{
  EgoWindowConfig cfg;
  int total;                    /* sum of classes */
  int offset[EGO_MAX_HEADS];    /* of each head in a row of total */
  float *ring;                  /* (T, total) last frames' logits */
  long count;
  float *logits;                /* (total) window mean */
  float *probs;                 /* (total) calibrated, this result */
  float *history;               /* (MAX_SMOOTH, total) recent results */
  int n_history;
  float *smoothed;              /* (total) */
  int held[EGO_MAX_HEADS];      /* shown top class, -1 before any */
  int candidate[EGO_MAX_HEADS];
  int run[EGO_MAX_HEADS];       /* results the candidate has led */
};

static gboolean
check_config (const EgoWindowConfig * c, GError ** error)
{
  gboolean ok = c->frames >= 1 && c->frames <= 1024 && c->n_heads >= 1
      && c->n_heads <= EGO_MAX_HEADS && c->temperature > 0.0f
      && isfinite (c->temperature) && c->min_hold >= 1
      && c->smooth_windows >= 1 && c->smooth_windows <= EGO_WINDOW_MAX_SMOOTH
      && c->smooth_alpha > 0.0f && c->smooth_alpha <= 1.0f;
  for (int h = 0; ok && h < c->n_heads; h++)
    ok = c->classes[h] >= 1 && c->classes[h] <= EGO_MAX_LABELS;
  if (!ok)
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "window: settings out of range (frames %d, heads %d, temperature "
        "%g, hold %d, smoothing %d/%g)", c->frames, c->n_heads,
        c->temperature, c->min_hold, c->smooth_windows, c->smooth_alpha);
  return ok;
}

EgoWindow *
ego_window_new (const EgoWindowConfig * cfg, GError ** error)
{
  EgoWindow *w;
  if (!check_config (cfg, error))
    return NULL;
  w = g_new0 (EgoWindow, 1);
  w->cfg = *cfg;
  for (int h = 0; h < cfg->n_heads; h++) {
    w->offset[h] = w->total;
    w->total += cfg->classes[h];
  }
  w->ring = g_new0 (float, (size_t) cfg->frames * w->total);
  w->logits = g_new0 (float, w->total);
  w->probs = g_new0 (float, w->total);
  w->history = g_new0 (float, (size_t) EGO_WINDOW_MAX_SMOOTH * w->total);
  w->smoothed = g_new0 (float, w->total);
  ego_window_reset (w);
  return w;
}

void
ego_window_free (EgoWindow * w)
{
  if (w == NULL)
    return;
  g_free (w->ring);
  g_free (w->logits);
  g_free (w->probs);
  g_free (w->history);
  g_free (w->smoothed);
  g_free (w);
}

void
ego_window_reset (EgoWindow * w)
{
  w->count = 0;
  w->n_history = 0;
  for (int h = 0; h < EGO_MAX_HEADS; h++) {
    w->held[h] = w->candidate[h] = -1;
    w->run[h] = 0;
  }
}

void
ego_window_set_smoothing (EgoWindow * w, EgoSmoothing smoothing,
    int smooth_windows, float smooth_alpha, int min_hold)
{
  w->cfg.smoothing = smoothing;
  w->cfg.smooth_windows = CLAMP (smooth_windows, 1, EGO_WINDOW_MAX_SMOOTH);
  w->cfg.smooth_alpha = CLAMP (smooth_alpha, 1e-3f, 1.0f);
  w->cfg.min_hold = MAX (min_hold, 1);
}

void
ego_window_push (EgoWindow * w, float *const *frame_logits)
{
  float *row = w->ring + (size_t) (w->count % w->cfg.frames) * w->total;
  for (int h = 0; h < w->cfg.n_heads; h++)
    memcpy (row + w->offset[h], frame_logits[h],
        sizeof (float) * w->cfg.classes[h]);
  w->count++;
}

long
ego_window_count (const EgoWindow * w)
{
  return w->count;
}

gboolean
ego_window_full (const EgoWindow * w)
{
  return w->count >= w->cfg.frames;
}

static void
window_mean (EgoWindow * w)
{
  int T = w->cfg.frames;
  /* the ring holds exactly the last T frames once full; their order does
   * not matter to a mean */
  memset (w->logits, 0, sizeof (float) * w->total);
  for (int f = 0; f < T; f++)
    for (int i = 0; i < w->total; i++)
      w->logits[i] += w->ring[(size_t) f * w->total + i];
  for (int i = 0; i < w->total; i++)
    w->logits[i] /= (float) T;
}

static void
calibrate (EgoWindow * w)
{
  for (int h = 0; h < w->cfg.n_heads; h++) {
    int k = w->cfg.classes[h];
    float *p = w->probs + w->offset[h];
    for (int i = 0; i < k; i++)
      p[i] = w->logits[w->offset[h] + i] / w->cfg.temperature;
    ego_softmax_forward (p, p, 1, k);
  }
}

static void
smooth (EgoWindow * w)
{
  int n = w->total, keep = w->cfg.smoothing == EGO_SMOOTH_AVERAGE ?
      w->cfg.smooth_windows : 1;
  float a = w->cfg.smooth_alpha;
  if (w->cfg.smoothing == EGO_SMOOTH_EXPONENTIAL && w->n_history > 0) {
    for (int i = 0; i < n; i++)
      w->smoothed[i] = a * w->probs[i] + (1.0f - a) * w->smoothed[i];
    return;
  }
  /* history is newest first */
  memmove (w->history + n, w->history,
      sizeof (float) * n * (EGO_WINDOW_MAX_SMOOTH - 1));
  memcpy (w->history, w->probs, sizeof (float) * n);
  w->n_history = MIN (w->n_history + 1, EGO_WINDOW_MAX_SMOOTH);
  keep = MIN (keep, w->n_history);
  memset (w->smoothed, 0, sizeof (float) * n);
  for (int r = 0; r < keep; r++)
    for (int i = 0; i < n; i++)
      w->smoothed[i] += w->history[(size_t) r * n + i] / (float) keep;
}

static int
argmax (const float *p, int k)
{
  int best = 0;
  for (int i = 1; i < k; i++)
    if (p[i] > p[best])
      best = i;
  return best;
}

static void
update_hold (EgoWindow * w)
{
  for (int h = 0; h < w->cfg.n_heads; h++) {
    int top = argmax (w->smoothed + w->offset[h], w->cfg.classes[h]);
    if (top == w->held[h] || w->held[h] < 0) {
      w->held[h] = top;
      w->run[h] = 0;
      continue;
    }
    w->run[h] = top == w->candidate[h] ? w->run[h] + 1 : 1;
    w->candidate[h] = top;
    if (w->run[h] >= w->cfg.min_hold) {
      w->held[h] = top;
      w->run[h] = 0;
    }
  }
}

void
ego_window_compute (EgoWindow * w)
{
  window_mean (w);
  calibrate (w);
  smooth (w);
  update_hold (w);
}

const float *
ego_window_logits (const EgoWindow * w, int head)
{
  return w->logits + w->offset[head];
}

const float *
ego_window_probs (const EgoWindow * w, int head)
{
  return w->smoothed + w->offset[head];
}

int
ego_window_top_k (const EgoWindow * w, int head, int k, int *ids,
    float *probs)
{
  const float *p = w->smoothed + w->offset[head];
  int n = w->cfg.classes[head], got = 0;
  k = MIN (k, n);
  if (k < 1)
    return 0;
  ids[got++] = w->held[head];
  /* selection of the next best, skipping the held class: k is small */
  while (got < k) {
    int best = -1;
    for (int i = 0; i < n; i++) {
      gboolean taken = FALSE;
      for (int j = 0; j < got && !taken; j++)
        taken = ids[j] == i;
      if (!taken && (best < 0 || p[i] > p[best]))
        best = i;
    }
    ids[got++] = best;
  }
  for (int j = 0; j < got; j++)
    probs[j] = p[ids[j]];
  return got;
}
