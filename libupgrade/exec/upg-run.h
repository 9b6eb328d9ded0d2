/* upg-run.h - one run, resume or rollback of a stage, owned by its caller
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

#include "upg-current-statement.h"
#include "upg-execution.h"

#include "upg-version-macros.h"

G_BEGIN_DECLS

/**
 * UpgRunKind:
 * @UPG_RUN_KIND_RUN: run the steps of a stage (continuing its last
 *   unfinished execution, if any)
 * @UPG_RUN_KIND_ROLLBACK: run the rollback steps of a stage
 * @UPG_RUN_KIND_RESUME: continue a given execution at its breakpoint
 *
 * What an #UpgRun asks the executor to do.
 */
typedef enum {
  UPG_RUN_KIND_RUN,
  UPG_RUN_KIND_ROLLBACK,
  UPG_RUN_KIND_RESUME,
} UpgRunKind;

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

#define UPG_TYPE_RUN (upg_run_get_type ())

UPG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgRun, upg_run, UPG, RUN, GObject)

UPG_AVAILABLE_IN_ALL
UpgRun           *upg_run_new                (UpgRunKind        kind,
                                              const UpgVersion *from,
                                              const UpgVersion *to,
                                              UpgStage          stage);
UPG_AVAILABLE_IN_ALL
UpgRun           *upg_run_new_resume         (const char       *execution_id,
                                              UpgResumeAction   action);

UPG_AVAILABLE_IN_ALL
UpgRunKind        upg_run_get_kind           (UpgRun           *self);
UPG_AVAILABLE_IN_ALL
const UpgVersion *upg_run_get_from           (UpgRun           *self);
UPG_AVAILABLE_IN_ALL
const UpgVersion *upg_run_get_to             (UpgRun           *self);
UPG_AVAILABLE_IN_ALL
UpgStage          upg_run_get_stage          (UpgRun           *self);
UPG_AVAILABLE_IN_ALL
const char       *upg_run_get_resume_id      (UpgRun           *self);
UPG_AVAILABLE_IN_ALL
UpgResumeAction   upg_run_get_action         (UpgRun           *self);

UPG_AVAILABLE_IN_ALL
void              upg_run_set_site_id        (UpgRun           *self,
                                              const char       *site_id);
UPG_AVAILABLE_IN_ALL
const char       *upg_run_get_site_id        (UpgRun           *self);
UPG_AVAILABLE_IN_ALL
void              upg_run_set_component      (UpgRun           *self,
                                              const char       *component);
UPG_AVAILABLE_IN_ALL
const char       *upg_run_get_component      (UpgRun           *self);
UPG_AVAILABLE_IN_ALL
void              upg_run_set_env            (UpgRun           *self,
                                              JsonObject       *env);
UPG_AVAILABLE_IN_ALL
JsonObject       *upg_run_get_env            (UpgRun           *self);
UPG_AVAILABLE_IN_ALL
void              upg_run_set_accept_changed (UpgRun           *self,
                                              gboolean          accept);
UPG_AVAILABLE_IN_ALL
gboolean          upg_run_get_accept_changed (UpgRun           *self);
UPG_AVAILABLE_IN_ALL
void              upg_run_set_new_execution  (UpgRun           *self,
                                              gboolean          new_execution);
UPG_AVAILABLE_IN_ALL
gboolean          upg_run_get_new_execution  (UpgRun           *self);

UPG_AVAILABLE_IN_ALL
void              upg_run_set_skip_checks    (UpgRun           *self,
                                              gboolean          skip_checks,
                                              const char       *skipped_by);
UPG_AVAILABLE_IN_ALL
gboolean          upg_run_get_skip_checks    (UpgRun           *self);
UPG_AVAILABLE_IN_ALL
void              upg_run_set_confirm        (UpgRun           *self,
                                              gboolean          confirm,
                                              const char       *confirmed_by,
                                              const char       *via);
UPG_AVAILABLE_IN_ALL
gboolean          upg_run_get_confirm        (UpgRun           *self);

UPG_AVAILABLE_IN_ALL
UpgExecution     *upg_run_get_execution      (UpgRun           *self);
UPG_AVAILABLE_IN_ALL
UpgCurrentStatement *upg_run_dup_current_statement (UpgRun        *self);

G_END_DECLS
