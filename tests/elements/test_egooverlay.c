/* egooverlay: draws only where its panel is, in every RGB format, holds the
 * last result for as long as asked, forgets it on flushes, and follows its
 * properties. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/ego/ego.h>
#include <gst/video/video.h>
#include <string.h>

#define FPS 30

/* the element's "position" values, in order */
typedef enum
{
  TOP_LEFT,
  TOP_RIGHT,
  BOTTOM_LEFT,
  BOTTOM_RIGHT,
} Corner;

static const gchar *corners[] = { "top-left", "top-right", "bottom-left",
  "bottom-right"
};

static const gchar *formats[] = { "RGB", "BGR", "RGBx", "BGRx", "xRGB",
  "xBGR", "RGBA", "BGRA", "ARGB", "ABGR"
};

/* where a frame changed, in pixels; x1 and y1 are exclusive */
typedef struct
{
  gint x0, y0, x1, y1;
  guint changed;                /* pixels with any byte changed */
  guint stray;                  /* bytes changed outside any pixel component */
} Damage;

static void
video_info_for (GstVideoInfo * info, const gchar * format, gint w, gint h)
{
  gst_video_info_set_format (info, gst_video_format_from_string (format), w, h);
  GST_VIDEO_INFO_FPS_N (info) = FPS;
  GST_VIDEO_INFO_FPS_D (info) = 1;
}

static GstHarness *
harness_new (const GstVideoInfo * info, const gchar * props)
{
  gchar *desc = g_strdup_printf ("egooverlay %s", props ? props : "");
  GstHarness *h = gst_harness_new_parse (desc);

  g_free (desc);
  gst_harness_set_src_caps (h, gst_video_info_to_caps (info));
  return h;
}

/* A noisy pattern in every byte, stride padding included, so that any
 * stray write shows; values stay away from 0 and 255 so that blending
 * always changes them. */
static GstBuffer *
make_frame (const GstVideoInfo * info, guint index)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, info->size, NULL);
  GstMapInfo map;
  guint32 x = 2166136261u ^ (index * 16777619u);

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (gsize i = 0; i < map.size; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    map.data[i] = (guint8) (32 + x % 192);
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale (index, GST_SECOND, FPS);
  GST_BUFFER_DURATION (buf) = GST_SECOND / FPS;
  return buf;
}

static void
add_meta (GstBuffer * buf, gboolean unsure)
{
  static const gchar *verbs[] = { "take", "put", "open" };
  static const gchar *nouns[] = { "cup", "plate", "knife" };
  static const gfloat verb_p[] = { 0.71f, 0.18f, 0.06f };
  static const gfloat noun_p[] = { 0.64f, 0.22f, 0.08f };
  GstEgoActionMeta *meta = gst_buffer_add_ego_action_meta (buf);

  meta->window_start = 0;
  meta->window_end = GST_BUFFER_PTS (buf);
  meta->frames = 8;
  meta->unsure = unsure;
  meta->n_heads = 2;
  meta->heads[0].name = g_intern_static_string ("verb");
  meta->heads[1].name = g_intern_static_string ("noun");
  for (guint i = 0; i < 3; i++) {
    meta->heads[0].class_ids[i] = i;
    meta->heads[0].labels[i] = g_intern_static_string (verbs[i]);
    meta->heads[0].probs[i] = verb_p[i];
    meta->heads[1].class_ids[i] = 10 + i;
    meta->heads[1].labels[i] = g_intern_static_string (nouns[i]);
    meta->heads[1].probs[i] = noun_p[i];
  }
  meta->heads[0].k = meta->heads[1].k = 3;
}

/* pushes a buffer and returns the element's output and a copy of what
 * went in */
static GstBuffer *
push_buffer (GstHarness * h, GstBuffer * buf, guint8 ** input)
{
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  *input = g_memdup2 (map.data, map.size);
  gst_buffer_unmap (buf, &map);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  return gst_harness_pull (h);
}

static GstBuffer *
push_frame (GstHarness * h, const GstVideoInfo * info, guint index,
    gboolean meta, gboolean unsure, guint8 ** input)
{
  GstBuffer *buf = make_frame (info, index);

  if (meta)
    add_meta (buf, unsure);
  return push_buffer (h, buf, input);
}

/* compares the output with the input byte by byte; a changed byte must be
 * a colour or alpha byte of a pixel, never stride padding or the x byte */
static Damage
damage_of (const GstVideoInfo * info, const guint8 * input, GstBuffer * out)
{
  const GstVideoFormatInfo *finfo = info->finfo;
  gint stride = GST_VIDEO_INFO_PLANE_STRIDE (info, 0);
  gint ps = GST_VIDEO_INFO_COMP_PSTRIDE (info, 0);
  gboolean component[8] = { FALSE, };
  Damage d = { G_MAXINT, G_MAXINT, -1, -1, 0, 0 };
  GstMapInfo map;

  for (guint c = 0; c < GST_VIDEO_FORMAT_INFO_N_COMPONENTS (finfo); c++)
    component[GST_VIDEO_FORMAT_INFO_POFFSET (finfo, c)] = TRUE;

  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  fail_unless_equals_uint64 (map.size, info->size);
  for (gint y = 0; y < GST_VIDEO_INFO_HEIGHT (info); y++) {
    gsize row = (gsize) y * stride;
    const guint8 *a = input + row, *b = map.data + row;
    gint x_prev = -1;

    for (gint i = 0; i < stride; i++) {
      gint x = i / ps;

      if (a[i] == b[i])
        continue;
      if (x >= GST_VIDEO_INFO_WIDTH (info) || !component[i % ps]) {
        d.stray++;
        continue;
      }
      if (x != x_prev)
        d.changed++;
      x_prev = x;
      d.x0 = MIN (d.x0, x);
      d.y0 = MIN (d.y0, y);
      d.x1 = MAX (d.x1, x + 1);
      d.y1 = MAX (d.y1, y + 1);
    }
  }
  gst_buffer_unmap (out, &map);
  return d;
}

/* The panel must sit in its corner, within the near three quarters of the
 * frame, and fill most of its own bounding box (corners are rounded). */
static void
check_panel (const GstVideoInfo * info, const Damage * d, Corner corner)
{
  gint w = GST_VIDEO_INFO_WIDTH (info), h = GST_VIDEO_INFO_HEIGHT (info);
  gboolean right = corner == TOP_RIGHT || corner == BOTTOM_RIGHT;
  gboolean bottom = corner == BOTTOM_LEFT || corner == BOTTOM_RIGHT;
  guint area;

  fail_unless_equals_int (d->stray, 0);
  fail_unless (d->changed > 0, "nothing drawn");
  GST_DEBUG ("panel %d,%d - %d,%d in %dx%d", d->x0, d->y0, d->x1, d->y1, w, h);
  if (right) {
    fail_unless (d->x1 > w - w / 20 && d->x0 > w / 4, "x %d-%d", d->x0, d->x1);
  } else {
    fail_unless (d->x0 < w / 20 && d->x1 < w - w / 4, "x %d-%d", d->x0, d->x1);
  }
  if (bottom) {
    fail_unless (d->y1 > h - h / 20 && d->y0 > h / 4, "y %d-%d", d->y0, d->y1);
  } else {
    fail_unless (d->y0 < h / 20 && d->y1 < h - h / 4, "y %d-%d", d->y0, d->y1);
  }
  area = (d->x1 - d->x0) * (d->y1 - d->y0);
  fail_unless (d->changed > area * 9 / 10, "%u of %u changed", d->changed,
      area);
}

static Damage
draw_once (const gchar * format, gint w, gint h, const gchar * props,
    gboolean unsure)
{
  GstVideoInfo info;
  GstHarness *hx;
  GstBuffer *out;
  guint8 *input;
  Damage d;

  video_info_for (&info, format, w, h);
  hx = harness_new (&info, props);
  out = push_frame (hx, &info, 0, TRUE, unsure, &input);
  d = damage_of (&info, input, out);
  gst_buffer_unref (out);
  g_free (input);
  gst_harness_teardown (hx);
  return d;
}


/* what a pushed buffer's output changed */
static Damage
push_damage (GstHarness * h, const GstVideoInfo * info, GstBuffer * buf)
{
  guint8 *input;
  GstBuffer *out = push_buffer (h, buf, &input);
  Damage d = damage_of (info, input, out);

  gst_buffer_unref (out);
  g_free (input);
  return d;
}

static Damage
frame_damage (GstHarness * h, const GstVideoInfo * info, guint index,
    gboolean meta)
{
  GstBuffer *buf = make_frame (info, index);

  if (meta)
    add_meta (buf, FALSE);
  return push_damage (h, info, buf);
}

/* In every format, with stride padding on every row, a frame with a result
 * changes the pixels of the panel in the top-left corner and no other byte;
 * timestamps survive. */
GST_START_TEST (test_formats_draw_only_panel)
{
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstVideoInfo info;
    GstHarness *hx;
    GstBuffer *out;
    guint8 *input;
    Damage d;

    GST_INFO ("format %s", formats[f]);
    video_info_for (&info, formats[f], 322, 240);
    fail_unless (GST_VIDEO_INFO_PLANE_STRIDE (&info, 0) >
        322 * GST_VIDEO_INFO_COMP_PSTRIDE (&info, 0)
        || GST_VIDEO_INFO_COMP_PSTRIDE (&info, 0) == 4);
    hx = harness_new (&info, NULL);
    out = push_frame (hx, &info, 3, TRUE, FALSE, &input);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 3 * GST_SECOND / FPS);
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (out), GST_SECOND / FPS);
    d = damage_of (&info, input, out);
    check_panel (&info, &d, TOP_LEFT);
    gst_buffer_unref (out);
    g_free (input);
    gst_harness_teardown (hx);
  }
}

GST_END_TEST;

/* Without any result the frames pass through as they are: the very same
 * buffer, bit-identical. */
GST_START_TEST (test_no_meta_unchanged)
{
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstVideoInfo info;
    GstHarness *hx;

    video_info_for (&info, formats[f], 161, 120);
    hx = harness_new (&info, NULL);
    for (guint i = 0; i < 3; i++) {
      GstBuffer *in = make_frame (&info, i), *out;
      guint8 *input;
      Damage d;

      out = push_buffer (hx, gst_buffer_ref (in), &input);
      fail_unless (out == in);
      d = damage_of (&info, input, out);
      fail_unless_equals_int (d.changed, 0);
      fail_unless_equals_int (d.stray, 0);
      gst_buffer_unref (out);
      gst_buffer_unref (in);
      g_free (input);
    }
    gst_harness_teardown (hx);
  }
}

GST_END_TEST;

/* An unsure result is drawn differently from a sure one with the same
 * classes, in the same place. */
GST_START_TEST (test_unsure_differs)
{
  GstVideoInfo info;
  GstHarness *hx;
  GstBuffer *sure, *unsure;
  guint8 *in_sure, *in_unsure;
  GstMapInfo map;
  Damage d;

  video_info_for (&info, "RGBx", 320, 240);
  hx = harness_new (&info, NULL);
  sure = push_frame (hx, &info, 0, TRUE, FALSE, &in_sure);
  unsure = push_frame (hx, &info, 0, TRUE, TRUE, &in_unsure);
  fail_unless (memcmp (in_sure, in_unsure, info.size) == 0);
  d = damage_of (&info, in_unsure, unsure);
  check_panel (&info, &d, TOP_LEFT);

  gst_buffer_map (sure, &map, GST_MAP_READ);
  d = damage_of (&info, map.data, unsure);
  gst_buffer_unmap (sure, &map);
  fail_unless (d.changed > 0, "sure and unsure panels are the same");
  fail_unless_equals_int (d.stray, 0);

  gst_buffer_unref (sure);
  gst_buffer_unref (unsure);
  g_free (in_sure);
  g_free (in_unsure);
  gst_harness_teardown (hx);
}

GST_END_TEST;

/* the panel drawn for a frame whose result has these labels in the given
 * row of its top-k, with the given properties; the output buffer */
static GstBuffer *
draw_labels (const GstVideoInfo * info, const gchar * props, guint row,
    const gchar * verb, const gchar * noun)
{
  GstHarness *hx = harness_new (info, props);
  GstBuffer *buf = make_frame (info, 0), *out;
  GstEgoActionMeta *meta;

  add_meta (buf, FALSE);
  meta = gst_buffer_get_ego_action_meta (buf);
  meta->heads[0].labels[row] = verb;
  meta->heads[1].labels[row] = noun;
  fail_unless_equals_int (gst_harness_push (hx, buf), GST_FLOW_OK);
  out = gst_harness_pull (hx);
  gst_harness_teardown (hx);
  return out;
}

static gboolean
buffers_equal (GstBuffer * a, GstBuffer * b)
{
  GstMapInfo ma, mb;
  gboolean same;

  gst_buffer_map (a, &ma, GST_MAP_READ);
  gst_buffer_map (b, &mb, GST_MAP_READ);
  same = ma.size == mb.size && memcmp (ma.data, mb.data, ma.size) == 0;
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  return same;
}

/* A model's labels may be in any script and of any length: a title longer
 * than the element keeps is cut at a whole character (cut inside one,
 * pango refused the text and the title showed a percentage), so that two
 * long titles that differ show differently; so do labels that are not
 * UTF-8 (their bad bytes drawn as replacement characters). */
GST_START_TEST (test_labels_any_text)
{
  GString *long_a = g_string_new ("ab"), *long_b = g_string_new ("cd");
  GstVideoInfo info;
  GstBuffer *a, *b;

  for (guint i = 0; i < 60; i++) {
    g_string_append (long_a, "\xe5\x8b\x95");       /* U+52D5 */
    g_string_append (long_b, "\xe5\x8b\x95");
  }
  video_info_for (&info, "RGBx", 640, 480);
  a = draw_labels (&info, "show-bars=false", 0, long_a->str, "x");
  b = draw_labels (&info, "show-bars=false", 0, long_b->str, "x");
  fail_if (buffers_equal (a, b), "two long titles were drawn the same");
  gst_buffer_unref (a);
  gst_buffer_unref (b);

  /* in the title, and on the second bar of each head */
  a = draw_labels (&info, "show-bars=false", 0, "open\xff\xfe", "lid\xc3");
  b = draw_labels (&info, "show-bars=false", 0, "shut\xff\xfe", "lid\xc3");
  fail_if (buffers_equal (a, b), "two titles not in UTF-8 were drawn the same");
  gst_buffer_unref (a);
  gst_buffer_unref (b);
  a = draw_labels (&info, NULL, 1, "open\xff\xfe", "lid\xc3");
  b = draw_labels (&info, NULL, 1, "shut\xff\xfe", "lid\xc3");
  fail_if (buffers_equal (a, b), "two bars not in UTF-8 were drawn the same");
  gst_buffer_unref (a);
  gst_buffer_unref (b);
  g_string_free (long_a, TRUE);
  g_string_free (long_b, TRUE);
}

GST_END_TEST;

/* the second frame's output: a frame with a result whose labels live in
 * the application's memory, then, after the application has written over
 * that memory (when scribble), a frame without one under a changed
 * property, so that the held result is drawn again */
static GstBuffer *
draw_held_after (gboolean scribble)
{
  gchar verb[16], noun[16];
  GstVideoInfo info;
  GstHarness *hx;
  GstElement *overlay;
  GstBuffer *buf, *out;
  GstEgoActionMeta *meta;

  g_strlcpy (verb, "stir", sizeof (verb));
  g_strlcpy (noun, "soup", sizeof (noun));
  video_info_for (&info, "BGRx", 320, 240);
  hx = harness_new (&info, NULL);
  buf = make_frame (&info, 0);
  add_meta (buf, FALSE);
  meta = gst_buffer_get_ego_action_meta (buf);
  meta->heads[0].labels[0] = verb;
  meta->heads[1].labels[0] = noun;
  fail_unless_equals_int (gst_harness_push (hx, buf), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (hx));

  if (scribble) {
    g_strlcpy (verb, "overwritten", sizeof (verb));
    g_strlcpy (noun, "reused memory", sizeof (noun));
  }
  overlay = gst_harness_find_element (hx, "egooverlay");
  g_object_set (overlay, "opacity", 0.5, NULL);
  gst_object_unref (overlay);
  fail_unless_equals_int (gst_harness_push (hx, make_frame (&info, 1)),
      GST_FLOW_OK);
  out = gst_harness_pull (hx);
  gst_harness_teardown (hx);
  return out;
}

/* The held result keeps its own copy of the labels: a meta made by an
 * application whose strings are gone or reused by the time the result is
 * drawn again draws what it said. */
GST_START_TEST (test_held_labels_kept)
{
  GstBuffer *kept = draw_held_after (FALSE);
  GstBuffer *scribbled = draw_held_after (TRUE);

  fail_unless (buffers_equal (kept, scribbled));
  gst_buffer_unref (kept);
  gst_buffer_unref (scribbled);
}

GST_END_TEST;

/* The last result stays on the following frames for `hold` ms of stream
 * time (100 ms: three frames at 30 fps), then goes; a new one comes back
 * at once. */
GST_START_TEST (test_hold)
{
  GstVideoInfo info;
  GstHarness *hx;

  video_info_for (&info, "BGRx", 320, 240);
  hx = harness_new (&info, "hold=100");
  fail_unless (frame_damage (hx, &info, 0, TRUE).changed > 0);
  for (guint i = 1; i <= 3; i++) {
    Damage d = frame_damage (hx, &info, i, FALSE);
    check_panel (&info, &d, TOP_LEFT);
  }
  for (guint i = 4; i <= 6; i++) {
    Damage d = frame_damage (hx, &info, i, FALSE);
    fail_unless_equals_int (d.changed, 0);
    fail_unless_equals_int (d.stray, 0);
  }
  fail_unless (frame_damage (hx, &info, 7, TRUE).changed > 0);
  fail_unless (frame_damage (hx, &info, 8, FALSE).changed > 0);
  gst_harness_teardown (hx);
}

GST_END_TEST;

/* Frames without timestamps count the hold in frames of the frame rate;
 * hold=0 draws a result only on the frame that carries it. */
GST_START_TEST (test_hold_untimed)
{
  GstVideoInfo info;
  GstHarness *hx;

  video_info_for (&info, "RGB", 320, 240);
  hx = harness_new (&info, "hold=100");
  for (guint i = 0; i < 6; i++) {
    GstBuffer *buf = make_frame (&info, i);
    Damage d;

    GST_BUFFER_PTS (buf) = GST_BUFFER_DURATION (buf) = GST_CLOCK_TIME_NONE;
    if (i == 0)
      add_meta (buf, FALSE);
    d = push_damage (hx, &info, buf);
    fail_unless_equals_int (d.changed > 0, i <= 3);
  }
  gst_harness_teardown (hx);

  hx = harness_new (&info, "hold=0");
  fail_unless (frame_damage (hx, &info, 0, TRUE).changed > 0);
  fail_unless_equals_int (frame_damage (hx, &info, 1, FALSE).changed, 0);
  gst_harness_teardown (hx);
}

GST_END_TEST;

/* A flush, and a new segment, forget the result being held. */
GST_START_TEST (test_flush_resets)
{
  GstVideoInfo info;
  GstHarness *hx;
  GstSegment segment;

  video_info_for (&info, "RGBA", 320, 240);
  hx = harness_new (&info, NULL);
  gst_segment_init (&segment, GST_FORMAT_TIME);

  fail_unless (frame_damage (hx, &info, 0, TRUE).changed > 0);
  fail_unless (frame_damage (hx, &info, 1, FALSE).changed > 0);
  fail_unless (gst_harness_push_event (hx, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (hx, gst_event_new_flush_stop (TRUE)));
  fail_unless (gst_harness_push_event (hx, gst_event_new_segment (&segment)));
  fail_unless_equals_int (frame_damage (hx, &info, 2, FALSE).changed, 0);

  fail_unless (frame_damage (hx, &info, 3, TRUE).changed > 0);
  fail_unless (gst_harness_push_event (hx, gst_event_new_segment (&segment)));
  fail_unless_equals_int (frame_damage (hx, &info, 4, FALSE).changed, 0);

  gst_harness_teardown (hx);
}

GST_END_TEST;

/* `position` puts the panel in each of the four corners. */
GST_START_TEST (test_position)
{
  for (Corner c = TOP_LEFT; c <= BOTTOM_RIGHT; c++) {
    gchar *props = g_strdup_printf ("position=%s", corners[c]);
    GstVideoInfo info;
    Damage d;

    video_info_for (&info, "BGRx", 320, 240);
    d = draw_once ("BGRx", 320, 240, props, FALSE);
    check_panel (&info, &d, c);
    g_free (props);
  }
}

GST_END_TEST;

/* The panel scales with the frame from 320x240 to 1080p, and frames too
 * small for it are left alone. */
GST_START_TEST (test_sizes)
{
  static const gint sizes[][2] = { {320, 240}, {640, 360}, {1920, 1080} };
  gint heights[G_N_ELEMENTS (sizes)];
  Damage d;

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
    GstVideoInfo info;

    video_info_for (&info, "RGB", sizes[i][0], sizes[i][1]);
    d = draw_once ("RGB", sizes[i][0], sizes[i][1], NULL, FALSE);
    check_panel (&info, &d, TOP_LEFT);
    heights[i] = d.y1 - d.y0;
  }
  fail_unless (heights[2] > 3 * heights[0], "%d vs %d", heights[2], heights[0]);

  /* a panel without room for its title line is not drawn at all */
  for (gint w = 1; w <= 41; w += 8) {
    d = draw_once ("xRGB", w, w, NULL, FALSE);
    fail_unless_equals_int (d.changed, 0);
    fail_unless_equals_int (d.stray, 0);
  }
  fail_unless_equals_int (draw_once ("RGB", 2001, 9, NULL, FALSE).changed, 0);
  fail_unless_equals_int (draw_once ("RGB", 9, 2001, NULL, FALSE).changed, 0);
  d = draw_once ("RGB", 80, 30, NULL, FALSE);
  fail_unless (d.changed > 0);
  fail_unless_equals_int (d.stray, 0);
}

GST_END_TEST;

/* The properties round-trip; fewer bars make a shorter panel, also when
 * changed while a result is being held; opacity 0 leaves the background
 * clear, so that only the text changes pixels. */
GST_START_TEST (test_properties)
{
  GstElement *e = gst_element_factory_make ("egooverlay", NULL);
  GstVideoInfo info;
  GstHarness *hx;
  Damage full, top1, none, clear;
  guint top_k, hold;
  gdouble scale, opacity;
  gboolean bars;

  g_object_set (e, "top-k", 5, "hold", 40, "scale", 0.1, "opacity", 0.25,
      "show-bars", FALSE, NULL);
  g_object_get (e, "top-k", &top_k, "hold", &hold, "scale", &scale,
      "opacity", &opacity, "show-bars", &bars, NULL);
  fail_unless_equals_int (top_k, 5);
  fail_unless_equals_int (hold, 40);
  fail_unless_equals_float (scale, 0.1);
  fail_unless_equals_float (opacity, 0.25);
  fail_if (bars);
  gst_object_unref (e);

  video_info_for (&info, "BGRA", 640, 480);
  full = draw_once ("BGRA", 640, 480, "top-k=3", FALSE);
  top1 = draw_once ("BGRA", 640, 480, "top-k=1", FALSE);
  none = draw_once ("BGRA", 640, 480, "show-bars=false", FALSE);
  check_panel (&info, &top1, TOP_LEFT);
  check_panel (&info, &none, TOP_LEFT);
  fail_unless (full.y1 > top1.y1 && top1.y1 > none.y1);
  fail_unless_equals_int (draw_once ("BGRA", 640, 480, "top-k=0",
          FALSE).y1, none.y1);

  clear = draw_once ("BGRA", 640, 480, "opacity=0 show-bars=false", FALSE);
  fail_unless (clear.changed > 0 && clear.changed < none.changed / 2);
  fail_unless_equals_int (clear.stray, 0);

  hx = harness_new (&info, "top-k=3");
  fail_unless_equals_int (frame_damage (hx, &info, 0, TRUE).y1, full.y1);
  e = gst_harness_find_element (hx, "egooverlay");
  g_object_set (e, "top-k", 1, NULL);
  gst_object_unref (e);
  fail_unless_equals_int (frame_damage (hx, &info, 1, FALSE).y1, top1.y1);
  gst_harness_teardown (hx);
}

GST_END_TEST;

/* Over an opaque frame, blending with alpha gives the very colours of
 * blending without: RGBA with alpha 255 comes out as RGBx does, and stays
 * opaque. */
GST_START_TEST (test_alpha_blend)
{
  GstVideoInfo rgba, rgbx;
  GstBuffer *in, *out_a, *out_x;
  GstHarness *ha, *hx;
  GstMapInfo map;
  guint8 *input;

  video_info_for (&rgba, "RGBA", 320, 240);
  video_info_for (&rgbx, "RGBx", 320, 240);
  in = make_frame (&rgba, 0);
  gst_buffer_map (in, &map, GST_MAP_WRITE);
  for (gsize i = 3; i < map.size; i += 4)
    map.data[i] = 255;
  gst_buffer_unmap (in, &map);
  add_meta (in, FALSE);

  ha = harness_new (&rgba, NULL);
  hx = harness_new (&rgbx, NULL);
  out_x = push_buffer (hx, gst_buffer_copy (in), &input);
  g_free (input);
  out_a = push_buffer (ha, in, &input);
  gst_buffer_map (out_a, &map, GST_MAP_READ);
  fail_unless (gst_buffer_memcmp (out_x, 0, map.data, map.size) == 0);
  fail_unless (memcmp (map.data, input, map.size) != 0);
  gst_buffer_unmap (out_a, &map);

  g_free (input);
  gst_buffer_unref (out_a);
  gst_buffer_unref (out_x);
  gst_harness_teardown (ha);
  gst_harness_teardown (hx);
}

GST_END_TEST;

/* New caps with another size draw the held result again at the new size,
 * in the new format. */
GST_START_TEST (test_renegotiation)
{
  GstVideoInfo small, big;
  GstHarness *hx;
  GstCaps *caps;
  Damage d0, d1;

  video_info_for (&small, "RGB", 320, 240);
  video_info_for (&big, "ARGB", 1280, 720);
  hx = harness_new (&small, NULL);
  d0 = frame_damage (hx, &small, 0, TRUE);
  check_panel (&small, &d0, TOP_LEFT);
  caps = gst_video_info_to_caps (&big);
  fail_unless (gst_harness_push_event (hx, gst_event_new_caps (caps)));
  gst_caps_unref (caps);
  d1 = frame_damage (hx, &big, 1, FALSE);
  check_panel (&big, &d1, TOP_LEFT);
  fail_unless (d1.y1 > 2 * d0.y1, "%d vs %d", d1.y1, d0.y1);
  gst_harness_teardown (hx);
}

GST_END_TEST;

static GstPadProbeReturn
add_meta_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  guint *count = user_data;
  GstBuffer *buf;

  /* a result on every other frame, as egoaction with stride 2 */
  if ((*count)++ % 2 == 0) {
    buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
    add_meta (buf, FALSE);
    GST_PAD_PROBE_INFO_DATA (info) = buf;
  }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count_drawn_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  guint *drawn = user_data;
  GstMapInfo map;

  /* the source draws black: any colour means the panel is there */
  gst_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info), &map, GST_MAP_READ);
  for (gsize i = 0; i < map.size; i += 4) {
    if (map.data[i] || map.data[i + 1] || map.data[i + 2]) {
      (*drawn)++;
      break;
    }
  }
  gst_buffer_unmap (GST_PAD_PROBE_INFO_BUFFER (info), &map);
  return GST_PAD_PROBE_OK;
}

/* The element survives NULL, READY and PLAYING cycles and draws after
 * each. */
GST_START_TEST (test_state_cycling)
{
  GstElement *pipe = gst_parse_launch ("videotestsrc pattern=black "
      "num-buffers=6 ! video/x-raw,format=BGRx,width=320,height=240,"
      "framerate=30/1 ! egooverlay name=o ! fakesink name=sink", NULL);
  GstElement *o = gst_bin_get_by_name (GST_BIN (pipe), "o");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  GstPad *o_sink = gst_element_get_static_pad (o, "sink");
  GstPad *sink_pad = gst_element_get_static_pad (sink, "sink");
  GstBus *bus = gst_element_get_bus (pipe);
  guint count = 0, drawn = 0;

  gst_pad_add_probe (o_sink, GST_PAD_PROBE_TYPE_BUFFER, add_meta_probe,
      &count, NULL);
  gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_BUFFER, count_drawn_probe,
      &drawn, NULL);
  for (guint cycle = 0; cycle < 3; cycle++) {
    GstMessage *msg;

    count = drawn = 0;
    fail_unless (gst_element_set_state (pipe, GST_STATE_READY) ==
        GST_STATE_CHANGE_SUCCESS);
    fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
        GST_STATE_CHANGE_FAILURE);
    msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
    gst_message_unref (msg);
    fail_unless_equals_int (drawn, 6);
    fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
  }

  gst_object_unref (bus);
  gst_object_unref (sink_pad);
  gst_object_unref (o_sink);
  gst_object_unref (sink);
  gst_object_unref (o);
  gst_object_unref (pipe);
}

GST_END_TEST;

static Suite *
egooverlay_suite (void)
{
  Suite *s = suite_create ("egooverlay");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_formats_draw_only_panel);
  tcase_add_test (tc, test_no_meta_unchanged);
  tcase_add_test (tc, test_unsure_differs);
  tcase_add_test (tc, test_hold);
  tcase_add_test (tc, test_hold_untimed);
  tcase_add_test (tc, test_flush_resets);
  tcase_add_test (tc, test_position);
  tcase_add_test (tc, test_sizes);
  tcase_add_test (tc, test_labels_any_text);
  tcase_add_test (tc, test_held_labels_kept);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_renegotiation);
  tcase_add_test (tc, test_alpha_blend);
  tcase_add_test (tc, test_state_cycling);
  return s;
}

GST_CHECK_MAIN (egooverlay);
