/* The clip cache, see clipcache.h. */
#include "clipcache.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ego_error.h"
#include "preprocess.h"

struct _EgoClipCache
{
  EgoClipCacheSpec spec;
  size_t frame_bytes;           /* width * height * 3 */
  size_t slot_bytes;            /* a frame, and its flow image with flow */
  size_t clip_bytes;            /* all candidates of a clip */
  uint8_t *frames;              /* (n_clips, T * C, 1 or 2, h, w, 3) */
  size_t frames_bytes;
  gboolean mapped;
  int32_t *labels;              /* (n_clips, n_heads) */
  float *teacher;               /* (n_clips, sum of classes) */
  int teacher_stride;
  int teacher_offset[EGO_MAX_HEADS];
  uint8_t *ready;               /* (n_clips) */
  int n_ready;
};

static gboolean
check_spec (const EgoClipCacheSpec * s, GError ** error)
{
  gboolean ok = s->n_clips >= 1 && s->n_clips <= 10000000
      && s->segments >= 1 && s->segments <= 64 && s->candidates >= 1
      && s->candidates <= 15 && s->candidates % 2 == 1 && s->width >= 8
      && s->height >= 8 && s->width <= 1024 && s->height <= 1024
      && s->n_heads >= 1 && s->n_heads <= EGO_MAX_HEADS;
  for (int h = 0; ok && h < s->n_heads; h++)
    ok = s->classes[h] >= 1 && s->classes[h] <= EGO_MAX_LABELS;
  if (!ok)
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "clip cache: settings out of range (%d clips, %d x %d candidates, "
        "%dx%d)", s->n_clips, s->segments, s->candidates, s->width,
        s->height);
  return ok;
}

/* A file-backed block: created, sized and mapped; the pages go to disk
 * rather than swap when memory runs short. The file must be new: the
 * caller removes it once mapped, and must not remove a file of the
 * user's. */
static uint8_t *
map_file (const char *file, size_t bytes, GError ** error)
{
  int fd = open (file, O_RDWR | O_CREAT | O_EXCL, 0600);
  void *p;
  if (fd < 0 && errno == EEXIST) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_IO,
        "%s: exists; the clip cache needs a new file (it is removed once "
        "mapped)", file);
    return NULL;
  }
  if (fd < 0 || ftruncate (fd, (off_t) bytes) != 0) {
    int e = errno;
    g_set_error (error, EGO_ERROR, EGO_ERROR_IO,
        "%s: cannot create the clip cache: %s", file, g_strerror (e));
    if (fd >= 0) {
      close (fd);
      g_unlink (file);
    }
    return NULL;
  }
  p = mmap (NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close (fd);
  if (p == MAP_FAILED) {
    int e = errno;
    /* the file is this call's: a retry must find the path free */
    g_unlink (file);
    g_set_error (error, EGO_ERROR, EGO_ERROR_IO,
        "%s: cannot map the clip cache: %s", file, g_strerror (e));
    return NULL;
  }
  return p;
}

EgoClipCache *
ego_clip_cache_new (const EgoClipCacheSpec * spec, const char *file,
    GError ** error)
{
  EgoClipCache *c;
  if (!check_spec (spec, error))
    return NULL;
  c = g_new0 (EgoClipCache, 1);
  c->spec = *spec;
  c->frame_bytes = (size_t) spec->width * spec->height * 3;
  c->slot_bytes = c->frame_bytes * (spec->flow ? 2 : 1);
  c->clip_bytes = c->slot_bytes * spec->segments * spec->candidates;
  c->frames_bytes = c->clip_bytes * spec->n_clips;
  c->mapped = file != NULL;
  c->frames = file ? map_file (file, c->frames_bytes, error) :
      g_try_malloc0 (c->frames_bytes);
  if (c->frames == NULL) {
    if (!file)
      g_set_error (error, EGO_ERROR, EGO_ERROR_IO,
          "clip cache: cannot allocate %zu MB; give a cache file",
          c->frames_bytes >> 20);
    g_free (c);
    return NULL;
  }
  for (int h = 0; h < spec->n_heads; h++) {
    c->teacher_offset[h] = c->teacher_stride;
    c->teacher_stride += spec->classes[h];
  }
  c->labels = g_new0 (int32_t, (size_t) spec->n_clips * spec->n_heads);
  if (spec->teacher)
    c->teacher = g_new0 (float, (size_t) spec->n_clips * c->teacher_stride);
  c->ready = g_new0 (uint8_t, spec->n_clips);
  return c;
}

void
ego_clip_cache_free (EgoClipCache * c)
{
  if (c == NULL)
    return;
  if (c->mapped)
    munmap (c->frames, c->frames_bytes);
  else
    g_free (c->frames);
  g_free (c->labels);
  g_free (c->teacher);
  g_free (c->ready);
  g_free (c);
}

const EgoClipCacheSpec *
ego_clip_cache_spec (const EgoClipCache * c)
{
  return &c->spec;
}

uint8_t *
ego_clip_cache_frame (EgoClipCache * c, int clip, int f)
{
  return c->frames + (size_t) clip * c->clip_bytes + (size_t) f *
      c->slot_bytes;
}

uint8_t *
ego_clip_cache_flow (EgoClipCache * c, int clip, int f)
{
  if (!c->spec.flow)
    return NULL;
  return ego_clip_cache_frame (c, clip, f) + c->frame_bytes;
}

gboolean
ego_clip_cache_has_channels (const EgoClipCache * c, int channels)
{
  return (channels >= 1 && channels <= 3) || (channels == 5 && c->spec.flow);
}

int32_t *
ego_clip_cache_labels (EgoClipCache * c, int clip)
{
  return c->labels + (size_t) clip * c->spec.n_heads;
}

float *
ego_clip_cache_teacher (EgoClipCache * c, int clip, int head)
{
  if (c->teacher == NULL)
    return NULL;
  return c->teacher + (size_t) clip * c->teacher_stride +
      c->teacher_offset[head];
}

void
ego_clip_cache_set_ready (EgoClipCache * c, int clip)
{
  if (!c->ready[clip]) {
    c->ready[clip] = 1;
    c->n_ready++;
  }
}

gboolean
ego_clip_cache_complete (const EgoClipCache * c)
{
  return c->n_ready == c->spec.n_clips;
}

void
ego_clip_cache_positions (const EgoClipCacheSpec * s, int start, int stop,
    int *out)
{
  double len = (double) (stop - start + 1);
  int T = s->segments, C = s->candidates;
  for (int t = 0; t < T; t++)
    for (int k = 0; k < C; k++) {
      /* evenly inside segment t; rounding down keeps it in [start, stop] */
      double pos = (t + (k + 0.5) / C) / T;
      int f = start + (int) floor (pos * len);
      out[t * C + k] = CLAMP (f, start, stop);
    }
}

/* brightness, contrast and saturation on values in [0, 1], (3, n) planes */
static void
colour_jitter (float *x, size_t n, const EgoAugment * aug, EgoRng * rng)
{
  float b = 1.0f + aug->brightness * (2.0f * ego_rng_uniform (rng) - 1.0f);
  float c = 1.0f + aug->contrast * (2.0f * ego_rng_uniform (rng) - 1.0f);
  float s = 1.0f + aug->saturation * (2.0f * ego_rng_uniform (rng) - 1.0f);
  double mean = 0.0;
  for (size_t i = 0; i < 3 * n; i++)
    mean += x[i];
  mean = mean * b / (3.0 * n);
  for (size_t i = 0; i < n; i++) {
    float r = x[i] * b, g = x[n + i] * b, bl = x[2 * n + i] * b;
    float grey = 0.299f * r + 0.587f * g + 0.114f * bl;
    float v[3] = { r, g, bl };
    for (int ch = 0; ch < 3; ch++) {
      float u = grey + (v[ch] - grey) * s;
      u = (float) mean + (u - (float) mean) * c;
      x[ch * n + i] = u < 0.0f ? 0.0f : (u > 1.0f ? 1.0f : u);
    }
  }
}

static void
normalise (float *x, size_t n, int channels, const float *mean,
    const float *std)
{
  for (int ch = 0; ch < channels; ch++)
    for (size_t i = 0; i < n; i++)
      x[ch * n + i] = (x[ch * n + i] - mean[ch]) / std[ch];
}

/* The crop of the cached frame for this clip: random in training. */
static void
choose_crop (const EgoClipCacheSpec * s, int w, int h, const EgoAugment * aug,
    EgoRng * rng, int view, int n_views, double *rect)
{
  double cover = fmin ((double) s->width / w, (double) s->height / h);
  double cw = w * cover, ch = h * cover;
  if (rng) {
    double f = aug->scale_min + (1.0 - aug->scale_min) *
        ego_rng_uniform (rng);
    cw *= f;
    ch *= f;
    rect[0] = (s->width - cw) * ego_rng_uniform (rng);
    rect[1] = (s->height - ch) * ego_rng_uniform (rng);
  } else {
    double t = n_views == 1 ? 0.5 : (double) view / (n_views - 1);
    rect[0] = (s->width - cw) * t;
    rect[1] = (s->height - ch) * t;
  }
  rect[2] = cw;
  rect[3] = ch;
}

/* The planes of one candidate frame of a clip into xt (channels, h, w),
 * on the 0..1 scale: RGB with its colour jitter (rng), then for 5
 * channels the flow image's dx and dy; 1 or 2 channels are the first
 * planes of an image that encodes another modality, never jittered. tmp
 * holds 3 planes. */
static void
frame_planes (EgoClipCache * c, int clip, int f, const EgoResizePlan * plan,
    int channels, const EgoAugment * aug, EgoRng * jitter, float *tmp,
    float *xt)
{
  static const float zero[3] = { 0, 0, 0 }, one[3] = { 1, 1, 1 };
  size_t n = (size_t) plan->dst_w * plan->dst_h;
  int stride = c->spec.width * 3;
  if (channels == 3 || channels == 5) {
    ego_preprocess_rgb (plan, ego_clip_cache_frame (c, clip, f), stride, 0,
        1, 2, zero, one, xt);
    if (jitter)
      colour_jitter (xt, n, aug, jitter);
  }
  if (channels == 5) {
    ego_preprocess_rgb (plan, ego_clip_cache_flow (c, clip, f), stride, 0,
        1, 2, zero, one, tmp);
    memcpy (xt + 3 * n, tmp, sizeof (float) * 2 * n);
  } else if (channels < 3) {
    ego_preprocess_rgb (plan, ego_clip_cache_frame (c, clip, f), stride, 0,
        1, 2, zero, one, tmp);
    memcpy (xt, tmp, sizeof (float) * channels * n);
  }
}

void
ego_clip_cache_make_input (EgoClipCache * c, int clip, int w, int h,
    int channels, const float *mean, const float *std,
    const EgoAugment * aug, EgoRng * rng, int view, int n_views, int offset,
    float *x)
{
  const EgoClipCacheSpec *s = &c->spec;
  size_t n = (size_t) w * h;
  double rect[4];
  EgoResizePlan plan;
  EgoRng jitter;
  float *tmp;
  g_return_if_fail (ego_clip_cache_has_channels (c, channels));
  tmp = g_new (float, 3 * n);
  /* one crop for all frames, and for the flow as for the pictures */
  choose_crop (s, w, h, aug, rng, view, n_views, rect);
  ego_resize_plan_init_rect (&plan, s->width, s->height, w, h, rect[0],
      rect[1], rect[2], rect[3], 3, NULL);
  /* one colour jitter for all frames of the clip: replay the same draws */
  if (rng)
    ego_rng_seed (&jitter, ego_rng_u32 (rng), 7);
  for (int t = 0; t < s->segments; t++) {
    int k = rng ? (int) ego_rng_below (rng, s->candidates) :
        CLAMP (s->candidates / 2 + offset, 0, s->candidates - 1);
    float *xt = x + (size_t) t * channels * n;
    EgoRng replay = jitter;
    frame_planes (c, clip, t * s->candidates + k, &plan, channels, aug,
        rng ? &replay : NULL, tmp, xt);
    normalise (xt, n, channels, mean, std);
  }
  g_free (tmp);
  ego_resize_plan_clear (&plan);
}
