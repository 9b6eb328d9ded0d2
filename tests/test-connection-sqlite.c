/* test-connection-sqlite.c - the sqlite3 backend of UpgConnection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <upgrade.h>

#include "upg-sql-placeholders-private.h"
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

static guint
count_where (UpgConnection *conn,
             const char    *sql,
             const char    *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = upg_connection_query (conn, sql, (const char *[]) { value, NULL }, NULL, &error);

  g_assert_no_error (error);
  return (guint) upg_rows_get_int (rows, 0, 0, -1);
}

static void
insert_param (UpgConnection *conn,
              const char    *value,
              gboolean       accepted)
{
  g_autoptr(GError) error = NULL;
  G_GNUC_UNUSED g_autoptr(UpgRows) rows = upg_connection_query (conn, "INSERT INTO t (k) VALUES (?)",
                                                  (const char *[]) { value, NULL }, NULL, &error);

  if (accepted)
    g_assert_no_error (error);
  else
    g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
}

/* A parameterised write is kept prepared between queries: each run binds
 * its own values, a failed run leaves it usable, and it follows changes
 * of the table's definition. */
static void
test_prepared_reuse (Fixture       *fx,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = NULL;

  upg_test_exec_ok (fx->conn, "CREATE TABLE t (k TEXT UNIQUE, extra TEXT DEFAULT 'x')", 0);
  insert_param (fx->conn, "one", TRUE);
  insert_param (fx->conn, "two", TRUE);
  insert_param (fx->conn, "one", FALSE);   /* UNIQUE */
  insert_param (fx->conn, "three", TRUE);
  g_assert_cmpuint (count_where (fx->conn, "SELECT count(*) FROM t WHERE k <> ?", ""), ==, 3);

  /* Recreated with other columns in another order. */
  upg_test_exec_ok (fx->conn, "DROP TABLE t", 0);
  upg_test_exec_ok (fx->conn, "CREATE TABLE t (n INTEGER DEFAULT 7, k TEXT)", 0);
  insert_param (fx->conn, "four", TRUE);
  g_assert_cmpuint (count_where (fx->conn, "SELECT count(*) FROM t WHERE k = ? AND n = 7", "four"), ==, 1);

  /* A SELECT * after ALTER TABLE reports the new column. */
  rows = upg_connection_query (fx->conn, "SELECT * FROM t WHERE k = ?", (const char *[]) { "four", NULL }, NULL,
                               &error);
  g_assert_no_error (error);
  g_assert_cmpuint (upg_rows_get_n_columns (rows), ==, 2);
  g_clear_object (&rows);
  upg_test_exec_ok (fx->conn, "ALTER TABLE t ADD COLUMN z TEXT", 0);
  insert_param (fx->conn, "five", TRUE);
  rows = upg_connection_query (fx->conn, "SELECT * FROM t WHERE k = ?", (const char *[]) { "five", NULL }, NULL,
                               &error);
  g_assert_no_error (error);
  g_assert_cmpuint (upg_rows_get_n_columns (rows), ==, 3);
  g_assert_cmpuint (upg_rows_get_n_rows (rows), ==, 1);
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

#define ENDLESS_SQL \
  "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c"

static void
test_statement_timeout (Fixture       *fx,
                        gconstpointer  data)
{
  upg_test_check_timeout (fx->conn, ENDLESS_SQL, SQLITE_INTERRUPT, NULL);
  upg_test_exec_ok (fx->conn, "CREATE TABLE after_timeout (id INTEGER)", 0);
}

static void
test_cancel (Fixture       *fx,
             gconstpointer  data)
{
  upg_test_check_cancel (fx->conn, ENDLESS_SQL);
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

static void
test_open_data_source (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConnection) conn = NULL;
  g_autoptr(UpgDataSource) source = NULL;
  g_autoptr(UpgDataSource) missing = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *dir = upg_test_make_dir ("sqlite");
  g_autofree char *path = g_build_filename (dir, "local.db", NULL);
  g_autofree char *nowhere = g_build_filename (dir, "no-such-dir", "x.db", NULL);
  g_autofree char *json = g_strdup_printf ("{\"provider\": \"SQLite\", \"path\": \"%s\"}", path);

  source = upg_test_data_source_from_json ("local", json);
  conn = upg_data_source_open (source, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (UPG_IS_SQLITE_CONNECTION (conn));
  g_assert_cmpstr (upg_connection_get_name (conn), ==, "local");
  upg_test_exec_ok (conn, "CREATE TABLE t (id INTEGER)", 0);
  g_clear_object (&conn);

  /* A local file that cannot be opened is not retried. */
  missing = upg_data_source_new_sqlite ("local", nowhere);
  upg_test_assert_open_fails (missing, NULL, 1);

  g_cancellable_cancel (cancellable);
  conn = upg_data_source_open (source, cancellable, &error);
  g_assert_null (conn);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_unlink (path);
  g_rmdir (dir);
}

#ifndef UPG_TEST_HAVE_LIBGDA
/* Without libgda a raw `cnc` data source is refused, saying why (with
 * libgda, test-connection-gda opens them). */
static void
test_raw_cnc (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConnection) conn = NULL;
  g_autoptr(UpgDataSource) source =
    upg_test_data_source_from_json ("raw", "{\"cnc\": \"SQLite://DB_DIR=.;DB_NAME=x\"}");

  conn = upg_data_source_open (source, NULL, &error);
  g_assert_null (conn);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "without libgda"));
}
#endif

static char *
mark_param (guint    index,
            gpointer data)
{
  return g_strdup_printf ("<%u>", index);
}

/* Where `?` is a placeholder, dialect by dialect; the backends rely on it
 * to bind values (PostgreSQL) or quote them (MySQL, libgda). */
static void
test_placeholder_scanner (void)
{
  const struct {
    UpgDialect  dialect;
    const char *sql;
    const char *expected;
    guint       n;
  } cases[] = {
    { UPG_DIALECT_MYSQL, "SELECT ?, '?', \"?\", `?`", "SELECT <0>, '?', \"?\", `?`", 1 },
    { UPG_DIALECT_MYSQL, "SELECT 'it\\'s ?', ?", "SELECT 'it\\'s ?', <0>", 1 },
    { UPG_DIALECT_MYSQL, "SELECT 'a''?', ? # ?\n, ?", "SELECT 'a''?', <0> # ?\n, <1>", 2 },
    { UPG_DIALECT_MYSQL, "SELECT 1--?\n", "SELECT 1--<0>\n", 1 },
    { UPG_DIALECT_MYSQL, "SELECT 1 -- ?\n, ?", "SELECT 1 -- ?\n, <0>", 1 },
    { UPG_DIALECT_MYSQL, "SELECT /* ? */ ?", "SELECT /* ? */ <0>", 1 },
    { UPG_DIALECT_POSTGRESQL, "SELECT ?, '?', \"?\", $$?$$, $t$ $$ ? $t$, ?",
      "SELECT <0>, '?', \"?\", $$?$$, $t$ $$ ? $t$, <1>", 2 },
    { UPG_DIALECT_POSTGRESQL, "SELECT '\\', ?", "SELECT '\\', <0>", 1 },
    { UPG_DIALECT_POSTGRESQL, "SELECT E'\\'?', ?", "SELECT E'\\'?', <0>", 1 },
    { UPG_DIALECT_POSTGRESQL, "SELECT /* /* ? */ ? */ ?", "SELECT /* /* ? */ ? */ <0>", 1 },
    { UPG_DIALECT_POSTGRESQL, "SELECT $1, a$b, ? -- ?", "SELECT $1, a$b, <0> -- ?", 1 },
    { UPG_DIALECT_POSTGRESQL, "SELECT 'open ?", "SELECT 'open ?", 0 },
    { UPG_DIALECT_SQLITE, "SELECT ?, '?' -- ?", "SELECT <0>, '?' -- ?", 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint n = G_MAXUINT;
      g_autofree char *out = upg_sql_replace_placeholders (cases[i].sql, cases[i].dialect,
                                                           mark_param, NULL, &n);

      g_assert_cmpstr (out, ==, cases[i].expected);
      g_assert_cmpuint (n, ==, cases[i].n);
    }
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
  ADD ("/connection/sqlite/prepared-reuse", test_prepared_reuse);
  ADD ("/connection/sqlite/errors", test_errors);
  ADD ("/connection/sqlite/transactions", test_transactions);
  ADD ("/connection/sqlite/statement-timeout", test_statement_timeout);
  ADD ("/connection/sqlite/cancel", test_cancel);
  ADD ("/connection/sqlite/wal", test_wal);
#undef ADD
  g_test_add_func ("/connection/sqlite/open-errors", test_open_errors);
  g_test_add_func ("/connection/placeholder-scanner", test_placeholder_scanner);
  g_test_add_func ("/connection/sqlite/open-data-source", test_open_data_source);
#ifndef UPG_TEST_HAVE_LIBGDA
  g_test_add_func ("/connection/sqlite/raw-cnc-without-libgda", test_raw_cnc);
#endif

  return g_test_run ();
}
