/* Layer norm over the last dimension, as torch.nn.functional.layer_norm.
 * See layers.h. */
#include "layers.h"

#include <math.h>

/* out, inp are (n, c); weight, bias are (c) or NULL (no affine);
 * mean, rstd are (n), kept for backward */
void
ego_layernorm_forward (float *out, float *mean, float *rstd,
    const float *inp, const float *weight, const float *bias, int n, int c,
    float eps)
{
  for (int i = 0; i < n; i++) {
    const float *x = inp + (size_t) i * c;
    float *y = out + (size_t) i * c;
    /* two passes in double: the one-pass E[x^2] - E[x]^2 cancels badly when
     * the mean is large against the spread */
    double m = 0.0, var = 0.0;
    for (int j = 0; j < c; j++)
      m += x[j];
    m /= c;
    for (int j = 0; j < c; j++) {
      double d = x[j] - m;
      var += d * d;
    }
    var /= c;                   /* biased, as torch normalises */
    float s = (float) (1.0 / sqrt (var + eps));
    float mf = (float) m;
    for (int j = 0; j < c; j++) {
      float norm = (x[j] - mf) * s;
      float w = weight ? weight[j] : 1.0f;
      float b = bias ? bias[j] : 0.0f;
      y[j] = norm * w + b;
    }
    mean[i] = mf;
    rstd[i] = s;
  }
}

/* dinp, dout, inp are (n, c); dweight, dbias, weight are (c) or NULL;
 * mean, rstd (n) from forward */
void
ego_layernorm_backward (float *dinp, float *dweight, float *dbias,
    const float *dout, const float *inp, const float *weight,
    const float *mean, const float *rstd, int n, int c)
{
  for (int i = 0; i < n; i++) {
    const float *x = inp + (size_t) i * c;
    const float *dy = dout + (size_t) i * c;
    float m = mean[i], s = rstd[i];

    /* the two row means that the normalisation feeds back into every input:
     * mean(dnorm) through the mean, mean(dnorm * norm) through the rstd */
    double dnorm_mean = 0.0, dnorm_norm_mean = 0.0;
    for (int j = 0; j < c; j++) {
      float norm = (x[j] - m) * s;
      float dnorm = weight ? weight[j] * dy[j] : dy[j];
      dnorm_mean += dnorm;
      dnorm_norm_mean += (double) dnorm * norm;
    }
    dnorm_mean /= c;
    dnorm_norm_mean /= c;

    for (int j = 0; j < c; j++) {
      float norm = (x[j] - m) * s;
      float dnorm = weight ? weight[j] * dy[j] : dy[j];
      if (dbias)
        dbias[j] += dy[j];
      if (dweight)
        dweight[j] += norm * dy[j];
      if (dinp)
        dinp[(size_t) i * c + j] += (float) ((dnorm - dnorm_mean
                - norm * dnorm_norm_mean) * s);
    }
  }
}
