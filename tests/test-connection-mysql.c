/* test-connection-mysql.c - the libmariadb backend against a real MariaDB
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <upgrade.h>

#include "upg-mysql-connection-private.h"
#include "upg-test-servers.h"

/* "grinning face" U+1F600 (4 bytes in UTF-8) and a CJK character. */
#define EMOJI_TEXT "smile \xF0\x9F\x98\x80 \xE4\xB8\xAD"
#define EMOJI_HEX "736D696C6520F09F988020E4B8AD"

static UpgTestServer *server;
static GError *start_error;

static UpgConnection *
connect_server (gboolean use_socket)
{
  return upg_test_server_connect (server, start_error, "ft_db", use_socket);
}

static void
test_properties (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);
  g_autoptr(UpgConnection) over_socket = connect_server (TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  g_autofree char *charset = NULL;

  g_assert_cmpstr (upg_connection_get_name (conn), ==, "ft_db");
  g_assert_cmpint (upg_connection_get_dialect (conn), ==, UPG_DIALECT_MYSQL);
  g_assert_false (upg_connection_has_transactional_ddl (conn));
  version = upg_connection_get_server_version (conn, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (version, "MariaDB"));
  g_assert_true (upg_connection_ping (over_socket, &error));
  g_assert_no_error (error);

  charset = upg_test_query_value (conn, "SELECT @@character_set_connection", NULL);
  g_assert_cmpstr (charset, ==, "utf8mb4");
}

static void
test_affected_rows (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);

  upg_test_exec_ok (conn, "CREATE TABLE rows_t (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(10))", 0);
  upg_test_exec_ok (conn, "INSERT INTO rows_t (v) VALUES ('a'), ('b'), ('c')", 3);
  upg_test_exec_ok (conn, "UPDATE rows_t SET v = 'x' WHERE id > 1", 2);
  upg_test_exec_ok (conn, "SELECT * FROM rows_t", 0);
  upg_test_exec_ok (conn, "DELETE FROM rows_t", 3);
}

/* A procedure body holds semicolons and returns two result sets: the text
 * must reach the server whole, and every result must be drained. */
static void
test_procedure (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  upg_test_exec_ok (conn,
                    "CREATE PROCEDURE two_results (IN n INT)\n"
                    "BEGIN\n"
                    "  SELECT n; -- first; result\n"
                    "  SELECT n + 1; /* second; result */\n"
                    "END", 0);
  upg_test_exec_ok (conn, "CALL two_results (1)", 0);
  /* The connection is in sync afterwards. */
  value = upg_test_query_value (conn, "SELECT 42", NULL);
  g_assert_cmpstr (value, ==, "42");
  g_clear_pointer (&value, g_free);

  /* A failure after a first result set is still reported. */
  upg_test_exec_ok (conn, "CREATE PROCEDURE fails_late () BEGIN SELECT 1; SELECT * FROM no_such_table; END", 0);
  g_assert_false (upg_connection_execute (conn, "CALL fails_late ()", NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_assert_cmpint (upg_connection_get_last_error_code (conn), ==, 1146);
  g_assert_cmpstr (upg_connection_get_last_sqlstate (conn), ==, "42S02");
  value = upg_test_query_value (conn, "SELECT 43", NULL);
  g_assert_cmpstr (value, ==, "43");
}

static void
test_emoji (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = NULL;
  g_autofree char *by_param = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *dir = upg_test_make_dir ("mysql-client");
  g_autofree char *script = g_build_filename (dir, "read.sql", NULL);
  g_autofree char *output = NULL;

  upg_test_exec_ok (conn, "CREATE TABLE emoji (id INT PRIMARY KEY, t VARCHAR(40)) CHARACTER SET utf8mb4", 0);
  upg_test_exec_ok (conn, "INSERT INTO emoji VALUES (1, '" EMOJI_TEXT "')", 1);
  rows = upg_connection_query (conn, "INSERT INTO emoji VALUES (2, ?)",
                               (const char *[]) { EMOJI_TEXT, NULL }, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (upg_rows_get_n_columns (rows), ==, 0);

  by_param = upg_test_query_value (conn, "SELECT t FROM emoji WHERE id = 2", NULL);
  g_assert_cmpmem (by_param, strlen (by_param), EMOJI_TEXT, strlen (EMOJI_TEXT));
  hex = upg_test_query_value (conn, "SELECT HEX(t) FROM emoji WHERE id = 1", NULL);
  g_assert_cmpstr (hex, ==, EMOJI_HEX);

  /* The native client reads the same bytes. */
  g_assert_true (g_file_set_contents (script, "SELECT HEX(t) FROM emoji ORDER BY id;\n", -1, NULL));
  g_assert_true (upg_test_server_run_client (server, script, &output, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (output, ==, EMOJI_HEX "\n" EMOJI_HEX "\n");

  g_unlink (script);
  g_rmdir (dir);
}

/* `?` inside comments, strings and quoted names is not a placeholder, and
 * values are quoted so that quotes and backslashes arrive unchanged. */
static void
test_placeholders (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = NULL;
  const char *tricky = "it's a \\ \"test\" ?";

  rows = upg_connection_query (conn,
                               "SELECT ? AS `a?`, /* is this ? a comment */ '?' AS b, \"?\" AS c, ? AS d # why?\n",
                               (const char *[]) { tricky, "-- not a comment", NULL }, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (upg_rows_get_n_rows (rows), ==, 1);
  g_assert_cmpuint (upg_rows_get_n_columns (rows), ==, 4);
  g_assert_cmpstr (upg_rows_get_column_name (rows, 0), ==, "a?");
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 0), ==, tricky);
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 1), ==, "?");
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 2), ==, "?");
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 3), ==, "-- not a comment");
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

  upg_test_exec_ok (conn, "CREATE TABLE dup (id INT PRIMARY KEY)", 0);
  upg_test_exec_ok (conn, "INSERT INTO dup VALUES (1)", 1);
  g_assert_false (upg_connection_execute (conn, "INSERT INTO dup VALUES (1)", NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_assert_cmpint (upg_connection_get_last_error_code (conn), ==, 1062);
  g_assert_cmpstr (upg_connection_get_last_sqlstate (conn), ==, "23000");
  g_assert_true (g_str_has_prefix (error->message, "ERROR 1062 (23000): Duplicate entry '1'"));

  /* A success clears the last error. */
  upg_test_exec_ok (conn, "INSERT INTO dup VALUES (2)", 1);
  g_assert_cmpint (upg_connection_get_last_error_code (conn), ==, 0);
  g_assert_null (upg_connection_get_last_sqlstate (conn));
}

static void
test_syntax_error (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *ids = NULL;

  g_assert_false (upg_connection_execute (conn, "SELEC 1", NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_assert_cmpint (upg_connection_get_last_error_code (conn), ==, 1064);
  g_assert_cmpstr (upg_connection_get_last_sqlstate (conn), ==, "42000");
  g_assert_true (g_str_has_prefix (error->message, "ERROR 1064 (42000): You have an error in your SQL syntax"));
  g_clear_error (&error);

  /* Two statements in one text (a DELIMITER block) both run, as with the
   * `mariadb` client, which also connects with CLIENT_MULTI_STATEMENTS;
   * the first failure stops the rest and is reported. */
  upg_test_exec_ok (conn, "CREATE TABLE two (id INT) ENGINE=InnoDB", 0);
  upg_test_exec_ok (conn, "INSERT INTO two VALUES (1); INSERT INTO two VALUES (2), (3)", 3);
  g_assert_false (upg_connection_execute (conn, "INSERT INTO two VALUES (4); SELEC 1; INSERT INTO two VALUES (5)",
                                          NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_assert_cmpint (upg_connection_get_last_error_code (conn), ==, 1064);
  g_clear_error (&error);
  ids = upg_test_query_value (conn, "SELECT GROUP_CONCAT(id ORDER BY id) FROM two", NULL);
  g_assert_cmpstr (ids, ==, "1,2,3,4");
}

static void
test_transactions (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *count = NULL;

  upg_test_exec_ok (conn, "CREATE TABLE tx (id INT) ENGINE=InnoDB", 0);
  g_assert_true (upg_connection_begin (conn, &error));
  upg_test_exec_ok (conn, "INSERT INTO tx VALUES (1), (2)", 2);
  g_assert_true (upg_connection_rollback (conn, &error));
  count = upg_test_query_value (conn, "SELECT COUNT(*) FROM tx", NULL);
  g_assert_cmpstr (count, ==, "0");
  g_clear_pointer (&count, g_free);

  g_assert_true (upg_connection_begin (conn, &error));
  upg_test_exec_ok (conn, "INSERT INTO tx VALUES (3)", 1);
  g_assert_true (upg_connection_commit (conn, &error));
  g_assert_no_error (error);
  count = upg_test_query_value (conn, "SELECT COUNT(*) FROM tx", NULL);
  g_assert_cmpstr (count, ==, "1");
}

static void
test_statement_timeout (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);

  upg_test_check_timeout (conn, "SELECT SLEEP(20)", 1969, "70100");}

static void
test_cancel (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);

  upg_test_exec_ok (conn, "CREATE TABLE slow (id INT)", 0);
  upg_test_check_cancel (conn, "INSERT INTO slow SELECT SLEEP(30)");
}

static void
test_connection_lost (void)
{
  g_autoptr(UpgConnection) conn = connect_server (FALSE);
  g_autoptr(UpgConnection) killer = connect_server (FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = upg_test_query_value (conn, "SELECT CONNECTION_ID()", NULL);
  g_autofree char *kill = g_strdup_printf ("KILL CONNECTION %s", id);

  upg_test_exec_ok (killer, kill, 0);
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
  /* The server's answers: retrying cannot change them. */
  conn = upg_mysql_connection_new ("ft_db", "127.0.0.1", upg_test_server_get_port (server), NULL,
                                   upg_test_server_get_user (server), wrong,
                                   upg_test_server_get_database (server), &refused, &error);
  g_assert_null (conn);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_nonnull (strstr (error->message, "ft_db"));
  g_assert_nonnull (strstr (error->message, "1045"));
  g_assert_null (strstr (error->message, password));
  g_assert_true (refused);
  g_clear_error (&error);

  refused = FALSE;
  conn = upg_mysql_connection_new ("ft_db", "127.0.0.1", upg_test_server_get_port (server), NULL,
                                   upg_test_server_get_user (server), password,
                                   UPG_TEST_MISSING_DATABASE,
                                   &refused, &error);
  g_assert_null (conn);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_nonnull (strstr (error->message, "1049"));
  g_assert_true (refused);
  g_clear_error (&error);

  /* A database the user may not use: 1044. */
  refused = FALSE;
  conn = upg_mysql_connection_new ("ft_db", "127.0.0.1", upg_test_server_get_port (server), NULL,
                                   upg_test_server_get_user (server), password, "mysql",
                                   &refused, &error);
  g_assert_null (conn);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_nonnull (strstr (error->message, "1044"));
  g_assert_true (refused);
  g_clear_error (&error);

  /* Port 1 on loopback: nothing listens there; not an answer. */
  refused = TRUE;
  conn = upg_mysql_connection_new ("ft_db", "127.0.0.1", 1, NULL, "u", password, NULL, &refused,
                                   &error);
  g_assert_null (conn);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_nonnull (strstr (error->message, "2002"));
  g_assert_null (strstr (error->message, password));
  g_assert_false (refused);
}

static void
test_open_data_source (void)
{
  g_assert_no_error (start_error);
  upg_test_server_check_open (server, UPG_TYPE_MYSQL_CONNECTION);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  server = upg_test_server_start (UPG_TEST_SERVER_MARIADB, &start_error);

  g_test_add_func ("/connection/mysql/properties", test_properties);
  g_test_add_func ("/connection/mysql/affected-rows", test_affected_rows);
  g_test_add_func ("/connection/mysql/procedure", test_procedure);
  g_test_add_func ("/connection/mysql/emoji", test_emoji);
  g_test_add_func ("/connection/mysql/placeholders", test_placeholders);
  g_test_add_func ("/connection/mysql/duplicate-key", test_duplicate_key);
  g_test_add_func ("/connection/mysql/syntax-error", test_syntax_error);
  g_test_add_func ("/connection/mysql/transactions", test_transactions);
  g_test_add_func ("/connection/mysql/statement-timeout", test_statement_timeout);
  g_test_add_func ("/connection/mysql/cancel", test_cancel);
  g_test_add_func ("/connection/mysql/connection-lost", test_connection_lost);
  g_test_add_func ("/connection/mysql/connect-errors", test_connect_errors);

  g_test_add_func ("/connection/mysql/open-data-source", test_open_data_source);

  status = g_test_run ();

  upg_test_server_stop (server);
  g_clear_error (&start_error);
  return status;
}
