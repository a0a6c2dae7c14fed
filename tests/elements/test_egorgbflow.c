/* RGB and optical flow together: egodatasetsrc modality=rgbflow gives the
 * rgb modality's frames, each carrying the flow modality's frame of the
 * same frame; the clip cache keeps both and a 5-channel network's input is
 * RGB (cropped and colour-jittered as the rgb modality's) then dx and dy
 * (through the same crop, never jittered, as the flow modality's);
 * ego-train trains such a network, ego-eval evaluates it and egoaction,
 * which has RGB frames only, refuses it. */
#include <gst/check/gstcheck.h>
#include <gst/ego/ego.h>
#include <gst/video/video.h>
#include <string.h>

#include "egoclipcollect.h"
#include "egotestdataset.h"
#include "fixture.h"
#include "tsmnet.h"

#define T 3
#define C 3
#define SIZE 20

static gchar *tmpdir, *data_dir;

/* A dataset of video files, rendered once by ego-dataset. */
static void
setup_data (void)
{
  tmpdir = fixture_tmpdir ("egorgbflow-XXXXXX");
  data_dir = g_build_filename (tmpdir, "data", NULL);
  ego_test_dataset_render (data_dir, "--clips 12 --videos 3 --seed 5 "
      "--width 64 --height 48 --fps 15");
}

static void
teardown_data (void)
{
  ego_test_remove_tree (tmpdir);
  g_free (tmpdir);
  g_free (data_dir);
}

/* ------------------------------------------------------------------------ */
/* The frames of one modality, and the clip caches made of them */

typedef struct
{
  GPtrArray *buffers;
  GstVideoInfo info;
  EgoDatasetInfo dataset;
  gboolean have_dataset;
} Stream;

static void
on_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  Stream *s = data;
  GstEvent *ev = s->have_dataset ? NULL : gst_pad_get_sticky_event (pad,
      GST_EVENT_CUSTOM_DOWNSTREAM_STICKY, 0);
  /* the dataset's frames come after its event; a plain video has none */
  if (ev) {
    GstCaps *caps = gst_pad_get_current_caps (pad);
    fail_unless (caps != NULL);
    fail_unless (gst_video_info_from_caps (&s->info, caps));
    fail_unless (ego_dataset_info_parse (&s->dataset,
            gst_event_get_structure (ev), NULL));
    s->have_dataset = TRUE;
    gst_event_unref (ev);
    gst_caps_unref (caps);
  }
  g_ptr_array_add (s->buffers, gst_buffer_ref (buf));
}

/* Runs a pipeline to the end; the error message, or NULL. With s, the
 * pipeline ends in "! fakesink" and s gets the frames. */
static gchar *
run (const gchar * desc, Stream * s)
{
  gchar *full = s ? g_strdup_printf ("%s ! fakesink name=sink sync=false "
      "signal-handoffs=true", desc) : g_strdup (desc);
  GstElement *pipe = gst_parse_launch (full, NULL), *sink = NULL;
  gchar *result;
  fail_unless (pipe != NULL, "%s", full);
  if (s) {
    memset (s, 0, sizeof (*s));
    s->buffers = g_ptr_array_new_with_free_func ((GDestroyNotify)
        gst_buffer_unref);
    sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
    g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), s);
  }
  result = ego_test_play_to_end (pipe);
  if (sink)
    gst_object_unref (sink);
  gst_object_unref (pipe);
  g_free (full);
  return result;
}

/* The training split in one modality, T segments of C candidates. */
static void
play (const gchar * modality, Stream * s)
{
  gchar *desc = g_strdup_printf ("egodatasetsrc data=%s split=train "
      "modality=%s frames=%d candidates=%d short-side=24", data_dir,
      modality, T, C);
  gchar *err = run (desc, s);
  fail_unless (err == NULL, "%s: %s", modality, err);
  fail_unless (s->buffers->len > 0 && s->have_dataset);
  g_free (desc);
}

static void
stream_clear (Stream * s)
{
  g_ptr_array_unref (s->buffers);
  if (s->have_dataset)
    ego_dataset_info_clear (&s->dataset);
}

/* The stream's frames collected as egodistill and ego-eval collect them. */
static EgoClipCollector *
collect (Stream * s, gboolean flow)
{
  GError *error = NULL;
  EgoClipCollector *c = ego_clip_collector_new (&s->dataset, &s->info, 1,
      NULL, FALSE, flow, &error);
  fail_unless (c != NULL, "%s", error ? error->message : "");
  for (guint i = 0; i < s->buffers->len; i++)
    fail_unless (ego_clip_collector_add (c, g_ptr_array_index (s->buffers,
                i), &error), "%s", error ? error->message : "");
  fail_unless (ego_clip_collector_check_complete (c, NULL));
  return c;
}

static gboolean
same_bytes (GstBuffer * a, GstBuffer * b)
{
  GstMapInfo ma, mb;
  gboolean same;
  fail_unless (gst_buffer_map (a, &ma, GST_MAP_READ));
  fail_unless (gst_buffer_map (b, &mb, GST_MAP_READ));
  same = ma.size == mb.size && memcmp (ma.data, mb.data, ma.size) == 0;
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  return same;
}

/* Whether a flow frame shows motion somewhere (not all 128). */
static gboolean
moves (GstBuffer * flow)
{
  GstMapInfo m;
  gboolean any = FALSE;
  fail_unless (gst_buffer_map (flow, &m, GST_MAP_READ));
  for (gsize i = 0; i < m.size && !any; i++)
    any = m.data[i] != 128;
  gst_buffer_unmap (flow, &m);
  return any;
}

/* ------------------------------------------------------------------------ */

/* Every rgbflow frame is the rgb modality's frame, and its meta's flow is
 * the flow modality's frame of the same source frame: the flow from the
 * previous frame, aligned as that modality aligns it. */
GST_START_TEST (test_frames_carry_their_flow)
{
  Stream rgb, flow, both;
  guint moving = 0;
  play ("rgb", &rgb);
  play ("flow", &flow);
  play ("rgbflow", &both);
  fail_unless_equals_int (both.buffers->len, rgb.buffers->len);
  fail_unless_equals_int (both.buffers->len, flow.buffers->len);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&both.info),
      GST_VIDEO_INFO_WIDTH (&rgb.info));
  for (guint i = 0; i < both.buffers->len; i++) {
    GstBuffer *b = g_ptr_array_index (both.buffers, i);
    GstEgoFlowMeta *m = gst_buffer_get_ego_flow_meta (b);
    GstEgoClipMeta *cb = gst_buffer_get_ego_clip_meta (b);
    GstEgoClipMeta *cf = gst_buffer_get_ego_clip_meta (g_ptr_array_index
        (flow.buffers, i));
    fail_unless (m != NULL && m->flow != NULL, "frame %u has no flow", i);
    fail_unless (cb != NULL && cf != NULL);
    fail_unless_equals_int (cb->frame, cf->frame);
    fail_unless (same_bytes (b, g_ptr_array_index (rgb.buffers, i)),
        "frame %u: the pictures differ from the rgb modality's", i);
    fail_unless (same_bytes (m->flow, g_ptr_array_index (flow.buffers, i)),
        "frame %u (source frame %d): the flow differs from the flow "
        "modality's", i, cb->frame);
    moving += moves (m->flow);
  }
  /* the hands move: most frames' flow is not still */
  fail_unless (moving > both.buffers->len / 2, "%u of %u frames move",
      moving, both.buffers->len);
  stream_clear (&rgb);
  stream_clear (&flow);
  stream_clear (&both);
}

GST_END_TEST;

/* egoflow run on every frame of a video at the flow modality's size, as
 * the reader scales it. */
static Stream *
flow_of_every_frame (const gchar * video_id, const GstVideoInfo * info)
{
  Stream *s = g_new0 (Stream, 1);
  gchar *desc = g_strdup_printf ("filesrc location=%s/videos/%s.mp4 ! "
      "decodebin ! videoscale method=4 add-borders=false ! videoconvert ! "
      "egoflow ! video/x-raw,format=RGB,width=%d,height=%d", data_dir,
      video_id, GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info));
  gchar *err = run (desc, s);
  fail_unless (err == NULL, "%s: %s", desc, err);
  g_free (desc);
  return s;
}

static void
reference_free (gpointer data)
{
  g_ptr_array_unref (((Stream *) data)->buffers);
  g_free (data);
}

/* The flow modality computes the motion of the clips' frames alone
 * (egoflow skips the frames flagged DROPPABLE), yet gives for each the
 * bytes egoflow gives when it runs on every frame of the video. */
GST_START_TEST (test_flow_of_clip_frames_only)
{
  Stream flow;
  GHashTable *refs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      reference_free);
  play ("flow", &flow);
  for (guint i = 0; i < flow.buffers->len; i++) {
    GstBuffer *b = g_ptr_array_index (flow.buffers, i);
    GstEgoClipMeta *c = gst_buffer_get_ego_clip_meta (b);
    gchar *video = g_strndup (c->narration_id,
        strrchr (c->narration_id, '_') - c->narration_id);
    Stream *ref = g_hash_table_lookup (refs, video);
    if (ref == NULL)
      g_hash_table_insert (refs, g_strdup (video), ref =
          flow_of_every_frame (video, &flow.info));
    fail_unless (c->frame >= 1 && (guint) c->frame <= ref->buffers->len);
    fail_if (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_GAP));
    fail_unless (same_bytes (b, g_ptr_array_index (ref->buffers,
                c->frame - 1)), "%s frame %d: not egoflow's", video,
        c->frame);
    g_free (video);
  }
  g_hash_table_unref (refs);
  stream_clear (&flow);
}

GST_END_TEST;

/* The worst difference between plane p of x5 and plane q of x, over the
 * T frames. */
static gfloat
worst_plane (const gfloat * x5, gint p, const gfloat * x, gint channels,
    gint q)
{
  gsize n = (gsize) SIZE * SIZE;
  gfloat worst = 0.0f;
  for (gint t = 0; t < T; t++)
    for (gsize i = 0; i < n; i++)
      worst = MAX (worst, fabsf (x5[((gsize) t * 5 + p) * n + i] -
              x[((gsize) t * channels + q) * n + i]));
  return worst;
}

/* A 5-channel input made from the rgbflow cache is the rgb modality's
 * input then the flow modality's, in training (the same random
 * candidates, crop and colour jitter from the same seed: the jitter on the
 * pictures, none on the flow) and in evaluation (a side crop). */
GST_START_TEST (test_input_is_rgb_then_flow)
{
  static const gfloat mean[5] = { 0.485f, 0.456f, 0.406f, 0.5f, 0.5f };
  static const gfloat std[5] = { 0.229f, 0.224f, 0.225f, 0.05f, 0.05f };
  Stream rgb, flow, both;
  EgoClipCollector *cr, *cf, *cb;
  EgoAugment aug = { 0.7f, 0.3f, 0.3f, 0.3f };
  gsize n = (gsize) T * 5 * SIZE * SIZE;
  gfloat *x5 = g_new (gfloat, n), *x3 = g_new (gfloat, n);
  gfloat *x2 = g_new (gfloat, n);
  play ("rgb", &rgb);
  play ("flow", &flow);
  play ("rgbflow", &both);
  cr = collect (&rgb, FALSE);
  cf = collect (&flow, FALSE);
  cb = collect (&both, TRUE);
  for (gint clip = 0; clip < rgb.dataset.clips[0]; clip++)
    for (gint training = 0; training < 2; training++) {
      EgoRng r5, r3, r2;
      ego_rng_seed (&r5, 40 + clip, 1);
      r3 = r2 = r5;
      ego_clip_cache_make_input (ego_clip_collector_cache (cb, 0), clip,
          SIZE, SIZE, 5, mean, std, &aug, training ? &r5 : NULL, 2, 3, 0,
          x5);
      ego_clip_cache_make_input (ego_clip_collector_cache (cr, 0), clip,
          SIZE, SIZE, 3, mean, std, &aug, training ? &r3 : NULL, 2, 3, 0,
          x3);
      ego_clip_cache_make_input (ego_clip_collector_cache (cf, 0), clip,
          SIZE, SIZE, 2, mean + 3, std + 3, &aug, training ? &r2 : NULL, 2,
          3, 0, x2);
      for (gint p = 0; p < 3; p++)
        fail_unless (worst_plane (x5, p, x3, 3, p) == 0.0f,
            "clip %d, plane %d (training %d): not the rgb input", clip, p,
            training);
      for (gint p = 0; p < 2; p++)
        fail_unless (worst_plane (x5, 3 + p, x2, 2, p) == 0.0f,
            "clip %d, plane %d (training %d): not the flow input", clip,
            3 + p, training);
      /* and the planes are not one another's */
      fail_unless (worst_plane (x5, 0, x2, 2, 0) > 0.1f);
    }
  ego_clip_collector_free (cr);
  ego_clip_collector_free (cf);
  ego_clip_collector_free (cb);
  stream_clear (&rgb);
  stream_clear (&flow);
  stream_clear (&both);
  g_free (x5);
  g_free (x3);
  g_free (x2);
}

GST_END_TEST;

/* A network fed RGB and flow from frames that carry no flow is an error
 * that says where the flow comes from. */
GST_START_TEST (test_frames_without_flow)
{
  gchar *out = g_build_filename (tmpdir, "noflow", NULL);
  gchar *desc = g_strdup_printf ("egodatasetsrc data=%s split=train "
      "frames=%d short-side=24 ! egodistill out=%s modality=rgbflow "
      "input-size=%d epochs=1", data_dir, T, out, SIZE);
  gchar *err = run (desc, NULL);
  fail_unless (err != NULL && strstr (err, "no optical flow")
      && strstr (err, "modality=rgbflow"), "%s", err);
  g_free (err);
  g_free (desc);
  g_free (out);
}

GST_END_TEST;

/* egoaction cannot run it: the error names the file, the reason the
 * modality. */
static void
expect_refused (const gchar * path)
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
  fail_unless (strstr (dbg, "\"rgbflow\" network") != NULL
      && strstr (dbg, "RGB frames only") != NULL, "%s", dbg);
  g_error_free (err);
  g_free (dbg);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (a);
  gst_object_unref (pipe);
}

/* ego-train --modality rgbflow writes a 5-channel online-shift network of
 * the student's architecture; ego-eval evaluates it with 1x1 and 2x3
 * views, the flow's cost apart; egoaction refuses it. */
GST_START_TEST (test_train_evaluate_refuse)
{
  gchar *out = g_build_filename (tmpdir, "rgbflow", NULL);
  gchar *model = g_build_filename (out, "model.safetensors", NULL);
  const gchar *train[] = { EGO_BUILD_DIR "/pipelines/ego-train", "--data",
    data_dir, "--out", out, "--modality", "rgbflow", "--frames", "4",
    "--size", "24", "--short-side", "28", "--base-width", "4", "--blocks",
    "1,1", "--batch", "4", "--epochs", "1", "--threads", "1", "--no-report",
    NULL
  };
  const gchar *eval[] = { EGO_BUILD_DIR "/pipelines/ego-eval", "--model",
    model, "--data", data_dir, "--split", "validation", "--json", "--views",
    "1x1", NULL
  };
  EgoModelMeta meta = { 0 };
  GError *error = NULL;
  EgoNet *net;
  fail_unless_equals_int (fixture_run (train, NULL), 0);
  net = ego_net_load (model, &meta, &error);
  fail_unless (net != NULL, "%s", error ? error->message : "");
  fail_unless_equals_string (meta.modality, "rgbflow");
  fail_unless_equals_int (meta.channels, 5);
  fail_unless_equals_int (ego_net_config (net)->in_channels, 5);
  fail_unless (ego_net_config (net)->shift == EGO_SHIFT_ONLINE);
  /* the pictures normalised as the rgb student's, the flow as the flow's */
  fail_unless (meta.mean[0] > 0.48f && meta.mean[0] < 0.49f);
  fail_unless (meta.mean[3] == 0.5f && meta.std[4] == 0.05f);
  for (gint v = 0; v < 2; v++) {
    gchar *json = NULL;
    eval[9] = v ? "2x3" : "1x1";
    fail_unless_equals_int (fixture_run (eval, &json), 0);
    fail_unless (strstr (json, "\"verb\": {\"top1\"") != NULL, "%s", json);
    fail_unless (strstr (json, "\"flow_gflops_per_view\": ") != NULL, "%s",
        json);
    g_free (json);
  }
  expect_refused (model);
  ego_net_free (net);
  ego_model_meta_clear (&meta);
  g_free (model);
  g_free (out);
}

GST_END_TEST;

static Suite *
egorgbflow_suite (void)
{
  Suite *s = suite_create ("egorgbflow");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  tcase_add_unchecked_fixture (tc, setup_data, teardown_data);
  tcase_add_test (tc, test_frames_carry_their_flow);
  tcase_add_test (tc, test_flow_of_clip_frames_only);
  tcase_add_test (tc, test_input_is_rgb_then_flow);
  tcase_add_test (tc, test_frames_without_flow);
  tcase_add_test (tc, test_train_evaluate_refuse);
  return s;
}

GST_CHECK_MAIN (egorgbflow);
