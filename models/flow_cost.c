/* The operation count of the optical flow, see flow.h. */
#include "flow_private.h"

#include <math.h>

/* Operations per pixel of a level, counted in the loops of flow.c:
 * additions, multiplications, divisions, square roots and the median's
 * comparisons alike, index arithmetic and the border cases aside. Per
 * warp: warping (three bilinear samples of 11, 9 more) and the warped
 * derivatives (3 x 2), adding the increment (2), two 3x3 medians (19
 * compare-exchanges of 2); per re-weighting: the smoothness weights (26)
 * and the linear system (90); per SOR sweep 28. */
#define OPS_WARP (48 + 2 + 76)
#define OPS_REWEIGHT (26 + 90)
#define OPS_SOR 28
/* per level: the four image derivatives; bringing the coarser flow up */
#define OPS_LEVEL 8
#define OPS_UPSAMPLE 29

double
ego_flow_gflops (const EgoFlow * f)
{
  /* the blur of both images: 1 + 3 r per pixel and pass, two passes */
  int r = CLAMP ((int) ceilf (2.5f * f->p.sigma), 1, 15);
  double ops = f->p.sigma > 0.0f ?
      2.0 * 2.0 * (1 + 3 * r) * f->lw[0] * f->lh[0] : 0.0;
  double per_warp = OPS_WARP + f->p.outer_iterations *
      (OPS_REWEIGHT + OPS_SOR * (double) f->p.sor_iterations);
  for (int l = 0; l < f->levels; l++) {
    double n = (double) f->lw[l] * f->lh[l];
    int warps = MIN (f->p.warps << l, 64);
    ops += n * (OPS_LEVEL + warps * per_warp);
    if (l < f->levels - 1)
      ops += n * OPS_UPSAMPLE;
    /* halving both images: 5 per pixel of each of its two passes */
    if (l > 0)
      ops += 2.0 * 5.0 * ((double) f->lw[l] * f->lh[l - 1] + n);
  }
  return ops * 1e-9;
}
