/* upg-execution-rate.c - the running step's live calibration (SPEC §3)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Once the measured rate of the running step replaced the configured one,
 * the executor records the step, both rates and the execution's revised
 * remaining time here and in the journal (schema v4), so that `status`
 * shows them from any process: the one running the stage reads them from
 * memory, every other one from the journal record.
 */
#include "config.h"

#include "upg-execution-private.h"
#include "upg-rate-estimate-private.h"

/*
 * upg_execution_set_rate_estimate:
 * @self: an execution
 * @step_id: the step whose rate was measured
 * @units: what the rates count: `statements` (a SQL step), `bytes` (a
 *   tool step with a `data_volume`) or `permille` (a tool step's reported
 *   fraction)
 * @measured_rate: the measured rate, in @units per second
 * @configured_rate: the rate the estimate assumed, in @units per second
 *   (0: none)
 * @deviation_percent: how far the measured rate is off the configured
 *   one, e.g. `-19`
 * @eta_seconds: the execution's remaining seconds at the measured rate,
 *   or -1 if unknown
 * @revised_at: (nullable): when the measured rate replaced the
 *   configured one
 * @updated_at: (nullable): when @eta_seconds was computed
 *
 * Records that the measured rate of the running step replaced the
 * configured one, and the remaining time revised with it.
 */
void
upg_execution_set_rate_estimate (UpgExecution *self,
                                 const char   *step_id,
                                 const char   *units,
                                 double        measured_rate,
                                 double        configured_rate,
                                 int           deviation_percent,
                                 gint64        eta_seconds,
                                 GDateTime    *revised_at,
                                 GDateTime    *updated_at)
{
  g_return_if_fail (UPG_IS_EXECUTION (self));
  g_return_if_fail (step_id != NULL);

  /* The new value first: @step_id may be the old value's own string. */
  {
    UpgRateEstimate *rate = upg_rate_estimate_new (step_id, units, measured_rate, configured_rate,
                                                   deviation_percent, eta_seconds, revised_at, updated_at);

    upg_execution_clear_rate_estimate (self);
    self->rate = rate;
  }
}

/*
 * upg_execution_clear_rate_estimate:
 * @self: an execution
 *
 * Forgets the live calibration (a new step starts from its configured
 * estimate).
 */
void
upg_execution_clear_rate_estimate (UpgExecution *self)
{
  g_return_if_fail (UPG_IS_EXECUTION (self));

  g_clear_pointer (&self->rate, upg_rate_estimate_free);
}

/**
 * upg_execution_has_rate_estimate:
 * @self: an execution
 *
 * Tells whether the duration estimate of the current step is based on the
 * measured rate.
 *
 * Returns: %TRUE once the measured rate of the running step (or of the
 *   step the execution stopped in) replaced the configured one
 */
gboolean
upg_execution_has_rate_estimate (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), FALSE);
  return self->rate != NULL;
}

/**
 * upg_execution_dup_rate_estimate:
 * @self: an execution
 *
 * Gets the live calibration of the running step (or of the step the
 * execution stopped in), as it is now. A copy: while a step runs the
 * executor revises it at every sample.
 *
 * Returns: (transfer full) (nullable): the estimate, to free with
 *   upg_rate_estimate_free(), or %NULL while none replaced the configured
 *   one (see upg_execution_has_rate_estimate())
 */
UpgRateEstimate *
upg_execution_dup_rate_estimate (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);

  return self->rate != NULL ? upg_rate_estimate_copy (self->rate) : NULL;
}

/**
 * upg_execution_get_rate_step_id:
 * @self: an execution
 *
 * Gets the step whose rate was measured.
 *
 * Returns: (transfer none) (nullable): the step whose rate was measured
 *
 * Deprecated: 1.0: Use upg_execution_dup_rate_estimate() and
 *   upg_rate_estimate_get_step_id().
 */
const char *
upg_execution_get_rate_step_id (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->rate != NULL ? upg_rate_estimate_get_step_id (self->rate) : NULL;
}

/**
 * upg_execution_get_rate_units:
 * @self: an execution
 *
 * Gets what the rates count.
 *
 * Returns: (transfer none) (nullable): what the rates count:
 *   `statements`, `bytes` or `permille`
 *
 * Deprecated: 1.0: Use upg_execution_dup_rate_estimate() and
 *   upg_rate_estimate_get_units().
 */
const char *
upg_execution_get_rate_units (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->rate != NULL ? upg_rate_estimate_get_units (self->rate) : NULL;
}

/**
 * upg_execution_get_measured_rate:
 * @self: an execution
 *
 * Gets the measured rate in units per second.
 *
 * Returns: the measured rate in units per second (0 without an estimate)
 *
 * Deprecated: 1.0: Use upg_execution_dup_rate_estimate() and
 *   upg_rate_estimate_get_measured_rate().
 */
double
upg_execution_get_measured_rate (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), 0.0);
  return self->rate != NULL ? upg_rate_estimate_get_measured_rate (self->rate) : 0.0;
}

/**
 * upg_execution_get_configured_rate:
 * @self: an execution
 *
 * Gets the configured rate in units per second.
 *
 * Returns: the configured rate in units per second (0: none)
 *
 * Deprecated: 1.0: Use upg_execution_dup_rate_estimate() and
 *   upg_rate_estimate_get_configured_rate().
 */
double
upg_execution_get_configured_rate (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), 0.0);
  return self->rate != NULL ? upg_rate_estimate_get_configured_rate (self->rate) : 0.0;
}

/**
 * upg_execution_get_rate_deviation_percent:
 * @self: an execution
 *
 * Gets the measured rate's deviation from the configured one, in percent.
 *
 * Returns: the measured rate's deviation from the configured one, in
 *   percent
 *
 * Deprecated: 1.0: Use upg_execution_dup_rate_estimate() and
 *   upg_rate_estimate_get_deviation_percent().
 */
int
upg_execution_get_rate_deviation_percent (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), 0);
  return self->rate != NULL ? upg_rate_estimate_get_deviation_percent (self->rate) : 0;
}

/**
 * upg_execution_get_rate_eta_seconds:
 * @self: an execution
 *
 * Gets the execution's remaining seconds as revised at
 * upg_execution_get_rate_updated_at(), or -1 if unknown.
 *
 * Returns: the execution's remaining seconds as revised at
 *   upg_execution_get_rate_updated_at(), or -1 if unknown
 *
 * Deprecated: 1.0: Use upg_execution_dup_rate_estimate() and
 *   upg_rate_estimate_get_eta_seconds().
 */
gint64
upg_execution_get_rate_eta_seconds (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), -1);
  return self->rate != NULL ? upg_rate_estimate_get_eta_seconds (self->rate) : -1;
}

/**
 * upg_execution_get_rate_revised_at:
 * @self: an execution
 *
 * Gets when the measured rate replaced the configured one.
 *
 * Returns: (transfer none) (nullable): when the measured rate replaced
 *   the configured one
 *
 * Deprecated: 1.0: Use upg_execution_dup_rate_estimate() and
 *   upg_rate_estimate_get_revised_at().
 */
GDateTime *
upg_execution_get_rate_revised_at (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->rate != NULL ? upg_rate_estimate_get_revised_at (self->rate) : NULL;
}

/**
 * upg_execution_get_rate_updated_at:
 * @self: an execution
 *
 * Gets when the remaining time was last computed.
 *
 * Returns: (transfer none) (nullable): when the remaining time was last
 *   computed
 *
 * Deprecated: 1.0: Use upg_execution_dup_rate_estimate() and
 *   upg_rate_estimate_get_updated_at().
 */
GDateTime *
upg_execution_get_rate_updated_at (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->rate != NULL ? upg_rate_estimate_get_updated_at (self->rate) : NULL;
}
