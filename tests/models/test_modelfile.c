/* Model files that are well-formed safetensors but wrong as gst-ego models:
 * each must be refused by ego_net_load with its own message naming the file
 * and the problem. (Damage to the safetensors container itself is tested
 * in test_safetensors.c, the ego metadata in test_modelmeta.c.) */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "fixture.h"
#include "tsmnet.h"

typedef struct
{
  EgoSafetensors *st;
  int n;
  EgoStTensor *tensors;         /* shallow copies of st's */
  char *ego;                    /* the metadata JSON, editable */
  char *dir, *path;
} Edit;

static void
edit_open (Edit * e)
{
  e->st = fixture_load ("tsmnet_online");
  e->n = ego_safetensors_count (e->st);
  e->tensors = g_new0 (EgoStTensor, e->n + 1);
  for (int i = 0; i < e->n; i++)
    e->tensors[i] = *ego_safetensors_tensor (e->st, i);
  e->ego = g_strdup (ego_safetensors_metadata (e->st, "ego"));
  e->dir = fixture_tmpdir ("ego-modelfile-XXXXXX");
  e->path = g_build_filename (e->dir, "broken.safetensors", NULL);
}

static EgoStTensor *
edit_find (Edit * e, const char *name)
{
  for (int i = 0; i < e->n; i++)
    if (strcmp (e->tensors[i].name, name) == 0)
      return &e->tensors[i];
  g_error ("no tensor %s", name);
  return NULL;
}

static void
edit_replace_meta (Edit * e, const char *from, const char *to)
{
  char **parts = g_strsplit (e->ego, from, 2);
  g_assert_nonnull (parts[1]);
  g_free (e->ego);
  e->ego = g_strjoin (to, parts[0], parts[1], NULL);
  g_strfreev (parts);
}

/* Writes the edited file, loads it, and checks the refusal. */
static void
edit_expect (Edit * e, gboolean with_meta, const char *fragment)
{
  GError *error = NULL;
  EgoModelMeta meta;
  const char *kv[] = { "ego", e->ego, NULL };
  g_assert_true (ego_safetensors_save (e->path, e->tensors, e->n,
          with_meta ? kv : NULL, NULL));
  g_assert_null (ego_net_load (e->path, &meta, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (strstr (error->message, fragment) == NULL
      || strstr (error->message, "broken.safetensors") == NULL)
    g_error ("expected '%s' and the file name in: %s", fragment,
        error->message);
  g_error_free (error);
  g_unlink (e->path);
  g_rmdir (e->dir);
  g_free (e->path);
  g_free (e->dir);
  g_free (e->ego);
  g_free (e->tensors);
  ego_safetensors_free (e->st);
}

/* A safetensors file without our metadata is not a model. */
static void
test_no_ego_metadata (void)
{
  Edit e;
  edit_open (&e);
  edit_expect (&e, FALSE, "no 'ego' metadata");
}

/* A tensor whose shape differs from what the architecture builds. */
static void
test_shape_mismatch (void)
{
  Edit e;
  EgoStTensor *t;
  edit_open (&e);
  t = edit_find (&e, "stages.0.0.conv1.weight");
  /* same bytes, other shape: (4, 4, 3, 3) read as (2, 8, 3, 3) */
  t->shape[0] = 2;
  t->shape[1] = 8;
  edit_expect (&e, TRUE, "tensor 'stages.0.0.conv1.weight' has shape "
      "[2, 8, 3, 3], the architecture needs [4, 4, 3, 3]");
}

/* A head whose label list does not match its classifier's rows. */
static void
test_label_count_mismatch (void)
{
  Edit e;
  edit_open (&e);
  edit_replace_meta (&e, "\"open\"", "\"open\", \"close\"");
  edit_expect (&e, TRUE, "head 'verb' has 4 labels but its classifier "
      "'heads.0.weight' has 3 rows");
}

/* A tensor the architecture needs is absent. */
static void
test_missing_tensor (void)
{
  Edit e;
  edit_open (&e);
  *edit_find (&e, "stem.bn.running_var") = e.tensors[e.n - 1];
  e.n--;
  edit_expect (&e, TRUE, "tensor 'stem.bn.running_var' is missing");
}

/* A tensor the architecture does not have. */
static void
test_extra_tensor (void)
{
  Edit e;
  edit_open (&e);
  e.tensors[e.n] = *edit_find (&e, "heads.1.bias");
  e.tensors[e.n].name = (char *) "heads.2.bias";
  e.n++;
  edit_expect (&e, TRUE, "tensor 'heads.2.bias' is not part of the "
      "architecture");
}

/* Weights stored as integers. */
static void
test_wrong_dtype (void)
{
  Edit e;
  edit_open (&e);
  edit_find (&e, "heads.0.bias")->dtype = EGO_DTYPE_I32;
  edit_expect (&e, TRUE, "tensor 'heads.0.bias' must be F32");
}

/* An architecture this library does not know. */
static void
test_unknown_arch (void)
{
  Edit e;
  edit_open (&e);
  edit_replace_meta (&e, "\"tsmnet\"", "\"transformer\"");
  edit_expect (&e, TRUE, "arch.type must be \"tsmnet\"");
}

/* Input channels that disagree with the normalisation. */
static void
test_channels_mismatch (void)
{
  Edit e;
  edit_open (&e);
  edit_replace_meta (&e, "\"in_channels\": 3", "\"in_channels\": 2");
  edit_expect (&e, TRUE, "arch.in_channels is 2 but input.mean has 3");
}

/* An out-of-range architecture setting. */
static void
test_bad_blocks (void)
{
  Edit e;
  edit_open (&e);
  edit_replace_meta (&e, "\"blocks\": [1, 2]", "\"blocks\": [1, 0]");
  edit_expect (&e, TRUE, "arch.blocks[1] must be 1 to 16");
}

/* A file that does not exist. */
static void
test_missing_file (void)
{
  GError *error = NULL;
  EgoModelMeta meta;
  g_assert_null (ego_net_load ("/nonexistent/model.safetensors", &meta,
          &error));
  g_assert_nonnull (strstr (error->message, "/nonexistent/model.safetensors"));
  g_error_free (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/modelfile/no-ego-metadata", test_no_ego_metadata);
  g_test_add_func ("/modelfile/shape-mismatch", test_shape_mismatch);
  g_test_add_func ("/modelfile/label-count", test_label_count_mismatch);
  g_test_add_func ("/modelfile/missing-tensor", test_missing_tensor);
  g_test_add_func ("/modelfile/extra-tensor", test_extra_tensor);
  g_test_add_func ("/modelfile/wrong-dtype", test_wrong_dtype);
  g_test_add_func ("/modelfile/unknown-arch", test_unknown_arch);
  g_test_add_func ("/modelfile/channels-mismatch", test_channels_mismatch);
  g_test_add_func ("/modelfile/bad-blocks", test_bad_blocks);
  g_test_add_func ("/modelfile/missing-file", test_missing_file);
  return g_test_run ();
}
