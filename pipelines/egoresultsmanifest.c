/* ego-results: the manifest, the ego-eval objects it names and the scoring
 * of logits files, see egoresults.h. */
#include <math.h>
#include <string.h>

#include "dataset.h"
#include "dataset_csv.h"
#include "egoresults.h"
#include "egoteacherlogits.h"
#include "metrics.h"

#define MAX_MANIFEST (16 * 1024 * 1024)
#define MAX_EVAL (1024 * 1024)
#define FIELDS 7                /* without the optional gflops */
#define HEADS 2                 /* verb, noun */

const char *const ego_results_views[EGO_RESULTS_VIEWS] = { "1x1", "2x3" };

const char *const ego_results_roles[EGO_RESULTS_ROLES] = {
  "teacher-rgb", "teacher-flow", "teacher-audio", "teacher-layout",
  "teacher-fused", "student-kd", "student-labels", "multimodal-labels",
};

const char *const ego_results_weightings[EGO_RESULTS_WEIGHTINGS] = {
  "uniform", "per-sample", "full-dataset",
};

/* The labels of the split, read on the first logits line. */
typedef struct
{
  const EgoResultsLabels *where;
  char **verbs, **nouns;
  int classes[HEADS];
  EgoDataset *ds;
  int *labels[HEADS];           /* (clips) */
} Scorer;

/* One manifest line. */
typedef struct
{
  const char *name;
  int role, weighting, view;
  gint64 seed;
  gboolean logits;
  const char *path;
  double gflops;                /* -1: not given */
} Line;

static int
find (const char *const *names, int n, const char *s)
{
  for (int i = 0; i < n; i++)
    if (strcmp (names[i], s) == 0)
      return i;
  return -1;
}

/* ------------------------------------------------------------------------ */
/* Scoring logits */

/* The annotations of the split (no media is looked for). */
static gboolean
scorer_open (Scorer * s, GError ** error)
{
  const char *dir = s->where->data, *split = s->where->split;
  char *file = g_strconcat (split, ".csv", NULL);
  char *path = g_build_filename (dir, "annotations", file, NULL);
  char *text = NULL;
  gsize len;
  s->verbs = ego_dataset_read_classes (dir, "verb_classes.csv",
      &s->classes[0], error);
  s->nouns = s->verbs ? ego_dataset_read_classes (dir, "noun_classes.csv",
      &s->classes[1], error) : NULL;
  if (s->nouns != NULL && ego_text_read (path, EGO_DATASET_MAX_FILE, &text, &len, error))
    s->ds = ego_dataset_parse (path, text, len, TRUE,
        (const char *const *) s->verbs, (const char *const *) s->nouns, error);
  if (s->ds && ego_dataset_n_clips (s->ds) == 0) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "%s: has no clips", path);
    g_clear_pointer (&s->ds, ego_dataset_free);
  }
  for (int h = 0; s->ds && h < HEADS; h++) {
    s->labels[h] = g_new (int, ego_dataset_n_clips (s->ds));
    for (int i = 0; i < ego_dataset_n_clips (s->ds); i++) {
      const EgoClip *c = ego_dataset_clip (s->ds, i);
      s->labels[h][i] = h == 0 ? c->verb_class : c->noun_class;
    }
  }
  g_free (text);
  g_free (path);
  g_free (file);
  return s->ds != NULL;
}

static void
scorer_clear (Scorer * s)
{
  g_strfreev (s->verbs);
  g_strfreev (s->nouns);
  g_clear_pointer (&s->ds, ego_dataset_free);
  for (int h = 0; h < HEADS; h++)
    g_free (s->labels[h]);
}

/* Noun top-1 in percent of always naming the most common noun of each
 * clip's true verb (counted on these clips): what the verb alone tells
 * about the object. */
static double
noun_from_verb (const Scorer * s)
{
  int n = ego_dataset_n_clips (s->ds), kv = s->classes[0], kn = s->classes[1];
  int *counts = g_new0 (int, (gsize) kv * kn), right = 0;
  for (int i = 0; i < n; i++) {
    const EgoClip *c = ego_dataset_clip (s->ds, i);
    if (c->verb_class >= 0 && c->verb_class < kv && c->noun_class >= 0
        && c->noun_class < kn)
      counts[c->verb_class * kn + c->noun_class]++;
  }
  for (int v = 0; v < kv; v++) {
    int best = 0;
    for (int k = 0; k < kn; k++)
      best = MAX (best, counts[v * kn + k]);
    right += best;
  }
  g_free (counts);
  return n ? 100.0 * right / n : -1.0;
}

/* Copies every clip's logits out of t into logits[h] (clips, classes). */
static gboolean
gather (const Scorer * s, const EgoTeacherLogits * t, const char *path,
    float **logits, GError ** error)
{
  int n = ego_dataset_n_clips (s->ds), missing = 0, first = -1;
  for (int i = 0; i < n; i++) {
    const char *id = ego_dataset_clip (s->ds, i)->narration_id;
    if (ego_teacher_logits_lookup (t, id, 0) == NULL) {
      first = missing++ ? first : i;
      continue;
    }
    for (int h = 0; h < HEADS; h++)
      memcpy (logits[h] + (gsize) i * s->classes[h],
          ego_teacher_logits_lookup (t, id, h), sizeof (float) * s->classes[h]);
  }
  if (missing)
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "%s: no logits for "
        "clip %s (%d of the %d clips of %s have none)", path,
        ego_dataset_clip (s->ds, first)->narration_id, missing, n,
        s->where->split);
  return missing == 0;
}

static gchar *
score_file (Scorer * s, const char *path, double gflops, GError ** error)
{
  static const char *heads[HEADS] = { "verb", "noun" };
  EgoTeacherLogits *t;
  float *logits[HEADS] = { NULL, NULL };
  gchar *text = NULL;
  if (s->where->data == NULL) {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID,
        "a logits line needs --data and --split to score it");
    return NULL;
  }
  if (s->ds == NULL && !scorer_open (s, error))
    return NULL;
  t = ego_teacher_logits_load (path, HEADS, (gchar * const *) heads,
      s->classes, error);
  if (t == NULL)
    return NULL;
  for (int h = 0; h < HEADS; h++)
    logits[h] = g_new (float, (gsize) ego_dataset_n_clips (s->ds) *
        s->classes[h]);
  if (gather (s, t, path, logits, error))
    text = ego_results_score ((const float *const *) logits,
        (const int *const *) s->labels, s->classes,
        ego_dataset_n_clips (s->ds), gflops);
  for (int h = 0; h < HEADS; h++)
    g_free (logits[h]);
  ego_teacher_logits_free (t);
  return text;
}

static void
append_figure (GString * out, const char *key, double v, const char *end)
{
  gchar num[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append_printf (out, "\"%s\": %s%s", key,
      g_ascii_formatd (num, sizeof (num), "%.3f", v), end);
}

/* Formatted as ego-eval --json prints it. */
gchar *
ego_results_score (const float *const *logits, const int *const *labels,
    const int *classes, int n, double gflops)
{
  static const char *heads[HEADS] = { "verb", "noun" };
  GString *out = g_string_new ("{");
  gchar num[G_ASCII_DTOSTR_BUF_SIZE];
  for (int h = 0; h < HEADS; h++) {
    const int32_t *y = (const int32_t *) labels[h];
    g_string_append_printf (out, "\"%s\": {", heads[h]);
    append_figure (out, "top1", ego_topk_accuracy (logits[h], y, n,
            classes[h], 1), ", ");
    append_figure (out, "top5", ego_topk_accuracy (logits[h], y, n,
            classes[h], 5), ", ");
    append_figure (out, "ece", ego_ece (logits[h], y, n, classes[h]), "}, ");
  }
  append_figure (out, "action_top1", ego_joint_accuracy (logits[0],
          (const int32_t *) labels[0], classes[0], logits[1],
          (const int32_t *) labels[1], classes[1], n), ", ");
  g_string_append_printf (out, "\"clips\": %d, \"gflops_per_view\": %s}", n,
      gflops < 0 ? "null" : g_ascii_formatd (num, sizeof (num), "%.4g",
          gflops));
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------ */
/* ego-eval objects */

/* The length of the plain JSON token starting at p outside strings, or 0
 * for anything else: json-glib also takes comments, single quotes and hex
 * numbers, which the text, copied into results.json, must not carry. */
static size_t
plain_json_token (const char *text, const char *p)
{
  static const char *const words[] = { "true", "false", "null" };
  if (g_ascii_isspace (*p) || strchr ("{}[],:-+.0123456789", *p))
    return 1;
  /* an exponent, after a digit or a point */
  if ((*p == 'e' || *p == 'E') && p > text
      && (g_ascii_isdigit (p[-1]) || p[-1] == '.'))
    return 1;
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (strncmp (p, words[i], strlen (words[i])) == 0)
      return strlen (words[i]);
  return 0;
}

/* Whether the text, which holds a JSON object, holds it alone (json-glib
 * takes the first of several objects a line) and in plain JSON. */
static gboolean
single_object (const char *text)
{
  const char *p = text;
  gboolean in_string = FALSE;
  int depth = 0;
  size_t n;
  for (; *p; p++) {
    if (in_string) {
      if (*p == '\\' && p[1])
        p++;
      else if (*p == '"')
        in_string = FALSE;
    } else if (*p == '"')
      in_string = TRUE;
    else if ((n = plain_json_token (text, p)) == 0)
      return FALSE;
    else if (n > 1)
      p += n - 1;
    else if (*p == '{' || *p == '[')
      depth++;
    else if ((*p == '}' || *p == ']') && --depth == 0)
      break;
  }
  for (p += *p != '\0'; g_ascii_isspace (*p); p++);
  return *p == '\0';
}

static gchar *
read_eval (const char *path, GError ** error)
{
  gchar *text = NULL;
  gsize len;
  JsonParser *parser;
  JsonNode *root;
  gboolean ok;
  if (!ego_text_read (path, MAX_EVAL, &text, &len, error))
    return NULL;
  parser = json_parser_new_immutable ();
  ok = json_parser_load_from_data (parser, text, len, error);
  if (!ok)
    g_prefix_error (error, "%s: ", path);
  else if (!(root = json_parser_get_root (parser))
      || !JSON_NODE_HOLDS_OBJECT (root))
    ok = ego_text_fail (error, EGO_ERROR_FORMAT, path, 0, "not a JSON object "
        "(ego-eval --json prints one)");
  else if (!single_object (text))
    ok = ego_text_fail (error, EGO_ERROR_FORMAT, path, 0, "not one object "
        "in plain JSON (ego-eval --json prints one; no comments, single "
        "quotes or hex numbers)");
  g_object_unref (parser);
  if (!ok)
    g_clear_pointer (&text, g_free);
  return text ? g_strstrip (text) : NULL;
}

/* ------------------------------------------------------------------------ */
/* The manifest */

static gboolean
parse_seed (const char *s, gint64 * seed)
{
  if (strcmp (s, "-") == 0) {
    *seed = -1;
    return TRUE;
  }
  return ego_parse_int (s, 0, G_MAXINT32, seed);
}

static gboolean
parse_gflops (const char *s, double *gflops)
{
  char *end;
  if (*s == '\0' || g_ascii_isspace (*s))
    return FALSE;
  *gflops = g_ascii_strtod (s, &end);
  return *end == '\0' && isfinite (*gflops) && *gflops >= 0.0;
}

/* The fields of a line; *why says what is wrong. */
static gboolean
parse_fields (char **f, int n, Line * l, const char **why)
{
  gboolean weighted;
  if (n != FIELDS && n != FIELDS + 1) {
    *why = "expected 7 or 8 tab-separated fields: name, role, weighting, "
        "seed, views, kind, path[, gflops]";
    return FALSE;
  }
  l->name = f[0];
  l->role = find (ego_results_roles, EGO_RESULTS_ROLES, f[1]);
  l->weighting = find (ego_results_weightings, EGO_RESULTS_WEIGHTINGS, f[2]);
  l->view = find (ego_results_views, EGO_RESULTS_VIEWS, f[4]);
  l->logits = strcmp (f[5], "logits") == 0;
  l->path = f[6];
  l->gflops = -1.0;
  weighted = l->role == EGO_RESULTS_FUSED || l->role == EGO_RESULTS_KD;
  *why = f[0][0] == '\0' ? "empty name" :
      l->role < 0 ? "role is not one of teacher-rgb, teacher-flow, "
      "teacher-audio, teacher-layout, teacher-fused, student-kd, "
      "student-labels, multimodal-labels" :
      weighted && l->weighting < 0 ? "weighting must be uniform, per-sample "
      "or full-dataset for teacher-fused and student-kd" :
      !weighted && strcmp (f[2], "-") != 0 ? "weighting must be - for this "
      "role" :
      !parse_seed (f[3], &l->seed) ? "seed is not - or an integer in "
      "0..2147483647" :
      l->view < 0 ? "views is not 1x1 or 2x3" :
      !l->logits && strcmp (f[5], "eval") != 0 ? "kind is not eval or "
      "logits" :
      f[6][0] == '\0' ? "empty path" :
      n > FIELDS && !l->logits ? "a gflops column is for logits lines only "
      "(an ego-eval object carries its own)" :
      n > FIELDS && !parse_gflops (f[7], &l->gflops) ? "gflops is not a "
      "finite number >= 0" : NULL;
  return *why == NULL;
}

/* The run of the line's name and seed, added when new. */
static EgoResultsRun *
run_of (EgoResults * r, const Line * l, const char **why)
{
  EgoResultsRun *run;
  for (guint i = 0; i < r->runs->len; i++) {
    run = g_ptr_array_index (r->runs, i);
    if (strcmp (run->name, l->name) != 0)
      continue;
    if (run->role != l->role || run->weighting != l->weighting) {
      *why = "this name was given another role or weighting before";
      return NULL;
    }
    if (run->seed == l->seed)
      return run;
  }
  run = g_new0 (EgoResultsRun, 1);
  run->name = g_strdup (l->name);
  run->role = l->role;
  run->weighting = l->weighting;
  run->seed = l->seed;
  g_ptr_array_add (r->runs, run);
  return run;
}

static gboolean
add_line (EgoResults * r, Scorer * s, char **f, const char *manifest,
    int line, GError ** error)
{
  const char *why = NULL;
  Line l;
  EgoResultsRun *run;
  gchar *text;
  GError *err = NULL;
  if (!parse_fields (f, g_strv_length (f), &l, &why)
      || !(run = run_of (r, &l, &why)))
    return ego_text_fail (error, EGO_ERROR_FORMAT, manifest, line, "%s", why);
  if (run->text[l.view])
    return ego_text_fail (error, EGO_ERROR_INVALID, manifest, line, "%s seed "
        "%s views %s was given before, on line %d", l.name, f[3], f[4],
        run->line[l.view]);
  text = l.logits ? score_file (s, l.path, l.gflops, &err) :
      read_eval (l.path, &err);
  if (text == NULL) {
    ego_text_fail (error, err->domain == EGO_ERROR ? err->code :
        EGO_ERROR_IO, manifest, line, "%s", err->message);
    g_error_free (err);
    return FALSE;
  }
  run->text[l.view] = text;
  run->eval[l.view] = json_from_string (text, NULL);
  run->line[l.view] = line;
  return TRUE;
}

gboolean
ego_results_read_manifest (EgoResults * r, const char *path,
    const EgoResultsLabels * labels, GError ** error)
{
  Scorer s = { 0 };
  char *text = NULL, **lines = NULL;
  gsize len;
  gboolean ok;
  s.where = labels;
  ok = ego_text_read (path, MAX_MANIFEST, &text, &len, error)
      && ego_text_check (path, text, len, error);
  r->runs = g_ptr_array_new ();
  if (ok)
    lines = g_strsplit (text, "\n", -1);
  for (int i = 0; ok && lines[i]; i++) {
    char *line = lines[i], **fields;
    gsize n = strlen (line);
    if (n && line[n - 1] == '\r')
      line[n - 1] = '\0';
    if (line[0] == '\0' || line[0] == '#')
      continue;
    fields = g_strsplit (line, "\t", -1);
    ok = add_line (r, &s, fields, path, i + 1, error);
    g_strfreev (fields);
  }
  if (ok && r->runs->len == 0)
    ok = ego_text_fail (error, EGO_ERROR_INVALID, path, 0, "no evaluations");
  r->noun_from_verb = -1.0;
  if (ok && labels->data && (s.ds || (ok = scorer_open (&s, error))))
    r->noun_from_verb = noun_from_verb (&s);
  g_strfreev (lines);
  g_free (text);
  scorer_clear (&s);
  return ok;
}

gboolean
ego_results_read_probe (EgoResults * r, const char *spec, GError ** error)
{
  const char *eq = strchr (spec, '=');
  EgoResultsRun *run;
  gchar *text;
  if (eq == NULL || eq == spec || eq[1] == '\0') {
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "--probe %s: not "
        "NAME=FILE", spec);
    return FALSE;
  }
  if ((text = read_eval (eq + 1, error)) == NULL)
    return FALSE;
  run = g_new0 (EgoResultsRun, 1);
  run->name = g_strndup (spec, eq - spec);
  run->role = run->weighting = -1;
  run->seed = -1;
  run->text[EGO_RESULTS_1X1] = text;
  run->eval[EGO_RESULTS_1X1] = json_from_string (text, NULL);
  if (r->probes == NULL)
    r->probes = g_ptr_array_new ();
  g_ptr_array_add (r->probes, run);
  return TRUE;
}

static void
runs_free (GPtrArray * runs)
{
  for (guint i = 0; runs && i < runs->len; i++) {
    EgoResultsRun *run = g_ptr_array_index (runs, i);
    g_free (run->name);
    for (int v = 0; v < EGO_RESULTS_VIEWS; v++) {
      g_free (run->text[v]);
      if (run->eval[v])
        json_node_unref (run->eval[v]);
    }
    g_free (run);
  }
  if (runs)
    g_ptr_array_unref (runs);
}

void
ego_results_clear (EgoResults * r)
{
  runs_free (r->runs);
  runs_free (r->probes);
  r->runs = r->probes = NULL;
}
