/* gst-ego: teacher logits from another framework, as JSON lines
 * (README, Files and formats):
 *
 *   {"narration_id": "P01_01_0", "verb": [logits...], "noun": [logits...]}
 *
 * one clip per line, one array per head of exactly the head's class count.
 * The file is hostile input: a line that is not such an object, a missing
 * id, a wrong length, a value that is not a finite number (NaN, Infinity)
 * or an id given twice fails with "<file>:<line>: <reason>". Lines for
 * clips the run does not use are kept but harmless, so one file may serve
 * every split. */
#ifndef __EGO_TEACHER_LOGITS_H__
#define __EGO_TEACHER_LOGITS_H__

#include <glib.h>

#include "clipcache.h"

typedef struct _EgoTeacherLogits EgoTeacherLogits;

EgoTeacherLogits *ego_teacher_logits_load (const gchar * path, gint n_heads,
    gchar * const *heads, const gint * classes, GError ** error);
/* The same from len bytes of text (NUL-terminated), name standing for the
 * file in messages. */
EgoTeacherLogits *ego_teacher_logits_parse (const gchar * name,
    const gchar * text, gsize len, gint n_heads, gchar * const *heads,
    const gint * classes, GError ** error);
void ego_teacher_logits_free (EgoTeacherLogits * t);
/* The logits of a clip for a head, or NULL when the file has none. */
const gfloat *ego_teacher_logits_lookup (const EgoTeacherLogits * t,
    const gchar * narration_id, gint head);

/* Copies the logits of every clip of cache (ids: its narration ids) into
 * it; fails, naming the first clip without logits and how many lack them. */
gboolean ego_teacher_logits_fill (const EgoTeacherLogits * t,
    EgoClipCache * cache, const gchar * const *ids, GError ** error);

#endif /* __EGO_TEACHER_LOGITS_H__ */
