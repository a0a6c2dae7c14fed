/* Inverted dropout, see layers.h: kept values are scaled by 1/(1-p) in
 * training so that inference needs no scaling at all. */
#include "layers.h"

void
ego_dropout_forward (float *out, float *mask, const float *inp, size_t n,
    float p, EgoRng * rng)
{
  /* p >= 1 drops everything; 1/(1-p) would be infinite */
  float keep = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  for (size_t i = 0; i < n; i++) {
    /* p = 0 draws nothing, so it leaves the generator's stream untouched */
    mask[i] = p > 0.0f && ego_rng_uniform (rng) < p ? 0.0f : keep;
    out[i] = inp[i] * mask[i];
  }
}

void
ego_dropout_backward (float *dinp, const float *dout, const float *mask,
    size_t n)
{
  for (size_t i = 0; i < n; i++)
    dinp[i] += dout[i] * mask[i];
}
