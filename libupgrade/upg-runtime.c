/* upg-runtime.c - facts about the running library
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upgrade.h"
#include "upg-spi-i18n-private.h"

/**
 * upg_get_version:
 *
 * Gives the version of the library that is running, which may differ from
 * the headers a program was built with (%UPG_VERSION_STRING).
 *
 * Returns: (transfer none): the version, e.g. `"0.1.0"`
 */
const char *
upg_get_version (void)
{
  return PACKAGE_VERSION;
}

/**
 * upg_get_spi_abi:
 *
 * Gets the SPI ABI version plugins must be built for.
 *
 * Returns: the SPI ABI version plugins must be built for
 */
guint
upg_get_spi_abi (void)
{
  return UPG_SPI_ABI_VERSION;
}

/**
 * upg_init_i18n:
 *
 * Binds the library's message catalogue so that operator-facing messages
 * follow `LANG` (English and Simplified Chinese). Programs call it once,
 * after `setlocale()`. The environment variable `UPGRADE_LOCALEDIR`
 * overrides the installed catalogue directory (the build tree's `po`
 * directory when testing uninstalled). Calling it more than once, from any
 * thread, is harmless: the catalogue is bound once per process.
 */
void
upg_init_i18n (void)
{
  /* One binding for both libraries: they share GETTEXT_PACKAGE. */
  upg_spi_bind_textdomain ();
}
