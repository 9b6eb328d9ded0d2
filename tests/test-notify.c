/* test-notify.c - `notify` webhooks (SPEC §7) received by a real libsoup
 * server on 127.0.0.1 whose answers are scripted by request count: the
 * succeeded, failed and confirmation_required events with their JSON, a
 * retry after HTTP 500, a webhook that is down (the stage still
 * succeeds, the failure journaled and reported), the events filter, and
 * the bearer token sent in the Authorization header and found nowhere in
 * the log, the report or upgradectl's output
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gio/gio.h>

#include "exec-test-util.h"
#include "scripted-http-server.h"
#include "upg-journal-notify-private.h"

#define FROM "3.17.0"
#define TO "3.17.5"
#define TOKEN "hook-secret-51c9"

/* A site whose post_start runs @command_json (an argv) in one step, and
 * whose configuration has the webhooks of @notify_json. */
static void
write_site (ExecFixture *fx,
            const char  *command_json,
            gboolean     compatible,
            const char  *notify_json)
{
  g_autofree char *steps = g_strdup_printf ("\"post_start\": [{\"id\": \"hook_step\", %s \"command\": %s}]",
                                            compatible ? "\"compatible_version\": \"3.17.0\"," : "",
                                            command_json);
  g_autofree char *extra = g_strdup_printf ("\"notify\": %s", notify_json);

  exec_fixture_init (fx);
  exec_fixture_write_config_extra (fx, "hook-site", "", extra);
  exec_fixture_write_manifest (fx, TO, steps, NULL);
}

static char *
hook_json (const char *url,
           const char *options)
{
  return g_strdup_printf ("{\"url\": \"%s\", \"token_env\": \"HOOK_TOKEN\"%s%s}", url,
                          options != NULL ? ", " : "", options != NULL ? options : "");
}

/* `[hook]` for @server's /hook with @options. */
static char *
one_hook (ScriptedServer *server,
          const char     *options)
{
  g_autofree char *url = scripted_server_url (server, "/hook");
  g_autofree char *hook = hook_json (url, options);

  return g_strdup_printf ("[%s]", hook);
}

static JsonObject *
received_event (ScriptedServer *server,
                guint           index)
{
  g_autofree char *body = scripted_server_body (server, index);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (body, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static JsonArray *
journaled (ExecFixture *fx,
           const char  *execution_id)
{
  g_autofree char *path = g_build_filename (fx->state, "journal.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgJournal) journal = upg_journal_open_sqlite (path, &error);
  JsonArray *rows;

  g_assert_no_error (error);
  rows = upg_journal_list_notifications (journal, execution_id, execution_id == NULL ? "hook-site" : NULL,
                                         &error);
  g_assert_no_error (error);
  return rows;
}

/* The one delivery journaled for @execution_id (asserted); *@rows owns it. */
static JsonObject *
one_delivery (ExecFixture *fx,
              const char  *execution_id,
              JsonArray  **rows)
{
  *rows = journaled (fx, execution_id);
  g_assert_cmpuint (json_array_get_length (*rows), ==, 1);
  return json_array_get_object_element (*rows, 0);
}

/* Runs post_start of a site whose one step runs `true` (or `false` when
 * not @succeeds) with the webhooks @hooks, HOOK_TOKEN set to TOKEN (unset
 * without @token) only while the stage runs; asserts the stage's result
 * and that @server received @requests requests. */
static void
run_stage (ExecFixture     *fx,
           const char      *hooks,
           gboolean         succeeds,
           gboolean         token,
           ScriptedServer  *server,
           guint            requests,
           UpgExecution   **execution)
{
  g_autoptr(GError) error = NULL;

  write_site (fx, succeeds ? "[\"true\"]" : "[\"false\"]", TRUE, hooks);
  if (token)
    g_setenv ("HOOK_TOKEN", TOKEN, TRUE);
  else
    g_unsetenv ("HOOK_TOKEN");
  g_assert_true (exec_fixture_run (fx, FROM, TO, "post_start", execution, &error) == succeeds);
  g_unsetenv ("HOOK_TOKEN");
  if (succeeds)
    g_assert_no_error (error);
  else
    g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_cmpuint (scripted_server_requests (server), ==, requests);
}

static char *
report_text (ExecFixture     *fx,
             const char      *execution_id,
             UpgReportFormat  format)
{
  g_autofree char *path = g_build_filename (fx->state, "journal.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgJournal) journal = upg_journal_open_sqlite (path, &error);
  char *text;

  g_assert_no_error (error);
  text = upg_report_for_execution (journal, execution_id, format, &error);
  g_assert_no_error (error);
  return text;
}

static char *
read_log (ExecFixture *fx,
          const char  *execution_id)
{
  g_autofree char *name = g_strdup_printf ("%s.log", execution_id);
  g_autofree char *path = g_build_filename (fx->state, "logs", name, NULL);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* A port on 127.0.0.1 nothing listens on: bound, then closed. */
static char *
dead_url (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint port;

  g_assert_nonnull (socket);
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);
  return g_strdup_printf ("http://127.0.0.1:%u/hook", port);
}

/* A stage that succeeds: one `succeeded` event with the execution's run
 * form, the token in the header only; a hook that wants only `failed`
 * gets nothing. */
static void
test_succeeded (void)
{
  const ScriptedAnswer ok[] = { { 200, "ok" } };
  g_autoptr(ScriptedServer) server = scripted_server_new (ok, 1);
  g_autoptr(ScriptedServer) failures_only = scripted_server_new (ok, 1);
  g_autofree char *url = scripted_server_url (server, "/hook");
  g_autofree char *url2 = scripted_server_url (failures_only, "/hook");
  g_autofree char *h1 = hook_json (url, NULL);
  g_autofree char *h2 = hook_json (url2, "\"events\": [\"failed\"]");
  g_autofree char *hooks = g_strdup_printf ("[%s, %s]", h1, h2);
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonArray) rows = NULL;
  g_autofree char *auth = NULL, *log = NULL, *text = NULL, *json = NULL, *html = NULL, *markdown = NULL;
  JsonObject *row;
  ExecFixture fx;

  run_stage (&fx, hooks, TRUE, TRUE, server, 1, &execution);
  exec_assert_steps (execution, "hook_step=SUCCESS");

  g_assert_cmpuint (scripted_server_requests (failures_only), ==, 0);
  auth = scripted_server_header (server, 0, "Authorization");
  g_assert_cmpstr (auth, ==, "Bearer " TOKEN);
  event = received_event (server, 0);
  g_assert_cmpstr (json_object_get_string_member (event, "event"), ==, "succeeded");
  g_assert_cmpstr (json_object_get_string_member (event, "execution_id"), ==, upg_execution_get_id (execution));
  g_assert_cmpstr (json_object_get_string_member (event, "site"), ==, "hook-site");
  g_assert_cmpstr (json_object_get_string_member (event, "from"), ==, FROM);
  g_assert_cmpstr (json_object_get_string_member (event, "to"), ==, TO);
  g_assert_cmpstr (json_object_get_string_member (event, "stage"), ==, "post_start");
  g_assert_cmpstr (json_object_get_string_member (event, "status"), ==, "SUCCESS");
  g_assert_true (json_object_get_null_member (event, "breakpoint"));
  g_assert_nonnull (json_object_get_string_member (event, "time"));

  row = one_delivery (&fx, upg_execution_get_id (execution), &rows);
  g_assert_cmpstr (json_object_get_string_member (row, "event"), ==, "succeeded");
  g_assert_cmpstr (json_object_get_string_member (row, "status"), ==, "DELIVERED");
  g_assert_cmpint (json_object_get_int_member (row, "attempts"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (row, "http_status"), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (row, "url"), ==, url);

  log = read_log (&fx, upg_execution_get_id (execution));
  text = report_text (&fx, upg_execution_get_id (execution), UPG_REPORT_FORMAT_TEXT);
  json = report_text (&fx, upg_execution_get_id (execution), UPG_REPORT_FORMAT_JSON);
  html = report_text (&fx, upg_execution_get_id (execution), UPG_REPORT_FORMAT_HTML);
  markdown = report_text (&fx, upg_execution_get_id (execution), UPG_REPORT_FORMAT_MARKDOWN);
  g_assert_nonnull (strstr (log, "notification succeeded to "));
  g_assert_nonnull (strstr (text, "succeeded to "));
  g_assert_nonnull (strstr (text, ": delivered (HTTP 200, 1 attempt)"));
  g_assert_nonnull (strstr (json, "\"DELIVERED\""));
  g_assert_null (strstr (log, TOKEN));
  g_assert_null (strstr (text, TOKEN));
  g_assert_null (strstr (json, TOKEN));
  g_assert_nonnull (strstr (html, "<ul class=\"notifications\">"));
  g_assert_nonnull (strstr (html, ": delivered (HTTP 200, 1 attempt)</li>"));
  g_assert_nonnull (strstr (markdown, "## Notifications"));
  g_assert_null (strstr (html, TOKEN));
  g_assert_null (strstr (markdown, TOKEN));
  exec_fixture_clear (&fx);
}

/* A failing step: a `failed` event with the breakpoint; the run's result
 * is the step's failure, unchanged. */
static void
test_failed (void)
{
  const ScriptedAnswer ok[] = { { 204, "" } };
  g_autoptr(ScriptedServer) server = scripted_server_new (ok, 1);
  g_autofree char *hooks = one_hook (server, NULL);
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(JsonObject) event = NULL;
  JsonObject *bp;
  ExecFixture fx;

  run_stage (&fx, hooks, FALSE, TRUE, server, 1, &execution);
  event = received_event (server, 0);
  g_assert_cmpstr (json_object_get_string_member (event, "event"), ==, "failed");
  g_assert_cmpstr (json_object_get_string_member (event, "status"), ==, "FAILED");
  g_assert_cmpstr (json_object_get_string_member (event, "execution_id"), ==, upg_execution_get_id (execution));
  bp = json_object_get_object_member (event, "breakpoint");
  g_assert_nonnull (bp);
  g_assert_cmpstr (json_object_get_string_member (bp, "step_id"), ==, "hook_step");
  g_assert_nonnull (json_object_get_string_member (bp, "error"));
  exec_fixture_clear (&fx);
}

/* A step that needs confirmation stops the stage before anything runs:
 * `confirmation_required` names it; no execution exists. */
static void
test_confirmation_required (void)
{
  const ScriptedAnswer ok[] = { { 200, "ok" } };
  g_autoptr(ScriptedServer) server = scripted_server_new (ok, 1);
  g_autofree char *hooks = one_hook (server, NULL);
  g_autoptr(UpgExecutor) executor = NULL;
  g_autoptr(UpgRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonArray) rows = NULL;
  JsonArray *steps;
  ExecFixture fx;

  write_site (&fx, "[\"true\"]", FALSE, hooks);
  executor = exec_fixture_executor (&fx);
  run = exec_run_new (UPG_RUN_KIND_RUN, FROM, TO, "post_start");
  g_setenv ("HOOK_TOKEN", TOKEN, TRUE);
  g_assert_false (upg_executor_run (executor, run, NULL, &error));
  g_unsetenv ("HOOK_TOKEN");
  g_assert_error (error, UPG_ERROR, UPG_ERROR_CONFIRMATION_REQUIRED);
  g_assert_cmpuint (scripted_server_requests (server), ==, 1);
  event = received_event (server, 0);
  g_assert_cmpstr (json_object_get_string_member (event, "event"), ==, "confirmation_required");
  g_assert_true (json_object_get_null_member (event, "execution_id"));
  g_assert_cmpstr (json_object_get_string_member (event, "status"), ==, "CONFIRMATION_REQUIRED");
  g_assert_cmpstr (json_object_get_string_member (event, "site"), ==, "hook-site");
  g_assert_cmpstr (json_object_get_string_member (event, "stage"), ==, "post_start");
  steps = json_object_get_array_member (event, "steps");
  g_assert_cmpuint (json_array_get_length (steps), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (steps, 0), "id"), ==,
                   "hook_step");
  g_assert_nonnull (json_object_get_string_member (json_array_get_object_element (steps, 0), "reason"));

  rows = journaled (&fx, NULL);
  g_assert_cmpuint (json_array_get_length (rows), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 0), "event"), ==,
                   "confirmation_required");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 0), "status"), ==,
                   "DELIVERED");
  exec_fixture_clear (&fx);
}

/* HTTP 500 first, then 200: delivered at the second attempt. */
static void
test_retry (void)
{
  const ScriptedAnswer answers[] = { { 500, "busy" }, { 200, "ok" } };
  g_autoptr(ScriptedServer) server = scripted_server_new (answers, G_N_ELEMENTS (answers));
  g_autofree char *hooks = one_hook (server, "\"retries\": 2");
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(JsonArray) rows = NULL;
  g_autoptr(JsonObject) first = NULL, second = NULL;
  JsonObject *row;
  ExecFixture fx;

  run_stage (&fx, hooks, TRUE, TRUE, server, 2, &execution);
  first = received_event (server, 0);
  second = received_event (server, 1);
  g_assert_cmpstr (json_object_get_string_member (first, "execution_id"), ==,
                   json_object_get_string_member (second, "execution_id"));
  row = one_delivery (&fx, upg_execution_get_id (execution), &rows);
  g_assert_cmpstr (json_object_get_string_member (row, "status"), ==, "DELIVERED");
  g_assert_cmpint (json_object_get_int_member (row, "attempts"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (row, "http_status"), ==, 200);
  exec_fixture_clear (&fx);
}

/* Nothing listens: upgradectl's stage still succeeds (exit 0), the
 * delivery is journaled FAILED after every attempt and the report says
 * so; the token is nowhere in upgradectl's output or the report. */
static void
test_webhook_down (void)
{
  g_autofree char *url = dead_url ();
  g_autofree char *hook = hook_json (url, "\"retries\": 1");
  g_autofree char *hooks = g_strdup_printf ("[%s]", hook);
  const char *env[] = { "HOOK_TOKEN", TOKEN, NULL };
  g_autofree char *out = NULL, *err = NULL, *report = NULL, *log = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) rows = NULL;
  const char *id;
  JsonObject *row;
  ExecFixture fx;

  write_site (&fx, "[\"true\"]", TRUE, hooks);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, env, &out, "--json", "run", "--from", FROM, "--to", TO,
                                                     "--stage", "post_start", NULL)), ==, 0);
  node = json_from_string (out, NULL);
  g_assert_nonnull (node);
  id = json_object_get_string_member (json_node_get_object (node), "execution_id");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "status"), ==, "SUCCESS");

  row = one_delivery (&fx, id, &rows);
  g_assert_cmpstr (json_object_get_string_member (row, "status"), ==, "FAILED");
  g_assert_cmpint (json_object_get_int_member (row, "attempts"), ==, 2);
  g_assert_nonnull (json_object_get_string_member (row, "error"));

  g_assert_cmpint (exec_exit_code (exec_fixture_cli_stderr (&fx, env, &err, "report", id, NULL)), ==, 0);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, env, &report, "report", id, NULL)), ==, 0);
  g_assert_nonnull (strstr (report, "succeeded to "));
  g_assert_nonnull (strstr (report, ": not delivered (2 attempts): "));
  g_assert_null (strstr (out, TOKEN));
  g_assert_null (strstr (err, TOKEN));
  g_assert_null (strstr (report, TOKEN));
  log = read_log (&fx, id);
  g_assert_nonnull (strstr (log, "notification succeeded to "));
  g_assert_nonnull (strstr (log, ": not delivered (2 attempts): "));
  g_assert_null (strstr (log, TOKEN));
  exec_fixture_clear (&fx);
}

/* token_env names an unset variable: nothing is sent, the delivery is
 * journaled FAILED saying so, and the stage succeeds. */
static void
test_token_missing (void)
{
  const ScriptedAnswer ok[] = { { 200, "ok" } };
  g_autoptr(ScriptedServer) server = scripted_server_new (ok, 1);
  g_autofree char *hooks = one_hook (server, NULL);
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(JsonArray) rows = NULL;
  JsonObject *row;
  ExecFixture fx;

  run_stage (&fx, hooks, TRUE, FALSE, server, 0, &execution);
  row = one_delivery (&fx, upg_execution_get_id (execution), &rows);
  g_assert_cmpstr (json_object_get_string_member (row, "status"), ==, "FAILED");
  g_assert_cmpint (json_object_get_int_member (row, "attempts"), ==, 0);
  g_assert_nonnull (strstr (json_object_get_string_member (row, "error"), "HOOK_TOKEN is not set"));
  exec_fixture_clear (&fx);
}

/* A bad hook is refused when the configuration is read, naming the file,
 * the JSON path and what was expected. */
static void
test_bad_config (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConfig) config = NULL;
  ExecFixture fx;

  write_site (&fx, "[\"true\"]", TRUE,
              "[{\"url\": \"http://127.0.0.1:1/hook\", \"events\": [\"failed\", \"finished\"]}]");
  config = upg_config_new_from_file (fx.config, &error);
  g_assert_null (config);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "$.notify[0].events[1]"));
  g_assert_nonnull (strstr (error->message, "'finished'"));
  g_clear_error (&error);

  exec_fixture_write_config_extra (&fx, "hook-site", "", "\"notify\": [{\"url\": \"ftp://user:s3cr3tpw@example/hook\"}]");
  config = upg_config_new_from_file (fx.config, &error);
  g_assert_null (config);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "$.notify[0].url"));
  g_assert_null (strstr (error->message, "s3cr3tpw"));
  exec_fixture_clear (&fx);
}

/* `status` (text and --json) shows the execution's deliveries: event,
 * URL without its password, attempts and result; the HTTP service's
 * status is the same run form, read back by upg_executor_load_execution(). */
static void
test_status_shows_deliveries (void)
{
  const ScriptedAnswer answers[] = { { 500, "busy" }, { 200, "ok" } };
  g_autoptr(ScriptedServer) server = scripted_server_new (answers, G_N_ELEMENTS (answers));
  g_autofree char *url = scripted_server_url (server, "/hook");
  g_autoptr(GString) with_password = g_string_new (url);
  g_autofree char *hook = NULL, *hooks = NULL, *out = NULL, *text = NULL, *line = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonObject) status = NULL;
  const char *env[] = { "HOOK_TOKEN", TOKEN, NULL };
  g_autoptr(UpgExecutor) executor = NULL;
  g_autoptr(UpgExecution) loaded = NULL;
  g_autoptr(JsonNode) loaded_node = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *deliveries;
  JsonObject *delivery;
  const char *id;
  ExecFixture fx;

  g_string_replace (with_password, "http://", "http://hk:pw-3f1a9@", 1);
  hook = hook_json (with_password->str, "\"retries\": 2");
  hooks = g_strdup_printf ("[%s]", hook);
  write_site (&fx, "[\"true\"]", TRUE, hooks);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, env, &out, "--json", "run", "--from", FROM, "--to", TO,
                                                     "--stage", "post_start", NULL)), ==, 0);
  node = json_from_string (out, NULL);
  g_assert_nonnull (node);
  id = json_object_get_string_member (json_node_get_object (node), "execution_id");
  g_assert_cmpuint (scripted_server_requests (server), ==, 2);

  status = exec_fixture_ctl_json (&fx, env, 0, "status", id, NULL);
  deliveries = json_object_get_array_member (status, "notifications");
  g_assert_cmpuint (json_array_get_length (deliveries), ==, 1);
  delivery = json_array_get_object_element (deliveries, 0);
  g_assert_cmpstr (json_object_get_string_member (delivery, "event"), ==, "succeeded");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (delivery, "url"), "http://hk@127.0.0.1:"));
  g_assert_cmpstr (json_object_get_string_member (delivery, "status"), ==, "DELIVERED");
  g_assert_cmpint (json_object_get_int_member (delivery, "attempts"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (delivery, "http_status"), ==, 200);

  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, env, &text, "status", id, NULL)), ==, 0);
  line = g_strdup_printf ("  notification: succeeded to %s: delivered (HTTP 200, 2 attempts)\n",
                          json_object_get_string_member (delivery, "url"));
  g_assert_nonnull (strstr (text, line));
  g_assert_null (strstr (text, "pw-3f1a9"));

  executor = exec_fixture_executor (&fx);
  loaded = upg_executor_load_execution (executor, id, &error);
  g_assert_no_error (error);
  loaded_node = upg_execution_to_json (loaded, TRUE);
  deliveries = json_object_get_array_member (json_node_get_object (loaded_node), "notifications");
  g_assert_cmpuint (json_array_get_length (deliveries), ==, 1);
  exec_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/notify/succeeded", test_succeeded);
  g_test_add_func ("/notify/failed", test_failed);
  g_test_add_func ("/notify/confirmation-required", test_confirmation_required);
  g_test_add_func ("/notify/retry", test_retry);
  g_test_add_func ("/notify/webhook-down", test_webhook_down);
  g_test_add_func ("/notify/token-missing", test_token_missing);
  g_test_add_func ("/notify/bad-config", test_bad_config);
  g_test_add_func ("/notify/status-shows-deliveries", test_status_shows_deliveries);
  return g_test_run ();
}
