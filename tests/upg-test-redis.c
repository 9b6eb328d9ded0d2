/* upg-test-redis.c - a throwaway Redis server for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * redis-server runs in a fresh temporary directory (short, so its unix
 * socket path fits), on a free port of 127.0.0.1 and on that socket, with
 * a random password (requirepass, from a 0600 config file, not argv) and
 * no persistence. It is started by a small shell that waits on a pipe only
 * this process writes to: when the test ends, or dies on a failed
 * assertion, the pipe closes and the shell stops the server and removes
 * the directory (as the guard of upg-test-servers.c does).
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <sys/time.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <hiredis/hiredis.h>

#include "upg-test-redis.h"
#include "upg-test-servers.h"

#define READY_ATTEMPTS 600
#define READY_INTERVAL_US (50 * 1000)

struct _UpgTestRedis
{
  char        *dir;
  char        *socket;
  char        *log_path;
  char        *password;
  char        *password_env;
  guint        port;
  GSubprocess *shell;
};

static char *
log_tail (const char *path)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &text, &len, NULL))
    return g_strdup ("(no server log)");
  return g_strdup (len > 2000 ? text + len - 2000 : text);
}

static redisContext *
connect_admin (UpgTestRedis  *server,
               char         **message)
{
  struct timeval tv = { 5, 0 };
  redisContext *c = redisConnectUnixWithTimeout (server->socket, tv);
  redisReply *r;

  if (c == NULL || c->err != 0)
    {
      g_free (*message);
      *message = g_strdup (c != NULL ? c->errstr : "out of memory");
      g_clear_pointer (&c, redisFree);
      return NULL;
    }
  r = redisCommand (c, "AUTH %s", server->password);
  if (r == NULL || r->type == REDIS_REPLY_ERROR)
    {
      g_free (*message);
      *message = g_strdup (r != NULL ? r->str : c->errstr);
      if (r != NULL)
        freeReplyObject (r);
      redisFree (c);
      return NULL;
    }
  freeReplyObject (r);
  return c;
}

static gboolean
write_config (UpgTestRedis  *server,
              GError       **error)
{
  g_autofree char *path = g_build_filename (server->dir, "redis.conf", NULL);
  g_autofree char *text = g_strdup_printf ("port %u\n"
                                           "bind 127.0.0.1\n"
                                           "unixsocket %s\n"
                                           "unixsocketperm 700\n"
                                           "requirepass \"%s\"\n"
                                           "dir %s\n"
                                           "save \"\"\n"
                                           "appendonly no\n"
                                           "daemonize no\n"
                                           "logfile \"\"\n",
                                           server->port, server->socket, server->password, server->dir);

  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_NONE, 0600, error);
}

static gboolean
spawn (UpgTestRedis  *server,
       GError       **error)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autofree char *conf = g_build_filename (server->dir, "redis.conf", NULL);
  g_autofree char *program = g_find_program_in_path ("redis-server");
  /* The server's own stdin is /dev/null (a background job); the shell's
   * is the pipe: EOF (this process closed it or died) stops the server. */
  const char *script =
    "\"$1\" \"$2\" </dev/null & pid=$!\n"
    "read _ignored\n"
    "kill -TERM \"$pid\" 2>/dev/null\n"
    "i=0\n"
    "while kill -0 \"$pid\" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\n"
    "kill -KILL \"$pid\" 2>/dev/null\n"
    "rm -rf -- \"$3\"\n";

  if (program == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "redis-server is not installed (scripts/install-deps.sh installs it)");
      return FALSE;
    }
  g_subprocess_launcher_set_stdout_file_path (launcher, server->log_path);
  server->shell = g_subprocess_launcher_spawnv (launcher, (const char * const[]) {
                                                  "sh", "-c", script, "upg-test-redis", program, conf,
                                                  server->dir, NULL }, error);
  return server->shell != NULL;
}

static gboolean
wait_until_ready (UpgTestRedis  *server,
                  GError       **error)
{
  g_autofree char *message = NULL;
  g_autofree char *tail = NULL;

  for (guint attempt = 0; attempt < READY_ATTEMPTS; attempt++)
    {
      redisContext *c = connect_admin (server, &message);

      if (c != NULL)
        {
          redisFree (c);
          return TRUE;
        }
      if (g_subprocess_get_identifier (server->shell) == NULL)
        break;
      g_usleep (READY_INTERVAL_US);
    }
  tail = log_tail (server->log_path);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               "redis server in %s did not accept connections (last error: %s); log tail:\n%s",
               server->dir, message != NULL ? message : "none", tail);
  return FALSE;
}

/**
 * upg_test_redis_start:
 * @error: return location for a #GError
 *
 * Starts a throwaway redis-server. The test must fail, not skip, when it
 * cannot start.
 *
 * Returns: (transfer full) (nullable): the running server
 */
UpgTestRedis *
upg_test_redis_start (GError **error)
{
  g_autoptr(UpgTestRedis) server = g_new0 (UpgTestRedis, 1);

  server->password = g_strdup_printf ("pw-%08x%08x#;=%%", g_random_int (), g_random_int ());
  server->dir = g_dir_make_tmp ("upg-redis-XXXXXX", error);
  if (server->dir == NULL)
    return NULL;
  server->socket = g_build_filename (server->dir, "redis.sock", NULL);
  server->log_path = g_build_filename (server->dir, "server.log", NULL);
  server->port = upg_test_find_free_port (error);
  if (server->port == 0 || !write_config (server, error) || !spawn (server, error)
      || !wait_until_ready (server, error))
    {
      g_prefix_error (error, "cannot start a redis test server: ");
      return NULL;
    }
  server->password_env = g_strdup_printf ("UPG_TEST_REDIS_%u_PASSWORD", server->port);
  g_setenv (server->password_env, server->password, TRUE);
  return g_steal_pointer (&server);
}

/**
 * upg_test_redis_stop:
 * @server: (transfer full) (nullable): a server
 *
 * Stops the server (SIGTERM), waits for it and removes its directory.
 */
void
upg_test_redis_stop (UpgTestRedis *server)
{
  if (server == NULL)
    return;
  if (server->shell != NULL)
    {
      GOutputStream *in = g_subprocess_get_stdin_pipe (server->shell);

      g_output_stream_close (in, NULL, NULL);
      g_subprocess_wait (server->shell, NULL, NULL);
      g_object_unref (server->shell);
    }
  else if (server->dir != NULL)
    upg_test_run_command ((const char *[]) { "rm", "-rf", "--", server->dir, NULL }, NULL, NULL, NULL, NULL);
  if (server->password_env != NULL)
    g_unsetenv (server->password_env);
  g_free (server->dir);
  g_free (server->socket);
  g_free (server->log_path);
  g_free (server->password);
  g_free (server->password_env);
  g_free (server);
}

guint
upg_test_redis_get_port (UpgTestRedis *server)
{
  return server->port;
}

const char *
upg_test_redis_get_socket (UpgTestRedis *server)
{
  return server->socket;
}

const char *
upg_test_redis_get_password (UpgTestRedis *server)
{
  return server->password;
}

const char *
upg_test_redis_get_dir (UpgTestRedis *server)
{
  return server->dir;
}

/* The variable (set in this process, inherited by the programs it runs)
 * that data sources of upg_test_redis_datasource_json() read. */
const char *
upg_test_redis_get_password_env (UpgTestRedis *server)
{
  return server->password_env;
}

/**
 * upg_test_redis_datasource_json:
 * @server: a server
 * @use_socket: over the unix socket (`path`) instead of TCP
 * @db: the logical database
 *
 * Returns: (transfer full): an `upgrade.json` data source object, as text
 */
char *
upg_test_redis_datasource_json (UpgTestRedis *server,
                                gboolean      use_socket,
                                guint         db)
{
  if (use_socket)
    return g_strdup_printf ("{\"provider\": \"Redis\", \"path\": \"%s\", \"db\": %u, \"password_env\": \"%s\"}",
                            server->socket, db, server->password_env);
  return g_strdup_printf ("{\"provider\": \"Redis\", \"host\": \"127.0.0.1\", \"port\": %u, \"db\": %u, "
                          "\"password_env\": \"%s\"}", server->port, db, server->password_env);
}

static char *
reply_text (redisReply *r)
{
  GString *s;

  switch (r->type)
    {
    case REDIS_REPLY_NIL:
      return g_strdup ("(nil)");
    case REDIS_REPLY_INTEGER:
      return g_strdup_printf ("%lld", r->integer);
    case REDIS_REPLY_ARRAY:
      s = g_string_new (NULL);
      for (size_t i = 0; i < r->elements; i++)
        {
          g_autofree char *e = reply_text (r->element[i]);
          g_string_append_printf (s, "%s%s", i > 0 ? " " : "", e);
        }
      return g_string_free (s, FALSE);
    default:
      return g_strndup (r->str, r->len);
    }
}

/* Runs one command in db 0. */
char *
upg_test_redis_run (UpgTestRedis *server,
                    const char   *first,
                    ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *message = NULL;
  redisContext *c = connect_admin (server, &message);
  redisReply *r;
  char *text;
  va_list args;

  if (c == NULL)
    g_error ("cannot reach the redis test server: %s", message);
  va_start (args, first);
  for (const char *word = first; word != NULL; word = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) word);
  va_end (args);
  r = redisCommandArgv (c, (int) argv->len, (const char **) argv->pdata, NULL);
  if (r == NULL || r->type == REDIS_REPLY_ERROR)
    g_error ("%s failed on the redis test server: %s", first, r != NULL ? r->str : c->errstr);
  text = reply_text (r);
  freeReplyObject (r);
  redisFree (c);
  return text;
}

/* How many keys of db 0 match @pattern (a server-side Lua count). */
gint64
upg_test_redis_count_keys (UpgTestRedis *server,
                           const char   *pattern)
{
  g_autofree char *n = upg_test_redis_run (server, "EVAL",
                                           "local c, n = '0', 0 "
                                           "repeat local r = redis.call('SCAN', c, 'MATCH', ARGV[1], 'COUNT', 10000) "
                                           "c = r[1] n = n + #r[2] until c == '0' return n",
                                           "0", pattern, NULL);

  return g_ascii_strtoll (n, NULL, 10);
}

/* Creates keys @prefix1 … @prefix@n in db 0, server-side. */
void
upg_test_redis_populate (UpgTestRedis *server,
                         const char   *prefix,
                         guint         n)
{
  g_autofree char *count = g_strdup_printf ("%u", n);

  g_free (upg_test_redis_run (server, "EVAL",
                              "for i = 1, tonumber(ARGV[2]) do "
                              "redis.call('SET', ARGV[1] .. i, i) end return 1",
                              "0", prefix, count, NULL));
}
