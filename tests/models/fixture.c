/* Test helpers, see fixture.h. */
#include "fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>
#include <glib/gstdio.h>

#ifndef EGO_FIXTURES_DIR
#error "EGO_FIXTURES_DIR must be defined by the build"
#endif

EgoSafetensors *
fixture_load (const char *name)
{
  GError *error = NULL;
  char *file = g_strconcat (name, ".safetensors", NULL);
  char *path = g_build_filename (EGO_FIXTURES_DIR, file, NULL);
  EgoSafetensors *st = ego_safetensors_load (path, &error);
  if (st == NULL)
    g_error ("fixture %s: %s", path, error->message);
  g_free (path);
  g_free (file);
  return st;
}

const EgoStTensor *
fixture_tensor (const EgoSafetensors * st, const char *name)
{
  const EgoStTensor *t = ego_safetensors_find (st, name);
  if (t == NULL)
    g_error ("fixture %s: no tensor '%s'", ego_safetensors_name (st), name);
  return t;
}

static const EgoStTensor *
typed_tensor (const EgoSafetensors * st, const char *name, EgoDType dtype,
    int64_t numel)
{
  const EgoStTensor *t = fixture_tensor (st, name);
  if (t->dtype != dtype)
    g_error ("fixture %s: tensor '%s' has the wrong dtype",
        ego_safetensors_name (st), name);
  if (numel >= 0 && t->numel != numel)
    g_error ("fixture %s: tensor '%s' has %" G_GINT64_FORMAT
        " elements, expected %" G_GINT64_FORMAT, ego_safetensors_name (st),
        name, (gint64) t->numel, (gint64) numel);
  return t;
}

const float *
fixture_f32 (const EgoSafetensors * st, const char *name, int64_t numel)
{
  return typed_tensor (st, name, EGO_DTYPE_F32, numel)->data;
}

const int32_t *
fixture_i32 (const EgoSafetensors * st, const char *name, int64_t numel)
{
  return typed_tensor (st, name, EGO_DTYPE_I32, numel)->data;
}

static const char *
fixture_meta (const EgoSafetensors * st, const char *key)
{
  const char *v = ego_safetensors_metadata (st, key);
  if (v == NULL)
    g_error ("fixture %s: no metadata '%s'", ego_safetensors_name (st), key);
  return v;
}

int
fixture_int (const EgoSafetensors * st, const char *key)
{
  return atoi (fixture_meta (st, key));
}

double
fixture_double (const EgoSafetensors * st, const char *key)
{
  return g_ascii_strtod (fixture_meta (st, key), NULL);
}

int
check_close (const char *what, const float *got, const float *want, size_t n,
    double rtol)
{
  double maxabs = 0.0, worst_ratio = -1.0;
  size_t worst = 0, bad = 0;
  for (size_t i = 0; i < n; i++)
    maxabs = fmax (maxabs, fabs (want[i]));
  double floor_ = fmax (1e-2 * maxabs, 1e-6);
  for (size_t i = 0; i < n; i++) {
    double diff = fabs ((double) got[i] - (double) want[i]);
    double ratio = diff / fmax (fabs (want[i]), floor_);
    if (!(ratio <= rtol))       /* also catches NaN */
      bad++;
    if (!(ratio <= worst_ratio)) {
      worst_ratio = ratio;
      worst = i;
    }
  }
  if (n > 0)
    printf ("# %-40s n=%-7zu worst [%zu] got % .7g want % .7g rel %.2e%s\n",
        what, n, worst, got[worst], want[worst], worst_ratio,
        bad ? "  MISMATCH" : "");
  if (bad)
    printf ("# %s: %zu of %zu elements beyond rtol %.1e\n", what, bad, n,
        rtol);
  return bad == 0;
}

static double
central_difference (GradcheckLoss loss, void *ctx, float *x, size_t i,
    float eps)
{
  float saved = x[i];
  x[i] = saved + eps;
  double up = loss (ctx);
  x[i] = saved - eps;
  double down = loss (ctx);
  x[i] = saved;
  /* divide by the step actually taken after float rounding */
  double step = (double) (saved + eps) - (double) (saved - eps);
  return (up - down) / step;
}

int
gradcheck (const char *what, GradcheckLoss loss, void *ctx, float *x,
    const float *grad, size_t n, int max_checks, float eps, double tol)
{
  double maxgrad = 0.0, worst_ratio = -1.0, worst_num = 0.0;
  size_t worst = 0, bad = 0, stride;
  for (size_t i = 0; i < n; i++)
    maxgrad = fmax (maxgrad, fabs (grad[i]));
  stride = n > (size_t) max_checks ? n / (size_t) max_checks : 1;
  for (size_t i = 0; i < n; i += stride) {
    double num = central_difference (loss, ctx, x, i, eps);
    double ana = grad[i];
    double scale = fmax (fmax (fabs (num), fabs (ana)),
        fmax (0.1 * maxgrad, 1e-4));
    double ratio = fabs (num - ana) / scale;
    if (!(ratio <= tol))
      bad++;
    if (!(ratio <= worst_ratio)) {
      worst_ratio = ratio;
      worst = i;
      worst_num = num;
    }
  }
  printf ("# gradcheck %-30s n=%-7zu worst [%zu] analytic % .6g numeric "
      "% .6g rel %.2e%s\n", what, n, worst, grad[worst], worst_num,
      worst_ratio, bad ? "  MISMATCH" : "");
  return bad == 0;
}

char *
fixture_tmpdir (const char *prefix)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp (prefix, &error);
  g_assert_no_error (error);
  return dir;
}

void
fixture_remove_tree (const char *path)
{
  GDir *d = g_dir_open (path, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)) != NULL) {
    char *child = g_build_filename (path, name, NULL);
    if (g_file_test (child, G_FILE_TEST_IS_DIR)
        && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      fixture_remove_tree (child);
    else
      g_remove (child);
    g_free (child);
  }
  if (d)
    g_dir_close (d);
  g_rmdir (path);
}

int
fixture_run (const char *const *argv, char **out)
{
  GError *error = NULL;
  gchar *err = NULL;
  gint status = -1;
  if (!g_spawn_sync (NULL, (gchar **) argv, NULL, 0, NULL, NULL, out, &err,
          &status, &error))
    g_error ("%s: %s", argv[0], error->message);
  if (!g_spawn_check_wait_status (status, NULL))
    g_printerr ("%s: %s\n", argv[0], err);
  g_free (err);
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}
