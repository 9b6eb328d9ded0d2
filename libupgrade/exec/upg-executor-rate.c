/* upg-executor-rate.c - live calibration of the running step's estimate
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * SPEC §3: the estimate of a step comes from its configuration
 * (`data_volume / (rate × parallelism)`, `estimated_duration` or the
 * default); while the step runs, an UpgRateTracker compares the measured
 * rate with the configured one and, once they differ by more than 20 %,
 * the measured rate replaces it for the rest of the step. The execution's
 * ETA is the remaining time of the running step plus the estimates of the
 * steps after it. Units are SQL statements for a SQL step, the step's
 * `data_volume` (or a per-mille scale without one) for a tool step whose
 * plugin reports progress.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-executor-private.h"
#include "upg-journal-private.h"

/* Units of a tool step without `data_volume`: the plugin's done/total is
 * mapped onto this scale. */
#define TOOL_FRACTION_UNITS 1000

/* A revised estimate is written to the journal when it is revised, then
 * at most this often (never once per statement), and when the step ends. */
#define PERSIST_INTERVAL_US G_USEC_PER_SEC

typedef UpgRatePersisted Persisted;

static UpgExecutorClock test_clock;
static gpointer test_clock_data;

/*
 * upg_executor_set_test_clock:
 * @clock: (nullable): returns the current time in microseconds, or %NULL
 *   for the monotonic clock
 *
 * Test hook: makes the measured rates deterministic.
 */
void
upg_executor_set_test_clock (UpgExecutorClock clock,
                             gpointer         user_data)
{
  test_clock = clock;
  test_clock_data = user_data;
}

/* UPGRADE_TEST_CLOCK_TICK="<seconds>" (test-only, like
 * UPGRADE_TEST_CRASH_AT): every reading of the clock advances it by that
 * much, so a test driving upgradectl knows the measured rates. */
static gint64
env_clock_now_us (gint64 tick_us)
{
  static gint readings;

  return tick_us * g_atomic_int_add (&readings, 1);
}

static gint64
env_clock_tick_us (void)
{
  static gsize tick_us;

  if (g_once_init_enter (&tick_us))
    {
      const char *hook = g_getenv ("UPGRADE_TEST_CLOCK_TICK");
      guint64 seconds = 0;

      if (hook == NULL || !g_ascii_string_to_unsigned (hook, 10, 1, 86400, &seconds, NULL))
        seconds = 0;
      /* Stored +1 so that "no hook" is not the "not initialised yet" 0. */
      g_once_init_leave (&tick_us, (gsize) seconds * G_USEC_PER_SEC + 1);
    }
  return (gint64) tick_us - 1;
}

static gint64
clock_now_us (void)
{
  gint64 tick_us;

  if (test_clock != NULL)
    return test_clock (test_clock_data);
  tick_us = env_clock_tick_us ();
  return tick_us > 0 ? env_clock_now_us (tick_us) : g_get_monotonic_time ();
}

static guint64
step_units (UpgRunContext *ctx,
            UpgStep       *step)
{
  if (upg_step_get_kind (step) == UPG_STEP_KIND_SQL)
    return upg_sql_runner_count (ctx, step);
  if (upg_step_get_data_volume (step) > 0)
    return upg_step_get_data_volume (step);
  return TOOL_FRACTION_UNITS;
}

/* The configured rate as declared when the units are the data volume,
 * else the one implied by the step's estimated duration. */
static UpgRateTracker *
tracker_for_step (UpgRunContext *ctx,
                  UpgStep       *step)
{
  UpgEstimateSource source;
  guint64 seconds = upg_estimate_step_seconds (step, &source);
  guint64 units = step_units (ctx, step);

  if (source == UPG_ESTIMATE_SOURCE_VOLUME && upg_step_get_kind (step) != UPG_STEP_KIND_SQL)
    return upg_rate_tracker_new (units, upg_step_get_rate (step) * MAX (upg_step_get_parallelism (step), 1));
  return upg_rate_tracker_new_for_duration (units, (double) seconds);
}

static gint64
current_eta (UpgRunContext *ctx)
{
  double remaining;
  gint64 whole;

  if (ctx->rate_tracker == NULL)
    return -1;
  remaining = upg_rate_tracker_get_remaining_seconds (ctx->rate_tracker);
  if (remaining < 0.0)
    return -1;
  /* Rounded up: "<1s" only once nothing is left. */
  whole = (gint64) remaining;
  if ((double) whole < remaining)
    whole++;
  return whole + (gint64) ctx->later_steps_seconds;
}

static const char *
step_units_name (UpgStep *step)
{
  if (upg_step_get_kind (step) == UPG_STEP_KIND_SQL)
    return "statements";
  return upg_step_get_data_volume (step) > 0 ? "bytes" : "permille";
}

/* A journal that cannot take the estimate costs `status` elsewhere its
 * view of the calibration, not the run: warn and go on. */
static void
persist (UpgRunContext                *ctx,
         const UpgJournalRateEstimate *estimate)
{
  g_autoptr(GError) error = NULL;

  if (!upg_journal_set_rate_estimate (ctx->journal, upg_execution_get_id (ctx->execution), estimate, &error))
    upg_run_context_log (ctx, G_LOG_LEVEL_WARNING, _("execution %s: cannot record the revised estimate: %s"),
                         upg_execution_get_id (ctx->execution), error->message);
}

/* Writes the running step's estimate as the execution holds it. */
static void
persist_estimate (UpgRunContext *ctx,
                  Persisted     *persisted)
{
  g_autoptr(UpgRateEstimate) rate = upg_execution_dup_rate_estimate (ctx->execution);
  GDateTime *updated = upg_rate_estimate_get_updated_at (rate);
  UpgJournalRateEstimate estimate = {
    upg_rate_estimate_get_step_id (rate), upg_rate_estimate_get_units (rate),
    upg_rate_estimate_get_measured_rate (rate), upg_rate_estimate_get_configured_rate (rate),
    upg_rate_estimate_get_deviation_percent (rate), upg_rate_estimate_get_eta_seconds (rate),
    persisted->revised_at,
    updated != NULL ? g_date_time_to_unix (updated) * 1000 + g_date_time_get_microsecond (updated) / 1000
                    : persisted->revised_at,
  };

  persist (ctx, &estimate);
  persisted->written_us = g_get_monotonic_time ();
  persisted->dirty = FALSE;
}

/* Records the revised estimate in the execution (every sample: the live
 * status) and, throttled, in the journal (`status` of other processes). */
static void
record_estimate (UpgRunContext *ctx,
                 gint64         eta,
                 gboolean       revision)
{
  Persisted *persisted = ctx->rate_persisted;
  gint64 now_ms = upg_journal_get_now (ctx->journal);
  g_autoptr(GDateTime) revised_at = NULL;
  g_autoptr(GDateTime) updated_at = upg_journal_date_time_from_ms (now_ms);

  if (persisted == NULL)
    {
      persisted = g_new0 (Persisted, 1);
      persisted->revised_at = now_ms;
      ctx->rate_persisted = persisted;
    }
  revised_at = upg_journal_date_time_from_ms (persisted->revised_at);
  upg_execution_set_rate_estimate (ctx->execution, upg_step_get_id (ctx->rate_step), step_units_name (ctx->rate_step),
                                   upg_rate_tracker_get_measured_rate (ctx->rate_tracker),
                                   upg_rate_tracker_get_configured_rate (ctx->rate_tracker),
                                   upg_rate_tracker_get_deviation_percent (ctx->rate_tracker),
                                   eta, revised_at, updated_at);
  persisted->dirty = TRUE;
  if (revision || g_get_monotonic_time () - persisted->written_us >= PERSIST_INTERVAL_US)
    persist_estimate (ctx, persisted);
}

/*
 * upg_executor_rate_begin_step:
 * @later_seconds: estimated seconds of the steps after @step in this run
 *
 * Starts calibrating @step: a fresh tracker, no revision message, the
 * execution's ETA from the configured estimates.
 */
void
upg_executor_rate_begin_step (UpgRunContext *ctx,
                              UpgStep       *step,
                              guint64        later_seconds)
{
  g_clear_object (&ctx->rate_tracker);
  g_clear_pointer (&ctx->rate_persisted, g_free);
  ctx->rate_tracker = tracker_for_step (ctx, step);
  ctx->rate_step = step;
  ctx->rate_step_started_us = clock_now_us ();
  ctx->rate_statements_base = ctx->statements_done;
  ctx->later_steps_seconds = later_seconds;
  upg_execution_set_rate_message (ctx->execution, NULL);
  /* The estimate of an earlier step (or attempt) no longer holds. */
  if (upg_execution_has_rate_estimate (ctx->execution))
    {
      upg_execution_clear_rate_estimate (ctx->execution);
      persist (ctx, NULL);
    }
  upg_execution_set_progress (ctx->execution, ctx->statements_done, ctx->statements_total, current_eta (ctx));
}

/*
 * upg_executor_rate_end_step:
 *
 * Stops calibrating the step that just ended, writing its last revised
 * estimate if the throttle held it back: a step that stopped keeps it
 * for `status` (the next step, a resume or a success clears it).
 */
void
upg_executor_rate_end_step (UpgRunContext *ctx)
{
  Persisted *persisted = ctx->rate_tracker != NULL ? ctx->rate_persisted : NULL;

  if (persisted != NULL && persisted->dirty)
    persist_estimate (ctx, persisted);
  g_clear_object (&ctx->rate_tracker);
  g_clear_pointer (&ctx->rate_persisted, g_free);
  ctx->rate_step = NULL;
}

/*
 * upg_executor_rate_update:
 * @units_done: units of the running step done so far
 *
 * Feeds the tracker; when this sample revises the estimate, logs the
 * tracker's message once and records it in the execution.
 *
 * Returns: the execution's ETA in seconds, -1 if unknown
 */
gint64
upg_executor_rate_update (UpgRunContext *ctx,
                          guint64        units_done)
{
  double elapsed;

  if (ctx->rate_tracker == NULL)
    return -1;
  elapsed = (double) (clock_now_us () - ctx->rate_step_started_us) / G_USEC_PER_SEC;
  if (upg_rate_tracker_update (ctx->rate_tracker, units_done, elapsed))
    {
      g_autofree char *message = upg_rate_tracker_get_message (ctx->rate_tracker);
      const char *step_id = upg_step_get_id (ctx->rate_step);
      gint64 eta = current_eta (ctx);

      upg_run_context_log (ctx, G_LOG_LEVEL_INFO, _("execution %s: step %s: %s"),
                           upg_execution_get_id (ctx->execution), step_id, message);
      upg_execution_set_rate_message (ctx->execution, message);
      record_estimate (ctx, eta, TRUE);
      upg_executor_emit_rate_revised (ctx, step_id, message, eta);
      return eta;
    }
  if (upg_rate_tracker_is_revised (ctx->rate_tracker))
    {
      gint64 eta = current_eta (ctx);

      record_estimate (ctx, eta, FALSE);
      return eta;
    }
  return current_eta (ctx);
}

/*
 * upg_executor_rate_update_sql:
 *
 * Feeds the statements of the running SQL step done so far.
 *
 * Returns: the execution's ETA in seconds, -1 if unknown
 */
gint64
upg_executor_rate_update_sql (UpgRunContext *ctx)
{
  return upg_executor_rate_update (ctx, ctx->statements_done - ctx->rate_statements_base);
}

/*
 * upg_executor_rate_update_tool:
 * @done: what the plugin reports done
 * @total: what it reports in all (0: unknown)
 *
 * Maps a plugin's progress onto the running tool step's units and feeds
 * it.
 *
 * Returns: the execution's ETA in seconds, -1 if unknown
 */
gint64
upg_executor_rate_update_tool (UpgRunContext *ctx,
                               guint64        done,
                               guint64        total)
{
  guint64 units;

  if (ctx->rate_tracker == NULL || total == 0)
    return -1;
  units = (guint64) ((double) upg_rate_tracker_get_total_units (ctx->rate_tracker) * MIN (done, total) / total);
  return upg_executor_rate_update (ctx, units);
}
