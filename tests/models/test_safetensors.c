/* Tests of the safetensors reader and writer: round trips, a file written by
 * the Python reference, and corrupt files, each of which must be refused
 * with its own message naming the file and the problem. */
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "fixture.h"
#include "safetensors.h"

#define NAME "corrupt.safetensors"

/* A file: 8-byte little-endian header_length, header, then data. */
static GBytes *
make_file_with_length (guint64 header_length, const char *header,
    const void *data, size_t n_data)
{
  GByteArray *file = g_byte_array_new ();
  guint64 le = GUINT64_TO_LE (header_length);

  g_byte_array_append (file, (const guint8 *) &le, 8);
  g_byte_array_append (file, (const guint8 *) header, strlen (header));
  if (n_data)
    g_byte_array_append (file, data, n_data);
  return g_byte_array_free_to_bytes (file);
}

static GBytes *
make_file (const char *header, const void *data, size_t n_data)
{
  return make_file_with_length (strlen (header), header, data, n_data);
}

/* Parsing bytes must fail with code and a message holding fragment. */
static void
expect_error (GBytes * bytes, EgoErrorCode code, const char *fragment)
{
  GError *error = NULL;
  EgoSafetensors *st = ego_safetensors_parse (NAME, bytes, &error);

  g_assert_null (st);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_error (error, EGO_ERROR, (int) code);
  g_assert_true (g_str_has_prefix (error->message, NAME ": "));
  if (g_strstr_len (error->message, -1, fragment) == NULL)
    g_error ("message '%s' lacks '%s'", error->message, fragment);
  g_error_free (error);
  g_bytes_unref (bytes);
}

static const float four_floats[4] = { 1.0f, -2.0f, 0.5f, 3.0f };

/* ---------------------------------------------------------------------- */
/* corrupt files                                                          */

/* An empty file, read from disk, names the file. */
static void
test_empty_file (void)
{
  GError *error = NULL;
  char *dir = fixture_tmpdir ("ego-st-XXXXXX");
  char *path = g_build_filename (dir, "empty.safetensors", NULL);

  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  g_assert_null (ego_safetensors_load (path, &error));
  g_assert_error (error, EGO_ERROR, EGO_ERROR_FORMAT);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (g_strstr_len (error->message, -1,
          "file is 0 bytes, too short for the 8-byte header length"));
  g_clear_error (&error);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

/* A missing file is an I/O error naming the file. */
static void
test_missing_file (void)
{
  GError *error = NULL;

  g_assert_null (ego_safetensors_load ("/nonexistent/m.safetensors", &error));
  g_assert_error (error, EGO_ERROR, EGO_ERROR_IO);
  g_assert_nonnull (g_strstr_len (error->message, -1,
          "/nonexistent/m.safetensors"));
  g_clear_error (&error);
}

/* A FIFO is refused before it is read (reading it would wait for a
 * writer for ever), and so is a folder. */
static void
test_not_regular_file (void)
{
  GError *error = NULL;
  char *dir = fixture_tmpdir ("ego-st-XXXXXX");
  char *path = g_build_filename (dir, "fifo.safetensors", NULL);

  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  g_assert_null (ego_safetensors_load (path, &error));
  g_assert_error (error, EGO_ERROR, EGO_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, "is not a regular file"));
  g_clear_error (&error);
  g_assert_null (ego_safetensors_load (dir, &error));
  g_assert_nonnull (strstr (error->message, "is not a regular file"));
  g_clear_error (&error);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

/* Fewer than 8 bytes cannot hold the header length. */
static void
test_truncated_length (void)
{
  expect_error (g_bytes_new ("\x02\x00\x00\x00\x00", 5), EGO_ERROR_FORMAT,
      "file is 5 bytes");
}

/* The header length must fit in the file, below the limit, and above 1. */
static void
test_header_length (void)
{
  expect_error (make_file_with_length (100, "{}", NULL, 0), EGO_ERROR_FORMAT,
      "header length 100 exceeds the 2 bytes that follow it");
  expect_error (make_file_with_length (G_MAXUINT64, "{}", NULL, 0),
      EGO_ERROR_FORMAT, "exceeds the limit of 16777216 bytes");
  expect_error (make_file_with_length (1, "{}", NULL, 0), EGO_ERROR_FORMAT,
      "header length 1 is too small");
}

/* The header must be a JSON object, in UTF-8, not absurdly nested. */
static void
test_header_not_json (void)
{
  char deep[200];

  expect_error (make_file ("{\"a\": [1, 2", NULL, 0), EGO_ERROR_FORMAT,
      "header is not valid JSON");
  expect_error (make_file ("[1, 2, 3]", NULL, 0), EGO_ERROR_FORMAT,
      "header is not a JSON object");
  expect_error (make_file ("        ", NULL, 0), EGO_ERROR_FORMAT,
      "header is not a JSON object");
  expect_error (make_file ("{\"\xff\": 1}", NULL, 0), EGO_ERROR_FORMAT,
      "header is not valid UTF-8");
  memset (deep, '[', 100);
  memset (deep + 100, ']', 99);
  deep[199] = '\0';
  expect_error (make_file (deep, NULL, 0), EGO_ERROR_FORMAT,
      "header nests deeper than 16 levels");
  /* found by fuzzing: a duplicate name before the nesting error leaked */
  expect_error (make_file
      ("{\"a\":1,\"a\":[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]}", NULL, 0),
      EGO_ERROR_FORMAT, "header nests deeper than 16 levels");
}

/* Only F32, I32, I64 and U8 are read; others name the dtype. */
static void
test_unknown_dtype (void)
{
  expect_error (make_file ("{\"w\":{\"dtype\":\"F16\",\"shape\":[4],"
          "\"data_offsets\":[0,8]}}", four_floats, 8), EGO_ERROR_UNSUPPORTED,
      "tensor 'w' has dtype 'F16'");
  expect_error (make_file ("{\"w\":{\"shape\":[4],\"data_offsets\":[0,16]}}",
          four_floats, 16), EGO_ERROR_FORMAT, "tensor 'w' has no dtype");
}

/* The shape must agree with the byte range. */
static void
test_size_mismatch (void)
{
  expect_error (make_file ("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],"
          "\"data_offsets\":[0,16]}}", four_floats, 16), EGO_ERROR_INVALID,
      "tensor 'w' has 3 F32 elements (4 bytes each) but data_offsets [0, 16) "
      "hold 16 bytes");
}

/* Offsets past the data section, or reversed, are refused. */
static void
test_offsets_out_of_range (void)
{
  float data[80] = { 0 };

  expect_error (make_file ("{\"stem.weight\":{\"dtype\":\"F32\",\"shape\":"
          "[100],\"data_offsets\":[0,400]}}", data, sizeof (data)),
      EGO_ERROR_INVALID, "tensor 'stem.weight' data_offsets [0, 400) "
      "exceed the data section (320 bytes)");
  expect_error (make_file ("{\"w\":{\"dtype\":\"U8\",\"shape\":[0],"
          "\"data_offsets\":[8,4]}}", data, 8), EGO_ERROR_INVALID,
      "data_offsets [8, 4) end before they begin");
  expect_error (make_file ("{\"w\":{\"dtype\":\"U8\",\"shape\":[8],"
          "\"data_offsets\":[0,8.0]}}", data, 8), EGO_ERROR_FORMAT,
      "tensor 'w' data_offsets is not [begin, end]");
}

/* Two tensors may not share bytes. */
static void
test_overlap (void)
{
  expect_error (make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],"
          "\"data_offsets\":[0,12]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],"
          "\"data_offsets\":[8,16]}}", four_floats, 16), EGO_ERROR_INVALID,
      "tensors 'a' and 'b' overlap at byte 8");
}

/* Every byte of the data section belongs to a tensor. */
static void
test_gap (void)
{
  expect_error (make_file ("{\"b\":{\"dtype\":\"F32\",\"shape\":[2],"
          "\"data_offsets\":[8,16]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
          "\"data_offsets\":[0,4]}}", four_floats, 16), EGO_ERROR_INVALID,
      "bytes [4, 8) before tensor 'b' belong to no tensor");
  expect_error (make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
          "\"data_offsets\":[0,8]}}", four_floats, 16), EGO_ERROR_INVALID,
      "bytes [8, 16) after the last tensor");
}

/* F32 weights must be finite; the message names the tensor and index. */
static void
test_non_finite (void)
{
  float data[4] = { 1.0f, 2.0f, NAN, 4.0f };
  const char *header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],"
      "\"data_offsets\":[0,16]}}";

  expect_error (make_file (header, data, 16), EGO_ERROR_INVALID,
      "tensor 'w' holds NaN at index 2");
  data[2] = 3.0f;
  data[1] = -INFINITY;
  expect_error (make_file (header, data, 16), EGO_ERROR_INVALID,
      "tensor 'w' holds Inf at index 1");
}

/* A name given twice is refused, also when spelled with an escape. */
static void
test_duplicate_name (void)
{
  expect_error (make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
          "\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
          "\"data_offsets\":[8,16]}}", four_floats, 16), EGO_ERROR_FORMAT,
      "duplicate tensor name 'a'");
  expect_error (make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
          "\"data_offsets\":[0,8]},\"\\u0061\":{\"dtype\":\"F32\",\"shape\":"
          "[2],\"data_offsets\":[8,16]}}", four_floats, 16), EGO_ERROR_FORMAT,
      "duplicate tensor names (2 members, 1 distinct)");
  expect_error (make_file ("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],"
          "\"shape\":[2],\"data_offsets\":[0,8]}}", four_floats, 8),
      EGO_ERROR_FORMAT, "an entry with a duplicate key");
}

/* __metadata__ maps strings to strings. */
static void
test_metadata_not_string (void)
{
  expect_error (make_file ("{\"__metadata__\":{\"ok\":\"1\",\"n\":7}}", NULL,
          0), EGO_ERROR_FORMAT, "__metadata__ value of 'n' is not a string");
  expect_error (make_file ("{\"__metadata__\":[\"a\"]}", NULL, 0),
      EGO_ERROR_FORMAT, "__metadata__ is not a JSON object");
}

/* Dimensions are non-negative integers, at most EGO_ST_MAX_DIMS of them,
 * whose product fits in 64 bits. */
static void
test_bad_shape (void)
{
  expect_error (make_file ("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-2],"
          "\"data_offsets\":[0,16]}}", four_floats, 16), EGO_ERROR_FORMAT,
      "tensor 'w' shape[1] is not a non-negative integer");
  expect_error (make_file ("{\"w\":{\"dtype\":\"F32\",\"shape\":"
          "[1,1,1,1,1,1,1,1,4],\"data_offsets\":[0,16]}}", four_floats, 16),
      EGO_ERROR_UNSUPPORTED, "tensor 'w' has 9 dimensions (at most 8)");
  expect_error (make_file ("{\"w\":{\"dtype\":\"U8\",\"shape\":"
          "[4294967296,4294967296],\"data_offsets\":[0,16]}}", four_floats,
          16), EGO_ERROR_INVALID, "tensor 'w' shape overflows 64 bits");
  expect_error (make_file ("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":"
          "[0,16]}}", four_floats, 16), EGO_ERROR_FORMAT,
      "tensor 'w' has no shape array");
}

/* A valid file cut short on disk loses the end of its data. */
static void
test_truncated_data (void)
{
  GError *error = NULL;
  char *dir = fixture_tmpdir ("ego-st-XXXXXX");
  char *path = g_build_filename (dir, "cut.safetensors", NULL);
  EgoStTensor t = { "w", EGO_DTYPE_F32, 1, {4}, 4, four_floats, 16 };
  char *contents;
  gsize length;

  g_assert_true (ego_safetensors_save (path, &t, 1, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (path, contents, length - 6, NULL));
  g_assert_null (ego_safetensors_load (path, &error));
  g_assert_error (error, EGO_ERROR, EGO_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (g_strstr_len (error->message, -1,
          "tensor 'w' data_offsets [0, 16) exceed the data section (10 "
          "bytes)"));
  g_clear_error (&error);
  g_free (contents);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

/* ---------------------------------------------------------------------- */
/* valid files                                                            */

/* A header length that is not a multiple of 8 and a U8 tensor before an F32
 * one still give float-aligned data with the right values. */
static void
test_unaligned_data (void)
{
  guint8 data[3 + 16];
  GError *error = NULL;
  GBytes *bytes;
  EgoSafetensors *st;
  const EgoStTensor *w;

  data[0] = 7;
  data[1] = 8;
  data[2] = 9;
  memcpy (data + 3, four_floats, 16);
  bytes = make_file ("{\"m\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":"
      "[0,3]},\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":"
      "[3,19]}}", data, sizeof (data));
  st = ego_safetensors_parse ("aligned", bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ego_safetensors_count (st), ==, 2);
  w = ego_safetensors_find (st, "w");
  g_assert_nonnull (w);
  g_assert_cmpuint ((guintptr) w->data % 4, ==, 0);
  g_assert_cmpmem (w->data, 16, four_floats, 16);
  g_assert_cmpmem (ego_safetensors_find (st, "m")->data, 3, data, 3);
  g_assert_null (ego_safetensors_find (st, "x"));
  g_assert_null (ego_safetensors_metadata (st, "x"));
  g_assert_null (ego_safetensors_tensor (st, 2));
  ego_safetensors_free (st);
  g_bytes_unref (bytes);
}

static void
assert_same_tensor (const EgoStTensor * got, const EgoStTensor * want)
{
  g_assert_cmpstr (got->name, ==, want->name);
  g_assert_cmpint (got->dtype, ==, want->dtype);
  g_assert_cmpint (got->ndim, ==, want->ndim);
  for (int d = 0; d < want->ndim; d++)
    g_assert_cmpint (got->shape[d], ==, want->shape[d]);
  g_assert_cmpint (got->numel, ==, want->numel);
  g_assert_cmpmem (got->data, got->nbytes, want->data, want->nbytes);
}

/* Only name is in dir (no temporary file left behind). */
static void
assert_only_file (const char *dir, const char *name)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *entry;
  int n = 0;

  while ((entry = g_dir_read_name (d)) != NULL) {
    g_assert_cmpstr (entry, ==, name);
    n++;
  }
  g_assert_cmpint (n, ==, 1);
  g_dir_close (d);
}

static void
round_trip (const char *path, const EgoStTensor * tensors, int n,
    const char *const *metadata)
{
  GError *error = NULL;
  EgoSafetensors *st;

  g_assert_true (ego_safetensors_save (path, tensors, n, metadata, &error));
  g_assert_no_error (error);
  st = ego_safetensors_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ego_safetensors_name (st), ==, path);
  g_assert_cmpint (ego_safetensors_count (st), ==, n);
  /* tensors come back in file order, which is the order given */
  for (int i = 0; i < n; i++) {
    assert_same_tensor (ego_safetensors_tensor (st, i), &tensors[i]);
    assert_same_tensor (ego_safetensors_find (st, tensors[i].name),
        &tensors[i]);
  }
  for (int i = 0; metadata && metadata[i]; i += 2)
    g_assert_cmpstr (ego_safetensors_metadata (st, metadata[i]), ==,
        metadata[i + 1]);
  ego_safetensors_free (st);
}

/* Save then load: names, shapes, dtypes, bytes and metadata survive, the
 * save is atomic and replaces an existing file. */
static void
test_round_trip (void)
{
  static const guint8 mask[5] = { 1, 0, 1, 1, 0 };
  static const int32_t ids[3] = { 3, -1, 7 };
  static const int64_t big[2] = { G_GINT64_CONSTANT (1) << 40, -5 };
  static const float w[6] = { 0.25f, -1.0f, 3.5f, 1e-30f, -0.0f, 1e30f };
  EgoStTensor tensors[] = {
    {"mask", EGO_DTYPE_U8, 1, {5}, 5, mask, 5},
    {"layer.0.weight", EGO_DTYPE_F32, 3, {1, 2, 3}, 6, w, 24},
    {"ids", EGO_DTYPE_I32, 1, {3}, 3, ids, 12},
    {"big", EGO_DTYPE_I64, 2, {2, 1}, 2, big, 16},
    {"scalar", EGO_DTYPE_F32, 0, {0}, 1, four_floats, 4},
    {"none", EGO_DTYPE_F32, 2, {0, 3}, 0, NULL, 0},
  };
  const char *meta1[] = { "ego", "{\"format\": 1, \"q\": \"\\u00e9\"}",
    "note", "quotes \" and \\ and \n", NULL
  };
  const char *meta2[] = { "k", "v", NULL };
  char *dir = fixture_tmpdir ("ego-st-XXXXXX");
  char *path = g_build_filename (dir, "m.safetensors", NULL);

  round_trip (path, tensors, G_N_ELEMENTS (tensors), meta1);
  assert_only_file (dir, "m.safetensors");
  /* saving over it replaces it */
  round_trip (path, tensors + 1, 2, meta2);
  assert_only_file (dir, "m.safetensors");
  round_trip (path, NULL, 0, NULL);
  assert_only_file (dir, "m.safetensors");
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

/* The writer refuses what the reader would refuse, and leaves no file. */
static void
test_save_refuses (void)
{
  float nan_data[2] = { 1.0f, NAN };
  EgoStTensor dup[] = {
    {"a", EGO_DTYPE_F32, 1, {2}, 2, four_floats, 8},
    {"a", EGO_DTYPE_F32, 1, {2}, 2, four_floats + 2, 8},
  };
  EgoStTensor bad_nan = { "n", EGO_DTYPE_F32, 1, {2}, 2, nan_data, 8 };
  EgoStTensor bad_size = { "s", EGO_DTYPE_F32, 1, {3}, 3, four_floats, 8 };
  GError *error = NULL;
  char *dir = fixture_tmpdir ("ego-st-XXXXXX");
  char *path = g_build_filename (dir, "m.safetensors", NULL);

  g_assert_false (ego_safetensors_save (path, dup, 2, NULL, &error));
  g_assert_error (error, EGO_ERROR, EGO_ERROR_INVALID);
  g_assert_nonnull (g_strstr_len (error->message, -1, "two tensors named"));
  g_clear_error (&error);
  g_assert_false (ego_safetensors_save (path, &bad_nan, 1, NULL, &error));
  g_assert_nonnull (g_strstr_len (error->message, -1, "NaN or Inf at index 1"));
  g_clear_error (&error);
  g_assert_false (ego_safetensors_save (path, &bad_size, 1, NULL, &error));
  g_assert_nonnull (g_strstr_len (error->message, -1, "disagree"));
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (ego_safetensors_save ("/nonexistent/m.safetensors", dup, 1,
          NULL, &error));
  g_assert_error (error, EGO_ERROR, EGO_ERROR_IO);
  g_clear_error (&error);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

/* A file written by models/reference/gen_safetensors.py (Python). */
static void
test_python_fixture (void)
{
  static const int32_t classes[3] = { 3, -1, 7 };
  static const int64_t counts[4] = { 1, 2, 3, G_GINT64_CONSTANT (1) << 40 };
  static const guint8 mask[5] = { 1, 0, 1, 1, 0 };
  static const float head[3] = { 1.5f, -2.0f, 0.0f };
  static const float bias[2] = { 0.5f, -0.25f };
  EgoSafetensors *st = fixture_load ("st_python");
  const float *w = fixture_f32 (st, "stem.weight", 24);
  const EgoStTensor *t;

  g_assert_cmpint (ego_safetensors_count (st), ==, 7);
  g_assert_cmpstr (ego_safetensors_tensor (st, 0)->name, ==, "stem.weight");
  t = fixture_tensor (st, "stem.weight");
  g_assert_cmpint (t->ndim, ==, 3);
  g_assert_cmpint (t->shape[0], ==, 2);
  g_assert_cmpint (t->shape[1], ==, 3);
  g_assert_cmpint (t->shape[2], ==, 4);
  for (int i = 0; i < 24; i++)
    g_assert_cmpfloat (w[i], ==, i / 8.0f - 1.0f);
  g_assert_cmpmem (fixture_f32 (st, "stem.bias", 2), 8, bias, 8);
  g_assert_cmpmem (fixture_i32 (st, "classes", 3), 12, classes, 12);
  t = fixture_tensor (st, "counts");
  g_assert_cmpint (t->dtype, ==, EGO_DTYPE_I64);
  g_assert_cmpmem (t->data, t->nbytes, counts, sizeof (counts));
  t = fixture_tensor (st, "mask");
  g_assert_cmpint (t->dtype, ==, EGO_DTYPE_U8);
  g_assert_cmpmem (t->data, t->nbytes, mask, sizeof (mask));
  /* after the 5-byte mask: not 4-byte aligned in the file */
  g_assert_cmpmem (fixture_f32 (st, "head.weight", 3), 12, head, 12);
  t = fixture_tensor (st, "empty");
  g_assert_cmpint (t->numel, ==, 0);
  g_assert_cmpint (t->shape[0], ==, 0);
  g_assert_cmpint (t->shape[1], ==, 4);
  g_assert_cmpstr (ego_safetensors_metadata (st, "note"), ==,
      "written by gen_safetensors.py");
  g_assert_cmpint (fixture_int (st, "n"), ==, 7);
  ego_safetensors_free (st);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/safetensors/round-trip", test_round_trip);
  g_test_add_func ("/safetensors/save-refuses", test_save_refuses);
  g_test_add_func ("/safetensors/python-fixture", test_python_fixture);
  g_test_add_func ("/safetensors/unaligned-data", test_unaligned_data);
  g_test_add_func ("/safetensors/corrupt/empty-file", test_empty_file);
  g_test_add_func ("/safetensors/corrupt/missing-file", test_missing_file);
  g_test_add_func ("/safetensors/corrupt/not-regular-file",
      test_not_regular_file);
  g_test_add_func ("/safetensors/corrupt/truncated-length",
      test_truncated_length);
  g_test_add_func ("/safetensors/corrupt/header-length", test_header_length);
  g_test_add_func ("/safetensors/corrupt/header-not-json",
      test_header_not_json);
  g_test_add_func ("/safetensors/corrupt/unknown-dtype", test_unknown_dtype);
  g_test_add_func ("/safetensors/corrupt/size-mismatch", test_size_mismatch);
  g_test_add_func ("/safetensors/corrupt/offsets-out-of-range",
      test_offsets_out_of_range);
  g_test_add_func ("/safetensors/corrupt/overlap", test_overlap);
  g_test_add_func ("/safetensors/corrupt/gap", test_gap);
  g_test_add_func ("/safetensors/corrupt/non-finite", test_non_finite);
  g_test_add_func ("/safetensors/corrupt/duplicate-name", test_duplicate_name);
  g_test_add_func ("/safetensors/corrupt/metadata-not-string",
      test_metadata_not_string);
  g_test_add_func ("/safetensors/corrupt/bad-shape", test_bad_shape);
  g_test_add_func ("/safetensors/corrupt/truncated-data", test_truncated_data);
  return g_test_run ();
}
