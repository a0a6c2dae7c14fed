/* Optimisers, schedule and clipping against the PyTorch reference
 * (models/reference/gen_optim.py): AdamW and SGD (plain, momentum,
 * Nesterov) over ten steps of fixed gradients, compared after every step;
 * the warm-up + decay learning rate; clip_grad_norm_ over a gradient split
 * across two arrays. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "fixture.h"
#include "optim.h"

#define RTOL 1e-4

static void
test_adamw (void)
{
  EgoSafetensors *st = fixture_load ("adamw");
  int steps = fixture_int (st, "steps"), n = fixture_int (st, "n");
  EgoAdamW opt = {
    .lr = (float) fixture_double (st, "lr"),
    .beta1 = (float) fixture_double (st, "beta1"),
    .beta2 = (float) fixture_double (st, "beta2"),
    .eps = (float) fixture_double (st, "eps"),
    .weight_decay = (float) fixture_double (st, "weight_decay"),
  };
  const float *grads = fixture_f32 (st, "grads", (int64_t) steps * n);
  const float *want = fixture_f32 (st, "params", (int64_t) steps * n);
  float *p = g_memdup2 (fixture_f32 (st, "params0", n), n * sizeof (float));
  float *m = g_new0 (float, n), *v = g_new0 (float, n);

  for (int s = 0; s < steps; s++) {
    char *what = g_strdup_printf ("adamw params after step %d", s + 1);
    ego_adamw_step (p, grads + (size_t) s * n, m, v, n, s + 1, &opt);
    g_assert_true (check_close (what, p, want + (size_t) s * n, n, RTOL));
    g_free (what);
  }

  g_free (p);
  g_free (m);
  g_free (v);
  ego_safetensors_free (st);
}

/* data: the fixture's name; plain SGD (momentum 0) is given no buffer */
static void
test_sgd (gconstpointer data)
{
  EgoSafetensors *st = fixture_load (data);
  int steps = fixture_int (st, "steps"), n = fixture_int (st, "n");
  EgoSgd opt = {
    .lr = (float) fixture_double (st, "lr"),
    .momentum = (float) fixture_double (st, "momentum"),
    .weight_decay = (float) fixture_double (st, "weight_decay"),
    .nesterov = fixture_int (st, "nesterov"),
  };
  const float *grads = fixture_f32 (st, "grads", (int64_t) steps * n);
  const float *want = fixture_f32 (st, "params", (int64_t) steps * n);
  float *p = g_memdup2 (fixture_f32 (st, "params0", n), n * sizeof (float));
  float *buf = opt.momentum != 0.0f ? g_new0 (float, n) : NULL;

  for (int s = 0; s < steps; s++) {
    char *what = g_strdup_printf ("%s params after step %d",
        (const char *) data, s + 1);
    ego_sgd_step (p, grads + (size_t) s * n, buf, n, s + 1, &opt);
    g_assert_true (check_close (what, p, want + (size_t) s * n, n, RTOL));
    g_free (what);
  }

  g_free (p);
  g_free (buf);
  ego_safetensors_free (st);
}

static void
test_lr_schedule (void)
{
  EgoSafetensors *st = fixture_load ("lr_schedule");
  float base = (float) fixture_double (st, "base_lr");
  long warmup = fixture_int (st, "warmup"), total = fixture_int (st, "total");
  int steps = fixture_int (st, "steps");
  float *lin = g_new (float, steps), *cos_ = g_new (float, steps);

  for (int s = 0; s < steps; s++) {
    lin[s] = ego_lr_at (base, s, warmup, total, EGO_DECAY_LINEAR);
    cos_[s] = ego_lr_at (base, s, warmup, total, EGO_DECAY_COSINE);
  }
  g_assert_true (check_close ("lr linear", lin,
          fixture_f32 (st, "linear", steps), steps, RTOL));
  g_assert_true (check_close ("lr cosine", cos_,
          fixture_f32 (st, "cosine", steps), steps, RTOL));

  /* the corners: starts at 0, peaks right after warm-up, no warm-up, never
   * negative before or after the run */
  g_assert_cmpfloat (ego_lr_at (base, 0, warmup, total, EGO_DECAY_LINEAR),
      ==, 0.0f);
  g_assert_cmpfloat (ego_lr_at (base, warmup, warmup, total,
          EGO_DECAY_COSINE), ==, base);
  g_assert_cmpfloat (ego_lr_at (base, 0, 0, total, EGO_DECAY_LINEAR), ==,
      base);
  g_assert_cmpfloat (ego_lr_at (base, -1, warmup, total, EGO_DECAY_LINEAR),
      ==, 0.0f);
  g_assert_cmpfloat (ego_lr_at (base, 10 * total, warmup, total,
          EGO_DECAY_COSINE), ==, 0.0f);

  g_free (lin);
  g_free (cos_);
  ego_safetensors_free (st);
}

/* data: the fixture's name, with the norm above or below max_norm. The
 * gradient lives in two arrays, as a network's does: clipped once through
 * ego_clip_grad_norm on one copy of both, and once through the split
 * helpers. */
static void
test_clip (gconstpointer data)
{
  EgoSafetensors *st = fixture_load (data);
  float max_norm = (float) fixture_double (st, "max_norm");
  const EgoStTensor *ta = fixture_tensor (st, "grad_a");
  const EgoStTensor *tb = fixture_tensor (st, "grad_b");
  size_t na = ta->numel, nb = tb->numel;
  const float *want_norm = fixture_f32 (st, "norm", 1);
  float *whole = g_new (float, na + nb);
  memcpy (whole, fixture_f32 (st, "grad_a", na), na * sizeof (float));
  memcpy (whole + na, fixture_f32 (st, "grad_b", nb), nb * sizeof (float));
  float *a = g_memdup2 (whole, na * sizeof (float));
  float *b = g_memdup2 (whole + na, nb * sizeof (float));

  float norm = ego_clip_grad_norm (whole, na + nb, max_norm);
  g_assert_true (check_close ("clip norm", &norm, want_norm, 1, RTOL));
  g_assert_true (check_close ("clip grad a", whole,
          fixture_f32 (st, "clipped_a", na), na, RTOL));
  g_assert_true (check_close ("clip grad b", whole + na,
          fixture_f32 (st, "clipped_b", nb), nb, RTOL));

  float split = (float) sqrt (ego_grad_norm_sq (a, na) +
      ego_grad_norm_sq (b, nb));
  g_assert_true (check_close ("split norm", &split, want_norm, 1, RTOL));
  if (split > max_norm) {
    ego_grad_scale (a, na, max_norm / (split + 1e-6f));
    ego_grad_scale (b, nb, max_norm / (split + 1e-6f));
  }
  g_assert_true (check_close ("split grad a", a,
          fixture_f32 (st, "clipped_a", na), na, RTOL));
  g_assert_true (check_close ("split grad b", b,
          fixture_f32 (st, "clipped_b", nb), nb, RTOL));

  g_free (whole);
  g_free (a);
  g_free (b);
  ego_safetensors_free (st);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* report every mismatch of a run, not only the first */
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/adamw/trajectory", test_adamw);
  g_test_add_data_func ("/sgd/plain", "sgd_plain", test_sgd);
  g_test_add_data_func ("/sgd/momentum", "sgd_momentum", test_sgd);
  g_test_add_data_func ("/sgd/nesterov", "sgd_nesterov", test_sgd);
  g_test_add_func ("/lr/warmup-decay", test_lr_schedule);
  g_test_add_data_func ("/clip/above-max", "clip_grad_norm", test_clip);
  g_test_add_data_func ("/clip/below-max", "clip_grad_norm_below",
      test_clip);
  g_test_add_data_func ("/clip/just-above-max", "clip_grad_norm_near",
      test_clip);

  return g_test_run ();
}
