/* Element tests: small student models made on the spot. */
#include "egotestmodel.h"

#include <glib/gstdio.h>

#define META_JSON \
    "{\"format\": 1, \"kind\": \"student\", \"modality\": \"rgb\", " \
    "\"arch\": {}, \"input\": {\"width\": %d, \"height\": %d, " \
    "\"mean\": [0.45, 0.45, 0.45], \"std\": [0.225, 0.225, 0.225], " \
    "\"frames\": %d, \"frame_step\": %d}, \"heads\": [" \
    "{\"name\": \"verb\", \"labels\": %s}, {\"name\": \"noun\", \"labels\": [\"cup\", " \
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
      spec->frames, spec->frame_step, spec->verb_labels ? spec->verb_labels :
      "[\"take\", \"put\", \"open\", \"close\", \"stir\"]",
      spec->temperature);
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

gchar *
ego_test_teacher_write (const gchar * dir, const gchar * name,
    const gchar * modality, gint channels, gint size, gint frames,
    guint64 seed)
{
  const gchar *norm = channels == 3 ? "[0.45, 0.45, 0.45], \"std\": [0.225, "
      "0.225, 0.225]" : "[0.5, 0.5], \"std\": [0.25, 0.25]";
  gchar *json = g_strdup_printf ("{\"format\": 1, \"kind\": \"teacher\", "
      "\"modality\": \"%s\", \"arch\": {}, \"input\": {\"width\": %d, "
      "\"height\": %d, \"mean\": %s, \"frames\": %d, \"frame_step\": 4}, "
      "\"heads\": [{\"name\": \"verb\", \"labels\": [\"l\", \"r\"]}, "
      "{\"name\": \"noun\", \"labels\": [\"red\", \"green\", \"blue\"]}], "
      "\"temperature\": 1.0}", modality, size, size, norm, frames);
  gchar *path = g_build_filename (dir, name, NULL);
  EgoModelMeta meta;
  EgoNetConfig cfg;
  EgoNet *net;
  if (!ego_model_meta_parse (&meta, json, name, NULL))
    g_error ("test teacher meta");
  ego_net_config_default (&cfg);
  cfg.in_channels = channels;
  cfg.width = cfg.height = size;
  cfg.base_width = 8;
  cfg.n_stages = 2;
  cfg.shift_div = 4;
  cfg.shift = EGO_SHIFT_BIDIRECTIONAL;
  cfg.n_heads = 2;
  cfg.classes[0] = 2;
  cfg.classes[1] = 3;
  net = ego_net_new (&cfg, seed, NULL);
  for (gint h = 0; h < 2; h++) {
    gchar *wname = g_strdup_printf ("heads.%d.weight", h);
    EgoNetTensor *w = ego_net_find (net, wname);
    for (gsize i = 0; i < w->numel; i++)
      w->data[i] *= 30.0f;
    g_free (wname);
  }
  if (!ego_net_save (net, &meta, path, NULL))
    g_error ("test teacher save");
  ego_net_free (net);
  ego_model_meta_clear (&meta);
  g_free (json);
  return path;
}
