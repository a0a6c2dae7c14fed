/* gst-ego: egodistill's insides, shared by gstegodistill.c (the element)
 * and gstegodistill-props.c (its properties). */
#ifndef __GST_EGO_DISTILL_PRIVATE_H__
#define __GST_EGO_DISTILL_PRIVATE_H__

#include "gstegodistill.h"

G_BEGIN_DECLS

#define DEFAULT_PROP_OUT NULL
#define DEFAULT_PROP_INPUT_SIZE 112
#define DEFAULT_PROP_BASE_WIDTH 32
#define DEFAULT_PROP_BLOCKS "1,1,1,1"
#define DEFAULT_PROP_SHIFT_DIV 8
#define DEFAULT_PROP_DROPOUT 0.0f
#define DEFAULT_PROP_MODALITY "rgb"
#define DEFAULT_PROP_BIDIRECTIONAL FALSE
#define DEFAULT_PROP_EPOCHS 20
#define DEFAULT_PROP_BATCH 16
#define DEFAULT_PROP_LR 2e-3f
#define DEFAULT_PROP_WEIGHT_DECAY 0.02f
#define DEFAULT_PROP_WARMUP 0.05f
#define DEFAULT_PROP_DECAY GST_EGO_DISTILL_DECAY_COSINE
#define DEFAULT_PROP_CLIP_NORM 5.0f
#define DEFAULT_PROP_LAMBDA_D -1.0f
#define DEFAULT_PROP_LAMBDA_GT -1.0f
#define DEFAULT_PROP_TEMPERATURE 1.0f
#define DEFAULT_PROP_LABEL_SMOOTHING 0.0f
#define DEFAULT_PROP_SCALE_MIN 0.8f
#define DEFAULT_PROP_COLOUR_JITTER 0.2f
#define DEFAULT_PROP_SEED 1
#define DEFAULT_PROP_THREADS 0
#define DEFAULT_PROP_PROGRESS_INTERVAL 10
#define DEFAULT_PROP_FRAME_STEP 0
#define DEFAULT_PROP_CACHE_FILE NULL
#define DEFAULT_PROP_TEACHER_LOGITS NULL
#define DEFAULT_PROP_RESUME FALSE
#define DEFAULT_PROP_REPORT TRUE

enum
{
  PROP_0,
  PROP_OUT,
  PROP_INPUT_SIZE,
  PROP_BASE_WIDTH,
  PROP_BLOCKS,
  PROP_SHIFT_DIV,
  PROP_DROPOUT,
  PROP_MODALITY,
  PROP_BIDIRECTIONAL,
  PROP_EPOCHS,
  PROP_BATCH,
  PROP_LR,
  PROP_WEIGHT_DECAY,
  PROP_WARMUP,
  PROP_DECAY,
  PROP_CLIP_NORM,
  PROP_LAMBDA_D,
  PROP_LAMBDA_GT,
  PROP_TEMPERATURE,
  PROP_LABEL_SMOOTHING,
  PROP_SCALE_MIN,
  PROP_COLOUR_JITTER,
  PROP_SEED,
  PROP_THREADS,
  PROP_PROGRESS_INTERVAL,
  PROP_FRAME_STEP,
  PROP_CACHE_FILE,
  PROP_TEACHER_LOGITS,
  PROP_RESUME,
  PROP_REPORT,
};

#define GST_TYPE_EGO_DISTILL_DECAY (gst_ego_distill_decay_get_type ())
GType gst_ego_distill_decay_get_type (void);

void gst_ego_distill_install_properties (GObjectClass * klass);
void gst_ego_distill_init_properties (GstEgoDistill * self);
void gst_ego_distill_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
void gst_ego_distill_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);

G_END_DECLS

#endif /* __GST_EGO_DISTILL_PRIVATE_H__ */
