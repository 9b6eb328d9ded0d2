/* upg-execution.h - the state and result of running one stage for one site
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include <json-glib/json-glib.h>
#include <upgrade-spi.h>

#include "upg-breakpoint.h"
#include "upg-journal.h"
#include "upg-rate-estimate.h"

#include "upg-version-macros.h"

G_BEGIN_DECLS

#define UPG_TYPE_EXECUTION (upg_execution_get_type ())

UPG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgExecution, upg_execution, UPG, EXECUTION, GObject)

UPG_AVAILABLE_IN_ALL
UpgExecution       *upg_execution_new_from_journal (JsonObject     *record,
                                                    GError        **error);

UPG_AVAILABLE_IN_ALL
const char         *upg_execution_get_id           (UpgExecution      *self);
UPG_AVAILABLE_IN_ALL
UpgExecutionStatus  upg_execution_get_status       (UpgExecution      *self);
UPG_AVAILABLE_IN_ALL
UpgStage            upg_execution_get_stage        (UpgExecution      *self);
UPG_AVAILABLE_IN_ALL
const UpgVersion   *upg_execution_get_from         (UpgExecution      *self);
UPG_AVAILABLE_IN_ALL
const UpgVersion   *upg_execution_get_to           (UpgExecution      *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_execution_get_site_id      (UpgExecution      *self);
UPG_AVAILABLE_IN_ALL
gboolean            upg_execution_is_rollback      (UpgExecution      *self);
UPG_AVAILABLE_IN_ALL
guint               upg_execution_get_resume_count (UpgExecution      *self);
UPG_AVAILABLE_IN_ALL
GDateTime          *upg_execution_get_started      (UpgExecution      *self);
UPG_AVAILABLE_IN_ALL
GDateTime          *upg_execution_get_finished     (UpgExecution      *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_execution_get_message      (UpgExecution      *self);
UPG_AVAILABLE_IN_ALL
UpgVerdict          upg_execution_get_check_verdict (UpgExecution     *self);

UPG_AVAILABLE_IN_ALL
guint               upg_execution_get_n_steps      (UpgExecution      *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_execution_get_step_id      (UpgExecution      *self,
                                                    guint              index);
UPG_AVAILABLE_IN_ALL
UpgStepStatus       upg_execution_get_step_status  (UpgExecution      *self,
                                                    guint              index);
UPG_AVAILABLE_IN_ALL
const char         *upg_execution_get_step_message (UpgExecution      *self,
                                                    guint              index);
UPG_AVAILABLE_IN_ALL
gint64              upg_execution_get_step_duration_ms (UpgExecution  *self,
                                                        guint          index);

UPG_AVAILABLE_IN_ALL
gboolean            upg_execution_has_breakpoint   (UpgExecution      *self);
UPG_AVAILABLE_IN_ALL
const UpgBreakpoint *upg_execution_get_breakpoint  (UpgExecution      *self);
UPG_DEPRECATED_IN_1_0_FOR (upg_execution_get_breakpoint)
const char         *upg_execution_get_breakpoint_step_id   (UpgExecution *self);
UPG_DEPRECATED_IN_1_0_FOR (upg_execution_get_breakpoint)
const char         *upg_execution_get_breakpoint_file      (UpgExecution *self);
UPG_DEPRECATED_IN_1_0_FOR (upg_execution_get_breakpoint)
guint               upg_execution_get_breakpoint_line      (UpgExecution *self);
UPG_DEPRECATED_IN_1_0_FOR (upg_execution_get_breakpoint)
guint               upg_execution_get_breakpoint_sequence  (UpgExecution *self);
UPG_DEPRECATED_IN_1_0_FOR (upg_execution_get_breakpoint)
const char         *upg_execution_get_breakpoint_statement (UpgExecution *self);
UPG_DEPRECATED_IN_1_0_FOR (upg_execution_get_breakpoint)
const char         *upg_execution_get_breakpoint_error_code (UpgExecution *self);
UPG_DEPRECATED_IN_1_0_FOR (upg_execution_get_breakpoint)
const char         *upg_execution_get_breakpoint_error     (UpgExecution *self);

UPG_AVAILABLE_IN_ALL
guint               upg_execution_get_statements_done  (UpgExecution  *self);
UPG_AVAILABLE_IN_ALL
guint               upg_execution_get_statements_total (UpgExecution  *self);
UPG_AVAILABLE_IN_ALL
gint64              upg_execution_get_eta_seconds  (UpgExecution      *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_execution_get_rate_message (UpgExecution      *self);

UPG_AVAILABLE_IN_ALL
gboolean            upg_execution_has_rate_estimate (UpgExecution     *self);
UPG_AVAILABLE_IN_ALL
UpgRateEstimate    *upg_execution_dup_rate_estimate (UpgExecution     *self);
UPG_DEPRECATED_IN_1_0_FOR (upg_execution_dup_rate_estimate)
const char         *upg_execution_get_rate_step_id (UpgExecution      *self);
UPG_DEPRECATED_IN_1_0_FOR (upg_execution_dup_rate_estimate)
const char         *upg_execution_get_rate_units   (UpgExecution      *self);
UPG_DEPRECATED_IN_1_0_FOR (upg_execution_dup_rate_estimate)
double              upg_execution_get_measured_rate (UpgExecution     *self);
UPG_DEPRECATED_IN_1_0_FOR (upg_execution_dup_rate_estimate)
double              upg_execution_get_configured_rate (UpgExecution   *self);
UPG_DEPRECATED_IN_1_0_FOR (upg_execution_dup_rate_estimate)
int                 upg_execution_get_rate_deviation_percent (UpgExecution *self);
UPG_DEPRECATED_IN_1_0_FOR (upg_execution_dup_rate_estimate)
gint64              upg_execution_get_rate_eta_seconds (UpgExecution  *self);
UPG_DEPRECATED_IN_1_0_FOR (upg_execution_dup_rate_estimate)
GDateTime          *upg_execution_get_rate_revised_at (UpgExecution   *self);
UPG_DEPRECATED_IN_1_0_FOR (upg_execution_dup_rate_estimate)
GDateTime          *upg_execution_get_rate_updated_at (UpgExecution   *self);

UPG_AVAILABLE_IN_ALL
const char         *upg_execution_get_current_step_id  (UpgExecution *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_execution_get_current_file     (UpgExecution *self);
UPG_AVAILABLE_IN_ALL
guint               upg_execution_get_current_line     (UpgExecution *self);
UPG_AVAILABLE_IN_ALL
guint               upg_execution_get_current_sequence (UpgExecution *self);
UPG_AVAILABLE_IN_ALL
GDateTime          *upg_execution_get_current_started  (UpgExecution *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_execution_get_current_task     (UpgExecution *self);

UPG_AVAILABLE_IN_ALL
char               *upg_format_duration            (gint64          ms);

UPG_AVAILABLE_IN_ALL
JsonArray          *upg_execution_get_confirmations (UpgExecution    *self);
UPG_AVAILABLE_IN_ALL
JsonArray          *upg_execution_get_check_skips  (UpgExecution      *self);

UPG_AVAILABLE_IN_ALL
JsonNode           *upg_execution_to_json          (UpgExecution      *self,
                                                    gboolean           with_steps);

G_END_DECLS
