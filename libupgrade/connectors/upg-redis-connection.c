/* upg-redis-connection.c - UpgRedisClient over hiredis
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/time.h>

#include <glib/gi18n-lib.h>
#include <hiredis/hiredis.h>

#include "upg-redis-connection-private.h"

/* The longest command text a log line or a message shows. */
#define MAX_COMMAND_TEXT 200

/* Seconds a command may take before the step sets its own timeout: the
 * engine's default statement timeout (SPEC §5). */
#define DEFAULT_COMMAND_TIMEOUT 300

/**
 * UpgRedisConnection:
 *
 * A connection to a Redis server through hiredis (blocking), over TCP or a
 * unix socket. The password goes in an `AUTH` command, never in a message;
 * `db` is chosen with `SELECT`. A command is sent as its words
 * (redisCommandArgv(), no quoting, no format string), so a value may hold
 * any character. A command's reply must come within the statement timeout
 * (the step's `timeout`), else the connection is closed and the command
 * fails with %UPG_ERROR_DATASOURCE: whether it ran is then unknown.
 *
 * It is not SQL: upg_connection_execute() and upg_connection_query() fail
 * with %UPG_ERROR_INVALID_ARGUMENT.
 */
struct _UpgRedisConnection
{
  UpgRedisClient  parent_instance;

  redisContext   *context;     /* NULL once broken: every call then fails */
  guint           timeout;     /* seconds, 0: none */
};

G_DEFINE_FINAL_TYPE (UpgRedisConnection, upg_redis_connection, UPG_TYPE_REDIS_CLIENT)

static void
upg_redis_connection_finalize (GObject *object)
{
  UpgRedisConnection *self = UPG_REDIS_CONNECTION (object);

  g_clear_pointer (&self->context, redisFree);

  G_OBJECT_CLASS (upg_redis_connection_parent_class)->finalize (object);
}

static const char *
name_of (UpgRedisConnection *self)
{
  return upg_connection_get_name (UPG_CONNECTION (self));
}

/*
 * upg_redis_command_to_text:
 *
 * One command as a log line or a journal record shows it: its words
 * separated by spaces, a word with a space, a quote or a control character
 * in double quotes with C escapes (as redis-cli reads them back), cut at
 * MAX_COMMAND_TEXT characters.
 */
char *
upg_redis_command_to_text (const char * const *argv)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; argv[i] != NULL; i++)
    {
      const char *word = argv[i];
      gboolean plain = word[0] != '\0';

      for (const char *p = word; *p != '\0' && plain; p++)
        plain = (guchar) *p > ' ' && *p != '"' && *p != '\'' && *p != '\\' && *p != 0x7f;
      if (i > 0)
        g_string_append_c (text, ' ');
      if (plain)
        g_string_append (text, word);
      else
        {
          g_autofree char *escaped = g_strescape (word, NULL);
          g_string_append_printf (text, "\"%s\"", escaped);
        }
      if (text->len > MAX_COMMAND_TEXT)
        {
          g_string_truncate (text, MAX_COMMAND_TEXT);
          g_string_append (text, "…");
          break;
        }
    }
  return g_string_free (text, FALSE);
}

static UpgRedisReply *
convert_reply (redisReply *r)
{
  UpgRedisReply *reply;

  switch (r->type)
    {
    case REDIS_REPLY_STRING:
      return upg_redis_reply_new_string (r->str, r->len);
    case REDIS_REPLY_STATUS:
      return upg_redis_reply_new_status (r->str);
    case REDIS_REPLY_INTEGER:
      return upg_redis_reply_new_integer (r->integer);
    case REDIS_REPLY_ARRAY:
      reply = upg_redis_reply_new_array ();
      for (size_t i = 0; i < r->elements; i++)
        {
          g_autoptr(UpgRedisReply) element = convert_reply (r->element[i]);
          upg_redis_reply_append (reply, element);
        }
      return reply;
    case REDIS_REPLY_NIL:
    default:
      return upg_redis_reply_new_nil ();
    }
}

/* The connection failed under a command: hiredis cannot use it again. */
static void
set_io_error (UpgRedisConnection  *self,
              const char          *command,
              GError             **error)
{
  /* A read timeout (SO_RCVTIMEO) shows as EAGAIN. */
  gboolean timed_out = self->context->err == REDIS_ERR_IO
                       && (errno == EAGAIN || errno == EWOULDBLOCK);

  if (timed_out)
    g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                 _("Redis data source '%s': no reply to %s within %u s; the connection is closed"),
                 name_of (self), command, self->timeout);
  else
    g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                 _("Redis data source '%s': connection lost during %s: %s"),
                 name_of (self), command, self->context->errstr);
  g_clear_pointer (&self->context, redisFree);
}

static UpgRedisReply *
upg_redis_connection_command (UpgRedisClient      *client,
                              const char * const  *argv,
                              GCancellable        *cancellable,
                              GError             **error)
{
  UpgRedisConnection *self = UPG_REDIS_CONNECTION (client);
  g_autofree char *command = NULL;
  redisReply *r;
  UpgRedisReply *reply = NULL;
  guint argc = g_strv_length ((char **) argv);

  command = g_ascii_strup (argv[0], -1);
  if (self->context == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("Redis data source '%s': the connection was lost before %s"), name_of (self), command);
      return NULL;
    }
  errno = 0;
  r = redisCommandArgv (self->context, (int) argc, (const char **) argv, NULL);
  if (r == NULL)
    {
      set_io_error (self, command, error);
      return NULL;
    }
  if (r->type == REDIS_REPLY_ERROR)
    {
      /* "WRONGTYPE Operation against a key …": the first word is the
       * error's kind, kept as the code the journal records. */
      g_autofree char *kind = g_strndup (r->str, strcspn (r->str, " "));

      upg_connection_set_last_error (UPG_CONNECTION (self), 0, kind);
      g_set_error (error, UPG_ERROR, UPG_ERROR_SQL, "%s", r->str);
    }
  else
    {
      upg_connection_set_last_error (UPG_CONNECTION (self), 0, NULL);
      reply = convert_reply (r);
    }
  freeReplyObject (r);
  return reply;
}

static gboolean
not_sql (UpgConnection  *conn,
         GError        **error)
{
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
               _("data source '%s' is a Redis server: it takes \"redis\" steps, not SQL"),
               upg_connection_get_name (conn));
  return FALSE;
}

static gboolean
upg_redis_connection_execute (UpgConnection  *conn,
                              const char     *sql,
                              gint64         *affected_rows,
                              GCancellable   *cancellable,
                              GError        **error)
{
  return not_sql (conn, error);
}

static UpgRows *
upg_redis_connection_query (UpgConnection  *conn,
                            const char     *sql,
                            const char    **params,
                            GCancellable   *cancellable,
                            GError        **error)
{
  not_sql (conn, error);
  return NULL;
}

static gboolean
upg_redis_connection_transaction (UpgConnection  *conn,
                                  GError        **error)
{
  return not_sql (conn, error);
}

static gboolean
upg_redis_connection_ping (UpgConnection  *conn,
                           GError        **error)
{
  g_autoptr(UpgRedisReply) reply =
    upg_redis_client_command (UPG_REDIS_CLIENT (conn), (const char *[]) { "PING", NULL }, NULL, error);

  return reply != NULL;
}

/* `redis_version` of `INFO server`, e.g. "7.0.15". */
static char *
upg_redis_connection_get_server_version (UpgConnection  *conn,
                                         GError        **error)
{
  g_autoptr(GHashTable) info = upg_redis_client_info (UPG_REDIS_CLIENT (conn), "server", error);
  const char *version;

  if (info == NULL)
    return NULL;
  version = g_hash_table_lookup (info, "redis_version");
  if (version == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED,
                   _("Redis data source '%s': INFO server has no redis_version"),
                   upg_connection_get_name (conn));
      return NULL;
    }
  return g_strdup (version);
}

static gboolean
upg_redis_connection_set_statement_timeout (UpgConnection  *conn,
                                            guint           seconds,
                                            GError        **error)
{
  UpgRedisConnection *self = UPG_REDIS_CONNECTION (conn);
  struct timeval tv = { .tv_sec = seconds, .tv_usec = 0 };

  if (self->context == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("Redis data source '%s': the connection was lost"), name_of (self));
      return FALSE;
    }
  if (redisSetTimeout (self->context, tv) != REDIS_OK)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("Redis data source '%s': cannot set a %u s timeout: %s"),
                   name_of (self), seconds, self->context->errstr);
      return FALSE;
    }
  self->timeout = seconds;
  return TRUE;
}

static void
upg_redis_connection_class_init (UpgRedisConnectionClass *klass)
{
  UpgConnectionClass *conn_class = UPG_CONNECTION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = upg_redis_connection_finalize;
  UPG_REDIS_CLIENT_CLASS (klass)->command = upg_redis_connection_command;
  conn_class->execute = upg_redis_connection_execute;
  conn_class->query = upg_redis_connection_query;
  conn_class->begin = upg_redis_connection_transaction;
  conn_class->commit = upg_redis_connection_transaction;
  conn_class->rollback = upg_redis_connection_transaction;
  conn_class->ping = upg_redis_connection_ping;
  conn_class->get_server_version = upg_redis_connection_get_server_version;
  conn_class->set_statement_timeout = upg_redis_connection_set_statement_timeout;
}

static void
upg_redis_connection_init (UpgRedisConnection *self)
{
}

/* AUTH (when a password is configured), then PING, then SELECT: a server
 * that wants a password refuses PING with NOAUTH, so a missing password
 * reads as clearly as a wrong one. An error reply here is the server's
 * answer to this connection: no retry changes it. */
static gboolean
handshake (UpgRedisConnection  *self,
           const char          *password,
           guint                db,
           gboolean            *refused,
           GError             **error)
{
  UpgRedisClient *client = UPG_REDIS_CLIENT (self);
  g_autofree char *db_text = g_strdup_printf ("%u", db);
  g_autoptr(UpgRedisReply) auth = NULL;
  g_autoptr(UpgRedisReply) ping = NULL;
  g_autoptr(UpgRedisReply) selected = NULL;
  g_autoptr(GError) local_error = NULL;

  if (password != NULL)
    auth = upg_redis_client_command (client, (const char *[]) { "AUTH", password, NULL }, NULL, &local_error);
  if (local_error == NULL)
    ping = upg_redis_client_command (client, (const char *[]) { "PING", NULL }, NULL, &local_error);
  if (local_error == NULL && db != 0)
    selected = upg_redis_client_command (client, (const char *[]) { "SELECT", db_text, NULL }, NULL,
                                         &local_error);
  if (local_error == NULL)
    return TRUE;

  *refused = g_error_matches (local_error, UPG_ERROR, UPG_ERROR_SQL);
  g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
               _("cannot connect to Redis data source '%s': %s"), name_of (self), local_error->message);
  return FALSE;
}

/*
 * upg_redis_connection_new:
 * @refused: (out): set when the server answered with a refusal (a wrong
 *   or missing password, a `db` out of range), which no retry changes
 *
 * Connects over the unix socket @socket_path, or to @host:@port, within
 * @connect_timeout seconds; errors are %UPG_ERROR_DATASOURCE and never
 * hold @password.
 */
UpgConnection *
upg_redis_connection_new (const char  *name,
                          const char  *host,
                          guint        port,
                          const char  *socket_path,
                          guint        db,
                          const char  *password,
                          guint        connect_timeout,
                          gboolean    *refused,
                          GError     **error)
{
  g_autoptr(UpgRedisConnection) self = g_object_new (UPG_TYPE_REDIS_CONNECTION, "name", name,
                                                     "dialect", UPG_DIALECT_OTHER, NULL);
  struct timeval tv = { .tv_sec = connect_timeout, .tv_usec = 0 };

  *refused = FALSE;
  if (socket_path != NULL)
    self->context = redisConnectUnixWithTimeout (socket_path, tv);
  else
    self->context = redisConnectWithTimeout (host, (int) port, tv);
  if (self->context == NULL || self->context->err != 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("cannot connect to Redis data source '%s': %s"), name,
                   self->context != NULL ? self->context->errstr : g_strerror (ENOMEM));
      return NULL;
    }
  /* The handshake gets the connect timeout; commands then the default
   * statement timeout until the runner sets the step's. */
  if (!upg_redis_connection_set_statement_timeout (UPG_CONNECTION (self), connect_timeout, error)
      || !handshake (self, password, db, refused, error)
      || !upg_redis_connection_set_statement_timeout (UPG_CONNECTION (self), DEFAULT_COMMAND_TIMEOUT, error))
    return NULL;
  return UPG_CONNECTION (g_steal_pointer (&self));
}
