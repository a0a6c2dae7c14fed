/* ego-layout's clips, see layoutdata.h. */
#include "layoutdata.h"

#include <string.h>

typedef struct
{
  int frame;
  int first_box;                /* into boxes */
  int n_boxes;
} Line;

typedef struct
{
  int first_line;               /* into lines */
  int n_lines;
} ClipLines;

struct _EgoLayoutData
{
  EgoDataset *ds;
  int n_clips;
  ClipLines *clips;             /* (n_clips) */
  GArray *lines;                /* Line, each clip's ascending */
  GArray *boxes;                /* EgoBox */
};

/* Index of the first line of det at or after frame. */
static int
first_line_from (const EgoDetections * det, int frame)
{
  int lo = 0, hi = det->n_frames;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (det->frames[mid] < frame)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Copies the lines of det inside the clip's frames. */
static void
keep_clip_lines (EgoLayoutData * d, int i, const EgoDetections * det)
{
  const EgoClip *c = ego_dataset_clip (d->ds, i);
  ClipLines *cl = &d->clips[i];
  cl->first_line = (int) d->lines->len;
  for (int k = first_line_from (det, c->start_frame);
      k < det->n_frames && det->frames[k] <= c->stop_frame; k++) {
    int from = det->first_box[k], n = det->first_box[k + 1] - from;
    Line line = { det->frames[k], (int) d->boxes->len, n };
    g_array_append_vals (d->boxes, det->boxes + from, (guint) n);
    g_array_append_val (d->lines, line);
  }
  cl->n_lines = (int) d->lines->len - cl->first_line;
}

/* Detections numbered otherwise than the annotations (from 0, at another
 * frame rate, with an offset) miss the clips, which then train on empty
 * frames without a word: said when most clips have no line at all. */
static void
warn_uncovered (const EgoLayoutData * d)
{
  int empty = 0;
  for (int i = 0; i < d->n_clips; i++)
    empty += d->clips[i].n_lines == 0;
  if (2 * empty > d->n_clips)
    g_printerr ("warning: %s: %d of the %d clips have no detections line "
        "within their frames; are the detections' frames numbered as the "
        "annotations' (from 1, at the video's frame rate)?\n",
        ego_dataset_csv_name (d->ds), empty, d->n_clips);
}

/* Reads each video's detections once and keeps its clips' lines. */
static gboolean
load_detections (EgoLayoutData * d, GError ** error)
{
  int n_videos = ego_dataset_n_videos (d->ds);
  /* the clips of each video, by counting sort */
  int *start = g_new0 (int, n_videos + 1), *at;
  int *order = g_new (int, d->n_clips);
  gboolean ok = TRUE;
  for (int i = 0; i < d->n_clips; i++)
    start[ego_dataset_clip (d->ds, i)->video + 1]++;
  for (int v = 0; v < n_videos; v++)
    start[v + 1] += start[v];
  at = g_memdup2 (start, sizeof (int) * n_videos);
  for (int i = 0; i < d->n_clips; i++)
    order[at[ego_dataset_clip (d->ds, i)->video]++] = i;
  g_free (at);
  for (int v = 0; ok && v < n_videos; v++) {
    const gchar *video_id = ego_dataset_video (d->ds, v)->video_id;
    EgoDetections *det = ego_dataset_load_detections (d->ds, video_id,
        error);
    ok = det != NULL;
    if (ok && det->frames_cut > 0)
      g_printerr ("warning: detections of %s: %d frames have more than %d "
          "boxes; the best %d of each were kept (hands first, then by "
          "score)\n", video_id, det->frames_cut, EGO_DETECTIONS_MAX_BOXES,
          EGO_DETECTIONS_MAX_BOXES);
    for (int k = start[v]; ok && k < start[v + 1]; k++)
      keep_clip_lines (d, order[k], det);
    ego_detections_free (det);
  }
  g_free (start);
  g_free (order);
  if (ok)
    warn_uncovered (d);
  return ok;
}

EgoLayoutData *
ego_layout_data_open (const char *dir, const char *split, GError ** error)
{
  EgoLayoutData *d;
  /* boxes are read from the detections: the videos need not be there */
  EgoDataset *ds = ego_dataset_open_annotations (dir, split, TRUE, error);
  if (ds == NULL)
    return NULL;
  d = g_new0 (EgoLayoutData, 1);
  d->ds = ds;
  d->n_clips = ego_dataset_n_clips (ds);
  d->clips = g_new0 (ClipLines, MAX (d->n_clips, 1));
  d->lines = g_array_new (FALSE, FALSE, sizeof (Line));
  d->boxes = g_array_new (FALSE, FALSE, sizeof (EgoBox));
  if (d->n_clips == 0) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "%s: no clips",
        ego_dataset_csv_name (ds));
    ego_layout_data_free (d);
    return NULL;
  }
  if (!load_detections (d, error)) {
    ego_layout_data_free (d);
    return NULL;
  }
  return d;
}

void
ego_layout_data_free (EgoLayoutData * d)
{
  if (d == NULL)
    return;
  ego_dataset_free (d->ds);
  g_free (d->clips);
  g_array_unref (d->lines);
  g_array_unref (d->boxes);
  g_free (d);
}

const EgoDataset *
ego_layout_data_dataset (const EgoLayoutData * d)
{
  return d->ds;
}

int
ego_layout_data_n_clips (const EgoLayoutData * d)
{
  return d->n_clips;
}

int32_t
ego_layout_data_label (const EgoLayoutData * d, int clip, int head)
{
  const EgoClip *c = ego_dataset_clip (d->ds, clip);
  return head == 0 ? c->verb_class : c->noun_class;
}

const EgoBox *
ego_layout_data_frame (const EgoLayoutData * d, int clip, int frame,
    int *n_boxes)
{
  const ClipLines *cl = &d->clips[clip];
  const Line *lines = &g_array_index (d->lines, Line, cl->first_line);
  int lo = 0, hi = cl->n_lines;
  /* the last line at or before frame */
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (lines[mid].frame <= frame)
      lo = mid + 1;
    else
      hi = mid;
  }
  *n_boxes = 0;
  if (lo == 0 || lines[lo - 1].n_boxes == 0)
    return NULL;
  *n_boxes = lines[lo - 1].n_boxes;
  return &g_array_index (d->boxes, EgoBox, lines[lo - 1].first_box);
}

EgoStltInput *
ego_layout_data_batch (const EgoLayoutData * d, const int *clips, int n,
    int T, int max_boxes, gboolean train, EgoRng * rng)
{
  int *frames = g_new (int, (gsize) n * T), b = 1;
  EgoStltInput *in;
  for (int i = 0; i < n; i++) {
    const EgoClip *c = ego_dataset_clip (d->ds, clips[i]);
    /* the dataset guarantees start <= stop; T is checked by the caller */
    ego_sample_tsn (c->start_frame, c->stop_frame, T, train, rng,
        frames + (gsize) i * T);
    for (int f = 0; f < T; f++) {
      int nb;
      ego_layout_data_frame (d, clips[i], frames[i * T + f], &nb);
      b = MAX (b, MIN (nb, max_boxes));
    }
  }
  in = ego_stlt_input_new (n, T, b);
  for (int i = 0; i < n; i++)
    for (int f = 0; f < T; f++) {
      int nb;
      const EgoBox *boxes = ego_layout_data_frame (d, clips[i],
          frames[i * T + f], &nb);
      ego_stlt_input_set_frame (in, i, f, boxes, nb);
    }
  g_free (frames);
  return in;
}
