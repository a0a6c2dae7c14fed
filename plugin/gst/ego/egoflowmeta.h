/* GstEgoFlowMeta: the optical flow of a video frame, carried with the
 * frame itself. egodatasetsrc modality=rgbflow puts one on every RGB frame
 * it pushes: egoflow's image of the motion from the previous frame to this
 * one, of the same size (R = dx, G = dy, 128 = no motion, see egoflow), so
 * that a network fed RGB and flow gets both from one stream, frame by
 * frame.
 */
#ifndef __GST_EGO_FLOW_META_H__
#define __GST_EGO_FLOW_META_H__

#include <gst/ego/ego-prelude.h>

G_BEGIN_DECLS

/**
 * GstEgoFlowMeta:
 * @meta: parent
 * @flow: (transfer full): the flow frame, packed RGB of the frame's size
 *   (the video meta of the buffer, if any, gives its strides)
 */
typedef struct
{
  GstMeta meta;
  GstBuffer *flow;
} GstEgoFlowMeta;

GST_EGO_API GType gst_ego_flow_meta_api_get_type (void);
#define GST_EGO_FLOW_META_API_TYPE (gst_ego_flow_meta_api_get_type ())
GST_EGO_API const GstMetaInfo *gst_ego_flow_meta_get_info (void);
#define GST_EGO_FLOW_META_INFO (gst_ego_flow_meta_get_info ())

/* Takes a reference to flow. */
GST_EGO_API GstEgoFlowMeta *gst_buffer_add_ego_flow_meta (GstBuffer *
    buffer, GstBuffer * flow);
#define gst_buffer_get_ego_flow_meta(b) \
  ((GstEgoFlowMeta *) gst_buffer_get_meta ((b), GST_EGO_FLOW_META_API_TYPE))

G_END_DECLS

#endif /* __GST_EGO_FLOW_META_H__ */
