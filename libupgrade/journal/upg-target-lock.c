/* upg-target-lock.c - a lock in each target data source, so that runs
 * with separate journals exclude each other
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The journal's site lock only excludes runs that share the journal; two
 * hosts (or two state directories) upgrading the same database would not
 * see each other (SPEC §5). So every target data source a run opens is
 * locked in the target itself, for the whole run:
 *
 * - PostgreSQL: pg_try_advisory_lock() on a key derived from the site;
 * - MariaDB/MySQL: GET_LOCK('upgrade:<site>', 0);
 * - SQLite: a row of `upgrade_target_lock`, written in a BEGIN IMMEDIATE
 *   transaction after checking the row already there.
 *
 * The first two are session locks: the server drops them when the
 * process dies. The row of `upgrade_target_lock` (site, host, pid,
 * execution, since) names the holder to whoever finds the lock taken; on
 * SQLite it is the lock, and one whose process is gone (same host) is
 * taken over. A raw libgda data source (`cnc`) is not locked: the engine
 * does not run its own statements there (no markers either).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#include "upg-journal-private.h"
#include "upg-journal-schema-private.h"
#include "upg-target-lock-private.h"

#define HOLDER_TABLE "upgrade_target_lock"
#define OWN_SESSION_WAITS 100
#define OWN_SESSION_WAIT_US (50 * 1000)

static gboolean
ensure_holder_table (UpgConnection  *target,
                     GError        **error)
{
  return upg_journal_schema_ensure_table (target, HOLDER_TABLE,
                                          "site_id @ID@ NOT NULL PRIMARY KEY, host @NAME@ NOT NULL,"
                                          " pid @INT@ NOT NULL, execution_id @ID@, acquired_at @INT@ NOT NULL",
                                          error);
}

/* The advisory lock's key: 64 bits of the SHA-256 of the lock's name. */
static char *
pg_key (const char *site_id)
{
  g_autofree char *name = g_strconcat ("upgrade:", site_id, NULL);
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;
  guint64 key = 0;

  g_checksum_update (sum, (const guchar *) name, -1);
  g_checksum_get_digest (sum, digest, &len);
  for (guint i = 0; i < 8; i++)
    key = (key << 8) | digest[i];
  return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) key);
}

/* MariaDB lock names are at most 64 characters. */
static char *
mysql_name (const char *site_id)
{
  g_autofree char *name = g_strconcat ("upgrade:", site_id, NULL);

  return g_utf8_substring (name, 0, MIN (g_utf8_strlen (name, -1), 64));
}

static gboolean
truthy (UpgRows *rows)
{
  const char *value = rows != NULL && upg_rows_get_n_rows (rows) > 0 ? upg_rows_get_value (rows, 0, 0) : NULL;

  return value != NULL && (g_str_equal (value, "1") || g_str_equal (value, "t") || g_str_equal (value, "true"));
}

/* Takes the server's session lock; *taken FALSE if another session has it. */
static gboolean
session_lock (UpgConnection  *target,
              const char     *site_id,
              gboolean       *taken,
              GError        **error)
{
  g_autofree char *key = NULL;
  g_autoptr(UpgRows) rows = NULL;

  switch (upg_connection_get_dialect (target))
    {
    case UPG_DIALECT_POSTGRESQL:
      key = pg_key (site_id);
      rows = upg_journal_sql_query (target, "SELECT pg_try_advisory_lock(CAST(? AS BIGINT))",
                                    (const char *[]) { key }, 1, error);
      break;
    case UPG_DIALECT_MYSQL:
      key = mysql_name (site_id);
      rows = upg_journal_sql_query (target, "SELECT GET_LOCK(?, 0)", (const char *[]) { key }, 1, error);
      break;
    case UPG_DIALECT_SQLITE:
    case UPG_DIALECT_OTHER:
    default:
      *taken = TRUE;
      return TRUE;
    }
  if (rows == NULL)
    return FALSE;
  *taken = truthy (rows);
  return TRUE;
}

/* Whether the holder row names a process that is still there: another
 * host's cannot be asked, so it counts as alive. */
static gboolean
holder_alive (const char *host,
              const char *pid_text)
{
  gint64 pid = g_ascii_strtoll (pid_text, NULL, 10);

  if (g_strcmp0 (host, g_get_host_name ()) != 0)
    return TRUE;
  if (pid == getpid ())
    return FALSE;
  return pid > 0 && (kill ((pid_t) pid, 0) == 0 || errno == EPERM);
}

/* Whether the holder row names this very process. */
static gboolean
held_by_this_process (UpgRows *holder)
{
  return holder != NULL && upg_rows_get_n_rows (holder) > 0 &&
         g_strcmp0 (upg_rows_get_value (holder, 0, 0), g_get_host_name ()) == 0 &&
         g_ascii_strtoll (upg_rows_get_value (holder, 0, 1), NULL, 10) == getpid ();
}

static gboolean
locked_error (UpgConnection  *target,
              const char     *site_id,
              UpgRows        *holder,
              GError        **error)
{
  const char *host = NULL, *pid = NULL, *execution = NULL;
  g_autofree char *since = NULL;

  if (holder != NULL && upg_rows_get_n_rows (holder) > 0)
    {
      g_autoptr(GDateTime) at = g_date_time_new_from_unix_utc (g_ascii_strtoll (upg_rows_get_value (holder, 0, 3),
                                                                                 NULL, 10) / 1000);

      host = upg_rows_get_value (holder, 0, 0);
      pid = upg_rows_get_value (holder, 0, 1);
      execution = upg_rows_get_value (holder, 0, 2);
      since = at != NULL ? g_date_time_format_iso8601 (at) : NULL;
    }
  g_set_error (error, UPG_ERROR, UPG_ERROR_LOCKED,
               _("data source '%s' is locked by another upgrade of site '%s': host %s, pid %s, execution %s"
                 " (since %s)"),
               upg_connection_get_name (target), site_id, host != NULL ? host : _("unknown"),
               pid != NULL ? pid : _("unknown"), execution != NULL ? execution : _("not started yet"),
               since != NULL ? since : _("unknown"));
  return FALSE;
}

static UpgRows *
read_holder (UpgConnection  *target,
             const char     *site_id,
             GError        **error)
{
  return upg_journal_sql_query (target, "SELECT host, pid, execution_id, acquired_at FROM " HOLDER_TABLE
                                " WHERE site_id = ?", (const char *[]) { site_id }, 1, error);
}

static gboolean
write_holder (UpgConnection  *target,
              const char     *site_id,
              const char     *execution_id,
              GError        **error)
{
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / 1000);
  const char *values[] = { site_id, g_get_host_name (), pid, execution_id, now };

  return upg_journal_sql_exec (target, "DELETE FROM " HOLDER_TABLE " WHERE site_id = ?", values, 1, error) &&
         upg_journal_sql_exec (target, "INSERT INTO " HOLDER_TABLE " (site_id, host, pid, execution_id, acquired_at)"
                               " VALUES (?, ?, ?, ?, ?)", values, G_N_ELEMENTS (values), error);
}

/* SQLite: the row is the lock; checked and written in one write
 * transaction, so that two processes cannot both find it free. */
static gboolean
sqlite_lock (UpgConnection  *target,
             const char     *site_id,
             const char     *execution_id,
             GError        **error)
{
  g_autoptr(UpgRows) holder = NULL;
  GError *local_error = NULL;

  if (!upg_journal_sql_exec (target, "BEGIN IMMEDIATE", NULL, 0, error))
    return FALSE;
  holder = read_holder (target, site_id, &local_error);
  if (holder != NULL && upg_rows_get_n_rows (holder) > 0 &&
      holder_alive (upg_rows_get_value (holder, 0, 0), upg_rows_get_value (holder, 0, 1)))
    {
      upg_journal_sql_exec (target, "ROLLBACK", NULL, 0, NULL);
      return locked_error (target, site_id, holder, error);
    }
  if (holder == NULL || !write_holder (target, site_id, execution_id, &local_error) ||
      !upg_journal_sql_exec (target, "COMMIT", NULL, 0, &local_error))
    {
      upg_journal_sql_exec (target, "ROLLBACK", NULL, 0, NULL);
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/*
 * upg_target_lock_acquire:
 * @target: a target data source's connection, just opened
 * @site_id: the site being upgraded
 * @execution_id: (nullable): the execution, if known yet
 *
 * Locks @target for this run, and records the holder for others to read.
 *
 * Returns: %TRUE if locked; %FALSE with %UPG_ERROR_LOCKED naming the
 *   holder (host, pid, execution) when another run has it
 */
gboolean
upg_target_lock_acquire (UpgConnection  *target,
                         const char     *site_id,
                         const char     *execution_id,
                         GError        **error)
{
  gboolean taken = FALSE;

  if (!ensure_holder_table (target, error))
    return FALSE;
  if (upg_connection_get_dialect (target) == UPG_DIALECT_SQLITE)
    return sqlite_lock (target, site_id, execution_id, error);
  if (!session_lock (target, site_id, &taken, error))
    return FALSE;
  if (!taken)
    {
      g_autoptr(UpgRows) holder = read_holder (target, site_id, NULL);

      /* This process's own session, whose connection was just lost (a
       * statement killed it): the server frees its locks as it closes
       * it, which may take a moment after the client saw it die. */
      for (guint i = 0; !taken && i < OWN_SESSION_WAITS && held_by_this_process (holder); i++)
        {
          g_usleep (OWN_SESSION_WAIT_US);  /* back-off, not synchronisation */
          if (!session_lock (target, site_id, &taken, error))
            return FALSE;
        }
      if (!taken)
        return locked_error (target, site_id, holder, error);
    }
  return write_holder (target, site_id, execution_id, error);
}

/*
 * upg_target_lock_name_execution:
 *
 * Names the execution in the holder row once it is known (the targets are
 * locked before the execution is chosen).
 */
gboolean
upg_target_lock_name_execution (UpgConnection  *target,
                                const char     *site_id,
                                const char     *execution_id,
                                GError        **error)
{
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
  const char *values[] = { execution_id, site_id, g_get_host_name (), pid };

  return upg_journal_sql_exec (target, "UPDATE " HOLDER_TABLE " SET execution_id = ?"
                               " WHERE site_id = ? AND host = ? AND pid = ?", values, G_N_ELEMENTS (values), error);
}

/*
 * upg_target_lock_release:
 *
 * Releases the lock at the end of the run (best effort: a session lock
 * goes with the connection anyway, and an SQLite row of a process that is
 * gone is taken over).
 */
void
upg_target_lock_release (UpgConnection *target,
                         const char    *site_id)
{
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
  const char *values[] = { site_id, g_get_host_name (), pid };
  g_autofree char *key = NULL;
  g_autoptr(GError) error = NULL;

  if (!upg_journal_sql_exec (target, "DELETE FROM " HOLDER_TABLE " WHERE site_id = ? AND host = ? AND pid = ?",
                             values, G_N_ELEMENTS (values), &error))
    g_debug ("data source '%s': cannot remove the lock's holder: %s", upg_connection_get_name (target),
             error->message);
  g_clear_error (&error);
  switch (upg_connection_get_dialect (target))
    {
    case UPG_DIALECT_POSTGRESQL:
      key = pg_key (site_id);
      upg_journal_sql_exec (target, "SELECT pg_advisory_unlock(CAST(? AS BIGINT))", (const char *[]) { key }, 1,
                            &error);
      break;
    case UPG_DIALECT_MYSQL:
      key = mysql_name (site_id);
      upg_journal_sql_exec (target, "SELECT RELEASE_LOCK(?)", (const char *[]) { key }, 1, &error);
      break;
    case UPG_DIALECT_SQLITE:
    case UPG_DIALECT_OTHER:
    default:
      break;
    }
  if (error != NULL)
    g_debug ("data source '%s': cannot release the lock: %s", upg_connection_get_name (target), error->message);
}

/* "host pid N (execution E)" of the holder row, for the operator. */
static char *
describe_holder (UpgRows *holder)
{
  const char *execution = upg_rows_get_value (holder, 0, 2);

  return g_strdup_printf ("host %s pid %s (execution %s)", upg_rows_get_value (holder, 0, 0),
                          upg_rows_get_value (holder, 0, 1), execution != NULL ? execution : "-");
}

/*
 * upg_target_lock_clear_stale:
 * @target: a target data source's connection
 * @site_id: the site
 * @cleared: (out) (nullable) (transfer full): the holder whose row was
 *   removed, or %NULL if there was none
 * @error: return location for a #GError
 *
 * `upgradectl unlock --force` in a target: removes the holder row of a
 * run that is gone. On SQLite the row is the lock, and a holder on this
 * host whose process is gone is dead; on the servers the session lock
 * tells: free means its holder is gone (the lock is taken for the check
 * and given back). A live holder is refused with %UPG_ERROR_LOCKED, as
 * for the journal's lock. A holder on another host of an SQLite file
 * (a shared file system) cannot be asked and has no heartbeat: --force is
 * the operator's word that it is gone, and the row is removed.
 *
 * Returns: %TRUE unless the target could not be asked or the holder lives
 */
gboolean
upg_target_lock_clear_stale (UpgConnection  *target,
                             const char     *site_id,
                             char          **cleared,
                             GError        **error)
{
  g_autoptr(UpgRows) holder = NULL;
  gboolean dead = FALSE;
  const char *host, *pid;

  *cleared = NULL;
  if (!ensure_holder_table (target, error))
    return FALSE;
  holder = read_holder (target, site_id, error);
  if (holder == NULL)
    return FALSE;
  if (upg_rows_get_n_rows (holder) == 0)
    return TRUE;
  host = upg_rows_get_value (holder, 0, 0);
  pid = upg_rows_get_value (holder, 0, 1);
  if (upg_connection_get_dialect (target) != UPG_DIALECT_SQLITE)
    {
      if (!session_lock (target, site_id, &dead, error))
        return FALSE;
    }
  else
    dead = g_strcmp0 (host, g_get_host_name ()) != 0 || !holder_alive (host, pid);
  if (!dead)
    return locked_error (target, site_id, holder, error);
  if (!upg_journal_sql_exec (target, "DELETE FROM " HOLDER_TABLE " WHERE site_id = ? AND host = ? AND pid = ?",
                             (const char *[]) { site_id, host, pid }, 3, error))
    return FALSE;
  /* Gives the session lock taken for the check back. */
  if (upg_connection_get_dialect (target) != UPG_DIALECT_SQLITE)
    upg_target_lock_release (target, site_id);
  *cleared = describe_holder (holder);
  return TRUE;
}
