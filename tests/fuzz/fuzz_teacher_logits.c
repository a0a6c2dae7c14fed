/* libFuzzer harness for the teacher logits reader (JSON lines, README
 * "Files and formats"): the bytes are parsed as a file of logits for a verb
 * head of 3 classes and a noun head of 4. What parses must give finite
 * logits for the ids it holds, and nothing for heads it does not have.
 *
 * Build and run (see meson_options.txt):
 *   CC=clang meson setup build-fuzz -Dfuzz=true
 *   ninja -C build-fuzz tests/fuzz/fuzz_teacher_logits
 *   cp -r tests/fuzz/corpus-logits CORPUS_DIR     # valid files to start from
 *   build-fuzz/tests/fuzz/fuzz_teacher_logits -dict=tests/fuzz/logits.dict \
 *       -max_total_time=60 CORPUS_DIR
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "egoteacherlogits.h"
#include "fuzzcheck.h"

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static void
check_clip (const EgoTeacherLogits * t, const char *id)
{
  static const gint classes[] = { 3, 4 };

  for (gint h = 0; h < 2; h++) {
    const gfloat *z = ego_teacher_logits_lookup (t, id, h);
    if (z == NULL)
      continue;
    for (gint i = 0; i < classes[h]; i++)
      check (isfinite (z[i]), "finite logits");
  }
  check (ego_teacher_logits_lookup (t, id, 2) == NULL, "no third head");
  check (ego_teacher_logits_lookup (t, id, -1) == NULL, "no head -1");
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  gchar *heads[] = { (gchar *) "verb", (gchar *) "noun" };
  const gint classes[] = { 3, 4 };
  gchar *text = g_malloc (size + 1);
  GError *error = NULL;
  EgoTeacherLogits *t;

  memcpy (text, data, size);
  text[size] = '\0';
  t = ego_teacher_logits_parse ("fuzz.jsonl", text, size, 2, heads, classes,
      &error);
  check ((t == NULL) == (error != NULL), "an error exactly on failure");
  if (t != NULL) {
    check_clip (t, "a");
    check_clip (t, "P01_01_0");
    check_clip (t, "");
    ego_teacher_logits_free (t);
  } else {
    check (strncmp (error->message, "fuzz.jsonl:", 11) == 0,
        "the error names the file");
    g_error_free (error);
  }
  g_free (text);
  return 0;
}
