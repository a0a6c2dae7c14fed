/* gst-ego network library: log-mel spectrograms, the audio teacher's input.
 *
 * Definition (models/reference/gen_melspec.py computes the same in numpy):
 *
 *   x[i]      mono samples at sample_rate Hz, full scale -1..1; x[i] = 0
 *             outside the signal (before its start, after its end)
 *   frame j   the n_fft samples x[j*hop - n_fft/2 .. j*hop + n_fft/2 - 1],
 *             i.e. centred on sample j*hop (n_fft is even)
 *   window    periodic Hann, w[n] = 0.5 - 0.5 cos(2 pi n / n_fft)
 *   spectrum  X_j[k] = sum_n w[n] frame_j[n] e^(-2 pi i k n / n_fft),
 *             k = 0 .. n_fft/2 (unnormalised), power P_j[k] = |X_j[k]|^2
 *   mel scale HTK: mel(f) = 2595 log10(1 + f / 700)
 *   filters   n_mels + 2 points m_0 .. m_{n_mels+1} evenly spaced in mel
 *             from mel(fmin) to mel(fmax), f_i = mel^-1(m_i); band b is
 *             the triangle rising linearly in Hz from f_b to 1 at f_{b+1}
 *             and falling to f_{b+2}, sampled at the bin frequencies
 *             k * sample_rate / n_fft (peak 1, no area normalisation)
 *   log-mel   S_j[b] = ln(sum_k fb[b][k] P_j[k] + 1e-6)   (natural log)
 *
 * Silence is ln(1e-6) = -13.8; a full-scale sine peaks near ln(1e4) = 9.2
 * with the defaults. Bands narrower than the bin spacing may hold no bin
 * (then they are always -13.8): keep n_mels modest for a short n_fft.
 *
 * The FFT is not done here: the caller passes one (GStreamer's, in the
 * plugin), so that this library stays free of GStreamer.
 *
 * Spectrogram windows, as the audio teacher reads them: a window of W
 * frames "centred" on sample s holds frames j0 .. j0 + W - 1 with
 * j0 = round(s / hop - (W - 1) / 2), so that the middle of the window is
 * within hop / 2 samples of s. It is stored (n_mels, W), band major, band
 * 0 the lowest: an image n_mels high and W wide, time running along rows.
 */
#ifndef EGO_MELSPEC_H
#define EGO_MELSPEC_H

#include <glib.h>

/* A real forward FFT of the n_fft samples in, into n_fft / 2 + 1 complex
 * values out as (re, im) pairs, unnormalised (numpy's rfft). */
typedef void (*EgoMelspecFft) (void *ctx, const float *in, float *out);

#define EGO_MELSPEC_LOG_FLOOR 1e-6f

typedef struct
{
  int sample_rate;              /* Hz */
  int n_fft;                    /* even, >= 4 */
  int hop;                      /* 1 .. n_fft */
  int n_mels;                   /* >= 1 */
  float fmin, fmax;             /* Hz, 0 <= fmin < fmax <= sample_rate / 2 */
} EgoMelspecConfig;

typedef struct _EgoMelspec EgoMelspec;

/* Builds the window and the filterbank; fft(fft_ctx, ...) is called for
 * every frame and must work on cfg->n_fft samples. */
EgoMelspec *ego_melspec_new (const EgoMelspecConfig * cfg, EgoMelspecFft fft,
    void *fft_ctx, GError ** error);
void ego_melspec_free (EgoMelspec * m);
const EgoMelspecConfig *ego_melspec_config (const EgoMelspec * m);

/* n_fft / 2 + 1 */
int ego_melspec_n_bins (const EgoMelspec * m);
/* The filterbank as a dense (n_mels, n_bins) matrix, fb[b][k]. */
void ego_melspec_filterbank (const EgoMelspec * m, float *fb);

/* One frame: frame (n_fft) samples to its log-mel out (n_mels). */
void ego_melspec_frame (EgoMelspec * m, const float *frame, float *out);
/* Frames first .. first + n_frames - 1 of the signal x (n samples), into
 * out (n_mels, n_frames), band major. */
void ego_melspec_compute (EgoMelspec * m, const float *x, long n, long first,
    int n_frames, float *out);
/* j0 of the window of w frames centred on sample s (see above) */
long ego_melspec_window_first (const EgoMelspec * m, gint64 s, int w);

/* A stream of samples made into log-mel frames as they arrive, for
 * windows taken while it runs. Frames are computed in order and the last
 * `keep` are kept; samples before the stream's first are zero. */
typedef struct _EgoMelStream EgoMelStream;

/* m must outlive the stream. */
EgoMelStream *ego_mel_stream_new (EgoMelspec * m, int keep);
void ego_mel_stream_free (EgoMelStream * s);
/* A new stream whose sample 0 is the next pushed and whose first frame is
 * first (negative: frames reaching before the stream's start). */
void ego_mel_stream_reset (EgoMelStream * s, long first);
/* Takes samples from x (n) up to the one that completes the next frame,
 * computes that frame and returns how many it took (n when no frame was
 * completed); call again with the rest. So that the caller can take each
 * window as soon as it is complete, before its frames are overwritten. */
int ego_mel_stream_push (EgoMelStream * s, const float *x, int n);
/* Frames below this one are computed. */
long ego_mel_stream_next_frame (const EgoMelStream * s);
/* Samples pushed since the reset. */
gint64 ego_mel_stream_samples (const EgoMelStream * s);
/* Copies frames j0 .. j0 + w - 1 into out (n_mels, w), band major; FALSE
 * (and nothing copied) when they are not all computed and kept. */
gboolean ego_mel_stream_window (const EgoMelStream * s, long j0, int w,
    float *out);

#endif /* EGO_MELSPEC_H */
