/* gst-ego: egodistill, trains a student on the clips of a stream. */
#ifndef __GST_EGO_DISTILL_H__
#define __GST_EGO_DISTILL_H__

#include <gst/base/gstbasesink.h>
#include <gst/video/video.h>

#include "egoclipcollect.h"
#include "egotrainrun.h"

G_BEGIN_DECLS

#define GST_TYPE_EGO_DISTILL (gst_ego_distill_get_type ())
G_DECLARE_FINAL_TYPE (GstEgoDistill, gst_ego_distill, GST, EGO_DISTILL,
    GstBaseSink);

typedef enum
{
  GST_EGO_DISTILL_DECAY_LINEAR = EGO_DECAY_LINEAR,
  GST_EGO_DISTILL_DECAY_COSINE = EGO_DECAY_COSINE,
} GstEgoDistillDecay;

struct _GstEgoDistill
{
  GstBaseSink parent;

  /* properties, under the object lock */
  EgoRunSettings settings;      /* out and teacher_logits owned */
  gchar *blocks;                /* "1,1,1,1" */
  gfloat lambda_d, lambda_gt;   /* -1: chosen by the presence of a teacher */
  gfloat colour_jitter;
  gchar *cache_file;
  gboolean report;

  /* stream state, from start() to stop() */
  EgoDatasetInfo info;
  gboolean have_info;
  GstVideoInfo vinfo;
  gboolean have_caps;
  EgoClipCollector *collector;
  gint reported_clips;          /* last clip count posted */
  EgoRun *run;
  gint stopping;                /* atomic: unlock() was called */
};

GST_ELEMENT_REGISTER_DECLARE (egodistill);

G_END_DECLS

#endif /* __GST_EGO_DISTILL_H__ */
