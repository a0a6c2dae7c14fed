/* gst-ego network library: fusion of teachers' logits, with the paper's
 * three weighting schemes (README, Teachers and fusion).
 *
 * M unimodal teachers each give logits for the same N clips of one head
 * with K classes; the fused teacher is the weighted sum, per clip r,
 *
 *   z_T(r) = sum_i w_i(r) z_i(r),   sum_i w_i(r) = 1,
 *
 * with the weights of one of three schemes:
 *
 *   uniform       w_i = 1 / M (the naive average);
 *   per-sample    w_i(r) = softmin_i (CE(z_i(r), y_r) / tau_w), that is
 *                 w_i(r) proportional to p_i(y_r | r)^(1 / tau_w);
 *   full-dataset  w = softmin_i (mean_r CE(z_i(r), y_r) / tau_w), measured
 *                 on held-out labelled clips the teachers were not trained
 *                 on (ego_fusion_dataset_weights), then the same for every
 *                 clip.
 *
 * Every function works on one head: call it once per head so that a teacher
 * can weigh much on one head and little on another (a flow teacher on the
 * noun head). Logits are laid out (M, N, K): teacher i's logits of clip r
 * start at logits[(i * N + r) * K]. Cross-entropies come from a stable
 * log-sum-exp in double precision, so a small tau_w does not overflow: the
 * weights then go to the teacher with the lowest loss. Nothing allocates;
 * bad arguments are reported in the EGO_ERROR domain. */
#ifndef EGO_FUSION_H
#define EGO_FUSION_H

#include <stdint.h>
#include <glib.h>

#include "ego_error.h"

typedef enum
{
  EGO_FUSION_UNIFORM,
  EGO_FUSION_PER_SAMPLE,
  EGO_FUSION_FULL_DATASET,
} EgoFusionScheme;

/* "uniform", "per-sample" or "full-dataset" (and back); the name of an
 * unknown value is NULL. */
gboolean ego_fusion_scheme_parse (const char *name, EgoFusionScheme * scheme,
    GError ** error);
const char *ego_fusion_scheme_name (EgoFusionScheme scheme);

/* Held-out weights of the full-dataset scheme: logits (m, n, k) of n
 * labelled clips, labels (n) in [0, k); weights (m) out. Needs n >= 1. */
gboolean ego_fusion_dataset_weights (const float *logits,
    const int32_t * labels, int m, int n, int k, double tau_w,
    float *weights, GError ** error);

/* Every clip's weights under scheme: logits (m, n, k); labels (n) (only
 * per-sample reads them; may be NULL otherwise); dataset_weights (m) from
 * ego_fusion_dataset_weights (only full-dataset reads them: non-negative,
 * finite, summing to 1); weights (m, n) out, weights[i * n + r] the weight
 * of teacher i on clip r. tau_w > 0 (only per-sample reads it). */
gboolean ego_fusion_weights (EgoFusionScheme scheme, const float *logits,
    const int32_t * labels, int m, int n, int k, double tau_w,
    const float *dataset_weights, float *weights, GError ** error);

/* fused (n, k) = sum_i weights[i * n + r] * logits (i, r, :) */
void ego_fusion_apply (const float *logits, const float *weights, int m,
    int n, int k, float *fused);

/* Cross-entropy -log softmax(z)[y] of one row z (k), in double. */
double ego_fusion_cross_entropy (const float *z, int k, int32_t y);

#endif /* EGO_FUSION_H */
