/* What a model's input lets it tell, for ego-eval and ego-layout eval:
 * --reversed-pairs, pairs of one head's classes that are each other's time
 * reversal (take/put, open/close), and how often a model tells the
 * direction within them (ego_pair_accuracy); --noun-by-verb, the noun's
 * top-1 among the clips of each true verb (ego_top1_by_group). */
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
  gboolean noun_by_verb;        /* --noun-by-verb */
} EgoPairs;

/* spec "a/b,c/d" names classes by their key, all in one head of meta,
 * each in one pair.
 * NULL or "" gives no pairs. Errors name the option and the class.
 * Leaves noun_by_verb off. */
gboolean ego_pairs_parse (const char *spec, const EgoModelMeta * meta,
    EgoPairs * p, GError ** error);

/* ", \"reversed_pairs\": {\"head\": ..., \"accuracy\": x, \"clips\": n,
 * \"pairs\": {\"take/put\": {\"accuracy\": x, \"clips\": n}, ...}}", or
 * nothing without pairs or clips of them; then "noun_by_verb" when asked
 * for. */
void ego_pairs_append_json (GString * out, const EgoPairs * p,
    const EgoModelMeta * meta, const EgoEvalResult * r);

/* A line for the terminal, and one per pair, or nothing; then the
 * noun_by_verb table when asked for. */
void ego_pairs_print (const EgoPairs * p, const EgoModelMeta * meta,
    const EgoEvalResult * r);

#endif /* EGO_PAIRS_H */
