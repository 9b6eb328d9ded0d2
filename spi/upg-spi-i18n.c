/* upg-spi-i18n.c - binds the message catalogue for the SPI library
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "upg-spi-i18n-private.h"

/* Binds GETTEXT_PACKAGE to `UPGRADE_LOCALEDIR` (the build tree's `po`
 * directory when testing uninstalled) or the installed LOCALEDIR.
 * Thread-safe and done once per process: the engine's upg_init_i18n()
 * and the SPI's first translated message share this call, so both
 * libraries read the same catalogue. */
void
upg_spi_bind_textdomain (void)
{
  static gsize bound = 0;

  if (g_once_init_enter (&bound))
    {
      const char *localedir = g_getenv ("UPGRADE_LOCALEDIR");

      bindtextdomain (GETTEXT_PACKAGE,
                      localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&bound, 1);
    }
}

/* _() in spi/: binds the domain on first use, then translates. */
const char *
upg_spi_gettext (const char *msgid)
{
  upg_spi_bind_textdomain ();
  return g_dgettext (GETTEXT_PACKAGE, msgid);
}
