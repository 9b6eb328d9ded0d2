/* real-schema-dump.c - a database's schema and data as comparable text
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Two databases that had the same scripts applied, one through the engine
 * and one through the native client, must give identical dumps. A dump is
 * one line per catalogue row, "section|value|value…", in a fixed order:
 *
 * - MariaDB: information_schema tables, columns (type, default,
 *   nullability, charset, collation, key, extra, comment, generation),
 *   statistics (every index column), routines with their bodies and the
 *   session settings they were created under, parameters, triggers, views,
 *   key column usage, referential and check constraints, events (schedule,
 *   body, status), then SHOW CREATE TABLE/VIEW of every table and view and
 *   SHOW CREATE PROCEDURE/FUNCTION/TRIGGER/EVENT of every routine, trigger
 *   and event (the server's own text: DEFINER, characteristics, body,
 *   session settings; not a trigger's creation time).
 * - PostgreSQL: pg_class relations with owner and options, columns,
 *   pg_indexes.indexdef, pg_constraint definitions, pg_get_functiondef of
 *   every function and procedure, pg_get_triggerdef, pg_sequences (with
 *   last_value), views, enum labels, comments (COMMENT ON) of every
 *   relation, column, function, type and constraint.
 * - SQLite: sqlite_schema (type, name, table, SQL text).
 *
 * Then, for every base table, its row count and all its rows, ordered by
 * every column (MariaDB binary columns in hex, so that bytes after a 0x00
 * count). A date/time value from the last day is replaced by
 * "<now>": the scripts write NOW(), which differs between the two runs by
 * construction; every other value, older dates included, is compared
 * exactly.
 */
#include "config.h"

#include <string.h>

#include "real-schema-dump.h"

#define NUL_TEXT "\\N"

static UpgRows *
query (UpgConnection      *connection,
       const char         *sql,
       const char * const *params)
{
  g_autoptr(GError) error = NULL;
  UpgRows *rows = upg_connection_query (connection, sql, (const char **) params, NULL, &error);

  if (rows == NULL)
    g_error ("dump query failed: %s\n%s", error->message, sql);
  return rows;
}

/* Every row as "section|value|…"; but the column named @skip, if any. */
static void
append_rows_but (GString    *out,
                 const char *section,
                 UpgRows    *rows,
                 const char *skip)
{
  for (guint r = 0; r < upg_rows_get_n_rows (rows); r++)
    {
      g_string_append (out, section);
      for (guint c = 0; c < upg_rows_get_n_columns (rows); c++)
        {
          const char *value = upg_rows_get_value (rows, r, c);

          if (skip != NULL && g_strcmp0 (upg_rows_get_column_name (rows, c), skip) == 0)
            continue;
          g_string_append_c (out, '|');
          g_string_append (out, value != NULL ? value : NUL_TEXT);
        }
      g_string_append_c (out, '\n');
    }
}

static void
append_rows (GString    *out,
             const char *section,
             UpgRows    *rows)
{
  append_rows_but (out, section, rows, NULL);
}

static void
dump_section (UpgConnection      *connection,
              GString            *out,
              const char         *section,
              const char         *sql,
              const char * const *params)
{
  g_autoptr(UpgRows) rows = query (connection, sql, params);

  append_rows (out, section, rows);
}

/* A catalogue query per section; `?` is the database (MariaDB only). */
typedef struct {
  const char *section;
  const char *sql;
} Section;

#define NOT_MARKER(column) " AND " column " NOT LIKE '" REAL_MARKER_TABLE "%'" \
                           " AND " column " NOT LIKE '" REAL_TARGET_LOCK_TABLE "%'" \
                           " AND " column " NOT LIKE '" REAL_INTENT_TABLE "%'"

static const Section mariadb_sections[] = {
  { "table", "SELECT table_name, table_type, engine, row_format, table_collation, create_options,"
             " table_comment FROM information_schema.tables WHERE table_schema = ?"
             NOT_MARKER ("table_name") " ORDER BY table_name" },
  { "column", "SELECT table_name, ordinal_position, column_name, column_type, column_default,"
              " is_nullable, character_set_name, collation_name, column_key, extra, column_comment,"
              " is_generated, generation_expression FROM information_schema.columns"
              " WHERE table_schema = ?" NOT_MARKER ("table_name")
              " ORDER BY table_name, ordinal_position" },
  { "index", "SELECT table_name, index_name, seq_in_index, non_unique, column_name, collation,"
             " sub_part, nullable, index_type, index_comment FROM information_schema.statistics"
             " WHERE table_schema = ?" NOT_MARKER ("table_name")
             " ORDER BY table_name, index_name, seq_in_index" },
  { "routine", "SELECT routine_type, routine_name, data_type, dtd_identifier, routine_body,"
               " routine_definition, is_deterministic, sql_data_access, security_type, sql_mode,"
               " routine_comment, character_set_client, collation_connection, database_collation"
               " FROM information_schema.routines WHERE routine_schema = ?"
               " ORDER BY routine_type, routine_name" },
  { "parameter", "SELECT specific_name, routine_type, ordinal_position, parameter_mode,"
                 " parameter_name, dtd_identifier FROM information_schema.parameters"
                 " WHERE specific_schema = ? ORDER BY specific_name, routine_type, ordinal_position" },
  { "trigger", "SELECT trigger_name, event_manipulation, event_object_table, action_order,"
               " action_statement, action_timing, sql_mode, character_set_client,"
               " collation_connection, database_collation FROM information_schema.triggers"
               " WHERE trigger_schema = ? ORDER BY trigger_name" },
  { "view", "SELECT table_name, view_definition, check_option, is_updatable, security_type,"
            " character_set_client, collation_connection FROM information_schema.views"
            " WHERE table_schema = ? ORDER BY table_name" },
  { "key", "SELECT table_name, constraint_name, ordinal_position, column_name,"
           " referenced_table_name, referenced_column_name FROM information_schema.key_column_usage"
           " WHERE table_schema = ?" NOT_MARKER ("table_name")
           " ORDER BY table_name, constraint_name, ordinal_position" },
  { "foreign", "SELECT table_name, constraint_name, unique_constraint_name, match_option,"
               " update_rule, delete_rule, referenced_table_name"
               " FROM information_schema.referential_constraints WHERE constraint_schema = ?"
               " ORDER BY table_name, constraint_name" },
  { "check", "SELECT table_name, constraint_name, level, check_clause"
             " FROM information_schema.check_constraints WHERE constraint_schema = ?"
             " ORDER BY table_name, constraint_name" },
  /* Not created/last_altered: when, not what. */
  { "event", "SELECT event_name, definer, time_zone, event_body, event_definition, event_type,"
             " execute_at, interval_value, interval_field, sql_mode, starts, ends, status,"
             " on_completion, event_comment, originator, character_set_client,"
             " collation_connection, database_collation FROM information_schema.events"
             " WHERE event_schema = ? ORDER BY event_name" },
  { NULL, NULL }
};

/* MariaDB: what SHOW CREATE shows for each kind of object, listed by a
 * query whose `?` is the database. */
static const Section mariadb_creates[] = {
  { "TABLE", "SELECT table_name FROM information_schema.tables WHERE table_schema = ?"
             NOT_MARKER ("table_name") " ORDER BY table_name" },
  { "PROCEDURE", "SELECT routine_name FROM information_schema.routines WHERE routine_schema = ?"
                 " AND routine_type = 'PROCEDURE' ORDER BY routine_name" },
  { "FUNCTION", "SELECT routine_name FROM information_schema.routines WHERE routine_schema = ?"
                " AND routine_type = 'FUNCTION' ORDER BY routine_name" },
  { "TRIGGER", "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = ?"
               " ORDER BY trigger_name" },
  { "EVENT", "SELECT event_name FROM information_schema.events WHERE event_schema = ?"
             " ORDER BY event_name" },
  { NULL, NULL }
};

#define PG_PUBLIC "'public'::regnamespace"

static const Section postgresql_sections[] = {
  { "relation", "SELECT c.relname, c.relkind, c.relpersistence, pg_get_userbyid(c.relowner),"
                " array_to_string(c.reloptions, ',') FROM pg_class c"
                " WHERE c.relnamespace = " PG_PUBLIC NOT_MARKER ("c.relname") " ORDER BY c.relname" },
  { "column", "SELECT table_name, ordinal_position, column_name, data_type, udt_name,"
              " character_maximum_length, numeric_precision, numeric_scale, datetime_precision,"
              " column_default, is_nullable, collation_name, is_identity, identity_generation,"
              " is_generated, generation_expression FROM information_schema.columns"
              " WHERE table_schema = 'public'" NOT_MARKER ("table_name")
              " ORDER BY table_name, ordinal_position" },
  { "index", "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
             NOT_MARKER ("tablename") " ORDER BY tablename, indexname" },
  { "constraint", "SELECT conrelid::regclass::text, conname, contype, condeferrable, condeferred,"
                  " pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = " PG_PUBLIC
                  NOT_MARKER ("conrelid::regclass::text") " ORDER BY 1, 2" },
  { "function", "SELECT p.proname, pg_get_function_identity_arguments(p.oid), p.prokind,"
                " pg_get_userbyid(p.proowner), pg_get_functiondef(p.oid) FROM pg_proc p"
                " WHERE p.pronamespace = " PG_PUBLIC " AND p.prokind IN ('f', 'p')"
                " ORDER BY 1, 2" },
  { "trigger", "SELECT t.tgrelid::regclass::text, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid)"
               " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
               " WHERE NOT t.tgisinternal AND c.relnamespace = " PG_PUBLIC " ORDER BY 1, 2" },
  { "sequence", "SELECT sequencename, data_type, start_value, min_value, max_value, increment_by,"
                " cycle, cache_size, last_value FROM pg_sequences WHERE schemaname = 'public'"
                NOT_MARKER ("sequencename") " ORDER BY sequencename" },
  { "view", "SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY 1" },
  { "enum", "SELECT t.typname, e.enumsortorder, e.enumlabel FROM pg_enum e"
            " JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typnamespace = " PG_PUBLIC
            " ORDER BY 1, 2" },
  /* COMMENT ON: of relations and their columns, functions, types and
   * constraints of the schema. */
  { "comment", "SELECT * FROM (SELECT d.classoid::regclass::text AS catalog, CASE d.classoid"
               "  WHEN 'pg_class'::regclass THEN (SELECT relname FROM pg_class WHERE oid = d.objoid"
               "   AND relnamespace = " PG_PUBLIC ")"
               "  WHEN 'pg_proc'::regclass THEN (SELECT proname || '(' || pg_get_function_identity_arguments(oid)"
               "   || ')' FROM pg_proc WHERE oid = d.objoid AND pronamespace = " PG_PUBLIC ")"
               "  WHEN 'pg_type'::regclass THEN (SELECT typname FROM pg_type WHERE oid = d.objoid"
               "   AND typnamespace = " PG_PUBLIC ")"
               "  WHEN 'pg_constraint'::regclass THEN (SELECT conname FROM pg_constraint"
               "   WHERE oid = d.objoid AND connamespace = " PG_PUBLIC ") END AS name,"
               " d.objsubid, d.description FROM pg_description d"
               " WHERE d.classoid IN ('pg_class'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass,"
               "  'pg_constraint'::regclass)) c WHERE name IS NOT NULL"
               " ORDER BY 1, 2, 3" },
  { NULL, NULL }
};

static const Section sqlite_sections[] = {
  { "schema", "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE 1 = 1"
              NOT_MARKER ("name") NOT_MARKER ("tbl_name") " ORDER BY type, name" },
  { NULL, NULL }
};

/* Base tables with their columns: (table, column, data type) rows in
 * table then column order. */
static UpgRows *
table_columns (UpgConnection      *connection,
               const char * const *params)
{
  switch (upg_connection_get_dialect (connection))
    {
    case UPG_DIALECT_MYSQL:
      return query (connection,
                    "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c"
                    " JOIN information_schema.tables t ON t.table_schema = c.table_schema"
                    "  AND t.table_name = c.table_name"
                    " WHERE c.table_schema = ? AND t.table_type = 'BASE TABLE'" NOT_MARKER ("c.table_name")
                    " ORDER BY c.table_name, c.ordinal_position", params);
    case UPG_DIALECT_POSTGRESQL:
      return query (connection,
                    "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c"
                    " JOIN information_schema.tables t ON t.table_schema = c.table_schema"
                    "  AND t.table_name = c.table_name"
                    " WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
                    NOT_MARKER ("c.table_name") " ORDER BY c.table_name, c.ordinal_position", NULL);
    default:
      return query (connection,
                    "SELECT m.name, p.name, p.type FROM sqlite_schema m, pragma_table_info(m.name) p"
                    " WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'" NOT_MARKER ("m.name")
                    " ORDER BY m.name, p.cid", NULL);
    }
}

/* MariaDB types whose values are bytes: compared in hex. */
static gboolean
is_binary (UpgDialect  dialect,
           const char *type)
{
  g_autofree char *lower = g_ascii_strdown (type, -1);

  return dialect == UPG_DIALECT_MYSQL && (strstr (lower, "blob") != NULL || strstr (lower, "binary") != NULL);
}

/* Types whose values NOW() may have written. */
static gboolean
is_temporal (const char *type)
{
  g_autofree char *lower = g_ascii_strdown (type, -1);

  return strstr (lower, "date") != NULL || strstr (lower, "timestamp") != NULL;
}

/* @quoted if it is older than a day, else "<now>". */
static char *
mask_recent (UpgDialect  dialect,
             const char *quoted)
{
  switch (dialect)
    {
    case UPG_DIALECT_MYSQL:
      return g_strdup_printf ("CASE WHEN %s >= NOW() - INTERVAL 1 DAY THEN '<now>' ELSE %s END", quoted, quoted);
    case UPG_DIALECT_POSTGRESQL:
      return g_strdup_printf ("CASE WHEN %s >= now() - interval '1 day' THEN '<now>' ELSE %s::text END",
                              quoted, quoted);
    default:
      return g_strdup_printf ("CASE WHEN %s >= datetime('now', '-1 day') THEN '<now>' ELSE %s END",
                              quoted, quoted);
    }
}

static char *
quote_identifier (UpgDialect  dialect,
                  const char *name)
{
  if (dialect == UPG_DIALECT_MYSQL)
    return g_strdup_printf ("`%s`", name);
  return g_strdup_printf ("\"%s\"", name);
}

/* One select-list item: the column as text, recent times masked. */
static void
append_select_item (GString    *select,
                    UpgDialect  dialect,
                    const char *column,
                    const char *type)
{
  g_autofree char *quoted = quote_identifier (dialect, column);
  /* PostgreSQL: as text, so that every type (json, xml…) can be ordered. */
  g_autofree char *value = dialect == UPG_DIALECT_POSTGRESQL ? g_strdup_printf ("%s::text", quoted)
                           : is_binary (dialect, type) ? g_strdup_printf ("HEX(%s)", quoted)
                           : g_strdup (quoted);

  if (select->len > 0)
    g_string_append (select, ", ");
  if (is_temporal (type))
    {
      g_autofree char *masked = mask_recent (dialect, quoted);

      g_string_append (select, masked);
    }
  else
    g_string_append (select, value);
}

static void
dump_table_rows (UpgConnection *connection,
                 GString       *out,
                 const char    *table,
                 const char    *select,
                 guint          n_columns)
{
  UpgDialect dialect = upg_connection_get_dialect (connection);
  g_autofree char *quoted = quote_identifier (dialect, table);
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autofree char *section = g_strdup_printf ("row|%s", table);
  g_autoptr(UpgRows) rows = NULL;

  g_string_printf (sql, "SELECT %s FROM %s ORDER BY ", select, quoted);
  for (guint i = 1; i <= n_columns; i++)
    g_string_append_printf (sql, i > 1 ? ", %u" : "%u", i);
  rows = query (connection, sql->str, NULL);
  g_string_append_printf (out, "count|%s|%u\n", table, upg_rows_get_n_rows (rows));
  append_rows (out, section, rows);
}

static void
dump_rows (UpgConnection      *connection,
           GString            *out,
           const char * const *params)
{
  UpgDialect dialect = upg_connection_get_dialect (connection);
  g_autoptr(UpgRows) columns = table_columns (connection, params);
  guint n = upg_rows_get_n_rows (columns);
  g_autoptr(GString) select = g_string_new (NULL);
  guint n_columns = 0;

  for (guint r = 0; r < n; r++)
    {
      const char *table = upg_rows_get_value (columns, r, 0);

      append_select_item (select, dialect, upg_rows_get_value (columns, r, 1),
                          upg_rows_get_value (columns, r, 2));
      n_columns++;
      if (r + 1 == n || g_strcmp0 (table, upg_rows_get_value (columns, r + 1, 0)) != 0)
        {
          dump_table_rows (connection, out, table, select->str, n_columns);
          g_string_truncate (select, 0);
          n_columns = 0;
        }
    }
}

/* MariaDB: SHOW CREATE of every table, view, routine, trigger and event,
 * the server's own word. */
static void
dump_create_statements (UpgConnection      *connection,
                        GString            *out,
                        const char * const *params)
{
  for (const Section *kind = mariadb_creates; kind->section != NULL; kind++)
    {
      g_autoptr(UpgRows) names = query (connection, kind->sql, params);
      g_autofree char *lower = g_ascii_strdown (kind->section, -1);
      /* "create" for tables and views, as before; "showprocedure" … */
      g_autofree char *section = kind == mariadb_creates ? g_strdup ("create")
                                                         : g_strconcat ("show", lower, NULL);

      for (guint r = 0; r < upg_rows_get_n_rows (names); r++)
        {
          g_autofree char *quoted = quote_identifier (UPG_DIALECT_MYSQL, upg_rows_get_value (names, r, 0));
          g_autofree char *sql = g_strdup_printf ("SHOW CREATE %s %s", kind->section, quoted);
          g_autoptr(UpgRows) rows = query (connection, sql, NULL);

          /* A trigger's "Created" time differs by construction. */
          append_rows_but (out, section, rows, "Created");
        }
    }
}

/**
 * real_schema_dump:
 * @connection: a MariaDB, PostgreSQL or SQLite connection
 * @database: the database's name, replaced by `@DB@` in the dump
 *
 * Returns: (transfer full): the dump (see the top of this file)
 */
char *
real_schema_dump (UpgConnection *connection,
                  const char    *database)
{
  UpgDialect dialect = upg_connection_get_dialect (connection);
  const char *params[] = { database, NULL };
  const Section *sections = dialect == UPG_DIALECT_MYSQL ? mariadb_sections
                            : dialect == UPG_DIALECT_POSTGRESQL ? postgresql_sections
                            : sqlite_sections;
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_true (dialect == UPG_DIALECT_MYSQL || dialect == UPG_DIALECT_POSTGRESQL
                 || dialect == UPG_DIALECT_SQLITE);
  for (const Section *s = sections; s->section != NULL; s++)
    dump_section (connection, out, s->section, s->sql, dialect == UPG_DIALECT_MYSQL ? params : NULL);
  if (dialect == UPG_DIALECT_MYSQL)
    dump_create_statements (connection, out, params);
  dump_rows (connection, out, params);

  if (database != NULL && *database != '\0')
    g_string_replace (out, database, "@DB@", 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}
