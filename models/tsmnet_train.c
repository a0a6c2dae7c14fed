/* gst-ego network library: tsmnet training forward and backward.
 *
 * Forward keeps every activation backward needs in one block sized by
 * ego_net_train_reserve; backward is its mirror image, block by block in
 * reverse, with six gradient buffers of the largest activation reused
 * throughout. */
#include "tsmnet_private.h"

#include <string.h>

#include "ego_error.h"

static size_t
frame_size (int c, int h, int w)
{
  return (size_t) c * h * w;
}

/* Activation floats of one frame, and the largest single activation and
 * conv scratch, walking the network as forward does. */
size_t
ego_net_measure (EgoNet * net)
{
  ConvBn *st = &net->stem;
  size_t total = 2 * frame_size (st->conv.out_c, st->out_h, st->out_w);
  net->max_act = frame_size (net->cfg.in_channels, st->in_h, st->in_w);
  net->max_act = MAX (net->max_act, total / 2);
  net->max_scratch = ego_conv2d_scratch_floats (&st->conv, st->in_h, st->in_w);
  for (int i = 0; i < net->n_blocks; i++) {
    Block *blk = &net->blocks[i];
    size_t in = frame_size (blk->in_c, blk->in_h, blk->in_w);
    size_t out = frame_size (blk->out_c, blk->out_h, blk->out_w);
    total += (blk->fold ? in : 0) + out * (blk->has_down ? 5 : 4);
    net->max_act = MAX (net->max_act, MAX (in, out));
    net->max_scratch = MAX (net->max_scratch,
        ego_conv2d_scratch_floats (&blk->c1.conv, blk->in_h, blk->in_w));
    net->max_scratch = MAX (net->max_scratch,
        ego_conv2d_scratch_floats (&blk->c2.conv, blk->out_h, blk->out_w));
    if (blk->has_down)
      net->max_scratch = MAX (net->max_scratch,
          ego_conv2d_scratch_floats (&blk->down.conv, blk->in_h,
              blk->in_w));
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
  for (int g = 0; g < 6; g++)
    net->grad_buf[g] = take (&p, (size_t) n * net->max_act);
  net->conv_scratch = take (&p, net->max_scratch);
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
  total = n * (per_frame + 6 * net->max_act) + net->max_scratch
      + bn_stat_floats (net);
  for (int k = 0; k < net->cfg.n_heads; k++)
    total += 2 * (size_t) b * net->cfg.classes[k];
  g_free (net->act);
  net->act = g_try_new0 (float, total);
  if (net->act == NULL) {
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
/* Forward */

static void
conv_bn_forward_train (EgoNet * net, ConvBn * cb, float *bn_out,
    const float *inp, int n)
{
  int c = cb->conv.out_c, hw = cb->out_h * cb->out_w;
  ego_conv2d_forward (cb->out, inp, net_data (net, cb->w), NULL, &cb->conv, n,
      cb->in_h, cb->in_w, net->conv_scratch);
  ego_batchnorm_forward_train (bn_out, cb->mean, cb->rstd, cb->out,
      net_data (net, cb->gamma), net_data (net, cb->beta), n, c, hw,
      EGO_NET_BN_EPS);
  ego_batchnorm_update_running (net_data (net, cb->rmean),
      net_data (net, cb->rvar), cb->mean, cb->rstd, c, n * hw,
      EGO_NET_BN_MOMENTUM, EGO_NET_BN_EPS);
}

static void
block_forward_train (EgoNet * net, Block * blk, const float *x)
{
  int n = net->b * net->t;
  size_t out = (size_t) n * frame_size (blk->out_c, blk->out_h, blk->out_w);
  const float *xs = x;
  if (blk->fold) {
    ego_shift_forward (blk->xs, x, net->b, net->t, blk->in_c,
        blk->in_h * blk->in_w, blk->fold, net->cfg.shift);
    xs = blk->xs;
  }
  conv_bn_forward_train (net, &blk->c1, blk->a1, xs, n);
  ego_relu_forward (blk->a1, blk->a1, out);
  conv_bn_forward_train (net, &blk->c2, blk->y, blk->a1, n);
  if (blk->has_down) {
    float *tmp = net->grad_buf[0];      /* free during forward */
    conv_bn_forward_train (net, &blk->down, tmp, x, n);
    x = tmp;
  }
  for (size_t i = 0; i < out; i++)
    blk->y[i] += x[i];
  ego_relu_forward (blk->y, blk->y, out);
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
  g_assert (n <= net->cap_frames && b == net->b && t == net->t);
  conv_bn_forward_train (net, st, net->stem_a, x, n);
  ego_relu_forward (net->stem_a, net->stem_a,
      (size_t) n * frame_size (st->conv.out_c, st->out_h, st->out_w));
  h = net->stem_a;
  for (int i = 0; i < net->n_blocks; i++) {
    block_forward_train (net, &net->blocks[i], h);
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

/* dout is the gradient at the BN output; adds the input gradient into dinp
 * (may be NULL for the first layer) through a zeroed temporary dconv. */
static void
conv_bn_backward (EgoNet * net, ConvBn * cb, float *dinp, const float *dout,
    const float *inp, float *dconv, int n)
{
  int c = cb->conv.out_c, hw = cb->out_h * cb->out_w;
  zero (dconv, (size_t) n * c * hw);
  ego_batchnorm_backward (dconv, net_grad (net, cb->gamma),
      net_grad (net, cb->beta), dout, cb->out, cb->mean, cb->rstd,
      net_data (net, cb->gamma), n, c, hw);
  ego_conv2d_backward (dinp, net_grad (net, cb->w), NULL, dconv, inp,
      net_data (net, cb->w), &cb->conv, n, cb->in_h, cb->in_w,
      net->conv_scratch);
}

/* dy: gradient at the block output; dx (zeroed here) receives the input's. */
static void
block_backward (EgoNet * net, Block * blk, float *dx, const float *dy,
    const float *x)
{
  int n = net->b * net->t;
  size_t out = (size_t) n * frame_size (blk->out_c, blk->out_h, blk->out_w);
  size_t in = (size_t) n * frame_size (blk->in_c, blk->in_h, blk->in_w);
  float *dz = net->grad_buf[2], *dc = net->grad_buf[3];
  float *da = net->grad_buf[4], *dbx = net->grad_buf[5];
  zero (dx, in);
  zero (dz, out);
  ego_relu_backward (dz, dy, blk->y, out);
  zero (da, out);
  conv_bn_backward (net, &blk->c2, da, dz, blk->a1, dc, n);
  zero (dbx, out);
  ego_relu_backward (dbx, da, blk->a1, out);
  if (blk->fold) {
    /* dbx is free once bn1's backward has read it: reuse it for dxs */
    conv_bn_backward (net, &blk->c1, NULL, dbx, blk->xs, dc, n);
    zero (dbx, in);
    ego_conv2d_backward (dbx, NULL, NULL, dc, blk->xs,
        net_data (net, blk->c1.w), &blk->c1.conv, n, blk->in_h, blk->in_w,
        net->conv_scratch);
    ego_shift_backward (dx, dbx, net->b, net->t, blk->in_c,
        blk->in_h * blk->in_w, blk->fold, net->cfg.shift);
  } else {
    conv_bn_backward (net, &blk->c1, dx, dbx, x, dc, n);
  }
  if (blk->has_down)
    conv_bn_backward (net, &blk->down, dx, dz, x, dc, n);
  else
    for (size_t i = 0; i < out; i++)
      dx[i] += dz[i];
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
  int n = net->b * net->t;
  ConvBn *st = &net->stem;
  Block *last = &net->blocks[net->n_blocks - 1];
  float *dy = net->grad_buf[0], *dx = net->grad_buf[1], *tmp;
  size_t stem_out = (size_t) n * frame_size (st->conv.out_c, st->out_h,
      st->out_w);
  heads_backward (net, dy, last->out_h * last->out_w);
  for (int i = net->n_blocks - 1; i >= 0; i--) {
    const float *bx = i > 0 ? net->blocks[i - 1].y : net->stem_a;
    block_backward (net, &net->blocks[i], dx, dy, bx);
    tmp = dy;
    dy = dx;
    dx = tmp;
  }
  /* dy is now the gradient at the stem's output */
  zero (dx, stem_out);
  ego_relu_backward (dx, dy, net->stem_a, stem_out);
  conv_bn_backward (net, st, NULL, dx, x, net->grad_buf[3], n);
}
