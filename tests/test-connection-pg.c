/* test-connection-pg.c - the libpq backend against a real PostgreSQL
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <upgrade.h>

#include "upg-pg-connection-private.h"
#include "upg-test-servers.h"

/* "grinning face" U+1F600 (4 bytes in UTF-8) and a CJK character. */
#define EMOJI_TEXT "smile \xF0\x9F\x98\x80 \xE4\xB8\xAD"
#define EMOJI_HEX "736d696c6520f09f988020e4b8ad"

static UpgTestServer *server;
static GError *start_error;
static GLogLevelFlags notice_level;

/* Records at which level the server's notice reached the GLib log. */
static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0
        && strstr (fields[i].value, "upg-notice-marker") != NULL)
      {
        notice_level = level;
        return G_LOG_WRITER_HANDLED;
      }

  return g_log_writer_default (level, fields, n_fields, data);
}

static UpgConnection *
connect_server (gboolean use_socket)
{
  return upg_test_server_connect (server, start_error, "mid_db", use_socket);
}

static void
test_properties (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);
  g_autoptr(UpgConnection) over_socket = connect_server (TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  g_autofree char *app = NULL;

  g_assert_cmpstr (upg_connection_get_name (conn), ==, "mid_db");
  g_assert_cmpint (upg_connection_get_dialect (conn), ==, UPG_DIALECT_POSTGRESQL);
  g_assert_true (upg_connection_has_transactional_ddl (conn));
  version = upg_connection_get_server_version (conn, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (version, "15."));
  g_assert_true (upg_connection_ping (over_socket, &error));
  g_assert_no_error (error);

  app = upg_test_query_value (over_socket, "SELECT current_setting('application_name')", NULL);
  g_assert_cmpstr (app, ==, "libupgrade");
}

static void
test_affected_rows (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);

  upg_test_exec_ok (conn, "CREATE TABLE rows_t (id serial PRIMARY KEY, v text)", 0);
  upg_test_exec_ok (conn, "INSERT INTO rows_t (v) VALUES ('a'), ('b'), ('c')", 3);
  upg_test_exec_ok (conn, "UPDATE rows_t SET v = 'x' WHERE id > 1", 2);
  upg_test_exec_ok (conn, "SELECT * FROM rows_t", 0);
  /* Several statements: all run, the counts add up. */
  upg_test_exec_ok (conn, "DELETE FROM rows_t WHERE id = 1; INSERT INTO rows_t (v) VALUES ('d')", 2);
}

/* The function body, comments and all, is stored exactly as sent. */
static void
test_dollar_quoted_body (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);
  g_autofree char *stored = NULL;
  const char *body =
    "\n"
    "DECLARE\n"
    "  n integer := 0; -- a comment; with a semicolon and a ? mark\n"
    "BEGIN\n"
    "  /* a block comment; $1 ? */\n"
    "  n := n + 1; -- trailing ' quote\n"
    "  RETURN n + $tag$;$tag$::text::integer * 0; -- \xF0\x9F\x98\x80\n"
    "END;\n";
  g_autofree char *sql = g_strdup_printf ("CREATE FUNCTION counted () RETURNS integer LANGUAGE plpgsql AS $$%s$$", body);

  upg_test_exec_ok (conn, "SELECT 1", 0);
  g_assert_false (upg_connection_execute (conn, "SELECT $tag$;$tag$::integer", NULL, NULL, NULL));
  upg_test_exec_ok (conn, sql, 0);
  stored = upg_test_query_value (conn, "SELECT prosrc FROM pg_proc WHERE proname = ?",
                                (const char *[]) { "counted", NULL });
  g_assert_cmpuint (strlen (stored), ==, strlen (body));
  g_assert_cmpmem (stored, strlen (stored), body, strlen (body));
}

static void
test_emoji (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = NULL;
  g_autofree char *by_param = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *dir = upg_test_make_dir ("pg-client");
  g_autofree char *script = g_build_filename (dir, "read.sql", NULL);
  g_autofree char *output = NULL;

  upg_test_exec_ok (conn, "CREATE TABLE emoji (id integer PRIMARY KEY, t text)", 0);
  upg_test_exec_ok (conn, "INSERT INTO emoji VALUES (1, '" EMOJI_TEXT "')", 1);
  rows = upg_connection_query (conn, "INSERT INTO emoji VALUES (2, ?) RETURNING t",
                               (const char *[]) { EMOJI_TEXT, NULL }, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (upg_rows_get_n_rows (rows), ==, 1);

  by_param = upg_test_query_value (conn, "SELECT t FROM emoji WHERE id = 1", NULL);
  g_assert_cmpmem (by_param, strlen (by_param), EMOJI_TEXT, strlen (EMOJI_TEXT));
  hex = upg_test_query_value (conn, "SELECT encode(convert_to(t, 'UTF8'), 'hex') FROM emoji WHERE id = 2", NULL);
  g_assert_cmpstr (hex, ==, EMOJI_HEX);

  /* The native client reads the same bytes. */
  g_assert_true (g_file_set_contents (script,
                                     "SELECT encode(convert_to(t, 'UTF8'), 'hex') FROM emoji ORDER BY id;\n",
                                     -1, NULL));
  g_assert_true (upg_test_server_run_client (server, script, &output, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (output, ==, EMOJI_HEX "\n" EMOJI_HEX "\n");

  g_unlink (script);
  g_rmdir (dir);
}

/* `?` inside comments, strings, dollar quotes and quoted names is not a
 * placeholder; values are bound, so quotes need no escaping. */
static void
test_placeholders (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = NULL;
  const char *tricky = "it's a \\ \"test\" ? $1";

  rows = upg_connection_query (conn,
                               "SELECT ? AS \"a?\", /* is this ? a /* nested */ comment? */ '?' AS b, "
                               "$$?$$ AS c, E'\\'?' AS d, ?::text AS e -- why?\n",
                               (const char *[]) { tricky, "-- not a comment", NULL }, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (upg_rows_get_n_rows (rows), ==, 1);
  g_assert_cmpuint (upg_rows_get_n_columns (rows), ==, 5);
  g_assert_cmpstr (upg_rows_get_column_name (rows, 0), ==, "a?");
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 0), ==, tricky);
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 1), ==, "?");
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 2), ==, "?");
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 3), ==, "'?");
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 4), ==, "-- not a comment");
  g_clear_object (&rows);

  rows = upg_connection_query (conn, "SELECT NULL::text AS n", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (upg_rows_get_value (rows, 0, 0));
  g_clear_object (&rows);

  rows = upg_connection_query (conn, "SELECT ?, ?", (const char *[]) { "1", NULL }, NULL, &error);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_assert_null (rows);
}

static void
test_duplicate_key (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);
  g_autoptr(GError) error = NULL;

  upg_test_exec_ok (conn, "CREATE TABLE dup (id integer PRIMARY KEY)", 0);
  upg_test_exec_ok (conn, "INSERT INTO dup VALUES (1)", 1);
  g_assert_false (upg_connection_execute (conn, "INSERT INTO dup VALUES (1)", NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_assert_cmpstr (upg_connection_get_last_sqlstate (conn), ==, "23505");
  g_assert_cmpint (upg_connection_get_last_error_code (conn), ==, 0);
  g_assert_cmpstr (error->message, ==,
                   "ERROR 23505: duplicate key value violates unique constraint \"dup_pkey\"\n"
                   "DETAIL: Key (id)=(1) already exists.");
  g_clear_error (&error);

  /* In a text of several statements, the failure is reported too. */
  g_assert_false (upg_connection_execute (conn, "INSERT INTO dup VALUES (2); INSERT INTO dup VALUES (2)",
                                         NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_assert_cmpstr (upg_connection_get_last_sqlstate (conn), ==, "23505");
}

static void
test_syntax_error (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);
  g_autoptr(GError) error = NULL;

  g_assert_false (upg_connection_execute (conn, "SELEC 1", NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_assert_cmpstr (upg_connection_get_last_sqlstate (conn), ==, "42601");
  g_assert_cmpstr (error->message, ==, "ERROR 42601: syntax error at or near \"SELEC\"");
}

static void
test_failed_transaction (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *count = NULL;

  upg_test_exec_ok (conn, "CREATE TABLE tx (id integer PRIMARY KEY)", 0);
  g_assert_true (upg_connection_begin (conn, &error));
  upg_test_exec_ok (conn, "INSERT INTO tx VALUES (1)", 1);
  g_assert_false (upg_connection_execute (conn, "INSERT INTO tx VALUES (1)", NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_clear_error (&error);

  /* The server answers COMMIT with ROLLBACK: commit() must fail. */
  g_assert_false (upg_connection_commit (conn, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_assert_nonnull (strstr (error->message, "rolled back by the server"));
  g_clear_error (&error);

  count = upg_test_query_value (conn, "SELECT count(*) FROM tx", NULL);
  g_assert_cmpstr (count, ==, "0");
  g_clear_pointer (&count, g_free);

  /* DDL is transactional: a rolled back CREATE TABLE is gone. */
  g_assert_true (upg_connection_begin (conn, &error));
  upg_test_exec_ok (conn, "CREATE TABLE tx2 (id integer)", 0);
  g_assert_true (upg_connection_rollback (conn, &error));
  count = upg_test_query_value (conn, "SELECT count(*) FROM pg_tables WHERE tablename = 'tx2'", NULL);
  g_assert_cmpstr (count, ==, "0");
  g_clear_pointer (&count, g_free);

  g_assert_true (upg_connection_begin (conn, &error));
  upg_test_exec_ok (conn, "INSERT INTO tx VALUES (2)", 1);
  g_assert_true (upg_connection_commit (conn, &error));
  g_assert_no_error (error);
  count = upg_test_query_value (conn, "SELECT count(*) FROM tx", NULL);
  g_assert_cmpstr (count, ==, "1");
}

static void
test_statement_timeout (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);

  upg_test_check_timeout (conn, "SELECT pg_sleep(20)", 0, "57014");}

static void
test_cancel (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);

  upg_test_check_cancel (conn, "SELECT pg_sleep(30)");
}

static void
test_connection_lost (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);
  g_autoptr(UpgConnection) killer = connect_server (FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *pid = upg_test_query_value (conn, "SELECT pg_backend_pid()", NULL);
  g_autofree char *ok = upg_test_query_value (killer, "SELECT pg_terminate_backend(?::integer)",
                                             (const char *[]) { pid, NULL });

  g_assert_cmpstr (ok, ==, "t");
  g_assert_false (upg_connection_execute (conn, "SELECT 1", NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_clear_error (&error);
  g_assert_false (upg_connection_ping (conn, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
}

static void
test_connect_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConnection) conn = NULL;
  const char *password = upg_test_server_get_password (server);
  g_autofree char *wrong = g_strconcat (password, "-wrong", NULL);
  gboolean refused = FALSE;

  g_assert_no_error (start_error);
  /* The server's answers: retrying cannot change them. The message is
   * libpq's usual one (no LOCATION line) with the SQLSTATE. */
  conn = upg_pg_connection_new ("mid_db", "127.0.0.1", upg_test_server_get_port (server), NULL,
                                upg_test_server_get_user (server), wrong,
                                upg_test_server_get_database (server), &refused, &error);
  g_assert_null (conn);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_nonnull (strstr (error->message, "mid_db"));
  g_assert_nonnull (strstr (error->message, "FATAL:  password authentication failed"));
  g_assert_nonnull (strstr (error->message, "(SQLSTATE 28P01)"));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_null (strstr (error->message, password));
  g_assert_true (refused);
  g_clear_error (&error);

  refused = FALSE;
  conn = upg_pg_connection_new ("mid_db", "127.0.0.1", upg_test_server_get_port (server), NULL,
                                upg_test_server_get_user (server), password,
                                UPG_TEST_MISSING_DATABASE,
                                &refused, &error);
  g_assert_null (conn);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_nonnull (strstr (error->message, "(SQLSTATE 3D000)"));
  g_assert_true (refused);
  g_clear_error (&error);

  /* Port 1 on loopback: nothing listens there; not an answer. */
  refused = TRUE;
  conn = upg_pg_connection_new ("mid_db", "127.0.0.1", 1, NULL, "u", password, "x", &refused,
                                &error);
  g_assert_null (conn);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_nonnull (strstr (error->message, "Connection refused"));
  g_assert_null (strstr (error->message, password));
  g_assert_false (refused);
}

/* Server notices go to the debug log (libpq would print them on stderr). */
static void
test_notices (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);

  notice_level = 0;
  upg_test_exec_ok (conn, "DO $$ BEGIN RAISE NOTICE 'upg-notice-marker'; END $$", 0);
  g_assert_cmpint (notice_level, ==, G_LOG_LEVEL_DEBUG);
}

static void
test_open_data_source (void)
{
  g_assert_no_error (start_error);
  upg_test_server_check_open (server, UPG_TYPE_PG_CONNECTION);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (log_writer, NULL, NULL);

  server = upg_test_server_start (UPG_TEST_SERVER_POSTGRESQL, &start_error);

  g_test_add_func ("/connection/pg/properties", test_properties);
  g_test_add_func ("/connection/pg/affected-rows", test_affected_rows);
  g_test_add_func ("/connection/pg/dollar-quoted-body", test_dollar_quoted_body);
  g_test_add_func ("/connection/pg/emoji", test_emoji);
  g_test_add_func ("/connection/pg/placeholders", test_placeholders);
  g_test_add_func ("/connection/pg/duplicate-key", test_duplicate_key);
  g_test_add_func ("/connection/pg/syntax-error", test_syntax_error);
  g_test_add_func ("/connection/pg/failed-transaction", test_failed_transaction);
  g_test_add_func ("/connection/pg/statement-timeout", test_statement_timeout);
  g_test_add_func ("/connection/pg/cancel", test_cancel);
  g_test_add_func ("/connection/pg/connection-lost", test_connection_lost);
  g_test_add_func ("/connection/pg/connect-errors", test_connect_errors);

  g_test_add_func ("/connection/pg/notices", test_notices);
  g_test_add_func ("/connection/pg/open-data-source", test_open_data_source);

  status = g_test_run ();

  upg_test_server_stop (server);
  g_clear_error (&start_error);
  return status;
}
