/* upg-clickhouse-connection.c - UpgConnection over ClickHouse's HTTP
 * interface (libsoup)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Only what the HTTP interface of ClickHouse 18.16 (Debian 12) already
 * had, which 24.8 (production) keeps, is relied on:
 *
 * - POST /?database=…&query_id=…&<setting>=<value>… with the statement as
 *   the body (settings as URL parameters, one request per statement: the
 *   interface refuses several statements in one);
 * - the user in `X-ClickHouse-User` and the password in `X-ClickHouse-Key`
 *   (never in the URL, which servers and proxies log);
 * - a refused statement answers an HTTP error status with the body
 *   `Code: 62, e.displayText() = DB::Exception: …` (18.16) or
 *   `Code: 62. DB::Exception: …` (since 19.x), both parsed;
 * - `wait_end_of_query=1`, so that an exception while the result is
 *   produced is an error status, not text appended to a 200 answer;
 * - `default_format=TabSeparatedWithNames` for queries;
 * - `max_execution_time` for the statement timeout;
 * - `system.processes`, `system.query_log` and `SYSTEM FLUSH LOGS` to learn
 *   what became of a query by its `query_id` after a crash.
 *
 * `X-ClickHouse-Summary` (19.x and later) gives the rows a statement wrote;
 * without it (18.16) the affected rows are 0. ClickHouse 18.16 has no
 * server-side query parameters (`{name:Type}`, 19.x): a query's `?` values
 * are sent as quoted string literals, escaped as the server reads them.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "upg-clickhouse-connection-private.h"
#include "upg-sql-placeholders-private.h"

/* Seconds to wait for an answer when no statement timeout is set
 * (connecting, the version, the recovery queries). */
#define CONNECT_TIMEOUT_S 10
/* How long an answer from the query log is waited for (50 ms doubled up
 * to 1.6 s: 3.15 s in all) before "cannot tell". */
#define FIRST_LOG_WAIT_MS 50
#define LAST_LOG_WAIT_MS 1600
/* What the HTTP timeout adds to the server's max_execution_time: the
 * server should give up first, and say so. */
#define TIMEOUT_MARGIN_S 30

/* ClickHouse's own error codes (src/Common/ErrorCodes.cpp). */
#define CH_UNKNOWN_DATABASE 81
#define CH_TIMEOUT_EXCEEDED 159
#define CH_UNKNOWN_USER 192
#define CH_WRONG_PASSWORD 193
#define CH_REQUIRED_PASSWORD 194
#define CH_IP_ADDRESS_NOT_ALLOWED 195
#define CH_AUTHENTICATION_FAILED 516

/**
 * UpgClickHouseConnection:
 *
 * A connection to ClickHouse over its HTTP interface. ClickHouse has no
 * transactions: begin() fails, and every statement takes effect on its
 * own. Each statement carries a `query_id` (the engine gives the
 * statement's journal record id), so that after a crash the server can be
 * asked whether it ran (upg_clickhouse_connection_query_state()).
 */
struct _UpgClickHouseConnection
{
  UpgConnection  parent_instance;

  SoupSession   *session;
  char          *url;        /* scheme://host:port/path, without a query */
  char          *user;
  char          *password;
  char          *database;
  GStrv          settings;   /* name, value, name, value, …, NULL */
  guint          timeout_s;  /* max_execution_time; 0: none */
  char          *query_id;   /* for the next statement, or NULL */
};

G_DEFINE_FINAL_TYPE (UpgClickHouseConnection, upg_clickhouse_connection, UPG_TYPE_CONNECTION)

/**
 * upg_clickhouse_parse_error:
 * @body: the body of an error answer
 * @code: (out): the server's error code
 * @message: (out) (transfer full): its message, without the exception's
 *   class and the 18.16 `e.what()` tail
 *
 * Returns: %TRUE if @body is a ClickHouse exception
 */
gboolean
upg_clickhouse_parse_error (const char  *body,
                            int         *code,
                            char       **message)
{
  g_autoptr(GRegex) regex = g_regex_new ("^Code: ([0-9]+)[.,] (?:e\\.displayText\\(\\) = )?"
                                         "(?:DB::Exception: )?(.*?)(?:, e\\.what\\(\\) = [A-Za-z:]+)?\\s*$",
                                         G_REGEX_DOTALL, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *number = NULL;

  if (body == NULL || !g_regex_match (regex, body, 0, &match))
    return FALSE;
  number = g_match_info_fetch (match, 1);
  *code = (int) g_ascii_strtoll (number, NULL, 10);
  *message = g_match_info_fetch (match, 2);
  return TRUE;
}

static gboolean
is_refusal (int code)
{
  return code == CH_UNKNOWN_DATABASE || code == CH_UNKNOWN_USER || code == CH_WRONG_PASSWORD
         || code == CH_REQUIRED_PASSWORD || code == CH_IP_ADDRESS_NOT_ALLOWED
         || code == CH_AUTHENTICATION_FAILED;
}

static void
add_param (GString    *query,
           const char *name,
           const char *value)
{
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);

  g_string_append_printf (query, "%s%s=%s", query->len > 0 ? "&" : "", name, escaped);
}

/* The request's URL: the data source's settings, then the engine's. */
static char *
request_url (UpgClickHouseConnection *self,
             const char              *query_id,
             const char * const      *extra)
{
  g_autoptr(GString) query = g_string_new (NULL);

  if (self->database != NULL)
    add_param (query, "database", self->database);
  if (query_id != NULL)
    add_param (query, "query_id", query_id);
  for (guint i = 0; self->settings != NULL && self->settings[i] != NULL; i += 2)
    add_param (query, self->settings[i], self->settings[i + 1]);
  if (self->timeout_s > 0)
    {
      g_autofree char *seconds = g_strdup_printf ("%u", self->timeout_s);
      add_param (query, "max_execution_time", seconds);
    }
  /* The query log is what tells, after a crash, whether it ran. */
  add_param (query, "log_queries", "1");
  add_param (query, "wait_end_of_query", "1");
  for (guint i = 0; extra != NULL && extra[i] != NULL; i += 2)
    add_param (query, extra[i], extra[i + 1]);
  return g_strdup_printf ("%s?%s", self->url, query->str);
}

/* The rows the statement wrote, from `X-ClickHouse-Summary` (19.x and
 * later); 0 without it. */
static gint64
written_rows (SoupMessage *msg)
{
  const char *summary = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                      "X-ClickHouse-Summary");
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  const char *rows;

  if (summary == NULL || !json_parser_load_from_data (parser, summary, -1, NULL))
    return 0;
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return 0;
  rows = json_object_get_string_member_with_default (json_node_get_object (root), "written_rows", "0");
  return g_ascii_strtoll (rows, NULL, 10);
}

static char *
body_text (GBytes *body)
{
  gsize len = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &len) : NULL;
  g_autofree char *text = g_strndup (data != NULL ? data : "", len);

  return g_utf8_make_valid (g_strstrip (text), -1);
}

/* Sets @error from an answer that is not 200. */
static void
set_answer_error (UpgClickHouseConnection  *self,
                  SoupMessage              *msg,
                  GBytes                   *body,
                  gboolean                 *refused,
                  GError                  **error)
{
  UpgConnection *conn = UPG_CONNECTION (self);
  g_autofree char *text = body_text (body);
  g_autofree char *message = NULL;
  UpgError kind = UPG_ERROR_SQL;
  int code = 0;

  if (!upg_clickhouse_parse_error (text, &code, &message))
    {
      /* Not ClickHouse speaking (a proxy, another service on the port). */
      upg_connection_set_last_error (conn, 0, NULL);
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("ClickHouse data source '%s' answered HTTP %u %s: %.200s"),
                   upg_connection_get_name (conn), soup_message_get_status (msg),
                   soup_message_get_reason_phrase (msg), text);
      return;
    }
  upg_connection_set_last_error (conn, code, NULL);
  if (is_refusal (code))
    {
      kind = UPG_ERROR_DATASOURCE;
      if (refused != NULL)
        *refused = TRUE;
    }
  else if (code == CH_TIMEOUT_EXCEEDED)
    kind = UPG_ERROR_TIMEOUT;
  g_set_error (error, UPG_ERROR, kind, _("ClickHouse error %d: %s"), code, message);
}

/* A POST of @request to the server, the credentials in its headers. */
static SoupMessage *
new_message (UpgClickHouseConnection  *self,
             const char               *query_id,
             const char * const       *extra,
             GBytes                   *request,
             GError                  **error)
{
  g_autofree char *url = request_url (self, query_id, extra);
  SoupMessage *msg = soup_message_new ("POST", url);
  SoupMessageHeaders *headers;

  if (msg == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG,
                   _("ClickHouse data source '%s': \"%s\" is not a valid URL"),
                   upg_connection_get_name (UPG_CONNECTION (self)), self->url);
      return NULL;
    }
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, "X-ClickHouse-User", self->user != NULL ? self->user : "default");
  if (self->password != NULL)
    soup_message_headers_replace (headers, "X-ClickHouse-Key", self->password);
  if (request != NULL)
    soup_message_set_request_body_from_bytes (msg, "text/plain; charset=utf-8", request);
  soup_session_set_timeout (self->session, self->timeout_s > 0 ? self->timeout_s + TIMEOUT_MARGIN_S : 0);
  return msg;
}

/* Asks the server to stop @query_id, which the cancelled request left
 * running (the HTTP interface does not stop a query when its client goes). */
static void
kill_query (UpgClickHouseConnection *self,
            const char              *query_id)
{
  g_autofree char *literal = g_strescape (query_id, NULL);
  g_autofree char *sql = g_strdup_printf ("KILL QUERY WHERE query_id = '%s' ASYNC", literal);
  g_autoptr(GBytes) body = g_bytes_new (sql, strlen (sql));
  g_autoptr(SoupMessage) msg = new_message (self, NULL, NULL, body, NULL);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  if (msg == NULL)
    return;
  soup_session_set_timeout (self->session, CONNECT_TIMEOUT_S);
  answer = soup_session_send_and_read (self->session, msg, NULL, &error);
  if (answer == NULL || soup_message_get_status (msg) != SOUP_STATUS_OK)
    g_debug ("data source '%s': cannot stop query %s: %s", upg_connection_get_name (UPG_CONNECTION (self)),
             query_id, error != NULL ? error->message : "HTTP error");
}

/* A request that got no answer: cancelled (the query is stopped by its
 * id), or refused, unreachable, reset, timed out: what was in flight is
 * unknown, as with a lost connection to any server. */
static void
no_answer (UpgClickHouseConnection  *self,
           const char               *query_id,
           GError                   *failure,
           GError                  **error)
{
  if (g_error_matches (failure, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      kill_query (self, query_id);
      /* GIO's cancellation, as in every layer. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("statement on data source '%s' was cancelled"),
                   upg_connection_get_name (UPG_CONNECTION (self)));
      return;
    }
  g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE, _("no answer from %s: %s"), self->url, failure->message);
}

/* Sends @sql; on 200 returns the answer's body (and the rows it wrote). */
static GBytes *
post (UpgClickHouseConnection  *self,
      const char               *sql,
      const char * const       *extra,
      gint64                   *rows,
      gboolean                 *refused,
      GCancellable             *cancellable,
      GError                  **error)
{
  UpgConnection *conn = UPG_CONNECTION (self);
  g_autofree char *query_id = g_steal_pointer (&self->query_id);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) request = g_bytes_new (sql, strlen (sql));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) local_error = NULL;

  /* Always named: a cancelled statement is stopped by its id. */
  if (query_id == NULL)
    query_id = g_uuid_string_random ();
  msg = new_message (self, query_id, extra, request, error);
  if (msg == NULL)
    return NULL;

  upg_connection_set_last_error (conn, 0, NULL);
  answer = soup_session_send_and_read (self->session, msg, cancellable, &local_error);
  if (answer == NULL)
    return no_answer (self, query_id, local_error, error), NULL;
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      set_answer_error (self, msg, answer, refused, error);
      return NULL;
    }
  if (rows != NULL)
    *rows = written_rows (msg);
  return g_steal_pointer (&answer);
}

static gboolean
upg_clickhouse_connection_execute (UpgConnection  *conn,
                                   const char     *sql,
                                   gint64         *affected_rows,
                                   GCancellable   *cancellable,
                                   GError        **error)
{
  g_autoptr(GBytes) answer = NULL;
  gint64 rows = 0;

  answer = post (UPG_CLICKHOUSE_CONNECTION (conn), sql, NULL, &rows, NULL, cancellable, error);
  if (answer == NULL)
    return FALSE;
  if (affected_rows != NULL)
    *affected_rows = rows;
  return TRUE;
}

/* TabSeparated escapes: `\N` is NULL; \t \n \\ and the others are the
 * byte they name. */
static char *
tsv_unescape (const char *field)
{
  GString *out;

  if (g_str_equal (field, "\\N"))
    return NULL;
  out = g_string_sized_new (strlen (field));
  for (const char *p = field; *p != '\0'; p++)
    {
      if (*p != '\\' || p[1] == '\0')
        {
          g_string_append_c (out, *p);
          continue;
        }
      p++;
      switch (*p)
        {
        case 't': g_string_append_c (out, '\t'); break;
        case 'n': g_string_append_c (out, '\n'); break;
        case 'r': g_string_append_c (out, '\r'); break;
        case 'b': g_string_append_c (out, '\b'); break;
        case 'f': g_string_append_c (out, '\f'); break;
        case '0': g_string_append_c (out, '\0'); break;
        default: g_string_append_c (out, *p); break;
        }
    }
  return g_string_free (out, FALSE);
}

static UpgRows *
parse_tsv_with_names (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_auto(GStrv) names = NULL;
  g_autofree const char **unescaped_names = NULL;
  g_auto(GStrv) owned_names = NULL;
  UpgRows *rows;
  guint n;

  if (lines[0] == NULL || *lines[0] == '\0')
    return upg_rows_new (0, NULL);
  names = g_strsplit (lines[0], "\t", -1);
  n = g_strv_length (names);
  owned_names = g_new0 (char *, n + 1);
  unescaped_names = g_new0 (const char *, n + 1);
  for (guint i = 0; i < n; i++)
    unescaped_names[i] = owned_names[i] = tsv_unescape (names[i]);
  rows = upg_rows_new (n, unescaped_names);
  for (guint l = 1; lines[l] != NULL; l++)
    {
      g_auto(GStrv) fields = NULL;
      char **values;

      if (lines[l][0] == '\0' && lines[l + 1] == NULL)
        break;   /* the last line's end */
      fields = g_strsplit (lines[l], "\t", -1);
      values = g_new0 (char *, n + 1);
      for (guint i = 0; i < n && fields[i] != NULL; i++)
        values[i] = tsv_unescape (fields[i]);
      upg_rows_append_take (rows, values);
    }
  return rows;
}

/* A `?` value as a ClickHouse string literal. */
static char *
quote_param (guint    index,
             gpointer data)
{
  const char **params = data;
  GString *out = g_string_new ("'");

  for (const char *p = params[index]; *p != '\0'; p++)
    {
      if (*p == '\'' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '\'');
  return g_string_free (out, FALSE);
}

static UpgRows *
upg_clickhouse_connection_query (UpgConnection  *conn,
                                 const char     *sql,
                                 const char    **params,
                                 GCancellable   *cancellable,
                                 GError        **error)
{
  static const char * const tsv[] = { "default_format", "TabSeparatedWithNames", NULL };
  const char *no_params[] = { NULL };
  g_autofree char *text = NULL;
  g_autofree char *answer_text = NULL;
  g_autoptr(GBytes) answer = NULL;
  guint n;

  text = upg_sql_replace_placeholders (sql, UPG_DIALECT_CLICKHOUSE, quote_param,
                                       params != NULL ? params : no_params, &n);
  if (!upg_sql_check_param_count (conn, n, params, error))
    return NULL;
  for (guint i = 0; i < n; i++)
    if (params[i] == NULL)
      {
        g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                     _("data source '%s': parameter %u is NULL; ClickHouse queries take text values"),
                     upg_connection_get_name (conn), i + 1);
        return NULL;
      }
  answer = post (UPG_CLICKHOUSE_CONNECTION (conn), text, tsv, NULL, NULL, cancellable, error);
  if (answer == NULL)
    return NULL;
  /* A statement without a result (DDL, INSERT) answers an empty body,
   * whose GBytes data is NULL: no rows. */
  answer_text = g_bytes_get_size (answer) > 0 ? g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer))
                                              : g_strdup ("");
  return parse_tsv_with_names (answer_text);
}

static gboolean
no_transactions (UpgConnection  *conn,
                 GError        **error)
{
  g_set_error (error, UPG_ERROR, UPG_ERROR_SQL,
               _("data source '%s' is ClickHouse, which has no transactions"),
               upg_connection_get_name (conn));
  return FALSE;
}

static char *
upg_clickhouse_connection_get_server_version (UpgConnection  *conn,
                                              GError        **error)
{
  g_autoptr(UpgRows) rows = upg_connection_query (conn, "SELECT version()", NULL, NULL, error);

  if (rows == NULL)
    return NULL;
  if (upg_rows_get_n_rows (rows) != 1 || upg_rows_get_value (rows, 0, 0) == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("data source '%s' did not report its server version"), upg_connection_get_name (conn));
      return NULL;
    }
  return g_strdup (upg_rows_get_value (rows, 0, 0));
}

static gboolean
upg_clickhouse_connection_set_statement_timeout (UpgConnection  *conn,
                                                 guint           seconds,
                                                 GError        **error)
{
  UPG_CLICKHOUSE_CONNECTION (conn)->timeout_s = seconds;
  return TRUE;
}

static void
upg_clickhouse_connection_finalize (GObject *object)
{
  UpgClickHouseConnection *self = UPG_CLICKHOUSE_CONNECTION (object);

  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_clear_object (&self->session);
  g_free (self->url);
  g_free (self->user);
  g_free (self->database);
  g_strfreev (self->settings);
  g_free (self->query_id);

  G_OBJECT_CLASS (upg_clickhouse_connection_parent_class)->finalize (object);
}

static void
upg_clickhouse_connection_class_init (UpgClickHouseConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  UpgConnectionClass *conn_class = UPG_CONNECTION_CLASS (klass);

  object_class->finalize = upg_clickhouse_connection_finalize;

  conn_class->execute = upg_clickhouse_connection_execute;
  conn_class->query = upg_clickhouse_connection_query;
  conn_class->begin = no_transactions;
  conn_class->commit = no_transactions;
  conn_class->rollback = no_transactions;
  conn_class->get_server_version = upg_clickhouse_connection_get_server_version;
  conn_class->set_statement_timeout = upg_clickhouse_connection_set_statement_timeout;
}

static void
upg_clickhouse_connection_init (UpgClickHouseConnection *self)
{
}

/**
 * upg_clickhouse_connection_set_query_id:
 * @self: a connection
 * @query_id: (nullable): the `query_id` of the next statement sent
 *
 * Names the next statement for the server: after a crash, its id is
 * what system.processes and system.query_log are asked about.
 */
void
upg_clickhouse_connection_set_query_id (UpgClickHouseConnection *self,
                                        const char              *query_id)
{
  g_return_if_fail (UPG_IS_CLICKHOUSE_CONNECTION (self));

  g_free (self->query_id);
  self->query_id = g_strdup (query_id);
}

/* Sends @request, or @body of @length bytes, under a fresh query id; on
 * 200 the answer as a stream. */
static GInputStream *
send_request (UpgClickHouseConnection  *self,
              GBytes                   *request,
              GInputStream             *body,
              goffset                   length,
              const char * const       *extra,
              GCancellable             *cancellable,
              GError                  **error)
{
  g_autofree char *query_id = g_uuid_string_random ();
  g_autoptr(SoupMessage) msg = new_message (self, query_id, extra, request, error);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;

  if (msg == NULL)
    return NULL;
  if (body != NULL)
    {
      soup_message_set_request_body (msg, "text/plain; charset=utf-8", body, length);
      /* A body read once cannot be sent again: a kept-alive connection
       * the server closed meanwhile would make libsoup retry with what is
       * left of it. */
      soup_message_add_flags (msg, SOUP_MESSAGE_NEW_CONNECTION);
    }
  upg_connection_set_last_error (UPG_CONNECTION (self), 0, NULL);
  stream = soup_session_send (self->session, msg, cancellable, &local_error);
  if (stream == NULL)
    return no_answer (self, query_id, local_error, error), NULL;
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      g_autoptr(GBytes) answer = g_input_stream_read_bytes (stream, 64 * 1024, NULL, NULL);

      set_answer_error (self, msg, answer, NULL, error);
      return NULL;
    }
  return g_steal_pointer (&stream);
}

/**
 * upg_clickhouse_connection_send:
 * @self: a connection
 * @request: the body: a statement, or the rows of the `INSERT … FORMAT …`
 *   that @extra names as its `query` parameter
 * @extra: (nullable) (array zero-terminated=1): more URL parameters, as
 *   name, value, …
 * @cancellable: (nullable): cancels the request (and the query, by its id)
 * @error: return location for a #GError
 *
 * Sends one request whose answer is read as a stream: a dump's rows go
 * to their file as they come, never whole in memory.
 *
 * Returns: (transfer full): the answer's body, or %NULL with @error set
 *   (the server's error, as for any statement)
 */
GInputStream *
upg_clickhouse_connection_send (UpgClickHouseConnection  *self,
                                GBytes                   *request,
                                const char * const       *extra,
                                GCancellable             *cancellable,
                                GError                  **error)
{
  g_return_val_if_fail (UPG_IS_CLICKHOUSE_CONNECTION (self), NULL);
  g_return_val_if_fail (request != NULL, NULL);
  return send_request (self, request, NULL, 0, extra, cancellable, error);
}

/**
 * upg_clickhouse_connection_send_stream:
 * @self: a connection
 * @body: the request's body, read as it is sent (the rows of the
 *   `INSERT … FORMAT …` that @extra names as its `query` parameter)
 * @length: the bytes @body gives
 * @extra: (nullable) (array zero-terminated=1): more URL parameters, as
 *   name, value, …
 * @cancellable: (nullable): cancels the request (and the query, by its id)
 * @error: return location for a #GError
 *
 * upg_clickhouse_connection_send() of a body that is never whole in
 * memory: a restore's rows go from the archive to the server as they are
 * read.
 *
 * Returns: (transfer full): the answer's body, or %NULL with @error set
 */
GInputStream *
upg_clickhouse_connection_send_stream (UpgClickHouseConnection  *self,
                                       GInputStream             *body,
                                       goffset                   length,
                                       const char * const       *extra,
                                       GCancellable             *cancellable,
                                       GError                  **error)
{
  g_return_val_if_fail (UPG_IS_CLICKHOUSE_CONNECTION (self), NULL);
  g_return_val_if_fail (G_IS_INPUT_STREAM (body), NULL);
  return send_request (self, NULL, body, length, extra, cancellable, error);
}

/* A one-value recovery query; @id is bound as a literal. */
static char *
recovery_value (UpgClickHouseConnection  *self,
                const char               *sql,
                const char               *id,
                GError                  **error)
{
  const char *params[] = { id, NULL };
  g_autoptr(UpgRows) rows = NULL;
  guint timeout = self->timeout_s;

  self->timeout_s = CONNECT_TIMEOUT_S;
  rows = upg_connection_query (UPG_CONNECTION (self), sql, id != NULL ? params : NULL, NULL, error);
  self->timeout_s = timeout;
  if (rows == NULL)
    return NULL;
  if (upg_rows_get_n_rows (rows) == 0)
    return g_strdup ("");
  return g_strdup (upg_rows_get_value (rows, 0, 0) != NULL ? upg_rows_get_value (rows, 0, 0) : "");
}

/* The query log's last word on @query_id after a flush: "TYPE\tEXCEPTION",
 * "0\t" when it has none, "" when the server keeps no query log. */
static char *
flushed_log_outcome (UpgClickHouseConnection  *self,
                     const char               *query_id,
                     GError                  **error)
{
  g_autofree char *has_log = NULL;
  g_autoptr(GError) flush_error = NULL;

  /* The log is written in the background: without the flush, an entry
   * (and, on a fresh server, the table itself) may still wait in memory.
   * A user not allowed to flush leaves the answer to what is written
   * already, which only errs towards "unknown". */
  if (!upg_clickhouse_connection_execute (UPG_CONNECTION (self), "SYSTEM FLUSH LOGS", NULL, NULL, &flush_error))
    g_debug ("data source '%s': SYSTEM FLUSH LOGS: %s", upg_connection_get_name (UPG_CONNECTION (self)),
             flush_error->message);
  has_log = recovery_value (self, "SELECT count() FROM system.tables WHERE database = 'system'"
                                  " AND name = 'query_log'", NULL, error);
  if (has_log == NULL)
    return NULL;
  if (g_ascii_strtoll (has_log, NULL, 10) == 0)
    return g_strdup ("");

  /* type: 1 QueryStart, 2 QueryFinish, 3 ExceptionBeforeStart,
   * 4 ExceptionWhileProcessing (an Enum8 since 19.x, a UInt8 before). */
  return recovery_value (self, "SELECT concat(toString(max(toInt8(type))), '\\t',"
                               " argMax(exception, toInt8(type))) FROM system.query_log"
                               " WHERE query_id = ? AND toInt8(type) > 1",
                         query_id, error);
}

static UpgClickHouseQueryState
outcome_state (const char  *outcome,
               char       **detail)
{
  if (g_str_has_prefix (outcome, "2\t"))
    return UPG_CLICKHOUSE_QUERY_FINISHED;
  if (g_str_has_prefix (outcome, "3\t") || g_str_has_prefix (outcome, "4\t"))
    {
      if (detail != NULL)
        *detail = g_strdup (strchr (outcome, '\t') + 1);
      return UPG_CLICKHOUSE_QUERY_FAILED;
    }
  return UPG_CLICKHOUSE_QUERY_UNKNOWN;
}

/**
 * upg_clickhouse_connection_query_state:
 * @self: a connection
 * @query_id: the id a statement was sent with
 * @detail: (out) (optional) (transfer full): the server's exception for a
 *   failed query, else %NULL
 * @error: return location for a #GError
 *
 * Asks the server what became of a statement: still in
 * `system.processes`, or in `system.query_log` (after `SYSTEM FLUSH LOGS`)
 * as finished or failed. The engine sends every statement with
 * `log_queries=1`; a server without a query log (or one whose log lost
 * the entry) cannot tell, and the answer is
 * %UPG_CLICKHOUSE_QUERY_UNKNOWN: never a guess. A query the log does not
 * show yet is asked about again for about three seconds first, blocking.
 *
 * Returns: the state; %UPG_CLICKHOUSE_QUERY_UNKNOWN with @error set when
 *   the server could not be asked
 */
UpgClickHouseQueryState
upg_clickhouse_connection_query_state (UpgClickHouseConnection  *self,
                                       const char               *query_id,
                                       char                    **detail,
                                       GError                  **error)
{
  g_autofree char *running = NULL;
  g_autofree char *outcome = NULL;

  g_return_val_if_fail (UPG_IS_CLICKHOUSE_CONNECTION (self), UPG_CLICKHOUSE_QUERY_UNKNOWN);
  if (detail != NULL)
    *detail = NULL;

  running = recovery_value (self, "SELECT count() FROM system.processes WHERE query_id = ?", query_id, error);
  if (running == NULL)
    return UPG_CLICKHOUSE_QUERY_UNKNOWN;
  if (g_ascii_strtoll (running, NULL, 10) > 0)
    return UPG_CLICKHOUSE_QUERY_RUNNING;

  for (guint wait_ms = FIRST_LOG_WAIT_MS;; wait_ms *= 2)
    {
      UpgClickHouseQueryState state;

      g_clear_pointer (&outcome, g_free);
      outcome = flushed_log_outcome (self, query_id, error);
      if (outcome == NULL)
        return UPG_CLICKHOUSE_QUERY_UNKNOWN;
      state = outcome_state (outcome, detail);
      /* Before 19.x, SYSTEM FLUSH LOGS writes only what the log's thread
       * took from its queue already: on a busy server an entry added a
       * moment ago waits there. Asked again, that entry is written. A
       * server without a query log ("") has nothing to wait for. */
      if (state != UPG_CLICKHOUSE_QUERY_UNKNOWN || *outcome == '\0' || wait_ms > LAST_LOG_WAIT_MS)
        return state;
      g_usleep (wait_ms * 1000);
    }
}

/**
 * upg_clickhouse_connection_new:
 * @name: the data source's name
 * @url: the HTTP interface's URL (`http://host:8123`), without user or
 *   password
 * @user: (nullable): the user (`default` when %NULL)
 * @password: (nullable): the password, sent in a header
 * @database: (nullable): the default database of every statement
 * @settings: (nullable) (array zero-terminated=1): settings sent with
 *   every statement, as name, value pairs
 * @refused: (out) (optional): set to %TRUE when the server refused the
 *   user, the password or the database: retrying cannot help
 * @error: return location for a #GError
 *
 * Connects: asks the server its version, which proves the URL, the
 * credentials and the database.
 *
 * Returns: (transfer full): the connection, or %NULL with
 *   %UPG_ERROR_DATASOURCE (the message never holds the password)
 */
UpgConnection *
upg_clickhouse_connection_new (const char          *name,
                               const char          *url,
                               const char          *user,
                               const char          *password,
                               const char          *database,
                               const char * const  *settings,
                               gboolean            *refused,
                               GError             **error)
{
  g_autoptr(UpgClickHouseConnection) self = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) open_error = NULL;
  const char *query;

  g_return_val_if_fail (name != NULL && url != NULL, NULL);

  if (refused != NULL)
    *refused = FALSE;
  self = g_object_new (UPG_TYPE_CLICKHOUSE_CONNECTION,
                       "name", name,
                       "dialect", UPG_DIALECT_CLICKHOUSE,
                       "transactional-ddl", FALSE,
                       NULL);
  query = strchr (url, '?');
  self->url = query != NULL ? g_strndup (url, query - url) : g_strdup (url);
  self->user = g_strdup (user);
  self->password = g_strdup (password);
  self->database = g_strdup (database);
  self->settings = g_strdupv ((char **) settings);
  self->session = soup_session_new_with_options ("user-agent", "libupgrade",
                                                 "timeout", CONNECT_TIMEOUT_S, NULL);

  self->timeout_s = CONNECT_TIMEOUT_S;
  answer = post (self, "SELECT version()", NULL, NULL, refused, NULL, &open_error);
  self->timeout_s = 0;
  if (answer == NULL)
    {
      g_autoptr(GError) local_error = g_steal_pointer (&open_error);

      /* Every failure to open is the data source's; the connector words
       * the rest (after "'name': "). */
      g_set_error (error, UPG_ERROR,
                   local_error->code == UPG_ERROR_INVALID_CONFIG ? UPG_ERROR_INVALID_CONFIG : UPG_ERROR_DATASOURCE,
                   _("cannot connect to ClickHouse data source '%s': %s"), name, local_error->message);
      return NULL;
    }
  return UPG_CONNECTION (g_steal_pointer (&self));
}
