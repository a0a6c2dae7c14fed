/* ego-label: label the actions in a recorded file.
 *
 *   ego-label IN OUT.mp4 [--model FILE] [--stride N] [--threshold P] [--json]
 *   ego-label --synth SEED [--seconds S] OUT.mp4 [...]
 *
 * Decodes IN with whatever GStreamer can read (or renders an egocentric
 * clip with egosynthsrc), recognises actions with egoaction, draws them
 * with egooverlay, writes OUT as H.264 + AAC in MP4 (audio kept when there
 * is some) and prints the action timeline; for a rendered clip also the true
 * timeline and how often the two agree. It reads the results from
 * GstEgoActionMeta on the buffers, through the public header, as any
 * application can.
 *
 * OUT is written under a temporary name beside it and renamed when the
 * file is complete, so a failed run leaves no half file and an OUT that was
 * there is kept. Ctrl-C ends the input: the file is finished, the timeline
 * so far printed. A second Ctrl-C, or SIGTERM or SIGHUP, stops at once and
 * writes nothing (exit status 130). */
#include <gst/gst.h>
#include <gst/ego/ego.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "modelmeta.h"          /* ego_json_quote */
#include "egolocale.h"

/* the sound goes to the output untouched but for its encoding */
#define AUDIO_CHAIN "queue ! audioconvert ! audioresample ! avenc_aac ! queue"

static volatile sig_atomic_t interrupts, terminated;

static void
on_signal (int signum)
{
  if (signum == SIGINT)
    interrupts++;
  else
    terminated = 1;
}

typedef struct
{
  gchar *label;                 /* "verb noun", or the primary head's label */
  GstClockTime start, end;
  gdouble confidence_sum;
  guint results;
} Segment;

typedef struct
{
  GstElement *pipeline, *mux;
  GstElement *video_branch;     /* decoded video in, encoded video out */
  gboolean video_linked, audio_linked;
  GArray *timeline;             /* of Segment */
  GArray *truth;                /* of Segment, for a rendered clip */
  GPtrArray *truth_frames;      /* of gchar *: the label of each frame */
  GMutex lock;                  /* truth_frames: two streaming threads */
  GstClockTime frame_duration;
  guint results, agreed, verbs_agreed, nouns_agreed;
  gboolean json;
  gboolean with_sound;          /* an AAC encoder is there */
  gboolean failed, aborted;
} Labeller;

static gchar *
action_label (const GstEgoActionMeta * meta)
{
  const GstEgoActionHead *verb = gst_ego_action_meta_get_head (meta, "verb");
  const GstEgoActionHead *noun = gst_ego_action_meta_get_head (meta, "noun");
  if (meta->unsure)
    return g_strdup ("(unsure)");
  if (verb && noun && verb->k && noun->k)
    return g_strdup_printf ("%s %s", verb->labels[0], noun->labels[0]);
  return g_strdup (meta->heads[0].k ? meta->heads[0].labels[0] : "?");
}

/* Appends to a timeline, merging with the last segment when the label is
 * the same; takes label. */
static void
timeline_add (GArray * timeline, gchar * label, GstClockTime start,
    GstClockTime end, gdouble confidence)
{
  Segment *last = timeline->len ?
      &g_array_index (timeline, Segment, timeline->len - 1) : NULL;
  if (last && g_strcmp0 (last->label, label) == 0) {
    last->end = end;
    last->confidence_sum += confidence;
    last->results++;
    g_free (label);
  } else {
    Segment seg = { label, start, end, confidence, 1 };
    g_array_append_val (timeline, seg);
  }
}

/* For a rendered clip: is the result right at its window's last frame? */
static void
compare_with_truth (Labeller * l, const gchar * label, GstClockTime end)
{
  guint frame = (guint) (end / l->frame_duration);
  const gchar *truth;
  gchar **a, **b;
  g_mutex_lock (&l->lock);
  truth = frame < l->truth_frames->len ?
      g_ptr_array_index (l->truth_frames, frame) : NULL;
  if (truth && g_strcmp0 (truth, "(idle)") != 0) {
    a = g_strsplit (label, " ", 2);
    b = g_strsplit (truth, " ", 2);
    l->results++;
    l->agreed += g_strcmp0 (label, truth) == 0;
    l->verbs_agreed += g_strcmp0 (a[0], b[0]) == 0;
    l->nouns_agreed += a[0] && a[1] && g_strcmp0 (a[1], b[1]) == 0;
    g_strfreev (a);
    g_strfreev (b);
  }
  g_mutex_unlock (&l->lock);
}

static void
add_result (Labeller * l, const GstEgoActionMeta * meta)
{
  gchar *label = action_label (meta);
  if (l->json) {
    /* a model's labels may hold any character */
    gchar *quoted = ego_json_quote (label);
    g_print ("{\"window_start\": %.3f, \"window_end\": %.3f, "
        "\"label\": %s, \"confidence\": %.4f, \"unsure\": %s}\n",
        meta->window_start / 1e9, meta->window_end / 1e9, quoted,
        meta->heads[0].probs[0], meta->unsure ? "true" : "false");
    g_free (quoted);
  }
  if (l->truth_frames)
    compare_with_truth (l, label, meta->window_end);
  timeline_add (l->timeline, label, meta->window_start, meta->window_end,
      meta->heads[0].probs[0]);
}

/* Records the true action of every rendered frame. */
static GstPadProbeReturn
on_truth (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Labeller *l = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstEgoTruthMeta *t = gst_buffer_get_ego_truth_meta (buf);
  gchar *label = t && t->verb >= 0 ? g_strdup_printf ("%s %s",
      t->verb_label, t->noun_label) : g_strdup ("(idle)");
  GstClockTime pts = GST_BUFFER_PTS (buf);
  g_mutex_lock (&l->lock);
  g_ptr_array_add (l->truth_frames, g_strdup (label));
  g_mutex_unlock (&l->lock);
  timeline_add (l->truth, label, pts, pts + l->frame_duration, 1.0);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstEgoActionMeta *meta = gst_buffer_get_ego_action_meta (buf);
  if (meta)
    add_result (data, meta);
  return GST_PAD_PROBE_OK;
}

static GstElement *
make_chain (Labeller * l, const gchar * desc, const gchar * mux_pad)
{
  GError *error = NULL;
  GstElement *bin = gst_parse_bin_from_description (desc, TRUE, &error);
  GstPad *src, *sink;
  if (bin == NULL) {
    g_printerr ("ego-label: %s\n", error->message);
    g_error_free (error);
    return NULL;
  }
  gst_bin_add (GST_BIN (l->pipeline), bin);
  src = gst_element_get_static_pad (bin, "src");
  sink = gst_element_request_pad_simple (l->mux, mux_pad);
  gst_pad_link (src, sink);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_element_sync_state_with_parent (bin);
  return bin;
}

static void
on_pad_added (GstElement * decoder, GstPad * pad, gpointer data)
{
  Labeller *l = data;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  const gchar *name = gst_structure_get_name (gst_caps_get_structure (caps,
          0));
  GstElement *branch = NULL;
  GstPad *sink;
  if (g_str_has_prefix (name, "video/") && !l->video_linked) {
    branch = l->video_branch;
    l->video_linked = TRUE;
  } else if (g_str_has_prefix (name, "audio/") && !l->audio_linked
      && l->with_sound) {
    branch = make_chain (l, AUDIO_CHAIN, "audio_%u");
    l->audio_linked = TRUE;
  }
  gst_caps_unref (caps);
  if (branch == NULL)
    return;
  sink = gst_element_get_static_pad (branch, "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK) {
    g_printerr ("ego-label: could not link a decoded stream\n");
    l->failed = TRUE;
  }
  gst_object_unref (sink);
}

static void
on_no_more_pads (GstElement * decoder, gpointer data)
{
  Labeller *l = data;
  if (!l->video_linked) {
    g_printerr ("ego-label: the input has no video\n");
    l->failed = TRUE;
    gst_element_post_message (l->pipeline,
        gst_message_new_eos (GST_OBJECT (l->pipeline)));
  }
}

static gboolean
element_exists (const gchar * name)
{
  GstElementFactory *f = gst_element_factory_find (name);
  if (f)
    gst_object_unref (f);
  return f != NULL;
}

/* The elements a run needs, each named when missing: most often the
 * plugin itself, when GST_PLUGIN_PATH does not lead to it. Without an AAC
 * encoder the output has no sound. */
static gboolean
elements_present (Labeller * l, gboolean synth)
{
  const gchar *needed[] = { "egoaction", "egooverlay", "x264enc", "mp4mux",
    synth ? "egosynthsrc" : "uridecodebin", NULL
  };
  GString *missing = g_string_new (NULL);
  gboolean ours = FALSE, ok;
  for (guint i = 0; needed[i]; i++) {
    if (element_exists (needed[i]))
      continue;
    g_string_append_printf (missing, "%s%s", missing->len ? ", " : "",
        needed[i]);
    ours |= g_str_has_prefix (needed[i], "ego");
  }
  ok = missing->len == 0;
  if (!ok)
    g_printerr ("ego-label: missing GStreamer elements: %s%s\n", missing->str,
        ours ? " (set GST_PLUGIN_PATH to the folder of libgstego.so, "
        "build/elements in a build tree)" : "");
  g_string_free (missing, TRUE);
  l->with_sound = element_exists ("avenc_aac");
  if (ok && !l->with_sound)
    g_printerr ("ego-label: no AAC encoder (avenc_aac, from "
        "gstreamer1.0-libav): the output will have no sound\n");
  return ok;
}

/* The output half: video branch (egoaction, egooverlay, encoder), muxer
 * and file. The input links to l->video_branch and, if any, "audio_%u". */
static gboolean
build_output (Labeller * l, const gchar * out, const gchar * model,
    guint stride, gdouble threshold)
{
  GstElement *sink, *act;
  GstPad *pad;
  l->pipeline = gst_pipeline_new ("ego-label");
  l->mux = gst_element_factory_make ("mp4mux", NULL);
  sink = gst_element_factory_make ("filesink", NULL);
  g_object_set (sink, "location", out, NULL);
  gst_bin_add_many (GST_BIN (l->pipeline), l->mux, sink, NULL);
  gst_element_link (l->mux, sink);
  l->video_branch = make_chain (l, "queue ! videoconvert ! "
      "egoaction name=act ! egooverlay ! videoconvert ! "
      /* 4:2:0, the H.264 profile every player decodes */
      "video/x-raw,format=I420 ! "
      "x264enc speed-preset=veryfast tune=zerolatency ! queue", "video_%u");
  if (l->video_branch == NULL)
    return FALSE;
  act = gst_bin_get_by_name (GST_BIN (l->video_branch), "act");
  /* set here, not in the description: a file name may hold any character */
  g_object_set (act, "model", model, "stride", stride, "threshold",
      threshold, NULL);
  pad = gst_element_get_static_pad (act, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, l, NULL);
  gst_object_unref (pad);
  gst_object_unref (act);
  return TRUE;
}

static gboolean
build_decode (Labeller * l, const gchar * in)
{
  GError *error = NULL;
  gchar *uri = gst_uri_is_valid (in) ? g_strdup (in) :
      gst_filename_to_uri (in, &error);
  GstElement *dec;
  if (uri == NULL) {
    g_printerr ("ego-label: %s: %s\n", in, error->message);
    g_error_free (error);
    return FALSE;
  }
  dec = gst_element_factory_make ("uridecodebin", NULL);
  g_object_set (dec, "uri", uri, NULL);
  g_free (uri);
  gst_bin_add (GST_BIN (l->pipeline), dec);
  g_signal_connect (dec, "pad-added", G_CALLBACK (on_pad_added), l);
  g_signal_connect (dec, "no-more-pads", G_CALLBACK (on_no_more_pads), l);
  return TRUE;
}

/* An unseen clip from egosynthsrc at 320x240, 30 fps, with its truth. */
static gboolean
build_synth (Labeller * l, guint64 seed, gint seconds)
{
  GstElement *synth = gst_element_factory_make ("egosynthsrc", "synth");
  GstElement *filter = gst_element_factory_make ("capsfilter", NULL);
  GstCaps *caps = gst_caps_from_string ("video/x-raw,width=320,height=240,"
      "framerate=30/1");
  GstPad *pad;
  if (synth == NULL) {
    g_printerr ("ego-label: the egosynthsrc element is missing\n");
    gst_caps_unref (caps);
    return FALSE;
  }
  g_object_set (synth, "seed", seed, "num-buffers", seconds * 30, NULL);
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_bin_add_many (GST_BIN (l->pipeline), synth, filter, NULL);
  gst_element_link_pads (synth, "video", filter, "sink");
  gst_element_link (filter, l->video_branch);
  l->video_linked = TRUE;
  l->frame_duration = GST_SECOND / 30;
  pad = gst_element_get_static_pad (synth, "video");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_truth, l, NULL);
  gst_object_unref (pad);
  /* the sound goes along, as it would from a camera */
  pad = l->with_sound ? gst_element_request_pad_simple (synth, "audio") : NULL;
  if (pad) {
    GstElement *audio = make_chain (l, AUDIO_CHAIN, "audio_%u");
    GstPad *sink = audio ? gst_element_get_static_pad (audio, "sink") : NULL;
    gboolean linked = sink && gst_pad_link (pad, sink) == GST_PAD_LINK_OK;
    if (sink)
      gst_object_unref (sink);
    gst_object_unref (pad);
    if (!linked)
      return FALSE;
  }
  return TRUE;
}

/* Waits for the end or an error; on Ctrl-C ends the input, so that the
 * muxer still finishes the file; on a second one or SIGTERM gives up
 * (NULL, l->aborted). */
static GstMessage *
wait_for_end (Labeller * l, GstBus * bus)
{
  gboolean eos_sent = FALSE;
  for (;;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    if (msg)
      return msg;
    if (terminated || interrupts > 1) {
      g_printerr ("ego-label: stopped, nothing written\n");
      l->aborted = TRUE;
      return NULL;
    }
    if (interrupts && !eos_sent) {
      g_printerr ("ego-label: interrupted, finishing the file\n");
      gst_element_send_event (l->pipeline, gst_event_new_eos ());
      eos_sent = TRUE;
    }
  }
}

static gboolean
run (Labeller * l)
{
  GstBus *bus = gst_element_get_bus (l->pipeline);
  GstMessage *msg;
  gboolean ok;
  /* a failure to start posts its error, which names the cause */
  if (gst_element_set_state (l->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  else
    msg = wait_for_end (l, bus);
  if (msg == NULL) {
    if (!l->aborted)
      g_printerr ("ego-label: the pipeline could not start\n");
    gst_object_unref (bus);
    gst_element_set_state (l->pipeline, GST_STATE_NULL);
    return FALSE;
  }
  ok = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS && !l->failed;
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *dbg = NULL;
    gst_message_parse_error (msg, &err, &dbg);
    g_printerr ("ego-label: %s\n  (%s)\n", err->message, dbg ? dbg : "");
    g_error_free (err);
    g_free (dbg);
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (l->pipeline, GST_STATE_NULL);
  return ok;
}

/* A label as the terminal should see it: a model's labels may hold
 * control characters (escape sequences), shown as '?'. */
static gchar *
printable (const gchar * label)
{
  gchar *text = g_strdup (label);
  for (gchar * c = text; *c; c++)
    if ((guchar) * c < 0x20 || *c == 0x7f)
      *c = '?';
  return text;
}

static void
print_segments (GArray * timeline, gboolean confidence)
{
  g_print ("%9s %9s  %-28s %s\n", "start", "end", "action",
      confidence ? "confidence" : "");
  for (guint i = 0; i < timeline->len; i++) {
    Segment *s = &g_array_index (timeline, Segment, i);
    gchar *label = printable (s->label);
    g_print ("%8.2fs %8.2fs  %-28s", s->start / 1e9, s->end / 1e9, label);
    g_free (label);
    if (confidence)
      g_print (" %5.1f%%", 100.0 * s->confidence_sum / s->results);
    g_print ("\n");
  }
}

static void
timeline_free (GArray * timeline)
{
  for (guint i = 0; i < timeline->len; i++)
    g_free (g_array_index (timeline, Segment, i).label);
  g_array_free (timeline, TRUE);
}

static void
print_timelines (Labeller * l)
{
  if (l->truth) {
    g_print ("true actions:\n");
    print_segments (l->truth, FALSE);
    g_print ("\nrecognised:\n");
  }
  print_segments (l->timeline, TRUE);
  if (l->truth && l->results)
    g_print ("\nagreement with the truth at each result's last frame, over "
        "%u results during actions: action %.1f%%, verb %.1f%%, noun "
        "%.1f%%\n", l->results, 100.0 * l->agreed / l->results,
        100.0 * l->verbs_agreed / l->results,
        100.0 * l->nouns_agreed / l->results);
}

/* Labels into a temporary file beside OUT (a name no other file has),
 * renamed to OUT when complete. */
static gboolean
label (Labeller * l, const gchar * in, gint64 synth, gint seconds,
    const gchar * out, const gchar * model, guint stride, gdouble threshold)
{
  gchar *part = g_strdup_printf ("%s.XXXXXX.part", out);
  gint fd = g_mkstemp_full (part, O_WRONLY, 0666);
  gboolean ok;
  if (fd < 0) {
    g_printerr ("ego-label: cannot write beside %s: %s\n", out,
        g_strerror (errno));
    g_free (part);
    return FALSE;
  }
  close (fd);
  ok = build_output (l, part, model, stride, threshold)
      && (synth >= 0 ? build_synth (l, (guint64) synth, seconds)
      : build_decode (l, in)) && run (l);
  if (!ok)
    g_unlink (part);
  else if (g_rename (part, out) != 0) {
    /* the labelling is done: keep it where it is */
    g_printerr ("ego-label: could not rename %s to %s (%s); the labelled "
        "file is %s\n", part, out, g_strerror (errno), part);
    ok = FALSE;
  }
  g_free (part);
  return ok;
}

int
main (int argc, char **argv)
{
  gchar *model = NULL;
  gint stride = 4, seconds = 30;
  gint64 synth = -1;
  gdouble threshold = 0.3;
  Labeller l = { 0 };
  GOptionEntry entries[] = {
    {"synth", 0, 0, G_OPTION_ARG_INT64, &synth,
        "Render the input with egosynthsrc from this seed (no IN)", "SEED"},
    {"seconds", 0, 0, G_OPTION_ARG_INT, &seconds,
        "Length of the rendered input (default 30)", "S"},
    {"model", 'm', 0, G_OPTION_ARG_FILENAME, &model,
        "Student model (default: the one built into the plugin)", "FILE"},
    {"stride", 's', 0, G_OPTION_ARG_INT, &stride,
        "A result every N sampled frames (default 4)", "N"},
    {"threshold", 't', 0, G_OPTION_ARG_DOUBLE, &threshold,
        "Below this confidence a result is unsure (default 0.3)", "P"},
    {"json", 'j', 0, G_OPTION_ARG_NONE, &l.json,
        "Also print every result as a JSON line", NULL},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("IN OUT.mp4 - label actions");
  GError *error = NULL;
  const gchar *out;
  gboolean ok;
  ego_tool_init_locale ();
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error)
      || argc != (synth >= 0 ? 2 : 3) || seconds < 1 || seconds > 3600
      || stride < 1 || stride > 10000 || !(threshold >= 0 && threshold <= 1)) {
    g_printerr ("ego-label: %s\n", error ? error->message :
        argc != (synth >= 0 ? 2 : 3) ? "expected IN and OUT.mp4, or --synth "
        "SEED and OUT.mp4 (see --help)" : "--seconds takes 1 to 3600, "
        "--stride 1 to 10000, --threshold 0 to 1");
    g_clear_error (&error);
    g_free (model);
    g_option_context_free (ctx);
    return 2;
  }
  if (!elements_present (&l, synth >= 0)) {
    g_free (model);
    g_option_context_free (ctx);
    return 1;
  }
  out = argv[argc - 1];
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  signal (SIGHUP, on_signal);
  l.timeline = g_array_new (FALSE, FALSE, sizeof (Segment));
  g_mutex_init (&l.lock);
  if (synth >= 0) {
    l.truth = g_array_new (FALSE, FALSE, sizeof (Segment));
    l.truth_frames = g_ptr_array_new_with_free_func (g_free);
  }
  ok = label (&l, argv[1], synth, seconds, out, model ? model : "", stride,
      threshold);
  if (ok) {
    print_timelines (&l);
    g_print ("wrote %s\n", out);
  }
  timeline_free (l.timeline);
  if (l.truth) {
    timeline_free (l.truth);
    g_ptr_array_free (l.truth_frames, TRUE);
  }
  if (l.pipeline)
    gst_object_unref (l.pipeline);
  g_mutex_clear (&l.lock);
  g_free (model);
  g_option_context_free (ctx);
  return ok ? 0 : l.aborted ? 130 : 1;
}
