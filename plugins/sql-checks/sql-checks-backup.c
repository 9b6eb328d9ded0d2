/* sql-checks-backup.c - how much space the backup of some tables needs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Design-document formulas: backup space ≈ (data + index) × 1.5;
 * double-write space = data × 2 plus a 15 % buffer.
 */
#include <string.h>

#include "sql-checks-private.h"

#define BACKUP_FACTOR 1.5
#define DOUBLE_WRITE_FACTOR (2.0 * 1.15)

typedef struct {
  gint64     data;
  gint64     index;
  GPtrArray *missing;
  gboolean   whole_file;   /* SQLite without dbstat: the whole file counted */
} Sizes;

static const char *
size_query (UpgDialect dialect)
{
  switch (dialect)
    {
    case UPG_DIALECT_MYSQL:
      return "SELECT data_length, index_length FROM information_schema.tables "
             "WHERE table_schema = DATABASE() AND table_name = ?";
    case UPG_DIALECT_POSTGRESQL:
      return "SELECT pg_table_size(c.oid), pg_indexes_size(c.oid) FROM pg_class c "
             "WHERE c.oid = to_regclass(?)";
    case UPG_DIALECT_SQLITE:
      return "SELECT (SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = m.name), "
             "(SELECT COALESCE(SUM(d.pgsize), 0) FROM dbstat d JOIN sqlite_master i "
             "ON i.name = d.name WHERE i.type = 'index' AND i.tbl_name = m.name) "
             "FROM sqlite_master m WHERE m.type = 'table' AND m.name = ?";
    case UPG_DIALECT_OTHER:
    default:
      return NULL;
    }
}

/* SQLite built without the dbstat table: count the whole file, an upper
 * bound of any table's size. */
static gboolean
sqlite_whole_file (UpgConnection  *conn,
                   Sizes          *sizes,
                   GCancellable   *cancellable,
                   GError        **error)
{
  g_autoptr(UpgRows) rows =
    upg_connection_query (conn, "SELECT page_count * page_size FROM pragma_page_count(), "
                          "pragma_page_size()", NULL, cancellable, error);

  if (rows == NULL)
    return FALSE;
  sizes->data = upg_rows_get_int (rows, 0, 0, 0);
  sizes->index = 0;
  sizes->whole_file = TRUE;
  return TRUE;
}

static gboolean
measure (UpgConnection  *conn,
         JsonArray      *tables,
         Sizes          *sizes,
         GCancellable   *cancellable,
         GError        **error)
{
  const char *sql = size_query (upg_connection_get_dialect (conn));

  for (guint i = 0; i < json_array_get_length (tables); i++)
    {
      JsonNode *element = json_array_get_element (tables, i);
      const char *table = JSON_NODE_HOLDS_VALUE (element) &&
                          json_node_get_value_type (element) == G_TYPE_STRING
                            ? json_node_get_string (element) : NULL;
      const char *params[] = { table, NULL };
      g_autoptr(UpgRows) rows = NULL;
      g_autoptr(GError) local_error = NULL;

      if (table == NULL)
        {
          g_ptr_array_add (sizes->missing, g_strdup_printf ("(element %u is not a name)", i));
          continue;
        }
      rows = upg_connection_query (conn, sql, params, cancellable, &local_error);
      if (rows == NULL && upg_connection_get_dialect (conn) == UPG_DIALECT_SQLITE &&
          strstr (local_error->message, "dbstat") != NULL)
        return sqlite_whole_file (conn, sizes, cancellable, error);
      if (rows == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (upg_rows_get_n_rows (rows) == 0)
        {
          g_ptr_array_add (sizes->missing, g_strdup (table));
          continue;
        }
      sizes->data += upg_rows_get_int (rows, 0, 0, 0);
      sizes->index += upg_rows_get_int (rows, 0, 1, 0);
    }
  return TRUE;
}

static void
report (UpgCheckResult *result,
        const char     *database,
        Sizes          *sizes)
{
  gint64 total = sizes->data + sizes->index;
  gint64 backup = (gint64) (total * BACKUP_FACTOR);
  gint64 double_write = (gint64) (sizes->data * DOUBLE_WRITE_FACTOR);
  g_autofree char *total_text = g_format_size (total);
  g_autofree char *backup_text = g_format_size (backup);
  g_autofree char *double_text = g_format_size (double_write);
  g_autofree char *message = NULL;

  upg_check_result_set_figure_int (result, "data_bytes", sizes->data);
  upg_check_result_set_figure_int (result, "index_bytes", sizes->index);
  upg_check_result_set_figure_int (result, "total_bytes", total);
  upg_check_result_set_figure_int (result, "backup_bytes", backup);
  upg_check_result_set_figure_int (result, "double_write_bytes", double_write);
  if (sizes->whole_file)
    upg_check_result_set_figure_string (result, "method", "whole database file");
  message = g_strdup_printf ("tables to back up on '%s' hold %s; backup needs ≈ %s, "
                             "double write ≈ %s", database, total_text, backup_text, double_text);
  if (sizes->missing->len > 0)
    {
      g_ptr_array_add (sizes->missing, NULL);
      g_autofree char *missing = g_strjoinv (", ", (char **) sizes->missing->pdata);
      g_autofree char *full = g_strdup_printf ("%s; not found: %s", message, missing);

      upg_check_result_set_figure_string (result, "missing_tables", missing);
      upg_check_result_set_verdict (result, UPG_VERDICT_WARN);
      upg_check_result_set_suggestion (result, "correct checks.backup_tables: the tables "
                                               "listed do not exist");
      upg_check_result_set_message (result, full);
      return;
    }
  upg_check_result_set_message (result, message);
}

void
sql_estimate_backup (JsonObject      *entry,
                     const SqlOrigin *origin,
                     SqlConnections  *connections,
                     GPtrArray       *results,
                     GCancellable    *cancellable)
{
  const char *database = sql_entry_string (entry, "database");
  JsonNode *tables = json_object_get_member (entry, "tables");
  g_autofree char *id = NULL;
  g_autoptr(UpgCheckResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);
  Sizes sizes = { 0, 0, missing, FALSE };
  UpgConnection *conn;

  if (database == NULL || tables == NULL || !JSON_NODE_HOLDS_ARRAY (tables))
    {
      g_ptr_array_add (results, sql_invalid_entry (UPG_CHECK_KIND_RESOURCE, "backup",
                                                   origin, "members 'database' (a string) and "
                                                   "'tables' (an array of names) are required"));
      return;
    }
  id = g_strdup_printf ("backup:%s", database);
  result = upg_check_result_new (UPG_CHECK_KIND_RESOURCE, id, "backup size", UPG_VERDICT_PASS,
                                 NULL);
  upg_check_result_set_figure_string (result, "database", database);
  conn = sql_connections_get (connections, database, cancellable, result);
  if (conn != NULL && size_query (upg_connection_get_dialect (conn)) == NULL)
    {
      upg_check_result_set_verdict (result, UPG_VERDICT_SKIPPED);
      upg_check_result_set_message (result, "not run: table sizes are only known for MySQL, "
                                            "PostgreSQL and SQLite");
    }
  else if (conn != NULL && !measure (conn, json_node_get_array (tables), &sizes, cancellable,
                                     &error))
    {
      g_autofree char *message = g_strdup_printf ("database '%s': %s", database, error->message);

      upg_check_result_set_verdict (result, UPG_VERDICT_FAIL);
      upg_check_result_set_message (result, message);
    }
  else if (conn != NULL)
    report (result, database, &sizes);
  g_ptr_array_add (results, g_steal_pointer (&result));
}
