/* GstEgoActionMeta, see egoactionmeta.h. The meta holds no pointers it
 * owns (names and labels are interned), so copies are plain copies. */
#include "egoactionmeta.h"

#include <string.h>

static gboolean
gst_ego_action_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstEgoActionMeta *m = (GstEgoActionMeta *) meta;
  m->window_start = m->window_end = GST_CLOCK_TIME_NONE;
  m->frames = 0;
  m->unsure = FALSE;
  m->n_heads = 0;
  memset (m->heads, 0, sizeof (m->heads));
  return TRUE;
}

static gboolean
gst_ego_action_meta_transform (GstBuffer * dest, GstMeta * meta,
    GstBuffer * buffer, GQuark type, gpointer data)
{
  GstEgoActionMeta *src = (GstEgoActionMeta *) meta, *dst;
  /* the result describes the whole frame, so it survives any transform
   * that keeps the frame: copies, scaling, conversion */
  dst = gst_buffer_add_ego_action_meta (dest);
  if (dst == NULL)
    return FALSE;
  dst->window_start = src->window_start;
  dst->window_end = src->window_end;
  dst->frames = src->frames;
  dst->unsure = src->unsure;
  dst->n_heads = src->n_heads;
  memcpy (dst->heads, src->heads, sizeof (src->heads));
  return TRUE;
}

GType
gst_ego_action_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };
  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstEgoActionMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

const GstMetaInfo *
gst_ego_action_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;
  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi =
        gst_meta_register (GST_EGO_ACTION_META_API_TYPE, "GstEgoActionMeta",
        sizeof (GstEgoActionMeta), gst_ego_action_meta_init, NULL,
        gst_ego_action_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

/**
 * gst_buffer_add_ego_action_meta:
 * @buffer: a writable #GstBuffer
 *
 * Returns: (transfer none): a new, empty #GstEgoActionMeta on @buffer
 */
GstEgoActionMeta *
gst_buffer_add_ego_action_meta (GstBuffer * buffer)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  return (GstEgoActionMeta *) gst_buffer_add_meta (buffer,
      GST_EGO_ACTION_META_INFO, NULL);
}

/**
 * gst_ego_action_meta_get_head:
 * @meta: a #GstEgoActionMeta
 * @name: a head name
 *
 * Returns: (nullable): the head called @name
 */
const GstEgoActionHead *
gst_ego_action_meta_get_head (const GstEgoActionMeta * meta,
    const gchar * name)
{
  g_return_val_if_fail (meta != NULL && name != NULL, NULL);
  for (guint i = 0; i < meta->n_heads && i < GST_EGO_ACTION_MAX_HEADS; i++)
    if (meta->heads[i].name && strcmp (meta->heads[i].name, name) == 0)
      return &meta->heads[i];
  return NULL;
}
