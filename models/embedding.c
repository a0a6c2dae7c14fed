/* Embedding lookup, see layers.h. */
#include "layers.h"

#include <string.h>

/* out is (n, c), ids (n) index rows of table (v, c) */
void
ego_embedding_forward (float *out, const int32_t * ids, const float *table,
    int n, int c)
{
  for (int i = 0; i < n; i++)
    memcpy (out + (size_t) i * c, table + (size_t) ids[i] * c,
        (size_t) c * sizeof (float));
}

/* dtable is (v, c), dout (n, c); an id seen several times collects the
 * gradient of every position that used it */
void
ego_embedding_backward (float *dtable, const float *dout,
    const int32_t * ids, int n, int c)
{
  if (dtable == NULL)
    return;
  for (int i = 0; i < n; i++) {
    float *row = dtable + (size_t) ids[i] * c;
    const float *g = dout + (size_t) i * c;
    for (int j = 0; j < c; j++)
      row[j] += g[j];
  }
}
