/* gst-ego network library: tsmnet settings and model files.
 *
 * The "arch" member of the ego metadata describes a tsmnet as
 *   {"type": "tsmnet", "in_channels": 3, "width": 32, "blocks": [1, 1, 1, 1],
 *    "shift": "online" | "bidirectional" | "none", "shift_div": 8,
 *    "dropout": 0.0}
 * The input size comes from "input", the heads' class counts from their
 * labels. Loading checks every tensor of the file against the architecture:
 * nothing missing, nothing extra, every shape and dtype as built. */
#include "tsmnet_private.h"

#include <string.h>

#include "ego_error.h"
#include "safetensors.h"

static const char *shift_names[] = { "none", "online", "bidirectional" };

static gboolean
arch_int (JsonObject * arch, const char *member, int lo, int hi, int *out,
    const char *name, GError ** error)
{
  JsonNode *node = json_object_get_member (arch, member);
  gint64 v;
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: ego metadata: arch.%s must be an integer", name, member);
    return FALSE;
  }
  v = json_node_get_int (node);
  if (v < lo || v > hi) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: ego metadata: arch.%s is %" G_GINT64_FORMAT
        ", must be %d to %d", name, member, (gint64) v, lo, hi);
    return FALSE;
  }
  *out = (int) v;
  return TRUE;
}

static gboolean
arch_blocks (JsonObject * arch, EgoNetConfig * cfg, const char *name,
    GError ** error)
{
  JsonNode *node = json_object_get_member (arch, "blocks");
  JsonArray *a;
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)
      || json_array_get_length (json_node_get_array (node)) < 1
      || json_array_get_length (json_node_get_array (node)) >
      EGO_NET_MAX_STAGES) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: ego metadata: arch.blocks must be an array of 1 to %d "
        "integers", name, EGO_NET_MAX_STAGES);
    return FALSE;
  }
  a = json_node_get_array (node);
  cfg->n_stages = (int) json_array_get_length (a);
  for (int s = 0; s < cfg->n_stages; s++) {
    JsonNode *e = json_array_get_element (a, s);
    if (json_node_get_value_type (e) != G_TYPE_INT64
        || json_node_get_int (e) < 1 || json_node_get_int (e) > 16) {
      g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
          "%s: ego metadata: arch.blocks[%d] must be 1 to 16", name, s);
      return FALSE;
    }
    cfg->blocks[s] = (int) json_node_get_int (e);
  }
  return TRUE;
}

static gboolean
arch_shift (JsonObject * arch, EgoNetConfig * cfg, const char *name,
    GError ** error)
{
  const char *v = json_object_get_string_member_with_default (arch, "shift",
      NULL);
  JsonNode *drop = json_object_get_member (arch, "dropout");
  for (int i = 0; v && i < 3; i++)
    if (strcmp (v, shift_names[i]) == 0)
      cfg->shift = (EgoShiftMode) i;
  if (v == NULL || strcmp (v, shift_names[cfg->shift]) != 0) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: ego metadata: arch.shift must be \"online\", \"bidirectional\" "
        "or \"none\"", name);
    return FALSE;
  }
  cfg->dropout = 0.0f;
  if (drop) {
    if (json_node_get_value_type (drop) != G_TYPE_DOUBLE
        && json_node_get_value_type (drop) != G_TYPE_INT64) {
      g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
          "%s: ego metadata: arch.dropout must be a number", name);
      return FALSE;
    }
    cfg->dropout = (float) json_node_get_double (drop);
  }
  return TRUE;
}

gboolean
ego_net_config_from_meta (EgoNetConfig * cfg, const EgoModelMeta * meta,
    const char *name, GError ** error)
{
  JsonObject *arch = meta->arch;
  GError *err = NULL;
  const char *type;
  memset (cfg, 0, sizeof (*cfg));
  type = arch ? json_object_get_string_member_with_default (arch, "type",
      NULL) : NULL;
  if (type == NULL || strcmp (type, "tsmnet") != 0) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_UNSUPPORTED,
        "%s: ego metadata: arch.type must be \"tsmnet\"", name);
    return FALSE;
  }
  if (!arch_int (arch, "in_channels", 1, EGO_MAX_CHANNELS, &cfg->in_channels,
          name, error) || !arch_int (arch, "width", 1, 512, &cfg->base_width,
          name, error) || !arch_int (arch, "shift_div", 1, 64,
          &cfg->shift_div, name, error) || !arch_blocks (arch, cfg, name,
          error) || !arch_shift (arch, cfg, name, error))
    return FALSE;
  if (cfg->in_channels != meta->channels) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: ego metadata: arch.in_channels is %d but input.mean has %d "
        "values", name, cfg->in_channels, meta->channels);
    return FALSE;
  }
  cfg->height = meta->height;
  cfg->width = meta->width;
  cfg->n_heads = meta->n_heads;
  for (int h = 0; h < meta->n_heads; h++)
    cfg->classes[h] = meta->heads[h].n_labels;
  if (!ego_net_check_config (cfg, &err)) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "%s: %s", name,
        err->message);
    g_error_free (err);
    return FALSE;
  }
  return TRUE;
}

JsonObject *
ego_net_config_to_arch (const EgoNetConfig * cfg)
{
  JsonObject *arch = json_object_new ();
  JsonArray *blocks = json_array_new ();
  json_object_set_string_member (arch, "type", "tsmnet");
  json_object_set_int_member (arch, "in_channels", cfg->in_channels);
  json_object_set_int_member (arch, "width", cfg->base_width);
  for (int s = 0; s < cfg->n_stages; s++)
    json_array_add_int_element (blocks, cfg->blocks[s]);
  json_object_set_array_member (arch, "blocks", blocks);
  json_object_set_string_member (arch, "shift", shift_names[cfg->shift]);
  json_object_set_int_member (arch, "shift_div", cfg->shift_div);
  json_object_set_double_member (arch, "dropout", cfg->dropout);
  return arch;
}

/* ------------------------------------------------------------------------ */
/* Loading */

static char *
shape_string (int ndim, const int64_t * shape)
{
  GString *s = g_string_new ("[");
  for (int d = 0; d < ndim; d++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? ", " : "",
        (gint64) shape[d]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static gboolean
check_head_rows (EgoNet * net, const EgoModelMeta * meta,
    const EgoSafetensors * st, GError ** error)
{
  for (int h = 0; h < meta->n_heads; h++) {
    char *wname = g_strdup_printf ("heads.%d.weight", h);
    const EgoStTensor *t = ego_safetensors_find (st, wname);
    gboolean ok = t == NULL || t->ndim != 2
        || t->shape[0] == meta->heads[h].n_labels;
    if (!ok)
      g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
          "%s: head '%s' has %d labels but its classifier '%s' has %"
          G_GINT64_FORMAT " rows", ego_safetensors_name (st),
          meta->heads[h].name, meta->heads[h].n_labels, wname,
          (gint64) t->shape[0]);
    g_free (wname);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

static gboolean
bind_tensor (EgoNetTensor * nt, const EgoSafetensors * st, GError ** error)
{
  const char *file = ego_safetensors_name (st);
  const EgoStTensor *t = ego_safetensors_find (st, nt->name);
  gboolean same = t != NULL && t->ndim == nt->ndim;
  for (int d = 0; same && d < nt->ndim; d++)
    same = t->shape[d] == nt->shape[d];
  if (t == NULL) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: tensor '%s' is missing", file, nt->name);
    return FALSE;
  }
  if (t->dtype != EGO_DTYPE_F32) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: tensor '%s' must be F32", file, nt->name);
    return FALSE;
  }
  if (!same) {
    int64_t want[4];
    char *got_s, *want_s;
    for (int d = 0; d < nt->ndim; d++)
      want[d] = nt->shape[d];
    got_s = shape_string (t->ndim, t->shape);
    want_s = shape_string (nt->ndim, want);
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: tensor '%s' has shape %s, the architecture needs %s", file,
        nt->name, got_s, want_s);
    g_free (got_s);
    g_free (want_s);
    return FALSE;
  }
  memcpy (nt->data, t->data, nt->numel * sizeof (float));
  return TRUE;
}

static gboolean
has_tensor (const EgoNetTensor * tensors, int n, const char *name)
{
  for (int i = 0; i < n; i++)
    if (strcmp (tensors[i].name, name) == 0)
      return TRUE;
  return FALSE;
}

gboolean
ego_net_tensors_load (EgoNetTensor * tensors, int n_tensors,
    const EgoSafetensors * st, const char *arch, GError ** error)
{
  for (int i = 0; i < n_tensors; i++)
    if (!bind_tensor (&tensors[i], st, error))
      return FALSE;
  for (int i = 0; i < ego_safetensors_count (st); i++) {
    const EgoStTensor *t = ego_safetensors_tensor (st, i);
    if (!has_tensor (tensors, n_tensors, t->name)) {
      g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
          "%s: tensor '%s' is not part of the %s",
          ego_safetensors_name (st), t->name, arch);
      return FALSE;
    }
  }
  return TRUE;
}

static EgoNet *
net_from_file (const EgoSafetensors * st, EgoModelMeta * meta,
    GError ** error)
{
  const char *file = ego_safetensors_name (st);
  const char *json = ego_safetensors_metadata (st, "ego");
  EgoNetConfig cfg;
  EgoNet *net;
  if (json == NULL) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_FORMAT,
        "%s: no 'ego' metadata: not a gst-ego model", file);
    return NULL;
  }
  if (!ego_model_meta_parse (meta, json, file, error))
    return NULL;
  if (!ego_net_config_from_meta (&cfg, meta, file, error))
    return NULL;
  net = ego_net_new_empty (&cfg, error);
  if (net == NULL || !check_head_rows (net, meta, st, error)
      || !ego_net_tensors_load (net->tensors, net->n_tensors, st,
          "architecture", error)
      || !ego_net_prepare_inference (net, error)) {
    ego_net_free (net);
    return NULL;
  }
  return net;
}

EgoNet *
ego_net_load (const char *path, EgoModelMeta * meta, GError ** error)
{
  EgoSafetensors *st = ego_safetensors_load (path, error);
  EgoNet *net;
  memset (meta, 0, sizeof (*meta));
  if (st == NULL)
    return NULL;
  net = net_from_file (st, meta, error);
  if (net == NULL)
    ego_model_meta_clear (meta);
  ego_safetensors_free (st);
  return net;
}

EgoNet *
ego_net_load_bytes (const char *name, GBytes * bytes, EgoModelMeta * meta,
    GError ** error)
{
  EgoSafetensors *st = ego_safetensors_parse (name, bytes, error);
  EgoNet *net;
  memset (meta, 0, sizeof (*meta));
  if (st == NULL)
    return NULL;
  net = net_from_file (st, meta, error);
  if (net == NULL)
    ego_model_meta_clear (meta);
  ego_safetensors_free (st);
  return net;
}

/* ------------------------------------------------------------------------ */
/* Saving */

static gboolean
meta_matches (const EgoNet * net, const EgoModelMeta * meta, GError ** error)
{
  const EgoNetConfig *cfg = &net->cfg;
  gboolean ok = meta->n_heads == cfg->n_heads && meta->width == cfg->width
      && meta->height == cfg->height && meta->channels == cfg->in_channels;
  for (int h = 0; ok && h < meta->n_heads; h++)
    ok = meta->heads[h].n_labels == cfg->classes[h];
  if (!ok)
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "network: the metadata's input or heads do not match the network");
  return ok;
}

gboolean
ego_net_tensors_save (const char *path, const EgoModelMeta * meta,
    JsonObject * arch, const EgoNetTensor * tensors, int n_tensors,
    GError ** error)
{
  EgoModelMeta out;
  EgoStTensor *ts;
  char *json;
  const char *kv[3];
  gboolean ok;
  ego_model_meta_copy (&out, meta);
  if (out.arch)
    json_object_unref (out.arch);
  out.arch = arch;
  json = ego_model_meta_to_json (&out);
  ts = g_new0 (EgoStTensor, n_tensors);
  for (int i = 0; i < n_tensors; i++) {
    const EgoNetTensor *nt = &tensors[i];
    ts[i].name = nt->name;
    ts[i].dtype = EGO_DTYPE_F32;
    ts[i].ndim = nt->ndim;
    for (int d = 0; d < nt->ndim; d++)
      ts[i].shape[d] = nt->shape[d];
    ts[i].numel = (int64_t) nt->numel;
    ts[i].data = nt->data;
    ts[i].nbytes = nt->numel * sizeof (float);
  }
  kv[0] = "ego";
  kv[1] = json;
  kv[2] = NULL;
  ok = ego_safetensors_save (path, ts, n_tensors, kv, error);
  g_free (ts);
  g_free (json);
  ego_model_meta_clear (&out);
  return ok;
}

gboolean
ego_net_save (EgoNet * net, const EgoModelMeta * meta, const char *path,
    GError ** error)
{
  if (!meta_matches (net, meta, error))
    return FALSE;
  return ego_net_tensors_save (path, meta, ego_net_config_to_arch (&net->cfg),
      net->tensors, net->n_tensors, error);
}
