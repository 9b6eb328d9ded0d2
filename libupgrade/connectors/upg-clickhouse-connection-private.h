/* upg-clickhouse-connection-private.h - UpgConnection over ClickHouse's
 * HTTP interface (libsoup)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

G_BEGIN_DECLS

#define UPG_TYPE_CLICKHOUSE_CONNECTION (upg_clickhouse_connection_get_type ())

G_DECLARE_FINAL_TYPE (UpgClickHouseConnection, upg_clickhouse_connection, UPG, CLICKHOUSE_CONNECTION,
                      UpgConnection)

/**
 * UpgClickHouseQueryState:
 * @UPG_CLICKHOUSE_QUERY_UNKNOWN: the server keeps no trace of it (no query
 *   log, or the log was emptied): whether it ran cannot be told
 * @UPG_CLICKHOUSE_QUERY_RUNNING: it is still running (`system.processes`)
 * @UPG_CLICKHOUSE_QUERY_FINISHED: it finished (`system.query_log`, QueryFinish)
 * @UPG_CLICKHOUSE_QUERY_FAILED: it ended with an exception (`system.query_log`)
 * @UPG_CLICKHOUSE_QUERY_NOT_STARTED: the query log is on and has no trace of it,
 *   neither start nor end: it never reached the server
 *
 * What the server knows of a query by its `query_id`.
 */
typedef enum {
  UPG_CLICKHOUSE_QUERY_UNKNOWN,
  UPG_CLICKHOUSE_QUERY_RUNNING,
  UPG_CLICKHOUSE_QUERY_FINISHED,
  UPG_CLICKHOUSE_QUERY_FAILED,
  UPG_CLICKHOUSE_QUERY_NOT_STARTED,
} UpgClickHouseQueryState;

UpgConnection *upg_clickhouse_connection_new   (const char          *name,
                                                const char          *url,
                                                const char          *user,
                                                const char          *password,
                                                const char          *database,
                                                const char * const  *settings,
                                                gboolean            *refused,
                                                GError             **error);
void           upg_clickhouse_connection_set_query_id (UpgClickHouseConnection *self,
                                                       const char              *query_id);
UpgClickHouseQueryState
               upg_clickhouse_connection_query_state  (UpgClickHouseConnection *self,
                                                       const char              *query_id,
                                                       char                   **detail,
                                                       GError                 **error);
GInputStream  *upg_clickhouse_connection_send         (UpgClickHouseConnection *self,
                                                       GBytes                  *request,
                                                       const char * const      *extra,
                                                       GCancellable            *cancellable,
                                                       GError                 **error);
GInputStream  *upg_clickhouse_connection_send_stream  (UpgClickHouseConnection *self,
                                                       GInputStream            *body,
                                                       goffset                  length,
                                                       const char * const      *extra,
                                                       GCancellable            *cancellable,
                                                       GError                 **error);
gboolean       upg_clickhouse_parse_error             (const char              *body,
                                                       int                     *code,
                                                       char                   **message);

G_END_DECLS
