/* gst-ego network library: the dataset reader shared by training and
 * evaluation, for datasets in the layout of EPIC-Kitchens-100:
 *
 *   DIR/annotations/<split>.csv          one clip per row (see below)
 *   DIR/annotations/verb_classes.csv     id,key[,more columns...]
 *   DIR/annotations/noun_classes.csv     id,key[,more columns...]
 *   DIR/videos/<video_id>.<ext>          mp4, mkv, webm, avi or mov, any case
 *   DIR/frames/<participant_id>/<video_id>/frame_%010d.jpg
 *   DIR/detections/<video_id>.jsonl      per-frame boxes (optional)
 *
 * The split CSV's header is
 *   narration_id,participant_id,video_id,narration_timestamp,start_timestamp,
 *   stop_timestamp,start_frame,stop_frame,narration,verb,verb_class,noun,
 *   noun_class,all_nouns,all_noun_classes
 * optionally preceded by EPIC's "uid" column. When labels are not required
 * the header may stop after stop_frame (EPIC_100_test_timestamps.csv), and
 * the label fields of a row may be empty (then verb_class and noun_class
 * are -1). Timestamps are H:MM:SS.ff; all_nouns and all_noun_classes are
 * Python list literals ("['door', 'cupboard']", "[3, 8]").
 *
 * Every file is hostile input: the first problem is reported as
 * "<file>:<line>: <reason>" (or "<file>: <reason>" for the whole file), in
 * the EGO_ERROR domain. The verb and noun text columns are kept but not
 * compared with the class keys: in EPIC they hold the word as narrated
 * ("pick-up", "sponge:new"), which belongs to a class with another key
 * ("take", "sponge").
 *
 * Frame numbers are EPIC's: 1-based in the frame folders (frame_0000000001.jpg
 * is frame 1), and start_frame..stop_frame is inclusive. Every frame the
 * samplers below return lies in [start_frame, stop_frame].
 */
#ifndef EGO_DATASET_H
#define EGO_DATASET_H

#include <glib.h>

#include "ego_error.h"
#include "rng.h"

/* hostile-input limits */
#define EGO_DATASET_MAX_FILE (256 * 1024 * 1024)
#define EGO_DATASET_MAX_CLIPS 10000000
#define EGO_DATASET_MAX_CLASSES 100000
#define EGO_DATASET_MAX_FRAME 1000000000
#define EGO_DATASET_MAX_ID 128  /* bytes in an id */
#define EGO_DETECTIONS_MAX_LINE (64 * 1024)
#define EGO_DETECTIONS_MAX_BOXES 64     /* per frame */
/* how far outside [0, 1] a box coordinate may be before it is refused rather
 * than clamped (detectors round boxes outwards) */
#define EGO_DETECTIONS_SLACK 0.1
/* most frames one sampler call returns */
#define EGO_SAMPLE_MAX_FRAMES 65536

typedef enum
{
  EGO_MEDIA_VIDEO,              /* DIR/videos/<video_id>.<ext> */
  EGO_MEDIA_FRAMES,             /* DIR/frames/<participant_id>/<video_id>/ */
} EgoMediaKind;

typedef struct
{
  const char *video_id;
  const char *participant_id;
  const char *video_path;       /* NULL when there is no video file */
  const char *frames_dir;       /* NULL when there is no frame folder */
  EgoMediaKind kind;            /* VIDEO whenever there is a video file: it
                                 * also carries the audio */
  int n_clips;                  /* clips of this video in the split */
} EgoVideo;

typedef struct
{
  const char *narration_id;
  const char *participant_id;
  const char *video_id;
  int video;                    /* index for ego_dataset_video */
  int line;                     /* of the row in the CSV */
  int start_frame, stop_frame;  /* inclusive, stop_frame >= start_frame */
  double start_time, stop_time; /* seconds */
  const char *narration;        /* "" when absent, as verb and noun */
  const char *verb;
  const char *noun;
  int verb_class;               /* -1 when unlabelled */
  int noun_class;
  int n_all_noun_classes;
  const int *all_noun_classes;
} EgoClip;

typedef struct _EgoDataset EgoDataset;

/* Read DIR/annotations/<split>.csv and both class files, and find every
 * clip's video file or frame folder. With need_labels, every row must have
 * verb_class and noun_class. */
EgoDataset *ego_dataset_open (const char *dir, const char *split,
    gboolean need_labels, GError ** error);
/* The same for readers of annotations and detections alone (the layout):
 * a video with neither a file nor a frame folder is no error, and keeps
 * NULL for both. */
EgoDataset *ego_dataset_open_annotations (const char *dir, const char *split,
    gboolean need_labels, GError ** error);
void ego_dataset_free (EgoDataset * ds);

/* The parts ego_dataset_open is made of, on text in memory (name is used in
 * messages). ego_dataset_parse checks class ids against the given keys and
 * leaves media unresolved (video_path and frames_dir NULL). */
/* DIR/annotations/<file> (verb_classes.csv, noun_classes.csv) read and
 * parsed as above; NULL with error naming the file and line. */
char **ego_dataset_read_classes (const char *dir, const char *file, int *n,
    GError ** error);
char **ego_dataset_parse_classes (const char *name, const char *text,
    gsize len, int *n_classes, GError ** error);
EgoDataset *ego_dataset_parse (const char *name, const char *text, gsize len,
    gboolean need_labels, const char *const *verbs,
    const char *const *nouns, GError ** error);
gboolean ego_dataset_resolve_media (EgoDataset * ds, const char *dir,
    GError ** error);

int ego_dataset_n_clips (const EgoDataset * ds);
/* NULL when i is out of range */
const EgoClip *ego_dataset_clip (const EgoDataset * ds, int i);
/* index of the clip, or -1 */
int ego_dataset_find_clip (const EgoDataset * ds, const char *narration_id);
int ego_dataset_n_videos (const EgoDataset * ds);
/* videos in order of first appearance in the CSV */
const EgoVideo *ego_dataset_video (const EgoDataset * ds, int i);
/* index of the video, or -1 */
int ego_dataset_find_video (const EgoDataset * ds, const char *video_id);
int ego_dataset_n_verbs (const EgoDataset * ds);
int ego_dataset_n_nouns (const EgoDataset * ds);
/* class keys by id, NULL-terminated */
const char *const *ego_dataset_verbs (const EgoDataset * ds);
const char *const *ego_dataset_nouns (const EgoDataset * ds);
/* the split CSV's path (or name) and the dataset folder (NULL when parsed
 * from memory) */
const char *ego_dataset_csv_name (const EgoDataset * ds);
const char *ego_dataset_dir (const EgoDataset * ds);

/* ---------------------------------------------------------------------- */
/* detections                                                             */

typedef enum
{
  EGO_BOX_HAND,
  EGO_BOX_OBJECT,
} EgoBoxCategory;

typedef enum
{
  EGO_SIDE_NONE,                /* null or absent: objects, unknown hands */
  EGO_SIDE_LEFT,
  EGO_SIDE_RIGHT,
} EgoHandSide;

typedef struct
{
  float x1, y1, x2, y2;         /* normalised by frame size, clamped to
                                 * [0, 1], x1 <= x2, y1 <= y2 */
  float score;                  /* [0, 1] */
  EgoBoxCategory category;
  EgoHandSide side;
  gboolean contact;             /* false when absent */
} EgoBox;

typedef struct
{
  int n_frames;                 /* frames that have a line */
  int *frames;                  /* (n_frames) ascending frame numbers */
  int *first_box;               /* (n_frames + 1) the boxes of frames[i] are
                                 * boxes[first_box[i] .. first_box[i + 1]) */
  int n_boxes;
  EgoBox *boxes;
  int frames_cut;               /* frames with more than
                                 * EGO_DETECTIONS_MAX_BOXES boxes, of which
                                 * the best were kept (hands first, then by
                                 * score: the layout network's choice) */
} EgoDetections;

/* Read DIR/detections/<video_id>.jsonl, one JSON object per line:
 * {"frame": N, "boxes": [{"x1", "y1", "x2", "y2", "category": "hand" |
 * "object", "score", "side": "left" | "right" | null, "contact": bool}]}
 * ("side" and "contact" may be left out; other members are ignored). Lines
 * may come in any order but a frame may appear only once. */
EgoDetections *ego_dataset_load_detections (const EgoDataset * ds,
    const char *video_id, GError ** error);
EgoDetections *ego_detections_parse (const char *name, const char *text,
    gsize len, GError ** error);
/* The boxes of one frame (*n_boxes of them), or NULL and 0 when the frame
 * has no line. */
const EgoBox *ego_detections_lookup (const EgoDetections * det, int frame,
    int *n_boxes);
void ego_detections_free (EgoDetections * det);

/* ---------------------------------------------------------------------- */
/* clip sampling                                                          */

/* TSN sampling (Wang et al. 2016) of T frames from [start, stop]: the n =
 * stop - start + 1 frames are cut into T segments, segment i being
 * [start + floor(i n / T), start + floor((i + 1) n / T)); training takes a
 * uniformly random frame of each segment, test the middle one (first +
 * length / 2, which is TSN's int(tick / 2 + tick i) when T divides n). When
 * n < T, both take frame start + floor((2 i + 1) n / (2 T)): every frame in
 * order, repeated. Returns FALSE (out untouched) when T is outside
 * 1..EGO_SAMPLE_MAX_FRAMES, stop < start, or train without rng. */
gboolean ego_sample_tsn (int start_frame, int stop_frame, int T,
    gboolean train, EgoRng * rng, int *frames_out);

/* T frames step apart (the spacing a stream sees), out[i] = start + offset +
 * i step: at test the window of (T - 1) step + 1 frames is centred,
 * offset = floor((n - span) / 2); in training offset is uniform between 0
 * and n - span inclusive. When the window is longer than the segment the
 * offset is negative and frames outside [start, stop] are clamped to its
 * edges (repeated). Returns FALSE (out untouched) when T is outside
 * 1..EGO_SAMPLE_MAX_FRAMES, step < 1, the window is longer than 2^31 - 1
 * frames, stop < start, or train without rng. */
gboolean ego_sample_fixed_step (int start_frame, int stop_frame, int T,
    int step, gboolean train, EgoRng * rng, int *frames_out);

#endif /* EGO_DATASET_H */
