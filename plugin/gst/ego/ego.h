/* gst-ego public API: the metas that egoaction, egosynthsrc, egodatasetsrc
 * and egoteacher attach.
 * pkg-config gstreamer-ego-1.0, #include <gst/ego/ego.h> */
#ifndef __GST_EGO_H__
#define __GST_EGO_H__

#include <gst/ego/egoactionmeta.h>
#include <gst/ego/egoclipmeta.h>
#include <gst/ego/egoflowmeta.h>
#include <gst/ego/egoteachermeta.h>
#include <gst/ego/egotruthmeta.h>

#endif /* __GST_EGO_H__ */
