/* test-connection-redis.c - the Redis data source and its hiredis backend
 * on a real, throwaway redis-server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <upgrade.h>

#include "upg-data-source-private.h"
#include "upg-redis-connection-private.h"
#include "upg-test-redis.h"
#include "upg-test-servers.h"

static UpgTestRedis *server;
static GError *start_error;

static UpgRedisClient *
open_client (gboolean use_socket,
             guint    db)
{
  g_autofree char *json = upg_test_redis_datasource_json (server, use_socket, db);
  g_autoptr(UpgDataSource) source = upg_test_data_source_from_json ("cache", json);
  g_autoptr(GError) error = NULL;
  UpgConnection *conn = upg_data_source_open (source, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (UPG_IS_REDIS_CLIENT (conn));
  return UPG_REDIS_CLIENT (conn);
}

static UpgRedisReply *
command_ok (UpgRedisClient *client,
            const char     *first,
            ...) G_GNUC_NULL_TERMINATED;

static UpgRedisReply *
command_ok (UpgRedisClient *client,
            const char     *first,
            ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  UpgRedisReply *reply;
  va_list args;

  va_start (args, first);
  for (const char *word = first; word != NULL; word = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) word);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  reply = upg_redis_client_command (client, (const char * const *) argv->pdata, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  return reply;
}

/* TCP and unix socket; every kind of reply, typed; a value with spaces,
 * quotes and a line break travels as one word. */
static void
test_commands (void)
{
  const char *value = "a \"quoted\" value\nwith 'two' lines";

  g_assert_no_error (start_error);
  for (guint socket = 0; socket < 2; socket++)
    {
      g_autoptr(UpgRedisClient) client = open_client (socket, 0);
      g_autoptr(UpgRedisReply) set = command_ok (client, "SET", "conn:k", value, NULL);
      g_autoptr(UpgRedisReply) get = command_ok (client, "GET", "conn:k", NULL);
      g_autoptr(UpgRedisReply) missing = command_ok (client, "GET", "conn:missing", NULL);
      g_autoptr(UpgRedisReply) incr = command_ok (client, "INCRBY", "conn:n", "5", NULL);
      g_autoptr(UpgRedisReply) both = command_ok (client, "MGET", "conn:k", "conn:missing", NULL);
      g_autofree char *text = upg_redis_reply_to_text (both);
      gsize length = 0;

      g_assert_cmpint (upg_redis_reply_get_kind (set), ==, UPG_REDIS_REPLY_STATUS);
      g_assert_cmpstr (upg_redis_reply_get_string (set, NULL), ==, "OK");
      g_assert_cmpint (upg_redis_reply_get_kind (get), ==, UPG_REDIS_REPLY_STRING);
      g_assert_cmpstr (upg_redis_reply_get_string (get, &length), ==, value);
      g_assert_cmpuint (length, ==, strlen (value));
      g_assert_cmpint (upg_redis_reply_get_kind (missing), ==, UPG_REDIS_REPLY_NIL);
      g_assert_cmpint (upg_redis_reply_get_kind (incr), ==, UPG_REDIS_REPLY_INTEGER);
      g_assert_cmpint (upg_redis_reply_get_integer (incr), ==, socket == 0 ? 5 : 10);
      g_assert_cmpint (upg_redis_reply_get_kind (both), ==, UPG_REDIS_REPLY_ARRAY);
      g_assert_cmpuint (upg_redis_reply_get_n_elements (both), ==, 2);
      g_assert_cmpint (upg_redis_reply_get_kind (upg_redis_reply_get_element (both, 1)), ==, UPG_REDIS_REPLY_NIL);
      g_assert_true (g_str_has_suffix (text, ", (nil)]"));
    }
  g_free (upg_test_redis_run (server, "DEL", "conn:k", "conn:n", NULL));
}

/* The server version from INFO server, the ping, and INFO memory. */
static void
test_info (void)
{
  g_autoptr(UpgRedisClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  g_autoptr(GHashTable) memory = NULL;

  g_assert_no_error (start_error);
  client = open_client (FALSE, 0);
  version = upg_connection_get_server_version (UPG_CONNECTION (client), &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (version, "7."));
  g_assert_true (upg_connection_ping (UPG_CONNECTION (client), &error));
  memory = upg_redis_client_info (client, "memory", &error);
  g_assert_no_error (error);
  g_assert_nonnull (g_hash_table_lookup (memory, "used_memory"));
  g_assert_nonnull (g_hash_table_lookup (memory, "maxmemory"));
}

/* An error reply is UPG_ERROR_SQL with Redis's own text; its kind is the
 * connection's last SQLSTATE; the connection stays usable. */
static void
test_error_reply (void)
{
  g_autoptr(UpgRedisClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRedisReply) reply = NULL;
  g_autoptr(UpgRedisReply) pong = NULL;

  g_assert_no_error (start_error);
  client = open_client (TRUE, 0);
  g_clear_pointer (&reply, upg_redis_reply_unref);
  reply = command_ok (client, "SET", "conn:str", "x", NULL);
  g_clear_pointer (&reply, upg_redis_reply_unref);
  reply = upg_redis_client_command (client, (const char *[]) { "LPUSH", "conn:str", "y", NULL }, NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_assert_true (g_str_has_prefix (error->message, "WRONGTYPE Operation against a key"));
  g_assert_cmpstr (upg_connection_get_last_sqlstate (UPG_CONNECTION (client)), ==, "WRONGTYPE");
  g_clear_error (&error);
  reply = upg_redis_client_command (client, (const char *[]) { "NOSUCHCOMMAND", NULL }, NULL, &error);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_SQL);
  g_assert_nonnull (strstr (error->message, "unknown command"));
  pong = command_ok (client, "PING", NULL);
  g_assert_cmpstr (upg_redis_reply_get_string (pong, NULL), ==, "PONG");
  g_free (upg_test_redis_run (server, "DEL", "conn:str", NULL));
}

/* It is not SQL: execute and query say so. */
static void
test_not_sql (void)
{
  g_autoptr(UpgRedisClient) client = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_no_error (start_error);
  client = open_client (FALSE, 0);
  g_assert_false (upg_connection_execute (UPG_CONNECTION (client), "SELECT 1", NULL, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'cache' is a Redis server"));
}

/* `db` selects the logical database. */
static void
test_db (void)
{
  g_autoptr(UpgRedisClient) client = NULL;
  g_autoptr(UpgRedisReply) set = NULL;
  g_autofree char *in_db0 = NULL;

  g_assert_no_error (start_error);
  client = open_client (FALSE, 3);
  set = command_ok (client, "SET", "conn:db3", "1", NULL);
  in_db0 = upg_test_redis_run (server, "EXISTS", "conn:db3", NULL);
  g_assert_cmpstr (in_db0, ==, "0");
}

/* A command without a reply within the timeout: the connection is
 * closed, the error names the command and the timeout. BLPOP on an empty
 * list with timeout 0 never answers by itself. */
static void
test_command_timeout (void)
{
  g_autoptr(UpgRedisClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRedisReply) reply = NULL;

  g_assert_no_error (start_error);
  client = open_client (TRUE, 0);
  g_assert_true (upg_connection_set_statement_timeout (UPG_CONNECTION (client), 1, &error));
  reply = upg_redis_client_command (client, (const char *[]) { "BLPOP", "conn:empty", "0", NULL }, NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_nonnull (strstr (error->message, "no reply to BLPOP within 1 s"));
  g_clear_error (&error);
  reply = upg_redis_client_command (client, (const char *[]) { "PING", NULL }, NULL, &error);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
}

/* Wrong and missing passwords are the server's answer: one attempt, the
 * error names the source and never the password; a password file works;
 * a dead port is retried 3 times. */
static void
test_open_errors (void)
{
  const char *var = NULL;
  g_autofree char *wrong = NULL;
  g_autofree char *json = NULL;
  g_autofree char *pw_file = NULL;
  g_autoptr(UpgDataSource) source = NULL;
  g_autoptr(UpgConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  guint dead_port;

  g_assert_no_error (start_error);
  var = upg_test_redis_get_password_env (server);
  wrong = g_strconcat ("wrong-", upg_test_redis_get_password (server), NULL);

  source = upg_test_data_source_from_json ("cache", json = upg_test_redis_datasource_json (server, FALSE, 0));
  g_setenv (var, wrong, TRUE);
  upg_test_assert_open_fails (source, wrong, 1);
  g_setenv (var, upg_test_redis_get_password (server), TRUE);
  g_clear_object (&source);
  g_clear_pointer (&json, g_free);

  /* No password configured: NOAUTH, said plainly. */
  json = g_strdup_printf ("{\"provider\": \"Redis\", \"host\": \"127.0.0.1\", \"port\": %u}",
                          upg_test_redis_get_port (server));
  source = upg_test_data_source_from_json ("cache", json);
  conn = upg_data_source_open (source, NULL, &error);
  g_assert_null (conn);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_nonnull (strstr (error->message, "NOAUTH"));
  g_assert_nonnull (strstr (error->message, "cache (Redis 127.0.0.1:"));
  g_clear_error (&error);
  g_clear_object (&source);
  g_clear_pointer (&json, g_free);

  pw_file = g_build_filename (upg_test_redis_get_dir (server), "pw", NULL);
  g_assert_true (g_file_set_contents_full (pw_file, upg_test_redis_get_password (server), -1,
                                           G_FILE_SET_CONTENTS_NONE, 0600, NULL));
  json = g_strdup_printf ("{\"provider\": \"Redis\", \"path\": \"%s\", \"password_file\": \"%s\"}",
                          upg_test_redis_get_socket (server), pw_file);
  source = upg_test_data_source_from_json ("cache", json);
  conn = upg_data_source_open (source, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (upg_connection_ping (conn, &error));
  g_clear_object (&conn);
  g_clear_object (&source);
  g_clear_pointer (&json, g_free);

  dead_port = upg_test_find_free_port (&error);
  g_assert_no_error (error);
  json = g_strdup_printf ("{\"provider\": \"Redis\", \"host\": \"127.0.0.1\", \"port\": %u, "
                          "\"password_env\": \"%s\"}", dead_port, var);
  source = upg_test_data_source_from_json ("cache", json);
  upg_test_assert_open_fails (source, upg_test_redis_get_password (server), 4);
}

/* Configuration mistakes name the data source and the member. */
static void
test_config_errors (void)
{
  const struct { const char *json; const char *expected; } cases[] = {
    { "{\"provider\": \"Redis\"}", "exactly one of \"host\" and \"path\"" },
    { "{\"provider\": \"Redis\", \"host\": \"h\", \"path\": \"/s\"}", "exactly one of \"host\" and \"path\"" },
    { "{\"provider\": \"redis\", \"host\": \"h\", \"port\": 0}", "$.port" },
    { "{\"provider\": \"Redis\", \"host\": \"h\", \"db\": \"zero\"}", "$.db" },
    { "{\"provider\": \"Redis\", \"host\": \"h\", \"password\": \"x\"}", "a password in clear is refused" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = json_from_string (cases[i].json, NULL);
      g_autoptr(UpgDataSource) source = upg_data_source_new_from_json ("cache", json_node_get_object (node),
                                                                        NULL, &error);

      g_assert_null (source);
      g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG);
      g_test_message ("%s → %s", cases[i].json, error->message);
      g_assert_nonnull (strstr (error->message, "data source 'cache'"));
      g_assert_nonnull (strstr (error->message, cases[i].expected));
    }
}

static UpgConnection *
resolve (UpgContext  *ctx,
         const char  *name,
         gpointer     user_data,
         GError     **error)
{
  g_autofree char *json = g_str_equal (name, "cache")
                          ? upg_test_redis_datasource_json (server, TRUE, 0) : NULL;
  g_autoptr(UpgDataSource) source = NULL;

  if (json == NULL)
    {
      g_autofree char *dir = upg_test_make_dir ("redis-sqlite");
      g_autofree char *path = g_build_filename (dir, "x.db", NULL);

      source = upg_data_source_new_sqlite (name, path);
    }
  else
    source = upg_test_data_source_from_json (name, json);
  return upg_data_source_open (source, NULL, error);
}

/* What a plugin sees: upg_context_get_redis() gives a typed client for a
 * Redis source and refuses a SQL one. */
static void
test_context (void)
{
  g_autoptr(UpgContext) ctx = upg_context_new ("exec-1");
  g_autoptr(UpgRedisClient) client = NULL;
  g_autoptr(UpgRedisClient) not_redis = NULL;
  g_autoptr(UpgRedisReply) reply = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_no_error (start_error);
  upg_context_set_connection_resolver (ctx, resolve, NULL, NULL);
  client = upg_context_get_redis (ctx, "cache", &error);
  g_assert_no_error (error);
  reply = command_ok (client, "SET", "ctx:k", "1", NULL);
  g_assert_cmpstr (upg_redis_reply_get_string (reply, NULL), ==, "OK");

  not_redis = upg_context_get_redis (ctx, "local", &error);
  g_assert_null (not_redis);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "'local' is not a Redis server"));
  g_free (upg_test_redis_run (server, "DEL", "ctx:k", NULL));
}

static void
test_command_text (void)
{
  g_autofree char *plain = upg_redis_command_to_text ((const char *[]) { "SET", "k", "v", NULL });
  g_autofree char *quoted = upg_redis_command_to_text ((const char *[]) { "SET", "k", "a b\n\"c\"", "", NULL });

  g_assert_cmpstr (plain, ==, "SET k v");
  g_assert_cmpstr (quoted, ==, "SET k \"a b\\n\\\"c\\\"\" \"\"");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  server = upg_test_redis_start (&start_error);

  g_test_add_func ("/connection/redis/commands", test_commands);
  g_test_add_func ("/connection/redis/info", test_info);
  g_test_add_func ("/connection/redis/error-reply", test_error_reply);
  g_test_add_func ("/connection/redis/not-sql", test_not_sql);
  g_test_add_func ("/connection/redis/db", test_db);
  g_test_add_func ("/connection/redis/command-timeout", test_command_timeout);
  g_test_add_func ("/connection/redis/open-errors", test_open_errors);
  g_test_add_func ("/connection/redis/config-errors", test_config_errors);
  g_test_add_func ("/connection/redis/context", test_context);
  g_test_add_func ("/connection/redis/command-text", test_command_text);

  status = g_test_run ();

  upg_test_redis_stop (server);
  g_clear_error (&start_error);
  return status;
}
