/* The sound of the synthetic kitchen, see render_audio.h.
 *
 * Three layers: a room tone (low rumble, hiss and mains hum) that never
 * stops; continuous sounds whose loudness follows how fast things move
 * (sliding, turning, lids, pouring, stirring, shaking), taken from the same
 * motion as the video at 250 points a second; and short events at the
 * instants the motion sets (grasps, thuds, chops, clicks, rattles, clinks).
 * Filtered noise is made without filter state, from hashed values on a
 * lattice in time, so that no sample depends on the ones before it. None
 * of it depends on the noun: sound tells some verbs, never the object. */
#include "render_audio.h"

#include <math.h>
#include <string.h>

#include "scene.h"
#include "synthrand.h"

#define TWO_PI 6.283185307179586
#define CONTROL_STEP 0.004      /* seconds between motion readings */
#define EVENT_TAIL 0.35         /* longest event sound, seconds */
#define MAX_ACTIVE 32
#define CACHE_ACTIONS 4

typedef struct
{
  guint index;
  guint n;
  EgoSoundEvent ev[EGO_MAX_SOUND_EVENTS];
} EventCache;

struct _EgoAudioRenderer
{
  EgoScenario *sc;
  guint32 seed;
  EventCache cache[CACHE_ACTIONS];
  /* the last motion reading, as it is asked for sample after sample */
  gint64 control_index;
  EgoSoundDrive control[2];
};

EgoAudioRenderer *
ego_audio_renderer_new (EgoScenario * sc)
{
  EgoAudioRenderer *ar = g_new0 (EgoAudioRenderer, 1);
  ar->sc = sc;
  ar->seed = (guint32) synth_mix64 (ego_scenario_get_params (sc)->seed ^
      G_GUINT64_CONSTANT (0xa0d10));
  for (guint i = 0; i < CACHE_ACTIONS; i++)
    ar->cache[i].index = G_MAXUINT;
  ar->control_index = -1;
  return ar;
}

void
ego_audio_renderer_free (EgoAudioRenderer * ar)
{
  g_free (ar);
}

/* white noise in -1..1 for sample i of a stream */
static inline float
white (guint64 i, guint32 stream)
{
  guint32 h = synth_hash32 ((guint32) i ^ synth_hash32 ((guint32) (i >> 32) ^
          stream));
  return (h >> 8) * (2.0f / 16777216.0f) - 1.0f;
}

/* Noise band-limited to about freq/2: hashed values freq times a second,
 * smoothly joined. */
static inline float
smooth_noise (double t, double freq, guint32 stream)
{
  double x = t * freq, fx = floor (x);
  float u = (float) (x - fx), a, b;
  guint64 i = (guint64) fx;
  a = white (i, stream);
  b = white (i + 1, stream);
  u = u * u * (3.0f - 2.0f * u);
  return a + (b - a) * u;
}

/* Noise in a band of width bw around centre Hz. */
static inline float
band_noise (double t, double centre, double bw, guint32 stream)
{
  return smooth_noise (t, bw, stream) * (float) cos (TWO_PI * centre * t +
      (stream & 255));
}

static float
room_tone (const EgoAudioRenderer * ar, double t)
{
  guint32 s = ar->seed;
  return 0.014f * smooth_noise (t, 120.0, s) +
      0.008f * smooth_noise (t, 700.0, s + 1) +
      0.005f * smooth_noise (t, 3000.0, s + 2) +
      0.003f * smooth_noise (t, 9000.0, s + 3) +
      0.004f * (float) sin (TWO_PI * 50.0 * t) +
      0.002f * (float) sin (TWO_PI * 150.0 * t + 1.0);
}

/* ---- continuous sounds ---- */

static void
drive_at (EgoAudioRenderer * ar, gint64 k, EgoSoundDrive * d)
{
  double t = k * CONTROL_STEP;
  gboolean active;
  guint index = ego_scenario_locate (ar->sc, t, &active);

  memset (d, 0, sizeof (*d));
  if (active)
    ego_scene_sound_drive (ego_scenario_get_kitchen (ar->sc),
        ego_scenario_get_action (ar->sc, index), t, d);
}

/* the motion at t, read at the control points around it and joined */
static void
drive_between (EgoAudioRenderer * ar, double t, EgoSoundDrive * d)
{
  gint64 k = (gint64) floor (t / CONTROL_STEP);
  float u = (float) (t / CONTROL_STEP - k);
  const float *a, *b;
  float *o = (float *) d;

  if (k != ar->control_index) {
    if (k == ar->control_index + 1)
      ar->control[0] = ar->control[1];
    else
      drive_at (ar, k, &ar->control[0]);
    drive_at (ar, k + 1, &ar->control[1]);
    ar->control_index = k;
  }
  a = (const float *) &ar->control[0];
  b = (const float *) &ar->control[1];
  for (guint i = 0; i < sizeof (EgoSoundDrive) / sizeof (float); i++)
    o[i] = a[i] + (b[i] - a[i]) * u;
}

static float
continuous (const EgoAudioRenderer * ar, const EgoSoundDrive * d, double t)
{
  guint32 s = ar->seed + 100;
  float v = 0.0f;

  if (d->slide > 0.0f)          /* scraping along the counter */
    v += 0.3f * MIN (1.0f, d->slide / 0.35f) * band_noise (t, 900.0,
        1200.0, s) * (0.6f + 0.4f * smooth_noise (t, 35.0, s + 1));
  if (d->turn > 0.0f)
    v += 0.25f * MIN (1.0f, d->turn / 2.0f) * band_noise (t, 1500.0,
        1500.0, s + 2) * (0.6f + 0.4f * smooth_noise (t, 25.0, s + 3));
  if (d->lid > 0.0f)            /* a thread or hinge creaking */
    v += 0.2f * MIN (1.0f, d->lid / 2.0f) * band_noise (t, 650.0, 160.0, s + 4);
  if (d->pour > 0.0f)           /* liquid: hiss with a gurgle, and splash */
    v += d->pour * (0.3f * band_noise (t, 2600.0, 3000.0, s + 5) *
        (0.7f + 0.5f * smooth_noise (t, 9.0, s + 6)) +
        0.12f * band_noise (t, 320.0, 220.0, s + 7));
  if (d->stir > 0.0f)
    v += 0.22f * MIN (1.0f, d->stir / 0.15f) * band_noise (t, 1900.0,
        900.0, s + 8);
  if (d->shake > 0.0f)          /* the contents hiss as they move */
    v += 0.12f * MIN (1.0f, d->shake / 0.3f) * band_noise (t, 3800.0,
        3000.0, s + 9);
  return v;
}

/* ---- events ---- */

static float
decay (float dt, float tau)
{
  return expf (-dt / tau);
}

/* The sound of one event dt seconds after it, for sample i. */
static float
event_sound (const EgoSoundEvent * e, guint32 id, float dt, guint64 i)
{
  float n = white (i, id), g = e->strength;
  float pitch = 0.85f + 0.3f * synth_hash2f (id, 1);

  switch (e->kind) {
    case EGO_SOUND_GRASP:
      return 0.12f * g * n * decay (dt, 0.005f);
    case EGO_SOUND_RELEASE:
      return 0.08f * g * n * decay (dt, 0.004f);
    case EGO_SOUND_LIFT:       /* a short scrape as it leaves the counter */
      return 0.3f * g * n * sinf (MIN (dt / 0.12f, 1.0f) * (float) G_PI);
    case EGO_SOUND_LAND:       /* a thud: low ring and a knock */
      return g * (0.6f * sinf ((float) TWO_PI * 110.0f * pitch * dt) *
          decay (dt, 0.05f) + 0.25f * n * decay (dt, 0.008f));
    case EGO_SOUND_CHOP:       /* sharp click and a short knock */
      return g * (0.7f * n * decay (dt, 0.004f) + 0.35f *
          sinf ((float) TWO_PI * 230.0f * pitch * dt) * decay (dt, 0.025f));
    case EGO_SOUND_RATTLE:{    /* grains knocking together */
      float v = 0.0f;
      for (guint j = 0; j < 8; j++) {
        float tj = 0.03f * synth_hash2f (id, j + 10);
        if (dt >= tj)
          v += n * decay (dt - tj, 0.0015f);
      }
      return 0.3f * g * v;
    }
    case EGO_SOUND_CLICK:
      return g * (0.45f * sinf ((float) TWO_PI * 900.0f * pitch * dt) *
          decay (dt, 0.012f) + 0.3f * n * decay (dt, 0.003f));
    default:                   /* clink: a small bright ring */
      return 0.3f * g * (sinf ((float) TWO_PI * 2600.0f * pitch * dt) +
          0.5f * sinf ((float) TWO_PI * 4100.0f * pitch * dt)) *
          decay (dt, 0.05f);
  }
}

static const EventCache *
events_of (EgoAudioRenderer * ar, guint index)
{
  EventCache *c = &ar->cache[index % CACHE_ACTIONS];
  if (c->index != index) {
    c->index = index;
    c->n = ego_action_sound_events (ego_scenario_get_action (ar->sc, index),
        c->ev, EGO_MAX_SOUND_EVENTS);
  }
  return c;
}

typedef struct
{
  const EgoSoundEvent *e;
  guint32 id;
} ActiveEvent;

/* the events heard somewhere in [t0, t1) */
static guint
gather_events (EgoAudioRenderer * ar, double t0, double t1, ActiveEvent * out)
{
  guint n = 0, index = ego_scenario_locate (ar->sc, MAX (0.0,
          t0 - EVENT_TAIL), NULL);

  for (;; index++) {
    const EgoAction *a = ego_scenario_get_action (ar->sc, index);
    const EventCache *c;
    if (a->start >= t1)
      break;
    c = events_of (ar, index);
    for (guint j = 0; j < c->n && n < MAX_ACTIVE; j++)
      if (c->ev[j].t < t1 && c->ev[j].t + EVENT_TAIL > t0) {
        out[n].e = &c->ev[j];
        out[n].id = a->seed ^ (j * 0x9e3779b9u);
        n++;
      }
  }
  return n;
}

void
ego_audio_render (EgoAudioRenderer * ar, guint64 first, guint n,
    guint rate, float *out)
{
  double t0 = (double) first / rate, t1 = (double) (first + n) / rate;
  ActiveEvent active[MAX_ACTIVE];
  guint n_active = gather_events (ar, t0, t1, active);

  for (guint k = 0; k < n; k++) {
    guint64 i = first + k;
    double t = (double) i / rate;
    EgoSoundDrive d;
    float v = room_tone (ar, t);

    drive_between (ar, t, &d);
    v += continuous (ar, &d, t);
    for (guint j = 0; j < n_active; j++) {
      float dt = (float) (t - active[j].e->t);
      if (dt >= 0.0f && dt < EVENT_TAIL)
        v += event_sound (active[j].e, active[j].id, dt, i);
    }
    out[k] = CLAMP (v, -1.0f, 1.0f);
  }
}
