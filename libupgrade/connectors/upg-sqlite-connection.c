/* upg-sqlite-connection.c - UpgConnection over sqlite3
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <sqlite3.h>
#include <glib/gi18n-lib.h>

#include "upg-sql-placeholders-private.h"
#include "upg-sqlite-connection-private.h"

/* How long a statement waits for another process's lock before failing with
 * SQLITE_BUSY: long enough for a journal shared by a CLI and a service. */
#define UPG_SQLITE_BUSY_TIMEOUT_MS 10000

/* The progress handler runs every this many virtual machine instructions:
 * cheap enough to be invisible, frequent enough to stop within milliseconds. */
#define UPG_SQLITE_PROGRESS_OPS 1000

/* Prepared parameterised queries kept for reuse, at most this many. */
#define UPG_SQLITE_CACHED_STATEMENTS 32

/**
 * UpgSqliteConnection:
 *
 * A connection to an SQLite database file through the sqlite3 library.
 *
 * Statements are prepared from the given text exactly (a text holding
 * several statements runs them all, in order); the affected rows are what
 * sqlite3_changes64() reports for the statements that changed rows. A
 * refused statement records SQLite's extended result code as the error
 * code and no SQLSTATE (SQLite has none).
 *
 * Statement timeouts and cancellation use a progress handler and
 * sqlite3_interrupt(): an interrupted statement fails with
 * %UPG_ERROR_TIMEOUT or %G_IO_ERROR_CANCELLED and SQLite rolls back what it
 * had done.
 */
struct _UpgSqliteConnection
{
  UpgConnection  parent_instance;

  sqlite3       *db;
  char          *path;
  guint          timeout_seconds;

  /* Set while a statement runs; read by the progress handler. */
  gint64         deadline;     /* monotonic µs, 0 for none */
  GCancellable  *cancellable;
  gboolean       timed_out;

  /* Parameterised writes (the journal's: the same few texts thousands of
   * times, one of them a 40-row INSERT whose parsing cost a third of a
   * batch's write) stay prepared, by text. A statement in use is taken
   * out, so a query run from within another never shares it. */
  GHashTable    *prepared;     /* char * → sqlite3_stmt * */
};

G_DEFINE_FINAL_TYPE (UpgSqliteConnection, upg_sqlite_connection, UPG_TYPE_CONNECTION)

static int
progress_handler (void *data)
{
  UpgSqliteConnection *self = data;

  if (self->deadline != 0 && g_get_monotonic_time () >= self->deadline)
    {
      self->timed_out = TRUE;
      return 1;
    }

  return self->cancellable != NULL && g_cancellable_is_cancelled (self->cancellable);
}

static void
on_cancelled (GCancellable *cancellable,
              gpointer      data)
{
  /* May run in another thread: sqlite3_interrupt() is safe there. */
  sqlite3_interrupt (data);
}

typedef struct
{
  UpgSqliteConnection *self;
  gulong               handler;
} RunGuard;

static RunGuard
run_guard_enter (UpgSqliteConnection *self,
                 GCancellable        *cancellable)
{
  RunGuard guard = { self, 0 };

  self->timed_out = FALSE;
  self->deadline = self->timeout_seconds > 0
                   ? g_get_monotonic_time () + (gint64) self->timeout_seconds * G_USEC_PER_SEC
                   : 0;
  self->cancellable = cancellable;
  if (cancellable != NULL)
    guard.handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), self->db, NULL);

  return guard;
}

static void
run_guard_leave (RunGuard *guard)
{
  if (guard->handler != 0)
    g_cancellable_disconnect (guard->self->cancellable, guard->handler);
  guard->self->cancellable = NULL;
  guard->self->deadline = 0;
}

static gboolean
is_datasource_failure (int code)
{
  switch (code & 0xff)
    {
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_IOERR:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Reports the failure of the last call on the database handle. */
static gboolean
set_sqlite_error (UpgSqliteConnection  *self,
                  int                   code,
                  GError              **error)
{
  UpgConnection *conn = UPG_CONNECTION (self);

  if ((code & 0xff) == SQLITE_INTERRUPT && self->timed_out)
    {
      upg_connection_set_last_error (conn, code, NULL);
      g_set_error (error, UPG_ERROR, UPG_ERROR_TIMEOUT,
                   _("statement on data source '%s' exceeded its time limit of %u s"),
                   upg_connection_get_name (conn), self->timeout_seconds);
      return FALSE;
    }
  if ((code & 0xff) == SQLITE_INTERRUPT && self->cancellable != NULL
      && g_cancellable_is_cancelled (self->cancellable))
    {
      upg_connection_set_last_error (conn, code, NULL);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                   _("statement on data source '%s' was cancelled"),
                   upg_connection_get_name (conn));
      return FALSE;
    }

  upg_connection_set_last_error (conn, code, NULL);
  g_set_error (error, UPG_ERROR,
               is_datasource_failure (code) ? UPG_ERROR_DATASOURCE : UPG_ERROR_SQL,
               "ERROR %d: %s", code, sqlite3_errmsg (self->db));
  return FALSE;
}

/* Steps @stmt to its end; adds its rows to @rows when not %NULL. */
static int
step_all (sqlite3_stmt *stmt,
          UpgRows      *rows)
{
  int n_columns = sqlite3_column_count (stmt);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      char **values;

      if (rows == NULL)
        continue;

      values = g_new0 (char *, n_columns + 1);
      for (int i = 0; i < n_columns; i++)
        values[i] = g_strdup ((const char *) sqlite3_column_text (stmt, i));
      upg_rows_append_take (rows, values);
    }

  return rc;
}

static gboolean
upg_sqlite_connection_execute (UpgConnection  *conn,
                               const char     *sql,
                               gint64         *affected_rows,
                               GCancellable   *cancellable,
                               GError        **error)
{
  UpgSqliteConnection *self = UPG_SQLITE_CONNECTION (conn);
  RunGuard guard = run_guard_enter (self, cancellable);
  const char *next = sql;
  gint64 affected = 0;
  int rc = SQLITE_OK;

  while (rc == SQLITE_OK && *next != '\0')
    {
      sqlite3_stmt *stmt = NULL;
      const char *tail = NULL;
      sqlite3_int64 before;

      /* A statement too short to reach the progress handler still stops a
       * cancelled script before the next one starts. */
      if (g_cancellable_is_cancelled (cancellable))
        {
          rc = SQLITE_INTERRUPT;
          break;
        }
      rc = sqlite3_prepare_v2 (self->db, next, -1, &stmt, &tail);
      if (rc != SQLITE_OK)
        break;
      next = tail;
      if (stmt == NULL)   /* only whitespace or comments were left */
        continue;

      before = sqlite3_total_changes64 (self->db);
      rc = step_all (stmt, NULL);
      /* sqlite3_changes64() keeps its value across statements that change
       * nothing (DDL, SELECT): count it only when this one changed rows. */
      if (rc == SQLITE_DONE && sqlite3_total_changes64 (self->db) != before)
        affected += sqlite3_changes64 (self->db);
      if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
      else
        rc = sqlite3_extended_errcode (self->db);
      sqlite3_finalize (stmt);
    }

  if (rc != SQLITE_OK)
    set_sqlite_error (self, rc, error);
  else if (affected_rows != NULL)
    *affected_rows = affected;
  run_guard_leave (&guard);

  return rc == SQLITE_OK;
}

static gboolean
bind_params (UpgSqliteConnection  *self,
             sqlite3_stmt         *stmt,
             const char          **params,
             GError              **error)
{
  int n_wanted = sqlite3_bind_parameter_count (stmt);

  if (!upg_sql_check_param_count (UPG_CONNECTION (self), n_wanted, params, error))
    return FALSE;

  for (int i = 0; i < n_wanted; i++)
    {
      /* The values outlive the query: no copy. */
      int rc = sqlite3_bind_text (stmt, i + 1, params[i], -1, SQLITE_STATIC);

      if (rc != SQLITE_OK)
        return set_sqlite_error (self, rc, error);
    }

  return TRUE;
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static sqlite3_stmt *
take_prepared (UpgSqliteConnection *self,
               const char          *sql)
{
  gpointer key, stmt;

  if (!g_hash_table_steal_extended (self->prepared, sql, &key, &stmt))
    return NULL;
  g_free (key);
  return stmt;
}

/* Keeps @stmt, which ran to its end, for the next query of @sql if it has
 * parameters (a text without any is not run repeatedly) and returns no
 * columns: a kept SELECT * would report the columns it had before an
 * ALTER TABLE until its next step re-prepares it. */
static void
put_prepared (UpgSqliteConnection *self,
              const char          *sql,
              sqlite3_stmt        *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (sqlite3_bind_parameter_count (stmt) == 0 || sqlite3_column_count (stmt) > 0 ||
      g_hash_table_contains (self->prepared, sql))
    {
      sqlite3_finalize (stmt);
      return;
    }
  if (g_hash_table_size (self->prepared) >= UPG_SQLITE_CACHED_STATEMENTS)
    g_hash_table_remove_all (self->prepared);
  g_hash_table_insert (self->prepared, g_strdup (sql), stmt);
}

static gboolean
only_comments_left (UpgSqliteConnection *self,
                    const char          *tail)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, tail, -1, &stmt, NULL);

  sqlite3_finalize (stmt);
  return rc == SQLITE_OK && stmt == NULL;
}

static UpgRows *
upg_sqlite_connection_query (UpgConnection  *conn,
                             const char     *sql,
                             const char    **params,
                             GCancellable   *cancellable,
                             GError        **error)
{
  UpgSqliteConnection *self = UPG_SQLITE_CONNECTION (conn);
  g_autoptr(UpgRows) rows = NULL;
  g_autofree const char **names = NULL;
  sqlite3_stmt *stmt = NULL;
  const char *tail = NULL;
  RunGuard guard;
  int n_columns;
  int rc;

  stmt = take_prepared (self, sql);
  if (stmt == NULL)
    {
      rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
      if (rc != SQLITE_OK)
        return set_sqlite_error (self, rc, error), NULL;
      if (stmt == NULL || !only_comments_left (self, tail))
        {
          sqlite3_finalize (stmt);
          g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                       _("query on data source '%s' must be exactly one statement: %s"),
                       upg_connection_get_name (conn), sql);
          return NULL;
        }
    }
  if (!bind_params (self, stmt, params, error))
    {
      sqlite3_finalize (stmt);
      return NULL;
    }

  n_columns = sqlite3_column_count (stmt);
  names = g_new0 (const char *, n_columns + 1);
  for (int i = 0; i < n_columns; i++)
    names[i] = sqlite3_column_name (stmt, i);
  rows = upg_rows_new (n_columns, names);

  guard = run_guard_enter (self, cancellable);
  rc = step_all (stmt, rows);
  if (rc != SQLITE_DONE)
    set_sqlite_error (self, sqlite3_extended_errcode (self->db), error);
  run_guard_leave (&guard);
  if (rc == SQLITE_DONE)
    put_prepared (self, sql, stmt);
  else
    sqlite3_finalize (stmt);

  return rc == SQLITE_DONE ? g_steal_pointer (&rows) : NULL;
}

static gboolean
upg_sqlite_connection_begin (UpgConnection  *conn,
                             GError        **error)
{
  /* IMMEDIATE takes the write lock now: a deferred transaction that reads
   * first and writes later can fail with SQLITE_BUSY without waiting. */
  return upg_connection_execute (conn, "BEGIN IMMEDIATE", NULL, NULL, error);
}

static char *
upg_sqlite_connection_get_server_version (UpgConnection  *conn,
                                          GError        **error)
{
  return g_strdup (sqlite3_libversion ());
}

static gboolean
upg_sqlite_connection_set_statement_timeout (UpgConnection  *conn,
                                             guint           seconds,
                                             GError        **error)
{
  UPG_SQLITE_CONNECTION (conn)->timeout_seconds = seconds;
  return TRUE;
}

static gboolean
upg_sqlite_connection_ping (UpgConnection  *conn,
                            GError        **error)
{
  /* Reading the schema fails when the file is gone bad or unreadable. */
  return upg_connection_execute (conn, "SELECT count(*) FROM sqlite_schema", NULL, NULL, error);
}

static void
upg_sqlite_connection_finalize (GObject *object)
{
  UpgSqliteConnection *self = UPG_SQLITE_CONNECTION (object);

  g_hash_table_unref (self->prepared);   /* finalizes them, before the close */
  sqlite3_close_v2 (self->db);
  g_free (self->path);

  G_OBJECT_CLASS (upg_sqlite_connection_parent_class)->finalize (object);
}

static void
upg_sqlite_connection_class_init (UpgSqliteConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  UpgConnectionClass *conn_class = UPG_CONNECTION_CLASS (klass);

  object_class->finalize = upg_sqlite_connection_finalize;

  conn_class->execute = upg_sqlite_connection_execute;
  conn_class->query = upg_sqlite_connection_query;
  conn_class->begin = upg_sqlite_connection_begin;
  conn_class->ping = upg_sqlite_connection_ping;
  conn_class->get_server_version = upg_sqlite_connection_get_server_version;
  conn_class->set_statement_timeout = upg_sqlite_connection_set_statement_timeout;
}

static void
upg_sqlite_connection_init (UpgSqliteConnection *self)
{
  self->prepared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_statement);
}

/**
 * upg_sqlite_connection_new:
 * @name: the data source's name
 * @path: the database file (created when missing; its directory must
 *   exist), or `:memory:`
 * @error: return location for a #GError
 *
 * Opens an SQLite database with extended result codes and a busy timeout.
 *
 * Returns: (transfer full): the connection, or %NULL with
 *   %UPG_ERROR_DATASOURCE
 */
UpgConnection *
upg_sqlite_connection_new (const char  *name,
                           const char  *path,
                           GError     **error)
{
  g_autoptr(UpgSqliteConnection) self = NULL;
  int rc;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (UPG_TYPE_SQLITE_CONNECTION,
                       "name", name,
                       "dialect", UPG_DIALECT_SQLITE,
                       "transactional-ddl", TRUE,
                       NULL);
  self->path = g_strdup (path);

  rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("cannot open SQLite data source '%s': %s (file '%s')"),
                   name, self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc), path);
      return NULL;
    }

  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, UPG_SQLITE_BUSY_TIMEOUT_MS);
  sqlite3_progress_handler (self->db, UPG_SQLITE_PROGRESS_OPS, progress_handler, self);

  /* Opening is lazy in SQLite: read the schema now so that a file which is
   * not a database fails here, as a data source error. */
  if (!upg_sqlite_connection_ping (UPG_CONNECTION (self), NULL))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("cannot open SQLite data source '%s': %s (file '%s')"),
                   name, sqlite3_errmsg (self->db), path);
      return NULL;
    }

  return UPG_CONNECTION (g_steal_pointer (&self));
}

/* The journal mode, as `PRAGMA journal_mode` answers it (no lock taken). */
static char *
current_journal_mode (UpgSqliteConnection  *self,
                      GError              **error)
{
  g_autoptr(UpgRows) rows = upg_connection_query (UPG_CONNECTION (self), "PRAGMA journal_mode", NULL, NULL, error);

  if (rows == NULL)
    return NULL;
  return g_strdup (upg_rows_get_n_rows (rows) == 1 ? upg_rows_get_value (rows, 0, 0) : "unknown");
}

/* Switching to WAL needs an exclusive lock that SQLite takes without
 * calling the busy handler: while another process holds any lock on a
 * file still in rollback mode (it is opening or creating the same
 * journal), the PRAGMA fails with SQLITE_BUSY at once. Wait for it as the
 * busy handler would, within the same timeout, and say so (once). */
static int
switch_to_wal (UpgSqliteConnection *self)
{
  static const int delays_ms[] = { 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 };
  gint64 waited_ms = 0;
  int rc;

  for (guint i = 0;; i++)
    {
      int delay;

      rc = sqlite3_exec (self->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
      if (rc == SQLITE_OK || (rc & 0xff) != SQLITE_BUSY || waited_ms >= UPG_SQLITE_BUSY_TIMEOUT_MS)
        return rc == SQLITE_OK ? rc : sqlite3_extended_errcode (self->db);
      if (i == 0)
        g_debug ("SQLite data source '%s' at '%s': another connection holds a lock; waiting up to %d ms "
                 "to switch it to write-ahead logging", upg_connection_get_name (UPG_CONNECTION (self)),
                 self->path, UPG_SQLITE_BUSY_TIMEOUT_MS);
      delay = delays_ms[MIN (i, G_N_ELEMENTS (delays_ms) - 1)];
      sqlite3_sleep (delay);
      waited_ms += delay;
    }
}

/**
 * upg_sqlite_connection_enable_wal:
 * @self: a #UpgSqliteConnection
 * @error: return location for a #GError
 *
 * Switches the database to write-ahead logging, so that readers (status
 * queries) do not block the writer (the journal). The mode is stored in
 * the file: a database in WAL mode already is left alone, without a lock
 * (a reader opening it while another process writes never waits). An
 * in-memory database keeps its own mode and is accepted.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_sqlite_connection_enable_wal (UpgSqliteConnection  *self,
                                  GError              **error)
{
  g_autofree char *mode = NULL;
  int rc;

  g_return_val_if_fail (UPG_IS_SQLITE_CONNECTION (self), FALSE);

  mode = current_journal_mode (self, error);
  if (mode == NULL)
    return FALSE;
  if (g_strcmp0 (mode, "wal") == 0 || g_strcmp0 (mode, "memory") == 0)
    return TRUE;
  rc = switch_to_wal (self);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("SQLite data source '%s' at '%s': cannot switch to write-ahead logging: ERROR %d: %s"),
                   upg_connection_get_name (UPG_CONNECTION (self)), self->path, rc, sqlite3_errstr (rc));
      return FALSE;
    }
  g_free (mode);
  mode = current_journal_mode (self, error);
  if (mode == NULL)
    return FALSE;
  if (g_strcmp0 (mode, "wal") != 0 && g_strcmp0 (mode, "memory") != 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("SQLite data source '%s' at '%s' refused write-ahead logging (journal mode is '%s')"),
                   upg_connection_get_name (UPG_CONNECTION (self)), self->path, mode);
      return FALSE;
    }

  return TRUE;
}

/**
 * upg_sqlite_file_is_damaged:
 * @path: an SQLite database file
 *
 * Whether SQLite finds @path damaged: not a database (its header
 * overwritten) or a malformed image (its pages). Reads @path without
 * writing it and without waiting for another process's lock (busy is not
 * damage), for telling an operator what went wrong after another call on
 * it failed.
 *
 * Returns: %TRUE if @path is damaged
 */
static int
note_check_problem (void  *user_data,
                    int    n_columns,
                    char **values,
                    char **names)
{
  gboolean *damaged = user_data;

  /* quick_check answers one row "ok", or a row for each problem. */
  if (n_columns < 1 || g_strcmp0 (values[0], "ok") != 0)
    *damaged = TRUE;
  return 0;
}

gboolean
upg_sqlite_file_is_damaged (const char *path)
{
  sqlite3 *db = NULL;
  gboolean damaged = FALSE;
  int rc;

  g_return_val_if_fail (path != NULL, FALSE);

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "PRAGMA quick_check", note_check_problem, &damaged, NULL);
  sqlite3_close (db);
  return damaged || (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
}

/**
 * upg_sqlite_connection_get_path:
 * @self: a #UpgSqliteConnection
 *
 * Returns: (transfer none): the database file's path
 */
const char *
upg_sqlite_connection_get_path (UpgSqliteConnection *self)
{
  g_return_val_if_fail (UPG_IS_SQLITE_CONNECTION (self), NULL);

  return self->path;
}
