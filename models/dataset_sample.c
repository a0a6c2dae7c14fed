/* gst-ego network library: which frames of a clip a network sees (see
 * dataset.h for the exact rules). Arithmetic is in 64 bits: i * n can pass
 * 2^31 for long clips. */
#include "dataset.h"

/* floor (a / 2), also for negative a (C division truncates toward 0) */
static gint64
floor_half (gint64 a)
{
  return a >= 0 ? a / 2 : -((-a + 1) / 2);
}

gboolean
ego_sample_tsn (int start_frame, int stop_frame, int T, gboolean train,
    EgoRng * rng, int *frames_out)
{
  gint64 n = (gint64) stop_frame - start_frame + 1;

  if (T < 1 || T > EGO_SAMPLE_MAX_FRAMES || n < 1 || (train && rng == NULL)
      || frames_out == NULL)
    return FALSE;
  if (n < T) {
    /* too few frames for one per segment: spread them over the T samples,
     * each repeated about T / n times, in order */
    for (int i = 0; i < T; i++)
      frames_out[i] = start_frame + (int) ((2 * (gint64) i + 1) * n / (2 *
              (gint64) T));
    return TRUE;
  }
  for (int i = 0; i < T; i++) {
    gint64 first = i * n / T, length = (i + 1) * n / T - first;
    gint64 offset = train ? (gint64) ego_rng_below (rng, (uint32_t) length)
        : length / 2;
    frames_out[i] = start_frame + (int) (first + offset);
  }
  return TRUE;
}

gboolean
ego_sample_fixed_step (int start_frame, int stop_frame, int T, int step,
    gboolean train, EgoRng * rng, int *frames_out)
{
  gint64 n = (gint64) stop_frame - start_frame + 1;
  gint64 span = (gint64) (T - 1) * step + 1, slack, offset;

  if (T < 1 || T > EGO_SAMPLE_MAX_FRAMES || step < 1 || n < 1
      || span > G_MAXINT32 || (train && rng == NULL) || frames_out == NULL)
    return FALSE;
  /* negative when the window is longer than the clip: then every offset
   * in [slack, 0] still covers the whole clip */
  slack = n - span;
  if (train)
    offset = MIN (slack, 0) + (gint64) ego_rng_below (rng,
        (uint32_t) (ABS (slack) + 1));
  else
    offset = floor_half (slack);
  for (int i = 0; i < T; i++) {
    gint64 f = start_frame + offset + (gint64) i * step;
    frames_out[i] = (int) CLAMP (f, (gint64) start_frame, (gint64) stop_frame);
  }
  return TRUE;
}
