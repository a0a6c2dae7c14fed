/* gst-ego network library: the clip cache that training and evaluation
 * read batches from, so that epochs never decode video again.
 *
 * Each clip keeps, for each of its T segments, C candidate frames at the
 * evenly spread positions (k + 0.5) / C of the segment (C odd, so the middle
 * candidate is TSN's test frame), as 8-bit RGB at the cache size: the
 * source frame scaled so that its short side is a little larger than the
 * network input, leaving room for scale jitter. With flow, each frame also
 * keeps its optical flow as egoflow's RGB image of the same size (R = dx,
 * G = dy), for networks fed RGB and flow. Along with the frames: the
 * labels per head and, when distilling, the teacher's logits per head.
 *
 * Batches are made from it as the method prescribes (TSN sampling):
 * training takes one random candidate per segment (TSN's random frame), a
 * random scale and crop shared by all frames of the clip, and a colour
 * jitter, never a flip; evaluation takes the middle candidates and the
 * views of egoaction: short side to size, centre crop, or three crops along
 * the long side. Memory comes from one block, in RAM or in a
 * memory-mapped file for data that does not fit. */
#ifndef EGO_CLIPCACHE_H
#define EGO_CLIPCACHE_H

#include <glib.h>
#include <stdint.h>

#include "modelmeta.h"
#include "rng.h"

typedef struct
{
  int n_clips;
  int segments;                 /* T */
  int candidates;               /* C per segment, odd */
  int width, height;            /* cached frame size */
  int n_heads;
  int classes[EGO_MAX_HEADS];
  gboolean teacher;             /* store teacher logits */
  gboolean flow;                /* store each frame's flow image too */
} EgoClipCacheSpec;

typedef struct _EgoClipCache EgoClipCache;

/* file: NULL to keep the cache in memory, else a path to map it from. */
EgoClipCache *ego_clip_cache_new (const EgoClipCacheSpec * spec,
    const char *file, GError ** error);
void ego_clip_cache_free (EgoClipCache * cache);
const EgoClipCacheSpec *ego_clip_cache_spec (const EgoClipCache * cache);

/* Candidate frame index f (0 .. T*C-1, segment-major) of clip i: packed
 * RGB, width*3 bytes per row. Writable, to be filled once. */
uint8_t *ego_clip_cache_frame (EgoClipCache * cache, int clip, int f);
/* With flow: the flow image of that frame, packed like it; else NULL. */
uint8_t *ego_clip_cache_flow (EgoClipCache * cache, int clip, int f);
/* Whether inputs of this many channels can be made from the cache: 1 to 3,
 * or 5 with flow. */
gboolean ego_clip_cache_has_channels (const EgoClipCache * cache,
    int channels);
/* labels (n_heads) and teacher logits (classes[h] per head) of a clip */
int32_t *ego_clip_cache_labels (EgoClipCache * cache, int clip);
float *ego_clip_cache_teacher (EgoClipCache * cache, int clip, int head);
/* marks a clip as filled; ego_clip_cache_complete says whether all are */
void ego_clip_cache_set_ready (EgoClipCache * cache, int clip);
gboolean ego_clip_cache_complete (const EgoClipCache * cache);

/* The frame numbers of the candidates of a segment [start, stop]
 * (inclusive): out (T * C), segment-major. */
void ego_clip_cache_positions (const EgoClipCacheSpec * spec, int start,
    int stop, int *out);

typedef struct
{
  float scale_min;              /* crop side / short side, e.g. 0.8 .. 1.0 */
  float brightness, contrast, saturation;       /* jitter amplitudes */
} EgoAugment;

/* Input of the network for clip i: x (T, channels, h, w) normalised with
 * mean and std (channels values each). channels 3 is RGB; 2 and 1 keep the
 * first planes of frames that encode another modality as an image (flow:
 * R = dx, G = dy; a spectrogram: grey), and have no colour jitter; 5 (a
 * cache with flow) is RGB then the flow's dx and dy, both through the same
 * crop, the colour jitter on RGB alone.
 * Training: random candidates, crop and colour (rng); evaluation
 * (rng NULL): middle candidates, view v of n_views (1 or 3), offset
 * selects another candidate per segment for multi-clip evaluation
 * (-C/2 .. C/2; 0 is the middle). */
void ego_clip_cache_make_input (EgoClipCache * cache, int clip, int w, int h,
    int channels, const float *mean, const float *std, const EgoAugment * aug,
    EgoRng * rng, int view, int n_views, int offset, float *x);

#endif /* EGO_CLIPCACHE_H */
