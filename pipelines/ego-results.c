/* ego-results: the tables of a reproduction.
 *
 *   ego-results --manifest FILE --out DIR [--data DIR --split S]
 *       [--flow-gflops X] [--probe NAME=FILE ...]
 *
 * Reads a manifest of evaluations and writes DIR/results.json (README,
 * Files and formats: one model per name and seed, its views merged) and
 * DIR/results.md (a table of every configuration with the mean and spread
 * over seeds, then the paper's claims checked against the numbers). Both
 * files are written through a temporary file renamed into place, and only
 * when every line of the manifest was read.
 *
 * The manifest is text, one evaluation a line, tab-separated; blank lines
 * and lines starting with '#' are skipped:
 *
 *   name  role  weighting  seed  views  kind  path  [gflops]
 *
 *   name       the configuration (e.g. student-kd-uniform); the lines of a
 *              name share its role and weighting
 *   role       teacher-rgb, teacher-flow, teacher-audio, teacher-layout,
 *              teacher-fused, student-kd, student-labels or
 *              multimodal-labels
 *   weighting  uniform, per-sample or full-dataset for teacher-fused and
 *              student-kd; - for the other roles (null in results.json)
 *   seed       an integer, or - (null)
 *   views      1x1 or 2x3
 *   kind       eval: path is the JSON object ego-eval --json printed, copied
 *              as it is; logits: path holds teacher-logits JSON lines
 *              ({"narration_id", "verb": [...], "noun": [...]}, e.g. a
 *              fused teacher from ego-fuse), scored against the labels of
 *              --data and --split into the same object as ego-eval's
 *   path       relative to the current folder
 *   gflops     logits lines only: the object's gflops_per_view (else null)
 *
 * A bad line fails with "<manifest>:<line>: <reason>". --flow-gflops adds
 * the cost of computing optical flow to the teachers' total. --probe names
 * an ego-eval JSON object of a model trained only to show what one input
 * can tell (a single RGB frame); probes appear in results.md's table of
 * what each modality sees, with the unimodal teachers, and not in
 * results.json. */
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>

#include "egoresults.h"
#include "egolocale.h"

typedef struct
{
  gchar *manifest, *out, *data, *split;
  gchar **probes;
  gdouble flow_gflops;
} Options;

static const char description[] =
    "The manifest: one evaluation a line, tab-separated ('#' starts a "
    "comment line):\n"
    "  name  role  weighting  seed  views  kind  path  [gflops]\n"
    "role: teacher-rgb, teacher-flow, teacher-audio, teacher-layout,\n"
    "  teacher-fused, student-kd, student-labels, multimodal-labels\n"
    "weighting: uniform, per-sample or full-dataset (teacher-fused and\n"
    "  student-kd), else -\n"
    "seed: an integer or -;  views: 1x1 or 2x3\n"
    "kind: eval (path: the JSON of ego-eval --json) or logits (path:\n"
    "  teacher-logits JSON lines, scored against --data/--split labels)\n"
    "gflops: for logits lines, the GFLOPs per view (else null)\n"
    "Writes OUT/results.json and OUT/results.md.\n";

static gboolean
parse_options (int *argc, char ***argv, Options * o, GError ** error)
{
  GOptionEntry entries[] = {
    {"manifest", 'm', 0, G_OPTION_ARG_FILENAME, &o->manifest,
        "The evaluations (format below)", "FILE"},
    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &o->out,
        "Folder for results.json and results.md", "DIR"},
    {"data", 'd', 0, G_OPTION_ARG_FILENAME, &o->data,
        "Dataset whose labels score the logits lines", "DIR"},
    {"split", 's', 0, G_OPTION_ARG_STRING, &o->split,
        "Split of the logits lines (validation)", "S"},
    {"flow-gflops", 0, 0, G_OPTION_ARG_DOUBLE, &o->flow_gflops,
        "GFLOPs of the optical flow per view, added to the teachers (0)", "X"},
    {"probe", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->probes,
        "A model that shows what one input tells (ego-eval JSON), for the "
          "balance table; repeatable", "NAME=FILE"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- the tables of a "
      "reproduction");
  gboolean ok;
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx, description);
  ok = g_option_context_parse (ctx, argc, argv, error);
  g_option_context_free (ctx);
  if (ok && (o->manifest == NULL || o->out == NULL))
    ok = (g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
            "--manifest and --out are required (see --help)"), FALSE);
  else if (ok && (!isfinite (o->flow_gflops) || o->flow_gflops < 0))
    ok = (g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
            "--flow-gflops must be a finite number >= 0"), FALSE);
  if (ok && o->split == NULL)
    o->split = g_strdup ("validation");
  return ok;
}

static gboolean
write_file (const char *dir, const char *name, const char *text,
    GError ** error)
{
  gchar *path = g_build_filename (dir, name, NULL);
  /* a temporary file renamed over path */
  gboolean ok = g_file_set_contents (path, text, -1, error);
  g_free (path);
  return ok;
}

static gboolean
run (const Options * o, GError ** error)
{
  EgoResultsLabels labels = { o->data, o->split };
  EgoResults r = { NULL, o->flow_gflops, NULL, -1.0 };
  gchar *json = NULL, *md = NULL;
  gboolean ok = ego_results_read_manifest (&r, o->manifest, &labels, error);
  for (int i = 0; ok && o->probes && o->probes[i]; i++)
    ok = ego_results_read_probe (&r, o->probes[i], error);
  if (ok) {
    json = ego_results_json (&r);
    md = ego_results_markdown (&r);
    if (g_mkdir_with_parents (o->out, 0755) != 0)
      ok = (g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
              "%s: %s", o->out, g_strerror (errno)), FALSE);
  }
  ok = ok && write_file (o->out, "results.json", json, error)
      && write_file (o->out, "results.md", md, error);
  g_free (json);
  g_free (md);
  ego_results_clear (&r);
  return ok;
}

int
main (int argc, char **argv)
{
  Options o = { 0 };
  GError *error = NULL;
  gboolean ok;
  ego_tool_init_locale ();
  ok = parse_options (&argc, &argv, &o, &error) && run (&o, &error);
  if (!ok) {
    fprintf (stderr, "ego-results: %s\n", error->message);
    g_error_free (error);
  }
  g_free (o.manifest);
  g_free (o.out);
  g_free (o.data);
  g_free (o.split);
  g_strfreev (o.probes);
  return ok ? 0 : 1;
}
