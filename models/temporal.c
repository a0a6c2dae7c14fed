/* Temporal mean over the frames of a window, see layers.h. */
#include "layers.h"

/* out is (b, k), inp (b, t, k) */
void
ego_temporal_mean_forward (float *out, const float *inp, int b, int t, int k)
{
  for (int i = 0; i < b; i++) {
    const float *x = inp + (size_t) i * t * k;
    float *y = out + (size_t) i * k;
    for (int j = 0; j < k; j++) {
      double sum = 0.0;
      for (int f = 0; f < t; f++)
        sum += x[(size_t) f * k + j];
      y[j] = (float) (sum / t);
    }
  }
}

/* dinp is (b, t, k), dout (b, k): every frame gets 1/t of the gradient */
void
ego_temporal_mean_backward (float *dinp, const float *dout, int b, int t,
    int k)
{
  if (dinp == NULL)
    return;
  float inv = 1.0f / t;
  for (int i = 0; i < b; i++) {
    const float *dy = dout + (size_t) i * k;
    for (int f = 0; f < t; f++) {
      float *dx = dinp + ((size_t) i * t + f) * k;
      for (int j = 0; j < k; j++)
        dx[j] += dy[j] * inv;
    }
  }
}
