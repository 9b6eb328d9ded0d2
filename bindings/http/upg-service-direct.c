/* upg-service-direct.c - the frequent GET requests, answered on the socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A monitor polls the status of the running execution and the health of
 * the service, many times a second, often over one kept-alive connection.
 * libsoup costs about 100 µs of CPU for each request (objects, signals,
 * a connection it must then close: see upg-service-conn.c), taken from
 * the execution on a small host. These requests are answered here, from
 * the complete head that upg-service-conn.c peeked:
 *
 *   GET /api/v1/health               when the journal's answer is fresh
 *   GET /api/v1/upgrade/status/{id}  when {id} runs in this process, or
 *                                    is no UUID (404)
 *   GET of any route that requires the token, without it: 401, and the
 *   connection stays open (libsoup's answers close theirs)
 *
 * Only a head in the plainest form qualifies: `GET`, a target of letters,
 * digits and `-._~/` (no percent-encoding, no dot segment; a query of
 * those and `=&` only for a 401),
 * `HTTP/1.1`, CRLF line ends, one `Host`, at most one `Authorization` and
 * `Connection`, no body, no `Upgrade` or `Expect`. Anything else, and every
 * other route, goes to libsoup as before: this is a shortcut, never a
 * second interpretation of HTTP. The connection stays open after the
 * answer unless the client said `Connection: close`.
 *
 * A head libsoup must not read is refused from here too
 * (upg_service_head_refusal()): one it would answer without a JSON body,
 * or read other than a proxy in front might (request smuggling).
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "upg-service-private.h"

#define STATUS_PREFIX "/api/v1/upgrade/status/"

typedef struct {
  const char *target;
  gsize       target_length;
  char       *authorization;   /* NULL if absent */
  guint       hosts;
  guint       connections;
  gboolean    close;
} DirectRequest;

static void
direct_request_clear (DirectRequest *request)
{
  g_free (request->authorization);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DirectRequest, direct_request_clear)

static gboolean
target_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/'
         || c == '?' || c == '=' || c == '&';
}

/* RFC 9110 token characters (header names). */
static gboolean
token_char (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

static gboolean
name_is (const char *name,
         gsize       length,
         const char *expected)
{
  return length == strlen (expected) && g_ascii_strncasecmp (name, expected, length) == 0;
}

/* `Connection`: a list of tokens; `close` ends the connection after the
 * answer; `upgrade` (or anything but `close` and `keep-alive`) is left to
 * libsoup. */
static gboolean
read_connection (DirectRequest *request,
                 const char    *value,
                 gsize          length)
{
  g_autofree char *text = g_strndup (value, length);
  g_auto(GStrv) tokens = g_strsplit (text, ",", -1);

  for (guint i = 0; tokens[i] != NULL; i++)
    {
      g_strstrip (tokens[i]);
      if (g_ascii_strcasecmp (tokens[i], "close") == 0)
        request->close = TRUE;
      else if (g_ascii_strcasecmp (tokens[i], "keep-alive") != 0)
        return FALSE;
    }
  return TRUE;
}

/* One header line (without its CRLF). FALSE: not in the plainest form. */
static gboolean
read_header (DirectRequest *request,
             const char    *line,
             gsize          length)
{
  const char *colon = memchr (line, ':', length);
  const char *value;
  const char *end = line + length;
  gsize name_length;

  if (colon == NULL || colon == line)
    return FALSE;
  name_length = colon - line;
  for (gsize i = 0; i < name_length; i++)
    if (!token_char (line[i]))
      return FALSE;
  for (value = colon + 1; value < end && (*value == ' ' || *value == '\t'); value++)
    ;
  while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  for (const char *p = value; p < end; p++)
    if ((guchar) *p < 0x20 && *p != '\t')
      return FALSE;
  if (name_is (line, name_length, "Host"))
    return ++request->hosts == 1;
  if (name_is (line, name_length, "Authorization"))
    {
      if (request->authorization != NULL)
        return FALSE;
      request->authorization = g_strndup (value, end - value);
      return TRUE;
    }
  if (name_is (line, name_length, "Connection"))
    return ++request->connections == 1 && read_connection (request, value, end - value);
  if (name_is (line, name_length, "Content-Length"))
    return end - value == 1 && *value == '0';
  return !name_is (line, name_length, "Transfer-Encoding") && !name_is (line, name_length, "Upgrade")
         && !name_is (line, name_length, "Expect");
}

/* The head (@length bytes, ending with an empty line) in the plainest form. */
static gboolean
parse_head (const char    *head,
            gsize          length,
            DirectRequest *request)
{
  static const char version[] = " HTTP/1.1\r\n";
  const char *end = head + length;
  const char *p;

  if (length < 4 || strncmp (head, "GET ", 4) != 0)
    return FALSE;
  request->target = head + 4;
  for (p = request->target; p < end && target_char (*p); p++)
    ;
  request->target_length = p - request->target;
  if (request->target_length == 0 || request->target[0] != '/'
      || g_strstr_len (request->target, request->target_length, "/.") != NULL
      || (gsize) (end - p) < strlen (version) || strncmp (p, version, strlen (version)) != 0)
    return FALSE;
  p += strlen (version);
  while (p < end)
    {
      const char *line_end = g_strstr_len (p, end - p, "\r\n");

      if (line_end == NULL)
        return FALSE;
      if (line_end == p)
        return p + 2 == end && request->hosts == 1;
      /* A bare CR or LF inside a line, or a folded line. */
      if (memchr (p, '\n', line_end - p) != NULL || memchr (p, '\r', line_end - p) != NULL
          || *p == ' ' || *p == '\t')
        return FALSE;
      if (!read_header (request, p, line_end - p))
        return FALSE;
      p = line_end + 2;
    }
  return FALSE;
}

/* ---- heads libsoup must not read ----------------------------------------- */

/* RFC 9110 §9 and PATCH: any other method is answered 501 here, so that
 * no client can invent methods (each a new series of the request
 * metrics, kept for the life of the process). */
static const char *const known_methods[] = {
  "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", NULL
};

typedef struct {
  guint       status;
  const char *code;
  const char *message;
} Refusal;

static const char *
refuse_with (Refusal    *refusal,
             guint       status,
             const char *code,
             const char *message)
{
  refusal->status = status;
  refusal->code = code;
  refusal->message = message;
  return message;
}

static const char *
bad_request (Refusal    *refusal,
             const char *message)
{
  return refuse_with (refusal, SOUP_STATUS_BAD_REQUEST, "bad-request", message);
}

/* The next line of the head without its line end (CRLF, or a bare LF as
 * libsoup accepts it); FALSE after the last. */
static gboolean
next_line (const char **p,
           const char  *end,
           const char **line,
           gsize       *length)
{
  const char *lf = memchr (*p, '\n', end - *p);

  if (lf == NULL)
    return FALSE;
  *line = *p;
  *length = lf - *p;
  if (*length > 0 && lf[-1] == '\r')
    (*length)--;
  *p = lf + 1;
  return TRUE;
}

typedef struct {
  guint     hosts;
  guint     authorizations;
  char     *content_length;     /* the first, trimmed */
  char     *transfer_encoding;  /* every one, joined by commas */
  gboolean  events;             /* the target is an events WebSocket */
  gboolean  upgrade;            /* Upgrade: websocket */
  gboolean  connection_upgrade; /* Connection: upgrade */
  char     *websocket_key;      /* the first of each */
  char     *websocket_version;
} HeadFields;

static void
head_fields_clear (HeadFields *fields)
{
  g_free (fields->content_length);
  g_free (fields->transfer_encoding);
  g_free (fields->websocket_key);
  g_free (fields->websocket_version);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HeadFields, head_fields_clear)

/* The path percent-decoded: no NUL, UTF-8 (it is routed and may be quoted
 * in a JSON answer), and no `.` or `..` segment, decoded or not (libsoup
 * resolves the plain ones against the route table, never a file; a client
 * sends none once it normalised its URL). */
static const char *
check_path (const char *path,
            const char *end,
            HeadFields *fields,
            Refusal    *refusal)
{
  g_autofree char *decoded = g_uri_unescape_segment (path, end, NULL);
  g_auto(GStrv) segments = NULL;

  if (decoded == NULL || !g_utf8_validate (decoded, -1, NULL))
    return bad_request (refusal, _("the request path, percent-decoded, is not UTF-8 or has a NUL"));
  segments = g_strsplit (decoded, "/", -1);
  for (guint i = 0; segments[i] != NULL; i++)
    if (g_str_equal (segments[i], ".") || g_str_equal (segments[i], ".."))
      return bad_request (refusal, _("the request path has a \".\" or \"..\" segment"));
  fields->events = g_str_has_prefix (decoded, UPG_SERVICE_EVENTS_PREFIX "/");
  return NULL;
}

/* Origin form (`/path?query`) or absolute form (`http://host/path`), in
 * printable ASCII (RFC 9112 §3.2). */
static const char *
check_target (const char *target,
              const char *end,
              HeadFields *fields,
              Refusal    *refusal)
{
  const char *path = target;
  const char *query;
  g_autofree char *decoded = NULL;

  for (const char *p = target; p < end; p++)
    if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f)
      return bad_request (refusal, _("the request target has a byte that is not printable ASCII "
                                     "(percent-encode it)"));
  if (end - target > 7 && g_ascii_strncasecmp (target, "http://", 7) == 0)
    path = memchr (target + 7, '/', end - target - 7);
  if (path == NULL || *path != '/')
    return bad_request (refusal, _("the request target is not a path (/api/v1/…)"));
  query = memchr (path, '?', end - path);
  if (query != NULL)
    {
      decoded = g_uri_unescape_segment (query + 1, end, NULL);
      if (decoded == NULL || !g_utf8_validate (decoded, -1, NULL))
        return bad_request (refusal, _("the request query, percent-decoded, is not UTF-8 or has a NUL"));
    }
  return check_path (path, query != NULL ? query : end, fields, refusal);
}

/* METHOD SP TARGET SP HTTP/1.x */
static const char *
check_request_line (const char *line,
                    gsize       length,
                    gboolean   *http11,
                    HeadFields *fields,
                    Refusal    *refusal)
{
  const char *end = line + length;
  const char *space = memchr (line, ' ', length);
  const char *version;
  g_autofree char *method = NULL;

  if (space == NULL || space == line
      || (version = memchr (space + 1, ' ', end - space - 1)) == NULL
      || memchr (version + 1, ' ', end - version - 1) != NULL)
    return bad_request (refusal, _("the request line is not METHOD TARGET HTTP/1.1"));
  version++;
  for (const char *p = line; p < space; p++)
    if (!token_char (*p))
      return bad_request (refusal, _("the request line is not METHOD TARGET HTTP/1.1"));
  if (end - version != 8 || strncmp (version, "HTTP/1.", 7) != 0 || (version[7] != '0' && version[7] != '1'))
    {
      if (end - version == 8 && strncmp (version, "HTTP/", 5) == 0 && g_ascii_isdigit (version[5])
          && version[6] == '.' && g_ascii_isdigit (version[7]))
        return refuse_with (refusal, SOUP_STATUS_HTTP_VERSION_NOT_SUPPORTED, "http-version-not-supported",
                            _("only HTTP/1.1 and HTTP/1.0 are served"));
      return bad_request (refusal, _("the request line is not METHOD TARGET HTTP/1.1"));
    }
  *http11 = version[7] == '1';
  method = g_strndup (line, space - line);
  if (!g_strv_contains (known_methods, method))
    return refuse_with (refusal, SOUP_STATUS_NOT_IMPLEMENTED, "not-implemented",
                        _("the request method is not one of HTTP's"));
  return check_target (space + 1, version - 1, fields, refusal);
}

/* Whether the comma-separated list @value has @token. */
static gboolean
has_token (const char *value,
           const char *token)
{
  g_auto(GStrv) tokens = g_strsplit (value, ",", -1);

  for (guint i = 0; tokens[i] != NULL; i++)
    if (g_ascii_strcasecmp (g_strstrip (tokens[i]), token) == 0)
      return TRUE;
  return FALSE;
}

/* One header line: NAME ":" VALUE, the name a token right before the
 * colon, the value without control characters (RFC 9112 §5). */
static const char *
check_header (HeadFields *fields,
              const char *line,
              const char *end,
              Refusal    *refusal)
{
  const char *colon = memchr (line, ':', end - line);
  g_autofree char *text = NULL;

  if (*line == ' ' || *line == '\t')
    return bad_request (refusal, _("a header line is folded (starts with white space): "
                                   "send each header on one line"));
  if (colon == NULL || colon == line)
    return bad_request (refusal, _("a header line is not NAME: VALUE"));
  for (const char *p = line; p < colon; p++)
    if (!token_char (*p))
      return bad_request (refusal, _("a header line is not NAME: VALUE"));
  for (const char *value = colon + 1; value < end; value++)
    if (((guchar) *value < 0x20 && *value != '\t') || *value == 0x7f)
      return bad_request (refusal, _("a header value has a control character (NUL, CR…)"));
  text = g_strstrip (g_strndup (colon + 1, end - colon - 1));
  if (name_is (line, colon - line, "Host") && ++fields->hosts > 1)
    return bad_request (refusal, _("Host is given more than once"));
  if (name_is (line, colon - line, "Authorization") && ++fields->authorizations > 1)
    return bad_request (refusal, _("Authorization is given more than once"));
  if (name_is (line, colon - line, "Content-Length"))
    {
      if (*text == '\0' || strspn (text, "0123456789") != strlen (text) || strlen (text) > 18)
        return bad_request (refusal, _("Content-Length is not a number of bytes"));
      if (fields->content_length != NULL && strcmp (fields->content_length, text) != 0)
        return bad_request (refusal, _("Content-Length is given twice, with different values"));
      g_free (fields->content_length);
      fields->content_length = g_steal_pointer (&text);
    }
  else if (name_is (line, colon - line, "Upgrade"))
    fields->upgrade |= has_token (text, "websocket");
  else if (name_is (line, colon - line, "Connection"))
    fields->connection_upgrade |= has_token (text, "upgrade");
  else if (name_is (line, colon - line, "Sec-WebSocket-Key") && fields->websocket_key == NULL)
    fields->websocket_key = g_steal_pointer (&text);
  else if (name_is (line, colon - line, "Sec-WebSocket-Version") && fields->websocket_version == NULL)
    fields->websocket_version = g_steal_pointer (&text);
  else if (name_is (line, colon - line, "Transfer-Encoding"))
    {
      char *joined = fields->transfer_encoding == NULL ? g_strdup (text)
                     : g_strconcat (fields->transfer_encoding, ",", text, NULL);

      g_free (fields->transfer_encoding);
      fields->transfer_encoding = joined;
    }
  return NULL;
}

/* How the body is framed: one Content-Length, or chunked alone (RFC 9112
 * §6.3: a request with both, or with another transfer coding last, has
 * no reliable length: a smuggling attempt or a broken proxy). */
static const char *
check_framing (HeadFields *fields,
               Refusal    *refusal)
{
  g_auto(GStrv) codings = NULL;
  guint n;

  if (fields->transfer_encoding == NULL)
    return NULL;
  if (fields->content_length != NULL)
    return bad_request (refusal, _("both Content-Length and Transfer-Encoding are given: send one"));
  codings = g_strsplit (fields->transfer_encoding, ",", -1);
  n = g_strv_length (codings);
  for (guint i = 0; i < n; i++)
    g_strstrip (codings[i]);
  if (n == 0 || g_ascii_strcasecmp (codings[n - 1], "chunked") != 0)
    return bad_request (refusal, _("Transfer-Encoding does not end with chunked"));
  if (n > 1)
    return refuse_with (refusal, SOUP_STATUS_NOT_IMPLEMENTED, "not-implemented",
                        _("Transfer-Encoding: only chunked, alone, is implemented"));
  return NULL;
}

/* A WebSocket request to the events route that libsoup would refuse with
 * an HTML page (RFC 6455 §4.2.1): refused here with the JSON error. */
static const char *
check_websocket (HeadFields *fields,
                 Refusal    *refusal)
{
  g_autofree guchar *key = NULL;
  gsize key_length = 0;

  if (!fields->events || !fields->upgrade)
    return NULL;
  if (!fields->connection_upgrade)
    return bad_request (refusal, _("a WebSocket request needs Connection: Upgrade"));
  if (g_strcmp0 (fields->websocket_version, "13") != 0)
    return bad_request (refusal, _("a WebSocket request needs Sec-WebSocket-Version: 13"));
  if (fields->websocket_key != NULL)
    key = g_base64_decode (fields->websocket_key, &key_length);
  if (key_length != 16)
    return bad_request (refusal, _("a WebSocket request needs a Sec-WebSocket-Key of 16 bytes in base64"));
  return NULL;
}

/**
 * upg_service_head_refusal:
 * @head: a complete request head
 * @length: its length, up to and with its empty line
 * @status: (out): the status of the refusal
 * @code: (out) (transfer none): its error code
 *
 * Whether @head is one libsoup may read. libsoup answers a head it cannot
 * parse without the JSON body every error has (SPEC §10), reads two
 * differing `Content-Length` as the last one (and waits for a body never
 * sent), takes the last of two `Authorization`, and refuses a bad
 * WebSocket handshake with an HTML page: such heads are refused before
 * libsoup sees them, naming what is wrong.
 *
 * Returns: (transfer none) (nullable): the refusal's message, %NULL if
 *   libsoup may read @head
 */
const char *
upg_service_head_refusal (const char  *head,
                          gsize        length,
                          guint       *status,
                          const char **code)
{
  g_auto(HeadFields) fields = { 0 };
  Refusal refusal = { 0 };
  const char *end = head + length;
  const char *p = head;
  const char *line;
  gsize line_length;
  gboolean http11 = FALSE;

  if (next_line (&p, end, &line, &line_length)
      && check_request_line (line, line_length, &http11, &fields, &refusal) == NULL)
    while (next_line (&p, end, &line, &line_length) && line_length > 0
           && check_header (&fields, line, line + line_length, &refusal) == NULL)
      ;
  if (refusal.message == NULL && http11 && fields.hosts == 0)
    bad_request (&refusal, _("Host is missing (HTTP/1.1 requires it)"));
  if (refusal.message == NULL && check_framing (&fields, &refusal) == NULL)
    check_websocket (&fields, &refusal);
  *status = refusal.status;
  *code = refusal.code;
  return refusal.message;
}

/* An HTTP-date (RFC 9110), as libsoup's answers carry one; formatted once
 * a second, not for each of the thousands of answers in it. */
static void
append_date (UpgService *self,
             GString    *out)
{
  gint64 second = g_get_real_time () / G_USEC_PER_SEC;

  if (second != self->date_second)
    {
      g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (second);
      g_autofree char *date = g_date_time_format (now, "%a, %d %b %Y %H:%M:%S GMT");

      g_snprintf (self->date_header, sizeof self->date_header, "Date: %s\r\n", date);
      self->date_second = second;
    }
  g_string_append (out, self->date_header);
}

static GString *
response_new (UpgService    *self,
              guint          status,
              JsonNode      *node,
              DirectRequest *request)
{
  g_autofree char *json = json_to_string (node, FALSE);
  GString *out = g_string_sized_new (strlen (json) + 256);

  g_string_append_printf (out, "HTTP/1.1 %u %s\r\n", status, soup_status_get_phrase (status));
  g_string_append (out, "Server: upgraded/" PACKAGE_VERSION "\r\n");
  append_date (self, out);
  if (request->close)
    g_string_append (out, "Connection: close\r\n");
  if (status == SOUP_STATUS_UNAUTHORIZED)
    g_string_append (out, "WWW-Authenticate: Bearer realm=\"upgraded\"\r\n");
  g_string_append_printf (out, "Content-Type: application/json\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
                          strlen (json) + 1);
  g_string_append (out, json);
  g_string_append_c (out, '\n');
  return out;
}

/* The body of a 401, as libsoup's answers have it (upg-service.c). */
static JsonNode *
unauthorized (void)
{
  return upg_service_error_new ("unauthorized", upg_service_unauthorized_message ());
}

/**
 * upg_service_direct_answer:
 * @self: the service
 * @head: a complete request head
 * @length: its length, up to and with its empty line
 * @keep_alive: (out): whether the connection stays open after the answer
 *
 * Answers the request of @head if it is one of the frequent GET requests,
 * in the plainest form, and its answer needs nothing but memory. Counted in
 * the request metrics like an answer of libsoup.
 *
 * Returns: (transfer full) (nullable): the whole response, or %NULL if
 *   libsoup must answer
 */
GString *
upg_service_direct_answer (UpgService *self,
                           const char *head,
                           gsize       length,
                           gboolean   *keep_alive)
{
  g_auto(DirectRequest) request = { 0 };
  g_autofree char *target = NULL;
  g_autoptr(JsonNode) node = NULL;
  const char *route;
  const char *query;
  guint status = SOUP_STATUS_OK;

  if (!parse_head (head, length, &request))
    return NULL;
  target = g_strndup (request.target, request.target_length);
  if ((query = strchr (target, '?')) != NULL)
    {
      /* The path alone is routed. */
      target[query - target] = '\0';
      route = upg_service_route_guarded (self, "GET", target);
      if (route == NULL || upg_service_token_matches (self, request.authorization))
        return NULL;
      status = SOUP_STATUS_UNAUTHORIZED;
      node = unauthorized ();
    }
  else if (strcmp (target, "/api/v1/health") == 0)
    {
      if (!upg_service_health_fresh (self))
        return NULL;
      route = "/api/v1/health";
      node = upg_service_health_json (self, &status);
    }
  else if (g_str_has_prefix (target, STATUS_PREFIX) && target[strlen (STATUS_PREFIX)] != '\0'
           && strchr (target + strlen (STATUS_PREFIX), '/') == NULL)
    {
      route = STATUS_PREFIX "{id}";
      if (!upg_service_token_matches (self, request.authorization))
        {
          status = SOUP_STATUS_UNAUTHORIZED;
          node = unauthorized ();
        }
      else if ((node = upg_service_live_status_json (self, target + strlen (STATUS_PREFIX))) == NULL)
        {
          node = upg_service_unknown_status_json (target + strlen (STATUS_PREFIX));
          if (node == NULL)
            return NULL;
          status = SOUP_STATUS_NOT_FOUND;
        }
    }
  else if ((route = upg_service_route_guarded (self, "GET", target)) != NULL
           && !upg_service_token_matches (self, request.authorization))
    {
      status = SOUP_STATUS_UNAUTHORIZED;
      node = unauthorized ();
    }
  else
    return NULL;
  upg_service_metrics_count_request (self->metrics, "GET", route, status);
  *keep_alive = !request.close;
  return response_new (self, status, node, &request);
}
