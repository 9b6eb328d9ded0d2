/* upg-db-dump.c - consistent dumps of a data source, with the engine's tools
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * MariaDB/MySQL: `mariadb-dump --single-transaction` (one consistent
 * snapshot of InnoDB tables without locking them), PostgreSQL: `pg_dump`
 * (always one snapshot), both as plain SQL streamed through
 * GZlibCompressor into the file, so that the matching client (`mariadb`,
 * `psql`) restores it and a person can read it with zcat. SQLite: the
 * online backup API into a copy, then gzip (upg-db-dump-sqlite.c).
 * ClickHouse: each table's CREATE statement and rows through the HTTP
 * interface, into an archive of its own (upg-db-dump-clickhouse.c).
 *
 * The row counts come from the dump itself, not from a second query that
 * would see another snapshot while the service still writes (pre_stop):
 * the tuples of mariadb-dump's INSERT lines, the lines of pg_dump's COPY
 * blocks, COUNT(*) on the SQLite copy.
 *
 * Here rather than in exec/: dumping is what a data source's engine
 * does, like opening a connection; the backup runner (exec/runners/) and
 * `upgradectl restore` both use it.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include <fcntl.h>
#include <unistd.h>

#include "upg-db-dump-private.h"
#include "upg-db-tool-private.h"
#include "upg-path-private.h"

#define CHUNK_BYTES (64 * 1024)

void
upg_dump_result_clear (UpgDumpResult *result)
{
  g_clear_pointer (&result->sha256, g_free);
  g_clear_pointer (&result->row_counts, json_object_unref);
  g_clear_pointer (&result->objects, json_object_unref);
  result->size = 0;
}

/*
 * upg_db_dump_suffix:
 *
 * Returns: the file name suffix of a dump of @dialect
 */
const char *
upg_db_dump_suffix (UpgDialect dialect)
{
  if (dialect == UPG_DIALECT_CLICKHOUSE)
    return ".clickhouse.gz";
  return dialect == UPG_DIALECT_SQLITE ? ".sqlite.gz" : ".sql.gz";
}

/* ---- row counts from the dump text ------------------------------------ */

typedef struct
{
  UpgDialect  dialect;
  JsonObject *counts;
  GString    *line;
  char       *copy_table;   /* PostgreSQL: inside this table's COPY block */
  char       *insert_table; /* MariaDB: inside this table's INSERT (rows on lines of their own) */
} RowCounter;

static void
add_rows (RowCounter *c,
          const char *table,
          gint64      rows)
{
  gint64 before = json_object_has_member (c->counts, table) ? json_object_get_int_member (c->counts, table) : 0;

  json_object_set_int_member (c->counts, table, before + rows);
}

/* `name` (backquoted, `` for `) at @p; returns the unquoted name and
 * where it ends. */
static char *
read_backquoted (const char  *p,
                 const char **end)
{
  g_autoptr(GString) name = g_string_new (NULL);

  if (*p != '`')
    return NULL;
  for (p++; *p != '\0'; p++)
    {
      if (*p == '`' && p[1] == '`')
        p++;
      else if (*p == '`')
        break;
      g_string_append_c (name, *p);
    }
  *end = p;
  return g_string_free (g_steal_pointer (&name), FALSE);
}

/* The tuples of one `INSERT INTO `t` VALUES (…),(…);` line: parentheses
 * at depth 0, outside strings (mariadb-dump escapes with backslashes and
 * writes binary as 0x… with --hex-blob, so a tuple never spans lines). */
static gint64
count_tuples (const char *p)
{
  gboolean in_string = FALSE;
  int depth = 0;
  gint64 n = 0;

  for (; *p != '\0'; p++)
    {
      if (in_string)
        {
          if (*p == '\\' && p[1] != '\0')
            p++;
          else if (*p == '\'')
            in_string = FALSE;
        }
      else if (*p == '\'')
        in_string = TRUE;
      else if (*p == '(' && depth++ == 0)
        n++;
      else if (*p == ')')
        depth--;
    }
  return n;
}

/* mariadb-dump writes `INSERT INTO `t` VALUES (…),(…);` on one line, or
 * (MariaDB 11) `INSERT INTO `t` VALUES` then one row per line, the last
 * ending with ';'. */
static void
count_mysql_line (RowCounter *c,
                  const char *line)
{
  const char *end = NULL;
  g_autofree char *table = NULL;

  if (c->insert_table != NULL)
    {
      add_rows (c, c->insert_table, count_tuples (line));
      if (g_str_has_suffix (line, ";"))
        g_clear_pointer (&c->insert_table, g_free);
    }
  else if (g_str_has_prefix (line, "CREATE TABLE `"))
    {
      table = read_backquoted (line + strlen ("CREATE TABLE "), &end);
      if (table != NULL)
        add_rows (c, table, 0);
    }
  else if (g_str_has_prefix (line, "INSERT INTO `"))
    {
      const char *values;

      table = read_backquoted (line + strlen ("INSERT INTO "), &end);
      values = table != NULL ? strstr (end, " VALUES") : NULL;
      if (values == NULL)
        return;
      add_rows (c, table, count_tuples (values + strlen (" VALUES")));
      if (!g_str_has_suffix (line, ";"))
        c->insert_table = g_steal_pointer (&table);
    }
}

/* `public.orders` or `public."Orders"` → the table's own name. */
static char *
pg_table_name (const char *qualified)
{
  const char *p = qualified;
  g_autoptr(GString) name = g_string_new (NULL);
  gboolean quoted = FALSE;

  for (; *p != '\0'; p++)
    {
      if (*p == '"' && quoted && p[1] == '"')
        g_string_append_c (name, *++p);
      else if (*p == '"')
        quoted = !quoted;
      else if (*p == '.' && !quoted)
        g_string_truncate (name, 0);   /* what came before was the schema */
      else if ((*p == ' ' || *p == '(') && !quoted)
        break;
      else
        g_string_append_c (name, *p);
    }
  return g_string_free (g_steal_pointer (&name), FALSE);
}

static void
count_pg_line (RowCounter *c,
               const char *line)
{
  if (c->copy_table != NULL)
    {
      if (g_str_equal (line, "\\."))
        g_clear_pointer (&c->copy_table, g_free);
      else
        add_rows (c, c->copy_table, 1);
    }
  else if (g_str_has_prefix (line, "COPY ") && g_str_has_suffix (line, "FROM stdin;"))
    {
      c->copy_table = pg_table_name (line + strlen ("COPY "));
      add_rows (c, c->copy_table, 0);
    }
  else if (g_str_has_prefix (line, "CREATE TABLE "))
    {
      g_autofree char *table = pg_table_name (line + strlen ("CREATE TABLE "));

      add_rows (c, table, 0);
    }
}

static void
count_chunk (RowCounter *c,
             const char *data,
             gsize       length)
{
  for (gsize i = 0; i < length; i++)
    {
      if (data[i] != '\n')
        {
          g_string_append_c (c->line, data[i]);
          continue;
        }
      if (c->dialect == UPG_DIALECT_MYSQL)
        count_mysql_line (c, c->line->str);
      else
        count_pg_line (c, c->line->str);
      g_string_truncate (c->line, 0);
    }
}

/* ---- MariaDB and PostgreSQL ------------------------------------------ */

static UpgDbTool *
dump_tool (UpgDataSource       *source,
           const char * const  *tables,
           const char          *work_dir,
           const char * const  *secret_env,
           GError             **error)
{
  gboolean mysql = upg_data_source_get_dialect (source) == UPG_DIALECT_MYSQL;
  g_autoptr(UpgDbTool) tool = upg_db_tool_new (source, mysql ? "mariadb-dump" : "pg_dump", work_dir,
                                               secret_env, error);

  if (tool == NULL)
    return NULL;
  if (mysql)
    {
      /* One snapshot, no table locks; BLOBs as hex so that each row of
       * an INSERT stays on its line; utf8mb4 end to end. */
      upg_db_tool_add (tool, "--single-transaction");
      upg_db_tool_add (tool, "--hex-blob");
      upg_db_tool_add (tool, "--default-character-set=utf8mb4");
      upg_db_tool_add (tool, "--triggers");
      upg_db_tool_add (tool, "--no-tablespaces");
      if (tables == NULL)
        {
          upg_db_tool_add (tool, "--routines");
          upg_db_tool_add (tool, "--events");
        }
      upg_db_tool_add (tool, upg_data_source_get_database (source));
      for (guint i = 0; tables != NULL && tables[i] != NULL; i++)
        upg_db_tool_add (tool, tables[i]);
    }
  else
    {
      g_autofree char *dbname = g_strconcat ("--dbname=", upg_data_source_get_database (source), NULL);

      /* --clean --if-exists: restoring replaces what the dump holds;
       * --strict-names: a listed table that does not exist is an error. */
      upg_db_tool_add (tool, dbname);
      upg_db_tool_add (tool, "--format=plain");
      upg_db_tool_add (tool, "--encoding=UTF8");
      upg_db_tool_add (tool, "--clean");
      upg_db_tool_add (tool, "--if-exists");
      upg_db_tool_add (tool, "--no-owner");
      upg_db_tool_add (tool, "--strict-names");
      for (guint i = 0; tables != NULL && tables[i] != NULL; i++)
        {
          g_autofree char *quoted = upg_db_quote_pg_name (tables[i]);
          g_autofree char *arg = g_strconcat ("--table=", quoted, NULL);

          upg_db_tool_add (tool, arg);
        }
    }
  return g_steal_pointer (&tool);
}

static gboolean
dump_with_tool (UpgDataSource       *source,
                const char * const  *tables,
                const char          *path,
                const char          *work_dir,
                const char * const  *secret_env,
                UpgDumpProgress      progress,
                gpointer             progress_data,
                GCancellable        *cancellable,
                JsonObject          *counts,
                GError             **error)
{
  g_autoptr(UpgDbTool) tool = dump_tool (source, tables, work_dir, secret_env, error);
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GString) line = g_string_new (NULL);
  g_autofree char *buffer = g_malloc (CHUNK_BYTES);
  RowCounter counter = { upg_data_source_get_dialect (source), counts, line, NULL, NULL };
  GInputStream *in;
  guint64 total = 0;
  gssize n;

  if (tool == NULL || !upg_db_tool_spawn (tool, G_SUBPROCESS_FLAGS_STDOUT_PIPE, error))
    return FALSE;
  out = upg_db_create_gzip (path, error);
  if (out == NULL)
    return FALSE;
  in = g_subprocess_get_stdout_pipe (tool->process);
  while ((n = g_input_stream_read (in, buffer, CHUNK_BYTES, cancellable, error)) > 0)
    {
      if (!g_output_stream_write_all (out, buffer, n, NULL, cancellable, error))
        return FALSE;
      count_chunk (&counter, buffer, n);
      total += n;
      if (progress != NULL)
        progress (total, progress_data);
    }
  g_free (counter.copy_table);
  g_free (counter.insert_table);
  if (n < 0)
    return FALSE;   /* freeing the tool stops it */
  /* The tool's verdict first: a dump cut short by a server error is
   * still a well-formed gzip file. */
  if (!upg_db_tool_wait (tool, cancellable, error))
    return FALSE;
  if (!g_output_stream_close (out, cancellable, error))
    return FALSE;
  return upg_db_sync_file (path, error);
}

/* ---- SQLite ------------------------------------------------------------ */

static gboolean
dump_sqlite (UpgDataSource       *source,
             const char * const  *tables,
             const char          *path,
             const char          *work_dir,
             UpgDumpProgress      progress,
             gpointer             progress_data,
             GCancellable        *cancellable,
             UpgDumpResult       *result,
             GError             **error)
{
  g_autofree char *copy = g_build_filename (work_dir, ".copy.sqlite", NULL);
  gboolean ok;

  ok = upg_db_sqlite_copy (upg_data_source_get_path (source), copy, progress, progress_data, cancellable, error);
  if (ok)
    {
      result->row_counts = upg_db_sqlite_count (copy, tables, error);
      ok = result->row_counts != NULL && upg_db_gzip_file (copy, path, TRUE, cancellable, error);
    }
  g_unlink (copy);
  return ok;
}

/*
 * upg_db_dump:
 * @source: a MySQL, PostgreSQL, SQLite or ClickHouse data source
 * @tables: (nullable) (array zero-terminated=1): the tables, or %NULL for
 *   the whole database (MariaDB: with routines, triggers and events)
 * @path: the file to write (gzip), created 0600 and synced
 * @work_dir: a private directory for the tool's option file, stderr and
 *   the SQLite copy
 * @secret_env: (nullable) (array zero-terminated=1): variables kept from
 *   the tool's environment
 * @result: (out caller-allocates): size, SHA-256 and row counts
 *
 * Dumps @source consistently into @path. On failure @path may hold a
 * partial dump: the caller removes it.
 */
gboolean
upg_db_dump (UpgDataSource       *source,
             const char * const  *tables,
             const char          *path,
             const char          *work_dir,
             const char * const  *secret_env,
             UpgDumpProgress      progress,
             gpointer             progress_data,
             GCancellable        *cancellable,
             UpgDumpResult       *result,
             GError             **error)
{
  UpgDialect dialect = upg_data_source_get_dialect (source);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = NULL;
  gboolean ok;

  memset (result, 0, sizeof *result);
  if (dialect == UPG_DIALECT_SQLITE)
    ok = dump_sqlite (source, tables, path, work_dir, progress, progress_data, cancellable, result, error);
  else if (dialect == UPG_DIALECT_CLICKHOUSE)
    ok = (result->row_counts = upg_db_dump_clickhouse (source, tables, path, work_dir, progress, progress_data,
                                                        &result->objects, cancellable, error)) != NULL;
  else if (dialect == UPG_DIALECT_MYSQL || dialect == UPG_DIALECT_POSTGRESQL)
    {
      result->row_counts = json_object_new ();
      for (guint i = 0; tables != NULL && tables[i] != NULL; i++)
        json_object_set_int_member (result->row_counts, tables[i], 0);
      ok = dump_with_tool (source, tables, path, work_dir, secret_env, progress, progress_data, cancellable,
                           result->row_counts, error);
    }
  else
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG,
                   _("data source '%s' cannot be backed up: expected a MySQL, PostgreSQL, SQLite or ClickHouse "
                     "provider"),
                   upg_data_source_get_name (source));
      ok = FALSE;
    }
  if (ok)
    info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, NULL, error);
  if (info != NULL)
    result->sha256 = upg_path_sha256 (path, error);
  if (result->sha256 == NULL)
    {
      upg_dump_result_clear (result);
      return FALSE;
    }
  result->size = g_file_info_get_size (info);
  return TRUE;
}
