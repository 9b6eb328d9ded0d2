/* upg-batched-migration-runner.c - runs a batched_migration step
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Walks the key range of a table (min and max of the key when the
 * migration first started, kept in the target's checkpoint) in keyset
 * batches: the step's SQL runs with `:start`/`:end` bound to the batch's
 * keys, in one transaction with the statement that advances the
 * checkpoint, so a batch is applied exactly once whatever happens to the
 * process (kill -9 before or after the commit: the checkpoint says).
 *
 * Pacing, between batches (the pacing of pt-online-schema-change's
 * --chunk-time and --max-load, GitLab's batch optimizer):
 * - the batch size starts at `batch_size` and is scaled by
 *   target_batch_seconds / the batch's time, by at most ×2 or ÷2 per batch;
 * - `max_rows_per_second` sleeps until the rows done fit the cap;
 * - the `throttle` query is read; while its value is above `max` the
 *   migration waits `pause_seconds` and reads it again;
 * - the operator's control (`upgradectl migrations pause|resume|cancel`,
 *   a row of the journal) is read: pause waits for resume, cancel stops
 *   with the checkpoint kept (the execution is INTERRUPTED, resumable).
 * A batch that times out (the step's `timeout`, a statement timeout in
 * the server) is rolled back, split in two and retried; any other failure
 * is retried `retry_count` times (reconnecting after a lost connection),
 * then stops the step with a breakpoint naming the key range and the
 * server's error. The rate (rows/s) includes the throttle's waits, so that
 * the ETA stays true while the throttle keeps tripping; the operator's
 * pauses are left out of both.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "upg-batched-migration-private.h"
#include "upg-data-source-private.h"
#include "upg-executor-private.h"
#include "upg-journal-migrations-private.h"
#include "upg-step-private.h"

#define MAX_BATCH_SIZE G_GINT64_CONSTANT (1000000000)
#define RATE_WINDOW 32                       /* batches the shown rate is measured over */
#define ETA_WINDOW_US (60 * G_USEC_PER_SEC)  /* active time the ETA's rate is measured over */
#define ETA_SAMPLES 1024
#define ETA_SPACING_US (G_USEC_PER_SEC / 10) /* 600 samples span the window */
#define SAVE_INTERVAL_US (G_USEC_PER_SEC / 4) /* journal row, progress signal */
#define CONTROL_POLL_US (G_USEC_PER_SEC / 5)  /* while paused by the operator */

typedef struct {
  gint64 active_us;
  gint64 keys;
  gint64 rows;
} Sample;

typedef struct {
  UpgRunContext                 *ctx;
  UpgStep                       *step;
  const UpgBatchedMigrationSpec *spec;
  UpgConnection                 *conn;       /* unowned: ctx->connections */
  char                          *id;
  char                          *version;
  UpgMigrationCheckpoint         cp;
  gint64                         batch;
  gint64                         min_batch;
  gint64                         max_batch;
  gint64                         started_us;
  gint64                         operator_paused_us;
  gint64                         throttle_paused_us;
  gint64                         pauses;
  gint64                         throttle_pauses;
  char                          *pause_reason;
  const char                    *state;
  gint64                         run_start_rows;
  Sample                         window[RATE_WINDOW];
  guint                          n_samples;
  Sample                         eta_ring[ETA_SAMPLES];
  guint                          eta_first;
  guint                          eta_count;
  double                         rows_per_second;
  double                         keys_per_second;  /* over ETA_WINDOW_US: the ETA's */
  gint64                         started_at_ms;
  gint64                         last_save_us;
  char                          *error_text;
} Migration;

/* Integers go into translatable messages as text: a msgid cannot hold
 * G_GINT64_FORMAT. */
#define INT_TEXT(name, value) g_autofree char *name = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) (value))

static void
migration_clear (Migration *m)
{
  g_free (m->id);
  g_free (m->version);
  g_free (m->pause_reason);
  g_free (m->error_text);
}

/* Monotonic time less the operator's pauses: the clock of the rate. */
static gint64
active_now (Migration *m)
{
  return g_get_monotonic_time () - m->operator_paused_us;
}

static gint64
keys_left (Migration *m)
{
  return m->cp.key_next > m->cp.key_max ? 0 : m->cp.key_max - m->cp.key_next + 1;
}

static double
percent_done (Migration *m)
{
  double range = (double) m->cp.key_max - (double) m->cp.key_min + 1;

  return range <= 0 ? 100.0 : 100.0 * (double) (m->cp.key_next - m->cp.key_min) / range;
}

static gint64
eta_seconds (Migration *m)
{
  if (keys_left (m) == 0)
    return 0;
  if (m->keys_per_second <= 0)
    return -1;
  return (gint64) ((double) keys_left (m) / m->keys_per_second + 0.999);
}

/* The ETA's window: samples at least ETA_SPACING_US apart, the oldest
 * dropped once the next one is ETA_WINDOW_US old. */
static const Sample *
eta_sample (Migration *m,
            guint      i)
{
  return &m->eta_ring[(m->eta_first + i) % ETA_SAMPLES];
}

static void
add_eta_sample (Migration    *m,
                const Sample *s)
{
  if (m->eta_count > 0 && s->active_us - eta_sample (m, m->eta_count - 1)->active_us < ETA_SPACING_US)
    return;
  if (m->eta_count == ETA_SAMPLES)
    {
      m->eta_first = (m->eta_first + 1) % ETA_SAMPLES;
      m->eta_count--;
    }
  m->eta_ring[(m->eta_first + m->eta_count) % ETA_SAMPLES] = *s;
  m->eta_count++;
  while (m->eta_count > 2 && s->active_us - eta_sample (m, 1)->active_us >= ETA_WINDOW_US)
    {
      m->eta_first = (m->eta_first + 1) % ETA_SAMPLES;
      m->eta_count--;
    }
}

/* After each batch. Two rates: the rows/s shown (`migrations`, metrics)
 * over the last RATE_WINDOW batches, what the migration does now; and
 * the keys/s of the ETA over the last minute of active time. Both count
 * the throttle's waits (a throttle that trips half the time halves the
 * rate, and the ETA must say so) and leave the operator's pauses out.
 * The ETA's window is long against the throttle's period and a batch's
 * noise: over 32 batches (16 s at the default target) a throttle that
 * trips in bursts, or another process taking the CPU for a while, moved
 * the ETA by up to 40 % of the remaining time. */
static void
add_sample (Migration *m)
{
  Sample s = { active_now (m), m->cp.key_next, m->cp.rows_done };
  const Sample *oldest;
  double seconds;

  if (m->n_samples < RATE_WINDOW)
    m->window[m->n_samples++] = s;
  else
    {
      memmove (m->window, m->window + 1, sizeof (Sample) * (RATE_WINDOW - 1));
      m->window[RATE_WINDOW - 1] = s;
    }
  add_eta_sample (m, &s);
  oldest = &m->window[0];
  seconds = (double) (s.active_us - oldest->active_us) / G_USEC_PER_SEC;
  if (m->n_samples >= 2 && seconds > 0)
    m->rows_per_second = (double) (s.rows - oldest->rows) / seconds;
  oldest = eta_sample (m, 0);
  seconds = (double) (s.active_us - oldest->active_us) / G_USEC_PER_SEC;
  if (seconds > 0)
    m->keys_per_second = (double) (s.keys - oldest->keys) / seconds;
}

/* The figures of the batch window for UpgRun::migration-progress (the
 * WebSocket's `migration-progress` event). */
static JsonObject *
window_json (Migration *m,
             gint64     eta,
             gint64     paused_ms)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "id", m->id);
  json_object_set_string_member (o, "step_id", upg_step_get_id (m->step));
  json_object_set_string_member (o, "table", m->spec->table);
  json_object_set_string_member (o, "state", m->state);
  json_object_set_boolean_member (o, "paused", g_str_equal (m->state, "paused"));
  if (g_str_equal (m->state, "paused") && m->pause_reason != NULL)
    json_object_set_string_member (o, "pause_reason", m->pause_reason);
  else
    json_object_set_null_member (o, "pause_reason");
  json_object_set_int_member (o, "rows_done", m->cp.rows_done);
  json_object_set_int_member (o, "rows_per_second", (gint64) (m->rows_per_second + 0.5));
  json_object_set_int_member (o, "batch_size", m->batch);
  json_object_set_int_member (o, "batches", m->cp.batches);
  json_object_set_int_member (o, "keys_done", m->cp.key_next - m->cp.key_min);
  json_object_set_int_member (o, "keys_total", MAX (m->cp.key_max - m->cp.key_min + 1, 0));
  json_object_set_double_member (o, "progress_percent", percent_done (m));
  json_object_set_double_member (o, "paused_seconds", (double) paused_ms / 1000.0);
  json_object_set_int_member (o, "eta_seconds", eta);
  return o;
}

static gboolean
save (Migration   *m,
      gboolean     force,
      GError     **error)
{
  UpgRunContext *ctx = m->ctx;
  gint64 now = g_get_monotonic_time ();
  UpgJournalMigration row = {
    .id = m->id, .site_id = ctx->site_id, .execution_id = upg_execution_get_id (ctx->execution),
    .component = upg_step_get_component (m->step), .version = m->version, .step_id = upg_step_get_id (m->step),
    .database = m->spec->database, .table = m->spec->table, .state = m->state, .checkpoint = m->cp,
    .batch_size = m->batch, .min_batch_size = m->min_batch, .max_batch_size = m->max_batch,
    .rows_per_second = m->rows_per_second, .eta_seconds = eta_seconds (m),
    .paused_ms = (m->operator_paused_us + m->throttle_paused_us) / 1000, .pauses = m->pauses,
    .throttle_pauses = m->throttle_pauses, .pause_reason = m->pause_reason, .started_at = m->started_at_ms,
    .error = m->error_text,
  };

  if (!force && now - m->last_save_us < SAVE_INTERVAL_US)
    return TRUE;
  m->last_save_us = now;
  if (ctx->hooks->migration_progress != NULL)
    {
      INT_TEXT (rows, m->cp.rows_done);
      g_autofree char *position = g_strdup_printf (_("%s %.1f%% of keys, %s rows, %.0f rows/s"),
                                                   upg_step_get_id (m->step), percent_done (m), rows,
                                                   m->rows_per_second);
      g_autoptr(JsonObject) window = window_json (m, row.eta_seconds, row.paused_ms);

      ctx->hooks->migration_progress (ctx, position, m->cp.key_next - m->cp.key_min,
                                      MAX (m->cp.key_max - m->cp.key_min + 1, 0),
                                      row.eta_seconds < 0 ? -1 : row.eta_seconds + (gint64) ctx->later_steps_seconds,
                                      window);
    }
  return upg_journal_migration_save (ctx->journal, &row, error);
}

static void
set_state (Migration  *m,
           const char *state,
           const char *pause_reason)
{
  m->state = state;
  if (pause_reason != NULL)
    {
      g_free (m->pause_reason);
      m->pause_reason = g_strdup (pause_reason);
    }
}

/* Sleeps @us in short slices, so that a cancelled run stops at once. */
static gboolean
nap (Migration  *m,
     gint64      us,
     GError    **error)
{
  gint64 until = g_get_monotonic_time () + us;

  while (g_get_monotonic_time () < until)
    {
      if (g_cancellable_set_error_if_cancelled (m->ctx->cancellable, error))
        return FALSE;
      g_usleep (MIN (until - g_get_monotonic_time (), G_USEC_PER_SEC / 10));
    }
  return !g_cancellable_set_error_if_cancelled (m->ctx->cancellable, error);
}

static gboolean
cancelled_by_operator (Migration  *m,
                       GError    **error)
{
  INT_TEXT (at, m->cp.key_next);

  set_state (m, "cancelled", NULL);
  save (m, TRUE, NULL);
  upg_run_context_log (m->ctx, G_LOG_LEVEL_MESSAGE, _("%s: migration %s cancelled by the operator at key %s"),
                       upg_step_get_id (m->step), m->id, at);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
               _("migration %s (step %s) was cancelled by the operator at key %s; its checkpoint is kept:"
                 " run the stage again to continue"), m->id, upg_step_get_id (m->step), at);
  return FALSE;
}

/* Reads the operator's control; a pause waits here until resume or
 * cancel. */
static gboolean
obey_control (Migration  *m,
              GError    **error)
{
  g_autofree char *control = NULL;
  gint64 paused_at = 0;

  for (;;)
    {
      g_clear_pointer (&control, g_free);
      if (!upg_journal_migration_get_control (m->ctx->journal, m->id, &control, error))
        return FALSE;
      if (g_strcmp0 (control, "cancel") == 0)
        {
          if (paused_at != 0)
            m->operator_paused_us += g_get_monotonic_time () - paused_at;
          return cancelled_by_operator (m, error);
        }
      if (g_strcmp0 (control, "pause") != 0)
        break;
      if (paused_at == 0)
        {
          paused_at = g_get_monotonic_time ();
          m->pauses++;
          set_state (m, "paused", "operator");
          save (m, TRUE, NULL);
          upg_run_context_log (m->ctx, G_LOG_LEVEL_MESSAGE, _("%s: migration %s paused by the operator"),
                               upg_step_get_id (m->step), m->id);
        }
      if (!nap (m, CONTROL_POLL_US, error))
        {
          m->operator_paused_us += g_get_monotonic_time () - paused_at;
          return FALSE;
        }
    }
  if (paused_at != 0)
    {
      m->operator_paused_us += g_get_monotonic_time () - paused_at;
      set_state (m, "running", NULL);
      upg_run_context_log (m->ctx, G_LOG_LEVEL_MESSAGE, _("%s: migration %s resumed"),
                           upg_step_get_id (m->step), m->id);
    }
  if (control != NULL && !upg_journal_migration_clear_control (m->ctx->journal, m->id, error))
    return FALSE;
  return save (m, paused_at != 0, error);
}

static gboolean
read_throttle (Migration  *m,
               double     *value,
               GError    **error)
{
  UpgConnection *conn = upg_sql_runner_get_connection (m->ctx, m->spec->throttle_database, error);
  g_autoptr(UpgRows) rows = NULL;
  const char *text;

  if (conn == NULL)
    return FALSE;
  rows = upg_connection_query (conn, m->spec->throttle_sql, NULL, m->ctx->cancellable, error);
  if (rows == NULL)
    {
      g_prefix_error (error, _("%s: the throttle query failed: "), upg_step_get_id (m->step));
      return FALSE;
    }
  text = upg_rows_get_n_rows (rows) > 0 && upg_rows_get_n_columns (rows) > 0 ? upg_rows_get_value (rows, 0, 0)
                                                                            : NULL;
  *value = text != NULL ? g_ascii_strtod (text, NULL) : 0;
  return TRUE;
}

/* Waits while the throttle query's value is above its max. */
static gboolean
obey_throttle (Migration  *m,
               GError    **error)
{
  double value = 0;
  gboolean waited = FALSE;

  if (m->spec->throttle_sql == NULL)
    return TRUE;
  while (read_throttle (m, &value, error))
    {
      g_autofree char *reason = NULL;
      gint64 started;

      if (value <= m->spec->throttle_max)
        {
          if (waited)
            set_state (m, "running", NULL);
          return TRUE;
        }
      reason = g_strdup_printf (_("throttle: %g above %g"), value, m->spec->throttle_max);
      if (!waited)
        {
          m->throttle_pauses++;
          upg_run_context_log (m->ctx, G_LOG_LEVEL_INFO, "%s: %s, waiting %g s", upg_step_get_id (m->step),
                               reason, m->spec->pause_seconds);
        }
      waited = TRUE;
      set_state (m, "paused", reason);
      if (!save (m, TRUE, error))
        return FALSE;
      started = g_get_monotonic_time ();
      if (!nap (m, (gint64) (m->spec->pause_seconds * G_USEC_PER_SEC), error))
        return FALSE;
      m->throttle_paused_us += g_get_monotonic_time () - started;
      if (!obey_control (m, error))
        return FALSE;
    }
  return FALSE;
}

/* max_rows_per_second: waits until the rows of this run fit the cap. */
static gboolean
obey_rate_cap (Migration  *m,
               GError    **error)
{
  gint64 rows = m->cp.rows_done - m->run_start_rows;
  gint64 needed_us, elapsed_us;

  if (m->spec->max_rows_per_second == 0 || rows <= 0)
    return TRUE;
  needed_us = (gint64) ((double) rows * G_USEC_PER_SEC / (double) m->spec->max_rows_per_second);
  elapsed_us = active_now (m) - m->started_us;
  return needed_us <= elapsed_us || nap (m, needed_us - elapsed_us, error);
}

/* The next batch size: scaled towards the target time, ×2 / ÷2 at most. */
static void
adapt (Migration *m,
       gint64     span,
       double     seconds)
{
  double factor = m->spec->target_batch_seconds / MAX (seconds, 0.001);
  gint64 next;

  /* A short last batch says little about the size that was asked. */
  if (span < m->batch && factor > 1)
    return;
  factor = CLAMP (factor, 0.5, 2.0);
  next = CLAMP ((gint64) ((double) m->batch * factor + 0.5), 1, MAX_BATCH_SIZE);
  m->batch = next;
  m->min_batch = MIN (m->min_batch, next);
  m->max_batch = MAX (m->max_batch, next);
}

static UpgConnection *
connect_target (Migration  *m,
                gboolean    again,
                GError    **error)
{
  UpgRunContext *ctx = m->ctx;
  UpgConnection *conn;
  UpgRunTarget *target;
  guint timeout = upg_run_context_timeout (m->step);

  if (again && (conn = g_hash_table_lookup (ctx->connections, m->spec->database)) != NULL)
    {
      g_hash_table_remove (ctx->targets, conn);
      g_hash_table_remove (ctx->connections, m->spec->database);
    }
  conn = upg_sql_runner_get_connection (ctx, m->spec->database, error);
  if (conn == NULL)
    return NULL;
  target = upg_run_context_target (ctx, conn);
  if (target->statement_timeout != timeout)
    {
      if (!upg_connection_set_statement_timeout (conn, timeout, error))
        return NULL;
      target->statement_timeout = timeout;
    }
  return conn;
}

/* One batch and its checkpoint, in one transaction. */
static gboolean
run_batch (Migration  *m,
           gint64      start,
           gint64      end,
           char      **sql_out,
           GError    **error)
{
  UpgRunContext *ctx = m->ctx;
  g_autofree char *sql = upg_batched_migration_bind (m->spec->sql, start, end);
  g_autofree char *advance = NULL;
  /* Status shows the batch as the running "statement": a batch waiting
   * for a lock is where the migration is. */
  g_autofree char *task = g_strdup_printf ("%s.%s %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT " (batch %" G_GINT64_FORMAT
                                           ")", m->spec->table, m->spec->key, start, end, m->cp.batches + 1);
  gint64 rows = 0, moved = 0;

  ctx->statements_sent++;
  upg_run_context_maybe_crash (ctx, UPG_CRASH_BEFORE_SEND);
  upg_run_current_begin_task (ctx->current, upg_step_get_id (m->step), task, upg_journal_get_now (ctx->journal),
                              ctx->statements_done, ctx->statements_total,
                              upg_execution_get_eta_seconds (ctx->execution));
  if (!upg_connection_begin (m->conn, error))
    goto failed;
  if (!upg_connection_execute (m->conn, sql, &rows, ctx->cancellable, error))
    goto rollback;
  advance = upg_migration_checkpoint_advance_sql (m->id, start, end + 1, MAX (rows, 0),
                                                  upg_journal_get_now (ctx->journal));
  if (!upg_connection_execute (m->conn, advance, &moved, ctx->cancellable, error))
    goto rollback;
  if (moved != 1)
    {
      INT_TEXT (at, start);

      g_set_error (error, UPG_ERROR, UPG_ERROR_LOCKED,
                   _("the checkpoint of migration %s is no longer at key %s: another process runs it"), m->id, at);
      goto rollback;
    }
  upg_run_context_maybe_crash (ctx, UPG_CRASH_AFTER_EXECUTE_BEFORE_COMMIT);
  if (!upg_connection_commit (m->conn, error))
    goto failed;
  upg_run_current_end (ctx->current);
  upg_run_context_maybe_crash (ctx, UPG_CRASH_AFTER_COMMIT_BEFORE_JOURNAL);
  m->cp.key_next = end + 1;
  m->cp.rows_done += MAX (rows, 0);
  m->cp.batches++;
  return TRUE;

rollback:
  upg_connection_rollback (m->conn, NULL);
failed:
  upg_run_current_end (ctx->current);
  *sql_out = g_steal_pointer (&sql);
  return FALSE;
}

static gboolean
fail_batch (Migration  *m,
            gint64      start,
            gint64      end,
            const char *sql,
            GError     *cause,
            GError    **error)
{
  const char *sqlstate = m->conn != NULL ? upg_connection_get_last_sqlstate (m->conn) : NULL;
  INT_TEXT (first, start);
  INT_TEXT (last, end);
  g_autofree char *message = g_strdup_printf (_("step %s: batch of %s keys %s to %s failed: %s"),
                                              upg_step_get_id (m->step), m->spec->table, first, last,
                                              cause->message);

  upg_execution_set_breakpoint (m->ctx->execution, upg_step_get_id (m->step), NULL, 0, 0, sql,
                                sqlstate != NULL ? sqlstate : upg_error_code_nick (cause), message);
  m->error_text = g_strdup (message);
  set_state (m, "failed", NULL);
  save (m, TRUE, NULL);
  g_set_error_literal (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, message);
  g_error_free (cause);
  return FALSE;
}

/* Runs the batch at the checkpoint, splitting it on timeouts and retrying
 * other failures; adapts the next batch size. */
static gboolean
next_batch (Migration  *m,
            GError    **error)
{
  guint attempts = 0;
  gint64 span = MIN (m->batch, keys_left (m));

  for (;;)
    {
      gint64 start = m->cp.key_next, end = start + span - 1;
      gint64 began = g_get_monotonic_time ();
      g_autoptr(GError) local_error = NULL;
      g_autofree char *sql = NULL;

      if (m->conn == NULL)
        {
          /* The reconnection after a failure failed too: wait, count it. */
          if (!nap (m, G_USEC_PER_SEC, error))
            return FALSE;
          m->conn = connect_target (m, TRUE, &local_error);
          if (m->conn == NULL
              || !upg_migration_checkpoint_open (m->conn, m->id, m->spec->table, m->spec->key,
                                                 upg_execution_get_id (m->ctx->execution),
                                                 upg_journal_get_now (m->ctx->journal), &m->cp, &local_error))
            {
              m->conn = NULL;
              if (attempts++ >= upg_step_get_retry_count (m->step))
                return fail_batch (m, start, end, NULL, g_steal_pointer (&local_error), error);
              continue;
            }
          if (m->cp.key_next != start)
            return TRUE;
        }
      if (run_batch (m, start, end, &sql, &local_error))
        {
          double seconds = (double) (g_get_monotonic_time () - began) / G_USEC_PER_SEC;

          upg_run_context_log (m->ctx, G_LOG_LEVEL_DEBUG, "%s: keys %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT
                               " in %.3f s", upg_step_get_id (m->step), start, end, seconds);
          adapt (m, span, seconds);
          return TRUE;
        }
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          || g_cancellable_is_cancelled (m->ctx->cancellable))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (g_error_matches (local_error, UPG_ERROR, UPG_ERROR_TIMEOUT) && span > 1)
        {
          span = (span + 1) / 2;
          m->batch = span;
          m->min_batch = MIN (m->min_batch, span);
          INT_TEXT (at, start);
          INT_TEXT (keys, span);

          upg_run_context_log (m->ctx, G_LOG_LEVEL_MESSAGE, _("%s: batch from key %s timed out (%s); retrying %s keys"),
                               upg_step_get_id (m->step), at, local_error->message, keys);
          continue;
        }
      if (attempts++ >= upg_step_get_retry_count (m->step))
        return fail_batch (m, start, end, sql, g_steal_pointer (&local_error), error);
      {
        INT_TEXT (at, start);

        upg_run_context_log (m->ctx, G_LOG_LEVEL_MESSAGE, _("%s: batch from key %s failed (%s); retrying (%u/%u)"),
                             upg_step_get_id (m->step), at, local_error->message, attempts,
                             upg_step_get_retry_count (m->step));
      }
      /* A lost connection may have taken the commit with it: the
       * checkpoint in the target says whether the batch counted. */
      g_clear_error (&local_error);
      m->conn = connect_target (m, TRUE, &local_error);
      if (m->conn == NULL
          || !upg_migration_checkpoint_open (m->conn, m->id, m->spec->table, m->spec->key,
                                             upg_execution_get_id (m->ctx->execution),
                                             upg_journal_get_now (m->ctx->journal), &m->cp, &local_error))
        {
          upg_run_context_log (m->ctx, G_LOG_LEVEL_MESSAGE, "%s: %s", upg_step_get_id (m->step),
                               local_error->message);
          m->conn = NULL;
          continue;
        }
      if (m->cp.key_next != start)
        return TRUE;
      span = MIN (span, keys_left (m));
    }
}

/* Only a transactional source can commit a batch with its checkpoint. */
static gboolean
check_source (UpgRunContext  *ctx,
              UpgStep        *step,
              const char     *name,
              GError        **error)
{
  UpgDataSource *source = upg_config_lookup_data_source (upg_executor_get_config (ctx->executor), name);
  UpgDialect dialect;

  if (source == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG, _("step %s: data source '%s' is not configured"),
                   upg_step_get_id (step), name);
      return FALSE;
    }
  dialect = upg_data_source_get_dialect (source);
  if ((dialect != UPG_DIALECT_SQLITE && dialect != UPG_DIALECT_MYSQL && dialect != UPG_DIALECT_POSTGRESQL)
      || upg_data_source_get_cnc (source) != NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG,
                   _("step %s: data source '%s' (%s) cannot run a batched migration: each batch must commit"
                     " with its checkpoint, which needs SQLite, MariaDB/MySQL or PostgreSQL"),
                   upg_step_get_id (step), name, upg_data_source_get_provider (source));
      return FALSE;
    }
  return TRUE;
}

/*
 * upg_batched_migration_runner_prepare:
 *
 * Refuses, before anything of the run happens (bad input), a migration
 * whose data source cannot commit a batch with its checkpoint.
 */
gboolean
upg_batched_migration_runner_prepare (UpgRunContext *ctx,
                                      UpgStep       *step,
                                      GError       **error)
{
  const UpgBatchedMigrationSpec *spec = upg_step_get_batched_migration (step);

  g_return_val_if_fail (spec != NULL, FALSE);
  return check_source (ctx, step, spec->database, error)
      && (spec->throttle_database == NULL || check_source (ctx, step, spec->throttle_database, error));
}

static gboolean
start (Migration  *m,
       GError    **error)
{
  UpgRunContext *ctx = m->ctx;

  if (!upg_batched_migration_runner_prepare (ctx, m->step, error))
    return FALSE;
  m->conn = connect_target (m, FALSE, error);
  if (m->conn == NULL
      || !upg_migration_checkpoint_open (m->conn, m->id, m->spec->table, m->spec->key,
                                         upg_execution_get_id (ctx->execution), upg_journal_get_now (ctx->journal),
                                         &m->cp, error))
    return FALSE;
  /* Running the stage is the operator's decision to run: an earlier
   * pause or cancel is forgotten. */
  if (!upg_journal_migration_clear_control (ctx->journal, m->id, error))
    return FALSE;
  m->run_start_rows = m->cp.rows_done;
  m->started_us = active_now (m);
  m->started_at_ms = upg_journal_get_now (ctx->journal);
  add_sample (m);
  {
    INT_TEXT (next, m->cp.key_next);
    INT_TEXT (rows, m->cp.rows_done);
    INT_TEXT (batches, m->cp.batches);
    INT_TEXT (first, m->cp.key_min);
    INT_TEXT (last, m->cp.key_max);

    if (m->cp.batches > 0)
      upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE, _("%s: migration %s continues at key %s (%s rows in %s batches"
                                                       " done)"), upg_step_get_id (m->step), m->id, next, rows,
                           batches);
    else
      upg_run_context_log (ctx, G_LOG_LEVEL_INFO, _("%s: migration %s of %s keys %s to %s"),
                           upg_step_get_id (m->step), m->id, m->spec->table, first, last);
  }
  set_state (m, "running", NULL);
  return save (m, TRUE, error);
}

static void
log_summary (Migration *m)
{
  double seconds = (double) (active_now (m) - m->started_us) / G_USEC_PER_SEC;
  INT_TEXT (rows, m->cp.rows_done);
  INT_TEXT (batches, m->cp.batches);
  INT_TEXT (pauses, m->pauses);
  INT_TEXT (throttled, m->throttle_pauses);

  upg_run_context_log (m->ctx, G_LOG_LEVEL_INFO,
                       _("%s: %s rows in %s batches, %.1f s in this run (%.1f s throttled, %.1f s paused by the"
                         " operator; %s operator pauses, %s throttle pauses)"),
                       upg_step_get_id (m->step), rows, batches, seconds,
                       (double) m->throttle_paused_us / G_USEC_PER_SEC,
                       (double) m->operator_paused_us / G_USEC_PER_SEC, pauses, throttled);
}

/*
 * upg_batched_migration_runner_run_step:
 *
 * Runs @step's batched migration from its checkpoint to the end of its
 * key range.
 */
gboolean
upg_batched_migration_runner_run_step (UpgRunContext *ctx,
                                       UpgStep       *step,
                                       GError       **error)
{
  Migration m = { .ctx = ctx, .step = step, .spec = upg_step_get_batched_migration (step) };
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  g_return_val_if_fail (m.spec != NULL, FALSE);
  m.version = upg_version_to_string (upg_step_get_version (step));
  m.id = upg_migration_id (ctx->site_id, upg_step_get_component (step), m.version, upg_step_get_id (step));
  m.batch = m.min_batch = m.max_batch = (gint64) m.spec->batch_size;
  m.state = "running";

  ok = start (&m, &local_error);
  while (ok && keys_left (&m) > 0)
    {
      ok = obey_control (&m, &local_error) && obey_throttle (&m, &local_error)
           && next_batch (&m, &local_error) && obey_rate_cap (&m, &local_error);
      if (ok)
        {
          add_sample (&m);
          ok = save (&m, FALSE, &local_error);
        }
    }
  if (ok)
    {
      set_state (&m, "done", NULL);
      ok = save (&m, TRUE, &local_error);
      log_summary (&m);
    }
  else if (g_str_equal (m.state, "running") || g_str_equal (m.state, "paused"))
    {
      /* SIGINT, SIGTERM, a journal error: the checkpoint stays, the run is
       * resumable; `migrations` says so while no process runs it. */
      gboolean cancelled = g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

      set_state (&m, cancelled ? "interrupted" : "failed", NULL);
      if (!cancelled)
        m.error_text = g_strdup (local_error->message);
      save (&m, TRUE, NULL);
      log_summary (&m);
    }
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  migration_clear (&m);
  return ok;
}
