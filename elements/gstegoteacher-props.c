/* gst-ego: egoteacher's properties, see gstegoteacher.c. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstegoteacher-private.h"

GType
gst_ego_teacher_scheme_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {EGO_FUSION_UNIFORM, "Every teacher weighs 1 / M", "uniform"},
    {EGO_FUSION_PER_SAMPLE, "Softmin of each teacher's cross-entropy on the "
          "clip's label", "per-sample"},
    {EGO_FUSION_FULL_DATASET, "Fixed weights per head (weights)",
        "full-dataset"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstEgoTeacherScheme",
            values));
  return type;
}

void
gst_ego_teacher_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstEgoTeacher *self = GST_EGO_TEACHER (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOGITS:
      g_free (self->logits);
      self->logits = g_value_dup_string (value);
      break;
    case PROP_SCHEME:
      self->scheme = (EgoFusionScheme) g_value_get_enum (value);
      break;
    case PROP_TAU_W:
      self->tau_w = g_value_get_double (value);
      break;
    case PROP_WEIGHTS:
      g_free (self->weights);
      self->weights = g_value_dup_string (value);
      break;
    case PROP_LOCATION:
      g_free (self->location);
      self->location = g_value_dup_string (value);
      break;
    case PROP_WRITE_PER_MODALITY:
      self->write_per_modality = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

void
gst_ego_teacher_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstEgoTeacher *self = GST_EGO_TEACHER (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOGITS:
      g_value_set_string (value, self->logits);
      break;
    case PROP_SCHEME:
      g_value_set_enum (value, self->scheme);
      break;
    case PROP_TAU_W:
      g_value_set_double (value, self->tau_w);
      break;
    case PROP_WEIGHTS:
      g_value_set_string (value, self->weights);
      break;
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_WRITE_PER_MODALITY:
      g_value_set_boolean (value, self->write_per_modality);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

void
gst_ego_teacher_install_properties (GObjectClass * gobject_class)
{
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;
  /**
   * GstEgoTeacher:logits:
   *
   * A teacher that is not run here: its logits per clip as JSON lines,
   * named after the file without its extension; weighed last.
   */
  g_object_class_install_property (gobject_class, PROP_LOGITS,
      g_param_spec_string ("logits", "Logits", "One more teacher: its logits "
          "as JSON lines ({\"narration_id\", \"verb\": [...], \"noun\": "
          "[...]}), named after the file", DEFAULT_PROP_LOGITS, rw));
  /**
   * GstEgoTeacher:scheme:
   *
   * The weights of the teachers on each head: uniform, per-sample (needs
   * every clip's labels) or full-dataset (needs #GstEgoTeacher:weights).
   */
  g_object_class_install_property (gobject_class, PROP_SCHEME,
      g_param_spec_enum ("scheme", "Scheme", "How the teachers are weighted, "
          "per head", GST_TYPE_EGO_TEACHER_SCHEME, DEFAULT_PROP_SCHEME, rw));
  /**
   * GstEgoTeacher:tau-w:
   *
   * The temperature of the per-sample weights: small values give the clip
   * to the teacher with the lowest loss.
   */
  g_object_class_install_property (gobject_class, PROP_TAU_W,
      g_param_spec_double ("tau-w", "Tau w", "Temperature of the per-sample "
          "weights", 1e-6, 1e6, DEFAULT_PROP_TAU_W, rw));
  /**
   * GstEgoTeacher:weights:
   *
   * The full-dataset scheme's weights, per head and teacher name: as text
   * or as the JSON file ego-fuse --weights-json writes.
   */
  g_object_class_install_property (gobject_class, PROP_WEIGHTS,
      g_param_spec_string ("weights", "Weights", "Fixed weights of the "
          "full-dataset scheme: \"rgb=0.7,flow=0.3\" (every head), "
          "\"verb:rgb=0.4,flow=0.6;noun:rgb=0.9,flow=0.1\" (per head), or "
          "the JSON file ego-fuse --weights-json writes; divided by their "
          "sum", DEFAULT_PROP_WEIGHTS, rw));
  /**
   * GstEgoTeacher:location:
   *
   * Where to write the fused logits at EOS, one JSON line per clip.
   */
  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location", "Write the fused logits "
          "there as JSON lines at EOS", DEFAULT_PROP_LOCATION, rw));
  /**
   * GstEgoTeacher:write-per-modality:
   *
   * Also write each teacher's logits next to #GstEgoTeacher:location.
   */
  g_object_class_install_property (gobject_class, PROP_WRITE_PER_MODALITY,
      g_param_spec_boolean ("write-per-modality", "Write per modality",
          "Also write each teacher's logits to location with .NAME.jsonl "
          "in place of .jsonl", DEFAULT_PROP_WRITE_PER_MODALITY, rw));
}

void
gst_ego_teacher_init_properties (GstEgoTeacher * self)
{
  self->scheme = DEFAULT_PROP_SCHEME;
  self->tau_w = DEFAULT_PROP_TAU_W;
  self->write_per_modality = DEFAULT_PROP_WRITE_PER_MODALITY;
}
