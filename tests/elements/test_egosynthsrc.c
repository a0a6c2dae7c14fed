/* egosynthsrc: the same seed gives the same frames and sound, other seeds
 * others; any size and format; exactly num-buffers frames with the sound
 * ending with them; ground truth that stays in the frame and follows the
 * schedule; sound that is louder in actions and chops in time; a motion
 * field that really predicts the next frame; live timestamps; state
 * changes, seeks and renegotiation. */
#include <gst/check/gstcheck.h>
#include <gst/ego/ego.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

#include "scenario.h"

#define FPS 30
#define RATE 16000

/* What came out of a pipeline's sinks "v" and "a". */
typedef struct
{
  GMutex lock;
  GPtrArray *video;             /* GstSample */
  GPtrArray *audio;
  GArray *arrival;              /* running time each video frame arrived at */
} Run;

static void
on_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, Run * run)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstSample *sample = gst_sample_new (buf, caps, NULL, NULL);
  gboolean video = g_str_equal (GST_OBJECT_NAME (sink), "v");
  GstClock *clock = gst_element_get_clock (sink);
  GstClockTime now = clock ? gst_clock_get_time (clock) -
      gst_element_get_base_time (sink) : GST_CLOCK_TIME_NONE;

  g_mutex_lock (&run->lock);
  g_ptr_array_add (video ? run->video : run->audio, sample);
  if (video)
    g_array_append_val (run->arrival, now);
  g_mutex_unlock (&run->lock);
  gst_caps_unref (caps);
  if (clock)
    gst_object_unref (clock);
}

static void
run_init (Run * run)
{
  g_mutex_init (&run->lock);
  run->video = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_sample_unref);
  run->audio = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_sample_unref);
  run->arrival = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
}

static void
run_clear (Run * run)
{
  g_ptr_array_unref (run->video);
  g_ptr_array_unref (run->audio);
  g_array_unref (run->arrival);
  g_mutex_clear (&run->lock);
}

static void
connect_sinks (GstElement * pipeline, Run * run)
{
  const gchar *names[] = { "v", "a" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), names[i]);
    if (sink == NULL)
      continue;
    g_object_set (sink, "signal-handoffs", TRUE, NULL);
    g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), run);
    gst_object_unref (sink);
  }
}

static GstElement *
pipeline_new (const gchar * desc, Run * run)
{
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);

  fail_unless (pipeline != NULL, "%s: %s", desc, err ? err->message : "?");
  g_clear_error (&err);
  connect_sinks (pipeline, run);
  return pipeline;
}

static void
wait_eos (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);

  fail_unless (msg != NULL, "no EOS in time");
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gst_message_parse_error (msg, &err, NULL);
    fail ("error: %s", err->message);
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
}

/* Runs a pipeline description to EOS, collecting what its sinks got. */
static void
run_to_eos (const gchar * desc, Run * run)
{
  GstElement *pipeline = pipeline_new (desc, run);

  fail_unless_equals_int (gst_element_set_state (pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_ASYNC);
  wait_eos (pipeline);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

static gchar *
hash_samples (GPtrArray * samples, guint first, guint n)
{
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  gchar *hex;

  for (guint i = first; i < first + n && i < samples->len; i++) {
    GstBuffer *buf = gst_sample_get_buffer (g_ptr_array_index (samples, i));
    GstMapInfo map;
    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_checksum_update (sum, map.data, map.size);
    gst_buffer_unmap (buf, &map);
  }
  hex = g_strdup (g_checksum_get_string (sum));
  g_checksum_free (sum);
  return hex;
}

static GstBuffer *
nth_buffer (GPtrArray * samples, guint i)
{
  return gst_sample_get_buffer (g_ptr_array_index (samples, i));
}

/* All audio samples of a run, F32LE mono, concatenated. */
static float *
audio_samples (Run * run, guint * n)
{
  GArray *all = g_array_new (FALSE, FALSE, sizeof (float));
  for (guint i = 0; i < run->audio->len; i++) {
    GstMapInfo map;
    GstBuffer *buf = nth_buffer (run->audio, i);
    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_array_append_vals (all, map.data, map.size / sizeof (float));
    gst_buffer_unmap (buf, &map);
  }
  *n = all->len;
  return (float *) g_array_free (all, FALSE);
}

#define AV_PIPELINE(props, caps) \
  "egosynthsrc name=s " props " s.video ! " caps " ! fakesink name=v " \
  "s.audio ! audio/x-raw,format=F32LE,rate=16000 ! fakesink name=a"

/* The same seed gives the same frames and the same sound, bit for bit. */
GST_START_TEST (test_same_seed_same_output)
{
  const gchar *desc = AV_PIPELINE ("seed=3 num-buffers=60",
      "video/x-raw,width=128,height=96");
  Run a, b;
  gchar *va, *vb, *aa, *ab;

  run_init (&a);
  run_init (&b);
  run_to_eos (desc, &a);
  run_to_eos (desc, &b);
  fail_unless_equals_int (a.video->len, 60);
  fail_unless_equals_int (b.video->len, 60);
  va = hash_samples (a.video, 0, a.video->len);
  vb = hash_samples (b.video, 0, b.video->len);
  aa = hash_samples (a.audio, 0, a.audio->len);
  ab = hash_samples (b.audio, 0, b.audio->len);
  fail_unless_equals_string (va, vb);
  fail_unless_equals_string (aa, ab);
  g_free (va);
  g_free (vb);
  g_free (aa);
  g_free (ab);
  run_clear (&a);
  run_clear (&b);
}

GST_END_TEST;

/* Another seed gives other frames and another sound. */
GST_START_TEST (test_different_seeds_differ)
{
  Run a, b;
  gchar *va, *vb, *aa, *ab;

  run_init (&a);
  run_init (&b);
  run_to_eos (AV_PIPELINE ("seed=3 num-buffers=30",
          "video/x-raw,width=128,height=96"), &a);
  run_to_eos (AV_PIPELINE ("seed=4 num-buffers=30",
          "video/x-raw,width=128,height=96"), &b);
  for (guint i = 0; i < 30; i += 10) {
    va = hash_samples (a.video, i, 1);
    vb = hash_samples (b.video, i, 1);
    fail_if (g_str_equal (va, vb), "frame %u is the same", i);
    g_free (va);
    g_free (vb);
  }
  aa = hash_samples (a.audio, 0, a.audio->len);
  ab = hash_samples (b.audio, 0, b.audio->len);
  fail_if (g_str_equal (aa, ab));
  g_free (aa);
  g_free (ab);
  run_clear (&a);
  run_clear (&b);
}

GST_END_TEST;

/* Frames come at any size and in every packed RGB format, with every byte
 * of a pixel written (alpha opaque) and a picture that is not flat. */
GST_START_TEST (test_caps_sizes_and_formats)
{
  static const struct
  {
    const gchar *format;
    gint w, h, fps_n, fps_d;
  } cases[] = {
    {"RGB", 16, 16, 30, 1}, {"BGR", 161, 97, 25, 1},
    {"RGBx", 128, 128, 60, 1}, {"BGRx", 64, 200, 30000, 1001},
    {"xRGB", 320, 240, 30, 1}, {"xBGR", 33, 17, 10, 1},
    {"RGBA", 640, 360, 24, 1}, {"BGRA", 96, 72, 15, 2},
    {"ARGB", 100, 100, 30, 1}, {"ABGR", 1280, 720, 30, 1},
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++) {
    gchar *desc = g_strdup_printf ("egosynthsrc num-buffers=2 ! "
        "video/x-raw,format=%s,width=%d,height=%d,framerate=%d/%d ! "
        "fakesink name=v", cases[c].format, cases[c].w, cases[c].h,
        cases[c].fps_n, cases[c].fps_d);
    GstVideoInfo info;
    GstVideoFrame frame;
    Run run;
    guint lo = 255, hi = 0;

    run_init (&run);
    run_to_eos (desc, &run);
    fail_unless_equals_int (run.video->len, 2);
    fail_unless (gst_video_info_from_caps (&info,
            gst_sample_get_caps (g_ptr_array_index (run.video, 1))));
    fail_unless_equals_string (gst_video_format_to_string
        (GST_VIDEO_INFO_FORMAT (&info)), cases[c].format);
    fail_unless_equals_int (info.width, cases[c].w);
    fail_unless_equals_int (info.height, cases[c].h);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (nth_buffer (run.video, 1)),
        gst_util_uint64_scale (GST_SECOND, cases[c].fps_d, cases[c].fps_n));
    fail_unless (gst_video_frame_map (&frame, &info, nth_buffer (run.video,
                1), GST_MAP_READ));
    for (gint y = 0; y < info.height; y++) {
      const guint8 *row = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
          y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
      for (gint x = 0; x < info.width; x++) {
        guint g = row[x * GST_VIDEO_INFO_COMP_PSTRIDE (&info, 1) +
            GST_VIDEO_INFO_COMP_POFFSET (&info, 1)];
        lo = MIN (lo, g);
        hi = MAX (hi, g);
        if (GST_VIDEO_INFO_HAS_ALPHA (&info))
          fail_unless_equals_int (row[x * 4 + GST_VIDEO_INFO_COMP_POFFSET
                  (&info, 3)], 255);
      }
    }
    gst_video_frame_unmap (&frame);
    fail_unless (hi - lo > 60, "%s %dx%d looks flat", cases[c].format,
        cases[c].w, cases[c].h);
    run_clear (&run);
    g_free (desc);
  }
}

GST_END_TEST;

/* num-buffers gives exactly that many frames, then EOS, and the sound ends
 * at the same instant. */
GST_START_TEST (test_num_buffers_then_eos)
{
  Run run;
  GstBuffer *last;
  GstClockTime video_end, audio_end;

  run_init (&run);
  run_to_eos (AV_PIPELINE ("num-buffers=25", "video/x-raw,width=64,height=48"),
      &run);
  fail_unless_equals_int (run.video->len, 25);
  for (guint i = 0; i < run.video->len; i++) {
    GstBuffer *buf = nth_buffer (run.video, i);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buf),
        gst_util_uint64_scale (i, GST_SECOND, FPS));
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), i);
  }
  last = nth_buffer (run.video, run.video->len - 1);
  video_end = GST_BUFFER_PTS (last) + GST_BUFFER_DURATION (last);
  last = nth_buffer (run.audio, run.audio->len - 1);
  audio_end = GST_BUFFER_PTS (last) + GST_BUFFER_DURATION (last);
  fail_unless (ABS ((gint64) video_end - (gint64) audio_end) <=
      (gint64) (GST_SECOND / RATE), "video ends at %" GST_TIME_FORMAT
      ", audio at %" GST_TIME_FORMAT, GST_TIME_ARGS (video_end),
      GST_TIME_ARGS (audio_end));
  run_clear (&run);
}

GST_END_TEST;

static void
check_roi_metas (GstBuffer * buf, const GstEgoTruthMeta * m)
{
  gpointer state = NULL;
  GstMeta *meta;
  guint n = 0;

  while ((meta = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;
    GstStructure *s = gst_video_region_of_interest_meta_get_param (roi,
        "ego-box");
    const GstEgoBox *box = &m->boxes[n];
    gint noun;
    fail_unless (s != NULL);
    fail_unless (gst_structure_get_int (s, "noun", &noun));
    fail_unless_equals_int (noun, box->noun);
    fail_unless_equals_string (gst_structure_get_string (s, "category"),
        box->category == GST_EGO_BOX_HAND ? "hand" : "object");
    fail_unless_equals_string (g_quark_to_string (roi->roi_type),
        box->category == GST_EGO_BOX_HAND ? "hand" : noun >= 0 ?
        ego_noun_key (noun) : "object");
    fail_unless (roi->x + roi->w <= (guint) ceilf (box->x2));
    n++;
  }
  fail_unless_equals_int (n, m->n_boxes);
}

/* Every box lies inside the frame, comes as a region-of-interest meta
 * too, and during an action the action's object is boxed and a hand holds
 * something in its middle. */
GST_START_TEST (test_boxes_inside_frame)
{
  const gint w = 200, h = 150;
  Run run;
  guint action_frames = 0, object_boxed = 0, middles = 0, held = 0;
  guint hands = 0;

  run_init (&run);
  run_to_eos ("egosynthsrc seed=11 num-buffers=450 ! "
      "video/x-raw,width=200,height=150 ! fakesink name=v", &run);
  for (guint i = 0; i < run.video->len; i++) {
    GstBuffer *buf = nth_buffer (run.video, i);
    GstEgoTruthMeta *m = gst_buffer_get_ego_truth_meta (buf);
    gboolean boxed = FALSE, holding = FALSE;
    fail_unless (m != NULL);
    for (guint b = 0; b < m->n_boxes; b++) {
      const GstEgoBox *box = &m->boxes[b];
      fail_unless (box->x1 >= 0 && box->x1 < box->x2 && box->x2 <= w);
      fail_unless (box->y1 >= 0 && box->y1 < box->y2 && box->y2 <= h);
      boxed |= box->category == GST_EGO_BOX_OBJECT && box->noun == m->noun;
      holding |= box->category == GST_EGO_BOX_HAND && box->contact;
      hands += box->category == GST_EGO_BOX_HAND;
    }
    check_roi_metas (buf, m);
    if (m->verb >= 0) {
      GstClockTime pts = GST_BUFFER_PTS (buf);
      GstClockTime mid = (m->action_start + m->action_end) / 2;
      action_frames++;
      object_boxed += boxed;
      if (pts + GST_SECOND / 10 > mid && pts < mid + GST_SECOND / 10) {
        middles++;
        held += holding;
      }
    }
  }
  fail_unless (action_frames > 100);
  fail_unless (object_boxed >= action_frames * 95 / 100, "object boxed in "
      "%u of %u action frames", object_boxed, action_frames);
  fail_unless (middles > 0 && held == middles);
  fail_unless (hands > run.video->len);
  run_clear (&run);
}

GST_END_TEST;

/* The truth meta's action is the schedule's action at the frame's time,
 * with its start and end on the frames that begin and end it. */
GST_START_TEST (test_truth_follows_schedule)
{
  EgoScenarioParams params;
  EgoScenario *sc;
  Run run;
  gint last_index = -1;
  guint actions_seen = 0;

  ego_scenario_params_init (&params, 5);
  sc = ego_scenario_new (&params);
  run_init (&run);
  run_to_eos ("egosynthsrc seed=5 num-buffers=600 ! "
      "video/x-raw,width=32,height=32 ! fakesink name=v", &run);
  for (guint i = 0; i < run.video->len; i++) {
    GstBuffer *buf = nth_buffer (run.video, i);
    GstEgoTruthMeta *m = gst_buffer_get_ego_truth_meta (buf);
    double t = (double) i / FPS;
    gboolean active;
    guint index = ego_scenario_locate (sc, t, &active);
    const EgoAction *a = ego_scenario_get_action (sc, index);

    if (!active) {
      fail_unless_equals_int (m->verb, -1);
      fail_unless_equals_int (m->action_index, -1);
      fail_unless (m->verb_label == NULL);
      continue;
    }
    fail_unless_equals_int (m->action_index, index);
    fail_unless_equals_int (m->verb, a->verb);
    fail_unless_equals_int (m->noun, a->noun);
    fail_unless (m->verb_label == g_intern_static_string (ego_verb_key
            (a->verb)));
    fail_unless_equals_string (m->noun_label, ego_noun_key (a->noun));
    fail_unless_equals_uint64 (m->action_start,
        gst_util_uint64_scale (ceil (a->start * FPS - 1e-9), GST_SECOND, FPS));
    fail_unless_equals_uint64 (m->action_end,
        gst_util_uint64_scale (ceil (a->end * FPS - 1e-9), GST_SECOND, FPS));
    fail_unless (GST_BUFFER_PTS (buf) >= m->action_start &&
        GST_BUFFER_PTS (buf) < m->action_end);
    if ((gint) index != last_index)
      actions_seen++;
    last_index = index;
  }
  fail_unless (actions_seen >= 4, "only %u actions in 20 s", actions_seen);
  run_clear (&run);
  ego_scenario_free (sc);
}

GST_END_TEST;

/* a seed whose first actions include a cut, and that cut */
static guint64
seed_with_cut (const EgoAction ** cut, EgoScenario ** out)
{
  for (guint64 seed = 1; seed < 1000; seed++) {
    EgoScenarioParams params;
    EgoScenario *sc;
    ego_scenario_params_init (&params, seed);
    sc = ego_scenario_new (&params);
    for (guint i = 0; i < 6; i++) {
      const EgoAction *a = ego_scenario_get_action (sc, i);
      if (a->verb == EGO_VERB_CUT && a->end < 25.0) {
        *cut = a;
        *out = sc;
        return seed;
      }
    }
    ego_scenario_free (sc);
  }
  fail ("no seed with an early cut");
  return 0;
}

static double
energy (const float *x, guint n, double t0, double t1)
{
  gint64 a = (gint64) (t0 * RATE), b = (gint64) (t1 * RATE);
  double sum = 0.0;
  a = CLAMP (a, 0, (gint64) n);
  b = CLAMP (b, a, (gint64) n);
  for (gint64 i = a; i < b; i++)
    sum += (double) x[i] * x[i];
  return b > a ? sum / (b - a) : 0.0;
}

/* The sound is louder during the video's actions than in the idle gaps,
 * and cutting is heard as sharp knocks at the knife's strokes, in time
 * with the video. */
GST_START_TEST (test_audio_follows_actions)
{
  const EgoAction *cut;
  EgoScenario *sc;
  guint64 seed = seed_with_cut (&cut, &sc);
  guint frames = (guint) ceil (cut->end * FPS) + 10, n;
  gchar *desc = g_strdup_printf (AV_PIPELINE ("seed=%" G_GUINT64_FORMAT
          " num-buffers=%u", "video/x-raw,width=32,height=32"), seed, frames);
  double busy = 0.0, idle = 0.0, hits = 0.0, between = 0.0;
  guint n_busy = 0, n_idle = 0;
  float *x;
  Run run;

  run_init (&run);
  run_to_eos (desc, &run);
  x = audio_samples (&run, &n);
  fail_unless_equals_int (n, (guint) gst_util_uint64_scale_round (frames,
          RATE, FPS));
  for (guint i = 0; i < run.video->len; i++) {
    GstEgoTruthMeta *m = gst_buffer_get_ego_truth_meta (nth_buffer
        (run.video, i));
    double e = energy (x, n, (double) i / FPS, (double) (i + 1) / FPS);
    if (m->verb >= 0)
      busy += e, n_busy++;
    else
      idle += e, n_idle++;
  }
  GST_INFO ("energy in actions %g, idle %g", busy / n_busy, idle / n_idle);
  fail_unless (n_busy > 0 && n_idle > 0);
  fail_unless (busy / n_busy > 3.0 * idle / n_idle, "actions %g, idle %g",
      busy / n_busy, idle / n_idle);

  /* a knock at every stroke, silence half a stroke later */
  for (guint j = 1; j / cut->rate <= cut->end - cut->retract - cut->start -
      cut->reach + 1e-4; j++) {
    double t = cut->start + cut->reach + j / cut->rate;
    hits += energy (x, n, t, t + 0.02);
    between += energy (x, n, t + 0.5 / cut->rate, t + 0.5 / cut->rate + 0.02);
  }
  GST_INFO ("energy at strokes %g, between %g", hits, between);
  fail_unless (hits > 10.0 * between, "strokes %g, between %g", hits, between);
  g_free (x);
  g_free (desc);
  run_clear (&run);
  ego_scenario_free (sc);
}

GST_END_TEST;

static float
gray_at (const GstVideoFrame * f, gint x, gint y)
{
  const guint8 *p = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (f, 0) +
      y * GST_VIDEO_FRAME_PLANE_STRIDE (f, 0) + x * 3;
  return 0.3f * p[0] + 0.59f * p[1] + 0.11f * p[2];
}

static float
gray_bilinear (const GstVideoFrame * f, float x, float y)
{
  gint w = GST_VIDEO_FRAME_WIDTH (f), h = GST_VIDEO_FRAME_HEIGHT (f);
  gint x0 = (gint) floorf (x), y0 = (gint) floorf (y);
  float fx = x - x0, fy = y - y0;
  gint x1 = MIN (x0 + 1, w - 1), y1 = MIN (y0 + 1, h - 1);
  float top = gray_at (f, x0, y0) * (1 - fx) + gray_at (f, x1, y0) * fx;
  float bot = gray_at (f, x0, y1) * (1 - fx) + gray_at (f, x1, y1) * fx;
  return top * (1 - fy) + bot * fy;
}

/* Moving frame t-1's pixels along the motion field lands them on their
 * colours in frame t: the field predicts frame t far better than no
 * motion at all. */
static void
check_flow (const gchar * props, double max_ratio)
{
  gchar *desc = g_strdup_printf ("egosynthsrc seed=2 num-buffers=150 "
      "emit-flow=true %s ! video/x-raw,format=RGB,width=120,height=90 ! "
      "fakesink name=v", props);
  double with_flow = 0.0, without = 0.0;
  Run run;

  run_init (&run);
  run_to_eos (desc, &run);
  fail_if (gst_buffer_get_ego_truth_meta (nth_buffer (run.video,
              0))->flow != NULL);
  for (guint i = 1; i < run.video->len; i++) {
    GstSample *sp = g_ptr_array_index (run.video, i - 1);
    GstSample *sc = g_ptr_array_index (run.video, i);
    GstEgoTruthMeta *m = gst_buffer_get_ego_truth_meta (gst_sample_get_buffer
        (sc));
    GstVideoFrame prev, cur;
    GstVideoInfo info;

    fail_unless (m->flow != NULL && m->flow_width == 120 &&
        m->flow_height == 90);
    gst_video_info_from_caps (&info, gst_sample_get_caps (sc));
    gst_video_frame_map (&prev, &info, gst_sample_get_buffer (sp),
        GST_MAP_READ);
    gst_video_frame_map (&cur, &info, gst_sample_get_buffer (sc), GST_MAP_READ);
    for (gint y = 0; y < 90; y++)
      for (gint x = 0; x < 120; x++) {
        float dx = m->flow[y * 120 + x], dy = m->flow[(90 + y) * 120 + x];
        float tx = x + dx, ty = y + dy, g = gray_at (&prev, x, y);
        /* where things move by a pixel or more: below that, resampling
         * blurs more than the motion shifts */
        if (tx < 0 || ty < 0 || tx > 119 || ty > 89 ||
            fabsf (dx) + fabsf (dy) < 1.0f)
          continue;
        with_flow += fabsf (g - gray_bilinear (&cur, tx, ty));
        without += fabsf (g - gray_at (&cur, x, y));
      }
    gst_video_frame_unmap (&prev);
    gst_video_frame_unmap (&cur);
  }
  GST_INFO ("%s: flow error %g, no-motion error %g", props, with_flow, without);
  fail_unless (with_flow < max_ratio * without, "%s: flow error %g, "
      "no-motion error %g", props, with_flow, without);
  g_free (desc);
  run_clear (&run);
}

GST_START_TEST (test_flow_predicts_next_frame)
{
  check_flow ("noise=0 motion-blur=0 lighting=0", 0.4);
  check_flow ("", 0.65);
}

GST_END_TEST;

/* A live source stamps frames from the running time it started at, in
 * real time, audio and video from the same instant, and sends no frame
 * before its time has come (a loaded machine may make frames late, never
 * early, so this holds however busy the machine is). */
GST_START_TEST (test_is_live_timestamps)
{
  Run run;
  GstClockTime first_video, first_audio, dur;

  run_init (&run);
  run_to_eos (AV_PIPELINE ("is-live=true num-buffers=15",
          "video/x-raw,width=64,height=48"), &run);
  fail_unless_equals_int (run.video->len, 15);
  first_video = GST_BUFFER_PTS (nth_buffer (run.video, 0));
  first_audio = GST_BUFFER_PTS (nth_buffer (run.audio, 0));
  fail_unless_equals_uint64 (first_video, first_audio);
  fail_unless (first_video < GST_SECOND / 2);
  for (guint i = 0; i < run.video->len; i++) {
    dur = gst_util_uint64_scale (i, GST_SECOND, FPS);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (nth_buffer (run.video, i)),
        first_video + dur);
  }
  for (guint i = 0; i < run.video->len; i++) {
    GstClockTime pts = GST_BUFFER_PTS (nth_buffer (run.video, i));
    GstClockTime arrived = g_array_index (run.arrival, GstClockTime, i);
    fail_unless (GST_CLOCK_TIME_IS_VALID (arrived));
    /* 1 ms for the clock's own granularity */
    fail_unless (arrived + GST_MSECOND >= pts, "frame %u (pts %"
        GST_TIME_FORMAT ") arrived at %" GST_TIME_FORMAT, i,
        GST_TIME_ARGS (pts), GST_TIME_ARGS (arrived));
  }
  run_clear (&run);
}

GST_END_TEST;

/* The element goes up and down the states again and again, and restarts
 * from the same first frame each time. */
GST_START_TEST (test_state_cycling)
{
  Run run;
  GstElement *pipeline;
  gchar *first_hash = NULL;

  run_init (&run);
  pipeline = pipeline_new (AV_PIPELINE ("seed=9 num-buffers=8",
          "video/x-raw,width=48,height=48"), &run);
  for (int i = 0; i < 4; i++) {
    gchar *hash;
    g_ptr_array_set_size (run.video, 0);
    g_ptr_array_set_size (run.audio, 0);
    fail_unless (gst_element_set_state (pipeline, GST_STATE_PAUSED) !=
        GST_STATE_CHANGE_FAILURE);
    fail_unless_equals_int (gst_element_get_state (pipeline, NULL, NULL,
            GST_CLOCK_TIME_NONE), GST_STATE_CHANGE_SUCCESS);
    gst_element_set_state (pipeline, GST_STATE_PLAYING);
    wait_eos (pipeline);
    fail_unless_equals_int (run.video->len, 8);
    hash = hash_samples (run.video, 0, 1);
    if (first_hash == NULL)
      first_hash = g_strdup (hash);
    fail_unless_equals_string (hash, first_hash);
    g_free (hash);
    gst_element_set_state (pipeline, i % 2 ? GST_STATE_NULL : GST_STATE_READY);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_free (first_hash);
  run_clear (&run);
}

GST_END_TEST;

/* Live, the source is not seekable (its clock is the wall's: a seek four
 * seconds ahead would wait four seconds); it says so and refuses. */
GST_START_TEST (test_live_not_seekable)
{
  GstElement *pipeline = gst_parse_launch ("egosynthsrc is-live=true ! "
      "video/x-raw,width=64,height=48 ! fakesink", NULL);
  GstQuery *q = gst_query_new_seeking (GST_FORMAT_TIME);
  gboolean seekable = TRUE;

  fail_unless (pipeline != NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  fail_unless (gst_element_get_state (pipeline, NULL, NULL, 10 * GST_SECOND)
      == GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_element_query (pipeline, q));
  gst_query_parse_seeking (q, NULL, &seekable, NULL, NULL);
  fail_if (seekable);
  fail_if (gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
          GST_SEEK_FLAG_FLUSH, 4 * GST_SECOND));
  gst_query_unref (q);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* A flushing seek back to the start plays the same frames again. */
GST_START_TEST (test_seek_to_start)
{
  Run run;
  GstElement *pipeline;
  GstBuffer *last;
  gchar *a, *b;
  guint restart = 0;

  run_init (&run);
  pipeline = pipeline_new (AV_PIPELINE ("seed=4 num-buffers=40",
          "video/x-raw,width=64,height=48"), &run);
  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  fail_unless_equals_int (gst_element_get_state (pipeline, NULL, NULL,
          GST_CLOCK_TIME_NONE), GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
          GST_SEEK_FLAG_FLUSH, GST_SECOND / 2));
  gst_element_get_state (pipeline, NULL, NULL, GST_CLOCK_TIME_NONE);
  g_mutex_lock (&run.lock);
  g_ptr_array_set_size (run.video, 0);
  g_ptr_array_set_size (run.audio, 0);
  g_mutex_unlock (&run.lock);
  fail_unless (gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
          GST_SEEK_FLAG_FLUSH, 0));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  wait_eos (pipeline);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  /* from the seek to 0 on: all 40 frames, from the first */
  for (guint i = 0; i < run.video->len; i++)
    if (GST_BUFFER_PTS (nth_buffer (run.video, i)) == 0)
      restart = i;
  fail_unless_equals_int (run.video->len - restart, 40);
  last = nth_buffer (run.audio, run.audio->len - 1);
  fail_unless (ABS ((gint64) (GST_BUFFER_PTS (last) + GST_BUFFER_DURATION
              (last)) - (gint64) gst_util_uint64_scale (40, GST_SECOND,
              FPS)) <= (gint64) (GST_SECOND / RATE));
  a = hash_samples (run.video, restart, 40);
  g_ptr_array_set_size (run.video, 0);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  wait_eos (pipeline);
  b = hash_samples (run.video, 0, 40);
  fail_unless_equals_string (a, b);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_free (a);
  g_free (b);
  run_clear (&run);
}

GST_END_TEST;

/* A new frame size downstream is taken up mid-stream, timestamps going
 * on. */
GST_START_TEST (test_renegotiation)
{
  Run run;
  GstElement *pipeline, *filter;
  GstCaps *caps;
  guint n;
  gint last_width = 0;

  run_init (&run);
  pipeline = pipeline_new ("egosynthsrc num-buffers=40 ! capsfilter name=f "
      "caps=video/x-raw,width=64,height=48 ! fakesink name=v sync=false", &run);
  filter = gst_bin_get_by_name (GST_BIN (pipeline), "f");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  do {
    g_usleep (1000);
    g_mutex_lock (&run.lock);
    n = run.video->len;
    g_mutex_unlock (&run.lock);
  } while (n < 5);
  caps = gst_caps_from_string ("video/x-raw,width=96,height=72");
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  wait_eos (pipeline);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  fail_unless_equals_int (run.video->len, 40);
  for (guint i = 0; i < run.video->len; i++) {
    GstSample *s = g_ptr_array_index (run.video, i);
    GstVideoInfo info;
    GstEgoTruthMeta *m = gst_buffer_get_ego_truth_meta (nth_buffer
        (run.video, i));
    gst_video_info_from_caps (&info, gst_sample_get_caps (s));
    fail_unless (info.width == 64 || info.width == 96);
    fail_unless (info.width >= last_width);
    last_width = info.width;
    fail_unless_equals_uint64 (GST_BUFFER_PTS (nth_buffer (run.video, i)),
        gst_util_uint64_scale (i, GST_SECOND, FPS));
    for (guint b = 0; b < m->n_boxes; b++)
      fail_unless (m->boxes[b].x2 <= info.width);
  }
  fail_unless_equals_int (last_width, 96);
  gst_object_unref (filter);
  gst_object_unref (pipeline);
  run_clear (&run);
}

GST_END_TEST;

static Suite *
egosynthsrc_suite (void)
{
  Suite *s = suite_create ("egosynthsrc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_same_seed_same_output);
  tcase_add_test (tc, test_different_seeds_differ);
  tcase_add_test (tc, test_caps_sizes_and_formats);
  tcase_add_test (tc, test_num_buffers_then_eos);
  tcase_add_test (tc, test_boxes_inside_frame);
  tcase_add_test (tc, test_truth_follows_schedule);
  tcase_add_test (tc, test_audio_follows_actions);
  tcase_add_test (tc, test_flow_predicts_next_frame);
  tcase_add_test (tc, test_is_live_timestamps);
  tcase_add_test (tc, test_state_cycling);
  tcase_add_test (tc, test_seek_to_start);
  tcase_add_test (tc, test_live_not_seekable);
  tcase_add_test (tc, test_renegotiation);
  return s;
}

GST_CHECK_MAIN (egosynthsrc);
