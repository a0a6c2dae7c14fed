/* ego-results: the runs of a reproduction, shared by the command
 * (ego-results.c), the manifest reader (egoresultsmanifest.c), the table
 * (egoresultstable.c) and the findings (egoresultsfindings.c). */
#ifndef EGO_RESULTS_H
#define EGO_RESULTS_H

#include <glib.h>
#include <json-glib/json-glib.h>

/* test views, the index of EgoResultsRun's eval[] */
#define EGO_RESULTS_VIEWS 2
#define EGO_RESULTS_1X1 0
#define EGO_RESULTS_2X3 1
extern const char *const ego_results_views[EGO_RESULTS_VIEWS];

/* roles of results.json, in the order of the table; the unimodal
 * teachers come first */
#define EGO_RESULTS_ROLES 8
#define EGO_RESULTS_UNIMODAL 4
extern const char *const ego_results_roles[EGO_RESULTS_ROLES];
#define EGO_RESULTS_FUSED 4     /* teacher-fused */
#define EGO_RESULTS_KD 5        /* student-kd */
#define EGO_RESULTS_LABELS 6    /* student-labels */
#define EGO_RESULTS_MULTIMODAL 7        /* multimodal-labels */
#define EGO_RESULTS_WEIGHTINGS 3
extern const char *const ego_results_weightings[EGO_RESULTS_WEIGHTINGS];

/* One model: a name trained with one seed, evaluated with one or both
 * views. */
typedef struct
{
  gchar *name;
  int role;                     /* index into ego_results_roles */
  int weighting;                /* index into ego_results_weightings, -1 */
  gint64 seed;                  /* -1: none ("-" in the manifest) */
  gchar *text[EGO_RESULTS_VIEWS];       /* the ego-eval JSON object, or NULL
                                         * when the view was not run */
  JsonNode *eval[EGO_RESULTS_VIEWS];    /* the same, parsed */
  int line[EGO_RESULTS_VIEWS];  /* manifest line of each view */
} EgoResultsRun;

typedef struct
{
  GPtrArray *runs;              /* EgoResultsRun, in manifest order */
  double flow_gflops;           /* added to the teachers' total */
  GPtrArray *probes;            /* EgoResultsRun (1x1 only, role -1), or
                                 * NULL: models that only show what a
                                 * modality sees, not in results.json */
  double noun_from_verb;        /* noun top-1 of the most common noun of
                                 * each true verb, percent; -1: no labels */
} EgoResults;

/* Where the logits lines are scored. */
typedef struct
{
  const char *data;             /* dataset folder, NULL: none given */
  const char *split;
} EgoResultsLabels;

/* Reads the manifest (format in ego-results.c), every ego-eval JSON it
 * names and scores every logits file against the labels. Errors are
 * "<manifest>:<line>: <reason>". */
gboolean ego_results_read_manifest (EgoResults * r, const char *path,
    const EgoResultsLabels * labels, GError ** error);
/* --probe NAME=FILE: an ego-eval JSON object for the balance table. */
gboolean ego_results_read_probe (EgoResults * r, const char *spec,
    GError ** error);
void ego_results_clear (EgoResults * r);

/* The ego-eval JSON object of clips scored from logits (n, classes) per
 * head (verb, noun) against labels; gflops < 0 is written as null. */
gchar *ego_results_score (const float *const *logits,
    const int *const *labels, const int *classes, int n, double gflops);

/* results.json and results.md; g_free them. */
gchar *ego_results_json (const EgoResults * r);
gchar *ego_results_markdown (const EgoResults * r);

/* ------------------------------------------------------------------------ */
/* Statistics over the seeds of a configuration */

/* The runs of one name (role and weighting follow from it), the seeds of a
 * configuration. */
typedef struct
{
  const char *name;
  int role, weighting;
  GPtrArray *runs;              /* EgoResultsRun, not owned */
} EgoResultsGroup;

/* Configurations sorted by role, weighting, then first line. g_ptr_array_unref
 * it. */
GPtrArray *ego_results_groups (const EgoResults * r);

typedef struct
{
  int n;                        /* seeds that have the figure */
  double mean;
  double spread;                /* sample standard deviation, 0 when n < 2 */
  double clips;                 /* mean clip count of those evaluations */
} EgoResultsStat;

/* A figure named by a path into the ego-eval object ("verb.top1",
 * "action_top1", "gflops_per_view") at one view, over the seeds. */
void ego_results_stat (const EgoResultsGroup * g, int view,
    const char *metric, EgoResultsStat * s);
/* The figure at 2x3 minus at 1x1, over the seeds that have both. */
void ego_results_drop (const EgoResultsGroup * g, const char *metric,
    EgoResultsStat * s);
/* Binomial standard error of an accuracy, in points: 100 sqrt(p (1 - p) /
 * clips); 0 without clips. */
double ego_results_se (const EgoResultsStat * s);

/* The best configuration of a role (and weighting, -1: any) by action top-1
 * at 1x1, or NULL. */
const EgoResultsGroup *ego_results_best (GPtrArray * groups, int role,
    int weighting);

/* The "What each modality sees" section of results.md: the unimodal
 * teachers and the probes, verb and noun top-1 and the direction within
 * reversed pairs; nothing when no run has the latter and there are no
 * probes. */
void ego_results_balance (GString * md, GPtrArray * groups,
    const EgoResults * r);

/* The "Findings" section of results.md. */
void ego_results_findings (GString * md, GPtrArray * groups,
    double flow_gflops);

#endif /* EGO_RESULTS_H */
