/* upg-sqlite-connection-private.h - UpgConnection over sqlite3
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

G_BEGIN_DECLS

#define UPG_TYPE_SQLITE_CONNECTION (upg_sqlite_connection_get_type ())

G_DECLARE_FINAL_TYPE (UpgSqliteConnection, upg_sqlite_connection, UPG, SQLITE_CONNECTION, UpgConnection)

UpgConnection *upg_sqlite_connection_new         (const char           *name,
                                                  const char           *path,
                                                  GError              **error);
gboolean       upg_sqlite_connection_enable_wal  (UpgSqliteConnection  *self,
                                                  GError              **error);
const char    *upg_sqlite_connection_get_path    (UpgSqliteConnection  *self);
gboolean       upg_sqlite_file_is_damaged        (const char           *path);

G_END_DECLS
