/* Element tests: tiny datasets in the EPIC-Kitchens-100 layout, made on
 * the spot. Each clip shows a square of its noun's colour (red, green,
 * blue) crossing a grey textured background to the left or to the right
 * (its verb); between clips only the background shows. One frame tells the
 * noun, only motion tells the verb. */
#ifndef EGO_TEST_DATASET_H
#define EGO_TEST_DATASET_H

#include <glib.h>
#include <gst/gst.h>

#define EGO_TEST_VERBS 2
#define EGO_TEST_NOUNS 3

typedef struct
{
  int train_videos, validation_videos;
  int clips_per_video;
  int width, height;            /* of the videos */
  int clip_frames;              /* frames of an action */
  int gap_frames;               /* background between actions */
  int square;                   /* side of the square */
  gboolean jpeg_frames;         /* frame folders instead of mp4 files */
  guint64 seed;
} EgoTestDatasetSpec;

void ego_test_dataset_spec_init (EgoTestDatasetSpec * spec);

/* Writes annotations/{train,validation}.csv, the class files, and the
 * videos under dir. */
void ego_test_dataset_write (const gchar * dir,
    const EgoTestDatasetSpec * spec);

/* Truth of clip k of video v: labels and where the square's left edge is
 * at frame number f (1-based, in the video), or -1 outside the clip. */
int ego_test_dataset_verb (const EgoTestDatasetSpec * spec, int v, int k);
int ego_test_dataset_noun (const EgoTestDatasetSpec * spec, int v, int k);
double ego_test_dataset_square_x (const EgoTestDatasetSpec * spec, int v,
    int f);
/* first and last frame numbers of clip k */
int ego_test_dataset_start (const EgoTestDatasetSpec * spec, int k);
int ego_test_dataset_stop (const EgoTestDatasetSpec * spec, int k);

/* Renders a dataset into dir with ego-dataset and the options (a command
 * line fragment, e.g. "--clips 12 --seed 4"); a failure ends the test with
 * ego-dataset's message. */
void ego_test_dataset_render (const gchar * dir, const gchar * options);

/* Plays pipe to its end and back to NULL; the first error's text (g_free
 * it), or NULL. */
gchar *ego_test_play_to_end (GstElement * pipe);

/* Removes dir and everything under it. */
void ego_test_remove_tree (const gchar * dir);

#endif /* EGO_TEST_DATASET_H */
