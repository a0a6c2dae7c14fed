/* gst-ego: a stream of egodatasetsrc frames into clip caches, see
 * egoclipcollect.h. */
#include "egoclipcollect.h"

#include <glib/gstdio.h>
#include <gst/ego/ego.h>
#include <stdlib.h>
#include <string.h>

#include "ego_error.h"

struct _EgoClipCollector
{
  guint n_splits;
  gint width, height;
  gint slots;
  EgoClipCache *caches[EGO_COLLECT_MAX_SPLITS];
  const gchar **ids[EGO_COLLECT_MAX_SPLITS];    /* (clips) interned */
  gint *steps;                  /* (first split's clips) frame distance */
  gint done, total;
  /* the clip being filled: slots come in order */
  gint cur_split, cur_clip, cur_slot;
  /* teacher logits from GstEgoTeacherMeta */
  gboolean teacher_meta;
  const gchar *heads[EGO_MAX_HEADS];    /* interned */
  const gchar *teachers[GST_EGO_TEACHER_MAX_TEACHERS + 1];      /* interned */
};

static gboolean
string_array (const GstStructure * s, const gchar * field, gchar ** out,
    gint max, gint * n)
{
  const GValue *v = gst_structure_get_value (s, field);
  guint len;
  if (v == NULL || !GST_VALUE_HOLDS_ARRAY (v))
    return FALSE;
  len = gst_value_array_get_size (v);
  if (len < 1 || (gint) len > max)
    return FALSE;
  for (guint i = 0; i < len; i++) {
    const GValue *e = gst_value_array_get_value (v, i);
    if (!G_VALUE_HOLDS_STRING (e) || g_value_get_string (e) == NULL)
      return FALSE;
    out[i] = g_value_dup_string (e);
  }
  *n = (gint) len;
  return TRUE;
}

static gboolean
parse_heads (EgoDatasetInfo * info, const GstStructure * s)
{
  if (!string_array (s, "heads", info->heads, EGO_MAX_HEADS, &info->n_heads))
    return FALSE;
  for (gint h = 0; h < info->n_heads; h++) {
    gchar *field = g_strconcat (info->heads[h], "-labels", NULL);
    info->labels[h] = g_new0 (gchar *, EGO_MAX_LABELS + 1);
    if (!string_array (s, field, info->labels[h], EGO_MAX_LABELS,
            &info->n_labels[h])) {
      g_free (field);
      return FALSE;
    }
    g_free (field);
  }
  return TRUE;
}

gboolean
ego_dataset_info_parse (EgoDatasetInfo * info, const GstStructure * s,
    GError ** error)
{
  const GValue *clips = gst_structure_get_value (s, "clips");
  gint n = 0;
  guint segments = 0, candidates = 0;
  gboolean ok;
  memset (info, 0, sizeof (*info));
  info->path = g_strdup (gst_structure_get_string (s, "path"));
  ok = gst_structure_has_name (s, GST_EGO_DATASET_EVENT)
      && string_array (s, "splits", info->splits, EGO_COLLECT_MAX_SPLITS, &n)
      && clips && GST_VALUE_HOLDS_ARRAY (clips)
      && gst_value_array_get_size (clips) == (guint) n
      && gst_structure_get_uint (s, "segments", &segments)
      && gst_structure_get_uint (s, "candidates", &candidates)
      && parse_heads (info, s);
  info->n_splits = (guint) n;
  info->segments = (gint) segments;
  info->candidates = (gint) candidates;
  for (gint i = 0; ok && i < n; i++) {
    const GValue *e = gst_value_array_get_value (clips, i);
    ok = G_VALUE_HOLDS_INT (e) && g_value_get_int (e) >= 0;
    if (ok)
      info->clips[i] = g_value_get_int (e);
  }
  if (!ok) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_FORMAT,
        "the stream's %s event is malformed", GST_EGO_DATASET_EVENT);
    ego_dataset_info_clear (info);
  }
  return ok;
}

void
ego_dataset_info_clear (EgoDatasetInfo * info)
{
  g_free (info->path);
  for (guint i = 0; i < EGO_COLLECT_MAX_SPLITS; i++)
    g_free (info->splits[i]);
  for (gint h = 0; h < EGO_MAX_HEADS; h++) {
    g_free (info->heads[h]);
    g_strfreev (info->labels[h]);
  }
  memset (info, 0, sizeof (*info));
}

static gchar *
split_cache_file (const gchar * cache_file, const EgoDatasetInfo * info,
    guint split)
{
  if (cache_file == NULL)
    return NULL;
  if (split == 0)
    return g_strdup (cache_file);
  return g_strdup_printf ("%s-%s", cache_file, info->splits[split]);
}

EgoClipCollector *
ego_clip_collector_new (const EgoDatasetInfo * info,
    const GstVideoInfo * vinfo, guint n_splits, const gchar * cache_file,
    gboolean teacher, gboolean flow, GError ** error)
{
  EgoClipCollector *c = g_new0 (EgoClipCollector, 1);
  for (gint h = 0; h < info->n_heads; h++)
    c->heads[h] = g_intern_string (info->heads[h]);
  c->n_splits = MIN (n_splits, info->n_splits);
  c->width = GST_VIDEO_INFO_WIDTH (vinfo);
  c->height = GST_VIDEO_INFO_HEIGHT (vinfo);
  c->slots = info->segments * info->candidates;
  c->cur_split = -1;
  for (guint s = 0; s < c->n_splits; s++) {
    EgoClipCacheSpec spec = { 0 };
    gchar *file = split_cache_file (cache_file, info, s);
    spec.n_clips = info->clips[s];
    spec.segments = info->segments;
    spec.candidates = info->candidates;
    spec.width = c->width;
    spec.height = c->height;
    spec.n_heads = info->n_heads;
    for (gint h = 0; h < info->n_heads; h++)
      spec.classes[h] = info->n_labels[h];
    /* only the training split learns from a teacher */
    spec.teacher = teacher && s == 0;
    spec.flow = flow;
    c->caches[s] = ego_clip_cache_new (&spec, file, error);
    /* the mapping outlives the name: the space comes back when the run
     * ends, even when it is killed */
    if (file && c->caches[s])
      g_unlink (file);
    g_free (file);
    if (c->caches[s] == NULL) {
      g_prefix_error (error, "split %s: ", info->splits[s]);
      ego_clip_collector_free (c);
      return NULL;
    }
    c->ids[s] = g_new0 (const gchar *, MAX (spec.n_clips, 1));
    c->total += spec.n_clips;
  }
  c->steps = g_new0 (gint, MAX (info->clips[0], 1));
  return c;
}

void
ego_clip_collector_use_teacher_meta (EgoClipCollector * c)
{
  c->teacher_meta = TRUE;
}

void
ego_clip_collector_free (EgoClipCollector * c)
{
  if (c == NULL)
    return;
  for (guint s = 0; s < EGO_COLLECT_MAX_SPLITS; s++) {
    ego_clip_cache_free (c->caches[s]);
    g_free (c->ids[s]);
  }
  g_free (c->steps);
  g_free (c);
}

/* Where the frame goes, checked against the clip being filled. */
static gboolean
check_slot (EgoClipCollector * c, const GstEgoClipMeta * m, GError ** error)
{
  const EgoClipCacheSpec *spec;
  const gchar *bad = NULL;
  if (m->split >= c->n_splits)
    return TRUE;
  spec = ego_clip_cache_spec (c->caches[m->split]);
  if (m->clip < 0 || m->clip >= spec->n_clips || m->slot >= (guint) c->slots
      || m->slots != (guint) c->slots || m->n_heads != (guint) spec->n_heads)
    bad = "does not fit the stream's dataset event";
  else if (m->slot > 0 && (m->split != (guint) c->cur_split
          || m->clip != c->cur_clip || m->slot != (guint) c->cur_slot + 1))
    bad = "comes out of order";
  for (guint h = 0; !bad && h < m->n_heads; h++)
    if (m->labels[h] >= spec->classes[h])
      bad = "has a class out of range";
  if (bad)
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "frame %u of clip %s %s", m->slot, GST_STR_NULL (m->narration_id),
        bad);
  return bad == NULL;
}

/* An RGB frame of vinfo packed into dst. */
static gboolean
copy_picture (GstBuffer * buf, const GstVideoInfo * vinfo, guint8 * dst)
{
  GstVideoFrame frame;
  const guint8 *src;
  gint stride, w = GST_VIDEO_INFO_WIDTH (vinfo);
  if (gst_buffer_get_size (buf) < GST_VIDEO_INFO_SIZE (vinfo)
      || !gst_video_frame_map (&frame, (GstVideoInfo *) vinfo, buf,
          GST_MAP_READ))
    return FALSE;
  src = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
  for (gint y = 0; y < GST_VIDEO_INFO_HEIGHT (vinfo); y++)
    memcpy (dst + (gsize) y * w * 3, src + (gsize) y * stride, (gsize) w * 3);
  gst_video_frame_unmap (&frame);
  return TRUE;
}

gboolean
ego_clip_copy_frame (GstBuffer * buf, const GstVideoInfo * vinfo,
    guint8 * dst, guint8 * flow_dst, GError ** error)
{
  GstEgoFlowMeta *flow = flow_dst ? gst_buffer_get_ego_flow_meta (buf) : NULL;
  if (!copy_picture (buf, vinfo, dst))
    goto too_small;
  if (flow_dst == NULL)
    return TRUE;
  if (flow == NULL)
    goto no_flow;
  if (!copy_picture (flow->flow, vinfo, flow_dst))
    goto too_small;
  return TRUE;

  /* ERRORS */
too_small:
  g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
      "is smaller than its caps say");
  return FALSE;
no_flow:
  g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "has no optical flow "
      "(GstEgoFlowMeta): RGB and flow come from egodatasetsrc "
      "modality=rgbflow");
  return FALSE;
}

/* A training frame's teacher meta: of this clip, the dataset's heads and
 * classes. */
static gboolean
check_teacher_meta (EgoClipCollector * c, const GstEgoClipMeta * m,
    const GstEgoTeacherMeta * t, GError ** error)
{
  const EgoClipCacheSpec *spec = ego_clip_cache_spec (c->caches[m->split]);
  if (t == NULL)
    goto no_meta;
  if (g_strcmp0 (t->narration_id, m->narration_id) != 0)
    goto other_clip;
  if (t->n_heads != (guint) spec->n_heads)
    goto heads;
  for (gint h = 0; h < spec->n_heads; h++) {
    if (g_strcmp0 (t->heads[h], c->heads[h]) != 0)
      goto heads;
    if (t->classes[h] != (guint) spec->classes[h])
      goto classes;
  }
  return TRUE;

  /* ERRORS */
no_meta:
  g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "frame %u of clip %s "
      "has no teacher meta, but the stream's first frame had", m->slot,
      m->narration_id);
  return FALSE;
other_clip:
  g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "frame %u of clip %s "
      "carries the teacher logits of clip %s", m->slot, m->narration_id,
      GST_STR_NULL (t->narration_id));
  return FALSE;
heads:
  g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "the teacher's heads "
      "(%u: %s%s%s) are not the dataset's (%d: %s%s%s)", t->n_heads,
      t->n_heads > 0 ? t->heads[0] : "", t->n_heads > 1 ? ", " : "",
      t->n_heads > 1 ? t->heads[1] : "", spec->n_heads, c->heads[0],
      spec->n_heads > 1 ? ", " : "", spec->n_heads > 1 ? c->heads[1] : "");
  return FALSE;
classes:
  {
    gint h = 0;
    while (t->classes[h] == (guint) spec->classes[h])
      h++;
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "the teacher's %s "
        "head has %u classes, the dataset's has %d", c->heads[h],
        t->classes[h], spec->classes[h]);
    return FALSE;
  }
}

/* The fused logits of a clip into its cache's teacher slots. */
static void
store_teacher (EgoClipCollector * c, const GstEgoClipMeta * m,
    const GstEgoTeacherMeta * t)
{
  EgoClipCache *cache = c->caches[m->split];
  for (guint h = 0; h < t->n_heads; h++)
    memcpy (ego_clip_cache_teacher (cache, m->clip, (int) h), t->fused[h],
        sizeof (gfloat) * t->classes[h]);
  if (c->teachers[0] == NULL)
    for (guint i = 0; i < t->n_teachers; i++)
      c->teachers[i] = g_intern_string (t->teachers[i]);
}

/* The last frame of a clip: labels, and it counts as done. */
static void
finish_clip (EgoClipCollector * c, const GstEgoClipMeta * m)
{
  EgoClipCache *cache = c->caches[m->split];
  int32_t *labels = ego_clip_cache_labels (cache, m->clip);
  for (guint h = 0; h < m->n_heads; h++)
    labels[h] = m->labels[h];
  ego_clip_cache_set_ready (cache, m->clip);
  c->done++;
}

gboolean
ego_clip_collector_add (EgoClipCollector * c, GstBuffer * buf, GError ** error)
{
  GstEgoClipMeta *m = gst_buffer_get_ego_clip_meta (buf);
  GstVideoInfo vinfo;
  EgoClipCache *cache;
  if (m == NULL) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "a frame without clip meta: the input must come from egodatasetsrc");
    return FALSE;
  }
  if (!check_slot (c, m, error))
    return FALSE;
  if (m->split >= c->n_splits)
    return TRUE;
  if (c->teacher_meta && ego_clip_cache_spec (c->caches[m->split])->teacher) {
    GstEgoTeacherMeta *t = gst_buffer_get_ego_teacher_meta (buf);
    if (!check_teacher_meta (c, m, t, error))
      return FALSE;
    if (m->slot + 1 == m->slots)
      store_teacher (c, m, t);
  }
  gst_video_info_set_format (&vinfo, GST_VIDEO_FORMAT_RGB, c->width,
      c->height);
  cache = c->caches[m->split];
  if (!ego_clip_copy_frame (buf, &vinfo, ego_clip_cache_frame (cache,
              m->clip, (int) m->slot), ego_clip_cache_flow (cache, m->clip,
              (int) m->slot), error)) {
    g_prefix_error (error, "frame %u of clip %s ", m->slot, m->narration_id);
    return FALSE;
  }
  c->cur_split = (gint) m->split;
  c->cur_clip = m->clip;
  c->cur_slot = (gint) m->slot;
  c->ids[m->split][m->clip] = m->narration_id;
  /* the middle candidates of the first and second segment */
  if (m->split == 0 && m->segments > 1 && m->slot == m->candidates / 2)
    c->steps[m->clip] = -m->frame;
  else if (m->split == 0 && m->segments > 1
      && m->slot == m->candidates + m->candidates / 2)
    c->steps[m->clip] += m->frame;
  if (m->slot + 1 == m->slots)
    finish_clip (c, m);
  return TRUE;
}

gboolean
ego_clip_collector_check_complete (EgoClipCollector * c, GError ** error)
{
  for (guint s = 0; s < c->n_splits; s++) {
    const EgoClipCacheSpec *spec = ego_clip_cache_spec (c->caches[s]);
    if (!ego_clip_cache_complete (c->caches[s])) {
      g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
          "the stream ended before all %d clips of a split had all their "
          "frames", spec->n_clips);
      return FALSE;
    }
  }
  return TRUE;
}

gint
ego_clip_collector_done (const EgoClipCollector * c)
{
  return c->done;
}

gint
ego_clip_collector_total (const EgoClipCollector * c)
{
  return c->total;
}

EgoClipCache *
ego_clip_collector_cache (EgoClipCollector * c, guint split)
{
  return split < c->n_splits ? c->caches[split] : NULL;
}

const gchar *
ego_clip_collector_narration (const EgoClipCollector * c, guint split,
    gint clip)
{
  return c->ids[split][clip];
}

static gint
compare_int (gconstpointer a, gconstpointer b)
{
  gint x = *(const gint *) a, y = *(const gint *) b;
  return (x > y) - (x < y);
}

const gchar *const *
ego_clip_collector_teachers (const EgoClipCollector * c)
{
  return c->teacher_meta && c->teachers[0] ? c->teachers : NULL;
}

gint
ego_clip_collector_frame_step (const EgoClipCollector * c)
{
  gint n = ego_clip_cache_spec (c->caches[0])->n_clips, step;
  gint *sorted = g_memdup2 (c->steps, sizeof (gint) * n);
  qsort (sorted, n, sizeof (gint), compare_int);
  step = sorted[n / 2];
  g_free (sorted);
  return MAX (step, 1);
}
