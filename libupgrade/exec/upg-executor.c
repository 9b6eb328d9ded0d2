/* upg-executor.c - runs one stage of a plan for one site, exactly once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * # What a run does
 *
 * run_stage(from, to, stage, site): build the plan, take the site's lock in
 * the journal (another live holder → UPG_ERROR_LOCKED; a stale one is taken
 * over and the takeover logged), then either continue the last unfinished
 * execution of the same (site, from, to, stage, kind, component) — FAILED,
 * IN_DOUBT, INTERRUPTED, or RUNNING with a dead owner — or create a new one.
 * Continuing counts as a resume: at most UPG_JOURNAL_MAX_RESUMES, not when
 * the breakpoint is older than 7 days, and only after every data source of
 * the remaining steps answered a ping (otherwise nothing changes). Steps run
 * in plan order; a step that once succeeded for the same (site, component,
 * version, step id) is skipped "already succeeded in <execution>". The lock
 * is heart-beaten by a thread while the stage runs and released at the end,
 * also on failure.
 *
 * # Rollback
 *
 * rollback(from, to, stage, site) runs the plan's rollback_steps of the
 * stage, newest first, journaled and resumed exactly like a run (its
 * steps are skipped the same way once they succeeded). What it reverts
 * must then stop counting as done, or the next run would skip every step
 * and leave the site on the old schema while the journal says it is
 * upgraded (upg-executor-undo.c, upg-journal-undo.c):
 *
 * - When every rollback step succeeded or was skipped, and before the
 *   execution is journaled SUCCESS, the successes of the stage's upgrade
 *   steps of the plan (for the requested component only, if one was
 *   given) at the site are undone: their step records keep SUCCESS but
 *   get `undone_by` = the rollback's id (find_step_success ignores them),
 *   and their statement records become UNDONE (no longer done; sent again
 *   under new records). One journal transaction per step, repeatable:
 *   this journaled intent is what makes the steps run again. Then every
 *   marker of those steps' statements is deleted from the targets. That
 *   part is required too: markers are named after the execution, step,
 *   file and sequence that sent a statement (see step 2), the runner's
 *   recovery counts a marker of the current execution or of any
 *   unfinished execution of the site as "applied" (a batched record may
 *   have been lost in a crash), and a run may continue the very execution
 *   whose steps were undone. So the rollback deletes, by marker
 *   prefix in batched DELETEs, the markers of every execution of the
 *   other kind that started the step and whose markers no successful undo
 *   deleted yet (upg_journal_list_step_executions(): any outcome, since a
 *   crashed one may have lost the records while its markers stayed), from
 *   every data source the step's scripts send statements to (its own and
 *   their `-- @database:` targets, read from the scripts, so a routed
 *   statement whose record was lost is covered) and every one an undone
 *   record names, plus the old markers named after the undone records. We chose deleting over teaching recovery to ignore undone
 *   executions because only deletion also covers a continued execution,
 *   and the journal then needs no second notion of "undone". A target
 *   that cannot be cleaned fails the rollback (it is not journaled
 *   SUCCESS): the steps must not count as applied by a stale marker.
 *   If the process dies anywhere before SUCCESS is journaled, the
 *   rollback is continued by running it again: its steps are skipped
 *   and the undo (journal and markers) is repeated.
 * - A rollback that fails (or is in doubt, or interrupted) undoes
 *   nothing: the upgrade steps still count as done until the rollback is
 *   continued and succeeds.
 * - Running a rollback that already succeeded skips its steps and undoes
 *   nothing more (the runs it undid already are).
 * - Symmetrically, a run undoes the successes of the stage's rollback
 *   steps before it executes its first step (a run that only skips
 *   changes nothing), so that the next rollback executes them again.
 *
 * # Exactly once, per SQL statement
 *
 * 1. Look the statement up in the journal (key: execution, component,
 *    version, step, file, sequence). SUCCESS or SKIPPED → done, do not send.
 * 2. Name its marker after the execution, component, version, step, file
 *    and sequence (upg_journal_marker_id() of upg_journal_marker_prefix():
 *    not after a journal record, which may be lost, see below). Journal it
 *    RUNNING durably (before the call returns) only when nothing else
 *    could tell afterwards whether it committed: AUTOCOMMIT statements
 *    and targets without a marker table (libgda). An ATOMIC statement
 *    with a marker and a session statement get no durable RUNNING record:
 *    their records are batched (upg-journal-batch.c) and written at the
 *    latest 250 ms later, before a breakpoint, before the next durable
 *    RUNNING record and at the end of the step (upg-sql-runner.c).
 * 3. ATOMIC statements (SQLite and PostgreSQL: anything allowed in a
 *    transaction block; MariaDB: INSERT/UPDATE/DELETE/REPLACE/SELECT on
 *    InnoDB) run as `BEGIN; <statement>; INSERT INTO
 *    upgrade_statement_marker (record_id = the marker id); COMMIT` on the target: the
 *    marker row and the statement's effect commit together or not at all.
 *    AUTOCOMMIT statements (MariaDB DDL, PostgreSQL CREATE INDEX
 *    CONCURRENTLY / VACUUM / statements refused with SQLSTATE 25001,
 *    SQLite VACUUM) run on their own, and the marker is written right
 *    after they succeed.
 * 4. Journal SUCCESS or FAILED with affected rows, error code/SQLSTATE and
 *    message; on FAILED the breakpoint is saved before anything is
 *    reported.
 *
 * After a crash a statement may be left RUNNING, or have no record at
 * all (its batch was lost). The marker in the target is the truth:
 * present, from the current execution or any unfinished one of the site
 * → it was applied (journaled SUCCESS, not sent again; a rollback deletes
 * the markers of what it reverts, see "Rollback"); absent and ATOMIC → its transaction never committed (journaled
 * FAILED "interrupted", sent again); absent and AUTOCOMMIT → nobody can
 * know: it is journaled IN_DOUBT, the execution becomes IN_DOUBT (exit 5)
 * and the breakpoint names it until the operator runs `resume ID --retry`
 * (send it again) or `--skip` (record it SKIPPED and go on). A lost
 * connection during a statement is resolved the same way after
 * reconnecting. Statements that only set session state (SET, USE, PRAGMA)
 * are sent again on every resume, because their effect died with the old
 * connection. A script's own BEGIN … COMMIT block is one unit: one
 * transaction, one marker before its COMMIT, re-run from its BEGIN after
 * a failure (upg-sql-runner-blocks.c); "transaction": "script" makes a
 * whole file one. Transaction control outside any block is recorded
 * SKIPPED.
 *
 * Retries: a lost connection is retried max(3, retry_count) times with
 * back-off (reconnecting first); deadlocks and lock-wait timeouts are
 * retried retry_count times; an error the server reports about the
 * statement itself (syntax, constraint, missing table) is never retried:
 * it stops at a breakpoint for a person to fix the cause.
 *
 * Test hook: UPGRADE_TEST_CRASH_AT="<n>:<point>" makes the process kill
 * itself with SIGKILL at <point> (before-send, after-execute-before-commit,
 * after-commit-before-journal) of the n-th statement it sends.
 */
#include "config.h"

#include <signal.h>

#include "upg-executor-private.h"
#include "upg-executor-run-private.h"

struct _UpgExecutor
{
  GObject      parent_instance;

  UpgConfig   *config;
  UpgBundle   *bundle;
  UpgJournal  *journal;
  UpgPluginManager *plugin_manager;
  char        *state_dir;
  gboolean     accept_changed;
  gboolean     new_execution;

  GMutex        last_lock;
  UpgExecution *last_execution;   /* of the request that finished last */
};

/**
 * UpgExecutor:
 *
 * Runs one stage of a plan for one site exactly once, and rolls stages
 * back: it takes the site's lock, journals every step and SQL statement,
 * stops at a breakpoint on the first failure and continues from it on the
 * next run or resume. Progress is reported through its signals, emitted
 * in the thread that started the run.
 */
G_DEFINE_FINAL_TYPE (UpgExecutor, upg_executor, G_TYPE_OBJECT)

guint upg_executor_signals[UPG_EXECUTOR_N_SIGNALS];

static void
upg_executor_finalize (GObject *object)
{
  UpgExecutor *self = UPG_EXECUTOR (object);

  g_clear_object (&self->config);
  g_clear_object (&self->bundle);
  g_clear_object (&self->journal);
  g_clear_object (&self->plugin_manager);
  g_free (self->state_dir);
  g_clear_object (&self->last_execution);
  g_mutex_clear (&self->last_lock);

  G_OBJECT_CLASS (upg_executor_parent_class)->finalize (object);
}

static void
upg_executor_class_init (UpgExecutorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = upg_executor_finalize;

  /**
   * UpgExecutor::execution-started:
   * @self: the executor
   * @execution_id: the execution's UUID
   *
   * An execution started or was resumed.
   */
  upg_executor_signals[UPG_EXECUTOR_SIGNAL_EXECUTION_STARTED] =
    g_signal_new ("execution-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * UpgExecutor::step-started:
   * @self: the executor
   * @step_id: the step
   * @version: the version of its manifest
   *
   * A step started.
   */
  upg_executor_signals[UPG_EXECUTOR_SIGNAL_STEP_STARTED] =
    g_signal_new ("step-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * UpgExecutor::step-finished:
   * @self: the executor
   * @step_id: the step
   * @version: the version of its manifest
   * @status: `SUCCESS`, `FAILED` or `SKIPPED`
   * @duration_ms: how long it ran
   * @message: (nullable): why it failed or was skipped
   *
   * A step finished or was skipped.
   */
  upg_executor_signals[UPG_EXECUTOR_SIGNAL_STEP_FINISHED] =
    g_signal_new ("step-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 5, G_TYPE_STRING, G_TYPE_STRING,
                  G_TYPE_STRING, G_TYPE_INT64, G_TYPE_STRING);

  /**
   * UpgExecutor::statement-finished:
   * @self: the executor
   * @file: the SQL file, relative to the bundle
   * @line: the statement's first line
   * @sequence: the statement's sequence number in @file
   * @status: `SUCCESS`, `FAILED` or `SKIPPED`
   * @duration_ms: how long it ran
   *
   * A SQL statement finished.
   */
  upg_executor_signals[UPG_EXECUTOR_SIGNAL_STATEMENT_FINISHED] =
    g_signal_new ("statement-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 5, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_UINT,
                  G_TYPE_STRING, G_TYPE_INT64);

  /**
   * UpgExecutor::progress:
   * @self: the executor
   * @done: statements finished in the stage
   * @total: statements of the stage
   * @position: `file:line` of the last statement
   * @eta_seconds: estimated seconds left, -1 if unknown
   *
   * Progress of the SQL statements of the stage. Also emitted when the
   * plugin of a tool step reports progress: @done and @total are then
   * unchanged and @position is `<step id> <done>/<total>`. @eta_seconds is
   * the running step's remaining time (at its configured rate, or at the
   * measured one once revised, see #UpgExecutor::rate-revised) plus the
   * estimates of the steps after it.
   */
  upg_executor_signals[UPG_EXECUTOR_SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_STRING,
                  G_TYPE_INT64);

  /**
   * UpgExecutor::rate-revised:
   * @self: the executor
   * @step_id: the running step
   * @message: what the revision says, e.g. `actual rate +12 % vs
   *   estimate, remaining revised`
   * @eta_seconds: the revised estimate of the seconds left in the stage,
   *   -1 if unknown
   *
   * The rate measured in the running step deviated by more than 20 % from
   * its configured estimate and replaced it (SPEC §3); emitted once per
   * step, before the "progress" that carries the revised ETA. The message
   * stays available as upg_execution_get_rate_message() until the next
   * step starts.
   */
  upg_executor_signals[UPG_EXECUTOR_SIGNAL_RATE_REVISED] =
    g_signal_new ("rate-revised", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64);

  /**
   * UpgExecutor::log:
   * @self: the executor
   * @line: one line of the execution's log
   *
   * A line was written to the execution's log.
   */
  upg_executor_signals[UPG_EXECUTOR_SIGNAL_LOG] =
    g_signal_new ("log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
upg_executor_init (UpgExecutor *self)
{
}

/**
 * upg_executor_new:
 * @config: the site configuration (data sources, site id)
 * @bundle: the upgrade bundle
 * @journal: the journal to record in
 * @state_dir: the state directory (logs go to `<state_dir>/logs`)
 *
 * Creates an executor.
 *
 * Returns: (transfer full): a new executor
 */
UpgExecutor *
upg_executor_new (UpgConfig  *config,
                  UpgBundle  *bundle,
                  UpgJournal *journal,
                  const char *state_dir)
{
  UpgExecutor *self;

  g_return_val_if_fail (UPG_IS_CONFIG (config), NULL);
  g_return_val_if_fail (UPG_IS_BUNDLE (bundle), NULL);
  g_return_val_if_fail (UPG_IS_JOURNAL (journal), NULL);
  g_return_val_if_fail (state_dir != NULL, NULL);

  self = g_object_new (UPG_TYPE_EXECUTOR, NULL);
  self->config = g_object_ref (config);
  self->bundle = g_object_ref (bundle);
  self->journal = g_object_ref (journal);
  self->state_dir = g_strdup (state_dir);
  return self;
}

/**
 * upg_executor_get_config:
 * @self: an executor
 *
 * Gets the configuration.
 *
 * Returns: (transfer none): the configuration
 */
UpgConfig *
upg_executor_get_config (UpgExecutor *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTOR (self), NULL);
  return self->config;
}

/**
 * upg_executor_get_bundle:
 * @self: an executor
 *
 * Gets the bundle.
 *
 * Returns: (transfer none): the bundle
 */
UpgBundle *
upg_executor_get_bundle (UpgExecutor *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTOR (self), NULL);
  return self->bundle;
}

/**
 * upg_executor_get_journal:
 * @self: an executor
 *
 * Gets the journal.
 *
 * Returns: (transfer none): the journal
 */
UpgJournal *
upg_executor_get_journal (UpgExecutor *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTOR (self), NULL);
  return self->journal;
}

/**
 * upg_executor_set_accept_changed:
 * @self: an executor
 * @accept: whether runs accept applied statements whose file changed
 *
 * A run refuses (%UPG_ERROR_INVALID_BUNDLE) when a statement applied
 * earlier no longer matches its file (SPEC §5, drift). With @accept
 * (`run --accept-changed`) it proceeds instead and journals who accepted
 * the new text.
 */
void
upg_executor_set_accept_changed (UpgExecutor *self,
                                 gboolean     accept)
{
  g_return_if_fail (UPG_IS_EXECUTOR (self));
  self->accept_changed = accept;
}

/**
 * upg_executor_set_new_execution:
 * @self: an executor
 * @new_execution: whether runs start a new execution
 *
 * With @new_execution (`run --new-execution`) a run does not continue the
 * unfinished execution of the same stage, versions and site but starts a
 * new one: the way on once an execution reached the resume limit (SPEC
 * §5). Steps that succeeded before are still skipped and statements whose
 * marker exists are still not sent again.
 */
void
upg_executor_set_new_execution (UpgExecutor *self,
                                gboolean     new_execution)
{
  g_return_if_fail (UPG_IS_EXECUTOR (self));
  self->new_execution = new_execution;
}

/**
 * upg_executor_get_new_execution:
 * @self: an executor
 *
 * Tells whether runs start a new execution (see
 * upg_executor_set_new_execution()).
 *
 * Returns: whether runs start a new execution (see
 *   upg_executor_set_new_execution())
 */
gboolean
upg_executor_get_new_execution (UpgExecutor *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTOR (self), FALSE);
  return self->new_execution;
}

/**
 * upg_executor_get_accept_changed:
 * @self: an executor
 *
 * Tells whether runs accept changed statements (see
 * upg_executor_set_accept_changed()).
 *
 * Returns: whether runs accept changed statements (see
 *   upg_executor_set_accept_changed())
 */
gboolean
upg_executor_get_accept_changed (UpgExecutor *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTOR (self), FALSE);
  return self->accept_changed;
}

/**
 * upg_executor_get_state_dir:
 * @self: an executor
 *
 * Gets the state directory.
 *
 * Returns: (transfer none): the state directory
 */
const char *
upg_executor_get_state_dir (UpgExecutor *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTOR (self), NULL);
  return self->state_dir;
}

/**
 * upg_executor_get_log_path:
 * @self: an executor
 * @execution_id: an execution's UUID
 *
 * Gets the path of that execution's log file.
 *
 * Returns: (transfer full): the path of that execution's log file
 */
char *
upg_executor_get_log_path (UpgExecutor *self,
                           const char  *execution_id)
{
  g_return_val_if_fail (UPG_IS_EXECUTOR (self), NULL);
  g_return_val_if_fail (execution_id != NULL, NULL);
  return g_strdup_printf ("%s/logs/%s.log", self->state_dir, execution_id);
}

/**
 * upg_executor_set_plugin_manager:
 * @self: an executor
 * @manager: (nullable): the plugin manager that runs tool steps
 *
 * Sets the plugin manager used for `class_name` (tool) steps. Without
 * one, the first tool step creates one for the configuration
 * (upg_plugin_manager_new_for_config()).
 */
void
upg_executor_set_plugin_manager (UpgExecutor      *self,
                                 UpgPluginManager *manager)
{
  g_return_if_fail (UPG_IS_EXECUTOR (self));
  g_set_object (&self->plugin_manager, manager);
}

/**
 * upg_executor_get_plugin_manager:
 * @self: an executor
 *
 * Gets the plugin manager for tool steps.
 *
 * Returns: (transfer none) (nullable): the plugin manager for tool steps
 */
UpgPluginManager *
upg_executor_get_plugin_manager (UpgExecutor *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTOR (self), NULL);
  return self->plugin_manager;
}

/* The worker-thread side of the three async operations. */
static void
request_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  UpgRunRequest *request = task_data;
  UpgExecution *execution = NULL;
  GError *error = NULL;

  upg_executor_execute (source_object, request, cancellable, &execution, &error);
  /* The execution travels even on failure: the caller needs its
   * breakpoint. */
  request->result = execution;
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
upg_executor_start_request (UpgExecutor         *self,
               UpgRunRequest       *request,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data,
               gpointer             source_tag)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  /* A cancelled run still ends with its own error and execution
   * (INTERRUPTED), not GTask's generic "Operation was cancelled". */
  g_task_set_check_cancellable (task, FALSE);
  request->owner_context = g_main_context_ref_thread_default ();
  g_task_set_task_data (task, request, (GDestroyNotify) upg_run_request_free);
  g_task_run_in_thread (task, request_thread);
}

/* Keeps the execution of the request that just finished for
 * upg_executor_dup_last_execution(): a failed request gives no execution
 * through its out parameter, as bindings drop out values on error. */
static void
remember_execution (UpgExecutor  *self,
                    UpgExecution *execution)
{
  g_mutex_lock (&self->last_lock);
  g_set_object (&self->last_execution, execution);
  g_mutex_unlock (&self->last_lock);
}

/**
 * upg_executor_dup_last_execution:
 * @self: an executor
 *
 * The execution of the run, resume or rollback that finished last on
 * @self, whether it succeeded or not: after a failure, its breakpoint says
 * where the run stopped. Call it from the callback (or right after the
 * synchronous call) when requests may finish concurrently.
 *
 * Returns: (transfer full) (nullable): the execution, %NULL if none
 *   finished or the last request started none (bad input, site locked)
 */
UpgExecution *
upg_executor_dup_last_execution (UpgExecutor *self)
{
  UpgExecution *execution;

  g_return_val_if_fail (UPG_IS_EXECUTOR (self), NULL);
  g_mutex_lock (&self->last_lock);
  execution = self->last_execution != NULL ? g_object_ref (self->last_execution) : NULL;
  g_mutex_unlock (&self->last_lock);
  return execution;
}

gboolean
upg_executor_finish_request (UpgExecutor   *self,
                GAsyncResult  *result,
                gpointer       source_tag,
                UpgExecution **execution,
                GError       **error)
{
  UpgRunRequest *request;
  gboolean ok;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  request = g_task_get_task_data (G_TASK (result));
  remember_execution (self, request->result);
  ok = g_task_propagate_boolean (G_TASK (result), error);
  if (execution != NULL)
    *execution = ok && request->result != NULL ? g_object_ref (request->result) : NULL;
  return ok;
}

gboolean
upg_executor_run_request_sync (UpgExecutor   *self,
                  UpgRunRequest *request,
                  GCancellable  *cancellable,
                  UpgExecution **execution,
                  GError       **error)
{
  g_autoptr(UpgExecution) result = NULL;
  gboolean acquired;
  gboolean ok;

  request->owner_context = g_main_context_ref_thread_default ();
  /* Owning the caller's context makes every signal run at once, even from
   * code that pushes its own thread-default context while it waits (the
   * plugin manager relaying a plugin's logs and progress); otherwise those
   * would wait for the caller to iterate its context, after the run. */
  acquired = g_main_context_acquire (request->owner_context);
  ok = upg_executor_execute (self, request, cancellable, &result, error);
  if (acquired)
    g_main_context_release (request->owner_context);
  upg_run_request_free (request);
  remember_execution (self, result);
  if (execution != NULL)
    *execution = ok ? g_steal_pointer (&result) : NULL;
  return ok;
}

