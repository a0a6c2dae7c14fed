/* libFuzzer harness for the dataset reader's text formats: the same bytes
 * go to the class file parser, the split CSV parser (with and without
 * labels required) and the detections parser. Whatever parses must hold
 * the invariants the rest of the library relies on, and its clips must
 * sample to frames inside them.
 *
 * Build and run (see meson_options.txt):
 *   CC=clang meson setup build-fuzz -Dfuzz=true
 *   ninja -C build-fuzz tests/fuzz/fuzz_dataset_csv
 *   build-fuzz/tests/fuzz/fuzz_dataset_csv -dict=tests/fuzz/dataset.dict \
 *       -max_total_time=60 CORPUS_DIR
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "dataset.h"
#include "fuzzcheck.h"

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static const char *const verbs[] = { "take", "put", "wash", "open", "close",
  "insert", "turn-on", "cut", "turn-off", "pour", NULL
};

static const char *const nouns[] = { "tap", "spoon", "plate", "cupboard",
  "knife", "pan", "lid", "bowl", "drawer", "sponge", NULL
};

static void
check_samples (const EgoClip * c)
{
  int out[16];
  EgoRng rng;

  ego_rng_seed (&rng, (uint64_t) c->start_frame, 1);
  for (int mode = 0; mode < 4; mode++) {
    gboolean train = mode & 1;
    gboolean ok = mode < 2 ?
        ego_sample_tsn (c->start_frame, c->stop_frame, 16, train, &rng, out)
        : ego_sample_fixed_step (c->start_frame, c->stop_frame, 16, 5, train,
        &rng, out);
    check (ok, "sampling a parsed clip");
    for (int i = 0; i < 16; i++) {
      check (out[i] >= c->start_frame && out[i] <= c->stop_frame,
          "sampled frame inside the clip");
      check (i == 0 || out[i] >= out[i - 1], "sampled frames in order");
    }
  }
}

static void
check_dataset (const EgoDataset * ds)
{
  for (int i = 0; i < ego_dataset_n_clips (ds); i++) {
    const EgoClip *c = ego_dataset_clip (ds, i);
    const EgoVideo *v = ego_dataset_video (ds, c->video);
    check (v != NULL && strcmp (v->video_id, c->video_id) == 0, "video");
    check (ego_dataset_find_clip (ds, c->narration_id) == i, "clip index");
    check (c->start_frame >= 0 && c->stop_frame >= c->start_frame, "frames");
    check (c->stop_time >= c->start_time, "times");
    check (c->verb_class >= -1 && c->verb_class < 10, "verb class");
    check (c->noun_class >= -1 && c->noun_class < 10, "noun class");
    for (int k = 0; k < c->n_all_noun_classes; k++)
      check (c->all_noun_classes[k] >= 0 && c->all_noun_classes[k] < 10,
          "all_noun_classes");
    check_samples (c);
  }
}

static void
check_detections (const EgoDetections * det)
{
  for (int i = 0; i < det->n_frames; i++) {
    int n;
    const EgoBox *b = ego_detections_lookup (det, det->frames[i], &n);
    check (i == 0 || det->frames[i] > det->frames[i - 1], "frames ascend");
    check (n == det->first_box[i + 1] - det->first_box[i], "box count");
    check (n <= EGO_DETECTIONS_MAX_BOXES, "box limit");
    for (int k = 0; k < n; k++)
      check (b[k].x1 >= 0 && b[k].x2 <= 1 && b[k].x1 <= b[k].x2
          && b[k].y1 >= 0 && b[k].y2 <= 1 && b[k].y1 <= b[k].y2
          && b[k].score >= 0 && b[k].score <= 1, "box values");
  }
  check (det->first_box[det->n_frames] == det->n_boxes, "boxes tile");
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  /* a copy of exactly size bytes, so ASan sees any read past the end */
  char *text = g_memdup2 (data, size);
  EgoDataset *ds;
  EgoDetections *det;
  char **keys;
  int n;

  keys = ego_dataset_parse_classes ("fuzz", text, size, &n, NULL);
  if (keys != NULL)
    check (n > 0 && keys[n] == NULL && keys[n - 1] != NULL, "class keys");
  g_strfreev (keys);
  for (int labels = 0; labels < 2; labels++) {
    ds = ego_dataset_parse ("fuzz", text, size, labels, verbs, nouns, NULL);
    if (ds != NULL)
      check_dataset (ds);
    ego_dataset_free (ds);
  }
  det = ego_detections_parse ("fuzz", text, size, NULL);
  if (det != NULL)
    check_detections (det);
  ego_detections_free (det);
  g_free (text);
  return 0;
}
