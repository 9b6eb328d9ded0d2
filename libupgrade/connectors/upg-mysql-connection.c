/* upg-mysql-connection.c - UpgConnection over libmariadb
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "upg-sql-placeholders-private.h"
#include "upg-mysql-connection-private.h"
#include "upg-transaction-pipeline-private.h"

/* Seconds to wait for the server to accept a connection. */
#define UPG_MYSQL_CONNECT_TIMEOUT 10

/**
 * UpgMysqlConnection:
 *
 * A connection to MariaDB or MySQL through libmariadb, using the text
 * protocol only: a statement is sent with mysql_real_query() byte for byte,
 * as the `mariadb` client would send it, and every result set it produces
 * is read and discarded. The connection uses `utf8mb4`, so 4-byte UTF-8
 * (emoji) round-trips.
 *
 * Queries with `?` placeholders are also sent as text: each `?` outside
 * quotes and comments is replaced by the value quoted with
 * mysql_real_escape_string() (which follows the connection's character set
 * and `NO_BACKSLASH_ESCAPES`). Prepared statements are never used, since
 * they do not accept every statement the text protocol does.
 *
 * Like the `mariadb` client, the connection is opened with
 * CLIENT_MULTI_STATEMENTS: a text holding several statements (a DELIMITER
 * block, say) runs them all, as the client would; and the exactly-once
 * protocol sends a statement with its marker and transaction in one
 * request (#UpgTransactionPipeline).
 *
 * A refused statement records the server's errno and SQLSTATE, and the
 * message reads like the `mariadb` client's: `ERROR 1064 (42000): …`.
 * Client errors (lost connection, server gone, 2000–2999) and a server
 * shutting down are %UPG_ERROR_DATASOURCE. DDL commits implicitly on these
 * servers, so #UpgConnection:transactional-ddl is %FALSE.
 *
 * A statement timeout is `max_statement_time` on MariaDB and
 * `max_execution_time` (SELECT only) on MySQL. Cancelling a statement sends
 * `KILL QUERY` for it over a second, short-lived connection.
 */
struct _UpgMysqlConnection
{
  UpgConnection  parent_instance;

  MYSQL         *mysql;
  gboolean       is_mariadb;
  char          *first_namespace;  /* upg_mysql_connection_get_first_namespace() */
  /* The server's max_allowed_packet for this session (0: unknown). */
  guint64        max_packet;

  /* Kept to open the second connection that cancels a statement. */
  char          *host;
  guint          port;
  char          *socket;
  char          *user;
  char          *password;
};

static void upg_mysql_connection_pipeline_init (UpgTransactionPipelineInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (UpgMysqlConnection, upg_mysql_connection, UPG_TYPE_CONNECTION,
                               G_IMPLEMENT_INTERFACE (UPG_TYPE_TRANSACTION_PIPELINE,
                                                      upg_mysql_connection_pipeline_init))

static gboolean
is_connection_failure (unsigned int code)
{
  /* libmariadb refuses a packet above its own limit before sending it:
   * the connection is fine, the statement too large. */
  return (code >= CR_MIN_ERROR && code <= CR_MAX_ERROR && code != CR_NET_PACKET_TOO_LARGE)
         || code == ER_SERVER_SHUTDOWN
         || code == ER_CONNECTION_KILLED;
}

/* A request above the server's max_allowed_packet is not sent: the
 * server would answer ER_NET_PACKET_TOO_LARGE and drop the connection,
 * or libmariadb would see the connection drop while it still writes, a
 * "connection lost" that retrying cannot cure. It fails here with the
 * server's code instead, at once. */
static gboolean
check_packet (UpgMysqlConnection  *self,
              gsize                length,
              GError             **error)
{
  g_autofree char *size = NULL;
  g_autofree char *limit = NULL;

  /* The packet is the command byte and the text. */
  if (self->max_packet == 0 || (guint64) length + 1 <= self->max_packet)
    return TRUE;
  /* Numbers formatted apart: G_GSIZE_FORMAT in the message would hide
   * it from xgettext. */
  size = g_strdup_printf ("%" G_GSIZE_FORMAT, length);
  limit = g_strdup_printf ("%" G_GUINT64_FORMAT, self->max_packet);
  upg_connection_set_last_error (UPG_CONNECTION (self), ER_NET_PACKET_TOO_LARGE, "08S01");
  g_set_error (error, UPG_ERROR, UPG_ERROR_SQL,
               _("ERROR %u (%s): the statement is %s bytes, above the server's max_allowed_packet of "
                 "%s bytes: raise max_allowed_packet on the server or split the statement"),
               ER_NET_PACKET_TOO_LARGE, "08S01", size, limit);
  return FALSE;
}

/* Reports the error of the last call on @self's handle. */
static gboolean
set_mysql_error (UpgMysqlConnection  *self,
                 GCancellable        *cancellable,
                 GError             **error)
{
  UpgConnection *conn = UPG_CONNECTION (self);
  unsigned int code = mysql_errno (self->mysql);
  const char *sqlstate = mysql_sqlstate (self->mysql);
  UpgError upg_code = UPG_ERROR_SQL;

  upg_connection_set_last_error (conn, code, sqlstate);

  /* A cancelled statement is GIO's cancellation, as everywhere in GLib. */
  if (code == ER_QUERY_INTERRUPTED && g_cancellable_is_cancelled (cancellable))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "ERROR %u (%s): %s",
                   code, sqlstate, mysql_error (self->mysql));
      return FALSE;
    }
  if (code == ER_STATEMENT_TIMEOUT)
    upg_code = UPG_ERROR_TIMEOUT;
  else if (is_connection_failure (code))
    upg_code = UPG_ERROR_DATASOURCE;

  g_set_error (error, UPG_ERROR, upg_code, "ERROR %u (%s): %s",
               code, sqlstate, mysql_error (self->mysql));
  return FALSE;
}

/* The session's max_allowed_packet, fixed when it connected; 0 if the
 * server does not say. */
static guint64
read_max_packet (MYSQL *mysql)
{
  static const char query[] = "SELECT @@max_allowed_packet";
  MYSQL_RES *result;
  MYSQL_ROW row;
  guint64 value = 0;

  if (mysql_real_query (mysql, query, strlen (query)) != 0 || (result = mysql_store_result (mysql)) == NULL)
    return 0;
  row = mysql_fetch_row (result);
  if (row != NULL && row[0] != NULL)
    value = g_ascii_strtoull (row[0], NULL, 10);
  mysql_free_result (result);
  return value;
}

/* Opens a connection with the settings every handle of ours uses. */
static MYSQL *
open_handle (const char  *host,
               guint        port,
               const char  *socket,
               const char  *user,
               const char  *password,
               const char  *database,
               char       **message,
               unsigned    *errnum)
{
  MYSQL *mysql = mysql_init (NULL);
  unsigned int timeout = UPG_MYSQL_CONNECT_TIMEOUT;
  my_bool no = 0;

  mysql_options (mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_options (mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  /* A silent reconnect would lose the session's transaction and settings. */
  mysql_options (mysql, MYSQL_OPT_RECONNECT, &no);

  /* A socket wins over TCP; libmariadb uses it only for host "localhost". */
  if (socket != NULL && *socket != '\0')
    host = "localhost";

  if (mysql_real_connect (mysql, host, user, password, database, port, socket,
                          CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS) == NULL)
    {
      *message = g_strdup_printf ("ERROR %u (%s): %s", mysql_errno (mysql),
                                  mysql_sqlstate (mysql), mysql_error (mysql));
      if (errnum != NULL)
        *errnum = mysql_errno (mysql);
      mysql_close (mysql);
      return NULL;
    }

  return mysql;
}

static void
on_cancelled (GCancellable *cancellable,
              gpointer      data)
{
  UpgMysqlConnection *self = data;
  g_autofree char *message = NULL;
  g_autofree char *kill = NULL;
  MYSQL *killer;

  /* Runs in the cancelling thread, which must not touch self->mysql: the
   * statement is stopped from a second connection. */
  killer = open_handle (self->host, self->port, self->socket, self->user,
                          self->password, NULL, &message, NULL);
  if (killer == NULL)
    {
      g_debug ("cannot cancel the statement on data source '%s': %s",
               upg_connection_get_name (UPG_CONNECTION (self)), message);
      return;
    }

  kill = g_strdup_printf ("KILL QUERY %lu", mysql_thread_id (self->mysql));
  if (mysql_real_query (killer, kill, strlen (kill)) != 0)
    g_debug ("cannot cancel the statement on data source '%s': %s",
             upg_connection_get_name (UPG_CONNECTION (self)), mysql_error (killer));
  mysql_close (killer);
}

/* Sends @sql and reads every result: the first result set into @rows_out
 * when not %NULL, the others discarded. */
/* Takes in the current result: its rows (kept in @rows_out when it is
 * not %NULL and holds none yet; otherwise streamed and discarded) or the
 * rows it changed, added to @affected. Returns 0, or >0 on failure. */
static int
absorb_result (UpgMysqlConnection  *self,
               gint64              *affected,
               UpgRows            **rows_out)
{
  gboolean keep = rows_out != NULL && *rows_out == NULL;
  MYSQL_RES *result = keep ? mysql_store_result (self->mysql) : mysql_use_result (self->mysql);
  int status = 0;

  if (result == NULL)
    {
      if (mysql_field_count (self->mysql) != 0)
        return 1;   /* a result set was due but could not be read */
      *affected += mysql_affected_rows (self->mysql);
      return 0;
    }
  if (!keep)
    {
      while (mysql_fetch_row (result) != NULL)
        ;
      if (mysql_errno (self->mysql) != 0)
        status = 1;
    }
  else
    {
      unsigned int n = mysql_num_fields (result);
      MYSQL_FIELD *fields = mysql_fetch_fields (result);
      g_autofree const char **names = g_new0 (const char *, n + 1);
      MYSQL_ROW row;

      for (unsigned int i = 0; i < n; i++)
        names[i] = fields[i].name;
      *rows_out = upg_rows_new (n, names);
      while ((row = mysql_fetch_row (result)) != NULL)
        upg_rows_append (*rows_out, (const char **) row);
    }
  mysql_free_result (result);
  return status;
}

static gboolean
run (UpgMysqlConnection  *self,
     const char          *sql,
     gint64              *affected_rows,
     UpgRows            **rows_out,
     GCancellable        *cancellable,
     GError             **error)
{
  gulong handler = 0;
  gint64 affected = 0;
  int status;

  if (!check_packet (self, strlen (sql), error))
    return FALSE;
  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), self, NULL);
  status = mysql_real_query (self->mysql, sql, strlen (sql));

  while (status == 0)
    {
      status = absorb_result (self, &affected, rows_out);
      if (status == 0)
        status = mysql_next_result (self->mysql);   /* 0 more, -1 done, >0 error */
    }

  if (handler != 0)
    g_cancellable_disconnect (cancellable, handler);

  if (status > 0)
    {
      if (rows_out != NULL)
        g_clear_object (rows_out);
      return set_mysql_error (self, cancellable, error);
    }

  if (affected_rows != NULL)
    *affected_rows = affected;
  return TRUE;
}

/* Implements UpgTransactionPipeline: the four parts in one request
 * (CLIENT_MULTI_STATEMENTS); the server answers each in turn and stops at
 * the first failure. It parses statement by statement, so a syntax error
 * is the statement's own. */
static gboolean
upg_mysql_connection_pipeline_send (UpgTransactionPipeline  *pipeline,
                                    const char              *text,
                                    GError                 **error)
{
  UpgMysqlConnection *self = UPG_MYSQL_CONNECTION (pipeline);

  return check_packet (self, strlen (text), error) &&
         (mysql_send_query (self->mysql, text, strlen (text)) == 0 || set_mysql_error (self, NULL, error));
}

static gboolean
upg_mysql_connection_pipeline_receive (UpgTransactionPipeline  *pipeline,
                                       GArray                  *rows,
                                       gboolean                 last_is_commit,
                                       gboolean                *unparsed,
                                       GCancellable            *cancellable,
                                       GError                 **error)
{
  UpgMysqlConnection *self = UPG_MYSQL_CONNECTION (pipeline);
  gulong handler = 0;
  int status;

  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), self, NULL);
  status = mysql_read_query_result (self->mysql);
  while (status == 0)
    {
      gint64 affected = 0;

      status = absorb_result (self, &affected, NULL);
      if (status == 0)
        {
          g_array_append_val (rows, affected);
          status = mysql_next_result (self->mysql);
        }
    }
  if (handler != 0)
    g_cancellable_disconnect (cancellable, handler);

  if (status > 0)
    {
      /* The server parses statement by statement: a syntax error is
       * that of the part that failed, before it ran. */
      *unparsed = mysql_errno (self->mysql) == ER_PARSE_ERROR;
      return set_mysql_error (self, cancellable, error);
    }
  return TRUE;
}

static void
upg_mysql_connection_pipeline_init (UpgTransactionPipelineInterface *iface)
{
  iface->send = upg_mysql_connection_pipeline_send;
  iface->receive = upg_mysql_connection_pipeline_receive;
}

static gboolean
upg_mysql_connection_execute (UpgConnection  *conn,
                              const char     *sql,
                              gint64         *affected_rows,
                              GCancellable   *cancellable,
                              GError        **error)
{
  return run (UPG_MYSQL_CONNECTION (conn), sql, affected_rows, NULL, cancellable, error);
}

typedef struct
{
  MYSQL        *mysql;
  const char  **params;
  guint         n_params;
} QuoteData;

static char *
quote_param (guint    index,
             gpointer data)
{
  QuoteData *quote = data;
  const char *value;
  gsize len;
  char *out;

  /* Extra placeholders are counted, then refused by the caller. */
  if (index >= quote->n_params)
    return g_strdup ("NULL");

  value = quote->params[index];
  len = strlen (value);
  out = g_malloc (2 * len + 3);
  out[0] = '\'';
  len = mysql_real_escape_string (quote->mysql, out + 1, value, len);
  out[len + 1] = '\'';
  out[len + 2] = '\0';
  return out;
}

static UpgRows *
upg_mysql_connection_query (UpgConnection  *conn,
                            const char     *sql,
                            const char    **params,
                            GCancellable   *cancellable,
                            GError        **error)
{
  UpgMysqlConnection *self = UPG_MYSQL_CONNECTION (conn);
  QuoteData quote = { self->mysql, params, params != NULL ? g_strv_length ((char **) params) : 0 };
  g_autofree char *text = NULL;
  UpgRows *rows = NULL;
  guint n_placeholders;

  text = upg_sql_replace_placeholders (sql, UPG_DIALECT_MYSQL, quote_param, &quote, &n_placeholders);
  if (!upg_sql_check_param_count (conn, n_placeholders, params, error))
    return NULL;
  if (!run (self, text, NULL, &rows, cancellable, error))
    return NULL;

  /* A statement without a result set gives an empty table. */
  return rows != NULL ? rows : upg_rows_new (0, NULL);
}

static gboolean
upg_mysql_connection_ping (UpgConnection  *conn,
                           GError        **error)
{
  UpgMysqlConnection *self = UPG_MYSQL_CONNECTION (conn);

  if (mysql_ping (self->mysql) == 0)
    return TRUE;

  set_mysql_error (self, NULL, error);
  if (error != NULL && *error != NULL)
    (*error)->code = UPG_ERROR_DATASOURCE;
  return FALSE;
}

static char *
upg_mysql_connection_get_server_version (UpgConnection  *conn,
                                         GError        **error)
{
  return g_strdup (mysql_get_server_info (UPG_MYSQL_CONNECTION (conn)->mysql));
}

static gboolean
upg_mysql_connection_set_statement_timeout (UpgConnection  *conn,
                                            guint           seconds,
                                            GError        **error)
{
  UpgMysqlConnection *self = UPG_MYSQL_CONNECTION (conn);
  g_autofree char *sql = NULL;

  /* MySQL's max_execution_time covers only SELECT; MariaDB's covers all. */
  if (self->is_mariadb)
    sql = g_strdup_printf ("SET SESSION max_statement_time = %u", seconds);
  else
    sql = g_strdup_printf ("SET SESSION max_execution_time = %u", seconds * 1000);

  return upg_connection_execute (conn, sql, NULL, NULL, error);
}

static gboolean
upg_mysql_connection_begin (UpgConnection  *conn,
                            GError        **error)
{
  return upg_connection_execute (conn, "START TRANSACTION", NULL, NULL, error);
}

static void
upg_mysql_connection_finalize (GObject *object)
{
  UpgMysqlConnection *self = UPG_MYSQL_CONNECTION (object);

  if (self->mysql != NULL)
    mysql_close (self->mysql);
  g_free (self->host);
  g_free (self->socket);
  g_free (self->user);
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_free (self->first_namespace);

  G_OBJECT_CLASS (upg_mysql_connection_parent_class)->finalize (object);
}

/*
 * upg_mysql_connection_get_first_namespace:
 * @self: a connection
 * @error: return location for a #GError
 *
 * The database unqualified names resolved to the first time it was asked,
 * quoted with backquotes, kept for the connection's lifetime: what the
 * engine's own tables in the target are qualified with, so that a script
 * running `USE` does not move them.
 *
 * Returns: (transfer none): the database, "" if none, or %NULL on error
 */
const char *
upg_mysql_connection_get_first_namespace (UpgMysqlConnection  *self,
                                          GError             **error)
{
  g_autoptr(UpgRows) rows = NULL;
  const char *name;

  if (self->first_namespace != NULL)
    return self->first_namespace;
  rows = upg_connection_query (UPG_CONNECTION (self), "SELECT CONCAT('`', REPLACE(DATABASE(), '`', '``'), '`')",
                               NULL, NULL, error);
  if (rows == NULL)
    return NULL;
  name = upg_rows_get_n_rows (rows) > 0 ? upg_rows_get_value (rows, 0, 0) : NULL;
  self->first_namespace = g_strdup (name != NULL ? name : "");
  return self->first_namespace;
}

static void
upg_mysql_connection_class_init (UpgMysqlConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  UpgConnectionClass *conn_class = UPG_CONNECTION_CLASS (klass);

  object_class->finalize = upg_mysql_connection_finalize;

  conn_class->execute = upg_mysql_connection_execute;
  conn_class->query = upg_mysql_connection_query;
  conn_class->begin = upg_mysql_connection_begin;
  conn_class->ping = upg_mysql_connection_ping;
  conn_class->get_server_version = upg_mysql_connection_get_server_version;
  conn_class->set_statement_timeout = upg_mysql_connection_set_statement_timeout;
}

static void
upg_mysql_connection_init (UpgMysqlConnection *self)
{
}

/* Server errors that answer the connection itself: the account, its
 * password or the database is refused. Asking again gets the same answer
 * (ER_DBACCESS_DENIED_ERROR, ER_ACCESS_DENIED_ERROR, ER_BAD_DB_ERROR,
 * ER_ACCESS_DENIED_NO_PASSWORD_ERROR). */
static gboolean
is_refusal (unsigned errnum)
{
  return errnum == ER_DBACCESS_DENIED_ERROR || errnum == ER_ACCESS_DENIED_ERROR
         || errnum == ER_BAD_DB_ERROR || errnum == ER_ACCESS_DENIED_NO_PASSWORD_ERROR;
}

/**
 * upg_mysql_connection_new:
 * @name: the data source's name
 * @host: (nullable): the server's host name or address
 * @port: the TCP port, 0 for the default
 * @socket: (nullable): a unix socket path; used instead of @host when set
 * @user: (nullable): the user name
 * @password: (nullable): the password
 * @database: (nullable): the default database
 * @refused: (out) (optional): set to %TRUE when the server refused the
 *   connection (unknown account, wrong password, unknown or forbidden
 *   database): unlike a failure to reach it, retrying cannot help
 * @error: return location for a #GError
 *
 * Connects to a MariaDB or MySQL server with `utf8mb4`.
 *
 * Returns: (transfer full): the connection, or %NULL with
 *   %UPG_ERROR_DATASOURCE (the message never holds the password)
 */
UpgConnection *
upg_mysql_connection_new (const char  *name,
                          const char  *host,
                          guint        port,
                          const char  *socket,
                          const char  *user,
                          const char  *password,
                          const char  *database,
                          gboolean    *refused,
                          GError     **error)
{
  g_autoptr(UpgMysqlConnection) self = NULL;
  g_autofree char *message = NULL;
  unsigned errnum = 0;

  g_return_val_if_fail (name != NULL, NULL);

  self = g_object_new (UPG_TYPE_MYSQL_CONNECTION,
                       "name", name,
                       "dialect", UPG_DIALECT_MYSQL,
                       "transactional-ddl", FALSE,
                       NULL);
  self->mysql = open_handle (host, port, socket, user, password, database, &message, &errnum);
  if (refused != NULL)
    *refused = self->mysql == NULL && is_refusal (errnum);
  if (self->mysql == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("cannot connect to MySQL data source '%s': %s"), name, message);
      return NULL;
    }

  self->is_mariadb = strstr (mysql_get_server_info (self->mysql), "MariaDB") != NULL;
  self->max_packet = read_max_packet (self->mysql);
  self->host = g_strdup (host);
  self->port = port;
  self->socket = g_strdup (socket);
  self->user = g_strdup (user);
  self->password = g_strdup (password);

  return UPG_CONNECTION (g_steal_pointer (&self));
}

