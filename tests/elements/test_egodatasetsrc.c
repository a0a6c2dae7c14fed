/* egodatasetsrc: the clips of a dataset come out with the right frames,
 * metas and event, from video files and from frame folders; broken
 * datasets are reported with file and line; state changes mid-stream. */
#include <gst/check/gstcheck.h>
#include <gst/ego/ego.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "egotestdataset.h"
#include "fixture.h"

#define T 4
#define C 3

static gchar *tmpdir, *videos_dir, *frames_dir;
static EgoTestDatasetSpec videos_spec, frames_spec;

typedef struct
{
  GstEgoClipMeta meta;
  gboolean discont;
  gdouble square_x;             /* left edge, in video pixels; -1: none */
  gint noun;                    /* colour of the square, -1: none */
} Seen;

typedef struct
{
  GArray *seen;                 /* of Seen */
  GstStructure *dataset;        /* the ego-dataset event's */
  gint width, height;
  gdouble to_video;             /* cache x -> video x */
} Collect;

static void
setup_data (void)
{
  gchar *p;
  tmpdir = fixture_tmpdir ("egodatasetsrc-XXXXXX");
  videos_dir = g_build_filename (tmpdir, "videos-set", NULL);
  frames_dir = g_build_filename (tmpdir, "frames-set", NULL);
  ego_test_dataset_spec_init (&videos_spec);
  videos_spec.train_videos = 2;
  videos_spec.validation_videos = 1;
  videos_spec.clips_per_video = 6;
  ego_test_dataset_write (videos_dir, &videos_spec);
  frames_spec = videos_spec;
  frames_spec.jpeg_frames = TRUE;
  ego_test_dataset_write (frames_dir, &frames_spec);
  p = g_build_filename (frames_dir, "videos", NULL);
  g_rmdir (p);
  g_free (p);
}

static void
teardown_data (void)
{
  ego_test_remove_tree (tmpdir);
  g_free (tmpdir);
  g_free (videos_dir);
  g_free (frames_dir);
}

/* Where the square is in an RGB frame, and its colour. */
static void
find_square (const guint8 * px, gint stride, gint w, gint h, Seen * s)
{
  gdouble sum = 0.0, n = 0.0, rgb[3] = { 0, 0, 0 };
  for (gint y = 0; y < h; y++)
    for (gint x = 0; x < w; x++) {
      const guint8 *p = px + y * stride + 3 * x;
      gint mx = MAX (p[0], MAX (p[1], p[2]));
      gint mn = MIN (p[0], MIN (p[1], p[2]));
      if (mx - mn > 80) {
        sum += x + 0.5;
        n += 1.0;
        for (gint c = 0; c < 3; c++)
          rgb[c] += p[c];
      }
    }
  s->square_x = -1.0;
  s->noun = -1;
  if (n < 4)
    return;
  s->square_x = sum / n;
  s->noun = rgb[0] > rgb[1] && rgb[0] > rgb[2] ? 0 : (rgb[1] > rgb[2] ? 1 : 2);
}

static GstPadProbeReturn
on_data (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Collect *c = data;
  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
    const GstStructure *s = gst_event_get_structure (ev);
    if (GST_EVENT_TYPE (ev) == GST_EVENT_CUSTOM_DOWNSTREAM_STICKY
        && gst_structure_has_name (s, GST_EGO_DATASET_EVENT)) {
      fail_unless (c->dataset == NULL);
      c->dataset = gst_structure_copy (s);
    } else if (GST_EVENT_TYPE (ev) == GST_EVENT_CAPS) {
      GstCaps *caps;
      GstVideoInfo vi;
      gst_event_parse_caps (ev, &caps);
      fail_unless (gst_video_info_from_caps (&vi, caps));
      c->width = GST_VIDEO_INFO_WIDTH (&vi);
      c->height = GST_VIDEO_INFO_HEIGHT (&vi);
    }
  } else {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    GstEgoClipMeta *meta = gst_buffer_get_ego_clip_meta (buf);
    GstMapInfo map;
    Seen s;
    fail_unless (meta != NULL);
    fail_unless (c->dataset != NULL, "frames before the dataset event");
    s.meta = *meta;
    s.discont = GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT);
    gst_buffer_map (buf, &map, GST_MAP_READ);
    find_square (map.data, GST_ROUND_UP_4 (c->width * 3), c->width,
        c->height, &s);
    gst_buffer_unmap (buf, &map);
    g_array_append_val (c->seen, s);
  }
  return GST_PAD_PROBE_OK;
}

/* Runs the source to the end; returns the error message, or NULL. */
static gchar *
run_source (const gchar * props, Collect * c)
{
  gchar *desc = g_strdup_printf ("egodatasetsrc name=src %s ! fakesink",
      props);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  GstPad *pad = gst_element_get_static_pad (src, "src");
  gchar *result;
  memset (c, 0, sizeof (*c));
  c->seen = g_array_new (FALSE, FALSE, sizeof (Seen));
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_data, c, NULL);
  result = ego_test_play_to_end (pipe);
  gst_object_unref (pad);
  gst_object_unref (src);
  gst_object_unref (pipe);
  g_free (desc);
  return result;
}

static void
collect_clear (Collect * c)
{
  g_array_free (c->seen, TRUE);
  if (c->dataset)
    gst_structure_free (c->dataset);
}

/* The candidate frame numbers of segment t, candidate k, as documented:
 * evenly spread at (t + (k + 0.5) / C) / T of the clip. */
static gint
expected_frame (gint start, gint stop, gint slot)
{
  gint t = slot / C, k = slot % C;
  gdouble len = stop - start + 1;
  return start + (gint) ((t + (k + 0.5) / C) / T * len);
}

/* Every slot of every clip of both splits, in order, with its frame. */
static void
check_stream (Collect * c, const EgoTestDatasetSpec * spec, gdouble tol)
{
  gint per_split[2] = { spec->train_videos * spec->clips_per_video,
    spec->validation_videos * spec->clips_per_video
  };
  guint i = 0;
  fail_unless_equals_int (c->seen->len, (per_split[0] + per_split[1]) * T * C);
  for (gint split = 0; split < 2; split++)
    for (gint clip = 0; clip < per_split[split]; clip++)
      for (gint slot = 0; slot < T * C; slot++, i++) {
        Seen *s = &g_array_index (c->seen, Seen, i);
        gint v = split * spec->train_videos + clip / spec->clips_per_video;
        gint k = clip % spec->clips_per_video;
        gint f = expected_frame (ego_test_dataset_start (spec, k),
            ego_test_dataset_stop (spec, k), slot);
        gchar *id = g_strdup_printf ("P%02d_01_%d", v + 1, k);
        fail_unless_equals_int (s->meta.split, split);
        fail_unless_equals_int (s->meta.clip, clip);
        fail_unless_equals_string (s->meta.narration_id, id);
        fail_unless_equals_int (s->meta.slot, slot);
        fail_unless_equals_int (s->meta.slots, T * C);
        fail_unless_equals_int (s->meta.segments, T);
        fail_unless_equals_int (s->meta.candidates, C);
        fail_unless_equals_int (s->meta.frame, f);
        fail_unless_equals_int (s->meta.labels[0],
            ego_test_dataset_verb (spec, v, k));
        fail_unless_equals_int (s->meta.labels[1],
            ego_test_dataset_noun (spec, v, k));
        fail_unless (s->discont == (slot == 0));
        /* the pixels are those of that very frame */
        fail_unless_equals_int (s->noun, ego_test_dataset_noun (spec, v, k));
        fail_unless (fabs (s->square_x * c->to_video - spec->square / 2.0 -
                ego_test_dataset_square_x (spec, v, f)) < tol,
            "%s slot %d (frame %d): square at %.2f, expected %.2f", id, slot,
            f, s->square_x * c->to_video - spec->square / 2.0,
            ego_test_dataset_square_x (spec, v, f));
        g_free (id);
      }
}

static void
check_dataset_event (Collect * c, const EgoTestDatasetSpec * spec)
{
  const GValue *splits, *clips, *nouns;
  guint segments, candidates;
  fail_unless (c->dataset != NULL);
  splits = gst_structure_get_value (c->dataset, "splits");
  clips = gst_structure_get_value (c->dataset, "clips");
  nouns = gst_structure_get_value (c->dataset, "noun-labels");
  fail_unless_equals_int (gst_value_array_get_size (splits), 2);
  fail_unless_equals_string (g_value_get_string (gst_value_array_get_value
          (splits, 1)), "validation");
  fail_unless_equals_int (g_value_get_int (gst_value_array_get_value (clips,
              0)), spec->train_videos * spec->clips_per_video);
  fail_unless_equals_int (gst_value_array_get_size (nouns), 3);
  fail_unless_equals_string (g_value_get_string (gst_value_array_get_value
          (nouns, 2)), "blue");
  fail_unless (gst_structure_get_uint (c->dataset, "segments", &segments));
  fail_unless (gst_structure_get_uint (c->dataset, "candidates", &candidates));
  fail_unless_equals_int (segments, T);
  fail_unless_equals_int (candidates, C);
}

/* From mp4 files at the videos' own size: every frame is the right one. */
GST_START_TEST (test_video_files)
{
  Collect c;
  gchar *props = g_strdup_printf ("data=%s split=train,validation frames=%d "
      "candidates=%d width=64 height=48", videos_dir, T, C);
  gchar *error = run_source (props, &c);
  fail_unless (error == NULL, "%s", error);
  fail_unless_equals_int (c.width, 64);
  fail_unless_equals_int (c.height, 48);
  c.to_video = 1.0;
  check_dataset_event (&c, &videos_spec);
  check_stream (&c, &videos_spec, 1.0);
  collect_clear (&c);
  g_free (props);
}

GST_END_TEST;

/* From jpeg frame folders, scaled to a short side of 24 with the videos'
 * aspect (64x48 -> 32x24). */
GST_START_TEST (test_frame_folders)
{
  Collect c;
  gchar *props = g_strdup_printf ("data=%s split=train,validation frames=%d "
      "candidates=%d short-side=24", frames_dir, T, C);
  gchar *error = run_source (props, &c);
  fail_unless (error == NULL, "%s", error);
  fail_unless_equals_int (c.width, 32);
  fail_unless_equals_int (c.height, 24);
  c.to_video = 2.0;
  check_dataset_event (&c, &frames_spec);
  check_stream (&c, &frames_spec, 2.0);
  collect_clear (&c);
  g_free (props);
}

GST_END_TEST;

/* Modalities that need video files refuse frame folders at start, before
 * any clip, naming the folder (optical flow used to fail when the run
 * reached it). */
GST_START_TEST (test_frame_folders_refused)
{
  const gchar *modalities[] = { "flow", "rgbflow", "audio" };

  for (guint i = 0; i < G_N_ELEMENTS (modalities); i++) {
    Collect c;
    gchar *props = g_strdup_printf ("data=%s frames=%d modality=%s",
        frames_dir, T, modalities[i]);
    gchar *error = run_source (props, &c);

    fail_unless (error != NULL, "%s: no error", modalities[i]);
    fail_unless (strstr (error, "modality needs video files") != NULL,
        "%s", error);
    fail_unless (strstr (error, "not frame folders") != NULL, "%s", error);
    fail_unless (strstr (error, "frames-set") != NULL, "%s", error);
    fail_unless_equals_int (c.seen->len, 0);
    g_free (error);
    g_free (props);
    collect_clear (&c);
  }
}

GST_END_TEST;

/* A copy of the video dataset with one file replaced. */
static gchar *
broken_copy (const gchar * name, const gchar * file, const gchar * text,
    gssize len)
{
  gchar *dir = g_build_filename (tmpdir, name, NULL);
  const gchar *files[] = { "annotations/train.csv",
    "annotations/validation.csv", "annotations/verb_classes.csv",
    "annotations/noun_classes.csv", "videos/P01_01.mp4", "videos/P02_01.mp4",
    "videos/P03_01.mp4", NULL
  };
  for (gint i = 0; files[i]; i++) {
    gchar *from = g_build_filename (videos_dir, files[i], NULL);
    gchar *to = g_build_filename (dir, files[i], NULL);
    gchar *parent = g_path_get_dirname (to), *contents;
    gsize n;
    g_mkdir_with_parents (parent, 0755);
    fail_unless (g_file_get_contents (from, &contents, &n, NULL));
    if (strcmp (files[i], file) == 0)
      fail_unless (g_file_set_contents (to, text, len, NULL));
    else
      fail_unless (g_file_set_contents (to, contents, n, NULL));
    g_free (contents);
    g_free (from);
    g_free (to);
    g_free (parent);
  }
  return dir;
}

static gchar *
train_csv_with (const gchar * old, const gchar * new)
{
  gchar *path = g_build_filename (videos_dir, "annotations", "train.csv",
      NULL), *text, **parts, *result;
  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  parts = g_strsplit (text, old, 2);
  fail_unless (parts[1] != NULL, "no '%s' in train.csv", old);
  result = g_strjoin (new, parts[0], parts[1], NULL);
  g_strfreev (parts);
  g_free (text);
  g_free (path);
  return result;
}

static void
expect_error (const gchar * dir, const gchar * const *needles)
{
  Collect c;
  gchar *props = g_strdup_printf ("data=%s frames=%d", dir, T);
  gchar *error = run_source (props, &c);
  fail_unless (error != NULL, "no error for %s", dir);
  for (gint i = 0; needles[i]; i++)
    fail_unless (strstr (error, needles[i]) != NULL,
        "'%s' is not in the error '%s'", needles[i], error);
  g_free (error);
  g_free (props);
  collect_clear (&c);
}

/* a WAV file of a tenth of a second of silence, 8 kHz mono: a file that
 * decodes but has no pictures; its length in *len */
static gchar *
silent_wav (gsize * len)
{
  const guint32 samples = 800, data = samples * 2;
  guint8 *w = g_malloc0 (44 + data);

  memcpy (w, "RIFF", 4);
  GST_WRITE_UINT32_LE (w + 4, 36 + data);
  memcpy (w + 8, "WAVEfmt ", 8);
  GST_WRITE_UINT32_LE (w + 16, 16);
  GST_WRITE_UINT16_LE (w + 20, 1);      /* PCM */
  GST_WRITE_UINT16_LE (w + 22, 1);      /* channels */
  GST_WRITE_UINT32_LE (w + 24, 8000);
  GST_WRITE_UINT32_LE (w + 28, 16000);  /* bytes per second */
  GST_WRITE_UINT16_LE (w + 32, 2);      /* bytes per frame */
  GST_WRITE_UINT16_LE (w + 34, 16);
  memcpy (w + 36, "data", 4);
  GST_WRITE_UINT32_LE (w + 40, data);
  *len = 44 + data;
  return (gchar *) w;
}

/* Broken datasets fail with the file, the line and the clip named. */
GST_START_TEST (test_errors)
{
  gchar *text, *dir;
  /* a clip that ends past its video's last frame (row 2 = CSV line 3) */
  text = train_csv_with (",5,20,", ",5,9000,");
  dir = broken_copy ("past-end", "annotations/train.csv", text, -1);
  expect_error (dir, (const gchar *[]) {
        "train.csv:2", "P01_01_0", "past the end", "P01_01.mp4", NULL
      });
  g_free (text);
  g_free (dir);
  /* a file that does not decode */
  dir = broken_copy ("garbage", "videos/P02_01.mp4", "not a video at all", -1);
  expect_error (dir, (const gchar *[]) {
        "P02_01.mp4", "P02_01_0", "train.csv:8", NULL
      });
  g_free (dir);
  /* a file with sound and no pictures (it used to wait for them for ever) */
  {
    gsize len;
    gchar *wav = silent_wav (&len);

    dir = broken_copy ("no-video", "videos/P02_01.mp4", wav, len);
    expect_error (dir, (const gchar *[]) {
          "P02_01.mp4", "no video stream", "P02_01_0", "train.csv:8", NULL
        });
    g_free (dir);
    g_free (wav);
  }
  /* a bad row */
  text = train_csv_with (",5,20,", ",5,x20,");
  dir = broken_copy ("bad-row", "annotations/train.csv", text, -1);
  expect_error (dir, (const gchar *[]) {
        "train.csv:2", "stop_frame", NULL
      });
  g_free (text);
  g_free (dir);
  /* a missing video */
  dir = broken_copy ("missing", "videos/P02_01.mp4", "", 0);
  {
    gchar *p = g_build_filename (dir, "videos", "P02_01.mp4", NULL);
    g_unlink (p);
    g_free (p);
  }
  expect_error (dir, (const gchar *[]) {
        "train.csv:8", "P02_01", NULL
      });
  g_free (dir);
  /* no dataset folder at all */
  expect_error ("/nonexistent/dataset", (const gchar *[]) {
        "/nonexistent/dataset", NULL
      });
}

GST_END_TEST;

/* Runs the source to the end; returns its warnings, one per line, or
 * NULL. */
static gchar *
warnings_of (const gchar * dir)
{
  gchar *desc = g_strdup_printf ("egodatasetsrc data=%s frames=%d ! "
      "fakesink", dir, T);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipe);
  GString *text = g_string_new (NULL);
  GstMessage *msg;

  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while ((msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING))) {
    GstMessageType type = GST_MESSAGE_TYPE (msg);
    GError *err = NULL;

    fail_if (type == GST_MESSAGE_ERROR);
    if (type == GST_MESSAGE_WARNING) {
      gst_message_parse_warning (msg, &err, NULL);
      g_string_append_printf (text, "%s\n", err->message);
      g_error_free (err);
    }
    gst_message_unref (msg);
    if (type == GST_MESSAGE_EOS)
      break;
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  g_free (desc);
  return text->len ? g_string_free (text, FALSE) : g_string_free (text, TRUE);
}

/* A video whose frame rate does not fit the annotations (the timestamps of
 * one clip say 9 s later than its frames at the video's 30 frames a
 * second: as if the video had been converted to another rate) is named in
 * a warning with the clip's line; a dataset that fits gives none. */
GST_START_TEST (test_rate_mismatch)
{
  gchar *text = train_csv_with (",00:00:00.13,00:00:00.63,5,20,",
      ",00:00:09.13,00:00:09.63,5,20,");
  gchar *dir = broken_copy ("rate", "annotations/train.csv", text, -1);
  gchar *warnings = warnings_of (dir);
  const gchar *needles[] = { "P01_01.mp4", "runs at 30 frames a second",
    "train.csv:2", "P01_01_0", "at 0.13 s", "at 9.13 s", NULL
  };

  fail_unless (warnings != NULL, "no warning");
  for (gint i = 0; needles[i]; i++)
    fail_unless (strstr (warnings, needles[i]) != NULL,
        "'%s' is not in the warnings '%s'", needles[i], warnings);
  fail_unless (strchr (warnings, '\n') == warnings + strlen (warnings) - 1,
      "more than one warning: %s", warnings);
  g_free (warnings);
  warnings = warnings_of (videos_dir);
  fail_unless (warnings == NULL, "%s", warnings);
  g_free (text);
  g_free (dir);
}

GST_END_TEST;

/* Stopping in the middle of a video, again and again, neither hangs nor
 * leaks. */
GST_START_TEST (test_state_cycles)
{
  gchar *desc = g_strdup_printf ("egodatasetsrc data=%s frames=%d ! "
      "fakesink sync=true", videos_dir, T);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  for (gint i = 0; i < 20; i++) {
    fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
        GST_STATE_CHANGE_FAILURE);
    if (i % 4 == 0)
      gst_element_get_state (pipe, NULL, NULL, GST_CLOCK_TIME_NONE);
    g_usleep (i * 1000);
    fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
  }
  gst_object_unref (pipe);
  g_free (desc);
}

GST_END_TEST;

static Suite *
egodatasetsrc_suite (void)
{
  Suite *s = suite_create ("egodatasetsrc");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  /* in each test's own process: GStreamer's threads do not survive a fork */
  tcase_add_checked_fixture (tc, setup_data, teardown_data);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_video_files);
  tcase_add_test (tc, test_frame_folders);
  tcase_add_test (tc, test_frame_folders_refused);
  tcase_add_test (tc, test_errors);
  tcase_add_test (tc, test_rate_mismatch);
  tcase_add_test (tc, test_state_cycles);
  return s;
}

GST_CHECK_MAIN (egodatasetsrc);
