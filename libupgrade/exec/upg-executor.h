/* upg-executor.h - runs one stage of a plan for one site, exactly once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <upgrade-spi.h>

#include "upg-bundle.h"
#include "upg-config.h"
#include "upg-execution.h"
#include "upg-journal.h"
#include "upg-plugin-manager.h"

G_BEGIN_DECLS

/**
 * UpgResumeAction:
 * @UPG_RESUME_ACTION_CONTINUE: go on at the breakpoint: a failed statement
 *   runs again, a statement in doubt stops the run again
 * @UPG_RESUME_ACTION_RETRY: run the statement (or step) of the breakpoint
 *   again, even if it is in doubt
 * @UPG_RESUME_ACTION_SKIP: record the statement (or step) of the breakpoint
 *   as skipped and go on after it
 *
 * What `resume` does with the statement at the breakpoint.
 */
typedef enum {
  UPG_RESUME_ACTION_CONTINUE,
  UPG_RESUME_ACTION_RETRY,
  UPG_RESUME_ACTION_SKIP,
} UpgResumeAction;

/**
 * UPG_EXECUTOR_DEFAULT_STATEMENT_TIMEOUT:
 *
 * Seconds a statement may run when its step sets no `timeout` (SPEC §5).
 */
#define UPG_EXECUTOR_DEFAULT_STATEMENT_TIMEOUT 300

#define UPG_TYPE_EXECUTOR (upg_executor_get_type ())

G_DECLARE_FINAL_TYPE (UpgExecutor, upg_executor, UPG, EXECUTOR, GObject)

UpgExecutor   *upg_executor_new                 (UpgConfig        *config,
                                                 UpgBundle        *bundle,
                                                 UpgJournal       *journal,
                                                 const char       *state_dir);

UpgConfig     *upg_executor_get_config          (UpgExecutor      *self);
UpgBundle     *upg_executor_get_bundle          (UpgExecutor      *self);
UpgJournal    *upg_executor_get_journal         (UpgExecutor      *self);
const char    *upg_executor_get_state_dir       (UpgExecutor      *self);
void           upg_executor_set_accept_changed  (UpgExecutor      *self,
                                                 gboolean          accept);
gboolean       upg_executor_get_accept_changed  (UpgExecutor      *self);
void           upg_executor_set_new_execution   (UpgExecutor      *self,
                                                 gboolean          new_execution);
gboolean       upg_executor_get_new_execution   (UpgExecutor      *self);
char          *upg_executor_get_log_path        (UpgExecutor      *self,
                                                 const char       *execution_id);
UpgPluginManager *upg_executor_get_plugin_manager (UpgExecutor    *self);
void           upg_executor_set_plugin_manager  (UpgExecutor      *self,
                                                 UpgPluginManager *manager);

void           upg_executor_run_stage_async     (UpgExecutor      *self,
                                                 const UpgVersion *from,
                                                 const UpgVersion *to,
                                                 UpgStage          stage,
                                                 const char       *site_id,
                                                 const char       *component,
                                                 JsonObject       *env,
                                                 GCancellable     *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer          user_data);
gboolean       upg_executor_run_stage_finish    (UpgExecutor      *self,
                                                 GAsyncResult     *result,
                                                 UpgExecution    **execution,
                                                 GError          **error);
gboolean       upg_executor_run_stage           (UpgExecutor      *self,
                                                 const UpgVersion *from,
                                                 const UpgVersion *to,
                                                 UpgStage          stage,
                                                 const char       *site_id,
                                                 const char       *component,
                                                 JsonObject       *env,
                                                 GCancellable     *cancellable,
                                                 UpgExecution    **execution,
                                                 GError          **error);

void           upg_executor_rollback_async      (UpgExecutor      *self,
                                                 const UpgVersion *from,
                                                 const UpgVersion *to,
                                                 UpgStage          stage,
                                                 const char       *site_id,
                                                 JsonObject       *env,
                                                 GCancellable     *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer          user_data);
gboolean       upg_executor_rollback_finish     (UpgExecutor      *self,
                                                 GAsyncResult     *result,
                                                 UpgExecution    **execution,
                                                 GError          **error);
gboolean       upg_executor_rollback            (UpgExecutor      *self,
                                                 const UpgVersion *from,
                                                 const UpgVersion *to,
                                                 UpgStage          stage,
                                                 const char       *site_id,
                                                 JsonObject       *env,
                                                 GCancellable     *cancellable,
                                                 UpgExecution    **execution,
                                                 GError          **error);

void           upg_executor_resume_async        (UpgExecutor      *self,
                                                 const char       *execution_id,
                                                 UpgResumeAction   action,
                                                 GCancellable     *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer          user_data);
gboolean       upg_executor_resume_finish       (UpgExecutor      *self,
                                                 GAsyncResult     *result,
                                                 UpgExecution    **execution,
                                                 GError          **error);
gboolean       upg_executor_resume              (UpgExecutor      *self,
                                                 const char       *execution_id,
                                                 UpgResumeAction   action,
                                                 GCancellable     *cancellable,
                                                 UpgExecution    **execution,
                                                 GError          **error);

UpgExecution  *upg_executor_dup_last_execution  (UpgExecutor      *self);
UpgExecution  *upg_executor_load_execution      (UpgExecutor      *self,
                                                 const char       *execution_id,
                                                 GError          **error);
guint          upg_executor_mark_interrupted    (UpgExecutor      *self,
                                                 GError          **error);

G_END_DECLS
