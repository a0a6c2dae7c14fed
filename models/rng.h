/* gst-ego network library: a small deterministic random number generator
 * (PCG32, O'Neill 2014), so that a seed gives the same run on any machine. */
#ifndef EGO_RNG_H
#define EGO_RNG_H

#include <stdint.h>

typedef struct
{
  uint64_t state;
  uint64_t inc;
} EgoRng;

void ego_rng_seed (EgoRng * rng, uint64_t seed, uint64_t stream);
uint32_t ego_rng_u32 (EgoRng * rng);
/* uniform in [0, n), n > 0, without modulo bias */
uint32_t ego_rng_below (EgoRng * rng, uint32_t n);
/* uniform in [0, 1) with 24 random bits */
float ego_rng_uniform (EgoRng * rng);
/* standard normal (Box-Muller) */
float ego_rng_normal (EgoRng * rng);

#endif /* EGO_RNG_H */
