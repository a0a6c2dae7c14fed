/* gst-ego: egoaction's inference thread (the `async` mode).
 *
 * The streaming thread hands over each sampled frame's preprocessed views
 * and goes on at once; the worker runs the recogniser and reports results
 * through a callback on its own thread. When the worker falls behind, the
 * oldest frame still waiting is dropped (and counted) so that the newest
 * frames are the ones recognised. Slots are allocated once. */
#ifndef __EGO_ACTION_WORKER_H__
#define __EGO_ACTION_WORKER_H__

#include "egoactioncore.h"

typedef void (*EgoActionResultFunc) (const EgoActionResult * result,
    gint64 infer_us, gpointer user_data);
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
/* Copies views; reset asks for a core reset before this frame. Returns the
 * number of frames dropped to make room (0 or 1). */
guint ego_action_worker_push (EgoActionWorker * w, const gfloat * views,
    GstClockTime ts, gboolean reset);
/* Discards waiting frames and resets the core before the next one. */
void ego_action_worker_flush (EgoActionWorker * w);
/* Waits until every waiting frame has been processed. */
void ego_action_worker_drain (EgoActionWorker * w);

#endif /* __EGO_ACTION_WORKER_H__ */
