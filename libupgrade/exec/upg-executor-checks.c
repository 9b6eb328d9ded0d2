/* upg-executor-checks.c - check stages: their checks, and the stages they guard
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `resource_check` and `business_check` run the assessment's items of
 * their stage (SPEC §3) after any steps declared there. The assessment
 * lives above the executor (libupgrade/assess/), so the items come from
 * a function the run carries (upg_check_stage_attach() sets it). Each
 * item is journaled as a step of the execution named `<check>:<id>`
 * (component "check", the version of the manifest that declares it, or
 * the plan's to version for a check no manifest declares, like a host's
 * resources): pass SUCCESS, warn SUCCESS
 * with a message starting "warn: ", fail FAILED, a rule outside its
 * version range SKIPPED. A failed check fails the execution
 * (%UPG_ERROR_CHECK_FAILED, exit 1) without a breakpoint: checks only
 * read, so running the stage again evaluates them afresh in a new
 * execution rather than resuming the old one.
 *
 * A run of a later stage (pre_stop and after) is refused before anything
 * is locked while the newest execution of `resource_check` or
 * `business_check` of the same site and versions did not succeed: a
 * verdict known to be `fail` is never walked past by accident. A check
 * stage never run is not required: callers that assess instead (the
 * CI/CD hook, library users) and plans with nothing to check go on as
 * before; the operator's workflow (README, demo) runs business_check.
 * `--skip-checks` lets the run go ahead; the execution then journals, in
 * upgrade_check_skip, which check stage it skipped, why it had not
 * passed and who decided. The gate is asked when an execution starts,
 * not when it is resumed, and that journaled decision covers the
 * execution to its end (upg-executor-run.c, gate_run()).
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "upg-executor-checks-private.h"
#include "upg-execution-private.h"
#include "upg-journal-confirm-private.h"
#include "upg-run-private.h"

#define CHECK_COMPONENT "check"

static void
check_skip_free (UpgCheckSkip *skip)
{
  g_free (skip->reason);
  g_free (skip);
}

gboolean
upg_executor_is_check_stage (UpgStage stage)
{
  return stage == UPG_STAGE_RESOURCE_CHECK || stage == UPG_STAGE_BUSINESS_CHECK;
}

/* Why @check_stage of the plan has not passed, or NULL (error unset) when
 * it passed or need not run. */
static char *
not_passed (UpgExecutor  *self,
            const char   *site_id,
            const char   *from_text,
            const char   *to_text,
            UpgStage      check_stage,
            GError      **error)
{
  g_autoptr(JsonObject) last = NULL;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GString) failed = NULL;

  last = upg_journal_find_last_execution (upg_executor_get_journal (self), site_id, from_text, to_text,
                                          check_stage, UPG_EXECUTION_KIND_RUN, error);
  /* Never run: not required (see the top of this file). */
  if (last == NULL)
    return NULL;
  execution = upg_execution_new_from_journal (last, error);
  if (execution == NULL)
    return NULL;
  if (upg_execution_get_status (execution) == UPG_EXECUTION_STATUS_SUCCESS)
    return NULL;
  failed = g_string_new (NULL);
  for (guint i = 0; i < upg_execution_get_n_steps (execution); i++)
    if (upg_execution_get_step_status (execution, i) == UPG_STEP_STATUS_FAILED)
      g_string_append_printf (failed, "%s%s", failed->len > 0 ? ", " : "", upg_execution_get_step_id (execution, i));
  if (failed->len > 0)
    /* TRANSLATORS: check stage, execution status, execution id, the checks or steps that failed */
    return g_strdup_printf (_("%s ended %s in execution %s (failed: %s)"), upg_stage_to_string (check_stage),
                            upg_execution_status_to_string (upg_execution_get_status (execution)),
                            upg_execution_get_id (execution), failed->str);
  return g_strdup_printf (_("%s ended %s in execution %s"), upg_stage_to_string (check_stage),
                          upg_execution_status_to_string (upg_execution_get_status (execution)),
                          upg_execution_get_id (execution));
}

/*
 * upg_executor_check_gate:
 * @stage: the stage to run
 * @skip: `--skip-checks`
 * @skips: (out) (transfer full) (nullable): the check stages skipped, for
 *   upg_executor_journal_check_skips(); %NULL when none was
 *
 * Refuses (%UPG_ERROR_CHECK_FAILED) a run of a stage after the check
 * stages while one of them has not passed, unless @skip.
 */
gboolean
upg_executor_check_gate (UpgExecutor  *self,
                         UpgPlan      *plan,
                         const char   *site_id,
                         UpgStage      stage,
                         gboolean      skip,
                         GPtrArray   **skips,
                         GError      **error)
{
  static const UpgStage check_stages[] = { UPG_STAGE_RESOURCE_CHECK, UPG_STAGE_BUSINESS_CHECK };
  g_autofree char *from = upg_version_to_string (upg_plan_get_from (plan));
  g_autofree char *to = upg_version_to_string (upg_plan_get_to (plan));

  *skips = NULL;
  if (stage <= UPG_STAGE_BUSINESS_CHECK)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (check_stages); i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *reason = not_passed (self, site_id, from, to, check_stages[i], &local_error);
      UpgCheckSkip *skipped;

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (reason == NULL)
        continue;
      if (!skip)
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_CHECK_FAILED,
                       /* TRANSLATORS: stage, site, from, to, why the check stage has not passed, then the
                        * command that runs the check stage */
                       _("stage %s of site %s (%s → %s) is refused: %s. Run 'upgradectl run --from %s --to %s "
                         "--site %s --stage %s' until it passes, or run this stage with --skip-checks (over "
                         "HTTP \"skip_checks\": true) to proceed anyway, journaled as your decision"),
                       upg_stage_to_string (stage), site_id, from, to, reason, from, to, site_id,
                       upg_stage_to_string (check_stages[i]));
          g_clear_pointer (skips, g_ptr_array_unref);
          return FALSE;
        }
      if (*skips == NULL)
        *skips = g_ptr_array_new_with_free_func ((GDestroyNotify) check_skip_free);
      skipped = g_new0 (UpgCheckSkip, 1);
      skipped->check_stage = check_stages[i];
      skipped->reason = g_steal_pointer (&reason);
      g_ptr_array_add (*skips, skipped);
    }
  return TRUE;
}

/*
 * upg_executor_execution_skipped_checks:
 * @execution_id: an execution of the plan @from_text → @to_text on @site_id
 * @skipped: (out): whether `--skip-checks` let it go past a check stage
 *
 * Whether the journal holds a check skip of @execution_id: a run that
 * continues it is covered by that decision (upg-executor-run.c,
 * gate_run()).
 *
 * Returns: %TRUE, or %FALSE on a journal error
 */
gboolean
upg_executor_execution_skipped_checks (UpgExecutor  *self,
                                       const char   *site_id,
                                       const char   *from_text,
                                       const char   *to_text,
                                       const char   *execution_id,
                                       gboolean     *skipped,
                                       GError      **error)
{
  g_autoptr(JsonArray) skips = upg_journal_list_check_skips (upg_executor_get_journal (self), site_id, from_text,
                                                             to_text, error);

  *skipped = FALSE;
  if (skips == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (skips) && !*skipped; i++)
    *skipped = g_strcmp0 (json_object_get_string_member_with_default (json_array_get_object_element (skips, i),
                                                                      "execution_id", NULL), execution_id) == 0;
  return TRUE;
}

/*
 * upg_executor_journal_check_skips:
 *
 * Journals and logs the check stages the run's `--skip-checks` let it
 * go past, once its execution exists.
 */
gboolean
upg_executor_journal_check_skips (UpgRunContext  *ctx,
                                  GError        **error)
{
  g_autofree char *who = NULL;

  if (ctx->check_skips == NULL)
    return TRUE;
  who = ctx->skipped_by != NULL ? g_strdup (ctx->skipped_by)
                                : g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());
  for (guint i = 0; i < ctx->check_skips->len; i++)
    {
      UpgCheckSkip *skip = g_ptr_array_index (ctx->check_skips, i);

      if (!upg_journal_add_check_skip (ctx->journal, upg_execution_get_id (ctx->execution), ctx->site_id,
                                       ctx->from_text, ctx->to_text, ctx->stage, skip->check_stage,
                                       skip->reason, who, error))
        return FALSE;
      upg_run_context_log (ctx, G_LOG_LEVEL_WARNING, _("checks skipped by %s (--skip-checks): %s"), who,
                           skip->reason);
    }
  return TRUE;
}

/* The step id `<kind>:<id>` of a check. Some assessments already name
 * their items so (`middleware:dns_db`, `backup:…`, `redis_memory:…`,
 * `double_write:…`): those are not prefixed again, or the operator would
 * read `middleware:middleware:dns_db`. */
static char *
check_step_id (UpgCheckResult *item)
{
  const char *kind = upg_check_result_get_kind (item);
  const char *check = upg_check_result_get_id (item);
  gsize len = strlen (kind);

  if (strncmp (check, kind, len) == 0 && check[len] == ':')
    return g_strdup (check);
  return g_strdup_printf ("%s:%s", kind, check);
}

/* Journals, logs and signals one check as a step of the execution. */
static gboolean
record_check (UpgRunContext  *ctx,
              UpgCheckResult *item,
              guint          *n_failed,
              GString        *failed,
              GError        **error)
{
  const char *id = upg_execution_get_id (ctx->execution);
  g_autofree char *check_id = check_step_id (item);
  const char *version = json_object_get_string_member_with_default (upg_check_result_get_figures (item),
                                                                    UPG_CHECK_MANIFEST_VERSION_FIGURE,
                                                                    ctx->to_text);
  const char *text = upg_check_result_get_message (item) != NULL ? upg_check_result_get_message (item) : "";
  g_autofree char *message = NULL;
  UpgStepStatus status;

  switch (upg_check_result_get_verdict (item))
    {
    case UPG_VERDICT_FAIL:
      status = UPG_STEP_STATUS_FAILED;
      message = g_strdup (text);
      (*n_failed)++;
      g_string_append_printf (failed, "%s%s", failed->len > 0 ? ", " : "", check_id);
      break;
    case UPG_VERDICT_WARN:
      status = UPG_STEP_STATUS_SUCCESS;
      message = g_strconcat (UPG_EXECUTION_CHECK_WARN_PREFIX, text, NULL);
      break;
    case UPG_VERDICT_SKIPPED:
      status = UPG_STEP_STATUS_SKIPPED;
      message = g_strdup (text);
      break;
    case UPG_VERDICT_PASS:
    default:
      status = UPG_STEP_STATUS_SUCCESS;
      message = g_strdup (text);
      break;
    }
  if (!upg_journal_add_step (ctx->journal, id, CHECK_COMPONENT, version, check_id, ctx->stage, error))
    return FALSE;
  if (status == UPG_STEP_STATUS_SKIPPED)
    {
      if (!upg_journal_skip_step (ctx->journal, id, CHECK_COMPONENT, version, check_id, ctx->stage, message,
                                  error))
        return FALSE;
    }
  else if (!upg_journal_begin_step (ctx->journal, id, CHECK_COMPONENT, version, check_id, ctx->stage, error) ||
           !upg_journal_finish_step (ctx->journal, id, CHECK_COMPONENT, version, check_id, status, message,
                                     error))
    return FALSE;
  upg_execution_set_step (ctx->execution, check_id, version, status, 0, message);
  if (status == UPG_STEP_STATUS_FAILED)
    upg_run_context_log_outcome (ctx, G_LOG_LEVEL_MESSAGE, "[%s] %s: %s", upg_verdict_to_string (UPG_VERDICT_FAIL),
                                 check_id, message);
  else
    upg_run_context_log (ctx, G_LOG_LEVEL_INFO, "[%s] %s: %s",
                         upg_verdict_to_string (upg_check_result_get_verdict (item)), check_id, text);
  upg_executor_emit_check_finished (ctx, check_id, version, status, message);
  return TRUE;
}

/*
 * upg_executor_run_checks:
 *
 * Runs the checks of a check stage's run (after its steps succeeded) and
 * journals each; fails with %UPG_ERROR_CHECK_FAILED naming those that
 * failed.
 */
gboolean
upg_executor_run_checks (UpgRunContext  *ctx,
                         GError        **error)
{
  UpgRunChecksFunc func = (UpgRunChecksFunc) ctx->checks_func;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GString) failed = NULL;
  g_autoptr(UpgVersion) from = NULL, to = NULL;
  guint n_failed = 0;

  if (func == NULL || ctx->rollback || !upg_executor_is_check_stage (ctx->stage))
    return TRUE;
  from = upg_version_parse (ctx->from_text, error);
  to = from != NULL ? upg_version_parse (ctx->to_text, error) : NULL;
  if (to == NULL)
    return FALSE;
  items = func (from, to, ctx->site_id, ctx->stage, ctx->env, ctx->checks_data, ctx->cancellable, error);
  if (items == NULL)
    return FALSE;
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  failed = g_string_new (NULL);
  for (guint i = 0; i < items->len; i++)
    {
      UpgCheckResult *item = g_ptr_array_index (items, i);
      g_autofree char *key = check_step_id (item);

      /* One journal row per check id (a plugin may repeat one). */
      if (g_hash_table_contains (seen, key))
        continue;
      g_hash_table_add (seen, g_steal_pointer (&key));
      if (!record_check (ctx, item, &n_failed, failed, error))
        return FALSE;
    }
  if (n_failed == 0)
    return TRUE;
  g_set_error (error, UPG_ERROR, UPG_ERROR_CHECK_FAILED,
               g_dngettext (GETTEXT_PACKAGE, "%s: %u check failed: %s", "%s: %u checks failed: %s", n_failed),
               upg_stage_to_string (ctx->stage), n_failed, failed->str);
  return FALSE;
}
