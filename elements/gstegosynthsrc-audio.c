/* egosynthsrc's audio stream: the kitchen's sound, sample for sample in
 * step with the video, ending when the video ends. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include <gst/audio/audio.h>

#include "gstegosynthsrc-private.h"
#include "synth/render_audio.h"
#include "synth/scenario.h"

#define GST_CAT_DEFAULT gst_ego_synth_src_debug

#define AUDIO_CAPS \
  "audio/x-raw, format = (string) { F32LE, S16LE }, " \
  "layout = (string) interleaved, channels = (int) 1, " \
  "rate = (int) [ 1, 2147483647 ]"
#define DEFAULT_RATE 16000
/* buffers of 20 ms: small enough for a live microphone's latency */
#define BUFFERS_PER_SECOND 50

GstStaticPadTemplate gst_ego_synth_audio_template =
GST_STATIC_PAD_TEMPLATE ("audio", GST_PAD_SRC, GST_PAD_REQUEST,
    GST_STATIC_CAPS (AUDIO_CAPS));

static GstStaticPadTemplate src_template =
GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (AUDIO_CAPS));

struct _GstEgoSynthAudioSrc
{
  GstPushSrc parent;

  GstEgoSynthSrc *owner;
  GstEgoSynthSettings settings;

  /* built in start(), freed in stop() */
  EgoScenario *scenario;
  EgoAudioRenderer *renderer;
  float *samples;               /* one buffer's worth */
  guint samples_per_buffer;

  GstAudioInfo info;
  guint64 next_sample;
  guint64 end_sample;           /* G_MAXUINT64: no end, or not known yet */
  gboolean end_known;

  GstClockTime live_origin;
  GstClockID clock_id;
  gboolean flushing;
};

G_DEFINE_TYPE (GstEgoSynthAudioSrc, gst_ego_synth_audio_src, GST_TYPE_PUSH_SRC);

static gboolean gst_ego_synth_audio_src_start (GstBaseSrc * bsrc);
static gboolean gst_ego_synth_audio_src_stop (GstBaseSrc * bsrc);
static GstCaps *gst_ego_synth_audio_src_fixate (GstBaseSrc * bsrc,
    GstCaps * caps);
static gboolean gst_ego_synth_audio_src_set_caps (GstBaseSrc * bsrc,
    GstCaps * caps);
static gboolean gst_ego_synth_audio_src_query (GstBaseSrc * bsrc,
    GstQuery * query);
static gboolean gst_ego_synth_audio_src_is_seekable (GstBaseSrc * bsrc);
static gboolean gst_ego_synth_audio_src_do_seek (GstBaseSrc * bsrc,
    GstSegment * segment);
static gboolean gst_ego_synth_audio_src_unlock (GstBaseSrc * bsrc);
static gboolean gst_ego_synth_audio_src_unlock_stop (GstBaseSrc * bsrc);
static GstFlowReturn gst_ego_synth_audio_src_create (GstPushSrc * psrc,
    GstBuffer ** buffer);

static void
gst_ego_synth_audio_src_class_init (GstEgoSynthAudioSrcClass * klass)
{
  GstElementClass *element_class = (GstElementClass *) klass;
  GstBaseSrcClass *bsrc_class = (GstBaseSrcClass *) klass;
  GstPushSrcClass *psrc_class = (GstPushSrcClass *) klass;

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "egosynthsrc audio", "Source/Audio",
      "The audio stream inside egosynthsrc", "gst-ego");

  bsrc_class->start = GST_DEBUG_FUNCPTR (gst_ego_synth_audio_src_start);
  bsrc_class->stop = GST_DEBUG_FUNCPTR (gst_ego_synth_audio_src_stop);
  bsrc_class->fixate = GST_DEBUG_FUNCPTR (gst_ego_synth_audio_src_fixate);
  bsrc_class->set_caps = GST_DEBUG_FUNCPTR (gst_ego_synth_audio_src_set_caps);
  bsrc_class->query = GST_DEBUG_FUNCPTR (gst_ego_synth_audio_src_query);
  bsrc_class->is_seekable =
      GST_DEBUG_FUNCPTR (gst_ego_synth_audio_src_is_seekable);
  bsrc_class->do_seek = GST_DEBUG_FUNCPTR (gst_ego_synth_audio_src_do_seek);
  bsrc_class->unlock = GST_DEBUG_FUNCPTR (gst_ego_synth_audio_src_unlock);
  bsrc_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_ego_synth_audio_src_unlock_stop);
  psrc_class->create = GST_DEBUG_FUNCPTR (gst_ego_synth_audio_src_create);
}

static void
gst_ego_synth_audio_src_init (GstEgoSynthAudioSrc * self)
{
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
  gst_audio_info_init (&self->info);
}

GstElement *
gst_ego_synth_audio_src_new (GstEgoSynthSrc * owner)
{
  GstEgoSynthAudioSrc *self = g_object_new (GST_TYPE_EGO_SYNTH_AUDIO_SRC,
      "name", "audio-src", NULL);
  self->owner = owner;
  return GST_ELEMENT (self);
}

static gboolean
gst_ego_synth_audio_src_start (GstBaseSrc * bsrc)
{
  GstEgoSynthAudioSrc *self = GST_EGO_SYNTH_AUDIO_SRC (bsrc);
  EgoScenarioParams params;

  gst_ego_synth_src_get_settings (self->owner, &self->settings);
  GST_EGO_SYNTH_SCENARIO_PARAMS (&params, &self->settings);
  self->scenario = ego_scenario_new (&params);
  self->renderer = ego_audio_renderer_new (self->scenario);
  GST_OBJECT_LOCK (self);
  gst_audio_info_init (&self->info);
  self->next_sample = 0;
  self->end_sample = G_MAXUINT64;
  self->end_known = self->settings.num_buffers < 0;
  self->live_origin = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_ego_synth_audio_src_stop (GstBaseSrc * bsrc)
{
  GstEgoSynthAudioSrc *self = GST_EGO_SYNTH_AUDIO_SRC (bsrc);

  g_clear_pointer (&self->renderer, ego_audio_renderer_free);
  g_clear_pointer (&self->scenario, ego_scenario_free);
  g_clear_pointer (&self->samples, g_free);
  return TRUE;
}

static GstCaps *
gst_ego_synth_audio_src_fixate (GstBaseSrc * bsrc, GstCaps * caps)
{
  GstStructure *s;

  caps = gst_caps_make_writable (caps);
  s = gst_caps_get_structure (caps, 0);
  gst_structure_fixate_field_nearest_int (s, "rate", DEFAULT_RATE);
  return GST_BASE_SRC_CLASS (gst_ego_synth_audio_src_parent_class)->fixate
      (bsrc, caps);
}

static gboolean
gst_ego_synth_audio_src_set_caps (GstBaseSrc * bsrc, GstCaps * caps)
{
  GstEgoSynthAudioSrc *self = GST_EGO_SYNTH_AUDIO_SRC (bsrc);
  GstAudioInfo info;

  if (!gst_audio_info_from_caps (&info, caps))
    goto invalid_caps;

  GST_OBJECT_LOCK (self);
  /* a new rate continues from the same instant */
  if (self->info.rate > 0 && info.rate != self->info.rate) {
    self->next_sample = gst_util_uint64_scale (self->next_sample, info.rate,
        self->info.rate);
    self->end_known = self->settings.num_buffers < 0;
    self->end_sample = G_MAXUINT64;
  }
  self->info = info;
  self->samples_per_buffer = MAX (1, info.rate / BUFFERS_PER_SECOND);
  g_free (self->samples);
  self->samples = g_new (float, self->samples_per_buffer);
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "%s at %d Hz",
      gst_audio_format_to_string (info.finfo->format), info.rate);
  return TRUE;

  /* ERRORS */
invalid_caps:
  {
    GST_ERROR_OBJECT (self, "unusable caps %" GST_PTR_FORMAT, caps);
    return FALSE;
  }
}

static gboolean
gst_ego_synth_audio_src_query (GstBaseSrc * bsrc, GstQuery * query)
{
  GstEgoSynthAudioSrc *self = GST_EGO_SYNTH_AUDIO_SRC (bsrc);
  gboolean res = FALSE;

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:
      GST_OBJECT_LOCK (self);
      if (self->info.rate > 0) {
        GstClockTime latency = gst_util_uint64_scale (GST_SECOND,
            self->samples_per_buffer, self->info.rate);
        GST_OBJECT_UNLOCK (self);
        gst_query_set_latency (query, gst_base_src_is_live (bsrc), latency,
            GST_CLOCK_TIME_NONE);
        res = TRUE;
      } else {
        GST_OBJECT_UNLOCK (self);
      }
      break;
    case GST_QUERY_CONVERT:{
      GstFormat src_fmt, dest_fmt;
      gint64 src_val, dest_val;
      gst_query_parse_convert (query, &src_fmt, &src_val, &dest_fmt, &dest_val);
      GST_OBJECT_LOCK (self);
      res = gst_audio_info_convert (&self->info, src_fmt, src_val, dest_fmt,
          &dest_val);
      GST_OBJECT_UNLOCK (self);
      if (res)
        gst_query_set_convert (query, src_fmt, src_val, dest_fmt, dest_val);
      break;
    }
    default:
      res = GST_BASE_SRC_CLASS (gst_ego_synth_audio_src_parent_class)->query
          (bsrc, query);
      break;
  }
  return res;
}

/* a live source is not: its clock is the wall's (a seek of an hour would
 * wait an hour) */
static gboolean
gst_ego_synth_audio_src_is_seekable (GstBaseSrc * bsrc)
{
  return !gst_base_src_is_live (bsrc);
}

/* Every sample can be made on its own: start at the new position. */
static gboolean
gst_ego_synth_audio_src_do_seek (GstBaseSrc * bsrc, GstSegment * segment)
{
  GstEgoSynthAudioSrc *self = GST_EGO_SYNTH_AUDIO_SRC (bsrc);

  if (segment->rate < 0.0)
    return FALSE;
  segment->time = segment->start;
  GST_OBJECT_LOCK (self);
  self->next_sample = self->info.rate > 0 ?
      gst_util_uint64_scale_ceil (segment->position, self->info.rate,
      GST_SECOND) : 0;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_ego_synth_audio_src_unlock (GstBaseSrc * bsrc)
{
  GstEgoSynthAudioSrc *self = GST_EGO_SYNTH_AUDIO_SRC (bsrc);

  GST_OBJECT_LOCK (self);
  g_atomic_int_set (&self->flushing, TRUE);
  if (self->clock_id)
    gst_clock_id_unschedule (self->clock_id);
  GST_OBJECT_UNLOCK (self);
  gst_ego_synth_src_wake (self->owner);
  return TRUE;
}

static gboolean
gst_ego_synth_audio_src_unlock_stop (GstBaseSrc * bsrc)
{
  GstEgoSynthAudioSrc *self = GST_EGO_SYNTH_AUDIO_SRC (bsrc);

  GST_OBJECT_LOCK (self);
  g_atomic_int_set (&self->flushing, FALSE);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* The sound ends with the last video frame, which needs the video's
 * frame rate. */
static gboolean
find_end (GstEgoSynthAudioSrc * self)
{
  gint fps_n, fps_d;
  GstClockTime end;

  if (!gst_ego_synth_src_wait_video_rate (self->owner, &self->flushing,
          &fps_n, &fps_d))
    return FALSE;
  end = gst_util_uint64_scale (self->settings.num_buffers,
      (guint64) fps_d * GST_SECOND, fps_n);
  GST_OBJECT_LOCK (self);
  self->end_sample = gst_util_uint64_scale_round (end, self->info.rate,
      GST_SECOND);
  self->end_known = TRUE;
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "ending at %" GST_TIME_FORMAT, GST_TIME_ARGS (end));
  return TRUE;
}

static void
pack_samples (GstEgoSynthAudioSrc * self, guint n, guint8 * out)
{
  if (GST_AUDIO_INFO_FORMAT (&self->info) == GST_AUDIO_FORMAT_F32LE) {
    for (guint i = 0; i < n; i++)
      GST_WRITE_FLOAT_LE (out + 4 * i, self->samples[i]);
  } else {
    for (guint i = 0; i < n; i++) {
      gint v = (gint) lrintf (self->samples[i] * 32767.0f);
      GST_WRITE_UINT16_LE (out + 2 * i, (guint16) (gint16) CLAMP (v,
              -32768, 32767));
    }
  }
}

static GstFlowReturn
gst_ego_synth_audio_src_create (GstPushSrc * psrc, GstBuffer ** buffer)
{
  GstEgoSynthAudioSrc *self = GST_EGO_SYNTH_AUDIO_SRC (psrc);
  GstBaseSrc *bsrc = GST_BASE_SRC (psrc);
  guint rate = self->info.rate, n;
  GstClockTime pts, next, offset = 0;
  GstMapInfo map;
  GstBuffer *buf;

  if (G_UNLIKELY (rate == 0))
    return GST_FLOW_NOT_NEGOTIATED;
  if (!self->end_known && !find_end (self))
    return GST_FLOW_FLUSHING;
  if (self->next_sample >= self->end_sample)
    return GST_FLOW_EOS;
  n = (guint) MIN ((guint64) self->samples_per_buffer,
      self->end_sample - self->next_sample);
  pts = gst_util_uint64_scale (self->next_sample, GST_SECOND, rate);
  next = gst_util_uint64_scale (self->next_sample + n, GST_SECOND, rate);
  if (GST_CLOCK_TIME_IS_VALID (bsrc->segment.stop) && pts >= bsrc->segment.stop)
    return GST_FLOW_EOS;

  if (gst_base_src_is_live (bsrc)) {
    GstFlowReturn ret;
    if (!GST_CLOCK_TIME_IS_VALID (self->live_origin))
      self->live_origin = gst_ego_synth_src_live_origin (self->owner,
          GST_ELEMENT (self));
    offset = self->live_origin;
    ret = gst_ego_synth_src_wait_until (GST_ELEMENT (self), &self->clock_id,
        &self->flushing, offset + pts);
    if (ret != GST_FLOW_OK)
      return ret;
  }

  ego_audio_render (self->renderer, self->next_sample, n, rate, self->samples);
  buf = gst_buffer_new_allocate (NULL, (gsize) n * self->info.bpf, NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  pack_samples (self, n, map.data);
  gst_buffer_unmap (buf, &map);

  GST_BUFFER_PTS (buf) = offset + pts;
  GST_BUFFER_DURATION (buf) = next - pts;
  GST_BUFFER_OFFSET (buf) = self->next_sample;
  GST_BUFFER_OFFSET_END (buf) = self->next_sample + n;
  GST_OBJECT_LOCK (self);
  self->next_sample += n;
  GST_OBJECT_UNLOCK (self);
  *buffer = buf;
  return GST_FLOW_OK;
}
