/* upg-test-server-kinds.c - what differs between the MariaDB and the
 * PostgreSQL test servers: creating a template data directory, the server
 * command line, the superuser connection that sets up the test database
 * and user, and where PostgreSQL's directories go when we are root
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * PostgreSQL refuses to run as root: as root, its programs run as the
 * postgres user, which must then reach its directories.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <unistd.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <mysql.h>

#include "upg-test-servers-private.h"

static gboolean
running_as_root (void)
{
  return geteuid () == 0;
}

static gboolean
chown_postgres (const char  *path,
                GError     **error)
{
  if (!running_as_root ())
    return TRUE;
  return upg_test_run_command ((const char *[]) { "chown", "-R", "postgres:postgres", path, NULL },
                      NULL, NULL, NULL, error);
}


/* Debian keeps the server programs out of PATH, in
 * /usr/lib/postgresql/<major>/bin: take the newest major there. */
static char *
find_postgres_program (const char *program)
{
  g_autoptr(GDir) dir = g_dir_open ("/usr/lib/postgresql", 0, NULL);
  g_autofree char *best = NULL;
  guint64 best_major = 0;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/usr/lib/postgresql", name, "bin", program, NULL);
      guint64 major;

      if (g_ascii_string_to_unsigned (name, 10, 1, 1000, &major, NULL) && major > best_major
          && g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        {
          best_major = major;
          g_free (best);
          best = g_steal_pointer (&path);
        }
    }

  return best != NULL ? g_steal_pointer (&best) : g_strdup (program);
}

/* PostgreSQL refuses to run as root: when we are root, its programs run as
 * the postgres user (setpriv execs, so the pid is the server's own). */
static GPtrArray *
postgres_argv (const char *program)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *path = g_find_program_in_path (program);

  if (running_as_root ())
    {
      g_ptr_array_add (argv, g_strdup ("setpriv"));
      g_ptr_array_add (argv, g_strdup ("--reuid=postgres"));
      g_ptr_array_add (argv, g_strdup ("--regid=postgres"));
      g_ptr_array_add (argv, g_strdup ("--init-groups"));
      g_ptr_array_add (argv, g_strdup ("--"));
    }
  if (path == NULL)
    path = find_postgres_program (program);
  g_ptr_array_add (argv, g_steal_pointer (&path));

  return argv;
}

static void
argv_add (GPtrArray  *argv,
          const char *format,
          ...) G_GNUC_PRINTF (2, 3);

static void
argv_add (GPtrArray  *argv,
          const char *format,
          ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (argv, g_strdup_vprintf (format, args));
  va_end (args);
}

static const char * const *
argv_end (GPtrArray *argv)
{
  g_ptr_array_add (argv, NULL);
  return (const char * const *) argv->pdata;
}

/* Whether the postgres user can reach @dir (search every directory on
 * the way): asked once, of the system, as that user. */
static gboolean
postgres_can_reach (const char *dir)
{
  return upg_test_run_command ((const char *[]) { "setpriv", "--reuid=postgres", "--regid=postgres",
                                                  "--init-groups", "test", "-x", dir, NULL },
                               NULL, NULL, NULL, NULL);
}

/* A directory only the postgres user (and root) may enter, one per build,
 * under the temporary directory: short, so unix socket paths fit. An
 * existing one is used only if it is a real directory of postgres or
 * root that nobody else may write to. */
static char *
private_postgres_root (GError **error)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, upg_test_base_dir (), -1);
  g_autofree char *name = g_strdup_printf ("upg-test-servers-%.12s", hash);
  g_autofree char *dir = g_build_filename (g_get_tmp_dir (), name, NULL);
  struct passwd *postgres = getpwnam ("postgres");
  GStatBuf st;

  if (postgres == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "there is no postgres user to run the PostgreSQL test servers as");
      return NULL;
    }
  if (g_mkdir (dir, 0700) != 0 && errno != EEXIST)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "cannot create %s: %s", dir, g_strerror (errno));
      return NULL;
    }
  if (g_lstat (dir, &st) != 0 || !S_ISDIR (st.st_mode) || (st.st_mode & 077) != 0
      || (st.st_uid != postgres->pw_uid && st.st_uid != 0))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   "%s is not a private directory of the postgres user (mode 0700): remove it", dir);
      return NULL;
    }
  if (chown (dir, postgres->pw_uid, postgres->pw_gid) != 0 || !postgres_can_reach (dir))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "the postgres user cannot reach %s (set TMPDIR to a directory it can reach)", dir);
      return NULL;
    }
  return g_steal_pointer (&dir);
}

/**
 * upg_test_servers_root:
 * @kind: which server
 * @error: return location for a #GError
 *
 * Where the templates and the servers' directories of @kind go: the build
 * directory's test-servers/, unless we are root and the postgres user
 * cannot reach the build directory (a checkout under /root, mode 0700);
 * PostgreSQL's then go to a private directory of the postgres user.
 *
 * Returns: (transfer full) (nullable): the directory (it may not exist yet)
 */
char *
upg_test_servers_root (UpgTestServerKind   kind,
                       GError            **error)
{
  static gsize reachable;   /* 1: no, 2: yes */

  if (kind == UPG_TEST_SERVER_MARIADB || !running_as_root ())
    return g_build_filename (upg_test_base_dir (), "test-servers", NULL);
  if (g_once_init_enter (&reachable))
    g_once_init_leave (&reachable, postgres_can_reach (upg_test_base_dir ()) ? 2 : 1);
  if (reachable == 2)
    return g_build_filename (upg_test_base_dir (), "test-servers", NULL);
  return private_postgres_root (error);
}

static gboolean
init_mariadb_template (const char  *data_dir,
                       GError     **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);

  argv_add (argv, "mariadb-install-db");
  argv_add (argv, "--no-defaults");
  argv_add (argv, "--datadir=%s", data_dir);
  argv_add (argv, "--auth-root-authentication-method=normal");
  argv_add (argv, "--skip-test-db");
  argv_add (argv, "--skip-name-resolve");
  if (running_as_root ())
    argv_add (argv, "--user=root");

  return upg_test_run_command (argv_end (argv), NULL, NULL, NULL, error);
}

static gboolean
init_postgresql_template (const char  *dir,
                          const char  *data_dir,
                          GError     **error)
{
  g_autoptr(GPtrArray) argv = postgres_argv ("initdb");
  g_autofree char *hba = g_build_filename (data_dir, "pg_hba.conf", NULL);

  if (!chown_postgres (dir, error))
    return FALSE;

  argv_add (argv, "--no-sync");
  argv_add (argv, "--encoding=UTF8");
  argv_add (argv, "--locale=C");
  argv_add (argv, "--username=postgres");
  argv_add (argv, "--auth=trust");
  argv_add (argv, "--pgdata=%s", data_dir);
  if (!upg_test_run_command (argv_end (argv), NULL, NULL, NULL, error))
    return FALSE;

  /* The fixture itself is trusted on the socket as postgres; everyone else
   * must give a password, so tests exercise password_env / password_file. */
  return g_file_set_contents (hba,
                              "local all postgres trust\n"
                              "local all all scram-sha-256\n"
                              "host all all 127.0.0.1/32 scram-sha-256\n"
                              "host all all ::1/128 scram-sha-256\n",
                              -1, error)
         && chown_postgres (dir, error);
}

/* Creates a data directory in @data_dir, inside @dir, for @kind. */
gboolean
upg_test_server_init_template (UpgTestServerKind   kind,
                               const char         *dir,
                               const char         *data_dir,
                               GError            **error)
{
  return kind == UPG_TEST_SERVER_MARIADB
         ? init_mariadb_template (data_dir, error)
         : init_postgresql_template (dir, data_dir, error);
}

static GSubprocess *
spawn_logged (const char * const  *argv,
              const char          *log_path,
              GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE | G_SUBPROCESS_FLAGS_STDIN_PIPE);

  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  return g_subprocess_launcher_spawnv (launcher, argv, error);
}

/* Tests run the servers without waiting for the disk at each commit;
 * UPGRADE_TEST_SERVER_DURABLE=1 (bench-apply --durable) keeps the servers'
 * own durable defaults, as on a production host. */
static gboolean
durable_servers (void)
{
  return g_strcmp0 (g_getenv ("UPGRADE_TEST_SERVER_DURABLE"), "1") == 0;
}

/* UPGRADE_TEST_SERVER_BUFFER_POOL=1G (the benches): the buffer pool
 * (InnoDB) or shared buffers (PostgreSQL) of a production-sized server;
 * the tests keep small ones, the machine runs many servers at once. */
static const char *
buffer_pool (const char *small)
{
  const char *size = g_getenv ("UPGRADE_TEST_SERVER_BUFFER_POOL");

  return size != NULL && *size != '\0' ? size : small;
}

static GSubprocess *
spawn_mariadb (UpgTestServer  *server,
               const char     *data_dir,
               GError        **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *mariadbd = g_find_program_in_path ("mariadbd");

  argv_add (argv, "%s", mariadbd != NULL ? mariadbd : "/usr/sbin/mariadbd");
  argv_add (argv, "--no-defaults");
  argv_add (argv, "--datadir=%s", data_dir);
  argv_add (argv, "--socket=%s", server->socket);
  argv_add (argv, "--port=%u", server->port);
  argv_add (argv, "--bind-address=127.0.0.1");
  argv_add (argv, "--pid-file=%s/mariadbd.pid", server->dir);
  argv_add (argv, "--tmpdir=%s", server->dir);
  argv_add (argv, "--skip-name-resolve");
  argv_add (argv, "--innodb-buffer-pool-size=%s", buffer_pool ("32M"));
  if (!durable_servers ())
    argv_add (argv, "--innodb-flush-log-at-trx-commit=0");
  argv_add (argv, "--character-set-server=utf8mb4");
  if (running_as_root ())
    argv_add (argv, "--user=root");

  return spawn_logged (argv_end (argv), server->log_path, error);
}

static GSubprocess *
spawn_postgresql (UpgTestServer  *server,
                  const char     *data_dir,
                  GError        **error)
{
  g_autoptr(GPtrArray) argv = postgres_argv ("postgres");

  if (!chown_postgres (server->dir, error))
    return NULL;

  argv_add (argv, "-D");
  argv_add (argv, "%s", data_dir);
  argv_add (argv, "-p");
  argv_add (argv, "%u", server->port);
  argv_add (argv, "-k");
  argv_add (argv, "%s", server->socket);
  argv_add (argv, "-c");
  argv_add (argv, "listen_addresses=127.0.0.1");
  if (!durable_servers ())
    {
      argv_add (argv, "-c");
      argv_add (argv, "fsync=off");
    }
  if (g_getenv ("UPGRADE_TEST_SERVER_BUFFER_POOL") != NULL)
    {
      argv_add (argv, "-c");
      /* "1G" as MariaDB writes it is "1GB" for PostgreSQL. */
      const char *size = buffer_pool ("128M");

      argv_add (argv, "shared_buffers=%s%s", size, g_str_has_suffix (size, "B") ? "" : "B");
    }

  return spawn_logged (argv_end (argv), server->log_path, error);
}

/* Starts @server's process on its port and socket, in @data_dir; its
 * output goes to the server's log. */
GSubprocess *
upg_test_server_spawn (UpgTestServer  *server,
                       const char     *data_dir,
                       GError        **error)
{
  return server->kind == UPG_TEST_SERVER_MARIADB
         ? spawn_mariadb (server, data_dir, error)
         : spawn_postgresql (server, data_dir, error);
}

static char *
pg_conninfo (UpgTestServer *server,
             const char    *user,
             const char    *database)
{
  return g_strdup_printf ("host='%s' port=%u user=%s dbname=%s connect_timeout=5",
                          server->socket, server->port, user, database);
}

/* Connects as the server's superuser over the socket, or returns NULL. */
gpointer
upg_test_server_admin_connect (UpgTestServer  *server,
                               char          **message)
{
  if (server->kind == UPG_TEST_SERVER_MARIADB)
    {
      MYSQL *mysql = mysql_init (NULL);

      mysql_options (mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
      if (mysql_real_connect (mysql, "localhost", "root", NULL, NULL, 0, server->socket, 0) != NULL)
        return mysql;
      g_free (*message);
      *message = g_strdup (mysql_error (mysql));
      mysql_close (mysql);
      return NULL;
    }
  else
    {
      g_autofree char *conninfo = pg_conninfo (server, "postgres", "postgres");
      PGconn *pg = PQconnectdb (conninfo);

      if (PQstatus (pg) == CONNECTION_OK)
        return pg;
      g_free (*message);
      *message = g_strdup (PQerrorMessage (pg));
      PQfinish (pg);
      return NULL;
    }
}

void
upg_test_server_admin_disconnect (UpgTestServer *server,
                                  gpointer       handle)
{
  if (server->kind == UPG_TEST_SERVER_MARIADB)
    mysql_close (handle);
  else
    PQfinish (handle);
}

static gboolean
admin_exec (UpgTestServer  *server,
            gpointer        handle,
            const char     *sql,
            GError        **error)
{
  if (server->kind == UPG_TEST_SERVER_MARIADB)
    {
      if (mysql_query (handle, sql) == 0)
        return TRUE;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "setting up the test server failed: %s",
                   mysql_error (handle));
      return FALSE;
    }
  else
    {
      PGresult *result = PQexec (handle, sql);
      gboolean ok = PQresultStatus (result) == PGRES_COMMAND_OK;

      if (!ok)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "setting up the test server failed: %s",
                     PQerrorMessage (handle));
      PQclear (result);
      return ok;
    }
}

/* Creates the test database and user. */
gboolean
upg_test_server_create_user (UpgTestServer  *server,
                             gpointer        handle,
                             GError        **error)
{
  g_autofree char *sql = NULL;

  if (server->kind == UPG_TEST_SERVER_MARIADB)
    {
      const char *hosts[] = { "localhost", "127.0.0.1", NULL };

      if (!admin_exec (server, handle, "DROP USER IF EXISTS ''@'localhost'", error)
          || !admin_exec (server, handle, "CREATE DATABASE " TEST_DATABASE " CHARACTER SET utf8mb4", error))
        return FALSE;
      for (guint i = 0; hosts[i] != NULL; i++)
        {
          g_free (sql);
          sql = g_strdup_printf ("CREATE USER '" TEST_USER "'@'%s' IDENTIFIED BY '%s'",
                                 hosts[i], server->password);
          if (!admin_exec (server, handle, sql, error))
            return FALSE;
          g_free (sql);
          sql = g_strdup_printf ("GRANT ALL ON " TEST_DATABASE ".* TO '" TEST_USER "'@'%s'", hosts[i]);
          if (!admin_exec (server, handle, sql, error))
            return FALSE;
          /* A database the user may use but that does not exist: connecting
           * to it gets ER_BAD_DB_ERROR (1049), not access denied (1044). */
          g_free (sql);
          sql = g_strdup_printf ("GRANT ALL ON " UPG_TEST_MISSING_DATABASE ".* TO '" TEST_USER "'@'%s'",
                                 hosts[i]);
          if (!admin_exec (server, handle, sql, error))
            return FALSE;
        }
      return TRUE;
    }

  sql = g_strdup_printf ("CREATE ROLE " TEST_USER " LOGIN PASSWORD '%s'", server->password);
  return admin_exec (server, handle, sql, error)
         && admin_exec (server, handle,
                        "CREATE DATABASE " TEST_DATABASE " OWNER " TEST_USER " ENCODING 'UTF8' TEMPLATE template0",
                        error);
}
