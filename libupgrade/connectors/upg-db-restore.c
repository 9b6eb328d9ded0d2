/* upg-db-restore.c - restoring a dump with the engine's own client
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A MariaDB dump goes to `mariadb`, a PostgreSQL dump to `psql` (one
 * transaction, stopping at the first error), decompressed on the way.
 * One table of a dump is restored by passing on only its part of the
 * dump: the dump tools write each object under a comment naming it
 * ("-- Table structure for table `t`", "-- Name: t; Type: TABLE"), which
 * is what the filters below follow. The table is dropped and recreated
 * with its rows, indexes, constraints and triggers; on PostgreSQL, a
 * sequence it owns comes back with a whole restore only.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "upg-db-dump-private.h"
#include "upg-db-tool-private.h"

typedef struct
{
  gboolean    mysql;
  const char *table;       /* NULL: everything passes */
  gboolean    started;     /* past the preamble */
  gboolean    include;
  gboolean    footer;
  gboolean    index_section;
  gboolean    found;
} DumpFilter;

static gboolean
mysql_names (const char *line,
             const char *prefix,
             const char *table)
{
  g_autofree char *quoted = NULL;

  if (!g_str_has_prefix (line, prefix))
    return FALSE;
  if (table == NULL)
    return TRUE;
  quoted = upg_db_quote_mysql_name (table);
  return g_str_equal (line + strlen (prefix), quoted);
}

static gboolean
filter_mysql (DumpFilter *f,
              const char *line)
{
  if (f->footer)
    return TRUE;
  if (g_str_has_prefix (line, "/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */"))
    return f->footer = TRUE;
  if (mysql_names (line, "-- Table structure for table ", NULL))
    {
      f->started = TRUE;
      f->include = mysql_names (line, "-- Table structure for table ", f->table);
      f->found |= f->include;
    }
  else if (g_str_has_prefix (line, "-- Temporary table structure for view ") ||
           g_str_has_prefix (line, "-- Dumping routines") || g_str_has_prefix (line, "-- Dumping events") ||
           g_str_has_prefix (line, "-- Final view structure"))
    {
      f->started = TRUE;
      f->include = FALSE;
    }
  return !f->started || f->include;
}

/* "-- Name: orders orders_pkey; Type: CONSTRAINT; Schema: public; Owner: -" */
static gboolean
pg_header (const char  *line,
           char       **name,
           char       **type,
           char       **schema)
{
  const char *p;
  g_auto(GStrv) parts = NULL;

  if (g_str_has_prefix (line, "-- Name: "))
    p = line + strlen ("-- Name: ");
  else if (g_str_has_prefix (line, "-- Data for Name: "))
    p = line + strlen ("-- Data for Name: ");
  else
    return FALSE;
  parts = g_strsplit (p, "; ", 4);
  if (g_strv_length (parts) < 3 || !g_str_has_prefix (parts[1], "Type: ") || !g_str_has_prefix (parts[2], "Schema: "))
    return FALSE;
  *name = g_strdup (parts[0]);
  *type = g_strdup (parts[1] + strlen ("Type: "));
  *schema = g_strdup (parts[2] + strlen ("Schema: "));
  return TRUE;
}

static gboolean
pg_section_of_table (const char *name,
                     const char *type,
                     const char *table)
{
  static const char *owned[] = { "CONSTRAINT", "FK CONSTRAINT", "DEFAULT", "TRIGGER", "COMMENT" };
  g_autofree char *prefix = g_strconcat (table, " ", NULL);

  if (g_str_equal (type, "TABLE") || g_str_equal (type, "TABLE DATA"))
    return g_str_equal (name, table);
  for (guint i = 0; i < G_N_ELEMENTS (owned); i++)
    if (g_str_equal (type, owned[i]))
      return g_str_has_prefix (name, prefix);
  return FALSE;
}

/* CREATE INDEX … ON [ONLY] schema.table USING … */
static gboolean
pg_index_on (const char *line,
             const char *table)
{
  g_autofree char *plain = g_strdup_printf (".%s ", table);
  g_autofree char *quoted = upg_db_quote_pg_name (table);
  g_autofree char *quoted_dot = g_strdup_printf (".%s ", quoted);
  const char *on = strstr (line, " ON ");

  return g_str_has_prefix (line, "CREATE ") && on != NULL &&
         (strstr (on, plain) != NULL || strstr (on, quoted_dot) != NULL);
}

static gboolean
filter_pg (DumpFilter *f,
           const char *line,
           GString    *out)
{
  g_autofree char *name = NULL, *type = NULL, *schema = NULL;

  if (g_str_has_prefix (line, "\\restrict ") || g_str_has_prefix (line, "\\unrestrict "))
    return TRUE;   /* pg_dump's guard around the whole script */
  if (pg_header (line, &name, &type, &schema))
    {
      f->started = TRUE;
      f->index_section = g_str_equal (type, "INDEX");
      f->include = pg_section_of_table (name, type, f->table);
      if (f->include && g_str_equal (type, "TABLE"))
        {
          /* The dump's own DROPs come together before the first section,
           * for every object: only this table's is written. */
          g_autofree char *qs = upg_db_quote_pg_name (schema);
          g_autofree char *qt = upg_db_quote_pg_name (f->table);

          g_string_append_printf (out, "DROP TABLE IF EXISTS %s.%s;\n", qs, qt);
          f->found = TRUE;
        }
      return f->include;
    }
  if (!f->started)
    return g_str_has_prefix (line, "SET ") || g_str_has_prefix (line, "SELECT pg_catalog.set_config");
  if (f->index_section)
    return pg_index_on (line, f->table);
  return f->include;
}

static UpgDbTool *
client_tool (UpgDataSource       *source,
             const char          *work_dir,
             const char * const  *secret_env,
             GError             **error)
{
  gboolean mysql = upg_data_source_get_dialect (source) == UPG_DIALECT_MYSQL;
  g_autoptr(UpgDbTool) tool = upg_db_tool_new (source, mysql ? "mariadb" : "psql", work_dir, secret_env, error);

  if (tool == NULL)
    return NULL;
  if (mysql)
    {
      upg_db_tool_add (tool, "--default-character-set=utf8mb4");
      upg_db_tool_add (tool, "--binary-mode");
      upg_db_tool_add (tool, upg_data_source_get_database (source));
    }
  else
    {
      g_autofree char *dbname = g_strconcat ("--dbname=", upg_data_source_get_database (source), NULL);

      upg_db_tool_add (tool, dbname);
      upg_db_tool_add (tool, "--no-psqlrc");
      upg_db_tool_add (tool, "--quiet");
      upg_db_tool_add (tool, "--set=ON_ERROR_STOP=1");
      upg_db_tool_add (tool, "--single-transaction");
      upg_db_tool_add (tool, "--file=-");
    }
  return g_steal_pointer (&tool);
}

static gboolean
restore_with_client (UpgDataSource       *source,
                     const char          *path,
                     const char          *table,
                     const char          *work_dir,
                     const char * const  *secret_env,
                     GCancellable        *cancellable,
                     GError             **error)
{
  g_autoptr(UpgDbTool) tool = client_tool (source, work_dir, secret_env, error);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) raw = NULL;
  g_autoptr(GZlibDecompressor) decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GInputStream) gunzip = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  DumpFilter filter = { upg_data_source_get_dialect (source) == UPG_DIALECT_MYSQL, table };
  GOutputStream *stdin_pipe;
  GError *local_error = NULL;
  char *line;
  gsize length;

  if (tool == NULL)
    return FALSE;
  raw = g_file_read (file, cancellable, error);
  if (raw == NULL)
    return FALSE;
  /* A client that fails closes its end of the pipe: writing then must
   * be an error (EPIPE), not SIGPIPE killing this process. GSocket's
   * class initialisation makes GLib ignore SIGPIPE process-wide. */
  g_type_ensure (G_TYPE_SOCKET);
  if (!upg_db_tool_spawn (tool, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, error))
    return FALSE;
  stdin_pipe = g_subprocess_get_stdin_pipe (tool->process);
  gunzip = g_converter_input_stream_new (G_INPUT_STREAM (raw), G_CONVERTER (decompressor));
  lines = g_data_input_stream_new (gunzip);
  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (lines), 256 * 1024);
  while ((line = g_data_input_stream_read_line (lines, &length, cancellable, &local_error)) != NULL)
    {
      gboolean pass = table == NULL || (filter.mysql ? filter_mysql (&filter, line) : filter_pg (&filter, line, out));

      if (pass)
        {
          g_string_append_len (out, line, length);
          g_string_append_c (out, '\n');
        }
      g_free (line);
      if (out->len >= 64 * 1024)
        {
          if (!g_output_stream_write_all (stdin_pipe, out->str, out->len, NULL, cancellable, &local_error))
            break;
          g_string_truncate (out, 0);
        }
    }
  if (local_error == NULL && out->len > 0)
    g_output_stream_write_all (stdin_pipe, out->str, out->len, NULL, cancellable, &local_error);
  g_output_stream_close (stdin_pipe, NULL, NULL);
  /* The client's own error says more than the broken pipe it caused. */
  if (!upg_db_tool_wait (tool, cancellable, error))
    {
      g_clear_error (&local_error);
      return FALSE;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (table != NULL && !filter.found)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND, _("table '%s' is not in the backup"), table);
      return FALSE;
    }
  return TRUE;
}

/*
 * upg_db_restore:
 * @source: the data source the backup was taken of
 * @path: the backup file (its SHA-256 already checked by the caller)
 * @backup_tables: (nullable) (array zero-terminated=1): the tables the
 *   backup holds; %NULL: a whole database
 * @table: (nullable): restore this table only
 * @work_dir: a private directory for the client's option file and stderr
 *
 * Restores a dump made by upg_db_dump(): what it holds is dropped and
 * recreated from it (objects the dump does not hold are left alone).
 */
gboolean
upg_db_restore (UpgDataSource       *source,
                const char          *path,
                const char * const  *backup_tables,
                const char          *table,
                const char          *work_dir,
                const char * const  *secret_env,
                GCancellable        *cancellable,
                GError             **error)
{
  UpgDialect dialect = upg_data_source_get_dialect (source);

  if (table != NULL && backup_tables != NULL && !g_strv_contains (backup_tables, table))
    {
      g_autofree char *list = g_strjoinv (", ", (char **) backup_tables);

      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND, _("table '%s' is not in the backup (it holds %s)"), table,
                   list);
      return FALSE;
    }
  if (dialect == UPG_DIALECT_SQLITE)
    {
      g_autofree char *copy = g_build_filename (work_dir, ".restore.sqlite", NULL);
      const char *one[] = { table, NULL };
      gboolean ok = upg_db_gzip_file (path, copy, FALSE, cancellable, error) &&
                    upg_db_sqlite_restore_tables (upg_data_source_get_path (source), copy,
                                                  table != NULL ? one : backup_tables, error);

      g_unlink (copy);
      return ok;
    }
  if (dialect == UPG_DIALECT_CLICKHOUSE)
    return upg_db_restore_clickhouse (source, path, table, cancellable, error);
  return restore_with_client (source, path, table, work_dir, secret_env, cancellable, error);
}
