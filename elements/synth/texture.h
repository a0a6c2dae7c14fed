/* Textures of the synthetic kitchen: the small tileable pattern masks that
 * things are printed with, and the painted background (wall, cabinets,
 * window, counter, stove and sink) that the camera pans over. Both are
 * made once and then only sampled, so that a frame costs a few lookups per
 * pixel. */
#ifndef EGO_SYNTH_TEXTURE_H
#define EGO_SYNTH_TEXTURE_H

#include <glib.h>

#include "scenario.h"

G_BEGIN_DECLS

#define EGO_PATTERN_SIZE 64

/* The pattern masks, EGO_N_PATTERNS of EGO_PATTERN_SIZE^2 values in 0..1;
 * made on first use, shared, never freed. */
const float *ego_patterns_get (void);

/* Smooth value noise in 0..1 on an integer lattice, wrapping every
 * period_x cells in x and period_y in y (0: no wrap). */
float ego_value_noise (float x, float y, guint period_x, guint period_y,
    guint32 seed);

/* The background runs along the counter with a period of
 * EGO_BACKGROUND_PERIOD view units and spans y from top to top + height:
 * what the view can show, head motion included. Texels are packed
 * 0xXXBBGGRR words (R in the low byte) for fast filtering. */
#define EGO_BACKGROUND_PERIOD 4.0f

typedef struct
{
  guint width, height;          /* texels */
  float density;                /* texels per view unit */
  float top;                    /* view y of the first row */
  guint32 *texels;              /* width * height */
} EgoBackground;

/* The background of the kitchen for views y0..y1 at density texels per
 * view unit. */
EgoBackground *ego_background_new (const EgoKitchen * kitchen,
    float density, float y0, float y1);
void ego_background_free (EgoBackground * bg);

G_END_DECLS

#endif /* EGO_SYNTH_TEXTURE_H */
