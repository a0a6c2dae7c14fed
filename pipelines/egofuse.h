/* ego-fuse: the fused teacher of a split, shared by the command
 * (ego-fuse.c) and its output (egofuseoutput.c). */
#ifndef EGO_FUSE_H
#define EGO_FUSE_H

#include <glib.h>
#include <stdint.h>

#include "dataset.h"
#include "fusion.h"

/* EPIC-Kitchens' heads, in the order of the teacher-logits lines */
#define EGO_FUSE_HEADS 2

typedef struct
{
  const EgoDataset *ds;
  int n;                        /* clips */
  int *clips;                   /* (n) indices into ds */
  int32_t *labels[EGO_FUSE_HEADS];      /* (n) per head, -1: unlabelled */
  gboolean labelled;            /* every clip has both labels */
  gchar *what;                  /* "N clips of SPLIT" for messages */
} EgoFuseClips;

typedef struct
{
  EgoFusionScheme scheme;
  double tau_w;
  int m;                        /* teachers */
  gchar **names;                /* (m) */
  gchar *heads[EGO_FUSE_HEADS];
  int classes[EGO_FUSE_HEADS];
  EgoFuseClips split;
  EgoFuseClips held;            /* full-dataset only */
  float *logits[EGO_FUSE_HEADS];        /* (m, split.n, classes) */
  float *weights[EGO_FUSE_HEADS];       /* (m, split.n) */
  float *dataset_weights[EGO_FUSE_HEADS];       /* (m), full-dataset */
  float *fused[EGO_FUSE_HEADS]; /* (split.n, classes) */
} EgoFuse;

/* narration id of clip r of a clip set */
const char *ego_fuse_clip_id (const EgoFuseClips * set, int r);

/* The fused logits as teacher-logits JSON lines, written to a temporary
 * file then renamed over path (g_file_set_contents). */
gboolean ego_fuse_write_logits (const EgoFuse * f, const char *path,
    GError ** error);

/* One JSON object: the scheme, tau_w, clip counts, the teachers' names and
 * per head each teacher's weight (per-sample: its mean over the clips) and
 * each teacher's and the fused logits' top-1 (null without labels), and
 * action top-1. per_clip adds every clip's weights (per-sample only).
 * g_free the text. */
gchar *ego_fuse_summary_json (const EgoFuse * f, gboolean per_clip);

/* The same as a table on standard output. */
void ego_fuse_print_table (const EgoFuse * f);

#endif /* EGO_FUSE_H */
