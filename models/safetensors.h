/* gst-ego network library: safetensors files.
 *
 * Layout: 8-byte little-endian header length N, N bytes of JSON header, then
 * the raw little-endian tensor data. The header maps tensor names to
 * {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the
 * data section) and may hold "__metadata__", a map of strings to strings.
 * Everything is treated as hostile input: the loader checks the header
 * length against the file, the JSON, every dtype, shape and offset range,
 * overlaps and gaps, and that F32 values are finite, and reports the first
 * problem with the file name in the message.
 */
#ifndef EGO_SAFETENSORS_H
#define EGO_SAFETENSORS_H

#include <glib.h>
#include <stdint.h>

#include "ego_error.h"

#define EGO_ST_MAX_DIMS 8
/* refuse headers larger than this (the format's own limit is 100 MB) */
#define EGO_ST_MAX_HEADER (16 * 1024 * 1024)
/* and files larger than this: the largest network here, with its
 * optimiser's state, is some tens of MB */
#define EGO_ST_MAX_FILE ((gsize) 2 * 1024 * 1024 * 1024)

typedef enum
{
  EGO_DTYPE_F32,
  EGO_DTYPE_I32,
  EGO_DTYPE_I64,
  EGO_DTYPE_U8,
} EgoDType;

typedef struct
{
  char *name;
  EgoDType dtype;
  int ndim;
  int64_t shape[EGO_ST_MAX_DIMS];
  int64_t numel;
  const void *data;             /* into the loaded file, or an aligned copy
                                 * when misaligned there: always aligned for
                                 * dtype; valid until ego_safetensors_free */
  size_t nbytes;
} EgoStTensor;

typedef struct _EgoSafetensors EgoSafetensors;

EgoSafetensors *ego_safetensors_load (const char *path, GError ** error);
/* the same checks on bytes already in memory; name is used in messages */
EgoSafetensors *ego_safetensors_parse (const char *name, GBytes * bytes,
    GError ** error);
void ego_safetensors_free (EgoSafetensors * st);

int ego_safetensors_count (const EgoSafetensors * st);
const EgoStTensor *ego_safetensors_tensor (const EgoSafetensors * st, int i);
/* NULL when absent */
const EgoStTensor *ego_safetensors_find (const EgoSafetensors * st,
    const char *name);
/* value of a __metadata__ key, or NULL */
const char *ego_safetensors_metadata (const EgoSafetensors * st,
    const char *key);
const char *ego_safetensors_name (const EgoSafetensors * st);

/* Write tensors (data taken from each EgoStTensor) and string metadata
 * (NULL-terminated key, value, key, value ... array, may be NULL) to path,
 * atomically: a temporary file in the same folder, then rename. */
gboolean ego_safetensors_save (const char *path, const EgoStTensor * tensors,
    int n_tensors, const char *const *metadata, GError ** error);

#endif /* EGO_SAFETENSORS_H */
