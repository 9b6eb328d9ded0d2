/* upg-execution-update-private.h - what the engine records in an execution
 *
 * An execution is read by applications (upg-execution.h); only the engine
 * (and the service, which mirrors a run in progress) writes it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-execution.h"

G_BEGIN_DECLS

UpgExecution       *upg_execution_new              (const char        *id,
                                                    UpgStage           stage,
                                                    const UpgVersion  *from,
                                                    const UpgVersion  *to,
                                                    const char        *site_id);

void                upg_execution_set_status       (UpgExecution      *self,
                                                    UpgExecutionStatus status);

void                upg_execution_set_rollback     (UpgExecution      *self,
                                                    gboolean           rollback);

void                upg_execution_set_resume_count (UpgExecution      *self,
                                                    guint              count);

void                upg_execution_set_started      (UpgExecution      *self,
                                                    GDateTime         *started);

void                upg_execution_set_finished     (UpgExecution      *self,
                                                    GDateTime         *finished);

void                upg_execution_set_message      (UpgExecution      *self,
                                                    const char        *message);

void                upg_execution_set_step         (UpgExecution      *self,
                                                    const char        *step_id,
                                                    const char        *version,
                                                    UpgStepStatus      status,
                                                    gint64             duration_ms,
                                                    const char        *message);

void                upg_execution_set_breakpoint   (UpgExecution      *self,
                                                    const char        *step_id,
                                                    const char        *file,
                                                    guint              line,
                                                    guint              sequence,
                                                    const char        *statement,
                                                    const char        *error_code,
                                                    const char        *error);

void                upg_execution_clear_breakpoint (UpgExecution      *self);

void                upg_execution_set_progress     (UpgExecution      *self,
                                                    guint              statements_done,
                                                    guint              statements_total,
                                                    gint64             eta_seconds);

void                upg_execution_set_rate_message (UpgExecution      *self,
                                                    const char        *message);

void                upg_execution_set_rate_estimate (UpgExecution     *self,
                                                     const char       *step_id,
                                                     const char       *units,
                                                     double            measured_rate,
                                                     double            configured_rate,
                                                     int               deviation_percent,
                                                     gint64            eta_seconds,
                                                     GDateTime        *revised_at,
                                                     GDateTime        *updated_at);

void                upg_execution_clear_rate_estimate (UpgExecution   *self);

void                upg_execution_set_current_statement (UpgExecution *self,
                                                         const char   *step_id,
                                                         const char   *file,
                                                         guint         line,
                                                         guint         sequence,
                                                         GDateTime    *started);
void                upg_execution_set_current_task      (UpgExecution *self,
                                                         const char   *task);

G_END_DECLS
