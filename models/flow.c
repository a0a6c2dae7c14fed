/* Dense optical flow, see flow.h.
 *
 * At each pyramid level, from the coarsest, the flow of the level above
 * (doubled) is refined by warps: the second frame and its gradient are
 * sampled where the flow sends each pixel of the first, the energy
 *   E(du, dv) = sum psi((Iz + Ix du + Iy dv)^2)
 *             + gamma sum psi(|grad Iz + Hessian (du, dv)|^2)
 *             + alpha sum psi(|grad (u + du)|^2 + |grad (v + dv)|^2),
 * psi(s2) = sqrt(s2 + eps^2), is linearised around the increment, its
 * robust weights frozen for a few SOR sweeps and then re-computed (lagged
 * non-linearity), and the increment is added and median-filtered. */
#include "flow_private.h"

#include <math.h>
#include <string.h>

#include "ego_error.h"

/* the robust penalties' smooth part: grey levels and flow gradients */
#define EPS_DATA 1.0f
#define EPS_SMOOTH 0.01f
#define SOR_OMEGA 1.8f

void
ego_flow_params_init (EgoFlowParams * params)
{
  params->levels = 0;
  params->warps = 2;
  params->outer_iterations = 2;
  params->sor_iterations = 8;
  params->alpha = 12.0f;
  params->gamma = 5.0f;
  params->sigma = 0.8f;
}

static int
auto_levels (int w, int h)
{
  int n = 1;
  while (n < EGO_FLOW_MAX_LEVELS && (w + 1) / 2 >= EGO_FLOW_COARSEST
      && (h + 1) / 2 >= EGO_FLOW_COARSEST) {
    w = (w + 1) / 2;
    h = (h + 1) / 2;
    n++;
  }
  return n;
}

static gboolean
params_valid (const EgoFlowParams * p)
{
  return p->levels >= 0 && p->levels <= EGO_FLOW_MAX_LEVELS
      && p->warps >= 1 && p->warps <= 100 && p->outer_iterations >= 1
      && p->outer_iterations <= 100 && p->sor_iterations >= 1
      && p->sor_iterations <= 1000 && p->alpha >= 0.0f && p->alpha <= 1e6f
      && p->gamma >= 0.0f && p->gamma <= 1e6f && p->sigma >= 0.0f
      && p->sigma <= 10.0f;
}

EgoFlow *
ego_flow_new (int width, int height, const EgoFlowParams * params,
    GError ** error)
{
  EgoFlow *f;
  size_t n = (size_t) width * height, pyr = 0;
  float *b;

  if (width < 1 || height < 1 || width > 16384 || height > 16384
      || !params_valid (params)) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "optical flow: unsupported size %dx%d or settings", width, height);
    return NULL;
  }
  f = g_new0 (EgoFlow, 1);
  f->p = *params;
  f->levels = params->levels > 0 ? params->levels : auto_levels (width, height);
  for (int l = 0; l < f->levels; l++) {
    f->lw[l] = l == 0 ? width : (f->lw[l - 1] + 1) / 2;
    f->lh[l] = l == 0 ? height : (f->lh[l - 1] + 1) / 2;
    pyr += (size_t) f->lw[l] * f->lh[l];
  }
  f->block = g_try_malloc (sizeof (float) * (2 * pyr + N_PLANES * n));
  if (f->block == NULL) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "optical flow: out of memory for %dx%d", width, height);
    g_free (f);
    return NULL;
  }
  b = f->block;
  for (int l = 0; l < f->levels; l++) {
    f->pyr0[l] = b;
    f->pyr1[l] = b + pyr;
    b += (size_t) f->lw[l] * f->lh[l];
  }
  b += pyr;
  for (int k = 0; k < N_PLANES; k++, b += n)
    f->plane[k] = b;
  return f;
}

void
ego_flow_free (EgoFlow * flow)
{
  if (flow == NULL)
    return;
  g_free (flow->block);
  g_free (flow);
}

int
ego_flow_levels (const EgoFlow * flow)
{
  return flow->levels;
}

/* Pyramid */

static inline int
clampi (int v, int lo, int hi)
{
  return v < lo ? lo : (v > hi ? hi : v);
}

/* Separable Gaussian blur of src (w, h) into dst, borders replicated; tmp
 * is (w, h) scratch. */
static void
gauss_blur (const float *src, float *dst, float *tmp, int w, int h, float sigma)
{
  float k[16];
  int r = clampi ((int) ceilf (2.5f * sigma), 1, 15);
  float sum = 0.0f;

  for (int t = 0; t <= r; t++)
    sum += (t ? 2.0f : 1.0f) * (k[t] = expf (-0.5f * t * t / (sigma * sigma)));
  for (int t = 0; t <= r; t++)
    k[t] /= sum;
  for (int y = 0; y < h; y++) {
    const float *s = src + (size_t) y * w;
    for (int x = 0; x < w; x++) {
      float acc = k[0] * s[x];
      for (int t = 1; t <= r; t++)
        acc += k[t] * (s[clampi (x - t, 0, w - 1)] + s[clampi (x + t, 0,
                    w - 1)]);
      tmp[(size_t) y * w + x] = acc;
    }
  }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float acc = k[0] * tmp[(size_t) y * w + x];
      for (int t = 1; t <= r; t++)
        acc += k[t] * (tmp[(size_t) clampi (y - t, 0, h - 1) * w + x]
            + tmp[(size_t) clampi (y + t, 0, h - 1) * w + x]);
      dst[(size_t) y * w + x] = acc;
    }
}

/* Halves src (w, h) into dst (cw, ch): coarse pixel x covers fine pixels
 * 2x and 2x + 1, weighted 1 3 3 1 over 2x - 1 .. 2x + 2 against aliasing;
 * tmp is (cw, h) scratch. */
static void
downsample (const float *src, int w, int h, float *dst, int cw, int ch,
    float *tmp)
{
  for (int y = 0; y < h; y++) {
    const float *s = src + (size_t) y * w;
    for (int x = 0; x < cw; x++)
      tmp[(size_t) y * cw + x] = 0.125f * (s[clampi (2 * x - 1, 0, w - 1)]
          + 3.0f * (s[2 * x] + s[clampi (2 * x + 1, 0, w - 1)])
          + s[clampi (2 * x + 2, 0, w - 1)]);
  }
  for (int y = 0; y < ch; y++) {
    const float *r0 = tmp + (size_t) clampi (2 * y - 1, 0, h - 1) * cw;
    const float *r1 = tmp + (size_t) (2 * y) * cw;
    const float *r2 = tmp + (size_t) clampi (2 * y + 1, 0, h - 1) * cw;
    const float *r3 = tmp + (size_t) clampi (2 * y + 2, 0, h - 1) * cw;
    for (int x = 0; x < cw; x++)
      dst[(size_t) y * cw + x] = 0.125f * (r0[x] + 3.0f * (r1[x] + r2[x])
          + r3[x]);
  }
}

static void
build_pyramid (EgoFlow * f, const float *img, float **pyr)
{
  size_t n = (size_t) f->lw[0] * f->lh[0];

  if (f->p.sigma > 0.0f)
    gauss_blur (img, pyr[0], f->plane[P_TMP], f->lw[0], f->lh[0], f->p.sigma);
  else
    memcpy (pyr[0], img, n * sizeof (float));
  for (int l = 1; l < f->levels; l++)
    downsample (pyr[l - 1], f->lw[l - 1], f->lh[l - 1], pyr[l], f->lw[l],
        f->lh[l], f->plane[P_TMP]);
}

/* Derivatives: central differences, one-sided at the borders */

static void
diff_x (const float *src, float *dst, int w, int h)
{
  for (int y = 0; y < h; y++) {
    const float *s = src + (size_t) y * w;
    float *d = dst + (size_t) y * w;
    for (int x = 0; x < w; x++)
      d[x] = 0.5f * (s[x < w - 1 ? x + 1 : x] - s[x > 0 ? x - 1 : x]);
  }
}

static void
diff_y (const float *src, float *dst, int w, int h)
{
  for (int y = 0; y < h; y++) {
    const float *up = src + (size_t) (y > 0 ? y - 1 : y) * w;
    const float *dn = src + (size_t) (y < h - 1 ? y + 1 : y) * w;
    float *d = dst + (size_t) y * w;
    for (int x = 0; x < w; x++)
      d[x] = 0.5f * (dn[x] - up[x]);
  }
}

/* src (w, h) sampled at (x, y), inside [0, w - 1] x [0, h - 1] */
static inline float
bilinear (const float *src, int w, int h, float x, float y)
{
  int x0 = (int) x, y0 = (int) y;
  int x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
  float fx = x - x0, fy = y - y0;
  const float *r0 = src + (size_t) y0 * w;
  const float *r1 = src + (size_t) y1 * w;
  float top = r0[x0] + fx * (r0[x1] - r0[x0]);
  float bot = r1[x0] + fx * (r1[x1] - r1[x0]);
  return top + fy * (bot - top);
}

/* Warping: the terms of the linearised data energy at level l. Pixels the
 * flow sends out of the frame get no data term: the smoothness term fills
 * them in from their neighbours. */
static void
warp_level (EgoFlow * f, int l)
{
  int w = f->lw[l], h = f->lh[l];
  float **P = f->plane;
  const float *i0 = f->pyr0[l], *i1 = f->pyr1[l];

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t i = (size_t) y * w + x;
      float xs = x + P[P_U][i], ys = y + P[P_V][i];
      gboolean in = xs >= 0.0f && ys >= 0.0f && xs <= w - 1 && ys <= h - 1;
      float gx = in ? bilinear (P[P_I1X], w, h, xs, ys) : P[P_I0X][i];
      float gy = in ? bilinear (P[P_I1Y], w, h, xs, ys) : P[P_I0Y][i];

      P[P_MASK][i] = in ? 1.0f : 0.0f;
      P[P_IZ][i] = in ? bilinear (i1, w, h, xs, ys) - i0[i] : 0.0f;
      P[P_IX][i] = 0.5f * (gx + P[P_I0X][i]);
      P[P_IY][i] = 0.5f * (gy + P[P_I0Y][i]);
      P[P_IXZ][i] = gx - P[P_I0X][i];
      P[P_IYZ][i] = gy - P[P_I0Y][i];
    }
  diff_x (P[P_IX], P[P_IXX], w, h);
  diff_y (P[P_IX], P[P_IXY], w, h);
  diff_y (P[P_IY], P[P_IYY], w, h);
}

/* The smoothness term's weight on each edge: wx between a pixel and its
 * right neighbour, wy with the one below, 0 past the borders. */
static void
smooth_weights (EgoFlow * f, int w, int h)
{
  float **P = f->plane;
  float *psi = P[P_TMP], *wx = P[P_WX], *wy = P[P_WY];
  const float *u = P[P_U], *v = P[P_V], *du = P[P_DU], *dv = P[P_DV];

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t i = (size_t) y * w + x, r = x < w - 1 ? i + 1 : i;
      size_t d = y < h - 1 ? i + w : i;
      float ux = u[r] + du[r] - u[i] - du[i], uy = u[d] + du[d] - u[i] - du[i];
      float vx = v[r] + dv[r] - v[i] - dv[i], vy = v[d] + dv[d] - v[i] - dv[i];
      psi[i] = f->p.alpha / sqrtf (ux * ux + uy * uy + vx * vx + vy * vy
          + EPS_SMOOTH * EPS_SMOOTH);
    }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t i = (size_t) y * w + x;
      wx[i] = x < w - 1 ? 0.5f * (psi[i] + psi[i + 1]) : 0.0f;
      wy[i] = y < h - 1 ? 0.5f * (psi[i] + psi[i + w]) : 0.0f;
    }
}

/* sum of w_j s_j over the 4-neighbours j of pixel (x, y), and of the
 * weights in *wsum */
static inline float
neighbour_sum (const float *s, const float *wx, const float *wy, int w,
    int h, int x, int y, float *wsum)
{
  size_t i = (size_t) y * w + x;
  float acc = wx[i] * s[x < w - 1 ? i + 1 : i] + wy[i] * s[y < h - 1 ? i + w :
      i];
  float ws = wx[i] + wy[i];

  if (x > 0) {
    acc += wx[i - 1] * s[i - 1];
    ws += wx[i - 1];
  }
  if (y > 0) {
    acc += wy[i - w] * s[i - w];
    ws += wy[i - w];
  }
  *wsum = ws;
  return acc;
}

/* The linear system for (du, dv) with the robust weights at the current
 * increment:
 *   (a11 + W) du + a12 dv = sum_j w_j du_j + sum_j w_j (u_j - u) - b1
 * and its mirror for dv, W = sum_j w_j; stored as a12, d = 1 / (a + W) and
 * r = the right-hand side's constant part. */
static void
data_terms (EgoFlow * f, int w, int h)
{
  float **P = f->plane;
  const float *restrict u = P[P_U], *restrict v = P[P_V];
  const float *restrict du = P[P_DU], *restrict dv = P[P_DV];
  const float *restrict mask = P[P_MASK];
  const float *restrict wx = P[P_WX], *restrict wy = P[P_WY];
  float *restrict a12 = P[P_A12], *restrict d1 = P[P_D1];
  float *restrict d2 = P[P_D2], *restrict r1 = P[P_R1];
  float *restrict r2 = P[P_R2];

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t i = (size_t) y * w + x;
      float ix = P[P_IX][i], iy = P[P_IY][i], iz = P[P_IZ][i];
      float ixx = P[P_IXX][i], ixy = P[P_IXY][i], iyy = P[P_IYY][i];
      float ixz = P[P_IXZ][i], iyz = P[P_IYZ][i], ws;
      float e = iz + ix * du[i] + iy * dv[i];
      float ex = ixz + ixx * du[i] + ixy * dv[i];
      float ey = iyz + ixy * du[i] + iyy * dv[i];
      float pd = mask[i] / sqrtf (e * e + EPS_DATA * EPS_DATA);
      float pg = mask[i] * f->p.gamma / sqrtf (ex * ex + ey * ey
          + EPS_DATA * EPS_DATA);
      float su = neighbour_sum (u, wx, wy, w, h, x, y, &ws);
      float sv = neighbour_sum (v, wx, wy, w, h, x, y, &ws);

      a12[i] = pd * ix * iy + pg * (ixx * ixy + ixy * iyy);
      d1[i] = 1.0f / (pd * ix * ix + pg * (ixx * ixx + ixy * ixy) + ws + 1e-6f);
      d2[i] = 1.0f / (pd * iy * iy + pg * (ixy * ixy + iyy * iyy) + ws + 1e-6f);
      r1[i] = su - ws * u[i] - pd * ix * iz - pg * (ixx * ixz + ixy * iyz);
      r2[i] = sv - ws * v[i] - pd * iy * iz - pg * (ixy * ixz + iyy * iyz);
    }
}

/* one sweep of successive over-relaxation in red-black order: the pixels
 * of one colour depend only on the other's, so that each half-sweep has no
 * chain of dependencies from pixel to pixel and the CPU overlaps them (the
 * row-by-row order waits on every previous pixel). The border pixels take
 * the careful path. */
static void
sor_sweep (float **P, int w, int h)
{
  const float *restrict wx = P[P_WX], *restrict wy = P[P_WY];
  const float *restrict a12 = P[P_A12], *restrict d1 = P[P_D1];
  const float *restrict d2 = P[P_D2], *restrict r1 = P[P_R1];
  const float *restrict r2 = P[P_R2];
  float *restrict du = P[P_DU], *restrict dv = P[P_DV];
  float ws;

  for (int colour = 0; colour < 2; colour++)
    for (int y = 0; y < h; y++) {
      gboolean edge_row = y == 0 || y == h - 1;
      for (int x = (y + colour) & 1; x < w; x += 2) {
        size_t i = (size_t) y * w + x;
        float su, sv, nu, nv;
        if (edge_row || x == 0 || x == w - 1) {
          su = neighbour_sum (du, wx, wy, w, h, x, y, &ws);
          sv = neighbour_sum (dv, wx, wy, w, h, x, y, &ws);
        } else {
          su = wx[i] * du[i + 1] + wx[i - 1] * du[i - 1] + wy[i] * du[i + w]
              + wy[i - w] * du[i - w];
          sv = wx[i] * dv[i + 1] + wx[i - 1] * dv[i - 1] + wy[i] * dv[i + w]
              + wy[i - w] * dv[i - w];
        }
        nu = (r1[i] + su - a12[i] * dv[i]) * d1[i];
        du[i] += SOR_OMEGA * (nu - du[i]);
        nv = (r2[i] + sv - a12[i] * du[i]) * d2[i];
        dv[i] += SOR_OMEGA * (nv - dv[i]);
      }
    }
}

/* Median filter */

#define SORT2(a, b) do { float lo_ = (a) < (b) ? (a) : (b); \
    (b) = (a) < (b) ? (b) : (a); (a) = lo_; } while (0)

/* the median of 9 values with 19 compare-exchanges (Paeth's network),
 * without branches so that rows of them vectorise */
static inline float
median9 (float p0, float p1, float p2, float p3, float p4, float p5,
    float p6, float p7, float p8)
{
  /* *INDENT-OFF* */
  SORT2 (p1, p2); SORT2 (p4, p5); SORT2 (p7, p8);
  SORT2 (p0, p1); SORT2 (p3, p4); SORT2 (p6, p7);
  SORT2 (p1, p2); SORT2 (p4, p5); SORT2 (p7, p8);
  SORT2 (p0, p3); SORT2 (p5, p8); SORT2 (p4, p7);
  SORT2 (p3, p6); SORT2 (p1, p4); SORT2 (p2, p5);
  SORT2 (p4, p7); SORT2 (p4, p2); SORT2 (p6, p4);
  SORT2 (p4, p2);
  /* *INDENT-ON* */
  return p4;
}

/* 3x3 median of s (w, h) written back into s, borders replicated; tmp is
 * (w, h) scratch */
static void
median3 (float *s, float *restrict tmp, int w, int h)
{
  for (int y = 0; y < h; y++) {
    const float *a = s + (size_t) clampi (y - 1, 0, h - 1) * w;
    const float *b = s + (size_t) y * w;
    const float *c = s + (size_t) clampi (y + 1, 0, h - 1) * w;
    float *d = tmp + (size_t) y * w;
    /* the inner pixels in a loop the compiler vectorises, then the ends */
    for (int x = 1; x < w - 1; x++)
      d[x] = median9 (a[x - 1], a[x], a[x + 1], b[x - 1], b[x], b[x + 1],
          c[x - 1], c[x], c[x + 1]);
    for (int x = 0; x < w; x += MAX (w - 1, 1)) {
      int l = x > 0 ? x - 1 : x, r = x < w - 1 ? x + 1 : x;
      d[x] = median9 (a[l], a[x], a[r], b[l], b[x], b[r], c[l], c[x], c[r]);
    }
  }
  memcpy (s, tmp, (size_t) w * h * sizeof (float));
}

/* The flow of level l + 1, in P_U and P_V at its size, brought to level l:
 * positions and lengths scaled by the size ratio. */
static void
upsample_flow (EgoFlow * f, int l)
{
  int cw = f->lw[l + 1], ch = f->lh[l + 1], w = f->lw[l], h = f->lh[l];
  float sx = (float) w / cw, sy = (float) h / ch;
  float **P = f->plane;
  size_t cn = (size_t) cw * ch;

  memcpy (P[P_DU], P[P_U], cn * sizeof (float));
  memcpy (P[P_DV], P[P_V], cn * sizeof (float));
  for (int y = 0; y < h; y++) {
    float yc = fminf (fmaxf ((y + 0.5f) / sy - 0.5f, 0.0f), ch - 1);
    for (int x = 0; x < w; x++) {
      float xc = fminf (fmaxf ((x + 0.5f) / sx - 0.5f, 0.0f), cw - 1);
      P[P_U][(size_t) y * w + x] = sx * bilinear (P[P_DU], cw, ch, xc, yc);
      P[P_V][(size_t) y * w + x] = sy * bilinear (P[P_DV], cw, ch, xc, yc);
    }
  }
}

static void
refine_level (EgoFlow * f, int l)
{
  int w = f->lw[l], h = f->lh[l];
  size_t n = (size_t) w * h;
  float **P = f->plane;

  diff_x (f->pyr0[l], P[P_I0X], w, h);
  diff_y (f->pyr0[l], P[P_I0Y], w, h);
  diff_x (f->pyr1[l], P[P_I1X], w, h);
  diff_y (f->pyr1[l], P[P_I1Y], w, h);
  /* a coarser level costs a quarter and must follow motions that are
   * large for its size: it gets twice the warps of the one below */
  int warps = MIN (f->p.warps << l, 64);

  for (int k = 0; k < warps; k++) {
    warp_level (f, l);
    memset (P[P_DU], 0, n * sizeof (float));
    memset (P[P_DV], 0, n * sizeof (float));
    for (int o = 0; o < f->p.outer_iterations; o++) {
      smooth_weights (f, w, h);
      data_terms (f, w, h);
      for (int s = 0; s < f->p.sor_iterations; s++)
        sor_sweep (P, w, h);
    }
    for (size_t i = 0; i < n; i++) {
      P[P_U][i] += P[P_DU][i];
      P[P_V][i] += P[P_DV][i];
    }
    median3 (P[P_U], P[P_TMP], w, h);
    median3 (P[P_V], P[P_TMP], w, h);
  }
}

void
ego_flow_compute (EgoFlow * f, const float *prev, const float *next, float *out)
{
  int top = f->levels - 1;
  size_t n = (size_t) f->lw[0] * f->lh[0];

  build_pyramid (f, prev, f->pyr0);
  build_pyramid (f, next, f->pyr1);
  memset (f->plane[P_U], 0, n * sizeof (float));
  memset (f->plane[P_V], 0, n * sizeof (float));
  for (int l = top; l >= 0; l--) {
    if (l < top)
      upsample_flow (f, l);
    refine_level (f, l);
  }
  memcpy (out, f->plane[P_U], n * sizeof (float));
  memcpy (out + n, f->plane[P_V], n * sizeof (float));
}
