/* gst-ego: egodatasetsrc, the clips of a dataset as one stream of frames.
 *
 * SECTION:element-egodatasetsrc
 * @title: egodatasetsrc
 *
 * Plays the clips of a dataset in the EPIC-Kitchens-100 layout (README, Files
 * and formats) as one stream, the way splitmuxsrc plays a list of files. Each
 * clip is cut into `frames` (T) segments, and of each segment `candidates`
 * (C, odd) frames are taken at evenly spread positions; the middle one is the
 * frame TSN samples at test time, the others let training pick a random frame
 * per segment without decoding the video again. Every video (file or frame
 * folder) is decoded once, in a private sub-pipeline, scaled to the cache
 * size and converted to RGB; its clips come out as soon as their frames are
 * decoded, all T x C frames of a clip one after another, the first with the
 * DISCONT flag, each with a #GstEgoClipMeta (split, clip index, narration id,
 * slot, source frame number, verb and noun class). Before the first frame a
 * sticky custom event named "ego-dataset" gives the splits, their clip counts
 * and the class keys (see <gst/ego/egoclipmeta.h>).
 *
 * Clips come video by video, in the order each video first appears in the
 * split's CSV, and in CSV order within a video (EPIC's own order); several
 * splits (split=train,validation) come one after the other. The clip index
 * in the meta is the clip's row in its split, whatever the order. A frame
 * is kept until every clip that uses it is out, so a CSV whose rows are not
 * in time order within a video (sorted by narration id as text, say) holds
 * the frames of every clip between a row and the later one before it:
 * memory, not wrong clips; sort such a CSV by video and start_frame.
 *
 * With modality=audio the frames are made of each video file's audio track
 * instead: for video frame k (1-based), egomelspec's log-mel window
 * centred on the frame's time (k - 1) / framerate, 1.28 s wide (64 mels,
 * 10 ms hops of 16 kHz audio), drawn grey with time along x and the lowest
 * band at the bottom; log-mel -13.8 (silence) is 0 and 10 is 255. The
 * clips pick these frames as they would the pictures, so each sampled
 * frame's window is centred on it.
 *
 * With modality=rgbflow the frames are the RGB pictures, and each carries
 * a #GstEgoFlowMeta with its optical flow: the frame that modality=flow
 * gives for the same frame (egoflow's motion from the previous frame,
 * computed for the frames the clips sample), for networks fed both.
 *
 * Missing videos, undecodable files, videos without the audio track the
 * modality needs and clips past the end of their video are errors that
 * name the file and the clip (narration id and CSV line).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 egodatasetsrc data=/data/epic split=train,validation ! \
 *     egodistill out=run1 epochs=20
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstegodatasetsrc.h"

#include <gst/ego/ego.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_ego_dataset_src_debug);
#define GST_CAT_DEFAULT gst_ego_dataset_src_debug

#define DEFAULT_PROP_DATA NULL
#define DEFAULT_PROP_SPLIT "train"
#define DEFAULT_PROP_FRAMES 8
#define DEFAULT_PROP_CANDIDATES 3
#define DEFAULT_PROP_WIDTH 0
#define DEFAULT_PROP_HEIGHT 0
/* about 1.15 x the default student's 112, room for scale jitter */
#define DEFAULT_PROP_SHORT_SIDE 128
#define DEFAULT_PROP_NEED_LABELS TRUE
#define DEFAULT_PROP_MODALITY "rgb"

enum
{
  PROP_0,
  PROP_DATA,
  PROP_SPLIT,
  PROP_FRAMES,
  PROP_CANDIDATES,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_SHORT_SIDE,
  PROP_NEED_LABELS,
  PROP_MODALITY,
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("RGB")));

#define gst_ego_dataset_src_parent_class parent_class
G_DEFINE_TYPE (GstEgoDatasetSrc, gst_ego_dataset_src, GST_TYPE_PUSH_SRC);
GST_ELEMENT_REGISTER_DEFINE (egodatasetsrc, "egodatasetsrc", GST_RANK_NONE,
    GST_TYPE_EGO_DATASET_SRC);

/* ------------------------------------------------------------------------ */
/* Start and stop */

/* The clips of each video, in CSV order. */
static GArray **
clips_by_video (const EgoDataset * ds)
{
  gint nv = ego_dataset_n_videos (ds);
  GArray **lists = g_new0 (GArray *, nv + 1);
  for (gint v = 0; v < nv; v++)
    lists[v] = g_array_new (FALSE, FALSE, sizeof (gint));
  for (gint i = 0; i < ego_dataset_n_clips (ds); i++)
    g_array_append_val (lists[ego_dataset_clip (ds, i)->video], i);
  return lists;
}

static void
free_clip_lists (GArray ** lists)
{
  for (gint v = 0; lists && lists[v]; v++)
    g_array_free (lists[v], TRUE);
  g_free (lists);
}

/* Any one frame of the first video, to measure. */
static gchar *
first_media (GstEgoDatasetSrc * self)
{
  for (guint s = 0; s < self->n_splits; s++) {
    const EgoDataset *ds = self->sets[s];
    if (ego_dataset_n_clips (ds) > 0) {
      const EgoClip *c = ego_dataset_clip (ds, 0);
      const EgoVideo *v = ego_dataset_video (ds, c->video);
      return v->video_path ? g_strdup (v->video_path) :
          ego_video_frame_path (v->frames_dir, c->start_frame);
    }
  }
  return NULL;
}

static gint
round_even (gdouble x)
{
  return MAX (2, 2 * (gint) (x / 2.0 + 0.5));
}

/* The cache size: as set, or the first video's aspect with the short side
 * given. */
static gboolean
choose_size (GstEgoDatasetSrc * self, guint width, guint height,
    guint short_side, GError ** error)
{
  gint w = (gint) width, h = (gint) height, sw = 4, sh = 3;
  gchar *media = NULL;
  if (w == 0 || h == 0) {
    media = first_media (self);
    if (media && !ego_video_probe_size (media, &sw, &sh, error)) {
      g_prefix_error (error, "%s: ", media);
      g_free (media);
      return FALSE;
    }
  }
  if (w == 0 && h == 0) {
    gdouble s = MIN (sw, sh);
    w = round_even (sw * short_side / s);
    h = round_even (sh * short_side / s);
  } else if (w == 0) {
    w = round_even ((gdouble) h * sw / sh);
  } else if (h == 0) {
    h = round_even ((gdouble) w * sh / sw);
  }
  GST_INFO_OBJECT (self, "frames of %s are cached at %dx%d",
      media ? media : "(none)", w, h);
  g_free (media);
  gst_video_info_set_format (&self->info, GST_VIDEO_FORMAT_RGB, w, h);
  GST_VIDEO_INFO_FPS_N (&self->info) = 0;
  GST_VIDEO_INFO_FPS_D (&self->info) = 1;
  return TRUE;
}

static gboolean
open_splits (GstEgoDatasetSrc * self, const gchar * data,
    gboolean need_labels, GError ** error)
{
  for (guint s = 0; s < self->n_splits; s++) {
    self->sets[s] = ego_dataset_open (data, self->split_names[s],
        need_labels, error);
    if (self->sets[s] == NULL)
      return FALSE;
    self->video_clips[s] = clips_by_video (self->sets[s]);
  }
  return TRUE;
}

/* The modalities other than RGB need video files: the audio modality
 * reads their sound, optical flow every frame (a folder's frames are read
 * sparsely). Checked at start, not when the run reaches the folder. */
static gboolean
check_media (GstEgoDatasetSrc * self, GError ** error)
{
  gboolean audio = g_strcmp0 (self->filter, EGO_VIDEO_READER_AUDIO) == 0;
  for (guint s = 0; self->filter && s < self->n_splits; s++) {
    for (gint v = 0; v < ego_dataset_n_videos (self->sets[s]); v++) {
      const EgoVideo *video = ego_dataset_video (self->sets[s], v);
      if (video->kind != EGO_MEDIA_VIDEO) {
        g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
            "%s: the %s modality needs video files%s, not frame folders",
            video->frames_dir, audio ? "audio" : "optical flow",
            audio ? " with their sound" : " (every frame)");
        return FALSE;
      }
    }
  }
  return TRUE;
}

static gboolean gst_ego_dataset_src_stop (GstBaseSrc * src);

static gboolean
gst_ego_dataset_src_start (GstBaseSrc * src)
{
  GstEgoDatasetSrc *self = GST_EGO_DATASET_SRC (src);
  GError *error = NULL;
  gchar *data, *split;
  guint width, height, short_side, candidates;
  gboolean need_labels;
  const gchar *modality;
  GST_OBJECT_LOCK (self);
  modality = self->modality;
  data = g_strdup (self->data);
  split = g_strdup (self->split);
  width = self->width;
  height = self->height;
  short_side = self->short_side;
  candidates = self->candidates;
  need_labels = self->need_labels;
  /* what streaming reads: the properties may change meanwhile */
  self->segments = self->frames;
  self->n_candidates = candidates;
  GST_OBJECT_UNLOCK (self);

  if (data == NULL || *data == '\0')
    goto no_data;
  if (candidates % 2 == 0)
    goto even_candidates;
  if (g_strcmp0 (modality, "rgb") == 0)
    self->filter = NULL;
  else if (g_strcmp0 (modality, "flow") == 0)
    self->filter = "egoflow";
  else if (g_strcmp0 (modality, "audio") == 0)
    self->filter = EGO_VIDEO_READER_AUDIO;
  else if (g_strcmp0 (modality, "rgbflow") == 0)
    self->filter = EGO_VIDEO_READER_RGBFLOW;
  else
    goto bad_modality;
  self->split_names = g_strsplit (split, ",", -1);
  self->n_splits = g_strv_length (self->split_names);
  if (self->n_splits < 1 || self->n_splits > GST_EGO_DATASET_SRC_MAX_SPLITS)
    goto bad_split;
  if (!open_splits (self, data, need_labels, &error)
      || !check_media (self, &error)
      || !choose_size (self, width, height, short_side, &error))
    goto no_dataset;
  self->cur_split = 0;
  self->cur_video = 0;
  self->sent_dataset = FALSE;
  g_atomic_int_set (&self->cancelled, 0);
  g_free (data);
  g_free (split);
  return TRUE;

  /* ERRORS */
no_data:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No dataset folder given (property \"data\")."), (NULL));
    goto fail;
  }
even_candidates:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The number of candidate frames per segment must be odd, not %u.",
            candidates), (NULL));
    goto fail;
  }
bad_modality:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Unknown modality \"%s\": \"rgb\", \"flow\", \"audio\" or "
            "\"rgbflow\".", modality), (NULL));
    goto fail;
  }
bad_split:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Give 1 to %d splits, not \"%s\".", GST_EGO_DATASET_SRC_MAX_SPLITS,
            split), (NULL));
    goto fail;
  }
no_dataset:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("%s", error->message),
        ("dataset %s, split %s", data, split));
    g_error_free (error);
    goto fail;
  }
fail:
  /* basesrc does not call stop() after a failed start() */
  gst_ego_dataset_src_stop (src);
  g_free (data);
  g_free (split);
  return FALSE;
}

static gboolean
gst_ego_dataset_src_stop (GstBaseSrc * src)
{
  GstEgoDatasetSrc *self = GST_EGO_DATASET_SRC (src);
  GST_OBJECT_LOCK (self);
  g_clear_pointer (&self->assembler, ego_clip_assembler_free);
  GST_OBJECT_UNLOCK (self);
  g_queue_clear_full (&self->out, (GDestroyNotify) gst_buffer_unref);
  for (guint s = 0; s < GST_EGO_DATASET_SRC_MAX_SPLITS; s++) {
    g_clear_pointer (&self->sets[s], ego_dataset_free);
    g_clear_pointer (&self->video_clips[s], free_clip_lists);
  }
  g_clear_pointer (&self->split_names, g_strfreev);
  self->n_splits = 0;
  return TRUE;
}

static GstCaps *
gst_ego_dataset_src_get_caps (GstBaseSrc * src, GstCaps * filter)
{
  GstEgoDatasetSrc *self = GST_EGO_DATASET_SRC (src);
  GstCaps *caps;
  if (self->n_splits == 0)
    caps = gst_pad_get_pad_template_caps (GST_BASE_SRC_PAD (src));
  else
    caps = gst_video_info_to_caps (&self->info);
  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, caps,
        GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (caps);
    caps = tmp;
  }
  return caps;
}

static gboolean
gst_ego_dataset_src_unlock (GstBaseSrc * src)
{
  GstEgoDatasetSrc *self = GST_EGO_DATASET_SRC (src);
  GST_OBJECT_LOCK (self);
  g_atomic_int_set (&self->cancelled, 1);
  if (self->assembler)
    ego_clip_assembler_set_cancelled (self->assembler, TRUE);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_ego_dataset_src_unlock_stop (GstBaseSrc * src)
{
  GstEgoDatasetSrc *self = GST_EGO_DATASET_SRC (src);
  GST_OBJECT_LOCK (self);
  g_atomic_int_set (&self->cancelled, 0);
  if (self->assembler)
    ego_clip_assembler_set_cancelled (self->assembler, FALSE);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Streaming */

static GstEvent *
dataset_event (GstEgoDatasetSrc * self)
{
  const EgoDataset *ds = self->sets[0];
  const gchar *heads[2] = { "verb", "noun" };
  const char *const *keys[2] = { ego_dataset_verbs (ds),
    ego_dataset_nouns (ds)
  };
  GValue splits = G_VALUE_INIT, clips = G_VALUE_INIT, names = G_VALUE_INIT;
  GstStructure *s;
  g_value_init (&splits, GST_TYPE_ARRAY);
  g_value_init (&clips, GST_TYPE_ARRAY);
  g_value_init (&names, GST_TYPE_ARRAY);
  for (guint i = 0; i < self->n_splits; i++) {
    GValue v = G_VALUE_INIT;
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, self->split_names[i]);
    gst_value_array_append_and_take_value (&splits, &v);
    g_value_init (&v, G_TYPE_INT);
    g_value_set_int (&v, ego_dataset_n_clips (self->sets[i]));
    gst_value_array_append_and_take_value (&clips, &v);
  }
  s = gst_structure_new (GST_EGO_DATASET_EVENT,
      "path", G_TYPE_STRING, ego_dataset_dir (ds),
      "segments", G_TYPE_UINT, self->segments,
      "candidates", G_TYPE_UINT, self->n_candidates, NULL);
  gst_structure_take_value (s, "splits", &splits);
  gst_structure_take_value (s, "clips", &clips);
  for (gint h = 0; h < 2; h++) {
    GValue v = G_VALUE_INIT, labels = G_VALUE_INIT;
    gchar *field = g_strconcat (heads[h], "-labels", NULL);
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, heads[h]);
    gst_value_array_append_and_take_value (&names, &v);
    g_value_init (&labels, GST_TYPE_ARRAY);
    for (gint i = 0; keys[h][i]; i++) {
      g_value_init (&v, G_TYPE_STRING);
      g_value_set_string (&v, keys[h][i]);
      gst_value_array_append_and_take_value (&labels, &v);
    }
    gst_structure_take_value (s, field, &labels);
    g_free (field);
  }
  gst_structure_take_value (s, "heads", &names);
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM_STICKY, s);
}

/* The next video that has clips, as an assembler; FALSE at the end. */
static gboolean
open_next_video (GstEgoDatasetSrc * self, GError ** error)
{
  while (self->cur_split < self->n_splits) {
    EgoDataset *ds = self->sets[self->cur_split];
    GArray **lists = self->video_clips[self->cur_split];
    gint v = self->cur_video++;
    EgoClipAssembler *a;
    if (v >= ego_dataset_n_videos (ds)) {
      self->cur_split++;
      self->cur_video = 0;
      continue;
    }
    if (lists[v]->len == 0)
      continue;
    a = ego_clip_assembler_new (ds, self->cur_split, v,
        (gint *) lists[v]->data, lists[v]->len, self->segments,
        self->n_candidates, GST_VIDEO_INFO_WIDTH (&self->info),
        GST_VIDEO_INFO_HEIGHT (&self->info), self->filter, error);
    if (a == NULL)
      return FALSE;
    GST_DEBUG_OBJECT (self, "video %s: %u clips",
        ego_dataset_video (ds, v)->video_id, lists[v]->len);
    GST_OBJECT_LOCK (self);
    self->assembler = a;
    if (g_atomic_int_get (&self->cancelled))
      ego_clip_assembler_set_cancelled (a, TRUE);
    GST_OBJECT_UNLOCK (self);
    return TRUE;
  }
  return FALSE;
}

static void
close_video (GstEgoDatasetSrc * self)
{
  EgoClipAssembler *a;
  GST_OBJECT_LOCK (self);
  a = self->assembler;
  self->assembler = NULL;
  GST_OBJECT_UNLOCK (self);
  ego_clip_assembler_free (a);
}

static void
post_warning (GstEgoDatasetSrc * self, gchar * text)
{
  if (text == NULL)
    return;
  GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("%s", text), (NULL));
  g_free (text);
}

/* Decodes until a buffer is ready; GST_FLOW_EOS after the last clip. */
static GstFlowReturn
fill_queue (GstEgoDatasetSrc * self, GError ** error)
{
  while (g_queue_is_empty (&self->out)) {
    EgoReadResult r;
    if (g_atomic_int_get (&self->cancelled))
      return GST_FLOW_FLUSHING;
    if (self->assembler == NULL) {
      if (!open_next_video (self, error))
        return error && *error ? GST_FLOW_ERROR : GST_FLOW_EOS;
    }
    r = ego_clip_assembler_step (self->assembler, &self->out, error);
    post_warning (self, ego_clip_assembler_take_warning (self->assembler));
    if (r == EGO_READ_END)
      close_video (self);
    else if (r == EGO_READ_ERROR)
      return GST_FLOW_ERROR;
    else if (r == EGO_READ_CANCELLED)
      return GST_FLOW_FLUSHING;
  }
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_ego_dataset_src_create (GstPushSrc * src, GstBuffer ** buf)
{
  GstEgoDatasetSrc *self = GST_EGO_DATASET_SRC (src);
  GError *error = NULL;
  GstFlowReturn ret;
  if (!self->sent_dataset) {
    gst_pad_push_event (GST_BASE_SRC_PAD (src), dataset_event (self));
    self->sent_dataset = TRUE;
  }
  ret = fill_queue (self, &error);
  if (ret == GST_FLOW_ERROR)
    goto failed;
  if (ret != GST_FLOW_OK)
    return ret;
  *buf = g_queue_pop_head (&self->out);
  return GST_FLOW_OK;

  /* ERRORS */
failed:
  {
    if (error->domain == GST_RESOURCE_ERROR)
      GST_ELEMENT_ERROR (self, RESOURCE, READ, ("%s", error->message), (NULL));
    else
      GST_ELEMENT_ERROR (self, STREAM, DECODE, ("%s", error->message), (NULL));
    g_error_free (error);
    return GST_FLOW_ERROR;
  }
}

/* ------------------------------------------------------------------------ */
/* Properties */

static void
gst_ego_dataset_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstEgoDatasetSrc *self = GST_EGO_DATASET_SRC (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_DATA:
      g_free (self->data);
      self->data = g_value_dup_string (value);
      break;
    case PROP_SPLIT:
      g_free (self->split);
      self->split = g_value_dup_string (value);
      if (self->split == NULL)
        self->split = g_strdup (DEFAULT_PROP_SPLIT);
      break;
    case PROP_FRAMES:
      self->frames = g_value_get_uint (value);
      break;
    case PROP_CANDIDATES:
      self->candidates = g_value_get_uint (value);
      break;
    case PROP_WIDTH:
      self->width = g_value_get_uint (value);
      break;
    case PROP_HEIGHT:
      self->height = g_value_get_uint (value);
      break;
    case PROP_SHORT_SIDE:
      self->short_side = g_value_get_uint (value);
      break;
    case PROP_NEED_LABELS:
      self->need_labels = g_value_get_boolean (value);
      break;
    case PROP_MODALITY:
      self->modality = g_intern_string (g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_ego_dataset_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstEgoDatasetSrc *self = GST_EGO_DATASET_SRC (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_DATA:
      g_value_set_string (value, self->data);
      break;
    case PROP_SPLIT:
      g_value_set_string (value, self->split);
      break;
    case PROP_FRAMES:
      g_value_set_uint (value, self->frames);
      break;
    case PROP_CANDIDATES:
      g_value_set_uint (value, self->candidates);
      break;
    case PROP_WIDTH:
      g_value_set_uint (value, self->width);
      break;
    case PROP_HEIGHT:
      g_value_set_uint (value, self->height);
      break;
    case PROP_SHORT_SIDE:
      g_value_set_uint (value, self->short_side);
      break;
    case PROP_NEED_LABELS:
      g_value_set_boolean (value, self->need_labels);
      break;
    case PROP_MODALITY:
      g_value_set_string (value, self->modality);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_ego_dataset_src_finalize (GObject * object)
{
  GstEgoDatasetSrc *self = GST_EGO_DATASET_SRC (object);
  g_free (self->data);
  g_free (self->split);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

#define RW_READY (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)

static void
install_properties (GObjectClass * gobject_class)
{
  g_object_class_install_property (gobject_class, PROP_DATA,
      g_param_spec_string ("data", "Dataset",
          "Dataset folder in the EPIC-Kitchens-100 layout", DEFAULT_PROP_DATA,
          RW_READY));
  g_object_class_install_property (gobject_class, PROP_SPLIT,
      g_param_spec_string ("split", "Split",
          "Split to play (annotations/<split>.csv), or several separated by "
          "commas, played one after the other", DEFAULT_PROP_SPLIT, RW_READY));
  g_object_class_install_property (gobject_class, PROP_FRAMES,
      g_param_spec_uint ("frames", "Frames",
          "Segments per clip (T): frames the network sees per clip", 1, 64,
          DEFAULT_PROP_FRAMES, RW_READY));
  g_object_class_install_property (gobject_class, PROP_CANDIDATES,
      g_param_spec_uint ("candidates", "Candidates",
          "Candidate frames per segment (C, odd): training picks one at "
          "random, testing takes the middle one", 1, 15,
          DEFAULT_PROP_CANDIDATES, RW_READY));
  g_object_class_install_property (gobject_class, PROP_WIDTH,
      g_param_spec_uint ("width", "Width",
          "Width of the frames; 0 keeps the first video's aspect", 0, 1024,
          DEFAULT_PROP_WIDTH, RW_READY));
  g_object_class_install_property (gobject_class, PROP_HEIGHT,
      g_param_spec_uint ("height", "Height",
          "Height of the frames; 0 keeps the first video's aspect", 0, 1024,
          DEFAULT_PROP_HEIGHT, RW_READY));
  g_object_class_install_property (gobject_class, PROP_SHORT_SIDE,
      g_param_spec_uint ("short-side", "Short side",
          "Short side of the frames when neither width nor height is set: "
          "a little more than the network's input leaves room for scale "
          "jitter", 8, 1024, DEFAULT_PROP_SHORT_SIDE, RW_READY));
  g_object_class_install_property (gobject_class, PROP_NEED_LABELS,
      g_param_spec_boolean ("need-labels", "Need labels",
          "Refuse clips without verb and noun classes",
          DEFAULT_PROP_NEED_LABELS, RW_READY));
  g_object_class_install_property (gobject_class, PROP_MODALITY,
      g_param_spec_string ("modality", "Modality",
          "The frames to play: \"rgb\" video, or \"flow\": egoflow's "
          "motion from the previous frame, as an RGB image of the same size "
          "(needs video files), or \"audio\": the video file's audio track, "
          "a log-mel spectrogram window centred on each frame drawn as a "
          "grey image of the same size (time along x, low bands at the "
          "bottom), or \"rgbflow\": the rgb video, each frame with its "
          "flow frame attached (GstEgoFlowMeta; needs video files)",
          DEFAULT_PROP_MODALITY, RW_READY));
}

static void
gst_ego_dataset_src_class_init (GstEgoDatasetSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *base_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *push_class = GST_PUSH_SRC_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_ego_dataset_src_debug, "egodatasetsrc", 0,
      "dataset clips as a stream");
  gobject_class->set_property = gst_ego_dataset_src_set_property;
  gobject_class->get_property = gst_ego_dataset_src_get_property;
  gobject_class->finalize = gst_ego_dataset_src_finalize;
  install_properties (gobject_class);

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Egocentric dataset source", "Source/Video",
      "Decodes the clips of an EPIC-Kitchens-100 style dataset into frames "
      "with clip meta, for training and evaluation", "gst-ego");

  base_class->start = GST_DEBUG_FUNCPTR (gst_ego_dataset_src_start);
  base_class->stop = GST_DEBUG_FUNCPTR (gst_ego_dataset_src_stop);
  base_class->get_caps = GST_DEBUG_FUNCPTR (gst_ego_dataset_src_get_caps);
  base_class->unlock = GST_DEBUG_FUNCPTR (gst_ego_dataset_src_unlock);
  base_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_ego_dataset_src_unlock_stop);
  push_class->create = GST_DEBUG_FUNCPTR (gst_ego_dataset_src_create);
}

static void
gst_ego_dataset_src_init (GstEgoDatasetSrc * self)
{
  self->split = g_strdup (DEFAULT_PROP_SPLIT);
  self->frames = DEFAULT_PROP_FRAMES;
  self->candidates = DEFAULT_PROP_CANDIDATES;
  self->width = DEFAULT_PROP_WIDTH;
  self->height = DEFAULT_PROP_HEIGHT;
  self->short_side = DEFAULT_PROP_SHORT_SIDE;
  self->need_labels = DEFAULT_PROP_NEED_LABELS;
  self->modality = g_intern_static_string (DEFAULT_PROP_MODALITY);
  g_queue_init (&self->out);
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
}
