/* Streaming helpers: frame preprocessing and the window of results. */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "fixture.h"
#include "layers.h"
#include "preprocess.h"
#include "window.h"

static const float mean[3] = { 0.4f, 0.5f, 0.6f }, std[3] = {
0.2f, 0.25f, 0.3f };

static guint8 *
random_frame (int w, int h, int pstride, guint32 seed)
{
  guint8 *p = g_malloc ((gsize) w * h * pstride);
  for (int i = 0; i < w * h * pstride; i++) {
    seed = seed * 1664525u + 1013904223u;
    p[i] = (guint8) (seed >> 24);
  }
  return p;
}

/* The same mapping written the plain way: output pixel (x, y) of the crop
 * averages n x n source pixels at the centres of the n x n sub-cells of its
 * footprint. */
static float
reference_pixel (const guint8 * src, int sw, int sh, int pstride, int off,
    int dw, int dh, int view, int views, int x, int y)
{
  double s = fmax ((double) dw / sw, (double) dh / sh);
  double ox = (sw - dw / s) * (views == 1 ? 0.5 : (double) view / 2);
  double oy = (sh - dh / s) * (views == 1 ? 0.5 : (double) view / 2);
  int n = (int) ceil (1.0 / s - 1e-9);
  double sum = 0.0;
  n = n < 1 ? 1 : (n > 4 ? 4 : n);
  for (int ty = 0; ty < n; ty++)
    for (int tx = 0; tx < n; tx++) {
      int sx = (int) floor (ox + (x + (tx + 0.5) / n) / s);
      int sy = (int) floor (oy + (y + (ty + 0.5) / n) / s);
      sx = CLAMP (sx, 0, sw - 1);
      sy = CLAMP (sy, 0, sh - 1);
      sum += src[((gsize) sy * sw + sx) * pstride + off];
    }
  return (float) (sum / (n * n) / 255.0);
}

static void
check_preprocess (int sw, int sh, int dw, int dh, int pstride, int view,
    int views)
{
  guint8 *src = random_frame (sw, sh, pstride, (guint32) (sw * 31 + view));
  float *got = g_new (float, 3 * dw * dh), *want = g_new (float, 3 * dw * dh);
  EgoResizePlan plan;
  /* a BGRx-like layout: R at 2, G at 1, B at 0 */
  int offs[3] = { 2, 1, 0 };
  char *what = g_strdup_printf ("%dx%d -> %dx%d view %d/%d", sw, sh, dw, dh,
      view, views);
  g_assert_true (ego_resize_plan_init (&plan, sw, sh, dw, dh, view, views,
          pstride, NULL));
  ego_preprocess_rgb (&plan, src, sw * pstride, offs[0], offs[1], offs[2],
      mean, std, got);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < dh; y++)
      for (int x = 0; x < dw; x++)
        want[(c * dh + y) * dw + x] = (reference_pixel (src, sw, sh, pstride,
                offs[c], dw, dh, view, views, x, y) - mean[c]) / std[c];
  g_assert_true (check_close (what, got, want, 3 * dw * dh, 1e-4));
  ego_resize_plan_clear (&plan);
  g_free (what);
  g_free (src);
  g_free (got);
  g_free (want);
}

/* Downscaling (1080p-like and webcam-like), upscaling and the three views
 * agree with the plain computation. */
static void
test_preprocess (void)
{
  check_preprocess (192, 108, 32, 32, 4, 0, 1);
  check_preprocess (640, 480, 56, 40, 3, 0, 1);
  check_preprocess (24, 20, 32, 32, 3, 0, 1);
  for (int v = 0; v < 3; v++)
    check_preprocess (160, 90, 28, 28, 4, v, 3);
  check_preprocess (90, 160, 28, 28, 3, 2, 3);
}

/* A uniform frame gives its normalised colour everywhere. */
static void
test_preprocess_uniform (void)
{
  guint8 px[4 * 50 * 30];
  float out[3 * 16 * 16];
  EgoResizePlan plan;
  for (int i = 0; i < 50 * 30; i++) {
    px[4 * i + 0] = 255;        /* x */
    px[4 * i + 1] = 51;         /* R */
    px[4 * i + 2] = 102;        /* G */
    px[4 * i + 3] = 204;        /* B */
  }
  g_assert_true (ego_resize_plan_init (&plan, 50, 30, 16, 16, 0, 1, 4, NULL));
  ego_preprocess_rgb (&plan, px, 200, 1, 2, 3, mean, std, out);
  for (int i = 0; i < 256; i++) {
    g_assert_cmpfloat_with_epsilon (out[i], (0.2f - mean[0]) / std[0], 1e-5);
    g_assert_cmpfloat_with_epsilon (out[256 + i], (0.4f - mean[1]) / std[1],
        1e-5);
    g_assert_cmpfloat_with_epsilon (out[512 + i], (0.8f - mean[2]) / std[2],
        1e-5);
  }
  ego_resize_plan_clear (&plan);
}

/* Nonsense sizes are refused with a message. */
static void
test_preprocess_refuses (void)
{
  EgoResizePlan plan;
  GError *error = NULL;
  g_assert_false (ego_resize_plan_init (&plan, 0, 10, 8, 8, 0, 1, 3,
          &error));
  g_assert_nonnull (strstr (error->message, "cannot scale"));
  g_clear_error (&error);
  g_assert_false (ego_resize_plan_init (&plan, 10, 10, 8, 8, 1, 2, 3,
          &error));
  g_clear_error (&error);
}

static EgoWindow *
window_new (int frames, float temperature)
{
  EgoWindowConfig c = { 0 };
  c.frames = frames;
  c.n_heads = 1;
  c.classes[0] = 3;
  c.temperature = temperature;
  c.smooth_windows = 1;
  c.smooth_alpha = 1.0f;
  c.min_hold = 1;
  return ego_window_new (&c, NULL);
}

static void
push3 (EgoWindow * w, float a, float b, float c)
{
  float z[3] = { a, b, c }, *heads[1] = { z };
  ego_window_push (w, heads);
}

/* The window's probabilities are softmax(mean of the last T / temp). */
static void
test_window_mean_and_temperature (void)
{
  EgoWindow *w = window_new (2, 2.0f);
  float want[3] = { (1 + 3) / 2.0f / 2, (0 + 0) / 2.0f / 2, (5 + 1) / 2.0f / 2 };
  push3 (w, 9, 9, 9);           /* falls out of the window */
  push3 (w, 1, 0, 5);
  g_assert_true (ego_window_full (w));
  push3 (w, 3, 0, 1);
  ego_window_compute (w);
  ego_softmax_forward (want, want, 1, 3);
  g_assert_true (check_close ("window probs", ego_window_probs (w, 0), want,
          3, 1e-6));
  ego_window_free (w);
}

/* The label changes only after the new class led min_hold results. */
static void
test_window_hold (void)
{
  EgoWindow *w = window_new (1, 1.0f);
  int ids[3];
  float p[3];
  ego_window_set_smoothing (w, EGO_SMOOTH_NONE, 1, 1.0f, 3);
  push3 (w, 5, 0, 0);
  ego_window_compute (w);
  ego_window_top_k (w, 0, 3, ids, p);
  g_assert_cmpint (ids[0], ==, 0);
  for (int r = 0; r < 2; r++) {
    push3 (w, 0, 5, 0);
    ego_window_compute (w);
    ego_window_top_k (w, 0, 3, ids, p);
    g_assert_cmpint (ids[0], ==, 0);    /* held */
    g_assert_cmpint (ids[1], ==, 1);
  }
  push3 (w, 0, 5, 0);
  ego_window_compute (w);
  ego_window_top_k (w, 0, 3, ids, p);
  g_assert_cmpint (ids[0], ==, 1);      /* third result in a row */
  ego_window_free (w);
}

/* Average smoothing over 2 results, exponential with alpha 0.5. */
static void
test_window_smoothing (void)
{
  EgoWindow *w = window_new (1, 1.0f);
  float a[3] = { 2, 0, 0 }, b[3] = { 0, 2, 0 }, want[3];
  ego_softmax_forward (a, a, 1, 3);
  ego_softmax_forward (b, b, 1, 3);
  ego_window_set_smoothing (w, EGO_SMOOTH_AVERAGE, 2, 1.0f, 1);
  push3 (w, 2, 0, 0);
  ego_window_compute (w);
  push3 (w, 0, 2, 0);
  ego_window_compute (w);
  for (int i = 0; i < 3; i++)
    want[i] = 0.5f * (a[i] + b[i]);
  g_assert_true (check_close ("average", ego_window_probs (w, 0), want, 3,
          1e-6));
  ego_window_reset (w);
  ego_window_set_smoothing (w, EGO_SMOOTH_EXPONENTIAL, 1, 0.25f, 1);
  push3 (w, 2, 0, 0);
  ego_window_compute (w);
  push3 (w, 0, 2, 0);
  ego_window_compute (w);
  for (int i = 0; i < 3; i++)
    want[i] = 0.25f * b[i] + 0.75f * a[i];
  g_assert_true (check_close ("exponential", ego_window_probs (w, 0), want, 3,
          1e-6));
  ego_window_free (w);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/preprocess/against-plain", test_preprocess);
  g_test_add_func ("/preprocess/uniform", test_preprocess_uniform);
  g_test_add_func ("/preprocess/refuses", test_preprocess_refuses);
  g_test_add_func ("/window/mean-temperature",
      test_window_mean_and_temperature);
  g_test_add_func ("/window/hold", test_window_hold);
  g_test_add_func ("/window/smoothing", test_window_smoothing);
  return g_test_run ();
}
