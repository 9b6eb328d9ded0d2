/* upg-lock.c - one upgrade at a time per site
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-journal-private.h"

/*
 * The lock is the row of its site in upgrade_lock (site_id is the primary
 * key). Each acquisition writes a fresh random token; whoever's token is in
 * the row holds the lock. Acquiring inserts "if absent" and reads the row
 * back; taking over a stale lock is an UPDATE conditional on the stale
 * holder's token, so of two processes racing only one matches. No step
 * relies on reading and then writing without such a condition.
 */

static const UpgJournalColumn lock_columns[] = {
  { "site_id", "site", UPG_JOURNAL_COLUMN_TEXT },
  { "execution_id", "execution_id", UPG_JOURNAL_COLUMN_TEXT },
  { "owner", "owner", UPG_JOURNAL_COLUMN_TEXT },
  { "host", "host", UPG_JOURNAL_COLUMN_TEXT },
  { "pid", "pid", UPG_JOURNAL_COLUMN_INT },
  { "acquired_at", "acquired_at", UPG_JOURNAL_COLUMN_TIME },
  { "heartbeat_at", "heartbeat_at", UPG_JOURNAL_COLUMN_TIME },
  { "token", "token", UPG_JOURNAL_COLUMN_TEXT },
  { "heartbeat_at", "heartbeat_ms", UPG_JOURNAL_COLUMN_INT },
};

/* How often acquiring retries when the row vanished between the insert
 * and the read (its holder released it meanwhile). */
#define ACQUIRE_ATTEMPTS 3

static JsonObject *
read_lock (UpgJournal  *self,
           const char  *site_id,
           GError     **error)
{
  g_autofree char *columns = upg_journal_columns_list (lock_columns, G_N_ELEMENTS (lock_columns));
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM upgrade_lock WHERE site_id = ?", columns);
  const char *values[] = { site_id };
  g_autoptr(UpgRows) rows = upg_journal_sql_query (self->connection, sql, values, 1, error);

  if (rows == NULL || upg_rows_get_n_rows (rows) == 0)
    return NULL;
  return upg_journal_row_to_object (rows, 0, lock_columns, G_N_ELEMENTS (lock_columns));
}

/* Why a holder's lock is stale, or %NULL if it is alive. */
static char *
stale_reason (UpgJournal *self,
              JsonObject *holder)
{
  const char *host = json_object_get_string_member (holder, "host");
  gint64 pid = json_object_get_int_member (holder, "pid");
  gint64 age = upg_journal_get_now (self) - json_object_get_int_member (holder, "heartbeat_ms");

  if (upg_journal_owner_is_dead (self, host, pid))
    {
      g_autofree char *pid_text = g_strdup_printf ("%" G_GINT64_FORMAT, pid);

      return g_strdup_printf (_("process %s on %s is no longer running"), pid_text, host);
    }
  if (age > (gint64) self->lock_timeout * 1000)
    {
      g_autofree char *age_text = g_strdup_printf ("%" G_GINT64_FORMAT, age / 1000);

      return g_strdup_printf (_("no heartbeat for %s s (timeout %u s)"), age_text,
                              self->lock_timeout);
    }
  return NULL;
}

/* Why `unlock --force` must not remove @holder's lock, or %NULL: on this
 * host while its process exists (however old its heartbeat: a process
 * stuck in a long statement still works on the site), elsewhere while its
 * heartbeat is fresh. */
static char *
alive_reason (UpgJournal *self,
              JsonObject *holder)
{
  const char *host = json_object_get_string_member (holder, "host");
  gint64 pid = json_object_get_int_member (holder, "pid");
  gint64 age = upg_journal_get_now (self) - json_object_get_int_member (holder, "heartbeat_ms");

  if (g_strcmp0 (host, self->host) == 0)
    {
      g_autofree char *pid_text = NULL;

      if (upg_journal_owner_is_dead (self, host, pid))
        return NULL;
      pid_text = g_strdup_printf ("%" G_GINT64_FORMAT, pid);
      return g_strdup_printf (_("its process %s still runs on this host"), pid_text);
    }
  if (age <= (gint64) self->lock_timeout * 1000)
    {
      g_autofree char *age_text = g_strdup_printf ("%" G_GINT64_FORMAT, MAX (age, 0) / 1000);

      return g_strdup_printf (_("host %s renewed it %s s ago (timeout %u s)"), host, age_text,
                              self->lock_timeout);
    }
  return NULL;
}

static char *
describe_holder (JsonObject *holder)
{
  return g_strdup_printf (_("execution %s (owner %s, since %s, last heartbeat %s)"),
                          json_object_get_string_member (holder, "execution_id"),
                          json_object_get_string_member (holder, "owner"),
                          json_object_get_string_member (holder, "acquired_at"),
                          json_object_get_string_member (holder, "heartbeat_at"));
}

static gboolean
is_ours (JsonObject *holder,
         const char *token)
{
  return holder != NULL && g_strcmp0 (json_object_get_string_member (holder, "token"), token) == 0;
}

static const char *
insert_if_absent_sql (UpgDialect dialect)
{
  switch (dialect)
    {
    case UPG_DIALECT_MYSQL:
      return "INSERT IGNORE INTO upgrade_lock (site_id, execution_id, token, owner, host, pid,"
             " acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    case UPG_DIALECT_POSTGRESQL:
      return "INSERT INTO upgrade_lock (site_id, execution_id, token, owner, host, pid,"
             " acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
             " ON CONFLICT (site_id) DO NOTHING";
    default:
      return "INSERT OR IGNORE INTO upgrade_lock (site_id, execution_id, token, owner, host, pid,"
             " acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    }
}

/* Writes our claim: a new row, or over the row holding @stale_token. */
static gboolean
claim (UpgJournal  *self,
       const char  *site_id,
       const char  *execution_id,
       const char  *token,
       const char  *stale_token,
       GError     **error)
{
  g_autofree char *owner = upg_journal_get_owner (self);
  g_autofree char *pid = upg_journal_int_text (self->pid);
  g_autofree char *now = upg_journal_int_text (upg_journal_get_now (self));

  if (stale_token == NULL)
    {
      const char *values[] = { site_id, execution_id, token, owner, self->host, pid, now, now };

      return upg_journal_sql_exec (self->connection,
                                   insert_if_absent_sql (upg_connection_get_dialect (self->connection)),
                                   values, G_N_ELEMENTS (values), error);
    }
  {
    const char *values[] = { execution_id, token, owner, self->host, pid, now, now, site_id, stale_token };

    return upg_journal_sql_exec (self->connection,
                                 "UPDATE upgrade_lock SET execution_id = ?, token = ?, owner = ?, host = ?,"
                                 " pid = ?, acquired_at = ?, heartbeat_at = ?"
                                 " WHERE site_id = ? AND token = ?", values, G_N_ELEMENTS (values), error);
  }
}

static gboolean
locked_error (const char  *site_id,
              JsonObject  *holder,
              GError     **error)
{
  g_autofree char *who = describe_holder (holder);

  g_set_error (error, UPG_ERROR, UPG_ERROR_LOCKED,
               _("site '%s' is locked by %s; another upgrade is running there"), site_id, who);
  return FALSE;
}

/* One attempt: TRUE when we hold the lock; FALSE with @error unset when
 * the row vanished meanwhile (try again). */
static gboolean
try_acquire (UpgJournal  *self,
             const char  *site_id,
             const char  *execution_id,
             const char  *token,
             char       **takeover_message,
             GError     **error)
{
  g_autoptr(JsonObject) holder = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *who = NULL;
  const char *previous = g_hash_table_lookup (self->lock_tokens, site_id);

  if (!claim (self, site_id, execution_id, token, NULL, error))
    return FALSE;
  holder = read_lock (self, site_id, error);
  if (holder == NULL || is_ours (holder, token))
    return holder != NULL;
  /* Held by this very journal already: take it again under the new token. */
  if (previous != NULL && is_ours (holder, previous))
    reason = NULL;
  else if ((reason = stale_reason (self, holder)) == NULL)
    return locked_error (site_id, holder, error);

  if (!claim (self, site_id, execution_id, token, json_object_get_string_member (holder, "token"), error))
    return FALSE;
  after = read_lock (self, site_id, error);
  if (after == NULL || is_ours (after, token))
    {
      if (after != NULL && reason != NULL && takeover_message != NULL)
        {
          who = describe_holder (holder);
          *takeover_message = g_strdup_printf (_("took over the stale lock of site '%s' held by %s: %s"),
                                               site_id, who, reason);
        }
      return after != NULL;
    }
  return locked_error (site_id, after, error);
}

/**
 * upg_journal_acquire_lock:
 * @self: a #UpgJournal
 * @site_id: the site
 * @execution_id: the execution that will hold it
 * @takeover_message: (out) (optional) (nullable) (transfer full): set when a
 *   stale lock was taken over: whose it was and why it counted as stale
 * @error: return location for a #GError
 *
 * Takes the site's lock for this process (owner `host:pid` of this
 * journal). A lock held by a live owner fails with %UPG_ERROR_LOCKED naming
 * the holder's execution, owner and since when. A stale lock — its owner's
 * process is gone (same host), or no heartbeat for the lock timeout — is
 * taken over and reported through @takeover_message. Atomic against other
 * processes on every dialect.
 *
 * Returns: %TRUE if this journal now holds the lock
 */
gboolean
upg_journal_acquire_lock (UpgJournal  *self,
                          const char  *site_id,
                          const char  *execution_id,
                          char       **takeover_message,
                          GError     **error)
{
  g_autofree char *token = g_uuid_string_random ();
  GError *local_error = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  if (takeover_message != NULL)
    *takeover_message = NULL;
  if (site_id == NULL || *site_id == '\0' || execution_id == NULL || *execution_id == '\0')
    {
      g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                           _("journal: locking needs a site id and an execution id"));
      return FALSE;
    }

  UPG_JOURNAL_LOCK (self);
  for (guint attempt = 0; attempt < ACQUIRE_ATTEMPTS; attempt++)
    {
      if (try_acquire (self, site_id, execution_id, token, takeover_message, &local_error))
        {
          g_hash_table_replace (self->lock_tokens, g_strdup (site_id), g_steal_pointer (&token));
          return TRUE;
        }
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
    }
  g_set_error (error, UPG_ERROR, UPG_ERROR_LOCKED,
               _("site '%s': the lock changed hands %d times while acquiring it"), site_id, ACQUIRE_ATTEMPTS);
  return FALSE;
}

/* Whether we still hold @site_id's lock; forgets it when not. */
static gboolean
still_ours (UpgJournal  *self,
            const char  *site_id,
            GError     **error)
{
  const char *token = g_hash_table_lookup (self->lock_tokens, site_id);
  GError *local_error = NULL;
  g_autoptr(JsonObject) holder = read_lock (self, site_id, &local_error);
  g_autofree char *who = NULL;

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (is_ours (holder, token))
    return TRUE;
  g_hash_table_remove (self->lock_tokens, site_id);
  if (holder == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_LOCKED,
                   _("lost the lock of site '%s': it was removed (unlock --force?)"), site_id);
      return FALSE;
    }
  who = describe_holder (holder);
  g_set_error (error, UPG_ERROR, UPG_ERROR_LOCKED,
               _("lost the lock of site '%s': it was taken over by %s"), site_id, who);
  return FALSE;
}

/*
 * upg_journal_heartbeat_lock:
 * @self: a #UpgJournal
 * @site_id: the site
 * @error: return location for a #GError
 *
 * Refreshes the heartbeat of a lock this journal holds; call it well
 * within the lock timeout during long stages.
 *
 * Returns: %TRUE if the lock is still ours; %UPG_ERROR_LOCKED if it was
 *   taken over or removed, %UPG_ERROR_NOT_FOUND if this journal never held it
 */
gboolean
upg_journal_heartbeat_lock (UpgJournal  *self,
                            const char  *site_id,
                            GError     **error)
{
  const char *token;
  g_autofree char *now = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (site_id != NULL, FALSE);

  UPG_JOURNAL_LOCK (self);
  token = g_hash_table_lookup (self->lock_tokens, site_id);
  if (token == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND,
                   _("this process does not hold the lock of site '%s'"), site_id);
      return FALSE;
    }
  now = upg_journal_int_text (upg_journal_get_now (self));
  {
    const char *values[] = { now, site_id, token };

    if (!upg_journal_sql_exec (self->connection,
                               "UPDATE upgrade_lock SET heartbeat_at = ? WHERE site_id = ? AND token = ?",
                               values, 3, error))
      return FALSE;
  }
  return still_ours (self, site_id, error);
}

/**
 * upg_journal_release_lock:
 * @self: a #UpgJournal
 * @site_id: the site
 * @error: return location for a #GError
 *
 * Releases a lock this journal holds. Does nothing if it does not hold it
 * (any more): a lock taken over by another process is never released here.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_release_lock (UpgJournal  *self,
                          const char  *site_id,
                          GError     **error)
{
  const char *token;
  gboolean ok;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (site_id != NULL, FALSE);

  UPG_JOURNAL_LOCK (self);
  token = g_hash_table_lookup (self->lock_tokens, site_id);
  if (token == NULL)
    return TRUE;
  {
    const char *values[] = { site_id, token };

    ok = upg_journal_sql_exec (self->connection, "DELETE FROM upgrade_lock WHERE site_id = ? AND token = ?",
                               values, 2, error);
  }
  if (ok)
    g_hash_table_remove (self->lock_tokens, site_id);
  return ok;
}

/**
 * upg_journal_get_lock:
 * @self: a #UpgJournal
 * @site_id: the site
 * @error: return location for a #GError
 *
 * Gets the lock's holder (`site`, `execution_id`, `owner`, `host`, `pid`,
 * `acquired_at`, `heartbeat_at`, `stale`.
 *
 * Returns: (transfer full) (nullable): the lock's holder (`site`,
 *   `execution_id`, `owner`, `host`, `pid`, `acquired_at`, `heartbeat_at`,
 *   `stale`: bool, `stale_reason`), or %NULL (error unset) if the site is
 *   not locked
 */
JsonObject *
upg_journal_get_lock (UpgJournal  *self,
                      const char  *site_id,
                      GError     **error)
{
  g_autoptr(JsonObject) holder = NULL;
  g_autofree char *reason = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (site_id != NULL, NULL);

  UPG_JOURNAL_LOCK (self);
  holder = read_lock (self, site_id, error);
  if (holder == NULL)
    return NULL;
  reason = stale_reason (self, holder);
  json_object_set_boolean_member (holder, "stale", reason != NULL);
  if (reason != NULL)
    json_object_set_string_member (holder, "stale_reason", reason);
  /* The token is the holder's proof of ownership: not for display. */
  json_object_remove_member (holder, "token");
  json_object_remove_member (holder, "heartbeat_ms");
  return g_steal_pointer (&holder);
}

/**
 * upg_journal_force_unlock:
 * @self: a #UpgJournal
 * @site_id: the site
 * @previous_holder: (out) (optional) (nullable) (transfer full): who held
 *   the lock, or %NULL if nobody did
 * @error: return location for a #GError
 *
 * Removes the site's lock when its holder is gone (`upgradectl unlock
 * --force`): refused with %UPG_ERROR_LOCKED while the holder lives (on
 * this host: its process exists; on another host: its heartbeat is
 * fresher than the lock timeout), since two processes would then work on
 * one execution. A holder on another host that stopped renewing it
 * notices at its next heartbeat.
 *
 * Returns: %TRUE on success (also when the site was not locked)
 */
gboolean
upg_journal_force_unlock (UpgJournal  *self,
                          const char  *site_id,
                          char       **previous_holder,
                          GError     **error)
{
  g_autoptr(JsonObject) holder = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (site_id != NULL, FALSE);
  if (previous_holder != NULL)
    *previous_holder = NULL;

  UPG_JOURNAL_LOCK (self);
  holder = read_lock (self, site_id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (holder != NULL)
    {
      g_autofree char *alive = alive_reason (self, holder);

      if (alive != NULL)
        {
          g_autofree char *who = describe_holder (holder);

          /* Two processes on one execution is worse than a stuck site. */
          g_set_error (error, UPG_ERROR, UPG_ERROR_LOCKED,
                       _("site '%s' is locked by %s, which is alive: %s; stop it (Ctrl-C or "
                         "kill its process) instead of unlocking"), site_id, who, alive);
          return FALSE;
        }
    }
  /* Conditional on the holder read: one that took the lock meanwhile keeps it. */
  if (holder != NULL)
    {
      const char *both[] = { site_id, json_object_get_string_member (holder, "token") };

      if (!upg_journal_sql_exec (self->connection, "DELETE FROM upgrade_lock WHERE site_id = ? AND token = ?",
                                 both, G_N_ELEMENTS (both), error))
        return FALSE;
    }
  g_hash_table_remove (self->lock_tokens, site_id);
  if (holder != NULL && previous_holder != NULL)
    *previous_holder = describe_holder (holder);
  return TRUE;
}
