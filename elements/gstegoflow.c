/* gst-ego: egoflow, dense optical flow as video.
 *
 * SECTION:element-egoflow
 * @title: egoflow
 * @see_also: egosynthsrc
 *
 * Computes, for every frame, the dense optical flow from the previous frame
 * to it (for every pixel of the previous frame, where it went) and outputs
 * it as an RGB frame of the same size, encoded the way public datasets store
 * TV-L1 flow: each component is clipped to +-`bound` pixels and mapped
 * linearly onto 0..255, 128 meaning no motion:
 *   R = 128 + dx * 128 / bound, G = 128 + dy * 128 / bound, B = 128,
 * each rounded and clipped to 0..255; so dx = (R - 128) * bound / 128.
 * The flow is thus an ordinary video stream: it can be encoded, cached and
 * clipped like any other, and a two-channel flow network reads R and G.
 *
 * The first frame, and the first after a flush, a discontinuity or new
 * caps, has no previous frame: it comes out as zero motion (all 128).
 * Colour frames are turned into grey levels (BT.601 luma) first.
 *
 * A frame flagged DROPPABLE, whose motion nobody will look at, is kept as
 * the previous frame of the next one but its flow is not computed: it
 * comes out as zero motion, flagged GAP. A reader that needs the motion of
 * a few frames of a long video (egodatasetsrc) saves most of the work so,
 * and the frames it needs are the same as without the flags.
 *
 * The flow is a coarse-to-fine variational method with brightness and
 * gradient constancy and robust penalties (models/flow.h); `levels`,
 * `warps`, `iterations` and `smoothness` are its knobs.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! videoscale ! \
 *     video/x-raw,width=320,height=240 ! egoflow bound=20 ! \
 *     videoconvert ! autovideosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstegoflow.h"

#include <math.h>
#include <string.h>

#include "flow.h"

GST_DEBUG_CATEGORY_STATIC (gst_ego_flow_debug);
#define GST_CAT_DEFAULT gst_ego_flow_debug

#define DEFAULT_PROP_BOUND 20.0f
#define DEFAULT_PROP_LEVELS 0
#define DEFAULT_PROP_WARPS 2
#define DEFAULT_PROP_ITERATIONS 8
#define DEFAULT_PROP_SMOOTHNESS 12.0f

enum
{
  PROP_0,
  PROP_BOUND,
  PROP_LEVELS,
  PROP_WARPS,
  PROP_ITERATIONS,
  PROP_SMOOTHNESS,
};

#define SINK_CAPS GST_VIDEO_CAPS_MAKE \
    ("{ RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR, GRAY8 }")

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (SINK_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("RGB")));

struct _GstEgoFlow
{
  GstVideoFilter parent;

  /* properties, under the object lock */
  gfloat bound;
  EgoFlowParams params;
  gboolean params_changed;      /* the flow must be built again */

  /* streaming state, sized in set_info() and freed in stop() */
  EgoFlow *flow;
  gfloat *prev, *next;          /* (H, W) grey levels */
  gfloat *field;                /* (2, H, W) dx then dy */
  gboolean have_prev;

  /* the input's layout, from set_info() */
  gint off_r, off_g, off_b, pstride;
  gboolean gray;
};

#define gst_ego_flow_parent_class parent_class
G_DEFINE_TYPE (GstEgoFlow, gst_ego_flow, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (egoflow, "egoflow", GST_RANK_NONE,
    GST_TYPE_EGO_FLOW);

static void
gst_ego_flow_free_state (GstEgoFlow * self)
{
  ego_flow_free (self->flow);
  self->flow = NULL;
  g_clear_pointer (&self->prev, g_free);
  g_clear_pointer (&self->next, g_free);
  g_clear_pointer (&self->field, g_free);
  self->have_prev = FALSE;
}

/* Caps: the output is RGB of the input's size and rate, whatever the
 * input's format; the other way round, any input format will do. */
static GstCaps *
gst_ego_flow_transform_caps (GstBaseTransform * trans,
    GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  GstPad *other = direction == GST_PAD_SINK ? trans->srcpad : trans->sinkpad;
  GstCaps *any_format = gst_caps_copy (caps);
  GstCaps *tmpl = gst_pad_get_pad_template_caps (other);
  GstCaps *result;

  for (guint i = 0; i < gst_caps_get_size (any_format); i++)
    gst_structure_remove_fields (gst_caps_get_structure (any_format, i),
        "format", "colorimetry", "chroma-site", NULL);
  result = gst_caps_intersect (tmpl, any_format);
  gst_caps_unref (tmpl);
  gst_caps_unref (any_format);
  if (filter != NULL) {
    GstCaps *both = gst_caps_intersect_full (filter, result,
        GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (result);
    result = both;
  }
  GST_DEBUG_OBJECT (trans, "%" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT, caps,
      result);
  return result;
}

/* (Re)builds the flow for the negotiated size with the current settings. */
static gboolean
gst_ego_flow_build (GstEgoFlow * self, gint width, gint height)
{
  EgoFlowParams params;
  GError *error = NULL;

  GST_OBJECT_LOCK (self);
  params = self->params;
  self->params_changed = FALSE;
  GST_OBJECT_UNLOCK (self);
  ego_flow_free (self->flow);
  self->flow = ego_flow_new (width, height, &params, &error);
  if (self->flow == NULL)
    goto no_flow;
  return TRUE;

  /* ERRORS */
no_flow:
  {
    GST_ELEMENT_ERROR (self, CORE, FAILED,
        ("Cannot compute optical flow at %dx%d.", width, height),
        ("%s", error->message));
    g_error_free (error);
    return FALSE;
  }
}

static gboolean
gst_ego_flow_set_info (GstVideoFilter * filter, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info)
{
  GstEgoFlow *self = GST_EGO_FLOW (filter);
  const GstVideoFormatInfo *finfo = in_info->finfo;
  gsize n = (gsize) GST_VIDEO_INFO_WIDTH (in_info) *
      GST_VIDEO_INFO_HEIGHT (in_info);

  gst_ego_flow_free_state (self);
  self->gray = GST_VIDEO_FORMAT_INFO_IS_GRAY (finfo);
  self->pstride = GST_VIDEO_FORMAT_INFO_PSTRIDE (finfo, 0);
  self->off_r = (gint) GST_VIDEO_FORMAT_INFO_POFFSET (finfo, 0);
  self->off_g = self->gray ? self->off_r :
      (gint) GST_VIDEO_FORMAT_INFO_POFFSET (finfo, GST_VIDEO_COMP_G);
  self->off_b = self->gray ? self->off_r :
      (gint) GST_VIDEO_FORMAT_INFO_POFFSET (finfo, GST_VIDEO_COMP_B);
  self->prev = g_try_new (gfloat, n);
  self->next = g_try_new (gfloat, n);
  self->field = g_try_new (gfloat, 2 * n);
  if (self->prev == NULL || self->next == NULL || self->field == NULL)
    goto no_memory;
  return gst_ego_flow_build (self, GST_VIDEO_INFO_WIDTH (in_info),
      GST_VIDEO_INFO_HEIGHT (in_info));

  /* ERRORS */
no_memory:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
        ("Not enough memory for optical flow."),
        ("%" G_GSIZE_FORMAT " pixels per frame", n));
    return FALSE;
  }
}

/* BT.601 luma, on the 0..255 scale the flow expects */
static void
gst_ego_flow_to_gray (GstEgoFlow * self, const GstVideoFrame * frame,
    gfloat * dst)
{
  gint w = GST_VIDEO_FRAME_WIDTH (frame), h = GST_VIDEO_FRAME_HEIGHT (frame);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0), ps = self->pstride;
  const guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);

  for (gint y = 0; y < h; y++) {
    const guint8 *p = data + (gsize) y * stride;
    gfloat *d = dst + (gsize) y * w;
    if (self->gray) {
      for (gint x = 0; x < w; x++)
        d[x] = p[x];
      continue;
    }
    for (gint x = 0; x < w; x++, p += ps)
      d[x] = 0.299f * p[self->off_r] + 0.587f * p[self->off_g]
          + 0.114f * p[self->off_b];
  }
}

static inline guint8
gst_ego_flow_quantise (gfloat d, gfloat scale)
{
  gfloat q = 128.0f + d * scale;
  /* written this way round, NaN ends up at 128 */
  if (!(q >= 0.0f && q <= 255.0f))
    return q < 0.0f ? 0 : (q > 255.0f ? 255 : 128);
  return (guint8) lrintf (q);
}

/* field (or zero motion when NULL) as R = dx, G = dy, B = 128 */
static void
gst_ego_flow_encode (const gfloat * field, gfloat bound, GstVideoFrame * out)
{
  gint w = GST_VIDEO_FRAME_WIDTH (out), h = GST_VIDEO_FRAME_HEIGHT (out);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (out, 0);
  guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (out, 0);
  gsize n = (gsize) w * h;
  gfloat scale = 128.0f / bound;

  for (gint y = 0; y < h; y++) {
    guint8 *p = data + (gsize) y * stride;
    if (field == NULL) {
      memset (p, 128, (gsize) w * 3);
      continue;
    }
    for (gint x = 0; x < w; x++, p += 3) {
      gsize i = (gsize) y * w + x;
      p[0] = gst_ego_flow_quantise (field[i], scale);
      p[1] = gst_ego_flow_quantise (field[n + i], scale);
      p[2] = 128;
    }
  }
}

static GstFlowReturn
gst_ego_flow_transform_frame (GstVideoFilter * filter,
    GstVideoFrame * inframe, GstVideoFrame * outframe)
{
  GstEgoFlow *self = GST_EGO_FLOW (filter);
  gboolean rebuild, skip;
  gfloat bound, *t;

  GST_OBJECT_LOCK (self);
  bound = self->bound;
  rebuild = self->params_changed;
  GST_OBJECT_UNLOCK (self);
  /* new settings take effect at once; the previous frame is kept */
  if (rebuild && !gst_ego_flow_build (self, GST_VIDEO_FRAME_WIDTH (inframe),
          GST_VIDEO_FRAME_HEIGHT (inframe)))
    return GST_FLOW_ERROR;
  if (GST_BUFFER_FLAG_IS_SET (inframe->buffer, GST_BUFFER_FLAG_DISCONT))
    self->have_prev = FALSE;

  gst_ego_flow_to_gray (self, inframe, self->next);
  skip = GST_BUFFER_FLAG_IS_SET (inframe->buffer, GST_BUFFER_FLAG_DROPPABLE);
  if (self->have_prev && !skip)
    ego_flow_compute (self->flow, self->prev, self->next, self->field);
  gst_ego_flow_encode (self->have_prev && !skip ? self->field : NULL, bound,
      outframe);
  if (skip)
    GST_BUFFER_FLAG_SET (outframe->buffer, GST_BUFFER_FLAG_GAP);
  t = self->prev;
  self->prev = self->next;
  self->next = t;
  self->have_prev = TRUE;
  return GST_FLOW_OK;
}

static gboolean
gst_ego_flow_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstEgoFlow *self = GST_EGO_FLOW (trans);

  /* after a flush the next frame does not follow the last one */
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP
      || GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START)
    self->have_prev = FALSE;
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_ego_flow_start (GstBaseTransform * trans)
{
  GST_EGO_FLOW (trans)->have_prev = FALSE;
  return TRUE;
}

static gboolean
gst_ego_flow_stop (GstBaseTransform * trans)
{
  gst_ego_flow_free_state (GST_EGO_FLOW (trans));
  return TRUE;
}

static void
gst_ego_flow_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstEgoFlow *self = GST_EGO_FLOW (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_BOUND:
      self->bound = g_value_get_float (value);
      break;
    case PROP_LEVELS:
      self->params.levels = g_value_get_int (value);
      break;
    case PROP_WARPS:
      self->params.warps = g_value_get_int (value);
      break;
    case PROP_ITERATIONS:
      self->params.sor_iterations = g_value_get_int (value);
      break;
    case PROP_SMOOTHNESS:
      self->params.alpha = g_value_get_float (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  /* only the flow's own settings need it built again (at the next frame;
   * the flow itself belongs to the streaming thread) */
  if (prop_id != PROP_BOUND)
    self->params_changed = TRUE;
  GST_OBJECT_UNLOCK (self);
}

static void
gst_ego_flow_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstEgoFlow *self = GST_EGO_FLOW (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_BOUND:
      g_value_set_float (value, self->bound);
      break;
    case PROP_LEVELS:
      g_value_set_int (value, self->params.levels);
      break;
    case PROP_WARPS:
      g_value_set_int (value, self->params.warps);
      break;
    case PROP_ITERATIONS:
      g_value_set_int (value, self->params.sor_iterations);
      break;
    case PROP_SMOOTHNESS:
      g_value_set_float (value, self->params.alpha);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_ego_flow_install_properties (GObjectClass * gobject_class)
{
  const GParamFlags flags = G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING
      | G_PARAM_STATIC_STRINGS;

  /**
   * GstEgoFlow:bound:
   *
   * The largest motion, in pixels per frame, that the encoding represents:
   * each component is clipped to +-bound and mapped onto 0..255. 20 is what
   * the public TV-L1 flow of EPIC-Kitchens and others uses.
   */
  g_object_class_install_property (gobject_class, PROP_BOUND,
      g_param_spec_float ("bound", "Bound",
          "Motion (pixels per frame) mapped to 0 and 255; 128 is none",
          0.1f, 1000.0f, DEFAULT_PROP_BOUND, flags));
  /**
   * GstEgoFlow:levels:
   *
   * Pyramid levels, each half the size of the one below; 0 picks as many
   * as keep the coarsest level at least 10 pixels on its shorter side. A
   * level follows motions of about a pixel or two at its own scale, so
   * fewer levels miss fast motion.
   */
  g_object_class_install_property (gobject_class, PROP_LEVELS,
      g_param_spec_int ("levels", "Levels",
          "Pyramid levels (0 = down to about 10 pixels)", 0,
          EGO_FLOW_MAX_LEVELS, DEFAULT_PROP_LEVELS, flags));
  /**
   * GstEgoFlow:warps:
   *
   * How many times the finest level re-samples the next frame along the
   * flow found so far and refines it; each coarser level does twice as
   * many. More is slower and follows large motions better.
   */
  g_object_class_install_property (gobject_class, PROP_WARPS,
      g_param_spec_int ("warps", "Warps",
          "Warps at the finest level; coarser levels do twice as many",
          1, 32, DEFAULT_PROP_WARPS, flags));
  /**
   * GstEgoFlow:iterations:
   *
   * Solver sweeps (successive over-relaxation) per robust re-weighting;
   * there are two re-weightings per warp.
   */
  g_object_class_install_property (gobject_class, PROP_ITERATIONS,
      g_param_spec_int ("iterations", "Iterations",
          "Solver sweeps per re-weighting", 1, 100, DEFAULT_PROP_ITERATIONS,
          flags));
  /**
   * GstEgoFlow:smoothness:
   *
   * Weight of the smoothness term against the data terms (grey levels
   * 0..255): higher gives smoother fields that fill untextured areas
   * better and blur motion boundaries more.
   */
  g_object_class_install_property (gobject_class, PROP_SMOOTHNESS,
      g_param_spec_float ("smoothness", "Smoothness",
          "Weight of the flow's smoothness against the data", 0.0f, 1000.0f,
          DEFAULT_PROP_SMOOTHNESS, flags));
}

static void
gst_ego_flow_finalize (GObject * object)
{
  gst_ego_flow_free_state (GST_EGO_FLOW (object));
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_ego_flow_class_init (GstEgoFlowClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_ego_flow_debug, "egoflow", 0,
      "Dense optical flow");

  gobject_class->set_property = gst_ego_flow_set_property;
  gobject_class->get_property = gst_ego_flow_get_property;
  gobject_class->finalize = gst_ego_flow_finalize;
  gst_ego_flow_install_properties (gobject_class);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Egocentric optical flow", "Filter/Analyzer/Video",
      "Dense optical flow from the previous frame, as RGB video in the "
      "dataset encoding of TV-L1 flow (R = dx, G = dy, 128 = still)",
      "gst-ego");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_ego_flow_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_ego_flow_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_ego_flow_sink_event);
  trans_class->transform_caps = GST_DEBUG_FUNCPTR (gst_ego_flow_transform_caps);
  trans_class->passthrough_on_same_caps = FALSE;
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_ego_flow_set_info);
  filter_class->transform_frame =
      GST_DEBUG_FUNCPTR (gst_ego_flow_transform_frame);
}

static void
gst_ego_flow_init (GstEgoFlow * self)
{
  self->bound = DEFAULT_PROP_BOUND;
  ego_flow_params_init (&self->params);
  self->params.levels = DEFAULT_PROP_LEVELS;
  self->params.warps = DEFAULT_PROP_WARPS;
  self->params.sor_iterations = DEFAULT_PROP_ITERATIONS;
  self->params.alpha = DEFAULT_PROP_SMOOTHNESS;
  /* a frame dropped for lateness would make the next flow span two frame
   * intervals unnoticed (the drop is flagged on the output, not here) */
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), FALSE);
}
