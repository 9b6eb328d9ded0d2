/* http-test-util.c - a real upgraded on 127.0.0.1 and a real libsoup client
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each server runs in its own temporary directory holding a copy of
 * tests/fixtures/http/bundle (with the two fifos of its gate steps), a
 * SQLite data source and journal, and the token file. upgraded listens on
 * port 0 and prints the port it got; the helper reads that line, so no
 * test waits for a fixed time. Gate steps block on fifos the test opens:
 * opening a fifo blocks until the other side opens it, which is the
 * synchronisation.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "exec-test-util.h"
#include "http-test-util.h"

static void
run_command (const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  va_list args;

  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (process, NULL, &error));
  g_assert_no_error (error);
}

char *
http_test_server_path (HttpTestServer *server,
                       const char     *name)
{
  return g_build_filename (server->dir, name, NULL);
}

static void
write_file (const char *path,
            const char *contents,
            int         mode)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

/**
 * http_test_server_new:
 *
 * Prepares a server's directory (not started).
 */
HttpTestServer *
http_test_server_new (void)
{
  return http_test_server_new_with_service (NULL);
}

/**
 * http_test_server_new_with_service:
 * @service_members: (nullable): more members of the configuration's
 *   `service` object, e.g. `"metrics_public": true`
 *
 * Prepares a server's directory (not started).
 */
HttpTestServer *
http_test_server_new_with_service (const char *service_members)
{
  HttpTestServer *server = g_new0 (HttpTestServer, 1);
  g_autofree char *fixture = g_test_build_filename (G_TEST_DIST, "fixtures", "http", "bundle", NULL);
  g_autofree char *token = NULL;
  g_autofree char *started = NULL;
  g_autofree char *gate = NULL;
  g_autofree char *config = NULL;
  g_autoptr(GError) error = NULL;

  server->dir = g_dir_make_tmp ("upgraded-test-XXXXXX", &error);
  g_assert_no_error (error);
  server->bundle = http_test_server_path (server, "bundle");
  run_command ("cp", "-r", fixture, server->bundle, NULL);
  started = g_build_filename (server->bundle, "started.fifo", NULL);
  gate = g_build_filename (server->bundle, "gate.fifo", NULL);
  g_assert_cmpint (mkfifo (started, 0600), ==, 0);
  g_assert_cmpint (mkfifo (gate, 0600), ==, 0);

  token = http_test_server_path (server, "token");
  write_file (token, HTTP_TEST_TOKEN "\n", 0600);
  server->config = http_test_server_path (server, "upgrade.json");
  config = g_strdup_printf ("{\"site_id\": \"site-a\", \"sites\": [\"site-b\"],\n"
                            " \"datasources\": {\"app_db\": {\"provider\": \"SQLite\", \"path\": \"app.db\"}},\n"
                            " \"journal\": {\"provider\": \"SQLite\", \"path\": \"journal.db\"},\n"
                            " \"plugin_dirs\": [\"plugins\"],\n"
                            " \"service\": {\"listen\": \"127.0.0.1:0\", \"token_file\": \"token\"%s%s}}\n",
                            service_members != NULL ? ", " : "",
                            service_members != NULL ? service_members : "");
  write_file (server->config, config, 0600);
  /* The service listens on loopback: a system proxy (http_proxy in the
   * environment, libproxy's configuration) must not be asked. */
  server->session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  server->environment = g_ptr_array_new_with_free_func (g_free);
  return server;
}

/* A test that fails must not leave its server running (it would hold the
 * test harness's stderr open). */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/**
 * http_test_server_start:
 * @server: a prepared or stopped server
 *
 * Starts upgraded and reads its "listening on URL" line.
 */
void
http_test_server_start (HttpTestServer *server)
{
  const char *upgraded = g_getenv ("UPGRADED");
  g_autofree char *state = http_test_server_path (server, "state");
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  g_assert_nonnull (upgraded);
  g_assert_null (server->process);
  g_auto(GStrv) wrap = g_strsplit (g_getenv ("HTTP_TEST_SERVER_WRAP") != NULL
                                   ? g_getenv ("HTTP_TEST_SERVER_WRAP") : "", " ", -1);
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;

  /* HTTP_TEST_SERVER_WRAP="valgrind --leak-check=full …" runs the server
   * under a tool too (meson's --wrap only wraps the test program). */
  for (guint i = 0; wrap[i] != NULL; i++)
    if (*wrap[i] != '\0')
      g_strv_builder_add (argv, wrap[i]);
  g_strv_builder_add_many (argv, upgraded, "-b", server->bundle, "-c", server->config,
                           "--state-dir", state, NULL);
  args = g_strv_builder_end (argv);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  for (guint i = 0; i < server->environment->len; i++)
    {
      const char *assignment = g_ptr_array_index (server->environment, i);
      g_autofree char *name = g_strndup (assignment, strcspn (assignment, "="));

      g_subprocess_launcher_setenv (launcher, name, assignment + strlen (name) + 1, TRUE);
    }
  server->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) args, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on http://127.0.0.1:"));
  g_free (server->url);
  server->url = g_strdup (line + strlen ("listening on "));
}

/* For the next start. */
void
http_test_server_setenv (HttpTestServer *server,
                         const char     *name,
                         const char     *value)
{
  g_ptr_array_add (server->environment, g_strconcat (name, "=", value, NULL));
}

/* The running upgraded's process id (for /proc/PID). */
int
http_test_server_pid (HttpTestServer *server)
{
  g_assert_nonnull (server->process);
  return (int) g_ascii_strtoll (g_subprocess_get_identifier (server->process), NULL, 10);
}

guint16
http_test_server_port (HttpTestServer *server)
{
  return (guint16) g_ascii_strtoull (strrchr (server->url, ':') + 1, NULL, 10);
}

/* SIGKILL: nothing of the service's shutdown runs. */
void
http_test_server_kill (HttpTestServer *server)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_force_exit (server->process);
  g_assert_true (g_subprocess_wait (server->process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (server->process));
  g_clear_object (&server->process);
}

/* SIGTERM, then the exit status. */
int
http_test_server_terminate (HttpTestServer *server)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_subprocess_send_signal (server->process, SIGTERM);
  g_assert_true (g_subprocess_wait (server->process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (server->process));
  status = g_subprocess_get_exit_status (server->process);
  g_clear_object (&server->process);
  return status;
}

void
http_test_server_free (HttpTestServer *server)
{
  if (server->process != NULL)
    g_assert_cmpint (http_test_server_terminate (server), ==, 0);
  run_command ("rm", "-rf", server->dir, NULL);
  g_object_unref (server->session);
  g_ptr_array_unref (server->environment);
  g_free (server->dir);
  g_free (server->bundle);
  g_free (server->config);
  g_free (server->url);
  g_free (server);
}

/**
 * http_test_request:
 * @token: (nullable): the bearer token, %NULL for none
 * @body: (nullable): a JSON body
 *
 * One request; returns the status code.
 */
guint
http_test_request (HttpTestServer *server,
                   const char     *method,
                   const char     *path,
                   const char     *token,
                   const char     *body,
                   char          **response,
                   char          **content_type)
{
  g_autofree char *uri = g_strconcat (server->url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (msg);
  if (token != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", request);
    }
  bytes = soup_session_send_and_read (server->session, msg, NULL, &error);
  g_assert_no_error (error);
  if (response != NULL)
    *response = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (content_type != NULL)
    *content_type = g_strdup (soup_message_headers_get_content_type (soup_message_get_response_headers (msg),
                                                                     NULL));
  return soup_message_get_status (msg);
}

/* With the right token; asserts the status and a JSON object body. */
JsonObject *
http_test_request_json (HttpTestServer *server,
                        const char     *method,
                        const char     *path,
                        const char     *body,
                        guint           expected_status)
{
  g_autofree char *response = NULL;
  g_autofree char *content_type = NULL;
  guint status = http_test_request (server, method, path, HTTP_TEST_TOKEN, body, &response, &content_type);

  if (status != expected_status)
    g_error ("%s %s: expected %u, got %u: %s", method, path, expected_status, status, response);
  g_assert_cmpstr (content_type, ==, "application/json");
  return exec_parse_json_object (response);
}

/* Starts a stage for site-a from 1.0.0 to 1.1.0, with CI/CD field names. */
char *
http_test_execute (HttpTestServer *server,
                   const char     *stage)
{
  g_autofree char *body = g_strdup_printf ("{\"upgradeBeforeVersion\": \"1.0.0\", \"tagVersion\": \"V1.1.0\", "
                                           "\"stepType\": \"%s\", \"envInfo\": {\"cluster\": \"c1\"}}", stage);
  g_autoptr(JsonObject) answer = http_test_request_json (server, "POST", "/api/v1/upgrade/execute", body, 202);
  const char *id = json_object_get_string_member_with_default (answer, "executionId", NULL);

  g_assert_nonnull (id);
  g_assert_cmpuint (strlen (id), ==, 36);
  return g_strdup (id);
}

void
http_test_assert_error (JsonObject *object,
                        const char *code,
                        const char *message_part)
{
  const char *message = json_object_get_string_member_with_default (object, "message", "");

  g_assert_cmpstr (json_object_get_string_member_with_default (object, "code", NULL), ==, code);
  if (strstr (message, message_part) == NULL)
    g_error ("error message '%s' does not contain '%s'", message, message_part);
}

static void
fifo_drain (const char *path,
            int         flags)
{
  /* Blocks until the gate step opened its end: the synchronisation. */
  int fd = open (path, flags);
  char buffer[64];

  g_assert_cmpint (fd, >=, 0);
  if (flags == O_RDONLY)
    while (read (fd, buffer, sizeof buffer) > 0)
      ;
  close (fd);
}

/* Returns once a gate step has started (it wrote to started.fifo). */
void
http_test_gate_wait_started (HttpTestServer *server)
{
  g_autofree char *path = g_build_filename (server->bundle, "started.fifo", NULL);

  fifo_drain (path, O_RDONLY);
}

/* Lets the gate step that waits on gate.fifo finish (EOF, exit 0). */
void
http_test_gate_open (HttpTestServer *server)
{
  g_autofree char *path = g_build_filename (server->bundle, "gate.fifo", NULL);

  fifo_drain (path, O_WRONLY);
}

/* ---- events ----------------------------------------------------------- */

static void
on_message (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *message,
            HttpTestEvents          *events)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (message, NULL), g_bytes_get_size (message));

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_queue_push_tail (&events->messages, exec_parse_json_object (text));
}

static void
on_closed (SoupWebsocketConnection *connection,
           HttpTestEvents          *events)
{
  events->closed = TRUE;
}

static void
connected (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  HttpTestEvents *events = user_data;
  g_autoptr(GError) error = NULL;

  events->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
}

HttpTestEvents *
http_test_events_connect (HttpTestServer *server,
                          const char     *execution_id)
{
  HttpTestEvents *events = g_new0 (HttpTestEvents, 1);
  g_autofree char *uri = g_strdup_printf ("%s/api/v1/upgrade/events/%s", server->url, execution_id);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                "Bearer " HTTP_TEST_TOKEN);
  g_queue_init (&events->messages);
  soup_session_websocket_connect_async (server->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        connected, events);
  while (events->connection == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_signal_connect (events->connection, "message", G_CALLBACK (on_message), events);
  g_signal_connect (events->connection, "closed", G_CALLBACK (on_closed), events);
  return events;
}

/* The next event, NULL once the server closed the socket. */
JsonObject *
http_test_events_next (HttpTestEvents *events)
{
  JsonObject *event;

  while (g_queue_is_empty (&events->messages) && !events->closed)
    g_main_context_iteration (NULL, TRUE);
  event = g_queue_pop_head (&events->messages);
  /* SPEC §10: the same snake_case member names as every other answer. */
  if (event != NULL)
    {
      JsonObjectIter iter;
      const char *member;

      json_object_iter_init (&iter, event);
      while (json_object_iter_next (&iter, &member, NULL))
        for (const char *p = member; *p != '\0'; p++)
          if (g_ascii_isupper (*p))
            g_error ("event member '%s' is not snake_case", member);
    }
  return event;
}

/* Events up to the first named @name (returned); the others' names (as
 * "name:step_id" for step events) are added to @seen (nullable). Fails if
 * the socket closes first. */
JsonObject *
http_test_events_until (HttpTestEvents *events,
                        const char     *name,
                        GPtrArray      *seen)
{
  for (;;)
    {
      JsonObject *event = http_test_events_next (events);
      const char *event_name;

      if (event == NULL)
        g_error ("the event socket closed before a '%s' event", name);
      event_name = json_object_get_string_member (event, "event");
      if (g_strcmp0 (event_name, name) == 0)
        return event;
      if (seen != NULL && json_object_has_member (event, "step_id"))
        g_ptr_array_add (seen, g_strdup_printf ("%s:%s", event_name,
                                                json_object_get_string_member (event, "step_id")));
      else if (seen != NULL)
        g_ptr_array_add (seen, g_strdup (event_name));
      json_object_unref (event);
    }
}

/* The `finished` event of execution @execution_id (returned), which
 * must end with @expected_status: waits on the event, not on time. */
JsonObject *
http_test_wait_finished (HttpTestServer *server,
                         const char     *execution_id,
                         const char     *expected_status)
{
  g_autoptr(HttpTestEvents) events = http_test_events_connect (server, execution_id);
  g_autoptr(JsonObject) finished = http_test_events_until (events, "finished", NULL);

  g_assert_cmpstr (json_object_get_string_member (finished, "status"), ==, expected_status);
  g_assert_cmpstr (json_object_get_string_member (finished, "execution_id"), ==, execution_id);
  return g_steal_pointer (&finished);
}

void
http_test_events_free (HttpTestEvents *events)
{
  g_queue_clear_full (&events->messages, (GDestroyNotify) json_object_unref);
  if (events->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (events->connection, events);
      if (soup_websocket_connection_get_state (events->connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (events->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (events->connection);
    }
  g_free (events);
}
