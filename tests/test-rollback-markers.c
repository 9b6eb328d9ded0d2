/* test-rollback-markers.c - which markers a successful rollback deletes,
 * and where: every data source a reverted step's scripts route a
 * statement to, and only those; on SQLite
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "exec-test-util.h"
#include "upg-journal-batch-private.h"

#define FROM "3.17.0"
#define TO "3.17.5"
#define SITE "bj-01"

/* Two SQLite data sources, "app" and "other". */
typedef struct {
  ExecFixture fx;
  char       *app_db;
  char       *other_db;
} Site;

/* @other_file: where "other" points (relative to the fixture). */
static void
site_write_config (Site       *site,
                   const char *other_file)
{
  g_autofree char *app = exec_fixture_sqlite_source (&site->fx, "app.db");
  g_autofree char *other = exec_fixture_sqlite_source (&site->fx, other_file);
  g_autofree char *sources = g_strdup_printf ("\"app\": %s, \"other\": %s", app, other);

  exec_fixture_write_config (&site->fx, SITE, sources);
}

static void
site_init (Site *site)
{
  exec_fixture_init (&site->fx);
  site->app_db = exec_fixture_path (&site->fx, "app.db");
  site->other_db = exec_fixture_path (&site->fx, "other.db");
  site_write_config (site, "other.db");
}

static void
site_clear (Site *site)
{
  exec_fixture_clear (&site->fx);
  g_free (site->app_db);
  g_free (site->other_db);
}

static gint64
markers (const char *db)
{
  return exec_sqlite_int (db, "SELECT COUNT(*) FROM upgrade_statement_marker");
}

/* The markers in @db of @execution's statements of step @step_id's
 * script @file. */
static gint64
script_markers (const char   *db,
                UpgExecution *execution,
                const char   *step_id,
                const char   *file)
{
  /* Markers are named after the statement, whichever execution sent it. */
  g_autofree char *prefix = upg_journal_statement_key_prefix (SITE, "app", TO, step_id, file);
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM upgrade_statement_marker"
                                          " WHERE record_id LIKE '%s:%%'", prefix);

  return exec_sqlite_int (db, sql);
}

static gint64
tables_named (const char *db,
              const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM sqlite_master WHERE name = '%s'", table);

  return exec_sqlite_int (db, sql);
}

/* Runs the stage (or its rollback), which must succeed with @expected_steps. */
static UpgExecution *
stage_ok (Site       *site,
          gboolean    rollback,
          const char *expected_steps)
{
  g_autoptr(GError) error = NULL;
  UpgExecution *execution = NULL;
  gboolean ok = rollback ? exec_fixture_rollback (&site->fx, FROM, TO, "in_stop", &execution, &error)
                         : exec_fixture_run (&site->fx, FROM, TO, "in_stop", &execution, &error);

  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpint (upg_execution_is_rollback (execution), ==, rollback);
  g_assert_cmpint (upg_execution_get_status (execution), ==, UPG_EXECUTION_STATUS_SUCCESS);
  exec_assert_steps (execution, expected_steps);
  return execution;
}

/* The run fails in step s1 (which the tests make fail). */
static UpgExecution *
run_fails (Site *site)
{
  g_autoptr(GError) error = NULL;
  UpgExecution *failed = NULL;

  g_assert_false (exec_fixture_run (&site->fx, FROM, TO, "in_stop", &failed, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  exec_assert_steps (failed, "s1=FAILED");
  return failed;
}

/* The rollback fails, with a message containing @expected, and is not
 * journaled SUCCESS (running it again finishes it). */
static void
rollback_fails (Site       *site,
                const char *expected)
{
  g_autoptr(UpgExecution) back = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (exec_fixture_rollback (&site->fx, FROM, TO, "in_stop", &back, &error));
  g_assert_nonnull (error);
  if (strstr (error->message, expected) == NULL)
    g_error ("expected '%s' in: %s", expected, error->message);
  g_assert_cmpint (upg_execution_get_status (back), !=, UPG_EXECUTION_STATUS_SUCCESS);
}

/* Step s1 (database "app") routes its second statement to "other"; its
 * third fails until the table `missing` exists. The rollback r1 reverts
 * both databases. */
static void
write_routed_bundle (Site *site)
{
  exec_fixture_write (&site->fx, "bundle/sql/s1.sql",
                      "CREATE TABLE orders (id INTEGER PRIMARY KEY);\n"
                      "-- @database: other\n"
                      "CREATE TABLE audit (x INTEGER);\n"
                      "-- @database: app\n"
                      "INSERT INTO missing (x) VALUES (1);\n");
  exec_fixture_write (&site->fx, "bundle/sql/r1.sql",
                      "DROP TABLE orders;\n"
                      "-- @database: other\n"
                      "DROP TABLE audit;\n");
  exec_fixture_write_manifest (&site->fx, TO,
                               "\"in_stop\": ["
                               " {\"id\": \"s1\", \"database\": \"app\", \"sql_scripts\": [\"sql/s1.sql\"]}]",
                               "\"in_stop\": ["
                               " {\"id\": \"r1\", \"database\": \"app\", \"sql_scripts\": [\"sql/r1.sql\"]}]");
}

/* The batched record of the statement routed to "other" was lost (as a
 * crash between its commit and the batch's flush loses it): only its
 * marker in "other" says it ran. A rollback must still delete that
 * marker, or the continued execution counts the statement as applied
 * and never recreates `audit`. */
static void
test_routed_record_lost (void)
{
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autoptr(UpgExecution) back = NULL;
  g_autoptr(UpgExecution) continued = NULL;
  g_autofree char *journal = NULL;

  site_init (&site);
  write_routed_bundle (&site);
  failed = run_fails (&site);
  g_assert_cmpint (markers (site.other_db), ==, 1);
  g_assert_cmpint (script_markers (site.other_db, failed, "s1", "sql/s1.sql"), ==, 1);

  journal = g_build_filename (site.fx.state, "journal.db", NULL);
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM sql_execution_record"
                                             " WHERE database_name = 'other'"), ==, 1);
  exec_sqlite_exec (journal, "DELETE FROM sql_execution_record WHERE database_name = 'other'");

  back = stage_ok (&site, TRUE, "r1=SUCCESS");
  g_assert_cmpint (tables_named (site.other_db, "audit"), ==, 0);
  g_assert_cmpint (script_markers (site.other_db, failed, "s1", "sql/s1.sql"), ==, 0);
  /* Only the rollback's own marker is left in "other". */
  g_assert_cmpint (markers (site.other_db), ==, 1);

  exec_sqlite_exec (site.app_db, "CREATE TABLE missing (x INTEGER)");
  continued = stage_ok (&site, FALSE, "s1=SUCCESS");
  g_assert_cmpstr (upg_execution_get_id (continued), ==, upg_execution_get_id (failed));
  g_assert_cmpint (tables_named (site.app_db, "orders"), ==, 1);
  g_assert_cmpint (tables_named (site.other_db, "audit"), ==, 1);
  site_clear (&site);
}

/* s1 runs on "app", s2 on "other"; the rollback steps only on "app". */
static void
site_init_two_databases (Site *site)
{
  site_init (site);
  exec_fixture_write (&site->fx, "bundle/sql/s1.sql", "CREATE TABLE orders (id INTEGER PRIMARY KEY);\n");
  exec_fixture_write (&site->fx, "bundle/sql/s2.sql", "CREATE TABLE audit (x INTEGER);\n");
  exec_fixture_write (&site->fx, "bundle/sql/r1.sql", "DROP TABLE orders;\n");
  exec_fixture_write_manifest (&site->fx, TO,
                               "\"in_stop\": ["
                               " {\"id\": \"s1\", \"database\": \"app\", \"sql_scripts\": [\"sql/s1.sql\"]},"
                               " {\"id\": \"s2\", \"database\": \"other\", \"sql_scripts\": [\"sql/s2.sql\"]}]",
                               "\"in_stop\": ["
                               " {\"id\": \"r1\", \"database\": \"app\", \"sql_scripts\": [\"sql/r1.sql\"]}]");
}

/* Points "other" at a file that cannot be opened (its directory does not
 * exist): any attempt to clean it fails the rollback. */
static void
break_other (Site *site)
{
  site_write_config (site, "no-such-dir/other.db");
}

/* Running a completed rollback again cleans nothing more: the run it
 * undid was cleaned by it, so a data source only that run's steps used
 * is not touched (here it is unreachable, and the rollback succeeds). */
static void
test_cleaned_execution_not_touched (void)
{
  Site site;
  g_autoptr(UpgExecution) first = NULL;
  g_autoptr(UpgExecution) back = NULL;
  g_autoptr(UpgExecution) back_again = NULL;

  site_init_two_databases (&site);
  first = stage_ok (&site, FALSE, "s1=SUCCESS s2=SUCCESS");
  g_assert_cmpint (markers (site.other_db), ==, 1);
  back = stage_ok (&site, TRUE, "r1=SUCCESS");
  g_assert_cmpint (markers (site.other_db), ==, 0);

  break_other (&site);
  back_again = stage_ok (&site, TRUE, "r1=SKIPPED");
  g_assert_cmpint (tables_named (site.app_db, "orders"), ==, 0);
  site_clear (&site);
}

/* A run that failed before its step on "other" started sent nothing
 * there: its rollback does not touch "other" (unreachable here). */
static void
test_unstarted_step_not_touched (void)
{
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autoptr(UpgExecution) back = NULL;

  site_init_two_databases (&site);
  exec_fixture_write (&site.fx, "bundle/sql/s1.sql",
                      "CREATE TABLE orders (id INTEGER PRIMARY KEY);\n"
                      "INSERT INTO missing (x) VALUES (1);\n");
  failed = run_fails (&site);
  g_assert_cmpint (script_markers (site.app_db, failed, "s1", "sql/s1.sql"), ==, 1);

  break_other (&site);
  back = stage_ok (&site, TRUE, "r1=SUCCESS");
  /* The failed run's marker in "app" went with the rollback. */
  g_assert_cmpint (script_markers (site.app_db, failed, "s1", "sql/s1.sql"), ==, 0);
  g_assert_cmpint (tables_named (site.app_db, "orders"), ==, 0);
  site_clear (&site);
}

/* A data source a reverted step really used must still be cleaned: when
 * it cannot be, the rollback fails (and says where). */
static void
test_used_target_unreachable_fails (void)
{
  Site site;
  g_autoptr(UpgExecution) first = NULL;

  site_init_two_databases (&site);
  first = stage_ok (&site, FALSE, "s1=SUCCESS s2=SUCCESS");
  break_other (&site);
  rollback_fails (&site, "data source 'other': cannot delete the markers");
  g_assert_cmpint (markers (site.other_db), ==, 1);
  site_clear (&site);
}

/* Where a reverted step sent its statements is read from its scripts:
 * when a script can no longer be split, the rollback cannot know which
 * data sources to clean, and fails saying why instead of leaving a
 * marker behind. */
static void
test_unsplittable_script_fails (void)
{
  Site site;
  g_autoptr(UpgExecution) first = NULL;

  site_init_two_databases (&site);
  first = stage_ok (&site, FALSE, "s1=SUCCESS s2=SUCCESS");
  exec_fixture_write (&site.fx, "bundle/sql/s2.sql", "CREATE TABLE audit (x TEXT DEFAULT 'open);\n");
  rollback_fails (&site, "step 's2': cannot tell which data sources its statements went to: sql/s2.sql:1");
  site_clear (&site);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rollback-markers/routed-record-lost", test_routed_record_lost);
  g_test_add_func ("/rollback-markers/cleaned-execution-not-touched", test_cleaned_execution_not_touched);
  g_test_add_func ("/rollback-markers/unstarted-step-not-touched", test_unstarted_step_not_touched);
  g_test_add_func ("/rollback-markers/used-target-unreachable-fails", test_used_target_unreachable_fails);
  g_test_add_func ("/rollback-markers/unsplittable-script-fails", test_unsplittable_script_fails);
  return g_test_run ();
}
