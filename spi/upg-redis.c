/* upg-redis.c - a connection to a Redis server and its replies
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "upg-spi-i18n-private.h"

#include "upg-error.h"
#include "upg-redis.h"

/**
 * UpgRedisReply:
 *
 * One reply of a Redis server, as [method@Upgrade.RedisClient.command]
 * returns it: nil, a status, a (binary-safe) string, an integer or an
 * array of replies. Reference counted; immutable once returned.
 */
struct _UpgRedisReply
{
  gatomicrefcount    ref_count;
  UpgRedisReplyKind  kind;
  char              *data;      /* STATUS, STRING: NUL-terminated */
  gsize              length;
  gint64             integer;
  GPtrArray         *elements;  /* ARRAY */
};

G_DEFINE_BOXED_TYPE (UpgRedisReply, upg_redis_reply, upg_redis_reply_ref, upg_redis_reply_unref)

static UpgRedisReply *
reply_new (UpgRedisReplyKind kind)
{
  UpgRedisReply *self = g_new0 (UpgRedisReply, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->kind = kind;
  return self;
}

/**
 * upg_redis_reply_new_nil:
 *
 * Creates a nil reply (what `GET` answers for a missing key).
 *
 * Returns: (transfer full): a new reply
 */
UpgRedisReply *
upg_redis_reply_new_nil (void)
{
  return reply_new (UPG_REDIS_REPLY_NIL);
}

/**
 * upg_redis_reply_new_status:
 * @status: the status text, e.g. `OK`
 *
 * Creates a status reply.
 *
 * Returns: (transfer full): a new reply
 */
UpgRedisReply *
upg_redis_reply_new_status (const char *status)
{
  UpgRedisReply *self;

  g_return_val_if_fail (status != NULL, NULL);
  self = reply_new (UPG_REDIS_REPLY_STATUS);
  self->length = strlen (status);
  self->data = g_strdup (status);
  return self;
}

/**
 * upg_redis_reply_new_string:
 * @data: (array length=length) (element-type guint8): the bytes
 * @length: how many bytes
 *
 * Creates a bulk string reply; it may hold any bytes, NUL included.
 *
 * Returns: (transfer full): a new reply
 */
UpgRedisReply *
upg_redis_reply_new_string (const char *data,
                            gsize       length)
{
  UpgRedisReply *self;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  self = reply_new (UPG_REDIS_REPLY_STRING);
  self->data = g_malloc (length + 1);
  if (length > 0)
    memcpy (self->data, data, length);
  self->data[length] = '\0';
  self->length = length;
  return self;
}

/**
 * upg_redis_reply_new_integer:
 * @value: the integer
 *
 * Creates an integer reply.
 *
 * Returns: (transfer full): a new reply
 */
UpgRedisReply *
upg_redis_reply_new_integer (gint64 value)
{
  UpgRedisReply *self = reply_new (UPG_REDIS_REPLY_INTEGER);

  self->integer = value;
  return self;
}

/**
 * upg_redis_reply_new_array:
 *
 * Creates an empty array reply; see upg_redis_reply_append().
 *
 * Returns: (transfer full): a new reply
 */
UpgRedisReply *
upg_redis_reply_new_array (void)
{
  UpgRedisReply *self = reply_new (UPG_REDIS_REPLY_ARRAY);

  self->elements = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_redis_reply_unref);
  return self;
}

/**
 * upg_redis_reply_append:
 * @array: an array reply being built
 * @element: (transfer none): the next element
 *
 * Appends @element to @array (for a backend building a reply).
 */
void
upg_redis_reply_append (UpgRedisReply *array,
                        UpgRedisReply *element)
{
  g_return_if_fail (array != NULL && array->kind == UPG_REDIS_REPLY_ARRAY);
  g_return_if_fail (element != NULL);
  g_ptr_array_add (array->elements, upg_redis_reply_ref (element));
}

/**
 * upg_redis_reply_ref:
 * @self: a reply
 *
 * Takes a reference.
 *
 * Returns: (transfer full): @self
 */
UpgRedisReply *
upg_redis_reply_ref (UpgRedisReply *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * upg_redis_reply_unref:
 * @self: (transfer full): a reply
 *
 * Drops a reference; the last one frees the reply and its elements.
 */
void
upg_redis_reply_unref (UpgRedisReply *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->data);
  g_clear_pointer (&self->elements, g_ptr_array_unref);
  g_free (self);
}

/**
 * upg_redis_reply_get_kind:
 * @self: a reply
 *
 * Gets what the reply holds.
 *
 * Returns: its kind
 */
UpgRedisReplyKind
upg_redis_reply_get_kind (UpgRedisReply *self)
{
  g_return_val_if_fail (self != NULL, UPG_REDIS_REPLY_NIL);
  return self->kind;
}

/**
 * upg_redis_reply_get_string:
 * @self: a reply
 * @length: (out) (optional): its length in bytes
 *
 * Gets the text of a status or string reply. A string may hold NUL bytes:
 * use @length then.
 *
 * Returns: (transfer none) (nullable): the text, NUL-terminated; %NULL for
 *   another kind
 */
const char *
upg_redis_reply_get_string (UpgRedisReply *self,
                            gsize         *length)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (length != NULL)
    *length = self->length;
  return self->data;
}

/**
 * upg_redis_reply_get_integer:
 * @self: a reply
 *
 * Gets the value of an integer reply.
 *
 * Returns: the integer; 0 for another kind
 */
gint64
upg_redis_reply_get_integer (UpgRedisReply *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->integer;
}

/**
 * upg_redis_reply_get_n_elements:
 * @self: a reply
 *
 * Gets the number of elements of an array reply.
 *
 * Returns: the number of elements; 0 for another kind
 */
guint
upg_redis_reply_get_n_elements (UpgRedisReply *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->elements != NULL ? self->elements->len : 0;
}

/**
 * upg_redis_reply_get_element:
 * @self: an array reply
 * @index: from 0
 *
 * Gets one element of an array reply.
 *
 * Returns: (transfer none): the element
 */
UpgRedisReply *
upg_redis_reply_get_element (UpgRedisReply *self,
                             guint          index)
{
  g_return_val_if_fail (self != NULL && self->elements != NULL, NULL);
  g_return_val_if_fail (index < self->elements->len, NULL);
  return g_ptr_array_index (self->elements, index);
}

/**
 * upg_redis_reply_to_text:
 * @self: a reply
 *
 * Renders the reply for a log line, as `redis-cli` would: `OK`,
 * `(integer) 3`, `(nil)`, `"text"`, `[…]` for arrays.
 *
 * Returns: (transfer full): the text
 */
char *
upg_redis_reply_to_text (UpgRedisReply *self)
{
  GString *text;

  g_return_val_if_fail (self != NULL, NULL);
  switch (self->kind)
    {
    case UPG_REDIS_REPLY_NIL:
      return g_strdup ("(nil)");
    case UPG_REDIS_REPLY_STATUS:
      return g_strdup (self->data);
    case UPG_REDIS_REPLY_INTEGER:
      return g_strdup_printf ("(integer) %" G_GINT64_FORMAT, self->integer);
    case UPG_REDIS_REPLY_STRING:
      {
        g_autofree char *escaped = g_strescape (self->data, NULL);
        return g_strdup_printf ("\"%s\"", escaped);
      }
    case UPG_REDIS_REPLY_ARRAY:
    default:
      text = g_string_new ("[");
      for (guint i = 0; i < self->elements->len; i++)
        {
          g_autofree char *element = upg_redis_reply_to_text (g_ptr_array_index (self->elements, i));
          g_string_append_printf (text, "%s%s", i > 0 ? ", " : "", element);
        }
      g_string_append_c (text, ']');
      return g_string_free (text, FALSE);
    }
}

/**
 * UpgRedisClient:
 *
 * A connection to a Redis data source (`"provider": "Redis"`). It is an
 * [class@Upgrade.Connection] (name, ping, server version), but it speaks
 * Redis commands, not SQL: [method@Upgrade.RedisClient.command] sends one
 * command's words and returns the typed reply. Plugins get one from
 * [method@Upgrade.Context.get_redis].
 */
G_DEFINE_ABSTRACT_TYPE (UpgRedisClient, upg_redis_client, UPG_TYPE_CONNECTION)

static void
upg_redis_client_class_init (UpgRedisClientClass *klass)
{
}

static void
upg_redis_client_init (UpgRedisClient *self)
{
}

/**
 * upg_redis_client_command:
 * @self: a Redis client
 * @argv: (array zero-terminated=1): the command and its arguments, e.g.
 *   `{"SET", "k", "v", NULL}`; each is sent as one word, unquoted
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Sends one command and reads its reply.
 *
 * Returns: (transfer full): the reply, or %NULL: %UPG_ERROR_SQL with
 *   Redis's error text for an error reply, %UPG_ERROR_DATASOURCE when the
 *   connection is lost or times out, %UPG_ERROR_CANCELLED
 */
UpgRedisReply *
upg_redis_client_command (UpgRedisClient      *self,
                          const char * const  *argv,
                          GCancellable        *cancellable,
                          GError             **error)
{
  g_return_val_if_fail (UPG_IS_REDIS_CLIENT (self), NULL);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  return UPG_REDIS_CLIENT_GET_CLASS (self)->command (self, argv, cancellable, error);
}

/**
 * upg_redis_client_info:
 * @self: a Redis client
 * @section: (nullable): an `INFO` section such as `server` or `memory`;
 *   %NULL for the default ones
 * @error: return location for a #GError
 *
 * Runs `INFO` and parses its `name:value` lines.
 *
 * Returns: (transfer full) (element-type utf8 utf8): name → value, or %NULL
 */
GHashTable *
upg_redis_client_info (UpgRedisClient  *self,
                       const char      *section,
                       GError         **error)
{
  const char *argv[] = { "INFO", section, NULL };
  g_autoptr(UpgRedisReply) reply = upg_redis_client_command (self, argv, NULL, error);
  g_autoptr(GHashTable) info = NULL;
  g_auto(GStrv) lines = NULL;

  if (reply == NULL)
    return NULL;
  if (reply->kind != UPG_REDIS_REPLY_STRING)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED,
                   _("data source '%s': INFO answered something other than text"),
                   upg_connection_get_name (UPG_CONNECTION (self)));
      return NULL;
    }
  info = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  lines = g_strsplit (reply->data, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      char *colon = strchr (line, ':');

      if (line[0] == '#' || colon == NULL)
        continue;
      g_hash_table_insert (info, g_strndup (line, colon - line), g_strdup (colon + 1));
    }
  return g_steal_pointer (&info);
}

/**
 * upg_context_get_redis:
 * @context: a context
 * @name: a data source's name, as in the configuration
 * @error: return location for a #GError
 *
 * Opens the named Redis data source, as [method@Upgrade.Context.get_connection]
 * opens SQL ones.
 *
 * Returns: (transfer full): the Redis client, or %NULL with @error set:
 *   %UPG_ERROR_NOT_FOUND for an unknown name, %UPG_ERROR_DATASOURCE when
 *   it cannot be reached, %UPG_ERROR_INVALID_CONFIG when the data source
 *   is not a Redis server
 */
UpgRedisClient *
upg_context_get_redis (UpgContext  *context,
                       const char  *name,
                       GError     **error)
{
  g_autoptr(UpgConnection) connection = upg_context_get_connection (context, name, error);

  if (connection == NULL)
    return NULL;
  if (!UPG_IS_REDIS_CLIENT (connection))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG,
                   _("data source '%s' is not a Redis server (it speaks SQL): use "
                     "upg_context_get_connection()"), name);
      return NULL;
    }
  return UPG_REDIS_CLIENT (g_steal_pointer (&connection));
}
