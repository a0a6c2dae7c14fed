/* gst-ego: egoaction's inference thread (the `async` mode).
 *
 * The streaming thread hands over each sampled frame's preprocessed views
 * and goes on at once; the worker runs the recogniser and reports results
 * through a callback on its own thread. When the worker falls behind, the
 * oldest frame still waiting is dropped (and counted) so that the newest
 * frames are the ones recognised: the window then spans the hole (its
 * start and end times say so), which beats no result at all when the
 * network is steadily a little slower than the frames. A reset asked for
 * with a dropped frame passes to the frame after it. Slots are allocated
 * once. */
#ifndef __EGO_ACTION_WORKER_H__
#define __EGO_ACTION_WORKER_H__

#include "egoactioncore.h"

/* result: NULL when none is due; running and tag: as pushed with the
 * frame */
typedef void (*EgoActionResultFunc) (const EgoActionResult * result,
    gint64 infer_us, GstClockTime running, guint tag, gpointer user_data);
/* fills the settings for the next frame (called on the worker) */
typedef void (*EgoActionSettingsFunc) (EgoActionSettings * settings,
    gpointer user_data);

typedef struct _EgoActionWorker EgoActionWorker;

/* capacity: frames that may wait (>= 1) */
EgoActionWorker *ego_action_worker_new (EgoActionCore * core, guint capacity,
    EgoActionSettingsFunc get_settings, EgoActionResultFunc on_result,
    gpointer user_data);
/* Stops the thread (pending frames are discarded) and frees. */
void ego_action_worker_free (EgoActionWorker * w);
/* Copies views; ts is the frame's timestamp, running its running time
 * (computed on the streaming thread, which owns the segment), tag the
 * caller's own (egoaction's count of resets, to know a result from before
 * the last one); reset asks for a core reset before this frame. Returns
 * the number of frames dropped to make room (0 or 1). */
guint ego_action_worker_push (EgoActionWorker * w, const gfloat * views,
    GstClockTime ts, GstClockTime running, guint tag, gboolean reset);
/* Discards waiting frames and resets the core before the next one. */
void ego_action_worker_flush (EgoActionWorker * w);
/* Waits until every waiting frame has been processed. */
void ego_action_worker_drain (EgoActionWorker * w);

#endif /* __EGO_ACTION_WORKER_H__ */
