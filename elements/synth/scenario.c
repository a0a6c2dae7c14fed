/* The synthetic kitchen's script, see scenario.h. */
#include "scenario.h"

#include <math.h>
#include <string.h>

#include "shapes.h"
#include "synthrand.h"

struct _EgoScenario
{
  EgoScenarioParams params;
  EgoKitchen kitchen;
  GArray *actions;              /* EgoAction, in time order */
};

static const gchar *const verb_keys[EGO_N_VERBS] = {
  "take", "put", "open", "close", "move-left", "move-right", "rotate-cw",
  "rotate-ccw", "pour", "cut", "shake", "stir"
};

static const gchar *const kind_keys[EGO_N_KINDS] = {
  "cup", "bowl", "bottle", "jar", "knife", "board", "pan", "box", "spoon",
  "bread", "towel", "plate", "sponge", "apple", "carrot"
};

/* Which nouns each verb goes with, as in a real kitchen: every verb with at
 * least three nouns and every noun with at least three verbs, so that the
 * verb never gives the noun away. Bit n is noun n. */
#define N(x) (1u << EGO_NOUN_ ## x)
#define ALL_NOUNS ((1u << EGO_N_NOUNS) - 1)
static const guint verb_nouns[EGO_N_VERBS] = {
  ALL_NOUNS,                    /* take */
  ALL_NOUNS,                    /* put */
  N (BOTTLE) | N (JAR) | N (BOX),       /* open */
  N (BOTTLE) | N (JAR) | N (BOX),       /* close */
  ALL_NOUNS,                    /* move-left */
  ALL_NOUNS,                    /* move-right */
  N (BOARD) | N (BOX) | N (PAN) | N (KNIFE) | N (SPOON) | N (BREAD),
  N (BOARD) | N (BOX) | N (PAN) | N (KNIFE) | N (SPOON) | N (BREAD),
  N (CUP) | N (BOWL) | N (BOTTLE) | N (JAR) | N (PAN),  /* pour */
  N (BOARD) | N (BOX) | N (BREAD),      /* cut */
  N (BOTTLE) | N (JAR) | N (BOX) | N (PAN),     /* shake */
  N (CUP) | N (BOWL) | N (PAN) | N (JAR),       /* stir */
};

#undef N

/* Rough radius of each kind on the counter at size and aspect 1, to keep
 * things apart. */
static const float kind_radius[EGO_N_KINDS] = {
  0.065f, 0.09f, 0.06f, 0.06f, 0.11f, 0.17f, 0.17f, 0.085f, 0.09f, 0.09f,
  0.10f, 0.085f, 0.04f, 0.035f, 0.07f
};

/* How far each noun may be stretched across (its aspect) and still look
 * like itself: a squat or a slender jar, a stout bottle (a jug, as wide
 * as the widest boxes), a deep bowl. */
static const float kind_stretch[EGO_N_NOUNS][2] = {
  {0.55f, 1.8f}, {0.42f, 1.6f}, {0.8f, 4.4f}, {0.55f, 1.8f}, {0.7f, 1.4f},
  {0.6f, 1.6f}, {0.7f, 1.4f}, {0.5f, 2.0f}, {0.7f, 1.4f}, {0.6f, 1.6f}
};

/* The box every noun is fitted to is drawn from one distribution for all
 * of them: its size (square root of its area at scale 1) and its shape
 * (width over height), so that the box alone does not tell what is in
 * it. */
#define FIT_SIZE_MIN 0.11f
#define FIT_SIZE_MAX 0.21f
#define FIT_RATIO_MIN 0.55f
#define FIT_RATIO_MAX 1.2f

/* Kinds that stand upright (seen from the side) rather than lie flat. */
#define UPRIGHT_KINDS \
  ((1u << EGO_NOUN_CUP) | (1u << EGO_NOUN_BOWL) | (1u << EGO_NOUN_BOTTLE) | \
   (1u << EGO_NOUN_JAR))

typedef float Rgb[3];

/* Colour palettes: main colours per kind, then a second (pattern, label,
 * handle) and a third (inside, lid, cap) pool. Some colours are shared on
 * purpose between nouns and distractors (a red cup, a red towel). */
typedef struct
{
  guint n_main, n_second, n_third, n_variants;
  Rgb main[6], second[4], third[4];
} KindLook;

static const KindLook kind_looks[EGO_N_KINDS] = {
  /* cup: mug, mug with stripes, tumbler */
  {6, 3, 3, 3, {{0.92f, 0.91f, 0.88f}, {0.78f, 0.16f, 0.14f}, {0.2f, 0.35f,
              0.7f}, {0.95f, 0.78f, 0.2f}, {0.3f, 0.6f, 0.35f}, {0.16f,
              0.16f, 0.17f}},
      {{0.95f, 0.95f, 0.95f}, {0.1f, 0.15f, 0.4f}, {0.85f, 0.3f, 0.2f}},
      {{0.25f, 0.14f, 0.07f}, {0.55f, 0.35f, 0.12f}, {0.9f, 0.88f, 0.8f}}},
  /* bowl: plain, speckled, rimmed */
  {5, 2, 3, 3, {{0.93f, 0.92f, 0.9f}, {0.93f, 0.87f, 0.72f}, {0.72f, 0.38f,
              0.22f}, {0.35f, 0.5f, 0.75f}, {0.45f, 0.62f, 0.5f}},
      {{0.3f, 0.25f, 0.2f}, {0.15f, 0.2f, 0.45f}},
      {{0.9f, 0.85f, 0.6f}, {0.8f, 0.45f, 0.15f}, {0.35f, 0.6f, 0.2f}}},
  /* bottle: wine, oil, water */
  {4, 3, 4, 3, {{0.15f, 0.42f, 0.2f}, {0.42f, 0.22f, 0.08f}, {0.62f, 0.76f,
              0.86f}, {0.62f, 0.6f, 0.16f}},
      {{0.95f, 0.93f, 0.85f}, {0.8f, 0.15f, 0.12f}, {0.2f, 0.3f, 0.65f}},
      {{0.8f, 0.1f, 0.1f}, {0.85f, 0.7f, 0.3f}, {0.1f, 0.1f, 0.1f}, {0.95f,
              0.95f, 0.95f}}},
  /* jar: squat, tall, labelled */
  {5, 2, 4, 3, {{0.6f, 0.08f, 0.12f}, {0.85f, 0.55f, 0.12f}, {0.45f, 0.55f,
              0.2f}, {0.93f, 0.93f, 0.9f}, {0.75f, 0.25f, 0.1f}},
      {{0.95f, 0.93f, 0.85f}, {0.3f, 0.5f, 0.3f}},
      {{0.8f, 0.65f, 0.25f}, {0.7f, 0.72f, 0.75f}, {0.75f, 0.12f, 0.1f},
          {0.95f, 0.95f, 0.92f}}},
  /* knife: chef, paring, bread knife */
  {3, 4, 1, 3, {{0.75f, 0.77f, 0.8f}, {0.82f, 0.83f, 0.85f}, {0.6f, 0.62f,
              0.66f}},
      {{0.1f, 0.1f, 0.1f}, {0.45f, 0.28f, 0.15f}, {0.7f, 0.15f, 0.12f},
          {0.92f, 0.92f, 0.9f}},
      {{0.2f, 0.2f, 0.2f}}},
  /* board: wood, bamboo, plastic */
  {5, 2, 1, 3, {{0.8f, 0.62f, 0.4f}, {0.55f, 0.35f, 0.2f}, {0.85f, 0.72f,
              0.45f}, {0.93f, 0.93f, 0.9f}, {0.5f, 0.75f, 0.45f}},
      {{0.45f, 0.3f, 0.16f}, {0.75f, 0.6f, 0.35f}},
      {{0.3f, 0.2f, 0.12f}}},
  /* pan: frying pan, sauce pan, wok */
  {4, 2, 3, 3, {{0.14f, 0.14f, 0.15f}, {0.36f, 0.37f, 0.39f}, {0.72f, 0.42f,
              0.25f}, {0.7f, 0.15f, 0.1f}},
      {{0.22f, 0.22f, 0.24f}, {0.55f, 0.56f, 0.58f}},
      {{0.08f, 0.08f, 0.08f}, {0.4f, 0.25f, 0.12f}, {0.6f, 0.6f, 0.62f}}},
  /* box: cardboard, cereal, tea box */
  {5, 3, 2, 3, {{0.72f, 0.55f, 0.35f}, {0.8f, 0.2f, 0.15f}, {0.2f, 0.35f,
              0.75f}, {0.95f, 0.8f, 0.25f}, {0.92f, 0.92f, 0.9f}},
      {{0.9f, 0.85f, 0.7f}, {0.95f, 0.95f, 0.95f}, {0.2f, 0.2f, 0.2f}},
      {{0.35f, 0.25f, 0.15f}, {0.15f, 0.12f, 0.1f}}},
  /* spoon: table spoon, wooden spoon, ladle */
  {4, 1, 1, 3, {{0.78f, 0.8f, 0.82f}, {0.75f, 0.55f, 0.32f}, {0.15f, 0.15f,
              0.15f}, {0.8f, 0.2f, 0.15f}},
      {{0.5f, 0.5f, 0.52f}},
      {{0.3f, 0.3f, 0.3f}}},
  /* bread: loaf, baguette, round */
  {3, 1, 1, 3, {{0.72f, 0.45f, 0.2f}, {0.45f, 0.28f, 0.15f}, {0.86f, 0.68f,
              0.4f}},
      {{0.95f, 0.88f, 0.72f}},
      {{0.55f, 0.32f, 0.12f}}},
  /* towel */
  {4, 2, 1, 2, {{0.8f, 0.18f, 0.15f}, {0.2f, 0.35f, 0.7f}, {0.35f, 0.6f,
              0.35f}, {0.92f, 0.9f, 0.86f}},
      {{0.95f, 0.95f, 0.95f}, {0.25f, 0.25f, 0.3f}},
      {{0.5f, 0.5f, 0.5f}}},
  /* plate */
  {3, 2, 1, 1, {{0.94f, 0.94f, 0.92f}, {0.93f, 0.87f, 0.72f}, {0.35f, 0.5f,
              0.75f}},
      {{0.85f, 0.85f, 0.82f}, {0.2f, 0.3f, 0.6f}},
      {{0.5f, 0.5f, 0.5f}}},
  /* sponge */
  {3, 2, 1, 1, {{0.95f, 0.82f, 0.25f}, {0.4f, 0.7f, 0.3f}, {0.95f, 0.55f,
              0.6f}},
      {{0.2f, 0.5f, 0.25f}, {0.3f, 0.3f, 0.35f}},
      {{0.5f, 0.5f, 0.5f}}},
  /* apple */
  {3, 1, 1, 1, {{0.78f, 0.12f, 0.12f}, {0.5f, 0.75f, 0.25f}, {0.95f, 0.8f,
              0.25f}},
      {{0.35f, 0.22f, 0.1f}},
      {{0.3f, 0.5f, 0.2f}}},
  /* carrot */
  {2, 1, 1, 1, {{0.95f, 0.5f, 0.1f}, {0.9f, 0.42f, 0.08f}},
      {{0.3f, 0.6f, 0.2f}},
      {{0.5f, 0.3f, 0.1f}}},
};

static const Rgb liquids[] = {
  {0.55f, 0.7f, 0.85f}, {0.95f, 0.95f, 0.92f}, {0.85f, 0.7f, 0.2f},
  {0.35f, 0.2f, 0.1f}, {0.95f, 0.55f, 0.1f}
};

void
ego_scenario_params_init (EgoScenarioParams * params, guint64 seed)
{
  params->seed = seed;
  params->difficulty = EGO_SYNTH_DEFAULT_DIFFICULTY;
  params->clutter = EGO_SYNTH_DEFAULT_CLUTTER;
  params->occlusion = EGO_SYNTH_DEFAULT_OCCLUSION;
}

/* Skin tones from light to dark, sleeves, counters and walls. */
static const Rgb skins[] = {
  {0.96f, 0.8f, 0.7f}, {0.9f, 0.72f, 0.6f}, {0.82f, 0.6f, 0.45f},
  {0.66f, 0.45f, 0.31f}, {0.47f, 0.31f, 0.21f}, {0.32f, 0.21f, 0.15f}
};

static const Rgb sleeves[] = {
  {0.15f, 0.2f, 0.35f}, {0.55f, 0.1f, 0.12f}, {0.25f, 0.25f, 0.27f},
  {0.85f, 0.85f, 0.82f}, {0.2f, 0.4f, 0.25f}, {0.6f, 0.5f, 0.35f}
};

static const Rgb counters[][2] = {
  {{0.55f, 0.55f, 0.56f}, {0.2f, 0.2f, 0.22f}}, /* granite */
  {{0.72f, 0.55f, 0.36f}, {0.5f, 0.35f, 0.2f}}, /* wood */
  {{0.9f, 0.9f, 0.88f}, {0.6f, 0.62f, 0.65f}},  /* marble */
  {{0.82f, 0.8f, 0.74f}, {0.7f, 0.68f, 0.62f}}, /* laminate */
};

static const Rgb walls[][2] = {
  {{0.93f, 0.93f, 0.9f}, {0.7f, 0.7f, 0.68f}},
  {{0.55f, 0.7f, 0.78f}, {0.9f, 0.9f, 0.88f}},
  {{0.85f, 0.78f, 0.62f}, {0.6f, 0.5f, 0.38f}},
  {{0.5f, 0.62f, 0.45f}, {0.85f, 0.85f, 0.8f}},
  {{0.75f, 0.42f, 0.3f}, {0.9f, 0.85f, 0.78f}},
};

static void
jitter_copy (SynthRand * r, const float *in, float amount, float *out)
{
  float bright = 1.0f + synth_rand_range (r, -amount, amount);
  for (int i = 0; i < 3; i++)
    out[i] = CLAMP (in[i] * bright * (1.0f + synth_rand_range (r, -amount,
                amount) * 0.5f), 0.0f, 1.0f);
}

static void
sample_kitchen (guint64 seed, EgoKitchen * k)
{
  SynthRand r;
  guint c, w;

  synth_rand_init (&r, seed, G_MAXUINT64);
  jitter_copy (&r, skins[synth_rand_below (&r, G_N_ELEMENTS (skins))],
      0.06f, k->skin);
  jitter_copy (&r, sleeves[synth_rand_below (&r, G_N_ELEMENTS (sleeves))],
      0.1f, k->sleeve);
  k->hand_size = synth_rand_range (&r, 0.92f, 1.08f);
  k->rest_y = synth_rand_range (&r, 1.0f, 1.08f);
  c = synth_rand_below (&r, G_N_ELEMENTS (counters));
  k->counter_style = c;
  jitter_copy (&r, counters[c][0], 0.1f, k->counter_rgb[0]);
  jitter_copy (&r, counters[c][1], 0.1f, k->counter_rgb[1]);
  w = synth_rand_below (&r, G_N_ELEMENTS (walls));
  k->wall_style = synth_rand_below (&r, 3) ? 0 : 1;
  jitter_copy (&r, walls[w][0], 0.08f, k->wall_rgb[0]);
  jitter_copy (&r, walls[w][1], 0.08f, k->wall_rgb[1]);
  k->tile_size = synth_rand_range (&r, 0.07f, 0.14f);
  k->horizon = synth_rand_range (&r, 0.16f, 0.28f);
  k->seed = (guint32) synth_rand_u64 (&r);
}

EgoScenario *
ego_scenario_new (const EgoScenarioParams * params)
{
  EgoScenario *sc = g_new0 (EgoScenario, 1);
  sc->params = *params;
  sc->params.difficulty = CLAMP (params->difficulty, 0.0f, 1.0f);
  sc->params.clutter = CLAMP (params->clutter, 0.0f, 1.0f);
  sc->params.occlusion = CLAMP (params->occlusion, 0.0f, 1.0f);
  sc->actions = g_array_new (FALSE, TRUE, sizeof (EgoAction));
  sample_kitchen (params->seed, &sc->kitchen);
  return sc;
}

void
ego_scenario_free (EgoScenario * sc)
{
  if (sc == NULL)
    return;
  g_array_unref (sc->actions);
  g_free (sc);
}

const EgoScenarioParams *
ego_scenario_get_params (const EgoScenario * sc)
{
  return &sc->params;
}

const EgoKitchen *
ego_scenario_get_kitchen (const EgoScenario * sc)
{
  return &sc->kitchen;
}

static void
pick_colour (SynthRand * r, const Rgb * pool, guint n, float jitter,
    float out[3])
{
  const float *c = pool[synth_rand_below (r, n)];
  float bright = 1.0f + synth_rand_range (r, -jitter, jitter);
  for (int i = 0; i < 3; i++) {
    float v = c[i] * bright * (1.0f + synth_rand_range (r, -jitter, jitter));
    out[i] = CLAMP (v, 0.02f, 1.0f);
  }
}

/* The box of o's outline (lid left out) turned by angle and stretched
 * across by aspect, at scale 1: its width and height. */
static void
turned_box (const EgoObject * o, float aspect, float angle, float *bw,
    float *bh)
{
  EgoXform m = ego_xform_pose (0.0f, 0.0f, angle, 1.0f, aspect);
  float box[4];

  ego_object_body_box (o, &m, box);
  *bw = box[2] - box[0];
  *bh = box[3] - box[1];
}

/* The aspect in lo..hi that gives o turned by angle a box closest to
 * ratio (width over height). */
static float
fit_aspect (const EgoObject * o, float angle, float ratio, float lo, float hi)
{
  float a0 = logf (lo), a1 = logf (hi), bw, bh;
  /* the box widens with the aspect when the outline lies mostly across */
  gboolean widens = fabsf (cosf (angle)) >= fabsf (sinf (angle));

  for (int i = 0; i < 16; i++) {
    float m = 0.5f * (a0 + a1);
    turned_box (o, expf (m), angle, &bw, &bh);
    if ((bw < ratio * bh) == widens)
      a0 = m;
    else
      a1 = m;
  }
  return expf (0.5f * (a0 + a1));
}

/* The turn in 0..pi/2 that gives o, stretched by aspect, a box closest to
 * ratio. */
static float
fit_turn (const EgoObject * o, float aspect, float ratio)
{
  float t0 = 0.0f, t1 = (float) G_PI_2, bw, bh;
  gboolean narrows;

  /* from lying across (0) to lying along the view (pi/2) the box narrows
   * when it is wider than high, and widens otherwise */
  turned_box (o, aspect, 0.0f, &bw, &bh);
  narrows = bw > bh;
  for (int i = 0; i < 16; i++) {
    float m = 0.5f * (t0 + t1);
    turned_box (o, aspect, m, &bw, &bh);
    if ((bw > ratio * bh) == narrows)
      t0 = m;
    else
      t1 = m;
  }
  return 0.5f * (t0 + t1);
}

gboolean
ego_kind_has_handle (guint kind)
{
  return kind == EGO_NOUN_KNIFE || kind == EGO_NOUN_SPOON ||
      kind == EGO_NOUN_PAN;
}

/* Size, aspect and rest angle of o such that its box has a size and a
 * shape drawn from one distribution for all kinds. Upright things (seen
 * from the side) and boxes stay upright and are made squatter or
 * slimmer; flat things are turned on the counter, and stretched only when
 * turning is not enough. A handle points towards the hand that will take
 * it (hand: +1 right, -1 left, 0 either), and towards the body when it
 * points much along the view. */
static void
fit_box (SynthRand * r, EgoObject * o, float hand)
{
  const float *stretch = kind_stretch[o->kind];
  float size = expf (synth_rand_range (r, logf (FIT_SIZE_MIN),
          logf (FIT_SIZE_MAX)));
  float ratio = expf (synth_rand_range (r, logf (FIT_RATIO_MIN),
          logf (FIT_RATIO_MAX)));
  gboolean down = synth_rand_float (r) < 0.5f;
  float bw, bh;

  if (UPRIGHT_KINDS & (1u << o->kind) || o->kind == EGO_NOUN_BOX) {
    o->angle = synth_rand_range (r, -0.05f, 0.05f);
    o->aspect = fit_aspect (o, o->angle, ratio, stretch[0], stretch[1]);
  } else {
    float turn;
    o->aspect = synth_rand_range (r, 0.85f, 1.15f);
    turn = fit_turn (o, o->aspect, ratio);
    /* turning is not enough: stretch it too */
    if (turn < 0.01f || turn > (float) G_PI_2 - 0.01f)
      o->aspect = fit_aspect (o, turn, ratio, stretch[0], stretch[1]);
    if (ego_kind_has_handle (o->kind) && hand != 0.0f) {
      if (turn > 0.4f || down)
        o->angle = hand > 0.0f ? turn - (float) G_PI : -turn;
      else
        o->angle = hand > 0.0f ? (float) G_PI - turn : turn;
    } else {
      o->angle = down ? turn : -turn;
    }
  }
  turned_box (o, o->aspect, o->angle, &bw, &bh);
  o->size = size / sqrtf (bw * bh);
}

/* A new thing of the given kind, with its looks varied within the class;
 * its position is set by the caller. The box of a noun's kind is fitted by
 * fit_box(); distractors keep about their usual size and proportions. */
static void
sample_object (SynthRand * r, guint kind, float difficulty, float hand,
    EgoObject * o)
{
  const KindLook *look = &kind_looks[kind];
  float jitter = 0.05f + 0.15f * difficulty;
  float spread = 0.08f + 0.12f * difficulty;

  o->kind = kind;
  o->variant = synth_rand_below (r, look->n_variants);
  pick_colour (r, look->main, look->n_main, jitter, o->rgb[0]);
  pick_colour (r, look->second, look->n_second, jitter, o->rgb[1]);
  pick_colour (r, look->third, look->n_third, jitter, o->rgb[2]);
  o->tex_u = synth_rand_float (r) * 8.0f;
  o->tex_v = synth_rand_float (r) * 8.0f;
  o->seed = (guint32) synth_rand_u64 (r);
  o->x = o->y = 0.0f;
  if (kind < EGO_N_NOUNS) {
    fit_box (r, o, hand);
    return;
  }
  o->size = 1.0f + synth_rand_range (r, -spread, spread);
  o->aspect = 1.0f + synth_rand_range (r, -spread, spread) * 0.7f;
  if (kind == EGO_KIND_APPLE)
    o->angle = synth_rand_range (r, -0.05f, 0.05f);
  else
    o->angle = synth_rand_range (r, -0.5f, 0.5f) +
        (synth_rand_float (r) < 0.5f ? (float) G_PI : 0.0f);
}

/* How far o reaches from its centre on the counter, roughly. */
static float
object_radius (const EgoObject * o)
{
  return kind_radius[o->kind] * o->size * sqrtf (o->aspect);
}

/* a noun that goes with verb, uniformly among the plausible ones */
static EgoNoun
pick_noun (SynthRand * r, EgoVerb verb)
{
  guint mask = verb_nouns[verb], n = 0, pick;
  for (guint i = 0; i < EGO_N_NOUNS; i++)
    n += (mask >> i) & 1;
  pick = synth_rand_below (r, n);
  for (guint i = 0; i < EGO_N_NOUNS; i++)
    if ((mask >> i) & 1 && pick-- == 0)
      return (EgoNoun) i;
  return EGO_NOUN_CUP;
}

/* Main phase length and verb parameters, in the canonical direction.
 * Difficulty makes actions quicker and their motions smaller. */
static float
sample_motion (SynthRand * r, EgoAction * a, float difficulty)
{
  float quick = 1.0f - 0.25f * difficulty;
  float small = 1.0f - 0.3f * difficulty;

  switch (ego_verb_canonical (a->verb)) {
    case EGO_VERB_TAKE:
      a->amount = synth_rand_range (r, 0.04f, 0.08f);
      return synth_rand_range (r, 0.6f, 1.0f) * quick;
    case EGO_VERB_OPEN:
      return synth_rand_range (r, 0.7f, 1.2f) * quick;
    case EGO_VERB_MOVE_LEFT:
      a->amount = synth_rand_range (r, 0.14f, 0.28f) * small;
      return synth_rand_range (r, 0.6f, 1.1f) * quick;
    case EGO_VERB_ROTATE_CW:
      a->amount = synth_rand_range (r, 0.7f, 1.5f) * small;
      return synth_rand_range (r, 0.6f, 1.1f) * quick;
    case EGO_VERB_POUR:
      a->amount = synth_rand_range (r, 1.2f, 1.7f);
      return synth_rand_range (r, 2.0f, 3.0f) * quick;
    case EGO_VERB_CUT:
      a->amount = synth_rand_range (r, 0.025f, 0.04f) * small;
      a->rate = synth_rand_range (r, 2.2f, 3.5f);
      return (4 + synth_rand_below (r, 4)) / a->rate;
    case EGO_VERB_SHAKE:
      a->amount = synth_rand_range (r, 0.02f, 0.035f) * small;
      a->rate = synth_rand_range (r, 3.5f, 5.5f);
      return synth_rand_range (r, 1.2f, 2.0f) * quick;
    case EGO_VERB_STIR:
      a->amount = synth_rand_range (r, 0.018f, 0.03f) * small;
      a->rate = synth_rand_range (r, 0.8f, 1.5f);
      return (2 + synth_rand_below (r, 3)) / a->rate;
    default:
      g_assert_not_reached ();
      return 1.0f;
  }
}

/* Whether o and a candidate c (placed at its x, y) would overlap. */
static gboolean
too_close (const EgoObject * o, const EgoObject * c)
{
  float dx = o->x - c->x, dy = o->y - c->y;
  /* things are drawn about 1.35 times their nominal size */
  float r = 1.35f * (object_radius (o) + object_radius (c)) + 0.01f;
  return dx * dx + dy * dy < r * r;
}

/* Whether a clutter candidate c would sit where the action happens: on
 * the object, at its goal, on the tool, or in the hand's way. */
static gboolean
in_the_way (const EgoAction * a, const EgoObject * c)
{
  EgoObject end = a->object;
  if (too_close (&a->object, c))
    return TRUE;
  end.x -= ego_verb_canonical (a->verb) == EGO_VERB_MOVE_LEFT ? a->amount : 0;
  if (too_close (&end, c))
    return TRUE;
  if (a->tool.kind != EGO_KIND_NONE && too_close (&a->tool, c))
    return TRUE;
  /* the arm comes from below */
  if (c->y > a->object.y && fabsf (c->x - a->object.x) < 0.16f +
      1.35f * object_radius (c))
    return TRUE;
  for (guint i = 0; i < a->n_clutter; i++)
    if (too_close (&a->clutter[i], c))
      return TRUE;
  return FALSE;
}

static void
sample_clutter (SynthRand * r, EgoAction * a, const EgoScenarioParams * p)
{
  guint want = (guint) lrintf (p->clutter * synth_rand_range (r, 1.0f, 8.9f));
  want = MIN (want, EGO_SYNTH_MAX_CLUTTER);
  a->n_clutter = 0;
  for (guint i = 0; i < want; i++) {
    EgoObject *o = &a->clutter[a->n_clutter];
    guint kind;
    if (synth_rand_float (r) < 0.5f) {
      do
        kind = synth_rand_below (r, EGO_N_NOUNS);
      while (kind == a->noun || kind == a->tool.kind);
    } else {
      kind = EGO_N_NOUNS + synth_rand_below (r, EGO_N_KINDS - EGO_N_NOUNS);
    }
    sample_object (r, kind, p->difficulty, 0.0f, o);
    for (guint attempt = 0; attempt < 16; attempt++) {
      o->x = synth_rand_range (r, -0.62f, 0.62f);
      o->y = synth_rand_range (r, 0.34f, 0.84f);
      if (!in_the_way (a, o)) {
        a->n_clutter++;
        break;
      }
    }
  }
}

/* Things the action needs besides its object: the knife that cuts, the
 * spoon that stirs, the container poured into, food on a board. */
static void
sample_props (SynthRand * r, EgoAction * a, float difficulty)
{
  float side = a->hand == EGO_HAND_RIGHT ? 1.0f : -1.0f;

  a->tool.kind = a->extra.kind = EGO_KIND_NONE;
  if (a->verb == EGO_VERB_CUT || a->verb == EGO_VERB_STIR) {
    sample_object (r, a->verb == EGO_VERB_CUT ? EGO_NOUN_KNIFE :
        EGO_NOUN_SPOON, difficulty, side, &a->tool);
    /* the tool is carried in: its pose comes from the hand, which holds
     * it at its usual size */
    a->tool.size = synth_rand_range (r, 0.9f, 1.1f);
    a->tool.aspect = 1.0f;
    if (a->verb == EGO_VERB_CUT && a->noun == EGO_NOUN_BOARD) {
      float board_w, board_h, food_w, food_h;
      sample_object (r, EGO_KIND_CARROT, difficulty, 0.0f, &a->extra);
      /* food a good part of the board's length */
      turned_box (&a->object, a->object.aspect, 0.0f, &board_w, &board_h);
      turned_box (&a->extra, 1.0f, 0.0f, &food_w, &food_h);
      a->extra.aspect = 1.0f;
      a->extra.size = synth_rand_range (r, 0.45f, 0.65f) * a->object.size *
          board_w / food_w;
      a->extra.x = a->object.x + synth_rand_range (r, -0.03f, 0.03f) *
          a->object.size;
      a->extra.y = a->object.y + synth_rand_range (r, -0.02f, 0.01f) *
          a->object.size;
      a->extra.angle = a->object.angle + synth_rand_range (r, -0.3f, 0.3f);
    }
  } else if (a->verb == EGO_VERB_POUR) {
    static const guint targets[] = { EGO_NOUN_BOWL, EGO_NOUN_PAN,
      EGO_NOUN_CUP
    };
    guint kind;
    float apart;
    do
      kind = targets[synth_rand_below (r, G_N_ELEMENTS (targets))];
    while (kind == a->noun);
    /* a pan's handle points to the side away from what is poured into
     * it (or towards the body); its box, like every noun's, comes from the
     * shared distribution */
    sample_object (r, kind, difficulty, -side, &a->tool);
    apart = MAX (synth_rand_range (r, 0.27f, 0.34f),
        1.1f * (object_radius (&a->object) + object_radius (&a->tool)));
    a->tool.x = a->object.x - side * apart;
    a->tool.y = a->object.y + synth_rand_range (r, -0.03f, 0.05f);
  }
}

/* Where the object rests and which way things go. */
static void
sample_layout (SynthRand * r, EgoAction * a)
{
  float side = a->hand == EGO_HAND_RIGHT ? 1.0f : -1.0f;
  float x = side * synth_rand_range (r, -0.05f, 0.27f);

  if (a->verb == EGO_VERB_POUR)
    x = side * synth_rand_range (r, 0.08f, 0.27f);
  a->object.y = synth_rand_range (r, 0.46f, 0.66f);
  /* moves are centred on the drawn position so that the start of a
   * move-left and the start of a move-right are equally likely anywhere */
  if (ego_verb_canonical (a->verb) == EGO_VERB_MOVE_LEFT)
    x += a->amount * 0.5f;
  a->object.x = x;
  a->dir = synth_rand_sign (r);
  a->hold_x = side * synth_rand_range (r, 0.08f, 0.24f);
  a->hold_y = synth_rand_range (r, 0.84f, 0.95f);
  a->hold_scale = synth_rand_range (r, 1.1f, 1.3f);
}

static void
sample_action (EgoScenario * sc, guint index, EgoAction * a)
{
  const EgoScenarioParams *p = &sc->params;
  const EgoAction *prev = index > 0 ?
      &g_array_index (sc->actions, EgoAction, index - 1) : NULL;
  float quick = 1.0f - 0.25f * p->difficulty;
  SynthRand r;
  float main_len, gap;

  synth_rand_init (&r, p->seed, index);
  a->index = index;
  a->verb = (EgoVerb) synth_rand_below (&r, EGO_N_VERBS);
  a->noun = pick_noun (&r, a->verb);
  a->hand = synth_rand_below (&r, 2) ? EGO_HAND_RIGHT : EGO_HAND_LEFT;
  a->seed = (guint32) synth_rand_u64 (&r);
  sample_object (&r, a->noun, p->difficulty,
      a->hand == EGO_HAND_RIGHT ? 1.0f : -1.0f, &a->object);

  main_len = sample_motion (&r, a, p->difficulty);
  a->reach = synth_rand_range (&r, 0.35f, 0.6f) * quick;
  a->retract = synth_rand_range (&r, 0.35f, 0.6f) * quick;
  if (ego_verb_canonical (a->verb) == EGO_VERB_TAKE)
    a->retract = 0.0f;          /* take ends holding the object */
  sample_layout (&r, a);
  sample_props (&r, a, p->difficulty);
  a->grasp_depth = CLAMP (0.25f + 0.6f * p->occlusion *
      synth_rand_range (&r, 0.6f, 1.4f), 0.1f, 0.95f);
  a->helper = a->verb == EGO_VERB_CUT ||
      (a->verb == EGO_VERB_STIR && synth_rand_float (&r) < 0.5f) ||
      (a->verb == EGO_VERB_POUR && synth_rand_float (&r) < 0.4f) ||
      /* the other hand steadies whatever is opened, a box as often as a
       * jar, so that it does not tell which */
      ((a->verb == EGO_VERB_OPEN || a->verb == EGO_VERB_CLOSE) &&
      synth_rand_float (&r) < 0.6f);
  memcpy (a->liquid, liquids[synth_rand_below (&r, G_N_ELEMENTS (liquids))],
      sizeof (a->liquid));
  sample_clutter (&r, a, p);

  gap = prev ? synth_rand_range (&r, 0.9f, 2.2f) * (1.0f - 0.3f *
      p->difficulty) : synth_rand_range (&r, 0.6f, 1.2f);
  a->start = (prev ? prev->end : 0.0) + gap;
  a->end = a->start + a->reach + main_len + a->retract;
  a->workspace_x = prev ? prev->workspace_x + synth_rand_range (&r, 1.75f,
      2.1f) : 0.0;
}

const EgoAction *
ego_scenario_get_action (EgoScenario * sc, guint index)
{
  while (sc->actions->len <= index) {
    EgoAction a;
    memset (&a, 0, sizeof (a));
    sample_action (sc, sc->actions->len, &a);
    g_array_append_val (sc->actions, a);
  }
  return &g_array_index (sc->actions, EgoAction, index);
}

guint
ego_scenario_locate (EgoScenario * sc, double t, gboolean * active)
{
  guint lo = 0, hi;

  /* make the schedule reach past t */
  while (sc->actions->len == 0 ||
      g_array_index (sc->actions, EgoAction, sc->actions->len - 1).end <= t)
    ego_scenario_get_action (sc, sc->actions->len);
  /* first action that ends after t */
  hi = sc->actions->len - 1;
  while (lo < hi) {
    guint mid = (lo + hi) / 2;
    if (g_array_index (sc->actions, EgoAction, mid).end <= t)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (active)
    *active = t >= g_array_index (sc->actions, EgoAction, lo).start;
  return lo;
}

const gchar *
ego_verb_key (guint verb)
{
  return verb < EGO_N_VERBS ? verb_keys[verb] : NULL;
}

const gchar *
ego_noun_key (guint noun)
{
  return noun < EGO_N_NOUNS ? kind_keys[noun] : NULL;
}

const gchar *
ego_kind_key (guint kind)
{
  return kind < EGO_N_KINDS ? kind_keys[kind] : NULL;
}

gint
ego_verb_from_key (const gchar * key)
{
  for (guint i = 0; key && i < EGO_N_VERBS; i++)
    if (g_str_equal (key, verb_keys[i]))
      return (gint) i;
  return -1;
}

gint
ego_noun_from_key (const gchar * key)
{
  for (guint i = 0; key && i < EGO_N_NOUNS; i++)
    if (g_str_equal (key, kind_keys[i]))
      return (gint) i;
  return -1;
}

gboolean
ego_verb_noun_plausible (guint verb, guint noun)
{
  return verb < EGO_N_VERBS && noun < EGO_N_NOUNS &&
      ((verb_nouns[verb] >> noun) & 1);
}

gboolean
ego_verb_is_reversed (EgoVerb verb)
{
  return verb == EGO_VERB_PUT || verb == EGO_VERB_CLOSE ||
      verb == EGO_VERB_MOVE_RIGHT || verb == EGO_VERB_ROTATE_CCW;
}

EgoVerb
ego_verb_canonical (EgoVerb verb)
{
  /* the pairs are adjacent, the canonical one first */
  return ego_verb_is_reversed (verb) ? verb - 1 : verb;
}

gboolean
ego_action_holds_at_start (const EgoAction * a)
{
  return a->verb == EGO_VERB_PUT || a->verb == EGO_VERB_CUT ||
      a->verb == EGO_VERB_STIR;
}

gboolean
ego_action_holds_at_end (const EgoAction * a)
{
  return a->verb == EGO_VERB_TAKE || a->verb == EGO_VERB_CUT ||
      a->verb == EGO_VERB_STIR;
}
