/* gst-ego network library: dense optical flow between two grey frames.
 *
 * A coarse-to-fine variational method (Brox, Bruhn, Papenberg and Weickert,
 * ECCV 2004): brightness and gradient constancy with robust (Charbonnier)
 * penalties, a robust smoothness term, warping at every pyramid level, the
 * linearised Euler-Lagrange equations solved by SOR, and a median filter
 * on the flow after every warp (Sun, Roth and Black, CVPR 2010). */
#ifndef EGO_FLOW_H
#define EGO_FLOW_H

#include <glib.h>

typedef struct EgoFlow EgoFlow;

typedef struct
{
  int levels;                   /* pyramid levels; 0: down to a coarsest
                                 * side of about EGO_FLOW_COARSEST px */
  int warps;                    /* warps per level */
  int outer_iterations;         /* robust re-weightings per warp */
  int sor_iterations;           /* SOR sweeps per re-weighting */
  float alpha;                  /* smoothness weight */
  float gamma;                  /* gradient constancy against brightness */
  float sigma;                  /* Gaussian pre-smoothing of the inputs, px;
                                 * 0: none */
} EgoFlowParams;

#define EGO_FLOW_COARSEST 10
#define EGO_FLOW_MAX_LEVELS 10

/* the defaults, the ones the benchmark measures */
void ego_flow_params_init (EgoFlowParams * params);

/* NULL with error set when the size or a parameter is out of range, or the
 * memory cannot be had. All the memory of ego_flow_compute is taken here. */
EgoFlow *ego_flow_new (int width, int height, const EgoFlowParams * params,
    GError ** error);
void ego_flow_free (EgoFlow * flow);

/* prev and next are (H, W) grey levels on the 0..255 scale; flow is
 * (2, H, W): the dx plane then the dy plane, for every pixel of prev its
 * displacement into next, in pixels. */
void ego_flow_compute (EgoFlow * flow, const float *prev, const float *next,
    float *out);

/* the number of pyramid levels in use */
int ego_flow_levels (const EgoFlow * flow);

/* The operations of one ego_flow_compute, in billions (GFLOPs): counted
 * from its loops, see flow.c. */
double ego_flow_gflops (const EgoFlow * flow);

#endif /* EGO_FLOW_H */
