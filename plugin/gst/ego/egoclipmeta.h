/* GstEgoClipMeta: which clip of a dataset a frame belongs to, and where in
 * it. egodatasetsrc puts one on every frame it pushes; egodistill and any
 * application that trains or evaluates on a dataset read it.
 *
 * A clip is sampled as T segments of C candidate frames each (C odd; the
 * middle candidate is the frame TSN takes at test time); its frames come
 * one after another, slot 0 .. T*C-1, segment-major. Before the first
 * frame, the stream carries a sticky custom downstream event whose
 * structure is named GST_EGO_DATASET_EVENT ("ego-dataset"), describing the
 * whole stream:
 *
 *   "path"        G_TYPE_STRING   the dataset folder
 *   "splits"      GST_TYPE_ARRAY  of G_TYPE_STRING: the splits, in the
 *                                 order their clips come
 *   "clips"       GST_TYPE_ARRAY  of G_TYPE_INT: clips in each split
 *   "segments"    G_TYPE_UINT     T
 *   "candidates"  G_TYPE_UINT     C
 *   "heads"       GST_TYPE_ARRAY  of G_TYPE_STRING: "verb", "noun"
 *   "<head>-labels" GST_TYPE_ARRAY of G_TYPE_STRING: the class keys by id
 */
#ifndef __GST_EGO_CLIP_META_H__
#define __GST_EGO_CLIP_META_H__

#include <gst/ego/ego-prelude.h>

G_BEGIN_DECLS

#define GST_EGO_CLIP_MAX_HEADS 4
#define GST_EGO_DATASET_EVENT "ego-dataset"

/**
 * GstEgoClipMeta:
 * @meta: parent
 * @split: index of the clip's split in the stream's "splits"
 * @clip: index of the clip (its row) in its split
 * @narration_id: the clip's id (interned, never freed)
 * @slot: this frame's place in the clip, 0 .. @slots - 1, segment-major
 * @slots: @segments x @candidates
 * @segments: T
 * @candidates: C per segment
 * @frame: the source frame number (1-based, as in EPIC's frame folders)
 * @n_heads: number of labels
 * @labels: class per head, in the order of the stream's "heads"; -1 when
 *   the clip has no label
 */
typedef struct
{
  GstMeta meta;
  guint split;
  gint clip;
  const gchar *narration_id;
  guint slot;
  guint slots;
  guint segments;
  guint candidates;
  gint frame;
  guint n_heads;
  gint labels[GST_EGO_CLIP_MAX_HEADS];
} GstEgoClipMeta;

GST_EGO_API GType gst_ego_clip_meta_api_get_type (void);
#define GST_EGO_CLIP_META_API_TYPE (gst_ego_clip_meta_api_get_type ())
GST_EGO_API const GstMetaInfo *gst_ego_clip_meta_get_info (void);
#define GST_EGO_CLIP_META_INFO (gst_ego_clip_meta_get_info ())

GST_EGO_API GstEgoClipMeta *gst_buffer_add_ego_clip_meta (GstBuffer *
    buffer);
#define gst_buffer_get_ego_clip_meta(b) \
  ((GstEgoClipMeta *) gst_buffer_get_meta ((b), GST_EGO_CLIP_META_API_TYPE))

G_END_DECLS

#endif /* __GST_EGO_CLIP_META_H__ */
