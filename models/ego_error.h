/* gst-ego network library: the error domain of everything in models/. */
#ifndef EGO_ERROR_H
#define EGO_ERROR_H

#include <glib.h>

#define EGO_ERROR (ego_error_quark ())
GQuark ego_error_quark (void);

typedef enum
{
  EGO_ERROR_IO,                 /* cannot open, read or write a file */
  EGO_ERROR_FORMAT,             /* the bytes are not what the format says */
  EGO_ERROR_INVALID,            /* well-formed but inconsistent or out of range */
  EGO_ERROR_UNSUPPORTED,        /* a version, dtype or kind we do not handle */
} EgoErrorCode;

#endif /* EGO_ERROR_H */
