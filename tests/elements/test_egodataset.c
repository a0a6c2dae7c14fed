/* ego-dataset: writes a dataset that the reader accepts, deterministically,
 * with participants split between train, validation and test. */
#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dataset.h"
#include "fixture.h"

static gchar *
write_dataset_clips (guint64 seed, gint clips, gint height)
{
  gchar *dir = fixture_tmpdir ("egodataset-XXXXXX");
  gchar *cmd = g_strdup_printf ("%s/pipelines/ego-dataset --out %s "
      "--clips %d --videos 3 --seed %" G_GUINT64_FORMAT " --width 64 "
      "--height %d --fps 15 --jobs 1", EGO_BUILD_DIR, dir, clips, seed,
      height);
  gint status = -1;
  gchar *err = NULL, **argv = NULL;
  /* as a user runs it: meson sets MALLOC_PERTURB_ for tests, which would
   * hide reads of memory nobody wrote */
  gchar **env = g_environ_unsetenv (g_get_environ (), "MALLOC_PERTURB_");
  fail_unless (g_shell_parse_argv (cmd, NULL, &argv, NULL));
  fail_unless (g_spawn_sync (NULL, argv, env, 0, NULL, NULL, NULL, &err,
          &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL), "%s: %s", cmd, err);
  g_strfreev (env);
  g_strfreev (argv);
  g_free (err);
  g_free (cmd);
  return dir;
}

static gchar *
write_dataset (guint64 seed)
{
  return write_dataset_clips (seed, 12, 48);
}

/* The H.264 stream of a video file (the file's header holds its creation
 * time, so files are compared by their streams). */
static GBytes *
video_stream (const gchar * dir, const gchar * video)
{
  gchar *desc = g_strdup_printf ("filesrc location=%s/videos/%s.mp4 ! "
      "qtdemux ! video/x-h264 ! appsink name=sink sync=false", dir, video);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  GByteArray *bytes = g_byte_array_new ();
  GstSample *sample;
  fail_unless (pipe != NULL && sink != NULL, "%s", desc);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstMapInfo m;
    GstBuffer *buf = gst_sample_get_buffer (sample);
    fail_unless (gst_buffer_map (buf, &m, GST_MAP_READ));
    g_byte_array_append (bytes, m.data, m.size);
    gst_buffer_unmap (buf, &m);
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  g_free (desc);
  return g_byte_array_free_to_bytes (bytes);
}

static gchar *
read_file (const gchar * dir, const gchar * a, const gchar * b)
{
  gchar *path = g_build_filename (dir, a, b, NULL), *text = NULL;
  fail_unless (g_file_get_contents (path, &text, NULL, NULL), "%s", path);
  g_free (path);
  return text;
}


/* The reader opens every split; the header is EPIC-100's exactly; clips lie
 * inside their videos; participants do not cross splits; detections parse. */
GST_START_TEST (test_reader_accepts)
{
  gchar *dir = write_dataset (5), *csv;
  const gchar *splits[] = { "train", "validation", "test" };
  GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  gint total = 0;
  csv = read_file (dir, "annotations", "train.csv");
  fail_unless (g_str_has_prefix (csv, "narration_id,participant_id,video_id,"
          "narration_timestamp,start_timestamp,stop_timestamp,start_frame,"
          "stop_frame,narration,verb,verb_class,noun,noun_class,all_nouns,"
          "all_noun_classes\n"));
  g_free (csv);
  for (guint s = 0; s < 3; s++) {
    GError *error = NULL;
    EgoDataset *ds = ego_dataset_open (dir, splits[s], TRUE, &error);
    fail_unless (ds != NULL, "%s", error ? error->message : "");
    fail_unless (ego_dataset_n_clips (ds) > 0);
    total += ego_dataset_n_clips (ds);
    for (gint v = 0; v < ego_dataset_n_videos (ds); v++) {
      const EgoVideo *video = ego_dataset_video (ds, v);
      EgoDetections *det = ego_dataset_load_detections (ds, video->video_id,
          &error);
      fail_unless (det != NULL, "%s", error ? error->message : "");
      fail_unless (det->n_frames > 0);
      fail_if (g_hash_table_contains (seen, video->participant_id));
      g_hash_table_add (seen, g_strdup (video->participant_id));
      ego_detections_free (det);
    }
    for (gint i = 0; i < ego_dataset_n_clips (ds); i++) {
      const EgoClip *c = ego_dataset_clip (ds, i);
      fail_unless (c->start_frame >= 1 && c->stop_frame > c->start_frame);
      fail_unless (c->verb_class >= 0 && c->noun_class >= 0);
    }
    ego_dataset_free (ds);
  }
  fail_unless_equals_int (total, 12);
  g_hash_table_destroy (seen);
  fixture_remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

/* The same seed writes the same annotations and detections; another seed
 * other ones. */
GST_START_TEST (test_deterministic)
{
  gchar *a = write_dataset (9), *b = write_dataset (9), *c = write_dataset (10);
  const gchar *files[][2] = { {"annotations", "train.csv"},
  {"annotations", "test.csv"}, {"detections", "P01_01.jsonl"}
  };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    gchar *ta = read_file (a, files[i][0], files[i][1]);
    gchar *tb = read_file (b, files[i][0], files[i][1]);
    fail_unless_equals_string (ta, tb);
    g_free (ta);
    g_free (tb);
  }
  {
    gchar *ta = read_file (a, "detections", "P01_01.jsonl");
    gchar *tc = read_file (c, "detections", "P01_01.jsonl");
    fail_if (g_strcmp0 (ta, tc) == 0);
    g_free (ta);
    g_free (tc);
  }
  fixture_remove_tree (a);
  fixture_remove_tree (b);
  fixture_remove_tree (c);
  g_free (a);
  g_free (b);
  g_free (c);
}

GST_END_TEST;

/* The same seed writes the same video streams, every video of the process
 * (the second and third used to differ from run to run in a few frames). */
GST_START_TEST (test_videos_deterministic)
{
  gchar *a = write_dataset_clips (2024, 120, 64);
  gchar *b = write_dataset_clips (2024, 120, 64);
  const gchar *videos[] = { "P01_01", "P02_01", "P03_01" };
  for (guint i = 0; i < G_N_ELEMENTS (videos); i++) {
    GBytes *va = video_stream (a, videos[i]), *vb = video_stream (b, videos[i]);
    fail_unless (g_bytes_get_size (va) > 1000);
    fail_unless (g_bytes_equal (va, vb), "%s: the streams differ", videos[i]);
    g_bytes_unref (va);
    g_bytes_unref (vb);
  }
  fixture_remove_tree (a);
  fixture_remove_tree (b);
  g_free (a);
  g_free (b);
}

GST_END_TEST;

/* Bad arguments are refused with a message naming the option, and
 * nothing crashes; an option that makes no sense is a usage error (2), not
 * wrapped or clamped into another value. */
GST_START_TEST (test_bad_arguments)
{
  const gchar *cases[][2] = {
    {"--clips 10 --videos 2", "--videos"},
    {"--clips -5", "--clips -5"},
    {"--clips 10 --seed -1", "--seed -1"},
    {"--clips 10 --jobs 0", "--jobs 0"},
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *cmd = g_strdup_printf ("%s/pipelines/ego-dataset --out "
        "/nonexistent/x %s", EGO_BUILD_DIR, cases[i][0]), *err = NULL;
    gint status = 0;
    fail_unless (g_spawn_command_line_sync (cmd, NULL, &err, &status, NULL));
    fail_unless (WIFEXITED (status), "%s", cmd);
    fail_unless (WEXITSTATUS (status) == 1 || WEXITSTATUS (status) == 2,
        "%s: %d", cmd, WEXITSTATUS (status));
    fail_unless (i == 0 || WEXITSTATUS (status) == 2, "%s", cmd);
    fail_unless (strstr (err, cases[i][1]) != NULL, "%s: %s", cmd, err);
    g_free (err);
    g_free (cmd);
  }
}

GST_END_TEST;

/* Every video is one a stranger's tools accept: gst-discoverer-1.0 finds an
 * H.264 video stream in 4:2:0 (playable everywhere) and an AAC audio stream,
 * and no error. */
GST_START_TEST (test_discoverer_accepts)
{
  gchar *dir = write_dataset (5);
  const gchar *videos[] = { "P01_01", "P02_01", "P03_01" };
  gchar *tool = g_find_program_in_path ("gst-discoverer-1.0");
  fail_unless (tool != NULL, "gst-discoverer-1.0 is not installed "
      "(Debian: gstreamer1.0-plugins-base-apps)");
  for (guint i = 0; i < G_N_ELEMENTS (videos); i++) {
    gchar *cmd = g_strdup_printf ("%s %s/videos/%s.mp4", tool, dir, videos[i]);
    gchar *out = NULL;
    gint status = -1;
    fail_unless (g_spawn_command_line_sync (cmd, &out, NULL, &status, NULL));
    fail_unless (g_spawn_check_wait_status (status, NULL), "%s", cmd);
    fail_unless (strstr (out, "error") == NULL, "%s:\n%s", cmd, out);
    fail_unless (strstr (out, "video #") != NULL, "%s:\n%s", cmd, out);
    fail_unless (strstr (out, "H.264 (High Profile)") != NULL
        || strstr (out, "H.264 (Main Profile)") != NULL, "%s:\n%s", cmd, out);
    fail_unless (strstr (out, "audio #") != NULL, "%s:\n%s", cmd, out);
    fail_unless (strstr (out, "AAC") != NULL, "%s:\n%s", cmd, out);
    g_free (out);
    g_free (cmd);
  }
  g_free (tool);
  fixture_remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

/* A damaged video (cut short, as by a failed copy) stops training with a
 * message that names the file; nothing crashes. */
GST_START_TEST (test_truncated_video_reported)
{
  gchar *dir = write_dataset (5), *video, *cmd, *err = NULL, *out_dir;
  GStatBuf st;
  gint status = 0;
  EgoDataset *ds = ego_dataset_open (dir, "train", TRUE, NULL);
  fail_unless (ds != NULL);
  video = g_strdup (ego_dataset_clip (ds, 0)->video_id);
  ego_dataset_free (ds);
  {
    gchar *path = g_strdup_printf ("%s/videos/%s.mp4", dir, video);
    fail_unless (g_stat (path, &st) == 0);
    fail_unless (truncate (path, st.st_size / 2) == 0);
    g_free (path);
  }
  out_dir = g_build_filename (dir, "run", NULL);
  cmd = g_strdup_printf ("%s/pipelines/ego-train --data %s --out %s "
      "--size 32 --base-width 8 --epochs 1 --threads 1 --validation-split=",
      EGO_BUILD_DIR, dir, out_dir);
  fail_unless (g_spawn_command_line_sync (cmd, NULL, &err, &status, NULL));
  fail_if (g_spawn_check_wait_status (status, NULL), "%s succeeded", cmd);
  fail_unless (WIFEXITED (status), "%s crashed: %s", cmd, err);
  {
    gchar *name = g_strdup_printf ("%s.mp4", video);
    fail_unless (strstr (err, name) != NULL, "%s", err);
    g_free (name);
  }
  g_free (err);
  g_free (cmd);
  g_free (out_dir);
  g_free (video);
  fixture_remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

/* Rendering again into a dataset's folder removes its annotations before
 * the first video is replaced, so that a render stopped half way leaves no
 * dataset rather than the old labels over new videos. */
GST_START_TEST (test_render_again_forgets_annotations)
{
  gchar *dir = write_dataset (5);
  gchar *train = g_build_filename (dir, "annotations", "train.csv", NULL);
  gchar *vdir = g_build_filename (dir, "videos", NULL);
  gchar *argv[] = { (gchar *) EGO_BUILD_DIR "/pipelines/ego-dataset",
    (gchar *) "--out", dir, (gchar *) "--clips", (gchar *) "120",
    (gchar *) "--videos", (gchar *) "3", (gchar *) "--seed", (gchar *) "6",
    (gchar *) "--width", (gchar *) "64", (gchar *) "--height",
    (gchar *) "48", (gchar *) "--fps", (gchar *) "15", (gchar *) "--jobs",
    (gchar *) "1", NULL
  };
  gboolean seen = FALSE;
  gint status;
  GPid pid;

  fail_unless (g_file_test (train, G_FILE_TEST_EXISTS));
  fail_unless (g_spawn_async (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
          G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
          NULL, &pid, NULL));
  /* the first video being written: the old labels must be gone by then */
  for (gint i = 0; i < 30000 && !seen; i++) {
    GDir *d = g_dir_open (vdir, 0, NULL);
    const gchar *name;
    while (d && (name = g_dir_read_name (d)))
      seen |= g_str_has_suffix (name, ".part");
    if (d)
      g_dir_close (d);
    if (!seen)
      g_usleep (1000);
  }
  fail_unless (seen, "no video was being written");
  fail_if (g_file_test (train, G_FILE_TEST_EXISTS),
      "the old annotations are still there while a new video is written");
  kill (pid, SIGKILL);
  waitpid (pid, &status, 0);
  g_spawn_close_pid (pid);
  fail_if (ego_dataset_open (dir, "train", TRUE, NULL) != NULL);
  g_free (vdir);
  g_free (train);
  fixture_remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

static Suite *
egodataset_suite (void)
{
  Suite *s = suite_create ("egodataset");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_reader_accepts);
  tcase_add_test (tc, test_deterministic);
  tcase_add_test (tc, test_videos_deterministic);
  tcase_add_test (tc, test_bad_arguments);
  tcase_add_test (tc, test_discoverer_accepts);
  tcase_add_test (tc, test_truncated_video_reported);
  tcase_add_test (tc, test_render_again_forgets_annotations);
  return s;
}

GST_CHECK_MAIN (egodataset);
