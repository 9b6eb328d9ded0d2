/* upg-state-dir.c - where the journal, logs and backups live (SPEC §6)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <upgrade-spi.h>

#include "upg-state-dir.h"

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
