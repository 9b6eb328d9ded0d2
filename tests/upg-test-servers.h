/* upg-test-servers.h - throwaway MariaDB and PostgreSQL servers for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade.h>

#include "upg-config.h"
#include "upg-data-source.h"

G_BEGIN_DECLS

typedef enum {
  UPG_TEST_SERVER_MARIADB,
  UPG_TEST_SERVER_POSTGRESQL,
} UpgTestServerKind;

/* How a data source written for a test server gets its password. */
typedef enum {
  UPG_TEST_PASSWORD_ENV,
  UPG_TEST_PASSWORD_FILE,
} UpgTestPasswordVia;

typedef struct _UpgTestServer UpgTestServer;

/* A database that does not exist on the test servers, though the test
 * user may use it (MariaDB): connecting to it is refused as unknown. */
#define UPG_TEST_MISSING_DATABASE "upgtest_missing"

const char    *upg_test_base_dir             (void);
guint          upg_test_find_free_port       (GError             **error);
gboolean       upg_test_run_command          (const char * const  *argv,
                                              const char          *stdin_path,
                                              const char * const  *env,
                                              char               **output,
                                              GError             **error);

UpgTestServer *upg_test_server_start         (UpgTestServerKind    kind,
                                              GError             **error);
void           upg_test_server_stop          (UpgTestServer       *server);

UpgTestServerKind upg_test_server_get_kind   (UpgTestServer       *server);
const char    *upg_test_server_get_dir       (UpgTestServer       *server);
const char    *upg_test_server_get_host      (UpgTestServer       *server);
guint          upg_test_server_get_port      (UpgTestServer       *server);
const char    *upg_test_server_get_socket    (UpgTestServer       *server);
const char    *upg_test_server_get_user      (UpgTestServer       *server);
const char    *upg_test_server_get_password  (UpgTestServer       *server);
const char    *upg_test_server_get_database  (UpgTestServer       *server);

char          *upg_test_server_datasource_json (UpgTestServer      *server,
                                                UpgTestPasswordVia  via,
                                                gboolean            use_socket);
gboolean       upg_test_server_write_config  (UpgTestServer       *server,
                                              const char          *name,
                                              const char          *path,
                                              UpgTestPasswordVia   via,
                                              GError             **error);
gboolean       upg_test_server_run_client    (UpgTestServer       *server,
                                              const char          *sql_file,
                                              char               **output,
                                              GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgTestServer, upg_test_server_stop)

/* Assertions shared by the connection tests. */
void           upg_test_exec_ok              (UpgConnection       *conn,
                                              const char          *sql,
                                              gint64               expected_rows);
char          *upg_test_query_value          (UpgConnection       *conn,
                                              const char          *sql,
                                              const char * const  *params);
char          *upg_test_make_dir             (const char          *prefix);

/* Data sources, as the configuration gives them. */
char          *upg_test_server_get_password_env (UpgTestServer    *server);
UpgDataSource *upg_test_data_source_from_json (const char          *name,
                                              const char          *json);
UpgDataSource *upg_test_server_data_source   (UpgTestServer       *server,
                                              const char          *name,
                                              UpgTestPasswordVia   via,
                                              gboolean             use_socket);
void           upg_test_assert_open_fails    (UpgDataSource       *source,
                                              const char          *secret,
                                              guint                attempts);
void           upg_test_server_check_open    (UpgTestServer       *server,
                                              GType                backend);

UpgConnection *upg_test_server_connect       (UpgTestServer       *server,
                                              const GError        *start_error,
                                              const char          *name,
                                              gboolean             use_socket);
void           upg_test_check_timeout        (UpgConnection       *conn,
                                              const char          *slow_sql,
                                              int                  code,
                                              const char          *sqlstate);
void           upg_test_check_cancel         (UpgConnection       *conn,
                                              const char          *slow_sql);

G_END_DECLS
