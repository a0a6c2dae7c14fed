/* gst-ego network library: CSV tokenizer, field parsers and file reading for
 * the dataset reader. All of it treats its input as hostile: lengths and
 * counts are bounded before anything is allocated for them, and the first
 * problem is reported with the file name and line. */
#include "dataset_csv.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

gboolean
ego_text_fail (GError ** error, EgoErrorCode code, const char *name, int line,
    const char *format, ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (line > 0)
    g_set_error (error, EGO_ERROR, code, "%s:%d: %s", name, line, message);
  else
    g_set_error (error, EGO_ERROR, code, "%s: %s", name, message);
  g_free (message);
  return FALSE;
}

gboolean
ego_text_read (const char *path, gsize max_bytes, char **contents,
    gsize * len, GError ** error)
{
  GStatBuf st;
  GError *file_error = NULL;

  *contents = NULL;
  *len = 0;
  if (g_stat (path, &st) != 0)
    return ego_text_fail (error, EGO_ERROR_IO, path, 0, "cannot open: %s",
        g_strerror (errno));
  /* a FIFO or device would block or never end */
  if (!S_ISREG (st.st_mode))
    return ego_text_fail (error, EGO_ERROR_IO, path, 0,
        "is not a regular file");
  if ((guint64) st.st_size > max_bytes)
    return ego_text_fail (error, EGO_ERROR_INVALID, path, 0,
        "is %" G_GUINT64_FORMAT " bytes, more than the limit of %"
        G_GSIZE_FORMAT, (guint64) st.st_size, max_bytes);
  if (!g_file_get_contents (path, contents, len, &file_error)) {
    /* GFileError messages already name the file */
    g_set_error_literal (error, EGO_ERROR, EGO_ERROR_IO, file_error->message);
    g_error_free (file_error);
    return FALSE;
  }
  /* it may have grown since the stat */
  if (*len > max_bytes) {
    g_clear_pointer (contents, g_free);
    return ego_text_fail (error, EGO_ERROR_INVALID, path, 0,
        "is more than the limit of %" G_GSIZE_FORMAT " bytes", max_bytes);
  }
  return TRUE;
}

static int
count_lines (const char *text, gsize len)
{
  int line = 1;
  const char *p = text, *end = text + len;

  while ((p = memchr (p, '\n', (gsize) (end - p))) != NULL) {
    line++;
    p++;
  }
  return line;
}

gboolean
ego_text_check (const char *name, const char *text, gsize len, GError ** error)
{
  const char *end;

  if (g_utf8_validate_len (text, len, &end))
    return TRUE;
  return ego_text_fail (error, EGO_ERROR_FORMAT, name,
      count_lines (text, (gsize) (end - text)), *end == '\0' ?
      "contains a NUL byte" : "is not valid UTF-8");
}

char *
ego_text_quote (const char *s)
{
  GString *out = g_string_new ("'");
  const char *p = s;

  for (int n = 0; *p != '\0' && n < 40; n++) {
    gunichar c = g_utf8_get_char_validated (p, -1);
    if (c == (gunichar) - 1 || c == (gunichar) - 2) {
      g_string_append_printf (out, "\\x%02x", (guint8) * p++);
      continue;
    }
    if (c < 0x20 || c == 0x7f)
      g_string_append_printf (out, "\\x%02x", c);
    else if (c == '\'' || c == '\\')
      g_string_append_printf (out, "\\%c", (char) c);
    else
      g_string_append_len (out, p, g_utf8_next_char (p) - p);
    p = g_utf8_next_char (p);
  }
  if (*p != '\0')
    g_string_append (out, "...");
  g_string_append_c (out, '\'');
  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------------- */
/* CSV records                                                            */

gboolean
ego_csv_init (EgoCsv * csv, const char *name, const char *text, gsize len,
    GError ** error)
{
  memset (csv, 0, sizeof (*csv));
  csv->name = name;
  csv->text = text;
  csv->len = len;
  csv->line = 1;
  if (!ego_text_check (name, text, len, error))
    return FALSE;
  if (len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    csv->pos = 3;
  csv->buf = g_string_sized_new (256);
  return TRUE;
}

void
ego_csv_clear (EgoCsv * csv)
{
  if (csv->buf != NULL)
    g_string_free (csv->buf, TRUE);
  csv->buf = NULL;
}

/* What ends a field: the separator, the end of the record, or an error. */
enum
{
  FIELD_ERROR = -1,
  FIELD_NEXT,
  FIELD_LAST,
};

/* Consume what follows a field (at csv->pos) and say what it was. */
static int
field_end (EgoCsv * csv, GError ** error)
{
  const char *t = csv->text;

  if (csv->pos >= csv->len)
    return FIELD_LAST;
  if (t[csv->pos] == ',') {
    csv->pos++;
    return FIELD_NEXT;
  }
  if (t[csv->pos] == '\n') {
    csv->pos++;
    csv->line++;
    return FIELD_LAST;
  }
  if (t[csv->pos] == '\r') {
    if (csv->pos + 1 < csv->len && t[csv->pos + 1] == '\n') {
      csv->pos += 2;
      csv->line++;
      return FIELD_LAST;
    }
    ego_text_fail (error, EGO_ERROR_FORMAT, csv->name, csv->line,
        "carriage return not followed by a line feed");
    return FIELD_ERROR;
  }
  if (t[csv->pos] == '"')
    ego_text_fail (error, EGO_ERROR_FORMAT, csv->name, csv->line,
        "stray '\"' in an unquoted field (a field holding quotes must be "
        "quoted whole, with the quotes doubled)");
  else
    ego_text_fail (error, EGO_ERROR_FORMAT, csv->name, csv->line,
        "text after the closing quote of a field");
  return FIELD_ERROR;
}

static int
record_too_long (EgoCsv * csv, GError ** error)
{
  ego_text_fail (error, EGO_ERROR_INVALID, csv->name, csv->record_line,
      "record is longer than %d bytes (an unterminated quote?)",
      EGO_CSV_MAX_RECORD);
  return FIELD_ERROR;
}

/* A field that opens with '"' at csv->pos: up to the closing quote, with ""
 * standing for one quote; line breaks are part of the field. */
static int
read_quoted (EgoCsv * csv, gsize record_start, GError ** error)
{
  const char *t = csv->text;
  int open_line = csv->line;

  csv->pos++;
  for (;;) {
    const char *q = memchr (t + csv->pos, '"', csv->len - csv->pos);
    gsize end = q ? (gsize) (q - t) : csv->len;

    if (end - record_start > EGO_CSV_MAX_RECORD)
      return record_too_long (csv, error);
    if (q == NULL) {
      ego_text_fail (error, EGO_ERROR_FORMAT, csv->name, open_line,
          "unterminated quoted field (the quote opens on line %d and is "
          "never closed)", open_line);
      return FIELD_ERROR;
    }
    g_string_append_len (csv->buf, t + csv->pos, end - csv->pos);
    csv->line += count_lines (t + csv->pos, end - csv->pos) - 1;
    csv->pos = end + 1;
    if (csv->pos < csv->len && t[csv->pos] == '"') {
      g_string_append_c (csv->buf, '"');
      csv->pos++;
      continue;
    }
    return field_end (csv, error);
  }
}

static int
read_field (EgoCsv * csv, gsize record_start, GError ** error)
{
  const char *t = csv->text;
  gsize start = csv->pos;

  if (start < csv->len && t[start] == '"')
    return read_quoted (csv, record_start, error);
  while (csv->pos < csv->len) {
    char c = t[csv->pos];
    if (c == ',' || c == '\n' || c == '\r' || c == '"')
      break;
    csv->pos++;
  }
  if (csv->pos - record_start > EGO_CSV_MAX_RECORD)
    return record_too_long (csv, error);
  g_string_append_len (csv->buf, t + start, csv->pos - start);
  return field_end (csv, error);
}

/* Skip empty lines; FALSE at the end of the text. */
static gboolean
skip_empty_lines (EgoCsv * csv)
{
  const char *t = csv->text;

  while (csv->pos < csv->len) {
    if (t[csv->pos] == '\n') {
      csv->pos++;
    } else if (t[csv->pos] == '\r' && csv->pos + 1 < csv->len
        && t[csv->pos + 1] == '\n') {
      csv->pos += 2;
    } else {
      return TRUE;
    }
    csv->line++;
  }
  return FALSE;
}

void
ego_csv_append_field (GString * out, const char *text)
{
  gsize len = strlen (text);
  gboolean quote = strpbrk (text, ",\"\r\n") != NULL || (len > 0
      && (g_ascii_isspace (text[0]) || g_ascii_isspace (text[len - 1])));
  if (!quote) {
    g_string_append (out, text);
    return;
  }
  g_string_append_c (out, '"');
  for (const char *c = text; *c; c++) {
    if (*c == '"')
      g_string_append_c (out, '"');
    g_string_append_c (out, *c);
  }
  g_string_append_c (out, '"');
}

int
ego_csv_next (EgoCsv * csv, GError ** error)
{
  gsize offsets[EGO_CSV_MAX_FIELDS];
  gsize record_start;
  int end = FIELD_NEXT;

  csv->n_fields = 0;
  if (!skip_empty_lines (csv))
    return 0;
  record_start = csv->pos;
  csv->record_line = csv->line;
  g_string_truncate (csv->buf, 0);
  while (end == FIELD_NEXT) {
    if (csv->n_fields == EGO_CSV_MAX_FIELDS) {
      ego_text_fail (error, EGO_ERROR_INVALID, csv->name, csv->record_line,
          "record has more than %d fields", EGO_CSV_MAX_FIELDS);
      return -1;
    }
    offsets[csv->n_fields++] = csv->buf->len;
    end = read_field (csv, record_start, error);
    g_string_append_c (csv->buf, '\0');
  }
  if (end == FIELD_ERROR) {
    csv->n_fields = 0;
    return -1;
  }
  /* the buffer may have moved while it grew */
  for (int i = 0; i < csv->n_fields; i++)
    csv->fields[i] = csv->buf->str + offsets[i];
  return 1;
}

/* ---------------------------------------------------------------------- */
/* field values                                                           */

gboolean
ego_parse_int (const char *s, gint64 min, gint64 max, gint64 * out)
{
  gboolean negative = (*s == '-');
  gint64 v = 0;
  int digits = 0;

  for (const char *p = s + negative; *p != '\0'; p++) {
    /* 18 digits cannot overflow a gint64 */
    if (!g_ascii_isdigit (*p) || ++digits > 18)
      return FALSE;
    v = v * 10 + (*p - '0');
  }
  if (digits == 0)
    return FALSE;
  v = negative ? -v : v;
  if (v < min || v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

/* Exactly n digits at *p, as a number; -1 if not. */
static int
fixed_digits (const char **p, int n)
{
  int v = 0;

  for (int i = 0; i < n; i++, (*p)++) {
    if (!g_ascii_isdigit (**p))
      return -1;
    v = v * 10 + (**p - '0');
  }
  return v;
}

gboolean
ego_parse_timestamp (const char *s, double *seconds)
{
  const char *p = s;
  int hours = 0, n = 0, minutes, secs;
  double fraction = 0.0, scale = 1.0;

  for (; g_ascii_isdigit (*p) && n < 4; p++, n++)
    hours = hours * 10 + (*p - '0');
  if (n < 1 || n > 3 || *p++ != ':')
    return FALSE;
  minutes = fixed_digits (&p, 2);
  if (minutes < 0 || minutes >= 60 || *p++ != ':')
    return FALSE;
  secs = fixed_digits (&p, 2);
  if (secs < 0 || secs >= 60)
    return FALSE;
  if (*p == '.') {
    p++;
    for (n = 0; g_ascii_isdigit (*p) && n < 10; p++, n++) {
      scale /= 10.0;
      fraction += (*p - '0') * scale;
    }
    if (n < 1 || n > 9)
      return FALSE;
  }
  if (*p != '\0')
    return FALSE;
  *seconds = hours * 3600.0 + minutes * 60.0 + secs + fraction;
  return TRUE;
}

void
ego_format_timestamp (GString * out, double seconds)
{
  /* round once, to hundredths, so that 59.996 s is 00:01:00.00 and never
   * 00:00:60.00 */
  gint64 c = (gint64) llround (MAX (seconds, 0.0) * 100.0);
  g_string_append_printf (out, "%02d:%02d:%02d.%02d",
      (int) (c / 360000), (int) (c / 6000 % 60), (int) (c / 100 % 60),
      (int) (c % 100));
}

/* ---------------------------------------------------------------------- */
/* Python list literals                                                   */

typedef gboolean (*ItemParser) (const char **p, gpointer out, char **why);

static void
skip_spaces (const char **p)
{
  while (**p == ' ' || **p == '\t')
    (*p)++;
}

/* A quoted string as Python's repr writes it. */
static gboolean
parse_str_item (const char **p, gpointer out, char **why)
{
  char quote = **p;
  GString *s;

  if (quote != '\'' && quote != '"') {
    *why = g_strdup ("expected a quoted string");
    return FALSE;
  }
  s = g_string_new (NULL);
  for ((*p)++; **p != quote; (*p)++) {
    char c = **p;
    if (c == '\\') {
      c = *++(*p);
      c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
      if (c != '\\' && c != '\'' && c != '"' && c != '\n' && c != '\t') {
        *why = g_strdup ("unsupported escape in a string");
        g_string_free (s, TRUE);
        return FALSE;
      }
    } else if ((guchar) c < 0x20) {
      *why = g_strdup (c == '\0' ? "unterminated string" :
          "control character in a string");
      g_string_free (s, TRUE);
      return FALSE;
    }
    g_string_append_c (s, c);
  }
  (*p)++;
  g_ptr_array_add (out, g_string_free (s, FALSE));
  return TRUE;
}

static gboolean
parse_int_item (const char **p, gpointer out, char **why)
{
  const char *start = *p;
  char digits[12];
  gint64 v;
  int value;

  if (**p == '-')
    (*p)++;
  while (g_ascii_isdigit (**p) && *p - start < 11)
    (*p)++;
  if (*p - start >= 11 || *p == start) {
    *why = g_strdup ("expected an integer of at most 10 digits");
    return FALSE;
  }
  memcpy (digits, start, (gsize) (*p - start));
  digits[*p - start] = '\0';
  if (!ego_parse_int (digits, G_MININT, G_MAXINT, &v)) {
    *why = g_strdup ("expected an integer");
    return FALSE;
  }
  value = (int) v;
  g_array_append_val ((GArray *) out, value);
  return TRUE;
}

/* [item, item, ...] with optional spaces and an optional trailing comma. */
static gboolean
parse_list (const char *s, ItemParser item, gpointer out, guint * count,
    char **why)
{
  const char *p = s;
  char *reason = NULL;

  skip_spaces (&p);
  if (*p++ != '[') {
    *why = g_strdup ("does not start with '['");
    return FALSE;
  }
  for (skip_spaces (&p); *p != ']'; skip_spaces (&p)) {
    if (*count >= EGO_CSV_MAX_LIST) {
      *why = g_strdup_printf ("has more than %d items", EGO_CSV_MAX_LIST);
      return FALSE;
    }
    if (!item (&p, out, &reason))
      goto bad;
    (*count)++;
    skip_spaces (&p);
    if (*p == ',')
      p++;
    else if (*p != ']') {
      reason = g_strdup ("expected ',' or ']'");
      goto bad;
    }
  }
  p++;
  skip_spaces (&p);
  if (*p == '\0')
    return TRUE;
  reason = g_strdup ("text after ']'");
bad:
  *why = g_strdup_printf ("%s at character %d", reason, (int) (p - s) + 1);
  g_free (reason);
  return FALSE;
}

gboolean
ego_parse_str_list (const char *s, GPtrArray * out, char **why)
{
  guint count = 0;

  return parse_list (s, parse_str_item, out, &count, why);
}

gboolean
ego_parse_int_list (const char *s, GArray * out, char **why)
{
  guint count = 0;

  return parse_list (s, parse_int_item, out, &count, why);
}
