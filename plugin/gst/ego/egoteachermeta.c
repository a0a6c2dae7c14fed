/* GstEgoTeacherMeta, see egoteachermeta.h. Names are interned and the
 * values are one shared, read-only GBytes: copies take a reference. */
#include "egoteachermeta.h"

#include <string.h>

static gboolean
gst_ego_teacher_meta_init (GstMeta * meta, gpointer params, GstBuffer * buf)
{
  GstEgoTeacherMeta *m = (GstEgoTeacherMeta *) meta;
  memset ((guint8 *) m + sizeof (GstMeta), 0, sizeof (*m) - sizeof (GstMeta));
  return TRUE;
}

static void
gst_ego_teacher_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstEgoTeacherMeta *m = (GstEgoTeacherMeta *) meta;
  g_clear_pointer (&m->values, g_bytes_unref);
}

static gboolean
gst_ego_teacher_meta_transform (GstBuffer * dest, GstMeta * meta,
    GstBuffer * buffer, GQuark type, gpointer data)
{
  GstEgoTeacherMeta *src = (GstEgoTeacherMeta *) meta, *dst;
  /* the clip's logits stay true of its frames through copies, scaling and
   * conversion */
  dst = (GstEgoTeacherMeta *) gst_buffer_add_meta (dest,
      GST_EGO_TEACHER_META_INFO, NULL);
  if (dst == NULL)
    return FALSE;
  memcpy ((guint8 *) dst + sizeof (GstMeta), (guint8 *) src +
      sizeof (GstMeta), sizeof (*src) - sizeof (GstMeta));
  dst->values = g_bytes_ref (src->values);
  return TRUE;
}

GType
gst_ego_teacher_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };
  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstEgoTeacherMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

const GstMetaInfo *
gst_ego_teacher_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;
  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi =
        gst_meta_register (GST_EGO_TEACHER_META_API_TYPE, "GstEgoTeacherMeta",
        sizeof (GstEgoTeacherMeta), gst_ego_teacher_meta_init,
        gst_ego_teacher_meta_free, gst_ego_teacher_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

/**
 * gst_ego_teacher_meta_values_size:
 * @n_heads: number of heads
 * @classes: (array length=n_heads): classes per head
 * @n_teachers: number of teachers
 *
 * Returns: the number of floats of a block of values (see the layout in
 *   egoteachermeta.h)
 */
gsize
gst_ego_teacher_meta_values_size (guint n_heads, const guint * classes,
    guint n_teachers)
{
  gsize n = 0;
  for (guint h = 0; h < n_heads; h++)
    n += (gsize) classes[h] * (1 + n_teachers) + n_teachers;
  return n;
}

/**
 * gst_buffer_add_ego_teacher_meta:
 * @buffer: a writable #GstBuffer
 * @narration_id: the clip's id
 * @n_heads: number of heads, at most %GST_EGO_TEACHER_MAX_HEADS
 * @heads: (array length=n_heads): head names
 * @classes: (array length=n_heads): classes per head
 * @n_teachers: number of teachers, at most %GST_EGO_TEACHER_MAX_TEACHERS
 * @teachers: (array length=n_teachers): teacher names
 * @values: the floats, laid out as egoteachermeta.h says; the meta takes a
 *   reference
 *
 * Returns: (transfer none): the new meta on @buffer
 */
GstEgoTeacherMeta *
gst_buffer_add_ego_teacher_meta (GstBuffer * buffer,
    const gchar * narration_id, guint n_heads, const gchar * const *heads,
    const guint * classes, guint n_teachers, const gchar * const *teachers,
    GBytes * values)
{
  GstEgoTeacherMeta *m;
  const gfloat *v;
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (n_heads <= GST_EGO_TEACHER_MAX_HEADS, NULL);
  g_return_val_if_fail (n_teachers <= GST_EGO_TEACHER_MAX_TEACHERS, NULL);
  g_return_val_if_fail (values != NULL && g_bytes_get_size (values) ==
      sizeof (gfloat) * gst_ego_teacher_meta_values_size (n_heads, classes,
          n_teachers), NULL);
  m = (GstEgoTeacherMeta *) gst_buffer_add_meta (buffer,
      GST_EGO_TEACHER_META_INFO, NULL);
  if (m == NULL)
    return NULL;
  m->narration_id = g_intern_string (narration_id);
  m->n_heads = n_heads;
  m->n_teachers = n_teachers;
  for (guint i = 0; i < n_teachers; i++)
    m->teachers[i] = g_intern_string (teachers[i]);
  m->values = g_bytes_ref (values);
  v = g_bytes_get_data (values, NULL);
  for (guint h = 0; h < n_heads; h++) {
    m->heads[h] = g_intern_string (heads[h]);
    m->classes[h] = classes[h];
    m->fused[h] = v;
    m->logits[h] = v + classes[h];
    m->weights[h] = v + (gsize) classes[h] * (1 + n_teachers);
    v += (gsize) classes[h] * (1 + n_teachers) + n_teachers;
  }
  return m;
}
