/* Tests of the "ego" model metadata: a valid description parses, survives
 * to_json and copy, and every invalid one is refused with its own message
 * naming the file and the field. */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "modelmeta.h"
#include "safetensors.h"
#include "fixture.h"

#define NAME "m.safetensors"

static const char valid[] =
    "{\"format\": 1, \"kind\": \"student\", \"modality\": \"rgb\", "
    "\"arch\": {\"type\": \"tsm\", \"blocks\": [1, 2]}, "
    "\"input\": {\"width\": 112, \"height\": 96, "
    "\"mean\": [0.485, 0.456, 0.406], \"std\": [0.229, 0.224, 0.225], "
    "\"frames\": 8, \"frame_step\": 2}, "
    "\"heads\": [{\"name\": \"verb\", \"labels\": [\"take\", \"put\"]}, "
    "{\"name\": \"noun\", \"labels\": [\"cup\", \"plate\", \"knife\"]}], "
    "\"temperature\": 1.5, \"provenance\": {\"seed\": 3}}";

static void
assert_valid_fields (const EgoModelMeta * m)
{
  g_assert_cmpint (m->format, ==, 1);
  g_assert_cmpstr (m->kind, ==, "student");
  g_assert_cmpstr (m->modality, ==, "rgb");
  g_assert_cmpstr (json_object_get_string_member (m->arch, "type"), ==, "tsm");
  g_assert_cmpint (m->width, ==, 112);
  g_assert_cmpint (m->height, ==, 96);
  g_assert_cmpint (m->channels, ==, 3);
  g_assert_cmpfloat (m->mean[0], ==, 0.485f);
  g_assert_cmpfloat (m->mean[2], ==, 0.406f);
  g_assert_cmpfloat (m->std[1], ==, 0.224f);
  g_assert_cmpint (m->frames, ==, 8);
  g_assert_cmpint (m->frame_step, ==, 2);
  g_assert_cmpint (m->n_heads, ==, 2);
  g_assert_cmpstr (m->heads[0].name, ==, "verb");
  g_assert_cmpint (m->heads[0].n_labels, ==, 2);
  g_assert_cmpstr (m->heads[0].labels[1], ==, "put");
  g_assert_cmpstr (m->heads[1].name, ==, "noun");
  g_assert_cmpint (m->heads[1].n_labels, ==, 3);
  g_assert_cmpstr (m->heads[1].labels[2], ==, "knife");
  g_assert_cmpfloat (m->temperature, ==, 1.5);
  g_assert_cmpint (json_object_get_int_member (m->provenance, "seed"), ==, 3);
  g_assert_cmpint (ego_model_meta_head (m, "noun"), ==, 1);
  g_assert_cmpint (ego_model_meta_head (m, "verb"), ==, 0);
  g_assert_cmpint (ego_model_meta_head (m, "action"), ==, -1);
}

/* The valid description parses, and to_json gives it back unchanged. */
static void
test_valid_round_trip (void)
{
  EgoModelMeta m, again;
  GError *error = NULL;
  char *json, *json2;

  g_assert_true (ego_model_meta_parse (&m, valid, NAME, &error));
  g_assert_no_error (error);
  assert_valid_fields (&m);
  json = ego_model_meta_to_json (&m);
  g_assert_true (ego_model_meta_parse (&again, json, NAME, &error));
  g_assert_no_error (error);
  assert_valid_fields (&again);
  json2 = ego_model_meta_to_json (&again);
  g_assert_cmpstr (json, ==, json2);
  ego_model_meta_clear (&again);
  ego_model_meta_clear (&m);
  g_assert_null (m.kind);
  g_assert_cmpint (m.n_heads, ==, 0);
  g_free (json);
  g_free (json2);
}

/* temperature defaults to 1 and provenance to an empty object. */
static void
test_defaults (void)
{
  EgoModelMeta m;
  GError *error = NULL;
  const char *json = "{\"format\": 1, \"kind\": \"teacher\", "
      "\"modality\": \"audio\", \"arch\": {}, \"input\": {\"width\": 1, "
      "\"height\": 4096, \"mean\": [0], \"std\": [1], \"frames\": 256, "
      "\"frame_step\": 1000}, \"heads\": [{\"name\": \"verb\", "
      "\"labels\": [\"x\"]}], \"future\": \"ignored\"}";

  g_assert_true (ego_model_meta_parse (&m, json, NAME, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (m.temperature, ==, 1.0);
  g_assert_nonnull (m.provenance);
  g_assert_cmpint (json_object_get_size (m.provenance), ==, 0);
  g_assert_cmpint (m.channels, ==, 1);
  g_assert_cmpstr (m.kind, ==, "teacher");
  ego_model_meta_clear (&m);
}

/* A copy owns all of its parts. */
static void
test_copy (void)
{
  EgoModelMeta m, copy;

  g_assert_true (ego_model_meta_parse (&m, valid, NAME, NULL));
  ego_model_meta_copy (&copy, &m);
  json_object_set_string_member (copy.arch, "type", "changed");
  json_array_add_int_element (json_object_get_array_member (copy.arch,
          "blocks"), 3);
  json_object_set_int_member (copy.provenance, "seed", 4);
  ego_model_meta_clear (&m);
  g_assert_true (ego_model_meta_parse (&m, valid, NAME, NULL));
  assert_valid_fields (&m);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member
          (m.arch, "blocks")), ==, 2);
  g_assert_cmpstr (copy.heads[1].labels[0], ==, "cup");
  g_assert_true (copy.heads[1].labels[0] != m.heads[1].labels[0]);
  ego_model_meta_clear (&copy);
  ego_model_meta_clear (&m);
}

/* The metadata travels in a model file's __metadata__["ego"]. */
static void
test_in_model_file (void)
{
  static const float w[2] = { 1.0f, 2.0f };
  EgoStTensor t = { "w", EGO_DTYPE_F32, 1, {2}, 2, w, 8 };
  const char *metadata[] = { "ego", valid, NULL };
  char *dir = fixture_tmpdir ("ego-meta-XXXXXX");
  char *path = g_build_filename (dir, "m.safetensors", NULL);
  GError *error = NULL;
  EgoSafetensors *st;
  EgoModelMeta m;

  g_assert_true (ego_safetensors_save (path, &t, 1, metadata, &error));
  st = ego_safetensors_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (ego_model_meta_parse (&m, ego_safetensors_metadata (st,
              "ego"), ego_safetensors_name (st), &error));
  g_assert_no_error (error);
  assert_valid_fields (&m);
  ego_model_meta_clear (&m);
  ego_safetensors_free (st);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

/* One invalid variant of the valid description: replace from with to. */
typedef struct
{
  const char *what;
  const char *from, *to;
  EgoErrorCode code;
  const char *message;
} Invalid;

static const Invalid invalid[] = {
  {"no-format",
        "\"format\": 1, ",
        "",
      EGO_ERROR_FORMAT, "format is missing"},
  {"format-7",
        "\"format\": 1",
        "\"format\": 7",
      EGO_ERROR_UNSUPPORTED, "unknown format version 7"},
  {"bad-kind",
        "\"kind\": \"student\"",
        "\"kind\": \"robot\"",
      EGO_ERROR_UNSUPPORTED, "unknown kind 'robot'"},
  {"no-kind",
        "\"kind\": \"student\", ",
        "",
      EGO_ERROR_FORMAT, "kind is missing or not a string"},
  {"bad-modality",
        "\"rgb\"",
        "\"smell\"",
      EGO_ERROR_UNSUPPORTED, "unknown modality 'smell'"},
  {"no-arch",
        "\"arch\":",
        "\"arch_\":",
      EGO_ERROR_FORMAT, "arch is missing or not an object"},
  {"width-0",
        "\"width\": 112",
        "\"width\": 0",
      EGO_ERROR_INVALID, "input.width is 0, expected 1..4096"},
  {"width-string",
        "\"width\": 112",
        "\"width\": \"112\"",
      EGO_ERROR_FORMAT, "input.width is missing or not an integer"},
  {"height-5000",
        "\"height\": 96",
        "\"height\": 5000",
      EGO_ERROR_INVALID, "input.height is 5000, expected 1..4096"},
  {"mean-std-mismatch",
        "\"mean\": [0.485, 0.456, 0.406]",
        "\"mean\": [0.5, 0.5]",
      EGO_ERROR_INVALID, "input.mean has 2 entries but input.std has 3"},
  {"mean-6-channels",
        "\"mean\": [0.485, 0.456, 0.406]",
        "\"mean\": [1, 2, 3, 4, 5, 6]",
      EGO_ERROR_INVALID, "input.mean has 6 entries, expected 1..5"},
  {"std-0",
        "\"std\": [0.229, 0.224, 0.225]",
        "\"std\": [0.229, 0, 0.225]",
      EGO_ERROR_INVALID, "input.std[1] is 0, expected > 0"},
  {"std-negative",
        "\"std\": [0.229, 0.224, 0.225]",
        "\"std\": [0.229, 0.2, -1]",
      EGO_ERROR_INVALID, "input.std[2] is -1, expected > 0"},
  {"mean-inf",
        "0.456",
        "1e999",
      EGO_ERROR_INVALID, "input.mean[1] is not a finite float"},
  {"mean-overflows-float",
        "0.456",
        "1e300",
      EGO_ERROR_INVALID, "input.mean[1] is not a finite float"},
  {"mean-nan",
        "0.456",
        "NaN",
      EGO_ERROR_FORMAT, "not valid JSON"},
  {"mean-string",
        "0.456",
        "\"a\"",
      EGO_ERROR_FORMAT, "input.mean[1] is not a number"},
  {"frames-0",
        "\"frames\": 8",
        "\"frames\": 0",
      EGO_ERROR_INVALID, "input.frames is 0, expected 1..256"},
  {"frame-step-1001",
        "\"frame_step\": 2",
        "\"frame_step\": 1001",
      EGO_ERROR_INVALID, "input.frame_step is 1001, expected 1..1000"},
  {"no-input",
        "\"input\":",
        "\"input_\":",
      EGO_ERROR_FORMAT, "input is missing or not an object"},
  {"no-heads",
        "\"heads\": [",
        "\"heads\": [], \"unused\": [",
      EGO_ERROR_INVALID, "heads has 0 entries, expected 1..4"},
  {"duplicate-head",
        "{\"name\": \"noun\"",
        "{\"name\": \"verb\"",
      EGO_ERROR_INVALID, "heads[1].name 'verb' is a duplicate"},
  {"empty-head-name",
        "{\"name\": \"noun\"",
        "{\"name\": \"\"",
      EGO_ERROR_FORMAT, "heads[1].name is missing or not a non-empty string"},
  {"empty-labels",
        "[\"cup\", \"plate\", \"knife\"]",
        "[]",
      EGO_ERROR_INVALID, "heads[1].labels has 0 entries"},
  {"duplicate-labels",
        "[\"take\", \"put\"]",
        "[\"take\", \"take\"]",
      EGO_ERROR_INVALID, "heads[0].labels[1] 'take' is a duplicate"},
  {"empty-label",
        "[\"take\", \"put\"]",
        "[\"\", \"put\"]",
      EGO_ERROR_FORMAT, "heads[0].labels[0] is not a non-empty string"},
  {"labels-not-array",
        "[\"take\", \"put\"]",
        "\"take\"",
      EGO_ERROR_FORMAT, "heads[0].labels is missing or not an array"},
  {"temperature-0",
        "\"temperature\": 1.5",
        "\"temperature\": 0",
      EGO_ERROR_INVALID, "temperature is 0, expected a finite number > 0"},
  {"temperature-negative",
        "\"temperature\": 1.5",
        "\"temperature\": -2.5",
      EGO_ERROR_INVALID, "temperature is -2.5, expected a finite number > 0"},
  {"temperature-string",
        "\"temperature\": 1.5",
        "\"temperature\": \"hot\"",
      EGO_ERROR_FORMAT, "temperature is not a number"},
  {"provenance-array",
        "\"provenance\": {\"seed\": 3}",
        "\"provenance\": [3]",
      EGO_ERROR_FORMAT, "provenance is missing or not an object"},
  {"deep-arch",
        "{\"type\": \"tsm\"",
        "{\"type\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
      EGO_ERROR_FORMAT, "nests deeper than 32 levels"},
  {"inf-in-arch",
        "\"blocks\": [1, 2]",
        "\"blocks\": [1, -1e999]",
      EGO_ERROR_INVALID, "arch holds a number that is not finite"},
  {"inf-in-provenance",
        "{\"seed\": 3}",
        "{\"seed\": {\"loss\": [1e400]}}",
      EGO_ERROR_INVALID, "provenance holds a number that is not finite"},
  {"not-object",
        valid,
        "[1]",
      EGO_ERROR_FORMAT, "not a JSON object"},
  {"not-json",
        valid,
        "{\"format\": 1",
      EGO_ERROR_FORMAT, "not valid JSON"},
};

/* An invalid variant is refused with its own code and message. */
static void
test_invalid (gconstpointer data)
{
  const Invalid *v = data;
  GString *json = g_string_new (valid);
  GError *error = NULL;
  EgoModelMeta m;

  g_assert_cmpuint (g_string_replace (json, v->from, v->to, 1), ==, 1);
  g_assert_false (ego_model_meta_parse (&m, json->str, NAME, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, NAME ": ego metadata: "));
  if (g_strstr_len (error->message, -1, v->message) == NULL)
    g_error ("message '%s' lacks '%s'", error->message, v->message);
  g_assert_error (error, EGO_ERROR, (int) v->code);
  /* a failed parse leaves meta cleared */
  g_assert_null (m.kind);
  g_assert_null (m.arch);
  g_assert_cmpint (m.n_heads, ==, 0);
  g_error_free (error);
  g_string_free (json, TRUE);
}

/* More than EGO_MAX_HEADS heads are refused. */
static void
test_too_many_heads (void)
{
  GString *json = g_string_new (valid);
  GError *error = NULL;
  EgoModelMeta m;

  g_string_replace (json, "\"heads\": [", "\"heads\": ["
      "{\"name\": \"a\", \"labels\": [\"x\"]}, "
      "{\"name\": \"b\", \"labels\": [\"x\"]}, "
      "{\"name\": \"c\", \"labels\": [\"x\"]}, ", 1);
  g_assert_false (ego_model_meta_parse (&m, json->str, NAME, &error));
  g_assert_error (error, EGO_ERROR, EGO_ERROR_INVALID);
  g_assert_nonnull (g_strstr_len (error->message, -1,
          "heads has 5 entries, expected 1..4"));
  g_clear_error (&error);
  g_assert_false (ego_model_meta_parse (&m, NULL, NAME, &error));
  g_assert_error (error, EGO_ERROR, EGO_ERROR_FORMAT);
  g_clear_error (&error);
  g_string_free (json, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/modelmeta/valid-round-trip", test_valid_round_trip);
  g_test_add_func ("/modelmeta/defaults", test_defaults);
  g_test_add_func ("/modelmeta/copy", test_copy);
  g_test_add_func ("/modelmeta/in-model-file", test_in_model_file);
  for (size_t i = 0; i < G_N_ELEMENTS (invalid); i++) {
    char *path = g_strconcat ("/modelmeta/invalid/", invalid[i].what, NULL);
    g_test_add_data_func (path, &invalid[i], test_invalid);
    g_free (path);
  }
  g_test_add_func ("/modelmeta/too-many-heads", test_too_many_heads);
  return g_test_run ();
}
