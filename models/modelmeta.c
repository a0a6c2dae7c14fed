/* gst-ego network library: the "ego" metadata of a model file.
 *
 * The JSON string comes from a file header, so it is hostile input: every
 * field is checked for presence, type and range, and the first problem is
 * reported as "<file>: ego metadata: <field> <problem>". Members this code
 * does not know are ignored, so later writers can add to the format without
 * breaking older readers; a change in meaning bumps "format".
 */
#include "modelmeta.h"

#include "dataset_csv.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

/* The JSON parser recurses; arch and provenance are free-form, so bound
 * their nesting before parsing. */
#define MAX_JSON_DEPTH 32
#define MAX_INPUT_SIZE 4096
#define MAX_FRAMES 256
#define MAX_FRAME_STEP 1000

static const char *const kinds[] = { "student", "teacher", NULL };

static const char *const modalities[] = { "rgb", "flow", "audio", "layout",
  "rgbflow", NULL
};

/* *INDENT-OFF* */
static gboolean fail (GError ** error, EgoErrorCode code, const char *name,
    const char *format, ...) G_GNUC_PRINTF (4, 5);
/* *INDENT-ON* */

/* Set error to "<name>: ego metadata: <message>"; returns FALSE. */
static gboolean
fail (GError ** error, EgoErrorCode code, const char *name,
    const char *format, ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, EGO_ERROR, code, "%s: ego metadata: %s", name, message);
  g_free (message);
  return FALSE;
}

void
ego_model_meta_clear (EgoModelMeta * meta)
{
  g_free (meta->kind);
  g_free (meta->modality);
  if (meta->arch)
    json_object_unref (meta->arch);
  if (meta->provenance)
    json_object_unref (meta->provenance);
  for (int h = 0; h < meta->n_heads && h < EGO_MAX_HEADS; h++) {
    g_free (meta->heads[h].name);
    /* free by count: callers may fill labels without a NULL terminator */
    for (int i = 0; meta->heads[h].labels && i < meta->heads[h].n_labels; i++)
      g_free (meta->heads[h].labels[i]);
    g_free (meta->heads[h].labels);
  }
  memset (meta, 0, sizeof (*meta));
}

/* ---------------------------------------------------------------------- */
/* typed members                                                          */

static gboolean
json_depth_ok (const char *json)
{
  int depth = 0;

  for (const char *p = json; *p; p++) {
    if (*p == '"') {
      /* skip the string; an unterminated one is the parser's to report */
      for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && p[1])
          p++;
      if (!*p)
        break;
    } else if (*p == '{' || *p == '[') {
      if (++depth > MAX_JSON_DEPTH)
        return FALSE;
    } else if (*p == '}' || *p == ']') {
      depth--;
    }
  }
  return TRUE;
}

/* An integer member in [min, max]; field names it in messages. */
static gboolean
get_int (JsonObject * obj, const char *key, const char *field, int min,
    int max, int *out, const char *name, GError ** error)
{
  JsonNode *node = json_object_get_member (obj, key);
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return fail (error, EGO_ERROR_FORMAT, name,
        "%s is missing or not an integer", field);
  v = json_node_get_int (node);
  if (v < min || v > max)
    return fail (error, EGO_ERROR_INVALID, name,
        "%s is %" G_GINT64_FORMAT ", expected %d..%d", field, v, min, max);
  *out = (int) v;
  return TRUE;
}

/* A JSON number (integer or not) as a double, or FALSE. */
static gboolean
node_number (JsonNode * node, double *out)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *out = (double) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else
    return FALSE;
  return TRUE;
}

/* A string member that is one of allowed (a NULL-terminated list). */
static gboolean
get_choice (JsonObject * obj, const char *key, const char *const *allowed,
    char **out, const char *name, GError ** error)
{
  JsonNode *node = json_object_get_member (obj, key);
  const char *s;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (error, EGO_ERROR_FORMAT, name,
        "%s is missing or not a string", key);
  s = json_node_get_string (node);
  for (int i = 0; allowed[i] != NULL; i++) {
    if (strcmp (s, allowed[i]) == 0) {
      *out = g_strdup (s);
      return TRUE;
    }
  }
  return fail (error, EGO_ERROR_UNSUPPORTED, name, "unknown %s '%s'", key, s);
}

/* JSON has no NaN or infinity, but the parser turns 1e999 into inf, which
 * to_json could not write back: refuse non-finite numbers anywhere. */
static gboolean
all_finite (JsonNode * node)
{
  if (JSON_NODE_HOLDS_OBJECT (node)) {
    JsonObjectIter iter;
    JsonNode *member;
    json_object_iter_init (&iter, json_node_get_object (node));
    while (json_object_iter_next (&iter, NULL, &member))
      if (!all_finite (member))
        return FALSE;
  } else if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *array = json_node_get_array (node);
    for (guint i = 0; i < json_array_get_length (array); i++)
      if (!all_finite (json_array_get_element (array, i)))
        return FALSE;
  } else if (JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_DOUBLE) {
    return isfinite (json_node_get_double (node));
  }
  return TRUE;
}

/* An object member as a new reference; absent is allowed when optional. */
static gboolean
get_object (JsonObject * obj, const char *key, gboolean optional,
    JsonObject ** out, const char *name, GError ** error)
{
  JsonNode *node = json_object_get_member (obj, key);

  if (node == NULL && optional) {
    *out = json_object_new ();
    return TRUE;
  }
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, EGO_ERROR_FORMAT, name,
        "%s is missing or not an object", key);
  if (!all_finite (node))
    return fail (error, EGO_ERROR_INVALID, name,
        "%s holds a number that is not finite", key);
  *out = json_object_ref (json_node_get_object (node));
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* sections                                                               */

/* input.mean or input.std: 1..EGO_MAX_CHANNELS finite floats. */
static gboolean
get_channels (JsonObject * input, const char *key, float *out, int *n,
    const char *name, GError ** error)
{
  JsonNode *node = json_object_get_member (input, key);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, EGO_ERROR_FORMAT, name,
        "input.%s is missing or not an array", key);
  array = json_node_get_array (node);
  *n = (int) json_array_get_length (array);
  if (*n < 1 || *n > EGO_MAX_CHANNELS)
    return fail (error, EGO_ERROR_INVALID, name,
        "input.%s has %d entries, expected 1..%d", key, *n, EGO_MAX_CHANNELS);
  for (int c = 0; c < *n; c++) {
    double v;
    if (!node_number (json_array_get_element (array, c), &v))
      return fail (error, EGO_ERROR_FORMAT, name,
          "input.%s[%d] is not a number", key, c);
    /* a finite double can still overflow the float it is stored in */
    if (!isfinite (v) || fabs (v) > FLT_MAX)
      return fail (error, EGO_ERROR_INVALID, name,
          "input.%s[%d] is not a finite float", key, c);
    out[c] = (float) v;
  }
  return TRUE;
}

static gboolean
parse_input (EgoModelMeta * meta, JsonObject * root, const char *name,
    GError ** error)
{
  JsonNode *node = json_object_get_member (root, "input");
  JsonObject *input;
  int n_std;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, EGO_ERROR_FORMAT, name,
        "input is missing or not an object");
  input = json_node_get_object (node);
  if (!get_int (input, "width", "input.width", 1, MAX_INPUT_SIZE,
          &meta->width, name, error)
      || !get_int (input, "height", "input.height", 1, MAX_INPUT_SIZE,
          &meta->height, name, error)
      || !get_int (input, "frames", "input.frames", 1, MAX_FRAMES,
          &meta->frames, name, error)
      || !get_int (input, "frame_step", "input.frame_step", 1,
          MAX_FRAME_STEP, &meta->frame_step, name, error)
      || !get_channels (input, "mean", meta->mean, &meta->channels, name, error)
      || !get_channels (input, "std", meta->std, &n_std, name, error))
    return FALSE;
  if (n_std != meta->channels)
    return fail (error, EGO_ERROR_INVALID, name,
        "input.mean has %d entries but input.std has %d", meta->channels,
        n_std);
  for (int c = 0; c < n_std; c++)
    if (!(meta->std[c] > 0.0f))
      return fail (error, EGO_ERROR_INVALID, name,
          "input.std[%d] is %g, expected > 0", c, meta->std[c]);
  return TRUE;
}

/* heads[h].labels: 1..EGO_MAX_LABELS distinct non-empty strings. */
static gboolean
parse_labels (EgoHeadMeta * head, JsonArray * array, int h,
    const char *name, GError ** error)
{
  int n = (int) json_array_get_length (array);
  GHashTable *seen;
  gboolean ok = TRUE;

  if (n < 1 || n > EGO_MAX_LABELS)
    return fail (error, EGO_ERROR_INVALID, name,
        "heads[%d].labels has %d entries, expected 1..%d", h, n,
        EGO_MAX_LABELS);
  head->labels = g_new0 (char *, n + 1);
  head->n_labels = n;
  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (int i = 0; ok && i < n; i++) {
    JsonNode *node = json_array_get_element (array, i);
    if (!JSON_NODE_HOLDS_VALUE (node)
        || json_node_get_value_type (node) != G_TYPE_STRING
        || json_node_get_string (node)[0] == '\0')
      ok = fail (error, EGO_ERROR_FORMAT, name,
          "heads[%d].labels[%d] is not a non-empty string", h, i);
    else if (!g_hash_table_add (seen, (gpointer) json_node_get_string (node)))
      ok = fail (error, EGO_ERROR_INVALID, name,
          "heads[%d].labels[%d] '%s' is a duplicate", h, i,
          json_node_get_string (node));
    else
      head->labels[i] = g_strdup (json_node_get_string (node));
  }
  g_hash_table_unref (seen);
  return ok;
}

static gboolean
parse_head (EgoModelMeta * meta, JsonNode * node, int h, const char *name,
    GError ** error)
{
  JsonObject *obj;
  JsonNode *member;
  const char *head_name;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, EGO_ERROR_FORMAT, name,
        "heads[%d] is not an object", h);
  obj = json_node_get_object (node);
  member = json_object_get_member (obj, "name");
  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member)
      || json_node_get_value_type (member) != G_TYPE_STRING
      || json_node_get_string (member)[0] == '\0')
    return fail (error, EGO_ERROR_FORMAT, name,
        "heads[%d].name is missing or not a non-empty string", h);
  head_name = json_node_get_string (member);
  if (ego_model_meta_head (meta, head_name) >= 0)
    return fail (error, EGO_ERROR_INVALID, name,
        "heads[%d].name '%s' is a duplicate", h, head_name);
  meta->heads[h].name = g_strdup (head_name);
  meta->n_heads = h + 1;
  member = json_object_get_member (obj, "labels");
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    return fail (error, EGO_ERROR_FORMAT, name,
        "heads[%d].labels is missing or not an array", h);
  return parse_labels (&meta->heads[h], json_node_get_array (member), h,
      name, error);
}

static gboolean
parse_heads (EgoModelMeta * meta, JsonObject * root, const char *name,
    GError ** error)
{
  JsonNode *node = json_object_get_member (root, "heads");
  JsonArray *heads;
  int n;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, EGO_ERROR_FORMAT, name,
        "heads is missing or not an array");
  heads = json_node_get_array (node);
  n = (int) json_array_get_length (heads);
  if (n < 1 || n > EGO_MAX_HEADS)
    return fail (error, EGO_ERROR_INVALID, name,
        "heads has %d entries, expected 1..%d", n, EGO_MAX_HEADS);
  for (int h = 0; h < n; h++)
    if (!parse_head (meta, json_array_get_element (heads, h), h, name, error))
      return FALSE;
  return TRUE;
}

static gboolean
parse_temperature (EgoModelMeta * meta, JsonObject * root, const char *name,
    GError ** error)
{
  JsonNode *node = json_object_get_member (root, "temperature");

  meta->temperature = 1.0;
  if (node == NULL)
    return TRUE;
  if (!node_number (node, &meta->temperature))
    return fail (error, EGO_ERROR_FORMAT, name, "temperature is not a number");
  if (!isfinite (meta->temperature) || !(meta->temperature > 0.0))
    return fail (error, EGO_ERROR_INVALID, name,
        "temperature is %g, expected a finite number > 0", meta->temperature);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* entry points                                                           */

static gboolean
parse_root (EgoModelMeta * meta, JsonObject * root, const char *name,
    GError ** error)
{
  JsonNode *node = json_object_get_member (root, "format");

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return fail (error, EGO_ERROR_FORMAT, name,
        "format is missing or not an integer");
  if (json_node_get_int (node) != EGO_META_FORMAT)
    return fail (error, EGO_ERROR_UNSUPPORTED, name,
        "unknown format version %" G_GINT64_FORMAT " (this build reads %d)",
        json_node_get_int (node), EGO_META_FORMAT);
  meta->format = EGO_META_FORMAT;
  return get_choice (root, "kind", kinds, &meta->kind, name, error)
      && get_choice (root, "modality", modalities, &meta->modality, name, error)
      && get_object (root, "arch", FALSE, &meta->arch, name, error)
      && parse_input (meta, root, name, error)
      && parse_heads (meta, root, name, error)
      && parse_temperature (meta, root, name, error)
      && get_object (root, "provenance", TRUE, &meta->provenance, name, error);
}

gboolean
ego_model_meta_parse (EgoModelMeta * meta, const char *json,
    const char *name, GError ** error)
{
  JsonParser *parser;
  JsonNode *root;
  GError *json_error = NULL;
  gboolean ok;

  memset (meta, 0, sizeof (*meta));
  if (json == NULL)
    return fail (error, EGO_ERROR_FORMAT, name, "missing");
  if (!json_depth_ok (json))
    return fail (error, EGO_ERROR_FORMAT, name,
        "nests deeper than %d levels", MAX_JSON_DEPTH);
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, json, -1, &json_error)) {
    fail (error, EGO_ERROR_FORMAT, name, "not valid JSON: %s",
        json_error->message);
    g_error_free (json_error);
    g_object_unref (parser);
    return FALSE;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    ok = fail (error, EGO_ERROR_FORMAT, name, "not a JSON object");
  else
    ok = parse_root (meta, json_node_get_object (root), name, error);
  g_object_unref (parser);
  if (!ok)
    ego_model_meta_clear (meta);
  return ok;
}

int
ego_model_meta_head (const EgoModelMeta * meta, const char *name)
{
  for (int h = 0; h < meta->n_heads; h++)
    if (meta->heads[h].name != NULL && strcmp (meta->heads[h].name, name) == 0)
      return h;
  return -1;
}

static JsonArray *
float_array (const float *values, int n)
{
  JsonArray *array = json_array_sized_new ((guint) n);

  for (int i = 0; i < n; i++)
    json_array_add_double_element (array, values[i]);
  return array;
}

static JsonArray *
heads_array (const EgoModelMeta * meta)
{
  JsonArray *heads = json_array_sized_new ((guint) meta->n_heads);

  for (int h = 0; h < meta->n_heads; h++) {
    JsonObject *head = json_object_new ();
    JsonArray *labels = json_array_sized_new ((guint) meta->heads[h].n_labels);
    for (int i = 0; i < meta->heads[h].n_labels; i++)
      json_array_add_string_element (labels, meta->heads[h].labels[i]);
    json_object_set_string_member (head, "name", meta->heads[h].name);
    json_object_set_array_member (head, "labels", labels);
    json_array_add_object_element (heads, head);
  }
  return heads;
}

char *
ego_model_meta_to_json (const EgoModelMeta * meta)
{
  JsonObject *root = json_object_new ();
  JsonObject *input = json_object_new ();
  JsonNode *node;
  char *json;

  json_object_set_int_member (input, "width", meta->width);
  json_object_set_int_member (input, "height", meta->height);
  json_object_set_array_member (input, "mean",
      float_array (meta->mean, meta->channels));
  json_object_set_array_member (input, "std",
      float_array (meta->std, meta->channels));
  json_object_set_int_member (input, "frames", meta->frames);
  json_object_set_int_member (input, "frame_step", meta->frame_step);

  json_object_set_int_member (root, "format", EGO_META_FORMAT);
  json_object_set_string_member (root, "kind", meta->kind);
  json_object_set_string_member (root, "modality", meta->modality);
  json_object_set_object_member (root, "arch",
      meta->arch ? json_object_ref (meta->arch) : json_object_new ());
  json_object_set_object_member (root, "input", input);
  json_object_set_array_member (root, "heads", heads_array (meta));
  json_object_set_double_member (root, "temperature", meta->temperature);
  json_object_set_object_member (root, "provenance",
      meta->provenance ? json_object_ref (meta->provenance) :
      json_object_new ());

  node = json_node_init_object (json_node_alloc (), root);
  json = json_to_string (node, FALSE);
  json_node_unref (node);
  json_object_unref (root);
  return json;
}

/* json_node_copy shares objects and arrays; copy them all. */
static JsonNode *
deep_copy_node (JsonNode * node)
{
  JsonNode *copy;

  if (JSON_NODE_HOLDS_OBJECT (node)) {
    JsonObject *object = json_object_new ();
    JsonObjectIter iter;
    const char *key;
    JsonNode *member;
    json_object_iter_init (&iter, json_node_get_object (node));
    while (json_object_iter_next (&iter, &key, &member))
      json_object_set_member (object, key, deep_copy_node (member));
    copy = json_node_init_object (json_node_alloc (), object);
    json_object_unref (object);
  } else if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *src = json_node_get_array (node);
    JsonArray *array = json_array_sized_new (json_array_get_length (src));
    for (guint i = 0; i < json_array_get_length (src); i++)
      json_array_add_element (array,
          deep_copy_node (json_array_get_element (src, i)));
    copy = json_node_init_array (json_node_alloc (), array);
    json_array_unref (array);
  } else {
    copy = json_node_copy (node);
  }
  return copy;
}

static JsonObject *
deep_copy_object (JsonObject * object)
{
  JsonNode *node, *copy;
  JsonObject *result;

  if (object == NULL)
    return NULL;
  node = json_node_init_object (json_node_alloc (), object);
  copy = deep_copy_node (node);
  result = json_object_ref (json_node_get_object (copy));
  json_node_unref (copy);
  json_node_unref (node);
  return result;
}

void
ego_model_meta_copy (EgoModelMeta * dst, const EgoModelMeta * src)
{
  *dst = *src;
  dst->kind = g_strdup (src->kind);
  dst->modality = g_strdup (src->modality);
  dst->arch = deep_copy_object (src->arch);
  dst->provenance = deep_copy_object (src->provenance);
  for (int h = 0; h < src->n_heads; h++) {
    dst->heads[h].name = g_strdup (src->heads[h].name);
    dst->heads[h].labels = g_new0 (char *, src->heads[h].n_labels + 1);
    for (int i = 0; i < src->heads[h].n_labels; i++)
      dst->heads[h].labels[i] = g_strdup (src->heads[h].labels[i]);
  }
}

JsonParser *
ego_json_load_file (const char *path, gsize max_bytes, GError ** error)
{
  JsonParser *parser = NULL;
  char *text;
  gsize len;

  if (ego_text_read (path, max_bytes, &text, &len, error)
      && ego_text_check (path, text, len, error)) {
    parser = json_parser_new_immutable ();
    if (!json_parser_load_from_data (parser, text, (gssize) len, error)) {
      g_prefix_error (error, "%s: ", path);
      g_clear_object (&parser);
    }
  }
  g_free (text);
  return parser;
}

char *
ego_json_quote (const char *text)
{
  JsonNode *node = json_node_init_string (json_node_alloc (), text);
  char *quoted = json_to_string (node, FALSE);
  json_node_unref (node);
  return quoted;
}
