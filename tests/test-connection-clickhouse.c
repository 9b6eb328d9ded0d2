/* test-connection-clickhouse.c - the HTTP backend against a real ClickHouse
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <upgrade.h>

#include "upg-clickhouse-connection-private.h"
#include "upg-data-source-private.h"
#include "upg-plugin-manager-private.h"
#include "upg-test-clickhouse.h"
#include "upg-test-servers.h"

#define PASSWORD_ENV "UPG_TEST_CLICKHOUSE_PASSWORD"

static UpgTestClickHouse *server;
static GError *start_error;

static void
require_server (void)
{
  /* A server that cannot start fails every test: never a skip. */
  g_assert_no_error (start_error);
  g_assert_nonnull (server);
}

static UpgDataSource *
data_source (const char *extra)
{
  g_autofree char *json = NULL;
  g_autofree char *base = NULL;

  require_server ();
  g_setenv (PASSWORD_ENV, upg_test_clickhouse_get_password (server), TRUE);
  base = upg_test_clickhouse_datasource_json (server, PASSWORD_ENV);
  if (extra != NULL)
    {
      base[strlen (base) - 1] = '\0';
      json = g_strdup_printf ("%s, %s}", base, extra);
    }
  return upg_test_data_source_from_json ("ck", json != NULL ? json : base);
}

static UpgConnection *
open_source (UpgDataSource *source)
{
  g_autoptr(GError) error = NULL;
  UpgConnection *conn = upg_data_source_open (source, NULL, &error);

  g_assert_no_error (error);
  return conn;
}

static UpgConnection *
connect_server (void)
{
  g_autoptr(UpgDataSource) source = data_source (NULL);

  return open_source (source);
}

static void
test_open (void)
{
  g_autoptr(UpgDataSource) source = data_source (NULL);
  g_autoptr(UpgConnection) conn = open_source (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  g_autofree char *description = upg_data_source_describe (source);
  g_autofree char *expected = g_strdup_printf ("ck (ClickHouse upgrade@%s/upgtest)", upg_test_clickhouse_get_url (server));

  g_assert_cmpstr (upg_data_source_get_provider (source), ==, "ClickHouse");
  g_assert_cmpint (upg_data_source_get_dialect (source), ==, UPG_DIALECT_CLICKHOUSE);
  g_assert_cmpstr (upg_data_source_get_host (source), ==, "127.0.0.1");
  g_assert_cmpuint (upg_data_source_get_port (source), ==, upg_test_clickhouse_get_port (server));
  g_assert_cmpstr (description, ==, expected);
  g_assert_true (UPG_IS_CLICKHOUSE_CONNECTION (conn));
  g_assert_cmpint (upg_connection_get_dialect (conn), ==, UPG_DIALECT_CLICKHOUSE);
  g_assert_false (upg_connection_has_transactional_ddl (conn));
  version = upg_connection_get_server_version (conn, &error);
  g_assert_no_error (error);
  g_assert_true (g_ascii_isdigit (version[0]) && strchr (version, '.') != NULL);
  g_assert_true (upg_connection_ping (conn, &error));
  g_assert_no_error (error);
  /* No transactions: a clear refusal, not a silent no-op. */
  g_assert_false (upg_connection_begin (conn, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_assert_nonnull (strstr (error->message, "no transactions"));
}

static void
test_execute_and_query (void)
{
  g_autoptr(UpgConnection) conn = connect_server ();
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = NULL;
  const char *params[] = { "it's a \\ back\tslash", NULL };

  g_assert_true (upg_connection_execute (conn, "CREATE TABLE q_t (d Date, id UInt32, s Nullable(String))"
                                         " ENGINE = MergeTree(d, id, 8192)", NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (upg_connection_execute (conn, "INSERT INTO q_t VALUES ('2024-01-01', 1, 'a\\tb\\nc'),"
                                         " ('2024-01-01', 2, NULL)", NULL, NULL, &error));
  g_assert_no_error (error);

  rows = upg_connection_query (conn, "SELECT id, s FROM q_t ORDER BY id", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (upg_rows_get_n_rows (rows), ==, 2);
  g_assert_cmpstr (upg_rows_get_column_name (rows, 1), ==, "s");
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 1), ==, "a\tb\nc");
  g_assert_null (upg_rows_get_value (rows, 1, 1));
  g_clear_object (&rows);

  /* `?` values travel as literals the server reads back unchanged; a `?`
   * in a string or a comment is not a placeholder. */
  rows = upg_connection_query (conn, "SELECT ? AS v, '?' AS q -- ?\n", params, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 0), ==, params[0]);
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 1), ==, "?");
  g_clear_object (&rows);

  /* A statement without a result (the server answers an empty body)
   * queried, as a plugin may: no rows, not a crash. */
  rows = upg_connection_query (conn, "INSERT INTO q_t VALUES ('2024-01-01', 3, 'x')", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (upg_rows_get_n_rows (rows), ==, 0);
}

static void
test_syntax_error (void)
{
  g_autoptr(UpgConnection) conn = connect_server ();
  g_autoptr(GError) error = NULL;

  g_assert_false (upg_connection_execute (conn, "SELECT 1 FROM", NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_assert_true (g_str_has_prefix (error->message, "ClickHouse error 62: Syntax error"));
  g_assert_null (strstr (error->message, "e.what()"));
  g_assert_cmpint (upg_connection_get_last_error_code (conn), ==, 62);
  g_clear_error (&error);

  g_assert_false (upg_connection_execute (conn, "SELECT * FROM no_such_table", NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_assert_true (g_str_has_prefix (error->message, "ClickHouse error 60: "));
  g_assert_cmpint (upg_connection_get_last_error_code (conn), ==, 60);
}

static void
test_parse_error (void)
{
  int code = 0;
  g_autofree char *old = NULL;
  g_autofree char *recent = NULL;

  /* 18.16 and 19.x+ (24.8) wordings. */
  g_assert_true (upg_clickhouse_parse_error ("Code: 62, e.displayText() = DB::Exception: Syntax error: failed"
                                             " at position 1, e.what() = DB::Exception\n", &code, &old));
  g_assert_cmpint (code, ==, 62);
  g_assert_cmpstr (old, ==, "Syntax error: failed at position 1");
  g_assert_true (upg_clickhouse_parse_error ("Code: 60. DB::Exception: Table upgtest.x does not exist."
                                             " (UNKNOWN_TABLE) (version 24.8.4.13 (official build))\n",
                                             &code, &recent));
  g_assert_cmpint (code, ==, 60);
  g_assert_cmpstr (recent, ==, "Table upgtest.x does not exist. (UNKNOWN_TABLE) (version 24.8.4.13 (official build))");
  g_assert_false (upg_clickhouse_parse_error ("<html>Bad Gateway</html>", &code, &recent));
}

static void
test_wrong_password (void)
{
  g_autoptr(UpgDataSource) source = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConnection) conn = NULL;
  const char *wrong = "wrong-pw-5c1d#;=";

  source = data_source (NULL);
  g_setenv (PASSWORD_ENV, wrong, TRUE);
  /* A refusal is an answer: one attempt, not four. */
  upg_test_assert_open_fails (source, wrong, 1);
  conn = upg_data_source_open (source, NULL, &error);
  g_assert_null (conn);
  g_assert_nonnull (strstr (error->message, "ClickHouse error 193"));
  g_assert_null (strstr (error->message, upg_test_clickhouse_get_password (server)));
}

static void
test_unreachable (void)
{
  g_autoptr(GError) error = NULL;
  guint port = 0;
  g_autofree char *json = NULL;
  g_autoptr(UpgDataSource) source = NULL;
  g_autoptr(GSocket) probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, &error);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  require_server ();
  /* A port bound but not listening refuses connections: nobody can take
   * it while the test runs. */
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (probe, any, TRUE, &error));
  bound = g_socket_get_local_address (probe, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_setenv (PASSWORD_ENV, "secret-never-shown", TRUE);
  json = g_strdup_printf ("{\"provider\": \"ClickHouse\", \"url\": \"http://127.0.0.1:%u\", "
                          "\"user\": \"upgrade\", \"password_env\": \"" PASSWORD_ENV "\"}", port);
  source = upg_test_data_source_from_json ("ck_down", json);
  /* Retried 3 times (4 attempts), naming the data source, never the password. */
  upg_test_assert_open_fails (source, "secret-never-shown", 4);
}

static void
test_settings_and_timeout (void)
{
  g_autoptr(UpgDataSource) source = data_source ("\"settings\": {\"max_threads\": 3, \"max_block_size\": \"4096\"}");
  g_autoptr(UpgConnection) conn = open_source (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *threads = upg_test_query_value (conn, "SELECT value FROM system.settings WHERE name = 'max_threads'", NULL);
  g_autofree char *block = upg_test_query_value (conn, "SELECT value FROM system.settings WHERE name = 'max_block_size'", NULL);

  g_assert_cmpstr (threads, ==, "3");
  g_assert_cmpstr (block, ==, "4096");

  /* The statement timeout is the server's max_execution_time. */
  g_assert_true (upg_connection_set_statement_timeout (conn, 1, &error));
  g_assert_false (upg_connection_execute (conn, "SELECT count() FROM system.numbers WHERE NOT ignore(sleep(0.001))",
                                          NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "ClickHouse error 159"));
  g_assert_cmpint (upg_connection_get_last_error_code (conn), ==, 159);
}

static void
test_bad_config (void)
{
  const char *cases[][2] = {
    { "{\"provider\": \"ClickHouse\", \"url\": \"http://u:pw@127.0.0.1:8123\"}", "a user, password or query" },
    { "{\"provider\": \"ClickHouse\", \"url\": \"http://127.0.0.1:8123/?password=x\"}", "a user, password or query" },
    { "{\"provider\": \"ClickHouse\", \"url\": \"ftp://127.0.0.1\"}", "expected the HTTP interface's URL" },
    { "{\"provider\": \"ClickHouse\", \"host\": \"127.0.0.1\"}", "url" },
    { "{\"provider\": \"ClickHouse\", \"url\": \"http://h\", \"settings\": {\"a\": [1]}}", "$.settings.a: expected a string, an integer or a boolean" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = json_from_string (cases[i][0], NULL);
      g_autoptr(UpgDataSource) source = upg_data_source_new_from_json ("ck", json_node_get_object (node), NULL, &error);

      g_assert_null (source);
      g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i][1]));
      g_assert_null (strstr (error->message, "pw@"));
    }
}

/* A plugin's UpgContext gets the data source as the configuration's form
 * (upg-plugin-manager-sources.c), which the plugin host opens again: the
 * URL, user, password's place and settings survive, the password is not
 * in it. */
static void
test_plugin_definition (void)
{
  g_autoptr(UpgDataSource) source = data_source ("\"settings\": {\"max_threads\": 2}");
  g_autoptr(GPtrArray) sources = g_ptr_array_new ();
  g_autoptr(JsonObject) definitions = NULL;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;
  g_autoptr(UpgDataSource) again = NULL;
  g_autoptr(UpgConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *threads = NULL;

  g_ptr_array_add (sources, source);
  definitions = upg_plugin_manager_data_sources_to_json (sources);
  json_node_set_object (node, definitions);
  text = json_to_string (node, FALSE);
  g_test_message ("%s", text);
  g_assert_null (strstr (text, upg_test_clickhouse_get_password (server)));
  again = upg_data_source_new_from_json ("ck", json_object_get_object_member (definitions, "ck"), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (upg_data_source_get_url (again), ==, upg_test_clickhouse_get_url (server));
  conn = open_source (again);
  threads = upg_test_query_value (conn, "SELECT value FROM system.settings WHERE name = 'max_threads'", NULL);
  g_assert_cmpstr (threads, ==, "2");
}

/* What the server tells of a query by its id: the engine's recovery. */
static void
test_query_state (void)
{
  g_autoptr(UpgConnection) conn = connect_server ();
  UpgClickHouseConnection *ch = UPG_CLICKHOUSE_CONNECTION (conn);
  g_autoptr(GError) error = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *done_id = g_uuid_string_random ();
  g_autofree char *failed_id = g_uuid_string_random ();
  g_autofree char *unknown_id = g_uuid_string_random ();

  upg_clickhouse_connection_set_query_id (ch, done_id);
  g_assert_true (upg_connection_execute (conn, "CREATE TABLE state_t (d Date, x UInt8) ENGINE = MergeTree(d, x, 8192)",
                                         NULL, NULL, &error));
  g_assert_no_error (error);
  upg_clickhouse_connection_set_query_id (ch, failed_id);
  g_assert_false (upg_connection_execute (conn, "INSERT INTO state_t SELECT no_such_function()", NULL, NULL, &error));
  g_clear_error (&error);

  g_assert_cmpint (upg_clickhouse_connection_query_state (ch, done_id, &detail, &error), ==,
                   UPG_CLICKHOUSE_QUERY_FINISHED);
  g_assert_no_error (error);
  g_assert_cmpint (upg_clickhouse_connection_query_state (ch, failed_id, &detail, &error), ==,
                   UPG_CLICKHOUSE_QUERY_FAILED);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (detail, "Code: 46"));
  g_clear_pointer (&detail, g_free);
  g_assert_cmpint (upg_clickhouse_connection_query_state (ch, unknown_id, &detail, &error), ==,
                   UPG_CLICKHOUSE_QUERY_UNKNOWN);
  g_assert_no_error (error);
}

/* A query still running is seen in system.processes. */
static gpointer
run_long_query (gpointer data)
{
  UpgConnection *conn = data;
  g_autoptr(GError) error = NULL;

  /* Stopped by the test's KILL QUERY: it fails, as it should. */
  upg_connection_execute (conn, "SELECT count() FROM system.numbers WHERE NOT ignore(sleep(0.01))", NULL, NULL,
                          &error);
  return NULL;
}

static void
test_query_state_running (void)
{
  g_autoptr(UpgConnection) runner = connect_server ();
  g_autoptr(UpgConnection) asker = connect_server ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *kill = g_strdup_printf ("KILL QUERY WHERE query_id = '%s' SYNC", id);
  UpgClickHouseQueryState state = UPG_CLICKHOUSE_QUERY_UNKNOWN;
  GThread *thread;

  upg_clickhouse_connection_set_query_id (UPG_CLICKHOUSE_CONNECTION (runner), id);
  thread = g_thread_new ("long-query", run_long_query, runner);
  /* It runs until killed: wait until the server lists it (no deadline;
   * the test's own timeout is the bound). */
  while (state != UPG_CLICKHOUSE_QUERY_RUNNING)
    {
      state = upg_clickhouse_connection_query_state (UPG_CLICKHOUSE_CONNECTION (asker), id, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (state, !=, UPG_CLICKHOUSE_QUERY_FINISHED);
      g_usleep (50 * 1000);
    }
  g_assert_true (upg_test_clickhouse_admin (server, kill, NULL, &error));
  g_assert_no_error (error);
  g_thread_join (thread);
  state = upg_clickhouse_connection_query_state (UPG_CLICKHOUSE_CONNECTION (asker), id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (state, ==, UPG_CLICKHOUSE_QUERY_FAILED);
}

typedef struct {
  GCancellable *cancellable;
  const char   *id;
} CancelWhenRunning;

/* Cancels once the server lists the query (no deadline: the test's own
 * timeout is the bound). */
static gpointer
cancel_when_running (gpointer data)
{
  CancelWhenRunning *c = data;
  g_autoptr(UpgConnection) asker = connect_server ();

  while (upg_clickhouse_connection_query_state (UPG_CLICKHOUSE_CONNECTION (asker), c->id, NULL, NULL)
         != UPG_CLICKHOUSE_QUERY_RUNNING)
    g_usleep (20 * 1000);
  g_cancellable_cancel (c->cancellable);
  return NULL;
}

/* A cancelled statement is GIO's cancellation, and is stopped on the
 * server too (the HTTP interface would let it run). */
static void
test_cancel (void)
{
  g_autoptr(UpgConnection) conn = connect_server ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *sql = g_strdup_printf ("SELECT count() FROM system.processes WHERE query_id = '%s'", id);
  CancelWhenRunning c = { cancellable, id };
  GThread *thread = g_thread_new ("cancel", cancel_when_running, &c);
  g_autofree char *left = NULL;

  upg_clickhouse_connection_set_query_id (UPG_CLICKHOUSE_CONNECTION (conn), id);
  g_assert_false (upg_connection_execute (conn, "SELECT count() FROM system.numbers WHERE NOT ignore(sleep(0.01))",
                                          NULL, cancellable, &error));
  g_thread_join (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  do
    {
      g_free (left);
      left = upg_test_query_value (conn, sql, NULL);
    }
  while (g_strcmp0 (left, "0") != 0 && (g_usleep (20 * 1000), TRUE));
  g_assert_cmpstr (left, ==, "0");
}

/* Without the query log's entry the server cannot tell: unknown, never
 * a guess. */
static void
test_query_state_without_log (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConnection) conn = connect_server ();
  g_autofree char *id = g_uuid_string_random ();

  upg_clickhouse_connection_set_query_id (UPG_CLICKHOUSE_CONNECTION (conn), id);
  g_assert_true (upg_connection_execute (conn, "SELECT 1", NULL, NULL, &error));
  g_assert_cmpint (upg_clickhouse_connection_query_state (UPG_CLICKHOUSE_CONNECTION (conn), id, NULL, &error), ==,
                   UPG_CLICKHOUSE_QUERY_FINISHED);
  g_assert_true (upg_test_clickhouse_forget_queries (server, &error));
  g_assert_no_error (error);
  g_assert_cmpint (upg_clickhouse_connection_query_state (UPG_CLICKHOUSE_CONNECTION (conn), id, NULL, &error), ==,
                   UPG_CLICKHOUSE_QUERY_UNKNOWN);
  g_assert_no_error (error);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  if (!g_test_subprocess ())
    server = upg_test_clickhouse_start (&start_error);

  g_test_add_func ("/connection-clickhouse/open", test_open);
  g_test_add_func ("/connection-clickhouse/execute-and-query", test_execute_and_query);
  g_test_add_func ("/connection-clickhouse/syntax-error", test_syntax_error);
  g_test_add_func ("/connection-clickhouse/parse-error", test_parse_error);
  g_test_add_func ("/connection-clickhouse/wrong-password", test_wrong_password);
  g_test_add_func ("/connection-clickhouse/unreachable", test_unreachable);
  g_test_add_func ("/connection-clickhouse/settings-and-timeout", test_settings_and_timeout);
  g_test_add_func ("/connection-clickhouse/bad-config", test_bad_config);
  g_test_add_func ("/connection-clickhouse/plugin-definition", test_plugin_definition);
  g_test_add_func ("/connection-clickhouse/query-state", test_query_state);
  g_test_add_func ("/connection-clickhouse/query-state-running", test_query_state_running);
  g_test_add_func ("/connection-clickhouse/query-state-without-log", test_query_state_without_log);
  g_test_add_func ("/connection-clickhouse/cancel", test_cancel);

  status = g_test_run ();
  g_unsetenv (PASSWORD_ENV);
  upg_test_clickhouse_stop (server);
  g_clear_error (&start_error);
  return status;
}
