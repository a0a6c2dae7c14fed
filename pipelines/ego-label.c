/* ego-label: label the actions in a recorded file.
 *
 *   ego-label IN OUT.mp4 [--model FILE] [--stride N] [--threshold P] [--json]
 *
 * Decodes IN with whatever GStreamer can read, recognises actions with
 * egoaction, draws them with egooverlay, writes OUT as H.264 + AAC in MP4
 * (audio kept when IN has it) and prints the action timeline. It reads the
 * results from GstEgoActionMeta on the buffers, through the public header,
 * as any application can. */
#include <gst/gst.h>
#include <gst/ego/ego.h>
#include <stdio.h>
#include <stdlib.h>

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
  gboolean json;
  gboolean failed;
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

static void
add_result (Labeller * l, const GstEgoActionMeta * meta)
{
  gchar *label = action_label (meta);
  Segment *last = l->timeline->len ?
      &g_array_index (l->timeline, Segment, l->timeline->len - 1) : NULL;
  if (l->json)
    g_print ("{\"window_start\": %.3f, \"window_end\": %.3f, "
        "\"label\": \"%s\", \"confidence\": %.4f, \"unsure\": %s}\n",
        meta->window_start / 1e9, meta->window_end / 1e9, label,
        meta->heads[0].probs[0], meta->unsure ? "true" : "false");
  if (last && g_strcmp0 (last->label, label) == 0) {
    last->end = meta->window_end;
    last->confidence_sum += meta->heads[0].probs[0];
    last->results++;
    g_free (label);
    return;
  }
  {
    Segment s = { label, meta->window_start, meta->window_end,
      meta->heads[0].probs[0], 1
    };
    g_array_append_val (l->timeline, s);
  }
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
  } else if (g_str_has_prefix (name, "audio/") && !l->audio_linked) {
    /* the audio goes to the output untouched but for its encoding */
    branch = make_chain (l, "queue ! audioconvert ! audioresample ! "
        "avenc_aac ! queue", "audio_%u");
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
build (Labeller * l, const gchar * in, const gchar * out, const gchar * props)
{
  GError *error = NULL;
  gchar *uri = gst_uri_is_valid (in) ? g_strdup (in) :
      gst_filename_to_uri (in, &error);
  gchar *video_desc = g_strdup_printf ("queue ! videoconvert ! "
      "egoaction name=act %s ! egooverlay ! videoconvert ! "
      "x264enc speed-preset=veryfast tune=zerolatency ! h264parse ! queue",
      props);
  GstElement *dec, *sink, *video, *act;
  GstPad *pad;
  if (uri == NULL) {
    g_printerr ("ego-label: %s: %s\n", in, error->message);
    g_error_free (error);
    return FALSE;
  }
  l->pipeline = gst_pipeline_new ("ego-label");
  dec = gst_element_factory_make ("uridecodebin", NULL);
  l->mux = gst_element_factory_make ("mp4mux", NULL);
  sink = gst_element_factory_make ("filesink", NULL);
  g_object_set (dec, "uri", uri, NULL);
  g_object_set (sink, "location", out, NULL);
  gst_bin_add_many (GST_BIN (l->pipeline), dec, l->mux, sink, NULL);
  gst_element_link (l->mux, sink);
  video = make_chain (l, video_desc, "video_%u");
  g_free (video_desc);
  g_free (uri);
  if (video == NULL)
    return FALSE;
  l->video_branch = video;
  act = gst_bin_get_by_name (GST_BIN (video), "act");
  pad = gst_element_get_static_pad (act, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, l, NULL);
  gst_object_unref (pad);
  gst_object_unref (act);
  g_signal_connect (dec, "pad-added", G_CALLBACK (on_pad_added), l);
  g_signal_connect (dec, "no-more-pads", G_CALLBACK (on_no_more_pads), l);
  return TRUE;
}

static gboolean
run (Labeller * l)
{
  GstBus *bus = gst_element_get_bus (l->pipeline);
  GstMessage *msg;
  gboolean ok;
  if (gst_element_set_state (l->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    g_printerr ("ego-label: the pipeline could not start\n");
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
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

static void
print_timeline (Labeller * l)
{
  g_print ("%-9s %-9s %-28s %s\n", "start", "end", "action", "confidence");
  for (guint i = 0; i < l->timeline->len; i++) {
    Segment *s = &g_array_index (l->timeline, Segment, i);
    g_print ("%8.2fs %8.2fs %-28s %5.1f%%\n", s->start / 1e9, s->end / 1e9,
        s->label, 100.0 * s->confidence_sum / s->results);
    g_free (s->label);
  }
}

int
main (int argc, char **argv)
{
  gchar *model = NULL, *props;
  gint stride = 4;
  gdouble threshold = 0.3;
  Labeller l = { 0 };
  GOptionEntry entries[] = {
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
  gboolean ok;
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 3) {
    g_printerr ("ego-label: %s\n", error ? error->message :
        "expected an input and an output file (see --help)");
    return 2;
  }
  props = g_strdup_printf ("model=\"%s\" stride=%d threshold=%g",
      model ? model : "", stride, threshold);
  l.timeline = g_array_new (FALSE, FALSE, sizeof (Segment));
  ok = build (&l, argv[1], argv[2], props) && run (&l);
  print_timeline (&l);
  if (ok)
    g_print ("wrote %s\n", argv[2]);
  g_array_free (l.timeline, TRUE);
  g_free (props);
  g_free (model);
  g_option_context_free (ctx);
  return ok ? 0 : 1;
}
