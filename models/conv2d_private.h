/* gst-ego network library: what conv2d.c and conv2d_direct.c share. */
#ifndef EGO_CONV2D_PRIVATE_H
#define EGO_CONV2D_PRIVATE_H

#include "layers.h"

/* What follows a convolution in an inference network, fused into it. */
typedef struct
{
  const float *bias;            /* (out_c) or NULL */
  const float *res;             /* added after the bias, like out; or NULL */
  int relu;
} Epilogue;

/* y (n) = relu? (x + b + res), res (n) or NULL; x may be y */
static inline void
finish_row (float *y, const float *x, int n, float b, const float *res,
    int relu)
{
  for (int i = 0; i < n; i++) {
    float v = x[i] + b;
    if (res)
      v += res[i];
    y[i] = relu && !(v > 0.0f) ? 0.0f : v;
  }
}

/* Scratch floats of the direct kernel's forward and of its input
 * gradient for one (h, w) input; 0 where it does not run. */
size_t ego_conv2d_direct_scratch_floats (const EgoConv2d * c, int h, int w);
size_t ego_conv2d_input_grad_scratch_floats (const EgoConv2d * c, int h,
    int w);

#endif /* EGO_CONV2D_PRIVATE_H */
