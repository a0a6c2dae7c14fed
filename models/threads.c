/* The layers' own threads, see layers.h.
 *
 * A GLib pool of threads - 1 workers, created on first use and kept; the
 * caller runs the first share itself and then waits for the others. The
 * workers block on the pool's queue between jobs, rather than spinning as
 * OpenMP's do, which on a machine shared with other work would take cores
 * from it (and from the caller's serial parts) for nothing. */
#include "layers.h"

#include <glib.h>

static int layers_threads = 1;
static GThreadPool *pool;
static GMutex pool_lock;

typedef struct
{
  EgoParallelFn fn;
  void *data;
  int n, threads;
  GMutex lock;
  GCond done;
  int left;                     /* shares not yet finished */
} Job;

typedef struct
{
  Job *job;
  int thread;
} Share;

void
ego_layers_set_threads (int n)
{
  layers_threads = n < 1 ? 1 : n;
}

int
ego_layers_threads (void)
{
  return layers_threads;
}

/* items [n * t / threads, n * (t + 1) / threads): contiguous, so that each
 * thread's frames or channels stay together */
static void
run_share (Job * job, int t)
{
  int i0 = (int) ((gint64) job->n * t / job->threads);
  int i1 = (int) ((gint64) job->n * (t + 1) / job->threads);
  for (int i = i0; i < i1; i++)
    job->fn (i, t, job->data);
}

static void
worker (gpointer data, gpointer user_data)
{
  Share *s = data;
  Job *job = s->job;
  run_share (job, s->thread);
  g_mutex_lock (&job->lock);
  if (--job->left == 0)
    g_cond_signal (&job->done);
  g_mutex_unlock (&job->lock);
}

/* the pool, grown to at least workers threads; NULL if none can start */
static GThreadPool *
get_pool (int workers)
{
  GThreadPool *p;
  g_mutex_lock (&pool_lock);
  if (pool == NULL)
    pool = g_thread_pool_new (worker, NULL, workers, TRUE, NULL);
  else if (g_thread_pool_get_max_threads (pool) < workers)
    g_thread_pool_set_max_threads (pool, workers, NULL);
  p = pool;
  g_mutex_unlock (&pool_lock);
  return p;
}

void
ego_parallel_for (int n, int threads, EgoParallelFn fn, void *data)
{
  Job job = { fn, data, n, MIN (threads, n), {0}, {0}, 0 };
  Share shares[EGO_MAX_THREADS];
  GThreadPool *p;
  job.threads = CLAMP (job.threads, 1, EGO_MAX_THREADS);
  p = job.threads > 1 ? get_pool (job.threads - 1) : NULL;
  if (p == NULL) {
    job.threads = 1;
    run_share (&job, 0);
    return;
  }
  g_mutex_init (&job.lock);
  g_cond_init (&job.done);
  job.left = job.threads - 1;
  for (int t = 1; t < job.threads; t++) {
    shares[t].job = &job;
    shares[t].thread = t;
    g_thread_pool_push (p, &shares[t], NULL);
  }
  run_share (&job, 0);
  g_mutex_lock (&job.lock);
  while (job.left > 0)
    g_cond_wait (&job.done, &job.lock);
  g_mutex_unlock (&job.lock);
  g_mutex_clear (&job.lock);
  g_cond_clear (&job.done);
}
