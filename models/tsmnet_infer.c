/* gst-ego network library: tsmnet inference with BN folded into the
 * convolutions, over whole clips (ego_net_infer) or one frame at a time
 * (EgoNetStream). Both run the same code; they differ only in where the
 * shifted channels come from: the neighbouring frames of the clip, or the
 * per-block state kept from the previous frame. */
#include "tsmnet_private.h"

#include <string.h>

#include "ego_error.h"

/* Scratch for running n frames at once, carved from one allocation. */
typedef struct
{
  float *buf[4];                /* (n, max_act) each */
  float *xs;                    /* (n, max_act): shifted block input */
  float *scratch;               /* conv scratch of one frame */
  float *pooled;                /* (n, feat_c) */
  float *logits[EGO_MAX_HEADS]; /* (n, classes) */
} InferWork;

/* folded weight and bias, then the packed weight from a multiple of 16
 * floats (64 bytes, a vector) */
static size_t
conv_bn_folded_floats (const ConvBn * cb)
{
  const EgoConv2d *c = &cb->conv;
  size_t n = (size_t) c->out_c * (c->in_c / c->groups) * c->kh * c->kw
      + c->out_c;
  return (n + 15) / 16 * 16 + ego_conv2d_packed_floats (c);
}

static size_t
infer_work_floats (const EgoNet * net, int n)
{
  size_t total = 5 * (size_t) n * net->max_act + net->max_scratch
      + (size_t) n * net->feat_c;
  for (int k = 0; k < net->cfg.n_heads; k++)
    total += (size_t) n * net->cfg.classes[k];
  return total;
}

static void
infer_work_carve (const EgoNet * net, InferWork * w, float *p, int n)
{
  for (int i = 0; i < 4; i++, p += (size_t) n * net->max_act)
    w->buf[i] = p;
  w->xs = p;
  p += (size_t) n * net->max_act;
  w->scratch = p;
  p += net->max_scratch;
  w->pooled = p;
  p += (size_t) n * net->feat_c;
  for (int k = 0; k < net->cfg.n_heads; k++) {
    w->logits[k] = p;
    p += (size_t) n * net->cfg.classes[k];
  }
}

/* ------------------------------------------------------------------------ */
/* Folding */

static void
fold_conv_bn (EgoNet * net, ConvBn * cb, float **p)
{
  const EgoConv2d *c = &cb->conv;
  size_t k = (size_t) (c->in_c / c->groups) * c->kh * c->kw;
  size_t packed = ego_conv2d_packed_floats (c);
  cb->fw = *p;
  cb->fb = *p + c->out_c * k;
  cb->fp = packed ? *p + conv_bn_folded_floats (cb) - packed : NULL;
  *p += conv_bn_folded_floats (cb);
  ego_batchnorm_fold (cb->fw, cb->fb, net_data (net, cb->w), NULL,
      net_data (net, cb->gamma), net_data (net, cb->beta),
      net_data (net, cb->rmean), net_data (net, cb->rvar), c->out_c, (int) k,
      EGO_NET_BN_EPS);
  if (cb->fp)
    ego_conv2d_pack (cb->fp, cb->fw, c);
}

void
ego_net_free_inference (EgoNet * net)
{
  g_clear_pointer (&net->folded, g_aligned_free);
  g_clear_pointer (&net->infer_block, g_free);
  net->infer_cap = 0;
  net->prepared = FALSE;
}

gboolean
ego_net_prepare_inference (EgoNet * net, GError ** error)
{
  size_t total = conv_bn_folded_floats (&net->stem);
  float *p;
  for (int i = 0; i < net->n_blocks; i++) {
    Block *blk = &net->blocks[i];
    total += conv_bn_folded_floats (&blk->c1)
        + conv_bn_folded_floats (&blk->c2)
        + (blk->has_down ? conv_bn_folded_floats (&blk->down) : 0);
  }
  g_aligned_free (net->folded);
  /* 64-byte aligned, as are the packed weights within (a vector each) */
  p = net->folded = g_aligned_alloc (total, sizeof (float), 64);
  fold_conv_bn (net, &net->stem, &p);
  for (int i = 0; i < net->n_blocks; i++) {
    Block *blk = &net->blocks[i];
    fold_conv_bn (net, &blk->c1, &p);
    fold_conv_bn (net, &blk->c2, &p);
    if (blk->has_down)
      fold_conv_bn (net, &blk->down, &p);
  }
  net->prepared = TRUE;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* The shared runner */

/* out = relu? (conv (inp) + res), BN folded into the conv, res or NULL */
static void
conv_folded (const ConvBn * cb, float *out, const float *inp,
    const float *res, int relu, int n, float *scratch)
{
  ego_conv2d_forward_packed (out, inp, cb->fw, cb->fp, cb->fb, res, relu,
      &cb->conv, n, cb->in_h, cb->in_w, scratch);
}

/* Shift source: whole clips of t frames, or one frame with a state. */
typedef struct
{
  int b, t;
  float **state;                /* per block, or NULL for clips */
} ShiftSource;

/* a[i] <-> b[i] */
static void
swap_floats (float *a, float *b, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    float v = a[i];
    a[i] = b[i];
    b[i] = v;
  }
}

/* The input of block i's first convolution: x, or x shifted. A stream
 * shifts x in place, since only channels [0, fold) change: they trade
 * places with the state, which so takes this frame's channels for the next
 * one; block_unshift puts them back for the shortcut. Clips are shifted
 * into w->xs. */
static const float *
block_shift (const EgoNet * net, int i, float *x, InferWork * w,
    const ShiftSource * src)
{
  const Block *blk = &net->blocks[i];
  int hw = blk->in_h * blk->in_w;
  if (!blk->fold)
    return x;
  if (src->state) {
    swap_floats (x, src->state[i], (size_t) blk->fold * hw);
    return x;
  }
  ego_shift_forward (w->xs, x, src->b, src->t, blk->in_c, hw, blk->fold,
      net->cfg.shift);
  return w->xs;
}

static void
block_unshift (const EgoNet * net, int i, float *x, const ShiftSource * src)
{
  const Block *blk = &net->blocks[i];
  if (blk->fold && src->state)
    memcpy (x, src->state[i],
        (size_t) blk->fold * blk->in_h * blk->in_w * sizeof (float));
}

/* Runs block i on buf[cur]; returns the buffer index of its output. */
static int
block_infer (const EgoNet * net, int i, int cur, InferWork * w,
    const ShiftSource * src)
{
  const Block *blk = &net->blocks[i];
  int n = src->b * src->t;
  int t1 = (cur + 1) % 4, t2 = (cur + 2) % 4, out = (cur + 3) % 4;
  float *x = w->buf[cur];
  const float *sc = x;
  conv_folded (&blk->c1, w->buf[t1], block_shift (net, i, x, w, src), NULL,
      1, n, w->scratch);
  block_unshift (net, i, x, src);
  if (blk->has_down) {
    conv_folded (&blk->down, w->buf[t2], x, NULL, 0, n, w->scratch);
    sc = w->buf[t2];
  }
  // relu (bn2 (conv2 (a1)) + shortcut)
  conv_folded (&blk->c2, w->buf[out], w->buf[t1], sc, 1, n, w->scratch);
  return out;
}

static void
run_frames (const EgoNet * net, InferWork * w, const float *x,
    const ShiftSource * src)
{
  int n = src->b * src->t, cur = 0;
  const ConvBn *st = &net->stem;
  const Block *last = &net->blocks[net->n_blocks - 1];
  conv_folded (st, w->buf[0], x, NULL, 1, n, w->scratch);
  for (int i = 0; i < net->n_blocks; i++)
    cur = block_infer (net, i, cur, w, src);
  ego_global_avgpool_forward (w->pooled, w->buf[cur], n, net->feat_c,
      last->out_h * last->out_w);
  for (int k = 0; k < net->cfg.n_heads; k++)
    ego_linear_forward (w->logits[k], w->pooled,
        net->tensors[net->head_w[k]].data, net->tensors[net->head_b[k]].data,
        n, net->feat_c, net->cfg.classes[k]);
}

gboolean
ego_net_infer (EgoNet * net, const float *x, int b, int t,
    float **frame_logits, GError ** error)
{
  InferWork w;
  ShiftSource src = { b, t, NULL };
  int n = b * t;
  if (!net->prepared || b < 1 || t < 1 || n > 65536) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "network: cannot infer %d clips of %d frames%s", b, t,
        net->prepared ? "" : " before ego_net_prepare_inference");
    return FALSE;
  }
  if (n > net->infer_cap) {
    g_free (net->infer_block);
    net->infer_block = g_try_new (float, infer_work_floats (net, n));
    if (net->infer_block == NULL) {
      net->infer_cap = 0;
      g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
          "network: out of memory for %d frames", n);
      return FALSE;
    }
    net->infer_cap = n;
  }
  infer_work_carve (net, &w, net->infer_block, n);
  run_frames (net, &w, x, &src);
  for (int k = 0; k < net->cfg.n_heads; k++)
    frame_logits[k] = w.logits[k];
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Streams */

struct _EgoNetStream
{
  EgoNet *net;
  InferWork work;
  float *block;                 /* work, then the shift states */
  float **state;                /* per block (fold, hw), NULL when no fold */
  size_t state_floats;
};

EgoNetStream *
ego_net_stream_new (EgoNet * net, GError ** error)
{
  EgoNetStream *s;
  size_t work, states = 0;
  float *p;
  if (!net->prepared || net->cfg.shift == EGO_SHIFT_BIDIRECTIONAL) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "network: %s",
        net->prepared ? "a bidirectional shift needs future frames and "
        "cannot stream" : "stream before ego_net_prepare_inference");
    return NULL;
  }
  for (int i = 0; i < net->n_blocks; i++)
    states += (size_t) net->blocks[i].fold * net->blocks[i].in_h
        * net->blocks[i].in_w;
  work = infer_work_floats (net, 1);
  s = g_new0 (EgoNetStream, 1);
  s->net = net;
  s->block = g_new0 (float, work + states);
  s->state = g_new0 (float *, net->n_blocks);
  s->state_floats = states;
  infer_work_carve (net, &s->work, s->block, 1);
  p = s->block + work;
  for (int i = 0; i < net->n_blocks; i++) {
    const Block *blk = &net->blocks[i];
    s->state[i] = blk->fold ? p : NULL;
    p += (size_t) blk->fold * blk->in_h * blk->in_w;
  }
  return s;
}

void
ego_net_stream_free (EgoNetStream * s)
{
  if (s == NULL)
    return;
  g_free (s->state);
  g_free (s->block);
  g_free (s);
}

void
ego_net_stream_reset (EgoNetStream * s)
{
  size_t work = infer_work_floats (s->net, 1);
  memset (s->block + work, 0, s->state_floats * sizeof (float));
}

void
ego_net_stream_push (EgoNetStream * s, const float *frame,
    float **frame_logits)
{
  ShiftSource src = { 1, 1, s->state };
  run_frames (s->net, &s->work, frame, &src);
  for (int k = 0; k < s->net->cfg.n_heads; k++)
    frame_logits[k] = s->work.logits[k];
}
