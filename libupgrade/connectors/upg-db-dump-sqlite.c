/* upg-db-dump-sqlite.c - SQLite backups through the online backup API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * sqlite3_backup_*() copies the database page by page while other
 * connections keep using it; a write by another connection restarts the
 * copy, so the result is one consistent state. Restores use it the other
 * way round (the whole database), or ATTACH the copy and recreate single
 * tables from it.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <sqlite3.h>

#include "upg-db-dump-private.h"
#include "upg-db-tool-private.h"

/* Pages per sqlite3_backup_step(): small enough to let writers in
 * between, to report progress and to notice a cancellation. */
#define PAGES_PER_STEP 256
#define BUSY_RETRY_US (20 * 1000)

static gboolean
sqlite_fail (sqlite3     *db,
             const char  *path,
             const char  *what,
             int          rc,
             GError     **error)
{
  g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, _("SQLite %s of '%s' failed: %s"), what, path,
               db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
  return FALSE;
}

static sqlite3 *
open_db (const char  *path,
         int          flags,
         GError     **error)
{
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2 (path, &db, flags, NULL);

  if (rc != SQLITE_OK)
    {
      sqlite_fail (db, path, _("open"), rc, error);
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, 5000);
  return db;
}

/* Copies the whole database @from into @to with the backup API. */
static gboolean
backup_db (sqlite3        *from,
           sqlite3        *to,
           const char     *what_path,
           UpgDumpProgress progress,
           gpointer        progress_data,
           GCancellable   *cancellable,
           GError        **error)
{
  sqlite3_backup *backup = sqlite3_backup_init (to, "main", from, "main");
  int rc;

  if (backup == NULL)
    return sqlite_fail (to, what_path, _("backup"), SQLITE_ERROR, error);
  do
    {
      rc = sqlite3_backup_step (backup, PAGES_PER_STEP);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        g_usleep (BUSY_RETRY_US);
      else if (rc == SQLITE_OK && progress != NULL)
        progress ((guint64) (sqlite3_backup_pagecount (backup) - sqlite3_backup_remaining (backup)) * 4096,
                  progress_data);
      if (g_cancellable_is_cancelled (cancellable))
        {
          sqlite3_backup_finish (backup);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("the SQLite backup of '%s' was cancelled"),
                       what_path);
          return FALSE;
        }
    }
  while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish (backup);
  if (rc != SQLITE_DONE)
    return sqlite_fail (to, what_path, _("backup"), rc, error);
  return TRUE;
}

/*
 * upg_db_sqlite_copy:
 *
 * Copies the database file @from, consistently while in use, into a new
 * database @to.
 */
gboolean
upg_db_sqlite_copy (const char      *from,
                    const char      *to,
                    UpgDumpProgress  progress,
                    gpointer         progress_data,
                    GCancellable    *cancellable,
                    GError         **error)
{
  sqlite3 *source = open_db (from, SQLITE_OPEN_READONLY, error);
  sqlite3 *copy = NULL;
  gboolean ok = FALSE;

  if (source == NULL)
    return FALSE;
  copy = open_db (to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, error);
  if (copy != NULL)
    ok = backup_db (source, copy, from, progress, progress_data, cancellable, error);
  sqlite3_close (copy);
  sqlite3_close (source);
  return ok;
}

static gboolean
exec_sql (sqlite3     *db,
          const char  *path,
          const char  *sql,
          GError     **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  return rc == SQLITE_OK || sqlite_fail (db, path, sql, rc, error);
}

/* The user tables of @db (not SQLite's own). */
static GStrv
list_tables (sqlite3 *db)
{
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
                          "ESCAPE '\\' ORDER BY name", -1, &stmt, NULL) == SQLITE_OK)
    while (sqlite3_step (stmt) == SQLITE_ROW)
      g_strv_builder_add (names, (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return g_strv_builder_end (names);
}

static gint64
count_rows (sqlite3    *db,
            const char *table)
{
  g_autofree char *quoted = upg_db_quote_pg_name (table);
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM %s", quoted);
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

/*
 * upg_db_sqlite_count:
 * @tables: (nullable): the tables to count, or %NULL for every table
 *
 * Returns: (transfer full) (nullable): table → rows in the database
 *   @path; %NULL with @error when a listed table is not there
 */
JsonObject *
upg_db_sqlite_count (const char          *path,
                     const char * const  *tables,
                     GError             **error)
{
  sqlite3 *db = open_db (path, SQLITE_OPEN_READONLY, error);
  g_auto(GStrv) all = NULL;
  g_autoptr(JsonObject) counts = json_object_new ();

  if (db == NULL)
    return NULL;
  all = list_tables (db);
  if (tables == NULL)
    tables = (const char * const *) all;
  for (guint i = 0; tables[i] != NULL; i++)
    {
      gint64 n = g_strv_contains ((const char * const *) all, tables[i]) ? count_rows (db, tables[i]) : -1;

      if (n < 0)
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, _("table '%s' was not found in the SQLite database"),
                       tables[i]);
          sqlite3_close (db);
          return NULL;
        }
      json_object_set_int_member (counts, tables[i], n);
    }
  sqlite3_close (db);
  return g_steal_pointer (&counts);
}

/* Recreates one table of main from the attached copy `bk`: its
 * definition, rows, indexes and triggers. */
static gboolean
restore_table (sqlite3     *db,
               const char  *target,
               const char  *table,
               GError     **error)
{
  g_autofree char *quoted = upg_db_quote_pg_name (table);
  g_autofree char *drop = g_strdup_printf ("DROP TABLE IF EXISTS main.%s", quoted);
  g_autofree char *copy = g_strdup_printf ("INSERT INTO main.%s SELECT * FROM bk.%s", quoted, quoted);
  g_autoptr(GPtrArray) later = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;
  gboolean ok;

  ok = exec_sql (db, target, drop, error);
  if (ok && sqlite3_prepare_v2 (db, "SELECT type, sql FROM bk.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
                                "ORDER BY type <> 'table', rowid", -1, &stmt, NULL) != SQLITE_OK)
    ok = sqlite_fail (db, target, _("restore"), SQLITE_ERROR, error);
  if (ok)
    {
      sqlite3_bind_text (stmt, 1, table, -1, SQLITE_TRANSIENT);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *type = (const char *) sqlite3_column_text (stmt, 0);

          if (g_str_equal (type, "table"))
            found = TRUE;
          g_ptr_array_add (later, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
        }
    }
  sqlite3_finalize (stmt);
  if (ok && !found)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND, _("table '%s' is not in the backup"), table);
      return FALSE;
    }
  /* The table first, its rows, then its indexes and triggers. */
  for (guint i = 0; ok && i < later->len; i++)
    {
      ok = exec_sql (db, target, later->pdata[i], error);
      if (ok && i == 0)
        ok = exec_sql (db, target, copy, error);
    }
  return ok;
}

/*
 * upg_db_sqlite_restore_tables:
 * @target: the data source's database file
 * @copy: a decompressed backup
 * @tables: (nullable): the tables to restore; %NULL: the whole database
 *
 * Restores from @copy: the whole database through the backup API, or
 * the listed tables in one transaction.
 */
gboolean
upg_db_sqlite_restore_tables (const char          *target,
                              const char          *copy,
                              const char * const  *tables,
                              GError             **error)
{
  sqlite3 *db = open_db (target, SQLITE_OPEN_READWRITE, error);
  g_autofree char *attach = NULL;
  gboolean ok;

  if (db == NULL)
    return FALSE;
  if (tables == NULL)
    {
      sqlite3 *from = open_db (copy, SQLITE_OPEN_READONLY, error);

      ok = from != NULL && backup_db (from, db, target, NULL, NULL, NULL, error);
      sqlite3_close (from);
      sqlite3_close (db);
      return ok;
    }
  {
    char *literal = sqlite3_mprintf ("ATTACH DATABASE %Q AS bk", copy);

    attach = g_strdup (literal);
    sqlite3_free (literal);
  }
  ok = exec_sql (db, target, attach, error) && exec_sql (db, target, "PRAGMA foreign_keys = OFF", error)
       && exec_sql (db, target, "BEGIN IMMEDIATE", error);
  for (guint i = 0; ok && tables[i] != NULL; i++)
    ok = restore_table (db, target, tables[i], error);
  ok = ok && exec_sql (db, target, "COMMIT", error);
  if (!ok)
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close (db);
  return ok;
}
