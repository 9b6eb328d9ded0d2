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
    if (!upg_service_token_char (line[i]))
      return FALSE;
  for (value = colon + 1; value < end && (*value == ' ' || *value == '\t'); value++)
    ;
  while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  for (const char *p = value; p < end; p++)
    if ((guchar) *p < 0x20 && *p != '\t')
      return FALSE;
  if (upg_service_name_is (line, name_length, "Host"))
    return ++request->hosts == 1;
  if (upg_service_name_is (line, name_length, "Authorization"))
    {
      if (request->authorization != NULL)
        return FALSE;
      request->authorization = g_strndup (value, end - value);
      return TRUE;
    }
  if (upg_service_name_is (line, name_length, "Connection"))
    return ++request->connections == 1 && read_connection (request, value, end - value);
  if (upg_service_name_is (line, name_length, "Content-Length"))
    return end - value == 1 && *value == '0';
  return !upg_service_name_is (line, name_length, "Transfer-Encoding") && !upg_service_name_is (line, name_length, "Upgrade")
         && !upg_service_name_is (line, name_length, "Expect");
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
