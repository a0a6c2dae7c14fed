/* ego-dataset: render a synthetic egocentric dataset in the EPIC-Kitchens-100
 * layout (README, Files and formats).
 *
 *   ego-dataset --out DIR --clips N --seed S [--videos V] [--width W]
 *       [--height H] [--fps F] [--difficulty D] [--box-jitter J]
 *       [--box-drop P] [--false-boxes P] [--jobs J]
 *
 * Every video is one "participant" working along a kitchen counter
 * (egosynthsrc with its own seed), encoded with video and audio by
 * GStreamer's own encoders; its actions become annotation rows with exact
 * start and stop frames; the boxes egosynthsrc knows become detections, made
 * as imperfect as a detector's. Participants are split between train,
 * validation and test. Deterministic for a seed. */
#include <gst/gst.h>
#include <gst/ego/ego.h>
#include <glib/gstdio.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "datasetwriter.h"
#include "scenario.h"
#include "egolocale.h"

static gboolean
parse_options (int *argc, char ***argv, EgoDatasetSpec * spec, int *jobs)
{
  gchar *out = NULL;
  gint64 seed = 1;
  GOptionEntry entries[] = {
    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Folder to write", "DIR"},
    {"clips", 'n', 0, G_OPTION_ARG_INT, &spec->clips, "Clips in all", "N"},
    {"seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Seed (default 1)", "S"},
    {"videos", 'v', 0, G_OPTION_ARG_INT, &spec->videos,
        "Videos (participants) (default: one per 30 clips, at least 6)", "V"},
    {"width", 'W', 0, G_OPTION_ARG_INT, &spec->width, "Width (128)", "W"},
    {"height", 'H', 0, G_OPTION_ARG_INT, &spec->height, "Height (128)", "H"},
    {"fps", 'f', 0, G_OPTION_ARG_INT, &spec->fps, "Frame rate (30)", "F"},
    {"difficulty", 'd', 0, G_OPTION_ARG_DOUBLE, &spec->difficulty,
        "0..1: faster, smaller motions, more varied looks (0.5)", "D"},
    {"box-jitter", 0, 0, G_OPTION_ARG_DOUBLE, &spec->box_jitter,
        "Detections: box noise as a fraction of box size (0.05)", "J"},
    {"box-drop", 0, 0, G_OPTION_ARG_DOUBLE, &spec->box_drop,
        "Detections: chance a box is missed (0.05)", "P"},
    {"false-boxes", 0, 0, G_OPTION_ARG_DOUBLE, &spec->false_boxes,
        "Detections: false detections per frame (0.1)", "P"},
    {"jobs", 'j', 0, G_OPTION_ARG_INT, jobs, "Videos rendered at once (2)",
        "J"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- render a synthetic "
      "egocentric dataset in the EPIC-Kitchens-100 layout");
  GError *error = NULL;
  gboolean ok;
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, argc, argv, &error);
  if (!ok)
    g_printerr ("ego-dataset: %s\n", error->message);
  else if (out == NULL || spec->clips == 0)
    ok = (g_printerr ("ego-dataset: --out DIR and --clips N are needed "
            "(see --help)\n"), FALSE);
  else if (spec->clips < 1)
    ok = (g_printerr ("ego-dataset: --clips %d: must be at least 1\n",
            spec->clips), FALSE);
  else if (seed < 0)
    ok = (g_printerr ("ego-dataset: --seed %" G_GINT64_FORMAT ": must not "
            "be negative\n", seed), FALSE);
  else if (*jobs < 1 || *jobs > 16)
    ok = (g_printerr ("ego-dataset: --jobs %d: must be 1 to 16\n", *jobs),
        FALSE);
  g_clear_error (&error);
  g_option_context_free (ctx);
  spec->out = out;
  spec->seed = (guint64) seed;
  return ok;
}

static void
progress (const EgoDatasetProgress * p, gpointer data)
{
  gboolean tty = GPOINTER_TO_INT (data);
  double frac = p->total_frames ? (double) p->done_frames / p->total_frames
      : 1.0;
  double eta = frac > 0.0 ? p->elapsed * (1.0 - frac) / frac : 0.0;
  int bar = (int) (frac * 30);
  if (!tty && !p->finished_video)
    return;
  g_printerr ("%s[%-30.*s] %3.0f%%  videos %d/%d  %.0f frames/s  "
      "ETA %02d:%02d%s", tty ? "\r" : "", bar,
      "##############################", frac * 100.0, p->done_videos,
      p->total_videos, p->elapsed > 0 ? p->done_frames / p->elapsed : 0.0,
      (int) eta / 60, (int) eta % 60, tty ? "" : "\n");
}

int
main (int argc, char **argv)
{
  EgoDatasetSpec spec;
  GError *error = NULL;
  int jobs = 2;
  gboolean ok;
  /* The H.264 encoder reads memory it never wrote: with the same frames in,
   * the second and later videos of a process came out different from run
   * to run. Allocations filled with a fixed byte make those reads, and so
   * every video, the same on every run. */
  ego_tool_init_locale ();
  mallopt (M_PERTURB, 0x5a);
  ego_dataset_spec_init (&spec);
  gst_init (&argc, &argv);
  if (!parse_options (&argc, &argv, &spec, &jobs))
    return 2;
  ok = ego_dataset_write (&spec, jobs, progress,
      GINT_TO_POINTER (isatty (2)), &error);
  if (isatty (2))
    g_printerr ("\n");
  if (!ok) {
    g_printerr ("ego-dataset: %s\n", error->message);
    g_error_free (error);
    return 1;
  }
  g_print ("wrote %d clips in %d videos to %s\n", spec.clips, spec.videos,
      spec.out);
  g_free (spec.out);
  return 0;
}
