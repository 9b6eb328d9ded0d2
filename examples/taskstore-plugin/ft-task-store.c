/* ft-task-store.c - reading the old task store, writing the new one
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "ft-task-store.h"

void
ft_task_free (FtTask *task)
{
  g_free (task->old_path);
  g_free (task->marker_name);
  g_free (task->new_parent);
  g_free (task->new_id);
  g_free (task->state);
  g_free (task);
}

/* compct.<host>_<port>.<n>.<epoch_ms>[.State] → aaaaffff.<8 digits>.<8 digits>.<n>,
 * where aaaaffff is a hash of <host>_<port> and the epoch's digits are
 * split in two groups of eight (padded with zeros). */
char *
ft_task_store_new_id (const char  *task_name,
                      GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (task_name, ".", -1);
  guint n = g_strv_length (parts);
  g_autofree char *padded = NULL;

  if (n < 4 || !g_str_equal (parts[0], "compct") || strlen (parts[3]) == 0 ||
      strspn (parts[3], "0123456789") != strlen (parts[3]) ||
      strspn (parts[2], "0123456789") != strlen (parts[2]))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   "task '%s' is not named compct.<host>_<port>.<n>.<epoch_ms>[.State]",
                   task_name);
      return NULL;
    }
  padded = g_strdup_printf ("%-16s", parts[3]);
  g_strdelimit (padded, " ", '0');
  return g_strdup_printf ("%08x.%.8s.%.8s.%s", g_str_hash (parts[1]), padded, padded + 8,
                          parts[2]);
}

static FtTask *
scheduler_task (const char  *root,
                const char  *dir,
                const char  *name,
                GError     **error)
{
  g_autoptr(FtTask) task = g_new0 (FtTask, 1);
  const char *states[][2] = { { ".Assigned", "Init" }, { ".Cancel", "Cancel" },
                              { ".Done", "Done" } };
  g_autofree char *base = g_strdup (name);

  /* An assigned task goes back to Init: the new scheduler assigns again. */
  task->state = g_strdup ("Init");
  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    if (g_str_has_suffix (base, states[i][0]))
      {
        base[strlen (base) - strlen (states[i][0])] = '\0';
        g_free (task->state);
        task->state = g_strdup (states[i][1]);
      }
  task->new_id = ft_task_store_new_id (base, error);
  if (task->new_id == NULL)
    return NULL;
  task->old_path = g_build_filename (dir, name, NULL);
  task->marker_name = g_strconcat ("Scheduler.", name, NULL);
  task->new_parent = g_build_filename (root, "Compaction_V2", "Scheduler", NULL);
  return g_steal_pointer (&task);
}

static char *
status_of (const char *task_dir)
{
  g_autoptr(GDir) dir = g_dir_open (task_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "Status."))
      return g_strdup (name + strlen ("Status."));
  return g_strdup ("Init");
}

static gboolean
list_assigned (const char  *root,
               GPtrArray   *tasks,
               GError     **error)
{
  g_autofree char *assigned = g_build_filename (root, "Compaction", "TaskAssigned", NULL);
  g_autoptr(GDir) nodes = g_dir_open (assigned, 0, NULL);
  const char *node;

  while (nodes != NULL && (node = g_dir_read_name (nodes)) != NULL)
    {
      g_autofree char *node_dir = g_build_filename (assigned, node, NULL);
      g_autoptr(GDir) dir = g_dir_open (node_dir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autoptr(FtTask) task = g_new0 (FtTask, 1);

          task->new_id = ft_task_store_new_id (name, error);
          if (task->new_id == NULL)
            return FALSE;
          task->old_path = g_build_filename (node_dir, name, NULL);
          task->marker_name = g_strdup_printf ("TaskAssigned.%s.%s", node, name);
          task->new_parent = g_build_filename (root, "Compaction_V2", "TaskAssigned", node, NULL);
          task->state = status_of (task->old_path);
          task->assigned = TRUE;
          g_ptr_array_add (tasks, g_steal_pointer (&task));
        }
    }
  return TRUE;
}

static int
compare_tasks (gconstpointer a,
               gconstpointer b)
{
  const FtTask *x = *(FtTask * const *) a, *y = *(FtTask * const *) b;

  return g_strcmp0 (x->marker_name, y->marker_name);
}

/* All tasks of the old layout, in a stable order. */
GPtrArray *
ft_task_store_list_old (const char  *root,
                        GError     **error)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) ft_task_free);
  g_autofree char *scheduler = g_build_filename (root, "Compaction", "Scheduler", NULL);
  g_autoptr(GDir) dir = g_dir_open (scheduler, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      FtTask *task = scheduler_task (root, scheduler, name, error);

      if (task == NULL)
        return NULL;
      g_ptr_array_add (tasks, task);
    }
  if (!list_assigned (root, tasks, error))
    return NULL;
  g_ptr_array_sort (tasks, compare_tasks);
  return g_steal_pointer (&tasks);
}

gboolean
ft_task_store_remove_tree (const char  *path,
                           GError     **error)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      if (g_remove (path) != 0 && errno != ENOENT)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "cannot remove '%s': %s", path, g_strerror (saved));
          return FALSE;
        }
      return TRUE;
    }
  dir = g_dir_open (path, 0, error);
  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (!ft_task_store_remove_tree (child, error))
        return FALSE;
    }
  if (g_rmdir (path) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot remove '%s': %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_task (const char  *dir,
            FtTask      *task,
            GError     **error)
{
  g_autofree char *info_path = task->assigned ? g_build_filename (task->old_path, "TaskInfo", NULL)
                                              : g_strdup (task->old_path);
  g_autofree char *info = NULL;
  g_autofree char *status_name = g_strconcat ("Status.", task->state, NULL);
  g_autofree char *status = g_build_filename (dir, status_name, NULL);
  g_autofree char *new_info = g_build_filename (dir, "TaskInfo.pc.db", NULL);
  gsize length = 0;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot create '%s': %s", dir, g_strerror (saved));
      return FALSE;
    }
  if (g_file_test (info_path, G_FILE_TEST_EXISTS) &&
      !g_file_get_contents (info_path, &info, &length, error))
    return FALSE;
  return g_file_set_contents (status, "", 0, error) &&
         g_file_set_contents (new_info, info ? info : "", length, error);
}

/* Writes the new task next to its final place, then renames it in, so a
 * crash never leaves a half-written task under its real name. */
gboolean
ft_task_store_convert (FtTask      *task,
                       GError     **error)
{
  g_autofree char *final = g_build_filename (task->new_parent, task->new_id, NULL);
  g_autofree char *temp = g_strconcat (final, ".partial", NULL);

  if (!ft_task_store_remove_tree (temp, error) || !write_task (temp, task, error) ||
      !ft_task_store_remove_tree (final, error))
    return FALSE;
  if (g_rename (temp, final) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot rename '%s' to '%s': %s", temp, final, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* A lock left by a process of this host that is gone is taken over: the
 * markers make the new run continue where the old one stopped. */
static gboolean
lock_is_stale (const char *content)
{
  g_auto(GStrv) parts = g_strsplit (content ? content : "", " ", 3);
  gint64 pid;

  if (g_strv_length (parts) < 2 || !g_str_equal (parts[0], g_get_host_name ()))
    return FALSE;
  pid = g_ascii_strtoll (parts[1], NULL, 10);
  return pid > 0 && kill ((pid_t) pid, 0) != 0 && errno == ESRCH;
}

gboolean
ft_task_store_lock (const char  *v2_dir,
                    UpgContext  *ctx,
                    GError     **error)
{
  g_autofree char *path = g_build_filename (v2_dir, "TaskUpgradeLock", NULL);
  g_autofree char *content = g_strdup_printf ("%s %d %s", g_get_host_name (), (int) getpid (),
                                              upg_context_get_execution_id (ctx));
  g_autofree char *holder = NULL;
  int fd;

  if (g_mkdir_with_parents (v2_dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot create '%s': %s", v2_dir, g_strerror (saved));
      return FALSE;
    }
  while ((fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
    {
      if (errno != EEXIST)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "cannot create the lock '%s': %s", path, g_strerror (saved));
          return FALSE;
        }
      g_clear_pointer (&holder, g_free);
      g_file_get_contents (path, &holder, NULL, NULL);
      if (!lock_is_stale (holder))
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_LOCKED,
                       "the task store is being migrated by '%s' (lock '%s'); remove the lock "
                       "only if that process is gone", holder ? holder : "?", path);
          return FALSE;
        }
      upg_context_log (ctx, G_LOG_LEVEL_WARNING, "taking over the stale lock '%s' of '%s'",
                       path, holder);
      g_unlink (path);
    }
  if (write (fd, content, strlen (content)) != (ssize_t) strlen (content))
    {
      int saved = errno;
      close (fd);
      g_unlink (path);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot write the lock '%s': %s", path, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

void
ft_task_store_unlock (const char *v2_dir)
{
  g_autofree char *path = g_build_filename (v2_dir, "TaskUpgradeLock", NULL);

  g_unlink (path);
}
