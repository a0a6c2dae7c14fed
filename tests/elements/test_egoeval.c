/* ego-eval: its JSON, its errors, and that it agrees with egoaction: the
 * same model on the same frames gives the same window probabilities
 * offline (ego-eval's clip cache and batched forward) and streaming
 * (egoaction, one frame at a time). */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/ego/ego.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_csv.h"
#include "egotestdataset.h"
#include "tsmnet.h"
#include "fixture.h"

#define T 4
#define SIZE 24
#define SHORT_SIDE 30

static gchar *tmpdir, *data_dir, *model_path;
static EgoTestDatasetSpec spec;

/* A random student with the dataset's heads, its verbs named v0, v1, ...
 * followed by verb_suffix (JSON string text); its heads' weights scaled so
 * that probabilities differ clearly from clip to clip. */
static gchar *
write_model (const gchar * name, gint verbs, const gchar * verb_suffix)
{
  GString *json = g_string_new ("{\"format\": 1, \"kind\": \"student\", "
      "\"modality\": \"rgb\", \"arch\": {}, \"input\": {\"width\": 24, "
      "\"height\": 24, \"mean\": [0.485, 0.456, 0.406], \"std\": [0.229, "
      "0.224, 0.225], \"frames\": 4, \"frame_step\": 4}, \"heads\": [{"
      "\"name\": \"verb\", \"labels\": [");
  gchar *path = g_build_filename (tmpdir, name, NULL);
  EgoModelMeta meta;
  EgoNetConfig cfg;
  EgoNet *net;
  for (gint i = 0; i < verbs; i++)
    g_string_append_printf (json, "%s\"v%d%s\"", i ? ", " : "", i,
        verb_suffix);
  g_string_append (json, "]}, {\"name\": \"noun\", \"labels\": [\"red\", "
      "\"green\", \"blue\"]}], \"temperature\": 1.0}");
  fail_unless (ego_model_meta_parse (&meta, json->str, name, NULL));
  ego_net_config_default (&cfg);
  cfg.width = cfg.height = SIZE;
  cfg.base_width = 8;
  cfg.n_stages = 2;
  cfg.shift_div = 4;
  cfg.n_heads = 2;
  cfg.classes[0] = verbs;
  cfg.classes[1] = 3;
  net = ego_net_new (&cfg, 5, NULL);
  for (gint h = 0; h < 2; h++) {
    gchar *wname = g_strdup_printf ("heads.%d.weight", h);
    EgoNetTensor *w = ego_net_find (net, wname);
    for (gsize i = 0; i < w->numel; i++)
      w->data[i] *= 100.0f;
    g_free (wname);
  }
  fail_unless (ego_net_save (net, &meta, path, NULL));
  ego_net_free (net);
  ego_model_meta_clear (&meta);
  g_string_free (json, TRUE);
  return path;
}

static void
setup (void)
{
  tmpdir = fixture_tmpdir ("egoeval-XXXXXX");
  data_dir = g_build_filename (tmpdir, "data", NULL);
  ego_test_dataset_spec_init (&spec);
  spec.train_videos = 1;
  ego_test_dataset_write (data_dir, &spec);
  model_path = write_model ("model.safetensors", 2, "");
}

static void
teardown (void)
{
  ego_test_remove_tree (tmpdir);
  g_free (data_dir);
  g_free (model_path);
  g_free (tmpdir);
}

/* Runs ego-eval with the arguments; returns its exit status. */
static gint
run_eval (const gchar * const *args, gchar ** out, gchar ** err)
{
  GPtrArray *argv = g_ptr_array_new ();
  gint status = -1;
  g_ptr_array_add (argv, (gpointer) EGO_BUILD_DIR "/pipelines/ego-eval");
  for (gint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  fail_unless (g_spawn_sync (NULL, (gchar **) argv->pdata, NULL, 0, NULL,
          NULL, out, err, &status, NULL));
  g_ptr_array_free (argv, TRUE);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static JsonObject *
parse_object (JsonParser * parser, const gchar * text)
{
  JsonNode *root;
  fail_unless (json_parser_load_from_data (parser, text, -1, NULL), "%s",
      text);
  root = json_parser_get_root (parser);
  fail_unless (JSON_NODE_HOLDS_OBJECT (root));
  return json_node_get_object (root);
}

/* The JSON of README, Files and formats, for one and for several views. */
GST_START_TEST (test_json)
{
  const gchar *views[] = { "1x1", "2x3" };
  for (guint v = 0; v < G_N_ELEMENTS (views); v++) {
    gchar *out = NULL, *err = NULL;
    gchar *short_side = g_strdup_printf ("%d", SHORT_SIDE);
    JsonParser *parser = json_parser_new ();
    JsonObject *o, *verb;
    fail_unless_equals_int (run_eval ((const gchar *[]) {
              "--model", model_path, "--data", data_dir, "--split",
              "validation", "--views", views[v], "--json", "--short-side",
              short_side, NULL
            }, &out, &err), 0);
    o = parse_object (parser, out);
    verb = json_object_get_object_member (o, "verb");
    fail_unless (json_object_has_member (verb, "top1"));
    fail_unless (json_object_has_member (verb, "top5"));
    fail_unless (json_object_has_member (verb, "ece"));
    fail_unless_equals_float (json_object_get_double_member (verb, "top5"),
        100.0);
    fail_unless (json_object_has_member (o, "noun"));
    fail_unless (json_object_has_member (o, "action_top1"));
    fail_unless_equals_int (json_object_get_int_member (o, "clips"),
        spec.validation_videos * spec.clips_per_video);
    fail_unless (json_object_get_double_member (o, "gflops_per_view") > 0);
    g_object_unref (parser);
    g_free (short_side);
    g_free (out);
    g_free (err);
  }
}

GST_END_TEST;

/* With two verb classes, every clip is in the pair v0/v1 and telling the
 * direction within it is verb top-1 (the logits never tie). The noun top-1
 * of each true verb's clips, weighted by their clips, is the noun top-1. */
static void
check_noun_by_verb (JsonObject * o, int clips)
{
  JsonObject *by_verb = json_object_get_object_member (o, "noun_by_verb");
  GList *verbs, *l;
  double hits = 0;
  int counted = 0;
  fail_unless (by_verb != NULL);
  verbs = json_object_get_members (by_verb);
  for (l = verbs; l; l = l->next) {
    JsonObject *row = json_object_get_object_member (by_verb, l->data);
    int n = json_object_get_int_member (row, "clips");
    fail_unless (n > 0, "%s: %d clips", (char *) l->data, n);
    counted += n;
    hits += json_object_get_double_member (row, "top1") * n / 100.0;
  }
  g_list_free (verbs);
  fail_unless_equals_int (counted, clips);
  fail_unless (fabs (100.0 * hits / clips -
          json_object_get_double_member (json_object_get_object_member (o,
                  "noun"), "top1")) < 1e-2);
}

GST_START_TEST (test_reversed_pairs)
{
  gchar *out = NULL, *err = NULL;
  gchar *short_side = g_strdup_printf ("%d", SHORT_SIDE);
  JsonParser *parser = json_parser_new ();
  JsonObject *o, *pairs;
  fail_unless_equals_int (run_eval ((const gchar *[]) {
            "--model", model_path, "--data", data_dir, "--split",
            "validation", "--json", "--short-side", short_side,
            "--reversed-pairs", "v1/v0", "--noun-by-verb", NULL
          }, &out, &err), 0);
  o = parse_object (parser, out);
  pairs = json_object_get_object_member (o, "reversed_pairs");
  fail_unless (pairs != NULL, "%s", out);
  fail_unless_equals_string (json_object_get_string_member (pairs, "head"),
      "verb");
  fail_unless_equals_int (json_object_get_int_member (pairs, "clips"),
      spec.validation_videos * spec.clips_per_video);
  fail_unless (fabs (json_object_get_double_member (pairs, "accuracy") -
          json_object_get_double_member (json_object_get_object_member (o,
                  "verb"), "top1")) < 1e-9, "%s", out);
  check_noun_by_verb (o, spec.validation_videos * spec.clips_per_video);
  g_object_unref (parser);
  g_free (short_side);
  g_free (out);
  g_free (err);
}

GST_END_TEST;

static void
expect_failure (const gchar * const *args, const gchar * needle)
{
  gchar *out = NULL, *err = NULL;
  fail_unless (run_eval (args, &out, &err) != 0);
  fail_unless (strstr (err, needle) != NULL, "'%s' not in '%s'", needle, err);
  g_free (out);
  g_free (err);
}

/* Bad arguments, models and datasets fail with a clear message. */
GST_START_TEST (test_errors)
{
  gchar *five = write_model ("five.safetensors", 5, "");
  expect_failure ((const gchar *[]) {
        "--model", model_path, "--data", data_dir, "--views", "2x2", NULL
      },
      "--views 2x2");
  expect_failure ((const gchar *[]) {
        "--data", data_dir, NULL
      }, "--model FILE and --data DIR");
  /* an output that cannot be written is found before the evaluation,
   * which prints nothing */
  {
    gchar *out = NULL, *err = NULL;
    fail_unless (run_eval ((const gchar *[]) {
              "--model", model_path, "--data", data_dir, "--json",
              "--logits", "/nonexistent-folder/l.jsonl", NULL
            }, &out, &err) != 0);
    fail_unless (strstr (err, "--logits /nonexistent-folder/l.jsonl: "
            "cannot write") != NULL, "%s", err);
    fail_unless_equals_string (out, "");
    g_free (out);
    g_free (err);
  }
  /* only the first of several splits was evaluated, under all their names */
  expect_failure ((const gchar *[]) {
        "--model", model_path, "--data", data_dir, "--split",
        "train,validation", NULL
      }, "give one split");
  /* the source's smallest is 8: a smaller one was dropped, and the frames
   * cached at another size than the model's */
  expect_failure ((const gchar *[]) {
        "--model", model_path, "--data", data_dir, "--short-side", "7", NULL
      }, "--short-side 7: must be 0");
  expect_failure ((const gchar *[]) {
        "--model", "/nonexistent.safetensors", "--data", data_dir, NULL
      },
      "/nonexistent.safetensors");
  expect_failure ((const gchar *[]) {
        "--model", five, "--data", data_dir, NULL
      }, "are not the dataset's");
  expect_failure ((const gchar *[]) {
        "--model", model_path, "--data", data_dir, "--split", "nosuch",
        NULL
      }, "nosuch.csv");
  expect_failure ((const gchar *[]) {
        "--model", model_path, "--data", data_dir, "--reversed-pairs",
        "v0/nosuch", NULL
      }, "has no class \"nosuch\"");
  expect_failure ((const gchar *[]) {
        "--model", model_path, "--data", data_dir, "--reversed-pairs",
        "v0/red", NULL
      }, "verb head has no class \"red\"");
  expect_failure ((const gchar *[]) {
        "--model", model_path, "--data", data_dir, "--reversed-pairs",
        "v0", NULL
      }, "not two classes");
  /* a class name outside ASCII reaches the check (it failed in the option
   * parser, whose charset stayed ASCII, naming no option), in a UTF-8
   * locale and in the C locale of containers and cron */
  for (guint i = 0; i < 2; i++) {
    g_setenv ("LC_ALL", i ? "C" : "C.UTF-8", TRUE);
    expect_failure ((const gchar *[]) {
          "--model", model_path, "--data", data_dir, "--reversed-pairs",
          "v0/\xc3\xb6" "ffnen", NULL
        }, "has no class \"\xc3\xb6" "ffnen\"");
  }
  g_unsetenv ("LC_ALL");
  expect_failure ((const gchar *[]) {
        "--model", model_path, "--data", data_dir, "--reversed-pairs",
        "v0/v1,v1/v0", NULL
      }, "\"v1\" is in another pair too");
  g_free (five);
}

GST_END_TEST;

static GstPadProbeReturn
keep_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  g_ptr_array_add (data, gst_buffer_ref (GST_PAD_PROBE_INFO_BUFFER (info)));
  return GST_PAD_PROBE_OK;
}

/* The middle candidate of every segment of every clip, as egodatasetsrc
 * gives them at the size ego-eval caches them. */
static GPtrArray *
clip_frames (GstCaps ** caps)
{
  gchar *desc = g_strdup_printf ("egodatasetsrc name=src data=%s "
      "split=validation frames=%d candidates=1 short-side=%d ! fakesink",
      data_dir, T, SHORT_SIDE);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  GstPad *pad = gst_element_get_static_pad (src, "src");
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GstMessage *msg;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, keep_buffer, frames,
      NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe),
      GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  *caps = gst_pad_get_current_caps (pad);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pad);
  gst_object_unref (src);
  gst_object_unref (pipe);
  g_free (desc);
  return frames;
}

static void
softmax (const gdouble * z, gint k, gdouble * p)
{
  gdouble m = z[0], sum = 0.0;
  for (gint i = 1; i < k; i++)
    m = MAX (m, z[i]);
  for (gint i = 0; i < k; i++)
    sum += (p[i] = exp (z[i] - m));
  for (gint i = 0; i < k; i++)
    p[i] /= sum;
}

/* ego-eval's logits of clip i, per head, as probabilities */
static void
offline_probs (gchar ** lines, gint clip, gdouble probs[2][3])
{
  JsonParser *parser = json_parser_new ();
  JsonObject *o = parse_object (parser, lines[clip]);
  const gchar *heads[2] = { "verb", "noun" };
  gchar *id = g_strdup_printf ("P%02d_01_%d", spec.train_videos + 1 +
      clip / spec.clips_per_video, clip % spec.clips_per_video);
  fail_unless_equals_string (json_object_get_string_member (o,
          "narration_id"), id);
  for (gint h = 0; h < 2; h++) {
    JsonArray *a = json_object_get_array_member (o, heads[h]);
    gdouble z[3];
    gint k = (gint) json_array_get_length (a);
    for (gint i = 0; i < k; i++)
      z[i] = json_array_get_double_element (a, i);
    softmax (z, k, probs[h]);
  }
  g_free (id);
  g_object_unref (parser);
}

/* The same clips through egoaction, frame by frame: its window result at
 * the clip's last frame. */
static void
streaming_probs (GPtrArray * frames, GstCaps * caps, gint clip,
    gdouble probs[2][3])
{
  gchar *desc = g_strdup_printf ("egoaction model=%s frame-step=1 top-k=3",
      model_path);
  GstHarness *hx = gst_harness_new_parse (desc);
  GstEgoActionMeta *meta = NULL;
  GstBuffer *out = NULL;
  gst_harness_set_src_caps (hx, gst_caps_ref (caps));
  for (gint t = 0; t < T; t++) {
    GstBuffer *in = gst_buffer_copy (g_ptr_array_index (frames, clip * T + t));
    GstEgoClipMeta *cm = gst_buffer_get_ego_clip_meta (in);
    fail_unless (cm != NULL && cm->clip == clip && cm->slot == (guint) t);
    GST_BUFFER_PTS (in) = t * GST_SECOND / 30;
    fail_unless_equals_int (gst_harness_push (hx, in), GST_FLOW_OK);
    if (out)
      gst_buffer_unref (out);
    out = gst_harness_pull (hx);
  }
  meta = gst_buffer_get_ego_action_meta (out);
  fail_unless (meta != NULL, "no result after %d frames", T);
  for (gint h = 0; h < 2; h++) {
    fail_unless_equals_int (meta->heads[h].k, h == 0 ? 2 : 3);
    for (guint i = 0; i < meta->heads[h].k; i++)
      probs[h][meta->heads[h].class_ids[i]] = meta->heads[h].probs[i];
  }
  gst_buffer_unref (out);
  gst_harness_teardown (hx);
  g_free (desc);
}

/* The confusion CSV, read with the dataset's CSV reader: its header, class
 * keys of the model's, and every clip counted once per head. */
static void
check_confusion (const gchar * path, gint clips, const gchar * const *verbs)
{
  static const gchar *nouns[] = { "red", "green", "blue", NULL };
  gchar *text;
  gsize len;
  gint per_head[2] = { 0, 0 }, more;
  GError *error = NULL;
  EgoCsv csv;
  fail_unless (g_file_get_contents (path, &text, &len, NULL));
  fail_unless (ego_csv_init (&csv, path, text, len, &error));
  fail_unless_equals_int (ego_csv_next (&csv, &error), 1);
  fail_unless_equals_int (csv.n_fields, 4);
  fail_unless_equals_string (csv.fields[0], "head");
  while ((more = ego_csv_next (&csv, &error)) == 1) {
    gint h = g_str_equal (csv.fields[0], "noun");
    const gchar *const *keys = h ? nouns : verbs;
    fail_unless_equals_int (csv.n_fields, 4);
    fail_unless (h || g_str_equal (csv.fields[0], "verb"), "line %d: %s",
        csv.record_line, csv.fields[0]);
    fail_unless (g_strv_contains (keys, csv.fields[1])
        && g_strv_contains (keys, csv.fields[2]), "line %d: %s, %s",
        csv.record_line, csv.fields[1], csv.fields[2]);
    per_head[h] += atoi (csv.fields[3]);
  }
  fail_unless (more == 0, "%s", error ? error->message : "");
  fail_unless_equals_int (per_head[0], clips);
  fail_unless_equals_int (per_head[1], clips);
  ego_csv_clear (&csv);
  g_free (text);
}

/* Class keys with commas and quotes are quoted in the confusion CSV. */
GST_START_TEST (test_awkward_class_keys)
{
  gchar *model = write_model ("awkward.safetensors", 2, ", \\\"q\\\"");
  gchar *confusion = g_build_filename (tmpdir, "awkward.csv", NULL);
  gchar *out = NULL, *err = NULL;
  fail_unless_equals_int (run_eval ((const gchar *[]) {
            "--model", model, "--data", data_dir, "--split", "validation",
            "--threads", "1", "--confusion", confusion, NULL
          }, &out, &err), 0);
  check_confusion (confusion, 24, (const gchar *[]) {
        "v0, \"q\"", "v1, \"q\"", NULL});
  g_free (out);
  g_free (err);
  g_free (confusion);
  g_free (model);
}

GST_END_TEST;

/* egoaction and ego-eval agree within 1e-4 on every class of every head,
 * clip after clip. */
GST_START_TEST (test_agrees_with_egoaction)
{
  gchar *logits = g_build_filename (tmpdir, "logits.jsonl", NULL);
  gchar *confusion = g_build_filename (tmpdir, "confusion.csv", NULL);
  gchar *short_side = g_strdup_printf ("%d", SHORT_SIDE);
  gchar *out = NULL, *err = NULL, *text, **lines;
  GstCaps *caps;
  GPtrArray *frames;
  gdouble worst = 0.0;
  fail_unless_equals_int (run_eval ((const gchar *[]) {
            "--model", model_path, "--data", data_dir, "--split",
            "validation", "--logits", logits, "--short-side", short_side,
            "--threads", "1", "--confusion", confusion, NULL
          }, &out, &err), 0);
  check_confusion (confusion, 24, (const gchar *[]) {
        "v0", "v1", NULL});
  fail_unless (g_file_get_contents (logits, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  frames = clip_frames (&caps);
  fail_unless_equals_int (frames->len, 24 * T);
  for (gint clip = 0; clip < 24; clip += 5) {
    gdouble a[2][3] = { {0}
    }, b[2][3] = { {0}
    };
    offline_probs (lines, clip, a);
    streaming_probs (frames, caps, clip, b);
    for (gint h = 0; h < 2; h++)
      for (gint i = 0; i < (h == 0 ? 2 : 3); i++) {
        worst = MAX (worst, fabs (a[h][i] - b[h][i]));
        fail_unless (fabs (a[h][i] - b[h][i]) < 1e-4, "clip %d head %d "
            "class %d: ego-eval %.6f, egoaction %.6f", clip, h, i, a[h][i],
            b[h][i]);
      }
  }
  GST_INFO ("largest difference %g", worst);
  gst_caps_unref (caps);
  g_ptr_array_unref (frames);
  g_strfreev (lines);
  g_free (text);
  g_free (out);
  g_free (err);
  g_free (short_side);
  g_free (logits);
  g_free (confusion);
}

GST_END_TEST;

static Suite *
egoeval_suite (void)
{
  Suite *s = suite_create ("egoeval");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_json);
  tcase_add_test (tc, test_errors);
  tcase_add_test (tc, test_reversed_pairs);
  tcase_add_test (tc, test_agrees_with_egoaction);
  tcase_add_test (tc, test_awkward_class_keys);
  return s;
}

GST_CHECK_MAIN (egoeval);
