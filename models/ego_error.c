#include "ego_error.h"

G_DEFINE_QUARK (ego - error - quark, ego_error)
