/* ego-dataset's writer, see datasetwriter.h. */
#include "datasetwriter.h"

#include <gst/gst.h>
#include <gst/ego/ego.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "dataset_csv.h"
#include "rng.h"
#include "scenario.h"

#define EPIC_HEADER "narration_id,participant_id,video_id," \
  "narration_timestamp,start_timestamp,stop_timestamp,start_frame," \
  "stop_frame,narration,verb,verb_class,noun,noun_class,all_nouns," \
  "all_noun_classes\n"

static const char *split_names[3] = { "train", "validation", "test" };

typedef struct
{
  int index;
  char video_id[32], participant[16];
  guint64 seed;
  int n_clips, split;
  int n_frames;
  GString *rows;                /* annotation rows of this video */
  gboolean ok;
  gchar *error;
} Video;

typedef struct
{
  const EgoDatasetSpec *spec;
  Video *videos;
  GMutex lock;
  EgoDatasetProgress progress;
  EgoDatasetProgressFunc report;
  gpointer report_data;
  gint64 t0;
} Writer;

void
ego_dataset_spec_init (EgoDatasetSpec * s)
{
  memset (s, 0, sizeof (*s));
  s->seed = 1;
  s->width = s->height = 128;
  s->fps = 30;
  s->difficulty = 0.5;
  s->box_jitter = 0.05;
  s->box_drop = 0.05;
  s->false_boxes = 0.1;
}

static gboolean
check_spec (EgoDatasetSpec * s, GError ** error)
{
  const char *bad = NULL;
  if (s->videos == 0)
    s->videos = CLAMP (s->clips / 30, MIN (6, s->clips), 99);
  if (s->clips < 1 || s->clips > 1000000)
    bad = "--clips must be 1 to 1000000";
  else if (s->videos < 3 || s->videos > 99 || s->videos > s->clips)
    bad = "--videos must be 3 to 99, and no more than the clips";
  else if (s->width < 32 || s->height < 32 || s->width > 1920
      || s->height > 1080 || s->width % 2 || s->height % 2)
    bad = "the size must be even, 32x32 to 1920x1080";
  else if (s->fps < 5 || s->fps > 60)
    bad = "--fps must be 5 to 60";
  else if (!(s->difficulty >= 0 && s->difficulty <= 1))
    bad = "--difficulty must be 0 to 1";
  else if (!(s->box_jitter >= 0 && s->box_jitter <= 1 && s->box_drop >= 0
          && s->box_drop <= 1 && s->false_boxes >= 0 && s->false_boxes <= 10))
    bad = "detection noise out of range";
  if (bad)
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s", bad);
  return bad == NULL;
}

/* ------------------------------------------------------------------------ */
/* The plan: videos, their clips, participants and splits */

/* Frame n (from 1) shows time (n - 1) / fps. */
static void
add_row (Video * v, const EgoAction * a, int k, int fps)
{
  int start = (int) ceil (a->start * fps) + 1;
  int stop = MIN ((int) ceil (a->end * fps), v->n_frames);
  const char *verb = ego_verb_key (a->verb), *noun = ego_noun_key (a->noun);
  g_string_append_printf (v->rows, "%s_%d,%s,%s,", v->video_id, k,
      v->participant, v->video_id);
  ego_format_timestamp (v->rows, a->start);
  g_string_append_c (v->rows, ',');
  ego_format_timestamp (v->rows, a->start);
  g_string_append_c (v->rows, ',');
  ego_format_timestamp (v->rows, a->end);
  g_string_append_printf (v->rows, ",%d,%d,%s %s,%s,%d,%s,%d,\"['%s']\","
      "[%d]\n", start, MAX (stop, start), verb, noun, verb, a->verb, noun,
      a->noun, noun, a->noun);
}

/* Scenario settings of one video. */
static EgoScenario *
video_scenario (const EgoDatasetSpec * s, const Video * v)
{
  EgoScenarioParams p;
  ego_scenario_params_init (&p, v->seed);
  p.difficulty = (float) s->difficulty;
  return ego_scenario_new (&p);
}

static void
plan_video (const EgoDatasetSpec * s, Video * v)
{
  EgoScenario *sc = video_scenario (s, v);
  const EgoAction *last = ego_scenario_get_action (sc, v->n_clips - 1);
  /* a moment of idle after the last action, as recordings have */
  v->n_frames = (int) ceil ((last->end + 0.6) * s->fps);
  v->rows = g_string_new (NULL);
  for (int k = 0; k < v->n_clips; k++)
    add_row (v, ego_scenario_get_action (sc, k), k, s->fps);
  ego_scenario_free (sc);
}

/* Participants in a seeded order: 70% train, 15% validation, 15% test,
 * with at least one video in each. */
static void
assign_splits (const EgoDatasetSpec * s, Video * videos)
{
  guint n = (guint) s->videos;
  int *order = g_new (int, n);
  int n_val = MAX (1, (int) lround (0.15 * n)), n_test = n_val;
  EgoRng rng;
  ego_rng_seed (&rng, s->seed, 77);
  for (guint i = 0; i < n; i++)
    order[i] = (int) i;
  for (guint i = n - 1; i > 0; i--) {
    guint j = ego_rng_below (&rng, i + 1);
    int t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (guint i = 0; i < n; i++)
    videos[order[i]].split = (int) i < n_val ? 1 :
        ((int) i < n_val + n_test ? 2 : 0);
  g_free (order);
}

static Video *
plan (const EgoDatasetSpec * s, long *total_frames)
{
  Video *videos = g_new0 (Video, s->videos);
  *total_frames = 0;
  for (int i = 0; i < s->videos; i++) {
    Video *v = &videos[i];
    v->index = i;
    g_snprintf (v->participant, sizeof (v->participant), "P%02d", i + 1);
    g_snprintf (v->video_id, sizeof (v->video_id), "P%02d_01", i + 1);
    v->seed = s->seed * 1000003ULL + (guint64) i * 7919ULL + 1;
    v->n_clips = s->clips / s->videos + (i < s->clips % s->videos);
    plan_video (s, v);
    *total_frames += v->n_frames;
  }
  assign_splits (s, videos);
  return videos;
}

/* ------------------------------------------------------------------------ */
/* Detections: the truth, made imperfect */

typedef struct
{
  Writer *w;
  Video *v;
  GString *jsonl;
  EgoRng rng;
  int frame;
} Recorder;

static void
append_box (GString * s, gboolean first, double x1, double y1, double x2,
    double y2, const char *category, double score, const char *side,
    gboolean contact)
{
  g_string_append_printf (s, "%s{\"x1\": %.4f, \"y1\": %.4f, \"x2\": %.4f, "
      "\"y2\": %.4f, \"category\": \"%s\", \"score\": %.3f, \"side\": %s%s%s, "
      "\"contact\": %s}", first ? "" : ", ", CLAMP (x1, 0, 1), CLAMP (y1, 0,
          1), CLAMP (x2, 0, 1), CLAMP (y2, 0, 1), category, score,
      side ? "\"" : "", side ? side : "null", side ? "\"" : "",
      contact ? "true" : "false");
}

static gboolean
record_true_box (Recorder * r, const GstEgoBox * b, double w, double h,
    gboolean first)
{
  const EgoDatasetSpec *s = r->w->spec;
  double bw = (b->x2 - b->x1) / w, bh = (b->y2 - b->y1) / h;
  double j = s->box_jitter;
  if (ego_rng_uniform (&r->rng) < s->box_drop)
    return FALSE;
  append_box (r->jsonl, first,
      b->x1 / w + j * bw * ego_rng_normal (&r->rng),
      b->y1 / h + j * bh * ego_rng_normal (&r->rng),
      b->x2 / w + j * bw * ego_rng_normal (&r->rng),
      b->y2 / h + j * bh * ego_rng_normal (&r->rng),
      b->category == GST_EGO_BOX_HAND ? "hand" : "object",
      0.7 + 0.29 * ego_rng_uniform (&r->rng),
      b->category != GST_EGO_BOX_HAND ? NULL :
      (b->side == GST_EGO_SIDE_LEFT ? "left" : "right"), b->contact);
  return TRUE;
}

static void
record_frame (Recorder * r, const GstEgoTruthMeta * truth, double w, double h)
{
  gboolean first = TRUE;
  g_string_append_printf (r->jsonl, "{\"frame\": %d, \"boxes\": [", r->frame);
  for (guint i = 0; truth && i < truth->n_boxes; i++)
    if (record_true_box (r, &truth->boxes[i], w, h, first))
      first = FALSE;
  /* false detections: small low-scoring boxes anywhere */
  while (ego_rng_uniform (&r->rng) < r->w->spec->false_boxes / (1.0 +
          r->w->spec->false_boxes)) {
    double x = ego_rng_uniform (&r->rng), y = ego_rng_uniform (&r->rng);
    double size = 0.05 + 0.15 * ego_rng_uniform (&r->rng);
    append_box (r->jsonl, first, x, y, x + size, y + size, "object",
        0.3 + 0.3 * ego_rng_uniform (&r->rng), NULL, FALSE);
    first = FALSE;
  }
  g_string_append (r->jsonl, "]}\n");
}

static GstPadProbeReturn
on_frame (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Recorder *r = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  const EgoDatasetSpec *s = r->w->spec;
  r->frame++;
  record_frame (r, gst_buffer_get_ego_truth_meta (buf), s->width, s->height);
  g_mutex_lock (&r->w->lock);
  r->w->progress.done_frames++;
  r->w->progress.elapsed = (g_get_monotonic_time () - r->w->t0) / 1e6;
  r->w->progress.finished_video = FALSE;
  if (r->w->progress.done_frames % 500 == 0 && r->w->report)
    r->w->report (&r->w->progress, r->w->report_data);
  g_mutex_unlock (&r->w->lock);
  return GST_PAD_PROBE_OK;
}

/* ------------------------------------------------------------------------ */
/* Rendering one video */

static GstElement *
video_pipeline (const EgoDatasetSpec * s, const Video * v, const char *path,
    GError ** error)
{
  gchar *desc = g_strdup_printf ("egosynthsrc name=src seed=%" G_GUINT64_FORMAT
      " num-buffers=%d difficulty=%g ! video/x-raw,format=RGB,width=%d,"
      "height=%d,framerate=%d/1 ! videoconvert ! video/x-raw,format=I420 ! "
      /* 4:2:0 as a camera records it, playable everywhere */
      "x264enc speed-preset=faster pass=qual quantizer=22"
      " key-int-max=%d threads=1 ! queue ! mp4mux name=mux ! "
      "filesink location=\"%s\"  src.audio ! audio/x-raw,rate=16000,"
      "channels=1 ! audioconvert ! avenc_aac ! queue ! mux.", v->seed,
      v->n_frames, s->difficulty, s->width, s->height, s->fps, s->fps * 2,
      path);
  GstElement *p = gst_parse_launch (desc, error);
  g_free (desc);
  return p;
}

static gboolean
run_pipeline (GstElement * p, GError ** error)
{
  GstBus *bus = gst_element_get_bus (p);
  GstMessage *msg;
  gboolean ok;
  gst_element_set_state (p, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ok = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
  if (!ok)
    gst_message_parse_error (msg, error, NULL);
  gst_message_unref (msg);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (bus);
  return ok;
}

static gboolean
render_video (Writer * w, Video * v, GError ** error)
{
  const EgoDatasetSpec *s = w->spec;
  gchar *name = g_strconcat (v->video_id, ".mp4", NULL);
  gchar *path = g_build_filename (s->out, "videos", name, NULL);
  gchar *tmp = g_strconcat (path, ".part", NULL);
  gchar *det = g_strdup_printf ("%s/detections/%s.jsonl", s->out,
      v->video_id);
  Recorder r = { w, v, g_string_new (NULL), {0, 0}, 0 };
  GstElement *p = video_pipeline (s, v, tmp, error), *src;
  GstPad *pad;
  gboolean ok = p != NULL;
  ego_rng_seed (&r.rng, v->seed, 5);
  if (ok) {
    src = gst_bin_get_by_name (GST_BIN (p), "src");
    pad = gst_element_get_static_pad (src, "video");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_frame, &r, NULL);
    gst_object_unref (pad);
    gst_object_unref (src);
    ok = run_pipeline (p, error);
    if (ok && r.frame != v->n_frames) {
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
          "rendered %d of %d frames", r.frame, v->n_frames);
      ok = FALSE;
    }
    gst_object_unref (p);
  }
  ok = ok && g_file_set_contents (det, r.jsonl->str, r.jsonl->len, error)
      && g_rename (tmp, path) == 0;
  if (!ok)
    g_unlink (tmp);
  g_string_free (r.jsonl, TRUE);
  g_free (det);
  g_free (tmp);
  g_free (path);
  g_free (name);
  return ok;
}

static void
render_job (gpointer data, gpointer user)
{
  Writer *w = user;
  Video *v = data;
  GError *error = NULL;
  v->ok = render_video (w, v, &error);
  if (!v->ok)
    v->error = g_strdup_printf ("%s: %s", v->video_id, error ? error->message
        : "rendering failed");
  g_clear_error (&error);
  g_mutex_lock (&w->lock);
  w->progress.done_videos++;
  w->progress.finished_video = TRUE;
  w->progress.elapsed = (g_get_monotonic_time () - w->t0) / 1e6;
  if (w->report)
    w->report (&w->progress, w->report_data);
  g_mutex_unlock (&w->lock);
}

/* ------------------------------------------------------------------------ */
/* Annotation files */

static gboolean
write_classes (const EgoDatasetSpec * s, GError ** error)
{
  GString *verbs = g_string_new ("id,key\n"), *nouns = g_string_new ("id,key\n");
  gchar *vp = g_build_filename (s->out, "annotations", "verb_classes.csv",
      NULL);
  gchar *np = g_build_filename (s->out, "annotations", "noun_classes.csv",
      NULL);
  gboolean ok;
  for (int i = 0; i < EGO_N_VERBS; i++)
    g_string_append_printf (verbs, "%d,%s\n", i, ego_verb_key (i));
  for (int i = 0; i < EGO_N_NOUNS; i++)
    g_string_append_printf (nouns, "%d,%s\n", i, ego_noun_key (i));
  ok = g_file_set_contents (vp, verbs->str, verbs->len, error)
      && g_file_set_contents (np, nouns->str, nouns->len, error);
  g_string_free (verbs, TRUE);
  g_string_free (nouns, TRUE);
  g_free (vp);
  g_free (np);
  return ok;
}

static gboolean
write_splits (const EgoDatasetSpec * s, Video * videos, GError ** error)
{
  gboolean ok = TRUE;
  for (int split = 0; ok && split < 3; split++) {
    GString *csv = g_string_new (EPIC_HEADER);
    gchar *file = g_strconcat (split_names[split], ".csv", NULL);
    gchar *path = g_build_filename (s->out, "annotations", file, NULL);
    for (int i = 0; i < s->videos; i++)
      if (videos[i].split == split)
        g_string_append_len (csv, videos[i].rows->str, videos[i].rows->len);
    ok = g_file_set_contents (path, csv->str, csv->len, error);
    g_string_free (csv, TRUE);
    g_free (path);
    g_free (file);
  }
  return ok;
}

static gboolean
make_folders (const EgoDatasetSpec * s, GError ** error)
{
  const char *sub[] = { "annotations", "videos", "detections" };
  for (int i = 0; i < 3; i++) {
    gchar *d = g_build_filename (s->out, sub[i], NULL);
    int r = g_mkdir_with_parents (d, 0755);
    g_free (d);
    if (r != 0) {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
          "%s/%s: %s", s->out, sub[i], g_strerror (errno));
      return FALSE;
    }
  }
  return TRUE;
}

/* The annotations of a dataset rendered into the folder before: the
 * videos are replaced one by one and the annotations written last, so a
 * render that stops half way must not leave the old annotations over new
 * videos (a dataset that reads, and whose labels are another scene's). */
static gboolean
forget_annotations (const EgoDatasetSpec * s, GError ** error)
{
  const char *files[] = { "train.csv", "validation.csv", "test.csv",
    "verb_classes.csv", "noun_classes.csv"
  };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    gchar *path = g_build_filename (s->out, "annotations", files[i], NULL);
    gboolean ok = g_unlink (path) == 0 || errno == ENOENT;
    if (!ok)
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
          "%s: cannot remove the annotations of the dataset before: %s",
          path, g_strerror (errno));
    g_free (path);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

gboolean
ego_dataset_write (EgoDatasetSpec * s, int jobs,
    EgoDatasetProgressFunc report, gpointer data, GError ** error)
{
  Writer w;
  GstElementFactory *factory;
  GThreadPool *pool;
  long total;
  gboolean ok;
  memset (&w, 0, sizeof (w));
  w.spec = s;
  if (!check_spec (s, error) || !make_folders (s, error)
      || !forget_annotations (s, error))
    return FALSE;
  factory = gst_element_factory_find ("egosynthsrc");
  if (factory == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "the egosynthsrc element is missing (set GST_PLUGIN_PATH to "
        "build/elements)");
    return FALSE;
  }
  gst_object_unref (factory);
  w.videos = plan (s, &total);
  g_mutex_init (&w.lock);
  w.progress.total_videos = s->videos;
  w.progress.total_frames = total;
  w.report = report;
  w.report_data = data;
  w.t0 = g_get_monotonic_time ();
  pool = g_thread_pool_new (render_job, &w, CLAMP (jobs, 1, 16), TRUE, NULL);
  for (int i = 0; i < s->videos; i++)
    g_thread_pool_push (pool, &w.videos[i], NULL);
  g_thread_pool_free (pool, FALSE, TRUE);
  ok = TRUE;
  for (int i = 0; ok && i < s->videos; i++)
    if (!w.videos[i].ok) {
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED, "%s",
          w.videos[i].error);
      ok = FALSE;
    }
  ok = ok && write_classes (s, error) && write_splits (s, w.videos, error);
  for (int i = 0; i < s->videos; i++) {
    g_string_free (w.videos[i].rows, TRUE);
    g_free (w.videos[i].error);
  }
  g_free (w.videos);
  g_mutex_clear (&w.lock);
  return ok;
}
