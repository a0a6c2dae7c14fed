/* Sequence layers and losses against the PyTorch reference
 * (models/reference/gen_layers_seq.py): layer norm, embedding, attention
 * core, softmax, log-softmax, cross-entropy, distillation, temporal mean.
 *
 * Each layer is checked three ways: forward and backward against the
 * fixture, backward a second time into the same buffers (it must add, not
 * overwrite), and a finite-difference check of the gradient of
 * sum(out * dout), which does not depend on the reference at all. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "fixture.h"
#include "layers.h"

#define RTOL 1e-4
/* float forward passes, central differences: a step of 1e-2 keeps the
 * rounding of the loss well under the truncation error */
#define GC_EPS 1e-2f
#define GC_TOL 1e-2
#define GC_CHECKS 64

static float *
dup_floats (const float *x, size_t n)
{
  return g_memdup2 (x, n * sizeof (float));
}

/* sum(a * b) in double: the scalar whose gradient w.r.t. a is b */
static double
weighted_sum (const float *a, const float *b, size_t n)
{
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += (double) a[i] * b[i];
  return s;
}

/* grad holds once + factor * once after a second backward call (scaled by
 * factor): the convention that backward adds into its gradients */
static int
check_accumulated (const char *what, const float *grad, const float *once,
    size_t n, float factor)
{
  float *want = g_new (float, n);
  for (size_t i = 0; i < n; i++)
    want[i] = once[i] + factor * once[i];
  int ok = check_close (what, grad, want, n, 1e-6);
  g_free (want);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* layer norm */

typedef struct
{
  float *inp, *weight, *bias, *out, *mean, *rstd;
  const float *dout;
  int n, c;
  float eps;
} LayerNormCase;

static LayerNormCase
layernorm_case (const EgoSafetensors * st)
{
  LayerNormCase x;
  x.n = fixture_int (st, "n");
  x.c = fixture_int (st, "c");
  x.eps = (float) fixture_double (st, "eps");
  size_t nc = (size_t) x.n * x.c;
  x.inp = dup_floats (fixture_f32 (st, "inp", nc), nc);
  x.weight = dup_floats (fixture_f32 (st, "weight", x.c), x.c);
  x.bias = dup_floats (fixture_f32 (st, "bias", x.c), x.c);
  x.dout = fixture_f32 (st, "dout", nc);
  x.out = g_new0 (float, nc);
  x.mean = g_new0 (float, x.n);
  x.rstd = g_new0 (float, x.n);
  return x;
}

static void
layernorm_case_free (LayerNormCase * x)
{
  g_free (x->inp);
  g_free (x->weight);
  g_free (x->bias);
  g_free (x->out);
  g_free (x->mean);
  g_free (x->rstd);
}

static double
layernorm_loss (void *ctx)
{
  LayerNormCase *x = ctx;
  ego_layernorm_forward (x->out, x->mean, x->rstd, x->inp, x->weight,
      x->bias, x->n, x->c, x->eps);
  return weighted_sum (x->out, x->dout, (size_t) x->n * x->c);
}

static void
test_layernorm (void)
{
  EgoSafetensors *st = fixture_load ("layernorm");
  LayerNormCase x = layernorm_case (st);
  size_t nc = (size_t) x.n * x.c;
  float *dinp = g_new0 (float, nc);
  float *dw = g_new0 (float, x.c), *db = g_new0 (float, x.c);

  layernorm_loss (&x);
  g_assert_true (check_close ("layernorm out", x.out,
          fixture_f32 (st, "out", nc), nc, RTOL));
  ego_layernorm_backward (dinp, dw, db, x.dout, x.inp, x.weight, x.mean,
      x.rstd, x.n, x.c);
  g_assert_true (check_close ("layernorm dinp", dinp,
          fixture_f32 (st, "dinp", nc), nc, RTOL));
  g_assert_true (check_close ("layernorm dweight", dw,
          fixture_f32 (st, "dweight", x.c), x.c, RTOL));
  g_assert_true (check_close ("layernorm dbias", db,
          fixture_f32 (st, "dbias", x.c), x.c, RTOL));

  float *once = dup_floats (dinp, nc);
  ego_layernorm_backward (dinp, NULL, NULL, x.dout, x.inp, x.weight, x.mean,
      x.rstd, x.n, x.c);
  g_assert_true (check_accumulated ("layernorm dinp added", dinp, once, nc,
          1.0f));

  g_free (once);
  g_free (dinp);
  g_free (dw);
  g_free (db);
  layernorm_case_free (&x);
  ego_safetensors_free (st);
}

static void
test_layernorm_gradcheck (void)
{
  EgoSafetensors *st = fixture_load ("layernorm");
  LayerNormCase x = layernorm_case (st);
  size_t nc = (size_t) x.n * x.c;
  float *dinp = g_new0 (float, nc);
  float *dw = g_new0 (float, x.c), *db = g_new0 (float, x.c);

  layernorm_loss (&x);
  ego_layernorm_backward (dinp, dw, db, x.dout, x.inp, x.weight, x.mean,
      x.rstd, x.n, x.c);
  g_assert_true (gradcheck ("layernorm inp", layernorm_loss, &x, x.inp, dinp,
          nc, GC_CHECKS, GC_EPS, GC_TOL));
  g_assert_true (gradcheck ("layernorm weight", layernorm_loss, &x, x.weight,
          dw, x.c, GC_CHECKS, GC_EPS, GC_TOL));
  g_assert_true (gradcheck ("layernorm bias", layernorm_loss, &x, x.bias, db,
          x.c, GC_CHECKS, GC_EPS, GC_TOL));

  g_free (dinp);
  g_free (dw);
  g_free (db);
  layernorm_case_free (&x);
  ego_safetensors_free (st);
}

/* ------------------------------------------------------------------------ */
/* embedding */

typedef struct
{
  float *table, *out;
  const float *dout;
  const int32_t *ids;
  int n, c;
} EmbeddingCase;

static double
embedding_loss (void *ctx)
{
  EmbeddingCase *x = ctx;
  ego_embedding_forward (x->out, x->ids, x->table, x->n, x->c);
  return weighted_sum (x->out, x->dout, (size_t) x->n * x->c);
}

/* ids repeat in the fixture: their rows of dtable sum several positions */
static void
test_embedding (void)
{
  EgoSafetensors *st = fixture_load ("embedding");
  int v = fixture_int (st, "v");
  EmbeddingCase x;
  x.n = fixture_int (st, "n");
  x.c = fixture_int (st, "c");
  size_t nc = (size_t) x.n * x.c, vc = (size_t) v * x.c;
  x.table = dup_floats (fixture_f32 (st, "table", vc), vc);
  x.ids = fixture_i32 (st, "ids", x.n);
  x.dout = fixture_f32 (st, "dout", nc);
  x.out = g_new0 (float, nc);
  float *dtable = g_new0 (float, vc);

  embedding_loss (&x);
  g_assert_true (check_close ("embedding out", x.out,
          fixture_f32 (st, "out", nc), nc, RTOL));
  ego_embedding_backward (dtable, x.dout, x.ids, x.n, x.c);
  g_assert_true (check_close ("embedding dtable", dtable,
          fixture_f32 (st, "dtable", vc), vc, RTOL));
  float *once = dup_floats (dtable, vc);
  ego_embedding_backward (dtable, x.dout, x.ids, x.n, x.c);
  g_assert_true (check_accumulated ("embedding dtable added", dtable, once,
          vc, 1.0f));
  g_assert_true (gradcheck ("embedding table", embedding_loss, &x, x.table,
          once, vc, GC_CHECKS, GC_EPS, GC_TOL));

  g_free (once);
  g_free (dtable);
  g_free (x.out);
  g_free (x.table);
  ego_safetensors_free (st);
}

/* ------------------------------------------------------------------------ */
/* attention core */

typedef struct
{
  float *qkv, *out, *att;
  const float *dout;
  const uint8_t *key_mask;
  int b, t, c, nh, causal;
} AttentionCase;

static AttentionCase
attention_case (const EgoSafetensors * st)
{
  AttentionCase x;
  x.b = fixture_int (st, "b");
  x.t = fixture_int (st, "t");
  x.c = fixture_int (st, "c");
  x.nh = fixture_int (st, "nh");
  x.causal = fixture_int (st, "causal");
  size_t btc = (size_t) x.b * x.t * x.c;
  x.qkv = dup_floats (fixture_f32 (st, "qkv", 3 * btc), 3 * btc);
  x.dout = fixture_f32 (st, "dout", btc);
  x.out = g_new0 (float, btc);
  x.att = g_new0 (float, (size_t) x.b * x.nh * x.t * x.t);
  x.key_mask = NULL;
  const EgoStTensor *m = ego_safetensors_find (st, "key_mask");
  if (m != NULL) {
    g_assert_cmpint (m->dtype, ==, EGO_DTYPE_U8);
    g_assert_cmpint (m->numel, ==, (gint64) x.b * x.t);
    x.key_mask = m->data;
  }
  return x;
}

static void
attention_case_free (AttentionCase * x)
{
  g_free (x->qkv);
  g_free (x->out);
  g_free (x->att);
}

static double
attention_loss (void *ctx)
{
  AttentionCase *x = ctx;
  ego_attention_forward (x->out, x->att, x->qkv, x->key_mask, x->b, x->t,
      x->c, x->nh, x->causal);
  return weighted_sum (x->out, x->dout, (size_t) x->b * x->t * x->c);
}

/* data: the fixture's name */
static void
test_attention_forward (gconstpointer data)
{
  EgoSafetensors *st = fixture_load (data);
  AttentionCase x = attention_case (st);
  size_t btc = (size_t) x.b * x.t * x.c;
  size_t natt = (size_t) x.b * x.nh * x.t * x.t;

  /* stale values must not leak into masked entries or empty rows */
  for (size_t i = 0; i < natt; i++)
    x.att[i] = 7.0f;
  for (size_t i = 0; i < btc; i++)
    x.out[i] = 7.0f;
  attention_loss (&x);
  g_assert_true (check_close ("attention out", x.out,
          fixture_f32 (st, "out", btc), btc, RTOL));
  g_assert_true (check_close ("attention att", x.att,
          fixture_f32 (st, "att", natt), natt, RTOL));

  attention_case_free (&x);
  ego_safetensors_free (st);
}

static void
test_attention_backward (gconstpointer data)
{
  EgoSafetensors *st = fixture_load (data);
  AttentionCase x = attention_case (st);
  size_t n = 3 * (size_t) x.b * x.t * x.c;
  float *dqkv = g_new0 (float, n);

  attention_loss (&x);
  ego_attention_backward (dqkv, x.dout, x.qkv, x.att, x.b, x.t, x.c, x.nh);
  g_assert_true (check_close ("attention dqkv", dqkv,
          fixture_f32 (st, "dqkv", n), n, RTOL));
  float *once = dup_floats (dqkv, n);
  ego_attention_backward (dqkv, x.dout, x.qkv, x.att, x.b, x.t, x.c, x.nh);
  g_assert_true (check_accumulated ("attention dqkv added", dqkv, once, n,
          1.0f));
  g_assert_true (gradcheck ("attention qkv", attention_loss, &x, x.qkv, once,
          n, 4 * GC_CHECKS, GC_EPS, GC_TOL));

  g_free (once);
  g_free (dqkv);
  attention_case_free (&x);
  ego_safetensors_free (st);
}

/* ------------------------------------------------------------------------ */
/* softmax and log-softmax */

typedef struct
{
  float *inp, *out;
  const float *dout;
  int n, k, log;
} SoftmaxCase;

static double
softmax_loss (void *ctx)
{
  SoftmaxCase *x = ctx;
  if (x->log)
    ego_log_softmax_forward (x->out, x->inp, x->n, x->k);
  else
    ego_softmax_forward (x->out, x->inp, x->n, x->k);
  return weighted_sum (x->out, x->dout, (size_t) x->n * x->k);
}

/* data: non-NULL for log-softmax. Row 0 of the input is offset by 80, where
 * exp() overflows unless the row maximum is subtracted first. */
static void
test_softmax (gconstpointer data)
{
  EgoSafetensors *st = fixture_load ("softmax");
  SoftmaxCase x;
  x.log = data != NULL;
  x.n = fixture_int (st, "n");
  x.k = fixture_int (st, "k");
  size_t nk = (size_t) x.n * x.k;
  x.inp = dup_floats (fixture_f32 (st, "inp", nk), nk);
  x.dout = fixture_f32 (st, x.log ? "log_dout" : "dout", nk);
  x.out = g_new0 (float, nk);
  float *dinp = g_new0 (float, nk);

  softmax_loss (&x);
  g_assert_true (check_close (x.log ? "log_softmax out" : "softmax out",
          x.out, fixture_f32 (st, x.log ? "log_out" : "out", nk), nk, RTOL));
  if (x.log)
    ego_log_softmax_backward (dinp, x.dout, x.out, x.n, x.k);
  else
    ego_softmax_backward (dinp, x.dout, x.out, x.n, x.k);
  g_assert_true (check_close (x.log ? "log_softmax dinp" : "softmax dinp",
          dinp, fixture_f32 (st, x.log ? "log_dinp" : "dinp", nk), nk, RTOL));
  float *once = dup_floats (dinp, nk);
  if (x.log)
    ego_log_softmax_backward (dinp, x.dout, x.out, x.n, x.k);
  else
    ego_softmax_backward (dinp, x.dout, x.out, x.n, x.k);
  g_assert_true (check_accumulated ("softmax dinp added", dinp, once, nk,
          1.0f));
  g_assert_true (gradcheck (x.log ? "log_softmax inp" : "softmax inp",
          softmax_loss, &x, x.inp, once, nk, GC_CHECKS, GC_EPS, GC_TOL));

  g_free (once);
  g_free (dinp);
  g_free (x.out);
  g_free (x.inp);
  ego_safetensors_free (st);
}

/* ------------------------------------------------------------------------ */
/* cross-entropy and distillation */

typedef struct
{
  float *logits;
  const float *teacher;         /* distillation only */
  const int32_t *targets;       /* cross-entropy only */
  int n, k;
  float param;                  /* smoothing or temperature */
} LossCase;

static double
cross_entropy_loss (void *ctx)
{
  LossCase *x = ctx;
  return ego_cross_entropy_forward (x->logits, x->targets, x->n, x->k,
      x->param);
}

static double
distill_loss (void *ctx)
{
  LossCase *x = ctx;
  return ego_distill_forward (x->logits, x->teacher, x->n, x->k, x->param);
}

/* data: the fixture's name (no smoothing, or 0.1) */
static void
test_cross_entropy (gconstpointer data)
{
  EgoSafetensors *st = fixture_load (data);
  LossCase x;
  x.n = fixture_int (st, "n");
  x.k = fixture_int (st, "k");
  x.param = (float) fixture_double (st, "smoothing");
  size_t nk = (size_t) x.n * x.k;
  x.logits = dup_floats (fixture_f32 (st, "logits", nk), nk);
  x.targets = fixture_i32 (st, "targets", x.n);
  float *dlogits = g_new0 (float, nk);
  float loss = cross_entropy_loss (&x);

  g_assert_true (check_close ("cross_entropy loss", &loss,
          fixture_f32 (st, "loss", 1), 1, RTOL));
  ego_cross_entropy_backward (dlogits, x.logits, x.targets, x.n, x.k,
      x.param, 1.0f);
  g_assert_true (check_close ("cross_entropy dlogits", dlogits,
          fixture_f32 (st, "dlogits", nk), nk, RTOL));
  float *once = dup_floats (dlogits, nk);
  ego_cross_entropy_backward (dlogits, x.logits, x.targets, x.n, x.k,
      x.param, 0.5f);
  g_assert_true (check_accumulated ("cross_entropy scaled, added", dlogits,
          once, nk, 0.5f));
  g_assert_true (gradcheck ("cross_entropy logits", cross_entropy_loss, &x,
          x.logits, once, nk, GC_CHECKS, GC_EPS, GC_TOL));

  /* logits of a thousand: the log-sum-exp must not overflow, and the loss
   * and its gradient do not change when every logit moves by the same */
  for (size_t i = 0; i < nk; i++)
    x.logits[i] += 1000.0f;
  float shifted = cross_entropy_loss (&x);
  memset (dlogits, 0, nk * sizeof (float));
  ego_cross_entropy_backward (dlogits, x.logits, x.targets, x.n, x.k,
      x.param, 1.0f);
  /* float spacing at 1000 is 6e-5, so the shifted logits lose digits */
  g_assert_true (check_close ("cross_entropy loss +1000", &shifted, &loss, 1,
          1e-3));
  g_assert_true (check_close ("cross_entropy dlogits +1000", dlogits, once,
          nk, 1e-2));

  g_free (once);
  g_free (dlogits);
  g_free (x.logits);
  ego_safetensors_free (st);
}

/* data: the fixture's name (T = 1 or 4) */
static void
test_distill (gconstpointer data)
{
  EgoSafetensors *st = fixture_load (data);
  LossCase x;
  x.n = fixture_int (st, "n");
  x.k = fixture_int (st, "k");
  x.param = (float) fixture_double (st, "temperature");
  size_t nk = (size_t) x.n * x.k;
  x.logits = dup_floats (fixture_f32 (st, "zs", nk), nk);
  x.teacher = fixture_f32 (st, "zt", nk);
  float *dzs = g_new0 (float, nk);
  float loss = distill_loss (&x);

  g_assert_true (check_close ("distill loss", &loss,
          fixture_f32 (st, "loss", 1), 1, RTOL));
  ego_distill_backward (dzs, x.logits, x.teacher, x.n, x.k, x.param, 1.0f);
  g_assert_true (check_close ("distill dzs", dzs,
          fixture_f32 (st, "dzs", nk), nk, RTOL));
  float *once = dup_floats (dzs, nk);
  ego_distill_backward (dzs, x.logits, x.teacher, x.n, x.k, x.param, 2.0f);
  g_assert_true (check_accumulated ("distill scaled, added", dzs, once, nk,
          2.0f));
  g_assert_true (gradcheck ("distill zs", distill_loss, &x, x.logits, once,
          nk, GC_CHECKS, GC_EPS, GC_TOL));

  /* a student equal to its teacher has nothing to learn */
  float zero = ego_distill_forward (x.teacher, x.teacher, x.n, x.k, x.param);
  g_assert_cmpfloat (fabsf (zero), <, 1e-6f);

  g_free (once);
  g_free (dzs);
  g_free (x.logits);
  ego_safetensors_free (st);
}

/* ------------------------------------------------------------------------ */
/* temporal mean */

typedef struct
{
  float *inp, *out;
  const float *dout;
  int b, t, k;
} TemporalCase;

static double
temporal_loss (void *ctx)
{
  TemporalCase *x = ctx;
  ego_temporal_mean_forward (x->out, x->inp, x->b, x->t, x->k);
  return weighted_sum (x->out, x->dout, (size_t) x->b * x->k);
}

static void
test_temporal_mean (void)
{
  EgoSafetensors *st = fixture_load ("temporal_mean");
  TemporalCase x;
  x.b = fixture_int (st, "b");
  x.t = fixture_int (st, "t");
  x.k = fixture_int (st, "k");
  size_t n = (size_t) x.b * x.t * x.k, bk = (size_t) x.b * x.k;
  x.inp = dup_floats (fixture_f32 (st, "inp", n), n);
  x.dout = fixture_f32 (st, "dout", bk);
  x.out = g_new0 (float, bk);
  float *dinp = g_new0 (float, n);

  temporal_loss (&x);
  g_assert_true (check_close ("temporal_mean out", x.out,
          fixture_f32 (st, "out", bk), bk, RTOL));
  ego_temporal_mean_backward (dinp, x.dout, x.b, x.t, x.k);
  g_assert_true (check_close ("temporal_mean dinp", dinp,
          fixture_f32 (st, "dinp", n), n, RTOL));
  float *once = dup_floats (dinp, n);
  ego_temporal_mean_backward (dinp, x.dout, x.b, x.t, x.k);
  g_assert_true (check_accumulated ("temporal_mean dinp added", dinp, once,
          n, 1.0f));
  g_assert_true (gradcheck ("temporal_mean inp", temporal_loss, &x, x.inp,
          once, n, GC_CHECKS, GC_EPS, GC_TOL));

  g_free (once);
  g_free (dinp);
  g_free (x.out);
  g_free (x.inp);
  ego_safetensors_free (st);
}

int
main (int argc, char **argv)
{
  static const char *const attention[][2] = {
    {"plain", "attention_plain"},
    {"causal", "attention_causal"},
    {"key-mask", "attention_keymask"},
    {"causal-key-mask", "attention_causal_keymask"},
  };

  g_test_init (&argc, &argv, NULL);
  /* report every mismatch of a run, not only the first */
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/layernorm/forward-backward", test_layernorm);
  g_test_add_func ("/layernorm/gradcheck", test_layernorm_gradcheck);
  g_test_add_func ("/embedding/repeated-ids", test_embedding);
  for (size_t i = 0; i < G_N_ELEMENTS (attention); i++) {
    char *fwd = g_strdup_printf ("/attention/forward/%s", attention[i][0]);
    char *bwd = g_strdup_printf ("/attention/backward/%s", attention[i][0]);
    g_test_add_data_func (fwd, attention[i][1], test_attention_forward);
    g_test_add_data_func (bwd, attention[i][1], test_attention_backward);
    g_free (fwd);
    g_free (bwd);
  }
  g_test_add_data_func ("/softmax/softmax", NULL, test_softmax);
  g_test_add_data_func ("/softmax/log-softmax", "log", test_softmax);
  g_test_add_data_func ("/loss/cross-entropy", "cross_entropy",
      test_cross_entropy);
  g_test_add_data_func ("/loss/cross-entropy-smoothing",
      "cross_entropy_smooth", test_cross_entropy);
  g_test_add_data_func ("/loss/distill-t1", "distill_t1", test_distill);
  g_test_add_data_func ("/loss/distill-t4", "distill_t4", test_distill);
  g_test_add_func ("/temporal-mean/forward-backward", test_temporal_mean);

  return g_test_run ();
}
