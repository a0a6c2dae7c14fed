/* gst-ego: the history file of a training run (history.json), so that the
 * curves of a resumed run start at its first epoch:
 *
 *   {"step": N, "best_epoch": i or -1, "best_metric": x,
 *    "epochs": [{"epoch", "step", "loss", "loss_ce", "loss_kd", "lr",
 *                "seconds", "clips_per_second", "train_top1": [...],
 *                "validated", "top1": [...], "top5": [...], "ece": [...],
 *                "action_top1", "best"}, ...],
 *    "step_loss": [one per step]} */
#include "egotrainrun-private.h"

#include <string.h>

#include "ego_error.h"
#include "modelmeta.h"

/* a loss per step of a long run: 10^6 steps of about 20 bytes */
#define MAX_HISTORY_FILE (256 * 1024 * 1024)

static JsonArray *
doubles (const gdouble * v, gint n)
{
  JsonArray *a = json_array_new ();
  for (gint i = 0; i < n; i++)
    json_array_add_double_element (a, v[i]);
  return a;
}

static JsonObject *
epoch_object (const EgoEpochRecord * e, gint n_heads)
{
  JsonObject *o = json_object_new ();
  json_object_set_int_member (o, "epoch", e->epoch);
  json_object_set_int_member (o, "step", e->step);
  json_object_set_double_member (o, "loss", e->loss);
  json_object_set_double_member (o, "loss_ce", e->loss_ce);
  json_object_set_double_member (o, "loss_kd", e->loss_kd);
  json_object_set_double_member (o, "lr", e->lr);
  json_object_set_double_member (o, "seconds", e->seconds);
  json_object_set_double_member (o, "clips_per_second", e->clips_per_second);
  json_object_set_array_member (o, "train_top1", doubles (e->train_top1,
          n_heads));
  json_object_set_boolean_member (o, "validated", e->validated);
  json_object_set_array_member (o, "top1", doubles (e->top1, n_heads));
  json_object_set_array_member (o, "top5", doubles (e->top5, n_heads));
  json_object_set_array_member (o, "ece", doubles (e->ece, n_heads));
  json_object_set_double_member (o, "action_top1", e->action_top1);
  json_object_set_boolean_member (o, "best", e->best);
  return o;
}

gboolean
ego_run_save_history (const EgoRun * run, const gchar * path, GError ** error)
{
  JsonObject *root = json_object_new ();
  JsonArray *epochs = json_array_new (), *losses = json_array_new ();
  JsonNode *node;
  gchar *text;
  gboolean ok;
  for (guint i = 0; i < run->epochs->len; i++)
    json_array_add_object_element (epochs, epoch_object (&g_array_index
            (run->epochs, EgoEpochRecord, i), run->meta.n_heads));
  for (guint i = 0; i < run->step_loss->len; i++)
    json_array_add_double_element (losses, g_array_index (run->step_loss,
            gfloat, i));
  json_object_set_int_member (root, "step", run->step_loss->len);
  json_object_set_int_member (root, "best_epoch", run->best);
  json_object_set_double_member (root, "best_metric", run->best_metric);
  json_object_set_array_member (root, "epochs", epochs);
  json_object_set_array_member (root, "step_loss", losses);
  node = json_node_init_object (json_node_alloc (), root);
  text = json_to_string (node, FALSE);
  /* g_file_set_contents writes a temporary file and renames it */
  ok = g_file_set_contents (path, text, -1, error);
  g_free (text);
  json_node_unref (node);
  json_object_unref (root);
  return ok;
}

static JsonArray *
member_array (JsonObject * o, const gchar * name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static gboolean
read_doubles (JsonObject * o, const gchar * name, gdouble * out, gint n)
{
  JsonArray *a = member_array (o, name);
  if (a == NULL || (gint) json_array_get_length (a) != n)
    return FALSE;
  for (gint i = 0; i < n; i++)
    out[i] = json_array_get_double_element (a, i);
  return TRUE;
}

static gboolean
read_epoch (JsonObject * o, gint n_heads, EgoEpochRecord * e)
{
  memset (e, 0, sizeof (*e));
  e->epoch = (gint) json_object_get_int_member_with_default (o, "epoch", 0);
  e->step = (glong) json_object_get_int_member_with_default (o, "step", -1);
  e->loss = json_object_get_double_member_with_default (o, "loss", 0);
  e->loss_ce = json_object_get_double_member_with_default (o, "loss_ce", 0);
  e->loss_kd = json_object_get_double_member_with_default (o, "loss_kd", 0);
  e->lr = json_object_get_double_member_with_default (o, "lr", 0);
  e->seconds = json_object_get_double_member_with_default (o, "seconds", 0);
  e->clips_per_second = json_object_get_double_member_with_default (o,
      "clips_per_second", 0);
  e->validated = json_object_get_boolean_member_with_default (o,
      "validated", FALSE);
  e->action_top1 = json_object_get_double_member_with_default (o,
      "action_top1", -1);
  e->best = json_object_get_boolean_member_with_default (o, "best", FALSE);
  return e->epoch >= 1 && e->step >= 1
      && read_doubles (o, "train_top1", e->train_top1, n_heads)
      && read_doubles (o, "top1", e->top1, n_heads)
      && read_doubles (o, "top5", e->top5, n_heads)
      && read_doubles (o, "ece", e->ece, n_heads);
}

/* The records up to the checkpoint's step: a crash after the history was
 * written and before the checkpoint leaves an epoch too many. */
static gboolean
read_history (EgoRun * run, JsonObject * root, glong step)
{
  JsonArray *epochs = member_array (root, "epochs");
  JsonArray *losses = member_array (root, "step_loss");
  if (epochs == NULL || losses == NULL
      || (glong) json_array_get_length (losses) < step)
    return FALSE;
  g_array_set_size (run->epochs, 0);
  g_array_set_size (run->step_loss, 0);
  run->best = -1;
  for (guint i = 0; i < json_array_get_length (epochs); i++) {
    JsonNode *n = json_array_get_element (epochs, i);
    EgoEpochRecord e;
    if (!JSON_NODE_HOLDS_OBJECT (n)
        || !read_epoch (json_node_get_object (n), run->meta.n_heads, &e))
      return FALSE;
    if (e.step > step)
      break;
    if (e.validated && (run->best < 0
            || ego_run_metric (&e) > run->best_metric)) {
      run->best = (gint) i;
      run->best_metric = ego_run_metric (&e);
    }
    g_array_append_val (run->epochs, e);
  }
  for (glong i = 0; i < step; i++) {
    gfloat v = (gfloat) json_array_get_double_element (losses, (guint) i);
    g_array_append_val (run->step_loss, v);
  }
  return TRUE;
}

gboolean
ego_run_load_history (EgoRun * run, const gchar * path, glong step,
    GError ** error)
{
  JsonParser *parser = ego_json_load_file (path, MAX_HISTORY_FILE, error);
  JsonNode *root;
  gboolean ok = parser != NULL;
  if (ok) {
    root = json_parser_get_root (parser);
    ok = root && JSON_NODE_HOLDS_OBJECT (root)
        && read_history (run, json_node_get_object (root), step);
    if (!ok)
      g_set_error (error, EGO_ERROR, EGO_ERROR_FORMAT,
          "%s: not the history of this run's checkpoint (step %ld)", path,
          step);
  }
  g_clear_object (&parser);
  return ok;
}
