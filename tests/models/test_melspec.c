/* Log-mel spectrograms against the reference
 * (models/reference/gen_melspec.py), with GStreamer's FFT as the plugin
 * uses it; the stream against the whole-signal computation; the window
 * centring; settings that must be refused. */
#include <glib.h>
#include <gst/fft/gstfftf32.h>
#include <math.h>
#include <string.h>

#include "ego_error.h"
#include "fixture.h"
#include "melspec.h"

/* Log-mel values (natural log, -13.8 .. ~10) are compared absolutely:
 * within 1e-4 where a band is at most 1e-6 (13.8 nats) below its frame's
 * strongest band; deeper bands are at the limit of a float32 FFT (its
 * rounding error scales with the strongest bin), 1e-3 there. */
#define LOGMEL_ATOL 1e-4
#define LOGMEL_ATOL_DEEP 1e-3
#define LOGMEL_DEPTH 13.8

static void
gst_fft (void *ctx, const float *in, float *out)
{
  gst_fft_f32_fft ((GstFFTF32 *) ctx, in, (GstFFTF32Complex *) out);
}

typedef struct
{
  GstFFTF32 *fft;
  EgoMelspec *m;
} Spec;

static Spec
spec_new (int rate, int n_fft, int hop, int n_mels, float fmin, float fmax)
{
  EgoMelspecConfig cfg = { rate, n_fft, hop, n_mels, fmin, fmax };
  GError *error = NULL;
  Spec s;

  s.fft = gst_fft_f32_new (n_fft, FALSE);
  s.m = ego_melspec_new (&cfg, gst_fft, s.fft, &error);
  g_assert_no_error (error);
  return s;
}

static void
spec_free (Spec * s)
{
  ego_melspec_free (s->m);
  gst_fft_f32_free (s->fft);
}

/* |got - want| <= atol everywhere; prints the worst element */
static gboolean
check_abs (const char *what, const float *got, const float *want, size_t n,
    double atol)
{
  size_t worst = 0;
  double worst_d = -1.0;

  for (size_t i = 0; i < n; i++) {
    double d = fabs ((double) got[i] - want[i]);
    if (!(d <= worst_d))        /* NaN counts as the worst */
      worst = i, worst_d = isnan (d) ? INFINITY : d;
  }
  g_test_message ("%s: worst at %zu: got %.7g want %.7g (|diff| %.3g, atol "
      "%.1g)", what, worst, got[worst], want[worst], worst_d, atol);
  return worst_d <= atol;
}

/* got and want are (n_mels, n_frames); the tolerance as above */
static gboolean
check_logmel (const char *what, const float *got, const float *want,
    int n_mels, int n_frames)
{
  double worst = -1.0, worst_d = 0.0, worst_tol = 0.0;
  int worst_i = 0;

  for (int t = 0; t < n_frames; t++) {
    float top = -INFINITY;
    for (int b = 0; b < n_mels; b++)
      top = MAX (top, want[b * n_frames + t]);
    for (int b = 0; b < n_mels; b++) {
      int i = b * n_frames + t;
      double tol = want[i] >= top - LOGMEL_DEPTH ? LOGMEL_ATOL :
          LOGMEL_ATOL_DEEP;
      double d = fabs ((double) got[i] - want[i]);
      if (!(d / tol <= worst))  /* NaN counts as the worst */
        worst = isnan (d) ? INFINITY : d / tol, worst_i = i, worst_d = d,
            worst_tol = tol;
    }
  }
  g_test_message ("%s: worst at band %d frame %d: got %.7g want %.7g "
      "(|diff| %.3g, atol %.0e)", what, worst_i / n_frames,
      worst_i % n_frames, got[worst_i], want[worst_i], worst_d, worst_tol);
  return worst <= 1.0;
}

static Spec
spec_from_fixture (const EgoSafetensors * st, const char *c)
{
  char key[32];
  int v[3];
  double f[2];
  const char *ints[] = { "n_fft", "hop", "n_mels" };
  const char *floats[] = { "fmin", "fmax" };

  for (int i = 0; i < 3; i++) {
    g_snprintf (key, sizeof (key), "%s.%s", c, ints[i]);
    v[i] = fixture_int (st, key);
  }
  for (int i = 0; i < 2; i++) {
    g_snprintf (key, sizeof (key), "%s.%s", c, floats[i]);
    f[i] = fixture_double (st, key);
  }
  return spec_new (fixture_int (st, "sample_rate"), v[0], v[1], v[2],
      (float) f[0], (float) f[1]);
}

/* The filterbank of the default settings equals the reference's. */
static void
test_filterbank (void)
{
  EgoSafetensors *st = fixture_load ("melspec");
  Spec s = spec_from_fixture (st, "a");
  int n = 64 * ego_melspec_n_bins (s.m);
  float *fb = g_new (float, n);

  g_assert_cmpint (ego_melspec_n_bins (s.m), ==, 201);
  ego_melspec_filterbank (s.m, fb);
  g_assert_true (check_abs ("filterbank", fb, fixture_f32 (st, "a.fb", n), n,
          1e-6));
  /* every band of the defaults holds at least one bin */
  for (int b = 0; b < 64; b++) {
    float peak = 0.0f;
    for (int k = 0; k < 201; k++)
      peak = MAX (peak, fb[b * 201 + k]);
    g_assert_cmpfloat (peak, >, 0.3f);
  }
  g_free (fb);
  spec_free (&s);
  ego_safetensors_free (st);
}

/* The log-mel of a chirp over noise, with silence and a quiet stretch,
 * from before its start to after its end, equals the reference's. */
static void
check_case (const EgoSafetensors * st, const char *c)
{
  Spec s = spec_from_fixture (st, c);
  char key[32];
  int n_mels = ego_melspec_config (s.m)->n_mels, first, frames;
  long n = fixture_int (st, "samples");
  float *out;

  g_snprintf (key, sizeof (key), "%s.first", c);
  first = fixture_int (st, key);
  g_snprintf (key, sizeof (key), "%s.frames", c);
  frames = fixture_int (st, key);
  out = g_new (float, (size_t) n_mels * frames);
  ego_melspec_compute (s.m, fixture_f32 (st, "signal", n), n, first, frames,
      out);
  g_snprintf (key, sizeof (key), "%s.logmel", c);
  g_assert_true (check_logmel (key, out, fixture_f32 (st, key,
              (int64_t) n_mels * frames), n_mels, frames));
  g_free (out);
  spec_free (&s);
}

static void
test_against_reference (void)
{
  EgoSafetensors *st = fixture_load ("melspec");
  check_case (st, "a");
  check_case (st, "b");
  ego_safetensors_free (st);
}

/* Pushed in uneven pieces, the stream's windows hold exactly the frames
 * of the whole-signal computation, zeros before the start included. */
static void
test_stream_equals_whole (void)
{
  EgoSafetensors *st = fixture_load ("melspec");
  long n = fixture_int (st, "samples");
  const float *x = fixture_f32 (st, "signal", n);
  Spec s = spec_from_fixture (st, "a");
  const int w = 24, n_mels = 64;
  EgoMelStream *stream = ego_mel_stream_new (s.m, w);
  float *got = g_new (float, n_mels * w), *want = g_new (float, n_mels * w);
  long j0 = ego_melspec_window_first (s.m, 0, w), pos = 0, windows = 0;
  GRand *rand = g_rand_new_with_seed (4);

  ego_mel_stream_reset (stream, j0);
  while (pos < n) {
    int piece = g_rand_int_range (rand, 1, 700);
    int taken = ego_mel_stream_push (stream, x + pos, MIN (piece, n - pos));
    g_assert_cmpint (taken, >=, 1);
    pos += taken;
    /* every window of w frames as soon as it is complete */
    while (ego_mel_stream_window (stream, j0, w, got)) {
      ego_melspec_compute (s.m, x, n, j0, w, want);
      g_assert_cmpmem (got, sizeof (float) * n_mels * w, want,
          sizeof (float) * n_mels * w);
      j0 += 3;
      windows++;
    }
  }
  g_assert_cmpint (ego_mel_stream_samples (stream), ==, n);
  g_assert_cmpint (windows, >, 5);
  g_rand_free (rand);
  g_free (got);
  g_free (want);
  ego_mel_stream_free (stream);
  spec_free (&s);
  ego_safetensors_free (st);
}

/* A window's middle frame centre is within hop / 2 of the requested
 * centre, for odd and even widths and centres before the start. */
static void
test_window_centring (void)
{
  Spec s = spec_new (16000, 400, 160, 8, 0.0f, 8000.0f);
  const int widths[] = { 1, 2, 7, 128 };

  for (guint i = 0; i < G_N_ELEMENTS (widths); i++) {
    for (gint64 c = -1000; c <= 1000; c += 7) {
      long j0 = ego_melspec_window_first (s.m, c, widths[i]);
      double middle = (j0 + (widths[i] - 1) / 2.0) * 160.0;
      g_assert_cmpfloat (fabs (middle - c), <=, 80.0);
    }
  }
  g_assert_cmpint (ego_melspec_window_first (s.m, 0, 128), ==, -63);
  g_assert_cmpint (ego_melspec_window_first (s.m, 16000, 1), ==, 100);
  spec_free (&s);
}

/* Odd FFT sizes, hops beyond the FFT, bands beyond Nyquist and the rest
 * are refused with an error that names the setting that is wrong. */
static void
test_bad_settings (void)
{
  const EgoMelspecConfig bad[] = {
    {16000, 401, 160, 64, 0.0f, 8000.0f},
    {16000, 400, 401, 64, 0.0f, 8000.0f},
    {16000, 400, 160, 64, 0.0f, 8001.0f},
    {16000, 400, 160, 64, 300.0f, 300.0f},
    {16000, 400, 160, 0, 0.0f, 8000.0f},
    {0, 400, 160, 64, 0.0f, 0.0f},
  };
  const char *named[] = { "n-fft 401", "hop 401", "band 0..8001 Hz",
    "band 300..300 Hz", "0 mel bands", "rate 0 Hz"
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    GError *error = NULL;
    g_assert_null (ego_melspec_new (&bad[i], gst_fft, NULL, &error));
    g_assert_error (error, EGO_ERROR, EGO_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, named[i]));
    g_error_free (error);
  }
}

/* Not a check: how many seconds of 16 kHz audio a second the stream turns
 * into log-mel frames with the defaults (the plugin's path). */
static void
test_throughput (void)
{
  const int seconds = 60, n = seconds * 16000;
  Spec s = spec_new (16000, 400, 160, 64, 0.0f, 8000.0f);
  EgoMelStream *stream = ego_mel_stream_new (s.m, 128);
  float *x = g_new (float, n);
  gint64 t;
  double elapsed;

  for (int i = 0; i < n; i++)
    x[i] = 0.3f * sinf (i * 0.05f) + 0.01f * sinf (i * 1.3f);
  t = g_get_monotonic_time ();
  for (int pos = 0; pos < n;)
    pos += ego_mel_stream_push (stream, x + pos, n - pos);
  elapsed = (g_get_monotonic_time () - t) / 1e6;
  g_assert_cmpint (ego_mel_stream_next_frame (stream), >, 5990);
  g_test_message ("melspec: %d s of audio in %.3f s: %.0fx real time",
      seconds, elapsed, seconds / MAX (elapsed, 1e-6));
  g_free (x);
  ego_mel_stream_free (stream);
  spec_free (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/melspec/filterbank", test_filterbank);
  g_test_add_func ("/melspec/against-reference", test_against_reference);
  g_test_add_func ("/melspec/stream-equals-whole", test_stream_equals_whole);
  g_test_add_func ("/melspec/window-centring", test_window_centring);
  g_test_add_func ("/melspec/bad-settings", test_bad_settings);
  g_test_add_func ("/melspec/throughput", test_throughput);
  return g_test_run ();
}
