/* upg-rate-tracker.c - live rate calibration of a running step
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * UpgRateTracker measures a step's actual rate while it runs and revises
 * its remaining time and ETA. Separate from upg-estimate.c, which
 * estimates a plan before it runs: the tracker follows one step during
 * the run and shares only the rounding with it.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-estimate-private.h"

/* Rounding without libm, which the library does not link for this. */
static int
round_to_int (double value)
{
  return value < 0.0 ? -(int) (-value + 0.5) : (int) (value + 0.5);
}

/**
 * UpgRateTracker:
 *
 * Follows a long step while it runs: fed with how many units (bytes, rows,
 * statements) are done after how many seconds, it measures the actual rate.
 * Once that rate differs from the configured one by more than
 * %UPG_RATE_TRACKER_DEVIATION it replaces it, and the remaining time and
 * ETA are computed from the measured rate from then on.
 *
 * The tracker reads no clock: callers pass elapsed seconds and "now", so
 * it is deterministic and can be tested with explicit timestamps.
 */
struct _UpgRateTracker
{
  GObject parent_instance;

  guint64  total_units;
  guint64  units_done;
  double   elapsed;
  double   configured_rate;
  double   measured_rate;
  gboolean revised;
};

G_DEFINE_FINAL_TYPE (UpgRateTracker, upg_rate_tracker, G_TYPE_OBJECT)

static void
upg_rate_tracker_class_init (UpgRateTrackerClass *klass)
{
}

static void
upg_rate_tracker_init (UpgRateTracker *self)
{
}

/**
 * upg_rate_tracker_new:
 * @total_units: units the step has to process; 0 when unknown
 * @configured_rate: units per second the estimate assumed (all workers
 *   together); 0 when there was no rate
 *
 * Creates a tracker that measures a step's processing rate and revises its
 * duration estimate.
 *
 * Returns: (transfer full): a new tracker
 */
UpgRateTracker *
upg_rate_tracker_new (guint64 total_units,
                      double  configured_rate)
{
  UpgRateTracker *self = g_object_new (UPG_TYPE_RATE_TRACKER, NULL);

  self->total_units = total_units;
  self->configured_rate = configured_rate > 0.0 ? configured_rate : 0.0;
  return self;
}

/**
 * upg_rate_tracker_new_for_duration:
 * @total_units: units the step has to process
 * @estimated_seconds: how long the estimate said the whole step takes
 *
 * Builds a tracker for a step whose estimate is a duration rather than a
 * rate (for instance an SQL step counted in statements): the configured
 * rate is @total_units / @estimated_seconds.
 *
 * Returns: (transfer full): a new tracker
 */
UpgRateTracker *
upg_rate_tracker_new_for_duration (guint64 total_units,
                                   double  estimated_seconds)
{
  double rate = estimated_seconds > 0.0 ? (double) total_units / estimated_seconds : 0.0;

  return upg_rate_tracker_new (total_units, rate);
}

/**
 * upg_rate_tracker_update:
 * @self: a #UpgRateTracker
 * @units_done: units processed since the step started
 * @elapsed_seconds: seconds since the step started
 *
 * Records progress. A sample with nothing done or no time elapsed says
 * nothing about the rate and only updates the counters; one taken before
 * %UPG_RATE_TRACKER_MIN_SECONDS measures the rate but does not revise the
 * estimate.
 *
 * Returns: %TRUE when this sample is the one that made the measured rate
 *   replace the configured one (the caller logs
 *   upg_rate_tracker_get_message() then), %FALSE otherwise
 */
gboolean
upg_rate_tracker_update (UpgRateTracker *self,
                         guint64         units_done,
                         double          elapsed_seconds)
{
  double deviation;

  g_return_val_if_fail (UPG_IS_RATE_TRACKER (self), FALSE);

  self->units_done = units_done;
  self->elapsed = elapsed_seconds;
  if (units_done == 0 || !(elapsed_seconds > 0.0))
    return FALSE;

  self->measured_rate = (double) units_done / elapsed_seconds;
  if (self->revised)
    return FALSE;
  /* Too short a sample to replace anything (see
   * UPG_RATE_TRACKER_MIN_SECONDS). */
  if (elapsed_seconds < UPG_RATE_TRACKER_MIN_SECONDS)
    return FALSE;

  /* Without a configured rate any measurement is better than nothing. */
  if (self->configured_rate == 0.0)
    {
      self->revised = TRUE;
      return TRUE;
    }

  deviation = ABS (self->measured_rate / self->configured_rate - 1.0);
  if (deviation <= UPG_RATE_TRACKER_DEVIATION)
    return FALSE;

  self->revised = TRUE;
  return TRUE;
}

/**
 * upg_rate_tracker_get_total_units:
 * @self: a #UpgRateTracker
 *
 * Gets the units the step has to process.
 *
 * Returns: the units the step has to process (0: unknown)
 */
guint64
upg_rate_tracker_get_total_units (UpgRateTracker *self)
{
  g_return_val_if_fail (UPG_IS_RATE_TRACKER (self), 0);
  return self->total_units;
}

/**
 * upg_rate_tracker_get_units_done:
 * @self: a #UpgRateTracker
 *
 * Gets the units done at the last update.
 *
 * Returns: the units done at the last update
 */
guint64
upg_rate_tracker_get_units_done (UpgRateTracker *self)
{
  g_return_val_if_fail (UPG_IS_RATE_TRACKER (self), 0);
  return self->units_done;
}

/**
 * upg_rate_tracker_get_configured_rate:
 * @self: a #UpgRateTracker
 *
 * Gets the rate the estimate assumed.
 *
 * Returns: the rate (units/s) the estimate assumed, 0 if none
 */
double
upg_rate_tracker_get_configured_rate (UpgRateTracker *self)
{
  g_return_val_if_fail (UPG_IS_RATE_TRACKER (self), 0.0);
  return self->configured_rate;
}

/**
 * upg_rate_tracker_get_measured_rate:
 * @self: a #UpgRateTracker
 *
 * Gets the rate measured at the last informative update.
 *
 * Returns: the rate (units/s) measured at the last informative update,
 *   0 before any
 */
double
upg_rate_tracker_get_measured_rate (UpgRateTracker *self)
{
  g_return_val_if_fail (UPG_IS_RATE_TRACKER (self), 0.0);
  return self->measured_rate;
}

/**
 * upg_rate_tracker_get_rate:
 * @self: a #UpgRateTracker
 *
 * Gets the rate the remaining time is computed from.
 *
 * Returns: the rate the remaining time is computed from: the measured one
 *   once revised, the configured one before
 */
double
upg_rate_tracker_get_rate (UpgRateTracker *self)
{
  g_return_val_if_fail (UPG_IS_RATE_TRACKER (self), 0.0);
  return self->revised ? self->measured_rate : self->configured_rate;
}

/**
 * upg_rate_tracker_is_revised:
 * @self: a #UpgRateTracker
 *
 * Tells whether the estimate now follows the measured rate.
 *
 * Returns: whether the measured rate has replaced the configured one
 */
gboolean
upg_rate_tracker_is_revised (UpgRateTracker *self)
{
  g_return_val_if_fail (UPG_IS_RATE_TRACKER (self), FALSE);
  return self->revised;
}

/**
 * upg_rate_tracker_get_deviation_percent:
 * @self: a #UpgRateTracker
 *
 * Gets how much faster or slower the measured rate is than the configured
 * one, in whole percent.
 *
 * Returns: how much faster (positive) or slower (negative) the measured
 *   rate is than the configured one, in whole percent; 0 when either is
 *   unknown
 */
int
upg_rate_tracker_get_deviation_percent (UpgRateTracker *self)
{
  g_return_val_if_fail (UPG_IS_RATE_TRACKER (self), 0);
  if (self->configured_rate == 0.0 || self->measured_rate == 0.0)
    return 0;
  return round_to_int ((self->measured_rate / self->configured_rate - 1.0) * 100.0);
}

/**
 * upg_rate_tracker_get_remaining_seconds:
 * @self: a #UpgRateTracker
 *
 * Gets seconds left at the current rate, or -1 when unknown.
 *
 * Returns: seconds left at the current rate, or -1 when unknown (no total
 *   or no rate)
 */
double
upg_rate_tracker_get_remaining_seconds (UpgRateTracker *self)
{
  double rate;

  g_return_val_if_fail (UPG_IS_RATE_TRACKER (self), -1.0);

  rate = upg_rate_tracker_get_rate (self);
  if (self->total_units == 0 || !(rate > 0.0))
    return -1.0;
  if (self->units_done >= self->total_units)
    return 0.0;
  return (double) (self->total_units - self->units_done) / rate;
}

/**
 * upg_rate_tracker_get_eta:
 * @self: a #UpgRateTracker
 * @now: the current time (passed in so the tracker stays clock-free)
 *
 * Gets when the step should end.
 *
 * Returns: (transfer full) (nullable): when the step should end, or %NULL
 *   when the remaining time is unknown
 */
GDateTime *
upg_rate_tracker_get_eta (UpgRateTracker *self,
                          GDateTime      *now)
{
  double remaining;

  g_return_val_if_fail (UPG_IS_RATE_TRACKER (self), NULL);
  g_return_val_if_fail (now != NULL, NULL);

  remaining = upg_rate_tracker_get_remaining_seconds (self);
  if (remaining < 0.0)
    return NULL;
  return g_date_time_add_seconds (now, (double) upg_estimate_ceil_positive (remaining));
}

/**
 * upg_rate_tracker_get_message:
 * @self: a #UpgRateTracker
 *
 * The line to log when the estimate was revised, for instance
 * `actual rate +12 % vs estimate, remaining revised`.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL while the
 *   configured rate still holds
 */
char *
upg_rate_tracker_get_message (UpgRateTracker *self)
{
  g_return_val_if_fail (UPG_IS_RATE_TRACKER (self), NULL);

  if (!self->revised)
    return NULL;
  if (self->configured_rate == 0.0)
    return g_strdup (_("actual rate measured, remaining revised"));
  /* TRANSLATORS: %+d is the signed deviation in percent, e.g. "+12" */
  return g_strdup_printf (_("actual rate %+d %% vs estimate, remaining revised"),
                          upg_rate_tracker_get_deviation_percent (self));
}
