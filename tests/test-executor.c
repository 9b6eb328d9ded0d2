/* test-executor.c - the execution engine on SQLite: steps, skips,
 * breakpoints, resume, locks, commands, routing and crash points
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include "exec-test-util.h"
#include "upg-exit-code.h"

#define FROM "3.17.0"
#define TO "3.17.5"

typedef struct {
  ExecFixture fx;
  char *app_db;
  char *other_db;
} Site;

/* The statements of sql/002.sql, with the line each starts on:
 *   1  INSERT 3           (sequence 1)
 *   2  UPDATE n + 100     (sequence 2)
 *   4  INSERT missing     (sequence 3, fails until the table exists)
 *   6  INSERT 4           (sequence 4)
 */
static const char sql_002_failing[] =
  "INSERT INTO counter VALUES (3);\n"
  "UPDATE counter SET n = n + 100 WHERE n = 3;\n"
  "-- needs a table the operator creates by hand\n"
  "INSERT INTO missing_table\n  VALUES (1);\n"
  "INSERT INTO counter VALUES (4);\n";

static const char sql_002_ok[] =
  "INSERT INTO counter VALUES (3);\n"
  "UPDATE counter SET n = n + 100 WHERE n = 3;\n"
  "INSERT INTO counter VALUES (4);\n";

static void
site_init (Site       *site,
           gboolean    failing,
           const char *command_json)
{
  g_autofree char *app = NULL;
  g_autofree char *other = NULL;
  g_autofree char *sources = NULL;
  g_autofree char *steps = NULL;

  exec_fixture_init (&site->fx);
  site->app_db = exec_fixture_path (&site->fx, "app.db");
  site->other_db = exec_fixture_path (&site->fx, "other.db");
  app = exec_fixture_sqlite_source (&site->fx, "app.db");
  other = exec_fixture_sqlite_source (&site->fx, "other.db");
  sources = g_strdup_printf ("\"app\": %s, \"other\": %s", app, other);
  exec_fixture_write_config (&site->fx, "bj-01", sources);

  exec_fixture_write (&site->fx, "bundle/sql/001.sql",
                      "CREATE TABLE counter (n INTEGER);\n"
                      "INSERT INTO counter VALUES (1);\n"
                      "INSERT INTO counter VALUES (2);\n"
                      "-- @database: other\n"
                      "CREATE TABLE routed (x INTEGER);\n"
                      "INSERT INTO routed VALUES (42);\n");
  exec_fixture_write (&site->fx, "bundle/sql/002.sql", failing ? sql_002_failing : sql_002_ok);
  exec_fixture_write (&site->fx, "bundle/tools/env.sh",
                      "echo \"hello from c1\"\n"
                      "echo \"warning from c1\" >&2\n"
                      "env | grep '^UPGRADE_' | sort > ../env.out\n"
                      "pwd >> ../env.out\n");
  steps = g_strdup_printf (
    "\"in_stop\": ["
    " {\"id\": \"s1\", \"database\": \"app\", \"sql_scripts\": [\"sql/001.sql\"]},"
    " %s,"
    " {\"id\": \"s2\", \"database\": \"app\", \"sql_scripts\": [\"sql/002.sql\"]}]",
    command_json != NULL ? command_json
                         : "{\"id\": \"c1\", \"command\": [\"sh\", \"tools/env.sh\"]}");
  exec_fixture_write_manifest (&site->fx, TO, steps, NULL);
}

static void
site_clear (Site *site)
{
  exec_fixture_clear (&site->fx);
  g_free (site->app_db);
  g_free (site->other_db);
}

static char *
read_file (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static void
test_happy_path_and_skip (void)
{
  Site site;
  g_autoptr(UpgExecution) first = NULL;
  g_autoptr(UpgExecution) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *env_path = NULL;
  g_autofree char *env = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *log = NULL;
  g_autofree char *expected = NULL;

  site_init (&site, FALSE, NULL);
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &first, &error));
  g_assert_no_error (error);
  g_assert_cmpint (upg_execution_get_status (first), ==, UPG_EXECUTION_STATUS_SUCCESS);
  exec_assert_steps (first, "s1=SUCCESS c1=SUCCESS s2=SUCCESS");
  g_assert_false (upg_execution_has_breakpoint (first));
  g_assert_cmpuint (upg_execution_get_statements_total (first), ==, 8);
  g_assert_cmpuint (upg_execution_get_statements_done (first), ==, 8);
  g_assert_cmpint (exec_sqlite_int (site.app_db, "SELECT SUM(n) FROM counter"), ==, 1 + 2 + 103 + 4);
  g_assert_cmpint (exec_sqlite_int (site.other_db, "SELECT x FROM routed"), ==, 42);
  g_assert_cmpint (exec_sqlite_int (site.app_db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'routed'"),
                   ==, 0);

  /* The command saw its environment and ran in the bundle. */
  env_path = exec_fixture_path (&site.fx, "env.out");
  env = read_file (env_path);
  expected = g_strdup_printf ("UPGRADE_EXECUTION_ID=%s\n", upg_execution_get_id (first));
  g_assert_nonnull (strstr (env, expected));
  g_assert_nonnull (strstr (env, "UPGRADE_FROM_VERSION=3.17.0\n"));
  g_assert_nonnull (strstr (env, "UPGRADE_TO_VERSION=3.17.5\n"));
  g_assert_nonnull (strstr (env, "UPGRADE_SITE_ID=bj-01\n"));
  g_assert_nonnull (strstr (env, "UPGRADE_STAGE=in_stop\n"));
  g_assert_nonnull (strstr (env, "UPGRADE_ENV={\"cluster_id\":\"c-1\"}\n"));
  g_assert_nonnull (strstr (env, site.fx.bundle));

  /* Its output is in the execution's log, tagged, with the execution id. */
  log_path = g_strdup_printf ("%s/logs/%s.log", site.fx.state, upg_execution_get_id (first));
  log = read_file (log_path);
  g_assert_nonnull (strstr (log, "c1 stdout: hello from c1"));
  g_assert_nonnull (strstr (log, "c1 stderr: warning from c1"));
  g_assert_nonnull (strstr (log, upg_execution_get_id (first)));
  g_assert_nonnull (strstr (log, "002.sql:2 app SUCCESS"));

  /* Again: a new execution in which every step is skipped. */
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &second, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (upg_execution_get_id (second), !=, upg_execution_get_id (first));
  exec_assert_steps (second, "s1=SKIPPED c1=SKIPPED s2=SKIPPED");
  g_free (expected);
  expected = g_strdup_printf ("already succeeded in %s", upg_execution_get_id (first));
  g_assert_cmpstr (upg_execution_get_step_message (second, 0), ==, expected);
  g_assert_cmpint (exec_sqlite_int (site.app_db, "SELECT SUM(n) FROM counter"), ==, 110);
  site_clear (&site);
}

typedef struct {
  GMainLoop    *loop;
  GThread      *main_thread;
  guint         started;
  guint         steps;
  guint         statements;
  guint         progress;
  guint         logs;
  char         *last_log;
  char         *last_log_at_end;
  guint         last_done;
  guint         last_total;
  gboolean      other_thread;
  UpgRun       *run;
  UpgExecution *execution;
  GError       *error;
} Signals;

static void
count_thread (Signals *s)
{
  if (g_thread_self () != s->main_thread)
    s->other_thread = TRUE;
}

static void
on_started (UpgRun *r, const char *id, Signals *s)
{
  count_thread (s);
  s->started++;
}

static void
on_step_finished (UpgRun *r, const char *id, const char *version, UpgStepStatus status, gint64 ms,
                  const char *message, Signals *s)
{
  count_thread (s);
  g_assert_cmpint (status, ==, UPG_STEP_STATUS_SUCCESS);
  s->steps++;
}

static void
on_statement (UpgRun *r, const char *file, guint line, guint sequence, UpgStatementStatus status, gint64 ms,
              Signals *s)
{
  count_thread (s);
  s->statements++;
}

static void
on_progress (UpgRun *r, guint done, guint total, const char *position, gint64 eta, Signals *s)
{
  count_thread (s);
  g_assert_nonnull (strchr (position, ':'));
  s->progress++;
  s->last_done = done;
  s->last_total = total;
}

static void
on_log (UpgRun *r, const char *line, Signals *s)
{
  count_thread (s);
  s->logs++;
  g_free (s->last_log);
  s->last_log = g_strdup (line);
}

static void
on_run_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Signals *s = data;

  upg_executor_run_finish (UPG_EXECUTOR (source), result, &s->error);
  g_assert_nonnull (upg_run_get_execution (s->run));
  s->execution = g_object_ref (upg_run_get_execution (s->run));
  s->last_log_at_end = g_strdup (s->last_log);
  g_main_loop_quit (s->loop);
}


/* The async API runs in a worker thread; every signal arrives in the
 * caller's main context, in order, before the callback. Run with
 * UPGRADE_TEST_SIGNAL_DELAY_MS=10000 (the meson test
 * executor-async-signals), so that only the run's end delivers the
 * per-statement signals. */
static void
test_async_signals (void)
{
  Site site;
  Signals s = { 0 };
  g_autoptr(UpgExecutor) executor = NULL;
  g_autoptr(UpgRun) run = NULL;

  if (g_strcmp0 (g_getenv ("UPGRADE_TEST_SIGNAL_DELAY_MS"), "10000") != 0)
    {
      g_test_skip ("needs UPGRADE_TEST_SIGNAL_DELAY_MS=10000 (meson test executor-async-signals)");
      return;
    }
  run = exec_run_new (UPG_RUN_KIND_RUN, FROM, TO, "in_stop");
  site_init (&site, FALSE, NULL);
  executor = exec_fixture_executor (&site.fx);
  s.loop = g_main_loop_new (NULL, FALSE);
  s.main_thread = g_thread_self ();
  s.run = run;
  g_signal_connect (run, "execution-started", G_CALLBACK (on_started), &s);
  g_signal_connect (run, "step-finished", G_CALLBACK (on_step_finished), &s);
  g_signal_connect (run, "statement-finished", G_CALLBACK (on_statement), &s);
  g_signal_connect (run, "progress", G_CALLBACK (on_progress), &s);
  g_signal_connect (run, "log", G_CALLBACK (on_log), &s);
  exec_confirm_plan (executor, run);
  upg_executor_run_async (executor, run, NULL, on_run_done, &s);
  g_main_loop_run (s.loop);
  g_assert_no_error (s.error);
  /* The per-statement signals and log lines wait for the ones after them
   * (10 s here; upg-executor-signals.c): the run's end makes them due
   * first, the outcome's line included. */
  g_assert_nonnull (s.last_log_at_end);
  g_assert_nonnull (strstr (s.last_log_at_end, "execution SUCCESS"));
  g_assert_cmpint (upg_execution_get_status (s.execution), ==, UPG_EXECUTION_STATUS_SUCCESS);
  g_assert_false (s.other_thread);
  g_assert_cmpuint (s.started, ==, 1);
  g_assert_cmpuint (s.steps, ==, 3);
  g_assert_cmpuint (s.statements, ==, 8);
  g_assert_cmpuint (s.progress, ==, 8);
  g_assert_cmpuint (s.last_done, ==, 8);
  g_assert_cmpuint (s.last_total, ==, 8);
  g_assert_cmpuint (s.logs, >=, 5);
  g_clear_object (&s.execution);
  g_free (s.last_log);
  g_free (s.last_log_at_end);
  g_main_loop_unref (s.loop);
  site_clear (&site);
}

static void
assert_failed_at_missing_table (UpgExecution *execution,
                                const GError *error)
{
  const UpgBreakpoint *bp;
  g_autoptr(UpgBreakpoint) copy = NULL;

  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_cmpint (upg_exit_code_for_error (error), ==, 1);
  g_assert_nonnull (strstr (error->message, "sql/002.sql:4"));
  g_assert_nonnull (strstr (error->message, "INSERT INTO missing_table"));
  g_assert_nonnull (strstr (error->message, "no such table: missing_table"));
  g_assert_cmpint (upg_execution_get_status (execution), ==, UPG_EXECUTION_STATUS_FAILED);
  g_assert_true (upg_execution_has_breakpoint (execution));
  bp = upg_execution_get_breakpoint (execution);
  g_assert_nonnull (bp);
  g_assert_cmpstr (upg_breakpoint_get_step_id (bp), ==, "s2");
  g_assert_cmpstr (upg_breakpoint_get_file (bp), ==, "sql/002.sql");
  g_assert_cmpuint (upg_breakpoint_get_line (bp), ==, 4);
  g_assert_cmpuint (upg_breakpoint_get_sequence (bp), ==, 3);
  g_assert_cmpstr (upg_breakpoint_get_statement (bp), ==, "INSERT INTO missing_table\n  VALUES (1)");
  g_assert_cmpstr (upg_breakpoint_get_error_code (bp), ==, "1");
  g_assert_nonnull (strstr (upg_breakpoint_get_error (bp), "no such table"));

  /* A copy is its own value, equal field by field. */
  copy = upg_breakpoint_copy (bp);
  g_assert_true (copy != bp);
  g_assert_cmpstr (upg_breakpoint_get_statement (copy), ==, upg_breakpoint_get_statement (bp));
  g_assert_true (upg_breakpoint_get_statement (copy) != upg_breakpoint_get_statement (bp));
  g_assert_cmpuint (upg_breakpoint_get_line (copy), ==, 4);
  g_assert_cmpstr (upg_breakpoint_get_error (copy), ==, upg_breakpoint_get_error (bp));
  g_assert_true (G_TYPE_IS_BOXED (UPG_TYPE_BREAKPOINT));

  /* The deprecated getters still answer, from the same breakpoint. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_assert_cmpstr (upg_execution_get_breakpoint_step_id (execution), ==, "s2");
  g_assert_cmpstr (upg_execution_get_breakpoint_file (execution), ==, "sql/002.sql");
  g_assert_cmpuint (upg_execution_get_breakpoint_line (execution), ==, 4);
  g_assert_cmpuint (upg_execution_get_breakpoint_sequence (execution), ==, 3);
  g_assert_cmpstr (upg_execution_get_breakpoint_statement (execution), ==, upg_breakpoint_get_statement (bp));
  g_assert_cmpstr (upg_execution_get_breakpoint_error_code (execution), ==, "1");
  g_assert_cmpstr (upg_execution_get_breakpoint_error (execution), ==, upg_breakpoint_get_error (bp));
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
test_failure_then_run_again (void)
{
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autoptr(UpgExecution) again = NULL;
  g_autoptr(UpgExecution) reloaded = NULL;
  g_autoptr(UpgExecutor) executor = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) json = NULL;
  JsonObject *bp;

  site_init (&site, TRUE, NULL);
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &failed, &error));
  assert_failed_at_missing_table (failed, error);
  exec_assert_steps (failed, "s1=SUCCESS c1=SUCCESS s2=FAILED");
  g_clear_error (&error);

  /* The breakpoint is in the journal, in the run form. */
  executor = exec_fixture_executor (&site.fx);
  reloaded = upg_executor_load_execution (executor, upg_execution_get_id (failed), &error);
  g_assert_no_error (error);
  json = upg_execution_to_json (reloaded, TRUE);
  bp = json_object_get_object_member (json_node_get_object (json), "breakpoint");
  g_assert_nonnull (bp);
  g_assert_cmpstr (json_object_get_string_member (bp, "step_id"), ==, "s2");
  g_assert_cmpstr (json_object_get_string_member (bp, "file"), ==, "sql/002.sql");
  g_assert_cmpint (json_object_get_int_member (bp, "line"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (bp, "sequence"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "status"), ==, "FAILED");

  /* The operator fixes the cause; the same run continues at the failed
   * statement: what ran before is not run again. */
  exec_sqlite_exec (site.app_db, "CREATE TABLE missing_table (x INTEGER)");
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &again, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (upg_execution_get_id (again), ==, upg_execution_get_id (failed));
  g_assert_cmpuint (upg_execution_get_resume_count (again), ==, 1);
  g_assert_cmpint (upg_execution_get_status (again), ==, UPG_EXECUTION_STATUS_SUCCESS);
  g_assert_cmpuint (upg_execution_get_statements_total (again), ==, 9);
  g_assert_cmpuint (upg_execution_get_statements_done (again), ==, 9);
  exec_assert_steps (again, "s1=SUCCESS c1=SUCCESS s2=SUCCESS");
  g_assert_cmpint (exec_sqlite_int (site.app_db, "SELECT COUNT(*) FROM counter"), ==, 4);
  g_assert_cmpint (exec_sqlite_int (site.app_db, "SELECT SUM(n) FROM counter"), ==, 110);
  g_assert_cmpint (exec_sqlite_int (site.app_db, "SELECT COUNT(*) FROM missing_table"), ==, 1);
  g_assert_false (upg_execution_has_breakpoint (again));
  site_clear (&site);
}

static void
test_resume_skip_and_retry (void)
{
  UpgResumeAction actions[] = { UPG_RESUME_ACTION_SKIP, UPG_RESUME_ACTION_RETRY };

  for (guint a = 0; a < G_N_ELEMENTS (actions); a++)
    {
      Site site;
      g_autoptr(UpgExecution) failed = NULL;
      g_autoptr(UpgExecution) resumed = NULL;
      g_autoptr(GError) error = NULL;
      gboolean skip = actions[a] == UPG_RESUME_ACTION_SKIP;

      site_init (&site, TRUE, NULL);
      g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &failed, &error));
      g_clear_error (&error);
      if (!skip)
        exec_sqlite_exec (site.app_db, "CREATE TABLE missing_table (x INTEGER)");
      g_assert_true (exec_fixture_resume (&site.fx, upg_execution_get_id (failed), actions[a], &resumed, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (upg_execution_get_id (resumed), ==, upg_execution_get_id (failed));
      g_assert_cmpint (upg_execution_get_status (resumed), ==, UPG_EXECUTION_STATUS_SUCCESS);
      g_assert_cmpint (exec_sqlite_int (site.app_db, "SELECT SUM(n) FROM counter"), ==, 110);
      if (!skip)
        g_assert_cmpint (exec_sqlite_int (site.app_db, "SELECT COUNT(*) FROM missing_table"), ==, 1);
      site_clear (&site);
    }
}

static void
test_resume_limit (void)
{
  Site site;
  g_autoptr(GError) error = NULL;

  site_init (&site, TRUE, NULL);
  for (guint i = 0; i <= 10; i++)
    {
      g_autoptr(UpgExecution) execution = NULL;

      g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &execution, &error));
      g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
      g_assert_cmpuint (upg_execution_get_resume_count (execution), ==, i);
      g_clear_error (&error);
    }
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_RESUME_LIMIT);
  g_assert_cmpint (exec_sqlite_int (site.app_db, "SELECT SUM(n) FROM counter"), ==, 1 + 2 + 103);
  site_clear (&site);
}

/* A breakpoint older than 7 days is refused: the site may have changed. */
static void
test_breakpoint_expired (void)
{
  Site site;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConfig) config = NULL;
  g_autoptr(UpgBundle) bundle = NULL;
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(UpgExecutor) executor = NULL;
  g_autoptr(UpgRun) run = exec_run_new (UPG_RUN_KIND_RUN, FROM, TO, "in_stop");
  g_autofree char *journal_path = NULL;

  site_init (&site, TRUE, NULL);
  config = upg_config_new_from_file (site.fx.config, &error);
  g_assert_no_error (error);
  bundle = upg_bundle_new_for_path (site.fx.bundle, &error);
  g_assert_no_error (error);
  journal_path = g_build_filename (site.fx.state, "journal.db", NULL);
  journal = upg_journal_open_sqlite (journal_path, &error);
  g_assert_no_error (error);
  /* The failure happens 8 days ago by the journal's clock. */
  upg_journal_set_now (journal, g_get_real_time () / 1000 - G_GINT64_CONSTANT (8) * 24 * 3600 * 1000);
  executor = upg_executor_new (config, bundle, journal, site.fx.state);
  exec_confirm_plan (executor, run);
  g_assert_false (upg_executor_run (executor, run, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_clear_error (&error);

  exec_sqlite_exec (site.app_db, "CREATE TABLE missing_table (x INTEGER)");
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_RESUME_LIMIT);
  g_assert_nonnull (strstr (error->message, "more than 7 days ago and has expired"));
  g_assert_cmpint (exec_sqlite_int (site.app_db, "SELECT COUNT(*) FROM missing_table"), ==, 0);
  site_clear (&site);
}

/* Before resuming, every data source of the remaining steps must answer;
 * otherwise nothing changes (not even the resume count). */
static void
test_resume_needs_data_sources (void)
{
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autoptr(UpgExecution) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;

  site_init (&site, TRUE, NULL);
  g_assert_true (g_file_get_contents (site.fx.config, &config, NULL, NULL));
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &failed, &error));
  g_clear_error (&error);

  exec_fixture_write_config (&site.fx, "bj-01",
                             "\"app\": {\"provider\": \"SQLite\", \"path\": \"/nonexistent/dir/app.db\"},"
                             " \"other\": {\"provider\": \"SQLite\", \"path\": \"/nonexistent/dir/other.db\"}");
  g_assert_false (exec_fixture_resume (&site.fx, upg_execution_get_id (failed), UPG_RESUME_ACTION_RETRY, NULL,
                                       &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE);
  g_assert_nonnull (strstr (error->message, "is not reachable"));
  g_assert_nonnull (strstr (error->message, "/nonexistent/dir/"));
  g_clear_error (&error);

  /* Reachable again: the refused attempt did not count as a resume. */
  g_assert_true (g_file_set_contents (site.fx.config, config, -1, NULL));
  exec_sqlite_exec (site.app_db, "CREATE TABLE missing_table (x INTEGER)");
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &again, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (upg_execution_get_resume_count (again), ==, 1);
  site_clear (&site);
}

static void
test_locked (void)
{
  Site site;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgJournal) other = NULL;
  g_autofree char *journal_path = NULL;

  site_init (&site, FALSE, NULL);
  journal_path = g_build_filename (site.fx.state, "journal.db", NULL);
  other = upg_journal_open_sqlite (journal_path, &error);
  g_assert_no_error (error);
  g_assert_true (upg_journal_acquire_lock (other, "bj-01", "someone-else", NULL, &error));
  g_assert_no_error (error);

  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_LOCKED);
  g_assert_cmpint (upg_exit_code_for_error (error), ==, 3);
  g_assert_false (g_file_test (site.app_db, G_FILE_TEST_EXISTS));  /* nothing ran */
  g_clear_error (&error);

  g_assert_true (upg_journal_release_lock (other, "bj-01", &error));
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", NULL, &error));
  g_assert_no_error (error);
  site_clear (&site);
}

/* A process id no process has any more. */
static guint
dead_pid (void)
{
  const char *argv[] = { "/bin/true", NULL };
  g_autoptr(GError) error = NULL;
  GPid pid = 0;
  int status = 0;

  g_assert_true (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                &error));
  g_assert_no_error (error);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  return (guint) pid;
}

/* upgradectl finds the lock of a run that crashed and takes it over: it
 * says so in the operator's language, in one sentence naming the site
 * once (no untranslated "site 'bj-01': " before it). */
static void
test_stale_lock_warning (void)
{
  const char *zh[] = { "LANG", "zh_CN.UTF-8", "LANGUAGE", "zh_CN", "LC_ALL", "zh_CN.UTF-8", NULL };
  Site site;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgJournal) crashed = NULL;
  g_autofree char *journal_path = NULL, *err = NULL;
  g_auto(GStrv) lines = NULL;
  guint found = 0;

  site_init (&site, FALSE, "{\"id\": \"c1\", \"command\": [\"true\"]}");
  journal_path = g_build_filename (site.fx.state, "journal.db", NULL);
  crashed = upg_journal_open_sqlite (journal_path, &error);
  g_assert_no_error (error);
  upg_journal_set_pid (crashed, dead_pid ());
  g_assert_true (upg_journal_acquire_lock (crashed, "bj-01", "crashed-run", NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpint (exec_exit_code (exec_fixture_cli_stderr (&site.fx, zh, &err, "run", "--from", FROM, "--to", TO,
                                                            "--stage", "in_stop", "--confirm", NULL)),
                   ==, 0);
  lines = g_strsplit (err, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *site_at;

      if (strstr (lines[i], "crashed-run") == NULL)
        continue;
      found++;
      site_at = strstr (lines[i], "bj-01");
      if (strstr (lines[i], "已接管站点“bj-01”") == NULL || strstr (lines[i], "site '") != NULL ||
          strstr (site_at + 1, "bj-01") != NULL)
        g_error ("expected one Chinese sentence naming bj-01 once, got: %s", lines[i]);
    }
  g_assert_cmpuint (found, ==, 1);
  site_clear (&site);
}

static void
test_command_failure_and_timeout (void)
{
  Site site;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *fifo = NULL;

  site_init (&site, FALSE, "{\"id\": \"c1\", \"command\": [\"sh\", \"-c\", \"echo bad; exit 3\"], \"retry_count\": 1}");
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &execution, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_nonnull (strstr (error->message, "exited with status 3"));
  g_assert_cmpstr (upg_breakpoint_get_step_id (upg_execution_get_breakpoint (execution)), ==, "c1");
  g_assert_null (upg_breakpoint_get_file (upg_execution_get_breakpoint (execution)));
  exec_assert_steps (execution, "s1=SUCCESS c1=FAILED");
  site_clear (&site);
  g_clear_error (&error);
  g_clear_object (&execution);

  /* A command that never ends: it blocks opening a FIFO nobody writes
   * (relative to the bundle, its working directory). */
  site_init (&site, FALSE, "{\"id\": \"c1\", \"command\": [\"cat\", \"never.fifo\"], \"timeout\": 1}");
  fifo = g_build_filename (site.fx.bundle, "never.fifo", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &execution, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_nonnull (strstr (error->message, "exceeded its timeout of 1 s and was killed"));
  site_clear (&site);
}

static void
test_unknown_datasource (void)
{
  Site site;
  g_autoptr(GError) error = NULL;

  site_init (&site, FALSE, "{\"id\": \"s9\", \"database\": \"nowhere\", \"sql_scripts\": [\"sql/001.sql\"]}");
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "'s9'"));
  g_assert_nonnull (strstr (error->message, "'nowhere'"));
  g_assert_cmpint (upg_exit_code_for_error (error), ==, 2);
  /* Checked before anything ran. */
  g_assert_false (g_file_test (site.app_db, G_FILE_TEST_EXISTS));
  site_clear (&site);
}

static void
test_rollback_order (void)
{
  ExecFixture fx;
  g_autofree char *db = exec_fixture_init_sqlite_app (&fx);
  g_autoptr(UpgExecutor) executor = NULL;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(UpgRun) run = exec_run_new (UPG_RUN_KIND_ROLLBACK, FROM, TO, "in_stop");
  g_autoptr(GError) error = NULL;

  exec_sqlite_exec (db, "CREATE TABLE undo (seq INTEGER PRIMARY KEY AUTOINCREMENT, step TEXT)");
  exec_fixture_write (&fx, "bundle/sql/r1.sql", "INSERT INTO undo (step) VALUES ('r1');\n");
  exec_fixture_write (&fx, "bundle/sql/r2.sql", "INSERT INTO undo (step) VALUES ('r2');\n");
  exec_fixture_write_manifest (&fx, TO, "",
                               "\"in_stop\": ["
                               " {\"id\": \"r1\", \"database\": \"app\", \"sql_scripts\": [\"sql/r1.sql\"]},"
                               " {\"id\": \"r2\", \"database\": \"app\", \"sql_scripts\": [\"sql/r2.sql\"]}]");
  executor = exec_fixture_executor (&fx);
  g_assert_true (exec_run (executor, run, &execution, &error));
  g_assert_no_error (error);
  g_assert_true (upg_execution_is_rollback (execution));
  exec_assert_steps (execution, "r2=SUCCESS r1=SUCCESS");
  g_assert_cmpint (exec_sqlite_int (db, "SELECT seq FROM undo WHERE step = 'r2'"), ==, 1);
  g_assert_cmpint (exec_sqlite_int (db, "SELECT seq FROM undo WHERE step = 'r1'"), ==, 2);
  exec_fixture_clear (&fx);
}

/* A script's BEGIN … COMMIT block runs as one transaction, each of its
 * statements journaled (test-script-transactions.c has the rest);
 * session statements run and are journaled once. */
static void
test_transaction_control (void)
{
  ExecFixture fx;
  g_autofree char *db = exec_fixture_init_sqlite_app (&fx);
  g_autofree char *statuses = NULL;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) error = NULL;

  exec_fixture_write (&fx, "bundle/sql/tx.sql",
                      "PRAGMA foreign_keys = ON;\n"
                      "BEGIN;\n"
                      "CREATE TABLE t (x INTEGER);\n"
                      "INSERT INTO t VALUES (1);\n"
                      "COMMIT;\n");
  exec_fixture_write_manifest (&fx, TO,
                               "\"in_stop\": [{\"id\": \"tx\", \"database\": \"app\", \"sql_scripts\": [\"sql/tx.sql\"]}]",
                               NULL);
  g_assert_true (exec_fixture_run (&fx, FROM, TO, "in_stop", &execution, &error));
  g_assert_no_error (error);
  g_assert_cmpint (exec_sqlite_int (db, "SELECT SUM(x) FROM t"), ==, 1);
  statuses = exec_journal_statuses (&fx, upg_execution_get_id (execution), 0);
  g_assert_cmpstr (statuses, ==, "SUCCESS/- SUCCESS/- SUCCESS/- SUCCESS/- SUCCESS/- ");
  exec_fixture_clear (&fx);
}

/* A tool step: the plugin (tests/fixtures/plugins/good.c) kills its host
 * after 2 of 4 units; the step fails at a breakpoint with the checkpoint
 * saved; running again continues from the checkpoint. */
static void
test_tool_step_checkpoint (void)
{
  ExecFixture fx;
  g_autofree char *extra = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *log = NULL;
  g_autoptr(UpgExecution) failed = NULL;
  g_autoptr(UpgExecution) again = NULL;
  g_autoptr(GError) error = NULL;

  exec_fixture_init (&fx);
  extra = exec_fixture_install_good_plugin (&fx);
  exec_fixture_write_config_extra (&fx, "bj-01", "", extra);
  exec_fixture_write_manifest (&fx, TO,
                               "\"post_upgrade\": [{\"id\": \"t1\", \"class_name\": \"GoodMigration\","
                               " \"params\": {\"units\": 4, \"kill_after\": 2}, \"timeout\": 60}]", NULL);

  g_assert_false (exec_fixture_run (&fx, FROM, TO, "post_upgrade", &failed, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_cmpstr (upg_breakpoint_get_step_id (upg_execution_get_breakpoint (failed)), ==, "t1");
  g_clear_error (&error);

  g_assert_true (exec_fixture_run (&fx, FROM, TO, "post_upgrade", &again, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (upg_execution_get_id (again), ==, upg_execution_get_id (failed));
  log_path = g_strdup_printf ("%s/logs/%s.log", fx.state, upg_execution_get_id (again));
  log = read_file (log_path);
  g_assert_nonnull (strstr (log, "t1: resuming from checkpoint {\"next\":2}"));
  g_assert_nonnull (strstr (log, "migrating from unit 2"));
  exec_fixture_clear (&fx);
}

static void
test_tool_step_unknown_class (void)
{
  ExecFixture fx;
  g_autofree char *plugins = NULL;
  g_autofree char *extra = NULL;
  g_autoptr(GError) error = NULL;

  exec_fixture_init (&fx);
  plugins = exec_fixture_path (&fx, "plugins");
  g_assert_cmpint (g_mkdir_with_parents (plugins, 0755), ==, 0);
  extra = g_strdup_printf ("\"plugin_dirs\": [\"%s\"]", plugins);
  exec_fixture_write_config_extra (&fx, "bj-01", "", extra);
  exec_fixture_write_manifest (&fx, TO, "\"post_upgrade\": [{\"id\": \"t1\", \"class_name\": \"NoSuchMigration\"}]",
                               NULL);
  g_assert_false (exec_fixture_run (&fx, FROM, TO, "post_upgrade", NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_nonnull (strstr (error->message, "no plugin provides class 'NoSuchMigration'"));
  exec_fixture_clear (&fx);
}

/* upgradectl killed at a crash point of the 7th statement it sends (the
 * UPDATE n = n + 100 of sql/002.sql), then run again: every statement
 * took effect exactly once. */
static void
test_crash_point (gconstpointer data)
{
  const char *point = data;
  g_autofree char *hook = g_strdup_printf ("7:%s", point);
  const char *env[] = { "UPGRADE_TEST_CRASH_AT", hook, NULL };
  Site site;
  int status;

  site_init (&site, FALSE, "{\"id\": \"c1\", \"command\": [\"true\"]}");
  status = exec_fixture_cli (&site.fx, env, NULL, "run", "--from", FROM, "--to", TO, "--stage", "in_stop",
                             "--confirm", NULL);
  g_assert_true (exec_fixture_cli_killed (status));
  status = exec_fixture_cli (&site.fx, NULL, NULL, "run", "--from", FROM, "--to", TO, "--stage", "in_stop", NULL);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_assert_cmpint (exec_sqlite_int (site.app_db, "SELECT COUNT(*) FROM counter"), ==, 4);
  g_assert_cmpint (exec_sqlite_int (site.app_db, "SELECT SUM(n) FROM counter"), ==, 110);
  g_assert_cmpint (exec_sqlite_int (site.other_db, "SELECT COUNT(*) FROM routed"), ==, 1);
  site_clear (&site);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/executor/happy-path-and-skip", test_happy_path_and_skip);
  g_test_add_func ("/executor/async-signals", test_async_signals);
  g_test_add_func ("/executor/failure-then-run-again", test_failure_then_run_again);
  g_test_add_func ("/executor/resume-skip-and-retry", test_resume_skip_and_retry);
  g_test_add_func ("/executor/resume-limit", test_resume_limit);
  g_test_add_func ("/executor/locked", test_locked);
  g_test_add_func ("/executor/stale-lock-warning", test_stale_lock_warning);
  g_test_add_func ("/executor/breakpoint-expired", test_breakpoint_expired);
  g_test_add_func ("/executor/resume-needs-data-sources", test_resume_needs_data_sources);
  g_test_add_func ("/executor/command-failure-and-timeout", test_command_failure_and_timeout);
  g_test_add_func ("/executor/unknown-datasource", test_unknown_datasource);
  g_test_add_func ("/executor/rollback-order", test_rollback_order);
  g_test_add_func ("/executor/transaction-control", test_transaction_control);
  g_test_add_func ("/executor/tool-step-checkpoint", test_tool_step_checkpoint);
  g_test_add_func ("/executor/tool-step-unknown-class", test_tool_step_unknown_class);
  g_test_add_data_func ("/executor/crash/before-send", "before-send", test_crash_point);
  g_test_add_data_func ("/executor/crash/after-execute-before-commit", "after-execute-before-commit",
                        test_crash_point);
  g_test_add_data_func ("/executor/crash/after-commit-before-journal", "after-commit-before-journal",
                        test_crash_point);
  return g_test_run ();
}
