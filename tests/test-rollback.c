/* test-rollback.c - a rollback that succeeded makes its stage's upgrade
 * steps run again; a failed one changes nothing; on SQLite
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "exec-test-util.h"
#include "upg-journal-write-private.h"

#define FROM "3.17.0"
#define TO "3.17.5"

typedef struct {
  ExecFixture fx;
  char       *db;
} Site;

/* Upgrade: s1 creates `orders` with two rows, s2 adds a column. Rollback
 * (run newest first): r2 drops the column, r1 drops the table; both fail
 * if run on a schema they already reverted, so a rollback step that runs
 * when it should have been skipped shows. @r1_script replaces r1's script
 * (a failing rollback). */
static void
site_init (Site       *site,
           const char *r1_script)
{
  site->db = exec_fixture_init_sqlite_app (&site->fx);
  exec_fixture_write (&site->fx, "bundle/sql/s1.sql",
                      "CREATE TABLE orders (id INTEGER PRIMARY KEY);\n"
                      "INSERT INTO orders (id) VALUES (1);\n"
                      "INSERT INTO orders (id) VALUES (2);\n");
  exec_fixture_write (&site->fx, "bundle/sql/s2.sql", "ALTER TABLE orders ADD COLUMN note TEXT;\n");
  exec_fixture_write (&site->fx, "bundle/sql/r2.sql", "ALTER TABLE orders DROP COLUMN note;\n");
  exec_fixture_write (&site->fx, "bundle/sql/r1.sql", r1_script != NULL ? r1_script : "DROP TABLE orders;\n");
  exec_fixture_write_manifest (&site->fx, TO,
                               "\"in_stop\": ["
                               " {\"id\": \"s1\", \"database\": \"app\", \"sql_scripts\": [\"sql/s1.sql\"]},"
                               " {\"id\": \"s2\", \"database\": \"app\", \"sql_scripts\": [\"sql/s2.sql\"]}]",
                               "\"in_stop\": ["
                               " {\"id\": \"r1\", \"database\": \"app\", \"sql_scripts\": [\"sql/r1.sql\"]},"
                               " {\"id\": \"r2\", \"database\": \"app\", \"sql_scripts\": [\"sql/r2.sql\"]}]");
}

static void
site_clear (Site *site)
{
  exec_fixture_clear (&site->fx);
  g_free (site->db);
}

static UpgExecution *
run_ok (Site       *site,
        const char *expected_steps)
{
  g_autoptr(GError) error = NULL;
  UpgExecution *execution = NULL;

  g_assert_true (exec_fixture_run (&site->fx, FROM, TO, "in_stop", &execution, &error));
  g_assert_no_error (error);
  g_assert_cmpint (upg_execution_get_status (execution), ==, UPG_EXECUTION_STATUS_SUCCESS);
  exec_assert_steps (execution, expected_steps);
  return execution;
}

static UpgExecution *
rollback_ok (Site       *site,
             const char *expected_steps)
{
  g_autoptr(GError) error = NULL;
  UpgExecution *execution = NULL;

  g_assert_true (exec_fixture_rollback (&site->fx, FROM, TO, "in_stop", &execution, &error));
  g_assert_no_error (error);
  g_assert_true (upg_execution_is_rollback (execution));
  g_assert_cmpint (upg_execution_get_status (execution), ==, UPG_EXECUTION_STATUS_SUCCESS);
  exec_assert_steps (execution, expected_steps);
  return execution;
}

static UpgJournal *
open_journal (Site *site)
{
  g_autofree char *path = g_build_filename (site->fx.state, "journal.db", NULL);
  g_autoptr(GError) error = NULL;
  UpgJournal *journal = upg_journal_open_sqlite (path, &error);

  g_assert_no_error (error);
  return journal;
}

/* Where step @step_id last succeeded (and still counts), or "-". */
static char *
step_success (Site       *site,
              const char *step_id)
{
  g_autoptr(UpgJournal) journal = open_journal (site);
  g_autoptr(GError) error = NULL;
  char *id = upg_journal_find_step_success (journal, "bj-01", "app", TO, step_id, &error);

  g_assert_no_error (error);
  return id != NULL ? id : g_strdup ("-");
}

static gint64
orders_columns (Site *site)
{
  return exec_sqlite_int (site->db, "SELECT COUNT(*) FROM pragma_table_info('orders')");
}

static gint64
markers (Site *site)
{
  return exec_sqlite_int (site->db, "SELECT COUNT(*) FROM upgrade_statement_marker");
}

/* The step records of @execution_id, as "id=status/undone_by" where
 * undone_by is "-" or "R" when it names @undoer. */
static char *
journal_steps (Site       *site,
               const char *execution_id,
               const char *undoer)
{
  g_autoptr(UpgJournal) journal = open_journal (site);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) record = upg_journal_get_execution (journal, execution_id, &error);
  g_autoptr(GString) out = g_string_new (NULL);
  JsonArray *steps;

  g_assert_no_error (error);
  steps = json_object_get_array_member (record, "steps");
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);
      const char *by = json_object_get_string_member_with_default (step, "undone_by", NULL);

      g_string_append_printf (out, "%s%s=%s/%s", i > 0 ? " " : "", json_object_get_string_member (step, "id"),
                              json_object_get_string_member (step, "status"),
                              by == NULL ? "-" : g_strcmp0 (by, undoer) == 0 ? "R" : by);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* run → rollback → run: the second run executes the steps again (not
 * SKIPPED) and the site ends on the upgraded schema; the journal keeps
 * the first run's successes, marked undone by the rollback. */
static void
test_run_rollback_run (void)
{
  Site site;
  g_autoptr(UpgExecution) first = NULL;
  g_autoptr(UpgExecution) back = NULL;
  g_autoptr(UpgExecution) again = NULL;
  g_autofree char *steps = NULL;
  g_autofree char *statuses = NULL;
  g_autofree char *where = NULL;

  site_init (&site, NULL);
  first = run_ok (&site, "s1=SUCCESS s2=SUCCESS");
  g_assert_cmpint (orders_columns (&site), ==, 2);
  g_assert_cmpint (markers (&site), ==, 4);

  back = rollback_ok (&site, "r2=SUCCESS r1=SUCCESS");
  g_assert_cmpint (orders_columns (&site), ==, 0);
  /* The run's markers are gone; the rollback's two remain. */
  g_assert_cmpint (markers (&site), ==, 2);
  steps = journal_steps (&site, upg_execution_get_id (first), upg_execution_get_id (back));
  g_assert_cmpstr (steps, ==, "s1=SUCCESS/R s2=SUCCESS/R");
  statuses = exec_journal_statuses (&site.fx, upg_execution_get_id (first), 0);
  g_assert_cmpstr (statuses, ==, "UNDONE/- UNDONE/- UNDONE/- UNDONE/- ");
  where = step_success (&site, "s1");
  g_assert_cmpstr (where, ==, "-");

  again = run_ok (&site, "s1=SUCCESS s2=SUCCESS");
  g_assert_cmpint (orders_columns (&site), ==, 2);
  g_assert_cmpint (exec_sqlite_int (site.db, "SELECT COUNT(*) FROM orders"), ==, 2);
  g_clear_pointer (&where, g_free);
  where = step_success (&site, "s2");
  g_assert_cmpstr (where, ==, upg_execution_get_id (again));
  /* The run made the rollback's successes stale, and its markers went. */
  g_clear_pointer (&steps, g_free);
  steps = journal_steps (&site, upg_execution_get_id (back), upg_execution_get_id (again));
  g_assert_cmpstr (steps, ==, "r2=SUCCESS/R r1=SUCCESS/R");
  g_assert_cmpint (markers (&site), ==, 4);
  site_clear (&site);
}

/* run → rollback → run → rollback → run: every rollback really runs (a
 * rollback step skipped by mistake would leave the table in place). */
static void
test_two_cycles (void)
{
  Site site;

  site_init (&site, NULL);
  for (guint cycle = 0; cycle < 2; cycle++)
    {
      G_GNUC_UNUSED g_autoptr(UpgExecution) run = run_ok (&site, "s1=SUCCESS s2=SUCCESS");
      g_autoptr(UpgExecution) back = NULL;

      g_assert_cmpint (orders_columns (&site), ==, 2);
      back = rollback_ok (&site, "r2=SUCCESS r1=SUCCESS");
      g_assert_cmpint (orders_columns (&site), ==, 0);
    }
  {
    G_GNUC_UNUSED g_autoptr(UpgExecution) last = run_ok (&site, "s1=SUCCESS s2=SUCCESS");

    g_assert_cmpint (orders_columns (&site), ==, 2);
    g_assert_cmpint (markers (&site), ==, 4);
  }
  site_clear (&site);
}

/* A rollback that fails changes nothing of the run's successes: a run
 * afterwards still skips the steps. */
static void
test_failed_rollback (void)
{
  Site site;
  g_autoptr(UpgExecution) first = NULL;
  g_autoptr(UpgExecution) back = NULL;
  g_autoptr(UpgExecution) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *steps = NULL;
  g_autofree char *where = NULL;
  g_autofree char *skipped = NULL;

  site_init (&site, "DROP TABLE no_such_table;\n");
  first = run_ok (&site, "s1=SUCCESS s2=SUCCESS");

  g_assert_false (exec_fixture_rollback (&site.fx, FROM, TO, "in_stop", &back, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_cmpint (upg_execution_get_status (back), ==, UPG_EXECUTION_STATUS_FAILED);
  exec_assert_steps (back, "r2=SUCCESS r1=FAILED");
  g_assert_cmpint (markers (&site), ==, 5);
  steps = journal_steps (&site, upg_execution_get_id (first), upg_execution_get_id (back));
  g_assert_cmpstr (steps, ==, "s1=SUCCESS/- s2=SUCCESS/-");
  where = step_success (&site, "s1");
  g_assert_cmpstr (where, ==, upg_execution_get_id (first));

  again = run_ok (&site, "s1=SKIPPED s2=SKIPPED");
  skipped = g_strdup_printf ("already succeeded in %s", upg_execution_get_id (first));
  g_assert_cmpstr (upg_execution_get_step_message (again, 0), ==, skipped);
  site_clear (&site);
}

/* Running a completed rollback again runs nothing (its steps would fail on
 * the reverted schema) and undoes nothing more. */
static void
test_rollback_again (void)
{
  Site site;
  g_autoptr(UpgExecution) first = NULL;
  g_autoptr(UpgExecution) back = NULL;
  g_autoptr(UpgExecution) back_again = NULL;
  g_autofree char *skipped = NULL;
  g_autofree char *steps = NULL;

  site_init (&site, NULL);
  first = run_ok (&site, "s1=SUCCESS s2=SUCCESS");
  back = rollback_ok (&site, "r2=SUCCESS r1=SUCCESS");
  back_again = rollback_ok (&site, "r2=SKIPPED r1=SKIPPED");
  skipped = g_strdup_printf ("already succeeded in %s", upg_execution_get_id (back));
  g_assert_cmpstr (upg_execution_get_step_message (back_again, 1), ==, skipped);
  g_assert_cmpint (orders_columns (&site), ==, 0);
  g_assert_cmpint (markers (&site), ==, 2);
  /* The first rollback stays the one that undid the run. */
  steps = journal_steps (&site, upg_execution_get_id (first), upg_execution_get_id (back));
  g_assert_cmpstr (steps, ==, "s1=SUCCESS/R s2=SUCCESS/R");
  site_clear (&site);
}

/* A run that failed, a rollback, then a run: the failed execution is
 * continued, its step that had succeeded runs again, and that new
 * success counts (a later run skips it). */
static void
test_failed_run_rolled_back (void)
{
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autoptr(UpgExecution) back = NULL;
  g_autoptr(UpgExecution) continued = NULL;
  g_autoptr(UpgExecution) last = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *skipped = NULL;

  site_init (&site, NULL);
  exec_fixture_write (&site.fx, "bundle/sql/s2.sql",
                      "ALTER TABLE orders ADD COLUMN note TEXT;\n"
                      "INSERT INTO missing (x) VALUES (1);\n");
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &failed, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_clear_error (&error);
  exec_assert_steps (failed, "s1=SUCCESS s2=FAILED");

  back = rollback_ok (&site, "r2=SUCCESS r1=SUCCESS");
  g_assert_cmpint (orders_columns (&site), ==, 0);

  exec_sqlite_exec (site.db, "CREATE TABLE missing (x INTEGER)");
  continued = run_ok (&site, "s1=SUCCESS s2=SUCCESS");
  g_assert_cmpstr (upg_execution_get_id (continued), ==, upg_execution_get_id (failed));
  g_assert_cmpint (orders_columns (&site), ==, 2);
  g_assert_cmpint (exec_sqlite_int (site.db, "SELECT COUNT(*) FROM missing"), ==, 1);

  last = run_ok (&site, "s1=SKIPPED s2=SKIPPED");
  skipped = g_strdup_printf ("already succeeded in %s", upg_execution_get_id (failed));
  g_assert_cmpstr (upg_execution_get_step_message (last, 0), ==, skipped);
  site_clear (&site);
}

/* Undoing is repeatable, so a rollback interrupted after journaling it
 * (before its execution became SUCCESS) is finished by running it again. */
static void
test_undo_repeatable (void)
{
  Site site;
  g_autoptr(UpgExecution) first = NULL;
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(JsonArray) undone = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *rollback_id = NULL;
  g_autofree char *where = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(UpgConnection) target = NULL;
  g_autofree char *source = NULL;

  site_init (&site, NULL);
  first = run_ok (&site, "s1=SUCCESS s2=SUCCESS");
  journal = open_journal (&site);
  rollback_id = upg_journal_create_execution (journal, "bj-01", NULL, FROM, TO, UPG_STAGE_IN_STOP,
                                              UPG_EXECUTION_KIND_ROLLBACK, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_true (upg_journal_undo_step (journal, rollback_id, "app", TO, "s1", &error));
      g_assert_no_error (error);
    }
  where = step_success (&site, "s1");
  g_assert_cmpstr (where, ==, "-");
  g_clear_pointer (&where, g_free);
  where = step_success (&site, "s2");
  g_assert_cmpstr (where, ==, upg_execution_get_id (first));

  undone = upg_journal_list_undone_statements (journal, rollback_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (undone), ==, 3);
  for (guint i = 0; i < json_array_get_length (undone); i++)
    {
      JsonObject *record = json_array_get_object_element (undone, i);

      g_assert_cmpstr (json_object_get_string_member (record, "database"), ==, "app");
      g_ptr_array_add (ids, exec_record_marker ("bj-01", record));
    }
  g_ptr_array_add (ids, NULL);
  source = exec_fixture_sqlite_source (&site.fx, "app.db");
  target = exec_open_source ("app", source);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_true (upg_journal_delete_markers (target, (const char * const *) ids->pdata, &error));
      g_assert_no_error (error);
      g_assert_cmpint (markers (&site), ==, 1);
    }
  site_clear (&site);
}

/* `upgradectl status` and `history` show the rollback. */
static void
test_cli_shows_rollback (void)
{
  Site site;
  g_autoptr(UpgExecution) first = NULL;
  g_autoptr(UpgExecution) back = NULL;
  g_autofree char *status = NULL;
  g_autofree char *history = NULL;
  g_autofree char *help = NULL;
  g_autofree char *line = NULL;

  site_init (&site, NULL);
  first = run_ok (&site, "s1=SUCCESS s2=SUCCESS");
  back = rollback_ok (&site, "r2=SUCCESS r1=SUCCESS");

  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, &status, "status", NULL)), ==, 0);
  line = g_strdup_printf ("%s  SUCCESS      rollback in_stop", upg_execution_get_id (back));
  g_assert_nonnull (strstr (status, line));
  g_assert_nonnull (strstr (status, "[SUCCESS] r1"));
  g_clear_pointer (&status, g_free);
  g_clear_pointer (&line, g_free);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, &status, "status",
                                                     upg_execution_get_id (first), NULL)), ==, 0);
  line = g_strdup_printf ("[SUCCESS] s1 (undone by %s)", upg_execution_get_id (back));
  g_assert_nonnull (strstr (status, line));
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("%s  SUCCESS      rollback in_stop", upg_execution_get_id (back));
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, &history, "history", NULL)), ==, 0);
  g_assert_nonnull (strstr (history, line));
  g_assert_true (strstr (history, line) < strstr (history, upg_execution_get_id (first)));
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, &help, "rollback", "--help", NULL)), ==, 0);
  g_assert_nonnull (strstr (help, "no longer count as done"));
  site_clear (&site);
}


/* SPEC §9: a rollback cannot undo a step whose manifest has no rollback
 * steps in the stage (here n1 of 3.17.1): refused (exit 2) naming it, and
 * nothing ran; --forget makes it no longer count as done, so the next run
 * executes it again (its effect stayed: n1 is written to be run twice). */
static void
test_cli_refuses_steps_without_rollback (void)
{
  Site site;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *history = NULL;
  g_autofree char *log = NULL;
  g_autofree char *log_path = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *error;
  const char *id;

  site_init (&site, NULL);
  exec_fixture_write (&site.fx, "bundle/sql/n1.sql",
                      "CREATE TABLE IF NOT EXISTS notes (id INTEGER);\nINSERT INTO notes VALUES (1);\n");
  exec_fixture_write_manifest (&site.fx, "3.17.1",
                               "\"in_stop\": [{\"id\": \"n1\", \"database\": \"app\", \"compatible_version\": \"3.17.0\","
                               " \"sql_scripts\": [\"sql/n1.sql\"]}]", NULL);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, NULL, "run", "--confirm", "--from", FROM,
                                                     "--to", TO, "--stage", "in_stop", NULL)), ==, 0);
  g_assert_cmpint (exec_sqlite_int (site.db, "SELECT COUNT(*) FROM notes"), ==, 1);

  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, &out, "--json", "rollback", "--from", FROM,
                                                     "--to", TO, "--stage", "in_stop", NULL)), ==, 2);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  error = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "error");
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "invalid-argument");
  g_assert_nonnull (strstr (json_object_get_string_member (error, "message"),
                            "step n1 (3.17.1) succeeded and has no rollback steps"));
  g_assert_nonnull (strstr (json_object_get_string_member (error, "message"), "--forget"));
  /* Nothing ran: r1 and r2 did not touch orders; no rollback execution. */
  g_assert_cmpint (orders_columns (&site), ==, 2);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, &history, "history", NULL)), ==, 0);
  g_assert_null (strstr (history, "rollback in_stop"));
  g_assert_cmpint (exec_exit_code (exec_fixture_cli_stderr (&site.fx, NULL, &err, "rollback", "--from", FROM,
                                                            "--to", TO, "--stage", "in_stop", NULL)), ==, 2);
  g_assert_nonnull (strstr (err, "n1 (3.17.1)"));

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, &out, "--json", "rollback", "--forget",
                                                     "--from", FROM, "--to", TO, "--stage", "in_stop", NULL)), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  id = json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "execution_id");
  g_assert_cmpint (exec_sqlite_int (site.db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'orders'"), ==, 0);
  log_path = g_strdup_printf ("%s/logs/%s.log", site.fx.state, id);
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "(--forget), without rollback steps, their effect kept: n1 (3.17.1)"));

  /* The next run executes what the rollback undid and what it forgot. */
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&site.fx, NULL, NULL, "run", "--from", FROM, "--to", TO,
                                                     "--stage", "in_stop", NULL)), ==, 0);
  g_assert_cmpint (orders_columns (&site), ==, 2);
  g_assert_cmpint (exec_sqlite_int (site.db, "SELECT COUNT(*) FROM notes"), ==, 2);
  site_clear (&site);
}

/* A tool step rolled back migrates again on the next run: its plugin's
 * checkpoint from before the rollback ({"next":4}, all done) no longer
 * counts (SPEC §9), else the plugin would copy nothing and say SUCCESS. */
static void
test_cli_tool_step_checkpoint_reset (void)
{
  ExecFixture fx;
  g_autofree char *extra = NULL;
  g_autofree char *out = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *log = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *id;

  exec_fixture_init (&fx);
  extra = exec_fixture_install_good_plugin (&fx);
  exec_fixture_write_config_extra (&fx, "bj-01", "", extra);
  exec_fixture_write_manifest (&fx, TO,
                               "\"post_upgrade\": [{\"id\": \"t1\", \"class_name\": \"GoodMigration\","
                               " \"compatible_version\": \"3.17.0\", \"params\": {\"units\": 4}, \"timeout\": 60}]",
                               "\"post_upgrade\": [{\"id\": \"t1_back\", \"class_name\": \"GoodMigration\","
                               " \"timeout\": 60}]");
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, NULL, "run", "--from", FROM, "--to", TO,
                                                     "--stage", "post_upgrade", NULL)), ==, 0);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, NULL, "rollback", "--from", FROM, "--to", TO,
                                                     "--stage", "post_upgrade", NULL)), ==, 0);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "--json", "run", "--from", FROM, "--to", TO,
                                                     "--stage", "post_upgrade", NULL)), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  id = json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "execution_id");
  log_path = g_strdup_printf ("%s/logs/%s.log", fx.state, id);
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "migrating from unit 0"));
  g_assert_null (strstr (log, "resuming from checkpoint"));
  exec_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rollback/run-rollback-run", test_run_rollback_run);
  g_test_add_func ("/rollback/two-cycles", test_two_cycles);
  g_test_add_func ("/rollback/failed-rollback", test_failed_rollback);
  g_test_add_func ("/rollback/rollback-again", test_rollback_again);
  g_test_add_func ("/rollback/failed-run-rolled-back", test_failed_run_rolled_back);
  g_test_add_func ("/rollback/undo-repeatable", test_undo_repeatable);
  g_test_add_func ("/rollback/cli-shows-rollback", test_cli_shows_rollback);
  g_test_add_func ("/rollback/cli-refuses-steps-without-rollback", test_cli_refuses_steps_without_rollback);
  g_test_add_func ("/rollback/cli-tool-step-checkpoint-reset", test_cli_tool_step_checkpoint_reset);
  return g_test_run ();
}
