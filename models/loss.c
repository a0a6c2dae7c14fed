/* Cross-entropy and distillation losses, see layers.h.
 *
 * Both work on one row at a time from its maximum and log-sum-exp, so no
 * scratch is needed and no exp() overflows; per-row sums are in double. */
#include "layers.h"

#include <math.h>

/* max and log(sum exp(x - max)) of x (k), scaled by 1/temperature first
 * (inv_t = 1 for plain logits); the log-softmax of x[j] is then
 * x[j] * inv_t - max - lse */
static void
row_logsumexp (const float *x, int k, double inv_t, double *max, double *lse)
{
  double m = x[0] * inv_t;
  for (int j = 1; j < k; j++)
    if (x[j] * inv_t > m)
      m = x[j] * inv_t;
  double sum = 0.0;
  for (int j = 0; j < k; j++)
    sum += exp (x[j] * inv_t - m);
  *max = m;
  *lse = log (sum);
}

/* logits (n, k), targets (n). Per row, as torch with label smoothing eps:
 *   loss = (1 - eps) * -log p[y] + eps * mean_j -log p[j]
 * i.e. the cross-entropy against the target (1 - eps) onehot + eps / k. */
float
ego_cross_entropy_forward (const float *logits, const int32_t * targets,
    int n, int k, float smoothing)
{
  double total = 0.0;
  for (int i = 0; i < n; i++) {
    const float *x = logits + (size_t) i * k;
    double m, lse, sum_logp = 0.0;
    row_logsumexp (x, k, 1.0, &m, &lse);
    for (int j = 0; j < k; j++)
      sum_logp += x[j] - m - lse;
    double nll = -(x[targets[i]] - m - lse);
    total += (1.0 - smoothing) * nll - smoothing * sum_logp / k;
  }
  return (float) (total / n);
}

/* dlogits (n, k) += scale / n * (softmax(x) - target distribution) */
void
ego_cross_entropy_backward (float *dlogits, const float *logits,
    const int32_t * targets, int n, int k, float smoothing, float scale)
{
  if (dlogits == NULL)
    return;
  double g = (double) scale / n;
  double off = smoothing / k;
  for (int i = 0; i < n; i++) {
    const float *x = logits + (size_t) i * k;
    float *dx = dlogits + (size_t) i * k;
    double m, lse;
    row_logsumexp (x, k, 1.0, &m, &lse);
    for (int j = 0; j < k; j++) {
      double want = off + (j == targets[i] ? 1.0 - smoothing : 0.0);
      dx[j] += (float) (g * (exp (x[j] - m - lse) - want));
    }
  }
}

/* zs, zt (n, k). Per row, with p = softmax(zs / T), q = softmax(zt / T):
 *   T^2 * KL(q || p) = T^2 * sum_j q_j (log q_j - log p_j)
 * The T^2 keeps the gradient's size independent of T (Hinton et al.). */
float
ego_distill_forward (const float *zs, const float *zt, int n, int k,
    float temperature)
{
  double inv_t = 1.0 / temperature;
  double total = 0.0;
  for (int i = 0; i < n; i++) {
    const float *s = zs + (size_t) i * k;
    const float *t = zt + (size_t) i * k;
    double ms, lses, mt, lset, kl = 0.0;
    row_logsumexp (s, k, inv_t, &ms, &lses);
    row_logsumexp (t, k, inv_t, &mt, &lset);
    for (int j = 0; j < k; j++) {
      double logq = t[j] * inv_t - mt - lset;
      double logp = s[j] * inv_t - ms - lses;
      kl += exp (logq) * (logq - logp);
    }
    total += kl;
  }
  return (float) ((double) temperature * temperature * total / n);
}

/* dzs (n, k) += scale * T / n * (p - q): the T^2 of the loss times the 1/T
 * of the softmax's argument */
void
ego_distill_backward (float *dzs, const float *zs, const float *zt, int n,
    int k, float temperature, float scale)
{
  if (dzs == NULL)
    return;
  double inv_t = 1.0 / temperature;
  double g = (double) scale * temperature / n;
  for (int i = 0; i < n; i++) {
    const float *s = zs + (size_t) i * k;
    const float *t = zt + (size_t) i * k;
    float *ds = dzs + (size_t) i * k;
    double ms, lses, mt, lset;
    row_logsumexp (s, k, inv_t, &ms, &lses);
    row_logsumexp (t, k, inv_t, &mt, &lset);
    for (int j = 0; j < k; j++) {
      double p = exp (s[j] * inv_t - ms - lses);
      double q = exp (t[j] * inv_t - mt - lset);
      ds[j] += (float) (g * (p - q));
    }
  }
}
