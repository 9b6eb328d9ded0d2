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
#include "upg-plan.h"
#include "upg-plugin-manager.h"
#include "upg-run.h"

#include "upg-version-macros.h"

G_BEGIN_DECLS

/**
 * UPG_EXECUTOR_DEFAULT_STATEMENT_TIMEOUT:
 *
 * Seconds a statement may run when its step sets no `timeout` (SPEC §5).
 */
#define UPG_EXECUTOR_DEFAULT_STATEMENT_TIMEOUT 300

#define UPG_TYPE_EXECUTOR (upg_executor_get_type ())

UPG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgExecutor, upg_executor, UPG, EXECUTOR, GObject)

UPG_AVAILABLE_IN_ALL
UpgExecutor   *upg_executor_new                 (UpgConfig        *config,
                                                 UpgBundle        *bundle,
                                                 UpgJournal       *journal,
                                                 const char       *state_dir);

UPG_AVAILABLE_IN_ALL
UpgConfig     *upg_executor_get_config          (UpgExecutor      *self);
UPG_AVAILABLE_IN_ALL
UpgBundle     *upg_executor_get_bundle          (UpgExecutor      *self);
UPG_AVAILABLE_IN_ALL
UpgJournal    *upg_executor_get_journal         (UpgExecutor      *self);
UPG_AVAILABLE_IN_ALL
const char    *upg_executor_get_state_dir       (UpgExecutor      *self);
UPG_AVAILABLE_IN_ALL
char          *upg_executor_get_log_path        (UpgExecutor      *self,
                                                 const char       *execution_id);
UPG_AVAILABLE_IN_ALL
UpgPluginManager *upg_executor_get_plugin_manager (UpgExecutor    *self);
UPG_AVAILABLE_IN_ALL
void           upg_executor_set_plugin_manager  (UpgExecutor      *self,
                                                 UpgPluginManager *manager);

UPG_AVAILABLE_IN_ALL
void           upg_executor_run_async           (UpgExecutor      *self,
                                                 UpgRun           *run,
                                                 GCancellable     *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer          user_data);
UPG_AVAILABLE_IN_ALL
gboolean       upg_executor_run_finish          (UpgExecutor      *self,
                                                 GAsyncResult     *result,
                                                 GError          **error);
UPG_AVAILABLE_IN_ALL
gboolean       upg_executor_run                 (UpgExecutor      *self,
                                                 UpgRun           *run,
                                                 GCancellable     *cancellable,
                                                 GError          **error);

UPG_AVAILABLE_IN_ALL
UpgExecution  *upg_executor_load_execution      (UpgExecutor      *self,
                                                 const char       *execution_id,
                                                 GError          **error);
UPG_AVAILABLE_IN_ALL
guint          upg_executor_mark_interrupted    (UpgExecutor      *self,
                                                 GError          **error);

UPG_AVAILABLE_IN_ALL
JsonArray     *upg_executor_confirm             (UpgExecutor      *self,
                                                 const UpgVersion *from,
                                                 const UpgVersion *to,
                                                 const char       *site_id,
                                                 const char * const *step_ids,
                                                 const char       *confirmed_by,
                                                 const char       *via,
                                                 GError          **error);
UPG_AVAILABLE_IN_ALL
JsonArray     *upg_executor_list_unconfirmed    (UpgExecutor      *self,
                                                 const UpgVersion *from,
                                                 const UpgVersion *to,
                                                 const char       *site_id,
                                                 GError          **error);
UPG_AVAILABLE_IN_ALL
JsonArray     *upg_executor_list_unconfirmed_for_run (UpgExecutor *self,
                                                 UpgRun           *run,
                                                 GError          **error);
UPG_AVAILABLE_IN_ALL
JsonArray     *upg_executor_list_confirmations  (UpgExecutor      *self,
                                                 const UpgVersion *from,
                                                 const UpgVersion *to,
                                                 const char       *site_id,
                                                 GError          **error);
UPG_AVAILABLE_IN_ALL
JsonNode      *upg_executor_plan_to_json        (UpgExecutor      *self,
                                                 UpgPlan          *plan,
                                                 GError          **error);

G_END_DECLS
