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
} EgoTestModelSpec;

/* Writes a random student (verb: 5 classes, noun: 4) to dir/name and
 * returns its path. The heads' weights are scaled up so that the classes'
 * probabilities differ clearly from frame to frame. */
gchar *ego_test_model_write (const gchar * dir, const gchar * name,
    const EgoTestModelSpec * spec);

#endif /* EGO_TEST_MODEL_H */
