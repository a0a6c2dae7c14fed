/* gst-ego: small charts with cairo and pango, see egochart.h. */
#include "egochart.h"

#include <math.h>
#include <pango/pangocairo.h>

#include "ego_error.h"

#define FONT "Sans"
#define TICK_SIZE 12.0
#define LABEL_SIZE 13.0
#define TITLE_SIZE 15.0

const EgoColour ego_chart_palette[6] = {
  {0.00, 0.45, 0.70},           /* blue */
  {0.84, 0.37, 0.00},           /* vermilion */
  {0.00, 0.62, 0.45},           /* bluish green */
  {0.80, 0.47, 0.65},           /* reddish purple */
  {0.90, 0.62, 0.00},           /* orange */
  {0.34, 0.71, 0.91},           /* sky blue */
};

static const EgoColour ink = { 0.15, 0.15, 0.18 };
static const EgoColour grey = { 0.45, 0.45, 0.48 };

static PangoLayout *
layout (cairo_t * cr, const gchar * text, gdouble size, gboolean bold)
{
  PangoLayout *l = pango_cairo_create_layout (cr);
  PangoFontDescription *fd = pango_font_description_from_string (FONT);
  pango_font_description_set_absolute_size (fd, size * PANGO_SCALE);
  pango_font_description_set_weight (fd, bold ? PANGO_WEIGHT_BOLD :
      PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (l, fd);
  pango_layout_set_text (l, text, -1);
  pango_font_description_free (fd);
  return l;
}

void
ego_chart_text (cairo_t * cr, gdouble x, gdouble y, const gchar * text,
    gdouble size, gboolean bold, EgoAlign align, const EgoColour * colour)
{
  PangoLayout *l = layout (cr, text, size, bold);
  gint w, h;
  const EgoColour *c = colour ? colour : &ink;
  pango_layout_get_pixel_size (l, &w, &h);
  if (align == EGO_ALIGN_CENTRE)
    x -= w / 2.0;
  else if (align == EGO_ALIGN_RIGHT)
    x -= w;
  cairo_set_source_rgb (cr, c->r, c->g, c->b);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, l);
  g_object_unref (l);
}

void
ego_chart_text_up (cairo_t * cr, gdouble x, gdouble y, const gchar * text,
    gdouble size)
{
  PangoLayout *l = layout (cr, text, size, FALSE);
  gint w, h;
  pango_layout_get_pixel_size (l, &w, &h);
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_rotate (cr, -G_PI / 2);
  cairo_set_source_rgb (cr, ink.r, ink.g, ink.b);
  cairo_move_to (cr, -w / 2.0, -h / 2.0);
  pango_cairo_show_layout (cr, l);
  cairo_restore (cr);
  g_object_unref (l);
}

/* A step of 1, 2 or 5 x 10^k giving about n ticks over span. */
static gdouble
nice_step (gdouble span, gint n)
{
  gdouble raw = span / MAX (n, 1), p = pow (10.0, floor (log10 (raw)));
  gdouble f = raw / p;
  return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * p;
}

gdouble
ego_chart_px (const EgoChart * c, gdouble x)
{
  return c->x + (x - c->xmin) / (c->xmax - c->xmin) * c->w;
}

gdouble
ego_chart_py (const EgoChart * c, gdouble y)
{
  return c->y + c->h - (y - c->ymin) / (c->ymax - c->ymin) * c->h;
}

static void
tick_label (gchar * buf, gsize len, gdouble v, gdouble step)
{
  gint decimals = step >= 1.0 ? 0 : (gint) ceil (-log10 (step) - 1e-9);
  g_snprintf (buf, len, "%.*f", decimals, fabs (v) < step * 1e-6 ? 0.0 : v);
}

static void
draw_axes (EgoChart * c)
{
  cairo_t *cr = c->cr;
  gdouble xs = nice_step (c->xmax - c->xmin, (gint) (c->w / 90));
  gdouble ys = nice_step (c->ymax - c->ymin, (gint) (c->h / 45));
  gchar buf[32];
  cairo_set_line_width (cr, 1.0);
  for (gdouble v = ceil (c->ymin / ys - 1e-9) * ys; v <= c->ymax + ys * 1e-6;
      v += ys) {
    gdouble py = floor (ego_chart_py (c, v)) + 0.5;
    cairo_set_source_rgb (cr, 0.90, 0.90, 0.92);
    cairo_move_to (cr, c->x, py);
    cairo_line_to (cr, c->x + c->w, py);
    cairo_stroke (cr);
    tick_label (buf, sizeof (buf), v, ys);
    ego_chart_text (cr, c->x - 6, py - TICK_SIZE * 0.65, buf, TICK_SIZE,
        FALSE, EGO_ALIGN_RIGHT, &grey);
  }
  for (gdouble v = ceil (c->xmin / xs - 1e-9) * xs; v <= c->xmax + xs * 1e-6;
      v += xs) {
    gdouble px = floor (ego_chart_px (c, v)) + 0.5;
    cairo_set_source_rgb (cr, 0.90, 0.90, 0.92);
    cairo_move_to (cr, px, c->y);
    cairo_line_to (cr, px, c->y + c->h);
    cairo_stroke (cr);
    tick_label (buf, sizeof (buf), v, xs);
    ego_chart_text (cr, px, c->y + c->h + 5, buf, TICK_SIZE, FALSE,
        EGO_ALIGN_CENTRE, &grey);
  }
  cairo_set_source_rgb (cr, grey.r, grey.g, grey.b);
  cairo_rectangle (cr, floor (c->x) + 0.5, floor (c->y) + 0.5,
      floor (c->w), floor (c->h));
  cairo_stroke (cr);
}

void
ego_chart_begin (EgoChart * c, cairo_t * cr, gdouble x, gdouble y,
    gdouble w, gdouble h, const gchar * title, const gchar * xlabel,
    const gchar * ylabel, gdouble xmin, gdouble xmax, gdouble ymin,
    gdouble ymax)
{
  c->cr = cr;
  c->x = x + 70;
  c->y = y + 38;
  c->w = w - 70 - 20;
  c->h = h - 38 - 52;
  c->xmin = xmin;
  c->xmax = xmax > xmin ? xmax : xmin + 1;
  c->ymin = ymin;
  c->ymax = ymax > ymin ? ymax : ymin + 1;
  ego_chart_text (cr, x + w / 2, y + 8, title, TITLE_SIZE, TRUE,
      EGO_ALIGN_CENTRE, NULL);
  if (xlabel)
    ego_chart_text (cr, c->x + c->w / 2, c->y + c->h + 24, xlabel,
        LABEL_SIZE, FALSE, EGO_ALIGN_CENTRE, NULL);
  if (ylabel)
    ego_chart_text_up (cr, x + 14, c->y + c->h / 2, ylabel, LABEL_SIZE);
  draw_axes (c);
}

void
ego_chart_line (EgoChart * c, const gdouble * x, const gdouble * y, gint n,
    const EgoColour * colour, gdouble width, gboolean dashed)
{
  static const gdouble dash[] = { 6.0, 4.0 };
  cairo_t *cr = c->cr;
  cairo_save (cr);
  cairo_rectangle (cr, c->x, c->y, c->w, c->h);
  cairo_clip (cr);
  cairo_set_source_rgb (cr, colour->r, colour->g, colour->b);
  cairo_set_line_width (cr, width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_dash (cr, dash, dashed ? 2 : 0, 0);
  for (gint i = 0; i < n; i++)
    cairo_line_to (cr, ego_chart_px (c, x[i]), ego_chart_py (c, y[i]));
  cairo_stroke (cr);
  cairo_restore (cr);
}

void
ego_chart_dots (EgoChart * c, const gdouble * x, const gdouble * y, gint n,
    const EgoColour * colour, gdouble radius)
{
  cairo_t *cr = c->cr;
  cairo_set_source_rgb (cr, colour->r, colour->g, colour->b);
  for (gint i = 0; i < n; i++) {
    cairo_new_sub_path (cr);
    cairo_arc (cr, ego_chart_px (c, x[i]), ego_chart_py (c, y[i]), radius, 0,
        2 * G_PI);
  }
  cairo_fill (cr);
}

void
ego_chart_legend (cairo_t * cr, gdouble x, gdouble y,
    const gchar * const *names, const EgoColour * colours,
    const gboolean * dashed, gint n)
{
  static const gdouble dash[] = { 6.0, 4.0 };
  gdouble row = 22;
  for (gint i = 0; i < n; i++) {
    gdouble ly = y + i * row + row / 2;
    cairo_set_source_rgb (cr, colours[i].r, colours[i].g, colours[i].b);
    cairo_set_line_width (cr, 2.5);
    cairo_set_dash (cr, dash, dashed && dashed[i] ? 2 : 0, 0);
    cairo_move_to (cr, x, ly);
    cairo_line_to (cr, x + 26, ly);
    cairo_stroke (cr);
    cairo_set_dash (cr, NULL, 0, 0);
    ego_chart_text (cr, x + 32, ly - TICK_SIZE * 0.65, names[i], TICK_SIZE,
        FALSE, EGO_ALIGN_LEFT, NULL);
  }
}

cairo_t *
ego_chart_image (gint w, gint h)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  cairo_t *cr = cairo_create (s);
  cairo_surface_destroy (s);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  return cr;
}

/* cairo's PNG writer goes to a stream: collected here, so that the file is
 * written whole, through a temporary name, as every output is */
static cairo_status_t
append_png (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

gboolean
ego_chart_save (cairo_t * cr, const gchar * path, GError ** error)
{
  GByteArray *png = g_byte_array_new ();
  cairo_status_t st = cairo_surface_write_to_png_stream (cairo_get_target
      (cr), append_png, png);
  gboolean ok = st == CAIRO_STATUS_SUCCESS;
  cairo_destroy (cr);
  if (!ok)
    g_set_error (error, EGO_ERROR, EGO_ERROR_IO, "%s: %s", path,
        cairo_status_to_string (st));
  else
    ok = g_file_set_contents (path, (const gchar *) png->data, png->len,
        error);
  g_byte_array_unref (png);
  return ok;
}

EgoColour
ego_chart_ramp (gdouble v)
{
  /* white -> light blue -> dark blue, perceptually even enough */
  EgoColour c;
  v = CLAMP (v, 0.0, 1.0);
  c.r = 1.0 - v * (1.0 - 0.03);
  c.g = 1.0 - v * (1.0 - 0.19);
  c.b = 1.0 - v * (1.0 - 0.42);
  return c;
}
