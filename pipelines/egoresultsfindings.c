/* ego-results: the "Findings" section of results.md, each claim of
 * the paper stated with the measured numbers and a verdict:
 * supported, not supported, mixed (some heads yes, some no) or not run.
 * Accuracy differences smaller than twice their binomial standard error are
 * marked "within 2 SE". */
#include <math.h>

#include "egoresults.h"

/* the student costs "a small fraction" of the teacher: at most this */
#define SMALL_FRACTION 0.25
/* the action top-1 gap the distillation claim is checked against */
#define KD_GAP 3.0

typedef enum
{
  SUPPORTED,
  NOT_SUPPORTED,
  MIXED,
  NOT_RUN,
} Verdict;

static const char *const verdicts[] = {
  "supported", "not supported", "mixed", "not run",
};

static void
verdict (GString * md, Verdict v)
{
  g_string_append_printf (md, ": **%s**\n", verdicts[v]);
}

/* A figure of a configuration at 1x1 (g may be NULL); FALSE when not run. */
static gboolean
get (const EgoResultsGroup * g, const char *metric, EgoResultsStat * s)
{
  s->n = 0;
  if (g)
    ego_results_stat (g, EGO_RESULTS_1X1, metric, s);
  return s->n > 0;
}

/* "a vs b (+d)", and "within 2 SE" for accuracies. Returns a - b. */
static double
compare (GString * md, const char *what, const EgoResultsStat * a,
    const EgoResultsStat * b, gboolean accuracy)
{
  double d = a->mean - b->mean;
  double se = hypot (ego_results_se (a), ego_results_se (b));
  g_string_append_printf (md, "%s%.1f vs %.1f (%+.1f%s)", what, a->mean,
      b->mean, d, accuracy && se > 0 && fabs (d) < 2 * se ?
      ", within 2 SE" : "");
  return d;
}

/* SUPPORTED when every sign is positive, NOT_SUPPORTED when none is. */
static Verdict
all_of (int positive, int total)
{
  return positive == total ? SUPPORTED : positive == 0 ? NOT_SUPPORTED : MIXED;
}

/* ------------------------------------------------------------------------ */
/* (1) the fused teacher beats every unimodal teacher */

static void
fused_vs_unimodal (GString * md, GPtrArray * groups, const EgoResultsGroup * f)
{
  EgoResultsStat a, b;
  int wins = 0, total = 0;
  g_string_append_printf (md, "  - %s", f->name);
  if (!get (f, "action_top1", &a)) {
    verdict (md, NOT_RUN);
    return;
  }
  for (int r = 0; r < EGO_RESULTS_UNIMODAL; r++) {
    const EgoResultsGroup *u = ego_results_best (groups, r, -1);
    gchar *what;
    if (!get (u, "action_top1", &b))
      continue;
    what = g_strdup_printf ("%s %s: ", total ? ";" : " vs", u->name);
    wins += compare (md, what, &a, &b, TRUE) > 0;
    total++;
    g_free (what);
  }
  verdict (md, total == 0 ? NOT_RUN : wins == total ? SUPPORTED :
      NOT_SUPPORTED);
}

static void
claim_fused (GString * md, GPtrArray * groups)
{
  gboolean any = FALSE;
  g_string_append (md, "- **(1) The fused teacher is more accurate than "
      "each unimodal teacher** (action top-1, fused vs unimodal)");
  for (guint i = 0; i < groups->len; i++) {
    const EgoResultsGroup *g = g_ptr_array_index (groups, i);
    if (g->role != EGO_RESULTS_FUSED)
      continue;
    if (!any)
      g_string_append (md, ":\n");
    any = TRUE;
    fused_vs_unimodal (md, groups, g);
  }
  if (!any)
    verdict (md, NOT_RUN);
}

/* ------------------------------------------------------------------------ */
/* (2), (3), (5): each distilled student against a baseline */

typedef void (*Versus) (GString * md, const EgoResultsGroup * kd,
    const EgoResultsGroup * base);

static void
for_each_student (GString * md, GPtrArray * groups, int baseline, Versus f)
{
  const EgoResultsGroup *base = ego_results_best (groups, baseline, -1);
  gboolean any = FALSE;
  for (guint i = 0; i < groups->len; i++) {
    const EgoResultsGroup *g = g_ptr_array_index (groups, i);
    if (g->role != EGO_RESULTS_KD)
      continue;
    any = TRUE;
    g_string_append_printf (md, "  - %s vs %s", g->name, base ? base->name :
        ego_results_roles[baseline]);
    if (base == NULL)
      verdict (md, NOT_RUN);
    else
      f (md, g, base);
  }
  if (!any)
    g_string_append_printf (md, "  - student-kd vs %s: **not run**\n",
        ego_results_roles[baseline]);
}

static void
more_accurate (GString * md, const EgoResultsGroup * kd,
    const EgoResultsGroup * base)
{
  static const char *const metrics[] = { "verb.top1", "noun.top1",
    "action_top1"
  };
  static const char *const names[] = { "verb", "noun", "action" };
  EgoResultsStat a, b;
  int wins = 0, total = 0;
  double d, action = NAN;
  for (int m = 0; m < 3; m++) {
    gchar *what;
    if (!get (kd, metrics[m], &a) || !get (base, metrics[m], &b))
      continue;
    what = g_strdup_printf ("%s %s ", total ? "," : ":", names[m]);
    d = compare (md, what, &a, &b, TRUE);
    action = m == 2 ? d : action;
    wins += d > 0;
    total++;
    g_free (what);
  }
  if (total == 0) {
    verdict (md, NOT_RUN);
    return;
  }
  g_string_append_printf (md, "; more accurate: **%s**; action gap of at "
      "least %.0f points: **%s**\n", verdicts[all_of (wins, total)], KD_GAP,
      verdicts[isnan (action) ? NOT_RUN : action >= KD_GAP ? SUPPORTED :
          NOT_SUPPORTED]);
}

static void
better_calibrated (GString * md, const EgoResultsGroup * kd,
    const EgoResultsGroup * base)
{
  static const char *const metrics[] = { "verb.ece", "noun.ece" };
  static const char *const names[] = { "verb ECE", "noun ECE" };
  EgoResultsStat a, b;
  int wins = 0, total = 0;
  for (int m = 0; m < 2; m++) {
    gchar *what;
    if (!get (kd, metrics[m], &a) || !get (base, metrics[m], &b))
      continue;
    what = g_strdup_printf ("%s %s ", total ? "," : ":", names[m]);
    wins += compare (md, what, &a, &b, FALSE) < 0;
    total++;
    g_free (what);
  }
  verdict (md, total ? all_of (wins, total) : NOT_RUN);
}

static void
smaller_drop (GString * md, const EgoResultsGroup * kd,
    const EgoResultsGroup * base)
{
  EgoResultsStat a, b;
  ego_results_drop (kd, "action_top1", &a);
  ego_results_drop (base, "action_top1", &b);
  if (a.n == 0 || b.n == 0) {
    verdict (md, NOT_RUN);
    return;
  }
  verdict (md, compare (md, ": drop ", &a, &b, FALSE) < 0 ? SUPPORTED :
      NOT_SUPPORTED);
}

/* ------------------------------------------------------------------------ */
/* (4) weighting the teachers beats averaging them */

static void
weighting_vs_uniform (GString * md, GPtrArray * groups, int role)
{
  const EgoResultsGroup *u = ego_results_best (groups, role, 0);
  for (int w = 1; w < EGO_RESULTS_WEIGHTINGS; w++) {
    const EgoResultsGroup *g = ego_results_best (groups, role, w);
    EgoResultsStat a, b;
    g_string_append_printf (md, "  - %s, %s vs uniform", ego_results_roles
        [role], ego_results_weightings[w]);
    if (!get (g, "action_top1", &a) || !get (u, "action_top1", &b)) {
      if (role == EGO_RESULTS_FUSED && g == NULL && u != NULL &&
          g_str_equal (ego_results_weightings[w], "per-sample"))
        g_string_append (md, ": no test figure: per-sample weights come "
            "from each clip's label, so they exist on training clips only, "
            "where the students learn from them (below)\n");
      else
        verdict (md, NOT_RUN);
      continue;
    }
    g_string_append_printf (md, " (%s vs %s)", g->name, u->name);
    verdict (md, compare (md, ": ", &a, &b, TRUE) > 0 ? SUPPORTED :
        NOT_SUPPORTED);
  }
}

/* ------------------------------------------------------------------------ */
/* (6) the student costs a small fraction of the teacher */

static void
claim_cost (GString * md, GPtrArray * groups, double flow_gflops)
{
  const EgoResultsGroup *kd = ego_results_best (groups, EGO_RESULTS_KD, -1);
  EgoResultsStat s, t;
  double total = flow_gflops;
  int teachers = 0;
  g_string_append (md, "- **(6) The student costs a small fraction of the "
      "teacher** (GFLOPs per view; the teacher: every unimodal teacher");
  if (flow_gflops > 0)
    g_string_append_printf (md, " and %.3g for the optical flow", flow_gflops);
  g_string_append_printf (md, "; small: at most %.0f%%)", 100 * SMALL_FRACTION);
  for (int r = 0; r < EGO_RESULTS_UNIMODAL; r++) {
    const EgoResultsGroup *u = ego_results_best (groups, r, -1);
    if (u == NULL)
      continue;
    if (!get (u, "gflops_per_view", &t)) {
      g_string_append_printf (md, ": %s has no GFLOPs", u->name);
      verdict (md, NOT_RUN);
      return;
    }
    total += t.mean;
    teachers++;
  }
  if (!get (kd, "gflops_per_view", &s) || teachers == 0 || total <= 0) {
    verdict (md, NOT_RUN);
    return;
  }
  g_string_append_printf (md, ": %s %.3g vs %d teachers %.3g, %.1f%%",
      kd->name, s.mean, teachers, total, 100 * s.mean / total);
  verdict (md, s.mean <= SMALL_FRACTION * total ? SUPPORTED : NOT_SUPPORTED);
}

/* ------------------------------------------------------------------------ */

/* Students with fewer seeds than a claim needs (3: a student's
 * seed-to-seed spread is several points). */
static void
few_seeds (GString * md, GPtrArray * groups)
{
  const char *sep = "Fewer than 3 seeds, too few to support a claim: ";
  for (guint i = 0; i < groups->len; i++) {
    const EgoResultsGroup *g = g_ptr_array_index (groups, i);
    if (g->role < EGO_RESULTS_KD || g->runs->len >= 3)
      continue;
    g_string_append_printf (md, "%s%s (%u)", sep, g->name, g->runs->len);
    sep = ", ";
  }
  if (*sep == ',')
    g_string_append (md, ".\n\n");
}

void
ego_results_findings (GString * md, GPtrArray * groups, double flow_gflops)
{
  g_string_append (md, "\n## Findings\n\nThe claims of the paper "
      "(Radevski et al., ICCV 2023), checked against the means above: 1x1 "
      "views unless said; the best configuration of a role where there are "
      "several; \"within 2 SE\": a difference smaller than twice its "
      "binomial standard error.\n\n");
  few_seeds (md, groups);
  claim_fused (md, groups);
  g_string_append (md, "- **(2) The distilled student is more accurate "
      "than the same network trained on labels** (verb, noun, action "
      "top-1):\n");
  for_each_student (md, groups, EGO_RESULTS_LABELS, more_accurate);
  for_each_student (md, groups, EGO_RESULTS_MULTIMODAL, more_accurate);
  g_string_append (md, "- **(3) The distilled student is better "
      "calibrated** (lower ECE on every head):\n");
  for_each_student (md, groups, EGO_RESULTS_LABELS, better_calibrated);
  g_string_append (md, "- **(4) Weighting the teachers beats averaging "
      "them** (action top-1):\n");
  weighting_vs_uniform (md, groups, EGO_RESULTS_FUSED);
  weighting_vs_uniform (md, groups, EGO_RESULTS_KD);
  g_string_append (md, "- **(5) The distilled student loses less accuracy "
      "from 2x3 to 1x1 views** (action top-1 at 2x3 minus at 1x1):\n");
  for_each_student (md, groups, EGO_RESULTS_LABELS, smaller_drop);
  claim_cost (md, groups, flow_gflops);
}
