/* gst-ego network library: layout network settings and model files.
 *
 * The "arch" member of the ego metadata describes the network as
 *   {"type": "stlt", "dim": 64, "attn_heads": 4, "spatial_layers": 1,
 *    "temporal_layers": 2, "mlp": 128, "max_boxes": 16, "max_frames": 32,
 *    "dropout": 0.0}
 * and "modality" must be "layout". The heads' class counts come from their
 * labels; "input" keeps its usual members (frames is the clip length, at
 * most max_frames; the size and normalisation are not used by this
 * network). Loading checks every tensor of the file against the
 * architecture: nothing missing, nothing extra, every shape and dtype as
 * built. */
#include "stlt_private.h"

#include <string.h>

#include "ego_error.h"
#include "safetensors.h"

typedef struct
{
  const char *member;
  int lo, hi;
  size_t offset;                /* of the int in EgoStltConfig */
} ArchInt;

static const ArchInt arch_ints[] = {
  {"dim", 1, 1024, G_STRUCT_OFFSET (EgoStltConfig, dim)},
  {"attn_heads", 1, 64, G_STRUCT_OFFSET (EgoStltConfig, attn_heads)},
  {"spatial_layers", 1, 16, G_STRUCT_OFFSET (EgoStltConfig, spatial_layers)},
  {"temporal_layers", 0, 16, G_STRUCT_OFFSET (EgoStltConfig,
          temporal_layers)},
  {"mlp", 1, 8192, G_STRUCT_OFFSET (EgoStltConfig, mlp)},
  {"max_boxes", 1, EGO_STLT_MAX_BOXES, G_STRUCT_OFFSET (EgoStltConfig,
          max_boxes)},
  {"max_frames", 1, EGO_STLT_MAX_FRAMES, G_STRUCT_OFFSET (EgoStltConfig,
          max_frames)},
};

static gboolean
arch_int (JsonObject * arch, const ArchInt * a, EgoStltConfig * cfg,
    const char *name, GError ** error)
{
  JsonNode *node = json_object_get_member (arch, a->member);
  gint64 v;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: ego metadata: arch.%s must be an integer", name, a->member);
    return FALSE;
  }
  v = json_node_get_int (node);
  if (v < a->lo || v > a->hi) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: ego metadata: arch.%s is %" G_GINT64_FORMAT
        ", must be %d to %d", name, a->member, (gint64) v, a->lo, a->hi);
    return FALSE;
  }
  G_STRUCT_MEMBER (int, cfg, a->offset) = (int) v;
  return TRUE;
}

static gboolean
arch_dropout (JsonObject * arch, EgoStltConfig * cfg, const char *name,
    GError ** error)
{
  JsonNode *drop = json_object_get_member (arch, "dropout");
  cfg->dropout = 0.0f;
  if (drop == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (drop)
      || (json_node_get_value_type (drop) != G_TYPE_DOUBLE
          && json_node_get_value_type (drop) != G_TYPE_INT64)) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: ego metadata: arch.dropout must be a number", name);
    return FALSE;
  }
  cfg->dropout = (float) json_node_get_double (drop);
  return TRUE;
}

/* the parts of the metadata outside arch that concern this network */
static gboolean
meta_is_layout (const EgoModelMeta * meta, const EgoStltConfig * cfg,
    const char *name, GError ** error)
{
  if (meta->modality == NULL || strcmp (meta->modality, "layout") != 0) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: ego metadata: modality is '%s', a layout network needs "
        "'layout'", name, meta->modality ? meta->modality : "(none)");
    return FALSE;
  }
  if (meta->frames > cfg->max_frames) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: ego metadata: input.frames is %d but arch.max_frames is %d",
        name, meta->frames, cfg->max_frames);
    return FALSE;
  }
  return TRUE;
}

gboolean
ego_stlt_config_from_meta (EgoStltConfig * cfg, const EgoModelMeta * meta,
    const char *name, GError ** error)
{
  JsonObject *arch = meta->arch;
  GError *err = NULL;
  const char *type;
  memset (cfg, 0, sizeof (*cfg));
  type = arch ? json_object_get_string_member_with_default (arch, "type",
      NULL) : NULL;
  if (type == NULL || strcmp (type, "stlt") != 0) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_UNSUPPORTED,
        "%s: ego metadata: arch.type must be \"stlt\"", name);
    return FALSE;
  }
  for (guint i = 0; i < G_N_ELEMENTS (arch_ints); i++)
    if (!arch_int (arch, &arch_ints[i], cfg, name, error))
      return FALSE;
  if (!arch_dropout (arch, cfg, name, error))
    return FALSE;
  cfg->n_heads = meta->n_heads;
  for (int h = 0; h < meta->n_heads; h++)
    cfg->classes[h] = meta->heads[h].n_labels;
  if (!ego_stlt_check_config (cfg, &err)) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "%s: %s", name,
        err->message);
    g_error_free (err);
    return FALSE;
  }
  return meta_is_layout (meta, cfg, name, error);
}

JsonObject *
ego_stlt_config_to_arch (const EgoStltConfig * cfg)
{
  JsonObject *arch = json_object_new ();
  json_object_set_string_member (arch, "type", "stlt");
  for (guint i = 0; i < G_N_ELEMENTS (arch_ints); i++)
    json_object_set_int_member (arch, arch_ints[i].member,
        G_STRUCT_MEMBER (int, cfg, arch_ints[i].offset));
  json_object_set_double_member (arch, "dropout", cfg->dropout);
  return arch;
}

/* ------------------------------------------------------------------------ */
/* Loading */

static EgoStlt *
stlt_from_file (const EgoSafetensors * st, EgoModelMeta * meta, GError ** error)
{
  const char *file = ego_safetensors_name (st);
  const char *json = ego_safetensors_metadata (st, "ego");
  EgoStltConfig cfg;
  EgoStlt *net;
  if (json == NULL) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_FORMAT,
        "%s: no 'ego' metadata: not a gst-ego model", file);
    return NULL;
  }
  if (!ego_model_meta_parse (meta, json, file, error)
      || !ego_stlt_config_from_meta (&cfg, meta, file, error))
    return NULL;
  net = ego_stlt_new_empty (&cfg, error);
  if (net == NULL || !ego_net_tensors_load (net->tensors, net->n_tensors, st,
          "layout architecture", error)) {
    ego_stlt_free (net);
    return NULL;
  }
  return net;
}

static EgoStlt *
load_parsed (EgoSafetensors * st, EgoModelMeta * meta, GError ** error)
{
  EgoStlt *net;
  if (st == NULL)
    return NULL;
  net = stlt_from_file (st, meta, error);
  if (net == NULL)
    ego_model_meta_clear (meta);
  ego_safetensors_free (st);
  return net;
}

EgoStlt *
ego_stlt_load (const char *path, EgoModelMeta * meta, GError ** error)
{
  memset (meta, 0, sizeof (*meta));
  return load_parsed (ego_safetensors_load (path, error), meta, error);
}

EgoStlt *
ego_stlt_load_bytes (const char *name, GBytes * bytes, EgoModelMeta * meta,
    GError ** error)
{
  memset (meta, 0, sizeof (*meta));
  return load_parsed (ego_safetensors_parse (name, bytes, error), meta, error);
}

/* ------------------------------------------------------------------------ */
/* Saving */

static gboolean
meta_matches (const EgoStlt * net, const EgoModelMeta * meta, GError ** error)
{
  const EgoStltConfig *cfg = &net->cfg;
  gboolean ok = meta->n_heads == cfg->n_heads;
  for (int h = 0; ok && h < meta->n_heads; h++)
    ok = meta->heads[h].n_labels == cfg->classes[h];
  if (!ok) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "layout network: the metadata's heads do not match the network");
    return FALSE;
  }
  return meta_is_layout (meta, cfg, "layout network", error);
}

gboolean
ego_stlt_save (EgoStlt * net, const EgoModelMeta * meta, const char *path,
    GError ** error)
{
  if (!meta_matches (net, meta, error))
    return FALSE;
  return ego_net_tensors_save (path, meta, ego_stlt_config_to_arch
      (&net->cfg), net->tensors, net->n_tensors, error);
}
