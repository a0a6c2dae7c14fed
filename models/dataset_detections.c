/* gst-ego network library: the per-frame detections reader
 * (DIR/detections/<video_id>.jsonl, see dataset.h).
 *
 * Each line is hostile input. Before json-glib sees a line, a light scan
 * bounds its nesting (the parser recurses) and the length of its numbers
 * (json-glib wraps integers that overflow 64 bits), and counts the members
 * of the root object and of the boxes, because json-glib silently keeps
 * only the last of two members with the same name. Then every field is
 * checked; the first problem is reported as "<file>:<line>: <why>".
 */
#include "dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "dataset_csv.h"

/* root object, boxes array, box object, and members of a box's own that
 * are ignored (a detector's offsets, say) */
#define MAX_DEPTH 8
/* json-glib wraps integers past 64 bits: digits before any point or
 * exponent (a float's fraction may have as many as it likes) */
#define MAX_DIGITS 18

typedef struct
{
  int frame;
  int line;
  int first;                    /* into DetParser.boxes */
  int count;
} FrameEntry;

typedef struct
{
  const char *name;
  int line;
  JsonParser *parser;
  GArray *entries;              /* FrameEntry, in file order */
  GArray *boxes;                /* EgoBox, in file order */
  int frames_cut;               /* lines with more than MAX_BOXES boxes */
} DetParser;

typedef struct
{
  int root_members;
  int box_members;              /* ':' inside objects in "boxes" */
} LineScan;

void
ego_detections_free (EgoDetections * det)
{
  if (det == NULL)
    return;
  g_free (det->frames);
  g_free (det->first_box);
  g_free (det->boxes);
  g_free (det);
}

/* Index just past the string that opens at text[i] (or len). */
static gsize
skip_string (const char *text, gsize len, gsize i)
{
  for (i++; i < len && text[i] != '"'; i++)
    if (text[i] == '\\')
      i++;
  return i < len ? i + 1 : len;
}

/* The length of true, false or null at p, or 0. */
static gsize
json_word (const char *p, gsize len)
{
  static const char *const words[] = { "true", "false", "null" };
  for (guint i = 0; i < G_N_ELEMENTS (words); i++) {
    gsize n = strlen (words[i]);
    if (len >= n && memcmp (p, words[i], n) == 0)
      return n;
  }
  return 0;
}

/* Strings are skipped, not decoded: json-glib judges the syntax. */
static gboolean
scan_line (DetParser * dp, const char *text, gsize len, LineScan * scan,
    GError ** error)
{
  int depth = 0, digits = 0;
  gboolean expect_key = FALSE, key_is_boxes = FALSE, in_boxes = FALSE;
  gboolean fraction = FALSE;

  for (gsize i = 0; i < len;) {
    char c = text[i];
    if (c == '"') {
      gsize end = skip_string (text, len, i);
      if (depth == 1 && expect_key)
        key_is_boxes = (end - i == 7 && memcmp (text + i, "\"boxes\"", 7) == 0);
      expect_key = FALSE;
      digits = 0;
      i = end;
      continue;
    }
    /* json-glib also takes single quotes, hex numbers and bare words,
     * which this scan would misread (a hex integer has no digits to count,
     * a quote hides what follows): only JSON's own words and exponents */
    if (c == '\'' || (g_ascii_isalpha (c) && !((c == 'e' || c == 'E')
                && (digits > 0 || fraction)))) {
      gsize word = json_word (text + i, len - i);
      if (word == 0)
        return ego_text_fail (error, EGO_ERROR_FORMAT, dp->name, dp->line,
            "is not valid JSON: '%c' outside a string", c);
      i += word;
      digits = 0;
      fraction = FALSE;
      continue;
    }
    if (g_ascii_isdigit (c) && !fraction && ++digits > MAX_DIGITS)
      return ego_text_fail (error, EGO_ERROR_INVALID, dp->name, dp->line,
          "an integer has more than %d digits", MAX_DIGITS);
    if (!g_ascii_isdigit (c)) {
      /* the point or exponent of a number that has begun */
      fraction = (c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+')
          && (digits > 0 || fraction);
      digits = 0;
    }
    if (c == '{' || c == '[') {
      if (++depth > MAX_DEPTH)
        return ego_text_fail (error, EGO_ERROR_INVALID, dp->name, dp->line,
            "nests deeper than %d levels", MAX_DEPTH);
      in_boxes |= (c == '[' && depth == 2 && key_is_boxes);
      expect_key = (c == '{' && depth == 1);
    } else if (c == '}' || c == ']') {
      in_boxes &= (--depth > 1);
    } else if (c == ',') {
      expect_key = (depth == 1);
    } else if (c == ':') {
      scan->root_members += (depth == 1);
      scan->box_members += (depth == 3 && in_boxes);
    }
    i++;
  }
  return TRUE;
}

/* A number member as a double; FALSE when absent or not a number. */
static gboolean
get_number (JsonObject * obj, const char *member, double *out)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    *out = (double) json_node_get_int (node);
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_coords (DetParser * dp, JsonObject * obj, int index, EgoBox * box,
    GError ** error)
{
  static const char *const names[4] = { "x1", "y1", "x2", "y2" };
  double v[4];

  for (int k = 0; k < 4; k++) {
    if (!get_number (obj, names[k], &v[k]))
      return ego_text_fail (error, EGO_ERROR_INVALID, dp->name, dp->line,
          "box %d: %s is missing or not a number", index, names[k]);
    if (!isfinite (v[k]) || v[k] < -EGO_DETECTIONS_SLACK
        || v[k] > 1.0 + EGO_DETECTIONS_SLACK)
      return ego_text_fail (error, EGO_ERROR_INVALID, dp->name, dp->line,
          "box %d: %s = %g is outside [0, 1] (coordinates are normalised "
          "by the frame size)", index, names[k], v[k]);
  }
  if (v[2] < v[0] || v[3] < v[1])
    return ego_text_fail (error, EGO_ERROR_INVALID, dp->name, dp->line,
        "box %d: x2 < x1 or y2 < y1", index);
  box->x1 = (float) CLAMP (v[0], 0.0, 1.0);
  box->y1 = (float) CLAMP (v[1], 0.0, 1.0);
  box->x2 = (float) CLAMP (v[2], 0.0, 1.0);
  box->y2 = (float) CLAMP (v[3], 0.0, 1.0);
  return TRUE;
}

/* category, side and contact */
static gboolean
parse_kind (DetParser * dp, JsonObject * obj, int index, EgoBox * box,
    GError ** error)
{
  JsonNode *node = json_object_get_member (obj, "category");
  const char *s;

  s = node && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING ?
      json_node_get_string (node) : NULL;
  if (s == NULL || (strcmp (s, "hand") != 0 && strcmp (s, "object") != 0)) {
    char *got = s ? ego_text_quote (s) : g_strdup ("(not a string)");
    ego_text_fail (error, EGO_ERROR_INVALID, dp->name, dp->line,
        "box %d: unknown category %s (expected \"hand\" or \"object\")",
        index, got);
    g_free (got);
    return FALSE;
  }
  box->category = s[0] == 'h' ? EGO_BOX_HAND : EGO_BOX_OBJECT;

  node = json_object_get_member (obj, "side");
  s = node && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING ?
      json_node_get_string (node) : NULL;
  box->side = EGO_SIDE_NONE;
  if (s != NULL && strcmp (s, "left") == 0)
    box->side = EGO_SIDE_LEFT;
  else if (s != NULL && strcmp (s, "right") == 0)
    box->side = EGO_SIDE_RIGHT;
  else if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    return ego_text_fail (error, EGO_ERROR_INVALID, dp->name, dp->line,
        "box %d: side must be \"left\", \"right\" or null", index);

  node = json_object_get_member (obj, "contact");
  box->contact = FALSE;
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    box->contact = json_node_get_boolean (node);
  else if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    return ego_text_fail (error, EGO_ERROR_INVALID, dp->name, dp->line,
        "box %d: contact must be true, false or null", index);
  return TRUE;
}

static gboolean
parse_box (DetParser * dp, JsonNode * node, int index, int *members,
    GError ** error)
{
  EgoBox box;
  JsonObject *obj;
  double score;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return ego_text_fail (error, EGO_ERROR_INVALID, dp->name, dp->line,
        "box %d is not an object", index);
  obj = json_node_get_object (node);
  *members += (int) json_object_get_size (obj);
  if (!parse_coords (dp, obj, index, &box, error)
      || !parse_kind (dp, obj, index, &box, error))
    return FALSE;
  if (!get_number (obj, "score", &score) || !isfinite (score)
      || score < 0.0 || score > 1.0)
    return ego_text_fail (error, EGO_ERROR_INVALID, dp->name, dp->line,
        "box %d: score is missing or not a number in [0, 1]", index);
  box.score = (float) score;
  g_array_append_val (dp->boxes, box);
  return TRUE;
}

static gboolean
parse_frame_member (DetParser * dp, JsonObject * root, int *frame,
    GError ** error)
{
  JsonNode *node = json_object_get_member (root, "frame");
  gint64 v;

  if (node == NULL)
    return ego_text_fail (error, EGO_ERROR_INVALID, dp->name, dp->line,
        "frame is missing");
  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return ego_text_fail (error, EGO_ERROR_INVALID, dp->name, dp->line,
        "frame is not an integer");
  v = json_node_get_int (node);
  if (v == 0)
    return ego_text_fail (error, EGO_ERROR_INVALID, dp->name, dp->line,
        "frame 0: frames count from 1, as in the annotations");
  if (v < 1 || v > EGO_DATASET_MAX_FRAME)
    return ego_text_fail (error, EGO_ERROR_INVALID, dp->name, dp->line,
        "frame %" G_GINT64_FORMAT " is outside [1, %d]", v,
        EGO_DATASET_MAX_FRAME);
  *frame = (int) v;
  return TRUE;
}

/* a ranks before b: hands first, then the higher score (as the layout
 * network picks the boxes it sees) */
static gint
compare_boxes (gconstpointer a, gconstpointer b, gpointer data)
{
  const EgoBox *x = a, *y = b;
  if (x->category != y->category)
    return x->category == EGO_BOX_HAND ? -1 : 1;
  return (x->score < y->score) - (x->score > y->score);
}

/* A busy frame (a detector at a low threshold) keeps its best boxes: the
 * network takes fewer still, by the same ranking, so it sees the same
 * ones; the sort is stable, as the network's choice is. */
static void
keep_best_boxes (DetParser * dp, int first, int count)
{
  g_qsort_with_data (&g_array_index (dp->boxes, EgoBox, first), count,
      sizeof (EgoBox), compare_boxes, NULL);
  g_array_set_size (dp->boxes, (guint) first + EGO_DETECTIONS_MAX_BOXES);
}

static gboolean
parse_root (DetParser * dp, JsonObject * root, const LineScan * scan,
    GError ** error)
{
  FrameEntry entry = { 0, dp->line, (int) dp->boxes->len, 0 };
  JsonNode *node;
  JsonArray *boxes;
  int members = 0;

  if (!parse_frame_member (dp, root, &entry.frame, error))
    return FALSE;
  node = json_object_get_member (root, "boxes");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return ego_text_fail (error, EGO_ERROR_INVALID, dp->name, dp->line,
        "boxes is missing or not an array");
  boxes = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (boxes); i++)
    if (!parse_box (dp, json_array_get_element (boxes, i), (int) i + 1,
            &members, error))
      return FALSE;
  if ((int) json_object_get_size (root) != scan->root_members
      || members != scan->box_members)
    return ego_text_fail (error, EGO_ERROR_INVALID, dp->name, dp->line,
        "has a duplicate (or escaped) member name");
  entry.count = (int) dp->boxes->len - entry.first;
  if (entry.count > EGO_DETECTIONS_MAX_BOXES) {
    keep_best_boxes (dp, entry.first, entry.count);
    entry.count = EGO_DETECTIONS_MAX_BOXES;
    dp->frames_cut++;
  }
  g_array_append_val (dp->entries, entry);
  return TRUE;
}

static gboolean
parse_line (DetParser * dp, const char *text, gsize len, GError ** error)
{
  LineScan scan = { 0, 0 };
  GError *json_error = NULL;
  JsonNode *root;

  if (len > EGO_DETECTIONS_MAX_LINE)
    return ego_text_fail (error, EGO_ERROR_INVALID, dp->name, dp->line,
        "line is longer than %d bytes", EGO_DETECTIONS_MAX_LINE);
  if (!scan_line (dp, text, len, &scan, error))
    return FALSE;
  if (!json_parser_load_from_data (dp->parser, text, (gssize) len,
          &json_error)) {
    ego_text_fail (error, EGO_ERROR_FORMAT, dp->name, dp->line,
        "is not valid JSON: %s", json_error->message);
    g_error_free (json_error);
    return FALSE;
  }
  root = json_parser_get_root (dp->parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return ego_text_fail (error, EGO_ERROR_FORMAT, dp->name, dp->line,
        "is not a JSON object");
  return parse_root (dp, json_node_get_object (root), &scan, error);
}

static int
compare_entries (const void *a, const void *b)
{
  const FrameEntry *x = a, *y = b;

  if (x->frame != y->frame)
    return x->frame < y->frame ? -1 : 1;
  return x->line < y->line ? -1 : x->line > y->line;
}

/* Sort by frame, refuse repeats, and lay the boxes out in frame order. */
static EgoDetections *
finish (DetParser * dp, GError ** error)
{
  EgoDetections *det = g_new0 (EgoDetections, 1);
  FrameEntry *e = (FrameEntry *) dp->entries->data;
  int n = (int) dp->entries->len, at = 0;

  if (n > 1)
    qsort (e, (gsize) n, sizeof (FrameEntry), compare_entries);
  for (int i = 1; i < n; i++)
    if (e[i].frame == e[i - 1].frame) {
      ego_text_fail (error, EGO_ERROR_INVALID, dp->name, e[i].line,
          "frame %d appears twice (also on line %d)", e[i].frame,
          e[i - 1].line);
      g_free (det);
      return NULL;
    }
  det->n_frames = n;
  det->n_boxes = (int) dp->boxes->len;
  det->frames_cut = dp->frames_cut;
  det->frames = g_new (int, n);
  det->first_box = g_new (int, n + 1);
  det->boxes = g_new (EgoBox, MAX (det->n_boxes, 1));
  for (int i = 0; i < n; i++) {
    det->frames[i] = e[i].frame;
    det->first_box[i] = at;
    if (e[i].count > 0)
      memcpy (det->boxes + at, &g_array_index (dp->boxes, EgoBox,
              e[i].first), (gsize) e[i].count * sizeof (EgoBox));
    at += e[i].count;
  }
  det->first_box[n] = at;
  return det;
}

EgoDetections *
ego_detections_parse (const char *name, const char *text, gsize len,
    GError ** error)
{
  DetParser dp = { name, 0, NULL, NULL, NULL, 0 };
  EgoDetections *det = NULL;
  gsize pos = 0;
  gboolean ok;

  if (!ego_text_check (name, text, len, error))
    return NULL;
  if (len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    pos = 3;
  dp.parser = json_parser_new ();
  dp.entries = g_array_new (FALSE, FALSE, sizeof (FrameEntry));
  dp.boxes = g_array_new (FALSE, FALSE, sizeof (EgoBox));
  for (ok = TRUE; ok && pos < len;) {
    const char *nl = memchr (text + pos, '\n', len - pos);
    gsize end = nl ? (gsize) (nl - text) : len, line_len = end - pos;
    dp.line++;
    if (line_len > 0 && text[end - 1] == '\r')
      line_len--;
    if (line_len > 0)
      ok = parse_line (&dp, text + pos, line_len, error);
    pos = end + 1;
  }
  if (ok)
    det = finish (&dp, error);
  g_object_unref (dp.parser);
  g_array_unref (dp.entries);
  g_array_unref (dp.boxes);
  return det;
}

EgoDetections *
ego_dataset_load_detections (const EgoDataset * ds, const char *video_id,
    GError ** error)
{
  const char *dir = ego_dataset_dir (ds);
  char *file, *path, *text;
  gsize len;
  EgoDetections *det = NULL;

  /* ids of the dataset's videos are safe file names */
  if (ego_dataset_find_video (ds, video_id) < 0) {
    ego_text_fail (error, EGO_ERROR_INVALID, ego_dataset_csv_name (ds), 0,
        "has no video %s", video_id ? video_id : "(null)");
    return NULL;
  }
  if (dir == NULL) {
    ego_text_fail (error, EGO_ERROR_INVALID, ego_dataset_csv_name (ds), 0,
        "was not opened from a dataset folder");
    return NULL;
  }
  file = g_strconcat (video_id, ".jsonl", NULL);
  path = g_build_filename (dir, "detections", file, NULL);
  if (ego_text_read (path, EGO_DATASET_MAX_FILE, &text, &len, error)) {
    det = ego_detections_parse (path, text, len, error);
    g_free (text);
  }
  g_free (path);
  g_free (file);
  return det;
}

const EgoBox *
ego_detections_lookup (const EgoDetections * det, int frame, int *n_boxes)
{
  int lo = 0, hi = det->n_frames;

  /* binary search for the first frame >= frame */
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (det->frames[mid] < frame)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < det->n_frames && det->frames[lo] == frame) {
    *n_boxes = det->first_box[lo + 1] - det->first_box[lo];
    return det->boxes + det->first_box[lo];
  }
  *n_boxes = 0;
  return NULL;
}
