/* ego-results: configurations, their statistics over seeds, results.json
 * and the table of results.md, see egoresults.h. */
#include <math.h>
#include <string.h>

#include "egoresults.h"
#include "modelmeta.h"         /* ego_json_quote */

/* ------------------------------------------------------------------------ */
/* Configurations */

static void
group_free (gpointer data)
{
  EgoResultsGroup *g = data;
  g_ptr_array_unref (g->runs);
  g_free (g);
}

static gint
group_compare (gconstpointer a, gconstpointer b)
{
  const EgoResultsGroup *x = *(EgoResultsGroup * const *) a;
  const EgoResultsGroup *y = *(EgoResultsGroup * const *) b;
  if (x->role != y->role)
    return x->role - y->role;
  return x->weighting - y->weighting;   /* then first line: a stable sort */
}

GPtrArray *
ego_results_groups (const EgoResults * r)
{
  GPtrArray *groups = g_ptr_array_new_with_free_func (group_free);
  for (guint i = 0; i < r->runs->len; i++) {
    EgoResultsRun *run = g_ptr_array_index (r->runs, i);
    EgoResultsGroup *g = NULL;
    for (guint j = 0; j < groups->len && g == NULL; j++)
      if (strcmp (((EgoResultsGroup *) groups->pdata[j])->name, run->name) == 0)
        g = groups->pdata[j];
    if (g == NULL) {
      g = g_new0 (EgoResultsGroup, 1);
      g->name = run->name;
      g->role = run->role;
      g->weighting = run->weighting;
      g->runs = g_ptr_array_new ();
      g_ptr_array_add (groups, g);
    }
    g_ptr_array_add (g->runs, run);
  }
  /* g_ptr_array_sort is a merge sort in GLib >= 2.32, hence stable */
  g_ptr_array_sort (groups, group_compare);
  return groups;
}

/* ------------------------------------------------------------------------ */
/* Statistics */

/* A number at a path of members ("verb.top1") of an ego-eval object. */
static gboolean
figure (JsonNode * eval, const char *metric, double *v)
{
  gchar **parts = g_strsplit (metric, ".", -1);
  JsonNode *node = eval;
  GType type;
  for (int i = 0; node && parts[i]; i++)
    node = JSON_NODE_HOLDS_OBJECT (node)
        && json_object_has_member (json_node_get_object (node), parts[i]) ?
        json_object_get_member (json_node_get_object (node), parts[i]) : NULL;
  g_strfreev (parts);
  type = node && JSON_NODE_HOLDS_VALUE (node) ?
      json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return FALSE;
  *v = json_node_get_double (node);
  return isfinite (*v);
}

static void
summarise (const double *x, const double *clips, int n, EgoResultsStat * s)
{
  double sum = 0.0, ss = 0.0, c = 0.0;
  for (int i = 0; i < n; i++) {
    sum += x[i];
    c += clips[i];
  }
  s->n = n;
  s->mean = n ? sum / n : 0.0;
  for (int i = 0; i < n; i++)
    ss += (x[i] - s->mean) * (x[i] - s->mean);
  s->spread = n > 1 ? sqrt (ss / (n - 1)) : 0.0;
  s->clips = n ? c / n : 0.0;
}

/* The figure at view over the seeds, or with drop at 2x3 minus at 1x1. */
static void
collect (const EgoResultsGroup * g, int view, gboolean drop,
    const char *metric, EgoResultsStat * s)
{
  double *x = g_new (double, g->runs->len), *clips = g_new (double,
      g->runs->len);
  int n = 0;
  for (guint i = 0; i < g->runs->len; i++) {
    EgoResultsRun *run = g_ptr_array_index (g->runs, i);
    JsonNode *a = run->eval[drop ? EGO_RESULTS_2X3 : view];
    JsonNode *b = drop ? run->eval[EGO_RESULTS_1X1] : NULL;
    double va, vb = 0.0;
    if (!a || !figure (a, metric, &va) || (drop && (!b
                || !figure (b, metric, &vb))))
      continue;
    x[n] = va - vb;
    if (!figure (a, "clips", &clips[n]) || clips[n] < 1)
      clips[n] = 0.0;
    n++;
  }
  summarise (x, clips, n, s);
  g_free (x);
  g_free (clips);
}

void
ego_results_stat (const EgoResultsGroup * g, int view, const char *metric,
    EgoResultsStat * s)
{
  collect (g, view, FALSE, metric, s);
}

void
ego_results_drop (const EgoResultsGroup * g, const char *metric,
    EgoResultsStat * s)
{
  collect (g, EGO_RESULTS_2X3, TRUE, metric, s);
}

double
ego_results_se (const EgoResultsStat * s)
{
  double p = s->mean / 100.0;
  if (s->clips < 1 || p < 0.0 || p > 1.0)
    return 0.0;
  return 100.0 * sqrt (p * (1.0 - p) / s->clips);
}

const EgoResultsGroup *
ego_results_best (GPtrArray * groups, int role, int weighting)
{
  const EgoResultsGroup *best = NULL;
  double best_mean = -1.0;
  for (guint i = 0; i < groups->len; i++) {
    const EgoResultsGroup *g = g_ptr_array_index (groups, i);
    EgoResultsStat s;
    if (g->role != role || (weighting >= 0 && g->weighting != weighting))
      continue;
    ego_results_stat (g, EGO_RESULTS_1X1, "action_top1", &s);
    if (best == NULL || (s.n > 0 && s.mean > best_mean)) {
      best = g;
      best_mean = s.n > 0 ? s.mean : -1.0;
    }
  }
  return best;
}

/* ------------------------------------------------------------------------ */
/* results.json */

static void
append_run (GString * out, const EgoResultsRun * run)
{
  gchar *name = ego_json_quote (run->name);
  const char *sep = "";
  g_string_append_printf (out, "{\"name\": %s, \"role\": \"%s\", "
      "\"weighting\": ", name, ego_results_roles[run->role]);
  if (run->weighting < 0)
    g_string_append (out, "null");
  else
    g_string_append_printf (out, "\"%s\"",
        ego_results_weightings[run->weighting]);
  if (run->seed < 0)
    g_string_append (out, ", \"seed\": null, \"eval\": {");
  else
    g_string_append_printf (out, ", \"seed\": %" G_GINT64_FORMAT ", "
        "\"eval\": {", run->seed);
  for (int v = 0; v < EGO_RESULTS_VIEWS; v++)
    if (run->text[v]) {
      g_string_append_printf (out, "%s\"%s\": %s", sep, ego_results_views[v],
          run->text[v]);
      sep = ", ";
    }
  g_string_append (out, "}}");
  g_free (name);
}

/* One model a line; the ego-eval objects as they were printed. */
gchar *
ego_results_json (const EgoResults * r)
{
  GString *out = g_string_new ("{\"models\": [");
  for (guint i = 0; i < r->runs->len; i++) {
    g_string_append (out, i ? ",\n  " : "\n  ");
    append_run (out, g_ptr_array_index (r->runs, i));
  }
  g_string_append (out, "\n]}\n");
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------ */
/* results.md */

/* "mean ± spread" (the mean alone for one seed), "(SE x.x)" after an
 * accuracy. */
static void
append_cell (GString * md, const EgoResultsStat * s, gboolean se)
{
  g_string_append (md, " | ");
  if (s->n == 0) {
    g_string_append (md, "not run");
    return;
  }
  g_string_append_printf (md, "%.1f", s->mean);
  if (s->n > 1)
    g_string_append_printf (md, " ± %.1f", s->spread);
  if (se && s->clips >= 1)
    g_string_append_printf (md, " (SE %.1f)", ego_results_se (s));
}

/* A name in a table cell: '|' would end the cell. */
static gchar *
cell_text (const char *text)
{
  gchar **parts = g_strsplit (text, "|", -1);
  gchar *out = g_strjoinv ("\\|", parts);
  g_strfreev (parts);
  return out;
}

static void
append_row (GString * md, const EgoResultsGroup * g)
{
  static const char *const metrics[] = { "verb.top1", "noun.top1",
    "action_top1", "verb.ece", "noun.ece"
  };
  EgoResultsStat s;
  gchar *name = cell_text (g->name);
  g_string_append_printf (md, "| %s | %s | %s | %u", name,
      ego_results_roles[g->role], g->weighting < 0 ? "-" :
      ego_results_weightings[g->weighting], g->runs->len);
  g_free (name);
  for (int m = 0; m < 5; m++) {
    ego_results_stat (g, EGO_RESULTS_1X1, metrics[m], &s);
    append_cell (md, &s, m < 3);
  }
  ego_results_stat (g, EGO_RESULTS_2X3, "action_top1", &s);
  append_cell (md, &s, TRUE);
  ego_results_drop (g, "action_top1", &s);
  append_cell (md, &s, FALSE);
  ego_results_stat (g, EGO_RESULTS_1X1, "gflops_per_view", &s);
  if (s.n)
    g_string_append_printf (md, " | %.3g |\n", s.mean);
  else
    g_string_append (md, " | - |\n");
}

/* ------------------------------------------------------------------------ */
/* What each modality sees */

static const char *const balance_metrics[] = { "verb.top1", "noun.top1",
  "reversed_pairs.accuracy"
};

static void
append_balance_row (GString * md, const char *name,
    const EgoResultsGroup * g)
{
  EgoResultsStat s;
  gchar *cell = cell_text (name);
  g_string_append_printf (md, "| %s", cell);
  g_free (cell);
  for (int m = 0; m < 3; m++) {
    ego_results_stat (g, EGO_RESULTS_1X1, balance_metrics[m], &s);
    if (m == 2) {               /* its SE counts the clips of the pairs */
      EgoResultsStat c;
      ego_results_stat (g, EGO_RESULTS_1X1, "reversed_pairs.clips", &c);
      s.clips = c.n == s.n ? c.mean : 0.0;
    }
    append_cell (md, &s, TRUE);
  }
  g_string_append (md, " |\n");
}

void
ego_results_balance (GString * md, GPtrArray * groups, const EgoResults * r)
{
  const GPtrArray *probes = r->probes;
  gboolean any = probes && probes->len;
  EgoResultsStat s;
  for (guint i = 0; !any && i < groups->len; i++) {
    const EgoResultsGroup *g = g_ptr_array_index (groups, i);
    ego_results_stat (g, EGO_RESULTS_1X1, balance_metrics[2], &s);
    any = g->role < EGO_RESULTS_UNIMODAL && s.n > 0;
  }
  if (!any)
    return;
  g_string_append (md, "\n## What each modality sees\n\nTop-1 at 1x1 on "
      "the test clips, and how often the direction of a reversible action "
      "is told within its pair (take or put, open or close...; 50 is "
      "chance): the unimodal teachers, and probes trained only to show "
      "what one input can tell.\n\n| model | verb top-1 | noun top-1 "
      "| direction in reversed pairs |\n| --- | ---: | ---: | ---: |\n");
  for (guint i = 0; i < groups->len; i++) {
    const EgoResultsGroup *g = g_ptr_array_index (groups, i);
    if (g->role < EGO_RESULTS_UNIMODAL)
      append_balance_row (md, g->name, g);
  }
  for (guint i = 0; probes && i < probes->len; i++) {
    EgoResultsRun *run = g_ptr_array_index (probes, i);
    GPtrArray *one = g_ptr_array_new ();
    EgoResultsGroup g = { run->name, -1, -1, one };
    g_ptr_array_add (one, run);
    append_balance_row (md, run->name, &g);
    g_ptr_array_unref (one);
  }
  if (r->noun_from_verb >= 0)
    g_string_append_printf (md, "\nThe verb alone tells the noun of %.1f%% "
        "of these clips (naming the most common noun of each true verb): a "
        "noun top-1 near that figure comes from the action, not from seeing "
        "the object.\n", r->noun_from_verb);
}

gchar *
ego_results_markdown (const EgoResults * r)
{
  GString *md = g_string_new ("# Results\n\n");
  GPtrArray *groups = ego_results_groups (r);
  g_string_append (md, "Figures in percent on the test clips, mean ± "
      "spread over seeds (spread: sample standard deviation; the mean alone "
      "for one seed). (SE x.x): the binomial standard error of an accuracy, "
      "sqrt(p (1 - p) / clips), in points. Top-1 and ECE at 1x1 views; "
      "drop: action top-1 at 2x3 minus at 1x1. GFLOPs per view at 1x1.\n\n");
  g_string_append (md, "| configuration | role | weighting | seeds "
      "| verb top-1 | noun top-1 | action top-1 | verb ECE | noun ECE "
      "| action top-1 (2x3) | 2x3→1x1 drop | GFLOPs/view |\n"
      "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
      "| ---: | ---: |\n");
  for (guint i = 0; i < groups->len; i++)
    append_row (md, g_ptr_array_index (groups, i));
  ego_results_balance (md, groups, r);
  ego_results_findings (md, groups, r->flow_gflops);
  g_ptr_array_unref (groups);
  return g_string_free (md, FALSE);
}
