/* Training of a tsmnet on a clip cache, see trainer.h. */
#include "trainer_private.h"

#include <math.h>
#include <string.h>

#include "ego_error.h"
#include "layers.h"
#include "metrics.h"
#include "safetensors.h"


void
ego_train_config_default (EgoTrainConfig * c)
{
  memset (c, 0, sizeof (*c));
  c->epochs = 20;
  c->batch = 16;
  c->lr = 2e-3f;
  c->weight_decay = 0.02f;
  c->warmup = 0.05f;
  c->decay = EGO_DECAY_COSINE;
  c->clip_norm = 5.0f;
  c->lambda_d = 0.0f;
  c->lambda_gt = 1.0f;
  c->temperature = 1.0f;
  c->augment.scale_min = 0.8f;
  c->augment.brightness = 0.2f;
  c->augment.contrast = 0.2f;
  c->augment.saturation = 0.2f;
  c->seed = 1;
}

static gboolean
check_setup (EgoNet * net, const EgoModelMeta * meta, EgoClipCache * cache,
    const EgoTrainConfig * c, GError ** error)
{
  const EgoClipCacheSpec *s = ego_clip_cache_spec (cache);
  const EgoNetConfig *nc = ego_net_config (net);
  const char *bad = NULL;
  if (c->epochs < 1 || c->batch < 1 || c->batch > 1024 || !(c->lr > 0)
      || !(c->temperature > 0) || c->lambda_d < 0 || c->lambda_gt < 0
      || (c->lambda_d == 0 && c->lambda_gt == 0))
    bad = "training settings out of range";
  else if (s->segments != meta->frames || s->n_heads != nc->n_heads)
    bad = "the clip cache's frames or heads differ from the model's";
  else if (!ego_clip_cache_has_channels (cache, nc->in_channels))
    bad = "the clip cache has no flow for the network's RGB and flow input";
  else if (c->lambda_d > 0 && !s->teacher)
    bad = "distillation needs teacher logits in the clip cache";
  else if (!ego_clip_cache_complete (cache))
    bad = "the clip cache is not filled";
  for (int h = 0; !bad && h < s->n_heads; h++)
    if (s->classes[h] != nc->classes[h])
      bad = "the clip cache's classes differ from the model's";
  if (bad)
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "training: %s", bad);
  return bad == NULL;
}

EgoTrainer *
ego_trainer_new (EgoNet * net, const EgoModelMeta * meta,
    EgoClipCache * cache, const EgoTrainConfig * cfg, GError ** error)
{
  const EgoClipCacheSpec *s = ego_clip_cache_spec (cache);
  const EgoNetConfig *nc = ego_net_config (net);
  EgoTrainer *t;
  size_t np;
  if (!check_setup (net, meta, cache, cfg, error))
    return NULL;
  t = g_new0 (EgoTrainer, 1);
  t->net = net;
  t->meta = meta;
  t->cache = cache;
  t->cfg = *cfg;
  t->n = s->n_clips;
  t->frames = s->segments;
  t->w = nc->width;
  t->h = nc->height;
  t->cfg.batch = MIN (cfg->batch, t->n);
  /* the last partial batch is dropped: batch statistics need a batch */
  t->steps_per_epoch = t->n / t->cfg.batch;
  t->order = g_new (int, t->n);
  t->order_epoch = -1;
  t->x = g_new (float, (size_t) t->cfg.batch * t->frames * nc->in_channels
      * t->w * t->h);
  for (int h = 0; h < nc->n_heads; h++) {
    t->targets[h] = g_new (int32_t, t->cfg.batch);
    t->teacher[h] = g_new (float, (size_t) t->cfg.batch * nc->classes[h]);
  }
  ego_net_params (net, &np);
  t->m = g_new0 (float, np);
  t->v = g_new0 (float, np);
  if (!ego_net_train_reserve (net, t->cfg.batch, t->frames, error)) {
    ego_trainer_free (t);
    return NULL;
  }
  return t;
}

void
ego_trainer_free (EgoTrainer * t)
{
  if (t == NULL)
    return;
  g_free (t->order);
  g_free (t->x);
  for (int h = 0; h < EGO_MAX_HEADS; h++) {
    g_free (t->targets[h]);
    g_free (t->teacher[h]);
  }
  g_free (t->m);
  g_free (t->v);
  g_free (t);
}

long
ego_trainer_steps_per_epoch (const EgoTrainer * t)
{
  return t->steps_per_epoch;
}

long
ego_trainer_total_steps (const EgoTrainer * t)
{
  return t->steps_per_epoch * t->cfg.epochs;
}

long
ego_trainer_step_count (const EgoTrainer * t)
{
  return t->step;
}

/* Fisher-Yates with the epoch's own generator. */
static void
shuffle_for_epoch (EgoTrainer * t, int epoch)
{
  EgoRng rng;
  if (t->order_epoch == epoch)
    return;
  ego_rng_seed (&rng, t->cfg.seed, 1000 + (uint64_t) epoch);
  for (int i = 0; i < t->n; i++)
    t->order[i] = i;
  for (int i = t->n - 1; i > 0; i--) {
    int j = (int) ego_rng_below (&rng, (uint32_t) i + 1), tmp = t->order[i];
    t->order[i] = t->order[j];
    t->order[j] = tmp;
  }
  t->order_epoch = epoch;
}

static void
load_batch (EgoTrainer * t, int epoch, long in_epoch, EgoRng * rng)
{
  const EgoNetConfig *nc = ego_net_config (t->net);
  size_t clip_floats = (size_t) t->frames * nc->in_channels * t->w * t->h;
  shuffle_for_epoch (t, epoch);
  for (int b = 0; b < t->cfg.batch; b++) {
    int clip = t->order[in_epoch * t->cfg.batch + b];
    const int32_t *labels = ego_clip_cache_labels (t->cache, clip);
    ego_clip_cache_make_input (t->cache, clip, t->w, t->h,
        nc->in_channels, t->meta->mean, t->meta->std, &t->cfg.augment, rng,
        0, 1, 0, t->x + b * clip_floats);
    for (int h = 0; h < nc->n_heads; h++) {
      const float *zt = ego_clip_cache_teacher (t->cache, clip, h);
      t->targets[h][b] = labels[h];
      if (zt)
        memcpy (t->teacher[h] + (size_t) b * nc->classes[h], zt,
            sizeof (float) * nc->classes[h]);
    }
  }
}

/* Distillation may run on clips without labels (-1). */
static gboolean
labelled (const int32_t * targets, int n)
{
  for (int i = 0; i < n; i++)
    if (targets[i] < 0)
      return FALSE;
  return TRUE;
}

/* Loss of the last forward, and its gradient into the window dlogits. */
static void
loss_and_gradient (EgoTrainer * t, EgoStepStats * st)
{
  const EgoNetConfig *nc = ego_net_config (t->net);
  const EgoTrainConfig *c = &t->cfg;
  float share = 1.0f / nc->n_heads;
  st->loss_ce = st->loss_kd = 0.0f;
  for (int h = 0; h < nc->n_heads; h++) {
    float *z = ego_net_window_logits (t->net, h);
    float *dz = ego_net_window_dlogits (t->net, h);
    int k = nc->classes[h];
    st->top1[h] = labelled (t->targets[h], c->batch) ?
        (float) ego_topk_accuracy (z, t->targets[h], c->batch, k, 1) : 0.0f;
    if (c->lambda_gt > 0) {
      st->loss_ce += share * ego_cross_entropy_forward (z, t->targets[h],
          c->batch, k, c->label_smoothing);
      ego_cross_entropy_backward (dz, z, t->targets[h], c->batch, k,
          c->label_smoothing, share * c->lambda_gt);
    }
    if (c->lambda_d > 0) {
      st->loss_kd += share * ego_distill_forward (z, t->teacher[h], c->batch,
          k, c->temperature);
      ego_distill_backward (dz, z, t->teacher[h], c->batch, k,
          c->temperature, share * c->lambda_d);
    }
  }
  st->loss = c->lambda_gt * st->loss_ce + c->lambda_d * st->loss_kd;
}

static void
optimiser_step (EgoTrainer * t, float lr)
{
  size_t n;
  float *params = ego_net_params (t->net, &n);
  EgoAdamW opt = { lr, 0.9f, 0.999f, 1e-8f, 0.0f };
  for (int i = 0; i < ego_net_n_tensors (t->net); i++) {
    EgoNetTensor *ts = ego_net_tensor (t->net, i);
    size_t off = (size_t) (ts->data - params);
    if (ts->grad == NULL)
      continue;
    opt.weight_decay = ts->decay ? t->cfg.weight_decay : 0.0f;
    ego_adamw_step (ts->data, ts->grad, t->m + off, t->v + off, ts->numel,
        t->step, &opt);
  }
}

gboolean
ego_trainer_step (EgoTrainer * t, EgoStepStats * st)
{
  long total = ego_trainer_total_steps (t);
  int epoch = (int) (t->step / t->steps_per_epoch);
  size_t n;
  float *grads;
  EgoRng rng;
  if (t->step >= total)
    return FALSE;
  memset (st, 0, sizeof (*st));
  ego_rng_seed (&rng, t->cfg.seed, 2000000 + (uint64_t) t->step);
  load_batch (t, epoch, t->step % t->steps_per_epoch, &rng);
  ego_net_zero_grad (t->net);
  ego_net_forward_train (t->net, t->x, t->cfg.batch, t->frames, &rng);
  loss_and_gradient (t, st);
  ego_net_backward (t->net, t->x);
  grads = ego_net_grads (t->net, &n);
  st->grad_norm = t->cfg.clip_norm > 0 ?
      ego_clip_grad_norm (grads, n, t->cfg.clip_norm) :
      (float) sqrt (ego_grad_norm_sq (grads, n));
  /* 1-based, so that the first step of a warm-up already moves */
  st->lr = ego_lr_at (t->cfg.lr, t->step + 1, (long) (t->cfg.warmup * total),
      total, t->cfg.decay);
  t->step++;
  optimiser_step (t, st->lr);
  st->epoch = epoch;
  st->step = t->step;
  return TRUE;
}
