/* The harnesses' one way to report a broken invariant. */
#ifndef EGO_FUZZCHECK_H
#define EGO_FUZZCHECK_H

#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

/* abort is how a harness tells libFuzzer it found a bug */
static inline void
check (gboolean ok, const char *what)
{
  if (!ok) {
    fprintf (stderr, "invariant broken: %s\n", what);
    abort ();
  }
}

#endif /* EGO_FUZZCHECK_H */
