/* ego-layout: train and evaluate the layout teacher, a spatial-then-
 * temporal transformer over the boxes of hands and objects (models/stlt.h),
 * from a dataset's detections alone.
 *
 *   ego-layout train --data DIR --out DIR [--split train]
 *       [--validation-split validation] [--frames 8] [--epochs N]
 *       [--batch B] [--lr X] [--weight-decay X] [--dim 64] [--attn-heads 4]
 *       [--spatial-layers 1] [--temporal-layers 2] [--seed S] [--threads N]
 *   ego-layout eval --model FILE --data DIR [--split validation] [--json]
 *       [--logits FILE] [--reversed-pairs A/B,C/D] [--noun-by-verb]
 *       [--threads N]
 *
 * train prints one line per epoch and writes model.safetensors,
 * best.safetensors and history.json into the output folder (see
 * layouttrain.h); eval prints what ego-eval prints (README, Files and formats)
 * and --logits writes each clip's logits as JSON lines for ego-fuse;
 * --reversed-pairs and --noun-by-verb as in ego-eval.
 * Clips are read as layoutdata.h describes: the frames' boxes from
 * DIR/detections/<video_id>.jsonl, no video decoded (only the first
 * video's frame size is probed, for the model's metadata). One thread by
 * default: the network is too small to gain much from more.
 *
 * On the 3000-clip synthetic benchmark (2090 training clips), 150 epochs
 * take about 6 minutes of one core and reach about 98% verb, 89% noun
 * top-1 on validation: the boxes' shapes tell the objects apart too. */
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "layoutoutput.h"
#include "layouttrain.h"
#include "egolocale.h"

typedef struct
{
  gchar *data, *out, *split, *validation, *model, *logits, *pairs;
  gint frames, epochs, batch, dim, attn_heads, spatial_layers;
  gint temporal_layers, threads;
  gint64 seed;
  gdouble lr, weight_decay, warmup, clip_norm, dropout;
  gboolean json, noun_by_verb;
} Options;

static void
options_init (Options * o)
{
  EgoLayoutTrainConfig t;
  EgoStltConfig n;
  ego_layout_train_config_default (&t);
  ego_stlt_config_default (&n);
  memset (o, 0, sizeof (*o));
  o->frames = t.frames;
  o->epochs = t.epochs;
  o->batch = t.batch;
  o->lr = t.lr;
  o->weight_decay = t.weight_decay;
  o->warmup = t.warmup;
  o->clip_norm = t.clip_norm;
  o->seed = (gint64) t.seed;
  o->dim = n.dim;
  o->attn_heads = n.attn_heads;
  o->spatial_layers = n.spatial_layers;
  o->temporal_layers = n.temporal_layers;
  o->dropout = n.dropout;
  o->threads = 1;
}

static void
options_clear (Options * o)
{
  g_free (o->data);
  g_free (o->out);
  g_free (o->split);
  g_free (o->validation);
  g_free (o->model);
  g_free (o->logits);
  g_free (o->pairs);
}

static gboolean
parse (GOptionEntry * entries, const gchar * what, int *argc, char ***argv)
{
  GOptionContext *ctx = g_option_context_new (what);
  GError *error = NULL;
  gboolean ok;
  g_option_context_add_main_entries (ctx, entries, NULL);
  ok = g_option_context_parse (ctx, argc, argv, &error);
  if (!ok)
    g_printerr ("ego-layout: %s\n", error->message);
  else if (*argc > 1)
    ok = (g_printerr ("ego-layout: unexpected argument '%s' (see --help)\n",
            (*argv)[1]), FALSE);
  g_clear_error (&error);
  g_option_context_free (ctx);
  return ok;
}

static gboolean
parse_train (Options * o, int *argc, char ***argv)
{
  GOptionEntry entries[] = {
    {"data", 'd', 0, G_OPTION_ARG_FILENAME, &o->data,
        "Dataset folder (EPIC-Kitchens-100 layout)", "DIR"},
    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &o->out,
        "Output folder: models and history", "DIR"},
    {"split", 0, 0, G_OPTION_ARG_STRING, &o->split,
        "Training split (train)", "S"},
    {"validation-split", 0, 0, G_OPTION_ARG_STRING, &o->validation,
        "Split evaluated after each epoch, \"\" for none (validation)", "S"},
    {"frames", 'T', 0, G_OPTION_ARG_INT, &o->frames,
        "Frames per clip (8)", "N"},
    {"epochs", 'e', 0, G_OPTION_ARG_INT, &o->epochs, "Epochs (60)", "N"},
    {"batch", 'b', 0, G_OPTION_ARG_INT, &o->batch, "Clips per step (32)",
        "N"},
    {"lr", 0, 0, G_OPTION_ARG_DOUBLE, &o->lr, "Peak learning rate (0.001)",
        "X"},
    {"weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &o->weight_decay,
        "AdamW weight decay (0.02)", "X"},
    {"warmup", 0, 0, G_OPTION_ARG_DOUBLE, &o->warmup,
        "Warm-up, fraction of all steps (0.05)", "X"},
    {"clip-norm", 0, 0, G_OPTION_ARG_DOUBLE, &o->clip_norm,
        "Gradient clipping norm, 0 for none (5)", "X"},
    {"dim", 0, 0, G_OPTION_ARG_INT, &o->dim, "Token width (64)", "N"},
    {"attn-heads", 0, 0, G_OPTION_ARG_INT, &o->attn_heads,
        "Attention heads (4)", "N"},
    {"spatial-layers", 0, 0, G_OPTION_ARG_INT, &o->spatial_layers,
        "Transformer blocks over a frame's boxes (1)", "N"},
    {"temporal-layers", 0, 0, G_OPTION_ARG_INT, &o->temporal_layers,
        "Transformer blocks over the frames (2)", "N"},
    {"dropout", 0, 0, G_OPTION_ARG_DOUBLE, &o->dropout,
        "Dropout before the classifiers (0)", "X"},
    {"seed", 's', 0, G_OPTION_ARG_INT64, &o->seed, "Seed (1)", "S"},
    {"threads", 'j', 0, G_OPTION_ARG_INT, &o->threads,
        "Threads, 0 for one per core (1)", "N"},
    {NULL}
  };
  g_set_prgname ("ego-layout train");
  return parse (entries, "- train the layout teacher", argc, argv);
}

static gboolean
parse_eval (Options * o, int *argc, char ***argv)
{
  GOptionEntry entries[] = {
    {"model", 'm', 0, G_OPTION_ARG_FILENAME, &o->model, "Layout model",
        "FILE"},
    {"data", 'd', 0, G_OPTION_ARG_FILENAME, &o->data, "Dataset folder",
        "DIR"},
    {"split", 's', 0, G_OPTION_ARG_STRING, &o->split,
        "Split to evaluate (validation)", "S"},
    {"json", 'j', 0, G_OPTION_ARG_NONE, &o->json, "Print one JSON object",
        NULL},
    {"logits", 'l', 0, G_OPTION_ARG_FILENAME, &o->logits,
        "Write each clip's logits as JSON lines", "FILE"},
    {"reversed-pairs", 0, 0, G_OPTION_ARG_STRING, &o->pairs,
        "Pairs of classes that are each other's time reversal: how often "
          "the direction is told within them", "A/B,C/D"},
    {"noun-by-verb", 0, 0, G_OPTION_ARG_NONE, &o->noun_by_verb,
        "Noun top-1 among the clips of each true verb", NULL},
    {"threads", 't', 0, G_OPTION_ARG_INT, &o->threads,
        "Threads, 0 for one per core (1)", "N"},
    {NULL}
  };
  g_set_prgname ("ego-layout eval");
  return parse (entries, "- evaluate a layout model", argc, argv);
}

/* ------------------------------------------------------------------------ */
/* Checks */

static gboolean
in_range (const gchar * option, gdouble x, gdouble lo, gdouble hi)
{
  if (isfinite (x) && x >= lo && x <= hi)
    return TRUE;
  g_printerr ("ego-layout: --%s %g: must be from %g to %g\n", option, x, lo,
      hi);
  return FALSE;
}

static gboolean
check_train_options (const Options * o)
{
  if (o->data == NULL || o->out == NULL) {
    g_printerr ("ego-layout: train needs --data DIR and --out DIR "
        "(see ego-layout train --help)\n");
    return FALSE;
  }
  return in_range ("frames", o->frames, 1, EGO_STLT_MAX_FRAMES)
      && in_range ("epochs", o->epochs, 1, 100000)
      && in_range ("batch", o->batch, 1, 4096)
      && in_range ("lr", o->lr, 1e-9, 1)
      && in_range ("weight-decay", o->weight_decay, 0, 10)
      && in_range ("warmup", o->warmup, 0, 0.99)
      && in_range ("clip-norm", o->clip_norm, 0, 1e6)
      && in_range ("dim", o->dim, 1, 4096)
      && in_range ("attn-heads", o->attn_heads, 1, 4096)
      && in_range ("spatial-layers", o->spatial_layers, 1, 64)
      && in_range ("temporal-layers", o->temporal_layers, 0, 64)
      && in_range ("dropout", o->dropout, 0, 0.99)
      && in_range ("seed", (gdouble) o->seed, 0, (gdouble) G_MAXINT64)
      && in_range ("threads", o->threads, 0, 1024);
}

static void
set_threads (gint threads)
{
  ego_set_num_threads (threads ? threads : (gint) g_get_num_processors ());
}

/* ------------------------------------------------------------------------ */
/* Training */

static void
network_config (const Options * o, const EgoDataset * ds, EgoStltConfig * c)
{
  ego_stlt_config_default (c);
  c->dim = o->dim;
  c->attn_heads = o->attn_heads;
  c->spatial_layers = o->spatial_layers;
  c->temporal_layers = o->temporal_layers;
  c->mlp = 2 * o->dim;
  c->max_frames = o->frames;
  c->dropout = (float) o->dropout;
  c->n_heads = EGO_LAYOUT_HEADS;
  c->classes[0] = ego_dataset_n_verbs (ds);
  c->classes[1] = ego_dataset_n_nouns (ds);
}

static void
train_config (const Options * o, EgoLayoutTrainConfig * c)
{
  ego_layout_train_config_default (c);
  c->frames = o->frames;
  c->epochs = o->epochs;
  c->batch = o->batch;
  c->lr = (float) o->lr;
  c->weight_decay = (float) o->weight_decay;
  c->warmup = (float) o->warmup;
  c->clip_norm = (float) o->clip_norm;
  c->seed = (guint64) o->seed;
}

static void
print_epoch (const EgoLayoutEpoch * e, int epochs, gpointer data)
{
  GString *line = g_string_new (NULL);
  g_string_append_printf (line, "epoch %d/%d  loss %.4f  train: verb %.1f%% "
      "noun %.1f%%", e->epoch, epochs, e->loss, e->train_top1[0],
      e->train_top1[1]);
  if (e->validated)
    g_string_append_printf (line, "  validation: verb %.1f%% noun %.1f%% "
        "action %.1f%%", e->top1[0], e->top1[1], e->action_top1);
  g_string_append_printf (line, "  %.0f clips/s%s", e->clips_per_second,
      e->best ? "  (best)" : "");
  g_print ("%s\n", line->str);
  g_string_free (line, TRUE);
}

/* The display size of the first video stream of a file (a video or an
 * image), from its headers. */
static gboolean
probe_size (const gchar * path, gint * width, gint * height, GError ** error)
{
  GstDiscoverer *disc = gst_discoverer_new (10 * GST_SECOND, error);
  gchar *uri = disc ? gst_filename_to_uri (path, error) : NULL;
  GstDiscovererInfo *info = uri ? gst_discoverer_discover_uri (disc, uri,
      error) : NULL;
  GList *videos = info ? gst_discoverer_info_get_video_streams (info) : NULL;
  if (videos) {
    GstDiscovererVideoInfo *v = videos->data;
    guint w = gst_discoverer_video_info_get_width (v);
    guint pn = gst_discoverer_video_info_get_par_num (v);
    guint pd = gst_discoverer_video_info_get_par_denom (v);
    *width = pn && pd ? (gint) ((guint64) w * pn / pd) : (gint) w;
    *height = (gint) gst_discoverer_video_info_get_height (v);
  } else if (info) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_WRONG_TYPE,
        "%s: no video stream", path);
  }
  gst_discoverer_stream_info_list_free (videos);
  if (info)
    gst_discoverer_info_unref (info);
  g_free (uri);
  g_clear_object (&disc);
  return videos != NULL && *width > 0 && *height > 0;
}

/* The frame size the coordinates were normalised by, for the model's
 * metadata: the first video's (or first frame's) size. */
static void
probe_frame_size (const EgoDataset * ds, EgoModelMeta * meta)
{
  const EgoVideo *v = ego_dataset_video (ds, 0);
  const EgoClip *c = ego_dataset_clip (ds, 0);
  gchar *path = v->video_path ? g_strdup (v->video_path) : v->frames_dir ?
      g_strdup_printf ("%s/frame_%010d.jpg", v->frames_dir, c->start_frame)
      : NULL;
  GError *error = NULL;
  if (path == NULL) {
    /* detections alone: the picture's size is not known, nor needed */
    meta->width = meta->height = 1;
    return;
  }
  gst_init (NULL, NULL);
  if (!probe_size (path, &meta->width, &meta->height, &error)) {
    g_printerr ("ego-layout: warning: %s; the model records a 1x1 frame "
        "size (boxes are normalised anyway)\n", error ? error->message :
        path);
    meta->width = meta->height = 1;
  }
  g_clear_error (&error);
  g_free (path);
}

/* the settings as given (doubles: the floats would print as 0.0199999) */
static JsonObject *
provenance (const Options * o, const EgoLayoutTrainConfig * c, int clips)
{
  JsonObject *p = json_object_new ();
  json_object_set_string_member (p, "tool", "ego-layout train");
  json_object_set_string_member (p, "data", o->data);
  json_object_set_string_member (p, "split", o->split);
  json_object_set_string_member (p, "validation_split", o->validation);
  json_object_set_int_member (p, "clips", clips);
  json_object_set_int_member (p, "epochs", c->epochs);
  json_object_set_int_member (p, "batch", c->batch);
  json_object_set_double_member (p, "lr", o->lr);
  json_object_set_double_member (p, "weight_decay", o->weight_decay);
  json_object_set_double_member (p, "warmup", o->warmup);
  json_object_set_string_member (p, "decay", "cosine");
  json_object_set_double_member (p, "clip_norm", o->clip_norm);
  json_object_set_int_member (p, "seed", (gint64) c->seed);
  json_object_set_string_member (p, "sampling", "tsn");
  json_object_set_string_member (p, "missing_frames",
      "nearest earlier line in the clip, else empty");
  return p;
}

static void
build_meta (const Options * o, const EgoLayoutTrainConfig * tc,
    const EgoStltConfig * nc, const EgoDataset * ds, EgoModelMeta * m)
{
  const char *const *labels[2] = { ego_dataset_verbs (ds),
    ego_dataset_nouns (ds)
  };
  static const char *names[2] = { "verb", "noun" };
  memset (m, 0, sizeof (*m));
  m->format = EGO_META_FORMAT;
  m->kind = g_strdup ("teacher");
  m->modality = g_strdup ("layout");
  m->arch = ego_stlt_config_to_arch (nc);
  probe_frame_size (ds, m);
  m->channels = 1;
  m->mean[0] = 0.0f;
  m->std[0] = 1.0f;
  m->frames = tc->frames;
  m->frame_step = 1;
  m->n_heads = EGO_LAYOUT_HEADS;
  for (int h = 0; h < EGO_LAYOUT_HEADS; h++) {
    m->heads[h].name = g_strdup (names[h]);
    m->heads[h].n_labels = nc->classes[h];
    m->heads[h].labels = g_new0 (char *, nc->classes[h] + 1);
    for (int i = 0; i < nc->classes[h]; i++)
      m->heads[h].labels[i] = g_strdup (labels[h][i]);
  }
  m->temperature = 1.0;
  m->provenance = provenance (o, tc, ego_dataset_n_clips (ds));
}

static gboolean
same_classes (const EgoDataset * a, const EgoDataset * b, GError ** error)
{
  if (ego_dataset_n_verbs (a) == ego_dataset_n_verbs (b)
      && ego_dataset_n_nouns (a) == ego_dataset_n_nouns (b))
    return TRUE;
  g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "%s and %s have other "
      "classes", ego_dataset_csv_name (a), ego_dataset_csv_name (b));
  return FALSE;
}

/* A finished run's folder is kept: refused. An unfinished one (no model
 * yet) starts over, without the best model and history of the run before,
 * which would otherwise stay beside the new files. */
static gboolean
fresh_out (const char *out, GError ** error)
{
  const char *stale[] = { "best.safetensors", "history.json" };
  gchar *model = g_build_filename (out, "model.safetensors", NULL);
  gboolean finished = g_file_test (model, G_FILE_TEST_EXISTS);
  g_free (model);
  if (finished) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "--out %s holds the "
        "model of an earlier run; remove it or give another --out", out);
    return FALSE;
  }
  for (guint i = 0; i < G_N_ELEMENTS (stale); i++) {
    gchar *path = g_build_filename (out, stale[i], NULL);
    g_unlink (path);
    g_free (path);
  }
  return TRUE;
}

static gboolean
train (const Options * o, GError ** error)
{
  EgoLayoutData *tr, *val = NULL;
  EgoLayoutTrainConfig tc;
  EgoStltConfig nc;
  EgoModelMeta meta = { 0 };
  EgoStlt *net = NULL;
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok;
  if (!fresh_out (o->out, error))
    return FALSE;
  set_threads (o->threads);
  tr = ego_layout_data_open (o->data, o->split, error);
  ok = tr != NULL;
  if (ok && *o->validation) {
    val = ego_layout_data_open (o->data, o->validation, error);
    ok = val && same_classes (ego_layout_data_dataset (tr),
        ego_layout_data_dataset (val), error);
  }
  if (ok) {
    train_config (o, &tc);
    network_config (o, ego_layout_data_dataset (tr), &nc);
    net = ego_stlt_new (&nc, tc.seed, error);
    ok = net != NULL;
  }
  if (ok && g_mkdir_with_parents (o->out, 0755) != 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "cannot make %s: %s", o->out, g_strerror (errno));
    ok = FALSE;
  }
  if (ok) {
    build_meta (o, &tc, &nc, ego_layout_data_dataset (tr), &meta);
    ok = ego_layout_train (net, &meta, tr, val, &tc, o->out, print_epoch,
        NULL, error);
  }
  if (ok)
    g_print ("done in %.1f s: %s/model.safetensors%s\n",
        (g_get_monotonic_time () - t0) / 1e6, o->out,
        val ? " and best.safetensors" : "");
  ego_model_meta_clear (&meta);
  ego_stlt_free (net);
  ego_layout_data_free (tr);
  ego_layout_data_free (val);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Evaluation */

/* The model's heads must be verb and noun with the dataset's classes. */
static gboolean
check_heads (const EgoModelMeta * m, const EgoDataset * ds, const char *path,
    GError ** error)
{
  gboolean ok = m->n_heads == EGO_LAYOUT_HEADS
      && g_strcmp0 (m->heads[0].name, "verb") == 0
      && g_strcmp0 (m->heads[1].name, "noun") == 0
      && m->heads[0].n_labels == ego_dataset_n_verbs (ds)
      && m->heads[1].n_labels == ego_dataset_n_nouns (ds);
  if (!ok)
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "%s: the model's heads "
        "are not verb (%d classes) and noun (%d classes) as in %s", path,
        ego_dataset_n_verbs (ds), ego_dataset_n_nouns (ds),
        ego_dataset_csv_name (ds));
  return ok;
}

static gboolean
evaluate (const Options * o, GError ** error)
{
  EgoModelMeta meta = { 0 };
  EgoLayoutData *d = NULL;
  EgoEvalResult r;
  EgoPairs pairs;
  EgoStlt *net;
  gboolean ok;
  set_threads (o->threads);
  net = ego_stlt_load (o->model, &meta, error);
  ok = net != NULL && ego_pairs_parse (o->pairs, &meta, &pairs, error);
  pairs.noun_by_verb = o->noun_by_verb;
  if (ok)
    d = ego_layout_data_open (o->data, o->split, error);
  ok = ok && d && check_heads (&meta, ego_layout_data_dataset (d), o->model,
      error) && ego_layout_evaluate (net, d, meta.frames, &r, error);
  if (ok) {
    if (o->json)
      ego_layout_print_json (&meta, &r, &pairs);
    else
      ego_layout_print_table (&meta, &r, o->split, &pairs);
    ok = o->logits == NULL || ego_layout_write_logits (&meta, &r,
        ego_layout_data_dataset (d), o->logits, error);
    ego_eval_result_clear (&r);
  }
  ego_layout_data_free (d);
  ego_stlt_free (net);
  ego_model_meta_clear (&meta);
  return ok;
}

/* ------------------------------------------------------------------------ */

static int
usage (int status)
{
  (status ? g_printerr : g_print) ("usage: ego-layout train --data DIR "
      "--out DIR [...]\n"
      "       ego-layout eval --model FILE --data DIR [--split S] [--json] "
      "[--logits FILE]\n"
      "(ego-layout train --help, ego-layout eval --help for the options)\n");
  return status;
}

/* Fills in the default splits and checks what the mode needs. */
static gboolean
check_options (Options * o, gboolean is_train)
{
  if (o->split == NULL)
    o->split = g_strdup (is_train ? "train" : "validation");
  if (o->validation == NULL)
    o->validation = g_strdup ("validation");
  if (is_train)
    return check_train_options (o);
  if (o->model == NULL || o->data == NULL) {
    g_printerr ("ego-layout: eval needs --model FILE and --data DIR "
        "(see ego-layout eval --help)\n");
    return FALSE;
  }
  return in_range ("threads", o->threads, 0, 1024);
}

int
main (int argc, char **argv)
{
  Options o;
  GError *error = NULL;
  gboolean ok, is_train;
  ego_tool_init_locale ();
  if (argc == 2 && (!strcmp (argv[1], "--help") || !strcmp (argv[1], "-h")))
    return usage (0);
  if (argc < 2 || (strcmp (argv[1], "train") && strcmp (argv[1], "eval")))
    return usage (2);
  is_train = strcmp (argv[1], "train") == 0;
  /* the mode is argv[0] of the options that follow */
  argc--;
  argv++;
  options_init (&o);
  ok = is_train ? parse_train (&o, &argc, &argv) : parse_eval (&o, &argc,
      &argv);
  if (!ok || !check_options (&o, is_train)) {
    options_clear (&o);
    return 2;
  }
  ok = is_train ? train (&o, &error) : evaluate (&o, &error);
  if (!ok)
    g_printerr ("ego-layout: %s\n", error ? error->message : "failed");
  g_clear_error (&error);
  options_clear (&o);
  return ok ? 0 : 1;
}
