/* gst-ego: the report of a training run, see egoreport.h. */
#include "egoreport.h"

#include <math.h>
#include <string.h>

#include "egochart.h"
#include "metrics.h"

#define CURVE_W 940
#define CURVE_H 460
/* room right of the curves for their legend */
#define LEGEND_W 220

static gdouble
steps_per_epoch (const EgoRun * run)
{
  const EgoEpochRecord *e = ego_run_epoch (run, 0);
  return (gdouble) e->step / e->epoch;
}

static gdouble
step_loss_ceiling (const gfloat * loss, guint n, gdouble epoch_max)
{
  gdouble top = 0.0;
  for (guint i = 0; i < n; i++)
    top = MAX (top, loss[i]);
  /* the first steps' spikes would flatten everything else */
  return MIN (top, 2.5 * epoch_max) * 1.05;
}

static gboolean
draw_loss (const EgoRun * run, const gchar * path, GError ** error)
{
  cairo_t *cr = ego_chart_image (CURVE_W, CURVE_H);
  guint ne = ego_run_n_epochs (run), ns;
  const gfloat *loss = ego_run_step_losses (run, &ns);
  gdouble *sx = g_new (gdouble, ns), *sy = g_new (gdouble, ns);
  gdouble *ex = g_new (gdouble, ne + 1), *ey[3];
  gdouble spe = steps_per_epoch (run), ymax = 0.0;
  gboolean parts = FALSE;
  const gchar *names[4] = { "loss per step", "loss, epoch mean",
    "cross-entropy", "distillation (KL)"
  };
  const EgoColour light_blue = { 0.62, 0.76, 0.88 };
  const EgoColour colours[4] = { light_blue, ego_chart_palette[0],
    ego_chart_palette[1], ego_chart_palette[2]
  };
  const gboolean dashed[4] = { FALSE, FALSE, TRUE, TRUE };
  EgoChart c;
  for (gint k = 0; k < 3; k++)
    ey[k] = g_new (gdouble, ne + 1);
  for (guint i = 0; i < ns; i++) {
    sx[i] = (i + 1) / spe;
    sy[i] = loss[i];
  }
  for (guint i = 0; i < ne; i++) {
    const EgoEpochRecord *e = ego_run_epoch (run, i);
    ex[i] = e->epoch;
    ey[0][i] = e->loss;
    ey[1][i] = e->loss_ce;
    ey[2][i] = e->loss_kd;
    ymax = MAX (ymax, e->loss);
    /* both terms only when both are on */
    parts |= e->loss_ce > 0 && e->loss_kd > 0;
  }
  ego_chart_begin (&c, cr, 0, 0, CURVE_W - LEGEND_W, CURVE_H,
      "Training loss",
      "epoch", "loss", 0, ne, 0, step_loss_ceiling (loss, ns, ymax));
  ego_chart_line (&c, sx, sy, (gint) ns, &colours[0], 1.0, FALSE);
  ego_chart_line (&c, ex, ey[0], (gint) ne, &colours[1], 2.5, FALSE);
  ego_chart_dots (&c, ex, ey[0], (gint) ne, &colours[1], 3.5);
  if (parts) {
    ego_chart_line (&c, ex, ey[1], (gint) ne, &colours[2], 2.0, TRUE);
    ego_chart_line (&c, ex, ey[2], (gint) ne, &colours[3], 2.0, TRUE);
  }
  ego_chart_legend (cr, c.x + c.w + 16, c.y, names, colours, dashed,
      parts ? 4 : 2);
  for (gint k = 0; k < 3; k++)
    g_free (ey[k]);
  g_free (sx);
  g_free (sy);
  g_free (ex);
  return ego_chart_save (cr, path, error);
}

/* Curves of one accuracy figure per epoch; returns how many were drawn. */
static gint
accuracy_curves (EgoChart * c, const EgoRun * run, gchar ** names,
    EgoColour * colours, gboolean * dashed)
{
  const EgoModelMeta *m = ego_run_meta (run);
  guint ne = ego_run_n_epochs (run);
  gdouble *x = g_new (gdouble, ne), *y = g_new (gdouble, ne);
  gint n = 0;
  /* action first and wide, so that a head's curve on top of it shows */
  static const gint kinds[3] = { 2, 0, 1 };
  for (gint ki = 0; ki < 3; ki++)
    for (gint h = 0, kind = kinds[ki]; h < (kind == 2 ? 1 : m->n_heads); h++) {
      gint k = 0;
      for (guint i = 0; i < ne; i++) {
        const EgoEpochRecord *e = ego_run_epoch (run, i);
        gdouble v = kind == 0 ? e->train_top1[h] : kind == 1 ? e->top1[h] :
            e->action_top1;
        if (kind > 0 && (!e->validated || v < 0))
          continue;
        x[k] = e->epoch;
        y[k++] = v;
      }
      if (k == 0)
        continue;
      colours[n] = ego_chart_palette[kind == 2 ? 2 : h % 2];
      dashed[n] = kind == 0;
      names[n] = kind == 0 ? g_strdup_printf ("%s, training batches",
          m->heads[h].name) : kind == 1 ?
          g_strdup_printf ("%s, validation", m->heads[h].name) :
          g_strdup ("action, validation");
      ego_chart_line (c, x, y, k, &colours[n], kind == 2 ? 5.0 : 2.0,
          dashed[n]);
      ego_chart_dots (c, x, y, k, &colours[n], 3.0);
      n++;
    }
  g_free (x);
  g_free (y);
  return n;
}

static gboolean
draw_accuracy (const EgoRun * run, const gchar * path, GError ** error)
{
  cairo_t *cr = ego_chart_image (CURVE_W, CURVE_H);
  gchar *names[2 * EGO_MAX_HEADS + 1];
  EgoColour colours[2 * EGO_MAX_HEADS + 1];
  gboolean dashed[2 * EGO_MAX_HEADS + 1];
  guint ne = ego_run_n_epochs (run);
  EgoChart c;
  gint n;
  ego_chart_begin (&c, cr, 0, 0, CURVE_W - LEGEND_W, CURVE_H,
      "Top-1 accuracy",
      "epoch", "top-1 (%)", ne > 1 ? 1 : 0, ne > 1 ? ne : 2, 0, 100);
  n = accuracy_curves (&c, run, names, colours, dashed);
  ego_chart_legend (cr, c.x + c.w + 16, c.y, (const gchar * const *) names,
      colours, dashed, n);
  for (gint i = 0; i < n; i++)
    g_free (names[i]);
  return ego_chart_save (cr, path, error);
}

static const EgoColour gap_colour = { 0.84, 0.19, 0.15 };

/* The gap between accuracy and mean confidence: hatched and outlined, so
 * that it reads the same above a bar (over-confidence) and inside it. */
static void
gap_box (cairo_t * cr, gdouble x, gdouble y, gdouble w, gdouble h)
{
  cairo_save (cr);
  cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.6);
  cairo_paint (cr);
  cairo_set_source_rgb (cr, gap_colour.r, gap_colour.g, gap_colour.b);
  cairo_set_line_width (cr, 1.2);
  for (gdouble d = -h; d < w; d += 5) {
    cairo_move_to (cr, x + d, y + h);
    cairo_line_to (cr, x + d + h, y);
  }
  cairo_stroke (cr);
  cairo_restore (cr);
  cairo_set_source_rgb (cr, gap_colour.r, gap_colour.g, gap_colour.b);
  cairo_set_line_width (cr, 1.5);
  cairo_rectangle (cr, x, y, w, h);
  cairo_stroke (cr);
}

static void
reliability_panel (cairo_t * cr, gdouble x0, gdouble w, gdouble h,
    const EgoEvalResult * r, const EgoModelMeta * m, gint head)
{
  gint count[EGO_ECE_BINS];
  gdouble conf[EGO_ECE_BINS], acc[EGO_ECE_BINS], diag[2] = { 0, 1 };
  gdouble bw = 1.0 / EGO_ECE_BINS;
  const EgoColour diagonal = { 0.3, 0.3, 0.3 };
  const EgoColour *bar = &ego_chart_palette[0];
  gchar *title = g_strdup_printf ("%s: ECE %.1f%%", m->heads[head].name,
      r->ece[head]);
  EgoChart c;
  ego_ece_bins (r->logits[head], r->labels[head], r->clips,
      m->heads[head].n_labels, count, conf, acc);
  ego_chart_begin (&c, cr, x0, 0, w, h, title, "confidence",
      "accuracy", 0, 1, 0, 1);
  for (gint b = 0; b < EGO_ECE_BINS; b++) {
    gdouble px0, px1, top, mid;
    if (count[b] == 0)
      continue;
    px0 = floor (ego_chart_px (&c, b * bw)) + 1.5;
    px1 = floor (ego_chart_px (&c, (b + 1) * bw)) - 0.5;
    top = ego_chart_py (&c, acc[b]);
    mid = ego_chart_py (&c, conf[b]);
    cairo_set_source_rgb (cr, bar->r, bar->g, bar->b);
    cairo_rectangle (cr, px0, top, px1 - px0, ego_chart_py (&c, 0) - top);
    cairo_fill (cr);
    if (fabs (mid - top) >= 1.0)
      gap_box (cr, px0, MIN (top, mid), px1 - px0, fabs (mid - top));
  }
  ego_chart_line (&c, diag, diag, 2, &diagonal, 1.5, TRUE);
  g_free (title);
}

/* What the bars and boxes mean, below the panels. */
static void
reliability_key (cairo_t * cr, gdouble y, const gchar * note)
{
  const EgoColour *bar = &ego_chart_palette[0];
  cairo_set_source_rgb (cr, bar->r, bar->g, bar->b);
  cairo_rectangle (cr, 70, y, 16, 12);
  cairo_fill (cr);
  ego_chart_text (cr, 92, y - 2, "accuracy per confidence bin", 12, FALSE,
      EGO_ALIGN_LEFT, NULL);
  gap_box (cr, 290.5, y + 0.5, 16, 12);
  ego_chart_text (cr, 312, y - 2, "gap to the bin's mean confidence", 12,
      FALSE, EGO_ALIGN_LEFT, NULL);
  ego_chart_text (cr, 70, y + 20, note, 12, FALSE, EGO_ALIGN_LEFT, NULL);
}

static gboolean
draw_reliability (const EgoRun * run, const gchar * path, GError ** error)
{
  const EgoModelMeta *m = ego_run_meta (run);
  const EgoEvalResult *r = ego_run_final_eval (run);
  gint panel = 440;
  cairo_t *cr = ego_chart_image (panel * m->n_heads, panel + 44);
  gchar *note = g_strdup_printf ("%s split, %d clips, %d bins; the dashed "
      "diagonal is perfect calibration", ego_run_eval_split (run), r->clips,
      EGO_ECE_BINS);
  for (gint h = 0; h < m->n_heads; h++)
    reliability_panel (cr, h * panel, panel, panel, r, m, h);
  reliability_key (cr, panel - 4, note);
  g_free (note);
  return ego_chart_save (cr, path, error);
}

/* (k, k) counts, rows the true class, columns the predicted one */
static gint *
confusion (const EgoEvalResult * r, gint head, gint k)
{
  gint *m = g_new0 (gint, k * k);
  ego_confusion_add (r->logits[head], r->labels[head], r->clips, k, m);
  return m;
}

static void
confusion_labels (cairo_t * cr, const EgoHeadMeta * head, gdouble x0,
    gdouble y0, gdouble cell)
{
  gdouble size = MIN (12.0, cell * 0.8);
  for (gint i = 0; i < head->n_labels; i++) {
    ego_chart_text (cr, x0 - 6, y0 + (i + 0.5) * cell - size * 0.65,
        head->labels[i], size, FALSE, EGO_ALIGN_RIGHT, NULL);
    cairo_save (cr);
    cairo_translate (cr, x0 + (i + 0.5) * cell + size * 0.6, y0 - 6);
    cairo_rotate (cr, -G_PI / 2);
    ego_chart_text (cr, 0, 0, head->labels[i], size, FALSE, EGO_ALIGN_LEFT,
        NULL);
    cairo_restore (cr);
  }
}

static void
confusion_cells (cairo_t * cr, const gint * m, gint k, gdouble x0,
    gdouble y0, gdouble cell)
{
  for (gint t = 0; t < k; t++) {
    gint row = 0;
    for (gint p = 0; p < k; p++)
      row += m[t * k + p];
    for (gint p = 0; p < k; p++) {
      gdouble v = row ? (gdouble) m[t * k + p] / row : 0.0;
      EgoColour c = ego_chart_ramp (v);
      cairo_set_source_rgb (cr, c.r, c.g, c.b);
      cairo_rectangle (cr, x0 + p * cell, y0 + t * cell, cell, cell);
      cairo_fill (cr);
      if (k <= 12 && m[t * k + p] > 0) {
        gchar buf[16];
        static const EgoColour light = { 1, 1, 1 }, dark = { 0.1, 0.1, 0.1 };
        const EgoColour *ink = v > 0.5 ? &light : &dark;
        g_snprintf (buf, sizeof (buf), "%.0f%%", 100 * v);
        ego_chart_text (cr, x0 + (p + 0.5) * cell, y0 + (t + 0.5) * cell - 7,
            buf, 11, FALSE, EGO_ALIGN_CENTRE, ink);
      }
    }
  }
}

/* A faint grid, so that empty cells still read as cells, and a frame. */
static void
confusion_grid (cairo_t * cr, gint k, gdouble x0, gdouble y0, gdouble cell)
{
  gdouble side = k * cell;
  cairo_set_line_width (cr, 1.0);
  if (cell >= 6) {
    cairo_set_source_rgb (cr, 0.88, 0.88, 0.9);
    for (gint i = 1; i < k; i++) {
      gdouble at = floor (i * cell) + 0.5;
      cairo_move_to (cr, x0 + at, y0);
      cairo_line_to (cr, x0 + at, y0 + side);
      cairo_move_to (cr, x0, y0 + at);
      cairo_line_to (cr, x0 + side, y0 + at);
    }
    cairo_stroke (cr);
  }
  cairo_set_source_rgb (cr, 0.5, 0.5, 0.52);
  cairo_rectangle (cr, x0 + 0.5, y0 + 0.5, side, side);
  cairo_stroke (cr);
}

static void
colour_bar (cairo_t * cr, gdouble x, gdouble y, gdouble h)
{
  for (gint i = 0; i < (gint) h; i++) {
    EgoColour c = ego_chart_ramp (1.0 - i / h);
    cairo_set_source_rgb (cr, c.r, c.g, c.b);
    cairo_rectangle (cr, x, y + i, 16, 1.5);
    cairo_fill (cr);
  }
  cairo_set_source_rgb (cr, 0.5, 0.5, 0.5);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, x + 0.5, y + 0.5, 16, h);
  cairo_stroke (cr);
  ego_chart_text (cr, x + 22, y - 6, "100%", 11, FALSE, EGO_ALIGN_LEFT, NULL);
  ego_chart_text (cr, x + 22, y + h - 8, "0%", 11, FALSE, EGO_ALIGN_LEFT,
      NULL);
}

static gboolean
draw_confusion (const EgoRun * run, gint h, const gchar * path,
    GError ** error)
{
  const EgoModelMeta *m = ego_run_meta (run);
  const EgoHeadMeta *head = &m->heads[h];
  gint k = head->n_labels, *counts = confusion (ego_run_final_eval (run),
      h, k);
  gboolean labels = k <= 40;
  gdouble cell = CLAMP (560.0 / k, 2.0, 60.0), side = cell * k;
  gdouble x0 = labels ? 150 : 50, y0 = labels ? 150 : 70;
  cairo_t *cr = ego_chart_image ((gint) (x0 + side + 90),
      (gint) (y0 + side + 50));
  gchar *title = g_strdup_printf ("Confusion matrix: %s (%s split)",
      head->name, ego_run_eval_split (run));
  ego_chart_text (cr, 12, 10, title, 15, TRUE, EGO_ALIGN_LEFT, NULL);
  if (labels)
    confusion_labels (cr, head, x0, y0, cell);
  else
    ego_chart_text (cr, 12, 34, "classes in the order of their ids, the "
        "first at the top left", 12, FALSE, EGO_ALIGN_LEFT, NULL);
  confusion_cells (cr, counts, k, x0, y0, cell);
  confusion_grid (cr, k, x0, y0, cell);
  ego_chart_text (cr, x0 + side / 2, y0 + side + 12, "predicted class "
      "(rows sum to 100%)", 13, FALSE, EGO_ALIGN_CENTRE, NULL);
  ego_chart_text_up (cr, 18, y0 + side / 2, "true class", 13);
  colour_bar (cr, x0 + side + 24, y0, MIN (side, 300));
  g_free (title);
  g_free (counts);
  return ego_chart_save (cr, path, error);
}

/* ------------------------------------------------------------------------ */
/* The page */

static void
settings_rows (GString * html, JsonObject * o, const gchar * prefix)
{
  GList *members = json_object_get_members (o);
  for (GList * l = members; l; l = l->next) {
    const gchar *name = l->data;
    JsonNode *n = json_object_get_member (o, name);
    gchar *key = prefix ? g_strconcat (prefix, ".", name, NULL) :
        g_strdup (name);
    if (JSON_NODE_HOLDS_OBJECT (n)) {
      settings_rows (html, json_node_get_object (n), key);
    } else {
      gchar *value = json_to_string (n, FALSE);
      gchar *ek = g_markup_escape_text (key, -1);
      gchar *ev = g_markup_escape_text (value, -1);
      g_string_append_printf (html, "<tr><td>%s</td><td>%s</td></tr>\n", ek,
          ev);
      g_free (value);
      g_free (ek);
      g_free (ev);
    }
    g_free (key);
  }
  g_list_free (members);
}

static void
final_table (GString * html, const EgoRun * run)
{
  const EgoModelMeta *m = ego_run_meta (run);
  const EgoEvalResult *r = ego_run_final_eval (run);
  g_string_append_printf (html, "<h2>Final model on the %s split (%d clips, "
      "1 view)</h2>\n<table><tr><th>head</th><th>top-1 %%</th>"
      "<th>top-5 %%</th><th>ECE %%</th></tr>\n", ego_run_eval_split (run),
      r->clips);
  for (gint h = 0; h < m->n_heads; h++)
    g_string_append_printf (html, "<tr><td>%s</td><td>%.1f</td><td>%.1f</td>"
        "<td>%.1f</td></tr>\n", m->heads[h].name, r->top1[h], r->top5[h],
        r->ece[h]);
  if (r->action_top1 >= 0)
    g_string_append_printf (html, "<tr><td>action</td><td>%.1f</td><td></td>"
        "<td></td></tr>\n", r->action_top1);
  g_string_append (html, "</table>\n");
}

static void
epoch_table (GString * html, const EgoRun * run)
{
  const EgoModelMeta *m = ego_run_meta (run);
  g_string_append (html, "<h2>Epochs</h2>\n<table><tr><th>epoch</th>"
      "<th>loss</th><th>lr</th><th>clips/s</th>");
  for (gint h = 0; h < m->n_heads; h++)
    g_string_append_printf (html, "<th>%s top-1 %%</th>", m->heads[h].name);
  g_string_append (html, "<th>action top-1 %</th><th>best so far</th>"
      "</tr>\n");
  for (guint i = 0; i < ego_run_n_epochs (run); i++) {
    const EgoEpochRecord *e = ego_run_epoch (run, i);
    g_string_append_printf (html, "<tr><td>%d</td><td>%.4f</td><td>%.2e</td>"
        "<td>%.1f</td>", e->epoch, e->loss, e->lr, e->clips_per_second);
    for (gint h = 0; h < m->n_heads; h++)
      g_string_append_printf (html, e->validated ? "<td>%.1f</td>" :
          "<td></td>", e->top1[h]);
    g_string_append_printf (html, e->validated && e->action_top1 >= 0 ?
        "<td>%.1f</td>" : "<td></td>", e->action_top1);
    g_string_append_printf (html, "<td>%s</td></tr>\n", e->best ? "best" : "");
  }
  g_string_append (html, "</table>\n");
}

static const gchar *style =
    "body{font-family:sans-serif;max-width:960px;margin:2em auto;"
    "color:#222}table{border-collapse:collapse;margin:0.5em 0 1.5em}"
    "td,th{border:1px solid #ccc;padding:3px 10px;text-align:right}"
    "td:first-child{text-align:left}img{max-width:100%;display:block;"
    "margin:0.5em 0 1.5em}";

static gchar *
page (const EgoRun * run)
{
  const EgoModelMeta *m = ego_run_meta (run);
  GString *html = g_string_new (NULL);
  g_string_append_printf (html, "<!DOCTYPE html>\n<html><head>"
      "<meta charset=\"utf-8\"><title>Training report</title><style>%s"
      "</style></head><body>\n<h1>Training report</h1>\n<p>Model: "
      "<code>model.safetensors</code>%s, %d frames of %dx%d.</p>\n", style,
      ego_run_best_epoch (run) >= 0 ? " (last epoch) and "
      "<code>best.safetensors</code> (best validation epoch)" : "",
      m->frames, m->width, m->height);
  final_table (html, run);
  g_string_append (html, "<img src=\"report-loss.png\" alt=\"loss\">\n"
      "<img src=\"report-accuracy.png\" alt=\"accuracy\">\n"
      "<h2>Calibration</h2>\n<img src=\"report-reliability.png\" "
      "alt=\"reliability diagram\">\n<h2>Confusion</h2>\n");
  for (gint h = 0; h < m->n_heads; h++)
    g_string_append_printf (html, "<img src=\"report-confusion-%s.png\" "
        "alt=\"confusion matrix of %s\">\n", m->heads[h].name,
        m->heads[h].name);
  epoch_table (html, run);
  g_string_append (html, "<h2>Settings</h2>\n<table>\n");
  settings_rows (html, m->provenance, NULL);
  g_string_append (html, "</table>\n</body></html>\n");
  return g_string_free (html, FALSE);
}

gchar *
ego_report_write (const EgoRun * run, const gchar * dir, GError ** error)
{
  const EgoModelMeta *m = ego_run_meta (run);
  gchar *path = g_build_filename (dir, "report-loss.png", NULL), *html;
  gboolean ok = ego_run_n_epochs (run) > 0 && ego_run_final_eval (run)
      && draw_loss (run, path, error);
  g_free (path);
  path = g_build_filename (dir, "report-accuracy.png", NULL);
  ok = ok && draw_accuracy (run, path, error);
  g_free (path);
  path = g_build_filename (dir, "report-reliability.png", NULL);
  ok = ok && draw_reliability (run, path, error);
  g_free (path);
  for (gint h = 0; ok && h < m->n_heads; h++) {
    gchar *name = g_strdup_printf ("report-confusion-%s.png",
        m->heads[h].name);
    path = g_build_filename (dir, name, NULL);
    ok = draw_confusion (run, h, path, error);
    g_free (name);
    g_free (path);
  }
  if (!ok)
    return NULL;
  html = page (run);
  path = g_build_filename (dir, "report.html", NULL);
  ok = g_file_set_contents (path, html, -1, error);
  g_free (html);
  if (!ok)
    g_clear_pointer (&path, g_free);
  return path;
}
