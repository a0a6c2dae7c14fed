/* Evaluation metrics, see metrics.h. */
#include "metrics.h"

#include <math.h>
#include <string.h>

static int
argmax (const float *z, int k)
{
  int best = 0;
  for (int i = 1; i < k; i++)
    if (z[i] > z[best])
      best = i;
  return best;
}

static int
has_nan (const float *z, int k)
{
  for (int i = 0; i < k; i++)
    if (isnan (z[i]))
      return 1;
  return 0;
}

double
ego_topk_accuracy (const float *logits, const int32_t * labels, int n, int k,
    int top)
{
  int hits = 0;
  if (n <= 0)
    return 0.0;
  for (int r = 0; r < n; r++) {
    const float *z = logits + (size_t) r * k;
    float truth = z[labels[r]];
    int above = 0;
    /* a NaN compares as nothing and would rank the truth first: a row
     * holding one (a network that diverged) is a miss */
    if (has_nan (z, k))
      continue;
    /* the rank of the true class: classes strictly above it, and equal ones
     * listed before it */
    for (int i = 0; i < k; i++)
      if (z[i] > truth || (z[i] == truth && i < labels[r]))
        above++;
    hits += above < top;
  }
  return 100.0 * hits / n;
}

/* max softmax probability of a row, computed stably */
static double
confidence (const float *z, int k, int *arg)
{
  double sum = 0.0;
  int a = argmax (z, k);
  for (int i = 0; i < k; i++)
    sum += exp ((double) z[i] - z[a]);
  *arg = a;
  return 1.0 / sum;
}

void
ego_ece_bins (const float *logits, const int32_t * labels, int n, int k,
    int *count, double *conf, double *acc)
{
  memset (count, 0, sizeof (int) * EGO_ECE_BINS);
  memset (conf, 0, sizeof (double) * EGO_ECE_BINS);
  memset (acc, 0, sizeof (double) * EGO_ECE_BINS);
  for (int r = 0; r < n; r++) {
    int arg, b;
    double c = confidence (logits + (size_t) r * k, k, &arg);
    /* bins (lower, upper]: ceil(c * B) - 1 */
    b = (int) ceil (c * EGO_ECE_BINS) - 1;
    b = b < 0 ? 0 : (b >= EGO_ECE_BINS ? EGO_ECE_BINS - 1 : b);
    count[b]++;
    conf[b] += c;
    acc[b] += arg == labels[r];
  }
  for (int b = 0; b < EGO_ECE_BINS; b++)
    if (count[b]) {
      conf[b] /= count[b];
      acc[b] /= count[b];
    }
}

double
ego_ece (const float *logits, const int32_t * labels, int n, int k)
{
  int count[EGO_ECE_BINS];
  double conf[EGO_ECE_BINS], acc[EGO_ECE_BINS], ece = 0.0;
  if (n <= 0)
    return 0.0;
  ego_ece_bins (logits, labels, n, k, count, conf, acc);
  for (int b = 0; b < EGO_ECE_BINS; b++)
    ece += fabs (conf[b] - acc[b]) * count[b] / n;
  return 100.0 * ece;
}

double
ego_joint_accuracy (const float *logits_a, const int32_t * labels_a, int ka,
    const float *logits_b, const int32_t * labels_b, int kb, int n)
{
  int hits = 0;
  if (n <= 0)
    return 0.0;
  for (int r = 0; r < n; r++)
    hits += argmax (logits_a + (size_t) r * ka, ka) == labels_a[r]
        && argmax (logits_b + (size_t) r * kb, kb) == labels_b[r];
  return 100.0 * hits / n;
}

void
ego_confusion_add (const float *logits, const int32_t * labels, int n, int k,
    int *counts)
{
  for (int i = 0; i < n; i++)
    if (labels[i] >= 0 && labels[i] < k)
      counts[labels[i] * k + argmax (logits + (size_t) i * k, k)]++;
}

double
ego_pair_accuracy (const float *logits, const int32_t * labels, int n, int k,
    const int *pairs, int n_pairs, int *counted)
{
  int rows = 0, right = 0;
  for (int i = 0; i < n; i++) {
    const float *row = logits + (size_t) i * k;
    for (int p = 0; p < n_pairs; p++) {
      int a = pairs[2 * p], b = pairs[2 * p + 1], other;
      if (labels[i] != a && labels[i] != b)
        continue;
      other = labels[i] == a ? b : a;
      rows++;
      right += row[labels[i]] > row[other];     /* a tie tells nothing */
      break;
    }
  }
  *counted = rows;
  return rows ? 100.0 * right / rows : -1.0;
}

void
ego_top1_by_group (const float *logits, const int32_t * labels,
    const int32_t * groups, int n, int k, int n_groups, double *top1,
    int *counts)
{
  for (int g = 0; g < n_groups; g++)
    top1[g] = 0.0, counts[g] = 0;
  for (int r = 0; r < n; r++) {
    int g = groups[r];
    if (g < 0 || g >= n_groups)
      continue;
    counts[g]++;
    top1[g] += argmax (logits + (size_t) r * k, k) == labels[r];
  }
  for (int g = 0; g < n_groups; g++)
    top1[g] = counts[g] ? 100.0 * top1[g] / counts[g] : -1.0;
}
