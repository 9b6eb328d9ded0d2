/* test-run.c - the caller-owned UpgRun: its signals, and its execution
 * kept after a failure, for several runs on one executor
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "exec-test-util.h"

#define FROM "3.17.0"
#define TO "3.17.5"

/* s1 fails at its third statement (line 3, sequence 3) until the table
 * "missing" exists. */
static char *
write_failing_site (ExecFixture *fx)
{
  char *db = exec_fixture_init_sqlite_app (fx);

  exec_fixture_write (fx, "bundle/sql/s1.sql",
                      "CREATE TABLE t (n INTEGER);\n"
                      "INSERT INTO t VALUES (1);\n"
                      "INSERT INTO missing VALUES (2);\n");
  exec_fixture_write_manifest (fx, TO, "\"in_stop\": ["
                                       " {\"id\": \"s1\", \"database\": \"app\", \"sql_scripts\": [\"sql/s1.sql\"]}]",
                               NULL);
  return db;
}

static void
assert_failed_at_missing (UpgExecution *execution)
{
  g_assert_nonnull (execution);
  g_assert_cmpint (upg_execution_get_status (execution), ==, UPG_EXECUTION_STATUS_FAILED);
  g_assert_true (upg_execution_has_breakpoint (execution));
  g_assert_cmpstr (upg_breakpoint_get_step_id (upg_execution_get_breakpoint (execution)), ==, "s1");
  g_assert_cmpstr (upg_breakpoint_get_file (upg_execution_get_breakpoint (execution)), ==, "sql/s1.sql");
  g_assert_cmpuint (upg_breakpoint_get_line (upg_execution_get_breakpoint (execution)), ==, 3);
  g_assert_cmpuint (upg_breakpoint_get_sequence (upg_execution_get_breakpoint (execution)), ==, 3);
  g_assert_nonnull (strstr (upg_breakpoint_get_error (upg_execution_get_breakpoint (execution)),
                            "no such table: missing"));
}

typedef struct {
  GMainLoop     *loop;
  UpgRun        *run;
  GError        *error;
  guint          notified;         /* notify::execution */
  gboolean       set_in_callback;  /* the execution was there before finish */
  UpgStepStatus  step_status;
  char          *started_id;
} Outcome;

static void
on_notify_execution (GObject    *object,
                     GParamSpec *pspec,
                     Outcome    *outcome)
{
  outcome->notified++;
}

static void
on_step_finished (UpgRun        *run,
                  const char    *step_id,
                  const char    *version,
                  UpgStepStatus  status,
                  gint64         duration_ms,
                  const char    *message,
                  Outcome       *outcome)
{
  outcome->step_status = status;
}

static void
on_execution_started (UpgRun     *run,
                      const char *id,
                      Outcome    *outcome)
{
  g_free (outcome->started_id);
  outcome->started_id = g_strdup (id);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Outcome *outcome = data;

  outcome->set_in_callback = upg_run_get_execution (outcome->run) != NULL;
  g_assert_false (upg_executor_run_finish (UPG_EXECUTOR (source), result, &outcome->error));
  g_main_loop_quit (outcome->loop);
}

/* An asynchronous run that fails keeps its execution, with the
 * breakpoint, set before the callback; a second run on the same executor
 * gets its own and leaves the first one's alone. */
static void
test_failed_run_keeps_execution (void)
{
  ExecFixture fx;
  g_autofree char *db = write_failing_site (&fx);
  g_autoptr(UpgExecutor) executor = exec_fixture_executor (&fx);
  g_autoptr(UpgRun) first = exec_run_new (UPG_RUN_KIND_RUN, FROM, TO, "in_stop");
  g_autoptr(UpgRun) second = exec_run_new (UPG_RUN_KIND_RUN, FROM, TO, "in_stop");
  g_autoptr(UpgExecution) from_property = NULL;
  g_autoptr(GError) error = NULL;
  Outcome outcome = { 0 };
  UpgExecution *failed;
  UpgExecution *succeeded;

  outcome.loop = g_main_loop_new (NULL, FALSE);
  outcome.run = first;
  outcome.step_status = UPG_STEP_STATUS_PENDING;
  g_signal_connect (first, "notify::execution", G_CALLBACK (on_notify_execution), &outcome);
  g_signal_connect (first, "step-finished", G_CALLBACK (on_step_finished), &outcome);
  g_signal_connect (first, "execution-started", G_CALLBACK (on_execution_started), &outcome);
  exec_confirm_plan (executor, first);
  upg_executor_run_async (executor, first, NULL, on_done, &outcome);
  g_assert_null (upg_run_get_execution (first));
  g_main_loop_run (outcome.loop);

  g_assert_error (outcome.error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_true (outcome.set_in_callback);
  g_assert_cmpuint (outcome.notified, ==, 1);
  g_assert_cmpint (outcome.step_status, ==, UPG_STEP_STATUS_FAILED);
  failed = upg_run_get_execution (first);
  assert_failed_at_missing (failed);
  g_assert_cmpstr (upg_execution_get_id (failed), ==, outcome.started_id);
  g_object_get (first, "execution", &from_property, NULL);
  g_assert_true (from_property == failed);

  /* The operator creates the table; the next run continues the execution
   * at its breakpoint, and reports it through its own run. */
  exec_sqlite_exec (db, "CREATE TABLE missing (n INTEGER)");
  g_assert_true (upg_executor_run (executor, second, NULL, &error));
  g_assert_no_error (error);
  succeeded = upg_run_get_execution (second);
  g_assert_nonnull (succeeded);
  g_assert_true (succeeded != failed);
  g_assert_cmpstr (upg_execution_get_id (succeeded), ==, upg_execution_get_id (failed));
  g_assert_cmpint (upg_execution_get_status (succeeded), ==, UPG_EXECUTION_STATUS_SUCCESS);
  g_assert_cmpuint (upg_execution_get_resume_count (succeeded), ==, 1);
  g_assert_true (upg_run_get_execution (first) == failed);
  assert_failed_at_missing (failed);
  g_assert_cmpint (exec_sqlite_int (db, "SELECT COUNT(*) FROM missing"), ==, 1);

  /* A run runs once. */
  g_assert_false (upg_executor_run (executor, first, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_assert_true (upg_run_get_execution (first) == failed);

  g_clear_error (&outcome.error);
  g_free (outcome.started_id);
  g_main_loop_unref (outcome.loop);
  exec_fixture_clear (&fx);
}

/* The synchronous form: the execution is there when the call returns,
 * and a resume run of it skips the failed statement. */
static void
test_sync_failure_and_resume (void)
{
  ExecFixture fx;
  g_autofree char *db = write_failing_site (&fx);
  g_autoptr(UpgExecutor) executor = exec_fixture_executor (&fx);
  g_autoptr(UpgRun) run = exec_run_new (UPG_RUN_KIND_RUN, FROM, TO, "in_stop");
  g_autoptr(UpgRun) resume = NULL;
  g_autoptr(GError) error = NULL;
  UpgExecution *resumed;

  exec_confirm_plan (executor, run);
  g_assert_false (upg_executor_run (executor, run, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_clear_error (&error);
  assert_failed_at_missing (upg_run_get_execution (run));

  resume = upg_run_new_resume (upg_execution_get_id (upg_run_get_execution (run)), UPG_RESUME_ACTION_SKIP);
  g_assert_cmpint (upg_run_get_kind (resume), ==, UPG_RUN_KIND_RESUME);
  g_assert_true (upg_executor_run (executor, resume, NULL, &error));
  g_assert_no_error (error);
  resumed = upg_run_get_execution (resume);
  g_assert_cmpstr (upg_execution_get_id (resumed), ==, upg_execution_get_id (upg_run_get_execution (run)));
  g_assert_cmpint (upg_execution_get_status (resumed), ==, UPG_EXECUTION_STATUS_SUCCESS);
  g_assert_cmpint (exec_sqlite_int (db, "SELECT COUNT(*) FROM t"), ==, 1);
  exec_fixture_clear (&fx);
}

/* A run that stops before an execution began has none. */
static void
test_locked_run_has_no_execution (void)
{
  ExecFixture fx;
  G_GNUC_UNUSED g_autofree char *db = write_failing_site (&fx);
  g_autoptr(UpgExecutor) executor = exec_fixture_executor (&fx);
  g_autoptr(UpgRun) run = exec_run_new (UPG_RUN_KIND_RUN, FROM, TO, "in_stop");
  g_autoptr(GError) error = NULL;

  upg_run_set_site_id (run, "no-such-site");
  g_assert_false (upg_executor_run (executor, run, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_assert_null (upg_run_get_execution (run));
  exec_fixture_clear (&fx);
}

/* What a run is comes at construction; its options stop changing once
 * it started. */
static void
test_properties (void)
{
  g_autoptr(UpgRun) run = exec_run_new (UPG_RUN_KIND_ROLLBACK, FROM, TO, "in_stop");
  g_autoptr(UpgRun) resume = upg_run_new_resume ("00000000-0000-0000-0000-000000000000",
                                                  UPG_RESUME_ACTION_RETRY);
  g_autoptr(UpgVersion) from = NULL;
  g_autofree char *resume_id = NULL;
  g_autoptr(JsonObject) env = json_object_new ();
  UpgRunKind kind;
  UpgStage stage;
  UpgResumeAction action;
  GParamSpec *pspec;

  g_object_get (run, "kind", &kind, "stage", &stage, "from", &from, NULL);
  g_assert_cmpint (kind, ==, UPG_RUN_KIND_ROLLBACK);
  g_assert_cmpint (stage, ==, UPG_STAGE_IN_STOP);
  g_assert_cmpint (upg_version_compare (from, upg_run_get_from (run)), ==, 0);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (run), "kind");
  g_assert_true (pspec->flags & G_PARAM_CONSTRUCT_ONLY);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (run), "execution");
  g_assert_false (pspec->flags & G_PARAM_WRITABLE);

  g_object_get (resume, "resume-id", &resume_id, "action", &action, NULL);
  g_assert_cmpstr (resume_id, ==, "00000000-0000-0000-0000-000000000000");
  g_assert_cmpint (action, ==, UPG_RESUME_ACTION_RETRY);
  g_assert_null (upg_run_get_from (resume));

  g_object_set (run, "site-id", "bj-01", "component", "c", "env", env, "accept-changed", TRUE,
                "new-execution", TRUE, NULL);
  g_assert_cmpstr (upg_run_get_site_id (run), ==, "bj-01");
  g_assert_cmpstr (upg_run_get_component (run), ==, "c");
  g_assert_true (upg_run_get_env (run) == env);
  g_assert_true (upg_run_get_accept_changed (run));
  g_assert_true (upg_run_get_new_execution (run));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/run/failed-run-keeps-execution", test_failed_run_keeps_execution);
  g_test_add_func ("/run/sync-failure-and-resume", test_sync_failure_and_resume);
  g_test_add_func ("/run/stopped-before-start", test_locked_run_has_no_execution);
  g_test_add_func ("/run/properties", test_properties);
  return g_test_run ();
}
