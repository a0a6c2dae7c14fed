/* ego-results end to end: a manifest of ego-eval objects and a fused
 * teacher's logits over a tiny labelled split (no media). results.json must
 * hold the objects as they were and the scores of the logits, results.md
 * the mean and spread over seeds and verdicts that follow from constructed
 * numbers; bad input must be reported with its file and line, and nothing
 * written. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include "fixture.h"

#define CLIPS 4

static gchar *dir;

/* labels of the test split: verbs of 3 classes, nouns of 2 */
static const int verbs[CLIPS] = { 0, 1, 2, 0 };
static const int nouns[CLIPS] = { 0, 1, 0, 1 };

/* the fused teacher: right on the first three verbs, wrong (class 2) on
 * the last; right on every noun */
static const char fused_logits[] =
    "{\"narration_id\": \"P01_01_0\", \"verb\": [2, 0, 0], \"noun\": [1, 0]}\n"
    "{\"narration_id\": \"P01_01_1\", \"verb\": [0, 2, 0], \"noun\": [0, 1]}\n"
    "\n"
    "{\"narration_id\": \"P01_01_2\", \"verb\": [0, 0, 2], \"noun\": [1, 0]}\n"
    "{\"narration_id\": \"P01_01_3\", \"verb\": [0, 0, 3], \"noun\": [0, 1]}\n"
    "{\"narration_id\": \"P09_09_9\", \"verb\": [0, 0, 3], \"noun\": [0, 1]}\n";

static gchar *
path_of (const char *name)
{
  return g_build_filename (dir, name, NULL);
}

static void
write_file (const char *name, const char *text)
{
  gchar *path = path_of (name);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_free (path);
}

static gchar *
read_file (const char *name)
{
  gchar *path = path_of (name), *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_free (path);
  return text;
}

static void
write_annotations (void)
{
  GString *csv = g_string_new ("narration_id,participant_id,video_id,"
      "narration_timestamp,start_timestamp,stop_timestamp,start_frame,"
      "stop_frame,narration,verb,verb_class,noun,noun_class,all_nouns,"
      "all_noun_classes\n");
  static const char *const verb_keys[] = { "take", "put", "open" };
  static const char *const noun_keys[] = { "cup", "plate" };
  gchar *annotations = path_of ("data/annotations");
  g_assert_cmpint (g_mkdir_with_parents (annotations, 0755), ==, 0);
  g_free (annotations);
  write_file ("data/annotations/verb_classes.csv",
      "id,key\n0,take\n1,put\n2,open\n");
  write_file ("data/annotations/noun_classes.csv", "id,key\n0,cup\n1,plate\n");
  for (int r = 0; r < CLIPS; r++)
    g_string_append_printf (csv, "P01_01_%d,P01,P01_01,00:00:01.00,"
        "00:00:01.00,00:00:02.00,%d,%d,x,%s,%d,%s,%d,\"['%s']\",[%d]\n", r,
        1 + 50 * r, 40 + 50 * r, verb_keys[verbs[r]], verbs[r],
        noun_keys[nouns[r]], nouns[r], noun_keys[nouns[r]], nouns[r]);
  write_file ("data/annotations/test.csv", csv->str);
  g_string_free (csv, TRUE);
}

/* An object as ego-eval --json prints it; returns its file name. */
static gchar *
write_eval (const char *name, double verb, double noun, double action,
    double verb_ece, double noun_ece, double gflops)
{
  gchar *file = g_strdup_printf ("%s.json", name);
  gchar *text = g_strdup_printf ("{\"verb\": {\"top1\": %.3f, \"top5\": "
      "99.000, \"ece\": %.3f}, \"noun\": {\"top1\": %.3f, \"top5\": 99.000, "
      "\"ece\": %.3f}, \"action_top1\": %.3f, \"clips\": 100, "
      "\"gflops_per_view\": %.4g}\n", verb, verb_ece, noun, noun_ece, action,
      gflops);
  write_file (file, text);
  g_free (text);
  return file;
}

/* A manifest line for an object written with write_eval. */
static void
add_eval (GString * m, const char *name, const char *role,
    const char *weighting, int seed, const char *views, double verb,
    double noun, double action, double verb_ece, double noun_ece, double gflops)
{
  gchar *id = g_strdup_printf ("%s-s%d-%s", name, seed, views);
  gchar *file = write_eval (id, verb, noun, action, verb_ece, noun_ece,
      gflops);
  g_string_append_printf (m, "%s\t%s\t%s\t%d\t%s\teval\t%s\n", name, role,
      weighting, seed, views, file);
  g_free (file);
  g_free (id);
}

/* Runs ego-results in dir with the arguments (NULL-terminated); returns
 * its exit status and its standard error. */
static int
run_results (const char *const *args, gchar ** err)
{
  GPtrArray *argv = g_ptr_array_new ();
  gint status = -1;
  g_ptr_array_add (argv, (gpointer) EGO_BUILD_DIR "/pipelines/ego-results");
  for (int i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (dir, (gchar **) argv->pdata, NULL, 0, NULL,
          NULL, NULL, err, &status, NULL));
  g_ptr_array_free (argv, TRUE);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* The manifest of the tests: teachers, fused teachers (one from logits),
 * students with 3 seeds each. The expected verdicts are noted. */
static void
write_manifest (void)
{
  GString *m = g_string_new ("# name\trole\tweighting\tseed\tviews\tkind\t"
      "path\n");
  write_file ("fused.jsonl", fused_logits);
  add_eval (m, "rgb", "teacher-rgb", "-", 1, "1x1", 50, 60, 40, 5, 5, 2.0);
  add_eval (m, "flow", "teacher-flow", "-", 1, "1x1", 70, 20, 60, 5, 5, 3.0);
  /* (1) 75 beats 40 and 60: supported */
  g_string_append (m, "fused-uniform\tteacher-fused\tuniform\t1\t1x1\tlogits"
      "\tfused.jsonl\t5\n");
  /* (1) 50 is below flow's 60: not supported; (4) below uniform's 75 */
  add_eval (m, "fused-full", "teacher-fused", "full-dataset", 1, "1x1", 60, 60,
      50, 5, 5, 5.0);
  for (int s = 1; s <= 3; s++) {
    /* action 10, 20, 30 at 1x1, 12, 22, 32 at 2x3: drop 2 */
    add_eval (m, "kd-uniform", "student-kd", "uniform", s, "1x1", 10 * s, 50,
        10 * s, 4, 3, 0.5);
    add_eval (m, "kd-uniform", "student-kd", "uniform", s, "2x3", 10 * s, 50,
        10 * s + 2, 4, 3, 0.5);
    /* (3) worse calibrated than the labels; (4) 26 beats uniform's 20 */
    add_eval (m, "kd-per-sample", "student-kd", "per-sample", s, "1x1",
        24 + s, 50, 24 + s, 9, 7, 0.5);
    /* drop 5 */
    add_eval (m, "labels", "student-labels", "-", s, "1x1", 5, 40, 5, 8, 6,
        0.5);
    add_eval (m, "labels", "student-labels", "-", s, "2x3", 5, 40, 10, 8, 6,
        0.5);
    add_eval (m, "multimodal", "multimodal-labels", "-", s, "1x1", 21, 45, 19,
        8, 6, 0.5);
  }
  write_file ("manifest.tsv", m->str);
  g_string_free (m, TRUE);
}

/* The manifest runs (the other tests read its output). */
static void
test_run (void)
{
  const char *args[] = { "--manifest", "manifest.tsv", "--data", "data",
    "--split", "test", "--out", "out", "--flow-gflops", "1", NULL
  };
  gchar *err = NULL;
  write_manifest ();
  g_assert_cmpint (run_results (args, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_free (err);
}

/* ------------------------------------------------------------------------ */
/* results.json */

static JsonObject *
find_model (JsonArray * models, const char *name, gint64 seed)
{
  for (guint i = 0; i < json_array_get_length (models); i++) {
    JsonObject *o = json_array_get_object_element (models, i);
    if (strcmp (json_object_get_string_member (o, "name"), name) == 0
        && json_object_get_int_member (o, "seed") == seed)
      return o;
  }
  g_assert_not_reached ();
  return NULL;
}

/* ECE of the fused verbs by hand: three right at confidence e^2 / (e^2 +
 * 2) in one bin, one wrong at e^3 / (e^3 + 2) in another. */
static double
fused_verb_ece (void)
{
  double right = exp (2) / (exp (2) + 2), wrong = exp (3) / (exp (3) + 2);
  g_assert_cmpint ((int) ceil (right * 15), !=, (int) ceil (wrong * 15));
  return 100 * (0.75 * (1 - right) + 0.25 * wrong);
}

/* The logits line is scored as ego-eval would: 3 of 4 verbs right. */
static void
check_fused (JsonArray * models)
{
  JsonObject *fused = find_model (models, "fused-uniform", 1);
  JsonObject *eval = json_object_get_object_member (fused, "eval");
  JsonObject *v = json_object_get_object_member (eval, "1x1");
  JsonObject *verb = json_object_get_object_member (v, "verb");
  JsonObject *noun = json_object_get_object_member (v, "noun");
  double noun_conf = exp (1) / (exp (1) + 1);
  g_assert_false (json_object_has_member (eval, "2x3"));
  g_assert_cmpstr (json_object_get_string_member (fused, "weighting"), ==,
      "uniform");
  g_assert_cmpfloat (json_object_get_double_member (verb, "top1"), ==, 75.0);
  g_assert_cmpfloat (json_object_get_double_member (verb, "top5"), ==, 100.0);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (verb, "ece"),
      fused_verb_ece (), 6e-4);
  g_assert_cmpfloat (json_object_get_double_member (noun, "top1"), ==, 100.0);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (noun, "ece"),
      100 * (1 - noun_conf), 6e-4);
  g_assert_cmpfloat (json_object_get_double_member (v, "action_top1"), ==,
      75.0);
  g_assert_cmpint (json_object_get_int_member (v, "clips"), ==, CLIPS);
  g_assert_cmpfloat (json_object_get_double_member (v, "gflops_per_view"), ==,
      5.0);
}

/* One model per name and seed, views merged, weighting null where "-", the
 * ego-eval objects copied as they were. */
static void
test_json (void)
{
  JsonParser *parser = json_parser_new ();
  gchar *path = path_of ("out/results.json"), *text = read_file
      ("out/results.json"), *eval = read_file ("kd-uniform-s2-2x3.json");
  JsonArray *models;
  JsonObject *kd, *rgb;
  g_assert_true (json_parser_load_from_file (parser, path, NULL));
  models = json_object_get_array_member (json_node_get_object
      (json_parser_get_root (parser)), "models");
  g_assert_cmpuint (json_array_get_length (models), ==, 4 + 4 * 3);
  rgb = find_model (models, "rgb", 1);
  g_assert_cmpstr (json_object_get_string_member (rgb, "role"), ==,
      "teacher-rgb");
  g_assert_true (json_object_get_null_member (rgb, "weighting"));
  kd = find_model (models, "kd-uniform", 2);
  g_assert_cmpstr (json_object_get_string_member (kd, "role"), ==,
      "student-kd");
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (kd,
              "eval")), ==, 2);
  g_assert_nonnull (strstr (text, g_strstrip (eval)));
  check_fused (models);
  g_object_unref (parser);
  g_free (path);
  g_free (text);
  g_free (eval);
}

/* ------------------------------------------------------------------------ */
/* results.md */

/* The line of md that starts with prefix (asserted to exist). */
static gchar *
line_of (const char *md, const char *prefix)
{
  gchar **lines = g_strsplit (md, "\n", -1), *found = NULL;
  for (int i = 0; lines[i] && !found; i++)
    if (g_str_has_prefix (lines[i], prefix))
      found = g_strdup (lines[i]);
  g_strfreev (lines);
  if (found == NULL)
    g_error ("no line starts with \"%s\" in:\n%s", prefix, md);
  return found;
}

static void
assert_line (const char *md, const char *prefix, const char *suffix)
{
  gchar *line = line_of (md, prefix);
  if (!g_str_has_suffix (line, suffix))
    g_error ("expected \"%s\" to end with \"%s\"", line, suffix);
  g_free (line);
}

/* Mean ± sample standard deviation over the 3 seeds; SE = 100 sqrt(p (1 -
 * p) / 100 clips); drop = 2x3 - 1x1. */
static void
test_table (void)
{
  gchar *md = read_file ("out/results.md");
  assert_line (md, "| kd-uniform | student-kd | uniform | 3 | ",
      "| 20.0 ± 10.0 (SE 4.0) | 50.0 ± 0.0 (SE 5.0) | 20.0 ± 10.0 (SE 4.0) "
      "| 4.0 ± 0.0 | 3.0 ± 0.0 | 22.0 ± 10.0 (SE 4.1) | 2.0 ± 0.0 | 0.5 |");
  assert_line (md, "| labels | student-labels | - | 3 | ",
      "| 10.0 ± 0.0 (SE 3.0) | 5.0 ± 0.0 | 0.5 |");
  /* a view that was not evaluated is not invented */
  assert_line (md, "| fused-uniform | teacher-fused | uniform | 1 | 75.0",
      "| not run | not run | 5 |");
  g_free (md);
}

/* Every verdict follows from the constructed numbers. */
static void
test_findings (void)
{
  gchar *md = read_file ("out/results.md");
  g_assert_null (strstr (md, "Fewer than 3 seeds"));
  assert_line (md, "  - fused-uniform vs rgb: 75.0 vs 40.0", "flow: 75.0 vs "
      "60.0 (+15.0, within 2 SE): **supported**");
  assert_line (md, "  - fused-full vs rgb: 50.0 vs 40.0", "**not supported**");
  assert_line (md, "  - kd-uniform vs labels: verb 20.0 vs 5.0 (+15.0), "
      "noun 50.0 vs 40.0", "more accurate: **supported**; action gap of at "
      "least 3 points: **supported**");
  assert_line (md, "  - kd-uniform vs multimodal: verb 20.0 vs 21.0 (-1.0",
      "more accurate: **mixed**; action gap of at least 3 points: "
      "**not supported**");
  assert_line (md, "  - kd-uniform vs labels: verb ECE 4.0 vs 8.0 (-4.0), "
      "noun ECE 3.0 vs 6.0 (-3.0)", ": **supported**");
  assert_line (md, "  - kd-per-sample vs labels: verb ECE 9.0",
      ": **not supported**");
  assert_line (md, "  - teacher-fused, full-dataset vs uniform", ": 50.0 vs "
      "75.0 (-25.0, within 2 SE): **not supported**");
  assert_line (md, "  - teacher-fused, per-sample vs uniform", "where the "
      "students learn from them (below)");
  assert_line (md, "  - student-kd, per-sample vs uniform", ": 26.0 vs 20.0 "
      "(+6.0, within 2 SE): **supported**");
  assert_line (md, "  - kd-uniform vs labels: drop 2.0 vs 5.0",
      ": **supported**");
  /* 0.5 of the best student against 2 + 3 + 1 (flow) */
  assert_line (md, "- **(6)", "kd-per-sample 0.5 vs 2 teachers 6, 8.3%: "
      "**supported**");
  g_free (md);
}

/* Without probes or reversed pairs there is no balance table. */
static void
test_no_balance (void)
{
  gchar *md = read_file ("out/results.md");
  g_assert_null (strstr (md, "What each modality sees"));
  g_free (md);
}

/* An ego-eval object with reversed_pairs; returns its file name. */
static gchar *
write_pairs_eval (const char *name, double verb, double noun, double pairs,
    int pair_clips)
{
  gchar *file = g_strdup_printf ("%s.json", name);
  gchar *text = g_strdup_printf ("{\"verb\": {\"top1\": %.3f, \"top5\": 99, "
      "\"ece\": 1}, \"noun\": {\"top1\": %.3f, \"top5\": 99, \"ece\": 1}, "
      "\"action_top1\": 10, \"clips\": 100, \"gflops_per_view\": 1, "
      "\"reversed_pairs\": {\"head\": \"verb\", \"accuracy\": %.3f, "
      "\"clips\": %d}}", verb, noun, pairs, pair_clips);
  write_file (file, text);
  g_free (text);
  return file;
}

/* The unimodal teachers and the probes: top-1 with the SE of 100 clips,
 * the direction with the SE of the pairs' clips (25: 100 sqrt(.5 .5 /
 * 25) = 10); students are not in it; and the noun the verb alone tells on
 * the split's labels. */
static void
test_balance (void)
{
  const char *args[] = { "--manifest", "balance.tsv", "--out", "balance",
    "--probe", "one RGB frame=frame.json", "--data", "data", "--split",
    "test", NULL
  };
  gchar *a = write_pairs_eval ("audio", 60, 20, 50, 25);
  gchar *b = write_pairs_eval ("frame", 40, 80, 50, 100);
  gchar *c = write_pairs_eval ("student", 90, 90, 99, 100);
  gchar *m = g_strdup_printf ("audio\tteacher-audio\t-\t1\t1x1\teval\t%s\n"
      "s\tstudent-labels\t-\t1\t1x1\teval\t%s\n", a, c);
  gchar *err = NULL, *md;
  write_file ("balance.tsv", m);
  g_assert_cmpint (run_results (args, &err), ==, 0);
  md = read_file ("balance/results.md");
  assert_line (md, "| audio | 60.0 (SE 4.9) | 20.0 (SE 4.0) ",
      "| 50.0 (SE 10.0) |");
  assert_line (md, "| one RGB frame | 40.0 (SE 4.9) | 80.0 (SE 4.0) ",
      "| 50.0 (SE 5.0) |");
  g_assert_null (strstr (md, "| s | 90.0"));
  g_assert_null (strstr (g_strrstr (md, "What each modality sees"), "99.0"));
  /* verb 0 has nouns 0 and 1, verbs 1 and 2 one noun each: 3 of 4 */
  g_assert_nonnull (strstr (md, "The verb alone tells the noun of 75.0% of"));
  g_free (md);
  g_free (err);
  /* a probe is NAME=FILE */
  args[5] = "frame.json";
  g_assert_cmpint (run_results (args, &err), ==, 1);
  g_assert_nonnull (strstr (err, "--probe frame.json: not NAME=FILE"));
  g_free (err);
  g_free (m);
  g_free (a);
  g_free (b);
  g_free (c);
}

/* ------------------------------------------------------------------------ */
/* Failures */

/* Runs a manifest that must fail with a message holding expected, and
 * writes nothing. */
static void
assert_fails (const char *manifest, const char *expected)
{
  const char *args[] = { "--manifest", "bad.tsv", "--data", "data",
    "--split", "test", "--out", "bad-out", NULL
  };
  gchar *err = NULL, *out = path_of ("bad-out");
  write_file ("bad.tsv", manifest);
  g_assert_cmpint (run_results (args, &err), ==, 1);
  if (strstr (err, expected) == NULL)
    g_error ("expected \"%s\" in \"%s\"", expected, err);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  g_free (err);
  g_free (out);
}

/* A bad line is named by file and line; a missing file by its name. */
static void
test_errors (void)
{
  write_file ("short.jsonl", "{\"narration_id\": \"P01_01_0\", \"verb\": "
      "[2, 0, 0], \"noun\": [1, 0]}\n");
  assert_fails ("# comment\nrgb\tteacher-rgb\t-\t1\t1x1\teval\trgb-s1-1x1."
      "json\nkd\tstudent-kd\t-\t1\t1x1\teval\trgb-s1-1x1.json\n",
      "bad.tsv:3: weighting must be uniform, per-sample or full-dataset");
  assert_fails ("rgb\tteacher-rgb\t-\t1\t1x1\n", "bad.tsv:1: expected 7 or 8 "
      "tab-separated fields");
  assert_fails ("rgb\tteacher-rgb\t-\t1\t4x4\teval\trgb-s1-1x1.json\n",
      "bad.tsv:1: views is not 1x1 or 2x3");
  assert_fails ("\nrgb\tteacher-rgb\t-\t1\t1x1\teval\tmissing.json\n",
      "bad.tsv:2: missing.json: ");
  assert_fails ("rgb\tteacher-rgb\t-\t1\t1x1\teval\trgb-s1-1x1.json\n"
      "rgb\tteacher-rgb\t-\t1\t1x1\teval\trgb-s1-1x1.json\n",
      "bad.tsv:2: rgb seed 1 views 1x1 was given before, on line 1");
  assert_fails ("f\tteacher-fused\tuniform\t1\t1x1\tlogits\tshort.jsonl\n",
      "bad.tsv:1: short.jsonl: no logits for clip P01_01_1 (3 of the 4");
  assert_fails ("f\tteacher-fused\tuniform\t1\t1x1\teval\tfused.jsonl\n",
      "bad.tsv:1: fused.jsonl: not one object in plain JSON");
  /* what json-glib takes and results.json, which copies the text, must not
   * carry: a comment, single quotes, a hex number */
  {
    const char *extras[] = { "/* x */ ", "'extra': 1, ", "\"extra\": 0x10, " };
    gchar *good = read_file ("rgb-s1-1x1.json");
    for (guint i = 0; i < G_N_ELEMENTS (extras); i++) {
      gchar *text = g_strdup_printf ("{%s%s", extras[i], strchr (good, '{')
          + 1);
      write_file ("loose.json", text);
      assert_fails ("rgb\tteacher-rgb\t-\t1\t1x1\teval\tloose.json\n",
          "bad.tsv:1: loose.json: not one object in plain JSON");
      g_free (text);
    }
    g_free (good);
  }
}


int
main (int argc, char **argv)
{
  int status;
  g_test_init (&argc, &argv, NULL);
  dir = fixture_tmpdir ("egoresults-XXXXXX");
  write_annotations ();
  g_test_add_func ("/egoresults/run", test_run);
  g_test_add_func ("/egoresults/json", test_json);
  g_test_add_func ("/egoresults/table", test_table);
  g_test_add_func ("/egoresults/findings", test_findings);
  g_test_add_func ("/egoresults/no-balance", test_no_balance);
  g_test_add_func ("/egoresults/balance", test_balance);
  g_test_add_func ("/egoresults/errors", test_errors);
  status = g_test_run ();
  fixture_remove_tree (dir);
  g_free (dir);
  return status;
}
