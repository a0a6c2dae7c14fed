/* Softmax and log-softmax over the last dimension, see layers.h.
 * Both subtract the row maximum before exponentiating, so no exp()
 * overflows, and sum in double, so long rows of tiny terms do not lose
 * their tail. */
#include "layers.h"

#include <math.h>

static float
row_max (const float *x, int k)
{
  float m = x[0];
  for (int j = 1; j < k; j++)
    if (x[j] > m)
      m = x[j];
  return m;
}

/* out, inp are (n, k); out may alias inp */
void
ego_softmax_forward (float *out, const float *inp, int n, int k)
{
  for (int i = 0; i < n; i++) {
    const float *x = inp + (size_t) i * k;
    float *y = out + (size_t) i * k;
    float m = row_max (x, k);
    double sum = 0.0;
    for (int j = 0; j < k; j++) {
      y[j] = expf (x[j] - m);
      sum += y[j];
    }
    float inv = (float) (1.0 / sum);
    for (int j = 0; j < k; j++)
      y[j] *= inv;
  }
}

/* dinp, dout, out are (n, k), out the forward's output:
 * dx_j = y_j (dy_j - sum_l dy_l y_l) */
void
ego_softmax_backward (float *dinp, const float *dout, const float *out, int n,
    int k)
{
  if (dinp == NULL)
    return;
  for (int i = 0; i < n; i++) {
    const float *y = out + (size_t) i * k;
    const float *dy = dout + (size_t) i * k;
    float *dx = dinp + (size_t) i * k;
    double dot = 0.0;
    for (int j = 0; j < k; j++)
      dot += (double) dy[j] * y[j];
    for (int j = 0; j < k; j++)
      dx[j] += y[j] * (float) (dy[j] - dot);
  }
}

/* out, inp are (n, k): out = x - max - log(sum exp(x - max)) */
void
ego_log_softmax_forward (float *out, const float *inp, int n, int k)
{
  for (int i = 0; i < n; i++) {
    const float *x = inp + (size_t) i * k;
    float *y = out + (size_t) i * k;
    float m = row_max (x, k);
    double sum = 0.0;
    for (int j = 0; j < k; j++)
      sum += expf (x[j] - m);
    float lse = m + (float) log (sum);
    for (int j = 0; j < k; j++)
      y[j] = x[j] - lse;
  }
}

/* dinp, dout, out are (n, k), out the forward's output (log-probabilities):
 * dx_j = dy_j - exp(y_j) sum_l dy_l */
void
ego_log_softmax_backward (float *dinp, const float *dout, const float *out,
    int n, int k)
{
  if (dinp == NULL)
    return;
  for (int i = 0; i < n; i++) {
    const float *y = out + (size_t) i * k;
    const float *dy = dout + (size_t) i * k;
    float *dx = dinp + (size_t) i * k;
    double sum = 0.0;
    for (int j = 0; j < k; j++)
      sum += dy[j];
    for (int j = 0; j < k; j++)
      dx[j] += dy[j] - expf (y[j]) * (float) sum;
  }
}
