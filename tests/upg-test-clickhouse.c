/* upg-test-clickhouse.c - a throwaway ClickHouse server for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Like the MariaDB and PostgreSQL fixtures (upg-test-servers.c): a fresh
 * directory under the build directory, its own configuration (written
 * here), loopback ports of its own, a database `upgtest` and a user
 * `upgrade` with a random password; the `default` user, with another
 * random password, is the administrator. ClickHouse creates its data
 * directory on start in about a second, so there is no template. The same
 * guard process stops the server and removes the directory when the test
 * process dies without upg_test_clickhouse_stop().
 *
 * The configuration uses only what ClickHouse 18.16 (Debian 12) and 24.8
 * both read: <yandex> as the root element, listen_host, http_port,
 * tcp_port, path, tmp_path, user_files_path, format_schema_path, logger,
 * users_config, query_log, remote_servers (one cluster,
 * `test_shard_localhost`: this server as its only shard, for the
 * Distributed tables of tests; a packaged server's default configuration
 * has it, this one is written from scratch).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "upg-clickhouse-connection-private.h"
#include "upg-test-clickhouse.h"
#include "upg-test-servers-private.h"

#define CH_DATABASE "upgtest"
#define CH_USER "upgrade"

/* Readiness: up to this many connection attempts, this far apart. */
#define READY_ATTEMPTS 600
#define READY_INTERVAL_US (50 * 1000)

struct _UpgTestClickHouse
{
  char        *dir;
  char        *url;
  char        *log_path;
  guint        http_port;
  guint        tcp_port;
  char        *password;        /* of `upgrade` */
  char        *admin_password;  /* of `default` */
  GSubprocess *process;
  GSubprocess *guard;
  int          guard_fd;
};

static char *
random_password (const char *prefix)
{
  /* The characters a naive URL or header quoting would break on. */
  return g_strdup_printf ("%s-%08x%08x#;=%%&+", prefix, g_random_int (), g_random_int ());
}

/* XML text: the passwords hold `&`. */
static char *
xml_text (const char *text)
{
  return g_markup_escape_text (text, -1);
}

static gboolean
write_config (UpgTestClickHouse  *server,
              GError            **error)
{
  g_autofree char *config = g_build_filename (server->dir, "config.xml", NULL);
  g_autofree char *users = g_build_filename (server->dir, "users.xml", NULL);
  g_autofree char *password = xml_text (server->password);
  g_autofree char *admin = xml_text (server->admin_password);
  g_autofree char *config_text = NULL;
  g_autofree char *users_text = NULL;
  const char *query_log =
    "  <query_log><database>system</database><table>query_log</table>"
    "<flush_interval_milliseconds>1000</flush_interval_milliseconds></query_log>\n";
  g_autofree char *cluster = g_strdup_printf (
    "  <remote_servers><test_shard_localhost><shard><replica><host>127.0.0.1</host><port>%u</port>"
    "<user>default</user><password>%s</password></replica></shard></test_shard_localhost></remote_servers>\n",
    server->tcp_port, admin);

  config_text = g_strdup_printf (
    "<?xml version=\"1.0\"?>\n"
    "<yandex>\n"
    "  <logger><level>information</level><log>%s/server.log</log>"
    "<errorlog>%s/error.log</errorlog><console>0</console></logger>\n"
    "  <listen_host>127.0.0.1</listen_host>\n"
    "  <http_port>%u</http_port>\n"
    "  <tcp_port>%u</tcp_port>\n"
    "  <path>%s/data/</path>\n"
    "  <tmp_path>%s/tmp/</tmp_path>\n"
    "  <user_files_path>%s/user_files/</user_files_path>\n"
    "  <format_schema_path>%s/format_schemas/</format_schema_path>\n"
    "  <users_config>%s</users_config>\n"
    "  <default_profile>default</default_profile>\n"
    "  <default_database>default</default_database>\n"
    "  <mark_cache_size>5368709</mark_cache_size>\n"
    "%s%s"
    "</yandex>\n",
    server->dir, server->dir, server->http_port, server->tcp_port, server->dir, server->dir,
    server->dir, server->dir, users, query_log, cluster);
  users_text = g_strdup_printf (
    "<?xml version=\"1.0\"?>\n"
    "<yandex>\n"
    "  <profiles><default></default></profiles>\n"
    "  <users>\n"
    "    <default><password>%s</password><networks><ip>127.0.0.1</ip></networks>"
    "<profile>default</profile><quota>default</quota></default>\n"
    "    <" CH_USER "><password>%s</password><networks><ip>127.0.0.1</ip></networks>"
    "<profile>default</profile><quota>default</quota></" CH_USER ">\n"
    "  </users>\n"
    "  <quotas><default></default></quotas>\n"
    "</yandex>\n", admin, password);
  return g_file_set_contents_full (config, config_text, -1, G_FILE_SET_CONTENTS_NONE, 0600, error)
         && g_file_set_contents_full (users, users_text, -1, G_FILE_SET_CONTENTS_NONE, 0600, error);
}

static GSubprocess *
spawn_server (UpgTestClickHouse  *server,
              GError            **error)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE | G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autofree char *program = g_find_program_in_path ("clickhouse-server");
  g_autofree char *config = g_build_filename (server->dir, "config.xml", NULL);
  g_autofree char *config_arg = g_strdup_printf ("--config-file=%s", config);

  g_subprocess_launcher_set_stdout_file_path (launcher, server->log_path);
  g_subprocess_launcher_set_cwd (launcher, server->dir);
  return g_subprocess_launcher_spawnv (launcher, (const char * const[]) {
                                         program != NULL ? program : "/usr/sbin/clickhouse-server",
                                         config_arg, NULL }, error);
}

static UpgConnection *
admin_connect (UpgTestClickHouse  *server,
               const char         *database,
               GError            **error)
{
  return upg_clickhouse_connection_new ("clickhouse-admin", server->url, "default", server->admin_password,
                                        database, NULL, NULL, error);
}

static gboolean
wait_until_ready (UpgTestClickHouse  *server,
                  GError            **error)
{
  g_autoptr(GError) last = NULL;

  for (guint attempt = 0; attempt < READY_ATTEMPTS; attempt++)
    {
      g_autoptr(UpgConnection) conn = NULL;

      g_clear_error (&last);
      conn = admin_connect (server, NULL, &last);
      if (conn != NULL)
        return TRUE;
      if (g_subprocess_get_identifier (server->process) == NULL)
        break;
      g_usleep (READY_INTERVAL_US);
    }

  {
    g_autofree char *log = g_build_filename (server->dir, "error.log", NULL);
    g_autofree char *tail = upg_test_log_tail (log);
    g_autofree char *out = upg_test_log_tail (server->log_path);

    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "clickhouse server in %s did not answer (%s; last error: %s); error log tail:\n%s\n%s",
                 server->dir, g_subprocess_get_identifier (server->process) != NULL ? "still running" : "it exited",
                 last != NULL ? last->message : "none", tail, out);
  }
  return FALSE;
}

static gboolean
start_in_dir (UpgTestClickHouse  *server,
              GError            **error)
{
  server->http_port = upg_test_find_free_port (error);
  if (server->http_port == 0)
    return FALSE;
  do
    server->tcp_port = upg_test_find_free_port (error);
  while (server->tcp_port == server->http_port);
  if (server->tcp_port == 0)
    return FALSE;
  server->url = g_strdup_printf ("http://127.0.0.1:%u", server->http_port);
  if (!write_config (server, error))
    return FALSE;
  server->process = spawn_server (server, error);
  if (server->process == NULL
      || !upg_test_start_guard (server->process, server->dir, "TERM", &server->guard, &server->guard_fd, error)
      || !wait_until_ready (server, error))
    return FALSE;
  return upg_test_clickhouse_admin (server, "CREATE DATABASE " CH_DATABASE, NULL, error);
}

/**
 * upg_test_clickhouse_start:
 * @error: return location for a #GError
 *
 * Starts a throwaway ClickHouse server. On failure the message holds its
 * logs' tails; the test must fail then, not skip.
 *
 * Returns: (transfer full) (nullable): the running server
 */
UpgTestClickHouse *
upg_test_clickhouse_start (GError **error)
{
  g_autoptr(UpgTestClickHouse) server = g_new0 (UpgTestClickHouse, 1);
  g_autofree char *root = g_build_filename (upg_test_base_dir (), "test-servers", NULL);
  g_autofree char *dir = g_build_filename (root, "clickhouse-XXXXXX", NULL);

  server->guard_fd = -1;
  server->password = random_password ("pw");
  server->admin_password = random_password ("admin");
  if (g_mkdir_with_parents (root, 0755) != 0 || g_mkdtemp (dir) == NULL)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s: %s", dir,
                   g_strerror (errno));
      return NULL;
    }
  server->dir = g_steal_pointer (&dir);
  server->log_path = g_build_filename (server->dir, "server.out", NULL);
  if (!start_in_dir (server, error))
    {
      g_prefix_error (error, "cannot start a clickhouse test server: ");
      return NULL;
    }
  return g_steal_pointer (&server);
}

/**
 * upg_test_clickhouse_stop:
 * @server: (transfer full) (nullable): a server
 *
 * Stops the server (SIGTERM), waits for it and removes its directory.
 */
void
upg_test_clickhouse_stop (UpgTestClickHouse *server)
{
  if (server == NULL)
    return;

  /* The guard goes first, so it cannot act on a reused pid. */
  if (server->guard != NULL)
    {
      g_subprocess_force_exit (server->guard);
      g_subprocess_wait (server->guard, NULL, NULL);
      g_object_unref (server->guard);
    }
  if (server->guard_fd >= 0)
    close (server->guard_fd);
  if (server->process != NULL)
    {
      g_subprocess_send_signal (server->process, SIGTERM);
      for (guint i = 0; i < READY_ATTEMPTS && g_subprocess_get_identifier (server->process) != NULL; i++)
        g_usleep (READY_INTERVAL_US);
      if (g_subprocess_get_identifier (server->process) != NULL)
        g_subprocess_force_exit (server->process);
      g_subprocess_wait (server->process, NULL, NULL);
      g_object_unref (server->process);
    }
  if (server->dir != NULL)
    upg_test_run_command ((const char *[]) { "rm", "-rf", "--", server->dir, NULL }, NULL, NULL, NULL, NULL);

  g_free (server->dir);
  g_free (server->url);
  g_free (server->log_path);
  g_free (server->password);
  g_free (server->admin_password);
  g_free (server);
}

const char *
upg_test_clickhouse_get_url (UpgTestClickHouse *server)
{
  return server->url;
}

guint
upg_test_clickhouse_get_port (UpgTestClickHouse *server)
{
  return server->http_port;
}

const char *
upg_test_clickhouse_get_user (UpgTestClickHouse *server)
{
  return CH_USER;
}

const char *
upg_test_clickhouse_get_password (UpgTestClickHouse *server)
{
  return server->password;
}

const char *
upg_test_clickhouse_get_database (UpgTestClickHouse *server)
{
  return CH_DATABASE;
}

const char *
upg_test_clickhouse_get_dir (UpgTestClickHouse *server)
{
  return server->dir;
}

char *
upg_test_clickhouse_datasource_json (UpgTestClickHouse *server,
                                     const char        *password_env)
{
  return g_strdup_printf ("{\"provider\": \"ClickHouse\", \"url\": \"%s\", \"database\": \"" CH_DATABASE "\", "
                          "\"user\": \"" CH_USER "\", \"password_env\": \"%s\"}",
                          server->url, password_env);
}

gboolean
upg_test_clickhouse_admin (UpgTestClickHouse  *server,
                           const char         *sql,
                           char              **value,
                           GError            **error)
{
  g_autoptr(UpgConnection) conn = admin_connect (server, NULL, error);
  g_autoptr(UpgRows) rows = NULL;

  if (conn == NULL)
    return FALSE;
  if (value == NULL)
    return upg_connection_execute (conn, sql, NULL, NULL, error);
  rows = upg_connection_query (conn, sql, NULL, NULL, error);
  if (rows == NULL)
    return FALSE;
  *value = upg_rows_get_n_rows (rows) > 0 ? g_strdup (upg_rows_get_value (rows, 0, 0)) : NULL;
  return TRUE;
}

/* Until every query sent before is written to system.query_log: 18.16's
 * SYSTEM FLUSH LOGS writes only what the log's thread already took from
 * its queue, so the entry of a query of a moment ago may still wait
 * there (and would land in the table the next flush creates). The queue
 * keeps its order: once a marker query sent after them is written, so
 * are they. The test's timeout bounds the wait. */
static gboolean
flush_query_log (UpgTestClickHouse  *server,
                 GError            **error)
{
  g_autoptr(UpgConnection) conn = upg_test_clickhouse_connect (server, "flush", error);
  g_autofree char *marker = g_uuid_string_random ();
  g_autofree char *written = g_strdup_printf ("SELECT count() FROM system.query_log"
                                              " WHERE query_id = '%s' AND toInt8(type) = 2", marker);

  if (conn == NULL)
    return FALSE;
  upg_clickhouse_connection_set_query_id (UPG_CLICKHOUSE_CONNECTION (conn), marker);
  if (!upg_connection_execute (conn, "SELECT 1", NULL, NULL, error))
    return FALSE;
  for (;;)
    {
      g_autofree char *count = NULL;

      if (!upg_test_clickhouse_admin (server, "SYSTEM FLUSH LOGS", NULL, error)
          || !upg_test_clickhouse_admin (server, written, &count, error))
        return FALSE;
      if (g_strcmp0 (count, "0") != 0)
        return TRUE;
      g_usleep (20 * 1000);
    }
}

gboolean
upg_test_clickhouse_forget_queries (UpgTestClickHouse  *server,
                                    GError            **error)
{
  /* ClickHouse 18.16 always keeps a query log (with log_queries, which
   * the engine sends): dropping it is how a test gets a server that
   * cannot tell. The next flush creates it again, without the entries. */
  return flush_query_log (server, error)
         && upg_test_clickhouse_admin (server, "DROP TABLE IF EXISTS system.query_log", NULL, error);
}

UpgConnection *
upg_test_clickhouse_connect (UpgTestClickHouse  *server,
                             const char         *name,
                             GError            **error)
{
  return upg_clickhouse_connection_new (name, server->url, CH_USER, server->password, CH_DATABASE, NULL,
                                        NULL, error);
}

char *
upg_test_clickhouse_admin_printf (UpgTestClickHouse *server,
                                  const char        *format,
                                  ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;
  char *value = NULL;
  va_list args;

  va_start (args, format);
  sql = g_strdup_vprintf (format, args);
  va_end (args);
  g_assert_true (upg_test_clickhouse_admin (server, sql, &value, &error));
  g_assert_no_error (error);
  return value;
}
