/* ego-layout's training and evaluation of the layout network (models/
 * stlt.h) on the clips of layoutdata.h, with cross-entropy on labels
 * (a teacher modality is trained on labels):
 *
 *   L = mean over heads h of CE(z_h, y_h)
 *
 * AdamW (decay on the linear layers' weights only), linear warm-up then
 * cosine decay per step, global-norm clipping; the frames of each clip
 * TSN-sampled, a random frame per segment in training, the middle one at
 * test. Deterministic for a seed: each epoch's order derives from (seed,
 * epoch) and each step's sampling from (seed, step) alone.
 *
 * In the output folder, each written atomically (a temporary file renamed):
 *
 *   history.json        per-epoch figures and per-step losses, every epoch,
 *                       in the layout of egodistill's history
 *   best.safetensors    the best model so far by validation action top-1,
 *                       when there is a validation split
 *   model.safetensors   the final model */
#ifndef EGO_LAYOUT_TRAIN_H
#define EGO_LAYOUT_TRAIN_H

#include <glib.h>

#include "layoutdata.h"
#include "stlt.h"
#include "trainer.h"            /* EgoEvalResult */

#define EGO_LAYOUT_HEADS 2      /* verb, noun */

typedef struct
{
  int frames;                   /* T sampled per clip */
  int epochs;
  int batch;                    /* clips per step; the last one may be short */
  float lr;                     /* peak */
  float weight_decay;
  float warmup;                 /* fraction of all steps */
  float clip_norm;              /* 0: no clipping */
  guint64 seed;
} EgoLayoutTrainConfig;

typedef struct
{
  int epoch;                    /* 1-based */
  long step;                    /* steps taken */
  double loss;                  /* mean over the epoch's steps */
  double lr;                    /* at its end */
  double seconds;               /* training time of the epoch */
  double clips_per_second;
  double train_top1[EGO_LAYOUT_HEADS];  /* on the sampled batches */
  gboolean validated;
  double top1[EGO_LAYOUT_HEADS], top5[EGO_LAYOUT_HEADS];
  double ece[EGO_LAYOUT_HEADS];
  double action_top1;
  gboolean best;                /* best so far: saved as best.safetensors */
} EgoLayoutEpoch;

typedef void (*EgoLayoutEpochFunc) (const EgoLayoutEpoch * e, int epochs,
    gpointer data);

/* 60 epochs of 32 clips at lr 1e-3, weight decay 0.02, 5% warm-up, clipping
 * at 5, 8 frames, seed 1. */
void ego_layout_train_config_default (EgoLayoutTrainConfig * cfg);

/* Trains net (two heads, verb and noun, of the data's classes) on train,
 * evaluating on val (may be NULL) after every epoch and calling epoch_done;
 * writes the files above into out (an existing folder). meta is the model
 * files' metadata. */
gboolean ego_layout_train (EgoStlt * net, const EgoModelMeta * meta,
    const EgoLayoutData * train, const EgoLayoutData * val,
    const EgoLayoutTrainConfig * cfg, const char *out,
    EgoLayoutEpochFunc epoch_done, gpointer data, GError ** error);

/* Evaluates on every clip of d with T middle frames: logits, top-1, top-5,
 * ECE per head, action top-1 and the GFLOPs of one view (every box slot
 * counted, as a deployment with fixed slots runs it). */
gboolean ego_layout_evaluate (EgoStlt * net, const EgoLayoutData * d,
    int frames, EgoEvalResult * r, GError ** error);

#endif /* EGO_LAYOUT_TRAIN_H */
