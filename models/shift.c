/* Temporal shift (TSM), see layers.h.
 *
 * In (b, t, c, hw) layout the shifted channels of one frame are one
 * contiguous block of fold * hw floats, so every move is a memcpy or a
 * contiguous add.
 */
#include "layers.h"

#include <string.h>

/* dst (n) += src (n) */
static void
add_block (float *dst, const float *src, size_t n)
{
  for (size_t i = 0; i < n; i++)
    dst[i] += src[i];
}

void
ego_shift_forward (float *out, const float *inp, int b, int t, int c,
    int hw, int fold, EgoShiftMode mode)
{
  size_t frame = (size_t) c * hw;
  size_t blk = (size_t) fold * hw;
  int nshift = mode == EGO_SHIFT_BIDIRECTIONAL ? 2 : mode == EGO_SHIFT_ONLINE;
  for (int bi = 0; bi < b; bi++) {
    for (int ti = 0; ti < t; ti++) {
      size_t at = ((size_t) bi * t + ti) * frame;
      float *y = out + at;
      const float *x = inp + at;
      // channels [0, fold) from frame ti - 1
      if (nshift >= 1) {
        if (ti > 0)
          memcpy (y, x - frame, blk * sizeof (float));
        else
          memset (y, 0, blk * sizeof (float));
      }
      // channels [fold, 2 fold) from frame ti + 1
      if (nshift == 2) {
        if (ti + 1 < t)
          memcpy (y + blk, x + frame + blk, blk * sizeof (float));
        else
          memset (y + blk, 0, blk * sizeof (float));
      }
      size_t kept = nshift * blk;
      memcpy (y + kept, x + kept, (frame - kept) * sizeof (float));
    }
  }
}

/* the adjoint: each gradient block flows back to the frame it came from */
void
ego_shift_backward (float *dinp, const float *dout, int b, int t, int c,
    int hw, int fold, EgoShiftMode mode)
{
  size_t frame = (size_t) c * hw;
  size_t blk = (size_t) fold * hw;
  int nshift = mode == EGO_SHIFT_BIDIRECTIONAL ? 2 : mode == EGO_SHIFT_ONLINE;
  for (int bi = 0; bi < b; bi++) {
    for (int ti = 0; ti < t; ti++) {
      size_t at = ((size_t) bi * t + ti) * frame;
      float *dx = dinp + at;
      const float *dy = dout + at;
      if (nshift >= 1 && ti > 0)
        add_block (dx - frame, dy, blk);
      if (nshift == 2 && ti + 1 < t)
        add_block (dx + frame + blk, dy + blk, blk);
      size_t kept = nshift * blk;
      add_block (dx + kept, dy + kept, frame - kept);
    }
  }
}

void
ego_shift_stream (float *out, const float *inp, float *state, int c,
    int hw, int fold)
{
  size_t blk = (size_t) fold * hw;
  memcpy (out, state, blk * sizeof (float));
  memcpy (out + blk, inp + blk, ((size_t) c * hw - blk) * sizeof (float));
  memcpy (state, inp, blk * sizeof (float));
}
