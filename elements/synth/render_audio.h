/* The sound of the synthetic kitchen: each verb's own sound over a room
 * tone, at any sample rate. Every sample is a pure function of the seed
 * and its index, so chunks of any size, in any order, make the same
 * stream. */
#ifndef EGO_SYNTH_RENDER_AUDIO_H
#define EGO_SYNTH_RENDER_AUDIO_H

#include <glib.h>

#include "scenario.h"

G_BEGIN_DECLS

typedef struct _EgoAudioRenderer EgoAudioRenderer;

/* A renderer of sc's sound; sc must outlive it. */
EgoAudioRenderer *ego_audio_renderer_new (EgoScenario * sc);
void ego_audio_renderer_free (EgoAudioRenderer * ar);

/* Samples first .. first + n - 1 of the stream at rate Hz, mono, into
 * out, in -1..1. */
void ego_audio_render (EgoAudioRenderer * ar, guint64 first, guint n,
    guint rate, float *out);

G_END_DECLS

#endif /* EGO_SYNTH_RENDER_AUDIO_H */
