/* upg-executor-signals.c - signals of a run, emitted where the caller lives
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A stage runs in a worker thread (GTask), but the signals of its UpgRun must
 * reach their handlers in the main context of the thread that started the
 * run (a GTK or libsoup main loop is not thread-safe). Each emission copies
 * its arguments into a SignalEmission and queues it, in order, on the run's
 * UpgSignalQueue; one source in the owner context at a time drains the
 * queue (in the sync API, where the caller's thread owns that context and
 * runs the stage, the emission runs at once). A source per emission,
 * thousands a second for the per-statement signals, made every iteration
 * of the owner's main loop walk them all and woke it for each one.
 *
 * The per-statement signals (log, statement-finished, progress,
 * migration-progress) wait up to COALESCE_USEC for the ones after them:
 * woken for each statement, the service's main thread spent more on
 * waking up than on the signals (~6,000 wake-ups a second at 30,000
 * statements a second). The others (a step starts or ends, the rate is
 * revised) make the source due at once, with everything queued before
 * them, and so does the end of the run (upg_signal_queue_flush()): what
 * the worker hands to the owner context after that, the run's end,
 * comes after its signals.
 */
#include "config.h"

#include "upg-executor-private.h"
#include "upg-run-private.h"

/* How long a per-statement emission waits for others to share the owner
 * context's wake-up: at most one wake-up a millisecond for them. Tests
 * make it long (UPGRADE_TEST_SIGNAL_DELAY_MS), so that a signal that
 * should have been made due at once, and was not, comes visibly late. */
#define COALESCE_USEC 1000

typedef struct
{
  UpgRun      *run;
  guint        signal;
  char        *s1;
  char        *s2;
  char        *s3;
  gint64       i1;
  gint64       i2;
  gint64       i3;
  JsonObject  *object;
  int          status;    /* UpgStepStatus or UpgStatementStatus */
} SignalEmission;

static void
signal_emission_free (gpointer data)
{
  SignalEmission *emission = data;

  g_object_unref (emission->run);
  g_free (emission->s1);
  g_free (emission->s2);
  g_free (emission->s3);
  g_clear_pointer (&emission->object, json_object_unref);
  g_free (emission);
}

static gboolean
signal_emission_run (gpointer data)
{
  SignalEmission *e = data;
  guint id = upg_run_signals[e->signal];

  switch (e->signal)
    {
    case UPG_RUN_SIGNAL_EXECUTION_STARTED:
    case UPG_RUN_SIGNAL_LOG:
      g_signal_emit (e->run, id, 0, e->s1);
      break;
    case UPG_RUN_SIGNAL_STEP_STARTED:
      g_signal_emit (e->run, id, 0, e->s1, e->s2);
      break;
    case UPG_RUN_SIGNAL_STEP_FINISHED:
      g_signal_emit (e->run, id, 0, e->s1, e->s2, (UpgStepStatus) e->status, e->i1, e->s3);
      break;
    case UPG_RUN_SIGNAL_STATEMENT_FINISHED:
      g_signal_emit (e->run, id, 0, e->s1, (guint) e->i1, (guint) e->i2,
                     (UpgStatementStatus) e->status, e->i3);
      break;
    case UPG_RUN_SIGNAL_RATE_REVISED:
      g_signal_emit (e->run, id, 0, e->s1, e->s2, e->i1);
      break;
    case UPG_RUN_SIGNAL_PROGRESS:
      g_signal_emit (e->run, id, 0, (guint) e->i1, (guint) e->i2, e->s1, e->i3);
      break;
    case UPG_RUN_SIGNAL_MIGRATION_PROGRESS:
      g_signal_emit (e->run, id, 0, e->object);
      break;
    default:
      g_assert_not_reached ();
    }
  return G_SOURCE_REMOVE;
}

/* Whether @signal has a handler: the per-statement signals (log,
 * statement-finished, progress) cost a copy and a main-context dispatch
 * each, for nobody when nothing listens (an embedding, a CI hook). A
 * handler connected during the run sees the emissions after it. */
static gboolean
wanted (UpgRunContext *ctx,
        guint          signal)
{
  return g_signal_has_handler_pending (ctx->run, upg_run_signals[signal], 0, TRUE);
}

static SignalEmission *
signal_emission_new (UpgRunContext *ctx,
                     guint          signal)
{
  SignalEmission *emission = g_new0 (SignalEmission, 1);

  emission->run = g_object_ref (ctx->run);
  emission->signal = signal;
  return emission;
}

struct _UpgSignalQueue
{
  gatomicrefcount ref_count;
  GMutex          lock;
  GQueue          pending;     /* SignalEmission, oldest first */
  GSource        *drain;       /* (nullable): attached to the owner context while
                                * emissions wait; owned by that context; its
                                * ready time is 0 once due, and only set with
                                * the lock held */
  gint64          delay_usec;  /* COALESCE_USEC, or the tests' */
};

UpgSignalQueue *
upg_signal_queue_new (void)
{
  UpgSignalQueue *queue = g_new0 (UpgSignalQueue, 1);

  g_atomic_ref_count_init (&queue->ref_count);
  g_mutex_init (&queue->lock);
  g_queue_init (&queue->pending);
  queue->delay_usec = COALESCE_USEC;
  if (g_getenv ("UPGRADE_TEST_SIGNAL_DELAY_MS") != NULL)
    queue->delay_usec = g_ascii_strtoll (g_getenv ("UPGRADE_TEST_SIGNAL_DELAY_MS"), NULL, 10) * 1000;
  return queue;
}

static UpgSignalQueue *
upg_signal_queue_ref (UpgSignalQueue *queue)
{
  g_atomic_ref_count_inc (&queue->ref_count);
  return queue;
}

void
upg_signal_queue_unref (UpgSignalQueue *queue)
{
  if (!g_atomic_ref_count_dec (&queue->ref_count))
    return;
  g_queue_clear_full (&queue->pending, signal_emission_free);
  g_mutex_clear (&queue->lock);
  g_free (queue);
}

/* In the owner context: every emission queued, in order. All of them, so
 * that nothing queued before the run's end waits for another wake-up. The
 * batch is what arrived since the source became due. */
static gboolean
signal_queue_drain (gpointer data)
{
  UpgSignalQueue *queue = data;
  GSource *current = g_main_current_source ();

  for (;;)
    {
      SignalEmission *emission;

      g_mutex_lock (&queue->lock);
      emission = g_queue_pop_head (&queue->pending);
      /* Emptied: the next emission attaches a source again. Not when the
       * owner's thread emitted at once (the sync API) while a source
       * attached from another thread waits: that source is not this. */
      if (emission == NULL && queue->drain == current)
        queue->drain = NULL;
      g_mutex_unlock (&queue->lock);
      if (emission == NULL)
        return G_SOURCE_REMOVE;
      signal_emission_run (emission);
      signal_emission_free (emission);
    }
}

static gboolean
drain_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     data)
{
  return callback (data);
}

/* Ready only by its ready time: at once, or after the delay. */
static GSourceFuncs drain_source_funcs = {
  .dispatch = drain_source_dispatch,
};

/* With @queue's lock held. The owner context keeps the only reference;
 * queue->drain is cleared before the source is removed. */
static void
attach_drain (UpgSignalQueue *queue,
              GMainContext   *owner,
              gboolean        coalesce)
{
  GSource *source = g_source_new (&drain_source_funcs, sizeof (GSource));

  g_source_set_static_name (source, "[libupgrade] run signals");
  g_source_set_callback (source, signal_queue_drain, upg_signal_queue_ref (queue),
                         (GDestroyNotify) upg_signal_queue_unref);
  g_source_set_ready_time (source, coalesce ? g_get_monotonic_time () + queue->delay_usec : 0);
  queue->drain = source;
  g_source_attach (source, owner);
  g_source_unref (source);
}

/* With @queue's lock held: the waiting emissions go at the next
 * iteration of the owner context. */
static void
drain_due_now (UpgSignalQueue *queue)
{
  if (queue->drain != NULL && g_source_get_ready_time (queue->drain) != 0)
    g_source_set_ready_time (queue->drain, 0);
}

/**
 * upg_signal_queue_flush:
 * @queue: a run's signal queue
 *
 * Makes the emissions that wait for the owner context due at once: called
 * by the worker before it hands the run's end to that context, which must
 * see them first.
 */
void
upg_signal_queue_flush (UpgSignalQueue *queue)
{
  g_mutex_lock (&queue->lock);
  drain_due_now (queue);
  g_mutex_unlock (&queue->lock);
}

/* Queues @emission; @coalesce for the per-statement signals, which may
 * wait for the ones after them. The context's lock is taken with the
 * queue's, never the other way round: the drain runs without the
 * context's lock. */
static void
signal_emission_send_full (UpgRunContext  *ctx,
                           SignalEmission *emission,
                           gboolean        coalesce)
{
  UpgSignalQueue *queue = ctx->signals;
  gboolean here = FALSE;

  g_mutex_lock (&queue->lock);
  g_queue_push_tail (&queue->pending, emission);
  /* The owner's own thread (the sync API) emits at once, with whatever
   * another thread queued before (the watchdog's log line): that source
   * would wait for the caller to iterate its context, after the run, and
   * hold back every emission behind it. */
  if (g_main_context_is_owner (ctx->owner_context))
    here = TRUE;
  else if (queue->drain != NULL)
    {
      if (!coalesce)
        drain_due_now (queue);
    }
  else
    attach_drain (queue, ctx->owner_context, coalesce);
  g_mutex_unlock (&queue->lock);
  if (here)
    signal_queue_drain (queue);
}

static void
signal_emission_send (UpgRunContext  *ctx,
                      SignalEmission *emission)
{
  signal_emission_send_full (ctx, emission, FALSE);
}

static void
signal_emission_coalesce (UpgRunContext  *ctx,
                          SignalEmission *emission)
{
  signal_emission_send_full (ctx, emission, TRUE);
}

void
upg_executor_emit_execution_started (UpgRunContext *ctx)
{
  SignalEmission *e = signal_emission_new (ctx, UPG_RUN_SIGNAL_EXECUTION_STARTED);

  e->s1 = g_strdup (upg_execution_get_id (ctx->execution));
  signal_emission_send (ctx, e);
}

static void
emit_log (UpgRunContext *ctx,
          const char    *line)
{
  SignalEmission *e;

  if (!wanted (ctx, UPG_RUN_SIGNAL_LOG))
    return;
  e = signal_emission_new (ctx, UPG_RUN_SIGNAL_LOG);
  e->s1 = g_strdup (line);
  signal_emission_coalesce (ctx, e);
}

static char *
step_version_text (UpgStep *step)
{
  return upg_version_to_string (upg_step_get_version (step));
}

void
upg_executor_emit_step_started (UpgRunContext *ctx,
                                UpgStep       *step)
{
  SignalEmission *e = signal_emission_new (ctx, UPG_RUN_SIGNAL_STEP_STARTED);

  e->s1 = g_strdup (upg_step_get_id (step));
  e->s2 = step_version_text (step);
  signal_emission_send (ctx, e);
}

/* A check of a check stage ends like a step (upg-executor-checks.c). */
void
upg_executor_emit_check_finished (UpgRunContext *ctx,
                                  const char    *check_id,
                                  const char    *version,
                                  UpgStepStatus  status,
                                  const char    *message)
{
  SignalEmission *e = signal_emission_new (ctx, UPG_RUN_SIGNAL_STEP_FINISHED);

  e->s1 = g_strdup (check_id);
  e->s2 = g_strdup (version);
  e->status = status;
  e->s3 = g_strdup (message);
  e->i1 = 0;
  signal_emission_send (ctx, e);
}

void
upg_executor_emit_step_finished (UpgRunContext *ctx,
                                 UpgStep       *step,
                                 UpgStepStatus  status,
                                 gint64         duration_ms,
                                 const char    *message)
{
  SignalEmission *e = signal_emission_new (ctx, UPG_RUN_SIGNAL_STEP_FINISHED);

  e->s1 = g_strdup (upg_step_get_id (step));
  e->s2 = step_version_text (step);
  e->status = status;
  e->s3 = g_strdup (message);
  e->i1 = duration_ms;
  signal_emission_send (ctx, e);
}

static void
emit_statement_finished (UpgRunContext      *ctx,
                         UpgSqlStatement    *statement,
                         UpgStatementStatus  status,
                         gint64              duration_ms)
{
  SignalEmission *e;

  if (!wanted (ctx, UPG_RUN_SIGNAL_STATEMENT_FINISHED))
    return;
  e = signal_emission_new (ctx, UPG_RUN_SIGNAL_STATEMENT_FINISHED);
  e->s1 = g_strdup (upg_sql_statement_get_file (statement));
  e->status = status;
  e->i1 = upg_sql_statement_get_line (statement);
  e->i2 = upg_sql_statement_get_sequence (statement);
  e->i3 = duration_ms;
  signal_emission_coalesce (ctx, e);
}

static void
emit_rate_revised (UpgRunContext *ctx,
                   const char    *step_id,
                   const char    *message,
                   gint64         eta_seconds)
{
  SignalEmission *e = signal_emission_new (ctx, UPG_RUN_SIGNAL_RATE_REVISED);

  e->s1 = g_strdup (step_id);
  e->s2 = g_strdup (message);
  e->i1 = eta_seconds;
  signal_emission_send (ctx, e);
}

static void
emit_progress_eta (UpgRunContext *ctx,
                   const char    *position,
                   gint64         eta)
{
  SignalEmission *e;

  upg_execution_set_progress (ctx->execution, ctx->statements_done, ctx->statements_total, eta);
  if (!wanted (ctx, UPG_RUN_SIGNAL_PROGRESS))
    return;
  e = signal_emission_new (ctx, UPG_RUN_SIGNAL_PROGRESS);
  e->s1 = g_strdup (position);
  e->i1 = ctx->statements_done;
  e->i2 = ctx->statements_total;
  e->i3 = eta;
  signal_emission_coalesce (ctx, e);
}

/* The progress hook: a statement of the running SQL step finished. Feeds
 * the step's rate tracker, updates the execution's progress and ETA
 * (upg-executor-rate.c) and emits "progress". */
static void
emit_progress (UpgRunContext *ctx,
               const char    *position)
{
  emit_progress_eta (ctx, position, upg_executor_rate_update_sql (ctx));
}

/* The tool progress hook: the plugin of the running tool step reported
 * @done of @total. Feeds the step's rate tracker, updates the ETA and
 * emits "progress" with the position `<step id> <done>/<total>` (the
 * statement counts unchanged). */
static void
emit_tool_progress (UpgRunContext *ctx,
                    UpgStep       *step,
                    guint64        done,
                    guint64        total)
{
  g_autofree char *position = g_strdup_printf ("%s %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                                               upg_step_get_id (step), done, total);

  emit_progress_eta (ctx, position, upg_executor_rate_update_tool (ctx, done, total));
}

/* The migration progress hook: a batched migration committed batches
 * or changed state; @position says where it is (percent of keys, rows,
 * rows/s), @window the figures of its batch window. Its keys feed the
 * step's rate tracker, which revises the step's estimate and records it
 * for `status` (SPEC §3); the ETA shown is the migration's own,
 * @eta_seconds, which leaves the operator's pauses out. Emits "progress"
 * and "migration-progress". */
static void
emit_migration_progress (UpgRunContext *ctx,
                         const char    *position,
                         guint64        keys_done,
                         guint64        keys_total,
                         gint64         eta_seconds,
                         JsonObject    *window)
{
  SignalEmission *e;

  upg_executor_rate_update_tool (ctx, keys_done, keys_total);
  emit_progress_eta (ctx, position, eta_seconds);
  if (!wanted (ctx, UPG_RUN_SIGNAL_MIGRATION_PROGRESS))
    return;
  e = signal_emission_new (ctx, UPG_RUN_SIGNAL_MIGRATION_PROGRESS);
  e->object = json_object_ref (window);
  signal_emission_coalesce (ctx, e);
}

const UpgRunHooks upg_executor_run_hooks = {
  .log = emit_log,
  .statement_finished = emit_statement_finished,
  .progress = emit_progress,
  .tool_progress = emit_tool_progress,
  .rate_revised = emit_rate_revised,
  .migration_progress = emit_migration_progress,
};
