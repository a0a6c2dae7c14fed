/* gst-ego network library: the layout network's construction, settings,
 * cost and input batches (see stlt.h).
 *
 * Tensor names follow the PyTorch reference (models/reference/stlt.py):
 *   box.{weight,bias}, category.weight, side.weight, contact.weight,
 *   frame_token, spatial.L.<block>, temporal_pos, temporal.L.<block>,
 *   norm.{weight,bias}, heads.H.{weight,bias}
 * with <block> as in torch.nn.TransformerEncoderLayer:
 *   norm1, self_attn.in_proj_{weight,bias}, self_attn.out_proj.{weight,bias},
 *   norm2, linear1, linear2
 */
#include "stlt_private.h"

#include <math.h>
#include <string.h>

#include "ego_error.h"

/* ------------------------------------------------------------------------ */
/* Construction: register tensors, then carve them out of two blocks. */

static int
add_tensor (EgoStlt * net, gboolean decay, int ndim, int d0, int d1,
    const char *fmt, ...) G_GNUC_PRINTF (6, 7);

/* a (d0) or (d0, d1) parameter */
static int
add_tensor (EgoStlt * net, gboolean decay, int ndim, int d0, int d1,
    const char *fmt, ...)
{
  EgoNetTensor *t = &net->tensors[net->n_tensors];
  va_list ap;
  g_assert (net->n_tensors < EGO_STLT_MAX_TENSORS);
  va_start (ap, fmt);
  t->name = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  t->ndim = ndim;
  t->shape[0] = d0;
  t->shape[1] = ndim > 1 ? d1 : 0;
  t->numel = (size_t) d0 * (ndim > 1 ? (size_t) d1 : 1);
  t->decay = decay;
  net->n_params += t->numel;
  return net->n_tensors++;
}

static void
add_block (EgoStlt * net, StltBlock * blk, const char *stage, int l)
{
  int d = net->cfg.dim, m = net->cfg.mlp;
  char *p = g_strdup_printf ("%s.%d.", stage, l);
  blk->ln1_w = add_tensor (net, FALSE, 1, d, 0, "%snorm1.weight", p);
  blk->ln1_b = add_tensor (net, FALSE, 1, d, 0, "%snorm1.bias", p);
  blk->qkv_w = add_tensor (net, TRUE, 2, 3 * d, d,
      "%sself_attn.in_proj_weight", p);
  blk->qkv_b = add_tensor (net, FALSE, 1, 3 * d, 0,
      "%sself_attn.in_proj_bias", p);
  blk->proj_w = add_tensor (net, TRUE, 2, d, d,
      "%sself_attn.out_proj.weight", p);
  blk->proj_b = add_tensor (net, FALSE, 1, d, 0,
      "%sself_attn.out_proj.bias", p);
  blk->ln2_w = add_tensor (net, FALSE, 1, d, 0, "%snorm2.weight", p);
  blk->ln2_b = add_tensor (net, FALSE, 1, d, 0, "%snorm2.bias", p);
  blk->fc1_w = add_tensor (net, TRUE, 2, m, d, "%slinear1.weight", p);
  blk->fc1_b = add_tensor (net, FALSE, 1, m, 0, "%slinear1.bias", p);
  blk->fc2_w = add_tensor (net, TRUE, 2, d, m, "%slinear2.weight", p);
  blk->fc2_b = add_tensor (net, FALSE, 1, d, 0, "%slinear2.bias", p);
  g_free (p);
}

static void
register_tensors (EgoStlt * net)
{
  const EgoStltConfig *cfg = &net->cfg;
  int d = cfg->dim;
  net->box_w = add_tensor (net, TRUE, 2, d, EGO_STLT_FEATS, "box.weight");
  net->box_b = add_tensor (net, FALSE, 1, d, 0, "box.bias");
  net->cat_e = add_tensor (net, FALSE, 2, EGO_STLT_CATEGORIES, d,
      "category.weight");
  net->side_e = add_tensor (net, FALSE, 2, EGO_STLT_SIDES, d, "side.weight");
  net->contact_e = add_tensor (net, FALSE, 2, EGO_STLT_CONTACTS, d,
      "contact.weight");
  net->frame_tok = add_tensor (net, FALSE, 1, d, 0, "frame_token");
  net->spatial = g_new0 (StltBlock, cfg->spatial_layers);
  for (int l = 0; l < cfg->spatial_layers; l++)
    add_block (net, &net->spatial[l], "spatial", l);
  net->pos = add_tensor (net, FALSE, 2, cfg->max_frames, d, "temporal_pos");
  net->temporal = g_new0 (StltBlock, MAX (cfg->temporal_layers, 1));
  for (int l = 0; l < cfg->temporal_layers; l++)
    add_block (net, &net->temporal[l], "temporal", l);
  net->norm_w = add_tensor (net, FALSE, 1, d, 0, "norm.weight");
  net->norm_b = add_tensor (net, FALSE, 1, d, 0, "norm.bias");
  for (int k = 0; k < cfg->n_heads; k++) {
    net->head_w[k] = add_tensor (net, TRUE, 2, cfg->classes[k], d,
        "heads.%d.weight", k);
    net->head_b[k] = add_tensor (net, FALSE, 1, cfg->classes[k], 0,
        "heads.%d.bias", k);
  }
}

static void
carve_params (EgoStlt * net)
{
  float *p, *g;
  p = net->params = g_new0 (float, net->n_params);
  g = net->grads = g_new0 (float, net->n_params);
  for (int i = 0; i < net->n_tensors; i++) {
    EgoNetTensor *t = &net->tensors[i];
    t->data = p;
    t->grad = g;
    p += t->numel;
    g += t->numel;
  }
}

static void
fill_normal (EgoNetTensor * t, EgoRng * rng, float std)
{
  for (size_t i = 0; i < t->numel; i++)
    t->data[i] = std * ego_rng_normal (rng);
}

static void
fill_ones (EgoNetTensor * t)
{
  for (size_t i = 0; i < t->numel; i++)
    t->data[i] = 1.0f;
}

/* Matrices (weights, embeddings, positions) N(0, 1 / columns), the
 * [FRAME] token N(0, 0.02), biases 0, layer norms 1 and 0. The BERT-style
 * N(0, 0.02) everywhere drowns the box coordinates among the embeddings:
 * measured on the toy task of tests/models/test_stlt.c, it had not left
 * chance after 300 AdamW steps where this init was at 95% after 150. */
static void
init_weights (EgoStlt * net, uint64_t seed)
{
  EgoRng rng;
  ego_rng_seed (&rng, seed, 1);
  for (int i = 0; i < net->n_tensors; i++) {
    EgoNetTensor *t = &net->tensors[i];
    if (g_str_has_suffix (t->name, "norm1.weight")
        || g_str_has_suffix (t->name, "norm2.weight")
        || strcmp (t->name, "norm.weight") == 0)
      fill_ones (t);
    else if (t->ndim == 2)
      fill_normal (t, &rng, 1.0f / sqrtf ((float) t->shape[1]));
    else if (i == net->frame_tok)
      fill_normal (t, &rng, 0.02f);
  }
}

/* ------------------------------------------------------------------------ */
/* Settings */

void
ego_stlt_config_default (EgoStltConfig * cfg)
{
  memset (cfg, 0, sizeof (*cfg));
  cfg->dim = 64;
  cfg->attn_heads = 4;
  cfg->spatial_layers = 1;
  cfg->temporal_layers = 2;
  cfg->mlp = 128;
  cfg->max_boxes = EGO_STLT_MAX_BOXES;
  cfg->max_frames = 32;
}

gboolean
ego_stlt_check_config (const EgoStltConfig * cfg, GError ** error)
{
  const char *bad = NULL;
  if (cfg->dim < 1 || cfg->dim > 1024)
    bad = "dim must be 1 to 1024";
  else if (cfg->attn_heads < 1 || cfg->attn_heads > 64
      || cfg->dim % cfg->attn_heads != 0)
    bad = "attn_heads must be 1 to 64 and divide dim";
  else if (cfg->spatial_layers < 1 || cfg->spatial_layers > 16)
    bad = "spatial_layers must be 1 to 16";
  else if (cfg->temporal_layers < 0 || cfg->temporal_layers > 16)
    bad = "temporal_layers must be 0 to 16";
  else if (cfg->mlp < 1 || cfg->mlp > 8192)
    bad = "mlp must be 1 to 8192";
  else if (cfg->max_boxes < 1 || cfg->max_boxes > EGO_STLT_MAX_BOXES)
    bad = "max_boxes must be 1 to 16";
  else if (cfg->max_frames < 1 || cfg->max_frames > EGO_STLT_MAX_FRAMES)
    bad = "max_frames must be 1 to 256";
  else if (!(cfg->dropout >= 0.0f && cfg->dropout < 1.0f))
    bad = "dropout must be in [0, 1)";
  else if (cfg->n_heads < 1 || cfg->n_heads > EGO_MAX_HEADS)
    bad = "heads must be 1 to 4";
  for (int h = 0; !bad && h < cfg->n_heads; h++)
    if (cfg->classes[h] < 1 || cfg->classes[h] > EGO_MAX_LABELS)
      bad = "a head needs 1 to 4096 classes";
  if (bad) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "layout network: %s",
        bad);
    return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Life cycle and tensors */

EgoStlt *
ego_stlt_new_empty (const EgoStltConfig * cfg, GError ** error)
{
  EgoStlt *net;
  if (!ego_stlt_check_config (cfg, error))
    return NULL;
  net = g_new0 (EgoStlt, 1);
  net->cfg = *cfg;
  register_tensors (net);
  carve_params (net);
  return net;
}

EgoStlt *
ego_stlt_new (const EgoStltConfig * cfg, uint64_t seed, GError ** error)
{
  EgoStlt *net = ego_stlt_new_empty (cfg, error);
  if (net)
    init_weights (net, seed);
  return net;
}

void
ego_stlt_free (EgoStlt * net)
{
  if (net == NULL)
    return;
  for (int i = 0; i < net->n_tensors; i++)
    g_free (net->tensors[i].name);
  g_free (net->spatial);
  g_free (net->temporal);
  g_free (net->params);
  g_free (net->grads);
  g_free (net->act);
  g_free (net->ids);
  g_free (net->slot_mask);
  g_free (net->key_mask);
  g_free (net);
}

const EgoStltConfig *
ego_stlt_config (const EgoStlt * net)
{
  return &net->cfg;
}

int
ego_stlt_n_tensors (const EgoStlt * net)
{
  return net->n_tensors;
}

EgoNetTensor *
ego_stlt_tensor (EgoStlt * net, int i)
{
  return i >= 0 && i < net->n_tensors ? &net->tensors[i] : NULL;
}

EgoNetTensor *
ego_stlt_find (EgoStlt * net, const char *name)
{
  for (int i = 0; i < net->n_tensors; i++)
    if (strcmp (net->tensors[i].name, name) == 0)
      return &net->tensors[i];
  return NULL;
}

float *
ego_stlt_params (EgoStlt * net, size_t * n)
{
  *n = net->n_params;
  return net->params;
}

float *
ego_stlt_grads (EgoStlt * net, size_t * n)
{
  *n = net->n_params;
  return net->grads;
}

void
ego_stlt_zero_grad (EgoStlt * net)
{
  memset (net->grads, 0, net->n_params * sizeof (float));
}

/* ------------------------------------------------------------------------ */
/* Cost */

/* nb sequences of s tokens through one block */
static double
block_flops (const EgoStltConfig * cfg, int nb, int s)
{
  double d = cfg->dim, m = cfg->mlp, r = (double) nb * s;
  double linears = r * (3 * d * d + d * d + 2 * d * m);
  double attention = 2.0 * nb * (double) s * s * d;     /* q.k and a.v */
  return 2.0 * (linears + attention);
}

double
ego_stlt_flops (const EgoStltConfig * cfg, int t, int b)
{
  double f = 2.0 * t * b * EGO_STLT_FEATS * cfg->dim;
  f += cfg->spatial_layers * block_flops (cfg, t, b + 1);
  f += cfg->temporal_layers * block_flops (cfg, 1, t);
  for (int k = 0; k < cfg->n_heads; k++)
    f += 2.0 * cfg->dim * cfg->classes[k];
  return f;
}

/* ------------------------------------------------------------------------ */
/* Input batches */

EgoStltInput *
ego_stlt_input_new (int n, int t, int b)
{
  EgoStltInput *in;
  size_t slots;
  g_return_val_if_fail (n >= 1 && t >= 1 && b >= 1, NULL);
  g_return_val_if_fail (b <= EGO_STLT_MAX_BOXES, NULL);
  in = g_new0 (EgoStltInput, 1);
  slots = (size_t) n * t * b;
  in->n = n;
  in->t = t;
  in->b = b;
  in->feat = g_new0 (float, slots * EGO_STLT_FEATS);
  in->ids = g_new0 (int32_t, slots * EGO_STLT_IDS);
  in->mask = g_new0 (uint8_t, slots);
  return in;
}

void
ego_stlt_input_free (EgoStltInput * in)
{
  if (in == NULL)
    return;
  g_free (in->feat);
  g_free (in->ids);
  g_free (in->mask);
  g_free (in);
}

/* a ranks before b: hands first, then the higher score */
static gboolean
box_before (const EgoBox * a, const EgoBox * b)
{
  if (a->category != b->category)
    return a->category == EGO_BOX_HAND;
  return a->score > b->score;
}

/* indices (up to max of them) of the boxes to keep, best first */
static int
select_boxes (int *keep, int max, const EgoBox * boxes, int n_boxes)
{
  int n = 0;
  for (int i = 0; i < n_boxes; i++) {
    int at = n;
    while (at > 0 && box_before (&boxes[i], &boxes[keep[at - 1]]))
      at--;
    if (at >= max)
      continue;
    if (n < max)
      n++;
    memmove (keep + at + 1, keep + at, (size_t) (n - 1 - at) * sizeof (int));
    keep[at] = i;
  }
  return n;
}

int
ego_stlt_input_set_frame (EgoStltInput * in, int clip, int frame,
    const EgoBox * boxes, int n_boxes)
{
  int keep[EGO_STLT_MAX_BOXES], kept;
  size_t slot0;
  g_return_val_if_fail (clip >= 0 && clip < in->n, 0);
  g_return_val_if_fail (frame >= 0 && frame < in->t, 0);
  slot0 = ((size_t) clip * in->t + frame) * in->b;
  memset (in->feat + slot0 * EGO_STLT_FEATS, 0,
      (size_t) in->b * EGO_STLT_FEATS * sizeof (float));
  memset (in->ids + slot0 * EGO_STLT_IDS, 0,
      (size_t) in->b * EGO_STLT_IDS * sizeof (int32_t));
  memset (in->mask + slot0, 0, (size_t) in->b);
  kept = select_boxes (keep, in->b, boxes, MAX (n_boxes, 0));
  for (int j = 0; j < kept; j++) {
    const EgoBox *box = &boxes[keep[j]];
    float *f = in->feat + (slot0 + j) * EGO_STLT_FEATS;
    int32_t *id = in->ids + (slot0 + j) * EGO_STLT_IDS;
    f[0] = box->x1;
    f[1] = box->y1;
    f[2] = box->x2;
    f[3] = box->y2;
    f[4] = box->x2 - box->x1;
    f[5] = box->y2 - box->y1;
    f[6] = box->score;
    id[0] = box->category == EGO_BOX_HAND ? 1 : 2;
    id[1] = box->side == EGO_SIDE_LEFT ? 1 : box->side == EGO_SIDE_RIGHT ? 2
        : 0;
    id[2] = box->contact ? 1 : 0;
    in->mask[slot0 + j] = 1;
  }
  return kept;
}
