/* upg-redis.h - a connection to a Redis server and its replies
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_SPI_INSIDE__) && !defined(UPGRADE_SPI_COMPILATION)
#error "Only <upgrade-spi.h> can be included directly."
#endif

#include <gio/gio.h>

#include "upg-connection.h"
#include "upg-context.h"

#include "upg-spi-version-macros.h"

G_BEGIN_DECLS

/**
 * UpgRedisReplyKind:
 * @UPG_REDIS_REPLY_NIL: no value (a missing key)
 * @UPG_REDIS_REPLY_STATUS: a status text such as `OK`
 * @UPG_REDIS_REPLY_STRING: a bulk string (binary-safe)
 * @UPG_REDIS_REPLY_INTEGER: an integer
 * @UPG_REDIS_REPLY_ARRAY: an array of replies
 *
 * What a Redis reply holds. An error reply is not a reply: the command
 * fails with %UPG_ERROR_SQL carrying Redis's own error text.
 */
typedef enum {
  UPG_REDIS_REPLY_NIL,
  UPG_REDIS_REPLY_STATUS,
  UPG_REDIS_REPLY_STRING,
  UPG_REDIS_REPLY_INTEGER,
  UPG_REDIS_REPLY_ARRAY,
} UpgRedisReplyKind;

typedef struct _UpgRedisReply UpgRedisReply;

#define UPG_TYPE_REDIS_REPLY (upg_redis_reply_get_type ())

UPG_SPI_AVAILABLE_IN_ALL
GType              upg_redis_reply_get_type     (void) G_GNUC_CONST;

UPG_SPI_AVAILABLE_IN_ALL
UpgRedisReply     *upg_redis_reply_new_nil      (void);
UPG_SPI_AVAILABLE_IN_ALL
UpgRedisReply     *upg_redis_reply_new_status   (const char     *status);
UPG_SPI_AVAILABLE_IN_ALL
UpgRedisReply     *upg_redis_reply_new_string   (const char     *data,
                                                 gsize           length);
UPG_SPI_AVAILABLE_IN_ALL
UpgRedisReply     *upg_redis_reply_new_integer  (gint64          value);
UPG_SPI_AVAILABLE_IN_ALL
UpgRedisReply     *upg_redis_reply_new_array    (void);
UPG_SPI_AVAILABLE_IN_ALL
void               upg_redis_reply_append       (UpgRedisReply  *array,
                                                 UpgRedisReply  *element);

UPG_SPI_AVAILABLE_IN_ALL
UpgRedisReply     *upg_redis_reply_ref          (UpgRedisReply  *self);
UPG_SPI_AVAILABLE_IN_ALL
void               upg_redis_reply_unref        (UpgRedisReply  *self);

UPG_SPI_AVAILABLE_IN_ALL
UpgRedisReplyKind  upg_redis_reply_get_kind     (UpgRedisReply  *self);
UPG_SPI_AVAILABLE_IN_ALL
const char        *upg_redis_reply_get_string   (UpgRedisReply  *self,
                                                 gsize          *length);
UPG_SPI_AVAILABLE_IN_ALL
gint64             upg_redis_reply_get_integer  (UpgRedisReply  *self);
UPG_SPI_AVAILABLE_IN_ALL
guint              upg_redis_reply_get_n_elements (UpgRedisReply *self);
UPG_SPI_AVAILABLE_IN_ALL
UpgRedisReply     *upg_redis_reply_get_element  (UpgRedisReply  *self,
                                                 guint           index);
UPG_SPI_AVAILABLE_IN_ALL
char              *upg_redis_reply_to_text      (UpgRedisReply  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgRedisReply, upg_redis_reply_unref)

#define UPG_TYPE_REDIS_CLIENT (upg_redis_client_get_type ())

UPG_SPI_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (UpgRedisClient, upg_redis_client, UPG, REDIS_CLIENT, UpgConnection)

/**
 * UpgRedisClientClass:
 * @parent_class: the parent class
 * @command: sends one command (its words, unquoted) and reads its reply
 *
 * The virtual method a Redis backend implements. An error reply is
 * %UPG_ERROR_SQL with Redis's text (its first word, e.g. `WRONGTYPE`, is
 * also the connection's last SQLSTATE); a lost connection or a timeout is
 * %UPG_ERROR_DATASOURCE.
 */
struct _UpgRedisClientClass
{
  UpgConnectionClass parent_class;

  UpgRedisReply *(*command) (UpgRedisClient      *self,
                             const char * const  *argv,
                             GCancellable        *cancellable,
                             GError             **error);

  /*< private >*/
  gpointer padding[8];
};

UPG_SPI_AVAILABLE_IN_ALL
UpgRedisReply *upg_redis_client_command  (UpgRedisClient      *self,
                                          const char * const  *argv,
                                          GCancellable        *cancellable,
                                          GError             **error);
UPG_SPI_AVAILABLE_IN_ALL
GHashTable    *upg_redis_client_info     (UpgRedisClient      *self,
                                          const char          *section,
                                          GError             **error);

UPG_SPI_AVAILABLE_IN_ALL
UpgRedisClient *upg_context_get_redis    (UpgContext          *context,
                                          const char          *name,
                                          GError             **error);

G_END_DECLS
