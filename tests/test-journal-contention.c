/* test-journal-contention.c - the SQLite journal shared by a run and the
 * read-only commands (`migrations`, `history`) of other processes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Under load, `upgradectl migrations --json` failed with "database is
 * locked" while a run wrote: opening the journal switched it to WAL again
 * (an exclusive lock SQLite takes without its busy handler) and listing
 * the migrations created their table (a write). Here another connection
 * holds the lock while the commands run: a reader never needs it, and the
 * switch to WAL of a journal being created waits for it instead of
 * failing at once. Nothing waits for time: the holder lets go when the
 * command says that it waits.
 */
#include <string.h>

#include "exec-test-util.h"
#include "upg-sqlite-connection-private.h"

static void
fixture_setup (ExecFixture *fx)
{
  exec_fixture_init (fx);
  exec_fixture_write_config (fx, "bj-01", "");
}

static UpgConnection *
open_journal (ExecFixture *fx)
{
  g_autofree char *path = g_build_filename (fx->state, "journal.db", NULL);
  g_autoptr(GError) error = NULL;
  UpgConnection *connection = upg_sqlite_connection_new ("holder", path, &error);

  g_assert_no_error (error);
  return connection;
}

/* Holds the write lock of the journal: a write transaction, left open. */
static void
hold_write_lock (UpgConnection *connection)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (upg_connection_begin (connection, &error));
  g_assert_no_error (error);
  exec_execute (connection, "CREATE TABLE held_by_test (x INTEGER)");
}

static void
release_write_lock (UpgConnection *connection)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (upg_connection_commit (connection, &error));
  g_assert_no_error (error);
}

/* The read-only commands answer while a writer holds the journal's write
 * lock, although no migration has created its table yet. */
static void
test_reads_beside_a_writer (void)
{
  ExecFixture fx;
  g_autoptr(UpgConnection) holder = NULL;
  g_autofree char *out = NULL;
  g_autoptr(JsonObject) doc = NULL;

  fixture_setup (&fx);
  /* The first command creates the journal (in WAL mode). */
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, NULL, "history", NULL)), ==, 0);
  holder = open_journal (&fx);
  hold_write_lock (holder);

  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "--json", "migrations", NULL)), ==, 0);
  doc = exec_parse_json_object (out);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (doc, "migrations")), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&doc, json_object_unref);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "--json", "history", NULL)), ==, 0);
  doc = exec_parse_json_object (out);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (doc, "executions")), ==, 0);

  release_write_lock (holder);
  g_clear_object (&holder);
  exec_fixture_clear (&fx);
}

/* Two processes create the journal at once: the second one's switch to
 * WAL waits for the first one's lock (here the test's) instead of failing
 * with SQLITE_BUSY at once. */
static void
test_wal_switch_waits (void)
{
  ExecFixture fx;
  g_autoptr(UpgConnection) holder = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) err = NULL;
  g_autoptr(GString) said = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autoptr(JsonObject) doc = NULL;
  g_autofree char *mode = NULL;

  fixture_setup (&fx);
  /* A new journal file, still in rollback mode, locked. */
  holder = open_journal (&fx);
  hold_write_lock (holder);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("UPGRADECTL"), "-b", fx.bundle, "-c",
                                         fx.config, "--state-dir", fx.state, "-v", "--json", "migrations", NULL);
  g_assert_no_error (error);
  err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (err, NULL, NULL, &error);

      g_assert_no_error (error);
      if (line == NULL)
        g_error ("upgradectl migrations ended without waiting for the journal's lock; it said:\n%s", said->str);
      g_string_append_printf (said, "%s\n", line);
      if (strstr (line, "to switch it to write-ahead logging") != NULL)
        break;
    }
  release_write_lock (holder);

  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  doc = exec_parse_json_object (out);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (doc, "migrations")), ==, 0);
  /* The file is in WAL mode now (a new connection reads its header). */
  g_clear_object (&holder);
  holder = open_journal (&fx);
  mode = exec_query_text (holder, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");

  g_clear_object (&holder);
  exec_fixture_clear (&fx);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/journal-contention/reads-beside-a-writer", test_reads_beside_a_writer);
  g_test_add_func ("/journal-contention/wal-switch-waits", test_wal_switch_waits);

  return g_test_run ();
}
