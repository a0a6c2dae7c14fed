/* Average pooling, see layers.h. */
#include "layers.h"

void
ego_avgpool_forward (float *out, const float *inp, int n, int c, int h,
    int w, int k, int s)
{
  int oh = (h - k) / s + 1, ow = (w - k) / s + 1;
  float inv = 1.0f / (float) (k * k);
  for (size_t p = 0; p < (size_t) n * c; p++) {
    // x is (h, w), y is (oh, ow)
    const float *x = inp + p * h * w;
    float *y = out + p * oh * ow;
    for (int oy = 0; oy < oh; oy++) {
      for (int ox = 0; ox < ow; ox++) {
        const float *win = x + (size_t) oy * s * w + (size_t) ox * s;
        float sum = 0.0f;
        for (int i = 0; i < k; i++)
          for (int j = 0; j < k; j++)
            sum += win[(size_t) i * w + j];
        y[(size_t) oy * ow + ox] = sum * inv;
      }
    }
  }
}

void
ego_avgpool_backward (float *dinp, const float *dout, int n, int c, int h,
    int w, int k, int s)
{
  int oh = (h - k) / s + 1, ow = (w - k) / s + 1;
  float inv = 1.0f / (float) (k * k);
  for (size_t p = 0; p < (size_t) n * c; p++) {
    float *dx = dinp + p * h * w;
    const float *dy = dout + p * oh * ow;
    for (int oy = 0; oy < oh; oy++) {
      for (int ox = 0; ox < ow; ox++) {
        float g = dy[(size_t) oy * ow + ox] * inv;
        float *win = dx + (size_t) oy * s * w + (size_t) ox * s;
        for (int i = 0; i < k; i++)
          for (int j = 0; j < k; j++)
            win[(size_t) i * w + j] += g;
      }
    }
  }
}

void
ego_global_avgpool_forward (float *out, const float *inp, int n, int c, int hw)
{
  float inv = 1.0f / (float) hw;
  for (size_t p = 0; p < (size_t) n * c; p++) {
    const float *x = inp + p * hw;
    float sum = 0.0f;
    for (int i = 0; i < hw; i++)
      sum += x[i];
    out[p] = sum * inv;
  }
}

void
ego_global_avgpool_backward (float *dinp, const float *dout, int n, int c,
    int hw)
{
  float inv = 1.0f / (float) hw;
  for (size_t p = 0; p < (size_t) n * c; p++) {
    float g = dout[p] * inv;
    float *dx = dinp + p * hw;
    for (int i = 0; i < hw; i++)
      dx[i] += g;
  }
}
