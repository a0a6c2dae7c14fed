/* ego-bench-flow: the accuracy and the cost of the optical flow of
 * models/flow.c on egosynthsrc's frames, against their true motion.
 *
 *   ego-bench-flow --out DIR [--width W] [--height H] [--pairs N]
 *                  [--seed S] [--synth PROPS] [--rounds N]
 *                  [--levels N] [--warps N]
 *                  [--outer N] [--sor N] [--alpha A] [--gamma G]
 *                  [--sigma S]
 *
 * Renders N + 1 frames of `egosynthsrc emit-flow=true PROPS` (default
 * settings otherwise, noise and lighting included) at W x H, turns them into grey levels
 * (BT.601 luma, rounded to 8 bits, so that OpenCV's methods can read the
 * very same frames) and writes to DIR:
 *   gray.u8     (N + 1, H, W) grey frames
 *   truth.f32   (N, 2, H, W) the true motion from frame i to frame i + 1
 *   egoflow.json  {"width", "height", "pairs", "levels", "epe", "ms"}
 * where epe is the mean end-point error over all pixels of all pairs and
 * ms the CPU time per pair of ego_flow_compute on one thread, the fastest
 * of the rounds. pipelines/bench-flow.sh runs it and the OpenCV peers
 * (models/reference/bench_flow_cv.py) on the same files.
 *
 * egosynthsrc is found through GST_PLUGIN_PATH.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <gst/app/gstappsink.h>
#include <gst/ego/ego.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "flow.h"

typedef struct
{
  gint width, height, pairs, seed, rounds;
  gchar *out, *synth;
  EgoFlowParams params;
} Options;

typedef struct
{
  guint8 *gray;                 /* (pairs + 1, H, W) */
  float *truth;                 /* (pairs, 2, H, W) */
} Frames;

/* this thread's CPU time: what neighbours on a shared machine take does not
 * count */
static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

static gboolean
parse_options (Options * o, int *argc, char ***argv)
{
  double alpha = o->params.alpha, gamma = o->params.gamma;
  double sigma = o->params.sigma;
  GOptionEntry entries[] = {
    {"out", 0, 0, G_OPTION_ARG_FILENAME, &o->out, "Output folder", "DIR"},
    {"width", 0, 0, G_OPTION_ARG_INT, &o->width, "Frame width (128)", "W"},
    {"height", 0, 0, G_OPTION_ARG_INT, &o->height, "Frame height (128)", "H"},
    {"pairs", 0, 0, G_OPTION_ARG_INT, &o->pairs, "Frame pairs (150)", "N"},
    {"seed", 0, 0, G_OPTION_ARG_INT, &o->seed, "egosynthsrc seed (1)", "S"},
    {"synth", 0, 0, G_OPTION_ARG_STRING, &o->synth,
        "More egosynthsrc properties (\"head-motion=1\")", "PROPS"},
    {"rounds", 0, 0, G_OPTION_ARG_INT, &o->rounds, "Timed rounds (3)", "N"},
    {"levels", 0, 0, G_OPTION_ARG_INT, &o->params.levels, "Levels", "N"},
    {"warps", 0, 0, G_OPTION_ARG_INT, &o->params.warps, "Warps", "N"},
    {"outer", 0, 0, G_OPTION_ARG_INT, &o->params.outer_iterations,
        "Re-weightings per warp", "N"},
    {"sor", 0, 0, G_OPTION_ARG_INT, &o->params.sor_iterations, "SOR sweeps",
        "N"},
    {"alpha", 0, 0, G_OPTION_ARG_DOUBLE, &alpha, "Smoothness", "A"},
    {"gamma", 0, 0, G_OPTION_ARG_DOUBLE, &gamma, "Gradient constancy", "G"},
    {"sigma", 0, 0, G_OPTION_ARG_DOUBLE, &sigma, "Pre-smoothing", "S"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- optical flow benchmark");
  GError *error = NULL;
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, argc, argv, &error);
  g_option_context_free (ctx);
  o->params.alpha = (float) alpha;
  o->params.gamma = (float) gamma;
  o->params.sigma = (float) sigma;
  if (ok && (o->out == NULL || o->width < 1 || o->height < 1 || o->pairs < 1
          || o->rounds < 1)) {
    g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--out is required; sizes, pairs and rounds must be positive");
    ok = FALSE;
  }
  if (!ok) {
    g_printerr ("ego-bench-flow: %s\n", error->message);
    g_error_free (error);
  }
  return ok;
}

/* one RGB frame to 8-bit grey, and its true motion into frames */
static gboolean
take_sample (GstSample * sample, const Options * o, Frames * fr, int k)
{
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GstEgoTruthMeta *m = gst_buffer_get_ego_truth_meta (buf);
  size_t n = (size_t) o->width * o->height;
  GstVideoInfo info;
  GstVideoFrame vf;

  if (!gst_video_info_from_caps (&info, gst_sample_get_caps (sample))
      || !gst_video_frame_map (&vf, &info, buf, GST_MAP_READ))
    return FALSE;
  for (int y = 0; y < o->height; y++) {
    const guint8 *p = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&vf, 0)
        + (size_t) y * GST_VIDEO_FRAME_PLANE_STRIDE (&vf, 0);
    for (int x = 0; x < o->width; x++, p += 3)
      fr->gray[k * n + (size_t) y * o->width + x] =
          (guint8) lrintf (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]);
  }
  gst_video_frame_unmap (&vf);
  if (k == 0)
    return TRUE;
  if (m == NULL || m->flow == NULL || (int) m->flow_width != o->width
      || (int) m->flow_height != o->height)
    return FALSE;
  memcpy (fr->truth + (k - 1) * 2 * n, m->flow, 2 * n * sizeof (float));
  return TRUE;
}

static gboolean
render_frames (const Options * o, Frames * fr)
{
  gchar *desc = g_strdup_printf ("egosynthsrc seed=%d num-buffers=%d "
      "emit-flow=true %s ! video/x-raw,format=RGB,width=%d,height=%d ! "
      "appsink name=sink sync=false", o->seed, o->pairs + 1,
      o->synth ? o->synth : "", o->width, o->height);
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);
  GstElement *sink;
  gboolean ok = TRUE;

  g_free (desc);
  if (pipeline == NULL) {
    g_printerr ("ego-bench-flow: %s\n", error->message);
    g_error_free (error);
    return FALSE;
  }
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (int k = 0; ok && k <= o->pairs; k++) {
    GstSample *s = gst_app_sink_pull_sample (GST_APP_SINK (sink));
    ok = s != NULL && take_sample (s, o, fr, k);
    if (s != NULL)
      gst_sample_unref (s);
  }
  if (!ok)
    g_printerr ("ego-bench-flow: egosynthsrc gave no frame or no motion\n");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return ok;
}

static gboolean
write_file (const Options * o, const char *name, const void *data, size_t size)
{
  gchar *path = g_build_filename (o->out, name, NULL);
  GError *error = NULL;
  gboolean ok = g_file_set_contents (path, data, size, &error);

  if (!ok) {
    g_printerr ("ego-bench-flow: %s\n", error->message);
    g_error_free (error);
  }
  g_free (path);
  return ok;
}

/* runs the flow on every pair: the mean end-point error, and the fastest
 * round's time per pair in *ms */
static double
run_flow (EgoFlow * flow, const Options * o, const Frames * fr, double *ms)
{
  size_t n = (size_t) o->width * o->height;
  float *a = g_new (float, n), *b = g_new (float, n);
  float *out = g_new (float, 2 * n);
  double epe = 0.0, best = INFINITY;

  for (int r = 0; r < o->rounds; r++) {
    double t = 0.0;
    epe = 0.0;
    for (int k = 0; k < o->pairs; k++) {
      const float *tu = fr->truth + (size_t) k * 2 * n, *tv = tu + n;
      double t0;
      for (size_t i = 0; i < n; i++) {
        a[i] = fr->gray[k * n + i];
        b[i] = fr->gray[(k + 1) * n + i];
      }
      t0 = now_s ();
      ego_flow_compute (flow, a, b, out);
      t += now_s () - t0;
      for (size_t i = 0; i < n; i++)
        epe += hypot (out[i] - tu[i], out[n + i] - tv[i]);
    }
    best = MIN (best, t);
  }
  *ms = 1e3 * best / o->pairs;
  g_free (a);
  g_free (b);
  g_free (out);
  return epe / ((double) n * o->pairs);
}

static gboolean
bench (const Options * o)
{
  size_t n = (size_t) o->width * o->height;
  Frames fr = { g_new (guint8, (o->pairs + 1) * n),
    g_new (float, (size_t) o->pairs * 2 * n)
  };
  GError *error = NULL;
  EgoFlow *flow = NULL;
  gboolean ok = render_frames (o, &fr)
      && write_file (o, "gray.u8", fr.gray, (o->pairs + 1) * n)
      && write_file (o, "truth.f32", fr.truth, o->pairs * 2 * n * 4);

  if (ok && (flow = ego_flow_new (o->width, o->height, &o->params,
              &error)) == NULL) {
    g_printerr ("ego-bench-flow: %s\n", error->message);
    g_error_free (error);
    ok = FALSE;
  }
  if (ok) {
    double ms, epe = run_flow (flow, o, &fr, &ms);
    gchar *json = g_strdup_printf ("{\"width\": %d, \"height\": %d, "
        "\"pairs\": %d, \"levels\": %d, \"epe\": %.4f, \"ms\": %.3f}\n",
        o->width, o->height, o->pairs, ego_flow_levels (flow), epe, ms);
    ok = write_file (o, "egoflow.json", json, strlen (json));
    g_print ("%s", json);
    g_free (json);
  }
  ego_flow_free (flow);
  g_free (fr.gray);
  g_free (fr.truth);
  return ok;
}

int
main (int argc, char **argv)
{
  Options o = { 128, 128, 150, 1, 3, NULL, NULL, {0} };
  gboolean ok;

  ego_flow_params_init (&o.params);
  if (!parse_options (&o, &argc, &argv))
    return 2;
  gst_init (NULL, NULL);
  if (g_mkdir_with_parents (o.out, 0755) != 0) {
    g_printerr ("ego-bench-flow: cannot create %s\n", o.out);
    return 1;
  }
  ok = bench (&o);
  g_free (o.out);
  g_free (o.synth);
  return ok ? 0 : 1;
}
