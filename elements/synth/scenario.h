/* The synthetic kitchen's script: which action happens when, with which
 * object and which hand, as a pure function of a seed and a few settings.
 *
 * A person works along a long counter. Each action happens at its own
 * workspace, a stretch of counter with the action's object and some clutter;
 * between actions the person pauses and turns to the next workspace. The
 * schedule is made lazily but always in order, action after action, each
 * from its own random stream, so that asking for action 40 first or last
 * gives the same action.
 *
 * The verbs come in time-reversed pairs (take/put, open/close,
 * move-left/move-right, rotate-cw/rotate-ccw) and singles (pour, cut, shake,
 * stir). A reversed verb stores the parameters of its partner and is played
 * backwards, so every frame of one is a frame of the other: only motion tells
 * them apart. */
#ifndef EGO_SYNTH_SCENARIO_H
#define EGO_SYNTH_SCENARIO_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  EGO_VERB_TAKE,
  EGO_VERB_PUT,
  EGO_VERB_OPEN,
  EGO_VERB_CLOSE,
  EGO_VERB_MOVE_LEFT,
  EGO_VERB_MOVE_RIGHT,
  EGO_VERB_ROTATE_CW,
  EGO_VERB_ROTATE_CCW,
  EGO_VERB_POUR,
  EGO_VERB_CUT,
  EGO_VERB_SHAKE,
  EGO_VERB_STIR,
  EGO_N_VERBS
} EgoVerb;

typedef enum
{
  EGO_NOUN_CUP,
  EGO_NOUN_BOWL,
  EGO_NOUN_BOTTLE,
  EGO_NOUN_JAR,
  EGO_NOUN_KNIFE,
  EGO_NOUN_BOARD,
  EGO_NOUN_PAN,
  EGO_NOUN_BOX,
  EGO_NOUN_SPOON,
  EGO_NOUN_BREAD,
  EGO_N_NOUNS
} EgoNoun;

/* What a thing on the counter is: kinds below EGO_N_NOUNS are the nouns;
 * the others are distractors that belong to no class. */
typedef enum
{
  EGO_KIND_TOWEL = EGO_N_NOUNS,
  EGO_KIND_PLATE,
  EGO_KIND_SPONGE,
  EGO_KIND_APPLE,
  EGO_KIND_CARROT,
  EGO_N_KINDS,
  EGO_KIND_NONE = 255
} EgoKind;

typedef enum
{
  EGO_HAND_LEFT = 0,
  EGO_HAND_RIGHT = 1
} EgoHand;

#define EGO_SYNTH_MAX_CLUTTER 8

#define EGO_SYNTH_DEFAULT_DIFFICULTY 0.5f
#define EGO_SYNTH_DEFAULT_CLUTTER 0.4f
#define EGO_SYNTH_DEFAULT_OCCLUSION 0.3f

/* One thing on the counter: its class, its look, and where it rests.
 * Lengths are in view units (1 = the frame's shorter side); x grows to the
 * right from the workspace's centre, y grows downwards from the top of the
 * view. */
typedef struct
{
  guint kind;
  guint variant;                /* a sub-type: mug or tumbler, cardboard or cereal box */
  float rgb[3][3];              /* main, second and third colour */
  float size;                   /* scale: about 1 for distractors; a noun's
                                 * is set so that its box does not tell its
                                 * kind (a board may be small, a cup large) */
  float aspect;                 /* width stretch (a squat or a slender jar) */
  float tex_u, tex_v;           /* where its texture is cut from */
  float x, y, angle;            /* rest pose (canonical start for moves) */
  guint32 seed;
} EgoObject;

/* One action of the schedule. Times are in seconds from the stream's start;
 * the timing fields are in seconds from the action's start and, like the
 * poses, describe the canonical direction (take, open, move-left,
 * rotate-cw); the reversed verbs play them backwards. */
typedef struct
{
  guint index;
  EgoVerb verb;
  EgoNoun noun;
  EgoHand hand;
  double start, end;
  double workspace_x;           /* the workspace's place on the counter */
  float reach, retract;         /* hand from rest to grasp, and back */
  float amount;                 /* distance, angle, lift or stroke size */
  float rate;                   /* strokes, shakes or turns per second */
  float dir;                    /* -1 or +1: side or direction of the motion */
  float hold_x, hold_y, hold_scale;     /* where a taken object is carried */
  float grasp_depth;            /* how far fingers reach over the object */
  gboolean helper;              /* the other hand steadies the object */
  EgoObject object;             /* the noun */
  EgoObject tool;               /* knife (cut), spoon (stir), target (pour) */
  EgoObject extra;              /* food on a board being cut */
  guint n_clutter;
  EgoObject clutter[EGO_SYNTH_MAX_CLUTTER];
  float liquid[3];              /* colour of what is poured or stirred */
  guint32 seed;                 /* for the action's sounds */
} EgoAction;

/* The look of the stream's kitchen and person: one per seed. */
typedef struct
{
  float skin[3];                /* the person's skin tone */
  float sleeve[3];              /* and sleeve colour */
  float hand_size;
  float rest_y;                 /* how low idle hands rest */
  guint counter_style;          /* granite, wood, marble or laminate */
  float counter_rgb[2][3];
  guint wall_style;             /* tiles or plaster */
  float wall_rgb[2][3];
  float tile_size;
  float horizon;                /* where the counter meets the wall */
  guint32 seed;
} EgoKitchen;

typedef struct
{
  guint64 seed;
  float difficulty;             /* 0..1: faster, smaller motions, more varied looks */
  float clutter;                /* 0..1: how many other things lie around */
  float occlusion;              /* 0..1: how much the hands cover the objects */
} EgoScenarioParams;

typedef struct _EgoScenario EgoScenario;

void ego_scenario_params_init (EgoScenarioParams * params, guint64 seed);

EgoScenario *ego_scenario_new (const EgoScenarioParams * params);
void ego_scenario_free (EgoScenario * sc);
const EgoScenarioParams *ego_scenario_get_params (const EgoScenario * sc);
const EgoKitchen *ego_scenario_get_kitchen (const EgoScenario * sc);

/* Action number index (from 0), making the schedule up to it. */
const EgoAction *ego_scenario_get_action (EgoScenario * sc, guint index);

/* The number of the action under way at time t (seconds), or of the next
 * one when t falls in the idle gap before it; *active says which. */
guint ego_scenario_locate (EgoScenario * sc, double t, gboolean * active);

/* Class tables */
const gchar *ego_verb_key (guint verb);
const gchar *ego_noun_key (guint noun);
const gchar *ego_kind_key (guint kind);
gint ego_verb_from_key (const gchar * key);
gint ego_noun_from_key (const gchar * key);
/* A knife, a spoon and a pan: held by their handle, not their body. */
gboolean ego_kind_has_handle (guint kind);

gboolean ego_verb_noun_plausible (guint verb, guint noun);

/* For a reversed verb (put, close, move-right, rotate-ccw) its canonical
 * partner; other verbs map to themselves. */
EgoVerb ego_verb_canonical (EgoVerb verb);
gboolean ego_verb_is_reversed (EgoVerb verb);

/* Whether the action begins or ends with the actor holding something (the
 * object for put/take, the knife or spoon for cut/stir). */
gboolean ego_action_holds_at_start (const EgoAction * a);
gboolean ego_action_holds_at_end (const EgoAction * a);

G_END_DECLS

#endif /* EGO_SYNTH_SCENARIO_H */
