/* gst-ego network library: from a packed 8-bit RGB-family frame to the
 * network's normalised (3, H, W) float input.
 *
 * The frame is scaled so that its short side covers the input ("short side
 * to size"), then cropped: in the centre for one view, or at the start,
 * centre and end of the long side for three. Each output pixel averages a
 * grid of up to 4x4 source pixels spread evenly over its footprint, so a
 * 1080p frame is reduced without aliasing at a fixed cost per output pixel.
 * All index tables are built once per frame size in a plan; running a plan
 * allocates nothing. Used by egoaction and by training alike, so that a
 * network sees the same pixels in both. */
#ifndef EGO_PREPROCESS_H
#define EGO_PREPROCESS_H

#include <glib.h>
#include <stdint.h>

#define EGO_RESIZE_MAX_TAPS 4

typedef struct
{
  int src_w, src_h, dst_w, dst_h;
  int ntx, nty;                 /* taps per output pixel along x and y */
  int *xoff;                    /* (dst_w, ntx) byte offsets within a row */
  int *yrow;                    /* (dst_h, nty) source rows */
  float *acc;                   /* (3, dst_w) row sums */
} EgoResizePlan;

/* pstride: bytes per source pixel (3 or 4). view in [0, n_views), n_views 1
 * or 3. Fails only on nonsensical sizes. */
gboolean ego_resize_plan_init (EgoResizePlan * plan, int src_w, int src_h,
    int dst_w, int dst_h, int view, int n_views, int pstride,
    GError ** error);
/* Any crop: the source rectangle (x0, y0, crop_w, crop_h), in source
 * pixels, to dst_w x dst_h. */
gboolean ego_resize_plan_init_rect (EgoResizePlan * plan, int src_w,
    int src_h, int dst_w, int dst_h, double x0, double y0, double crop_w,
    double crop_h, int pstride, GError ** error);
void ego_resize_plan_clear (EgoResizePlan * plan);

/* src: first byte of the frame, stride bytes per row; roff, goff, boff: byte
 * offsets of R, G and B within a pixel. out (3, dst_h, dst_w) receives
 * (value / 255 - mean[c]) / std[c]. */
void ego_preprocess_rgb (const EgoResizePlan * plan, const uint8_t * src,
    int stride, int roff, int goff, int boff, const float *mean,
    const float *std, float *out);

#endif /* EGO_PREPROCESS_H */
