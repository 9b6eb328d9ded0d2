/* test-http.c - upgraded over a real socket with a real client: health,
 * token, routing errors, plan, assess, malformed bodies, a failing
 * statement fixed and resumed, report, logs, metrics, SIGTERM
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <glib/gstdio.h>

#include "exec-test-util.h"
#include "http-test-util.h"

static void
test_health_and_token (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autofree char *body = NULL;
  g_autofree char *type = NULL;
  g_autoptr(JsonObject) error = NULL;
  g_autoptr(JsonObject) health = NULL;

  http_test_server_start (server);

  /* Health needs no token and says the journal answers. */
  g_assert_cmpuint (http_test_request (server, "GET", "/api/v1/health", NULL, NULL, &body, &type), ==, 200);
  g_assert_cmpstr (type, ==, "application/json");
  g_assert_nonnull (strstr (body, "\"journal\":\"ok\""));
  health = http_test_request_json (server, "GET", "/api/v1/health", NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (health, "status"), ==, "ok");

  /* Everything else needs it: none, a wrong one, a prefix of it. */
  for (guint i = 0; i < 3; i++)
    {
      const char *tokens[] = { NULL, "wrong", "test-token" };
      g_autofree char *answer = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();

      g_assert_cmpuint (http_test_request (server, "GET", "/api/v1/upgrade/plan?from=1.0.0&to=1.1.0",
                                           tokens[i], NULL, &answer, NULL), ==, 401);
      g_assert_true (json_parser_load_from_data (parser, answer, -1, NULL));
      http_test_assert_error (json_node_get_object (json_parser_get_root (parser)), "unauthorized",
                              "bearer token");
      g_assert_null (strstr (answer, HTTP_TEST_TOKEN));
    }
  g_assert_cmpuint (http_test_request (server, "GET", "/metrics", "wrong", NULL, NULL, NULL), ==, 401);

  /* Unknown route 404, wrong method 405, both JSON. */
  error = http_test_request_json (server, "GET", "/api/v1/nothing", NULL, 404);
  http_test_assert_error (error, "not-found", "/api/v1/nothing");
  g_clear_pointer (&error, json_object_unref);
  error = http_test_request_json (server, "GET", "/api/v1/upgrade/execute", NULL, 405);
  http_test_assert_error (error, "method-not-allowed", "allowed: POST");
  g_clear_pointer (&error, json_object_unref);
  error = http_test_request_json (server, "GET", "/api/v1/upgrade/status/no-such-id", NULL, 404);
  http_test_assert_error (error, "not-found", "no-such-id");
}

static void
test_plan (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autoptr(JsonObject) plan = NULL;
  g_autoptr(JsonObject) error = NULL;
  JsonArray *stages;

  http_test_server_start (server);
  plan = http_test_request_json (server, "GET", "/api/v1/upgrade/plan?from=1.0.0&to=1.1.0", NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (plan, "site"), ==, "site-a");
  g_assert_cmpstr (json_object_get_string_member (plan, "mode"), ==, "rolling");
  stages = json_object_get_array_member (plan, "stages");
  g_assert_cmpuint (json_array_get_length (stages), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (stages, 0), "stage"),
                   ==, "pre_stop");
  g_clear_pointer (&plan, json_object_unref);

  /* CI/CD names and another site. */
  plan = http_test_request_json (server, "GET",
                                 "/api/v1/upgrade/plan?currentVersion=100000&upgradeAfterVersion=V1.1.0&siteId=site-b",
                                 NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (plan, "site"), ==, "site-b");
  g_assert_cmpstr (json_object_get_string_member (plan, "from"), ==, "1.0.0");

  error = http_test_request_json (server, "GET", "/api/v1/upgrade/plan?from=1.x&to=1.1.0", NULL, 400);
  http_test_assert_error (error, "invalid-version", "from: version '1.x' is not valid");
  g_clear_pointer (&error, json_object_unref);
  error = http_test_request_json (server, "GET", "/api/v1/upgrade/plan?from=1.0.0", NULL, 400);
  http_test_assert_error (error, "invalid-argument", "toVersion: missing");
  g_clear_pointer (&error, json_object_unref);
  error = http_test_request_json (server, "GET", "/api/v1/upgrade/plan?from=1.1.0&to=1.0.0", NULL, 400);
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "plan");
}

static void
test_assess_and_malformed (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autoptr(JsonObject) assessment = NULL;
  g_autoptr(JsonObject) error = NULL;
  g_autoptr(GString) big = g_string_new ("{\"fromVersion\": \"1.0.0\", \"pad\": \"");
  const struct {
    const char *body;
    const char *code;
    const char *message;
  } bad[] = {
    { "{\"fromVersion\": \"x\", \"toVersion\": \"1.1.0\"}", "invalid-version", "fromVersion: version 'x' is not valid" },
    { "{\"upgradeBeforeVersion\": true, \"toVersion\": \"1.1.0\"}", "invalid-argument", "upgradeBeforeVersion: expected a string" },
    { "{\"fromVersion\": \"1.0.0\"}", "invalid-argument", "toVersion: missing" },
    { "{\"fromVersion\": \"1.0.0\", \"toVersion\": \"1.1.0\", \"envInfo\": \"{not json\"}", "invalid-argument", "envInfo:" },
    { "{\"fromVersion\": \"1.0.0\", ", "invalid-argument", "body:" },
    { "[1, 2]", "invalid-argument", "body: expected a JSON object" },
  };

  http_test_server_start (server);
  assessment = http_test_request_json (server, "POST", "/api/v1/upgrade/assess",
                                       "{\"currentVersion\": \"1.0.0\", \"tagVersion\": \"1.1.0\", "
                                       "\"environment\": {\"cluster\": \"c1\"}}", 200);
  g_assert_true (json_object_has_member (assessment, "verdict"));
  g_assert_cmpstr (json_object_get_string_member (assessment, "mode"), ==, "rolling");
  g_assert_true (json_object_has_member (assessment, "estimate"));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      error = http_test_request_json (server, "POST", "/api/v1/upgrade/assess", bad[i].body, 400);
      http_test_assert_error (error, bad[i].code, bad[i].message);
      g_clear_pointer (&error, json_object_unref);
    }
  error = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                  "{\"fromVersion\": \"1.0.0\", \"toVersion\": \"1.1.0\", \"stage\": \"nope\"}", 400);
  http_test_assert_error (error, "invalid-stage", "stage:");
  g_clear_pointer (&error, json_object_unref);
  error = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                  "{\"fromVersion\": \"1.0.0\", \"toVersion\": \"1.1.0\"}", 400);
  http_test_assert_error (error, "invalid-argument", "stage: missing");
  g_clear_pointer (&error, json_object_unref);

  /* Over 1 MiB: 413 before the body is parsed. */
  while (big->len <= 1024 * 1024)
    g_string_append (big, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  g_string_append (big, "\"}");
  error = http_test_request_json (server, "POST", "/api/v1/upgrade/assess", big->str, 413);
  http_test_assert_error (error, "payload-too-large", "1 MiB");
}

static JsonObject *
wait_finished (HttpTestServer *server,
               const char     *id,
               const char     *expected_status)
{
  return http_test_wait_finished (server, id, expected_status);
}

static gboolean
object_mentions (JsonObject *object,
                 const char *text)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autofree char *serialized = json_to_string (node, FALSE);

  return strstr (serialized, text) != NULL;
}

/* GET status/{id}: the one object of its array @member (confirmations,
 * check_skips), which must have exactly one, with @who_prefix as
 * @who_member. */
static void
assert_status_approval (HttpTestServer *server,
                        const char     *id,
                        const char     *member,
                        const char     *who_member,
                        const char     *who_prefix)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/upgrade/status/%s", id);
  g_autoptr(JsonObject) status = http_test_request_json (server, "GET", path, NULL, 200);
  JsonArray *array = json_object_get_array_member (status, member);

  g_assert_nonnull (array);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                                  who_member), who_prefix));
}

/* GET plan: whether the step that needs confirmation was confirmed. */
static JsonObject *
plan_incompatible (HttpTestServer *server,
                   const char     *query)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/upgrade/plan?%s", query);
  g_autoptr(JsonObject) plan = http_test_request_json (server, "GET", path, NULL, 200);
  JsonArray *incompatible = json_object_get_array_member (plan, "incompatible");

  g_assert_cmpuint (json_array_get_length (incompatible), ==, 1);
  return json_object_ref (json_array_get_object_element (incompatible, 0));
}

static void
test_failure_resume_report (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *db = NULL;
  g_autofree char *text = NULL;
  g_autofree char *type = NULL;
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(JsonObject) report = NULL;
  g_autoptr(JsonObject) resumed = NULL;
  g_autoptr(JsonObject) ignored = NULL;
  JsonObject *breakpoint;

  http_test_server_start (server);
  id = http_test_execute (server, "startup_post_process");
  ignored = wait_finished (server, id, "FAILED");

  path = g_strdup_printf ("/api/v1/upgrade/status/%s", id);
  status = http_test_request_json (server, "GET", path, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (status, "status"), ==, "FAILED");
  g_assert_cmpstr (json_object_get_string_member (status, "stage"), ==, "post_start");
  breakpoint = json_object_get_object_member (status, "breakpoint");
  g_assert_nonnull (breakpoint);
  g_assert_cmpstr (json_object_get_string_member (breakpoint, "step_id"), ==, "sql_needs_fix");
  g_assert_cmpint (json_object_get_int_member (breakpoint, "line"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (breakpoint, "sequence"), ==, 2);
  g_assert_nonnull (strstr (json_object_get_string_member (breakpoint, "statement"), "fix_me"));
  g_assert_nonnull (strstr (json_object_get_string_member (breakpoint, "error"), "fix_me"));

  /* Bad resumes and a plain GET of the events socket are refused. */
  {
    g_autofree char *resume = g_strdup_printf ("/api/v1/upgrade/resume/%s", id);
    g_autofree char *events = g_strdup_printf ("/api/v1/upgrade/events/%s", id);
    g_autoptr(JsonObject) bad_action = http_test_request_json (server, "POST", resume,
                                                              "{\"action\": \"later\"}", 400);
    g_autoptr(JsonObject) unknown = http_test_request_json (server, "POST", "/api/v1/upgrade/resume/nope",
                                                           "{\"action\": \"retry\"}", 404);
    g_autoptr(JsonObject) not_websocket = http_test_request_json (server, "GET", events, NULL, 400);
    g_autoptr(JsonObject) no_events = http_test_request_json (server, "GET", "/api/v1/upgrade/events/nope",
                                                             NULL, 404);

    http_test_assert_error (bad_action, "invalid-argument", "action: expected \"retry\", \"skip\" or \"continue\"");
    http_test_assert_error (unknown, "not-found", "nope");
    http_test_assert_error (not_websocket, "invalid-argument", "WebSocket");
    http_test_assert_error (no_events, "not-found", "nope");
  }

  /* Somebody fixes the cause; resume retries the statement. */
  db = http_test_server_path (server, "app.db");
  exec_sqlite_exec (db, "CREATE TABLE fix_me (id INTEGER);");
  g_free (path);
  path = g_strdup_printf ("/api/v1/upgrade/resume/%s", id);
  resumed = http_test_request_json (server, "POST", path, "{\"action\": \"retry\"}", 202);
  g_assert_cmpstr (json_object_get_string_member (resumed, "execution_id"), ==, id);
  g_clear_pointer (&ignored, json_object_unref);
  ignored = wait_finished (server, id, "SUCCESS");
  g_assert_cmpint (exec_sqlite_int (db, "SELECT COUNT(*) FROM fix_me"), ==, 1);
  g_assert_cmpint (exec_sqlite_int (db, "SELECT COUNT(*) FROM before_fix"), ==, 1);

  g_free (path);
  path = g_strdup_printf ("/api/v1/upgrade/status/%s", id);
  g_clear_pointer (&status, json_object_unref);
  status = http_test_request_json (server, "GET", path, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (status, "status"), ==, "SUCCESS");
  g_assert_cmpint (json_object_get_int_member (status, "resume_count"), ==, 1);
  g_assert_true (json_object_get_null_member (status, "breakpoint"));

  /* Report: JSON by default, text on request; a bad format is a 400. */
  g_free (path);
  path = g_strdup_printf ("/api/v1/upgrade/report/%s", id);
  report = http_test_request_json (server, "GET", path, NULL, 200);
  g_assert_true (object_mentions (report, "sql_needs_fix"));
  g_free (path);
  path = g_strdup_printf ("/api/v1/upgrade/report/%s?format=text", id);
  g_assert_cmpuint (http_test_request (server, "GET", path, HTTP_TEST_TOKEN, NULL, &text, &type), ==, 200);
  g_assert_cmpstr (type, ==, "text/plain");
  g_assert_nonnull (strstr (text, "SUCCESS"));
  g_free (path);
  path = g_strdup_printf ("/api/v1/upgrade/report/%s?format=pdf", id);
  g_assert_cmpuint (http_test_request (server, "GET", path, HTTP_TEST_TOKEN, NULL, NULL, NULL), ==, 400);

  /* The log holds the failed and the retried statement, tagged by id. */
  g_free (path);
  g_free (text);
  path = g_strdup_printf ("/api/v1/upgrade/logs/%s", id);
  g_assert_cmpuint (http_test_request (server, "GET", path, HTTP_TEST_TOKEN, NULL, &text, NULL), ==, 200);
  g_assert_nonnull (strstr (text, id));
  g_assert_nonnull (strstr (text, "003_needs_fix.sql:3 app_db FAILED"));
  g_assert_nonnull (strstr (text, "003_needs_fix.sql:3 app_db SUCCESS"));

  /* A request refused before its body (its connection taken back from
   * libsoup) and one matching no route are counted once each, under
   * their route or as unmatched. */
  g_assert_cmpuint (http_test_request (server, "POST", "/api/v1/upgrade/resume/x", "wrong-token", "{}", NULL, NULL),
                    ==, 401);
  g_assert_cmpuint (http_test_request (server, "POST", "/api/v1/nope", HTTP_TEST_TOKEN, "{}", NULL, NULL), ==, 404);

  /* Metrics count what happened. */
  g_free (text);
  g_assert_cmpuint (http_test_request (server, "GET", "/metrics", HTTP_TEST_TOKEN, NULL, &text, NULL), ==, 200);
  g_assert_nonnull (strstr (text, "upgraded_executions{status=\"SUCCESS\"} 1\n"));
  g_assert_nonnull (strstr (text, "upgraded_executions_finished_total{status=\"FAILED\"} 1\n"));
  g_assert_nonnull (strstr (text, "upgraded_executions_finished_total{status=\"SUCCESS\"} 1\n"));
  g_assert_nonnull (strstr (text, "upgraded_statements_executed_total{status=\"FAILED\"} 1\n"));
  g_assert_nonnull (strstr (text, "upgraded_statements_executed_total{status=\"SUCCESS\"} 3\n"));
  g_assert_nonnull (strstr (text, "upgraded_step_duration_seconds_count 2\n"));
  g_assert_nonnull (strstr (text, "upgraded_http_requests_total{method=\"POST\",route=\"/api/v1/upgrade/execute\",code=\"202\"} 1\n"));
  g_assert_nonnull (strstr (text, "upgraded_http_requests_total{method=\"POST\",route=\"/api/v1/upgrade/resume/{id}\","
                                  "code=\"401\"} 1\n"));
  g_assert_nonnull (strstr (text, "upgraded_http_requests_total{method=\"POST\",route=\"unmatched\",code=\"404\"} 1\n"));
  g_assert_null (strstr (text, HTTP_TEST_TOKEN));
}

/* upgraded refuses to start with a token file others can read, an empty
 * one, or a listen address that is not ADDR:PORT: exit 2, a message that
 * names the problem, and never the token. */
static void
expect_refusal (HttpTestServer *server,
                const char     *listen,
                const char     *message_part)
{
  g_autofree char *state = http_test_server_path (server, "state");
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                              g_getenv ("UPGRADED"), "-b", server->bundle, "-c", server->config,
                              "--state-dir", state, "--listen", listen, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
  g_assert_cmpstr (out, ==, "");
  if (strstr (err, message_part) == NULL)
    g_error ("'%s' not in: %s", message_part, err);
  g_assert_null (strstr (err, HTTP_TEST_TOKEN));
}

static void
test_refuses_to_start (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autofree char *token = http_test_server_path (server, "token");

  expect_refusal (server, "localhost", "expected ADDR:PORT");
  expect_refusal (server, "example.org:80", "not an IP address");
  g_assert_cmpint (g_chmod (token, 0644), ==, 0);
  expect_refusal (server, "127.0.0.1:0", "readable or writable by others");
  g_assert_true (g_file_set_contents (token, " \n", -1, NULL));
  g_assert_cmpint (g_chmod (token, 0600), ==, 0);
  expect_refusal (server, "127.0.0.1:0", "is empty");
  g_assert_cmpint (g_unlink (token), ==, 0);
  expect_refusal (server, "127.0.0.1:0", "cannot read");
}


/* A step without compatible_version needs a confirmation (SPEC §3, §10):
 * execute answers 409 confirmation_required listing it and runs nothing;
 * POST /confirm (or "confirm": true) journals one, and the stage runs. */
static void
test_confirmation (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autofree char *manifest = http_test_server_path (server, "bundle/manifests/1.2.0.json");
  g_autofree char *ran = http_test_server_path (server, "bundle/ran.flag");
  g_autofree char *journal = http_test_server_path (server, "journal.db");
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) confirmed = NULL;
  g_autoptr(JsonObject) error = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(JsonObject) finished = NULL;
  g_autoptr(JsonObject) planned = NULL;
  JsonObject *step;
  const char *execute = "{\"fromVersion\": \"1.1.0\", \"toVersion\": \"1.2.0\", \"stage\": \"in_stop\"}";

  g_assert_true (g_file_set_contents (manifest,
    "{\"version\": \"1.2.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"upgrade_steps\": {\"in_stop\": [\n"
    "   {\"id\": \"compatible_first\", \"command\": [\"sh\", \"-c\", \"echo first >> ran.flag\"],"
    "    \"compatible_version\": \"1.0.0\"},\n"
    "   {\"id\": \"needs_confirm\", \"command\": [\"sh\", \"-c\", \"echo second >> ran.flag\"]}]}}\n",
    -1, NULL));
  http_test_server_start (server);

  refused = http_test_request_json (server, "POST", "/api/v1/upgrade/execute", execute, 409);
  http_test_assert_error (refused, "confirmation_required", "needs_confirm");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (refused, "steps")), ==, 1);
  step = json_array_get_object_element (json_object_get_array_member (refused, "steps"), 0);
  g_assert_cmpstr (json_object_get_string_member (step, "id"), ==, "needs_confirm");
  g_assert_cmpstr (json_object_get_string_member (step, "stage"), ==, "in_stop");
  g_assert_true (json_object_get_null_member (step, "compatible_version"));
  /* Nothing ran, not even the compatible step before it. */
  g_assert_false (g_file_test (ran, G_FILE_TEST_EXISTS));

  error = http_test_request_json (server, "POST", "/api/v1/upgrade/confirm",
                                  "{\"fromVersion\": \"1.1.0\", \"toVersion\": \"1.2.0\", "
                                  "\"steps\": [\"compatible_first\"]}", 400);
  http_test_assert_error (error, "invalid-argument", "needs no confirmation");
  g_clear_pointer (&error, json_object_unref);
  error = http_test_request_json (server, "POST", "/api/v1/upgrade/confirm",
                                  "{\"fromVersion\": \"1.1.0\", \"toVersion\": \"1.2.0\", \"steps\": \"x\"}", 400);
  http_test_assert_error (error, "invalid-argument", "steps: expected an array of step ids");

  /* The plan says the step is not confirmed yet, then by whom it is. */
  planned = plan_incompatible (server, "from=1.1.0&to=1.2.0");
  g_assert_false (json_object_get_boolean_member (planned, "confirmed"));
  g_assert_true (json_object_get_null_member (planned, "confirmation"));
  g_clear_pointer (&planned, json_object_unref);

  confirmed = http_test_request_json (server, "POST", "/api/v1/upgrade/confirm",
                                      "{\"upgradeBeforeVersion\": \"1.1.0\", \"tagVersion\": \"1.2.0\", "
                                      "\"siteId\": \"site-a\", \"steps\": [\"needs_confirm\"]}", 200);
  g_assert_cmpstr (json_object_get_string_member (confirmed, "site"), ==, "site-a");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (confirmed, "confirmed_by"), "api@127.0.0.1"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (confirmed, "confirmed")), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (confirmed, "unconfirmed")), ==, 0);
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM upgrade_confirmation WHERE site_id = 'site-a'"
                                             " AND step_id = 'needs_confirm' AND via = 'api'"
                                             " AND confirmed_by LIKE 'api@127.0.0.1%'"), ==, 1);

  planned = plan_incompatible (server, "from=1.1.0&to=1.2.0&site=site-a");
  g_assert_true (json_object_get_boolean_member (planned, "confirmed"));
  g_assert_true (g_str_has_prefix (json_object_get_string_member (json_object_get_object_member (planned,
                                                                    "confirmation"), "confirmed_by"),
                                   "api@127.0.0.1"));

  answer = http_test_request_json (server, "POST", "/api/v1/upgrade/execute", execute, 202);
  finished = wait_finished (server, json_object_get_string_member (answer, "execution_id"), "SUCCESS");
  /* Its status says who confirmed the step. */
  assert_status_approval (server, json_object_get_string_member (answer, "execution_id"), "confirmations",
                          "confirmed_by", "api@127.0.0.1");
  g_clear_pointer (&answer, json_object_unref);
  g_clear_pointer (&finished, json_object_unref);

  /* Another site needs its own confirmation; "confirm": true gives it. */
  g_clear_pointer (&refused, json_object_unref);
  refused = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                    "{\"fromVersion\": \"1.1.0\", \"toVersion\": \"1.2.0\", \"stage\": \"in_stop\","
                                    " \"siteId\": \"site-b\"}", 409);
  http_test_assert_error (refused, "confirmation_required", "needs_confirm");
  g_clear_pointer (&error, json_object_unref);
  error = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                  "{\"fromVersion\": \"1.1.0\", \"toVersion\": \"1.2.0\", \"stage\": \"in_stop\","
                                  " \"siteId\": \"site-b\", \"confirm\": \"yes\"}", 400);
  http_test_assert_error (error, "invalid-argument", "confirm: expected true or false");
  answer = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                   "{\"fromVersion\": \"1.1.0\", \"toVersion\": \"1.2.0\", \"stage\": \"in_stop\","
                                   " \"siteId\": \"site-b\", \"confirm\": true}", 202);
  finished = wait_finished (server, json_object_get_string_member (answer, "execution_id"), "SUCCESS");
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM upgrade_confirmation WHERE site_id = 'site-b'"
                                             " AND step_id = 'needs_confirm' AND via = 'api'"), ==, 1);
}


/* business_check over HTTP (SPEC §3, §10): execute runs the data-quality
 * rule, FAILED while it fails; a later stage is then a 409 check-failed
 * naming it, "skip_checks": true lets it run (journaled as the client),
 * and once the data is fixed business_check succeeds and pre_stop runs. */
static void
test_check_stages (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autofree char *manifest = http_test_server_path (server, "bundle/manifests/1.3.0.json");
  g_autofree char *db = http_test_server_path (server, "app.db");
  g_autofree char *journal = http_test_server_path (server, "journal.db");
  g_autoptr(JsonObject) answer = NULL, finished = NULL, refused = NULL;
  const char *check = "{\"fromVersion\": \"1.2.0\", \"toVersion\": \"1.3.0\", \"stage\": \"business_check\"}";
  const char *pre = "{\"fromVersion\": \"1.2.0\", \"toVersion\": \"1.3.0\", \"stage\": \"pre_stop\"}";

  exec_sqlite_exec (db, "CREATE TABLE amounts (id INTEGER PRIMARY KEY, amount INTEGER);"
                        "INSERT INTO amounts VALUES (1, 10), (2, -5);");
  g_assert_true (g_file_set_contents (manifest,
    "{\"version\": \"1.3.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"checks\": {\"data_quality\": [{\"id\": \"negative_amount\", \"name\": \"negative amounts\","
    "  \"database\": \"app_db\", \"sql\": \"SELECT COUNT(*) FROM amounts WHERE amount < 0\", \"threshold\": 0,"
    "  \"severity\": \"fail\", \"min_version\": \"1.0.0\", \"max_version\": \"1.3.0\"}]},\n"
    " \"upgrade_steps\": {\"pre_stop\": [{\"id\": \"touch\", \"compatible_version\": \"1.0.0\","
    "  \"command\": [\"sh\", \"-c\", \"echo ran >> pre.flag\"]}]}}\n", -1, NULL));
  http_test_server_start (server);

  answer = http_test_request_json (server, "POST", "/api/v1/upgrade/execute", check, 202);
  finished = wait_finished (server, json_object_get_string_member (answer, "execution_id"), "FAILED");
  g_assert_true (object_mentions (finished, "data_quality:negative_amount"));
  g_assert_true (object_mentions (finished, "\"verdict\":\"fail\""));
  g_clear_pointer (&answer, json_object_unref);
  g_clear_pointer (&finished, json_object_unref);

  refused = http_test_request_json (server, "POST", "/api/v1/upgrade/execute", pre, 409);
  http_test_assert_error (refused, "check-failed", "business_check ended FAILED");

  answer = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                   "{\"fromVersion\": \"1.2.0\", \"toVersion\": \"1.3.0\", \"stage\": \"pre_stop\","
                                   " \"skip_checks\": true}", 202);
  finished = wait_finished (server, json_object_get_string_member (answer, "execution_id"), "SUCCESS");
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM upgrade_check_skip WHERE site_id = 'site-a'"
                                             " AND stage = 'pre_stop' AND check_stage = 'business_check'"
                                             " AND skipped_by LIKE 'api@127.0.0.1%'"
                                             " AND reason LIKE '%negative_amount%'"), ==, 1);
  /* Its status says who skipped the checks. */
  assert_status_approval (server, json_object_get_string_member (answer, "execution_id"), "check_skips",
                          "skipped_by", "api@127.0.0.1");
  g_clear_pointer (&answer, json_object_unref);
  g_clear_pointer (&finished, json_object_unref);

  exec_sqlite_exec (db, "UPDATE amounts SET amount = 5 WHERE id = 2");
  answer = http_test_request_json (server, "POST", "/api/v1/upgrade/execute", check, 202);
  finished = wait_finished (server, json_object_get_string_member (answer, "execution_id"), "SUCCESS");
  g_assert_true (object_mentions (finished, "\"verdict\":\"pass\""));
}

/* A pre_stop started over HTTP with "skip_checks": true stops at its
 * failed step; once the cause is fixed, POST resume continues it without
 * skip_checks (the skip was decided when it started), while a new
 * execution of pre_stop is still a 409. */
static void
test_check_stages_resume (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autofree char *manifest = http_test_server_path (server, "bundle/manifests/1.3.0.json");
  g_autofree char *db = http_test_server_path (server, "app.db");
  g_autofree char *flag = http_test_server_path (server, "fixed.flag");
  g_autofree char *text = NULL, *path = NULL, *id = NULL;
  g_autoptr(JsonObject) answer = NULL, finished = NULL, refused = NULL;
  const char *check = "{\"fromVersion\": \"1.2.0\", \"toVersion\": \"1.3.0\", \"stage\": \"business_check\"}";

  exec_sqlite_exec (db, "CREATE TABLE amounts (id INTEGER PRIMARY KEY, amount INTEGER);"
                        "INSERT INTO amounts VALUES (1, -5);");
  text = g_strdup_printf (
    "{\"version\": \"1.3.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"checks\": {\"data_quality\": [{\"id\": \"negative_amount\", \"name\": \"negative amounts\","
    "  \"database\": \"app_db\", \"sql\": \"SELECT COUNT(*) FROM amounts WHERE amount < 0\", \"threshold\": 0,"
    "  \"severity\": \"fail\", \"min_version\": \"1.0.0\", \"max_version\": \"1.3.0\"}]},\n"
    " \"upgrade_steps\": {\"pre_stop\": [{\"id\": \"needs_flag\", \"compatible_version\": \"1.0.0\","
    "  \"command\": [\"test\", \"-f\", \"%s\"]}]}}\n", flag);
  g_assert_true (g_file_set_contents (manifest, text, -1, NULL));
  http_test_server_start (server);

  answer = http_test_request_json (server, "POST", "/api/v1/upgrade/execute", check, 202);
  finished = wait_finished (server, json_object_get_string_member (answer, "execution_id"), "FAILED");
  g_clear_pointer (&answer, json_object_unref);
  g_clear_pointer (&finished, json_object_unref);

  answer = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                   "{\"fromVersion\": \"1.2.0\", \"toVersion\": \"1.3.0\", \"stage\": \"pre_stop\","
                                   " \"skip_checks\": true}", 202);
  id = g_strdup (json_object_get_string_member (answer, "execution_id"));
  finished = wait_finished (server, id, "FAILED");
  g_clear_pointer (&answer, json_object_unref);
  g_clear_pointer (&finished, json_object_unref);

  g_assert_true (g_file_set_contents (flag, "fixed\n", -1, NULL));
  path = g_strdup_printf ("/api/v1/upgrade/resume/%s", id);
  answer = http_test_request_json (server, "POST", path, "{\"action\": \"retry\"}", 202);
  g_assert_cmpstr (json_object_get_string_member (answer, "execution_id"), ==, id);
  finished = wait_finished (server, id, "SUCCESS");

  refused = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                    "{\"fromVersion\": \"1.2.0\", \"toVersion\": \"1.3.0\", \"stage\": \"pre_stop\"}",
                                    409);
  http_test_assert_error (refused, "check-failed", "business_check ended FAILED");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/http/health-and-token", test_health_and_token);
  g_test_add_func ("/http/plan", test_plan);
  g_test_add_func ("/http/assess-and-malformed", test_assess_and_malformed);
  g_test_add_func ("/http/failure-resume-report", test_failure_resume_report);
  g_test_add_func ("/http/refuses-to-start", test_refuses_to_start);
  g_test_add_func ("/http/confirmation", test_confirmation);
  g_test_add_func ("/http/check-stages", test_check_stages);
  g_test_add_func ("/http/check-stages-resume", test_check_stages_resume);

  return g_test_run ();
}
