/* Element-wise activations, see layers.h. */
#include "layers.h"

#include <math.h>

void
ego_relu_forward (float *out, const float *inp, size_t n)
{
  for (size_t i = 0; i < n; i++)
    out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
}

void
ego_relu_backward (float *dinp, const float *dout, const float *out, size_t n)
{
  /* out > 0 exactly where inp > 0, so the output serves and the input need
   * not be kept (forward may run in place) */
  for (size_t i = 0; i < n; i++) {
    /* dout read unconditionally: a select, which vectorises, not a branch
     * that mispredicts on every other sign */
    float g = dout[i];
    dinp[i] += out[i] > 0.0f ? g : 0.0f;
  }
}

/* hardswish(x) = x * relu6(x + 3) / 6 */
void
ego_hardswish_forward (float *out, const float *inp, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    float x = inp[i];
    float r6 = fminf (fmaxf (x + 3.0f, 0.0f), 6.0f);
    out[i] = x * r6 * (1.0f / 6.0f);
  }
}

void
ego_hardswish_backward (float *dinp, const float *dout, const float *inp,
    size_t n)
{
  /* the same branches as PyTorch, including which side of +-3 the kinks'
   * values come from: 0 below -3, x/3 + 1/2 on [-3, 3], 1 above */
  for (size_t i = 0; i < n; i++) {
    float x = inp[i], g;
    if (x < -3.0f)
      g = 0.0f;
    else if (x <= 3.0f)
      g = x * (1.0f / 3.0f) + 0.5f;
    else
      g = 1.0f;
    dinp[i] += dout[i] * g;
  }
}

#define INV_SQRT2 0.70710678118654752440f
#define INV_SQRT_2PI 0.39894228040143267794f

/* gelu(x) = x * Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2 */
void
ego_gelu_forward (float *out, const float *inp, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    float x = inp[i];
    out[i] = 0.5f * x * (1.0f + erff (x * INV_SQRT2));
  }
}

/* gelu'(x) = Phi(x) + x * phi(x), phi the standard normal density */
void
ego_gelu_backward (float *dinp, const float *dout, const float *inp, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    float x = inp[i];
    float cdf = 0.5f * (1.0f + erff (x * INV_SQRT2));
    float pdf = INV_SQRT_2PI * expf (-0.5f * x * x);
    dinp[i] += dout[i] * (cdf + x * pdf);
  }
}
