/* gst-ego network library: optimisers, learning-rate schedules and gradient
 * clipping, with PyTorch's semantics (torch.optim.AdamW, torch.optim.SGD,
 * torch.nn.utils.clip_grad_norm_). */
#ifndef EGO_OPTIM_H
#define EGO_OPTIM_H

#include <stddef.h>

typedef struct
{
  float lr;
  float beta1, beta2;
  float eps;
  float weight_decay;           /* decoupled: p -= lr * wd * p */
} EgoAdamW;

/* One AdamW step over n parameters; m and v (n) start zeroed; step counts
 * from 1. */
void ego_adamw_step (float *params, const float *grads, float *m, float *v,
    size_t n, long step, const EgoAdamW * opt);

typedef struct
{
  float lr;
  float momentum;
  float weight_decay;           /* coupled (L2), as torch.optim.SGD */
  int nesterov;
} EgoSgd;

/* One SGD step; buf (n) starts zeroed; step counts from 1 (on step 1 the
 * momentum buffer is set to the gradient, as in PyTorch). */
void ego_sgd_step (float *params, const float *grads, float *buf, size_t n,
    long step, const EgoSgd * opt);

typedef enum
{
  EGO_DECAY_LINEAR = 0,
  EGO_DECAY_COSINE = 1,
} EgoDecay;

/* Learning rate at step (0-based) of total: linear warm-up from 0 over
 * warmup steps, then linear or cosine decay to 0 at total. */
float ego_lr_at (float base_lr, long step, long warmup, long total,
    EgoDecay decay);

/* Global L2 norm of n gradients; if above max_norm, scale them by
 * max_norm / (norm + 1e-6). Returns the norm before clipping. The gradient
 * may be split over several arrays: see ego_grad_norm_sq. */
float ego_clip_grad_norm (float *grads, size_t n, float max_norm);
double ego_grad_norm_sq (const float *grads, size_t n);
void ego_grad_scale (float *grads, size_t n, float scale);

#endif /* EGO_OPTIM_H */
