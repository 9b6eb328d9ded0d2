/* upg-plan-order.c - ordering a stage's steps by depends_on
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A stable topological sort: at every turn the first step (in manifest then
 * declaration order) whose same-stage dependencies have all run is taken,
 * so steps without dependencies keep their natural order exactly.
 */
#include "config.h"
#include <glib/gi18n-lib.h>

#include "upg-plan-order-private.h"

/* Checks every depends_on of @step; TRUE if it is known and not later. */
static gboolean
check_dependencies (UpgStep    *step,
                    GHashTable *stage_of_id,
                    GHashTable *known_ids,
                    GError    **error)
{
  const char * const *deps = upg_step_get_depends_on (step);
  UpgStage stage = upg_step_get_stage (step);

  for (guint i = 0; deps != NULL && deps[i] != NULL; i++)
    {
      gpointer value;

      if (!g_hash_table_contains (known_ids, deps[i]))
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                       _("%s: step '%s' depends on '%s', which no manifest defines"),
                       upg_step_get_source_file (step), upg_step_get_id (step), deps[i]);
          return FALSE;
        }
      if (g_hash_table_lookup_extended (stage_of_id, deps[i], NULL, &value)
          && GPOINTER_TO_UINT (value) > stage)
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                       _("%s: step '%s' (%s) depends on '%s', which runs at a later stage (%s)"),
                       upg_step_get_source_file (step), upg_step_get_id (step),
                       upg_stage_to_string (stage), deps[i],
                       upg_stage_to_string (GPOINTER_TO_UINT (value)));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
is_ready (UpgStep    *step,
          GHashTable *pending)
{
  const char * const *deps = upg_step_get_depends_on (step);

  for (guint i = 0; deps != NULL && deps[i] != NULL; i++)
    if (GPOINTER_TO_UINT (g_hash_table_lookup (pending, deps[i])) > 0)
      return FALSE;
  return TRUE;
}

static UpgStep *
first_pending_dependency (UpgStep    *step,
                          GPtrArray  *remaining,
                          GHashTable *pending)
{
  const char * const *deps = upg_step_get_depends_on (step);

  for (guint i = 0; deps != NULL && deps[i] != NULL; i++)
    {
      if (GPOINTER_TO_UINT (g_hash_table_lookup (pending, deps[i])) == 0)
        continue;
      for (guint j = 0; j < remaining->len; j++)
        if (g_str_equal (upg_step_get_id (remaining->pdata[j]), deps[i]))
          return remaining->pdata[j];
    }
  return NULL;
}

/* Nothing is ready: walk unmet dependencies until a step repeats. */
static void
set_cycle_error (GPtrArray  *remaining,
                 GHashTable *pending,
                 GError    **error)
{
  g_autoptr(GPtrArray) walk = g_ptr_array_new ();
  UpgStep *step = remaining->pdata[0];
  g_autoptr(GString) text = g_string_new (NULL);
  guint start = 0;

  while (step != NULL && !g_ptr_array_find (walk, step, &start))
    {
      g_ptr_array_add (walk, step);
      step = first_pending_dependency (step, remaining, pending);
    }
  for (guint i = start; i < walk->len; i++)
    g_string_append_printf (text, "%s -> ", upg_step_get_id (walk->pdata[i]));
  g_string_append (text, upg_step_get_id (walk->pdata[start]));
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
               _("%s: dependency cycle between steps: %s"),
               upg_step_get_source_file (walk->pdata[start]), text->str);
}

/**
 * upg_plan_order_steps:
 * @candidates: (element-type UpgStep): one stage's steps in manifest then
 *   declaration order
 * @stage_of_id: step id → stage (as pointer) of every step in the plan
 * @known_ids: ids of every step of the bundle (a set)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type UpgStep) (nullable): @candidates
 *   ordered so that each runs after the steps it depends on;
 *   %UPG_ERROR_INVALID_BUNDLE on an unknown id, a dependency on a later
 *   stage, or a cycle (named `a -> b -> a`)
 */
GPtrArray *
upg_plan_order_steps (GPtrArray  *candidates,
                      GHashTable *stage_of_id,
                      GHashTable *known_ids,
                      GError    **error)
{
  g_autoptr(GPtrArray) ordered = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) remaining = g_ptr_array_copy (candidates, NULL, NULL);
  g_autoptr(GHashTable) pending = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < candidates->len; i++)
    {
      const char *id = upg_step_get_id (candidates->pdata[i]);

      if (!check_dependencies (candidates->pdata[i], stage_of_id, known_ids, error))
        return NULL;
      g_hash_table_insert (pending, (gpointer) id,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (pending, id)) + 1));
    }
  while (remaining->len > 0)
    {
      guint i = 0;
      UpgStep *step;
      const char *id;

      while (i < remaining->len && !is_ready (remaining->pdata[i], pending))
        i++;
      if (i == remaining->len)
        {
          set_cycle_error (remaining, pending, error);
          return NULL;
        }
      step = g_ptr_array_steal_index (remaining, i);
      id = upg_step_get_id (step);
      g_hash_table_insert (pending, (gpointer) id,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (pending, id)) - 1));
      g_ptr_array_add (ordered, g_object_ref (step));
    }
  return g_steal_pointer (&ordered);
}

/* The problem with one list of steps of @manifest, or NULL. */
static char *
component_problem_in (UpgManifest *manifest,
                      GPtrArray   *steps,
                      const char  *list,
                      UpgStage     stage)
{
  for (guint i = 0; i < steps->len; i++)
    {
      const char *component = upg_step_get_component (steps->pdata[i]);

      if (component == NULL || *component == '\0')
        return g_strdup_printf (_("%s: $.%s.%s[%u].component: missing: step '%s' needs a component, "
                                  "its own or the manifest's \"component\""),
                                upg_manifest_get_path (manifest), list, upg_stage_to_string (stage), i,
                                upg_step_get_id (steps->pdata[i]));
    }
  return NULL;
}

/**
 * upg_plan_component_problem:
 * @manifest: a manifest
 *
 * The journal records a step by (site, component, version, id), so a step
 * without a component, its own or the manifest's, cannot run exactly once:
 * refused when the bundle is validated and when it is planned rather than
 * by the journal in the middle of a run.
 *
 * Returns: (transfer full) (nullable): the first such step as a message
 *   naming the file and the JSON path, %NULL when every step has one
 */
char *
upg_plan_component_problem (UpgManifest *manifest)
{
  for (guint s = 0; s < UPG_N_STAGES; s++)
    {
      char *problem = component_problem_in (manifest, upg_manifest_get_steps (manifest, s),
                                            "upgrade_steps", s);

      if (problem == NULL)
        problem = component_problem_in (manifest, upg_manifest_get_rollback_steps (manifest, s),
                                        "rollback_steps", s);
      if (problem != NULL)
        return problem;
    }
  return NULL;
}
