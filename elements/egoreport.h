/* gst-ego: the report of a training run, next to its model:
 *
 *   report-loss.png         loss per step and per epoch
 *   report-accuracy.png     training and validation top-1 per epoch
 *   report-reliability.png  reliability diagram of each head
 *   report-confusion-<head>.png  confusion matrix of each head
 *   report.html             all of them, the final figures, the history
 *                           and the run's settings
 *
 * drawn with cairo and pango. */
#ifndef __EGO_REPORT_H__
#define __EGO_REPORT_H__

#include "egotrainrun.h"

/* Returns the path of report.html. */
gchar *ego_report_write (const EgoRun * run, const gchar * dir,
    GError ** error);

#endif /* __EGO_REPORT_H__ */
