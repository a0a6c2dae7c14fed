/* ego-layout eval's output: the JSON object and table of ego-eval
 * and the teacher-logits JSON lines (README, Files and formats), one clip
 * per line in the split's order. */
#ifndef EGO_LAYOUT_OUTPUT_H
#define EGO_LAYOUT_OUTPUT_H

#include <glib.h>

#include "dataset.h"
#include "egopairs.h"
#include "modelmeta.h"
#include "trainer.h"            /* EgoEvalResult */

/* pairs: --reversed-pairs, see egopairs.h */
void ego_layout_print_json (const EgoModelMeta * meta,
    const EgoEvalResult * r, const EgoPairs * pairs);
void ego_layout_print_table (const EgoModelMeta * meta,
    const EgoEvalResult * r, const char *split, const EgoPairs * pairs);
/* Written atomically; r's clips are ds's, in order. */
gboolean ego_layout_write_logits (const EgoModelMeta * meta,
    const EgoEvalResult * r, const EgoDataset * ds, const char *path,
    GError ** error);

#endif /* EGO_LAYOUT_OUTPUT_H */
