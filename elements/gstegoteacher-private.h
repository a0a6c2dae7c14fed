/* gst-ego: egoteacher's insides, shared by gstegoteacher.c (the element),
 * gstegoteacher-props.c (its properties), gstegoteacher-pad.c (its pads)
 * and gstegoteacher-clip.c (the work on a clip, on the aggregating
 * thread). */
#ifndef __GST_EGO_TEACHER_PRIVATE_H__
#define __GST_EGO_TEACHER_PRIVATE_H__

#include "gstegoteacher.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_ego_teacher_debug);

#define DEFAULT_PROP_LOGITS NULL
#define DEFAULT_PROP_SCHEME EGO_FUSION_UNIFORM
#define DEFAULT_PROP_TAU_W 1.0
#define DEFAULT_PROP_WEIGHTS NULL
#define DEFAULT_PROP_LOCATION NULL
#define DEFAULT_PROP_WRITE_PER_MODALITY FALSE

enum
{
  PROP_0,
  PROP_LOGITS,
  PROP_SCHEME,
  PROP_TAU_W,
  PROP_WEIGHTS,
  PROP_LOCATION,
  PROP_WRITE_PER_MODALITY,
};

#define GST_TYPE_EGO_TEACHER_SCHEME (gst_ego_teacher_scheme_get_type ())
GType gst_ego_teacher_scheme_get_type (void);

/* gstegoteacher-props.c */
void gst_ego_teacher_install_properties (GObjectClass * klass);
void gst_ego_teacher_init_properties (GstEgoTeacher * self);
void gst_ego_teacher_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
void gst_ego_teacher_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);

/* The modality of the frames a sink pad receives, when they come from an
 * egodatasetsrc, directly or through queues, tees, identities and caps
 * filters; NULL when it cannot be told. */
gchar *gst_ego_teacher_pad_upstream_modality (GstPad * pad);

/* GstChildProxy: the sink pads, so that "sink_0::model=..." works in
 * launch lines. */
void gst_ego_teacher_child_proxy_init (gpointer g_iface, gpointer iface_data);

/* The frame of every pad (transfer full); posts an error and returns
 * GST_FLOW_ERROR on anything wrong. */
GstFlowReturn gst_ego_teacher_take_frames (GstEgoTeacher * self,
    GstBuffer ** frames);
/* All pads ended: writes the files and posts the summary. */
GstFlowReturn gst_ego_teacher_end (GstEgoTeacher * self);
/* Drops the clip under way (flush, stop). */
void gst_ego_teacher_drop_clip (GstEgoTeacher * self);

G_END_DECLS

#endif /* __GST_EGO_TEACHER_PRIVATE_H__ */
