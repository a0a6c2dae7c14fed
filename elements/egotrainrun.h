/* gst-ego: egodistill's training run, independent of buffers and pads.
 *
 * Builds the student and its model metadata from the settings and the
 * dataset, trains it with EgoTrainer on the filled clip caches, evaluates
 * on the validation cache after every epoch, and keeps in the output
 * folder:
 *
 *   checkpoint.safetensors  weights, optimiser state and step, every epoch
 *   history.json            per-epoch figures and per-step losses
 *   best.safetensors        the best model so far by validation action
 *                           top-1 (top-1 of the first head when there is
 *                           no action), when there is a validation split
 *   model.safetensors       the final model
 *
 * each written atomically; history.json before the checkpoint, so that a
 * resumed run always finds the history of its checkpoint. Resuming takes
 * the same steps an uninterrupted run would have taken (see trainer.h). */
#ifndef __EGO_TRAIN_RUN_H__
#define __EGO_TRAIN_RUN_H__

#include <glib.h>

#include "egoclipcollect.h"
#include "trainer.h"

typedef struct
{
  /* network */
  gint input_size;              /* square input */
  gint base_width;
  gint n_stages;
  gint blocks[EGO_NET_MAX_STAGES];
  gint shift_div;
  gboolean bidirectional;       /* shift both ways: a teacher, not streamable */
  const gchar *modality;        /* interned: "rgb", "flow", "audio" or
                                 * "rgbflow" */
  gfloat dropout;
  /* training */
  EgoTrainConfig train;
  gint threads;
  gint progress_interval;       /* steps between progress reports */
  gboolean resume;
  gchar *out;
  gint frame_step;              /* of the model; 0: measured on the data */
  gchar *teacher_logits;        /* for the provenance, or NULL */
  gchar **teachers;             /* the teachers of a GstEgoTeacherMeta, for
                                 * the provenance, or NULL */
} EgoRunSettings;

typedef struct
{
  gint epoch, epochs;           /* 1-based */
  glong step, steps;            /* steps taken, of all */
  gdouble loss, loss_ce, loss_kd;       /* of the last step */
  gdouble lr;
  gdouble clips_per_second;
  gdouble eta;                  /* seconds */
} EgoRunProgress;

typedef struct
{
  gint epoch;                   /* 1-based */
  glong step;
  gdouble loss, loss_ce, loss_kd;       /* means over the epoch */
  gdouble lr;                   /* at its end */
  gdouble seconds;              /* training time of the epoch */
  gdouble clips_per_second;
  gdouble train_top1[EGO_MAX_HEADS];    /* on the augmented batches */
  gboolean validated;
  gdouble top1[EGO_MAX_HEADS], top5[EGO_MAX_HEADS], ece[EGO_MAX_HEADS];
  gdouble action_top1;          /* -1 when there is no action */
  gboolean best;                /* best so far: saved as best.safetensors */
} EgoEpochRecord;

typedef struct
{
  void (*progress) (const EgoRunProgress * p, gpointer data);
  void (*epoch) (const EgoEpochRecord * e, gint epochs, gpointer data);
  /* polled every step: TRUE stops the run (a G_IO_ERROR_CANCELLED error) */
  gboolean (*cancelled) (gpointer data);
  gpointer data;
} EgoRunCallbacks;

typedef struct _EgoRun EgoRun;

/* Input channels of a network trained on frames of this modality, as they
 * arrive in the graph: "rgb" (3), "flow" (2: egoflow's R = dx, G = dy),
 * "audio" (1: the grey log-mel images of egodatasetsrc modality=audio),
 * "rgbflow" (5: RGB, then the flow of the frames' GstEgoFlowMeta);
 * 0 for a name it does not know. */
gint ego_run_modality_channels (const gchar * modality);

/* train and val (may be NULL) are not owned; the caches' frame size is
 * recorded so that evaluation can cache frames alike. */
EgoRun *ego_run_new (const EgoRunSettings * s, const EgoDatasetInfo * info,
    EgoClipCache * train, EgoClipCache * val, gint frame_step,
    GError ** error);
void ego_run_free (EgoRun * run);

/* Trains to the end, resuming first when asked and a checkpoint exists. */
gboolean ego_run_train (EgoRun * run, const EgoRunCallbacks * cb,
    GError ** error);

/* After training: the history (all epochs, also those before a resume),
 * every step's loss, and the final model's evaluation on the validation
 * split (on the training clips when there is none). */
guint ego_run_n_epochs (const EgoRun * run);
const EgoEpochRecord *ego_run_epoch (const EgoRun * run, guint i);
const gfloat *ego_run_step_losses (const EgoRun * run, guint * n);
const EgoEvalResult *ego_run_final_eval (const EgoRun * run);
const gchar *ego_run_eval_split (const EgoRun * run);
const EgoModelMeta *ego_run_meta (const EgoRun * run);
/* The index (0-based) of the best epoch, -1 without validation. */
gint ego_run_best_epoch (const EgoRun * run);

/* history.json <-> records (ego_run_train uses them; exposed for tests) */
gboolean ego_run_save_history (const EgoRun * run, const gchar * path,
    GError ** error);
gboolean ego_run_load_history (EgoRun * run, const gchar * path,
    glong step, GError ** error);

#endif /* __EGO_TRAIN_RUN_H__ */
