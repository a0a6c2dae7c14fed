/* GstEgoTruthMeta: the ground truth egosynthsrc knows about a frame it
 * rendered: the current action, the boxes of hands and objects, and, on
 * request, the true motion field. */
#ifndef __GST_EGO_TRUTH_META_H__
#define __GST_EGO_TRUTH_META_H__

#include <gst/ego/ego-prelude.h>

G_BEGIN_DECLS

#define GST_EGO_TRUTH_MAX_BOXES 16

typedef enum
{
  GST_EGO_BOX_HAND = 0,
  GST_EGO_BOX_OBJECT = 1,
} GstEgoBoxCategory;

typedef enum
{
  GST_EGO_SIDE_NONE = 0,
  GST_EGO_SIDE_LEFT = 1,
  GST_EGO_SIDE_RIGHT = 2,
} GstEgoSide;

/**
 * GstEgoBox:
 * @category: hand or object
 * @x1: left edge in pixels of the frame
 * @y1: top edge
 * @x2: right edge (exclusive)
 * @y2: bottom edge (exclusive)
 * @score: detection confidence (1 for the truth)
 * @side: for hands, which one
 * @contact: for hands, touching an object; for objects, held
 * @noun: for objects, the noun class; -1 for hands and distractors
 */
typedef struct
{
  GstEgoBoxCategory category;
  gfloat x1, y1, x2, y2;
  gfloat score;
  GstEgoSide side;
  gboolean contact;
  gint noun;
} GstEgoBox;

/**
 * GstEgoTruthMeta:
 * @meta: parent
 * @verb: verb class of the action under way, -1 between actions
 * @noun: noun class of the action under way, -1 between actions
 * @verb_label: its key (interned), or NULL
 * @noun_label: its key (interned), or NULL
 * @action_index: running number of the action in the stream, -1 between
 * @action_start: timestamp of the action's first frame, or NONE
 * @action_end: timestamp just past its last frame, or NONE
 * @n_boxes: number of boxes
 * @boxes: hands and objects in view
 * @flow_width: width of @flow, 0 when absent
 * @flow_height: height of @flow
 * @flow: (2, flow_height, flow_width) floats: for every pixel of the
 *   previous frame, its displacement (dx then dy planes) into this frame;
 *   owned by the meta; NULL unless requested or on the first frame
 */
typedef struct
{
  GstMeta meta;
  gint verb, noun;
  const gchar *verb_label, *noun_label;
  gint action_index;
  GstClockTime action_start, action_end;
  guint n_boxes;
  GstEgoBox boxes[GST_EGO_TRUTH_MAX_BOXES];
  guint flow_width, flow_height;
  gfloat *flow;
} GstEgoTruthMeta;

GST_EGO_API GType gst_ego_truth_meta_api_get_type (void);
#define GST_EGO_TRUTH_META_API_TYPE (gst_ego_truth_meta_api_get_type ())
GST_EGO_API const GstMetaInfo *gst_ego_truth_meta_get_info (void);
#define GST_EGO_TRUTH_META_INFO (gst_ego_truth_meta_get_info ())

GST_EGO_API GstEgoTruthMeta *gst_buffer_add_ego_truth_meta (GstBuffer *
    buffer);
#define gst_buffer_get_ego_truth_meta(b) \
  ((GstEgoTruthMeta *) gst_buffer_get_meta ((b), GST_EGO_TRUTH_META_API_TYPE))

/* Gives the meta a motion field of width x height (takes ownership of flow,
 * allocated with g_malloc). */
GST_EGO_API void gst_ego_truth_meta_set_flow (GstEgoTruthMeta * meta,
    guint width, guint height, gfloat * flow);

G_END_DECLS

#endif /* __GST_EGO_TRUTH_META_H__ */
