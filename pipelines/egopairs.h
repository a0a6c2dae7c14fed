/* --reversed-pairs of ego-eval and ego-layout eval: pairs of one head's
 * classes that are each other's time reversal (take/put, open/close), and
 * how often a model tells the direction within them (ego_pair_accuracy). */
#ifndef EGO_PAIRS_H
#define EGO_PAIRS_H

#include <glib.h>

#include "modelmeta.h"
#include "trainer.h"

#define EGO_PAIRS_MAX 64

typedef struct
{
  int head;                     /* -1: no pairs given */
  int n;
  int pairs[2 * EGO_PAIRS_MAX]; /* class indices of the head */
} EgoPairs;

/* spec "a/b,c/d" names classes by their key, all in one head of meta,
 * each in one pair.
 * NULL or "" gives no pairs. Errors name the option and the class. */
gboolean ego_pairs_parse (const char *spec, const EgoModelMeta * meta,
    EgoPairs * p, GError ** error);

/* ", \"reversed_pairs\": {\"head\": ..., \"accuracy\": x, \"clips\": n}",
 * or nothing without pairs or clips of them. */
void ego_pairs_append_json (GString * out, const EgoPairs * p,
    const EgoModelMeta * meta, const EgoEvalResult * r);

/* One line for the terminal table, or nothing. */
void ego_pairs_print (const EgoPairs * p, const EgoModelMeta * meta,
    const EgoEvalResult * r);

#endif /* EGO_PAIRS_H */
