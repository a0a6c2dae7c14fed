/* gst-ego network library: the layout network's forward and backward.
 *
 * Forward keeps every activation backward needs in one block, carved anew
 * for each batch's n, t and b (it grows when a batch needs more). Backward
 * is its mirror image, using seven gradient buffers sized for the largest
 * stage, the spatial one (r = n*t*(1 + b) rows):
 *   g[0], g[1]  (r, d)    the gradient at a block's output and input, in turn
 *   g[2]        (r, d)    inside a block: at LN outputs and the attention's
 *   g[3]        (r, 3d)   at qkv
 *   g[4], g[5]  (r, mlp)  at the MLP's hidden layer, after and before GELU
 *   g[6]        (n*t*b, d) at the box tokens
 */
#include "stlt_private.h"

#include <string.h>

#include "ego_error.h"

/* ------------------------------------------------------------------------ */
/* Activations */

/* n floats at *off of base (or only counted when base is NULL) */
static float *
take (float *base, size_t * off, size_t n)
{
  float *r = base ? base + *off : NULL;
  *off += n;
  return r;
}

/* a block's activations for nb sequences of s tokens */
static void
carve_block (StltBlock * blk, const EgoStltConfig * cfg, float *base,
    size_t * off, int nb, int s)
{
  size_t r = (size_t) nb * s, d = cfg->dim, m = cfg->mlp;
  blk->ln1 = take (base, off, r * d);
  blk->mean1 = take (base, off, r);
  blk->rstd1 = take (base, off, r);
  blk->qkv = take (base, off, r * 3 * d);
  blk->att = take (base, off, (size_t) nb * cfg->attn_heads * s * s);
  blk->atty = take (base, off, r * d);
  blk->res1 = take (base, off, r * d);
  blk->ln2 = take (base, off, r * d);
  blk->mean2 = take (base, off, r);
  blk->rstd2 = take (base, off, r);
  blk->fc1 = take (base, off, r * m);
  blk->gelu = take (base, off, r * m);
  blk->out = take (base, off, r * d);
}

/* Points every activation into base for a batch (n, t, b); returns the
 * floats used. With base NULL it only counts. */
static size_t
carve (EgoStlt * net, float *base, int n, int t, int b)
{
  const EgoStltConfig *cfg = &net->cfg;
  size_t off = 0, d = cfg->dim, slots = (size_t) n * t * b;
  size_t r = (size_t) n * t * (1 + b);
  net->feat = take (base, &off, slots * EGO_STLT_FEATS);
  net->boxtok = take (base, &off, slots * d);
  net->x0 = take (base, &off, r * d);
  for (int l = 0; l < cfg->spatial_layers; l++)
    carve_block (&net->spatial[l], cfg, base, &off, n * t, 1 + b);
  net->ft = take (base, &off, (size_t) n * t * d);
  for (int l = 0; l < cfg->temporal_layers; l++)
    carve_block (&net->temporal[l], cfg, base, &off, n, t);
  net->pooled = take (base, &off, n * d);
  net->normed = take (base, &off, n * d);
  net->norm_mean = take (base, &off, n);
  net->norm_rstd = take (base, &off, n);
  net->dropped = take (base, &off, n * d);
  net->drop_mask = take (base, &off, n * d);
  for (int k = 0; k < cfg->n_heads; k++) {
    net->logits[k] = take (base, &off, (size_t) n * cfg->classes[k]);
    net->dlogits[k] = take (base, &off, (size_t) n * cfg->classes[k]);
  }
  for (int i = 0; i < 3; i++)
    net->g[i] = take (base, &off, r * d);
  net->g[3] = take (base, &off, r * 3 * d);
  net->g[4] = take (base, &off, r * cfg->mlp);
  net->g[5] = take (base, &off, r * cfg->mlp);
  net->g[6] = take (base, &off, slots * d);
  return off;
}

static gboolean
reserve (EgoStlt * net, int n, int t, int b, GError ** error)
{
  size_t floats = carve (net, NULL, n, t, b), slots = (size_t) n * t * b;
  if (floats > net->cap_floats) {
    g_free (net->act);
    net->act = g_try_new (float, floats);
    net->cap_floats = net->act ? floats : 0;
    if (net->act == NULL) {
      g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
          "layout network: cannot allocate %zu MB of activations",
          floats * sizeof (float) >> 20);
      return FALSE;
    }
  }
  if (slots > net->cap_slots) {
    net->ids = g_renew (int32_t, net->ids, 3 * slots);
    net->slot_mask = g_renew (uint8_t, net->slot_mask, slots);
    net->key_mask = g_renew (uint8_t, net->key_mask, (size_t) n * t * (1 + b));
    net->cap_slots = slots;
  }
  carve (net, net->act, n, t, b);
  net->n = n;
  net->t = t;
  net->b = b;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Input */

static gboolean
check_input (const EgoStlt * net, const EgoStltInput * in, GError ** error)
{
  static const int vocab[EGO_STLT_IDS] = { EGO_STLT_CATEGORIES,
    EGO_STLT_SIDES, EGO_STLT_CONTACTS
  };
  static const char *names[EGO_STLT_IDS] = { "category", "side", "contact" };
  size_t slots;
  if (in->n < 1 || in->n > 65536 || in->t < 1
      || in->t > net->cfg.max_frames || in->b < 1
      || in->b > net->cfg.max_boxes) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "layout network: a batch of %d clips of %d frames of %d boxes is "
        "out of range (at most %d frames, %d boxes)", in->n, in->t, in->b,
        net->cfg.max_frames, net->cfg.max_boxes);
    return FALSE;
  }
  slots = (size_t) in->n * in->t * in->b;
  for (size_t i = 0; i < slots; i++)
    for (int k = 0; in->mask[i] && k < EGO_STLT_IDS; k++) {
      int32_t id = in->ids[i * EGO_STLT_IDS + k], lo = k == 0 ? 1 : 0;
      if (id < lo || id >= vocab[k]) {
        g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
            "layout network: box slot %zu has %s id %d, outside %d..%d", i,
            names[k], (int) id, (int) lo, vocab[k] - 1);
        return FALSE;
      }
    }
  return TRUE;
}

/* Copies the boxes (zeros for padding) and builds the key mask: token 0 of
 * every frame is its [FRAME] token, always a key. */
static void
copy_input (EgoStlt * net, const EgoStltInput * in)
{
  size_t slots = (size_t) in->n * in->t * in->b;
  int32_t *cat = net->ids, *side = cat + slots, *contact = side + slots;
  for (size_t i = 0; i < slots; i++) {
    int on = in->mask[i] != 0;
    const int32_t *id = in->ids + i * EGO_STLT_IDS;
    for (int f = 0; f < EGO_STLT_FEATS; f++)
      net->feat[i * EGO_STLT_FEATS + f] = on ?
          in->feat[i * EGO_STLT_FEATS + f] : 0.0f;
    cat[i] = on ? id[0] : 0;
    side[i] = on ? id[1] : 0;
    contact[i] = on ? id[2] : 0;
    net->slot_mask[i] = (uint8_t) on;
  }
  for (size_t fr = 0; fr < (size_t) in->n * in->t; fr++) {
    uint8_t *km = net->key_mask + fr * (1 + in->b);
    km[0] = 1;
    memcpy (km + 1, net->slot_mask + fr * in->b, (size_t) in->b);
  }
}

/* ------------------------------------------------------------------------ */
/* Forward */

static void
add_into (float *y, const float *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    y[i] += x[i];
}

/* x (nb, s, d) -> blk->out (nb, s, d); key_mask (nb, s) or NULL */
static void
block_forward (EgoStlt * net, StltBlock * blk, const float *x, int nb, int s,
    const uint8_t * key_mask)
{
  int r = nb * s, d = net->cfg.dim, m = net->cfg.mlp;
  ego_layernorm_forward (blk->ln1, blk->mean1, blk->rstd1, x,
      stlt_data (net, blk->ln1_w), stlt_data (net, blk->ln1_b), r, d,
      EGO_STLT_LN_EPS);
  ego_linear_forward (blk->qkv, blk->ln1, stlt_data (net, blk->qkv_w),
      stlt_data (net, blk->qkv_b), r, d, 3 * d);
  ego_attention_forward (blk->atty, blk->att, blk->qkv, key_mask, nb, s, d,
      net->cfg.attn_heads, 0);
  ego_linear_forward (blk->res1, blk->atty, stlt_data (net, blk->proj_w),
      stlt_data (net, blk->proj_b), r, d, d);
  add_into (blk->res1, x, (size_t) r * d);
  ego_layernorm_forward (blk->ln2, blk->mean2, blk->rstd2, blk->res1,
      stlt_data (net, blk->ln2_w), stlt_data (net, blk->ln2_b), r, d,
      EGO_STLT_LN_EPS);
  ego_linear_forward (blk->fc1, blk->ln2, stlt_data (net, blk->fc1_w),
      stlt_data (net, blk->fc1_b), r, d, m);
  ego_gelu_forward (blk->gelu, blk->fc1, (size_t) r * m);
  ego_linear_forward (blk->out, blk->gelu, stlt_data (net, blk->fc2_w),
      stlt_data (net, blk->fc2_b), r, m, d);
  add_into (blk->out, blk->res1, (size_t) r * d);
}

/* box tokens (n*t*b, d), then x0 (n*t, 1 + b, d) = [FRAME] and box tokens */
static void
embed_forward (EgoStlt * net)
{
  int d = net->cfg.dim, b = net->b, frames = net->n * net->t;
  int slots = frames * b;
  const int32_t *ids[3] = { net->ids, net->ids + slots, net->ids + 2 * slots };
  const int tables[3] = { net->cat_e, net->side_e, net->contact_e };
  float *tmp = net->g[6];       /* free during forward */
  ego_linear_forward (net->boxtok, net->feat, stlt_data (net, net->box_w),
      stlt_data (net, net->box_b), slots, EGO_STLT_FEATS, d);
  for (int k = 0; k < 3; k++) {
    ego_embedding_forward (tmp, ids[k], stlt_data (net, tables[k]), slots, d);
    add_into (net->boxtok, tmp, (size_t) slots * d);
  }
  for (int f = 0; f < frames; f++) {
    float *x = net->x0 + (size_t) f * (1 + b) * d;
    memcpy (x, stlt_data (net, net->frame_tok), d * sizeof (float));
    memcpy (x + d, net->boxtok + (size_t) f * b * d,
        (size_t) b * d * sizeof (float));
  }
}

/* ft (n, t, d) = the [FRAME] outputs + temporal_pos[frame] */
static void
frames_forward (EgoStlt * net, const float *xs)
{
  int d = net->cfg.dim, s = 1 + net->b;
  const float *pos = stlt_data (net, net->pos);
  for (int f = 0; f < net->n * net->t; f++) {
    float *y = net->ft + (size_t) f * d;
    const float *p = pos + (size_t) (f % net->t) * d;
    const float *x = xs + (size_t) f * s * d;
    for (int c = 0; c < d; c++)
      y[c] = x[c] + p[c];
  }
}

/* xt (n, t, d) -> mean, norm, dropout, logits per head */
static void
heads_forward (EgoStlt * net, const float *xt, gboolean train, EgoRng * rng)
{
  const EgoStltConfig *cfg = &net->cfg;
  int n = net->n, d = cfg->dim;
  const float *feat = net->normed;
  ego_temporal_mean_forward (net->pooled, xt, n, net->t, d);
  ego_layernorm_forward (net->normed, net->norm_mean, net->norm_rstd,
      net->pooled, stlt_data (net, net->norm_w), stlt_data (net,
          net->norm_b), n, d, EGO_STLT_LN_EPS);
  net->dropped_out = train && cfg->dropout > 0.0f;
  if (net->dropped_out) {
    ego_dropout_forward (net->dropped, net->drop_mask, net->normed,
        (size_t) n * d, cfg->dropout, rng);
    feat = net->dropped;
  }
  for (int k = 0; k < cfg->n_heads; k++) {
    ego_linear_forward (net->logits[k], feat, stlt_data (net,
            net->head_w[k]), stlt_data (net, net->head_b[k]), n, d,
        cfg->classes[k]);
    memset (net->dlogits[k], 0, sizeof (float) * n * cfg->classes[k]);
  }
}

gboolean
ego_stlt_forward (EgoStlt * net, const EgoStltInput * in, gboolean train,
    EgoRng * rng, GError ** error)
{
  const EgoStltConfig *cfg = &net->cfg;
  const float *x;
  g_return_val_if_fail (!train || cfg->dropout == 0.0f || rng, FALSE);
  if (!check_input (net, in, error) || !reserve (net, in->n, in->t, in->b,
          error))
    return FALSE;
  copy_input (net, in);
  embed_forward (net);
  x = net->x0;
  for (int l = 0; l < cfg->spatial_layers; l++) {
    block_forward (net, &net->spatial[l], x, net->n * net->t, 1 + net->b,
        net->key_mask);
    x = net->spatial[l].out;
  }
  frames_forward (net, x);
  x = net->ft;
  for (int l = 0; l < cfg->temporal_layers; l++) {
    block_forward (net, &net->temporal[l], x, net->n, net->t, NULL);
    x = net->temporal[l].out;
  }
  heads_forward (net, x, train, rng);
  return TRUE;
}

float *
ego_stlt_logits (EgoStlt * net, int head)
{
  return net->logits[head];
}

float *
ego_stlt_dlogits (EgoStlt * net, int head)
{
  return net->dlogits[head];
}

/* ------------------------------------------------------------------------ */
/* Backward: the mirror of forward. */

static void
zero (float *p, size_t n)
{
  memset (p, 0, n * sizeof (float));
}

/* dy (nb, s, d): the gradient at the block's output, overwritten (it
 * becomes the gradient at res1); dx (nb, s, d) is overwritten with the
 * gradient at the block's input x. */
static void
block_backward (EgoStlt * net, StltBlock * blk, float *dx, float *dy,
    const float *x, int nb, int s)
{
  int r = nb * s, d = net->cfg.dim, m = net->cfg.mlp;
  float *dln = net->g[2], *dqkv = net->g[3];
  float *dgelu = net->g[4], *dfc1 = net->g[5];
  zero (dgelu, (size_t) r * m);
  ego_linear_backward (dgelu, stlt_grad (net, blk->fc2_w),
      stlt_grad (net, blk->fc2_b), dy, blk->gelu, stlt_data (net,
          blk->fc2_w), r, m, d);
  zero (dfc1, (size_t) r * m);
  ego_gelu_backward (dfc1, dgelu, blk->fc1, (size_t) r * m);
  zero (dln, (size_t) r * d);
  ego_linear_backward (dln, stlt_grad (net, blk->fc1_w),
      stlt_grad (net, blk->fc1_b), dfc1, blk->ln2, stlt_data (net,
          blk->fc1_w), r, d, m);
  ego_layernorm_backward (dy, stlt_grad (net, blk->ln2_w),
      stlt_grad (net, blk->ln2_b), dln, blk->res1, stlt_data (net,
          blk->ln2_w), blk->mean2, blk->rstd2, r, d);
  memcpy (dx, dy, (size_t) r * d * sizeof (float));
  zero (dln, (size_t) r * d);
  ego_linear_backward (dln, stlt_grad (net, blk->proj_w),
      stlt_grad (net, blk->proj_b), dy, blk->atty, stlt_data (net,
          blk->proj_w), r, d, d);
  zero (dqkv, (size_t) r * 3 * d);
  ego_attention_backward (dqkv, dln, blk->qkv, blk->att, nb, s, d,
      net->cfg.attn_heads);
  zero (dln, (size_t) r * d);
  ego_linear_backward (dln, stlt_grad (net, blk->qkv_w),
      stlt_grad (net, blk->qkv_b), dqkv, blk->ln1, stlt_data (net,
          blk->qkv_w), r, d, 3 * d);
  ego_layernorm_backward (dx, stlt_grad (net, blk->ln1_w),
      stlt_grad (net, blk->ln1_b), dln, x, stlt_data (net, blk->ln1_w),
      blk->mean1, blk->rstd1, r, d);
}

/* logits' gradients -> dxt (n, t, d) at the last temporal output; uses
 * g[0] and g[2] as well */
static void
heads_backward (EgoStlt * net, float *dxt)
{
  const EgoStltConfig *cfg = &net->cfg;
  int n = net->n, d = cfg->dim;
  float *dfeat = net->g[2], *dnormed = net->g[2], *dpooled = net->g[0];
  zero (dfeat, (size_t) n * d);
  for (int k = 0; k < cfg->n_heads; k++)
    ego_linear_backward (dfeat, stlt_grad (net, net->head_w[k]),
        stlt_grad (net, net->head_b[k]), net->dlogits[k],
        net->dropped_out ? net->dropped : net->normed,
        stlt_data (net, net->head_w[k]), n, d, cfg->classes[k]);
  if (net->dropped_out) {
    dnormed = dxt;              /* free until the temporal mean below */
    zero (dnormed, (size_t) n * d);
    ego_dropout_backward (dnormed, dfeat, net->drop_mask, (size_t) n * d);
  }
  zero (dpooled, (size_t) n * d);
  ego_layernorm_backward (dpooled, stlt_grad (net, net->norm_w),
      stlt_grad (net, net->norm_b), dnormed, net->pooled,
      stlt_data (net, net->norm_w), net->norm_mean, net->norm_rstd, n, d);
  zero (dxt, (size_t) n * net->t * d);
  ego_temporal_mean_backward (dxt, dpooled, n, net->t, d);
}

/* dft (n*t, d) -> temporal_pos's gradient and dxs (n*t, 1 + b, d), the
 * gradient at the last spatial output (zero but at the [FRAME] rows) */
static void
frames_backward (EgoStlt * net, float *dxs, const float *dft)
{
  int d = net->cfg.dim, s = 1 + net->b;
  float *dpos = stlt_grad (net, net->pos);
  zero (dxs, (size_t) net->n * net->t * s * d);
  for (int f = 0; f < net->n * net->t; f++) {
    const float *g = dft + (size_t) f * d;
    float *p = dpos + (size_t) (f % net->t) * d;
    memcpy (dxs + (size_t) f * s * d, g, d * sizeof (float));
    add_into (p, g, d);
  }
}

/* dx0 (n*t, 1 + b, d) -> the token gradients, dfeat (or NULL) */
static void
embed_backward (EgoStlt * net, const float *dx0, float *dfeat)
{
  int d = net->cfg.dim, b = net->b, frames = net->n * net->t;
  int slots = frames * b;
  const int32_t *ids[3] = { net->ids, net->ids + slots, net->ids + 2 * slots };
  const int tables[3] = { net->cat_e, net->side_e, net->contact_e };
  float *dtok = net->g[6], *dframe = stlt_grad (net, net->frame_tok);
  for (int f = 0; f < frames; f++) {
    const float *g = dx0 + (size_t) f * (1 + b) * d;
    add_into (dframe, g, d);
    memcpy (dtok + (size_t) f * b * d, g + d, (size_t) b * d * sizeof (float));
  }
  for (int k = 0; k < 3; k++)
    ego_embedding_backward (stlt_grad (net, tables[k]), dtok, ids[k], slots, d);
  ego_linear_backward (dfeat, stlt_grad (net, net->box_w),
      stlt_grad (net, net->box_b), dtok, net->feat, stlt_data (net,
          net->box_w), slots, EGO_STLT_FEATS, d);
}

void
ego_stlt_backward (EgoStlt * net, float *dfeat)
{
  const EgoStltConfig *cfg = &net->cfg;
  float *dy = net->g[1], *dx = net->g[0], *tmp;
  int s = 1 + net->b;
  heads_backward (net, dy);
  for (int l = cfg->temporal_layers - 1; l >= 0; l--) {
    const float *x = l > 0 ? net->temporal[l - 1].out : net->ft;
    block_backward (net, &net->temporal[l], dx, dy, x, net->n, net->t);
    tmp = dy;
    dy = dx;
    dx = tmp;
  }
  frames_backward (net, dx, dy);
  tmp = dy;
  dy = dx;
  dx = tmp;
  for (int l = cfg->spatial_layers - 1; l >= 0; l--) {
    const float *x = l > 0 ? net->spatial[l - 1].out : net->x0;
    block_backward (net, &net->spatial[l], dx, dy, x, net->n * net->t, s);
    tmp = dy;
    dy = dx;
    dx = tmp;
  }
  embed_backward (net, dy, dfeat);
}
