/* ego-layout's clips: the boxes of hands and objects inside each clip of a
 * split, read from DIR/detections/<video_id>.jsonl (no video decoding),
 * and the batches of box sequences the layout network reads.
 *
 * Coordinates come normalised by the frame size, as in EPIC-Kitchens-100's
 * hand-object detections and ego-dataset's files: the reader refuses a box
 * further than EGO_DETECTIONS_SLACK outside [0, 1] (pixel coordinates, say)
 * with its file and line, and clamps the rest to [0, 1].
 *
 * A frame without a line of its own shows the boxes of the nearest earlier
 * line inside the same clip (a detector run at a lower rate, a dropped
 * line); when the clip has no earlier line, the frame is empty (every slot
 * padding). Lines of frames outside every clip are not kept.
 *
 * Each video's file is read once, its lines inside the split's clips kept
 * and the rest freed, so memory grows with the clips, not the videos. */
#ifndef EGO_LAYOUT_DATA_H
#define EGO_LAYOUT_DATA_H

#include <glib.h>

#include "dataset.h"
#include "rng.h"
#include "stlt.h"

typedef struct _EgoLayoutData EgoLayoutData;

/* Reads the split's annotations (labels required) and the detections of
 * every video it names. */
EgoLayoutData *ego_layout_data_open (const char *dir, const char *split,
    GError ** error);
void ego_layout_data_free (EgoLayoutData * d);

const EgoDataset *ego_layout_data_dataset (const EgoLayoutData * d);
int ego_layout_data_n_clips (const EgoLayoutData * d);
/* label of clip i for head 0 (verb) or 1 (noun) */
int32_t ego_layout_data_label (const EgoLayoutData * d, int clip, int head);

/* The boxes frame shows in clip (see above): *n_boxes of them, NULL when
 * none. */
const EgoBox *ego_layout_data_frame (const EgoLayoutData * d, int clip,
    int frame, int *n_boxes);

/* A batch of n clips (indices clips[0..n)), T frames each, TSN-sampled
 * (a random frame of each segment with train, else the middle one), with
 * as many box slots as the fullest sampled frame needs, at most max_boxes
 * and at least one (padding never changes the network's output). */
EgoStltInput *ego_layout_data_batch (const EgoLayoutData * d,
    const int *clips, int n, int T, int max_boxes, gboolean train,
    EgoRng * rng);

#endif /* EGO_LAYOUT_DATA_H */
