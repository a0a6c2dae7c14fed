/* 2-D affine maps of the synthetic kitchen: x' = a x + b y + tx,
 * y' = c x + d y + ty. Every part of every thing is drawn through one, so
 * the true motion of a point between two instants is the composition of
 * the part's map at the second instant with the inverse at the first. */
#ifndef EGO_SYNTH_XFORM_H
#define EGO_SYNTH_XFORM_H

#include <math.h>

typedef struct
{
  float a, b, c, d, tx, ty;
} EgoXform;

static inline EgoXform
ego_xform_identity (void)
{
  EgoXform m = { 1.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f };
  return m;
}

static inline EgoXform
ego_xform_translate (float x, float y)
{
  EgoXform m = { 1.0f, 0.0f, 0.0f, 1.0f, x, y };
  return m;
}

/* rotation by angle radians; with y pointing down, positive turns
 * clockwise on screen */
static inline EgoXform
ego_xform_rotate (float angle)
{
  float c = cosf (angle), s = sinf (angle);
  EgoXform m = { c, -s, s, c, 0.0f, 0.0f };
  return m;
}

static inline EgoXform
ego_xform_scale (float sx, float sy)
{
  EgoXform m = { sx, 0.0f, 0.0f, sy, 0.0f, 0.0f };
  return m;
}

/* m o n: first n, then m */
static inline EgoXform
ego_xform_mul (EgoXform m, EgoXform n)
{
  EgoXform r;
  r.a = m.a * n.a + m.b * n.c;
  r.b = m.a * n.b + m.b * n.d;
  r.c = m.c * n.a + m.d * n.c;
  r.d = m.c * n.b + m.d * n.d;
  r.tx = m.a * n.tx + m.b * n.ty + m.tx;
  r.ty = m.c * n.tx + m.d * n.ty + m.ty;
  return r;
}

/* translate to (x, y), turn by angle, scale by s (x stretched by aspect) */
static inline EgoXform
ego_xform_pose (float x, float y, float angle, float s, float aspect)
{
  EgoXform m = ego_xform_rotate (angle);
  m.a *= s * aspect;
  m.c *= s * aspect;
  m.b *= s;
  m.d *= s;
  m.tx = x;
  m.ty = y;
  return m;
}

static inline EgoXform
ego_xform_invert (EgoXform m)
{
  float det = m.a * m.d - m.b * m.c;
  float inv = det != 0.0f ? 1.0f / det : 0.0f;
  EgoXform r;
  r.a = m.d * inv;
  r.b = -m.b * inv;
  r.c = -m.c * inv;
  r.d = m.a * inv;
  r.tx = -(r.a * m.tx + r.b * m.ty);
  r.ty = -(r.c * m.tx + r.d * m.ty);
  return r;
}

static inline void
ego_xform_apply (const EgoXform * m, float x, float y, float *ox, float *oy)
{
  float nx = m->a * x + m->b * y + m->tx;
  float ny = m->c * x + m->d * y + m->ty;
  *ox = nx;
  *oy = ny;
}

/* how much the map scales lengths, on average */
static inline float
ego_xform_scale_of (const EgoXform * m)
{
  return sqrtf (fabsf (m->a * m->d - m->b * m->c));
}

#endif /* EGO_SYNTH_XFORM_H */
