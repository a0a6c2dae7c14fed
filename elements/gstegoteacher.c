/* gst-ego: egoteacher, the fused multimodal teacher as an element.
 *
 * SECTION:element-egoteacher
 * @title: egoteacher
 *
 * Runs several frozen unimodal teachers on the same clips and fuses their
 * logits, per head, into the teacher a student learns from (README,
 * Teachers and fusion): z_T = sum_i w_i z_i with the weights of `scheme`:
 * uniform (1 / M), per-sample (softmin of each teacher's cross-entropy on the
 * clip's label over `tau-w`) or full-dataset (fixed per head, from
 * `weights`).
 *
 * Each request pad sink_%u is fed by an egodatasetsrc of some modality and
 * runs the teacher model set in its `model` pad property; the model's
 * modality must be the one the pad receives (told by the egodatasetsrc
 * upstream; a mismatch fails the change to PAUSED). Every requested pad
 * must be linked by then (an unlinked one would hold every clip back), and
 * pads are fixed from PAUSED to READY. All pads must play the
 * same clips in the same order (the same data, split, frames and
 * candidates): frames are aligned by their #GstEgoClipMeta, and a frame of
 * another clip on one pad is an error naming both clips. Each teacher sees
 * the middle candidate of every segment, as ego-eval's 1x1 view does (short
 * side to its input size, centre crop). `logits` adds one more teacher
 * whose logits come from a JSON-lines file (README, Files and formats), named
 * after the file ("audio.jsonl" is "audio"); a pad's teacher is named after
 * its model's modality unless its `teacher` pad property says otherwise.
 *
 * The frames of the first pad (the lowest sink_%u) go downstream
 * unchanged, with the stream's "ego-dataset" event, once their clip is
 * complete; each carries a #GstEgoTeacherMeta with the fused logits, each
 * teacher's logits and weights of the clip (the same for all its frames).
 * With `location`, the fused logits are written there at EOS as JSON lines
 * (one per clip, as ego-eval --logits writes them), through a temporary
 * file renamed into place; `write-per-modality` also writes each teacher's
 * to the same name with ".NAME.jsonl" in place of ".jsonl". At EOS an
 * element message "egoteacher-done" gives `clips`, `labelled` and, per
 * teacher and for "fused", "<name>-<head>-top1" and "<name>-action-top1"
 * in percent on the labelled clips.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 egoteacher name=t sink_0::model=rgb.safetensors \
 *       sink_1::model=flow.safetensors scheme=full-dataset \
 *       weights="verb:rgb=0.4,flow=0.6;noun:rgb=0.9,flow=0.1" \
 *       location=fused.jsonl ! egodistill out=run1 \
 *     egodatasetsrc data=/data/epic frames=8 ! t.sink_0 \
 *     egodatasetsrc data=/data/epic frames=8 modality=flow ! t.sink_1
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstegoteacher-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gst/ego/ego.h>
#include <string.h>

GST_DEBUG_CATEGORY (gst_ego_teacher_debug);
#define GST_CAT_DEFAULT gst_ego_teacher_debug

static GstStaticPadTemplate sink_template =
GST_STATIC_PAD_TEMPLATE ("sink_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("RGB")));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("RGB")));

#define gst_ego_teacher_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstEgoTeacher, gst_ego_teacher, GST_TYPE_AGGREGATOR,
    G_IMPLEMENT_INTERFACE (GST_TYPE_CHILD_PROXY,
        gst_ego_teacher_child_proxy_init));
GST_ELEMENT_REGISTER_DEFINE (egoteacher, "egoteacher", GST_RANK_NONE,
    GST_TYPE_EGO_TEACHER);

/* ------------------------------------------------------------------------ */
/* Start and stop */

static gint
compare_pads (gconstpointer a, gconstpointer b)
{
  const gchar *x = GST_OBJECT_NAME (*(GstPad **) a);
  const gchar *y = GST_OBJECT_NAME (*(GstPad **) b);
  guint64 i = g_ascii_strtoull (x + strlen ("sink_"), NULL, 10);
  guint64 j = g_ascii_strtoull (y + strlen ("sink_"), NULL, 10);
  return (i > j) - (i < j);
}

/* The sink pads by serial, referenced. */
static void
take_pads (GstEgoTeacher * self)
{
  GList *l;
  guint i = 0;
  GST_OBJECT_LOCK (self);
  self->n_pads = GST_ELEMENT (self)->numsinkpads;
  self->pads = g_new0 (GstEgoTeacherPad *, MAX (self->n_pads, 1));
  for (l = GST_ELEMENT (self)->sinkpads; l; l = l->next)
    self->pads[i++] = gst_object_ref (l->data);
  self->running = TRUE;
  GST_OBJECT_UNLOCK (self);
  qsort (self->pads, self->n_pads, sizeof (GstPad *), compare_pads);
}

/* "audio.jsonl" -> "audio" */
static gchar *
file_teacher_name (const gchar * path)
{
  gchar *base = g_path_get_basename (path), *dot = strrchr (base, '.');
  if (dot && dot != base)
    *dot = '\0';
  return base;
}

/* Loads the pad's model and checks its modality against its frames. */
static gboolean
load_pad (GstEgoTeacher * self, GstEgoTeacherPad * pad)
{
  gchar *model, *name, *modality;
  const EgoModelMeta *meta;
  GError *error = NULL;
  GST_OBJECT_LOCK (pad);
  model = g_strdup (pad->model);
  name = g_strdup (pad->teacher_name);
  GST_OBJECT_UNLOCK (pad);
  if (!gst_pad_is_linked (GST_PAD (pad)))
    goto not_linked;
  if (model == NULL)
    goto no_model;
  pad->net = ego_teacher_net_load (model, &error);
  if (pad->net == NULL)
    goto bad_model;
  meta = ego_teacher_net_meta (pad->net);
  pad->teacher = name ? name : g_strdup (meta->modality);
  modality = gst_ego_teacher_pad_upstream_modality (GST_PAD (pad));
  if (modality && g_strcmp0 (modality, meta->modality) != 0)
    goto wrong_modality;
  g_free (modality);
  g_free (model);
  return TRUE;

  /* ERRORS */
not_linked:
  {
    /* the clips would wait for its frames for ever */
    GST_ELEMENT_ERROR (self, CORE, PAD, ("Pad %s is not linked.",
            GST_PAD_NAME (pad)), ("link a source to every requested pad, or "
            "release the pad"));
    g_free (model);
    g_free (name);
    return FALSE;
  }
no_model:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("Pad %s has no teacher "
            "model.", GST_PAD_NAME (pad)), ("set the pad's model property"));
    g_free (name);
    return FALSE;
  }
bad_model:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("Could not load the "
            "teacher model of pad %s.", GST_PAD_NAME (pad)), ("%s",
            error->message));
    g_clear_error (&error);
    g_free (model);
    g_free (name);
    return FALSE;
  }
wrong_modality:
  {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("Pad %s receives %s frames "
            "but its model %s is a %s network.", GST_PAD_NAME (pad), modality,
            model, meta->modality), ("set the pad's model to a %s teacher or "
            "the source's modality to %s", modality, meta->modality));
    g_free (modality);
    g_free (model);
    return FALSE;
  }
}

/* The teachers' names: one per pad, then the logits file's; distinct. */
static gboolean
name_teachers (GstEgoTeacher * self)
{
  guint m = self->n_pads + (self->logits_path ? 1 : 0);
  self->names = g_new0 (gchar *, m + 1);
  for (guint i = 0; i < self->n_pads; i++)
    self->names[i] = g_strdup (self->pads[i]->teacher);
  if (self->logits_path)
    self->names[self->n_pads] = file_teacher_name (self->logits_path);
  for (guint i = 0; i < m; i++) {
    gboolean clash = g_strcmp0 (self->names[i], "fused") == 0;
    for (guint j = 0; j < i; j++)
      clash = clash || g_strcmp0 (self->names[i], self->names[j]) == 0;
    if (clash) {
      GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("Two teachers are named "
              "\"%s\" (or one is named \"fused\").", self->names[i]),
          ("name them with the pads' teacher property"));
      return FALSE;
    }
  }
  return TRUE;
}

/* The logits file is written at EOS, after every clip has been run: its
 * folder is checked now, not then. */
static gboolean
location_writable (GstEgoTeacher * self)
{
  gchar *dir;
  int err = 0;
  if (self->run_location == NULL || *self->run_location == '\0')
    return TRUE;
  dir = g_path_get_dirname (self->run_location);
  if (g_access (dir, W_OK) != 0)
    err = errno;
  if (err != 0)
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Cannot write the teacher logits to \"%s\".", self->run_location),
        ("%s: %s", dir, g_strerror (err)));
  g_free (dir);
  return err == 0;
}

/* start's work; on FALSE, what it took is released by the caller */
static gboolean
start_teachers (GstEgoTeacher * self)
{
  GST_OBJECT_LOCK (self);
  self->run_scheme = self->scheme;
  self->run_tau_w = self->tau_w;
  self->run_weights = g_strdup (self->weights);
  self->run_location = g_strdup (self->location);
  self->run_per_modality = self->write_per_modality;
  self->logits_path = g_strdup (self->logits);
  GST_OBJECT_UNLOCK (self);
  self->finished = self->configured = FALSE;
  take_pads (self);
  if (self->n_pads == 0)
    goto no_pads;
  if (self->n_pads + (self->logits_path ? 1 : 0) > GST_EGO_TEACHER_MAX_TEACHERS)
    goto too_many;
  if (self->run_scheme == EGO_FUSION_FULL_DATASET
      && (self->run_weights == NULL || *self->run_weights == '\0'))
    goto no_weights;
  if (!location_writable (self))
    return FALSE;
  for (guint i = 0; i < self->n_pads; i++)
    if (!load_pad (self, self->pads[i]))
      return FALSE;
  return name_teachers (self);

  /* ERRORS */
no_pads:
  {
    GST_ELEMENT_ERROR (self, CORE, PAD, ("No teacher: request a sink pad "
            "per teacher."), (NULL));
    return FALSE;
  }
too_many:
  {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("At most %d teachers.",
            GST_EGO_TEACHER_MAX_TEACHERS), (NULL));
    return FALSE;
  }
no_weights:
  {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("The full-dataset scheme "
            "needs the weights property."), ("e.g. weights=\"rgb=0.7,"
            "flow=0.3\" or the JSON file ego-fuse --weights-json writes"));
    return FALSE;
  }
}

static gboolean gst_ego_teacher_stop (GstAggregator * agg);

/* A failed start is not followed by stop: its pads and teachers are let go
 * here. */
static gboolean
gst_ego_teacher_start (GstAggregator * agg)
{
  if (start_teachers (GST_EGO_TEACHER (agg)))
    return TRUE;
  gst_ego_teacher_stop (agg);
  return FALSE;
}

static gboolean
gst_ego_teacher_stop (GstAggregator * agg)
{
  GstEgoTeacher *self = GST_EGO_TEACHER (agg);
  gst_ego_teacher_drop_clip (self);
  for (guint i = 0; i < self->n_pads; i++) {
    GstEgoTeacherPad *pad = self->pads[i];
    g_clear_pointer (&pad->net, ego_teacher_net_free);
    g_clear_pointer (&pad->teacher, g_free);
    if (pad->have_info)
      ego_dataset_info_clear (&pad->info);
    pad->have_info = pad->have_caps = FALSE;
    gst_object_unref (pad);
  }
  g_clear_pointer (&self->pads, g_free);
  self->n_pads = 0;
  g_clear_pointer (&self->names, g_strfreev);
  g_clear_pointer (&self->external, ego_teacher_logits_free);
  g_clear_pointer (&self->fusion, ego_teacher_fusion_free);
  g_clear_pointer (&self->held, g_free);
  gst_clear_event (&self->dataset_event);
  g_clear_pointer (&self->run_weights, g_free);
  g_clear_pointer (&self->run_location, g_free);
  g_clear_pointer (&self->logits_path, g_free);
  GST_OBJECT_LOCK (self);
  self->running = FALSE;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Events, caps and data */

static gboolean
is_first_pad (GstEgoTeacher * self, GstAggregatorPad * pad)
{
  return self->n_pads > 0 && (GstAggregatorPad *) self->pads[0] == pad;
}

/* The stream's description: kept per pad; the first pad's goes on. A
 * "modality" in it, when the source says, must be the model's. */
static gboolean
dataset_event (GstEgoTeacher * self, GstEgoTeacherPad * pad, GstEvent * event)
{
  GError *error = NULL;
  const gchar *modality;
  if (pad->have_info)
    ego_dataset_info_clear (&pad->info);
  pad->have_info = ego_dataset_info_parse (&pad->info,
      gst_event_get_structure (event), &error);
  self->configured = FALSE;
  if (!pad->have_info) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Pad %s: %s.",
            GST_PAD_NAME (pad), error->message), (NULL));
    g_clear_error (&error);
    gst_event_unref (event);
    return FALSE;
  }
  modality = gst_structure_get_string (gst_event_get_structure (event),
      "modality");
  if (modality && pad->net && g_strcmp0 (modality,
          ego_teacher_net_meta (pad->net)->modality) != 0) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("Pad %s receives %s frames "
            "but its model is a %s network.", GST_PAD_NAME (pad), modality,
            ego_teacher_net_meta (pad->net)->modality), (NULL));
    gst_event_unref (event);
    return FALSE;
  }
  if (is_first_pad (self, GST_AGGREGATOR_PAD (pad)))
    gst_event_replace (&self->dataset_event, event);
  gst_event_unref (event);
  return TRUE;
}

static gboolean
gst_ego_teacher_sink_event (GstAggregator * agg, GstAggregatorPad * apad,
    GstEvent * event)
{
  GstEgoTeacher *self = GST_EGO_TEACHER (agg);
  GstEgoTeacherPad *pad = GST_EGO_TEACHER_PAD (apad);
  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;
    gst_event_parse_caps (event, &caps);
    pad->have_caps = gst_video_info_from_caps (&pad->vinfo, caps);
    self->configured = FALSE;
    if (is_first_pad (self, apad))
      gst_pad_mark_reconfigure (GST_AGGREGATOR_SRC_PAD (agg));
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_CUSTOM_DOWNSTREAM_STICKY
      && gst_event_has_name (event, GST_EGO_DATASET_EVENT)) {
    return dataset_event (self, pad, event);
  }
  return GST_AGGREGATOR_CLASS (parent_class)->sink_event (agg, apad, event);
}

/* The output is the first pad's frames: its caps. */
static GstFlowReturn
gst_ego_teacher_update_src_caps (GstAggregator * agg, GstCaps * downstream,
    GstCaps ** ret)
{
  GstEgoTeacher *self = GST_EGO_TEACHER (agg);
  GstCaps *caps = self->n_pads ?
      gst_pad_get_current_caps (GST_PAD (self->pads[0])) : NULL;
  if (caps == NULL)
    return GST_AGGREGATOR_FLOW_NEED_DATA;
  if (!gst_caps_can_intersect (caps, downstream)) {
    gst_caps_unref (caps);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  *ret = caps;
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_ego_teacher_aggregate (GstAggregator * agg, gboolean timeout)
{
  GstEgoTeacher *self = GST_EGO_TEACHER (agg);
  GstBuffer *frames[GST_EGO_TEACHER_MAX_TEACHERS] = { NULL };
  guint have = 0, missing = 0, present = 0;
  for (guint i = 0; i < self->n_pads; i++) {
    frames[i] = gst_aggregator_pad_pop_buffer (GST_AGGREGATOR_PAD
        (self->pads[i]));
    if (frames[i]) {
      have++;
      present = i;
    } else {
      missing = i;
    }
  }
  if (have == 0)
    return gst_ego_teacher_end (self);
  if (have < self->n_pads)
    goto ended_early;
  return gst_ego_teacher_take_frames (self, frames);

  /* ERRORS */
ended_early:
  {
    GstEgoClipMeta *m = gst_buffer_get_ego_clip_meta (frames[present]);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Pad %s ended while others "
            "still have clip %s: the pads must play the same clips.",
            GST_PAD_NAME (self->pads[missing]), m ?
            GST_STR_NULL (m->narration_id) : "(no clip meta)"), (NULL));
    for (guint i = 0; i < self->n_pads; i++)
      gst_clear_buffer (&frames[i]);
    return GST_FLOW_ERROR;
  }
}

static GstFlowReturn
gst_ego_teacher_flush (GstAggregator * agg)
{
  gst_ego_teacher_drop_clip (GST_EGO_TEACHER (agg));
  return GST_FLOW_OK;
}

/* Pads come before the stream starts, and are children for launch lines. */
static GstPad *
gst_ego_teacher_request_new_pad (GstElement * element, GstPadTemplate * templ,
    const gchar * name, const GstCaps * caps)
{
  GstEgoTeacher *self = GST_EGO_TEACHER (element);
  GstPad *pad;
  gboolean running;
  GST_OBJECT_LOCK (self);
  running = self->running;
  GST_OBJECT_UNLOCK (self);
  if (running) {
    GST_WARNING_OBJECT (self, "teachers cannot be added while running");
    return NULL;
  }
  pad = GST_ELEMENT_CLASS (parent_class)->request_new_pad (element, templ,
      name, caps);
  if (pad)
    gst_child_proxy_child_added (GST_CHILD_PROXY (element), G_OBJECT (pad),
        GST_OBJECT_NAME (pad));
  return pad;
}

/* A teacher taken away while running leaves its clips unfused: said as
 * that, rather than as clips the pads disagree on. */
static void
gst_ego_teacher_release_pad (GstElement * element, GstPad * pad)
{
  GstEgoTeacher *self = GST_EGO_TEACHER (element);
  gboolean running;
  GST_OBJECT_LOCK (self);
  running = self->running;
  GST_OBJECT_UNLOCK (self);
  if (running)
    GST_ELEMENT_ERROR (self, CORE, PAD, ("Teacher pad %s was released "
            "while running.", GST_PAD_NAME (pad)), ("teachers are fixed "
            "from the start of the stream to its end"));
  gst_child_proxy_child_removed (GST_CHILD_PROXY (element), G_OBJECT (pad),
      GST_OBJECT_NAME (pad));
  GST_ELEMENT_CLASS (parent_class)->release_pad (element, pad);
}

static void
gst_ego_teacher_finalize (GObject * object)
{
  GstEgoTeacher *self = GST_EGO_TEACHER (object);
  g_free (self->logits);
  g_free (self->weights);
  g_free (self->location);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_ego_teacher_class_init (GstEgoTeacherClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAggregatorClass *agg_class = GST_AGGREGATOR_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_ego_teacher_debug, "egoteacher", 0,
      "fused multimodal teacher");
  gobject_class->set_property = gst_ego_teacher_set_property;
  gobject_class->get_property = gst_ego_teacher_get_property;
  gobject_class->finalize = gst_ego_teacher_finalize;
  gst_ego_teacher_install_properties (gobject_class);

  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &sink_template, GST_TYPE_EGO_TEACHER_PAD);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &src_template, GST_TYPE_AGGREGATOR_PAD);
  gst_element_class_set_static_metadata (element_class,
      "Fused multimodal teacher", "Filter/Analyzer/Video",
      "Runs unimodal teachers on the same clips and fuses their logits",
      "gst-ego");
  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_ego_teacher_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_ego_teacher_release_pad);

  agg_class->start = GST_DEBUG_FUNCPTR (gst_ego_teacher_start);
  agg_class->stop = GST_DEBUG_FUNCPTR (gst_ego_teacher_stop);
  agg_class->sink_event = GST_DEBUG_FUNCPTR (gst_ego_teacher_sink_event);
  agg_class->update_src_caps =
      GST_DEBUG_FUNCPTR (gst_ego_teacher_update_src_caps);
  agg_class->aggregate = GST_DEBUG_FUNCPTR (gst_ego_teacher_aggregate);
  agg_class->flush = GST_DEBUG_FUNCPTR (gst_ego_teacher_flush);

  gst_type_mark_as_plugin_api (GST_TYPE_EGO_TEACHER_PAD, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_EGO_TEACHER_SCHEME, 0);
}

static void
gst_ego_teacher_init (GstEgoTeacher * self)
{
  gst_ego_teacher_init_properties (self);
}
