/* The audio modality: egodatasetsrc modality=audio hands out, for every
 * sampled frame, egomelspec's log-mel window centred on it drawn as a grey
 * image (elements/egomelframes.h), as many frames as the video has; a video
 * without sound is named; ego-train trains an audio teacher on it and
 * ego-eval evaluates that teacher. */
#include <gst/check/gstcheck.h>
#include <gst/ego/ego.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

#include "egotestdataset.h"
#include "tsmnet.h"
#include "fixture.h"

#define FPS 15
#define MELS 64
#define WINDOW 128
/* egomelframes.h's affine map of log-mel to levels */
#define LEVEL_LOW (-13.815511)
#define LEVEL_HIGH 10.0

static gchar *tmpdir, *data_dir;

/* A dataset with sound, rendered once by ego-dataset. */
static void
setup_data (void)
{
  gchar *options = g_strdup_printf ("--clips 12 --videos 3 --seed 4 "
      "--width 64 --height 48 --fps %d", FPS);
  tmpdir = fixture_tmpdir ("egoaudio-XXXXXX");
  data_dir = g_build_filename (tmpdir, "data", NULL);
  ego_test_dataset_render (data_dir, options);
  g_free (options);
}

static void
teardown_data (void)
{
  ego_test_remove_tree (tmpdir);
  g_free (tmpdir);
  g_free (data_dir);
}

/* ------------------------------------------------------------------------ */
/* Running pipelines */

typedef struct
{
  GPtrArray *buffers;
  gint width, height;
} Collect;

static void
on_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  Collect *c = data;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstVideoInfo vi;
  if (caps && gst_video_info_from_caps (&vi, caps)) {
    c->width = GST_VIDEO_INFO_WIDTH (&vi);
    c->height = GST_VIDEO_INFO_HEIGHT (&vi);
  }
  if (caps)
    gst_caps_unref (caps);
  g_ptr_array_add (c->buffers, gst_buffer_ref (buf));
}

/* Runs "<head> ! fakesink" to the end, collecting the buffers; returns
 * the error message, or NULL. */
static gchar *
run (const gchar * head, Collect * c)
{
  gchar *desc = g_strdup_printf ("%s ! fakesink name=sink sync=false "
      "signal-handoffs=true", head);
  GstElement *pipe = gst_parse_launch (desc, NULL), *sink;
  gchar *result;
  fail_unless (pipe != NULL, "%s", desc);
  c->buffers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), c);
  result = ego_test_play_to_end (pipe);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  g_free (desc);
  return result;
}

static gchar *
video_path (const gchar * dir, const gchar * video_id)
{
  gchar *name = g_strconcat (video_id, ".mp4", NULL);
  gchar *path = g_build_filename (dir, "videos", name, NULL);
  g_free (name);
  return path;
}

/* The frames of a video, decoded. */
static gint
count_frames (const gchar * path)
{
  gchar *uri = gst_filename_to_uri (path, NULL);
  gchar *head = g_strdup_printf ("uridecodebin uri=%s ! video/x-raw", uri);
  Collect c = { 0 };
  gchar *err = run (head, &c);
  gint n = (gint) c.buffers->len;
  fail_unless (err == NULL, "%s", err);
  g_ptr_array_unref (c.buffers);
  g_free (head);
  g_free (uri);
  return n;
}

/* egomelspec run directly on the decoded sound: window k, centred on k /
 * FPS, is buffer k. */
static GPtrArray *
reference_windows (const gchar * path)
{
  gchar *uri = gst_filename_to_uri (path, NULL);
  gchar *head = g_strdup_printf ("uridecodebin uri=%s ! audio/x-raw ! "
      "audioconvert ! audioresample ! audio/x-raw,format=F32LE,rate=16000,"
      "channels=1 ! egomelspec rate=%d/1 n-mels=%d window-frames=%d", uri,
      FPS, MELS, WINDOW);
  Collect c = { 0 };
  gchar *err = run (head, &c);
  fail_unless (err == NULL, "%s", err);
  for (guint k = 0; k < c.buffers->len; k++) {
    GstBuffer *b = g_ptr_array_index (c.buffers, k);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (b),
        gst_util_uint64_scale (k, GST_SECOND, FPS));
    fail_unless_equals_int (gst_buffer_get_size (b),
        sizeof (gfloat) * MELS * WINDOW);
  }
  g_free (head);
  g_free (uri);
  return c.buffers;
}

/* ------------------------------------------------------------------------ */
/* Probing a video's frames through egodatasetsrc */

/* The first clip of the training split: its video and frames. */
typedef struct
{
  gchar **fields;               /* of its CSV row, the tail unsplit */
  gchar *video;                 /* path */
  gint start, stop;
  gint next_start;              /* of the next clip of the video, or -1 */
} FirstClip;

static void
first_clip (FirstClip * fc)
{
  gchar *path = g_build_filename (data_dir, "annotations", "train.csv",
      NULL), *text = NULL;
  gchar **lines, **next;
  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  fail_unless (g_strv_length (lines) > 3);
  fc->fields = g_strsplit (lines[1], ",", 10);
  next = g_strsplit (lines[2], ",", 10);
  fc->video = video_path (data_dir, fc->fields[2]);
  fc->start = atoi (fc->fields[6]);
  fc->stop = atoi (fc->fields[7]);
  fc->next_start = g_strcmp0 (next[2], fc->fields[2]) == 0 ?
      atoi (next[6]) : -1;
  g_strfreev (next);
  g_strfreev (lines);
  g_free (text);
  g_free (path);
}

static void
first_clip_clear (FirstClip * fc)
{
  g_strfreev (fc->fields);
  g_free (fc->video);
}

/* annotations/<split>.csv of one-frame clips of the first clip's video:
 * with one segment of one candidate, egodatasetsrc plays exactly those
 * frames, in this order. */
static void
write_probe_split (const FirstClip * fc, const gchar * split,
    const gint * frames, guint n)
{
  GString *csv = g_string_new ("narration_id,participant_id,video_id,"
      "narration_timestamp,start_timestamp,stop_timestamp,start_frame,"
      "stop_frame,narration,verb,verb_class,noun,noun_class,all_nouns,"
      "all_noun_classes\n");
  gchar *name = g_strconcat (split, ".csv", NULL);
  gchar *path = g_build_filename (data_dir, "annotations", name, NULL);
  for (guint i = 0; i < n; i++) {
    gchar **f = g_strdupv (fc->fields);
    gchar *line;
    g_free (f[0]);
    f[0] = g_strdup_printf ("%s_probe_%u", fc->fields[2], i);
    g_free (f[6]);
    f[6] = g_strdup_printf ("%d", frames[i]);
    g_free (f[7]);
    f[7] = g_strdup_printf ("%d", frames[i]);
    line = g_strjoinv (",", f);
    g_string_append_printf (csv, "%s\n", line);
    g_free (line);
    g_strfreev (f);
  }
  fail_unless (g_file_set_contents (path, csv->str, -1, NULL));
  g_string_free (csv, TRUE);
  g_free (path);
  g_free (name);
}

/* egodatasetsrc modality=audio on a split, frames the size of a window
 * (one pixel per spectrogram frame and mel band) divided by scale. */
static gchar *
run_audio_source (const gchar * data, const gchar * split, gint scale,
    Collect * c)
{
  gchar *head = g_strdup_printf ("egodatasetsrc data=%s split=%s "
      "modality=audio width=%d height=%d frames=1 candidates=1", data, split,
      WINDOW / scale, MELS / scale);
  gchar *err = run (head, c);
  g_free (head);
  return err;
}

static gint
level (gdouble logmel)
{
  gdouble v = (logmel - LEVEL_LOW) * 255.0 / (LEVEL_HIGH - LEVEL_LOW);
  return (gint) CLAMP (floor (v + 0.5), 0.0, 255.0);
}

/* Sample i of n values v[j * stride] resampled to n / scale, as
 * egomelframes.h says: scale 1 is v itself; at scale 2 output i sits at
 * input 2 i + 0.5 and a triangle two samples wide each side weighs inputs
 * 2 i - 1 .. 2 i + 2 by 1, 3, 3, 1, renormalised at the ends. */
static gdouble
resampled (const gfloat * v, gint n, gint stride, gint i, gint scale)
{
  const gdouble w[4] = { 1, 3, 3, 1 };
  gdouble sum = 0.0, wsum = 0.0;
  if (scale == 1)
    return v[i * stride];
  for (gint k = 0; k < 4; k++) {
    gint j = 2 * i - 1 + k;
    if (j >= 0 && j < n) {
      sum += w[k] * v[j * stride];
      wsum += w[k];
    }
  }
  return sum / wsum;
}

/* The largest difference between a frame and the window drawn at 1 /
 * scale of its size as egomelframes.h says: resampled in time, then in
 * frequency, time along x, band 0 at the bottom, grey. */
static gint
worst_difference (GstBuffer * frame, GstBuffer * window, gint scale)
{
  const gint w = WINDOW / scale, h = MELS / scale;
  const gint stride = GST_ROUND_UP_4 (w * 3);
  gfloat *rows = g_new (gfloat, MELS * w);
  GstMapInfo f, m;
  gint worst = 0;
  fail_unless (gst_buffer_map (frame, &f, GST_MAP_READ));
  fail_unless (gst_buffer_map (window, &m, GST_MAP_READ));
  for (gint b = 0; b < MELS; b++)
    for (gint x = 0; x < w; x++)
      rows[b * w + x] = resampled ((const gfloat *) m.data + b * WINDOW,
          WINDOW, 1, x, scale);
  for (gint y = 0; y < h; y++)
    for (gint x = 0; x < w; x++) {
      const guint8 *p = f.data + y * stride + 3 * x;
      gint want = level (resampled (rows + x, MELS, w, h - 1 - y, scale));
      fail_unless (p[0] == p[1] && p[1] == p[2], "not grey");
      worst = MAX (worst, ABS (p[0] - want));
    }
  gst_buffer_unmap (window, &m);
  gst_buffer_unmap (frame, &f);
  g_free (rows);
  return worst;
}

static gdouble
mean_difference (GstBuffer * a, GstBuffer * b)
{
  GstMapInfo ma, mb;
  gdouble sum = 0.0;
  fail_unless (gst_buffer_map (a, &ma, GST_MAP_READ));
  fail_unless (gst_buffer_map (b, &mb, GST_MAP_READ));
  for (gsize i = 0; i < ma.size && i < mb.size; i++)
    sum += ABS ((gint) ma.data[i] - (gint) mb.data[i]);
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  return sum / ma.size;
}

static gint
meta_frame (Collect * c, guint i)
{
  GstEgoClipMeta *m = gst_buffer_get_ego_clip_meta (g_ptr_array_index
      (c->buffers, i));
  fail_unless (m != NULL);
  return m->frame;
}

/* ------------------------------------------------------------------------ */

/* Frame f is egomelspec's window f - 1, centred on (f - 1) / rate, run on
 * the decoded sound: at an action's start frame (and not its neighbour),
 * its middle, in the gap after it, and at the video's first and last
 * frames; the action's window is not the gap's. */
GST_START_TEST (test_windows_centred_on_frames)
{
  FirstClip fc;
  Collect c = { 0 };
  GPtrArray *ref;
  gint frames[5], n;
  gchar *err;
  first_clip (&fc);
  n = count_frames (fc.video);
  ref = reference_windows (fc.video);
  /* AAC's last packet is padded: this sound outlasts the pictures */
  fail_unless (ref->len >= (guint) n, "%u windows, %d frames", ref->len, n);
  frames[0] = fc.start;
  frames[1] = (fc.start + fc.stop) / 2;
  frames[2] = fc.next_start > 0 ? (fc.stop + fc.next_start) / 2 :
      MIN (n, fc.stop + 10);
  frames[3] = 1;
  frames[4] = n;
  write_probe_split (&fc, "probe", frames, G_N_ELEMENTS (frames));
  err = run_audio_source (data_dir, "probe", 1, &c);
  fail_unless (err == NULL, "%s", err);
  fail_unless_equals_int (c.buffers->len, G_N_ELEMENTS (frames));
  fail_unless_equals_int (c.width, WINDOW);
  fail_unless_equals_int (c.height, MELS);
  for (guint i = 0; i < G_N_ELEMENTS (frames); i++) {
    GstBuffer *frame = g_ptr_array_index (c.buffers, i);
    gint worst = worst_difference (frame, g_ptr_array_index (ref,
            frames[i] - 1), 1);
    fail_unless_equals_int (meta_frame (&c, i), frames[i]);
    fail_unless (worst <= 1, "frame %d: off by %d levels", frames[i], worst);
  }
  fail_unless (worst_difference (g_ptr_array_index (c.buffers, 0),
          g_ptr_array_index (ref, frames[0]), 1) > 16);
  fail_unless (mean_difference (g_ptr_array_index (c.buffers, 1),
          g_ptr_array_index (c.buffers, 2)) > 4.0);
  g_ptr_array_unref (c.buffers);
  g_ptr_array_unref (ref);
  first_clip_clear (&fc);
}

GST_END_TEST;

/* The frames are the video's, however long the sound: a clip reaching one
 * frame past the last is past the end, with the video's frame count. */
GST_START_TEST (test_as_many_frames_as_the_video)
{
  FirstClip fc;
  Collect c = { 0 };
  gint n, beyond;
  gchar *err, *want;
  first_clip (&fc);
  n = count_frames (fc.video);
  beyond = n + 1;
  write_probe_split (&fc, "beyond", &beyond, 1);
  err = run_audio_source (data_dir, "beyond", 1, &c);
  want = g_strdup_printf ("needs frame %d, past the end of %s (%d frames)",
      n + 1, fc.video, n);
  fail_unless (err != NULL && strstr (err, want), "%s", err);
  g_free (want);
  g_free (err);
  g_ptr_array_unref (c.buffers);
  first_clip_clear (&fc);
}

GST_END_TEST;

/* A video without a sound track is an error that names it; an unknown
 * modality lists the known ones. */
GST_START_TEST (test_silent_video_is_named)
{
  gchar *dir = g_build_filename (tmpdir, "silent", NULL), *err, *path;
  EgoTestDatasetSpec spec;
  Collect c = { 0 };
  ego_test_dataset_spec_init (&spec);
  spec.train_videos = 1;
  spec.validation_videos = 1;
  spec.clips_per_video = 1;
  ego_test_dataset_write (dir, &spec);
  err = run_audio_source (dir, "train", 1, &c);
  fail_unless_equals_int (c.buffers->len, 0);
  g_ptr_array_unref (c.buffers);
  fail_unless (err != NULL && strstr (err, "no audio track"), "%s", err);
  path = g_build_filename (dir, "videos", NULL);
  fail_unless (strstr (err, path) && strstr (err, ".mp4"), "%s", err);
  g_free (path);
  g_free (err);
  path = g_strdup_printf ("egodatasetsrc data=%s modality=sound", dir);
  err = run (path, &c);
  fail_unless (err && strstr (err, "\"audio\""), "%s", err);
  g_ptr_array_unref (c.buffers);
  g_free (path);
  g_free (err);
  g_free (dir);
}

GST_END_TEST;

/* Frames of another size are the window resampled: at half size, each
 * level is the log-mel averaged by egomelframes.h's triangle filter. */
GST_START_TEST (test_resized_window)
{
  FirstClip fc;
  Collect c = { 0 };
  GPtrArray *ref;
  gint frame;
  gchar *err;
  first_clip (&fc);
  ref = reference_windows (fc.video);
  frame = (fc.start + fc.stop) / 2;
  write_probe_split (&fc, "half", &frame, 1);
  err = run_audio_source (data_dir, "half", 2, &c);
  fail_unless (err == NULL, "%s", err);
  fail_unless_equals_int (c.buffers->len, 1);
  fail_unless_equals_int (c.width, WINDOW / 2);
  fail_unless (worst_difference (g_ptr_array_index (c.buffers, 0),
          g_ptr_array_index (ref, frame - 1), 2) <= 1);
  g_ptr_array_unref (c.buffers);
  g_ptr_array_unref (ref);
  first_clip_clear (&fc);
}

GST_END_TEST;

/* Stopping in the middle of a video's sound, and starting again, neither
 * hangs nor leaks: the reader's waits give way to cancellation. */
GST_START_TEST (test_stop_mid_stream)
{
  gchar *desc = g_strdup_printf ("egodatasetsrc data=%s split=train,"
      "validation modality=audio short-side=32 ! fakesink sync=false",
      data_dir);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  for (gint round = 0; round < 2; round++) {
    /* PLAYING is reached once a frame is at the sink */
    fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
        GST_STATE_CHANGE_FAILURE);
    fail_unless (gst_element_get_state (pipe, NULL, NULL,
            GST_CLOCK_TIME_NONE) == GST_STATE_CHANGE_SUCCESS);
    g_usleep (G_USEC_PER_SEC / 20);
    fail_unless (gst_element_set_state (pipe, GST_STATE_NULL) ==
        GST_STATE_CHANGE_SUCCESS);
  }
  gst_object_unref (pipe);
  g_free (desc);
}

GST_END_TEST;

/* ego-train --modality audio writes a 1-channel audio teacher; ego-eval
 * reads the modality from it and evaluates it on the sound. */
GST_START_TEST (test_train_and_evaluate)
{
  gchar *out = g_build_filename (tmpdir, "teacher", NULL), *json = NULL;
  gchar *model = g_build_filename (out, "model.safetensors", NULL);
  const gchar *train[] = { EGO_BUILD_DIR "/pipelines/ego-train", "--data",
    data_dir, "--out", out, "--modality", "audio", "--frames", "4",
    "--size", "24", "--short-side", "28", "--base-width", "4", "--blocks",
    "1,1", "--batch", "4", "--epochs", "1", "--threads", "1", "--no-report",
    NULL
  };
  const gchar *eval[] = { EGO_BUILD_DIR "/pipelines/ego-eval", "--model",
    model, "--data", data_dir, "--split", "validation", "--json", NULL
  };
  EgoModelMeta meta = { 0 };
  GError *error = NULL;
  EgoNet *net;
  fail_unless_equals_int (fixture_run (train, NULL), 0);
  net = ego_net_load (model, &meta, &error);
  fail_unless (net != NULL, "%s", error ? error->message : "");
  fail_unless_equals_string (meta.modality, "audio");
  fail_unless_equals_string (meta.kind, "teacher");
  fail_unless_equals_int (meta.channels, 1);
  fail_unless_equals_int (ego_net_config (net)->in_channels, 1);
  fail_unless_equals_int (fixture_run (eval, &json), 0);
  fail_unless (strstr (json, "\"verb\": {\"top1\"") != NULL, "%s", json);
  ego_net_free (net);
  ego_model_meta_clear (&meta);
  g_free (json);
  g_free (model);
  g_free (out);
}

GST_END_TEST;

static Suite *
egoaudio_suite (void)
{
  Suite *s = suite_create ("egoaudio");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  tcase_add_unchecked_fixture (tc, setup_data, teardown_data);
  tcase_add_test (tc, test_windows_centred_on_frames);
  tcase_add_test (tc, test_resized_window);
  tcase_add_test (tc, test_as_many_frames_as_the_video);
  tcase_add_test (tc, test_stop_mid_stream);
  tcase_add_test (tc, test_silent_video_is_named);
  tcase_add_test (tc, test_train_and_evaluate);
  return s;
}

GST_CHECK_MAIN (egoaudio);
