/* ft-task-store-migration.c - FtTaskStoreMigration, the example component plugin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Migrates the compaction task store under params.root from the old file
 * layout to the new one (see ft-task-store.h): one node at a time (a lock
 * file), one marker per migrated task so that a re-run after a crash or a
 * cancellation continues, a checkpoint through the context, progress per
 * task, and a done flag at the end. Rollback removes the new layout (the
 * old one is kept until cleanup); cleanup removes the old layout once the
 * migration is done.
 */
#include <glib/gstdio.h>
#include <upgrade-spi.h>

#include "ft-task-store.h"

#define FT_TYPE_TASK_STORE_MIGRATION (ft_task_store_migration_get_type ())
G_DECLARE_FINAL_TYPE (FtTaskStoreMigration, ft_task_store_migration, FT, TASK_STORE_MIGRATION,
                      GObject)

struct _FtTaskStoreMigration
{
  GObject parent_instance;
};

/* Where the task store lives is a fact of the site, not of the bundle: the
 * site's env member `task_store_root` (from upgrade.json or --env) wins over
 * the manifest's params.root, which is the product's default location. */
static const char *
root_of (UpgContext  *ctx,
         JsonObject  *params,
         GError     **error)
{
  JsonObject *env = upg_context_get_env (ctx);
  const char *root = NULL;
  const char *origin = "env.task_store_root";

  if (env != NULL)
    root = json_object_get_string_member_with_default (env, "task_store_root", NULL);
  if (root == NULL)
    {
      root = json_object_get_string_member_with_default (params, "root", NULL);
      origin = "params.root";
    }

  if (root == NULL || !g_file_test (root, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   "%s '%s' is not a directory: expected the task store "
                   "(cluster.compact)", origin, root ? root : "(missing)");
      return NULL;
    }
  return root;
}

static gboolean
migrate_tasks (UpgContext    *ctx,
               const char    *v2,
               GPtrArray     *tasks,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autofree char *markers = g_build_filename (v2, "TaskUpgrade", NULL);

  if (upg_context_get_checkpoint (ctx) != NULL)
    upg_context_log (ctx, G_LOG_LEVEL_INFO, "resuming after checkpoint %s",
                     upg_context_get_checkpoint (ctx));
  g_mkdir_with_parents (markers, 0755);
  for (guint i = 0; i < tasks->len; i++)
    {
      FtTask *task = tasks->pdata[i];
      g_autofree char *marker_file = g_strconcat (task->marker_name, ".upgrade", NULL);
      g_autofree char *marker = g_build_filename (markers, marker_file, NULL);
      g_autofree char *checkpoint = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!g_file_test (marker, G_FILE_TEST_EXISTS))
        {
          if (!ft_task_store_convert (task, error) ||
              !g_file_set_contents (marker, task->new_id, -1, error))
            return FALSE;
        }
      checkpoint = g_strdup_printf ("{\"migrated\":%u,\"last\":\"%s\"}", i + 1,
                                    task->marker_name);
      if (!upg_context_save_checkpoint (ctx, checkpoint, error))
        return FALSE;
      upg_context_report_progress (ctx, i + 1, tasks->len, task->marker_name);
    }
  /* Markers are only needed until the done flag exists. */
  return ft_task_store_remove_tree (markers, error);
}

static gboolean
ft_task_store_migration_migrate (G_GNUC_UNUSED UpgDataMigration *migration,
                                 UpgContext        *ctx,
                                 JsonObject        *params,
                                 GCancellable      *cancellable,
                                 GError           **error)
{
  const char *root = root_of (ctx, params, error);
  g_autofree char *v2 = NULL, *done = NULL;
  g_autoptr(GPtrArray) tasks = NULL;
  gboolean ok;

  if (root == NULL)
    return FALSE;
  v2 = g_build_filename (root, "Compaction_V2", NULL);
  done = g_build_filename (v2, "TaskUpgrade.done", NULL);
  if (g_file_test (done, G_FILE_TEST_EXISTS))
    {
      upg_context_log (ctx, G_LOG_LEVEL_INFO, "all tasks are already migrated (%s)", done);
      return TRUE;
    }
  tasks = ft_task_store_list_old (root, error);
  if (tasks == NULL)
    return FALSE;
  if (tasks->len == 0)
    {
      upg_context_log (ctx, G_LOG_LEVEL_INFO, "no task to migrate under '%s'", root);
      return TRUE;
    }
  if (!ft_task_store_lock (v2, ctx, error))
    return FALSE;
  ok = migrate_tasks (ctx, v2, tasks, cancellable, error) &&
       g_file_set_contents (done, "", 0, error);
  ft_task_store_unlock (v2);
  if (ok)
    upg_context_log (ctx, G_LOG_LEVEL_INFO, "migrated %u tasks", tasks->len);
  return ok;
}

static gboolean
remove_all_but_lock (const char  *v2,
                     GError     **error)
{
  g_autoptr(GDir) dir = g_dir_open (v2, 0, error);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (!g_str_equal (name, "TaskUpgradeLock"))
      {
        g_autofree char *path = g_build_filename (v2, name, NULL);

        if (!ft_task_store_remove_tree (path, error))
          return FALSE;
      }
  return TRUE;
}

static gboolean
ft_task_store_migration_rollback (G_GNUC_UNUSED UpgDataMigration *migration,
                                  UpgContext        *ctx,
                                  JsonObject        *params,
                                  G_GNUC_UNUSED GCancellable *cancellable,
                                  GError           **error)
{
  const char *root = root_of (ctx, params, error);
  g_autofree char *old = NULL, *v2 = NULL;
  gboolean ok;

  if (root == NULL)
    return FALSE;
  old = g_build_filename (root, "Compaction", NULL);
  v2 = g_build_filename (root, "Compaction_V2", NULL);
  if (!g_file_test (old, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED,
                   "cannot roll back: the old task store '%s' was removed by the clean-up",
                   old);
      return FALSE;
    }
  if (!ft_task_store_lock (v2, ctx, error))
    return FALSE;
  /* Everything but the lock first, the lock last: an interrupted rollback
   * is simply run again. */
  ok = remove_all_but_lock (v2, error);
  ft_task_store_unlock (v2);
  if (ok && g_rmdir (v2) != 0)
    upg_context_log (ctx, G_LOG_LEVEL_WARNING, "'%s' is not empty after the rollback", v2);
  if (ok)
    upg_context_log (ctx, G_LOG_LEVEL_INFO, "rolled back: '%s' removed, '%s' kept", v2, old);
  return ok;
}

static gboolean
ft_task_store_migration_cleanup (G_GNUC_UNUSED UpgDataMigration *migration,
                                 UpgContext        *ctx,
                                 JsonObject        *params,
                                 G_GNUC_UNUSED GCancellable *cancellable,
                                 GError           **error)
{
  const char *root = root_of (ctx, params, error);
  g_autofree char *old = NULL, *done = NULL;

  if (root == NULL)
    return FALSE;
  old = g_build_filename (root, "Compaction", NULL);
  done = g_build_filename (root, "Compaction_V2", "TaskUpgrade.done", NULL);
  if (!g_file_test (done, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED,
                   "cannot clean up: the migration is not complete ('%s' is missing)", done);
      return FALSE;
    }
  if (!ft_task_store_remove_tree (old, error))
    return FALSE;
  g_unlink (done);
  upg_context_log (ctx, G_LOG_LEVEL_INFO, "removed the old task store '%s'", old);
  return TRUE;
}

static void
ft_task_store_migration_iface_init (UpgDataMigrationInterface *iface)
{
  iface->migrate = ft_task_store_migration_migrate;
  iface->rollback = ft_task_store_migration_rollback;
  iface->cleanup = ft_task_store_migration_cleanup;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (FtTaskStoreMigration, ft_task_store_migration, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (UPG_TYPE_DATA_MIGRATION,
                                                      ft_task_store_migration_iface_init))

static void
ft_task_store_migration_class_init (G_GNUC_UNUSED FtTaskStoreMigrationClass *klass)
{
}

static void
ft_task_store_migration_init (G_GNUC_UNUSED FtTaskStoreMigration *self)
{
}

UPG_PLUGIN_DEFINE ("taskstore", "1.0.0", "ft", FT_TYPE_TASK_STORE_MIGRATION)
