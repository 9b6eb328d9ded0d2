/* upg-table-sizes.c - how much room a database's tables take
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The assessment's backup space check and the backup step's own check
 * before it dumps measure the same way, here.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-table-sizes-private.h"

/* One row: whether the table exists, its data bytes, its index bytes. */
static const char *
table_size_sql (UpgDialect dialect)
{
  switch (dialect)
    {
    case UPG_DIALECT_MYSQL:
      return "SELECT COUNT(*), COALESCE(SUM(data_length), 0), COALESCE(SUM(index_length), 0) "
             "FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?";
    case UPG_DIALECT_POSTGRESQL:
      return "SELECT COUNT(*), COALESCE(SUM(pg_table_size(c.oid)), 0), "
             "COALESCE(SUM(pg_indexes_size(c.oid)), 0) FROM pg_class c WHERE c.oid = to_regclass(?)";
    case UPG_DIALECT_SQLITE:
      return "SELECT COUNT(*), (SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = ?), "
             "(SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name IN "
             "(SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?)) "
             "FROM sqlite_master WHERE type = 'table' AND name = ?";
    case UPG_DIALECT_CLICKHOUSE:
      /* On the server, over HTTP: the tool may run on another host. A
       * MergeTree table's primary index and marks are files of its parts,
       * counted in bytes_on_disk. */
      return "SELECT (SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = ?), "
             "(SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = currentDatabase()"
             " AND table = ?), 0";
    case UPG_DIALECT_OTHER:
    default:
      return NULL;
    }
}

/*
 * upg_table_sizes_measure:
 * @tables: (array zero-terminated=1): table names
 * @sizes: (inout): their data and index bytes are added; tables not found
 *   are appended to @sizes->missing
 *
 * The sizes the database reports (information_schema, pg_table_size(),
 * SQLite's dbstat, ClickHouse's system.parts), which are what a dump or a copy of them needs.
 */
gboolean
upg_table_sizes_measure (UpgConnection       *connection,
                         const char * const  *tables,
                         UpgTableSizes       *sizes,
                         GCancellable        *cancellable,
                         GError             **error)
{
  UpgDialect dialect = upg_connection_get_dialect (connection);
  const char *sql = table_size_sql (dialect);

  if (sql == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("table sizes cannot be measured on data source '%s' (not MySQL, PostgreSQL, SQLite or "
                     "ClickHouse)"),
                   upg_connection_get_name (connection));
      return FALSE;
    }
  for (guint i = 0; tables[i] != NULL; i++)
    {
      const char *params[] = { tables[i], tables[i], tables[i], NULL };
      g_autoptr(UpgRows) rows = NULL;

      /* The SQLite form names the table three times, ClickHouse's twice,
       * the others once. */
      if (dialect == UPG_DIALECT_CLICKHOUSE)
        params[2] = NULL;
      else if (dialect != UPG_DIALECT_SQLITE)
        params[1] = NULL;
      rows = upg_connection_query (connection, sql, params, cancellable, error);
      if (rows == NULL)
        return FALSE;
      if (upg_rows_get_n_rows (rows) == 0 || upg_rows_get_int (rows, 0, 0, 0) == 0)
        {
          g_string_append_printf (sizes->missing, "%s%s", sizes->missing->len > 0 ? ", " : "", tables[i]);
          continue;
        }
      sizes->data += (guint64) MAX (upg_rows_get_int (rows, 0, 1, 0), 0);
      sizes->index += (guint64) MAX (upg_rows_get_int (rows, 0, 2, 0), 0);
    }
  return TRUE;
}

/* The user tables of the connection's database. */
static const char *
table_list_sql (UpgDialect dialect)
{
  switch (dialect)
    {
    case UPG_DIALECT_MYSQL:
      return "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() "
             "AND table_type = 'BASE TABLE' ORDER BY table_name";
    case UPG_DIALECT_POSTGRESQL:
      return "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', "
             "'information_schema') ORDER BY tablename";
    case UPG_DIALECT_SQLITE:
      return "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
             "ORDER BY name";
    case UPG_DIALECT_CLICKHOUSE:
      /* Every object, views and the inner tables of materialized views
       * included: the backup of the whole database sizes (and holds) the
       * inner tables' rows too; a view has no parts, so adds nothing. */
      return "SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name";
    case UPG_DIALECT_OTHER:
    default:
      return NULL;
    }
}

/*
 * upg_table_list:
 *
 * Returns: (transfer full) (nullable): the names of the user tables of
 *   @connection's database
 */
GStrv
upg_table_list (UpgConnection  *connection,
                GCancellable   *cancellable,
                GError        **error)
{
  const char *sql = table_list_sql (upg_connection_get_dialect (connection));
  g_autoptr(UpgRows) rows = NULL;
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();

  if (sql == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("tables cannot be listed on data source '%s' (not MySQL, PostgreSQL, SQLite or ClickHouse)"),
                   upg_connection_get_name (connection));
      return NULL;
    }
  rows = upg_connection_query (connection, sql, NULL, cancellable, error);
  if (rows == NULL)
    return NULL;
  for (guint i = 0; i < upg_rows_get_n_rows (rows); i++)
    g_strv_builder_add (names, upg_rows_get_value (rows, i, 0));
  return g_strv_builder_end (names);
}
