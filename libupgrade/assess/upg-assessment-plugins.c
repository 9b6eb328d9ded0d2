/* upg-assessment-plugins.c - the checks of loaded plugins, as items of
 * an assessment
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The plugins' resource, data-quality, compatibility and duration checks
 * run through the plugin manager with a context built here from the plan
 * and the configuration (data source definitions, never passwords, and the
 * backup size the assessor measured). Separate from upg-assessment.c, which
 * makes the built-in items and orders them: this is the assessment's side
 * of the plugin protocol, and the only part that talks to the plugin host.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-assessment-private.h"
#include "upg-json-private.h"

/* Plugins get this long each before their checks count as failed. */
#define PLUGIN_TIMEOUT_SECONDS 300

/* The configuration's `datasources`, which the plugin host opens for
 * plugins (definitions only: passwords stay behind password_env/file). */
static JsonObject *
data_source_definitions (UpgConfig *config)
{
  UpgJsonCtx ctx = { NULL, UPG_ERROR_INVALID_CONFIG };
  g_autoptr(JsonNode) root = NULL;
  JsonObject *definitions;

  if (config == NULL || (ctx.file = upg_config_get_path (config)) == NULL)
    return NULL;
  root = upg_json_parse_file (&ctx, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  definitions = json_object_get_object_member (json_node_get_object (root), "datasources");
  return definitions != NULL ? json_object_ref (definitions) : NULL;
}

static JsonArray *
manifest_checks (UpgPlan *plan)
{
  GPtrArray *manifests = upg_plan_get_manifests (plan);
  JsonArray *checks = json_array_new ();

  for (guint i = 0; manifests != NULL && i < manifests->len; i++)
    {
      JsonObject *entry = json_object_new ();
      JsonObject *manifest_checks = upg_manifest_get_checks (manifests->pdata[i]);
      g_autofree char *version = upg_version_to_string (upg_manifest_get_version (manifests->pdata[i]));

      json_object_set_string_member (entry, "version", version);
      json_object_set_object_member (entry, "checks",
                                     manifest_checks != NULL ? json_object_ref (manifest_checks)
                                                             : json_object_new ());
      json_array_add_object_element (checks, entry);
    }
  return checks;
}

static UpgContext *
plugin_context (UpgPlan      *plan,
                UpgConfig    *config,
                JsonObject   *env,
                guint64       backup_bytes,
                GCancellable *cancellable)
{
  g_autofree char *id = g_uuid_string_random ();
  UpgContext *context = upg_context_new (id);
  g_autoptr(JsonArray) checks = manifest_checks (plan);
  g_autoptr(JsonObject) definitions = data_source_definitions (config);
  g_autofree char *base_dir = NULL;

  upg_context_set_from_version (context, upg_plan_get_from (plan));
  upg_context_set_to_version (context, upg_plan_get_to (plan));
  upg_context_set_site_id (context, upg_plan_get_site_id (plan));
  upg_context_set_bundle_dir (context, upg_bundle_get_path (upg_plan_get_bundle (plan)));
  upg_context_set_env (context, env);
  upg_context_set_checks (context, checks);
  upg_context_set_cancellable (context, cancellable);
  /* The host-resources plugin then checks every path the upgrade writes
   * to against the backups measured here ("free disk ≥ 2 × backup"). */
  if (backup_bytes > 0)
    {
      g_autoptr(JsonObject) params = json_object_new ();

      json_object_set_int_member (params, "backup_size_bytes", (gint64) backup_bytes);
      upg_context_set_params (context, params);
    }
  if (definitions != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (upg_config_get_path (config));

      /* Relative data source paths are relative to the configuration file,
       * and the plugin host runs elsewhere: hand it an absolute base. */
      base_dir = g_canonicalize_filename (dir, NULL);
      upg_context_set_data_sources (context, definitions, base_dir);
    }
  return context;
}

static gboolean
has_item (GPtrArray      *items,
          UpgCheckResult *candidate)
{
  for (guint i = 0; i < items->len; i++)
    if (g_strcmp0 (upg_check_result_get_kind (items->pdata[i]), upg_check_result_get_kind (candidate)) == 0 &&
        g_strcmp0 (upg_check_result_get_id (items->pdata[i]), upg_check_result_get_id (candidate)) == 0)
      return TRUE;
  return FALSE;
}

void
upg_assessment_add_plugin_items (UpgPluginManager *plugins,
                                 UpgPlan          *plan,
                                 UpgConfig        *config,
                                 JsonObject       *env,
                                 guint64           backup_bytes,
                                 GCancellable     *cancellable,
                                 GPtrArray        *items)
{
  const struct { GType (*type) (void); UpgStage stage; } interfaces[] = {
    { upg_resource_check_get_type, UPG_STAGE_RESOURCE_CHECK },
    { upg_data_quality_get_type, UPG_STAGE_BUSINESS_CHECK },
    { upg_compatibility_get_type, UPG_STAGE_BUSINESS_CHECK },
    { upg_duration_estimate_get_type, UPG_STAGE_BUSINESS_CHECK },
  };
  g_autoptr(UpgContext) context = NULL;

  if (plugins == NULL)
    return;
  context = plugin_context (plan, config, env, backup_bytes, cancellable);
  for (guint i = 0; i < G_N_ELEMENTS (interfaces); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) found = NULL;

      upg_context_set_stage (context, interfaces[i].stage);
      found = upg_plugin_manager_run_checks (plugins, interfaces[i].type (), context,
                                             PLUGIN_TIMEOUT_SECONDS, cancellable, &error);
      if (found == NULL)
        {
          g_ptr_array_add (items, upg_check_result_new (UPG_CHECK_KIND_RESOURCE, "plugins", _("plugins"),
                                                        UPG_VERDICT_FAIL, error->message));
          return;
        }
      for (guint j = 0; j < found->len; j++)
        if (!has_item (items, found->pdata[j]))
          g_ptr_array_add (items, g_object_ref (found->pdata[j]));
        else
          g_debug ("assessment: plugin item %s/%s repeats a built-in item; dropped",
                   upg_check_result_get_kind (found->pdata[j]), upg_check_result_get_id (found->pdata[j]));
    }
}
