/* egosynthsrc's insides: the settings its two streams share, the
 * internal video and audio sources, and what they ask of the bin. */
#ifndef __GST_EGO_SYNTH_SRC_PRIVATE_H__
#define __GST_EGO_SYNTH_SRC_PRIVATE_H__

#include <gst/gst.h>
#include <gst/base/gstpushsrc.h>

#include "gstegosynthsrc.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_ego_synth_src_debug);

/* The element's properties, copied by each stream when it starts. */
typedef struct
{
  guint64 seed;
  gint num_buffers;
  gboolean is_live;
  gfloat head_motion;
  gfloat lighting;
  gfloat clutter;
  gfloat occlusion;
  gfloat noise;
  gfloat motion_blur;
  gfloat difficulty;
  gboolean emit_flow;
} GstEgoSynthSettings;

/* The same schedule for both streams: the settings that shape it. */
#define GST_EGO_SYNTH_SCENARIO_PARAMS(params, settings) G_STMT_START { \
    ego_scenario_params_init ((params), (settings)->seed); \
    (params)->difficulty = (settings)->difficulty; \
    (params)->clutter = (settings)->clutter; \
    (params)->occlusion = (settings)->occlusion; \
  } G_STMT_END

void gst_ego_synth_src_get_settings (GstEgoSynthSrc * self,
    GstEgoSynthSettings * settings);

/* The video stream tells its frame rate once negotiated (0/1: unknown);
 * the audio stream, which must end with the video, waits for it. The wait
 * returns FALSE when *flushing is set; gst_ego_synth_src_wake interrupts
 * it. */
void gst_ego_synth_src_set_video_rate (GstEgoSynthSrc * self, gint fps_n,
    gint fps_d);
gboolean gst_ego_synth_src_wait_video_rate (GstEgoSynthSrc * self,
    const gboolean * flushing, gint * fps_n, gint * fps_d);
void gst_ego_synth_src_wake (GstEgoSynthSrc * self);

/* In live mode both streams stamp from the same running time: the one at
 * which the first of them started producing. */
GstClockTime gst_ego_synth_src_live_origin (GstEgoSynthSrc * self,
    GstElement * stream);

/* Waits on stream's clock until running time, unless unlocked through
 * *clock_id (guarded by the stream's object lock). */
GstFlowReturn gst_ego_synth_src_wait_until (GstElement * stream,
    GstClockID * clock_id, const gboolean * flushing,
    GstClockTime running_time);

#define GST_TYPE_EGO_SYNTH_VIDEO_SRC (gst_ego_synth_video_src_get_type ())
G_DECLARE_FINAL_TYPE (GstEgoSynthVideoSrc, gst_ego_synth_video_src,
    GST, EGO_SYNTH_VIDEO_SRC, GstPushSrc)

#define GST_TYPE_EGO_SYNTH_AUDIO_SRC (gst_ego_synth_audio_src_get_type ())
G_DECLARE_FINAL_TYPE (GstEgoSynthAudioSrc, gst_ego_synth_audio_src,
    GST, EGO_SYNTH_AUDIO_SRC, GstPushSrc)

GstElement *gst_ego_synth_video_src_new (GstEgoSynthSrc * owner);
GstElement *gst_ego_synth_audio_src_new (GstEgoSynthSrc * owner);

extern GstStaticPadTemplate gst_ego_synth_video_template;
extern GstStaticPadTemplate gst_ego_synth_audio_template;

G_END_DECLS

#endif /* __GST_EGO_SYNTH_SRC_PRIVATE_H__ */
