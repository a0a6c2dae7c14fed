/* Multi-head self-attention core, see layers.h.
 *
 * For each batch element b, head h and query i, with q, k, v the head's
 * slices of size hs = c / nh:
 *   s_ij = q_i . k_j / sqrt(hs)  over the allowed keys j,
 *   a_i  = softmax_j(s_ij)       (0 where j is not allowed),
 *   o_i  = sum_j a_ij v_j.
 * Key j is allowed for query i unless it is padding (key_mask 0) or, when
 * causal, lies after i. A query with no allowed key outputs zeros.
 *
 * Backward needs neither the mask nor the causal flag: a disallowed key has
 * a_ij = 0, and every gradient term through it carries that factor. At our
 * sizes (t <= 64, hs <= 64) plain loops are as fast as sgemm calls per head
 * and need no scratch for the scores. */
#include "layers.h"

#include <math.h>
#include <string.h>

static float
dot (const float *a, const float *b, int n)
{
  float s = 0.0f;
  for (int d = 0; d < n; d++)
    s += a[d] * b[d];
  return s;
}

static int
key_allowed (const uint8_t * key_mask, int causal, int i, int j)
{
  if (causal && j > i)
    return 0;
  return key_mask == NULL || key_mask[j] != 0;
}

/* one query row: arow (t) receives the probabilities, o (hs) the output;
 * base is qkv at (b, 0), mask the batch element's key_mask row or NULL */
static void
attend_row (float *o, float *arow, const float *base, const uint8_t * mask,
    int t, int c, int hs, int h, int i, int causal)
{
  const size_t row = 3 * (size_t) c;
  const float *q = base + i * row + (size_t) h * hs;
  const float scale = 1.0f / sqrtf ((float) hs);
  float max = -INFINITY;
  int any = 0;

  for (int j = 0; j < t; j++) {
    arow[j] = 0.0f;
    if (!key_allowed (mask, causal, i, j))
      continue;
    arow[j] = dot (q, base + j * row + c + (size_t) h * hs, hs) * scale;
    if (!any || arow[j] > max)
      max = arow[j];
    any = 1;
  }
  memset (o, 0, (size_t) hs * sizeof (float));
  if (!any)
    return;

  double sum = 0.0;
  for (int j = 0; j < t; j++) {
    if (!key_allowed (mask, causal, i, j))
      continue;
    arow[j] = expf (arow[j] - max);
    sum += arow[j];
  }
  const float inv = (float) (1.0 / sum);
  for (int j = 0; j < t; j++) {
    if (arow[j] == 0.0f)
      continue;
    arow[j] *= inv;
    const float *v = base + j * row + 2 * (size_t) c + (size_t) h * hs;
    for (int d = 0; d < hs; d++)
      o[d] += arow[j] * v[d];
  }
}

/* out is (b, t, c), att (b, nh, t, t), qkv (b, t, 3c), key_mask (b, t) or
 * NULL */
void
ego_attention_forward (float *out, float *att, const float *qkv,
    const uint8_t * key_mask, int b, int t, int c, int nh, int causal)
{
  const int hs = c / nh;
  for (int bi = 0; bi < b; bi++) {
    const float *base = qkv + (size_t) bi * t * 3 * c;
    const uint8_t *mask = key_mask ? key_mask + (size_t) bi * t : NULL;
    for (int h = 0; h < nh; h++) {
      for (int i = 0; i < t; i++) {
        float *arow = att + (((size_t) bi * nh + h) * t + i) * t;
        float *o = out + ((size_t) bi * t + i) * c + (size_t) h * hs;
        attend_row (o, arow, base, mask, t, c, hs, h, i, causal);
      }
    }
  }
}

/* one query row's share of the gradient, base and dbase at (b, 0) */
static void
attend_row_backward (float *dbase, const float *dy, const float *arow,
    const float *base, int t, int c, int hs, int h, int i)
{
  const size_t row = 3 * (size_t) c;
  const size_t qo = (size_t) h * hs, ko = c + qo, vo = 2 * (size_t) c + qo;
  const float scale = 1.0f / sqrtf ((float) hs);
  const float *q = base + i * row + qo;
  float *dq = dbase + i * row + qo;

  /* softmax backward: ds_j = a_j (da_j - sum_l a_l da_l), da_j = dy . v_j */
  double adot = 0.0;
  for (int j = 0; j < t; j++)
    if (arow[j] != 0.0f)
      adot += (double) arow[j] * dot (dy, base + j * row + vo, hs);

  for (int j = 0; j < t; j++) {
    const float a = arow[j];
    if (a == 0.0f)
      continue;
    const float *k = base + j * row + ko;
    const float *v = base + j * row + vo;
    float *dk = dbase + j * row + ko;
    float *dv = dbase + j * row + vo;
    const float ds = a * (dot (dy, v, hs) - (float) adot) * scale;
    for (int d = 0; d < hs; d++) {
      dq[d] += ds * k[d];
      dk[d] += ds * q[d];
      dv[d] += a * dy[d];
    }
  }
}

/* dqkv, qkv are (b, t, 3c), dout (b, t, c), att (b, nh, t, t) from forward */
void
ego_attention_backward (float *dqkv, const float *dout, const float *qkv,
    const float *att, int b, int t, int c, int nh)
{
  if (dqkv == NULL)
    return;
  const int hs = c / nh;
  for (int bi = 0; bi < b; bi++) {
    const float *base = qkv + (size_t) bi * t * 3 * c;
    float *dbase = dqkv + (size_t) bi * t * 3 * c;
    for (int h = 0; h < nh; h++) {
      for (int i = 0; i < t; i++) {
        const float *arow = att + (((size_t) bi * nh + h) * t + i) * t;
        const float *dy = dout + ((size_t) bi * t + i) * c + (size_t) h * hs;
        attend_row_backward (dbase, dy, arow, base, t, c, hs, h, i);
      }
    }
  }
}
