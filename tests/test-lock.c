/* test-lock.c - the per-site lock on SQLite, two journals on one file
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "journal-cases.h"
#include "upg-sqlite-connection-private.h"

static UpgConnection *
connect_sqlite (JournalBackend  *backend,
                GError         **error)
{
  return upg_sqlite_connection_new ("journal", backend->data, error);
}

int
main (int argc, char **argv)
{
  JournalBackend backend = { "sqlite", connect_sqlite, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  dir = g_dir_make_tmp ("test-lock-XXXXXX", &error);
  g_assert_no_error (error);
  backend.data = g_build_filename (dir, "journal.db", NULL);

  lock_cases_register (&backend);
  status = g_test_run ();

  journal_remove_tree (dir);
  g_free (backend.data);
  return status;
}
