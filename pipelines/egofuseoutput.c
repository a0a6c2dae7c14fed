/* ego-fuse's output: the fused logits, the JSON summary and the table, see
 * egofuse.h. */
#include "egofuse.h"

#include <json-glib/json-glib.h>

#include "metrics.h"

const char *
ego_fuse_clip_id (const EgoFuseClips * set, int r)
{
  return ego_dataset_clip (set->ds, set->clips[r])->narration_id;
}

/* Appends text as a JSON string literal. */
static void
append_string (GString * out, const char *text)
{
  JsonNode *node = json_node_init_string (json_node_alloc (), text);
  gchar *s = json_to_string (node, FALSE);
  g_string_append (out, s);
  g_free (s);
  json_node_unref (node);
}

/* Appends v with format, in the C locale. */
static void
append_number (GString * out, const char *format, double v)
{
  gchar num[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append (out, g_ascii_formatd (num, sizeof (num), format, v));
}

gboolean
ego_fuse_write_logits (const EgoFuse * f, const char *path, GError ** error)
{
  GString *out = g_string_new (NULL);
  gboolean ok;
  for (int r = 0; r < f->split.n; r++) {
    g_string_append (out, "{\"narration_id\": ");
    append_string (out, ego_fuse_clip_id (&f->split, r));
    for (int h = 0; h < EGO_FUSE_HEADS; h++) {
      int k = f->classes[h];
      g_string_append (out, ", ");
      append_string (out, f->heads[h]);
      g_string_append (out, ": [");
      for (int c = 0; c < k; c++) {
        if (c)
          g_string_append (out, ", ");
        /* %.9g reads back as the same float */
        append_number (out, "%.9g", f->fused[h][(size_t) r * k + c]);
      }
      g_string_append_c (out, ']');
    }
    g_string_append (out, "}\n");
  }
  ok = g_file_set_contents (path, out->str, (gssize) out->len, error);
  g_string_free (out, TRUE);
  return ok;
}

/* Teacher i's weight on head h: the fixed one, or its mean over clips. */
static double
teacher_weight (const EgoFuse * f, int h, int i)
{
  const float *w = f->weights[h] + (size_t) i * f->split.n;
  double sum = 0.0;
  for (int r = 0; r < f->split.n; r++)
    sum += w[r];
  return f->split.n ? sum / f->split.n : 0.0;
}

/* top-1 of teacher i on head h (i = m: the fused logits) */
static double
top1 (const EgoFuse * f, int h, int i)
{
  size_t n = (size_t) f->split.n, k = (size_t) f->classes[h];
  const float *z = i < f->m ? f->logits[h] + i * n * k : f->fused[h];
  return ego_topk_accuracy (z, f->split.labels[h], f->split.n, (int) k, 1);
}

static double
action_top1 (const EgoFuse * f, int i)
{
  size_t n = (size_t) f->split.n, kv = (size_t) f->classes[0],
      kn = (size_t) f->classes[1];
  const float *zv = i < f->m ? f->logits[0] + i * n * kv : f->fused[0];
  const float *zn = i < f->m ? f->logits[1] + i * n * kn : f->fused[1];
  return ego_joint_accuracy (zv, f->split.labels[0], (int) kv, zn,
      f->split.labels[1], (int) kn, f->split.n);
}

/* {"rgb": x, ..., "fused": x} of top-1 (h >= 0) or action top-1 (h < 0) */
static void
append_accuracies (GString * out, const EgoFuse * f, int h)
{
  if (!f->split.labelled) {
    g_string_append (out, "null");
    return;
  }
  g_string_append_c (out, '{');
  for (int i = 0; i <= f->m; i++) {
    append_string (out, i < f->m ? f->names[i] : "fused");
    g_string_append (out, ": ");
    append_number (out, "%.3f", h >= 0 ? top1 (f, h, i) : action_top1 (f, i));
    g_string_append (out, i < f->m ? ", " : "}");
  }
}

static void
append_head (GString * out, const EgoFuse * f, int h)
{
  append_string (out, f->heads[h]);
  g_string_append (out, ": {\"weights\": {");
  for (int i = 0; i < f->m; i++) {
    append_string (out, f->names[i]);
    g_string_append (out, ": ");
    append_number (out, "%.6g", teacher_weight (f, h, i));
    g_string_append (out, i + 1 < f->m ? ", " : "}, \"top1\": ");
  }
  append_accuracies (out, f, h);
  g_string_append (out, "}, ");
}

/* "per_clip": [{"narration_id": ..., "verb": [w_1, ...], ...}, ...] */
static void
append_per_clip (GString * out, const EgoFuse * f)
{
  g_string_append (out, ", \"per_clip\": [");
  for (int r = 0; r < f->split.n; r++) {
    g_string_append (out, r ? ",\n  {\"narration_id\": " :
        "\n  {\"narration_id\": ");
    append_string (out, ego_fuse_clip_id (&f->split, r));
    for (int h = 0; h < EGO_FUSE_HEADS; h++) {
      g_string_append (out, ", ");
      append_string (out, f->heads[h]);
      g_string_append (out, ": [");
      for (int i = 0; i < f->m; i++) {
        append_number (out, "%.6g", f->weights[h][(size_t) i * f->split.n + r]);
        g_string_append (out, i + 1 < f->m ? ", " : "]");
      }
    }
    g_string_append_c (out, '}');
  }
  g_string_append (out, "]");
}

gchar *
ego_fuse_summary_json (const EgoFuse * f, gboolean per_clip)
{
  GString *out = g_string_new ("{\"scheme\": ");
  append_string (out, ego_fusion_scheme_name (f->scheme));
  g_string_append (out, ", \"tau_w\": ");
  append_number (out, "%.6g", f->tau_w);
  g_string_append_printf (out, ", \"clips\": %d, ", f->split.n);
  if (f->scheme == EGO_FUSION_FULL_DATASET)
    g_string_append_printf (out, "\"held_out_clips\": %d, ", f->held.n);
  g_string_append (out, "\"teachers\": [");
  for (int i = 0; i < f->m; i++) {
    append_string (out, f->names[i]);
    g_string_append (out, i + 1 < f->m ? ", " : "], ");
  }
  for (int h = 0; h < EGO_FUSE_HEADS; h++)
    append_head (out, f, h);
  g_string_append (out, "\"action_top1\": ");
  append_accuracies (out, f, -1);
  if (per_clip && f->scheme == EGO_FUSION_PER_SAMPLE)
    append_per_clip (out, f);
  g_string_append (out, "}");
  return g_string_free (out, FALSE);
}

static void
print_row (const EgoFuse * f, const char *head, int h, int i)
{
  const char *name = i < f->m ? f->names[i] : "fused";
  gchar weight[32] = "", acc[32] = "-";
  if (i < f->m && h >= 0)
    g_snprintf (weight, sizeof (weight), "%.3f", teacher_weight (f, h, i));
  if (f->split.labelled)
    g_snprintf (acc, sizeof (acc), "%.1f%%", h >= 0 ? top1 (f, h, i) :
        action_top1 (f, i));
  g_print ("%-8s %-12s %8s %8s\n", head, name, weight, acc);
}

void
ego_fuse_print_table (const EgoFuse * f)
{
  g_print ("%s, %s weights (tau_w %g)", f->split.what,
      ego_fusion_scheme_name (f->scheme), f->tau_w);
  if (f->scheme == EGO_FUSION_FULL_DATASET)
    g_print (" measured on %s", f->held.what);
  g_print ("\n%-8s %-12s %8s %8s\n", "head", "teacher",
      f->scheme == EGO_FUSION_PER_SAMPLE ? "mean w" : "weight", "top-1");
  for (int h = 0; h < EGO_FUSE_HEADS; h++)
    for (int i = 0; i <= f->m; i++)
      print_row (f, f->heads[h], h, i);
  for (int i = 0; i <= f->m; i++)
    print_row (f, "action", -1, i);
}
