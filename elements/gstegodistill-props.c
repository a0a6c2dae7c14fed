/* gst-ego: egodistill's properties, see gstegodistill.c for what they
 * do. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstegodistill-private.h"

GType
gst_ego_distill_decay_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_EGO_DISTILL_DECAY_LINEAR, "Linear decay to zero", "linear"},
    {GST_EGO_DISTILL_DECAY_COSINE, "Cosine decay to zero", "cosine"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstEgoDistillDecay", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* ------------------------------------------------------------------------ */
/* Properties */

static void
replace_string (gchar ** field, const GValue * value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
  if (*field && **field == '\0')
    g_clear_pointer (field, g_free);
}

static void
set_training_property (GstEgoDistill * self, guint prop_id,
    const GValue * value)
{
  EgoTrainConfig *c = &self->settings.train;
  switch (prop_id) {
    case PROP_EPOCHS:
      c->epochs = (gint) g_value_get_uint (value);
      break;
    case PROP_BATCH:
      c->batch = (gint) g_value_get_uint (value);
      break;
    case PROP_LR:
      c->lr = (gfloat) g_value_get_double (value);
      break;
    case PROP_WEIGHT_DECAY:
      c->weight_decay = (gfloat) g_value_get_double (value);
      break;
    case PROP_WARMUP:
      c->warmup = (gfloat) g_value_get_double (value);
      break;
    case PROP_DECAY:
      c->decay = (EgoDecay) g_value_get_enum (value);
      break;
    case PROP_CLIP_NORM:
      c->clip_norm = (gfloat) g_value_get_double (value);
      break;
    case PROP_TEMPERATURE:
      c->temperature = (gfloat) g_value_get_double (value);
      break;
    case PROP_LABEL_SMOOTHING:
      c->label_smoothing = (gfloat) g_value_get_double (value);
      break;
    case PROP_SCALE_MIN:
      c->augment.scale_min = (gfloat) g_value_get_double (value);
      break;
    case PROP_SEED:
      c->seed = g_value_get_uint64 (value);
      break;
    default:
      break;
  }
}

void
gst_ego_distill_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstEgoDistill *self = GST_EGO_DISTILL (object);
  EgoRunSettings *s = &self->settings;
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_OUT:
      replace_string (&s->out, value);
      break;
    case PROP_INPUT_SIZE:
      s->input_size = (gint) g_value_get_uint (value);
      break;
    case PROP_BASE_WIDTH:
      s->base_width = (gint) g_value_get_uint (value);
      break;
    case PROP_BLOCKS:
      g_free (self->blocks);
      self->blocks = g_value_dup_string (value);
      break;
    case PROP_SHIFT_DIV:
      s->shift_div = (gint) g_value_get_uint (value);
      break;
    case PROP_DROPOUT:
      s->dropout = (gfloat) g_value_get_double (value);
      break;
    case PROP_MODALITY:
      s->modality = g_intern_string (g_value_get_string (value));
      break;
    case PROP_BIDIRECTIONAL:
      s->bidirectional = g_value_get_boolean (value);
      break;
    case PROP_LAMBDA_D:
      self->lambda_d = (gfloat) g_value_get_double (value);
      break;
    case PROP_LAMBDA_GT:
      self->lambda_gt = (gfloat) g_value_get_double (value);
      break;
    case PROP_COLOUR_JITTER:
      self->colour_jitter = (gfloat) g_value_get_double (value);
      break;
    case PROP_THREADS:
      s->threads = (gint) g_value_get_uint (value);
      break;
    case PROP_PROGRESS_INTERVAL:
      s->progress_interval = (gint) g_value_get_uint (value);
      break;
    case PROP_FRAME_STEP:
      s->frame_step = (gint) g_value_get_uint (value);
      break;
    case PROP_CACHE_FILE:
      replace_string (&self->cache_file, value);
      break;
    case PROP_TEACHER_LOGITS:
      replace_string (&s->teacher_logits, value);
      break;
    case PROP_RESUME:
      s->resume = g_value_get_boolean (value);
      break;
    case PROP_REPORT:
      self->report = g_value_get_boolean (value);
      break;
    default:
      if (prop_id > PROP_0 && prop_id <= PROP_REPORT)
        set_training_property (self, prop_id, value);
      else
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
get_training_property (GstEgoDistill * self, guint prop_id, GValue * value)
{
  const EgoTrainConfig *c = &self->settings.train;
  switch (prop_id) {
    case PROP_EPOCHS:
      g_value_set_uint (value, (guint) c->epochs);
      break;
    case PROP_BATCH:
      g_value_set_uint (value, (guint) c->batch);
      break;
    case PROP_LR:
      g_value_set_double (value, c->lr);
      break;
    case PROP_WEIGHT_DECAY:
      g_value_set_double (value, c->weight_decay);
      break;
    case PROP_WARMUP:
      g_value_set_double (value, c->warmup);
      break;
    case PROP_DECAY:
      g_value_set_enum (value, (gint) c->decay);
      break;
    case PROP_CLIP_NORM:
      g_value_set_double (value, c->clip_norm);
      break;
    case PROP_TEMPERATURE:
      g_value_set_double (value, c->temperature);
      break;
    case PROP_LABEL_SMOOTHING:
      g_value_set_double (value, c->label_smoothing);
      break;
    case PROP_SCALE_MIN:
      g_value_set_double (value, c->augment.scale_min);
      break;
    case PROP_SEED:
      g_value_set_uint64 (value, c->seed);
      break;
    default:
      break;
  }
}

void
gst_ego_distill_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstEgoDistill *self = GST_EGO_DISTILL (object);
  const EgoRunSettings *s = &self->settings;
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_OUT:
      g_value_set_string (value, s->out);
      break;
    case PROP_INPUT_SIZE:
      g_value_set_uint (value, (guint) s->input_size);
      break;
    case PROP_BASE_WIDTH:
      g_value_set_uint (value, (guint) s->base_width);
      break;
    case PROP_BLOCKS:
      g_value_set_string (value, self->blocks);
      break;
    case PROP_SHIFT_DIV:
      g_value_set_uint (value, (guint) s->shift_div);
      break;
    case PROP_DROPOUT:
      g_value_set_double (value, s->dropout);
      break;
    case PROP_MODALITY:
      g_value_set_string (value, s->modality);
      break;
    case PROP_BIDIRECTIONAL:
      g_value_set_boolean (value, s->bidirectional);
      break;
    case PROP_LAMBDA_D:
      g_value_set_double (value, self->lambda_d);
      break;
    case PROP_LAMBDA_GT:
      g_value_set_double (value, self->lambda_gt);
      break;
    case PROP_COLOUR_JITTER:
      g_value_set_double (value, self->colour_jitter);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, (guint) s->threads);
      break;
    case PROP_PROGRESS_INTERVAL:
      g_value_set_uint (value, (guint) s->progress_interval);
      break;
    case PROP_FRAME_STEP:
      g_value_set_uint (value, (guint) s->frame_step);
      break;
    case PROP_CACHE_FILE:
      g_value_set_string (value, self->cache_file);
      break;
    case PROP_TEACHER_LOGITS:
      g_value_set_string (value, s->teacher_logits);
      break;
    case PROP_RESUME:
      g_value_set_boolean (value, s->resume);
      break;
    case PROP_REPORT:
      g_value_set_boolean (value, self->report);
      break;
    default:
      if (prop_id > PROP_0 && prop_id <= PROP_REPORT)
        get_training_property (self, prop_id, value);
      else
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)

static void
install_uint (GObjectClass * klass, guint id, const gchar * name,
    const gchar * blurb, guint min, guint max, guint def)
{
  g_object_class_install_property (klass, id, g_param_spec_uint (name, name,
          blurb, min, max, def, RW));
}

static void
install_double (GObjectClass * klass, guint id, const gchar * name,
    const gchar * blurb, gdouble min, gdouble max, gdouble def)
{
  g_object_class_install_property (klass, id, g_param_spec_double (name,
          name, blurb, min, max, def, RW));
}

static void
install_string (GObjectClass * klass, guint id, const gchar * name,
    const gchar * blurb, const gchar * def)
{
  g_object_class_install_property (klass, id, g_param_spec_string (name,
          name, blurb, def, RW));
}

static void
install_network_properties (GObjectClass * k)
{
  install_string (k, PROP_OUT, "out", "Folder for the checkpoint, models, "
      "history and report", DEFAULT_PROP_OUT);
  install_uint (k, PROP_INPUT_SIZE, "input-size", "Width and height of the "
      "network's input (crops of the cached frames)", 16, 512,
      DEFAULT_PROP_INPUT_SIZE);
  install_uint (k, PROP_BASE_WIDTH, "base-width", "Channels of the stem and "
      "first stage (doubling each stage)", 1, 512, DEFAULT_PROP_BASE_WIDTH);
  install_string (k, PROP_BLOCKS, "blocks", "Residual blocks per stage, "
      "separated by commas", DEFAULT_PROP_BLOCKS);
  install_uint (k, PROP_SHIFT_DIV, "shift-div", "1/N of the channels come "
      "from the previous frame", 1, 64, DEFAULT_PROP_SHIFT_DIV);
  install_double (k, PROP_DROPOUT, "dropout", "Dropout before the "
      "classifiers", 0.0, 0.9, DEFAULT_PROP_DROPOUT);
  install_string (k, PROP_MODALITY, "modality", "What the frames are: "
      "\"rgb\" video, \"flow\" from egoflow (a 2-channel network), "
      "\"audio\": egodatasetsrc's log-mel images (a 1-channel network), or "
      "\"rgbflow\": rgb video with each frame's flow attached "
      "(egodatasetsrc modality=rgbflow; a 5-channel network)",
      DEFAULT_PROP_MODALITY);
  g_object_class_install_property (k, PROP_BIDIRECTIONAL,
      g_param_spec_boolean ("bidirectional", "bidirectional", "Shift channels "
          "from the next frame too: a stronger teacher that cannot be "
          "streamed", DEFAULT_PROP_BIDIRECTIONAL, RW));
}

static void
install_training_properties (GObjectClass * k)
{
  install_uint (k, PROP_EPOCHS, "epochs", "Passes over the training clips",
      1, 100000, DEFAULT_PROP_EPOCHS);
  install_uint (k, PROP_BATCH, "batch", "Clips per step", 1, 1024,
      DEFAULT_PROP_BATCH);
  install_double (k, PROP_LR, "lr", "Peak learning rate of AdamW", 1e-8, 10,
      DEFAULT_PROP_LR);
  install_double (k, PROP_WEIGHT_DECAY, "weight-decay", "Decoupled weight "
      "decay (not on batch norm and biases)", 0, 10,
      DEFAULT_PROP_WEIGHT_DECAY);
  install_double (k, PROP_WARMUP, "warmup", "Linear warm-up, as a fraction "
      "of all steps", 0, 1, DEFAULT_PROP_WARMUP);
  g_object_class_install_property (k, PROP_DECAY,
      g_param_spec_enum ("decay", "decay", "Learning rate decay after the "
          "warm-up", GST_TYPE_EGO_DISTILL_DECAY, DEFAULT_PROP_DECAY, RW));
  install_double (k, PROP_CLIP_NORM, "clip-norm", "Clip gradients to this "
      "global norm; 0: no clipping", 0, 1e6, DEFAULT_PROP_CLIP_NORM);
  install_double (k, PROP_LAMBDA_D, "lambda-d", "Weight of the distillation "
      "term; -1: 1 with a teacher (teacher-logits or a teacher meta on the "
      "frames), else 0", -1, 1000, DEFAULT_PROP_LAMBDA_D);
  install_double (k, PROP_LAMBDA_GT, "lambda-gt", "Weight of the "
      "cross-entropy with the labels; -1: 0 with a teacher, else 1", -1,
      1000, DEFAULT_PROP_LAMBDA_GT);
  install_double (k, PROP_TEMPERATURE, "temperature", "Distillation "
      "temperature", 0.01, 100, DEFAULT_PROP_TEMPERATURE);
  install_double (k, PROP_LABEL_SMOOTHING, "label-smoothing",
      "Label smoothing of the cross-entropy", 0, 0.99,
      DEFAULT_PROP_LABEL_SMOOTHING);
  install_double (k, PROP_SCALE_MIN, "scale-min", "Scale jitter: the crop's "
      "side is this to 1 times the frame's short side", 0.1, 1,
      DEFAULT_PROP_SCALE_MIN);
  install_double (k, PROP_COLOUR_JITTER, "colour-jitter", "Amplitude of "
      "the brightness, contrast and saturation jitter", 0, 1,
      DEFAULT_PROP_COLOUR_JITTER);
  g_object_class_install_property (k, PROP_SEED,
      g_param_spec_uint64 ("seed", "seed", "Seed of the weights, the clip "
          "order and the augmentation", 0, G_MAXUINT64, DEFAULT_PROP_SEED,
          RW));
}

static void
install_run_properties (GObjectClass * k)
{
  install_uint (k, PROP_THREADS, "threads", "Threads of the matrix library "
      "(for the whole process); 0: one per core", 0, 256,
      DEFAULT_PROP_THREADS);
  install_uint (k, PROP_PROGRESS_INTERVAL, "progress-interval", "Steps "
      "between egodistill-progress messages", 1, 1000000,
      DEFAULT_PROP_PROGRESS_INTERVAL);
  install_uint (k, PROP_FRAME_STEP, "frame-step", "The model's frame step "
      "for streams; 0: the median spacing of the sampled frames", 0, 10000,
      DEFAULT_PROP_FRAME_STEP);
  install_string (k, PROP_CACHE_FILE, "cache-file", "Keep the frames in "
      "this memory-mapped file rather than in memory (validation frames "
      "go to <file>-<split>); the files must not exist, and are removed "
      "once mapped, so that their space comes back when the run ends",
      DEFAULT_PROP_CACHE_FILE);
  install_string (k, PROP_TEACHER_LOGITS, "teacher-logits", "JSON-lines "
      "file of teacher logits per narration_id: distil from them",
      DEFAULT_PROP_TEACHER_LOGITS);
  g_object_class_install_property (k, PROP_RESUME,
      g_param_spec_boolean ("resume", "resume", "Continue from the "
          "checkpoint in out, when there is one", DEFAULT_PROP_RESUME, RW));
  g_object_class_install_property (k, PROP_REPORT,
      g_param_spec_boolean ("report", "report", "Write report.html and its "
          "charts in out at the end", DEFAULT_PROP_REPORT, RW));
}

void
gst_ego_distill_install_properties (GObjectClass * klass)
{
  install_network_properties (klass);
  install_training_properties (klass);
  install_run_properties (klass);
  gst_type_mark_as_plugin_api (GST_TYPE_EGO_DISTILL_DECAY, 0);
}

void
gst_ego_distill_init_properties (GstEgoDistill * self)
{
  EgoRunSettings *s = &self->settings;
  ego_train_config_default (&s->train);
  s->train.epochs = DEFAULT_PROP_EPOCHS;
  s->train.batch = DEFAULT_PROP_BATCH;
  s->train.lr = DEFAULT_PROP_LR;
  s->train.weight_decay = DEFAULT_PROP_WEIGHT_DECAY;
  s->train.warmup = DEFAULT_PROP_WARMUP;
  s->train.decay = (EgoDecay) DEFAULT_PROP_DECAY;
  s->train.clip_norm = DEFAULT_PROP_CLIP_NORM;
  s->train.temperature = DEFAULT_PROP_TEMPERATURE;
  s->train.label_smoothing = DEFAULT_PROP_LABEL_SMOOTHING;
  s->train.augment.scale_min = DEFAULT_PROP_SCALE_MIN;
  s->train.seed = DEFAULT_PROP_SEED;
  s->input_size = DEFAULT_PROP_INPUT_SIZE;
  s->base_width = DEFAULT_PROP_BASE_WIDTH;
  s->shift_div = DEFAULT_PROP_SHIFT_DIV;
  s->dropout = DEFAULT_PROP_DROPOUT;
  s->modality = g_intern_static_string (DEFAULT_PROP_MODALITY);
  s->bidirectional = DEFAULT_PROP_BIDIRECTIONAL;
  s->threads = DEFAULT_PROP_THREADS;
  s->progress_interval = DEFAULT_PROP_PROGRESS_INTERVAL;
  s->frame_step = DEFAULT_PROP_FRAME_STEP;
  s->resume = DEFAULT_PROP_RESUME;
  self->blocks = g_strdup (DEFAULT_PROP_BLOCKS);
  self->lambda_d = DEFAULT_PROP_LAMBDA_D;
  self->lambda_gt = DEFAULT_PROP_LAMBDA_GT;
  self->colour_jitter = DEFAULT_PROP_COLOUR_JITTER;
  self->report = DEFAULT_PROP_REPORT;
}
