/* ego-bench-element: the cost of the egoaction element on this machine.
 *
 *   ego-bench-element [--model FILE] [--save FILE] [--frames N]
 *                     [--rounds N] [--iterations N] [--json]
 *
 * Runs, in rounds that visit every measurement in turn (so that a
 * neighbour's burst on a shared machine slows the peers alike):
 *  - appsrc ! egoaction stride=1 frame-step=1 ! fakesink sync=false and the
 *    same pipeline with identity in its place, at 320x240 and at 1920x1080
 *    RGB. appsrc holds pre-made buffers, all queued before the pipeline
 *    plays, so that the source costs next to nothing. Probes on the measured
 *    element's pads time every buffer: the pipeline's time per frame (from
 *    one buffer leaving the element to the next), the element's own time
 *    per buffer and, read from egoaction's "stats" after every buffer, the
 *    part of it the network took;
 *  - the network's streaming forward of one frame (EgoNetStream push) alone;
 *  - the resize and normalisation of one frame (ego_preprocess_rgb) alone.
 * Every figure is a median over the frames after a warm-up; each keeps its
 * fastest round.
 *
 * Without --model it benchmarks the default student (ego_net_config_default)
 * with random weights, T = 8, frame step 1, and heads of 10 and 8 classes,
 * written to --save FILE (or a temporary file) for the element and for the
 * PyTorch peer (models/reference/bench_windows_torch.py). The --json output
 * carries the window logits of a fixed clip of T frames (frame k:
 * x[i] = ((i * 7919 + k * 104729) % 1000) / 500 - 1, a fresh stream), so
 * that the peer can check it runs the very same weights.
 *
 * The plugin is found through GST_PLUGIN_PATH (pipelines/bench-element.sh
 * points it at the build's elements/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "preprocess.h"
#include "tsmnet.h"

#define DEFAULT_FRAMES 300
#define DEFAULT_ROUNDS 3
#define DEFAULT_ITERATIONS 200
#define DISTINCT_FRAMES 8       /* 1080p: 50 MB, more than the caches hold */
#define FPS 30
#define PIPELINE_TIMEOUT (300 * GST_SECOND)

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* median of t[0..n), which it sorts */
static double
median (double *t, int n)
{
  if (n < 1)
    return 0.0;
  qsort (t, n, sizeof (double), cmp_double);
  return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

/* ------------------------------------------------------------------------ */
/* The model */

/* The default student with random weights and the metadata a model file
 * needs (as pipelines/ego-bench.c makes it). */
static EgoNet *
default_net (EgoModelMeta * meta, GError ** error)
{
  static const char *heads[] = { "verb", "noun" };
  static const int classes[] = { 10, 8 };
  EgoNetConfig cfg;
  ego_net_config_default (&cfg);
  cfg.n_heads = 2;
  memset (meta, 0, sizeof (*meta));
  meta->format = EGO_META_FORMAT;
  meta->kind = g_strdup ("student");
  meta->modality = g_strdup ("rgb");
  meta->width = cfg.width;
  meta->height = cfg.height;
  meta->channels = cfg.in_channels;
  for (int c = 0; c < cfg.in_channels; c++) {
    meta->mean[c] = 0.45f;
    meta->std[c] = 0.225f;
  }
  meta->frames = 8;
  meta->frame_step = 1;
  meta->temperature = 1.0;
  meta->n_heads = 2;
  for (int h = 0; h < 2; h++) {
    cfg.classes[h] = classes[h];
    meta->heads[h].name = g_strdup (heads[h]);
    meta->heads[h].n_labels = classes[h];
    meta->heads[h].labels = g_new0 (char *, classes[h] + 1);
    for (int i = 0; i < classes[h]; i++)
      meta->heads[h].labels[i] = g_strdup_printf ("%s%d", heads[h], i);
  }
  return ego_net_new (&cfg, 1, error);
}

/* Writes the default student to path. */
static gboolean
save_default_model (const char *path, GError ** error)
{
  EgoModelMeta meta;
  EgoNet *net = default_net (&meta, error);
  gboolean ok = net != NULL && ego_net_save (net, &meta, path, error);
  ego_net_free (net);
  ego_model_meta_clear (&meta);
  return ok;
}

/* Window logits (mean over the T frames of a fresh stream) of the clip
 * described at the top of the file, per head. */
static gboolean
check_window_logits (EgoNet * net, int frames, float **out, GError ** error)
{
  const EgoNetConfig *cfg = ego_net_config (net);
  size_t n = (size_t) cfg->in_channels * cfg->height * cfg->width;
  EgoNetStream *s = ego_net_stream_new (net, error);
  float *x = g_new (float, n);
  if (s == NULL) {
    g_free (x);
    return FALSE;
  }
  for (int h = 0; h < cfg->n_heads; h++)
    out[h] = g_new0 (float, cfg->classes[h]);
  for (int k = 0; k < frames; k++) {
    float *logits[EGO_MAX_HEADS];
    for (size_t i = 0; i < n; i++)
      x[i] = (float) ((i * 7919 + (size_t) k * 104729) % 1000) / 500.0f - 1;
    ego_net_stream_push (s, x, logits);
    for (int h = 0; h < cfg->n_heads; h++)
      for (int c = 0; c < cfg->classes[h]; c++)
        out[h][c] += logits[h][c] / (float) frames;
  }
  ego_net_stream_free (s);
  g_free (x);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Input frames */

/* DISTINCT_FRAMES packed RGB frames of one size, as a camera would send
 * them (different content each, so the element never reads a frame that is
 * still in the caches from the last time), and the network's input made
 * from each by the element's own preprocessing. */
typedef struct
{
  int width, height, stride;
  GstCaps *caps;
  GstBuffer *buf[DISTINCT_FRAMES];
  EgoResizePlan plan;
  float *input[DISTINCT_FRAMES];        /* (3, H, W) */
} Frames;

static void
fill_frame (guint8 * p, int width, int height, int stride, int k)
{
  guint32 noise = 2166136261u + (guint32) k;
  for (int y = 0; y < height; y++) {
    guint8 *row = p + (size_t) y * stride;
    for (int x = 0; x < width * 3; x++) {
      noise = noise * 1664525u + 1013904223u;
      row[x] = (guint8) (x / 3 + y * 2 + k * 37 + (x % 3) * 80 + (noise >> 28));
    }
  }
}

static gboolean
frames_init (Frames * f, int width, int height, const EgoModelMeta * meta,
    GError ** error)
{
  GstVideoInfo info;
  memset (f, 0, sizeof (*f));
  f->width = width;
  f->height = height;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, width, height);
  GST_VIDEO_INFO_FPS_N (&info) = FPS;
  GST_VIDEO_INFO_FPS_D (&info) = 1;
  f->stride = GST_VIDEO_INFO_PLANE_STRIDE (&info, 0);
  f->caps = gst_video_info_to_caps (&info);
  if (!ego_resize_plan_init (&f->plan, width, height, meta->width,
          meta->height, 0, 1, 3, error))
    return FALSE;
  for (int k = 0; k < DISTINCT_FRAMES; k++) {
    GstMapInfo map;
    f->buf[k] = gst_buffer_new_allocate (NULL, info.size, NULL);
    gst_buffer_map (f->buf[k], &map, GST_MAP_WRITE);
    fill_frame (map.data, width, height, f->stride, k);
    f->input[k] = g_new (float, 3 * (size_t) meta->width * meta->height);
    ego_preprocess_rgb (&f->plan, map.data, f->stride, 0, 1, 2, meta->mean,
        meta->std, f->input[k]);
    gst_buffer_unmap (f->buf[k], &map);
  }
  return TRUE;
}

static void
frames_clear (Frames * f)
{
  for (int k = 0; k < DISTINCT_FRAMES; k++) {
    if (f->buf[k])
      gst_buffer_unref (f->buf[k]);
    g_free (f->input[k]);
  }
  if (f->caps)
    gst_caps_unref (f->caps);
  ego_resize_plan_clear (&f->plan);
}

/* ------------------------------------------------------------------------ */
/* Pipelines */

/* What the probes on the measured element's pads record, per buffer. */
typedef struct
{
  GstElement *element;
  gboolean read_stats;          /* egoaction: keep its inference time */
  guint n, max;
  double *t_in, *t_out;         /* when each buffer enters and leaves */
  double *infer;                /* inference seconds so far, after each */
  guint messages;               /* egoaction results on the bus */
} PadTimes;

/* Figures of one pipeline run, medians over the frames after the warm-up,
 * in seconds per frame. */
typedef struct
{
  double frame;                 /* the whole pipeline, buffer to buffer */
  double element;               /* in the measured element */
  double network;               /* of that, the network (egoaction) */
  double rest;                  /* of that, everything else (egoaction) */
  guint64 windows;              /* results made (egoaction) */
  guint messages;
} RunResult;

static GstPadProbeReturn
probe_in (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  PadTimes *p = data;
  if (p->n < p->max)
    p->t_in[p->n] = now_s ();
  return GST_PAD_PROBE_OK;
}

/* The element's total inference time so far: its stats hold the mean over
 * the sampled frames. Reading them costs a few microseconds, which count
 * against egoaction in the pipeline's time per frame. */
static double
inference_so_far (GstElement * element)
{
  GstStructure *s = NULL;
  double mean_ms = 0.0;
  guint64 sampled = 0;
  g_object_get (element, "stats", &s, NULL);
  gst_structure_get_double (s, "mean-inference-ms", &mean_ms);
  gst_structure_get_uint64 (s, "sampled-frames", &sampled);
  gst_structure_free (s);
  return mean_ms * 1e-3 * (double) sampled;
}

static GstPadProbeReturn
probe_out (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  PadTimes *p = data;
  if (p->n >= p->max)
    return GST_PAD_PROBE_OK;
  p->t_out[p->n] = now_s ();
  if (p->read_stats)
    p->infer[p->n] = inference_so_far (p->element);
  p->n++;
  return GST_PAD_PROBE_OK;
}

/* Results are counted and dropped: nobody reads this bus's messages. */
static GstBusSyncReply
bus_sync (GstBus * bus, GstMessage * msg, gpointer data)
{
  PadTimes *p = data;
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
      && gst_message_has_name (msg, "egoaction")) {
    p->messages++;
    gst_message_unref (msg);
    return GST_BUS_DROP;
  }
  return GST_BUS_PASS;
}

static void
add_probe (GstElement * element, const char *pad_name,
    GstPadProbeCallback cb, PadTimes * p)
{
  GstPad *pad = gst_element_get_static_pad (element, pad_name);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, cb, p, NULL);
  gst_object_unref (pad);
}

/* appsrc ! factory ! fakesink, with probes around the middle element. */
static GstElement *
build_pipeline (const char *factory, const char *model, const Frames * f,
    PadTimes * p, GError ** error)
{
  GstElement *pipe = gst_pipeline_new ("bench");
  GstElement *src = gst_element_factory_make ("appsrc", "src");
  GstElement *el = gst_element_factory_make (factory, "measured");
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstBus *bus;
  if (src == NULL || el == NULL || sink == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "no element \"%s\" (does GST_PLUGIN_PATH name the build's "
        "elements/ folder?)", el == NULL ? factory : "appsrc or fakesink");
    gst_clear_object (&src);
    gst_clear_object (&el);
    gst_clear_object (&sink);
    gst_object_unref (pipe);
    return NULL;
  }
  g_object_set (src, "caps", f->caps, "format", GST_FORMAT_TIME,
      "max-bytes", (guint64) 0, NULL);
  g_object_set (sink, "sync", FALSE, NULL);
  if (g_str_equal (factory, "egoaction"))
    g_object_set (el, "model", model, "stride", 1, "frame-step", 1, NULL);
  gst_bin_add_many (GST_BIN (pipe), src, el, sink, NULL);
  gst_element_link_many (src, el, sink, NULL);
  p->element = el;
  add_probe (el, "sink", probe_in, p);
  add_probe (el, "src", probe_out, p);
  bus = gst_element_get_bus (pipe);
  gst_bus_set_sync_handler (bus, bus_sync, p, NULL);
  gst_object_unref (bus);
  return pipe;
}

/* Queues n frames and EOS, plays, and waits for the end. */
static gboolean
play (GstElement * pipe, const Frames * f, guint n, GError ** error)
{
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *msg;
  GstStateChangeReturn paused;
  gboolean ok = FALSE;
  /* once paused, egoaction has loaded its model: no frame's time has it */
  paused = gst_element_set_state (pipe, GST_STATE_PAUSED);
  if (paused != GST_STATE_CHANGE_FAILURE) {
    for (guint i = 0; i < n; i++) {
      /* a new buffer sharing the frame's memory, writable as a source's */
      GstBuffer *buf = gst_buffer_copy (f->buf[i % DISTINCT_FRAMES]);
      GST_BUFFER_PTS (buf) = gst_util_uint64_scale (i, GST_SECOND, FPS);
      GST_BUFFER_DURATION (buf) = GST_SECOND / FPS;
      gst_app_src_push_buffer (GST_APP_SRC (src), buf);
    }
    gst_app_src_end_of_stream (GST_APP_SRC (src));
    gst_element_set_state (pipe, GST_STATE_PLAYING);
  }
  msg = gst_bus_timed_pop_filtered (bus, PIPELINE_TIMEOUT,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    ok = TRUE;
  } else if (msg != NULL) {
    GError *e = NULL;
    gst_message_parse_error (msg, &e, NULL);
    g_propagate_error (error, e);
  } else {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
        "the pipeline did not finish");
  }
  if (msg)
    gst_message_unref (msg);
  gst_object_unref (bus);
  gst_object_unref (src);
  return ok;
}

/* Medians over the buffers after the first warm ones. */
static void
summarize_run (const PadTimes * p, guint warm, RunResult * r)
{
  int m = 0;
  double *frame = g_new (double, p->n), *element = g_new (double, p->n);
  double *network = g_new (double, p->n), *rest = g_new (double, p->n);
  for (guint i = MAX (warm, 1); i < p->n; i++, m++) {
    frame[m] = p->t_out[i] - p->t_out[i - 1];
    element[m] = p->t_out[i] - p->t_in[i];
    network[m] = p->read_stats ? p->infer[i] - p->infer[i - 1] : 0.0;
    rest[m] = element[m] - network[m];
  }
  r->frame = median (frame, m);
  r->element = median (element, m);
  r->network = median (network, m);
  r->rest = median (rest, m);
  r->messages = p->messages;
  g_free (frame);
  g_free (element);
  g_free (network);
  g_free (rest);
}

static gboolean
run_pipeline (const char *factory, const char *model, const Frames * f,
    guint n, guint warm, RunResult * r, GError ** error)
{
  PadTimes p = { 0 };
  GstElement *pipe;
  gboolean ok;
  p.max = n;
  p.read_stats = g_str_equal (factory, "egoaction");
  p.t_in = g_new0 (double, n);
  p.t_out = g_new0 (double, n);
  p.infer = g_new0 (double, n);
  pipe = build_pipeline (factory, model, f, &p, error);
  ok = pipe != NULL && play (pipe, f, n, error);
  if (ok && p.n != n) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "%s passed %u of %u frames", factory, p.n, n);
    ok = FALSE;
  }
  if (ok) {
    summarize_run (&p, warm, r);
    r->windows = 0;
    if (p.read_stats) {
      GstStructure *s = NULL;
      g_object_get (p.element, "stats", &s, NULL);
      gst_structure_get_uint64 (s, "windows", &r->windows);
      gst_structure_free (s);
    }
  }
  if (pipe) {
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (pipe);
  }
  g_free (p.t_in);
  g_free (p.t_out);
  g_free (p.infer);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* The network and the preprocessing alone */

/* Median seconds of one EgoNetStream push, cycling through the frames'
 * inputs as the element feeds them. */
static double
time_stream (EgoNetStream * s, const Frames * f, int iters, int warm)
{
  double *t = g_new (double, iters), m;
  float *logits[EGO_MAX_HEADS];
  for (int i = 0; i < warm; i++)
    ego_net_stream_push (s, f->input[i % DISTINCT_FRAMES], logits);
  for (int i = 0; i < iters; i++) {
    double t0 = now_s ();
    ego_net_stream_push (s, f->input[i % DISTINCT_FRAMES], logits);
    t[i] = now_s () - t0;
  }
  m = median (t, iters);
  g_free (t);
  return m;
}

/* Median seconds of preprocessing one frame (scale, crop, normalise), on a
 * different frame each time, as the element does. */
static double
time_preprocess (const Frames * f, const EgoModelMeta * meta, int iters)
{
  double *t = g_new (double, iters), m;
  float *out = g_new (float, 3 * (size_t) meta->width * meta->height);
  for (int i = 0; i < iters + 3; i++) {
    GstMapInfo map;
    double t0;
    gst_buffer_map (f->buf[i % DISTINCT_FRAMES], &map, GST_MAP_READ);
    t0 = now_s ();
    ego_preprocess_rgb (&f->plan, map.data, f->stride, 0, 1, 2, meta->mean,
        meta->std, out);
    if (i >= 3)
      t[i - 3] = now_s () - t0;
    gst_buffer_unmap (f->buf[i % DISTINCT_FRAMES], &map);
  }
  m = median (t, iters);
  g_free (out);
  g_free (t);
  return m;
}

/* ------------------------------------------------------------------------ */
/* The rounds */

#define N_SIZES 2

typedef struct
{
  RunResult identity, ego;
  double preprocess;
} SizeResult;

typedef struct
{
  const char *model;
  EgoModelMeta meta;
  guint frames, rounds;
  int iterations;
  Frames sizes[N_SIZES];
  SizeResult best[N_SIZES];     /* each figure's fastest round */
  double stream;                /* EgoNetStream push, fastest round */
  float *check[EGO_MAX_HEADS];
} Bench;

static void
keep_best_run (RunResult * best, const RunResult * r, gboolean first)
{
  if (first) {
    *best = *r;
    return;
  }
  best->frame = MIN (best->frame, r->frame);
  best->element = MIN (best->element, r->element);
  best->network = MIN (best->network, r->network);
  best->rest = MIN (best->rest, r->rest);
}

/* One round: for every size identity then egoaction, then the network and
 * the preprocessing alone. */
static gboolean
run_round (Bench * b, EgoNetStream * stream, gboolean first, GError ** error)
{
  guint warm = 2 * (guint) b->meta.frames + 8;
  double t;
  for (int s = 0; s < N_SIZES; s++) {
    const Frames *f = &b->sizes[s];
    SizeResult *best = &b->best[s];
    RunResult id, ego;
    if (!run_pipeline ("identity", b->model, f, b->frames, warm, &id, error)
        || !run_pipeline ("egoaction", b->model, f, b->frames, warm, &ego,
            error))
      return FALSE;
    keep_best_run (&best->identity, &id, first);
    keep_best_run (&best->ego, &ego, first);
    t = time_preprocess (f, &b->meta, b->iterations);
    best->preprocess = first ? t : MIN (best->preprocess, t);
  }
  ego_net_stream_reset (stream);
  t = time_stream (stream, &b->sizes[0], b->iterations, 2 * b->meta.frames);
  b->stream = first ? t : MIN (b->stream, t);
  return TRUE;
}

static gboolean
run_bench (Bench * b, GError ** error)
{
  static const int size[N_SIZES][2] = { {320, 240}, {1920, 1080} };
  EgoNet *net = ego_net_load (b->model, &b->meta, error);
  EgoNetStream *stream = NULL;
  gboolean ok = net != NULL && ego_net_prepare_inference (net, error);
  if (ok)
    ok = check_window_logits (net, b->meta.frames, b->check, error);
  if (ok)
    stream = ego_net_stream_new (net, error);
  ok = ok && stream != NULL;
  for (int s = 0; ok && s < N_SIZES; s++)
    ok = frames_init (&b->sizes[s], size[s][0], size[s][1], &b->meta, error);
  for (guint r = 0; ok && r < b->rounds; r++)
    ok = run_round (b, stream, r == 0, error);
  for (int s = 0; s < N_SIZES; s++)
    frames_clear (&b->sizes[s]);
  ego_net_stream_free (stream);
  ego_net_free (net);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Report */

static void
print_text (const Bench * b)
{
  printf ("ego-bench-element: %s, T = %d, stride 1, %u frames per run, "
      "fastest of %u rounds (medians over the frames, ms)\n", b->model,
      b->meta.frames, b->frames, b->rounds);
  printf ("  network alone, one frame (EgoNetStream push): %.3f\n",
      b->stream * 1e3);
  for (int s = 0; s < N_SIZES; s++) {
    const SizeResult *r = &b->best[s];
    printf ("  %dx%d RGB: pipeline per frame identity %.3f, egoaction %.3f "
        "(difference %.3f)\n    in egoaction per buffer %.3f: network %.3f, "
        "the rest %.3f (resize and normalise alone %.3f); %" G_GUINT64_FORMAT
        " results\n", b->sizes[s].width, b->sizes[s].height,
        r->identity.frame * 1e3, r->ego.frame * 1e3,
        (r->ego.frame - r->identity.frame) * 1e3, r->ego.element * 1e3,
        r->ego.network * 1e3, r->ego.rest * 1e3, r->preprocess * 1e3,
        r->ego.windows);
  }
}

static void
json_ms (JsonBuilder * j, const char *member, double seconds)
{
  json_builder_set_member_name (j, member);
  json_builder_add_double_value (j, seconds * 1e3);
}

static void
json_run (JsonBuilder * j, const char *member, const RunResult * r)
{
  json_builder_set_member_name (j, member);
  json_builder_begin_object (j);
  json_ms (j, "frame_ms", r->frame);
  json_ms (j, "element_ms", r->element);
  json_ms (j, "network_ms", r->network);
  json_ms (j, "rest_ms", r->rest);
  json_builder_set_member_name (j, "results");
  json_builder_add_int_value (j, (gint64) r->windows);
  json_builder_set_member_name (j, "messages");
  json_builder_add_int_value (j, r->messages);
  json_builder_end_object (j);
}

static void
json_sizes (JsonBuilder * j, const Bench * b)
{
  json_builder_set_member_name (j, "sizes");
  json_builder_begin_array (j);
  for (int s = 0; s < N_SIZES; s++) {
    json_builder_begin_object (j);
    json_builder_set_member_name (j, "width");
    json_builder_add_int_value (j, b->sizes[s].width);
    json_builder_set_member_name (j, "height");
    json_builder_add_int_value (j, b->sizes[s].height);
    json_run (j, "identity", &b->best[s].identity);
    json_run (j, "egoaction", &b->best[s].ego);
    json_ms (j, "preprocess_ms", b->best[s].preprocess);
    json_builder_end_object (j);
  }
  json_builder_end_array (j);
}

static void
print_json (const Bench * b)
{
  JsonBuilder *j = json_builder_new ();
  JsonNode *root;
  char *text;
  json_builder_begin_object (j);
  json_builder_set_member_name (j, "model");
  json_builder_add_string_value (j, b->model);
  json_builder_set_member_name (j, "window_frames");
  json_builder_add_int_value (j, b->meta.frames);
  json_builder_set_member_name (j, "frames");
  json_builder_add_int_value (j, b->frames);
  json_builder_set_member_name (j, "rounds");
  json_builder_add_int_value (j, b->rounds);
  json_ms (j, "stream_ms", b->stream);
  json_sizes (j, b);
  json_builder_set_member_name (j, "check_window_logits");
  json_builder_begin_array (j);
  for (int h = 0; h < b->meta.n_heads; h++) {
    json_builder_begin_array (j);
    for (int i = 0; i < b->meta.heads[h].n_labels; i++)
      json_builder_add_double_value (j, b->check[h][i]);
    json_builder_end_array (j);
  }
  json_builder_end_array (j);
  json_builder_end_object (j);
  root = json_builder_get_root (j);
  text = json_to_string (root, TRUE);
  printf ("%s\n", text);
  g_free (text);
  json_node_unref (root);
  g_object_unref (j);
}

/* ------------------------------------------------------------------------ */

static char *opt_model = NULL;
static char *opt_save = NULL;
static int opt_frames = DEFAULT_FRAMES;
static int opt_rounds = DEFAULT_ROUNDS;
static int opt_iterations = DEFAULT_ITERATIONS;
static gboolean opt_json = FALSE;

static const GOptionEntry entries[] = {
  {"model", 'm', 0, G_OPTION_ARG_FILENAME, &opt_model,
      "Model file to benchmark (default: the default student, random "
        "weights, T = 8, heads of 10 and 8 classes)", "FILE"},
  {"save", 's', 0, G_OPTION_ARG_FILENAME, &opt_save,
      "Write the default student to FILE and keep it", "FILE"},
  {"frames", 'f', 0, G_OPTION_ARG_INT, &opt_frames,
      "Frames per pipeline run (default 300)", "N"},
  {"rounds", 'r', 0, G_OPTION_ARG_INT, &opt_rounds,
      "Rounds over all measurements (default 3)", "N"},
  {"iterations", 'n', 0, G_OPTION_ARG_INT, &opt_iterations,
      "Timed runs of the network and the preprocessing alone, per round "
        "(default 200)", "N"},
  {"json", 'j', 0, G_OPTION_ARG_NONE, &opt_json,
      "Print the results as JSON", NULL},
  {NULL, 0, 0, 0, NULL, NULL, NULL}
};

static gboolean
parse_options (int *argc, char ***argv, GError ** error)
{
  GOptionContext *ctx = g_option_context_new ("- benchmark the egoaction "
      "element");
  gboolean ok;
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, argc, argv, error);
  g_option_context_free (ctx);
  if (ok && (opt_frames < 64 || opt_frames > 100000 || opt_rounds < 1
          || opt_iterations < 1 || opt_iterations > 1000000)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--frames must be 64 to 100000, --rounds at least 1 and "
        "--iterations 1 to 1000000");
    ok = FALSE;
  }
  if (ok && opt_model && opt_save) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--save writes the default student; it does not go with --model");
    ok = FALSE;
  }
  return ok;
}

/* The model to benchmark: --model, or the default student written to
 * --save or to a temporary file (*temp, removed by the caller). */
static char *
model_path (char **temp, GError ** error)
{
  char *dir, *path;
  *temp = NULL;
  if (opt_model)
    return g_strdup (opt_model);
  if (opt_save)
    return save_default_model (opt_save, error) ? g_strdup (opt_save) : NULL;
  dir = g_dir_make_tmp ("ego-bench-element-XXXXXX", error);
  if (dir == NULL)
    return NULL;
  path = g_build_filename (dir, "student.safetensors", NULL);
  if (!save_default_model (path, error)) {
    g_rmdir (dir);
    g_free (dir);
    g_free (path);
    return NULL;
  }
  *temp = dir;
  return path;
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  Bench b;
  char *temp = NULL, *path = NULL;
  gboolean ok;
  memset (&b, 0, sizeof (b));
  if (!parse_options (&argc, &argv, &error))
    goto failed;
  gst_init (NULL, NULL);
  /* one core, as the element runs by default */
  ego_set_num_threads (1);
  path = model_path (&temp, &error);
  if (path == NULL)
    goto failed;
  b.model = path;
  b.frames = (guint) opt_frames;
  b.rounds = (guint) opt_rounds;
  b.iterations = opt_iterations;
  ok = run_bench (&b, &error);
  if (ok && opt_json)
    print_json (&b);
  else if (ok)
    print_text (&b);
  ego_model_meta_clear (&b.meta);
  for (int h = 0; h < EGO_MAX_HEADS; h++)
    g_free (b.check[h]);
  if (temp) {
    g_unlink (path);
    g_rmdir (temp);
    g_free (temp);
  }
  g_free (path);
  if (!ok)
    goto failed;
  return 0;

  /* ERRORS */
failed:
  g_printerr ("ego-bench-element: %s\n", error->message);
  g_clear_error (&error);
  return 1;
}
