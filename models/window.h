/* gst-ego network library: a recogniser's results over a stream.
 *
 * Keeps the last T frames' logits (per head), and for each result: the
 * window's logits as their mean (the student's window output), calibrated
 * probabilities softmax(z / temperature), optional smoothing over recent
 * results, and a hold that lets the top label change only after a new class
 * has led for min_hold results in a row. Pure computation, no allocation
 * after creation. */
#ifndef EGO_WINDOW_H
#define EGO_WINDOW_H

#include <glib.h>

#include "modelmeta.h"

typedef enum
{
  EGO_SMOOTH_NONE = 0,
  EGO_SMOOTH_AVERAGE = 1,       /* mean of the last smooth_windows results */
  EGO_SMOOTH_EXPONENTIAL = 2,   /* p = alpha * new + (1 - alpha) * p */
} EgoSmoothing;

#define EGO_WINDOW_MAX_SMOOTH 32

typedef struct
{
  int frames;                   /* T */
  int n_heads;
  int classes[EGO_MAX_HEADS];
  float temperature;
  EgoSmoothing smoothing;
  int smooth_windows;           /* AVERAGE: 1..EGO_WINDOW_MAX_SMOOTH */
  float smooth_alpha;           /* EXPONENTIAL: (0, 1] */
  int min_hold;                 /* results a new top class must lead; >= 1 */
} EgoWindowConfig;

typedef struct _EgoWindow EgoWindow;

EgoWindow *ego_window_new (const EgoWindowConfig * cfg, GError ** error);
void ego_window_free (EgoWindow * w);
/* A new sequence: forgets frames, smoothing and hold. */
void ego_window_reset (EgoWindow * w);
/* Changes smoothing and hold settings (keeps the frames). */
void ego_window_set_smoothing (EgoWindow * w, EgoSmoothing smoothing,
    int smooth_windows, float smooth_alpha, int min_hold);

/* One frame's logits, frame_logits[h] (classes[h]). */
void ego_window_push (EgoWindow * w, float *const *frame_logits);
/* frames pushed since the last reset */
long ego_window_count (const EgoWindow * w);
gboolean ego_window_full (const EgoWindow * w);

/* Computes a result from the last T frames (needs a full window): updates
 * smoothing and hold state. */
void ego_window_compute (EgoWindow * w);
/* After compute: the window's raw mean logits (classes[h]) */
const float *ego_window_logits (const EgoWindow * w, int head);
/* After compute: the smoothed calibrated probabilities (classes[h]) */
const float *ego_window_probs (const EgoWindow * w, int head);
/* After compute: up to k classes of a head, best first, where the first is
 * the held top class; returns how many were written. */
int ego_window_top_k (const EgoWindow * w, int head, int k, int *ids,
    float *probs);

#endif /* EGO_WINDOW_H */
