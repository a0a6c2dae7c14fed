/* ego-bench-train: training throughput of the network library.
 *
 *   ego-bench-train [--size 112] [--frames 8] [--batch 16] [--width 32]
 *       [--blocks 1,1,1,1] [--classes 97,300] [--steps 20] [--warmup 3]
 *       [--threads 2] [--json]
 *
 * Trains the student (default: the default student with EPIC-100's 97
 * verbs and 300 nouns) with EgoTrainer exactly as egodistill does, on a
 * clip cache of random frames: every step draws its clips' candidates,
 * crops and colour jitter from the cache, runs forward and backward, clips
 * the gradient and takes an AdamW step. Prints clips per second, and the
 * part of a step spent making the batch. pipelines/bench-train.sh puts it
 * next to PyTorch training the same network with the same settings
 * (models/reference/bench_train_torch.py). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "trainer.h"

typedef struct
{
  gint size, frames, batch, width, steps, warmup, threads;
  gchar *blocks, *classes;
  gboolean json;
} Options;

static gdouble
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gdouble) ts.tv_sec + 1e-9 * (gdouble) ts.tv_nsec;
}

static gboolean
parse_list (const gchar * text, gint * out, gint max, gint * n)
{
  gchar **parts = g_strsplit (text, ",", -1);
  gboolean ok = (*n = (gint) g_strv_length (parts)) >= 1 && *n <= max;
  for (gint i = 0; ok && i < *n; i++)
    ok = (out[i] = atoi (parts[i])) >= 1;
  g_strfreev (parts);
  return ok;
}

static gboolean
parse_options (int *argc, char ***argv, Options * o)
{
  GOptionEntry entries[] = {
    {"size", 0, 0, G_OPTION_ARG_INT, &o->size, "Input size (112)", "N"},
    {"frames", 0, 0, G_OPTION_ARG_INT, &o->frames, "Frames per clip (8)",
        "T"},
    {"batch", 0, 0, G_OPTION_ARG_INT, &o->batch, "Clips per step (16)", "N"},
    {"width", 0, 0, G_OPTION_ARG_INT, &o->width, "Base width (32)", "N"},
    {"blocks", 0, 0, G_OPTION_ARG_STRING, &o->blocks,
        "Blocks per stage (1,1,1,1)", "LIST"},
    {"classes", 0, 0, G_OPTION_ARG_STRING, &o->classes,
        "Classes per head (97,300)", "LIST"},
    {"steps", 0, 0, G_OPTION_ARG_INT, &o->steps, "Timed steps (20)", "N"},
    {"warmup", 0, 0, G_OPTION_ARG_INT, &o->warmup, "Untimed steps first (3)",
        "N"},
    {"threads", 0, 0, G_OPTION_ARG_INT, &o->threads, "Threads (2)", "N"},
    {"json", 0, 0, G_OPTION_ARG_NONE, &o->json, "Print JSON", NULL},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- training throughput");
  GError *error = NULL;
  gboolean ok;
  g_option_context_add_main_entries (ctx, entries, NULL);
  ok = g_option_context_parse (ctx, argc, argv, &error);
  if (!ok)
    g_printerr ("ego-bench-train: %s\n", error->message);
  g_clear_error (&error);
  g_option_context_free (ctx);
  return ok && o->size >= 16 && o->frames >= 1 && o->batch >= 1
      && o->steps >= 1 && o->warmup >= 0 && o->threads >= 1;
}

/* The student as egodistill builds it; the metadata the trainer reads. */
static EgoNet *
make_net (const Options * o, EgoModelMeta * meta)
{
  EgoNetConfig cfg;
  static const gfloat mean[3] = { 0.485f, 0.456f, 0.406f };
  static const gfloat std[3] = { 0.229f, 0.224f, 0.225f };
  ego_net_config_default (&cfg);
  cfg.width = cfg.height = o->size;
  cfg.base_width = o->width;
  if (!parse_list (o->blocks, cfg.blocks, EGO_NET_MAX_STAGES, &cfg.n_stages)
      || !parse_list (o->classes, cfg.classes, EGO_MAX_HEADS, &cfg.n_heads))
    return NULL;
  memset (meta, 0, sizeof (*meta));
  meta->width = meta->height = o->size;
  meta->channels = 3;
  memcpy (meta->mean, mean, sizeof (mean));
  memcpy (meta->std, std, sizeof (std));
  meta->frames = o->frames;
  meta->n_heads = cfg.n_heads;
  return ego_net_new (&cfg, 1, NULL);
}

/* Random frames at the cache size egodatasetsrc uses by default. */
static EgoClipCache *
make_cache (const Options * o, const EgoNetConfig * nc, gint n)
{
  EgoClipCacheSpec spec = { 0 };
  EgoClipCache *cache;
  EgoRng rng;
  spec.n_clips = n;
  spec.segments = o->frames;
  spec.candidates = 3;
  spec.width = spec.height = 2 * (gint) (o->size * 1.15 / 2 + 0.5);
  spec.n_heads = nc->n_heads;
  memcpy (spec.classes, nc->classes, sizeof (spec.classes));
  cache = ego_clip_cache_new (&spec, NULL, NULL);
  ego_rng_seed (&rng, 7, 1);
  for (gint i = 0; cache && i < n; i++) {
    for (gint f = 0; f < spec.segments * spec.candidates; f++) {
      uint8_t *px = ego_clip_cache_frame (cache, i, f);
      for (gint j = 0; j < spec.width * spec.height * 3; j++)
        px[j] = (uint8_t) ego_rng_u32 (&rng);
    }
    for (gint h = 0; h < spec.n_heads; h++)
      ego_clip_cache_labels (cache, i)[h] =
          (int32_t) ego_rng_below (&rng, (uint32_t) spec.classes[h]);
    ego_clip_cache_set_ready (cache, i);
  }
  return cache;
}

/* Milliseconds to make one batch's input, as the trainer does each step. */
static gdouble
batch_input_ms (EgoClipCache * cache, const EgoModelMeta * meta,
    const EgoTrainConfig * cfg, const Options * o)
{
  gsize clip = (gsize) o->frames * 3 * o->size * o->size;
  gfloat *x = g_new (gfloat, clip * o->batch);
  gint n = ego_clip_cache_spec (cache)->n_clips, rounds = 5;
  EgoRng rng;
  gdouble t0;
  ego_rng_seed (&rng, 3, 3);
  t0 = now_s ();
  for (gint r = 0; r < rounds; r++)
    for (gint b = 0; b < o->batch; b++)
      ego_clip_cache_make_input (cache, (r * o->batch + b) % n, o->size,
          o->size, 3, meta->mean, meta->std, &cfg->augment, &rng, 0, 1, 0,
          x + b * clip);
  g_free (x);
  return (now_s () - t0) * 1e3 / rounds;
}

/* flops: of one frame's forward; training costs about three of them
 * (forward, and backward to the input and to the weights) */
static void
report (const Options * o, gdouble seconds, gdouble input_ms,
    const EgoStepStats * st, gsize params, gdouble flops)
{
  gdouble cps = o->steps * o->batch / seconds;
  gdouble ms = seconds * 1e3 / o->steps;
  gdouble rate = 3.0 * flops * o->frames * cps / 1e9;
  if (o->json) {
    printf ("{\"clips_per_second\": %.3f, \"ms_per_step\": %.3f, "
        "\"input_ms_per_step\": %.3f, \"threads\": %d, \"batch\": %d, "
        "\"frames\": %d, \"size\": %d, \"params\": %zu, "
        "\"gflops_per_frame\": %.4f, \"training_gflops\": %.2f, "
        "\"last_loss\": %.4f}\n", cps, ms, input_ms, o->threads, o->batch,
        o->frames, o->size, params, flops / 1e9, rate, st->loss);
    return;
  }
  printf ("ego training: %d clips of %d frames at %dx%d per step, %d "
      "threads, %zu parameters, %.3f GFLOPs per frame forward\n", o->batch,
      o->frames, o->size, o->size, o->threads, params, flops / 1e9);
  printf ("  %.1f ms per step (%.1f of them making the batch), "
      "%.1f clips/s, about %.1f GFLOP/s\n", ms, input_ms, cps, rate);
}

int
main (int argc, char **argv)
{
  Options o = { 112, 8, 16, 32, 20, 3, 2, NULL, NULL, FALSE };
  EgoModelMeta meta;
  EgoTrainConfig cfg;
  EgoClipCache *cache;
  EgoTrainer *t;
  EgoStepStats st;
  EgoNet *net;
  gsize params;
  gdouble t0, seconds;
  if (!parse_options (&argc, &argv, &o)) {
    g_printerr ("ego-bench-train: bad arguments (see --help)\n");
    return 2;
  }
  if (o.blocks == NULL)
    o.blocks = g_strdup ("1,1,1,1");
  if (o.classes == NULL)
    o.classes = g_strdup ("97,300");
  ego_set_num_threads (o.threads);
  net = make_net (&o, &meta);
  if (net == NULL) {
    g_printerr ("ego-bench-train: bad --blocks or --classes\n");
    return 2;
  }
  cache = make_cache (&o, ego_net_config (net), o.batch * 4);
  ego_train_config_default (&cfg);
  cfg.batch = o.batch;
  /* enough epochs of 4 steps for all steps */
  cfg.epochs = (o.warmup + o.steps) / 4 + 1;
  t = ego_trainer_new (net, &meta, cache, &cfg, NULL);
  for (gint i = 0; i < o.warmup; i++)
    ego_trainer_step (t, &st);
  t0 = now_s ();
  for (gint i = 0; i < o.steps; i++)
    ego_trainer_step (t, &st);
  seconds = now_s () - t0;
  ego_net_params (net, &params);
  report (&o, seconds, batch_input_ms (cache, &meta, &cfg, &o), &st, params,
      ego_net_flops_per_frame (net));
  ego_trainer_free (t);
  ego_clip_cache_free (cache);
  ego_net_free (net);
  g_free (o.blocks);
  g_free (o.classes);
  return 0;
}
