/* upg-journal.c - where every execution, step and statement is recorded
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <unistd.h>

#include "upg-journal-private.h"
#include "upg-state-dir.h"
#include "upg-journal-schema-private.h"
#include "upg-sqlite-connection-private.h"

/**
 * UpgJournal:
 *
 * The journal: executions, steps, SQL statements, breakpoints, reports and
 * the per-site lock, in an SQLite file by default or in a MariaDB/MySQL or
 * PostgreSQL database (SPEC §6). It owns its schema (table
 * `upgrade_schema_version`) and migrates it when opened.
 *
 * Timestamps are stored as milliseconds since the Unix epoch in every
 * dialect and returned as ISO 8601 UTC text. Records are JSON objects with
 * the member names of `upgradectl --json`. See `upg-journal.h` for the
 * exactly-once protocol the executor follows for each statement.
 */

G_DEFINE_FINAL_TYPE (UpgJournal, upg_journal, G_TYPE_OBJECT)

static const char *execution_kinds[] = { "run", "rollback" };
static const char *execution_statuses[] = { "RUNNING", "SUCCESS", "FAILED", "IN_DOUBT", "INTERRUPTED" };
static const char *step_statuses[] = { "PENDING", "RUNNING", "SUCCESS", "FAILED", "SKIPPED" };
static const char *statement_statuses[] = { "PENDING", "RUNNING", "SUCCESS", "FAILED", "SKIPPED", "IN_DOUBT",
                                             "UNDONE" };

static gboolean
name_lookup (const char **names,
             guint        n_names,
             const char  *text,
             int         *value)
{
  for (guint i = 0; text != NULL && i < n_names; i++)
    if (g_ascii_strcasecmp (names[i], text) == 0)
      {
        *value = (int) i;
        return TRUE;
      }
  return FALSE;
}

#define DEFINE_NAMES(lower, Type, names)                                     \
  const char *                                                               \
  upg_##lower##_to_string (Type value)                                       \
  {                                                                          \
    g_return_val_if_fail ((guint) value < G_N_ELEMENTS (names), NULL);       \
    return names[value];                                                     \
  }                                                                          \
  gboolean                                                                   \
  upg_##lower##_from_string (const char *text,                               \
                             Type       *value)                              \
  {                                                                          \
    int found = 0;                                                           \
    if (!name_lookup (names, G_N_ELEMENTS (names), text, &found))            \
      return FALSE;                                                          \
    if (value != NULL)                                                       \
      *value = (Type) found;                                                 \
    return TRUE;                                                             \
  }

/**
 * upg_execution_kind_to_string:
 * @kind: a kind
 *
 * Gets the name of an execution kind, as the journal stores it.
 *
 * Returns: (transfer none): `run` or `rollback`
 */
/**
 * upg_execution_kind_from_string:
 * @text: (nullable): `run` or `rollback` (any case)
 * @kind: (out) (optional): the kind
 *
 * Parses the name of an execution kind.
 *
 * Returns: %TRUE if @text names a kind
 */
DEFINE_NAMES (execution_kind, UpgExecutionKind, execution_kinds)

/**
 * upg_execution_status_to_string:
 * @status: a status
 *
 * Gets the name of an execution status, as the journal stores it.
 *
 * Returns: (transfer none): the status as journaled (`RUNNING`, …)
 */
/**
 * upg_execution_status_from_string:
 * @text: (nullable): a status name (any case)
 * @status: (out) (optional): the status
 *
 * Parses the name of an execution status.
 *
 * Returns: %TRUE if @text names a status
 */
DEFINE_NAMES (execution_status, UpgExecutionStatus, execution_statuses)

/**
 * upg_step_status_to_string:
 * @status: a status
 *
 * Gets the name of a step status, as the journal stores it.
 *
 * Returns: (transfer none): the status as journaled (`PENDING`, …)
 */
/**
 * upg_step_status_from_string:
 * @text: (nullable): a status name (any case)
 * @status: (out) (optional): the status
 *
 * Parses the name of a step status.
 *
 * Returns: %TRUE if @text names a status
 */
DEFINE_NAMES (step_status, UpgStepStatus, step_statuses)

/**
 * upg_statement_status_to_string:
 * @status: a status
 *
 * Gets the name of a statement status, as the journal stores it.
 *
 * Returns: (transfer none): the status as journaled (`PENDING`, …)
 */
/**
 * upg_statement_status_from_string:
 * @text: (nullable): a status name (any case)
 * @status: (out) (optional): the status
 *
 * Parses the name of a statement status.
 *
 * Returns: %TRUE if @text names a status
 */
DEFINE_NAMES (statement_status, UpgStatementStatus, statement_statuses)

static void
upg_journal_finalize (GObject *object)
{
  UpgJournal *self = UPG_JOURNAL (object);

  g_clear_object (&self->connection);
  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->lock_tokens, g_hash_table_unref);
  g_rec_mutex_clear (&self->mutex);
  if (self->batch != NULL)
    self->batch_free (self->batch);

  G_OBJECT_CLASS (upg_journal_parent_class)->finalize (object);
}

static void
upg_journal_class_init (UpgJournalClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_journal_finalize;
}

static void
upg_journal_init (UpgJournal *self)
{
  g_rec_mutex_init (&self->mutex);
  self->host = g_strdup (g_get_host_name ());
  self->pid = (guint) getpid ();
  self->lock_timeout = UPG_JOURNAL_DEFAULT_LOCK_TIMEOUT;
  self->lock_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* WAL with synchronous=FULL: a record is on disk when its statement
 * returns, so a kill -9 right after cannot lose it. (The backend's busy
 * timeout lets two processes share the file.) A journal in WAL mode
 * already is not switched again: the switch needs an exclusive lock, and a
 * read-only command (`migrations`, `status`) opening the journal while a
 * run writes must not wait for one, nor fail on one. */
static gboolean
configure_sqlite (UpgConnection  *connection,
                  GError        **error)
{
  g_autoptr(UpgRows) rows = NULL;
  const char *mode;

  if (UPG_IS_SQLITE_CONNECTION (connection))
    {
      GError *local_error = NULL;

      if (!upg_sqlite_connection_enable_wal (UPG_SQLITE_CONNECTION (connection), &local_error))
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_JOURNAL, _("journal '%s': %s"),
                       upg_connection_get_name (connection), local_error->message);
          g_error_free (local_error);
          return FALSE;
        }
      return upg_journal_sql_exec (connection, "PRAGMA synchronous=FULL", NULL, 0, error);
    }
  rows = upg_journal_sql_query (connection, "PRAGMA journal_mode=WAL", NULL, 0, error);
  mode = rows != NULL && upg_rows_get_n_rows (rows) == 1 ? upg_rows_get_value (rows, 0, 0) : NULL;
  if (rows == NULL)
    return FALSE;
  /* An in-memory database reports "memory": nothing to make durable. */
  if (g_strcmp0 (mode, "wal") != 0 && g_strcmp0 (mode, "memory") != 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_JOURNAL,
                   _("journal '%s' refused write-ahead logging (journal mode is '%s')"),
                   upg_connection_get_name (connection), mode != NULL ? mode : "unknown");
      return FALSE;
    }
  return upg_journal_sql_exec (connection, "PRAGMA synchronous=FULL", NULL, 0, error);
}

/**
 * upg_journal_new:
 * @connection: an open connection to the journal's database
 * @error: return location for a #GError
 *
 * Opens the journal in @connection's database, creating or migrating its
 * tables first (idempotent, safe when several processes do it at once).
 * The journal uses @connection for itself from now on.
 *
 * Returns: (transfer full): the journal, or %NULL with %UPG_ERROR_JOURNAL
 */
UpgJournal *
upg_journal_new (UpgConnection  *connection,
                 GError        **error)
{
  g_autoptr(UpgJournal) self = NULL;
  UpgDialect dialect;

  g_return_val_if_fail (UPG_IS_CONNECTION (connection), NULL);

  dialect = upg_connection_get_dialect (connection);
  /* ClickHouse has no transactions to keep a journal consistent. */
  if (dialect == UPG_DIALECT_OTHER || dialect == UPG_DIALECT_CLICKHOUSE)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_JOURNAL,
                   _("journal data source '%s': provider not supported for the journal "
                     "(expected SQLite, MySQL/MariaDB or PostgreSQL)"),
                   upg_connection_get_name (connection));
      return NULL;
    }

  self = g_object_new (UPG_TYPE_JOURNAL, NULL);
  self->connection = g_object_ref (connection);
  if (dialect == UPG_DIALECT_SQLITE && !configure_sqlite (connection, error))
    return NULL;
  if (!upg_journal_schema_migrate (connection, UPG_JOURNAL_SCHEMA_VERSION,
                                   upg_journal_get_now (self), &self->schema_version, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* The parent directory of @path, created (0700) when missing. */
static gboolean
ensure_parent (const char  *what,
               const char  *path,
               GError     **error)
{
  g_autofree char *directory = g_path_get_dirname (path);

  if (g_mkdir_with_parents (directory, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, UPG_ERROR, UPG_ERROR_JOURNAL, _("journal '%s': cannot create directory '%s': %s"),
                   what, directory, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

/* A journal file that SQLite finds damaged (a disk fault, a copy taken
 * while it was written, garbage written over it) cannot be repaired here,
 * and needs not be: the targets' markers are the truth (SPEC §5), so a new
 * journal re-runs nothing that ran. Says so, naming the file, instead of
 * SQLite's bare "ERROR 11"; bad input (exit 2), not a failed step: nothing
 * ran and no breakpoint was saved. The -wal and -shm files go with it: a
 * stale write-ahead log would be replayed into the new journal. */
static UpgJournal *
explain_damage (UpgJournal  *journal,
                const char  *path,
                GError     **error)
{
  g_autoptr(GError) cause = NULL;

  if (journal != NULL || !upg_sqlite_file_is_damaged (path))
    return journal;
  cause = error != NULL ? g_steal_pointer (error) : NULL;
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG,
               _("journal file '%s' is damaged (%s). Move it aside with its -wal and -shm files "
                 "(for example: mv '%s' '%s.damaged') and run again: a new journal is created, and "
                 "the markers in each target keep every statement that already ran from running "
                 "again (the history kept in the old file is not carried over)"),
               path, cause != NULL ? cause->message : "?", path, path);
  return NULL;
}

/**
 * upg_journal_open_sqlite:
 * @path: the SQLite file (created, with its directory, if missing)
 * @error: return location for a #GError
 *
 * Opens the default journal: an SQLite file (`<state-dir>/journal.db`).
 *
 * Returns: (transfer full): the journal, or %NULL
 */
UpgJournal *
upg_journal_open_sqlite (const char  *path,
                         GError     **error)
{
  g_autoptr(UpgConnection) connection = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (!ensure_parent (path, path, error))
    return NULL;
  connection = upg_sqlite_connection_new ("journal", path, error);
  return explain_damage (connection != NULL ? upg_journal_new (connection, error) : NULL, path, error);
}

/**
 * upg_journal_open_for_site:
 * @config: the site's configuration
 * @state_dir: (nullable) (type filename): the state directory given by the
 *   caller (`--state-dir`); %NULL: upg_resolve_state_dir()'s default
 * @error: return location for a #GError
 *
 * Opens the journal a site's commands share: the data source named
 * "journal" in @config if there is one (an SQLite one gets its directory
 * created), else `<state-dir>/journal.db`, the state directory being
 * created (0700) when missing.
 *
 * Returns: (transfer full): the journal, or %NULL
 */
UpgJournal *
upg_journal_open_for_site (UpgConfig   *config,
                           const char  *state_dir,
                           GError     **error)
{
  UpgDataSource *source;
  g_autoptr(UpgConnection) connection = NULL;
  UpgJournal *journal;
  g_autofree char *directory = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (UPG_IS_CONFIG (config), NULL);

  source = upg_config_get_journal (config);
  if (source != NULL)
    {
      const char *file = upg_data_source_get_path (source);

      if (upg_data_source_get_dialect (source) == UPG_DIALECT_SQLITE && file != NULL &&
          !ensure_parent (upg_data_source_get_name (source), file, error))
        return NULL;
      connection = upg_data_source_open (source, NULL, error);
      journal = connection != NULL ? upg_journal_new (connection, error) : NULL;
      return upg_data_source_get_dialect (source) == UPG_DIALECT_SQLITE && file != NULL
             ? explain_damage (journal, file, error) : journal;
    }
  directory = upg_resolve_state_dir (state_dir);
  if (!upg_ensure_state_dir (directory, error))
    return NULL;
  path = g_build_filename (directory, "journal.db", NULL);
  return upg_journal_open_sqlite (path, error);
}

/**
 * upg_journal_get_connection:
 * @self: a #UpgJournal
 *
 * The journal's own connection. Use it only while no other thread uses the
 * journal (e.g. to run a statement and its marker in the journal's
 * database when it is also the target).
 *
 * Returns: (transfer none): the connection
 */
UpgConnection *
upg_journal_get_connection (UpgJournal *self)
{
  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  return self->connection;
}

/**
 * upg_journal_get_schema_version:
 * @self: a #UpgJournal
 *
 * Gets the journal's schema version.
 *
 * Returns: the journal's schema version (after migration)
 */
guint
upg_journal_get_schema_version (UpgJournal *self)
{
  g_return_val_if_fail (UPG_IS_JOURNAL (self), 0);
  return self->schema_version;
}

/**
 * upg_journal_ping:
 * @self: a #UpgJournal
 * @error: return location for a #GError
 *
 * Checks that the journal's database answers (the service's health check).
 *
 * Returns: %TRUE if it does
 */
gboolean
upg_journal_ping (UpgJournal  *self,
                  GError     **error)
{
  g_autoptr(UpgRows) rows = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  UPG_JOURNAL_LOCK (self);
  rows = upg_journal_sql_query (self->connection, "SELECT MAX(version) FROM upgrade_schema_version",
                                NULL, 0, error);
  return rows != NULL;
}

/**
 * upg_journal_get_host:
 * @self: a #UpgJournal
 *
 * Gets the host name recorded as owner.
 *
 * Returns: (transfer none): the host name recorded as owner (this host's
 *   name unless changed)
 */
const char *
upg_journal_get_host (UpgJournal *self)
{
  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  return self->host;
}

/*
 * upg_journal_set_host:
 * @self: a #UpgJournal
 * @host: the host name to record as owner
 *
 * Overrides the owner's host name (tests; hosts with unstable names).
 */
void
upg_journal_set_host (UpgJournal *self,
                      const char *host)
{
  g_return_if_fail (UPG_IS_JOURNAL (self));
  g_return_if_fail (host != NULL && *host != '\0');
  UPG_JOURNAL_LOCK (self);
  g_free (self->host);
  self->host = g_strdup (host);
}

/**
 * upg_journal_get_pid:
 * @self: a #UpgJournal
 *
 * Gets the process id recorded as owner.
 *
 * Returns: the process id recorded as owner (this process unless changed)
 */
guint
upg_journal_get_pid (UpgJournal *self)
{
  g_return_val_if_fail (UPG_IS_JOURNAL (self), 0);
  return self->pid;
}

/*
 * upg_journal_set_pid:
 * @self: a #UpgJournal
 * @pid: the process id to record as owner
 *
 * Overrides the owner's process id (tests; a supervisor acting for a child).
 */
void
upg_journal_set_pid (UpgJournal *self,
                     guint       pid)
{
  g_return_if_fail (UPG_IS_JOURNAL (self));
  self->pid = pid;
}

/**
 * upg_journal_get_owner:
 * @self: a #UpgJournal
 *
 * Gets the owner text recorded on executions, `host:pid`.
 *
 * Returns: (transfer full): the owner text recorded on executions, `host:pid`
 */
char *
upg_journal_get_owner (UpgJournal *self)
{
  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  UPG_JOURNAL_LOCK (self);
  return g_strdup_printf ("%s:%u", self->host, self->pid);
}

/**
 * upg_journal_get_now:
 * @self: a #UpgJournal
 *
 * Gets the journal's clock.
 *
 * Returns: the journal's clock: milliseconds since the Unix epoch
 */
gint64
upg_journal_get_now (UpgJournal *self)
{
  g_return_val_if_fail (UPG_IS_JOURNAL (self), 0);
  if (self->now_override != 0)
    return self->now_override;
  return g_get_real_time () / 1000;
}

/*
 * upg_journal_set_now:
 * @self: a #UpgJournal
 * @now_ms: milliseconds since the Unix epoch, or 0 for the real clock
 *
 * Fixes the journal's clock: lock staleness, breakpoint expiry and every
 * timestamp written use it (tests; replaying a journal).
 */
void
upg_journal_set_now (UpgJournal *self,
                     gint64      now_ms)
{
  g_return_if_fail (UPG_IS_JOURNAL (self));
  g_return_if_fail (now_ms >= 0);
  self->now_override = now_ms;
}

/**
 * upg_journal_get_lock_timeout:
 * @self: a #UpgJournal
 *
 * Gets seconds without a heartbeat after which a site lock is stale.
 *
 * Returns: seconds without a heartbeat after which a site lock is stale
 */
guint
upg_journal_get_lock_timeout (UpgJournal *self)
{
  g_return_val_if_fail (UPG_IS_JOURNAL (self), 0);
  return self->lock_timeout;
}

/**
 * upg_journal_set_lock_timeout:
 * @self: a #UpgJournal
 * @seconds: seconds without a heartbeat after which a site lock is stale
 *   (at least 1; default %UPG_JOURNAL_DEFAULT_LOCK_TIMEOUT)
 *
 * Sets the staleness timeout of site locks.
 */
void
upg_journal_set_lock_timeout (UpgJournal *self,
                              guint       seconds)
{
  g_return_if_fail (UPG_IS_JOURNAL (self));
  g_return_if_fail (seconds > 0);
  self->lock_timeout = seconds;
}

/**
 * upg_journal_site_of: (skip)
 *
 * Returns: the site of execution @execution_id, or %NULL with
 *   %UPG_ERROR_NOT_FOUND
 */
char *
upg_journal_site_of (UpgJournal  *self,
                     const char  *execution_id,
                     GError     **error)
{
  const char *values[] = { execution_id };
  g_autoptr(UpgRows) rows = NULL;

  if (execution_id == NULL || *execution_id == '\0')
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT, _("an execution id is required"));
      return NULL;
    }
  rows = upg_journal_sql_query (self->connection, "SELECT site_id FROM upgrade_execution WHERE id = ?",
                                values, 1, error);
  if (rows == NULL)
    return NULL;
  if (upg_rows_get_n_rows (rows) == 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND, _("execution '%s' not found in the journal"),
                   execution_id);
      return NULL;
    }
  return g_strdup (upg_rows_get_value (rows, 0, 0));
}
