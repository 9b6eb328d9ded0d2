/* db-site.h - the executor tests on real servers: one MariaDB and one
 * PostgreSQL server per test program, and a scratch site on either
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "exec-test-util.h"
#include "upg-test-servers.h"

G_BEGIN_DECLS

/* One server the tests of a program share. */
typedef struct {
  UpgTestServerKind  kind;
  const char        *name;
  UpgTestServer     *server;
  GError            *start_error;
  char              *source_json;
} Db;

#define DB_TARGETS_INIT { { UPG_TEST_SERVER_MARIADB, "mariadb" }, { UPG_TEST_SERVER_POSTGRESQL, "postgresql" } }

/* A site whose data source "db" is the server's database, with a table
 * name of its own: the tests of a program share the server. */
typedef struct {
  ExecFixture    fx;
  UpgConnection *target;
  char          *table;
} DbSite;

void  db_start             (Db            *db);
void  db_stop              (Db            *db);
void  db_add_test          (Db            *db,
                            const char    *program,
                            const char    *name,
                            GTestDataFunc  func);

void  db_site_init         (DbSite        *site,
                            Db            *db,
                            const char    *site_id);
void  db_site_clear        (DbSite        *site);
char *db_site_query        (DbSite        *site,
                            const char    *format,
                            ...) G_GNUC_PRINTF (2, 3);
void  db_site_execute      (DbSite        *site,
                            const char    *format,
                            ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
