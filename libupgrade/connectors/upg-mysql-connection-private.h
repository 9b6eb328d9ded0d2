/* upg-mysql-connection-private.h - UpgConnection over libmariadb
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

G_BEGIN_DECLS

#define UPG_TYPE_MYSQL_CONNECTION (upg_mysql_connection_get_type ())

G_DECLARE_FINAL_TYPE (UpgMysqlConnection, upg_mysql_connection, UPG, MYSQL_CONNECTION, UpgConnection)

UpgConnection *upg_mysql_connection_new  (const char  *name,
                                          const char  *host,
                                          guint        port,
                                          const char  *socket,
                                          const char  *user,
                                          const char  *password,
                                          const char  *database,
                                          gboolean    *refused,
                                          GError     **error);

const char    *upg_mysql_connection_get_first_namespace (UpgMysqlConnection  *self,
                                                     GError           **error);

G_END_DECLS
