/* gst-ego: a video file's audio track as frames, one log-mel spectrogram
 * window per video frame (egovideoreader.h, EGO_VIDEO_READER_AUDIO).
 *
 * The sub-pipeline:
 *
 *   uridecodebin ! audioconvert ! audioresample !
 *       audio/x-raw,format=F32LE,rate=16000,channels=1 !
 *       egomelspec rate=<the video's frame rate> ! appsink
 *   uridecodebin's video ! fakesink        (frames counted, nothing else)
 *
 * The frame rate is probed beforehand with GstDiscoverer (the video
 * stream's caps), because egomelspec reads its rate when its caps arrive.
 * Its k-th window is centred on k / rate, the time of the video's frame
 * k + 1 when the video starts at 0 with a constant rate; that window is
 * handed out as frame number k + 1, drawn by egomelframes.h.
 *
 * The frames are exactly the video's, 1 .. N in the order decoded: the
 * video track is decoded too, only to count N. Windows past frame N (an
 * AAC track outlasts its video by its last packet's padding) are dropped;
 * frames without a window (audio that starts late or ends early) are
 * silence, all level 0. Frames are handed out no faster than the video's
 * are decoded, so that the count is known by the time it matters. */
#include "egovideoreader-private.h"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <string.h>

#include "egomelframes.h"

/* egomelspec's defaults, spelled out: 16 kHz, 25 ms FFT, 10 ms hop, 64
 * mels; 128 hops make a window of 1.28 s, about one action of the
 * synthetic kitchen */
#define AUDIO_RATE 16000
#define N_FFT 400
#define HOP 160
#define N_MELS 64
#define WINDOW_FRAMES 128

struct _EgoReaderAudio
{
  gint rate_n, rate_d;          /* the video's frame rate */
  GstVideoInfo out;             /* the frames handed out */
  EgoMelFrames *draw;           /* made when the first window's caps come */
  GstBuffer *pending;           /* a window pulled, not yet handed out */
  gint pending_number;          /* the frame number it is centred on */
  gint next_number;
  gboolean audio_done;
  /* the video track, counted by a pad probe in its streaming thread */
  GMutex lock;
  GCond cond;
  gboolean audio_linked;        /* the audio track reached the chain */
  gboolean video_counted;       /* a video stream has its counter */
  gint video_frames;
  gboolean video_done;
};

void
ego_reader_audio_free (EgoReaderAudio * a)
{
  if (a == NULL)
    return;
  ego_mel_frames_free (a->draw);
  gst_clear_buffer (&a->pending);
  g_mutex_clear (&a->lock);
  g_cond_clear (&a->cond);
  g_free (a);
}

/* The frame rate of the video stream; errors when there is no audio. */
static gboolean
probe_rate (const gchar * path, gint * rate_n, gint * rate_d, GError ** error)
{
  GstDiscovererInfo *info = ego_video_discover (path, error);
  GList *videos, *audios;
  gboolean ok = FALSE;
  if (info == NULL)
    return FALSE;
  videos = gst_discoverer_info_get_video_streams (info);
  audios = gst_discoverer_info_get_audio_streams (info);
  if (audios == NULL) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_WRONG_TYPE,
        "no audio track: the audio modality needs one");
  } else if (videos == NULL) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_WRONG_TYPE,
        "no video stream to take the frame rate from");
  } else {
    *rate_n = (gint) gst_discoverer_video_info_get_framerate_num
        (videos->data);
    *rate_d = (gint) gst_discoverer_video_info_get_framerate_denom
        (videos->data);
    ok = *rate_n > 0 && *rate_d > 0;
    if (!ok)
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
          "the video has no constant frame rate to place audio windows on");
  }
  gst_discoverer_stream_info_list_free (videos);
  gst_discoverer_stream_info_list_free (audios);
  gst_discoverer_info_unref (info);
  return ok;
}

/* audioconvert ! audioresample ! capsfilter ! egomelspec ! appsink;
 * returns the chain's first element. */
static GstElement *
add_audio_chain (EgoVideoReader * r, GError ** error)
{
  const gchar *names[] = { "audioconvert", "audioresample", "capsfilter",
    "egomelspec", "appsink"
  };
  GstElement *e[G_N_ELEMENTS (names)];
  GstCaps *caps;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    e[i] = ego_video_reader_make (names[i], error);
    if (e[i] == NULL) {
      for (guint j = 0; j < i; j++)
        gst_object_unref (e[j]);
      return NULL;
    }
  }
  caps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING, "F32LE",
      "rate", G_TYPE_INT, AUDIO_RATE, "channels", G_TYPE_INT, 1, NULL);
  g_object_set (e[2], "caps", caps, NULL);
  gst_caps_unref (caps);
  g_object_set (e[3], "rate", r->audio->rate_n, r->audio->rate_d, "n-fft",
      N_FFT, "hop", HOP, "n-mels", N_MELS, "window-frames", WINDOW_FRAMES,
      NULL);
  g_object_set (e[4], "sync", FALSE, "max-buffers", 4, "drop", FALSE,
      "enable-last-sample", FALSE, NULL);
  gst_bin_add_many (GST_BIN (r->pipeline), e[0], e[1], e[2], e[3], e[4],
      NULL);
  gst_element_link_many (e[0], e[1], e[2], e[3], e[4], NULL);
  r->scale = e[0];
  r->sink = e[4];
  return e[0];
}

/* Counts the video's frames and notes its end. */
static GstPadProbeReturn
count_video (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  EgoReaderAudio *a = data;
  g_mutex_lock (&a->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    a->video_frames++;
  else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    a->video_frames += gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST
        (info));
  else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    a->video_done = TRUE;
  g_cond_broadcast (&a->cond);
  g_mutex_unlock (&a->lock);
  return GST_PAD_PROBE_OK;
}

/* A fakesink for a stream nobody reads; the first video stream's frames
 * are counted. */
static void
add_fakesink (EgoVideoReader * r, GstPad * pad, gboolean count)
{
  GstElement *fake = gst_element_factory_make ("fakesink", NULL);
  GstPad *fpad;
  g_object_set (fake, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (r->pipeline), fake);
  fpad = gst_element_get_static_pad (fake, "sink");
  if (count)
    gst_pad_add_probe (fpad, GST_PAD_PROBE_TYPE_BUFFER |
        GST_PAD_PROBE_TYPE_BUFFER_LIST | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        count_video, r->audio, NULL);
  gst_element_sync_state_with_parent (fake);
  gst_pad_link (pad, fpad);
  gst_object_unref (fpad);
}

static void
on_pad_added (GstElement * decoder, GstPad * pad, gpointer data)
{
  EgoVideoReader *r = data;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  const gchar *name = caps ? gst_structure_get_name
      (gst_caps_get_structure (caps, 0)) : "";
  GstPad *sink = gst_element_get_static_pad (r->scale, "sink");
  if (g_str_has_prefix (name, "audio/") && !gst_pad_is_linked (sink)) {
    gboolean linked = gst_pad_link (pad, sink) == GST_PAD_LINK_OK;
    g_mutex_lock (&r->audio->lock);
    r->audio->audio_linked = linked;
    g_mutex_unlock (&r->audio->lock);
  } else {
    gboolean first_video = FALSE;
    g_mutex_lock (&r->audio->lock);
    if (g_str_has_prefix (name, "video/") && !r->audio->video_counted)
      first_video = r->audio->video_counted = TRUE;
    g_mutex_unlock (&r->audio->lock);
    add_fakesink (r, pad, first_video);
  }
  gst_object_unref (sink);
  if (caps)
    gst_caps_unref (caps);
}

EgoVideoReader *
ego_video_reader_new_audio (const gchar * path, gint width, gint height,
    GError ** error)
{
  EgoVideoReader *r;
  EgoReaderAudio *a = g_new0 (EgoReaderAudio, 1);
  GstElement *dec;
  gchar *uri;
  g_mutex_init (&a->lock);
  g_cond_init (&a->cond);
  a->next_number = 1;
  gst_video_info_set_format (&a->out, GST_VIDEO_FORMAT_RGB, width, height);
  if (!probe_rate (path, &a->rate_n, &a->rate_d, error)
      || (uri = gst_filename_to_uri (path, error)) == NULL) {
    ego_reader_audio_free (a);
    return NULL;
  }
  r = g_new0 (EgoVideoReader, 1);
  r->audio = a;
  r->rate_n = a->rate_n;
  r->rate_d = a->rate_d;
  r->pipeline = gst_pipeline_new ("ego-audio-reader");
  dec = ego_video_reader_make ("uridecodebin", error);
  if (dec == NULL || add_audio_chain (r, error) == NULL) {
    g_free (uri);
    ego_video_reader_free (r);
    return NULL;
  }
  g_object_set (dec, "uri", uri, NULL);
  g_free (uri);
  gst_bin_add (GST_BIN (r->pipeline), dec);
  g_signal_connect (dec, "pad-added", G_CALLBACK (on_pad_added), r);
  return ego_video_reader_start (r, error);
}

/* Pulls the next window into a->pending, or notes the end of the audio:
 * FRAME; CANCELLED when neither came within the poll time; ERROR when the
 * video ended and no audio was ever decoded (no decoder for it). */
static EgoReadResult
pull_window (EgoVideoReader * r, GError ** error)
{
  EgoReaderAudio *a = r->audio;
  GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (r->sink),
      EGO_READER_POLL_TIME);
  GstBuffer *buf;
  gboolean undecoded;
  if (sample == NULL) {
    a->audio_done = gst_app_sink_is_eos (GST_APP_SINK (r->sink));
    g_mutex_lock (&a->lock);
    undecoded = a->video_done && !a->audio_linked;
    g_mutex_unlock (&a->lock);
    if (!a->audio_done && undecoded)
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_CODEC_NOT_FOUND,
          "the audio track cannot be decoded");
    return a->audio_done ? EGO_READ_FRAME : undecoded ? EGO_READ_ERROR :
        EGO_READ_CANCELLED;
  }
  if (a->draw == NULL) {
    GstStructure *s = gst_caps_get_structure (gst_sample_get_caps (sample), 0);
    gint mels = N_MELS, frames = WINDOW_FRAMES;
    gst_structure_get_int (s, "mels", &mels);
    gst_structure_get_int (s, "frames", &frames);
    a->draw = ego_mel_frames_new (mels, frames, GST_VIDEO_INFO_WIDTH
        (&a->out), GST_VIDEO_INFO_HEIGHT (&a->out));
  }
  buf = gst_sample_get_buffer (sample);
  /* window k is centred on k / rate: frame k + 1 */
  a->pending_number = 1 + (gint) gst_util_uint64_scale_round
      (GST_BUFFER_PTS (buf), a->rate_n, (guint64) a->rate_d * GST_SECOND);
  a->pending = gst_buffer_ref (buf);
  gst_sample_unref (sample);
  return EGO_READ_FRAME;
}

/* Frame n: the window (NULL: silence) drawn as an image. */
static GstBuffer *
draw_frame (EgoReaderAudio * a, GstBuffer * window, gint n)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, a->out.size, NULL);
  GstMapInfo in, out;
  gst_buffer_map (buf, &out, GST_MAP_WRITE);
  if (window && gst_buffer_map (window, &in, GST_MAP_READ)) {
    ego_mel_frames_draw (a->draw, (const gfloat *) in.data, out.data,
        GST_VIDEO_INFO_PLANE_STRIDE (&a->out, 0));
    gst_buffer_unmap (window, &in);
  } else {
    memset (out.data, ego_mel_frames_level (EGO_MEL_FRAME_LOW), out.size);
  }
  gst_buffer_unmap (buf, &out);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale (n - 1,
      (guint64) a->rate_d * GST_SECOND, a->rate_n);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale (1,
      (guint64) a->rate_d * GST_SECOND, a->rate_n);
  return buf;
}

/* How far the video is: FRAME when frame n exists, END when the video
 * ended before it, CANCELLED (to be polled again) when not yet known,
 * ERROR when the sound ended and no video was ever decoded. */
static EgoReadResult
video_has_frame (EgoReaderAudio * a, gint n, GError ** error)
{
  EgoReadResult res;
  gint64 until = g_get_monotonic_time () +
      EGO_READER_POLL_TIME / GST_USECOND;
  g_mutex_lock (&a->lock);
  while (!a->video_done && a->video_frames < n
      && g_cond_wait_until (&a->cond, &a->lock, until));
  res = a->video_frames >= n ? EGO_READ_FRAME :
      a->video_done ? EGO_READ_END : EGO_READ_CANCELLED;
  if (res == EGO_READ_CANCELLED && a->audio_done && !a->video_counted) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_CODEC_NOT_FOUND,
        "the video track cannot be decoded to number the frames");
    res = EGO_READ_ERROR;
  }
  g_mutex_unlock (&a->lock);
  return res;
}

EgoReadResult
ego_video_reader_next_audio (EgoVideoReader * r, GstBuffer ** buf,
    gint * frame, GError ** error)
{
  EgoReaderAudio *a = r->audio;
  for (;;) {
    gint n = a->next_number;
    EgoReadResult video, audio = EGO_READ_FRAME;
    if (g_atomic_int_get (&r->cancelled))
      return EGO_READ_CANCELLED;
    if (ego_video_reader_bus_error (r, error))
      return EGO_READ_ERROR;
    if (a->pending == NULL && !a->audio_done)
      audio = pull_window (r, error);
    if (audio == EGO_READ_ERROR)
      return EGO_READ_ERROR;
    if (audio != EGO_READ_FRAME)
      continue;
    if (a->pending && a->pending_number < n) {
      gst_clear_buffer (&a->pending);   /* a window seen already */
      continue;
    }
    video = video_has_frame (a, n, error);
    if (video == EGO_READ_ERROR)
      return EGO_READ_ERROR;
    if (video == EGO_READ_END)
      return ego_video_reader_bus_error (r, error) ? EGO_READ_ERROR :
          EGO_READ_END;
    if (video != EGO_READ_FRAME)
      continue;
    if (a->pending && a->pending_number == n) {
      *buf = draw_frame (a, a->pending, n);
      gst_clear_buffer (&a->pending);
    } else {
      /* no window centred here: the audio starts later or ended */
      *buf = draw_frame (a, NULL, n);
    }
    *frame = n;
    a->next_number++;
    r->index++;
    return EGO_READ_FRAME;
  }
}
