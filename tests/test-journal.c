/* test-journal.c - the journal on SQLite (the default)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal-cases.h"
#include "upg-journal-private.h"
#include "upg-sqlite-connection-private.h"

static char *state_dir;

static UpgConnection *
connect_sqlite (JournalBackend  *backend,
                GError         **error)
{
  return upg_sqlite_connection_new ("journal", backend->data, error);
}

static void
test_open_sqlite_creates_directory (void)
{
  g_autofree char *path = g_build_filename (state_dir, "state", "deeper", "journal.db", NULL);
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(UpgRows) rows = NULL;
  g_autoptr(GError) error = NULL;

  journal = upg_journal_open_sqlite (path, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  /* Durable: write-ahead log, synchronous=FULL (2). */
  rows = upg_connection_query (upg_journal_get_connection (journal), "PRAGMA journal_mode", NULL, NULL, &error);
  g_assert_cmpstr (upg_rows_get_value (rows, 0, 0), ==, "wal");
  g_clear_object (&rows);
  rows = upg_connection_query (upg_journal_get_connection (journal), "PRAGMA synchronous", NULL, NULL, &error);
  g_assert_cmpint (upg_rows_get_int (rows, 0, 0, -1), ==, 2);
}

static void
test_open_sqlite_bad_path (void)
{
  g_autofree char *file = g_build_filename (state_dir, "plain-file", NULL);
  g_autofree char *path = g_build_filename (file, "journal.db", NULL);
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  journal = upg_journal_open_sqlite (path, &error);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_JOURNAL);
  g_assert_nonnull (strstr (error->message, file));
  g_assert_null (journal);
}

/* What the child does before it is killed: record a statement's SUCCESS. */
static void
record_then_die (const char *path)
{
  g_autoptr(UpgJournal) journal = upg_journal_open_sqlite (path, NULL);
  g_autofree char *execution = NULL;
  g_autofree char *record = NULL;

  if (journal == NULL)
    _exit (3);
  execution = journal_new_execution (journal, "kill-site");
  if (!upg_journal_begin_step (journal, execution, "ft", "3.17.5", "sql_001", UPG_STAGE_IN_STOP, NULL))
    _exit (4);
  record = upg_journal_begin_statement (journal, execution, "ft", "3.17.5", "sql_001", "a.sql", 1, 1,
                                        "UPDATE t SET a = 1", "ft_db", NULL);
  if (record == NULL
      || !upg_journal_finish_statement (journal, record, UPG_STATEMENT_STATUS_SUCCESS, 1, NULL, NULL, NULL))
    _exit (5);
  kill (getpid (), SIGKILL);
  _exit (6);
}

static void
test_durable_after_kill (void)
{
  g_autofree char *path = g_build_filename (state_dir, "killed", "journal.db", NULL);
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(JsonObject) latest = NULL;
  g_autoptr(JsonArray) statements = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  pid_t pid = fork ();

  if (pid == 0)
    record_then_die (path);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);

  /* kill -9 right after the SUCCESS record: the record is there. */
  journal = upg_journal_open_sqlite (path, &error);
  g_assert_no_error (error);
  latest = upg_journal_get_latest_execution (journal, "kill-site", &error);
  g_assert_no_error (error);
  statements = upg_journal_list_statements (journal, json_object_get_string_member (latest, "execution_id"),
                                            &error);
  g_assert_cmpuint (json_array_get_length (statements), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (statements, 0), "status"),
                   ==, "SUCCESS");
}

/* Figure for the report: a status query (SPEC §11: ≤ 10 ms) on a journal
 * with history: 100 executions of 50 steps each. */
static void
test_status_query_time (void)
{
  g_autofree char *path = g_build_filename (state_dir, "status", "journal.db", NULL);
  g_autoptr(UpgJournal) journal = upg_journal_open_sqlite (path, NULL);
  g_autoptr(JsonObject) record = NULL;
  g_autofree char *last = NULL;
  gint64 start;

  g_assert_true (upg_connection_begin (upg_journal_get_connection (journal), NULL));
  for (guint e = 0; e < 100; e++)
    {
      g_free (last);
      last = journal_new_execution (journal, "bj-01");
      for (guint i = 0; i < 50; i++)
        {
          g_autofree char *step = g_strdup_printf ("sql_%03u", i);

          g_assert_true (upg_journal_begin_step (journal, last, "ft", "3.17.5", step, UPG_STAGE_IN_STOP, NULL));
        }
    }
  g_assert_true (upg_connection_commit (upg_journal_get_connection (journal), NULL));

  start = g_get_monotonic_time ();
  record = upg_journal_get_latest_execution (journal, "bj-01", NULL);
  g_test_message ("status of the latest of 100 executions (50 steps): %.2f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (record, "steps")), ==, 50);
}

/* The columns' integer text, as printf would write it, at the edges too. */
static void
test_int_text (void)
{
  const gint64 values[] = { 0, 7, -7, 10, 1764979200123, G_MAXINT64, G_MININT64, G_MAXINT32, -1 };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *expected = g_strdup_printf ("%" G_GINT64_FORMAT, values[i]);
      g_autofree char *text = upg_journal_int_text (values[i]);

      g_assert_cmpstr (text, ==, expected);
    }
}

int
main (int argc, char **argv)
{
  JournalBackend backend = { "sqlite", connect_sqlite, NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  state_dir = g_dir_make_tmp ("test-journal-XXXXXX", &error);
  g_assert_no_error (error);
  backend.data = g_build_filename (state_dir, "journal.db", NULL);

  g_test_add_func ("/journal/int-text", test_int_text);
  g_test_add_func ("/journal/sqlite/open-sqlite/creates-directory", test_open_sqlite_creates_directory);
  g_test_add_func ("/journal/sqlite/open-sqlite/bad-path", test_open_sqlite_bad_path);
  g_test_add_func ("/journal/sqlite/durable-after-kill", test_durable_after_kill);
  g_test_add_func ("/journal/sqlite/status-query-time", test_status_query_time);
  journal_cases_register (&backend);
  record_cases_register (&backend);
  undo_cases_register (&backend);
  rate_cases_register (&backend);
  status = g_test_run ();

  journal_remove_tree (state_dir);
  g_free (backend.data);
  g_free (state_dir);
  return status;
}
