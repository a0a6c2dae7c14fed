/* egoaction: results against the model's own offline output, strides,
 * warm-up, resets, renegotiation, async mode, failures and sharing. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/ego/ego.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <string.h>

#include "egotestmodel.h"
#include "layers.h"
#include "preprocess.h"
#include "fixture.h"

#define T 4
#define FPS 30

static gchar *tmpdir, *model_path;
static const EgoTestModelSpec small = { 32, 4, 2, T, 1, 1.5f, FALSE, NULL };

static const gchar *formats[] = { "RGB", "BGR", "RGBx", "BGRx", "xRGB",
  "xBGR", "RGBA", "BGRA", "ARGB", "ABGR"
};

static void
setup (void)
{
  tmpdir = fixture_tmpdir ("egoaction-XXXXXX");
  model_path = ego_test_model_write (tmpdir, "small.safetensors", &small);
}

static void
teardown (void)
{
  GDir *dir = g_dir_open (tmpdir, 0, NULL);
  const gchar *name;
  while ((name = g_dir_read_name (dir))) {
    gchar *p = g_build_filename (tmpdir, name, NULL);
    g_unlink (p);
    g_free (p);
  }
  g_dir_close (dir);
  g_rmdir (tmpdir);
  g_free (model_path);
  g_free (tmpdir);
}

static GstCaps *
caps_for (const gchar * format, gint w, gint h)
{
  return gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, format,
      "width", G_TYPE_INT, w, "height", G_TYPE_INT, h, "framerate",
      GST_TYPE_FRACTION, FPS, 1, NULL);
}

/* A frame with content that changes from frame to frame. */
static GstBuffer *
make_frame (const GstVideoInfo * info, guint index)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, info->size, NULL);
  GstMapInfo map;
  guint32 x = 2166136261u ^ (index * 16777619u);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (gsize i = 0; i < map.size; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    /* smooth-ish structure plus noise, so crops and scaling matter */
    map.data[i] = (guint8) (((i / 7 + index * 11) & 0xff) / 2 + (x & 0x7f));
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale (index, GST_SECOND, FPS);
  GST_BUFFER_DURATION (buf) = GST_SECOND / FPS;
  return buf;
}

static GstHarness *
harness_new (const gchar * props, const gchar * format, gint w, gint h)
{
  gchar *desc = g_strdup_printf ("egoaction model=%s %s", model_path,
      props ? props : "");
  GstHarness *hx = gst_harness_new_parse (desc);
  gst_harness_set_src_caps (hx, caps_for (format, w, h));
  g_free (desc);
  return hx;
}

/* Pushes n frames; returns how many came out with an action meta. Checks
 * that pixels and timestamps are untouched. */
static guint
push_frames (GstHarness * hx, const GstVideoInfo * info, guint start,
    guint n, GstEgoActionMeta * last)
{
  guint results = 0;
  for (guint i = start; i < start + n; i++) {
    GstBuffer *in = make_frame (info, i), *out;
    GstBuffer *copy = gst_buffer_copy_deep (in);
    GstEgoActionMeta *meta;
    fail_unless_equals_int (gst_harness_push (hx, in), GST_FLOW_OK);
    out = gst_harness_pull (hx);
    {
      GstMapInfo a, b;
      gst_buffer_map (out, &a, GST_MAP_READ);
      gst_buffer_map (copy, &b, GST_MAP_READ);
      fail_unless (a.size == b.size && memcmp (a.data, b.data, a.size) == 0,
          "pixels changed");
      gst_buffer_unmap (out, &a);
      gst_buffer_unmap (copy, &b);
    }
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), GST_BUFFER_PTS (copy));
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (out),
        GST_BUFFER_DURATION (copy));
    meta = gst_buffer_get_ego_action_meta (out);
    if (meta) {
      results++;
      if (last)
        *last = *meta;
    }
    gst_buffer_unref (copy);
    gst_buffer_unref (out);
  }
  return results;
}

/* Every caps format passes through unchanged, and results start with the
 * first full window. */
GST_START_TEST (test_formats_and_warmup)
{
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstHarness *hx = harness_new (NULL, formats[f], 48, 40);
    GstVideoInfo info;
    gst_video_info_set_format (&info, gst_video_format_from_string
        (formats[f]), 48, 40);
    /* warm-up: T - 1 frames give nothing, the T-th gives a result */
    fail_unless_equals_int (push_frames (hx, &info, 0, T - 1, NULL), 0);
    fail_unless_equals_int (push_frames (hx, &info, T - 1, 1, NULL), 1);
    gst_harness_teardown (hx);
  }
}

GST_END_TEST;

/* Results for N frames at each stride: the first full window, then every
 * stride sampled frames. */
GST_START_TEST (test_stride_counts)
{
  const guint n = 23;
  for (guint stride = 1; stride <= 5; stride++) {
    gchar *props = g_strdup_printf ("stride=%u", stride);
    GstHarness *hx = harness_new (props, "RGB", 32, 32);
    GstVideoInfo info;
    GstStructure *stats;
    guint64 windows;
    gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 32, 32);
    fail_unless_equals_int (push_frames (hx, &info, 0, n, NULL),
        1 + (n - T) / stride);
    g_object_get (gst_harness_find_element (hx, "egoaction"), "stats",
        &stats, NULL);
    fail_unless (gst_structure_get_uint64 (stats, "windows", &windows));
    fail_unless_equals_uint64 (windows, 1 + (n - T) / stride);
    gst_structure_free (stats);
    gst_object_unref (gst_harness_find_element (hx, "egoaction"));
    gst_harness_teardown (hx);
    g_free (props);
  }
}

GST_END_TEST;

/* The offline reference: the same frames through the batched forward of
 * the same model; window = mean of the last T frame logits. */
static void
offline_probs (const GstVideoInfo * info, guint n, gint head, gfloat * probs)
{
  EgoModelMeta meta;
  EgoNet *net = ego_net_load (model_path, &meta, NULL);
  EgoResizePlan plan;
  gsize view = 3 * small.size * small.size;
  gfloat *x = g_new (gfloat, view * n), *logits[EGO_MAX_HEADS];
  gint k = meta.heads[head].n_labels;
  fail_unless (net != NULL);
  fail_unless (ego_resize_plan_init (&plan, GST_VIDEO_INFO_WIDTH (info),
          GST_VIDEO_INFO_HEIGHT (info), small.size, small.size, 0, 1,
          GST_VIDEO_INFO_COMP_PSTRIDE (info, 0), NULL));
  for (guint i = 0; i < n; i++) {
    GstBuffer *buf = make_frame (info, i);
    GstVideoFrame frame;
    gst_video_frame_map (&frame, info, buf, GST_MAP_READ);
    ego_preprocess_rgb (&plan, GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
        GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0),
        GST_VIDEO_FRAME_COMP_OFFSET (&frame, 0),
        GST_VIDEO_FRAME_COMP_OFFSET (&frame, 1),
        GST_VIDEO_FRAME_COMP_OFFSET (&frame, 2), meta.mean, meta.std,
        x + i * view);
    gst_video_frame_unmap (&frame);
    gst_buffer_unref (buf);
  }
  fail_unless (ego_net_infer (net, x, 1, n, logits, NULL));
  memset (probs, 0, sizeof (gfloat) * k);
  for (guint i = n - T; i < n; i++)
    for (gint c = 0; c < k; c++)
      probs[c] += logits[head][i * k + c] / T / meta.temperature;
  ego_softmax_forward (probs, probs, 1, k);
  ego_resize_plan_clear (&plan);
  ego_net_free (net);
  ego_model_meta_clear (&meta);
  g_free (x);
}

/* The meta of the n-th frame holds the offline window's top-k, for both
 * heads, in every format. */
GST_START_TEST (test_meta_matches_offline)
{
  const guint n = 11;
  for (guint f = 0; f < G_N_ELEMENTS (formats); f += 3) {
    GstHarness *hx = harness_new ("top-k=4", formats[f], 64, 48);
    GstVideoInfo info;
    GstEgoActionMeta meta;
    gst_video_info_set_format (&info, gst_video_format_from_string
        (formats[f]), 64, 48);
    push_frames (hx, &info, 0, n, &meta);
    fail_unless_equals_int (meta.n_heads, 2);
    fail_unless_equals_int (meta.frames, T);
    fail_unless_equals_uint64 (meta.window_start,
        gst_util_uint64_scale (n - T, GST_SECOND, FPS));
    fail_unless_equals_uint64 (meta.window_end,
        gst_util_uint64_scale (n - 1, GST_SECOND, FPS));
    for (gint h = 0; h < 2; h++) {
      gfloat probs[8], best = -1.0f;
      gint arg = -1;
      offline_probs (&info, n, h, probs);
      for (gint c = 0; c < (h ? 4 : 5); c++)
        if (probs[c] > best) {
          best = probs[c];
          arg = c;
        }
      /* top-k=4, but the noun head has only 4 classes and the verb 5 */
      fail_unless_equals_int (meta.heads[h].k, 4);
      fail_unless_equals_int (meta.heads[h].class_ids[0], arg);
      for (guint i = 0; i < meta.heads[h].k; i++)
        fail_unless (fabsf (meta.heads[h].probs[i] -
                probs[meta.heads[h].class_ids[i]]) < 1e-5f,
            "head %d class %d: %g vs offline %g", h,
            meta.heads[h].class_ids[i], meta.heads[h].probs[i],
            probs[meta.heads[h].class_ids[i]]);
      if (meta.heads[h].k > 1)
        fail_unless (meta.heads[h].probs[0] >= meta.heads[h].probs[1]);
    }
    fail_unless_equals_string (meta.heads[0].name, "verb");
    gst_harness_teardown (hx);
  }
}

GST_END_TEST;

/* Pushes one buffer; TRUE with its meta copied into *meta if it carries
 * a result. */
static gboolean
push_one (GstHarness * hx, GstBuffer * in, GstEgoActionMeta * meta)
{
  GstBuffer *out;
  GstEgoActionMeta *m;
  fail_unless_equals_int (gst_harness_push (hx, in), GST_FLOW_OK);
  out = gst_harness_pull (hx);
  m = gst_buffer_get_ego_action_meta (out);
  if (m && meta)
    *meta = *m;
  gst_buffer_unref (out);
  return m != NULL;
}

/* A flush, a new segment, a DISCONT, a gap event and a GAP buffer each
 * start a new warm-up; in reverse playback nothing is recognised. */
GST_START_TEST (test_resets)
{
  GstHarness *hx = harness_new (NULL, "RGB", 32, 32);
  GstVideoInfo info;
  GstSegment seg;
  GstBuffer *buf;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 32, 32);
  fail_unless_equals_int (push_frames (hx, &info, 0, T + 2, NULL), 3);
  fail_unless (gst_harness_push_event (hx, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (hx, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (hx, gst_event_new_segment (&seg)));
  fail_unless_equals_int (push_frames (hx, &info, 0, T - 1, NULL), 0);
  fail_unless_equals_int (push_frames (hx, &info, T - 1, 2, NULL), 2);
  /* DISCONT */
  buf = make_frame (&info, 100);
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  gst_harness_push (hx, buf);
  fail_if (gst_buffer_get_ego_action_meta (buf = gst_harness_pull (hx)));
  gst_buffer_unref (buf);
  fail_unless_equals_int (push_frames (hx, &info, 101, T - 2, NULL), 0);
  fail_unless_equals_int (push_frames (hx, &info, 101 + T - 2, 1, NULL), 1);
  /* gap */
  fail_unless (gst_harness_push_event (hx, gst_event_new_gap (0, 1)));
  fail_unless_equals_int (push_frames (hx, &info, 200, T - 1, NULL), 0);
  fail_unless_equals_int (push_frames (hx, &info, 200 + T - 1, 1, NULL), 1);
  /* a buffer flagged GAP: a filler the network does not see */
  buf = make_frame (&info, 300);
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_GAP);
  fail_if (push_one (hx, buf, NULL));
  fail_unless_equals_int (push_frames (hx, &info, 301, T - 1, NULL), 0);
  fail_unless_equals_int (push_frames (hx, &info, 300 + T, 1, NULL), 1);
  /* reverse playback: nothing recognised */
  seg.rate = -1.0;
  fail_unless (gst_harness_push_event (hx, gst_event_new_segment (&seg)));
  fail_unless_equals_int (push_frames (hx, &info, 400, 3 * T, NULL), 0);
  gst_harness_teardown (hx);
}

GST_END_TEST;

/* Window times are stream times: with PTS counting from 10 s in a segment
 * whose stream time starts at 0 (as in MPEG-TS), the first window ends at
 * (T - 1) / FPS; frames without timestamps, or a segment not in TIME (an
 * appsrc in bytes), give GST_CLOCK_TIME_NONE and results all the same. */
GST_START_TEST (test_window_times)
{
  GstHarness *hx = harness_new (NULL, "RGB", 32, 32);
  GstVideoInfo info;
  GstSegment seg;
  GstEgoActionMeta meta;
  gboolean got = FALSE;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 32, 32);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.start = 10 * GST_SECOND;
  seg.time = 0;
  fail_unless (gst_harness_push_event (hx, gst_event_new_segment (&seg)));
  for (guint i = 0; i < T; i++) {
    GstBuffer *buf = make_frame (&info, i);
    GST_BUFFER_PTS (buf) += 10 * GST_SECOND;
    got = push_one (hx, buf, &meta);
  }
  fail_unless (got);
  fail_unless_equals_uint64 (meta.window_start, 0);
  fail_unless_equals_uint64 (meta.window_end,
      gst_util_uint64_scale (T - 1, GST_SECOND, FPS));

  /* no timestamps */
  for (guint i = 0; i < T; i++) {
    GstBuffer *buf = make_frame (&info, 100 + i);
    GST_BUFFER_PTS (buf) = GST_CLOCK_TIME_NONE;
    got = push_one (hx, buf, &meta);
  }
  fail_unless (got);
  fail_unless_equals_uint64 (meta.window_end, GST_CLOCK_TIME_NONE);

  /* a segment in bytes */
  gst_segment_init (&seg, GST_FORMAT_BYTES);
  fail_unless (gst_harness_push_event (hx, gst_event_new_segment (&seg)));
  for (guint i = 0; i < T; i++)
    got = push_one (hx, make_frame (&info, 200 + i), &meta);
  fail_unless (got);
  fail_unless_equals_uint64 (meta.window_start, GST_CLOCK_TIME_NONE);
  gst_harness_teardown (hx);
}

GST_END_TEST;

/* A window that covers more than twice the model's time at the stream's
 * frame rate (here frames a second apart at 30 fps) is unsure; the same
 * frames on time are not (threshold 0). */
GST_START_TEST (test_stretched_window_unsure)
{
  GstHarness *hx = harness_new (NULL, "RGB", 32, 32);
  GstVideoInfo info;
  GstEgoActionMeta meta;
  gboolean got = FALSE;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 32, 32);
  for (guint i = 0; i < T; i++)
    got = push_one (hx, make_frame (&info, i), &meta);
  fail_unless (got);
  fail_if (meta.unsure);
  for (guint i = T; i < 2 * T; i++) {
    GstBuffer *buf = make_frame (&info, i);
    GST_BUFFER_PTS (buf) = i * GST_SECOND;
    got = push_one (hx, buf, &meta);
  }
  fail_unless (got);
  fail_unless (meta.unsure, "a window of %" GST_TIME_FORMAT " is sure",
      GST_TIME_ARGS (meta.window_end - meta.window_start));
  gst_harness_teardown (hx);
}

GST_END_TEST;

/* A new frame size mid-stream is taken, and starts a new window. */
GST_START_TEST (test_renegotiation)
{
  GstHarness *hx = harness_new (NULL, "RGB", 32, 32);
  GstVideoInfo info;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 32, 32);
  fail_unless_equals_int (push_frames (hx, &info, 0, T + 1, NULL), 2);
  gst_harness_set_src_caps (hx, caps_for ("BGRx", 80, 60));
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_BGRx, 80, 60);
  fail_unless_equals_int (push_frames (hx, &info, 0, T - 1, NULL), 0);
  fail_unless_equals_int (push_frames (hx, &info, T - 1, 3, NULL), 3);
  gst_harness_teardown (hx);
}

GST_END_TEST;

/* views is read at start: set while playing, it changes nothing until the
 * next start, even across a new frame size (the input was sized for the
 * views of the start). */
GST_START_TEST (test_views_fixed_while_playing)
{
  GstHarness *a = harness_new ("views=1", "RGB", 48, 32);
  GstHarness *b = harness_new ("views=1", "RGB", 48, 32);
  GstElement *e;
  GstVideoInfo info;
  GstEgoActionMeta ma, mb;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 48, 32);
  fail_unless_equals_int (push_frames (a, &info, 0, T, NULL), 1);
  fail_unless_equals_int (push_frames (b, &info, 0, T, NULL), 1);
  e = gst_harness_find_element (b, "egoaction");
  g_object_set (e, "views", 3, NULL);
  gst_object_unref (e);
  gst_harness_set_src_caps (a, caps_for ("RGB", 64, 40));
  gst_harness_set_src_caps (b, caps_for ("RGB", 64, 40));
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 64, 40);
  fail_unless_equals_int (push_frames (a, &info, 0, T + 1, &ma), 2);
  fail_unless_equals_int (push_frames (b, &info, 0, T + 1, &mb), 2);
  for (guint h = 0; h < ma.n_heads; h++)
    for (guint i = 0; i < ma.heads[h].k; i++) {
      fail_unless_equals_int (mb.heads[h].class_ids[i],
          ma.heads[h].class_ids[i]);
      fail_unless (fabsf (mb.heads[h].probs[i] - ma.heads[h].probs[i]) <
          1e-6f, "views changed the result while playing");
    }
  gst_harness_teardown (a);
  gst_harness_teardown (b);
}

GST_END_TEST;

/* frame-step samples every N-th frame; results need T sampled frames. */
GST_START_TEST (test_frame_step)
{
  GstHarness *hx = harness_new ("frame-step=3", "RGB", 32, 32);
  GstVideoInfo info;
  GstStructure *stats;
  guint64 sampled;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 32, 32);
  /* sampled frames 0, 3, 6, 9 fill the first window at frame 9 */
  fail_unless_equals_int (push_frames (hx, &info, 0, 9, NULL), 0);
  fail_unless_equals_int (push_frames (hx, &info, 9, 1, NULL), 1);
  g_object_get (gst_harness_find_element (hx, "egoaction"), "stats", &stats,
      NULL);
  gst_structure_get_uint64 (stats, "sampled-frames", &sampled);
  fail_unless_equals_uint64 (sampled, 4);
  gst_structure_free (stats);
  gst_object_unref (gst_harness_find_element (hx, "egoaction"));
  gst_harness_teardown (hx);
}

GST_END_TEST;

/* With threshold 1 every result is unsure, visibly in meta and message;
 * top-k beyond a head's classes gives that head's whole list. */
GST_START_TEST (test_threshold_and_message)
{
  GstHarness *hx = harness_new ("threshold=1.0 top-k=10", "RGB", 32, 32);
  GstBus *bus = gst_bus_new ();
  GstElement *e = gst_harness_find_element (hx, "egoaction");
  GstVideoInfo info;
  GstEgoActionMeta meta;
  GstMessage *msg;
  const GstStructure *s;
  const GValue *topk;
  gboolean unsure;
  gst_element_set_bus (e, bus);
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 32, 32);
  fail_unless_equals_int (push_frames (hx, &info, 0, T, &meta), 1);
  fail_unless (meta.unsure);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL);
  s = gst_message_get_structure (msg);
  fail_unless (gst_structure_has_name (s, "egoaction"));
  fail_unless (gst_structure_get_boolean (s, "unsure", &unsure) && unsure);
  fail_unless_equals_string (gst_structure_get_string (s, "label"),
      meta.heads[0].labels[0]);
  fail_unless_equals_string (gst_structure_get_string (s, "noun-label"),
      meta.heads[1].labels[0]);
  topk = gst_structure_get_value (s, "verb-top-k");
  fail_unless (GST_VALUE_HOLDS_LIST (topk));
  /* top-k=10 gives each head's whole list: 5 verbs, 4 nouns */
  fail_unless_equals_int (gst_value_list_get_size (topk), 5);
  topk = gst_structure_get_value (s, "noun-top-k");
  fail_unless_equals_int (gst_value_list_get_size (topk), 4);
  fail_unless_equals_int (meta.heads[1].k, 4);
  fail_unless (gst_structure_has_field (s, "window-start")
      && gst_structure_has_field (s, "window-end")
      && gst_structure_has_field (s, "confidence"));
  gst_message_unref (msg);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
  gst_harness_teardown (hx);
}

GST_END_TEST;

/* The full-frame region of interest carries the action structure. */
GST_START_TEST (test_roi_meta)
{
  GstHarness *hx = harness_new (NULL, "RGBx", 40, 30);
  GstVideoInfo info;
  GstBuffer *out = NULL;
  GstVideoRegionOfInterestMeta *roi;
  GstStructure *p;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGBx, 40, 30);
  for (guint i = 0; i < T; i++) {
    gst_harness_push (hx, make_frame (&info, i));
    if (out)
      gst_buffer_unref (out);
    out = gst_harness_pull (hx);
  }
  roi = gst_buffer_get_video_region_of_interest_meta_id (out, 0);
  fail_unless (roi != NULL);
  fail_unless_equals_int (roi->w, 40);
  fail_unless_equals_int (roi->h, 30);
  p = gst_video_region_of_interest_meta_get_param (roi, "action");
  fail_unless (p != NULL && gst_structure_has_field (p, "label"));
  gst_buffer_unref (out);
  gst_harness_teardown (hx);
}

GST_END_TEST;

/* A missing or corrupt model fails the change to PAUSED with an error
 * that names the file. */
static void
expect_start_failure (const gchar * path, const gchar * fragment)
{
  GstElement *pipe = gst_parse_launch ("videotestsrc num-buffers=5 ! "
      "egoaction name=a ! fakesink", NULL);
  GstElement *a = gst_bin_get_by_name (GST_BIN (pipe), "a");
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg;
  GError *err = NULL;
  gchar *dbg = NULL;
  g_object_set (a, "model", path, NULL);
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, &dbg);
  fail_unless (strstr (err->message, path) != NULL, "%s", err->message);
  fail_unless (strstr (dbg, fragment) != NULL, "%s", dbg);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (a);
  gst_object_unref (pipe);
}

GST_START_TEST (test_bad_models)
{
  gchar *missing = g_build_filename (tmpdir, "none.safetensors", NULL);
  gchar *corrupt = g_build_filename (tmpdir, "corrupt.safetensors", NULL);
  gchar *bytes;
  gsize len;
  expect_start_failure (missing, "none.safetensors");
  fail_unless (g_file_get_contents (model_path, &bytes, &len, NULL));
  fail_unless (g_file_set_contents (corrupt, bytes, len / 2, NULL));
  expect_start_failure (corrupt, "corrupt.safetensors");
  {
    /* a teacher that looks at the next frame cannot be streamed */
    EgoTestModelSpec spec = { 32, 8, 2, 4, 1, 1.0f, TRUE, NULL };
    gchar *teacher = ego_test_model_write (tmpdir, "teacher.safetensors",
        &spec);
    expect_start_failure (teacher, "bidirectional");
    g_free (teacher);
  }
  g_free (bytes);
  g_free (missing);
  g_free (corrupt);
}

GST_END_TEST;

/* Two elements naming one file share its weights (the second starts even
 * after the file is gone) and never share stream state (each gives the
 * results of its own frames). */
GST_START_TEST (test_two_instances)
{
  gchar *path = ego_test_model_write (tmpdir, "shared.safetensors", &small);
  gchar *saved = model_path;
  GstHarness *a, *b;
  GstVideoInfo info;
  GstEgoActionMeta ma, mb, ref;
  model_path = path;
  a = harness_new (NULL, "RGB", 32, 32);
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 32, 32);
  push_frames (a, &info, 0, 1, NULL);
  g_unlink (path);
  b = harness_new (NULL, "RGB", 32, 32);
  /* interleave: a sees frames 1.., b sees frames 0.. */
  for (guint i = 0; i < T; i++) {
    push_frames (b, &info, i, 1, &mb);
    push_frames (a, &info, i + 1, 1, &ma);
  }
  model_path = saved;
  fail_unless (memcmp (ma.heads, mb.heads, sizeof (ma.heads)) != 0
      || ma.window_start != mb.window_start);
  /* b's result equals a fresh element's on the same frames */
  {
    GstHarness *c = harness_new (NULL, "RGB", 32, 32);
    push_frames (c, &info, 0, T, &ref);
    fail_unless_equals_int (mb.heads[0].class_ids[0],
        ref.heads[0].class_ids[0]);
    fail_unless (fabsf (mb.heads[0].probs[0] - ref.heads[0].probs[0]) <
        1e-6f);
    gst_harness_teardown (c);
  }
  gst_harness_teardown (a);
  gst_harness_teardown (b);
  g_free (path);
}

GST_END_TEST;

static guint64
inferred_frames (GstElement * e)
{
  GstStructure *stats;
  guint64 n = 0;
  g_object_get (e, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "inferred-frames", &n);
  gst_structure_free (stats);
  return n;
}

static void
wait_inferred (GstElement * e, guint64 inferred)
{
  while (inferred_frames (e) < inferred)
    g_usleep (1000);
}

/* pushes frame i; then waits until the network has run on `inferred`
 * frames (0: does not wait) */
static void
push_and_wait (GstHarness * hx, GstElement * e, const GstVideoInfo * info,
    guint i, guint64 inferred)
{
  fail_unless_equals_int (gst_harness_push (hx, make_frame (info, i)),
      GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (hx));
  wait_inferred (e, inferred);
}

/* async: video never waits for a model slower than the frames; every buffer
 * comes out, and the frames the worker could not take are counted. Results
 * keep coming: a dropped frame does not restart the window, so every frame
 * the network ran on after the model's first T - 1 ends one (stride 1). */
GST_START_TEST (test_async_never_blocks)
{
  static const EgoTestModelSpec slow = { 224, 48, 4, 2, 1, 1.0f, FALSE, NULL };
  gchar *path = ego_test_model_write (tmpdir, "slow.safetensors", &slow);
  gchar *saved = model_path;
  GstHarness *hx;
  GstVideoInfo info;
  GstStructure *stats;
  GstElement *e;
  guint64 drops, sampled, frames, windows, inferred;
  const guint n = 40, paced = 2 * T;
  model_path = path;
  hx = harness_new ("async=true stride=1", "RGB", 224, 224);
  model_path = saved;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 224, 224);
  for (guint i = 0; i < n; i++) {
    GstBuffer *out;
    fail_unless_equals_int (gst_harness_push (hx, make_frame (&info, i)),
        GST_FLOW_OK);
    out = gst_harness_pull (hx);
    fail_unless (out != NULL);
    gst_buffer_unref (out);
  }
  e = gst_harness_find_element (hx, "egoaction");
  /* then frames at the network's pace, so that at least T in a row run */
  for (guint i = n; i < n + paced; i++)
    push_and_wait (hx, e, &info, i, inferred_frames (e) + 1);
  fail_unless (gst_harness_push_event (hx, gst_event_new_eos ()));
  g_object_get (e, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "drops", &drops);
  gst_structure_get_uint64 (stats, "sampled-frames", &sampled);
  gst_structure_get_uint64 (stats, "frames", &frames);
  gst_structure_get_uint64 (stats, "windows", &windows);
  gst_structure_get_uint64 (stats, "inferred-frames", &inferred);
  GST_INFO ("async stats %" GST_PTR_FORMAT, stats);
  fail_unless_equals_uint64 (frames, n + paced);
  fail_unless_equals_uint64 (sampled, n + paced);
  fail_unless (drops > 0, "a slow model should have dropped frames");
  fail_unless_equals_uint64 (inferred + drops, n + paced);
  fail_unless_equals_uint64 (windows, inferred - (slow.frames - 1));
  gst_structure_free (stats);
  gst_object_unref (e);
  gst_harness_teardown (hx);
  g_free (path);
}

GST_END_TEST;

/* The async test's bus: records each result's window and, when asked,
 * holds the worker in its post until released. */
typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean hold, held;
  guint n;
  GstClockTime start[16], end[16], running[16];
} Recorder;

static GstBusSyncReply
record_result (GstBus * bus, GstMessage * msg, gpointer data)
{
  Recorder *r = data;
  const GstStructure *s = gst_message_get_structure (msg);
  guint64 start, end, running;
  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT
      || !gst_structure_has_name (s, "egoaction"))
    return GST_BUS_DROP;
  gst_structure_get_uint64 (s, "window-start", &start);
  gst_structure_get_uint64 (s, "window-end", &end);
  gst_structure_get_uint64 (s, "running-time", &running);
  g_mutex_lock (&r->lock);
  if (r->n < G_N_ELEMENTS (r->start)) {
    r->start[r->n] = start;
    r->end[r->n] = end;
    r->running[r->n] = running;
  }
  r->n++;
  r->held = r->hold;
  g_cond_broadcast (&r->cond);
  while (r->hold)
    g_cond_wait (&r->cond, &r->lock);
  r->held = FALSE;
  g_mutex_unlock (&r->lock);
  return GST_BUS_DROP;
}

static void
hold_worker (Recorder * r, gboolean hold)
{
  g_mutex_lock (&r->lock);
  r->hold = hold;
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
}

/* waits until n results were posted (and, with held, the last is held) */
static void
wait_results (Recorder * r, guint n, gboolean held)
{
  g_mutex_lock (&r->lock);
  while (r->n < n || (held && !r->held))
    g_cond_wait (&r->cond, &r->lock);
  g_mutex_unlock (&r->lock);
}

/* async: a flush while the worker is busy, then more frames than wait: the
 * first frame after the flush is dropped, and the reset it carried passes
 * to the next, so no window mixes frames from before and after the flush.
 * The worker is held in its post of frame 4's result meanwhile. */
GST_START_TEST (test_async_flush_with_drop)
{
  GstHarness *hx = harness_new ("async=true threshold=0", "RGB", 32, 32);
  GstElement *e = gst_harness_find_element (hx, "egoaction");
  GstBus *bus = gst_bus_new ();
  GstClockTime span = gst_util_uint64_scale (T - 1, GST_SECOND, FPS);
  GstStructure *stats;
  GstVideoInfo info;
  GstSegment seg;
  Recorder r;
  guint64 drops;
  memset (&r, 0, sizeof (r));
  g_mutex_init (&r.lock);
  g_cond_init (&r.cond);
  gst_bus_set_sync_handler (bus, record_result, &r, NULL);
  gst_element_set_bus (e, bus);
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 32, 32);
  for (guint i = 0; i < T; i++)
    push_and_wait (hx, e, &info, i, i + 1);
  wait_results (&r, 1, FALSE);
  hold_worker (&r, TRUE);
  push_and_wait (hx, e, &info, T, 0);
  wait_results (&r, 2, TRUE);
  fail_unless (gst_harness_push_event (hx, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (hx, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (hx, gst_event_new_segment (&seg)));
  /* 100 carries the flush's reset and is dropped for 102 */
  for (guint i = 100; i <= 102; i++)
    push_and_wait (hx, e, &info, i, 0);
  hold_worker (&r, FALSE);
  wait_inferred (e, T + 3);     /* 0-4, then 101 and 102 */
  push_and_wait (hx, e, &info, 103, T + 4);
  push_and_wait (hx, e, &info, 104, T + 5);
  fail_unless (gst_harness_push_event (hx, gst_event_new_eos ()));
  g_object_get (e, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "drops", &drops);
  gst_structure_free (stats);
  fail_unless_equals_uint64 (drops, 1);
  /* frames 3 and 4, then 104 (101-104) */
  fail_unless_equals_int (r.n, 3);
  for (guint k = 0; k < r.n; k++) {
    /* T consecutive frames, to the nanosecond the timestamps round to */
    fail_unless (r.end[k] - r.start[k] + 1 >= span
        && r.end[k] - r.start[k] <= span + 1, "window of %" GST_TIME_FORMAT,
        GST_TIME_ARGS (r.end[k] - r.start[k]));
    fail_unless_equals_uint64 (r.running[k], r.end[k]);
  }
  fail_unless_equals_uint64 (r.start[2], gst_util_uint64_scale (101,
          GST_SECOND, FPS));
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
  gst_harness_teardown (hx);
  g_mutex_clear (&r.lock);
  g_cond_clear (&r.cond);
}

GST_END_TEST;

/* The element answers the latency query and adds nothing to it. */
GST_START_TEST (test_latency_query)
{
  GstHarness *hx = harness_new (NULL, "RGB", 32, 32);
  GstQuery *q = gst_query_new_latency ();
  gboolean live;
  GstClockTime min, max;
  gst_harness_set_upstream_latency (hx, 5 * GST_MSECOND);
  gst_harness_play (hx);
  fail_unless (gst_pad_peer_query (hx->sinkpad, q));
  gst_query_parse_latency (q, &live, &min, &max);
  fail_unless_equals_uint64 (min, 5 * GST_MSECOND);
  gst_query_unref (q);
  gst_harness_teardown (hx);
}

GST_END_TEST;

/* Many state cycles of a real pipeline, each streaming a few frames. */
GST_START_TEST (test_state_cycles)
{
  gchar *desc = g_strdup_printf ("videotestsrc pattern=ball ! "
      "video/x-raw,format=RGB,width=64,height=48 ! egoaction model=%s ! "
      "fakesink sync=false", model_path);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  for (gint i = 0; i < 200; i++) {
    fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
        GST_STATE_CHANGE_FAILURE);
    if (i % 50 == 0)
      gst_element_get_state (pipe, NULL, NULL, GST_CLOCK_TIME_NONE);
    fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
  }
  gst_object_unref (pipe);
  g_free (desc);
}

GST_END_TEST;

/* Without a model property egoaction runs the student built into the
 * plugin: it recognises the synthetic benchmark's verbs and nouns, and its
 * results on the benchmark's own frames name them. */
GST_START_TEST (test_default_model)
{
  static const gchar *verbs[] = { "take", "put", "open", "close",
    "move-left", "move-right", "rotate-cw", "rotate-ccw", "pour", "cut",
    "shake", "stir"
  };
  GstHarness *hx = gst_harness_new_parse ("egoaction stride=1 threshold=0");
  guint results = 0;
  gst_harness_add_src_parse (hx, "egosynthsrc seed=5 ! capsfilter caps="
      "video/x-raw,format=RGB,width=96,height=96,framerate=30/1", TRUE);
  for (guint i = 0; i < 150; i++) {
    GstBuffer *out;
    GstEgoActionMeta *meta;
    fail_unless_equals_int (gst_harness_src_crank_and_push_many (hx, 0, 1),
        GST_FLOW_OK);
    out = gst_harness_pull (hx);
    meta = gst_buffer_get_ego_action_meta (out);
    if (meta != NULL) {
      gboolean known = FALSE;
      fail_unless_equals_int (meta->n_heads, 2);
      fail_unless_equals_string (meta->heads[0].name, "verb");
      fail_unless_equals_string (meta->heads[1].name, "noun");
      for (guint v = 0; v < G_N_ELEMENTS (verbs); v++)
        known |= g_strcmp0 (meta->heads[0].labels[0], verbs[v]) == 0;
      fail_unless (known, "unknown verb %s", meta->heads[0].labels[0]);
      results++;
    }
    gst_buffer_unref (out);
  }
  /* 8 frames 6 apart: a window spans 1.6 s, then a result every sampled
   * frame (stride 1) */
  fail_unless (results >= 12, "%u results", results);
  gst_harness_teardown (hx);
}

GST_END_TEST;

static Suite *
egoaction_suite (void)
{
  Suite *s = suite_create ("egoaction");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_formats_and_warmup);
  tcase_add_test (tc, test_stride_counts);
  tcase_add_test (tc, test_meta_matches_offline);
  tcase_add_test (tc, test_resets);
  tcase_add_test (tc, test_window_times);
  tcase_add_test (tc, test_stretched_window_unsure);
  tcase_add_test (tc, test_renegotiation);
  tcase_add_test (tc, test_frame_step);
  tcase_add_test (tc, test_threshold_and_message);
  tcase_add_test (tc, test_roi_meta);
  tcase_add_test (tc, test_bad_models);
  tcase_add_test (tc, test_two_instances);
  tcase_add_test (tc, test_async_never_blocks);
  tcase_add_test (tc, test_async_flush_with_drop);
  tcase_add_test (tc, test_views_fixed_while_playing);
  tcase_add_test (tc, test_latency_query);
  tcase_add_test (tc, test_state_cycles);
  tcase_add_test (tc, test_default_model);
  return s;
}

GST_CHECK_MAIN (egoaction);
