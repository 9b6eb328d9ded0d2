/* upg-executor-run-private.h - one request to the executor
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

  GMainContext      *owner_context;
  UpgExecution      *result;
} UpgRunRequest;

UpgRunRequest *upg_run_request_new   (UpgRunRequestKind  kind,
                                      const UpgVersion  *from,
                                      const UpgVersion  *to,
                                      UpgStage           stage,
                                      const char        *site_id,
                                      const char        *component,
                                      JsonObject        *env);
void           upg_run_request_free  (UpgRunRequest     *request);

gboolean       upg_executor_execute  (UpgExecutor       *self,
                                      UpgRunRequest     *request,
                                      GCancellable      *cancellable,
                                      UpgExecution     **execution,
                                      GError           **error);

void           upg_executor_start_request    (UpgExecutor         *self,
                                              UpgRunRequest       *request,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data,
                                              gpointer             source_tag);
gboolean       upg_executor_finish_request   (UpgExecutor         *self,
                                              GAsyncResult        *result,
                                              gpointer             source_tag,
                                              UpgExecution       **execution,
                                              GError             **error);
gboolean       upg_executor_run_request_sync (UpgExecutor         *self,
                                              UpgRunRequest       *request,
                                              GCancellable        *cancellable,
                                              UpgExecution       **execution,
                                              GError             **error);

G_END_DECLS
