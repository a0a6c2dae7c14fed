/* gst-ego: egoaction, real-time egocentric action recognition.
 *
 * SECTION:element-egoaction
 * @title: egoaction
 *
 * Recognises what the camera wearer is doing in first-person RGB video. Every
 * `frame-step`-th frame is scaled (short side to the model's input size),
 * centre-cropped (or cropped three times with `views=3`), and passed once
 * through the student network's streaming interface; a window's result is the
 * mean of its T frames' cached logits, so a result at every sampled frame
 * (`stride=1`) costs no more than one frame. Pixels are never changed.
 *
 * Each result rides on the buffer of the window's last frame (in `async`
 * mode, on the first buffer after it is ready) as a #GstEgoActionMeta and a
 * full-frame #GstVideoRegionOfInterestMeta whose "action" parameter holds the
 * label, and is posted as an element message named "egoaction" with the
 * fields `label`, `class-id`, `confidence`, `unsure`, `window-start`,
 * `window-end` (stream times, the position in the media, of the first and
 * last frame; GST_CLOCK_TIME_NONE for frames without a timestamp or a TIME
 * segment), `running-time`,
 * `frames`, and per head `<head>-label`, `<head>-class-id`,
 * `<head>-confidence` and `<head>-top-k` (a list of structures with `id`,
 * `label` and `probability`).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! egoaction ! egooverlay ! autovideosink
 * gst-launch-1.0 -m filesrc location=in.mp4 ! decodebin ! videoconvert ! \
 *     egoaction model=student.safetensors stride=4 ! fakesink
 * ]|
 *
 * egoaction holds no buffers and adds no latency: results describe windows
 * that end at, or before, the buffer they ride on. A window that covers
 * more than twice the time the model was made for (frames dropped in
 * `async` mode, a source that slowed down) is marked unsure. Buffers
 * flagged GAP end the window like a gap event; in reverse playback nothing
 * is recognised (the network only looks back in time).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstegoaction.h"

#include <gst/ego/ego.h>
#include <gst/video/gstvideometa.h>

#include "ego_error.h"

GST_DEBUG_CATEGORY_STATIC (gst_ego_action_debug);
#define GST_CAT_DEFAULT gst_ego_action_debug

#define DEFAULT_PROP_MODEL ""
#define DEFAULT_PROP_STRIDE 1
#define DEFAULT_PROP_FRAME_STEP 0
#define DEFAULT_PROP_TOP_K 5
#define DEFAULT_PROP_THRESHOLD 0.0
#define DEFAULT_PROP_SMOOTHING GST_EGO_ACTION_SMOOTHING_NONE
#define DEFAULT_PROP_SMOOTHING_WINDOWS 4
#define DEFAULT_PROP_SMOOTHING_ALPHA 0.5
#define DEFAULT_PROP_MIN_HOLD 1
#define DEFAULT_PROP_VIEWS 1
#define DEFAULT_PROP_POST_MESSAGES TRUE
#define DEFAULT_PROP_ASYNC FALSE
#define DEFAULT_PROP_NUM_THREADS 1
#define ASYNC_QUEUE 2

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_STRIDE,
  PROP_FRAME_STEP,
  PROP_TOP_K,
  PROP_THRESHOLD,
  PROP_SMOOTHING,
  PROP_SMOOTHING_WINDOWS,
  PROP_SMOOTHING_ALPHA,
  PROP_MIN_HOLD,
  PROP_VIEWS,
  PROP_POST_MESSAGES,
  PROP_ASYNC,
  PROP_NUM_THREADS,
  PROP_STATS,
};

/* the sizes the preprocessing takes */
#define EGO_ACTION_CAPS "video/x-raw, format = (string) { RGB, BGR, RGBx, " \
    "BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR }, width = (int) [ 1, 16384 ], " \
    "height = (int) [ 1, 16384 ], framerate = " GST_VIDEO_FPS_RANGE

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (EGO_ACTION_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (EGO_ACTION_CAPS));

#define gst_ego_action_parent_class parent_class
G_DEFINE_TYPE (GstEgoAction, gst_ego_action, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (egoaction, "egoaction", GST_RANK_NONE,
    GST_TYPE_EGO_ACTION);

#define GST_TYPE_EGO_ACTION_SMOOTHING (gst_ego_action_smoothing_get_type ())
static GType
gst_ego_action_smoothing_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_EGO_ACTION_SMOOTHING_NONE, "Each window on its own", "none"},
    {GST_EGO_ACTION_SMOOTHING_AVERAGE,
        "Mean of the last smoothing-windows results", "average"},
    {GST_EGO_ACTION_SMOOTHING_EXPONENTIAL,
        "Exponential average with weight smoothing-alpha", "exponential"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstEgoActionSmoothing", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* ------------------------------------------------------------------------ */
/* Results: meta, region of interest and message */

static GstStructure *
result_structure (GstEgoAction * self, const EgoActionResult * r,
    const gchar * name)
{
  EgoModelRef *m = self->model_ref;
  gint top = r->ids[0][0];
  GstStructure *s = gst_structure_new (name,
      "label", G_TYPE_STRING, m->labels[0][top],
      "class-id", G_TYPE_INT, top,
      "confidence", G_TYPE_DOUBLE, (gdouble) r->probs[0][0],
      "unsure", G_TYPE_BOOLEAN, r->unsure,
      "window-start", G_TYPE_UINT64, (guint64) r->start,
      "window-end", G_TYPE_UINT64, (guint64) r->end,
      "frames", G_TYPE_UINT, r->frames, NULL);
  for (gint h = 0; h < r->n_heads; h++) {
    const gchar *head = m->head_names[h];
    GValue list = G_VALUE_INIT;
    gchar *f;
    g_value_init (&list, GST_TYPE_LIST);
    for (gint i = 0; i < r->k[h]; i++) {
      GValue v = G_VALUE_INIT;
      g_value_init (&v, GST_TYPE_STRUCTURE);
      g_value_take_boxed (&v, gst_structure_new ("class", "id", G_TYPE_INT,
              r->ids[h][i], "label", G_TYPE_STRING, m->labels[h][r->ids[h][i]],
              "probability", G_TYPE_DOUBLE, (gdouble) r->probs[h][i], NULL));
      gst_value_list_append_and_take_value (&list, &v);
    }
    f = g_strconcat (head, "-label", NULL);
    gst_structure_set (s, f, G_TYPE_STRING, m->labels[h][r->ids[h][0]], NULL);
    g_free (f);
    f = g_strconcat (head, "-class-id", NULL);
    gst_structure_set (s, f, G_TYPE_INT, r->ids[h][0], NULL);
    g_free (f);
    f = g_strconcat (head, "-confidence", NULL);
    gst_structure_set (s, f, G_TYPE_DOUBLE, (gdouble) r->probs[h][0], NULL);
    g_free (f);
    f = g_strconcat (head, "-top-k", NULL);
    gst_structure_take_value (s, f, &list);
    g_free (f);
  }
  return s;
}

static void
attach_result (GstEgoAction * self, GstBuffer * buf, const EgoActionResult * r)
{
  EgoModelRef *m = self->model_ref;
  GstEgoActionMeta *meta = gst_buffer_add_ego_action_meta (buf);
  GstVideoRegionOfInterestMeta *roi;
  meta->window_start = r->start;
  meta->window_end = r->end;
  meta->frames = r->frames;
  meta->unsure = r->unsure;
  meta->n_heads = MIN (r->n_heads, GST_EGO_ACTION_MAX_HEADS);
  for (guint h = 0; h < meta->n_heads; h++) {
    GstEgoActionHead *head = &meta->heads[h];
    head->name = m->head_names[h];
    head->k = MIN (r->k[h], GST_EGO_ACTION_MAX_TOP_K);
    for (guint i = 0; i < head->k; i++) {
      head->class_ids[i] = r->ids[h][i];
      head->labels[i] = m->labels[h][r->ids[h][i]];
      head->probs[i] = r->probs[h][i];
    }
  }
  roi = gst_buffer_add_video_region_of_interest_meta (buf, "action", 0, 0,
      GST_VIDEO_INFO_WIDTH (&self->info), GST_VIDEO_INFO_HEIGHT (&self->info));
  gst_video_region_of_interest_meta_add_param (roi,
      result_structure (self, r, "action"));
}

/* running: of the window's last frame, from the streaming thread */
static void
post_result (GstEgoAction * self, const EgoActionResult * r,
    GstClockTime running)
{
  GstStructure *s;
  gboolean post;
  GST_OBJECT_LOCK (self);
  post = self->post_messages;
  GST_OBJECT_UNLOCK (self);
  if (!post)
    return;
  s = result_structure (self, r, "egoaction");
  gst_structure_set (s, "running-time", G_TYPE_UINT64, (guint64) running,
      NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static void
count_inference (GstEgoAction * self, gint64 us, gboolean window)
{
  GST_OBJECT_LOCK (self);
  self->stats.infer_us_sum += us;
  self->stats.infer_us_max = MAX (self->stats.infer_us_max, us);
  self->stats.infer_count++;
  if (window)
    self->stats.windows++;
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------------ */
/* The async worker's callbacks (on its thread) */

static void
worker_settings (EgoActionSettings * s, gpointer data)
{
  GstEgoAction *self = data;
  GST_OBJECT_LOCK (self);
  *s = self->settings;
  GST_OBJECT_UNLOCK (self);
}

/* A window longer than max_span (frames dropped, a source that slowed
 * down) is not what the model learned from. Call with the object lock. */
static void
check_span (GstEgoAction * self, EgoActionResult * r)
{
  if (self->max_span && GST_CLOCK_TIME_IS_VALID (r->start)
      && GST_CLOCK_TIME_IS_VALID (r->end) && r->end > r->start
      && r->end - r->start > self->max_span)
    r->unsure = TRUE;
}

/* A result of a frame pushed before the last reset (a flush, new caps...)
 * is neither attached nor posted: the check and the store are one step
 * under the lock that reset_stream takes to count the reset. */
static void
worker_result (const EgoActionResult * r, gint64 us, GstClockTime running,
    guint tag, gpointer data)
{
  GstEgoAction *self = data;
  EgoActionResult result;
  gboolean keep;
  GST_OBJECT_LOCK (self);
  keep = r != NULL && tag == self->resets;
  if (keep) {
    result = *r;
    check_span (self, &result);
    self->pending = result;
    self->have_pending = TRUE;
  }
  GST_OBJECT_UNLOCK (self);
  count_inference (self, us, keep);
  if (keep)
    post_result (self, &result, running);
}

/* ------------------------------------------------------------------------ */
/* Stream state */

static void
reset_stream (GstEgoAction * self)
{
  GST_DEBUG_OBJECT (self, "reset");
  self->since_reset = 0;
  if (self->worker) {
    /* counted first: a result the worker finishes while it is flushed
     * has the old count and is dropped */
    GST_OBJECT_LOCK (self);
    self->resets++;
    self->have_pending = FALSE;
    GST_OBJECT_UNLOCK (self);
    ego_action_worker_flush (self->worker);
  } else if (self->core) {
    ego_action_core_reset (self->core);
  }
}

static void
clear_plans (GstEgoAction * self)
{
  for (guint v = 0; v < self->n_plans; v++)
    ego_resize_plan_clear (&self->plans[v]);
  self->n_plans = 0;
}

static gboolean
gst_ego_action_start (GstBaseTransform * trans)
{
  GstEgoAction *self = GST_EGO_ACTION (trans);
  GError *error = NULL;
  gchar *path;
  guint views, threads;
  gboolean async;
  GST_OBJECT_LOCK (self);
  path = g_strdup (self->model);
  views = self->views;
  threads = self->num_threads;
  async = self->async;
  memset (&self->stats, 0, sizeof (self->stats));
  self->have_pending = FALSE;
  GST_OBJECT_UNLOCK (self);

  self->model_ref = ego_model_cache_get (path, &error);
  if (self->model_ref == NULL)
    goto no_model;
  if (self->model_ref->meta.channels != 3
      || g_strcmp0 (self->model_ref->meta.modality, "rgb") != 0)
    goto not_rgb;
  self->core = ego_action_core_new (self->model_ref, views, &error);
  if (self->core == NULL)
    goto no_core;
  self->input = g_new0 (gfloat, ego_action_core_frame_floats (self->core));
  self->run_views = views;
  ego_set_num_threads ((int) threads);
  if (async)
    self->worker = ego_action_worker_new (self->core, ASYNC_QUEUE,
        worker_settings, worker_result, self);
  self->since_reset = 0;
  self->said_reverse = FALSE;
  g_free (path);
  return TRUE;

  /* ERRORS */
no_model:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Could not load the model \"%s\".", *path ? path : "(default)"),
        ("%s", error->message));
    g_error_free (error);
    g_free (path);
    return FALSE;
  }
not_rgb:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The model \"%s\" is not an RGB model.", *path ? path : "(default)"),
        ("modality %s with %d input channels", self->model_ref->meta.modality,
            self->model_ref->meta.channels));
    g_clear_pointer (&self->model_ref, ego_model_cache_unref);
    g_free (path);
    return FALSE;
  }
no_core:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Could not prepare the model \"%s\".", *path ? path : "(default)"),
        ("%s", error->message));
    g_error_free (error);
    g_clear_pointer (&self->model_ref, ego_model_cache_unref);
    g_free (path);
    return FALSE;
  }
}

static gboolean
gst_ego_action_stop (GstBaseTransform * trans)
{
  GstEgoAction *self = GST_EGO_ACTION (trans);
  g_clear_pointer (&self->worker, ego_action_worker_free);
  g_clear_pointer (&self->core, ego_action_core_free);
  g_clear_pointer (&self->model_ref, ego_model_cache_unref);
  g_clear_pointer (&self->input, g_free);
  clear_plans (self);
  return TRUE;
}

static gboolean
gst_ego_action_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstEgoAction *self = GST_EGO_ACTION (trans);
  const EgoModelMeta *meta = &self->model_ref->meta;
  GError *error = NULL;
  GstVideoInfo info;
  guint views, step;
  if (!gst_video_info_from_caps (&info, incaps))
    goto bad_caps;
  /* the views the core and input were made for at start, whatever the
   * property says now */
  views = self->run_views;
  GST_OBJECT_LOCK (self);
  step = self->frame_step ? self->frame_step : (guint) meta->frame_step;
  GST_OBJECT_UNLOCK (self);
  clear_plans (self);
  for (guint v = 0; v < views; v++) {
    if (!ego_resize_plan_init (&self->plans[v], GST_VIDEO_INFO_WIDTH (&info),
            GST_VIDEO_INFO_HEIGHT (&info), meta->width, meta->height, v,
            views, GST_VIDEO_INFO_COMP_PSTRIDE (&info, 0), &error))
      goto bad_size;
    self->n_plans = v + 1;
  }
  self->info = info;
  self->step = MAX (step, 1);
  /* twice the time the model's window covers at this frame rate */
  GST_OBJECT_LOCK (self);
  self->max_span = info.fps_n > 0 && info.fps_d > 0 ?
      gst_util_uint64_scale (2 * (meta->frames - 1) * (guint64) self->step,
      GST_SECOND * info.fps_d, info.fps_n) : 0;
  GST_OBJECT_UNLOCK (self);
  /* a new size or format is a new sequence */
  reset_stream (self);
  return TRUE;

  /* ERRORS */
bad_caps:
  {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("could not parse caps %" GST_PTR_FORMAT, incaps));
    return FALSE;
  }
bad_size:
  {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("Cannot take this video size."), ("%s", error->message));
    g_error_free (error);
    return FALSE;
  }
}

/* ------------------------------------------------------------------------ */
/* Buffers and events */

static void
preprocess_frame (GstEgoAction * self, GstVideoFrame * frame)
{
  const EgoModelMeta *meta = &self->model_ref->meta;
  const guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  gsize view = ego_action_core_view_floats (self->core);
  for (guint v = 0; v < self->n_plans; v++)
    ego_preprocess_rgb (&self->plans[v], data, stride,
        GST_VIDEO_FRAME_COMP_OFFSET (frame, 0),
        GST_VIDEO_FRAME_COMP_OFFSET (frame, 1),
        GST_VIDEO_FRAME_COMP_OFFSET (frame, 2), meta->mean, meta->std,
        self->input + v * view);
}

/* The frame's running time, or with stream its stream time (its position
 * in the media: what window-start and window-end report, as a buffer's
 * PTS may count from elsewhere, as in MPEG-TS); GST_CLOCK_TIME_NONE
 * without a timestamp or a TIME segment (appsrc's default is bytes). */
static GstClockTime
frame_time (GstEgoAction * self, GstBuffer * buf, gboolean stream)
{
  const GstSegment *seg = &GST_BASE_TRANSFORM (self)->segment;
  if (seg->format != GST_FORMAT_TIME || !GST_BUFFER_PTS_IS_VALID (buf))
    return GST_CLOCK_TIME_NONE;
  return stream ? gst_segment_to_stream_time (seg, GST_FORMAT_TIME,
      GST_BUFFER_PTS (buf)) : gst_segment_to_running_time (seg,
      GST_FORMAT_TIME, GST_BUFFER_PTS (buf));
}

/* Sync mode: runs the network now; attaches and posts a due result. */
static void
recognise_now (GstEgoAction * self, GstBuffer * buf)
{
  EgoActionSettings settings;
  EgoActionResult result;
  gint64 us = 0;
  gboolean due;
  GST_OBJECT_LOCK (self);
  settings = self->settings;
  GST_OBJECT_UNLOCK (self);
  due = ego_action_core_process (self->core, self->input,
      frame_time (self, buf, TRUE), &settings, &result, &us);
  count_inference (self, us, due);
  if (!due)
    return;
  GST_OBJECT_LOCK (self);
  check_span (self, &result);
  GST_OBJECT_UNLOCK (self);
  attach_result (self, buf, &result);
  post_result (self, &result, frame_time (self, buf, FALSE));
}

/* Async mode: the network fell behind and a frame was dropped; the window
 * spans the hole. Said once per run, counted always. */
static void
count_drop (GstEgoAction * self)
{
  gboolean first;
  GST_OBJECT_LOCK (self);
  first = self->stats.drops++ == 0;
  GST_OBJECT_UNLOCK (self);
  if (first)
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("The network falls behind the video: frames are dropped, and "
            "windows cover more time than the model's."),
        ("async=true drops a sampled frame when %d wait; the stats "
            "property counts them (for files, async=false recognises "
            "every frame)", ASYNC_QUEUE));
}

/* Async mode: a result the worker finished since the last buffer. */
static void
attach_pending (GstEgoAction * self, GstBuffer * buf)
{
  EgoActionResult result;
  gboolean have;
  GST_OBJECT_LOCK (self);
  have = self->have_pending;
  result = self->pending;
  self->have_pending = FALSE;
  GST_OBJECT_UNLOCK (self);
  if (have)
    attach_result (self, buf, &result);
}

/* Frames the network should not see: a GAP buffer (a filler, not video)
 * ends the window as a gap event does; reverse playback would show it
 * time backwards. */
static gboolean
skip_frame (GstEgoAction * self, GstBuffer * buf)
{
  if (GST_BASE_TRANSFORM (self)->segment.rate < 0) {
    if (!self->said_reverse)
      GST_ELEMENT_WARNING (self, STREAM, NOT_IMPLEMENTED,
          ("Actions are not recognised in reverse playback."),
          ("the network looks back in time only"));
    self->said_reverse = TRUE;
    return TRUE;
  }
  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)) {
    if (self->since_reset > 0)
      reset_stream (self);
    return TRUE;
  }
  return FALSE;
}

static GstFlowReturn
gst_ego_action_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstEgoAction *self = GST_EGO_ACTION (trans);
  GstVideoFrame frame;
  gboolean sampled;
  if (skip_frame (self, buf))
    return GST_FLOW_OK;
  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT)
      && self->since_reset > 0)
    reset_stream (self);
  sampled = self->since_reset % self->step == 0;
  self->since_reset++;
  GST_OBJECT_LOCK (self);
  self->stats.frames++;
  self->stats.sampled += sampled;
  GST_OBJECT_UNLOCK (self);
  if (self->worker)
    attach_pending (self, buf);
  if (!sampled)
    return GST_FLOW_OK;
  if (!gst_video_frame_map (&frame, &self->info, buf, GST_MAP_READ))
    goto map_failed;
  preprocess_frame (self, &frame);
  gst_video_frame_unmap (&frame);
  if (self->worker) {
    /* resets only changes on this thread: read without the lock */
    guint dropped = ego_action_worker_push (self->worker, self->input,
        frame_time (self, buf, TRUE), frame_time (self, buf, FALSE),
        self->resets, FALSE);
    if (dropped)
      count_drop (self);
  } else {
    recognise_now (self, buf);
  }
  return GST_FLOW_OK;

  /* ERRORS */
map_failed:
  {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL),
        ("could not map the video frame"));
    return GST_FLOW_ERROR;
  }
}

static gboolean
gst_ego_action_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstEgoAction *self = GST_EGO_ACTION (trans);
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
    case GST_EVENT_SEGMENT:
    case GST_EVENT_GAP:
      /* what follows does not continue what came before */
      reset_stream (self);
      break;
    case GST_EVENT_EOS:
      /* let the last windows' results reach the bus before EOS does */
      if (self->worker)
        ego_action_worker_drain (self->worker);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

/* ------------------------------------------------------------------------ */
/* Properties */

static GstStructure *
stats_structure (GstEgoAction * self)
{
  GstEgoActionStats *s = &self->stats;
  gdouble mean = s->infer_count ?
      (gdouble) s->infer_us_sum / s->infer_count / 1000.0 : 0.0;
  return gst_structure_new ("egoaction-stats",
      "frames", G_TYPE_UINT64, s->frames,
      "sampled-frames", G_TYPE_UINT64, s->sampled,
      "inferred-frames", G_TYPE_UINT64, (guint64) s->infer_count,
      "windows", G_TYPE_UINT64, s->windows,
      "drops", G_TYPE_UINT64, s->drops,
      "mean-inference-ms", G_TYPE_DOUBLE, mean,
      "max-inference-ms", G_TYPE_DOUBLE, s->infer_us_max / 1000.0, NULL);
}

static void
gst_ego_action_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstEgoAction *self = GST_EGO_ACTION (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_free (self->model);
      self->model = g_value_dup_string (value);
      if (self->model == NULL)
        self->model = g_strdup ("");
      break;
    case PROP_STRIDE:
      self->settings.stride = g_value_get_uint (value);
      break;
    case PROP_FRAME_STEP:
      self->frame_step = g_value_get_uint (value);
      break;
    case PROP_TOP_K:
      self->settings.top_k = g_value_get_uint (value);
      break;
    case PROP_THRESHOLD:
      self->settings.threshold = g_value_get_double (value);
      break;
    case PROP_SMOOTHING:
      self->settings.smoothing = g_value_get_enum (value);
      break;
    case PROP_SMOOTHING_WINDOWS:
      self->settings.smooth_windows = g_value_get_uint (value);
      break;
    case PROP_SMOOTHING_ALPHA:
      self->settings.smooth_alpha = g_value_get_double (value);
      break;
    case PROP_MIN_HOLD:
      self->settings.min_hold = g_value_get_uint (value);
      break;
    case PROP_VIEWS:
      self->views = g_value_get_uint (value) >= 3 ? 3 : 1;
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
    case PROP_ASYNC:
      self->async = g_value_get_boolean (value);
      break;
    case PROP_NUM_THREADS:
      self->num_threads = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_ego_action_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstEgoAction *self = GST_EGO_ACTION (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;
    case PROP_STRIDE:
      g_value_set_uint (value, self->settings.stride);
      break;
    case PROP_FRAME_STEP:
      g_value_set_uint (value, self->frame_step);
      break;
    case PROP_TOP_K:
      g_value_set_uint (value, self->settings.top_k);
      break;
    case PROP_THRESHOLD:
      g_value_set_double (value, self->settings.threshold);
      break;
    case PROP_SMOOTHING:
      g_value_set_enum (value, self->settings.smoothing);
      break;
    case PROP_SMOOTHING_WINDOWS:
      g_value_set_uint (value, self->settings.smooth_windows);
      break;
    case PROP_SMOOTHING_ALPHA:
      g_value_set_double (value, self->settings.smooth_alpha);
      break;
    case PROP_MIN_HOLD:
      g_value_set_uint (value, self->settings.min_hold);
      break;
    case PROP_VIEWS:
      g_value_set_uint (value, self->views);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    case PROP_ASYNC:
      g_value_set_boolean (value, self->async);
      break;
    case PROP_NUM_THREADS:
      g_value_set_uint (value, self->num_threads);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, stats_structure (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_ego_action_finalize (GObject * object)
{
  GstEgoAction *self = GST_EGO_ACTION (object);
  g_free (self->model);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

#define RW_PLAYING (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_PLAYING)
#define RW_READY (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)

static void
install_properties (GObjectClass * gobject_class)
{
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Student model file (.safetensors); empty for the default model "
          "built into the plugin", DEFAULT_PROP_MODEL, RW_READY));
  g_object_class_install_property (gobject_class, PROP_STRIDE,
      g_param_spec_uint ("stride", "Stride",
          "Post a result every N sampled frames once the window is full",
          1, 10000, DEFAULT_PROP_STRIDE, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_FRAME_STEP,
      g_param_spec_uint ("frame-step", "Frame step",
          "Sample every N-th frame; 0 uses the model's training setting",
          0, 1000, DEFAULT_PROP_FRAME_STEP, RW_READY));
  g_object_class_install_property (gobject_class, PROP_TOP_K,
      g_param_spec_uint ("top-k", "Top k",
          "Classes reported per head, best first", 1,
          EGO_ACTION_MAX_TOP_K, DEFAULT_PROP_TOP_K, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_double ("threshold", "Threshold",
          "Below this probability of the top class the result is marked "
          "unsure", 0.0, 1.0, DEFAULT_PROP_THRESHOLD, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SMOOTHING,
      g_param_spec_enum ("smoothing", "Smoothing",
          "Smoothing of probabilities over recent results",
          GST_TYPE_EGO_ACTION_SMOOTHING, DEFAULT_PROP_SMOOTHING, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SMOOTHING_WINDOWS,
      g_param_spec_uint ("smoothing-windows", "Smoothing windows",
          "Results averaged by smoothing=average", 1, EGO_WINDOW_MAX_SMOOTH,
          DEFAULT_PROP_SMOOTHING_WINDOWS, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SMOOTHING_ALPHA,
      g_param_spec_double ("smoothing-alpha", "Smoothing alpha",
          "Weight of the newest result with smoothing=exponential", 0.001,
          1.0, DEFAULT_PROP_SMOOTHING_ALPHA, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MIN_HOLD,
      g_param_spec_uint ("min-hold", "Minimum hold",
          "Results in a row a new class must lead before the label changes",
          1, 1000, DEFAULT_PROP_MIN_HOLD, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_VIEWS,
      g_param_spec_uint ("views", "Views",
          "Crops per frame: 1 (centre) or 3 (along the long side), averaged "
          "(2 is taken as 1); read at start",
          1, 3, DEFAULT_PROP_VIEWS, RW_READY));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an element message named egoaction for each result",
          DEFAULT_PROP_POST_MESSAGES, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_ASYNC,
      g_param_spec_boolean ("async", "Async",
          "Run the network on its own thread: video never waits for it; "
          "when it falls behind the oldest waiting frame is dropped and "
          "the window spans the hole (for live sources; files want false)",
          DEFAULT_PROP_ASYNC, RW_READY));
  g_object_class_install_property (gobject_class, PROP_NUM_THREADS,
      g_param_spec_uint ("num-threads", "Threads",
          "Threads of the matrix library (for the whole process)", 1, 64,
          DEFAULT_PROP_NUM_THREADS, RW_READY));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "frames, sampled-frames, inferred-frames (sampled frames the "
          "network has run on), windows, drops, mean-inference-ms and "
          "max-inference-ms", GST_TYPE_STRUCTURE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
gst_ego_action_class_init (GstEgoActionClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_ego_action_debug, "egoaction", 0,
      "egocentric action recognition");
  gobject_class->set_property = gst_ego_action_set_property;
  gobject_class->get_property = gst_ego_action_get_property;
  gobject_class->finalize = gst_ego_action_finalize;
  install_properties (gobject_class);
  gst_type_mark_as_plugin_api (GST_TYPE_EGO_ACTION_SMOOTHING, 0);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Egocentric action recognition", "Filter/Analyzer/Video",
      "Recognises first-person actions in RGB video and attaches them as "
      "meta and bus messages", "gst-ego");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_ego_action_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_ego_action_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_ego_action_set_caps);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_ego_action_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_ego_action_sink_event);
  trans_class->passthrough_on_same_caps = FALSE;
}

static void
gst_ego_action_init (GstEgoAction * self)
{
  self->model = g_strdup (DEFAULT_PROP_MODEL);
  self->frame_step = DEFAULT_PROP_FRAME_STEP;
  self->views = DEFAULT_PROP_VIEWS;
  self->post_messages = DEFAULT_PROP_POST_MESSAGES;
  self->async = DEFAULT_PROP_ASYNC;
  self->num_threads = DEFAULT_PROP_NUM_THREADS;
  self->settings.stride = DEFAULT_PROP_STRIDE;
  self->settings.top_k = DEFAULT_PROP_TOP_K;
  self->settings.threshold = DEFAULT_PROP_THRESHOLD;
  self->settings.smoothing = (EgoSmoothing) DEFAULT_PROP_SMOOTHING;
  self->settings.smooth_windows = DEFAULT_PROP_SMOOTHING_WINDOWS;
  self->settings.smooth_alpha = DEFAULT_PROP_SMOOTHING_ALPHA;
  self->settings.min_hold = DEFAULT_PROP_MIN_HOLD;
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
