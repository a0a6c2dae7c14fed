/* gst-ego: teacher logits from JSON lines, see egoteacherlogits.h. */
#include "egoteacherlogits.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "dataset_csv.h"
#include "ego_error.h"

/* a line of 4096 classes x 4 heads of long numbers fits easily */
#define MAX_LINE (4 * 1024 * 1024)
/* EPIC-Kitchens-100's 67217 training clips, 397 logits each written with
 * 9 digits, take about 300 MB */
#define MAX_FILE ((gsize) 2 * 1024 * 1024 * 1024)

struct _EgoTeacherLogits
{
  gchar *path;
  gint n_heads;
  gchar *heads[EGO_MAX_HEADS];
  gint classes[EGO_MAX_HEADS];
  gint stride;                  /* floats per clip */
  GHashTable *index;            /* id -> 1 + clip number */
  GArray *lines;                /* (clips) of gint: line of each clip */
  GArray *values;               /* (clips, stride) floats */
};

static gboolean
fail (GError ** error, const EgoTeacherLogits * t, gint line,
    const gchar * format, ...)
G_GNUC_PRINTF (4, 5);

     static gboolean
         fail (GError ** error, const EgoTeacherLogits * t, gint line,
    const gchar * format, ...)
{
  va_list args;
  gchar *reason;
  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, EGO_ERROR, EGO_ERROR_FORMAT, "%s:%d: %s", t->path,
      line, reason);
  g_free (reason);
  return FALSE;
}

/* NaN and Infinity are not JSON, but Python's json.dumps writes them. */
static gboolean
has_non_finite_token (const gchar * text)
{
  return strstr (text, "NaN") != NULL || strstr (text, "Infinity") != NULL;
}

static gboolean
parse_head (EgoTeacherLogits * t, JsonObject * obj, gint h, gint line,
    gfloat * out, GError ** error)
{
  JsonNode *node = json_object_get_member (obj, t->heads[h]);
  JsonArray *array;
  guint n;
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, t, line, "no \"%s\" array of logits", t->heads[h]);
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n != (guint) t->classes[h])
    return fail (error, t, line, "\"%s\" has %u logits, but the %s head has "
        "%d classes", t->heads[h], n, t->heads[h], t->classes[h]);
  for (guint i = 0; i < n; i++) {
    JsonNode *e = json_array_get_element (array, i);
    GType type = JSON_NODE_HOLDS_VALUE (e) ? json_node_get_value_type (e) :
        G_TYPE_INVALID;
    gdouble v;
    if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
      return fail (error, t, line, "\"%s\"[%u] is not a number", t->heads[h],
          i);
    v = json_node_get_double (e);
    if (!isfinite (v) || fabs (v) > 3.0e38)
      return fail (error, t, line, "\"%s\"[%u] is not a finite logit",
          t->heads[h], i);
    out[i] = (gfloat) v;
  }
  return TRUE;
}

static gboolean
parse_line (EgoTeacherLogits * t, JsonParser * parser, const gchar * text,
    gint line, GError ** error)
{
  JsonNode *root;
  JsonObject *obj;
  const gchar *id;
  gint previous;
  guint clip = t->lines->len;
  if (!json_parser_load_from_data (parser, text, -1, NULL))
    return has_non_finite_token (text) ?
        fail (error, t, line, "a logit is NaN or Infinity") :
        fail (error, t, line, "not a JSON object");
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return fail (error, t, line, "not a JSON object");
  obj = json_node_get_object (root);
  if (!json_object_has_member (obj, "narration_id")
      || json_node_get_value_type (json_object_get_member (obj,
              "narration_id")) != G_TYPE_STRING)
    return fail (error, t, line, "no \"narration_id\" string");
  id = json_object_get_string_member (obj, "narration_id");
  previous = GPOINTER_TO_INT (g_hash_table_lookup (t->index, id));
  if (previous)
    return fail (error, t, line, "narration_id \"%s\" was given before, on "
        "line %d", id, g_array_index (t->lines, gint, previous - 1));
  g_array_set_size (t->values, (clip + 1) * t->stride);
  for (gint h = 0, off = 0; h < t->n_heads; off += t->classes[h], h++)
    if (!parse_head (t, obj, h, line, &g_array_index (t->values, gfloat,
                clip * t->stride + off), error))
      return FALSE;
  g_array_append_val (t->lines, line);
  g_hash_table_insert (t->index, g_strdup (id), GINT_TO_POINTER (clip + 1));
  return TRUE;
}

/* every line of text (len bytes, NUL-terminated, valid UTF-8 without NUL
 * bytes), each at most MAX_LINE long */
static gboolean
parse_lines (EgoTeacherLogits * t, const gchar * text, gsize len,
    GError ** error)
{
  JsonParser *parser = json_parser_new_immutable ();
  const gchar *p = text, *end = text + len;
  gboolean ok = TRUE;
  for (gint line = 1; ok && p < end; line++) {
    const gchar *eol = memchr (p, '\n', (gsize) (end - p));
    gsize n = (gsize) ((eol ? eol : end) - p);
    gchar *one;
    if (n > MAX_LINE) {
      ok = fail (error, t, line, "line longer than %d bytes", MAX_LINE);
      break;
    }
    one = g_strndup (p, n);
    if (*g_strstrip (one) != '\0')
      ok = parse_line (t, parser, one, line, error);
    g_free (one);
    p += n + 1;
  }
  g_object_unref (parser);
  return ok;
}

EgoTeacherLogits *
ego_teacher_logits_parse (const gchar * name, const gchar * text, gsize len,
    gint n_heads, gchar * const *heads, const gint * classes,
    GError ** error)
{
  EgoTeacherLogits *t;
  gboolean ok;
  if (!ego_text_check (name, text, len, error))
    return NULL;
  t = g_new0 (EgoTeacherLogits, 1);
  t->path = g_strdup (name);
  t->n_heads = n_heads;
  for (gint h = 0; h < n_heads; h++) {
    t->heads[h] = g_strdup (heads[h]);
    t->classes[h] = classes[h];
    t->stride += classes[h];
  }
  t->index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  t->lines = g_array_new (FALSE, FALSE, sizeof (gint));
  t->values = g_array_new (FALSE, FALSE, sizeof (gfloat));
  ok = parse_lines (t, text, len, error);
  if (!ok) {
    ego_teacher_logits_free (t);
    return NULL;
  }
  return t;
}

EgoTeacherLogits *
ego_teacher_logits_load (const gchar * path, gint n_heads,
    gchar * const *heads, const gint * classes, GError ** error)
{
  EgoTeacherLogits *t = NULL;
  gchar *text;
  gsize len;
  if (ego_text_read (path, MAX_FILE, &text, &len, error)) {
    t = ego_teacher_logits_parse (path, text, len, n_heads, heads, classes,
        error);
    g_free (text);
  }
  return t;
}

void
ego_teacher_logits_free (EgoTeacherLogits * t)
{
  if (t == NULL)
    return;
  g_free (t->path);
  for (gint h = 0; h < EGO_MAX_HEADS; h++)
    g_free (t->heads[h]);
  g_hash_table_unref (t->index);
  g_array_free (t->lines, TRUE);
  g_array_free (t->values, TRUE);
  g_free (t);
}

const gfloat *
ego_teacher_logits_lookup (const EgoTeacherLogits * t,
    const gchar * narration_id, gint head)
{
  gint clip = narration_id ? GPOINTER_TO_INT (g_hash_table_lookup (t->index,
          narration_id)) : 0;
  gint off = 0;
  if (clip == 0 || head < 0 || head >= t->n_heads)
    return NULL;
  for (gint h = 0; h < head; h++)
    off += t->classes[h];
  return &g_array_index (t->values, gfloat, (clip - 1) * t->stride + off);
}

gboolean
ego_teacher_logits_fill (const EgoTeacherLogits * t, EgoClipCache * cache,
    const gchar * const *ids, GError ** error)
{
  const EgoClipCacheSpec *spec = ego_clip_cache_spec (cache);
  gint missing = 0, first = -1;
  for (gint i = 0; i < spec->n_clips; i++) {
    if (ego_teacher_logits_lookup (t, ids[i], 0) == NULL) {
      if (missing++ == 0)
        first = i;
      continue;
    }
    for (gint h = 0; h < spec->n_heads; h++)
      memcpy (ego_clip_cache_teacher (cache, i, h),
          ego_teacher_logits_lookup (t, ids[i], h),
          sizeof (gfloat) * spec->classes[h]);
  }
  if (missing)
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: no line for clip %s (%d of the %d training clips have no "
        "logits)", t->path, ids[first] ? ids[first] : "(unknown)", missing,
        spec->n_clips);
  return missing == 0;
}
