/* upg-executor-run-private.h - one request to the executor, read from an UpgRun
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-executor.h"

G_BEGIN_DECLS

typedef enum {
  UPG_RUN_REQUEST_RUN,
  UPG_RUN_REQUEST_ROLLBACK,
  UPG_RUN_REQUEST_RESUME,
} UpgRunRequestKind;

typedef struct
{
  UpgRunRequestKind  kind;
  UpgVersion        *from;
  UpgVersion        *to;
  UpgStage           stage;
  char              *site_id;
  char              *component;
  JsonObject        *env;
  char              *execution_id;     /* RESUME */
  UpgResumeAction    action;           /* RESUME */
  gboolean           accept_changed;
  gboolean           new_execution;
  gboolean           forget;           /* ROLLBACK: `--forget` */
  gboolean           skip_checks;      /* RUN: `--skip-checks` */
  char              *skipped_by;       /* RUN: who, or NULL for this user */
  gboolean           confirm;          /* RUN: `--confirm`, journaled once it starts */
  char              *confirmed_by;     /* RUN: who, or NULL for this user */
  char              *confirm_via;      /* RUN: how, or NULL for "run" */
  gpointer           checks_func;      /* UpgRunChecksFunc of a check stage */
  gpointer           checks_data;      /* unowned: the run holds it */

  UpgRun            *run;              /* owned: where signals go */
  GMainContext      *owner_context;
} UpgRunRequest;

UpgRunRequest *upg_run_request_new   (UpgRun            *run);
void           upg_run_request_free  (UpgRunRequest     *request);

gboolean       upg_executor_execute  (UpgExecutor       *self,
                                      UpgRunRequest     *request,
                                      GCancellable      *cancellable,
                                      UpgExecution     **execution,
                                      GError           **error);

G_END_DECLS
