/* Fusion of teachers against the reference (models/reference/gen_fusion.py)
 * and its properties. */
#include <glib.h>
#include <math.h>

#include "fixture.h"
#include "fusion.h"

#define M 3
#define N 7
#define K 5
#define HELD 6

static void
assert_sums_to_one (const float *w, int m, int n)
{
  for (int r = 0; r < n; r++) {
    double sum = 0.0;
    for (int i = 0; i < m; i++) {
      g_assert_cmpfloat (w[i * n + r], >=, 0.0f);
      sum += w[i * n + r];
    }
    g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-6);
  }
}

/* One temperature: the full-dataset weights from the held-out clips, every
 * clip's per-sample weights, and the fused logits of both. */
static void
check_tau (const EgoSafetensors * st, double tau, const char *suffix)
{
  const float *z = fixture_f32 (st, "logits", M * N * K);
  const int32_t *y = fixture_i32 (st, "labels", N);
  const float *hz = fixture_f32 (st, "held_logits", M * HELD * K);
  const int32_t *hy = fixture_i32 (st, "held_labels", HELD);
  float dw[M], w[M * N], fused[N * K];
  char name[64];
  GError *error = NULL;

  g_assert_true (ego_fusion_dataset_weights (hz, hy, M, HELD, K, tau, dw,
          &error));
  g_snprintf (name, sizeof (name), "weights_full_dataset_%s", suffix);
  g_assert_true (check_close (name, dw, fixture_f32 (st, name, M), M, 1e-5));
  g_assert_true (ego_fusion_weights (EGO_FUSION_FULL_DATASET, z, y, M, N, K,
          tau, dw, w, &error));
  assert_sums_to_one (w, M, N);
  ego_fusion_apply (z, w, M, N, K, fused);
  g_snprintf (name, sizeof (name), "fused_full_dataset_%s", suffix);
  g_assert_true (check_close (name, fused, fixture_f32 (st, name, N * K),
          N * K, 1e-5));

  g_assert_true (ego_fusion_weights (EGO_FUSION_PER_SAMPLE, z, y, M, N, K,
          tau, NULL, w, &error));
  g_assert_no_error (error);
  g_snprintf (name, sizeof (name), "weights_per_sample_%s", suffix);
  g_assert_true (check_close (name, w, fixture_f32 (st, name, M * N), M * N,
          1e-5));
  assert_sums_to_one (w, M, N);
  ego_fusion_apply (z, w, M, N, K, fused);
  g_snprintf (name, sizeof (name), "fused_per_sample_%s", suffix);
  g_assert_true (check_close (name, fused, fixture_f32 (st, name, N * K),
          N * K, 1e-5));
}

/* Weights and fused logits of the three schemes equal the reference's. */
static void
test_against_reference (void)
{
  EgoSafetensors *st = fixture_load ("fusion");
  const float *z = fixture_f32 (st, "logits", M * N * K);
  float w[M * N], fused[N * K];
  g_assert_cmpint (fixture_int (st, "teachers"), ==, M);
  g_assert_cmpint (fixture_int (st, "clips"), ==, N);
  g_assert_true (ego_fusion_weights (EGO_FUSION_UNIFORM, z, NULL, M, N, K,
          1.0, NULL, w, NULL));
  assert_sums_to_one (w, M, N);
  ego_fusion_apply (z, w, M, N, K, fused);
  g_assert_true (check_close ("fused_uniform", fused, fixture_f32 (st,
              "fused_uniform", N * K), N * K, 1e-5));
  check_tau (st, 1.0, "t1");
  check_tau (st, 0.5, "t05");
  ego_safetensors_free (st);
}

/* Uniform fusion is the plain mean of the teachers' logits. */
static void
test_uniform_is_mean (void)
{
  float z[2 * 3 * 4], w[2 * 3], fused[3 * 4];
  for (int j = 0; j < 2 * 3 * 4; j++)
    z[j] = (float) ((j * 37) % 11) - 5.0f;
  g_assert_true (ego_fusion_weights (EGO_FUSION_UNIFORM, z, NULL, 2, 3, 4,
          1.0, NULL, w, NULL));
  ego_fusion_apply (z, w, 2, 3, 4, fused);
  for (int j = 0; j < 3 * 4; j++)
    g_assert_cmpfloat_with_epsilon (fused[j], (z[j] + z[12 + j]) / 2.0f, 1e-6);
}

/* Teacher 0 is right with a margin of 30 on every clip, teacher 1 random,
 * teacher 2 flat: as tau_w shrinks, teacher 0 takes all the weight, per
 * sample and over the dataset, and the arithmetic does not overflow. */
static void
test_confident_teacher_takes_all (void)
{
  int32_t y[4] = { 0, 2, 1, 2 };
  float z[3 * 4 * 3] = { 0 }, w[3 * 4], dw[3], last = 0.0f;
  const double taus[] = { 1.0, 0.1, 0.01, 1e-4 };
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 3; c++) {
      z[(0 * 4 + r) * 3 + c] = c == y[r] ? 30.0f : 0.0f;
      z[(1 * 4 + r) * 3 + c] = (float) ((r * 3 + c) % 5) - 2.0f;
    }
  for (int t = 0; t < (int) G_N_ELEMENTS (taus); t++) {
    g_assert_true (ego_fusion_weights (EGO_FUSION_PER_SAMPLE, z, y, 3, 4, 3,
            taus[t], NULL, w, NULL));
    assert_sums_to_one (w, 3, 4);
    g_assert_true (ego_fusion_dataset_weights (z, y, 3, 4, 3, taus[t], dw,
            NULL));
    assert_sums_to_one (dw, 3, 1);
    /* growing towards 1 */
    g_assert_cmpfloat (dw[0], >=, last);
    last = dw[0];
    for (int r = 0; r < 4; r++)
      g_assert_cmpfloat (w[r], >, taus[t] <= 0.01 ? 1.0f - 1e-6f : 0.5f);
  }
  g_assert_cmpfloat (last, >, 1.0f - 1e-6f);
}

/* A teacher with the same logit for every class gets less weight than one
 * that is right, and more than one that is confidently wrong. */
static void
test_flat_teacher_weighs_less (void)
{
  /* one clip, label 1: right, flat, wrong */
  float z[3 * 4] = { 0, 2, 0, 0, 5, 5, 5, 5, 3, 0, 0, 0 }, w[3];
  int32_t y[1] = { 1 };
  g_assert_true (ego_fusion_weights (EGO_FUSION_PER_SAMPLE, z, y, 3, 1, 4,
          1.0, NULL, w, NULL));
  g_assert_cmpfloat (w[0], >, w[1]);
  g_assert_cmpfloat (w[1], >, w[2]);
  /* w proportional to p(y)^(1/tau): flat p = 1/4 */
  g_assert_cmpfloat_with_epsilon (w[1] / w[0], 0.25 / (exp (2.0) /
          (exp (2.0) + 3.0)), 1e-5);
}

/* Names round-trip; bad arguments fail with an error, not a crash. */
static void
test_errors (void)
{
  EgoFusionScheme s;
  float z[2 * 2] = { 1, 0, 0, 1 }, w[2], bad[2] = { 0.7f, 0.7f };
  int32_t y[1] = { 0 }, out_of_range[1] = { 2 };
  GError *error = NULL;
  for (int i = 0; i < 3; i++) {
    g_assert_true (ego_fusion_scheme_parse (ego_fusion_scheme_name (i), &s,
            NULL));
    g_assert_cmpint (s, ==, i);
  }
  g_assert_null (ego_fusion_scheme_name (3));
  g_assert_false (ego_fusion_scheme_parse ("average", &s, &error));
  g_assert_error (error, EGO_ERROR, EGO_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (ego_fusion_weights (EGO_FUSION_PER_SAMPLE, z, y, 2, 1, 2,
          0.0, NULL, w, &error));
  g_clear_error (&error);
  g_assert_false (ego_fusion_weights (EGO_FUSION_PER_SAMPLE, z,
          out_of_range, 2, 1, 2, 1.0, NULL, w, &error));
  g_clear_error (&error);
  g_assert_false (ego_fusion_weights (EGO_FUSION_PER_SAMPLE, z, NULL, 2, 1,
          2, 1.0, NULL, w, &error));
  g_clear_error (&error);
  g_assert_false (ego_fusion_weights (EGO_FUSION_FULL_DATASET, z, y, 2, 1,
          2, 1.0, bad, w, &error));
  g_clear_error (&error);
  g_assert_false (ego_fusion_dataset_weights (z, y, 2, 0, 2, 1.0, w, &error));
  g_clear_error (&error);
  g_assert_false (ego_fusion_weights (EGO_FUSION_UNIFORM, z, y, 0, 1, 2,
          1.0, NULL, w, &error));
  g_assert_error (error, EGO_ERROR, EGO_ERROR_INVALID);
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fusion/against-reference", test_against_reference);
  g_test_add_func ("/fusion/uniform-is-mean", test_uniform_is_mean);
  g_test_add_func ("/fusion/confident-teacher-takes-all",
      test_confident_teacher_takes_all);
  g_test_add_func ("/fusion/flat-teacher-weighs-less",
      test_flat_teacher_weighs_less);
  g_test_add_func ("/fusion/errors", test_errors);
  return g_test_run ();
}
