/* test-http-abuse.c - upgraded and a hostile or sloppy client: request
 * smuggling shapes, malformed heads, invented methods, NUL in JSON
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Raw HTTP/1.1 on a plain socket, because no HTTP library sends these
 * heads. Each abusive head follows, on the same connection, a request
 * the service answers on its fast path (upg-service-direct.c): the answer
 * to each must be its own, the abusive one a JSON error naming what is
 * wrong (SPEC §10), and nothing after it may be read as a request. Every
 * socket has a receive timeout: a server that never answers fails the
 * test instead of hanging it.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "http-test-util.h"

#define TIMEOUT_SECONDS 10
#define TOKEN_HEADER "Authorization: Bearer " HTTP_TEST_TOKEN "\r\n"
/* Answered on the fast path (not a UUID: 404 without the journal), and
 * the connection stays open for the next request. */
#define FIRST "GET /api/v1/upgrade/status/first-id HTTP/1.1\r\nHost: 127.0.0.1\r\n" TOKEN_HEADER "\r\n"
/* Must never be answered: it follows a head that has no reliable end. */
#define SMUGGLED "GET /api/v1/upgrade/status/smuggled-id HTTP/1.1\r\nHost: 127.0.0.1\r\n" TOKEN_HEADER "\r\n"

static int
open_client (HttpTestServer *server)
{
  struct sockaddr_in to = { .sin_family = AF_INET };
  struct timeval limit = { .tv_sec = TIMEOUT_SECONDS };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  to.sin_port = htons (http_test_server_port (server));
  to.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit), ==, 0);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &to, sizeof to), ==, 0);
  return fd;
}

/* Sends @length bytes and returns all the server sent until it closed. */
static GString *
exchange (HttpTestServer *server,
          const char     *request,
          gsize           length)
{
  GString *received = g_string_new (NULL);
  int fd = open_client (server);
  char buffer[4096];
  gssize n;

  g_assert_cmpint (send (fd, request, length, MSG_NOSIGNAL), ==, (gssize) length);
  while ((n = recv (fd, buffer, sizeof buffer, 0)) > 0)
    g_string_append_len (received, buffer, n);
  if (n < 0)
    g_error ("the server neither answered nor closed (%s) after '%s'", g_strerror (errno), received->str);
  close (fd);
  return received;
}

/* The response at *@offset of @received: its status and its JSON body,
 * which must be valid UTF-8 JSON; *@offset moves past it. */
static JsonObject *
take_response (GString *received,
               gsize   *offset,
               guint   *status)
{
  const char *start = received->str + *offset;
  const char *end = strstr (start, "\r\n\r\n");
  const char *field = end != NULL ? g_strstr_len (start, end - start, "Content-Length: ") : NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize body_length;

  if (!g_str_has_prefix (start, "HTTP/1.1 ") || field == NULL)
    g_error ("expected a response with a Content-Length at %" G_GSIZE_FORMAT " of '%s'", *offset,
             received->str);
  *status = (guint) g_ascii_strtoull (start + strlen ("HTTP/1.1 "), NULL, 10);
  body_length = g_ascii_strtoull (field + strlen ("Content-Length: "), NULL, 10);
  g_assert_cmpuint (received->len - (end + 4 - received->str), >=, body_length);
  g_assert_true (g_utf8_validate_len (end + 4, body_length, NULL));
  json_parser_load_from_data (parser, end + 4, body_length, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  *offset = (end + 4 - received->str) + body_length;
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Descriptors the server holds once its closing is done (asynchronous:
 * polled, for at most TIMEOUT_SECONDS). */
static guint
server_fds (HttpTestServer *server,
            guint           at_most)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", http_test_server_pid (server));
  guint count = 0;

  for (guint tries = 0; tries == 0 || (tries < TIMEOUT_SECONDS * 20 && count > at_most); tries++)
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);

      if (tries > 0)
        g_usleep (G_USEC_PER_SEC / 20);
      g_assert_nonnull (dir);
      for (count = 0; g_dir_read_name (dir) != NULL; count++)
        ;
    }
  return count;
}

typedef struct {
  const char *head;       /* then SMUGGLED */
  gsize       length;
  guint       status;
  const char *code;
  const char *message_part;
} AbuseCase;

#define HEAD(text) text, sizeof text - 1
#define POST_ASSESS "POST /api/v1/upgrade/assess HTTP/1.1\r\nHost: 127.0.0.1\r\n" TOKEN_HEADER

static const AbuseCase cases[] = {
  /* Smuggling: which length would a proxy in front have used? */
  { HEAD (POST_ASSESS "Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}"),
    400, "bad-request", "Content-Length is given twice, with different values" },
  { HEAD (POST_ASSESS "Content-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    400, "bad-request", "both Content-Length and Transfer-Encoding" },
  { HEAD (POST_ASSESS "Transfer-Encoding: gzip\r\n\r\n"), 400, "bad-request", "does not end with chunked" },
  { HEAD (POST_ASSESS "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"), 501, "not-implemented", "only chunked" },
  { HEAD (POST_ASSESS "Content-Length: -1\r\n\r\n"), 400, "bad-request", "Content-Length is not a number" },
  { HEAD ("GET /api/v1/upgrade/plan?from=1.0.0&to=1.1.0 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          "Authorization: Bearer\r\n " HTTP_TEST_TOKEN "\r\n\r\n"), 400, "bad-request", "folded" },
  { HEAD ("GET /api/v1/upgrade/plan?from=1.0.0&to=1.1.0 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          "Authorization: Bearer wrong\r\n" TOKEN_HEADER "\r\n"),
    400, "bad-request", "Authorization is given more than once" },
  { HEAD ("GET /api/v1/upgrade/plan HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Trace: a\0b\r\n" TOKEN_HEADER "\r\n"),
    400, "bad-request", "control character" },
  /* Not HTTP/1.x, or no request line at all. */
  { HEAD ("GET /api/v1/health HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n"),
    505, "http-version-not-supported", "HTTP/1.1" },
  { HEAD ("HELLO\r\n\r\n"), 400, "bad-request", "request line" },
  { HEAD ("BREW /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), 501, "not-implemented", "method" },
  { HEAD ("GET /api/v1/health HTTP/1.1\r\n\r\n"), 400, "bad-request", "Host is missing" },
  /* Targets: traversal, bytes that would end up in a JSON answer. */
  { HEAD ("GET /api/v1/upgrade/logs/%2e%2e%2f%2e%2e%2ftoken HTTP/1.1\r\nHost: 127.0.0.1\r\n" TOKEN_HEADER "\r\n"),
    400, "bad-request", "segment" },
  { HEAD ("GET /api/v1/upgrade/status/%ff%fe HTTP/1.1\r\nHost: 127.0.0.1\r\n" TOKEN_HEADER "\r\n"),
    400, "bad-request", "UTF-8" },
  { HEAD ("GET /api/v1/upgrade/status/\xff HTTP/1.1\r\nHost: 127.0.0.1\r\n" TOKEN_HEADER "\r\n"),
    400, "bad-request", "printable ASCII" },
  { HEAD ("GET /api/v1/upgrade/plan?from=1.0.0&to=1.1.0&site=%ff HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          TOKEN_HEADER "\r\n"), 400, "bad-request", "query" },
};

/* Each abusive head after a fast-path request on one connection: the
 * first answer is the first request's, the second a JSON error naming
 * what is wrong, and the connection ends there (what follows the abusive
 * head is never read as a request). Invented methods leave no series in
 * the metrics, and no descriptor is left behind. */
static void
test_malformed_heads_refused (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autofree char *metrics = NULL;
  guint before;

  http_test_server_start (server);
  g_assert_cmpuint (http_test_request (server, "GET", "/api/v1/health", NULL, NULL, NULL, NULL), ==, 200);
  before = server_fds (server, G_MAXUINT);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) request = g_string_new (FIRST);
      g_autoptr(GString) received = NULL;
      g_autoptr(JsonObject) first = NULL;
      g_autoptr(JsonObject) refused = NULL;
      gsize offset = 0;
      guint status = 0;

      g_test_message ("case %u: %s", i, cases[i].message_part);
      g_string_append_len (request, cases[i].head, cases[i].length);
      g_string_append (request, SMUGGLED);
      received = exchange (server, request->str, request->len);
      first = take_response (received, &offset, &status);
      g_assert_cmpuint (status, ==, 404);
      http_test_assert_error (first, "not-found", "'first-id'");
      refused = take_response (received, &offset, &status);
      g_assert_cmpuint (status, ==, cases[i].status);
      http_test_assert_error (refused, cases[i].code, cases[i].message_part);
      g_assert_cmpstr (received->str + offset, ==, "");
    }

  g_assert_cmpuint (http_test_request (server, "GET", "/metrics", HTTP_TEST_TOKEN, NULL, &metrics, NULL), ==, 200);
  g_assert_null (strstr (metrics, "BREW"));
  g_assert_nonnull (strstr (metrics, "method=\"unknown\",route=\"unmatched\",code=\"501\"} 2"));
  g_assert_cmpuint (server_fds (server, before), <=, before);
}

/* A NUL in a JSON string ends it for every C reader: the site would be
 * "site-b", the version "1.0.0". Refused, naming the member; a string
 * that merely shows a backslash before u0000 is no NUL, and accepted. */
static void
test_json_nul_refused (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  static const char *const bodies[][2] = {
    { "{\"fromVersion\": \"1.0.0\", \"toVersion\": \"1.1.0\", \"siteId\": \"site-b\\u0000-x\"}", "siteId" },
    { "{\"fromVersion\": \"1.0.0\\u0000\", \"toVersion\": \"1.1.0\"}", "fromVersion" },
    { "{\"fromVersion\": \"1.0.0\", \"toVersion\": \"1.1.0\", \"env\": {\"cluster\": \"c\\u0000\"}}", "cluster" },
  };

  http_test_server_start (server);
  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(JsonObject) answer = http_test_request_json (server, "POST", "/api/v1/upgrade/assess",
                                                             bodies[i][0], 400);
      g_autofree char *expected = g_strconcat (bodies[i][1], ": a string holds a NUL character", NULL);

      http_test_assert_error (answer, "invalid-argument", expected);
    }
  {
    g_autoptr(JsonObject) answer = http_test_request_json (server, "POST", "/api/v1/upgrade/confirm",
                                                           "{\"fromVersion\": \"1.0.0\", \"toVersion\": \"1.1.0\", "
                                                           "\"siteId\": \"site-b\", \"note\": \"C:\\\\u0000\"}", 200);

    g_assert_cmpstr (json_object_get_string_member (answer, "site"), ==, "site-b");
  }
}

/* A lone surrogate in a JSON string: json-glib's error quotes its bytes
 * (ED A0 80), which are not UTF-8; the 400 must still be JSON a client
 * can parse (take_response() checks it), naming the body. */
static void
test_error_body_utf8 (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autoptr(GString) received = NULL;
  g_autoptr(JsonObject) error = NULL;
  gsize offset = 0;
  guint status = 0;
  static const char body[] = "{\"fromVersion\": \"\\ud800\", \"toVersion\": \"1.1.0\"}";
  g_autofree char *request = g_strdup_printf (POST_ASSESS "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                                              strlen (body), body);

  http_test_server_start (server);
  received = exchange (server, request, strlen (request));
  error = take_response (received, &offset, &status);
  g_assert_cmpuint (status, ==, 400);
  http_test_assert_error (error, "invalid-argument", "body: ");
}

#define WEBSOCKET_HEADERS "Upgrade: websocket\r\nConnection: Upgrade\r\n"

/* A WebSocket handshake libsoup refuses (a version other than 13, no
 * key, no Connection: Upgrade) on the events of an execution that
 * exists: a JSON error naming what is missing, not libsoup's HTML page. */
static void
test_websocket_handshake_refused (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autofree char *id = NULL;
  static const char *const handshakes[][2] = {
    { WEBSOCKET_HEADERS "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n",
      "Sec-WebSocket-Version: 13" },
    { WEBSOCKET_HEADERS "Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Key" },
    { "Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n",
      "Connection: Upgrade" },
  };

  http_test_server_start (server);
  id = http_test_execute (server, "pre_stop");
  json_object_unref (http_test_wait_finished (server, id, "SUCCESS"));
  for (guint i = 0; i < G_N_ELEMENTS (handshakes); i++)
    {
      g_autofree char *request = g_strdup_printf ("GET /api/v1/upgrade/events/%s HTTP/1.1\r\n"
                                                  "Host: 127.0.0.1\r\n" TOKEN_HEADER "%s\r\n",
                                                  id, handshakes[i][0]);
      g_autoptr(GString) received = exchange (server, request, strlen (request));
      g_autoptr(JsonObject) error = NULL;
      gsize offset = 0;
      guint status = 0;

      error = take_response (received, &offset, &status);
      g_assert_cmpuint (status, ==, 400);
      http_test_assert_error (error, "bad-request", handshakes[i][1]);
    }
}

#define IDLE_CLIENTS 250
#define SERVER_NOFILE 160

/* The server's RLIMIT_NOFILE, as the kernel enforces it. */
static guint64
server_nofile (HttpTestServer *server)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/limits", http_test_server_pid (server));
  g_autofree char *limits = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &limits, NULL, NULL));
  line = strstr (limits, "Max open files");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("Max open files"), NULL, 10);
}

/* Starts @server with RLIMIT_NOFILE at SERVER_NOFILE (the clients here
 * keep theirs). FALSE, the test skipped, if this process has too few for
 * its clients or the server runs with another limit. */
static gboolean
start_with_nofile (HttpTestServer *server)
{
  struct rlimit saved, lowered;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  if (saved.rlim_cur < IDLE_CLIENTS + 64)
    {
      g_test_skip ("too few descriptors for the clients");
      return FALSE;
    }
  lowered = saved;
  lowered.rlim_cur = SERVER_NOFILE;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &lowered), ==, 0);
  http_test_server_start (server);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  if (server_nofile (server) != SERVER_NOFILE)
    {
      g_test_skip ("the server runs with another descriptor limit (valgrind raises it)");
      return FALSE;
    }
  return TRUE;
}

/* More idle connections than the service has descriptors for (it runs
 * with RLIMIT_NOFILE at SERVER_NOFILE): a new request is still answered
 * at once (it used to wait in the listen queue until the idle ones timed
 * out), the oldest idle connection is closed for it, and the service
 * leaves 64 descriptors to its executions. */
static void
test_idle_connections_make_room (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autoptr(GString) received = NULL;
  g_autoptr(JsonObject) health = NULL;
  int idle[IDLE_CLIENTS];
  gsize offset = 0;
  guint status = 0;
  guint before;
  char byte;

  if (!start_with_nofile (server))
    return;
  g_assert_cmpuint (http_test_request (server, "GET", "/api/v1/health", NULL, NULL, NULL, NULL), ==, 200);
  before = server_fds (server, G_MAXUINT);

  for (guint i = 0; i < IDLE_CLIENTS; i++)
    idle[i] = open_client (server);
  received = exchange (server, HEAD ("GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  health = take_response (received, &offset, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (health, "status"), ==, "ok");
  g_assert_cmpuint (server_fds (server, G_MAXUINT), <=, before + SERVER_NOFILE - 64);
  /* The oldest was closed by the server, not left to time out. */
  g_assert_cmpint (recv (idle[0], &byte, 1, 0), ==, 0);
  for (guint i = 0; i < IDLE_CLIENTS; i++)
    close (idle[i]);
}

/* As many connections as the service takes, every one busy (libsoup
 * reads its body: it said 100 Continue): none is cut for a new one, which
 * waits in the listen queue and is answered once service.idle_timeout
 * ended the stalled ones. */
static void
test_busy_connections_kept (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new_with_service ("\"idle_timeout\": 2");
  g_autoptr(GString) received = NULL;
  g_autoptr(JsonObject) health = NULL;
  int busy[SERVER_NOFILE - 64];
  gsize offset = 0;
  guint status = 0;

  if (!start_with_nofile (server))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (busy); i++)
    {
      static const char head[] = POST_ASSESS "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n";
      char answer[64] = "";

      busy[i] = open_client (server);
      g_assert_cmpint (send (busy[i], head, strlen (head), MSG_NOSIGNAL), ==, (gssize) strlen (head));
      g_assert_cmpint (recv (busy[i], answer, sizeof answer - 1, 0), >, 0);
      g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 100 Continue"));
    }
  received = exchange (server, HEAD ("GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  health = take_response (received, &offset, &status);
  g_assert_cmpuint (status, ==, 200);
  for (guint i = 0; i < G_N_ELEMENTS (busy); i++)
    close (busy[i]);
}

/* Monitors and load balancers probe with HEAD: a GET route answers it as
 * its GET, headers only (RFC 9110 §9.3.2), whether the route is public
 * or not; the Allow of a 405 names HEAD with GET. */
static void
test_head_answered_as_get (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  const struct {
    const char *request;
    const char *status_line;
  } probes[] = {
    { "HEAD /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", "HTTP/1.1 200 " },
    { "HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n" TOKEN_HEADER "Connection: close\r\n\r\n",
      "HTTP/1.1 200 " },
    { "HEAD /api/v1/upgrade/status/no-such-id HTTP/1.1\r\nHost: 127.0.0.1\r\n" TOKEN_HEADER
      "Connection: close\r\n\r\n", "HTTP/1.1 404 " },
  };
  const char *post = "POST /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                     "Connection: close\r\n\r\n";
  g_autoptr(GString) refused = NULL;

  http_test_server_start (server);
  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      g_autoptr(GString) received = exchange (server, probes[i].request, strlen (probes[i].request));
      const char *end = strstr (received->str, "\r\n\r\n");

      if (!g_str_has_prefix (received->str, probes[i].status_line) || end == NULL)
        g_error ("%s: expected '%s…', got '%s'", probes[i].request, probes[i].status_line, received->str);
      /* The head only: a body would be read as the next response. */
      g_assert_cmpstr (end + 4, ==, "");
    }

  refused = exchange (server, post, strlen (post));
  g_assert_true (g_str_has_prefix (refused->str, "HTTP/1.1 405 "));
  g_assert_nonnull (strstr (refused->str, "\r\nAllow: GET, HEAD\r\n"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/http-abuse/malformed-heads-refused", test_malformed_heads_refused);
  g_test_add_func ("/http-abuse/json-nul-refused", test_json_nul_refused);
  g_test_add_func ("/http-abuse/error-body-utf8", test_error_body_utf8);
  g_test_add_func ("/http-abuse/websocket-handshake-refused", test_websocket_handshake_refused);
  g_test_add_func ("/http-abuse/idle-connections-make-room", test_idle_connections_make_room);
  g_test_add_func ("/http-abuse/busy-connections-kept", test_busy_connections_kept);
  g_test_add_func ("/http-abuse/head-answered-as-get", test_head_answered_as_get);
  return g_test_run ();
}
