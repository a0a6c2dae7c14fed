/* The synthetic kitchen's renderer on its own, without GStreamer: the
 * class tables, the schedule as a pure function of the seed, reversed
 * verbs as true time reversals, sound independent of how it is chunked
 * and of the noun, frames independent of each other, boxes and hands
 * that do not give the noun away. */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "motion.h"
#include "render_audio.h"
#include "render_video.h"
#include "scenario.h"
#include "scene.h"

static EgoScenario *
scenario_for (guint64 seed)
{
  EgoScenarioParams params;
  ego_scenario_params_init (&params, seed);
  return ego_scenario_new (&params);
}

/* Every verb goes with at least three nouns and every noun with at least
 * three verbs; keys are unique and found back. */
static void
test_class_tables (void)
{
  for (guint v = 0; v < EGO_N_VERBS; v++) {
    guint n = 0;
    for (guint o = 0; o < EGO_N_NOUNS; o++)
      n += ego_verb_noun_plausible (v, o);
    g_assert_cmpuint (n, >=, 3);
    g_assert_cmpint (ego_verb_from_key (ego_verb_key (v)), ==, (gint) v);
  }
  for (guint o = 0; o < EGO_N_NOUNS; o++) {
    guint n = 0;
    for (guint v = 0; v < EGO_N_VERBS; v++)
      n += ego_verb_noun_plausible (v, o);
    g_assert_cmpuint (n, >=, 3);
    g_assert_cmpint (ego_noun_from_key (ego_noun_key (o)), ==, (gint) o);
  }
  g_assert_cmpint (ego_verb_from_key ("juggle"), ==, -1);
  g_assert_cmpuint (ego_verb_canonical (EGO_VERB_PUT), ==, EGO_VERB_TAKE);
  g_assert_cmpuint (ego_verb_canonical (EGO_VERB_ROTATE_CCW), ==,
      EGO_VERB_ROTATE_CW);
  g_assert_cmpuint (ego_verb_canonical (EGO_VERB_CUT), ==, EGO_VERB_CUT);
}

/* The schedule is the same whatever order its actions are asked for in;
 * actions follow each other with idle gaps; all verbs and nouns occur. */
static void
test_schedule (void)
{
  EgoScenario *a = scenario_for (42), *b = scenario_for (42);
  guint verbs = 0, nouns = 0;

  /* b is made from the far end first */
  ego_scenario_get_action (b, 299);
  for (guint i = 0; i < 300; i++) {
    const EgoAction *x = ego_scenario_get_action (a, i);
    const EgoAction *y = ego_scenario_get_action (b, i);
    g_assert_true (memcmp (x, y, sizeof (EgoAction)) == 0);
    g_assert_true (ego_verb_noun_plausible (x->verb, x->noun));
    g_assert_cmpfloat (x->end - x->start, >, 0.8);
    if (i > 0)
      g_assert_cmpfloat (x->start - ego_scenario_get_action (a,
              i - 1)->end, >=, 0.6);
    verbs |= 1u << x->verb;
    nouns |= 1u << x->noun;
  }
  g_assert_cmpuint (verbs, ==, (1u << EGO_N_VERBS) - 1);
  g_assert_cmpuint (nouns, ==, (1u << EGO_N_NOUNS) - 1);
  ego_scenario_free (a);
  ego_scenario_free (b);
}

/* Where the schedule is at a time: in an action, or in the gap before
 * the next one. */
static void
test_locate (void)
{
  EgoScenario *sc = scenario_for (7);
  const EgoAction *a3 = ego_scenario_get_action (sc, 3);
  gboolean active;

  g_assert_cmpuint (ego_scenario_locate (sc, a3->start + 0.01, &active), ==, 3);
  g_assert_true (active);
  g_assert_cmpuint (ego_scenario_locate (sc, a3->start - 0.01, &active), ==, 3);
  g_assert_false (active);
  g_assert_cmpuint (ego_scenario_locate (sc, a3->end, &active), ==, 4);
  g_assert_false (active);
  g_assert_cmpuint (ego_scenario_locate (sc, 0.0, &active), ==, 0);
  g_assert_false (active);
  ego_scenario_free (sc);
}

static void
assert_pose_equal (const EgoPose * a, const EgoPose * b)
{
  g_assert_cmpfloat_with_epsilon (a->x, b->x, 1e-4);
  g_assert_cmpfloat_with_epsilon (a->y, b->y, 1e-4);
  g_assert_cmpfloat_with_epsilon (a->angle, b->angle, 1e-4);
  g_assert_cmpfloat_with_epsilon (a->s, b->s, 1e-4);
}

/* A reversed verb is its partner played backwards: the things and the
 * hand holding them are where the partner has them at the mirrored
 * time. */
static void
test_reversed_pairs (void)
{
  EgoScenario *sc = scenario_for (3);
  const EgoKitchen *k = ego_scenario_get_kitchen (sc);
  guint checked = 0;

  for (guint i = 0; i < 80; i++) {
    EgoAction fwd = *ego_scenario_get_action (sc, i), back;
    if (!ego_verb_is_reversed (fwd.verb) &&
        !ego_verb_is_reversed (fwd.verb + 1))
      continue;
    fwd.verb = ego_verb_canonical (fwd.verb);
    back = fwd;
    back.verb = fwd.verb + 1;
    g_assert_true (ego_verb_is_reversed (back.verb));
    for (int j = 0; j <= 20; j++) {
      double t = fwd.start + (fwd.end - fwd.start) * j / 20.0;
      EgoActionState s1, s2;
      ego_motion_eval (k, &fwd, t, &s1);
      ego_motion_eval (k, &back, fwd.start + fwd.end - t, &s2);
      assert_pose_equal (&s1.obj, &s2.obj);
      g_assert_cmpfloat_with_epsilon (s1.lid, s2.lid, 1e-4);
      g_assert_cmpint (s1.obj_held, ==, s2.obj_held);
      if (s1.hand[fwd.hand].contact) {
        g_assert_cmpfloat_with_epsilon (s1.hand[fwd.hand].x,
            s2.hand[fwd.hand].x, 1e-4);
        g_assert_cmpfloat_with_epsilon (s1.hand[fwd.hand].y,
            s2.hand[fwd.hand].y, 1e-4);
      }
    }
    checked++;
  }
  g_assert_cmpuint (checked, >, 10);
  ego_scenario_free (sc);
}

/* The sound's events come from the verb's motion only: the same action
 * with another object sounds the same; a reversed verb's events are its
 * partner's, mirrored in time. */
static void
test_sound_events (void)
{
  EgoScenario *sc = scenario_for (5);
  EgoSoundEvent e1[EGO_MAX_SOUND_EVENTS], e2[EGO_MAX_SOUND_EVENTS];

  for (guint i = 0; i < 40; i++) {
    EgoAction a = *ego_scenario_get_action (sc, i), b = a;
    guint n1, n2;
    b.noun = (a.noun + 1) % EGO_N_NOUNS;
    b.object.kind = b.noun;
    n1 = ego_action_sound_events (&a, e1, EGO_MAX_SOUND_EVENTS);
    n2 = ego_action_sound_events (&b, e2, EGO_MAX_SOUND_EVENTS);
    g_assert_cmpuint (n1, ==, n2);
    g_assert_true (memcmp (e1, e2, n1 * sizeof (EgoSoundEvent)) == 0);
    for (guint j = 0; j < n1; j++) {
      g_assert_cmpfloat (e1[j].t, >=, a.start - 1e-6);
      g_assert_cmpfloat (e1[j].t, <=, a.end + 1e-6);
      if (j > 0)
        g_assert_cmpfloat (e1[j].t, >=, e1[j - 1].t);
    }
    if (a.verb == EGO_VERB_TAKE) {
      b = a;
      b.verb = EGO_VERB_PUT;
      n2 = ego_action_sound_events (&b, e2, EGO_MAX_SOUND_EVENTS);
      g_assert_cmpuint (n1, ==, n2);
      g_assert_cmpuint (e2[0].kind, ==, e1[n1 - 1].kind);
      g_assert_cmpfloat_with_epsilon (e2[0].t - a.start, a.end -
          e1[n1 - 1].t, 1e-5);
    }
  }
  ego_scenario_free (sc);
}

/* Sound does not tell a direction: over many takes (and opens, moves), the
 * kinds of handling sound come in either order about equally often, so
 * the mirrored order the reversed verb plays is as likely; and they come
 * as often in the first half of the clip as in the second, so the
 * reversed verb does not hear them at other moments. */
static void
test_sound_no_direction (void)
{
  static const EgoVerb verbs[] = { EGO_VERB_TAKE, EGO_VERB_OPEN,
    EGO_VERB_MOVE_LEFT, EGO_VERB_ROTATE_CW
  };
  EgoScenario *sc = scenario_for (9);
  EgoSoundEvent ev[EGO_MAX_SOUND_EVENTS];

  for (guint v = 0; v < G_N_ELEMENTS (verbs); v++) {
    const guint n_actions = 200;
    guint first_is_grasp = 0, n_events = 0;
    double when = 0.0;
    for (guint i = 0; i < n_actions; i++) {
      EgoAction a = *ego_scenario_get_action (sc, i);
      guint n;
      a.verb = verbs[v];
      if (verbs[v] == EGO_VERB_TAKE) {  /* as the scenario makes a take */
        a.end -= a.retract;
        a.retract = 0.0f;
      }
      n = ego_action_sound_events (&a, ev, EGO_MAX_SOUND_EVENTS);
      g_assert_cmpuint (n, >=, 2);
      first_is_grasp += ev[0].kind == EGO_SOUND_GRASP;
      for (guint e = 0; e < n; e++, n_events++)
        when += (ev[e].t - a.start) / (a.end - a.start);
    }
    /* the mean moment, as a fraction of the clip: a half either way */
    g_assert_cmpfloat (fabs (when / n_events - 0.5), <, 0.04);
    /* 1 / n_kinds of the time when the order is random; always before */
    g_assert_cmpfloat ((double) first_is_grasp / n_actions, <, 0.7);
    g_assert_cmpfloat ((double) first_is_grasp / n_actions, >, 0.15);
  }
  ego_scenario_free (sc);
}

/* Sound made in chunks of any size, in any order, is the same stream. */
static void
test_audio_chunks (void)
{
  const guint rate = 16000, n = 3 * 16000;
  static const guint sizes[] = { 1, 7, 333, 4000 };
  EgoScenario *sc = scenario_for (11);
  EgoAudioRenderer *whole = ego_audio_renderer_new (sc);
  float *ref = g_new (float, n), *got = g_new (float, n);
  double energy = 0.0;

  ego_audio_render (whole, 0, n, rate, ref);
  for (guint i = 0; i < n; i++)
    energy += ref[i] * ref[i];
  g_assert_cmpfloat (energy / n, >, 1e-6);
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++) {
    EgoAudioRenderer *ar = ego_audio_renderer_new (sc);
    /* last chunk first, then the others backwards */
    for (gint first = (gint) ((n - 1) / sizes[s] * sizes[s]); first >= 0;
        first -= (gint) sizes[s])
      ego_audio_render (ar, first, MIN (sizes[s], n - first), rate,
          got + first);
    g_assert_true (memcmp (ref, got, n * sizeof (float)) == 0);
    ego_audio_renderer_free (ar);
  }
  ego_audio_renderer_free (whole);
  g_free (ref);
  g_free (got);
  ego_scenario_free (sc);
}

static guint8 *
render_at (EgoVideoRenderer * r, EgoScenario * sc, double t)
{
  EgoSceneKnobs knobs = { 0.3f, 0.3f };
  EgoPixelLayout layout = { 3, {0, 1, 2, -1} };
  EgoScene *scene = g_new0 (EgoScene, 1), *start = g_new0 (EgoScene, 1);
  guint8 *rgb = g_malloc (64 * 48 * 3);

  ego_scene_build (scene, sc, &knobs, t);
  ego_scene_build (start, sc, &knobs, t - 0.01);
  ego_video_render (r, scene, start, 0.3f, (guint32) (t * 1000), &layout,
      rgb, 64 * 3);
  g_free (scene);
  g_free (start);
  return rgb;
}

/* A frame is the same whether made alone or after others, by this
 * renderer or a fresh one. */
static void
test_frames_independent (void)
{
  EgoScenario *sc = scenario_for (13);
  EgoVideoRenderer *r1 = ego_video_renderer_new (ego_scenario_get_kitchen
      (sc), 64, 48);
  EgoVideoRenderer *r2 = ego_video_renderer_new (ego_scenario_get_kitchen
      (sc), 64, 48);
  guint8 *alone = render_at (r1, sc, 5.0);

  for (int i = 0; i < 10; i++)
    g_free (render_at (r2, sc, i * 0.7));
  {
    guint8 *after = render_at (r2, sc, 5.0);
    g_assert_true (memcmp (alone, after, 64 * 48 * 3) == 0);
    g_free (after);
  }
  g_free (alone);
  ego_video_renderer_free (r1);
  ego_video_renderer_free (r2);
  ego_scenario_free (sc);
}

/* Every item's box covers its shapes' centres, and hands come in from
 * below. */
static void
test_scene_items (void)
{
  EgoScenario *sc = scenario_for (17);
  EgoSceneKnobs knobs = { 0.3f, 0.3f };
  EgoScene *scene = g_new0 (EgoScene, 1);

  for (int i = 0; i < 200; i++) {
    guint hands = 0;
    ego_scene_build (scene, sc, &knobs, i * 0.1);
    g_assert_cmpuint (scene->n_shapes, <, EGO_SCENE_MAX_SHAPES);
    for (guint j = 0; j < scene->n_items; j++) {
      const EgoItem *it = &scene->items[j];
      g_assert_cmpfloat (it->box[0], <, it->box[2]);
      g_assert_cmpfloat (it->box[1], <, it->box[3]);
      for (guint s = it->first_shape; s < it->first_shape + it->n_shapes; s++) {
        const EgoXform *m = &scene->shapes[s].xf;
        g_assert_cmpuint (scene->shapes[s].item, ==, j);
        g_assert_cmpfloat (m->tx, >=, it->box[0] - 1e-4);
        g_assert_cmpfloat (m->tx, <=, it->box[2] + 1e-4);
      }
      if (it->category == EGO_ITEM_HAND) {
        hands++;
        g_assert_cmpfloat (it->box[1], >, 0.15);
      }
    }
    g_assert_cmpuint (hands, ==, 2);
  }
  g_free (scene);
  ego_scenario_free (sc);
}

static int
cmp_float (gconstpointer a, gconstpointer b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return x < y ? -1 : x > y;
}

static float
median (GArray * values)
{
  g_array_sort (values, cmp_float);
  return g_array_index (values, float, values->len / 2);
}

/* The box of the action's object at rest does not give its noun away:
 * every noun's boxes have about the size and the shape (width over
 * height) of all nouns' boxes. */
static void
test_object_boxes (void)
{
  EgoSceneKnobs knobs = { 0.0f, 0.0f };
  EgoScene *scene = g_new0 (EgoScene, 1);
  GArray *size[EGO_N_NOUNS + 1], *shape[EGO_N_NOUNS + 1];

  for (guint n = 0; n <= EGO_N_NOUNS; n++) {
    size[n] = g_array_new (FALSE, FALSE, sizeof (float));
    shape[n] = g_array_new (FALSE, FALSE, sizeof (float));
  }
  for (guint64 seed = 1; seed <= 20; seed++) {
    EgoScenario *sc = scenario_for (seed);
    for (guint i = 0; i < 40; i++) {
      const EgoAction *a = ego_scenario_get_action (sc, i);
      ego_scene_build (scene, sc, &knobs, a->start);
      for (guint j = 0; j < scene->n_items; j++) {
        const EgoItem *it = &scene->items[j];
        float w = it->box[2] - it->box[0], h = it->box[3] - it->box[1];
        float lsize = logf (w * h) / 2, lshape = logf (w / h);
        if (it->category != EGO_ITEM_OBJECT || !it->in_action ||
            it->noun != (gint) a->noun)
          continue;
        g_array_append_val (size[a->noun], lsize);
        g_array_append_val (shape[a->noun], lshape);
        g_array_append_val (size[EGO_N_NOUNS], lsize);
        g_array_append_val (shape[EGO_N_NOUNS], lshape);
      }
    }
    ego_scenario_free (sc);
  }
  for (guint n = 0; n < EGO_N_NOUNS; n++) {
    g_assert_cmpuint (size[n]->len, >=, 20);
    g_assert_cmpfloat (fabsf (median (size[n]) - median (size[EGO_N_NOUNS])),
        <, logf (1.2f));
    g_assert_cmpfloat (fabsf (median (shape[n]) -
            median (shape[EGO_N_NOUNS])), <, logf (1.4f));
  }
  for (guint n = 0; n <= EGO_N_NOUNS; n++) {
    g_array_unref (size[n]);
    g_array_unref (shape[n]);
  }
  g_free (scene);
}

/* The working hand and the action's object at instant t of an action:
 * the hand's centre relative to the object's box, in units of the box. */
static gboolean
hand_in_box (EgoScene * scene, EgoScenario * sc, const EgoAction * a,
    double t, float *dx, float *dy, float obj_box[4])
{
  const EgoItem *hand = NULL, *obj = NULL;
  static const EgoSceneKnobs still = { 0.0f, 0.0f };

  ego_scene_build (scene, sc, &still, t);
  for (guint j = 0; j < scene->n_items; j++) {
    const EgoItem *it = &scene->items[j];
    if (it->category == EGO_ITEM_HAND && it->in_action && it->contact &&
        it->side == a->hand)
      hand = it;
    if (it->category == EGO_ITEM_OBJECT && it->in_action &&
        it->noun == (gint) a->noun)
      obj = it;
  }
  if (hand == NULL || obj == NULL)
    return FALSE;
  /* towards the hand's own side */
  *dx = ((hand->box[0] + hand->box[2]) - (obj->box[0] + obj->box[2])) / 2 /
      (obj->box[2] - obj->box[0]) * (a->hand == EGO_HAND_RIGHT ? 1 : -1);
  *dy = ((hand->box[1] + hand->box[3]) - (obj->box[1] + obj->box[3])) / 2 /
      (obj->box[3] - obj->box[1]);
  memcpy (obj_box, obj->box, sizeof (obj->box));
  return TRUE;
}

#define N_INSTANTS 5

static float
mean (GArray * values)
{
  double sum = 0.0;
  for (guint i = 0; i < values->len; i++)
    sum += g_array_index (values, float, i);
  return values->len ? (float) (sum / values->len) : NAN;
}

/* The mean of every noun's values but one. */
static float
mean_of_others (GArray * by_noun[EGO_N_NOUNS], guint skip)
{
  GArray *all = g_array_new (FALSE, FALSE, sizeof (float));
  float m;
  for (guint n = 0; n < EGO_N_NOUNS; n++)
    if (n != skip)
      g_array_append_vals (all, by_noun[n]->data, by_noun[n]->len);
  m = mean (all);
  g_array_unref (all);
  return m;
}

/* Where the hand is against the object's box, at each of five instants of
 * an opening or of a take, does not give the noun away: every noun's
 * mean is near the other nouns' (a box's top, a jar's lid and a
 * bottle's cap go the same way, a cup and a bottle are held alike). Nor
 * does opening change the object's box: the lid is no part of it. */
static void
test_hands_in_boxes (void)
{
  EgoScene *scene = g_new0 (EgoScene, 1);
  /* [open, take][noun][instant][dx, dy] */
  GArray *pos[2][EGO_N_NOUNS][N_INSTANTS][2];

  for (guint v = 0; v < 2; v++)
    for (guint n = 0; n < EGO_N_NOUNS; n++)
      for (guint q = 0; q < N_INSTANTS; q++)
        for (guint c = 0; c < 2; c++)
          pos[v][n][q][c] = g_array_new (FALSE, FALSE, sizeof (float));
  for (guint64 seed = 1; seed <= 120; seed++) {
    EgoScenario *sc = scenario_for (seed);
    for (guint i = 0; i < 40; i++) {
      const EgoAction *a = ego_scenario_get_action (sc, i);
      guint v = ego_verb_canonical (a->verb) == EGO_VERB_OPEN ? 0 :
          ego_verb_canonical (a->verb) == EGO_VERB_TAKE ? 1 : 2;
      gboolean rev = ego_verb_is_reversed (a->verb), have_first = FALSE;
      /* the verb's own motion, in the order of the canonical verb */
      double from = rev ? a->end - a->reach : a->start + a->reach;
      double to = rev ? a->start + a->retract : a->end - a->retract;
      float first[4], box[4], dx, dy;
      /* things with handles are held by them; a board or a loaf lies
       * turned on the counter, held at the side of its own outline */
      if (v == 2 || (v == 1 && rev) ||
          (v == 1 && (a->noun == EGO_NOUN_KNIFE || a->noun == EGO_NOUN_SPOON
                  || a->noun == EGO_NOUN_PAN || a->noun == EGO_NOUN_BOARD
                  || a->noun == EGO_NOUN_BREAD)))
        continue;
      for (guint q = 0; q < N_INSTANTS; q++) {
        double t = v == 0 ? from + (to - from) * (0.1 + 0.2 * q) :
            from + (to - from) * 0.05 * q;
        if (!hand_in_box (scene, sc, a, t, &dx, &dy, box))
          continue;
        if (!have_first) {
          memcpy (first, box, sizeof (box));
          have_first = TRUE;
        } else if (v == 0) {  /* the box stays the body's while the lid moves */
          for (guint e = 0; e < 4; e++)
            g_assert_cmpfloat (fabsf (box[e] - first[e]), <, 1e-3);
        }
        g_array_append_val (pos[v][a->noun][q][0], dx);
        g_array_append_val (pos[v][a->noun][q][1], dy);
      }
    }
    ego_scenario_free (sc);
  }
  for (guint v = 0; v < 2; v++)
    for (guint q = 0; q < N_INSTANTS; q++)
      for (guint c = 0; c < 2; c++) {
        GArray *by_noun[EGO_N_NOUNS];
        for (guint n = 0; n < EGO_N_NOUNS; n++)
          by_noun[n] = pos[v][n][q][c];
        for (guint n = 0; n < EGO_N_NOUNS; n++) {
          if (by_noun[n]->len == 0)
            continue;
          g_assert_cmpuint (by_noun[n]->len, >=, 30);
          g_assert_cmpfloat (fabsf (mean (by_noun[n]) -
                  mean_of_others (by_noun, n)), <, 0.15f);
        }
      }
  for (guint v = 0; v < 2; v++)
    for (guint n = 0; n < EGO_N_NOUNS; n++)
      for (guint q = 0; q < N_INSTANTS; q++)
        for (guint c = 0; c < 2; c++)
          g_array_unref (pos[v][n][q][c]);
  g_free (scene);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/synth/class-tables", test_class_tables);
  g_test_add_func ("/synth/schedule", test_schedule);
  g_test_add_func ("/synth/locate", test_locate);
  g_test_add_func ("/synth/reversed-pairs", test_reversed_pairs);
  g_test_add_func ("/synth/sound-events", test_sound_events);
  g_test_add_func ("/synth/sound-no-direction", test_sound_no_direction);
  g_test_add_func ("/synth/audio-chunks", test_audio_chunks);
  g_test_add_func ("/synth/frames-independent", test_frames_independent);
  g_test_add_func ("/synth/scene-items", test_scene_items);
  g_test_add_func ("/synth/object-boxes", test_object_boxes);
  g_test_add_func ("/synth/hands-in-boxes", test_hands_in_boxes);
  return g_test_run ();
}
