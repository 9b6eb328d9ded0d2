/* test-http-limits.c - upgraded under abuse, over a real socket: closed
 * and idle connections free their sockets, refusals before the body,
 * 431, nesting depth, public metrics, systemd readiness
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * These talk raw HTTP/1.1 on plain sockets where the point is what a
 * client does with its connection (close it early, send a head of 1 MiB,
 * stream 300 MiB it never finishes); every socket has a receive timeout,
 * so a server that never answers fails the test instead of hanging it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "http-test-util.h"
#include "upg-test-servers.h"

#define CLIENT_TIMEOUT_SECONDS 10

static int
connect_server (HttpTestServer *server)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (http_test_server_port (server)) };
  struct timeval timeout = { CLIENT_TIMEOUT_SECONDS, 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout), ==, 0);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout), ==, 0);
  if (connect (fd, (struct sockaddr *) &address, sizeof address) != 0)
    g_error ("connect: %s", g_strerror (errno));
  return fd;
}

static void
send_text (int         fd,
           const char *text)
{
  gsize length = strlen (text);

  g_assert_cmpint (send (fd, text, length, MSG_NOSIGNAL), ==, (gssize) length);
}

/* One response: its head and a Content-Length body. Fails if the server
 * does not answer within the socket's timeout. */
static GString *
read_response (int fd)
{
  GString *response = g_string_new (NULL);
  const char *end;
  gsize head_length;
  gsize body_length = 0;
  char buffer[4096];

  while ((end = strstr (response->str, "\r\n\r\n")) == NULL)
    {
      gssize n = recv (fd, buffer, sizeof buffer, 0);

      if (n <= 0)
        g_error ("no complete response (%s) after '%s'", n == 0 ? "end of stream" : g_strerror (errno),
                 response->str);
      g_string_append_len (response, buffer, n);
    }
  {
    const char *field = g_strstr_len (response->str, end - response->str, "Content-Length: ");

    g_assert_nonnull (field);
    body_length = g_ascii_strtoull (field + strlen ("Content-Length: "), NULL, 10);
  }
  /* An offset: appending moves the text. */
  head_length = (end - response->str) + 4;
  while (response->len < head_length + body_length)
    {
      gssize n = recv (fd, buffer, sizeof buffer, 0);

      if (n <= 0)
        g_error ("response body cut short: '%s'", response->str);
      g_string_append_len (response, buffer, n);
    }
  return response;
}

static guint
response_status (GString *response)
{
  g_assert_true (g_str_has_prefix (response->str, "HTTP/1.1 "));
  return (guint) g_ascii_strtoull (response->str + strlen ("HTTP/1.1 "), NULL, 10);
}

/* Whether the server closed the connection (end of stream) rather than
 * let the receive timeout pass. Whatever it sent first is skipped. */
static gboolean
closed_by_server (int fd)
{
  char buffer[4096];

  for (;;)
    {
      gssize n = recv (fd, buffer, sizeof buffer, 0);

      if (n == 0 || (n < 0 && errno == ECONNRESET))
        return TRUE;
      if (n < 0)
        return FALSE;
    }
}

static guint
open_fds (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", pid);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint count = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    count++;
  return count;
}

/* A field of /proc/PID/status in kB (VmRSS, VmHWM). */
static guint64
status_kb (int         pid,
           const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  line = strstr (text, field);
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen (field), NULL, 10);
}

/* Waits until the server holds at most @most descriptors: closing is
 * asynchronous on its side, so the count is polled, with a bound. */
static guint
settled_fds (int   pid,
             guint most)
{
  guint count = open_fds (pid);

  for (guint i = 0; i < 200 && count > most; i++)
    {
      g_usleep (50 * 1000);
      count = open_fds (pid);
    }
  return count;
}

/* ---- sockets ------------------------------------------------------------ */

static void
test_closed_connections_free_sockets (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  guint before;
  int pid;

  http_test_server_start (server);
  pid = http_test_server_pid (server);
  g_assert_cmpuint (http_test_request (server, "GET", "/api/v1/health", NULL, NULL, NULL, NULL), ==, 200);
  before = open_fds (pid);

  for (guint i = 0; i < 3000; i++)
    {
      int fd = connect_server (server);

      if (i % 100 == 0)
        {
          /* Closed before any request. */
          close (fd);
          continue;
        }
      /* Like python's http.client: HTTP/1.1 (keep-alive), read the
       * answer, close. */
      send_text (fd, i % 2 == 0 ? "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                                : "GET /api/v1/upgrade/plan?from=1.0.0&to=1.1.0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      {
        g_autoptr(GString) response = read_response (fd);

        g_assert_cmpuint (response_status (response), ==, i % 2 == 0 ? 200 : 401);
      }
      close (fd);
    }
  g_assert_cmpuint (settled_fds (pid, before + 2), <=, before + 2);
}

static void
string_free (gpointer string)
{
  g_string_free (string, TRUE);
}

/* @count responses sent back to back (to pipelined requests): each head
 * and its Content-Length body. */
static GPtrArray *
read_responses (int   fd,
                guint count)
{
  GPtrArray *responses = g_ptr_array_new_with_free_func (string_free);
  g_autoptr(GString) buffer = g_string_new (NULL);
  char chunk[4096];

  while (responses->len < count)
    {
      const char *end = strstr (buffer->str, "\r\n\r\n");
      const char *field = end != NULL ? g_strstr_len (buffer->str, end - buffer->str, "Content-Length: ") : NULL;
      gsize length = end != NULL ? (gsize) (end - buffer->str) + 4 : 0;

      g_assert_true (end == NULL || field != NULL);
      if (field != NULL)
        length += g_ascii_strtoull (field + strlen ("Content-Length: "), NULL, 10);
      if (end != NULL && buffer->len >= length)
        {
          g_ptr_array_add (responses, g_string_new_len (buffer->str, length));
          g_string_erase (buffer, 0, length);
          continue;
        }
      {
        gssize n = recv (fd, chunk, sizeof chunk, 0);

        if (n <= 0)
          g_error ("%u of %u responses, then %s after '%s'", responses->len, count,
                   n == 0 ? "end of stream" : g_strerror (errno), buffer->str);
        g_string_append_len (buffer, chunk, n);
      }
    }
  g_assert_cmpuint (buffer->len, ==, 0);
  return responses;
}

#define STATUS_REQUEST "GET /api/v1/upgrade/status/some-id HTTP/1.1\r\nHost: 127.0.0.1\r\n"

/* A request answered without libsoup (here the status without a token:
 * 401) keeps its connection for the next ones, pipelined ones too; the
 * connection ends when the client says so, closes it or leaves it idle,
 * and its socket is freed then. */
static void
test_keep_alive_connections_freed (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new_with_service ("\"idle_timeout\": 1");
  g_autoptr(GPtrArray) pipelined = NULL;
  guint before;
  int kept, closing, pid;

  http_test_server_start (server);
  pid = http_test_server_pid (server);
  before = open_fds (pid);

  kept = connect_server (server);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GString) response = NULL;

      send_text (kept, STATUS_REQUEST "\r\n");
      response = read_response (kept);
      g_assert_cmpuint (response_status (response), ==, 401);
      g_assert_null (strstr (response->str, "Connection: close"));
    }
  send_text (kept, STATUS_REQUEST "\r\n" STATUS_REQUEST "Authorization: Bearer wrong\r\n\r\n");
  pipelined = read_responses (kept, 2);
  for (guint i = 0; i < pipelined->len; i++)
    g_assert_cmpuint (response_status (g_ptr_array_index (pipelined, i)), ==, 401);

  closing = connect_server (server);
  send_text (closing, STATUS_REQUEST "Connection: close\r\n\r\n");
  {
    g_autoptr(GString) response = read_response (closing);

    g_assert_cmpuint (response_status (response), ==, 401);
    g_assert_nonnull (strstr (response->str, "Connection: close\r\n"));
  }
  g_assert_true (closed_by_server (closing));
  close (closing);

  /* Left idle (service.idle_timeout): closed by the server. */
  g_assert_true (closed_by_server (kept));
  close (kept);

  /* Closed by the client after a request, or idle between two. */
  for (guint i = 0; i < 500; i++)
    {
      int fd = connect_server (server);

      send_text (fd, STATUS_REQUEST "\r\n");
      g_string_free (read_response (fd), TRUE);
      if (i % 2 == 0)
        {
          send_text (fd, STATUS_REQUEST "\r\n");
          g_string_free (read_response (fd), TRUE);
        }
      close (fd);
    }
  g_assert_cmpuint (settled_fds (pid, before), <=, before);
}

/* A refusal for want of the token, on any route and with a query, keeps
 * its connection like any answer without a body to skip: a client that
 * forgot its token does not pay a new connection per request. */
static void
test_unauthorized_keeps_connection (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  static const char *const requests[] = {
    "GET /api/v1/upgrade/plan?from=1.0.0&to=1.1.0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "GET /api/v1/upgrade/plan?from=1.0.0&to=1.1.0 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    "Authorization: Bearer wrong\r\n\r\n",
    "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "GET /api/v1/upgrade/report HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
  };
  int fd;

  http_test_server_start (server);
  fd = connect_server (server);
  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_autoptr(GString) response = NULL;

      send_text (fd, requests[i]);
      response = read_response (fd);
      g_assert_cmpuint (response_status (response), ==, 401);
      g_assert_null (strstr (response->str, "Connection: close"));
      g_assert_nonnull (strstr (response->str, "WWW-Authenticate: Bearer realm=\"upgraded\"\r\n"));
      g_assert_nonnull (strstr (response->str, "\"code\":\"unauthorized\""));
    }
  /* Still open: the next request, with the token, is answered on it. */
  send_text (fd, "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  {
    g_autoptr(GString) response = read_response (fd);

    g_assert_cmpuint (response_status (response), ==, 200);
  }
  g_assert_true (closed_by_server (fd));
  close (fd);
}

/* A monitor polling the status of a mistyped id gets its 404 on the same
 * connection, every time, as the journal would say it (the soak's mixed
 * routes: libsoup closed the connection after each). A UUID not in the
 * journal is asked of the journal: the same answer. */
static void
test_unknown_status_keeps_connection (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *by_journal = g_strdup_printf ("GET /api/v1/upgrade/status/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                 "Authorization: Bearer " HTTP_TEST_TOKEN "\r\n"
                                                 "Connection: close\r\n\r\n", uuid);
  g_autofree char *expected = NULL;
  g_autoptr(GString) response = NULL;
  int fd;

  http_test_server_start (server);
  fd = connect_server (server);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GString) answer = NULL;

      send_text (fd, "GET /api/v1/upgrade/status/no-such-id HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Authorization: Bearer " HTTP_TEST_TOKEN "\r\n\r\n");
      answer = read_response (fd);
      g_assert_cmpuint (response_status (answer), ==, 404);
      g_assert_null (strstr (answer->str, "Connection: close"));
      g_assert_nonnull (strstr (answer->str, "\r\n\r\n{\"code\":\"not-found\","
                                             "\"message\":\"execution 'no-such-id' not found in the journal\"}\n"));
    }
  close (fd);

  fd = connect_server (server);
  send_text (fd, by_journal);
  response = read_response (fd);
  g_assert_cmpuint (response_status (response), ==, 404);
  expected = g_strdup_printf ("{\"code\":\"not-found\",\"message\":\"execution '%s' not found in the journal\"}",
                              uuid);
  g_assert_nonnull (strstr (response->str, expected));
  close (fd);
}

static void
test_idle_and_slow_connections_time_out (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new_with_service ("\"idle_timeout\": 1");
  int idle, slow_head, slow_body;
  guint before;
  int pid;

  http_test_server_start (server);
  pid = http_test_server_pid (server);
  before = open_fds (pid);
  idle = connect_server (server);
  slow_head = connect_server (server);
  send_text (slow_head, "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.");
  slow_body = connect_server (server);
  send_text (slow_body, "POST /api/v1/upgrade/assess HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Authorization: Bearer " HTTP_TEST_TOKEN "\r\n"
                        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"fromV");

  /* The stalled clients hold nobody up. */
  g_assert_cmpuint (http_test_request (server, "GET", "/api/v1/health", NULL, NULL, NULL, NULL), ==, 200);

  /* And the server closes all three (the client would wait for ever). */
  g_assert_true (closed_by_server (idle));
  g_assert_true (closed_by_server (slow_head));
  g_assert_true (closed_by_server (slow_body));
  close (idle);
  close (slow_head);
  close (slow_body);
  g_assert_cmpuint (settled_fds (pid, before), <=, before);
}

/* ---- before the body ---------------------------------------------------- */

/* Sends a head announcing @body_length bytes, then streams the body until
 * the server answers; returns the answer, *@sent what was sent of it. */
static GString *
stream_until_answer (HttpTestServer *server,
                     const char     *head,
                     gsize           body_length,
                     gsize          *sent)
{
  static char chunk[65536];
  int fd = connect_server (server);
  GString *response;

  memset (chunk, 'x', sizeof chunk);
  send_text (fd, head);
  *sent = 0;
  while (*sent < body_length)
    {
      struct pollfd poll_fd = { fd, POLLIN | POLLOUT, 0 };

      g_assert_cmpint (poll (&poll_fd, 1, CLIENT_TIMEOUT_SECONDS * 1000), ==, 1);
      if (poll_fd.revents & (POLLIN | POLLHUP | POLLERR))
        break;
      {
        gssize n = send (fd, chunk, MIN (sizeof chunk, body_length - *sent), MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0 && errno != EAGAIN)
          break;
        if (n > 0)
          *sent += n;
      }
    }
  response = read_response (fd);
  close (fd);
  return response;
}

static void
test_large_body_refused_unread (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  const gsize body = 300 * 1024 * 1024;
  const struct {
    const char *token;
    guint       status;
    const char *code;
  } cases[] = {
    { NULL, 401, "\"code\":\"unauthorized\"" },
    { HTTP_TEST_TOKEN, 413, "\"code\":\"payload-too-large\"" },
  };
  int pid;

  http_test_server_start (server);
  pid = http_test_server_pid (server);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *head = g_strdup_printf ("POST /api/v1/upgrade/execute HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                               "%s%s%sContent-Type: application/json\r\n"
                                               "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
                                               cases[i].token != NULL ? "Authorization: Bearer " : "",
                                               cases[i].token != NULL ? cases[i].token : "",
                                               cases[i].token != NULL ? "\r\n" : "", body);
      gsize sent = 0;
      g_autoptr(GString) response = stream_until_answer (server, head, body, &sent);

      g_assert_cmpuint (response_status (response), ==, cases[i].status);
      g_assert_nonnull (strstr (response->str, cases[i].code));
      /* Answered from the head: the client had sent a small part. */
      g_assert_cmpuint (sent, <, 64 * 1024 * 1024);
    }
  /* The peak resident size, not just the current one: nothing of the
   * bodies was kept. */
  g_assert_cmpuint (status_kb (pid, "VmHWM:"), <, 100 * 1024);
  g_assert_cmpuint (http_test_request (server, "GET", "/api/v1/health", NULL, NULL, NULL, NULL), ==, 200);
}

/* service.max_body lowers the limit; a body under it is read as usual. */
static void
test_max_body_configured (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new_with_service ("\"max_body\": 1024");
  g_autoptr(GString) body = g_string_new ("{\"fromVersion\": \"1.0.0\", \"toVersion\": \"1.1.0\", \"pad\": \"");
  g_autoptr(JsonObject) error = NULL;
  g_autoptr(JsonObject) assessment = NULL;

  http_test_server_start (server);
  assessment = http_test_request_json (server, "POST", "/api/v1/upgrade/assess", "{\"fromVersion\": \"1.0.0\", "
                                       "\"toVersion\": \"1.1.0\"}", 200);
  for (guint i = 0; i < 1100; i++)
    g_string_append_c (body, 'x');
  g_string_append (body, "\"}");
  error = http_test_request_json (server, "POST", "/api/v1/upgrade/assess", body->str, 413);
  http_test_assert_error (error, "payload-too-large", "larger than 1 KiB (service.max_body)");
}

static void
test_huge_header_431 (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autoptr(GString) head = g_string_new ("GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ");
  g_autoptr(GString) response = NULL;
  gsize sent = 0;

  http_test_server_start (server);
  /* The head itself is streamed as the "body" of stream_until_answer(). */
  response = stream_until_answer (server, head->str, 1024 * 1024, &sent);
  g_assert_cmpuint (response_status (response), ==, 431);
  g_assert_nonnull (strstr (response->str, "\"code\":\"headers-too-large\""));
  g_assert_nonnull (strstr (response->str, "64 KiB"));
  g_assert_cmpuint (http_test_request (server, "GET", "/api/v1/health", NULL, NULL, NULL, NULL), ==, 200);
}

/* ---- nesting ------------------------------------------------------------ */

static void
test_nested_json_400 (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GString) env = g_string_new ("{\"fromVersion\": \"1.0.0\", \"toVersion\": \"1.1.0\", \"envInfo\": \"");
  g_autoptr(JsonObject) error = NULL;

  for (guint i = 0; i < 200000; i++)
    g_string_append_c (deep, '[');
  /* A field holding JSON text (the agent's envInfo) is bounded too. */
  for (guint i = 0; i < 100000; i++)
    g_string_append (env, "{\\\"a\\\":");
  g_string_append (env, "\"}");

  http_test_server_start (server);
  error = http_test_request_json (server, "POST", "/api/v1/upgrade/assess", deep->str, 400);
  http_test_assert_error (error, "invalid-argument", "body: JSON nested deeper than the limit of 64 levels");
  g_clear_pointer (&error, json_object_unref);
  error = http_test_request_json (server, "POST", "/api/v1/upgrade/assess", env->str, 400);
  http_test_assert_error (error, "invalid-argument", "envInfo: JSON nested deeper than the limit of 64 levels");
  g_clear_pointer (&error, json_object_unref);

  /* The limit itself passes, one more does not; brackets in strings do
   * not count. */
  for (guint depth = 64; depth <= 65; depth++)
    {
      g_autoptr(GString) body = g_string_new ("{\"fromVersion\": \"1.0.0\", \"toVersion\": \"1.1.0\", "
                                              "\"text\": \"[[[[{{{{\\\"[[[[\", \"pad\": ");
      g_autoptr(JsonObject) answer = NULL;

      for (guint i = 1; i < depth; i++)
        g_string_append_c (body, '[');
      for (guint i = 1; i < depth; i++)
        g_string_append_c (body, ']');
      g_string_append_c (body, '}');
      answer = http_test_request_json (server, "POST", "/api/v1/upgrade/assess", body->str, depth == 64 ? 200 : 400);
      if (depth == 65)
        http_test_assert_error (answer, "invalid-argument", "limit of 64 levels");
    }
  g_assert_cmpuint (http_test_request (server, "GET", "/api/v1/health", NULL, NULL, NULL, NULL), ==, 200);
}

static void
test_validate_nested_manifest (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();   /* for its bundle copy */
  g_autofree char *manifest = g_build_filename (server->bundle, "manifests", "1.1.0.json", NULL);
  g_autofree char *upgradectl = g_build_filename (g_getenv ("UPGRADE_BUILD_ROOT"), "bindings", "cli",
                                                  "upgradectl", NULL);
  g_autoptr(GString) deep = g_string_new ("{\"version\": ");
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, ']');
  g_string_append (deep, "}\n");
  g_assert_true (g_file_set_contents (manifest, deep->str, -1, NULL));

  /* validate reports the bundle's problems on stdout. */
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, &error,
                              upgradectl, "validate", "-b", server->bundle, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  /* Exit 2 (invalid input), not a crash. */
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
  g_assert_nonnull (strstr (out, manifest));
  g_assert_nonnull (strstr (out, "nested deeper than the limit of 64 levels"));
}

/* ---- metrics ------------------------------------------------------------ */

static void
test_metrics_token (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autoptr(HttpTestServer) open_server = http_test_server_new_with_service ("\"metrics_public\": true");
  g_autofree char *text = NULL;

  http_test_server_start (server);
  g_assert_cmpuint (http_test_request (server, "GET", "/metrics", NULL, NULL, NULL, NULL), ==, 401);
  g_assert_cmpuint (http_test_request (server, "GET", "/metrics", HTTP_TEST_TOKEN, NULL, &text, NULL), ==, 200);
  g_assert_nonnull (strstr (text, "\nupgrade_build_info{version=\"" PACKAGE_VERSION "\"} 1\n"));
  g_clear_pointer (&text, g_free);

  http_test_server_start (open_server);
  g_assert_cmpuint (http_test_request (open_server, "GET", "/metrics", NULL, NULL, &text, NULL), ==, 200);
  g_assert_nonnull (strstr (text, "upgrade_build_info{"));
  /* Only /metrics: the rest still needs the token. */
  g_assert_cmpuint (http_test_request (open_server, "GET", "/api/v1/upgrade/plan?from=1.0.0&to=1.1.0",
                                       NULL, NULL, NULL, NULL), ==, 401);
}

/* ---- the journal ------------------------------------------------------- */

/* Whether @fd has something to read (or its end) right now. */
static gboolean
readable_now (int fd)
{
  struct pollfd poll_fd = { fd, POLLIN, 0 };

  return poll (&poll_fd, 1, 0) == 1;
}

/* Until the kernel reports @pid stopped (a signal is delivered
 * asynchronously). */
static void
wait_stopped (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);

  for (;;)
    {
      g_autofree char *stat = NULL;
      const char *state;

      g_assert_true (g_file_get_contents (path, &stat, NULL, NULL));
      state = strrchr (stat, ')');
      g_assert_nonnull (state);
      if (state[2] == 'T')
        return;
      g_usleep (1000);
    }
}

/* A journal that does not answer (here: its MariaDB server stopped; in
 * life: a running execution holding the journal's lock while it records a
 * statement) holds up only the requests that read it: the others are
 * answered meanwhile, and the waiting ones once it answers again. */
static void
test_journal_stalled_blocks_nobody_else (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgTestServer) mariadb = upg_test_server_start (UPG_TEST_SERVER_MARIADB, &error);
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autofree char *source = NULL;
  g_autofree char *config = NULL;
  g_autofree char *pid_file = NULL;
  g_autofree char *pid_text = NULL;
  g_autofree char *status_head = NULL;
  /* A UUID, as every execution id is: the journal is asked. */
  g_autofree char *unknown_id = g_uuid_string_random ();
  g_autoptr(GString) other = NULL;
  g_autoptr(GString) metrics = NULL;
  g_autoptr(GString) status = NULL;
  int metrics_fd, status_fd, other_fd;
  GPid db_pid;

  g_assert_no_error (error);
  source = upg_test_server_datasource_json (mariadb, UPG_TEST_PASSWORD_FILE, FALSE);
  config = g_strdup_printf ("{\"site_id\": \"site-a\",\n"
                            " \"datasources\": {\"app_db\": {\"provider\": \"SQLite\", \"path\": \"app.db\"}},\n"
                            " \"journal\": %s,\n"
                            " \"service\": {\"listen\": \"127.0.0.1:0\", \"token_file\": \"token\"}}\n", source);
  g_assert_true (g_file_set_contents_full (server->config, config, -1, G_FILE_SET_CONTENTS_NONE, 0600, NULL));
  http_test_server_start (server);
  g_assert_cmpuint (http_test_request (server, "GET", "/metrics", HTTP_TEST_TOKEN, NULL, NULL, NULL), ==, 200);

  pid_file = g_build_filename (upg_test_server_get_dir (mariadb), "mariadbd.pid", NULL);
  g_assert_true (g_file_get_contents (pid_file, &pid_text, NULL, NULL));
  db_pid = (GPid) g_ascii_strtoll (pid_text, NULL, 10);
  g_assert_cmpint (db_pid, >, 0);
  g_assert_cmpint (kill (db_pid, SIGSTOP), ==, 0);
  wait_stopped (db_pid);

  /* Two requests that read the journal: metrics and the status of an
   * execution that does not run here. */
  metrics_fd = connect_server (server);
  send_text (metrics_fd, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Authorization: Bearer " HTTP_TEST_TOKEN "\r\n\r\n");
  status_fd = connect_server (server);
  status_head = g_strdup_printf ("GET /api/v1/upgrade/status/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                 "Authorization: Bearer %s\r\n\r\n", unknown_id, HTTP_TEST_TOKEN);
  send_text (status_fd, status_head);

  /* One that does not is answered while they wait. */
  other_fd = connect_server (server);
  send_text (other_fd, "GET /api/v1/upgrade/nothing-here HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  other = read_response (other_fd);
  g_assert_cmpuint (response_status (other), ==, 404);
  g_assert_false (readable_now (metrics_fd));
  g_assert_false (readable_now (status_fd));

  g_assert_cmpint (kill (db_pid, SIGCONT), ==, 0);
  metrics = read_response (metrics_fd);
  g_assert_cmpuint (response_status (metrics), ==, 200);
  g_assert_nonnull (strstr (metrics->str, "upgraded_executions{status=\"SUCCESS\"} 0\n"));
  status = read_response (status_fd);
  g_assert_cmpuint (response_status (status), ==, 404);
  g_assert_nonnull (strstr (status->str, unknown_id));
  close (metrics_fd);
  close (status_fd);
  close (other_fd);
}

/* ---- systemd ------------------------------------------------------------ */

static char *
receive_datagram (int fd)
{
  char buffer[1024];
  gssize n = recv (fd, buffer, sizeof buffer - 1, 0);

  if (n < 0)
    g_error ("no notification: %s", g_strerror (errno));
  return g_strndup (buffer, n);
}

static void
check_notify (gboolean abstract)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autofree char *name = abstract ? g_strdup_printf ("@upgraded-test-%d-%u", getpid (), g_random_int ())
                                   : http_test_server_path (server, "notify.sock");
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  struct timeval timeout = { CLIENT_TIMEOUT_SECONDS, 0 };
  g_autofree char *ready = NULL;
  g_autofree char *stopping = NULL;
  socklen_t length = offsetof (struct sockaddr_un, sun_path) + strlen (name) + (abstract ? 0 : 1);
  int fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpuint (strlen (name), <, sizeof address.sun_path);
  memcpy (address.sun_path, name, strlen (name));
  if (abstract)
    address.sun_path[0] = '\0';
  g_assert_cmpint (bind (fd, (struct sockaddr *) &address, length), ==, 0);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout), ==, 0);

  http_test_server_setenv (server, "NOTIFY_SOCKET", name);
  http_test_server_start (server);
  ready = receive_datagram (fd);
  g_assert_nonnull (strstr (ready, "READY=1"));
  /* Ready means listening: it answers. */
  g_assert_cmpuint (http_test_request (server, "GET", "/api/v1/health", NULL, NULL, NULL, NULL), ==, 200);
  g_assert_cmpint (http_test_server_terminate (server), ==, 0);
  stopping = receive_datagram (fd);
  g_assert_nonnull (strstr (stopping, "STOPPING=1"));
  close (fd);
}

static void
test_sd_notify_abstract (void)
{
  check_notify (TRUE);
}

static void
test_sd_notify_path (void)
{
  check_notify (FALSE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/http-limits/closed-connections-free-sockets", test_closed_connections_free_sockets);
  g_test_add_func ("/http-limits/keep-alive-connections-freed", test_keep_alive_connections_freed);
  g_test_add_func ("/http-limits/unauthorized-keeps-connection", test_unauthorized_keeps_connection);
  g_test_add_func ("/http-limits/unknown-status-keeps-connection", test_unknown_status_keeps_connection);
  g_test_add_func ("/http-limits/idle-and-slow-connections-time-out", test_idle_and_slow_connections_time_out);
  g_test_add_func ("/http-limits/large-body-refused-unread", test_large_body_refused_unread);
  g_test_add_func ("/http-limits/max-body-configured", test_max_body_configured);
  g_test_add_func ("/http-limits/huge-header-431", test_huge_header_431);
  g_test_add_func ("/http-limits/nested-json-400", test_nested_json_400);
  g_test_add_func ("/http-limits/validate-nested-manifest", test_validate_nested_manifest);
  g_test_add_func ("/http-limits/metrics-token", test_metrics_token);
  g_test_add_func ("/http-limits/journal-stalled-blocks-nobody-else", test_journal_stalled_blocks_nobody_else);
  g_test_add_func ("/http-limits/sd-notify-abstract", test_sd_notify_abstract);
  g_test_add_func ("/http-limits/sd-notify-path", test_sd_notify_path);
  return g_test_run ();
}
