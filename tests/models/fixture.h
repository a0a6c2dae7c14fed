/* Test helpers: fixtures written by models/reference/ and comparisons that
 * report the worst mismatch. */
#ifndef EGO_TEST_FIXTURE_H
#define EGO_TEST_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "safetensors.h"

/* Load tests/fixtures/<name>.safetensors; fails the test if it cannot. */
EgoSafetensors *fixture_load (const char *name);
/* Tensor data by name; fails the test if absent, not of the dtype, or not of
 * numel elements (numel < 0: any). */
const float *fixture_f32 (const EgoSafetensors * st, const char *name,
    int64_t numel);
const int32_t *fixture_i32 (const EgoSafetensors * st, const char *name,
    int64_t numel);
const EgoStTensor *fixture_tensor (const EgoSafetensors * st,
    const char *name);
/* integer / float setting from the fixture's metadata; fails if absent */
int fixture_int (const EgoSafetensors * st, const char *key);
double fixture_double (const EgoSafetensors * st, const char *key);

/* Compare n floats: element i passes when
 *   |got - want| <= rtol * max(|want_i|, 1e-2 * max_j |want_j|, 1e-6).
 * Prints the worst element (index, got, want, difference) under the name
 * what, and returns TRUE when all pass. Use with g_assert_true(). */
int check_close (const char *what, const float *got, const float *want,
    size_t n, double rtol);

/* Finite-difference check of a gradient. loss(ctx) computes a scalar from
 * the current contents of x (n floats); grad holds its analytic gradient.
 * Checks up to max_checks indices spread over x with central differences of
 * step eps; an index passes when
 *   |num - ana| <= tol * max(|num|, |ana|, 0.1 * max_j |grad_j|, 1e-4).
 * Returns TRUE when all pass, printing the worst. */
/* A new empty folder in the system's temporary folder, named from prefix
 * ("name-XXXXXX"); fails the test, saying why, when it cannot be made.
 * g_free the path; removing the folder is the caller's. */
char *fixture_tmpdir (const char *prefix);
/* Removes path and everything below it (no links are followed out). */
void fixture_remove_tree (const char *path);
/* Runs argv (argv[0] a path): 0 when it exits with status 0, else 1 after
 * printing its standard error; its standard output in *out unless out is
 * NULL. A program that cannot be started fails the test. */
int fixture_run (const char *const *argv, char **out);

typedef double (*GradcheckLoss) (void *ctx);
int gradcheck (const char *what, GradcheckLoss loss, void *ctx, float *x,
    const float *grad, size_t n, int max_checks, float eps, double tol);

#endif /* EGO_TEST_FIXTURE_H */
