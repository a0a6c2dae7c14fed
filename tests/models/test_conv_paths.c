/* The inference paths of the convolution (fused epilogue, packed direct
 * kernel where the CPU has one) give what the plain forward gives, and the
 * packed input gradient what the plain backward gives; the plain ones are
 * themselves checked against PyTorch in test_layers_conv. */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "fixture.h"
#include "layers.h"
#include "rng.h"

typedef struct
{
  int in_c, out_c, k, stride, pad, h, w, n;
} Shape;

static EgoConv2d
conv_of (const Shape * s)
{
  EgoConv2d c = { s->in_c, s->out_c, s->k, s->k, s->stride, s->stride,
    s->pad, s->pad, 1
  };
  return c;
}

/* floats of the input, the output and the weights */
static void
sizes_of (const Shape * s, const EgoConv2d * c, size_t *in, size_t *out,
    size_t *wn)
{
  int oh = ego_conv2d_out_h (c, s->h), ow = ego_conv2d_out_w (c, s->w);
  *in = (size_t) s->n * s->in_c * s->h * s->w;
  *out = (size_t) s->n * s->out_c * oh * ow;
  *wn = (size_t) s->out_c * s->in_c * s->k * s->k;
}

static float *
random_floats (size_t n, EgoRng * rng)
{
  float *p = g_malloc (n * sizeof (float));
  for (size_t i = 0; i < n; i++)
    p[i] = ego_rng_normal (rng);
  return p;
}

/* relu (conv (x) + bias + res) the plain way */
static void
reference (float *out, const float *x, const float *w, const float *b,
    const float *res, const EgoConv2d * c, int n, int h, int wd,
    float *scratch, size_t size)
{
  ego_conv2d_forward (out, x, w, b, c, n, h, wd, scratch);
  for (size_t i = 0; i < size; i++) {
    float v = out[i] + (res ? res[i] : 0.0f);
    out[i] = v > 0.0f ? v : 0.0f;
  }
}

static void
check_shape (const Shape * s, EgoRng * rng)
{
  EgoConv2d c = conv_of (s);
  size_t in, out, wn;
  sizes_of (s, &c, &in, &out, &wn);
  size_t np = ego_conv2d_packed_floats (&c);
  float *x = random_floats (in, rng), *w = random_floats (wn, rng);
  float *b = random_floats (s->out_c, rng), *res = random_floats (out, rng);
  float *want = g_new (float, out), *got = g_new (float, out);
  float *scratch = g_new (float, ego_conv2d_scratch_floats (&c, s->h, s->w)
      + 1);
  float *packed = np ? g_aligned_alloc (np, sizeof (float), 64) : NULL;
  char *what = g_strdup_printf ("%d->%d k%d s%d p%d %dx%d n%d%s", s->in_c,
      s->out_c, s->k, s->stride, s->pad, s->h, s->w, s->n,
      np ? " packed" : "");
  reference (want, x, w, b, res, &c, s->n, s->h, s->w, scratch, out);
  ego_conv2d_forward_fused (got, x, w, b, res, 1, &c, s->n, s->h, s->w,
      scratch);
  g_assert_true (check_close (what, got, want, out, 1e-4));
  if (packed)
    ego_conv2d_pack (packed, w, &c);
  memset (got, 0, out * sizeof (float));
  ego_conv2d_forward_packed (got, x, w, packed, b, res, 1, &c, s->n, s->h,
      s->w, scratch);
  g_assert_true (check_close (what, got, want, out, 1e-4));
  g_aligned_free (packed);
  g_free (what);
  g_free (x);
  g_free (w);
  g_free (b);
  g_free (res);
  g_free (want);
  g_free (got);
  g_free (scratch);
}

/* The packed input gradient of a stride-1 convolution gives what the
 * plain backward gives, and overwrites dinp; other strides have none. */
static void
check_input_grad (const Shape * s, EgoRng * rng)
{
  EgoConv2d c = conv_of (s);
  size_t in, out, wn;
  sizes_of (s, &c, &in, &out, &wn);
  size_t np = ego_conv2d_packed_input_grad_floats (&c);
  float *dy = random_floats (out, rng), *w = random_floats (wn, rng);
  float *want = g_new0 (float, in), *got;
  float *scratch = g_new (float, ego_conv2d_scratch_floats (&c, s->h, s->w)
      + 1);
  float *packed;
  char *what;
  if (s->stride != 1 || ego_conv2d_packed_floats (&c) == 0) {
    g_assert_cmpuint (np, ==, 0);
    goto done;
  }
  g_assert_cmpuint (np, >, 0);
  what = g_strdup_printf ("input grad %d->%d k%d p%d %dx%d n%d", s->in_c,
      s->out_c, s->k, s->pad, s->h, s->w, s->n);
  /* dinp is only written: what was there must not show */
  got = random_floats (in, rng);
  packed = g_aligned_alloc (np, sizeof (float), 64);
  /* without a weight gradient, backward does not read its input */
  ego_conv2d_backward (want, NULL, NULL, dy, want, w, &c, s->n, s->h, s->w,
      scratch);
  ego_conv2d_pack_input_grad (packed, w, &c);
  ego_conv2d_backward_input_packed (got, dy, packed, &c, s->n, s->h, s->w,
      scratch);
  g_assert_true (check_close (what, got, want, in, 1e-4));
  g_aligned_free (packed);
  g_free (got);
  g_free (what);
done:
  g_free (dy);
  g_free (w);
  g_free (want);
  g_free (scratch);
}

/* The direct weight gradient adds what the plain backward adds, over n
 * images at once. */
static void
check_weight_grad (const Shape * s, EgoRng * rng)
{
  EgoConv2d c = conv_of (s);
  size_t in, out, wn;
  sizes_of (s, &c, &in, &out, &wn);
  size_t ns = ego_conv2d_weight_grad_scratch_floats (&c, s->n, s->h, s->w);
  float *x = random_floats (in, rng), *dy = random_floats (out, rng);
  float *w = random_floats (wn, rng), *want, *got, *scratch;
  char *what;
  if (ego_conv2d_packed_floats (&c) == 0) {
    g_assert_cmpuint (ns, ==, 0);
    goto done;
  }
  g_assert_cmpuint (ns, >, 0);
  what = g_strdup_printf ("weight grad %d->%d k%d s%d p%d %dx%d n%d",
      s->in_c, s->out_c, s->k, s->stride, s->pad, s->h, s->w, s->n);
  /* both add: start from the same values */
  want = random_floats (wn, rng);
  got = g_memdup2 (want, wn * sizeof (float));
  scratch = g_new (float, MAX (ns, ego_conv2d_scratch_floats (&c, s->h,
              s->w)));
  ego_conv2d_backward (NULL, want, NULL, dy, x, w, &c, s->n, s->h, s->w,
      scratch);
  /* off by 4 bytes: the kernel aligns its scratch itself */
  ego_conv2d_weight_grad_packed (got, dy, x, &c, s->n, s->h, s->w,
      scratch + 1);
  g_assert_true (check_close (what, got, want, wn, 1e-4));
  g_free (got);
  g_free (want);
  g_free (scratch);
  g_free (what);
done:
  g_free (x);
  g_free (dy);
  g_free (w);
}

/* The students' shapes, and awkward ones: channel counts that are not
 * multiples of the kernel's tiles, odd sizes, no padding, 1x1 stride 2. */
static void
test_paths (void)
{
  static const Shape shapes[] = {
    {3, 16, 3, 2, 1, 64, 64, 1},
    {16, 16, 3, 1, 1, 32, 32, 2},
    {3, 32, 3, 2, 1, 56, 56, 1},
    {32, 32, 3, 1, 1, 28, 28, 2},
    {32, 64, 3, 2, 1, 28, 28, 1},
    {64, 128, 1, 2, 0, 14, 14, 1},
    {128, 256, 3, 2, 1, 14, 14, 1},
    {256, 256, 3, 1, 1, 7, 7, 1},
    {5, 17, 3, 1, 1, 13, 11, 2},
    {24, 40, 3, 2, 1, 15, 9, 1},
    {33, 70, 3, 1, 0, 9, 12, 1},
    {16, 48, 1, 1, 0, 10, 10, 3},
    {48, 96, 5, 1, 2, 12, 12, 1},
  };
  EgoRng rng;
  ego_rng_seed (&rng, 42, 1);
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++) {
    check_shape (&shapes[i], &rng);
    check_input_grad (&shapes[i], &rng);
    check_weight_grad (&shapes[i], &rng);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/conv2d/direct-paths", test_paths);
  return g_test_run ();
}
