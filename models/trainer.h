/* gst-ego network library: training and evaluation of a tsmnet on a clip
 * cache, with the loss of README, Teachers and fusion:
 *
 *   per head h: L_h = lambda_D * T^2 * KL(softmax(z_T/T) || softmax(z_S/T))
 *                     + lambda_GT * CE(z_S, y)
 *   L = mean over heads
 *
 * AdamW (no decay on BN and biases), linear warm-up then linear or cosine
 * decay per step, global-norm clipping. Deterministic for a seed: the
 * order of each epoch and the augmentation of each step derive from
 * (seed, epoch) and (seed, step) alone, so a run resumed from a checkpoint
 * takes exactly the steps an uninterrupted run takes. */
#ifndef EGO_TRAINER_H
#define EGO_TRAINER_H

#include <glib.h>

#include "clipcache.h"
#include "optim.h"
#include "tsmnet.h"

typedef struct
{
  int epochs;
  int batch;                    /* clips per step */
  float lr;
  float weight_decay;
  float warmup;                 /* fraction of all steps */
  EgoDecay decay;
  float clip_norm;              /* 0: no clipping */
  float lambda_d, lambda_gt;
  float temperature;
  float label_smoothing;
  EgoAugment augment;
  uint64_t seed;
} EgoTrainConfig;

/* The public code's defaults, with a small network's learning rate. */
void ego_train_config_default (EgoTrainConfig * cfg);

typedef struct
{
  int epoch;                    /* 0-based, of the step just taken */
  long step;                    /* 1-based count of steps taken */
  float loss, loss_ce, loss_kd;
  float lr;
  float grad_norm;
  float top1[EGO_MAX_HEADS];    /* % of the batch right, before the step */
} EgoStepStats;

typedef struct _EgoTrainer EgoTrainer;

/* Trains net (not owned) on the complete cache, whose spec must match the
 * network's frames, heads and classes; the cache holds teacher logits when
 * lambda_d > 0. */
EgoTrainer *ego_trainer_new (EgoNet * net, const EgoModelMeta * meta,
    EgoClipCache * train, const EgoTrainConfig * cfg, GError ** error);
void ego_trainer_free (EgoTrainer * t);
long ego_trainer_steps_per_epoch (const EgoTrainer * t);
long ego_trainer_total_steps (const EgoTrainer * t);
/* steps taken so far */
long ego_trainer_step_count (const EgoTrainer * t);
/* One step; FALSE once all epochs are done. */
gboolean ego_trainer_step (EgoTrainer * t, EgoStepStats * stats);

/* A checkpoint holds the weights, the optimiser's moments, the step count
 * and the settings; written atomically. Resuming checks that the settings
 * and the network are the same. */
gboolean ego_trainer_save_checkpoint (EgoTrainer * t, const char *path,
    GError ** error);
gboolean ego_trainer_resume (EgoTrainer * t, const char *path,
    GError ** error);

/* -- evaluation ----------------------------------------------------------- */

typedef struct
{
  int clips;
  int n_heads;
  double top1[EGO_MAX_HEADS], top5[EGO_MAX_HEADS], ece[EGO_MAX_HEADS];
  double action_top1;           /* both of heads 0 and 1 right; -1 if n/a */
  double gflops_per_view;
  float *logits[EGO_MAX_HEADS]; /* (clips, classes): view-averaged */
  int32_t *labels[EGO_MAX_HEADS];       /* (clips) */
} EgoEvalResult;

/* Evaluates on the cache with n_clips temporal clips x n_crops spatial
 * crops per clip (1x1 or 2x3 ...), averaging logits over views before
 * argmax and softmax. The network must be prepared for inference. */
gboolean ego_evaluate (EgoNet * net, const EgoModelMeta * meta,
    EgoClipCache * cache, int n_clips, int n_crops, EgoEvalResult * result,
    GError ** error);
void ego_eval_result_clear (EgoEvalResult * r);

#endif /* EGO_TRAINER_H */
