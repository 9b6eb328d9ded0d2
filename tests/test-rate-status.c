/* test-rate-status.c - the live calibration (SPEC §3) seen from another
 * process: the executor keeps the revised estimate in the journal, and
 * `upgradectl status` (or the HTTP service's status of an execution it
 * does not run) reads it from there. The executor's clock is the
 * UPGRADE_TEST_CLOCK_TICK hook, here and in the upgradectl it runs: every
 * reading advances it by 5 s, so that every rate is known exactly.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "exec-test-util.h"

#define FROM "3.17.0"
#define TO "3.17.5"

/* Step s1 declares 4 statements to take 40 s (0.1/s); the fourth fails. */
#define SLOW_STEP \
  "{\"id\": \"s1\", \"database\": \"app\", \"sql_scripts\": [\"sql/001.sql\"], \"estimated_duration\": 40}"

static void
sql_site (ExecFixture *fx,
          const char  *steps)
{
  G_GNUC_UNUSED g_autofree char *app = exec_fixture_init_sqlite_app (fx);

  exec_fixture_write (fx, "bundle/sql/001.sql",
                      "CREATE TABLE t (n INTEGER);\n"
                      "INSERT INTO t VALUES (1);\n"
                      "INSERT INTO t VALUES (2);\n"
                      "INSERT INTO no_such_table VALUES (3);\n");
  exec_fixture_write (fx, "bundle/sql/002.sql", "INSERT INTO no_such_table VALUES (4);\n");
  exec_fixture_write (fx, "bundle/sql/003.sql", "CREATE TABLE u (n INTEGER);\n");
  exec_fixture_write_manifest (fx, TO, steps, NULL);
}

static void
count_revision (UpgRun *run, const char *step_id, const char *message, gint64 eta, guint *revisions)
{
  (*revisions)++;
}

/* Runs in_stop; returns whether the run succeeded, and how many estimates
 * were revised. */
static gboolean
run_stage (ExecFixture   *fx,
           UpgExecution **execution,
           guint         *revisions)
{
  g_autoptr(UpgExecutor) executor = exec_fixture_executor (fx);
  g_autoptr(UpgRun) run = exec_run_new (UPG_RUN_KIND_RUN, FROM, TO, "in_stop");
  g_autoptr(GError) error = NULL;
  gboolean ok;

  *revisions = 0;
  g_signal_connect (run, "rate-revised", G_CALLBACK (count_revision), revisions);
  ok = exec_run (executor, run, execution, &error);
  g_assert_true (ok == (error == NULL));
  g_assert_nonnull (*execution);
  return ok;
}

/* The execution as another process reads it: the HTTP service's status of
 * an execution it does not run goes through upg_executor_load_execution(). */
static UpgExecution *
load_elsewhere (ExecFixture  *fx,
                UpgExecution *execution)
{
  g_autoptr(UpgExecutor) reader = exec_fixture_executor (fx);
  g_autoptr(GError) error = NULL;
  UpgExecution *loaded = upg_executor_load_execution (reader, upg_execution_get_id (execution), &error);

  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  return loaded;
}

/* One statement every 5 s is 0.2/s, +100 %: revised after the first; the
 * step stops at the fourth with 1 statement left at 0.2/s: 5 s. */
static void
assert_stopped_estimate (UpgExecution *execution)
{
  g_autoptr(UpgRateEstimate) estimate = upg_execution_dup_rate_estimate (execution);
  g_autoptr(JsonNode) node = upg_execution_to_json (execution, TRUE);
  JsonObject *rate = json_object_get_object_member (json_node_get_object (node), "rate");

  g_assert_cmpint (upg_execution_get_status (execution), ==, UPG_EXECUTION_STATUS_FAILED);
  g_assert_true (upg_execution_has_rate_estimate (execution));
  g_assert_cmpstr (upg_rate_estimate_get_step_id (estimate), ==, "s1");
  g_assert_cmpstr (upg_rate_estimate_get_units (estimate), ==, "statements");
  g_assert_cmpfloat_with_epsilon (upg_rate_estimate_get_measured_rate (estimate), 0.2, 1e-9);
  g_assert_cmpfloat_with_epsilon (upg_rate_estimate_get_configured_rate (estimate), 0.1, 1e-9);
  g_assert_cmpint (upg_rate_estimate_get_deviation_percent (estimate), ==, 100);
  g_assert_cmpint (upg_rate_estimate_get_eta_seconds (estimate), ==, 5);
  g_assert_nonnull (upg_rate_estimate_get_revised_at (estimate));
  g_assert_nonnull (upg_rate_estimate_get_updated_at (estimate));
  g_assert_cmpint (g_date_time_compare (upg_rate_estimate_get_revised_at (estimate),
                                        upg_rate_estimate_get_updated_at (estimate)), <=, 0);
  g_assert_nonnull (rate);
  g_assert_cmpstr (json_object_get_string_member (rate, "step_id"), ==, "s1");
  g_assert_cmpint (json_object_get_int_member (rate, "remaining_seconds"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (rate, "deviation_percent"), ==, 100);
}

/* A step that stops keeps its last revised estimate in the journal, the
 * latest sample's even when the throttle held it back. */
static void
test_stopped_step_kept (void)
{
  ExecFixture fx;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(UpgExecution) loaded = NULL;
  guint revisions;

  sql_site (&fx, "\"in_stop\": [" SLOW_STEP "]");
  g_assert_false (run_stage (&fx, &execution, &revisions));
  g_assert_cmpuint (revisions, ==, 1);
  assert_stopped_estimate (execution);
  loaded = load_elsewhere (&fx, execution);
  assert_stopped_estimate (loaded);
  exec_fixture_clear (&fx);
}

/* The next step starts from its configured estimate: the revised one of
 * the step before is gone from memory and from the journal. */
static void
test_next_step_clears (void)
{
  ExecFixture fx;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(UpgExecution) loaded = NULL;
  guint revisions;
  g_autoptr(JsonNode) node = NULL;

  sql_site (&fx, "\"in_stop\": ["
                 " {\"id\": \"s0\", \"database\": \"app\", \"sql_scripts\": [\"sql/003.sql\"],"
                 "  \"estimated_duration\": 100},"
                 " {\"id\": \"s2\", \"database\": \"app\", \"sql_scripts\": [\"sql/002.sql\"]}]");
  g_assert_false (run_stage (&fx, &execution, &revisions));
  /* s0 was revised, s2 failed before its first measurement. */
  g_assert_cmpuint (revisions, ==, 1);
  g_assert_false (upg_execution_has_rate_estimate (execution));
  g_assert_null (upg_execution_dup_rate_estimate (execution));
  /* The deprecated getters answer their "none" values. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_assert_null (upg_execution_get_rate_step_id (execution));
  g_assert_cmpint (upg_execution_get_rate_eta_seconds (execution), ==, -1);
  g_assert_null (upg_execution_get_rate_revised_at (execution));
  G_GNUC_END_IGNORE_DEPRECATIONS
  loaded = load_elsewhere (&fx, execution);
  g_assert_cmpint (upg_execution_get_status (loaded), ==, UPG_EXECUTION_STATUS_FAILED);
  g_assert_false (upg_execution_has_rate_estimate (loaded));
  node = upg_execution_to_json (loaded, TRUE);
  g_assert_false (json_object_has_member (json_node_get_object (node), "rate"));
  exec_fixture_clear (&fx);
}

/* s0 (1 statement declared at 100 s) is revised at once; nothing remains
 * of a stage that succeeded. */
static void
test_success_clears (void)
{
  ExecFixture fx;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(UpgRateEstimate) estimate = NULL;
  g_autoptr(UpgExecution) loaded = NULL;
  guint revisions;
  g_autoptr(JsonNode) node = NULL;

  sql_site (&fx, "\"in_stop\": [{\"id\": \"s0\", \"database\": \"app\", \"sql_scripts\": [\"sql/003.sql\"],"
                 " \"estimated_duration\": 100}]");
  g_assert_true (run_stage (&fx, &execution, &revisions));
  g_assert_cmpuint (revisions, ==, 1);
  /* Revised in memory (the run's own process saw it)… */
  estimate = upg_execution_dup_rate_estimate (execution);
  g_assert_cmpstr (upg_rate_estimate_get_step_id (estimate), ==, "s0");
  /* …but a success shows no remaining time, here or elsewhere. */
  node = upg_execution_to_json (execution, TRUE);
  g_assert_false (json_object_has_member (json_node_get_object (node), "rate"));
  loaded = load_elsewhere (&fx, execution);
  g_assert_cmpint (upg_execution_get_status (loaded), ==, UPG_EXECUTION_STATUS_SUCCESS);
  g_assert_false (upg_execution_has_rate_estimate (loaded));
  exec_fixture_clear (&fx);
}

/* `upgradectl run` stops at the breakpoint after the revision;
 * `upgradectl status`, another process, shows the measured rate and the
 * revised remaining time. */
static void
test_cli_status_other_process (void)
{
  ExecFixture fx;
  const char *env[] = { "LC_ALL", "C.UTF-8", NULL };
  g_autofree char *out = NULL;
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRegex) line = NULL;
  g_autofree char *app = NULL;
  JsonObject *rate;
  int status;

  sql_site (&fx, "\"in_stop\": [" SLOW_STEP "]");
  app = exec_fixture_path (&fx, "app.db");
  status = exec_fixture_cli (&fx, env, NULL, "run", "--confirm", "--from", FROM, "--to", TO, "--stage", "in_stop", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 1);

  /* `status` exits with the code of a FAILED execution (SPEC §9). */
  status = exec_fixture_cli (&fx, env, &out, "status", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 1);
  line = g_regex_new ("^  step s1: measured 0\\.20 statements/s vs configured 0\\.10/s \\(\\+100 %\\);"
                      " remaining ≈ 5\\.0s \\(revised [0-9]{2}:[0-9]{2}:[0-9]{2}\\)$",
                      G_REGEX_MULTILINE, 0, &error);
  g_assert_no_error (error);
  if (!g_regex_match (line, out, 0, NULL))
    g_error ("upgradectl status shows no revised estimate:\n%s", out);

  status = exec_fixture_cli (&fx, env, &json, "--json", "status", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 1);
  node = json_from_string (json, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "status"), ==, "FAILED");
  rate = json_object_get_object_member (json_node_get_object (node), "rate");
  g_assert_nonnull (rate);
  g_assert_cmpstr (json_object_get_string_member (rate, "step_id"), ==, "s1");
  g_assert_cmpstr (json_object_get_string_member (rate, "units"), ==, "statements");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (rate, "measured_per_second"), 0.2, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (rate, "configured_per_second"), 0.1, 1e-9);
  g_assert_cmpint (json_object_get_int_member (rate, "remaining_seconds"), ==, 5);

  /* Running the command again continues the step, from its configured
   * estimate, and succeeds: nothing remains to show. */
  g_clear_pointer (&out, g_free);
  exec_sqlite_exec (app, "CREATE TABLE no_such_table (n INTEGER)");
  status = exec_fixture_cli (&fx, env, NULL, "run", "--confirm", "--from", FROM, "--to", TO, "--stage", "in_stop", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 0);
  status = exec_fixture_cli (&fx, env, &out, "status", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 0);
  g_assert_null (strstr (out, "measured"));
  exec_fixture_clear (&fx);
}

/* A step stopped before the minimum sample (UPG_RATE_TRACKER_MIN_SECONDS:
 * here 3 statements in 3 s of the test clock) keeps its configured
 * estimate: neither the run's output nor `status` (text or JSON) shows a
 * measured rate against it, and the run prints its error once. */
static void
test_cli_no_rate_before_minimum_sample (void)
{
  ExecFixture fx;
  const char *env[] = { "LC_ALL", "C.UTF-8", "UPGRADE_TEST_CLOCK_TICK", "1", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  sql_site (&fx, "\"in_stop\": [" SLOW_STEP "]");
  status = exec_fixture_cli_stderr (&fx, env, &err, "run", "--confirm", "--from", FROM, "--to", TO,
                                    "--stage", "in_stop", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 1);
  g_test_message ("stderr:\n%s", err);
  g_assert_null (strstr (err, "measured"));
  g_assert_null (strstr (err, "remaining revised"));

  status = exec_fixture_cli (&fx, env, &out, "status", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 1);
  g_test_message ("status:\n%s", out);
  g_assert_null (strstr (out, "measured"));
  g_assert_null (strstr (out, "configured"));
  status = exec_fixture_cli (&fx, env, &json, "--json", "status", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 1);
  node = json_from_string (json, &error);
  g_assert_no_error (error);
  g_assert_false (json_object_has_member (json_node_get_object (node), "rate"));
  exec_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Before any reading of the clock: the hook is read once. */
  g_setenv ("UPGRADE_TEST_CLOCK_TICK", "5", TRUE);
  g_test_add_func ("/rate-status/executor/stopped-step-kept", test_stopped_step_kept);
  g_test_add_func ("/rate-status/executor/next-step-clears", test_next_step_clears);
  g_test_add_func ("/rate-status/executor/success-clears", test_success_clears);
  g_test_add_func ("/rate-status/cli/status-other-process", test_cli_status_other_process);
  g_test_add_func ("/rate-status/cli/no-rate-before-minimum-sample", test_cli_no_rate_before_minimum_sample);
  return g_test_run ();
}
