/* gst-ego: a stream of egodatasetsrc frames into clip caches.
 *
 * Reads the stream's "ego-dataset" event (the splits, their clip counts,
 * T, C and the class keys) and copies every frame with a GstEgoClipMeta
 * into the EgoClipCache of its split, at the frame's slot. Used by
 * egodistill and by ego-eval, so that both see a dataset alike. When the
 * frames carry a GstEgoTeacherMeta (egoteacher upstream), the fused
 * logits of each training clip go into its cache's teacher slots. Caches
 * with flow take each frame's flow image from its GstEgoFlowMeta
 * (egodatasetsrc modality=rgbflow). */
#ifndef __EGO_CLIP_COLLECT_H__
#define __EGO_CLIP_COLLECT_H__

#include <gst/gst.h>
#include <gst/video/video.h>

#include "clipcache.h"

#define EGO_COLLECT_MAX_SPLITS 4

typedef struct
{
  gchar *path;
  guint n_splits;
  gchar *splits[EGO_COLLECT_MAX_SPLITS];
  gint clips[EGO_COLLECT_MAX_SPLITS];
  gint segments, candidates;
  gint n_heads;
  gchar *heads[EGO_MAX_HEADS];
  gint n_labels[EGO_MAX_HEADS];
  gchar **labels[EGO_MAX_HEADS];        /* NULL-terminated class keys */
} EgoDatasetInfo;

/* From the structure of the "ego-dataset" event. */
gboolean ego_dataset_info_parse (EgoDatasetInfo * info,
    const GstStructure * s, GError ** error);
void ego_dataset_info_clear (EgoDatasetInfo * info);

typedef struct _EgoClipCollector EgoClipCollector;

/* Caches for the first n_splits splits of the stream at the frame size of
 * vinfo (RGB); frames of further splits are refused. cache_file: NULL to
 * keep frames in memory, else the file of the first split's cache (the
 * others add "-<split>"), removed as soon as it is mapped. teacher: room
 * for teacher logits. flow: keep every frame's flow image too, which every
 * frame must then carry. */
EgoClipCollector *ego_clip_collector_new (const EgoDatasetInfo * info,
    const GstVideoInfo * vinfo, guint n_splits, const gchar * cache_file,
    gboolean teacher, gboolean flow, GError ** error);
/* Before the first frame, on a collector made with teacher: the training
 * split's teacher logits come from the frames' GstEgoTeacherMeta, which
 * every frame of that split must then carry, of the dataset's heads and
 * classes. */
void ego_clip_collector_use_teacher_meta (EgoClipCollector * c);
void ego_clip_collector_free (EgoClipCollector * c);

/* One frame. Fails on a frame without meta, of another split or size, or
 * out of order. */
gboolean ego_clip_collector_add (EgoClipCollector * c, GstBuffer * buf,
    GError ** error);
/* Whether every clip of every split has all its frames. */
gboolean ego_clip_collector_check_complete (EgoClipCollector * c,
    GError ** error);
/* clips with all their frames, over all splits */
gint ego_clip_collector_done (const EgoClipCollector * c);
gint ego_clip_collector_total (const EgoClipCollector * c);

EgoClipCache *ego_clip_collector_cache (EgoClipCollector * c, guint split);
/* narration id (interned) of a clip, NULL before its first frame */
const gchar *ego_clip_collector_narration (const EgoClipCollector * c,
    guint split, gint clip);
/* The median distance between the sampled (middle) frames of neighbouring
 * segments over the first split's clips: the frame step a stream should
 * sample at to see clips as training did. */
gint ego_clip_collector_frame_step (const EgoClipCollector * c);
/* With teacher_meta: the teachers' names (interned, NULL-terminated) of the
 * first meta seen; NULL otherwise or before it. */
const gchar *const *ego_clip_collector_teachers (const EgoClipCollector * c);

/* The picture of buf, an RGB frame of vinfo, into dst (packed, width * 3
 * bytes a row) and, when flow_dst is given, the flow frame of its
 * GstEgoFlowMeta into flow_dst alike. Fails on a frame smaller than vinfo
 * or without the meta. */
gboolean ego_clip_copy_frame (GstBuffer * buf, const GstVideoInfo * vinfo,
    guint8 * dst, guint8 * flow_dst, GError ** error);

#endif /* __EGO_CLIP_COLLECT_H__ */
