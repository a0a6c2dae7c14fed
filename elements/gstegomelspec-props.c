/* gst-ego: egomelspec's properties, see gstegomelspec-private.h. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstegomelspec-private.h"

void
gst_ego_melspec_settings_init (EgoMelspecSettings * s)
{
  s->n_fft = DEFAULT_PROP_N_FFT;
  s->hop = DEFAULT_PROP_HOP;
  s->n_mels = DEFAULT_PROP_N_MELS;
  s->window_frames = DEFAULT_PROP_WINDOW_FRAMES;
  s->rate_n = DEFAULT_PROP_RATE_N;
  s->rate_d = DEFAULT_PROP_RATE_D;
  s->fmin = DEFAULT_PROP_FMIN;
  s->fmax = DEFAULT_PROP_FMAX;
}

gboolean
gst_ego_melspec_settings_set (EgoMelspecSettings * s, guint prop_id,
    const GValue * value)
{
  switch (prop_id) {
    case PROP_N_FFT:
      s->n_fft = g_value_get_int (value);
      break;
    case PROP_HOP:
      s->hop = g_value_get_int (value);
      break;
    case PROP_N_MELS:
      s->n_mels = g_value_get_int (value);
      break;
    case PROP_WINDOW_FRAMES:
      s->window_frames = g_value_get_int (value);
      break;
    case PROP_RATE:
      s->rate_n = gst_value_get_fraction_numerator (value);
      s->rate_d = gst_value_get_fraction_denominator (value);
      break;
    case PROP_FMIN:
      s->fmin = g_value_get_double (value);
      break;
    case PROP_FMAX:
      s->fmax = g_value_get_double (value);
      break;
    default:
      return FALSE;
  }
  return TRUE;
}

gboolean
gst_ego_melspec_settings_get (const EgoMelspecSettings * s, guint prop_id,
    GValue * value)
{
  switch (prop_id) {
    case PROP_N_FFT:
      g_value_set_int (value, s->n_fft);
      break;
    case PROP_HOP:
      g_value_set_int (value, s->hop);
      break;
    case PROP_N_MELS:
      g_value_set_int (value, s->n_mels);
      break;
    case PROP_WINDOW_FRAMES:
      g_value_set_int (value, s->window_frames);
      break;
    case PROP_RATE:
      gst_value_set_fraction (value, s->rate_n, s->rate_d);
      break;
    case PROP_FMIN:
      g_value_set_double (value, s->fmin);
      break;
    case PROP_FMAX:
      g_value_set_double (value, s->fmax);
      break;
    default:
      return FALSE;
  }
  return TRUE;
}

static void
gst_ego_melspec_install_spectrogram_properties (GObjectClass * gobject_class,
    GParamFlags flags)
{
  /**
   * GstEgoMelspec:n-fft:
   *
   * Length of the FFT and of its Hann window, in samples at the input
   * rate (even). 400 is 25 ms at 16 kHz.
   */
  g_object_class_install_property (gobject_class, PROP_N_FFT,
      g_param_spec_int ("n-fft", "FFT size",
          "FFT and window length in samples (even)", 4, 65536,
          DEFAULT_PROP_N_FFT, flags));
  /**
   * GstEgoMelspec:hop:
   *
   * Samples between the centres of successive spectrogram frames, at most
   * n-fft. 160 is 10 ms at 16 kHz.
   */
  g_object_class_install_property (gobject_class, PROP_HOP,
      g_param_spec_int ("hop", "Hop", "Samples between spectrogram frames",
          1, 65536, DEFAULT_PROP_HOP, flags));
  /**
   * GstEgoMelspec:n-mels:
   *
   * Mel bands: the height of the output image.
   */
  g_object_class_install_property (gobject_class, PROP_N_MELS,
      g_param_spec_int ("n-mels", "Mel bands", "Number of mel bands", 1, 1024,
          DEFAULT_PROP_N_MELS, flags));
  /**
   * GstEgoMelspec:fmin:
   *
   * Lower edge of the lowest mel band, in Hz.
   */
  g_object_class_install_property (gobject_class, PROP_FMIN,
      g_param_spec_double ("fmin", "Lowest frequency",
          "Lower edge of the lowest mel band (Hz)", 0.0, 1e6,
          DEFAULT_PROP_FMIN, flags));
  /**
   * GstEgoMelspec:fmax:
   *
   * Upper edge of the highest mel band, in Hz, at most half the sample
   * rate; 0 means half the sample rate.
   */
  g_object_class_install_property (gobject_class, PROP_FMAX,
      g_param_spec_double ("fmax", "Highest frequency",
          "Upper edge of the highest mel band (Hz, 0 = half the sample rate)",
          0.0, 1e6, DEFAULT_PROP_FMAX, flags));
}

void
gst_ego_melspec_install_properties (GObjectClass * gobject_class)
{
  /* read when caps arrive */
  const GParamFlags flags = G_PARAM_READWRITE | GST_PARAM_MUTABLE_READY
      | G_PARAM_STATIC_STRINGS;

  gst_ego_melspec_install_spectrogram_properties (gobject_class, flags);
  /**
   * GstEgoMelspec:window-frames:
   *
   * Spectrogram frames in a window: the width of the output image. The
   * default, 128 frames of 10 ms, spans 1.28 s, as the paper's audio
   * windows do.
   */
  g_object_class_install_property (gobject_class, PROP_WINDOW_FRAMES,
      g_param_spec_int ("window-frames", "Window frames",
          "Spectrogram frames per window", 1, 100000,
          DEFAULT_PROP_WINDOW_FRAMES, flags));
  /**
   * GstEgoMelspec:rate:
   *
   * Windows per second: set it to the video's frame rate for one window
   * centred on every frame.
   */
  g_object_class_install_property (gobject_class, PROP_RATE,
      gst_param_spec_fraction ("rate", "Rate", "Windows per second",
          1, 3600, 1000, 1, DEFAULT_PROP_RATE_N, DEFAULT_PROP_RATE_D, flags));
}
