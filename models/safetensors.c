/* gst-ego network library: safetensors reader and writer.
 *
 * Everything read is hostile input. The loader reads the whole file into
 * memory (not mmap: a file truncated while mapped would raise SIGBUS), then
 * checks, in order: the 8-byte header length against the file, the header
 * text (UTF-8, nesting depth, duplicate names, JSON object), every entry's
 * dtype, shape and data_offsets, that the tensors tile the data section
 * without overlaps or gaps, and that F32 values are finite. The first problem
 * is reported as "<file>: <problem>".
 *
 * Tensors are listed in file order (by data offset). A tensor whose bytes
 * are not aligned for its element type in memory (a header length that is
 * not a multiple of 8, or a U8 tensor before an F32 one) is copied into an
 * aligned buffer, so callers can always read data as float / int32_t.
 */
#include "safetensors.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sys/stat.h>

#if G_BYTE_ORDER != G_LITTLE_ENDIAN
/* safetensors data is little-endian and is used in place */
#error "this reader assumes a little-endian host"
#endif

/* safetensors headers nest three levels (root, entry, shape); anything much
 * deeper is an attack on the recursive JSON parser's stack */
#define MAX_HEADER_DEPTH 16

struct _EgoSafetensors
{
  char *name;
  GBytes *bytes;                /* the whole file */
  int n_tensors;
  EgoStTensor *tensors;         /* sorted by data offset */
  GHashTable *by_name;          /* name -> EgoStTensor*, into tensors */
  GHashTable *metadata;         /* owned key -> owned value */
  GPtrArray *copies;            /* aligned copies of misaligned tensors */
};

/* A tensor entry while the header is checked, before its data is placed. */
typedef struct
{
  EgoStTensor t;
  guint64 begin, end;
} Entry;

static const struct
{
  const char *name;
  EgoDType dtype;
  size_t size;
} dtypes[] = {
  {"F32", EGO_DTYPE_F32, 4},
  {"I32", EGO_DTYPE_I32, 4},
  {"I64", EGO_DTYPE_I64, 8},
  {"U8", EGO_DTYPE_U8, 1},
};

static size_t
dtype_size (EgoDType dtype)
{
  for (size_t i = 0; i < G_N_ELEMENTS (dtypes); i++)
    if (dtypes[i].dtype == dtype)
      return dtypes[i].size;
  return 0;
}

static const char *
dtype_name (EgoDType dtype)
{
  for (size_t i = 0; i < G_N_ELEMENTS (dtypes); i++)
    if (dtypes[i].dtype == dtype)
      return dtypes[i].name;
  return NULL;
}

/* Set error to "<name>: <message>". Returns NULL/FALSE for tail calls. */
/* *INDENT-OFF* */
static gpointer fail (GError ** error, EgoErrorCode code, const char *name,
    const char *format, ...) G_GNUC_PRINTF (4, 5);
/* *INDENT-ON* */

static gpointer
fail (GError ** error, EgoErrorCode code, const char *name,
    const char *format, ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, EGO_ERROR, code, "%s: %s", name, message);
  g_free (message);
  return NULL;
}

void
ego_safetensors_free (EgoSafetensors * st)
{
  if (st == NULL)
    return;
  for (int i = 0; i < st->n_tensors; i++)
    g_free (st->tensors[i].name);
  g_free (st->tensors);
  if (st->by_name)
    g_hash_table_unref (st->by_name);
  if (st->metadata)
    g_hash_table_unref (st->metadata);
  if (st->copies)
    g_ptr_array_unref (st->copies);
  if (st->bytes)
    g_bytes_unref (st->bytes);
  g_free (st->name);
  g_free (st);
}

/* ---------------------------------------------------------------------- */
/* header text                                                            */

/* Index of the closing quote of the string opening at text[i], or len. */
static gsize
string_end (const char *text, gsize len, gsize i)
{
  for (i++; i < len; i++) {
    if (text[i] == '\\')
      i++;
    else if (text[i] == '"')
      return i;
  }
  return len;
}

typedef struct
{
  int root_members;             /* ':' directly inside the root object */
  int entry_members;            /* ':' inside objects that are root values */
  char *duplicate;              /* a root key seen twice, as written */
} HeaderScan;

/* A light pass over the header text before the JSON parser sees it: the
 * parser recurses (so depth is bounded here), and it silently keeps only the
 * last of duplicate keys (so members are counted here and compared with what
 * it kept). Strings are skipped, not decoded; the JSON parser judges
 * syntax. */
static gboolean
scan_header (const char *text, gsize len, const char *name, HeaderScan * scan,
    GError ** error)
{
  GHashTable *keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  int depth = 0;
  gboolean expect_key = FALSE;

  for (gsize i = 0; i < len; i++) {
    char c = text[i];
    if (c == '"') {
      gsize j = string_end (text, len, i);
      if (expect_key && depth == 1 && j < len && scan->duplicate == NULL) {
        char *key = g_strndup (text + i + 1, j - i - 1);
        if (!g_hash_table_add (keys, key))
          scan->duplicate = g_strdup (key);
      }
      i = j;
      expect_key = FALSE;
    } else if (c == '{' || c == '[') {
      if (++depth > MAX_HEADER_DEPTH) {
        g_hash_table_unref (keys);
        return fail (error, EGO_ERROR_FORMAT, name,
            "header nests deeper than %d levels", MAX_HEADER_DEPTH) != NULL;
      }
      expect_key = (c == '{' && depth == 1);
    } else if (c == '}' || c == ']') {
      depth--;
      expect_key = FALSE;
    } else if (c == ',' && depth == 1) {
      expect_key = TRUE;
    } else if (c == ':') {
      scan->root_members += depth == 1;
      scan->entry_members += depth == 2;
    } else if (!g_ascii_isspace (c)) {
      expect_key = FALSE;
    }
  }
  g_hash_table_unref (keys);
  return TRUE;
}

/* Count the members the JSON parser kept in objects that are root values. */
static int
kept_entry_members (JsonObject * root)
{
  JsonObjectIter iter;
  JsonNode *node;
  int n = 0;

  json_object_iter_init (&iter, root);
  while (json_object_iter_next (&iter, NULL, &node))
    if (JSON_NODE_HOLDS_OBJECT (node))
      n += json_object_get_size (json_node_get_object (node));
  return n;
}

/* Parse the header text into a JSON object (a new reference). */
static JsonObject *
parse_header (const char *text, gsize len, const char *name, GError ** error)
{
  HeaderScan scan = { 0, 0, NULL };
  JsonParser *parser;
  JsonNode *root;
  JsonObject *object = NULL;
  GError *json_error = NULL;

  if (!g_utf8_validate_len (text, len, NULL))
    return fail (error, EGO_ERROR_FORMAT, name,
        "header is not valid UTF-8 (or contains a NUL byte)");
  if (!scan_header (text, len, name, &scan, error)) {
    g_free (scan.duplicate);
    return NULL;
  }
  if (scan.duplicate != NULL) {
    fail (error, EGO_ERROR_FORMAT, name, "header has duplicate tensor name "
        "'%s'", scan.duplicate);
    g_free (scan.duplicate);
    return NULL;
  }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, text, (gssize) len, &json_error)) {
    fail (error, EGO_ERROR_FORMAT, name, "header is not valid JSON: %s",
        json_error->message);
    g_error_free (json_error);
    g_object_unref (parser);
    return NULL;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_object_unref (parser);
    return fail (error, EGO_ERROR_FORMAT, name, "header is not a JSON object");
  }
  object = json_object_ref (json_node_get_object (root));
  g_object_unref (parser);

  /* the scan saw raw keys; escapes can spell one name two ways */
  if ((int) json_object_get_size (object) != scan.root_members) {
    fail (error, EGO_ERROR_FORMAT, name,
        "header has duplicate tensor names (%d members, %u distinct)",
        scan.root_members, json_object_get_size (object));
    json_object_unref (object);
    return NULL;
  }
  if (kept_entry_members (object) != scan.entry_members) {
    json_object_unref (object);
    return fail (error, EGO_ERROR_FORMAT, name,
        "header has an entry with a duplicate key");
  }
  return object;
}

/* ---------------------------------------------------------------------- */
/* entries                                                                */

/* A non-negative JSON integer, or FALSE. */
static gboolean
node_uint (JsonNode * node, guint64 * value)
{
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (node);
  if (v < 0)
    return FALSE;
  *value = (guint64) v;
  return TRUE;
}

static gboolean
parse_dtype (JsonObject * entry, const char *tname, const char *name,
    EgoDType * dtype, GError ** error)
{
  JsonNode *node = json_object_get_member (entry, "dtype");
  const char *s;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (error, EGO_ERROR_FORMAT, name,
        "tensor '%s' has no dtype string", tname) != NULL;
  s = json_node_get_string (node);
  for (size_t i = 0; i < G_N_ELEMENTS (dtypes); i++) {
    if (strcmp (s, dtypes[i].name) == 0) {
      *dtype = dtypes[i].dtype;
      return TRUE;
    }
  }
  return fail (error, EGO_ERROR_UNSUPPORTED, name,
      "tensor '%s' has dtype '%s' (supported: F32, I32, I64, U8)", tname,
      s) != NULL;
}

static gboolean
parse_shape (JsonObject * entry, const char *name, EgoStTensor * t,
    GError ** error)
{
  JsonNode *node = json_object_get_member (entry, "shape");
  JsonArray *shape;
  guint ndim;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, EGO_ERROR_FORMAT, name,
        "tensor '%s' has no shape array", t->name) != NULL;
  shape = json_node_get_array (node);
  ndim = json_array_get_length (shape);
  if (ndim > EGO_ST_MAX_DIMS)
    return fail (error, EGO_ERROR_UNSUPPORTED, name,
        "tensor '%s' has %u dimensions (at most %d)", t->name, ndim,
        EGO_ST_MAX_DIMS) != NULL;
  t->ndim = (int) ndim;
  t->numel = 1;
  for (guint d = 0; d < ndim; d++) {
    guint64 dim;
    if (!node_uint (json_array_get_element (shape, d), &dim))
      return fail (error, EGO_ERROR_FORMAT, name,
          "tensor '%s' shape[%u] is not a non-negative integer", t->name,
          d) != NULL;
    if (dim != 0 && (guint64) t->numel > (guint64) G_MAXINT64 / dim)
      return fail (error, EGO_ERROR_INVALID, name,
          "tensor '%s' shape overflows 64 bits", t->name) != NULL;
    t->shape[d] = (int64_t) dim;
    t->numel *= (int64_t) dim;
  }
  return TRUE;
}

static gboolean
parse_offsets (JsonObject * entry, const char *name, guint64 data_size,
    Entry * e, GError ** error)
{
  JsonNode *node = json_object_get_member (entry, "data_offsets");
  JsonArray *offsets;
  size_t elsize = dtype_size (e->t.dtype);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)
      || json_array_get_length (offsets = json_node_get_array (node)) != 2
      || !node_uint (json_array_get_element (offsets, 0), &e->begin)
      || !node_uint (json_array_get_element (offsets, 1), &e->end))
    return fail (error, EGO_ERROR_FORMAT, name,
        "tensor '%s' data_offsets is not [begin, end] of non-negative "
        "integers", e->t.name) != NULL;
  if (e->begin > e->end)
    return fail (error, EGO_ERROR_INVALID, name,
        "tensor '%s' data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
        ") end before they begin", e->t.name, e->begin, e->end) != NULL;
  if (e->end > data_size)
    return fail (error, EGO_ERROR_INVALID, name,
        "tensor '%s' data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
        ") exceed the data section (%" G_GUINT64_FORMAT " bytes)", e->t.name,
        e->begin, e->end, data_size) != NULL;
  /* numel * elsize cannot overflow: compare through a division */
  if ((guint64) e->t.numel != (e->end - e->begin) / elsize
      || (e->end - e->begin) % elsize != 0)
    return fail (error, EGO_ERROR_INVALID, name,
        "tensor '%s' has %" G_GINT64_FORMAT " %s elements (%s bytes each) but "
        "data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ") hold %"
        G_GUINT64_FORMAT " bytes", e->t.name, (gint64) e->t.numel,
        dtype_name (e->t.dtype), elsize == 8 ? "8" : elsize == 4 ? "4" : "1",
        e->begin, e->end, e->end - e->begin) != NULL;
  e->t.nbytes = (size_t) (e->end - e->begin);
  return TRUE;
}

static gboolean
parse_entry (const char *tname, JsonNode * node, const char *name,
    guint64 data_size, Entry * e, GError ** error)
{
  JsonObject *entry;

  e->t.name = g_strdup (tname);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, EGO_ERROR_FORMAT, name,
        "tensor '%s' is not a JSON object", tname) != NULL;
  entry = json_node_get_object (node);
  return parse_dtype (entry, tname, name, &e->t.dtype, error)
      && parse_shape (entry, name, &e->t, error)
      && parse_offsets (entry, name, data_size, e, error);
}

static GHashTable *
parse_metadata (JsonNode * node, const char *name, GError ** error)
{
  GHashTable *metadata = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, g_free);
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (node == NULL)
    return metadata;
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_hash_table_unref (metadata);
    return fail (error, EGO_ERROR_FORMAT, name,
        "__metadata__ is not a JSON object");
  }
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &key, &value)) {
    if (!JSON_NODE_HOLDS_VALUE (value)
        || json_node_get_value_type (value) != G_TYPE_STRING) {
      g_hash_table_unref (metadata);
      return fail (error, EGO_ERROR_FORMAT, name,
          "__metadata__ value of '%s' is not a string", key);
    }
    g_hash_table_insert (metadata, g_strdup (key),
        g_strdup (json_node_get_string (value)));
  }
  return metadata;
}

/* ---------------------------------------------------------------------- */
/* layout and data                                                        */

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  const Entry *x = a, *y = b;

  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return strcmp (x->t.name, y->t.name);
}

/* The format requires the tensors to tile the data section exactly. */
static gboolean
check_layout (Entry * entries, int n, guint64 data_size, const char *name,
    GError ** error)
{
  guint64 next = 0;

  qsort (entries, (size_t) n, sizeof (Entry), compare_entries);
  for (int i = 0; i < n; i++) {
    if (entries[i].begin < next)
      return fail (error, EGO_ERROR_INVALID, name,
          "tensors '%s' and '%s' overlap at byte %" G_GUINT64_FORMAT,
          entries[i - 1].t.name, entries[i].t.name, entries[i].begin) != NULL;
    if (entries[i].begin > next)
      return fail (error, EGO_ERROR_INVALID, name,
          "gap in the data section: bytes [%" G_GUINT64_FORMAT ", %"
          G_GUINT64_FORMAT ") before tensor '%s' belong to no tensor", next,
          entries[i].begin, entries[i].t.name) != NULL;
    next = entries[i].end;
  }
  if (next != data_size)
    return fail (error, EGO_ERROR_INVALID, name,
        "gap in the data section: bytes [%" G_GUINT64_FORMAT ", %"
        G_GUINT64_FORMAT ") after the last tensor belong to no tensor", next,
        data_size) != NULL;
  return TRUE;
}

/* Index of the first NaN or infinite float in data, or -1. */
static int64_t
first_non_finite (const float *data, int64_t n)
{
  for (int64_t i = 0; i < n; i++)
    if (!isfinite (data[i]))
      return i;
  return -1;
}

static const guint64 empty_data = 0;

/* Point each tensor at its bytes (copying misaligned ones) and check that
 * F32 values are finite. */
static gboolean
place_data (EgoSafetensors * st, Entry * entries, const guint8 * data,
    GError ** error)
{
  for (int i = 0; i < st->n_tensors; i++) {
    EgoStTensor *t = &entries[i].t;
    const guint8 *p = data + entries[i].begin;
    int64_t bad;

    if (t->nbytes == 0) {
      /* never read, but callers may pass it to memcpy: keep it valid */
      p = (const guint8 *) &empty_data;
    } else if ((guintptr) p % dtype_size (t->dtype) != 0) {
      /* g_malloc memory is aligned for any basic type */
      p = g_memdup2 (p, t->nbytes);
      g_ptr_array_add (st->copies, (gpointer) p);
    }
    t->data = p;
    if (t->dtype == EGO_DTYPE_F32
        && (bad = first_non_finite (t->data, t->numel)) >= 0)
      return fail (error, EGO_ERROR_INVALID, st->name,
          "tensor '%s' holds %s at index %" G_GINT64_FORMAT, t->name,
          isnan (((const float *) t->data)[bad]) ? "NaN" : "Inf",
          (gint64) bad) != NULL;
  }
  return TRUE;
}

/* Check every header member and the data; fill st->tensors. */
static gboolean
parse_entries (EgoSafetensors * st, JsonObject * root, const guint8 * data,
    guint64 data_size, GError ** error)
{
  int n = (int) json_object_get_size (root);
  Entry *entries = g_new0 (Entry, MAX (n, 1));
  JsonObjectIter iter;
  const char *tname;
  JsonNode *node;
  gboolean ok = TRUE;
  int count = 0;

  json_object_iter_init (&iter, root);
  while (ok && json_object_iter_next (&iter, &tname, &node)) {
    if (strcmp (tname, "__metadata__") == 0)
      ok = (st->metadata = parse_metadata (node, st->name, error)) != NULL;
    else
      ok = parse_entry (tname, node, st->name, data_size, &entries[count++],
          error);
  }
  if (st->metadata == NULL)
    st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
        g_free);
  st->n_tensors = count;
  ok = ok && check_layout (entries, count, data_size, st->name, error)
      && place_data (st, entries, data, error);
  if (!ok) {
    for (int i = 0; i < count; i++)
      g_free (entries[i].t.name);
    st->n_tensors = 0;
    g_free (entries);
    return FALSE;
  }
  st->tensors = g_new0 (EgoStTensor, MAX (count, 1));
  for (int i = 0; i < count; i++) {
    st->tensors[i] = entries[i].t;
    g_hash_table_insert (st->by_name, st->tensors[i].name, &st->tensors[i]);
  }
  g_free (entries);
  return TRUE;
}

/* The 8-byte little-endian header length, checked against the file. */
static gboolean
read_header_length (const guint8 * base, gsize size, const char *name,
    guint64 * length, GError ** error)
{
  guint64 le;

  if (size < 8)
    return fail (error, EGO_ERROR_FORMAT, name,
        "file is %" G_GSIZE_FORMAT " bytes, too short for the 8-byte header "
        "length", size) != NULL;
  memcpy (&le, base, 8);
  *length = GUINT64_FROM_LE (le);
  if (*length < 2)
    return fail (error, EGO_ERROR_FORMAT, name,
        "header length %" G_GUINT64_FORMAT " is too small for a JSON object",
        *length) != NULL;
  if (*length > EGO_ST_MAX_HEADER)
    return fail (error, EGO_ERROR_FORMAT, name,
        "header length %" G_GUINT64_FORMAT " exceeds the limit of %d bytes",
        *length, EGO_ST_MAX_HEADER) != NULL;
  if (*length > size - 8)
    return fail (error, EGO_ERROR_FORMAT, name,
        "header length %" G_GUINT64_FORMAT " exceeds the %" G_GSIZE_FORMAT
        " bytes that follow it", *length, size - 8) != NULL;
  return TRUE;
}

EgoSafetensors *
ego_safetensors_parse (const char *name, GBytes * bytes, GError ** error)
{
  gsize size;
  const guint8 *base = g_bytes_get_data (bytes, &size);
  guint64 header_length = 0;
  JsonObject *root;
  EgoSafetensors *st;

  if (!read_header_length (base, size, name, &header_length, error))
    return NULL;
  root = parse_header ((const char *) base + 8, header_length, name, error);
  if (root == NULL)
    return NULL;

  st = g_new0 (EgoSafetensors, 1);
  st->name = g_strdup (name);
  st->bytes = g_bytes_ref (bytes);
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  st->copies = g_ptr_array_new_with_free_func (g_free);
  if (!parse_entries (st, root, base + 8 + header_length,
          size - 8 - header_length, error)) {
    ego_safetensors_free (st);
    st = NULL;
  }
  json_object_unref (root);
  return st;
}

EgoSafetensors *
ego_safetensors_load (const char *path, GError ** error)
{
  char *contents;
  gsize length;
  GError *file_error = NULL;
  GBytes *bytes;
  EgoSafetensors *st;
  GStatBuf sb;

  /* a FIFO or a device would block or never end; a missing file is
   * named by the read below */
  if (g_stat (path, &sb) == 0) {
    if (!S_ISREG (sb.st_mode))
      return fail (error, EGO_ERROR_IO, path, "is not a regular file");
    if ((guint64) sb.st_size > EGO_ST_MAX_FILE)
      return fail (error, EGO_ERROR_FORMAT, path, "is %" G_GUINT64_FORMAT
          " bytes, more than the limit of %" G_GSIZE_FORMAT,
          (guint64) sb.st_size, EGO_ST_MAX_FILE);
  }
  if (!g_file_get_contents (path, &contents, &length, &file_error)) {
    /* GFileError messages already name the file */
    g_set_error_literal (error, EGO_ERROR, EGO_ERROR_IO, file_error->message);
    g_error_free (file_error);
    return NULL;
  }
  bytes = g_bytes_new_take (contents, length);
  st = ego_safetensors_parse (path, bytes, error);
  g_bytes_unref (bytes);
  return st;
}

int
ego_safetensors_count (const EgoSafetensors * st)
{
  return st->n_tensors;
}

const EgoStTensor *
ego_safetensors_tensor (const EgoSafetensors * st, int i)
{
  if (i < 0 || i >= st->n_tensors)
    return NULL;
  return &st->tensors[i];
}

const EgoStTensor *
ego_safetensors_find (const EgoSafetensors * st, const char *name)
{
  return g_hash_table_lookup (st->by_name, name);
}

const char *
ego_safetensors_metadata (const EgoSafetensors * st, const char *key)
{
  return g_hash_table_lookup (st->metadata, key);
}

const char *
ego_safetensors_name (const EgoSafetensors * st)
{
  return st->name;
}

/* ---------------------------------------------------------------------- */
/* writing                                                                */

/* Refuse to write what the loader would refuse to read. */
static gboolean
check_tensor_to_save (const EgoStTensor * t, GHashTable * seen,
    const char *path, GError ** error)
{
  int64_t numel = 1;
  size_t elsize = dtype_size (t->dtype);

  if (t->name == NULL || strcmp (t->name, "__metadata__") == 0
      || !g_utf8_validate (t->name, -1, NULL))
    return fail (error, EGO_ERROR_INVALID, path,
        "cannot save a tensor without a valid name") != NULL;
  if (!g_hash_table_add (seen, t->name))
    return fail (error, EGO_ERROR_INVALID, path,
        "cannot save two tensors named '%s'", t->name) != NULL;
  if (elsize == 0 || t->ndim < 0 || t->ndim > EGO_ST_MAX_DIMS)
    return fail (error, EGO_ERROR_INVALID, path,
        "tensor '%s' has an unknown dtype or %d dimensions", t->name,
        t->ndim) != NULL;
  for (int d = 0; d < t->ndim; d++) {
    if (t->shape[d] < 0 || (t->shape[d] != 0
            && numel > G_MAXINT64 / t->shape[d]))
      return fail (error, EGO_ERROR_INVALID, path,
          "tensor '%s' has a bad shape[%d]", t->name, d) != NULL;
    numel *= t->shape[d];
  }
  if (numel != t->numel || (guint64) numel > G_MAXSIZE / elsize
      || (size_t) numel * elsize != t->nbytes || (t->nbytes && !t->data))
    return fail (error, EGO_ERROR_INVALID, path,
        "tensor '%s' shape, numel and nbytes disagree", t->name) != NULL;
  if (t->dtype == EGO_DTYPE_F32) {
    /* the data may not be float-aligned; copy to check */
    float *copy = g_memdup2 (t->data, t->nbytes);
    int64_t bad = first_non_finite (copy, numel);
    g_free (copy);
    if (bad >= 0)
      return fail (error, EGO_ERROR_INVALID, path,
          "tensor '%s' holds a NaN or Inf at index %" G_GINT64_FORMAT,
          t->name, (gint64) bad) != NULL;
  }
  return TRUE;
}

static void
add_tensor_entry (JsonBuilder * b, const EgoStTensor * t, guint64 begin)
{
  json_builder_set_member_name (b, t->name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "dtype");
  json_builder_add_string_value (b, dtype_name (t->dtype));
  json_builder_set_member_name (b, "shape");
  json_builder_begin_array (b);
  for (int d = 0; d < t->ndim; d++)
    json_builder_add_int_value (b, t->shape[d]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "data_offsets");
  json_builder_begin_array (b);
  json_builder_add_int_value (b, (gint64) begin);
  json_builder_add_int_value (b, (gint64) (begin + t->nbytes));
  json_builder_end_array (b);
  json_builder_end_object (b);
}

/* The header JSON, padded with spaces to a multiple of 8 bytes so the data
 * that follows the 8-byte length stays 8-byte aligned. */
static GString *
build_header (const EgoStTensor * tensors, int n_tensors,
    const char *const *metadata)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root;
  guint64 offset = 0;
  GString *header;
  char *text;

  json_builder_begin_object (b);
  if (metadata != NULL && metadata[0] != NULL) {
    json_builder_set_member_name (b, "__metadata__");
    json_builder_begin_object (b);
    for (int i = 0; metadata[i] != NULL && metadata[i + 1] != NULL; i += 2) {
      json_builder_set_member_name (b, metadata[i]);
      json_builder_add_string_value (b, metadata[i + 1]);
    }
    json_builder_end_object (b);
  }
  for (int i = 0; i < n_tensors; i++) {
    add_tensor_entry (b, &tensors[i], offset);
    offset += tensors[i].nbytes;
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  header = g_string_new (text);
  while (header->len % 8 != 0)
    g_string_append_c (header, ' ');
  g_free (text);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  return header;
}

gboolean
ego_safetensors_save (const char *path, const EgoStTensor * tensors,
    int n_tensors, const char *const *metadata, GError ** error)
{
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  GString *header;
  GByteArray *file;
  guint64 length_le;
  GError *file_error = NULL;
  gboolean ok = TRUE;

  for (int i = 0; ok && i < n_tensors; i++)
    ok = check_tensor_to_save (&tensors[i], seen, path, error);
  for (int i = 0; ok && metadata != NULL && metadata[i] != NULL; i += 2)
    if (metadata[i + 1] == NULL || !g_utf8_validate (metadata[i], -1, NULL)
        || !g_utf8_validate (metadata[i + 1], -1, NULL))
      ok = fail (error, EGO_ERROR_INVALID, path, "metadata key %d has no "
          "value or is not UTF-8", i / 2) != NULL;
  g_hash_table_unref (seen);
  if (!ok)
    return FALSE;

  header = build_header (tensors, n_tensors, metadata);
  if (header->len > EGO_ST_MAX_HEADER) {
    fail (error, EGO_ERROR_INVALID, path, "header of %" G_GSIZE_FORMAT
        " bytes exceeds the limit of %d bytes", header->len, EGO_ST_MAX_HEADER);
    g_string_free (header, TRUE);
    return FALSE;
  }
  file = g_byte_array_new ();
  length_le = GUINT64_TO_LE ((guint64) header->len);
  g_byte_array_append (file, (const guint8 *) &length_le, 8);
  g_byte_array_append (file, (const guint8 *) header->str, header->len);
  for (int i = 0; i < n_tensors; i++)
    if (tensors[i].nbytes > 0)
      g_byte_array_append (file, tensors[i].data, tensors[i].nbytes);
  g_string_free (header, TRUE);

  /* g_file_set_contents writes a temporary file in the same folder, syncs
   * it and renames it over path, so readers never see half a model */
  if (!g_file_set_contents (path, (const char *) file->data,
          (gssize) file->len, &file_error)) {
    g_set_error_literal (error, EGO_ERROR, EGO_ERROR_IO, file_error->message);
    g_error_free (file_error);
    ok = FALSE;
  }
  g_byte_array_unref (file);
  return ok;
}
