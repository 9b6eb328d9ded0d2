/* upg-test-servers.c - throwaway MariaDB and PostgreSQL servers for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each server runs in a fresh directory under the build directory (as
 * root, PostgreSQL's may go elsewhere: upg_test_servers_root()), listens
 * on its own free TCP port on 127.0.0.1 and on a unix socket in that
 * directory, and has a database and a password-protected user. Creating a
 * data directory takes seconds, so one template per build is made (under a
 * lock, for tests running in parallel) and copied per server.
 *
 * A guard process (a shell reading a pipe only this process writes to)
 * stops the server and removes its directory when the test process dies
 * without calling upg_test_server_stop(): a failed assertion aborts, and
 * neither atexit() handlers nor fixture teardowns run then.
 *
 * What differs between MariaDB and PostgreSQL is in upg-test-server-kinds.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <glib-unix.h>

#include "upg-test-servers-private.h"

/* Readiness: up to this many connection attempts, this far apart. */
#define READY_ATTEMPTS 600
#define READY_INTERVAL_US (50 * 1000)

/* A unix socket path must fit in sun_path (108 bytes) with room to spare. */
#define MAX_SOCKET_PATH 100

/* Absolute: the servers run in other working directories. */
const char *
upg_test_base_dir (void)
{
  static char *dir;

  if (dir == NULL)
    {
      const char *env = g_getenv ("G_TEST_BUILDDIR");

      if (env == NULL)
        env = g_getenv ("UPGRADE_BUILD_ROOT");
      dir = g_canonicalize_filename (env != NULL ? env : ".", NULL);
    }
  return dir;
}

char *
upg_test_log_tail (const char *path)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (path == NULL || !g_file_get_contents (path, &text, &len, NULL))
    return g_strdup ("(no server log)");

  return g_strdup (len > 2000 ? text + len - 2000 : text);
}

/* Runs a command to its end; @output gets its stdout and stderr; @env
 * holds name, value pairs. */
gboolean
upg_test_run_command (const char * const  *argv,
             const char          *stdin_path,
             const char * const  *env,
             char               **output,
             GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *out = NULL;

  if (stdin_path != NULL)
    g_subprocess_launcher_set_stdin_file_path (launcher, stdin_path);
  for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);

  process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (process == NULL || !g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, error))
    return FALSE;

  if (!g_subprocess_get_successful (process))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "'%s' failed (exit status %d): %s", argv[0],
                   g_subprocess_get_exit_status (process), out != NULL ? out : "");
      return FALSE;
    }

  if (output != NULL)
    *output = g_steal_pointer (&out);
  return TRUE;
}

static gboolean
remove_tree (const char  *path,
             GError     **error)
{
  return upg_test_run_command ((const char *[]) { "rm", "-rf", "--", path, NULL }, NULL, NULL, NULL, error);
}

/* Returns the template directory for @kind, creating it once per build.
 * The lock serialises test processes that start at the same time. */
static char *
ensure_template (UpgTestServerKind   kind,
                 GError            **error)
{
  g_autofree char *root = upg_test_servers_root (kind, error);
  g_autofree char *name = g_strdup_printf ("%s-template", upg_test_server_kind_name (kind));
  g_autofree char *template = NULL;
  g_autofree char *lock_path = NULL;
  g_autofree char *ready = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *tmp_data = NULL;
  gboolean ok;
  int lock_fd;

  if (root == NULL)
    return NULL;
  template = g_build_filename (root, name, NULL);
  lock_path = g_strconcat (template, ".lock", NULL);
  ready = g_build_filename (template, "ready", NULL);
  tmp = g_strdup_printf ("%s.tmp-%d", template, (int) getpid ());
  tmp_data = g_build_filename (tmp, "data", NULL);
  if (g_mkdir_with_parents (root, 0755) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "cannot create %s: %s", root, g_strerror (errno));
      return NULL;
    }

  lock_fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0 || flock (lock_fd, LOCK_EX) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "cannot lock %s: %s", lock_path, g_strerror (errno));
      if (lock_fd >= 0)
        close (lock_fd);
      return NULL;
    }

  ok = g_file_test (ready, G_FILE_TEST_EXISTS);
  if (!ok)
    {
      ok = remove_tree (template, error)
           && remove_tree (tmp, error)
           && g_mkdir_with_parents (tmp, 0755) == 0
           && upg_test_server_init_template (kind, tmp, tmp_data, error)
           && g_rename (tmp, template) == 0
           && g_file_set_contents (ready, "", 0, error);
      if (!ok && error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                     "cannot create the %s template in %s: %s",
                     upg_test_server_kind_name (kind), template, g_strerror (errno));
    }

  close (lock_fd);   /* releases the lock */
  return ok ? g_steal_pointer (&template) : NULL;
}

/* Whether nothing listens on @port of 127.0.0.1 now (0: any, as the
 * kernel picks). Returns the port bound, 0 if none. */
static guint
try_port (guint port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  guint bound = 0;

  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd >= 0 && bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0
      && getsockname (fd, (struct sockaddr *) &addr, &len) == 0)
    bound = ntohs (addr.sin_port);
  if (fd >= 0)
    close (fd);
  return bound;
}

/* The first port of the kernel's ephemeral range (the ports of outgoing
 * connections). */
static guint
ephemeral_low (void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/proc/sys/net/ipv4/ip_local_port_range", &text, NULL, NULL))
    return 32768;
  return (guint) CLAMP (g_ascii_strtoull (text, NULL, 10), 2048, 65535);
}

/* A TCP port on 127.0.0.1 that nothing listens on now, below the
 * ephemeral range: the port is free until the server binds it, and a
 * port the kernel picked (bind to 0) is one it also gives to outgoing
 * connections, which on a busy machine took it first now and then (the
 * server then failed to start). Never the same port twice in a process
 * (a ClickHouse server asks for two before it binds either). */
guint
upg_test_find_free_port (GError **error)
{
  static GMutex lock;
  static GHashTable *given;
  guint low = ephemeral_low ();
  guint port = 0;

  g_mutex_lock (&lock);
  if (given == NULL)
    given = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (guint attempt = 0; attempt < 64 && port == 0; attempt++)
    {
      guint candidate = (guint) g_random_int_range ((gint32) (low / 2), (gint32) low);

      if (!g_hash_table_contains (given, GUINT_TO_POINTER (candidate)))
        port = try_port (candidate);
    }
  if (port == 0)
    port = try_port (0);
  if (port != 0)
    g_hash_table_add (given, GUINT_TO_POINTER (port));
  g_mutex_unlock (&lock);
  if (port == 0)
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                 "cannot find a free TCP port: %s", g_strerror (errno));
  return port;
}

/* Creates the server's directory: under the build directory, unless the
 * socket path would be too long there. */
static char *
make_server_dir (UpgTestServerKind   kind,
                 GError            **error)
{
  g_autofree char *template = g_strdup_printf ("%s-XXXXXX", upg_test_server_kind_name (kind));
  g_autofree char *root = upg_test_servers_root (kind, error);
  g_autofree char *dir = NULL;

  if (root == NULL)
    return NULL;
  dir = g_build_filename (root, template, NULL);

  /* "/.s.PGSQL.65535" and "/mariadbd.sock" both fit in 16 bytes. */
  if (strlen (dir) + 16 > MAX_SOCKET_PATH)
    return g_dir_make_tmp (template, error);

  if (g_mkdir_with_parents (root, 0755) != 0 || g_mkdtemp (dir) == NULL)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "cannot create %s: %s", dir, g_strerror (errno));
      return NULL;
    }
  return g_steal_pointer (&dir);
}

/* Starts the process that cleans up if this one dies first: it sends
 * @signame to @process, then KILL, and removes @dir. Any fixture's. */
gboolean
upg_test_start_guard (GSubprocess  *process,
                      const char   *dir,
                      const char   *signame,
                      GSubprocess **guard,
                      int          *guard_fd,
                      GError      **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  const char *script =
    "read _ignored\n"
    "kill -\"$3\" \"$1\" 2>/dev/null\n"
    "i=0\n"
    "while kill -0 \"$1\" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\n"
    "kill -KILL \"$1\" 2>/dev/null\n"
    "rm -rf -- \"$2\"\n";
  g_autofree char *pid = g_strdup (g_subprocess_get_identifier (process));
  int fds[2];

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, error))
    return FALSE;

  g_subprocess_launcher_take_stdin_fd (launcher, fds[0]);
  *guard = g_subprocess_launcher_spawnv (launcher, (const char * const[]) {
                                           "sh", "-c", script, "upg-test-guard", pid, dir, signame,
                                           NULL }, error);
  if (*guard == NULL)
    {
      close (fds[1]);
      return FALSE;
    }
  *guard_fd = fds[1];
  return TRUE;
}

static gboolean
start_guard (UpgTestServer  *server,
             GError        **error)
{
  return upg_test_start_guard (server->process, server->dir,
                               server->kind == UPG_TEST_SERVER_MARIADB ? "TERM" : "INT",
                               &server->guard, &server->guard_fd, error);
}

static gboolean
process_running (GSubprocess *process)
{
  return g_subprocess_get_identifier (process) != NULL;
}

/* Polls until the server accepts a connection, it exits, or the attempts
 * run out. */
static gpointer
wait_until_ready (UpgTestServer  *server,
                  GError        **error)
{
  g_autofree char *message = NULL;

  for (guint attempt = 0; attempt < READY_ATTEMPTS; attempt++)
    {
      gpointer handle = upg_test_server_admin_connect (server, &message);

      if (handle != NULL)
        return handle;
      if (!process_running (server->process))
        break;
      g_usleep (READY_INTERVAL_US);
    }

  {
    g_autofree char *tail = upg_test_log_tail (server->log_path);

    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "%s server in %s did not accept connections (%s; last error: %s); log tail:\n%s",
                 upg_test_server_kind_name (server->kind), server->dir,
                 process_running (server->process) ? "still running" : "it exited",
                 message != NULL ? message : "none", tail);
  }
  return NULL;
}

static char *
make_password (void)
{
  /* Random, so a test can assert it never shows up in a message; the
   * quote characters make naive quoting in a connection string fail. */
  return g_strdup_printf ("pw-%08x%08x#;=%%", g_random_int (), g_random_int ());
}

static gboolean
start_in_dir (UpgTestServer  *server,
              GError        **error)
{
  g_autofree char *template = ensure_template (server->kind, error);
  g_autofree char *template_data = NULL;
  g_autofree char *data_dir = g_build_filename (server->dir, "data", NULL);
  gpointer handle;
  gboolean ok;

  if (template == NULL)
    return FALSE;
  template_data = g_build_filename (template, "data", NULL);
  if (!upg_test_run_command ((const char *[]) { "cp", "-a", "--", template_data, data_dir, NULL },
                    NULL, NULL, NULL, error))
    return FALSE;

  server->port = upg_test_find_free_port (error);
  if (server->port == 0)
    return FALSE;

  server->socket = server->kind == UPG_TEST_SERVER_MARIADB
                   ? g_build_filename (server->dir, "mariadbd.sock", NULL)
                   : g_strdup (server->dir);
  server->process = upg_test_server_spawn (server, data_dir, error);
  if (server->process == NULL || !start_guard (server, error))
    return FALSE;

  handle = wait_until_ready (server, error);
  if (handle == NULL)
    return FALSE;
  ok = upg_test_server_create_user (server, handle, error);
  upg_test_server_admin_disconnect (server, handle);

  return ok;
}

/**
 * upg_test_server_start:
 * @kind: which server
 * @error: return location for a #GError
 *
 * Starts a throwaway server with a database `upgtest` and a user `upgrade`
 * whose password is random. On failure the message holds the server log's
 * tail; the test must fail then, not skip.
 *
 * Returns: (transfer full) (nullable): the running server
 */
UpgTestServer *
upg_test_server_start (UpgTestServerKind   kind,
                       GError            **error)
{
  g_autoptr(UpgTestServer) server = g_new0 (UpgTestServer, 1);

  server->kind = kind;
  server->guard_fd = -1;
  server->password = make_password ();
  server->dir = make_server_dir (kind, error);
  if (server->dir == NULL)
    return NULL;
  server->log_path = g_build_filename (server->dir, "server.log", NULL);

  if (!start_in_dir (server, error))
    {
      g_prefix_error (error, "cannot start a %s test server: ", upg_test_server_kind_name (kind));
      return NULL;
    }

  return g_steal_pointer (&server);
}

static void
stop_process (GSubprocess *process,
              int          signum)
{
  g_subprocess_send_signal (process, signum);
  for (guint i = 0; i < READY_ATTEMPTS && process_running (process); i++)
    g_usleep (READY_INTERVAL_US);
  if (process_running (process))
    g_subprocess_force_exit (process);
  g_subprocess_wait (process, NULL, NULL);
}

/**
 * upg_test_server_stop:
 * @server: (transfer full) (nullable): a server
 *
 * Stops the server (SIGTERM for MariaDB, SIGINT — a fast shutdown that
 * does not wait for clients — for PostgreSQL), waits for it and removes
 * its directory.
 */
void
upg_test_server_stop (UpgTestServer *server)
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
      stop_process (server->process,
                    server->kind == UPG_TEST_SERVER_MARIADB ? SIGTERM : SIGINT);
      g_object_unref (server->process);
    }

  if (server->dir != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!remove_tree (server->dir, &error))
        g_printerr ("# cannot remove %s: %s\n", server->dir, error->message);
    }

  g_free (server->dir);
  g_free (server->socket);
  g_free (server->log_path);
  g_free (server->password);
  g_free (server);
}

UpgTestServerKind
upg_test_server_get_kind (UpgTestServer *server)
{
  return server->kind;
}

const char *
upg_test_server_get_dir (UpgTestServer *server)
{
  return server->dir;
}

const char *
upg_test_server_get_host (UpgTestServer *server)
{
  return "127.0.0.1";
}

guint
upg_test_server_get_port (UpgTestServer *server)
{
  return server->port;
}

const char *
upg_test_server_get_socket (UpgTestServer *server)
{
  return server->socket;
}

const char *
upg_test_server_get_user (UpgTestServer *server)
{
  return TEST_USER;
}

const char *
upg_test_server_get_password (UpgTestServer *server)
{
  return server->password;
}

const char *
upg_test_server_get_database (UpgTestServer *server)
{
  return TEST_DATABASE;
}
