/* gst-ego: egoaction's recogniser, independent of buffers and threads.
 *
 * Takes the preprocessed views of each sampled frame, runs one network
 * stream per view (each sampled frame passes the network once), averages
 * the views' logits, and every `stride` sampled frames once the window is
 * full, produces a result: the held, smoothed, calibrated top-k per head
 * over the last T frames. */
#ifndef __EGO_ACTION_CORE_H__
#define __EGO_ACTION_CORE_H__

#include <gst/gst.h>

#include "egomodelcache.h"
#include "window.h"

#define EGO_ACTION_MAX_VIEWS 3
#define EGO_ACTION_MAX_TOP_K 10

/* Settings that may change while running; read at every frame. */
typedef struct
{
  guint stride;
  guint top_k;
  gdouble threshold;
  EgoSmoothing smoothing;
  guint smooth_windows;
  gdouble smooth_alpha;
  guint min_hold;
} EgoActionSettings;

typedef struct
{
  GstClockTime start, end;      /* first and last frame's timestamps */
  guint frames;
  gboolean unsure;
  gint n_heads;
  gint k[EGO_MAX_HEADS];         /* entries of each head's lists */
  gint ids[EGO_MAX_HEADS][EGO_ACTION_MAX_TOP_K];
  gfloat probs[EGO_MAX_HEADS][EGO_ACTION_MAX_TOP_K];
} EgoActionResult;

typedef struct _EgoActionCore EgoActionCore;

EgoActionCore *ego_action_core_new (EgoModelRef * model, guint views,
    GError ** error);
void ego_action_core_free (EgoActionCore * core);
/* Back to the start of a sequence. */
void ego_action_core_reset (EgoActionCore * core);
/* floats of one view of one frame, (C, H, W), and of all views */
gsize ego_action_core_view_floats (const EgoActionCore * core);
gsize ego_action_core_frame_floats (const EgoActionCore * core);
/* One sampled frame: views (views, C, H, W) at timestamp ts. Returns TRUE
 * and fills result when a result is due. Also returns the time the
 * network took, in microseconds. */
gboolean ego_action_core_process (EgoActionCore * core, const gfloat * views,
    GstClockTime ts, const EgoActionSettings * settings,
    EgoActionResult * result, gint64 * infer_us);

#endif /* __EGO_ACTION_CORE_H__ */
