/* gst-ego
 *
 * egomelspec: audio to log-mel spectrogram windows, one per video frame,
 * centred on the frame's time: the audio teacher's input.
 *
 * Output caps: audio/x-ego-melspec, mels=(int)N, frames=(int)W,
 * rate=(fraction)R. Each buffer is one window: N x W 32-bit floats in host
 * byte order, band major (row b holds band b over the window's W frames,
 * band 0 the lowest), natural-log mel power as defined in
 * models/melspec.h. Its timestamp is the window's centre, k / R for the
 * k-th window, and its duration 1 / R.
 */
#ifndef __GST_EGO_MELSPEC_H__
#define __GST_EGO_MELSPEC_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EGO_MELSPEC (gst_ego_melspec_get_type ())
G_DECLARE_FINAL_TYPE (GstEgoMelspec, gst_ego_melspec, GST, EGO_MELSPEC,
    GstElement)

GST_ELEMENT_REGISTER_DECLARE (egomelspec);

G_END_DECLS

#endif /* __GST_EGO_MELSPEC_H__ */
