/* upg-rate-estimate.c - a step's measured rate and the revised remaining time, as a value
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A snapshot: the executor revises the running step's estimate at every
 * sample, so the execution hands out copies (upg_execution_dup_rate_estimate())
 * rather than a value that changes under its reader.
 */
#include "config.h"

#include "upg-rate-estimate-private.h"

/**
 * UpgRateEstimate:
 *
 * The live calibration of a step (SPEC §3): once the measured rate of the
 * running step (or of the step an execution stopped in) replaced the
 * configured one, both rates and the execution's remaining time revised
 * with it. Get it with upg_execution_dup_rate_estimate().
 */
struct _UpgRateEstimate
{
  char      *step_id;
  char      *units;
  double     measured_rate;
  double     configured_rate;
  int        deviation_percent;
  gint64     eta_seconds;
  GDateTime *revised_at;
  GDateTime *updated_at;
};

G_DEFINE_BOXED_TYPE (UpgRateEstimate, upg_rate_estimate, upg_rate_estimate_copy, upg_rate_estimate_free)

/*
 * upg_rate_estimate_new:
 * @step_id: the step whose rate was measured
 * @units: (nullable): what the rates count: `statements`, `bytes` or
 *   `permille`
 * @measured_rate: the measured rate, in @units per second
 * @configured_rate: the rate the estimate assumed (0: none)
 * @deviation_percent: how far the measured rate is off the configured one
 * @eta_seconds: the execution's remaining seconds, or -1 if unknown
 * @revised_at: (nullable): when the measured rate replaced the configured one
 * @updated_at: (nullable): when @eta_seconds was computed
 *
 * Returns: (transfer full): a new estimate
 */
UpgRateEstimate *
upg_rate_estimate_new (const char *step_id,
                       const char *units,
                       double      measured_rate,
                       double      configured_rate,
                       int         deviation_percent,
                       gint64      eta_seconds,
                       GDateTime  *revised_at,
                       GDateTime  *updated_at)
{
  UpgRateEstimate *self = g_new0 (UpgRateEstimate, 1);

  self->step_id = g_strdup (step_id);
  self->units = g_strdup (units);
  self->measured_rate = measured_rate;
  self->configured_rate = configured_rate;
  self->deviation_percent = deviation_percent;
  self->eta_seconds = eta_seconds;
  self->revised_at = revised_at != NULL ? g_date_time_ref (revised_at) : NULL;
  self->updated_at = updated_at != NULL ? g_date_time_ref (updated_at) : NULL;
  return self;
}

/**
 * upg_rate_estimate_copy:
 * @self: an estimate
 *
 * Copies @self.
 *
 * Returns: (transfer full): a copy of @self, to free with
 *   upg_rate_estimate_free()
 */
UpgRateEstimate *
upg_rate_estimate_copy (const UpgRateEstimate *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return upg_rate_estimate_new (self->step_id, self->units, self->measured_rate, self->configured_rate,
                                self->deviation_percent, self->eta_seconds, self->revised_at, self->updated_at);
}

/**
 * upg_rate_estimate_free:
 * @self: (nullable): an estimate
 *
 * Frees @self (nothing for %NULL).
 */
void
upg_rate_estimate_free (UpgRateEstimate *self)
{
  if (self == NULL)
    return;
  g_free (self->step_id);
  g_free (self->units);
  g_clear_pointer (&self->revised_at, g_date_time_unref);
  g_clear_pointer (&self->updated_at, g_date_time_unref);
  g_free (self);
}

/**
 * upg_rate_estimate_get_step_id:
 * @self: an estimate
 *
 * Gets the id of the step whose rate was measured.
 *
 * Returns: (transfer none): the step's id
 */
const char *
upg_rate_estimate_get_step_id (const UpgRateEstimate *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->step_id;
}

/**
 * upg_rate_estimate_get_units:
 * @self: an estimate
 *
 * Gets what the rates count: `statements` (a SQL step), `bytes` (a tool
 * step with a `data_volume`) or `permille` (a tool step's reported
 * fraction).
 *
 * Returns: (transfer none) (nullable): the units
 */
const char *
upg_rate_estimate_get_units (const UpgRateEstimate *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->units;
}

/**
 * upg_rate_estimate_get_measured_rate:
 * @self: an estimate
 *
 * Gets the measured rate.
 *
 * Returns: the measured rate, in units per second
 */
double
upg_rate_estimate_get_measured_rate (const UpgRateEstimate *self)
{
  g_return_val_if_fail (self != NULL, 0.0);
  return self->measured_rate;
}

/**
 * upg_rate_estimate_get_configured_rate:
 * @self: an estimate
 *
 * Gets the rate the step's estimate assumed.
 *
 * Returns: the configured rate, in units per second (0: none)
 */
double
upg_rate_estimate_get_configured_rate (const UpgRateEstimate *self)
{
  g_return_val_if_fail (self != NULL, 0.0);
  return self->configured_rate;
}

/**
 * upg_rate_estimate_get_deviation_percent:
 * @self: an estimate
 *
 * Gets how far the measured rate is off the configured one.
 *
 * Returns: the deviation in percent, e.g. -19
 */
int
upg_rate_estimate_get_deviation_percent (const UpgRateEstimate *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->deviation_percent;
}

/**
 * upg_rate_estimate_get_eta_seconds:
 * @self: an estimate
 *
 * Gets the execution's remaining seconds as revised at
 * upg_rate_estimate_get_updated_at().
 *
 * Returns: the remaining seconds, or -1 if unknown
 */
gint64
upg_rate_estimate_get_eta_seconds (const UpgRateEstimate *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->eta_seconds;
}

/**
 * upg_rate_estimate_get_revised_at:
 * @self: an estimate
 *
 * Gets when the measured rate replaced the configured one.
 *
 * Returns: (transfer none) (nullable): the time
 */
GDateTime *
upg_rate_estimate_get_revised_at (const UpgRateEstimate *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->revised_at;
}

/**
 * upg_rate_estimate_get_updated_at:
 * @self: an estimate
 *
 * Gets when the remaining time was last computed.
 *
 * Returns: (transfer none) (nullable): the time
 */
GDateTime *
upg_rate_estimate_get_updated_at (const UpgRateEstimate *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->updated_at;
}
