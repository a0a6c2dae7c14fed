/* 2-D convolution on direct kernels, see layers.h and conv2d.c. */
#include "conv2d_private.h"

#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Direct convolution on x86-64 CPUs with AVX-512, where
 * OpenBLAS runs its Haswell (8-wide) kernels and repacks both operands on
 * every call. Here the weights are packed once (ego_conv2d_pack), the input
 * is only padded, not unrolled, and a 16-wide kernel keeps a tile of mr
 * output pixels (of one row) x nr output channels in registers: per tap it
 * loads nr/16 weight vectors and multiplies them by mr input pixels, each
 * broadcast. Tap t = (ic, ki, kj) of pixel r reads the padded input at
 * off[t] + r * sw, so no im2col is needed. That runs at about twice sgemm's
 * rate on the student's layers. Elsewhere (no AVX-512, not GCC, grouped
 * convolutions) ego_conv2d_packed_floats is 0 and ego_conv2d_forward_packed
 * runs ego_conv2d_forward_fused. Training runs the same kernel for the
 * input gradient, and a kernel of its own for the weight gradient (both
 * at the end). */

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HAVE_DIRECT 1
#else
#define HAVE_DIRECT 0
#endif

#define PANEL 64                /* output channels per packed panel */
#define TILE_MAX_MR 16
#define TILE_ACCS 28            /* mr * nr / 16 accumulators, of 32 regs */

/* the padded input's trailing floats: the last tile of a row may run past
 * the row (into the next one, or past the end) for pixels it discards */
#define PAD_SLACK (2 * TILE_MAX_MR)

static int
direct_supported (const EgoConv2d * c)
{
#if HAVE_DIRECT
  return c->groups == 1 && (c->sw == 1 || c->sw == 2)
      && __builtin_cpu_supports ("avx512f");
#else
  return 0;
#endif
}

/* padded input (in_c, h + 2ph, w + 2pw) + slack, then k tap offsets, then
 * aligned to 64 bytes the tiles of one output row (ow + 16, PANEL) */
size_t
ego_conv2d_direct_scratch_floats (const EgoConv2d * c, int h, int w)
{
  size_t ow = ego_conv2d_out_w (c, w);
  if (!direct_supported (c))
    return 0;
  return (size_t) c->in_c * (h + 2 * c->ph) * (w + 2 * c->pw) + PAD_SLACK
      + (size_t) c->in_c * c->kh * c->kw + 16 + (ow + 16) * PANEL;
}

size_t
ego_conv2d_packed_floats (const EgoConv2d * c)
{
  if (!direct_supported (c))
    return 0;
  return (size_t) (c->out_c + PANEL - 1) / PANEL * PANEL * c->in_c * c->kh
      * c->kw;
}

/* packed (ceil (out_c / 64), k, 64) from weight (out_c, k), zero-padded:
 * a tile's weights of one tap are adjacent */
void
ego_conv2d_pack (float *packed, const float *weight, const EgoConv2d * c)
{
  size_t k = (size_t) c->in_c * c->kh * c->kw;
  size_t panels = (size_t) (c->out_c + PANEL - 1) / PANEL;
  memset (packed, 0, panels * k * PANEL * sizeof (float));
  for (int o = 0; o < c->out_c; o++)
    for (size_t t = 0; t < k; t++)
      packed[((size_t) (o / PANEL) * k + t) * PANEL + o % PANEL] =
          weight[o * k + t];
}

#if HAVE_DIRECT
/* GCC's generic vectors of 16 floats: plain C, which becomes AVX-512 code
 * in the functions marked AVX512 */
typedef float v16 __attribute__((vector_size (64)));
typedef float v16u __attribute__((vector_size (64), aligned (4)));
typedef int v16i __attribute__((vector_size (64)));

#define INLINE inline __attribute__ ((always_inline))
/* -std=c99 turns off contracting a * b + c into an FMA: turn it back on */
#define AVX512 \
  __attribute__ ((target ("avx512f,fma"), optimize ("fp-contract=fast")))

/* tile (mr, nv * 16) = sum over taps t of in[off[t] + r * s] * w[t] (nv *
 * 16), w with a tap stride of PANEL (any alignment: v16u). Inlined with
 * constant mr, nv and s, the loops unroll and the accumulators stay in
 * registers. */
static INLINE void
tile_kernel (float *tile, const float *in, const int *off, int k,
    const float *w, const int mr, const int nv, const int s)
{
  const v16 zero = { 0 };
  v16 acc[TILE_ACCS];
  for (int i = 0; i < mr * nv; i++)
    acc[i] = zero;
  for (int t = 0; t < k; t++, w += PANEL) {
    const float *p = in + off[t];
    v16 wv[PANEL / 16];
    for (int v = 0; v < nv; v++)
      wv[v] = *(const v16u *) (w + v * 16);
    for (int r = 0; r < mr; r++)
      for (int v = 0; v < nv; v++)
        acc[r * nv + v] += p[r * s] * wv[v];
  }
  for (int i = 0; i < mr * nv; i++)
    *(v16 *) (tile + i * 16) = acc[i];
}

typedef void (*TileFn) (float *tile, const float *in, const int *off, int k,
    const float *w);

static AVX512 void
tile_14x32_s1 (float *tile, const float *in, const int *off, int k,
    const float *w)
{
  tile_kernel (tile, in, off, k, w, 14, 2, 1);
}

static AVX512 void
tile_14x32_s2 (float *tile, const float *in, const int *off, int k,
    const float *w)
{
  tile_kernel (tile, in, off, k, w, 14, 2, 2);
}

static AVX512 void
tile_7x64_s1 (float *tile, const float *in, const int *off, int k,
    const float *w)
{
  tile_kernel (tile, in, off, k, w, 7, 4, 1);
}

static AVX512 void
tile_7x64_s2 (float *tile, const float *in, const int *off, int k,
    const float *w)
{
  tile_kernel (tile, in, off, k, w, 7, 4, 2);
}

/* for 16 channels or fewer, where a 32-wide tile would compute half for
 * nothing */
static AVX512 void
tile_16x16_s1 (float *tile, const float *in, const int *off, int k,
    const float *w)
{
  tile_kernel (tile, in, off, k, w, 16, 1, 1);
}

static AVX512 void
tile_16x16_s2 (float *tile, const float *in, const int *off, int k,
    const float *w)
{
  tile_kernel (tile, in, off, k, w, 16, 1, 2);
}

typedef struct
{
  int mr, nr;
  TileFn fn[2];                 /* stride 1, 2 */
} TileShape;

static const TileShape tile_shapes[] = {
  {14, 32, {tile_14x32_s1, tile_14x32_s2}},
  {7, 64, {tile_7x64_s1, tile_7x64_s2}},
  {16, 16, {tile_16x16_s1, tile_16x16_s2}},
};

/* the tile shape that wastes least on the edges of (out_c, ow) */
static const TileShape *
choose_tile (int out_c, int ow)
{
  const TileShape *best = NULL;
  size_t best_work = 0;
  for (size_t i = 0; i < sizeof (tile_shapes) / sizeof (tile_shapes[0]); i++) {
    const TileShape *t = &tile_shapes[i];
    size_t work = (size_t) (ow + t->mr - 1) / t->mr * t->mr
        * ((out_c + t->nr - 1) / t->nr * t->nr);
    if (!best || work < best_work) {
      best = t;
      best_work = work;
    }
  }
  return best;
}

/* pad (in_c, hp, wp) = inp (in_c, h, w) framed by ph rows and pw columns
 * of zeros, then PAD_SLACK zeros */
static void
pad_input (float *pad, const float *inp, const EgoConv2d * c, int h, int w)
{
  int wp = w + 2 * c->pw;
  size_t frame = (size_t) c->ph * wp;
  float *d = pad;
  for (int ic = 0; ic < c->in_c; ic++) {
    memset (d, 0, frame * sizeof (float));
    d += frame;
    for (int y = 0; y < h; y++, d += wp) {
      for (int i = 0; i < c->pw; i++)
        d[i] = d[c->pw + w + i] = 0.0f;
      memcpy (d + c->pw, inp + ((size_t) ic * h + y) * w, w * sizeof (float));
    }
    memset (d, 0, frame * sizeof (float));
    d += frame;
  }
  memset (d, 0, PAD_SLACK * sizeof (float));
}

/* m (16, 16), row i in m[i], becomes its transpose: for d = 8, 4, 2, 1 the
 * off-diagonal d x d blocks of every 2d x 2d block trade places */
static INLINE void
transpose16 (v16 * m)
{
  /* unrolled, so that the shuffles' lane masks are constants */
#pragma GCC unroll 4
  for (int d = 8; d > 0; d /= 2) {
    v16i lo, hi;                /* lanes of (m[i], m[i + d]): 0-15, 16-31 */
#pragma GCC unroll 16
    for (int k = 0; k < 16; k++) {
      lo[k] = k & d ? 16 + k - d : k;
      hi[k] = k & d ? 16 + k : k + d;
    }
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++) {
      if (i & d)
        continue;
      v16 a = m[i], b = m[i + d];
      m[i] = __builtin_shuffle (a, b, lo);
      m[i + d] = __builtin_shuffle (a, b, hi);
    }
  }
}

/* y (16) = relu? (x + b + res), res or NULL, as finish_row (NaN to 0) */
static INLINE AVX512 void
finish16 (float *y, v16 x, float b, const float *res, int relu)
{
  const v16 zero = { 0 };
  x += b;
  if (res)
    x += *(const v16u *) res;
  if (relu)
    x = (v16) ((v16i) x & (x > zero));
  *(v16u *) y = x;
}

/* Row oy of out (out_c, oh, ow), channels [o0, o0 + no), from the tiles'
 * row (pixel-major: pixel x's nr channels at row + x * nr), 16 x 16 at a
 * time: transposed, through the epilogue, stored. A whole vector past the
 * row's end runs into the channel's next rows, which are stored after this
 * one; only where it would leave the channel is the tail stored by
 * finish_row. So out must not overlap res. */
static AVX512 void
row_store (float *out, const float *row, int nr, const Epilogue * e,
    int o0, int no, int oy, int oh, int ow)
{
  size_t ohw = (size_t) oh * ow;
  for (int x0 = 0; x0 < ow; x0 += 16) {
    int whole = (size_t) oy * ow + x0 + 16 <= ohw;
    for (int v = 0; v < no; v += 16) {
      v16 m[16];
      for (int i = 0; i < 16; i++)
        m[i] = *(const v16 *) (row + (size_t) (x0 + i) * nr + v);
      transpose16 (m);
      for (int i = 0; i < 16 && v + i < no; i++) {
        int o = o0 + v + i;
        size_t at = o * ohw + (size_t) oy * ow + x0;
        float b = e->bias ? e->bias[o] : 0.0f, tail[16];
        const float *res = e->res ? e->res + at : NULL;
        if (whole) {
          finish16 (out + at, m[i], b, res, e->relu);
        } else {
          *(v16u *) tail = m[i];
          finish_row (out + at, tail, ow - x0, b, res, e->relu);
        }
      }
    }
  }
}

/* The scratch of direct_forward, carved: see
 * ego_conv2d_direct_scratch_floats. */
typedef struct
{
  float *pad;                   /* padded input */
  int *off;                     /* tap offsets, as ints in the floats */
  float *row;                   /* row_store's, 64-byte aligned */
} DirectScratch;

static DirectScratch
direct_scratch_carve (float *scratch, const EgoConv2d * c, int h, int w)
{
  DirectScratch d;
  size_t pad = (size_t) c->in_c * (h + 2 * c->ph) * (w + 2 * c->pw);
  uintptr_t end = (uintptr_t) (scratch + pad + PAD_SLACK
      + (size_t) c->in_c * c->kh * c->kw);
  d.pad = scratch;
  d.off = (int *) (scratch + pad + PAD_SLACK);
  d.row = (float *) ((end + 63) / 64 * 64);
  return d;
}

/* One image: out (out_c, oh, ow) from inp (in_c, h, w), a channel panel
 * (whose weights so stay in cache) and output row at a time. The offsets
 * are ints in the float scratch, which this call alone uses. */
static void
direct_forward (float *out, const float *inp, const float *packed,
    const Epilogue * e, const EgoConv2d * c, int h, int w, float *scratch)
{
  int oh = ego_conv2d_out_h (c, h), ow = ego_conv2d_out_w (c, w);
  int hp = h + 2 * c->ph, wp = w + 2 * c->pw, t = 0;
  int k = c->in_c * c->kh * c->kw;
  DirectScratch d = direct_scratch_carve (scratch, c, h, w);
  const TileShape *ts = choose_tile (c->out_c, ow);
  const float *src = d.pad;
  /* unpadded, with no partial tiles, the reads stay inside the input */
  if (c->ph == 0 && c->pw == 0 && ow % ts->mr == 0)
    src = inp;
  else
    pad_input (d.pad, inp, c, h, w);
  for (int ic = 0; ic < c->in_c; ic++)
    for (int ki = 0; ki < c->kh; ki++)
      for (int kj = 0; kj < c->kw; kj++)
        d.off[t++] = (ic * hp + ki) * wp + kj;
  for (int o0 = 0; o0 < c->out_c; o0 += ts->nr) {
    const float *wo = packed + (size_t) (o0 / PANEL) * k * PANEL + o0 % PANEL;
    int no = c->out_c - o0 < ts->nr ? c->out_c - o0 : ts->nr;
    for (int oy = 0; oy < oh; oy++) {
      const float *in = src + (size_t) oy * c->sh * wp;
      for (int ox = 0; ox < ow; ox += ts->mr)
        ts->fn[c->sw - 1] (d.row + (size_t) ox * ts->nr, in + ox * c->sw,
            d.off, k, wo);
      row_store (out, d.row, ts->nr, e, o0, no, oy, oh, ow);
    }
  }
}
/* ------------------------------------------------------------------------ */
/* The weight gradient: dweight[o][t] = sum over the images and output
 * pixels q of dout[o][q] * in[off[t] + q's input offset]. A tile of mr
 * taps x nv * 16 output channels stays in registers through every pixel:
 * per pixel it loads nv vectors of dout, transposed beforehand to (ohw,
 * ocp) so that a pixel's channels are adjacent, and multiplies them by mr
 * input values, each broadcast. im2col and sgemm's packing of both
 * operands on every image are gone. */

/* tile (mr, nv * 16) += sum over the (oh, ow) pixels of one image of
 * x[off[r] + oy * xrow + ox * s] * dyt[(oy * ow + ox) * ldy + (nv * 16)] */
static INLINE void
wgrad_kernel (float *tile, const float *x, const int *off, const float *dyt,
    int ldy, int oh, int ow, int xrow, const int mr, const int nv,
    const int s)
{
  v16 acc[TILE_ACCS];
  for (int i = 0; i < mr * nv; i++)
    acc[i] = *(const v16 *) (tile + i * 16);
  for (int oy = 0; oy < oh; oy++) {
    const float *xr = x + (size_t) oy * xrow;
    const float *d = dyt + (size_t) oy * ow * ldy;
    for (int ox = 0; ox < ow; ox++, d += ldy) {
      const float *xp = xr + ox * s;
      v16 dv[4];
      for (int v = 0; v < nv; v++)
        dv[v] = *(const v16 *) (d + v * 16);
      for (int r = 0; r < mr; r++) {
        float xv = xp[off[r]];
        for (int v = 0; v < nv; v++)
          acc[r * nv + v] += xv * dv[v];
      }
    }
  }
  for (int i = 0; i < mr * nv; i++)
    *(v16 *) (tile + i * 16) = acc[i];
}

typedef void (*WgradFn) (float *tile, const float *x, const int *off,
    const float *dyt, int ldy, int oh, int ow, int xrow);

static AVX512 void
wgrad_28x1_s1 (float *tile, const float *x, const int *off,
    const float *dyt, int ldy, int oh, int ow, int xrow)
{
  wgrad_kernel (tile, x, off, dyt, ldy, oh, ow, xrow, 28, 1, 1);
}

static AVX512 void
wgrad_28x1_s2 (float *tile, const float *x, const int *off,
    const float *dyt, int ldy, int oh, int ow, int xrow)
{
  wgrad_kernel (tile, x, off, dyt, ldy, oh, ow, xrow, 28, 1, 2);
}

static AVX512 void
wgrad_14x2_s1 (float *tile, const float *x, const int *off,
    const float *dyt, int ldy, int oh, int ow, int xrow)
{
  wgrad_kernel (tile, x, off, dyt, ldy, oh, ow, xrow, 14, 2, 1);
}

static AVX512 void
wgrad_14x2_s2 (float *tile, const float *x, const int *off,
    const float *dyt, int ldy, int oh, int ow, int xrow)
{
  wgrad_kernel (tile, x, off, dyt, ldy, oh, ow, xrow, 14, 2, 2);
}

static AVX512 void
wgrad_7x4_s1 (float *tile, const float *x, const int *off,
    const float *dyt, int ldy, int oh, int ow, int xrow)
{
  wgrad_kernel (tile, x, off, dyt, ldy, oh, ow, xrow, 7, 4, 1);
}

static AVX512 void
wgrad_7x4_s2 (float *tile, const float *x, const int *off,
    const float *dyt, int ldy, int oh, int ow, int xrow)
{
  wgrad_kernel (tile, x, off, dyt, ldy, oh, ow, xrow, 7, 4, 2);
}

typedef struct
{
  int mr, nv;
  WgradFn fn[2];                /* stride 1, 2 */
} WgradShape;

/* 16 channels a tile where there are 16 (the stem and first stage of a
 * small student), else 32 or 64: always 28 accumulators */
static const WgradShape *
wgrad_shape (int out_c)
{
  static const WgradShape shapes[] = {
    {28, 1, {wgrad_28x1_s1, wgrad_28x1_s2}},
    {14, 2, {wgrad_14x2_s1, wgrad_14x2_s2}},
    {7, 4, {wgrad_7x4_s1, wgrad_7x4_s2}},
  };
  return &shapes[out_c <= 16 ? 0 : out_c <= 32 ? 1 : 2];
}

#endif /* HAVE_DIRECT */

void
ego_conv2d_forward_packed (float *out, const float *inp, const float *weight,
    const float *packed, const float *bias, const float *res, int relu,
    const EgoConv2d * c, int n, int h, int w, float *scratch)
{
#if HAVE_DIRECT
  if (packed) {
    size_t ohw = (size_t) ego_conv2d_out_h (c, h) * ego_conv2d_out_w (c, w);
    for (int b = 0; b < n; b++) {
      Epilogue e = { bias, res ? res + b * c->out_c * ohw : NULL, relu };
      direct_forward (out + b * c->out_c * ohw,
          inp + (size_t) b * c->in_c * h * w, packed, &e, c, h, w, scratch);
    }
    return;
  }
#endif
  ego_conv2d_forward_fused (out, inp, weight, bias, res, relu, c, n, h, w,
      scratch);
}

/* ------------------------------------------------------------------------ */
/* The input gradient of a stride-1 convolution is a convolution too, the
 * transposed one: of dout padded by k - 1 - p, with the kernel flipped and
 * in_c and out_c swapped. Packed, it runs on the direct kernel as forward
 * does, and needs neither col nor col2im. */

/* t = the transposed convolution of c; 0 where there is none to run */
static int
transposed_conv (EgoConv2d * t, const EgoConv2d * c)
{
  EgoConv2d r = { c->out_c, c->in_c, c->kh, c->kw, 1, 1, c->kh - 1 - c->ph,
    c->kw - 1 - c->pw, 1
  };
  *t = r;
  return c->groups == 1 && c->sh == 1 && c->sw == 1 && r.ph >= 0
      && r.pw >= 0 && direct_supported (&r);
}

size_t
ego_conv2d_packed_input_grad_floats (const EgoConv2d * c)
{
  EgoConv2d t;
  return transposed_conv (&t, c) ? ego_conv2d_packed_floats (&t) : 0;
}

/* the direct kernel's scratch for the transposed convolution, whose input
 * is dout (out_c, oh, ow) */
size_t
ego_conv2d_input_grad_scratch_floats (const EgoConv2d * c, int h, int w)
{
  EgoConv2d t;
  if (!transposed_conv (&t, c))
    return 0;
  return ego_conv2d_direct_scratch_floats (&t, ego_conv2d_out_h (c, h),
      ego_conv2d_out_w (c, w));
}

/* packed (ceil (in_c / 64), out_c * kh * kw, 64): tap (o, ki, kj) of
 * input channel i is weight[o][i][kh - 1 - ki][kw - 1 - kj] */
void
ego_conv2d_pack_input_grad (float *packed, const float *weight,
    const EgoConv2d * c)
{
  size_t taps = (size_t) c->kh * c->kw, k = c->out_c * taps;
  size_t panels = (size_t) (c->in_c + PANEL - 1) / PANEL;
  memset (packed, 0, panels * k * PANEL * sizeof (float));
  for (int o = 0; o < c->out_c; o++)
    for (int i = 0; i < c->in_c; i++)
      for (size_t t = 0; t < taps; t++)
        packed[((size_t) (i / PANEL) * k + o * taps + t) * PANEL + i % PANEL]
            = weight[((size_t) o * c->in_c + i) * taps + taps - 1 - t];
}

void
ego_conv2d_backward_input_packed (float *dinp, const float *dout,
    const float *packed, const EgoConv2d * c, int n, int h, int w,
    float *scratch)
{
#if HAVE_DIRECT
  EgoConv2d t;
  int oh = ego_conv2d_out_h (c, h), ow = ego_conv2d_out_w (c, w);
  Epilogue e = { NULL, NULL, 0 };
  transposed_conv (&t, c);
  for (int b = 0; b < n; b++)
    direct_forward (dinp + (size_t) b * c->in_c * h * w,
        dout + (size_t) b * c->out_c * oh * ow, packed, &e, &t, oh, ow,
        scratch);
#endif
}

/* The scratch of the weight gradient, for n images: their padded inputs
 * (as direct_forward's), dout transposed (n, ohw, ocp), 64-byte aligned,
 * the tap offsets and one tile. */
typedef struct
{
  size_t pad;                   /* floats of one padded input */
  int ocp, kp;                  /* channels and taps, whole tiles */
  float *pads, *dyt, *tile;
  int *off;
} WgradScratch;

static size_t
wgrad_layout (WgradScratch * d, float *scratch, const EgoConv2d * c, int n,
    int h, int w)
{
#if HAVE_DIRECT
  const WgradShape *ws = wgrad_shape (c->out_c);
  size_t ohw = (size_t) ego_conv2d_out_h (c, h) * ego_conv2d_out_w (c, w);
  size_t at;
  int nr = ws->nv * 16, k = c->in_c * c->kh * c->kw;
  d->pad = (size_t) c->in_c * (h + 2 * c->ph) * (w + 2 * c->pw) + PAD_SLACK;
  d->ocp = (c->out_c + nr - 1) / nr * nr;
  d->kp = k + TILE_ACCS;         /* room for any tile's last taps */
  /* offsets into scratch; each part starts 64-byte aligned if scratch is */
  at = (n * d->pad + 15) / 16 * 16;
  d->pads = scratch;
  d->dyt = scratch ? scratch + at : NULL;
  at += n * ohw * d->ocp;
  d->tile = scratch ? scratch + at : NULL;
  at += (size_t) ws->mr * nr;
  d->off = scratch ? (int *) (scratch + at) : NULL;
  return at + d->kp;
#else
  return 0;
#endif
}

size_t
ego_conv2d_weight_grad_scratch_floats (const EgoConv2d * c, int n, int h,
    int w)
{
  WgradScratch d;
  /* + 16: room to align the caller's scratch to 64 bytes */
  return direct_supported (c) ? wgrad_layout (&d, NULL, c, n, h, w) + 16 : 0;
}

#if HAVE_DIRECT
/* dyt (ohw, ocp) = dy (out_c, ohw) transposed, channels past out_c zero:
 * whole 16 x 16 blocks through registers (one by one, the reads of a
 * pixel's channels would each be ohw apart), then the edges */
static AVX512 void
transpose_dout (float *dyt, const float *dy, int out_c, int ocp, size_t ohw)
{
  int o16 = out_c / 16 * 16;
  size_t q16 = ohw / 16 * 16;
  for (int o0 = 0; o0 < o16; o0 += 16) {
    for (size_t q0 = 0; q0 < q16; q0 += 16) {
      v16 m[16];
      for (int i = 0; i < 16; i++)
        m[i] = *(const v16u *) (dy + (o0 + i) * ohw + q0);
      transpose16 (m);
      for (int i = 0; i < 16; i++)
        *(v16 *) (dyt + (q0 + i) * ocp + o0) = m[i];
    }
  }
  for (size_t q = 0; q < ohw; q++) {
    float *row = dyt + q * ocp;
    for (int o = q < q16 ? o16 : 0; o < out_c; o++)
      row[o] = dy[o * ohw + q];
    for (int o = out_c; o < ocp; o++)
      row[o] = 0.0f;
  }
}
#endif

void
ego_conv2d_weight_grad_packed (float *dweight, const float *dout,
    const float *inp, const EgoConv2d * c, int n, int h, int w,
    float *scratch)
{
#if HAVE_DIRECT
  const WgradShape *ws = wgrad_shape (c->out_c);
  int oh = ego_conv2d_out_h (c, h), ow = ego_conv2d_out_w (c, w);
  int hp = h + 2 * c->ph, wp = w + 2 * c->pw, nr = ws->nv * 16;
  int k = c->in_c * c->kh * c->kw, t = 0;
  size_t ohw = (size_t) oh * ow;
  WgradScratch d;
  float *aligned = (float *) (((uintptr_t) scratch + 63) / 64 * 64);
  wgrad_layout (&d, aligned, c, n, h, w);
  for (int b = 0; b < n; b++) {
    pad_input (d.pads + b * d.pad, inp + (size_t) b * c->in_c * h * w, c, h,
        w);
    transpose_dout (d.dyt + b * ohw * d.ocp, dout + b * c->out_c * ohw,
        c->out_c, d.ocp, ohw);
  }
  for (int ic = 0; ic < c->in_c; ic++)
    for (int ki = 0; ki < c->kh; ki++)
      for (int kj = 0; kj < c->kw; kj++)
        d.off[t++] = (ic * hp + ki) * wp + kj;
  /* taps past k (of a last, partial tile) read the first; dropped below */
  for (; t < d.kp; t++)
    d.off[t] = 0;
  for (int o0 = 0; o0 < c->out_c; o0 += nr) {
    for (int t0 = 0; t0 < k; t0 += ws->mr) {
      memset (d.tile, 0, (size_t) ws->mr * nr * sizeof (float));
      for (int b = 0; b < n; b++)
        ws->fn[c->sw - 1] (d.tile, d.pads + b * d.pad, d.off + t0,
            d.dyt + b * ohw * d.ocp + o0, d.ocp, oh, ow, c->sh * wp);
      for (int r = 0; r < ws->mr && t0 + r < k; r++)
        for (int o = 0; o < nr && o0 + o < c->out_c; o++)
          dweight[(size_t) (o0 + o) * k + t0 + r] += d.tile[r * nr + o];
    }
  }
#endif
}
