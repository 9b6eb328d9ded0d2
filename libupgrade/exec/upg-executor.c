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
  GMutex       plugin_lock;     /* runs in several threads may create it */
  char        *state_dir;
};

/**
 * UpgExecutor:
 *
 * Runs the #UpgRun objects its callers create: one stage of a plan for
 * one site exactly once, a stage's rollback, or a resume. It takes the
 * site's lock, journals every step and SQL statement, stops at a
 * breakpoint on the first failure and continues from it on the next run
 * or resume. It holds only what runs share (configuration, bundle,
 * journal, plugins); each run carries its own signals and execution.
 */
G_DEFINE_FINAL_TYPE (UpgExecutor, upg_executor, G_TYPE_OBJECT)

/* What an executor holds is set once, at construction: a run never sees
 * its configuration, bundle or journal change under it. */
enum {
  PROP_0,
  PROP_CONFIG,
  PROP_BUNDLE,
  PROP_JOURNAL,
  PROP_STATE_DIR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
upg_executor_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  UpgExecutor *self = UPG_EXECUTOR (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;
    case PROP_BUNDLE:
      g_value_set_object (value, self->bundle);
      break;
    case PROP_JOURNAL:
      g_value_set_object (value, self->journal);
      break;
    case PROP_STATE_DIR:
      g_value_set_string (value, self->state_dir);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
upg_executor_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  UpgExecutor *self = UPG_EXECUTOR (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;
    case PROP_BUNDLE:
      self->bundle = g_value_dup_object (value);
      break;
    case PROP_JOURNAL:
      self->journal = g_value_dup_object (value);
      break;
    case PROP_STATE_DIR:
      self->state_dir = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
upg_executor_finalize (GObject *object)
{
  UpgExecutor *self = UPG_EXECUTOR (object);

  g_clear_object (&self->config);
  g_clear_object (&self->bundle);
  g_clear_object (&self->journal);
  g_clear_object (&self->plugin_manager);
  g_mutex_clear (&self->plugin_lock);
  g_free (self->state_dir);

  G_OBJECT_CLASS (upg_executor_parent_class)->finalize (object);
}

static void
upg_executor_class_init (UpgExecutorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = upg_executor_finalize;
  object_class->get_property = upg_executor_get_property;
  object_class->set_property = upg_executor_set_property;

  /**
   * UpgExecutor:config:
   *
   * The site configuration (data sources, site id).
   */
  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, UPG_TYPE_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * UpgExecutor:bundle:
   *
   * The upgrade bundle.
   */
  properties[PROP_BUNDLE] =
    g_param_spec_object ("bundle", NULL, NULL, UPG_TYPE_BUNDLE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * UpgExecutor:journal:
   *
   * The journal the executor records in.
   */
  properties[PROP_JOURNAL] =
    g_param_spec_object ("journal", NULL, NULL, UPG_TYPE_JOURNAL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * UpgExecutor:state-dir:
   *
   * The state directory (logs go to `<state-dir>/logs`).
   */
  properties[PROP_STATE_DIR] =
    g_param_spec_string ("state-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
upg_executor_init (UpgExecutor *self)
{
  g_mutex_init (&self->plugin_lock);
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
  g_return_val_if_fail (UPG_IS_CONFIG (config), NULL);
  g_return_val_if_fail (UPG_IS_BUNDLE (bundle), NULL);
  g_return_val_if_fail (UPG_IS_JOURNAL (journal), NULL);
  g_return_val_if_fail (state_dir != NULL, NULL);

  return g_object_new (UPG_TYPE_EXECUTOR,
                       "config", config,
                       "bundle", bundle,
                       "journal", journal,
                       "state-dir", state_dir,
                       NULL);
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
  g_mutex_lock (&self->plugin_lock);
  g_set_object (&self->plugin_manager, manager);
  g_mutex_unlock (&self->plugin_lock);
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

/* The plugin manager of a tool step, created for the configuration on
 * first use; a reference, since another run may replace the executor's
 * meanwhile. */
UpgPluginManager *
upg_executor_dup_plugin_manager (UpgExecutor *self)
{
  UpgPluginManager *manager;

  g_mutex_lock (&self->plugin_lock);
  if (self->plugin_manager == NULL)
    {
      /* As upg_plugin_manager_new_for_config() means to, without its
       * unref of the configuration's (transfer none) data source array. */
      const char * const *dirs = upg_config_get_plugin_dirs (self->config);

      self->plugin_manager = upg_plugin_manager_new ();
      for (guint i = 0; dirs != NULL && dirs[i] != NULL; i++)
        upg_plugin_manager_add_directory (self->plugin_manager, dirs[i]);
      if (dirs == NULL || dirs[0] == NULL)
        upg_plugin_manager_add_directory (self->plugin_manager, upg_plugin_manager_get_system_directory ());
      upg_plugin_manager_set_data_sources (self->plugin_manager, upg_config_get_data_sources (self->config));
    }
  manager = g_object_ref (self->plugin_manager);
  g_mutex_unlock (&self->plugin_lock);
  return manager;
}
