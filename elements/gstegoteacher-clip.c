/* gst-ego: egoteacher's work on the clips, on the aggregating thread: the
 * frames of every pad aligned, the teachers run on each complete clip, the
 * fusion, and the first pad's frames passed on with the clip's meta. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstegoteacher-private.h"

#include <gst/ego/ego.h>
#include <string.h>

#define GST_CAT_DEFAULT gst_ego_teacher_debug

void
gst_ego_teacher_drop_clip (GstEgoTeacher * self)
{
  for (guint j = 0; self->held && j < self->n_held; j++)
    gst_clear_buffer (&self->held[j]);
  self->n_held = 0;
}

/* ------------------------------------------------------------------------ */
/* The stream's shape, from the first frames on */

/* Every pad describes the same kind of clips; the splits may differ until
 * the frames show it. */
static gboolean
check_pads_agree (GstEgoTeacher * self)
{
  const EgoDatasetInfo *a = &self->pads[0]->info;
  for (guint i = 0; i < self->n_pads; i++) {
    GstEgoTeacherPad *pad = self->pads[i];
    const EgoDatasetInfo *b = &pad->info;
    gboolean same = pad->have_info && pad->have_caps;
    if (!same) {
      GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Pad %s got frames without "
              "the dataset's description: feed it from egodatasetsrc.",
              GST_PAD_NAME (pad)), (NULL));
      return FALSE;
    }
    same = a->segments == b->segments && a->candidates == b->candidates
        && a->n_heads == b->n_heads;
    for (gint h = 0; same && h < a->n_heads; h++)
      same = g_strcmp0 (a->heads[h], b->heads[h]) == 0
          && a->n_labels[h] == b->n_labels[h];
    if (!same) {
      GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Pads %s and %s play clips "
              "of other shapes (%d and %d segments of %d and %d candidates) "
              "or heads.", GST_PAD_NAME (self->pads[0]), GST_PAD_NAME (pad),
              a->segments, b->segments, a->candidates, b->candidates), (NULL));
      return FALSE;
    }
  }
  return TRUE;
}

/* The modality again, for pads linked after the start. */
static gboolean
check_modality (GstEgoTeacher * self, GstEgoTeacherPad * pad)
{
  gchar *modality = gst_ego_teacher_pad_upstream_modality (GST_PAD (pad));
  const gchar *model = ego_teacher_net_meta (pad->net)->modality;
  gboolean ok = modality == NULL || g_strcmp0 (modality, model) == 0;
  if (!ok)
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("Pad %s receives %s frames "
            "but its model is a %s network.", GST_PAD_NAME (pad), modality,
            model), (NULL));
  else if (modality == NULL)
    GST_INFO_OBJECT (pad, "cannot tell the modality of the frames");
  g_free (modality);
  return ok;
}

static gboolean
configure_teachers (GstEgoTeacher * self, GError ** error)
{
  const EgoDatasetInfo *info = &self->pads[0]->info;
  for (guint i = 0; i < self->n_pads; i++) {
    GstEgoTeacherPad *pad = self->pads[i];
    if (!ego_teacher_net_configure (pad->net, &pad->info,
            GST_VIDEO_INFO_WIDTH (&pad->vinfo),
            GST_VIDEO_INFO_HEIGHT (&pad->vinfo), error))
      return FALSE;
  }
  if (self->logits_path && self->external == NULL)
    self->external = ego_teacher_logits_load (self->logits_path,
        info->n_heads, (gchar * const *) info->heads, info->n_labels, error);
  if (self->logits_path && self->external == NULL)
    return FALSE;
  g_clear_pointer (&self->fusion, ego_teacher_fusion_free);
  self->fusion = ego_teacher_fusion_new (self->run_scheme, self->run_tau_w,
      (gint) g_strv_length (self->names), (const gchar * const *) self->names,
      info, self->run_weights, self->run_location != NULL,
      self->run_per_modality, error);
  return self->fusion != NULL;
}

static gboolean
configure (GstEgoTeacher * self)
{
  GError *error = NULL;
  if (!check_pads_agree (self))
    return FALSE;
  for (guint i = 0; i < self->n_pads; i++)
    if (!check_modality (self, self->pads[i]))
      return FALSE;
  if (!configure_teachers (self, &error)) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("%s", error->message), (NULL));
    g_clear_error (&error);
    return FALSE;
  }
  gst_ego_teacher_drop_clip (self);
  g_free (self->held);
  self->slots = (guint) (self->pads[0]->info.segments *
      self->pads[0]->info.candidates);
  self->held = g_new0 (GstBuffer *, self->slots);
  self->configured = TRUE;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* A clip */

/* The teachers' logits of the clip into the fusion. */
static gboolean
run_teachers (GstEgoTeacher * self, const gchar * id, GError ** error)
{
  const EgoDatasetInfo *info = &self->pads[0]->info;
  ego_teacher_fusion_begin (self->fusion);
  for (guint i = 0; i < self->n_pads; i++) {
    const gfloat *logits[EGO_MAX_HEADS];
    if (!ego_teacher_net_run (self->pads[i]->net, logits, error))
      return FALSE;
    for (gint h = 0; h < info->n_heads; h++)
      memcpy (ego_teacher_fusion_logits (self->fusion, h, (gint) i),
          logits[h], sizeof (gfloat) * info->n_labels[h]);
  }
  for (gint h = 0; self->external && h < info->n_heads; h++) {
    const gfloat *z = ego_teacher_logits_lookup (self->external, id, h);
    if (z == NULL) {
      g_set_error (error, EGO_ERROR, EGO_ERROR_INVALID, "%s has no logits "
          "for clip %s", self->logits_path, id);
      return FALSE;
    }
    memcpy (ego_teacher_fusion_logits (self->fusion, h, (gint) self->n_pads),
        z, sizeof (gfloat) * info->n_labels[h]);
  }
  return TRUE;
}

/* Passes the held frames on, each with the clip's meta. */
static GstFlowReturn
push_clip (GstEgoTeacher * self, const gchar * id, GBytes * values)
{
  const EgoDatasetInfo *info = &self->pads[0]->info;
  GstAggregator *agg = GST_AGGREGATOR (self);
  GstFlowReturn ret = GST_FLOW_OK;
  guint classes[EGO_MAX_HEADS];
  for (gint h = 0; h < info->n_heads; h++)
    classes[h] = (guint) info->n_labels[h];
  if (self->dataset_event) {
    GstCaps *caps = gst_pad_get_current_caps (GST_PAD (self->pads[0]));
    /* stream-start, caps and segment come before it */
    if (!gst_pad_has_current_caps (GST_AGGREGATOR_SRC_PAD (agg)) && caps)
      gst_aggregator_set_src_caps (agg, caps);
    gst_clear_caps (&caps);
    gst_pad_push_event (GST_AGGREGATOR_SRC_PAD (agg),
        g_steal_pointer (&self->dataset_event));
  }
  for (guint j = 0; j < self->n_held; j++) {
    GstBuffer *buf = g_steal_pointer (&self->held[j]);
    if (ret != GST_FLOW_OK) {
      gst_buffer_unref (buf);
      continue;
    }
    buf = gst_buffer_make_writable (buf);
    gst_buffer_add_ego_teacher_meta (buf, id, (guint) info->n_heads,
        (const gchar * const *) info->heads, classes,
        g_strv_length (self->names), (const gchar * const *) self->names,
        values);
    ret = gst_aggregator_finish_buffer (agg, buf);
  }
  self->n_held = 0;
  return ret;
}

static GstFlowReturn
finish_clip (GstEgoTeacher * self, const GstEgoClipMeta * m)
{
  GError *error = NULL;
  GBytes *values = NULL;
  const gchar *id = m->narration_id;
  if (run_teachers (self, id, &error))
    values = ego_teacher_fusion_finish (self->fusion, id, self->labels, &error);
  if (values == NULL) {
    GST_ELEMENT_ERROR (self, LIBRARY, FAILED, ("Clip %s: %s.", id,
            error->message), (NULL));
    g_clear_error (&error);
    return GST_FLOW_ERROR;
  }
  GST_LOG_OBJECT (self, "clip %s fused", id);
  {
    GstFlowReturn ret = push_clip (self, id, values);
    g_bytes_unref (values);
    return ret;
  }
}

/* Every pad's frame is of the same clip, at the same place. */
static gboolean
check_aligned (GstEgoTeacher * self, GstBuffer ** frames,
    GstEgoClipMeta ** metas)
{
  for (guint i = 0; i < self->n_pads; i++) {
    GstEgoClipMeta *m = metas[i] = gst_buffer_get_ego_clip_meta (frames[i]);
    if (m == NULL || m->narration_id == NULL) {
      GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("A frame without clip meta on "
              "pad %s: feed it from egodatasetsrc.",
              GST_PAD_NAME (self->pads[i])), (NULL));
      return FALSE;
    }
    if (i > 0 && (g_strcmp0 (m->narration_id, metas[0]->narration_id) != 0
            || m->slot != metas[0]->slot)) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED, ("The pads play other clips: "
              "%s has clip %s (frame %u), %s has clip %s (frame %u).",
              GST_PAD_NAME (self->pads[0]), metas[0]->narration_id,
              metas[0]->slot, GST_PAD_NAME (self->pads[i]), m->narration_id,
              m->slot), ("give every source the same data, split, frames "
              "and candidates"));
      return FALSE;
    }
  }
  if (metas[0]->slot != self->n_held || metas[0]->slots != self->slots) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Frame %u of clip %s comes out "
            "of order (%u frames of it so far).", metas[0]->slot,
            metas[0]->narration_id, self->n_held), (NULL));
    return FALSE;
  }
  return TRUE;
}

static gboolean
add_frames (GstEgoTeacher * self, GstBuffer ** frames, guint slot)
{
  GError *error = NULL;
  for (guint i = 0; i < self->n_pads; i++) {
    if (!ego_teacher_net_add_frame (self->pads[i]->net, frames[i], slot,
            &error)) {
      GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Pad %s: %s.",
              GST_PAD_NAME (self->pads[i]), error->message), (NULL));
      g_clear_error (&error);
      return FALSE;
    }
  }
  return TRUE;
}

GstFlowReturn
gst_ego_teacher_take_frames (GstEgoTeacher * self, GstBuffer ** frames)
{
  GstEgoClipMeta *metas[GST_EGO_TEACHER_MAX_TEACHERS], *m;
  gboolean ok = self->configured || configure (self);
  ok = ok && check_aligned (self, frames, metas);
  ok = ok && add_frames (self, frames, metas[0]->slot);
  for (guint i = 1; i < self->n_pads; i++)
    gst_clear_buffer (&frames[i]);
  if (!ok) {
    gst_clear_buffer (&frames[0]);
    return GST_FLOW_ERROR;
  }
  m = metas[0];
  if (m->slot == 0)
    for (gint h = 0; h < EGO_MAX_HEADS; h++)
      self->labels[h] = h < (gint) m->n_heads ? m->labels[h] : -1;
  self->held[self->n_held++] = frames[0];
  if (self->n_held < self->slots)
    return GST_FLOW_OK;
  return finish_clip (self, gst_buffer_get_ego_clip_meta (self->held[0]));
}

/* ------------------------------------------------------------------------ */
/* The end */

static gboolean
write_files (GstEgoTeacher * self)
{
  GError *error = NULL;
  gboolean ok;
  if (self->fusion)
    ok = ego_teacher_fusion_write (self->fusion, self->run_location,
        self->run_per_modality, &error);
  else
    ok = g_file_set_contents (self->run_location, "", 0, &error);
  if (!ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("Could not write the teacher "
            "logits."), ("%s", error->message));
    g_clear_error (&error);
  }
  return ok;
}

GstFlowReturn
gst_ego_teacher_end (GstEgoTeacher * self)
{
  if (self->finished)
    return GST_FLOW_EOS;
  self->finished = TRUE;
  if (self->n_held > 0) {
    GstEgoClipMeta *m = gst_buffer_get_ego_clip_meta (self->held[0]);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("The stream ended in the "
            "middle of clip %s.", m ? m->narration_id : "?"), (NULL));
    return GST_FLOW_ERROR;
  }
  if (self->run_location && !write_files (self))
    return GST_FLOW_ERROR;
  if (self->fusion)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self),
            ego_teacher_fusion_summary (self->fusion)));
  return GST_FLOW_EOS;
}
