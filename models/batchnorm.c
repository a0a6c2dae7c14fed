/* Batch norm, see layers.h.
 *
 * Tensors are viewed as (n, c, hw): channel ch of image b is the contiguous
 * plane inp + (b * c + ch) * hw. Statistics are summed in double because a
 * channel can hold n * hw ~ 10^5 values, where float sums lose the digits
 * the variance is made of. Within a plane, eight float partial sums keep the
 * adds pipelined and vectorisable (one accumulator is bound by add latency)
 * and are accurate enough for the plane sizes of an image network.
 */
#include "layers.h"

#include <math.h>

#define LANES 8

/* sum of (x[i] - m) ^ p over x (n), p = 1 or 2 */
static double
plane_sum (const float *x, int n, float m, int p)
{
  float acc[LANES] = { 0 };
  double s = 0.0;
  int i = 0;
  for (; i + LANES <= n; i += LANES) {
    for (int j = 0; j < LANES; j++) {
      float d = x[i + j] - m;
      acc[j] += p == 2 ? d * d : d;
    }
  }
  for (; i < n; i++) {
    float d = x[i] - m;
    s += p == 2 ? d * d : d;
  }
  for (int j = 0; j < LANES; j++)
    s += acc[j];
  return s;
}

/* *sdy += sum dy, *sdyx += sum dy * (x - m) over (n) */
static void
plane_grad_sums (double *sdy, double *sdyx, const float *dy, const float *x,
    int n, float m)
{
  float a[LANES] = { 0 }, b[LANES] = { 0 };
  int i = 0;
  for (; i + LANES <= n; i += LANES) {
    for (int j = 0; j < LANES; j++) {
      a[j] += dy[i + j];
      b[j] += dy[i + j] * (x[i + j] - m);
    }
  }
  for (; i < n; i++) {
    *sdy += dy[i];
    *sdyx += dy[i] * (x[i] - m);
  }
  for (int j = 0; j < LANES; j++) {
    *sdy += a[j];
    *sdyx += b[j];
  }
}

void
ego_batchnorm_forward_train (float *out, float *mean, float *rstd,
    const float *inp, const float *gamma, const float *beta,
    int n, int c, int hw, float eps)
{
  ego_batchnorm_forward_train_fused (out, mean, rstd, inp, gamma, beta, NULL,
      0, n, c, hw, eps);
}

void
ego_batchnorm_update_running (float *running_mean, float *running_var,
    const float *mean, const float *rstd, int c, int count, float momentum,
    float eps)
{
  /* PyTorch keeps the unbiased variance; a single value has none, and then
   * the biased one (zero) is kept rather than a division by zero */
  double bessel = count > 1 ? (double) count / (count - 1) : 1.0;
  for (int ch = 0; ch < c; ch++) {
    double r = rstd[ch];
    double var = 1.0 / (r * r) - eps;
    if (var < 0.0)
      var = 0.0;
    running_mean[ch] = (float) ((1.0 - momentum) * running_mean[ch]
        + momentum * mean[ch]);
    running_var[ch] = (float) ((1.0 - momentum) * running_var[ch]
        + momentum * var * bessel);
  }
}

void
ego_batchnorm_forward_eval (float *out, const float *inp,
    const float *gamma, const float *beta, const float *running_mean,
    const float *running_var, int n, int c, int hw, float eps)
{
  for (int ch = 0; ch < c; ch++) {
    float scale = (float) (gamma[ch] / sqrt ((double) running_var[ch] + eps));
    float shift = beta[ch] - running_mean[ch] * scale;
    for (int b = 0; b < n; b++) {
      const float *x = inp + ((size_t) b * c + ch) * hw;
      float *y = out + ((size_t) b * c + ch) * hw;
      for (int i = 0; i < hw; i++)
        y[i] = x[i] * scale + shift;
    }
  }
}

/* With xhat = (x - mean) * rstd and M = n * hw values per channel:
 *   dbeta = sum dout, dgamma = sum dout * xhat,
 *   dx = gamma * rstd / M * (M * dout - dbeta - xhat * dgamma)
 * (the last two terms are the gradient through the batch mean and
 * variance). */
void
ego_batchnorm_backward (float *dinp, float *dgamma, float *dbeta,
    const float *dout, const float *inp, const float *mean, const float *rstd,
    const float *gamma, int n, int c, int hw)
{
  double count = (double) n * hw;
  for (int ch = 0; ch < c; ch++) {
    float m = mean[ch], r = rstd[ch];
    double sdy = 0.0, sdyx = 0.0;
    for (int b = 0; b < n; b++) {
      size_t at = ((size_t) b * c + ch) * hw;
      plane_grad_sums (&sdy, &sdyx, dout + at, inp + at, hw, m);
    }
    sdyx *= r;                  /* now sum dy * xhat */
    if (dbeta)
      dbeta[ch] += (float) sdy;
    if (dgamma)
      dgamma[ch] += (float) sdyx;
    if (!dinp)
      continue;
    /* dx = k * dy - k * mean(dy) - k * xhat * mean(dy * xhat), k = gamma*rstd */
    float k = gamma[ch] * r;
    float a = (float) (sdy / count), bx = (float) (sdyx / count);
    for (int b = 0; b < n; b++) {
      size_t at = ((size_t) b * c + ch) * hw;
      const float *x = inp + at, *dy = dout + at;
      float *dx = dinp + at;
      for (int i = 0; i < hw; i++)
        dx[i] += k * (dy[i] - a - (x[i] - m) * r * bx);
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Training, fused with the residual add and ReLU that follow, which so
 * cost no passes of their own. Each channel is one thread's, summed in
 * the same order whatever the number of threads. */

/* mean and rstd of channel ch of inp (n, c, hw); two passes, mean first:
 * one-pass E[x^2] - E[x]^2 cancels badly */
static void
channel_stats (float *mean, float *rstd, const float *inp, int ch, int n,
    int c, int hw, float eps)
{
  double count = (double) n * hw, sum = 0.0, ss = 0.0;
  for (int b = 0; b < n; b++)
    sum += plane_sum (inp + ((size_t) b * c + ch) * hw, hw, 0.0f, 1);
  double m = sum / count;
  for (int b = 0; b < n; b++)
    ss += plane_sum (inp + ((size_t) b * c + ch) * hw, hw, (float) m, 2);
  *mean = (float) m;
  *rstd = (float) (1.0 / sqrt (ss / count + eps));
}

/* y (hw) = relu? (x * scale + shift + res), res (hw) or NULL; the branches
 * are hoisted so that each loop vectorises */
static void
plane_apply (float *y, const float *x, const float *res, int relu,
    float scale, float shift, int hw)
{
  if (res && relu) {
    for (int i = 0; i < hw; i++) {
      float v = x[i] * scale + shift + res[i];
      y[i] = v > 0.0f ? v : 0.0f;
    }
  } else if (res) {
    for (int i = 0; i < hw; i++)
      y[i] = x[i] * scale + shift + res[i];
  } else if (relu) {
    for (int i = 0; i < hw; i++) {
      float v = x[i] * scale + shift;
      y[i] = v > 0.0f ? v : 0.0f;
    }
  } else {
    for (int i = 0; i < hw; i++)
      y[i] = x[i] * scale + shift;
  }
}

typedef struct
{
  float *out, *mean, *rstd;
  const float *inp, *gamma, *beta, *res;
  int relu, n, c, hw;
  float eps;
} ForwardJob;

static void
channel_forward (int ch, int thread, void *data)
{
  const ForwardJob *j = data;
  channel_stats (&j->mean[ch], &j->rstd[ch], j->inp, ch, j->n, j->c, j->hw,
      j->eps);
  float scale = j->rstd[ch] * j->gamma[ch];
  float shift = j->beta[ch] - j->mean[ch] * scale;
  for (int b = 0; b < j->n; b++) {
    size_t at = ((size_t) b * j->c + ch) * j->hw;
    plane_apply (j->out + at, j->inp + at, j->res ? j->res + at : NULL,
        j->relu, scale, shift, j->hw);
  }
}

void
ego_batchnorm_forward_train_fused (float *out, float *mean, float *rstd,
    const float *inp, const float *gamma, const float *beta, const float *res,
    int relu, int n, int c, int hw, float eps)
{
  ForwardJob j = { out, mean, rstd, inp, gamma, beta, res, relu, n, c, hw,
    eps
  };
  ego_parallel_for (c, ego_layers_threads (), channel_forward, &j);
}

/* g (n) = dy where out > 0, else 0: a select, which vectorises, where
 * masking inside plane_grad_sums' lanes keeps them from it */
static void
plane_mask (float *g, const float *dy, const float *out, int n)
{
  for (int i = 0; i < n; i++) {
    float v = dy[i];
    g[i] = out[i] > 0.0f ? v : 0.0f;
  }
}

/* dx (hw) = k * (g - a - (x - m) * r * bx); dx may be g */
static void
plane_dx (float *dx, const float *g, const float *x, float k, float a,
    float m, float r, float bx, int hw)
{
  for (int i = 0; i < hw; i++)
    dx[i] = k * (g[i] - a - (x[i] - m) * r * bx);
}

typedef struct
{
  float *dinp, *dgamma, *dbeta;
  const float *dout, *out, *inp, *mean, *rstd, *gamma;
  int n, c, hw;
} BackwardJob;

static void
channel_backward (int ch, int thread, void *data)
{
  const BackwardJob *j = data;
  double count = (double) j->n * j->hw, sdy = 0.0, sdyx = 0.0;
  float m = j->mean[ch], r = j->rstd[ch];
  /* the gradient at the batch norm's output: dout, or dout masked by the
   * ReLU into dinp, which the last loop then turns into dx in place */
  const float *g = j->out ? j->dinp : j->dout;
  for (int b = 0; b < j->n; b++) {
    size_t at = ((size_t) b * j->c + ch) * j->hw;
    if (j->out)
      plane_mask (j->dinp + at, j->dout + at, j->out + at, j->hw);
    plane_grad_sums (&sdy, &sdyx, g + at, j->inp + at, j->hw, m);
  }
  sdyx *= r;                    /* now sum dy * xhat */
  j->dbeta[ch] += (float) sdy;
  j->dgamma[ch] += (float) sdyx;
  float k = j->gamma[ch] * r;
  float a = (float) (sdy / count), bx = (float) (sdyx / count);
  for (int b = 0; b < j->n; b++) {
    size_t at = ((size_t) b * j->c + ch) * j->hw;
    plane_dx (j->dinp + at, g + at, j->inp + at, k, a, m, r, bx, j->hw);
  }
}

void
ego_batchnorm_backward_fused (float *dinp, float *dgamma, float *dbeta,
    const float *dout, const float *out, const float *inp, const float *mean,
    const float *rstd, const float *gamma, int n, int c, int hw)
{
  BackwardJob j = { dinp, dgamma, dbeta, dout, out, inp, mean, rstd, gamma,
    n, c, hw
  };
  ego_parallel_for (c, ego_layers_threads (), channel_backward, &j);
}

void
ego_batchnorm_fold (float *w_out, float *b_out, const float *conv_w,
    const float *conv_b, const float *gamma, const float *beta,
    const float *running_mean, const float *running_var, int out_c, int k,
    float eps)
{
  // conv_w, w_out are (out_c, k); the rest (out_c)
  for (int o = 0; o < out_c; o++) {
    float scale = (float) (gamma[o] / sqrt ((double) running_var[o] + eps));
    float b = conv_b ? conv_b[o] : 0.0f;
    for (int j = 0; j < k; j++)
      w_out[(size_t) o * k + j] = conv_w[(size_t) o * k + j] * scale;
    b_out[o] = (b - running_mean[o]) * scale + beta[o];
  }
}
