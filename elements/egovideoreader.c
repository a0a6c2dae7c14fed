/* gst-ego: the private decoder behind egodatasetsrc, see egovideoreader.h;
 * the audio track's frames are in egovideoreader-audio.c. */
#include "egovideoreader-private.h"

#include <gst/app/gstappsink.h>
#include <gst/ego/ego.h>
#include <stdlib.h>
#include <string.h>

/* folder frames carry their index in the list as timestamp, in this unit */
#define INDEX_UNIT GST_MSECOND

static GstElement *
make (const gchar * factory, GError ** error)
{
  GstElement *e = gst_element_factory_make (factory, NULL);
  if (e == NULL)
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "the GStreamer element %s is missing", factory);
  return e;
}

GstElement *
ego_video_reader_make (const gchar * factory, GError ** error)
{
  return make (factory, error);
}

static void
setup_sink (GstElement * sink)
{
  g_object_set (sink, "sync", FALSE, "max-buffers", 4, "drop", FALSE,
      "enable-last-sample", FALSE, NULL);
}

static gint
compare_int (gconstpointer a, gconstpointer b)
{
  gint x = *(const gint *) a, y = *(const gint *) b;
  return (x > y) - (x < y);
}

/* Before the modality's element: the frames nobody needs are flagged
 * DROPPABLE, so that egoflow keeps them as the previous frame of the next
 * one without computing their own motion. Frames are numbered as next()
 * numbers them, in the decoder's order. */
static GstPadProbeReturn
mark_unneeded (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  EgoVideoReader *r = data;
  gint frame = ++r->filtered;
  GstBuffer *buf;
  if (bsearch (&frame, r->needed, r->n_needed, sizeof (gint), compare_int))
    return GST_PAD_PROBE_OK;
  buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DROPPABLE);
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  return GST_PAD_PROBE_OK;
}

static void
watch_needed (EgoVideoReader * r, GstElement * modality)
{
  GstPad *pad;
  if (r->needed == NULL)
    return;
  pad = gst_element_get_static_pad (modality, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, mark_unneeded, r, NULL);
  gst_object_unref (pad);
}

/* videoscale ! videoconvert [! modality] ! capsfilter ! appsink, scaling
 * first so that only small frames are converted; returns the chain's first
 * element. */
static GstElement *
add_output_chain (EgoVideoReader * r, gint width, gint height,
    const gchar * modality, GError ** error)
{
  GstElement *scale = make ("videoscale", error);
  GstElement *convert = scale ? make ("videoconvert", error) : NULL;
  GstElement *mod = convert && modality ? make (modality, error) : NULL;
  GstElement *filter = convert && (mod || !modality) ?
      make ("capsfilter", error) : NULL;
  GstElement *sink = filter ? make ("appsink", error) : NULL;
  GstCaps *caps;
  if (sink == NULL) {
    g_clear_object (&scale);
    g_clear_object (&convert);
    g_clear_object (&mod);
    g_clear_object (&filter);
    return NULL;
  }
  /* multi-tap bilinear filters large reductions instead of skipping
   * pixels; frames of another aspect are stretched, not letterboxed */
  g_object_set (scale, "method", 4, "add-borders", FALSE, NULL);
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGB",
      "width", G_TYPE_INT, width, "height", G_TYPE_INT, height, NULL);
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  setup_sink (sink);
  gst_bin_add_many (GST_BIN (r->pipeline), scale, convert, filter, sink, NULL);
  if (mod) {
    gst_bin_add (GST_BIN (r->pipeline), mod);
    gst_element_link_many (scale, convert, mod, filter, sink, NULL);
    watch_needed (r, mod);
  } else {
    gst_element_link_many (scale, convert, filter, sink, NULL);
  }
  r->scale = scale;
  r->sink = sink;
  return scale;
}

/* videoscale ! videoconvert ! capsfilter ! tee, the tee into an appsink
 * for the pictures and through egoflow into another for their flow:
 * egoflow sees the RGB frames that the flow modality gives it, so each
 * frame's flow is that modality's frame. */
static GstElement *
add_rgbflow_chain (EgoVideoReader * r, gint width, gint height,
    GError ** error)
{
  static const gchar *const factories[] = { "videoscale", "videoconvert",
    "capsfilter", "tee", "queue", "appsink", "queue", "egoflow", "appsink"
  };
  GstElement *e[G_N_ELEMENTS (factories)];
  GstCaps *caps;
  guint n;
  for (n = 0; n < G_N_ELEMENTS (factories); n++)
    if ((e[n] = make (factories[n], error)) == NULL)
      break;
  if (n < G_N_ELEMENTS (factories)) {
    while (n-- > 0)
      gst_object_unref (e[n]);
    return NULL;
  }
  g_object_set (e[0], "method", 4, "add-borders", FALSE, NULL);
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGB",
      "width", G_TYPE_INT, width, "height", G_TYPE_INT, height, NULL);
  g_object_set (e[2], "caps", caps, NULL);
  gst_caps_unref (caps);
  setup_sink (e[5]);
  setup_sink (e[8]);
  for (n = 0; n < G_N_ELEMENTS (factories); n++)
    gst_bin_add (GST_BIN (r->pipeline), e[n]);
  gst_element_link_many (e[0], e[1], e[2], e[3], e[4], e[5], NULL);
  gst_element_link_many (e[3], e[6], e[7], e[8], NULL);
  watch_needed (r, e[7]);
  r->scale = e[0];
  r->sink = e[5];
  r->flow_sink = e[8];
  return e[0];
}

/* an error on the reader's bus, where next() finds it */
static void
post_stream_error (GstElement * decoder, const gchar * text)
{
  GError *err = g_error_new_literal (GST_STREAM_ERROR,
      GST_STREAM_ERROR_WRONG_TYPE, text);

  gst_element_post_message (decoder,
      gst_message_new_error (GST_OBJECT (decoder), err, NULL));
  g_error_free (err);
}

static void
on_pad_added (GstElement * decoder, GstPad * pad, gpointer data)
{
  EgoVideoReader *r = data;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  const gchar *name = caps ? gst_structure_get_name
      (gst_caps_get_structure (caps, 0)) : "";
  GstPad *sink = gst_element_get_static_pad (r->scale, "sink");
  if (!g_str_has_prefix (name, "video/") || gst_pad_is_linked (sink)) {
    /* audio and further streams are decoded into nothing: an unlinked
     * pad would stop the video with not-linked */
    GstElement *fake = gst_element_factory_make ("fakesink", NULL);
    GstPad *fpad;
    g_object_set (fake, "sync", FALSE, "async", FALSE, NULL);
    gst_bin_add (GST_BIN (r->pipeline), fake);
    gst_element_sync_state_with_parent (fake);
    fpad = gst_element_get_static_pad (fake, "sink");
    gst_pad_link (pad, fpad);
    gst_object_unref (fpad);
  } else if (GST_PAD_LINK_FAILED (gst_pad_link (pad, sink))) {
    post_stream_error (decoder, "its video stream cannot be scaled");
  }
  gst_object_unref (sink);
  if (caps)
    gst_caps_unref (caps);
}

/* every stream is there: without a video stream the frames' sink would
 * wait for ever */
static void
on_no_more_pads (GstElement * decoder, gpointer data)
{
  EgoVideoReader *r = data;
  GstPad *sink = gst_element_get_static_pad (r->scale, "sink");

  if (!gst_pad_is_linked (sink))
    post_stream_error (decoder, "no video stream");
  gst_object_unref (sink);
}

EgoVideoReader *
ego_video_reader_start (EgoVideoReader * r, GError ** error)
{
  r->bus = gst_element_get_bus (r->pipeline);
  if (gst_element_set_state (r->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    GError *err = NULL;
    GstMessage *msg = gst_bus_pop_filtered (r->bus, GST_MESSAGE_ERROR);
    if (msg)
      gst_message_parse_error (msg, &err, NULL);
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
        "cannot start decoding: %s", err ? err->message : "unknown error");
    g_clear_error (&err);
    if (msg)
      gst_message_unref (msg);
    ego_video_reader_free (r);
    return NULL;
  }
  return r;
}

EgoVideoReader *
ego_video_reader_new_file (const gchar * path, gint width, gint height,
    const gchar * filter, const gint * needed, guint n_needed,
    GError ** error)
{
  EgoVideoReader *r;
  GstElement *dec;
  gchar *uri;
  if (g_strcmp0 (filter, EGO_VIDEO_READER_AUDIO) == 0)
    return ego_video_reader_new_audio (path, width, height, error);
  r = g_new0 (EgoVideoReader, 1);
  if (needed) {
    r->needed = g_memdup2 (needed, sizeof (gint) * n_needed);
    r->n_needed = n_needed;
  }
  uri = gst_filename_to_uri (path, error);
  if (uri == NULL) {
    g_free (r);
    return NULL;
  }
  r->pipeline = gst_pipeline_new ("ego-video-reader");
  dec = make ("uridecodebin", error);
  if (dec == NULL || (g_strcmp0 (filter, EGO_VIDEO_READER_RGBFLOW) == 0 ?
          add_rgbflow_chain (r, width, height, error) :
          add_output_chain (r, width, height, filter, error)) == NULL) {
    g_free (uri);
    ego_video_reader_free (r);
    return NULL;
  }
  g_object_set (dec, "uri", uri, NULL);
  g_free (uri);
  gst_bin_add (GST_BIN (r->pipeline), dec);
  g_signal_connect (dec, "pad-added", G_CALLBACK (on_pad_added), r);
  g_signal_connect (dec, "no-more-pads", G_CALLBACK (on_no_more_pads), r);
  return ego_video_reader_start (r, error);
}

gchar *
ego_video_frame_path (const gchar * dir, gint frame)
{
  gchar name[32];
  g_snprintf (name, sizeof (name), "frame_%010d.jpg", frame);
  return g_build_filename (dir, name, NULL);
}

/* appsrc asks for data: the next file of the list, or the end. */
static void
on_need_data (GstElement * src, guint length, gpointer data)
{
  EgoVideoReader *r = data;
  GstFlowReturn ret;
  GstBuffer *buf;
  gchar *path, *contents;
  gsize len;
  GError *err = NULL;
  if (r->pushed >= r->n_frames) {
    g_signal_emit_by_name (src, "end-of-stream", &ret);
    return;
  }
  path = ego_video_frame_path (r->dir, r->frames[r->pushed]);
  if (!g_file_get_contents (path, &contents, &len, &err)) {
    GST_ELEMENT_ERROR (src, RESOURCE, READ, ("Could not read \"%s\".", path),
        ("%s", err->message));
    g_error_free (err);
    g_free (path);
    return;
  }
  g_free (path);
  buf = gst_buffer_new_wrapped (contents, len);
  GST_BUFFER_PTS (buf) = r->pushed * INDEX_UNIT;
  GST_BUFFER_DURATION (buf) = INDEX_UNIT;
  r->pushed++;
  g_signal_emit_by_name (src, "push-buffer", buf, &ret);
  gst_buffer_unref (buf);
}

EgoVideoReader *
ego_video_reader_new_frames (const gchar * dir, const gint * frames,
    guint n_frames, gint width, gint height, GError ** error)
{
  EgoVideoReader *r = g_new0 (EgoVideoReader, 1);
  GstElement *src, *dec;
  GstCaps *caps;
  r->dir = g_strdup (dir);
  r->frames = g_memdup2 (frames, sizeof (gint) * n_frames);
  r->n_frames = n_frames;
  r->pipeline = gst_pipeline_new ("ego-frame-reader");
  src = make ("appsrc", error);
  dec = src ? make ("jpegdec", error) : NULL;
  if (dec == NULL || add_output_chain (r, width, height, NULL, error) == NULL) {
    g_clear_object (&src);
    g_clear_object (&dec);
    ego_video_reader_free (r);
    return NULL;
  }
  caps = gst_caps_new_simple ("image/jpeg", "framerate", GST_TYPE_FRACTION,
      0, 1, NULL);
  g_object_set (src, "caps", caps, "format", GST_FORMAT_TIME, NULL);
  gst_caps_unref (caps);
  g_signal_connect (src, "need-data", G_CALLBACK (on_need_data), r);
  gst_bin_add_many (GST_BIN (r->pipeline), src, dec, NULL);
  gst_element_link_many (src, dec, r->scale, NULL);
  return ego_video_reader_start (r, error);
}

void
ego_video_reader_free (EgoVideoReader * r)
{
  if (r == NULL)
    return;
  if (r->pipeline) {
    gst_element_set_state (r->pipeline, GST_STATE_NULL);
    gst_object_unref (r->pipeline);
  }
  if (r->bus)
    gst_object_unref (r->bus);
  ego_reader_audio_free (r->audio);
  g_free (r->dir);
  g_free (r->frames);
  g_free (r->needed);
  g_free (r);
}

void
ego_video_reader_set_cancelled (EgoVideoReader * r, gboolean cancelled)
{
  g_atomic_int_set (&r->cancelled, cancelled ? 1 : 0);
}

gboolean
ego_video_reader_bus_error (EgoVideoReader * r, GError ** error)
{
  GstMessage *msg = gst_bus_pop_filtered (r->bus, GST_MESSAGE_ERROR);
  GError *err = NULL;
  gchar *dbg = NULL;
  if (msg == NULL)
    return FALSE;
  gst_message_parse_error (msg, &err, &dbg);
  g_set_error (error, err->domain, err->code, "%s%s%s%s", err->message,
      dbg ? " (" : "", dbg ? dbg : "", dbg ? ")" : "");
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
  return TRUE;
}

/* The frame number of a decoded buffer. */
static gint
frame_number (EgoVideoReader * r, GstBuffer * buf)
{
  if (r->frames) {
    guint64 k = GST_BUFFER_PTS_IS_VALID (buf) ?
        (GST_BUFFER_PTS (buf) + INDEX_UNIT / 2) / INDEX_UNIT : G_MAXUINT64;
    return k < r->n_frames ? r->frames[k] : -1;
  }
  return r->index + 1;
}

/* Blocks until sink has a sample: FRAME, END at its end of stream, or
 * ERROR or CANCELLED. */
static EgoReadResult
pull (EgoVideoReader * r, GstElement * sink, GstSample ** sample,
    GError ** error)
{
  for (;;) {
    if (g_atomic_int_get (&r->cancelled))
      return EGO_READ_CANCELLED;
    if (ego_video_reader_bus_error (r, error))
      return EGO_READ_ERROR;
    *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        EGO_READER_POLL_TIME);
    if (*sample)
      return EGO_READ_FRAME;
    if (gst_app_sink_is_eos (GST_APP_SINK (sink)))
      return ego_video_reader_bus_error (r, error) ? EGO_READ_ERROR :
          EGO_READ_END;
  }
}

/* rgbflow: egoflow's frame of the same picture onto buf. */
static EgoReadResult
attach_flow (EgoVideoReader * r, GstBuffer * buf, GError ** error)
{
  GstSample *sample = NULL;
  GstBuffer *flow;
  EgoReadResult res = pull (r, r->flow_sink, &sample, error);
  if (res == EGO_READ_END)
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
        "the optical flow ended before the pictures");
  if (res != EGO_READ_FRAME)
    return res == EGO_READ_END ? EGO_READ_ERROR : res;
  flow = gst_sample_get_buffer (sample);
  if (GST_BUFFER_PTS (flow) != GST_BUFFER_PTS (buf)) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
        "the optical flow of the frame at %" GST_TIME_FORMAT " came for "
        "the frame at %" GST_TIME_FORMAT, GST_TIME_ARGS (GST_BUFFER_PTS
            (buf)), GST_TIME_ARGS (GST_BUFFER_PTS (flow)));
    gst_sample_unref (sample);
    return EGO_READ_ERROR;
  }
  flow = gst_buffer_copy_deep (flow);
  gst_buffer_add_ego_flow_meta (buf, flow);
  gst_buffer_unref (flow);
  gst_sample_unref (sample);
  return EGO_READ_FRAME;
}

/* a video file's frame rate, from its first frame's caps */
static void
note_rate (EgoVideoReader * r, GstCaps * caps)
{
  GstStructure *s = caps ? gst_caps_get_structure (caps, 0) : NULL;
  gint n, d;

  if (s && gst_structure_get_fraction (s, "framerate", &n, &d) && n > 0
      && d > 0) {
    r->rate_n = n;
    r->rate_d = d;
  }
}

gboolean
ego_video_reader_frame_rate (EgoVideoReader * r, gint * rate_n,
    gint * rate_d)
{
  *rate_n = r->rate_n;
  *rate_d = r->rate_d;
  return r->rate_n > 0 && r->rate_d > 0;
}

EgoReadResult
ego_video_reader_next (EgoVideoReader * r, GstBuffer ** buf, gint * frame,
    GError ** error)
{
  GstSample *sample = NULL;
  GstBuffer *b;
  EgoReadResult res;
  if (r->audio)
    return ego_video_reader_next_audio (r, buf, frame, error);
  res = pull (r, r->sink, &sample, error);
  if (res != EGO_READ_FRAME)
    return res;
  b = gst_sample_get_buffer (sample);
  if (r->index == 0 && r->frames == NULL)
    note_rate (r, gst_sample_get_caps (sample));
  *frame = frame_number (r, b);
  /* a copy of our own: decoders' pools must not run dry while frames wait
   * for the rest of their clip */
  *buf = gst_buffer_copy_deep (b);
  r->index++;
  gst_sample_unref (sample);
  if (r->flow_sink && (res = attach_flow (r, *buf, error)) != EGO_READ_FRAME)
    gst_clear_buffer (buf);
  return res;
}

GstDiscovererInfo *
ego_video_discover (const gchar * path, GError ** error)
{
  GstDiscoverer *disc = gst_discoverer_new (10 * GST_SECOND, error);
  GstDiscovererInfo *info = NULL;
  gchar *uri = disc ? gst_filename_to_uri (path, error) : NULL;
  GError *err = NULL;
  if (uri)
    info = gst_discoverer_discover_uri (disc, uri, &err);
  /* what was found counts, whatever else went wrong */
  if (uri && info == NULL) {
    if (err == NULL)
      g_set_error (&err, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
          "cannot be analysed");
    g_propagate_error (error, g_steal_pointer (&err));
  }
  g_clear_error (&err);
  g_free (uri);
  if (disc)
    g_object_unref (disc);
  return info;
}

gboolean
ego_video_probe_size (const gchar * path, gint * width, gint * height,
    GError ** error)
{
  GstDiscovererInfo *info = ego_video_discover (path, error);
  GList *videos = NULL;
  gboolean ok = FALSE;
  if (info)
    videos = gst_discoverer_info_get_video_streams (info);
  if (videos) {
    GstDiscovererVideoInfo *v = videos->data;
    guint w = gst_discoverer_video_info_get_width (v);
    guint h = gst_discoverer_video_info_get_height (v);
    guint pn = gst_discoverer_video_info_get_par_num (v);
    guint pd = gst_discoverer_video_info_get_par_denom (v);
    *width = pn && pd ? (gint) ((guint64) w * pn / pd) : (gint) w;
    *height = (gint) h;
    ok = *width > 0 && *height > 0;
  }
  if (!ok && info)
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_WRONG_TYPE,
        "no video stream");
  gst_discoverer_stream_info_list_free (videos);
  if (info)
    gst_discoverer_info_unref (info);
  return ok;
}
