/* 2-D convolution, see layers.h.
 *
 * Each image and group is one sgemm on an im2col matrix (row-major):
 *   out_g (OCg, OH*OW) = W_g (OCg, K) . col (K, OH*OW),  K = ICg*kh*kw
 * so the arithmetic runs at the BLAS rate and the only extra cost is building
 * col. A 1x1, stride 1, unpadded convolution needs no col: the input image
 * already is that matrix. Depthwise convolutions have K = kh*kw, far too
 * small for sgemm to pay off, so they use a direct loop instead.
 */
#include "layers.h"

#include <stdint.h>
#include <string.h>

#include <cblas.h>

int
ego_conv2d_out_h (const EgoConv2d * c, int h)
{
  return (h + 2 * c->ph - c->kh) / c->sh + 1;
}

int
ego_conv2d_out_w (const EgoConv2d * c, int w)
{
  return (w + 2 * c->pw - c->kw) / c->sw + 1;
}

static int
is_depthwise (const EgoConv2d * c)
{
  return c->groups == c->in_c && c->groups == c->out_c;
}

/* the input image is its own im2col matrix */
static int
is_pointwise (const EgoConv2d * c)
{
  return c->kh == 1 && c->kw == 1 && c->sh == 1 && c->sw == 1 && c->ph == 0
      && c->pw == 0;
}

/* Output rows per im2col band. The col matrix of a 3x3 convolution is 9x
 * its input; bands cap it (and so the scratch) at about BAND_FLOATS for
 * large images. Measured on 3x3 layers of 16-256 channels, splitting into
 * smaller, L2-sized bands was no faster: sgemm wants long rows more than
 * col wants to stay in cache. */
#define BAND_FLOATS (1024 * 1024)

static int
band_rows (const EgoConv2d * c, int oh, int ow)
{
  size_t k = (size_t) (c->in_c / c->groups) * c->kh * c->kw;
  size_t rows = BAND_FLOATS / (k * ow);
  if (rows < 1)
    rows = 1;
  return rows < (size_t) oh ? (int) rows : oh;
}

static int phase_stride (const EgoConv2d * c, int h, int w);
static size_t direct_scratch_floats (const EgoConv2d * c, int h, int w);

/* The larger of: col for one band (forward and backward), then for a
 * stride-2 forward the input's phases (see split_phases); and the direct
 * forward's (see direct_forward). */
size_t
ego_conv2d_scratch_floats (const EgoConv2d * c, int h, int w)
{
  size_t col = 0, direct = direct_scratch_floats (c, h, w);
  if (!is_depthwise (c) && !is_pointwise (c)) {
    int oh = ego_conv2d_out_h (c, h), ow = ego_conv2d_out_w (c, w);
    size_t icg = c->in_c / c->groups;
    col = icg * c->kh * c->kw * band_rows (c, oh, ow) * ow
        + (phase_stride (c, h, w) == 2 ? icg * h * w : 0);
  }
  return col > direct ? col : direct;
}

/* The output positions o in [0, out) whose input position o*s - p + k lies
 * inside [0, in) form one range [*lo, *hi). Finding it once per kernel tap
 * lets the copy loops below run without testing padding per element. */
static void
valid_range (int *lo, int *hi, int k, int s, int p, int in, int out)
{
  int first = p - k;            /* need o*s >= p - k */
  int last = in - 1 + p - k;    /* and o*s <= in - 1 + p - k */
  int l = first > 0 ? (first + s - 1) / s : 0;
  int h = last >= 0 ? last / s + 1 : 0;
  if (h > out)
    h = out;
  if (l > h)
    l = h;
  *lo = l;
  *hi = h;
}

/* One row of col for output row oy and tap (ki, kj): dst (ow) from the input
 * plane src (h, w), zero where the tap falls in the padding. */
static void
im2col_row (float *dst, const float *src, int iy, int kj, int lo, int hi,
    const EgoConv2d * c, int h, int w, int ow)
{
  if (iy < 0 || iy >= h) {
    memset (dst, 0, (size_t) ow * sizeof (float));
    return;
  }
  /* output column ox reads input column ox * sw + kj - pw */
  const float *x = src + (size_t) iy * w + lo * c->sw + kj - c->pw;
  int len = hi - lo;
  memset (dst, 0, (size_t) lo * sizeof (float));
  if (c->sw == 1) {
    memcpy (dst + lo, x, (size_t) len * sizeof (float));
  } else {
    for (int i = 0; i < len; i++)
      dst[lo + i] = x[i * c->sw];
  }
  memset (dst + hi, 0, (size_t) (ow - hi) * sizeof (float));
}

/* col (icg*kh*kw, noy*ow) for output rows [oy0, oy0 + noy) from one
 * group's input inp (icg, h, w) */
static void
im2col (float *col, const float *inp, const EgoConv2d * c, int icg, int h,
    int w, int oy0, int noy, int ow)
{
  float *dst = col;
  for (int ic = 0; ic < icg; ic++) {
    const float *src = inp + (size_t) ic * h * w;
    for (int ki = 0; ki < c->kh; ki++) {
      for (int kj = 0; kj < c->kw; kj++) {
        int lo, hi;
        valid_range (&lo, &hi, kj, c->sw, c->pw, w, ow);
        for (int oy = oy0; oy < oy0 + noy; oy++, dst += ow)
          im2col_row (dst, src, oy * c->sh - c->ph + ki, kj, lo, hi, c, h, w,
              ow);
      }
    }
  }
}

/* The adjoint of im2col: dinp (icg, h, w) += every entry of col
 * (icg*kh*kw, noy*ow) at the input position it was copied from; padding
 * entries are dropped. */
static void
col2im_add (float *dinp, const float *col, const EgoConv2d * c, int icg,
    int h, int w, int oy0, int noy, int ow)
{
  const float *src = col;
  for (int ic = 0; ic < icg; ic++) {
    float *dst = dinp + (size_t) ic * h * w;
    for (int ki = 0; ki < c->kh; ki++) {
      for (int kj = 0; kj < c->kw; kj++) {
        int lo, hi;
        valid_range (&lo, &hi, kj, c->sw, c->pw, w, ow);
        int len = hi - lo, first = lo * c->sw + kj - c->pw;
        for (int oy = oy0; oy < oy0 + noy; oy++, src += ow) {
          int iy = oy * c->sh - c->ph + ki;
          if (iy < 0 || iy >= h)
            continue;
          float *x = dst + (size_t) iy * w + first;
          const float *s = src + lo;
          if (c->sw == 1) {
            for (int i = 0; i < len; i++)
              x[i] += s[i];
          } else {
            for (int i = 0; i < len; i++)
              x[i * c->sw] += s[i];
          }
        }
      }
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Depthwise: one kh x kw filter per channel. Each tap adds a scaled,
 * shifted copy of the input plane to the output plane, row by row over the
 * valid range, so the inner loops are plain axpys. */

/* out (ohw) of one channel: bias, then every tap; inp (h, w) */
static void
depthwise_plane_forward (float *out, const float *inp, const float *wc,
    float bias, const EgoConv2d * c, int h, int w, int oh, int ow)
{
  for (int i = 0; i < oh * ow; i++)
    out[i] = bias;
  for (int ki = 0; ki < c->kh; ki++) {
    for (int kj = 0; kj < c->kw; kj++) {
      float wv = wc[ki * c->kw + kj];
      int lo, hi;
      valid_range (&lo, &hi, kj, c->sw, c->pw, w, ow);
      int len = hi - lo, first = lo * c->sw + kj - c->pw;
      for (int oy = 0; oy < oh; oy++) {
        int iy = oy * c->sh - c->ph + ki;
        if (iy < 0 || iy >= h)
          continue;
        const float *x = inp + (size_t) iy * w + first;
        float *y = out + (size_t) oy * ow + lo;
        if (c->sw == 1) {
          for (int i = 0; i < len; i++)
            y[i] += wv * x[i];
        } else {
          for (int i = 0; i < len; i++)
            y[i] += wv * x[i * c->sw];
        }
      }
    }
  }
}

/* gradients of one channel: dwc (kh*kw) and dinp (h, w) may be NULL */
static void
depthwise_plane_backward (float *dinp, float *dwc, const float *dout,
    const float *inp, const float *wc, const EgoConv2d * c, int h, int w,
    int oh, int ow)
{
  for (int ki = 0; ki < c->kh; ki++) {
    for (int kj = 0; kj < c->kw; kj++) {
      float wv = wc[ki * c->kw + kj], dw = 0.0f;
      int lo, hi, sw = c->sw;
      valid_range (&lo, &hi, kj, sw, c->pw, w, ow);
      int len = hi - lo, first = lo * sw + kj - c->pw;
      for (int oy = 0; oy < oh; oy++) {
        int iy = oy * c->sh - c->ph + ki;
        if (iy < 0 || iy >= h)
          continue;
        size_t at = (size_t) iy * w + first;
        const float *dy = dout + (size_t) oy * ow + lo;
        if (dwc) {
          const float *x = inp + at;
          for (int i = 0; i < len; i++)
            dw += dy[i] * x[i * sw];
        }
        if (dinp) {
          float *dx = dinp + at;
          for (int i = 0; i < len; i++)
            dx[i * sw] += wv * dy[i];
        }
      }
      if (dwc)
        dwc[ki * c->kw + kj] += dw;
    }
  }
}

static void
depthwise_forward (float *out, const float *inp, const float *weight,
    const float *bias, const EgoConv2d * c, int n, int h, int w)
{
  int oh = ego_conv2d_out_h (c, h), ow = ego_conv2d_out_w (c, w);
  int taps = c->kh * c->kw;
  for (int b = 0; b < n; b++) {
    for (int ch = 0; ch < c->out_c; ch++) {
      size_t plane = (size_t) b * c->out_c + ch;
      depthwise_plane_forward (out + plane * oh * ow, inp + plane * h * w,
          weight + (size_t) ch * taps, bias ? bias[ch] : 0.0f, c, h, w, oh, ow);
    }
  }
}

static void
depthwise_backward (float *dinp, float *dweight, float *dbias,
    const float *dout, const float *inp, const float *weight,
    const EgoConv2d * c, int n, int h, int w)
{
  int oh = ego_conv2d_out_h (c, h), ow = ego_conv2d_out_w (c, w);
  int taps = c->kh * c->kw;
  for (int b = 0; b < n; b++) {
    for (int ch = 0; ch < c->out_c; ch++) {
      size_t plane = (size_t) b * c->out_c + ch;
      const float *dy = dout + plane * oh * ow;
      if (dbias) {
        float s = 0.0f;
        for (int i = 0; i < oh * ow; i++)
          s += dy[i];
        dbias[ch] += s;
      }
      depthwise_plane_backward (dinp ? dinp + plane * h * w : NULL,
          dweight ? dweight + (size_t) ch * taps : NULL, dy,
          inp + plane * h * w, weight + (size_t) ch * taps, c, h, w, oh, ow);
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Forward. im2col above builds col row by row, a few floats per libc call
 * at the small sizes of a streaming network. When the output is exactly as
 * wide as the plane a tap reads, the tap's rows of col are that plane
 * shifted by whole rows and columns: one flat copy, then zeroed edges.
 * Stride 1 (ow == w) reads the input planes themselves; stride 2 first
 * splits the input into its four phases (even/odd rows x even/odd
 * columns), each (h/2, w/2), after which every tap reads one phase at a
 * shift of 0 or -1, as at stride 1. */

static int
mod_pos (int d, int s)
{
  return ((d % s) + s) % s;
}

static int
clamp_int (int v, int lo, int hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

/* 1 or 2 when forward can use the phase planes, else 0 */
static int
phase_stride (const EgoConv2d * c, int h, int w)
{
  int s = c->sh, ow = ego_conv2d_out_w (c, w);
  if (c->sw != s || (s != 1 && s != 2) || h % s || w % s || ow != w / s)
    return 0;
  return s;
}

/* the kernel reads row (or column) phase a of stride 2 */
static int
phase_used (int k, int p, int a)
{
  for (int i = 0; i < k; i++)
    if (mod_pos (i - p, 2) == a)
      return 1;
  return 0;
}

/* a 1x1 unpadded kernel reads only phase (0, 0), which is then col */
static int
phase_is_col (const EgoConv2d * c)
{
  return c->kh == 1 && c->kw == 1 && c->ph == 0 && c->pw == 0;
}

/* phases (4, icg, h/2, w/2) of inp (icg, h, w): phase (a, b) holds the
 * pixels (2y + a, 2x + b). Only the phases the kernel reads are written. */
static void
split_phases (float *phases, const float *inp, const EgoConv2d * c, int icg,
    int h, int w)
{
  int h2 = h / 2, w2 = w / 2;
  for (int a = 0; a < 2; a++) {
    for (int b = 0; b < 2; b++) {
      float *dst = phases + (size_t) (a * 2 + b) * icg * h2 * w2;
      if (!phase_used (c->kh, c->ph, a) || !phase_used (c->kw, c->pw, b))
        continue;
      for (int ic = 0; ic < icg; ic++) {
        for (int y = 0; y < h2; y++, dst += w2) {
          const float *x = inp + ((size_t) ic * h + 2 * y + a) * w + b;
          for (int i = 0; i < w2; i++)
            dst[i] = x[2 * i];
        }
      }
    }
  }
}

/* dst (noy, ow) for output rows [oy0, oy0 + noy): dst[oy][ox] =
 * plane[oy + dy][ox + dx] of plane (prows, ow), zero outside the plane.
 * The valid rows are one flat copy shifted by dy * ow + dx, which wraps |dx|
 * floats per row in from the neighbouring row; those edge columns are then
 * zeroed. */
static void
copy_shifted (float *dst, const float *plane, int prows, int ow, int oy0,
    int noy, int dy, int dx)
{
  int end = oy0 + noy, adx = dx < 0 ? -dx : dx;
  /* the rows [r0, r1) read inside the plane */
  int r0 = clamp_int (-dy, oy0, end), r1 = clamp_int (prows - dy, r0, end);
  float *d = dst + (size_t) (r0 - oy0) * ow;
  size_t n = (size_t) (r1 - r0) * ow, skip = dx < 0 ? adx : 0;
  memset (dst, 0, (size_t) (r0 - oy0) * ow * sizeof (float));
  memset (d + n, 0, (size_t) (end - r1) * ow * sizeof (float));
  if (n == 0 || adx >= ow) {
    memset (d, 0, n * sizeof (float));
    return;
  }
  /* the skipped first (dx < 0) or last (dx > 0) floats would be read from
   * outside the plane; they are edge columns, zeroed below */
  memcpy (d + skip, plane + (ptrdiff_t) (r0 + dy) * ow + dx + skip,
      (n - adx) * sizeof (float));
  for (float *e = dx < 0 ? d : d + ow - adx; e < d + n; e += ow)
    for (int i = 0; i < adx; i++)
      e[i] = 0.0f;
}

/* col (icg*kh*kw, noy*ow) for output rows [oy0, oy0 + noy) from planes
 * (s*s, icg, prows, ow): the input itself (s = 1) or its phases (s = 2).
 * Tap (ki, kj) reads the phase ((ki - ph) mod s, (kj - pw) mod s) shifted
 * by floor ((ki - ph) / s) rows and floor ((kj - pw) / s) columns. */
static void
im2col_planes (float *col, const float *planes, const EgoConv2d * c,
    int icg, int s, int prows, int ow, int oy0, int noy)
{
  size_t plane = (size_t) prows * ow;
  float *dst = col;
  for (int ic = 0; ic < icg; ic++) {
    for (int ki = 0; ki < c->kh; ki++) {
      for (int kj = 0; kj < c->kw; kj++, dst += (size_t) noy * ow) {
        int di = ki - c->ph, dj = kj - c->pw;
        int a = mod_pos (di, s), b = mod_pos (dj, s);
        const float *p = planes + ((size_t) (a * s + b) * icg + ic) * plane;
        copy_shifted (dst, p, prows, ow, oy0, noy, (di - a) / s, (dj - b) / s);
      }
    }
  }
}

/* What follows a convolution in an inference network, fused into it. */
typedef struct
{
  const float *bias;            /* (out_c) or NULL */
  const float *res;             /* added after the bias, like out; or NULL */
  int relu;
} Epilogue;

/* y (n) = relu? (x + b + res), res (n) or NULL; x may be y */
static inline void
finish_row (float *y, const float *x, int n, float b, const float *res,
    int relu)
{
  for (int i = 0; i < n; i++) {
    float v = x[i] + b;
    if (res)
      v += res[i];
    y[i] = relu && !(v > 0.0f) ? 0.0f : v;
  }
}

/* y (ocg, cols) with row stride ld: y = relu? (y + bias + res); bias
 * (ocg) and res (ocg, cols, stride ld) of this group, each may be NULL */
static void
epilogue_apply (float *y, const Epilogue * e, int ocg, int cols, size_t ld)
{
  if (!e->bias && !e->res && !e->relu)
    return;
  for (int o = 0; o < ocg; o++)
    finish_row (y + o * ld, y + o * ld, cols, e->bias ? e->bias[o] : 0.0f,
        e->res ? e->res + o * ld : NULL, e->relu);
}

/* the band's col (k, noy*ow), built from the input x (icg, h, w) or, when
 * s is not 0, from its planes (see im2col_planes) */
static void
build_col (float *col, const float *x, const float *planes, int s,
    const EgoConv2d * c, int h, int w, int oy0, int noy)
{
  int icg = c->in_c / c->groups, ow = ego_conv2d_out_w (c, w);
  if (s)
    im2col_planes (col, planes, c, icg, s, h / s, ow, oy0, noy);
  else
    im2col (col, x, c, icg, h, w, oy0, noy, ow);
}

/* y (ocg, oh*ow) of one image and group = wg (ocg, k) . im2col (x), band by
 * band, each followed by the epilogue while it is in cache; e's bias and
 * res are this group's. scratch holds the band's col, then the phases. */
static void
conv_group_forward (float *y, const float *x, const float *wg,
    const Epilogue * e, const EgoConv2d * c, int h, int w, float *scratch)
{
  int oh = ego_conv2d_out_h (c, h), ow = ego_conv2d_out_w (c, w);
  int icg = c->in_c / c->groups, ocg = c->out_c / c->groups, ohw = oh * ow;
  int k = icg * c->kh * c->kw, rows = band_rows (c, oh, ow);
  int s = phase_stride (c, h, w);
  const float *planes = x;
  if (s == 2) {
    float *phases = scratch + (size_t) k * rows * ow;
    split_phases (phases, x, c, icg, h, w);
    planes = phases;
  }
  if (s && phase_is_col (c)) {
    /* the input (stride 1) or its phase (0, 0) is col */
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, ocg, ohw, k,
        1.0f, wg, k, planes, ohw, 0.0f, y, ohw);
    epilogue_apply (y, e, ocg, ohw, ohw);
    return;
  }
  for (int oy0 = 0; oy0 < oh; oy0 += rows) {
    int noy = oy0 + rows <= oh ? rows : oh - oy0, cols = noy * ow;
    size_t at = (size_t) oy0 * ow;
    Epilogue band = { e->bias, e->res ? e->res + at : NULL, e->relu };
    build_col (scratch, x, planes, s, c, h, w, oy0, noy);
    // y[:, band] (ocg, cols) with row stride ohw
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, ocg, cols, k,
        1.0f, wg, k, scratch, cols, 0.0f, y + at, ohw);
    epilogue_apply (y + at, &band, ocg, cols, ohw);
  }
}

void
ego_conv2d_forward_fused (float *out, const float *inp, const float *weight,
    const float *bias, const float *res, int relu, const EgoConv2d * c,
    int n, int h, int w, float *scratch)
{
  int ohw = ego_conv2d_out_h (c, h) * ego_conv2d_out_w (c, w);
  int icg = c->in_c / c->groups, ocg = c->out_c / c->groups;
  int k = icg * c->kh * c->kw;
  if (is_depthwise (c)) {
    Epilogue e = { NULL, res, relu };
    depthwise_forward (out, inp, weight, bias, c, n, h, w);
    epilogue_apply (out, &e, n * c->out_c, ohw, ohw);
    return;
  }
  for (int b = 0; b < n; b++) {
    for (int g = 0; g < c->groups; g++) {
      size_t yo = ((size_t) b * c->out_c + (size_t) g * ocg) * ohw;
      Epilogue e = { bias ? bias + g * ocg : NULL, res ? res + yo : NULL,
        relu
      };
      // x is (icg, h, w), y is (ocg, oh, ow), wg is (ocg, k)
      conv_group_forward (out + yo,
          inp + ((size_t) b * c->in_c + (size_t) g * icg) * h * w,
          weight + (size_t) g * ocg * k, &e, c, h, w, scratch);
    }
  }
}

void
ego_conv2d_forward (float *out, const float *inp, const float *weight,
    const float *bias, const EgoConv2d * c, int n, int h, int w, float *scratch)
{
  ego_conv2d_forward_fused (out, inp, weight, bias, NULL, 0, c, n, h, w,
      scratch);
}

/* dbias (ocg) += the sum of each row of dy (ocg, ohw) */
static void
add_row_sums (float *dbias, const float *dy, int ocg, int ohw)
{
  for (int o = 0; o < ocg; o++) {
    const float *r = dy + (size_t) o * ohw;
    float s = 0.0f;
    for (int i = 0; i < ohw; i++)
      s += r[i];
    dbias[o] += s;
  }
}

/* One image and group: dwg (ocg, k) and dx (icg, h, w) may be NULL. Band by
 * band: dwg += dy_band . col^T, then the spent col buffer takes
 * dcol = wg^T . dy_band, which col2im scatters into dx. */
static void
conv_group_backward (float *dx, float *dwg, const float *dy, const float *x,
    const float *wg, const EgoConv2d * c, int h, int w, float *scratch)
{
  int oh = ego_conv2d_out_h (c, h), ow = ego_conv2d_out_w (c, w);
  int icg = c->in_c / c->groups, ocg = c->out_c / c->groups, ohw = oh * ow;
  int k = icg * c->kh * c->kw, rows = band_rows (c, oh, ow);
  if (is_pointwise (c)) {
    if (dwg)
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, ocg, k, ohw,
          1.0f, dy, ohw, x, ohw, 1.0f, dwg, k);
    if (dx)
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, k, ohw, ocg,
          1.0f, wg, k, dy, ohw, 1.0f, dx, ohw);
    return;
  }
  for (int oy0 = 0; oy0 < oh; oy0 += rows) {
    int noy = oy0 + rows <= oh ? rows : oh - oy0, cols = noy * ow;
    const float *dyb = dy + (size_t) oy0 * ow;  /* (ocg, cols), stride ohw */
    if (dwg) {
      im2col (scratch, x, c, icg, h, w, oy0, noy, ow);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, ocg, k, cols,
          1.0f, dyb, ohw, scratch, cols, 1.0f, dwg, k);
    }
    if (dx) {
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, k, cols, ocg,
          1.0f, wg, k, dyb, ohw, 0.0f, scratch, cols);
      col2im_add (dx, scratch, c, icg, h, w, oy0, noy, ow);
    }
  }
}

void
ego_conv2d_backward (float *dinp, float *dweight, float *dbias,
    const float *dout, const float *inp, const float *weight,
    const EgoConv2d * c, int n, int h, int w, float *scratch)
{
  if (is_depthwise (c)) {
    depthwise_backward (dinp, dweight, dbias, dout, inp, weight, c, n, h, w);
    return;
  }
  int ohw = ego_conv2d_out_h (c, h) * ego_conv2d_out_w (c, w);
  int icg = c->in_c / c->groups, ocg = c->out_c / c->groups;
  int k = icg * c->kh * c->kw;
  for (int b = 0; b < n; b++) {
    for (int g = 0; g < c->groups; g++) {
      size_t xo = ((size_t) b * c->in_c + (size_t) g * icg) * h * w;
      const float *dy = dout + ((size_t) b * c->out_c + (size_t) g * ocg) * ohw;
      if (dbias)
        add_row_sums (dbias + g * ocg, dy, ocg, ohw);
      conv_group_backward (dinp ? dinp + xo : NULL,
          dweight ? dweight + (size_t) g * ocg * k : NULL, dy, inp + xo,
          weight + (size_t) g * ocg * k, c, h, w, scratch);
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Direct convolution for inference on x86-64 CPUs with AVX-512, where
 * OpenBLAS runs its Haswell (8-wide) kernels and repacks both operands on
 * every call. Here the weights are packed once (ego_conv2d_pack), the input
 * is only padded, not unrolled, and a 16-wide kernel keeps a tile of mr
 * output pixels (of one row) x nr output channels in registers: per tap it
 * loads nr/16 weight vectors and multiplies them by mr input pixels, each
 * broadcast. Tap t = (ic, ki, kj) of pixel r reads the padded input at
 * off[t] + r * sw, so no im2col is needed. That runs at about twice sgemm's
 * rate on the student's layers. Elsewhere (no AVX-512, not GCC, grouped
 * convolutions) ego_conv2d_packed_floats is 0 and ego_conv2d_forward_packed
 * runs ego_conv2d_forward_fused. */

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HAVE_DIRECT 1
#else
#define HAVE_DIRECT 0
#endif

#define PANEL 64                /* output channels per packed panel */
#define TILE_MAX_MR 14
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
static size_t
direct_scratch_floats (const EgoConv2d * c, int h, int w)
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

typedef struct
{
  int mr, nr;
  TileFn fn[2];                 /* stride 1, 2 */
} TileShape;

static const TileShape tile_shapes[] = {
  {14, 32, {tile_14x32_s1, tile_14x32_s2}},
  {7, 64, {tile_7x64_s1, tile_7x64_s2}},
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

/* The scratch of direct_forward, carved: see direct_scratch_floats. */
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
