/* gst-ego: egoteacher's fusion of its teachers, one clip at a time, with
 * the schemes of models/fusion.h, per head; plus what it keeps over the
 * run: the logits as teacher-logits JSON lines, and each teacher's and the
 * fused top-1 on the labelled clips.
 *
 * Fixed weights (full-dataset) are given as text, either
 *
 *   "rgb=0.7,flow=0.3"                          the same on every head
 *   "verb:rgb=0.4,flow=0.6;noun:rgb=0.9,flow=0.1"   per head
 *
 * (a group without "head:" applies to the heads no group names), or as
 * the path of a JSON file such as ego-fuse --weights-json writes:
 * {"verb": {"weights": {"rgb": 0.4, "flow": 0.6}}, "noun": {...}} (a head
 * may also map straight to its {"name": weight} object). Weights must be
 * finite and non-negative; each head's are divided by their sum. */
#ifndef __EGO_TEACHER_FUSE_H__
#define __EGO_TEACHER_FUSE_H__

#include <gst/gst.h>

#include "egoclipcollect.h"
#include "fusion.h"

typedef struct _EgoTeacherFusion EgoTeacherFusion;

/* m teachers named names (kept), on the heads of info. weights: the text
 * or file above, read only by full-dataset. keep_lines: keep the fused
 * logits as JSON lines, keep_teachers each teacher's too. */
EgoTeacherFusion *ego_teacher_fusion_new (EgoFusionScheme scheme,
    gdouble tau_w, gint m, const gchar * const *names,
    const EgoDatasetInfo * info, const gchar * weights, gboolean keep_lines,
    gboolean keep_teachers, GError ** error);
void ego_teacher_fusion_free (EgoTeacherFusion * f);

/* A new clip: where teacher i writes its logits of head h (classes). */
void ego_teacher_fusion_begin (EgoTeacherFusion * f);
gfloat *ego_teacher_fusion_logits (EgoTeacherFusion * f, gint h, gint i);

/* Weighs and fuses the clip's logits; labels (per head, -1: none) feed
 * per-sample and the tallies. Returns the block of values of a
 * GstEgoTeacherMeta (transfer full), or NULL with error. */
GBytes *ego_teacher_fusion_finish (EgoTeacherFusion * f,
    const gchar * narration_id, const gint * labels, GError ** error);

/* Writes the fused lines to location and, with per_teacher, teacher
 * NAME's to location with ".NAME.jsonl" in place of its ".jsonl" (or
 * after it), each through a temporary file renamed into place. */
gboolean ego_teacher_fusion_write (const EgoTeacherFusion * f,
    const gchar * location, gboolean per_teacher, GError ** error);

/* "egoteacher-done": clips, labelled, per teacher and for "fused" the
 * top-1 in percent of each head, "<name>-<head>-top1", and of the action
 * (verb and noun right), "<name>-action-top1", over the labelled clips. */
GstStructure *ego_teacher_fusion_summary (const EgoTeacherFusion * f);

#endif /* __EGO_TEACHER_FUSE_H__ */
