/* test-journal-batch.c - batched statement records: a statement whose
 * record was lost is recognised by its marker, never sent twice; another
 * journal's markers in the same database are not taken for ours
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <sys/wait.h>

#include "exec-test-util.h"
#include "upg-journal-batch-private.h"

#define FROM "3.17.0"
#define TO "3.17.5"
#define N_UPDATES 30
/* CREATE, INSERT, the UPDATEs and one PRAGMA, which gets no marker. */
#define N_STATEMENTS (N_UPDATES + 3)
#define N_MARKED (N_UPDATES + 2)

/* A script whose statements are not idempotent: running one twice, or
 * skipping one, shows in SUM(n). */
static void
write_site (ExecFixture *fx,
            const char  *app_db)
{
  g_autoptr(GString) sql = g_string_new ("CREATE TABLE IF NOT EXISTS counter (n INTEGER NOT NULL);\n"
                                         "INSERT INTO counter (n) VALUES (0);\n");
  g_autofree char *source = g_strdup_printf ("{\"provider\": \"SQLite\", \"path\": \"%s\"}", app_db);
  g_autofree char *sources = g_strdup_printf ("\"app\": %s", source);

  for (guint i = 0; i < N_UPDATES; i++)
    {
      g_string_append (sql, "UPDATE counter SET n = n + 1;\n");
      /* A session statement ends a group commit (upg-sql-runner-groups.c):
       * the first 20 statements commit together, so that the crash after
       * the 20th leaves the rest unapplied. */
      if (i == 17)
        g_string_append (sql, "PRAGMA foreign_keys = ON;\n");
    }
  exec_fixture_write_config (fx, "batch-site", sources);
  exec_fixture_write (fx, "bundle/sql/001.sql", sql->str);
  exec_fixture_write_manifest (fx, TO,
                               "\"in_stop\": [{\"id\": \"s1\", \"database\": \"app\","
                               " \"sql_scripts\": [\"sql/001.sql\"]}]",
                               "\"in_stop\": [{\"id\": \"r1\", \"database\": \"app\","
                               " \"sql_scripts\": [\"sql/r1.sql\"]}]");
  exec_fixture_write (fx, "bundle/sql/r1.sql", "DROP TABLE counter;\n");
}

static int
run_cli_from (ExecFixture *fx,
              const char  *from,
              const char  *hook)
{
  const char *env[] = { "UPGRADE_TEST_CRASH_AT", hook, NULL };

  return exec_fixture_cli (fx, hook != NULL ? env : NULL, NULL, "run", "--from", from, "--to", TO,
                           "--stage", "in_stop", "--confirm", NULL);
}

static int
run_cli (ExecFixture *fx,
         const char  *hook)
{
  return run_cli_from (fx, FROM, hook);
}

static char *
journal_path (ExecFixture *fx)
{
  return g_build_filename (fx->state, "journal.db", NULL);
}

/* A fresh site: its target database and journal paths. */
static void
site_init (ExecFixture *fx,
           char       **app_db,
           char       **journal)
{
  exec_fixture_init (fx);
  *app_db = exec_fixture_path (fx, "app.db");
  *journal = journal_path (fx);
  write_site (fx, *app_db);
}

/* Kills upgradectl right after the 20th statement committed, then removes
 * every statement record from the journal, as if none of the batch had
 * been written. */
static void
crash_losing_records (ExecFixture *fx,
                      const char  *journal)
{
  g_assert_true (exec_fixture_cli_killed (run_cli (fx, "20:after-commit-before-journal")));
  exec_sqlite_exec (journal, "DELETE FROM sql_execution_record");
}

/* The statements recorded SUCCESS because their marker was found. */
static gint64
count_found_by_marker (const char *journal)
{
  return exec_sqlite_int (journal, "SELECT COUNT(*) FROM sql_execution_record"
                                   " WHERE status = 'SUCCESS' AND error_message LIKE"
                                   " 'applied before an interruption%'");
}

/* After crash_losing_records() the run again finds the 20 statements
 * applied by their markers (recorded SUCCESS, "marker found") and sends
 * only the rest. */
static void
test_lost_records_recovered (void)
{
  ExecFixture fx;
  g_autofree char *app_db = NULL;
  g_autofree char *journal = NULL;

  site_init (&fx, &app_db, &journal);

  crash_losing_records (&fx, journal);
  /* 1 CREATE, 1 INSERT and 18 UPDATEs committed. */
  g_assert_cmpint (exec_sqlite_int (app_db, "SELECT SUM(n) FROM counter"), ==, 18);

  g_assert_cmpint (exec_exit_code (run_cli (&fx, NULL)), ==, 0);
  g_assert_cmpint (exec_sqlite_int (app_db, "SELECT COUNT(*) FROM counter"), ==, 1);
  g_assert_cmpint (exec_sqlite_int (app_db, "SELECT SUM(n) FROM counter"), ==, N_UPDATES);
  g_assert_cmpint (count_found_by_marker (journal), ==, 20);
  /* Every statement done exactly once in the journal too. */
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(DISTINCT sequence) FROM sql_execution_record"
                                             " WHERE status = 'SUCCESS'"), ==, N_STATEMENTS);
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM sql_execution_record"
                                             " WHERE status <> 'SUCCESS'"), ==, 0);
  exec_fixture_clear (&fx);
}

/* As above, but the run that follows is another execution (from another
 * version, so it does not continue the crashed one): the markers of the
 * crashed execution still count as applied, recorded SKIPPED naming it. */
static void
test_lost_records_of_other_execution (void)
{
  ExecFixture fx;
  g_autofree char *app_db = NULL;
  g_autofree char *journal = NULL;

  site_init (&fx, &app_db, &journal);
  crash_losing_records (&fx, journal);

  g_assert_cmpint (exec_exit_code (run_cli_from (&fx, "3.17.1", NULL)), ==, 0);
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM upgrade_execution"), ==, 2);
  g_assert_cmpint (exec_sqlite_int (app_db, "SELECT SUM(n) FROM counter"), ==, N_UPDATES);
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM sql_execution_record"
                                             " WHERE status = 'SKIPPED' AND error_message = 'applied in execution '"
                                             " || (SELECT id FROM upgrade_execution ORDER BY started_at LIMIT 1)"
                                             " || ' (marker found in the target)'"), ==, 20);
  exec_fixture_clear (&fx);
}

/* As above, but the crashed run is rolled back before it is run again:
 * the rollback deletes the markers of the lost records too (they are
 * named after the execution and step, not the record), so the run, which
 * continues the crashed execution, sends every statement again instead
 * of taking them for applied. */
static void
test_lost_records_rolled_back (void)
{
  ExecFixture fx;
  g_autofree char *app_db = NULL;
  g_autofree char *journal = NULL;

  site_init (&fx, &app_db, &journal);

  crash_losing_records (&fx, journal);
  g_assert_cmpint (exec_sqlite_int (app_db, "SELECT COUNT(*) FROM upgrade_statement_marker"), ==, 20);

  /* The CLI, as for the run: it takes over the crashed run's stale lock. */
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, NULL, "rollback", "--from", FROM, "--to", TO,
                                                     "--stage", "in_stop", NULL)), ==, 0);
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM upgrade_execution"
                                             " WHERE kind = 'rollback' AND status = 'SUCCESS'"), ==, 1);
  g_assert_cmpint (exec_sqlite_int (app_db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'counter'"), ==, 0);
  /* Only the rollback's own DROP TABLE is marked now. */
  g_assert_cmpint (exec_sqlite_int (app_db, "SELECT COUNT(*) FROM upgrade_statement_marker"), ==, 1);

  g_assert_cmpint (exec_exit_code (run_cli (&fx, NULL)), ==, 0);
  g_assert_cmpint (exec_sqlite_int (app_db, "SELECT COUNT(*) FROM counter"), ==, 1);
  g_assert_cmpint (exec_sqlite_int (app_db, "SELECT SUM(n) FROM counter"), ==, N_UPDATES);
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM sql_execution_record"
                                             " WHERE error_message LIKE 'applied before an interruption%'"), ==, 0);
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(DISTINCT sequence) FROM sql_execution_record"
                                             " WHERE status = 'SUCCESS' AND step_id = 's1'"), ==, N_STATEMENTS);
  exec_fixture_clear (&fx);
}

static gint64
marker_table_without_rowid (const char *app_db)
{
  return exec_sqlite_int (app_db, "SELECT COUNT(*) FROM sqlite_master"
                                  " WHERE name = 'upgrade_statement_marker' AND sql LIKE '%WITHOUT ROWID'");
}

/* In an SQLite target the marker table has no rowid (one b-tree, a page
 * less per statement's transaction); a target that already has the
 * table as earlier versions made it keeps it, and its markers still
 * prove what ran. */
static void
test_marker_table (void)
{
  ExecFixture fx;
  g_autofree char *app_db = NULL;
  g_autofree char *journal = NULL;

  site_init (&fx, &app_db, &journal);
  g_assert_cmpint (exec_exit_code (run_cli (&fx, NULL)), ==, 0);
  g_assert_cmpint (marker_table_without_rowid (app_db), ==, 1);
  g_assert_cmpint (exec_sqlite_int (app_db, "SELECT COUNT(*) FROM upgrade_statement_marker"), ==, N_MARKED);
  exec_fixture_clear (&fx);
  g_clear_pointer (&app_db, g_free);
  g_clear_pointer (&journal, g_free);

  site_init (&fx, &app_db, &journal);
  exec_sqlite_exec (app_db, "CREATE TABLE upgrade_statement_marker (record_id TEXT NOT NULL PRIMARY KEY,"
                            " created_at INTEGER NOT NULL)");
  crash_losing_records (&fx, journal);
  g_assert_cmpint (exec_exit_code (run_cli (&fx, NULL)), ==, 0);
  g_assert_cmpint (exec_sqlite_int (app_db, "SELECT SUM(n) FROM counter"), ==, N_UPDATES);
  g_assert_cmpint (marker_table_without_rowid (app_db), ==, 0);
  g_assert_cmpint (exec_sqlite_int (app_db, "SELECT COUNT(*) FROM upgrade_statement_marker"), ==, N_MARKED);
  exec_fixture_clear (&fx);
}

/* The records are in the journal when the run ends, with their timings,
 * and the statements' markers are in the target. */
static void
test_records_written_at_end (void)
{
  ExecFixture fx;
  g_autofree char *app_db = NULL;
  g_autofree char *journal = NULL;

  site_init (&fx, &app_db, &journal);

  g_assert_cmpint (exec_exit_code (run_cli (&fx, NULL)), ==, 0);
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM sql_execution_record"
                                             " WHERE status = 'SUCCESS' AND finished_at >= started_at"
                                             " AND duration_ms >= 0 AND affected_rows IS NOT NULL"),
                   ==, N_STATEMENTS);
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM sql_execution_record"
                                             " WHERE status = 'SUCCESS' AND sequence > 2 AND affected_rows = 1"),
                   ==, N_UPDATES);
  g_assert_cmpint (exec_sqlite_int (app_db, "SELECT COUNT(*) FROM upgrade_statement_marker"), ==, N_MARKED);
  exec_fixture_clear (&fx);
}

/* A second state directory (its own journal: as after the journal was
 * lost, or on another host) for the same site and the same database: the
 * target is the truth (SPEC §5), so the markers of the first run stand
 * and it sends nothing again, recording each statement SKIPPED naming
 * the execution that applied it. */
static void
test_other_journal_markers_honoured (void)
{
  ExecFixture first, second;
  g_autofree char *app_db = NULL;
  g_autofree char *first_journal = NULL;
  g_autofree char *second_journal = NULL;
  g_autofree char *source = NULL;
  g_autoptr(UpgConnection) connection = NULL;
  g_autofree char *first_id = NULL;
  g_autofree char *sql = NULL;

  exec_fixture_init (&first);
  exec_fixture_init (&second);
  app_db = exec_fixture_path (&first, "app.db");
  first_journal = g_build_filename (first.state, "journal.db", NULL);
  second_journal = g_build_filename (second.state, "journal.db", NULL);
  write_site (&first, app_db);
  write_site (&second, app_db);

  g_assert_cmpint (exec_exit_code (run_cli (&first, NULL)), ==, 0);
  g_assert_cmpint (exec_exit_code (run_cli (&second, NULL)), ==, 0);
  g_assert_cmpint (exec_sqlite_int (app_db, "SELECT COUNT(*) FROM counter"), ==, 1);
  g_assert_cmpint (exec_sqlite_int (app_db, "SELECT MAX(n) FROM counter"), ==, N_UPDATES);
  g_assert_cmpint (exec_sqlite_int (app_db, "SELECT COUNT(*) FROM upgrade_statement_marker"), ==, N_MARKED);

  source = g_strdup_printf ("{\"provider\": \"SQLite\", \"path\": \"%s\"}", first_journal);
  connection = exec_open_source ("first-journal", source);
  first_id = exec_query_text (connection, "SELECT id FROM upgrade_execution");
  sql = g_strdup_printf ("SELECT COUNT(*) FROM sql_execution_record WHERE status = 'SKIPPED'"
                         " AND error_message = 'applied in execution %s (marker found in the target)'", first_id);
  g_assert_cmpint (exec_sqlite_int (second_journal, sql), ==, N_MARKED);
  /* Only the session statement runs again: its effect died with the
   * first run's connection. */
  g_assert_cmpint (exec_sqlite_int (second_journal, "SELECT COUNT(*) FROM sql_execution_record"
                                                    " WHERE status <> 'SKIPPED' AND statement NOT LIKE 'PRAGMA%'"),
                   ==, 0);
  exec_fixture_clear (&second);
  exec_fixture_clear (&first);
}

/* A journal with one execution, for the batch's own API. */
static UpgJournal *
batch_journal (ExecFixture  *fx,
               char        **execution_id)
{
  g_autofree char *path = journal_path (fx);
  g_autoptr(GError) error = NULL;
  UpgJournal *journal;

  g_assert_cmpint (g_mkdir_with_parents (fx->state, 0700), ==, 0);
  journal = upg_journal_open_sqlite (path, &error);
  g_assert_no_error (error);
  *execution_id = upg_journal_create_execution (journal, "batch-site", "app", FROM, TO, UPG_STAGE_IN_STOP,
                                                UPG_EXECUTION_KIND_RUN, NULL, &error);
  g_assert_no_error (error);
  return journal;
}

static void
queue (UpgJournal *journal,
       const char *execution_id,
       guint       sequence)
{
  UpgJournalStatementRecord r = {
    execution_id, "app", TO, "s1", "sql/001.sql", sequence, sequence, "UPDATE counter SET n = n + 1",
    "app", UPG_STATEMENT_STATUS_SUCCESS, upg_journal_get_now (journal), 1, NULL, NULL,
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *id = upg_journal_queue_statement (journal, &r, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
}

static gint64
count_records (ExecFixture *fx)
{
  g_autofree char *path = journal_path (fx);

  return exec_sqlite_int (path, "SELECT COUNT(*) FROM sql_execution_record");
}

/* Records wait until the batch is full, or a lookup needs one of them. */
static void
test_batch_full_and_lookup (void)
{
  ExecFixture fx;
  g_autofree char *execution_id = NULL;
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(GError) error = NULL;

  exec_fixture_init (&fx);
  journal = batch_journal (&fx, &execution_id);
  /* Only a full batch is written here, however slow the machine. */
  upg_journal_batch_set_max_age (journal, G_MAXINT32);
  for (guint i = 1; i < UPG_JOURNAL_BATCH_MAX_RECORDS; i++)
    queue (journal, execution_id, i);
  g_assert_cmpint (count_records (&fx), ==, 0);
  queue (journal, execution_id, UPG_JOURNAL_BATCH_MAX_RECORDS);
  g_assert_cmpint (count_records (&fx), ==, UPG_JOURNAL_BATCH_MAX_RECORDS);

  queue (journal, execution_id, UPG_JOURNAL_BATCH_MAX_RECORDS + 1);
  g_assert_cmpint (count_records (&fx), ==, UPG_JOURNAL_BATCH_MAX_RECORDS);
  record = upg_journal_lookup_statement (journal, execution_id, "app", TO, "s1", "sql/001.sql",
                                         UPG_JOURNAL_BATCH_MAX_RECORDS + 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (record);
  g_assert_cmpstr (json_object_get_string_member (record, "status"), ==, "SUCCESS");
  g_assert_cmpint (count_records (&fx), ==, UPG_JOURNAL_BATCH_MAX_RECORDS + 1);
  exec_fixture_clear (&fx);
}

/* The SUCCESS of a durable RUNNING record may wait in the batch; a
 * lookup of the statement writes it first. */
static void
test_deferred_finish (void)
{
  ExecFixture fx;
  g_autofree char *execution_id = NULL;
  g_autofree char *record_id = NULL;
  g_autofree char *path = NULL;
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(GError) error = NULL;

  exec_fixture_init (&fx);
  path = journal_path (&fx);
  journal = batch_journal (&fx, &execution_id);
  upg_journal_batch_set_max_age (journal, G_MAXINT32);
  record_id = upg_journal_begin_statement (journal, execution_id, "app", TO, "s1", "sql/001.sql", 1, 1,
                                           "ALTER TABLE counter ADD COLUMN c INTEGER", "app", &error);
  g_assert_no_error (error);
  g_assert_true (upg_journal_finish_statement_full (journal, record_id, UPG_STATEMENT_STATUS_SUCCESS, 0, NULL,
                                                    NULL, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (exec_sqlite_int (path, "SELECT COUNT(*) FROM sql_execution_record WHERE status = 'RUNNING'"),
                   ==, 1);
  record = upg_journal_lookup_statement (journal, execution_id, "app", TO, "s1", "sql/001.sql", 1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (record, "status"), ==, "SUCCESS");
  g_assert_cmpint (exec_sqlite_int (path, "SELECT COUNT(*) FROM sql_execution_record WHERE status = 'SUCCESS'"),
                   ==, 1);
  exec_fixture_clear (&fx);
}

/* A statement's record reaches the journal also when nothing else happens
 * meanwhile (the runner is busy in a long statement): the flusher writes
 * it. How soon (SPEC §11: ≤ 1 s) is measured by bench/bench-journal; the
 * deadline here only keeps a flusher that never writes from hanging. */
static void
test_flusher_writes_within_a_second (void)
{
  ExecFixture fx;
  g_autofree char *execution_id = NULL;
  g_autoptr(UpgJournal) journal = NULL;
  UpgJournalFlusher *flusher;
  gint64 deadline;

  exec_fixture_init (&fx);
  journal = batch_journal (&fx, &execution_id);
  flusher = upg_journal_flusher_start (journal);
  queue (journal, execution_id, 1);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  /* Polls the journal file, as another process reading it would. */
  while (count_records (&fx) == 0 && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  g_assert_cmpint (count_records (&fx), ==, 1);
  upg_journal_flusher_stop (flusher);
  exec_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/journal-batch/lost-records-recovered", test_lost_records_recovered);
  g_test_add_func ("/journal-batch/lost-records-of-other-execution", test_lost_records_of_other_execution);
  g_test_add_func ("/journal-batch/marker-table", test_marker_table);
  g_test_add_func ("/journal-batch/lost-records-rolled-back", test_lost_records_rolled_back);
  g_test_add_func ("/journal-batch/records-written-at-end", test_records_written_at_end);
  g_test_add_func ("/journal-batch/other-journal-markers-honoured", test_other_journal_markers_honoured);
  g_test_add_func ("/journal-batch/batch-full-and-lookup", test_batch_full_and_lookup);
  g_test_add_func ("/journal-batch/flusher-writes-within-a-second", test_flusher_writes_within_a_second);
  g_test_add_func ("/journal-batch/deferred-finish", test_deferred_finish);
  return g_test_run ();
}
