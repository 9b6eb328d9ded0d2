/* upg-execution-private.h - the fields of UpgExecution, for its own files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-breakpoint-private.h"
#include "upg-execution.h"
#include "upg-execution-update-private.h"
#include "upg-rate-estimate-private.h"

G_BEGIN_DECLS

/* How a check with a warning is journaled: SUCCESS, this before its
 * message (upg_execution_get_check_verdict()). */
#define UPG_EXECUTION_CHECK_WARN_PREFIX "warn: "

typedef struct
{
  char          *id;
  char          *version;
  UpgStepStatus  status;
  gint64         duration_ms;
  char          *message;
} StepResult;

struct _UpgExecution
{
  GObject             parent_instance;

  char               *id;
  UpgExecutionStatus  status;
  UpgStage            stage;
  UpgVersion         *from;
  UpgVersion         *to;
  char               *site_id;
  gboolean            rollback;
  guint               resume_count;
  GDateTime          *started;
  GDateTime          *finished;
  char               *message;
  GPtrArray          *steps;            /* of StepResult */
  JsonArray          *notifications;    /* the journal's deliveries; NULL: not read */

  UpgBreakpoint      *breakpoint;       /* NULL: none */

  guint               statements_done;
  guint               statements_total;
  gint64              eta_seconds;
  char               *rate_message;

  /* The running step's live calibration (upg-execution-rate.c), as the
   * value upg_execution_dup_rate_estimate() copies; NULL: none revised. */
  UpgRateEstimate    *rate;

  /* Who confirmed its steps and who let it past unpassed checks
   * (upg-execution-approvals.c); NULL: not read. */
  JsonArray          *confirmations;
  JsonArray          *check_skips;

  /* The statement it is executing (upg-execution-current.c). */
  char               *current_step_id;  /* NULL: none */
  char               *current_file;
  guint               current_line;
  guint               current_sequence;
  GDateTime          *current_started;
  char               *current_task;     /* a command, a batch: not a statement of a file */
};

/* upg-execution-approvals.c */
void upg_execution_load_approvals     (UpgExecution *self,
                                       JsonObject   *record);
void upg_execution_add_approvals_json (UpgExecution *self,
                                       JsonBuilder  *builder);

/* Drops the running statement; an inline here so that finalize, in
 * upg-execution.c, need not call into upg-execution-current.c. */
static inline void
upg_execution_reset_current_fields (UpgExecution *self)
{
  g_clear_pointer (&self->current_step_id, g_free);
  g_clear_pointer (&self->current_file, g_free);
  g_clear_pointer (&self->current_started, g_date_time_unref);
  g_clear_pointer (&self->current_task, g_free);
  self->current_line = 0;
  self->current_sequence = 0;
}

G_END_DECLS
