/* Element tests: tiny datasets made on the spot, see egotestdataset.h. */
#include "egotestdataset.h"

#include <gst/gst.h>
#include <glib/gstdio.h>
#include <string.h>

#define FPS 30

static const guint8 colours[EGO_TEST_NOUNS][3] = {
  {220, 40, 40}, {40, 190, 60}, {50, 70, 220}
};

static const gchar *header =
    "narration_id,participant_id,video_id,narration_timestamp,"
    "start_timestamp,stop_timestamp,start_frame,stop_frame,narration,verb,"
    "verb_class,noun,noun_class,all_nouns,all_noun_classes\n";

void
ego_test_dataset_spec_init (EgoTestDatasetSpec * s)
{
  memset (s, 0, sizeof (*s));
  s->train_videos = 4;
  s->validation_videos = 2;
  s->clips_per_video = 12;
  s->width = 64;
  s->height = 48;
  s->clip_frames = 16;
  s->gap_frames = 4;
  s->square = 12;
  s->seed = 1;
}

int
ego_test_dataset_start (const EgoTestDatasetSpec * s, int k)
{
  return 1 + s->gap_frames + k * (s->clip_frames + s->gap_frames);
}

int
ego_test_dataset_stop (const EgoTestDatasetSpec * s, int k)
{
  return ego_test_dataset_start (s, k) + s->clip_frames - 1;
}

int
ego_test_dataset_verb (const EgoTestDatasetSpec * s, int v, int k)
{
  return (k / EGO_TEST_NOUNS + v) % EGO_TEST_VERBS;
}

int
ego_test_dataset_noun (const EgoTestDatasetSpec * s, int v, int k)
{
  return (k + v) % EGO_TEST_NOUNS;
}

static int
clip_at (const EgoTestDatasetSpec * s, int f)
{
  int k = (f - 1 - s->gap_frames) / (s->clip_frames + s->gap_frames);
  if (f < 1 || k >= s->clips_per_video || f < ego_test_dataset_start (s, k)
      || f > ego_test_dataset_stop (s, k))
    return -1;
  return k;
}

/* The square travels a third of the width, from a place that varies from
 * clip to clip, so that no single frame tells the direction. */
double
ego_test_dataset_square_x (const EgoTestDatasetSpec * s, int v, int f)
{
  int k = clip_at (s, f);
  double travel = s->width / 3.0, room = s->width - s->square - travel, t;
  double start;
  if (k < 0)
    return -1.0;
  start = room * ((k * 7 + v * 3) % 11) / 10.0;
  t = (double) (f - ego_test_dataset_start (s, k)) / (s->clip_frames - 1);
  return start + travel * (ego_test_dataset_verb (s, v, k) ? t : 1.0 - t);
}

static int
square_y (const EgoTestDatasetSpec * s, int v, int k)
{
  return (int) ((v * 7 + k * 5 + s->seed * 3) % (s->height - s->square));
}

/* Video v's frame f: a fixed texture, and the square during a clip. */
static void
draw (const EgoTestDatasetSpec * s, int v, int f, guint8 * px)
{
  int k = clip_at (s, f), x0 = 0, y0 = 0;
  if (k >= 0) {
    x0 = (int) (ego_test_dataset_square_x (s, v, f) + 0.5);
    y0 = square_y (s, v, k);
  }
  for (int y = 0; y < s->height; y++)
    for (int x = 0; x < s->width; x++) {
      guint8 *p = px + 3 * (y * s->width + x);
      guint8 g = (guint8) (110 + ((x * 37 + y * 91 + v * 13) % 29));
      p[0] = p[1] = p[2] = g;
      if (k >= 0 && x >= x0 && x < x0 + s->square && y >= y0
          && y < y0 + s->square)
        memcpy (p, colours[ego_test_dataset_noun (s, v, k)], 3);
    }
}

static void
encode_video (const EgoTestDatasetSpec * s, int v, const gchar * target)
{
  gchar *desc = s->jpeg_frames ?
      g_strdup_printf ("appsrc name=src format=time ! videoconvert ! "
      "jpegenc quality=95 ! multifilesink index=1 location=%s/frame_%%010d.jpg",
      target) :
      g_strdup_printf ("appsrc name=src format=time ! videoconvert ! "
      "x264enc speed-preset=ultrafast pass=quant quantizer=12 ! mp4mux ! "
      "filesink location=%s", target);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  GstCaps *caps = gst_caps_new_simple ("video/x-raw", "format",
      G_TYPE_STRING, "RGB", "width", G_TYPE_INT, s->width, "height",
      G_TYPE_INT, s->height, "framerate", GST_TYPE_FRACTION, FPS, 1, NULL);
  int n = ego_test_dataset_stop (s, s->clips_per_video - 1) + s->gap_frames;
  GstMessage *msg;
  GstFlowReturn ret;
  g_assert_nonnull (pipe);
  g_object_set (src, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  for (int f = 1; f <= n; f++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL,
        (gsize) s->width * s->height * 3, NULL);
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    draw (s, v, f, map.data);
    gst_buffer_unmap (buf, &map);
    GST_BUFFER_PTS (buf) = gst_util_uint64_scale (f - 1, GST_SECOND, FPS);
    GST_BUFFER_DURATION (buf) = GST_SECOND / FPS;
    g_signal_emit_by_name (src, "push-buffer", buf, &ret);
    gst_buffer_unref (buf);
  }
  g_signal_emit_by_name (src, "end-of-stream", &ret);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe),
      GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (pipe);
  g_free (desc);
}

static gchar *
timestamp (int frame)
{
  double t = (frame - 1) / (double) FPS;
  int m = (int) (t / 60);
  return g_strdup_printf ("00:%02d:%05.2f", m, t - 60 * m);
}

static void
append_rows (GString * csv, const EgoTestDatasetSpec * s, int v,
    const gchar * participant, const gchar * video_id)
{
  static const gchar *verbs[] = { "move-left", "move-right" };
  static const gchar *nouns[] = { "red", "green", "blue" };
  for (int k = 0; k < s->clips_per_video; k++) {
    int a = ego_test_dataset_start (s, k), b = ego_test_dataset_stop (s, k);
    int verb = ego_test_dataset_verb (s, v, k);
    int noun = ego_test_dataset_noun (s, v, k);
    gchar *ta = timestamp (a), *tb = timestamp (b);
    g_string_append_printf (csv, "%s_%d,%s,%s,%s,%s,%s,%d,%d,%s %s,%s,%d,"
        "%s,%d,\"['%s']\",[%d]\n", video_id, k, participant, video_id, ta,
        ta, tb, a, b, verbs[verb], nouns[noun], verbs[verb], verb,
        nouns[noun], noun, nouns[noun], noun);
    g_free (ta);
    g_free (tb);
  }
}

static void
write_split (const gchar * dir, const EgoTestDatasetSpec * s,
    const gchar * split, int first, int count)
{
  GString *csv = g_string_new (header);
  gchar *path;
  for (int v = first; v < first + count; v++) {
    gchar *participant = g_strdup_printf ("P%02d", v + 1);
    gchar *video_id = g_strdup_printf ("%s_01", participant);
    gchar *target;
    append_rows (csv, s, v, participant, video_id);
    if (s->jpeg_frames) {
      target = g_build_filename (dir, "frames", participant, video_id, NULL);
      g_mkdir_with_parents (target, 0755);
    } else {
      gchar *name = g_strconcat (video_id, ".mp4", NULL);
      target = g_build_filename (dir, "videos", name, NULL);
      g_free (name);
    }
    encode_video (s, v, target);
    g_free (target);
    g_free (participant);
    g_free (video_id);
  }
  path = g_strdup_printf ("%s/annotations/%s.csv", dir, split);
  g_assert_true (g_file_set_contents (path, csv->str, -1, NULL));
  g_free (path);
  g_string_free (csv, TRUE);
}

void
ego_test_dataset_write (const gchar * dir, const EgoTestDatasetSpec * s)
{
  gchar *annotations = g_build_filename (dir, "annotations", NULL);
  gchar *videos = g_build_filename (dir, "videos", NULL);
  gchar *p;
  g_mkdir_with_parents (annotations, 0755);
  g_mkdir_with_parents (videos, 0755);
  p = g_build_filename (annotations, "verb_classes.csv", NULL);
  g_file_set_contents (p, "id,key\n0,move-left\n1,move-right\n", -1, NULL);
  g_free (p);
  p = g_build_filename (annotations, "noun_classes.csv", NULL);
  g_file_set_contents (p, "id,key\n0,red\n1,green\n2,blue\n", -1, NULL);
  g_free (p);
  write_split (dir, s, "train", 0, s->train_videos);
  write_split (dir, s, "validation", s->train_videos, s->validation_videos);
  g_free (annotations);
  g_free (videos);
}

void
ego_test_remove_tree (const gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  if (d == NULL) {
    g_unlink (dir);
    return;
  }
  while ((name = g_dir_read_name (d))) {
    gchar *p = g_build_filename (dir, name, NULL);
    if (g_file_test (p, G_FILE_TEST_IS_DIR))
      ego_test_remove_tree (p);
    else
      g_unlink (p);
    g_free (p);
  }
  g_dir_close (d);
  g_rmdir (dir);
}

void
ego_test_dataset_render (const gchar * dir, const gchar * options)
{
  gchar *cmd = g_strdup_printf ("%s/pipelines/ego-dataset --out %s %s",
      EGO_BUILD_DIR, dir, options), *err = NULL;
  gint status = -1;
  GError *error = NULL;
  if (!g_spawn_command_line_sync (cmd, NULL, &err, &status, &error))
    g_error ("%s: %s", cmd, error->message);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s: %s", cmd, err);
  g_free (err);
  g_free (cmd);
}

gchar *
ego_test_play_to_end (GstElement * pipe)
{
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg;
  gchar *text = NULL;
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gst_message_parse_error (msg, &err, NULL);
    text = g_strdup (err->message);
    g_error_free (err);
  }
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  return text;
}
