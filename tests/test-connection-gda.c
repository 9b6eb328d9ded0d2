/* test-connection-gda.c - raw libgda `cnc` data sources
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <upgrade.h>

#include "upg-gda-connection-private.h"
#include "upg-test-servers.h"

/* "grinning face" U+1F600 (4 bytes in UTF-8) and a CJK character. */
#define EMOJI_TEXT "smile \xF0\x9F\x98\x80 \xE4\xB8\xAD"

static UpgTestServer *server;
static GError *start_error;

/* Statements, parameters, errors: the same checks for every provider. */
static void
check_basics (UpgConnection *conn)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = NULL;
  g_autofree char *value = NULL;
  const char *tricky = "it's a \\ test ? -- no comment";

  upg_test_exec_ok (conn, "CREATE TABLE gda_t (id INTEGER PRIMARY KEY, v VARCHAR(60))", 0);
  upg_test_exec_ok (conn, "INSERT INTO gda_t (id, v) VALUES (1, 'a')", 1);
  upg_test_exec_ok (conn, "INSERT INTO gda_t (id, v) VALUES (2, '" EMOJI_TEXT "')", 1);
  upg_test_exec_ok (conn, "UPDATE gda_t SET v = 'b' WHERE id > 0 AND id < 2", 1);

  /* No comment in the query: libgda's parsers refuse comments there. */
  rows = upg_connection_query (conn, "SELECT v, ? AS p FROM gda_t WHERE id = ?",
                               (const char *[]) { tricky, "2", NULL }, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (upg_rows_get_n_rows (rows), ==, 1);
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 0), ==, EMOJI_TEXT);
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 1), ==, tricky);

  value = upg_test_query_value (conn, "SELECT v FROM gda_t WHERE id = 1", NULL);
  g_assert_cmpstr (value, ==, "b");

  g_assert_false (upg_connection_execute (conn, "INSERT INTO gda_t (id, v) VALUES (1, 'dup')", NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_clear_error (&error);

  g_assert_true (upg_connection_begin (conn, &error));
  upg_test_exec_ok (conn, "DELETE FROM gda_t", 2);
  g_assert_true (upg_connection_rollback (conn, &error));
  g_assert_no_error (error);
  g_clear_pointer (&value, g_free);
  value = upg_test_query_value (conn, "SELECT COUNT(*) FROM gda_t", NULL);
  g_assert_cmpstr (value, ==, "2");
}

static void
test_sqlite (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConnection) conn = NULL;
  g_autofree char *dir = upg_test_make_dir ("gda-sqlite");
  g_autofree char *cnc = g_strdup_printf ("SQLite://DB_DIR=%s;DB_NAME=raw", dir);
  g_autofree char *file = g_build_filename (dir, "raw.db", NULL);
  g_autofree char *version = NULL;

  conn = upg_gda_connection_new ("raw", cnc, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (upg_connection_get_dialect (conn), ==, UPG_DIALECT_SQLITE);
  g_assert_true (upg_connection_has_transactional_ddl (conn));
  version = upg_connection_get_server_version (conn, &error);
  g_assert_no_error (error);
  g_assert_nonnull (version);

  check_basics (conn);

  g_assert_false (upg_connection_execute (conn, "SELEC 1", NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_clear_error (&error);

  /* SQLite through libgda has no statement timeout: said, not faked. */
  g_assert_false (upg_connection_set_statement_timeout (conn, 5, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_FAILED);

  g_clear_object (&conn);
  g_assert_true (g_file_test (file, G_FILE_TEST_EXISTS));
  g_unlink (file);
  g_rmdir (dir);
}

static void
test_mysql (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConnection) conn = NULL;
  g_autoptr(UpgRows) rows = NULL;
  g_autofree char *cnc = NULL;
  g_autofree char *auth = NULL;
  g_autofree char *password = NULL;

  g_assert_no_error (start_error);
  cnc = g_strdup_printf ("MySQL://HOST=127.0.0.1;PORT=%u;DB_NAME=%s",
                         upg_test_server_get_port (server), upg_test_server_get_database (server));
  /* Values in a libgda string are URL-encoded (the password has ; and =). */
  password = g_uri_escape_string (upg_test_server_get_password (server), NULL, FALSE);
  auth = g_strdup_printf ("USERNAME=%s;PASSWORD=%s", upg_test_server_get_user (server), password);

  conn = upg_gda_connection_new ("raw", cnc, auth, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (upg_connection_get_dialect (conn), ==, UPG_DIALECT_MYSQL);
  g_assert_false (upg_connection_has_transactional_ddl (conn));

  upg_test_exec_ok (conn, "SET NAMES utf8mb4", 0);
  check_basics (conn);

  /* The server's code survives through libgda's connection events. */
  g_assert_false (upg_connection_execute (conn, "INSERT INTO gda_t (id, v) VALUES (2, 'dup')", NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_assert_cmpint (upg_connection_get_last_error_code (conn), ==, 1062);
  g_clear_error (&error);

  g_assert_true (upg_connection_set_statement_timeout (conn, 5, &error));
  g_assert_no_error (error);
  rows = upg_connection_query (conn, "SELECT @@max_statement_time", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_ascii_strtoll (upg_rows_get_value (rows, 0, 0), NULL, 10), ==, 5);
}

static void
test_open_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConnection) conn = NULL;
  gboolean refused = TRUE;

  conn = upg_gda_connection_new ("raw", "NoSuchProvider://DB_NAME=x", "USERNAME=u;PASSWORD=s3cret-pw",
                                 NULL, &error);
  g_assert_null (conn);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_nonnull (strstr (error->message, "'raw'"));
  g_assert_null (strstr (error->message, "s3cret-pw"));
  g_clear_error (&error);

  g_assert_no_error (start_error);
  conn = upg_gda_connection_new ("raw", "MySQL://HOST=127.0.0.1;PORT=1;DB_NAME=x",
                                 "USERNAME=u;PASSWORD=s3cret-pw", &refused, &error);
  g_assert_null (conn);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_null (strstr (error->message, "s3cret-pw"));
  /* Nothing listens on port 1: not the server's answer, so retried. */
  g_assert_false (refused);
}

static void
test_open_data_source (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConnection) conn = NULL;
  g_autoptr(UpgDataSource) source = NULL;
  g_autoptr(UpgDataSource) wrong = NULL;
  g_autofree char *dir = upg_test_make_dir ("gda-sqlite");
  g_autofree char *file = g_build_filename (dir, "raw.db", NULL);
  g_autofree char *json = g_strdup_printf ("{\"cnc\": \"SQLite://DB_DIR=%s;DB_NAME=raw\"}", dir);

  source = upg_test_data_source_from_json ("raw", json);
  conn = upg_data_source_open (source, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (UPG_IS_GDA_CONNECTION (conn));
  g_assert_cmpint (upg_connection_get_dialect (conn), ==, UPG_DIALECT_SQLITE);
  upg_test_exec_ok (conn, "CREATE TABLE t (id INTEGER)", 0);
  g_clear_object (&conn);

  /* A wrong password in the auth string: the server's answer, refused at
   * once (no retry), and the password is not in the message. */
  g_assert_no_error (start_error);
  g_free (json);
  json = g_strdup_printf ("{\"cnc\": \"MySQL://HOST=127.0.0.1;PORT=%u;DB_NAME=%s\", "
                          "\"auth\": \"USERNAME=%s;PASSWORD=wrong-pw-1234\"}",
                          upg_test_server_get_port (server), upg_test_server_get_database (server),
                          upg_test_server_get_user (server));
  wrong = upg_test_data_source_from_json ("raw", json);
  upg_test_assert_open_fails (wrong, "wrong-pw-1234", 1);

  g_unlink (file);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  server = upg_test_server_start (UPG_TEST_SERVER_MARIADB, &start_error);

  g_test_add_func ("/connection/gda/sqlite", test_sqlite);
  g_test_add_func ("/connection/gda/mysql", test_mysql);
  g_test_add_func ("/connection/gda/open-errors", test_open_errors);
  g_test_add_func ("/connection/gda/open-data-source", test_open_data_source);

  status = g_test_run ();

  upg_test_server_stop (server);
  g_clear_error (&start_error);
  return status;
}
