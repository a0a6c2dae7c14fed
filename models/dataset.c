/* gst-ego network library: the dataset reader (split CSV, class files,
 * media). See dataset.h for the layout and the rules; the CSV tokenizer is
 * in dataset_csv.c, the detections reader and the clip samplers in
 * dataset_detections.c and dataset_sample.c.
 *
 * Strings (ids, narrations) live in one GStringChunk, the clips in one
 * array and every clip's all_noun_classes in one shared pool, so a large
 * split costs a few big allocations rather than several per row.
 */
#include "dataset.h"

#include <stdarg.h>
#include <string.h>

#include "dataset_csv.h"

enum
{
  COL_NARRATION_ID,
  COL_PARTICIPANT_ID,
  COL_VIDEO_ID,
  COL_NARRATION_TIMESTAMP,
  COL_START_TIMESTAMP,
  COL_STOP_TIMESTAMP,
  COL_START_FRAME,
  COL_STOP_FRAME,
  COL_NARRATION,
  COL_VERB,
  COL_VERB_CLASS,
  COL_NOUN,
  COL_NOUN_CLASS,
  COL_ALL_NOUNS,
  COL_ALL_NOUN_CLASSES,
  N_COLUMNS
};

/* EPIC_100_test_timestamps.csv stops after stop_frame */
#define N_UNLABELLED_COLUMNS (COL_STOP_FRAME + 1)

static const char *const column_names[N_COLUMNS] = {
  "narration_id", "participant_id", "video_id", "narration_timestamp",
  "start_timestamp", "stop_timestamp", "start_frame", "stop_frame",
  "narration", "verb", "verb_class", "noun", "noun_class", "all_nouns",
  "all_noun_classes",
};

/* in order of preference when one video has several files */
static const char *const video_extensions[] = {
  "mp4", "mkv", "webm", "avi", "mov",
};

struct _EgoDataset
{
  char *name;                   /* the split CSV's path */
  char *dir;                    /* NULL until media are resolved */
  GStringChunk *strings;        /* every string of the clips and videos */
  GArray *clips;                /* EgoClip */
  GArray *noun_pool;            /* int: all clips' all_noun_classes */
  GArray *videos;               /* EgoVideo */
  GArray *video_lines;          /* int: CSV line of each video's first clip */
  GHashTable *clip_index;       /* narration_id -> clip index */
  GHashTable *video_index;      /* video_id -> video index + 1 */
  char **verbs, **nouns;
  int n_verbs, n_nouns;
};

typedef struct
{
  EgoDataset *ds;
  EgoCsv csv;
  gboolean need_labels;
  int n_columns;                /* in the header */
  int first;                    /* 1 when a uid column comes first */
  gboolean labels;              /* the header has the label columns */
  GPtrArray *strs;              /* scratch for list literals */
  GArray *ints;
} SplitParser;

void
ego_dataset_free (EgoDataset * ds)
{
  if (ds == NULL)
    return;
  g_free (ds->name);
  g_free (ds->dir);
  if (ds->strings)
    g_string_chunk_free (ds->strings);
  if (ds->clips)
    g_array_unref (ds->clips);
  if (ds->noun_pool)
    g_array_unref (ds->noun_pool);
  if (ds->videos)
    g_array_unref (ds->videos);
  if (ds->video_lines)
    g_array_unref (ds->video_lines);
  if (ds->clip_index)
    g_hash_table_unref (ds->clip_index);
  if (ds->video_index)
    g_hash_table_unref (ds->video_index);
  g_strfreev (ds->verbs);
  g_strfreev (ds->nouns);
  g_free (ds);
}

/* "<csv>:<line of the record>: <column> '<value>' <why>" */
/* *INDENT-OFF* */
static gboolean bad_field (SplitParser * sp, GError ** error,
    EgoErrorCode code, int column, const char *format, ...)
    G_GNUC_PRINTF (5, 6);
/* *INDENT-ON* */

static gboolean
bad_field (SplitParser * sp, GError ** error, EgoErrorCode code, int column,
    const char *format, ...)
{
  va_list args;
  char *why, *value;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  value = ego_text_quote (sp->csv.fields[sp->first + column]);
  ego_text_fail (error, code, sp->csv.name, sp->csv.record_line, "%s %s %s",
      column_names[column], value, why);
  g_free (value);
  g_free (why);
  return FALSE;
}

/* ---------------------------------------------------------------------- */
/* class files                                                            */

typedef struct
{
  int id;
  int line;
  char *key;
} ClassRow;

static gboolean
check_key (const char *name, int line, const char *key, GError ** error)
{
  if (*key == '\0')
    return ego_text_fail (error, EGO_ERROR_INVALID, name, line, "key is empty");
  for (const char *p = key; *p != '\0'; p++)
    if ((guchar) * p < 0x20 || *p == 0x7f)
      return ego_text_fail (error, EGO_ERROR_INVALID, name, line,
          "key has a control character");
  return TRUE;
}

static gboolean
read_class_rows (EgoCsv * csv, GArray * rows, GError ** error)
{
  int n_header, r;
  gint64 id;

  if ((r = ego_csv_next (csv, error)) <= 0)
    return r == 0 ? ego_text_fail (error, EGO_ERROR_FORMAT, csv->name, 0,
        "is empty (no header line)") : FALSE;
  n_header = csv->n_fields;
  if (n_header < 2 || strcmp (csv->fields[0], "id") != 0
      || strcmp (csv->fields[1], "key") != 0)
    return ego_text_fail (error, EGO_ERROR_FORMAT, csv->name,
        csv->record_line, "header must start with the columns id,key");
  while ((r = ego_csv_next (csv, error)) > 0) {
    ClassRow row = { 0, csv->record_line, NULL };
    if (csv->n_fields != n_header)
      return ego_text_fail (error, EGO_ERROR_FORMAT, csv->name, row.line,
          "has %d fields, expected %d as in the header", csv->n_fields,
          n_header);
    if (rows->len >= EGO_DATASET_MAX_CLASSES)
      return ego_text_fail (error, EGO_ERROR_INVALID, csv->name, row.line,
          "more than %d classes", EGO_DATASET_MAX_CLASSES);
    if (!ego_parse_int (csv->fields[0], 0, EGO_DATASET_MAX_CLASSES - 1, &id))
      return ego_text_fail (error, EGO_ERROR_INVALID, csv->name, row.line,
          "id is not an integer in [0, %d]", EGO_DATASET_MAX_CLASSES - 1);
    if (!check_key (csv->name, row.line, csv->fields[1], error))
      return FALSE;
    row.id = (int) id;
    row.key = g_strdup (csv->fields[1]);
    g_array_append_val (rows, row);
  }
  return r == 0;
}

/* Ids must be 0..n-1 each once (in any order), keys distinct. */
static char **
classes_by_id (const char *name, GArray * rows, GError ** error)
{
  int n = (int) rows->len;
  char **keys = g_new0 (char *, n + 1);
  int *lines = g_new0 (int, n);
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean ok = TRUE;

  for (int i = 0; i < n && ok; i++) {
    ClassRow *row = &g_array_index (rows, ClassRow, i);
    gpointer other;
    if (row->id >= n)
      ok = ego_text_fail (error, EGO_ERROR_INVALID, name, row->line,
          "id %d is out of range: the %d classes must have ids 0..%d",
          row->id, n, n - 1);
    else if (keys[row->id] != NULL)
      ok = ego_text_fail (error, EGO_ERROR_INVALID, name, row->line,
          "duplicate id %d (also on line %d)", row->id, lines[row->id]);
    else if ((other = g_hash_table_lookup (seen, row->key)) != NULL) {
      char *key = ego_text_quote (row->key);
      ok = ego_text_fail (error, EGO_ERROR_INVALID, name, row->line,
          "duplicate key %s (also on line %d)", key, GPOINTER_TO_INT (other));
      g_free (key);
    }
    if (!ok)
      break;
    keys[row->id] = g_steal_pointer (&row->key);
    lines[row->id] = row->line;
    g_hash_table_insert (seen, keys[row->id], GINT_TO_POINTER (row->line));
  }
  g_hash_table_unref (seen);
  g_free (lines);
  if (!ok) {
    /* keys has holes until every id is placed: g_strfreev would stop at
     * the first */
    for (int i = 0; i < n; i++)
      g_free (keys[i]);
    g_clear_pointer (&keys, g_free);
  }
  return keys;
}

static void
class_row_clear (gpointer data)
{
  g_free (((ClassRow *) data)->key);
}

char **
ego_dataset_parse_classes (const char *name, const char *text, gsize len,
    int *n_classes, GError ** error)
{
  EgoCsv csv;
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (ClassRow));
  char **keys = NULL;

  g_array_set_clear_func (rows, class_row_clear);
  if (ego_csv_init (&csv, name, text, len, error)
      && read_class_rows (&csv, rows, error)) {
    if (rows->len == 0)
      ego_text_fail (error, EGO_ERROR_INVALID, name, 0, "has no classes");
    else
      keys = classes_by_id (name, rows, error);
  }
  ego_csv_clear (&csv);
  if (n_classes)
    *n_classes = keys ? (int) rows->len : 0;
  g_array_unref (rows);
  return keys;
}

/* ---------------------------------------------------------------------- */
/* split CSV                                                              */

static gboolean
read_header (SplitParser * sp, GError ** error)
{
  EgoCsv *csv = &sp->csv;
  int r = ego_csv_next (csv, error), n;
  const char *const *f;
  char *got;

  if (r <= 0)
    return r == 0 ? ego_text_fail (error, EGO_ERROR_FORMAT, csv->name, 0,
        "is empty (no header line)") : FALSE;
  sp->first = strcmp (csv->fields[0], "uid") == 0;
  sp->n_columns = csv->n_fields;
  f = csv->fields + sp->first;
  n = csv->n_fields - sp->first;
  for (int i = 0; i < n; i++) {
    if (i < N_COLUMNS && strcmp (f[i], column_names[i]) == 0)
      continue;
    got = ego_text_quote (f[i]);
    if (i < N_COLUMNS)
      ego_text_fail (error, EGO_ERROR_FORMAT, csv->name, csv->record_line,
          "header column %d is %s, expected '%s'", sp->first + i + 1, got,
          column_names[i]);
    else
      ego_text_fail (error, EGO_ERROR_FORMAT, csv->name, csv->record_line,
          "header has an extra column %d %s", sp->first + i + 1, got);
    g_free (got);
    return FALSE;
  }
  sp->labels = (n == N_COLUMNS);
  if (n == N_COLUMNS || (n == N_UNLABELLED_COLUMNS && !sp->need_labels))
    return TRUE;
  if (n == N_UNLABELLED_COLUMNS)
    return ego_text_fail (error, EGO_ERROR_INVALID, csv->name,
        csv->record_line, "header has no label columns (narration .. "
        "all_noun_classes), but labels are required");
  if (n == 0)
    return ego_text_fail (error, EGO_ERROR_FORMAT, csv->name,
        csv->record_line, "header has no column after uid");
  return ego_text_fail (error, EGO_ERROR_FORMAT, csv->name,
      csv->record_line, "header ends after column %d '%s': missing column "
      "'%s'", sp->first + n, column_names[n - 1], column_names[n]);
}

/* Ids become file names (videos, frame folders, detections), so they are
 * kept to a safe alphabet. */
static gboolean
check_id (SplitParser * sp, int column, GError ** error)
{
  const char *id = sp->csv.fields[sp->first + column];
  gsize len = strlen (id);

  if (len == 0)
    return bad_field (sp, error, EGO_ERROR_INVALID, column, "is empty");
  if (len > EGO_DATASET_MAX_ID)
    return bad_field (sp, error, EGO_ERROR_INVALID, column,
        "is longer than %d bytes", EGO_DATASET_MAX_ID);
  if (id[0] == '.')
    return bad_field (sp, error, EGO_ERROR_INVALID, column, "starts with '.'");
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '_' && id[i] != '-'
        && id[i] != '.')
      return bad_field (sp, error, EGO_ERROR_INVALID, column,
          "has characters other than letters, digits, '_', '-' and '.'");
  return TRUE;
}

/* The clip's video, added at its first clip; one video, one participant. */
static gboolean
find_or_add_video (SplitParser * sp, EgoClip * clip, GError ** error)
{
  EgoDataset *ds = sp->ds;
  int index = GPOINTER_TO_INT (g_hash_table_lookup (ds->video_index,
          clip->video_id)) - 1;
  EgoVideo *v;

  if (index < 0) {
    EgoVideo nv = { clip->video_id, clip->participant_id, NULL, NULL,
      EGO_MEDIA_FRAMES, 0
    };
    index = (int) ds->videos->len;
    g_array_append_val (ds->videos, nv);
    g_array_append_val (ds->video_lines, sp->csv.record_line);
    g_hash_table_insert (ds->video_index, (gpointer) clip->video_id,
        GINT_TO_POINTER (index + 1));
  }
  v = &g_array_index (ds->videos, EgoVideo, index);
  /* both come from the chunk's const pool, so equal strings are equal
   * pointers */
  if (v->participant_id != clip->participant_id)
    return bad_field (sp, error, EGO_ERROR_INVALID, COL_PARTICIPANT_ID,
        "differs from the participant %s of video %s on line %d",
        v->participant_id, v->video_id, g_array_index (ds->video_lines, int,
            index));
  clip->video = index;
  return TRUE;
}

static gboolean
parse_ids (SplitParser * sp, EgoClip * clip, GError ** error)
{
  EgoDataset *ds = sp->ds;
  const char *const *f = sp->csv.fields + sp->first;
  gpointer line;

  if (!check_id (sp, COL_NARRATION_ID, error)
      || !check_id (sp, COL_PARTICIPANT_ID, error)
      || !check_id (sp, COL_VIDEO_ID, error))
    return FALSE;
  if (g_hash_table_lookup_extended (ds->clip_index, f[COL_NARRATION_ID],
          NULL, &line))
    return bad_field (sp, error, EGO_ERROR_INVALID, COL_NARRATION_ID,
        "is a duplicate (first on line %d)",
        g_array_index (ds->clips, EgoClip, GPOINTER_TO_INT (line)).line);
  clip->narration_id = g_string_chunk_insert (ds->strings, f[COL_NARRATION_ID]);
  clip->participant_id = g_string_chunk_insert_const (ds->strings,
      f[COL_PARTICIPANT_ID]);
  clip->video_id = g_string_chunk_insert_const (ds->strings, f[COL_VIDEO_ID]);
  return find_or_add_video (sp, clip, error);
}

static gboolean
parse_frame (SplitParser * sp, int column, int *frame, GError ** error)
{
  gint64 v;

  if (!ego_parse_int (sp->csv.fields[sp->first + column],
          -EGO_DATASET_MAX_FRAME, EGO_DATASET_MAX_FRAME, &v))
    return bad_field (sp, error, EGO_ERROR_INVALID, column,
        "is not an integer in [1, %d]", EGO_DATASET_MAX_FRAME);
  if (v < 0)
    return bad_field (sp, error, EGO_ERROR_INVALID, column, "is negative");
  /* no video has a frame 0: a clip waiting for it waits to the end */
  if (v == 0)
    return bad_field (sp, error, EGO_ERROR_INVALID, column,
        "is 0: frames count from 1 (frame_0000000001.jpg is the first)");
  *frame = (int) v;
  return TRUE;
}

static gboolean
parse_time (SplitParser * sp, int column, double *seconds, GError ** error)
{
  if (!ego_parse_timestamp (sp->csv.fields[sp->first + column], seconds))
    return bad_field (sp, error, EGO_ERROR_INVALID, column,
        "is not a timestamp H:MM:SS.ff");
  return TRUE;
}

static gboolean
parse_times (SplitParser * sp, EgoClip * clip, GError ** error)
{
  double narration_time;

  /* some EPIC narrations have no narration timestamp; it is not used */
  if (sp->csv.fields[sp->first + COL_NARRATION_TIMESTAMP][0] != '\0'
      && !parse_time (sp, COL_NARRATION_TIMESTAMP, &narration_time, error))
    return FALSE;
  if (!parse_time (sp, COL_START_TIMESTAMP, &clip->start_time, error)
      || !parse_time (sp, COL_STOP_TIMESTAMP, &clip->stop_time, error)
      || !parse_frame (sp, COL_START_FRAME, &clip->start_frame, error)
      || !parse_frame (sp, COL_STOP_FRAME, &clip->stop_frame, error))
    return FALSE;
  if (clip->stop_time < clip->start_time)
    return bad_field (sp, error, EGO_ERROR_INVALID, COL_STOP_TIMESTAMP,
        "is before start_timestamp");
  if (clip->stop_frame < clip->start_frame)
    return bad_field (sp, error, EGO_ERROR_INVALID, COL_STOP_FRAME,
        "is before start_frame %d", clip->start_frame);
  return TRUE;
}

/* A class id in [0, n), or -1 for an empty field when labels are optional. */
static gboolean
parse_class (SplitParser * sp, int column, int n, const char *kind,
    int *out, GError ** error)
{
  const char *s = sp->csv.fields[sp->first + column];
  gint64 v;

  *out = -1;
  if (*s == '\0')
    return sp->need_labels ? bad_field (sp, error, EGO_ERROR_INVALID, column,
        "is empty, but labels are required") : TRUE;
  if (!ego_parse_int (s, G_MININT, G_MAXINT, &v))
    return bad_field (sp, error, EGO_ERROR_INVALID, column,
        "is not an integer");
  if (v < 0 || v >= n)
    return bad_field (sp, error, EGO_ERROR_INVALID, column,
        "is out of range: the %s classes are 0..%d", kind, n - 1);
  *out = (int) v;
  return TRUE;
}

static gboolean
parse_noun_lists (SplitParser * sp, EgoClip * clip, GError ** error)
{
  const char *nouns = sp->csv.fields[sp->first + COL_ALL_NOUNS];
  const char *classes = sp->csv.fields[sp->first + COL_ALL_NOUN_CLASSES];
  char *why = NULL;
  gboolean ok = TRUE;

  g_ptr_array_set_size (sp->strs, 0);
  g_array_set_size (sp->ints, 0);
  if (*nouns != '\0' && !ego_parse_str_list (nouns, sp->strs, &why))
    ok = bad_field (sp, error, EGO_ERROR_INVALID, COL_ALL_NOUNS,
        "is not a list of strings: %s", why);
  else if (*classes != '\0' && !ego_parse_int_list (classes, sp->ints, &why))
    ok = bad_field (sp, error, EGO_ERROR_INVALID, COL_ALL_NOUN_CLASSES,
        "is not a list of integers: %s", why);
  else if (sp->strs->len != sp->ints->len)
    ok = bad_field (sp, error, EGO_ERROR_INVALID, COL_ALL_NOUN_CLASSES,
        "has %u items but all_nouns has %u", sp->ints->len, sp->strs->len);
  g_free (why);
  for (guint i = 0; ok && i < sp->ints->len; i++) {
    int c = g_array_index (sp->ints, int, i);
    if (c < 0 || c >= sp->ds->n_nouns)
      ok = bad_field (sp, error, EGO_ERROR_INVALID, COL_ALL_NOUN_CLASSES,
          "item %u (%d) is out of range: the noun classes are 0..%d", i + 1,
          c, sp->ds->n_nouns - 1);
  }
  if (ok) {
    clip->n_all_noun_classes = (int) sp->ints->len;
    g_array_append_vals (sp->ds->noun_pool, sp->ints->data, sp->ints->len);
  }
  return ok;
}

static gboolean
parse_labels (SplitParser * sp, EgoClip * clip, GError ** error)
{
  EgoDataset *ds = sp->ds;
  const char *const *f = sp->csv.fields + sp->first;

  clip->verb_class = clip->noun_class = -1;
  clip->narration = clip->verb = clip->noun = "";
  if (!sp->labels)
    return TRUE;
  if (!parse_class (sp, COL_VERB_CLASS, ds->n_verbs, "verb",
          &clip->verb_class, error)
      || !parse_class (sp, COL_NOUN_CLASS, ds->n_nouns, "noun",
          &clip->noun_class, error)
      || !parse_noun_lists (sp, clip, error))
    return FALSE;
  clip->narration = g_string_chunk_insert (ds->strings, f[COL_NARRATION]);
  clip->verb = g_string_chunk_insert_const (ds->strings, f[COL_VERB]);
  clip->noun = g_string_chunk_insert_const (ds->strings, f[COL_NOUN]);
  return TRUE;
}

static gboolean
parse_row (SplitParser * sp, GError ** error)
{
  EgoDataset *ds = sp->ds;
  EgoCsv *csv = &sp->csv;
  EgoClip clip = { 0 };

  if (csv->n_fields != sp->n_columns)
    return ego_text_fail (error, EGO_ERROR_FORMAT, csv->name,
        csv->record_line, "has %d fields, expected %d as in the header",
        csv->n_fields, sp->n_columns);
  if (ds->clips->len >= EGO_DATASET_MAX_CLIPS)
    return ego_text_fail (error, EGO_ERROR_INVALID, csv->name,
        csv->record_line, "more than %d clips", EGO_DATASET_MAX_CLIPS);
  clip.line = csv->record_line;
  if (!parse_ids (sp, &clip, error) || !parse_times (sp, &clip, error)
      || !parse_labels (sp, &clip, error))
    return FALSE;
  g_hash_table_insert (ds->clip_index, (gpointer) clip.narration_id,
      GINT_TO_POINTER (ds->clips->len));
  g_array_index (ds->videos, EgoVideo, clip.video).n_clips++;
  g_array_append_val (ds->clips, clip);
  return TRUE;
}

/* Point every clip at its part of the pool, now that the pool stays put. */
static void
link_noun_pool (EgoDataset * ds)
{
  int offset = 0;

  for (guint i = 0; i < ds->clips->len; i++) {
    EgoClip *clip = &g_array_index (ds->clips, EgoClip, i);
    clip->all_noun_classes = clip->n_all_noun_classes ?
        &g_array_index (ds->noun_pool, int, offset) : NULL;
    offset += clip->n_all_noun_classes;
  }
}

static EgoDataset *
dataset_new (const char *name, const char *const *verbs,
    const char *const *nouns)
{
  static const char *const none[] = { NULL };
  EgoDataset *ds = g_new0 (EgoDataset, 1);

  ds->name = g_strdup (name);
  ds->strings = g_string_chunk_new (64 * 1024);
  ds->clips = g_array_new (FALSE, FALSE, sizeof (EgoClip));
  ds->noun_pool = g_array_new (FALSE, FALSE, sizeof (int));
  ds->videos = g_array_new (FALSE, FALSE, sizeof (EgoVideo));
  ds->video_lines = g_array_new (FALSE, FALSE, sizeof (int));
  ds->clip_index = g_hash_table_new (g_str_hash, g_str_equal);
  ds->video_index = g_hash_table_new (g_str_hash, g_str_equal);
  ds->verbs = g_strdupv ((char **) (verbs ? verbs : none));
  ds->nouns = g_strdupv ((char **) (nouns ? nouns : none));
  ds->n_verbs = (int) g_strv_length (ds->verbs);
  ds->n_nouns = (int) g_strv_length (ds->nouns);
  return ds;
}

EgoDataset *
ego_dataset_parse (const char *name, const char *text, gsize len,
    gboolean need_labels, const char *const *verbs,
    const char *const *nouns, GError ** error)
{
  SplitParser sp;
  gboolean ok;
  int r = 0;

  memset (&sp, 0, sizeof (sp));
  sp.ds = dataset_new (name, verbs, nouns);
  sp.need_labels = need_labels;
  sp.strs = g_ptr_array_new_with_free_func (g_free);
  sp.ints = g_array_new (FALSE, FALSE, sizeof (int));
  ok = ego_csv_init (&sp.csv, name, text, len, error)
      && read_header (&sp, error);
  while (ok && (r = ego_csv_next (&sp.csv, error)) > 0)
    ok = parse_row (&sp, error);
  ok = ok && r == 0;
  ego_csv_clear (&sp.csv);
  g_ptr_array_unref (sp.strs);
  g_array_unref (sp.ints);
  if (!ok) {
    ego_dataset_free (sp.ds);
    return NULL;
  }
  link_noun_pool (sp.ds);
  return sp.ds;
}

/* ---------------------------------------------------------------------- */
/* media                                                                  */

typedef struct
{
  int rank;                     /* index in video_extensions */
  char *path;
} VideoFile;

static void
video_file_free (gpointer data)
{
  g_free (((VideoFile *) data)->path);
  g_free (data);
}

static int
extension_rank (const char *ext)
{
  for (guint i = 0; i < G_N_ELEMENTS (video_extensions); i++)
    if (g_ascii_strcasecmp (ext, video_extensions[i]) == 0)
      return (int) i;
  return -1;
}

/* video_id -> VideoFile for every regular file in videos_dir with a video
 * extension; the folder is read once rather than probed per video and case. */
static GHashTable *
scan_videos (const char *videos_dir)
{
  GHashTable *files = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, video_file_free);
  GDir *d = g_dir_open (videos_dir, 0, NULL);
  const char *entry;

  while (d != NULL && (entry = g_dir_read_name (d)) != NULL) {
    const char *dot = strrchr (entry, '.');
    int rank = dot ? extension_rank (dot + 1) : -1;
    char *path, *stem;
    VideoFile *old, *vf;

    if (rank < 0 || dot == entry)
      continue;
    path = g_build_filename (videos_dir, entry, NULL);
    stem = g_strndup (entry, (gsize) (dot - entry));
    old = g_hash_table_lookup (files, stem);
    /* a tie (P01_01.mp4 and P01_01.MP4) goes to the smaller name, so the
     * choice does not depend on the order the folder lists them in */
    if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) || (old != NULL
            && (old->rank < rank || (old->rank == rank
                    && strcmp (old->path, path) < 0)))) {
      g_free (path);
      g_free (stem);
      continue;
    }
    vf = g_new (VideoFile, 1);
    vf->rank = rank;
    vf->path = path;
    g_hash_table_replace (files, stem, vf);
  }
  if (d != NULL)
    g_dir_close (d);
  return files;
}

/* Finds each video's file or frame folder; without required, a video
 * with neither keeps NULL for both. */
static gboolean
resolve_media (EgoDataset * ds, const char *dir, gboolean required,
    GError ** error)
{
  char *videos_dir = g_build_filename (dir, "videos", NULL);
  char *all_frames = g_build_filename (dir, "frames", NULL);
  GHashTable *files = scan_videos (videos_dir);
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < ds->videos->len; i++) {
    EgoVideo *v = &g_array_index (ds->videos, EgoVideo, i);
    VideoFile *vf = g_hash_table_lookup (files, v->video_id);
    char *frames = g_build_filename (all_frames, v->participant_id,
        v->video_id, NULL);

    v->video_path = vf ? g_string_chunk_insert (ds->strings, vf->path) : NULL;
    v->frames_dir = g_file_test (frames, G_FILE_TEST_IS_DIR) ?
        g_string_chunk_insert (ds->strings, frames) : NULL;
    v->kind = v->video_path ? EGO_MEDIA_VIDEO : EGO_MEDIA_FRAMES;
    if (required && v->video_path == NULL && v->frames_dir == NULL)
      ok = ego_text_fail (error, EGO_ERROR_IO, ds->name,
          g_array_index (ds->video_lines, int, i),
          "video %s not found in %s or %s (no %s%s%s.<mp4|mkv|webm|avi|mov>, "
          "no folder %s)", v->video_id, videos_dir, all_frames, videos_dir,
          G_DIR_SEPARATOR_S, v->video_id, frames);
    g_free (frames);
  }
  g_hash_table_unref (files);
  g_free (videos_dir);
  g_free (all_frames);
  if (ok) {
    g_free (ds->dir);
    ds->dir = g_strdup (dir);
  }
  return ok;
}

gboolean
ego_dataset_resolve_media (EgoDataset * ds, const char *dir, GError ** error)
{
  return resolve_media (ds, dir, TRUE, error);
}

/* ---------------------------------------------------------------------- */
/* opening a dataset folder                                               */

static char **
load_classes (const char *annotations, const char *file, int *n,
    GError ** error)
{
  char *path = g_build_filename (annotations, file, NULL);
  char *text;
  gsize len;
  char **keys = NULL;

  if (ego_text_read (path, EGO_DATASET_MAX_FILE, &text, &len, error)) {
    keys = ego_dataset_parse_classes (path, text, len, n, error);
    g_free (text);
  }
  g_free (path);
  return keys;
}

char **
ego_dataset_read_classes (const char *dir, const char *file, int *n,
    GError ** error)
{
  char *annotations = g_build_filename (dir, "annotations", NULL);
  char **keys = load_classes (annotations, file, n, error);
  g_free (annotations);
  return keys;
}

static gboolean
split_name_ok (const char *split)
{
  if (split == NULL || split[0] == '\0' || split[0] == '.')
    return FALSE;
  for (const char *p = split; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      return FALSE;
  return TRUE;
}

static EgoDataset *
open_dataset (const char *dir, const char *split, gboolean need_labels,
    gboolean need_media, GError ** error)
{
  char *annotations = g_build_filename (dir, "annotations", NULL);
  char *file = g_strconcat (split ? split : "", ".csv", NULL);
  char *path = g_build_filename (annotations, file, NULL);
  char **verbs = NULL, **nouns = NULL, *text = NULL;
  gsize len;
  int n;
  EgoDataset *ds = NULL;

  if (!split_name_ok (split))
    ego_text_fail (error, EGO_ERROR_INVALID, dir, 0, "split name %s is not "
        "a plain file name", split ? split : "(null)");
  else if ((verbs = load_classes (annotations, "verb_classes.csv", &n,
              error)) != NULL
      && (nouns = load_classes (annotations, "noun_classes.csv", &n,
              error)) != NULL
      && ego_text_read (path, EGO_DATASET_MAX_FILE, &text, &len, error))
    ds = ego_dataset_parse (path, text, len, need_labels,
        (const char *const *) verbs, (const char *const *) nouns, error);
  if (ds != NULL && !resolve_media (ds, dir, need_media, error))
    g_clear_pointer (&ds, ego_dataset_free);
  g_free (text);
  g_strfreev (verbs);
  g_strfreev (nouns);
  g_free (path);
  g_free (file);
  g_free (annotations);
  return ds;
}

EgoDataset *
ego_dataset_open (const char *dir, const char *split, gboolean need_labels,
    GError ** error)
{
  return open_dataset (dir, split, need_labels, TRUE, error);
}

EgoDataset *
ego_dataset_open_annotations (const char *dir, const char *split,
    gboolean need_labels, GError ** error)
{
  return open_dataset (dir, split, need_labels, FALSE, error);
}

/* ---------------------------------------------------------------------- */
/* accessors                                                              */

int
ego_dataset_n_clips (const EgoDataset * ds)
{
  return (int) ds->clips->len;
}

const EgoClip *
ego_dataset_clip (const EgoDataset * ds, int i)
{
  if (i < 0 || i >= (int) ds->clips->len)
    return NULL;
  return &g_array_index (ds->clips, EgoClip, i);
}

int
ego_dataset_find_clip (const EgoDataset * ds, const char *narration_id)
{
  gpointer index;

  if (narration_id == NULL || !g_hash_table_lookup_extended (ds->clip_index,
          narration_id, NULL, &index))
    return -1;
  return GPOINTER_TO_INT (index);
}

int
ego_dataset_n_videos (const EgoDataset * ds)
{
  return (int) ds->videos->len;
}

const EgoVideo *
ego_dataset_video (const EgoDataset * ds, int i)
{
  if (i < 0 || i >= (int) ds->videos->len)
    return NULL;
  return &g_array_index (ds->videos, EgoVideo, i);
}

int
ego_dataset_find_video (const EgoDataset * ds, const char *video_id)
{
  if (video_id == NULL)
    return -1;
  return GPOINTER_TO_INT (g_hash_table_lookup (ds->video_index, video_id)) - 1;
}

int
ego_dataset_n_verbs (const EgoDataset * ds)
{
  return ds->n_verbs;
}

int
ego_dataset_n_nouns (const EgoDataset * ds)
{
  return ds->n_nouns;
}

const char *const *
ego_dataset_verbs (const EgoDataset * ds)
{
  return (const char *const *) ds->verbs;
}

const char *const *
ego_dataset_nouns (const EgoDataset * ds)
{
  return (const char *const *) ds->nouns;
}

const char *
ego_dataset_csv_name (const EgoDataset * ds)
{
  return ds->name;
}

const char *
ego_dataset_dir (const EgoDataset * ds)
{
  return ds->dir;
}
