/* Textures of the synthetic kitchen, see texture.h. */
#include "texture.h"

#include <math.h>

#include "shapes.h"
#include "synthrand.h"

static float
smoothstep (float e0, float e1, float x)
{
  float u = CLAMP ((x - e0) / (e1 - e0), 0.0f, 1.0f);
  return u * u * (3.0f - 2.0f * u);
}

static guint
wrap (gint i, guint period)
{
  if (period == 0)
    return (guint) i;
  i %= (gint) period;
  return (guint) (i < 0 ? i + (gint) period : i);
}

float
ego_value_noise (float x, float y, guint period_x, guint period_y, guint32 seed)
{
  float fx = floorf (x), fy = floorf (y);
  float tx = x - fx, ty = y - fy;
  guint x0 = wrap ((gint) fx, period_x), x1 = wrap ((gint) fx + 1, period_x);
  guint y0 = wrap ((gint) fy, period_y), y1 = wrap ((gint) fy + 1, period_y);
  guint32 r0 = synth_hash32 (seed ^ (y0 * 0x9e3779b9u));
  guint32 r1 = synth_hash32 (seed ^ (y1 * 0x9e3779b9u));
  float v00 = synth_hash2f (r0, x0), v10 = synth_hash2f (r0, x1);
  float v01 = synth_hash2f (r1, x0), v11 = synth_hash2f (r1, x1);

  tx = tx * tx * (3.0f - 2.0f * tx);
  ty = ty * ty * (3.0f - 2.0f * ty);
  return (v00 + (v10 - v00) * tx) * (1.0f - ty) + (v01 + (v11 - v01) * tx) * ty;
}

/* noise over the unit tile with fx by fy cells, wrapping both ways */
static float
tile_noise (float u, float v, guint fx, guint fy, guint32 seed)
{
  return ego_value_noise (u * fx, v * fy, fx, fy, seed);
}

static float
tile_fbm (float u, float v, guint f, guint octaves, guint32 seed)
{
  float sum = 0.0f, amp = 0.5f, norm = 0.0f;
  for (guint i = 0; i < octaves; i++) {
    sum += amp * tile_noise (u, v, f << i, f << i, seed + i);
    norm += amp;
    amp *= 0.5f;
  }
  return sum / norm;
}

static float
band (float f, float lo, float hi, float soft)
{
  return smoothstep (lo - soft, lo + soft, f) *
      (1.0f - smoothstep (hi - soft, hi + soft, f));
}

static float
fract (float x)
{
  return x - floorf (x);
}

/* The pattern masks, on the unit tile (u, v in 0..1). */
static float
pattern_value (EgoPattern p, float u, float v)
{
  switch (p) {
    case EGO_PATTERN_WOOD:{
      float warp = tile_fbm (u, v, 2, 2, 11);
      float g = 0.5f + 0.5f * sinf (6.2832f * (v * 9.0f + 1.6f * warp));
      return 0.55f * g * g * g * g + 0.45f * tile_noise (u, v, 3, 48, 12);
    }
    case EGO_PATTERN_SPECKLE:
      return MIN (1.0f, smoothstep (0.7f, 0.8f, tile_noise (u, v, 16, 16,
                  21)) + 0.6f * smoothstep (0.74f, 0.84f, tile_noise (u, v,
                  24, 24, 22)));
    case EGO_PATTERN_STRIPES:
      return band (fract (v * 2.0f), 0.3f, 0.7f, 0.03f);
    case EGO_PATTERN_DOTS:{
      float cu = fract (u * 4.0f) - 0.5f, cv = fract (v * 4.0f) - 0.5f;
      return 1.0f - smoothstep (0.2f, 0.26f, sqrtf (cu * cu + cv * cv));
    }
    case EGO_PATTERN_CHECK:
      return 0.5f * (band (fract (u * 4.0f), 0.0f, 0.5f, 0.02f) +
          band (fract (v * 4.0f), 0.0f, 0.5f, 0.02f));
    case EGO_PATTERN_FIBRE:
      return 0.1f + 0.25f * tile_noise (u, v, 4, 40, 31) +
          0.1f * tile_noise (u, v, 16, 16, 32);
    case EGO_PATTERN_BRUSHED:
      return 0.15f + 0.5f * tile_noise (u, v, 2, 48, 41);
    case EGO_PATTERN_RIDGES:
      return 0.5f + 0.5f * cosf (6.2832f * u * 8.0f);
    case EGO_PATTERN_CRUST:
      return smoothstep (0.35f, 0.75f, tile_fbm (u, v, 4, 3, 51));
    case EGO_PATTERN_LABEL:{
      /* a coloured band and two lines of "text" */
      float row1 = band (v, 0.38f, 0.46f, 0.005f);
      float row2 = band (v, 0.56f, 0.64f, 0.005f);
      guint cell = (guint) (u * 16.0f);
      float letter = fract (u * 16.0f) < 0.72f ? 1.0f : 0.0f;
      float on1 = synth_hash2f (61, cell) > 0.3f ? letter : 0.0f;
      float on2 = synth_hash2f (62, cell) > 0.45f ? letter : 0.0f;
      return MAX (band (v, 0.08f, 0.17f, 0.005f), MAX (row1 * on1, row2 * on2));
    }
    default:
      return 0.0f;
  }
}

static float *patterns;

const float *
ego_patterns_get (void)
{
  static gsize made = 0;

  if (g_once_init_enter (&made)) {
    const guint n = EGO_PATTERN_SIZE;
    float *p = g_new (float, EGO_N_PATTERNS * n * n);
    for (guint k = 0; k < EGO_N_PATTERNS; k++)
      for (guint y = 0; y < n; y++)
        for (guint x = 0; x < n; x++)
          p[(k * n + y) * n + x] = pattern_value ((EgoPattern) k,
              (x + 0.5f) / n, (y + 0.5f) / n);
    patterns = p;
    g_once_init_leave (&made, 1);
  }
  return patterns;
}

/* ---- the background ---- */

static void
mix_into (float rgb[3], const float c[3], float m)
{
  for (int i = 0; i < 3; i++)
    rgb[i] += (c[i] - rgb[i]) * m;
}

static void
scale_rgb (float rgb[3], const float c[3], float f)
{
  for (int i = 0; i < 3; i++)
    rgb[i] = c[i] * f;
}

/* noise wrapping with the background's period along x */
static float
strip_noise (float x, float y, float freq, guint32 seed)
{
  guint period = (guint) lrintf (freq * EGO_BACKGROUND_PERIOD);
  return ego_value_noise (x * period / EGO_BACKGROUND_PERIOD, y * freq,
      period, 0, seed);
}

static void
paint_wall (const EgoKitchen * k, float x, float y, float rgb[3])
{
  float h = k->horizon;
  float ts = EGO_BACKGROUND_PERIOD / rintf (EGO_BACKGROUND_PERIOD /
      k->tile_size);

  if (k->wall_style == 0) {
    float fx = fract (x / ts), fy = fract ((y - h) / ts);
    float edge = MIN (MIN (fx, 1.0f - fx), MIN (fy, 1.0f - fy)) * ts;
    guint tx = (guint) (x / ts), ty = (guint) (gint) floorf ((y - h) / ts);
    scale_rgb (rgb, k->wall_rgb[0], 0.93f + 0.1f * synth_hash2f (tx, ty +
            k->seed) - 0.04f * strip_noise (x, y, 24.0f, k->seed));
    if (edge < 0.004f)
      scale_rgb (rgb, k->wall_rgb[0], 0.72f);
    else if (fx < 0.12f || fy < 0.12f)
      scale_rgb (rgb, rgb, 1.04f);
  } else {
    scale_rgb (rgb, k->wall_rgb[0], 0.9f + 0.14f * strip_noise (x, y, 6.0f,
            k->seed) + 0.04f * strip_noise (x, y, 40.0f, k->seed + 1));
  }
  /* the wall darkens under the cabinets */
  if (y > h - 0.4f && y < h - 0.3f)
    scale_rgb (rgb, rgb, 0.75f + 0.25f * smoothstep (h - 0.4f, h - 0.3f, y));
}

static void
paint_cabinets (const EgoKitchen * k, float x, float y, float rgb[3])
{
  float door = fract (x / 0.5f) * 0.5f, h = k->horizon;

  scale_rgb (rgb, k->wall_rgb[1], 0.95f + 0.05f * strip_noise (x, y, 12.0f,
          k->seed + 2));
  if (door < 0.006f || y > h - 0.412f)
    scale_rgb (rgb, k->wall_rgb[1], 0.55f);
  else if (door > 0.44f && door < 0.455f && y > h - 0.52f && y < h - 0.43f)
    scale_rgb (rgb, k->wall_rgb[1], 0.3f);
}

static gboolean
paint_window (const EgoKitchen * k, float x, float y, float rgb[3])
{
  static const float sky[3] = { 0.78f, 0.87f, 0.97f };
  static const float frame[3] = { 0.93f, 0.93f, 0.9f };
  float h = k->horizon, x0 = 2.9f, x1 = 3.7f, y0 = h - 0.75f, y1 = h - 0.08f;

  if (x < x0 || x > x1 || y < y0 || y > y1)
    return FALSE;
  scale_rgb (rgb, sky, 1.0f + 0.15f * (y0 - y));
  if (x - x0 < 0.015f || x1 - x < 0.015f || y - y0 < 0.015f ||
      y1 - y < 0.02f || fabsf (x - 0.5f * (x0 + x1)) < 0.008f)
    scale_rgb (rgb, frame, 1.0f);
  return TRUE;
}

/* Distance down the counter grows slower than the view's y: far texture
 * is finer. */
static float
counter_depth (const EgoKitchen * k, float y)
{
  return 0.5f * logf (1.0f + (y - k->horizon) / 0.3f);
}

static void
paint_counter_top (const EgoKitchen * k, float x, float y, float rgb[3])
{
  float d = counter_depth (k, y), m;
  static const float fleck[3] = { 0.95f, 0.95f, 0.93f };

  scale_rgb (rgb, k->counter_rgb[0], 1.0f);
  switch (k->counter_style) {
    case 0:                    /* granite */
      mix_into (rgb, k->counter_rgb[1], smoothstep (0.66f, 0.76f,
              strip_noise (x, d * 3.0f, 80.0f, k->seed + 3)));
      mix_into (rgb, fleck, 0.7f * smoothstep (0.78f, 0.86f,
              strip_noise (x, d * 3.0f, 60.0f, k->seed + 4)));
      break;
    case 1:                    /* wood planks along the counter */
      m = 0.5f + 0.5f * sinf (6.2832f * (d * 40.0f + 2.0f *
              strip_noise (x, d, 3.0f, k->seed + 5)));
      mix_into (rgb, k->counter_rgb[1], 0.6f * m * m);
      if (fract (d / 0.1f) < 0.04f)
        scale_rgb (rgb, rgb, 0.7f);
      break;
    case 2:                    /* marble veins */
      m = fabsf (sinf (6.2832f * (x * 0.5f + d * 1.5f + 1.2f *
                  strip_noise (x, d, 2.0f, k->seed + 6) + 0.3f *
                  strip_noise (x, d, 9.0f, k->seed + 8))));
      mix_into (rgb, k->counter_rgb[1], 0.7f * (1.0f - smoothstep (0.0f,
                  0.25f, m)) * strip_noise (x, d, 4.0f, k->seed + 9));
      break;
    default:                   /* laminate */
      scale_rgb (rgb, rgb, 0.96f + 0.06f * strip_noise (x, d * 3.0f, 40.0f,
              k->seed + 7));
      break;
  }
}

static void
paint_fixtures (const EgoKitchen * k, float x, float y, float rgb[3])
{
  float h = k->horizon, cy = h + 0.1f;

  /* a hob with two rings */
  if (x > 0.6f && x < 1.3f && y > h + 0.025f && y < h + 0.175f) {
    static const float glass[3] = { 0.08f, 0.08f, 0.1f };
    float best = 1.0f;
    for (int i = 0; i < 2; i++) {
      float dx = (x - (0.78f + 0.34f * i)) / 0.11f, dy = (y - cy) / 0.06f;
      best = MIN (best, fabsf (sqrtf (dx * dx + dy * dy) - 0.8f));
    }
    scale_rgb (rgb, glass, 1.0f + 2.5f * (1.0f - smoothstep (0.0f, 0.08f,
                best)));
  }
  /* a sink under the window */
  if (x > 3.0f && x < 3.6f && y > h + 0.02f && y < h + 0.2f) {
    static const float steel[3] = { 0.68f, 0.7f, 0.73f };
    gboolean rim = x < 3.02f || x > 3.58f || y < h + 0.035f || y > h + 0.19f;
    float dx = (x - 3.3f) / 0.02f, dy = (y - (h + 0.12f)) / 0.012f;
    scale_rgb (rgb, steel, rim ? 1.05f : 0.55f + 0.5f * smoothstep (h +
            0.035f, h + 0.1f, y));
    if (dx * dx + dy * dy < 1.0f)
      scale_rgb (rgb, steel, 0.2f);
  }
}

static void
paint_background (const EgoKitchen * k, float x, float y, float rgb[3])
{
  float h = k->horizon;

  if (y < h) {
    if (!paint_window (k, x, y, rgb)) {
      if (y < h - 0.4f)
        paint_cabinets (k, x, y, rgb);
      else
        paint_wall (k, x, y, rgb);
    }
    return;
  }
  paint_counter_top (k, x, y, rgb);
  paint_fixtures (k, x, y, rgb);
  /* the back edge, and the far counter a little darker */
  if (y < h + 0.008f)
    scale_rgb (rgb, rgb, 0.55f);
  else if (y < h + 0.014f)
    scale_rgb (rgb, rgb, 1.15f);
  scale_rgb (rgb, rgb, 0.86f + 0.14f * smoothstep (h, h + 0.6f, y));
}

EgoBackground *
ego_background_new (const EgoKitchen * kitchen, float density, float y0,
    float y1)
{
  EgoBackground *bg = g_new0 (EgoBackground, 1);

  bg->width = (guint) lrintf (EGO_BACKGROUND_PERIOD * density);
  bg->density = bg->width / EGO_BACKGROUND_PERIOD;
  bg->top = y0;
  bg->height = MAX (2u, (guint) ceilf ((y1 - y0) * bg->density));
  bg->texels = g_new (guint32, (gsize) bg->width * bg->height);
  for (guint j = 0; j < bg->height; j++) {
    float y = y0 + (j + 0.5f) / bg->density;
    guint32 *row = bg->texels + (gsize) j * bg->width;
    for (guint i = 0; i < bg->width; i++) {
      float rgb[3];
      guint32 t = 0;
      paint_background (kitchen, (i + 0.5f) / bg->density, y, rgb);
      for (int c = 0; c < 3; c++)
        t |= (guint32) lrintf (CLAMP (rgb[c], 0.0f, 1.0f) * 255) << (8 * c);
      row[i] = t;
    }
  }
  return bg;
}

void
ego_background_free (EgoBackground * bg)
{
  if (bg == NULL)
    return;
  g_free (bg->texels);
  g_free (bg);
}
