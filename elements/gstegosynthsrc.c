/* gst-ego
 *
 * This library is free software; you can redistribute it and/or modify it
 * under the terms of the GNU Library General Public License as published
 * by the Free Software Foundation; either version 2 of the License, or (at
 * your option) any later version.
 */
/**
 * SECTION:element-egosynthsrc
 * @title: egosynthsrc
 *
 * A synthetic first-person kitchen: two hands (their arms coming in from
 * the bottom of the frame) take, put, open, close, move, rotate, pour,
 * cut, shake and stir cups, bowls, bottles, jars, knives, boards, pans,
 * boxes, spoons and bread on a counter, with idle pauses between actions,
 * while the head moves, the light changes and other things lie around.
 * Everything follows from #GstEgoSynthSrc:seed: the same seed gives the
 * same frames and the same sound.
 *
 * The always "video" pad gives RGB frames of any size and frame rate; the
 * request "audio" pad gives the sound, in step with the video: each verb
 * makes its own sound (chopping, pouring, rattling, thuds, clinks...) over
 * a room tone. Every video buffer carries the ground truth: a
 * #GstEgoTruthMeta (the action under way, the boxes of hands and things,
 * and on request the true motion field) and one
 * #GstVideoRegionOfInterestMeta per box, of type "hand" or the noun, with
 * an "ego-box" structure (category, side, contact, noun).
 *
 * The "video" pad must be linked: the sound ends with the last frame, at
 * the frame rate the video negotiated. Properties take effect when the
 * element starts (READY to PAUSED).
 *
 * The verbs come in time-reversed pairs (take/put, open/close,
 * move-left/move-right, rotate-cw/rotate-ccw) that a single frame cannot
 * tell apart; sound tells some verbs and no nouns; the look of the things
 * tells the nouns.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 egosynthsrc seed=7 num-buffers=300 ! videoconvert ! autovideosink
 * gst-launch-1.0 egosynthsrc name=s num-buffers=300 \
 *     s.video ! videoconvert ! video/x-raw,format=I420 ! x264enc ! \
 *     mp4mux name=m ! filesink location=kitchen.mp4 \
 *     s.audio ! audioconvert ! avenc_aac ! m.
 * gst-launch-1.0 egosynthsrc num-buffers=2000 ! video/x-raw,width=128,height=128 ! fakesink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstegosynthsrc.h"
#include "gstegosynthsrc-private.h"

#include "synth/render_video.h"
#include "synth/scene.h"
#include "synth/scenario.h"

GST_DEBUG_CATEGORY (gst_ego_synth_src_debug);
#define GST_CAT_DEFAULT gst_ego_synth_src_debug

#define DEFAULT_PROP_SEED 0
#define DEFAULT_PROP_NUM_BUFFERS -1
#define DEFAULT_PROP_IS_LIVE FALSE
#define DEFAULT_PROP_HEAD_MOTION EGO_SYNTH_DEFAULT_HEAD_MOTION
#define DEFAULT_PROP_LIGHTING EGO_SYNTH_DEFAULT_LIGHTING
#define DEFAULT_PROP_CLUTTER EGO_SYNTH_DEFAULT_CLUTTER
#define DEFAULT_PROP_OCCLUSION EGO_SYNTH_DEFAULT_OCCLUSION
#define DEFAULT_PROP_NOISE EGO_SYNTH_DEFAULT_NOISE
#define DEFAULT_PROP_MOTION_BLUR EGO_SYNTH_DEFAULT_MOTION_BLUR
#define DEFAULT_PROP_DIFFICULTY EGO_SYNTH_DEFAULT_DIFFICULTY
#define DEFAULT_PROP_EMIT_FLOW FALSE

enum
{
  PROP_0,
  PROP_SEED,
  PROP_NUM_BUFFERS,
  PROP_IS_LIVE,
  PROP_HEAD_MOTION,
  PROP_LIGHTING,
  PROP_CLUTTER,
  PROP_OCCLUSION,
  PROP_NOISE,
  PROP_MOTION_BLUR,
  PROP_DIFFICULTY,
  PROP_EMIT_FLOW,
};

struct _GstEgoSynthSrc
{
  GstBin parent;

  GstElement *video;            /* the internal sources */
  GstElement *audio;            /* NULL until requested */
  GstPad *audio_pad;

  /* properties, under the object lock */
  GstEgoSynthSettings settings;

  /* what the streams share, under lock */
  GMutex lock;
  GCond cond;
  gint fps_n, fps_d;
  GstClockTime live_origin;
};

#define gst_ego_synth_src_parent_class parent_class
G_DEFINE_TYPE (GstEgoSynthSrc, gst_ego_synth_src, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE (egosynthsrc, "egosynthsrc", GST_RANK_NONE,
    GST_TYPE_EGO_SYNTH_SRC);

static void gst_ego_synth_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_ego_synth_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_ego_synth_src_finalize (GObject * object);
static GstStateChangeReturn gst_ego_synth_src_change_state (GstElement *
    element, GstStateChange transition);
static GstPad *gst_ego_synth_src_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps);
static void gst_ego_synth_src_release_pad (GstElement * element, GstPad * pad);
static gboolean gst_ego_synth_src_send_event (GstElement * element,
    GstEvent * event);
static gboolean gst_ego_synth_src_query (GstElement * element,
    GstQuery * query);

static void
install_strength (GObjectClass * gobject_class, guint prop_id,
    const gchar * name, const gchar * nick, const gchar * blurb, gfloat def)
{
  g_object_class_install_property (gobject_class, prop_id,
      g_param_spec_float (name, nick, blurb, 0.0f, 1.0f, def,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
}

/* What the streams are: the seed, their length, liveness, the flow. */
static void
install_stream_properties (GObjectClass * gobject_class)
{
  /**
   * GstEgoSynthSrc:seed:
   *
   * Everything that is seen and heard follows from it: the kitchen, the
   * person, the schedule of actions, the noise.
   */
  g_object_class_install_property (gobject_class, PROP_SEED,
      g_param_spec_uint64 ("seed", "Seed",
          "The kitchen, the person and the schedule of actions follow from it",
          0, G_MAXUINT64, DEFAULT_PROP_SEED,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstEgoSynthSrc:num-buffers:
   *
   * Number of video frames before EOS; the sound ends at the same time.
   */
  g_object_class_install_property (gobject_class, PROP_NUM_BUFFERS,
      g_param_spec_int ("num-buffers", "Num buffers",
          "Video frames before EOS, the sound ending with them (-1 = unlimited)",
          -1, G_MAXINT, DEFAULT_PROP_NUM_BUFFERS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstEgoSynthSrc:is-live:
   *
   * Act as a live camera and microphone: produce in real time, in PLAYING
   * only.
   */
  g_object_class_install_property (gobject_class, PROP_IS_LIVE,
      g_param_spec_boolean ("is-live", "Is live",
          "Act as a live camera and microphone", DEFAULT_PROP_IS_LIVE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstEgoSynthSrc:emit-flow:
   *
   * Attach the true motion field from the previous frame to each frame's
   * #GstEgoTruthMeta.
   */
  g_object_class_install_property (gobject_class, PROP_EMIT_FLOW,
      g_param_spec_boolean ("emit-flow", "Emit flow",
          "Attach the true motion field to the truth meta",
          DEFAULT_PROP_EMIT_FLOW,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
}

/* How hard the scenes are to read: nuisances and difficulty. */
static void
install_nuisance_properties (GObjectClass * gobject_class)
{
  /**
   * GstEgoSynthSrc:head-motion:
   *
   * How much the head drifts, shakes, tilts and leans during actions (the
   * view always turns to the next workspace between actions).
   */
  install_strength (gobject_class, PROP_HEAD_MOTION, "head-motion",
      "Head motion", "Camera shake, drift and tilt (0..1)",
      DEFAULT_PROP_HEAD_MOTION);
  /**
   * GstEgoSynthSrc:lighting:
   *
   * How much the light changes in level, tint and direction over time.
   */
  install_strength (gobject_class, PROP_LIGHTING, "lighting", "Lighting",
      "Changes of light level, tint and direction (0..1)",
      DEFAULT_PROP_LIGHTING);
  /**
   * GstEgoSynthSrc:clutter:
   *
   * How many other things (of the noun classes and of none) lie around the
   * action's object.
   */
  install_strength (gobject_class, PROP_CLUTTER, "clutter", "Clutter",
      "Other things and distractors lying around (0..1)", DEFAULT_PROP_CLUTTER);
  /**
   * GstEgoSynthSrc:occlusion:
   *
   * How far the fingers reach over the things they hold.
   */
  install_strength (gobject_class, PROP_OCCLUSION, "occlusion", "Occlusion",
      "How much the hands cover what they hold (0..1)", DEFAULT_PROP_OCCLUSION);
  /**
   * GstEgoSynthSrc:noise:
   *
   * Sensor noise: 1 is a standard deviation of about 5% of full scale.
   */
  install_strength (gobject_class, PROP_NOISE, "noise", "Noise",
      "Sensor noise (0..1)", DEFAULT_PROP_NOISE);
  /**
   * GstEgoSynthSrc:motion-blur:
   *
   * The exposure as a fraction of the frame time: moving things and the
   * panning background smear over it.
   */
  install_strength (gobject_class, PROP_MOTION_BLUR, "motion-blur",
      "Motion blur", "Exposure as a fraction of the frame time (0..1)",
      DEFAULT_PROP_MOTION_BLUR);
  /**
   * GstEgoSynthSrc:difficulty:
   *
   * Quicker actions with smaller motions, and looks that vary more within a
   * class.
   */
  install_strength (gobject_class, PROP_DIFFICULTY, "difficulty",
      "Difficulty", "Quicker, smaller motions and more varied looks (0..1)",
      DEFAULT_PROP_DIFFICULTY);
}

static void
gst_ego_synth_src_class_init (GstEgoSynthSrcClass * klass)
{
  GObjectClass *gobject_class = (GObjectClass *) klass;
  GstElementClass *element_class = (GstElementClass *) klass;

  GST_DEBUG_CATEGORY_INIT (gst_ego_synth_src_debug, "egosynthsrc", 0,
      "synthetic egocentric kitchen");

  gobject_class->set_property = gst_ego_synth_src_set_property;
  gobject_class->get_property = gst_ego_synth_src_get_property;
  gobject_class->finalize = gst_ego_synth_src_finalize;

  install_stream_properties (gobject_class);
  install_nuisance_properties (gobject_class);

  gst_element_class_add_static_pad_template (element_class,
      &gst_ego_synth_video_template);
  gst_element_class_add_static_pad_template (element_class,
      &gst_ego_synth_audio_template);
  gst_element_class_set_static_metadata (element_class,
      "Synthetic egocentric kitchen", "Source/Video/Audio",
      "First-person kitchen actions with sound and ground truth, "
      "deterministic from a seed", "gst-ego");

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_ego_synth_src_change_state);
  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_ego_synth_src_request_new_pad);
  element_class->release_pad =
      GST_DEBUG_FUNCPTR (gst_ego_synth_src_release_pad);
  element_class->send_event = GST_DEBUG_FUNCPTR (gst_ego_synth_src_send_event);
  element_class->query = GST_DEBUG_FUNCPTR (gst_ego_synth_src_query);
}

static void
gst_ego_synth_src_init (GstEgoSynthSrc * self)
{
  GstPadTemplate *templ;
  GstPad *target, *ghost;

  self->settings.seed = DEFAULT_PROP_SEED;
  self->settings.num_buffers = DEFAULT_PROP_NUM_BUFFERS;
  self->settings.is_live = DEFAULT_PROP_IS_LIVE;
  self->settings.head_motion = DEFAULT_PROP_HEAD_MOTION;
  self->settings.lighting = DEFAULT_PROP_LIGHTING;
  self->settings.clutter = DEFAULT_PROP_CLUTTER;
  self->settings.occlusion = DEFAULT_PROP_OCCLUSION;
  self->settings.noise = DEFAULT_PROP_NOISE;
  self->settings.motion_blur = DEFAULT_PROP_MOTION_BLUR;
  self->settings.difficulty = DEFAULT_PROP_DIFFICULTY;
  self->settings.emit_flow = DEFAULT_PROP_EMIT_FLOW;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->fps_d = 1;
  self->live_origin = GST_CLOCK_TIME_NONE;

  /* the video stream always exists */
  self->video = gst_ego_synth_video_src_new (self);
  gst_bin_add (GST_BIN (self), self->video);
  target = gst_element_get_static_pad (self->video, "src");
  templ = gst_static_pad_template_get (&gst_ego_synth_video_template);
  ghost = gst_ghost_pad_new_from_template ("video", target, templ);
  gst_object_unref (templ);
  gst_object_unref (target);
  gst_element_add_pad (GST_ELEMENT (self), ghost);
}

static void
gst_ego_synth_src_finalize (GObject * object)
{
  GstEgoSynthSrc *self = GST_EGO_SYNTH_SRC (object);

  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_ego_synth_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstEgoSynthSrc *self = GST_EGO_SYNTH_SRC (object);
  GstEgoSynthSettings *s = &self->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SEED:
      s->seed = g_value_get_uint64 (value);
      break;
    case PROP_NUM_BUFFERS:
      s->num_buffers = g_value_get_int (value);
      break;
    case PROP_IS_LIVE:
      s->is_live = g_value_get_boolean (value);
      break;
    case PROP_HEAD_MOTION:
      s->head_motion = g_value_get_float (value);
      break;
    case PROP_LIGHTING:
      s->lighting = g_value_get_float (value);
      break;
    case PROP_CLUTTER:
      s->clutter = g_value_get_float (value);
      break;
    case PROP_OCCLUSION:
      s->occlusion = g_value_get_float (value);
      break;
    case PROP_NOISE:
      s->noise = g_value_get_float (value);
      break;
    case PROP_MOTION_BLUR:
      s->motion_blur = g_value_get_float (value);
      break;
    case PROP_DIFFICULTY:
      s->difficulty = g_value_get_float (value);
      break;
    case PROP_EMIT_FLOW:
      s->emit_flow = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_ego_synth_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstEgoSynthSrc *self = GST_EGO_SYNTH_SRC (object);
  GstEgoSynthSettings *s = &self->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SEED:
      g_value_set_uint64 (value, s->seed);
      break;
    case PROP_NUM_BUFFERS:
      g_value_set_int (value, s->num_buffers);
      break;
    case PROP_IS_LIVE:
      g_value_set_boolean (value, s->is_live);
      break;
    case PROP_HEAD_MOTION:
      g_value_set_float (value, s->head_motion);
      break;
    case PROP_LIGHTING:
      g_value_set_float (value, s->lighting);
      break;
    case PROP_CLUTTER:
      g_value_set_float (value, s->clutter);
      break;
    case PROP_OCCLUSION:
      g_value_set_float (value, s->occlusion);
      break;
    case PROP_NOISE:
      g_value_set_float (value, s->noise);
      break;
    case PROP_MOTION_BLUR:
      g_value_set_float (value, s->motion_blur);
      break;
    case PROP_DIFFICULTY:
      g_value_set_float (value, s->difficulty);
      break;
    case PROP_EMIT_FLOW:
      g_value_set_boolean (value, s->emit_flow);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

void
gst_ego_synth_src_get_settings (GstEgoSynthSrc * self,
    GstEgoSynthSettings * settings)
{
  GST_OBJECT_LOCK (self);
  *settings = self->settings;
  GST_OBJECT_UNLOCK (self);
}

void
gst_ego_synth_src_set_video_rate (GstEgoSynthSrc * self, gint fps_n, gint fps_d)
{
  g_mutex_lock (&self->lock);
  self->fps_n = fps_n;
  self->fps_d = fps_d;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

gboolean
gst_ego_synth_src_wait_video_rate (GstEgoSynthSrc * self,
    const gboolean * flushing, gint * fps_n, gint * fps_d)
{
  gboolean known;

  g_mutex_lock (&self->lock);
  while (self->fps_n <= 0 && !g_atomic_int_get (flushing))
    g_cond_wait (&self->cond, &self->lock);
  known = self->fps_n > 0;
  *fps_n = self->fps_n;
  *fps_d = self->fps_d;
  g_mutex_unlock (&self->lock);
  return known;
}

void
gst_ego_synth_src_wake (GstEgoSynthSrc * self)
{
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

GstClockTime
gst_ego_synth_src_live_origin (GstEgoSynthSrc * self, GstElement * stream)
{
  GstClockTime origin;

  g_mutex_lock (&self->lock);
  if (!GST_CLOCK_TIME_IS_VALID (self->live_origin)) {
    GstClock *clock = gst_element_get_clock (stream);
    self->live_origin = 0;
    if (clock) {
      GstClockTime now = gst_clock_get_time (clock);
      GstClockTime base = gst_element_get_base_time (stream);
      self->live_origin = now > base ? now - base : 0;
      gst_object_unref (clock);
    }
    GST_DEBUG_OBJECT (self, "live streams start at %" GST_TIME_FORMAT,
        GST_TIME_ARGS (self->live_origin));
  }
  origin = self->live_origin;
  g_mutex_unlock (&self->lock);
  return origin;
}

GstFlowReturn
gst_ego_synth_src_wait_until (GstElement * stream, GstClockID * clock_id,
    const gboolean * flushing, GstClockTime running_time)
{
  GstClock *clock = gst_element_get_clock (stream);
  GstClockTime base = gst_element_get_base_time (stream);
  GstClockReturn ret;
  GstClockID id;

  if (clock == NULL)
    return GST_FLOW_OK;
  GST_OBJECT_LOCK (stream);
  if (*flushing) {
    GST_OBJECT_UNLOCK (stream);
    gst_object_unref (clock);
    return GST_FLOW_FLUSHING;
  }
  id = gst_clock_new_single_shot_id (clock, base + running_time);
  *clock_id = id;
  GST_OBJECT_UNLOCK (stream);

  ret = gst_clock_id_wait (id, NULL);

  GST_OBJECT_LOCK (stream);
  *clock_id = NULL;
  GST_OBJECT_UNLOCK (stream);
  gst_clock_id_unref (id);
  gst_object_unref (clock);
  return ret == GST_CLOCK_UNSCHEDULED ? GST_FLOW_FLUSHING : GST_FLOW_OK;
}

static void
configure_streams (GstEgoSynthSrc * self)
{
  gboolean live;

  GST_OBJECT_LOCK (self);
  live = self->settings.is_live;
  GST_OBJECT_UNLOCK (self);
  gst_base_src_set_live (GST_BASE_SRC (self->video), live);
  if (self->audio)
    gst_base_src_set_live (GST_BASE_SRC (self->audio), live);
  g_mutex_lock (&self->lock);
  self->fps_n = 0;
  self->fps_d = 1;
  self->live_origin = GST_CLOCK_TIME_NONE;
  g_mutex_unlock (&self->lock);
}

static GstStateChangeReturn
gst_ego_synth_src_change_state (GstElement * element, GstStateChange transition)
{
  GstEgoSynthSrc *self = GST_EGO_SYNTH_SRC (element);

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    configure_streams (self);
  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
}

static GstPad *
gst_ego_synth_src_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps)
{
  GstEgoSynthSrc *self = GST_EGO_SYNTH_SRC (element);
  GstElement *audio;
  GstPad *target, *ghost;
  gboolean live;

  GST_OBJECT_LOCK (self);
  if (self->audio != NULL) {
    GST_OBJECT_UNLOCK (self);
    GST_WARNING_OBJECT (self, "there is only one audio pad");
    return NULL;
  }
  live = self->settings.is_live;
  GST_OBJECT_UNLOCK (self);

  /* keep a reference of our own: the bin drops its own when disposed,
   * before the request pad is released */
  audio = gst_object_ref_sink (gst_ego_synth_audio_src_new (self));
  gst_base_src_set_live (GST_BASE_SRC (audio), live);
  gst_bin_add (GST_BIN (self), audio);
  target = gst_element_get_static_pad (audio, "src");
  ghost = gst_ghost_pad_new_from_template ("audio", target, templ);
  gst_object_unref (target);
  GST_OBJECT_LOCK (self);
  self->audio = audio;
  self->audio_pad = ghost;
  GST_OBJECT_UNLOCK (self);
  if (GST_STATE (self) > GST_STATE_READY)
    gst_pad_set_active (ghost, TRUE);
  gst_element_add_pad (element, ghost);
  gst_element_sync_state_with_parent (audio);
  return ghost;
}

static void
gst_ego_synth_src_release_pad (GstElement * element, GstPad * pad)
{
  GstEgoSynthSrc *self = GST_EGO_SYNTH_SRC (element);
  GstElement *audio;

  GST_OBJECT_LOCK (self);
  if (pad != self->audio_pad) {
    GST_OBJECT_UNLOCK (self);
    return;
  }
  audio = self->audio;
  self->audio = NULL;
  self->audio_pad = NULL;
  GST_OBJECT_UNLOCK (self);

  gst_element_remove_pad (element, pad);
  if (GST_OBJECT_PARENT (audio) == GST_OBJECT (self)) {
    gst_element_set_state (audio, GST_STATE_NULL);
    gst_bin_remove (GST_BIN (self), audio);
  }
  gst_object_unref (audio);
}

/* Seeks sent to the element go to both streams. */
static gboolean
gst_ego_synth_src_send_event (GstElement * element, GstEvent * event)
{
  GstEgoSynthSrc *self = GST_EGO_SYNTH_SRC (element);
  GstElement *audio = NULL;
  gboolean res;

  if (GST_EVENT_TYPE (event) != GST_EVENT_SEEK)
    return GST_ELEMENT_CLASS (parent_class)->send_event (element, event);

  GST_OBJECT_LOCK (self);
  if (self->audio)
    audio = gst_object_ref (self->audio);
  GST_OBJECT_UNLOCK (self);
  res = gst_element_send_event (self->video, gst_event_ref (event));
  if (audio) {
    res &= gst_element_send_event (audio, gst_event_ref (event));
    gst_object_unref (audio);
  }
  gst_event_unref (event);
  return res;
}

/* Position, duration and seeking are the video's. */
static gboolean
gst_ego_synth_src_query (GstElement * element, GstQuery * query)
{
  GstEgoSynthSrc *self = GST_EGO_SYNTH_SRC (element);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_POSITION:
    case GST_QUERY_DURATION:
    case GST_QUERY_SEEKING:
    case GST_QUERY_CONVERT:
      return gst_element_query (self->video, query);
    default:
      return GST_ELEMENT_CLASS (parent_class)->query (element, query);
  }
}
