/* PCG32 (XSH RR), see rng.h. */
#include "rng.h"

#include <math.h>

static const uint64_t PCG_MULT = 6364136223846793005ULL;

void
ego_rng_seed (EgoRng * rng, uint64_t seed, uint64_t stream)
{
  rng->state = 0;
  rng->inc = (stream << 1) | 1u;
  ego_rng_u32 (rng);
  rng->state += seed;
  ego_rng_u32 (rng);
}

uint32_t
ego_rng_u32 (EgoRng * rng)
{
  uint64_t old = rng->state;
  rng->state = old * PCG_MULT + rng->inc;
  uint32_t xorshifted = (uint32_t) (((old >> 18) ^ old) >> 27);
  uint32_t rot = (uint32_t) (old >> 59);
  return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

uint32_t
ego_rng_below (EgoRng * rng, uint32_t n)
{
  /* reject the top partial range so every residue is equally likely */
  uint32_t threshold = (uint32_t) (-n) % n;
  for (;;) {
    uint32_t r = ego_rng_u32 (rng);
    if (r >= threshold)
      return r % n;
  }
}

float
ego_rng_uniform (EgoRng * rng)
{
  return (float) (ego_rng_u32 (rng) >> 8) * (1.0f / 16777216.0f);
}

float
ego_rng_normal (EgoRng * rng)
{
  /* 1 - u keeps the logarithm's argument in (0, 1] */
  double u1 = 1.0 - ego_rng_uniform (rng);
  double u2 = ego_rng_uniform (rng);
  return (float) (sqrt (-2.0 * log (u1)) * cos (6.283185307179586 * u2));
}
