/* upg-db-dump-clickhouse.c - backups of a ClickHouse data source
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ClickHouse has no dump tool on the engine's side and no snapshot across
 * tables: each table is read by one query (`SELECT * … FORMAT Native`,
 * which sees the parts present when it starts), through the HTTP
 * interface the connector already speaks, so the password stays in a
 * request header (never argv, a URL or a log). Its rows stream into a
 * private file of the work folder, then into the archive. Native is the
 * server's own columnar form: every type (Nullable, FixedString with zero
 * bytes, Float64 nan and inf, Decimal, Enum, arrays) goes back exactly as
 * it was, with no text escaping to undo.
 *
 * Native rows cannot be counted without parsing each column's data (how
 * long a column is depends on its type), so they are counted on the
 * server: `SELECT count()` before and after the dump. The site is stopped
 * during a backup and a MergeTree SELECT sees a fixed set of parts, so the
 * two agree; when they do not, the table was written meanwhile and its
 * backup fails, naming both counts. That count is the one journaled and
 * written in the archive; a restore checks the server counts as many once
 * the rows are back.
 *
 * What each kind of object keeps, and the order they are restored in, is
 * upg-clickhouse-catalog.c's. The archive is gzip:
 *
 *   upgrade-clickhouse-backup 3
 *   object<TAB>NAME<TAB>KIND[<TAB>NAME IT NEEDS]…   one line per object
 *   table<TAB>NAME<TAB>SCHEMA BYTES<TAB>DATA BYTES<TAB>ROWS
 *   its CREATE statement, then its rows in the Native format (none but
 *   for a table and a materialized view with an inner table)
 *   table<TAB>…
 *
 * (names escaped as g_strescape() does), objects and entries both in the
 * order a restore creates them. Restoring all of it first drops every
 * object it holds (the last created first), so that no materialized view
 * left on the server feeds on the rows put back, then creates each and
 * sends its rows with `INSERT INTO … FORMAT Native` (a materialized
 * view's into the view, which writes them to its new inner table, however
 * that is named). One object alone is restored only when what it needs is
 * on the server, and a table only when no materialized view feeds on it.
 * Archives of versions 1 (tables only, no object lines) and 2 (the same
 * as 3) hold their rows in TabSeparated and restore as before.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "upg-clickhouse-catalog-private.h"
#include "upg-clickhouse-connection-private.h"
#include "upg-db-dump-private.h"

#define MAGIC "upgrade-clickhouse-backup 3\n"
#define MAGIC_V2 "upgrade-clickhouse-backup 2"
#define MAGIC_V1 "upgrade-clickhouse-backup 1"
#define CHUNK_BYTES (64 * 1024)

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

/* The rows of @table in the Native format, streamed into @rows_path. */
static gboolean
read_rows (UpgClickHouseConnection  *connection,
           const char               *table,
           const char               *rows_path,
           UpgDumpProgress           progress,
           gpointer                  progress_data,
           guint64                  *done,
           GCancellable             *cancellable,
           GError                  **error)
{
  g_autofree char *quoted = upg_clickhouse_quote_name (table);
  g_autofree char *sql = g_strdup_printf ("SELECT * FROM %s FORMAT Native", quoted);
  g_autoptr(GBytes) request = g_bytes_new (sql, strlen (sql));
  g_autoptr(GFile) file = g_file_new_for_path (rows_path);
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autofree char *buffer = g_malloc (CHUNK_BYTES);
  gssize n;

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION, cancellable,
                        error);
  if (out == NULL)
    return FALSE;
  in = upg_clickhouse_connection_send (connection, request, NULL, cancellable, error);
  if (in == NULL)
    return FALSE;
  while ((n = g_input_stream_read (in, buffer, CHUNK_BYTES, cancellable, error)) > 0)
    {
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), buffer, (gsize) n, NULL, cancellable, error))
        return FALSE;
      *done += (guint64) n;
      if (progress != NULL)
        progress (*done, progress_data);
    }
  return n == 0 && g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, error);
}

/* The rows of @table, dumped into @rows_path: their count, the same
 * before and after the dump, or -1. */
static gint64
dump_rows (UpgClickHouseConnection  *connection,
           const char               *table,
           const char               *rows_path,
           UpgDumpProgress           progress,
           gpointer                  progress_data,
           guint64                  *done,
           GCancellable             *cancellable,
           GError                  **error)
{
  UpgConnection *conn = UPG_CONNECTION (connection);
  gint64 before, after;

  before = upg_clickhouse_catalog_count (conn, table, cancellable, error);
  if (before < 0 || !read_rows (connection, table, rows_path, progress, progress_data, done, cancellable, error))
    return -1;
  after = upg_clickhouse_catalog_count (conn, table, cancellable, error);
  if (after < 0)
    return -1;
  if (after != before)
    {
      g_autofree char *n_before = g_strdup_printf ("%" G_GINT64_FORMAT, before);
      g_autofree char *n_after = g_strdup_printf ("%" G_GINT64_FORMAT, after);

      /* TRANSLATORS: data source, table, rows before its dump, rows after */
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("ClickHouse data source '%s': table %s had %s rows when its backup began and %s when it "
                     "ended: it was written during the backup (stop what writes to it first)"),
                   upg_connection_get_name (conn), table, n_before, n_after);
      return -1;
    }
  return before;
}

/* One entry of the archive: @object's header, CREATE statement and
 * rows (those of its rows_from table, when it keeps any). */
static gboolean
dump_object (UpgClickHouseConnection  *connection,
             const UpgChObject        *object,
             GOutputStream            *archive,
             const char               *work_dir,
             UpgDumpProgress           progress,
             gpointer                  progress_data,
             guint64                  *done,
             JsonObject               *counts,
             GCancellable             *cancellable,
             GError                  **error)
{
  g_autofree char *rows_path = g_build_filename (work_dir, ".table.native", NULL);
  g_autofree char *escaped = g_strescape (object->name, NULL);
  g_autofree char *header = NULL;
  g_autoptr(GFile) rows = g_file_new_for_path (rows_path);
  g_autoptr(GFileInputStream) data = NULL;
  g_autoptr(GFileInfo) info = NULL;
  gint64 n_rows = 0;
  goffset size = 0;
  gboolean ok = TRUE;

  if (object->rows_from != NULL)
    {
      n_rows = dump_rows (connection, object->rows_from, rows_path, progress, progress_data, done, cancellable,
                          error);
      ok = n_rows >= 0 &&
           (info = g_file_query_info (rows, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, cancellable,
                                      error)) != NULL &&
           (data = g_file_read (rows, cancellable, error)) != NULL;
      size = ok ? g_file_info_get_size (info) : 0;
    }
  if (ok)
    {
      header = g_strdup_printf ("table\t%s\t%zu\t%" G_GOFFSET_FORMAT "\t%" G_GINT64_FORMAT "\n", escaped,
                                strlen (object->create), size, n_rows);
      ok = g_output_stream_write_all (archive, header, strlen (header), NULL, cancellable, error) &&
           g_output_stream_write_all (archive, object->create, strlen (object->create), NULL, cancellable, error) &&
           (data == NULL ||
            g_output_stream_splice (archive, G_INPUT_STREAM (data), G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE, cancellable,
                                    error) >= 0);
    }
  if (object->rows_from != NULL)
    g_unlink (rows_path);
  if (ok && object->rows_from != NULL)
    json_object_set_int_member (counts, object->name, n_rows);
  return ok;
}

/* The archive's object lines: each object's kind and what it needs. */
static gboolean
write_objects (GOutputStream  *archive,
               GPtrArray      *objects,
               JsonObject     *kinds,
               GCancellable   *cancellable,
               GError        **error)
{
  g_autoptr(GString) lines = g_string_new (MAGIC);

  for (guint i = 0; i < objects->len; i++)
    {
      UpgChObject *object = objects->pdata[i];
      g_autofree char *escaped = g_strescape (object->name, NULL);
      const char *kind = upg_ch_object_kind_to_string (object->kind);

      g_string_append_printf (lines, "object\t%s\t%s", escaped, kind);
      for (guint j = 0; j < object->needs->len; j++)
        {
          g_autofree char *need = g_strescape (object->needs->pdata[j], NULL);

          g_string_append_printf (lines, "\t%s", need);
        }
      g_string_append_c (lines, '\n');
      json_object_set_string_member (kinds, object->name, kind);
    }
  return g_output_stream_write_all (archive, lines->str, lines->len, NULL, cancellable, error);
}

/*
 * upg_db_dump_clickhouse:
 * @tables: (nullable): the objects to dump, or %NULL for all of the
 *   database's
 * @kinds: (out) (transfer full): each object's kind
 *   (upg_ch_object_kind_to_string())
 *
 * Dumps objects of a ClickHouse data source into @path (gzip, 0600,
 * synced); see the top of this file.
 *
 * Returns: (transfer full): the rows kept of each object that keeps
 *   rows, or %NULL on error
 */
JsonObject *
upg_db_dump_clickhouse (UpgDataSource       *source,
                        const char * const  *tables,
                        const char          *path,
                        const char          *work_dir,
                        UpgDumpProgress      progress,
                        gpointer             progress_data,
                        JsonObject         **kinds,
                        GCancellable        *cancellable,
                        GError             **error)
{
  g_autoptr(UpgClickHouseConnection) connection = open_source (source, cancellable, error);
  g_autoptr(JsonObject) counts = json_object_new ();
  g_autoptr(JsonObject) object_kinds = json_object_new ();
  g_autoptr(GOutputStream) archive = NULL;
  g_autoptr(GPtrArray) objects = NULL;
  guint64 done = 0;

  if (connection == NULL)
    return NULL;
  objects = upg_clickhouse_catalog_list (UPG_CONNECTION (connection), tables, cancellable, error);
  if (objects == NULL)
    return NULL;
  archive = upg_db_create_gzip (path, error);
  if (archive == NULL || !write_objects (archive, objects, object_kinds, cancellable, error))
    return NULL;
  for (guint i = 0; i < objects->len; i++)
    if (!dump_object (connection, objects->pdata[i], archive, work_dir, progress, progress_data, &done, counts,
                      cancellable, error))
      return NULL;
  if (!g_output_stream_close (archive, cancellable, error) || !upg_db_sync_file (path, error))
    return NULL;
  *kinds = g_steal_pointer (&object_kinds);
  return g_steal_pointer (&counts);
}

/* ---- restore ------------------------------------------------------------ */

typedef struct
{
  char     *table;
  gsize     schema_bytes;
  guint64   data_bytes;
  gint64    rows;         /* the rows the backup counted (and journaled) */
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

/* An entry's header line, into @entry. */
static gboolean
parse_entry (const char  *line,
             const char  *path,
             Entry       *entry,
             GError     **error)
{
  g_auto(GStrv) fields = g_strsplit (line, "\t", -1);

  if (g_strv_length (fields) != 5 || !g_str_equal (fields[0], "table"))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("'%s' is not a ClickHouse backup of this engine: unexpected line \"%.80s\""), path, line);
      return FALSE;
    }
  entry->table = g_strcompress (fields[1]);
  entry->schema_bytes = (gsize) g_ascii_strtoull (fields[2], NULL, 10);
  entry->data_bytes = g_ascii_strtoull (fields[3], NULL, 10);
  entry->rows = g_ascii_strtoll (fields[4], NULL, 10);
  return TRUE;
}

/* An object line ("object", name, kind, what it needs…), or NULL. */
static UpgChObject *
parse_object (const char  *line,
              const char  *path,
              GError     **error)
{
  g_auto(GStrv) fields = g_strsplit (line, "\t", -1);
  g_autoptr(UpgChObject) object = g_new0 (UpgChObject, 1);

  if (g_strv_length (fields) < 3 || !upg_ch_object_kind_from_string (fields[2], &object->kind))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("'%s' is not a ClickHouse backup of this engine: unexpected line \"%.80s\""), path, line);
      return NULL;
    }
  object->name = g_strcompress (fields[1]);
  object->needs = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 3; fields[i] != NULL; i++)
    g_ptr_array_add (object->needs, g_strcompress (fields[i]));
  return g_steal_pointer (&object);
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

/* A table restored alone would send its rows to the materialized views
 * @feeds a second time. */
static gboolean
refuse_feeding (const char  *table,
                GStrv        feeds,
                GError     **error)
{
  g_autofree char *list = g_strjoinv (", ", feeds);

  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
               _("cannot restore table '%s' alone: materialized views %s feed on it and would get its "
                 "rows a second time; restore the whole backup, or drop them first"), table, list);
  return FALSE;
}

/* The server counts as many rows of @entry's object as the backup did
 * (the count in the archive, the one journaled: the archive's SHA-256
 * was checked against the journal before the restore began). */
static gboolean
check_count (UpgConnection  *conn,
             const Entry    *entry,
             GCancellable   *cancellable,
             GError        **error)
{
  gint64 found = upg_clickhouse_catalog_count (conn, entry->table, cancellable, error);
  g_autofree char *n_expected = NULL, *n_found = NULL;

  if (found < 0)
    return FALSE;
  if (found == entry->rows)
    return TRUE;
  n_expected = g_strdup_printf ("%" G_GINT64_FORMAT, entry->rows);
  n_found = g_strdup_printf ("%" G_GINT64_FORMAT, found);
  /* TRANSLATORS: data source, table, rows in the backup, rows on the server */
  g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
               _("ClickHouse data source '%s': table %s was restored from a backup of %s rows, but the server "
                 "found %s after the restore"), upg_connection_get_name (conn), entry->table, n_expected, n_found);
  return FALSE;
}

/* Creates @entry's object (@kind) from @schema and sends its rows (in
 * @format), read from @archive as they go, then checks their count;
 * @drop: drops it first. */
static gboolean
restore_entry (UpgClickHouseConnection  *connection,
               const Entry              *entry,
               const UpgChObject        *object,
               const char               *format,
               gboolean                  drop,
               gboolean                  check_feeds,
               GBytes                   *schema,
               GInputStream             *archive,
               const char               *path,
               GCancellable             *cancellable,
               GError                  **error)
{
  UpgConnection *conn = UPG_CONNECTION (connection);
  g_autofree char *quoted = upg_clickhouse_quote_name (entry->table);
  g_autofree char *drop_sql = upg_ch_object_drop_sql (object);
  g_autofree char *insert = g_strdup_printf ("INSERT INTO %s FORMAT %s", quoted, format);
  const char *extra[] = { "query", insert, NULL };
  g_autoptr(GInputStream) rows = NULL;
  g_autoptr(GInputStream) answer = NULL;

  if ((drop && !upg_connection_execute (conn, drop_sql, NULL, cancellable, error)) ||
      !upg_connection_execute (conn, g_bytes_get_data (schema, NULL), NULL, cancellable, error))
    return FALSE;
  /* A table that was not on the server: only now can the server tell
   * which materialized views its rows would feed (it keeps them by name). */
  if (check_feeds && entry->data_bytes > 0)
    {
      g_auto(GStrv) feeds = upg_clickhouse_catalog_feeds (conn, entry->table, cancellable, error);

      if (feeds == NULL)
        return FALSE;
      if (feeds[0] != NULL)
        {
          /* It was not there before: it is not left behind empty. */
          upg_connection_execute (conn, drop_sql, NULL, cancellable, NULL);
          return refuse_feeding (entry->table, feeds, error);
        }
    }
  /* A table must be empty now; a view's count would be its query's. */
  if (entry->data_bytes == 0)
    return object->kind != UPG_CH_OBJECT_TABLE || check_count (conn, entry, cancellable, error);
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
  return check_count (conn, entry, cancellable, error);
}

static UpgChObject *
find_object (GPtrArray  *objects,
             const char *name)
{
  for (guint i = 0; i < objects->len; i++)
    if (g_str_equal (((UpgChObject *) objects->pdata[i])->name, name))
      return objects->pdata[i];
  return NULL;
}

/* Materialized views the backup does not hold (made after it) would get
 * the rows of the tables they feed on a second time: refused before
 * anything is dropped, naming them. */
static gboolean
check_foreign_feeds (UpgConnection  *conn,
                     GPtrArray      *objects,
                     GCancellable   *cancellable,
                     GError        **error)
{
  g_autoptr(GHashTable) present = upg_clickhouse_catalog_names (conn, cancellable, error);
  g_autoptr(GString) found = g_string_new (NULL);

  if (present == NULL)
    return FALSE;
  for (guint i = 0; i < objects->len; i++)
    {
      UpgChObject *object = objects->pdata[i];
      g_auto(GStrv) feeds = NULL;

      if (object->kind != UPG_CH_OBJECT_TABLE || !g_hash_table_contains (present, object->name))
        continue;
      feeds = upg_clickhouse_catalog_feeds (conn, object->name, cancellable, error);
      if (feeds == NULL)
        return FALSE;
      for (guint j = 0; feeds[j] != NULL; j++)
        if (find_object (objects, feeds[j]) == NULL)
          g_string_append_printf (found, "%s%s (%s)", found->len > 0 ? ", " : "", feeds[j], object->name);
    }
  if (found->len == 0)
    return TRUE;
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
               _("materialized views the backup does not hold feed on its tables and would get their rows a "
                 "second time: %s; drop them first"), found->str);
  return FALSE;
}

/* Before the first entry, with the backup's objects known. All of it:
 * every object of the backup dropped, the last created first. @table
 * alone: what it needs must be on the server, and no materialized view
 * may feed on its rows; @check_feeds is set when the server can tell
 * that only once the table is created again. */
static gboolean
prepare (UpgClickHouseConnection  *connection,
         GPtrArray                *objects,
         const char               *table,
         const char               *path,
         gboolean                 *check_feeds,
         GCancellable             *cancellable,
         GError                  **error)
{
  UpgConnection *conn = UPG_CONNECTION (connection);
  g_autoptr(GHashTable) present = NULL;
  g_autoptr(GPtrArray) missing = NULL;
  UpgChObject *object;

  if (table == NULL)
    {
      if (!check_foreign_feeds (conn, objects, cancellable, error))
        return FALSE;
      for (guint i = objects->len; i > 0; i--)
        {
          g_autofree char *drop = upg_ch_object_drop_sql (objects->pdata[i - 1]);

          if (!upg_connection_execute (conn, drop, NULL, cancellable, error))
            return FALSE;
        }
      return TRUE;
    }
  object = find_object (objects, table);
  if (object == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND, _("table '%s' is not in the backup '%s'"), table, path);
      return FALSE;
    }
  present = upg_clickhouse_catalog_names (conn, cancellable, error);
  if (present == NULL)
    return FALSE;
  missing = g_ptr_array_new ();
  for (guint i = 0; i < object->needs->len; i++)
    if (!g_hash_table_contains (present, object->needs->pdata[i]))
      g_ptr_array_add (missing, object->needs->pdata[i]);
  if (missing->len > 0)
    {
      g_autofree char *list = NULL;

      g_ptr_array_add (missing, NULL);
      list = g_strjoinv (", ", (char **) missing->pdata);
      /* TRANSLATORS: kind of object (table, view…), its name, what it needs, data source */
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND,
                   _("cannot restore %s '%s' alone: it needs %s, which data source '%s' does not have; "
                     "restore that first, or the whole backup"),
                   upg_ch_object_kind_label (upg_ch_object_kind_to_string (object->kind)), table, list,
                   upg_connection_get_name (conn));
      return FALSE;
    }
  *check_feeds = object->kind == UPG_CH_OBJECT_TABLE && !g_hash_table_contains (present, table);
  if (object->kind == UPG_CH_OBJECT_TABLE && !*check_feeds)
    {
      g_auto(GStrv) feeds = upg_clickhouse_catalog_feeds (conn, table, cancellable, error);

      if (feeds == NULL)
        return FALSE;
      if (feeds[0] != NULL)
        return refuse_feeding (table, feeds, error);
    }
  return TRUE;
}

/*
 * upg_db_restore_clickhouse:
 * @table: (nullable): the one object to put back, or %NULL for all
 *
 * Restores an archive made by upg_db_dump_clickhouse(); see the top of
 * this file.
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
  g_autoptr(GPtrArray) objects = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_ch_object_free);
  g_autofree char *magic = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean found = FALSE, v1, prepared = FALSE, check_feeds = FALSE;
  const char *format = "Native";

  if (raw == NULL)
    return FALSE;
  gunzip = g_converter_input_stream_new (G_INPUT_STREAM (raw), G_CONVERTER (decompressor));
  in = g_data_input_stream_new (gunzip);
  magic = g_data_input_stream_read_line (in, NULL, cancellable, &local_error);
  v1 = g_strcmp0 (magic, MAGIC_V1) == 0;
  /* Versions 1 and 2 hold their rows in TabSeparated. */
  if (v1 || g_strcmp0 (magic, MAGIC_V2) == 0)
    format = "TabSeparated";
  if (magic == NULL || (g_str_equal (format, "Native") &&
                        (strlen (magic) != strlen (MAGIC) - 1 || strncmp (magic, MAGIC, strlen (MAGIC) - 1) != 0)))
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
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, cancellable, &local_error);
      g_autoptr(GBytes) schema = NULL;
      UpgChObject v1_table = { NULL, UPG_CH_OBJECT_TABLE, NULL, NULL, NULL };
      const UpgChObject *object = &v1_table;
      Entry entry = { 0 };
      gboolean wanted, ok;

      if (line == NULL)
        break;
      if (!v1 && g_str_has_prefix (line, "object\t"))
        {
          UpgChObject *listed = parse_object (line, path, error);

          if (listed == NULL)
            return FALSE;
          g_ptr_array_add (objects, listed);
          continue;
        }
      if (!v1 && !prepared &&
          !prepare (connection, objects, table, path, &check_feeds, cancellable, error))
        return FALSE;
      prepared = TRUE;
      if (!parse_entry (line, path, &entry, error))
        return FALSE;
      v1_table.name = entry.table;
      if (!v1 && (object = find_object (objects, entry.table)) == NULL)
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                       _("'%s' is not a ClickHouse backup of this engine: unexpected line \"%.80s\""), path, line);
          entry_clear (&entry);
          return FALSE;
        }
      wanted = table == NULL || g_str_equal (table, entry.table);
      ok = (schema = read_exactly (G_INPUT_STREAM (in), entry.schema_bytes, path, cancellable, error)) != NULL;
      /* A version 1 archive drops each table as it goes. */
      if (ok && wanted)
        ok = restore_entry (connection, &entry, object, format, v1 || table != NULL, check_feeds, schema,
                            G_INPUT_STREAM (in), path, cancellable, error);
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
  if (!v1 && !prepared && !prepare (connection, objects, table, path, &check_feeds, cancellable, error))
    return FALSE;
  if (table != NULL && !found)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND, _("table '%s' is not in the backup '%s'"), table, path);
      return FALSE;
    }
  return TRUE;
}
