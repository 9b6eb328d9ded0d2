/* test-journal-flusher.c - statement records written by the runner's
 * flusher thread: a full batch does not wait in the statement thread, a
 * journal that cannot take it loses nothing, and the queue stays bounded
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The journal refuses the records (a trigger in its SQLite file) so that
 * every write fails, whoever makes it and whenever: the outcomes below do
 * not depend on when the flusher thread runs.
 */
#include "exec-test-util.h"
#include "upg-journal-batch-private.h"

#define FROM "3.17.0"
#define TO "3.17.5"
#define BACKLOG (8 * UPG_JOURNAL_BATCH_MAX_RECORDS)

typedef struct {
  ExecFixture  fx;
  char        *path;
  char        *execution_id;
  UpgJournal  *journal;
} Journal;

static void
journal_init (Journal *j)
{
  g_autoptr(GError) error = NULL;

  exec_fixture_init (&j->fx);
  g_assert_cmpint (g_mkdir_with_parents (j->fx.state, 0700), ==, 0);
  j->path = g_build_filename (j->fx.state, "journal.db", NULL);
  j->journal = upg_journal_open_sqlite (j->path, &error);
  g_assert_no_error (error);
  j->execution_id = upg_journal_create_execution (j->journal, "flusher-site", "app", FROM, TO, UPG_STAGE_IN_STOP,
                                                  UPG_EXECUTION_KIND_RUN, NULL, &error);
  g_assert_no_error (error);
  /* Only a full batch is due, however slow the machine. */
  upg_journal_batch_set_max_age (j->journal, G_MAXINT32);
}

static void
journal_clear (Journal *j)
{
  g_clear_object (&j->journal);
  g_free (j->execution_id);
  g_free (j->path);
  exec_fixture_clear (&j->fx);
}

/* Queues the record of statement @sequence; returns whether that (or the
 * flush it made) succeeded. */
static gboolean
queue (Journal  *j,
       guint     sequence,
       GError  **error)
{
  g_autofree char *text = g_strdup_printf ("UPDATE counter SET n = n + %u", sequence);
  UpgJournalStatementRecord r = {
    j->execution_id, "app", TO, "s1", "sql/001.sql", sequence, sequence, text,
    "app", UPG_STATEMENT_STATUS_SUCCESS, upg_journal_get_now (j->journal), 1, NULL, NULL,
  };
  g_autofree char *id = upg_journal_queue_statement (j->journal, &r, error);

  return id != NULL;
}

static void
refuse_records (Journal  *j,
                gboolean  refuse)
{
  exec_sqlite_exec (j->path, refuse ? "CREATE TRIGGER refuse BEFORE INSERT ON sql_execution_record "
                                      "BEGIN SELECT RAISE(ABORT, 'records refused'); END"
                                    : "DROP TRIGGER refuse");
}

/* Without a flusher the statement thread writes a full batch itself, and
 * hears at once that the journal refused it. */
static void
test_without_flusher (void)
{
  Journal j;
  g_autoptr(GError) error = NULL;

  journal_init (&j);
  refuse_records (&j, TRUE);
  for (guint i = 1; i < UPG_JOURNAL_BATCH_MAX_RECORDS; i++)
    g_assert_true (queue (&j, i, NULL));
  g_assert_false (queue (&j, UPG_JOURNAL_BATCH_MAX_RECORDS, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_JOURNAL);
  g_assert_nonnull (strstr (error->message, "records refused"));
  journal_clear (&j);
}

/* With a flusher, full batches are the flusher's: the statement thread
 * goes on while the journal refuses them, until the backlog bound, where
 * it writes (and fails) itself. Nothing is lost: once the journal takes
 * them, every record is written, in order. */
static void
test_backlog_bounded_and_kept (void)
{
  Journal j;
  g_autoptr(GError) error = NULL;
  UpgJournalFlusher *flusher;
  guint n = 0;

  journal_init (&j);
  refuse_records (&j, TRUE);
  flusher = upg_journal_flusher_start (j.journal);
  while (n < BACKLOG - 1)
    {
      n++;
      g_assert_true (queue (&j, n, &error));
      g_assert_no_error (error);
    }
  g_assert_false (queue (&j, ++n, &error));
  g_assert_nonnull (strstr (error->message, "records refused"));
  g_clear_error (&error);

  refuse_records (&j, FALSE);
  g_assert_true (upg_journal_flush_statements (j.journal, &error));
  g_assert_no_error (error);
  upg_journal_flusher_stop (flusher);
  g_assert_cmpint (exec_sqlite_int (j.path, "SELECT COUNT(*) FROM sql_execution_record"), ==, n);
  g_assert_cmpint (exec_sqlite_int (j.path, "SELECT COUNT(DISTINCT sequence) FROM sql_execution_record"), ==, n);
  /* In queue order: rowid order is sequence order. */
  g_assert_cmpint (exec_sqlite_int (j.path, "SELECT COUNT(*) FROM sql_execution_record a"
                                            " JOIN sql_execution_record b ON b.rowid = a.rowid + 1"
                                            " WHERE b.sequence != a.sequence + 1"), ==, 0);
  g_assert_false (upg_journal_statement_pending (j.journal, "anything"));
  journal_clear (&j);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/journal-flusher/without-flusher", test_without_flusher);
  g_test_add_func ("/journal-flusher/backlog-bounded-and-kept", test_backlog_bounded_and_kept);
  return g_test_run ();
}
