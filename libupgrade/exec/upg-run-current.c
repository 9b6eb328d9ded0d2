/* upg-run-current.c - the statement a run is executing, and its watchdog
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Issue #12: a statement that commits with its marker leaves no RUNNING
 * record in the journal while it runs (upg-journal-batch.c), so while one
 * waited for another session's lock `status` showed no position and no
 * ETA. The SQL runner now says here which statement it sends and when it
 * came back: a mutex and a few stores, no allocation while the step and
 * file stay the same, nothing written anywhere. The run's caller (the
 * HTTP service, an embedding) reads it from memory at once
 * (upg_run_current_apply()). For `status` in another process a watchdog
 * thread journals a statement once it has run THRESHOLD_US, a single
 * write per long statement and none for the thousands of short ones,
 * and the statement's end clears it.
 */
#include "config.h"

#include "upg-run-current-private.h"

/* A statement running this long is journaled: past the time a round
 * trip and its bookkeeping take, short enough for an operator who asks. */
#define THRESHOLD_US G_USEC_PER_SEC

/* How often the idle watchdog looks; a statement is journaled at most
 * THRESHOLD_US + TICK_US after it was sent. */
#define TICK_US (G_USEC_PER_SEC / 2)

struct _UpgRunCurrent
{
  gatomicrefcount     ref_count;
  GMutex              lock;         /* everything below */
  GCond               cond;         /* the watchdog's stop */

  gboolean            active;       /* a statement is on its way */
  char               *step_id;
  char               *file;
  char               *task;         /* a command, a batch: file NULL */
  guint               line;
  guint               sequence;
  gint64              started_at_ms;  /* journal clock */
  gint64              started_us;     /* monotonic */
  guint               done;
  guint               total;
  gint64              eta_seconds;
  gboolean            noticed;      /* the watchdog handled this statement */
  gboolean            journaled;    /* ... and the journal holds it */
  gboolean            changed;      /* its task changed since it was journaled */
  gint64              rewritten_us; /* monotonic, last rewrite of a changed task, 0: none */

  UpgJournal         *journal;      /* while watched */
  char               *execution_id;
  UpgRunCurrentNotify notify;
  gpointer            notify_data;
  GThread            *thread;
  gboolean            stop;
};

UpgRunCurrent *
upg_run_current_new (void)
{
  UpgRunCurrent *self = g_new0 (UpgRunCurrent, 1);

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->eta_seconds = -1;
  return self;
}

UpgRunCurrent *
upg_run_current_ref (UpgRunCurrent *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
upg_run_current_unref (UpgRunCurrent *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_assert (self->thread == NULL);
  g_free (self->step_id);
  g_free (self->file);
  g_free (self->task);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

/* Keeps @copy equal to @text, allocating only when it changed (the step
 * and the file stay the same for many statements). */
static void
keep_text (char       **copy,
           const char  *text)
{
  if (g_strcmp0 (*copy, text) == 0)
    return;
  g_free (*copy);
  *copy = g_strdup (text);
}

/* With the lock held. */
static UpgJournalCurrentStatement
snapshot (UpgRunCurrent *self)
{
  UpgJournalCurrentStatement current = {
    self->step_id, self->file, self->task, self->line, self->sequence, self->started_at_ms, self->done,
    self->total, self->eta_seconds,
  };

  return current;
}

/* With the lock held: @file's statement or @task is on its way. */
static void
begin_locked (UpgRunCurrent *self,
              const char    *step_id,
              const char    *file,
              const char    *task,
              guint          line,
              guint          sequence,
              gint64         started_at_ms,
              guint          statements_done,
              guint          statements_total,
              gint64         eta_seconds)
{
  keep_text (&self->step_id, step_id);
  keep_text (&self->file, file);
  keep_text (&self->task, task);
  self->line = line;
  self->sequence = sequence;
  self->started_at_ms = started_at_ms;
  self->started_us = g_get_monotonic_time ();
  self->done = statements_done;
  self->total = statements_total;
  self->eta_seconds = eta_seconds;
  self->noticed = FALSE;
  self->journaled = FALSE;
  self->changed = FALSE;
  self->rewritten_us = 0;
  self->active = TRUE;
}

/*
 * upg_run_current_begin:
 * @started_at_ms: when it is sent, journal clock
 * @statements_done: statements of the stage done before it
 * @eta_seconds: the execution's remaining time as estimated now, -1:
 *   unknown
 *
 * The runner is sending this statement (or a group or block starting with
 * it).
 */
void
upg_run_current_begin (UpgRunCurrent *self,
                       const char    *step_id,
                       const char    *file,
                       guint          line,
                       guint          sequence,
                       gint64         started_at_ms,
                       guint          statements_done,
                       guint          statements_total,
                       gint64         eta_seconds)
{
  g_mutex_lock (&self->lock);
  begin_locked (self, step_id, file, NULL, line, sequence, started_at_ms, statements_done, statements_total,
                eta_seconds);
  g_mutex_unlock (&self->lock);
}

/*
 * upg_run_current_begin_task:
 * @task: what runs: a command line (secrets cut), a batch
 *
 * Like upg_run_current_begin() for what is not a statement of a file: a
 * command step's program, a batched migration's batch. Status shows it
 * and the watchdog journals it the same way.
 */
void
upg_run_current_begin_task (UpgRunCurrent *self,
                            const char    *step_id,
                            const char    *task,
                            gint64         started_at_ms,
                            guint          statements_done,
                            guint          statements_total,
                            gint64         eta_seconds)
{
  g_mutex_lock (&self->lock);
  begin_locked (self, step_id, NULL, task, 0, 0, started_at_ms, statements_done, statements_total, eta_seconds);
  g_mutex_unlock (&self->lock);
}

/* With the lock held: the journal gets the running task's new text. */
static void
rejournal (UpgRunCurrent *self,
           gint64         now_us)
{
  UpgJournalCurrentStatement current = snapshot (self);
  g_autoptr(GError) error = NULL;

  if (!upg_journal_set_current_statement (self->journal, self->execution_id, &current, &error))
    g_debug ("execution %s: cannot record the running task: %s", self->execution_id, error->message);
  self->changed = FALSE;
  self->rewritten_us = now_us;
}

/*
 * upg_run_current_set_task:
 * @task: what the running task is doing now
 *
 * Changes the text of the task upg_run_current_begin_task() began (a
 * plugin's progress), keeping since when it runs. Once the watchdog
 * journaled the task, the first change is journaled at once (the
 * caller's next word, a log line, comes after it) and later ones at most
 * once per TICK_US, by the watchdog: a plugin may report progress for
 * every row, the journal is not written for every row.
 */
void
upg_run_current_set_task (UpgRunCurrent *self,
                          const char    *task)
{
  g_mutex_lock (&self->lock);
  if (self->active && self->file == NULL && g_strcmp0 (self->task, task) != 0)
    {
      keep_text (&self->task, task);
      if (self->journaled && self->journal != NULL)
        {
          gint64 now = g_get_monotonic_time ();

          if (self->rewritten_us == 0 || now - self->rewritten_us >= TICK_US)
            rejournal (self, now);
          else
            self->changed = TRUE;
        }
    }
  g_mutex_unlock (&self->lock);
}

/*
 * upg_run_current_end:
 *
 * The statement came back (or failed). If the watchdog journaled it, the
 * journal forgets it now, before the runner goes on: a later status of
 * the execution never shows a statement that ended. Only long statements
 * pay that write.
 */
void
upg_run_current_end (UpgRunCurrent *self)
{
  g_mutex_lock (&self->lock);
  self->active = FALSE;
  if (self->journaled && self->journal != NULL)
    {
      g_autoptr(GError) error = NULL;

      /* A failure leaves a stale position until the execution's status
       * changes (which clears it too): not worth failing the run for. */
      if (!upg_journal_set_current_statement (self->journal, self->execution_id, NULL, &error))
        g_debug ("execution %s: cannot clear the running statement: %s", self->execution_id, error->message);
    }
  self->journaled = FALSE;
  self->changed = FALSE;
  g_mutex_unlock (&self->lock);
}

/*
 * upg_run_current_apply:
 *
 * Copies the running statement (or that none runs) into @execution, for a
 * status from memory, with the stage's progress and remaining time as of
 * its sending.
 */
void
upg_run_current_apply (UpgRunCurrent *self,
                       UpgExecution  *execution)
{
  g_autoptr(GDateTime) started = NULL;

  g_mutex_lock (&self->lock);
  if (self->active)
    {
      started = upg_journal_date_time_from_ms (self->started_at_ms);
      upg_execution_set_current_statement (execution, self->step_id, self->file, self->line, self->sequence,
                                           started);
      upg_execution_set_current_task (execution, self->task);
      /* As of its sending, which is the stage's progress while it runs. */
      upg_execution_set_progress (execution, self->done, self->total, self->eta_seconds);
    }
  else
    upg_execution_set_current_statement (execution, NULL, NULL, 0, 0, NULL);
  g_mutex_unlock (&self->lock);
}

/*
 * upg_run_current_get:
 * @step_id: (out) (transfer full): the running statement's step
 * @file: (out) (transfer full): its file, %NULL for a task
 * @task: (out) (transfer full): the task, %NULL for a statement of a file
 * @running_ms: (out): how long it has been running, now
 *
 * Copies the running statement out, for upg_run_dup_current_statement().
 *
 * Returns: whether a statement is running (the out arguments are left
 *   alone when none is)
 */
gboolean
upg_run_current_get (UpgRunCurrent *self,
                     char         **step_id,
                     char         **file,
                     char         **task,
                     guint         *line,
                     guint         *sequence,
                     gint64        *started_at_ms,
                     gint64        *running_ms)
{
  gboolean active;

  g_mutex_lock (&self->lock);
  active = self->active;
  if (active)
    {
      *step_id = g_strdup (self->step_id);
      *file = g_strdup (self->file);
      *task = g_strdup (self->task);
      *line = self->line;
      *sequence = self->sequence;
      *started_at_ms = self->started_at_ms;
      *running_ms = (g_get_monotonic_time () - self->started_us) / 1000;
    }
  g_mutex_unlock (&self->lock);
  return active;
}

/* With the lock held: journals the running statement once it is due. */
static void
notice (UpgRunCurrent *self,
        gint64         now_us)
{
  UpgJournalCurrentStatement current = snapshot (self);
  g_autoptr(GError) error = NULL;

  self->noticed = TRUE;
  self->journaled = upg_journal_set_current_statement (self->journal, self->execution_id, &current, &error);
  if (!self->journaled)
    g_debug ("execution %s: cannot record the running statement: %s", self->execution_id, error->message);
  if (self->notify != NULL)
    self->notify (self->notify_data, &current, (now_us - self->started_us) / 1000, self->journaled);
}

static gpointer
watch_thread (gpointer data)
{
  UpgRunCurrent *self = data;

  g_mutex_lock (&self->lock);
  while (!self->stop)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 wake = now + TICK_US;

      if (self->active && !self->noticed)
        {
          gint64 due = self->started_us + THRESHOLD_US;

          if (now >= due)
            {
              notice (self, now);
              continue;
            }
          wake = MIN (wake, due);
        }
      else if (self->active && self->journaled && self->changed)
        {
          gint64 due = self->rewritten_us + TICK_US;

          if (now >= due)
            {
              rejournal (self, now);
              continue;
            }
          wake = MIN (wake, due);
        }
      g_cond_wait_until (&self->cond, &self->lock, wake);
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

/*
 * upg_run_current_watch:
 * @journal: where a long statement is recorded
 * @execution_id: the execution that runs
 * @notify: (nullable): told when a statement has been running a while
 *
 * Starts the watchdog of @execution_id's statements, until
 * upg_run_current_unwatch().
 */
void
upg_run_current_watch (UpgRunCurrent       *self,
                       UpgJournal          *journal,
                       const char          *execution_id,
                       UpgRunCurrentNotify  notify,
                       gpointer             user_data)
{
  g_return_if_fail (self->thread == NULL);
  g_mutex_lock (&self->lock);
  self->journal = g_object_ref (journal);
  self->execution_id = g_strdup (execution_id);
  self->notify = notify;
  self->notify_data = user_data;
  self->stop = FALSE;
  g_mutex_unlock (&self->lock);
  self->thread = g_thread_new ("upgrade-statement-watch", watch_thread, self);
}

/*
 * upg_run_current_unwatch:
 *
 * Stops the watchdog; a statement it journaled and that did not end (the
 * run stopped in it) is forgotten in the journal too.
 */
void
upg_run_current_unwatch (UpgRunCurrent *self)
{
  if (self->thread == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->stop = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);
  self->thread = NULL;
  upg_run_current_end (self);
  g_mutex_lock (&self->lock);
  g_clear_object (&self->journal);
  g_clear_pointer (&self->execution_id, g_free);
  self->notify = NULL;
  self->notify_data = NULL;
  g_mutex_unlock (&self->lock);
}
