/* gst-ego: log-mel spectrogram windows drawn as frames, the audio
 * modality's input to a network made for images.
 *
 * A window of egomelspec (n_mels x n_frames floats, band major, band 0 the
 * lowest, natural-log mel power) becomes a grey image of any size:
 *
 *   level     an affine map of log-mel to 0..255, clamped:
 *             EGO_MEL_FRAME_LOW (ln 1e-6 = -13.8, egomelspec's silence)
 *             is 0, EGO_MEL_FRAME_HIGH (10, above a full-scale sine's
 *             9.2) is 255; one level is 0.093 (ln units, about 0.4 dB)
 *   layout    time along x (the window's first frame on the left), mel
 *             bands along y with the lowest band at the bottom
 *   size      resampled to width x height, separably, with a triangle
 *             filter as wide as the scale factor (bilinear when enlarging,
 *             an averaging bilinear when reducing); sample centres align
 *
 * The image is packed RGB with R = G = B; a 1-channel network reads R. */
#ifndef __EGO_MEL_FRAMES_H__
#define __EGO_MEL_FRAMES_H__

#include <glib.h>

#define EGO_MEL_FRAME_LOW (-13.815511f)
#define EGO_MEL_FRAME_HIGH 10.0f

typedef struct _EgoMelFrames EgoMelFrames;

/* For windows of n_mels x n_frames drawn as width x height images. */
EgoMelFrames *ego_mel_frames_new (gint n_mels, gint n_frames, gint width,
    gint height);
void ego_mel_frames_free (EgoMelFrames * f);

/* The level of a log-mel value. */
guint8 ego_mel_frames_level (gfloat logmel);

/* Draws window (n_mels x n_frames; NULL: silence) into rgb, rows of
 * stride bytes. */
void ego_mel_frames_draw (EgoMelFrames * f, const gfloat * window,
    guint8 * rgb, gsize stride);

#endif /* __EGO_MEL_FRAMES_H__ */
