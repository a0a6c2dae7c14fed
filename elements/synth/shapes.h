/* The look of every class of thing in the synthetic kitchen, and of the
 * hands: each is a few simple shapes (ellipses, rounded boxes, tapered
 * capsules, trapezoids, half rings) with a colour, a texture pattern and a
 * kind of shading, each drawn through its own affine map. */
#ifndef EGO_SYNTH_SHAPES_H
#define EGO_SYNTH_SHAPES_H

#include <glib.h>

#include "scenario.h"
#include "xform.h"

G_BEGIN_DECLS

typedef enum
{
  EGO_SHAPE_ELLIPSE,            /* p: rx, ry */
  EGO_SHAPE_BOX,                /* p: half width, half height, corner radius */
  EGO_SHAPE_CAPSULE,            /* p: x0, x1, r0, r1 along the x axis */
  EGO_SHAPE_TRAPEZOID,          /* p: half width at top, at bottom, half height, corner radius */
  EGO_SHAPE_ARC                 /* p: radius, half thickness; the x >= 0 half of a ring */
} EgoShapeKind;

/* Texture patterns: a mask that mixes a shape's two colours. */
typedef enum
{
  EGO_PATTERN_NONE,
  EGO_PATTERN_WOOD,
  EGO_PATTERN_SPECKLE,
  EGO_PATTERN_STRIPES,
  EGO_PATTERN_DOTS,
  EGO_PATTERN_CHECK,
  EGO_PATTERN_FIBRE,
  EGO_PATTERN_BRUSHED,
  EGO_PATTERN_RIDGES,
  EGO_PATTERN_CRUST,
  EGO_PATTERN_LABEL,
  EGO_N_PATTERNS
} EgoPattern;

typedef enum
{
  EGO_SHADE_FLAT,
  EGO_SHADE_CYLINDER,           /* lit like an upright cylinder, or a capsule's tube */
  EGO_SHADE_DOME,               /* lit like a bulge */
  EGO_SHADE_METAL,              /* a cylinder with a sharp highlight */
  EGO_SHADE_SHADOW              /* a soft dark blot */
} EgoShading;

#define EGO_SHAPE_NO_ITEM 255

typedef struct
{
  guint8 kind;                  /* EgoShapeKind */
  guint8 pattern;               /* EgoPattern */
  guint8 shading;               /* EgoShading */
  guint8 item;                  /* the scene item it belongs to, or EGO_SHAPE_NO_ITEM */
  guint8 loose;                 /* a part that comes off (a lid): not in the item's box */
  guint16 key;                  /* stable identity across instants */
  float p[4];
  EgoXform xf;                  /* shape coordinates -> view coordinates */
  float rgb[3], rgb2[3];        /* colour, and the pattern's second colour */
  float alpha;
  float gloss;                  /* strength of the highlight */
  float soft;                   /* edge blur, in shape units */
  float tex_scale;              /* pattern tiles per shape unit */
  float tex_u, tex_v;           /* pattern offset, in tiles */
} EgoShape;

typedef struct
{
  EgoShape *shapes;
  guint n, max;
} EgoShapeList;

/* Points of a thing, in its own coordinates. */
typedef enum
{
  EGO_POINT_GRASP,              /* where a hand holds it (x sign: side) */
  EGO_POINT_LID,                /* where a hand holds its lid, cap or box top */
  EGO_POINT_OPENING,            /* the middle of its opening */
  EGO_POINT_SPOUT,              /* where liquid leaves it (x sign: side) */
  EGO_POINT_TIP,                /* the working end of a tool */
  EGO_POINT_BASE                /* the middle of where it stands */
} EgoPoint;

/* Appends the shapes of o, drawn through base (object coordinates -> view),
 * with its lid, cap or box top open by lid (0..1). Shapes get keys key, key+1,
 * ... in a fixed order, so the same part has the same key at any time. */
void ego_shapes_object (EgoShapeList * list, const EgoObject * o,
    const EgoXform * base, float lid, guint16 key, guint8 item);

/* Appends o's shadow on the counter; lift (0..1) weakens and spreads it. */
void ego_shapes_shadow (EgoShapeList * list, const EgoObject * o,
    const EgoXform * base, float lift, float dx, float dy);

/* Appends a hand and its forearm: frame maps hand coordinates (origin at
 * the wrist, x towards the fingers) to view coordinates; grip closes the
 * fingers (0..1). The first n_hand_shapes shapes are the arm and sleeve,
 * the rest the hand proper. */
void ego_shapes_hand (EgoShapeList * list, const EgoXform * frame,
    float grip, EgoHand side, const EgoKitchen * kitchen, guint16 key,
    guint8 item);
#define EGO_SHAPES_ARM_PARTS 2

/* Appends a stream of liquid from (x0, y0) to (x1, y1), view coordinates. */
void ego_shapes_stream (EgoShapeList * list, float x0, float y0, float x1,
    float y1, float width, const float rgb[3], guint16 key);

/* A point of o in its own coordinates, with its lid open by lid. */
void ego_object_point (const EgoObject * o, EgoPoint which, float lid,
    float dir, float *x, float *y);

/* The box of o's body, its lid left out, in its own coordinates mapped
 * by base (NULL: as they are): x0, y0, x1, y1. */
void ego_object_body_box (const EgoObject * o, const EgoXform * base,
    float box[4]);

/* Maps the object's coordinates to those of its lid part, open by lid. */
EgoXform ego_object_lid_xform (const EgoObject * o, float lid);

/* Bounding box of a shape in view coordinates. */
void ego_shape_bounds (const EgoShape * s, float box[4]);

G_END_DECLS

#endif /* EGO_SYNTH_SHAPES_H */
