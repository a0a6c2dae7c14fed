/* gst-ego: egomelspec, audio to log-mel spectrogram windows.
 *
 * SECTION:element-egomelspec
 * @title: egomelspec
 * @see_also: egosynthsrc, audioresample
 *
 * Turns audio into the audio teacher's input: for every video frame, a
 * log-mel spectrogram window centred on the frame's time, as in the
 * paper's audio modality. Windows come at a regular #GstEgoMelspec:rate,
 * which is set to the video's frame rate: the k-th window is centred on
 * k / rate, the time of the k-th frame of a video starting at 0, and is
 * #GstEgoMelspec:window-frames spectrogram frames (of
 * #GstEgoMelspec:hop samples each) wide. The spectrogram is the one of
 * models/melspec.h: periodic Hann window of #GstEgoMelspec:n-fft samples,
 * power spectrum, HTK-mel triangular filterbank, natural log of the mel
 * power plus 1e-6, computed with gst-plugins-base's FFT.
 *
 * Each output buffer is one window, caps
 * `audio/x-ego-melspec, mels=(int)N, frames=(int)W, rate=(fraction)R`:
 * N x W 32-bit floats in host byte order, band major (an image N high and
 * W wide, band 0 the lowest, time running along a row), with the window's
 * centre as timestamp and 1 / R as duration. The window's middle is within
 * half a hop of its timestamp.
 *
 * Input is F32 or S16 audio, mono or stereo (averaged to mono), at any
 * rate; n-fft and hop count samples at that rate, so the defaults (25 ms
 * and 10 ms) are meant for 16 kHz: put audioresample in front for other
 * rates. Audio before the stream's first sample and after its last is
 * zero, so windows near the ends are padded with silence; at EOS, every
 * window centred before the end is sent. A flush forgets everything; a
 * discontinuity (a buffer marked DISCONT, or timestamps jumping by more
 * than 40 ms) sends the windows of the audio so far, then starts over from
 * the new buffer's time; so does a new segment, after those windows. A
 * GAP event is silence: windows go on through it. Audio without
 * timestamps is timed from where the audio so far ended. The spectrogram
 * settings are read when caps arrive.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=P01_01.mp4 ! decodebin ! audioconvert ! \
 *     audioresample ! audio/x-raw,rate=16000 ! \
 *     egomelspec rate=30/1 window-frames=128 ! fakesink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstegomelspec-private.h"

#include <string.h>

#include <gst/audio/audio.h>
#include <gst/fft/gstfftf32.h>

#include "melspec.h"

GST_DEBUG_CATEGORY_STATIC (gst_ego_melspec_debug);
#define GST_CAT_DEFAULT gst_ego_melspec_debug

/* timestamps further than this from where the audio so far ends mark a
 * discontinuity (as audio sinks' default alignment threshold) */
#define DISCONT_TOLERANCE (40 * GST_MSECOND)
/* floats in one window (64 MB) */
#define MAX_WINDOW_VALUES (16 * 1024 * 1024)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) { F32LE, S16LE }, "
        "layout = (string) interleaved, channels = (int) [ 1, 2 ], "
        "rate = (int) [ 1, MAX ]"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-ego-melspec, mels = (int) [ 1, 1024 ], "
        "frames = (int) [ 1, MAX ], rate = (fraction) [ 1/3600, 1000 ]"));

struct _GstEgoMelspec
{
  GstElement parent;
  GstPad *sinkpad, *srcpad;

  /* properties, under the object lock */
  EgoMelspecSettings props;

  /* built when caps arrive, freed in stop() */
  EgoMelspecSettings s;         /* the settings in use */
  GstAudioInfo info;
  GstFFTF32 *fft;
  EgoMelspec *mel;
  EgoMelStream *stream;
  float *mono;                  /* (hop) one piece of input, downmixed */

  /* the timeline: sample 0 of the stream is at origin */
  gboolean started;
  GstClockTime origin;
  guint64 next_window;          /* k of the next window to send */
  gboolean discont;             /* the next window starts a new run */
  GstClockTime resume;          /* where the last drained audio ended: the
                                 * next buffer's time if it has none */
  GstClockTime latency;         /* NONE before caps; under the object lock,
                                 * for queries from other threads */
  GstSegment segment;
};

#define gst_ego_melspec_parent_class parent_class
G_DEFINE_TYPE (GstEgoMelspec, gst_ego_melspec, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (egomelspec, "egomelspec", GST_RANK_NONE,
    GST_TYPE_EGO_MELSPEC);

/* ctx points to the element's FFT, made once the settings are known to
 * be valid (it wants an even size) */
static void
gst_ego_melspec_fft (void *ctx, const float *in, float *out)
{
  /* GstFFTF32Complex is a pair of floats, as the callback's output is */
  gst_fft_f32_fft (*(GstFFTF32 **) ctx, in, (GstFFTF32Complex *) out);
}

/* the timeline */

static GstClockTime
gst_ego_melspec_window_time (GstEgoMelspec * self, guint64 k)
{
  return gst_util_uint64_scale (k, (guint64) self->s.rate_d * GST_SECOND,
      self->s.rate_n);
}

/* the first spectrogram frame of window k */
static long
gst_ego_melspec_window_first (GstEgoMelspec * self, guint64 k)
{
  GstClockTime t = gst_ego_melspec_window_time (self, k);
  gint64 centre = (gint64) gst_util_uint64_scale_round (t - self->origin,
      self->info.rate, GST_SECOND);

  return ego_melspec_window_first (self->mel, centre, self->s.window_frames);
}

/* where the audio pushed since the start ends */
static GstClockTime
gst_ego_melspec_end_time (GstEgoMelspec * self)
{
  return self->origin + gst_util_uint64_scale (ego_mel_stream_samples
      (self->stream), GST_SECOND, self->info.rate);
}

/* a new timeline with sample 0 at origin: its first window is the first
 * centred at or after it */
static void
gst_ego_melspec_restart (GstEgoMelspec * self, GstClockTime origin)
{
  self->origin = origin;
  self->next_window = gst_util_uint64_scale_ceil (origin, self->s.rate_n,
      (guint64) self->s.rate_d * GST_SECOND);
  ego_mel_stream_reset (self->stream, gst_ego_melspec_window_first (self,
          self->next_window));
  self->started = TRUE;
  self->discont = TRUE;
  GST_DEBUG_OBJECT (self, "starting at %" GST_TIME_FORMAT ", window %"
      G_GUINT64_FORMAT, GST_TIME_ARGS (origin), self->next_window);
}

static void
gst_ego_melspec_reset (GstEgoMelspec * self)
{
  self->started = FALSE;
  self->resume = GST_CLOCK_TIME_NONE;
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
}

/* windows out */

static GstFlowReturn
gst_ego_melspec_send_window (GstEgoMelspec * self, long j0)
{
  const gint w = self->s.window_frames;
  guint64 k = self->next_window++;
  GstClockTime t = gst_ego_melspec_window_time (self, k);
  GstBuffer *buf = gst_buffer_new_allocate (NULL,
      sizeof (float) * self->s.n_mels * w, NULL);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  ego_mel_stream_window (self->stream, j0, w, (float *) map.data);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = t;
  GST_BUFFER_DURATION (buf) = gst_ego_melspec_window_time (self, k + 1) - t;
  GST_BUFFER_OFFSET (buf) = k;
  if (self->discont)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  self->discont = FALSE;
  return gst_pad_push (self->srcpad, buf);
}

/* sends every complete window centred before end (NONE: any) */
static GstFlowReturn
gst_ego_melspec_send_ready (GstEgoMelspec * self, GstClockTime end)
{
  GstFlowReturn ret = GST_FLOW_OK;

  while (ret == GST_FLOW_OK) {
    long j0 = gst_ego_melspec_window_first (self, self->next_window);

    if (j0 + self->s.window_frames > ego_mel_stream_next_frame (self->stream))
      break;
    if (GST_CLOCK_TIME_IS_VALID (end)
        && gst_ego_melspec_window_time (self, self->next_window) >= end)
      break;
    ret = gst_ego_melspec_send_window (self, j0);
  }
  return ret;
}

/* pushes n mono samples into the spectrogram, sending each window as soon
 * as it is complete: the stream keeps only one window's frames */
static GstFlowReturn
gst_ego_melspec_push_mono (GstEgoMelspec * self, guint n, GstClockTime end)
{
  GstFlowReturn ret = GST_FLOW_OK;

  for (guint done = 0; done < n && ret == GST_FLOW_OK;) {
    done += ego_mel_stream_push (self->stream, self->mono + done, n - done);
    ret = gst_ego_melspec_send_ready (self, end);
  }
  return ret;
}

/* the windows centred before the end of the audio so far, completed with
 * silence */
static GstFlowReturn
gst_ego_melspec_drain (GstEgoMelspec * self)
{
  GstClockTime end;
  GstFlowReturn ret = GST_FLOW_OK;

  if (!self->started)
    return GST_FLOW_OK;
  end = gst_ego_melspec_end_time (self);
  GST_DEBUG_OBJECT (self, "draining up to %" GST_TIME_FORMAT,
      GST_TIME_ARGS (end));
  memset (self->mono, 0, sizeof (float) * self->s.hop);
  while (ret == GST_FLOW_OK
      && gst_ego_melspec_window_time (self, self->next_window) < end)
    ret = gst_ego_melspec_push_mono (self, self->s.hop, end);
  self->started = FALSE;
  self->resume = end;
  return ret;
}

/* audio in */

/* n frames of interleaved input to mono floats in -1..1 */
static void
gst_ego_melspec_downmix (GstEgoMelspec * self, const guint8 * in, guint n)
{
  const gint channels = GST_AUDIO_INFO_CHANNELS (&self->info);
  const gboolean f32 = GST_AUDIO_INFO_FORMAT (&self->info) ==
      GST_AUDIO_FORMAT_F32LE;
  const gfloat scale = (f32 ? 1.0f : 1.0f / 32768.0f) / channels;

  for (guint i = 0; i < n; i++) {
    gfloat sum = 0.0f;
    for (gint c = 0; c < channels; c++, in += f32 ? 4 : 2)
      sum += f32 ? GST_READ_FLOAT_LE (in) : (gint16) GST_READ_UINT16_LE (in);
    self->mono[i] = sum * scale;
  }
}

/* Audio (or a gap) at pts, NONE if untimed, follows what came so far
 * unless discont or its time is away from where that ended; otherwise the
 * windows of the audio so far go out and a new timeline starts at pts
 * (untimed: where the audio so far ended, or the segment's start). */
static GstFlowReturn
gst_ego_melspec_continue_at (GstEgoMelspec * self, GstClockTime pts,
    gboolean discont)
{
  GstClockTime expected;
  GstFlowReturn ret;

  if (self->started) {
    expected = gst_ego_melspec_end_time (self);
    if (!discont && (!GST_CLOCK_TIME_IS_VALID (pts)
            || (pts + DISCONT_TOLERANCE >= expected
                && pts <= expected + DISCONT_TOLERANCE)))
      return GST_FLOW_OK;
    GST_DEBUG_OBJECT (self, "discontinuity: %" GST_TIME_FORMAT " after %"
        GST_TIME_FORMAT, GST_TIME_ARGS (pts), GST_TIME_ARGS (expected));
    if ((ret = gst_ego_melspec_drain (self)) != GST_FLOW_OK)
      return ret;
  }
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    pts = GST_CLOCK_TIME_IS_VALID (self->resume) ? self->resume :
        self->segment.start;
  gst_ego_melspec_restart (self, pts);
  return GST_FLOW_OK;
}

/* A gap is silence: its windows go out as they would for silent audio
 * (a live source that goes quiet with GAP events still gives windows). */
static GstFlowReturn
gst_ego_melspec_gap (GstEgoMelspec * self, GstClockTime ts, GstClockTime dur)
{
  guint64 n = gst_util_uint64_scale_round (dur, self->info.rate, GST_SECOND);
  GstFlowReturn ret = gst_ego_melspec_continue_at (self, ts, FALSE);

  memset (self->mono, 0, sizeof (float) * self->s.hop);
  while (n > 0 && ret == GST_FLOW_OK) {
    guint m = (guint) MIN (n, (guint64) self->s.hop);
    ret = gst_ego_melspec_push_mono (self, m, GST_CLOCK_TIME_NONE);
    n -= m;
  }
  return ret;
}

static GstFlowReturn
gst_ego_melspec_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstEgoMelspec *self = GST_EGO_MELSPEC (parent);
  const gint bpf = GST_AUDIO_INFO_BPF (&self->info);
  GstFlowReturn ret;
  GstMapInfo map;

  if (self->stream == NULL)
    goto not_negotiated;
  if ((ret = gst_ego_melspec_continue_at (self, GST_BUFFER_PTS (buf),
              GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT)))
      != GST_FLOW_OK)
    goto done;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  for (gsize pos = 0; pos + bpf <= map.size && ret == GST_FLOW_OK;) {
    guint n = MIN ((map.size - pos) / bpf, (gsize) self->s.hop);
    gst_ego_melspec_downmix (self, map.data + pos, n);
    ret = gst_ego_melspec_push_mono (self, n, GST_CLOCK_TIME_NONE);
    pos += n * (gsize) bpf;
  }
  gst_buffer_unmap (buf, &map);
done:
  gst_buffer_unref (buf);
  return ret;

  /* ERRORS */
not_negotiated:
  {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("audio arrived before caps"));
    gst_buffer_unref (buf);
    return GST_FLOW_NOT_NEGOTIATED;
  }
}

/* caps */

static void
gst_ego_melspec_free_spec (GstEgoMelspec * self)
{
  g_clear_pointer (&self->stream, ego_mel_stream_free);
  g_clear_pointer (&self->mel, ego_melspec_free);
  g_clear_pointer (&self->fft, gst_fft_f32_free);
  g_clear_pointer (&self->mono, g_free);
  self->started = FALSE;
  GST_OBJECT_LOCK (self);
  self->latency = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (self);
}

/* a window goes out once its last frame's audio is in: half a window
 * (and half a hop) plus half an FFT after its centre */
static GstClockTime
gst_ego_melspec_latency (GstEgoMelspec * self)
{
  guint64 samples = (guint64) self->s.window_frames * self->s.hop / 2 +
      self->s.n_fft / 2;

  return gst_util_uint64_scale_ceil (samples, GST_SECOND, self->info.rate);
}

/* the spectrogram for the settings and the audio's rate */
static gboolean
gst_ego_melspec_build (GstEgoMelspec * self, GError ** error)
{
  EgoMelspecConfig cfg;

  GST_OBJECT_LOCK (self);
  self->s = self->props;
  GST_OBJECT_UNLOCK (self);
  cfg.sample_rate = GST_AUDIO_INFO_RATE (&self->info);
  cfg.n_fft = self->s.n_fft;
  cfg.hop = self->s.hop;
  cfg.n_mels = self->s.n_mels;
  cfg.fmin = self->s.fmin;
  cfg.fmax = self->s.fmax > 0.0 ? self->s.fmax : cfg.sample_rate / 2.0;

  /* nothing of the settings before is kept, even on failure */
  gst_ego_melspec_free_spec (self);
  /* one window is one buffer: kept to what a machine surely has */
  if ((gint64) self->s.window_frames * self->s.n_mels > MAX_WINDOW_VALUES) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "a window of %d frames x %d mel bands is more than %d values",
        self->s.window_frames, self->s.n_mels, MAX_WINDOW_VALUES);
    return FALSE;
  }
  self->mel = ego_melspec_new (&cfg, gst_ego_melspec_fft, &self->fft, error);
  if (self->mel == NULL)
    return FALSE;
  self->fft = gst_fft_f32_new (cfg.n_fft, FALSE);
  self->stream = ego_mel_stream_new (self->mel, self->s.window_frames);
  self->mono = g_new0 (float, cfg.hop);
  GST_OBJECT_LOCK (self);
  self->latency = gst_ego_melspec_latency (self);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_ego_melspec_set_caps (GstEgoMelspec * self, GstCaps * caps)
{
  GError *error = NULL;
  GstAudioInfo info;
  GstCaps *out;
  gboolean ok;

  if (!gst_audio_info_from_caps (&info, caps))
    goto invalid_caps;
  if (self->stream != NULL) {
    if (gst_audio_info_is_equal (&info, &self->info))
      return TRUE;
    /* the windows of the audio so far go out with the old settings */
    if (gst_ego_melspec_drain (self) != GST_FLOW_OK)
      return FALSE;
  }
  self->info = info;
  if (!gst_ego_melspec_build (self, &error))
    goto invalid_settings;

  out = gst_caps_new_simple ("audio/x-ego-melspec",
      "mels", G_TYPE_INT, self->s.n_mels,
      "frames", G_TYPE_INT, self->s.window_frames,
      "rate", GST_TYPE_FRACTION, self->s.rate_n, self->s.rate_d, NULL);
  ok = gst_pad_set_caps (self->srcpad, out);
  gst_caps_unref (out);
  return ok;

  /* ERRORS */
invalid_caps:
  {
    GST_ERROR_OBJECT (self, "unusable caps %" GST_PTR_FORMAT, caps);
    return FALSE;
  }
invalid_settings:
  {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("Invalid spectrogram settings for this audio."), ("%s",
            error->message));
    g_error_free (error);
    return FALSE;
  }
}

/* events and queries */

static gboolean
gst_ego_melspec_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstEgoMelspec *self = GST_EGO_MELSPEC (parent);
  GstCaps *caps;
  gboolean ok;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      gst_event_parse_caps (event, &caps);
      ok = gst_ego_melspec_set_caps (self, caps);
      gst_event_unref (event);
      return ok;
    case GST_EVENT_SEGMENT:{
      GstSegment seg;
      gst_event_copy_segment (event, &seg);
      if (seg.format != GST_FORMAT_TIME) {
        /* raw audio from a file comes in bytes: the windows are timed */
        guint32 seqnum = gst_event_get_seqnum (event);
        gst_segment_init (&seg, GST_FORMAT_TIME);
        gst_event_unref (event);
        event = gst_event_new_segment (&seg);
        gst_event_set_seqnum (event, seqnum);
      }
      /* the same segment again leaves the audio running; another one gets
       * the windows of the segment so far first */
      if (!gst_segment_is_equal (&seg, &self->segment)) {
        gst_ego_melspec_drain (self);
        self->resume = GST_CLOCK_TIME_NONE;
        self->segment = seg;
      }
      break;
    }
    case GST_EVENT_GAP:{
      GstClockTime ts, dur;
      gst_event_parse_gap (event, &ts, &dur);
      if (self->stream == NULL || !GST_CLOCK_TIME_IS_VALID (ts)
          || !GST_CLOCK_TIME_IS_VALID (dur))
        break;
      gst_event_unref (event);
      return gst_ego_melspec_gap (self, ts, dur) == GST_FLOW_OK;
    }
    case GST_EVENT_FLUSH_STOP:
      gst_ego_melspec_reset (self);
      break;
    case GST_EVENT_EOS:
      gst_ego_melspec_drain (self);
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
gst_ego_melspec_src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstEgoMelspec *self = GST_EGO_MELSPEC (parent);
  GstClockTime min, max, ours;
  gboolean live;

  if (GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return gst_pad_query_default (pad, parent, query);
  GST_OBJECT_LOCK (self);
  ours = self->latency;
  GST_OBJECT_UNLOCK (self);
  if (!GST_CLOCK_TIME_IS_VALID (ours))
    return gst_pad_query_default (pad, parent, query);
  if (!gst_pad_peer_query (self->sinkpad, query))
    return FALSE;
  gst_query_parse_latency (query, &live, &min, &max);
  GST_DEBUG_OBJECT (self, "adding %" GST_TIME_FORMAT " of latency",
      GST_TIME_ARGS (ours));
  min += ours;
  if (GST_CLOCK_TIME_IS_VALID (max))
    max += ours;
  gst_query_set_latency (query, live, min, max);
  return TRUE;
}

static GstStateChangeReturn
gst_ego_melspec_change_state (GstElement * element, GstStateChange transition)
{
  GstEgoMelspec *self = GST_EGO_MELSPEC (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    gst_ego_melspec_reset (self);
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  /* stop(): the streaming thread is gone once the pads are deactivated */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    gst_ego_melspec_free_spec (self);
    gst_audio_info_init (&self->info);
    gst_ego_melspec_reset (self);
  }
  return ret;
}

/* GObject */

static void
gst_ego_melspec_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstEgoMelspec *self = GST_EGO_MELSPEC (object);
  gboolean known;

  GST_OBJECT_LOCK (self);
  known = gst_ego_melspec_settings_set (&self->props, prop_id, value);
  GST_OBJECT_UNLOCK (self);
  if (!known)
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_ego_melspec_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstEgoMelspec *self = GST_EGO_MELSPEC (object);
  gboolean known;

  GST_OBJECT_LOCK (self);
  known = gst_ego_melspec_settings_get (&self->props, prop_id, value);
  GST_OBJECT_UNLOCK (self);
  if (!known)
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_ego_melspec_class_init (GstEgoMelspecClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_ego_melspec_debug, "egomelspec", 0,
      "Log-mel spectrogram windows");

  gobject_class->set_property = gst_ego_melspec_set_property;
  gobject_class->get_property = gst_ego_melspec_get_property;
  gst_ego_melspec_install_properties (gobject_class);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Log-mel spectrogram windows", "Filter/Analyzer/Audio",
      "Turns audio into log-mel spectrogram windows centred on each video "
      "frame's time", "gst-ego");

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_ego_melspec_change_state);
}

static void
gst_ego_melspec_init (GstEgoMelspec * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_ego_melspec_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_ego_melspec_sink_event));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_query_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_ego_melspec_src_query));
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  gst_ego_melspec_settings_init (&self->props);
  gst_audio_info_init (&self->info);
  self->latency = GST_CLOCK_TIME_NONE;
  gst_ego_melspec_reset (self);
}
