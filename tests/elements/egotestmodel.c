/* Element tests: small student models made on the spot. */
#include "egotestmodel.h"

#include <glib/gstdio.h>

#define META_JSON \
    "{\"format\": 1, \"kind\": \"student\", \"modality\": \"rgb\", " \
    "\"arch\": {}, \"input\": {\"width\": %d, \"height\": %d, " \
    "\"mean\": [0.45, 0.45, 0.45], \"std\": [0.225, 0.225, 0.225], " \
    "\"frames\": %d, \"frame_step\": %d}, \"heads\": [" \
    "{\"name\": \"verb\", \"labels\": [\"take\", \"put\", \"open\", " \
    "\"close\", \"stir\"]}, {\"name\": \"noun\", \"labels\": [\"cup\", " \
    "\"knife\", \"jar\", \"pan\"]}], \"temperature\": %g, " \
    "\"provenance\": {\"source\": \"element test\"}}"

gchar *
ego_test_model_write (const gchar * dir, const gchar * name,
    const EgoTestModelSpec * spec)
{
  EgoNetConfig cfg;
  EgoModelMeta meta;
  EgoNet *net;
  GError *error = NULL;
  gchar *path = g_build_filename (dir, name, NULL);
  gchar *json = g_strdup_printf (META_JSON, spec->size, spec->size,
      spec->frames, spec->frame_step, spec->temperature);
  if (!ego_model_meta_parse (&meta, json, name, &error))
    g_error ("test model meta: %s", error->message);
  ego_net_config_default (&cfg);
  cfg.height = cfg.width = spec->size;
  cfg.base_width = spec->width;
  cfg.n_stages = spec->blocks;
  cfg.shift_div = 4;
  cfg.shift = spec->bidirectional ? EGO_SHIFT_BIDIRECTIONAL : EGO_SHIFT_ONLINE;
  cfg.n_heads = 2;
  cfg.classes[0] = 5;
  cfg.classes[1] = 4;
  net = ego_net_new (&cfg, 7, &error);
  g_assert_no_error (error);
  for (int h = 0; h < 2; h++) {
    gchar *wname = g_strdup_printf ("heads.%d.weight", h);
    EgoNetTensor *w = ego_net_find (net, wname);
    for (size_t i = 0; i < w->numel; i++)
      w->data[i] *= 300.0f;
    g_free (wname);
  }
  if (!ego_net_save (net, &meta, path, &error))
    g_error ("test model save: %s", error->message);
  ego_net_free (net);
  ego_model_meta_clear (&meta);
  g_free (json);
  return path;
}
