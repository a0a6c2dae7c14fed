/* gst-ego: egodatasetsrc's assembly of the clips of one video, see
 * egoclipassembler.h. */
#include "egoclipassembler.h"

#include <gst/ego/ego.h>
#include <math.h>

#include "clipcache.h"

struct _EgoClipAssembler
{
  const EgoDataset *ds;
  const EgoVideo *video;
  guint split;
  gint segments, candidates, slots;
  gint *clips;                  /* (n_clips) dataset indices */
  guint n_clips;
  gint *positions;              /* (n_clips, slots) frame numbers */
  guint next;                   /* next clip to emit */
  GHashTable *uses;             /* frame -> slots still to emit that use it */
  GHashTable *frames;           /* frame -> GstBuffer, needed ones only */
  gint last_frame;              /* of the last decoded frame */
  EgoVideoReader *reader;
  gboolean rate_checked;
  gchar *warning;               /* for the element to post, once */
};

static gint
compare_int (gconstpointer a, gconstpointer b)
{
  gint x = *(const gint *) a, y = *(const gint *) b;
  return (x > y) - (x < y);
}

/* The distinct needed frames, ascending. */
static GArray *
needed_frames (EgoClipAssembler * a)
{
  GArray *list = g_array_new (FALSE, FALSE, sizeof (gint));
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, a->uses);
  while (g_hash_table_iter_next (&it, &key, NULL)) {
    gint f = GPOINTER_TO_INT (key);
    g_array_append_val (list, f);
  }
  g_array_sort (list, compare_int);
  return list;
}

static void
count_uses (EgoClipAssembler * a)
{
  EgoClipCacheSpec spec = { 0 };
  spec.segments = a->segments;
  spec.candidates = a->candidates;
  for (guint i = 0; i < a->n_clips; i++) {
    const EgoClip *c = ego_dataset_clip (a->ds, a->clips[i]);
    gint *pos = a->positions + (gsize) i * a->slots;
    ego_clip_cache_positions (&spec, c->start_frame, c->stop_frame, pos);
    for (gint s = 0; s < a->slots; s++) {
      gpointer key = GINT_TO_POINTER (pos[s]);
      gint n = GPOINTER_TO_INT (g_hash_table_lookup (a->uses, key));
      g_hash_table_insert (a->uses, key, GINT_TO_POINTER (n + 1));
    }
  }
}

static gboolean
open_reader (EgoClipAssembler * a, gint width, gint height,
    const gchar * filter, GError ** error)
{
  GError *err = NULL;
  if (a->video->kind == EGO_MEDIA_VIDEO) {
    /* a filter (egoflow) needs to run on the clips' frames alone */
    GArray *list = filter ? needed_frames (a) : NULL;
    a->reader = ego_video_reader_new_file (a->video->video_path, width,
        height, filter, list ? (gint *) list->data : NULL,
        list ? list->len : 0, &err);
    if (list)
      g_array_free (list, TRUE);
  } else if (filter != NULL) {
    /* a folder's frames are read sparsely: no motion between them */
    g_set_error (&err, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
        "%s needs every frame: give the dataset as video files", filter);
  } else {
    GArray *list = needed_frames (a);
    a->reader = ego_video_reader_new_frames (a->video->frames_dir,
        (gint *) list->data, list->len, width, height, &err);
    g_array_free (list, TRUE);
  }
  if (a->reader == NULL) {
    g_set_error (error, err->domain, err->code, "%s: %s",
        a->video->video_path ? a->video->video_path : a->video->frames_dir,
        err->message);
    g_error_free (err);
  }
  return a->reader != NULL;
}

EgoClipAssembler *
ego_clip_assembler_new (const EgoDataset * ds, guint split, gint video,
    const gint * clips, guint n_clips, gint segments, gint candidates,
    gint width, gint height, const gchar * filter, GError ** error)
{
  EgoClipAssembler *a = g_new0 (EgoClipAssembler, 1);
  a->ds = ds;
  a->video = ego_dataset_video (ds, video);
  a->split = split;
  a->segments = segments;
  a->candidates = candidates;
  a->slots = segments * candidates;
  a->clips = g_memdup2 (clips, sizeof (gint) * n_clips);
  a->n_clips = n_clips;
  a->positions = g_new (gint, (gsize) n_clips * a->slots);
  a->uses = g_hash_table_new (NULL, NULL);
  a->frames = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) gst_buffer_unref);
  count_uses (a);
  if (!open_reader (a, width, height, filter, error)) {
    ego_clip_assembler_free (a);
    return NULL;
  }
  return a;
}

void
ego_clip_assembler_free (EgoClipAssembler * a)
{
  if (a == NULL)
    return;
  ego_video_reader_free (a->reader);
  g_hash_table_unref (a->uses);
  g_hash_table_unref (a->frames);
  g_free (a->clips);
  g_free (a->positions);
  g_free (a->warning);
  g_free (a);
}

void
ego_clip_assembler_set_cancelled (EgoClipAssembler * a, gboolean cancelled)
{
  ego_video_reader_set_cancelled (a->reader, cancelled);
}

/* the first frame clip i still waits for, or -1 */
static gint
first_missing (EgoClipAssembler * a, guint i)
{
  const gint *pos = a->positions + (gsize) i * a->slots;
  for (gint s = 0; s < a->slots; s++)
    if (!g_hash_table_contains (a->frames, GINT_TO_POINTER (pos[s])))
      return pos[s];
  return -1;
}

static GstBuffer *
slot_buffer (EgoClipAssembler * a, const EgoClip * c, gint clip, gint slot,
    gint frame)
{
  GstBuffer *buf = gst_buffer_copy (g_hash_table_lookup (a->frames,
          GINT_TO_POINTER (frame)));
  GstEgoClipMeta *meta = gst_buffer_add_ego_clip_meta (buf);
  meta->split = a->split;
  meta->clip = clip;
  meta->narration_id = g_intern_string (c->narration_id);
  meta->slot = slot;
  meta->slots = a->slots;
  meta->segments = a->segments;
  meta->candidates = a->candidates;
  meta->frame = frame;
  meta->n_heads = 2;
  meta->labels[0] = c->verb_class;
  meta->labels[1] = c->noun_class;
  GST_BUFFER_OFFSET (buf) = frame;
  GST_BUFFER_PTS (buf) = GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = GST_CLOCK_TIME_NONE;
  /* every clip is a sequence of its own */
  if (slot == 0)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  else
    GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_DISCONT);
  return buf;
}

/* Emits every clip, in order, whose frames are all there; frames nobody
 * needs any more are let go. */
static void
emit_ready (EgoClipAssembler * a, GQueue * out)
{
  while (a->next < a->n_clips && first_missing (a, a->next) < 0) {
    gint clip = a->clips[a->next];
    const EgoClip *c = ego_dataset_clip (a->ds, clip);
    const gint *pos = a->positions + (gsize) a->next * a->slots;
    for (gint s = 0; s < a->slots; s++) {
      gpointer key = GINT_TO_POINTER (pos[s]);
      gint n = GPOINTER_TO_INT (g_hash_table_lookup (a->uses, key));
      g_queue_push_tail (out, slot_buffer (a, c, clip, s, pos[s]));
      if (n <= 1) {
        g_hash_table_remove (a->uses, key);
        g_hash_table_remove (a->frames, key);
      } else {
        g_hash_table_insert (a->uses, key, GINT_TO_POINTER (n - 1));
      }
    }
    a->next++;
  }
}

static void
set_clip_error (EgoClipAssembler * a, GError ** error, GError * cause)
{
  const EgoClip *c = ego_dataset_clip (a->ds, a->clips[a->next]);
  const gchar *file = a->video->video_path ? a->video->video_path :
      a->video->frames_dir;
  if (cause) {
    g_set_error (error, cause->domain, cause->code,
        "%s: %s (needed for clip %s, %s:%d)", file, cause->message,
        c->narration_id, ego_dataset_csv_name (a->ds), c->line);
  } else {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
        "%s:%d: clip %s needs frame %d, past the end of %s (%d frames)",
        ego_dataset_csv_name (a->ds), c->line, c->narration_id,
        first_missing (a, a->next), file, a->last_frame);
  }
}

/* how far a clip's start frame, at the video's frame rate, may be from its
 * start_timestamp: half a second for rounding and loose timestamps, and
 * 1% for drift (a video at 59.94 frames a second numbered at 60) */
#define RATE_SLACK_SECONDS 0.5
#define RATE_SLACK_FRACTION 0.01

/* The clips' frame numbers and timestamps must agree at the video's frame
 * rate: a video converted to another rate has other frames at those
 * numbers, and its clips would silently be the wrong moments. Rows whose
 * timestamps are both 0 give none. */
static void
check_rate (EgoClipAssembler * a)
{
  const EgoClip *first = NULL;
  gint rate_n, rate_d;
  guint off = 0;
  gdouble at = 0.0;

  if (!ego_video_reader_frame_rate (a->reader, &rate_n, &rate_d))
    return;
  for (guint i = 0; i < a->n_clips; i++) {
    const EgoClip *c = ego_dataset_clip (a->ds, a->clips[i]);
    gdouble t = (c->start_frame - 1) * (gdouble) rate_d / rate_n;

    if (c->start_time == 0.0 && c->stop_time == 0.0)
      continue;
    if (fabs (t - c->start_time) <= RATE_SLACK_SECONDS +
        RATE_SLACK_FRACTION * c->start_time)
      continue;
    if (off++ == 0) {
      first = c;
      at = t;
    }
  }
  if (first == NULL)
    return;
  a->warning = g_strdup_printf ("%s runs at %.4g frames a second, where "
      "%s:%d (clip %s) has its start_frame %d at %.2f s but its "
      "start_timestamp at %.2f s (%u of the video's %u clips disagree): its "
      "frames were numbered at another rate, and its clips are other "
      "moments of the video; convert the video to the annotations' rate",
      a->video->video_path, rate_n / (gdouble) rate_d,
      ego_dataset_csv_name (a->ds), first->line, first->narration_id,
      first->start_frame, at, first->start_time, off, a->n_clips);
}

gchar *
ego_clip_assembler_take_warning (EgoClipAssembler * a)
{
  return g_steal_pointer (&a->warning);
}

EgoReadResult
ego_clip_assembler_step (EgoClipAssembler * a, GQueue * out, GError ** error)
{
  GError *err = NULL;
  GstBuffer *buf = NULL;
  gint frame = 0;
  EgoReadResult r;
  if (a->next >= a->n_clips)
    return EGO_READ_END;
  r = ego_video_reader_next (a->reader, &buf, &frame, &err);
  switch (r) {
    case EGO_READ_FRAME:
      if (!a->rate_checked) {
        check_rate (a);
        a->rate_checked = TRUE;
      }
      a->last_frame = MAX (a->last_frame, frame);
      if (g_hash_table_contains (a->uses, GINT_TO_POINTER (frame)))
        g_hash_table_replace (a->frames, GINT_TO_POINTER (frame), buf);
      else
        gst_buffer_unref (buf);
      emit_ready (a, out);
      return EGO_READ_FRAME;
    case EGO_READ_END:
      set_clip_error (a, error, NULL);
      return EGO_READ_ERROR;
    case EGO_READ_ERROR:
      set_clip_error (a, error, err);
      g_error_free (err);
      return EGO_READ_ERROR;
    default:
      return r;
  }
}
