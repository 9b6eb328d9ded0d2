/* upg-journal-schema-ddl.c - the journal's tables, columns and indexes,
 * created in each dialect
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every table is written once with type tokens that render per dialect:
 * @ID@ a short key (UUID, site, component, version), @NAME@ a longer key
 * (step id, file, owner), @TEXT@ unbounded text, @INT@ a 64-bit integer.
 * MariaDB/MySQL cannot index TEXT without a prefix length, hence VARCHAR
 * for keys there; utf8mb4_bin keeps keys case-sensitive as elsewhere.
 * Each function creates only what is absent, so that a migration
 * interrupted by MariaDB's implicit DDL commit is simply applied again.
 *
 * Separate from upg-journal-schema.c, which holds the versions and the
 * migrations between them: this is how any of them (and the tables
 * created lazily elsewhere) reach the database.
 */
#include "config.h"

#include "upg-journal-private.h"
#include "upg-journal-schema-private.h"

static char *
render (UpgDialect  dialect,
        const char *text)
{
  static const char *tokens[] = { "@ID@", "@NAME@", "@TEXT@", "@INT@" };
  static const char *sqlite[] = { "TEXT", "TEXT", "TEXT", "INTEGER" };
  static const char *mysql[] = { "VARCHAR(64)", "VARCHAR(255)", "LONGTEXT", "BIGINT" };
  static const char *postgresql[] = { "TEXT", "TEXT", "TEXT", "BIGINT" };
  const char **types = dialect == UPG_DIALECT_MYSQL ? mysql
                       : dialect == UPG_DIALECT_POSTGRESQL ? postgresql : sqlite;
  g_autoptr(GString) out = g_string_new (text);

  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    g_string_replace (out, tokens[i], types[i], 0);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
exists (UpgConnection  *connection,
        const char     *what_sql,
        const char     *name,
        const char     *name2,
        gboolean       *found,
        GError        **error)
{
  const char *values[] = { name, name2 };
  g_autoptr(UpgRows) rows = upg_journal_sql_query (connection, what_sql, values,
                                                   name2 != NULL ? 2 : 1, error);

  if (rows == NULL)
    return FALSE;
  *found = upg_rows_get_n_rows (rows) > 0;
  return TRUE;
}

static gboolean
table_exists (UpgConnection  *connection,
              const char     *table,
              gboolean       *found,
              GError        **error)
{
  switch (upg_connection_get_dialect (connection))
    {
    case UPG_DIALECT_MYSQL:
      return exists (connection, "SELECT table_name FROM information_schema.tables"
                     " WHERE table_schema = DATABASE() AND table_name = ?", table, NULL, found, error);
    case UPG_DIALECT_POSTGRESQL:
      return exists (connection, "SELECT table_name FROM information_schema.tables"
                     " WHERE table_schema = current_schema() AND table_name = ?", table, NULL, found, error);
    default:
      return exists (connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
                     table, NULL, found, error);
    }
}

/**
 * upg_journal_schema_table_exists: (skip)
 *
 * Tells whether @table exists, reading only: the read-only paths of a
 * table created lazily look with it instead of creating the table, which
 * would wait for the write lock of a run in progress.
 */
gboolean
upg_journal_schema_table_exists (UpgConnection  *connection,
                                 const char     *table,
                                 gboolean       *found,
                                 GError        **error)
{
  return table_exists (connection, table, found, error);
}

static gboolean
column_exists (UpgConnection  *connection,
               const char     *table,
               const char     *column,
               gboolean       *found,
               GError        **error)
{
  switch (upg_connection_get_dialect (connection))
    {
    case UPG_DIALECT_MYSQL:
      return exists (connection, "SELECT column_name FROM information_schema.columns"
                     " WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?",
                     table, column, found, error);
    case UPG_DIALECT_POSTGRESQL:
      return exists (connection, "SELECT column_name FROM information_schema.columns"
                     " WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?",
                     table, column, found, error);
    default:
      return exists (connection, "SELECT name FROM pragma_table_info(?) WHERE name = ?",
                     table, column, found, error);
    }
}

static gboolean
index_exists (UpgConnection  *connection,
              const char     *index,
              gboolean       *found,
              GError        **error)
{
  switch (upg_connection_get_dialect (connection))
    {
    case UPG_DIALECT_MYSQL:
      return exists (connection, "SELECT index_name FROM information_schema.statistics"
                     " WHERE table_schema = DATABASE() AND index_name = ?", index, NULL, found, error);
    case UPG_DIALECT_POSTGRESQL:
      return exists (connection, "SELECT indexname FROM pg_indexes"
                     " WHERE schemaname = current_schema() AND indexname = ?", index, NULL, found, error);
    default:
      return exists (connection, "SELECT name FROM sqlite_master WHERE type = 'index' AND name = ?",
                     index, NULL, found, error);
    }
}

static gboolean
create_table (UpgConnection  *connection,
              const char     *table,
              const char     *columns,
              gboolean        keyed,
              GError        **error)
{
  UpgDialect dialect = upg_connection_get_dialect (connection);
  g_autofree char *rendered = render (dialect, columns);
  const char *options = dialect == UPG_DIALECT_MYSQL ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
                        : dialect == UPG_DIALECT_SQLITE && keyed ? " WITHOUT ROWID"
                        : "";
  g_autofree char *sql = g_strdup_printf ("CREATE TABLE IF NOT EXISTS %s (%s)%s", table, rendered, options);

  return upg_journal_sql_exec (connection, sql, NULL, 0, error);
}

/**
 * upg_journal_schema_ensure_table: (skip)
 *
 * Creates @table with @columns (in the type tokens above) unless it exists.
 */
gboolean
upg_journal_schema_ensure_table (UpgConnection  *connection,
                                 const char     *table,
                                 const char     *columns,
                                 GError        **error)
{
  return create_table (connection, table, columns, FALSE, error);
}

/**
 * upg_journal_schema_ensure_keyed_table: (skip)
 *
 * Like upg_journal_schema_ensure_table(), for a table that is only ever
 * read and written by its primary key (the markers): on SQLite it has no
 * rowid, so a row is one b-tree entry instead of a table row and an index
 * entry — a page less to journal in every transaction that writes one.
 * MariaDB and PostgreSQL tables are created as usual.
 */
gboolean
upg_journal_schema_ensure_keyed_table (UpgConnection  *connection,
                                       const char     *table,
                                       const char     *columns,
                                       GError        **error)
{
  return create_table (connection, table, columns, TRUE, error);
}

/**
 * upg_journal_schema_ensure_column_added: (skip)
 * @added: (out): whether the column was missing and is added now
 *
 * Adds @column (type in the tokens above) to @table unless it has it.
 */
gboolean
upg_journal_schema_ensure_column_added (UpgConnection  *connection,
                                        const char     *table,
                                        const char     *column,
                                        const char     *type,
                                        gboolean       *added,
                                        GError        **error)
{
  gboolean found = FALSE;
  g_autofree char *rendered = NULL;
  g_autofree char *sql = NULL;

  *added = FALSE;
  if (!column_exists (connection, table, column, &found, error))
    return FALSE;
  if (found)
    return TRUE;
  rendered = render (upg_connection_get_dialect (connection), type);
  sql = g_strdup_printf ("ALTER TABLE %s ADD COLUMN %s %s", table, column, rendered);
  *added = upg_journal_sql_exec (connection, sql, NULL, 0, error);
  return *added;
}

/**
 * upg_journal_schema_ensure_index: (skip)
 *
 * Creates the index @name on @table (@columns), unique when @unique,
 * unless it exists.
 */
gboolean
upg_journal_schema_ensure_index (UpgConnection  *connection,
                                 const char     *name,
                                 const char     *table,
                                 const char     *columns,
                                 gboolean        unique,
                                 GError        **error)
{
  gboolean found = FALSE;
  g_autofree char *sql = NULL;

  if (!index_exists (connection, name, &found, error))
    return FALSE;
  if (found)
    return TRUE;
  sql = g_strdup_printf ("CREATE %sINDEX %s ON %s (%s)", unique ? "UNIQUE " : "",
                         name, table, columns);
  return upg_journal_sql_exec (connection, sql, NULL, 0, error);
}
