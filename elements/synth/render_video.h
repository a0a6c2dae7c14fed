/* The software rasteriser of the synthetic kitchen: draws a scene into a
 * packed RGB frame of any size, and gives the true motion field between
 * two scenes. */
#ifndef EGO_SYNTH_RENDER_VIDEO_H
#define EGO_SYNTH_RENDER_VIDEO_H

#include <glib.h>

#include "scene.h"

G_BEGIN_DECLS

#define EGO_SYNTH_DEFAULT_NOISE 0.3f
#define EGO_SYNTH_DEFAULT_MOTION_BLUR 0.5f

/* Where the colour bytes sit in a pixel. */
typedef struct
{
  guint pixel_stride;           /* 3 or 4 bytes */
  gint offset[4];               /* of R, G, B and alpha (-1: no alpha) */
} EgoPixelLayout;

typedef struct _EgoVideoRenderer EgoVideoRenderer;

/* A renderer for frames of width x height of the given kitchen. */
EgoVideoRenderer *ego_video_renderer_new (const EgoKitchen * kitchen,
    guint width, guint height);
void ego_video_renderer_free (EgoVideoRenderer * r);

/* Draws scene into out (rows stride bytes apart). exposure_start, when
 * not NULL, is the same world at the instant the shutter opened: things
 * are smeared along their motion since then. noise (0..1) is the sensor
 * noise, drawn from frame_seed. */
void ego_video_render (EgoVideoRenderer * r, const EgoScene * scene,
    const EgoScene * exposure_start, float noise, guint32 frame_seed,
    const EgoPixelLayout * layout, guint8 * out, gsize stride);

/* The true motion field from prev to cur: for every pixel of the frame of
 * prev, where its surface point is in the frame of cur. flow holds
 * (2, height, width) floats: the dx plane then the dy plane. */
void ego_video_flow (EgoVideoRenderer * r, const EgoScene * prev,
    const EgoScene * cur, float *flow);

/* View coordinates to pixels of this renderer's frames. */
void ego_video_view_to_pixels (const EgoVideoRenderer * r, float vx,
    float vy, float *px, float *py);

G_END_DECLS

#endif /* EGO_SYNTH_RENDER_VIDEO_H */
