/* upg-run.c - one run, resume or rollback of a stage, owned by its caller
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * In the manner of libsoup's SoupMessage: the caller says what to run in
 * an UpgRun, hands it to upg_executor_run_async(), listens to its signals
 * and reads its execution afterwards. The executor holds only what runs
 * share (configuration, bundle, journal, plugins), so one executor serves
 * any number of runs, each with its own progress and its own result.
 *
 * The execution is the run's own, not an out parameter of the finish
 * call: bindings drop out values when a call raises, and a failed run is
 * exactly when the caller needs the execution (its breakpoint says where
 * to resume).
 *
 * What the run was asked to do is read back in upg-run-getters.c.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-enums.h"
#include "upg-run-fields-private.h"

enum {
  PROP_0,
  PROP_KIND,
  PROP_FROM,
  PROP_TO,
  PROP_STAGE,
  PROP_RESUME_ID,
  PROP_ACTION,
  PROP_SITE_ID,
  PROP_COMPONENT,
  PROP_ENV,
  PROP_ACCEPT_CHANGED,
  PROP_NEW_EXECUTION,
  PROP_FORGET,
  PROP_SKIP_CHECKS,
  PROP_CONFIRM,
  PROP_EXECUTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

guint upg_run_signals[UPG_RUN_N_SIGNALS];

/**
 * UpgRun:
 *
 * One run, rollback or resume of a stage, created by its caller in the
 * manner of libsoup's `SoupMessage`: say what to run with upg_run_new()
 * or upg_run_new_resume() and the setters, connect to its signals, hand
 * it to upg_executor_run_async() (or upg_executor_run()), then read
 * upg_run_get_execution(). The execution stays there when the run
 * failed, was cancelled or interrupted: its breakpoint says where to
 * resume. A run runs once; one executor serves any number of runs.
 *
 * The signals are emitted in the thread-default main context of the
 * caller that started the run, in the order the run emitted them, the
 * last one before the run's callback. With upg_executor_run_async(), the
 * per-statement ones (#UpgRun::statement-finished, #UpgRun::progress,
 * #UpgRun::migration-progress, #UpgRun::log) come in batches, that
 * context woken at most once a millisecond for them.
 */
G_DEFINE_FINAL_TYPE (UpgRun, upg_run, G_TYPE_OBJECT)

static void
upg_run_finalize (GObject *object)
{
  UpgRun *self = UPG_RUN (object);

  g_clear_pointer (&self->from, upg_version_free);
  g_clear_pointer (&self->to, upg_version_free);
  g_free (self->resume_id);
  g_free (self->site_id);
  g_free (self->component);
  g_clear_pointer (&self->env, json_object_unref);
  g_clear_object (&self->execution);
  g_clear_pointer (&self->current, upg_run_current_unref);
  g_free (self->checks_by);
  g_free (self->confirmed_by);
  g_free (self->confirm_via);
  if (self->checks_destroy != NULL)
    self->checks_destroy (self->checks_data);

  G_OBJECT_CLASS (upg_run_parent_class)->finalize (object);
}

static void
upg_run_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  UpgRun *self = UPG_RUN (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_FROM:
      g_value_set_boxed (value, self->from);
      break;
    case PROP_TO:
      g_value_set_boxed (value, self->to);
      break;
    case PROP_STAGE:
      g_value_set_enum (value, self->stage);
      break;
    case PROP_RESUME_ID:
      g_value_set_string (value, self->resume_id);
      break;
    case PROP_ACTION:
      g_value_set_enum (value, self->action);
      break;
    case PROP_SITE_ID:
      g_value_set_string (value, self->site_id);
      break;
    case PROP_COMPONENT:
      g_value_set_string (value, self->component);
      break;
    case PROP_ENV:
      g_value_set_boxed (value, self->env);
      break;
    case PROP_ACCEPT_CHANGED:
      g_value_set_boolean (value, self->accept_changed);
      break;
    case PROP_NEW_EXECUTION:
      g_value_set_boolean (value, self->new_execution);
      break;
    case PROP_FORGET:
      g_value_set_boolean (value, self->forget);
      break;
    case PROP_SKIP_CHECKS:
      g_value_set_boolean (value, self->skip_checks);
      break;
    case PROP_CONFIRM:
      g_value_set_boolean (value, self->confirm);
      break;
    case PROP_EXECUTION:
      g_value_set_object (value, self->execution);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
upg_run_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  UpgRun *self = UPG_RUN (object);

  switch (prop_id)
    {
    case PROP_KIND:
      self->kind = g_value_get_enum (value);
      break;
    case PROP_FROM:
      self->from = g_value_dup_boxed (value);
      break;
    case PROP_TO:
      self->to = g_value_dup_boxed (value);
      break;
    case PROP_STAGE:
      self->stage = g_value_get_enum (value);
      break;
    case PROP_RESUME_ID:
      self->resume_id = g_value_dup_string (value);
      break;
    case PROP_ACTION:
      self->action = g_value_get_enum (value);
      break;
    case PROP_SITE_ID:
      upg_run_set_site_id (self, g_value_get_string (value));
      break;
    case PROP_COMPONENT:
      upg_run_set_component (self, g_value_get_string (value));
      break;
    case PROP_ENV:
      upg_run_set_env (self, g_value_get_boxed (value));
      break;
    case PROP_ACCEPT_CHANGED:
      upg_run_set_accept_changed (self, g_value_get_boolean (value));
      break;
    case PROP_NEW_EXECUTION:
      upg_run_set_new_execution (self, g_value_get_boolean (value));
      break;
    case PROP_FORGET:
      upg_run_set_forget (self, g_value_get_boolean (value));
      break;
    case PROP_SKIP_CHECKS:
      upg_run_set_skip_checks (self, g_value_get_boolean (value), NULL);
      break;
    case PROP_CONFIRM:
      upg_run_set_confirm (self, g_value_get_boolean (value), NULL, NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
upg_run_class_init (UpgRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  GParamFlags option = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = upg_run_finalize;
  object_class->get_property = upg_run_get_property;
  object_class->set_property = upg_run_set_property;

  /**
   * UpgRun:kind:
   *
   * Whether the run runs, rolls back or resumes.
   */
  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, UPG_TYPE_RUN_KIND, UPG_RUN_KIND_RUN,
                                             construct);
  /**
   * UpgRun:from:
   *
   * The version the site is at (the upgrade started from, for a
   * rollback); %NULL for a resume, which reads it from the journal.
   */
  properties[PROP_FROM] = g_param_spec_boxed ("from", NULL, NULL, UPG_TYPE_VERSION, construct);
  /**
   * UpgRun:to:
   *
   * The version to upgrade to; %NULL for a resume.
   */
  properties[PROP_TO] = g_param_spec_boxed ("to", NULL, NULL, UPG_TYPE_VERSION, construct);
  /**
   * UpgRun:stage:
   *
   * The stage whose steps (or rollback steps) run; unused by a resume.
   */
  properties[PROP_STAGE] = g_param_spec_enum ("stage", NULL, NULL, UPG_TYPE_STAGE, UPG_STAGE_RESOURCE_CHECK,
                                              construct);
  /**
   * UpgRun:resume-id:
   *
   * The execution a resume continues.
   */
  properties[PROP_RESUME_ID] = g_param_spec_string ("resume-id", NULL, NULL, NULL, construct);
  /**
   * UpgRun:action:
   *
   * What a resume does with the statement or step at the breakpoint.
   */
  properties[PROP_ACTION] = g_param_spec_enum ("action", NULL, NULL, UPG_TYPE_RESUME_ACTION,
                                               UPG_RESUME_ACTION_CONTINUE, construct);
  /**
   * UpgRun:site-id:
   *
   * The site, %NULL for the configuration's `site_id`.
   */
  properties[PROP_SITE_ID] = g_param_spec_string ("site-id", NULL, NULL, NULL, option);
  /**
   * UpgRun:component:
   *
   * Only run this component's steps.
   */
  properties[PROP_COMPONENT] = g_param_spec_string ("component", NULL, NULL, NULL, option);
  /**
   * UpgRun:env:
   *
   * The caller's environment (`--env`), passed to commands and plugins.
   */
  properties[PROP_ENV] = g_param_spec_boxed ("env", NULL, NULL, JSON_TYPE_OBJECT, option);
  /**
   * UpgRun:accept-changed:
   *
   * See upg_run_set_accept_changed().
   */
  properties[PROP_ACCEPT_CHANGED] = g_param_spec_boolean ("accept-changed", NULL, NULL, FALSE, option);
  /**
   * UpgRun:new-execution:
   *
   * See upg_run_set_new_execution().
   */
  properties[PROP_NEW_EXECUTION] = g_param_spec_boolean ("new-execution", NULL, NULL, FALSE, option);
  /**
   * UpgRun:forget:
   *
   * For a rollback: whether the upgrade steps of the stage that succeeded
   * and have no rollback steps no longer count as done all the same
   * (`rollback --forget`; their effect stays and the next run executes
   * them again). Without, such a rollback is refused with
   * %UPG_ERROR_INVALID_ARGUMENT naming them, and nothing runs.
   */
  properties[PROP_FORGET] = g_param_spec_boolean ("forget", NULL, NULL, FALSE, option);
  /**
   * UpgRun:skip-checks:
   *
   * See upg_run_set_skip_checks().
   */
  properties[PROP_SKIP_CHECKS] = g_param_spec_boolean ("skip-checks", NULL, NULL, FALSE, option);
  /**
   * UpgRun:confirm:
   *
   * See upg_run_set_confirm().
   */
  properties[PROP_CONFIRM] = g_param_spec_boolean ("confirm", NULL, NULL, FALSE, option);
  /**
   * UpgRun:execution:
   *
   * The execution the run started or continued, set when the run stopped
   * (before its callback), whether it succeeded, failed, was cancelled or
   * interrupted; %NULL if it stopped before an execution began.
   */
  properties[PROP_EXECUTION] = g_param_spec_object ("execution", NULL, NULL, UPG_TYPE_EXECUTION,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * UpgRun::execution-started:
   * @self: the run
   * @execution_id: the execution's UUID
   *
   * The execution started or was resumed: the site is locked for it.
   */
  upg_run_signals[UPG_RUN_SIGNAL_EXECUTION_STARTED] =
    g_signal_new ("execution-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * UpgRun::step-started:
   * @self: the run
   * @step_id: the step
   * @version: the version of its manifest
   *
   * A step started.
   */
  upg_run_signals[UPG_RUN_SIGNAL_STEP_STARTED] =
    g_signal_new ("step-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * UpgRun::step-finished:
   * @self: the run
   * @step_id: the step
   * @version: the version of its manifest
   * @status: %UPG_STEP_STATUS_SUCCESS, %UPG_STEP_STATUS_FAILED or
   *   %UPG_STEP_STATUS_SKIPPED
   * @duration_ms: how long it ran
   * @message: (nullable): why it failed or was skipped
   *
   * A step finished or was skipped.
   */
  upg_run_signals[UPG_RUN_SIGNAL_STEP_FINISHED] =
    g_signal_new ("step-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 5, G_TYPE_STRING, G_TYPE_STRING,
                  UPG_TYPE_STEP_STATUS, G_TYPE_INT64, G_TYPE_STRING);

  /**
   * UpgRun::statement-finished:
   * @self: the run
   * @file: the SQL file, relative to the bundle
   * @line: the statement's first line
   * @sequence: the statement's sequence number in @file
   * @status: how the statement ended
   * @duration_ms: how long it ran
   *
   * A SQL statement finished.
   */
  upg_run_signals[UPG_RUN_SIGNAL_STATEMENT_FINISHED] =
    g_signal_new ("statement-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 5, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_UINT,
                  UPG_TYPE_STATEMENT_STATUS, G_TYPE_INT64);

  /**
   * UpgRun::progress:
   * @self: the run
   * @done: statements finished in the stage
   * @total: statements of the stage
   * @position: `file:line` of the last statement
   * @eta_seconds: estimated seconds left, -1 if unknown
   *
   * Progress of the SQL statements of the stage. Also emitted when the
   * plugin of a tool step reports progress: @done and @total are then
   * unchanged and @position is `<step id> <done>/<total>`. @eta_seconds is
   * the running step's remaining time (at its configured rate, or at the
   * measured one once revised, see #UpgRun::rate-revised) plus the
   * estimates of the steps after it.
   */
  upg_run_signals[UPG_RUN_SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_STRING,
                  G_TYPE_INT64);

  /**
   * UpgRun::rate-revised:
   * @self: the run
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
  upg_run_signals[UPG_RUN_SIGNAL_RATE_REVISED] =
    g_signal_new ("rate-revised", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64);

  /**
   * UpgRun::migration-progress:
   * @self: the run
   * @migration: the batch window: `id`, `step_id`, `table`, `state`
   *   (`running`, `paused`, `done`, …), `paused` (bool), `pause_reason`
   *   (nullable), `rows_done`, `rows_per_second`, `batch_size`,
   *   `batches`, `keys_done`, `keys_total`, `progress_percent`,
   *   `paused_seconds`, `eta_seconds` (-1 if unknown; the operator's
   *   pauses left out)
   *
   * A batched migration step committed batches (at most about four
   * windows a second) or changed state (paused by its throttle or the
   * operator, resumed, done). The generic #UpgRun::progress is emitted
   * too, with the position as text.
   */
  upg_run_signals[UPG_RUN_SIGNAL_MIGRATION_PROGRESS] =
    g_signal_new ("migration-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);

  /**
   * UpgRun::log:
   * @self: the run
   * @line: one line of the execution's log
   *
   * A line was written to the execution's log.
   */
  upg_run_signals[UPG_RUN_SIGNAL_LOG] =
    g_signal_new ("log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
upg_run_init (UpgRun *self)
{
  self->current = upg_run_current_new ();
}

/*
 * upg_run_get_current:
 *
 * The statement the run's stage is executing, written by the worker
 * thread and read from any (the service's status answers from memory).
 *
 * Returns: (transfer none): the run's current statement
 */
UpgRunCurrent *
upg_run_get_current (UpgRun *self)
{
  g_return_val_if_fail (UPG_IS_RUN (self), NULL);
  return self->current;
}

/**
 * upg_run_new:
 * @kind: %UPG_RUN_KIND_RUN or %UPG_RUN_KIND_ROLLBACK
 * @from: the version the site is at (for a rollback: the upgrade started
 *   from)
 * @to: the version to upgrade to (for a rollback: the upgrade went to)
 * @stage: the stage whose steps (or rollback steps) run
 *
 * Creates a run of @stage, for upg_executor_run_async(). Set the site,
 * component, environment and options before the run starts.
 *
 * Returns: (transfer full): a new run
 */
UpgRun *
upg_run_new (UpgRunKind        kind,
             const UpgVersion *from,
             const UpgVersion *to,
             UpgStage          stage)
{
  g_return_val_if_fail (kind == UPG_RUN_KIND_RUN || kind == UPG_RUN_KIND_ROLLBACK, NULL);
  g_return_val_if_fail (from != NULL && to != NULL, NULL);

  return g_object_new (UPG_TYPE_RUN, "kind", kind, "from", from, "to", to, "stage", stage, NULL);
}

/**
 * upg_run_new_resume:
 * @execution_id: the execution to continue
 * @action: what to do with the statement or step at the breakpoint
 *
 * Creates a resume of a failed, in-doubt or interrupted execution at its
 * breakpoint, for upg_executor_run_async(). Versions, stage, site,
 * component and environment are those of the execution.
 *
 * Returns: (transfer full): a new run
 */
UpgRun *
upg_run_new_resume (const char      *execution_id,
                    UpgResumeAction  action)
{
  g_return_val_if_fail (execution_id != NULL, NULL);

  return g_object_new (UPG_TYPE_RUN, "kind", UPG_RUN_KIND_RESUME, "resume-id", execution_id,
                       "action", action, NULL);
}

/* The options describe the request: changing them while the executor
 * reads them in its thread would be a race, and meaningless after. */
static gboolean
can_change (UpgRun *self)
{
  if (self->started)
    g_critical ("UpgRun: options cannot change once the run started");
  return !self->started;
}

static void
set_string (UpgRun     *self,
            char      **field,
            const char *value,
            guint       prop)
{
  if (!can_change (self) || g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/**
 * upg_run_set_site_id:
 * @self: a run
 * @site_id: (nullable): the site, %NULL for the configuration's `site_id`
 *
 * Sets the site a run or rollback upgrades. Only before the run starts.
 */
void
upg_run_set_site_id (UpgRun     *self,
                     const char *site_id)
{
  g_return_if_fail (UPG_IS_RUN (self));
  set_string (self, &self->site_id, site_id, PROP_SITE_ID);
}

/**
 * upg_run_set_component:
 * @self: a run
 * @component: (nullable): only run this component's steps, %NULL for all
 *
 * Restricts a run or rollback to one component. Only before the run
 * starts.
 */
void
upg_run_set_component (UpgRun     *self,
                       const char *component)
{
  g_return_if_fail (UPG_IS_RUN (self));
  set_string (self, &self->component, component, PROP_COMPONENT);
}

/**
 * upg_run_set_env:
 * @self: a run
 * @env: (nullable): the caller's environment (`--env`), passed to
 *   commands and plugins over the configuration's `env`
 *
 * Sets the environment of a run or rollback. Only before the run starts.
 */
void
upg_run_set_env (UpgRun     *self,
                 JsonObject *env)
{
  g_return_if_fail (UPG_IS_RUN (self));
  if (!can_change (self) || self->env == env)
    return;
  g_clear_pointer (&self->env, json_object_unref);
  self->env = env != NULL ? json_object_ref (env) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENV]);
}

static void
set_flag (UpgRun   *self,
          gboolean *field,
          gboolean  value,
          guint     prop)
{
  value = !!value;
  if (!can_change (self) || *field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/**
 * upg_run_set_accept_changed:
 * @self: a run
 * @accept: whether the run accepts applied statements whose file changed
 *
 * A run refuses (%UPG_ERROR_INVALID_BUNDLE) when a statement applied
 * earlier no longer matches its file (SPEC §5, drift). With @accept
 * (`run --accept-changed`) it proceeds instead and journals who accepted
 * the new text. Only before the run starts.
 */
void
upg_run_set_accept_changed (UpgRun   *self,
                            gboolean  accept)
{
  g_return_if_fail (UPG_IS_RUN (self));
  set_flag (self, &self->accept_changed, accept, PROP_ACCEPT_CHANGED);
}

/**
 * upg_run_set_new_execution:
 * @self: a run
 * @new_execution: whether the run starts a new execution
 *
 * With @new_execution (`run --new-execution`) a run does not continue the
 * unfinished execution of the same stage, versions and site but starts a
 * new one: the way on once an execution reached the resume limit (SPEC
 * §5). Steps that succeeded before are still skipped and statements whose
 * marker exists are still not sent again. Only before the run starts.
 */
void
upg_run_set_new_execution (UpgRun   *self,
                           gboolean  new_execution)
{
  g_return_if_fail (UPG_IS_RUN (self));
  set_flag (self, &self->new_execution, new_execution, PROP_NEW_EXECUTION);
}

/*
 * upg_run_set_forget: (skip)
 * @self: a rollback
 * @forget: whether upgrade steps without rollback steps stop counting as done
 *
 * A rollback undoes the upgrade steps of its stage whose manifest has
 * rollback steps there; a step that succeeded and has none is refused
 * (%UPG_ERROR_INVALID_ARGUMENT, nothing runs), since its effect would stay
 * while it no longer counted as done. With @forget (`rollback --forget`)
 * such steps no longer count as done all the same (their effect stays;
 * the next run executes them again), logged in the rollback's execution.
 * Only before the run starts.
 */
void
upg_run_set_forget (UpgRun   *self,
                    gboolean  forget)
{
  g_return_if_fail (UPG_IS_RUN (self));
  set_flag (self, &self->forget, forget, PROP_FORGET);
}

/**
 * upg_run_set_skip_checks:
 * @self: a run
 * @skip_checks: whether the run proceeds although a check stage did not pass
 * @skipped_by: (nullable): who decides so, as the journal keeps it
 *   (`user@host`, the HTTP client); %NULL for this process's user at
 *   this host
 *
 * A run of a stage after the check stages (pre_stop and later) is refused
 * with %UPG_ERROR_CHECK_FAILED while `business_check` of the same site and
 * versions has not passed (or `resource_check` failed; SPEC §3). With
 * @skip_checks (`run --skip-checks`) it runs all the same, and the
 * execution journals who skipped which check stage and why it had not
 * passed. Only before the run starts.
 */
void
upg_run_set_skip_checks (UpgRun     *self,
                         gboolean    skip_checks,
                         const char *skipped_by)
{
  g_return_if_fail (UPG_IS_RUN (self));
  g_free (self->checks_by);
  self->checks_by = g_strdup (skipped_by);
  set_flag (self, &self->skip_checks, skip_checks, PROP_SKIP_CHECKS);
}

/**
 * upg_run_set_confirm:
 * @self: a run
 * @confirm: whether the run confirms the steps of its plan that need it
 * @confirmed_by: (nullable): who confirms, as the journal keeps it
 *   (`user@host`, the HTTP client); %NULL for this process's user at
 *   this host
 * @via: (nullable): how (`"run"`, `"api"`…), kept with it; %NULL for
 *   `"run"`
 *
 * A run of a stage with a step that needs manual confirmation (SPEC §3)
 * is refused with %UPG_ERROR_CONFIRMATION_REQUIRED until the step is
 * confirmed (upg_executor_confirm()). With @confirm (`run --confirm`,
 * over HTTP `"confirm": true`) the run confirms every step of its plan
 * that needs it, as upg_executor_confirm() would, but only once the run
 * is known to start: its plan made, its check stages passed, its site
 * locked and its steps prepared (scripts split, data sources opened).
 * The confirmations are then journaled with the execution, before its
 * first step; a run refused before that journals none. A rollback or a
 * resume needs no confirmation and ignores it. Only before the run
 * starts.
 */
void
upg_run_set_confirm (UpgRun     *self,
                     gboolean    confirm,
                     const char *confirmed_by,
                     const char *via)
{
  g_return_if_fail (UPG_IS_RUN (self));
  if (!can_change (self))
    return;
  g_free (self->confirmed_by);
  self->confirmed_by = g_strdup (confirmed_by);
  g_free (self->confirm_via);
  self->confirm_via = g_strdup (via);
  set_flag (self, &self->confirm, confirm, PROP_CONFIRM);
}

/*
 * upg_run_set_checks_func: (skip)
 *
 * The checks a run of a check stage executes after its declared steps:
 * @func runs in the executor's worker thread and returns the items of
 * the stage (the assessment's, upg-check-stage.c). Only before the run
 * starts.
 */
void
upg_run_set_checks_func (UpgRun           *self,
                         UpgRunChecksFunc  func,
                         gpointer          user_data,
                         GDestroyNotify    destroy)
{
  g_return_if_fail (UPG_IS_RUN (self));
  if (self->checks_destroy != NULL)
    self->checks_destroy (self->checks_data);
  self->checks_func = func;
  self->checks_data = user_data;
  self->checks_destroy = destroy;
}

/**
 * upg_run_get_execution:
 * @self: a run
 *
 * The execution the run started or continued, once the run stopped: set
 * before the callback of upg_executor_run_async() (and before
 * upg_executor_run() returns) whether the run succeeded or not. After a
 * failure, its breakpoint says where the run stopped.
 *
 * Returns: (transfer none) (nullable): the execution, %NULL while the run
 *   goes on or when it stopped before an execution began (bad input, site
 *   locked, resume refused)
 */
UpgExecution *
upg_run_get_execution (UpgRun *self)
{
  g_return_val_if_fail (UPG_IS_RUN (self), NULL);
  return self->execution;
}

/* Called by the executor when it takes the run: a run runs once. */
gboolean
upg_run_start (UpgRun  *self,
               GError **error)
{
  if (self->started)
    {
      g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                           _("this run was started already: create a new UpgRun for each run"));
      return FALSE;
    }
  self->started = TRUE;
  return TRUE;
}

/* Called in the caller's main context once the run stopped. */
void
upg_run_set_execution (UpgRun       *self,
                       UpgExecution *execution)
{
  if (g_set_object (&self->execution, execution))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXECUTION]);
}
