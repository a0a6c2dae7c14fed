/* Checkpoints and evaluation of the trainer, see trainer.h. */
#include "trainer_private.h"

#include <math.h>
#include <string.h>

#include "ego_error.h"
#include "metrics.h"
#include "safetensors.h"

/* The settings a resumed run must share, as one canonical string. */
static char *
settings_string (const EgoTrainer * t)
{
  const EgoTrainConfig *c = &t->cfg;
  return g_strdup_printf ("seed=%" G_GUINT64_FORMAT " epochs=%d batch=%d "
      "lr=%.9g wd=%.9g warmup=%.9g decay=%d clip=%.9g ld=%.9g lgt=%.9g "
      "T=%.9g ls=%.9g aug=%.9g,%.9g,%.9g,%.9g clips=%d", (guint64) c->seed,
      c->epochs, c->batch, c->lr, c->weight_decay, c->warmup, c->decay,
      c->clip_norm, c->lambda_d, c->lambda_gt, c->temperature,
      c->label_smoothing, c->augment.scale_min, c->augment.brightness,
      c->augment.contrast, c->augment.saturation, t->n);
}

static void
put_tensor (EgoStTensor * st, const char *name, const float *data, size_t n,
    int ndim, const int *shape)
{
  st->name = (char *) name;
  st->dtype = EGO_DTYPE_F32;
  st->ndim = ndim;
  for (int d = 0; d < ndim; d++)
    st->shape[d] = shape[d];
  st->numel = (int64_t) n;
  st->data = data;
  st->nbytes = n * sizeof (float);
}

gboolean
ego_trainer_save_checkpoint (EgoTrainer * t, const char *path,
    GError ** error)
{
  int nt = ego_net_n_tensors (t->net);
  EgoStTensor *ts = g_new0 (EgoStTensor, nt + 2);
  size_t np;
  int flat;
  char *settings = settings_string (t);
  char *step = g_strdup_printf ("%ld", t->step);
  const char *kv[] = { "ego-checkpoint-settings", settings,
    "ego-checkpoint-step", step, NULL
  };
  gboolean ok;
  for (int i = 0; i < nt; i++) {
    EgoNetTensor *n = ego_net_tensor (t->net, i);
    put_tensor (&ts[i], n->name, n->data, n->numel, n->ndim, n->shape);
  }
  ego_net_params (t->net, &np);
  flat = (int) np;
  put_tensor (&ts[nt], "adamw.m", t->m, np, 1, &flat);
  put_tensor (&ts[nt + 1], "adamw.v", t->v, np, 1, &flat);
  ok = ego_safetensors_save (path, ts, nt + 2, kv, error);
  g_free (ts);
  g_free (settings);
  g_free (step);
  return ok;
}

static gboolean
restore_tensors (EgoTrainer * t, const EgoSafetensors * st, GError ** error)
{
  size_t np;
  const EgoStTensor *m = ego_safetensors_find (st, "adamw.m");
  const EgoStTensor *v = ego_safetensors_find (st, "adamw.v");
  ego_net_params (t->net, &np);
  for (int i = 0; i < ego_net_n_tensors (t->net); i++) {
    EgoNetTensor *n = ego_net_tensor (t->net, i);
    const EgoStTensor *s = ego_safetensors_find (st, n->name);
    if (s == NULL || s->dtype != EGO_DTYPE_F32
        || (size_t) s->numel != n->numel) {
      g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
          "%s: tensor '%s' is missing or of another size",
          ego_safetensors_name (st), n->name);
      return FALSE;
    }
    memcpy (n->data, s->data, n->numel * sizeof (float));
  }
  if (m == NULL || v == NULL || m->dtype != EGO_DTYPE_F32
      || v->dtype != EGO_DTYPE_F32 || (size_t) m->numel != np
      || (size_t) v->numel != np) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: the optimiser state is missing or of another size",
        ego_safetensors_name (st));
    return FALSE;
  }
  memcpy (t->m, m->data, np * sizeof (float));
  memcpy (t->v, v->data, np * sizeof (float));
  return TRUE;
}

gboolean
ego_trainer_resume (EgoTrainer * t, const char *path, GError ** error)
{
  EgoSafetensors *st = ego_safetensors_load (path, error);
  const char *saved, *step;
  char *settings, *end = NULL;
  gint64 s = -1;
  gboolean ok = FALSE;
  if (st == NULL)
    return FALSE;
  saved = ego_safetensors_metadata (st, "ego-checkpoint-settings");
  step = ego_safetensors_metadata (st, "ego-checkpoint-step");
  settings = settings_string (t);
  if (step)
    s = g_ascii_strtoll (step, &end, 10);
  if (saved == NULL || step == NULL || *end != '\0' || s < 0)
    g_set_error (error, EGO_ERROR, EGO_ERROR_FORMAT,
        "%s: not a gst-ego training checkpoint", path);
  /* other settings first: other epochs also put the step out of range */
  else if (strcmp (saved, settings) != 0)
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: the checkpoint was made with other settings (%s), not (%s)",
        path, saved, settings);
  else if (s > ego_trainer_total_steps (t))
    g_set_error (error, EGO_ERROR, EGO_ERROR_FORMAT,
        "%s: its step %" G_GINT64_FORMAT " is past the run's last, %ld",
        path, s, ego_trainer_total_steps (t));
  else if (restore_tensors (t, st, error)) {
    t->step = (long) s;
    ok = TRUE;
  }
  g_free (settings);
  ego_safetensors_free (st);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Evaluation */

/* Candidate offset of temporal clip c of n: spread around the middle. */
static int
clip_offset (int c, int n, int candidates)
{
  int half = candidates / 2;
  if (n == 1 || half == 0)
    return 0;
  return -half + (int) lround ((double) c * 2 * half / (n - 1));
}

static void
accumulate_views (EgoNet * net, const EgoModelMeta * meta, EgoClipCache * c,
    int clip, int n_clips, int n_crops, float *x, float **sums)
{
  const EgoNetConfig *nc = ego_net_config (net);
  const EgoClipCacheSpec *s = ego_clip_cache_spec (c);
  int T = s->segments, views = n_clips * n_crops;
  size_t clip_floats = (size_t) T * nc->in_channels * nc->width * nc->height;
  float *logits[EGO_MAX_HEADS];
  for (int v = 0; v < views; v++)
    ego_clip_cache_make_input (c, clip, nc->width, nc->height,
        nc->in_channels, meta->mean, meta->std, NULL, NULL, v % n_crops,
        n_crops,
        clip_offset (v / n_crops, n_clips, s->candidates),
        x + v * clip_floats);
  ego_net_infer (net, x, views, T, logits, NULL);
  for (int h = 0; h < nc->n_heads; h++) {
    int k = nc->classes[h];
    for (int f = 0; f < views * T; f++)
      for (int i = 0; i < k; i++)
        sums[h][i] += logits[h][(size_t) f * k + i] / (float) (views * T);
  }
}

gboolean
ego_evaluate (EgoNet * net, const EgoModelMeta * meta, EgoClipCache * cache,
    int n_clips, int n_crops, EgoEvalResult * r, GError ** error)
{
  const EgoNetConfig *nc = ego_net_config (net);
  const EgoClipCacheSpec *s = ego_clip_cache_spec (cache);
  float *x;
  memset (r, 0, sizeof (*r));
  if (n_clips < 1 || n_clips > s->candidates || n_crops < 1 || n_crops > 3
      || n_crops == 2 || s->segments != meta->frames
      || s->n_heads != nc->n_heads) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "evaluation: %d clips x %d crops cannot be made from this cache",
        n_clips, n_crops);
    return FALSE;
  }
  if (!ego_clip_cache_has_channels (cache, nc->in_channels)) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "evaluation: the "
        "clip cache has no flow for the network's RGB and flow input");
    return FALSE;
  }
  r->clips = s->n_clips;
  r->n_heads = nc->n_heads;
  for (int h = 0; h < nc->n_heads; h++) {
    r->logits[h] = g_new0 (float, (size_t) s->n_clips * nc->classes[h]);
    r->labels[h] = g_new (int32_t, s->n_clips);
  }
  x = g_new (float, (size_t) n_clips * n_crops * s->segments *
      nc->in_channels * nc->width * nc->height);
  for (int i = 0; i < s->n_clips; i++) {
    float *sums[EGO_MAX_HEADS];
    for (int h = 0; h < nc->n_heads; h++) {
      sums[h] = r->logits[h] + (size_t) i * nc->classes[h];
      r->labels[h][i] = ego_clip_cache_labels (cache, i)[h];
    }
    accumulate_views (net, meta, cache, i, n_clips, n_crops, x, sums);
  }
  g_free (x);
  for (int h = 0; h < nc->n_heads; h++) {
    int k = nc->classes[h];
    r->top1[h] = ego_topk_accuracy (r->logits[h], r->labels[h], r->clips, k,
        1);
    r->top5[h] = ego_topk_accuracy (r->logits[h], r->labels[h], r->clips, k,
        5);
    r->ece[h] = ego_ece (r->logits[h], r->labels[h], r->clips, k);
  }
  r->action_top1 = nc->n_heads >= 2 ? ego_joint_accuracy (r->logits[0],
      r->labels[0], nc->classes[0], r->logits[1], r->labels[1],
      nc->classes[1], r->clips) : -1.0;
  r->gflops_per_view = ego_net_flops_per_frame (net) * s->segments / 1e9;
  return TRUE;
}

void
ego_eval_result_clear (EgoEvalResult * r)
{
  for (int h = 0; h < EGO_MAX_HEADS; h++) {
    g_free (r->logits[h]);
    g_free (r->labels[h]);
  }
  memset (r, 0, sizeof (*r));
}
