/* upg-redis-connection-private.h - the Redis backend (hiredis)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

G_BEGIN_DECLS

#define UPG_TYPE_REDIS_CONNECTION (upg_redis_connection_get_type ())

G_DECLARE_FINAL_TYPE (UpgRedisConnection, upg_redis_connection, UPG, REDIS_CONNECTION, UpgRedisClient)

UpgConnection *upg_redis_connection_new   (const char   *name,
                                           const char   *host,
                                           guint         port,
                                           const char   *socket_path,
                                           guint         db,
                                           const char   *password,
                                           guint         connect_timeout,
                                           gboolean     *refused,
                                           GError      **error);

char          *upg_redis_command_to_text  (const char * const *argv);

G_END_DECLS
