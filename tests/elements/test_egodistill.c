/* egodistill and the training graph: a tiny student learns a tiny
 * synthetic dataset well above chance through egodatasetsrc ! egodistill,
 * with its messages, files and report; an interrupted run resumed from its
 * checkpoint ends with the very weights of an uninterrupted one; teacher
 * logits distil, and broken logit files are reported with file and line. */
#include <gst/check/gstcheck.h>
#include <gst/ego/ego.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "egotestdataset.h"
#include "tsmnet.h"
#include "fixture.h"

static gchar *tmpdir, *data_dir;
static EgoTestDatasetSpec spec;

/* a network and schedule that learn the dataset in a few seconds */
#define TINY "input-size=24 base-width=8 blocks=1,1 shift-div=4 batch=8 " \
    "lr=0.01 threads=1 progress-interval=5"

static void
setup (void)
{
  tmpdir = fixture_tmpdir ("egodistill-XXXXXX");
  data_dir = g_build_filename (tmpdir, "data", NULL);
  ego_test_dataset_spec_init (&spec);
  ego_test_dataset_write (data_dir, &spec);
}

static void
teardown (void)
{
  ego_test_remove_tree (tmpdir);
  g_free (data_dir);
  g_free (tmpdir);
}

typedef struct
{
  GPtrArray *messages;          /* of GstStructure: element messages */
  gchar *error;                 /* the first error's text */
} Outcome;

static void
outcome_clear (Outcome * o)
{
  g_ptr_array_unref (o->messages);
  g_free (o->error);
}

static guint
count (const Outcome * o, const gchar * name)
{
  guint n = 0;
  for (guint i = 0; i < o->messages->len; i++)
    n += gst_structure_has_name (g_ptr_array_index (o->messages, i), name);
  return n;
}

static const GstStructure *
last (const Outcome * o, const gchar * name)
{
  for (guint i = o->messages->len; i > 0; i--)
    if (gst_structure_has_name (g_ptr_array_index (o->messages, i - 1), name))
      return g_ptr_array_index (o->messages, i - 1);
  return NULL;
}

static GstElement *
make_graph (const gchar * src_props, const gchar * sink_props)
{
  gchar *desc = g_strdup_printf ("egodatasetsrc data=%s frames=4 "
      "short-side=36 %s ! egodistill %s", data_dir, src_props, sink_props);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  fail_unless (pipe != NULL, "cannot build %s", desc);
  g_free (desc);
  return pipe;
}

/* Runs the graph to EOS or error; with stop_at_epoch, goes to NULL as soon
 * as that epoch's message arrives, as a killed run would. */
static void
run_pipe (GstElement * pipe, guint stop_at_epoch, Outcome * o)
{
  GstBus *bus = gst_element_get_bus (pipe);
  gboolean done = FALSE;
  o->messages = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  o->error = NULL;
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop (bus, GST_CLOCK_TIME_NONE);
    const GstStructure *s = gst_message_get_structure (msg);
    guint epoch = 0;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT) {
      g_ptr_array_add (o->messages, gst_structure_copy (s));
      done = stop_at_epoch && gst_structure_has_name (s, "egodistill-epoch")
          && gst_structure_get_uint (s, "epoch", &epoch)
          && epoch == stop_at_epoch;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *err;
      gst_message_parse_error (msg, &err, NULL);
      o->error = g_strdup (err->message);
      g_error_free (err);
      done = TRUE;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      done = TRUE;
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (bus);
  gst_object_unref (pipe);
}

static void
run_graph (const gchar * src_props, const gchar * sink_props,
    guint stop_at_epoch, Outcome * o)
{
  run_pipe (make_graph (src_props, sink_props), stop_at_epoch, o);
}

static gchar *
out_file (const gchar * out, const gchar * name)
{
  return g_build_filename (tmpdir, out, name, NULL);
}

static gboolean
out_exists (const gchar * out, const gchar * name)
{
  gchar *p = out_file (out, name);
  gboolean ok = g_file_test (p, G_FILE_TEST_IS_REGULAR);
  g_free (p);
  return ok;
}

static gdouble
get_double (const GstStructure * s, const gchar * field)
{
  gdouble v = -1.0;
  fail_unless (gst_structure_get_double (s, field, &v), "no %s in %"
      GST_PTR_FORMAT, field, s);
  return v;
}

/* From labels: clearly above chance on the validation clips (chance: verb
 * 50%, noun 33%, action 17%), with every message and file on the way, and
 * a model that egoaction can load with the dataset's classes. */
GST_START_TEST (test_learns_from_labels)
{
  Outcome o;
  gchar *props = g_strdup_printf ("out=%s/run epochs=40 " TINY, tmpdir);
  const GstStructure *done, *epoch;
  gchar *path;
  EgoModelMeta meta;
  EgoNet *net;
  GError *error = NULL;
  run_graph ("split=train,validation", props, 0, &o);
  fail_unless (o.error == NULL, "%s", o.error);
  /* 48 training clips of batch 8: 6 steps an epoch */
  fail_unless_equals_int (count (&o, "egodistill-epoch"), 40);
  fail_unless_equals_int (count (&o, "egodistill-progress"), 40 + 240 / 5 -
      240 / 30);
  fail_unless (count (&o, "egodistill-cache") >= 1);
  fail_unless_equals_int (count (&o, "egodistill-done"), 1);
  epoch = last (&o, "egodistill-epoch");
  fail_unless (get_double (epoch, "loss") > 0.0);
  fail_unless (get_double (epoch, "clips-per-second") > 0.0);
  done = last (&o, "egodistill-done");
  GST_INFO ("final: %" GST_PTR_FORMAT, done);
  fail_unless (get_double (done, "noun-top1") >= 90.0);
  fail_unless (get_double (done, "verb-top1") >= 70.0);
  fail_unless (get_double (done, "action-top1") >= 60.0);
  fail_unless (get_double (done, "verb-ece") >= 0.0);
  for (guint i = 0; i < 5; i++) {
    const gchar *files[] = { "model.safetensors", "best.safetensors",
      "checkpoint.safetensors", "history.json", "report.html"
    };
    fail_unless (out_exists ("run", files[i]), "no %s", files[i]);
  }
  {
    const gchar *charts[] = { "report-confusion-noun.png",
      "report-reliability.png", "report-loss.png", "report-accuracy.png"
    };
    for (guint i = 0; i < G_N_ELEMENTS (charts); i++) {
      gchar *png = out_file ("run", charts[i]), *bytes = NULL;
      gsize len = 0;
      fail_unless (g_file_get_contents (png, &bytes, &len, NULL), "no %s",
          charts[i]);
      fail_unless (len > 1000 && memcmp (bytes, "\x89PNG\r\n\x1a\n", 8) == 0,
          "%s is not a PNG image", charts[i]);
      g_free (bytes);
      g_free (png);
    }
  }
  path = out_file ("run", "model.safetensors");
  net = ego_net_load (path, &meta, &error);
  fail_unless (net != NULL, "%s", error ? error->message : "");
  fail_unless_equals_string (meta.kind, "student");
  fail_unless_equals_int (meta.frames, 4);
  /* clips of 16 frames in 4 segments */
  fail_unless_equals_int (meta.frame_step, 4);
  fail_unless_equals_int (meta.width, 24);
  fail_unless_equals_string (meta.heads[0].name, "verb");
  fail_unless_equals_string (meta.heads[1].labels[2], "blue");
  fail_unless (json_object_has_member (meta.provenance, "data"));
  ego_net_free (net);
  ego_model_meta_clear (&meta);
  g_free (path);
  outcome_clear (&o);
  g_free (props);
}

GST_END_TEST;

/* PAUSED (prerolled, the first clip in), back to READY, then played to
 * the end: a new run from scratch, as if never started before. */
GST_START_TEST (test_ready_then_again)
{
  Outcome o;
  gchar *props = g_strdup_printf ("out=%s/again epochs=2 " TINY, tmpdir);
  GstElement *pipe = make_graph ("split=train", props);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PAUSED) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (gst_element_get_state (pipe, NULL, NULL,
          60 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  run_pipe (pipe, 0, &o);
  fail_unless (o.error == NULL, "%s", o.error);
  fail_unless_equals_int (count (&o, "egodistill-epoch"), 2);
  fail_unless_equals_int (count (&o, "egodistill-done"), 1);
  fail_unless (out_exists ("again", "model.safetensors"));
  outcome_clear (&o);
  g_free (props);
}

GST_END_TEST;

/* Paused during training (after the first epoch) and played again: the
 * training goes on and ends as usual, with its EOS. */
GST_START_TEST (test_pause_during_training)
{
  gchar *props = g_strdup_printf ("out=%s/paused epochs=3 " TINY, tmpdir);
  GstElement *pipe = make_graph ("split=train", props);
  GstBus *bus = gst_element_get_bus (pipe);
  gboolean paused = FALSE, eos = FALSE;
  guint epochs = 0, done = 0;
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while (!eos) {
    GstMessage *msg = gst_bus_timed_pop (bus, 120 * GST_SECOND);
    const GstStructure *st;
    fail_unless (msg != NULL, "no EOS after %u epochs", epochs);
    st = gst_message_get_structure (msg);
    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
    eos = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT) {
      epochs += gst_structure_has_name (st, "egodistill-epoch");
      done += gst_structure_has_name (st, "egodistill-done");
    }
    gst_message_unref (msg);
    if (epochs == 1 && !paused) {
      gst_element_set_state (pipe, GST_STATE_PAUSED);
      g_usleep (G_USEC_PER_SEC / 5);
      gst_element_set_state (pipe, GST_STATE_PLAYING);
      paused = TRUE;
    }
  }
  fail_unless_equals_int (epochs, 3);
  fail_unless_equals_int (done, 1);
  fail_unless (out_exists ("paused", "model.safetensors"));
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
  g_free (props);
}

GST_END_TEST;

static void
compare_models (const gchar * a, const gchar * b)
{
  EgoModelMeta ma, mb;
  EgoNet *na = ego_net_load (a, &ma, NULL), *nb = ego_net_load (b, &mb, NULL);
  fail_unless (na != NULL && nb != NULL);
  fail_unless_equals_int (ego_net_n_tensors (na), ego_net_n_tensors (nb));
  for (gint i = 0; i < ego_net_n_tensors (na); i++) {
    EgoNetTensor *ta = ego_net_tensor (na, i), *tb = ego_net_tensor (nb, i);
    fail_unless (memcmp (ta->data, tb->data, ta->numel * sizeof (gfloat)) ==
        0, "%s differs between %s and %s", ta->name, a, b);
  }
  ego_net_free (na);
  ego_net_free (nb);
  ego_model_meta_clear (&ma);
  ego_model_meta_clear (&mb);
}

static gchar *
history_losses (const gchar * out)
{
  gchar *path = out_file (out, "history.json"), *text, *start;
  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  start = g_strdup (strstr (text, "\"step_loss\""));
  g_free (text);
  g_free (path);
  return start;
}

/* Killed after epoch 2 (the pipeline set to NULL while training) and
 * resumed: the same final and best weights, bit for bit, and the same
 * history as a run that was never interrupted. */
GST_START_TEST (test_resume_is_exact)
{
  Outcome o;
  gchar *whole = g_strdup_printf ("out=%s/whole epochs=6 report=false "
      TINY, tmpdir);
  gchar *part = g_strdup_printf ("out=%s/part epochs=6 report=false "
      TINY, tmpdir);
  gchar *resumed = g_strdup_printf ("%s resume=true", part);
  gchar *a, *b, *ha, *hb;
  run_graph ("split=train,validation", whole, 0, &o);
  fail_unless (o.error == NULL, "%s", o.error);
  outcome_clear (&o);
  run_graph ("split=train,validation", part, 2, &o);
  fail_unless (o.error == NULL, "%s", o.error);
  fail_unless_equals_int (count (&o, "egodistill-done"), 0);
  fail_unless (out_exists ("part", "checkpoint.safetensors"));
  fail_unless (!out_exists ("part", "model.safetensors"));
  outcome_clear (&o);
  run_graph ("split=train,validation", resumed, 0, &o);
  fail_unless (o.error == NULL, "%s", o.error);
  /* the resumed run starts after the checkpoint */
  fail_unless (count (&o, "egodistill-epoch") < 6);
  fail_unless_equals_int (count (&o, "egodistill-done"), 1);
  outcome_clear (&o);
  a = out_file ("whole", "model.safetensors");
  b = out_file ("part", "model.safetensors");
  compare_models (a, b);
  g_free (a);
  g_free (b);
  a = out_file ("whole", "best.safetensors");
  b = out_file ("part", "best.safetensors");
  compare_models (a, b);
  ha = history_losses ("whole");
  hb = history_losses ("part");
  fail_unless_equals_string (ha, hb);
  g_free (a);
  g_free (b);
  g_free (ha);
  g_free (hb);
  g_free (whole);
  g_free (part);
  g_free (resumed);
}

GST_END_TEST;

static gchar **
train_argv (const gchar * out, gboolean resume)
{
  gchar *dir = g_build_filename (tmpdir, out, NULL);
  const gchar *args[] = { EGO_BUILD_DIR "/pipelines/ego-train", "--data",
    data_dir, "--out", dir, "--frames", "4", "--short-side", "36", "--size",
    "24", "--base-width", "8", "--blocks", "1,1", "--shift-div", "4",
    "--batch", "8", "--lr", "0.01", "--threads", "1", "--epochs", "8",
    "--no-report", resume ? "--resume" : NULL, NULL
  };
  gchar **argv = g_strdupv ((gchar **) args);
  g_free (dir);
  return argv;
}

static gint
history_epochs (const gchar * out)
{
  gchar *path = out_file (out, "history.json"), *text = NULL;
  gint n = 0;
  if (g_file_get_contents (path, &text, NULL, NULL))
    for (const gchar * p = text; (p = strstr (p, "\"epoch\":")); p++)
      n++;
  g_free (text);
  g_free (path);
  return n;
}

/* ego-train killed (SIGKILL) after its second epoch and run again with
 * --resume ends with the weights of a run that was never killed; run again
 * without --resume it refuses, and the checkpoint is kept. */
GST_START_TEST (test_killed_launcher_resumes)
{
  gchar **whole = train_argv ("whole", FALSE), **part = train_argv ("part",
      FALSE), **again = train_argv ("part", TRUE);
  gint status, epochs;
  GPid pid;
  gchar *a, *b;
  fail_unless (g_spawn_sync (NULL, whole, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
          G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL));
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  fail_unless (g_spawn_async (NULL, part, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
          G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
          NULL, &pid, NULL));
  while (history_epochs ("part") < 2)
    g_usleep (2000);
  kill (pid, SIGKILL);
  waitpid (pid, &status, 0);
  g_spawn_close_pid (pid);
  fail_unless (WIFSIGNALED (status), "ego-train ended before the kill");
  fail_unless (!out_exists ("part", "model.safetensors"));
  epochs = history_epochs ("part");
  fail_unless (g_spawn_sync (NULL, part, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
          G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL));
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 2);
  fail_unless_equals_int (history_epochs ("part"), epochs);
  fail_unless (g_spawn_sync (NULL, again, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
          G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL));
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  a = out_file ("whole", "model.safetensors");
  b = out_file ("part", "model.safetensors");
  compare_models (a, b);
  g_free (a);
  g_free (b);
  g_strfreev (whole);
  g_strfreev (part);
  g_strfreev (again);
}

GST_END_TEST;

/* SIGTERM (a service manager, `timeout`) stops ego-train as Ctrl-C does:
 * at a step, exit 1, the checkpoint whole and no model, and the message
 * names the checkpoint's epoch; --resume then finishes the run. */
GST_START_TEST (test_terminated_launcher_resumes)
{
  gchar **term = train_argv ("term", FALSE), **again = train_argv ("term",
      TRUE);
  gint status, err_fd;
  GPid pid;
  gchar said[4096] = "", *epoch;
  gssize n, got = 0;

  fail_unless (g_spawn_async_with_pipes (NULL, term, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
          NULL, &pid, NULL, NULL, &err_fd, NULL));
  while (history_epochs ("term") < 2)
    g_usleep (2000);
  kill (pid, SIGTERM);
  while ((n = read (err_fd, said + got, sizeof (said) - 1 - got)) > 0)
    got += n;
  close (err_fd);
  waitpid (pid, &status, 0);
  g_spawn_close_pid (pid);
  fail_unless (WIFEXITED (status), "ego-train was killed by SIGTERM");
  fail_unless_equals_int (WEXITSTATUS (status), 1);
  fail_unless (!out_exists ("term", "model.safetensors"));
  fail_unless (out_exists ("term", "checkpoint.safetensors"));
  epoch = g_strdup_printf ("checkpoint (epoch %d)", history_epochs ("term"));
  fail_unless (strstr (said, epoch) != NULL, "'%s' not in: %s", epoch, said);
  g_free (epoch);
  fail_unless (g_spawn_sync (NULL, again, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
          G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL));
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  fail_unless (out_exists ("term", "model.safetensors"));
  g_strfreev (term);
  g_strfreev (again);
}

GST_END_TEST;

/* Under nohup (SIGHUP ignored by the caller) a hangup does not stop
 * ego-train: the run ends with its model. */
GST_START_TEST (test_hangup_ignored_under_nohup)
{
  gchar **train = train_argv ("nohup", FALSE);
  GPtrArray *argv = g_ptr_array_new ();
  gint status;
  GPid pid;

  g_ptr_array_add (argv, (gpointer) "/bin/sh");
  g_ptr_array_add (argv, (gpointer) "-c");
  g_ptr_array_add (argv, (gpointer) "trap '' HUP; exec \"$0\" \"$@\"");
  for (guint i = 0; train[i]; i++)
    g_ptr_array_add (argv, train[i]);
  g_ptr_array_add (argv, NULL);
  fail_unless (g_spawn_async (NULL, (gchar **) argv->pdata, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
          G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, NULL));
  while (history_epochs ("nohup") < 2)
    g_usleep (2000);
  kill (pid, SIGHUP);
  waitpid (pid, &status, 0);
  g_spawn_close_pid (pid);
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 0,
      "the hangup stopped ego-train");
  fail_unless (out_exists ("nohup", "model.safetensors"));
  g_ptr_array_free (argv, TRUE);
  g_strfreev (train);
}

GST_END_TEST;

/* A teacher's logits file for the clips of the first `videos` videos: sure
 * of the truth, as JSON lines; line `bad` (1-based) replaced by bad_text. */
static gchar *
write_logits (const gchar * name, gint videos, gint bad,
    const gchar * bad_text)
{
  GString *text = g_string_new (NULL);
  gchar *path = g_build_filename (tmpdir, name, NULL);
  gint line = 0;
  for (gint v = 0; v < videos; v++)
    for (gint k = 0; k < spec.clips_per_video; k++) {
      gint verb = ego_test_dataset_verb (&spec, v, k);
      gint noun = ego_test_dataset_noun (&spec, v, k);
      if (++line == bad) {
        g_string_append_printf (text, "%s\n", bad_text);
        continue;
      }
      g_string_append_printf (text, "{\"narration_id\": \"P%02d_01_%d\", "
          "\"verb\": [%g, %g], \"noun\": [%g, %g, %g]}\n", v + 1, k,
          verb == 0 ? 4.0 : 0.0, verb == 1 ? 4.0 : 0.0,
          noun == 0 ? 4.0 : 0.0, noun == 1 ? 4.0 : 0.0, noun == 2 ? 4.0 : 0.0);
    }
  fail_unless (g_file_set_contents (path, text->str, -1, NULL));
  g_string_free (text, TRUE);
  return path;
}

/* Distilled from teacher logits alone (lambda-d 1, lambda-gt 0 by
 * default): only the distillation term moves, and the student learns. The
 * file may hold clips of other splits. The frames live in a mapped cache
 * file that is gone once mapped; a cache file that exists is refused and
 * kept. */
GST_START_TEST (test_distills_from_logits)
{
  Outcome o;
  gchar *logits = write_logits ("teacher.jsonl", 6, 0, NULL);
  gchar *cache = g_build_filename (tmpdir, "frames.cache", NULL);
  gchar *props = g_strdup_printf ("out=%s/kd epochs=30 temperature=2 "
      "teacher-logits=%s cache-file=%s report=false " TINY, tmpdir, logits,
      cache);
  const GstStructure *p, *done;
  run_graph ("split=train,validation", props, 0, &o);
  fail_unless (o.error == NULL, "%s", o.error);
  fail_unless (!g_file_test (cache, G_FILE_TEST_EXISTS));
  p = last (&o, "egodistill-progress");
  fail_unless (get_double (p, "loss-kd") > 0.0);
  fail_unless (get_double (p, "loss-ce") == 0.0);
  done = last (&o, "egodistill-done");
  fail_unless (get_double (done, "noun-top1") >= 80.0);
  outcome_clear (&o);

  /* a file that exists is the user's: refused, and left as it was */
  fail_unless (g_file_set_contents (cache, "keep me", -1, NULL));
  run_graph ("split=train,validation", props, 0, &o);
  fail_unless (o.error != NULL && strstr (o.error, "exists") != NULL, "%s",
      o.error);
  {
    gchar *kept = NULL;
    fail_unless (g_file_get_contents (cache, &kept, NULL, NULL));
    fail_unless_equals_string (kept, "keep me");
    g_free (kept);
  }
  g_unlink (cache);
  outcome_clear (&o);
  g_free (props);
  g_free (cache);
  g_free (logits);
}

GST_END_TEST;

static void
expect_logits_error (const gchar * file, const gchar * const *needles)
{
  Outcome o;
  gchar *props = g_strdup_printf ("out=%s/bad epochs=1 teacher-logits=%s "
      TINY, tmpdir, file);
  run_graph ("split=train", props, 0, &o);
  fail_unless (o.error != NULL, "%s was accepted", file);
  for (gint i = 0; needles[i]; i++)
    fail_unless (strstr (o.error, needles[i]) != NULL,
        "'%s' is not in the error '%s'", needles[i], o.error);
  outcome_clear (&o);
  g_free (props);
}

/* Broken teacher logits: each problem named with file and line; a file
 * that is not a regular file is refused before it is read. */
GST_START_TEST (test_logit_errors)
{
  struct
  {
    gint line;
    const gchar *text;
    const gchar *needle;
  } cases[] = {
    {3, "{\"verb\": [1, 2], \"noun\": [1, 2, 3]}", "no \"narration_id\""},
    {2, "{\"narration_id\": \"P01_01_1\", \"verb\": [1, 2, 3], "
          "\"noun\": [1, 2, 3]}", "has 3 logits"},
    {4, "{\"narration_id\": \"P01_01_3\", \"verb\": [NaN, 2], "
          "\"noun\": [1, 2, 3]}", "NaN"},
    {5, "{\"narration_id\": \"P01_01_4\", \"verb\": [1e999, 2], "
          "\"noun\": [1, 2, 3]}", "not a finite"},
    {6, "{\"narration_id\": \"P01_01_0\", \"verb\": [1, 2], "
          "\"noun\": [1, 2, 3]}", "was given before, on line 1"},
    {7, "{\"narration_id\": \"P01_01_6\", \"verb\": [1, \"x\"], "
          "\"noun\": [1, 2, 3]}", "is not a number"},
    {8, "[1, 2, 3]", "not a JSON object"},
    {3, "{\"narration_id\": \"P01_01_2\xff\", \"verb\": [1, 2], "
          "\"noun\": [1, 2, 3]}", "is not valid UTF-8"},
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *name = g_strdup_printf ("bad%u.jsonl", i);
    gchar *file = write_logits (name, 4, cases[i].line, cases[i].text);
    gchar *where = g_strdup_printf ("%s:%d:", file, cases[i].line);
    expect_logits_error (file, (const gchar *[]) {
          where, cases[i].needle, NULL
        });
    g_free (where);
    g_free (file);
    g_free (name);
  }
  /* a folder where the file should be */
  expect_logits_error (tmpdir, (const gchar *[]) {
        tmpdir, "is not a regular file", NULL
      });
  {
    /* a training clip that has no line */
    gchar *file = write_logits ("short.jsonl", 3, 0, NULL);
    expect_logits_error (file, (const gchar *[]) {
          file, "no line for clip P04_01_0", "12 of the 48", NULL
        });
    g_free (file);
  }
}

GST_END_TEST;

/* Frames that do not come from egodatasetsrc are refused; so are settings
 * that make no sense and an output folder that cannot be made, before any
 * decoding (the folder's message is the start's, not the trainer's); loss
 * weights that leave nothing to learn, once the stream shows whether a
 * teacher came. */
GST_START_TEST (test_bad_input)
{
  gchar *file = g_build_filename (tmpdir, "a-file", NULL);
  gchar *logits = write_logits ("fine.jsonl", 4, 0, NULL);
  gchar *descs[] = {
    g_strdup_printf ("videotestsrc num-buffers=3 ! video/x-raw,format=RGB ! "
        "egodistill out=%s", tmpdir),
    g_strdup_printf ("egodatasetsrc data=%s ! egodistill out=%s blocks=1,0",
        data_dir, tmpdir),
    g_strdup_printf ("egodatasetsrc data=%s ! egodistill out=%s/run",
        data_dir, file),
    g_strdup_printf ("egodatasetsrc data=%s ! egodistill out=%s "
        "lambda-d=-0.5", data_dir, tmpdir),
    /* without a teacher, lambda-d -1 is 0: nothing left to learn from */
    g_strdup_printf ("egodatasetsrc data=%s ! egodistill out=%s "
        "lambda-gt=0 " TINY, data_dir, tmpdir),
    /* with a teacher, lambda-gt -1 is 0: known at start */
    g_strdup_printf ("egodatasetsrc data=%s ! egodistill out=%s "
        "teacher-logits=%s lambda-d=0 " TINY, data_dir, tmpdir, logits),
  };
  const gchar *needles[] = { "not a dataset stream", "blocks per stage",
    "Cannot write to the output folder", "-1 (automatic) or at least 0",
    "both 0", "both 0"
  };
  fail_unless (g_file_set_contents (file, "", 0, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (descs); i++) {
    gchar *desc = descs[i];
    GstElement *pipe = gst_parse_launch (desc, NULL);
    GstMessage *msg;
    GError *err;
    gst_element_set_state (pipe, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe),
        GST_CLOCK_TIME_NONE, GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
    fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
    gst_message_parse_error (msg, &err, NULL);
    fail_unless (strstr (err->message, needles[i]) != NULL, "%s",
        err->message);
    g_error_free (err);
    gst_message_unref (msg);
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (pipe);
    g_free (desc);
  }
  g_unlink (file);
  g_free (file);
  g_free (logits);
}

GST_END_TEST;

static Suite *
egodistill_suite (void)
{
  Suite *s = suite_create ("egodistill");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_learns_from_labels);
  tcase_add_test (tc, test_ready_then_again);
  tcase_add_test (tc, test_pause_during_training);
  tcase_add_test (tc, test_resume_is_exact);
  tcase_add_test (tc, test_killed_launcher_resumes);
  tcase_add_test (tc, test_terminated_launcher_resumes);
  tcase_add_test (tc, test_hangup_ignored_under_nohup);
  tcase_add_test (tc, test_distills_from_logits);
  tcase_add_test (tc, test_logit_errors);
  tcase_add_test (tc, test_bad_input);
  return s;
}

GST_CHECK_MAIN (egodistill);
