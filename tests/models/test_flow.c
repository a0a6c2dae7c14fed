/* Optical flow (models/flow.c) on images whose motion is known exactly: a
 * smooth pattern of sinusoids, sampled analytically, translated by
 * sub-pixel amounts and rotated. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "ego_error.h"
#include "flow.h"

#define W 96
#define H 80

/* A smooth texture: sinusoids of wavelengths 9 to 31 pixels in several
 * directions, so that every patch has gradients both ways. */
static float
pattern (float x, float y)
{
  static const float k[][4] = {
    /* amplitude, wavelength, direction (rad), phase */
    {30.0f, 31.0f, 0.3f, 0.0f},
    {25.0f, 23.0f, 1.9f, 1.0f},
    {20.0f, 17.0f, 1.1f, 2.0f},
    {15.0f, 13.0f, 2.6f, 0.5f},
    {10.0f, 9.0f, 0.7f, 1.5f},
  };
  float v = 128.0f;

  for (guint i = 0; i < G_N_ELEMENTS (k); i++) {
    float f = 2.0f * (float) G_PI / k[i][1];
    v += k[i][0] * sinf (f * (x * cosf (k[i][2]) + y * sinf (k[i][2]))
        + k[i][3]);
  }
  return v;
}

/* The motion: where pixel (x, y) of the first frame goes, as a rotation by
 * angle about the centre followed by a shift. */
typedef struct
{
  float dx, dy, angle;
} Motion;

static void
motion_at (const Motion * m, float x, float y, float *u, float *v)
{
  float cx = 0.5f * (W - 1), cy = 0.5f * (H - 1);
  float c = cosf (m->angle), s = sinf (m->angle);
  float rx = cx + c * (x - cx) - s * (y - cy);
  float ry = cy + s * (x - cx) + c * (y - cy);

  *u = rx + m->dx - x;
  *v = ry + m->dy - y;
}

/* frame 0 is the pattern; frame 1 shows at p what frame 0 showed at the
 * point the motion takes to p */
static void
render_pair (const Motion * m, float *a, float *b)
{
  float cx = 0.5f * (W - 1), cy = 0.5f * (H - 1);
  float c = cosf (m->angle), s = sinf (m->angle);

  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      float px = x - m->dx - cx, py = y - m->dy - cy;
      a[y * W + x] = pattern (x, y);
      b[y * W + x] = pattern (cx + c * px + s * py, cy - s * px + c * py);
    }
}

/* mean end-point error over the pixels at least margin from the borders */
static double
mean_epe (const Motion * m, const float *flow, int margin)
{
  double sum = 0.0;
  int n = 0;

  for (int y = margin; y < H - margin; y++)
    for (int x = margin; x < W - margin; x++) {
      float u, v;
      motion_at (m, x, y, &u, &v);
      sum += hypot (flow[y * W + x] - u, flow[W * H + y * W + x] - v);
      n++;
    }
  return sum / n;
}

static double
run_motion (const Motion * m, int margin)
{
  float *a = g_new (float, W * H), *b = g_new (float, W * H);
  float *flow = g_new (float, 2 * W * H);
  EgoFlowParams p;
  EgoFlow *f;
  double epe;

  ego_flow_params_init (&p);
  f = ego_flow_new (W, H, &p, NULL);
  g_assert_nonnull (f);
  render_pair (m, a, b);
  ego_flow_compute (f, a, b, flow);
  epe = mean_epe (m, flow, margin);
  g_test_message ("motion (%.2f, %.2f, %.3f rad): EPE %.4f px (margin %d)",
      m->dx, m->dy, m->angle, epe, margin);
  ego_flow_free (f);
  g_free (a);
  g_free (b);
  g_free (flow);
  return epe;
}

/* Sub-pixel shifts are found to within a hundredth of a pixel away from
 * the borders, and hardly worse including the borders, where part of the
 * pattern leaves the frame and its flow is extrapolated. Measured: 0.008 to
 * 0.010 inside, 0.009 to 0.015 everywhere; the bounds are about 3 times
 * that, far below the error of no motion (0.4 to 1.5). */
static void
test_translation (void)
{
  const Motion shifts[] = {
    {0.4f, 0.0f, 0.0f}, {1.3f, -0.7f, 0.0f}, {-0.25f, 0.6f, 0.0f},
  };

  for (guint i = 0; i < G_N_ELEMENTS (shifts); i++) {
    g_assert_cmpfloat (run_motion (&shifts[i], 8), <, 0.03);
    g_assert_cmpfloat (run_motion (&shifts[i], 0), <, 0.045);
  }
}

/* Shifts of several pixels, beyond what a single level can follow, are
 * found through the pyramid as precisely (measured: 0.010). */
static void
test_large_translation (void)
{
  const Motion shifts[] = { {4.6f, 2.2f, 0.0f}, {-7.3f, 3.8f, 0.0f} };

  for (guint i = 0; i < G_N_ELEMENTS (shifts); i++)
    g_assert_cmpfloat (run_motion (&shifts[i], 12), <, 0.03);
}

/* A rotation: the motion differs at every pixel (up to 2.1 px at the
 * corners for 2 degrees). The smoothness term pulls against a field that
 * varies, so the error is larger than for a shift (measured: 0.042 and
 * 0.025) but still a small fraction of the motion. */
static void
test_rotation (void)
{
  const Motion rot[] = { {0.0f, 0.0f, 0.035f}, {0.8f, -0.5f, -0.02f} };

  for (guint i = 0; i < G_N_ELEMENTS (rot); i++)
    g_assert_cmpfloat (run_motion (&rot[i], 8), <, 0.09);
}

/* Two identical frames give zero flow everywhere. */
static void
test_zero_motion (void)
{
  const Motion none = { 0.0f, 0.0f, 0.0f };
  float *a = g_new (float, W * H), *b = g_new (float, W * H);
  float *flow = g_new (float, 2 * W * H), worst = 0.0f;
  EgoFlowParams p;
  EgoFlow *f;

  ego_flow_params_init (&p);
  f = ego_flow_new (W, H, &p, NULL);
  render_pair (&none, a, b);
  ego_flow_compute (f, a, b, flow);
  for (int i = 0; i < 2 * W * H; i++)
    worst = fmaxf (worst, fabsf (flow[i]));
  g_assert_cmpfloat (worst, <, 1e-4f);
  ego_flow_free (f);
  g_free (a);
  g_free (b);
  g_free (flow);
}

/* The same frames give the same flow to the bit: from a fresh instance,
 * and from one that has computed other frames since. */
static void
test_deterministic (void)
{
  const Motion m = { 1.1f, 0.45f, 0.01f }, other = { -3.0f, 2.0f, 0.0f };
  float *a = g_new (float, W * H), *b = g_new (float, W * H);
  float *f1 = g_new (float, 2 * W * H), *f2 = g_new (float, 2 * W * H);
  EgoFlowParams p;
  EgoFlow *x, *y;

  ego_flow_params_init (&p);
  x = ego_flow_new (W, H, &p, NULL);
  y = ego_flow_new (W, H, &p, NULL);
  render_pair (&other, a, b);
  ego_flow_compute (y, a, b, f2);
  render_pair (&m, a, b);
  ego_flow_compute (x, a, b, f1);
  ego_flow_compute (y, a, b, f2);
  g_assert_cmpmem (f1, 2 * W * H * sizeof (float), f2,
      2 * W * H * sizeof (float));
  ego_flow_free (x);
  ego_flow_free (y);
  g_free (a);
  g_free (b);
  g_free (f1);
  g_free (f2);
}

/* Bad sizes and settings are refused with an error, not a crash. */
static void
test_invalid (void)
{
  EgoFlowParams p;
  GError *error = NULL;

  ego_flow_params_init (&p);
  g_assert_null (ego_flow_new (0, 10, &p, &error));
  g_assert_error (error, EGO_ERROR, EGO_ERROR_INVALID);
  g_clear_error (&error);
  p.warps = 0;
  g_assert_null (ego_flow_new (10, 10, &p, &error));
  g_assert_error (error, EGO_ERROR, EGO_ERROR_INVALID);
  g_clear_error (&error);
  ego_flow_params_init (&p);
  p.alpha = NAN;
  g_assert_null (ego_flow_new (10, 10, &p, &error));
  g_clear_error (&error);
  ego_flow_free (NULL);
}

/* Frames too small for a pyramid, down to one pixel, still give a finite
 * flow. */
static void
test_tiny_frames (void)
{
  const int sizes[][2] = { {1, 1}, {3, 2}, {1, 17}, {19, 1}, {10, 10} };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++) {
    int w = sizes[s][0], h = sizes[s][1];
    float *a = g_new (float, w * h), *b = g_new (float, w * h);
    float *flow = g_new (float, 2 * w * h);
    EgoFlowParams p;
    EgoFlow *f;

    ego_flow_params_init (&p);
    f = ego_flow_new (w, h, &p, NULL);
    g_assert_nonnull (f);
    for (int i = 0; i < w * h; i++) {
      a[i] = pattern (i % w, i / w);
      b[i] = pattern (i % w - 0.5f, i / w);
    }
    ego_flow_compute (f, a, b, flow);
    for (int i = 0; i < 2 * w * h; i++)
      g_assert_true (isfinite (flow[i]));
    ego_flow_free (f);
    g_free (a);
    g_free (b);
    g_free (flow);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/flow/translation", test_translation);
  g_test_add_func ("/flow/large-translation", test_large_translation);
  g_test_add_func ("/flow/rotation", test_rotation);
  g_test_add_func ("/flow/zero-motion", test_zero_motion);
  g_test_add_func ("/flow/deterministic", test_deterministic);
  g_test_add_func ("/flow/invalid", test_invalid);
  g_test_add_func ("/flow/tiny-frames", test_tiny_frames);
  return g_test_run ();
}
