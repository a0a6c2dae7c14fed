/* Metrics against the reference (models/reference/gen_metrics.py). */
#include <glib.h>
#include <math.h>

#include "fixture.h"
#include "metrics.h"

/* Top-1, top-5, ECE and the joint (action) accuracy equal the reference's
 * on 500 random rows. */
static void
test_against_reference (void)
{
  EgoSafetensors *st = fixture_load ("metrics");
  const float *z = fixture_f32 (st, "logits", 500 * 12);
  const int32_t *y = fixture_i32 (st, "labels", 500);
  const float *z2 = fixture_f32 (st, "logits2", 500 * 7);
  const int32_t *y2 = fixture_i32 (st, "labels2", 500);
  g_assert_cmpfloat_with_epsilon (ego_topk_accuracy (z, y, 500, 12, 1),
      fixture_double (st, "top1"), 1e-9);
  g_assert_cmpfloat_with_epsilon (ego_topk_accuracy (z, y, 500, 12, 5),
      fixture_double (st, "top5"), 1e-9);
  g_assert_cmpfloat_with_epsilon (ego_ece (z, y, 500, 12),
      fixture_double (st, "ece"), 1e-4);
  g_assert_cmpfloat_with_epsilon (ego_ece (z2, y2, 500, 7),
      fixture_double (st, "ece2"), 1e-4);
  g_assert_cmpfloat_with_epsilon (ego_joint_accuracy (z, y, 12, z2, y2, 7,
          500), fixture_double (st, "joint"), 1e-9);
  ego_safetensors_free (st);
}

/* A perfectly confident, always right classifier has ECE 0; one that is
 * 100% confident and right half the time has ECE 50. */
static void
test_ece_extremes (void)
{
  float z[4 * 2] = { 100, 0, 100, 0, 0, 100, 0, 100 };
  int32_t right[4] = { 0, 0, 1, 1 }, half[4] = { 0, 1, 1, 0 };
  g_assert_cmpfloat_with_epsilon (ego_ece (z, right, 4, 2), 0.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (ego_ece (z, half, 4, 2), 50.0, 1e-6);
}

/* Each row counted once at (truth, argmax); labels out of range left out. */
static void
test_confusion (void)
{
  const float logits[] = { 3, 1, 0,  0, 2, 1,  0, 2, 5,  1, 0, 0,  0, 0, 1 };
  const int32_t labels[] = { 0, 2, 2, 1, 7 };
  const int expected[9] = { 1, 0, 0,  1, 0, 0,  0, 1, 1 };
  int counts[9] = { 0 };

  ego_confusion_add (logits, labels, 5, 3, counts);
  for (int i = 0; i < 9; i++)
    g_assert_cmpint (counts[i], ==, expected[i]);
}

/* Direction within pairs (0,1) and (2,3): the partner alone decides, so a
 * row whose argmax is a third class still counts as right; class 4 is in no
 * pair and is left out; a tie is wrong. */
static void
test_pair_accuracy (void)
{
  const float logits[] = {
    2, 1, 0, 0, 9,              /* 0 over 1: right, although 4 is the argmax */
    2, 1, 0, 0, 0,              /* truth 1, 0 scores more: wrong */
    0, 0, 1, 1, 0,              /* truth 2, tied with 3: wrong */
    0, 0, 0, 5, 0,              /* truth 3 over 2: right */
    0, 0, 0, 0, 0,              /* truth 4: in no pair */
  };
  const int32_t labels[] = { 0, 1, 2, 3, 4 };
  const int pairs[] = { 0, 1, 2, 3 };
  int counted = 0;

  g_assert_cmpfloat_with_epsilon (ego_pair_accuracy (logits, labels, 5, 5,
          pairs, 2, &counted), 50.0, 1e-9);
  g_assert_cmpint (counted, ==, 4);
  g_assert_cmpfloat (ego_pair_accuracy (logits, labels + 4, 1, 5, pairs, 2,
          &counted), ==, -1.0);
  g_assert_cmpint (counted, ==, 0);
}

/* A row with a NaN logit (a network that diverged) is a miss, whatever
 * its label: NaN compares as nothing, and the truth ranked first. */
static void
test_topk_nan_is_miss (void)
{
  const float z[] = { NAN, 1.0f, 2.0f, NAN, NAN, NAN };
  const int32_t y[] = { 0, 1 };
  g_assert_cmpfloat (ego_topk_accuracy (z, y, 2, 3, 1), ==, 0.0);
  g_assert_cmpfloat (ego_topk_accuracy (z, y, 2, 3, 3), ==, 0.0);
}

/* Noun top-1 per true verb: groups 0 and 1 counted apart, group 2 has no
 * rows, a group out of range is left out. */
static void
test_top1_by_group (void)
{
  const float logits[] = {
    1, 0,                       /* group 0, truth 0: right */
    1, 0,                       /* group 0, truth 1: wrong */
    0, 1,                       /* group 0, truth 1: right */
    0, 1,                       /* group 1, truth 1: right */
    1, 0,                       /* group 7: out of range */
  };
  const int32_t labels[] = { 0, 1, 1, 1, 1 }, groups[] = { 0, 0, 0, 1, 7 };
  double top1[3];
  int counts[3];

  ego_top1_by_group (logits, labels, groups, 5, 2, 3, top1, counts);
  g_assert_cmpint (counts[0], ==, 3);
  g_assert_cmpint (counts[1], ==, 1);
  g_assert_cmpint (counts[2], ==, 0);
  g_assert_cmpfloat_with_epsilon (top1[0], 200.0 / 3.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (top1[1], 100.0, 1e-9);
  g_assert_cmpfloat (top1[2], ==, -1.0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/metrics/against-reference", test_against_reference);
  g_test_add_func ("/metrics/ece-extremes", test_ece_extremes);
  g_test_add_func ("/metrics/confusion", test_confusion);
  g_test_add_func ("/metrics/pair-accuracy", test_pair_accuracy);
  g_test_add_func ("/metrics/top1-by-group", test_top1_by_group);
  g_test_add_func ("/metrics/topk-nan-is-miss", test_topk_nan_is_miss);
  return g_test_run ();
}
