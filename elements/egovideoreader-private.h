/* gst-ego: the insides of EgoVideoReader, shared by egovideoreader.c
 * (video files and frame folders) and egovideoreader-audio.c (a video
 * file's audio track as log-mel frames). */
#ifndef __EGO_VIDEO_READER_PRIVATE_H__
#define __EGO_VIDEO_READER_PRIVATE_H__

#include "egovideoreader.h"

#include <gst/pbutils/pbutils.h>

/* how long next() waits for a frame before it looks at the bus and at
 * cancellation again */
#define EGO_READER_POLL_TIME (100 * GST_MSECOND)

typedef struct _EgoReaderAudio EgoReaderAudio;

struct _EgoVideoReader
{
  GstElement *pipeline;
  GstElement *scale;            /* first element after the decoder */
  GstElement *sink;
  GstElement *flow_sink;        /* rgbflow: egoflow's frames */
  GstBus *bus;
  gint index;                   /* frames handed out */
  gint rate_n, rate_d;          /* the video's frame rate; 0/0: not known */
  /* frame folder */
  gchar *dir;
  gint *frames;
  guint n_frames;
  guint pushed;
  /* frames whose filtered frame is wanted (ascending), NULL: all */
  gint *needed;
  guint n_needed;
  gint filtered;                /* frames that reached the filter */
  /* audio track */
  EgoReaderAudio *audio;
  volatile gint cancelled;
};

/* egovideoreader.c */
GstElement *ego_video_reader_make (const gchar * factory, GError ** error);
/* Sets the pipeline playing; frees r and returns NULL when it cannot. */
EgoVideoReader *ego_video_reader_start (EgoVideoReader * r, GError ** error);
/* TRUE, and the error, when the pipeline posted one. */
gboolean ego_video_reader_bus_error (EgoVideoReader * r, GError ** error);
/* What GstDiscoverer finds in a file, or NULL and an error. */
GstDiscovererInfo *ego_video_discover (const gchar * path, GError ** error);

/* egovideoreader-audio.c */
EgoVideoReader *ego_video_reader_new_audio (const gchar * path, gint width,
    gint height, GError ** error);
EgoReadResult ego_video_reader_next_audio (EgoVideoReader * r,
    GstBuffer ** buf, gint * frame, GError ** error);
void ego_reader_audio_free (EgoReaderAudio * a);

#endif /* __EGO_VIDEO_READER_PRIVATE_H__ */
