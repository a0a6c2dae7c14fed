/* ego-train: train a student on a dataset, from labels, from teacher
 * logits or from teacher networks run in the graph.
 *
 *   ego-train --data DIR --out DIR [--epochs N] [--teacher-logits FILE]
 *       [--teacher MODALITY=MODEL ...] [--fusion SCHEME]
 *       [--validation-split S] [--resume] [...]   (see --help)
 *
 * Builds and runs the graph
 *
 *   egodatasetsrc data=DIR split=train,validation ! egodistill out=DIR ...
 *
 * or, with --teacher, one source per teacher into egoteacher, whose first
 * pad (the teacher of the student's modality) carries the student's frames:
 *
 *   egoteacher name=t sink_0::model=RGB sink_1::model=FLOW ! egodistill ...
 *   egodatasetsrc data=DIR ... ! t.sink_0
 *   egodatasetsrc data=DIR ... modality=flow ! t.sink_1
 *
 * and shows its progress messages: a progress bar with the time left on a
 * terminal, plain lines otherwise. Every option is an element property,
 * checked against the property's range before the graph starts; dataset
 * and teacher-logit errors come from the elements with file and line.
 * Ctrl-C stops cleanly; --resume continues from the last epoch. */
#include <gst/gst.h>
#include <glib-unix.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "egolocale.h"

typedef struct
{
  gchar *data, *out, *split, *validation, *teacher, *cache_file, *blocks;
  gchar *decay, *modality;
  gint epochs, batch, frames, candidates, size, short_side, base_width;
  gint shift_div, threads, frame_step;
  gint64 seed;
  gdouble lr, weight_decay, warmup, clip_norm, lambda_d, lambda_gt;
  gdouble temperature, label_smoothing, scale_min, colour_jitter, dropout;
  gboolean resume, no_report, bidirectional;
  /* teachers in the graph: "MODALITY=MODEL" */
  gchar **teachers, *fusion, *fusion_weights;
  gdouble tau_w;
  gboolean tau_w_given;         /* else egoteacher's default */
} Options;

typedef struct
{
  GstElement *pipeline;
  GMainLoop *loop;
  gboolean tty, ok, interrupted, bar_shown;
  guint last_epoch;
  gint64 started;
  guint signals[3];             /* SIGINT, SIGTERM, SIGHUP watches */
} Trainer;

/* the signals that stop training with the checkpoint kept; a second one
 * finds its default action (the watches are gone) and ends the process */
static const gint stop_signals[3] = { SIGINT, SIGTERM, SIGHUP };

static void
options_init (Options * o)
{
  /* string options stay NULL until parsed: GOption would not free a
   * default it replaces */
  memset (o, 0, sizeof (*o));
  o->epochs = 20;
  o->batch = 16;
  o->frames = 8;
  o->candidates = 3;
  o->size = 112;
  o->base_width = 32;
  o->shift_div = 8;
  o->seed = 1;
  o->lr = 2e-3;
  o->weight_decay = 0.02;
  o->warmup = 0.05;
  o->clip_norm = 5.0;
  o->lambda_d = -1;
  o->lambda_gt = -1;
  o->temperature = 1.0;
  o->scale_min = 0.8;
  o->colour_jitter = 0.2;
}

static void
options_defaults (Options * o)
{
  if (o->split == NULL)
    o->split = g_strdup ("train");
  if (o->validation == NULL)
    o->validation = g_strdup ("validation");
  if (o->blocks == NULL)
    o->blocks = g_strdup ("1,1,1,1");
  if (o->decay == NULL)
    o->decay = g_strdup ("cosine");
}

/* --tau-w as given: any number may be given, so none can stand for "not
 * given" (NaN did, and --tau-w nan was ignored) */
static gboolean
parse_tau_w (const gchar * name, const gchar * value, gpointer data,
    GError ** error)
{
  Options *o = data;
  gchar *end = NULL;
  o->tau_w = g_ascii_strtod (value, &end);
  o->tau_w_given = TRUE;
  if (end != value && *end == '\0')
    return TRUE;
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
      "%s %s: not a number", name, value);
  return FALSE;
}

static gboolean
parse_options (int *argc, char ***argv, Options * o)
{
  GOptionEntry entries[] = {
    {"data", 'd', 0, G_OPTION_ARG_FILENAME, &o->data,
        "Dataset folder (EPIC-Kitchens-100 layout)", "DIR"},
    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &o->out,
        "Output folder: model, checkpoint, report", "DIR"},
    {"split", 0, 0, G_OPTION_ARG_STRING, &o->split,
        "Training split (train)", "S"},
    {"validation-split", 0, 0, G_OPTION_ARG_STRING, &o->validation,
        "Split evaluated after each epoch, \"\" for none (validation)", "S"},
    {"teacher-logits", 't', 0, G_OPTION_ARG_FILENAME, &o->teacher,
        "Distil from these teacher logits (JSON lines)", "FILE"},
    {"teacher", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->teachers,
        "Distil from this teacher network run on the data: MODALITY is rgb, "
          "flow or audio (repeatable; one must be of the student's "
          "modality)", "MODALITY=MODEL"},
    {"fusion", 0, 0, G_OPTION_ARG_STRING, &o->fusion,
        "How --teacher networks are weighted: uniform, per-sample or "
          "full-dataset (uniform)", "SCHEME"},
    {"tau-w", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer) parse_tau_w,
        "Temperature of the per-sample weights (1)", "X"},
    {"fusion-weights", 0, 0, G_OPTION_ARG_STRING, &o->fusion_weights,
          "Weights of the full-dataset fusion (see egoteacher's weights)",
        "W"},
    {"epochs", 'e', 0, G_OPTION_ARG_INT, &o->epochs, "Epochs (20)", "N"},
    {"batch", 'b', 0, G_OPTION_ARG_INT, &o->batch, "Clips per step (16)",
        "N"},
    {"lr", 0, 0, G_OPTION_ARG_DOUBLE, &o->lr, "Peak learning rate (0.002)",
        "X"},
    {"weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &o->weight_decay,
        "AdamW weight decay (0.02)", "X"},
    {"warmup", 0, 0, G_OPTION_ARG_DOUBLE, &o->warmup,
        "Warm-up, fraction of all steps (0.05)", "X"},
    {"decay", 0, 0, G_OPTION_ARG_STRING, &o->decay,
        "Learning rate decay: linear or cosine (cosine)", "D"},
    {"clip-norm", 0, 0, G_OPTION_ARG_DOUBLE, &o->clip_norm,
        "Gradient clipping norm, 0 for none (5)", "X"},
    {"lambda-d", 0, 0, G_OPTION_ARG_DOUBLE, &o->lambda_d,
        "Distillation weight (1 with teacher logits, else 0)", "X"},
    {"lambda-gt", 0, 0, G_OPTION_ARG_DOUBLE, &o->lambda_gt,
        "Label cross-entropy weight (0 with teacher logits, else 1)", "X"},
    {"temperature", 0, 0, G_OPTION_ARG_DOUBLE, &o->temperature,
        "Distillation temperature (1)", "T"},
    {"label-smoothing", 0, 0, G_OPTION_ARG_DOUBLE, &o->label_smoothing,
        "Label smoothing (0)", "X"},
    {"scale-min", 0, 0, G_OPTION_ARG_DOUBLE, &o->scale_min,
        "Smallest crop, fraction of the short side (0.8)", "X"},
    {"colour-jitter", 0, 0, G_OPTION_ARG_DOUBLE, &o->colour_jitter,
        "Brightness, contrast, saturation jitter (0.2)", "X"},
    {"seed", 's', 0, G_OPTION_ARG_INT64, &o->seed, "Seed (1)", "S"},
    {"threads", 'j', 0, G_OPTION_ARG_INT, &o->threads,
        "Threads, 0 for one per core (0)", "N"},
    {"frames", 'T', 0, G_OPTION_ARG_INT, &o->frames,
        "Frames per clip (8)", "N"},
    {"candidates", 'C', 0, G_OPTION_ARG_INT, &o->candidates,
        "Cached candidate frames per segment, odd (3)", "N"},
    {"size", 0, 0, G_OPTION_ARG_INT, &o->size, "Network input size (112)",
        "N"},
    {"short-side", 0, 0, G_OPTION_ARG_INT, &o->short_side,
        "Short side of the cached frames (1.15 x size)", "N"},
    {"base-width", 0, 0, G_OPTION_ARG_INT, &o->base_width,
        "Channels of the first stage (32)", "N"},
    {"blocks", 0, 0, G_OPTION_ARG_STRING, &o->blocks,
        "Blocks per stage (1,1,1,1)", "LIST"},
    {"shift-div", 0, 0, G_OPTION_ARG_INT, &o->shift_div,
        "Shift 1/N of the channels (8)", "N"},
    {"bidirectional", 0, 0, G_OPTION_ARG_NONE, &o->bidirectional,
        "Shift from the next frame too (a teacher: not streamable)", NULL},
    {"modality", 0, 0, G_OPTION_ARG_STRING, &o->modality,
        "Train on rgb frames, egoflow's optical flow (flow), the sound's "
          "log-mel spectrogram (audio) or rgb frames with their flow "
          "(rgbflow) (rgb)", "M"},
    {"dropout", 0, 0, G_OPTION_ARG_DOUBLE, &o->dropout,
        "Dropout before the classifiers (0)", "X"},
    {"frame-step", 0, 0, G_OPTION_ARG_INT, &o->frame_step,
        "The model's frame step, 0 to measure it (0)", "N"},
    {"cache-file", 0, 0, G_OPTION_ARG_FILENAME, &o->cache_file,
        "Keep the frames in this memory-mapped file, which must not exist "
        "(removed once mapped; validation frames go to FILE-SPLIT)", "FILE"},
    {"resume", 'r', 0, G_OPTION_ARG_NONE, &o->resume,
        "Continue from the checkpoint in the output folder", NULL},
    {"no-report", 0, 0, G_OPTION_ARG_NONE, &o->no_report,
        "Do not write the HTML report", NULL},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- train a student network "
      "on a dataset");
  GOptionGroup *main_group = g_option_group_new (NULL, NULL, NULL, o, NULL);
  GError *error = NULL;
  gboolean ok;
  /* the group carries o to the callbacks */
  g_option_group_add_entries (main_group, entries);
  g_option_context_set_main_group (ctx, main_group);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, argc, argv, &error);
  if (!ok)
    g_printerr ("ego-train: %s\n", error->message);
  else if (*argc > 1)
    ok = (g_printerr ("ego-train: unexpected argument '%s' (see --help)\n",
            (*argv)[1]), FALSE);
  g_clear_error (&error);
  g_option_context_free (ctx);
  return ok;
}

/* Sets a property from an option's value, refusing what the property's
 * range refuses, with the option's name. */
static gboolean
set_checked (GstElement * e, const gchar * prop, const gchar * option,
    const GValue * value)
{
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e),
      prop);
  GValue v = G_VALUE_INIT;
  gchar *text = G_VALUE_HOLDS_DOUBLE (value) ?
      g_strdup_printf ("%g", g_value_get_double (value)) :
      g_strdup_value_contents (value);
  gboolean ok;
  g_value_init (&v, ps->value_type);
  ok = g_value_transform (value, &v) && !g_param_value_validate (ps, &v);
  if (ok)
    g_object_set_property (G_OBJECT (e), prop, &v);
  else if (G_IS_PARAM_SPEC_UINT (ps))
    g_printerr ("ego-train: --%s %s: must be from %u to %u\n", option, text,
        G_PARAM_SPEC_UINT (ps)->minimum, G_PARAM_SPEC_UINT (ps)->maximum);
  else if (G_IS_PARAM_SPEC_DOUBLE (ps))
    g_printerr ("ego-train: --%s %s: must be from %g to %g\n", option, text,
        G_PARAM_SPEC_DOUBLE (ps)->minimum, G_PARAM_SPEC_DOUBLE (ps)->maximum);
  else
    g_printerr ("ego-train: --%s %s: not a valid value\n", option, text);
  g_value_unset (&v);
  g_free (text);
  return ok;
}

static gboolean
set_int (GstElement * e, const gchar * prop, const gchar * option, gint x)
{
  GValue v = G_VALUE_INIT;
  gboolean ok;
  g_value_init (&v, G_TYPE_INT);
  g_value_set_int (&v, x);
  /* a negative number would wrap around to a valid unsigned one */
  ok = x >= 0 ? set_checked (e, prop, option, &v) :
      (g_printerr ("ego-train: --%s %d: must not be negative\n", option, x),
      FALSE);
  g_value_unset (&v);
  return ok;
}

static gboolean
set_double (GstElement * e, const gchar * prop, const gchar * option,
    gdouble x)
{
  GValue v = G_VALUE_INIT;
  gboolean ok;
  g_value_init (&v, G_TYPE_DOUBLE);
  g_value_set_double (&v, x);
  ok = isfinite (x) ? set_checked (e, prop, option, &v) :
      (g_printerr ("ego-train: --%s: not a number\n", option), FALSE);
  g_value_unset (&v);
  return ok;
}

static gint
default_short_side (gint size)
{
  /* a little more than the input leaves room for scale jitter */
  return 2 * (gint) (size * 1.15 / 2 + 0.5);
}

static gboolean
configure_source (GstElement * src, const Options * o, const gchar * modality)
{
  gchar *split = o->validation && *o->validation ?
      g_strdup_printf ("%s,%s", o->split, o->validation) : g_strdup (o->split);
  gboolean ok;
  g_object_set (src, "data", o->data, "split", split, "modality", modality,
      NULL);
  g_free (split);
  if (o->modality && g_strcmp0 (o->modality, "rgb")
      && g_strcmp0 (o->modality, "flow") && g_strcmp0 (o->modality, "audio")
      && g_strcmp0 (o->modality, "rgbflow")) {
    g_printerr ("ego-train: --modality %s: must be rgb, flow, audio or "
        "rgbflow\n", o->modality);
    return FALSE;
  }
  if (o->candidates % 2 == 0) {
    g_printerr ("ego-train: --candidates %d: must be odd\n", o->candidates);
    return FALSE;
  }
  ok = set_int (src, "frames", "frames", o->frames)
      && set_int (src, "candidates", "candidates", o->candidates)
      && set_int (src, "short-side", "short-side", o->short_side ?
      o->short_side : default_short_side (o->size));
  return ok;
}

static gboolean
configure_sink (GstElement * sink, const Options * o)
{
  gboolean ok;
  if (o->seed < 0) {
    g_printerr ("ego-train: --seed %" G_GINT64_FORMAT ": must not be "
        "negative\n", o->seed);
    return FALSE;
  }
  if (g_strcmp0 (o->decay, "linear") && g_strcmp0 (o->decay, "cosine")) {
    g_printerr ("ego-train: --decay %s: must be linear or cosine\n", o->decay);
    return FALSE;
  }
  g_object_set (sink, "out", o->out, "blocks", o->blocks, "teacher-logits",
      o->teacher, "cache-file", o->cache_file, "resume", o->resume,
      "report", !o->no_report, "seed", (guint64) o->seed, "modality",
      o->modality ? o->modality : "rgb", "bidirectional", o->bidirectional,
      NULL);
  gst_util_set_object_arg (G_OBJECT (sink), "decay", o->decay);
  ok = set_int (sink, "epochs", "epochs", o->epochs)
      && set_int (sink, "batch", "batch", o->batch)
      && set_int (sink, "input-size", "size", o->size)
      && set_int (sink, "base-width", "base-width", o->base_width)
      && set_int (sink, "shift-div", "shift-div", o->shift_div)
      && set_int (sink, "threads", "threads", o->threads)
      && set_int (sink, "frame-step", "frame-step", o->frame_step)
      && set_double (sink, "lr", "lr", o->lr)
      && set_double (sink, "weight-decay", "weight-decay", o->weight_decay)
      && set_double (sink, "warmup", "warmup", o->warmup)
      && set_double (sink, "clip-norm", "clip-norm", o->clip_norm)
      && set_double (sink, "lambda-d", "lambda-d", o->lambda_d)
      && set_double (sink, "lambda-gt", "lambda-gt", o->lambda_gt)
      && set_double (sink, "temperature", "temperature", o->temperature)
      && set_double (sink, "label-smoothing", "label-smoothing",
      o->label_smoothing)
      && set_double (sink, "scale-min", "scale-min", o->scale_min)
      && set_double (sink, "colour-jitter", "colour-jitter", o->colour_jitter)
      && set_double (sink, "dropout", "dropout", o->dropout);
  return ok;
}

static const gchar *
student_modality (const Options * o)
{
  return o->modality ? o->modality : "rgb";
}

/* "MODALITY=MODEL": the modality (static) or NULL when it is none. */
static const gchar *
teacher_modality (const gchar * arg, const gchar ** model)
{
  static const gchar *modalities[] = { "rgb", "flow", "audio" };
  const gchar *eq = strchr (arg, '=');
  for (guint i = 0; eq && i < G_N_ELEMENTS (modalities); i++)
    if (strlen (modalities[i]) == (gsize) (eq - arg)
        && strncmp (arg, modalities[i], eq - arg) == 0) {
      *model = eq + 1;
      return modalities[i];
    }
  return NULL;
}

/* The --teacher options and those that only mean something with them. */
/* why path, which is not a regular file, cannot be read as one */
static const gchar *
not_a_file (const gchar * path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS) ? "not a regular file" :
      "no such file";
}

static gboolean
check_teachers (const Options * o)
{
  gboolean student = FALSE;
  guint n = o->teachers ? g_strv_length (o->teachers) : 0;
  if (n == 0 && (o->fusion || o->tau_w_given || o->fusion_weights))
    return (g_printerr ("ego-train: --fusion, --tau-w and --fusion-weights "
            "need --teacher\n"), FALSE);
  if (n > 0 && o->teacher)
    return (g_printerr ("ego-train: --teacher and --teacher-logits: give "
            "one kind of teacher\n"), FALSE);
  for (guint i = 0; i < n; i++) {
    const gchar *model = NULL, *modality = teacher_modality (o->teachers[i],
        &model);
    if (modality == NULL)
      return (g_printerr ("ego-train: --teacher %s: must be MODALITY=MODEL "
              "with MODALITY rgb, flow or audio\n", o->teachers[i]), FALSE);
    if (!g_file_test (model, G_FILE_TEST_IS_REGULAR))
      return (g_printerr ("ego-train: --teacher %s: %s\n", o->teachers[i],
              not_a_file (model)), FALSE);
    for (guint j = 0; j < i; j++)
      if (g_str_has_prefix (o->teachers[j], modality)
          && o->teachers[j][strlen (modality)] == '=')
        return (g_printerr ("ego-train: --teacher: two %s teachers\n",
                modality), FALSE);
    student = student || strcmp (modality, student_modality (o)) == 0;
  }
  /* egoteacher passes on the frames of its first pad only */
  if (n > 0 && !student)
    return (g_printerr ("ego-train: --teacher: one teacher must be of the "
            "student's modality (%s): the student trains on its frames\n",
            student_modality (o)), FALSE);
  if (o->fusion && g_strcmp0 (o->fusion, "uniform")
      && g_strcmp0 (o->fusion, "per-sample")
      && g_strcmp0 (o->fusion, "full-dataset"))
    return (g_printerr ("ego-train: --fusion %s: must be uniform, per-sample "
            "or full-dataset\n", o->fusion), FALSE);
  if (g_strcmp0 (o->fusion, "full-dataset") == 0 && !o->fusion_weights)
    return (g_printerr ("ego-train: --fusion full-dataset needs "
            "--fusion-weights\n"), FALSE);
  return TRUE;
}

/* Checks what the elements would only find out later. */
static gboolean
out_has_checkpoint (const gchar * out)
{
  gchar *path = g_build_filename (out, "checkpoint.safetensors", NULL);
  gboolean has = g_file_test (path, G_FILE_TEST_EXISTS);
  g_free (path);
  return has;
}

static gboolean
check_paths (const Options * o)
{
  if (o->data == NULL || o->out == NULL) {
    g_printerr ("ego-train: --data DIR and --out DIR are needed "
        "(see --help)\n");
    return FALSE;
  }
  if (!g_file_test (o->data, G_FILE_TEST_IS_DIR)) {
    g_printerr ("ego-train: --data %s: no such folder\n", o->data);
    return FALSE;
  }
  if (o->teacher && !g_file_test (o->teacher, G_FILE_TEST_IS_REGULAR)) {
    g_printerr ("ego-train: --teacher-logits %s: %s\n", o->teacher,
        not_a_file (o->teacher));
    return FALSE;
  }
  if (!o->resume && out_has_checkpoint (o->out)) {
    g_printerr ("ego-train: --out %s holds the checkpoint of an earlier "
        "run: --resume continues it; to start again, remove it or give "
        "another --out\n", o->out);
    return FALSE;
  }
  return check_teachers (o);
}

/* A source of this modality into a new request pad of egoteacher that runs
 * model on it. */
static gboolean
add_teacher (GstElement * pipeline, GstElement * teacher, const Options * o,
    const gchar * modality, const gchar * model)
{
  GstElement *src = gst_element_factory_make ("egodatasetsrc", NULL);
  GstPad *sink = gst_element_request_pad_simple (teacher, "sink_%u");
  GstPad *srcpad = gst_element_get_static_pad (src, "src");
  gboolean ok;
  gst_bin_add (GST_BIN (pipeline), src);
  g_object_set (sink, "model", model, NULL);
  ok = gst_pad_link (srcpad, sink) == GST_PAD_LINK_OK
      && configure_source (src, o, modality);
  gst_object_unref (srcpad);
  gst_object_unref (sink);
  return ok;
}

/* egoteacher and its sources, the student's modality on the first pad. */
static gboolean
add_teachers (GstElement * pipeline, GstElement * teacher, const Options * o)
{
  const gchar *student = student_modality (o);
  gboolean ok = TRUE;
  if (o->fusion)
    gst_util_set_object_arg (G_OBJECT (teacher), "scheme", o->fusion);
  if (o->fusion_weights)
    g_object_set (teacher, "weights", o->fusion_weights, NULL);
  if (o->tau_w_given)
    ok = set_double (teacher, "tau-w", "tau-w", o->tau_w);
  for (gint first = 1; first >= 0; first--)
    for (guint i = 0; ok && o->teachers[i]; i++) {
      const gchar *model = NULL;
      const gchar *modality = teacher_modality (o->teachers[i], &model);
      if ((strcmp (modality, student) == 0) == first)
        ok = add_teacher (pipeline, teacher, o, modality, model);
    }
  return ok;
}

static GstElement *
build (const Options * o)
{
  gboolean teachers = o->teachers && *o->teachers;
  GstElement *pipeline = gst_pipeline_new ("ego-train");
  GstElement *src = gst_element_factory_make (teachers ? "egoteacher" :
      "egodatasetsrc", teachers ? "teacher" : NULL);
  GstElement *sink = gst_element_factory_make ("egodistill", "distill");
  gboolean ok;
  if (src == NULL || sink == NULL) {
    g_printerr ("ego-train: the gst-ego plugin is not installed "
        "(GST_PLUGIN_PATH?)\n");
    if (src)
      gst_object_unref (gst_object_ref_sink (src));
    if (sink)
      gst_object_unref (gst_object_ref_sink (sink));
    gst_object_unref (pipeline);
    return NULL;
  }
  gst_bin_add_many (GST_BIN (pipeline), src, sink, NULL);
  gst_element_link (src, sink);
  ok = teachers ? add_teachers (pipeline, src, o) :
      configure_source (src, o, student_modality (o));
  if (!ok || !configure_sink (sink, o)) {
    gst_object_unref (pipeline);
    return NULL;
  }
  return pipeline;
}

/* ------------------------------------------------------------------------ */
/* Progress */

static gchar *
clock_text (gdouble seconds)
{
  gint s = (gint) (seconds + 0.5);
  if (s >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  return g_strdup_printf ("%02d:%02d", s / 60, s % 60);
}

static void
draw_bar (Trainer * t, gdouble fraction, const gchar * text)
{
  gint filled = (gint) (CLAMP (fraction, 0.0, 1.0) * 30);
  gchar bar[31];
  memset (bar, '#', filled);
  memset (bar + filled, '-', 30 - filled);
  bar[30] = '\0';
  /* \033[K clears what a longer line left behind */
  g_printerr ("\r[%s] %3.0f%% %s\033[K", bar, 100 * fraction, text);
  t->bar_shown = TRUE;
}

static void
end_bar (Trainer * t)
{
  if (t->bar_shown)
    g_printerr ("\r\033[K");
  t->bar_shown = FALSE;
}

static void
on_cache (Trainer * t, const GstStructure * s)
{
  gint clips = 0, total = 1;
  gchar *text, *elapsed;
  gst_structure_get_int (s, "clips", &clips);
  gst_structure_get_int (s, "total", &total);
  elapsed = clock_text ((g_get_monotonic_time () - t->started) / 1e6);
  text = g_strdup_printf ("decoding clips %d/%d  %s", clips, total, elapsed);
  if (t->tty)
    draw_bar (t, (gdouble) clips / MAX (total, 1), text);
  else if (clips == total)
    g_printerr ("decoded %d clips in %s\n", total, elapsed);
  g_free (text);
  g_free (elapsed);
}

static void
on_progress (Trainer * t, const GstStructure * s)
{
  guint epoch = 0, epochs = 0;
  guint64 step = 0, steps = 1;
  gdouble loss = 0, lr = 0, cps = 0, eta = 0;
  gchar *text, *left;
  if (!t->tty)
    return;
  gst_structure_get (s, "epoch", G_TYPE_UINT, &epoch, "epochs", G_TYPE_UINT,
      &epochs, "step", G_TYPE_UINT64, &step, "steps", G_TYPE_UINT64, &steps,
      "loss", G_TYPE_DOUBLE, &loss, "lr", G_TYPE_DOUBLE, &lr,
      "clips-per-second", G_TYPE_DOUBLE, &cps, "eta", G_TYPE_DOUBLE, &eta,
      NULL);
  left = clock_text (eta);
  text = g_strdup_printf ("epoch %u/%u  loss %.4f  lr %.2e  %.0f clips/s  "
      "ETA %s", epoch, epochs, loss, lr, cps, left);
  draw_bar (t, (gdouble) step / MAX (steps, 1), text);
  g_free (text);
  g_free (left);
}

static void
append_head_figures (GString * line, const GstStructure * s,
    const gchar * prefix)
{
  static const gchar *heads[] = { "verb", "noun", "action" };
  for (guint h = 0; h < G_N_ELEMENTS (heads); h++) {
    gchar *field = g_strconcat (prefix, heads[h], "-top1", NULL);
    gdouble v;
    if (gst_structure_get_double (s, field, &v))
      g_string_append_printf (line, " %s %.1f%%", heads[h], v);
    g_free (field);
  }
}

static void
on_epoch (Trainer * t, const GstStructure * s)
{
  GString *line = g_string_new (NULL);
  guint epoch = 0, epochs = 0;
  gdouble loss = 0, cps = 0;
  gboolean best = FALSE;
  gst_structure_get (s, "epoch", G_TYPE_UINT, &epoch, "epochs", G_TYPE_UINT,
      &epochs, "loss", G_TYPE_DOUBLE, &loss, "clips-per-second",
      G_TYPE_DOUBLE, &cps, "best", G_TYPE_BOOLEAN, &best, NULL);
  g_string_append_printf (line, "epoch %u/%u  loss %.4f  train:", epoch,
      epochs, loss);
  append_head_figures (line, s, "train-");
  if (gst_structure_has_field (s, "verb-top1")
      || gst_structure_has_field (s, "noun-top1")) {
    g_string_append (line, "  validation:");
    append_head_figures (line, s, "");
  }
  g_string_append_printf (line, "  %.0f clips/s%s", cps, best ? "  (best)" :
      "");
  end_bar (t);
  g_print ("%s\n", line->str);
  t->last_epoch = epoch;
  g_string_free (line, TRUE);
}

static void
on_done (Trainer * t, const GstStructure * s)
{
  const gchar *split = gst_structure_get_string (s, "eval-split");
  GString *line = g_string_new (NULL);
  const gchar *files[] = { "model", "best-model", "report" };
  gchar *elapsed = clock_text ((g_get_monotonic_time () - t->started) / 1e6);
  append_head_figures (line, s, "");
  end_bar (t);
  g_print ("done in %s; final model on the %s split:%s\n", elapsed,
      split ? split : "?", line->str);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    if (gst_structure_get_string (s, files[i]))
      g_print ("  %-10s %s\n", files[i], gst_structure_get_string (s,
              files[i]));
  g_string_free (line, TRUE);
  g_free (elapsed);
}

/* ------------------------------------------------------------------------ */
/* Running */

static void
on_error (Trainer * t, GstMessage * msg)
{
  GError *err = NULL;
  gchar *dbg = NULL;
  gst_message_parse_error (msg, &err, &dbg);
  end_bar (t);
  g_printerr ("ego-train: %s\n", err->message);
  /* the details follow GStreamer's "file(line): function (): element:" */
  if (dbg && strchr (dbg, '\n'))
    g_printerr ("  (%s)\n", strchr (dbg, '\n') + 1);
  g_error_free (err);
  g_free (dbg);
  t->ok = FALSE;
  g_main_loop_quit (t->loop);
}

static gboolean
on_message (GstBus * bus, GstMessage * msg, gpointer data)
{
  Trainer *t = data;
  const GstStructure *s = gst_message_get_structure (msg);
  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:
      if (gst_structure_has_name (s, "egodistill-cache"))
        on_cache (t, s);
      else if (gst_structure_has_name (s, "egodistill-progress"))
        on_progress (t, s);
      else if (gst_structure_has_name (s, "egodistill-epoch"))
        on_epoch (t, s);
      else if (gst_structure_has_name (s, "egodistill-done"))
        on_done (t, s);
      break;
    case GST_MESSAGE_WARNING:{
      GError *err = NULL;
      gst_message_parse_warning (msg, &err, NULL);
      end_bar (t);
      g_printerr ("ego-train: warning: %s\n", err->message);
      g_error_free (err);
      break;
    }
    case GST_MESSAGE_ERROR:
      on_error (t, msg);
      break;
    case GST_MESSAGE_EOS:
      t->ok = TRUE;
      g_main_loop_quit (t->loop);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

/* a signal the caller ignores (nohup: SIGHUP; a background job: SIGINT)
 * stays ignored: watching it would stop a run meant to survive it */
static gboolean
signal_ignored (gint sig)
{
  struct sigaction old;
  return sigaction (sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN;
}

static void
remove_signal_watches (Trainer * t)
{
  for (guint i = 0; i < G_N_ELEMENTS (t->signals); i++)
    if (t->signals[i])
      g_source_remove (t->signals[i]);
  memset (t->signals, 0, sizeof (t->signals));
}

static gboolean
on_interrupt (gpointer data)
{
  Trainer *t = data;
  t->interrupted = TRUE;
  g_main_loop_quit (t->loop);
  remove_signal_watches (t);
  return G_SOURCE_CONTINUE;
}

/* Stops the training at its next step (READY), then takes the epochs it
 * finished meanwhile off the bus, so that the epoch named is the
 * checkpoint's (a Ctrl-C just after an epoch named the one before) */
static void
say_interrupted (Trainer * t, GstBus * bus)
{
  GstMessage *msg;
  gst_element_set_state (t->pipeline, GST_STATE_READY);
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, "egodistill-epoch"))
      on_epoch (t, s);
    gst_message_unref (msg);
  }
  end_bar (t);
  g_printerr ("ego-train: interrupted; --resume continues from the last "
      "checkpoint (epoch %u)\n", t->last_epoch);
}

static gboolean
run (Trainer * t)
{
  GstBus *bus = gst_element_get_bus (t->pipeline);
  guint watch = gst_bus_add_watch (bus, on_message, t);
  for (guint i = 0; i < G_N_ELEMENTS (stop_signals); i++)
    if (!signal_ignored (stop_signals[i]))
      t->signals[i] = g_unix_signal_add (stop_signals[i], on_interrupt, t);
  t->loop = g_main_loop_new (NULL, FALSE);
  t->started = g_get_monotonic_time ();
  if (gst_element_set_state (t->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    /* the element's error message, if any, is on the bus */
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    if (msg) {
      on_error (t, msg);
      gst_message_unref (msg);
    } else {
      g_printerr ("ego-train: the pipeline could not start\n");
    }
  } else {
    g_main_loop_run (t->loop);
  }
  if (t->interrupted)
    say_interrupted (t, bus);
  /* going to NULL stops a training under way at the next step */
  gst_element_set_state (t->pipeline, GST_STATE_NULL);
  remove_signal_watches (t);
  g_source_remove (watch);
  g_main_loop_unref (t->loop);
  gst_object_unref (bus);
  return t->ok && !t->interrupted;
}

static void
options_clear (Options * o)
{
  g_free (o->data);
  g_free (o->out);
  g_free (o->split);
  g_free (o->validation);
  g_free (o->teacher);
  g_free (o->cache_file);
  g_free (o->blocks);
  g_free (o->modality);
  g_free (o->decay);
  g_strfreev (o->teachers);
  g_free (o->fusion);
  g_free (o->fusion_weights);
}

int
main (int argc, char **argv)
{
  Options o;
  Trainer t = { 0 };
  gboolean ok;
  ego_tool_init_locale ();
  options_init (&o);
  if (!parse_options (&argc, &argv, &o) || (options_defaults (&o),
          !check_paths (&o))) {
    options_clear (&o);
    return 2;
  }
  t.pipeline = build (&o);
  if (t.pipeline == NULL) {
    options_clear (&o);
    return 2;
  }
  t.tty = isatty (STDERR_FILENO);
  ok = run (&t);
  gst_object_unref (t.pipeline);
  options_clear (&o);
  return ok ? 0 : 1;
}
