/* gst-ego: read-only models shared between elements.
 *
 * Elements that name the same model file share one loaded copy of its
 * weights (the network's folded weights are only read while streaming);
 * each element keeps its own stream state. The empty path means the
 * default model built into the plugin. */
#ifndef __EGO_MODEL_CACHE_H__
#define __EGO_MODEL_CACHE_H__

#include <glib.h>

#include "modelmeta.h"
#include "tsmnet.h"

typedef struct
{
  EgoNet *net;
  EgoModelMeta meta;
  /* interned labels per head, for metas and messages */
  const gchar **labels[EGO_MAX_HEADS];
  const gchar *head_names[EGO_MAX_HEADS];
  gchar *key;                   /* canonical path, or "" for the default */
  gint refcount;
} EgoModelRef;

/* New reference to the model at path (NULL or "" for the default). */
EgoModelRef *ego_model_cache_get (const gchar * path, GError ** error);
void ego_model_cache_unref (EgoModelRef * ref);
/* Whether a default model is built in. */
gboolean ego_model_cache_has_default (void);

#endif /* __EGO_MODEL_CACHE_H__ */
