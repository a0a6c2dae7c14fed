/* ego-layout eval's output, see layoutoutput.h. */
#include "layoutoutput.h"

#include <json-glib/json-glib.h>

/* name: value with as many decimals as the figure means (json-glib would
 * print every digit of the double) */
static void
append_figure (GString * out, const char *name, double v, const char *fmt)
{
  char num[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append_printf (out, "\"%s\": %s", name,
      g_ascii_formatd (num, sizeof (num), fmt, v));
}

void
ego_layout_print_json (const EgoModelMeta * meta, const EgoEvalResult * r,
    const EgoPairs * pairs)
{
  GString *out = g_string_new ("{");
  for (int h = 0; h < r->n_heads; h++) {
    char *name = ego_json_quote (meta->heads[h].name);
    g_string_append_printf (out, "%s: {", name);
    append_figure (out, "top1", r->top1[h], "%.3f");
    g_string_append (out, ", ");
    append_figure (out, "top5", r->top5[h], "%.3f");
    g_string_append (out, ", ");
    append_figure (out, "ece", r->ece[h], "%.3f");
    g_string_append (out, "}, ");
    g_free (name);
  }
  if (r->action_top1 >= 0) {
    append_figure (out, "action_top1", r->action_top1, "%.3f");
    g_string_append (out, ", ");
  }
  g_string_append_printf (out, "\"clips\": %d, ", r->clips);
  append_figure (out, "gflops_per_view", r->gflops_per_view, "%.4g");
  ego_pairs_append_json (out, pairs, meta, r);
  g_print ("%s}\n", out->str);
  g_string_free (out, TRUE);
}

void
ego_layout_print_table (const EgoModelMeta * meta, const EgoEvalResult * r,
    const char *split, const EgoPairs * pairs)
{
  g_print ("%d clips of %s, %d frames, %.4f GFLOPs per view\n", r->clips,
      split, meta->frames, r->gflops_per_view);
  g_print ("%-8s %7s %7s %7s\n", "head", "top-1", "top-5", "ECE");
  for (int h = 0; h < r->n_heads; h++)
    g_print ("%-8s %6.1f%% %6.1f%% %6.1f%%\n", meta->heads[h].name,
        r->top1[h], r->top5[h], r->ece[h]);
  if (r->action_top1 >= 0)
    g_print ("%-8s %6.1f%%\n", "action", r->action_top1);
  ego_pairs_print (pairs, meta, r);
}

static void
append_clip (GString * out, const EgoModelMeta * meta,
    const EgoEvalResult * r, const char *narration_id, int i)
{
  char *id = ego_json_quote (narration_id);
  g_string_append_printf (out, "{\"narration_id\": %s", id);
  g_free (id);
  for (int h = 0; h < r->n_heads; h++) {
    int k = meta->heads[h].n_labels;
    char *name = ego_json_quote (meta->heads[h].name);
    g_string_append_printf (out, ", %s: [", name);
    g_free (name);
    for (int c = 0; c < k; c++) {
      char num[G_ASCII_DTOSTR_BUF_SIZE];
      /* enough digits to read back the same float */
      g_ascii_formatd (num, sizeof (num), "%.9g",
          r->logits[h][(gsize) i * k + c]);
      g_string_append_printf (out, "%s%s", c ? ", " : "", num);
    }
    g_string_append_c (out, ']');
  }
  g_string_append (out, "}\n");
}

gboolean
ego_layout_write_logits (const EgoModelMeta * meta, const EgoEvalResult * r,
    const EgoDataset * ds, const char *path, GError ** error)
{
  GString *out = g_string_new (NULL);
  gboolean ok;
  for (int i = 0; i < r->clips; i++)
    append_clip (out, meta, r, ego_dataset_clip (ds, i)->narration_id, i);
  /* a temporary file renamed over path */
  ok = g_file_set_contents (path, out->str, (gssize) out->len, error);
  g_string_free (out, TRUE);
  return ok;
}
