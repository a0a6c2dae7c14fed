/* egosynthsrc: a synthetic first-person kitchen, with sound and ground
 * truth, deterministic from a seed. */
#ifndef __GST_EGO_SYNTH_SRC_H__
#define __GST_EGO_SYNTH_SRC_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EGO_SYNTH_SRC (gst_ego_synth_src_get_type ())
G_DECLARE_FINAL_TYPE (GstEgoSynthSrc, gst_ego_synth_src, GST, EGO_SYNTH_SRC,
    GstBin)

GST_ELEMENT_REGISTER_DECLARE (egosynthsrc);

G_END_DECLS

#endif /* __GST_EGO_SYNTH_SRC_H__ */
