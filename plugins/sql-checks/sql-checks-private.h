/* sql-checks-private.h - shared by the sql-checks plugin's parts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

G_BEGIN_DECLS

/* Connections opened during one check call, by data source name. */
typedef struct {
  UpgContext *ctx;
  GHashTable *connections;   /* name → UpgConnection */
  GHashTable *errors;        /* name → GError */
} SqlConnections;

/* Where an entry comes from, for messages: "checks of 3.17.5: data_quality[0]". */
typedef struct {
  const char *version;
  const char *section;
  guint       index;
} SqlOrigin;

SqlConnections *sql_connections_new      (UpgContext      *ctx);
void            sql_connections_free     (SqlConnections  *self);
UpgConnection  *sql_connections_get      (SqlConnections  *self,
                                          const char      *database,
                                          GCancellable    *cancellable,
                                          UpgCheckResult  *result);

char           *sql_origin_describe      (const SqlOrigin *origin);
UpgCheckResult *sql_invalid_entry        (const char      *kind,
                                          const char      *id,
                                          const SqlOrigin *origin,
                                          const char      *problem);
const char     *sql_entry_string         (JsonObject      *entry,
                                          const char      *member);

typedef void  (*SqlEntryFunc)            (JsonObject      *entry,
                                          const SqlOrigin *origin,
                                          SqlConnections  *connections,
                                          GPtrArray       *results,
                                          GCancellable    *cancellable);
gboolean        sql_for_each_entry       (UpgContext      *ctx,
                                          const char      *section,
                                          SqlConnections  *connections,
                                          GPtrArray       *results,
                                          SqlEntryFunc     func,
                                          GCancellable    *cancellable,
                                          GError         **error);

void            sql_check_rule           (JsonObject      *entry,
                                          const SqlOrigin *origin,
                                          SqlConnections  *connections,
                                          GPtrArray       *results,
                                          GCancellable    *cancellable);
void            sql_check_middleware     (JsonObject      *entry,
                                          const SqlOrigin *origin,
                                          SqlConnections  *connections,
                                          GPtrArray       *results,
                                          GCancellable    *cancellable);
void            sql_estimate_backup      (JsonObject      *entry,
                                          const SqlOrigin *origin,
                                          SqlConnections  *connections,
                                          GPtrArray       *results,
                                          GCancellable    *cancellable);
int             sql_compare_server_version (const char    *server_version,
                                            const char    *required);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SqlConnections, sql_connections_free)

G_END_DECLS
