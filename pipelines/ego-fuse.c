/* ego-fuse: fuse the logits of several teachers into one teacher.
 *
 *   ego-fuse --data DIR [--split train]
 *       --scheme uniform|per-sample|full-dataset [--tau-w X]
 *       --teacher NAME=FILE [--teacher NAME=FILE ...]
 *       [--held-out-split S | --held-out FILE] --out FUSED.jsonl
 *       [--weights-json FILE] [--json]
 *
 * Every teacher FILE holds logits as JSON lines (README, Files and formats:
 * the format ego-eval --logits writes); the heads (verb, noun) and their class
 * counts come from the dataset's class files, the clips and labels from
 * DIR/annotations/<split>.csv (no media is needed). Per head, the teachers
 * are weighted by the chosen scheme (models/fusion.h): the
 * full-dataset weights are measured on held-out clips, named by a split
 * (--held-out-split) or by a file of narration ids of --split, one a line
 * (--held-out; blank lines and lines starting with '#' are skipped). Writes
 * the fused logits of every clip of the split to --out in the same format,
 * through a temporary file renamed into place; prints per head each
 * teacher's weight (per-sample: its mean over the clips) and each teacher's
 * and the fused logits' top-1 accuracy, as one JSON object with --json
 * (egofuse.h). --weights-json writes that object to a file, with every
 * clip's weights under per-sample. */
#include <math.h>
#include <string.h>

#include "dataset_csv.h"
#include "egofuse.h"
#include "egoteacherlogits.h"
#include "egolocale.h"

typedef struct
{
  gchar *data, *split, *scheme, *held_out_split, *held_out, *out;
  gchar *weights_json;
  gchar **teachers;
  gdouble tau_w;
  gboolean json;
} Options;

typedef struct
{
  EgoFuse f;
  gchar **files;                /* (m) teacher logits */
  EgoTeacherLogits **teachers;  /* (m) */
  char **verbs, **nouns;
  EgoDataset *ds, *held_ds;
} Fuser;

/* *INDENT-OFF* */
static gboolean fail (GError ** error, const char *format, ...)
    G_GNUC_PRINTF (2, 3);
/* *INDENT-ON* */

/* Sets error to the message; FALSE for tail calls. */
static gboolean
fail (GError ** error, const char *format, ...)
{
  va_list args;
  gchar *message;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, EGO_ERROR, EGO_ERROR_INVALID, message);
  g_free (message);
  return FALSE;
}

static gboolean
parse_options (int *argc, char ***argv, Options * o, GError ** error)
{
  GOptionEntry entries[] = {
    {"data", 'd', 0, G_OPTION_ARG_FILENAME, &o->data, "Dataset folder",
        "DIR"},
    {"split", 's', 0, G_OPTION_ARG_STRING, &o->split,
        "Split whose clips to fuse (train)", "S"},
    {"scheme", 0, 0, G_OPTION_ARG_STRING, &o->scheme, "Weighting: uniform, "
          "per-sample or full-dataset", "NAME"},
    {"tau-w", 0, 0, G_OPTION_ARG_DOUBLE, &o->tau_w,
        "Temperature of the weights (1)", "X"},
    {"teacher", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->teachers,
        "A teacher's logits (JSON lines), once per teacher", "NAME=FILE"},
    {"held-out-split", 0, 0, G_OPTION_ARG_STRING, &o->held_out_split,
        "Split measuring full-dataset weights", "S"},
    {"held-out", 0, 0, G_OPTION_ARG_FILENAME, &o->held_out,
        "Narration ids of --split measuring full-dataset weights", "FILE"},
    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &o->out,
        "Fused logits (JSON lines)", "FILE"},
    {"weights-json", 0, 0, G_OPTION_ARG_FILENAME, &o->weights_json,
        "Write the weights as JSON", "FILE"},
    {"json", 'j', 0, G_OPTION_ARG_NONE, &o->json, "Print one JSON object",
        NULL},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- fuse teachers' logits");
  gboolean ok;
  g_option_context_add_main_entries (ctx, entries, NULL);
  ok = g_option_context_parse (ctx, argc, argv, error);
  g_option_context_free (ctx);
  if (ok && *argc > 1)
    return fail (error, "unexpected argument '%s' (see --help)", (*argv)[1]);
  if (ok && (o->data == NULL || o->out == NULL || o->scheme == NULL
          || o->teachers == NULL))
    return fail (error, "--data DIR, --scheme NAME, --teacher NAME=FILE and "
        "--out FILE are needed (see --help)");
  return ok;
}

/* Scheme, temperature, held-out choice and NAME=FILE pairs. */
static gboolean
check_options (const Options * o, Fuser * u, GError ** error)
{
  EgoFuse *f = &u->f;
  gboolean full;
  if (!ego_fusion_scheme_parse (o->scheme, &f->scheme, error))
    return FALSE;
  full = f->scheme == EGO_FUSION_FULL_DATASET;
  if (!isfinite (o->tau_w) || o->tau_w <= 0.0)
    return fail (error, "--tau-w must be positive, not %g", o->tau_w);
  if (full && (o->held_out_split == NULL) == (o->held_out == NULL))
    return fail (error, "full-dataset weights need held-out clips: give "
        "either --held-out-split S or --held-out FILE");
  if (!full && (o->held_out_split || o->held_out))
    return fail (error, "held-out clips are for the full-dataset scheme "
        "only, not %s", o->scheme);
  f->tau_w = o->tau_w;
  f->m = (int) g_strv_length (o->teachers);
  f->names = g_new0 (gchar *, f->m + 1);
  u->files = g_new0 (gchar *, f->m + 1);
  for (int i = 0; i < f->m; i++) {
    const char *eq = strchr (o->teachers[i], '=');
    if (eq == NULL || eq == o->teachers[i] || eq[1] == '\0')
      return fail (error, "--teacher %s: give NAME=FILE", o->teachers[i]);
    f->names[i] = g_strndup (o->teachers[i], eq - o->teachers[i]);
    u->files[i] = g_strdup (eq + 1);
    if (strcmp (f->names[i], "fused") == 0)
      return fail (error, "--teacher %s: \"fused\" names the fused "
          "teacher", o->teachers[i]);
    for (int j = 0; j < i; j++)
      if (strcmp (f->names[j], f->names[i]) == 0)
        return fail (error, "--teacher %s: two teachers are called %s",
            o->teachers[i], f->names[i]);
  }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Clips and labels (the annotations only: no media is looked for) */

static gboolean
split_name_ok (const char *split)
{
  if (split[0] == '\0' || split[0] == '.')
    return FALSE;
  for (const char *p = split; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      return FALSE;
  return TRUE;
}

static EgoDataset *
open_split (Fuser * u, const char *dir, const char *split,
    gboolean need_labels, GError ** error)
{
  char *file = g_strconcat (split, ".csv", NULL);
  char *path = g_build_filename (dir, "annotations", file, NULL);
  char *text = NULL;
  gsize len;
  EgoDataset *ds = NULL;
  if (!split_name_ok (split))
    fail (error, "split name %s is not a plain file name", split);
  else if (ego_text_read (path, EGO_DATASET_MAX_FILE, &text, &len, error))
    ds = ego_dataset_parse (path, text, len, need_labels,
        (const char *const *) u->verbs, (const char *const *) u->nouns, error);
  if (ds && ego_dataset_n_clips (ds) == 0) {
    fail (error, "%s: has no clips", path);
    g_clear_pointer (&ds, ego_dataset_free);
  }
  g_free (text);
  g_free (path);
  g_free (file);
  return ds;
}

/* The clips set->clips[0 .. n) of ds: their labels. */
static void
clips_init (EgoFuseClips * set, const EgoDataset * ds, int n, const char *name)
{
  set->ds = ds;
  set->n = n;
  set->labelled = TRUE;
  for (int h = 0; h < EGO_FUSE_HEADS; h++)
    set->labels[h] = g_new (int32_t, n);
  for (int r = 0; r < n; r++) {
    const EgoClip *clip = ego_dataset_clip (ds, set->clips[r]);
    set->labels[0][r] = clip->verb_class;
    set->labels[1][r] = clip->noun_class;
    set->labelled &= clip->verb_class >= 0 && clip->noun_class >= 0;
  }
  set->what = g_strdup_printf ("%d clips of %s", n, name);
}

static void
clips_all (EgoFuseClips * set, const EgoDataset * ds, const char *name)
{
  int n = ego_dataset_n_clips (ds);
  set->clips = g_new (int, n);
  for (int r = 0; r < n; r++)
    set->clips[r] = r;
  clips_init (set, ds, n, name);
}

/* The held-out clips named by a file of narration ids of the split. */
static gboolean
clips_from_file (EgoFuseClips * set, const EgoDataset * ds,
    const char *path, const char *split, GError ** error)
{
  char *text = NULL, **lines;
  gsize len;
  int n;
  GArray *clips = g_array_new (FALSE, FALSE, sizeof (int));
  GHashTable *seen = g_hash_table_new (g_direct_hash, g_direct_equal);
  gboolean ok = ego_text_read (path, EGO_DATASET_MAX_FILE, &text, &len,
      error) && ego_text_check (path, text, len, error);
  lines = g_strsplit (ok ? text : "", "\n", -1);
  for (int l = 0; ok && lines[l]; l++) {
    const char *id = g_strstrip (lines[l]);
    int c;
    if (id[0] == '\0' || id[0] == '#')
      continue;
    if ((c = ego_dataset_find_clip (ds, id)) < 0)
      ok = ego_text_fail (error, EGO_ERROR_INVALID, path, l + 1, "clip %s is "
          "not in the %s split", id, split);
    else if (!g_hash_table_add (seen, GINT_TO_POINTER (c)))
      ok = ego_text_fail (error, EGO_ERROR_INVALID, path, l + 1, "clip %s is "
          "listed twice", id);
    else if (ego_dataset_clip (ds, c)->verb_class < 0
        || ego_dataset_clip (ds, c)->noun_class < 0)
      ok = ego_text_fail (error, EGO_ERROR_INVALID, path, l + 1, "clip %s "
          "has no labels", id);
    else
      g_array_append_val (clips, c);
  }
  n = (int) clips->len;
  if (ok && n == 0)
    ok = ego_text_fail (error, EGO_ERROR_INVALID, path, 0, "names no clips");
  set->clips = (int *) g_array_free (clips, FALSE);
  if (ok)
    clips_init (set, ds, n, path);
  g_strfreev (lines);
  g_hash_table_unref (seen);
  g_free (text);
  return ok;
}

static gboolean
load_clips (const Options * o, Fuser * u, GError ** error)
{
  EgoFuse *f = &u->f;
  gboolean full = f->scheme == EGO_FUSION_FULL_DATASET;
  int n_verbs = 0, n_nouns = 0;
  u->verbs = ego_dataset_read_classes (o->data, "verb_classes.csv", &n_verbs,
      error);
  u->nouns = u->verbs ? ego_dataset_read_classes (o->data, "noun_classes.csv",
      &n_nouns, error) : NULL;
  if (u->nouns == NULL)
    return FALSE;
  f->heads[0] = g_strdup ("verb");
  f->heads[1] = g_strdup ("noun");
  f->classes[0] = n_verbs;
  f->classes[1] = n_nouns;
  u->ds = open_split (u, o->data, o->split,
      f->scheme == EGO_FUSION_PER_SAMPLE, error);
  if (u->ds == NULL)
    return FALSE;
  clips_all (&f->split, u->ds, o->split);
  if (full && o->held_out)
    return clips_from_file (&f->held, u->ds, o->held_out, o->split, error);
  if (full && !(u->held_ds = open_split (u, o->data, o->held_out_split,
              TRUE, error)))
    return FALSE;
  if (full)
    clips_all (&f->held, u->held_ds, o->held_out_split);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Logits and fusion */

static gboolean
load_teachers (Fuser * u, GError ** error)
{
  EgoFuse *f = &u->f;
  u->teachers = g_new0 (EgoTeacherLogits *, f->m);
  for (int i = 0; i < f->m; i++) {
    u->teachers[i] = ego_teacher_logits_load (u->files[i], EGO_FUSE_HEADS,
        f->heads, f->classes, error);
    if (u->teachers[i] == NULL)
      return FALSE;
  }
  return TRUE;
}

/* out (m, set->n, k): the teachers' logits of head h for the clips. */
static gboolean
gather (const Fuser * u, const EgoFuseClips * set, int h, float *out,
    GError ** error)
{
  size_t k = (size_t) u->f.classes[h];
  for (int i = 0; i < u->f.m; i++) {
    int missing = 0, first = -1;
    for (int r = 0; r < set->n; r++) {
      const float *z = ego_teacher_logits_lookup (u->teachers[i],
          ego_fuse_clip_id (set, r), h);
      if (z == NULL && missing++ == 0)
        first = r;
      if (z != NULL)
        memcpy (out + ((size_t) i * set->n + r) * k, z, sizeof (float) * k);
    }
    if (missing) {
      const EgoClip *clip = ego_dataset_clip (set->ds, set->clips[first]);
      return fail (error, "%s: no line for clip %s (%s:%d); %d of the %s "
          "have none", u->files[i], clip->narration_id,
          ego_dataset_csv_name (set->ds), clip->line, missing, set->what);
    }
  }
  return TRUE;
}

static float *
try_alloc (size_t a, size_t b, size_t c, GError ** error)
{
  float *p = (a && b > G_MAXSIZE / a / sizeof (float)) ? NULL :
      g_try_malloc_n (MAX (a * b, 1), sizeof (float) * MAX (c, 1));
  if (p == NULL)
    fail (error, "out of memory for %zu x %zu x %zu logits", a, b, c);
  return p;
}

static gboolean
fuse_head (Fuser * u, int h, GError ** error)
{
  EgoFuse *f = &u->f;
  size_t m = f->m, n = f->split.n, k = f->classes[h];
  gboolean ok;
  if (!(f->logits[h] = try_alloc (m, n, k, error))
      || !(f->weights[h] = try_alloc (m, n, 1, error))
      || !(f->fused[h] = try_alloc (n, k, 1, error))
      || !gather (u, &f->split, h, f->logits[h], error))
    return FALSE;
  if (f->scheme == EGO_FUSION_FULL_DATASET) {
    float *held = try_alloc (m, f->held.n, k, error);
    f->dataset_weights[h] = g_new (float, m);
    ok = held && gather (u, &f->held, h, held, error)
        && ego_fusion_dataset_weights (held, f->held.labels[h], f->m,
        f->held.n, (int) k, f->tau_w, f->dataset_weights[h], error);
    g_free (held);
    if (!ok)
      return FALSE;
  }
  if (!ego_fusion_weights (f->scheme, f->logits[h], f->split.labels[h], f->m,
          f->split.n, (int) k, f->tau_w, f->dataset_weights[h],
          f->weights[h], error))
    return FALSE;
  ego_fusion_apply (f->logits[h], f->weights[h], f->m, f->split.n, (int) k,
      f->fused[h]);
  return TRUE;
}

/* ------------------------------------------------------------------------ */

static gboolean
run (const Options * o, Fuser * u, GError ** error)
{
  gboolean ok = check_options (o, u, error) && load_clips (o, u, error)
      && load_teachers (u, error);
  gchar *summary;
  for (int h = 0; ok && h < EGO_FUSE_HEADS; h++)
    ok = fuse_head (u, h, error);
  if (!ok || !ego_fuse_write_logits (&u->f, o->out, error))
    return FALSE;
  if (o->weights_json) {
    summary = ego_fuse_summary_json (&u->f, TRUE);
    ok = g_file_set_contents (o->weights_json, summary, -1, error);
    g_free (summary);
  }
  if (ok && o->json) {
    summary = ego_fuse_summary_json (&u->f, FALSE);
    g_print ("%s\n", summary);
    g_free (summary);
  } else if (ok) {
    ego_fuse_print_table (&u->f);
  }
  return ok;
}

static void
clips_clear (EgoFuseClips * set)
{
  g_free (set->clips);
  for (int h = 0; h < EGO_FUSE_HEADS; h++)
    g_free (set->labels[h]);
  g_free (set->what);
}

static void
fuser_clear (Fuser * u)
{
  EgoFuse *f = &u->f;
  for (int i = 0; u->teachers && i < f->m; i++)
    ego_teacher_logits_free (u->teachers[i]);
  g_free (u->teachers);
  for (int h = 0; h < EGO_FUSE_HEADS; h++) {
    g_free (f->heads[h]);
    g_free (f->logits[h]);
    g_free (f->weights[h]);
    g_free (f->dataset_weights[h]);
    g_free (f->fused[h]);
  }
  clips_clear (&f->split);
  clips_clear (&f->held);
  g_strfreev (f->names);
  g_strfreev (u->files);
  g_strfreev (u->verbs);
  g_strfreev (u->nouns);
  g_clear_pointer (&u->ds, ego_dataset_free);
  g_clear_pointer (&u->held_ds, ego_dataset_free);
}

int
main (int argc, char **argv)
{
  Options o = { 0 };
  Fuser u = { 0 };
  GError *error = NULL;
  int status = 0;
  ego_tool_init_locale ();
  o.tau_w = 1.0;
  if (!parse_options (&argc, &argv, &o, &error))
    status = 2;
  else if (o.split == NULL)
    o.split = g_strdup ("train");
  if (status == 0 && !run (&o, &u, &error))
    status = 1;
  if (status)
    g_printerr ("ego-fuse: %s\n", error ? error->message : "failed");
  g_clear_error (&error);
  fuser_clear (&u);
  g_free (o.data);
  g_free (o.split);
  g_free (o.scheme);
  g_free (o.held_out_split);
  g_free (o.held_out);
  g_free (o.out);
  g_free (o.weights_json);
  g_strfreev (o.teachers);
  return status;
}
