/* The state of the synthetic kitchen at an instant, see scene.h.
 *
 * During an action the view rests on the action's workspace. In the idle
 * gap between two actions the person first puts away whatever they still
 * hold (it sinks below the frame), then turns to the next workspace (the
 * camera pans along the counter, bobbing a little), then brings up what
 * the next action starts with. Nothing appears or vanishes in view. */
#include "scene.h"

#include <string.h>

#include "motion.h"
#include "synthrand.h"

/* how far below its pose a put-away thing goes: out of the frame */
#define STOW_DROP 0.65f

/* Stable identities: hands are items 0 and 1; a workspace's things come
 * in slots (object, tool, extra, clutter...). */
#define SLOT_OBJECT 0
#define SLOT_TOOL 1
#define SLOT_EXTRA 2
#define SLOT_CLUTTER 3
#define SLOTS_PER_WORKSPACE (SLOT_CLUTTER + EGO_SYNTH_MAX_CLUTTER)
#define STREAM_KEY 1000
#define SHADOW_KEY 1100

typedef struct
{
  float depth;                  /* drawing order: far and low first */
  gboolean is_hand;
  EgoHandPose hand;
  const EgoObject *o;
  EgoPose pose;
  float lid;
  float offset_x;               /* workspace -> body coordinates */
  gboolean pour_here;           /* the pour's stream falls after this */
  EgoItem info;
} Drawable;

typedef struct
{
  Drawable d[EGO_SCENE_MAX_ITEMS];
  guint n;
  gboolean has_stream;
  float stream[4], stream_width, stream_rgb[3];
} Stage;

static guint16
item_key (guint workspace, guint slot)
{
  return (guint16) (2 + (workspace % 4) * SLOTS_PER_WORKSPACE + slot);
}

static gboolean
is_upright (guint kind)
{
  return kind == EGO_NOUN_CUP || kind == EGO_NOUN_BOWL ||
      kind == EGO_NOUN_BOTTLE || kind == EGO_NOUN_JAR || kind == EGO_KIND_APPLE;
}

static Drawable *
stage_add (Stage * st)
{
  Drawable *d;
  if (st->n >= EGO_SCENE_MAX_ITEMS)
    return NULL;
  d = &st->d[st->n++];
  memset (d, 0, sizeof (*d));
  return d;
}

static Drawable *
stage_object (Stage * st, const EgoObject * o, const EgoPose * p, float lid,
    float offset_x, guint16 key, gboolean in_action, gboolean held)
{
  Drawable *d = stage_add (st);
  if (d == NULL)
    return NULL;
  d->o = o;
  d->pose = *p;
  d->lid = lid;
  d->offset_x = offset_x;
  /* flat things lie under upright ones; lifted things are above all */
  d->depth = p->ground_y + (is_upright (o->kind) ? 0.0f : -2.0f) +
      (p->lift > 0.0f ? 10.0f + p->lift : 0.0f) + (held ? 5.0f : 0.0f);
  d->info.category = EGO_ITEM_OBJECT;
  d->info.kind = o->kind;
  d->info.noun = o->kind < EGO_N_NOUNS ? (gint) o->kind : -1;
  d->info.key = key;
  d->info.contact = held;
  d->info.in_action = in_action;
  return d;
}

static void
stage_hand (Stage * st, EgoHand side, const EgoHandPose * h, gboolean in_action)
{
  Drawable *d = stage_add (st);
  if (d == NULL)
    return;
  d->is_hand = TRUE;
  d->hand = *h;
  d->depth = 100.0f + (in_action ? 1.0f : 0.0f);
  d->info.category = EGO_ITEM_HAND;
  d->info.side = side;
  d->info.noun = -1;
  d->info.key = side;
  d->info.contact = h->contact;
  d->info.in_action = in_action;
}

/* The things of action a's workspace in the given state. The object and
 * tool can be left out when they are held at the start or end of the
 * action: the gap shows them in the hand instead. */
static void
stage_workspace (Stage * st, const EgoAction * a, const EgoActionState * s,
    float offset_x, gboolean skip_held, gboolean at_end)
{
  gboolean in_action = !skip_held;
  gboolean tool_in_hand = a->verb == EGO_VERB_CUT || a->verb == EGO_VERB_STIR;
  gboolean obj_away = skip_held && (at_end ? a->verb == EGO_VERB_TAKE :
      a->verb == EGO_VERB_PUT);
  Drawable *board = NULL;

  if (!obj_away)
    board = stage_object (st, &a->object, &s->obj, s->lid, offset_x,
        item_key (a->index, SLOT_OBJECT), in_action, s->obj_held);
  if (a->tool.kind != EGO_KIND_NONE && !(tool_in_hand && skip_held)) {
    Drawable *d = stage_object (st, &a->tool, &s->tool, 0.0f, offset_x,
        item_key (a->index, SLOT_TOOL), in_action, s->tool_held);
    if (d && a->verb == EGO_VERB_POUR)
      d->pour_here = s->stream > 0.0f;
  }
  if (a->extra.kind != EGO_KIND_NONE) {
    EgoPose p = ego_counter_pose (a->extra.x, a->extra.y, a->extra.angle);
    Drawable *d = stage_object (st, &a->extra, &p, 0.0f, offset_x,
        item_key (a->index, SLOT_EXTRA), FALSE, FALSE);
    /* it lies on the board */
    if (d && board)
      d->depth = board->depth + 0.01f;
  }
  for (guint i = 0; i < a->n_clutter; i++) {
    const EgoObject *o = &a->clutter[i];
    EgoPose p = ego_counter_pose (o->x, o->y, o->angle);
    stage_object (st, o, &p, 0.0f, offset_x,
        item_key (a->index, SLOT_CLUTTER + i), FALSE, FALSE);
  }
}

/* The liquid falls from the spout straight down into the target. */
static void
stage_stream (Stage * st, const EgoAction * a, const EgoActionState * s)
{
  float toward = a->tool.x < a->object.x ? -1.0f : 1.0f, sx, sy, ox, oy;
  EgoXform m = ego_pose_xform (&s->obj, &a->object);
  EgoXform tm = ego_pose_xform (&s->tool, &a->tool);

  if (s->stream <= 0.0f)
    return;
  ego_object_point (&a->object, EGO_POINT_SPOUT, 0.0f, toward, &sx, &sy);
  ego_xform_apply (&m, sx, sy, &sx, &sy);
  ego_object_point (&a->tool, EGO_POINT_OPENING, 0.0f, 0.0f, &ox, &oy);
  ego_xform_apply (&tm, ox, oy, &ox, &oy);
  st->has_stream = TRUE;
  st->stream[0] = sx;
  st->stream[1] = sy;
  st->stream[2] = sx;
  /* it reaches down as it starts and thins as it stops */
  st->stream[3] = sy + (oy - sy) * MIN (1.0f, s->stream * 2.0f);
  st->stream_width = 0.006f * (0.4f + 0.6f * s->stream);
  memcpy (st->stream_rgb, a->liquid, sizeof (st->stream_rgb));
}

static void
stage_action (Stage * st, const EgoKitchen * k, const EgoAction * a, double t)
{
  EgoActionState s;

  ego_motion_eval (k, a, t, &s);
  stage_workspace (st, a, &s, 0.0f, FALSE, FALSE);
  if (a->verb == EGO_VERB_POUR)
    stage_stream (st, a, &s);
  for (guint side = 0; side < 2; side++)
    stage_hand (st, (EgoHand) side, &s.hand[side], side == a->hand ||
        s.hand[side].contact);
}

/* what a hand carries at the end of prev or the start of next */
static const EgoObject *
carried_thing (const EgoAction * a, const EgoActionState * s, EgoPose * p,
    guint16 * key)
{
  gboolean tool = a->verb == EGO_VERB_CUT || a->verb == EGO_VERB_STIR;
  *p = tool ? s->tool : s->obj;
  *key = item_key (a->index, tool ? SLOT_TOOL : SLOT_OBJECT);
  return tool ? &a->tool : &a->object;
}

static void
stage_carried (Stage * st, const EgoKitchen * k, EgoHand side,
    const EgoAction * a, const EgoActionState * s, float drop, EgoHandPose * h)
{
  guint16 key;
  EgoPose p;
  const EgoObject *o = carried_thing (a, s, &p, &key);
  float lx, ly;

  p.y += drop;
  p.ground_y += drop;
  ego_object_point (o, EGO_POINT_GRASP, 0.0f, ego_grasp_side (o, side), &lx,
      &ly);
  /* as in the action: tools by their handle, objects by the action's grip */
  *h = ego_hand_on (k, side, o, &p, lx, ly, o == &a->tool ? 0.15f :
      a->grasp_depth);
  stage_object (st, o, &p, 0.0f, 0.0f, key, FALSE, TRUE);
}

/* One hand during the gap: [0, 0.3) put away, [0.3, 0.7) wait while the
 * view turns, [0.7, 1] bring up what comes next. */
static void
stage_gap_hand (Stage * st, const EgoKitchen * k, EgoHand side,
    const EgoAction * prev, const EgoActionState * end,
    const EgoAction * next, const EgoActionState * begin, float u, double t)
{
  gboolean prev_holds = prev && ego_action_holds_at_end (prev) &&
      prev->hand == side;
  gboolean next_holds = ego_action_holds_at_start (next) && next->hand == side;
  EgoHandPose rest = ego_hand_rest (k, side, t), low = rest, h;

  low.y += STOW_DROP;
  if (u < 0.3f) {
    float e = ego_smooth (u / 0.3f);
    if (prev_holds)
      stage_carried (st, k, side, prev, end, STOW_DROP * e, &h);
    else
      h = ego_hand_mix (prev ? &end->hand[side] : &rest, &rest, e);
  } else if (u < 0.7f) {
    h = prev_holds ? low : rest;
  } else {
    float e = ego_smooth ((u - 0.7f) / 0.3f);
    if (next_holds && prev_holds) {
      stage_carried (st, k, side, next, begin, STOW_DROP * (1.0f - e), &h);
    } else if (next_holds) {
      /* down empty, up carrying */
      if (e < 0.5f)
        h = ego_hand_mix (&rest, &low, ego_smooth (e * 2.0f));
      else
        stage_carried (st, k, side, next, begin, STOW_DROP * (1.0f -
                ego_smooth (e * 2.0f - 1.0f)), &h);
    } else {
      h = ego_hand_mix (prev_holds ? &low : &rest, &begin->hand[side], e);
    }
  }
  stage_hand (st, side, &h, FALSE);
}

static void
stage_gap (Stage * st, const EgoKitchen * k, const EgoAction * prev,
    const EgoAction * next, double t, double *body_x, float *walk)
{
  double g0 = prev ? prev->end : 0.0;
  float u = (float) ((t - g0) / (next->start - g0));
  float pan = prev ? ego_smooth ((u - 0.3f) / 0.4f) : 1.0f;
  EgoActionState end, begin;

  memset (&end, 0, sizeof (end));
  *body_x = prev ? prev->workspace_x + (next->workspace_x -
      prev->workspace_x) * pan : next->workspace_x;
  *walk = prev && u > 0.3f && u < 0.7f ?
      sinf ((float) G_PI * (u - 0.3f) / 0.4f) : 0.0f;
  if (prev) {
    ego_motion_eval (k, prev, prev->end, &end);
    stage_workspace (st, prev, &end, (float) (prev->workspace_x - *body_x),
        TRUE, TRUE);
  }
  ego_motion_eval (k, next, next->start, &begin);
  stage_workspace (st, next, &begin, (float) (next->workspace_x - *body_x),
      TRUE, FALSE);
  for (guint side = 0; side < 2; side++)
    stage_gap_hand (st, k, (EgoHand) side, prev, &end, next, &begin, u, t);
}

/* The head drifts, shakes, tilts and leans; walking makes it bob. */
static EgoXform
camera_at (const EgoKitchen * k, float hm, double t, float walk)
{
  guint32 s = k->seed;
  float sx = hm * (0.04f * ego_wander (s, 10, t, 0.13f) +
      0.008f * ego_wander (s, 11, t, 0.9f) +
      0.002f * ego_wander (s, 12, t, 6.3f));
  float sy = hm * (0.03f * ego_wander (s, 13, t, 0.11f) +
      0.006f * ego_wander (s, 14, t, 0.8f) +
      0.002f * ego_wander (s, 15, t, 5.7f)) +
      0.012f * walk * sinf ((float) (t * 1.9 * 6.2832));
  float roll = hm * (0.045f * ego_wander (s, 16, t, 0.09f) +
      0.01f * ego_wander (s, 17, t, 0.7f));
  float zoom = 1.0f + hm * 0.04f * ego_wander (s, 18, t, 0.07f);

  return ego_xform_mul (ego_xform_translate (0.0f, 0.5f),
      ego_xform_mul (ego_xform_rotate (roll),
          ego_xform_mul (ego_xform_scale (zoom, zoom),
              ego_xform_translate (-sx, -0.5f - sy))));
}

/* Light drifts in level, tint and direction, and now and then changes
 * abruptly (a lamp, a cloud), every few seconds. */
static void
light_at (EgoScene * scene, const EgoKitchen * k, float amount, double t)
{
  guint32 s = k->seed;
  double slot_len = 5.0;
  guint slot = (guint) (t / slot_len);
  float into = (float) ((t - slot * slot_len) / 0.3);
  float before = synth_hash2f (s + 40, slot) * 2.0f - 1.0f;
  float after = synth_hash2f (s + 40, slot + 1) * 2.0f - 1.0f;
  float step = before + (after - before) * ego_smooth (into);
  float level = 1.0f + amount * (0.15f * ego_wander (s, 20, t, 0.06f) +
      0.05f * ego_wander (s, 21, t, 0.45f) + 0.15f * step);
  float tint = amount * 0.08f * ego_wander (s, 22, t, 0.05f);
  float a0 = synth_hash2f (s, 23) * 6.2832f;
  float angle = a0 + amount * 1.5f * ego_wander (s, 24, t, 0.04f);

  scene->light[0] = level * (1.0f + tint);
  scene->light[1] = level;
  scene->light[2] = level * (1.0f - tint);
  scene->light_grad[0] = (0.06f + 0.3f * amount) * cosf (angle);
  scene->light_grad[1] = (0.06f + 0.3f * amount) * sinf (angle) * 0.5f;
}

static void
item_bounds (const EgoScene * scene, EgoItem * it)
{
  it->box[0] = it->box[1] = G_MAXFLOAT;
  it->box[2] = it->box[3] = -G_MAXFLOAT;
  for (guint i = it->first_shape; i < it->first_shape + it->n_shapes; i++) {
    float b[4];
    if (scene->shapes[i].loose)
      continue;
    ego_shape_bounds (&scene->shapes[i], b);
    it->box[0] = MIN (it->box[0], b[0]);
    it->box[1] = MIN (it->box[1], b[1]);
    it->box[2] = MAX (it->box[2], b[2]);
    it->box[3] = MAX (it->box[3], b[3]);
  }
}

static int
by_depth (const void *pa, const void *pb)
{
  const Drawable *a = pa, *b = pb;
  return a->depth < b->depth ? -1 : a->depth > b->depth ? 1 :
      (int) a->info.key - (int) b->info.key;
}

static void
emit_stream (const Stage * st, EgoShapeList * list, const EgoXform * cam)
{
  float x0, y0, x1, y1;
  ego_xform_apply (cam, st->stream[0], st->stream[1], &x0, &y0);
  ego_xform_apply (cam, st->stream[2], st->stream[3], &x1, &y1);
  ego_shapes_stream (list, x0, y0, x1, y1, st->stream_width *
      ego_xform_scale_of (cam), st->stream_rgb, STREAM_KEY);
}

/* A hand hovers over the counter: its shadow falls soft and aside. */
static void
emit_hand_shadow (const Drawable * d, EgoShapeList * list,
    const EgoXform * cam, const EgoKitchen * k)
{
  static const float black[3] = { 0.0f, 0.0f, 0.0f };
  EgoXform frame = ego_xform_mul (*cam, ego_xform_mul (ego_xform_translate
          (0.03f, 0.05f), ego_hand_xform (k, &d->hand)));
  EgoShape *s;

  if (list->n >= list->max)
    return;
  s = &list->shapes[list->n++];
  memset (s, 0, sizeof (*s));
  s->kind = EGO_SHAPE_ELLIPSE;
  s->xf = ego_xform_mul (frame, ego_xform_translate (0.07f, 0.0f));
  s->p[0] = 0.085f;
  s->p[1] = 0.05f;
  s->shading = EGO_SHADE_SHADOW;
  memcpy (s->rgb, black, sizeof (black));
  s->alpha = 0.2f;
  s->soft = 0.03f;
  s->key = SHADOW_KEY + d->info.key;
  s->item = EGO_SHAPE_NO_ITEM;
}

static void
emit_shadows (Stage * st, EgoShapeList * list, const EgoXform * cam,
    const EgoKitchen * k)
{
  for (guint i = 0; i < st->n; i++) {
    const Drawable *d = &st->d[i];
    EgoPose g = d->pose;
    EgoXform base;
    if (d->is_hand) {
      emit_hand_shadow (d, list, cam, k);
      continue;
    }
    if (d->pose.lift >= 0.99f)
      continue;
    g.y = g.ground_y;
    g.s = ego_persp (g.ground_y);
    base = ego_xform_mul (*cam, ego_xform_mul (ego_xform_translate
            (d->offset_x, 0.0f), ego_pose_xform (&g, d->o)));
    ego_shapes_shadow (list, d->o, &base, d->pose.lift,
        0.01f + 0.08f * d->pose.lift, 0.004f + 0.04f * d->pose.lift);
    list->shapes[list->n - 1].key = SHADOW_KEY + d->info.key;
  }
}

static void
emit (Stage * st, EgoScene * scene, const EgoKitchen * k)
{
  EgoShapeList list = { scene->shapes, 0, EGO_SCENE_MAX_SHAPES };
  const EgoXform *cam = &scene->camera;

  qsort (st->d, st->n, sizeof (Drawable), by_depth);
  emit_shadows (st, &list, cam, k);
  scene->n_items = 0;
  for (guint i = 0; i < st->n; i++) {
    Drawable *d = &st->d[i];
    EgoItem *it = &scene->items[scene->n_items];
    guint first = list.n;
    *it = d->info;
    if (d->is_hand) {
      EgoXform frame = ego_xform_mul (*cam, ego_hand_xform (k, &d->hand));
      ego_shapes_hand (&list, &frame, d->hand.grip, d->info.side, k,
          (guint16) (d->info.key * 16), (guint8) scene->n_items);
      first += EGO_SHAPES_ARM_PARTS;
    } else {
      EgoXform base = ego_xform_mul (*cam, ego_xform_mul
          (ego_xform_translate (d->offset_x, 0.0f),
              ego_pose_xform (&d->pose, d->o)));
      ego_shapes_object (&list, d->o, &base, d->lid,
          (guint16) (d->info.key * 16), (guint8) scene->n_items);
    }
    it->first_shape = MIN (first, list.n);
    it->n_shapes = list.n - it->first_shape;
    item_bounds (scene, it);
    scene->n_items++;
    if (d->pour_here && st->has_stream)
      emit_stream (st, &list, cam);
  }
  scene->n_shapes = list.n;
}

void
ego_scene_build (EgoScene * scene, EgoScenario * sc,
    const EgoSceneKnobs * knobs, double t)
{
  const EgoKitchen *k = ego_scenario_get_kitchen (sc);
  gboolean active;
  guint index = ego_scenario_locate (sc, t, &active);
  const EgoAction *a = ego_scenario_get_action (sc, index);
  const EgoAction *prev = index > 0 ?
      ego_scenario_get_action (sc, index - 1) : NULL;
  float walk = 0.0f;
  double body_x;
  Stage st;

  st.n = 0;
  st.has_stream = FALSE;
  if (active) {
    body_x = a->workspace_x;
    stage_action (&st, k, a, t);
  } else {
    stage_gap (&st, k, prev, a, t, &body_x, &walk);
  }

  scene->t = t;
  scene->counter_x = body_x;
  scene->camera = camera_at (k, CLAMP (knobs->head_motion, 0.0f, 1.0f), t,
      walk);
  light_at (scene, k, CLAMP (knobs->lighting, 0.0f, 1.0f), t);
  scene->action = active ? (gint) index : -1;
  scene->verb = a->verb;
  scene->noun = a->noun;
  scene->action_start = a->start;
  scene->action_end = a->end;
  emit (&st, scene, k);
}

gint
ego_scene_find_shape (const EgoScene * scene, guint16 key)
{
  for (guint i = 0; i < scene->n_shapes; i++)
    if (scene->shapes[i].key == key)
      return (gint) i;
  return -1;
}

void
ego_scene_sound_drive (const EgoKitchen * k, const EgoAction * a, double t,
    EgoSoundDrive * drive)
{
  const float h = 0.01f;
  EgoActionState s0, s1;
  float dx, dy;

  memset (drive, 0, sizeof (*drive));
  if (t < a->start || t >= a->end)
    return;
  ego_motion_eval (k, a, t - 0.5 * h, &s0);
  ego_motion_eval (k, a, t + 0.5 * h, &s1);
  dx = s1.obj.x - s0.obj.x;
  dy = s1.obj.y - s0.obj.y;
  switch (ego_verb_canonical (a->verb)) {
    case EGO_VERB_MOVE_LEFT:
      drive->slide = sqrtf (dx * dx + dy * dy) / h;
      break;
    case EGO_VERB_ROTATE_CW:
      drive->turn = fabsf (s1.obj.angle - s0.obj.angle) / h;
      break;
    case EGO_VERB_OPEN:
      drive->lid = fabsf (s1.lid - s0.lid) / h;
      break;
    case EGO_VERB_POUR:
      drive->pour = 0.5f * (s0.stream + s1.stream);
      break;
    case EGO_VERB_SHAKE:
      drive->shake = s0.obj.lift > 0.45f ? sqrtf (dx * dx + dy * dy) / h : 0;
      break;
    case EGO_VERB_STIR:
      dx = s1.tool.x - s0.tool.x;
      dy = s1.tool.y - s0.tool.y;
      drive->stir = s0.tool.lift > 0.0f && t - a->start > a->reach &&
          a->end - t > a->retract ? sqrtf (dx * dx + dy * dy) / h : 0.0f;
      break;
    default:
      break;
  }
}
