/* Tests of the image layers (conv2d, batch norm, activations, temporal shift,
 * pooling, linear, dropout) against fixtures written by
 * models/reference/gen_layers_conv.py, plus finite-difference gradient
 * checks.
 *
 * Every backward is run twice into zeroed gradients and the result halved
 * before the comparison: that checks the values and, at no extra cost, that
 * backward adds into its gradients instead of overwriting them.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "fixture.h"
#include "layers.h"

#define RTOL 1e-4

static void
halve (float *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    x[i] *= 0.5f;
}

/* random values from a fixed seed, so a failure reproduces */
static float *
randn (size_t n, float scale, uint64_t seed)
{
  EgoRng rng;
  float *x = g_new (float, n);
  ego_rng_seed (&rng, seed, 7);
  for (size_t i = 0; i < n; i++)
    x[i] = scale * ego_rng_normal (&rng);
  return x;
}

/* scratch filled with NaN: a layer that reads scratch it did not write
 * first poisons its output */
static float *
poisoned_scratch (size_t n)
{
  float *s = g_new (float, n);  /* exactly n, so ASan sees an overrun */
  for (size_t i = 0; i < n; i++)
    s[i] = NAN;
  return s;
}

static double
dot (const float *a, const float *b, size_t n)
{
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += (double) a[i] * b[i];
  return s;
}

/* ------------------------------------------------------------------------ */
/* conv2d */

typedef struct
{
  EgoSafetensors *st;
  EgoConv2d c;
  int n, h, w, oh, ow;
  size_t ninp, nweight, nout;
  const float *inp, *weight, *bias;
} ConvFixture;

static void
conv_fixture_load (ConvFixture * f, const char *name)
{
  EgoSafetensors *st = fixture_load (name);
  f->st = st;
  f->c.in_c = fixture_int (st, "in_c");
  f->c.out_c = fixture_int (st, "out_c");
  f->c.kh = fixture_int (st, "kh");
  f->c.kw = fixture_int (st, "kw");
  f->c.sh = fixture_int (st, "sh");
  f->c.sw = fixture_int (st, "sw");
  f->c.ph = fixture_int (st, "ph");
  f->c.pw = fixture_int (st, "pw");
  f->c.groups = fixture_int (st, "groups");
  f->n = fixture_int (st, "n");
  f->h = fixture_int (st, "h");
  f->w = fixture_int (st, "w");
  f->oh = ego_conv2d_out_h (&f->c, f->h);
  f->ow = ego_conv2d_out_w (&f->c, f->w);
  f->ninp = (size_t) f->n * f->c.in_c * f->h * f->w;
  f->nweight = (size_t) f->c.out_c * (f->c.in_c / f->c.groups)
      * f->c.kh * f->c.kw;
  f->nout = (size_t) f->n * f->c.out_c * f->oh * f->ow;
  f->inp = fixture_f32 (st, "inp", f->ninp);
  f->weight = fixture_f32 (st, "weight", f->nweight);
  f->bias = fixture_int (st, "bias") ? fixture_f32 (st, "bias", f->c.out_c)
      : NULL;
}

static void
test_conv_forward (gconstpointer data)
{
  ConvFixture f;
  conv_fixture_load (&f, data);
  float *scratch =
      poisoned_scratch (ego_conv2d_scratch_floats (&f.c, f.h, f.w));
  float *out = g_new (float, f.nout);
  ego_conv2d_forward (out, f.inp, f.weight, f.bias, &f.c, f.n, f.h, f.w,
      scratch);
  g_assert_true (check_close ("conv2d out", out,
          fixture_f32 (f.st, "out", f.nout), f.nout, RTOL));
  g_free (out);
  g_free (scratch);
  ego_safetensors_free (f.st);
}

static void
test_conv_backward (gconstpointer data)
{
  ConvFixture f;
  conv_fixture_load (&f, data);
  int oc = f.c.out_c;
  float *scratch =
      poisoned_scratch (ego_conv2d_scratch_floats (&f.c, f.h, f.w));
  const float *dout = fixture_f32 (f.st, "dout", f.nout);
  float *dinp = g_new0 (float, f.ninp);
  float *dweight = g_new0 (float, f.nweight);
  float *dbias = g_new0 (float, oc);
  for (int i = 0; i < 2; i++)
    ego_conv2d_backward (dinp, dweight, f.bias ? dbias : NULL, dout, f.inp,
        f.weight, &f.c, f.n, f.h, f.w, scratch);
  halve (dinp, f.ninp);
  halve (dweight, f.nweight);
  halve (dbias, oc);
  g_assert_true (check_close ("conv2d dinp", dinp,
          fixture_f32 (f.st, "dinp", f.ninp), f.ninp, RTOL));
  g_assert_true (check_close ("conv2d dweight", dweight,
          fixture_f32 (f.st, "dweight", f.nweight), f.nweight, RTOL));
  if (f.bias)
    g_assert_true (check_close ("conv2d dbias", dbias,
            fixture_f32 (f.st, "dbias", oc), oc, RTOL));

  /* a first layer asks for no dinp; the weight gradient must not change */
  memset (dweight, 0, f.nweight * sizeof (float));
  ego_conv2d_backward (NULL, dweight, NULL, dout, f.inp, f.weight, &f.c, f.n,
      f.h, f.w, scratch);
  g_assert_true (check_close ("conv2d dweight (no dinp)", dweight,
          fixture_f32 (f.st, "dweight", f.nweight), f.nweight, RTOL));
  g_free (dinp);
  g_free (dweight);
  g_free (dbias);
  g_free (scratch);
  ego_safetensors_free (f.st);
}

/* ------------------------------------------------------------------------ */
/* batch norm */

typedef struct
{
  EgoSafetensors *st;
  int n, c, hw;
  size_t total;
  float eps;
} BnFixture;

static void
bn_fixture_load (BnFixture * f, const char *name)
{
  f->st = fixture_load (name);
  f->n = fixture_int (f->st, "n");
  f->c = fixture_int (f->st, "c");
  f->hw = fixture_int (f->st, "hw");
  f->total = (size_t) f->n * f->c * f->hw;
  f->eps = (float) fixture_double (f->st, "eps");
}

static void
test_bn_train_forward (void)
{
  BnFixture f;
  bn_fixture_load (&f, "bn_train");
  float *out = g_new (float, f.total), *mean = g_new (float, f.c);
  float *rstd = g_new (float, f.c);
  ego_batchnorm_forward_train (out, mean, rstd,
      fixture_f32 (f.st, "inp", f.total), fixture_f32 (f.st, "gamma", f.c),
      fixture_f32 (f.st, "beta", f.c), f.n, f.c, f.hw, f.eps);
  g_assert_true (check_close ("bn out", out,
          fixture_f32 (f.st, "out", f.total), f.total, RTOL));
  g_assert_true (check_close ("bn mean", mean,
          fixture_f32 (f.st, "mean", f.c), f.c, RTOL));
  g_assert_true (check_close ("bn rstd", rstd,
          fixture_f32 (f.st, "rstd", f.c), f.c, RTOL));
  g_free (out);
  g_free (mean);
  g_free (rstd);
  ego_safetensors_free (f.st);
}

static void
test_bn_train_backward (void)
{
  BnFixture f;
  bn_fixture_load (&f, "bn_train");
  float *dinp = g_new0 (float, f.total), *dgamma = g_new0 (float, f.c);
  float *dbeta = g_new0 (float, f.c);
  for (int i = 0; i < 2; i++)
    ego_batchnorm_backward (dinp, dgamma, dbeta,
        fixture_f32 (f.st, "dout", f.total),
        fixture_f32 (f.st, "inp", f.total), fixture_f32 (f.st, "mean", f.c),
        fixture_f32 (f.st, "rstd", f.c), fixture_f32 (f.st, "gamma", f.c),
        f.n, f.c, f.hw);
  halve (dinp, f.total);
  halve (dgamma, f.c);
  halve (dbeta, f.c);
  g_assert_true (check_close ("bn dinp", dinp,
          fixture_f32 (f.st, "dinp", f.total), f.total, RTOL));
  g_assert_true (check_close ("bn dgamma", dgamma,
          fixture_f32 (f.st, "dgamma", f.c), f.c, RTOL));
  g_assert_true (check_close ("bn dbeta", dbeta,
          fixture_f32 (f.st, "dbeta", f.c), f.c, RTOL));
  g_free (dinp);
  g_free (dgamma);
  g_free (dbeta);
  ego_safetensors_free (f.st);
}

/* The fused batch norm (with residual and ReLU, split over 3 threads) is
 * the plain one followed by the add and the ReLU, and its backward the
 * ReLU's then the plain one's; its dinp is overwritten, whatever it held. */
static void
check_bn_fused (int with_res, int relu)
{
  const int n = 3, c = 5, hw = 37;
  size_t total = (size_t) n * c * hw;
  float *inp = randn (total, 2.0f, 1), *res = randn (total, 1.0f, 2);
  float *dout = randn (total, 1.0f, 3), *gamma = randn (c, 1.0f, 4);
  float *beta = randn (c, 1.0f, 5), *want = g_new (float, total);
  float *got = g_new (float, total), *g = g_new (float, total);
  float *mean = g_new (float, c), *rstd = g_new (float, c);
  float *mean2 = g_new (float, c), *rstd2 = g_new (float, c);
  float *dgw = g_new0 (float, c), *dbw = g_new0 (float, c);
  float *dgg = g_new0 (float, c), *dbg = g_new0 (float, c);
  char *what = g_strdup_printf ("bn fused res %d relu %d", with_res, relu);
  ego_batchnorm_forward_train (want, mean, rstd, inp, gamma, beta, n, c, hw,
      1e-5f);
  for (size_t i = 0; i < total; i++) {
    float v = want[i] + (with_res ? res[i] : 0.0f);
    want[i] = relu && !(v > 0.0f) ? 0.0f : v;
  }
  ego_layers_set_threads (3);
  ego_batchnorm_forward_train_fused (got, mean2, rstd2, inp, gamma, beta,
      with_res ? res : NULL, relu, n, c, hw, 1e-5f);
  g_assert_true (check_close (what, got, want, total, 1e-6));
  g_assert_true (check_close ("bn fused mean", mean2, mean, c, 1e-6));
  g_assert_true (check_close ("bn fused rstd", rstd2, rstd, c, 1e-6));
  /* backward: the gradient at the batch norm's output is dout where the
   * fused output is positive */
  for (size_t i = 0; i < total; i++)
    g[i] = relu && !(got[i] > 0.0f) ? 0.0f : dout[i];
  memset (want, 0, total * sizeof (float));
  ego_batchnorm_backward (want, dgw, dbw, g, inp, mean, rstd, gamma, n, c,
      hw);
  ego_batchnorm_backward_fused (g, dgg, dbg, dout, relu ? got : NULL, inp,
      mean, rstd, gamma, n, c, hw);
  ego_layers_set_threads (1);
  g_assert_true (check_close ("bn fused dinp", g, want, total, 1e-5));
  g_assert_true (check_close ("bn fused dgamma", dgg, dgw, c, 1e-5));
  g_assert_true (check_close ("bn fused dbeta", dbg, dbw, c, 1e-5));
  g_free (what);
  g_free (inp);
  g_free (res);
  g_free (dout);
  g_free (gamma);
  g_free (beta);
  g_free (want);
  g_free (got);
  g_free (g);
  g_free (mean);
  g_free (rstd);
  g_free (mean2);
  g_free (rstd2);
  g_free (dgw);
  g_free (dbw);
  g_free (dgg);
  g_free (dbg);
}

static void
test_bn_fused (void)
{
  for (int with_res = 0; with_res < 2; with_res++)
    for (int relu = 0; relu < 2; relu++)
      check_bn_fused (with_res, relu);
}

static void
test_bn_running_update (void)
{
  BnFixture f;
  bn_fixture_load (&f, "bn_train");
  float *rmean = g_memdup2 (fixture_f32 (f.st, "running_mean_in", f.c),
      f.c * sizeof (float));
  float *rvar = g_memdup2 (fixture_f32 (f.st, "running_var_in", f.c),
      f.c * sizeof (float));
  ego_batchnorm_update_running (rmean, rvar, fixture_f32 (f.st, "mean", f.c),
      fixture_f32 (f.st, "rstd", f.c), f.c, f.n * f.hw,
      (float) fixture_double (f.st, "momentum"), f.eps);
  g_assert_true (check_close ("bn running mean", rmean,
          fixture_f32 (f.st, "running_mean_out", f.c), f.c, RTOL));
  g_assert_true (check_close ("bn running var", rvar,
          fixture_f32 (f.st, "running_var_out", f.c), f.c, RTOL));
  g_free (rmean);
  g_free (rvar);
  ego_safetensors_free (f.st);
}

static void
test_bn_eval_forward (void)
{
  BnFixture f;
  bn_fixture_load (&f, "bn_eval");
  float *out = g_new (float, f.total);
  ego_batchnorm_forward_eval (out, fixture_f32 (f.st, "inp", f.total),
      fixture_f32 (f.st, "gamma", f.c), fixture_f32 (f.st, "beta", f.c),
      fixture_f32 (f.st, "running_mean", f.c),
      fixture_f32 (f.st, "running_var", f.c), f.n, f.c, f.hw, f.eps);
  g_assert_true (check_close ("bn eval out", out,
          fixture_f32 (f.st, "out", f.total), f.total, RTOL));
  g_free (out);
  ego_safetensors_free (f.st);
}

/* conv then inference batch norm == one conv with the folded weights */
static void
test_bn_fold (void)
{
  EgoSafetensors *st = fixture_load ("bn_fold");
  int n = fixture_int (st, "n"), ic = fixture_int (st, "in_c");
  int oc = fixture_int (st, "out_c"), h = fixture_int (st, "h");
  int w = fixture_int (st, "w");
  float eps = (float) fixture_double (st, "eps");
  EgoConv2d c = { ic, oc, 3, 3, 1, 1, 1, 1, 1 };
  size_t k = (size_t) ic * 9;
  size_t nout = (size_t) n * oc * h * w;
  const float *inp = fixture_f32 (st, "inp", (size_t) n * ic * h * w);
  const float *bn[4] = { fixture_f32 (st, "gamma", oc),
    fixture_f32 (st, "beta", oc), fixture_f32 (st, "running_mean", oc),
    fixture_f32 (st, "running_var", oc)
  };
  float *scratch = poisoned_scratch (ego_conv2d_scratch_floats (&c, h, w));
  float *out = g_new (float, nout), *b = g_new (float, oc);
  for (int with_bias = 0; with_bias < 2; with_bias++) {
    /* in place, as a network folds its own weights */
    float *wt = g_memdup2 (fixture_f32 (st, "weight", oc * k),
        oc * k * sizeof (float));
    ego_batchnorm_fold (wt, b, wt, with_bias ? fixture_f32 (st, "bias",
            oc) : NULL, bn[0], bn[1], bn[2], bn[3], oc, (int) k, eps);
    ego_conv2d_forward (out, inp, wt, b, &c, n, h, w, scratch);
    g_assert_true (check_close (with_bias ? "folded conv+bn" :
            "folded conv+bn (no conv bias)", out, fixture_f32 (st,
                with_bias ? "out_bias" : "out_nobias", nout), nout, RTOL));
    g_free (wt);
  }
  g_free (out);
  g_free (b);
  g_free (scratch);
  ego_safetensors_free (st);
}

/* ------------------------------------------------------------------------ */
/* activations */

typedef void (*ActForward) (float *out, const float *inp, size_t n);
typedef void (*ActBackward) (float *dinp, const float *dout,
    const float *saved, size_t n);

typedef struct
{
  const char *fixture;
  ActForward forward;
  ActBackward backward;
  int saves_output;             /* backward takes out (relu), else inp */
} Activation;

static const Activation activations[] = {
  {"act_relu", ego_relu_forward, ego_relu_backward, 1},
  {"act_hardswish", ego_hardswish_forward, ego_hardswish_backward, 0},
  {"act_gelu", ego_gelu_forward, ego_gelu_backward, 0},
};

static void
test_act_forward (gconstpointer data)
{
  const Activation *a = data;
  EgoSafetensors *st = fixture_load (a->fixture);
  size_t n = fixture_tensor (st, "inp")->numel;
  float *out = g_memdup2 (fixture_f32 (st, "inp", n), n * sizeof (float));
  a->forward (out, out, n);     /* in place, which layers.h allows */
  g_assert_true (check_close (a->fixture, out, fixture_f32 (st, "out", n), n,
          RTOL));
  g_free (out);
  ego_safetensors_free (st);
}

static void
test_act_backward (gconstpointer data)
{
  const Activation *a = data;
  EgoSafetensors *st = fixture_load (a->fixture);
  size_t n = fixture_tensor (st, "inp")->numel;
  float *dinp = g_new0 (float, n);
  for (int i = 0; i < 2; i++)
    a->backward (dinp, fixture_f32 (st, "dout", n),
        fixture_f32 (st, a->saves_output ? "out" : "inp", n), n);
  halve (dinp, n);
  g_assert_true (check_close (a->fixture, dinp, fixture_f32 (st, "dinp", n),
          n, RTOL));
  g_free (dinp);
  ego_safetensors_free (st);
}

/* ------------------------------------------------------------------------ */
/* temporal shift */

typedef struct
{
  EgoSafetensors *st;
  int b, t, c, hw, fold;
  size_t total;
} ShiftFixture;

static void
shift_fixture_load (ShiftFixture * f, const char *name)
{
  f->st = fixture_load (name);
  f->b = fixture_int (f->st, "b");
  f->t = fixture_int (f->st, "t");
  f->c = fixture_int (f->st, "c");
  f->hw = fixture_int (f->st, "hw");
  f->fold = fixture_int (f->st, "fold");
  f->total = (size_t) f->b * f->t * f->c * f->hw;
}

static EgoShiftMode
shift_mode (const char *name)
{
  return g_str_has_suffix (name, "online") ? EGO_SHIFT_ONLINE
      : EGO_SHIFT_BIDIRECTIONAL;
}

static void
test_shift_forward (gconstpointer data)
{
  ShiftFixture f;
  shift_fixture_load (&f, data);
  float *out = g_new (float, f.total);
  ego_shift_forward (out, fixture_f32 (f.st, "inp", f.total), f.b, f.t, f.c,
      f.hw, f.fold, shift_mode (data));
  g_assert_true (check_close (data, out, fixture_f32 (f.st, "out", f.total),
          f.total, RTOL));
  g_free (out);
  ego_safetensors_free (f.st);
}

static void
test_shift_backward (gconstpointer data)
{
  ShiftFixture f;
  shift_fixture_load (&f, data);
  float *dinp = g_new0 (float, f.total);
  for (int i = 0; i < 2; i++)
    ego_shift_backward (dinp, fixture_f32 (f.st, "dout", f.total), f.b, f.t,
        f.c, f.hw, f.fold, shift_mode (data));
  halve (dinp, f.total);
  g_assert_true (check_close (data, dinp, fixture_f32 (f.st, "dinp",
              f.total), f.total, RTOL));
  g_free (dinp);
  ego_safetensors_free (f.st);
}

/* mode NONE is the identity, forward and backward */
static void
test_shift_none (void)
{
  int b = 2, t = 3, c = 4, hw = 5;
  size_t total = (size_t) b * t * c * hw;
  float *inp = randn (total, 1.0f, 1), *out = g_new (float, total);
  float *dinp = g_new0 (float, total);
  ego_shift_forward (out, inp, b, t, c, hw, 1, EGO_SHIFT_NONE);
  g_assert_true (check_close ("shift none", out, inp, total, RTOL));
  ego_shift_backward (dinp, inp, b, t, c, hw, 1, EGO_SHIFT_NONE);
  g_assert_true (check_close ("shift none backward", dinp, inp, total, RTOL));
  g_free (inp);
  g_free (out);
  g_free (dinp);
}

/* streaming frame by frame, one state per clip, gives the offline shift */
static void
test_shift_stream (void)
{
  ShiftFixture f;
  shift_fixture_load (&f, "shift_online");
  const float *inp = fixture_f32 (f.st, "inp", f.total);
  size_t frame = (size_t) f.c * f.hw;
  float *offline = g_new (float, f.total), *streamed = g_new (float, f.total);
  float *state = g_new (float, (size_t) f.fold * f.hw);
  ego_shift_forward (offline, inp, f.b, f.t, f.c, f.hw, f.fold,
      EGO_SHIFT_ONLINE);
  for (int b = 0; b < f.b; b++) {
    memset (state, 0, (size_t) f.fold * f.hw * sizeof (float));
    for (int t = 0; t < f.t; t++) {
      size_t at = ((size_t) b * f.t + t) * frame;
      ego_shift_stream (streamed + at, inp + at, state, f.c, f.hw, f.fold);
    }
  }
  g_assert_true (check_close ("shift stream", streamed, offline, f.total,
          RTOL));
  g_free (offline);
  g_free (streamed);
  g_free (state);
  ego_safetensors_free (f.st);
}

/* ------------------------------------------------------------------------ */
/* pooling */

static void
test_avgpool (gconstpointer data)
{
  EgoSafetensors *st = fixture_load (data);
  int n = fixture_int (st, "n"), c = fixture_int (st, "c");
  int h = fixture_int (st, "h"), w = fixture_int (st, "w");
  int k = fixture_int (st, "k"), s = fixture_int (st, "s");
  size_t ni = (size_t) n * c * h * w;
  size_t no = (size_t) n * c * ((h - k) / s + 1) * ((w - k) / s + 1);
  float *out = g_new (float, no), *dinp = g_new0 (float, ni);
  ego_avgpool_forward (out, fixture_f32 (st, "inp", ni), n, c, h, w, k, s);
  g_assert_true (check_close ("avgpool out", out, fixture_f32 (st, "out",
              no), no, RTOL));
  for (int i = 0; i < 2; i++)
    ego_avgpool_backward (dinp, fixture_f32 (st, "dout", no), n, c, h, w, k, s);
  halve (dinp, ni);
  g_assert_true (check_close ("avgpool dinp", dinp, fixture_f32 (st, "dinp",
              ni), ni, RTOL));
  g_free (out);
  g_free (dinp);
  ego_safetensors_free (st);
}

static void
test_global_avgpool (void)
{
  EgoSafetensors *st = fixture_load ("global_avgpool");
  int n = fixture_int (st, "n"), c = fixture_int (st, "c");
  int hw = fixture_int (st, "hw");
  size_t ni = (size_t) n * c * hw;
  size_t no = (size_t) n * c;
  float *out = g_new (float, no), *dinp = g_new0 (float, ni);
  ego_global_avgpool_forward (out, fixture_f32 (st, "inp", ni), n, c, hw);
  g_assert_true (check_close ("global avgpool out", out, fixture_f32 (st,
              "out", no), no, RTOL));
  for (int i = 0; i < 2; i++)
    ego_global_avgpool_backward (dinp, fixture_f32 (st, "dout", no), n, c, hw);
  halve (dinp, ni);
  g_assert_true (check_close ("global avgpool dinp", dinp, fixture_f32 (st,
              "dinp", ni), ni, RTOL));
  g_free (out);
  g_free (dinp);
  ego_safetensors_free (st);
}

/* ------------------------------------------------------------------------ */
/* linear */

static void
test_linear_forward (void)
{
  EgoSafetensors *st = fixture_load ("linear");
  int n = fixture_int (st, "n"), ic = fixture_int (st, "ic");
  int oc = fixture_int (st, "oc");
  const float *inp = fixture_f32 (st, "inp", n * ic);
  const float *weight = fixture_f32 (st, "weight", oc * ic);
  float *out = g_new (float, n * oc);
  ego_linear_forward (out, inp, weight, fixture_f32 (st, "bias", oc), n, ic,
      oc);
  g_assert_true (check_close ("linear out", out, fixture_f32 (st, "out",
              n * oc), n * oc, RTOL));
  ego_linear_forward (out, inp, weight, NULL, n, ic, oc);
  g_assert_true (check_close ("linear out (no bias)", out, fixture_f32 (st,
              "out_nobias", n * oc), n * oc, RTOL));
  g_free (out);
  ego_safetensors_free (st);
}

static void
test_linear_backward (void)
{
  EgoSafetensors *st = fixture_load ("linear");
  int n = fixture_int (st, "n"), ic = fixture_int (st, "ic");
  int oc = fixture_int (st, "oc");
  float *dinp = g_new0 (float, n * ic), *dweight = g_new0 (float, oc * ic);
  float *dbias = g_new0 (float, oc);
  for (int i = 0; i < 2; i++)
    ego_linear_backward (dinp, dweight, dbias, fixture_f32 (st, "dout",
            n * oc), fixture_f32 (st, "inp", n * ic), fixture_f32 (st,
            "weight", oc * ic), n, ic, oc);
  halve (dinp, n * ic);
  halve (dweight, oc * ic);
  halve (dbias, oc);
  g_assert_true (check_close ("linear dinp", dinp, fixture_f32 (st, "dinp",
              n * ic), n * ic, RTOL));
  g_assert_true (check_close ("linear dweight", dweight, fixture_f32 (st,
              "dweight", oc * ic), oc * ic, RTOL));
  g_assert_true (check_close ("linear dbias", dbias, fixture_f32 (st,
              "dbias", oc), oc, RTOL));
  g_free (dinp);
  g_free (dweight);
  g_free (dbias);
  ego_safetensors_free (st);
}

/* ------------------------------------------------------------------------ */
/* dropout: no reference, since torch's random stream is not ours; the
 * properties are checked instead */

static void
test_dropout (void)
{
  const size_t n = 100000;
  const float p = 0.3f, keep = 1.0f / (1.0f - p);
  float *inp = randn (n, 1.0f, 2), *out = g_new (float, n);
  float *mask = g_new (float, n), *mask2 = g_new (float, n);
  float *dinp = g_new0 (float, n);
  EgoRng rng;
  size_t dropped = 0;
  ego_rng_seed (&rng, 42, 1);
  ego_dropout_forward (out, mask, inp, n, p, &rng);
  for (size_t i = 0; i < n; i++) {
    g_assert_true (mask[i] == 0.0f || mask[i] == keep);
    g_assert_true (out[i] == inp[i] * mask[i]);
    dropped += mask[i] == 0.0f;
  }
  /* binomial: the standard deviation of the fraction is 0.0014 */
  g_assert_cmpfloat (fabs ((double) dropped / n - p), <, 0.01);
  /* backward: dinp += dout * mask, dout = inp here */
  ego_dropout_backward (dinp, inp, mask, n);
  ego_dropout_backward (dinp, inp, mask, n);
  halve (dinp, n);
  g_assert_true (check_close ("dropout dinp", dinp, out, n, RTOL));
  /* the same seed gives the same mask */
  ego_rng_seed (&rng, 42, 1);
  ego_dropout_forward (out, mask2, inp, n, p, &rng);
  g_assert_true (memcmp (mask, mask2, n * sizeof (float)) == 0);
  g_free (inp);
  g_free (out);
  g_free (mask);
  g_free (mask2);
  g_free (dinp);
}

static void
test_dropout_p0 (void)
{
  const size_t n = 1000;
  float *inp = randn (n, 1.0f, 3), *out = g_new (float, n);
  float *mask = g_new (float, n);
  EgoRng rng;
  ego_rng_seed (&rng, 1, 1);
  ego_dropout_forward (out, mask, inp, n, 0.0f, &rng);
  for (size_t i = 0; i < n; i++)
    g_assert_true (mask[i] == 1.0f && out[i] == inp[i]);
  g_free (inp);
  g_free (out);
  g_free (mask);
}

/* ------------------------------------------------------------------------ */
/* finite-difference gradient checks: loss = sum (out * r) for a fixed random
 * r, so its gradient w.r.t. the output is r */

typedef struct
{
  EgoConv2d c;
  int n, h, w;
  float *inp, *weight, *bias, *out, *r, *scratch;
  size_t nout;
} ConvCtx;

static double
conv_loss (void *ctx)
{
  ConvCtx *x = ctx;
  ego_conv2d_forward (x->out, x->inp, x->weight, x->bias, &x->c, x->n, x->h,
      x->w, x->scratch);
  return dot (x->out, x->r, x->nout);
}

static void
gradcheck_conv (EgoConv2d c, int n, int h, int w, const char *what)
{
  ConvCtx x = {.c = c,.n = n,.h = h,.w = w };
  size_t ninp = (size_t) n * c.in_c * h * w;
  size_t nw = (size_t) c.out_c * (c.in_c / c.groups) * c.kh * c.kw;
  size_t oh = ego_conv2d_out_h (&c, h), ow = ego_conv2d_out_w (&c, w);
  x.nout = oh * ow * c.out_c * n;
  x.inp = randn (ninp, 1.0f, 10);
  x.weight = randn (nw, 0.5f, 11);
  x.bias = randn (c.out_c, 1.0f, 12);
  x.r = randn (x.nout, 1.0f, 13);
  x.out = g_new (float, x.nout);
  x.scratch = poisoned_scratch (ego_conv2d_scratch_floats (&c, h, w));
  float *dinp = g_new0 (float, ninp), *dweight = g_new0 (float, nw);
  float *dbias = g_new0 (float, c.out_c);
  ego_conv2d_backward (dinp, dweight, dbias, x.r, x.inp, x.weight, &c, n, h,
      w, x.scratch);
  /* conv is linear in each argument: a large step loses nothing */
  char *name = g_strdup_printf ("%s dinp", what);
  g_assert_true (gradcheck (name, conv_loss, &x, x.inp, dinp, ninp, 200,
          1e-2f, 2e-3));
  g_free (name);
  name = g_strdup_printf ("%s dweight", what);
  g_assert_true (gradcheck (name, conv_loss, &x, x.weight, dweight, nw, 200,
          1e-2f, 2e-3));
  g_free (name);
  name = g_strdup_printf ("%s dbias", what);
  g_assert_true (gradcheck (name, conv_loss, &x, x.bias, dbias, c.out_c, 200,
          1e-2f, 2e-3));
  g_free (name);
  g_free (x.inp);
  g_free (x.weight);
  g_free (x.bias);
  g_free (x.r);
  g_free (x.out);
  g_free (x.scratch);
  g_free (dinp);
  g_free (dweight);
  g_free (dbias);
}

typedef struct
{
  const char *what;
  EgoConv2d c;                  /* in_c, out_c, kh, kw, sh, sw, ph, pw, groups */
  int n, h, w;
} ConvCase;

static const ConvCase gradcheck_convs[] = {
  /* groups, a stride, and an edge column the stride skips */
  {"conv2d", {4, 6, 3, 3, 2, 2, 1, 1, 2}, 2, 7, 8},
  {"conv2d 3x1", {3, 4, 3, 1, 1, 1, 1, 0, 1}, 2, 5, 4},
  {"conv2d depthwise", {4, 4, 3, 3, 1, 1, 1, 1, 4}, 2, 5, 6},
  {"conv2d 1x1", {6, 4, 1, 1, 1, 1, 0, 0, 1}, 2, 3, 5},
};

static void
test_gradcheck_conv2d (void)
{
  for (size_t i = 0; i < G_N_ELEMENTS (gradcheck_convs); i++) {
    const ConvCase *k = &gradcheck_convs[i];
    gradcheck_conv (k->c, k->n, k->h, k->w, k->what);
  }
}

typedef struct
{
  int n, c, hw;
  float *inp, *gamma, *beta, *out, *mean, *rstd, *r;
} BnCtx;

static double
bn_loss (void *ctx)
{
  BnCtx *x = ctx;
  ego_batchnorm_forward_train (x->out, x->mean, x->rstd, x->inp, x->gamma,
      x->beta, x->n, x->c, x->hw, 1e-5f);
  return dot (x->out, x->r, (size_t) x->n * x->c * x->hw);
}

static void
test_gradcheck_batchnorm (void)
{
  BnCtx x = {.n = 3,.c = 4,.hw = 10 };
  size_t total = (size_t) x.n * x.c * x.hw;
  x.inp = randn (total, 2.0f, 20);
  x.gamma = randn (x.c, 1.0f, 21);
  x.beta = randn (x.c, 1.0f, 22);
  x.r = randn (total, 1.0f, 23);
  x.out = g_new (float, total);
  x.mean = g_new (float, x.c);
  x.rstd = g_new (float, x.c);
  float *dinp = g_new0 (float, total), *dgamma = g_new0 (float, x.c);
  float *dbeta = g_new0 (float, x.c);
  bn_loss (&x);
  ego_batchnorm_backward (dinp, dgamma, dbeta, x.r, x.inp, x.mean, x.rstd,
      x.gamma, x.n, x.c, x.hw);
  g_assert_true (gradcheck ("batchnorm dinp", bn_loss, &x, x.inp, dinp,
          total, 200, 1e-2f, 1e-2));
  g_assert_true (gradcheck ("batchnorm dgamma", bn_loss, &x, x.gamma, dgamma,
          x.c, 200, 1e-2f, 1e-2));
  g_assert_true (gradcheck ("batchnorm dbeta", bn_loss, &x, x.beta, dbeta,
          x.c, 200, 1e-2f, 1e-2));
  g_free (x.inp);
  g_free (x.gamma);
  g_free (x.beta);
  g_free (x.r);
  g_free (x.out);
  g_free (x.mean);
  g_free (x.rstd);
  g_free (dinp);
  g_free (dgamma);
  g_free (dbeta);
}

typedef struct
{
  const Activation *a;
  float *inp, *out, *r;
  size_t n;
} ActCtx;

static double
act_loss (void *ctx)
{
  ActCtx *x = ctx;
  x->a->forward (x->out, x->inp, x->n);
  return dot (x->out, x->r, x->n);
}

static void
test_gradcheck_activation (gconstpointer data)
{
  ActCtx x = {.a = data,.n = 200 };
  x.inp = randn (x.n, 2.5f, 30);
  /* keep away from the kinks (hardswish's at +-3, relu's at 0), where a
   * central difference straddles two slopes */
  for (size_t i = 0; i < x.n; i++) {
    float v = x.inp[i];
    if (fabsf (v) < 0.05f || fabsf (fabsf (v) - 3.0f) < 0.05f)
      x.inp[i] += 0.1f;
  }
  x.r = randn (x.n, 1.0f, 31);
  x.out = g_new (float, x.n);
  float *dinp = g_new0 (float, x.n);
  act_loss (&x);
  x.a->backward (dinp, x.r, x.a->saves_output ? x.out : x.inp, x.n);
  g_assert_true (gradcheck (x.a->fixture, act_loss, &x, x.inp, dinp, x.n,
          200, 1e-2f, 1e-2));
  g_free (x.inp);
  g_free (x.r);
  g_free (x.out);
  g_free (dinp);
}

typedef struct
{
  int n, ic, oc;
  float *inp, *weight, *bias, *out, *r;
} LinearCtx;

static double
linear_loss (void *ctx)
{
  LinearCtx *x = ctx;
  ego_linear_forward (x->out, x->inp, x->weight, x->bias, x->n, x->ic, x->oc);
  return dot (x->out, x->r, (size_t) x->n * x->oc);
}

static void
test_gradcheck_linear (void)
{
  LinearCtx x = {.n = 4,.ic = 9,.oc = 5 };
  x.inp = randn (x.n * x.ic, 1.0f, 40);
  x.weight = randn (x.oc * x.ic, 0.5f, 41);
  x.bias = randn (x.oc, 1.0f, 42);
  x.r = randn (x.n * x.oc, 1.0f, 43);
  x.out = g_new (float, x.n * x.oc);
  float *dinp = g_new0 (float, x.n * x.ic);
  float *dweight = g_new0 (float, x.oc * x.ic);
  float *dbias = g_new0 (float, x.oc);
  ego_linear_backward (dinp, dweight, dbias, x.r, x.inp, x.weight, x.n, x.ic,
      x.oc);
  g_assert_true (gradcheck ("linear dinp", linear_loss, &x, x.inp, dinp,
          x.n * x.ic, 200, 1e-2f, 2e-3));
  g_assert_true (gradcheck ("linear dweight", linear_loss, &x, x.weight,
          dweight, x.oc * x.ic, 200, 1e-2f, 2e-3));
  g_assert_true (gradcheck ("linear dbias", linear_loss, &x, x.bias, dbias,
          x.oc, 200, 1e-2f, 2e-3));
  g_free (x.inp);
  g_free (x.weight);
  g_free (x.bias);
  g_free (x.r);
  g_free (x.out);
  g_free (dinp);
  g_free (dweight);
  g_free (dbias);
}

/* ------------------------------------------------------------------------ */

static const char *const conv_cases[] = {
  "conv_3x3", "conv_3x3_nobias", "conv_stride2", "conv_3x1", "conv_5x3_s21",
  "conv_1x1", "conv_1x1_s2", "conv_grouped", "conv_depthwise", "conv_dw_s2",
};

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (size_t i = 0; i < G_N_ELEMENTS (conv_cases); i++) {
    const char *name = conv_cases[i], *label = name + strlen ("conv_");
    char *path = g_strdup_printf ("/conv2d/forward/%s", label);
    g_test_add_data_func (path, name, test_conv_forward);
    g_free (path);
    path = g_strdup_printf ("/conv2d/backward/%s", label);
    g_test_add_data_func (path, name, test_conv_backward);
    g_free (path);
  }
  g_test_add_func ("/batchnorm/train/forward", test_bn_train_forward);
  g_test_add_func ("/batchnorm/train/backward", test_bn_train_backward);
  g_test_add_func ("/batchnorm/train/fused", test_bn_fused);
  g_test_add_func ("/batchnorm/running-update", test_bn_running_update);
  g_test_add_func ("/batchnorm/eval/forward", test_bn_eval_forward);
  g_test_add_func ("/batchnorm/fold", test_bn_fold);
  for (size_t i = 0; i < G_N_ELEMENTS (activations); i++) {
    const char *label = activations[i].fixture + strlen ("act_");
    char *path = g_strdup_printf ("/%s/forward", label);
    g_test_add_data_func (path, &activations[i], test_act_forward);
    g_free (path);
    path = g_strdup_printf ("/%s/backward", label);
    g_test_add_data_func (path, &activations[i], test_act_backward);
    g_free (path);
  }
  g_test_add_data_func ("/shift/online/forward", "shift_online",
      test_shift_forward);
  g_test_add_data_func ("/shift/online/backward", "shift_online",
      test_shift_backward);
  g_test_add_data_func ("/shift/bidirectional/forward",
      "shift_bidirectional", test_shift_forward);
  g_test_add_data_func ("/shift/bidirectional/backward",
      "shift_bidirectional", test_shift_backward);
  g_test_add_func ("/shift/none", test_shift_none);
  g_test_add_func ("/shift/stream", test_shift_stream);
  g_test_add_data_func ("/avgpool/k2s2", "avgpool_k2s2", test_avgpool);
  g_test_add_data_func ("/avgpool/k3s2", "avgpool_k3s2", test_avgpool);
  g_test_add_func ("/avgpool/global", test_global_avgpool);
  g_test_add_func ("/linear/forward", test_linear_forward);
  g_test_add_func ("/linear/backward", test_linear_backward);
  g_test_add_func ("/dropout/mask", test_dropout);
  g_test_add_func ("/dropout/p0", test_dropout_p0);
  g_test_add_func ("/gradcheck/conv2d", test_gradcheck_conv2d);
  g_test_add_func ("/gradcheck/batchnorm", test_gradcheck_batchnorm);
  g_test_add_data_func ("/gradcheck/relu", &activations[0],
      test_gradcheck_activation);
  g_test_add_data_func ("/gradcheck/hardswish", &activations[1],
      test_gradcheck_activation);
  g_test_add_data_func ("/gradcheck/gelu", &activations[2],
      test_gradcheck_activation);
  g_test_add_func ("/gradcheck/linear", test_gradcheck_linear);
  return g_test_run ();
}
