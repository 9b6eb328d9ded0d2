/* upg-execution-private.h - the fields of UpgExecution, for its own files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-breakpoint-private.h"
#include "upg-execution.h"
#include "upg-execution-update-private.h"

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

  UpgBreakpoint      *breakpoint;       /* NULL: none */

  guint               statements_done;
  guint               statements_total;
  gint64              eta_seconds;
  char               *rate_message;

  /* The running step's live calibration (upg-execution-rate.c). */
  char               *rate_step_id;     /* NULL: none revised */
  char               *rate_units;
  double              rate_measured;
  double              rate_configured;
  int                 rate_deviation;
  gint64              rate_eta_seconds;
  GDateTime          *rate_revised_at;
  GDateTime          *rate_updated_at;
};

/* Drops the live calibration's data; an inline here so that finalize,
 * in upg-execution.c, need not call into upg-execution-rate.c (which
 * depends on the type it defines). */
static inline void
upg_execution_reset_rate_fields (UpgExecution *self)
{
  g_clear_pointer (&self->rate_step_id, g_free);
  g_clear_pointer (&self->rate_units, g_free);
  g_clear_pointer (&self->rate_revised_at, g_date_time_unref);
  g_clear_pointer (&self->rate_updated_at, g_date_time_unref);
  self->rate_measured = 0.0;
  self->rate_configured = 0.0;
  self->rate_deviation = 0;
  self->rate_eta_seconds = -1;
}

G_END_DECLS
