/* gst-ego: egoaction, real-time egocentric action recognition. */
#ifndef __GST_EGO_ACTION_H__
#define __GST_EGO_ACTION_H__

#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

#include "egoactioncore.h"
#include "egoactionworker.h"
#include "preprocess.h"

G_BEGIN_DECLS

#define GST_TYPE_EGO_ACTION (gst_ego_action_get_type ())
G_DECLARE_FINAL_TYPE (GstEgoAction, gst_ego_action, GST, EGO_ACTION,
    GstBaseTransform);

typedef enum
{
  GST_EGO_ACTION_SMOOTHING_NONE = EGO_SMOOTH_NONE,
  GST_EGO_ACTION_SMOOTHING_AVERAGE = EGO_SMOOTH_AVERAGE,
  GST_EGO_ACTION_SMOOTHING_EXPONENTIAL = EGO_SMOOTH_EXPONENTIAL,
} GstEgoActionSmoothing;

typedef struct
{
  guint64 frames, sampled, windows, drops;
  gint64 infer_us_sum, infer_us_max, infer_count;
} GstEgoActionStats;

struct _GstEgoAction
{
  GstBaseTransform parent;

  /* properties, under the object lock */
  gchar *model;
  guint frame_step;             /* 0: the model's */
  guint views;
  gboolean post_messages;
  gboolean async;
  guint num_threads;
  EgoActionSettings settings;
  GstEgoActionStats stats;
  EgoActionResult pending;      /* async: newest result not yet attached */
  gboolean have_pending;
  guint resets;                 /* async: of the stream, tags the frames */

  /* streaming state, built in start() and set_caps() */
  EgoModelRef *model_ref;
  EgoActionCore *core;
  EgoActionWorker *worker;
  GstVideoInfo info;
  EgoResizePlan plans[EGO_ACTION_MAX_VIEWS];
  guint n_plans;
  gfloat *input;                /* (run_views, C, H, W) */
  guint run_views;              /* views when started */
  guint step;                   /* sample every step-th frame */
  guint64 since_reset;          /* frames since the last reset */
  GstClockTime max_span;        /* a longer window is unsure (0: no limit);
                                 * under the object lock */
  gboolean said_reverse;        /* reverse playback was warned about */
};

GST_ELEMENT_REGISTER_DECLARE (egoaction);

G_END_DECLS

#endif /* __GST_EGO_ACTION_H__ */
