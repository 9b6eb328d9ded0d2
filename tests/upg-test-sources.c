/* upg-test-sources.c - data sources, clients and assertions for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What a test does with a server upg-test-servers.c started: describe it as
 * an upgrade.json data source, run its native client, open it through
 * upg_data_source_open() and check the connection.
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "upg-mysql-connection-private.h"
#include "upg-pg-connection-private.h"
#include "upg-test-servers.h"

/**
 * upg_test_server_get_password_env:
 * @server: a server
 *
 * Returns: (transfer full): the environment variable that data sources
 *   written with %UPG_TEST_PASSWORD_ENV read the password from
 */
char *
upg_test_server_get_password_env (UpgTestServer *server)
{
  return g_strdup_printf ("UPG_TEST_%s_%u_PASSWORD",
                          upg_test_server_get_kind (server) == UPG_TEST_SERVER_MARIADB ? "MARIADB" : "PG",
                          upg_test_server_get_port (server));
}

/**
 * upg_test_server_datasource_json:
 * @server: a server
 * @via: where the data source reads the password from: an environment
 *   variable this function sets, or a file (mode 0600) it writes in the
 *   server's directory
 * @use_socket: connect over the unix socket instead of TCP
 *
 * Returns: (transfer full): an `upgrade.json` data source object for the
 *   server, as JSON text
 */
char *
upg_test_server_datasource_json (UpgTestServer      *server,
                                 UpgTestPasswordVia  via,
                                 gboolean            use_socket)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "provider");
  json_builder_add_string_value (builder, upg_test_server_get_kind (server) == UPG_TEST_SERVER_MARIADB ? "MySQL" : "PostgreSQL");
  if (use_socket)
    {
      json_builder_set_member_name (builder, "socket");
      json_builder_add_string_value (builder, upg_test_server_get_socket (server));
    }
  else
    {
      json_builder_set_member_name (builder, "host");
      json_builder_add_string_value (builder, "127.0.0.1");
    }
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, upg_test_server_get_port (server));
  json_builder_set_member_name (builder, "database");
  json_builder_add_string_value (builder, upg_test_server_get_database (server));
  json_builder_set_member_name (builder, "user");
  json_builder_add_string_value (builder, upg_test_server_get_user (server));

  if (via == UPG_TEST_PASSWORD_ENV)
    {
      g_autofree char *var = upg_test_server_get_password_env (server);

      g_setenv (var, upg_test_server_get_password (server), TRUE);
      json_builder_set_member_name (builder, "password_env");
      json_builder_add_string_value (builder, var);
    }
  else
    {
      g_autofree char *path = g_build_filename (upg_test_server_get_dir (server), "password", NULL);

      g_assert_true (g_file_set_contents_full (path, upg_test_server_get_password (server), -1,
                                               G_FILE_SET_CONTENTS_NONE, 0600, NULL));
      json_builder_set_member_name (builder, "password_file");
      json_builder_add_string_value (builder, path);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, TRUE);
}

/**
 * upg_test_server_write_config:
 * @server: a server
 * @name: the data source's name
 * @path: the `upgrade.json` to write
 * @via: where the password comes from
 * @error: return location for a #GError
 *
 * Writes an `upgrade.json` whose only data source is @server, over TCP.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_test_server_write_config (UpgTestServer       *server,
                              const char          *name,
                              const char          *path,
                              UpgTestPasswordVia   via,
                              GError             **error)
{
  g_autofree char *source = upg_test_server_datasource_json (server, via, FALSE);
  g_autofree char *text = g_strdup_printf ("{\n  \"datasources\": {\n    \"%s\": %s\n  }\n}\n",
                                           name, source);

  return g_file_set_contents (path, text, -1, error);
}

/* Runs @sql and asserts it succeeded with @expected_rows affected rows. */
void
upg_test_exec_ok (UpgConnection *conn,
                  const char    *sql,
                  gint64         expected_rows)
{
  g_autoptr(GError) error = NULL;
  gint64 rows = -1;

  g_assert_true (upg_connection_execute (conn, sql, &rows, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (rows, ==, expected_rows);
}

/* Runs a query that must return one row, one column; returns its value. */
char *
upg_test_query_value (UpgConnection      *conn,
                      const char         *sql,
                      const char * const *params)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = upg_connection_query (conn, sql, (const char **) params, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (upg_rows_get_n_rows (rows), ==, 1);
  g_assert_cmpuint (upg_rows_get_n_columns (rows), ==, 1);
  return g_strdup (upg_rows_get_value (rows, 0, 0));
}

/* A fresh directory under the build directory. */
char *
upg_test_make_dir (const char *prefix)
{
  g_autofree char *template = g_strdup_printf ("%s-XXXXXX", prefix);
  char *dir = g_build_filename (upg_test_base_dir (), template, NULL);

  g_assert_nonnull (g_mkdtemp (dir));
  return dir;
}

/* Parses one `datasources` member, asserting it is valid. */
UpgDataSource *
upg_test_data_source_from_json (const char *name,
                                const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (json, &error);
  UpgDataSource *source;

  g_assert_no_error (error);
  source = upg_data_source_new_from_json (name, json_node_get_object (node), upg_test_base_dir (), &error);
  g_assert_no_error (error);
  return source;
}

UpgDataSource *
upg_test_server_data_source (UpgTestServer      *server,
                             const char         *name,
                             UpgTestPasswordVia  via,
                             gboolean            use_socket)
{
  g_autofree char *json = upg_test_server_datasource_json (server, via, use_socket);

  return upg_test_data_source_from_json (name, json);
}

/* Asserts that opening @source fails as a data source error after
 * @attempts attempts (with the back-off between them), naming the data
 * source and never @secret. */
void
upg_test_assert_open_fails (UpgDataSource *source,
                            const char    *secret,
                            guint          attempts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConnection) conn = NULL;
  g_autofree char *description = upg_data_source_describe (source);
  g_autofree char *counted = g_strdup_printf ("after %u attempts", attempts);
  /* The back-off before attempts 2, 3 and 4: 0.5 s, 1 s, 2 s. */
  const gint64 backoff_ms[] = { 0, 500, 1500, 3500 };
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed_ms;

  conn = upg_data_source_open (source, NULL, &error);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;

  g_assert_null (conn);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_test_message ("open failed as expected in %" G_GINT64_FORMAT " ms: %s", elapsed_ms, error->message);
  g_assert_nonnull (strstr (error->message, description));
  if (attempts > 1)
    g_assert_nonnull (strstr (error->message, counted));
  else
    g_assert_null (strstr (error->message, "attempts"));
  g_assert_cmpint (elapsed_ms, >=, backoff_ms[MIN (attempts, G_N_ELEMENTS (backoff_ms)) - 1]);
  if (secret != NULL)
    g_assert_null (strstr (error->message, secret));
}

static void
check_open_ok (UpgTestServer      *server,
               GType               backend,
               UpgTestPasswordVia  via,
               gboolean            use_socket)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgDataSource) source = upg_test_server_data_source (server, "ds", via, use_socket);
  g_autoptr(UpgConnection) conn = upg_data_source_open (source, NULL, &error);
  g_autofree char *user = NULL;

  g_assert_no_error (error);
  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (conn, backend));
  g_assert_cmpstr (upg_connection_get_name (conn), ==, "ds");
  user = upg_test_query_value (conn, "SELECT CURRENT_USER", NULL);
  g_assert_true (g_str_has_prefix (user, upg_test_server_get_user (server)));
}

/* The upgrade.json upg_test_server_write_config() writes loads, and its
 * data source opens. */
static void
check_open_config (UpgTestServer *server,
                   GType          backend)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (upg_test_server_get_dir (server), "upgrade.json", NULL);
  g_autoptr(UpgConfig) config = NULL;
  g_autoptr(UpgConnection) conn = NULL;
  UpgDataSource *source;

  g_assert_true (upg_test_server_write_config (server, "ft_db", path, UPG_TEST_PASSWORD_FILE, &error));
  g_assert_no_error (error);
  config = upg_config_new_from_file (path, &error);
  g_assert_no_error (error);
  source = upg_config_lookup_data_source (config, "ft_db");
  g_assert_nonnull (source);
  conn = upg_data_source_open (source, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (conn, backend));
  g_assert_true (upg_connection_ping (conn, &error));
  g_assert_no_error (error);
}

/* upg_data_source_open() on a real server: every way to give the password
 * and to reach the server works; a wrong password and an unknown database
 * are the server's answer and fail at once (no retry) without showing the
 * password; a dead port fails after the retries; a missing password
 * variable fails at once. */
void
upg_test_server_check_open (UpgTestServer *server,
                            GType          backend)
{
  g_autofree char *var = upg_test_server_get_password_env (server);
  g_autofree char *wrong = g_strconcat ("wrong-", upg_test_server_get_password (server), NULL);
  g_autoptr(UpgDataSource) source = NULL;
  g_autofree char *json = NULL;
  const char *provider = upg_test_server_get_kind (server) == UPG_TEST_SERVER_MARIADB ? "MySQL" : "PostgreSQL";

  check_open_ok (server, backend, UPG_TEST_PASSWORD_ENV, FALSE);
  check_open_ok (server, backend, UPG_TEST_PASSWORD_ENV, TRUE);
  check_open_ok (server, backend, UPG_TEST_PASSWORD_FILE, FALSE);
  check_open_ok (server, backend, UPG_TEST_PASSWORD_FILE, TRUE);
  check_open_config (server, backend);

  source = upg_test_server_data_source (server, "ds", UPG_TEST_PASSWORD_ENV, FALSE);
  g_setenv (var, wrong, TRUE);
  upg_test_assert_open_fails (source, wrong, 1);
  g_setenv (var, upg_test_server_get_password (server), TRUE);
  g_clear_object (&source);

  /* MariaDB 1049, PostgreSQL 3D000: also an answer, not retried. */
  json = g_strdup_printf ("{\"provider\": \"%s\", \"host\": \"127.0.0.1\", \"port\": %u, "
                          "\"database\": \"" UPG_TEST_MISSING_DATABASE "\", \"user\": \"%s\", "
                          "\"password_env\": \"%s\"}", provider,
                          upg_test_server_get_port (server), upg_test_server_get_user (server),
                          var);
  source = upg_test_data_source_from_json ("nodb", json);
  upg_test_assert_open_fails (source, upg_test_server_get_password (server), 1);
  g_clear_object (&source);
  g_clear_pointer (&json, g_free);

  /* Port 1 on loopback: nothing listens there. */
  json = g_strdup_printf ("{\"provider\": \"%s\", \"host\": \"127.0.0.1\", \"port\": 1, "
                          "\"database\": \"x\", \"user\": \"u\", \"password_env\": \"%s\"}",
                          provider, var);
  source = upg_test_data_source_from_json ("dead", json);
  upg_test_assert_open_fails (source, upg_test_server_get_password (server), 4);
  g_clear_object (&source);
  g_free (json);

  /* A configuration error is not retried. */
  json = g_strdup_printf ("{\"provider\": \"%s\", \"host\": \"127.0.0.1\", \"port\": %u, "
                          "\"user\": \"u\", \"password_env\": \"UPG_TEST_NO_SUCH_VARIABLE\"}",
                          provider, upg_test_server_get_port (server));
  source = upg_test_data_source_from_json ("unset", json);
  g_unsetenv ("UPG_TEST_NO_SUCH_VARIABLE");
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(UpgConnection) conn = NULL;

    conn = upg_data_source_open (source, NULL, &error);
    g_assert_null (conn);
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, "UPG_TEST_NO_SUCH_VARIABLE"));
    g_assert_null (strstr (error->message, "attempts"));
  }
}

/* Connects the test user with the backend for the server's kind. A server
 * that could not start (@start_error) fails the test with its log tail. */
UpgConnection *
upg_test_server_connect (UpgTestServer *server,
                         const GError  *start_error,
                         const char    *name,
                         gboolean       use_socket)
{
  g_autoptr(GError) error = NULL;
  UpgConnection *conn;
  UpgConnection *(*connect) (const char *, const char *, guint, const char *, const char *,
                             const char *, const char *, gboolean *, GError **);

  g_assert_no_error ((GError *) start_error);
  connect = upg_test_server_get_kind (server) == UPG_TEST_SERVER_MARIADB
            ? upg_mysql_connection_new : upg_pg_connection_new;
  conn = connect (name,
                  use_socket ? NULL : upg_test_server_get_host (server),
                  upg_test_server_get_port (server),
                  use_socket ? upg_test_server_get_socket (server) : NULL,
                  upg_test_server_get_user (server),
                  upg_test_server_get_password (server),
                  upg_test_server_get_database (server),
                  NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (conn);
  return conn;
}

/* With a 1 s statement timeout, @slow_sql (which runs far longer) fails
 * with UPG_ERROR_TIMEOUT and the server's @code and @sqlstate; the
 * connection is usable afterwards. */
void
upg_test_check_timeout (UpgConnection *conn,
                        const char    *slow_sql,
                        int            code,
                        const char    *sqlstate)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_assert_true (upg_connection_set_statement_timeout (conn, 1, &error));
  g_assert_no_error (error);
  g_assert_false (upg_connection_execute (conn, slow_sql, NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpint (upg_connection_get_last_error_code (conn), ==, code);
  g_assert_cmpstr (upg_connection_get_last_sqlstate (conn), ==, sqlstate);
  g_clear_error (&error);

  g_assert_true (upg_connection_set_statement_timeout (conn, 0, &error));
  g_assert_no_error (error);
  g_assert_true (upg_connection_ping (conn, &error));
  g_assert_no_error (error);
}

static gpointer
cancel_soon (gpointer data)
{
  /* Not synchronisation: cancelled before or during the statement, the
   * statement must end cancelled. */
  g_usleep (G_USEC_PER_SEC / 5);
  g_cancellable_cancel (data);
  return NULL;
}

/* @slow_sql, cancelled from another thread, fails with
 * G_IO_ERROR_CANCELLED long before it would have ended. */
void
upg_test_check_cancel (UpgConnection *conn,
                       const char    *slow_sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GThread *thread = g_thread_new ("cancel", cancel_soon, cancellable);
  gint64 start = g_get_monotonic_time ();

  g_assert_false (upg_connection_execute (conn, slow_sql, NULL, cancellable, &error));
  g_thread_join (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_clear_error (&error);

  g_assert_true (upg_connection_ping (conn, &error));
  g_assert_no_error (error);
}

/**
 * upg_test_server_run_client:
 * @server: a server
 * @sql_file: a script
 * @output: (out) (optional): what the client printed
 * @error: return location for a #GError
 *
 * Runs the native client (`mariadb` or `psql`) on @sql_file as the test
 * user, stopping at the first error. The password goes through the
 * environment, never argv.
 *
 * Returns: %TRUE if the client succeeded
 */
gboolean
upg_test_server_run_client (UpgTestServer  *server,
                            const char     *sql_file,
                            char          **output,
                            GError        **error)
{
  g_autofree char *socket = g_strdup_printf ("--socket=%s", upg_test_server_get_socket (server));
  g_autofree char *host = g_strdup_printf ("--host=%s", upg_test_server_get_socket (server));
  g_autofree char *port = g_strdup_printf ("--port=%u", upg_test_server_get_port (server));
  g_autofree char *user = g_strdup_printf ("--user=%s", upg_test_server_get_user (server));
  g_autofree char *username = g_strdup_printf ("--username=%s", upg_test_server_get_user (server));
  g_autofree char *dbname = g_strdup_printf ("--dbname=%s", upg_test_server_get_database (server));
  g_autofree char *file = g_strdup_printf ("--file=%s", sql_file);
  const char *password = upg_test_server_get_password (server);

  if (upg_test_server_get_kind (server) == UPG_TEST_SERVER_MARIADB)
    return upg_test_run_command ((const char *[]) {
                                   "mariadb", "--no-defaults", socket, user, "--batch",
                                   "--skip-column-names", "--default-character-set=utf8mb4",
                                   upg_test_server_get_database (server), NULL },
                                 sql_file, (const char *[]) { "MYSQL_PWD", password, NULL },
                                 output, error);

  return upg_test_run_command ((const char *[]) {
                                 "psql", "--no-psqlrc", "--set=ON_ERROR_STOP=1", host, port,
                                 username, dbname, "--no-align", "--tuples-only", file, NULL },
                               NULL, (const char *[]) { "PGPASSWORD", password, NULL },
                               output, error);
}
