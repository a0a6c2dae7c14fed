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

size_t
ego_conv2d_scratch_floats (const EgoConv2d * c, int h, int w)
{
  if (is_depthwise (c) || is_pointwise (c))
    return 0;
  int oh = ego_conv2d_out_h (c, h), ow = ego_conv2d_out_w (c, w);
  return (size_t) (c->in_c / c->groups) * c->kh * c->kw
      * band_rows (c, oh, ow) * ow;
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

/* y (ocg, oh*ow) of one image and group = wg (ocg, k) . im2col (x), band by
 * band; y already holds the bias when beta is 1 */
static void
conv_group_forward (float *y, const float *x, const float *wg, float beta,
    const EgoConv2d * c, int h, int w, float *scratch)
{
  int oh = ego_conv2d_out_h (c, h), ow = ego_conv2d_out_w (c, w);
  int icg = c->in_c / c->groups, ocg = c->out_c / c->groups, ohw = oh * ow;
  int k = icg * c->kh * c->kw, rows = band_rows (c, oh, ow);
  if (is_pointwise (c)) {
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, ocg, ohw, k,
        1.0f, wg, k, x, ohw, beta, y, ohw);
    return;
  }
  for (int oy0 = 0; oy0 < oh; oy0 += rows) {
    int noy = oy0 + rows <= oh ? rows : oh - oy0, cols = noy * ow;
    im2col (scratch, x, c, icg, h, w, oy0, noy, ow);
    // y[:, band] (ocg, cols) with row stride ohw
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, ocg, cols, k,
        1.0f, wg, k, scratch, cols, beta, y + (size_t) oy0 * ow, ohw);
  }
}

void
ego_conv2d_forward (float *out, const float *inp, const float *weight,
    const float *bias, const EgoConv2d * c, int n, int h, int w, float *scratch)
{
  if (is_depthwise (c)) {
    depthwise_forward (out, inp, weight, bias, c, n, h, w);
    return;
  }
  int ohw = ego_conv2d_out_h (c, h) * ego_conv2d_out_w (c, w);
  int icg = c->in_c / c->groups, ocg = c->out_c / c->groups;
  int k = icg * c->kh * c->kw;
  for (int b = 0; b < n; b++) {
    float *yb = out + (size_t) b * c->out_c * ohw;
    /* sgemm adds onto the bias: cheaper than zeroing, then adding it */
    if (bias) {
      for (int o = 0; o < c->out_c; o++)
        for (int i = 0; i < ohw; i++)
          yb[(size_t) o * ohw + i] = bias[o];
    }
    for (int g = 0; g < c->groups; g++) {
      // x is (icg, h, w), y is (ocg, oh, ow), wg is (ocg, k)
      conv_group_forward (yb + (size_t) g * ocg * ohw,
          inp + ((size_t) b * c->in_c + (size_t) g * icg) * h * w,
          weight + (size_t) g * ocg * k, bias ? 1.0f : 0.0f, c, h, w, scratch);
    }
  }
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
