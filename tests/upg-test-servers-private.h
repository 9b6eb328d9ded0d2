/* upg-test-servers-private.h - what the server fixture's two halves share:
 * upg-test-servers.c (templates, directories, process lifecycle) and
 * upg-test-server-kinds.c (what differs between MariaDB and PostgreSQL)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "upg-test-servers.h"

G_BEGIN_DECLS

#define TEST_DATABASE "upgtest"
#define TEST_USER "upgrade"

struct _UpgTestServer
{
  UpgTestServerKind  kind;
  char              *dir;
  char              *socket;     /* MariaDB: the socket file; PostgreSQL: its directory */
  char              *log_path;
  guint              port;
  char              *password;
  GSubprocess       *process;
  GSubprocess       *guard;
  int                guard_fd;   /* write end of the guard's pipe */
};

static inline const char *
upg_test_server_kind_name (UpgTestServerKind kind)
{
  return kind == UPG_TEST_SERVER_MARIADB ? "mariadb" : "postgresql";
}

/* Shared with the ClickHouse fixture (upg-test-clickhouse.c). */
char        *upg_test_log_tail              (const char         *path);
guint        upg_test_find_free_port        (GError            **error);
gboolean     upg_test_start_guard           (GSubprocess        *process,
                                             const char         *dir,
                                             const char         *signame,
                                             GSubprocess       **guard,
                                             int                *guard_fd,
                                             GError            **error);

char        *upg_test_servers_root          (UpgTestServerKind   kind,
                                             GError            **error);
gboolean     upg_test_server_init_template  (UpgTestServerKind   kind,
                                             const char         *dir,
                                             const char         *data_dir,
                                             GError            **error);
GSubprocess *upg_test_server_spawn          (UpgTestServer      *server,
                                             const char         *data_dir,
                                             GError            **error);
gpointer     upg_test_server_admin_connect  (UpgTestServer      *server,
                                             char              **message);
void         upg_test_server_admin_disconnect (UpgTestServer    *server,
                                             gpointer            handle);
gboolean     upg_test_server_create_user    (UpgTestServer      *server,
                                             gpointer            handle,
                                             GError            **error);

G_END_DECLS
