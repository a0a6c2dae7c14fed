/* gst-ego: egodistill's training run, see egotrainrun.h. */
#include "egotrainrun-private.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "ego_error.h"

/* ImageNet's statistics: what pretrained backbones and most teachers use */
static const gfloat input_mean[3] = { 0.485f, 0.456f, 0.406f };
static const gfloat input_std[3] = { 0.229f, 0.224f, 0.225f };

static JsonObject *
provenance (const EgoRunSettings * s, const EgoDatasetInfo * info,
    const EgoClipCacheSpec * cache)
{
  const EgoTrainConfig *c = &s->train;
  JsonObject *p = json_object_new (), *aug = json_object_new ();
  JsonObject *cc = json_object_new ();
  JsonArray *splits = json_array_new ();
  for (guint i = 0; i < info->n_splits && i < 2; i++)
    json_array_add_string_element (splits, info->splits[i]);
  json_object_set_string_member (p, "trainer", "egodistill");
  json_object_set_string_member (p, "data", info->path ? info->path : "");
  json_object_set_array_member (p, "splits", splits);
  if (s->teacher_logits)
    json_object_set_string_member (p, "teacher_logits", s->teacher_logits);
  if (s->teachers) {
    JsonArray *teachers = json_array_new ();
    for (guint i = 0; s->teachers[i]; i++)
      json_array_add_string_element (teachers, s->teachers[i]);
    json_object_set_array_member (p, "teachers", teachers);
  }
  json_object_set_int_member (p, "seed", (gint64) c->seed);
  json_object_set_int_member (p, "epochs", c->epochs);
  json_object_set_int_member (p, "batch", c->batch);
  json_object_set_string_member (p, "modality", s->modality);
  json_object_set_boolean_member (p, "bidirectional", s->bidirectional);
  json_object_set_double_member (p, "lr", c->lr);
  json_object_set_double_member (p, "weight_decay", c->weight_decay);
  json_object_set_double_member (p, "warmup", c->warmup);
  json_object_set_string_member (p, "decay",
      c->decay == EGO_DECAY_COSINE ? "cosine" : "linear");
  json_object_set_double_member (p, "clip_norm", c->clip_norm);
  json_object_set_double_member (p, "lambda_d", c->lambda_d);
  json_object_set_double_member (p, "lambda_gt", c->lambda_gt);
  json_object_set_double_member (p, "temperature", c->temperature);
  json_object_set_double_member (p, "label_smoothing", c->label_smoothing);
  json_object_set_double_member (aug, "scale_min", c->augment.scale_min);
  json_object_set_double_member (aug, "brightness", c->augment.brightness);
  json_object_set_double_member (aug, "contrast", c->augment.contrast);
  json_object_set_double_member (aug, "saturation", c->augment.saturation);
  json_object_set_object_member (p, "augment", aug);
  json_object_set_int_member (p, "threads", s->threads);
  json_object_set_int_member (cc, "width", cache->width);
  json_object_set_int_member (cc, "height", cache->height);
  json_object_set_int_member (cc, "candidates", cache->candidates);
  json_object_set_object_member (p, "cache", cc);
  return p;
}

gint
ego_run_modality_channels (const gchar * modality)
{
  if (g_strcmp0 (modality, "rgb") == 0)
    return 3;
  if (g_strcmp0 (modality, "flow") == 0)
    return 2;
  if (g_strcmp0 (modality, "audio") == 0)
    return 1;
  if (g_strcmp0 (modality, "rgbflow") == 0)
    return 5;
  return 0;
}

static void
build_meta (EgoRun * run, const EgoDatasetInfo * info, gint frame_step)
{
  EgoModelMeta *m = &run->meta;
  const EgoClipCacheSpec *spec = ego_clip_cache_spec (run->train);
  gboolean rgb = g_strcmp0 (run->s.modality, "rgb") == 0;
  gboolean rgbflow = g_strcmp0 (run->s.modality, "rgbflow") == 0;
  memset (m, 0, sizeof (*m));
  m->format = EGO_META_FORMAT;
  /* only an online RGB network can be streamed by egoaction */
  m->kind = g_strdup (rgb && !run->s.bidirectional ? "student" : "teacher");
  m->modality = g_strdup (run->s.modality);
  m->width = m->height = run->s.input_size;
  m->channels = ego_run_modality_channels (run->s.modality);
  if (rgb || rgbflow) {
    memcpy (m->mean, input_mean, sizeof (input_mean));
    memcpy (m->std, input_std, sizeof (input_std));
  } else if (g_strcmp0 (run->s.modality, "audio") == 0) {
    /* audio: levels are log-mel from -13.8 (0) to 10 (1), see
     * egomelframes.h; a kitchen's room tone is about -5 (0.37) and its
     * sounds spread over about 3 (0.125) */
    m->mean[0] = 0.37f;
    m->std[0] = 0.125f;
  }
  if (g_strcmp0 (run->s.modality, "flow") == 0 || rgbflow) {
    /* flow: 128 is no motion; a few pixels per frame is one unit (with
     * rgbflow, the two planes after RGB) */
    for (gint c = rgbflow ? 3 : 0; c < m->channels; c++) {
      m->mean[c] = 0.5f;
      m->std[c] = 0.05f;
    }
  }
  m->frames = spec->segments;
  m->frame_step = run->s.frame_step > 0 ? run->s.frame_step : frame_step;
  m->n_heads = info->n_heads;
  for (gint h = 0; h < info->n_heads; h++) {
    m->heads[h].name = g_strdup (info->heads[h]);
    m->heads[h].n_labels = info->n_labels[h];
    m->heads[h].labels = g_strdupv (info->labels[h]);
  }
  m->temperature = 1.0;
  m->provenance = provenance (&run->s, info, spec);
}

static EgoNet *
build_net (EgoRun * run, GError ** error)
{
  EgoNetConfig cfg;
  ego_net_config_default (&cfg);
  cfg.height = cfg.width = run->s.input_size;
  cfg.base_width = run->s.base_width;
  cfg.n_stages = run->s.n_stages;
  memcpy (cfg.blocks, run->s.blocks, sizeof (cfg.blocks));
  cfg.shift_div = run->s.shift_div;
  cfg.shift = run->s.bidirectional ? EGO_SHIFT_BIDIRECTIONAL : EGO_SHIFT_ONLINE;
  cfg.in_channels = ego_run_modality_channels (run->s.modality);
  cfg.dropout = run->s.dropout;
  cfg.n_heads = run->meta.n_heads;
  for (gint h = 0; h < cfg.n_heads; h++)
    cfg.classes[h] = run->meta.heads[h].n_labels;
  return ego_net_new (&cfg, run->s.train.seed, error);
}

EgoRun *
ego_run_new (const EgoRunSettings * s, const EgoDatasetInfo * info,
    EgoClipCache * train, EgoClipCache * val, gint frame_step, GError ** error)
{
  EgoRun *run = g_new0 (EgoRun, 1);
  run->s = *s;
  run->s.out = g_strdup (s->out);
  run->s.teacher_logits = g_strdup (s->teacher_logits);
  run->s.teachers = g_strdupv (s->teachers);
  run->train = train;
  run->val = val;
  run->best = -1;
  run->epochs = g_array_new (FALSE, TRUE, sizeof (EgoEpochRecord));
  run->step_loss = g_array_new (FALSE, FALSE, sizeof (gfloat));
  run->ckpt_path = g_build_filename (s->out, "checkpoint.safetensors", NULL);
  run->history_path = g_build_filename (s->out, "history.json", NULL);
  run->best_path = g_build_filename (s->out, "best.safetensors", NULL);
  run->model_path = g_build_filename (s->out, "model.safetensors", NULL);
  build_meta (run, info, frame_step);
  if (g_mkdir_with_parents (s->out, 0755) != 0) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_IO,
        "%s: cannot create the output folder: %s", s->out, g_strerror (errno));
    ego_run_free (run);
    return NULL;
  }
  run->net = build_net (run, error);
  if (run->net == NULL) {
    ego_run_free (run);
    return NULL;
  }
  return run;
}

void
ego_run_free (EgoRun * run)
{
  if (run == NULL)
    return;
  ego_trainer_free (run->trainer);
  ego_net_free (run->net);
  ego_model_meta_clear (&run->meta);
  ego_eval_result_clear (&run->final);
  g_array_free (run->epochs, TRUE);
  g_array_free (run->step_loss, TRUE);
  g_free (run->ckpt_path);
  g_free (run->history_path);
  g_free (run->best_path);
  g_free (run->model_path);
  g_free (run->s.out);
  g_free (run->s.teacher_logits);
  g_strfreev (run->s.teachers);
  g_free (run);
}

gdouble
ego_run_metric (const EgoEpochRecord * e)
{
  return e->action_top1 >= 0 ? e->action_top1 : e->top1[0];
}

/* ------------------------------------------------------------------------ */
/* Epochs */

static gboolean
evaluate (EgoRun * run, EgoClipCache * cache, EgoEvalResult * r,
    GError ** error)
{
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok = ego_net_prepare_inference (run->net, error)
      && ego_evaluate (run->net, &run->meta, cache, 1, 1, r, error);
  run->val_seconds += (g_get_monotonic_time () - t0) / 1e6;
  run->val_count++;
  return ok;
}

/* A model file with the epoch it comes from in its provenance. */
static gboolean
save_model (EgoRun * run, const gchar * path, gint epoch, GError ** error)
{
  EgoModelMeta m;
  gboolean ok;
  ego_model_meta_copy (&m, &run->meta);
  json_object_set_int_member (m.provenance, "epoch", epoch);
  json_object_set_int_member (m.provenance, "steps",
      ego_trainer_step_count (run->trainer));
  ok = ego_net_save (run->net, &m, path, error);
  ego_model_meta_clear (&m);
  return ok;
}

static gboolean
validate (EgoRun * run, EgoEpochRecord * rec, GError ** error)
{
  EgoEvalResult r;
  if (run->val == NULL)
    return TRUE;
  if (!evaluate (run, run->val, &r, error))
    return FALSE;
  rec->validated = TRUE;
  for (gint h = 0; h < r.n_heads; h++) {
    rec->top1[h] = r.top1[h];
    rec->top5[h] = r.top5[h];
    rec->ece[h] = r.ece[h];
  }
  rec->action_top1 = r.action_top1;
  /* kept for the report when this turns out to be the last epoch */
  ego_eval_result_clear (&run->final);
  run->final = r;
  run->have_final = TRUE;
  if (run->best < 0 || ego_run_metric (rec) > run->best_metric) {
    rec->best = TRUE;
    run->best = (gint) run->epochs->len;
    run->best_metric = ego_run_metric (rec);
    return save_model (run, run->best_path, rec->epoch, error);
  }
  return TRUE;
}

static gboolean
end_epoch (EgoRun * run, const EgoStepStats * st, const EgoRunCallbacks * cb,
    GError ** error)
{
  EgoEpochRecord rec;
  gdouble n = MAX (run->epoch_steps, 1);
  memset (&rec, 0, sizeof (rec));
  rec.epoch = st->epoch + 1;
  rec.step = st->step;
  rec.loss = run->sum_loss / n;
  rec.loss_ce = run->sum_ce / n;
  rec.loss_kd = run->sum_kd / n;
  rec.lr = st->lr;
  rec.seconds = run->epoch_seconds;
  rec.clips_per_second = run->epoch_steps * (gdouble) run->s.train.batch /
      MAX (run->epoch_seconds, 1e-9);
  rec.action_top1 = -1.0;
  for (gint h = 0; h < run->meta.n_heads; h++)
    rec.train_top1[h] = run->sum_top1[h] / n;
  if (!validate (run, &rec, error))
    return FALSE;
  g_array_append_val (run->epochs, rec);
  if (!ego_run_save_history (run, run->history_path, error)
      || !ego_trainer_save_checkpoint (run->trainer, run->ckpt_path, error))
    return FALSE;
  run->sum_loss = run->sum_ce = run->sum_kd = 0.0;
  memset (run->sum_top1, 0, sizeof (run->sum_top1));
  run->epoch_steps = 0;
  run->epoch_seconds = 0.0;
  if (cb && cb->epoch)
    cb->epoch (&rec, run->s.train.epochs, cb->data);
  return TRUE;
}

static void
report_progress (EgoRun * run, const EgoStepStats * st,
    const EgoRunCallbacks * cb)
{
  EgoRunProgress p;
  glong total = ego_trainer_total_steps (run->trainer);
  glong per_epoch = ego_trainer_steps_per_epoch (run->trainer);
  gdouble step_time = run->session_seconds / MAX (run->session_steps, 1);
  gdouble val_time = run->val_count ? run->val_seconds / run->val_count : 0.0;
  gint epochs_left = (gint) ((total - st->step + per_epoch - 1) / per_epoch);
  if (cb == NULL || cb->progress == NULL)
    return;
  p.epoch = st->epoch + 1;
  p.epochs = run->s.train.epochs;
  p.step = st->step;
  p.steps = total;
  p.loss = st->loss;
  p.loss_ce = st->loss_ce;
  p.loss_kd = st->loss_kd;
  p.lr = st->lr;
  p.clips_per_second = run->s.train.batch / MAX (step_time, 1e-9);
  p.eta = (total - st->step) * step_time + epochs_left * val_time;
  cb->progress (&p, cb->data);
}

static gboolean
take_step (EgoRun * run, const EgoRunCallbacks * cb, GError ** error)
{
  EgoStepStats st;
  gint64 t0 = g_get_monotonic_time ();
  gdouble dt;
  gfloat loss;
  ego_trainer_step (run->trainer, &st);
  /* a diverged network learns nothing more, and its weights could not be
   * saved: stop now, with the checkpoint of the last epoch kept */
  if (!isfinite (st.loss)) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "the loss is not "
        "finite at step %ld (epoch %ld): training diverged; try a lower "
        "learning rate or gradient clipping", st.step, (glong) st.epoch + 1);
    return FALSE;
  }
  dt = (g_get_monotonic_time () - t0) / 1e6;
  run->epoch_seconds += dt;
  run->session_seconds += dt;
  run->session_steps++;
  run->epoch_steps++;
  run->sum_loss += st.loss;
  run->sum_ce += st.loss_ce;
  run->sum_kd += st.loss_kd;
  for (gint h = 0; h < run->meta.n_heads; h++)
    run->sum_top1[h] += st.top1[h];
  loss = st.loss;
  g_array_append_val (run->step_loss, loss);
  if (st.step % MAX (run->s.progress_interval, 1) == 0
      || st.step % ego_trainer_steps_per_epoch (run->trainer) == 0)
    report_progress (run, &st, cb);
  if (st.step % ego_trainer_steps_per_epoch (run->trainer) == 0)
    return end_epoch (run, &st, cb, error);
  return TRUE;
}

/* Continues from the checkpoint, when there is one. */
static gboolean
resume (EgoRun * run, GError ** error)
{
  glong step;
  if (!run->s.resume || !g_file_test (run->ckpt_path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!ego_trainer_resume (run->trainer, run->ckpt_path, error))
    return FALSE;
  step = ego_trainer_step_count (run->trainer);
  return ego_run_load_history (run, run->history_path, step, error);
}

/* The final model and its evaluation. */
static gboolean
finish (EgoRun * run, GError ** error)
{
  const EgoEpochRecord *last = run->epochs->len ?
      &g_array_index (run->epochs, EgoEpochRecord, run->epochs->len - 1) :
      NULL;
  if (!save_model (run, run->model_path, last ? last->epoch : 0, error))
    return FALSE;
  run->eval_split = run->val ? "validation" : "training";
  /* a run resumed after its end has not evaluated in this session */
  if (run->have_final && run->val)
    return TRUE;
  ego_eval_result_clear (&run->final);
  run->have_final = evaluate (run, run->val ? run->val : run->train,
      &run->final, error);
  return run->have_final;
}

gboolean
ego_run_train (EgoRun * run, const EgoRunCallbacks * cb, GError ** error)
{
  ego_set_num_threads (MAX (run->s.threads, 1));
  if (run->trainer == NULL) {
    run->trainer = ego_trainer_new (run->net, &run->meta, run->train,
        &run->s.train, error);
    if (run->trainer == NULL || !resume (run, error))
      return FALSE;
  }
  /* the trainer may have shrunk the batch to the number of clips */
  run->s.train.batch = (gint) MIN (run->s.train.batch,
      ego_clip_cache_spec (run->train)->n_clips);
  while (ego_trainer_step_count (run->trainer) <
      ego_trainer_total_steps (run->trainer)) {
    if (cb && cb->cancelled && cb->cancelled (cb->data)) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
          "training stopped");
      return FALSE;
    }
    if (!take_step (run, cb, error))
      return FALSE;
  }
  return finish (run, error);
}

guint
ego_run_n_epochs (const EgoRun * run)
{
  return run->epochs->len;
}

const EgoEpochRecord *
ego_run_epoch (const EgoRun * run, guint i)
{
  return &g_array_index (run->epochs, EgoEpochRecord, i);
}

const gfloat *
ego_run_step_losses (const EgoRun * run, guint * n)
{
  *n = run->step_loss->len;
  return (const gfloat *) run->step_loss->data;
}

const EgoEvalResult *
ego_run_final_eval (const EgoRun * run)
{
  return run->have_final ? &run->final : NULL;
}

const gchar *
ego_run_eval_split (const EgoRun * run)
{
  return run->eval_split;
}

const EgoModelMeta *
ego_run_meta (const EgoRun * run)
{
  return &run->meta;
}

gint
ego_run_best_epoch (const EgoRun * run)
{
  return run->best;
}
