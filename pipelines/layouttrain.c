/* ego-layout's training and evaluation, see layouttrain.h. */
#include "layouttrain.h"

#include <math.h>
#include <string.h>

#include "layers.h"
#include "metrics.h"
#include "optim.h"

#define EVAL_BATCH 64

typedef struct
{
  EgoStlt *net;
  const EgoModelMeta *meta;
  const EgoLayoutData *train, *val;
  EgoLayoutTrainConfig cfg;
  int n;                        /* training clips */
  long steps_per_epoch, total;
  int *order;                   /* (n) this epoch's permutation */
  float *m, *v;                 /* AdamW moments */
  GArray *epochs;               /* EgoLayoutEpoch */
  GArray *step_loss;            /* gfloat */
  int best;                     /* index into epochs, -1: none yet */
  double best_metric;
  char *history_path, *best_path, *model_path;
} LayoutRun;

void
ego_layout_train_config_default (EgoLayoutTrainConfig * c)
{
  memset (c, 0, sizeof (*c));
  c->frames = 8;
  c->epochs = 60;
  c->batch = 32;
  c->lr = 1e-3f;
  c->weight_decay = 0.02f;
  c->warmup = 0.05f;
  c->clip_norm = 5.0f;
  c->seed = 1;
}

/* ------------------------------------------------------------------------ */
/* Evaluation */

static void
score (EgoEvalResult * r, const EgoStltConfig * nc, int frames)
{
  for (int h = 0; h < r->n_heads; h++) {
    int k = nc->classes[h];
    r->top1[h] = ego_topk_accuracy (r->logits[h], r->labels[h], r->clips, k, 1);
    r->top5[h] = ego_topk_accuracy (r->logits[h], r->labels[h], r->clips, k, 5);
    r->ece[h] = ego_ece (r->logits[h], r->labels[h], r->clips, k);
  }
  r->action_top1 = ego_joint_accuracy (r->logits[0], r->labels[0],
      nc->classes[0], r->logits[1], r->labels[1], nc->classes[1], r->clips);
  r->gflops_per_view = ego_stlt_flops (nc, frames, nc->max_boxes) / 1e9;
}

gboolean
ego_layout_evaluate (EgoStlt * net, const EgoLayoutData * d, int frames,
    EgoEvalResult * r, GError ** error)
{
  const EgoStltConfig *nc = ego_stlt_config (net);
  int n = ego_layout_data_n_clips (d), idx[EVAL_BATCH];
  memset (r, 0, sizeof (*r));
  r->clips = n;
  r->n_heads = nc->n_heads;
  for (int h = 0; h < nc->n_heads; h++) {
    r->logits[h] = g_new (float, (gsize) n * nc->classes[h]);
    r->labels[h] = g_new (int32_t, n);
    for (int i = 0; i < n; i++)
      r->labels[h][i] = ego_layout_data_label (d, i, h);
  }
  for (int at = 0; at < n; at += EVAL_BATCH) {
    int count = MIN (EVAL_BATCH, n - at);
    EgoStltInput *in;
    gboolean ok;
    for (int i = 0; i < count; i++)
      idx[i] = at + i;
    in = ego_layout_data_batch (d, idx, count, frames, nc->max_boxes, FALSE,
        NULL);
    ok = ego_stlt_forward (net, in, FALSE, NULL, error);
    ego_stlt_input_free (in);
    if (!ok) {
      ego_eval_result_clear (r);
      return FALSE;
    }
    for (int h = 0; h < nc->n_heads; h++)
      memcpy (r->logits[h] + (gsize) at * nc->classes[h],
          ego_stlt_logits (net, h), sizeof (float) * count * nc->classes[h]);
  }
  score (r, nc, frames);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* History */

static JsonArray *
doubles (const double *v, int n)
{
  JsonArray *a = json_array_new ();
  for (int i = 0; i < n; i++)
    json_array_add_double_element (a, v[i]);
  return a;
}

static JsonObject *
epoch_object (const EgoLayoutEpoch * e)
{
  JsonObject *o = json_object_new ();
  json_object_set_int_member (o, "epoch", e->epoch);
  json_object_set_int_member (o, "step", e->step);
  json_object_set_double_member (o, "loss", e->loss);
  json_object_set_double_member (o, "loss_ce", e->loss);
  json_object_set_double_member (o, "loss_kd", 0.0);
  json_object_set_double_member (o, "lr", e->lr);
  json_object_set_double_member (o, "seconds", e->seconds);
  json_object_set_double_member (o, "clips_per_second", e->clips_per_second);
  json_object_set_array_member (o, "train_top1", doubles (e->train_top1,
          EGO_LAYOUT_HEADS));
  json_object_set_boolean_member (o, "validated", e->validated);
  json_object_set_array_member (o, "top1", doubles (e->top1, EGO_LAYOUT_HEADS));
  json_object_set_array_member (o, "top5", doubles (e->top5, EGO_LAYOUT_HEADS));
  json_object_set_array_member (o, "ece", doubles (e->ece, EGO_LAYOUT_HEADS));
  json_object_set_double_member (o, "action_top1", e->action_top1);
  json_object_set_boolean_member (o, "best", e->best);
  return o;
}

static gboolean
save_history (const LayoutRun * r, GError ** error)
{
  JsonObject *root = json_object_new ();
  JsonArray *epochs = json_array_new (), *losses = json_array_new ();
  JsonNode *node;
  char *text;
  gboolean ok;
  for (guint i = 0; i < r->epochs->len; i++)
    json_array_add_object_element (epochs,
        epoch_object (&g_array_index (r->epochs, EgoLayoutEpoch, i)));
  for (guint i = 0; i < r->step_loss->len; i++)
    json_array_add_double_element (losses, g_array_index (r->step_loss,
            gfloat, i));
  json_object_set_int_member (root, "step", r->step_loss->len);
  json_object_set_int_member (root, "best_epoch", r->best);
  json_object_set_double_member (root, "best_metric", r->best_metric);
  json_object_set_array_member (root, "epochs", epochs);
  json_object_set_array_member (root, "step_loss", losses);
  node = json_node_init_object (json_node_alloc (), root);
  text = json_to_string (node, FALSE);
  /* g_file_set_contents writes a temporary file and renames it */
  ok = g_file_set_contents (r->history_path, text, -1, error);
  g_free (text);
  json_node_unref (node);
  json_object_unref (root);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Steps */

/* Fisher-Yates with the epoch's own generator. */
static void
shuffle_for_epoch (LayoutRun * r, int epoch)
{
  EgoRng rng;
  ego_rng_seed (&rng, r->cfg.seed, 1000 + (guint64) epoch);
  for (int i = 0; i < r->n; i++)
    r->order[i] = i;
  for (int i = r->n - 1; i > 0; i--) {
    int j = (int) ego_rng_below (&rng, (uint32_t) i + 1), tmp = r->order[i];
    r->order[i] = r->order[j];
    r->order[j] = tmp;
  }
}

/* Cross-entropy of the last forward, averaged over heads, its gradient
 * into the dlogits, and the clips each head got right. */
static float
loss_and_gradient (LayoutRun * r, const int *clips, int n, double *right)
{
  const EgoStltConfig *nc = ego_stlt_config (r->net);
  int32_t *y = g_new (int32_t, n);
  float loss = 0.0f, share = 1.0f / nc->n_heads;
  for (int h = 0; h < nc->n_heads; h++) {
    float *z = ego_stlt_logits (r->net, h);
    for (int i = 0; i < n; i++)
      y[i] = ego_layout_data_label (r->train, clips[i], h);
    loss += share * ego_cross_entropy_forward (z, y, n, nc->classes[h], 0.0f);
    ego_cross_entropy_backward (ego_stlt_dlogits (r->net, h), z, y, n,
        nc->classes[h], 0.0f, share);
    right[h] += ego_topk_accuracy (z, y, n, nc->classes[h], 1) * n / 100.0;
  }
  g_free (y);
  return loss;
}

static void
optimiser_step (LayoutRun * r, long step, float lr)
{
  size_t n;
  float *params = ego_stlt_params (r->net, &n);
  EgoAdamW opt = { lr, 0.9f, 0.999f, 1e-8f, 0.0f };
  for (int i = 0; i < ego_stlt_n_tensors (r->net); i++) {
    EgoNetTensor *t = ego_stlt_tensor (r->net, i);
    size_t off = (size_t) (t->data - params);
    opt.weight_decay = t->decay ? r->cfg.weight_decay : 0.0f;
    ego_adamw_step (t->data, t->grad, r->m + off, r->v + off, t->numel, step,
        &opt);
  }
}

/* Step number step (0-based) on clips; returns its learning rate. */
static gboolean
train_step (LayoutRun * r, long step, const int *clips, int n,
    double *right, float *lr, GError ** error)
{
  const EgoStltConfig *nc = ego_stlt_config (r->net);
  EgoStltInput *in;
  EgoRng rng;
  size_t np;
  float loss, *grads;
  gboolean ok;
  ego_rng_seed (&rng, r->cfg.seed, 2000000 + (guint64) step);
  in = ego_layout_data_batch (r->train, clips, n, r->cfg.frames,
      nc->max_boxes, TRUE, &rng);
  ego_stlt_zero_grad (r->net);
  ok = ego_stlt_forward (r->net, in, TRUE, &rng, error);
  ego_stlt_input_free (in);
  if (!ok)
    return FALSE;
  loss = loss_and_gradient (r, clips, n, right);
  /* a diverged network learns nothing more, and could not be saved */
  if (!isfinite (loss)) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "the loss is not "
        "finite at step %ld (epoch %ld): training diverged; try a lower "
        "--lr or --clip-norm", step + 1, step / r->steps_per_epoch + 1);
    return FALSE;
  }
  ego_stlt_backward (r->net, NULL);
  grads = ego_stlt_grads (r->net, &np);
  if (r->cfg.clip_norm > 0)
    ego_clip_grad_norm (grads, np, r->cfg.clip_norm);
  /* 1-based, so that the first step of a warm-up already moves */
  *lr = ego_lr_at (r->cfg.lr, step + 1, (long) (r->cfg.warmup * r->total),
      r->total, EGO_DECAY_COSINE);
  optimiser_step (r, step + 1, *lr);
  g_array_append_val (r->step_loss, loss);
  return TRUE;
}

static gboolean
train_epoch (LayoutRun * r, int epoch, EgoLayoutEpoch * e, GError ** error)
{
  gint64 t0 = g_get_monotonic_time ();
  double right[EGO_LAYOUT_HEADS] = { 0 }, loss = 0;
  float lr = 0;
  shuffle_for_epoch (r, epoch);
  for (long s = 0; s < r->steps_per_epoch; s++) {
    long step = epoch * r->steps_per_epoch + s;
    int at = (int) (s * r->cfg.batch), n = MIN (r->cfg.batch, r->n - at);
    if (!train_step (r, step, r->order + at, n, right, &lr, error))
      return FALSE;
    loss += g_array_index (r->step_loss, gfloat, r->step_loss->len - 1);
  }
  memset (e, 0, sizeof (*e));
  e->epoch = epoch + 1;
  e->step = (epoch + 1) * r->steps_per_epoch;
  e->loss = loss / r->steps_per_epoch;
  e->lr = lr;
  e->seconds = (g_get_monotonic_time () - t0) / 1e6;
  e->clips_per_second = r->n / MAX (e->seconds, 1e-9);
  for (int h = 0; h < EGO_LAYOUT_HEADS; h++)
    e->train_top1[h] = 100.0 * right[h] / r->n;
  e->action_top1 = -1;
  return TRUE;
}

/* Validation figures of the epoch; best.safetensors when they improve. */
static gboolean
validate (LayoutRun * r, EgoLayoutEpoch * e, GError ** error)
{
  EgoEvalResult res;
  if (r->val == NULL)
    return TRUE;
  if (!ego_layout_evaluate (r->net, r->val, r->cfg.frames, &res, error))
    return FALSE;
  e->validated = TRUE;
  for (int h = 0; h < EGO_LAYOUT_HEADS; h++) {
    e->top1[h] = res.top1[h];
    e->top5[h] = res.top5[h];
    e->ece[h] = res.ece[h];
  }
  e->action_top1 = res.action_top1;
  ego_eval_result_clear (&res);
  if (r->best >= 0 && !(e->action_top1 > r->best_metric))
    return TRUE;
  e->best = TRUE;
  r->best = (int) r->epochs->len;
  r->best_metric = e->action_top1;
  return ego_stlt_save (r->net, r->meta, r->best_path, error);
}

/* ------------------------------------------------------------------------ */

static void
run_init (LayoutRun * r, EgoStlt * net, const EgoLayoutTrainConfig * cfg,
    const char *out)
{
  size_t np;
  r->net = net;
  r->cfg = *cfg;
  r->n = ego_layout_data_n_clips (r->train);
  r->steps_per_epoch = (r->n + cfg->batch - 1) / cfg->batch;
  r->total = r->steps_per_epoch * cfg->epochs;
  r->order = g_new (int, r->n);
  ego_stlt_params (net, &np);
  r->m = g_new0 (float, np);
  r->v = g_new0 (float, np);
  r->epochs = g_array_new (FALSE, FALSE, sizeof (EgoLayoutEpoch));
  r->step_loss = g_array_new (FALSE, FALSE, sizeof (gfloat));
  r->best = -1;
  r->history_path = g_build_filename (out, "history.json", NULL);
  r->best_path = g_build_filename (out, "best.safetensors", NULL);
  r->model_path = g_build_filename (out, "model.safetensors", NULL);
}

static void
run_clear (LayoutRun * r)
{
  g_free (r->order);
  g_free (r->m);
  g_free (r->v);
  g_array_unref (r->epochs);
  g_array_unref (r->step_loss);
  g_free (r->history_path);
  g_free (r->best_path);
  g_free (r->model_path);
}

gboolean
ego_layout_train (EgoStlt * net, const EgoModelMeta * meta,
    const EgoLayoutData * train, const EgoLayoutData * val,
    const EgoLayoutTrainConfig * cfg, const char *out,
    EgoLayoutEpochFunc epoch_done, gpointer data, GError ** error)
{
  LayoutRun r = { 0 };
  gboolean ok = TRUE;
  r.meta = meta;
  r.train = train;
  r.val = val;
  run_init (&r, net, cfg, out);
  for (int epoch = 0; ok && epoch < cfg->epochs; epoch++) {
    EgoLayoutEpoch e;
    ok = train_epoch (&r, epoch, &e, error) && validate (&r, &e, error);
    if (!ok)
      break;
    g_array_append_val (r.epochs, e);
    ok = save_history (&r, error);
    if (epoch_done)
      epoch_done (&e, cfg->epochs, data);
  }
  ok = ok && ego_stlt_save (net, meta, r.model_path, error);
  run_clear (&r);
  return ok;
}
