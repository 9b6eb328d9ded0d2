/* upg-service-head.c - request heads libsoup must not read
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * upg-service-conn.c peeks a request's whole head before libsoup reads
 * it. A head the fast path (upg-service-direct.c) does not answer is
 * checked here first: one libsoup would answer without the JSON body
 * every error has (SPEC §10), or read other than a proxy in front might
 * (request smuggling), is refused, naming what is wrong.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "upg-service-private.h"

/**
 * upg_service_token_char:
 * @c: a character
 *
 * Returns: whether @c is an RFC 9110 token character (header names,
 *   methods)
 */
gboolean
upg_service_token_char (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

/**
 * upg_service_name_is:
 * @name: a header name, not NUL-terminated
 * @length: its length
 * @expected: the name it may be
 *
 * Returns: whether @name is @expected, case aside
 */
gboolean
upg_service_name_is (const char *name,
                     gsize       length,
                     const char *expected)
{
  return length == strlen (expected) && g_ascii_strncasecmp (name, expected, length) == 0;
}

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
    if (!upg_service_token_char (*p))
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
    if (!upg_service_token_char (*p))
      return bad_request (refusal, _("a header line is not NAME: VALUE"));
  for (const char *value = colon + 1; value < end; value++)
    if (((guchar) *value < 0x20 && *value != '\t') || *value == 0x7f)
      return bad_request (refusal, _("a header value has a control character (NUL, CR…)"));
  text = g_strstrip (g_strndup (colon + 1, end - colon - 1));
  if (upg_service_name_is (line, colon - line, "Host") && ++fields->hosts > 1)
    return bad_request (refusal, _("Host is given more than once"));
  if (upg_service_name_is (line, colon - line, "Authorization") && ++fields->authorizations > 1)
    return bad_request (refusal, _("Authorization is given more than once"));
  if (upg_service_name_is (line, colon - line, "Content-Length"))
    {
      if (*text == '\0' || strspn (text, "0123456789") != strlen (text) || strlen (text) > 18)
        return bad_request (refusal, _("Content-Length is not a number of bytes"));
      if (fields->content_length != NULL && strcmp (fields->content_length, text) != 0)
        return bad_request (refusal, _("Content-Length is given twice, with different values"));
      g_free (fields->content_length);
      fields->content_length = g_steal_pointer (&text);
    }
  else if (upg_service_name_is (line, colon - line, "Upgrade"))
    fields->upgrade |= has_token (text, "websocket");
  else if (upg_service_name_is (line, colon - line, "Connection"))
    fields->connection_upgrade |= has_token (text, "upgrade");
  else if (upg_service_name_is (line, colon - line, "Sec-WebSocket-Key") && fields->websocket_key == NULL)
    fields->websocket_key = g_steal_pointer (&text);
  else if (upg_service_name_is (line, colon - line, "Sec-WebSocket-Version") && fields->websocket_version == NULL)
    fields->websocket_version = g_steal_pointer (&text);
  else if (upg_service_name_is (line, colon - line, "Transfer-Encoding"))
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
