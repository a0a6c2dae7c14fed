/* ego-bench: the speed of the network library on this machine.
 *
 *   ego-bench [--model FILE] [--iterations N] [--threads N] [--save FILE]
 *             [--json]
 *
 * Prints, from one run: the OpenBLAS sgemm rate; the rate of every distinct
 * convolution of the network as the network runs it (ego_conv2d_pack, then
 * ego_conv2d_forward_packed, which is ego_conv2d_forward on CPUs without a
 * direct kernel) with batch 1 (the
 * streaming case), against that sgemm rate and against a bare sgemm of the
 * convolution's own matrix shape; and the per-frame streaming forward time.
 * Without --model it benchmarks the default student with random weights and
 * two heads of 10 and 8 classes.
 *
 * Absolute times drift on shared machines, so the figures to read are the
 * ratios against peers measured in the same run. pipelines/bench.sh adds the
 * other peer: the same network in PyTorch, loaded from the file --save
 * writes. The --json output also carries the logits of one fixed frame
 * (x[i] = ((i * 7919) % 1000) / 500 - 1, a fresh stream) so that the peer
 * can check it runs the very same weights.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>
#include <glib.h>
#include <json-glib/json-glib.h>

#include "tsmnet.h"

#define DEFAULT_ITERATIONS 200
#define DEFAULT_SEED 1
#define MIN_WARMUP_S 0.05

/* ------------------------------------------------------------------------ */
/* Timing */

typedef void (*BenchFn) (gpointer data);

typedef struct
{
  double median, best;          /* seconds per call */
} Timing;

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

static Timing
summarize (double *t, int n)
{
  Timing r;
  qsort (t, n, sizeof (double), cmp_double);
  r.best = t[0];
  r.median = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
  return r;
}

/* One thing to time and, once measured, its timing. */
typedef struct
{
  BenchFn fn;
  gpointer data;
  Timing r;
} Job;

static void
job_set (Job * job, BenchFn fn, gpointer data)
{
  job->fn = fn;
  job->data = data;
}

/* Times every job iters times, in rounds that visit all of them, so that a
 * neighbour's burst on this shared machine slows the peers alike and the
 * ratios between them hold. In a round each job runs once untimed, to bring
 * its data back into the caches as a layer's input is when the network runs
 * it, then once timed. The warm-up lets the clock ramp up and OpenBLAS set
 * up its buffers. */
static void
measure_jobs (Job * jobs, int n_jobs, int iters)
{
  double *t = g_new (double, (size_t) n_jobs * iters), start = now_s ();
  for (int w = 0; w < 3 || now_s () - start < MIN_WARMUP_S; w++)
    for (int j = 0; j < n_jobs; j++)
      jobs[j].fn (jobs[j].data);
  for (int i = 0; i < iters; i++) {
    for (int j = 0; j < n_jobs; j++) {
      double t0;
      jobs[j].fn (jobs[j].data);
      t0 = now_s ();
      jobs[j].fn (jobs[j].data);
      t[(size_t) j * iters + i] = now_s () - t0;
    }
  }
  for (int j = 0; j < n_jobs; j++)
    jobs[j].r = summarize (t + (size_t) j * iters, iters);
  g_free (t);
}

static float *
random_floats (size_t n, EgoRng * rng)
{
  float *p = g_new (float, n > 0 ? n : 1);
  for (size_t i = 0; i < n; i++)
    p[i] = ego_rng_normal (rng);
  return p;
}

/* ------------------------------------------------------------------------ */
/* sgemm: row-major C (m, n) = A (m, k) . B (k, n), as the convolutions call
 * it */

typedef struct
{
  int m, n, k;
  float *a, *b, *c;
} GemmJob;

static void
gemm_run (gpointer data)
{
  GemmJob *g = data;
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, g->m, g->n, g->k,
      1.0f, g->a, g->k, g->b, g->n, 0.0f, g->c, g->n);
}

static void
gemm_job_init (GemmJob * g, int m, int n, int k, EgoRng * rng)
{
  g->m = m;
  g->n = n;
  g->k = k;
  g->a = random_floats ((size_t) m * k, rng);
  g->b = random_floats ((size_t) k * n, rng);
  g->c = random_floats ((size_t) m * n, rng);
}

static void
gemm_job_clear (GemmJob * g)
{
  g_free (g->a);
  g_free (g->b);
  g_free (g->c);
}

static double
gflops (double flops, double seconds)
{
  return flops / seconds * 1e-9;
}

/* ------------------------------------------------------------------------ */
/* The network's convolutions, re-derived from its configuration by the
 * rules of models/tsmnet.c: a 3x3/2 stem; per block conv1 3x3 (stride 2 in
 * the first block of every stage after the first), conv2 3x3/1, and a 1x1
 * "down" convolution of the block input when the size or width changes. */

typedef struct
{
  char name[32];                /* the first layer of this shape */
  int count;                    /* layers of this shape in the network */
  EgoConv2d conv;
  int h, w, oh, ow;
  Timing conv_t;                /* ego_conv2d_forward_packed, batch 1 */
  Timing gemm_t;                /* sgemm (out_c, oh*ow, in_c*k*k) alone */
} ConvShape;

static double
conv_flops (const ConvShape * s)
{
  const EgoConv2d *c = &s->conv;
  return 2.0 * c->out_c * s->oh * s->ow * c->in_c * c->kh * c->kw;
}

/* Adds a layer to shapes (or counts it under an identical earlier one);
 * *h and *w become its output size. */
static void
add_conv (GArray * shapes, const char *name, int in_c, int out_c, int k,
    int stride, int *h, int *w)
{
  EgoConv2d c = { in_c, out_c, k, k, stride, stride, k / 2, k / 2, 1 };
  ConvShape s;
  int oh = ego_conv2d_out_h (&c, *h), ow = ego_conv2d_out_w (&c, *w);
  for (guint i = 0; i < shapes->len; i++) {
    ConvShape *e = &g_array_index (shapes, ConvShape, i);
    if (memcmp (&e->conv, &c, sizeof (c)) == 0 && e->h == *h && e->w == *w) {
      e->count++;
      *h = oh;
      *w = ow;
      return;
    }
  }
  memset (&s, 0, sizeof (s));
  g_strlcpy (s.name, name, sizeof (s.name));
  s.count = 1;
  s.conv = c;
  s.h = *h;
  s.w = *w;
  s.oh = oh;
  s.ow = ow;
  g_array_append_val (shapes, s);
  *h = oh;
  *w = ow;
}

static GArray *
network_convs (const EgoNetConfig * cfg)
{
  GArray *shapes = g_array_new (FALSE, TRUE, sizeof (ConvShape));
  int c = cfg->base_width, h = cfg->height, w = cfg->width;
  char name[32];
  add_conv (shapes, "stem", cfg->in_channels, c, 3, 2, &h, &w);
  for (int s = 0; s < cfg->n_stages; s++) {
    int out_c = cfg->base_width << s;
    for (int b = 0; b < cfg->blocks[s]; b++) {
      int stride = s > 0 && b == 0 ? 2 : 1, dh = h, dw = w;
      g_snprintf (name, sizeof (name), "stages.%d.%d.conv1", s, b);
      add_conv (shapes, name, c, out_c, 3, stride, &h, &w);
      g_snprintf (name, sizeof (name), "stages.%d.%d.conv2", s, b);
      add_conv (shapes, name, out_c, out_c, 3, 1, &h, &w);
      if (stride != 1 || c != out_c) {
        g_snprintf (name, sizeof (name), "stages.%d.%d.down", s, b);
        add_conv (shapes, name, c, out_c, 1, stride, &dh, &dw);
      }
      c = out_c;
    }
  }
  return shapes;
}

typedef struct
{
  const ConvShape *s;
  float *inp, *weight, *bias, *out, *scratch;
  float *packed;                /* NULL without a direct kernel */
} ConvJob;

static void
conv_run (gpointer data)
{
  ConvJob *j = data;
  ego_conv2d_forward_packed (j->out, j->inp, j->weight, j->packed, j->bias,
      NULL, 0, &j->s->conv, 1, j->s->h, j->s->w, j->scratch);
}

/* data for one convolution, with a bias as the folded network runs it */
static void
conv_job_init (ConvJob * j, const ConvShape * s, EgoRng * rng)
{
  const EgoConv2d *c = &s->conv;
  j->s = s;
  j->inp = random_floats ((size_t) c->in_c * s->h * s->w, rng);
  j->weight = random_floats ((size_t) c->out_c * c->in_c * c->kh * c->kw, rng);
  j->bias = random_floats ((size_t) c->out_c, rng);
  j->out = random_floats ((size_t) c->out_c * s->oh * s->ow, rng);
  j->scratch = random_floats (ego_conv2d_scratch_floats (c, s->h, s->w), rng);
  j->packed = NULL;
  if (ego_conv2d_packed_floats (c) > 0) {
    /* aligned as the network's (tsmnet_infer.c) */
    j->packed = g_aligned_alloc (ego_conv2d_packed_floats (c), sizeof (float),
        64);
    ego_conv2d_pack (j->packed, j->weight, c);
  }
}

static void
conv_job_clear (ConvJob * j)
{
  g_free (j->inp);
  g_free (j->weight);
  g_free (j->bias);
  g_free (j->out);
  g_free (j->scratch);
  g_aligned_free (j->packed);
}

/* ------------------------------------------------------------------------ */
/* The network */

/* A default student with random weights and the metadata a model file
 * needs, so that --save writes something the PyTorch reference loads. */
static EgoNet *
default_net (EgoModelMeta * meta, GError ** error)
{
  static const char *heads[] = { "verb", "noun" };
  static const int classes[] = { 10, 8 };
  EgoNetConfig cfg;
  EgoNet *net;
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
    meta->mean[c] = 0.5f;
    meta->std[c] = 0.25f;
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
  net = ego_net_new (&cfg, DEFAULT_SEED, error);
  if (net && !ego_net_prepare_inference (net, error))
    g_clear_pointer (&net, ego_net_free);
  return net;
}

/* the frame both benchmarks feed the network (see the top of the file) */
static float *
check_frame (const EgoNetConfig * cfg)
{
  size_t n = (size_t) cfg->in_channels * cfg->height * cfg->width;
  float *x = g_new (float, n);
  for (size_t i = 0; i < n; i++)
    x[i] = (float) ((i * 7919) % 1000) / 500.0f - 1.0f;
  return x;
}

typedef struct
{
  EgoNetStream *stream;
  const float *frame;
} StreamJob;

static void
stream_run (gpointer data)
{
  StreamJob *j = data;
  float *logits[EGO_MAX_HEADS];
  ego_net_stream_push (j->stream, j->frame, logits);
}

/* ------------------------------------------------------------------------ */
/* Report */

typedef struct
{
  const char *model;
  int threads, iterations;
  const EgoNetConfig *cfg;
  Timing sgemm_typical, sgemm_square;
  double sgemm_rate;            /* GFLOP/s, the faster of the two */
  GArray *convs;                /* ConvShape */
  double flops;                 /* per frame */
  double conv_s;                /* per frame: the convolutions' share */
  Timing forward;
  float *logits[EGO_MAX_HEADS]; /* of the check frame */
} Report;

#define TYPICAL_M 64
#define TYPICAL_N 3136
#define TYPICAL_K 576
#define SQUARE 512

/* the timings of run_benchmarks's jobs into the report */
static void
collect (Report * r, const Job * jobs)
{
  guint n = r->convs->len;
  r->sgemm_typical = jobs[0].r;
  r->sgemm_square = jobs[1].r;
  r->sgemm_rate = MAX (gflops (2.0 * TYPICAL_M * TYPICAL_N * TYPICAL_K,
          r->sgemm_typical.median), gflops (2.0 * SQUARE * SQUARE * SQUARE,
          r->sgemm_square.median));
  r->conv_s = 0.0;
  for (guint i = 0; i < n; i++) {
    ConvShape *s = &g_array_index (r->convs, ConvShape, i);
    s->gemm_t = jobs[2 + i].r;
    s->conv_t = jobs[2 + n + i].r;
    r->conv_s += s->count * s->conv_t.median;
  }
  r->forward = jobs[2 + 2 * n].r;
}

/* A stream on the check frame; its first logits are kept for the peer. */
static gboolean
stream_job_init (StreamJob * j, Report * r, EgoNet * net, GError ** error)
{
  const EgoNetConfig *cfg = ego_net_config (net);
  float *logits[EGO_MAX_HEADS];
  j->frame = check_frame (cfg);
  j->stream = ego_net_stream_new (net, error);
  if (j->stream == NULL) {
    g_free ((float *) j->frame);
    return FALSE;
  }
  ego_net_stream_push (j->stream, j->frame, logits);
  for (int h = 0; h < cfg->n_heads; h++)
    r->logits[h] = g_memdup2 (logits[h], cfg->classes[h] * sizeof (float));
  return TRUE;
}

/* Jobs: sgemm typical and square, then per convolution shape the
 * convolution and the sgemm of its shape, then the streaming forward. */
static gboolean
run_benchmarks (Report * r, EgoNet * net, GError ** error)
{
  guint n;
  int n_jobs;
  GemmJob *gemms;
  ConvJob *convs;
  StreamJob sj;
  Job *jobs;
  EgoRng rng;
  r->cfg = ego_net_config (net);
  r->convs = network_convs (r->cfg);
  r->flops = ego_net_flops_per_frame (net);
  if (!stream_job_init (&sj, r, net, error))
    return FALSE;
  n = r->convs->len;
  n_jobs = 3 + 2 * n;
  gemms = g_new0 (GemmJob, 2 + n);
  convs = g_new0 (ConvJob, n);
  jobs = g_new0 (Job, n_jobs);
  ego_rng_seed (&rng, 7, 1);
  gemm_job_init (&gemms[0], TYPICAL_M, TYPICAL_N, TYPICAL_K, &rng);
  gemm_job_init (&gemms[1], SQUARE, SQUARE, SQUARE, &rng);
  for (guint i = 0; i < n; i++) {
    const ConvShape *s = &g_array_index (r->convs, ConvShape, i);
    const EgoConv2d *c = &s->conv;
    conv_job_init (&convs[i], s, &rng);
    gemm_job_init (&gemms[2 + i], c->out_c, s->oh * s->ow,
        c->in_c * c->kh * c->kw, &rng);
  }
  for (guint i = 0; i < 2 + n; i++)
    job_set (&jobs[i], gemm_run, &gemms[i]);
  for (guint i = 0; i < n; i++)
    job_set (&jobs[2 + n + i], conv_run, &convs[i]);
  job_set (&jobs[n_jobs - 1], stream_run, &sj);
  measure_jobs (jobs, n_jobs, r->iterations);
  collect (r, jobs);
  for (guint i = 0; i < 2 + n; i++)
    gemm_job_clear (&gemms[i]);
  for (guint i = 0; i < n; i++)
    conv_job_clear (&convs[i]);
  ego_net_stream_free (sj.stream);
  g_free ((float *) sj.frame);
  g_free (jobs);
  g_free (convs);
  g_free (gemms);
  return TRUE;
}

static void
print_text_convs (const Report * r)
{
  printf ("\nconvolutions (ego_conv2d_forward_packed, batch 1, median):\n"
      "  %-18s %2s %9s %3s %7s %16s %6s %7s %7s %6s %9s %6s\n", "layer", "n",
      "in->out", "k/s", "out", "sgemm M x N x K", "MFLOP", "us", "GFLOP/s",
      "/sgemm", "same-shape", "/same");
  for (guint i = 0; i < r->convs->len; i++) {
    const ConvShape *s = &g_array_index (r->convs, ConvShape, i);
    const EgoConv2d *c = &s->conv;
    double f = conv_flops (s), rate = gflops (f, s->conv_t.median);
    double same = gflops (f, s->gemm_t.median);
    char io[24], ks[8], out[16], mnk[32];
    g_snprintf (io, sizeof (io), "%d->%d", c->in_c, c->out_c);
    g_snprintf (ks, sizeof (ks), "%d/%d", c->kh, c->sh);
    g_snprintf (out, sizeof (out), "%dx%d", s->oh, s->ow);
    g_snprintf (mnk, sizeof (mnk), "%dx%dx%d", c->out_c, s->oh * s->ow,
        c->in_c * c->kh * c->kw);
    printf ("  %-18s %2d %9s %3s %7s %16s %6.1f %7.1f %7.1f %6.2f %9.1f "
        "%6.2f\n", s->name, s->count, io, ks, out, mnk, f * 1e-6,
        s->conv_t.median * 1e6, rate, rate / r->sgemm_rate, same, rate / same);
  }
}

static void
print_text (const Report * r)
{
  const EgoNetConfig *cfg = r->cfg;
  double fwd = r->forward.median;
  printf ("ego-bench: %s, %dx%dx%d input, width %d, %d stages; %d thread%s, "
      "median of %d runs\n", r->model ? r->model : "default student",
      cfg->in_channels, cfg->height, cfg->width, cfg->base_width,
      cfg->n_stages, r->threads, r->threads == 1 ? "" : "s", r->iterations);
  printf ("\nOpenBLAS sgemm (row-major, NN; %s kernels):\n"
      "  M=%d N=%d K=%d  %7.1f GFLOP/s\n"
      "  M=N=K=%d          %7.1f GFLOP/s\n"
      "  sgemm rate            %7.1f GFLOP/s (the faster of the two)\n",
      openblas_get_corename (), TYPICAL_M, TYPICAL_N, TYPICAL_K,
      gflops (2.0 * TYPICAL_M * TYPICAL_N * TYPICAL_K,
          r->sgemm_typical.median), SQUARE,
      gflops (2.0 * SQUARE * SQUARE * SQUARE, r->sgemm_square.median),
      r->sgemm_rate);
  print_text_convs (r);
  printf ("  all convolutions: %.3f ms per frame, %.1f GFLOP/s, %.2f of "
      "sgemm\n", r->conv_s * 1e3, gflops (r->flops, r->conv_s),
      gflops (r->flops, r->conv_s) / r->sgemm_rate);
  printf ("\nper-frame streaming forward (EgoNetStream push):\n"
      "  %.3f GFLOP/frame, %.3f ms median (%.3f best), %.1f GFLOP/s, %.2f "
      "of sgemm\n  convolutions %.3f ms, everything else %.3f ms\n",
      r->flops * 1e-9, fwd * 1e3, r->forward.best * 1e3,
      gflops (r->flops, fwd), gflops (r->flops, fwd) / r->sgemm_rate,
      r->conv_s * 1e3, (fwd - r->conv_s) * 1e3);
}

static void
json_timing (JsonBuilder * b, const char *member, Timing t, double flops)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "median_ms");
  json_builder_add_double_value (b, t.median * 1e3);
  json_builder_set_member_name (b, "best_ms");
  json_builder_add_double_value (b, t.best * 1e3);
  json_builder_set_member_name (b, "gflops");
  json_builder_add_double_value (b, gflops (flops, t.median));
  json_builder_end_object (b);
}

static void
json_int (JsonBuilder * b, const char *member, gint64 v)
{
  json_builder_set_member_name (b, member);
  json_builder_add_int_value (b, v);
}

static void
json_double (JsonBuilder * b, const char *member, double v)
{
  json_builder_set_member_name (b, member);
  json_builder_add_double_value (b, v);
}

static void
json_convs (JsonBuilder * b, const Report * r)
{
  json_builder_set_member_name (b, "convs");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->convs->len; i++) {
    const ConvShape *s = &g_array_index (r->convs, ConvShape, i);
    const EgoConv2d *c = &s->conv;
    double f = conv_flops (s);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, s->name);
    json_int (b, "count", s->count);
    json_int (b, "in_c", c->in_c);
    json_int (b, "out_c", c->out_c);
    json_int (b, "k", c->kh);
    json_int (b, "stride", c->sh);
    json_int (b, "in_h", s->h);
    json_int (b, "in_w", s->w);
    json_int (b, "out_h", s->oh);
    json_int (b, "out_w", s->ow);
    json_double (b, "mflop", f * 1e-6);
    json_timing (b, "conv", s->conv_t, f);
    json_timing (b, "sgemm_same_shape", s->gemm_t, f);
    json_double (b, "vs_sgemm", gflops (f, s->conv_t.median) / r->sgemm_rate);
    json_double (b, "vs_same_shape", s->gemm_t.median / s->conv_t.median);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
}

static void
json_sgemm (JsonBuilder * b, const Report * r)
{
  json_builder_set_member_name (b, "sgemm");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "openblas_core");
  json_builder_add_string_value (b, openblas_get_corename ());
  json_timing (b, "typical", r->sgemm_typical,
      2.0 * TYPICAL_M * TYPICAL_N * TYPICAL_K);
  json_int (b, "typical_m", TYPICAL_M);
  json_int (b, "typical_n", TYPICAL_N);
  json_int (b, "typical_k", TYPICAL_K);
  json_timing (b, "square", r->sgemm_square, 2.0 * SQUARE * SQUARE * SQUARE);
  json_int (b, "square_n", SQUARE);
  json_double (b, "gflops", r->sgemm_rate);
  json_builder_end_object (b);
}

static void
json_forward (JsonBuilder * b, const Report * r)
{
  json_builder_set_member_name (b, "forward");
  json_builder_begin_object (b);
  json_double (b, "gflop_per_frame", r->flops * 1e-9);
  json_timing (b, "stream", r->forward, r->flops);
  json_double (b, "vs_sgemm", gflops (r->flops, r->forward.median)
      / r->sgemm_rate);
  json_double (b, "conv_ms", r->conv_s * 1e3);
  json_double (b, "other_ms", (r->forward.median - r->conv_s) * 1e3);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "check_logits");
  json_builder_begin_array (b);
  for (int h = 0; h < r->cfg->n_heads; h++) {
    json_builder_begin_array (b);
    for (int i = 0; i < r->cfg->classes[h]; i++)
      json_builder_add_double_value (b, r->logits[h][i]);
    json_builder_end_array (b);
  }
  json_builder_end_array (b);
}

static void
print_json (const Report * r)
{
  JsonBuilder *b = json_builder_new ();
  JsonNode *root;
  char *s;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, r->model ? r->model : "default");
  json_int (b, "threads", r->threads);
  json_int (b, "iterations", r->iterations);
  json_sgemm (b, r);
  json_convs (b, r);
  json_forward (b, r);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  s = json_to_string (root, TRUE);
  printf ("%s\n", s);
  g_free (s);
  json_node_unref (root);
  g_object_unref (b);
}

/* ------------------------------------------------------------------------ */

static char *opt_model = NULL;
static char *opt_save = NULL;
static int opt_iterations = DEFAULT_ITERATIONS;
static int opt_threads = 1;
static gboolean opt_json = FALSE;

static const GOptionEntry entries[] = {
  {"model", 'm', 0, G_OPTION_ARG_FILENAME, &opt_model,
      "Model file to benchmark (default: the default student, random "
        "weights, heads of 10 and 8 classes)", "FILE"},
  {"iterations", 'n', 0, G_OPTION_ARG_INT, &opt_iterations,
      "Timed runs of every measurement (default 200)", "N"},
  {"threads", 't', 0, G_OPTION_ARG_INT, &opt_threads,
      "OpenBLAS threads (default 1)", "N"},
  {"save", 's', 0, G_OPTION_ARG_FILENAME, &opt_save,
      "Write the benchmarked model to FILE, for the PyTorch peer", "FILE"},
  {"json", 'j', 0, G_OPTION_ARG_NONE, &opt_json,
      "Print the results as JSON", NULL},
  {NULL, 0, 0, 0, NULL, NULL, NULL}
};

static gboolean
parse_options (int *argc, char ***argv, GError ** error)
{
  GOptionContext *ctx = g_option_context_new ("- benchmark the network "
      "library");
  gboolean ok;
  g_option_context_add_main_entries (ctx, entries, NULL);
  ok = g_option_context_parse (ctx, argc, argv, error);
  g_option_context_free (ctx);
  if (ok && (opt_iterations < 1 || opt_iterations > 1000000
          || opt_threads < 1 || opt_threads > 256)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--iterations must be 1 to 1000000 and --threads 1 to 256");
    ok = FALSE;
  }
  return ok;
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  EgoModelMeta meta;
  EgoNet *net = NULL;
  Report r;
  memset (&r, 0, sizeof (r));
  memset (&meta, 0, sizeof (meta));
  if (!parse_options (&argc, &argv, &error))
    goto failed;
  ego_set_num_threads (opt_threads);
  net = opt_model ? ego_net_load (opt_model, &meta, &error)
      : default_net (&meta, &error);
  if (net == NULL || (opt_save && !ego_net_save (net, &meta, opt_save, &error)))
    goto failed;
  r.model = opt_model;
  r.threads = opt_threads;
  r.iterations = opt_iterations;
  if (!run_benchmarks (&r, net, &error))
    goto failed;
  if (opt_json)
    print_json (&r);
  else
    print_text (&r);
  for (int h = 0; h < EGO_MAX_HEADS; h++)
    g_free (r.logits[h]);
  g_array_unref (r.convs);
  ego_net_free (net);
  ego_model_meta_clear (&meta);
  return 0;

  /* ERRORS */
failed:
  g_printerr ("ego-bench: %s\n", error->message);
  g_clear_error (&error);
  if (r.convs)
    g_array_unref (r.convs);
  ego_net_free (net);
  ego_model_meta_clear (&meta);
  return 1;
}
