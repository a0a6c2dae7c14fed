/* gst-ego: the private decoder behind egodatasetsrc.
 *
 * Decodes one video file (uridecodebin) or a list of frames of a frame
 * folder (frame_%010d.jpg through jpegdec) in a sub-pipeline of its own,
 * scaled to a fixed size as packed RGB, and hands the frames out one by
 * one with their frame numbers. Frame numbers are 1-based as in EPIC's
 * frame folders: a video's frames are numbered in the order the decoder
 * outputs them, a folder's by their file names.
 *
 * A video file's audio track can stand in for its pictures: one log-mel
 * spectrogram window per video frame, centred on the frame's time, drawn
 * as a grey image of the same size (egovideoreader-audio.c and
 * egomelframes.h tell how), numbered like the video's frames.
 *
 * Or the pictures can come with their optical flow: each RGB frame carries
 * a GstEgoFlowMeta with egoflow's image of the motion from the previous
 * frame, the very image the flow modality gives for that frame. */
#ifndef __EGO_VIDEO_READER_H__
#define __EGO_VIDEO_READER_H__

#include <gst/gst.h>

typedef enum
{
  EGO_READ_FRAME,
  EGO_READ_END,                 /* no more frames */
  EGO_READ_ERROR,
  EGO_READ_CANCELLED,
} EgoReadResult;

typedef struct _EgoVideoReader EgoVideoReader;

/* filter value: the audio track's log-mel windows instead of the pictures */
#define EGO_VIDEO_READER_AUDIO "egomelspec"
/* filter value: the pictures, each with its flow image as a GstEgoFlowMeta */
#define EGO_VIDEO_READER_RGBFLOW "rgbflow"

/* A video file, every frame. filter: NULL, or the name of an element that
 * turns the scaled frames into another modality's frames of the same size
 * (egoflow: the motion from the previous frame), run on every frame; or
 * EGO_VIDEO_READER_AUDIO: a frame of the audio for every video frame (an
 * error when the file has no audio track); or EGO_VIDEO_READER_RGBFLOW:
 * the frames with egoflow's frames attached. needed (ascending frame
 * numbers, or NULL for all) lists the frames whose filtered frame will be
 * used: egoflow computes the motion of those alone (the others are still
 * decoded, as the previous frames of the next). Errors do not name the
 * file: the caller does. */
EgoVideoReader *ego_video_reader_new_file (const gchar * path, gint width,
    gint height, const gchar * filter, const gint * needed, guint n_needed,
    GError ** error);
/* The given frames (ascending) of a frame folder. */
EgoVideoReader *ego_video_reader_new_frames (const gchar * dir,
    const gint * frames, guint n_frames, gint width, gint height,
    GError ** error);
void ego_video_reader_free (EgoVideoReader * r);

/* Blocks until the next frame: *buf (RGB, width x height, a private copy)
 * and its *frame number. */
EgoReadResult ego_video_reader_next (EgoVideoReader * r, GstBuffer ** buf,
    gint * frame, GError ** error);
/* The video file's frame rate, known once next() has given a frame; FALSE
 * for frame folders and variable rates. */
gboolean ego_video_reader_frame_rate (EgoVideoReader * r, gint * rate_n,
    gint * rate_d);
/* From any thread: makes a waiting or later next() return CANCELLED. */
void ego_video_reader_set_cancelled (EgoVideoReader * r, gboolean cancelled);

/* The display size of a video file or image (pixel aspect applied). */
gboolean ego_video_probe_size (const gchar * path, gint * width,
    gint * height, GError ** error);

/* The path of frame n of a frame folder. */
gchar *ego_video_frame_path (const gchar * dir, gint frame);

#endif /* __EGO_VIDEO_READER_H__ */
