/* ego-dataset's writer: renders videos with egosynthsrc and writes the
 * EPIC-Kitchens-100 layout around them. */
#ifndef EGO_DATASET_WRITER_H
#define EGO_DATASET_WRITER_H

#include <glib.h>

typedef struct
{
  gchar *out;
  int clips;
  guint64 seed;
  int videos;                   /* 0: chosen from clips */
  int width, height, fps;
  double difficulty;
  double box_jitter;            /* detections: noise, fraction of box size */
  double box_drop;              /* detections: chance a true box is missed */
  double false_boxes;           /* detections: false boxes per frame */
} EgoDatasetSpec;

typedef struct
{
  int done_videos, total_videos;
  long done_frames, total_frames;
  double elapsed;               /* seconds */
  gboolean finished_video;      /* this report ends a video */
} EgoDatasetProgress;

typedef void (*EgoDatasetProgressFunc) (const EgoDatasetProgress * p,
    gpointer data);

void ego_dataset_spec_init (EgoDatasetSpec * spec);
/* Writes the whole dataset; jobs videos are rendered at once. */
gboolean ego_dataset_write (EgoDatasetSpec * spec, int jobs,
    EgoDatasetProgressFunc progress, gpointer data, GError ** error);

#endif /* EGO_DATASET_WRITER_H */
