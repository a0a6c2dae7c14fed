/* gst-ego: symbol visibility of libgstego-1.0. */
#ifndef __GST_EGO_PRELUDE_H__
#define __GST_EGO_PRELUDE_H__

#include <gst/gst.h>

#ifndef GST_EGO_API
#ifdef BUILDING_GST_EGO
#define GST_EGO_API GST_API_EXPORT
#else
#define GST_EGO_API GST_API_IMPORT
#endif
#endif

#endif /* __GST_EGO_PRELUDE_H__ */
