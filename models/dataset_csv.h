/* gst-ego network library: the text readers under the dataset reader (not
 * installed; used by dataset.c and the fuzz harness).
 *
 * The CSV dialect is the one pandas and Python's csv module write (RFC 4180):
 * fields separated by ',', a field that starts with '"' is quoted and may
 * hold commas, line breaks and doubled quotes (""), records end with LF or
 * CRLF, a UTF-8 byte order mark before the first record is skipped, and empty
 * lines are skipped. Everything else is refused with "<name>:<line>: <why>":
 * a NUL byte or invalid UTF-8 anywhere, a '"' inside an unquoted field, text
 * after a closing quote, a carriage return not followed by a line feed, an
 * unterminated quote, and records longer than EGO_CSV_MAX_RECORD bytes or with
 * more than EGO_CSV_MAX_FIELDS fields.
 */
#ifndef EGO_DATASET_CSV_H
#define EGO_DATASET_CSV_H

#include <glib.h>

#include "ego_error.h"

#define EGO_CSV_MAX_FIELDS 64
#define EGO_CSV_MAX_RECORD (64 * 1024)
/* items in one list literal (all_nouns, all_noun_classes) */
#define EGO_CSV_MAX_LIST 64

typedef struct
{
  const char *name;             /* file name for messages */
  const char *text;
  gsize len;
  gsize pos;
  int line;                     /* line of text[pos], from 1 */
  int record_line;              /* line the last record started on */
  int n_fields;
  const char *fields[EGO_CSV_MAX_FIELDS];       /* into buf, NUL-ended */
  GString *buf;
} EgoCsv;

/* Set error to "<name>:<line>: <message>" (line 0: "<name>: <message>").
 * Returns FALSE for tail calls. */
/* *INDENT-OFF* */
gboolean ego_text_fail (GError ** error, EgoErrorCode code, const char *name,
    int line, const char *format, ...) G_GNUC_PRINTF (5, 6);
/* *INDENT-ON* */

/* Read a whole regular file of at most max_bytes into a NUL-terminated
 * buffer (g_free it). */
gboolean ego_text_read (const char *path, gsize max_bytes, char **contents,
    gsize * len, GError ** error);

/* Refuse NUL bytes and invalid UTF-8, naming the line. */
gboolean ego_text_check (const char *name, const char *text, gsize len,
    GError ** error);

/* A short printable rendering of field text for messages: quoted, escaped
 * and cut at 40 characters. g_free it. */
char *ego_text_quote (const char *s);

/* Checks the text (ego_text_check) and skips a byte order mark. The text
 * must outlive the reader. */
gboolean ego_csv_init (EgoCsv * csv, const char *name, const char *text,
    gsize len, GError ** error);
/* 1: a record is in fields[0 .. n_fields); 0: end of text; -1: error */
int ego_csv_next (EgoCsv * csv, GError ** error);
void ego_csv_clear (EgoCsv * csv);
/* Appends text as one field of this dialect: quoted (quotes doubled) when
 * it holds a comma, a quote, a line break or leading or trailing spaces,
 * so that the reader gives back the same text. */
void ego_csv_append_field (GString * out, const char *text);

/* Decimal integer in [min, max]: an optional '-' and 1 to 18 digits, no
 * spaces or '+'. */
gboolean ego_parse_int (const char *s, gint64 min, gint64 max, gint64 * out);
/* H:MM:SS, H:MM:SS.f... (1 to 9 fraction digits, H of 1 to 3 digits, MM and
 * SS below 60) in seconds */
gboolean ego_parse_timestamp (const char *s, double *seconds);
/* Appends seconds (>= 0) as HH:MM:SS.ff, the form EPIC-Kitchens writes and
 * ego_parse_timestamp reads back to within 5 ms. */
void ego_format_timestamp (GString * out, double seconds);
/* Python list literals as pandas writes them: ['door', "chef's knife"] and
 * [3, 8]; an empty list is []. On failure *why says what is wrong (g_free
 * it). Strings are appended to out as newly allocated strings. */
gboolean ego_parse_str_list (const char *s, GPtrArray * out, char **why);
gboolean ego_parse_int_list (const char *s, GArray * out, char **why);

#endif /* EGO_DATASET_CSV_H */
