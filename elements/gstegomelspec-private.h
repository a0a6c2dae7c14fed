/* gst-ego: egomelspec's insides, shared by gstegomelspec.c (the element)
 * and gstegomelspec-props.c (its properties). */
#ifndef __GST_EGO_MELSPEC_PRIVATE_H__
#define __GST_EGO_MELSPEC_PRIVATE_H__

#include "gstegomelspec.h"

G_BEGIN_DECLS

#define DEFAULT_PROP_N_FFT 400
#define DEFAULT_PROP_HOP 160
#define DEFAULT_PROP_N_MELS 64
#define DEFAULT_PROP_WINDOW_FRAMES 128
#define DEFAULT_PROP_RATE_N 30
#define DEFAULT_PROP_RATE_D 1
#define DEFAULT_PROP_FMIN 0.0
#define DEFAULT_PROP_FMAX 0.0

enum
{
  PROP_0,
  PROP_N_FFT,
  PROP_HOP,
  PROP_N_MELS,
  PROP_WINDOW_FRAMES,
  PROP_RATE,
  PROP_FMIN,
  PROP_FMAX,
};

typedef struct
{
  gint n_fft, hop, n_mels, window_frames;
  gint rate_n, rate_d;          /* windows per second */
  gdouble fmin, fmax;           /* Hz; fmax 0: half the sample rate */
} EgoMelspecSettings;

void gst_ego_melspec_install_properties (GObjectClass * gobject_class);
void gst_ego_melspec_settings_init (EgoMelspecSettings * s);
/* FALSE for an unknown property */
gboolean gst_ego_melspec_settings_set (EgoMelspecSettings * s, guint prop_id,
    const GValue * value);
gboolean gst_ego_melspec_settings_get (const EgoMelspecSettings * s,
    guint prop_id, GValue * value);

G_END_DECLS

#endif /* __GST_EGO_MELSPEC_PRIVATE_H__ */
