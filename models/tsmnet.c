/* gst-ego network library: tsmnet construction and training (see tsmnet.h).
 *
 * Tensor names follow the PyTorch reference's state_dict
 * (models/reference/tsmnet.py), so a model file loads in both:
 *   stem.conv.weight, stem.bn.{weight,bias,running_mean,running_var},
 *   stages.S.B.conv1.weight, stages.S.B.bn1.*, conv2, bn2,
 *   stages.S.B.down.conv.weight, stages.S.B.down.bn.*  (first block of S>0),
 *   heads.H.weight, heads.H.bias  (H the head's index in the metadata)
 */
#include "tsmnet_private.h"

#include <math.h>
#include <string.h>

#include <cblas.h>

#include "ego_error.h"

/* ------------------------------------------------------------------------ */
/* Construction: register tensors, then carve them out of three blocks. */

typedef enum
{
  KIND_WEIGHT,                  /* trained, decayed */
  KIND_NODECAY,                 /* trained, not decayed (BN, bias) */
  KIND_BUFFER,                  /* running statistics */
} TensorKind;

static int
add_tensor (EgoNet * net, TensorKind kind, int ndim, const int *shape,
    const char *fmt, ...) G_GNUC_PRINTF (5, 6);

static int
add_tensor (EgoNet * net, TensorKind kind, int ndim, const int *shape,
    const char *fmt, ...)
{
  EgoNetTensor *t = &net->tensors[net->n_tensors];
  va_list ap;
  g_assert (net->n_tensors < EGO_NET_MAX_TENSORS);
  va_start (ap, fmt);
  t->name = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  t->ndim = ndim;
  t->numel = 1;
  for (int d = 0; d < ndim; d++) {
    t->shape[d] = shape[d];
    t->numel *= (size_t) shape[d];
  }
  t->decay = kind == KIND_WEIGHT;
  /* until the blocks exist, grad holds a marker of the kind */
  t->grad = kind == KIND_BUFFER ? NULL : (float *) t;
  if (kind == KIND_BUFFER)
    net->n_buffers += t->numel;
  else
    net->n_params += t->numel;
  return net->n_tensors++;
}

static void
add_conv_bn (EgoNet * net, ConvBn * cb, const char *prefix, const char *conv,
    const char *bn, int in_c, int out_c, int k, int stride, int in_h,
    int in_w)
{
  int wshape[4] = { out_c, in_c, k, k };
  EgoConv2d c = { in_c, out_c, k, k, stride, stride, k / 2, k / 2, 1 };
  cb->conv = c;
  cb->in_h = in_h;
  cb->in_w = in_w;
  cb->out_h = ego_conv2d_out_h (&c, in_h);
  cb->out_w = ego_conv2d_out_w (&c, in_w);
  cb->w = add_tensor (net, KIND_WEIGHT, 4, wshape, "%s%s.weight", prefix,
      conv);
  cb->gamma = add_tensor (net, KIND_NODECAY, 1, &out_c, "%s%s.weight",
      prefix, bn);
  cb->beta = add_tensor (net, KIND_NODECAY, 1, &out_c, "%s%s.bias", prefix,
      bn);
  cb->rmean = add_tensor (net, KIND_BUFFER, 1, &out_c,
      "%s%s.running_mean", prefix, bn);
  cb->rvar = add_tensor (net, KIND_BUFFER, 1, &out_c, "%s%s.running_var",
      prefix, bn);
}

static void
add_block (EgoNet * net, Block * blk, int s, int b, int in_c, int out_c,
    int stride, int h, int w)
{
  char *prefix = g_strdup_printf ("stages.%d.%d.", s, b);
  blk->in_c = in_c;
  blk->out_c = out_c;
  blk->in_h = h;
  blk->in_w = w;
  blk->fold = net->cfg.shift == EGO_SHIFT_NONE ? 0 :
      in_c / net->cfg.shift_div;
  add_conv_bn (net, &blk->c1, prefix, "conv1", "bn1", in_c, out_c, 3, stride,
      h, w);
  blk->out_h = blk->c1.out_h;
  blk->out_w = blk->c1.out_w;
  add_conv_bn (net, &blk->c2, prefix, "conv2", "bn2", out_c, out_c, 3, 1,
      blk->out_h, blk->out_w);
  blk->has_down = stride != 1 || in_c != out_c;
  if (blk->has_down)
    add_conv_bn (net, &blk->down, prefix, "down.conv", "down.bn", in_c, out_c,
        1, stride, h, w);
  g_free (prefix);
}

gboolean
ego_net_check_config (const EgoNetConfig * cfg, GError ** error)
{
  const char *bad = NULL;
  if (cfg->in_channels < 1 || cfg->in_channels > EGO_MAX_CHANNELS)
    bad = "in_channels must be 1 to 5";
  else if (cfg->height < 8 || cfg->width < 8 || cfg->height > 1024
      || cfg->width > 1024)
    bad = "input size must be 8 to 1024";
  else if (cfg->base_width < 1 || cfg->base_width > 512)
    bad = "width must be 1 to 512";
  else if (cfg->n_stages < 1 || cfg->n_stages > EGO_NET_MAX_STAGES)
    bad = "stages must be 1 to 5";
  else if (cfg->shift_div < 1 || cfg->shift_div > 64)
    bad = "shift_div must be 1 to 64";
  else if (!(cfg->dropout >= 0.0f && cfg->dropout < 1.0f))
    bad = "dropout must be in [0, 1)";
  else if (cfg->n_heads < 1 || cfg->n_heads > EGO_MAX_HEADS)
    bad = "heads must be 1 to 4";
  else if (cfg->shift == EGO_SHIFT_BIDIRECTIONAL && cfg->shift_div < 2)
    bad = "a bidirectional shift needs shift_div >= 2";
  for (int s = 0; !bad && s < cfg->n_stages; s++)
    if (cfg->blocks[s] < 1 || cfg->blocks[s] > 16)
      bad = "blocks per stage must be 1 to 16";
  for (int h = 0; !bad && h < cfg->n_heads; h++)
    if (cfg->classes[h] < 1 || cfg->classes[h] > EGO_MAX_LABELS)
      bad = "a head needs 1 to 4096 classes";
  if ((cfg->base_width << (cfg->n_stages - 1)) > 2048)
    bad = "the last stage would be wider than 2048 channels";
  if (bad) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "network: %s", bad);
    return FALSE;
  }
  return TRUE;
}

static void
register_tensors (EgoNet * net)
{
  const EgoNetConfig *cfg = &net->cfg;
  int c = cfg->base_width, h, w, i = 0;
  add_conv_bn (net, &net->stem, "stem.", "conv", "bn", cfg->in_channels, c,
      3, 2, cfg->height, cfg->width);
  h = net->stem.out_h;
  w = net->stem.out_w;
  for (int s = 0; s < cfg->n_stages; s++)
    net->n_blocks += cfg->blocks[s];
  net->blocks = g_new0 (Block, net->n_blocks);
  for (int s = 0; s < cfg->n_stages; s++) {
    int out_c = cfg->base_width << s;
    for (int b = 0; b < cfg->blocks[s]; b++, i++) {
      Block *blk = &net->blocks[i];
      add_block (net, blk, s, b, c, out_c, (s > 0 && b == 0) ? 2 : 1, h, w);
      c = out_c;
      h = blk->out_h;
      w = blk->out_w;
    }
  }
  net->feat_c = c;
  for (int k = 0; k < cfg->n_heads; k++) {
    int wshape[2] = { cfg->classes[k], c };
    net->head_w[k] = add_tensor (net, KIND_WEIGHT, 2, wshape,
        "heads.%d.weight", k);
    net->head_b[k] = add_tensor (net, KIND_NODECAY, 1, &cfg->classes[k],
        "heads.%d.bias", k);
  }
}

static void
carve_blocks (EgoNet * net)
{
  float *p, *g, *buf;
  net->params = g_new0 (float, net->n_params);
  net->grads = g_new0 (float, net->n_params);
  net->buffers = g_new0 (float, net->n_buffers);
  p = net->params;
  g = net->grads;
  buf = net->buffers;
  for (int i = 0; i < net->n_tensors; i++) {
    EgoNetTensor *t = &net->tensors[i];
    if (t->grad == NULL) {
      t->data = buf;
      buf += t->numel;
    } else {
      t->data = p;
      t->grad = g;
      p += t->numel;
      g += t->numel;
    }
  }
}

static void
init_conv_bn (EgoNet * net, ConvBn * cb, EgoRng * rng)
{
  EgoNetTensor *w = &net->tensors[cb->w];
  int fan_in = w->shape[1] * w->shape[2] * w->shape[3];
  float std = sqrtf (2.0f / (float) fan_in);    /* He, for ReLU */
  for (size_t i = 0; i < w->numel; i++)
    w->data[i] = std * ego_rng_normal (rng);
  for (int c = 0; c < cb->conv.out_c; c++) {
    net_data (net, cb->gamma)[c] = 1.0f;
    net_data (net, cb->rvar)[c] = 1.0f;
  }
}

static void
init_weights (EgoNet * net, uint64_t seed)
{
  EgoRng rng;
  ego_rng_seed (&rng, seed, 1);
  init_conv_bn (net, &net->stem, &rng);
  for (int i = 0; i < net->n_blocks; i++) {
    Block *blk = &net->blocks[i];
    init_conv_bn (net, &blk->c1, &rng);
    init_conv_bn (net, &blk->c2, &rng);
    if (blk->has_down)
      init_conv_bn (net, &blk->down, &rng);
  }
  for (int k = 0; k < net->cfg.n_heads; k++) {
    EgoNetTensor *w = &net->tensors[net->head_w[k]];
    for (size_t i = 0; i < w->numel; i++)
      w->data[i] = 0.01f * ego_rng_normal (&rng);
  }
}

void
ego_net_config_default (EgoNetConfig * cfg)
{
  memset (cfg, 0, sizeof (*cfg));
  cfg->in_channels = 3;
  cfg->height = cfg->width = 112;
  cfg->base_width = 32;
  cfg->n_stages = 4;
  for (int s = 0; s < 4; s++)
    cfg->blocks[s] = 1;
  cfg->shift = EGO_SHIFT_ONLINE;
  cfg->shift_div = 8;
}

EgoNet *
ego_net_new_empty (const EgoNetConfig * cfg, GError ** error)
{
  EgoNet *net;
  if (!ego_net_check_config (cfg, error))
    return NULL;
  net = g_new0 (EgoNet, 1);
  net->cfg = *cfg;
  register_tensors (net);
  carve_blocks (net);
  ego_net_measure (net);
  return net;
}

EgoNet *
ego_net_new (const EgoNetConfig * cfg, uint64_t seed, GError ** error)
{
  EgoNet *net = ego_net_new_empty (cfg, error);
  if (net)
    init_weights (net, seed);
  return net;
}

static void
free_training (EgoNet * net)
{
  g_clear_pointer (&net->act, g_aligned_free);
  g_clear_pointer (&net->conv_scratch, g_free);
  net->cap_frames = 0;
  net->scratch_threads = 0;
}

void
ego_net_free (EgoNet * net)
{
  if (net == NULL)
    return;
  free_training (net);
  ego_net_free_inference (net);
  for (int i = 0; i < net->n_tensors; i++)
    g_free (net->tensors[i].name);
  g_free (net->blocks);
  g_free (net->params);
  g_free (net->grads);
  g_free (net->buffers);
  g_free (net);
}

const EgoNetConfig *
ego_net_config (const EgoNet * net)
{
  return &net->cfg;
}

int
ego_net_n_tensors (const EgoNet * net)
{
  return net->n_tensors;
}

EgoNetTensor *
ego_net_tensor (EgoNet * net, int i)
{
  return i >= 0 && i < net->n_tensors ? &net->tensors[i] : NULL;
}

EgoNetTensor *
ego_net_find (EgoNet * net, const char *name)
{
  for (int i = 0; i < net->n_tensors; i++)
    if (strcmp (net->tensors[i].name, name) == 0)
      return &net->tensors[i];
  return NULL;
}

float *
ego_net_params (EgoNet * net, size_t * n)
{
  *n = net->n_params;
  return net->params;
}

float *
ego_net_grads (EgoNet * net, size_t * n)
{
  *n = net->n_params;
  return net->grads;
}

static double
conv_flops (const ConvBn * cb)
{
  const EgoConv2d *c = &cb->conv;
  return 2.0 * c->out_c * cb->out_h * cb->out_w * (c->in_c / c->groups)
      * c->kh * c->kw;
}

double
ego_net_flops_per_frame (const EgoNet * net)
{
  double f = conv_flops (&net->stem);
  for (int i = 0; i < net->n_blocks; i++) {
    const Block *blk = &net->blocks[i];
    f += conv_flops (&blk->c1) + conv_flops (&blk->c2);
    if (blk->has_down)
      f += conv_flops (&blk->down);
  }
  for (int k = 0; k < net->cfg.n_heads; k++)
    f += 2.0 * net->feat_c * net->cfg.classes[k];
  return f;
}

void
ego_set_num_threads (int n)
{
  openblas_set_num_threads (n < 1 ? 1 : n);
  ego_layers_set_threads (n);
}
