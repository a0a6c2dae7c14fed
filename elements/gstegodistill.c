/* gst-ego: egodistill, trains a student on the clips of a stream.
 *
 * SECTION:element-egodistill
 * @title: egodistill
 *
 * A sink that trains the student network of gst-ego on the clips that
 * egodatasetsrc decodes: from their labels, or distilled from a teacher's
 * logits (the loss in README, Teachers and fusion), per head
 *
 *   L = lambda-d * T^2 * KL(softmax(z_T / T) || softmax(z_S / T))
 *       + lambda-gt * CE(z_S, y)
 *
 * with AdamW, linear warm-up then decay, gradient clipping, and per clip a
 * random candidate frame per segment, one random scale and crop for all
 * frames and a colour jitter, never a flip. With modality=rgbflow the
 * frames carry their optical flow (egodatasetsrc modality=rgbflow) and the
 * network takes RGB and flow together, the flow through the same crop and
 * without the colour jitter.
 *
 * The frames are kept once, at the size they arrive, in clip caches (in
 * memory, or memory-mapped from `cache-file`), so that epochs never decode
 * video again. The first split of the stream trains; the second, if any
 * (egodatasetsrc split=train,validation), is evaluated after every epoch.
 * Teacher logits come from `teacher-logits`, a JSON-lines file
 * (`{"narration_id": ..., "verb": [...], "noun": [...]}`) checked line by
 * line, or from the graph: when the stream's first frame carries a
 * #GstEgoTeacherMeta (egoteacher upstream), the fused logits of every
 * training clip are taken from its frames, whose heads and classes must be
 * the dataset's; both at once is an error. Either way the run distils, with
 * the same defaults of `lambda-d` and `lambda-gt`.
 *
 * Training runs on the streaming thread when EOS arrives, so the EOS
 * message comes when it is over. On the way the element posts element
 * messages: "egodistill-cache" (`clips`, `total`) while frames arrive,
 * "egodistill-progress" (`epoch`, `epochs`, `step`, `steps`, `loss`,
 * `loss-ce`, `loss-kd`, `lr`, `clips-per-second`, `eta` in seconds) every
 * `progress-interval` steps, "egodistill-epoch" after each epoch (the
 * epoch's mean losses, `train-<head>-top1`, and when validated
 * `<head>-top1`, `<head>-top5`, `<head>-ece` in percent, `action-top1`,
 * `best`), and "egodistill-done" with the files written. In `out` it keeps
 * checkpoint.safetensors and history.json after every epoch,
 * best.safetensors (by validation action top-1), model.safetensors at the
 * end, and report.html with its charts. Going to READY stops training;
 * `resume=true` continues from the last checkpoint and ends with the same
 * weights an uninterrupted run ends with, for the same seed and threads.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 egodatasetsrc data=/data/epic split=train,validation ! \
 *     egodistill out=run1 epochs=20 teacher-logits=teacher.jsonl
 * ]|
 * |[
 * gst-launch-1.0 egoteacher name=t sink_0::model=rgb.safetensors \
 *       sink_1::model=flow.safetensors ! egodistill out=run1 \
 *     egodatasetsrc data=/data/epic split=train,validation ! t.sink_0 \
 *     egodatasetsrc data=/data/epic split=train,validation modality=flow ! \
 *       t.sink_1
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstegodistill-private.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/ego/ego.h>
#include <string.h>

#include "egoreport.h"
#include "egoteacherlogits.h"

GST_DEBUG_CATEGORY_STATIC (gst_ego_distill_debug);
#define GST_CAT_DEFAULT gst_ego_distill_debug

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("RGB")));

#define gst_ego_distill_parent_class parent_class
G_DEFINE_TYPE (GstEgoDistill, gst_ego_distill, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE (egodistill, "egodistill", GST_RANK_NONE,
    GST_TYPE_EGO_DISTILL);

/* ------------------------------------------------------------------------ */
/* Messages */

static void
post (GstEgoDistill * self, GstStructure * s)
{
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static void
set_head_field (GstStructure * s, const gchar * prefix, const gchar * head,
    const gchar * suffix, gdouble value)
{
  gchar *name = g_strconcat (prefix, head, suffix, NULL);
  gst_structure_set (s, name, G_TYPE_DOUBLE, value, NULL);
  g_free (name);
}

static void
on_progress (const EgoRunProgress * p, gpointer data)
{
  post (data, gst_structure_new ("egodistill-progress",
          "epoch", G_TYPE_UINT, (guint) p->epoch,
          "epochs", G_TYPE_UINT, (guint) p->epochs,
          "step", G_TYPE_UINT64, (guint64) p->step,
          "steps", G_TYPE_UINT64, (guint64) p->steps,
          "loss", G_TYPE_DOUBLE, p->loss,
          "loss-ce", G_TYPE_DOUBLE, p->loss_ce,
          "loss-kd", G_TYPE_DOUBLE, p->loss_kd,
          "lr", G_TYPE_DOUBLE, p->lr,
          "clips-per-second", G_TYPE_DOUBLE, p->clips_per_second,
          "eta", G_TYPE_DOUBLE, p->eta, NULL));
}

static void
on_epoch (const EgoEpochRecord * e, gint epochs, gpointer data)
{
  GstEgoDistill *self = data;
  GstStructure *s = gst_structure_new ("egodistill-epoch",
      "epoch", G_TYPE_UINT, (guint) e->epoch,
      "epochs", G_TYPE_UINT, (guint) epochs,
      "step", G_TYPE_UINT64, (guint64) e->step,
      "loss", G_TYPE_DOUBLE, e->loss,
      "loss-ce", G_TYPE_DOUBLE, e->loss_ce,
      "loss-kd", G_TYPE_DOUBLE, e->loss_kd,
      "lr", G_TYPE_DOUBLE, e->lr,
      "seconds", G_TYPE_DOUBLE, e->seconds,
      "clips-per-second", G_TYPE_DOUBLE, e->clips_per_second,
      "validated", G_TYPE_BOOLEAN, e->validated,
      "best", G_TYPE_BOOLEAN, e->best, NULL);
  for (gint h = 0; h < self->info.n_heads; h++) {
    const gchar *head = self->info.heads[h];
    set_head_field (s, "train-", head, "-top1", e->train_top1[h]);
    if (e->validated) {
      set_head_field (s, "", head, "-top1", e->top1[h]);
      set_head_field (s, "", head, "-top5", e->top5[h]);
      set_head_field (s, "", head, "-ece", e->ece[h]);
    }
  }
  if (e->validated && e->action_top1 >= 0)
    gst_structure_set (s, "action-top1", G_TYPE_DOUBLE, e->action_top1, NULL);
  post (self, s);
}

static gboolean
is_stopping (gpointer data)
{
  GstEgoDistill *self = data;
  return g_atomic_int_get (&self->stopping) != 0;
}

static void
post_done (GstEgoDistill * self, const gchar * report)
{
  const EgoEvalResult *r = ego_run_final_eval (self->run);
  gchar *model = g_build_filename (self->settings.out, "model.safetensors",
      NULL);
  GstStructure *s = gst_structure_new ("egodistill-done",
      "model", G_TYPE_STRING, model,
      "epochs", G_TYPE_UINT, ego_run_n_epochs (self->run),
      "eval-split", G_TYPE_STRING, ego_run_eval_split (self->run), NULL);
  if (ego_run_best_epoch (self->run) >= 0) {
    gchar *best = g_build_filename (self->settings.out, "best.safetensors",
        NULL);
    gst_structure_set (s, "best-model", G_TYPE_STRING, best, "best-epoch",
        G_TYPE_UINT, (guint) ego_run_best_epoch (self->run) + 1, NULL);
    g_free (best);
  }
  if (report)
    gst_structure_set (s, "report", G_TYPE_STRING, report, NULL);
  for (gint h = 0; r && h < r->n_heads; h++) {
    set_head_field (s, "", self->info.heads[h], "-top1", r->top1[h]);
    set_head_field (s, "", self->info.heads[h], "-top5", r->top5[h]);
    set_head_field (s, "", self->info.heads[h], "-ece", r->ece[h]);
  }
  if (r && r->action_top1 >= 0)
    gst_structure_set (s, "action-top1", G_TYPE_DOUBLE, r->action_top1, NULL);
  post (self, s);
  g_free (model);
}

/* ------------------------------------------------------------------------ */
/* Training at the end of the stream */

/* "1,1,1,1" -> blocks per stage */
static gboolean
parse_blocks (const gchar * text, EgoRunSettings * s)
{
  gchar **parts = g_strsplit (text ? text : "", ",", -1);
  guint n = g_strv_length (parts);
  gboolean ok = n >= 1 && n <= EGO_NET_MAX_STAGES;
  for (guint i = 0; ok && i < n; i++) {
    gchar *end = NULL;
    gint64 v = g_ascii_strtoll (parts[i], &end, 10);
    ok = end != parts[i] && *end == '\0' && v >= 1 && v <= 16;
    s->blocks[i] = (gint) v;
  }
  s->n_stages = (gint) n;
  g_strfreev (parts);
  return ok;
}

/* The settings of this run, as the properties and, once frames came, the
 * stream's teacher give them. */
static gboolean
read_settings (GstEgoDistill * self, EgoRunSettings * s)
{
  const gchar *const *teachers = self->collector ?
      ego_clip_collector_teachers (self->collector) : NULL;
  gboolean ok, teacher;
  GST_OBJECT_LOCK (self);
  *s = self->settings;
  s->out = g_strdup (self->settings.out);
  s->teacher_logits = g_strdup (self->settings.teacher_logits);
  s->teachers = g_strdupv ((gchar **) teachers);
  teacher = s->teacher_logits != NULL || s->teachers != NULL;
  ok = parse_blocks (self->blocks, s);
  /* -1 is automatic; other negative weights are refused by check_settings */
  s->train.lambda_d = self->lambda_d != -1.0f ? self->lambda_d :
      (teacher ? 1.0f : 0.0f);
  s->train.lambda_gt = self->lambda_gt != -1.0f ? self->lambda_gt :
      (teacher ? 0.0f : 1.0f);
  s->train.augment.brightness = s->train.augment.contrast =
      s->train.augment.saturation = self->colour_jitter;
  GST_OBJECT_UNLOCK (self);
  if (s->threads == 0)
    s->threads = (gint) g_get_num_processors ();
  return ok;
}

static void
clear_settings (EgoRunSettings * s)
{
  g_free (s->out);
  g_free (s->teacher_logits);
  g_strfreev (s->teachers);
}

static gboolean
check_labels (GstEgoDistill * self, guint split, GError ** error)
{
  EgoClipCache *cache = ego_clip_collector_cache (self->collector, split);
  const EgoClipCacheSpec *spec = ego_clip_cache_spec (cache);
  for (gint i = 0; i < spec->n_clips; i++)
    for (gint h = 0; h < spec->n_heads; h++)
      if (ego_clip_cache_labels (cache, i)[h] < 0) {
        g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
            "clip %s of split %s has no %s class",
            ego_clip_collector_narration (self->collector, split, i),
            self->info.splits[split], self->info.heads[h]);
        return FALSE;
      }
  return TRUE;
}

/* Teacher logits into the training cache; labels where they are needed. */
static gboolean
prepare_caches (GstEgoDistill * self, const EgoRunSettings * s,
    GError ** error)
{
  EgoClipCache *train = ego_clip_collector_cache (self->collector, 0);
  const EgoClipCacheSpec *spec = ego_clip_cache_spec (train);
  if (!ego_clip_collector_check_complete (self->collector, error))
    return FALSE;
  if (s->teacher_logits) {
    EgoTeacherLogits *t = ego_teacher_logits_load (s->teacher_logits,
        self->info.n_heads, self->info.heads, self->info.n_labels, error);
    const gchar **ids;
    gboolean ok;
    if (t == NULL)
      return FALSE;
    ids = g_new (const gchar *, spec->n_clips);
    for (gint i = 0; i < spec->n_clips; i++)
      ids[i] = ego_clip_collector_narration (self->collector, 0, i);
    ok = ego_teacher_logits_fill (t, train, ids, error);
    g_free (ids);
    ego_teacher_logits_free (t);
    if (!ok)
      return FALSE;
  } else if (s->train.lambda_d > 0 && s->teachers == NULL) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "lambda-d is %g but there are no teacher logits (teacher-logits, "
        "or a teacher's meta on the frames)", s->train.lambda_d);
    return FALSE;
  }
  return (s->train.lambda_gt <= 0 || check_labels (self, 0, error))
      && (ego_clip_collector_cache (self->collector, 1) == NULL
      || check_labels (self, 1, error));
}

static gchar *
write_report (GstEgoDistill * self, const EgoRunSettings * s)
{
  GError *error = NULL;
  gchar *path;
  gboolean report;
  GST_OBJECT_LOCK (self);
  report = self->report;
  GST_OBJECT_UNLOCK (self);
  if (!report)
    return NULL;
  path = ego_report_write (self->run, s->out, &error);
  if (path == NULL) {
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("Could not write the training report."), ("%s", error->message));
    g_error_free (error);
  }
  return path;
}

/* both loss weights 0, as given or as -1 resolved (lambda-gt -1 is 0 with
 * a teacher, lambda-d -1 is 0 without one) */
static gboolean
no_loss (GstEgoDistill * self)
{
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("The loss weights lambda-d and lambda-gt are both 0: nothing to learn "
          "from (-1 means 1 and 0 with a teacher, 0 and 1 without)."),
      (NULL));
  return FALSE;
}

static gboolean
train (GstEgoDistill * self)
{
  EgoRunCallbacks cb = { on_progress, on_epoch, is_stopping, self };
  EgoRunSettings s;
  GError *error = NULL;
  gchar *report;
  read_settings (self, &s);     /* checked in begin_run */
  if (self->collector == NULL)
    goto no_clips;
  /* whether a teacher came (and so what -1 means) is known only now */
  if (s.train.lambda_d == 0 && s.train.lambda_gt == 0) {
    clear_settings (&s);
    return no_loss (self);
  }
  if (!prepare_caches (self, &s, &error))
    goto failed;
  self->run = ego_run_new (&s, &self->info,
      ego_clip_collector_cache (self->collector, 0),
      ego_clip_collector_cache (self->collector, 1),
      ego_clip_collector_frame_step (self->collector), &error);
  if (self->run == NULL || !ego_run_train (self->run, &cb, &error))
    goto failed;
  report = write_report (self, &s);
  post_done (self, report);
  g_free (report);
  clear_settings (&s);
  return TRUE;

  /* ERRORS */
no_clips:
  {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("The stream had no clips."),
        (NULL));
    clear_settings (&s);
    return FALSE;
  }
failed:
  {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      GST_INFO_OBJECT (self, "training stopped");
    else
      GST_ELEMENT_ERROR (self, STREAM, FAILED, ("%s", error->message), (NULL));
    g_error_free (error);
    clear_settings (&s);
    return FALSE;
  }
}

/* ------------------------------------------------------------------------ */
/* Stream */

/* The settings, checked now rather than after all the decoding; the
 * output folder is made (and must be writable) once the rest is good. */
static gboolean
check_settings (GstEgoDistill * self, const EgoRunSettings * s,
    gboolean blocks_ok)
{
  if (ego_run_modality_channels (s->modality) <= 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Unknown modality \"%s\": \"rgb\", \"flow\", \"audio\" or "
            "\"rgbflow\".", s->modality), (NULL));
    return FALSE;
  }
  if (!blocks_ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The blocks per stage must be 1 to %d numbers from 1 to 16 "
            "separated by commas, not \"%s\".", EGO_NET_MAX_STAGES,
            self->blocks), (NULL));
    return FALSE;
  }
  if (s->train.lambda_d < 0 || s->train.lambda_gt < 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The loss weights lambda-d and lambda-gt must each be -1 "
            "(automatic) or at least 0, not %g and %g.", s->train.lambda_d,
            s->train.lambda_gt), (NULL));
    return FALSE;
  }
  /* with a teacher-logits file the teacher is known now; a teacher on the
   * frames only once they come (train) */
  if (s->teacher_logits && s->train.lambda_d == 0 && s->train.lambda_gt == 0)
    return no_loss (self);
  if (s->out == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No output folder given (property \"out\")."), (NULL));
    return FALSE;
  }
  if (g_mkdir_with_parents (s->out, 0755) != 0 || g_access (s->out,
          W_OK) != 0) {
    int err = errno;
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Cannot write to the output folder \"%s\".", s->out),
        ("%s", g_strerror (err)));
    return FALSE;
  }
  return TRUE;
}

/* A run's state lives from READY to PAUSED and back (GstBaseSink's start
 * and stop are NULL <-> READY only): READY -> PLAYING -> READY -> PLAYING
 * trains twice, from scratch, with the settings of each time. */
static gboolean
begin_run (GstEgoDistill * self)
{
  EgoRunSettings s;
  gboolean blocks_ok = read_settings (self, &s);
  gboolean ok = check_settings (self, &s, blocks_ok);
  clear_settings (&s);
  if (!ok)
    return FALSE;
  self->have_info = FALSE;
  self->have_caps = FALSE;
  self->reported_clips = 0;
  g_atomic_int_set (&self->stopping, 0);
  return TRUE;
}

static void
end_run (GstEgoDistill * self)
{
  g_clear_pointer (&self->run, ego_run_free);
  g_clear_pointer (&self->collector, ego_clip_collector_free);
  if (self->have_info)
    ego_dataset_info_clear (&self->info);
  self->have_info = FALSE;
}

static GstStateChangeReturn
gst_ego_distill_change_state (GstElement * element, GstStateChange transition)
{
  GstEgoDistill *self = GST_EGO_DISTILL (element);
  GstStateChangeReturn ret;
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !begin_run (self))
    return GST_STATE_CHANGE_FAILURE;
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    end_run (self);
  return ret;
}

/* Whether the element is on its way to READY (or below) */
static gboolean
leaving_paused (GstEgoDistill * self)
{
  gboolean leaving;
  GST_OBJECT_LOCK (self);
  leaving = GST_STATE_TARGET (self) <= GST_STATE_READY;
  GST_OBJECT_UNLOCK (self);
  return leaving;
}

/* Training (polling this between steps) stops for READY or a flush; a
 * pause lets it go on (it runs without the preroll lock), and its EOS is
 * posted once the pipeline plays again. */
static gboolean
gst_ego_distill_unlock (GstBaseSink * sink)
{
  GstEgoDistill *self = GST_EGO_DISTILL (sink);
  if (leaving_paused (self) || GST_PAD_IS_FLUSHING (GST_BASE_SINK_PAD (sink)))
    g_atomic_int_set (&self->stopping, 1);
  return TRUE;
}

/* After a flush the stream goes on (a training cut short by it is not
 * resumed: its EOS went with the flush; the next EOS trains again); on
 * the way to READY training stays stopped. */
static gboolean
gst_ego_distill_unlock_stop (GstBaseSink * sink)
{
  GstEgoDistill *self = GST_EGO_DISTILL (sink);
  if (!leaving_paused (self))
    g_atomic_int_set (&self->stopping, 0);
  return TRUE;
}

static gboolean
gst_ego_distill_set_caps (GstBaseSink * sink, GstCaps * caps)
{
  GstEgoDistill *self = GST_EGO_DISTILL (sink);
  GstVideoInfo vinfo;
  if (!gst_video_info_from_caps (&vinfo, caps))
    return FALSE;
  if (self->collector && (vinfo.width != self->vinfo.width
          || vinfo.height != self->vinfo.height)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("The frame size changed in the middle of the stream."), (NULL));
    return FALSE;
  }
  self->vinfo = vinfo;
  self->have_caps = TRUE;
  return TRUE;
}

static gboolean
dataset_event (GstEgoDistill * self, GstEvent * event)
{
  GError *error = NULL;
  if (self->collector)
    goto twice;
  if (self->have_info)
    ego_dataset_info_clear (&self->info);
  self->have_info = ego_dataset_info_parse (&self->info,
      gst_event_get_structure (event), &error);
  if (!self->have_info)
    goto malformed;
  return TRUE;

  /* ERRORS */
twice:
  {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("A second dataset started in the middle of the stream."), (NULL));
    return FALSE;
  }
malformed:
  {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("%s", error->message), (NULL));
    g_error_free (error);
    return FALSE;
  }
}

static gboolean
gst_ego_distill_event (GstBaseSink * sink, GstEvent * event)
{
  GstEgoDistill *self = GST_EGO_DISTILL (sink);
  const GstStructure *s = gst_event_get_structure (event);
  gboolean ok;
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CUSTOM_DOWNSTREAM_STICKY:
      if (s && gst_structure_has_name (s, GST_EGO_DATASET_EVENT)
          && !dataset_event (self, event)) {
        gst_event_unref (event);
        return FALSE;
      }
      break;
    case GST_EVENT_EOS:
      /* training takes long: state changes must not wait for the preroll
       * lock meanwhile (READY stops training through unlock()) */
      GST_BASE_SINK_PREROLL_UNLOCK (sink);
      ok = train (self);
      GST_BASE_SINK_PREROLL_LOCK (sink);
      if (!ok) {
        gst_event_unref (event);
        return FALSE;
      }
      break;
    default:
      break;
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (sink, event);
}

/* At the first frame: whether it carries a teacher's meta decides where
 * the teacher logits come from. */
static gboolean
make_collector (GstEgoDistill * self, GstBuffer * first, GError ** error)
{
  gchar *cache_file, *teacher_logits;
  gboolean meta = gst_buffer_get_ego_teacher_meta (first) != NULL;
  gboolean flow;
  GST_OBJECT_LOCK (self);
  cache_file = g_strdup (self->cache_file);
  teacher_logits = g_strdup (self->settings.teacher_logits);
  /* a network fed RGB and flow: the frames carry their flow */
  flow = ego_run_modality_channels (self->settings.modality) == 5;
  GST_OBJECT_UNLOCK (self);
  if (meta && teacher_logits) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "the frames carry a teacher's logits (egoteacher upstream) and "
        "teacher-logits is set too (%s): give one teacher", teacher_logits);
  } else {
    /* the first split trains, the second validates */
    self->collector = ego_clip_collector_new (&self->info, &self->vinfo, 2,
        cache_file, meta || teacher_logits, flow, error);
    if (self->collector && meta)
      ego_clip_collector_use_teacher_meta (self->collector);
  }
  g_free (cache_file);
  g_free (teacher_logits);
  return self->collector != NULL;
}

static void
post_cache_progress (GstEgoDistill * self)
{
  gint done = ego_clip_collector_done (self->collector);
  gint total = ego_clip_collector_total (self->collector);
  if (done != total && done - self->reported_clips < MAX (total / 100, 1))
    return;
  self->reported_clips = done;
  post (self, gst_structure_new ("egodistill-cache", "clips", G_TYPE_INT,
          done, "total", G_TYPE_INT, total, NULL));
}

static GstFlowReturn
gst_ego_distill_render (GstBaseSink * sink, GstBuffer * buf)
{
  GstEgoDistill *self = GST_EGO_DISTILL (sink);
  GError *error = NULL;
  gint before;
  if (!self->have_info || !self->have_caps)
    goto no_dataset;
  if (self->collector == NULL && !make_collector (self, buf, &error))
    goto failed;
  before = ego_clip_collector_done (self->collector);
  if (!ego_clip_collector_add (self->collector, buf, &error))
    goto failed;
  if (ego_clip_collector_done (self->collector) != before)
    post_cache_progress (self);
  return GST_FLOW_OK;

  /* ERRORS */
no_dataset:
  {
    GST_ELEMENT_ERROR (self, STREAM, WRONG_TYPE,
        ("The input is not a dataset stream."),
        ("no %s event before the first frame: connect egodatasetsrc",
            GST_EGO_DATASET_EVENT));
    return GST_FLOW_ERROR;
  }
failed:
  {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("%s", error->message), (NULL));
    g_error_free (error);
    return GST_FLOW_ERROR;
  }
}

static void
gst_ego_distill_finalize (GObject * object)
{
  GstEgoDistill *self = GST_EGO_DISTILL (object);
  g_free (self->settings.out);
  g_free (self->settings.teacher_logits);
  g_free (self->blocks);
  g_free (self->cache_file);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_ego_distill_class_init (GstEgoDistillClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *sink_class = GST_BASE_SINK_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_ego_distill_debug, "egodistill", 0,
      "student training");
  gobject_class->set_property = gst_ego_distill_set_property;
  gobject_class->get_property = gst_ego_distill_get_property;
  gobject_class->finalize = gst_ego_distill_finalize;
  gst_ego_distill_install_properties (gobject_class);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
      "Egocentric student training", "Sink/Video",
      "Trains a student network on dataset clips, from labels or distilled "
      "from teacher logits", "gst-ego");

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_ego_distill_change_state);
  sink_class->unlock = GST_DEBUG_FUNCPTR (gst_ego_distill_unlock);
  sink_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_ego_distill_unlock_stop);
  sink_class->set_caps = GST_DEBUG_FUNCPTR (gst_ego_distill_set_caps);
  sink_class->event = GST_DEBUG_FUNCPTR (gst_ego_distill_event);
  sink_class->render = GST_DEBUG_FUNCPTR (gst_ego_distill_render);
}

static void
gst_ego_distill_init (GstEgoDistill * self)
{
  gst_ego_distill_init_properties (self);
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
  gst_base_sink_set_qos_enabled (GST_BASE_SINK (self), FALSE);
}
