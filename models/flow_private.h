/* The insides of EgoFlow, shared by flow.c (the method) and flow_cost.c
 * (its operation count). */
#ifndef EGO_FLOW_PRIVATE_H
#define EGO_FLOW_PRIVATE_H

#include "flow.h"

/* the working planes, each of the finest level's size */
enum
{
  P_U, P_V, P_DU, P_DV,         /* flow, and its increment in this warp */
  P_I0X, P_I0Y, P_I1X, P_I1Y,   /* the level's image gradients */
  P_IX, P_IY, P_IZ, P_IXX, P_IXY, P_IYY, P_IXZ, P_IYZ, P_MASK,  /* warped */
  P_A12, P_D1, P_D2, P_R1, P_R2,        /* the linear system */
  P_WX, P_WY, P_TMP,            /* smoothness weights, scratch */
  N_PLANES
};

struct EgoFlow
{
  EgoFlowParams p;
  int levels;
  int lw[EGO_FLOW_MAX_LEVELS], lh[EGO_FLOW_MAX_LEVELS];
  float *pyr0[EGO_FLOW_MAX_LEVELS], *pyr1[EGO_FLOW_MAX_LEVELS];
  float *plane[N_PLANES];
  float *block;
};

#endif /* EGO_FLOW_PRIVATE_H */
