/* egodistill distils from the graph: ego-train --teacher runs egoteacher
 * on the data and the student learns from the GstEgoTeacherMeta on its
 * frames, with the same weights, bit for bit, as from egoteacher's own
 * logits file; a teacher meta and a logits file together, and bad --teacher
 * options, fail clearly. */
#include <gst/check/gstcheck.h>
#include <gst/ego/ego.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "egotestdataset.h"
#include "egotestmodel.h"
#include "tsmnet.h"
#include "fixture.h"

#define T 4
#define SIZE 24
#define VERBS 2
#define NOUNS 3
#define TRAIN EGO_BUILD_DIR "/pipelines/ego-train"

static gchar *tmpdir, *data_dir, *rgb_model, *flow_model;

static void
setup (void)
{
  EgoTestDatasetSpec spec;
  tmpdir = fixture_tmpdir ("egokd-XXXXXX");
  data_dir = g_build_filename (tmpdir, "data", NULL);
  ego_test_dataset_spec_init (&spec);
  spec.train_videos = spec.validation_videos = 1;
  ego_test_dataset_write (data_dir, &spec);
  rgb_model = ego_test_teacher_write (tmpdir, "rgb.safetensors", "rgb", 3,
      SIZE, T, 5);
  flow_model = ego_test_teacher_write (tmpdir, "flow.safetensors", "flow",
      2, SIZE, T, 9);
}

static void
teardown (void)
{
  ego_test_remove_tree (tmpdir);
  g_free (rgb_model);
  g_free (flow_model);
  g_free (data_dir);
  g_free (tmpdir);
}

/* ego-train on the tiny dataset into tmpdir/out with more arguments
 * (NULL-terminated); its exit status, stderr in *err. */
static gint
train (const gchar * out, gchar ** err, ...)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  const gchar *common[] = { TRAIN, "--data", data_dir, "--frames", "4",
    "--candidates", "3", "--size", "24", "--short-side", "30",
    "--base-width", "8", "--blocks", "1,1", "--shift-div", "4",
    "--epochs", "1", "--batch", "4", "--threads", "1", "--seed", "3",
    "--no-report"
  };
  const gchar *arg;
  gint status = -1;
  va_list ap;
  for (guint i = 0; i < G_N_ELEMENTS (common); i++)
    g_ptr_array_add (argv, g_strdup (common[i]));
  g_ptr_array_add (argv, g_strdup ("--out"));
  g_ptr_array_add (argv, g_build_filename (tmpdir, out, NULL));
  va_start (ap, err);
  for (arg = va_arg (ap, const gchar *); arg; arg = va_arg (ap, const gchar *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  fail_unless (g_spawn_sync (NULL, (gchar **) argv->pdata, NULL,
          G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, err, &status, NULL));
  g_ptr_array_unref (argv);
  return g_spawn_check_wait_status (status, NULL) ? 0 :
      WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static gchar *
out_file (const gchar * out, const gchar * name)
{
  return g_build_filename (tmpdir, out, name, NULL);
}

/* The weights of two models, bit for bit. */
static void
compare_models (const gchar * a, const gchar * b)
{
  EgoModelMeta ma, mb;
  EgoNet *na = ego_net_load (a, &ma, NULL), *nb = ego_net_load (b, &mb, NULL);
  fail_unless (na != NULL && nb != NULL);
  fail_unless_equals_int (ego_net_n_tensors (na), ego_net_n_tensors (nb));
  for (gint i = 0; i < ego_net_n_tensors (na); i++) {
    EgoNetTensor *ta = ego_net_tensor (na, i), *tb = ego_net_tensor (nb, i);
    fail_unless_equals_int (ta->numel, tb->numel);
    fail_unless (memcmp (ta->data, tb->data, ta->numel * sizeof (gfloat)) ==
        0, "%s differs between %s and %s", ta->name, a, b);
  }
  ego_net_free (na);
  ego_net_free (nb);
  ego_model_meta_clear (&ma);
  ego_model_meta_clear (&mb);
}

/* The mean distillation loss of the run's first epoch. */
static gdouble
first_epoch_loss_kd (const gchar * out)
{
  gchar *path = out_file (out, "history.json");
  JsonParser *parser = json_parser_new ();
  JsonObject *root;
  JsonArray *epochs;
  gdouble kd;
  fail_unless (json_parser_load_from_file (parser, path, NULL), "%s", path);
  root = json_node_get_object (json_parser_get_root (parser));
  epochs = json_object_get_array_member (root, "epochs");
  fail_unless (epochs != NULL && json_array_get_length (epochs) == 1);
  kd = json_object_get_double_member (json_array_get_object_element (epochs,
          0), "loss_kd");
  g_object_unref (parser);
  g_free (path);
  return kd;
}

/* Plays a launch line to its end; the first error's text, or NULL. */
static gchar *
play (const gchar * desc)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  gchar *text;
  fail_unless (pipe != NULL, "%s", desc);
  text = ego_test_play_to_end (pipe);
  gst_object_unref (pipe);
  return text;
}

/* egoteacher of the rgb (sink_0) and flow (sink_1) teachers on a split
 * into sink, with more egoteacher properties. */
static gchar *
teacher_line (const gchar * split, const gchar * props, const gchar * sink)
{
  return g_strdup_printf ("egoteacher name=t sink_0::model=%s "
      "sink_1::model=%s %s ! %s "
      "egodatasetsrc data=%s split=%s frames=4 candidates=3 short-side=30 "
      "! t.sink_0 "
      "egodatasetsrc data=%s split=%s frames=4 candidates=3 short-side=30 "
      "modality=flow ! t.sink_1", rgb_model, flow_model, props, sink,
      data_dir, split, data_dir, split);
}

/* ego-train --teacher rgb=... --teacher flow=... distils (lambda-d 1,
 * lambda-gt 0, loss_kd > 0, the teachers in the provenance) and ends with
 * the weights of a run on egoteacher's own logits file. */
GST_START_TEST (test_meta_equals_logits_file)
{
  gchar *rgb = g_strconcat ("rgb=", rgb_model, NULL);
  gchar *flow = g_strconcat ("flow=", flow_model, NULL);
  gchar *fused = g_build_filename (tmpdir, "fused.jsonl", NULL);
  gchar *loc = g_strdup_printf ("location=%s", fused);
  gchar *line = teacher_line ("train", loc, "fakesink");
  gchar *err = NULL, *error, *a, *b;
  EgoModelMeta meta;
  EgoNet *net;
  JsonArray *teachers;

  /* flow first on the command line: the rgb teacher still goes first */
  fail_unless_equals_int (train ("meta", &err, "--teacher", flow,
          "--teacher", rgb, NULL), 0);
  g_clear_pointer (&err, g_free);
  fail_unless (first_epoch_loss_kd ("meta") > 0.0);
  a = out_file ("meta", "model.safetensors");
  net = ego_net_load (a, &meta, NULL);
  fail_unless (net != NULL);
  teachers = json_object_get_array_member (meta.provenance, "teachers");
  fail_unless (teachers != NULL && json_array_get_length (teachers) == 2);
  fail_unless_equals_string (json_array_get_string_element (teachers, 0),
      "rgb");
  fail_unless_equals_string (json_array_get_string_element (teachers, 1),
      "flow");
  fail_unless_equals_float (json_object_get_double_member (meta.provenance,
          "lambda_d"), 1.0);
  fail_unless_equals_float (json_object_get_double_member (meta.provenance,
          "lambda_gt"), 0.0);
  ego_net_free (net);
  ego_model_meta_clear (&meta);

  error = play (line);
  fail_unless (error == NULL, "%s", error);
  fail_unless_equals_int (train ("file", &err, "--teacher-logits", fused,
          NULL), 0);
  g_clear_pointer (&err, g_free);
  fail_unless (first_epoch_loss_kd ("file") > 0.0);
  b = out_file ("file", "model.safetensors");
  compare_models (a, b);

  g_free (a);
  g_free (b);
  g_free (line);
  g_free (loc);
  g_free (fused);
  g_free (rgb);
  g_free (flow);
}

GST_END_TEST;

/* A teacher meta on the frames and teacher-logits together fail. */
GST_START_TEST (test_meta_and_file_fail)
{
  gchar *fused = g_build_filename (tmpdir, "any.jsonl", NULL);
  gchar *sink = g_strdup_printf ("egodistill out=%s/both epochs=1 "
      "input-size=24 base-width=8 blocks=1,1 teacher-logits=%s", tmpdir,
      fused);
  gchar *line = teacher_line ("train", "", sink), *error;
  fail_unless (g_file_set_contents (fused, "", 0, NULL));
  error = play (line);
  fail_unless (error != NULL && strstr (error, "give one teacher"), "%s",
      GST_STR_NULL (error));
  g_free (error);
  g_free (line);
  g_free (sink);
  g_free (fused);
}

GST_END_TEST;

/* Bad --teacher, --fusion and --tau-w values stop ego-train before the
 * graph starts, naming the option. */
GST_START_TEST (test_bad_options)
{
  gchar *rgb = g_strconcat ("rgb=", rgb_model, NULL);
  gchar *flow = g_strconcat ("flow=", flow_model, NULL);
  struct
  {
    const gchar *a, *b, *c, *d, *says;
  } cases[] = {
    {"--teacher", "rgb", NULL, NULL, "MODALITY=MODEL"},
    {"--teacher", "depth=x.safetensors", NULL, NULL, "MODALITY=MODEL"},
    {"--teacher", "rgb=/nonexistent.safetensors", NULL, NULL,
        "no such file"},
    {"--teacher", flow, NULL, NULL, "student's modality"},
    {"--teacher", rgb, "--teacher", rgb, "two rgb teachers"},
    {"--teacher", rgb, "--fusion", "mean", "--fusion mean"},
    {"--teacher", rgb, "--tau-w", "0", "--tau-w"},
    /* NaN stood for "not given": it was silently ignored */
    {"--teacher", rgb, "--tau-w", "nan", "--tau-w: not a number"},
    {"--teacher", rgb, "--fusion", "full-dataset", "--fusion-weights"},
    {"--fusion", "uniform", NULL, NULL, "need --teacher"},
    /* -1 stood for "not given" in turn: nothing can */
    {"--tau-w", "-1", NULL, NULL, "need --teacher"},
    {"--teacher", rgb, "--teacher-logits", rgb_model, "one kind"},
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *err = NULL;
    fail_unless_equals_int (train ("bad", &err, cases[i].a, cases[i].b,
            cases[i].c, cases[i].d, NULL), 2);
    fail_unless (strstr (err, cases[i].says) != NULL, "case %u: %s", i, err);
    g_free (err);
  }
  g_free (rgb);
  g_free (flow);
}

GST_END_TEST;

static Suite *
egokd_suite (void)
{
  Suite *s = suite_create ("egokd");
  TCase *tc = tcase_create ("general");
  tcase_set_timeout (tc, 600);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_meta_equals_logits_file);
  tcase_add_test (tc, test_meta_and_file_fail);
  tcase_add_test (tc, test_bad_options);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (egokd);
