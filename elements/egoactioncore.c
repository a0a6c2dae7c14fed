/* gst-ego: egoaction's recogniser, see egoactioncore.h. */
#include "egoactioncore.h"

#include <string.h>

struct _EgoActionCore
{
  EgoModelRef *model;
  guint views;
  EgoNetStream *streams[EGO_ACTION_MAX_VIEWS];
  EgoWindow *window;
  gsize view_floats;
  gfloat *mean_logits[EGO_MAX_HEADS];   /* (classes) over views */
  GstClockTime *stamps;         /* (T) ring of sampled frames' timestamps */
  guint64 sampled;              /* since reset */
  guint64 since_result;         /* sampled frames since the last result */
};

EgoActionCore *
ego_action_core_new (EgoModelRef * model, guint views, GError ** error)
{
  const EgoModelMeta *meta = &model->meta;
  const EgoNetConfig *cfg = ego_net_config (model->net);
  EgoWindowConfig wc = { 0 };
  EgoActionCore *core = g_new0 (EgoActionCore, 1);
  core->model = model;
  core->views = CLAMP (views, 1, EGO_ACTION_MAX_VIEWS);
  core->view_floats = (gsize) cfg->in_channels * cfg->height * cfg->width;
  wc.frames = meta->frames;
  wc.n_heads = meta->n_heads;
  for (int h = 0; h < meta->n_heads; h++) {
    wc.classes[h] = meta->heads[h].n_labels;
    core->mean_logits[h] = g_new0 (gfloat, wc.classes[h]);
  }
  wc.temperature = (float) meta->temperature;
  wc.smooth_windows = 1;
  wc.smooth_alpha = 1.0f;
  wc.min_hold = 1;
  core->window = ego_window_new (&wc, error);
  for (guint v = 0; core->window && v < core->views; v++) {
    core->streams[v] = ego_net_stream_new (model->net, error);
    if (core->streams[v] == NULL)
      break;
  }
  if (core->window == NULL || core->streams[core->views - 1] == NULL) {
    ego_action_core_free (core);
    return NULL;
  }
  core->stamps = g_new (GstClockTime, meta->frames);
  return core;
}

void
ego_action_core_free (EgoActionCore * core)
{
  if (core == NULL)
    return;
  for (guint v = 0; v < EGO_ACTION_MAX_VIEWS; v++)
    ego_net_stream_free (core->streams[v]);
  for (int h = 0; h < EGO_MAX_HEADS; h++)
    g_free (core->mean_logits[h]);
  ego_window_free (core->window);
  g_free (core->stamps);
  g_free (core);
}

void
ego_action_core_reset (EgoActionCore * core)
{
  for (guint v = 0; v < core->views; v++)
    ego_net_stream_reset (core->streams[v]);
  ego_window_reset (core->window);
  core->sampled = 0;
  core->since_result = 0;
}

gsize
ego_action_core_view_floats (const EgoActionCore * core)
{
  return core->view_floats;
}

gsize
ego_action_core_frame_floats (const EgoActionCore * core)
{
  return core->view_floats * core->views;
}

/* Runs every view through its stream and averages their logits. */
static void
run_views (EgoActionCore * core, const gfloat * views)
{
  const EgoModelMeta *meta = &core->model->meta;
  for (int h = 0; h < meta->n_heads; h++)
    memset (core->mean_logits[h], 0,
        sizeof (gfloat) * meta->heads[h].n_labels);
  for (guint v = 0; v < core->views; v++) {
    float *logits[EGO_MAX_HEADS];
    ego_net_stream_push (core->streams[v], views + v * core->view_floats,
        logits);
    for (int h = 0; h < meta->n_heads; h++)
      for (int i = 0; i < meta->heads[h].n_labels; i++)
        core->mean_logits[h][i] += logits[h][i] / (gfloat) core->views;
  }
  ego_window_push (core->window, core->mean_logits);
}

static void
fill_result (EgoActionCore * core, const EgoActionSettings * s,
    EgoActionResult * r)
{
  const EgoModelMeta *meta = &core->model->meta;
  guint T = meta->frames;
  memset (r, 0, sizeof (*r));
  r->frames = T;
  /* the ring slot of the oldest frame in the window */
  r->start = core->stamps[core->sampled % T];
  r->end = core->stamps[(core->sampled - 1) % T];
  r->n_heads = meta->n_heads;
  for (int h = 0; h < meta->n_heads; h++)
    r->k[h] = ego_window_top_k (core->window, h,
        (int) CLAMP (s->top_k, 1, EGO_ACTION_MAX_TOP_K), r->ids[h],
        r->probs[h]);
  r->unsure = r->probs[0][0] < s->threshold;
}

gboolean
ego_action_core_process (EgoActionCore * core, const gfloat * views,
    GstClockTime ts, const EgoActionSettings * s, EgoActionResult * result,
    gint64 * infer_us)
{
  guint T = core->model->meta.frames;
  gint64 t0 = g_get_monotonic_time ();
  run_views (core, views);
  *infer_us = g_get_monotonic_time () - t0;
  core->stamps[core->sampled % T] = ts;
  core->sampled++;
  core->since_result++;
  if (!ego_window_full (core->window))
    return FALSE;
  /* the first result comes with the first full window */
  if (core->sampled > T && core->since_result < MAX (s->stride, 1))
    return FALSE;
  core->since_result = 0;
  ego_window_set_smoothing (core->window, s->smoothing,
      (int) s->smooth_windows, (float) s->smooth_alpha, (int) s->min_hold);
  ego_window_compute (core->window);
  fill_result (core, s, result);
  return TRUE;
}
