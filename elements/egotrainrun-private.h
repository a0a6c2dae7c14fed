/* gst-ego: the insides of a training run, shared by egotrainrun.c (the
 * run) and egotrainhistory.c (its history file). */
#ifndef __EGO_TRAIN_RUN_PRIVATE_H__
#define __EGO_TRAIN_RUN_PRIVATE_H__

#include "egotrainrun.h"

struct _EgoRun
{
  EgoRunSettings s;
  EgoClipCache *train, *val;
  EgoModelMeta meta;
  EgoNet *net;
  EgoTrainer *trainer;
  gchar *ckpt_path, *history_path, *best_path, *model_path;
  GArray *epochs;               /* of EgoEpochRecord */
  GArray *step_loss;            /* of gfloat, one per step */
  gint best;                    /* epoch index, -1: none */
  gdouble best_metric;
  EgoEvalResult final;
  gboolean have_final;
  const gchar *eval_split;
  /* the epoch under way */
  gdouble sum_loss, sum_ce, sum_kd, sum_top1[EGO_MAX_HEADS];
  glong epoch_steps;
  gdouble epoch_seconds;
  /* since this session started, for speeds and the ETA */
  glong session_steps;
  gdouble session_seconds;
  gdouble val_seconds;
  gint val_count;
};

/* the metric that picks the best model */
gdouble ego_run_metric (const EgoEpochRecord * e);

#endif /* __EGO_TRAIN_RUN_PRIVATE_H__ */
