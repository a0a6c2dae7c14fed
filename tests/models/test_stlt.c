/* The layout network against its PyTorch reference
 * (models/reference/gen_stlt.py): forward, every gradient, finite
 * differences, padding that cannot matter, model files good and bad, the
 * input helper and its cost. Training is in test_stlt_train.c. */
#include <math.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "fixture.h"
#include "layers.h"
#include "optim.h"
#include "safetensors.h"
#include "stlt.h"

static const char *head_names[] = { "verb", "noun" };

typedef struct
{
  EgoStlt *net;
  EgoModelMeta meta;
  EgoSafetensors *io;
  EgoStltInput *in;
  const int32_t *targets[2];
} Case;

static char *
fixture_file (const char *name)
{
  char *file = g_strconcat (name, ".safetensors", NULL);
  char *path = g_build_filename (EGO_FIXTURES_DIR, file, NULL);
  g_free (file);
  return path;
}

static void
case_open (Case * c)
{
  GError *error = NULL;
  char *path = fixture_file ("stlt_model");
  int n, t, b;
  size_t slots;
  c->net = ego_stlt_load (path, &c->meta, &error);
  g_assert_no_error (error);
  c->io = fixture_load ("stlt");
  n = fixture_int (c->io, "n");
  t = fixture_int (c->io, "t");
  b = fixture_int (c->io, "b");
  slots = (size_t) n * t * b;
  c->in = ego_stlt_input_new (n, t, b);
  memcpy (c->in->feat, fixture_f32 (c->io, "feat", slots * EGO_STLT_FEATS),
      slots * EGO_STLT_FEATS * sizeof (float));
  memcpy (c->in->ids, fixture_i32 (c->io, "ids", slots * EGO_STLT_IDS),
      slots * EGO_STLT_IDS * sizeof (int32_t));
  memcpy (c->in->mask, fixture_tensor (c->io, "mask")->data, slots);
  for (int h = 0; h < 2; h++) {
    char *name = g_strconcat ("targets_", head_names[h], NULL);
    c->targets[h] = fixture_i32 (c->io, name, n);
    g_free (name);
  }
  g_free (path);
}

static void
case_close (Case * c)
{
  ego_stlt_free (c->net);
  ego_model_meta_clear (&c->meta);
  ego_safetensors_free (c->io);
  ego_stlt_input_free (c->in);
}

/* forward, the mean over heads of the cross-entropy, its gradient into
 * the dlogits when backward is wanted */
static double
loss_of (EgoStlt * net, const EgoStltInput * in, const int32_t ** targets,
    gboolean backward)
{
  const EgoStltConfig *cfg = ego_stlt_config (net);
  double loss = 0.0;
  g_assert_true (ego_stlt_forward (net, in, FALSE, NULL, NULL));
  for (int h = 0; h < cfg->n_heads; h++) {
    float *z = ego_stlt_logits (net, h);
    loss += ego_cross_entropy_forward (z, targets[h], in->n,
        cfg->classes[h], 0.0f) / cfg->n_heads;
    if (backward)
      ego_cross_entropy_backward (ego_stlt_dlogits (net, h), z, targets[h],
          in->n, cfg->classes[h], 0.0f, 1.0f / cfg->n_heads);
  }
  return loss;
}

/* The model file the reference wrote holds the parameters it used, and
 * the forward gives its logits and loss. */
static void
test_forward (void)
{
  Case c;
  int ok = TRUE;
  float loss;
  case_open (&c);
  for (int i = 0; i < ego_stlt_n_tensors (c.net); i++) {
    EgoNetTensor *t = ego_stlt_tensor (c.net, i);
    char *name = g_strconcat ("param.", t->name, NULL);
    g_assert_cmpmem (t->data, t->numel * sizeof (float),
        fixture_f32 (c.io, name, (int64_t) t->numel),
        t->numel * sizeof (float));
    g_free (name);
  }
  loss = (float) loss_of (c.net, c.in, c.targets, FALSE);
  for (int h = 0; h < 2; h++) {
    char *name = g_strconcat ("logits_", head_names[h], NULL);
    int k = ego_stlt_config (c.net)->classes[h];
    ok &= check_close (name, ego_stlt_logits (c.net, h),
        fixture_f32 (c.io, name, c.in->n * k), (size_t) c.in->n * k, 1e-4);
    g_free (name);
  }
  ok &= check_close ("loss", &loss, fixture_f32 (c.io, "loss", 1), 1, 1e-4);
  g_assert_true (ok);
  case_close (&c);
}

/* Every parameter gradient and the box features' gradient equal the
 * reference's; a second backward adds the same again. */
static void
test_backward (void)
{
  Case c;
  int ok = TRUE;
  size_t nf, np;
  float *dfeat, *first, *grads;
  case_open (&c);
  nf = (size_t) c.in->n * c.in->t * c.in->b * EGO_STLT_FEATS;
  dfeat = g_new0 (float, nf);
  ego_stlt_zero_grad (c.net);
  loss_of (c.net, c.in, c.targets, TRUE);
  ego_stlt_backward (c.net, dfeat);
  for (int i = 0; i < ego_stlt_n_tensors (c.net); i++) {
    EgoNetTensor *t = ego_stlt_tensor (c.net, i);
    char *name = g_strconcat ("grad.", t->name, NULL);
    ok &= check_close (name, t->grad, fixture_f32 (c.io, name,
            (int64_t) t->numel), t->numel, 1e-4);
    g_free (name);
  }
  ok &= check_close ("dfeat", dfeat, fixture_f32 (c.io, "dfeat", nf), nf, 1e-4);
  g_assert_true (ok);
  grads = ego_stlt_grads (c.net, &np);
  first = g_memdup2 (grads, np * sizeof (float));
  ego_stlt_backward (c.net, NULL);
  for (size_t i = 0; i < np; i++)
    first[i] *= 2.0f;
  g_assert_true (check_close ("grads after a second backward", grads, first,
          np, 1e-6));
  g_free (first);
  g_free (dfeat);
  case_close (&c);
}

static double
gc_loss (void *ctx)
{
  Case *c = ctx;
  return loss_of (c->net, c->in, c->targets, FALSE);
}

/* Central differences agree with the analytic gradient of parameters from
 * every part of the network and of the box features. */
static void
test_gradcheck (void)
{
  static const char *names[] = { "box.weight", "category.weight",
    "side.weight", "frame_token", "spatial.0.self_attn.in_proj_weight",
    "spatial.1.linear1.weight", "temporal_pos",
    "temporal.1.self_attn.out_proj.weight", "temporal.0.norm2.weight",
    "norm.bias", "heads.1.weight"
  };
  Case c;
  size_t nf;
  float *dfeat;
  int ok = TRUE;
  case_open (&c);
  nf = (size_t) c.in->n * c.in->t * c.in->b * EGO_STLT_FEATS;
  dfeat = g_new0 (float, nf);
  ego_stlt_zero_grad (c.net);
  loss_of (c.net, c.in, c.targets, TRUE);
  ego_stlt_backward (c.net, dfeat);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    EgoNetTensor *t = ego_stlt_find (c.net, names[i]);
    float *grad;
    g_assert_nonnull (t);
    grad = g_memdup2 (t->grad, t->numel * sizeof (float));
    ok &= gradcheck (names[i], gc_loss, &c, t->data, grad, t->numel, 24,
        1e-2f, 1e-2);
    g_free (grad);
  }
  ok &= gradcheck ("box features", gc_loss, &c, c.in->feat, dfeat, nf, 48,
      1e-2f, 1e-2);
  g_assert_true (ok);
  g_free (dfeat);
  case_close (&c);
}

/* Whatever the padded slots hold, features (even NaN) or ids, the logits
 * are the same to the bit. */
static void
test_padding_ignored (void)
{
  Case c;
  float *before[2];
  size_t slots;
  case_open (&c);
  slots = (size_t) c.in->n * c.in->t * c.in->b;
  g_assert_true (ego_stlt_forward (c.net, c.in, FALSE, NULL, NULL));
  for (int h = 0; h < 2; h++)
    before[h] = g_memdup2 (ego_stlt_logits (c.net, h),
        c.in->n * ego_stlt_config (c.net)->classes[h] * sizeof (float));
  for (size_t i = 0; i < slots; i++) {
    if (c.in->mask[i])
      continue;
    for (int f = 0; f < EGO_STLT_FEATS; f++)
      c.in->feat[i * EGO_STLT_FEATS + f] = (f % 2 ? 1e30f : NAN);
    c.in->ids[i * EGO_STLT_IDS] = 1234;
    c.in->ids[i * EGO_STLT_IDS + 1] = -5;
  }
  g_assert_true (ego_stlt_forward (c.net, c.in, FALSE, NULL, NULL));
  for (int h = 0; h < 2; h++) {
    g_assert_cmpmem (before[h],
        c.in->n * ego_stlt_config (c.net)->classes[h] * sizeof (float),
        ego_stlt_logits (c.net, h),
        c.in->n * ego_stlt_config (c.net)->classes[h] * sizeof (float));
    g_free (before[h]);
  }
  case_close (&c);
}

/* Saving and loading gives the same tensors, metadata and logits. */
static void
test_save_roundtrip (void)
{
  Case c;
  GError *error = NULL;
  EgoModelMeta meta2;
  EgoStlt *net2;
  char *dir = fixture_tmpdir ("ego-stlt-XXXXXX");
  char *path = g_build_filename (dir, "layout.safetensors", NULL);
  case_open (&c);
  g_assert_true (ego_stlt_save (c.net, &c.meta, path, &error));
  g_assert_no_error (error);
  net2 = ego_stlt_load (path, &meta2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (meta2.modality, ==, "layout");
  g_assert_cmpstr (meta2.heads[1].labels[3], ==, "tap");
  g_assert_cmpint (ego_stlt_config (net2)->spatial_layers, ==, 2);
  g_assert_cmpint (ego_stlt_config (net2)->max_frames, ==, 6);
  g_assert_true (ego_stlt_forward (c.net, c.in, FALSE, NULL, NULL));
  g_assert_true (ego_stlt_forward (net2, c.in, FALSE, NULL, NULL));
  for (int h = 0; h < 2; h++) {
    size_t bytes = c.in->n * ego_stlt_config (c.net)->classes[h] * 4;
    g_assert_cmpmem (ego_stlt_logits (c.net, h), bytes,
        ego_stlt_logits (net2, h), bytes);
  }
  ego_stlt_free (net2);
  ego_model_meta_clear (&meta2);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
  case_close (&c);
}

/* ------------------------------------------------------------------------ */
/* Bad model files: each is the fixture's model rewritten with one fault. */

typedef enum
{
  FAULT_NONE,
  FAULT_DROP_TENSOR,            /* the first tensor missing */
  FAULT_EXTRA_TENSOR,           /* one more tensor */
} Fault;

/* the fixture model's tensors with the ego metadata edited (from -> to)
 * and the fault, written to a file and loaded; returns the error message
 * (or NULL when it loads) */
static char *
load_faulty (const char *from, const char *to, Fault fault)
{
  GError *error = NULL;
  char *path = fixture_file ("stlt_model"), *dir, *out, *json, *msg = NULL;
  char **parts;
  EgoSafetensors *st = ego_safetensors_load (path, &error);
  int n = ego_safetensors_count (st), first = fault == FAULT_DROP_TENSOR;
  EgoStTensor *ts = g_new0 (EgoStTensor, n + 1);
  const char *kv[3] = { "ego", NULL, NULL };
  EgoModelMeta meta;
  EgoStlt *net;
  g_assert_no_error (error);
  for (int i = first; i < n; i++)
    ts[i - first] = *ego_safetensors_tensor (st, i);
  if (fault == FAULT_EXTRA_TENSOR) {
    ts[n] = ts[n - 1];
    ts[n].name = (char *) "spatial.9.norm1.weight";
  }
  json = g_strdup (ego_safetensors_metadata (st, "ego"));
  g_assert_nonnull (strstr (json, from));
  parts = g_strsplit (json, from, 2);
  kv[1] = g_strjoinv (to, parts);
  g_strfreev (parts);
  dir = fixture_tmpdir ("ego-stlt-XXXXXX");
  out = g_build_filename (dir, "bad.safetensors", NULL);
  g_assert_true (ego_safetensors_save (out, ts, n - first
          + (fault == FAULT_EXTRA_TENSOR), kv, NULL));
  net = ego_stlt_load (out, &meta, &error);
  if (net == NULL) {
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, "bad.safetensors"));
    msg = g_strdup (error->message);
    g_error_free (error);
  }
  ego_stlt_free (net);
  ego_model_meta_clear (&meta);
  g_unlink (out);
  g_rmdir (dir);
  g_free ((char *) kv[1]);
  g_free (json);
  g_free (out);
  g_free (dir);
  g_free (ts);
  ego_safetensors_free (st);
  g_free (path);
  return msg;
}

/* A faulty file fails to load with a message naming the file and the
 * fault. */
static void
test_bad_files (void)
{
  static const struct
  {
    const char *from, *to;
    Fault fault;
    const char *want;
  } cases[] = {
    {"\"modality\": \"layout\"", "\"modality\": \"rgb\"", FAULT_NONE,
        "modality is 'rgb'"},
    {"\"type\": \"stlt\"", "\"type\": \"tsmnet\"", FAULT_NONE,
        "arch.type must be \"stlt\""},
    {"\"dim\": 16", "\"dim\": 8", FAULT_NONE,
        "tensor 'box.weight' has shape [16, 7], the architecture needs "
          "[8, 7]"},
    {"\"dim\": 16", "\"dim\": 15", FAULT_NONE, "divide dim"},
    {"\"mlp\": 32", "\"mlp\": \"wide\"", FAULT_NONE,
        "arch.mlp must be an integer"},
    {"\"max_boxes\": 5", "\"max_boxes\": 17", FAULT_NONE,
        "arch.max_boxes is 17, must be 1 to 16"},
    {"\"frames\": 4", "\"frames\": 7", FAULT_NONE,
        "input.frames is 7 but arch.max_frames is 6"},
    {"\"spatial_layers\": 2", "\"spatial_layers\": 3", FAULT_NONE,
        "tensor 'spatial.2.norm1.weight' is missing"},
    {"\"type\"", "\"type\"", FAULT_DROP_TENSOR, "is missing"},
    {"\"type\"", "\"type\"", FAULT_EXTRA_TENSOR,
        "tensor 'spatial.9.norm1.weight' is not part of the layout"},
  };
  char *ok = load_faulty ("\"type\"", "\"type\"", FAULT_NONE);
  g_assert_null (ok);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    char *msg = load_faulty (cases[i].from, cases[i].to, cases[i].fault);
    printf ("# %s\n", msg ? msg : "(loaded)");
    g_assert_nonnull (msg);
    g_assert_nonnull (strstr (msg, cases[i].want));
    g_free (msg);
  }
}

/* A tsmnet file is not a layout model, and a truncated one is refused. */
static void
test_wrong_kind_and_truncated (void)
{
  GError *error = NULL;
  EgoModelMeta meta;
  char *path = fixture_file ("tsmnet_online"), *data;
  gsize len;
  GBytes *bytes;
  g_assert_null (ego_stlt_load (path, &meta, &error));
  g_assert_nonnull (strstr (error->message, "tsmnet_online.safetensors"));
  g_assert_nonnull (strstr (error->message, "arch.type"));
  g_clear_error (&error);
  g_free (path);
  path = fixture_file ("stlt_model");
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  bytes = g_bytes_new_take (data, len - 100);
  g_assert_null (ego_stlt_load_bytes ("cut.safetensors", bytes, &meta, &error));
  g_assert_nonnull (strstr (error->message, "cut.safetensors"));
  printf ("# %s\n", error->message);
  g_clear_error (&error);
  g_bytes_unref (bytes);
  g_free (path);
}

/* Saving refuses metadata that does not describe this network. */
static void
test_save_refuses_mismatch (void)
{
  Case c;
  GError *error = NULL;
  case_open (&c);
  g_free (c.meta.modality);
  c.meta.modality = g_strdup ("flow");
  g_assert_false (ego_stlt_save (c.net, &c.meta, "/nonexistent/x", &error));
  g_assert_nonnull (strstr (error->message, "modality"));
  g_clear_error (&error);
  g_free (c.meta.modality);
  c.meta.modality = g_strdup ("layout");
  c.meta.n_heads = 1;
  g_assert_false (ego_stlt_save (c.net, &c.meta, "/nonexistent/x", &error));
  g_assert_nonnull (strstr (error->message, "heads"));
  g_clear_error (&error);
  c.meta.n_heads = 2;
  case_close (&c);
}

/* Batches the network cannot take fail with a message. */
static void
test_bad_batches (void)
{
  Case c;
  GError *error = NULL;
  EgoStltInput *big;
  case_open (&c);
  big = ego_stlt_input_new (1, 7, 2);   /* max_frames is 6 */
  g_assert_false (ego_stlt_forward (c.net, big, FALSE, NULL, &error));
  g_assert_nonnull (strstr (error->message, "out of range"));
  g_clear_error (&error);
  ego_stlt_input_free (big);
  big = ego_stlt_input_new (1, 2, 6);   /* max_boxes is 5 */
  g_assert_false (ego_stlt_forward (c.net, big, FALSE, NULL, &error));
  g_clear_error (&error);
  ego_stlt_input_free (big);
  c.in->ids[EGO_STLT_IDS * 0 + 1] = 3;  /* slot 0 holds a box */
  g_assert_true (c.in->mask[0]);
  g_assert_false (ego_stlt_forward (c.net, c.in, FALSE, NULL, &error));
  g_assert_nonnull (strstr (error->message, "side id 3"));
  g_clear_error (&error);
  c.in->ids[1] = 0;
  c.in->ids[0] = 0;             /* a box cannot be of the padding kind */
  g_assert_false (ego_stlt_forward (c.net, c.in, FALSE, NULL, &error));
  g_assert_nonnull (strstr (error->message, "category id 0"));
  g_clear_error (&error);
  case_close (&c);
}

/* The input helper: features and ids from boxes, hands first then higher
 * scores when boxes outnumber the slots, padding after them. */
static void
test_input_set_frame (void)
{
  EgoBox boxes[5] = {
    {0.1f, 0.2f, 0.3f, 0.5f, 0.9f, EGO_BOX_OBJECT, EGO_SIDE_NONE, FALSE},
    {0.5f, 0.5f, 0.6f, 0.7f, 0.4f, EGO_BOX_HAND, EGO_SIDE_RIGHT, TRUE},
    {0.0f, 0.0f, 1.0f, 1.0f, 0.2f, EGO_BOX_OBJECT, EGO_SIDE_NONE, FALSE},
    {0.2f, 0.6f, 0.4f, 0.8f, 0.8f, EGO_BOX_HAND, EGO_SIDE_LEFT, FALSE},
    {0.7f, 0.1f, 0.9f, 0.2f, 0.95f, EGO_BOX_OBJECT, EGO_SIDE_NONE, TRUE},
  };
  const float want0[7] = { 0.2f, 0.6f, 0.4f, 0.8f, 0.2f, 0.2f, 0.8f };
  EgoStltInput *in = ego_stlt_input_new (2, 3, 4);
  float *f;
  int32_t *id;
  g_assert_cmpint (ego_stlt_input_set_frame (in, 1, 2, boxes, 5), ==, 4);
  f = in->feat + ((1 * 3 + 2) * 4) * EGO_STLT_FEATS;
  id = in->ids + ((1 * 3 + 2) * 4) * EGO_STLT_IDS;
  g_assert_true (check_close ("set_frame features", f, want0, 7, 1e-6));
  g_assert_cmpint (id[0], ==, 1);       /* the left hand (0.8) */
  g_assert_cmpint (id[1], ==, 1);
  g_assert_cmpint (id[2], ==, 0);
  g_assert_cmpint (id[3], ==, 1);       /* the right hand (0.4) */
  g_assert_cmpint (id[4], ==, 2);
  g_assert_cmpint (id[5], ==, 1);
  g_assert_cmpfloat (f[2 * 7 + 6], ==, 0.95f);  /* then the best objects */
  g_assert_cmpfloat (f[3 * 7 + 6], ==, 0.9f);
  g_assert_cmpint (id[2 * 3], ==, 2);
  for (int j = 0; j < 4; j++)
    g_assert_cmpint (in->mask[(1 * 3 + 2) * 4 + j], ==, 1);
  /* fewer boxes than slots: the rest is padding, cleared */
  g_assert_cmpint (ego_stlt_input_set_frame (in, 1, 2, boxes + 2, 1), ==, 1);
  g_assert_cmpint (in->mask[(1 * 3 + 2) * 4 + 1], ==, 0);
  g_assert_cmpfloat (f[1 * 7 + 6], ==, 0.0f);
  g_assert_cmpint (id[1 * 3], ==, 0);
  g_assert_cmpint (ego_stlt_input_set_frame (in, 0, 0, NULL, 0), ==, 0);
  for (int i = 0; i < 2 * 3 * 4; i++)
    g_assert_cmpint (in->mask[i], ==, i == (1 * 3 + 2) * 4);
  ego_stlt_input_free (in);
}

/* The cost of a clip, counted by hand for a tiny network, and reported
 * for the default one. */
static void
test_flops (void)
{
  EgoStltConfig cfg;
  double f;
  memset (&cfg, 0, sizeof (cfg));
  cfg.dim = 4;
  cfg.attn_heads = 1;
  cfg.spatial_layers = 1;
  cfg.temporal_layers = 0;
  cfg.mlp = 8;
  cfg.max_boxes = 1;
  cfg.max_frames = 1;
  cfg.n_heads = 1;
  cfg.classes[0] = 2;
  /* box 2*7*4 + block over 2 tokens: linears 2*2*(48+16+64), attention
   * 2*2*(2*2*4), + head 2*4*2 */
  g_assert_cmpfloat (ego_stlt_flops (&cfg, 1, 1), ==, 56 + 512 + 64 + 16);
  ego_stlt_config_default (&cfg);
  cfg.n_heads = 2;
  cfg.classes[0] = 97;
  cfg.classes[1] = 300;
  f = ego_stlt_flops (&cfg, 8, 16);
  printf ("# default layout network: %.2f MFLOPs per clip of 8 frames x 16 "
      "boxes\n", f * 1e-6);
  g_assert_cmpfloat (f, >, ego_stlt_flops (&cfg, 8, 8));
  g_assert_cmpfloat (f, <, 1e9);
}

/* Settings out of range are refused with a message. */
static void
test_bad_config (void)
{
  EgoStltConfig cfg;
  GError *error = NULL;
  ego_stlt_config_default (&cfg);
  g_assert_null (ego_stlt_new (&cfg, 1, &error));       /* no heads */
  g_assert_nonnull (strstr (error->message, "heads"));
  g_clear_error (&error);
  cfg.n_heads = 1;
  cfg.classes[0] = 3;
  cfg.attn_heads = 3;
  g_assert_null (ego_stlt_new (&cfg, 1, &error));
  g_assert_nonnull (strstr (error->message, "divide dim"));
  g_clear_error (&error);
  cfg.attn_heads = 4;
  cfg.max_boxes = 17;
  g_assert_null (ego_stlt_new (&cfg, 1, &error));
  g_clear_error (&error);
}

/* Dropout acts in training only; inference is deterministic. */
static void
test_dropout (void)
{
  EgoStltConfig cfg;
  EgoStlt *net;
  EgoStltInput *in = ego_stlt_input_new (3, 2, 2);
  EgoBox box = { 0.1f, 0.1f, 0.4f, 0.5f, 0.9f, EGO_BOX_HAND, EGO_SIDE_LEFT,
    TRUE
  };
  EgoRng rng;
  float a[3 * 5], b[3 * 5], *grads;
  size_t np;
  ego_stlt_config_default (&cfg);
  cfg.dim = 16;
  cfg.mlp = 32;
  cfg.dropout = 0.5f;
  cfg.n_heads = 1;
  cfg.classes[0] = 5;
  net = ego_stlt_new (&cfg, 7, NULL);
  ego_rng_seed (&rng, 3, 0);
  for (int i = 0; i < 3; i++)
    ego_stlt_input_set_frame (in, i, 1, &box, 1);
  g_assert_true (ego_stlt_forward (net, in, FALSE, NULL, NULL));
  memcpy (a, ego_stlt_logits (net, 0), sizeof (a));
  g_assert_true (ego_stlt_forward (net, in, FALSE, NULL, NULL));
  g_assert_cmpmem (a, sizeof (a), ego_stlt_logits (net, 0), sizeof (a));
  g_assert_true (ego_stlt_forward (net, in, TRUE, &rng, NULL));
  memcpy (b, ego_stlt_logits (net, 0), sizeof (b));
  g_assert_true (memcmp (a, b, sizeof (a)) != 0);
  ego_stlt_zero_grad (net);
  ego_stlt_dlogits (net, 0)[0] = 1.0f;
  ego_stlt_backward (net, NULL);
  grads = ego_stlt_grads (net, &np);
  g_assert_cmpfloat (ego_grad_norm_sq (grads, np), >, 0.0);
  ego_stlt_free (net);
  ego_stlt_input_free (in);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ego_set_num_threads (1);
  g_test_add_func ("/stlt/fixture/forward", test_forward);
  g_test_add_func ("/stlt/fixture/backward", test_backward);
  g_test_add_func ("/stlt/gradcheck", test_gradcheck);
  g_test_add_func ("/stlt/padding-ignored", test_padding_ignored);
  g_test_add_func ("/stlt/file/roundtrip", test_save_roundtrip);
  g_test_add_func ("/stlt/file/faults", test_bad_files);
  g_test_add_func ("/stlt/file/wrong-kind-truncated",
      test_wrong_kind_and_truncated);
  g_test_add_func ("/stlt/file/save-refuses-mismatch",
      test_save_refuses_mismatch);
  g_test_add_func ("/stlt/input/bad-batches", test_bad_batches);
  g_test_add_func ("/stlt/input/set-frame", test_input_set_frame);
  g_test_add_func ("/stlt/flops", test_flops);
  g_test_add_func ("/stlt/config/invalid", test_bad_config);
  g_test_add_func ("/stlt/dropout", test_dropout);
  return g_test_run ();
}
