/* gst-ego: egocentric action recognition for GStreamer.
 *
 * The plugin entry: registers the gst-ego elements.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstegoelements.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ok = FALSE;
  ok |= GST_ELEMENT_REGISTER (egoaction, plugin);
  ok |= GST_ELEMENT_REGISTER (egodatasetsrc, plugin);
  ok |= GST_ELEMENT_REGISTER (egodistill, plugin);
  ok |= GST_ELEMENT_REGISTER (egoflow, plugin);
  ok |= GST_ELEMENT_REGISTER (egomelspec, plugin);
  ok |= GST_ELEMENT_REGISTER (egooverlay, plugin);
  ok |= GST_ELEMENT_REGISTER (egosynthsrc, plugin);
  ok |= GST_ELEMENT_REGISTER (egoteacher, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, ego,
    "Egocentric action recognition with multimodal distillation",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
