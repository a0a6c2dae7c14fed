/* egoteacher: the fused teacher of an rgb and a flow network equals the
 * fusion (models/fusion.h) of what ego-eval --logits gives for each on the
 * same split, under every scheme; the first pad's frames pass unchanged;
 * misaligned pads, wrong modalities and missing models fail clearly. */
#include <gst/check/gstcheck.h>
#include <gst/ego/ego.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "egotestdataset.h"
#include "egotestmodel.h"
#include "fusion.h"
#include "tsmnet.h"
#include "fixture.h"

#define T 4
#define SIZE 24
#define SHORT_SIDE 30
#define VERBS 2
#define NOUNS 3
#define CLIPS 12
#define SOURCE "egodatasetsrc data=%s split=%s frames=4 candidates=3 " \
    "short-side=30 modality=%s"

static gchar *tmpdir, *data_dir, *rgb_model, *flow_model;
static EgoTestDatasetSpec spec;
static GHashTable *rgb_logits, *flow_logits;    /* id -> (VERBS + NOUNS) */
static const gint classes[2] = { VERBS, NOUNS };

/* Every line's logits, verb then noun, by narration id. */
static GHashTable *
read_logits (const gchar * path)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  gchar *text = NULL, **lines;
  fail_unless (g_file_get_contents (path, &text, NULL, NULL), "%s", path);
  lines = g_strsplit (text, "\n", -1);
  for (gint i = 0; lines[i] && *lines[i]; i++) {
    JsonParser *parser = json_parser_new ();
    JsonObject *o;
    gfloat *z = g_new (gfloat, VERBS + NOUNS);
    fail_unless (json_parser_load_from_data (parser, lines[i], -1, NULL));
    o = json_node_get_object (json_parser_get_root (parser));
    for (gint h = 0, n = 0; h < 2; h++) {
      JsonArray *a = json_object_get_array_member (o, h ? "noun" : "verb");
      fail_unless_equals_int (json_array_get_length (a), classes[h]);
      for (gint c = 0; c < classes[h]; c++)
        z[n++] = (gfloat) json_array_get_double_element (a, c);
    }
    g_hash_table_insert (table, g_strdup (json_object_get_string_member (o,
                "narration_id")), z);
    g_object_unref (parser);
  }
  g_strfreev (lines);
  g_free (text);
  return table;
}

/* ego-eval --logits of a model on the validation split. */
static GHashTable *
eval_logits (const gchar * model, const gchar * name)
{
  gchar *out = g_build_filename (tmpdir, name, NULL), *err = NULL;
  const gchar *argv[] = { EGO_BUILD_DIR "/pipelines/ego-eval", "--model",
    model, "--data", data_dir, "--split", "validation", "--short-side",
    G_STRINGIFY (SHORT_SIDE), "--threads", "1", "--logits", out, NULL
  };
  gint status = -1;
  GHashTable *table;
  fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL,
          G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err, &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL), "ego-eval: %s", err);
  table = read_logits (out);
  fail_unless_equals_int (g_hash_table_size (table), CLIPS);
  g_free (err);
  g_free (out);
  return table;
}

/* Logits that differ from clip to clip and from the other teacher's: the
 * comparisons below mean something. */
static void
check_informative (GHashTable * a, GHashTable * b)
{
  GHashTableIter it;
  gpointer id, z;
  const gfloat *first = NULL;
  gdouble across = 0.0, between = 0.0;
  g_hash_table_iter_init (&it, a);
  while (g_hash_table_iter_next (&it, &id, &z)) {
    const gfloat *za = z, *zb = g_hash_table_lookup (b, id);
    first = first ? first : za;
    for (gint c = 0; c < VERBS + NOUNS; c++) {
      across = MAX (across, fabs (za[c] - first[c]));
      between = MAX (between, fabs (za[c] - zb[c]));
    }
  }
  fail_unless (across > 0.1 && between > 0.1, "%g %g", across, between);
}

static void
setup (void)
{
  tmpdir = fixture_tmpdir ("egoteacher-XXXXXX");
  data_dir = g_build_filename (tmpdir, "data", NULL);
  ego_test_dataset_spec_init (&spec);
  spec.train_videos = spec.validation_videos = 1;
  ego_test_dataset_write (data_dir, &spec);
  rgb_model = ego_test_teacher_write (tmpdir, "rgb.safetensors", "rgb", 3,
      SIZE, T, 5);
  flow_model = ego_test_teacher_write (tmpdir, "flow.safetensors", "flow",
      2, SIZE, T, 9);
  rgb_logits = eval_logits (rgb_model, "rgb-eval.jsonl");
  flow_logits = eval_logits (flow_model, "flow-eval.jsonl");
  check_informative (rgb_logits, flow_logits);
  check_informative (flow_logits, rgb_logits);
}

static void
teardown (void)
{
  ego_test_remove_tree (tmpdir);
  g_hash_table_unref (rgb_logits);
  g_hash_table_unref (flow_logits);
  g_free (rgb_model);
  g_free (flow_model);
  g_free (data_dir);
  g_free (tmpdir);
}

/* ------------------------------------------------------------------------ */
/* Running a pipeline */

typedef struct
{
  GPtrArray *frames;            /* what reached "out" */
  GstStructure *done;           /* egoteacher-done */
  gchar *error;                 /* the first error, message and debug */
} Run;

static void
run_clear (Run * r)
{
  g_clear_pointer (&r->frames, g_ptr_array_unref);
  g_clear_pointer (&r->done, gst_structure_free);
  g_clear_pointer (&r->error, g_free);
}

static GstPadProbeReturn
keep_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  g_ptr_array_add (data, gst_buffer_ref (GST_PAD_PROBE_INFO_BUFFER (info)));
  return GST_PAD_PROBE_OK;
}

static void
take_error (GstMessage * msg, Run * r)
{
  GError *err = NULL;
  gchar *debug = NULL;
  gst_message_parse_error (msg, &err, &debug);
  r->error = g_strdup_printf ("%s | %s", err->message, GST_STR_NULL (debug));
  g_clear_error (&err);
  g_free (debug);
}

/* Plays to EOS, then back to NULL; FALSE on an error. */
static gboolean
play (GstElement * pipe, Run * r)
{
  GstBus *bus = gst_element_get_bus (pipe);
  gboolean ok = TRUE;
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while (TRUE) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT);
    GstMessageType type = GST_MESSAGE_TYPE (msg);
    if (type == GST_MESSAGE_ERROR)
      take_error (msg, r);
    else if (type == GST_MESSAGE_ELEMENT && gst_message_has_name (msg,
            "egoteacher-done")) {
      g_clear_pointer (&r->done, gst_structure_free);
      r->done = gst_structure_copy (gst_message_get_structure (msg));
    }
    gst_message_unref (msg);
    if (type == GST_MESSAGE_ERROR || type == GST_MESSAGE_EOS) {
      ok = type == GST_MESSAGE_EOS;
      break;
    }
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  return ok;
}

/* Plays a launch line that ends in "fakesink name=out" to its end, plays
 * times over; FALSE on an error, whose text is in r->error. */
static gboolean
run_pipeline_times (const gchar * desc, gint plays, Run * r)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "out");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  gboolean ok = TRUE;
  memset (r, 0, sizeof (*r));
  r->frames = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, keep_buffer, r->frames,
      NULL);
  for (gint i = 0; ok && i < plays; i++)
    ok = play (pipe, r);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  return ok;
}

static gboolean
run_pipeline (const gchar * desc, Run * r)
{
  return run_pipeline_times (desc, 1, r);
}

/* egoteacher with props on an rgb source (sink_0) and a source of
 * modality mod1 on split1 (sink_1). */
static gchar *
teacher_line (const gchar * props, const gchar * split1, const gchar * mod1)
{
  return g_strdup_printf ("egoteacher name=t %s ! fakesink name=out "
      "sync=false " SOURCE " ! t.sink_0 " SOURCE " ! t.sink_1", props,
      data_dir, "validation", "rgb", data_dir, split1, mod1);
}

/* ------------------------------------------------------------------------ */
/* Checking the results */

/* The fusion of models/fusion.h of teachers a and b on one clip. */
static void
expected_fusion (EgoFusionScheme scheme, gdouble tau_w, const gfloat * za,
    const gfloat * zb, const gint * labels, const gfloat dw[2][2], gfloat * out)
{
  for (gint h = 0, off = 0; h < 2; off += classes[h], h++) {
    gint k = classes[h];
    gfloat logits[2 * NOUNS], w[2];
    int32_t y = labels ? labels[h] : 0;
    memcpy (logits, za + off, sizeof (gfloat) * k);
    memcpy (logits + k, zb + off, sizeof (gfloat) * k);
    fail_unless (ego_fusion_weights (scheme, logits, &y, 2, 1, k, tau_w,
            dw ? dw[h] : NULL, w, NULL));
    ego_fusion_apply (logits, w, 2, 1, k, out + off);
  }
}

/* The clips' labels, as the frames' clip meta has them. */
static GHashTable *
frame_labels (GPtrArray * frames)
{
  GHashTable *labels = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, g_free);
  for (guint j = 0; j < frames->len; j++) {
    GstEgoClipMeta *m = gst_buffer_get_ego_clip_meta (frames->pdata[j]);
    fail_unless (m != NULL);
    g_hash_table_insert (labels, g_strdup (m->narration_id),
        g_memdup2 (m->labels, sizeof (gint) * 2));
  }
  return labels;
}

static gint
count_lines (const gchar * path)
{
  gchar *text = NULL;
  gint n = 0;
  fail_unless (g_file_get_contents (path, &text, NULL, NULL), "%s", path);
  for (const gchar * c = text; *c; c++)
    n += *c == '\n';
  g_free (text);
  return n;
}

/* One line per clip of the split in path, each the fusion of a and b. */
static GHashTable *
check_fused (const gchar * path, EgoFusionScheme scheme, gdouble tau_w,
    const gfloat dw[2][2], GHashTable * a, GHashTable * b, GHashTable * labels)
{
  GHashTable *fused = read_logits (path);
  GHashTableIter it;
  gpointer id, za;
  gdouble worst = 0.0;
  fail_unless_equals_int (count_lines (path), CLIPS);
  fail_unless_equals_int (g_hash_table_size (fused), CLIPS);
  g_hash_table_iter_init (&it, a);
  while (g_hash_table_iter_next (&it, &id, &za)) {
    const gfloat *z = g_hash_table_lookup (fused, id);
    gfloat want[VERBS + NOUNS];
    fail_unless (z != NULL, "no line for clip %s", (gchar *) id);
    expected_fusion (scheme, tau_w, za, g_hash_table_lookup (b, id),
        labels ? g_hash_table_lookup (labels, id) : NULL, dw, want);
    for (gint c = 0; c < VERBS + NOUNS; c++) {
      worst = MAX (worst, fabs (z[c] - want[c]));
      fail_unless (fabs (z[c] - want[c]) < 1e-4, "clip %s, logit %d: %g, "
          "not %g", (gchar *) id, c, z[c], want[c]);
    }
  }
  GST_INFO ("%s: largest difference %g", path, worst);
  return fused;
}

/* Every frame carries its clip's fused logits (those of the file) and each
 * teacher's weights. */
static void
check_meta (GPtrArray * frames, GHashTable * fused, const gchar * t0,
    const gchar * t1)
{
  fail_unless_equals_int (frames->len, CLIPS * T * 3);
  for (guint j = 0; j < frames->len; j++) {
    GstEgoTeacherMeta *tm = gst_buffer_get_ego_teacher_meta (frames->pdata[j]);
    GstEgoClipMeta *cm = gst_buffer_get_ego_clip_meta (frames->pdata[j]);
    const gfloat *z;
    fail_unless (tm != NULL && cm != NULL, "frame %u has no meta", j);
    fail_unless_equals_string (tm->narration_id, cm->narration_id);
    fail_unless_equals_int (tm->n_heads, 2);
    fail_unless_equals_string (tm->heads[1], "noun");
    fail_unless_equals_int (tm->n_teachers, 2);
    fail_unless_equals_string (tm->teachers[0], t0);
    fail_unless_equals_string (tm->teachers[1], t1);
    z = g_hash_table_lookup (fused, tm->narration_id);
    for (guint h = 0, off = 0; h < 2; off += tm->classes[h], h++) {
      fail_unless_equals_int (tm->classes[h], classes[h]);
      fail_unless (fabs (tm->weights[h][0] + tm->weights[h][1] - 1) < 1e-5);
      for (guint c = 0; c < tm->classes[h]; c++)
        fail_unless (fabs (tm->fused[h][c] - z[off + c]) < 1e-5);
    }
  }
}

/* Top-1 of a teacher's verbs, in percent, on the clips' labels. */
static gdouble
verb_top1 (GHashTable * logits, GHashTable * labels)
{
  GHashTableIter it;
  gpointer id, z;
  gint right = 0;
  g_hash_table_iter_init (&it, logits);
  while (g_hash_table_iter_next (&it, &id, &z)) {
    const gfloat *v = z;
    right += (v[1] > v[0]) == ((gint *) g_hash_table_lookup (labels, id))[0];
  }
  return 100.0 * right / g_hash_table_size (logits);
}

static void
check_same_logits (GHashTable * got, GHashTable * want)
{
  GHashTableIter it;
  gpointer id, z;
  fail_unless_equals_int (g_hash_table_size (got), CLIPS);
  g_hash_table_iter_init (&it, want);
  while (g_hash_table_iter_next (&it, &id, &z)) {
    const gfloat *g = g_hash_table_lookup (got, id);
    fail_unless (g != NULL);
    for (gint c = 0; c < VERBS + NOUNS; c++)
      fail_unless (fabs (g[c] - ((gfloat *) z)[c]) < 1e-4, "clip %s: %g, "
          "ego-eval %g", (gchar *) id, g[c], ((gfloat *) z)[c]);
  }
}

/* ------------------------------------------------------------------------ */
/* Tests */

/* Uniform fusion of an rgb and a flow teacher: one line per clip, equal to
 * the average of ego-eval's logits; each teacher's own file equal to
 * ego-eval's; every frame with the meta; the summary's top-1. */
GST_START_TEST (test_uniform)
{
  gchar *out = g_build_filename (tmpdir, "uniform.jsonl", NULL);
  gchar *rgb_out = g_build_filename (tmpdir, "uniform.rgb.jsonl", NULL);
  gchar *flow_out = g_build_filename (tmpdir, "uniform.flow.jsonl", NULL);
  gchar *props = g_strdup_printf ("sink_0::model=%s sink_1::model=%s "
      "location=%s write-per-modality=true", rgb_model, flow_model, out);
  gchar *desc = teacher_line (props, "validation", "flow");
  GHashTable *fused, *labels, *per;
  gdouble top1 = -1;
  gint clips = 0;
  Run r;
  fail_unless (run_pipeline (desc, &r), "%s", r.error);
  labels = frame_labels (r.frames);
  fused = check_fused (out, EGO_FUSION_UNIFORM, 1.0, NULL, rgb_logits,
      flow_logits, NULL);
  check_meta (r.frames, fused, "rgb", "flow");
  per = read_logits (rgb_out);
  check_same_logits (per, rgb_logits);
  g_hash_table_unref (per);
  per = read_logits (flow_out);
  check_same_logits (per, flow_logits);
  g_hash_table_unref (per);
  fail_unless (r.done != NULL);
  fail_unless (gst_structure_get_int (r.done, "clips", &clips));
  fail_unless_equals_int (clips, CLIPS);
  fail_unless (gst_structure_get_double (r.done, "rgb-verb-top1", &top1));
  fail_unless (fabs (top1 - verb_top1 (rgb_logits, labels)) < 1e-9);
  fail_unless (gst_structure_has_field (r.done, "fused-action-top1"));
  g_hash_table_unref (fused);
  g_hash_table_unref (labels);
  run_clear (&r);
  g_free (desc);
  g_free (props);
  g_free (flow_out);
  g_free (rgb_out);
  g_free (out);
}

GST_END_TEST;

/* Per-sample weights come from each clip's labels; full-dataset weights
 * from the JSON ego-fuse --weights-json writes, per head. */
GST_START_TEST (test_weighted)
{
  gchar *out = g_build_filename (tmpdir, "weighted.jsonl", NULL);
  gchar *json = g_build_filename (tmpdir, "weights.json", NULL);
  const gfloat dw[2][2] = { {0.25f, 0.75f}, {0.9f, 0.1f} };
  const gchar *schemes[] = {
    "scheme=per-sample tau-w=0.5", "scheme=full-dataset weights="
  };
  fail_unless (g_file_set_contents (json, "{\"scheme\": \"full-dataset\", "
          "\"teachers\": [\"rgb\", \"flow\"], \"verb\": {\"weights\": "
          "{\"rgb\": 0.25, \"flow\": 0.75}, \"top1\": null}, \"noun\": "
          "{\"weights\": {\"rgb\": 0.9, \"flow\": 0.1}}}", -1, NULL));
  for (guint s = 0; s < G_N_ELEMENTS (schemes); s++) {
    gchar *props = g_strdup_printf ("sink_0::model=%s sink_1::model=%s "
        "location=%s %s%s", rgb_model, flow_model, out, schemes[s],
        s ? json : "");
    gchar *desc = teacher_line (props, "validation", "flow");
    GHashTable *fused, *labels;
    Run r;
    fail_unless (run_pipeline (desc, &r), "%s", r.error);
    labels = frame_labels (r.frames);
    fused = check_fused (out, s ? EGO_FUSION_FULL_DATASET :
        EGO_FUSION_PER_SAMPLE, 0.5, s ? dw : NULL, rgb_logits, flow_logits,
        labels);
    check_meta (r.frames, fused, "rgb", "flow");
    g_hash_table_unref (fused);
    g_hash_table_unref (labels);
    run_clear (&r);
    g_free (desc);
    g_free (props);
  }
  g_free (json);
  g_free (out);
}

GST_END_TEST;

/* A weights file that is not a regular file (a folder; a FIFO would wait
 * for ever) fails, naming it, before any clip is fused. */
GST_START_TEST (test_weights_not_a_file)
{
  gchar *props = g_strdup_printf ("sink_0::model=%s sink_1::model=%s "
      "scheme=full-dataset weights=%s", rgb_model, flow_model, tmpdir);
  gchar *desc = teacher_line (props, "validation", "flow");
  Run r;

  fail_if (run_pipeline (desc, &r));
  fail_unless (strstr (r.error, "is not a regular file") != NULL, "%s",
      r.error);
  fail_unless (strstr (r.error, tmpdir) != NULL, "%s", r.error);
  fail_unless_equals_int (r.frames->len, 0);
  run_clear (&r);
  g_free (desc);
  g_free (props);
}

GST_END_TEST;

/* A logits file is one more teacher, named after the file; full-dataset
 * weights given as text per head are divided by their sum. */
GST_START_TEST (test_logits_file)
{
  gchar *audio = g_build_filename (tmpdir, "audio.jsonl", NULL);
  gchar *flow = g_build_filename (tmpdir, "flow-eval.jsonl", NULL);
  gchar *out = g_build_filename (tmpdir, "withfile.jsonl", NULL);
  gchar *audio_out = g_build_filename (tmpdir, "withfile.audio.jsonl", NULL);
  gchar *text = NULL, *desc;
  const gfloat dw[2][2] = { {0.25f, 0.75f}, {0.9f, 0.1f} };
  GHashTable *fused, *per;
  Run r;
  fail_unless (g_file_get_contents (flow, &text, NULL, NULL));
  fail_unless (g_file_set_contents (audio, text, -1, NULL));
  desc = g_strdup_printf ("egoteacher name=t sink_0::model=%s logits=%s "
      "scheme=full-dataset weights=\"verb:rgb=1,audio=3;noun:rgb=9,"
      "audio=1\" location=%s write-per-modality=true ! fakesink name=out "
      SOURCE " ! t.sink_0", rgb_model, audio, out, data_dir, "validation",
      "rgb");
  fail_unless (run_pipeline (desc, &r), "%s", r.error);
  fused = check_fused (out, EGO_FUSION_FULL_DATASET, 1.0, dw, rgb_logits,
      flow_logits, NULL);
  check_meta (r.frames, fused, "rgb", "audio");
  per = read_logits (audio_out);
  check_same_logits (per, flow_logits);
  g_hash_table_unref (per);
  g_hash_table_unref (fused);
  run_clear (&r);
  g_free (desc);
  g_free (text);
  g_free (audio_out);
  g_free (out);
  g_free (flow);
  g_free (audio);
}

GST_END_TEST;

/* The frames that go on are the first pad's, unchanged: data, timestamps,
 * flags and clip meta, in order. */
GST_START_TEST (test_frames_unchanged)
{
  gchar *props = g_strdup_printf ("sink_0::model=%s sink_1::model=%s "
      "sink_1::teacher=second", rgb_model, rgb_model);
  gchar *desc = teacher_line (props, "validation", "rgb");
  gchar *plain = g_strdup_printf (SOURCE " ! fakesink name=out", data_dir,
      "validation", "rgb");
  Run a, b;
  fail_unless (run_pipeline (desc, &a), "%s", a.error);
  fail_unless (run_pipeline (plain, &b), "%s", b.error);
  fail_unless_equals_int (a.frames->len, b.frames->len);
  for (guint j = 0; j < a.frames->len; j++) {
    GstBuffer *x = a.frames->pdata[j], *y = b.frames->pdata[j];
    GstMapInfo map;
    GstEgoClipMeta *mx = gst_buffer_get_ego_clip_meta (x);
    GstEgoClipMeta *my = gst_buffer_get_ego_clip_meta (y);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (x), GST_BUFFER_PTS (y));
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (x),
        GST_BUFFER_DURATION (y));
    fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (x,
            GST_BUFFER_FLAG_DISCONT), GST_BUFFER_FLAG_IS_SET (y,
            GST_BUFFER_FLAG_DISCONT));
    fail_unless_equals_string (mx->narration_id, my->narration_id);
    fail_unless_equals_int (mx->slot, my->slot);
    fail_unless (gst_buffer_map (y, &map, GST_MAP_READ));
    fail_unless_equals_uint64 (gst_buffer_get_size (x), map.size);
    fail_unless (gst_buffer_memcmp (x, 0, map.data, map.size) == 0,
        "frame %u differs", j);
    gst_buffer_unmap (y, &map);
    fail_unless (gst_buffer_get_ego_teacher_meta (x) != NULL);
  }
  run_clear (&a);
  run_clear (&b);
  g_free (plain);
  g_free (desc);
  g_free (props);
}

GST_END_TEST;

/* Played twice, NULL in between, it gives every clip twice. */
GST_START_TEST (test_replay)
{
  gchar *props = g_strdup_printf ("sink_0::model=%s sink_1::model=%s "
      "sink_1::teacher=second", rgb_model, rgb_model);
  gchar *desc = teacher_line (props, "validation", "rgb");
  gint clips = 0;
  Run r;
  fail_unless (run_pipeline_times (desc, 2, &r), "%s", r.error);
  fail_unless_equals_int (r.frames->len, 2 * CLIPS * T * 3);
  fail_unless (gst_structure_get_int (r.done, "clips", &clips));
  fail_unless_equals_int (clips, CLIPS);
  for (guint j = 0; j < r.frames->len; j++)
    fail_unless (gst_buffer_get_ego_teacher_meta (r.frames->pdata[j]));
  run_clear (&r);
  g_free (desc);
  g_free (props);
}

GST_END_TEST;

/* Pads that play other clips (another split) fail naming both clips. */
GST_START_TEST (test_misaligned)
{
  gchar *props = g_strdup_printf ("sink_0::model=%s sink_1::model=%s "
      "sink_1::teacher=second", rgb_model, rgb_model);
  gchar *desc = teacher_line (props, "train", "rgb");
  Run r;
  fail_if (run_pipeline (desc, &r));
  fail_unless (strstr (r.error, "P02_01_0") && strstr (r.error, "P01_01_0"),
      "%s", r.error);
  run_clear (&r);
  g_free (desc);
  g_free (props);
}

GST_END_TEST;

/* Fails to reach PAUSED with the reason, posted as an error. */
static void
expect_no_start (const gchar * props, const gchar * mod1, const gchar * needle)
{
  gchar *desc = teacher_line (props, "validation", mod1);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstMessage *msg;
  Run r = { 0 };
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (GST_ELEMENT_BUS (pipe), GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error for %s", props);
  take_error (msg, &r);
  fail_unless (strstr (r.error, needle) != NULL, "'%s' not in '%s'", needle,
      r.error);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
  run_clear (&r);
  g_free (desc);
}

/* A model of another modality than its pad's frames, a missing or absent
 * model, full-dataset without weights and a logits file that cannot be
 * written (found at start, not after every clip has run) do not start. */
GST_START_TEST (test_no_start)
{
  gchar *wrong = g_strdup_printf ("sink_0::model=%s sink_1::model=%s",
      rgb_model, rgb_model);
  gchar *missing = g_strdup_printf ("sink_0::model=%s", rgb_model);
  gchar *absent = g_strdup_printf ("sink_0::model=%s "
      "sink_1::model=/nonexistent.safetensors", rgb_model);
  gchar *noweights = g_strdup_printf ("sink_0::model=%s sink_1::model=%s "
      "scheme=full-dataset", rgb_model, flow_model);
  expect_no_start (wrong, "flow", "receives flow frames");
  expect_no_start (missing, "rgb", "sink_1 has no teacher model");
  expect_no_start (absent, "rgb", "/nonexistent.safetensors");
  gchar *unwritable = g_strdup_printf ("sink_0::model=%s sink_1::model=%s "
      "location=/nonexistent-folder/fused.jsonl", rgb_model, flow_model);
  expect_no_start (noweights, "flow", "needs the weights");
  expect_no_start (unwritable, "flow", "Cannot write the teacher logits");
  g_free (unwritable);
  g_free (noweights);
  g_free (absent);
  g_free (missing);
  g_free (wrong);
}

GST_END_TEST;

/* The rgb and flow teachers' graph, and its egoteacher in *t */
static GstElement *
two_teachers (GstElement ** t)
{
  gchar *props = g_strdup_printf ("sink_0::model=%s sink_1::model=%s",
      rgb_model, flow_model);
  gchar *desc = teacher_line (props, "validation", "flow");
  GstElement *pipe = gst_parse_launch (desc, NULL);
  fail_unless (pipe != NULL);
  *t = gst_bin_get_by_name (GST_BIN (pipe), "t");
  g_free (desc);
  g_free (props);
  return pipe;
}

/* the text of the error the pipeline posted (g_free it) */
static gchar *
posted_error (GstElement * pipe)
{
  GstMessage *msg = gst_bus_pop_filtered (GST_ELEMENT_BUS (pipe),
      GST_MESSAGE_ERROR);
  Run r = { 0 };
  gchar *text;
  fail_unless (msg != NULL, "no error posted");
  take_error (msg, &r);
  text = g_strdup (r.error);
  gst_message_unref (msg);
  run_clear (&r);
  return text;
}

/* A requested pad nothing is linked to does not start (its clips would
 * wait for ever); the message names it. */
GST_START_TEST (test_unlinked_pad)
{
  GstElement *t, *pipe = two_teachers (&t);
  GstPad *extra = gst_element_request_pad_simple (t, "sink_%u");
  gchar *error;
  fail_unless (extra != NULL);
  g_object_set (extra, "model", rgb_model, "teacher", "extra", NULL);
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  error = posted_error (pipe);
  fail_unless (strstr (error, GST_PAD_NAME (extra)) != NULL
      && strstr (error, "not linked") != NULL, "%s", error);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (extra);
  gst_object_unref (t);
  gst_object_unref (pipe);
  g_free (error);
}

GST_END_TEST;

/* A pad released while running is an error that says so. */
GST_START_TEST (test_release_while_running)
{
  GstElement *t, *pipe = two_teachers (&t);
  GstPad *pad = gst_element_get_static_pad (t, "sink_1");
  gchar *error;
  gst_element_set_state (pipe, GST_STATE_PAUSED);
  fail_unless_equals_int (gst_element_get_state (pipe, NULL, NULL,
          60 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  gst_element_release_request_pad (t, pad);
  error = posted_error (pipe);
  fail_unless (strstr (error, "sink_1 was released while running") != NULL,
      "%s", error);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pad);
  gst_object_unref (t);
  gst_object_unref (pipe);
  g_free (error);
}

GST_END_TEST;

static Suite *
egoteacher_suite (void)
{
  Suite *s = suite_create ("egoteacher");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_uniform);
  tcase_add_test (tc, test_weighted);
  tcase_add_test (tc, test_weights_not_a_file);
  tcase_add_test (tc, test_logits_file);
  tcase_add_test (tc, test_frames_unchanged);
  tcase_add_test (tc, test_replay);
  tcase_add_test (tc, test_misaligned);
  tcase_add_test (tc, test_no_start);
  tcase_add_test (tc, test_unlinked_pad);
  tcase_add_test (tc, test_release_while_running);
  return s;
}

GST_CHECK_MAIN (egoteacher);
