/* gst-ego network library: evaluation metrics: top-k, ECE, views
 * (README, Teachers and fusion). */
#ifndef EGO_METRICS_H
#define EGO_METRICS_H

#include <stdint.h>

#define EGO_ECE_BINS 15

/* Percentage of rows of logits (n, k) whose true class is among the top
 * `top` scores (ties counted against the truth: a class scoring the same as
 * the truth and listed before it pushes it down). */
double ego_topk_accuracy (const float *logits, const int32_t * labels, int n,
    int k, int top);

/* Expected calibration error in percent: softmax of each row of logits,
 * confidence = max probability, EGO_ECE_BINS equal-width bins over (0, 1]
 * with bins (lower, upper]; sum over bins of |mean confidence - accuracy|
 * times the fraction of rows in the bin. */
double ego_ece (const float *logits, const int32_t * labels, int n, int k);

/* Per-bin counts, mean confidence and accuracy (for reliability diagrams);
 * arrays of EGO_ECE_BINS. */
void ego_ece_bins (const float *logits, const int32_t * labels, int n, int k,
    int *count, double *confidence, double *accuracy);

/* Percentage of rows where both heads' argmax are right (action top-1). */
double ego_joint_accuracy (const float *logits_a, const int32_t * labels_a,
    int ka, const float *logits_b, const int32_t * labels_b, int kb, int n);

/* Adds each row's (true class, argmax) to counts (k, k), rows the true
 * class, columns the predicted one; rows whose label is outside [0, k)
 * are left out. */
void ego_confusion_add (const float *logits, const int32_t * labels, int n,
    int k, int *counts);

/* Whether the direction of a reversible action is told, whatever else is
 * confused: of the rows whose true class is in one of the pairs (classes
 * pairs[2p] and pairs[2p + 1], indices in [0, k)), the percentage that
 * score the true class above its partner (a tie counts as wrong). A model
 * that cannot tell the two apart scores about 50. *counted gets the number
 * of such rows; -1 when there are none. */
double ego_pair_accuracy (const float *logits, const int32_t * labels, int n,
    int k, const int *pairs, int n_pairs, int *counted);

/* Top-1 of one head within each group of rows, the groups being another
 * head's true classes (a noun's top-1 per true verb shows what a model
 * knows of the object beyond the action): top1[g] is the percentage of the
 * rows with groups[r] == g whose argmax is labels[r], -1 for a group
 * without rows; counts[g] the rows. Rows whose group is outside
 * [0, n_groups) are left out. */
void ego_top1_by_group (const float *logits, const int32_t * labels,
    const int32_t * groups, int n, int k, int n_groups, double *top1,
    int *counts);

#endif /* EGO_METRICS_H */
