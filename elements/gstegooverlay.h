/* gst-ego
 *
 * egooverlay: draws the recognised action from GstEgoActionMeta onto
 * RGB video, in place.
 */
#ifndef __GST_EGO_OVERLAY_H__
#define __GST_EGO_OVERLAY_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

/**
 * GstEgoOverlayPosition:
 * @GST_EGO_OVERLAY_POSITION_TOP_LEFT: top left corner
 * @GST_EGO_OVERLAY_POSITION_TOP_RIGHT: top right corner
 * @GST_EGO_OVERLAY_POSITION_BOTTOM_LEFT: bottom left corner
 * @GST_EGO_OVERLAY_POSITION_BOTTOM_RIGHT: bottom right corner
 *
 * The corner of the frame the panel is drawn in.
 */
typedef enum
{
  GST_EGO_OVERLAY_POSITION_TOP_LEFT,
  GST_EGO_OVERLAY_POSITION_TOP_RIGHT,
  GST_EGO_OVERLAY_POSITION_BOTTOM_LEFT,
  GST_EGO_OVERLAY_POSITION_BOTTOM_RIGHT,
} GstEgoOverlayPosition;

GType gst_ego_overlay_position_get_type (void);
#define GST_TYPE_EGO_OVERLAY_POSITION (gst_ego_overlay_position_get_type ())

#define GST_TYPE_EGO_OVERLAY (gst_ego_overlay_get_type ())
G_DECLARE_FINAL_TYPE (GstEgoOverlay, gst_ego_overlay, GST, EGO_OVERLAY,
    GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE (egooverlay);

G_END_DECLS

#endif /* __GST_EGO_OVERLAY_H__ */
