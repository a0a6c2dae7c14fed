/* GstEgoFlowMeta, see egoflowmeta.h. The meta holds a reference to the
 * flow frame; copies of the buffer share it. */
#include "egoflowmeta.h"

static gboolean
gst_ego_flow_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  ((GstEgoFlowMeta *) meta)->flow = NULL;
  return TRUE;
}

static void
gst_ego_flow_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstEgoFlowMeta *m = (GstEgoFlowMeta *) meta;
  gst_clear_buffer (&m->flow);
}

static gboolean
gst_ego_flow_meta_transform (GstBuffer * dest, GstMeta * meta,
    GstBuffer * buffer, GQuark type, gpointer data)
{
  GstEgoFlowMeta *src = (GstEgoFlowMeta *) meta;
  /* a copy is the same frame; a scaled or converted frame no longer
   * matches the flow's pixels, so the meta is dropped there */
  if (!GST_META_TRANSFORM_IS_COPY (type))
    return FALSE;
  return gst_buffer_add_ego_flow_meta (dest, src->flow) != NULL;
}

GType
gst_ego_flow_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };
  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstEgoFlowMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

const GstMetaInfo *
gst_ego_flow_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;
  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi =
        gst_meta_register (GST_EGO_FLOW_META_API_TYPE, "GstEgoFlowMeta",
        sizeof (GstEgoFlowMeta), gst_ego_flow_meta_init,
        gst_ego_flow_meta_free, gst_ego_flow_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

/**
 * gst_buffer_add_ego_flow_meta:
 * @buffer: a writable #GstBuffer
 * @flow: the flow frame of @buffer's frame
 *
 * Returns: (transfer none): a new #GstEgoFlowMeta on @buffer holding a
 *   reference to @flow
 */
GstEgoFlowMeta *
gst_buffer_add_ego_flow_meta (GstBuffer * buffer, GstBuffer * flow)
{
  GstEgoFlowMeta *m;
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (GST_IS_BUFFER (flow), NULL);
  m = (GstEgoFlowMeta *) gst_buffer_add_meta (buffer, GST_EGO_FLOW_META_INFO,
      NULL);
  if (m)
    m->flow = gst_buffer_ref (flow);
  return m;
}
