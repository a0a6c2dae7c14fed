/* gst-ego: egooverlay, the recognised action drawn onto the video.
 *
 * SECTION:element-egooverlay
 * @title: egooverlay
 * @see_also: egoaction
 *
 * Draws, in place, the action that egoaction recognised: a semi-transparent
 * panel in a corner of the frame with the label in large text and its
 * confidence in percent and, under it, each head's top-k classes as
 * horizontal bars with their labels and percentages. For models with a verb
 * and a noun head the label is the action, "verb noun" (e.g. "take cup"),
 * and its confidence is the product of the two heads' probabilities (the
 * pair's probability when the heads are read as independent). When the
 * result is marked unsure (below egoaction's threshold) the panel says
 * "unsure" and shows the best guess greyed.
 *
 * Results arrive as #GstEgoActionMeta on some buffers only (one per window);
 * the newest one is drawn on every following frame until a newer one arrives
 * or it is older than `hold`. Flushes and new segments forget it. Frames with
 * nothing to draw pass through untouched, and drawing changes only the
 * pixels under the panel. Text is rendered with pango and cairo, once per
 * result, and blended onto the frame.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! egoaction ! \
 *     egooverlay position=bottom-left top-k=5 ! videoconvert ! autovideosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstegooverlay.h"

#include <gst/ego/ego.h>
#include <pango/pangocairo.h>

GST_DEBUG_CATEGORY_STATIC (gst_ego_overlay_debug);
#define GST_CAT_DEFAULT gst_ego_overlay_debug

#define DEFAULT_PROP_POSITION GST_EGO_OVERLAY_POSITION_TOP_LEFT
#define DEFAULT_PROP_SCALE 0.045
#define DEFAULT_PROP_TOP_K 3
#define DEFAULT_PROP_SHOW_BARS TRUE
#define DEFAULT_PROP_HOLD 2000
#define DEFAULT_PROP_OPACITY 0.65

/* smaller text is not readable, whatever the frame size */
#define MIN_TEXT_PX 9
/* the bars' text and the panel's width, relative to the label's size */
#define ROW_TEXT_RATIO 0.7
#define PANEL_WIDTH_ROWS 16
/* a panel narrower than this many title heights cannot show a label and
 * its percentage: on a smaller frame nothing is drawn */
#define MIN_PANEL_TITLE_EMS 6

enum
{
  PROP_0,
  PROP_POSITION,
  PROP_SCALE,
  PROP_TOP_K,
  PROP_SHOW_BARS,
  PROP_HOLD,
  PROP_OPACITY,
};

#define VIDEO_CAPS GST_VIDEO_CAPS_MAKE \
    ("{ RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR }")

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (VIDEO_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (VIDEO_CAPS));

typedef struct
{
  GstEgoOverlayPosition position;
  gdouble scale;
  guint top_k;
  gboolean show_bars;
  guint hold;                   /* ms */
  gdouble opacity;
} EgoOverlaySettings;

/* the last result, copied out of its meta (labels are interned) */
typedef struct
{
  gboolean valid;
  gboolean unsure;
  guint n_heads;
  GstEgoActionHead heads[GST_EGO_ACTION_MAX_HEADS];
} EgoOverlayResult;

/* the panel's layout in pixels, from the frame size and the settings */
typedef struct
{
  gint title_px, row_px;        /* font sizes */
  gint pad, margin;
  gint title_h, heading_h, row_h;
  gint heads;                   /* heads with bars */
  gint width, height;
} EgoOverlayMetrics;

/* blends w pixels of one panel row onto one frame row */
typedef void (*EgoOverlayBlendRow) (const GstEgoOverlay * self, guint8 * d,
    const guint32 * s, gint w);

struct _GstEgoOverlay
{
  GstVideoFilter parent;

  /* properties, under the object lock */
  EgoOverlaySettings props;
  gboolean props_changed;       /* the panel must be drawn again */

  /* streaming state */
  EgoOverlayResult result;
  GstClockTime result_pts;
  guint64 frames_since_result;
  GstClockTime frame_duration;

  /* text rendering, built in start() and freed in stop() */
  PangoContext *pango;
  PangoLayout *layout;
  PangoFontDescription *font;
  cairo_surface_t *panel;       /* ARGB32, the panel's size only */
  gboolean panel_valid;
  gint margin;

  /* per format, chosen in set_info() */
  EgoOverlayBlendRow blend_row;
  guint pstride;
  guint off_r, off_g, off_b, off_a;
};

#define gst_ego_overlay_parent_class parent_class
G_DEFINE_TYPE (GstEgoOverlay, gst_ego_overlay, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (egooverlay, "egooverlay", GST_RANK_NONE,
    GST_TYPE_EGO_OVERLAY);

GType
gst_ego_overlay_position_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_EGO_OVERLAY_POSITION_TOP_LEFT, "Top left corner", "top-left"},
    {GST_EGO_OVERLAY_POSITION_TOP_RIGHT, "Top right corner", "top-right"},
    {GST_EGO_OVERLAY_POSITION_BOTTOM_LEFT, "Bottom left corner",
        "bottom-left"},
    {GST_EGO_OVERLAY_POSITION_BOTTOM_RIGHT, "Bottom right corner",
        "bottom-right"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstEgoOverlayPosition", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* results: copy, compare, forget */

static void
gst_ego_overlay_reset (GstEgoOverlay * self)
{
  self->result.valid = FALSE;
  self->result_pts = GST_CLOCK_TIME_NONE;
  self->frames_since_result = 0;
  self->panel_valid = FALSE;
}

/* how long ago the result arrived: by timestamps where both frames have
 * one, else by counting frames */
static GstClockTime
gst_ego_overlay_result_age (GstEgoOverlay * self, GstClockTime pts)
{
  if (GST_CLOCK_TIME_IS_VALID (pts)
      && GST_CLOCK_TIME_IS_VALID (self->result_pts)) {
    /* either direction, so that reverse playback holds as long */
    return pts >= self->result_pts ? pts - self->result_pts :
        self->result_pts - pts;
  }
  return self->frames_since_result * self->frame_duration;
}

static const GstEgoActionHead *
gst_ego_overlay_find_head (const EgoOverlayResult * r, const gchar * name)
{
  for (guint h = 0; h < r->n_heads; h++) {
    if (r->heads[h].k > 0 && g_strcmp0 (r->heads[h].name, name) == 0)
      return &r->heads[h];
  }
  return NULL;
}

static const gchar *
gst_ego_overlay_class_label (const GstEgoActionHead * head, guint i,
    gchar * buf, gsize size)
{
  if (head->labels[i] != NULL && head->labels[i][0] != '\0')
    return head->labels[i];
  g_snprintf (buf, size, "#%d", head->class_ids[i]);
  return buf;
}

static gint
gst_ego_overlay_percent (gfloat p)
{
  /* written this way round, NaN ends up at 0 */
  if (!(p > 0.0f))
    return 0;
  return p >= 1.0f ? 100 : (gint) (p * 100.0f + 0.5f);
}

/* a title cut to its buffer may end inside a character, which pango
 * refuses (the layout would keep the text before it): ends it at the last
 * whole one */
static void
gst_ego_overlay_cut_at_character (gchar * buf)
{
  const gchar *end;

  if (!g_utf8_validate (buf, -1, &end))
    buf[end - buf] = '\0';
}

/* the title: an "action" head's top-1 if there is one, else "verb noun"
 * where the model has both heads, else the primary head's top-1 */
static gfloat
gst_ego_overlay_title (const EgoOverlayResult * r, gchar * buf, gsize size)
{
  const GstEgoActionHead *action, *verb, *noun;
  gchar a[32], b[32];

  action = gst_ego_overlay_find_head (r, "action");
  verb = gst_ego_overlay_find_head (r, "verb");
  noun = gst_ego_overlay_find_head (r, "noun");
  if (action == NULL && verb != NULL && noun != NULL) {
    g_snprintf (buf, size, "%s %s",
        gst_ego_overlay_class_label (verb, 0, a, sizeof (a)),
        gst_ego_overlay_class_label (noun, 0, b, sizeof (b)));
    gst_ego_overlay_cut_at_character (buf);
    return verb->probs[0] * noun->probs[0];
  }
  if (action == NULL)
    action = &r->heads[0];
  g_strlcpy (buf, gst_ego_overlay_class_label (action, 0, a, sizeof (a)), size);
  gst_ego_overlay_cut_at_character (buf);
  return action->probs[0];
}

/* TRUE when the two heads would be drawn the same: the same classes with
 * the same whole percentages */
static gboolean
gst_ego_overlay_head_drawn_same (const GstEgoActionHead * a,
    const GstEgoActionHead * b)
{
  if (g_strcmp0 (a->name, b->name) != 0 || a->k != b->k)
    return FALSE;
  for (guint i = 0; i < a->k; i++) {
    if (a->class_ids[i] != b->class_ids[i]
        || gst_ego_overlay_percent (a->probs[i]) !=
        gst_ego_overlay_percent (b->probs[i])
        || g_strcmp0 (a->labels[i], b->labels[i]) != 0)
      return FALSE;
  }
  return TRUE;
}

static gboolean
gst_ego_overlay_drawn_same (const EgoOverlayResult * a,
    const EgoOverlayResult * b)
{
  gchar label[160];

  if (!a->valid || !b->valid || a->unsure != b->unsure
      || a->n_heads != b->n_heads)
    return FALSE;
  for (guint h = 0; h < a->n_heads; h++) {
    if (!gst_ego_overlay_head_drawn_same (&a->heads[h], &b->heads[h]))
      return FALSE;
  }
  /* the heads agree, so the titles only differ in a combined confidence */
  return gst_ego_overlay_percent (gst_ego_overlay_title (a, label,
          sizeof (label))) ==
      gst_ego_overlay_percent (gst_ego_overlay_title (b, label,
          sizeof (label)));
}

/* a string of the meta, kept for as long as the result is held (the
 * buffer and its meta go on downstream): interned, as egoaction's are, so
 * that a meta made by an application may free its own; made valid UTF-8,
 * which pango requires */
static const gchar *
gst_ego_overlay_keep_text (const gchar * text)
{
  const gchar *kept;
  gchar *valid;

  if (text == NULL || g_utf8_validate (text, -1, NULL))
    return g_intern_string (text);
  valid = g_utf8_make_valid (text, -1);
  kept = g_intern_string (valid);
  g_free (valid);
  return kept;
}

/* keeps the meta's result; the panel is drawn again only when it would
 * look different, so that results every frame need not cost a drawing
 * every frame */
static void
gst_ego_overlay_take_result (GstEgoOverlay * self,
    const GstEgoActionMeta * meta, GstClockTime pts)
{
  EgoOverlayResult r = { 0, };

  r.unsure = meta->unsure;
  r.n_heads = MIN (meta->n_heads, GST_EGO_ACTION_MAX_HEADS);
  for (guint h = 0; h < r.n_heads; h++) {
    r.heads[h] = meta->heads[h];
    r.heads[h].k = MIN (r.heads[h].k, GST_EGO_ACTION_MAX_TOP_K);
    r.heads[h].name = gst_ego_overlay_keep_text (r.heads[h].name);
    for (guint i = 0; i < r.heads[h].k; i++)
      r.heads[h].labels[i] = gst_ego_overlay_keep_text (r.heads[h].labels[i]);
  }
  /* a result without a primary class has nothing to show */
  r.valid = r.n_heads > 0 && r.heads[0].k > 0;

  if (!gst_ego_overlay_drawn_same (&r, &self->result))
    self->panel_valid = FALSE;
  self->result = r;
  self->result_pts = pts;
  self->frames_since_result = 0;
}

/* layout */

static guint
gst_ego_overlay_rows (const EgoOverlaySettings * s, const GstEgoActionHead * h)
{
  return s->show_bars ? MIN (s->top_k, h->k) : 0;
}

static void
gst_ego_overlay_measure (const EgoOverlaySettings * s,
    const EgoOverlayResult * r, gint frame_w, gint frame_h,
    EgoOverlayMetrics * m)
{
  gint bars_h = 0;

  m->title_px = MAX (MIN_TEXT_PX + 2, (gint) (s->scale * frame_h + 0.5));
  m->row_px = MAX (MIN_TEXT_PX, (gint) (m->title_px * ROW_TEXT_RATIO + 0.5));
  m->pad = MAX (2, m->row_px / 2);
  m->margin = m->pad;
  m->title_h = (gint) (m->title_px * 1.35 + 0.5);
  m->heading_h = (gint) (m->row_px * 1.25 + 0.5);
  m->row_h = (gint) (m->row_px * 1.45 + 0.5);

  m->heads = 0;
  for (guint h = 0; h < r->n_heads; h++) {
    guint rows = gst_ego_overlay_rows (s, &r->heads[h]);
    bars_h += rows * m->row_h;
    m->heads += rows > 0;
  }
  /* a single head needs no name over its bars */
  if (m->heads > 1)
    bars_h += m->heads * m->heading_h;
  else if (m->heads == 1)
    bars_h += m->pad / 2;

  m->width = PANEL_WIDTH_ROWS * m->row_px;
  m->height = m->pad + m->title_h + bars_h + m->pad;
  /* never larger than the frame: what does not fit is cut off */
  m->width = MIN (m->width, frame_w - 2 * m->margin);
  m->height = MIN (m->height, frame_h - 2 * m->margin);
}

/* drawing the panel */

static const gdouble head_colours[GST_EGO_ACTION_MAX_HEADS][3] = {
  {0.26, 0.62, 0.95},           /* blue */
  {1.00, 0.58, 0.18},           /* orange */
  {0.40, 0.78, 0.38},           /* green */
  {0.78, 0.45, 0.90},           /* purple */
};

static const gdouble white[3] = { 1.0, 1.0, 1.0 };
static const gdouble grey[3] = { 0.72, 0.72, 0.72 };

/* puts markup into the one layout every piece of text shares */
static void
gst_ego_overlay_set_text (GstEgoOverlay * self, const gchar * markup,
    gint px, gboolean bold, gint width, PangoAlignment align)
{
  pango_font_description_set_absolute_size (self->font, px * PANGO_SCALE);
  pango_font_description_set_weight (self->font,
      bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (self->layout, self->font);
  pango_layout_set_width (self->layout, MAX (width, 1) * PANGO_SCALE);
  pango_layout_set_alignment (self->layout, align);
  pango_layout_set_markup (self->layout, markup, -1);
}

/* draws the layout with its top left at (x, y), over a soft shadow so that
 * it stays readable on the bars and on bright video */
static void
gst_ego_overlay_paint_text (GstEgoOverlay * self, cairo_t * cr, gint x,
    gint y, gint px, const gdouble rgb[3])
{
  gdouble off = MAX (1.0, px / 14.0);

  cairo_move_to (cr, x + off, y + off);
  pango_cairo_layout_path (cr, self->layout);
  cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.55);
  cairo_fill (cr);

  cairo_move_to (cr, x, y);
  cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
  pango_cairo_show_layout (cr, self->layout);
}

/* draws the layout centred in a line of height h at y; returns where its
 * baseline went */
static gint
gst_ego_overlay_show_text (GstEgoOverlay * self, cairo_t * cr, gint x,
    gint y, gint h, gint px, const gdouble rgb[3])
{
  PangoRectangle logical;

  pango_layout_get_pixel_extents (self->layout, NULL, &logical);
  y += (h - logical.height) / 2;
  gst_ego_overlay_paint_text (self, cr, x, y, px, rgb);
  return y + pango_layout_get_baseline (self->layout) / PANGO_SCALE;
}

static void
gst_ego_overlay_rounded_rect (cairo_t * cr, gdouble x, gdouble y, gdouble w,
    gdouble h, gdouble r)
{
  r = MIN (r, MIN (w, h) / 2.0);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2.0, 0.0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0.0, G_PI / 2.0);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2.0, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 1.5 * G_PI);
  cairo_close_path (cr);
}

/* the label and its confidence; when unsure, the greyed guess and its
 * confidence, and "unsure" where the confidence would be */
static void
gst_ego_overlay_draw_title (GstEgoOverlay * self, cairo_t * cr,
    const EgoOverlayResult * r, const EgoOverlayMetrics * m)
{
  gchar label[160], right[64];
  gchar *markup;
  gint inner = m->width - 2 * m->pad, right_px, baseline;
  PangoRectangle logical;
  gint percent = gst_ego_overlay_percent (gst_ego_overlay_title (r, label,
          sizeof (label)));

  if (r->unsure) {
    /* at the bars' size, so that the guess keeps most of the line */
    g_strlcpy (right, "<span foreground='#FFB340' weight='bold'>unsure"
        "</span>", sizeof (right));
    right_px = m->row_px;
    markup = g_markup_printf_escaped ("<span foreground='#B0B0B0'>%s %d%%"
        "</span>", label, percent);
  } else {
    g_snprintf (right, sizeof (right), "%d%%", percent);
    right_px = m->title_px;
    markup = g_markup_printf_escaped ("<b>%s</b>", label);
  }

  /* the right-hand part is measured first: the label gets what is left */
  gst_ego_overlay_set_text (self, right, right_px, FALSE, inner,
      PANGO_ALIGN_RIGHT);
  pango_layout_get_pixel_extents (self->layout, NULL, &logical);
  gst_ego_overlay_set_text (self, markup, m->title_px, FALSE,
      inner - logical.width - m->pad, PANGO_ALIGN_LEFT);
  baseline = gst_ego_overlay_show_text (self, cr, m->pad, m->pad,
      m->title_h, m->title_px, white);
  g_free (markup);

  gst_ego_overlay_set_text (self, right, right_px, FALSE, inner,
      PANGO_ALIGN_RIGHT);
  gst_ego_overlay_paint_text (self, cr, m->pad,
      baseline - pango_layout_get_baseline (self->layout) / PANGO_SCALE,
      right_px, white);
}

/* one bar: the track, the filled part, the label over it on the left and
 * the percentage on the right */
static void
gst_ego_overlay_draw_bar (GstEgoOverlay * self, cairo_t * cr,
    const GstEgoActionHead * head, guint i, const gdouble colour[3],
    gint y, const EgoOverlayMetrics * m)
{
  gint x = m->pad, w = m->width - 2 * m->pad, gap = MAX (1, m->row_h / 10);
  gint h = m->row_h - gap, text_pad = m->row_px / 2, pct_w;
  gint percent = gst_ego_overlay_percent (head->probs[i]);
  gchar buf[32], pct[16];
  gchar *markup;
  PangoRectangle logical;

  gst_ego_overlay_rounded_rect (cr, x, y, w, h, h / 4.0);
  cairo_set_source_rgba (cr, 1.0, 1.0, 1.0, 0.1);
  cairo_fill_preserve (cr);
  cairo_save (cr);
  cairo_clip (cr);
  cairo_rectangle (cr, x, y, w * percent / 100.0, h);
  cairo_set_source_rgba (cr, colour[0], colour[1], colour[2], 0.85);
  cairo_fill (cr);
  cairo_restore (cr);

  g_snprintf (pct, sizeof (pct), "%d%%", percent);
  gst_ego_overlay_set_text (self, pct, m->row_px, FALSE, w - 2 * text_pad,
      PANGO_ALIGN_RIGHT);
  pango_layout_get_pixel_extents (self->layout, NULL, &logical);
  pct_w = logical.width;
  gst_ego_overlay_show_text (self, cr, x + text_pad, y, h, m->row_px, white);

  markup = g_markup_escape_text (gst_ego_overlay_class_label (head, i, buf,
          sizeof (buf)), -1);
  gst_ego_overlay_set_text (self, markup, m->row_px, i == 0,
      w - 3 * text_pad - pct_w, PANGO_ALIGN_LEFT);
  gst_ego_overlay_show_text (self, cr, x + text_pad, y, h, m->row_px, white);
  g_free (markup);
}

/* every head's top-k, each under its name when there are several */
static void
gst_ego_overlay_draw_bars (GstEgoOverlay * self, cairo_t * cr,
    const EgoOverlaySettings * s, const EgoOverlayResult * r,
    const EgoOverlayMetrics * m)
{
  gint y = m->pad + m->title_h + (m->heads == 1 ? m->pad / 2 : 0);
  gchar *markup;

  for (guint h = 0; h < r->n_heads; h++) {
    const GstEgoActionHead *head = &r->heads[h];
    guint rows = gst_ego_overlay_rows (s, head);

    if (rows == 0)
      continue;
    if (m->heads > 1) {
      markup = g_markup_escape_text (head->name ? head->name : "", -1);
      gst_ego_overlay_set_text (self, markup, m->row_px, FALSE,
          m->width - 2 * m->pad, PANGO_ALIGN_LEFT);
      gst_ego_overlay_show_text (self, cr, m->pad, y, m->heading_h,
          m->row_px, grey);
      g_free (markup);
      y += m->heading_h;
    }
    for (guint i = 0; i < rows; i++, y += m->row_h)
      gst_ego_overlay_draw_bar (self, cr, head, i, head_colours[h], y, m);
  }
}

/* (re)allocates the panel surface only when its size changes */
static gboolean
gst_ego_overlay_ensure_surface (GstEgoOverlay * self, gint w, gint h)
{
  if (self->panel != NULL && cairo_image_surface_get_width (self->panel) == w
      && cairo_image_surface_get_height (self->panel) == h)
    return TRUE;

  g_clear_pointer (&self->panel, cairo_surface_destroy);
  self->panel = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  if (cairo_surface_status (self->panel) != CAIRO_STATUS_SUCCESS) {
    g_clear_pointer (&self->panel, cairo_surface_destroy);
    return FALSE;
  }
  return TRUE;
}

/* draws the current result into the panel surface, or drops the surface
 * when the frame is too small for any panel; FALSE when the surface cannot
 * be made */
static gboolean
gst_ego_overlay_render (GstEgoOverlay * self, const EgoOverlaySettings * s,
    gint frame_w, gint frame_h)
{
  EgoOverlayMetrics m;
  cairo_t *cr;

  gst_ego_overlay_measure (s, &self->result, frame_w, frame_h, &m);
  if (m.width < MIN_PANEL_TITLE_EMS * m.title_px
      || m.height < m.pad + m.title_h) {
    GST_LOG_OBJECT (self, "frame too small for the panel");
    g_clear_pointer (&self->panel, cairo_surface_destroy);
    return TRUE;
  }
  if (!gst_ego_overlay_ensure_surface (self, m.width, m.height))
    return FALSE;
  self->margin = m.margin;

  cr = cairo_create (self->panel);
  cairo_set_operator (cr, CAIRO_OPERATOR_CLEAR);
  cairo_paint (cr);
  cairo_set_operator (cr, CAIRO_OPERATOR_OVER);
  pango_cairo_update_context (cr, self->pango);
  pango_layout_context_changed (self->layout);

  gst_ego_overlay_rounded_rect (cr, 0, 0, m.width, m.height, m.pad);
  cairo_set_source_rgba (cr, 0.05, 0.05, 0.07, s->opacity);
  cairo_fill (cr);

  gst_ego_overlay_draw_title (self, cr, &self->result, &m);
  gst_ego_overlay_draw_bars (self, cr, s, &self->result, &m);

  cairo_destroy (cr);
  cairo_surface_flush (self->panel);
  GST_DEBUG_OBJECT (self, "panel drawn, %dx%d", m.width, m.height);
  return TRUE;
}

/* blending the panel onto the frame: cairo's ARGB32 is premultiplied and
 * native-endian, one guint32 per pixel */

static inline guint
div255 (guint v)
{
  v += 128;
  return (v + (v >> 8)) >> 8;
}

/* for frames without alpha; the padding byte of the x formats is left as
 * it was */
static void
gst_ego_overlay_blend_row_opaque (const GstEgoOverlay * self, guint8 * d,
    const guint32 * s, gint w)
{
  const guint ps = self->pstride;
  const guint r = self->off_r, g = self->off_g, b = self->off_b;

  for (gint x = 0; x < w; x++, d += ps) {
    guint32 p = s[x];
    guint na = 255 - (p >> 24);

    if (na == 255)
      continue;                 /* nothing drawn here: the pixel stays */
    d[r] = ((p >> 16) & 0xff) + div255 (d[r] * na);
    d[g] = ((p >> 8) & 0xff) + div255 (d[g] * na);
    d[b] = (p & 0xff) + div255 (d[b] * na);
  }
}

/* "over" onto a frame with straight (not premultiplied) alpha */
static void
gst_ego_overlay_blend_row_alpha (const GstEgoOverlay * self, guint8 * d,
    const guint32 * s, gint w)
{
  const guint ps = self->pstride, a_off = self->off_a;
  const guint off[3] = { self->off_r, self->off_g, self->off_b };

  for (gint x = 0; x < w; x++, d += ps) {
    guint32 p = s[x];
    guint a = p >> 24, keep, out_a;

    if (a == 0)
      continue;
    /* how much of the frame's own colour shows through, and the
     * resulting coverage */
    keep = div255 (d[a_off] * (255 - a));
    out_a = a + keep;
    for (guint c = 0; c < 3; c++) {
      guint sc = (p >> (16 - 8 * c)) & 0xff;
      guint v = (sc * 255 + d[off[c]] * keep + out_a / 2) / out_a;
      d[off[c]] = MIN (v, 255);
    }
    d[a_off] = out_a;
  }
}

/* the panel onto the frame, its top left corner at (px, py) */
static void
gst_ego_overlay_blend (GstEgoOverlay * self, GstVideoFrame * frame, gint px,
    gint py)
{
  const guint8 *src = cairo_image_surface_get_data (self->panel);
  gsize sstride = cairo_image_surface_get_stride (self->panel);
  gint w = cairo_image_surface_get_width (self->panel);
  gint h = cairo_image_surface_get_height (self->panel);
  guint8 *dst = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  gsize dstride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);

  for (gint y = 0; y < h; y++) {
    self->blend_row (self, dst + (py + y) * dstride + px * self->pstride,
        (const guint32 *) (src + y * sstride), w);
  }
}

/* GstBaseTransform and GstVideoFilter */

static gboolean
gst_ego_overlay_start (GstBaseTransform * trans)
{
  GstEgoOverlay *self = GST_EGO_OVERLAY (trans);
  PangoFontMap *fontmap;
  cairo_font_options_t *options;

  /* an own font map per instance: pango objects are not to be shared
   * between streaming threads */
  fontmap = pango_cairo_font_map_new ();
  if (fontmap == NULL)
    goto no_fonts;
  self->pango = pango_font_map_create_context (fontmap);
  g_object_unref (fontmap);

  /* greyscale anti-aliasing: video is scaled and converted downstream,
   * where sub-pixel colour fringes would show */
  options = cairo_font_options_create ();
  cairo_font_options_set_antialias (options, CAIRO_ANTIALIAS_GRAY);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_SLIGHT);
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_ON);
  pango_cairo_context_set_font_options (self->pango, options);
  cairo_font_options_destroy (options);

  self->layout = pango_layout_new (self->pango);
  pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_single_paragraph_mode (self->layout, TRUE);
  self->font = pango_font_description_from_string ("Sans");

  gst_ego_overlay_reset (self);
  return TRUE;

  /* ERRORS */
no_fonts:
  {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT,
        ("Could not set up text rendering."),
        ("pango_cairo_font_map_new() failed"));
    return FALSE;
  }
}

static gboolean
gst_ego_overlay_stop (GstBaseTransform * trans)
{
  GstEgoOverlay *self = GST_EGO_OVERLAY (trans);

  g_clear_pointer (&self->panel, cairo_surface_destroy);
  g_clear_pointer (&self->font, pango_font_description_free);
  g_clear_object (&self->layout);
  g_clear_object (&self->pango);
  gst_ego_overlay_reset (self);
  return TRUE;
}

static gboolean
gst_ego_overlay_set_info (GstVideoFilter * filter, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info)
{
  GstEgoOverlay *self = GST_EGO_OVERLAY (filter);
  const GstVideoFormatInfo *finfo = in_info->finfo;

  self->pstride = GST_VIDEO_FORMAT_INFO_PSTRIDE (finfo, 0);
  self->off_r = GST_VIDEO_FORMAT_INFO_POFFSET (finfo, GST_VIDEO_COMP_R);
  self->off_g = GST_VIDEO_FORMAT_INFO_POFFSET (finfo, GST_VIDEO_COMP_G);
  self->off_b = GST_VIDEO_FORMAT_INFO_POFFSET (finfo, GST_VIDEO_COMP_B);
  if (GST_VIDEO_FORMAT_INFO_HAS_ALPHA (finfo)) {
    self->off_a = GST_VIDEO_FORMAT_INFO_POFFSET (finfo, GST_VIDEO_COMP_A);
    self->blend_row = gst_ego_overlay_blend_row_alpha;
  } else {
    self->off_a = 0;
    self->blend_row = gst_ego_overlay_blend_row_opaque;
  }

  /* without a frame rate the hold is counted in frames of 1/30 s */
  if (GST_VIDEO_INFO_FPS_N (in_info) > 0 && GST_VIDEO_INFO_FPS_D (in_info) > 0)
    self->frame_duration = gst_util_uint64_scale_int (GST_SECOND,
        GST_VIDEO_INFO_FPS_D (in_info), GST_VIDEO_INFO_FPS_N (in_info));
  else
    self->frame_duration = GST_SECOND / 30;

  self->panel_valid = FALSE;
  GST_DEBUG_OBJECT (self, "%s %dx%d", GST_VIDEO_INFO_NAME (in_info),
      GST_VIDEO_INFO_WIDTH (in_info), GST_VIDEO_INFO_HEIGHT (in_info));
  return TRUE;
}

static gboolean
gst_ego_overlay_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstEgoOverlay *self = GST_EGO_OVERLAY (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
    case GST_EVENT_SEGMENT:
      GST_DEBUG_OBJECT (self, "%s: forgetting the last result",
          GST_EVENT_TYPE_NAME (event));
      gst_ego_overlay_reset (self);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

/* takes a new result from the buffer, drops one older than the hold, and
 * lets frames with nothing to draw pass without being made writable */
static void
gst_ego_overlay_before_transform (GstBaseTransform * trans, GstBuffer * buf)
{
  GstEgoOverlay *self = GST_EGO_OVERLAY (trans);
  GstEgoActionMeta *meta = gst_buffer_get_ego_action_meta (buf);
  GstClockTime pts = GST_BUFFER_PTS (buf), hold;

  GST_OBJECT_LOCK (self);
  hold = (GstClockTime) self->props.hold * GST_MSECOND;
  GST_OBJECT_UNLOCK (self);

  if (meta != NULL)
    gst_ego_overlay_take_result (self, meta, pts);
  else if (self->result.valid)
    self->frames_since_result++;

  if (self->result.valid && gst_ego_overlay_result_age (self, pts) > hold) {
    GST_DEBUG_OBJECT (self, "result older than the hold, no longer drawn");
    self->result.valid = FALSE;
  }
  gst_base_transform_set_passthrough (trans, !self->result.valid);
}

static GstFlowReturn
gst_ego_overlay_transform_frame_ip (GstVideoFilter * filter,
    GstVideoFrame * frame)
{
  GstEgoOverlay *self = GST_EGO_OVERLAY (filter);
  gint frame_w = GST_VIDEO_FRAME_WIDTH (frame);
  gint frame_h = GST_VIDEO_FRAME_HEIGHT (frame);
  EgoOverlaySettings s;
  gboolean right, bottom;
  gint w, h;

  if (!self->result.valid)
    return GST_FLOW_OK;

  GST_OBJECT_LOCK (self);
  s = self->props;
  if (self->props_changed)
    self->panel_valid = FALSE;
  self->props_changed = FALSE;
  GST_OBJECT_UNLOCK (self);

  if (!self->panel_valid) {
    if (!gst_ego_overlay_render (self, &s, frame_w, frame_h))
      goto no_surface;
    self->panel_valid = TRUE;
  }
  if (self->panel == NULL)
    return GST_FLOW_OK;

  w = cairo_image_surface_get_width (self->panel);
  h = cairo_image_surface_get_height (self->panel);
  right = s.position == GST_EGO_OVERLAY_POSITION_TOP_RIGHT
      || s.position == GST_EGO_OVERLAY_POSITION_BOTTOM_RIGHT;
  bottom = s.position == GST_EGO_OVERLAY_POSITION_BOTTOM_LEFT
      || s.position == GST_EGO_OVERLAY_POSITION_BOTTOM_RIGHT;
  gst_ego_overlay_blend (self, frame,
      right ? frame_w - self->margin - w : self->margin,
      bottom ? frame_h - self->margin - h : self->margin);
  return GST_FLOW_OK;

  /* ERRORS */
no_surface:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
        ("Could not draw the overlay."),
        ("cairo could not create the panel's image surface"));
    return GST_FLOW_ERROR;
  }
}

/* GObject */

static void
gst_ego_overlay_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstEgoOverlay *self = GST_EGO_OVERLAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_POSITION:
      self->props.position = g_value_get_enum (value);
      break;
    case PROP_SCALE:
      self->props.scale = g_value_get_double (value);
      break;
    case PROP_TOP_K:
      self->props.top_k = g_value_get_uint (value);
      break;
    case PROP_SHOW_BARS:
      self->props.show_bars = g_value_get_boolean (value);
      break;
    case PROP_HOLD:
      self->props.hold = g_value_get_uint (value);
      break;
    case PROP_OPACITY:
      self->props.opacity = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  /* where the panel goes and how long it stays need no new drawing */
  if (prop_id != PROP_POSITION && prop_id != PROP_HOLD)
    self->props_changed = TRUE;
  GST_OBJECT_UNLOCK (self);
}

static void
gst_ego_overlay_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstEgoOverlay *self = GST_EGO_OVERLAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_POSITION:
      g_value_set_enum (value, self->props.position);
      break;
    case PROP_SCALE:
      g_value_set_double (value, self->props.scale);
      break;
    case PROP_TOP_K:
      g_value_set_uint (value, self->props.top_k);
      break;
    case PROP_SHOW_BARS:
      g_value_set_boolean (value, self->props.show_bars);
      break;
    case PROP_HOLD:
      g_value_set_uint (value, self->props.hold);
      break;
    case PROP_OPACITY:
      g_value_set_double (value, self->props.opacity);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_ego_overlay_install_properties (GObjectClass * gobject_class)
{
  const GParamFlags flags = G_PARAM_READWRITE | GST_PARAM_MUTABLE_PLAYING
      | G_PARAM_STATIC_STRINGS;

  /**
   * GstEgoOverlay:position:
   *
   * The corner of the frame the panel is drawn in.
   */
  g_object_class_install_property (gobject_class, PROP_POSITION,
      g_param_spec_enum ("position", "Position",
          "Corner of the frame the panel is drawn in",
          GST_TYPE_EGO_OVERLAY_POSITION, DEFAULT_PROP_POSITION, flags));
  /**
   * GstEgoOverlay:scale:
   *
   * Height of the label's text as a fraction of the frame's height; the
   * bars' text and the panel follow it. Text never gets smaller than
   * about 9 pixels.
   */
  g_object_class_install_property (gobject_class, PROP_SCALE,
      g_param_spec_double ("scale", "Scale",
          "Height of the label text relative to the frame height",
          0.01, 0.5, DEFAULT_PROP_SCALE, flags));
  /**
   * GstEgoOverlay:top-k:
   *
   * How many of each head's best classes are shown as bars (0: none).
   * At most as many as the result carries.
   */
  g_object_class_install_property (gobject_class, PROP_TOP_K,
      g_param_spec_uint ("top-k", "Top k",
          "Bars shown per head (0 = none)", 0, GST_EGO_ACTION_MAX_TOP_K,
          DEFAULT_PROP_TOP_K, flags));
  /**
   * GstEgoOverlay:show-bars:
   *
   * Whether the top-k bars are drawn under the label.
   */
  g_object_class_install_property (gobject_class, PROP_SHOW_BARS,
      g_param_spec_boolean ("show-bars", "Show bars",
          "Draw each head's top-k as bars under the label",
          DEFAULT_PROP_SHOW_BARS, flags));
  /**
   * GstEgoOverlay:hold:
   *
   * How long, in milliseconds of stream time, a result stays drawn on the
   * frames after the one that carried it; a newer result replaces it at
   * once. 0 draws results only on the frames that carry them.
   */
  g_object_class_install_property (gobject_class, PROP_HOLD,
      g_param_spec_uint ("hold", "Hold",
          "How long a result stays drawn without a newer one (ms)",
          0, G_MAXUINT, DEFAULT_PROP_HOLD, flags));
  /**
   * GstEgoOverlay:opacity:
   *
   * Opacity of the panel's background; text and bars are always drawn
   * opaque.
   */
  g_object_class_install_property (gobject_class, PROP_OPACITY,
      g_param_spec_double ("opacity", "Opacity",
          "Opacity of the panel background", 0.0, 1.0, DEFAULT_PROP_OPACITY,
          flags));
}

static void
gst_ego_overlay_class_init (GstEgoOverlayClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_ego_overlay_debug, "egooverlay", 0,
      "Egocentric action overlay");

  gobject_class->set_property = gst_ego_overlay_set_property;
  gobject_class->get_property = gst_ego_overlay_get_property;
  gst_ego_overlay_install_properties (gobject_class);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Egocentric action overlay", "Filter/Effect/Video",
      "Draws the recognised action, its confidence and the top-k classes "
      "onto the video", "gst-ego");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_ego_overlay_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_ego_overlay_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_ego_overlay_sink_event);
  trans_class->before_transform =
      GST_DEBUG_FUNCPTR (gst_ego_overlay_before_transform);
  /* frames with nothing to draw are not touched at all */
  trans_class->transform_ip_on_passthrough = FALSE;
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_ego_overlay_set_info);
  filter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_ego_overlay_transform_frame_ip);

  gst_type_mark_as_plugin_api (GST_TYPE_EGO_OVERLAY_POSITION, 0);
}

static void
gst_ego_overlay_init (GstEgoOverlay * self)
{
  self->props.position = DEFAULT_PROP_POSITION;
  self->props.scale = DEFAULT_PROP_SCALE;
  self->props.top_k = DEFAULT_PROP_TOP_K;
  self->props.show_bars = DEFAULT_PROP_SHOW_BARS;
  self->props.hold = DEFAULT_PROP_HOLD;
  self->props.opacity = DEFAULT_PROP_OPACITY;
  self->result_pts = GST_CLOCK_TIME_NONE;
  self->frame_duration = GST_SECOND / 30;
  self->blend_row = gst_ego_overlay_blend_row_opaque;
}
