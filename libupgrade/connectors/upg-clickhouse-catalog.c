/* upg-clickhouse-catalog.c - what a ClickHouse database holds, for its
 * backups
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A backup keeps each object as what it is (upg-db-dump-clickhouse.c):
 *
 * - a table with rows of its own (MergeTree family, Log, Memory…): its
 *   definition and its rows;
 * - a materialized view: its definition, and the rows of its inner table
 *   when it has one (read from that table, never through the view); a
 *   view writing TO a table keeps no rows, that table keeps them;
 * - a view, a Distributed table, a table whose rows live elsewhere
 *   (Merge, Buffer, Kafka, MySQL, URL…): its definition only, since
 *   reading it would store the rows of other tables a second time (or, for
 *   a queue, consume them);
 * - a dictionary created by DDL (ClickHouse 19.17 and later): its
 *   definition. ClickHouse 18.16 has no such dictionaries: its
 *   dictionaries live in the server's configuration, not in a database,
 *   and are no part of a database's backup.
 *
 * Only columns both ClickHouse 18.16 (Debian 12) and 24.8 have are read
 * unconditionally (system.tables: database, name, engine,
 * dependencies_table); what differs is asked for first in system.columns:
 * system.tables.uuid (the inner table of a materialized view in an Atomic
 * database, 20.x and later, is `.inner_id.UUID`, not `.inner.NAME`) and
 * system.dictionaries.database (DDL dictionaries).
 *
 * What an object refers to is found in its CREATE statement: the names of
 * the other objects of the database it holds as identifiers or strings
 * (`FROM src`, `TO db.tgt`, `Distributed('cluster', 'db', 'src')`). A
 * column named like a table adds a needless order constraint, never a
 * missed one; an object of another database is not followed.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "upg-clickhouse-catalog-private.h"

static const char * const kind_names[] = {
  "table", "dictionary", "materialized-view", "view", "distributed", "external",
};

/* Engines whose rows are not the table's own. */
static const char * const external_engines[] = {
  "Merge", "Buffer", "Null", "Kafka", "RabbitMQ", "NATS", "MySQL", "PostgreSQL", "MongoDB", "ODBC", "JDBC",
  "URL", "S3", "S3Queue", "HDFS", "AzureBlobStorage", "AzureQueue", "SQLite", "Redis", "Hive", "DeltaLake",
  "Hudi", "Iceberg", "ExternalDistributed", "GenerateRandom", "Executable", "ExecutablePool", "Dictionary",
  NULL
};

void
upg_ch_object_free (UpgChObject *object)
{
  if (object == NULL)
    return;
  g_free (object->name);
  g_free (object->create);
  g_free (object->rows_from);
  g_clear_pointer (&object->needs, g_ptr_array_unref);
  g_free (object);
}

const char *
upg_ch_object_kind_to_string (UpgChObjectKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), NULL);
  return kind_names[kind];
}

gboolean
upg_ch_object_kind_from_string (const char      *text,
                                UpgChObjectKind *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_str_equal (text, kind_names[i]))
      {
        *kind = (UpgChObjectKind) i;
        return TRUE;
      }
  return FALSE;
}

/* What an operator reads for a kind of the journal (@kind as stored). */
const char *
upg_ch_object_kind_label (const char *kind)
{
  static const char * const labels[] = {
    N_("table"), N_("dictionary"), N_("materialized view"), N_("view"), N_("distributed"), N_("external"),
  };
  UpgChObjectKind k;

  G_STATIC_ASSERT (G_N_ELEMENTS (labels) == G_N_ELEMENTS (kind_names));
  return upg_ch_object_kind_from_string (kind, &k) ? _(labels[k]) : kind;
}

/* `name`, a ClickHouse identifier. */
char *
upg_clickhouse_quote_name (const char *name)
{
  GString *out = g_string_new ("`");

  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == '`' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '`');
  return g_string_free (out, FALSE);
}

char *
upg_ch_object_drop_sql (const UpgChObject *object)
{
  g_autofree char *quoted = upg_clickhouse_quote_name (object->name);

  return g_strdup_printf (object->kind == UPG_CH_OBJECT_DICTIONARY ? "DROP DICTIONARY IF EXISTS %s"
                                                                   : "DROP TABLE IF EXISTS %s", quoted);
}

/* The first column of each row of @sql. */
static GStrv
query_column (UpgConnection  *connection,
              const char     *sql,
              const char    **params,
              GCancellable   *cancellable,
              GError        **error)
{
  g_autoptr(UpgRows) rows = upg_connection_query (connection, sql, params, cancellable, error);
  g_autoptr(GStrvBuilder) values = g_strv_builder_new ();

  if (rows == NULL)
    return NULL;
  for (guint i = 0; i < upg_rows_get_n_rows (rows); i++)
    g_strv_builder_add (values, upg_rows_get_value (rows, i, 0));
  return g_strv_builder_end (values);
}

/* Whether the server's system.@table has @column (the versions differ). */
static gboolean
has_column (UpgConnection  *connection,
            const char     *table,
            const char     *column,
            gboolean       *found,
            GCancellable   *cancellable,
            GError        **error)
{
  const char *params[] = { table, column, NULL };
  g_auto(GStrv) n = query_column (connection, "SELECT count() FROM system.columns WHERE database = 'system'"
                                  " AND table = ? AND name = ?", params, cancellable, error);

  if (n == NULL)
    return FALSE;
  *found = n[0] != NULL && g_strcmp0 (n[0], "0") != 0;
  return TRUE;
}

/* The end of the quoted text starting at @p (on the quote); its content,
 * unescaped, in @out. */
static const char *
read_quoted (const char *p,
             GString    *out)
{
  char quote = *p++;

  g_string_truncate (out, 0);
  for (; *p != '\0'; p++)
    {
      if (*p == '\\' && p[1] != '\0')
        g_string_append_c (out, *++p);
      else if (*p == quote && p[1] == quote)
        g_string_append_c (out, *p++);
      else if (*p == quote)
        return p + 1;
      else
        g_string_append_c (out, *p);
    }
  return p;
}

/*
 * upg_clickhouse_catalog_needs:
 * @create: an object's CREATE statement
 * @self: its name
 * @database: the database it is in
 * @objects: (element-type utf8 utf8): the names of the database's objects (a set)
 *
 * Returns: (transfer full) (element-type utf8): the names of @objects
 *   that @create refers to, but @self (`other_db.name` is none of them)
 */
GPtrArray *
upg_clickhouse_catalog_needs (const char *create,
                              const char *self,
                              const char *database,
                              GHashTable *objects)
{
  GPtrArray *needs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) token = g_string_new (NULL);
  g_autofree char *qualifier = NULL;
  const char *p = create;

  while (*p != '\0')
    {
      gboolean qualified;

      if (*p == '`' || *p == '"' || *p == '\'')
        p = read_quoted (p, token);
      else if (g_ascii_isalpha (*p) || *p == '_')
        {
          g_string_truncate (token, 0);
          while (g_ascii_isalnum (*p) || *p == '_')
            g_string_append_c (token, *p++);
        }
      else
        {
          if (!g_ascii_isspace (*p))
            g_clear_pointer (&qualifier, g_free);
          p++;
          continue;
        }
      qualified = qualifier != NULL;
      if (*p == '.')
        {
          /* `db.name`: the next token is qualified by this one. */
          g_free (qualifier);
          qualifier = g_strdup (token->str);
          p++;
          continue;
        }
      if ((!qualified || g_str_equal (qualifier, database)) && !g_str_equal (token->str, self) &&
          g_hash_table_contains (objects, token->str) &&
          !g_ptr_array_find_with_equal_func (needs, token->str, g_str_equal, NULL))
        g_ptr_array_add (needs, g_strdup (token->str));
      g_clear_pointer (&qualifier, g_free);
    }
  return needs;
}

static gboolean
is_inner (const char *name)
{
  return g_str_has_prefix (name, ".inner.") || g_str_has_prefix (name, ".inner_id.");
}

/* The kind of an object of @engine (system.tables.engine); @ddl_dictionary:
 * it is a dictionary created by DDL (a Dictionary table otherwise). */
UpgChObjectKind
upg_ch_object_kind_for_engine (const char *engine,
                               gboolean    ddl_dictionary)
{
  if (ddl_dictionary)
    return UPG_CH_OBJECT_DICTIONARY;
  if (g_str_equal (engine, "View") || g_str_equal (engine, "LiveView") || g_str_equal (engine, "WindowView"))
    return UPG_CH_OBJECT_VIEW;
  if (g_str_equal (engine, "MaterializedView"))
    return UPG_CH_OBJECT_MATERIALIZED_VIEW;
  if (g_str_equal (engine, "Distributed"))
    return UPG_CH_OBJECT_DISTRIBUTED;
  if (g_strv_contains (external_engines, engine))
    return UPG_CH_OBJECT_EXTERNAL;
  return UPG_CH_OBJECT_TABLE;
}

/* The inner table of materialized view @name (@uuid: its uuid, NULL
 * when the server has none or it is nil), among @all (a set of the
 * database's names): `.inner_id.UUID` (Atomic databases) or
 * `.inner.NAME` (Ordinary ones, and every 18.16 database); NULL when it
 * writes TO a table of its own. */
char *
upg_clickhouse_catalog_inner_table (const char *name,
                                    const char *uuid,
                                    GHashTable *all)
{
  g_autofree char *by_uuid = uuid != NULL ? g_strconcat (".inner_id.", uuid, NULL) : NULL;
  g_autofree char *by_name = g_strconcat (".inner.", name, NULL);

  if (by_uuid != NULL && g_hash_table_contains (all, by_uuid))
    return g_steal_pointer (&by_uuid);
  if (g_hash_table_contains (all, by_name))
    return g_steal_pointer (&by_name);
  return NULL;
}

/* toString(uuid) of an object without one (an Ordinary database's) is
 * the nil UUID. */
static const char *
uuid_or_null (const char *uuid)
{
  if (uuid == NULL || *uuid == '\0' || g_str_equal (uuid, "00000000-0000-0000-0000-000000000000"))
    return NULL;
  return uuid;
}

static char *
show_create (UpgConnection    *connection,
             const char       *name,
             UpgChObjectKind   kind,
             GCancellable     *cancellable,
             GError          **error)
{
  g_autofree char *quoted = upg_clickhouse_quote_name (name);
  g_autofree char *sql = g_strdup_printf (kind == UPG_CH_OBJECT_DICTIONARY ? "SHOW CREATE DICTIONARY %s"
                                                                           : "SHOW CREATE TABLE %s", quoted);
  g_auto(GStrv) create = query_column (connection, sql, NULL, cancellable, error);

  if (create == NULL)
    return NULL;
  if (create[0] == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_SQL, _("ClickHouse data source '%s': no CREATE statement for table %s"),
                   upg_connection_get_name (connection), name);
      return NULL;
    }
  return g_strdup (create[0]);
}

/*
 * upg_clickhouse_catalog_list:
 * @only: (nullable) (array zero-terminated=1): the objects wanted, or
 *   %NULL for all of the database's
 *
 * Returns: (transfer full) (element-type UpgChObject): the objects, in
 *   the order a restore creates them (upg_clickhouse_catalog_order()),
 *   or %NULL on error
 */
GPtrArray *
upg_clickhouse_catalog_list (UpgConnection       *connection,
                             const char * const  *only,
                             GCancellable        *cancellable,
                             GError             **error)
{
  g_autoptr(GPtrArray) objects = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_ch_object_free);
  g_autoptr(GHashTable) all = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(UpgRows) rows = NULL;
  g_auto(GStrv) database = NULL, dictionaries = NULL;
  gboolean with_uuid = FALSE, with_ddl_dictionaries = FALSE;

  if (!has_column (connection, "tables", "uuid", &with_uuid, cancellable, error) ||
      !has_column (connection, "dictionaries", "database", &with_ddl_dictionaries, cancellable, error) ||
      (database = query_column (connection, "SELECT currentDatabase()", NULL, cancellable, error)) == NULL)
    return NULL;
  if (with_ddl_dictionaries &&
      (dictionaries = query_column (connection, "SELECT name FROM system.dictionaries"
                                    " WHERE database = currentDatabase()", NULL, cancellable, error)) == NULL)
    return NULL;
  rows = upg_connection_query (connection,
                               with_uuid ? "SELECT name, engine, toString(uuid) FROM system.tables"
                                           " WHERE database = currentDatabase() ORDER BY name"
                                         : "SELECT name, engine, '' FROM system.tables"
                                           " WHERE database = currentDatabase() ORDER BY name",
                               NULL, cancellable, error);
  if (rows == NULL)
    return NULL;
  for (guint i = 0; i < upg_rows_get_n_rows (rows); i++)
    {
      const char *name = upg_rows_get_value (rows, i, 0);

      g_hash_table_insert (all, g_strdup (name), g_strdup (upg_rows_get_value (rows, i, 2)));
      if (!is_inner (name))
        g_hash_table_add (names, (gpointer) name);
    }
  for (guint i = 0; only != NULL && only[i] != NULL; i++)
    if (!g_hash_table_contains (names, only[i]))
      {
        g_set_error (error, UPG_ERROR, UPG_ERROR_SQL,
                     _("ClickHouse data source '%s': no CREATE statement for table %s"),
                     upg_connection_get_name (connection), only[i]);
        return NULL;
      }
  for (guint i = 0; i < upg_rows_get_n_rows (rows); i++)
    {
      const char *name = upg_rows_get_value (rows, i, 0);
      const char *uuid = upg_rows_get_value (rows, i, 2);
      g_autoptr(UpgChObject) object = NULL;

      if (is_inner (name) || (only != NULL && !g_strv_contains (only, name)))
        continue;
      object = g_new0 (UpgChObject, 1);
      object->name = g_strdup (name);
      object->kind = upg_ch_object_kind_for_engine (upg_rows_get_value (rows, i, 1),
                              dictionaries != NULL && g_strv_contains ((const char * const *) dictionaries, name));
      object->create = show_create (connection, name, object->kind, cancellable, error);
      if (object->create == NULL)
        return NULL;
      if (object->kind == UPG_CH_OBJECT_TABLE)
        {
          object->rows_from = g_strdup (name);
          object->needs = g_ptr_array_new_with_free_func (g_free);
        }
      else
        {
          if (object->kind == UPG_CH_OBJECT_MATERIALIZED_VIEW)
            object->rows_from = upg_clickhouse_catalog_inner_table (name, uuid_or_null (uuid), all);
          object->needs = upg_clickhouse_catalog_needs (object->create, name, database[0], names);
        }
      g_ptr_array_add (objects, g_steal_pointer (&object));
    }
  upg_clickhouse_catalog_order (objects);
  return g_steal_pointer (&objects);
}

static gint
by_rank_then_name (gconstpointer a,
                   gconstpointer b)
{
  const UpgChObject *x = *(UpgChObject * const *) a, *y = *(UpgChObject * const *) b;

  if (x->kind != y->kind)
    return (gint) x->kind - (gint) y->kind;
  return strcmp (x->name, y->name);
}

static gboolean
needs_pending (const UpgChObject *object,
               GPtrArray         *pending)
{
  for (guint i = 0; i < object->needs->len; i++)
    for (guint j = 0; j < pending->len; j++)
      if (pending->pdata[j] != object &&
          g_str_equal (((UpgChObject *) pending->pdata[j])->name, object->needs->pdata[i]))
        return TRUE;
  return FALSE;
}

/*
 * upg_clickhouse_catalog_order:
 * @objects: (element-type UpgChObject): objects of one database
 *
 * Sorts @objects into an order the server accepts them in: the tables
 * first (a view or a materialized view cannot be created before the
 * tables it reads; rows restored into a table before its materialized
 * views exist are not fed to them a second time), then every object
 * after those of @objects it refers to, kinds in the enum's order. A
 * cycle (which the server would not have accepted) keeps that order.
 */
void
upg_clickhouse_catalog_order (GPtrArray *objects)
{
  g_autoptr(GPtrArray) pending = g_ptr_array_new ();
  gpointer *items;
  gsize n = 0;

  g_ptr_array_sort (objects, by_rank_then_name);
  /* Taken out without being freed; put back one by one. */
  items = g_ptr_array_steal (objects, &n);
  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (pending, items[i]);
  g_free (items);
  while (pending->len > 0)
    {
      guint next = 0;

      for (guint i = 0; i < pending->len; i++)
        if (!needs_pending (pending->pdata[i], pending))
          {
            next = i;
            break;
          }
      g_ptr_array_add (objects, pending->pdata[next]);
      g_ptr_array_remove_index (pending, next);
    }
}

/* The names of the objects of the database now (inner tables included). */
GHashTable *
upg_clickhouse_catalog_names (UpgConnection  *connection,
                              GCancellable   *cancellable,
                              GError        **error)
{
  g_auto(GStrv) names = query_column (connection, "SELECT name FROM system.tables WHERE database = currentDatabase()",
                                      NULL, cancellable, error);
  GHashTable *set;

  if (names == NULL)
    return NULL;
  set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; names[i] != NULL; i++)
    g_hash_table_add (set, g_strdup (names[i]));
  return set;
}

/*
 * upg_clickhouse_catalog_feeds:
 *
 * The materialized views an INSERT into @table feeds. The server keeps
 * them by name: a table dropped and created again still feeds them.
 *
 * Returns: (transfer full): their names (empty when none), %NULL on error
 */
GStrv
upg_clickhouse_catalog_feeds (UpgConnection  *connection,
                              const char     *table,
                              GCancellable   *cancellable,
                              GError        **error)
{
  const char *params[] = { table, NULL };

  return query_column (connection, "SELECT arrayJoin(dependencies_table) FROM system.tables"
                       " WHERE database = currentDatabase() AND name = ?", params, cancellable, error);
}

/*
 * upg_clickhouse_catalog_count:
 *
 * The rows of @table now (`SELECT count()`). Rows dumped in the Native
 * format cannot be counted without parsing each column's data: a backup
 * counts them on the server, before and after the dump, and a restore
 * once they are back.
 *
 * Returns: their number, or -1 on error
 */
gint64
upg_clickhouse_catalog_count (UpgConnection  *connection,
                              const char     *table,
                              GCancellable   *cancellable,
                              GError        **error)
{
  g_autofree char *quoted = upg_clickhouse_quote_name (table);
  g_autofree char *sql = g_strdup_printf ("SELECT count() FROM %s", quoted);
  g_auto(GStrv) values = query_column (connection, sql, NULL, cancellable, error);
  const char *end = NULL;
  gint64 n;

  if (values == NULL)
    return -1;
  n = values[0] != NULL ? g_ascii_strtoll (values[0], (char **) &end, 10) : -1;
  if (values[0] == NULL || end == values[0] || *end != '\0' || n < 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("ClickHouse data source '%s': SELECT count() of table %s gave \"%s\", not a number of rows"),
                   upg_connection_get_name (connection), table, values[0] != NULL ? values[0] : "");
      return -1;
    }
  return n;
}
