/* The software rasteriser of the synthetic kitchen, see render_video.h.
 *
 * A frame is the painted background, sampled through the camera, then
 * every shape in order, each over its own bounding box only: a signed
 * distance gives anti-aliased coverage, the shape's coordinates give its
 * texture and shading. Motion blur smears each shape's coverage along its
 * own motion during the exposure (and the background along the camera's)
 * instead of averaging whole sub-frames, which would cost several renders
 * per frame. Light, vignetting and sensor noise come last, while packing
 * to bytes. */
#include "render_video.h"

#include <math.h>
#include <string.h>

#include "synthrand.h"
#include "texture.h"

#define KEY_SPACE 2048
#define NO_ID 0xffff
#define MAX_BLUR_SAMPLES 8

struct _EgoVideoRenderer
{
  guint width, height;
  float scale;                  /* pixels per view unit */
  EgoXform to_pixels;           /* view -> pixel coordinates */
  EgoBackground *bg;
  const float *patterns;
  float *acc;                   /* width * height * 3 linear colours */
  float *vignette;              /* width * height light falloff of the lens */
  float *column_x;              /* view x of each column */
  float *line;                  /* scratch for blurs */
  guint16 *ids;                 /* shape under each pixel, for the flow */
  gint16 key_map[KEY_SPACE];
};

/* A shape ready to draw: its pixel -> shape map and the constants of its
 * distance, coverage and shading. */
typedef struct
{
  const EgoShape *s;
  EgoXform inv;
  float p[4];                   /* the shape's parameters, sanitised */
  float q[5];                   /* derived constants of the distance */
  float k;                      /* coverage per unit of distance */
  float inv_hx, inv_hy;         /* for the shading */
  float bx, by;                 /* blur step, shape units */
  int n_blur;
  int x0, y0, x1, y1;           /* pixel bounds, x1 and y1 exclusive */
} Raster;

EgoVideoRenderer *
ego_video_renderer_new (const EgoKitchen * kitchen, guint width, guint height)
{
  EgoVideoRenderer *r = g_new0 (EgoVideoRenderer, 1);
  float half;

  r->width = width;
  r->height = height;
  r->scale = (float) MIN (width, height);
  r->to_pixels.a = r->to_pixels.d = r->scale;
  r->to_pixels.tx = 0.5f * width;
  r->to_pixels.ty = 0.5f * height - 0.5f * r->scale;
  /* about one texel per pixel, within reason, over what the view shows
   * when the head moves and tilts */
  half = MIN (0.5f * height / r->scale + 0.12f + 0.1f * width / r->scale, 2.0f);
  r->bg = ego_background_new (kitchen, CLAMP (r->scale, 64.0f, 320.0f),
      0.5f - half, 0.5f + half);
  r->patterns = ego_patterns_get ();
  r->acc = g_new (float, (gsize) width * height * 3);
  r->vignette = g_new (float, (gsize) width * height);
  r->column_x = g_new (float, width);
  for (guint x = 0; x < width; x++)
    r->column_x[x] = (x + 0.5f - 0.5f * width) / r->scale;
  for (guint y = 0; y < height; y++) {
    float vy = (y + 0.5f - 0.5f * height) / r->scale;
    for (guint x = 0; x < width; x++)
      r->vignette[(gsize) y * width + x] = 1.0f - 0.15f *
          (r->column_x[x] * r->column_x[x] + vy * vy);
  }
  r->line = g_new (float, (MAX (width, height) + 1) * 2);
  r->ids = g_new (guint16, (gsize) width * height);
  return r;
}

void
ego_video_renderer_free (EgoVideoRenderer * r)
{
  if (r == NULL)
    return;
  ego_background_free (r->bg);
  g_free (r->acc);
  g_free (r->vignette);
  g_free (r->column_x);
  g_free (r->line);
  g_free (r->ids);
  g_free (r);
}

void
ego_video_view_to_pixels (const EgoVideoRenderer * r, float vx, float vy,
    float *px, float *py)
{
  ego_xform_apply (&r->to_pixels, vx, vy, px, py);
}

static inline int
ifloor (float x)
{
  int i = (int) x;
  return x < (float) i ? i - 1 : i;
}

/* ---- background ---- */

/* Mixes two packed texels, f in 0..256: red and blue in one product,
 * green in another. */
static inline guint32
mix_texels (guint32 a, guint32 b, guint32 f)
{
  guint32 rb = ((a & 0xff00ffu) * (256 - f) + (b & 0xff00ffu) * f) >> 8;
  guint32 g = ((a & 0xff00u) * (256 - f) + (b & 0xff00u) * f) >> 8;
  return (rb & 0xff00ffu) | (g & 0xff00u);
}

/* Bilinear lookup in the background, u wrapping, v clamped: the costliest
 * step of a frame, so in packed 8-bit fixed point. */
static inline void
sample_background (const EgoBackground * bg, float u, float v, float *out)
{
  int x0 = ifloor (u), y0 = ifloor (v), x1, y1;
  guint32 fx = (guint32) ((u - x0) * 256.0f);
  guint32 fy = (guint32) ((v - y0) * 256.0f);
  const guint32 *r0, *r1;
  guint32 t;

  x0 = x0 >= (int) bg->width ? x0 - (int) bg->width : x0;
  x1 = x0 + 1 == (int) bg->width ? 0 : x0 + 1;
  if (y0 < 0)
    y0 = y1 = 0;
  else if (y0 >= (int) bg->height - 1)
    y0 = y1 = (int) bg->height - 1;
  else
    y1 = y0 + 1;
  r0 = bg->texels + (gsize) y0 *bg->width;
  r1 = bg->texels + (gsize) y1 *bg->width;
  t = mix_texels (mix_texels (r0[x0], r0[x1], fx), mix_texels (r1[x0],
          r1[x1], fx), fy);
  out[0] = (t & 0xff) * (1.0f / 255.0f);
  out[1] = ((t >> 8) & 0xff) * (1.0f / 255.0f);
  out[2] = ((t >> 16) & 0xff) * (1.0f / 255.0f);
}

static void
draw_background (EgoVideoRenderer * r, const EgoScene * scene)
{
  const EgoBackground *bg = r->bg;
  float w = (float) bg->width;
  double along = fmod (scene->counter_x, EGO_BACKGROUND_PERIOD);
  /* pixel -> texel: back through the camera, then along the counter */
  EgoXform m = ego_xform_mul (ego_xform_mul (ego_xform_scale (bg->density,
              bg->density), ego_xform_translate ((float) along,
              -bg->top)), ego_xform_mul (ego_xform_invert
          (scene->camera), ego_xform_invert (r->to_pixels)));

  for (guint y = 0; y < r->height; y++) {
    float *acc = r->acc + (gsize) y * r->width * 3;
    /* texel centres sit at +0.5 */
    float u = m.a * 0.5f + m.b * (y + 0.5f) + m.tx - 0.5f;
    float v = m.c * 0.5f + m.d * (y + 0.5f) + m.ty - 0.5f;
    u = fmodf (u, w);
    u = u < 0.0f ? u + w : u;
    for (guint x = 0; x < r->width; x++, acc += 3) {
      sample_background (bg, u, v, acc);
      u += m.a;
      v += m.c;
      u = u >= w ? u - w : (u < 0.0f ? u + w : u);
    }
  }
}

/* A centred box blur of len pixels along rows (step 3, n per line) or
 * columns, from a running integral, for fractional lengths too. */
static void
blur_lines (EgoVideoRenderer * r, gboolean rows, float len)
{
  guint n = rows ? r->width : r->height, lines = rows ? r->height : r->width;
  gsize step = rows ? 3 : (gsize) r->width * 3;
  float half = 0.5f * len, *integral = r->line;

  for (guint l = 0; l < lines; l++) {
    for (int c = 0; c < 3; c++) {
      float *p = r->acc + (rows ? (gsize) l * r->width * 3 : (gsize) l * 3) + c;
      integral[0] = 0.0f;
      for (guint i = 0; i < n; i++)
        integral[i + 1] = integral[i] + p[i * step];
      for (guint i = 0; i < n; i++) {
        float a = CLAMP (i + 0.5f - half, 0.0f, (float) n);
        float b = CLAMP (i + 0.5f + half, 0.0f, (float) n);
        int ia = MIN ((int) a, (int) n - 1), ib = MIN ((int) b, (int) n - 1);
        float va = integral[ia] + (a - ia) * (integral[ia + 1] - integral[ia]);
        float vb = integral[ib] + (b - ib) * (integral[ib + 1] - integral[ib]);
        p[i * step] = (vb - va) / (b - a);
      }
    }
  }
}

/* where the background at the view centre moved during the exposure */
static void
camera_motion (const EgoVideoRenderer * r, const EgoScene * from,
    const EgoScene * to, float *dx, float *dy)
{
  EgoXform m = ego_xform_mul (to->camera, ego_xform_mul (ego_xform_translate
          ((float) (from->counter_x - to->counter_x), 0.0f),
          ego_xform_invert (from->camera)));
  float x, y;
  ego_xform_apply (&m, 0.0f, 0.5f, &x, &y);
  *dx = x * r->scale;
  *dy = (y - 0.5f) * r->scale;
}

/* ---- shapes ---- */

static inline float
box_distance (float x, float y, float hx, float hy, float rr)
{
  float qx = fabsf (x) - hx + rr, qy = fabsf (y) - hy + rr;
  float ox = MAX (qx, 0.0f), oy = MAX (qy, 0.0f);
  return sqrtf (ox * ox + oy * oy) + MIN (MAX (qx, qy), 0.0f) - rr;
}

/* signed distance to the shape's edge in its units, negative inside */
static inline float
shape_distance (const Raster * ras, float x, float y)
{
  const float *p = ras->p, *q = ras->q;

  switch (ras->s->kind) {
    case EGO_SHAPE_ELLIPSE:{
      /* a close approximation that needs no root finding */
      float px = x * q[0], py = y * q[1], qx = x * q[2], qy = y * q[3];
      float k0 = sqrtf (px * px + py * py), k1 = sqrtf (qx * qx + qy * qy);
      return k1 > 1e-12f ? k0 * (k0 - 1.0f) / k1 : -q[4];
    }
    case EGO_SHAPE_BOX:
      return box_distance (x, y, p[0], p[1], p[2]);
    case EGO_SHAPE_CAPSULE:{
      float t = CLAMP ((x - p[0]) * q[0], 0.0f, 1.0f);
      float cx = x - (p[0] + t * (p[1] - p[0]));
      return sqrtf (cx * cx + y * y) - (p[2] + t * (p[3] - p[2]));
    }
    case EGO_SHAPE_TRAPEZOID:{
      float t = CLAMP ((y + p[2]) * q[0], 0.0f, 1.0f);
      return box_distance (x, y, p[0] + t * (p[1] - p[0]), p[2], p[3]);
    }
    default:{                  /* the right half of a ring */
      float d = fabsf (sqrtf (x * x + y * y) - p[0]) - p[1];
      return MAX (d, -x);
    }
  }
}

static inline float
coverage (const Raster * ras, float x, float y, float cutoff)
{
  float d = shape_distance (ras, x, y), sum;

  if (ras->n_blur <= 1)
    return CLAMP (0.5f - d * ras->k, 0.0f, 1.0f);
  if (d > cutoff)
    return 0.0f;
  sum = CLAMP (0.5f - d * ras->k, 0.0f, 1.0f);
  for (int j = 1; j < ras->n_blur; j++) {
    d = shape_distance (ras, x + j * ras->bx, y + j * ras->by);
    sum += CLAMP (0.5f - d * ras->k, 0.0f, 1.0f);
  }
  return sum / ras->n_blur;
}

static inline float
sample_pattern (const float *tile, float u, float v)
{
  float x = u * EGO_PATTERN_SIZE - 0.5f, y = v * EGO_PATTERN_SIZE - 0.5f;
  int ix = ifloor (x), iy = ifloor (y);
  float fx = x - ix, fy = y - iy;
  const int mask = EGO_PATTERN_SIZE - 1;
  const float *r0 = tile + (iy & mask) * EGO_PATTERN_SIZE;
  const float *r1 = tile + ((iy + 1) & mask) * EGO_PATTERN_SIZE;
  float top = r0[ix & mask] + (r0[(ix + 1) & mask] - r0[ix & mask]) * fx;
  float bot = r1[ix & mask] + (r1[(ix + 1) & mask] - r1[ix & mask]) * fx;
  return top + (bot - top) * fy;
}

/* a highlight of width w around 0 */
static inline float
glint (float d, float w)
{
  float u = 1.0f - (d * d) / (w * w);
  return u > 0.0f ? u * u : 0.0f;
}

/* The shape's colour at (x, y) of its coordinates. */
static inline void
shade (const Raster * ras, const float *patterns, float x, float y,
    float out[3])
{
  const EgoShape *s = ras->s;
  float m = 0.0f, f = 1.0f, hl = 0.0f, n;

  if (s->pattern != EGO_PATTERN_NONE)
    m = sample_pattern (patterns + s->pattern * EGO_PATTERN_SIZE *
        EGO_PATTERN_SIZE, x * s->tex_scale + s->tex_u,
        y * s->tex_scale + s->tex_v);
  /* across the shape: its tube for capsules and rings, else its width */
  if (s->kind == EGO_SHAPE_CAPSULE)
    n = y * ras->inv_hy;
  else if (s->kind == EGO_SHAPE_ARC)
    n = (sqrtf (x * x + y * y) - ras->p[0]) * ras->inv_hy;
  else
    n = x * ras->inv_hx;
  switch (s->shading) {
    case EGO_SHADE_CYLINDER:
      f = 0.62f + 0.45f * sqrtf (MAX (0.0f, 1.0f - n * n));
      hl = s->gloss * 0.55f * glint (n + 0.45f, 0.22f);
      break;
    case EGO_SHADE_DOME:{
      float ny = y * ras->inv_hy, r2 = n * n + ny * ny;
      f = 0.66f + 0.42f * sqrtf (MAX (0.0f, 1.0f - r2));
      hl = s->gloss * 0.6f * glint (sqrtf ((n + 0.35f) * (n + 0.35f) +
              (ny + 0.4f) * (ny + 0.4f)), 0.3f);
      break;
    }
    case EGO_SHADE_METAL:
      f = 0.5f + 0.55f * MAX (0.0f, 1.0f - n * n);
      hl = s->gloss * (0.8f * glint (n + 0.3f, 0.14f) + 0.3f *
          glint (n - 0.55f, 0.1f));
      break;
    case EGO_SHADE_FLAT:
      f = 1.0f - 0.06f * y * ras->inv_hy;
      break;
    default:
      break;
  }
  for (int c = 0; c < 3; c++)
    out[c] = (s->rgb[c] + (s->rgb2[c] - s->rgb[c]) * m) * f + hl;
}

/* Sets up ras for s; the blur vector is in shape units. FALSE when
 * nothing of it falls in the frame. */
static gboolean
prepare (const EgoVideoRenderer * r, const EgoShape * s, float blur_x,
    float blur_y, Raster * ras)
{
  EgoXform to_pix = ego_xform_mul (r->to_pixels, s->xf);
  float ppu = ego_xform_scale_of (&to_pix), b[4], x0, y0, x1, y1, blur_px;

  if (ppu < 1e-4f || s->alpha <= 0.0f)
    return FALSE;
  memset (ras, 0, sizeof (*ras));
  ras->s = s;
  memcpy (ras->p, s->p, sizeof (ras->p));
  ras->inv = ego_xform_invert (to_pix);
  ras->k = ppu / (1.0f + s->soft * ppu);
  blur_px = sqrtf (blur_x * blur_x + blur_y * blur_y) * ppu;
  ras->n_blur = blur_px < 0.5f ? 1 : MIN (MAX_BLUR_SAMPLES,
      2 + (int) (blur_px / 1.5f));
  if (ras->n_blur > 1) {
    ras->bx = blur_x / (ras->n_blur - 1);
    ras->by = blur_y / (ras->n_blur - 1);
  }
  switch (s->kind) {
    case EGO_SHAPE_ELLIPSE:
      ras->q[0] = 1.0f / s->p[0], ras->q[1] = 1.0f / s->p[1];
      ras->q[2] = ras->q[0] * ras->q[0], ras->q[3] = ras->q[1] * ras->q[1];
      ras->q[4] = MIN (s->p[0], s->p[1]);
      ras->inv_hx = ras->q[0], ras->inv_hy = ras->q[1];
      break;
    case EGO_SHAPE_BOX:
      ras->p[2] = MIN (s->p[2], MIN (s->p[0], s->p[1]));
      ras->inv_hx = 1.0f / s->p[0], ras->inv_hy = 1.0f / s->p[1];
      break;
    case EGO_SHAPE_CAPSULE:
      ras->q[0] = 1.0f / (s->p[1] - s->p[0]);
      ras->inv_hx = 2.0f * fabsf (ras->q[0]);
      ras->inv_hy = 1.0f / MAX (s->p[2], s->p[3]);
      break;
    case EGO_SHAPE_TRAPEZOID:
      ras->q[0] = 0.5f / s->p[2];
      ras->p[3] = MIN (s->p[3], MIN (MIN (s->p[0], s->p[1]), s->p[2]));
      ras->inv_hx = 1.0f / MAX (s->p[0], s->p[1]), ras->inv_hy = 1.0f / s->p[2];
      break;
    default:
      ras->inv_hx = 1.0f / (s->p[0] + s->p[1]);
      ras->inv_hy = s->p[1] > 0.0f ? 1.0f / s->p[1] : 0.0f;
      break;
  }
  /* bounds: the shape's box, its smear, and a pixel for the soft edge */
  ego_shape_bounds (s, b);
  ego_xform_apply (&r->to_pixels, b[0], b[1], &x0, &y0);
  ego_xform_apply (&r->to_pixels, b[2], b[3], &x1, &y1);
  blur_px += 1.0f;
  ras->x0 = MAX (0, ifloor (x0 - blur_px));
  ras->y0 = MAX (0, ifloor (y0 - blur_px));
  ras->x1 = MIN ((int) r->width, (int) ceilf (x1 + blur_px) + 1);
  ras->y1 = MIN ((int) r->height, (int) ceilf (y1 + blur_px) + 1);
  return ras->x0 < ras->x1 && ras->y0 < ras->y1;
}

static void
draw_block (EgoVideoRenderer * r, const Raster * ras, int x0, int y0, int x1,
    int y1, float cutoff, gboolean inside)
{
  const EgoShape *s = ras->s;
  const EgoXform *m = &ras->inv;
  gboolean shadow = s->shading == EGO_SHADE_SHADOW;

  for (int y = y0; y < y1; y++) {
    float *acc = r->acc + ((gsize) y * r->width + x0) * 3;
    float lx = m->a * (x0 + 0.5f) + m->b * (y + 0.5f) + m->tx;
    float ly = m->c * (x0 + 0.5f) + m->d * (y + 0.5f) + m->ty;
    for (int x = x0; x < x1; x++, acc += 3, lx += m->a, ly += m->c) {
      float a = (inside ? 1.0f : coverage (ras, lx, ly, cutoff)) * s->alpha;
      float col[3];
      if (a <= 0.0f)
        continue;
      if (shadow) {
        acc[0] -= acc[0] * a;
        acc[1] -= acc[1] * a;
        acc[2] -= acc[2] * a;
        continue;
      }
      shade (ras, r->patterns, lx, ly, col);
      acc[0] += (col[0] - acc[0]) * a;
      acc[1] += (col[1] - acc[1]) * a;
      acc[2] += (col[2] - acc[2]) * a;
    }
  }
}

/* Draws the shape block by block: a block whose centre is far enough
 * outside the shape is skipped whole, one deep enough inside needs no
 * distances. Most of a long, slanted shape's bounding box is empty. */
static void
draw_shape (EgoVideoRenderer * r, const Raster * ras)
{
  const int n = 8;
  const EgoXform *m = &ras->inv;
  /* beyond this distance no sample of the smear can touch the pixel */
  float cutoff = 0.5f / ras->k + (ras->n_blur - 1) *
      sqrtf (ras->bx * ras->bx + ras->by * ras->by);
  /* how far, in shape units, a block's pixels are from its centre, with
   * room for distances that are only nearly exact */
  float reach = 0.5f * n * sqrtf ((fabsf (m->a) + fabsf (m->b)) *
      (fabsf (m->a) + fabsf (m->b)) + (fabsf (m->c) + fabsf (m->d)) *
      (fabsf (m->c) + fabsf (m->d))) *
      (ras->s->kind == EGO_SHAPE_ELLIPSE ? 2.5f : 1.3f);

  for (int by = ras->y0; by < ras->y1; by += n)
    for (int bx = ras->x0; bx < ras->x1; bx += n) {
      int ex = MIN (bx + n, ras->x1), ey = MIN (by + n, ras->y1);
      float cx = 0.5f * (bx + ex), cy = 0.5f * (by + ey);
      float d = shape_distance (ras, m->a * cx + m->b * cy + m->tx,
          m->c * cx + m->d * cy + m->ty);
      if (d - reach > cutoff)
        continue;
      draw_block (r, ras, bx, by, ex, ey, cutoff, ras->n_blur <= 1 &&
          d + reach < -0.5f / ras->k);
    }
}

static void
map_keys (EgoVideoRenderer * r, const EgoScene * scene)
{
  memset (r->key_map, 0xff, sizeof (r->key_map));
  for (guint i = 0; i < scene->n_shapes; i++)
    if (scene->shapes[i].key < KEY_SPACE)
      r->key_map[scene->shapes[i].key] = (gint16) i;
}

/* How far, in the shape's units, the point of the shape now under its
 * centre was at the start of the exposure. */
static void
shape_smear (const EgoVideoRenderer * r, const EgoScene * start,
    const EgoShape * s, float *bx, float *by)
{
  gint16 j = s->key < KEY_SPACE ? r->key_map[s->key] : -1;
  EgoXform back;

  *bx = *by = 0.0f;
  if (start == NULL || j < 0)
    return;
  back = ego_xform_invert (start->shapes[j].xf);
  ego_xform_apply (&back, s->xf.tx, s->xf.ty, bx, by);
}

static void
finish (EgoVideoRenderer * r, const EgoScene * scene, float noise,
    guint32 frame_seed, const EgoPixelLayout * lay, guint8 * out, gsize stride)
{
  float amp = CLAMP (noise, 0.0f, 1.0f) * 0.05f * 3.464f / 1023.0f;
  guint32 seed = synth_hash32 (frame_seed ^ 0x5bd1e995u);
  float inv_scale = 1.0f / r->scale;
  float l0 = scene->light[0], l1 = scene->light[1], l2 = scene->light[2];
  int r0 = lay->offset[0], g0 = lay->offset[1], b0 = lay->offset[2];
  int a0 = lay->offset[3];

  for (guint y = 0; y < r->height; y++) {
    const float *acc = r->acc + (gsize) y * r->width * 3;
    const float *vig = r->vignette + (gsize) y * r->width;
    guint8 *o = out + y * stride;
    float vy = (y + 0.5f - 0.5f * r->height) * inv_scale;
    float g = 1.0f + scene->light_grad[1] * vy, gx = scene->light_grad[0];
    guint32 pixel = y * r->width;
    for (guint x = 0; x < r->width; x++, acc += 3, o += lay->pixel_stride) {
      /* light falls off across the view and towards the corners */
      float lit = (g + gx * r->column_x[x]) * vig[x];
      guint32 h = synth_hash32 ((pixel + x) ^ seed);
      float v0 = acc[0] * l0 * lit + ((float) (h & 1023) - 511.5f) * amp;
      float v1 = acc[1] * l1 * lit + ((float) ((h >> 10) & 1023) - 511.5f) *
          amp;
      float v2 = acc[2] * l2 * lit + ((float) ((h >> 20) & 1023) - 511.5f) *
          amp;
      o[r0] = (guint8) (CLAMP (v0, 0.0f, 1.0f) * 255.0f + 0.5f);
      o[g0] = (guint8) (CLAMP (v1, 0.0f, 1.0f) * 255.0f + 0.5f);
      o[b0] = (guint8) (CLAMP (v2, 0.0f, 1.0f) * 255.0f + 0.5f);
      if (a0 >= 0)
        o[a0] = 255;
    }
  }
}

void
ego_video_render (EgoVideoRenderer * r, const EgoScene * scene,
    const EgoScene * exposure_start, float noise, guint32 frame_seed,
    const EgoPixelLayout * layout, guint8 * out, gsize stride)
{
  draw_background (r, scene);
  if (exposure_start) {
    float dx, dy;
    camera_motion (r, exposure_start, scene, &dx, &dy);
    if (fabsf (dx) > 0.6f)
      blur_lines (r, TRUE, fabsf (dx));
    if (fabsf (dy) > 0.6f)
      blur_lines (r, FALSE, fabsf (dy));
    map_keys (r, exposure_start);
  }
  for (guint i = 0; i < scene->n_shapes; i++) {
    const EgoShape *s = &scene->shapes[i];
    float bx, by;
    Raster ras;
    shape_smear (r, exposure_start, s, &bx, &by);
    if (prepare (r, s, bx, by, &ras))
      draw_shape (r, &ras);
  }
  finish (r, scene, noise, frame_seed, layout, out, stride);
}

/* Which shape each pixel of the scene shows: the last drawn that covers
 * the pixel's centre more than half. Shadows and liquid are not
 * surfaces. */
static void
draw_ids (EgoVideoRenderer * r, const EgoScene * scene)
{
  memset (r->ids, 0xff, sizeof (guint16) * r->width * r->height);
  for (guint i = 0; i < scene->n_shapes; i++) {
    const EgoShape *s = &scene->shapes[i];
    Raster ras;
    if (s->item == EGO_SHAPE_NO_ITEM || s->alpha < 0.5f ||
        !prepare (r, s, 0.0f, 0.0f, &ras))
      continue;
    for (int y = ras.y0; y < ras.y1; y++) {
      guint16 *ids = r->ids + (gsize) y * r->width;
      float lx = ras.inv.a * (ras.x0 + 0.5f) + ras.inv.b * (y + 0.5f) +
          ras.inv.tx;
      float ly = ras.inv.c * (ras.x0 + 0.5f) + ras.inv.d * (y + 0.5f) +
          ras.inv.ty;
      for (int x = ras.x0; x < ras.x1; x++, lx += ras.inv.a, ly += ras.inv.c)
        if (shape_distance (&ras, lx, ly) <= 0.0f)
          ids[x] = (guint16) i;
    }
  }
}

void
ego_video_flow (EgoVideoRenderer * r, const EgoScene * prev,
    const EgoScene * cur, float *flow)
{
  EgoXform from_pix = ego_xform_invert (r->to_pixels);
  EgoXform *moves = g_newa (EgoXform, prev->n_shapes + 1);
  EgoXform bg = ego_xform_mul (cur->camera, ego_xform_mul
      (ego_xform_translate ((float) (prev->counter_x - cur->counter_x), 0.0f),
          ego_xform_invert (prev->camera)));
  gsize plane = (gsize) r->width * r->height;

  /* every surface moves by one affine map, in pixels */
  bg = ego_xform_mul (r->to_pixels, ego_xform_mul (bg, from_pix));
  map_keys (r, cur);
  for (guint i = 0; i < prev->n_shapes; i++) {
    const EgoShape *s = &prev->shapes[i];
    gint16 j = s->key < KEY_SPACE ? r->key_map[s->key] : -1;
    moves[i] = j < 0 ? bg : ego_xform_mul (r->to_pixels,
        ego_xform_mul (cur->shapes[j].xf, ego_xform_mul (ego_xform_invert
                (s->xf), from_pix)));
  }
  draw_ids (r, prev);
  for (guint y = 0; y < r->height; y++)
    for (guint x = 0; x < r->width; x++) {
      gsize i = (gsize) y * r->width + x;
      guint16 id = r->ids[i];
      const EgoXform *m = id == NO_ID ? &bg : &moves[id];
      float px = x + 0.5f, py = y + 0.5f, nx, ny;
      ego_xform_apply (m, px, py, &nx, &ny);
      flow[i] = nx - px;
      flow[plane + i] = ny - py;
    }
}
