/* libFuzzer harness for the model file readers: bytes go to
 * ego_safetensors_parse, and the "ego" metadata of a file that parses goes
 * to ego_model_meta_parse. Input starting with '{' is also given to
 * ego_model_meta_parse directly, so the metadata checks are reached without
 * the fuzzer first building a whole valid safetensors file.
 *
 * Build and run (see meson_options.txt):
 *   CC=clang meson setup build-fuzz -Dfuzz=true
 *   ninja -C build-fuzz tests/fuzz/fuzz_safetensors
 *   build-fuzz/tests/fuzz/fuzz_safetensors -dict=tests/fuzz/safetensors.dict \
 *       -max_total_time=60 CORPUS_DIR
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "modelmeta.h"
#include "safetensors.h"

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

/* A parsed description must serialise, parse again and copy. */
static void
check_meta (const char *json)
{
  EgoModelMeta meta, again, copy;
  GError *error = NULL;
  char *text;

  if (!ego_model_meta_parse (&meta, json, "fuzz", &error)) {
    g_clear_error (&error);
    return;
  }
  text = ego_model_meta_to_json (&meta);
  if (!ego_model_meta_parse (&again, text, "fuzz", &error)) {
    /* abort is how a harness tells libFuzzer it found a bug */
    fprintf (stderr, "to_json output does not parse: %s\n%s\n",
        error->message, text);
    abort ();
  }
  ego_model_meta_copy (&copy, &again);
  ego_model_meta_clear (&copy);
  ego_model_meta_clear (&again);
  ego_model_meta_clear (&meta);
  g_free (text);
}

/* kept so the compiler cannot drop the reads in check_tensors */
static volatile guint8 fuzz_sink;

/* Read every byte of every tensor, so ASan checks the ranges. */
static void
check_tensors (const EgoSafetensors * st)
{

  for (int i = 0; i < ego_safetensors_count (st); i++) {
    const EgoStTensor *t = ego_safetensors_tensor (st, i);
    const guint8 *p = t->data;
    for (size_t b = 0; b < t->nbytes; b++)
      fuzz_sink ^= p[b];
    if (ego_safetensors_find (st, t->name) != t) {
      fprintf (stderr, "tensor '%s' is not found by name\n", t->name);
      abort ();
    }
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  /* a copy of exactly size bytes, so ASan sees any read past the end */
  GBytes *bytes = g_bytes_new (data, size);
  GError *error = NULL;
  EgoSafetensors *st = ego_safetensors_parse ("fuzz", bytes, &error);

  if (st != NULL) {
    const char *ego = ego_safetensors_metadata (st, "ego");
    check_tensors (st);
    if (ego != NULL)
      check_meta (ego);
    ego_safetensors_free (st);
  } else {
    g_clear_error (&error);
  }
  g_bytes_unref (bytes);

  if (size > 0 && data[0] == '{') {
    char *json = g_strndup ((const char *) data, size);
    check_meta (json);
    g_free (json);
  }
  return 0;
}
