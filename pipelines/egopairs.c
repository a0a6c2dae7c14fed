/* --reversed-pairs and --noun-by-verb, see egopairs.h. */
#include <string.h>

#include <json-glib/json-glib.h>

#include "ego_error.h"
#include "egopairs.h"
#include "metrics.h"

/* The index of class key in head h, or -1. */
static int
class_index (const EgoModelMeta * meta, int h, const char *key)
{
  for (int c = 0; c < meta->heads[h].n_labels; c++)
    if (strcmp (meta->heads[h].labels[c], key) == 0)
      return c;
  return -1;
}

/* Whether class c is in one of the pairs so far. */
static gboolean
paired (const EgoPairs * p, int c)
{
  for (int i = 0; i < 2 * p->n; i++)
    if (p->pairs[i] == c)
      return TRUE;
  return FALSE;
}

/* The head holding key (the first such), or -1. */
static int
head_of (const EgoModelMeta * meta, const char *key)
{
  for (int h = 0; h < meta->n_heads; h++)
    if (class_index (meta, h, key) >= 0)
      return h;
  return -1;
}

static gboolean
add_pair (const char *item, const EgoModelMeta * meta, EgoPairs * p,
    GError ** error)
{
  gchar **ab = g_strsplit (item, "/", -1);
  int a, b;
  gboolean ok = FALSE;
  if (g_strv_length (ab) != 2 || !*ab[0] || !*ab[1])
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "--reversed-pairs: "
        "\"%s\" is not two classes as a/b", item);
  else if (p->n == EGO_PAIRS_MAX)
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "--reversed-pairs: "
        "more than %d pairs", EGO_PAIRS_MAX);
  else if (p->head < 0 && (p->head = head_of (meta, ab[0])) < 0)
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "--reversed-pairs: "
        "the model has no class \"%s\"", ab[0]);
  else if ((a = class_index (meta, p->head, ab[0])) < 0
      || (b = class_index (meta, p->head, ab[1])) < 0)
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "--reversed-pairs: "
        "the model's %s head has no class \"%s\"", meta->heads[p->head].name,
        class_index (meta, p->head, ab[0]) < 0 ? ab[0] : ab[1]);
  else if (a == b)
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "--reversed-pairs: "
        "\"%s\" pairs a class with itself", item);
  else if (paired (p, a) || paired (p, b))
    g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "--reversed-pairs: "
        "\"%s\" is in another pair too", paired (p, a) ? ab[0] : ab[1]);
  else {
    p->pairs[2 * p->n] = a;
    p->pairs[2 * p->n + 1] = b;
    p->n++;
    ok = TRUE;
  }
  g_strfreev (ab);
  return ok;
}

gboolean
ego_pairs_parse (const char *spec, const EgoModelMeta * meta, EgoPairs * p,
    GError ** error)
{
  gchar **items;
  gboolean ok = TRUE;
  p->head = -1;
  p->n = 0;
  p->noun_by_verb = FALSE;
  if (spec == NULL || *spec == '\0')
    return TRUE;
  items = g_strsplit (spec, ",", -1);
  for (int i = 0; ok && items[i]; i++)
    ok = add_pair (g_strstrip (items[i]), meta, p, error);
  g_strfreev (items);
  return ok;
}

/* The figure over pairs [first, first + n), or -1 without pairs or clips
 * of them. */
static double
accuracy_of (const EgoPairs * p, int first, int n,
    const EgoModelMeta * meta, const EgoEvalResult * r, int *clips)
{
  *clips = 0;
  if (p->head < 0 || p->n == 0 || p->head >= r->n_heads)
    return -1.0;
  return ego_pair_accuracy (r->logits[p->head], r->labels[p->head],
      r->clips, meta->heads[p->head].n_labels, p->pairs + 2 * first, n,
      clips);
}

static double
accuracy (const EgoPairs * p, const EgoModelMeta * meta,
    const EgoEvalResult * r, int *clips)
{
  return accuracy_of (p, 0, p->n, meta, r, clips);
}


/* "a/b", JSON-quoted when quote is set; free with g_free */
static gchar *
pair_name (const EgoPairs * p, int i, const EgoModelMeta * meta,
    gboolean quote)
{
  const EgoHeadMeta *h = &meta->heads[p->head];
  gchar *name = g_strdup_printf ("%s/%s", h->labels[p->pairs[2 * i]],
      h->labels[p->pairs[2 * i + 1]]);
  gchar *quoted;
  if (!quote)
    return name;
  quoted = ego_json_quote (name);
  g_free (name);
  return quoted;
}

/* ", \"pairs\": {\"take/put\": {\"accuracy\": x, \"clips\": n}, ...}",
 * each pair on its own, those without clips left out: which directions a
 * model's input shows and which it does not */
static void
per_pair_append_json (GString * out, const EgoPairs * p,
    const EgoModelMeta * meta, const EgoEvalResult * r)
{
  char num[G_ASCII_DTOSTR_BUF_SIZE];
  int first = 1;
  g_string_append (out, ", \"pairs\": {");
  for (int i = 0; i < p->n; i++) {
    int clips;
    double v = accuracy_of (p, i, 1, meta, r, &clips);
    gchar *name;
    if (v < 0)
      continue;
    name = pair_name (p, i, meta, TRUE);
    g_string_append_printf (out, "%s%s: {\"accuracy\": %s, \"clips\": %d}",
        first ? "" : ", ", name, g_ascii_formatd (num, sizeof (num), "%.3f",
            v), clips);
    first = 0;
    g_free (name);
  }
  g_string_append_c (out, '}');
}

/* Noun top-1 and clips per true verb into top1, counts (verb classes);
 * returns the verb head, or NULL when the model lacks either head. */
static const EgoHeadMeta *
noun_by_verb (const EgoModelMeta * meta, const EgoEvalResult * r,
    double **top1, int **counts)
{
  int v = ego_model_meta_head (meta, "verb");
  int n = ego_model_meta_head (meta, "noun");
  int n_verbs;
  if (v < 0 || n < 0 || v >= r->n_heads || n >= r->n_heads)
    return NULL;
  n_verbs = meta->heads[v].n_labels;
  *top1 = g_new (double, n_verbs);
  *counts = g_new (int, n_verbs);
  ego_top1_by_group (r->logits[n], r->labels[n], r->labels[v], r->clips,
      meta->heads[n].n_labels, n_verbs, *top1, *counts);
  return &meta->heads[v];
}

/* ", \"noun_by_verb\": {\"take\": {\"top1\": x, \"clips\": n}, ...}" in
 * the verb head's class order, verbs without clips left out; nothing when
 * the model has no verb or no noun head. */
static void
noun_by_verb_append_json (GString * out, const EgoModelMeta * meta,
    const EgoEvalResult * r)
{
  char num[G_ASCII_DTOSTR_BUF_SIZE];
  double *top1;
  int *counts, v, first = 1;
  const EgoHeadMeta *verbs = noun_by_verb (meta, r, &top1, &counts);
  if (verbs == NULL)
    return;
  g_string_append (out, ", \"noun_by_verb\": {");
  for (v = 0; v < verbs->n_labels; v++) {
    gchar *quoted;
    if (counts[v] == 0)
      continue;
    quoted = ego_json_quote (verbs->labels[v]);
    g_string_append_printf (out, "%s%s: {\"top1\": %s, \"clips\": %d}",
        first ? "" : ", ", quoted, g_ascii_formatd (num, sizeof (num),
            "%.3f", top1[v]), counts[v]);
    first = 0;
    g_free (quoted);
  }
  g_string_append_c (out, '}');
  g_free (top1);
  g_free (counts);
}

static void
noun_by_verb_print (const EgoModelMeta * meta, const EgoEvalResult * r)
{
  double *top1;
  int *counts;
  const EgoHeadMeta *verbs = noun_by_verb (meta, r, &top1, &counts);
  if (verbs == NULL)
    return;
  g_print ("%-16s %6s %11s\n", "true verb", "clips", "noun top-1");
  for (int v = 0; v < verbs->n_labels; v++)
    if (counts[v] > 0)
      g_print ("%-16s %6d %10.1f%%\n", verbs->labels[v], counts[v], top1[v]);
  g_free (top1);
  g_free (counts);
}

void
ego_pairs_append_json (GString * out, const EgoPairs * p,
    const EgoModelMeta * meta, const EgoEvalResult * r)
{
  char num[G_ASCII_DTOSTR_BUF_SIZE];
  int clips;
  double v = accuracy (p, meta, r, &clips);
  if (v >= 0) {
    gchar *quoted = ego_json_quote (meta->heads[p->head].name);
    g_string_append_printf (out, ", \"reversed_pairs\": {\"head\": %s, "
        "\"accuracy\": %s, \"clips\": %d", quoted,
        g_ascii_formatd (num, sizeof (num), "%.3f", v), clips);
    per_pair_append_json (out, p, meta, r);
    g_string_append_c (out, '}');
    g_free (quoted);
  }
  if (p->noun_by_verb)
    noun_by_verb_append_json (out, meta, r);
}

void
ego_pairs_print (const EgoPairs * p, const EgoModelMeta * meta,
    const EgoEvalResult * r)
{
  int clips;
  double v = accuracy (p, meta, r, &clips);
  if (v >= 0) {
    g_print ("reversed pairs (%s): direction right in %.1f%% of %d clips\n",
        meta->heads[p->head].name, v, clips);
    for (int i = 0; i < p->n; i++) {
      double one = accuracy_of (p, i, 1, meta, r, &clips);
      gchar *name;
      if (one < 0)
        continue;
      name = pair_name (p, i, meta, FALSE);
      g_print ("  %-28s %5.1f%% of %d clips\n", name, one, clips);
      g_free (name);
    }
  }
  if (p->noun_by_verb)
    noun_by_verb_print (meta, r);
}
