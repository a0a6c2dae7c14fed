/* egosynthsrc's video stream: renders the scene at each frame's time and
 * attaches the ground truth. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include <gst/video/video.h>
#include <gst/ego/ego.h>

#include "gstegosynthsrc-private.h"
#include "synth/render_video.h"
#include "synth/scenario.h"
#include "synth/scene.h"
#include "synth/synthrand.h"

#define GST_CAT_DEFAULT gst_ego_synth_src_debug

#define VIDEO_FORMATS "{ RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR }"
#define DEFAULT_WIDTH 320
#define DEFAULT_HEIGHT 240
#define DEFAULT_FPS_N 30

/* Each frame plays the scene's script up to its time, so a frame's cost
 * grows with its duration: about 0.15 s for a frame a day long, hours for
 * the slowest rate caps can state (1/2147483647). 1 to 1000 frames per
 * second covers cameras and tests. */

GstStaticPadTemplate gst_ego_synth_video_template =
GST_STATIC_PAD_TEMPLATE ("video", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw, format = (string) " VIDEO_FORMATS ", "
        "width = (int) [ 16, 4096 ], height = (int) [ 16, 4096 ], "
        "framerate = (fraction) [ 1/1, 1000/1 ], "
        "pixel-aspect-ratio = (fraction) 1/1"));

static GstStaticPadTemplate src_template =
GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw, format = (string) " VIDEO_FORMATS ", "
        "width = (int) [ 16, 4096 ], height = (int) [ 16, 4096 ], "
        "framerate = (fraction) [ 1/1, 1000/1 ], "
        "pixel-aspect-ratio = (fraction) 1/1"));

struct _GstEgoSynthVideoSrc
{
  GstPushSrc parent;

  GstEgoSynthSrc *owner;
  GstEgoSynthSettings settings;

  /* built in start(), freed in stop() */
  EgoScenario *scenario;
  EgoScene *scene, *exposure, *before;
  EgoVideoRenderer *renderer;

  /* negotiated */
  GstVideoInfo info;
  EgoPixelLayout layout;

  /* position: frame n_frames after origin (which moves when the rate
   * changes); frames_done counts towards num-buffers */
  GstClockTime origin;
  guint64 n_frames;
  guint64 frames_done;

  GstClockTime live_origin;
  GstClockID clock_id;
  gboolean flushing;
};

G_DEFINE_TYPE (GstEgoSynthVideoSrc, gst_ego_synth_video_src, GST_TYPE_PUSH_SRC);

static gboolean gst_ego_synth_video_src_start (GstBaseSrc * bsrc);
static gboolean gst_ego_synth_video_src_stop (GstBaseSrc * bsrc);
static GstCaps *gst_ego_synth_video_src_fixate (GstBaseSrc * bsrc,
    GstCaps * caps);
static gboolean gst_ego_synth_video_src_set_caps (GstBaseSrc * bsrc,
    GstCaps * caps);
static gboolean gst_ego_synth_video_src_decide_allocation (GstBaseSrc * bsrc,
    GstQuery * query);
static gboolean gst_ego_synth_video_src_query (GstBaseSrc * bsrc,
    GstQuery * query);
static gboolean gst_ego_synth_video_src_is_seekable (GstBaseSrc * bsrc);
static gboolean gst_ego_synth_video_src_do_seek (GstBaseSrc * bsrc,
    GstSegment * segment);
static gboolean gst_ego_synth_video_src_unlock (GstBaseSrc * bsrc);
static gboolean gst_ego_synth_video_src_unlock_stop (GstBaseSrc * bsrc);
static GstFlowReturn gst_ego_synth_video_src_fill (GstPushSrc * psrc,
    GstBuffer * buffer);

static void
gst_ego_synth_video_src_class_init (GstEgoSynthVideoSrcClass * klass)
{
  GstElementClass *element_class = (GstElementClass *) klass;
  GstBaseSrcClass *bsrc_class = (GstBaseSrcClass *) klass;
  GstPushSrcClass *psrc_class = (GstPushSrcClass *) klass;

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "egosynthsrc video", "Source/Video",
      "The video stream inside egosynthsrc", "gst-ego");

  bsrc_class->start = GST_DEBUG_FUNCPTR (gst_ego_synth_video_src_start);
  bsrc_class->stop = GST_DEBUG_FUNCPTR (gst_ego_synth_video_src_stop);
  bsrc_class->fixate = GST_DEBUG_FUNCPTR (gst_ego_synth_video_src_fixate);
  bsrc_class->set_caps = GST_DEBUG_FUNCPTR (gst_ego_synth_video_src_set_caps);
  bsrc_class->decide_allocation =
      GST_DEBUG_FUNCPTR (gst_ego_synth_video_src_decide_allocation);
  bsrc_class->query = GST_DEBUG_FUNCPTR (gst_ego_synth_video_src_query);
  bsrc_class->is_seekable =
      GST_DEBUG_FUNCPTR (gst_ego_synth_video_src_is_seekable);
  bsrc_class->do_seek = GST_DEBUG_FUNCPTR (gst_ego_synth_video_src_do_seek);
  bsrc_class->unlock = GST_DEBUG_FUNCPTR (gst_ego_synth_video_src_unlock);
  bsrc_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_ego_synth_video_src_unlock_stop);
  psrc_class->fill = GST_DEBUG_FUNCPTR (gst_ego_synth_video_src_fill);
}

static void
gst_ego_synth_video_src_init (GstEgoSynthVideoSrc * self)
{
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
  gst_video_info_init (&self->info);
}

GstElement *
gst_ego_synth_video_src_new (GstEgoSynthSrc * owner)
{
  GstEgoSynthVideoSrc *self = g_object_new (GST_TYPE_EGO_SYNTH_VIDEO_SRC,
      "name", "video-src", NULL);
  self->owner = owner;
  return GST_ELEMENT (self);
}

static gboolean
gst_ego_synth_video_src_start (GstBaseSrc * bsrc)
{
  GstEgoSynthVideoSrc *self = GST_EGO_SYNTH_VIDEO_SRC (bsrc);
  EgoScenarioParams params;

  gst_ego_synth_src_get_settings (self->owner, &self->settings);
  GST_EGO_SYNTH_SCENARIO_PARAMS (&params, &self->settings);
  self->scenario = ego_scenario_new (&params);
  self->scene = g_new0 (EgoScene, 1);
  self->exposure = g_new0 (EgoScene, 1);
  self->before = g_new0 (EgoScene, 1);
  GST_OBJECT_LOCK (self);
  gst_video_info_init (&self->info);
  self->origin = 0;
  self->n_frames = self->frames_done = 0;
  self->live_origin = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "seed %" G_GUINT64_FORMAT, self->settings.seed);
  return TRUE;
}

static gboolean
gst_ego_synth_video_src_stop (GstBaseSrc * bsrc)
{
  GstEgoSynthVideoSrc *self = GST_EGO_SYNTH_VIDEO_SRC (bsrc);

  g_clear_pointer (&self->renderer, ego_video_renderer_free);
  g_clear_pointer (&self->scenario, ego_scenario_free);
  g_clear_pointer (&self->scene, g_free);
  g_clear_pointer (&self->exposure, g_free);
  g_clear_pointer (&self->before, g_free);
  return TRUE;
}

static GstCaps *
gst_ego_synth_video_src_fixate (GstBaseSrc * bsrc, GstCaps * caps)
{
  GstStructure *s;

  caps = gst_caps_make_writable (caps);
  s = gst_caps_get_structure (caps, 0);
  gst_structure_fixate_field_nearest_int (s, "width", DEFAULT_WIDTH);
  gst_structure_fixate_field_nearest_int (s, "height", DEFAULT_HEIGHT);
  gst_structure_fixate_field_nearest_fraction (s, "framerate",
      DEFAULT_FPS_N, 1);
  return GST_BASE_SRC_CLASS (gst_ego_synth_video_src_parent_class)->fixate
      (bsrc, caps);
}

/* Where R, G, B and the fourth byte sit in a pixel of the format. */
static void
layout_from_info (const GstVideoInfo * info, EgoPixelLayout * layout)
{
  guint used = 0;

  layout->pixel_stride = GST_VIDEO_INFO_COMP_PSTRIDE (info, 0);
  for (int c = 0; c < 3; c++) {
    layout->offset[c] = GST_VIDEO_INFO_COMP_POFFSET (info, c);
    used |= 1u << layout->offset[c];
  }
  /* alpha or padding: write it too, so that every byte is defined */
  layout->offset[3] = -1;
  if (layout->pixel_stride == 4)
    for (int b = 0; b < 4; b++)
      if (!(used & (1u << b)))
        layout->offset[3] = b;
}

static gboolean
gst_ego_synth_video_src_set_caps (GstBaseSrc * bsrc, GstCaps * caps)
{
  GstEgoSynthVideoSrc *self = GST_EGO_SYNTH_VIDEO_SRC (bsrc);
  GstVideoInfo info;
  gboolean resize;

  if (!gst_video_info_from_caps (&info, caps) || info.fps_n <= 0)
    goto invalid_caps;

  resize = self->renderer == NULL || info.width != self->info.width ||
      info.height != self->info.height;
  if (resize) {
    g_clear_pointer (&self->renderer, ego_video_renderer_free);
    self->renderer = ego_video_renderer_new (ego_scenario_get_kitchen
        (self->scenario), info.width, info.height);
  }
  GST_OBJECT_LOCK (self);
  /* a new frame rate continues from where the old one stopped */
  if (self->info.fps_n > 0 && (info.fps_n != self->info.fps_n ||
          info.fps_d != self->info.fps_d)) {
    self->origin += gst_util_uint64_scale (self->n_frames,
        self->info.fps_d * GST_SECOND, self->info.fps_n);
    self->n_frames = 0;
  }
  self->info = info;
  layout_from_info (&info, &self->layout);
  GST_OBJECT_UNLOCK (self);
  gst_ego_synth_src_set_video_rate (self->owner, info.fps_n, info.fps_d);
  GST_DEBUG_OBJECT (self, "%dx%d %s at %d/%d", info.width, info.height,
      gst_video_format_to_string (info.finfo->format), info.fps_n, info.fps_d);
  return TRUE;

  /* ERRORS */
invalid_caps:
  {
    GST_ERROR_OBJECT (self, "unusable caps %" GST_PTR_FORMAT, caps);
    return FALSE;
  }
}

static gboolean
gst_ego_synth_video_src_decide_allocation (GstBaseSrc * bsrc, GstQuery * query)
{
  GstEgoSynthVideoSrc *self = GST_EGO_SYNTH_VIDEO_SRC (bsrc);
  GstBufferPool *pool = NULL;
  guint size = self->info.size, min = 0, max = 0;
  GstStructure *config;
  GstCaps *caps = NULL;
  gboolean update = gst_query_get_n_allocation_pools (query) > 0;

  if (update) {
    gst_query_parse_nth_allocation_pool (query, 0, &pool, &size, &min, &max);
    size = MAX (size, self->info.size);
  }
  if (pool == NULL)
    pool = gst_video_buffer_pool_new ();

  config = gst_buffer_pool_get_config (pool);
  gst_query_parse_allocation (query, &caps, NULL);
  if (caps)
    gst_buffer_pool_config_set_params (config, caps, size, min, max);
  if (gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL))
    gst_buffer_pool_config_add_option (config,
        GST_BUFFER_POOL_OPTION_VIDEO_META);
  gst_buffer_pool_set_config (pool, config);

  if (update)
    gst_query_set_nth_allocation_pool (query, 0, pool, size, min, max);
  else
    gst_query_add_allocation_pool (query, pool, size, min, max);
  gst_object_unref (pool);

  return
      GST_BASE_SRC_CLASS
      (gst_ego_synth_video_src_parent_class)->decide_allocation (bsrc, query);
}

static gboolean
gst_ego_synth_video_src_query (GstBaseSrc * bsrc, GstQuery * query)
{
  GstEgoSynthVideoSrc *self = GST_EGO_SYNTH_VIDEO_SRC (bsrc);
  gboolean res = FALSE;

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:{
      GstClockTime latency;
      GST_OBJECT_LOCK (self);
      if (self->info.fps_n > 0) {
        /* a live camera delivers a frame after capturing it */
        latency = gst_util_uint64_scale (GST_SECOND, self->info.fps_d,
            self->info.fps_n);
        GST_OBJECT_UNLOCK (self);
        gst_query_set_latency (query, gst_base_src_is_live (bsrc), latency,
            GST_CLOCK_TIME_NONE);
        res = TRUE;
      } else {
        GST_OBJECT_UNLOCK (self);
      }
      break;
    }
    case GST_QUERY_DURATION:{
      GstFormat format;
      gst_query_parse_duration (query, &format, NULL);
      GST_OBJECT_LOCK (self);
      if (format == GST_FORMAT_TIME && self->settings.num_buffers >= 0 &&
          self->info.fps_n > 0) {
        gst_query_set_duration (query, GST_FORMAT_TIME,
            gst_util_uint64_scale (self->settings.num_buffers,
                self->info.fps_d * GST_SECOND, self->info.fps_n));
        res = TRUE;
      }
      GST_OBJECT_UNLOCK (self);
      if (!res)
        res = GST_BASE_SRC_CLASS (gst_ego_synth_video_src_parent_class)->query
            (bsrc, query);
      break;
    }
    case GST_QUERY_CONVERT:{
      GstFormat src_fmt, dest_fmt;
      gint64 src_val, dest_val;
      gst_query_parse_convert (query, &src_fmt, &src_val, &dest_fmt, &dest_val);
      GST_OBJECT_LOCK (self);
      res = gst_video_info_convert (&self->info, src_fmt, src_val, dest_fmt,
          &dest_val);
      GST_OBJECT_UNLOCK (self);
      if (res)
        gst_query_set_convert (query, src_fmt, src_val, dest_fmt, dest_val);
      break;
    }
    default:
      res = GST_BASE_SRC_CLASS (gst_ego_synth_video_src_parent_class)->query
          (bsrc, query);
      break;
  }
  return res;
}

/* a live source is not: its clock is the wall's (a seek of an hour would
 * wait an hour) */
static gboolean
gst_ego_synth_video_src_is_seekable (GstBaseSrc * bsrc)
{
  return !gst_base_src_is_live (bsrc);
}

/* Any frame can be made on its own: go straight to the first frame at or
 * after the new position. */
static gboolean
gst_ego_synth_video_src_do_seek (GstBaseSrc * bsrc, GstSegment * segment)
{
  GstEgoSynthVideoSrc *self = GST_EGO_SYNTH_VIDEO_SRC (bsrc);

  if (segment->rate < 0.0)
    return FALSE;
  segment->time = segment->start;
  GST_OBJECT_LOCK (self);
  self->origin = 0;
  self->n_frames = 0;
  if (self->info.fps_n > 0)
    self->n_frames = gst_util_uint64_scale_ceil (segment->position,
        self->info.fps_n, self->info.fps_d * GST_SECOND);
  self->frames_done = self->n_frames;
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "seek to frame %" G_GUINT64_FORMAT, self->n_frames);
  return TRUE;
}

static gboolean
gst_ego_synth_video_src_unlock (GstBaseSrc * bsrc)
{
  GstEgoSynthVideoSrc *self = GST_EGO_SYNTH_VIDEO_SRC (bsrc);

  GST_OBJECT_LOCK (self);
  self->flushing = TRUE;
  if (self->clock_id)
    gst_clock_id_unschedule (self->clock_id);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_ego_synth_video_src_unlock_stop (GstBaseSrc * bsrc)
{
  GstEgoSynthVideoSrc *self = GST_EGO_SYNTH_VIDEO_SRC (bsrc);

  GST_OBJECT_LOCK (self);
  self->flushing = FALSE;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* timestamp of the first frame at or after t seconds */
static GstClockTime
frame_at_or_after (GstEgoSynthVideoSrc * self, double t)
{
  double origin = (double) self->origin / GST_SECOND;
  double n = ceil ((t - origin) * self->info.fps_n / self->info.fps_d - 1e-9);
  return self->origin + gst_util_uint64_scale ((guint64) MAX (n, 0.0),
      self->info.fps_d * GST_SECOND, self->info.fps_n);
}

static void
add_box_metas (GstEgoSynthVideoSrc * self, GstBuffer * buffer,
    const GstEgoBox * box)
{
  static const gchar *sides[] = { "none", "left", "right" };
  const gchar *type = box->category == GST_EGO_BOX_HAND ? "hand" :
      box->noun >= 0 ? ego_noun_key (box->noun) : "object";
  guint x = (guint) box->x1, y = (guint) box->y1;
  GstVideoRegionOfInterestMeta *roi;

  roi = gst_buffer_add_video_region_of_interest_meta (buffer, type, x, y,
      (guint) ceilf (box->x2) - x, (guint) ceilf (box->y2) - y);
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new ("ego-box",
          "category", G_TYPE_STRING,
          box->category == GST_EGO_BOX_HAND ? "hand" : "object",
          "side", G_TYPE_STRING, sides[box->side],
          "contact", G_TYPE_BOOLEAN, box->contact,
          "noun", G_TYPE_INT, box->noun, NULL));
}

/* The item's box in pixels, clipped to the frame; FALSE when too little
 * of it is in view. */
static gboolean
item_box (GstEgoSynthVideoSrc * self, const EgoItem * it, GstEgoBox * box)
{
  float w = (float) self->info.width, h = (float) self->info.height;
  float x1, y1, x2, y2;

  ego_video_view_to_pixels (self->renderer, it->box[0], it->box[1], &x1, &y1);
  ego_video_view_to_pixels (self->renderer, it->box[2], it->box[3], &x2, &y2);
  box->x1 = CLAMP (x1, 0.0f, w);
  box->y1 = CLAMP (y1, 0.0f, h);
  box->x2 = CLAMP (x2, 0.0f, w);
  box->y2 = CLAMP (y2, 0.0f, h);
  if (box->x2 - box->x1 < 2.0f || box->y2 - box->y1 < 2.0f)
    return FALSE;
  box->category = it->category == EGO_ITEM_HAND ? GST_EGO_BOX_HAND :
      GST_EGO_BOX_OBJECT;
  box->score = 1.0f;
  box->side = it->category != EGO_ITEM_HAND ? GST_EGO_SIDE_NONE :
      it->side == EGO_HAND_LEFT ? GST_EGO_SIDE_LEFT : GST_EGO_SIDE_RIGHT;
  box->contact = it->contact;
  box->noun = it->noun;
  return TRUE;
}

static void
add_truth (GstEgoSynthVideoSrc * self, GstBuffer * buffer, GstClockTime offset)
{
  const EgoScene *scene = self->scene;
  GstEgoTruthMeta *m = gst_buffer_add_ego_truth_meta (buffer);

  if (scene->action >= 0) {
    m->verb = scene->verb;
    m->noun = scene->noun;
    m->verb_label = g_intern_static_string (ego_verb_key (scene->verb));
    m->noun_label = g_intern_static_string (ego_noun_key (scene->noun));
    m->action_index = scene->action;
    m->action_start = offset + frame_at_or_after (self, scene->action_start);
    m->action_end = offset + frame_at_or_after (self, scene->action_end);
  }
  /* hands and the action's things first, should the boxes run out */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < scene->n_items; i++) {
      const EgoItem *it = &scene->items[i];
      gboolean first = it->category == EGO_ITEM_HAND || it->in_action;
      if (first != (pass == 0) || m->n_boxes == GST_EGO_TRUTH_MAX_BOXES)
        continue;
      if (item_box (self, it, &m->boxes[m->n_boxes]))
        m->n_boxes++;
    }
  for (guint i = 0; i < m->n_boxes; i++)
    add_box_metas (self, buffer, &m->boxes[i]);
}

static void
add_flow (GstEgoSynthVideoSrc * self, GstBuffer * buffer, double t,
    double frame)
{
  GstEgoTruthMeta *m = gst_buffer_get_ego_truth_meta (buffer);
  EgoSceneKnobs knobs = { self->settings.head_motion,
    self->settings.lighting
  };
  float *flow;

  if (t - frame < -1e-9)
    return;                     /* the first frame has no previous one */
  flow = g_malloc (sizeof (float) * 2 * self->info.width * self->info.height);
  ego_scene_build (self->before, self->scenario, &knobs, t - frame);
  ego_video_flow (self->renderer, self->before, self->scene, flow);
  gst_ego_truth_meta_set_flow (m, self->info.width, self->info.height, flow);
}

static GstFlowReturn
render (GstEgoSynthVideoSrc * self, GstBuffer * buffer, double t, double frame)
{
  const GstEgoSynthSettings *s = &self->settings;
  EgoSceneKnobs knobs = { s->head_motion, s->lighting };
  const EgoScene *exposure = NULL;
  GstVideoFrame vframe;
  guint8 *data;
  gsize stride, row;

  ego_scene_build (self->scene, self->scenario, &knobs, t);
  if (s->motion_blur > 0.0f) {
    ego_scene_build (self->exposure, self->scenario, &knobs,
        t - 0.9 * s->motion_blur * frame);
    exposure = self->exposure;
  }
  if (!gst_video_frame_map (&vframe, &self->info, buffer, GST_MAP_WRITE))
    goto map_failed;
  data = GST_VIDEO_FRAME_PLANE_DATA (&vframe, 0);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (&vframe, 0);
  ego_video_render (self->renderer, self->scene, exposure, s->noise,
      (guint32) synth_mix64 (s->seed ^ (guint64) llround (t * 1e6)),
      &self->layout, data, stride);
  /* the padding at the end of rows too, for reproducible buffers */
  row = (gsize) self->info.width * self->layout.pixel_stride;
  if (stride > row)
    for (gint y = 0; y < self->info.height; y++)
      memset (data + y * stride + row, 0, stride - row);
  gst_video_frame_unmap (&vframe);
  return GST_FLOW_OK;

  /* ERRORS */
map_failed:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("Could not write a frame."),
        ("failed to map the output buffer"));
    return GST_FLOW_ERROR;
  }
}

static GstFlowReturn
gst_ego_synth_video_src_fill (GstPushSrc * psrc, GstBuffer * buffer)
{
  GstEgoSynthVideoSrc *self = GST_EGO_SYNTH_VIDEO_SRC (psrc);
  GstBaseSrc *bsrc = GST_BASE_SRC (psrc);
  GstClockTime pts, next, offset = 0;
  GstFlowReturn ret;
  double t, frame;

  if (G_UNLIKELY (self->info.fps_n <= 0 || self->renderer == NULL))
    return GST_FLOW_NOT_NEGOTIATED;
  if (self->settings.num_buffers >= 0 &&
      self->frames_done >= (guint64) self->settings.num_buffers)
    return GST_FLOW_EOS;

  GST_OBJECT_LOCK (self);
  pts = self->origin + gst_util_uint64_scale (self->n_frames,
      self->info.fps_d * GST_SECOND, self->info.fps_n);
  next = self->origin + gst_util_uint64_scale (self->n_frames + 1,
      self->info.fps_d * GST_SECOND, self->info.fps_n);
  GST_OBJECT_UNLOCK (self);
  if (GST_CLOCK_TIME_IS_VALID (bsrc->segment.stop) && pts >= bsrc->segment.stop)
    return GST_FLOW_EOS;

  if (gst_base_src_is_live (bsrc)) {
    if (!GST_CLOCK_TIME_IS_VALID (self->live_origin))
      self->live_origin = gst_ego_synth_src_live_origin (self->owner,
          GST_ELEMENT (self));
    offset = self->live_origin;
    ret = gst_ego_synth_src_wait_until (GST_ELEMENT (self), &self->clock_id,
        &self->flushing, offset + pts);
    if (ret != GST_FLOW_OK)
      return ret;
  }

  t = (double) self->origin / GST_SECOND +
      (double) self->n_frames * self->info.fps_d / self->info.fps_n;
  frame = (double) self->info.fps_d / self->info.fps_n;
  ret = render (self, buffer, t, frame);
  if (ret != GST_FLOW_OK)
    return ret;
  add_truth (self, buffer, offset);
  if (self->settings.emit_flow)
    add_flow (self, buffer, t, frame);

  GST_BUFFER_PTS (buffer) = offset + pts;
  GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buffer) = next - pts;
  GST_BUFFER_OFFSET (buffer) = self->frames_done;
  GST_BUFFER_OFFSET_END (buffer) = self->frames_done + 1;
  GST_OBJECT_LOCK (self);
  self->n_frames++;
  self->frames_done++;
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;
}
