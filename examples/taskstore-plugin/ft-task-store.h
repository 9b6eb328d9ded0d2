/* ft-task-store.h - the old and new layouts of the compaction task store
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Old:  <root>/Compaction/Scheduler/compct.<host>_<port>.<n>.<epoch_ms>[.Assigned|.Cancel|.Done]
 *       <root>/Compaction/TaskAssigned/<host>_<port>/compct.<…>/{Status.<S>, TaskInfo}
 * New:  <root>/Compaction_V2/Scheduler/<id>/{Status.<S>, TaskInfo.pc.db}
 *       <root>/Compaction_V2/TaskAssigned/<host>_<port>/<id>/{Status.<S>, TaskInfo.pc.db}
 * Work: <root>/Compaction_V2/TaskUpgradeLock        one node migrates at a time
 *       <root>/Compaction_V2/TaskUpgrade/<old>.upgrade   one marker per migrated task
 *       <root>/Compaction_V2/TaskUpgrade.done        all tasks migrated
 */
#pragma once

#include <upgrade-spi.h>

G_BEGIN_DECLS

typedef struct {
  char *old_path;     /* file (Scheduler) or directory (TaskAssigned) */
  char *marker_name;  /* unique name of the old task, for its marker */
  char *new_parent;   /* directory the new task directory goes into */
  char *new_id;       /* aaaaffff.16176931.56000000.0 */
  char *state;        /* Init, Cancel, Done, Success, … */
  gboolean assigned;  /* from TaskAssigned: TaskInfo and Status.* in a directory */
} FtTask;

void       ft_task_free            (FtTask       *task);
GPtrArray *ft_task_store_list_old  (const char   *root,
                                    GError      **error);
char      *ft_task_store_new_id    (const char   *task_name,
                                    GError      **error);
gboolean   ft_task_store_convert   (FtTask       *task,
                                    GError      **error);
gboolean   ft_task_store_remove_tree (const char *path,
                                      GError    **error);
gboolean   ft_task_store_lock      (const char   *v2_dir,
                                    UpgContext   *ctx,
                                    GError      **error);
void       ft_task_store_unlock    (const char   *v2_dir);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FtTask, ft_task_free)

G_END_DECLS
