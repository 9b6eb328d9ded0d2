/* test-run-current.c - a running task whose text changes (a plugin's
 * progress) after the watchdog journaled it: `status` of another
 * process, which reads the journal, sees the change
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <upgrade.h>

#include "upg-run-current-private.h"

typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean noticed;
  gboolean journaled;
} Noticed;

/* The watchdog's thread: it has journaled the task (or failed to). */
static void
on_noticed (gpointer                          user_data,
            const UpgJournalCurrentStatement *current,
            gint64                            running_ms,
            gboolean                          journaled)
{
  Noticed *noticed = user_data;

  g_mutex_lock (&noticed->lock);
  noticed->noticed = TRUE;
  noticed->journaled = journaled;
  g_cond_signal (&noticed->cond);
  g_mutex_unlock (&noticed->lock);
}

/* The task as `status` of another process reads it: from the journal,
 * on a connection of its own. */
static char *
journaled_task (const char *path,
                const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgJournal) reader = upg_journal_open_sqlite (path, &error);
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(UpgExecution) execution = NULL;

  g_assert_no_error (error);
  record = upg_journal_get_execution (reader, id, &error);
  g_assert_no_error (error);
  execution = upg_execution_new_from_journal (record, &error);
  g_assert_no_error (error);
  return g_strdup (upg_execution_get_current_task (execution));
}

static void
test_task_progress (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-run-current-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgJournal) journal = upg_journal_open_sqlite (path, &error);
  g_autoptr(UpgRunCurrent) current = upg_run_current_new ();
  g_autofree char *id = NULL;
  g_autofree char *first = NULL, *second = NULL, *after = NULL;
  g_autofree char *step_id = NULL, *file = NULL, *task = NULL;
  Noticed noticed = { 0 };
  guint line, sequence;
  gint64 started_at_ms = 0, running_ms, begun_at_ms;

  g_assert_no_error (error);
  id = upg_journal_create_execution (journal, "bj-01", "app", "1.0.0", "1.1.0", UPG_STAGE_IN_STOP,
                                     UPG_EXECUTION_KIND_RUN, NULL, &error);
  g_assert_no_error (error);
  g_mutex_init (&noticed.lock);
  g_cond_init (&noticed.cond);

  begun_at_ms = upg_journal_get_now (journal);
  upg_run_current_begin_task (current, "convert", "plugin good tool GoodMigration", begun_at_ms, 0, 0, -1);
  upg_run_current_watch (current, journal, id, on_noticed, &noticed);
  g_mutex_lock (&noticed.lock);
  while (!noticed.noticed)
    g_cond_wait (&noticed.cond, &noticed.lock);
  g_mutex_unlock (&noticed.lock);
  g_assert_true (noticed.journaled);
  first = journaled_task (path, id);
  g_assert_cmpstr (first, ==, "plugin good tool GoodMigration");

  /* The first change after the watchdog journaled the task is written
   * at once, before upg_run_current_set_task() returns. */
  upg_run_current_set_task (current, "plugin good tool GoodMigration (1/2)");
  second = journaled_task (path, id);
  g_assert_cmpstr (second, ==, "plugin good tool GoodMigration (1/2)");

  /* A later one is in memory at once (the service's status), and the
   * task keeps since when it runs. */
  upg_run_current_set_task (current, "plugin good tool GoodMigration (2/2)");
  g_assert_true (upg_run_current_get (current, &step_id, &file, &task, &line, &sequence, &started_at_ms,
                                      &running_ms));
  g_assert_cmpstr (step_id, ==, "convert");
  g_assert_null (file);
  g_assert_cmpstr (task, ==, "plugin good tool GoodMigration (2/2)");
  g_assert_cmpint (started_at_ms, ==, begun_at_ms);

  /* Its end clears it, whatever was pending. */
  upg_run_current_end (current);
  after = journaled_task (path, id);
  g_assert_null (after);
  upg_run_current_unwatch (current);

  g_mutex_clear (&noticed.lock);
  g_cond_clear (&noticed.cond);
  g_clear_object (&journal);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/run-current/task-progress", test_task_progress);
  return g_test_run ();
}
