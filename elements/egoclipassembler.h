/* gst-ego: egodatasetsrc's assembly of the clips of one video.
 *
 * Knows the candidate frames of every clip of the video (TSN
 * sampling: T segments of C candidates), decodes the video once with an
 * EgoVideoReader, keeps each needed frame until the last clip that uses it
 * has been emitted, and emits the clips in the order given (CSV order), all
 * slots of a clip one after another, each buffer with a GstEgoClipMeta.
 * Decoding stops as soon as the last clip is out. */
#ifndef __EGO_CLIP_ASSEMBLER_H__
#define __EGO_CLIP_ASSEMBLER_H__

#include <gst/gst.h>

#include "dataset.h"
#include "egovideoreader.h"

typedef struct _EgoClipAssembler EgoClipAssembler;

/* clips: indices into ds of the clips of video `video`, in emission order.
 * The frames are decoded to width x height RGB, and passed through the
 * element named filter when it is not NULL (see egovideoreader.h). */
EgoClipAssembler *ego_clip_assembler_new (const EgoDataset * ds,
    guint split, gint video, const gint * clips, guint n_clips,
    gint segments, gint candidates, gint width, gint height,
    const gchar * filter, GError ** error);
void ego_clip_assembler_free (EgoClipAssembler * a);

/* Decodes one frame and appends the buffers of the clips it completes to
 * out. END once every clip is out. Errors name the file and the clip. */
EgoReadResult ego_clip_assembler_step (EgoClipAssembler * a, GQueue * out,
    GError ** error);
void ego_clip_assembler_set_cancelled (EgoClipAssembler * a,
    gboolean cancelled);
/* A warning about the video found while decoding it (its frame rate does
 * not fit the annotations), once, for the caller to free; or NULL. */
gchar *ego_clip_assembler_take_warning (EgoClipAssembler * a);

#endif /* __EGO_CLIP_ASSEMBLER_H__ */
