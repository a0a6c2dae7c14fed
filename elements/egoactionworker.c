/* gst-ego: egoaction's inference thread, see egoactionworker.h. */
#include "egoactionworker.h"

#include <string.h>

typedef struct
{
  gfloat *views;
  GstClockTime ts, running;
  gboolean reset;
  guint tag;
} Slot;

struct _EgoActionWorker
{
  EgoActionCore *core;
  EgoActionSettingsFunc get_settings;
  EgoActionResultFunc on_result;
  gpointer user_data;
  GThread *thread;
  GMutex lock;
  GCond cond;
  Slot *slots;                  /* capacity + 1: waiting ones and the busy one */
  GQueue waiting;               /* of Slot *, oldest first */
  GQueue free_slots;
  gboolean busy;
  gboolean reset_next;          /* a flush happened: reset before the next */
  gboolean stop;
};

static gpointer
worker_loop (gpointer data)
{
  EgoActionWorker *w = data;
  g_mutex_lock (&w->lock);
  while (!w->stop) {
    Slot *slot = g_queue_pop_head (&w->waiting);
    EgoActionSettings settings;
    EgoActionResult result;
    gint64 us = 0;
    gboolean due;
    if (slot == NULL) {
      g_cond_wait (&w->cond, &w->lock);
      continue;
    }
    w->busy = TRUE;
    g_mutex_unlock (&w->lock);
    w->get_settings (&settings, w->user_data);
    if (slot->reset)
      ego_action_core_reset (w->core);
    due = ego_action_core_process (w->core, slot->views, slot->ts,
        &settings, &result, &us);
    w->on_result (due ? &result : NULL, us, slot->running, slot->tag,
        w->user_data);
    g_mutex_lock (&w->lock);
    g_queue_push_tail (&w->free_slots, slot);
    w->busy = FALSE;
    g_cond_broadcast (&w->cond);
  }
  g_mutex_unlock (&w->lock);
  return NULL;
}

EgoActionWorker *
ego_action_worker_new (EgoActionCore * core, guint capacity,
    EgoActionSettingsFunc get_settings, EgoActionResultFunc on_result,
    gpointer user_data)
{
  EgoActionWorker *w = g_new0 (EgoActionWorker, 1);
  gsize floats = ego_action_core_frame_floats (core);
  capacity = MAX (capacity, 1);
  w->core = core;
  w->get_settings = get_settings;
  w->on_result = on_result;
  w->user_data = user_data;
  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  g_queue_init (&w->waiting);
  g_queue_init (&w->free_slots);
  w->slots = g_new0 (Slot, capacity + 1);
  for (guint i = 0; i <= capacity; i++) {
    w->slots[i].views = g_new (gfloat, floats);
    g_queue_push_tail (&w->free_slots, &w->slots[i]);
  }
  w->thread = g_thread_new ("egoaction", worker_loop, w);
  return w;
}

void
ego_action_worker_free (EgoActionWorker * w)
{
  guint n;
  if (w == NULL)
    return;
  g_mutex_lock (&w->lock);
  w->stop = TRUE;
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
  g_thread_join (w->thread);
  n = g_queue_get_length (&w->waiting) + g_queue_get_length (&w->free_slots);
  for (guint i = 0; i < n; i++)
    g_free (w->slots[i].views);
  g_queue_clear (&w->waiting);
  g_queue_clear (&w->free_slots);
  g_free (w->slots);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->cond);
  g_free (w);
}

guint
ego_action_worker_push (EgoActionWorker * w, const gfloat * views,
    GstClockTime ts, GstClockTime running, guint tag, gboolean reset)
{
  gsize floats = ego_action_core_frame_floats (w->core);
  guint dropped = 0;
  Slot *slot, *next;
  g_mutex_lock (&w->lock);
  slot = g_queue_pop_head (&w->free_slots);
  if (slot == NULL) {
    /* full: the oldest waiting frame makes room; a reset it carried goes
     * to the frame after it (the next to run), or to this one */
    slot = g_queue_pop_head (&w->waiting);
    dropped = 1;
    next = g_queue_peek_head (&w->waiting);
    if (next != NULL)
      next->reset |= slot->reset;
    else
      reset |= slot->reset;
  }
  memcpy (slot->views, views, floats * sizeof (gfloat));
  slot->ts = ts;
  slot->running = running;
  slot->tag = tag;
  slot->reset = reset || w->reset_next;
  w->reset_next = FALSE;
  g_queue_push_tail (&w->waiting, slot);
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
  return dropped;
}

void
ego_action_worker_flush (EgoActionWorker * w)
{
  Slot *slot;
  g_mutex_lock (&w->lock);
  while ((slot = g_queue_pop_head (&w->waiting)))
    g_queue_push_tail (&w->free_slots, slot);
  w->reset_next = TRUE;
  g_mutex_unlock (&w->lock);
}

void
ego_action_worker_drain (EgoActionWorker * w)
{
  g_mutex_lock (&w->lock);
  while (!w->stop && (w->busy || !g_queue_is_empty (&w->waiting)))
    g_cond_wait (&w->cond, &w->lock);
  g_mutex_unlock (&w->lock);
}
