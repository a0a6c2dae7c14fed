/* gst-ego: egodatasetsrc, the clips of an EPIC-100 style dataset as one
 * stream of frames. */
#ifndef __GST_EGO_DATASET_SRC_H__
#define __GST_EGO_DATASET_SRC_H__

#include <gst/base/gstpushsrc.h>
#include <gst/video/video.h>

#include "dataset.h"
#include "egoclipassembler.h"

G_BEGIN_DECLS

#define GST_TYPE_EGO_DATASET_SRC (gst_ego_dataset_src_get_type ())
G_DECLARE_FINAL_TYPE (GstEgoDatasetSrc, gst_ego_dataset_src, GST,
    EGO_DATASET_SRC, GstPushSrc);

#define GST_EGO_DATASET_SRC_MAX_SPLITS 4

struct _GstEgoDatasetSrc
{
  GstPushSrc parent;

  /* properties, under the object lock */
  gchar *data;
  gchar *split;                 /* comma-separated */
  guint frames, candidates;
  guint width, height, short_side;
  gboolean need_labels;
  const gchar *modality;        /* interned */

  /* state, built in start() */
  const gchar *filter;          /* element making the modality, or NULL */
  guint segments, n_candidates; /* frames and candidates, as started */
  guint n_splits;
  gchar **split_names;
  EgoDataset *sets[GST_EGO_DATASET_SRC_MAX_SPLITS];
  GArray **video_clips[GST_EGO_DATASET_SRC_MAX_SPLITS]; /* per video */
  GstVideoInfo info;
  guint cur_split;
  gint cur_video;               /* of the assembler, or the next one */
  EgoClipAssembler *assembler;
  GQueue out;                   /* buffers ready to push */
  gboolean sent_dataset;
  gint cancelled;               /* atomic: unlock() was called */
};

GST_ELEMENT_REGISTER_DECLARE (egodatasetsrc);

G_END_DECLS

#endif /* __GST_EGO_DATASET_SRC_H__ */
