/* The state of the synthetic kitchen at an instant: where the camera looks,
 * how it is lit, where every hand and thing is, as a pure function of the
 * schedule and the time. Any frame can thus be made on its own, and the
 * video, its ground truth and the sound all follow the same motions. */
#ifndef EGO_SYNTH_SCENE_H
#define EGO_SYNTH_SCENE_H

#include <glib.h>

#include "scenario.h"
#include "shapes.h"
#include "xform.h"

G_BEGIN_DECLS

#define EGO_SCENE_MAX_SHAPES 320
#define EGO_SCENE_MAX_ITEMS 32

#define EGO_SYNTH_DEFAULT_HEAD_MOTION 0.3f
#define EGO_SYNTH_DEFAULT_LIGHTING 0.3f

/* How the world is filmed: nuisances that do not change the script. */
typedef struct
{
  float head_motion;            /* 0..1: camera shake, drift and tilt */
  float lighting;               /* 0..1: changes of light level, tint and direction */
} EgoSceneKnobs;

typedef enum
{
  EGO_ITEM_HAND = 0,
  EGO_ITEM_OBJECT = 1
} EgoItemCategory;

/* A hand or a thing in the scene, with its box in view coordinates. */
typedef struct
{
  EgoItemCategory category;
  EgoHand side;                 /* hands only */
  gboolean contact;             /* a hand holding something; a thing held */
  gboolean in_action;           /* the action's object or tool, or the hand at work */
  gint noun;                    /* nouns only, else -1 */
  guint kind;                   /* things only: EgoNoun or EgoKind */
  guint16 key;
  guint first_shape, n_shapes;  /* the shapes its box covers */
  float box[4];                 /* x1, y1, x2, y2 */
} EgoItem;

/* View coordinates: y from 0 (top) to 1 (bottom) of the frame's shorter
 * side, x from the middle, centred on the frame. */
typedef struct
{
  double t;
  EgoXform camera;              /* body coordinates -> view coordinates */
  double counter_x;             /* where the body stands along the counter */
  float light[3];               /* light colour gain */
  float light_grad[2];          /* brightness change across the view, per unit */
  gint action;                  /* index of the action under way, or -1 */
  EgoVerb verb;                 /* valid when action >= 0 */
  EgoNoun noun;
  double action_start, action_end;
  guint n_shapes;
  EgoShape shapes[EGO_SCENE_MAX_SHAPES + 1];
  guint n_items;
  EgoItem items[EGO_SCENE_MAX_ITEMS];
} EgoScene;

void ego_scene_build (EgoScene * scene, EgoScenario * sc,
    const EgoSceneKnobs * knobs, double t);

/* The index of the shape with the given key, or -1. */
gint ego_scene_find_shape (const EgoScene * scene, guint16 key);

/* What makes sound at time t during action a: how fast things move. */
typedef struct
{
  float slide;                  /* an object sliding on the counter, units/s */
  float turn;                   /* an object turning on the counter, rad/s */
  float lid;                    /* a lid, cap or box top moving, per second */
  float pour;                   /* 0..1 liquid flowing */
  float stir;                   /* a spoon moving in a container, units/s */
  float shake;                  /* a shaken object, units/s */
} EgoSoundDrive;

void ego_scene_sound_drive (const EgoKitchen * kitchen, const EgoAction * a,
    double t, EgoSoundDrive * drive);

/* Instants at which something hits, pops or rattles during an action. */
typedef enum
{
  EGO_SOUND_GRASP,              /* a hand closes on a thing */
  EGO_SOUND_RELEASE,            /* and lets go */
  EGO_SOUND_LIFT,               /* a thing leaves the counter */
  EGO_SOUND_LAND,               /* a thing knocks the counter: a thud */
  EGO_SOUND_CHOP,               /* a knife hits the board */
  EGO_SOUND_RATTLE,             /* a shaken thing turns round */
  EGO_SOUND_CLICK,              /* a lid or cap clicks, off or on */
  EGO_SOUND_CLINK               /* a spoon knocks its container */
} EgoSoundKind;

typedef struct
{
  double t;                     /* seconds from the stream's start */
  EgoSoundKind kind;
  float strength;               /* 0..1 */
} EgoSoundEvent;

#define EGO_MAX_SOUND_EVENTS 64

/* The sound events of a, in time order; returns how many. */
guint ego_action_sound_events (const EgoAction * a, EgoSoundEvent * events,
    guint max);

G_END_DECLS

#endif /* EGO_SYNTH_SCENE_H */
