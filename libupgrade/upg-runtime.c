/* upg-runtime.c - facts about the running library
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>
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

/**
 * upg_resolve_state_dir:
 * @state_dir: (nullable) (type filename): the directory the caller was
 *   given (`--state-dir`), or %NULL
 *
 * The state directory (journal, logs, backups) as SPEC §6 defines it:
 * @state_dir, else `$UPGRADE_STATE_DIR`, else `/var/lib/upgrade` for root
 * and `$XDG_STATE_HOME/upgrade` (g_get_user_state_dir()) for anyone else.
 * Never the current directory: a journal that depends on where the
 * command was started is lost by starting it elsewhere. The CLI, the HTTP
 * service and embedders resolve it here so that they share one journal.
 *
 * Returns: (transfer full) (type filename): the directory (not created;
 *   see upg_ensure_state_dir())
 */
char *
upg_resolve_state_dir (const char *state_dir)
{
  const char *env = g_getenv ("UPGRADE_STATE_DIR");

  if (state_dir != NULL && *state_dir != '\0')
    return g_strdup (state_dir);
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (geteuid () == 0)
    return g_strdup ("/var/lib/upgrade");
  return g_build_filename (g_get_user_state_dir (), "upgrade", NULL);
}

/**
 * upg_ensure_state_dir:
 * @state_dir: (type filename): a state directory
 * @error: return location for a #GError
 *
 * Creates @state_dir and its missing parents with mode 0700 (the journal
 * and the logs hold statement texts and site details) unless it exists.
 *
 * Returns: %TRUE if the directory exists now; %FALSE with
 *   %UPG_ERROR_INVALID_ARGUMENT naming the directory and the cause
 */
gboolean
upg_ensure_state_dir (const char  *state_dir,
                      GError     **error)
{
  g_return_val_if_fail (state_dir != NULL, FALSE);

  if (g_mkdir_with_parents (state_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("cannot create the state directory '%s': %s"), state_dir, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}
