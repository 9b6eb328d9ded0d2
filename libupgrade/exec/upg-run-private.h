/* upg-run-private.h - what the executor needs of an UpgRun
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-run.h"
#include "upg-run-current-private.h"

G_BEGIN_DECLS

enum {
  UPG_RUN_SIGNAL_EXECUTION_STARTED,
  UPG_RUN_SIGNAL_STEP_STARTED,
  UPG_RUN_SIGNAL_STEP_FINISHED,
  UPG_RUN_SIGNAL_STATEMENT_FINISHED,
  UPG_RUN_SIGNAL_PROGRESS,
  UPG_RUN_SIGNAL_LOG,
  UPG_RUN_SIGNAL_RATE_REVISED,
  UPG_RUN_SIGNAL_MIGRATION_PROGRESS,
  UPG_RUN_N_SIGNALS
};

extern guint upg_run_signals[UPG_RUN_N_SIGNALS];

gboolean upg_run_start          (UpgRun       *self,
                                 GError      **error);
void     upg_run_set_execution  (UpgRun       *self,
                                 UpgExecution *execution);
/* `rollback --forget`; bindings set the UpgRun:forget property. */
void     upg_run_set_forget     (UpgRun       *self,
                                 gboolean      forget);
gboolean upg_run_get_forget     (UpgRun       *self);

/* The items a check stage runs (upg-check-stage.c sets it): a
 * GPtrArray of UpgCheckResult, or NULL with @error set. */
typedef GPtrArray *(*UpgRunChecksFunc) (const UpgVersion  *from,
                                        const UpgVersion  *to,
                                        const char        *site_id,
                                        UpgStage           stage,
                                        JsonObject        *env,
                                        gpointer           user_data,
                                        GCancellable      *cancellable,
                                        GError           **error);

const char      *upg_run_get_skipped_by  (UpgRun           *self);
const char      *upg_run_get_confirmed_by (UpgRun          *self,
                                           const char     **via);
void             upg_run_set_checks_func (UpgRun           *self,
                                          UpgRunChecksFunc  func,
                                          gpointer          user_data,
                                          GDestroyNotify    destroy);
UpgRunChecksFunc upg_run_get_checks_func (UpgRun           *self,
                                          gpointer         *user_data);

UpgRunCurrent   *upg_run_get_current     (UpgRun           *self);

G_END_DECLS
