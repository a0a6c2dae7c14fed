/* How each verb moves the hands and things, as a function of time within
 * the action. Used by the scene (what is seen) and by the sound (what is
 * heard), so both follow the same motion. */
#ifndef EGO_SYNTH_MOTION_H
#define EGO_SYNTH_MOTION_H

#include <glib.h>

#include "scenario.h"
#include "scene.h"
#include "xform.h"

G_BEGIN_DECLS

/* Where a thing is: position, turn, scale (perspective and closeness
 * included), how far it is lifted off the counter (0..1), and the y of the
 * counter under it, for its shadow. */
typedef struct
{
  float x, y, angle, s, lift, ground_y;
} EgoPose;

/* A hand: its wrist, the direction it points, how closed the fingers
 * are, and whether it holds something. */
typedef struct
{
  float x, y, angle, grip;
  gboolean contact;
} EgoHandPose;

typedef struct
{
  EgoPose obj;                  /* the noun */
  float lid;                    /* its lid, cap or box top: 0 closed, 1 open */
  gboolean obj_held;
  EgoPose tool;                 /* the knife, spoon, or the pour's target */
  gboolean tool_held;
  EgoHandPose hand[2];          /* by EgoHand */
  float stream;                 /* 0..1 liquid flowing while pouring */
} EgoActionState;

float ego_persp (float y);
EgoPose ego_counter_pose (float x, float y, float angle);
EgoXform ego_pose_xform (const EgoPose * p, const EgoObject * o);
EgoXform ego_hand_xform (const EgoKitchen * k, const EgoHandPose * h);

EgoHandPose ego_hand_rest (const EgoKitchen * k, EgoHand side, double t);
/* the hand holding o (at pose p) at its point (lx, ly) */
EgoHandPose ego_hand_on (const EgoKitchen * k, EgoHand side,
    const EgoObject * o, const EgoPose * p, float lx, float ly, float depth);
EgoHandPose ego_hand_mix (const EgoHandPose * a, const EgoHandPose * b,
    float u);

/* Which side (+1 or -1 along its own x) side's hand takes o by: the one
 * facing the hand when the thing rests, for the whole action. */
float ego_grasp_side (const EgoObject * o, EgoHand side);

/* Where the knife or spoon is carried between uses. */
EgoPose ego_tool_carried (const EgoKitchen * k, const EgoAction * a);

/* The state of action a at time t (clamped to the action). */
void ego_motion_eval (const EgoKitchen * k, const EgoAction * a, double t,
    EgoActionState * st);

float ego_smooth (float u);

/* A smooth wandering in -1..1 around freq Hz, one per seed and channel. */
float ego_wander (guint32 seed, guint channel, double t, float freq);

G_END_DECLS

#endif /* EGO_SYNTH_MOTION_H */
