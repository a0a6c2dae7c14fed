/* gst-ego: egoteacher's sink pads, one teacher each, see gstegoteacher.c. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstegoteacher-private.h"

#include <string.h>

enum
{
  PROP_PAD_0,
  PROP_PAD_MODEL,
  PROP_PAD_TEACHER,
};

G_DEFINE_TYPE (GstEgoTeacherPad, gst_ego_teacher_pad, GST_TYPE_AGGREGATOR_PAD);

static void
gst_ego_teacher_pad_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstEgoTeacherPad *pad = GST_EGO_TEACHER_PAD (object);
  GST_OBJECT_LOCK (pad);
  switch (prop_id) {
    case PROP_PAD_MODEL:
      g_free (pad->model);
      pad->model = g_value_dup_string (value);
      break;
    case PROP_PAD_TEACHER:
      g_free (pad->teacher_name);
      pad->teacher_name = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (pad);
}

static void
gst_ego_teacher_pad_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstEgoTeacherPad *pad = GST_EGO_TEACHER_PAD (object);
  GST_OBJECT_LOCK (pad);
  switch (prop_id) {
    case PROP_PAD_MODEL:
      g_value_set_string (value, pad->model);
      break;
    case PROP_PAD_TEACHER:
      g_value_set_string (value, pad->teacher_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (pad);
}

static void
gst_ego_teacher_pad_finalize (GObject * object)
{
  GstEgoTeacherPad *pad = GST_EGO_TEACHER_PAD (object);
  g_free (pad->model);
  g_free (pad->teacher_name);
  g_free (pad->teacher);
  ego_teacher_net_free (pad->net);
  if (pad->have_info)
    ego_dataset_info_clear (&pad->info);
  G_OBJECT_CLASS (gst_ego_teacher_pad_parent_class)->finalize (object);
}

static void
gst_ego_teacher_pad_class_init (GstEgoTeacherPadClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;
  gobject_class->set_property = gst_ego_teacher_pad_set_property;
  gobject_class->get_property = gst_ego_teacher_pad_get_property;
  gobject_class->finalize = gst_ego_teacher_pad_finalize;

  /**
   * GstEgoTeacherPad:model:
   *
   * The teacher network run on this pad's frames (a tsmnet model file);
   * its metadata's modality must be that of the frames.
   */
  g_object_class_install_property (gobject_class, PROP_PAD_MODEL,
      g_param_spec_string ("model", "Model", "Teacher model file for this "
          "pad's frames (its modality must be theirs)", NULL, flags));
  /**
   * GstEgoTeacherPad:teacher:
   *
   * The teacher's name in the meta, the per-teacher files and the weights;
   * by default the model's modality.
   */
  g_object_class_install_property (gobject_class, PROP_PAD_TEACHER,
      g_param_spec_string ("teacher", "Teacher", "Name of the teacher "
          "(default: the model's modality)", NULL, flags));
}

static void
gst_ego_teacher_pad_init (GstEgoTeacherPad * pad)
{
}

/* ------------------------------------------------------------------------ */
/* What a pad receives */

static gboolean
passes_frames_on (GstElement * e)
{
  static const gchar *names[] = { "queue", "queue2", "tee", "identity",
    "capsfilter", NULL
  };
  GstElementFactory *factory = gst_element_get_factory (e);
  const gchar *name = factory ? GST_OBJECT_NAME (factory) : NULL;
  return name && g_strv_contains (names, name);
}

static gchar *
element_modality (GstElement * e)
{
  GParamSpec *spec = g_object_class_find_property (G_OBJECT_GET_CLASS (e),
      "modality");
  gchar *modality = NULL;
  if (GST_OBJECT_FLAG_IS_SET (e, GST_ELEMENT_FLAG_SOURCE) && spec
      && spec->value_type == G_TYPE_STRING)
    g_object_get (e, "modality", &modality, NULL);
  return modality;
}

/* The pad upstream of the one element e passes frames on through. */
static GstPad *
upstream_of (GstElement * e)
{
  GstPad *sink = NULL, *peer = NULL;
  GST_OBJECT_LOCK (e);
  if (e->numsinkpads == 1)
    sink = gst_object_ref (e->sinkpads->data);
  GST_OBJECT_UNLOCK (e);
  if (sink) {
    peer = gst_pad_get_peer (sink);
    gst_object_unref (sink);
  }
  return peer;
}

gchar *
gst_ego_teacher_pad_upstream_modality (GstPad * pad)
{
  GstPad *peer = gst_pad_get_peer (pad);
  gchar *modality = NULL;
  for (gint hop = 0; peer && modality == NULL && hop < 32; hop++) {
    GstElement *e;
    GstPad *next = NULL;
    if (GST_IS_GHOST_PAD (peer)) {
      next = gst_ghost_pad_get_target (GST_GHOST_PAD (peer));
    } else if ((e = gst_pad_get_parent_element (peer)) != NULL) {
      modality = element_modality (e);
      if (modality == NULL && passes_frames_on (e))
        next = upstream_of (e);
      gst_object_unref (e);
    }
    gst_object_unref (peer);
    peer = next;
  }
  if (peer)
    gst_object_unref (peer);
  return modality;
}

/* ------------------------------------------------------------------------ */
/* GstChildProxy */

static GObject *
child_by_index (GstChildProxy * proxy, guint index)
{
  GObject *child = NULL;
  GST_OBJECT_LOCK (proxy);
  child = g_list_nth_data (GST_ELEMENT (proxy)->sinkpads, index);
  if (child)
    gst_object_ref (child);
  GST_OBJECT_UNLOCK (proxy);
  return child;
}

static guint
children_count (GstChildProxy * proxy)
{
  guint count;
  GST_OBJECT_LOCK (proxy);
  count = GST_ELEMENT (proxy)->numsinkpads;
  GST_OBJECT_UNLOCK (proxy);
  return count;
}

void
gst_ego_teacher_child_proxy_init (gpointer g_iface, gpointer iface_data)
{
  GstChildProxyInterface *iface = g_iface;
  iface->get_child_by_index = child_by_index;
  iface->get_children_count = children_count;
}
