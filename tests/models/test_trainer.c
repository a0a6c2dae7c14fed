/* Training on a tiny synthetic task: a coloured square moving left or
 * right. The noun is its colour (one frame tells), the verb its direction
 * (only motion tells). */
#include <math.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "fixture.h"
#include "trainer.h"

#define T 4
#define C 3
#define SIZE 20
#define INPUT 16

static const uint8_t colours[3][3] = { {230, 40, 40}, {40, 200, 60},
{50, 70, 230}
};

static void
draw_frame (uint8_t * px, int noun, int verb, double pos, EgoRng * rng)
{
  int x0 = (int) lround (pos), y0 = 7;
  for (int i = 0; i < SIZE * SIZE; i++)
    for (int c = 0; c < 3; c++)
      px[3 * i + c] = (uint8_t) (90 + ego_rng_below (rng, 30));
  for (int y = y0; y < y0 + 6; y++)
    for (int x = x0; x < x0 + 6; x++)
      if (x >= 0 && x < SIZE && y < SIZE)
        memcpy (px + 3 * (y * SIZE + x), colours[noun], 3);
}

/* Clip i: noun i % 3, verb (i / 3) % 2, start position varied. */
static EgoClipCache *
make_cache (int n, guint64 seed)
{
  EgoClipCacheSpec spec = { n, T, C, SIZE, SIZE, 2, {2, 3}, TRUE, FALSE };
  EgoClipCache *cache = ego_clip_cache_new (&spec, NULL, NULL);
  EgoRng rng;
  ego_rng_seed (&rng, seed, 3);
  for (int i = 0; i < n; i++) {
    int noun = i % 3, verb = (i / 3) % 2;
    double start = 2 + ego_rng_below (&rng, 4);
    int32_t *labels = ego_clip_cache_labels (cache, i);
    for (int f = 0; f < T * C; f++) {
      double pos = start + 0.9 * f;
      draw_frame (ego_clip_cache_frame (cache, i, f), noun, verb,
          verb ? pos : SIZE - 6 - pos, &rng);
    }
    labels[0] = verb;
    labels[1] = noun;
    /* a teacher that knows: confident logits on the truth */
    for (int h = 0; h < 2; h++)
      for (int k = 0; k < spec.classes[h]; k++)
        ego_clip_cache_teacher (cache, i, h)[k] = k == labels[h] ? 3.0f : 0.0f;
    ego_clip_cache_set_ready (cache, i);
  }
  return cache;
}

static EgoNet *
make_net (EgoModelMeta * meta)
{
  EgoNetConfig cfg;
  const char *json = "{\"format\": 1, \"kind\": \"student\", \"modality\": "
      "\"rgb\", \"arch\": {}, \"input\": {\"width\": 16, \"height\": 16, "
      "\"mean\": [0.5, 0.5, 0.5], \"std\": [0.25, 0.25, 0.25], \"frames\": 4,"
      " \"frame_step\": 1}, \"heads\": [{\"name\": \"verb\", \"labels\": "
      "[\"move-left\", \"move-right\"]}, {\"name\": \"noun\", \"labels\": "
      "[\"red\", \"green\", \"blue\"]}]}";
  g_assert_true (ego_model_meta_parse (meta, json, "test", NULL));
  ego_net_config_default (&cfg);
  cfg.height = cfg.width = INPUT;
  cfg.base_width = 8;
  cfg.n_stages = 2;
  cfg.shift_div = 4;
  cfg.n_heads = 2;
  cfg.classes[0] = 2;
  cfg.classes[1] = 3;
  return ego_net_new (&cfg, 11, NULL);
}

static void
train_config (EgoTrainConfig * c)
{
  ego_train_config_default (c);
  c->epochs = 40;
  c->batch = 8;
  c->lr = 1e-2f;
  c->augment.scale_min = 0.9f;
}

/* A few seconds of training take both heads well above chance on clips it
 * has not seen; views average as they should. */
static void
test_learns (void)
{
  EgoModelMeta meta;
  EgoNet *net = make_net (&meta);
  EgoClipCache *train = make_cache (48, 1), *val = make_cache (24, 2);
  EgoTrainConfig cfg;
  EgoTrainer *t;
  EgoStepStats st;
  EgoEvalResult r;
  float first = 0.0f;
  train_config (&cfg);
  t = ego_trainer_new (net, &meta, train, &cfg, NULL);
  g_assert_nonnull (t);
  while (ego_trainer_step (t, &st))
    if (st.step == 1)
      first = st.loss;
  g_test_message ("loss %.3f -> %.3f after %ld steps", first, st.loss,
      st.step);
  g_assert_cmpint (st.step, ==, 40 * 6);
  g_assert_cmpfloat (st.loss, <, 0.5f * first);
  g_assert_true (ego_net_prepare_inference (net, NULL));
  g_assert_true (ego_evaluate (net, &meta, val, 1, 1, &r, NULL));
  g_test_message ("verb %.1f%% noun %.1f%% action %.1f%% ece %.1f",
      r.top1[0], r.top1[1], r.action_top1, r.ece[0]);
  g_assert_cmpfloat (r.top1[1], >=, 90.0);      /* chance: 33% */
  g_assert_cmpfloat (r.top1[0], >=, 80.0);      /* chance: 50% */
  g_assert_cmpint (r.clips, ==, 24);
  ego_eval_result_clear (&r);
  g_assert_true (ego_evaluate (net, &meta, val, 2, 3, &r, NULL));
  g_assert_cmpfloat (r.top1[1], >=, 80.0);
  ego_eval_result_clear (&r);
  ego_trainer_free (t);
  ego_clip_cache_free (train);
  ego_clip_cache_free (val);
  ego_net_free (net);
  ego_model_meta_clear (&meta);
}

/* Stopping after a checkpoint and resuming gives bit-identical weights to
 * an uninterrupted run; a checkpoint of other settings is refused. */
static void
test_resume (void)
{
  EgoModelMeta meta, meta_b;
  EgoNet *a = make_net (&meta), *b = make_net (&meta_b);
  EgoClipCache *train = make_cache (24, 1);
  EgoTrainConfig cfg;
  EgoTrainer *ta, *tb;
  EgoStepStats st;
  GError *error = NULL;
  size_t n;
  guint64 seed;
  char *dir = fixture_tmpdir ("ego-resume-XXXXXX");
  char *ckpt = g_build_filename (dir, "ckpt.safetensors", NULL);
  train_config (&cfg);
  cfg.epochs = 3;
  cfg.lambda_d = 0.5f;          /* both loss terms */
  ta = ego_trainer_new (a, &meta, train, &cfg, NULL);
  while (ego_trainer_step (ta, &st));
  tb = ego_trainer_new (b, &meta, train, &cfg, NULL);
  for (int i = 0; i < 5; i++)
    ego_trainer_step (tb, &st);
  g_assert_true (ego_trainer_save_checkpoint (tb, ckpt, &error));
  ego_trainer_free (tb);
  ego_net_free (b);
  /* a fresh process: new network, resumed */
  ego_model_meta_clear (&meta_b);
  b = make_net (&meta_b);
  tb = ego_trainer_new (b, &meta, train, &cfg, NULL);
  g_assert_true (ego_trainer_resume (tb, ckpt, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ego_trainer_step_count (tb), ==, 5);
  while (ego_trainer_step (tb, &st));
  g_assert_cmpmem (ego_net_params (a, &n), n * 4, ego_net_params (b, &n),
      n * 4);
  ego_trainer_free (tb);
  seed = cfg.seed;
  cfg.seed = 99;
  tb = ego_trainer_new (b, &meta, train, &cfg, NULL);
  g_assert_false (ego_trainer_resume (tb, ckpt, &error));
  g_assert_nonnull (strstr (error->message, "other settings"));
  g_clear_error (&error);
  ego_trainer_free (tb);
  /* fewer epochs, whose last step comes before the checkpoint's: named as
   * other settings too (it read "not a gst-ego training checkpoint") */
  cfg.seed = seed;
  cfg.epochs = 1;
  tb = ego_trainer_new (b, &meta, train, &cfg, NULL);
  g_assert_cmpint (ego_trainer_total_steps (tb), <, 5);
  g_assert_false (ego_trainer_resume (tb, ckpt, &error));
  g_assert_nonnull (strstr (error->message, "other settings"));
  g_clear_error (&error);
  ego_trainer_free (tb);
  ego_trainer_free (ta);
  g_unlink (ckpt);
  g_rmdir (dir);
  g_free (ckpt);
  g_free (dir);
  ego_clip_cache_free (train);
  ego_net_free (a);
  ego_net_free (b);
  ego_model_meta_clear (&meta);
  ego_model_meta_clear (&meta_b);
}

/* Distillation needs teacher logits; bad settings are refused. */
static void
test_refuses (void)
{
  EgoModelMeta meta;
  EgoNet *net = make_net (&meta);
  EgoClipCacheSpec spec = { 8, T, C, SIZE, SIZE, 2, {2, 3}, FALSE, FALSE };
  EgoClipCache *cache = ego_clip_cache_new (&spec, NULL, NULL);
  EgoTrainConfig cfg;
  GError *error = NULL;
  train_config (&cfg);
  g_assert_null (ego_trainer_new (net, &meta, cache, &cfg, &error));
  g_assert_nonnull (strstr (error->message, "not filled"));
  g_clear_error (&error);
  for (int i = 0; i < 8; i++)
    ego_clip_cache_set_ready (cache, i);
  cfg.lambda_d = 1.0f;
  g_assert_null (ego_trainer_new (net, &meta, cache, &cfg, &error));
  g_assert_nonnull (strstr (error->message, "teacher logits"));
  g_clear_error (&error);
  ego_clip_cache_free (cache);
  ego_net_free (net);
  ego_model_meta_clear (&meta);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ego_set_num_threads (1);
  g_test_add_func ("/trainer/learns", test_learns);
  g_test_add_func ("/trainer/resume", test_resume);
  g_test_add_func ("/trainer/refuses", test_refuses);
  return g_test_run ();
}
