/* 2-D convolution, see layers.h.
 *
 * Each image and group is one sgemm on an im2col matrix (row-major):
 *   out_g (OCg, OH*OW) = W_g (OCg, K) . col (K, OH*OW),  K = ICg*kh*kw
 * so the arithmetic runs at the BLAS rate and the only extra cost is building
 * col. A 1x1, stride 1, unpadded convolution needs no col: the input image
 * already is that matrix. Depthwise convolutions have K = kh*kw, far too
 * small for sgemm to pay off, so they use a direct loop instead. The
 * packed direct kernels, for CPUs with AVX-512, are in conv2d_direct.c.
 */
#include "conv2d_private.h"

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

/* The largest of: col for one band (forward and backward), then for a
 * stride 2 the input's phases (see split_phases); the direct forward's
 * (see direct_forward); and the packed input gradient's. */
size_t
ego_conv2d_scratch_floats (const EgoConv2d * c, int h, int w)
{
  size_t col = 0, direct = ego_conv2d_direct_scratch_floats (c, h, w);
  size_t tdirect = ego_conv2d_input_grad_scratch_floats (c, h, w);
  if (!is_depthwise (c) && !is_pointwise (c)) {
    int oh = ego_conv2d_out_h (c, h), ow = ego_conv2d_out_w (c, w);
    size_t icg = c->in_c / c->groups;
    col = icg * c->kh * c->kw * band_rows (c, oh, ow) * ow
        + (phase_stride (c, h, w) == 2 ? icg * h * w : 0);
  }
  direct = direct > tdirect ? direct : tdirect;
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
 * band: dwg += dy_band . col^T, col built as forward builds it, then the
 * spent col buffer takes dcol = wg^T . dy_band, which col2im scatters
 * into dx. */
static void
conv_group_backward (float *dx, float *dwg, const float *dy, const float *x,
    const float *wg, const EgoConv2d * c, int h, int w, float *scratch)
{
  int oh = ego_conv2d_out_h (c, h), ow = ego_conv2d_out_w (c, w);
  int icg = c->in_c / c->groups, ocg = c->out_c / c->groups, ohw = oh * ow;
  int k = icg * c->kh * c->kw, rows = band_rows (c, oh, ow);
  int s = phase_stride (c, h, w);
  const float *planes = x;
  if (is_pointwise (c)) {
    if (dwg)
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, ocg, k, ohw,
          1.0f, dy, ohw, x, ohw, 1.0f, dwg, k);
    if (dx)
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, k, ohw, ocg,
          1.0f, wg, k, dy, ohw, 1.0f, dx, ohw);
    return;
  }
  if (dwg && s == 2) {
    /* after the band's col, as forward keeps them */
    float *phases = scratch + (size_t) k * rows * ow;
    split_phases (phases, x, c, icg, h, w);
    planes = phases;
  }
  for (int oy0 = 0; oy0 < oh; oy0 += rows) {
    int noy = oy0 + rows <= oh ? rows : oh - oy0, cols = noy * ow;
    const float *dyb = dy + (size_t) oy0 * ow;  /* (ocg, cols), stride ohw */
    if (dwg) {
      build_col (scratch, x, planes, s, c, h, w, oy0, noy);
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
