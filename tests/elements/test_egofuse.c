/* ego-fuse end to end: a tiny annotation set (no media) and three teachers'
 * logits files; the fused file must be what models/fusion.h computes, and
 * bad input must be reported with its file and line. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "egoteacherlogits.h"
#include "fusion.h"
#include "fixture.h"

#define TEACHERS 3
#define TRAIN 6
#define VALIDATION 4
#define HEADS 2

static const char *const teacher_names[TEACHERS] = { "rgb", "flow", "audio" };
static const char *const heads[HEADS] = { "verb", "noun" };
static const int classes[HEADS] = { 3, 4 };
static const char *const splits[2] = { "train", "validation" };
static const int split_clips[2] = { TRAIN, VALIDATION };

/* logits[teacher][split][head] (clips, classes) and labels[split][head] */
static float logits[TEACHERS][2][HEADS][TRAIN][4];     /* TRAIN: the larger */
static int32_t labels[2][HEADS][TRAIN];
static gchar *dir;

static int
label_of (int split, int h, int r)
{
  return (r + split * (h + 1)) % classes[h];
}

/* rgb is good on both heads, flow on verbs but flat on nouns, audio is
 * noise. */
static void
make_logits (void)
{
  GRand *rand = g_rand_new_with_seed (7);
  for (int t = 0; t < TEACHERS; t++)
    for (int s = 0; s < 2; s++)
      for (int h = 0; h < HEADS; h++)
        for (int r = 0; r < split_clips[s]; r++) {
          labels[s][h][r] = label_of (s, h, r);
          for (int c = 0; c < classes[h]; c++) {
            float noise = (float) g_rand_double_range (rand, -1.0, 1.0);
            float bonus = c != labels[s][h][r] ? 0.0f : t == 0 ? 2.0f :
                t == 1 && h == 0 ? 1.5f : 0.0f;
            logits[t][s][h][r][c] = t == 1 && h == 1 ? 0.25f : noise + bonus;
          }
        }
  g_rand_free (rand);
}

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

static void
write_annotations (void)
{
  static const char *const verbs[] = { "take", "put", "open" };
  static const char *const nouns[] = { "cup", "plate", "door", "pan" };
  gchar *annotations = path_of ("annotations");
  g_assert_cmpint (g_mkdir_with_parents (annotations, 0755), ==, 0);
  g_free (annotations);
  write_file ("annotations/verb_classes.csv", "id,key\n0,take\n1,put\n"
      "2,open\n");
  write_file ("annotations/noun_classes.csv", "id,key\n0,cup\n1,plate\n"
      "2,door\n3,pan\n");
  for (int s = 0; s < 2; s++) {
    GString *csv = g_string_new ("narration_id,participant_id,video_id,"
        "narration_timestamp,start_timestamp,stop_timestamp,start_frame,"
        "stop_frame,narration,verb,verb_class,noun,noun_class,all_nouns,"
        "all_noun_classes\n");
    gchar *name = g_strdup_printf ("annotations/%s.csv", splits[s]);
    for (int r = 0; r < split_clips[s]; r++) {
      int v = labels[s][0][r], n = labels[s][1][r];
      g_string_append_printf (csv, "P0%d_01_%d,P0%d,P0%d_01,00:00:01.00,"
          "00:00:01.00,00:00:02.00,%d,%d,%s %s,%s,%d,%s,%d,\"['%s']\",[%d]\n",
          s + 1, r, s + 1, s + 1, 1 + 50 * r, 40 + 50 * r, verbs[v], nouns[n],
          verbs[v], v, nouns[n], n, nouns[n], n);
    }
    write_file (name, csv->str);
    g_free (name);
    g_string_free (csv, TRUE);
  }
}

/* Teacher t's lines for both splits. */
static void
write_teacher (int t)
{
  GString *out = g_string_new (NULL);
  gchar *name = g_strdup_printf ("%s.jsonl", teacher_names[t]);
  for (int s = 0; s < 2; s++)
    for (int r = 0; r < split_clips[s]; r++) {
      g_string_append_printf (out, "{\"narration_id\": \"P0%d_01_%d\"", s + 1,
          r);
      for (int h = 0; h < HEADS; h++) {
        g_string_append_printf (out, ", \"%s\": [", heads[h]);
        for (int c = 0; c < classes[h]; c++) {
          gchar num[G_ASCII_DTOSTR_BUF_SIZE];
          g_string_append_printf (out, "%s%s", c ? ", " : "",
              g_ascii_formatd (num, sizeof (num), "%.9g",
                  logits[t][s][h][r][c]));
        }
        g_string_append_c (out, ']');
      }
      g_string_append (out, "}\n");
    }
  write_file (name, out->str);
  g_free (name);
  g_string_free (out, TRUE);
}

/* Runs ego-fuse --data DIR with the arguments (NULL-terminated); returns
 * its exit status and its standard output and error. */
static int
run_fuse (const char *const *args, gchar ** out, gchar ** err)
{
  GPtrArray *argv = g_ptr_array_new ();
  gint status = -1;
  g_ptr_array_add (argv, (gpointer) EGO_BUILD_DIR "/pipelines/ego-fuse");
  g_ptr_array_add (argv, (gpointer) "--data");
  g_ptr_array_add (argv, dir);
  for (int i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (dir, (gchar **) argv->pdata, NULL, 0, NULL,
          NULL, out, err, &status, NULL));
  g_ptr_array_free (argv, TRUE);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* ------------------------------------------------------------------------ */
/* Expected results, from the fusion module */

/* z (TEACHERS, n, k) of split s and head h */
static float *
stack (int s, int h)
{
  int n = split_clips[s], k = classes[h];
  float *z = g_new (float, TEACHERS * n * k);
  for (int t = 0; t < TEACHERS; t++)
    for (int r = 0; r < n; r++)
      memcpy (z + (t * n + r) * k, logits[t][s][h][r], sizeof (float) * k);
  return z;
}

/* weights (TEACHERS, TRAIN) and fused (TRAIN, k) of the train split's head
 * h; held-out weights from validation when full-dataset */
static void
expect (EgoFusionScheme scheme, double tau, int h, float *weights, float *fused)
{
  float dw[TEACHERS], *z = stack (0, h);
  if (scheme == EGO_FUSION_FULL_DATASET) {
    float *held = stack (1, h);
    g_assert_true (ego_fusion_dataset_weights (held, labels[1][h], TEACHERS,
            VALIDATION, classes[h], tau, dw, NULL));
    g_free (held);
  }
  g_assert_true (ego_fusion_weights (scheme, z, labels[0][h], TEACHERS,
          TRAIN, classes[h], tau, dw, weights, NULL));
  ego_fusion_apply (z, weights, TEACHERS, TRAIN, classes[h], fused);
  g_free (z);
}

/* The fused file holds exactly the expected logits of every train clip. */
static void
check_fused_file (const char *name, EgoFusionScheme scheme, double tau)
{
  gchar *path = path_of (name);
  GError *error = NULL;
  EgoTeacherLogits *t = ego_teacher_logits_load (path, HEADS,
      (gchar **) heads, classes, &error);
  g_assert_no_error (error);
  for (int h = 0; h < HEADS; h++) {
    float w[TEACHERS * TRAIN], fused[TRAIN * 4];
    expect (scheme, tau, h, w, fused);
    for (int r = 0; r < TRAIN; r++) {
      gchar *id = g_strdup_printf ("P01_01_%d", r);
      const float *got = ego_teacher_logits_lookup (t, id, h);
      g_assert_nonnull (got);
      for (int c = 0; c < classes[h]; c++)
        g_assert_cmpfloat_with_epsilon (got[c], fused[r * classes[h] + c],
            1e-6 * (1.0 + fabs (fused[r * classes[h] + c])));
      g_free (id);
    }
  }
  g_assert_null (ego_teacher_logits_lookup (t, "P02_01_0", 0));
  ego_teacher_logits_free (t);
  g_free (path);
}

/* The summary's weights per head: the expected ones (per clip means). */
static void
check_summary (const char *text, EgoFusionScheme scheme, double tau)
{
  JsonParser *parser = json_parser_new ();
  JsonObject *root;
  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "scheme"), ==,
      ego_fusion_scheme_name (scheme));
  g_assert_cmpint (json_object_get_int_member (root, "clips"), ==, TRAIN);
  for (int h = 0; h < HEADS; h++) {
    JsonObject *head = json_object_get_object_member (root, heads[h]);
    JsonObject *ws = json_object_get_object_member (head, "weights");
    float w[TEACHERS * TRAIN], fused[TRAIN * 4];
    double sum = 0.0;
    expect (scheme, tau, h, w, fused);
    for (int t = 0; t < TEACHERS; t++) {
      double mean = 0.0, got = json_object_get_double_member (ws,
          teacher_names[t]);
      for (int r = 0; r < TRAIN; r++)
        mean += w[t * TRAIN + r] / TRAIN;
      g_assert_cmpfloat_with_epsilon (got, mean, 1e-5);
      sum += got;
    }
    g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
    g_assert_true (json_object_has_member (json_object_get_object_member
            (head, "top1"), "fused"));
  }
  g_object_unref (parser);
}

/* Each scheme: the fused file and the printed JSON match the module; the
 * flat flow teacher weighs less on nouns than rgb; --weights-json holds
 * every clip's weights under per-sample. */
static void
test_schemes (void)
{
  static const char *const schemes[] = { "uniform", "per-sample",
    "full-dataset"
  };
  for (int i = 0; i < 3; i++) {
    const char *args[] = { "--scheme", schemes[i], "--tau-w", "0.5",
      "--teacher", "rgb=rgb.jsonl", "--teacher", "flow=flow.jsonl",
      "--teacher", "audio=audio.jsonl", "--out", "fused.jsonl",
      "--weights-json", "weights.json", "--json",
      i == 2 ? "--held-out-split" : NULL, "validation", NULL
    };
    gchar *out = NULL, *err = NULL, *wpath = path_of ("weights.json"), *wj;
    EgoFusionScheme scheme = (EgoFusionScheme) i;
    g_assert_cmpint (run_fuse (args, &out, &err), ==, 0);
    check_fused_file ("fused.jsonl", scheme, 0.5);
    check_summary (out, scheme, 0.5);
    g_assert_true (g_file_get_contents (wpath, &wj, NULL, NULL));
    check_summary (wj, scheme, 0.5);
    g_assert_true ((strstr (wj, "\"per_clip\"") != NULL) ==
        (scheme == EGO_FUSION_PER_SAMPLE));
    if (scheme != EGO_FUSION_UNIFORM) {
      float w[TEACHERS * TRAIN], fused[TRAIN * 4];
      expect (scheme, 0.5, 1, w, fused);
      g_assert_cmpfloat (w[1 * TRAIN], <, w[0]);
    }
    g_free (wj);
    g_free (wpath);
    g_free (out);
    g_free (err);
  }
}

/* Held-out clips named by a file of ids of the split: the weights are
 * measured on those clips only; the table is printed without --json. */
static void
test_held_out_file (void)
{
  const char *args[] = { "--scheme", "full-dataset", "--teacher",
    "rgb=rgb.jsonl", "--teacher", "flow=flow.jsonl", "--held-out",
    "ids.txt", "--out", "held.jsonl", NULL
  };
  gchar *out = NULL, *err = NULL, *path;
  EgoTeacherLogits *t;
  write_file ("ids.txt", "# held out\nP01_01_1\n\nP01_01_4\n");
  g_assert_cmpint (run_fuse (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "2 clips of"));
  path = path_of ("held.jsonl");
  t = ego_teacher_logits_load (path, HEADS, (gchar **) heads, classes, NULL);
  g_assert_nonnull (t);
  for (int h = 0; h < HEADS; h++) {
    int held[2] = { 1, 4 };
    float z[2 * 2 * 4], dw[2];
    int32_t y[2] = { labels[0][h][1], labels[0][h][4] };
    for (int i = 0; i < 2; i++)
      for (int r = 0; r < 2; r++)
        memcpy (z + (i * 2 + r) * classes[h], logits[i][0][h][held[r]],
            sizeof (float) * classes[h]);
    g_assert_true (ego_fusion_dataset_weights (z, y, 2, 2, classes[h], 1.0,
            dw, NULL));
    for (int c = 0; c < classes[h]; c++)
      g_assert_cmpfloat_with_epsilon (ego_teacher_logits_lookup (t,
              "P01_01_3", h)[c], dw[0] * logits[0][0][h][3][c] + dw[1] *
          logits[1][0][h][3][c], 1e-5);
  }
  ego_teacher_logits_free (t);
  g_free (path);
  g_free (out);
  g_free (err);
}

/* The run fails with the texts message (and more, unless NULL) in its
 * standard error and leaves no output file behind. */
static void
expect_failure (const char *const *args, const char *message, const char *more)
{
  gchar *out = NULL, *err = NULL, *bad = path_of ("bad.jsonl");
  g_remove (bad);
  g_assert_cmpint (run_fuse (args, &out, &err), !=, 0);
  if (strstr (err, message) == NULL || (more && strstr (err, more) == NULL))
    g_error ("expected \"%s\" and \"%s\" in: %s", message, more, err);
  g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
  g_free (bad);
  g_free (out);
  g_free (err);
}

/* A NaN, a wrong length, a missing clip and an unknown held-out id are
 * reported with the file and line; bad options are refused. */
static void
test_bad_input (void)
{
  const char *nan_args[] = { "--scheme", "uniform", "--teacher",
    "rgb=rgb.jsonl", "--teacher", "x=broken.jsonl", "--out", "bad.jsonl",
    NULL
  };
  const char *held_args[] = { "--scheme", "full-dataset", "--teacher",
    "rgb=rgb.jsonl", "--held-out", "ids-bad.txt", "--out", "bad.jsonl", NULL
  };
  const char *scheme_args[] = { "--scheme", "mean", "--teacher",
    "rgb=rgb.jsonl", "--out", "bad.jsonl", NULL
  };
  const char *tau_args[] = { "--scheme", "per-sample", "--tau-w", "0",
    "--teacher", "rgb=rgb.jsonl", "--out", "bad.jsonl", NULL
  };
  const char *line = "{\"narration_id\": \"P01_01_0\", \"verb\": [0, 1, 2], "
      "\"noun\": [0, 1, 2, 3]}\n";
  gchar *text = g_strconcat (line, "\n{\"narration_id\": \"P01_01_1\", "
      "\"verb\": [0, NaN, 2], \"noun\": [0, 1, 2, 3]}\n", NULL);
  write_file ("broken.jsonl", text);
  expect_failure (nan_args, "broken.jsonl:3: a logit is NaN", NULL);
  g_free (text);
  text = g_strconcat (line, "{\"narration_id\": \"P01_01_1\", \"verb\": "
      "[0, 2], \"noun\": [0, 1, 2, 3]}\n", NULL);
  write_file ("broken.jsonl", text);
  expect_failure (nan_args, "broken.jsonl:2: \"verb\" has 2 logits", NULL);
  g_free (text);
  write_file ("broken.jsonl", line);
  expect_failure (nan_args, "broken.jsonl: no line for clip P01_01_1 (",
      "annotations/train.csv:3); 5 of the 6 clips of train have none");
  write_file ("ids-bad.txt", "P01_01_0\nP09_01_0\n");
  expect_failure (held_args, "ids-bad.txt:2: clip P09_01_0 is not in the "
      "train split", NULL);
  expect_failure (scheme_args, "unknown weighting scheme \"mean\"", NULL);
  expect_failure (tau_args, "--tau-w must be positive", NULL);
}


int
main (int argc, char **argv)
{
  int status;
  g_test_init (&argc, &argv, NULL);
  dir = fixture_tmpdir ("egofuse-XXXXXX");
  make_logits ();
  write_annotations ();
  for (int t = 0; t < TEACHERS; t++)
    write_teacher (t);
  g_test_add_func ("/egofuse/schemes", test_schemes);
  g_test_add_func ("/egofuse/held-out-file", test_held_out_file);
  g_test_add_func ("/egofuse/bad-input", test_bad_input);
  status = g_test_run ();
  fixture_remove_tree (dir);
  g_free (dir);
  return status;
}
