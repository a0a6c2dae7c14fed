/* gst-ego: read-only models shared between elements, see egomodelcache.h. */
#include "egomodelcache.h"

#include <gio/gio.h>

#include "ego_error.h"

#define DEFAULT_RESOURCE "/org/gst-ego/models/default.safetensors"

static GMutex cache_lock;
static GHashTable *cache;       /* key -> EgoModelRef, not owned */

static gchar *
cache_key (const gchar * path)
{
  if (path == NULL || *path == '\0')
    return g_strdup ("");
  /* one entry per file however it is spelled */
  return g_canonicalize_filename (path, NULL);
}

gboolean
ego_model_cache_has_default (void)
{
  return g_resources_get_info (DEFAULT_RESOURCE, 0, NULL, NULL, NULL);
}

static EgoNet *
load_default (EgoModelMeta * meta, GError ** error)
{
  GBytes *bytes = g_resources_lookup_data (DEFAULT_RESOURCE, 0, NULL);
  EgoNet *net;
  if (bytes == NULL) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_IO,
        "no default model is built into this plugin; set the model "
        "property to a model file");
    return NULL;
  }
  net = ego_net_load_bytes ("default model", bytes, meta, error);
  g_bytes_unref (bytes);
  return net;
}

/* egoaction runs RGB networks one frame at a time: a teacher that looks
 * at future frames, or a network of another modality (flow, audio, or RGB
 * with flow), cannot be streamed. */
static gboolean
streamable (const EgoModelRef * ref, const gchar * key, GError ** error)
{
  const EgoNetConfig *cfg = ego_net_config (ref->net);
  const gchar *name = *key ? key : "default model";
  if (g_strcmp0 (ref->meta.modality, "rgb") != 0 || cfg->in_channels != 3) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_UNSUPPORTED,
        "%s: a \"%s\" network (%d input channels); egoaction sees RGB "
        "frames only and runs RGB students", name, ref->meta.modality,
        cfg->in_channels);
    return FALSE;
  }
  if (cfg->shift == EGO_SHIFT_BIDIRECTIONAL) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_UNSUPPORTED,
        "%s: its temporal shift looks at future frames (bidirectional), so "
        "it cannot run on a stream; egoaction needs an online-shift student",
        name);
    return FALSE;
  }
  return TRUE;
}

static EgoModelRef *
ref_new (const gchar * key, GError ** error)
{
  EgoModelRef *ref = g_new0 (EgoModelRef, 1);
  ref->net = *key ? ego_net_load (key, &ref->meta, error) :
      load_default (&ref->meta, error);
  if (ref->net != NULL && !streamable (ref, key, error)) {
    ego_net_free (ref->net);
    ego_model_meta_clear (&ref->meta);
    ref->net = NULL;
  }
  if (ref->net == NULL) {
    g_free (ref);
    return NULL;
  }
  for (int h = 0; h < ref->meta.n_heads; h++) {
    const EgoHeadMeta *hm = &ref->meta.heads[h];
    ref->head_names[h] = g_intern_string (hm->name);
    ref->labels[h] = g_new (const gchar *, hm->n_labels);
    for (int i = 0; i < hm->n_labels; i++)
      ref->labels[h][i] = g_intern_string (hm->labels[i]);
  }
  ref->key = g_strdup (key);
  ref->refcount = 1;
  return ref;
}

static void
ref_free (EgoModelRef * ref)
{
  for (int h = 0; h < EGO_MAX_HEADS; h++)
    g_free (ref->labels[h]);
  ego_net_free (ref->net);
  ego_model_meta_clear (&ref->meta);
  g_free (ref->key);
  g_free (ref);
}

EgoModelRef *
ego_model_cache_get (const gchar * path, GError ** error)
{
  gchar *key = cache_key (path);
  EgoModelRef *ref;
  g_mutex_lock (&cache_lock);
  if (cache == NULL)
    cache = g_hash_table_new (g_str_hash, g_str_equal);
  ref = g_hash_table_lookup (cache, key);
  if (ref) {
    ref->refcount++;
  } else {
    /* loading under the lock: a second element waits and then shares */
    ref = ref_new (key, error);
    if (ref)
      g_hash_table_insert (cache, ref->key, ref);
  }
  g_mutex_unlock (&cache_lock);
  g_free (key);
  return ref;
}

void
ego_model_cache_unref (EgoModelRef * ref)
{
  if (ref == NULL)
    return;
  g_mutex_lock (&cache_lock);
  if (--ref->refcount == 0) {
    g_hash_table_remove (cache, ref->key);
    ref_free (ref);
  }
  g_mutex_unlock (&cache_lock);
}
