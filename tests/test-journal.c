/* test-journal.c - the journal on SQLite (the default)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "journal-cases.h"
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

  g_test_add_func ("/journal/sqlite/open-sqlite/creates-directory", test_open_sqlite_creates_directory);
  g_test_add_func ("/journal/sqlite/open-sqlite/bad-path", test_open_sqlite_bad_path);
  journal_cases_register (&backend);
  record_cases_register (&backend);
  status = g_test_run ();

  journal_remove_tree (state_dir);
  g_free (backend.data);
  g_free (state_dir);
  return status;
}
