/* test-clickhouse-backup.c - `backup` steps and `restore` on a real
 * ClickHouse (the 18.16 server of tests/upg-test-clickhouse.c), through
 * upgradectl as an operator runs them: the dump's row counts and SHA-256
 * journaled, then one table and then all of them put back, schema and
 * rows (tabs, newlines, backslashes, NULL) equal to what was dumped;
 * rows in the Native format, every column type byte for byte; row counts
 * checked after a restore; version 2 (TabSeparated) archives restored;
 * views, materialized views and Distributed tables kept as what they are
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include "exec-test-util.h"
#include "upg-clickhouse-connection-private.h"
#include "upg-test-clickhouse.h"

#define FROM "3.17.0"
#define TO "3.17.5"
#define PASSWORD_ENV "UPG_TEST_CK_BACKUP_PASSWORD"

static UpgTestClickHouse *server;
static GError *start_error;

#define admin_value(...) upg_test_clickhouse_admin_printf (server, __VA_ARGS__)

/* A statement without a result. */
static void
admin_exec (const char *sql)
{
  g_free (upg_test_clickhouse_admin_printf (server, "%s", sql));
}

/* Every row of @table, in id order, one text. */
static char *
table_rows (const char *table)
{
  return admin_value ("SELECT arrayStringConcat(groupArray(concat(toString(id), '|', s, '|', "
                      "ifNull(toString(n), 'NULL'))), ';') FROM (SELECT * FROM %s.%s ORDER BY id)",
                      upg_test_clickhouse_get_database (server), table);
}

static char *
table_schema (const char *table)
{
  return admin_value ("SHOW CREATE TABLE %s.%s", upg_test_clickhouse_get_database (server), table);
}

/* A site whose data source is the server and whose pre_stop stage backs
 * up @tables (JSON strings, comma-separated). */
static void
site_init (ExecFixture *fx,
           const char  *site,
           const char  *tables)
{
  g_autofree char *source = NULL, *sources = NULL, *steps = NULL;

  g_setenv (PASSWORD_ENV, upg_test_clickhouse_get_password (server), TRUE);
  source = upg_test_clickhouse_datasource_json (server, PASSWORD_ENV);
  sources = g_strdup_printf ("\"logs_ck\": %s", source);
  exec_fixture_init (fx);
  exec_fixture_write_config (fx, site, sources);
  steps = g_strdup_printf ("\"pre_stop\": [{\"id\": \"bk\", \"backup\": {\"database\": \"logs_ck\", "
                           "\"tables\": [%s]}}]", tables);
  exec_fixture_write_manifest (fx, TO, steps, NULL);
}

static void
test_backup_restore (void)
{
  const char *db;
  g_autofree char *a = g_strdup_printf ("orders_%08x", g_random_int ());
  g_autofree char *b = g_strdup_printf ("events_%08x", g_random_int ());
  g_autofree char *sql = NULL, *out = NULL, *err = NULL;
  g_autofree char *a_rows = NULL, *b_rows = NULL, *a_schema = NULL, *b_schema = NULL, *file_sha = NULL;
  g_autofree char *after = NULL, *count = NULL, *schema_after = NULL, *b_after = NULL;
  g_autoptr(JsonObject) listed = NULL, one = NULL, all = NULL;
  JsonObject *backup, *counts;
  const char *id;
  ExecFixture fx;

  /* A server that cannot start fails the test: never a skip. */
  g_assert_no_error (start_error);
  db = upg_test_clickhouse_get_database (server);
  sql = g_strdup_printf ("CREATE TABLE %s.%s (id UInt32, s String, n Nullable(Int64)) ENGINE = MergeTree "
                         "ORDER BY id", db, a);
  admin_exec (sql);
  g_free (sql);
  sql = g_strdup_printf ("INSERT INTO %s.%s VALUES (1, 'tab\\there', NULL), (2, 'line\\nbreak', 5), "
                         "(3, 'back\\\\slash', -7)", db, a);
  admin_exec (sql);
  g_free (sql);
  sql = g_strdup_printf ("CREATE TABLE %s.%s (id UInt32, s String, n Nullable(Int64)) ENGINE = Log", db, b);
  admin_exec (sql);
  g_free (sql);
  sql = g_strdup_printf ("INSERT INTO %s.%s VALUES (10, 'x', 1), (11, '', NULL)", db, b);
  admin_exec (sql);
  a_rows = table_rows (a);
  b_rows = table_rows (b);
  a_schema = table_schema (a);
  b_schema = table_schema (b);

  g_free (sql);
  sql = g_strdup_printf ("\"%s\", \"%s\"", a, b);
  site_init (&fx, "ck-site", sql);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "--json", "run", "--confirm", "--from", FROM,
                                                     "--to", TO, "--stage", "pre_stop", NULL)), ==, 0);
  g_assert_null (strstr (out, upg_test_clickhouse_get_password (server)));

  listed = exec_fixture_ctl_json (&fx, NULL, 0, "backups", NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (listed, "backups")), ==, 1);
  backup = json_array_get_object_element (json_object_get_array_member (listed, "backups"), 0);
  id = json_object_get_string_member (backup, "id");
  g_assert_cmpstr (json_object_get_string_member (backup, "provider"), ==, "ClickHouse");
  counts = json_object_get_object_member (backup, "row_counts");
  g_assert_cmpint (json_object_get_int_member (counts, a), ==, 3);
  g_assert_cmpint (json_object_get_int_member (counts, b), ==, 2);
  {
    g_autofree char *contents = NULL;
    gsize length = 0;

    g_assert_true (g_file_get_contents (json_object_get_string_member (backup, "path"), &contents, &length, NULL));
    file_sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  }
  g_assert_cmpstr (json_object_get_string_member (backup, "sha256"), ==, file_sha);

  /* Damage both: one table dropped, the other with an extra row. */
  g_free (sql);
  sql = g_strdup_printf ("DROP TABLE %s.%s", db, a);
  admin_exec (sql);
  g_free (sql);
  sql = g_strdup_printf ("INSERT INTO %s.%s VALUES (12, 'late', 3)", db, b);
  admin_exec (sql);

  /* One table: it is back whole, the other one is left as it is. */
  one = exec_fixture_ctl_json (&fx, NULL, 0, "restore", id, "--table", a, "--yes", NULL);
  g_assert_true (json_object_get_boolean_member (one, "restored"));
  after = table_rows (a);
  schema_after = table_schema (a);
  g_assert_cmpstr (after, ==, a_rows);
  g_assert_cmpstr (schema_after, ==, a_schema);
  count = admin_value ("SELECT count() FROM %s.%s", db, b);
  g_assert_cmpstr (count, ==, "3");

  /* All of it. */
  all = exec_fixture_ctl_json (&fx, NULL, 0, "restore", id, "--yes", NULL);
  g_assert_true (json_object_get_boolean_member (all, "restored"));
  b_after = table_rows (b);
  g_assert_cmpstr (b_after, ==, b_rows);
  g_free (schema_after);
  schema_after = table_schema (b);
  g_assert_cmpstr (schema_after, ==, b_schema);
  g_free (after);
  after = table_rows (a);
  g_assert_cmpstr (after, ==, a_rows);

  /* A table the backup does not hold: exit 2 naming it. */
  g_assert_cmpint (exec_exit_code (exec_fixture_cli_stderr (&fx, NULL, &err, "restore", id, "--table", "nope",
                                                            "--yes", NULL)), !=, 0);
  g_assert_nonnull (strstr (err, "'nope'"));
  g_assert_null (strstr (err, upg_test_clickhouse_get_password (server)));
  exec_fixture_clear (&fx);
}

/* The restore's upgradectl may map this much writable private memory
 * (RLIMIT_DATA: heap, malloc's mmaps, thread stacks, libraries' data):
 * room for the process itself, far less than the table's rows. */
#define RESTORE_DATA_LIMIT (160 * 1024 * 1024)
/* Rows of the big table, each about 215 bytes in Native (an 8-byte id,
 * a string and its length): a dump of about 215 MB, more than the limit. */
#define BIG_ROWS 1000000

static void
limit_data (gpointer user_data)
{
  struct rlimit limit = { RESTORE_DATA_LIMIT, RESTORE_DATA_LIMIT };

  setrlimit (RLIMIT_DATA, &limit);
}

/* `upgradectl --json restore ID --yes` with RLIMIT_DATA set: its stdout,
 * and its wait status in *@status. */
static char *
restore_limited (ExecFixture *fx,
                 const char  *id,
                 int         *status)
{
  const char *argv[] = { g_getenv ("UPGRADECTL"), "-b", fx->bundle, "-c", fx->config, "--state-dir", fx->state,
                         "--json", "restore", id, "--yes", NULL };
  g_autoptr(GError) error = NULL;
  char *out = NULL;

  g_assert_nonnull (argv[0]);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, limit_data, NULL, &out, NULL, status, &error);
  g_assert_no_error (error);
  return out;
}

/* A table whose rows are more than the restoring process may hold: a
 * restore that read them whole before sending them fails to allocate. */
static void
test_restore_bounded_memory (void)
{
  const char *db;
  g_autofree char *t = g_strdup_printf ("big_%08x", g_random_int ());
  g_autofree char *pad = g_strnfill (200, 'p');
  g_autofree char *quoted = NULL, *out = NULL, *before = NULL, *after = NULL;
  g_autofree char *bytes = NULL;
  g_autoptr(JsonObject) listed = NULL, restored = NULL;
  JsonObject *backup;
  ExecFixture fx;
  int status = -1;

  g_assert_no_error (start_error);
  /* tests/meson.build sets ASAN_OPTIONS in a sanitized build only. */
  if (g_getenv ("ASAN_OPTIONS") != NULL)
    {
      /* ASan reserves terabytes of shadow memory at start, which no
       * RLIMIT_DATA admits; the plain build's pass runs this case. */
      g_test_skip ("RLIMIT_DATA cannot bound an AddressSanitizer build");
      return;
    }
  db = upg_test_clickhouse_get_database (server);
  g_free (upg_test_clickhouse_admin_printf (server, "CREATE TABLE %s.%s (id UInt64, s String) ENGINE = MergeTree "
                                                    "ORDER BY id", db, t));
  g_free (upg_test_clickhouse_admin_printf (server, "INSERT INTO %s.%s SELECT number, concat(toString(number), "
                                                    "'%s') FROM system.numbers LIMIT %d", db, t, pad, BIG_ROWS));
  before = admin_value ("SELECT concat(toString(count()), ' ', toString(sum(id)), ' ', "
                        "toString(sum(cityHash64(s)))) FROM %s.%s", db, t);

  quoted = g_strdup_printf ("\"%s\"", t);
  site_init (&fx, "ck-big", quoted);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, NULL, "run", "--confirm", "--from", FROM,
                                                     "--to", TO, "--stage", "pre_stop", NULL)), ==, 0);
  listed = exec_fixture_ctl_json (&fx, NULL, 0, "backups", NULL);
  backup = json_array_get_object_element (json_object_get_array_member (listed, "backups"), 0);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (backup, "row_counts"), t), ==,
                   BIG_ROWS);
  /* The dump's rows alone are more than the limit. */
  bytes = admin_value ("SELECT sum(8 + 1 + length(s)) FROM %s.%s", db, t);
  g_assert_cmpint (g_ascii_strtoll (bytes, NULL, 10), >, RESTORE_DATA_LIMIT);

  g_free (upg_test_clickhouse_admin_printf (server, "DROP TABLE %s.%s", db, t));
  out = restore_limited (&fx, json_object_get_string_member (backup, "id"), &status);
  g_assert_cmpint (exec_exit_code (status), ==, 0);
  restored = exec_parse_json_object (out);
  g_assert_true (json_object_get_boolean_member (restored, "restored"));
  after = admin_value ("SELECT concat(toString(count()), ' ', toString(sum(id)), ' ', "
                       "toString(sum(cityHash64(s)))) FROM %s.%s", db, t);
  g_assert_cmpstr (after, ==, before);
  g_free (upg_test_clickhouse_admin_printf (server, "DROP TABLE %s.%s", db, t));
  exec_fixture_clear (&fx);
}

/* The decompressed text of the gzip archive @path (NUL-terminated, its
 * length without the NUL in *@length when not NULL). */
static char *
archive_text (const char *path,
              gsize      *length)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInputStream) raw = g_file_read (file, NULL, &error);
  g_autoptr(GZlibDecompressor) gunzip = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_assert_no_error (error);
  in = g_converter_input_stream_new (G_INPUT_STREAM (raw), G_CONVERTER (gunzip));
  g_assert_cmpint (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_NONE, NULL, &error), >=, 0);
  g_assert_no_error (error);
  /* NUL-terminated, for strstr(). */
  g_assert_true (g_output_stream_write_all (out, "", 1, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  if (length != NULL)
    *length = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)) - 1;
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

/* The first @needle in the @length bytes of @text, which may hold NUL
 * bytes (binary rows), or NULL. */
static char *
find_bytes (char       *text,
            gsize       length,
            const char *needle)
{
  gsize n_len = strlen (needle);

  for (gsize i = 0; i + n_len <= length; i++)
    if (memcmp (text + i, needle, n_len) == 0)
      return text + i;
  return NULL;
}

static guint
occurrences (char       *text,
             gsize       length,
             const char *needle)
{
  guint n = 0;

  for (char *p = find_bytes (text, length, needle); p != NULL;
       p = find_bytes (p + 1, length - (gsize) (p + 1 - text), needle))
    n++;
  return n;
}

/* Every row of @table in id order, as the server writes them in
 * TabSeparated: the bytes a restore must give back. */
static char *
tsv_rows (const char *table)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConnection) conn = upg_test_clickhouse_connect (server, "ck-admin", &error);
  g_autofree char *sql = g_strdup_printf ("SELECT * FROM %s.%s ORDER BY id FORMAT TabSeparated",
                                          upg_test_clickhouse_get_database (server), table);
  g_autoptr(GBytes) request = g_bytes_new (sql, strlen (sql));
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_assert_no_error (error);
  in = upg_clickhouse_connection_send (UPG_CLICKHOUSE_CONNECTION (conn), request, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE, NULL, &error), >=, 0);
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (out, "", 1, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

/* Backs up @table with the pre_stop stage of a new site in @fx: the
 * backup's journal record (owned by *@listed). */
static JsonObject *
backup_table (ExecFixture  *fx,
              const char   *site,
              const char   *table,
              JsonObject  **listed)
{
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", table);
  g_autofree char *out = NULL;
  int status;

  site_init (fx, site, quoted);
  status = exec_exit_code (exec_fixture_cli (fx, NULL, &out, "run", "--confirm", "--from", FROM, "--to", TO,
                                             "--stage", "pre_stop", NULL));
  if (status != 0)
    g_test_message ("upgradectl run: %s", out);
  g_assert_cmpint (status, ==, 0);
  *listed = exec_fixture_ctl_json (fx, NULL, 0, "backups", NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (*listed, "backups")), ==, 1);
  return json_array_get_object_element (json_object_get_array_member (*listed, "backups"), 0);
}

/* Puts @length bytes of @text, gzipped, in place of @backup's archive,
 * and journals their SHA-256 as if the backup had made them: what a
 * restore reads is then exactly @text. */
static void
replace_archive (ExecFixture *fx,
                 JsonObject  *backup,
                 const char  *text,
                 gsize        length)
{
  const char *path = json_object_get_string_member (backup, "path");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileOutputStream) raw = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
  g_autoptr(GZlibCompressor) gzip = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
  g_autoptr(GOutputStream) out = NULL;
  g_autofree char *contents = NULL, *sha = NULL, *journal = NULL, *sql = NULL;
  gsize size = 0;

  g_assert_no_error (error);
  out = g_converter_output_stream_new (G_OUTPUT_STREAM (raw), G_CONVERTER (gzip));
  g_assert_true (g_output_stream_write_all (out, text, length, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &size, NULL));
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, size);
  journal = g_build_filename (fx->state, "journal.db", NULL);
  sql = g_strdup_printf ("UPDATE upgrade_backup SET sha256 = '%s' WHERE id = '%s'", sha,
                         json_object_get_string_member (backup, "id"));
  exec_sqlite_exec (journal, sql);
}

/* Rows in the Native format: every type a table of the engine's sites
 * may hold comes back byte for byte (as TabSeparated shows them), with
 * the bytes TabSeparated would escape kept raw in the archive. */
static void
test_native_types (void)
{
  const char *db;
  g_autofree char *t = g_strdup_printf ("types_%08x", g_random_int ());
  g_autofree char *before = NULL, *after = NULL, *schema = NULL, *schema_after = NULL, *text = NULL;
  g_autoptr(JsonObject) listed = NULL, restored = NULL;
  JsonObject *backup;
  gsize length = 0;
  ExecFixture fx;

  g_assert_no_error (start_error);
  db = upg_test_clickhouse_get_database (server);
  g_free (admin_value ("CREATE TABLE %s.%s (id UInt32, ns Nullable(String), f Float64, fs FixedString(4), "
                       "arr Array(String), dt DateTime, d Decimal(18, 4), e Enum8('a' = 1, 'b' = -2), "
                       "ni Nullable(Int64)) ENGINE = MergeTree ORDER BY id", db, t));
  g_free (admin_value ("INSERT INTO %s.%s VALUES "
                       "(1, 'tab\\there\\nnl\\\\bs', nan, 'a\\0\\0b', ['x', 'y\\tz', ''], "
                       "'2020-01-02 03:04:05', 1.2345, 'a', NULL), "
                       "(2, NULL, inf, '\\0\\0\\0\\0', [], '1970-01-02 00:00:00', -0.0001, 'b', -9223372036854775808), "
                       "(3, '', -inf, 'abcd', ['\\\\N', 'multi\\nline'], '2038-01-19 03:14:07', 99999999999999.9999, "
                       "'a', 7)", db, t));
  before = tsv_rows (t);
  schema = table_schema (t);
  /* Each value as it was written, not as the server's defaults. */
  g_assert_nonnull (strstr (before, "nan\t"));
  g_assert_nonnull (strstr (before, "-inf\t"));
  g_assert_nonnull (strstr (before, "a\\0\\0b"));

  backup = backup_table (&fx, "ck-types", t, &listed);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (backup, "row_counts"), t), ==, 3);
  text = archive_text (json_object_get_string_member (backup, "path"), &length);
  g_assert_true (g_str_has_prefix (text, "upgrade-clickhouse-backup 3\n"));
  /* Native keeps a string's bytes as they are; TabSeparated escapes them. */
  g_assert_cmpuint (occurrences (text, length, "tab\there\nnl\\bs"), ==, 1);
  g_assert_cmpuint (occurrences (text, length, "tab\\there"), ==, 0);

  g_free (admin_value ("DROP TABLE %s.%s", db, t));
  restored = exec_fixture_ctl_json (&fx, NULL, 0, "restore", json_object_get_string_member (backup, "id"), "--yes",
                                    NULL);
  g_assert_true (json_object_get_boolean_member (restored, "restored"));
  after = tsv_rows (t);
  schema_after = table_schema (t);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpstr (schema_after, ==, schema);
  g_free (admin_value ("DROP TABLE %s.%s", db, t));
  exec_fixture_clear (&fx);
}

/* After a table's rows are put back, the server must count as many as
 * the backup journaled: a restore that finds fewer (or more) fails,
 * naming the table and both counts. The archive is made to claim 4
 * rows for a table of 3 (its SHA-256 journaled again, as a backup that
 * counted wrong would have). */
static void
test_restore_count_checked (void)
{
  const char *db;
  g_autofree char *t = g_strdup_printf ("counted_%08x", g_random_int ());
  g_autofree char *text = NULL, *header = NULL, *err = NULL, *expected = NULL;
  g_autoptr(JsonObject) listed = NULL;
  JsonObject *backup;
  char *line, *end;
  gsize length = 0;
  ExecFixture fx;

  g_assert_no_error (start_error);
  db = upg_test_clickhouse_get_database (server);
  g_free (admin_value ("CREATE TABLE %s.%s (id UInt32, s String) ENGINE = MergeTree ORDER BY id", db, t));
  g_free (admin_value ("INSERT INTO %s.%s VALUES (1, 'a'), (2, 'b'), (3, 'c')", db, t));
  backup = backup_table (&fx, "ck-counted", t, &listed);

  text = archive_text (json_object_get_string_member (backup, "path"), &length);
  header = g_strdup_printf ("\ntable\t%s\t", t);
  line = find_bytes (text, length, header);
  g_assert_nonnull (line);
  end = strchr (line + 1, '\n');
  g_assert_nonnull (end);
  /* "…<TAB>3\n" becomes "…<TAB>4\n": no other size changes. */
  g_assert_cmpint (end[-2], ==, '\t');
  g_assert_cmpint (end[-1], ==, '3');
  end[-1] = '4';
  replace_archive (&fx, backup, text, length);

  g_assert_cmpint (exec_exit_code (exec_fixture_cli_stderr (&fx, NULL, &err, "restore",
                                                            json_object_get_string_member (backup, "id"), "--yes",
                                                            NULL)), !=, 0);
  g_assert_nonnull (strstr (err, t));
  expected = g_strdup_printf ("%s", "4 rows");
  g_assert_nonnull (strstr (err, expected));
  g_assert_nonnull (strstr (err, "found 3"));
  g_free (admin_value ("DROP TABLE %s.%s", db, t));
  exec_fixture_clear (&fx);
}

/* A version 2 archive (rows in TabSeparated, as 0.x backups were made)
 * still restores: escapes undone, NULL kept. */
static void
test_restore_version_2 (void)
{
  const char *db;
  g_autofree char *t = g_strdup_printf ("old_%08x", g_random_int ());
  g_autofree char *create = NULL, *rows = NULL, *text = NULL, *escaped = NULL, *after = NULL, *count = NULL;
  g_autoptr(JsonObject) listed = NULL, restored = NULL;
  JsonObject *backup;
  ExecFixture fx;

  g_assert_no_error (start_error);
  db = upg_test_clickhouse_get_database (server);
  g_free (admin_value ("CREATE TABLE %s.%s (id UInt32, s String, n Nullable(Int64)) ENGINE = MergeTree "
                       "ORDER BY id", db, t));
  backup = backup_table (&fx, "ck-v2", t, &listed);

  create = table_schema (t);
  rows = g_strdup ("1\ttab\\there\t\\N\n2\tline\\nbreak\t5\n3\tback\\\\slash\t-7\n");
  escaped = g_strescape (t, NULL);
  text = g_strdup_printf ("upgrade-clickhouse-backup 2\nobject\t%s\ttable\ntable\t%s\t%zu\t%zu\t3\n%s%s", escaped,
                          escaped, strlen (create), strlen (rows), create, rows);
  replace_archive (&fx, backup, text, strlen (text));

  g_free (admin_value ("DROP TABLE %s.%s", db, t));
  restored = exec_fixture_ctl_json (&fx, NULL, 0, "restore", json_object_get_string_member (backup, "id"), "--yes",
                                    NULL);
  g_assert_true (json_object_get_boolean_member (restored, "restored"));
  after = table_rows (t);
  g_assert_cmpstr (after, ==, "1|tab\there|NULL;2|line\nbreak|5;3|back\\slash|-7");
  g_free (admin_value ("DROP TABLE %s.%s", db, t));
  exec_fixture_clear (&fx);
}

/* Every object of the test database: name, engine, its CREATE statement
 * and, but for Distributed tables (read through the cluster), its rows'
 * count; one text, in name order. */
static char *
database_objects (void)
{
  const char *db = upg_test_clickhouse_get_database (server);
  g_autofree char *names = admin_value ("SELECT arrayStringConcat(groupArray(concat(name, ' ', engine)), '\n') "
                                        "FROM (SELECT name, engine FROM system.tables WHERE database = '%s' "
                                        "ORDER BY name)", db);
  g_auto(GStrv) lines = g_strsplit (names != NULL ? names : "", "\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", 2);
      g_autofree char *schema = admin_value ("SHOW CREATE TABLE %s.`%s`", db, fields[0]);
      g_autofree char *count = g_str_equal (fields[1], "Distributed")
                               ? g_strdup ("-") : admin_value ("SELECT count() FROM %s.`%s`", db, fields[0]);

      g_string_append_printf (out, "%s | %s | %s\n", lines[i], count, schema);
    }
  return g_string_free (out, FALSE);
}

/* A database with every kind of object a backup must tell apart: a
 * MergeTree table, a view on it, a materialized view with an inner table,
 * one writing TO a table, and a Distributed table over the local one.
 * The backup holds each row once (the source's rows once, not again
 * through the view or the Distributed table; the materialized views'
 * rows once, from the inner or the TO table); restoring it into an
 * emptied database gives back the same objects with the same rows, in an
 * order the server accepts, and the materialized views feed again. */
static void
test_views_and_distributed (void)
{
  const char *db;
  guint32 tag = g_random_int ();
  g_autofree char *src = g_strdup_printf ("src_%08x", tag), *v = g_strdup_printf ("v_%08x", tag);
  g_autofree char *mv = g_strdup_printf ("mv_%08x", tag), *tgt = g_strdup_printf ("tgt_%08x", tag);
  g_autofree char *mvto = g_strdup_printf ("mvto_%08x", tag), *dist = g_strdup_printf ("dist_%08x", tag);
  g_autofree char *before = NULL, *after = NULL, *text = NULL, *out = NULL, *err = NULL, *count = NULL;
  g_autoptr(JsonObject) listed = NULL, all = NULL, one = NULL;
  JsonObject *backup, *counts, *objects;
  const char *id;
  ExecFixture fx;
  gsize text_length = 0;
  int status;

  g_assert_no_error (start_error);
  db = upg_test_clickhouse_get_database (server);
  g_free (admin_value ("CREATE TABLE %s.%s (id UInt32, s String) ENGINE = MergeTree ORDER BY id", db, src));
  g_free (admin_value ("CREATE VIEW %s.%s AS SELECT id, s FROM %s.%s WHERE id > 1", db, v, db, src));
  g_free (admin_value ("CREATE MATERIALIZED VIEW %s.%s ENGINE = MergeTree ORDER BY id "
                       "AS SELECT id, upper(s) AS u FROM %s.%s", db, mv, db, src));
  g_free (admin_value ("CREATE TABLE %s.%s (id UInt32, r String) ENGINE = MergeTree ORDER BY id", db, tgt));
  g_free (admin_value ("CREATE MATERIALIZED VIEW %s.%s TO %s.%s AS SELECT id, reverse(s) AS r FROM %s.%s",
                       db, mvto, db, tgt, db, src));
  g_free (admin_value ("CREATE TABLE %s.%s AS %s.%s ENGINE = Distributed(test_shard_localhost, %s, %s)",
                       db, dist, db, src, db, src));
  g_free (admin_value ("INSERT INTO %s.%s VALUES (1, 'srcmark'), (2, 'srcmark'), (3, 'srcmark')", db, src));
  before = database_objects ();
  g_assert_nonnull (strstr (before, "View"));

  site_init (&fx, "ck-views", "");
  /* No tables listed: the whole database. */
  exec_fixture_write_manifest (&fx, TO, "\"pre_stop\": [{\"id\": \"bk\", \"backup\": {\"database\": \"logs_ck\"}}]",
                               NULL);
  status = exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "run", "--confirm", "--from", FROM,
                                             "--to", TO, "--stage", "pre_stop", NULL));
  if (status != 0)
    g_test_message ("upgradectl run: %s", out);
  g_assert_cmpint (status, ==, 0);
  g_clear_pointer (&out, g_free);
  listed = exec_fixture_ctl_json (&fx, NULL, 0, "backups", NULL);
  backup = json_array_get_object_element (json_object_get_array_member (listed, "backups"), 0);
  id = json_object_get_string_member (backup, "id");

  /* Rows once each: the source's, the inner table's, the TO table's. */
  text = archive_text (json_object_get_string_member (backup, "path"), &text_length);
  g_assert_cmpuint (occurrences (text, text_length, "srcmark"), ==, 3);
  g_assert_cmpuint (occurrences (text, text_length, "SRCMARK"), ==, 3);
  g_assert_cmpuint (occurrences (text, text_length, "kramcrs"), ==, 3);

  /* The journal tells each object's kind; rows only where rows are kept. */
  objects = json_object_get_object_member (backup, "objects");
  g_assert_nonnull (objects);
  g_assert_cmpstr (json_object_get_string_member (objects, src), ==, "table");
  g_assert_cmpstr (json_object_get_string_member (objects, tgt), ==, "table");
  g_assert_cmpstr (json_object_get_string_member (objects, v), ==, "view");
  g_assert_cmpstr (json_object_get_string_member (objects, mv), ==, "materialized-view");
  g_assert_cmpstr (json_object_get_string_member (objects, mvto), ==, "materialized-view");
  g_assert_cmpstr (json_object_get_string_member (objects, dist), ==, "distributed");
  counts = json_object_get_object_member (backup, "row_counts");
  g_assert_cmpint (json_object_get_int_member (counts, src), ==, 3);
  g_assert_cmpint (json_object_get_int_member (counts, tgt), ==, 3);
  g_assert_cmpint (json_object_get_int_member (counts, mv), ==, 3);
  g_assert_false (json_object_has_member (counts, v));
  g_assert_false (json_object_has_member (counts, dist));
  g_assert_false (json_object_has_member (counts, mvto));
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "backups", NULL)), ==, 0);
  g_assert_nonnull (strstr (out, v));
  g_assert_nonnull (strstr (out, "(view)"));
  g_assert_nonnull (strstr (out, "(materialized view)"));
  g_assert_nonnull (strstr (out, "(distributed)"));

  g_free (admin_value ("DROP DATABASE %s", db));
  g_free (admin_value ("CREATE DATABASE %s", db));

  /* The view alone cannot come back without its table: refused, naming it. */
  g_assert_cmpint (exec_exit_code (exec_fixture_cli_stderr (&fx, NULL, &err, "restore", id, "--table", v,
                                                            "--yes", NULL)), !=, 0);
  g_assert_nonnull (strstr (err, src));
  g_clear_pointer (&err, g_free);
  count = admin_value ("SELECT count() FROM system.tables WHERE database = '%s'", db);
  g_assert_cmpstr (count, ==, "0");
  /* With its table back first, it can. */
  one = exec_fixture_ctl_json (&fx, NULL, 0, "restore", id, "--table", src, "--yes", NULL);
  g_assert_true (json_object_get_boolean_member (one, "restored"));
  g_clear_pointer (&one, json_object_unref);
  one = exec_fixture_ctl_json (&fx, NULL, 0, "restore", id, "--table", v, "--yes", NULL);
  g_assert_true (json_object_get_boolean_member (one, "restored"));
  g_free (count);
  count = admin_value ("SELECT count() FROM %s.%s", db, v);
  g_assert_cmpstr (count, ==, "2");

  /* A materialized view made after the backup would get the source's
   * rows again: all of it is refused, naming it, before anything is
   * dropped. */
  g_free (admin_value ("CREATE MATERIALIZED VIEW %s.later_%08x ENGINE = Log AS SELECT id FROM %s.%s",
                       db, tag, db, src));
  g_assert_cmpint (exec_exit_code (exec_fixture_cli_stderr (&fx, NULL, &err, "restore", id, "--yes", NULL)), !=, 0);
  {
    g_autofree char *later = g_strdup_printf ("later_%08x", tag);

    g_assert_nonnull (strstr (err, later));
  }
  g_clear_pointer (&err, g_free);
  g_free (count);
  count = admin_value ("SELECT count() FROM %s.%s", db, v);
  g_assert_cmpstr (count, ==, "2");
  g_free (admin_value ("DROP TABLE %s.later_%08x", db, tag));

  /* All of it, over what is there. */
  all = exec_fixture_ctl_json (&fx, NULL, 0, "restore", id, "--yes", NULL);
  g_assert_true (json_object_get_boolean_member (all, "restored"));
  after = database_objects ();
  g_assert_cmpstr (after, ==, before);

  /* The table alone would feed the materialized views again: refused,
   * naming them, and left as it is. */
  g_assert_cmpint (exec_exit_code (exec_fixture_cli_stderr (&fx, NULL, &err, "restore", id, "--table", src,
                                                            "--yes", NULL)), !=, 0);
  g_assert_nonnull (strstr (err, mv));
  g_assert_nonnull (strstr (err, mvto));
  g_clear_pointer (&after, g_free);
  after = database_objects ();
  g_assert_cmpstr (after, ==, before);
  /* A materialized view alone: its inner table's rows with it. */
  g_free (admin_value ("INSERT INTO %s.%s VALUES (9, 'x')", db, mv));
  g_clear_pointer (&one, json_object_unref);
  one = exec_fixture_ctl_json (&fx, NULL, 0, "restore", id, "--table", mv, "--yes", NULL);
  g_assert_true (json_object_get_boolean_member (one, "restored"));
  g_clear_pointer (&after, g_free);
  after = database_objects ();
  g_assert_cmpstr (after, ==, before);

  /* The materialized views are attached again: a new row feeds both. */
  g_free (admin_value ("INSERT INTO %s.%s VALUES (4, 'late')", db, src));
  g_free (count);
  count = admin_value ("SELECT concat(toString((SELECT count() FROM %s.%s)), ' ', "
                       "toString((SELECT count() FROM %s.%s)))", db, mv, db, tgt);
  g_assert_cmpstr (count, ==, "4 4");
  exec_fixture_clear (&fx);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  server = upg_test_clickhouse_start (&start_error);
  g_test_add_func ("/clickhouse-backup/backup-restore", test_backup_restore);
  g_test_add_func ("/clickhouse-backup/restore-bounded-memory", test_restore_bounded_memory);
  g_test_add_func ("/clickhouse-backup/native-types", test_native_types);
  g_test_add_func ("/clickhouse-backup/restore-count-checked", test_restore_count_checked);
  g_test_add_func ("/clickhouse-backup/restore-version-2", test_restore_version_2);
  /* Last: it empties the database. */
  g_test_add_func ("/clickhouse-backup/views-and-distributed", test_views_and_distributed);
  status = g_test_run ();
  upg_test_clickhouse_stop (server);
  g_clear_error (&start_error);
  return status;
}
