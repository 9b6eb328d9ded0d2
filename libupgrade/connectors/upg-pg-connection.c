/* upg-pg-connection.c - UpgConnection over libpq
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <libpq-fe.h>

#include "upg-sql-placeholders-private.h"
#include "upg-pg-connection-private.h"
#include "upg-transaction-pipeline-private.h"

/**
 * UpgPgConnection:
 *
 * A connection to PostgreSQL through libpq. A statement is sent with the
 * simple query protocol exactly as given (so a function body in dollar
 * quotes, with its comments, reaches the server byte for byte, and a text
 * holding several statements runs them all); every result is read, and the
 * first failure is reported with its SQLSTATE, as `ERROR 23505: …` followed
 * by the server's DETAIL and HINT lines.
 *
 * Queries with `?` placeholders are sent with PQexecParams(): each `?`
 * outside quotes, comments and dollar quotes becomes `$1`, `$2`, … and the
 * values travel as text parameters, never inside the statement.
 *
 * PostgreSQL rolls back a transaction in which a statement failed even when
 * asked to commit; commit() then fails rather than report success. Server
 * notices go to the debug log. Cancelling a statement uses PQcancel().
 */
struct _UpgPgConnection
{
  UpgConnection  parent_instance;

  PGconn        *pg;
  PGcancel      *cancel;
  char          *first_namespace;  /* upg_pg_connection_get_first_namespace() */
};

static void upg_pg_connection_pipeline_init (UpgTransactionPipelineInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (UpgPgConnection, upg_pg_connection, UPG_TYPE_CONNECTION,
                               G_IMPLEMENT_INTERFACE (UPG_TYPE_TRANSACTION_PIPELINE,
                                                      upg_pg_connection_pipeline_init))

static void
notice_processor (void       *data,
                  const char *message)
{
  g_debug ("data source '%s': %s", upg_connection_get_name (data), message);
}

static void
on_cancelled (GCancellable *cancellable,
              gpointer      data)
{
  UpgPgConnection *self = data;
  char message[256];

  /* PQcancel() is safe from any thread; it asks the server over a second
   * connection to stop the statement running on this one. */
  if (!PQcancel (self->cancel, message, sizeof message))
    g_debug ("cannot cancel the statement on data source '%s': %s",
             upg_connection_get_name (UPG_CONNECTION (self)), message);
}

static gboolean
is_connection_failure (const char *sqlstate)
{
  /* Class 08: connection exception; 57P0x: the server is shutting down. */
  return sqlstate == NULL
         || g_str_has_prefix (sqlstate, "08")
         || g_str_has_prefix (sqlstate, "57P0");
}

/* Sets @error from a failed result (or, when @result is %NULL, from the
 * connection's own message). */
static gboolean
set_pg_error (UpgPgConnection  *self,
              const PGresult   *result,
              GCancellable     *cancellable,
              GError          **error)
{
  UpgConnection *conn = UPG_CONNECTION (self);
  const char *sqlstate = result != NULL ? PQresultErrorField (result, PG_DIAG_SQLSTATE) : NULL;
  const char *primary = result != NULL ? PQresultErrorField (result, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  const char *detail = result != NULL ? PQresultErrorField (result, PG_DIAG_MESSAGE_DETAIL) : NULL;
  const char *hint = result != NULL ? PQresultErrorField (result, PG_DIAG_MESSAGE_HINT) : NULL;
  g_autoptr(GString) message = g_string_new (NULL);
  GQuark domain = UPG_ERROR;
  int code = UPG_ERROR_SQL;

  upg_connection_set_last_error (conn, 0, sqlstate);

  if (PQstatus (self->pg) == CONNECTION_BAD || is_connection_failure (sqlstate))
    code = UPG_ERROR_DATASOURCE;
  else if (g_strcmp0 (sqlstate, "57014") == 0 && g_cancellable_is_cancelled (cancellable))
    {
      /* A cancelled statement is GIO's cancellation, as everywhere in GLib. */
      domain = G_IO_ERROR;
      code = G_IO_ERROR_CANCELLED;
    }
  else if (g_strcmp0 (sqlstate, "57014") == 0)
    code = UPG_ERROR_TIMEOUT;

  if (primary == NULL)
    {
      g_string_append (message, PQerrorMessage (self->pg));
      while (message->len > 0 && g_ascii_isspace (message->str[message->len - 1]))
        g_string_truncate (message, message->len - 1);
      g_string_prepend (message, "ERROR: ");
    }
  else
    g_string_printf (message, "ERROR %s: %s", sqlstate != NULL ? sqlstate : "?????", primary);
  if (detail != NULL)
    g_string_append_printf (message, "\nDETAIL: %s", detail);
  if (hint != NULL)
    g_string_append_printf (message, "\nHINT: %s", hint);

  g_set_error_literal (error, domain, code, message->str);
  return FALSE;
}

/* Takes in a result that is not a failure: the rows it changed, its rows
 * (the first result with rows goes to @rows_out when not %NULL), or the
 * COPY it starts. */
static void
absorb_result (UpgPgConnection  *self,
               PGresult         *result,
               gint64           *affected,
               UpgRows         **rows_out)
{
  ExecStatusType status = PQresultStatus (result);

  if (status == PGRES_COMMAND_OK)
    *affected += g_ascii_strtoll (PQcmdTuples (result), NULL, 10);
  else if (status == PGRES_TUPLES_OK && rows_out != NULL && *rows_out == NULL)
    {
      int n_columns = PQnfields (result);
      g_autofree const char **names = g_new0 (const char *, n_columns + 1);

      for (int i = 0; i < n_columns; i++)
        names[i] = PQfname (result, i);
      *rows_out = upg_rows_new (n_columns, names);
      for (int row = 0; row < PQntuples (result); row++)
        {
          char **values = g_new0 (char *, n_columns + 1);

          for (int i = 0; i < n_columns; i++)
            values[i] = PQgetisnull (result, row, i) ? NULL : g_strdup (PQgetvalue (result, row, i));
          upg_rows_append_take (*rows_out, values);
        }
    }
  else if (status == PGRES_COPY_IN)
    /* A script cannot feed COPY FROM STDIN: make the server fail it. */
    PQputCopyEnd (self->pg, "COPY FROM STDIN is not supported in upgrade scripts");
  else if (status == PGRES_COPY_OUT)
    {
      char *buffer = NULL;

      while (PQgetCopyData (self->pg, &buffer, FALSE) > 0)
        PQfreemem (g_steal_pointer (&buffer));
    }
}

static gboolean
is_failure (const PGresult *result)
{
  ExecStatusType status = PQresultStatus (result);

  return status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE;
}

/* Reads every result of the query just sent. The first result with rows
 * goes to @rows_out when not %NULL; the first failure is reported. */
static gboolean
collect_results (UpgPgConnection  *self,
                 gint64           *affected_rows,
                 UpgRows         **rows_out,
                 GCancellable     *cancellable,
                 GError          **error)
{
  PGresult *failure = NULL;
  gint64 affected = 0;
  PGresult *result;

  while ((result = PQgetResult (self->pg)) != NULL)
    {
      if (is_failure (result) && failure == NULL)
        {
          failure = result;
          continue;
        }
      absorb_result (self, result, &affected, rows_out);
      PQclear (result);
    }

  if (failure != NULL || PQstatus (self->pg) == CONNECTION_BAD)
    {
      set_pg_error (self, failure, cancellable, error);
      PQclear (failure);
      if (rows_out != NULL)
        g_clear_object (rows_out);
      return FALSE;
    }

  if (affected_rows != NULL)
    *affected_rows = affected;
  return TRUE;
}

/* Sends a statement (with @params, the extended protocol; without, the
 * simple one) and reads its results. */
static gboolean
run (UpgPgConnection  *self,
     const char       *sql,
     guint             n_params,
     const char      **params,
     gint64           *affected_rows,
     UpgRows         **rows_out,
     GCancellable     *cancellable,
     GError          **error)
{
  gulong handler = 0;
  gboolean ok;

  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), self, NULL);

  if (params == NULL)
    ok = PQsendQuery (self->pg, sql);
  else
    ok = PQsendQueryParams (self->pg, sql, n_params, NULL, params, NULL, NULL, 0);
  if (ok)
    ok = collect_results (self, affected_rows, rows_out, cancellable, error);
  else
    set_pg_error (self, NULL, cancellable, error);

  if (handler != 0)
    g_cancellable_disconnect (cancellable, handler);
  return ok;
}

static gboolean
upg_pg_connection_execute (UpgConnection  *conn,
                           const char     *sql,
                           gint64         *affected_rows,
                           GCancellable   *cancellable,
                           GError        **error)
{
  return run (UPG_PG_CONNECTION (conn), sql, 0, NULL, affected_rows, NULL, cancellable, error);
}

static char *
number_param (guint    index,
              gpointer data)
{
  return g_strdup_printf ("$%u", index + 1);
}

static UpgRows *
upg_pg_connection_query (UpgConnection  *conn,
                         const char     *sql,
                         const char    **params,
                         GCancellable   *cancellable,
                         GError        **error)
{
  g_autofree char *text = NULL;
  const char *no_params[] = { NULL };
  UpgRows *rows = NULL;
  guint n;

  text = upg_sql_replace_placeholders (sql, UPG_DIALECT_POSTGRESQL, number_param, NULL, &n);
  if (!upg_sql_check_param_count (conn, n, params, error))
    return NULL;
  if (!run (UPG_PG_CONNECTION (conn), text, n, params != NULL ? params : no_params,
            NULL, &rows, cancellable, error))
    return NULL;

  return rows != NULL ? rows : upg_rows_new (0, NULL);
}

/* Whether a COMMIT that succeeded committed: after a failed statement
 * PostgreSQL answers COMMIT with ROLLBACK, and nothing was committed. */
static gboolean
committed (UpgPgConnection  *self,
           const PGresult   *result,
           GError          **error)
{
  if (g_strcmp0 (PQcmdStatus ((PGresult *) result), "ROLLBACK") != 0)
    return TRUE;
  g_set_error (error, UPG_ERROR, UPG_ERROR_SQL,
               _("transaction on data source '%s' was rolled back by the server: "
                 "a statement in it had failed"),
               upg_connection_get_name (UPG_CONNECTION (self)));
  return FALSE;
}

static gboolean
upg_pg_connection_commit (UpgConnection  *conn,
                          GError        **error)
{
  UpgPgConnection *self = UPG_PG_CONNECTION (conn);
  PGresult *result;
  gboolean ok;

  upg_connection_set_last_error (conn, 0, NULL);
  result = PQexec (self->pg, "COMMIT");
  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    ok = set_pg_error (self, result, NULL, error);
  else
    ok = committed (self, result, error);
  PQclear (result);

  return ok;
}

/* Implements UpgTransactionPipeline: the four parts in one simple query,
 * which runs them in turn and stops at the first failure. A syntax error
 * anywhere in the text fails it before anything runs: as the parts the
 * engine writes are valid, that is the statement's. */
static gboolean
upg_pg_connection_pipeline_send (UpgTransactionPipeline  *pipeline,
                                 const char              *text,
                                 GError                 **error)
{
  UpgPgConnection *self = UPG_PG_CONNECTION (pipeline);

  return PQsendQuery (self->pg, text) || set_pg_error (self, NULL, NULL, error);
}

static gboolean
upg_pg_connection_pipeline_receive (UpgTransactionPipeline  *pipeline,
                                    GArray                  *rows,
                                    gboolean                 last_is_commit,
                                    gboolean                *unparsed,
                                    GCancellable            *cancellable,
                                    GError                 **error)
{
  UpgPgConnection *self = UPG_PG_CONNECTION (pipeline);
  PGresult *failure = NULL;
  gulong handler = 0;
  gboolean ok = TRUE;
  PGresult *result;

  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), self, NULL);
  while ((result = PQgetResult (self->pg)) != NULL)
    {
      gint64 affected = 0;

      if (is_failure (result) && failure == NULL && ok)
        {
          /* The text is parsed as a whole before any of it runs: a
           * failure before the first answer may be anywhere in it. */
          *unparsed = rows->len == 0;
          failure = result;
          continue;
        }
      if (failure == NULL && ok)
        {
          absorb_result (self, result, &affected, NULL);
          /* After a failed part PostgreSQL answers COMMIT with ROLLBACK. */
          if (last_is_commit && PQstatus (self->pg) != CONNECTION_BAD &&
              g_strcmp0 (PQcmdStatus (result), "ROLLBACK") == 0)
            ok = committed (self, result, error);
          else
            g_array_append_val (rows, affected);
        }
      PQclear (result);
    }
  if (handler != 0)
    g_cancellable_disconnect (cancellable, handler);

  if (ok && (failure != NULL || PQstatus (self->pg) == CONNECTION_BAD))
    {
      set_pg_error (self, failure, cancellable, error);
      PQclear (failure);
      return FALSE;
    }
  PQclear (failure);
  return ok;
}

static void
upg_pg_connection_pipeline_init (UpgTransactionPipelineInterface *iface)
{
  iface->send = upg_pg_connection_pipeline_send;
  iface->receive = upg_pg_connection_pipeline_receive;
}

static char *
upg_pg_connection_get_server_version (UpgConnection  *conn,
                                      GError        **error)
{
  const char *version = PQparameterStatus (UPG_PG_CONNECTION (conn)->pg, "server_version");

  if (version == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("data source '%s' did not report its server version"),
                   upg_connection_get_name (conn));
      return NULL;
    }
  return g_strdup (version);
}

static gboolean
upg_pg_connection_set_statement_timeout (UpgConnection  *conn,
                                         guint           seconds,
                                         GError        **error)
{
  g_autofree char *sql = g_strdup_printf ("SET statement_timeout = '%us'", seconds);

  return upg_connection_execute (conn, sql, NULL, NULL, error);
}

static void
upg_pg_connection_finalize (GObject *object)
{
  UpgPgConnection *self = UPG_PG_CONNECTION (object);

  if (self->cancel != NULL)
    PQfreeCancel (self->cancel);
  if (self->pg != NULL)
    PQfinish (self->pg);
  g_free (self->first_namespace);

  G_OBJECT_CLASS (upg_pg_connection_parent_class)->finalize (object);
}

/*
 * upg_pg_connection_get_first_namespace:
 * @self: a connection
 * @error: return location for a #GError
 *
 * The schema unqualified names resolved to the first time it was asked,
 * quoted (quote_ident), kept for the connection's lifetime: what the
 * engine's own tables in the target are qualified with, so that a script
 * changing search_path (every pg_dump file empties it) does not move them.
 *
 * Returns: (transfer none): the schema, "" if none, or %NULL on error
 */
const char *
upg_pg_connection_get_first_namespace (UpgPgConnection  *self,
                                       GError          **error)
{
  g_autoptr(UpgRows) rows = NULL;
  const char *name;

  if (self->first_namespace != NULL)
    return self->first_namespace;
  rows = upg_connection_query (UPG_CONNECTION (self), "SELECT quote_ident(current_schema())", NULL, NULL, error);
  if (rows == NULL)
    return NULL;
  name = upg_rows_get_n_rows (rows) > 0 ? upg_rows_get_value (rows, 0, 0) : NULL;
  self->first_namespace = g_strdup (name != NULL ? name : "");
  return self->first_namespace;
}

static void
upg_pg_connection_class_init (UpgPgConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  UpgConnectionClass *conn_class = UPG_CONNECTION_CLASS (klass);

  object_class->finalize = upg_pg_connection_finalize;

  conn_class->execute = upg_pg_connection_execute;
  conn_class->query = upg_pg_connection_query;
  conn_class->commit = upg_pg_connection_commit;
  conn_class->get_server_version = upg_pg_connection_get_server_version;
  conn_class->set_statement_timeout = upg_pg_connection_set_statement_timeout;
}

static void
upg_pg_connection_init (UpgPgConnection *self)
{
}

/* libpq wants a socket's directory; a data source may name the socket
 * file itself (`/run/postgresql/.s.PGSQL.5432`), which also gives the port. */
static char *
socket_dir (const char *socket,
            guint      *port)
{
  g_autofree char *base = g_path_get_basename (socket);
  guint64 number;

  if (g_str_has_prefix (base, ".s.PGSQL.")
      && g_ascii_string_to_unsigned (base + strlen (".s.PGSQL."), 10, 1, 65535, &number, NULL))
    {
      *port = (guint) number;
      return g_path_get_dirname (socket);
    }
  return g_strdup (socket);
}

/* Seconds to wait for the server to answer a connection. */
#define UPG_PG_CONNECT_TIMEOUT_S 10

/* Runs a non-blocking connection to its end: only then can the error
 * verbosity be raised before the server answers, which puts the SQLSTATE
 * in the message (libpq keeps no other trace of it for a failed connect).
 * Returns %FALSE when the server did not answer in time. */
static gboolean
connect_verbose (PGconn *pg)
{
  PostgresPollingStatusType status = PGRES_POLLING_WRITING;
  gint64 deadline = g_get_monotonic_time () + UPG_PG_CONNECT_TIMEOUT_S * G_USEC_PER_SEC;

  if (PQstatus (pg) == CONNECTION_BAD)
    return TRUE;
  PQsetErrorVerbosity (pg, PQERRORS_VERBOSE);
  while (status != PGRES_POLLING_OK && status != PGRES_POLLING_FAILED)
    {
      GPollFD fd = { PQsocket (pg), status == PGRES_POLLING_READING ? G_IO_IN : G_IO_OUT, 0 };
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;

      if (left_ms <= 0 || g_poll (&fd, 1, (int) left_ms) == 0)
        return FALSE;
      status = PQconnectPoll (pg);
    }
  PQsetErrorVerbosity (pg, PQERRORS_DEFAULT);
  return TRUE;
}

/* Takes the SQLSTATE out of a verbose connection error ("FATAL:  28P01:
 * password authentication…" and a "LOCATION:  func, file.c:123" line),
 * leaving the message libpq gives by default. The labels may be
 * translated, so only the shapes are matched. */
static char *
split_sqlstate (const char  *verbose,
                char       **sqlstate)
{
  g_autoptr(GRegex) code = g_regex_new (":  ([0-9A-Z]{5}): ", 0, 0, NULL);
  g_autoptr(GRegex) location = g_regex_new ("\\n[^\\n]*:  [^\\n]*, [^\\n]*:[0-9]+(?=\\n|$)",
                                            0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *without_code = NULL;

  *sqlstate = NULL;
  g_regex_match (code, verbose, 0, &match);
  while (g_match_info_matches (match))
    {
      g_free (*sqlstate);
      *sqlstate = g_match_info_fetch (match, 1);
      g_match_info_next (match, NULL);
    }
  without_code = g_regex_replace_literal (code, verbose, -1, 0, ":  ", 0, NULL);
  return g_strstrip (g_regex_replace_literal (location, without_code, -1, 0, "", 0, NULL));
}

/* The server's answer to the connection itself: the role, its password or
 * the database is refused (class 28, invalid_catalog_name). Asking again
 * gets the same answer. */
static gboolean
is_refusal (const char *sqlstate)
{
  return sqlstate != NULL && (g_str_has_prefix (sqlstate, "28") || g_str_equal (sqlstate, "3D000"));
}

/**
 * upg_pg_connection_new:
 * @name: the data source's name
 * @host: (nullable): the server's host name or address
 * @port: the TCP port (also the socket's number), 0 for the default
 * @socket: (nullable): the unix socket's directory, or the socket file;
 *   used instead of @host when set
 * @user: (nullable): the user name
 * @password: (nullable): the password
 * @database: (nullable): the database
 * @refused: (out) (optional): set to %TRUE when the server refused the
 *   connection (authentication, unknown database): unlike a failure to reach it, retrying cannot help
 * @error: return location for a #GError
 *
 * Connects with `client_encoding=UTF8` and `application_name=libupgrade`.
 * The parameters are passed one by one (never as a connection string), so
 * no value is parsed as an option and the password is never in a string
 * that could be logged.
 *
 * Returns: (transfer full): the connection, or %NULL with
 *   %UPG_ERROR_DATASOURCE (the message never holds the password)
 */
UpgConnection *
upg_pg_connection_new (const char  *name,
                       const char  *host,
                       guint        port,
                       const char  *socket,
                       const char  *user,
                       const char  *password,
                       const char  *database,
                       gboolean    *refused,
                       GError     **error)
{
  g_autoptr(UpgPgConnection) self = NULL;
  g_autofree char *dir = socket != NULL && *socket != '\0' ? socket_dir (socket, &port) : NULL;
  g_autofree char *port_text = port != 0 ? g_strdup_printf ("%u", port) : NULL;
  const char *keys[] = { "host", "port", "dbname", "user", "password",
                        "application_name", "client_encoding", NULL };
  const char *values[] = { dir != NULL ? dir : host, port_text, database, user, password,
                          "libupgrade", "UTF8", NULL };
  gboolean answered;

  g_return_val_if_fail (name != NULL, NULL);

  if (refused != NULL)
    *refused = FALSE;
  self = g_object_new (UPG_TYPE_PG_CONNECTION,
                       "name", name,
                       "dialect", UPG_DIALECT_POSTGRESQL,
                       "transactional-ddl", TRUE,
                       NULL);

  /* NULL values mean "libpq's default"; the arrays end at the first NULL
   * key, so keys with NULL values are dropped from the middle first. */
  for (guint i = 0, j = 0; ; i++)
    {
      keys[j] = keys[i];
      values[j] = values[i];
      if (keys[i] == NULL)
        break;
      if (values[i] != NULL)
        j++;
    }

  self->pg = PQconnectStartParams (keys, values, FALSE);
  if (self->pg == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("cannot connect to PostgreSQL data source '%s': out of memory"), name);
      return NULL;
    }
  answered = connect_verbose (self->pg);
  if (PQstatus (self->pg) != CONNECTION_OK)
    {
      g_autofree char *sqlstate = NULL;
      g_autofree char *message = answered
        ? split_sqlstate (PQerrorMessage (self->pg), &sqlstate)
        : g_strdup_printf (_("no answer from the server within %u s"), UPG_PG_CONNECT_TIMEOUT_S);

      if (refused != NULL)
        *refused = is_refusal (sqlstate);
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("cannot connect to PostgreSQL data source '%s': %s%s%s%s"), name, message,
                   sqlstate ? " (SQLSTATE " : "", sqlstate ? sqlstate : "", sqlstate ? ")" : "");
      return NULL;
    }

  PQsetNoticeProcessor (self->pg, notice_processor, self);
  self->cancel = PQgetCancel (self->pg);

  return UPG_CONNECTION (g_steal_pointer (&self));
}

