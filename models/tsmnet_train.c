/* gst-ego network library: tsmnet training forward and backward.
 *
 * Forward keeps every activation backward needs in one block sized by
 * ego_net_train_reserve; backward is its mirror image, block by block in
 * reverse, with six gradient buffers of the largest activation reused
 * throughout. Each batch norm runs fused with the residual add and ReLU
 * after it, forward and backward.
 *
 * The work is split over ego_layers_threads () threads (ego_parallel_for):
 * convolutions by chunks of CHUNK_FRAMES frames, each chunk one thread's,
 * on the direct kernels where the CPU has them (weights packed afresh each
 * step) and else single-threaded sgemm; batch norms by channel; shifts by
 * clip. A convolution's weight gradient is summed per chunk, then over the
 * chunks in order, so a step gives the same result for any number of
 * threads. */
#include "tsmnet_private.h"

#include <string.h>

#include <cblas.h>

#include "ego_error.h"

/* Frames per unit of parallel work: fixed, so that the sums over a batch
 * do not depend on the threads; 8 gives the 128 frames of a batch of 16
 * clips 16 chunks, enough to keep 2 to 8 threads evenly busy. */
#define CHUNK_FRAMES 8

static size_t
frame_size (int c, int h, int w)
{
  return (size_t) c * h * w;
}

static int
n_chunks (int n)
{
  return (n + CHUNK_FRAMES - 1) / CHUNK_FRAMES;
}

/* packed weights are carved at multiples of 16 floats, 64 bytes */
static size_t
round16 (size_t n)
{
  return (n + 15) / 16 * 16;
}

static size_t
weight_floats (const EgoConv2d * c)
{
  return (size_t) c->out_c * (c->in_c / c->groups) * c->kh * c->kw;
}

/* a convolution's part of the sizes ego_net_measure finds */
static void
measure_conv (EgoNet * net, const ConvBn * cb)
{
  net->max_scratch = MAX (net->max_scratch,
      ego_conv2d_scratch_floats (&cb->conv, cb->in_h, cb->in_w));
  net->max_scratch = MAX (net->max_scratch,
      ego_conv2d_weight_grad_scratch_floats (&cb->conv, CHUNK_FRAMES,
          cb->in_h, cb->in_w));
  net->max_weight = MAX (net->max_weight, weight_floats (&cb->conv));
  net->packed_floats += round16 (ego_conv2d_packed_floats (&cb->conv))
      + round16 (ego_conv2d_packed_input_grad_floats (&cb->conv));
}

/* Activation floats of one frame, and the largest single activation, conv
 * scratch and weight, walking the network as forward does. */
size_t
ego_net_measure (EgoNet * net)
{
  ConvBn *st = &net->stem;
  size_t total = 2 * frame_size (st->conv.out_c, st->out_h, st->out_w);
  net->max_act = frame_size (net->cfg.in_channels, st->in_h, st->in_w);
  net->max_act = MAX (net->max_act, total / 2);
  net->max_scratch = net->max_weight = net->packed_floats = 0;
  measure_conv (net, st);
  for (int i = 0; i < net->n_blocks; i++) {
    Block *blk = &net->blocks[i];
    size_t in = frame_size (blk->in_c, blk->in_h, blk->in_w);
    size_t out = frame_size (blk->out_c, blk->out_h, blk->out_w);
    total += (blk->fold ? in : 0) + out * (blk->has_down ? 5 : 4);
    net->max_act = MAX (net->max_act, MAX (in, out));
    measure_conv (net, &blk->c1);
    measure_conv (net, &blk->c2);
    if (blk->has_down)
      measure_conv (net, &blk->down);
  }
  total += 3 * (size_t) net->feat_c;
  for (int k = 0; k < net->cfg.n_heads; k++)
    total += net->cfg.classes[k];
  return total;
}

static size_t
bn_stat_floats (EgoNet * net)
{
  size_t n = 2 * (size_t) net->stem.conv.out_c;
  for (int i = 0; i < net->n_blocks; i++)
    n += 2 * (size_t) net->blocks[i].out_c * (net->blocks[i].has_down ? 3 : 2);
  return n;
}

static float *
take (float **p, size_t n)
{
  float *r = *p;
  *p += n;
  return r;
}

static void
carve_packed (ConvBn * cb, float **p)
{
  size_t np = ego_conv2d_packed_floats (&cb->conv);
  size_t npt = ego_conv2d_packed_input_grad_floats (&cb->conv);
  cb->tp = np ? take (p, round16 (np)) : NULL;
  cb->tpt = npt ? take (p, round16 (npt)) : NULL;
}

static void
carve_conv_bn (ConvBn * cb, float **p, float **stats, int n)
{
  cb->out = take (p, (size_t) n * frame_size (cb->conv.out_c, cb->out_h,
          cb->out_w));
  cb->mean = take (stats, cb->conv.out_c);
  cb->rstd = take (stats, cb->conv.out_c);
}

static void
carve_activations (EgoNet * net, int n, int b)
{
  float *p = net->act, *stats;
  ConvBn *st = &net->stem;
  /* first, at the block's 64-byte aligned start */
  carve_packed (st, &p);
  for (int i = 0; i < net->n_blocks; i++) {
    carve_packed (&net->blocks[i].c1, &p);
    carve_packed (&net->blocks[i].c2, &p);
    if (net->blocks[i].has_down)
      carve_packed (&net->blocks[i].down, &p);
  }
  for (int g = 0; g < 6; g++)
    net->grad_buf[g] = take (&p, (size_t) n * net->max_act);
  net->dw_part = take (&p, n_chunks (n) * net->max_weight);
  stats = take (&p, bn_stat_floats (net));
  carve_conv_bn (st, &p, &stats, n);
  net->stem_a = take (&p, n * frame_size (st->conv.out_c, st->out_h,
          st->out_w));
  for (int i = 0; i < net->n_blocks; i++) {
    Block *blk = &net->blocks[i];
    size_t out = (size_t) n * frame_size (blk->out_c, blk->out_h, blk->out_w);
    blk->xs = blk->fold ? take (&p, (size_t) n * frame_size (blk->in_c,
            blk->in_h, blk->in_w)) : NULL;
    carve_conv_bn (&blk->c1, &p, &stats, n);
    blk->a1 = take (&p, out);
    carve_conv_bn (&blk->c2, &p, &stats, n);
    if (blk->has_down)
      carve_conv_bn (&blk->down, &p, &stats, n);
    blk->y = take (&p, out);
  }
  net->pooled = take (&p, (size_t) n * net->feat_c);
  net->dropped = take (&p, (size_t) n * net->feat_c);
  net->drop_mask = take (&p, (size_t) n * net->feat_c);
  for (int k = 0; k < net->cfg.n_heads; k++) {
    net->frame_logits[k] = take (&p, (size_t) n * net->cfg.classes[k]);
    net->window_logits[k] = take (&p, (size_t) b * net->cfg.classes[k]);
    net->window_dlogits[k] = take (&p, (size_t) b * net->cfg.classes[k]);
  }
}

/* Conv scratch for every thread, (threads, max_scratch); FALSE, keeping
 * what there was, if out of memory. */
static gboolean
reserve_scratch (EgoNet * net, int threads)
{
  float *s;
  if (threads <= net->scratch_threads)
    return TRUE;
  s = g_try_new (float, (size_t) threads * net->max_scratch);
  if (s == NULL)
    return FALSE;
  g_free (net->conv_scratch);
  net->conv_scratch = s;
  net->scratch_threads = threads;
  return TRUE;
}

gboolean
ego_net_train_reserve (EgoNet * net, int b, int t, GError ** error)
{
  size_t per_frame, n, total;
  if (b < 1 || t < 1 || b > 4096 || t > 256) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "network: batch of %d clips of %d frames is out of range", b, t);
    return FALSE;
  }
  n = (size_t) b * t;
  net->b = b;
  net->t = t;
  if ((int) n <= net->cap_frames && b <= net->cap_frames)
    return TRUE;
  per_frame = ego_net_measure (net);
  total = net->packed_floats + n * (per_frame + 6 * net->max_act)
      + n_chunks ((int) n) * net->max_weight + bn_stat_floats (net);
  for (int k = 0; k < net->cfg.n_heads; k++)
    total += 2 * (size_t) b * net->cfg.classes[k];
  g_aligned_free (net->act);
  net->act = g_aligned_alloc0 (total, sizeof (float), 64);
  net->scratch_threads = 0;
  if (net->act == NULL || !reserve_scratch (net, ego_layers_threads ())) {
    net->cap_frames = 0;
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "network: cannot allocate %zu MB of activations for %zu frames",
        total * sizeof (float) >> 20, n);
    return FALSE;
  }
  net->cap_frames = (int) n;
  carve_activations (net, (int) n, b);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Threads */

/* The threads of this step: those set, or if there is no memory for their
 * scratch, those ego_net_train_reserve found it for (at least one; the
 * result is the same). */
static int
step_threads (EgoNet * net)
{
  int threads = CLAMP (ego_layers_threads (), 1, EGO_MAX_THREADS);
  return reserve_scratch (net, threads) ? threads : net->scratch_threads;
}

static float *
thread_scratch (EgoNet * net, int thread)
{
  return net->conv_scratch + (size_t) thread * net->max_scratch;
}

/* Each chunk's sgemm runs in its thread alone: OpenBLAS's own threads
 * would only compete with ours. Returns OpenBLAS's count to restore. */
static int
blas_single_thread (void)
{
  int was = openblas_get_num_threads ();
  openblas_set_num_threads (1);
  return was;
}

/* The frames [*f0, *f0 + *nf) of chunk i of n frames */
static void
chunk_frames (int i, int n, int *f0, int *nf)
{
  *f0 = i * CHUNK_FRAMES;
  *nf = MIN (CHUNK_FRAMES, n - *f0);
}

/* One convolution's work over n frames, chunk by chunk. */
typedef struct
{
  EgoNet *net;
  ConvBn *cb;
  int n;
  size_t fin, fout;             /* floats of one input, output frame */
  const float *inp, *dconv;
  float *dinp;
  gboolean add;
} ConvJob;

static ConvJob
conv_job (EgoNet * net, ConvBn * cb, int n)
{
  ConvJob j = { net, cb, n, frame_size (cb->conv.in_c, cb->in_h, cb->in_w),
    frame_size (cb->conv.out_c, cb->out_h, cb->out_w), NULL, NULL, NULL,
    FALSE
  };
  return j;
}

/* A ReLU's backward over n frames of size floats: dx += dy where y > 0 */
typedef struct
{
  float *dx;
  const float *dy, *y;
  int n;
  size_t size;
} ReluJob;

static void
relu_backward_chunk (int i, int thread, void *data)
{
  const ReluJob *j = data;
  int f0, nf;
  chunk_frames (i, j->n, &f0, &nf);
  ego_relu_backward (j->dx + f0 * j->size, j->dy + f0 * j->size,
      j->y + f0 * j->size, nf * j->size);
}

static void
relu_backward_chunks (float *dx, const float *dy, const float *y, int n,
    size_t size, int threads)
{
  ReluJob j = { dx, dy, y, n, size };
  ego_parallel_for (n_chunks (n), threads, relu_backward_chunk, &j);
}

/* dw (numel) += the sum of parts (chunks, stride) in chunk order; split
 * over threads by blocks of PART_BLOCK elements */
#define PART_BLOCK 1024

typedef struct
{
  float *dw;
  const float *parts;
  int chunks;
  size_t stride, numel;
} PartsJob;

static void
add_parts_block (int bi, int thread, void *data)
{
  const PartsJob *j = data;
  size_t j0 = (size_t) bi * PART_BLOCK, j1 = MIN (j->numel, j0 + PART_BLOCK);
  for (int c = 0; c < j->chunks; c++) {
    const float *p = j->parts + c * j->stride;
    for (size_t e = j0; e < j1; e++)
      j->dw[e] += p[e];
  }
}

static void
add_parts (float *dw, const float *parts, int chunks, size_t stride,
    size_t numel, int threads)
{
  PartsJob j = { dw, parts, chunks, stride, numel };
  ego_parallel_for ((int) ((numel + PART_BLOCK - 1) / PART_BLOCK), threads,
      add_parts_block, &j);
}

/* The temporal shift of a block, clip by clip: a clip's frames only
 * exchange channels among themselves. */
typedef struct
{
  const Block *blk;
  int t;
  EgoShiftMode mode;
  float *dst;
  const float *src;
  gboolean backward;
} ShiftJob;

static void
shift_clip (int i, int thread, void *data)
{
  const ShiftJob *j = data;
  const Block *blk = j->blk;
  int hw = blk->in_h * blk->in_w;
  size_t clip = (size_t) j->t * blk->in_c * hw;
  if (j->backward) {
    memset (j->dst + i * clip, 0, clip * sizeof (float));
    ego_shift_backward (j->dst + i * clip, j->src + i * clip, 1, j->t,
        blk->in_c, hw, blk->fold, j->mode);
  } else {
    ego_shift_forward (j->dst + i * clip, j->src + i * clip, 1, j->t,
        blk->in_c, hw, blk->fold, j->mode);
  }
}

/* dst = shift (src), or with backward, dst = the gradient at the shift's
 * input from src at its output (written) */
static void
shift_clips (EgoNet * net, const Block * blk, float *dst, const float *src,
    gboolean backward, int threads)
{
  ShiftJob j = { blk, net->t, net->cfg.shift, dst, src, backward };
  ego_parallel_for (net->b, threads, shift_clip, &j);
}

/* ------------------------------------------------------------------------ */
/* Convolutions, chunk by chunk */

static void
conv_forward_chunk (int i, int thread, void *data)
{
  const ConvJob *j = data;
  const ConvBn *cb = j->cb;
  int f0, nf;
  chunk_frames (i, j->n, &f0, &nf);
  ego_conv2d_forward_packed (cb->out + f0 * j->fout, j->inp + f0 * j->fin,
      net_data (j->net, cb->w), cb->tp, NULL, NULL, 0, &cb->conv, nf,
      cb->in_h, cb->in_w, thread_scratch (j->net, thread));
}

/* cb->out (n, out_c, oh, ow) from inp (n, in_c, h, w), with the packed
 * kernel where there is one (the weights are packed afresh each step) */
static void
conv_forward (EgoNet * net, ConvBn * cb, const float *inp, int n, int threads)
{
  ConvJob j = conv_job (net, cb, n);
  j.inp = inp;
  if (cb->tp)
    ego_conv2d_pack (cb->tp, net_data (net, cb->w), &cb->conv);
  ego_parallel_for (n_chunks (n), threads, conv_forward_chunk, &j);
}

/* chunk i's weight gradient into its part of dw_part, and its input's */
static void
conv_backward_chunk (int i, int thread, void *data)
{
  const ConvJob *j = data;
  const ConvBn *cb = j->cb;
  float *part = j->net->dw_part + i * j->net->max_weight;
  int f0, nf;
  float *dinp, *scratch = thread_scratch (j->net, thread);
  const float *dconv, *inp;
  chunk_frames (i, j->n, &f0, &nf);
  dinp = j->dinp ? j->dinp + f0 * j->fin : NULL;
  dconv = j->dconv + f0 * j->fout;
  inp = j->inp + f0 * j->fin;
  memset (part, 0, weight_floats (&cb->conv) * sizeof (float));
  if (ego_conv2d_weight_grad_scratch_floats (&cb->conv, nf, cb->in_h,
          cb->in_w) > 0) {
    ego_conv2d_weight_grad_packed (part, dconv, inp, &cb->conv, nf,
        cb->in_h, cb->in_w, scratch);
    part = NULL;
  }
  if (dinp && !j->add && cb->tpt) {
    /* written by the direct kernel, not added through col2im */
    ego_conv2d_backward_input_packed (dinp, dconv, cb->tpt, &cb->conv, nf,
        cb->in_h, cb->in_w, scratch);
    dinp = NULL;
  } else if (dinp && !j->add) {
    memset (dinp, 0, nf * j->fin * sizeof (float));
  }
  /* whatever the direct kernels left */
  if (dinp || part)
    ego_conv2d_backward (dinp, part, NULL, dconv, inp,
        net_data (j->net, cb->w), &cb->conv, nf, cb->in_h, cb->in_w,
        scratch);
}

/* From dconv (n, out_c, oh, ow), the gradient at cb's output: the weight
 * gradient, added to, and into dinp (n, in_c, h, w) the input's, added to
 * if add, else written; dinp NULL: not needed. */
static void
conv_backward (EgoNet * net, ConvBn * cb, float *dinp, gboolean add,
    const float *dconv, const float *inp, int n, int threads)
{
  ConvJob j = conv_job (net, cb, n);
  j.inp = inp;
  j.dconv = dconv;
  j.dinp = dinp;
  j.add = add;
  if (dinp && !add && cb->tpt)
    ego_conv2d_pack_input_grad (cb->tpt, net_data (net, cb->w), &cb->conv);
  ego_parallel_for (n_chunks (n), threads, conv_backward_chunk, &j);
  add_parts (net_grad (net, cb->w), net->dw_part, n_chunks (n),
      net->max_weight, weight_floats (&cb->conv), threads);
}

/* ------------------------------------------------------------------------ */
/* Forward */

/* bn_out = relu? (bn (conv (inp)) + res), res or NULL */
static void
conv_bn_forward_train (EgoNet * net, ConvBn * cb, float *bn_out,
    const float *inp, const float *res, int relu, int n, int threads)
{
  int c = cb->conv.out_c, hw = cb->out_h * cb->out_w;
  conv_forward (net, cb, inp, n, threads);
  ego_batchnorm_forward_train_fused (bn_out, cb->mean, cb->rstd, cb->out,
      net_data (net, cb->gamma), net_data (net, cb->beta), res, relu, n, c,
      hw, EGO_NET_BN_EPS);
  ego_batchnorm_update_running (net_data (net, cb->rmean),
      net_data (net, cb->rvar), cb->mean, cb->rstd, c, n * hw,
      EGO_NET_BN_MOMENTUM, EGO_NET_BN_EPS);
}

/* y = relu (bn2 (conv2 (a1)) + shortcut (x)), a1 = relu (bn1 (conv1 (xs))) */
static void
block_forward_train (EgoNet * net, Block * blk, const float *x, int threads)
{
  int n = net->b * net->t;
  const float *xs = x, *res = x;
  if (blk->fold) {
    shift_clips (net, blk, blk->xs, x, FALSE, threads);
    xs = blk->xs;
  }
  conv_bn_forward_train (net, &blk->c1, blk->a1, xs, NULL, 1, n, threads);
  if (blk->has_down) {
    float *tmp = net->grad_buf[0];      /* free during forward */
    conv_bn_forward_train (net, &blk->down, tmp, x, NULL, 0, n, threads);
    res = tmp;
  }
  conv_bn_forward_train (net, &blk->c2, blk->y, blk->a1, res, 1, n, threads);
}

static void
heads_forward (EgoNet * net, const float *feat, int n)
{
  for (int k = 0; k < net->cfg.n_heads; k++) {
    int K = net->cfg.classes[k];
    ego_linear_forward (net->frame_logits[k], feat,
        net_data (net, net->head_w[k]), net_data (net, net->head_b[k]), n,
        net->feat_c, K);
    ego_temporal_mean_forward (net->window_logits[k], net->frame_logits[k],
        net->b, net->t, K);
    memset (net->window_dlogits[k], 0, sizeof (float) * net->b * K);
  }
}

void
ego_net_forward_train (EgoNet * net, const float *x, int b, int t,
    EgoRng * rng)
{
  int n = b * t;
  ConvBn *st = &net->stem;
  const float *h;
  Block *last = &net->blocks[net->n_blocks - 1];
  int threads = step_threads (net), blas = blas_single_thread ();
  g_assert (n <= net->cap_frames && b == net->b && t == net->t);
  conv_bn_forward_train (net, st, net->stem_a, x, NULL, 1, n, threads);
  h = net->stem_a;
  for (int i = 0; i < net->n_blocks; i++) {
    block_forward_train (net, &net->blocks[i], h, threads);
    h = net->blocks[i].y;
  }
  ego_global_avgpool_forward (net->pooled, h, n, net->feat_c,
      last->out_h * last->out_w);
  if (net->cfg.dropout > 0.0f) {
    ego_dropout_forward (net->dropped, net->drop_mask, net->pooled,
        (size_t) n * net->feat_c, net->cfg.dropout, rng);
    heads_forward (net, net->dropped, n);
  } else {
    heads_forward (net, net->pooled, n);
  }
  openblas_set_num_threads (blas);
}

float *
ego_net_window_logits (EgoNet * net, int head)
{
  return net->window_logits[head];
}

float *
ego_net_frame_logits (EgoNet * net, int head)
{
  return net->frame_logits[head];
}

float *
ego_net_window_dlogits (EgoNet * net, int head)
{
  return net->window_dlogits[head];
}

void
ego_net_zero_grad (EgoNet * net)
{
  memset (net->grads, 0, sizeof (float) * net->n_params);
}

/* ------------------------------------------------------------------------ */
/* Backward: the mirror of forward. */

static void
zero (float *p, size_t n)
{
  memset (p, 0, n * sizeof (float));
}

/* dconv (written) = the gradient at cb's conv output, from dout at the
 * output of its fused batch norm, out (NULL: no ReLU) */
static void
bn_backward (EgoNet * net, ConvBn * cb, float *dconv, const float *dout,
    const float *out, int n)
{
  ego_batchnorm_backward_fused (dconv, net_grad (net, cb->gamma),
      net_grad (net, cb->beta), dout, out, cb->out, cb->mean, cb->rstd,
      net_data (net, cb->gamma), n, cb->conv.out_c, cb->out_h * cb->out_w);
}

/* dy: gradient at the block output; dx (written here) receives the
 * input's. */
static void
block_backward (EgoNet * net, Block * blk, float *dx, const float *dy,
    const float *x, int threads)
{
  int n = net->b * net->t;
  size_t in = frame_size (blk->in_c, blk->in_h, blk->in_w);
  float *dc = net->grad_buf[3], *da = net->grad_buf[4];
  float *dxs = net->grad_buf[5];
  /* through relu (bn2 + shortcut): dy where y > 0 */
  bn_backward (net, &blk->c2, dc, dy, blk->y, n);
  conv_backward (net, &blk->c2, da, FALSE, dc, blk->a1, n, threads);
  bn_backward (net, &blk->c1, dc, da, blk->a1, n);
  if (blk->fold) {
    conv_backward (net, &blk->c1, dxs, FALSE, dc, blk->xs, n, threads);
    shift_clips (net, blk, dx, dxs, TRUE, threads);
  } else {
    conv_backward (net, &blk->c1, dx, FALSE, dc, x, n, threads);
  }
  if (blk->has_down) {
    bn_backward (net, &blk->down, dc, dy, blk->y, n);
    conv_backward (net, &blk->down, dx, TRUE, dc, x, n, threads);
  } else {
    relu_backward_chunks (dx, dy, blk->y, n, in, threads);
  }
}

/* From the window logits' gradients to the gradient at the pooled input
 * of the heads, into dfeat (zeroed here), which is (n, feat_c, hw). */
static void
heads_backward (EgoNet * net, float *dfeat, int hw)
{
  int n = net->b * net->t;
  size_t nf = (size_t) n * net->feat_c;
  float *dframe = net->grad_buf[2], *ddrop = net->grad_buf[3];
  const float *feat = net->cfg.dropout > 0.0f ? net->dropped : net->pooled;
  zero (ddrop, nf);
  for (int k = 0; k < net->cfg.n_heads; k++) {
    int K = net->cfg.classes[k];
    zero (dframe, (size_t) n * K);
    ego_temporal_mean_backward (dframe, net->window_dlogits[k], net->b,
        net->t, K);
    ego_linear_backward (ddrop, net_grad (net, net->head_w[k]),
        net_grad (net, net->head_b[k]), dframe, feat,
        net_data (net, net->head_w[k]), n, net->feat_c, K);
  }
  if (net->cfg.dropout > 0.0f) {
    float *dpool = net->grad_buf[4];
    zero (dpool, nf);
    ego_dropout_backward (dpool, ddrop, net->drop_mask, nf);
    ddrop = dpool;
  }
  zero (dfeat, nf * hw);
  ego_global_avgpool_backward (dfeat, ddrop, n, net->feat_c, hw);
}

void
ego_net_backward (EgoNet * net, const float *x)
{
  int threads = step_threads (net), blas = blas_single_thread ();
  Block *last = &net->blocks[net->n_blocks - 1];
  float *dy = net->grad_buf[0], *dx = net->grad_buf[1], *tmp;
  heads_backward (net, dy, last->out_h * last->out_w);
  for (int i = net->n_blocks - 1; i >= 0; i--) {
    const float *bx = i > 0 ? net->blocks[i - 1].y : net->stem_a;
    block_backward (net, &net->blocks[i], dx, dy, bx, threads);
    tmp = dy;
    dy = dx;
    dx = tmp;
  }
  /* dy is now the gradient at the stem's output, relu (bn (conv (x))) */
  bn_backward (net, &net->stem, dx, dy, net->stem_a, net->b * net->t);
  conv_backward (net, &net->stem, NULL, FALSE, dx, x, net->b * net->t,
      threads);
  openblas_set_num_threads (blas);
}
