/* upg-test-redis.h - a throwaway Redis server for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade.h>

G_BEGIN_DECLS

typedef struct _UpgTestRedis UpgTestRedis;

UpgTestRedis *upg_test_redis_start          (GError        **error);
void          upg_test_redis_stop           (UpgTestRedis   *server);

guint         upg_test_redis_get_port       (UpgTestRedis   *server);
const char   *upg_test_redis_get_socket     (UpgTestRedis   *server);
const char   *upg_test_redis_get_password   (UpgTestRedis   *server);
const char   *upg_test_redis_get_dir        (UpgTestRedis   *server);
const char   *upg_test_redis_get_password_env (UpgTestRedis *server);

char         *upg_test_redis_datasource_json (UpgTestRedis  *server,
                                             gboolean       use_socket,
                                             guint          db);

/* Sends a command as the fixture (not through libupgrade); asserts it
 * succeeds and returns its reply as redis-cli prints it. */
char         *upg_test_redis_run            (UpgTestRedis   *server,
                                             const char     *first,
                                             ...) G_GNUC_NULL_TERMINATED;
gint64        upg_test_redis_count_keys     (UpgTestRedis   *server,
                                             const char     *pattern);
void          upg_test_redis_populate       (UpgTestRedis   *server,
                                             const char     *prefix,
                                             guint          n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgTestRedis, upg_test_redis_stop)

G_END_DECLS
