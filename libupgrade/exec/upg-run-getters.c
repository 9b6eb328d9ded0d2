/* upg-run-getters.c - what a run was asked to do, read back
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The executor reads these in its worker thread once the run started,
 * when the options no longer change; the bindings read them to show the
 * request. The setters stay in upg-run.c: its set_property calls them,
 * and a file of their own would both use upg-run.c's type and be used
 * by it, a cycle docs/ARCHITECTURE.md rules out.
 */
#include "config.h"

#include "upg-run-fields-private.h"

/**
 * upg_run_get_kind:
 * @self: a run
 *
 * What the run does.
 *
 * Returns: whether @self runs, rolls back or resumes
 */
UpgRunKind
upg_run_get_kind (UpgRun *self)
{
  g_return_val_if_fail (UPG_IS_RUN (self), UPG_RUN_KIND_RUN);
  return self->kind;
}

/**
 * upg_run_get_from:
 * @self: a run
 *
 * The version the run starts from.
 *
 * Returns: (transfer none) (nullable): the version the site is at, %NULL
 *   for a resume
 */
const UpgVersion *
upg_run_get_from (UpgRun *self)
{
  g_return_val_if_fail (UPG_IS_RUN (self), NULL);
  return self->from;
}

/**
 * upg_run_get_to:
 * @self: a run
 *
 * The version the run goes to.
 *
 * Returns: (transfer none) (nullable): the version to upgrade to, %NULL
 *   for a resume
 */
const UpgVersion *
upg_run_get_to (UpgRun *self)
{
  g_return_val_if_fail (UPG_IS_RUN (self), NULL);
  return self->to;
}

/**
 * upg_run_get_stage:
 * @self: a run
 *
 * The stage the run runs.
 *
 * Returns: the stage of a run or rollback
 */
UpgStage
upg_run_get_stage (UpgRun *self)
{
  g_return_val_if_fail (UPG_IS_RUN (self), UPG_STAGE_RESOURCE_CHECK);
  return self->stage;
}

/**
 * upg_run_get_resume_id:
 * @self: a run
 *
 * The execution a resume continues.
 *
 * Returns: (transfer none) (nullable): the execution a resume continues
 */
const char *
upg_run_get_resume_id (UpgRun *self)
{
  g_return_val_if_fail (UPG_IS_RUN (self), NULL);
  return self->resume_id;
}

/**
 * upg_run_get_action:
 * @self: a run
 *
 * What a resume does at the breakpoint.
 *
 * Returns: what a resume does at the breakpoint
 */
UpgResumeAction
upg_run_get_action (UpgRun *self)
{
  g_return_val_if_fail (UPG_IS_RUN (self), UPG_RESUME_ACTION_CONTINUE);
  return self->action;
}

/**
 * upg_run_get_site_id:
 * @self: a run
 *
 * The site of the run.
 *
 * Returns: (transfer none) (nullable): the site set by
 *   upg_run_set_site_id()
 */
const char *
upg_run_get_site_id (UpgRun *self)
{
  g_return_val_if_fail (UPG_IS_RUN (self), NULL);
  return self->site_id;
}

/**
 * upg_run_get_component:
 * @self: a run
 *
 * The only component whose steps run.
 *
 * Returns: (transfer none) (nullable): the component set by
 *   upg_run_set_component()
 */
const char *
upg_run_get_component (UpgRun *self)
{
  g_return_val_if_fail (UPG_IS_RUN (self), NULL);
  return self->component;
}

/**
 * upg_run_get_env:
 * @self: a run
 *
 * The caller's environment of the run.
 *
 * Returns: (transfer none) (nullable): the environment set by
 *   upg_run_set_env()
 */
JsonObject *
upg_run_get_env (UpgRun *self)
{
  g_return_val_if_fail (UPG_IS_RUN (self), NULL);
  return self->env;
}

/**
 * upg_run_get_accept_changed:
 * @self: a run
 *
 * Whether the run accepts changed statements.
 *
 * Returns: whether the run accepts changed statements (see
 *   upg_run_set_accept_changed())
 */
gboolean
upg_run_get_accept_changed (UpgRun *self)
{
  g_return_val_if_fail (UPG_IS_RUN (self), FALSE);
  return self->accept_changed;
}

/**
 * upg_run_get_new_execution:
 * @self: a run
 *
 * Whether the run starts a new execution.
 *
 * Returns: whether the run starts a new execution (see
 *   upg_run_set_new_execution())
 */
gboolean
upg_run_get_new_execution (UpgRun *self)
{
  g_return_val_if_fail (UPG_IS_RUN (self), FALSE);
  return self->new_execution;
}

/*
 * upg_run_get_forget: (skip)
 * @self: a run
 *
 * Returns: whether the rollback forgets steps without rollback steps (see
 *   upg_run_set_forget())
 */
gboolean
upg_run_get_forget (UpgRun *self)
{
  g_return_val_if_fail (UPG_IS_RUN (self), FALSE);
  return self->forget;
}

/**
 * upg_run_get_skip_checks:
 * @self: a run
 *
 * Whether the run proceeds although a check stage did not pass.
 *
 * Returns: whether the run skips the check stages' verdict (see
 *   upg_run_set_skip_checks())
 */
gboolean
upg_run_get_skip_checks (UpgRun *self)
{
  g_return_val_if_fail (UPG_IS_RUN (self), FALSE);
  return self->skip_checks;
}

/*
 * upg_run_get_skipped_by: (skip)
 *
 * Returns: (nullable): who skips the checks, as upg_run_set_skip_checks()
 *   was told; %NULL for this process's user
 */
const char *
upg_run_get_skipped_by (UpgRun *self)
{
  g_return_val_if_fail (UPG_IS_RUN (self), NULL);
  return self->checks_by;
}

/**
 * upg_run_get_confirm:
 * @self: a run
 *
 * Whether the run confirms the steps of its plan that need it.
 *
 * Returns: see upg_run_set_confirm()
 */
gboolean
upg_run_get_confirm (UpgRun *self)
{
  g_return_val_if_fail (UPG_IS_RUN (self), FALSE);
  return self->confirm;
}

/*
 * upg_run_get_confirmed_by: (skip)
 *
 * Returns: (nullable): who confirms with the run and how, as
 *   upg_run_set_confirm() was told; %NULL for this process's user and
 *   "run"
 */
const char *
upg_run_get_confirmed_by (UpgRun      *self,
                          const char **via)
{
  g_return_val_if_fail (UPG_IS_RUN (self), NULL);
  *via = self->confirm_via;
  return self->confirmed_by;
}

/*
 * upg_run_get_checks_func: (skip)
 *
 * Returns: (nullable): the checks of the run (upg_run_set_checks_func())
 */
UpgRunChecksFunc
upg_run_get_checks_func (UpgRun   *self,
                         gpointer *user_data)
{
  g_return_val_if_fail (UPG_IS_RUN (self), NULL);
  *user_data = self->checks_data;
  return self->checks_func;
}
