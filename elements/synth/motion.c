/* How each verb moves the hands and things, see motion.h.
 *
 * Every action has three phases in its canonical direction: the hand
 * reaches from rest to the thing, the verb's own motion, and the hand goes
 * back to rest. The reversed verbs evaluate the same function at the
 * mirrored time, so put is take played backwards, close is open backwards,
 * and so on: frame for frame the same pictures, in the opposite order. */
#include "motion.h"

#include <string.h>

#include "synthrand.h"

/* Shoulders, below the frame, where the arms come from. */
#define SHOULDER_X 0.5f
#define SHOULDER_Y 1.7f
#define HAND_SCALE 1.45f

float
ego_smooth (float u)
{
  u = CLAMP (u, 0.0f, 1.0f);
  return u * u * (3.0f - 2.0f * u);
}

static float
lerpf (float a, float b, float u)
{
  return a + (b - a) * u;
}

/* from angle a towards b the short way */
static float
lerp_angle (float a, float b, float u)
{
  float d = remainderf (b - a, 2.0f * (float) G_PI);
  return a + d * u;
}

/* Things further up the view are further away: smaller. */
float
ego_persp (float y)
{
  return 1.35f * (0.6f + 0.65f * y);
}

EgoPose
ego_counter_pose (float x, float y, float angle)
{
  EgoPose p = { x, y, angle, ego_persp (y), 0.0f, y };
  return p;
}

static EgoPose
pose_mix (const EgoPose * a, const EgoPose * b, float u)
{
  EgoPose p;
  p.x = lerpf (a->x, b->x, u);
  p.y = lerpf (a->y, b->y, u);
  p.angle = lerp_angle (a->angle, b->angle, u);
  p.s = lerpf (a->s, b->s, u);
  p.lift = lerpf (a->lift, b->lift, u);
  p.ground_y = lerpf (a->ground_y, b->ground_y, u);
  return p;
}

EgoXform
ego_pose_xform (const EgoPose * p, const EgoObject * o)
{
  return ego_xform_pose (p->x, p->y, p->angle, p->s * o->size, o->aspect);
}

EgoXform
ego_hand_xform (const EgoKitchen * k, const EgoHandPose * h)
{
  return ego_xform_pose (h->x, h->y, h->angle, HAND_SCALE * k->hand_size, 1.0f);
}

/* A slow wandering in -1..1, different per seed and channel. */
float
ego_wander (guint32 seed, guint channel, double t, float freq)
{
  float p1 = synth_hash2f (seed, channel) * 6.2832f;
  float p2 = synth_hash2f (seed, channel + 101) * 6.2832f;
  return 0.6f * sinf ((float) (t * freq * 6.2832) + p1) +
      0.4f * sinf ((float) (t * freq * 2.71 * 6.2832) + p2);
}

static float
side_sign (EgoHand side)
{
  return side == EGO_HAND_RIGHT ? 1.0f : -1.0f;
}

EgoHandPose
ego_hand_rest (const EgoKitchen * k, EgoHand side, double t)
{
  float sgn = side_sign (side);
  EgoHandPose h;

  /* idle hands are never quite still */
  h.x = sgn * 0.34f + 0.01f * ego_wander (k->seed, 2 * side, t, 0.31f);
  h.y = k->rest_y + 0.012f * ego_wander (k->seed, 2 * side + 1, t, 0.23f);
  h.angle = atan2f (h.y - SHOULDER_Y, h.x - sgn * SHOULDER_X);
  h.grip = 0.25f;
  h.contact = FALSE;
  return h;
}

EgoHandPose
ego_hand_on (const EgoKitchen * k, EgoHand side, const EgoObject * o,
    const EgoPose * p, float lx, float ly, float depth)
{
  EgoXform m = ego_pose_xform (p, o);
  float gx, gy, dx, dy, len, reach;
  EgoHandPose h;

  ego_xform_apply (&m, lx, ly, &gx, &gy);
  /* the arm points from the shoulder through the wrist to the grip */
  dx = gx - side_sign (side) * SHOULDER_X;
  dy = gy - SHOULDER_Y;
  len = sqrtf (dx * dx + dy * dy);
  dx /= len;
  dy /= len;
  /* deeper grips put more of the fingers over the thing */
  reach = (0.135f - 0.07f * depth) * HAND_SCALE * k->hand_size;
  h.x = gx - dx * reach;
  h.y = gy - dy * reach;
  h.angle = atan2f (dy, dx);
  h.grip = 1.0f;
  h.contact = TRUE;
  return h;
}

EgoHandPose
ego_hand_mix (const EgoHandPose * a, const EgoHandPose * b, float u)
{
  EgoHandPose h;
  h.x = lerpf (a->x, b->x, u);
  h.y = lerpf (a->y, b->y, u);
  h.angle = lerp_angle (a->angle, b->angle, u);
  h.grip = lerpf (a->grip, b->grip, u);
  h.contact = u < 0.5f ? a->contact : b->contact;
  return h;
}

static float
action_length (const EgoAction * a)
{
  return (float) (a->end - a->start);
}

/* progress 0..1 through the verb's own motion, s in canonical seconds */
static float
main_progress (const EgoAction * a, float s)
{
  float m = action_length (a) - a->reach - a->retract;
  return CLAMP ((s - a->reach) / m, 0.0f, 1.0f);
}

/* A hand that reaches from rest to hold, keeps hold, and goes back: it
 * touches the thing exactly between the end of the reach and the start of
 * the retreat. */
static EgoHandPose
working_hand (const EgoKitchen * k, const EgoAction * a, EgoHand side,
    float s, double t, const EgoHandPose * hold)
{
  float end = action_length (a) - a->retract;
  EgoHandPose rest = ego_hand_rest (k, side, t), h = *hold;

  if (s < a->reach) {
    float u = s / a->reach;
    h = ego_hand_mix (&rest, hold, ego_smooth (u));
    h.grip = 0.25f + 0.75f * ego_smooth ((u - 0.6f) / 0.4f);
    h.contact = FALSE;
  } else if (a->retract > 0.0f && s > end) {
    float u = (s - end) / a->retract;
    h = ego_hand_mix (hold, &rest, ego_smooth (u));
    h.grip = 1.0f - 0.75f * ego_smooth (u / 0.4f);
    h.contact = FALSE;
  }
  return h;
}

float
ego_grasp_side (const EgoObject * o, EgoHand side)
{
  /* things with handles are held by them, the handle facing the hand */
  if (ego_kind_has_handle (o->kind))
    return 1.0f;
  return cosf (o->angle) * side_sign (side) >= 0.0f ? 1.0f : -1.0f;
}

static EgoHandPose
hand_on_point (const EgoKitchen * k, const EgoAction * a, EgoHand side,
    const EgoObject * o, const EgoPose * p, EgoPoint which, float lid)
{
  float lx, ly;
  ego_object_point (o, which, lid, ego_grasp_side (o, side), &lx, &ly);
  return ego_hand_on (k, side, o, p, lx, ly, a->grasp_depth);
}

/* A hand wraps a tool's handle rather than covering the tool. */
static EgoHandPose
tool_hand (const EgoKitchen * k, const EgoAction * a, const EgoObject * tool,
    const EgoPose * p)
{
  float lx, ly;
  ego_object_point (tool, EGO_POINT_GRASP, 0.0f, 0.0f, &lx, &ly);
  return ego_hand_on (k, a->hand, tool, p, lx, ly, 0.15f);
}

/* The other hand steadies the object by its far side. */
static void
helper_hand (const EgoKitchen * k, const EgoAction * a, const EgoObject * o,
    const EgoPose * p, float s, double t, EgoActionState * st)
{
  EgoHand side = a->hand == EGO_HAND_RIGHT ? EGO_HAND_LEFT : EGO_HAND_RIGHT;
  float sgn = side_sign (side), gx, gy, lx, ly, box[4];
  EgoXform m = ego_pose_xform (p, o);
  EgoHandPose hold;

  /* near the edge of its body, whatever the kind: the body is the box
   * about the middle out to its nearer side, so that a pan's or a cup's
   * handle does not pull the far hand into the middle */
  ego_object_point (o, EGO_POINT_GRASP, 0.0f, 0.0f, &lx, &ly);
  ego_object_body_box (o, NULL, box);
  lx = 0.85f * MIN (-box[0], box[2]);
  ego_xform_apply (&m, lx, ly, &gx, &gy);
  if ((gx - p->x) * sgn < 0.0f)
    lx = -lx;
  hold = ego_hand_on (k, side, o, p, lx, ly, 0.15f);
  st->hand[side] = working_hand (k, a, side, s, t, &hold);
}

static void
eval_take (const EgoKitchen * k, const EgoAction * a, float s, double t,
    EgoActionState * st)
{
  const EgoObject *o = &a->object;
  float e = ego_smooth (main_progress (a, s));
  EgoPose p;
  EgoHandPose hold;

  /* up off the counter, then towards the body, growing as it nears */
  p.x = lerpf (o->x, a->hold_x, e);
  p.ground_y = lerpf (o->y, a->hold_y, e);
  p.y = p.ground_y - a->amount * sinf ((float) G_PI * e);
  p.angle = lerp_angle (o->angle, o->angle * 0.4f, e);
  p.s = lerpf (ego_persp (o->y), ego_persp (a->hold_y) * a->hold_scale, e);
  p.lift = e;
  st->obj = p;
  hold = hand_on_point (k, a, a->hand, o, &p, EGO_POINT_GRASP, 0.0f);
  st->hand[a->hand] = working_hand (k, a, a->hand, s, t, &hold);
  st->obj_held = st->hand[a->hand].contact;
}

static void
eval_open (const EgoKitchen * k, const EgoAction * a, float s, double t,
    EgoActionState * st)
{
  const EgoObject *o = &a->object;
  EgoHandPose hold;

  st->lid = main_progress (a, s);
  hold = hand_on_point (k, a, a->hand, o, &st->obj, EGO_POINT_LID, st->lid);
  st->hand[a->hand] = working_hand (k, a, a->hand, s, t, &hold);
  if (a->helper)
    helper_hand (k, a, o, &st->obj, s, t, st);
  st->obj_held = st->hand[a->hand].contact;
}

static void
eval_move_or_rotate (const EgoKitchen * k, const EgoAction * a, float s,
    double t, EgoActionState * st)
{
  const EgoObject *o = &a->object;
  float e = ego_smooth (main_progress (a, s));
  EgoHandPose hold;

  if (ego_verb_canonical (a->verb) == EGO_VERB_MOVE_LEFT)
    st->obj = ego_counter_pose (o->x - a->amount * e, o->y, o->angle);
  else
    st->obj = ego_counter_pose (o->x, o->y, o->angle + a->amount * (e - 0.5f));
  hold = hand_on_point (k, a, a->hand, o, &st->obj, EGO_POINT_GRASP, 0.0f);
  st->hand[a->hand] = working_hand (k, a, a->hand, s, t, &hold);
  st->obj_held = st->hand[a->hand].contact;
}

/* Lift the container over the target, tip it, pour, tip back, put it
 * back. */
static void
eval_pour (const EgoKitchen * k, const EgoAction * a, float s, double t,
    EgoActionState * st)
{
  const EgoObject *o = &a->object, *target = &a->tool;
  float u = main_progress (a, s);
  float toward = target->x < o->x ? -1.0f : 1.0f;
  EgoPose base = ego_counter_pose (o->x, o->y, o->angle), up, tipped;
  EgoXform tm = ego_pose_xform (&st->tool, target), turn;
  float ox, oy, sx, sy, rx, ry;
  EgoHandPose hold;

  ego_object_point (target, EGO_POINT_OPENING, 0.0f, 0.0f, &ox, &oy);
  ego_xform_apply (&tm, ox, oy, &ox, &oy);
  /* anywhere over the opening, not always its middle */
  ox += (synth_hash2f (o->seed, 83) - 0.5f) * 0.06f * st->tool.s;
  up = base;
  up.s = base.s * 1.1f;
  up.lift = 0.6f;
  up.angle = o->angle;
  tipped = up;
  tipped.angle = o->angle + toward * a->amount;
  /* place it so that the tipped spout is right above the opening */
  ego_object_point (o, EGO_POINT_SPOUT, 0.0f, toward, &sx, &sy);
  turn = ego_xform_pose (0.0f, 0.0f, tipped.angle, up.s * o->size, o->aspect);
  ego_xform_apply (&turn, sx, sy, &rx, &ry);
  up.x = tipped.x = ox - rx;
  /* the spout's height over the opening is drawn per pour */
  up.y = tipped.y = oy - (0.06f + 0.14f * synth_hash2f (o->seed, 81)) - ry;
  up.ground_y = tipped.ground_y = lerpf (o->y, target->y, 0.5f);

  if (u < 0.25f)
    st->obj = pose_mix (&base, &up, ego_smooth (u / 0.25f));
  else if (u < 0.38f)
    st->obj = pose_mix (&up, &tipped, ego_smooth ((u - 0.25f) / 0.13f));
  else if (u < 0.65f)
    st->obj = tipped;
  else if (u < 0.78f)
    st->obj = pose_mix (&tipped, &up, ego_smooth ((u - 0.65f) / 0.13f));
  else
    st->obj = pose_mix (&up, &base, ego_smooth ((u - 0.78f) / 0.22f));
  st->stream = ego_smooth ((u - 0.33f) / 0.06f) *
      (1.0f - ego_smooth ((u - 0.63f) / 0.05f));
  hold = hand_on_point (k, a, a->hand, o, &st->obj, EGO_POINT_GRASP, 0.0f);
  st->hand[a->hand] = working_hand (k, a, a->hand, s, t, &hold);
  st->obj_held = st->hand[a->hand].contact;
  if (a->helper)
    helper_hand (k, a, target, &st->tool, s, t, st);
}

EgoPose
ego_tool_carried (const EgoKitchen * k, const EgoAction * a)
{
  float sgn = side_sign (a->hand);
  EgoPose p;

  /* held up near the body, pointing away from the hand's side */
  p.x = sgn * 0.24f;
  p.y = k->rest_y - 0.2f;
  p.angle = sgn > 0 ? -2.1f : -1.04f;
  p.s = ego_persp (p.y) * 1.05f;
  p.lift = 1.0f;
  p.ground_y = p.y;
  return p;
}

/* The knife saws up and down over the object, hitting it at the bottom of
 * every stroke; the other hand holds the object. */
static void
eval_cut (const EgoKitchen * k, const EgoAction * a, float s, double t,
    EgoActionState * st)
{
  const EgoObject *o = &a->object, *knife = &a->tool;
  float sgn = side_sign (a->hand);
  float tau = CLAMP (s - a->reach, 0.0f,
      action_length (a) - a->reach - a->retract);
  float up = a->amount * 0.5f * (1.0f - cosf (6.2832f * a->rate * tau));
  EgoPose carried = ego_tool_carried (k, a), work;
  EgoXform turn;
  float bx, by;

  work.angle = (sgn > 0 ? (float) G_PI : 0.0f) + sgn * 0.3f;
  work.s = ego_persp (o->y) * (1.05f + 0.8f * up);
  turn = ego_xform_pose (0.0f, 0.0f, work.angle, work.s * knife->size, 1.0f);
  /* the middle of the blade over the middle of the object */
  ego_xform_apply (&turn, knife->variant == 1 ? 0.035f : 0.06f, 0.0f, &bx, &by);
  /* each stroke cuts a little further towards the hand */
  work.x = o->x - bx + sgn * 0.01f * a->rate * tau;
  work.y = o->y - by - 0.012f - up;
  work.lift = 1.0f;
  work.ground_y = o->y;
  if (s < a->reach)
    st->tool = pose_mix (&carried, &work, ego_smooth (s / a->reach));
  else if (s > action_length (a) - a->retract)
    st->tool = pose_mix (&work, &carried, ego_smooth ((s -
                action_length (a) + a->retract) / a->retract));
  else
    st->tool = work;
  st->tool_held = TRUE;
  st->hand[a->hand] = tool_hand (k, a, knife, &st->tool);
  helper_hand (k, a, o, &st->obj, s, t, st);
  st->obj_held = st->hand[!a->hand].contact;
}

/* Lifted a little, shaken along one direction, put back. */
static void
eval_shake (const EgoKitchen * k, const EgoAction * a, float s, double t,
    EgoActionState * st)
{
  const EgoObject *o = &a->object;
  float u = main_progress (a, s), m = action_length (a) - a->reach - a->retract;
  EgoPose base = ego_counter_pose (o->x, o->y, o->angle), up = base;
  EgoHandPose hold;

  up.y -= 0.04f + 0.07f * synth_hash2f (o->seed, 82);
  up.s *= 1.12f;
  up.lift = 0.5f;
  if (u < 0.2f) {
    st->obj = pose_mix (&base, &up, ego_smooth (u / 0.2f));
  } else if (u > 0.8f) {
    st->obj = pose_mix (&up, &base, ego_smooth ((u - 0.8f) / 0.2f));
  } else {
    float tau = s - a->reach - 0.2f * m, len = 0.6f * m;
    float env = ego_smooth (tau / 0.1f) * ego_smooth ((len - tau) / 0.1f);
    float off = a->amount * env * sinf (6.2832f * a->rate * tau);
    st->obj = up;
    if (a->dir > 0)
      st->obj.y += off;
    else
      st->obj.x += off;
    st->obj.angle += 2.0f * off;
  }
  hold = hand_on_point (k, a, a->hand, o, &st->obj, EGO_POINT_GRASP, 0.0f);
  st->hand[a->hand] = working_hand (k, a, a->hand, s, t, &hold);
  st->obj_held = st->hand[a->hand].contact;
}

/* The spoon's bowl circles inside the container's opening. */
static void
eval_stir (const EgoKitchen * k, const EgoAction * a, float s, double t,
    EgoActionState * st)
{
  const EgoObject *o = &a->object, *spoon = &a->tool;
  float sgn = side_sign (a->hand);
  float tau = CLAMP (s - a->reach, 0.0f,
      action_length (a) - a->reach - a->retract);
  float phi = 6.2832f * a->rate * tau, ox, oy, tx, ty, bx, by;
  EgoXform om = ego_pose_xform (&st->obj, o), turn;
  EgoPose carried = ego_tool_carried (k, a), work;

  ego_object_point (o, EGO_POINT_OPENING, 0.0f, 0.0f, &ox, &oy);
  ego_xform_apply (&om, ox, oy, &ox, &oy);
  tx = ox + a->amount * st->obj.s * cosf (phi);
  ty = oy + 0.45f * a->amount * st->obj.s * sinf (phi);
  work.angle = sgn > 0 ? -2.3f : -0.84f;
  work.s = ego_persp (o->y) * 1.05f;
  turn = ego_xform_pose (0.0f, 0.0f, work.angle, work.s * spoon->size, 1.0f);
  ego_object_point (spoon, EGO_POINT_TIP, 0.0f, 0.0f, &bx, &by);
  ego_xform_apply (&turn, bx, by, &bx, &by);
  work.x = tx - bx;
  work.y = ty - by;
  work.lift = 1.0f;
  work.ground_y = o->y;
  if (s < a->reach)
    st->tool = pose_mix (&carried, &work, ego_smooth (s / a->reach));
  else if (s > action_length (a) - a->retract)
    st->tool = pose_mix (&work, &carried, ego_smooth ((s -
                action_length (a) + a->retract) / a->retract));
  else
    st->tool = work;
  st->tool_held = TRUE;
  st->hand[a->hand] = tool_hand (k, a, spoon, &st->tool);
  if (a->helper) {
    helper_hand (k, a, o, &st->obj, s, t, st);
    st->obj_held = st->hand[!a->hand].contact;
  }
}

void
ego_motion_eval (const EgoKitchen * k, const EgoAction * a, double t,
    EgoActionState * st)
{
  float len = action_length (a);
  float s = (float) CLAMP (t - a->start, 0.0, (double) len);

  if (ego_verb_is_reversed (a->verb))
    s = len - s;
  memset (st, 0, sizeof (*st));
  st->obj = ego_counter_pose (a->object.x, a->object.y, a->object.angle);
  st->hand[EGO_HAND_LEFT] = ego_hand_rest (k, EGO_HAND_LEFT, t);
  st->hand[EGO_HAND_RIGHT] = ego_hand_rest (k, EGO_HAND_RIGHT, t);
  if (a->tool.kind != EGO_KIND_NONE)
    st->tool = ego_counter_pose (a->tool.x, a->tool.y, a->tool.angle);

  switch (ego_verb_canonical (a->verb)) {
    case EGO_VERB_TAKE:
      eval_take (k, a, s, t, st);
      break;
    case EGO_VERB_OPEN:
      eval_open (k, a, s, t, st);
      break;
    case EGO_VERB_MOVE_LEFT:
    case EGO_VERB_ROTATE_CW:
      eval_move_or_rotate (k, a, s, t, st);
      break;
    case EGO_VERB_POUR:
      eval_pour (k, a, s, t, st);
      break;
    case EGO_VERB_CUT:
      eval_cut (k, a, s, t, st);
      break;
    case EGO_VERB_SHAKE:
      eval_shake (k, a, s, t, st);
      break;
    case EGO_VERB_STIR:
      eval_stir (k, a, s, t, st);
      break;
    default:
      break;
  }
}

typedef struct
{
  EgoSoundEvent *ev;
  guint n, max;
} EventList;

static void
add_event (EventList * l, float s, EgoSoundKind kind, float strength)
{
  if (l->n < l->max) {
    l->ev[l->n].t = s;
    l->ev[l->n].kind = kind;
    l->ev[l->n].strength = CLAMP (strength, 0.0f, 1.0f);
    l->n++;
  }
}

/* The sounds of handling a thing in one of the reversible ways: each of
 * `kinds` once, at its own random moment of the verb's own motion
 * [r, r + m], so in random order. The moments are uniform over that phase,
 * so the mirror image the reversed verb plays is drawn from the same
 * distribution: a take and a put, an open and a close sound alike, and
 * sound cannot tell a direction (the video can). */
static void
add_handling_events (EventList * l, SynthRand * rng, float r, float m,
    const EgoSoundKind * kinds, guint n)
{
  EgoSoundEvent ev[4];

  n = MIN (n, G_N_ELEMENTS (ev));
  for (guint i = 0; i < n; i++) {
    EgoSoundEvent e = {.t = r + m * synth_rand_float (rng),.kind = kinds[i],
      .strength = synth_rand_range (rng, 0.3f, 0.9f)
    };
    guint j = i;
    for (; j > 0 && ev[j - 1].t > e.t; j--)
      ev[j] = ev[j - 1];
    ev[j] = e;
  }
  for (guint i = 0; i < n; i++)
    add_event (l, ev[i].t, ev[i].kind, ev[i].strength);
}

/* The canonical events, at seconds from the action's start. The strengths
 * vary per action but never with the noun: sound tells verbs, not
 * objects. */
static void
canonical_events (const EgoAction * a, EventList * l)
{
  float r = a->reach, m = action_length (a) - a->reach - a->retract;
  SynthRand rng;

  synth_rand_init (&rng, a->seed, 1);
  switch (ego_verb_canonical (a->verb)) {
    case EGO_VERB_TAKE:{
      /* a take has no retreat: its sounds keep as far from its end as
       * the reach keeps them from its start, else a put (a take played
       * backwards) would hear them earlier in its clip than a take. A
       * take much shorter than its reach may hear one a little before the
       * hand arrives. */
      static const EgoSoundKind k[] = { EGO_SOUND_GRASP, EGO_SOUND_LAND };
      float lo = MIN (r, 0.4f * (r + m));
      add_handling_events (l, &rng, lo, r + m - 2.0f * lo, k,
          G_N_ELEMENTS (k));
      break;
    }
    case EGO_VERB_OPEN:{
      static const EgoSoundKind k[] = { EGO_SOUND_GRASP, EGO_SOUND_CLICK,
        EGO_SOUND_LAND, EGO_SOUND_RELEASE
      };
      add_handling_events (l, &rng, r, m, k, G_N_ELEMENTS (k));
      break;
    }
    case EGO_VERB_POUR:
    case EGO_VERB_SHAKE:
      add_event (l, r, EGO_SOUND_GRASP, synth_rand_range (&rng, 0.3f, 0.6f));
      add_event (l, r + 0.02f * m, EGO_SOUND_LIFT, 0.4f);
      if (a->verb == EGO_VERB_SHAKE) {
        float len = 0.6f * m, env;
        for (guint j = 0;; j++) {
          float tau = (2 * j + 1) / (4.0f * a->rate);
          if (tau >= len)
            break;
          env = ego_smooth (tau / 0.1f) * ego_smooth ((len - tau) / 0.1f);
          add_event (l, r + 0.2f * m + tau, EGO_SOUND_RATTLE, env *
              synth_rand_range (&rng, 0.7f, 1.0f));
        }
      }
      add_event (l, r + m, EGO_SOUND_LAND, synth_rand_range (&rng, 0.5f, 0.9f));
      add_event (l, r + m, EGO_SOUND_RELEASE, 0.3f);
      break;
    case EGO_VERB_CUT:
      for (guint j = 1; j / a->rate <= m + 1e-4f; j++)
        add_event (l, r + j / a->rate, EGO_SOUND_CHOP,
            synth_rand_range (&rng, 0.75f, 1.0f));
      break;
    case EGO_VERB_STIR:
      for (guint j = 0; (j + 0.25f) / a->rate < m; j++)
        add_event (l, r + (j + 0.25f) / a->rate, EGO_SOUND_CLINK,
            synth_rand_range (&rng, 0.5f, 1.0f));
      break;
    default:{                  /* move, rotate: the slide itself is heard */
      static const EgoSoundKind k[] = { EGO_SOUND_GRASP, EGO_SOUND_RELEASE };
      add_handling_events (l, &rng, r, m, k, G_N_ELEMENTS (k));
      break;
    }
  }
}

guint
ego_action_sound_events (const EgoAction * a, EgoSoundEvent * events, guint max)
{
  EventList l = { events, 0, max };

  canonical_events (a, &l);
  if (ego_verb_is_reversed (a->verb)) {
    float len = action_length (a);
    for (guint i = 0; i < l.n / 2; i++) {
      EgoSoundEvent tmp = events[i];
      events[i] = events[l.n - 1 - i];
      events[l.n - 1 - i] = tmp;
    }
    for (guint i = 0; i < l.n; i++)
      events[i].t = len - events[i].t;
  }
  for (guint i = 0; i < l.n; i++)
    events[i].t += a->start;
  return l.n;
}
