/* upg-check-entries-private.h - the middleware and backup_tables entries of a manifest's checks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-bundle.h"
#include "upg-json-private.h"

G_BEGIN_DECLS

/*
 * UpgMiddlewareEntry:
 * @database: the data source whose server version is checked
 * @name: (nullable): the item's name
 * @min_version: (nullable): the lowest server version accepted, e.g. "10.5"
 * @max_version: (nullable): the highest server version accepted
 *
 * One object of `checks.middleware`; the strings are the JSON object's.
 */
typedef struct
{
  const char *database;
  const char *name;
  const char *min_version;
  const char *max_version;
} UpgMiddlewareEntry;

gboolean upg_middleware_entry_read      (const UpgJsonCtx    *ctx,
                                         JsonObject          *object,
                                         const char          *path,
                                         UpgMiddlewareEntry  *entry,
                                         GError             **error);
gboolean upg_backup_tables_entry_read   (const UpgJsonCtx    *ctx,
                                         JsonObject          *object,
                                         const char          *path,
                                         const char         **database,
                                         GStrv               *tables,
                                         GError             **error);
void     upg_bundle_check_check_entries (UpgBundle           *self,
                                         GPtrArray           *problems);

G_END_DECLS
