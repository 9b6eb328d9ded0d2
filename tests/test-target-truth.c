/* test-target-truth.c - the target is the truth (SPEC §5): a run whose
 * journal does not know the statements (journal lost, another state
 * directory) never sends again what a marker in the target says was
 * applied; on MariaDB, PostgreSQL and SQLite, through the real upgradectl
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "db-site.h"
#include "upg-target-lock-private.h"

#define FROM "3.17.0"
#define TO "3.17.5"
#define ROWS 50

static Db databases[] = DB_TARGETS_INIT;

/* A scratch site on @db, or on an SQLite file when @db is NULL. */
static void
site_init (DbSite     *site,
           Db         *db,
           const char *site_id)
{
  g_autofree char *source = NULL;
  g_autofree char *sources = NULL;

  if (db != NULL)
    {
      db_site_init (site, db, site_id);
      return;
    }
  exec_fixture_init (&site->fx);
  source = exec_fixture_sqlite_source (&site->fx, "target.db");
  sources = g_strdup_printf ("\"db\": %s", source);
  exec_fixture_write_config (&site->fx, site_id, sources);
  site->target = exec_open_source ("db", source);
  site->table = g_strdup ("t_truth");
}

/* s1 creates the table and inserts ROWS rows one statement each; s2
 * changes one of them. */
static void
write_rows_bundle (DbSite *site)
{
  g_autoptr(GString) s1 = g_string_new (NULL);
  g_autofree char *s2 = g_strdup_printf ("UPDATE %s SET n = n + 1000 WHERE n = 1;\n", site->table);

  g_string_append_printf (s1, "CREATE TABLE %s (n INTEGER);\n", site->table);
  for (guint i = 1; i <= ROWS; i++)
    g_string_append_printf (s1, "INSERT INTO %s VALUES (%u);\n", site->table, i);
  exec_fixture_write (&site->fx, "bundle/sql/001.sql", s1->str);
  exec_fixture_write (&site->fx, "bundle/sql/002.sql", s2);
  exec_fixture_write_manifest (&site->fx, TO,
                               "\"in_stop\": ["
                               " {\"id\": \"s1\", \"database\": \"db\", \"sql_scripts\": [\"sql/001.sql\"]},"
                               " {\"id\": \"s2\", \"database\": \"db\", \"sql_scripts\": [\"sql/002.sql\"]}]",
                               NULL);
}

static int
run_stage (DbSite *site)
{
  return exec_exit_code (exec_fixture_cli (&site->fx, NULL, NULL, "run", "--confirm", "--from", FROM, "--to", TO,
                                           "--stage", "in_stop", NULL));
}

static void
assert_rows (DbSite *site)
{
  g_autofree char *count_sql = g_strdup_printf ("SELECT COUNT(*) FROM %s", site->table);
  g_autofree char *sum_sql = g_strdup_printf ("SELECT SUM(n) FROM %s", site->table);
  g_autofree char *count = exec_query_text (site->target, count_sql);
  g_autofree char *sum = exec_query_text (site->target, sum_sql);
  g_autofree char *expected_count = g_strdup_printf ("%u", ROWS);
  g_autofree char *expected_sum = g_strdup_printf ("%u", ROWS * (ROWS + 1) / 2 + 1000);

  g_assert_cmpstr (count, ==, expected_count);
  g_assert_cmpstr (sum, ==, expected_sum);
}

static char *
journal_path (DbSite *site)
{
  return g_build_filename (site->fx.state, "journal.db", NULL);
}

/* The only execution in the journal of @site. */
static char *
only_execution (DbSite *site)
{
  g_autofree char *path = journal_path (site);
  g_autofree char *source = g_strdup_printf ("{\"provider\": \"SQLite\", \"path\": \"%s\"}", path);
  g_autoptr(UpgConnection) journal = exec_open_source ("journal", source);

  g_assert_cmpint (exec_sqlite_int (path, "SELECT COUNT(*) FROM upgrade_execution"), ==, 1);
  return exec_query_text (journal, "SELECT id FROM upgrade_execution");
}

/* After the run with a fresh journal: nothing was sent, every statement is
 * recorded SKIPPED naming the execution @applied_by, the steps succeeded. */
static void
assert_all_skipped_by_markers (DbSite     *site,
                               const char *applied_by)
{
  g_autofree char *path = journal_path (site);
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM sql_execution_record WHERE status = 'SKIPPED'"
                                          " AND error_message = 'applied in execution %s"
                                          " (marker found in the target)'", applied_by);

  g_assert_cmpint (exec_sqlite_int (path, sql), ==, ROWS + 2);
  g_assert_cmpint (exec_sqlite_int (path, "SELECT COUNT(*) FROM sql_execution_record WHERE status <> 'SKIPPED'"),
                   ==, 0);
  g_assert_cmpint (exec_sqlite_int (path, "SELECT COUNT(*) FROM step_execution WHERE status = 'SUCCESS'"), ==, 2);
}

/* Run; lose the journal; run again; then once more from another state
 * directory: the rows stay as the first run left them (before: 50 rows
 * became 100). */
static void
check_lost_journal (Db *db)
{
  DbSite site;
  g_autofree char *path = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  site_init (&site, db, "truth-1");
  write_rows_bundle (&site);
  g_assert_cmpint (run_stage (&site), ==, 0);
  assert_rows (&site);
  first = only_execution (&site);

  path = journal_path (&site);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (run_stage (&site), ==, 0);
  assert_rows (&site);
  assert_all_skipped_by_markers (&site, first);
  second = only_execution (&site);
  g_assert_cmpstr (second, !=, first);

  g_free (site.fx.state);
  site.fx.state = exec_fixture_path (&site.fx, "another-state-dir");
  g_assert_cmpint (run_stage (&site), ==, 0);
  assert_rows (&site);
  /* The markers still name the execution that sent the statements. */
  assert_all_skipped_by_markers (&site, first);
  db_site_clear (&site);
}

static void
test_lost_journal_db (gconstpointer data)
{
  check_lost_journal ((Db *) data);
}

/* A scratch site named @site_id on @db with the rows bundle, whose run
 * was killed right after its first statement (the CREATE TABLE: on
 * MariaDB, autocommitting DDL) ran, before its marker. */
static void
site_init_killed_after_create (DbSite     *site,
                               Db         *db,
                               const char *site_id)
{
  const char *env[] = { "UPGRADE_TEST_CRASH_AT", "1:after-execute-before-commit", NULL };
  int status;

  site_init (site, db, site_id);
  write_rows_bundle (site);
  status = exec_fixture_cli (&site->fx, env, NULL, "run", "--confirm", "--from", FROM, "--to", TO, "--stage", "in_stop",
                             NULL);
  g_assert_true (exec_fixture_cli_killed (status));
}

/* MariaDB: the CREATE TABLE (autocommitting DDL) is left in doubt by a
 * kill; the operator sees the table and resumes with --skip; then the
 * journal is lost. The run after must not create the table again: the
 * operator's decision is in the target as the statement's marker. */
static void
test_skip_then_lost_journal (gconstpointer data)
{
  DbSite site;
  g_autofree char *path = NULL;
  g_autofree char *execution = NULL;
  int status;

  site_init_killed_after_create (&site, (Db *) data, "truth-skip");
  g_assert_cmpint (run_stage (&site), ==, 5);
  execution = only_execution (&site);
  status = exec_fixture_cli (&site.fx, NULL, NULL, "resume", execution, "--skip", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 0);
  assert_rows (&site);

  path = journal_path (&site);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (run_stage (&site), ==, 0);
  assert_rows (&site);
  db_site_clear (&site);
}

/* MariaDB: a kill right after the CREATE TABLE (autocommitting DDL) ran,
 * before its marker; then the journal is lost. The run after must not
 * create the table again (it did: "table exists", exit 1): the target
 * says the statement was being sent, so it is in doubt (exit 5), as it
 * is with the journal; the operator resumes with --skip and the rest
 * runs once. */
static void
test_in_doubt_then_lost_journal (gconstpointer data)
{
  DbSite site;
  g_autofree char *path = NULL;
  g_autofree char *execution = NULL;
  g_autofree char *out = NULL;
  int status;

  site_init_killed_after_create (&site, (Db *) data, "truth-doubt");
  path = journal_path (&site);
  g_assert_cmpint (g_unlink (path), ==, 0);
  status = exec_fixture_cli (&site.fx, NULL, &out, "run", "--confirm", "--from", FROM, "--to", TO, "--stage", "in_stop",
                             NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 5);
  g_assert_nonnull (strstr (out, "IN_DOUBT"));
  execution = only_execution (&site);
  g_assert_cmpint (exec_sqlite_int (path, "SELECT COUNT(*) FROM sql_execution_record WHERE status = 'IN_DOUBT'"),
                   ==, 1);
  status = exec_fixture_cli (&site.fx, NULL, NULL, "resume", execution, "--skip", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 0);
  assert_rows (&site);
  db_site_clear (&site);
}

/* MariaDB: an ALTER TABLE (autocommitting DDL) the server refuses took no
 * effect, so it leaves no intent: once the operator created the missing
 * table, a run with the journal lost sends it (exit 0), rather than
 * stopping in doubt on it (exit 5). */
static void
test_refused_then_lost_journal (gconstpointer data)
{
  DbSite site;
  g_autofree char *script = NULL;
  g_autofree char *path = NULL;
  g_autofree char *count = NULL;
  g_autofree char *count_sql = NULL;

  site_init (&site, (Db *) data, "truth-refused");
  script = g_strdup_printf ("ALTER TABLE %s ADD COLUMN m INTEGER;\n", site.table);
  exec_fixture_write (&site.fx, "bundle/sql/001.sql", script);
  exec_fixture_write_manifest (&site.fx, TO,
                               "\"in_stop\": [{\"id\": \"s1\", \"database\": \"db\","
                               " \"sql_scripts\": [\"sql/001.sql\"]}]", NULL);
  g_assert_cmpint (run_stage (&site), ==, 1);

  db_site_execute (&site, "CREATE TABLE %s (n INTEGER)", site.table);
  path = journal_path (&site);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (run_stage (&site), ==, 0);
  count_sql = g_strdup_printf ("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()"
                               " AND table_name = '%s' AND column_name = 'm'", site.table);
  count = exec_query_text (site.target, count_sql);
  g_assert_cmpstr (count, ==, "1");
  db_site_clear (&site);
}

static void
test_lost_journal_sqlite (void)
{
  check_lost_journal (NULL);
}

/* Another run (here: the test, holding the lock as a run does) has the
 * target: the run with its own journal stops with exit 3 naming it,
 * before anything is sent; once released, the run goes through and
 * leaves the lock free. */
static void
check_lock_held (Db *db)
{
  DbSite site;
  g_autoptr(UpgConnection) holder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;
  g_autofree char *out = NULL;
  g_autofree char *pid = g_strdup_printf ("pid %d", (int) getpid ());
  g_autofree char *path = NULL;
  g_autofree char *left = NULL;
  int status;

  site_init (&site, db, "truth-1");
  write_rows_bundle (&site);
  source = db != NULL ? g_strdup (db->source_json) : exec_fixture_sqlite_source (&site.fx, "target.db");
  holder = exec_open_source ("db", source);
  g_assert_true (upg_target_lock_acquire (holder, "truth-1", "held-by-test", &error));
  g_assert_no_error (error);

  status = exec_fixture_cli (&site.fx, NULL, &out, "--json", "run", "--confirm", "--from", FROM, "--to", TO,
                             "--stage", "in_stop", NULL);
  g_test_message ("%s", out);
  g_assert_cmpint (exec_exit_code (status), ==, 3);
  g_assert_nonnull (strstr (out, "is locked by another upgrade of site 'truth-1'"));
  g_assert_nonnull (strstr (out, g_get_host_name ()));
  g_assert_nonnull (strstr (out, pid));
  g_assert_nonnull (strstr (out, "execution held-by-test"));
  path = journal_path (&site);
  g_assert_cmpint (exec_sqlite_int (path, "SELECT COUNT(*) FROM sql_execution_record"), ==, 0);

  upg_target_lock_release (holder, "truth-1");
  g_assert_cmpint (run_stage (&site), ==, 0);
  assert_rows (&site);
  left = exec_query_text (site.target, "SELECT COUNT(*) FROM upgrade_target_lock");
  g_assert_cmpstr (left, ==, "0");
  db_site_clear (&site);
}

static void
test_lock_held_db (gconstpointer data)
{
  check_lock_held ((Db *) data);
}

static void
test_lock_held_sqlite (void)
{
  check_lock_held (NULL);
}

/* SQLite: a run on another host sharing the file died holding the
 * target's lock (its row in upgrade_target_lock is the lock): runs stop
 * with exit 3 naming it until `unlock --force` removes it. */
static void
test_unlock_stale_target_lock (void)
{
  DbSite site;
  g_autoptr(UpgConnection) holder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;
  g_autofree char *out = NULL;
  int status;

  site_init (&site, NULL, "truth-1");
  write_rows_bundle (&site);
  source = exec_fixture_sqlite_source (&site.fx, "target.db");
  holder = exec_open_source ("db", source);
  g_assert_true (upg_target_lock_acquire (holder, "truth-1", "dead-elsewhere", &error));
  g_assert_no_error (error);
  exec_execute (holder, "UPDATE upgrade_target_lock SET host = 'other-host', pid = 4242");
  g_assert_cmpint (run_stage (&site), ==, 3);

  status = exec_fixture_cli (&site.fx, NULL, &out, "unlock", "--force", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 0);
  g_assert_nonnull (strstr (out, "host other-host pid 4242 (execution dead-elsewhere)"));
  g_assert_cmpint (run_stage (&site), ==, 0);
  assert_rows (&site);
  db_site_clear (&site);
}

/* The journal's value of @sql (one row, one column). */
static char *
journal_text (DbSite     *site,
              const char *sql)
{
  g_autofree char *path = journal_path (site);
  g_autofree char *source = g_strdup_printf ("{\"provider\": \"SQLite\", \"path\": \"%s\"}", path);
  g_autoptr(UpgConnection) journal = exec_open_source ("journal", source);

  return exec_query_text (journal, sql);
}

/* Edits the applied script 002.sql of write_rows_bundle(). */
static void
edit_applied_script (DbSite *site)
{
  g_autofree char *edited = g_strdup_printf ("UPDATE %s SET n = n + 2000 WHERE n = 1;\n", site->table);

  exec_fixture_write (&site->fx, "bundle/sql/002.sql", edited);
}

/* `run` refuses the edited script (exit 2) naming file:line, the
 * execution that applied it and the file's new hash, and sends nothing.
 * Returns: (transfer full): its JSON output */
static char *
assert_run_refuses_drift (DbSite *site)
{
  char *out = NULL;
  int status = exec_fixture_cli (&site->fx, NULL, &out, "--json", "run", "--confirm", "--from", FROM, "--to", TO,
                                 "--stage", "in_stop", NULL);

  g_test_message ("%s", out);
  g_assert_cmpint (exec_exit_code (status), ==, 2);
  g_assert_nonnull (strstr (out, "sql/002.sql:1: applied in execution "));
  g_assert_nonnull (strstr (out, "the file now has sha256 "));
  assert_rows (site);
  return out;
}

/* An applied script edited afterwards: run and validate refuse (exit 2)
 * naming file:line and both hashes, sending nothing; --accept-changed proceeds
 * (the statement is not run again) and journals who accepted it; the
 * next run finds no drift. */
static void
check_drift (Db *db)
{
  DbSite site;
  g_autofree char *applied_sha = NULL;
  g_autofree char *accepted_sha = NULL;
  g_autofree char *message = NULL;
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;
  int status;

  site_init (&site, db, "truth-1");
  write_rows_bundle (&site);
  g_assert_cmpint (run_stage (&site), ==, 0);
  applied_sha = journal_text (&site, "SELECT sha256 FROM sql_execution_record WHERE file = 'sql/002.sql'");
  g_assert_cmpuint (strlen (applied_sha), ==, 64);

  edit_applied_script (&site);
  out = assert_run_refuses_drift (&site);
  expected = g_strdup_printf ("sql/002.sql:1: applied in execution ");
  g_assert_nonnull (strstr (out, applied_sha));
  g_clear_pointer (&out, g_free);
  status = exec_fixture_cli (&site.fx, NULL, &out, "--json", "validate", NULL);
  g_test_message ("%s", out);
  g_assert_cmpint (exec_exit_code (status), ==, 2);
  g_assert_nonnull (strstr (out, expected));
  g_assert_nonnull (strstr (out, applied_sha));
  g_assert_nonnull (strstr (out, "changed after it was applied"));

  status = exec_fixture_cli (&site.fx, NULL, NULL, "run", "--confirm", "--from", FROM, "--to", TO, "--stage", "in_stop",
                             "--accept-changed", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 0);
  assert_rows (&site);
  accepted_sha = journal_text (&site, "SELECT sha256 FROM sql_execution_record WHERE file = 'sql/002.sql'");
  g_assert_cmpuint (strlen (accepted_sha), ==, 64);
  g_assert_cmpstr (accepted_sha, !=, applied_sha);
  message = journal_text (&site, "SELECT error_message FROM sql_execution_record WHERE file = 'sql/002.sql'");
  g_assert_nonnull (strstr (message, applied_sha));
  g_assert_nonnull (strstr (message, "accepted by "));
  g_assert_nonnull (strstr (message, g_get_host_name ()));

  g_assert_cmpint (run_stage (&site), ==, 0);
  assert_rows (&site);
  g_clear_pointer (&out, g_free);
  exec_fixture_cli (&site.fx, NULL, &out, "--json", "validate", NULL);
  g_assert_null (strstr (out, "changed after it was applied"));
  db_site_clear (&site);
}

/* Drift after the journal was lost: the marker's hash still tells. */
static void
check_drift_lost_journal (Db *db)
{
  DbSite site;
  g_autofree char *path = NULL;
  int status;

  site_init (&site, db, "truth-1");
  write_rows_bundle (&site);
  g_assert_cmpint (run_stage (&site), ==, 0);
  path = journal_path (&site);
  g_assert_cmpint (g_unlink (path), ==, 0);
  edit_applied_script (&site);
  g_free (assert_run_refuses_drift (&site));

  status = exec_fixture_cli (&site.fx, NULL, NULL, "run", "--confirm", "--from", FROM, "--to", TO, "--stage", "in_stop",
                             "--accept-changed", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 0);
  assert_rows (&site);
  g_assert_cmpint (exec_sqlite_int (path, "SELECT COUNT(*) FROM sql_execution_record WHERE file = 'sql/002.sql'"
                                          " AND status = 'SKIPPED' AND error_message LIKE '%accepted by %'"), ==, 1);
  db_site_clear (&site);
}

static void
test_drift_lost_journal_db (gconstpointer data)
{
  check_drift_lost_journal ((Db *) data);
}

static void
test_drift_lost_journal_sqlite (void)
{
  check_drift_lost_journal (NULL);
}

static void
test_drift_db (gconstpointer data)
{
  check_drift ((Db *) data);
}

static void
test_drift_sqlite (void)
{
  check_drift (NULL);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/target-truth/sqlite/lost-journal", test_lost_journal_sqlite);
  g_test_add_func ("/target-truth/sqlite/lock-held", test_lock_held_sqlite);
  g_test_add_func ("/target-truth/sqlite/unlock-stale-target-lock", test_unlock_stale_target_lock);
  g_test_add_func ("/target-truth/sqlite/drift", test_drift_sqlite);
  g_test_add_func ("/target-truth/sqlite/drift-lost-journal", test_drift_lost_journal_sqlite);
  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    {
      Db *db = &databases[i];

      db_start (db);
      db_add_test (db, "target-truth", "lost-journal", test_lost_journal_db);
      db_add_test (db, "target-truth", "lock-held", test_lock_held_db);
      db_add_test (db, "target-truth", "drift", test_drift_db);
      db_add_test (db, "target-truth", "drift-lost-journal", test_drift_lost_journal_db);
      if (db->kind == UPG_TEST_SERVER_MARIADB)
        {
          db_add_test (db, "target-truth", "skip-then-lost-journal", test_skip_then_lost_journal);
          db_add_test (db, "target-truth", "in-doubt-then-lost-journal", test_in_doubt_then_lost_journal);
          db_add_test (db, "target-truth", "refused-then-lost-journal", test_refused_then_lost_journal);
        }
    }

  status = g_test_run ();

  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    db_stop (&databases[i]);
  return status;
}
