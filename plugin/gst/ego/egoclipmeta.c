/* GstEgoClipMeta, see egoclipmeta.h. The narration id is interned, so the
 * meta owns nothing and copies are plain copies. */
#include "egoclipmeta.h"

#include <string.h>

static gboolean
gst_ego_clip_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstEgoClipMeta *m = (GstEgoClipMeta *) meta;
  m->split = 0;
  m->clip = -1;
  m->narration_id = NULL;
  m->slot = m->slots = m->segments = m->candidates = 0;
  m->frame = 0;
  m->n_heads = 0;
  for (guint h = 0; h < GST_EGO_CLIP_MAX_HEADS; h++)
    m->labels[h] = -1;
  return TRUE;
}

static gboolean
gst_ego_clip_meta_transform (GstBuffer * dest, GstMeta * meta,
    GstBuffer * buffer, GQuark type, gpointer data)
{
  GstEgoClipMeta *src = (GstEgoClipMeta *) meta, *dst;
  /* the frame stays the same frame of the same clip through copies,
   * scaling and conversion */
  dst = gst_buffer_add_ego_clip_meta (dest);
  if (dst == NULL)
    return FALSE;
  memcpy ((guint8 *) dst + sizeof (GstMeta), (guint8 *) src +
      sizeof (GstMeta), sizeof (GstEgoClipMeta) - sizeof (GstMeta));
  return TRUE;
}

GType
gst_ego_clip_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };
  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstEgoClipMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

const GstMetaInfo *
gst_ego_clip_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;
  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi =
        gst_meta_register (GST_EGO_CLIP_META_API_TYPE, "GstEgoClipMeta",
        sizeof (GstEgoClipMeta), gst_ego_clip_meta_init, NULL,
        gst_ego_clip_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

/**
 * gst_buffer_add_ego_clip_meta:
 * @buffer: a writable #GstBuffer
 *
 * Returns: (transfer none): a new #GstEgoClipMeta on @buffer, with no clip
 *   (-1) and no labels
 */
GstEgoClipMeta *
gst_buffer_add_ego_clip_meta (GstBuffer * buffer)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  return (GstEgoClipMeta *) gst_buffer_add_meta (buffer,
      GST_EGO_CLIP_META_INFO, NULL);
}
