/* GstEgoActionMeta: the action egoaction recognised in a window of frames. */
#ifndef __GST_EGO_ACTION_META_H__
#define __GST_EGO_ACTION_META_H__

#include <gst/ego/ego-prelude.h>

G_BEGIN_DECLS

#define GST_EGO_ACTION_MAX_HEADS 4
#define GST_EGO_ACTION_MAX_TOP_K 10

/**
 * GstEgoActionHead:
 * @name: the head's name ("verb", "noun", "action"); interned, never freed
 * @k: how many of the arrays are filled, best first
 * @class_ids: class indices into the model's label list of this head
 * @labels: their labels (interned strings)
 * @probs: their calibrated probabilities
 */
typedef struct
{
  const gchar *name;
  guint k;
  gint class_ids[GST_EGO_ACTION_MAX_TOP_K];
  const gchar *labels[GST_EGO_ACTION_MAX_TOP_K];
  gfloat probs[GST_EGO_ACTION_MAX_TOP_K];
} GstEgoActionHead;

/**
 * GstEgoActionMeta:
 * @meta: parent
 * @window_start: stream time (the position in the media) of the first
 *   frame of the window; GST_CLOCK_TIME_NONE when the frames had no
 *   timestamps or the segment was not in TIME
 * @window_end: stream time of the last frame of the window
 * @frames: number of sampled frames in the window
 * @unsure: TRUE when the primary head's top probability is below the
 *   element's threshold, or the window covers more than twice the time
 *   the model was made for
 * @n_heads: number of heads; heads[0] is the primary one
 * @heads: per head top-k
 */
typedef struct
{
  GstMeta meta;
  GstClockTime window_start;
  GstClockTime window_end;
  guint frames;
  gboolean unsure;
  guint n_heads;
  GstEgoActionHead heads[GST_EGO_ACTION_MAX_HEADS];
} GstEgoActionMeta;

GST_EGO_API GType gst_ego_action_meta_api_get_type (void);
#define GST_EGO_ACTION_META_API_TYPE (gst_ego_action_meta_api_get_type ())
GST_EGO_API const GstMetaInfo *gst_ego_action_meta_get_info (void);
#define GST_EGO_ACTION_META_INFO (gst_ego_action_meta_get_info ())

GST_EGO_API GstEgoActionMeta *gst_buffer_add_ego_action_meta (GstBuffer *
    buffer);
#define gst_buffer_get_ego_action_meta(b) \
  ((GstEgoActionMeta *) gst_buffer_get_meta ((b), GST_EGO_ACTION_META_API_TYPE))

/* the head called name, or NULL */
GST_EGO_API const GstEgoActionHead *
gst_ego_action_meta_get_head (const GstEgoActionMeta * meta,
    const gchar * name);

G_END_DECLS

#endif /* __GST_EGO_ACTION_META_H__ */
