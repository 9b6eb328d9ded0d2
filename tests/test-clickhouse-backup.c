/* test-clickhouse-backup.c - `backup` steps and `restore` on a real
 * ClickHouse (the 18.16 server of tests/upg-test-clickhouse.c), through
 * upgradectl as an operator runs them: the dump's row counts and SHA-256
 * journaled, then one table and then all of them put back, schema and
 * rows (tabs, newlines, backslashes, NULL) equal to what was dumped;
 * views, materialized views and Distributed tables kept as what they are
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include "exec-test-util.h"
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
/* Rows of the big table, each about 230 bytes in TabSeparated: a dump
 * of about 230 MB, more than the limit. */
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
  bytes = admin_value ("SELECT sum(length(s) + length(toString(id)) + 2) FROM %s.%s", db, t);
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

/* The decompressed text of the gzip archive @path. */
static char *
archive_text (const char *path)
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
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

static guint
occurrences (const char *text,
             const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
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
  text = archive_text (json_object_get_string_member (backup, "path"));
  g_assert_cmpuint (occurrences (text, "srcmark"), ==, 3);
  g_assert_cmpuint (occurrences (text, "SRCMARK"), ==, 3);
  g_assert_cmpuint (occurrences (text, "kramcrs"), ==, 3);

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
  /* Last: it empties the database. */
  g_test_add_func ("/clickhouse-backup/views-and-distributed", test_views_and_distributed);
  status = g_test_run ();
  upg_test_clickhouse_stop (server);
  g_clear_error (&start_error);
  return status;
}
