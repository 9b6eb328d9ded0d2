/* test-connection-sqlite.c - the sqlite3 backend of UpgConnection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <upgrade.h>

#include "upg-sqlite-connection-private.h"
#include "upg-test-servers.h"

/* "grinning face" U+1F600 and a CJK character: 4- and 3-byte UTF-8. */
#define EMOJI_TEXT "smile \xF0\x9F\x98\x80 \xE4\xB8\xAD"

typedef struct
{
  char          *dir;
  char          *path;
  UpgConnection *conn;
} Fixture;

static void
fixture_set_up (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fx->dir = upg_test_make_dir ("sqlite");
  fx->path = g_build_filename (fx->dir, "test.db", NULL);
  fx->conn = upg_sqlite_connection_new ("local", fx->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fx->conn);
}

static void
fixture_tear_down (Fixture       *fx,
                   gconstpointer  data)
{
  g_autofree char *wal = g_strconcat (fx->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (fx->path, "-shm", NULL);

  g_clear_object (&fx->conn);
  g_unlink (wal);
  g_unlink (shm);
  g_unlink (fx->path);
  g_rmdir (fx->dir);
  g_free (fx->path);
  g_free (fx->dir);
}

static void
test_properties (Fixture       *fx,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;

  g_assert_cmpstr (upg_connection_get_name (fx->conn), ==, "local");
  g_assert_cmpint (upg_connection_get_dialect (fx->conn), ==, UPG_DIALECT_SQLITE);
  g_assert_true (upg_connection_has_transactional_ddl (fx->conn));
  version = upg_connection_get_server_version (fx->conn, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (version, ==, sqlite3_libversion ());
  g_assert_true (upg_connection_ping (fx->conn, &error));
  g_assert_no_error (error);
}

static void
test_affected_rows (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = NULL;

  upg_test_exec_ok (fx->conn, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", 0);
  upg_test_exec_ok (fx->conn, "INSERT INTO t (v) VALUES ('a'), ('b'), ('c')", 3);
  /* DDL after a change must not repeat the previous count. */
  upg_test_exec_ok (fx->conn, "CREATE INDEX t_v ON t (v)", 0);
  upg_test_exec_ok (fx->conn, "SELECT * FROM t", 0);
  upg_test_exec_ok (fx->conn, "UPDATE t SET v = 'x' WHERE id > 1", 2);
  /* Several statements in one text all run; counts add up. */
  upg_test_exec_ok (fx->conn, "DELETE FROM t WHERE id = 1; INSERT INTO t (v) VALUES ('d');\n-- trailing comment\n", 2);

  rows = upg_connection_query (fx->conn, "SELECT count(*) FROM t", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (upg_rows_get_int (rows, 0, 0, -1), ==, 3);
}

static void
test_query_params (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = NULL;
  const char *params[] = { EMOJI_TEXT, "it's", NULL };

  upg_test_exec_ok (fx->conn, "CREATE TABLE t (a TEXT, b TEXT, c TEXT)", 0);
  rows = upg_connection_query (fx->conn, "INSERT INTO t (a, b) VALUES (?, ?) RETURNING a, b, c",
                               params, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (upg_rows_get_n_rows (rows), ==, 1);
  g_clear_object (&rows);

  /* The `?` inside a comment and a string literal are not placeholders. */
  rows = upg_connection_query (fx->conn,
                               "SELECT a, b, c, '?' AS q /* where a = ? */ FROM t WHERE b = ?",
                               (const char *[]) { "it's", NULL }, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (upg_rows_get_n_rows (rows), ==, 1);
  g_assert_cmpuint (upg_rows_get_n_columns (rows), ==, 4);
  g_assert_cmpstr (upg_rows_get_column_name (rows, 3), ==, "q");
  g_assert_cmpmem (upg_rows_get_value (rows, 0, 0), strlen (EMOJI_TEXT), EMOJI_TEXT, strlen (EMOJI_TEXT));
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 1), ==, "it's");
  g_assert_null (upg_rows_get_value (rows, 0, 2));
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 3), ==, "?");
  g_clear_object (&rows);

  /* The emoji also survives when written as literal text in executed SQL. */
  upg_test_exec_ok (fx->conn, "INSERT INTO t (a) VALUES ('" EMOJI_TEXT "')", 1);
  rows = upg_connection_query (fx->conn, "SELECT count(*) FROM t WHERE a = ?",
                               (const char *[]) { EMOJI_TEXT, NULL }, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (upg_rows_get_int (rows, 0, 0, -1), ==, 2);
}

static void
test_query_param_count (Fixture       *fx,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = NULL;

  rows = upg_connection_query (fx->conn, "SELECT ?, ?", (const char *[]) { "1", NULL }, NULL, &error);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_assert_null (rows);
  g_clear_error (&error);

  rows = upg_connection_query (fx->conn, "SELECT 1; SELECT 2", NULL, NULL, &error);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_assert_null (rows);
}

static void
test_errors (Fixture       *fx,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (upg_connection_execute (fx->conn, "SELEC 1", NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_assert_nonnull (strstr (error->message, "syntax error"));
  g_assert_cmpint (upg_connection_get_last_error_code (fx->conn), ==, SQLITE_ERROR);
  g_assert_null (upg_connection_get_last_sqlstate (fx->conn));
  g_clear_error (&error);

  upg_test_exec_ok (fx->conn, "CREATE TABLE u (id INTEGER UNIQUE)", 0);
  g_assert_cmpint (upg_connection_get_last_error_code (fx->conn), ==, 0);
  /* The first statement runs, the second fails: the text stops there. */
  g_assert_false (upg_connection_execute (fx->conn,
                                          "INSERT INTO u VALUES (1); INSERT INTO u VALUES (1); INSERT INTO u VALUES (2)",
                                          NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_assert_cmpint (upg_connection_get_last_error_code (fx->conn), ==, SQLITE_CONSTRAINT_UNIQUE);
  g_assert_cmpstr (error->message, ==, "ERROR 2067: UNIQUE constraint failed: u.id");
}

static void
test_transactions (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = NULL;

  upg_test_exec_ok (fx->conn, "CREATE TABLE t (id INTEGER)", 0);
  g_assert_true (upg_connection_begin (fx->conn, &error));
  upg_test_exec_ok (fx->conn, "INSERT INTO t VALUES (1)", 1);
  upg_test_exec_ok (fx->conn, "CREATE TABLE t2 (id INTEGER)", 0);
  g_assert_true (upg_connection_rollback (fx->conn, &error));
  g_assert_no_error (error);

  rows = upg_connection_query (fx->conn,
                               "SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM sqlite_schema WHERE name = 't2')",
                               NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (upg_rows_get_int (rows, 0, 0, -1), ==, 0);
  g_assert_cmpint (upg_rows_get_int (rows, 0, 1, -1), ==, 0);

  g_assert_true (upg_connection_begin (fx->conn, &error));
  upg_test_exec_ok (fx->conn, "INSERT INTO t VALUES (2)", 1);
  g_assert_true (upg_connection_commit (fx->conn, &error));
  g_assert_no_error (error);

  /* Committing with no transaction open is an error, not a silent success. */
  g_assert_false (upg_connection_commit (fx->conn, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
}

static void
test_statement_timeout (Fixture       *fx,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 start;

  g_assert_true (upg_connection_set_statement_timeout (fx->conn, 1, &error));
  start = g_get_monotonic_time ();
  g_assert_false (upg_connection_execute (fx->conn,
                                          "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                                          "SELECT max(x) FROM c",
                                          NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_clear_error (&error);

  /* The connection is usable afterwards. */
  upg_test_exec_ok (fx->conn, "CREATE TABLE after_timeout (id INTEGER)", 0);
}

static gpointer
cancel_soon (gpointer data)
{
  /* Not synchronisation: whether this fires before or during the
   * statement, the statement must end cancelled. */
  g_usleep (G_USEC_PER_SEC / 20);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_cancel (Fixture       *fx,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GThread *thread = g_thread_new ("cancel", cancel_soon, cancellable);

  g_assert_false (upg_connection_execute (fx->conn,
                                          "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                                          "SELECT max(x) FROM c",
                                          NULL, cancellable, &error));
  g_thread_join (thread);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_CANCELLED);
  g_clear_error (&error);

  upg_test_exec_ok (fx->conn, "CREATE TABLE after_cancel (id INTEGER)", 0);
}

static void
test_wal (Fixture       *fx,
          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConnection) other = NULL;
  g_autoptr(UpgRows) rows = NULL;

  g_assert_true (upg_sqlite_connection_enable_wal (UPG_SQLITE_CONNECTION (fx->conn), &error));
  g_assert_no_error (error);
  g_assert_cmpstr (upg_sqlite_connection_get_path (UPG_SQLITE_CONNECTION (fx->conn)), ==, fx->path);

  /* The mode is persistent: a second connection sees it. */
  other = upg_sqlite_connection_new ("again", fx->path, &error);
  g_assert_no_error (error);
  rows = upg_connection_query (other, "PRAGMA journal_mode", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 0), ==, "wal");
}

static void
test_open_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConnection) conn = NULL;
  g_autofree char *dir = upg_test_make_dir ("sqlite");
  g_autofree char *junk = NULL;
  g_autofree char *missing = NULL;

  junk = g_build_filename (dir, "junk.db", NULL);
  missing = g_build_filename (dir, "no-such-dir", "x.db", NULL);

  g_assert_true (g_file_set_contents (junk, "this is not an SQLite database, just some text bytes.....................................................", -1, NULL));
  conn = upg_sqlite_connection_new ("junk", junk, &error);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_null (conn);
  g_assert_nonnull (strstr (error->message, "'junk'"));
  g_assert_nonnull (strstr (error->message, junk));
  g_clear_error (&error);

  conn = upg_sqlite_connection_new ("missing", missing, &error);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_null (conn);

  g_unlink (junk);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/connection/sqlite/properties", test_properties);
  ADD ("/connection/sqlite/affected-rows", test_affected_rows);
  ADD ("/connection/sqlite/query-params", test_query_params);
  ADD ("/connection/sqlite/query-param-count", test_query_param_count);
  ADD ("/connection/sqlite/errors", test_errors);
  ADD ("/connection/sqlite/transactions", test_transactions);
  ADD ("/connection/sqlite/statement-timeout", test_statement_timeout);
  ADD ("/connection/sqlite/cancel", test_cancel);
  ADD ("/connection/sqlite/wal", test_wal);
#undef ADD
  g_test_add_func ("/connection/sqlite/open-errors", test_open_errors);

  return g_test_run ();
}
