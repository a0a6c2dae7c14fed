/* The look of every class of thing in the synthetic kitchen, see shapes.h.
 *
 * Coordinates are view units (1 = the frame's shorter side) at the
 * object's own scale, y down. Upright things (cup, bowl, bottle, jar) are
 * drawn as seen from above and in front, flat ones (board, knife, pan...)
 * as seen from above. Every class has its own outline, colours and texture,
 * and three variants, so that the class shows in a single frame but not
 * trivially. */
#include "shapes.h"

#include <string.h>

#include "synthrand.h"

typedef struct
{
  EgoShapeList *list;
  const EgoObject *o;
  EgoXform base;
  guint16 key;
  guint8 item;
} Ctx;

static EgoShape *
add_shape (EgoShapeList * l, EgoShapeKind kind, EgoXform xf,
    const float rgb[3], guint16 key, guint8 item)
{
  /* a full list keeps writing into its spare last slot */
  EgoShape *s = &l->shapes[l->n < l->max ? l->n++ : l->max];
  memset (s, 0, sizeof (*s));
  s->kind = kind;
  s->xf = xf;
  memcpy (s->rgb, rgb, sizeof (s->rgb));
  memcpy (s->rgb2, rgb, sizeof (s->rgb2));
  s->alpha = 1.0f;
  s->key = key;
  s->item = item;
  return s;
}

static void
set_p (EgoShape * s, float p0, float p1, float p2, float p3)
{
  s->p[0] = p0;
  s->p[1] = p1;
  s->p[2] = p2;
  s->p[3] = p3;
}

static void
set_pattern (EgoShape * s, const EgoObject * o, EgoPattern pattern,
    const float rgb2[3], float scale)
{
  s->pattern = pattern;
  memcpy (s->rgb2, rgb2, sizeof (s->rgb2));
  s->tex_scale = scale;
  s->tex_u = o->tex_u;
  s->tex_v = o->tex_v;
}

/* a part of the object centred at (cx, cy) of its coordinates */
static EgoShape *
part (Ctx * c, EgoShapeKind kind, float cx, float cy, const float rgb[3])
{
  EgoXform xf = ego_xform_mul (c->base, ego_xform_translate (cx, cy));
  return add_shape (c->list, kind, xf, rgb, c->key++, c->item);
}

static EgoShape *
part_xf (Ctx * c, EgoShapeKind kind, EgoXform local, const float rgb[3])
{
  return add_shape (c->list, kind, ego_xform_mul (c->base, local), rgb,
      c->key++, c->item);
}

/* a lid, cap or box top: it comes off, so it is no part of the thing's
 * box (a detector would see the thing without its lid once it is off) */
static EgoShape *
lid_part (Ctx * c, EgoShapeKind kind, EgoXform lid_xf, const float rgb[3])
{
  EgoShape *s = part_xf (c, kind, lid_xf, rgb);
  s->loose = 1;
  return s;
}

static void
shade (const float rgb[3], float f, float out[3])
{
  for (int i = 0; i < 3; i++)
    out[i] = MIN (rgb[i] * f, 1.0f);
}

static void
draw_cup (Ctx * c)
{
  const EgoObject *o = c->o;
  float rim[3];
  EgoShape *s;

  shade (o->rgb[0], 0.88f, rim);
  /* the handle first, so that the body hides its root */
  s = part (c, EGO_SHAPE_ARC, 0.043f, -0.004f, o->rgb[0]);
  set_p (s, 0.024f, o->variant == 2 ? 0.0f : 0.0065f, 0, 0);
  s->shading = EGO_SHADE_CYLINDER;
  s = part (c, EGO_SHAPE_TRAPEZOID, 0.0f, 0.0f, o->rgb[0]);
  set_p (s, 0.045f, 0.037f, 0.05f, 0.006f);
  s->shading = EGO_SHADE_CYLINDER;
  s->gloss = 0.35f;
  if (o->variant == 1)
    set_pattern (s, o, EGO_PATTERN_STRIPES, o->rgb[1], 9.0f);
  else if (o->variant == 0 && (o->seed & 1))
    set_pattern (s, o, EGO_PATTERN_DOTS, o->rgb[1], 12.0f);
  s = part (c, EGO_SHAPE_ELLIPSE, 0.0f, -0.05f, rim);
  set_p (s, 0.045f, 0.012f, 0, 0);
  s = part (c, EGO_SHAPE_ELLIPSE, 0.0f, -0.0492f, o->rgb[2]);
  set_p (s, 0.0385f, 0.0092f, 0, 0);
  s->shading = EGO_SHADE_DOME;
}

static void
draw_bowl (Ctx * c)
{
  const EgoObject *o = c->o;
  float rim[3];
  EgoShape *s;

  shade (o->variant == 2 ? o->rgb[1] : o->rgb[0], 1.08f, rim);
  s = part (c, EGO_SHAPE_ELLIPSE, 0.0f, 0.004f, o->rgb[0]);
  set_p (s, 0.085f, 0.046f, 0, 0);
  s->shading = EGO_SHADE_DOME;
  s->gloss = 0.25f;
  if (o->variant == 1)
    set_pattern (s, o, EGO_PATTERN_SPECKLE, o->rgb[1], 10.0f);
  s = part (c, EGO_SHAPE_ELLIPSE, 0.0f, -0.02f, rim);
  set_p (s, 0.085f, 0.026f, 0, 0);
  s = part (c, EGO_SHAPE_ELLIPSE, 0.0f, -0.018f, o->rgb[2]);
  set_p (s, 0.074f, 0.02f, 0, 0);
  s->shading = EGO_SHADE_DOME;
  set_pattern (s, o, EGO_PATTERN_SPECKLE, o->rgb[0], 16.0f);
}

static void
draw_bottle (Ctx * c, float lid)
{
  const EgoObject *o = c->o;
  float body_hy = o->variant == 0 ? 0.07f : 0.06f;
  float body_hx = o->variant == 2 ? 0.036f : 0.03f;
  float dark[3];
  EgoShape *s;

  shade (o->rgb[0], 0.35f, dark);
  s = part (c, EGO_SHAPE_BOX, 0.0f, 0.1f - body_hy, o->rgb[0]);
  set_p (s, body_hx, body_hy, 0.014f, 0);
  s->shading = EGO_SHADE_CYLINDER;
  s->gloss = 0.7f;
  s->alpha = 0.93f;
  s = part (c, EGO_SHAPE_ELLIPSE, 0.0f, 0.1f - 2 * body_hy, o->rgb[0]);
  set_p (s, body_hx, 0.022f, 0, 0);
  s->shading = EGO_SHADE_CYLINDER;
  s->gloss = 0.7f;
  s = part (c, EGO_SHAPE_BOX, 0.0f, 0.085f - 2 * body_hy - 0.03f, o->rgb[0]);
  set_p (s, 0.011f, 0.03f, 0.004f, 0);
  s->shading = EGO_SHADE_CYLINDER;
  s->gloss = 0.5f;
  if (o->variant != 2) {
    s = part (c, EGO_SHAPE_BOX, 0.0f, 0.1f - body_hy * 0.8f, o->rgb[1]);
    set_p (s, body_hx + 0.0008f, body_hy * 0.42f, 0.002f, 0);
    s->shading = EGO_SHADE_CYLINDER;
    set_pattern (s, o, EGO_PATTERN_LABEL, dark, 14.0f);
  }
  /* the open mouth, hidden under the cap until it comes off */
  s = part (c, EGO_SHAPE_ELLIPSE, 0.0f, 0.055f - 2 * body_hy - 0.03f, dark);
  set_p (s, 0.009f, 0.004f, 0, 0);
  s = lid_part (c, EGO_SHAPE_BOX, ego_object_lid_xform (o, lid), o->rgb[2]);
  set_p (s, 0.013f, 0.012f, 0.003f, 0);
  s->shading = EGO_SHADE_CYLINDER;
  s->gloss = 0.3f;
}

static void
draw_jar (Ctx * c, float lid)
{
  const EgoObject *o = c->o;
  float glass[3], dark[3];
  EgoShape *s;

  shade (o->rgb[0], 1.15f, glass);
  shade (o->rgb[0], 0.55f, dark);
  s = part (c, EGO_SHAPE_BOX, 0.0f, 0.012f, o->rgb[0]);
  set_p (s, 0.045f, o->variant == 1 ? 0.05f : 0.045f, 0.016f, 0);
  s->shading = EGO_SHADE_CYLINDER;
  s->gloss = 0.6f;
  set_pattern (s, o, EGO_PATTERN_SPECKLE, dark, 8.0f);
  if (o->variant == 2) {
    s = part (c, EGO_SHAPE_BOX, 0.0f, 0.018f, o->rgb[1]);
    set_p (s, 0.0458f, 0.02f, 0.002f, 0);
    s->shading = EGO_SHADE_CYLINDER;
    set_pattern (s, o, EGO_PATTERN_LABEL, dark, 14.0f);
  }
  s = part (c, EGO_SHAPE_BOX, 0.0f, -0.035f, glass);
  set_p (s, 0.04f, 0.008f, 0.003f, 0);
  s->shading = EGO_SHADE_CYLINDER;
  s = part (c, EGO_SHAPE_ELLIPSE, 0.0f, -0.042f, dark);
  set_p (s, 0.036f, 0.01f, 0, 0);
  s = lid_part (c, EGO_SHAPE_BOX, ego_object_lid_xform (o, lid), o->rgb[2]);
  set_p (s, 0.047f, 0.013f, 0.004f, 0);
  s->shading = EGO_SHADE_METAL;
  s->gloss = 0.5f;
  shade (o->rgb[2], 0.7f, glass);
  set_pattern (s, o, EGO_PATTERN_RIDGES, glass, 10.0f);
}

static void
draw_knife (Ctx * c)
{
  const EgoObject *o = c->o;
  float len = o->variant == 1 ? 0.11f : (o->variant == 2 ? 0.18f : 0.16f);
  float wide = o->variant == 0 ? 0.018f : 0.012f;
  EgoShape *s;

  s = part (c, EGO_SHAPE_CAPSULE, -0.02f, 0.0f, o->rgb[0]);
  set_p (s, 0.0f, len, wide, 0.003f);
  s->shading = EGO_SHADE_METAL;
  s->gloss = 0.8f;
  set_pattern (s, o, o->variant == 2 ? EGO_PATTERN_RIDGES :
      EGO_PATTERN_BRUSHED, o->rgb[2], 8.0f);
  s = part (c, EGO_SHAPE_BOX, -0.058f, 0.0f, o->rgb[1]);
  set_p (s, 0.038f, 0.0105f, 0.009f, 0);
  s->shading = EGO_SHADE_CYLINDER;
  s->gloss = 0.3f;
}

static void
draw_board (Ctx * c)
{
  const EgoObject *o = c->o;
  gboolean plastic = o->rgb[0][2] > 0.55f * o->rgb[0][0];
  float edge[3], hole[3];
  EgoShape *s;

  shade (o->rgb[0], 0.7f, edge);
  shade (o->rgb[0], 0.3f, hole);
  if (o->variant == 1) {
    s = part (c, EGO_SHAPE_BOX, -0.19f, 0.0f, o->rgb[0]);
    set_p (s, 0.045f, 0.032f, 0.03f, 0);
    set_pattern (s, o, EGO_PATTERN_WOOD, o->rgb[1], 5.0f);
  }
  s = part (c, EGO_SHAPE_BOX, 0.0f, 0.008f, edge);
  set_p (s, 0.16f, 0.095f, o->variant == 2 ? 0.05f : 0.018f, 0);
  s = part (c, EGO_SHAPE_BOX, 0.0f, 0.0f, o->rgb[0]);
  set_p (s, 0.16f, 0.095f, o->variant == 2 ? 0.05f : 0.018f, 0);
  s->shading = EGO_SHADE_FLAT;
  set_pattern (s, o, plastic ? EGO_PATTERN_SPECKLE : EGO_PATTERN_WOOD,
      plastic ? edge : o->rgb[1], plastic ? 12.0f : 3.0f);
  s = part (c, EGO_SHAPE_ELLIPSE, o->variant == 1 ? -0.2f : -0.13f, 0.0f, hole);
  set_p (s, 0.011f, 0.011f, 0, 0);
}

static void
draw_pan (Ctx * c)
{
  const EgoObject *o = c->o;
  float deep = o->variant == 1 ? 0.012f : 0.0f;
  EgoShape *s;

  s = part (c, EGO_SHAPE_BOX, -0.165f, 0.0f, o->rgb[2]);
  set_p (s, 0.08f, o->variant == 1 ? 0.013f : 0.011f, 0.01f, 0);
  s->shading = EGO_SHADE_CYLINDER;
  s->gloss = 0.3f;
  s = part (c, EGO_SHAPE_ELLIPSE, 0.0f, 0.0f, o->rgb[0]);
  set_p (s, 0.095f, 0.08f, 0, 0);
  s->shading = EGO_SHADE_DOME;
  s->gloss = 0.4f;
  s = part (c, EGO_SHAPE_ELLIPSE, 0.0f, 0.004f + deep * 0.3f, o->rgb[1]);
  set_p (s, 0.08f - deep, 0.066f - deep, 0, 0);
  s->shading = EGO_SHADE_DOME;
  set_pattern (s, o, o->variant == 2 ? EGO_PATTERN_BRUSHED :
      EGO_PATTERN_SPECKLE, o->rgb[0], 12.0f);
}

static void
draw_box (Ctx * c, float lid)
{
  const EgoObject *o = c->o;
  static const EgoPattern prints[] = { EGO_PATTERN_FIBRE,
    EGO_PATTERN_STRIPES, EGO_PATTERN_DOTS
  };
  float front[3], inside[3], top[3];
  EgoXform top_xf = ego_object_lid_xform (o, lid);
  EgoShape *s;

  shade (o->rgb[0], 0.72f, front);
  shade (o->rgb[0], 0.3f, inside);
  /* the top darkens as it tilts away from the light */
  shade (o->rgb[0], 0.72f + 0.28f * fabsf (top_xf.d), top);
  s = part (c, EGO_SHAPE_BOX, 0.0f, 0.052f, front);
  set_p (s, 0.07f, 0.022f, 0.003f, 0);
  set_pattern (s, o, prints[o->variant], o->rgb[1], 8.0f);
  s = part (c, EGO_SHAPE_BOX, 0.0f, -0.02f, inside);
  set_p (s, 0.066f, 0.046f, 0.002f, 0);
  s = lid_part (c, EGO_SHAPE_BOX, top_xf, top);
  set_p (s, 0.07f, 0.05f, 0.003f, 0);
  set_pattern (s, o, prints[o->variant], o->rgb[1], 8.0f);
  if (o->variant == 0) {
    s = lid_part (c, EGO_SHAPE_BOX, top_xf, o->rgb[1]);
    set_p (s, 0.012f, 0.05f, 0.0f, 0);
  }
}

static void
draw_spoon (Ctx * c)
{
  const EgoObject *o = c->o;
  float inner[3];
  float bowl = o->variant == 2 ? 0.03f : 0.023f;
  EgoShape *s;

  shade (o->rgb[0], 0.82f, inner);
  s = part (c, EGO_SHAPE_CAPSULE, 0.0f, 0.0f, o->rgb[0]);
  set_p (s, -0.085f, 0.03f, 0.0062f, 0.0045f);
  s->shading = o->variant == 1 ? EGO_SHADE_CYLINDER : EGO_SHADE_METAL;
  s->gloss = 0.6f;
  if (o->variant == 1)
    set_pattern (s, o, EGO_PATTERN_WOOD, o->rgb[1], 6.0f);
  s = part (c, EGO_SHAPE_ELLIPSE, 0.04f + bowl - 0.023f, 0.0f, o->rgb[0]);
  set_p (s, bowl, bowl * (o->variant == 2 ? 0.95f : 0.68f), 0, 0);
  s->shading = EGO_SHADE_DOME;
  s->gloss = 0.6f;
  s = part (c, EGO_SHAPE_ELLIPSE, 0.042f + bowl - 0.023f, 0.0f, inner);
  set_p (s, bowl * 0.75f, bowl * (o->variant == 2 ? 0.7f : 0.48f), 0, 0);
  s->shading = EGO_SHADE_DOME;
}

static void
draw_bread (Ctx * c)
{
  const EgoObject *o = c->o;
  float crust[3];
  EgoShape *s;

  shade (o->rgb[0], 0.72f, crust);
  if (o->variant == 1) {
    s = part (c, EGO_SHAPE_CAPSULE, 0.0f, 0.0f, o->rgb[0]);
    set_p (s, -0.12f, 0.12f, 0.026f, 0.024f);
    s->shading = EGO_SHADE_CYLINDER;
  } else if (o->variant == 2) {
    s = part (c, EGO_SHAPE_ELLIPSE, 0.0f, 0.0f, o->rgb[0]);
    set_p (s, 0.068f, 0.056f, 0, 0);
    s->shading = EGO_SHADE_DOME;
  } else {
    s = part (c, EGO_SHAPE_BOX, 0.0f, 0.0f, o->rgb[0]);
    set_p (s, 0.09f, 0.042f, 0.034f, 0);
    s->shading = EGO_SHADE_DOME;
  }
  set_pattern (s, o, EGO_PATTERN_CRUST, crust, 7.0f);
  /* three scores across the top */
  for (int i = -1; i <= 1; i++) {
    EgoXform xf = ego_xform_mul (ego_xform_translate (i * 0.04f, 0.0f),
        ego_xform_rotate (1.1f));
    s = part_xf (c, EGO_SHAPE_CAPSULE, xf, o->rgb[1]);
    set_p (s, -0.022f, 0.022f, 0.0035f, 0.0035f);
  }
}

static void
draw_distractor (Ctx * c)
{
  const EgoObject *o = c->o;
  float darker[3];
  EgoShape *s;

  shade (o->rgb[0], 0.8f, darker);
  switch (o->kind) {
    case EGO_KIND_TOWEL:
      s = part (c, EGO_SHAPE_BOX, 0.0f, 0.0f, o->rgb[0]);
      set_p (s, 0.09f, 0.06f, 0.01f, 0);
      set_pattern (s, o, EGO_PATTERN_CHECK, o->rgb[1], 6.0f);
      s = part (c, EGO_SHAPE_BOX, 0.0f, 0.018f, darker);
      set_p (s, 0.09f, 0.003f, 0.0f, 0);
      break;
    case EGO_KIND_PLATE:
      s = part (c, EGO_SHAPE_ELLIPSE, 0.0f, 0.0f, o->rgb[0]);
      set_p (s, 0.085f, 0.06f, 0, 0);
      s->gloss = 0.3f;
      s->shading = EGO_SHADE_DOME;
      s = part (c, EGO_SHAPE_ELLIPSE, 0.0f, 0.002f, darker);
      set_p (s, 0.06f, 0.041f, 0, 0);
      break;
    case EGO_KIND_SPONGE:
      s = part (c, EGO_SHAPE_BOX, 0.0f, 0.0f, o->rgb[0]);
      set_p (s, 0.036f, 0.022f, 0.006f, 0);
      set_pattern (s, o, EGO_PATTERN_SPECKLE, darker, 20.0f);
      s = part (c, EGO_SHAPE_BOX, 0.0f, -0.016f, o->rgb[1]);
      set_p (s, 0.036f, 0.007f, 0.004f, 0);
      break;
    case EGO_KIND_APPLE:
      s = part (c, EGO_SHAPE_ELLIPSE, 0.0f, 0.0f, o->rgb[0]);
      set_p (s, 0.032f, 0.03f, 0, 0);
      s->shading = EGO_SHADE_DOME;
      s->gloss = 0.5f;
      s = part_xf (c, EGO_SHAPE_CAPSULE, ego_xform_mul
          (ego_xform_translate (0.0f, -0.024f), ego_xform_rotate (-1.3f)),
          o->rgb[1]);
      set_p (s, 0.0f, 0.014f, 0.0025f, 0.002f);
      break;
    default:                   /* carrot */
      s = part (c, EGO_SHAPE_CAPSULE, 0.0f, 0.0f, o->rgb[0]);
      set_p (s, -0.06f, 0.06f, 0.014f, 0.003f);
      s->shading = EGO_SHADE_CYLINDER;
      set_pattern (s, o, EGO_PATTERN_RIDGES, darker, 14.0f);
      for (int i = -1; i <= 1; i++) {
        s = part_xf (c, EGO_SHAPE_CAPSULE, ego_xform_mul
            (ego_xform_translate (-0.065f, 0.0f),
                ego_xform_rotate ((float) G_PI + i * 0.35f)), o->rgb[1]);
        set_p (s, 0.0f, 0.03f, 0.004f, 0.002f);
      }
      break;
  }
}

void
ego_shapes_object (EgoShapeList * list, const EgoObject * o,
    const EgoXform * base, float lid, guint16 key, guint8 item)
{
  Ctx c = { list, o, *base, key, item };

  switch (o->kind) {
    case EGO_NOUN_CUP:
      draw_cup (&c);
      break;
    case EGO_NOUN_BOWL:
      draw_bowl (&c);
      break;
    case EGO_NOUN_BOTTLE:
      draw_bottle (&c, lid);
      break;
    case EGO_NOUN_JAR:
      draw_jar (&c, lid);
      break;
    case EGO_NOUN_KNIFE:
      draw_knife (&c);
      break;
    case EGO_NOUN_BOARD:
      draw_board (&c);
      break;
    case EGO_NOUN_PAN:
      draw_pan (&c);
      break;
    case EGO_NOUN_BOX:
      draw_box (&c, lid);
      break;
    case EGO_NOUN_SPOON:
      draw_spoon (&c);
      break;
    case EGO_NOUN_BREAD:
      draw_bread (&c);
      break;
    default:
      draw_distractor (&c);
      break;
  }
}

/* Footprint of each kind on the counter: centre y, radii. */
static const float footprints[EGO_N_KINDS][3] = {
  {0.05f, 0.05f, 0.014f},       /* cup */
  {0.045f, 0.085f, 0.02f},      /* bowl */
  {0.1f, 0.036f, 0.01f},        /* bottle */
  {0.057f, 0.05f, 0.013f},      /* jar */
  {0.006f, 0.11f, 0.016f},      /* knife */
  {0.014f, 0.17f, 0.1f},        /* board */
  {0.012f, 0.1f, 0.085f},       /* pan */
  {0.075f, 0.075f, 0.02f},      /* box */
  {0.006f, 0.07f, 0.012f},      /* spoon */
  {0.03f, 0.095f, 0.03f},       /* bread */
  {0.004f, 0.095f, 0.064f},     /* towel */
  {0.008f, 0.088f, 0.062f},     /* plate */
  {0.01f, 0.038f, 0.024f},      /* sponge */
  {0.024f, 0.032f, 0.012f},     /* apple */
  {0.006f, 0.065f, 0.014f},     /* carrot */
};

void
ego_shapes_shadow (EgoShapeList * list, const EgoObject * o,
    const EgoXform * base, float lift, float dx, float dy)
{
  static const float black[3] = { 0.0f, 0.0f, 0.0f };
  const float *f = footprints[o->kind];
  EgoXform xf = ego_xform_mul (*base, ego_xform_translate (dx, f[0] + dy));
  EgoShape *s = add_shape (list, EGO_SHAPE_ELLIPSE, xf, black, 0,
      EGO_SHAPE_NO_ITEM);

  set_p (s, f[1] * (1.0f + 0.3f * lift), f[2] * (1.0f + 0.5f * lift) +
      0.004f, 0, 0);
  s->shading = EGO_SHADE_SHADOW;
  s->alpha = 0.42f * (1.0f - 0.75f * CLAMP (lift, 0.0f, 1.0f));
  s->soft = 0.012f + 0.03f * lift;
}

void
ego_shapes_hand (EgoShapeList * list, const EgoXform * frame, float grip,
    EgoHand side, const EgoKitchen * k, guint16 key, guint8 item)
{
  /* seen from above, palms down: the right hand's thumb is on its left */
  float sgn = side == EGO_HAND_RIGHT ? -1.0f : 1.0f;
  static const float finger_y[4] = { 0.027f, 0.009f, -0.009f, -0.026f };
  static const float finger_len[4] = { 0.068f, 0.076f, 0.071f, 0.056f };
  static const float finger_fan[4] = { 0.1f, 0.03f, -0.05f, -0.14f };
  float curl = 1.0f - 0.4f * grip, knuckle[3];
  EgoXform xf;
  EgoShape *s;

  s = add_shape (list, EGO_SHAPE_CAPSULE, *frame, k->sleeve, key, item);
  set_p (s, -1.4f, -0.1f, 0.085f, 0.05f);
  s->shading = EGO_SHADE_CYLINDER;
  s = add_shape (list, EGO_SHAPE_CAPSULE, *frame, k->skin, key + 1, item);
  set_p (s, -0.13f, 0.02f, 0.034f, 0.031f);
  s->shading = EGO_SHADE_CYLINDER;
  shade (k->skin, 0.94f, knuckle);
  for (int i = 0; i < 4; i++) {
    xf = ego_xform_mul (*frame, ego_xform_mul (ego_xform_translate (0.08f,
                sgn * finger_y[i]), ego_xform_rotate (sgn * finger_fan[i] *
                (1.0f - grip))));
    s = add_shape (list, EGO_SHAPE_CAPSULE, xf, knuckle, key + 2 + i, item);
    set_p (s, 0.0f, finger_len[i] * curl, 0.0105f, 0.0088f);
    s->shading = EGO_SHADE_CYLINDER;
  }
  xf = ego_xform_mul (*frame, ego_xform_mul (ego_xform_translate (0.035f,
              sgn * 0.034f), ego_xform_rotate (sgn * (0.8f - 0.45f * grip))));
  s = add_shape (list, EGO_SHAPE_CAPSULE, xf, k->skin, key + 6, item);
  set_p (s, 0.0f, 0.05f, 0.0135f, 0.0115f);
  s->shading = EGO_SHADE_CYLINDER;
  /* the back of the hand: narrow at the wrist, wide at the knuckles */
  s = add_shape (list, EGO_SHAPE_TRAPEZOID, ego_xform_mul (*frame,
          ego_xform_mul (ego_xform_translate (0.047f, 0.0f),
              ego_xform_rotate (-(float) G_PI_2))), k->skin, key + 7, item);
  set_p (s, 0.033f, 0.046f, 0.047f, 0.016f);
  s->shading = EGO_SHADE_CYLINDER;
  s->gloss = 0.15f;
}

void
ego_shapes_stream (EgoShapeList * list, float x0, float y0, float x1,
    float y1, float width, const float rgb[3], guint16 key)
{
  float dx = x1 - x0, dy = y1 - y0, len = sqrtf (dx * dx + dy * dy);
  EgoXform xf = ego_xform_mul (ego_xform_translate (x0, y0),
      ego_xform_rotate (atan2f (dy, dx)));
  EgoShape *s = add_shape (list, EGO_SHAPE_CAPSULE, xf, rgb, key,
      EGO_SHAPE_NO_ITEM);

  set_p (s, 0.0f, len, width * 0.8f, width);
  s->shading = EGO_SHADE_CYLINDER;
  s->gloss = 0.5f;
  s->alpha = 0.85f;
}

static float
smooth (float u)
{
  u = CLAMP (u, 0.0f, 1.0f);
  return u * u * (3.0f - 2.0f * u);
}

/* The body of a thing that opens, its lid left out, in its own
 * coordinates: half width, top and bottom; where its lid's centre sits
 * when closed; and where on the lid a hand holds it, from the lid's
 * centre (a box's top, as wide as the box, near its far edge: at the top
 * of the box, where a cap or a jar's lid is held). */
static void
openable_body (const EgoObject * o, float *hw, float *top, float *bottom,
    float *home_y, float *grip_y)
{
  *grip_y = 0.0f;
  if (o->kind == EGO_NOUN_BOTTLE) {
    float body_hy = o->variant == 0 ? 0.07f : 0.06f;
    *hw = o->variant == 2 ? 0.036f : 0.03f;
    *top = 0.021f - 2 * body_hy;
    *bottom = 0.1f;
    *home_y = 0.021f - 2 * body_hy;
  } else if (o->kind == EGO_NOUN_JAR) {
    *hw = 0.045f;
    *top = -0.052f;
    *bottom = o->variant == 1 ? 0.062f : 0.057f;
    *home_y = -0.045f;
  } else {                      /* a box, its lid the whole top */
    *hw = 0.07f;
    *top = -0.066f;
    *bottom = 0.074f;
    *home_y = -0.02f;
    *grip_y = -0.035f;
  }
}

/* A lid, cap or box top lifts off, tilts, and is put down beside its
 * thing, clear of it. The path is that of the point the hand holds, drawn
 * per object in units of the body's box, the same way for every kind, so
 * that the hand that carries it does not tell a bottle from a jar or a
 * box. */
EgoXform
ego_object_lid_xform (const EgoObject * o, float lid)
{
  float hw, top, bottom, home_y, grip_y, h, side, up_x, up_y, up_a, rest_x,
      rest_y, rest_a, x, y, a, u;

  openable_body (o, &hw, &top, &bottom, &home_y, &grip_y);
  h = bottom - top;
  side = synth_hash2f (o->seed, 71) < 0.5f ? -1.0f : 1.0f;
  up_x = side * 0.15f * hw;
  up_y = top - (0.15f + 0.25f * synth_hash2f (o->seed, 72)) * h;
  up_a = side * 0.3f;
  /* at least a body width from the middle: a lid as wide as the body
   * clears it */
  rest_x = side * (1.05f + 0.8f * synth_hash2f (o->seed, 73)) * 2.0f * hw;
  rest_y = bottom - (0.1f + 0.3f * synth_hash2f (o->seed, 74)) * h;
  rest_a = 0.6f * (synth_hash2f (o->seed, 75) - 0.5f);
  if (lid < 0.5f) {
    u = smooth (lid * 2.0f);
    x = up_x * u;
    y = (home_y + grip_y) + (up_y - home_y - grip_y) * u;
    a = up_a * u;
  } else {
    u = smooth (lid * 2.0f - 1.0f);
    x = up_x + (rest_x - up_x) * u;
    y = up_y + (rest_y - up_y) * u;
    a = up_a + (rest_a - up_a) * u;
  }
  /* (x, y) is where the held point goes; the lid turns about it */
  return ego_xform_mul (ego_xform_translate (x, y),
      ego_xform_mul (ego_xform_rotate (a), ego_xform_translate (0.0f,
              -grip_y)));
}

static void
body_point (const EgoObject * o, EgoPoint which, float dir, float *x, float *y)
{
  /* grasp, opening, spout, tip, base per kind; spout x takes dir's sign */
  static const float pts[EGO_N_KINDS][5][2] = {
    {{0.045f, 0.005f}, {0.0f, -0.05f}, {0.045f, -0.05f}, {0.0f, -0.05f},
        {0.0f, 0.05f}},
    {{0.08f, 0.0f}, {0.0f, -0.018f}, {0.08f, -0.02f}, {0.0f, -0.02f},
        {0.0f, 0.045f}},
    {{0.03f, 0.03f}, {0.0f, -0.1f}, {0.0f, -0.12f}, {0.0f, -0.1f},
        {0.0f, 0.1f}},
    {{0.045f, 0.012f}, {0.0f, -0.042f}, {0.04f, -0.045f}, {0.0f, -0.042f},
        {0.0f, 0.057f}},
    {{-0.06f, 0.0f}, {0.0f, 0.0f}, {0.1f, 0.0f}, {0.09f, 0.0f},
        {0.0f, 0.0f}},
    {{0.15f, 0.03f}, {0.0f, 0.0f}, {0.15f, 0.0f}, {0.0f, 0.0f},
        {0.0f, 0.0f}},
    {{-0.2f, 0.0f}, {0.0f, 0.0f}, {0.09f, 0.0f}, {0.0f, 0.0f},
        {0.0f, 0.0f}},
    {{0.07f, 0.03f}, {0.0f, -0.02f}, {0.07f, -0.07f}, {0.0f, -0.02f},
        {0.0f, 0.07f}},
    {{-0.065f, 0.0f}, {0.0f, 0.0f}, {0.05f, 0.0f}, {0.045f, 0.0f},
        {0.0f, 0.0f}},
    {{0.085f, 0.0f}, {0.0f, 0.0f}, {0.09f, 0.0f}, {0.0f, 0.0f},
        {0.0f, 0.03f}},
  };
  guint k = MIN (o->kind, EGO_N_NOUNS - 1);
  guint i = which == EGO_POINT_GRASP ? 0 : which == EGO_POINT_OPENING ? 1 :
      which == EGO_POINT_SPOUT ? 2 : which == EGO_POINT_TIP ? 3 : 4;

  /* grasps and spouts are on the side dir points to */
  *x = pts[k][i][0] * ((i == 0 || i == 2) && dir < 0 ? -1.0f : 1.0f);
  *y = pts[k][i][1];
  /* a bottle's mouth depends on its height */
  if (o->kind == EGO_NOUN_BOTTLE && (i == 1 || i == 2 || i == 3))
    *y = 0.02f - 2.0f * (o->variant == 0 ? 0.07f : 0.06f);
}

void
ego_object_body_box (const EgoObject * o, const EgoXform * base,
    float box[4])
{
  EgoShape shapes[32];
  EgoShapeList list = { shapes, 0, G_N_ELEMENTS (shapes) - 1 };
  EgoXform one = ego_xform_translate (0.0f, 0.0f);

  box[0] = box[1] = G_MAXFLOAT;
  box[2] = box[3] = -G_MAXFLOAT;
  ego_shapes_object (&list, o, base ? base : &one, 0.0f, 0,
      EGO_SHAPE_NO_ITEM);
  for (guint i = 0; i < list.n; i++) {
    float b[4];
    if (shapes[i].loose)
      continue;
    ego_shape_bounds (&shapes[i], b);
    box[0] = MIN (box[0], b[0]);
    box[1] = MIN (box[1], b[1]);
    box[2] = MAX (box[2], b[2]);
    box[3] = MAX (box[3], b[3]);
  }
}

/* A knife, a spoon and a pan are held by their long handles; everything
 * else (a cup too) at the side of its box, at a height drawn per object,
 * the same way for every kind: where a hand holds a cup, a bottle, a jar
 * or a loaf then does not tell which it is. The height stays below a
 * bottle's neck. */
static gboolean
side_grasp (const EgoObject * o, float dir, float *x, float *y)
{
  float box[4], f;

  if (ego_kind_has_handle (o->kind) || o->kind >= EGO_N_NOUNS)
    return FALSE;
  ego_object_body_box (o, NULL, box);
  f = 0.35f + 0.5f * synth_hash2f (o->seed, 91);
  *x = dir < 0 ? box[0] + 0.12f * (box[2] - box[0]) :
      box[2] - 0.12f * (box[2] - box[0]);
  *y = box[1] + f * (box[3] - box[1]);
  return TRUE;
}

void
ego_object_point (const EgoObject * o, EgoPoint which, float lid, float dir,
    float *x, float *y)
{
  if (which == EGO_POINT_GRASP && side_grasp (o, dir, x, y))
    return;
  if (which == EGO_POINT_LID) {
    EgoXform xf = ego_object_lid_xform (o, lid);
    float hw, top, bottom, home_y, grip_y;
    openable_body (o, &hw, &top, &bottom, &home_y, &grip_y);
    ego_xform_apply (&xf, 0.0f, grip_y, x, y);
    return;
  }
  body_point (o, which, dir, x, y);
}

void
ego_shape_bounds (const EgoShape * s, float box[4])
{
  const EgoXform *m = &s->xf;
  float ex, ey, lx0, lx1, ly0, ly1;

  if (s->kind == EGO_SHAPE_ELLIPSE) {
    float rx = s->p[0] + s->soft, ry = s->p[1] + s->soft;
    ex = sqrtf (m->a * m->a * rx * rx + m->b * m->b * ry * ry);
    ey = sqrtf (m->c * m->c * rx * rx + m->d * m->d * ry * ry);
    box[0] = m->tx - ex;
    box[1] = m->ty - ey;
    box[2] = m->tx + ex;
    box[3] = m->ty + ey;
    return;
  }
  switch (s->kind) {
    case EGO_SHAPE_BOX:
      lx0 = -s->p[0], lx1 = s->p[0], ly0 = -s->p[1], ly1 = s->p[1];
      break;
    case EGO_SHAPE_CAPSULE:{
      float r = MAX (s->p[2], s->p[3]);
      lx0 = MIN (s->p[0], s->p[1]) - r, lx1 = MAX (s->p[0], s->p[1]) + r;
      ly0 = -r, ly1 = r;
      break;
    }
    case EGO_SHAPE_TRAPEZOID:
      lx1 = MAX (s->p[0], s->p[1]), lx0 = -lx1, ly0 = -s->p[2], ly1 = s->p[2];
      break;
    default:                   /* arc */
      lx0 = -s->p[1], lx1 = s->p[0] + s->p[1];
      ly1 = s->p[0] + s->p[1], ly0 = -ly1;
      break;
  }
  lx0 -= s->soft, ly0 -= s->soft, lx1 += s->soft, ly1 += s->soft;
  {
    float cx = 0.5f * (lx0 + lx1), cy = 0.5f * (ly0 + ly1);
    float hx = 0.5f * (lx1 - lx0), hy = 0.5f * (ly1 - ly0), px, py;
    ego_xform_apply (m, cx, cy, &px, &py);
    ex = fabsf (m->a) * hx + fabsf (m->b) * hy;
    ey = fabsf (m->c) * hx + fabsf (m->d) * hy;
    box[0] = px - ex;
    box[1] = py - ey;
    box[2] = px + ex;
    box[3] = py + ey;
  }
}
