/* gst-ego: small charts with cairo and pango for the training report. A
 * chart is a titled plot area with nice-number ticks on both axes, a grid,
 * and data coordinates mapped onto it. */
#ifndef __EGO_CHART_H__
#define __EGO_CHART_H__

#include <cairo.h>
#include <glib.h>

typedef struct
{
  cairo_t *cr;
  gdouble x, y, w, h;           /* plot area, device units */
  gdouble xmin, xmax, ymin, ymax;
} EgoChart;

typedef struct
{
  gdouble r, g, b;
} EgoColour;

/* the report's palette: distinct for the colour blind (Okabe-Ito) */
extern const EgoColour ego_chart_palette[6];

typedef enum
{
  EGO_ALIGN_LEFT,
  EGO_ALIGN_CENTRE,
  EGO_ALIGN_RIGHT,
} EgoAlign;

/* Text at (x, y) (top of the line), size in pixels. */
void ego_chart_text (cairo_t * cr, gdouble x, gdouble y, const gchar * text,
    gdouble size, gboolean bold, EgoAlign align, const EgoColour * colour);
/* Text turned a quarter to the left, centred on (x, y). */
void ego_chart_text_up (cairo_t * cr, gdouble x, gdouble y,
    const gchar * text, gdouble size);

/* Frames the box (x, y, w, h) of the image: title on top, axis labels,
 * ticks; the plot area is what is left. */
void ego_chart_begin (EgoChart * c, cairo_t * cr, gdouble x, gdouble y,
    gdouble w, gdouble h, const gchar * title, const gchar * xlabel,
    const gchar * ylabel, gdouble xmin, gdouble xmax, gdouble ymin,
    gdouble ymax);
gdouble ego_chart_px (const EgoChart * c, gdouble x);
gdouble ego_chart_py (const EgoChart * c, gdouble y);

void ego_chart_line (EgoChart * c, const gdouble * x, const gdouble * y,
    gint n, const EgoColour * colour, gdouble width, gboolean dashed);
void ego_chart_dots (EgoChart * c, const gdouble * x, const gdouble * y,
    gint n, const EgoColour * colour, gdouble radius);
/* A legend whose first line starts at (x, y), e.g. right of the plot
 * area, where it never hides data. */
void ego_chart_legend (cairo_t * cr, gdouble x, gdouble y,
    const gchar * const *names, const EgoColour * colours,
    const gboolean * dashed, gint n);

/* A white image of w x h; write it with ego_chart_save. */
cairo_t *ego_chart_image (gint w, gint h);
gboolean ego_chart_save (cairo_t * cr, const gchar * path, GError ** error);

/* The colour of value in [0, 1] on a white-to-dark-blue ramp. */
EgoColour ego_chart_ramp (gdouble value);

#endif /* __EGO_CHART_H__ */
