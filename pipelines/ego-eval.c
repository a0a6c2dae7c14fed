/* ego-eval: evaluate a student on a split of a dataset.
 *
 *   ego-eval --model FILE --data DIR [--split validation] [--views CxK]
 *       [--json] [--logits FILE] [--confusion FILE] [--threads N]
 *       [--reversed-pairs take/put,open/close,...] [--noun-by-verb]
 *
 * Decodes the split with egodatasetsrc (C candidate frames per segment for
 * C temporal clips) into a clip cache, the way egodistill does, and runs
 * the network over C clips x K crops per clip, averaging the logits of the
 * views before argmax and softmax. Prints top-1, top-5 and ECE per head,
 * action top-1, the clip count and the GFLOPs of one view; with --json as
 * one JSON object (README, Files and formats). A model that sees optical
 * flow (flow, rgbflow) adds "flow_gflops_per_view": the
 * operations of egoflow for the T frames of a view at the size the frames
 * were cached, which the network's own GFLOPs leave out. --logits
 * writes every clip's averaged logits as JSON lines in the teacher-logits
 * format, so that a model can teach another. --reversed-pairs names pairs
 * of classes that are each other's time reversal and adds how often the
 * model tells the direction within them ("reversed_pairs"; about 50 for a
 * model that cannot, see ego_pair_accuracy). --noun-by-verb adds the noun
 * top-1 among the clips of each true verb ("noun_by_verb"): what the
 * model knows of the object beyond what the action implies. */
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/ego/ego.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "egoclipcollect.h"
#include "dataset_csv.h"         /* ego_csv_append_field */
#include "egopairs.h"
#include "flow.h"
#include "metrics.h"
#include "trainer.h"
#include "egolocale.h"

typedef struct
{
  gchar *model, *data, *split, *views, *logits, *confusion, *pairs;
  gboolean json, noun_by_verb;
  gint threads, short_side;
} Options;

typedef struct
{
  EgoModelMeta meta;
  EgoNet *net;
  gint n_clips, n_crops;        /* views */
  EgoDatasetInfo info;
  gboolean have_info;
  EgoClipCollector *collector;
  gdouble flow_gflops;          /* per view; 0 when the model sees none */
  EgoPairs pairs;               /* --reversed-pairs, --noun-by-verb */
} Eval;

static gboolean
parse_views (const gchar * text, gint * clips, gint * crops)
{
  gchar *end = NULL;
  gint64 c = g_ascii_strtoll (text, &end, 10), k;
  if (end == text || (*end != 'x' && *end != 'X'))
    return FALSE;
  text = end + 1;
  k = g_ascii_strtoll (text, &end, 10);
  if (end == text || *end != '\0' || c < 1 || c > 15 || (k != 1 && k != 3))
    return FALSE;
  *clips = (gint) c;
  *crops = (gint) k;
  return TRUE;
}

static gboolean
parse_options (int *argc, char ***argv, Options * o)
{
  GOptionEntry entries[] = {
    {"model", 'm', 0, G_OPTION_ARG_FILENAME, &o->model, "Student model",
        "FILE"},
    {"data", 'd', 0, G_OPTION_ARG_FILENAME, &o->data, "Dataset folder",
        "DIR"},
    {"split", 's', 0, G_OPTION_ARG_STRING, &o->split,
        "Split to evaluate (validation)", "S"},
    {"views", 'v', 0, G_OPTION_ARG_STRING, &o->views,
        "Temporal clips x spatial crops (K: 1 or 3) per clip (1x1)", "CxK"},
    {"json", 'j', 0, G_OPTION_ARG_NONE, &o->json, "Print one JSON object",
        NULL},
    {"logits", 'l', 0, G_OPTION_ARG_FILENAME, &o->logits,
        "Write each clip's logits as JSON lines", "FILE"},
    {"confusion", 0, 0, G_OPTION_ARG_FILENAME, &o->confusion,
        "Write the confusion matrices as CSV: head,true_class,"
          "predicted_class,clips", "FILE"},
    {"reversed-pairs", 0, 0, G_OPTION_ARG_STRING, &o->pairs,
        "Pairs of classes that are each other's time reversal: how often "
          "the direction is told within them", "A/B,C/D"},
    {"noun-by-verb", 0, 0, G_OPTION_ARG_NONE, &o->noun_by_verb,
        "Noun top-1 among the clips of each true verb", NULL},
    {"threads", 't', 0, G_OPTION_ARG_INT, &o->threads,
        "Threads, 0 for one per core (0)", "N"},
    {"short-side", 0, 0, G_OPTION_ARG_INT, &o->short_side,
        "Short side of the cached frames (as in training)", "N"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- evaluate a student on a "
      "dataset split");
  GError *error = NULL;
  gboolean ok;
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, argc, argv, &error);
  if (!ok)
    g_printerr ("ego-eval: %s\n", error->message);
  else if (*argc > 1)
    ok = (g_printerr ("ego-eval: unexpected argument '%s' (see --help)\n",
            (*argv)[1]), FALSE);
  else if (o->model == NULL || o->data == NULL)
    ok = (g_printerr ("ego-eval: --model FILE and --data DIR are needed "
            "(see --help)\n"), FALSE);
  else if (o->split && strchr (o->split, ','))
    ok = (g_printerr ("ego-eval: --split %s: give one split (the clips of "
            "one are evaluated)\n", o->split), FALSE);
  else if (o->threads < 0)
    ok = (g_printerr ("ego-eval: --threads %d: must not be negative\n",
            o->threads), FALSE);
  else if (o->short_side != 0 && (o->short_side < 8 || o->short_side > 1024))
    ok = (g_printerr ("ego-eval: --short-side %d: must be 0 (the model's) "
            "or 8 to 1024\n", o->short_side), FALSE);
  g_clear_error (&error);
  g_option_context_free (ctx);
  return ok;
}

/* The frame size of the cache: what training used, when the model says. */
static void
cache_size (const Options * o, const EgoModelMeta * meta, GstElement * src)
{
  JsonObject *cache = meta->provenance
      && json_object_has_member (meta->provenance, "cache") ?
      json_object_get_object_member (meta->provenance, "cache") : NULL;
  gint64 w = cache ? json_object_get_int_member_with_default (cache, "width",
      0) : 0;
  gint64 h = cache ? json_object_get_int_member_with_default (cache,
      "height", 0) : 0;
  gint side = MIN (meta->width, meta->height);
  if (o->short_side > 0)
    g_object_set (src, "short-side", o->short_side, NULL);
  else if (w >= 8 && h >= 8 && w <= 1024 && h <= 1024)
    g_object_set (src, "width", (guint) w, "height", (guint) h, NULL);
  else
    g_object_set (src, "short-side", 2 * (guint) (side * 1.15 / 2 + 0.5),
        NULL);
}

static GstElement *
build (const Options * o, Eval * e, GstElement ** sink)
{
  GstElement *pipeline = gst_pipeline_new ("ego-eval");
  GstElement *src = gst_element_factory_make ("egodatasetsrc", NULL);
  /* the temporal clips pick candidates around the middle one */
  guint candidates = (guint) (e->n_clips % 2 ? e->n_clips : e->n_clips + 1);
  *sink = gst_element_factory_make ("appsink", NULL);
  if (src == NULL) {
    g_printerr ("ego-eval: the gst-ego plugin is not installed "
        "(GST_PLUGIN_PATH?)\n");
    gst_object_unref (pipeline);
    g_clear_object (sink);
    return NULL;
  }
  /* a flow network sees egoflow's frames, as in its training */
  g_object_set (src, "data", o->data, "split", o->split, "frames",
      (guint) e->meta.frames, "candidates", candidates, "modality",
      e->meta.modality, NULL);
  cache_size (o, &e->meta, src);
  g_object_set (*sink, "sync", FALSE, "max-buffers", 64, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, *sink, NULL);
  gst_element_link (src, *sink);
  return pipeline;
}

/* The model's heads must be the dataset's, in the same order. */
static gboolean
check_heads (Eval * e, GError ** error)
{
  gboolean ok = e->info.n_heads == e->meta.n_heads;
  for (gint h = 0; ok && h < e->meta.n_heads; h++)
    ok = g_strcmp0 (e->info.heads[h], e->meta.heads[h].name) == 0
        && e->info.n_labels[h] == e->meta.heads[h].n_labels;
  if (!ok)
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "the model's heads (%s %d classes, %s %d) are not the dataset's "
        "(%s %d classes, %s %d)", e->meta.heads[0].name,
        e->meta.heads[0].n_labels, e->meta.n_heads > 1 ?
        e->meta.heads[1].name : "-", e->meta.n_heads > 1 ?
        e->meta.heads[1].n_labels : 0, e->info.heads[0], e->info.n_labels[0],
        e->info.n_heads > 1 ? e->info.heads[1] : "-",
        e->info.n_heads > 1 ? e->info.n_labels[1] : 0);
  return ok;
}

/* The first frame: the stream's dataset event and frame size. */
static gboolean
start_collecting (Eval * e, GstAppSink * sink, GstSample * sample,
    GError ** error)
{
  GstPad *pad = gst_element_get_static_pad (GST_ELEMENT (sink), "sink");
  GstEvent *ev = gst_pad_get_sticky_event (pad,
      GST_EVENT_CUSTOM_DOWNSTREAM_STICKY, 0);
  GstVideoInfo vinfo;
  gboolean ok = ev && gst_video_info_from_caps (&vinfo,
      gst_sample_get_caps (sample));
  gst_object_unref (pad);
  if (!ok)
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "the source gave no dataset description");
  else
    ok = e->have_info = ego_dataset_info_parse (&e->info,
        gst_event_get_structure (ev), error);
  if (ev)
    gst_event_unref (ev);
  if (ok)
    ok = check_heads (e, error);
  if (ok)
    e->collector = ego_clip_collector_new (&e->info, &vinfo, 1, NULL, FALSE,
        g_strcmp0 (e->meta.modality, "rgbflow") == 0, error);
  return ok && e->collector != NULL;
}

static gboolean
bus_error (GstElement * pipeline, GError ** error)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  gst_object_unref (bus);
  if (msg == NULL)
    return FALSE;
  gst_message_parse_error (msg, error, NULL);
  gst_message_unref (msg);
  return TRUE;
}

/* Runs the source to the end into the clip cache. */
static gboolean
collect (Eval * e, GstElement * pipeline, GstElement * sink, GError ** error)
{
  gboolean ok = TRUE;
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    /* the source's own error comes first on the bus */
    if (!bus_error (pipeline, error))
      g_set_error (error, EGO_ERROR, EGO_ERROR_IO, "cannot start decoding");
    gst_element_set_state (pipeline, GST_STATE_NULL);
    return FALSE;
  }
  while (ok) {
    GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        100 * GST_MSECOND);
    if (sample == NULL) {
      if (bus_error (pipeline, error))
        ok = FALSE;
      else if (gst_app_sink_is_eos (GST_APP_SINK (sink)))
        break;
      continue;
    }
    if (e->collector == NULL)
      ok = start_collecting (e, GST_APP_SINK (sink), sample, error);
    if (ok)
      ok = ego_clip_collector_add (e->collector, gst_sample_get_buffer
          (sample), error);
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (ok && e->collector == NULL) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "the split has no "
        "clips");
    return FALSE;
  }
  return ok && ego_clip_collector_check_complete (e->collector, error);
}

/* ------------------------------------------------------------------------ */
/* Output */


/* Figures with as many decimals as they mean (json-glib would print every
 * digit of the double). */
static void
print_json (const Eval * e, const EgoEvalResult * r)
{
  GString *out = g_string_new ("{");
  gchar num[G_ASCII_DTOSTR_BUF_SIZE];
  for (gint h = 0; h < r->n_heads; h++) {
    gchar *name = ego_json_quote (e->meta.heads[h].name);
    g_string_append_printf (out, "%s: {\"top1\": %s", name,
        g_ascii_formatd (num, sizeof (num), "%.3f", r->top1[h]));
    g_string_append_printf (out, ", \"top5\": %s",
        g_ascii_formatd (num, sizeof (num), "%.3f", r->top5[h]));
    g_string_append_printf (out, ", \"ece\": %s}, ",
        g_ascii_formatd (num, sizeof (num), "%.3f", r->ece[h]));
    g_free (name);
  }
  if (r->action_top1 >= 0 && ego_model_meta_head (&e->meta, "verb") >= 0
      && ego_model_meta_head (&e->meta, "noun") >= 0)
    g_string_append_printf (out, "\"action_top1\": %s, ",
        g_ascii_formatd (num, sizeof (num), "%.3f", r->action_top1));
  g_string_append_printf (out, "\"clips\": %d, \"gflops_per_view\": %s",
      r->clips, g_ascii_formatd (num, sizeof (num), "%.4g",
          r->gflops_per_view));
  if (e->flow_gflops > 0)
    g_string_append_printf (out, ", \"flow_gflops_per_view\": %s",
        g_ascii_formatd (num, sizeof (num), "%.4g", e->flow_gflops));
  ego_pairs_append_json (out, &e->pairs, &e->meta, r);
  g_string_append_c (out, '}');
  g_print ("%s\n", out->str);
  g_string_free (out, TRUE);
}

static void
print_table (const Eval * e, const EgoEvalResult * r, const Options * o)
{
  g_print ("%d clips of %s, %dx%d views, %.3f GFLOPs per view\n", r->clips,
      o->split, e->n_clips, e->n_crops, r->gflops_per_view);
  if (e->flow_gflops > 0)
    g_print ("and %.3f GFLOPs per view for the optical flow\n",
        e->flow_gflops);
  g_print ("%-8s %7s %7s %7s\n", "head", "top-1", "top-5", "ECE");
  for (gint h = 0; h < r->n_heads; h++)
    g_print ("%-8s %6.1f%% %6.1f%% %6.1f%%\n", e->meta.heads[h].name,
        r->top1[h], r->top5[h], r->ece[h]);
  if (r->action_top1 >= 0)
    g_print ("%-8s %6.1f%%\n", "action", r->action_top1);
  ego_pairs_print (&e->pairs, &e->meta, r);
}

static gboolean
write_logits (const Eval * e, const EgoEvalResult * r, const gchar * path,
    GError ** error)
{
  GString *out = g_string_new (NULL);
  gboolean ok;
  for (gint i = 0; i < r->clips; i++) {
    g_string_append_printf (out, "{\"narration_id\": \"%s\"",
        ego_clip_collector_narration (e->collector, 0, i));
    for (gint h = 0; h < r->n_heads; h++) {
      gint k = e->meta.heads[h].n_labels;
      gchar *name = ego_json_quote (e->meta.heads[h].name);
      g_string_append_printf (out, ", %s: [", name);
      g_free (name);
      for (gint c = 0; c < k; c++) {
        gchar num[G_ASCII_DTOSTR_BUF_SIZE];
        /* shortest text that reads back as the same float */
        g_ascii_formatd (num, sizeof (num), "%.9g",
            r->logits[h][(gsize) i * k + c]);
        g_string_append_printf (out, "%s%s", c ? ", " : "", num);
      }
      g_string_append_c (out, ']');
    }
    g_string_append (out, "}\n");
  }
  ok = g_file_set_contents (path, out->str, (gssize) out->len, error);
  g_string_free (out, TRUE);
  return ok;
}

/* One CSV row per head and (true, predicted) pair seen, by class key (a
 * model's keys may hold commas or quotes: quoted as the CSV reader reads
 * them). */
static gboolean
write_confusion (const Eval * e, const EgoEvalResult * r, const gchar * path,
    GError ** error)
{
  GString *out = g_string_new ("head,true_class,predicted_class,clips\n");
  gboolean ok;
  for (gint h = 0; h < r->n_heads; h++) {
    const EgoHeadMeta *head = &e->meta.heads[h];
    gint k = head->n_labels, *m = g_new0 (gint, k * k);
    ego_confusion_add (r->logits[h], r->labels[h], r->clips, k, m);
    for (gint t = 0; t < k; t++)
      for (gint p = 0; p < k; p++)
        if (m[t * k + p] > 0) {
          ego_csv_append_field (out, head->name);
          g_string_append_c (out, ',');
          ego_csv_append_field (out, head->labels[t]);
          g_string_append_c (out, ',');
          ego_csv_append_field (out, head->labels[p]);
          g_string_append_printf (out, ",%d\n", m[t * k + p]);
        }
    g_free (m);
  }
  ok = g_file_set_contents (path, out->str, (gssize) out->len, error);
  g_string_free (out, TRUE);
  return ok;
}

/* egoflow's operations for the frames of one view, at the cached size,
 * with its default settings (those egodatasetsrc runs it with). */
static gdouble
flow_gflops (const Eval * e)
{
  const EgoClipCacheSpec *spec =
      ego_clip_cache_spec (ego_clip_collector_cache (e->collector, 0));
  EgoFlowParams params;
  EgoFlow *flow;
  gdouble gflops;
  ego_flow_params_init (&params);
  flow = ego_flow_new (spec->width, spec->height, &params, NULL);
  if (flow == NULL)
    return 0.0;
  gflops = ego_flow_gflops (flow) * spec->segments;
  ego_flow_free (flow);
  return gflops;
}

/* ------------------------------------------------------------------------ */

static gboolean
load_model (const Options * o, Eval * e, GError ** error)
{
  if (o->views && !parse_views (o->views, &e->n_clips, &e->n_crops)) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "--views %s: give "
        "CxK with C from 1 to 15 clips and K 1 or 3 crops", o->views);
    return FALSE;
  }
  e->net = ego_net_load (o->model, &e->meta, error);
  /* the frames of these modalities are made by egodatasetsrc; a layout
   * network is evaluated by ego-layout */
  if (e->net && g_strcmp0 (e->meta.modality, "rgb") != 0
      && g_strcmp0 (e->meta.modality, "flow") != 0
      && g_strcmp0 (e->meta.modality, "audio") != 0
      && g_strcmp0 (e->meta.modality, "rgbflow") != 0) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_UNSUPPORTED,
        "%s: a %s model; ego-eval evaluates rgb, flow, audio and rgbflow "
        "networks", o->model, e->meta.modality);
    return FALSE;
  }
  if (e->net == NULL
      || !ego_pairs_parse (o->pairs, &e->meta, &e->pairs, error))
    return FALSE;
  e->pairs.noun_by_verb = o->noun_by_verb;
  return TRUE;
}

/* An output file's folder, checked before the evaluation rather than
 * after it */
static gboolean
can_write (const gchar * path, const gchar * option, GError ** error)
{
  gchar *dir = path ? g_path_get_dirname (path) : NULL;
  gboolean ok = path == NULL || (g_file_test (dir, G_FILE_TEST_IS_DIR)
      && g_access (dir, W_OK) == 0);
  if (!ok)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ACCES, "%s %s: cannot "
        "write in %s (no such folder, or not writable)", option, path, dir);
  g_free (dir);
  return ok;
}

static gboolean
evaluate (const Options * o, Eval * e, GError ** error)
{
  GstElement *sink = NULL, *pipeline;
  EgoEvalResult r;
  gboolean ok;
  if (!can_write (o->logits, "--logits", error)
      || !can_write (o->confusion, "--confusion", error))
    return FALSE;
  ego_set_num_threads (o->threads ? o->threads :
      (gint) g_get_num_processors ());
  pipeline = build (o, e, &sink);
  if (pipeline == NULL)
    return FALSE;
  ok = collect (e, pipeline, sink, error)
      && ego_evaluate (e->net, &e->meta, ego_clip_collector_cache
      (e->collector, 0), e->n_clips, e->n_crops, &r, error);
  gst_object_unref (pipeline);
  if (!ok)
    return FALSE;
  if (g_strcmp0 (e->meta.modality, "flow") == 0
      || g_strcmp0 (e->meta.modality, "rgbflow") == 0)
    e->flow_gflops = flow_gflops (e);
  if (o->json)
    print_json (e, &r);
  else
    print_table (e, &r, o);
  ok = (o->logits == NULL || write_logits (e, &r, o->logits, error))
      && (o->confusion == NULL || write_confusion (e, &r, o->confusion,
          error));
  ego_eval_result_clear (&r);
  return ok;
}

int
main (int argc, char **argv)
{
  Options o = { 0 };
  Eval e = { 0 };
  GError *error = NULL;
  gboolean ok;
  ego_tool_init_locale ();
  e.n_clips = e.n_crops = 1;
  if (!parse_options (&argc, &argv, &o))
    return 2;
  if (o.split == NULL)
    o.split = g_strdup ("validation");
  ok = load_model (&o, &e, &error) && evaluate (&o, &e, &error);
  if (!ok && error)
    g_printerr ("ego-eval: %s\n", error->message);
  g_clear_error (&error);
  ego_clip_collector_free (e.collector);
  if (e.have_info)
    ego_dataset_info_clear (&e.info);
  ego_net_free (e.net);
  ego_model_meta_clear (&e.meta);
  g_free (o.model);
  g_free (o.data);
  g_free (o.split);
  g_free (o.views);
  g_free (o.logits);
  g_free (o.confusion);
  g_free (o.pairs);
  return ok ? 0 : 1;
}
