/* gst-ego: egoteacher, the fused multimodal teacher as an element. */
#ifndef __GST_EGO_TEACHER_H__
#define __GST_EGO_TEACHER_H__

#include <gst/base/gstaggregator.h>
#include <gst/video/video.h>

#include "egoclipcollect.h"
#include "egoteacherfuse.h"
#include "egoteacherlogits.h"
#include "egoteachernet.h"

G_BEGIN_DECLS

#define GST_TYPE_EGO_TEACHER_PAD (gst_ego_teacher_pad_get_type ())
G_DECLARE_FINAL_TYPE (GstEgoTeacherPad, gst_ego_teacher_pad, GST,
    EGO_TEACHER_PAD, GstAggregatorPad);

struct _GstEgoTeacherPad
{
  GstAggregatorPad parent;

  /* properties, under the pad's object lock */
  gchar *model;
  gchar *teacher_name;

  /* stream state, from start() to stop() */
  EgoTeacherNet *net;
  gchar *teacher;               /* the teacher's name */
  EgoDatasetInfo info;
  gboolean have_info;
  GstVideoInfo vinfo;
  gboolean have_caps;
};

#define GST_TYPE_EGO_TEACHER (gst_ego_teacher_get_type ())
G_DECLARE_FINAL_TYPE (GstEgoTeacher, gst_ego_teacher, GST, EGO_TEACHER,
    GstAggregator);

struct _GstEgoTeacher
{
  GstAggregator parent;

  /* properties, under the object lock */
  gchar *logits;
  EgoFusionScheme scheme;
  gdouble tau_w;
  gchar *weights;
  gchar *location;
  gboolean write_per_modality;

  /* stream state, from start() to stop(), used by the aggregating thread */
  gboolean running;             /* also under the object lock */
  EgoFusionScheme run_scheme;
  gdouble run_tau_w;
  gchar *run_weights, *run_location, *logits_path;
  gboolean run_per_modality;
  guint n_pads;
  GstEgoTeacherPad **pads;      /* (n_pads) by serial; the first is passed on */
  gchar **names;                /* (n_pads + 1 with logits) teachers' names */
  EgoTeacherLogits *external;
  EgoTeacherFusion *fusion;
  gboolean configured;
  GstEvent *dataset_event;      /* the first pad's, not yet passed on */
  GstBuffer **held;             /* (slots) the first pad's frames of the clip */
  guint n_held, slots;
  gint labels[EGO_MAX_HEADS];
  gboolean finished;
};

GST_ELEMENT_REGISTER_DECLARE (egoteacher);

G_END_DECLS

#endif /* __GST_EGO_TEACHER_H__ */
