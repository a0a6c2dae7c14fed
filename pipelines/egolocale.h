/* gst-ego command-line tools: the character set of their arguments. */
#ifndef EGO_LOCALE_H
#define EGO_LOCALE_H

#include <locale.h>
#include <string.h>

/* Arguments (names of classes and files) in the terminal's character set;
 * the C locale, whose set is ASCII (containers, cron), is taken as UTF-8,
 * or any argument outside ASCII fails in the option parser naming no
 * option. Only LC_CTYPE: printed numbers keep the C format. */
static inline void
ego_tool_init_locale (void)
{
  const char *ctype = setlocale (LC_CTYPE, "");
  if (ctype == NULL || strcmp (ctype, "C") == 0
      || strcmp (ctype, "POSIX") == 0)
    setlocale (LC_CTYPE, "C.UTF-8");
}

#endif /* EGO_LOCALE_H */
