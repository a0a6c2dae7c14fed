/* gst-ego: the elements the plugin registers. */
#ifndef __GST_EGO_ELEMENTS_H__
#define __GST_EGO_ELEMENTS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

GST_ELEMENT_REGISTER_DECLARE (egoaction);
GST_ELEMENT_REGISTER_DECLARE (egodatasetsrc);
GST_ELEMENT_REGISTER_DECLARE (egodistill);
GST_ELEMENT_REGISTER_DECLARE (egoflow);
GST_ELEMENT_REGISTER_DECLARE (egomelspec);
GST_ELEMENT_REGISTER_DECLARE (egooverlay);
GST_ELEMENT_REGISTER_DECLARE (egosynthsrc);
GST_ELEMENT_REGISTER_DECLARE (egoteacher);

G_END_DECLS

#endif /* __GST_EGO_ELEMENTS_H__ */
