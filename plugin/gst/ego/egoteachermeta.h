/* GstEgoTeacherMeta: the logits a fused teacher gives a clip. egoteacher
 * puts one on every frame of a clip it passes on (all frames of a clip
 * share the same values); a student trainer reads the fused logits as its
 * soft targets, and anyone may read each teacher's own logits and weights.
 *
 * The values live in one read-only block, per head h in the order of
 * @heads, with K = @classes[h] and M = @n_teachers:
 *
 *   fused[h]    (K)       the fused teacher's logits, sum_i w_i z_i
 *   logits[h]   (M, K)    teacher i's logits start at logits[h] + i * K
 *   weights[h]  (M)       the weight of each teacher on this clip's head
 */
#ifndef __GST_EGO_TEACHER_META_H__
#define __GST_EGO_TEACHER_META_H__

#include <gst/ego/ego-prelude.h>

G_BEGIN_DECLS

#define GST_EGO_TEACHER_MAX_HEADS 4
#define GST_EGO_TEACHER_MAX_TEACHERS 16

/**
 * GstEgoTeacherMeta:
 * @meta: parent
 * @narration_id: the clip (interned)
 * @n_heads: number of heads
 * @heads: their names (interned), as in the stream's "ego-dataset" event
 * @classes: classes per head
 * @n_teachers: number of teachers
 * @teachers: their names (interned): a modality, or a logits file's name
 * @fused: per head, (classes) fused logits
 * @logits: per head, (n_teachers, classes) each teacher's logits
 * @weights: per head, (n_teachers) each teacher's weight
 */
typedef struct
{
  GstMeta meta;
  const gchar *narration_id;
  guint n_heads;
  const gchar *heads[GST_EGO_TEACHER_MAX_HEADS];
  guint classes[GST_EGO_TEACHER_MAX_HEADS];
  guint n_teachers;
  const gchar *teachers[GST_EGO_TEACHER_MAX_TEACHERS];
  const gfloat *fused[GST_EGO_TEACHER_MAX_HEADS];
  const gfloat *logits[GST_EGO_TEACHER_MAX_HEADS];
  const gfloat *weights[GST_EGO_TEACHER_MAX_HEADS];
  /*< private > */
  GBytes *values;
} GstEgoTeacherMeta;

GST_EGO_API GType gst_ego_teacher_meta_api_get_type (void);
#define GST_EGO_TEACHER_META_API_TYPE (gst_ego_teacher_meta_api_get_type ())
GST_EGO_API const GstMetaInfo *gst_ego_teacher_meta_get_info (void);
#define GST_EGO_TEACHER_META_INFO (gst_ego_teacher_meta_get_info ())

/* Floats a block of values needs for these heads and teachers. */
GST_EGO_API gsize gst_ego_teacher_meta_values_size (guint n_heads,
    const guint * classes, guint n_teachers);

GST_EGO_API GstEgoTeacherMeta *gst_buffer_add_ego_teacher_meta (GstBuffer *
    buffer, const gchar * narration_id, guint n_heads,
    const gchar * const *heads, const guint * classes, guint n_teachers,
    const gchar * const *teachers, GBytes * values);
#define gst_buffer_get_ego_teacher_meta(b) \
  ((GstEgoTeacherMeta *) gst_buffer_get_meta ((b), \
      GST_EGO_TEACHER_META_API_TYPE))

G_END_DECLS

#endif /* __GST_EGO_TEACHER_META_H__ */
