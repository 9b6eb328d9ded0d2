/* test-journal-db.c - the journal and the lock on real MariaDB and PostgreSQL
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "journal-cases.h"
#include "upg-mysql-connection-private.h"
#include "upg-pg-connection-private.h"
#include "upg-test-servers.h"

typedef struct {
  UpgTestServer *server;
  GError        *start_error;
} Server;

typedef UpgConnection *(*ConnectFunc) (const char *name, const char *host, guint port,
                                       const char *socket, const char *user,
                                       const char *password, const char *database,
                                       gboolean *refused, GError **error);

static UpgConnection *
connect_to (Server       *server,
            ConnectFunc   connect,
            GError      **error)
{
  /* A server that could not start fails every test (never skips them). */
  if (server->start_error != NULL)
    {
      g_propagate_error (error, g_error_copy (server->start_error));
      return NULL;
    }
  return connect ("journal", upg_test_server_get_host (server->server),
                  upg_test_server_get_port (server->server), NULL,
                  upg_test_server_get_user (server->server),
                  upg_test_server_get_password (server->server),
                  upg_test_server_get_database (server->server), NULL, error);
}

static UpgConnection *
connect_mariadb (JournalBackend  *backend,
                 GError         **error)
{
  return connect_to (backend->data, upg_mysql_connection_new, error);
}

static UpgConnection *
connect_postgresql (JournalBackend  *backend,
                    GError         **error)
{
  return connect_to (backend->data, upg_pg_connection_new, error);
}

int
main (int argc, char **argv)
{
  Server mariadb = { NULL, NULL };
  Server postgresql = { NULL, NULL };
  JournalBackend backends[] = {
    { "mariadb", connect_mariadb, &mariadb },
    { "postgresql", connect_postgresql, &postgresql },
  };
  int status;

  g_test_init (&argc, &argv, NULL);
  mariadb.server = upg_test_server_start (UPG_TEST_SERVER_MARIADB, &mariadb.start_error);
  postgresql.server = upg_test_server_start (UPG_TEST_SERVER_POSTGRESQL, &postgresql.start_error);

  for (guint i = 0; i < G_N_ELEMENTS (backends); i++)
    {
      journal_cases_register (&backends[i]);
      record_cases_register (&backends[i]);
      undo_cases_register (&backends[i]);
      lock_cases_register (&backends[i]);
      rate_cases_register (&backends[i]);
    }
  status = g_test_run ();

  g_clear_pointer (&mariadb.server, upg_test_server_stop);
  g_clear_pointer (&postgresql.server, upg_test_server_stop);
  g_clear_error (&mariadb.start_error);
  g_clear_error (&postgresql.start_error);
  return status;
}
