/* test-memory-flat.c - the engine's heap stays flat while a long SQL step
 * runs (issue #13: ~95 bytes more per executed statement)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One step of 2N autocommit UPDATEs of one row on SQLite (the target does
 * not grow: only its marker table does), run synchronously: the run's
 * signals come in this thread as each statement finishes. The heap in use
 * (mallinfo2(): every arena) is read when statement N and statement 2N
 * have finished; what the engine keeps per executed statement shows as
 * the difference over N statements. Everything the run legitimately holds
 * is bounded by then: the parsed script (read whole before the first
 * statement), the journal's batch (at most UPG_JOURNAL_BATCH_MAX_RECORDS
 * records), SQLite's page caches (2 MiB each, full after a few thousand
 * statements). No timing: the figures are byte counts at fixed points of
 * the run, and the margin covers where the flusher thread happens to be.
 */
#include <malloc.h>

#include "exec-test-util.h"

/* Statements between the two readings. */
#define N 60000
/* What may be left per statement between the readings, amortized. The
 * heap in use moves by up to about 1 MiB between two readings of one run
 * (how full the journal's batch is when the flusher thread runs; SQLite's
 * page caches), whatever the statement count: the old per-statement
 * retention, ~75-95 bytes (4.5 MB over N), stands far above 24 bytes
 * (1.4 MB), which stands above that noise. */
#define MAX_BYTES_PER_STATEMENT 24
/* Statements finished while the signal queue and the journal's batch are
 * still full are transient, and how full they are depends on the
 * machine's load: each reading is the least heap in use over the last
 * WINDOW statements before it, which only what stays allocated raises. */
#define WINDOW 2000

typedef struct {
  guint  finished;
  gsize  at_n;
  gsize  at_2n;
} Readings;

static gsize
heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
}

static void
on_statement_finished (UpgRun             *run,
                       const char         *file,
                       guint               line,
                       guint               sequence,
                       UpgStatementStatus  status,
                       gint64              duration_ms,
                       Readings           *readings)
{
  g_assert_cmpint (status, ==, UPG_STATEMENT_STATUS_SUCCESS);
  readings->finished++;
  /* Statements 1 and 2 create and fill the table. */
  if (readings->finished > 2 + N - WINDOW && readings->finished <= 2 + N)
    readings->at_n = MIN (readings->at_n, heap_in_use ());
  else if (readings->finished > 2 + 2 * N - WINDOW)
    readings->at_2n = MIN (readings->at_2n, heap_in_use ());
}

static void
test_heap_flat_over_statements (void)
{
  ExecFixture fx;
  g_autoptr(GString) script = g_string_new ("CREATE TABLE counter (n INTEGER NOT NULL);\n"
                                            "INSERT INTO counter (n) VALUES (0);\n");
  g_autofree char *source = NULL, *datasources = NULL, *db = NULL;
  g_autoptr(UpgExecutor) executor = NULL;
  g_autoptr(UpgRun) run = NULL;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) error = NULL;
  Readings readings = { 0, G_MAXSIZE, G_MAXSIZE };
  gssize growth;

  /* Under valgrind or ASan malloc is not glibc's: nothing to read. */
  if (heap_in_use () == 0)
    {
      g_test_skip ("mallinfo2() reports nothing: malloc is not glibc's (valgrind, ASan)");
      return;
    }
  exec_fixture_init (&fx);
  for (guint i = 0; i < 2 * N; i++)
    g_string_append (script, "UPDATE counter SET n = n + 1;\n");
  exec_fixture_write (&fx, "bundle/sql/load.sql", script->str);
  exec_fixture_write_manifest (&fx, "1.1.0",
                               "\"in_stop\": [{\"id\": \"load\", \"database\": \"db\","
                               " \"compatible_version\": \"1.0.0\", \"sql_scripts\": [\"sql/load.sql\"]}]",
                               NULL);
  source = exec_fixture_sqlite_source (&fx, "db.sqlite");
  datasources = g_strdup_printf ("\"db\": %s", source);
  exec_fixture_write_config (&fx, "s1", datasources);

  executor = exec_fixture_executor (&fx);
  run = exec_run_new (UPG_RUN_KIND_RUN, "1.0.0", "1.1.0", "in_stop");
  g_signal_connect (run, "statement-finished", G_CALLBACK (on_statement_finished), &readings);
  g_assert_true (exec_run (executor, run, &execution, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (readings.finished, ==, 2 + 2 * N);

  db = exec_fixture_path (&fx, "db.sqlite");
  g_assert_cmpint (exec_sqlite_int (db, "SELECT n FROM counter"), ==, 2 * N);

  growth = (gssize) readings.at_2n - (gssize) readings.at_n;
  g_test_message ("heap in use after %u statements: %" G_GSIZE_FORMAT " bytes; after %u: %" G_GSIZE_FORMAT
                  " bytes (%+.1f bytes a statement)", N, readings.at_n, 2 * N, readings.at_2n,
                  (double) growth / N);
  g_assert_cmpint (growth, <, (gssize) N * MAX_BYTES_PER_STATEMENT);
  exec_fixture_clear (&fx);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/memory/heap-flat-over-statements", test_heap_flat_over_statements);
  return g_test_run ();
}
