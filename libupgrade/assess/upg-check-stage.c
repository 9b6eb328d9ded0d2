/* upg-check-stage.c - the assessment's items as the checks of a check stage
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `run --stage resource_check|business_check` executes the assessment's
 * items of that stage (SPEC §3). The executor sits below the assessment,
 * so the run carries the function that assesses (upg-run-private.h); the
 * executor calls it in its worker thread while it holds the site's lock
 * and journals what it returns (upg-executor-checks.c).
 */
#include "config.h"

#include <string.h>

#include "upg-assessment.h"
#include "upg-check-stage.h"
#include "upg-executor-checks-private.h"
#include "upg-run-private.h"

typedef struct
{
  UpgConfig        *config;
  UpgBundle        *bundle;
  UpgPluginManager *plugins;   /* nullable */
  char             *disk_path;
} CheckSource;

static void
check_source_free (CheckSource *source)
{
  g_object_unref (source->config);
  g_object_unref (source->bundle);
  g_clear_object (&source->plugins);
  g_free (source->disk_path);
  g_free (source);
}

/**
 * upg_check_stage_owns_item:
 * @stage: a check stage
 * @kind: the kind of an assessment item (`resource`, `data_quality`…)
 *
 * Whether a run of @stage executes the assessment's items of @kind:
 * `resource_check` the resource items (host, backup and double-write
 * space, Redis memory, resource plugins), `business_check` the
 * data-quality rules and the middleware versions. Compatibility is the
 * confirmation's (upg_executor_confirm()), the duration estimate the
 * plan's: neither is a check a stage runs.
 *
 * Returns: %TRUE if @stage runs items of @kind
 */
gboolean
upg_check_stage_owns_item (UpgStage    stage,
                           const char *kind)
{
  if (stage == UPG_STAGE_RESOURCE_CHECK)
    return g_strcmp0 (kind, UPG_CHECK_KIND_RESOURCE) == 0;
  if (stage == UPG_STAGE_BUSINESS_CHECK)
    return g_strcmp0 (kind, UPG_CHECK_KIND_DATA_QUALITY) == 0 || g_strcmp0 (kind, UPG_CHECK_KIND_MIDDLEWARE) == 0;
  return FALSE;
}

/* The version of the newest manifest of @plan that has, in its
 * `checks.<member>`, an entry whose @key is @value (a rule repeated by
 * several manifests runs the newest's definition); %NULL for none. */
static char *
declaring_version (UpgPlan    *plan,
                   const char *member,
                   const char *key,
                   const char *value)
{
  GPtrArray *manifests = upg_plan_get_manifests (plan);
  const UpgVersion *found = NULL;

  for (guint i = 0; manifests != NULL && i < manifests->len; i++)
    {
      JsonObject *checks = upg_manifest_get_checks (manifests->pdata[i]);
      JsonNode *node = checks != NULL ? json_object_get_member (checks, member) : NULL;
      JsonArray *entries = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

      for (guint j = 0; entries != NULL && j < json_array_get_length (entries); j++)
        {
          JsonNode *entry = json_array_get_element (entries, j);

          if (JSON_NODE_HOLDS_OBJECT (entry) &&
              g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (entry), key, NULL),
                         value) == 0)
            found = upg_manifest_get_version (manifests->pdata[i]);
        }
    }
  return found != NULL ? upg_version_to_string (found) : NULL;
}

/* Names, in the figure UPG_CHECK_MANIFEST_VERSION_FIGURE, the version of
 * the manifest a data-quality rule or a middleware requirement comes
 * from: the executor journals the check under it rather than under the
 * plan's `to` (an item no manifest declares, a host resource, keeps
 * `to`). */
static void
name_manifest_version (UpgPlan        *plan,
                       UpgCheckResult *item)
{
  const char *kind = upg_check_result_get_kind (item);
  const char *id = upg_check_result_get_id (item);
  g_autofree char *version = NULL;

  /* Only this says where a check comes from, not a plugin's figures. */
  json_object_remove_member (upg_check_result_get_figures (item), UPG_CHECK_MANIFEST_VERSION_FIGURE);
  if (g_strcmp0 (kind, UPG_CHECK_KIND_DATA_QUALITY) == 0)
    version = declaring_version (plan, "data_quality", "id", id);
  else if (g_strcmp0 (kind, UPG_CHECK_KIND_MIDDLEWARE) == 0 && g_str_has_prefix (id, "middleware:"))
    version = declaring_version (plan, "middleware", "database", id + strlen ("middleware:"));
  if (version != NULL)
    upg_check_result_set_figure_string (item, UPG_CHECK_MANIFEST_VERSION_FIGURE, version);
}

static GPtrArray *
assess_stage (const UpgVersion  *from,
              const UpgVersion  *to,
              const char        *site_id,
              UpgStage           stage,
              JsonObject        *env,
              gpointer           user_data,
              GCancellable      *cancellable,
              GError           **error)
{
  CheckSource *source = user_data;
  g_autoptr(UpgPlan) plan = NULL;
  g_autoptr(UpgAssessor) assessor = NULL;
  g_autoptr(UpgAssessment) assessment = NULL;
  GPtrArray *all, *items;

  plan = upg_plan_new_for_config (source->bundle, source->config, from, to, site_id, error);
  if (plan == NULL)
    return NULL;
  assessor = upg_assessor_new (plan, source->config);
  upg_assessor_set_env (assessor, env);
  upg_assessor_set_plugin_manager (assessor, source->plugins);
  if (source->disk_path != NULL)
    upg_assessor_set_disk_path (assessor, source->disk_path);
  assessment = upg_assessor_run (assessor, cancellable, error);
  if (assessment == NULL)
    return NULL;
  all = upg_assessment_get_items (assessment);
  items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < all->len; i++)
    {
      UpgCheckResult *item = g_ptr_array_index (all, i);

      if (!upg_check_stage_owns_item (stage, upg_check_result_get_kind (item)))
        continue;
      name_manifest_version (plan, item);
      g_ptr_array_add (items, g_object_ref (item));
    }
  return items;
}

/**
 * upg_check_stage_attach:
 * @executor: the executor that will run @run
 * @run: a run of a stage, before it starts
 *
 * When @run runs a check stage (`resource_check`, `business_check`),
 * makes it execute the assessment's items of that stage after the steps
 * declared there (see upg_check_stage_owns_item()), with the executor's
 * configuration, bundle and plugins, the run's environment, and the
 * executor's state directory as the disk that backups fill. Each item is
 * journaled as a step `<check>:<id>` of the execution; a failed item
 * fails the run with %UPG_ERROR_CHECK_FAILED, a warning leaves it
 * succeeded with upg_execution_get_check_verdict() %UPG_VERDICT_WARN.
 * Later stages are refused until `business_check` passed (see
 * upg_run_set_skip_checks()). Runs of other stages are left as they are.
 */
void
upg_check_stage_attach (UpgExecutor *executor,
                        UpgRun      *run)
{
  CheckSource *source;
  UpgConfig *config;
  UpgPluginManager *plugins;
  const char *state_dir;

  g_return_if_fail (UPG_IS_EXECUTOR (executor));
  g_return_if_fail (UPG_IS_RUN (run));

  if (upg_run_get_kind (run) != UPG_RUN_KIND_RUN ||
      (upg_run_get_stage (run) != UPG_STAGE_RESOURCE_CHECK && upg_run_get_stage (run) != UPG_STAGE_BUSINESS_CHECK))
    return;
  config = upg_executor_get_config (executor);
  source = g_new0 (CheckSource, 1);
  source->config = g_object_ref (config);
  source->bundle = g_object_ref (upg_executor_get_bundle (executor));
  plugins = upg_executor_get_plugin_manager (executor);
  if (plugins != NULL)
    source->plugins = g_object_ref (plugins);
  else if (upg_config_get_plugin_dirs (config) != NULL && upg_config_get_plugin_dirs (config)[0] != NULL)
    source->plugins = upg_plugin_manager_new_for_config (config);
  state_dir = upg_executor_get_state_dir (executor);
  /* Backups and double writes land in the state directory when it exists. */
  if (state_dir != NULL && g_file_test (state_dir, G_FILE_TEST_IS_DIR))
    source->disk_path = g_strdup (state_dir);
  upg_run_set_checks_func (run, assess_stage, source, (GDestroyNotify) check_source_free);
}
