/* gst-ego: one teacher network of egoteacher, see egoteachernet.h. */
#include "egoteachernet.h"

#include <gst/video/video.h>
#include <string.h>

#include "ego_error.h"

struct _EgoTeacherNet
{
  gchar *path;
  EgoNet *net;
  EgoModelMeta meta;
  /* from ego_teacher_net_configure */
  GstVideoInfo vinfo;
  EgoClipCache *clip;           /* one clip: the one under way */
  gint segments, candidates;
  gfloat *x;                    /* (T, channels, h, w) network input */
  gfloat *logits[EGO_MAX_HEADS];        /* (classes) per head */
};

EgoTeacherNet *
ego_teacher_net_load (const gchar * path, GError ** error)
{
  EgoTeacherNet *t = g_new0 (EgoTeacherNet, 1);
  t->net = ego_net_load (path, &t->meta, error);
  if (t->net == NULL) {
    g_free (t);
    return NULL;
  }
  t->path = g_strdup (path);
  return t;
}

static void
clear_clip (EgoTeacherNet * t)
{
  g_clear_pointer (&t->clip, ego_clip_cache_free);
  g_clear_pointer (&t->x, g_free);
  for (gint h = 0; h < EGO_MAX_HEADS; h++)
    g_clear_pointer (&t->logits[h], g_free);
}

void
ego_teacher_net_free (EgoTeacherNet * t)
{
  if (t == NULL)
    return;
  clear_clip (t);
  ego_net_free (t->net);
  ego_model_meta_clear (&t->meta);
  g_free (t->path);
  g_free (t);
}

const EgoModelMeta *
ego_teacher_net_meta (const EgoTeacherNet * t)
{
  return &t->meta;
}

/* The model's heads must be the dataset's, in the same order. */
static gboolean
check_stream (EgoTeacherNet * t, const EgoDatasetInfo * info, GError ** error)
{
  gboolean ok = info->n_heads == t->meta.n_heads;
  for (gint h = 0; ok && h < t->meta.n_heads; h++)
    ok = g_strcmp0 (info->heads[h], t->meta.heads[h].name) == 0
        && info->n_labels[h] == t->meta.heads[h].n_labels;
  if (!ok) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: the model's heads (%s with %d classes, ...) are not the "
        "dataset's (%s with %d classes, ...)", t->path, t->meta.heads[0].name,
        t->meta.heads[0].n_labels, info->heads[0], info->n_labels[0]);
    return FALSE;
  }
  if (info->segments != t->meta.frames) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "%s: the model takes %d frames, the stream's clips have %d "
        "segments (set the source's frames)", t->path, t->meta.frames,
        info->segments);
    return FALSE;
  }
  return TRUE;
}

gboolean
ego_teacher_net_configure (EgoTeacherNet * t, const EgoDatasetInfo * info,
    gint width, gint height, GError ** error)
{
  const EgoNetConfig *nc = ego_net_config (t->net);
  EgoClipCacheSpec spec = { 0 };
  clear_clip (t);
  if (!check_stream (t, info, error))
    return FALSE;
  spec.n_clips = 1;
  spec.segments = t->segments = info->segments;
  spec.candidates = t->candidates = info->candidates;
  spec.width = width;
  spec.height = height;
  spec.n_heads = info->n_heads;
  for (gint h = 0; h < info->n_heads; h++)
    spec.classes[h] = info->n_labels[h];
  /* a network fed RGB and flow takes the flow of the frames' meta */
  spec.flow = nc->in_channels == 5;
  t->clip = ego_clip_cache_new (&spec, NULL, error);
  if (t->clip == NULL)
    return FALSE;
  gst_video_info_set_format (&t->vinfo, GST_VIDEO_FORMAT_RGB, width, height);
  t->x = g_new (gfloat, (gsize) spec.segments * nc->in_channels * nc->width
      * nc->height);
  for (gint h = 0; h < nc->n_heads; h++)
    t->logits[h] = g_new0 (gfloat, nc->classes[h]);
  return TRUE;
}

gboolean
ego_teacher_net_add_frame (EgoTeacherNet * t, GstBuffer * buf, guint slot,
    GError ** error)
{
  if (slot % t->candidates != (guint) t->candidates / 2)
    return TRUE;
  if (!ego_clip_copy_frame (buf, &t->vinfo, ego_clip_cache_frame (t->clip,
              0, (gint) slot), ego_clip_cache_flow (t->clip, 0, (gint) slot),
          error)) {
    g_prefix_error (error, "frame %u ", slot);
    return FALSE;
  }
  return TRUE;
}

gboolean
ego_teacher_net_run (EgoTeacherNet * t, const gfloat ** logits, GError ** error)
{
  const EgoNetConfig *nc = ego_net_config (t->net);
  gint T = t->segments;
  gfloat *frame_logits[EGO_MAX_HEADS];
  /* one view: the middle candidates, centre crop */
  ego_clip_cache_make_input (t->clip, 0, nc->width, nc->height,
      nc->in_channels, t->meta.mean, t->meta.std, NULL, NULL, 0, 1, 0, t->x);
  if (!ego_net_infer (t->net, t->x, 1, T, frame_logits, error)) {
    g_prefix_error (error, "%s: ", t->path);
    return FALSE;
  }
  for (gint h = 0; h < nc->n_heads; h++) {
    gint k = nc->classes[h];
    memset (t->logits[h], 0, sizeof (gfloat) * k);
    for (gint f = 0; f < T; f++)
      for (gint i = 0; i < k; i++)
        t->logits[h][i] += frame_logits[h][(gsize) f * k + i] / (gfloat) T;
    logits[h] = t->logits[h];
  }
  return TRUE;
}
