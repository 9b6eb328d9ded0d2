/* test-executor-steps.c - how the executor finds and filters steps:
 * command paths in the bundle, PATH and leaving the bundle; --component
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <sys/stat.h>

#include "exec-test-util.h"

#define FROM "3.17.0"
#define TO "3.17.5"

static void
write_site (ExecFixture *fx,
            const char  *steps)
{
  exec_fixture_init (fx);
  exec_fixture_write_config (fx, "bj-01", "");
  exec_fixture_write_manifest (fx, TO, steps, NULL);
}

/* argv[0] with a '/' is a program of the bundle: run from there, with the
 * bundle as working directory. */
static void
test_bundle_program (void)
{
  ExecFixture fx;
  g_autofree char *tool = NULL;
  g_autofree char *marker = NULL;
  g_autofree char *cwd = NULL;
  g_autoptr(GError) error = NULL;

  write_site (&fx, "\"in_stop\": [{\"id\": \"c1\", \"command\": [\"tools/mark.sh\", \"made\"]}]");
  exec_fixture_write (&fx, "bundle/tools/mark.sh", "#!/bin/sh\npwd > \"$1\"\n");
  tool = g_build_filename (fx.bundle, "tools", "mark.sh", NULL);
  g_assert_cmpint (chmod (tool, 0755), ==, 0);
  g_assert_true (exec_fixture_run (&fx, FROM, TO, "in_stop", NULL, &error));
  g_assert_no_error (error);
  marker = g_build_filename (fx.bundle, "made", NULL);
  g_assert_true (g_file_get_contents (marker, &cwd, NULL, NULL));
  g_assert_cmpstr (g_strstrip (cwd), ==, fx.bundle);
  exec_fixture_clear (&fx);
}

static void
test_program_outside_bundle (void)
{
  ExecFixture fx;
  g_autoptr(GError) error = NULL;

  write_site (&fx, "\"in_stop\": [{\"id\": \"c1\", \"command\": [\"../escape.sh\"]}]");
  exec_fixture_write (&fx, "escape.sh", "#!/bin/sh\ntouch escaped\n");
  g_assert_false (exec_fixture_run (&fx, FROM, TO, "in_stop", NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "../escape.sh"));
  exec_fixture_clear (&fx);
}

static void
test_program_not_in_path (void)
{
  ExecFixture fx;
  g_autoptr(GError) error = NULL;

  write_site (&fx, "\"in_stop\": [{\"id\": \"c1\", \"command\": [\"no-such-program-upg\"]}]");
  g_assert_false (exec_fixture_run (&fx, FROM, TO, "in_stop", NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_nonnull (strstr (error->message, "'no-such-program-upg' was not found in PATH"));
  exec_fixture_clear (&fx);
}

/* --component runs only that component's steps; the others stay for a
 * run without it. A mistyped one is bad input naming the bundle's
 * components, refused before any execution: it selected no step, and the
 * stage was reported SUCCESS with nothing run. */
static void
test_component_filter (void)
{
  ExecFixture fx;
  g_autoptr(UpgExecutor) executor = NULL;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(UpgRun) only_other = exec_run_new (UPG_RUN_KIND_RUN, FROM, TO, "in_stop");
  g_autoptr(UpgRun) all = exec_run_new (UPG_RUN_KIND_RUN, FROM, TO, "in_stop");
  g_autoptr(UpgRun) typo = exec_run_new (UPG_RUN_KIND_RUN, FROM, TO, "in_stop");
  g_autoptr(GError) error = NULL;

  write_site (&fx, "\"in_stop\": ["
                   " {\"id\": \"a1\", \"command\": [\"true\"]},"
                   " {\"id\": \"b1\", \"component\": \"other\", \"command\": [\"true\"]}]");
  executor = exec_fixture_executor (&fx);
  upg_run_set_component (only_other, "other");
  g_assert_true (exec_run (executor, only_other, &execution, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (upg_execution_get_n_steps (execution), ==, 1);
  g_assert_cmpstr (upg_execution_get_step_id (execution, 0), ==, "b1");
  g_clear_object (&execution);

  g_assert_true (exec_run (executor, all, &execution, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (upg_execution_get_n_steps (execution), ==, 2);
  g_assert_cmpint (upg_execution_get_step_status (execution, 0), ==, UPG_STEP_STATUS_SUCCESS);
  g_assert_cmpint (upg_execution_get_step_status (execution, 1), ==, UPG_STEP_STATUS_SKIPPED);
  g_clear_object (&execution);

  upg_run_set_component (typo, "othr");
  g_assert_false (exec_run (executor, typo, &execution, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "component 'othr' has no step in the bundle"));
  g_assert_nonnull (strstr (error->message, "expected one of 'app', 'other'"));
  g_assert_null (execution);
  exec_fixture_clear (&fx);
}

typedef struct {
  GMainLoop    *loop;
  GCancellable *cancellable;
  UpgExecutor  *executor;
  UpgRun       *run;
  UpgExecution *execution;
  GError       *error;
  GError       *locked_error;
} CancelRun;

static void
cancel_on_step (UpgRun      *upg_run,
                const char  *step_id,
                const char  *version,
                CancelRun   *run)
{
  g_autoptr(UpgRun) second = exec_run_new (UPG_RUN_KIND_RUN, FROM, TO, "in_stop");

  if (!g_str_equal (step_id, "c2"))
    return;
  /* While it runs, the site is locked to this process too, even for a run
   * on the same executor. */
  g_assert_false (upg_executor_run (run->executor, second, NULL, &run->locked_error));
  g_assert_null (upg_run_get_execution (second));
  g_cancellable_cancel (run->cancellable);
}

static void
cancelled_done (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  CancelRun *run = data;

  upg_executor_run_finish (UPG_EXECUTOR (source), result, &run->error);
  /* Set before the callback, also for a cancelled run. */
  run->execution = g_object_ref (upg_run_get_execution (run->run));
  g_main_loop_quit (run->loop);
}

/* Cancelling a run stops the running command and leaves the execution
 * INTERRUPTED; the next run continues it, after the steps that were done.
 * While it ran, a second run of the site in the same process was refused. */
static void
test_cancel_interrupts (void)
{
  ExecFixture fx;
  CancelRun run = { 0 };
  g_autoptr(UpgExecutor) executor = NULL;
  g_autoptr(UpgExecution) again = NULL;
  g_autoptr(UpgRun) upg_run = exec_run_new (UPG_RUN_KIND_RUN, FROM, TO, "in_stop");
  g_autoptr(GError) error = NULL;
  g_autofree char *fifo = NULL;

  write_site (&fx, "\"in_stop\": ["
                   " {\"id\": \"c1\", \"command\": [\"true\"]},"
                   " {\"id\": \"c2\", \"command\": [\"cat\", \"never.fifo\"]}]");
  fifo = g_build_filename (fx.bundle, "never.fifo", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  executor = exec_fixture_executor (&fx);
  run.loop = g_main_loop_new (NULL, FALSE);
  run.cancellable = g_cancellable_new ();
  run.executor = executor;
  run.run = upg_run;
  g_signal_connect (upg_run, "step-started", G_CALLBACK (cancel_on_step), &run);
  exec_confirm_plan (executor, upg_run);
  upg_executor_run_async (executor, upg_run, run.cancellable, cancelled_done, &run);
  g_main_loop_run (run.loop);

  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_error (run.locked_error, UPG_ERROR, UPG_ERROR_LOCKED);
  g_clear_error (&run.locked_error);
  g_assert_cmpint (upg_execution_get_status (run.execution), ==, UPG_EXECUTION_STATUS_INTERRUPTED);

  /* The operator makes the command end, and runs the stage again. */
  exec_fixture_write_manifest (&fx, TO, "\"in_stop\": ["
                                        " {\"id\": \"c1\", \"command\": [\"true\"]},"
                                        " {\"id\": \"c2\", \"command\": [\"true\"]}]", NULL);
  g_assert_true (exec_fixture_run (&fx, FROM, TO, "in_stop", &again, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (upg_execution_get_id (again), ==, upg_execution_get_id (run.execution));
  g_assert_cmpint (upg_execution_get_step_status (again, 0), ==, UPG_STEP_STATUS_SUCCESS);
  g_assert_cmpint (upg_execution_get_step_status (again, 1), ==, UPG_STEP_STATUS_SUCCESS);

  g_clear_object (&run.execution);
  g_clear_object (&run.cancellable);
  g_clear_error (&run.error);
  g_main_loop_unref (run.loop);
  exec_fixture_clear (&fx);
}

#ifdef UPG_TEST_HAVE_LIBGDA
/* A raw libgda data source runs its statements without a marker (and
 * without a statement timeout, which libgda lacks). */
static void
test_libgda_source (void)
{
  ExecFixture fx;
  g_autofree char *sources = NULL;
  g_autofree char *db = NULL;
  g_autoptr(GError) error = NULL;

  exec_fixture_init (&fx);
  sources = g_strdup_printf ("\"g\": {\"cnc\": \"SQLite://DB_DIR=%s;DB_NAME=gdb\"}", fx.root);
  exec_fixture_write_config (&fx, "bj-01", sources);
  exec_fixture_write (&fx, "bundle/sql/g.sql", "CREATE TABLE t (x INTEGER);\nINSERT INTO t VALUES (7);\n");
  exec_fixture_write_manifest (&fx, TO,
                               "\"in_stop\": [{\"id\": \"g1\", \"database\": \"g\", \"sql_scripts\": [\"sql/g.sql\"]}]",
                               NULL);
  g_assert_true (exec_fixture_run (&fx, FROM, TO, "in_stop", NULL, &error));
  g_assert_no_error (error);
  db = exec_fixture_path (&fx, "gdb.db");
  g_assert_cmpint (exec_sqlite_int (db, "SELECT x FROM t"), ==, 7);
  g_assert_cmpint (exec_sqlite_int (db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'upgrade_statement_marker'"),
                   ==, 0);
  exec_fixture_clear (&fx);
}
#endif

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/executor-steps/bundle-program", test_bundle_program);
  g_test_add_func ("/executor-steps/program-outside-bundle", test_program_outside_bundle);
  g_test_add_func ("/executor-steps/program-not-in-path", test_program_not_in_path);
  g_test_add_func ("/executor-steps/component-filter", test_component_filter);
  g_test_add_func ("/executor-steps/cancel-interrupts", test_cancel_interrupts);
#ifdef UPG_TEST_HAVE_LIBGDA
  g_test_add_func ("/executor-steps/libgda-source", test_libgda_source);
#endif
  return g_test_run ();
}
