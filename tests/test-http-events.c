/* test-http-events.c - upgraded's WebSocket events, the site lock (409),
 * runs that each report their own execution, kill -9 and restart
 * (INTERRUPTED, resumed once), SIGTERM
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The in_stop and post_upgrade stages of the fixture bundle start with a
 * gate step that writes to started.fifo and then waits on gate.fifo: the
 * test knows the execution is running and decides when it goes on.
 */
#include <string.h>

#include "exec-test-util.h"
#include "http-test-util.h"

static guint
index_of (GPtrArray  *seen,
          const char *name)
{
  for (guint i = 0; i < seen->len; i++)
    if (g_strcmp0 (g_ptr_array_index (seen, i), name) == 0)
      return i;
  g_error ("no '%s' event", name);
}

static char *
status_of (HttpTestServer *server,
           const char     *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/upgrade/status/%s", id);
  g_autoptr(JsonObject) status = http_test_request_json (server, "GET", path, NULL, 200);

  return g_strdup (json_object_get_string_member (status, "status"));
}

static void
test_events_and_lock (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autoptr(HttpTestEvents) events = NULL;
  g_autoptr(HttpTestEvents) late = NULL;
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) finished = NULL;
  g_autoptr(JsonObject) conflict = NULL;
  g_autoptr(JsonObject) late_status = NULL;
  g_autoptr(JsonObject) late_finished = NULL;
  g_autofree char *id = NULL;
  g_autofree char *db = NULL;
  JsonObject *execution;

  http_test_server_start (server);
  id = http_test_execute (server, "in_stop");
  http_test_gate_wait_started (server);

  /* The gate holds the site: a second execute (any stage) is refused. */
  conflict = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                     "{\"fromVersion\": \"1.0.0\", \"toVersion\": \"1.1.0\", \"stage\": \"pre_stop\"}",
                                     409);
  http_test_assert_error (conflict, "locked", "site-a");

  /* A subscriber first gets where the run stands. */
  events = http_test_events_connect (server, id);
  first = http_test_events_next (events);
  g_assert_cmpstr (json_object_get_string_member (first, "event"), ==, "status");
  g_assert_cmpstr (json_object_get_string_member (first, "execution_id"), ==, id);
  execution = json_object_get_object_member (first, "execution");
  g_assert_cmpstr (json_object_get_string_member (execution, "status"), ==, "RUNNING");
  g_assert_true (json_object_get_boolean_member (execution, "live"));
  g_assert_cmpstr (json_object_get_string_member (execution, "current_step"), ==, "gate");

  /* Then the events as they happen, without asking. */
  http_test_gate_open (server);
  finished = http_test_events_until (events, "finished", seen);
  g_assert_cmpstr (json_object_get_string_member (finished, "status"), ==, "SUCCESS");
  execution = json_object_get_object_member (finished, "execution");
  g_assert_cmpstr (json_object_get_string_member (execution, "status"), ==, "SUCCESS");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (execution, "steps")), ==, 2);
  g_assert_cmpuint (index_of (seen, "step-finished:gate"), <, index_of (seen, "step-started:sql_after_gate"));
  g_assert_cmpuint (index_of (seen, "step-started:sql_after_gate"), <, index_of (seen, "statement-finished"));
  g_assert_cmpuint (index_of (seen, "statement-finished"), <, index_of (seen, "progress"));
  g_assert_cmpuint (index_of (seen, "progress"), <, index_of (seen, "step-finished:sql_after_gate"));
  /* The run's log lines, which the service's own log (at its default
   * verbosity) leaves out, reach the subscriber that asked for them. */
  g_assert_cmpuint (index_of (seen, "log"), <, seen->len);
  g_assert_null (http_test_events_next (events));
  g_assert_true (events->closed);

  db = http_test_server_path (server, "app.db");
  g_assert_cmpint (exec_sqlite_int (db, "SELECT COUNT(*) FROM gated"), ==, 1);

  /* Subscribing after the end: the status, then finished at once. */
  late = http_test_events_connect (server, id);
  late_status = http_test_events_next (late);
  g_assert_cmpstr (json_object_get_string_member (late_status, "event"), ==, "status");
  late_finished = http_test_events_next (late);
  g_assert_cmpstr (json_object_get_string_member (late_finished, "event"), ==, "finished");
  g_assert_cmpstr (json_object_get_string_member (late_finished, "status"), ==, "SUCCESS");

  /* The lock went with the run: the site takes another stage. */
  g_free (id);
  id = http_test_execute (server, "pre_stop");
  g_clear_pointer (&late, http_test_events_free);
  late = http_test_events_connect (server, id);
  g_clear_pointer (&late_finished, json_object_unref);
  late_finished = http_test_events_until (late, "finished", NULL);
  g_assert_cmpstr (json_object_get_string_member (late_finished, "status"), ==, "SUCCESS");
}

static JsonObject *
finished_of (HttpTestServer *server,
             const char     *id,
             const char     *expected_status)
{
  g_autoptr(HttpTestEvents) events = http_test_events_connect (server, id);
  g_autoptr(JsonObject) finished = http_test_events_until (events, "finished", NULL);
  JsonObject *execution = json_object_get_object_member (finished, "execution");

  g_assert_cmpstr (json_object_get_string_member (finished, "execution_id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (finished, "status"), ==, expected_status);
  g_assert_nonnull (execution);
  g_assert_cmpstr (json_object_get_string_member (execution, "execution_id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (execution, "status"), ==, expected_status);
  return g_steal_pointer (&finished);
}

/* The service's one executor runs each request as its own UpgRun: site-b's
 * run fails while site-a's waits at its gate, and each reports its own
 * execution (the failed one with its breakpoint); a run after them, on
 * the same service, gets a new execution and reports that one. */
static void
test_runs_report_their_own_execution (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(JsonObject) failed = NULL;
  g_autoptr(JsonObject) gated = NULL;
  g_autoptr(JsonObject) later = NULL;
  g_autofree char *id_a = NULL;
  g_autofree char *id_b = NULL;
  g_autofree char *id_later = NULL;
  g_autofree char *metrics = NULL;
  JsonObject *breakpoint;

  http_test_server_start (server);
  id_a = http_test_execute (server, "in_stop");
  http_test_gate_wait_started (server);

  answer = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                   "{\"fromVersion\": \"1.0.0\", \"toVersion\": \"1.1.0\", "
                                   "\"stage\": \"post_start\", \"siteId\": \"site-b\"}", 202);
  id_b = g_strdup (json_object_get_string_member (answer, "execution_id"));
  /* And under the design documents' name for their clients (SPEC §10). */
  g_assert_cmpstr (json_object_get_string_member (answer, "executionId"), ==, id_b);
  g_assert_cmpstr (json_object_get_string_member (answer, "site"), ==, "site-b");
  g_assert_cmpstr (id_b, !=, id_a);
  failed = finished_of (server, id_b, "FAILED");
  g_assert_nonnull (strstr (json_object_get_string_member (failed, "message"), "fix_me"));
  breakpoint = json_object_get_object_member (json_object_get_object_member (failed, "execution"), "breakpoint");
  g_assert_nonnull (breakpoint);
  g_assert_cmpstr (json_object_get_string_member (breakpoint, "step_id"), ==, "sql_needs_fix");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (failed, "execution"), "site"),
                   ==, "site-b");

  http_test_gate_open (server);
  gated = finished_of (server, id_a, "SUCCESS");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (gated, "execution"), "site"),
                   ==, "site-a");

  id_later = http_test_execute (server, "pre_stop");
  g_assert_cmpstr (id_later, !=, id_a);
  later = finished_of (server, id_later, "SUCCESS");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (later, "execution"), "stage"),
                   ==, "pre_stop");

  /* Each run was counted with its own outcome. */
  g_assert_cmpuint (http_test_request (server, "GET", "/metrics", HTTP_TEST_TOKEN, NULL, &metrics, NULL), ==, 200);
  g_assert_nonnull (strstr (metrics, "upgraded_executions_finished_total{status=\"FAILED\"} 1\n"));
  g_assert_nonnull (strstr (metrics, "upgraded_executions_finished_total{status=\"SUCCESS\"} 2\n"));
}

static void
test_kill_and_restart (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autoptr(HttpTestEvents) events = NULL;
  g_autoptr(JsonObject) resumed = NULL;
  g_autoptr(JsonObject) finished = NULL;
  g_autoptr(JsonObject) refused = NULL;
  g_autofree char *id = NULL;
  g_autofree char *status = NULL;
  g_autofree char *path = NULL;
  g_autofree char *db = NULL;

  http_test_server_start (server);
  id = http_test_execute (server, "post_upgrade");
  http_test_gate_wait_started (server);
  /* The gate step dies with the service (PR_SET_PDEATHSIG): nothing of
   * the killed run goes on beside the restarted one. */
  http_test_server_kill (server);

  http_test_server_start (server);
  status = status_of (server, id);
  g_assert_cmpstr (status, ==, "INTERRUPTED");

  path = g_strdup_printf ("/api/v1/upgrade/resume/%s", id);
  resumed = http_test_request_json (server, "POST", path, "{\"action\": \"continue\"}", 202);
  g_assert_cmpstr (json_object_get_string_member (resumed, "execution_id"), ==, id);
  http_test_gate_wait_started (server);
  events = http_test_events_connect (server, id);
  http_test_gate_open (server);
  finished = http_test_events_until (events, "finished", NULL);
  g_assert_cmpstr (json_object_get_string_member (finished, "status"), ==, "SUCCESS");
  g_free (status);
  status = status_of (server, id);
  g_assert_cmpstr (status, ==, "SUCCESS");
  db = http_test_server_path (server, "app.db");
  g_assert_cmpint (exec_sqlite_int (db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'late'"), ==, 1);

  /* Exactly once: a finished execution is not resumed again. */
  refused = http_test_request_json (server, "POST", path, NULL, 409);
  http_test_assert_error (refused, "finished", "nothing to resume");
}

static void
test_sigterm (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autofree char *id = NULL;
  g_autofree char *status = NULL;

  http_test_server_start (server);
  id = http_test_execute (server, "in_stop");
  http_test_gate_wait_started (server);
  /* Graceful: the running execution is cancelled, exit status 0. */
  g_assert_cmpint (http_test_server_terminate (server), ==, 0);

  http_test_server_start (server);
  status = status_of (server, id);
  g_assert_cmpstr (status, ==, "INTERRUPTED");
  /* The lock was released: the same stage continues the same execution. */
  {
    g_autofree char *again = http_test_execute (server, "in_stop");

    g_assert_cmpstr (again, ==, id);
  }
  http_test_gate_wait_started (server);
  http_test_gate_open (server);
  {
    g_autoptr(HttpTestEvents) events = http_test_events_connect (server, id);
    g_autoptr(JsonObject) finished = http_test_events_until (events, "finished", NULL);

    g_assert_cmpstr (json_object_get_string_member (finished, "status"), ==, "SUCCESS");
  }
}

/* The lock is the journal's: an upgradectl run holding the site makes the
 * service's execute a 409 too. */
static void
test_lock_held_by_another_process (void)
{
  g_autoptr(HttpTestServer) server = http_test_server_new ();
  g_autofree char *state = http_test_server_path (server, "state");
  g_autoptr(GSubprocess) ctl = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) conflict = NULL;

  http_test_server_start (server);
  ctl = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, g_getenv ("UPGRADECTL"),
                          "-b", server->bundle, "-c", server->config, "--state-dir", state,
                          "run", "--from", "1.0.0", "--to", "1.1.0", "--stage", "in_stop", NULL);
  g_assert_no_error (error);
  http_test_gate_wait_started (server);

  conflict = http_test_request_json (server, "POST", "/api/v1/upgrade/execute",
                                     "{\"fromVersion\": \"1.0.0\", \"toVersion\": \"1.1.0\", \"stage\": \"pre_stop\"}",
                                     409);
  http_test_assert_error (conflict, "locked", "site-a");

  http_test_gate_open (server);
  g_assert_true (g_subprocess_wait_check (ctl, NULL, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/http/events-and-lock", test_events_and_lock);
  g_test_add_func ("/http/lock-held-by-another-process", test_lock_held_by_another_process);
  g_test_add_func ("/http/runs-report-their-own-execution", test_runs_report_their_own_execution);
  g_test_add_func ("/http/kill-and-restart", test_kill_and_restart);
  g_test_add_func ("/http/sigterm", test_sigterm);

  return g_test_run ();
}
