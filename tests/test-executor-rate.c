/* test-executor-rate.c - live calibration of the running step's estimate
 * (SPEC §3): the measured rate replaces the configured one once it
 * deviates by more than 20 %, with the executor's clock injected so every
 * rate is known exactly.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "exec-test-util.h"
#include "upg-executor-private.h"

#define FROM "3.17.0"
#define TO "3.17.5"

/* Each reading advances by @tick_us: the executor reads the clock once
 * when a step starts and once per progress report. */
typedef struct {
  gint64 tick_us;
  guint  reads;
} FakeClock;

static gint64
fake_clock_now (gpointer user_data)
{
  FakeClock *clock = user_data;

  return clock->tick_us * clock->reads++;
}

typedef struct {
  GString   *etas;      /* "position=eta;" per progress */
  GPtrArray *revisions; /* "step|message|eta" per rate-revised */
  GPtrArray *logs;
} Seen;

static void
on_progress (UpgRun *run, guint done, guint total, const char *position, gint64 eta, Seen *seen)
{
  g_string_append_printf (seen->etas, "%s=%" G_GINT64_FORMAT ";", position, eta);
}

static void
on_rate_revised (UpgRun *run, const char *step_id, const char *message, gint64 eta, Seen *seen)
{
  g_ptr_array_add (seen->revisions, g_strdup_printf ("%s|%s|%" G_GINT64_FORMAT, step_id, message, eta));
}

static void
on_log (UpgRun *run, const char *line, Seen *seen)
{
  g_ptr_array_add (seen->logs, g_strdup (line));
}

static void
seen_clear (Seen *seen)
{
  g_string_free (seen->etas, TRUE);
  g_ptr_array_unref (seen->revisions);
  g_ptr_array_unref (seen->logs);
}

/* Runs in_stop of the fixture with the clock ticking @tick_seconds. */
static UpgExecution *
run_with_clock (ExecFixture *fx,
                gint64       tick_seconds,
                Seen        *seen)
{
  g_autoptr(UpgExecutor) executor = exec_fixture_executor (fx);
  g_autoptr(UpgRun) run = exec_run_new (UPG_RUN_KIND_RUN, FROM, TO, "in_stop");
  g_autoptr(GError) error = NULL;
  FakeClock clock = { tick_seconds * G_USEC_PER_SEC, 0 };
  UpgExecution *execution = NULL;
  gboolean ok;

  *seen = (Seen) { g_string_new (NULL), g_ptr_array_new_with_free_func (g_free),
                   g_ptr_array_new_with_free_func (g_free) };
  g_signal_connect (run, "progress", G_CALLBACK (on_progress), seen);
  g_signal_connect (run, "rate-revised", G_CALLBACK (on_rate_revised), seen);
  g_signal_connect (run, "log", G_CALLBACK (on_log), seen);
  upg_executor_set_test_clock (fake_clock_now, &clock);
  ok = exec_run (executor, run, &execution, &error);
  upg_executor_set_test_clock (NULL, NULL);
  g_assert_no_error (error);
  g_assert_true (ok);
  return execution;
}

/* The structured log lines at INFO level, to check the revision's level. */
static GPtrArray *info_lines;

static GLogWriterOutput
record_info (GLogLevelFlags   level,
             const GLogField *fields,
             gsize            n_fields,
             gpointer         user_data)
{
  for (gsize i = 0; i < n_fields && (level & G_LOG_LEVEL_MASK) == G_LOG_LEVEL_INFO; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      g_ptr_array_add (info_lines, g_strdup (fields[i].value));
  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* The good.so fixture plugin reports units done/total, one report each. */
static void
tool_site (ExecFixture *fx,
           const char  *steps)
{
  g_autofree char *good = g_build_filename (g_getenv ("UPGRADE_BUILD_ROOT"), "tests", "fixtures", "plugins",
                                            "good.so", NULL);
  g_autofree char *plugins = NULL;
  g_autofree char *installed = NULL;
  g_autofree char *extra = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  exec_fixture_init (fx);
  plugins = exec_fixture_path (fx, "plugins");
  installed = g_build_filename (plugins, "good.so", NULL);
  g_assert_cmpint (g_mkdir_with_parents (plugins, 0755), ==, 0);
  g_assert_true (g_file_get_contents (good, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (installed, contents, length, NULL));
  extra = g_strdup_printf ("\"plugin_dirs\": [\"%s\"]", plugins);
  exec_fixture_write_config_extra (fx, "bj-01", "", extra);
  exec_fixture_write_manifest (fx, TO, steps, NULL);
}

static gboolean
has_line_with (GPtrArray  *lines,
               const char *a,
               const char *b)
{
  for (guint i = 0; i < lines->len; i++)
    if (strstr (lines->pdata[i], a) != NULL && strstr (lines->pdata[i], b) != NULL)
      return TRUE;
  return FALSE;
}

/* 1000MB at 10MB/s is 100 s; the plugin does 250MB every 10 s: 25MB/s,
 * +150 %. From the first report on, the remaining time of the step is
 * computed at 25MB/s, plus the 50 s declared by the command after it. */
static void
test_tool_step_revised (void)
{
  ExecFixture fx;
  Seen seen;
  g_autoptr(UpgExecution) execution = NULL;
  g_autofree char *id_and_message = NULL;

  tool_site (&fx, "\"in_stop\": ["
                  " {\"id\": \"t1\", \"class_name\": \"GoodMigration\", \"params\": {\"units\": 4},"
                  "  \"data_volume\": \"1000MB\", \"rate\": \"10MB/s\"},"
                  " {\"id\": \"c1\", \"command\": [\"true\"], \"estimated_duration\": 50}]");
  execution = run_with_clock (&fx, 10, &seen);

  g_assert_cmpstr (seen.etas->str, ==, "t1 1/4=80;t1 2/4=70;t1 3/4=60;t1 4/4=50;");
  g_assert_cmpuint (seen.revisions->len, ==, 1);
  g_assert_cmpstr (seen.revisions->pdata[0], ==, "t1|actual rate +150 % vs estimate, remaining revised|80");
  id_and_message = g_strdup_printf ("execution %s: step t1: actual rate +150 %% vs estimate",
                                    upg_execution_get_id (execution));
  g_assert_true (has_line_with (seen.logs, id_and_message, "remaining revised"));
  g_assert_true (has_line_with (info_lines, id_and_message, "remaining revised"));
  /* The next step starts from its own configured estimate again. */
  g_assert_null (upg_execution_get_rate_message (execution));
  g_assert_cmpint (upg_execution_get_eta_seconds (execution), ==, 0);
  seen_clear (&seen);
  exec_fixture_clear (&fx);
}

/* A step running over a second makes the watchdog log from its own
 * thread. With the sync API that line, and every signal after it, still
 * reach the handlers before the run returns: the owner's thread emits
 * what another thread queued with its own next emission. */
static void
test_sync_signals_after_watchdog (void)
{
  ExecFixture fx;
  Seen seen;
  g_autoptr(UpgExecution) execution = NULL;

  tool_site (&fx, "\"in_stop\": ["
                  " {\"id\": \"c0\", \"command\": [\"sleep\", \"2\"], \"estimated_duration\": 1},"
                  " {\"id\": \"t1\", \"class_name\": \"GoodMigration\", \"params\": {\"units\": 4}}]");
  execution = run_with_clock (&fx, 10, &seen);

  g_assert_true (has_line_with (seen.logs, "step c0: sleep 2", "still running"));
  g_assert_nonnull (strstr (seen.etas->str, "t1 1/4="));
  g_assert_nonnull (strstr (seen.etas->str, "t1 4/4="));
  g_assert_true (has_line_with (seen.logs, "execution SUCCESS", "every step succeeded"));
  seen_clear (&seen);
  exec_fixture_clear (&fx);
}

/* 250MB every 25 s is exactly the configured 10MB/s: no revision, the
 * remaining time stays the configured one. */
static void
test_tool_step_on_estimate (void)
{
  ExecFixture fx;
  Seen seen;
  g_autoptr(UpgExecution) execution = NULL;

  tool_site (&fx, "\"in_stop\": ["
                  " {\"id\": \"t1\", \"class_name\": \"GoodMigration\", \"params\": {\"units\": 4},"
                  "  \"data_volume\": \"1000MB\", \"rate\": \"10MB/s\"}]");
  execution = run_with_clock (&fx, 25, &seen);

  g_assert_cmpstr (seen.etas->str, ==, "t1 1/4=75;t1 2/4=50;t1 3/4=25;t1 4/4=0;");
  g_assert_cmpuint (seen.revisions->len, ==, 0);
  g_assert_false (has_line_with (seen.logs, "remaining revised", ""));
  g_assert_null (upg_execution_get_rate_message (execution));
  seen_clear (&seen);
  exec_fixture_clear (&fx);
}

/* A SQL step is measured in statements: 4 declared to take 40 s (0.1/s);
 * one every 5 s is 0.2/s, +100 %. */
static void
test_sql_step_revised (void)
{
  ExecFixture fx;
  Seen seen;
  g_autoptr(UpgExecution) execution = NULL;
  g_autofree char *app = NULL;
  g_autofree char *sources = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;

  exec_fixture_init (&fx);
  app = exec_fixture_sqlite_source (&fx, "app.db");
  sources = g_strdup_printf ("\"app\": %s", app);
  exec_fixture_write_config (&fx, "bj-01", sources);
  exec_fixture_write (&fx, "bundle/sql/001.sql",
                      "CREATE TABLE t (n INTEGER);\n"
                      "INSERT INTO t VALUES (1);\n"
                      "INSERT INTO t VALUES (2);\n"
                      "INSERT INTO t VALUES (3);\n");
  exec_fixture_write_manifest (&fx, TO,
                               "\"in_stop\": [{\"id\": \"s1\", \"database\": \"app\","
                               " \"sql_scripts\": [\"sql/001.sql\"], \"estimated_duration\": 40}]", NULL);
  execution = run_with_clock (&fx, 5, &seen);

  g_assert_cmpstr (seen.etas->str, ==, "sql/001.sql:1=15;sql/001.sql:2=10;sql/001.sql:3=5;sql/001.sql:4=0;");
  g_assert_cmpuint (seen.revisions->len, ==, 1);
  g_assert_cmpstr (seen.revisions->pdata[0], ==, "s1|actual rate +100 % vs estimate, remaining revised|15");
  g_assert_cmpstr (upg_execution_get_rate_message (execution), ==,
                   "actual rate +100 % vs estimate, remaining revised");

  /* The JSON of the run form shows the message only while it runs. */
  node = upg_execution_to_json (execution, FALSE);
  object = json_node_get_object (node);
  g_assert_cmpint (json_object_get_int_member (object, "eta_seconds"), ==, 0);
  g_assert_false (json_object_has_member (object, "rate_message"));
  g_clear_pointer (&node, json_node_unref);
  upg_execution_set_status (execution, UPG_EXECUTION_STATUS_RUNNING);
  node = upg_execution_to_json (execution, FALSE);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "rate_message"), ==,
                   "actual rate +100 % vs estimate, remaining revised");
  seen_clear (&seen);
  exec_fixture_clear (&fx);
}

/* A running execution whose ETA comes only from step estimates (no SQL)
 * still shows it. */
static void
test_json_eta_without_statements (void)
{
  g_autoptr(UpgVersion) from = upg_version_parse (FROM, NULL);
  g_autoptr(UpgVersion) to = upg_version_parse (TO, NULL);
  g_autoptr(UpgExecution) execution = upg_execution_new ("x-1", UPG_STAGE_IN_STOP, from, to, "bj-01");
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;

  node = upg_execution_to_json (execution, FALSE);
  g_assert_false (json_object_has_member (json_node_get_object (node), "eta_seconds"));
  g_clear_pointer (&node, json_node_unref);

  upg_execution_set_status (execution, UPG_EXECUTION_STATUS_RUNNING);
  upg_execution_set_progress (execution, 0, 0, 42);
  upg_execution_set_rate_message (execution, "actual rate -30 % vs estimate, remaining revised");
  node = upg_execution_to_json (execution, FALSE);
  object = json_node_get_object (node);
  g_assert_cmpint (json_object_get_int_member (object, "eta_seconds"), ==, 42);
  g_assert_false (json_object_has_member (object, "statements_total"));
  g_assert_cmpstr (json_object_get_string_member (object, "rate_message"), ==,
                   "actual rate -30 % vs estimate, remaining revised");
}

/* upgradectl's progress line on a terminal (script(1) provides one) shows
 * the revision; the clock is the UPGRADE_TEST_CLOCK_TICK hook. */
static void
test_cli_progress_line (void)
{
  ExecFixture fx;
  g_autofree char *command = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_environ_setenv (g_get_environ (), "UPGRADE_TEST_CLOCK_TICK", "10", TRUE);
  const char *argv[] = { "script", "-qec", NULL, "/dev/null", NULL };
  int status = -1;

  tool_site (&fx, "\"in_stop\": ["
                  " {\"id\": \"t1\", \"class_name\": \"GoodMigration\", \"params\": {\"units\": 4},"
                  "  \"data_volume\": \"1000MB\", \"rate\": \"10MB/s\"}]");
  {
    g_autofree char *ctl = g_shell_quote (g_getenv ("UPGRADECTL"));
    g_autofree char *bundle = g_shell_quote (fx.bundle);
    g_autofree char *config = g_shell_quote (fx.config);
    g_autofree char *state = g_shell_quote (fx.state);

    command = g_strdup_printf ("%s -b %s -c %s --state-dir %s run --from %s --to %s --stage in_stop --confirm",
                               ctl, bundle, config, state, FROM, TO);
  }
  argv[2] = command;
  g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  /* 1/4 done after 10 s: 25MB/s, 30 s left; the line is rewritten per report. */
  g_assert_nonnull (strstr (out, "t1 1/4  ETA 30.0s (actual rate +150 % vs estimate, remaining revised)"));
  g_assert_nonnull (strstr (out, "t1 3/4  ETA 10.0s (actual rate +150 % vs estimate, remaining revised)"));
  exec_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  info_lines = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (record_info, NULL, NULL);
  g_test_add_func ("/executor-rate/tool-step/revised", test_tool_step_revised);
  g_test_add_func ("/executor-rate/tool-step/on-estimate", test_tool_step_on_estimate);
  g_test_add_func ("/executor-rate/sync-signals-after-watchdog", test_sync_signals_after_watchdog);
  g_test_add_func ("/executor-rate/sql-step/revised", test_sql_step_revised);
  g_test_add_func ("/executor-rate/json/eta-without-statements", test_json_eta_without_statements);
  g_test_add_func ("/executor-rate/cli/progress-line", test_cli_progress_line);
  status = g_test_run ();
  g_ptr_array_unref (info_lines);
  return status;
}
