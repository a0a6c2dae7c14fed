/* gst-ego network library: evaluation metrics of DESIGN.md section 4. */
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

#endif /* EGO_METRICS_H */
