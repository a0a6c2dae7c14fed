/* Fusion of teachers' logits, see fusion.h. */
#include "fusion.h"

#include <math.h>
#include <string.h>

/* a weight vector must sum to 1 within this */
#define SUM_SLACK 1e-4
/* most teachers a fusion takes: the m scaled losses of one clip (or their
 * means) are kept on the stack */
#define MAX_TEACHERS 1024

static const char *const scheme_names[] = {
  [EGO_FUSION_UNIFORM] = "uniform",
  [EGO_FUSION_PER_SAMPLE] = "per-sample",
  [EGO_FUSION_FULL_DATASET] = "full-dataset",
};

gboolean
ego_fusion_scheme_parse (const char *name, EgoFusionScheme * scheme,
    GError ** error)
{
  for (int s = 0; s < (int) G_N_ELEMENTS (scheme_names); s++)
    if (g_strcmp0 (name, scheme_names[s]) == 0) {
      *scheme = (EgoFusionScheme) s;
      return TRUE;
    }
  g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "unknown weighting "
      "scheme \"%s\" (uniform, per-sample or full-dataset)",
      name ? name : "(none)");
  return FALSE;
}

const char *
ego_fusion_scheme_name (EgoFusionScheme scheme)
{
  if ((int) scheme < 0 || (int) scheme >= (int) G_N_ELEMENTS (scheme_names))
    return NULL;
  return scheme_names[scheme];
}

double
ego_fusion_cross_entropy (const float *z, int k, int32_t y)
{
  double m = z[0], sum = 0.0;
  for (int j = 1; j < k; j++)
    if (z[j] > m)
      m = z[j];
  for (int j = 0; j < k; j++)
    sum += exp ((double) z[j] - m);
  return m + log (sum) - z[y];
}

static gboolean
check_shape (int m, int n, int k, GError ** error)
{
  if (m >= 1 && m <= MAX_TEACHERS && n >= 0 && k >= 1)
    return TRUE;
  g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "cannot fuse %d "
      "teachers' logits of %d clips and %d classes", m, n, k);
  return FALSE;
}

static gboolean
check_tau (double tau_w, GError ** error)
{
  if (isfinite (tau_w) && tau_w > 0.0)
    return TRUE;
  g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "the weighting "
      "temperature tau_w must be positive and finite, not %g", tau_w);
  return FALSE;
}

static gboolean
check_labels (const int32_t * labels, int n, int k, GError ** error)
{
  if (labels == NULL && n > 0) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "weighting teachers "
        "by their losses needs the clips' labels");
    return FALSE;
  }
  for (int r = 0; r < n; r++)
    if (labels[r] < 0 || labels[r] >= k) {
      g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "clip %d has label "
          "%d, outside the %d classes", r, (int) labels[r], k);
      return FALSE;
    }
  return TRUE;
}

/* x[0], x[stride], ... (m values) = softmax (v), v (m) holding the
 * -CE / tau_w of the teachers: the softmin of their losses. */
static void
softmax_strided (float *x, int m, size_t stride, const double *v)
{
  double top = v[0], sum = 0.0;
  for (int i = 1; i < m; i++)
    top = MAX (top, v[i]);
  for (int i = 0; i < m; i++)
    sum += exp (v[i] - top);
  for (int i = 0; i < m; i++)
    x[i * stride] = (float) (exp (v[i] - top) / sum);
}

gboolean
ego_fusion_dataset_weights (const float *logits, const int32_t * labels,
    int m, int n, int k, double tau_w, float *weights, GError ** error)
{
  double v[MAX_TEACHERS];
  if (!check_shape (m, n, k, error) || !check_tau (tau_w, error)
      || !check_labels (labels, n, k, error))
    return FALSE;
  if (n < 1) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "full-dataset "
        "weights need at least one held-out clip");
    return FALSE;
  }
  for (int i = 0; i < m; i++) {
    double total = 0.0;
    for (int r = 0; r < n; r++)
      total += ego_fusion_cross_entropy (logits + ((size_t) i * n + r) * k,
          k, labels[r]);
    v[i] = -total / n / tau_w;
    if (!isfinite (v[i])) {
      g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "teacher %d's "
          "held-out cross-entropy is not finite", i);
      return FALSE;
    }
  }
  softmax_strided (weights, m, 1, v);
  return TRUE;
}

static gboolean
per_sample_weights (const float *logits, const int32_t * labels, int m,
    int n, int k, double tau_w, float *weights, GError ** error)
{
  double v[MAX_TEACHERS];
  if (!check_tau (tau_w, error) || !check_labels (labels, n, k, error))
    return FALSE;
  for (int r = 0; r < n; r++) {
    for (int i = 0; i < m; i++) {
      v[i] = -ego_fusion_cross_entropy (logits + ((size_t) i * n + r) * k,
          k, labels[r]) / tau_w;
      if (!isfinite (v[i])) {
        g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "teacher %d's "
            "cross-entropy on clip %d is not finite", i, r);
        return FALSE;
      }
    }
    softmax_strided (weights + r, m, (size_t) n, v);
  }
  return TRUE;
}

static gboolean
check_dataset_weights (const float *w, int m, GError ** error)
{
  double sum = 0.0;
  gboolean ok = w != NULL;
  for (int i = 0; ok && i < m; i++) {
    ok = isfinite (w[i]) && w[i] >= 0.0f;
    sum += ok ? w[i] : 0.0;
  }
  if (ok && fabs (sum - 1.0) <= SUM_SLACK)
    return TRUE;
  g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "full-dataset fusion "
      "needs %d held-out weights, non-negative and summing to 1", m);
  return FALSE;
}

gboolean
ego_fusion_weights (EgoFusionScheme scheme, const float *logits,
    const int32_t * labels, int m, int n, int k, double tau_w,
    const float *dataset_weights, float *weights, GError ** error)
{
  if (!check_shape (m, n, k, error))
    return FALSE;
  switch (scheme) {
    case EGO_FUSION_UNIFORM:
      for (size_t j = 0; j < (size_t) m * n; j++)
        weights[j] = 1.0f / m;
      return TRUE;
    case EGO_FUSION_PER_SAMPLE:
      return per_sample_weights (logits, labels, m, n, k, tau_w, weights,
          error);
    case EGO_FUSION_FULL_DATASET:
      if (!check_dataset_weights (dataset_weights, m, error))
        return FALSE;
      for (int i = 0; i < m; i++)
        for (int r = 0; r < n; r++)
          weights[(size_t) i * n + r] = dataset_weights[i];
      return TRUE;
  }
  g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "unknown weighting "
      "scheme %d", (int) scheme);
  return FALSE;
}

void
ego_fusion_apply (const float *logits, const float *weights, int m, int n,
    int k, float *fused)
{
  for (int r = 0; r < n; r++)
    for (int c = 0; c < k; c++) {
      double sum = 0.0;
      for (int i = 0; i < m; i++)
        sum += (double) weights[(size_t) i * n + r]
            * logits[((size_t) i * n + r) * k + c];
      fused[(size_t) r * k + c] = (float) sum;
    }
}
