/* gst-ego network library: the trainer's insides, shared by trainer.c
 * (steps) and trainer_io.c (checkpoints, evaluation). */
#ifndef EGO_TRAINER_PRIVATE_H
#define EGO_TRAINER_PRIVATE_H

#include "trainer.h"

struct _EgoTrainer
{
  EgoNet *net;
  const EgoModelMeta *meta;
  EgoClipCache *cache;
  EgoTrainConfig cfg;
  int n;                        /* clips */
  int frames, w, h;
  long steps_per_epoch, step;
  int *order;                   /* (n) this epoch's permutation */
  int order_epoch;              /* epoch order was drawn for, -1: none */
  float *x;                     /* (batch, T, C, H, W) */
  int32_t *targets[EGO_MAX_HEADS];      /* (batch) */
  float *teacher[EGO_MAX_HEADS];        /* (batch, classes) */
  float *m, *v;                 /* AdamW moments (n_params) */
};

#endif /* EGO_TRAINER_PRIVATE_H */
