/* upg-test-clickhouse.h - a throwaway ClickHouse server for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade.h>

G_BEGIN_DECLS

typedef struct _UpgTestClickHouse UpgTestClickHouse;

UpgTestClickHouse *upg_test_clickhouse_start        (GError                 **error);
void               upg_test_clickhouse_stop         (UpgTestClickHouse       *server);

const char        *upg_test_clickhouse_get_url      (UpgTestClickHouse       *server);
guint              upg_test_clickhouse_get_port     (UpgTestClickHouse       *server);
const char        *upg_test_clickhouse_get_user     (UpgTestClickHouse       *server);
const char        *upg_test_clickhouse_get_password (UpgTestClickHouse       *server);
const char        *upg_test_clickhouse_get_database (UpgTestClickHouse       *server);
const char        *upg_test_clickhouse_get_dir      (UpgTestClickHouse       *server);

/* `"provider": "ClickHouse", …` with the password in @password_env
 * (which the caller sets), as the configuration gives it. */
char              *upg_test_clickhouse_datasource_json (UpgTestClickHouse    *server,
                                                        const char           *password_env);
/* Runs @sql as the server's administrator; the first value of the first
 * row goes to @value when not %NULL. */
gboolean           upg_test_clickhouse_admin         (UpgTestClickHouse     *server,
                                                       const char            *sql,
                                                       char                 **value,
                                                       GError               **error);
/* upg_test_clickhouse_admin() of a printf-style statement, asserting
 * it succeeds; its first value (%NULL without rows). */
char              *upg_test_clickhouse_admin_printf  (UpgTestClickHouse     *server,
                                                       const char            *format,
                                                       ...) G_GNUC_PRINTF (2, 3);
/* Flushes the query log and drops it, as a retention policy or an
 * operator would: what ran before is no longer known to the server. */
gboolean           upg_test_clickhouse_forget_queries (UpgTestClickHouse    *server,
                                                       GError               **error);
/* The connection the engine would open for the test user. */
UpgConnection     *upg_test_clickhouse_connect       (UpgTestClickHouse     *server,
                                                       const char            *name,
                                                       GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgTestClickHouse, upg_test_clickhouse_stop)

G_END_DECLS
