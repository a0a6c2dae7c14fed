/* gst-ego: egoteacher's fusion of its teachers, see egoteacherfuse.h. */
#include "egoteacherfuse.h"

#include <gst/ego/ego.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "ego_error.h"
#include "modelmeta.h"          /* ego_json_quote, ego_json_load_file */

/* a weights file holds a few numbers per head */
#define MAX_WEIGHTS_FILE (1024 * 1024)

struct _EgoTeacherFusion
{
  EgoFusionScheme scheme;
  gdouble tau_w;
  gint m;
  gchar **names;                /* (m) */
  gint n_heads;
  gchar *heads[EGO_MAX_HEADS];
  guint classes[EGO_MAX_HEADS];
  gsize offsets[EGO_MAX_HEADS]; /* of each head's values in a block */
  gsize n_values;
  gfloat *dataset_weights[EGO_MAX_HEADS];       /* (m), full-dataset */
  gfloat *values;               /* the clip under way's block */
  /* over the run */
  gint clips, labelled[EGO_MAX_HEADS], action_labelled;
  gint *right[EGO_MAX_HEADS];   /* (m + 1): each teacher, then fused */
  gint *action_right;           /* (m + 1) */
  GString *lines;               /* fused, or NULL */
  GString **teacher_lines;      /* (m), or NULL */
};

/* ------------------------------------------------------------------------ */
/* Fixed weights */

/* "head:name=w,name=w;..." into head\nname -> weight ("*" for any head) */
static gboolean
parse_weights_text (GHashTable * table, const gchar * text, GError ** error)
{
  gchar **groups = g_strsplit (text, ";", -1);
  gboolean ok = TRUE;
  for (gint g = 0; ok && groups[g]; g++) {
    gchar *colon = strchr (groups[g], ':'), **pairs, *head = NULL;
    if (colon) {
      *colon = '\0';
      head = g_strstrip (groups[g]);
    }
    pairs = g_strsplit (colon ? colon + 1 : groups[g], ",", -1);
    for (gint p = 0; ok && pairs[p]; p++) {
      gchar *eq = strchr (pairs[p], '='), *end = NULL;
      gdouble w = eq ? g_ascii_strtod (eq + 1, &end) : NAN;
      if (eq)
        *eq = '\0';
      ok = eq && end != eq + 1 && *g_strstrip (end) == '\0';
      if (ok)
        g_hash_table_insert (table, g_strconcat (head ? head : "*", "\n",
                g_strstrip (pairs[p]), NULL), g_memdup2 (&w, sizeof (w)));
      else
        g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "weights \"%s\": "
            "give name=weight pairs, as in \"rgb=0.7,flow=0.3\" or "
            "\"verb:rgb=0.4,flow=0.6;noun:rgb=0.9,flow=0.1\"", text);
    }
    g_strfreev (pairs);
  }
  g_strfreev (groups);
  return ok;
}

/* {"head": {"weights": {"name": w}}} or {"head": {"name": w}} */
static gboolean
parse_weights_file (GHashTable * table, const gchar * path, GError ** error)
{
  JsonParser *parser = ego_json_load_file (path, MAX_WEIGHTS_FILE, error);
  JsonNode *root;
  GList *heads;
  if (parser == NULL) {
    g_prefix_error (error, "weights: ");
    return FALSE;
  }
  root = json_parser_get_root (parser);
  heads = JSON_NODE_HOLDS_OBJECT (root) ?
      json_object_get_members (json_node_get_object (root)) : NULL;
  for (GList * l = heads; l; l = l->next) {
    JsonNode *node = json_object_get_member (json_node_get_object (root),
        l->data);
    JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ?
        json_node_get_object (node) : NULL;
    GList *names;
    if (o && json_object_has_member (o, "weights")
        && JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "weights")))
      o = json_object_get_object_member (o, "weights");
    names = o ? json_object_get_members (o) : NULL;
    for (GList * n = names; n; n = n->next) {
      JsonNode *v = json_object_get_member (o, n->data);
      gdouble w = JSON_NODE_HOLDS_VALUE (v)
          && json_node_get_value_type (v) != G_TYPE_STRING
          && json_node_get_value_type (v) != G_TYPE_BOOLEAN ?
          json_node_get_double (v) : NAN;
      g_hash_table_insert (table, g_strconcat (l->data, "\n", n->data, NULL),
          g_memdup2 (&w, sizeof (w)));
    }
    g_list_free (names);
  }
  g_list_free (heads);
  g_object_unref (parser);
  return TRUE;
}

static gboolean
lookup_weight (GHashTable * table, const gchar * head, const gchar * name,
    gdouble * w)
{
  gchar *key = g_strconcat (head, "\n", name, NULL);
  const gdouble *v = g_hash_table_lookup (table, key);
  g_free (key);
  if (v == NULL) {
    key = g_strconcat ("*\n", name, NULL);
    v = g_hash_table_lookup (table, key);
    g_free (key);
  }
  if (v)
    *w = *v;
  return v != NULL;
}

/* Every teacher's weight on head h, normalised. */
static gboolean
resolve_weights (EgoTeacherFusion * f, GHashTable * table, gint h,
    const gchar * spec, GError ** error)
{
  gdouble sum = 0.0, w[GST_EGO_TEACHER_MAX_TEACHERS];
  for (gint i = 0; i < f->m; i++) {
    if (!lookup_weight (table, f->heads[h], f->names[i], &w[i])) {
      g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "weights %s: no "
          "weight for teacher %s on head %s", spec, f->names[i], f->heads[h]);
      return FALSE;
    }
    if (!isfinite (w[i]) || w[i] < 0) {
      g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "weights %s: the "
          "weight of %s on head %s is not a number >= 0", spec, f->names[i],
          f->heads[h]);
      return FALSE;
    }
    sum += w[i];
  }
  if (!(sum > 0)) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "weights %s: the "
        "weights of head %s are all zero", spec, f->heads[h]);
    return FALSE;
  }
  f->dataset_weights[h] = g_new (gfloat, f->m);
  for (gint i = 0; i < f->m; i++)
    f->dataset_weights[h][i] = (gfloat) (w[i] / sum);
  return TRUE;
}

static gboolean
read_weights (EgoTeacherFusion * f, const gchar * spec, GError ** error)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, g_free);
  gboolean ok;
  if (spec == NULL || *spec == '\0') {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "the full-dataset "
        "scheme needs weights (\"rgb=0.7,flow=0.3\" or a JSON file)");
    g_hash_table_unref (table);
    return FALSE;
  }
  ok = strchr (spec, '=') ? parse_weights_text (table, spec, error) :
      parse_weights_file (table, spec, error);
  for (gint h = 0; ok && h < f->n_heads; h++)
    ok = resolve_weights (f, table, h, spec, error);
  g_hash_table_unref (table);
  return ok;
}

/* ------------------------------------------------------------------------ */

EgoTeacherFusion *
ego_teacher_fusion_new (EgoFusionScheme scheme, gdouble tau_w, gint m,
    const gchar * const *names, const EgoDatasetInfo * info,
    const gchar * weights, gboolean keep_lines, gboolean keep_teachers,
    GError ** error)
{
  EgoTeacherFusion *f = g_new0 (EgoTeacherFusion, 1);
  f->scheme = scheme;
  f->tau_w = tau_w;
  f->m = m;
  f->names = g_strdupv ((gchar **) names);
  f->n_heads = info->n_heads;
  for (gint h = 0; h < info->n_heads; h++) {
    f->heads[h] = g_strdup (info->heads[h]);
    f->classes[h] = (guint) info->n_labels[h];
    f->right[h] = g_new0 (gint, m + 1);
  }
  f->action_right = g_new0 (gint, m + 1);
  f->n_values = gst_ego_teacher_meta_values_size (f->n_heads, f->classes, m);
  for (gint h = 1; h < f->n_heads; h++)
    f->offsets[h] = f->offsets[h - 1] + gst_ego_teacher_meta_values_size (1,
        &f->classes[h - 1], m);
  if (keep_lines)
    f->lines = g_string_new (NULL);
  if (keep_lines && keep_teachers) {
    f->teacher_lines = g_new0 (GString *, m);
    for (gint i = 0; i < m; i++)
      f->teacher_lines[i] = g_string_new (NULL);
  }
  if (scheme == EGO_FUSION_FULL_DATASET && !read_weights (f, weights, error)) {
    ego_teacher_fusion_free (f);
    return NULL;
  }
  return f;
}

void
ego_teacher_fusion_free (EgoTeacherFusion * f)
{
  if (f == NULL)
    return;
  for (gint h = 0; h < EGO_MAX_HEADS; h++) {
    g_free (f->heads[h]);
    g_free (f->dataset_weights[h]);
    g_free (f->right[h]);
  }
  for (gint i = 0; f->teacher_lines && i < f->m; i++)
    g_string_free (f->teacher_lines[i], TRUE);
  g_free (f->teacher_lines);
  if (f->lines)
    g_string_free (f->lines, TRUE);
  g_free (f->action_right);
  g_free (f->values);
  g_strfreev (f->names);
  g_free (f);
}

void
ego_teacher_fusion_begin (EgoTeacherFusion * f)
{
  g_free (f->values);
  f->values = g_new0 (gfloat, f->n_values);
}

gfloat *
ego_teacher_fusion_logits (EgoTeacherFusion * f, gint h, gint i)
{
  return f->values + f->offsets[h] + f->classes[h] * (gsize) (1 + i);
}

/* ------------------------------------------------------------------------ */
/* Lines and tallies */

static void
append_json_string (GString * out, const gchar * text)
{
  gchar *quoted = ego_json_quote (text);
  g_string_append (out, quoted);
  g_free (quoted);
}

/* One teacher-logits line; logits[h] (classes) per head. */
static void
append_line (const EgoTeacherFusion * f, GString * out, const gchar * id,
    const gfloat * const *logits)
{
  g_string_append (out, "{\"narration_id\": ");
  append_json_string (out, id);
  for (gint h = 0; h < f->n_heads; h++) {
    g_string_append (out, ", ");
    append_json_string (out, f->heads[h]);
    g_string_append (out, ": [");
    for (guint c = 0; c < f->classes[h]; c++) {
      gchar num[G_ASCII_DTOSTR_BUF_SIZE];
      /* shortest text that reads back as the same float */
      g_ascii_formatd (num, sizeof (num), "%.9g", logits[h][c]);
      g_string_append_printf (out, "%s%s", c ? ", " : "", num);
    }
    g_string_append_c (out, ']');
  }
  g_string_append (out, "}\n");
}

static guint
argmax (const gfloat * z, guint k)
{
  guint best = 0;
  for (guint c = 1; c < k; c++)
    if (z[c] > z[best])
      best = c;
  return best;
}

/* Teacher i's (i == m: the fused) logits of head h in the block. */
static const gfloat *
head_logits (const EgoTeacherFusion * f, gint h, gint i)
{
  const gfloat *v = f->values + f->offsets[h];
  return i == f->m ? v : v + f->classes[h] * (gsize) (1 + i);
}

static void
keep (EgoTeacherFusion * f, const gchar * id, const gint * labels)
{
  gboolean action = f->n_heads >= 2 && labels[0] >= 0 && labels[1] >= 0;
  f->clips++;
  f->action_labelled += action;
  for (gint i = 0; i <= f->m; i++) {
    const gfloat *z[EGO_MAX_HEADS];
    gboolean all = TRUE;
    for (gint h = 0; h < f->n_heads; h++) {
      gboolean right;
      z[h] = head_logits (f, h, i);
      right = labels[h] >= 0 && argmax (z[h], f->classes[h]) ==
          (guint) labels[h];
      f->right[h][i] += right;
      all = all && (h >= 2 || right);
    }
    f->action_right[i] += action && all;
    if (i == f->m && f->lines)
      append_line (f, f->lines, id, z);
    else if (i < f->m && f->teacher_lines)
      append_line (f, f->teacher_lines[i], id, z);
  }
  for (gint h = 0; h < f->n_heads; h++)
    f->labelled[h] += labels[h] >= 0;
}

/* ------------------------------------------------------------------------ */

static gboolean
fuse_head (EgoTeacherFusion * f, gint h, const gchar * id, gint label,
    GError ** error)
{
  gfloat *fused = f->values + f->offsets[h];
  gfloat *logits = fused + f->classes[h];
  gfloat *weights = logits + (gsize) f->m * f->classes[h];
  int32_t y = label;
  if (f->scheme == EGO_FUSION_PER_SAMPLE && label < 0) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "clip %s has no %s "
        "class: per-sample weighting needs the labels", id, f->heads[h]);
    return FALSE;
  }
  if (!ego_fusion_weights (f->scheme, logits, &y, f->m, 1,
          (int) f->classes[h], f->tau_w, f->dataset_weights[h], weights,
          error)) {
    g_prefix_error (error, "clip %s, head %s: ", id, f->heads[h]);
    return FALSE;
  }
  ego_fusion_apply (logits, weights, f->m, 1, (int) f->classes[h], fused);
  return TRUE;
}

GBytes *
ego_teacher_fusion_finish (EgoTeacherFusion * f, const gchar * narration_id,
    const gint * labels, GError ** error)
{
  for (gint h = 0; h < f->n_heads; h++)
    if (!fuse_head (f, h, narration_id, labels[h], error))
      return NULL;
  keep (f, narration_id, labels);
  return g_bytes_new_take (g_steal_pointer (&f->values),
      sizeof (gfloat) * f->n_values);
}

static gchar *
teacher_path (const gchar * location, const gchar * name)
{
  gsize n = strlen (location);
  if (g_str_has_suffix (location, ".jsonl"))
    n -= strlen (".jsonl");
  return g_strdup_printf ("%.*s.%s.jsonl", (int) n, location, name);
}

gboolean
ego_teacher_fusion_write (const EgoTeacherFusion * f,
    const gchar * location, gboolean per_teacher, GError ** error)
{
  gboolean ok = g_file_set_contents (location, f->lines->str,
      (gssize) f->lines->len, error);
  for (gint i = 0; ok && per_teacher && i < f->m; i++) {
    gchar *path = teacher_path (location, f->names[i]);
    ok = g_file_set_contents (path, f->teacher_lines[i]->str,
        (gssize) f->teacher_lines[i]->len, error);
    g_free (path);
  }
  return ok;
}

static void
set_top1 (GstStructure * s, const gchar * name, const gchar * what,
    gint right, gint of)
{
  gchar *field = g_strdup_printf ("%s-%s-top1", name, what);
  gst_structure_set (s, field, G_TYPE_DOUBLE, of ? 100.0 * right / of : 0.0,
      NULL);
  g_free (field);
}

GstStructure *
ego_teacher_fusion_summary (const EgoTeacherFusion * f)
{
  GstStructure *s = gst_structure_new ("egoteacher-done",
      "clips", G_TYPE_INT, f->clips,
      "labelled", G_TYPE_INT, f->labelled[0], NULL);
  for (gint i = 0; i <= f->m; i++) {
    const gchar *name = i < f->m ? f->names[i] : "fused";
    for (gint h = 0; h < f->n_heads; h++)
      set_top1 (s, name, f->heads[h], f->right[h][i], f->labelled[h]);
    if (f->n_heads >= 2)
      set_top1 (s, name, "action", f->action_right[i], f->action_labelled);
  }
  return s;
}
