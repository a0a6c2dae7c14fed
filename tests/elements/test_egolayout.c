/* ego-layout end to end, run as a user runs it, on a tiny dataset rendered
 * by ego-dataset: training writes a model that loads, evaluation prints
 * ego-eval's JSON and logits that ego-fuse reads, a seed gives the same
 * model bytes, and bad arguments and bad detections are reported (the
 * latter with file and line). The clip reader's rule for frames without a
 * detection line is checked directly. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>

#include "egoteacherlogits.h"
#include "layoutdata.h"
#include "metrics.h"
#include "stlt.h"
#include "fixture.h"

#define LAYOUT EGO_BUILD_DIR "/pipelines/ego-layout"

static gchar *tmp;              /* everything the tests write */
static gchar *data;             /* the rendered dataset */

/* Runs argv (NULL-terminated); returns the exit status, the output and the
 * errors. */
static int
run (const char *const *argv, gchar ** out, gchar ** err)
{
  gint status = -1;
  g_assert_true (g_spawn_sync (tmp, (gchar **) argv, NULL, 0, NULL, NULL,
          out, err, &status, NULL));
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static gchar *
path_of (const char *a, const char *b)
{
  return g_build_filename (tmp, a, b, NULL);
}

/* ego-layout train on dir into tmp/out for 3 epochs; fails the test unless
 * it succeeds. */
static void
train (const char *dir, const char *out, const char *seed)
{
  gchar *outdir = path_of (out, NULL), *err = NULL, *stdout_ = NULL;
  const char *argv[] = { LAYOUT, "train", "--data", dir, "--out", outdir,
    "--epochs", "3", "--batch", "8", "--seed", seed, "--dim", "32",
    "--attn-heads", "2", NULL
  };
  int status = run (argv, &stdout_, &err);
  g_assert_cmpint (status, ==, 0);
  /* one line per epoch, then the summary */
  g_assert_true (g_str_has_prefix (stdout_, "epoch 1/3  loss "));
  g_assert_nonnull (strstr (stdout_, "epoch 3/3"));
  g_free (stdout_);
  g_free (err);
  g_free (outdir);
}

static gchar *
read_all (const char *path)
{
  gchar *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* ------------------------------------------------------------------------ */

/* The model file loads as a layout teacher with the dataset's classes, and
 * best.safetensors and history.json come with it. */
static void
test_train_files (void)
{
  gchar *model = path_of ("run", "model.safetensors");
  gchar *best = path_of ("run", "best.safetensors");
  gchar *history = path_of ("run", "history.json");
  JsonParser *parser = json_parser_new ();
  EgoModelMeta meta;
  GError *error = NULL;
  EgoStlt *net;
  train (data, "run", "1");
  net = ego_stlt_load (model, &meta, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (meta.kind, ==, "teacher");
  g_assert_cmpstr (meta.modality, ==, "layout");
  g_assert_cmpint (meta.frames, ==, 8);
  /* the videos' size, probed */
  g_assert_cmpint (meta.width, ==, 64);
  g_assert_cmpint (meta.height, ==, 48);
  g_assert_cmpint (meta.n_heads, ==, 2);
  g_assert_cmpstr (meta.heads[0].name, ==, "verb");
  g_assert_cmpstr (meta.heads[0].labels[0], ==, "take");
  g_assert_cmpstr (meta.heads[1].name, ==, "noun");
  g_assert_cmpint (meta.heads[1].n_labels, ==, 10);
  g_assert_cmpint (json_object_get_int_member (meta.provenance, "seed"), ==, 1);
  g_assert_cmpint (ego_stlt_config (net)->dim, ==, 32);
  ego_stlt_free (net);
  ego_model_meta_clear (&meta);
  net = ego_stlt_load (best, &meta, &error);
  g_assert_no_error (error);
  ego_stlt_free (net);
  ego_model_meta_clear (&meta);
  g_assert_true (json_parser_load_from_file (parser, history, &error));
  g_assert_cmpint (json_array_get_length (json_object_get_array_member
          (json_node_get_object (json_parser_get_root (parser)), "epochs")),
      ==, 3);
  g_object_unref (parser);
  g_free (model);
  g_free (best);
  g_free (history);
}

static double
member (JsonObject * o, const char *head, const char *name)
{
  return json_object_get_double_member (json_object_get_object_member (o,
          head), name);
}

/* eval --json: the fields of ego-eval, in range, clips of the split. */
static JsonObject *
check_eval_json (const gchar * text, int clips)
{
  JsonParser *parser = json_parser_new ();
  JsonObject *o;
  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  o = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  g_object_unref (parser);
  for (int h = 0; h < 2; h++) {
    const char *head = h ? "noun" : "verb";
    g_assert_cmpfloat (member (o, head, "top1"), >=, 0);
    g_assert_cmpfloat (member (o, head, "top5"), >=, member (o, head, "top1"));
    g_assert_cmpfloat (member (o, head, "top5"), <=, 100);
    g_assert_cmpfloat (member (o, head, "ece"), >=, 0);
    g_assert_cmpfloat (member (o, head, "ece"), <=, 100);
    g_assert_cmpfloat (json_object_get_double_member (o, "action_top1"), <=,
        member (o, head, "top1"));
  }
  g_assert_cmpint (json_object_get_int_member (o, "clips"), ==, clips);
  g_assert_cmpfloat (json_object_get_double_member (o, "gflops_per_view"),
      >, 0);
  return o;
}

/* eval --reversed-pairs take/put,open/close: the figure from the logits,
 * over both pairs and for each. */
static void
check_pairs (const float *z, const int32_t * y, int n, const EgoDataset * ds,
    JsonObject * eval)
{
  const char *const *verbs = ego_dataset_verbs (ds);
  const char *names[4] = { "take", "put", "open", "close" };
  int pairs[4], counted;
  double want;
  JsonObject *got = json_object_get_object_member (eval, "reversed_pairs");
  for (int i = 0; i < 4; i++) {
    pairs[i] = -1;
    for (int c = 0; c < ego_dataset_n_verbs (ds); c++)
      if (strcmp (verbs[c], names[i]) == 0)
        pairs[i] = c;
    g_assert_cmpint (pairs[i], >=, 0);
  }
  want = ego_pair_accuracy (z, y, n, ego_dataset_n_verbs (ds), pairs, 2,
      &counted);
  g_assert_nonnull (got);
  g_assert_cmpstr (json_object_get_string_member (got, "head"), ==, "verb");
  g_assert_cmpint (json_object_get_int_member (got, "clips"), ==, counted);
  g_assert_cmpint (counted, >, 0);
  g_assert_cmpfloat (fabs (json_object_get_double_member (got, "accuracy") -
          want), <, 1e-3);
  /* and each pair on its own */
  for (int i = 0; i < 2; i++) {
    gchar *key = g_strdup_printf ("%s/%s", names[2 * i], names[2 * i + 1]);
    JsonObject *one = json_object_get_object_member
        (json_object_get_object_member (got, "pairs"), key);
    want = ego_pair_accuracy (z, y, n, ego_dataset_n_verbs (ds), pairs + 2 * i,
        1, &counted);
    if (counted == 0) {
      g_assert_null (one);
    } else {
      g_assert_nonnull (one);
      g_assert_cmpint (json_object_get_int_member (one, "clips"), ==,
          counted);
      g_assert_cmpfloat (fabs (json_object_get_double_member (one,
                  "accuracy") - want), <, 1e-3);
    }
    g_free (key);
  }
}

/* eval --noun-by-verb: the noun top-1 of each true verb's clips, from the
 * logits; verbs without clips left out. */
static void
check_noun_by_verb (const float *z, const int32_t * y, const int32_t * verbs,
    int n, const EgoDataset * ds, JsonObject * eval)
{
  int n_verbs = ego_dataset_n_verbs (ds), *counts = g_new (int, n_verbs);
  int listed = 0;
  double *top1 = g_new (double, n_verbs);
  JsonObject *got = json_object_get_object_member (eval, "noun_by_verb");
  g_assert_nonnull (got);
  ego_top1_by_group (z, y, verbs, n, ego_dataset_n_nouns (ds), n_verbs,
      top1, counts);
  for (int v = 0; v < n_verbs; v++) {
    const char *key = ego_dataset_verbs (ds)[v];
    JsonObject *row;
    if (counts[v] == 0) {
      g_assert_false (json_object_has_member (got, key));
      continue;
    }
    row = json_object_get_object_member (got, key);
    g_assert_nonnull (row);
    g_assert_cmpint (json_object_get_int_member (row, "clips"), ==,
        counts[v]);
    g_assert_cmpfloat (fabs (json_object_get_double_member (row, "top1") -
            top1[v]), <, 1e-3);
    listed++;
  }
  g_assert_cmpint (json_object_get_size (got), ==, listed);
  g_assert_cmpint (listed, >, 1);
  g_free (counts);
  g_free (top1);
}

/* The logits file: one line per clip in the split's order, which ego-fuse's
 * reader takes, and whose argmax gives the printed top-1. */
static void
check_logits (const char *path, const EgoDataset * ds, JsonObject * eval)
{
  static const char *heads[2] = { "verb", "noun" };
  int n = ego_dataset_n_clips (ds), classes[2] = { ego_dataset_n_verbs (ds),
    ego_dataset_n_nouns (ds)
  };
  gchar *text = read_all (path), **lines = g_strsplit (text, "\n", -1);
  int32_t *verbs = g_new (int32_t, n);
  GError *error = NULL;
  EgoTeacherLogits *t = ego_teacher_logits_load (path, 2, (gchar **) heads,
      classes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_strv_length (lines), ==, n + 1);   /* ends with \n */
  for (int h = 0; h < 2; h++) {
    float *z = g_new (float, n * classes[h]);
    int32_t *y = g_new (int32_t, n);
    for (int i = 0; i < n; i++) {
      const EgoClip *c = ego_dataset_clip (ds, i);
      const float *got = ego_teacher_logits_lookup (t, c->narration_id, h);
      g_assert_nonnull (got);
      g_assert_nonnull (strstr (lines[i], c->narration_id));
      memcpy (z + i * classes[h], got, sizeof (float) * classes[h]);
      y[i] = h ? c->noun_class : c->verb_class;
    }
    g_assert_cmpfloat (fabs (ego_topk_accuracy (z, y, n, classes[h], 1) -
            member (eval, heads[h], "top1")), <, 1e-3);
    if (h == 0) {
      check_pairs (z, y, n, ds, eval);
      memcpy (verbs, y, sizeof (int32_t) * n);
    } else
      check_noun_by_verb (z, y, verbs, n, ds, eval);
    g_free (z);
    g_free (y);
  }
  ego_teacher_logits_free (t);
  g_free (verbs);
  g_strfreev (lines);
  g_free (text);
}

/* eval prints ego-eval's JSON and writes logits for ego-fuse. */
static void
test_eval (void)
{
  gchar *model = path_of ("run", "model.safetensors");
  gchar *logits = path_of ("logits.jsonl", NULL), *out = NULL, *err = NULL;
  const char *argv[] = { LAYOUT, "eval", "--model", model, "--data", data,
    "--split", "test", "--json", "--logits", logits,
    "--reversed-pairs", "take/put, open/close", "--noun-by-verb", NULL
  };
  EgoDataset *ds = ego_dataset_open (data, "test", TRUE, NULL);
  JsonObject *eval;
  if (!g_file_test (model, G_FILE_TEST_EXISTS))
    train (data, "run", "1");
  g_assert_cmpint (run (argv, &out, &err), ==, 0);
  eval = check_eval_json (out, ego_dataset_n_clips (ds));
  check_logits (logits, ds, eval);
  json_object_unref (eval);
  ego_dataset_free (ds);
  g_free (out);
  g_free (err);
  g_free (model);
  g_free (logits);
}

/* The same seed gives the same model bytes; another seed another model. */
static void
test_deterministic (void)
{
  gchar *a = path_of ("seed-a", "model.safetensors");
  gchar *b = path_of ("seed-b", "model.safetensors");
  gchar *c = path_of ("seed-c", "model.safetensors");
  gchar *ta, *tb, *tc;
  gsize la, lb, lc;
  train (data, "seed-a", "7");
  train (data, "seed-b", "7");
  train (data, "seed-c", "8");
  g_assert_true (g_file_get_contents (a, &ta, &la, NULL));
  g_assert_true (g_file_get_contents (b, &tb, &lb, NULL));
  g_assert_true (g_file_get_contents (c, &tc, &lc, NULL));
  g_assert_true (la == lb && memcmp (ta, tb, la) == 0);
  g_assert_false (la == lc && memcmp (ta, tc, la) == 0);
  g_free (ta);
  g_free (tb);
  g_free (tc);
  g_free (a);
  g_free (b);
  g_free (c);
}

/* Runs ego-layout with argv and expects status and a message holding
 * every one of the NULL-terminated words. */
static void
expect_failure (const char *const *argv, int status, ...)
{
  gchar *out = NULL, *err = NULL;
  va_list ap;
  g_assert_cmpint (run (argv, &out, &err), ==, status);
  va_start (ap, status);
  for (const char *w = va_arg (ap, const char *); w;
      w = va_arg (ap, const char *))
    if (strstr (err, w) == NULL)
      g_error ("'%s' is not in the message: %s", w, err);
  va_end (ap);
  g_free (out);
  g_free (err);
}

/* Bad arguments fail with status 2 and name the option; a file that is not
 * a layout model fails with its name. */
static void
test_bad_arguments (void)
{
  gchar *out = path_of ("bad", NULL), *junk = path_of ("junk", NULL);
  const char *no_mode[] = { LAYOUT, "fly", NULL };
  const char *batch[] = { LAYOUT, "train", "--data", data, "--out", out,
    "--batch", "0", NULL
  };
  const char *lr[] = { LAYOUT, "train", "--data", data, "--out", out,
    "--lr", "nan", NULL
  };
  const char *no_data[] = { LAYOUT, "train", "--out", out, NULL };
  const char *heads[] = { LAYOUT, "train", "--data", data, "--out", out,
    "--dim", "30", "--attn-heads", "4", NULL
  };
  const char *split[] = { LAYOUT, "train", "--data", data, "--out", out,
    "--split", "nosuch", NULL
  };
  const char *model[] = { LAYOUT, "eval", "--model", junk, "--data", data,
    NULL
  };
  g_assert_true (g_file_set_contents (junk, "not a model", -1, NULL));
  expect_failure (no_mode, 2, "usage", NULL);
  expect_failure (batch, 2, "--batch 0", NULL);
  expect_failure (lr, 2, "--lr", NULL);
  expect_failure (no_data, 2, "--data", NULL);
  expect_failure (heads, 1, "heads", NULL);
  expect_failure (split, 1, "nosuch.csv", NULL);
  expect_failure (model, 1, junk, NULL);
  g_free (out);
  g_free (junk);
}

/* A copy of the dataset whose first training video's detections have line
 * `line` replaced by text; returns the copy's folder and that file's
 * name. */
static gchar *
corrupt_copy (const char *name, int line, const char *text, gchar ** file)
{
  gchar *dir = path_of (name, NULL), *cmd, *contents, **lines, *joined;
  EgoDataset *ds = ego_dataset_open (data, "train", TRUE, NULL);
  cmd = g_strdup_printf ("cp -r %s %s", data, dir);
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
  *file = g_strdup_printf ("%s.jsonl", ego_dataset_video (ds, 0)->video_id);
  g_free (cmd);
  cmd = g_build_filename (dir, "detections", *file, NULL);
  contents = read_all (cmd);
  lines = g_strsplit (contents, "\n", -1);
  g_assert_cmpint (g_strv_length (lines), >=, line);
  g_free (lines[line - 1]);
  lines[line - 1] = g_strdup (text);
  joined = g_strjoinv ("\n", lines);
  g_assert_true (g_file_set_contents (cmd, joined, -1, NULL));
  g_strfreev (lines);
  g_free (joined);
  g_free (contents);
  g_free (cmd);
  ego_dataset_free (ds);
  return dir;
}

/* Broken, hostile or pixel-unit detection lines are reported with the
 * file and line, and nothing crashes. */
static void
test_bad_detections (void)
{
  static const char *const lines[][2] = {
    {"{\"frame\": 5, \"boxes\": [{\"x1\": 0.1,", "5: is not valid JSON"},
    {"{\"frame\": 5, \"boxes\": [{\"x1\": 12, \"y1\": 8, \"x2\": 40, \"y2\": "
          "30, \"category\": \"hand\", \"score\": 0.9}]}", "5: box 1: x1 = 12"},
    {"{\"frame\": 5, \"boxes\": [[[[[[[[[]]]]]]]]]}", "5: nests deeper"},
    {"{\"frame\": 1, \"boxes\": []}", "appears twice"},
  };
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++) {
    gchar *name = g_strdup_printf ("corrupt%u", i), *file = NULL;
    gchar *dir = corrupt_copy (name, 5, lines[i][0], &file);
    gchar *out = path_of (name, "out");
    const char *argv[] = { LAYOUT, "train", "--data", dir, "--out", out,
      "--epochs", "1", NULL
    };
    expect_failure (argv, 1, file, lines[i][1], NULL);
    g_free (name);
    g_free (file);
    g_free (dir);
    g_free (out);
  }
}

/* Detections numbered otherwise than the annotations (here every frame
 * number prefixed with 90000) still train, but with a warning that names
 * the split; the dataset as written gives none. */
static void
test_misnumbered_detections (void)
{
  gchar *file = NULL, *dir = corrupt_copy ("shifted", 1,
      "{\"frame\": 1, \"boxes\": []}", &file);
  gchar *cmd = g_strdup_printf ("sh -c \"sed -i 's/\\\"frame\\\": "
      "/\\\"frame\\\": 90000/' %s/detections/*.jsonl\"", dir);
  gchar *out = path_of ("shifted", "out"), *err = NULL, *stdout_ = NULL;
  const char *argv[] = { LAYOUT, "train", "--data", dir, "--out", out,
    "--epochs", "1", "--dim", "32", "--attn-heads", "2", NULL
  };
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
  g_assert_cmpint (run (argv, &stdout_, &err), ==, 0);
  g_assert_nonnull (strstr (err, "train.csv: "));
  g_assert_nonnull (strstr (err, "have no detections line"));
  g_free (err);
  g_free (stdout_);
  g_free (out);
  out = path_of ("unshifted", NULL);
  argv[3] = data;
  argv[5] = out;
  g_assert_cmpint (run (argv, &stdout_, &err), ==, 0);
  g_assert_null (strstr (err, "have no detections line"));
  g_free (err);
  g_free (stdout_);
  g_free (out);
  g_free (cmd);
  g_free (file);
  g_free (dir);
}

/* A finished run's folder is not trained over; an unfinished one starts
 * over without the best model of the run before (a run without validation
 * left it beside its own model). */
static void
test_out_folder (void)
{
  gchar *out = path_of ("again", NULL);
  gchar *best = path_of ("again", "best.safetensors");
  const char *argv[] = { LAYOUT, "train", "--data", data, "--out", out,
    "--epochs", "1", "--dim", "32", "--attn-heads", "2",
    "--validation-split", "", NULL
  };
  gchar *err = NULL, *stdout_ = NULL;
  g_assert_cmpint (g_mkdir_with_parents (out, 0755), ==, 0);
  g_assert_true (g_file_set_contents (best, "an earlier run's", -1, NULL));
  g_assert_cmpint (run (argv, &stdout_, &err), ==, 0);
  g_assert_false (g_file_test (best, G_FILE_TEST_EXISTS));
  expect_failure (argv, 1, "holds the model of an earlier run", NULL);
  g_free (err);
  g_free (stdout_);
  g_free (best);
  g_free (out);
}

/* The layout needs the annotations and detections only: a dataset without
 * its videos (EPIC's are hundreds of GB) trains and evaluates. */
static void
test_detections_alone (void)
{
  gchar *dir = path_of ("no-videos", NULL), *out = path_of ("no-videos",
      "out"), *model = path_of ("no-videos", "out/model.safetensors");
  gchar *cmd = g_strdup_printf ("sh -c \"cp -r %s %s && rm -r %s/videos\"",
      data, dir, dir);
  const char *train_argv[] = { LAYOUT, "train", "--data", dir, "--out", out,
    "--epochs", "1", "--dim", "32", "--attn-heads", "2", NULL
  };
  const char *eval_argv[] = { LAYOUT, "eval", "--model", model, "--data",
    dir, "--split", "validation", "--json", NULL
  };
  gchar *err = NULL, *stdout_ = NULL;
  gint status;
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpint (run (train_argv, &stdout_, &err), ==, 0);
  g_free (stdout_);
  g_free (err);
  g_assert_cmpint (run (eval_argv, &stdout_, &err), ==, 0);
  g_assert_nonnull (strstr (stdout_, "\"action_top1\""));
  g_free (stdout_);
  g_free (err);
  g_free (cmd);
  g_free (model);
  g_free (out);
  g_free (dir);
}

/* A run that diverges (a learning rate far too high) stops at the first
 * loss that is not finite, saying so, rather than training every epoch on
 * NaN and failing at the save. */
static void
test_diverged (void)
{
  gchar *out = path_of ("diverged", NULL);
  const char *argv[] = { LAYOUT, "train", "--data", data, "--out", out,
    "--lr", "1", "--clip-norm", "0", "--warmup", "0", "--weight-decay", "10",
    "--batch", "2", "--epochs", "60", NULL
  };
  expect_failure (argv, 1, "the loss is not finite at step", "diverged",
      NULL);
  g_free (out);
}

/* A frame without a line shows the nearest earlier line of its clip, and
 * nothing before the clip's first line; with a line gone training still
 * runs. (ego-dataset writes frame f on line f.) */
static void
test_missing_frames (void)
{
  EgoDataset *ds = ego_dataset_open (data, "train", TRUE, NULL);
  int start = ego_dataset_clip (ds, 0)->start_frame, n1, n2, n;
  gchar *file = NULL, *dir = corrupt_copy ("gaps", start + 1, "", &file);
  GError *error = NULL;
  EgoLayoutData *d = ego_layout_data_open (dir, "train", &error);
  g_assert_no_error (error);
  g_assert_cmpint (ego_dataset_clip (ds, 0)->stop_frame, >, start + 1);
  g_assert_true (ego_layout_data_frame (d, 0, start, &n1) ==
      ego_layout_data_frame (d, 0, start + 1, &n2));
  g_assert_cmpint (n1, ==, n2);
  g_assert_cmpint (n1, >, 0);
  g_assert_null (ego_layout_data_frame (d, 0, start - 1, &n));
  g_assert_cmpint (n, ==, 0);
  ego_layout_data_free (d);
  ego_dataset_free (ds);
  train (dir, "gaps-run", "1");
  g_free (file);
  g_free (dir);
}

int
main (int argc, char **argv)
{
  gchar *cmd, *out = NULL, *err = NULL;
  gint status = -1, result;
  g_test_init (&argc, &argv, NULL);
  tmp = fixture_tmpdir ("egolayout-XXXXXX");
  data = g_build_filename (tmp, "data", NULL);
  cmd = g_strdup_printf ("%s/pipelines/ego-dataset --out %s --clips 60 "
      "--videos 6 --seed 1 --width 64 --height 48 --fps 15", EGO_BUILD_DIR,
      data);
  g_assert_true (g_spawn_command_line_sync (cmd, &out, &err, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_test_add_func ("/layout/train-files", test_train_files);
  g_test_add_func ("/layout/eval", test_eval);
  g_test_add_func ("/layout/deterministic", test_deterministic);
  g_test_add_func ("/layout/bad-arguments", test_bad_arguments);
  g_test_add_func ("/layout/bad-detections", test_bad_detections);
  g_test_add_func ("/layout/missing-frames", test_missing_frames);
  g_test_add_func ("/layout/diverged", test_diverged);
  g_test_add_func ("/layout/detections-alone", test_detections_alone);
  g_test_add_func ("/layout/out-folder", test_out_folder);
  g_test_add_func ("/layout/misnumbered-detections",
      test_misnumbered_detections);
  result = g_test_run ();
  g_free (cmd);
  g_free (out);
  g_free (err);
  fixture_remove_tree (tmp);
  g_free (data);
  g_free (tmp);
  return result;
}
