/* gst-ego: one teacher network of egoteacher, run on one clip at a time.
 *
 * Keeps the middle candidate of every segment of the clip under way (the
 * frames TSN samples at test time) in a one-clip EgoClipCache, and gives
 * the clip's logits the way ego-eval does for a 1x1 view: short side to
 * the network's size, centre crop, normalised with the model's mean and
 * std, the frame logits averaged over the T segments. All memory is
 * allocated when the stream is configured, none per frame. */
#ifndef __EGO_TEACHER_NET_H__
#define __EGO_TEACHER_NET_H__

#include <gst/gst.h>

#include "egoclipcollect.h"
#include "tsmnet.h"

typedef struct _EgoTeacherNet EgoTeacherNet;

/* Loads and validates a model file (a tsmnet of any modality). */
EgoTeacherNet *ego_teacher_net_load (const gchar * path, GError ** error);
void ego_teacher_net_free (EgoTeacherNet * t);
const EgoModelMeta *ego_teacher_net_meta (const EgoTeacherNet * t);

/* Sizes the clip for a stream of width x height RGB frames of the
 * dataset: the model's heads must be the dataset's, in the same order and
 * with the same classes, and its frames the clips' segments. */
gboolean ego_teacher_net_configure (EgoTeacherNet * t,
    const EgoDatasetInfo * info, gint width, gint height, GError ** error);

/* Frame slot (segment-major) of the clip under way: kept when it is a
 * middle candidate. Fails on a frame smaller than the configured size. */
gboolean ego_teacher_net_add_frame (EgoTeacherNet * t, GstBuffer * buf,
    guint slot, GError ** error);

/* The clip's logits, per head (classes of the head); owned by t, valid
 * until the next call. */
gboolean ego_teacher_net_run (EgoTeacherNet * t, const gfloat ** logits,
    GError ** error);

#endif /* __EGO_TEACHER_NET_H__ */
