/* upg-executor-confirm.c - steps that need a person's confirmation
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A step without a `compatible_version`, or with one above the version
 * the site upgrades from, "needs manual confirmation" (SPEC §3): the
 * design documents require 人工确认 before such a step changes a site.
 * The executor refuses to run a stage while any of its steps is not
 * confirmed for the plan (site, from, to) — before anything is locked,
 * started or journaled, so that "nothing ran" holds for the steps before
 * it too. A confirmation is journaled once (upg-journal-confirm.c) and
 * holds for every later run of the same plan. A run that confirms its
 * plan itself (`run --confirm`, HTTP `"confirm": true`) journals that
 * only when its execution starts: a run refused as bad input, locked
 * out or stopped by the check gate must not leave a confirmation that a
 * later plain run would take as the operator's.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-executor-confirm-private.h"
#include "upg-execution-private.h"
#include "upg-journal-confirm-private.h"

static char *
step_key (const char *component,
          const char *version,
          const char *step_id)
{
  return g_strdup_printf ("%s\x1f%s\x1f%s", component, version, step_id);
}

/* The keys of the steps confirmed for the plan. */
static GHashTable *
confirmed_keys (UpgExecutor  *self,
                const char   *site_id,
                UpgPlan      *plan,
                GError      **error)
{
  g_autofree char *from = upg_version_to_string (upg_plan_get_from (plan));
  g_autofree char *to = upg_version_to_string (upg_plan_get_to (plan));
  g_autoptr(JsonArray) rows = upg_journal_list_confirmations (upg_executor_get_journal (self), site_id,
                                                              from, to, error);
  GHashTable *keys;

  if (rows == NULL)
    return NULL;
  keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);

      g_hash_table_add (keys, step_key (json_object_get_string_member_with_default (row, "component", ""),
                                        json_object_get_string_member_with_default (row, "version", ""),
                                        json_object_get_string_member_with_default (row, "step_id", "")));
    }
  return keys;
}

static gboolean
is_confirmed (GHashTable *keys,
              UpgStep    *step)
{
  g_autofree char *version = upg_version_to_string (upg_step_get_version (step));
  g_autofree char *key = step_key (upg_step_get_component (step), version, upg_step_get_id (step));

  return g_hash_table_contains (keys, key);
}

/*
 * upg_executor_unconfirmed_steps:
 * @steps: (element-type UpgStep): steps of @plan
 *
 * Returns: (transfer container) (element-type UpgStep) (nullable): those
 *   of @steps that need confirmation and have none for the plan, in
 *   order; %NULL on error
 */
GPtrArray *
upg_executor_unconfirmed_steps (UpgExecutor  *self,
                                UpgPlan      *plan,
                                const char   *site_id,
                                GPtrArray    *steps,
                                GError      **error)
{
  g_autoptr(GHashTable) keys = NULL;
  g_autoptr(GPtrArray) unconfirmed = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < steps->len; i++)
    {
      UpgStep *step = g_ptr_array_index (steps, i);

      if (upg_plan_get_incompatible_reason (plan, step) == NULL)
        continue;
      /* Read only when a step needs it: a rolling plan never asks. */
      if (keys == NULL && (keys = confirmed_keys (self, site_id, plan, error)) == NULL)
        return NULL;
      if (!is_confirmed (keys, step))
        g_ptr_array_add (unconfirmed, g_object_ref (step));
    }
  return g_steal_pointer (&unconfirmed);
}

/*
 * upg_executor_check_confirmed:
 *
 * Fails with %UPG_ERROR_CONFIRMATION_REQUIRED, listing them with their
 * reason, if any of @steps is not confirmed.
 */
gboolean
upg_executor_check_confirmed (UpgExecutor  *self,
                              UpgPlan      *plan,
                              const char   *site_id,
                              UpgStage      stage,
                              GPtrArray    *steps,
                              GError      **error)
{
  g_autoptr(GPtrArray) unconfirmed = upg_executor_unconfirmed_steps (self, plan, site_id, steps, error);
  g_autoptr(GString) list = NULL;

  if (unconfirmed == NULL)
    return FALSE;
  if (unconfirmed->len == 0)
    return TRUE;
  list = g_string_new (NULL);
  for (guint i = 0; i < unconfirmed->len; i++)
    {
      UpgStep *step = g_ptr_array_index (unconfirmed, i);
      g_autofree char *version = upg_version_to_string (upg_step_get_version (step));

      /* TRANSLATORS: one step in the list of steps that need confirmation:
       * id, manifest version, why it needs confirmation */
      g_string_append_printf (list, _("\n  %s (%s): %s"), upg_step_get_id (step), version,
                              upg_plan_get_incompatible_reason (plan, step));
    }
  g_set_error (error, UPG_ERROR, UPG_ERROR_CONFIRMATION_REQUIRED,
               g_dngettext (GETTEXT_PACKAGE,
                            "stage %s of site %s: %u step needs manual confirmation before it runs; "
                            "nothing ran:%s",
                            "stage %s of site %s: %u steps need manual confirmation before they run; "
                            "nothing ran:%s", unconfirmed->len),
               upg_stage_to_string (stage), site_id, unconfirmed->len, list->str);
  return FALSE;
}

/*
 * upg_executor_defer_confirmations:
 * @plan: the run's plan
 * @confirmed_by: (nullable): who, %NULL for this process's user at this host
 * @via: (nullable): how, %NULL for "run"
 *
 * The run confirms the steps of @plan that need it (`run --confirm`):
 * instead of being refused for want of a confirmation, it journals one
 * when its execution exists, with upg_executor_journal_confirmations().
 */
void
upg_executor_defer_confirmations (UpgRunContext *ctx,
                                  UpgPlan       *plan,
                                  const char    *confirmed_by,
                                  const char    *via)
{
  g_set_object (&ctx->confirm_plan, plan);
  g_free (ctx->confirmed_by);
  ctx->confirmed_by = confirmed_by != NULL ? g_strdup (confirmed_by)
                                           : g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());
  g_free (ctx->confirm_via);
  ctx->confirm_via = g_strdup (via != NULL ? via : "run");
}

/*
 * upg_executor_journal_confirmations:
 *
 * Journals and logs what upg_executor_defer_confirmations() deferred,
 * with the execution that gave it: called once the run holds the lock,
 * its steps are prepared and its execution exists, before its first
 * step — a run refused before that confirmed nothing.
 */
gboolean
upg_executor_journal_confirmations (UpgRunContext  *ctx,
                                    GError        **error)
{
  UpgPlan *plan = ctx->confirm_plan;
  g_autoptr(GPtrArray) todo = NULL;

  if (plan == NULL)
    return TRUE;
  /* Read again under the lock: a step confirmed meanwhile (`confirm` in
   * another shell) is not journaled twice. */
  todo = upg_executor_unconfirmed_steps (ctx->executor, plan, ctx->site_id, upg_plan_get_incompatible_steps (plan),
                                         error);
  if (todo == NULL)
    return FALSE;
  if (todo->len == 0)
    return TRUE;
  if (!upg_journal_add_confirmations (ctx->journal, ctx->site_id, ctx->from_text, ctx->to_text, todo,
                                      ctx->confirmed_by, ctx->confirm_via, upg_execution_get_id (ctx->execution),
                                      error))
    return FALSE;
  for (guint i = 0; i < todo->len; i++)
    {
      UpgStep *step = g_ptr_array_index (todo, i);
      g_autofree char *version = upg_version_to_string (upg_step_get_version (step));

      /* TRANSLATORS: step id, manifest version, stage, who, how ("run",
       * "api"), why the step needs confirmation */
      upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE, _("step %s (%s, %s) confirmed by %s (via %s): %s"),
                           upg_step_get_id (step), version, upg_stage_to_string (upg_step_get_stage (step)),
                           ctx->confirmed_by, ctx->confirm_via, upg_plan_get_incompatible_reason (plan, step));
    }
  return TRUE;
}

/* The plan of a site of the executor's configuration. */
static UpgPlan *
plan_for (UpgExecutor       *self,
          const UpgVersion  *from,
          const UpgVersion  *to,
          const char       **site_id,
          GError           **error)
{
  UpgConfig *config = upg_executor_get_config (self);

  if (*site_id == NULL || **site_id == '\0')
    *site_id = upg_config_get_site_id (config);
  if (*site_id == NULL || **site_id == '\0')
    {
      g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                           _("no site: pass --site or set \"site_id\" in the configuration"));
      return NULL;
    }
  return upg_plan_new_for_config (upg_executor_get_bundle (self), config, from, to, *site_id, error);
}

/* All steps of @plan, in execution order. */
static GPtrArray *
plan_steps (UpgPlan *plan)
{
  GPtrArray *all = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint s = 0; s < UPG_N_STAGES; s++)
    {
      GPtrArray *steps = upg_plan_get_steps (plan, (UpgStage) s);

      for (guint i = 0; steps != NULL && i < steps->len; i++)
        g_ptr_array_add (all, g_object_ref (g_ptr_array_index (steps, i)));
    }
  return all;
}

/* What the CLI, the HTTP service and bindings show of a step to confirm
 * (the same members everywhere, SPEC §10). */
static JsonArray *
steps_json (UpgPlan   *plan,
            GPtrArray *steps)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < steps->len; i++)
    {
      UpgStep *step = g_ptr_array_index (steps, i);
      g_autofree char *version = upg_version_to_string (upg_step_get_version (step));
      const UpgVersion *compatible = upg_step_get_compatible_version (step);
      g_autofree char *compatible_text = compatible != NULL ? upg_version_to_string (compatible) : NULL;
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "id", upg_step_get_id (step));
      json_object_set_string_member (object, "version", version);
      json_object_set_string_member (object, "component", upg_step_get_component (step));
      json_object_set_string_member (object, "stage", upg_stage_to_string (upg_step_get_stage (step)));
      if (compatible_text != NULL)
        json_object_set_string_member (object, "compatible_version", compatible_text);
      else
        json_object_set_null_member (object, "compatible_version");
      json_object_set_string_member (object, "reason", upg_plan_get_incompatible_reason (plan, step));
      json_array_add_object_element (array, object);
    }
  return array;
}

/* "a, b, c": the ids of @steps, for a message, each once: a step id
 * repeated by several versions' manifests is one thing to type. */
static char *
incompatible_ids (GPtrArray *steps)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GString *ids = g_string_new (NULL);

  for (guint i = 0; i < steps->len; i++)
    {
      const char *id = upg_step_get_id (g_ptr_array_index (steps, i));

      if (g_hash_table_add (seen, (gpointer) id))
        g_string_append_printf (ids, "%s%s", ids->len > 0 ? ", " : "", id);
    }
  return g_string_free (ids, FALSE);
}

/* The steps of @plan to confirm: @step_ids (each must be a step that
 * needs confirmation) or, without, every step that needs it. */
static GPtrArray *
select_to_confirm (UpgPlan             *plan,
                   const char * const  *step_ids,
                   GError             **error)
{
  GPtrArray *incompatible = upg_plan_get_incompatible_steps (plan);
  g_autoptr(GPtrArray) selected = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) all = plan_steps (plan);

  if (step_ids == NULL || step_ids[0] == NULL)
    {
      for (guint i = 0; i < incompatible->len; i++)
        g_ptr_array_add (selected, g_object_ref (g_ptr_array_index (incompatible, i)));
      return g_steal_pointer (&selected);
    }
  for (guint n = 0; step_ids[n] != NULL; n++)
    {
      gboolean in_plan = FALSE, needs = FALSE;

      for (guint i = 0; i < all->len; i++)
        {
          UpgStep *step = g_ptr_array_index (all, i);

          if (!g_str_equal (upg_step_get_id (step), step_ids[n]))
            continue;
          in_plan = TRUE;
          if (upg_plan_get_incompatible_reason (plan, step) == NULL)
            continue;
          needs = TRUE;
          if (!g_ptr_array_find (selected, step, NULL))
            g_ptr_array_add (selected, g_object_ref (step));
        }
      if (!in_plan)
        {
          g_autofree char *expected = incompatible_ids (incompatible);

          /* A typo is the usual cause: name what would have been right. */
          if (incompatible->len == 0)
            g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                         _("--step %s: no step of the plan has this id, and no step of the plan needs "
                           "confirmation"), step_ids[n]);
          else
            g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                         _("--step %s: no step of the plan has this id: expected one of the steps that "
                           "need confirmation: %s"), step_ids[n], expected);
          return NULL;
        }
      if (!needs)
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                       _("--step %s: this step is compatible with the version upgraded from and needs no "
                         "confirmation"), step_ids[n]);
          return NULL;
        }
    }
  return g_steal_pointer (&selected);
}

/**
 * upg_executor_confirm:
 * @self: an #UpgExecutor
 * @from: the version the site is at
 * @to: the version to upgrade to
 * @site_id: (nullable): the site; %NULL for the configuration's `site_id`
 * @step_ids: (nullable) (array zero-terminated=1): ids of the steps to
 *   confirm; %NULL or empty for every step of the plan that needs it
 * @confirmed_by: who confirms, as the journal keeps it: `user@host`, or
 *   the HTTP client
 * @via: how (`"cli"`, `"run"`, `"api"`…), kept with it
 * @error: return location for a #GError
 *
 * Confirms steps of the plan @from → @to at the site that need manual
 * confirmation (no `compatible_version`, or one above @from; SPEC §3), so
 * that runs of their stages may execute them. The confirmation is
 * journaled with @confirmed_by, @via and the time, and holds for every
 * later run of the same plan. A step confirmed already is not journaled
 * again. An id that names no step of the plan, or a step that needs no
 * confirmation, is %UPG_ERROR_INVALID_ARGUMENT and nothing is confirmed.
 *
 * Returns: (transfer full) (nullable): the steps this call confirmed
 *   (empty if all were confirmed already), as objects with `id`,
 *   `version`, `component`, `stage`, `compatible_version` (%NULL when
 *   none is declared) and `reason`; %NULL on error
 */
JsonArray *
upg_executor_confirm (UpgExecutor         *self,
                      const UpgVersion    *from,
                      const UpgVersion    *to,
                      const char          *site_id,
                      const char * const  *step_ids,
                      const char          *confirmed_by,
                      const char          *via,
                      GError             **error)
{
  g_autoptr(UpgPlan) plan = NULL;
  g_autoptr(GPtrArray) selected = NULL;
  g_autoptr(GPtrArray) todo = NULL;
  g_autofree char *from_text = NULL, *to_text = NULL;

  g_return_val_if_fail (UPG_IS_EXECUTOR (self), NULL);
  g_return_val_if_fail (from != NULL && to != NULL, NULL);
  g_return_val_if_fail (confirmed_by != NULL && via != NULL, NULL);

  if ((plan = plan_for (self, from, to, &site_id, error)) == NULL ||
      (selected = select_to_confirm (plan, step_ids, error)) == NULL ||
      (todo = upg_executor_unconfirmed_steps (self, plan, site_id, selected, error)) == NULL)
    return NULL;
  from_text = upg_version_to_string (from);
  to_text = upg_version_to_string (to);
  if (!upg_journal_add_confirmations (upg_executor_get_journal (self), site_id, from_text, to_text, todo,
                                      confirmed_by, via, NULL, error))
    return NULL;
  return steps_json (plan, todo);
}

/* The unconfirmed steps of the plan, of one stage and component if
 * asked (@stage: UPG_N_STAGES for all). */
static JsonArray *
list_unconfirmed (UpgExecutor       *self,
                  const UpgVersion  *from,
                  const UpgVersion  *to,
                  const char        *site_id,
                  guint              stage,
                  const char        *component,
                  GError           **error)
{
  g_autoptr(UpgPlan) plan = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) unconfirmed = NULL;
  g_autoptr(GPtrArray) selected = g_ptr_array_new ();

  if ((plan = plan_for (self, from, to, &site_id, error)) == NULL)
    return NULL;
  all = plan_steps (plan);
  if ((unconfirmed = upg_executor_unconfirmed_steps (self, plan, site_id, all, error)) == NULL)
    return NULL;
  for (guint i = 0; i < unconfirmed->len; i++)
    {
      UpgStep *step = g_ptr_array_index (unconfirmed, i);

      if ((stage == UPG_N_STAGES || upg_step_get_stage (step) == stage) &&
          (component == NULL || g_strcmp0 (upg_step_get_component (step), component) == 0))
        g_ptr_array_add (selected, step);
    }
  return steps_json (plan, selected);
}

/**
 * upg_executor_list_unconfirmed:
 * @self: an #UpgExecutor
 * @from: the version the site is at
 * @to: the version to upgrade to
 * @site_id: (nullable): the site; %NULL for the configuration's `site_id`
 * @error: return location for a #GError
 *
 * Lists the steps of the plan that need manual confirmation and have
 * none yet: a run of their stage is refused with
 * %UPG_ERROR_CONFIRMATION_REQUIRED until upg_executor_confirm().
 *
 * Returns: (transfer full) (nullable): the steps in execution order, as
 *   upg_executor_confirm() describes them; %NULL on error
 */
JsonArray *
upg_executor_list_unconfirmed (UpgExecutor       *self,
                               const UpgVersion  *from,
                               const UpgVersion  *to,
                               const char        *site_id,
                               GError           **error)
{
  g_return_val_if_fail (UPG_IS_EXECUTOR (self), NULL);
  g_return_val_if_fail (from != NULL && to != NULL, NULL);

  return list_unconfirmed (self, from, to, site_id, UPG_N_STAGES, NULL, error);
}

/**
 * upg_executor_list_unconfirmed_for_run:
 * @self: an #UpgExecutor
 * @run: a run (not a resume or rollback: those need no list)
 * @error: return location for a #GError
 *
 * Lists the steps that keep @run from starting: those of its stage (and
 * component, if it has one) that need manual confirmation and have none.
 * This is what a caller shows when the run failed with
 * %UPG_ERROR_CONFIRMATION_REQUIRED.
 *
 * Returns: (transfer full) (nullable): the steps, as
 *   upg_executor_confirm() describes them; %NULL on error
 */
JsonArray *
upg_executor_list_unconfirmed_for_run (UpgExecutor  *self,
                                       UpgRun       *run,
                                       GError      **error)
{
  g_return_val_if_fail (UPG_IS_EXECUTOR (self), NULL);
  g_return_val_if_fail (UPG_IS_RUN (run), NULL);

  if (upg_run_get_from (run) == NULL || upg_run_get_to (run) == NULL)
    return json_array_new ();
  return list_unconfirmed (self, upg_run_get_from (run), upg_run_get_to (run), upg_run_get_site_id (run),
                           upg_run_get_stage (run), upg_run_get_component (run), error);
}

/**
 * upg_executor_list_confirmations:
 * @self: an #UpgExecutor
 * @from: the version the site is at
 * @to: the version to upgrade to
 * @site_id: (nullable): the site; %NULL for the configuration's `site_id`
 * @error: return location for a #GError
 *
 * Reads the journaled confirmations of the plan, oldest first.
 *
 * Returns: (transfer full) (nullable): objects with `component`,
 *   `version`, `step_id`, `confirmed_by`, `via` and `confirmed_at`
 *   (ISO 8601); %NULL on error
 */
JsonArray *
upg_executor_list_confirmations (UpgExecutor       *self,
                                 const UpgVersion  *from,
                                 const UpgVersion  *to,
                                 const char        *site_id,
                                 GError           **error)
{
  g_autofree char *from_text = NULL, *to_text = NULL;

  g_return_val_if_fail (UPG_IS_EXECUTOR (self), NULL);
  g_return_val_if_fail (from != NULL && to != NULL, NULL);

  if (site_id == NULL || *site_id == '\0')
    site_id = upg_config_get_site_id (upg_executor_get_config (self));
  if (!upg_config_check_site (upg_executor_get_config (self), site_id, error))
    return NULL;
  from_text = upg_version_to_string (from);
  to_text = upg_version_to_string (to);
  return upg_journal_list_confirmations (upg_executor_get_journal (self), site_id, from_text, to_text, error);
}

/* The confirmation among @confirmations of the plan's step @step (a
 * member of upg_plan_to_json()), or NULL. */
static JsonObject *
find_confirmation (JsonArray  *confirmations,
                   JsonObject *step)
{
  const char *id = json_object_get_string_member_with_default (step, "id", NULL);
  const char *version = json_object_get_string_member_with_default (step, "version", NULL);

  for (guint i = 0; i < json_array_get_length (confirmations); i++)
    {
      JsonObject *row = json_array_get_object_element (confirmations, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (row, "step_id", NULL), id) == 0 &&
          g_strcmp0 (json_object_get_string_member_with_default (row, "version", NULL), version) == 0)
        return row;
    }
  return NULL;
}

static void
annotate_step (JsonObject *step,
               JsonArray  *confirmations)
{
  JsonObject *row = find_confirmation (confirmations, step);
  JsonObject *confirmation;

  json_object_set_boolean_member (step, "confirmed", row != NULL);
  if (row == NULL)
    {
      json_object_set_null_member (step, "confirmation");
      return;
    }
  confirmation = json_object_new ();
  json_object_set_string_member (confirmation, "confirmed_by",
                                 json_object_get_string_member_with_default (row, "confirmed_by", ""));
  json_object_set_string_member (confirmation, "confirmed_at",
                                 json_object_get_string_member_with_default (row, "confirmed_at", ""));
  json_object_set_string_member (confirmation, "via", json_object_get_string_member_with_default (row, "via", ""));
  json_object_set_object_member (step, "confirmation", confirmation);
}

/**
 * upg_executor_plan_to_json:
 * @self: an #UpgExecutor
 * @plan: a plan of a site of the executor's configuration
 * @error: return location for a #GError
 *
 * The plan as upg_plan_to_json() gives it, where every step that needs
 * manual confirmation (in `stages` and in `incompatible`) also says
 * whether it was confirmed: `confirmed` (boolean) and `confirmation`,
 * %NULL or `{"confirmed_by", "confirmed_at", "via"}` as the journal
 * keeps it. A rolling plan does not read the journal.
 *
 * Returns: (transfer full) (nullable): a JSON object node; %NULL on error
 */
JsonNode *
upg_executor_plan_to_json (UpgExecutor  *self,
                           UpgPlan      *plan,
                           GError      **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) confirmations = NULL;
  JsonObject *root;
  JsonArray *stages, *incompatible;

  g_return_val_if_fail (UPG_IS_EXECUTOR (self), NULL);
  g_return_val_if_fail (UPG_IS_PLAN (plan), NULL);

  node = upg_plan_to_json (plan);
  if (upg_plan_get_incompatible_steps (plan)->len == 0)
    return g_steal_pointer (&node);
  confirmations = upg_executor_list_confirmations (self, upg_plan_get_from (plan), upg_plan_get_to (plan),
                                                   upg_plan_get_site_id (plan), error);
  if (confirmations == NULL)
    return NULL;
  root = json_node_get_object (node);
  stages = json_object_get_array_member (root, "stages");
  for (guint s = 0; s < json_array_get_length (stages); s++)
    {
      JsonArray *steps = json_object_get_array_member (json_array_get_object_element (stages, s), "steps");

      for (guint i = 0; i < json_array_get_length (steps); i++)
        {
          JsonObject *step = json_array_get_object_element (steps, i);

          if (!json_object_get_boolean_member_with_default (step, "compatible", TRUE))
            annotate_step (step, confirmations);
        }
    }
  incompatible = json_object_get_array_member (root, "incompatible");
  for (guint i = 0; i < json_array_get_length (incompatible); i++)
    annotate_step (json_array_get_object_element (incompatible, i), confirmations);
  return g_steal_pointer (&node);
}
