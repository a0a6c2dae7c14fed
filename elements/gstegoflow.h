/* gst-ego
 *
 * egoflow: dense optical flow between consecutive frames, as RGB video in
 * the encoding public datasets use for TV-L1 flow.
 */
#ifndef __GST_EGO_FLOW_H__
#define __GST_EGO_FLOW_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_EGO_FLOW (gst_ego_flow_get_type ())
G_DECLARE_FINAL_TYPE (GstEgoFlow, gst_ego_flow, GST, EGO_FLOW,
    GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE (egoflow);

G_END_DECLS

#endif /* __GST_EGO_FLOW_H__ */
