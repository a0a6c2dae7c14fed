/* Hashing and random numbers of the synthetic kitchen.
 *
 * Everything the renderer draws or plays is a pure function of the seed:
 * sequential generators are seeded per purpose (one stream per action, per
 * texture, ...) and per-pixel or per-sample noise comes from hashing the
 * coordinates, so any frame or any stretch of sound can be made on its own
 * and comes out the same. */
#ifndef EGO_SYNTH_RAND_H
#define EGO_SYNTH_RAND_H

#include <glib.h>

/* A strong 64-bit mix (splitmix64's finaliser). */
static inline guint64
synth_mix64 (guint64 x)
{
  x ^= x >> 30;
  x *= G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= G_GUINT64_CONSTANT (0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

/* A cheap 32-bit integer hash (lowbias32), for per-pixel and per-sample
 * noise where speed matters more than quality. */
static inline guint32
synth_hash32 (guint32 x)
{
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

/* hash of two integers, as a float in [0, 1) */
static inline float
synth_hash2f (guint32 a, guint32 b)
{
  return (synth_hash32 (a * 0x9e3779b9u ^ synth_hash32 (b)) >> 8) *
      (1.0f / 16777216.0f);
}

typedef struct
{
  guint64 state;
} SynthRand;

static inline void
synth_rand_init (SynthRand * r, guint64 seed, guint64 stream)
{
  r->state = synth_mix64 (seed ^ synth_mix64 (stream +
          G_GUINT64_CONSTANT (0x9e3779b97f4a7c15)));
}

static inline guint64
synth_rand_u64 (SynthRand * r)
{
  r->state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  return synth_mix64 (r->state);
}

/* uniform in [0, 1) */
static inline float
synth_rand_float (SynthRand * r)
{
  return (synth_rand_u64 (r) >> 40) * (1.0f / 16777216.0f);
}

/* uniform in [lo, hi) */
static inline float
synth_rand_range (SynthRand * r, float lo, float hi)
{
  return lo + (hi - lo) * synth_rand_float (r);
}

/* uniform integer in [0, n), n > 0 */
static inline guint
synth_rand_below (SynthRand * r, guint n)
{
  return (guint) ((synth_rand_u64 (r) >> 32) * n >> 32);
}

/* -1 or +1 */
static inline float
synth_rand_sign (SynthRand * r)
{
  return (synth_rand_u64 (r) >> 63) ? 1.0f : -1.0f;
}

#endif /* EGO_SYNTH_RAND_H */
