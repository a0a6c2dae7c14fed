/* GstEgoTruthMeta, see egotruthmeta.h. Only the motion field is owned. */
#include "egotruthmeta.h"

#include <string.h>

static gboolean
gst_ego_truth_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstEgoTruthMeta *m = (GstEgoTruthMeta *) meta;
  memset ((guint8 *) m + sizeof (GstMeta), 0,
      sizeof (*m) - sizeof (GstMeta));
  m->verb = m->noun = m->action_index = -1;
  m->action_start = m->action_end = GST_CLOCK_TIME_NONE;
  return TRUE;
}

static void
gst_ego_truth_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstEgoTruthMeta *m = (GstEgoTruthMeta *) meta;
  g_clear_pointer (&m->flow, g_free);
}

static gboolean
gst_ego_truth_meta_transform (GstBuffer * dest, GstMeta * meta,
    GstBuffer * buffer, GQuark type, gpointer data)
{
  GstEgoTruthMeta *src = (GstEgoTruthMeta *) meta, *dst;
  /* boxes and flow are in the source frame's pixels: only plain copies
   * keep them true */
  if (!GST_META_TRANSFORM_IS_COPY (type))
    return FALSE;
  dst = gst_buffer_add_ego_truth_meta (dest);
  if (dst == NULL)
    return FALSE;
  memcpy ((guint8 *) dst + sizeof (GstMeta), (guint8 *) src +
      sizeof (GstMeta), sizeof (*src) - sizeof (GstMeta));
  if (src->flow)
    dst->flow = g_memdup2 (src->flow,
        sizeof (gfloat) * 2 * src->flow_width * src->flow_height);
  return TRUE;
}

GType
gst_ego_truth_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };
  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstEgoTruthMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

const GstMetaInfo *
gst_ego_truth_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;
  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi =
        gst_meta_register (GST_EGO_TRUTH_META_API_TYPE, "GstEgoTruthMeta",
        sizeof (GstEgoTruthMeta), gst_ego_truth_meta_init,
        gst_ego_truth_meta_free, gst_ego_truth_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

/**
 * gst_buffer_add_ego_truth_meta:
 * @buffer: a writable #GstBuffer
 *
 * Returns: (transfer none): a new #GstEgoTruthMeta on @buffer, idle, no
 * boxes
 */
GstEgoTruthMeta *
gst_buffer_add_ego_truth_meta (GstBuffer * buffer)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  return (GstEgoTruthMeta *) gst_buffer_add_meta (buffer,
      GST_EGO_TRUTH_META_INFO, NULL);
}

void
gst_ego_truth_meta_set_flow (GstEgoTruthMeta * meta, guint width,
    guint height, gfloat * flow)
{
  g_return_if_fail (meta != NULL);
  g_free (meta->flow);
  meta->flow = flow;
  meta->flow_width = flow ? width : 0;
  meta->flow_height = flow ? height : 0;
}
