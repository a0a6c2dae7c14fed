/* Optimisers, learning-rate schedule and gradient clipping, see optim.h.
 * The update formulas follow PyTorch's single-tensor code paths operation
 * by operation so that a run matches torch to float rounding. */
#include "optim.h"

#include <math.h>

/* M_PI is not in C99 */
static const double EGO_PI = 3.14159265358979323846;

/* torch.optim.AdamW:
 *   p <- p (1 - lr wd)                       (decoupled weight decay)
 *   m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2
 *   p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps) */
void
ego_adamw_step (float *params, const float *grads, float *m, float *v,
    size_t n, long step, const EgoAdamW * opt)
{
  /* bias corrections in double, as torch computes them in Python floats */
  const double bc1 = 1.0 - pow (opt->beta1, (double) step);
  const double bc2 = 1.0 - pow (opt->beta2, (double) step);
  const float step_size = (float) (opt->lr / bc1);
  const float bc2_sqrt = (float) sqrt (bc2);
  const float decay = (float) (1.0 - (double) opt->lr * opt->weight_decay);
  const float b1 = opt->beta1, b2 = opt->beta2;

  for (size_t i = 0; i < n; i++) {
    const float g = grads[i];
    params[i] *= decay;
    m[i] = b1 * m[i] + (1.0f - b1) * g;
    v[i] = b2 * v[i] + (1.0f - b2) * g * g;
    const float denom = sqrtf (v[i]) / bc2_sqrt + opt->eps;
    params[i] -= step_size * (m[i] / denom);
  }
}

/* torch.optim.SGD without dampening:
 *   g <- g + wd p                           (coupled, L2)
 *   buf <- g on step 1, else momentum buf + g
 *   g <- g + momentum buf (nesterov) or buf
 *   p <- p - lr g
 * With momentum 0, buf is not touched and may be NULL. */
void
ego_sgd_step (float *params, const float *grads, float *buf, size_t n,
    long step, const EgoSgd * opt)
{
  const float mu = opt->momentum;
  for (size_t i = 0; i < n; i++) {
    float g = grads[i];
    if (opt->weight_decay != 0.0f)
      g += opt->weight_decay * params[i];
    if (mu != 0.0f) {
      buf[i] = step <= 1 ? g : mu * buf[i] + g;
      g = opt->nesterov ? g + mu * buf[i] : buf[i];
    }
    params[i] -= opt->lr * g;
  }
}

/* Learning rate at 0-based step of total, with w = warmup:
 *   step < w:  base * step / w                     (from 0 at step 0)
 *   linear:    base * (total - step) / (total - w)
 *   cosine:    base * 0.5 * (1 + cos(pi * (step - w) / (total - w)))
 * and 0 from total on (never negative), as the warm-up schedules of
 * Hugging Face transformers (get_{linear,cosine}_schedule_with_warmup). */
float
ego_lr_at (float base_lr, long step, long warmup, long total, EgoDecay decay)
{
  if (step < 0 || step >= total)
    return 0.0f;
  if (step < warmup)
    return (float) ((double) base_lr * step / warmup);
  const double progress = (double) (step - warmup) / (double) (total - warmup);
  double f;
  if (decay == EGO_DECAY_COSINE)
    f = 0.5 * (1.0 + cos (EGO_PI * progress));
  else
    f = 1.0 - progress;
  return (float) (base_lr * fmax (f, 0.0));
}

/* sum of squares in double: a float sum over millions of gradients would
 * lose the small ones */
double
ego_grad_norm_sq (const float *grads, size_t n)
{
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += (double) grads[i] * grads[i];
  return s;
}

void
ego_grad_scale (float *grads, size_t n, float scale)
{
  for (size_t i = 0; i < n; i++)
    grads[i] *= scale;
}

/* torch.nn.utils.clip_grad_norm_: coefficient max / (norm + 1e-6), applied
 * only when below 1 (torch clamps it to 1; multiplying by 1 changes nothing) */
float
ego_clip_grad_norm (float *grads, size_t n, float max_norm)
{
  const double norm = sqrt (ego_grad_norm_sq (grads, n));
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0)
    ego_grad_scale (grads, n, (float) coef);
  return (float) norm;
}
