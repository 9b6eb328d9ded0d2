/* bench-journal.c - the journal's write latencies against SPEC §11:
 * "statement log written ≤ 1 s after the statement", "breakpoint saved
 * ≤ 3 s"; and how soon the background flusher writes a batched record
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   _build/bench/bench-journal [--rounds N] [--only sqlite|mariadb|postgresql]
 *
 * For each journal (SQLite file, MariaDB and PostgreSQL test servers):
 *  - statement record: begin_statement (RUNNING, durable) + finish_statement
 *    (SUCCESS), worst and mean of N;
 *  - breakpoint: from the moment a statement has failed to the breakpoint
 *    durable, i.e. finish_statement (FAILED) + save_breakpoint, worst of N;
 *  - (SQLite) flusher: one queued record until another connection sees it.
 * Not a test: the figures depend on the machine's disks; they are measured
 * here rather than asserted in tests/ (no test depends on timing). Exits 1
 * when a worst case exceeds its SPEC bound, so a run can gate on it.
 */
#include <glib/gstdio.h>

#include "upg-journal-batch-private.h"
#include "upg-mysql-connection-private.h"
#include "upg-pg-connection-private.h"
#include "upg-sqlite-connection-private.h"
#include "upg-test-servers.h"

#define STATEMENT_BOUND_US (1 * G_USEC_PER_SEC)
#define BREAKPOINT_BOUND_US (3 * G_USEC_PER_SEC)

static int n_rounds = 50;
static char *only = NULL;
static gboolean over_bound = FALSE;

static void
check (gboolean ok,
       GError  *error,
       const char *what)
{
  if (!ok)
    g_error ("%s: %s", what, error != NULL ? error->message : "failed");
}

static char *
new_execution (UpgJournal *journal)
{
  g_autoptr(GError) error = NULL;
  char *id = upg_journal_create_execution (journal, "bench-site", "ft", "3.17.4", "3.17.5",
                                           UPG_STAGE_IN_STOP, UPG_EXECUTION_KIND_RUN, NULL, &error);

  check (id != NULL, error, "create execution");
  check (upg_journal_begin_step (journal, id, "ft", "3.17.5", "sql_001", UPG_STAGE_IN_STOP, &error),
         error, "begin step");
  return id;
}

/* begin_statement + finish_statement (@status); returns its duration. */
static gint64
record_statement (UpgJournal         *journal,
                  const char         *execution,
                  guint               sequence,
                  UpgStatementStatus  status)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *record = NULL;
  gboolean failed = status == UPG_STATEMENT_STATUS_FAILED;
  gint64 start = g_get_monotonic_time ();

  record = upg_journal_begin_statement (journal, execution, "ft", "3.17.5", "sql_001", "sql/001.sql",
                                        sequence, sequence, "UPDATE t SET a = 1", "ft_db", &error);
  check (record != NULL, error, "begin statement");
  if (failed)
    start = g_get_monotonic_time ();  /* the statement failed now */
  check (upg_journal_finish_statement (journal, record, status, failed ? -1 : 1,
                                       failed ? "1054" : NULL, failed ? "Unknown column 'a'" : NULL,
                                       &error),
         error, "finish statement");
  if (failed)
    check (upg_journal_save_breakpoint (journal, execution, "sql_001", "sql/001.sql", sequence,
                                        sequence, "UPDATE t SET a = 1", "1054", "Unknown column 'a'",
                                        &error),
           error, "save breakpoint");
  return g_get_monotonic_time () - start;
}

static void
report (const char *journal_name,
        const char *what,
        gint64      worst,
        gint64      total,
        int         n,
        gint64      bound)
{
  gboolean over = bound > 0 && worst >= bound;

  g_print ("%-11s %-34s worst %8.1f ms  mean %8.1f ms  (n=%d)%s\n", journal_name, what,
           worst / 1000.0, total / 1000.0 / n, n,
           bound <= 0 ? "" : over ? "  OVER the SPEC bound" : "  within the SPEC bound");
  over_bound |= over;
}

static void
bench_journal (UpgJournal *journal,
               const char *name)
{
  g_autofree char *execution = new_execution (journal);
  gint64 worst = 0, total = 0, took;
  guint sequence = 0;

  for (int i = 0; i < n_rounds; i++)
    {
      took = record_statement (journal, execution, ++sequence, UPG_STATEMENT_STATUS_SUCCESS);
      worst = MAX (worst, took);
      total += took;
    }
  report (name, "statement record (<= 1 s)", worst, total, n_rounds, STATEMENT_BOUND_US);

  worst = total = 0;
  for (int i = 0; i < n_rounds; i++)
    {
      took = record_statement (journal, execution, ++sequence, UPG_STATEMENT_STATUS_FAILED);
      worst = MAX (worst, took);
      total += took;
    }
  report (name, "failure to breakpoint (<= 3 s)", worst, total, n_rounds, BREAKPOINT_BOUND_US);
}

static gint64
count_records (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConnection) reader = upg_sqlite_connection_new ("reader", path, &error);
  g_autoptr(UpgRows) rows = NULL;

  check (reader != NULL, error, "open the journal again");
  rows = upg_connection_query (reader, "SELECT COUNT(*) FROM sql_execution_record", NULL, NULL, &error);
  check (rows != NULL, error, "count records");
  return upg_rows_get_int (rows, 0, 0, -1);
}

/* A queued (batched) record, until another connection sees it: what the
 * flusher adds to "statement log written ≤ 1 s" when the executor is busy. */
static void
bench_flusher (UpgJournal *journal,
               const char *path)
{
  g_autofree char *execution = new_execution (journal);
  UpgJournalFlusher *flusher = upg_journal_flusher_start (journal);
  gint64 worst = 0, total = 0;
  int n = MIN (n_rounds, 10);

  for (int i = 1; i <= n; i++)
    {
      UpgJournalStatementRecord r = {
        execution, "ft", "3.17.5", "sql_001", "sql/001.sql", i, i, "UPDATE t SET a = 1",
        "ft_db", UPG_STATEMENT_STATUS_SUCCESS, upg_journal_get_now (journal), 1, NULL, NULL,
      };
      g_autoptr(GError) error = NULL;
      g_autofree char *id = NULL;
      gint64 start = g_get_monotonic_time ();
      gint64 before = count_records (path);
      gint64 took;

      id = upg_journal_queue_statement (journal, &r, &error);
      check (id != NULL, error, "queue statement");
      /* Polls as another process reading the journal would. */
      while (count_records (path) == before)
        g_usleep (5 * 1000);
      took = g_get_monotonic_time () - start;
      worst = MAX (worst, took);
      total += took;
    }
  upg_journal_flusher_stop (flusher);
  report ("SQLite", "queued record to disk, flusher", worst, total, n, STATEMENT_BOUND_US);
}

static void
bench_sqlite (void)
{
  g_autofree char *dir = g_dir_make_tmp ("upg-bench-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autofree char *flusher_path = g_build_filename (dir, "flusher.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgJournal) journal = upg_journal_open_sqlite (path, &error);
  g_autoptr(UpgJournal) batched = NULL;

  check (journal != NULL, error, "SQLite journal");
  bench_journal (journal, "SQLite");
  batched = upg_journal_open_sqlite (flusher_path, &error);
  check (batched != NULL, error, "SQLite journal");
  bench_flusher (batched, flusher_path);
  g_clear_object (&journal);
  g_clear_object (&batched);
  for (const char *const *suffix = (const char *const[]) { "", "-wal", "-shm", NULL }; *suffix; suffix++)
    {
      g_autofree char *a = g_strconcat (path, *suffix, NULL);
      g_autofree char *b = g_strconcat (flusher_path, *suffix, NULL);

      g_remove (a);
      g_remove (b);
    }
  g_rmdir (dir);
}

static void
bench_server (UpgTestServerKind kind,
              const char       *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgTestServer) server = upg_test_server_start (kind, &error);
  g_autoptr(UpgConnection) connection = NULL;
  g_autoptr(UpgJournal) journal = NULL;

  if (server == NULL)
    g_error ("%s: cannot start a server: %s", name, error->message);
  connection = (kind == UPG_TEST_SERVER_MARIADB ? upg_mysql_connection_new : upg_pg_connection_new)
    ("journal", upg_test_server_get_host (server), upg_test_server_get_port (server), NULL,
     upg_test_server_get_user (server), upg_test_server_get_password (server),
     upg_test_server_get_database (server), NULL, &error);
  check (connection != NULL, error, name);
  journal = upg_journal_new (connection, &error);
  check (journal != NULL, error, name);
  bench_journal (journal, name);
}

int
main (int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "rounds", 'n', 0, G_OPTION_ARG_INT, &n_rounds, "Records of each kind", "N" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only, "Only this journal: sqlite, mariadb, postgresql", "DB" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- journal write latencies");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || n_rounds < 1)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "--rounds must be at least 1");
      return 2;
    }
  g_log_set_writer_func (g_log_writer_default, NULL, NULL);
  g_setenv ("G_MESSAGES_DEBUG", "", TRUE);

  if (only == NULL || g_str_equal (only, "sqlite"))
    bench_sqlite ();
  if (only == NULL || g_str_equal (only, "mariadb"))
    bench_server (UPG_TEST_SERVER_MARIADB, "MariaDB");
  if (only == NULL || g_str_equal (only, "postgresql"))
    bench_server (UPG_TEST_SERVER_POSTGRESQL, "PostgreSQL");
  g_free (only);
  return over_bound ? 1 : 0;
}
