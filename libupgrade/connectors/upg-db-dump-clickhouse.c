/* upg-db-dump-clickhouse.c - backups of a ClickHouse data source
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ClickHouse has no dump tool on the engine's side and no snapshot across
 * tables: each table is read by one query (`SELECT * … FORMAT
 * TabSeparated`, which sees the parts present when it starts), through
 * the HTTP interface the connector already speaks, so the password stays
 * in a request header (never argv, a URL or a log). Its rows stream into
 * a private file of the work folder (counted as they come: a TabSeparated
 * row is one line, its tabs and newlines escaped), then into the archive.
 *
 * The archive is gzip, readable with zcat:
 *
 *   upgrade-clickhouse-backup 1
 *   table<TAB>NAME<TAB>SCHEMA BYTES<TAB>DATA BYTES<TAB>ROWS
 *   SHOW CREATE TABLE's statement, then the rows in TabSeparated
 *   table<TAB>…
 *
 * (NAME escaped as g_strescape() does.) Restore drops each table it puts
 * back, runs its CREATE statement and sends its rows with `INSERT INTO …
 * FORMAT TabSeparated`. Views and dictionaries are not backed up.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "upg-clickhouse-connection-private.h"
#include "upg-db-dump-private.h"

#define MAGIC "upgrade-clickhouse-backup 1\n"
#define CHUNK_BYTES (64 * 1024)

/* `name`, a ClickHouse identifier. */
static char *
quote_name (const char *name)
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

static UpgClickHouseConnection *
open_source (UpgDataSource  *source,
             GCancellable   *cancellable,
             GError        **error)
{
  UpgConnection *connection = upg_data_source_open (source, cancellable, error);

  if (connection == NULL)
    return NULL;
  return UPG_CLICKHOUSE_CONNECTION (connection);
}

/* The tables of the data source's database, views and dictionaries left out. */
static GStrv
list_tables (UpgConnection  *connection,
             GCancellable   *cancellable,
             GError        **error)
{
  g_autoptr(UpgRows) rows = NULL;
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();

  rows = upg_connection_query (connection,
                               "SELECT name FROM system.tables WHERE database = currentDatabase()"
                               " AND engine NOT IN ('View', 'MaterializedView', 'LiveView', 'Dictionary')"
                               " ORDER BY name", NULL, cancellable, error);
  if (rows == NULL)
    return NULL;
  for (guint i = 0; i < upg_rows_get_n_rows (rows); i++)
    g_strv_builder_add (names, upg_rows_get_value (rows, i, 0));
  return g_strv_builder_end (names);
}

/* The rows of @table, streamed into @tsv_path; their count. */
static gint64
read_rows (UpgClickHouseConnection  *connection,
           const char               *table,
           const char               *tsv_path,
           UpgDumpProgress           progress,
           gpointer                  progress_data,
           guint64                  *done,
           GCancellable             *cancellable,
           GError                  **error)
{
  g_autofree char *quoted = quote_name (table);
  g_autofree char *sql = g_strdup_printf ("SELECT * FROM %s FORMAT TabSeparated", quoted);
  g_autoptr(GBytes) request = g_bytes_new (sql, strlen (sql));
  g_autoptr(GFile) file = g_file_new_for_path (tsv_path);
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autofree char *buffer = g_malloc (CHUNK_BYTES);
  gint64 rows = 0;
  gssize n;

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION, cancellable,
                        error);
  if (out == NULL)
    return -1;
  in = upg_clickhouse_connection_send (connection, request, NULL, cancellable, error);
  if (in == NULL)
    return -1;
  while ((n = g_input_stream_read (in, buffer, CHUNK_BYTES, cancellable, error)) > 0)
    {
      for (gssize i = 0; i < n; i++)
        rows += buffer[i] == '\n';
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), buffer, (gsize) n, NULL, cancellable, error))
        return -1;
      *done += (guint64) n;
      if (progress != NULL)
        progress (*done, progress_data);
    }
  if (n < 0 || !g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, error))
    return -1;
  return rows;
}

static gboolean
dump_table (UpgClickHouseConnection  *connection,
            const char               *table,
            GOutputStream            *archive,
            const char               *work_dir,
            UpgDumpProgress           progress,
            gpointer                  progress_data,
            guint64                  *done,
            JsonObject               *counts,
            GCancellable             *cancellable,
            GError                  **error)
{
  g_autofree char *quoted = quote_name (table);
  g_autofree char *show = g_strdup_printf ("SHOW CREATE TABLE %s", quoted);
  g_autofree char *tsv_path = g_build_filename (work_dir, ".table.tsv", NULL);
  g_autofree char *escaped = g_strescape (table, NULL);
  g_autofree char *header = NULL;
  g_autoptr(UpgRows) rows = NULL;
  g_autoptr(GFile) tsv = g_file_new_for_path (tsv_path);
  g_autoptr(GFileInputStream) data = NULL;
  g_autoptr(GFileInfo) info = NULL;
  const char *schema;
  gint64 n_rows;
  gboolean ok;

  rows = upg_connection_query (UPG_CONNECTION (connection), show, NULL, cancellable, error);
  if (rows == NULL)
    return FALSE;
  schema = upg_rows_get_n_rows (rows) > 0 ? upg_rows_get_value (rows, 0, 0) : NULL;
  if (schema == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_SQL, _("ClickHouse data source '%s': no CREATE statement for table %s"),
                   upg_connection_get_name (UPG_CONNECTION (connection)), table);
      return FALSE;
    }
  n_rows = read_rows (connection, table, tsv_path, progress, progress_data, done, cancellable, error);
  ok = n_rows >= 0 &&
       (info = g_file_query_info (tsv, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, cancellable,
                                  error)) != NULL &&
       (data = g_file_read (tsv, cancellable, error)) != NULL;
  if (ok)
    {
      header = g_strdup_printf ("table\t%s\t%zu\t%" G_GOFFSET_FORMAT "\t%" G_GINT64_FORMAT "\n", escaped,
                                strlen (schema), g_file_info_get_size (info), n_rows);
      ok = g_output_stream_write_all (archive, header, strlen (header), NULL, cancellable, error) &&
           g_output_stream_write_all (archive, schema, strlen (schema), NULL, cancellable, error) &&
           g_output_stream_splice (archive, G_INPUT_STREAM (data), G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE, cancellable,
                                   error) >= 0;
    }
  g_unlink (tsv_path);
  if (ok)
    json_object_set_int_member (counts, table, n_rows);
  return ok;
}

/*
 * upg_db_dump_clickhouse:
 *
 * Dumps @tables (all the tables of the database when %NULL) of a
 * ClickHouse data source into @path (gzip, 0600, synced); see the top of
 * this file.
 *
 * Returns: (transfer full): the rows of each table, or %NULL on error
 */
JsonObject *
upg_db_dump_clickhouse (UpgDataSource       *source,
                        const char * const  *tables,
                        const char          *path,
                        const char          *work_dir,
                        UpgDumpProgress      progress,
                        gpointer             progress_data,
                        GCancellable        *cancellable,
                        GError             **error)
{
  g_autoptr(UpgClickHouseConnection) connection = open_source (source, cancellable, error);
  g_autoptr(JsonObject) counts = json_object_new ();
  g_autoptr(GOutputStream) archive = NULL;
  g_auto(GStrv) all = NULL;
  guint64 done = 0;

  if (connection == NULL)
    return NULL;
  if (tables == NULL)
    {
      all = list_tables (UPG_CONNECTION (connection), cancellable, error);
      if (all == NULL)
        return NULL;
      tables = (const char * const *) all;
    }
  archive = upg_db_create_gzip (path, error);
  if (archive == NULL ||
      !g_output_stream_write_all (archive, MAGIC, strlen (MAGIC), NULL, cancellable, error))
    return NULL;
  for (guint i = 0; tables[i] != NULL; i++)
    if (!dump_table (connection, tables[i], archive, work_dir, progress, progress_data, &done, counts, cancellable,
                     error))
      return NULL;
  if (!g_output_stream_close (archive, cancellable, error) || !upg_db_sync_file (path, error))
    return NULL;
  return g_steal_pointer (&counts);
}

/* ---- restore ------------------------------------------------------------ */

typedef struct
{
  char     *table;
  gsize     schema_bytes;
  guint64   data_bytes;
} Entry;

static void
entry_clear (Entry *entry)
{
  g_clear_pointer (&entry->table, g_free);
}

/* The next @remaining bytes of an archive, as a stream of their own:
 * a table's rows go to the server as they are read, in the bounded
 * buffers of the decompressor and of libsoup, however big the table.
 * Closing it leaves the archive open. */
#define UPG_TYPE_ENTRY_STREAM (upg_entry_stream_get_type ())
G_DECLARE_FINAL_TYPE (UpgEntryStream, upg_entry_stream, UPG, ENTRY_STREAM, GInputStream)

struct _UpgEntryStream
{
  GInputStream   parent_instance;

  GInputStream  *archive;
  const char    *path;
  guint64        remaining;
};

G_DEFINE_FINAL_TYPE (UpgEntryStream, upg_entry_stream, G_TYPE_INPUT_STREAM)

static gssize
upg_entry_stream_read (GInputStream  *stream,
                       void          *buffer,
                       gsize          count,
                       GCancellable  *cancellable,
                       GError       **error)
{
  UpgEntryStream *self = UPG_ENTRY_STREAM (stream);
  gssize n;

  if (self->remaining == 0 || count == 0)
    return 0;
  n = g_input_stream_read (self->archive, buffer, (gsize) MIN ((guint64) count, self->remaining), cancellable,
                           error);
  if (n == 0)
    g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT, _("'%s' ends early: the backup is truncated"),
                 self->path);
  if (n <= 0)
    return -1;
  self->remaining -= (guint64) n;
  return n;
}

static void
upg_entry_stream_finalize (GObject *object)
{
  g_object_unref (UPG_ENTRY_STREAM (object)->archive);
  G_OBJECT_CLASS (upg_entry_stream_parent_class)->finalize (object);
}

static void
upg_entry_stream_class_init (UpgEntryStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_entry_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = upg_entry_stream_read;
}

static void
upg_entry_stream_init (UpgEntryStream *self)
{
}

static GInputStream *
entry_stream_new (GInputStream *archive,
                  const char   *path,
                  guint64       size)
{
  UpgEntryStream *self = g_object_new (UPG_TYPE_ENTRY_STREAM, NULL);

  self->archive = g_object_ref (archive);
  self->path = path;
  self->remaining = size;
  return G_INPUT_STREAM (self);
}

/* The next entry's header; FALSE at the end (@error unset) or on error. */
static gboolean
read_entry (GDataInputStream  *in,
            const char        *path,
            Entry             *entry,
            GCancellable      *cancellable,
            GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *line = g_data_input_stream_read_line (in, NULL, cancellable, &local_error);
  g_auto(GStrv) fields = NULL;

  if (line == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  fields = g_strsplit (line, "\t", -1);
  if (g_strv_length (fields) != 5 || !g_str_equal (fields[0], "table"))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("'%s' is not a ClickHouse backup of this engine: unexpected line \"%.80s\""), path, line);
      return FALSE;
    }
  entry->table = g_strcompress (fields[1]);
  entry->schema_bytes = (gsize) g_ascii_strtoull (fields[2], NULL, 10);
  entry->data_bytes = g_ascii_strtoull (fields[3], NULL, 10);
  return TRUE;
}

static GBytes *
read_exactly (GInputStream  *in,
              gsize          size,
              const char    *path,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autofree char *data = g_malloc (size + 1);
  gsize got = 0;

  if (!g_input_stream_read_all (in, data, size, &got, cancellable, error))
    return NULL;
  if (got != size)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT, _("'%s' ends early: the backup is truncated"), path);
      return NULL;
    }
  data[size] = '\0';
  return g_bytes_new_take (g_steal_pointer (&data), size);
}

static gboolean
skip_exactly (GInputStream  *in,
              guint64        size,
              const char    *path,
              GCancellable  *cancellable,
              GError       **error)
{
  while (size > 0)
    {
      gssize n = g_input_stream_skip (in, (gsize) MIN (size, (guint64) G_MAXSSIZE), cancellable, error);

      if (n < 0)
        return FALSE;
      if (n == 0)
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT, _("'%s' ends early: the backup is truncated"),
                       path);
          return FALSE;
        }
      size -= (gsize) n;
    }
  return TRUE;
}

/* Drops @entry's table, creates it again and sends its rows, read from
 * @archive as they go. */
static gboolean
restore_entry (UpgClickHouseConnection  *connection,
               const Entry              *entry,
               GBytes                   *schema,
               GInputStream             *archive,
               const char               *path,
               GCancellable             *cancellable,
               GError                  **error)
{
  UpgConnection *conn = UPG_CONNECTION (connection);
  g_autofree char *quoted = quote_name (entry->table);
  g_autofree char *drop = g_strdup_printf ("DROP TABLE IF EXISTS %s", quoted);
  g_autofree char *insert = g_strdup_printf ("INSERT INTO %s FORMAT TabSeparated", quoted);
  const char *extra[] = { "query", insert, NULL };
  g_autoptr(GInputStream) rows = NULL;
  g_autoptr(GInputStream) answer = NULL;

  if (!upg_connection_execute (conn, drop, NULL, cancellable, error) ||
      !upg_connection_execute (conn, g_bytes_get_data (schema, NULL), NULL, cancellable, error))
    return FALSE;
  if (entry->data_bytes == 0)
    return TRUE;
  rows = entry_stream_new (archive, path, entry->data_bytes);
  answer = upg_clickhouse_connection_send_stream (connection, rows, (goffset) entry->data_bytes, extra,
                                                  cancellable, error);
  if (answer == NULL || !g_input_stream_close (answer, cancellable, error))
    return FALSE;
  /* The server took the whole body only if libsoup read all of it. */
  if (UPG_ENTRY_STREAM (rows)->remaining != 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("ClickHouse data source '%s': the rows of table %s were not all sent"),
                   upg_connection_get_name (conn), entry->table);
      return FALSE;
    }
  return TRUE;
}

/*
 * upg_db_restore_clickhouse:
 * @table: (nullable): the one table to put back, or %NULL for all
 *
 * Restores an archive made by upg_db_dump_clickhouse() (each table
 * dropped, created and filled again).
 */
gboolean
upg_db_restore_clickhouse (UpgDataSource  *source,
                           const char     *path,
                           const char     *table,
                           GCancellable   *cancellable,
                           GError        **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) raw = g_file_read (file, cancellable, error);
  g_autoptr(GZlibDecompressor) decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GInputStream) gunzip = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(UpgClickHouseConnection) connection = NULL;
  g_autofree char *magic = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean found = FALSE;

  if (raw == NULL)
    return FALSE;
  gunzip = g_converter_input_stream_new (G_INPUT_STREAM (raw), G_CONVERTER (decompressor));
  in = g_data_input_stream_new (gunzip);
  magic = g_data_input_stream_read_line (in, NULL, cancellable, &local_error);
  if (magic == NULL || strncmp (magic, MAGIC, strlen (MAGIC) - 1) != 0)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                     _("'%s' is not a ClickHouse backup of this engine"), path);
      return FALSE;
    }
  connection = open_source (source, cancellable, error);
  if (connection == NULL)
    return FALSE;
  for (;;)
    {
      Entry entry = { 0 };
      g_autoptr(GBytes) schema = NULL;
      gboolean wanted, ok;

      if (!read_entry (in, path, &entry, cancellable, &local_error))
        break;
      wanted = table == NULL || g_str_equal (table, entry.table);
      ok = (schema = read_exactly (G_INPUT_STREAM (in), entry.schema_bytes, path, cancellable, error)) != NULL;
      if (ok && wanted)
        ok = restore_entry (connection, &entry, schema, G_INPUT_STREAM (in), path, cancellable, error);
      else if (ok)
        ok = skip_exactly (G_INPUT_STREAM (in), entry.data_bytes, path, cancellable, error);
      found |= wanted;
      entry_clear (&entry);
      if (!ok)
        return FALSE;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (table != NULL && !found)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND, _("table '%s' is not in the backup '%s'"), table, path);
      return FALSE;
    }
  return TRUE;
}
