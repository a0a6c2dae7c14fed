/* gst-ego network library: the "ego" metadata of a model file (README,
 * Files and formats), parsed and validated, and written back. */
#ifndef EGO_MODELMETA_H
#define EGO_MODELMETA_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "ego_error.h"

#define EGO_META_FORMAT 1
#define EGO_MAX_HEADS 4
/* RGB and flow (dx, dy) together */
#define EGO_MAX_CHANNELS 5
#define EGO_MAX_LABELS 4096

typedef struct
{
  char *name;
  int n_labels;
  char **labels;                /* n_labels strings */
} EgoHeadMeta;

typedef struct
{
  int format;
  char *kind;                   /* "student" | "teacher" */
  char *modality;               /* rgb, flow, audio, layout or rgbflow */
  JsonObject *arch;             /* owned reference; read by the network */
  int width, height;            /* network input size */
  int channels;                 /* length of mean and std */
  float mean[EGO_MAX_CHANNELS], std[EGO_MAX_CHANNELS];
  int frames;                   /* frames per window */
  int frame_step;               /* sample every frame_step-th source frame */
  int n_heads;
  EgoHeadMeta heads[EGO_MAX_HEADS];
  double temperature;           /* calibration temperature, > 0 */
  JsonObject *provenance;       /* owned reference, may be empty */
} EgoModelMeta;

/* Parse and validate the JSON string of the "ego" metadata key. name (the
 * file) is used in messages. On error returns FALSE and leaves meta
 * cleared. */
gboolean ego_model_meta_parse (EgoModelMeta * meta, const char *json,
    const char *name, GError ** error);
/* Serialise to a newly allocated JSON string. */
char *ego_model_meta_to_json (const EgoModelMeta * meta);

/* text as a JSON string literal, quotes and escapes included; g_free it */
char *ego_json_quote (const char *text);
/* A parser holding the JSON document of a regular file of at most
 * max_bytes of UTF-8; NULL and an error naming the file. */
JsonParser *ego_json_load_file (const char *path, gsize max_bytes,
    GError ** error);
void ego_model_meta_clear (EgoModelMeta * meta);
/* Deep copy. */
void ego_model_meta_copy (EgoModelMeta * dst, const EgoModelMeta * src);
/* index of the head called name, or -1 */
int ego_model_meta_head (const EgoModelMeta * meta, const char *name);

#endif /* EGO_MODELMETA_H */
