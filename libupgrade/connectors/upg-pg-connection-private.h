/* upg-pg-connection-private.h - UpgConnection over libpq
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

G_BEGIN_DECLS

#define UPG_TYPE_PG_CONNECTION (upg_pg_connection_get_type ())

G_DECLARE_FINAL_TYPE (UpgPgConnection, upg_pg_connection, UPG, PG_CONNECTION, UpgConnection)

UpgConnection *upg_pg_connection_new  (const char  *name,
                                       const char  *host,
                                       guint        port,
                                       const char  *socket,
                                       const char  *user,
                                       const char  *password,
                                       const char  *database,
                                       gboolean    *refused,
                                       GError     **error);

const char    *upg_pg_connection_get_first_namespace (UpgPgConnection  *self,
                                                     GError           **error);

G_END_DECLS
