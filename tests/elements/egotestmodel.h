/* Element tests: small student models made on the spot. */
#ifndef EGO_TEST_MODEL_H
#define EGO_TEST_MODEL_H

#include <glib.h>

#include "tsmnet.h"

typedef struct
{
  int size;                     /* input width and height */
  int width;                    /* network base width */
  int blocks;                   /* stages of one block each */
  int frames;                   /* T */
  int frame_step;
  float temperature;
  gboolean bidirectional;       /* a teacher's shift: not streamable */
  const gchar *verb_labels;     /* a JSON array of 5 strings; NULL: take,
                                 * put, open, close, stir */
} EgoTestModelSpec;

/* Writes a random student (verb: 5 classes, noun: 4) to dir/name and
 * returns its path. The heads' weights are scaled up so that the classes'
 * probabilities differ clearly from frame to frame. */
gchar *ego_test_model_write (const gchar * dir, const gchar * name,
    const EgoTestModelSpec * spec);

/* Writes a random bidirectional teacher (kind "teacher") for frames of a
 * modality (channels 3 rgb, 2 flow, 1 audio) with the heads of the dataset
 * egotestdataset.h writes (verb: l, r; noun: red, green, blue), its head
 * weights scaled up so that logits differ between clips; returns its path. */
gchar *ego_test_teacher_write (const gchar * dir, const gchar * name,
    const gchar * modality, gint channels, gint size, gint frames,
    guint64 seed);

#endif /* EGO_TEST_MODEL_H */
