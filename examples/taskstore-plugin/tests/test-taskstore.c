/* test-taskstore.c - FtTaskStoreMigration through libupgrade's plugin manager
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Needs TASKSTORE_PLUGIN_DIR (the directory holding taskstore.so) and, in
 * a build tree, UPGRADE_PLUGIN_HOST.
 */
#include <signal.h>
#include <glib/gstdio.h>
#include <upgrade.h>

#define OLD_TASKS \
  "compct.xcloud24_9876.0.1617693156000", \
  "compct.xcloud24_9876.0.1617606756000.Assigned", \
  "compct.xcloud24_9876.0.1614928356000.Cancel", \
  "compct.xcloud24_9876.0.1583392356000.Done"

typedef struct {
  char             *root;
  UpgPluginManager *manager;
  UpgContext       *context;
  JsonObject       *params;
  GPtrArray        *logs;
  guint             progress;
  guint             checkpoints;
  guint             kill_at;     /* SIGKILL the host on this progress report */
  guint             cancel_at;   /* cancel when storing this checkpoint */
  GCancellable     *cancel;
} Fixture;

static char *
path (Fixture *f, const char *relative)
{
  return g_build_filename (f->root, relative, NULL);
}

static void
write_file (Fixture *f, const char *relative, const char *contents)
{
  g_autofree char *file = path (f, relative);
  g_autofree char *dir = g_path_get_dirname (file);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (file, contents, -1, NULL));
}

static gboolean
exists (Fixture *f, const char *relative)
{
  g_autofree char *file = path (f, relative);

  return g_file_test (file, G_FILE_TEST_EXISTS);
}

static char *
read_file (Fixture *f, const char *relative)
{
  g_autofree char *file = path (f, relative);
  char *contents = NULL;

  g_assert_true (g_file_get_contents (file, &contents, NULL, NULL));
  return contents;
}

static gboolean
on_log (G_GNUC_UNUSED UpgContext *ctx, G_GNUC_UNUSED guint level, const char *message, Fixture *f)
{
  g_ptr_array_add (f->logs, g_strdup (message));
  return TRUE;
}

static void
kill_lock_holder (Fixture *f)
{
  g_autofree char *lock = read_file (f, "Compaction_V2/TaskUpgradeLock");
  g_auto(GStrv) parts = g_strsplit (lock, " ", 3);

  g_assert_cmpint (kill ((pid_t) g_ascii_strtoll (parts[1], NULL, 10), SIGKILL), ==, 0);
}

static void
on_progress (G_GNUC_UNUSED UpgContext *ctx, G_GNUC_UNUSED guint64 done, G_GNUC_UNUSED guint64 total,
             G_GNUC_UNUSED const char *message, Fixture *f)
{
  f->progress++;
  if (f->progress == f->kill_at)
    kill_lock_holder (f);
}

static gboolean
save_checkpoint (G_GNUC_UNUSED UpgContext *ctx, G_GNUC_UNUSED const char *checkpoint, gpointer data,
                 G_GNUC_UNUSED GError **error)
{
  Fixture *f = data;

  /* Cancelling while the checkpoint is stored: the plugin learns it with
   * the confirmation and stops before its next task. */
  if (++f->checkpoints == f->cancel_at)
    g_cancellable_cancel (f->cancel);
  return TRUE;
}

static void
setup (Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  const char *tasks[] = { OLD_TASKS };

  f->root = g_dir_make_tmp ("cluster.compact-XXXXXX", NULL);
  g_assert_nonnull (f->root);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      g_autofree char *rel = g_build_filename ("Compaction/Scheduler", tasks[i], NULL);
      g_autofree char *info = g_strdup_printf ("info of %s", tasks[i]);

      write_file (f, rel, info);
    }
  write_file (f, "Compaction/TaskAssigned/xcloud24_9876/compct.xcloud24_9876.1.1617606756000/"
                 "Status.Success", "");
  write_file (f, "Compaction/TaskAssigned/xcloud24_9876/compct.xcloud24_9876.1.1617606756000/"
                 "TaskInfo", "assigned info");

  f->manager = upg_plugin_manager_new ();
  upg_plugin_manager_add_directory (f->manager, g_getenv ("TASKSTORE_PLUGIN_DIR"));
  f->context = upg_context_new ("3b0f6a52-7d8e-4c1a-9f00-5a5a5a5a5a5a");
  f->params = json_object_new ();
  json_object_set_string_member (f->params, "root", f->root);
  f->logs = g_ptr_array_new_with_free_func (g_free);
  f->cancel = g_cancellable_new ();
  g_signal_connect (f->context, "log", G_CALLBACK (on_log), f);
  g_signal_connect (f->context, "progress", G_CALLBACK (on_progress), f);
  upg_context_set_checkpoint_saver (f->context, save_checkpoint, f, NULL);
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (dir);
}

static void
teardown (Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  remove_tree (f->root);
  g_free (f->root);
  g_object_unref (f->manager);
  g_object_unref (f->context);
  json_object_unref (f->params);
  g_ptr_array_unref (f->logs);
  g_object_unref (f->cancel);
}

static gboolean
run (Fixture *f, UpgMigrationAction action, GError **error)
{
  return upg_plugin_manager_run_migration (f->manager, "FtTaskStoreMigration", action,
                                           f->context, f->params, 60, f->cancel, error);
}

static gboolean
logged (Fixture *f, const char *needle)
{
  for (guint i = 0; i < f->logs->len; i++)
    if (strstr (f->logs->pdata[i], needle) != NULL)
      return TRUE;
  return FALSE;
}

static void
assert_migrated (Fixture *f)
{
  g_autofree char *init_info = NULL, *assigned_info = NULL;
  g_autofree char *prefix = g_strdup_printf ("Compaction_V2/Scheduler/%08x.", g_str_hash ("xcloud24_9876"));
  g_autofree char *t1 = g_strconcat (prefix, "16176931.56000000.0/Status.Init", NULL);
  g_autofree char *t2 = g_strconcat (prefix, "16176067.56000000.0/Status.Init", NULL);
  g_autofree char *t3 = g_strconcat (prefix, "16149283.56000000.0/Status.Cancel", NULL);
  g_autofree char *t4 = g_strconcat (prefix, "15833923.56000000.0/Status.Done", NULL);
  g_autofree char *i1 = g_strconcat (prefix, "16176931.56000000.0/TaskInfo.pc.db", NULL);
  g_autofree char *a1 = g_strdup_printf ("Compaction_V2/TaskAssigned/xcloud24_9876/"
                                         "%08x.16176067.56000000.1/Status.Success",
                                         g_str_hash ("xcloud24_9876"));
  g_autofree char *a1_info = g_strdup_printf ("Compaction_V2/TaskAssigned/xcloud24_9876/"
                                              "%08x.16176067.56000000.1/TaskInfo.pc.db",
                                              g_str_hash ("xcloud24_9876"));

  g_assert_true (exists (f, t1));
  g_assert_true (exists (f, t2));
  g_assert_true (exists (f, t3));
  g_assert_true (exists (f, t4));
  g_assert_true (exists (f, a1));
  init_info = read_file (f, i1);
  g_assert_cmpstr (init_info, ==, "info of compct.xcloud24_9876.0.1617693156000");
  assigned_info = read_file (f, a1_info);
  g_assert_cmpstr (assigned_info, ==, "assigned info");
  g_assert_true (exists (f, "Compaction_V2/TaskUpgrade.done"));
  g_assert_false (exists (f, "Compaction_V2/TaskUpgradeLock"));
  g_assert_false (exists (f, "Compaction_V2/TaskUpgrade"));
  /* The old tree stays until the clean-up. */
  g_assert_true (exists (f, "Compaction/Scheduler/compct.xcloud24_9876.0.1617693156000"));
}

static void
test_migrate (Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (run (f, UPG_MIGRATION_ACTION_MIGRATE, &error));
  g_assert_no_error (error);
  assert_migrated (f);
  g_assert_cmpuint (f->progress, ==, 5);
  g_assert_nonnull (strstr (upg_context_get_checkpoint (f->context), "\"migrated\":5"));

  g_assert_true (run (f, UPG_MIGRATION_ACTION_MIGRATE, &error));
  g_assert_no_error (error);
  g_assert_true (logged (f, "all tasks are already migrated"));
  g_assert_cmpuint (f->progress, ==, 5);
}

static guint
count_markers (Fixture *f)
{
  g_autofree char *dir = path (f, "Compaction_V2/TaskUpgrade");
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
test_cancel_and_continue (Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  guint markers;

  f->cancel_at = 2;
  /* The plugin stops by itself right after the cancelled checkpoint and
   * removes its lock; the manager's SIGKILL after the grace (5 s by
   * default) would race it on a loaded machine and leave the lock. A
   * grace beyond the run's timeout keeps the kill out of this test. */
  upg_plugin_manager_set_kill_grace (f->manager, 120 * 1000);
  g_assert_false (run (f, UPG_MIGRATION_ACTION_MIGRATE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  markers = count_markers (f);
  g_assert_cmpuint (markers, ==, 2);
  g_assert_false (exists (f, "Compaction_V2/TaskUpgrade.done"));
  g_assert_false (exists (f, "Compaction_V2/TaskUpgradeLock"));

  g_object_unref (f->cancel);
  f->cancel = g_cancellable_new ();
  g_assert_true (run (f, UPG_MIGRATION_ACTION_MIGRATE, &error));
  g_assert_no_error (error);
  g_assert_true (logged (f, "resuming after checkpoint"));
  assert_migrated (f);
}

static void
test_kill_and_continue (Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->kill_at = 1;
  g_assert_false (run (f, UPG_MIGRATION_ACTION_MIGRATE, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_PLUGIN);
  g_assert_nonnull (strstr (error->message, "crashed (signal 9) in FtTaskStoreMigration.migrate"));
  g_clear_error (&error);
  g_assert_true (exists (f, "Compaction_V2/TaskUpgradeLock"));
  g_assert_false (exists (f, "Compaction_V2/TaskUpgrade.done"));

  g_assert_true (run (f, UPG_MIGRATION_ACTION_MIGRATE, &error));
  g_assert_no_error (error);
  g_assert_true (logged (f, "taking over the stale lock"));
  assert_migrated (f);
}

static void
test_locked (Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *holder = g_strdup_printf ("%s %d other-execution", g_get_host_name (),
                                             (int) getpid ());

  write_file (f, "Compaction_V2/TaskUpgradeLock", holder);
  g_assert_false (run (f, UPG_MIGRATION_ACTION_MIGRATE, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_LOCKED);
  g_assert_nonnull (strstr (error->message, holder));
  g_assert_false (exists (f, "Compaction_V2/Scheduler"));
}

static void
test_rollback_and_cleanup (Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (run (f, UPG_MIGRATION_ACTION_CLEANUP, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_nonnull (strstr (error->message, "not complete"));
  g_clear_error (&error);

  g_assert_true (run (f, UPG_MIGRATION_ACTION_MIGRATE, &error));
  g_assert_no_error (error);
  g_assert_true (run (f, UPG_MIGRATION_ACTION_ROLLBACK, &error));
  g_assert_no_error (error);
  g_assert_false (exists (f, "Compaction_V2"));
  g_assert_true (exists (f, "Compaction/Scheduler/compct.xcloud24_9876.0.1583392356000.Done"));

  g_assert_true (run (f, UPG_MIGRATION_ACTION_MIGRATE, &error));
  g_assert_no_error (error);
  assert_migrated (f);
  g_assert_true (run (f, UPG_MIGRATION_ACTION_CLEANUP, &error));
  g_assert_no_error (error);
  g_assert_false (exists (f, "Compaction"));
  g_assert_false (exists (f, "Compaction_V2/TaskUpgrade.done"));

  g_assert_false (run (f, UPG_MIGRATION_ACTION_ROLLBACK, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_nonnull (strstr (error->message, "removed by the clean-up"));
}

static void
test_bad_root (Fixture *f, G_GNUC_UNUSED gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (f->params, "root", "/nonexistent/cluster.compact");
  g_assert_false (run (f, UPG_MIGRATION_ACTION_MIGRATE, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'/nonexistent/cluster.compact'"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("TASKSTORE_PLUGIN_DIR") == NULL)
    g_error ("TASKSTORE_PLUGIN_DIR is not set");
#define ADD(name, func) g_test_add ("/taskstore/" name, Fixture, NULL, setup, func, teardown)
  ADD ("migrate", test_migrate);
  ADD ("cancel-and-continue", test_cancel_and_continue);
  ADD ("kill-and-continue", test_kill_and_continue);
  ADD ("locked", test_locked);
  ADD ("rollback-and-cleanup", test_rollback_and_cleanup);
  ADD ("bad-root", test_bad_root);
#undef ADD
  return g_test_run ();
}
