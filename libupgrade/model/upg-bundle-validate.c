/* upg-bundle-validate.c - linting a bundle (`upgradectl validate`)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "upg-bundle-private.h"
#include "upg-check-entries-private.h"
#include "upg-config-template-private.h"
#include "upg-data-source-private.h"
#include "upg-manifest-private.h"
#include "upg-path-private.h"
#include "upg-plan-order-private.h"
#include "upg-quality-rule-private.h"
#include "upg-step-private.h"

static void G_GNUC_PRINTF (2, 3)
add_problem (GPtrArray  *problems,
             const char *format,
             ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (problems, g_strdup_vprintf (format, args));
  va_end (args);
}

static void
check_references (UpgBundle   *self,
                  UpgManifest *manifest,
                  UpgStep     *step,
                  GHashTable  *known_ids,
                  GPtrArray   *problems)
{
  const char * const *scripts = upg_step_get_sql_scripts (step);
  const char * const *deps = upg_step_get_depends_on (step);

  for (guint i = 0; scripts != NULL && scripts[i] != NULL; i++)
    {
      g_autofree char *why = upg_path_problem (upg_bundle_get_path (self), scripts[i]);

      if (why != NULL)
        add_problem (problems, _("%s: step '%s': %s '%s': %s"),
                     upg_manifest_get_path (manifest), upg_step_get_id (step),
                     "sql_scripts", scripts[i], why);
    }
  /* A command's program named by a path in the bundle (SPEC §4: run from
   * the bundle, like its scripts) must be there, as `run` requires; a
   * bare name is PATH's, an absolute path the site's. */
  if (upg_step_get_kind (step) == UPG_STEP_KIND_COMMAND)
    {
      const char *program = upg_step_get_command (step)[0];
      g_autofree char *why = !g_path_is_absolute (program) && strchr (program, '/') != NULL
                               ? upg_path_problem (upg_bundle_get_path (self), program) : NULL;

      if (why != NULL)
        add_problem (problems, _("%s: %s.command[0]: '%s': %s"), upg_manifest_get_path (manifest),
                     upg_step_get_json_path (step) != NULL ? upg_step_get_json_path (step) : upg_step_get_id (step),
                     program, why);
    }
  if (upg_step_get_kind (step) == UPG_STEP_KIND_CONFIG)
    {
      g_autoptr(UpgConfigRender) render = upg_step_get_config_render (step);
      g_autofree char *why = upg_config_template_problem (upg_bundle_get_path (self), render->template);

      if (why != NULL)
        add_problem (problems, _("%s: %s.config.template: %s"), upg_manifest_get_path (manifest),
                     upg_step_get_json_path (step), why);
    }
  for (guint i = 0; deps != NULL && deps[i] != NULL; i++)
    if (!g_hash_table_contains (known_ids, deps[i]))
      add_problem (problems, _("%s: step '%s' depends on '%s', which no manifest defines"),
                   upg_manifest_get_path (manifest), upg_step_get_id (step), deps[i]);
}

static void
check_versions (UpgManifest *manifest,
                GPtrArray   *problems)
{
  const UpgVersion *min = upg_manifest_get_min_source_version (manifest);
  const UpgVersion *max = upg_manifest_get_max_source_version (manifest);
  const UpgVersion *base = upg_manifest_get_base_version (manifest);
  const UpgVersion *version = upg_manifest_get_version (manifest);
  g_autofree char *text = upg_version_to_string (version);

  if (min != NULL && max != NULL && upg_version_compare (min, max) > 0)
    {
      g_autofree char *a = upg_version_to_string (min);
      g_autofree char *b = upg_version_to_string (max);
      add_problem (problems, _("%s: %s %s is above %s %s"),
                   upg_manifest_get_path (manifest), "min_source_version", a,
                   "max_source_version", b);
    }
  if (min != NULL && upg_version_compare (min, version) >= 0)
    {
      g_autofree char *a = upg_version_to_string (min);
      add_problem (problems, _("%s: %s %s is not below the version %s"),
                   upg_manifest_get_path (manifest), "min_source_version", a, text);
    }
  if (base != NULL && upg_version_compare (base, version) >= 0)
    {
      g_autofree char *a = upg_version_to_string (base);
      add_problem (problems, _("%s: %s %s is not below the patch %s"),
                   upg_manifest_get_path (manifest), "base_version", a, text);
    }
}

/* "checksums": {"relative/path": "<sha256 hex>"} */
static void
check_checksums (UpgBundle   *self,
                 UpgManifest *manifest,
                 GPtrArray   *problems)
{
  JsonObject *sums = upg_manifest_get_checksums (manifest);
  g_autoptr(GList) names = json_object_get_members (sums);

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (sums, l->data);
      const char *expected = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
      g_autofree char *why = NULL;
      g_autofree char *real = NULL;
      g_autofree char *actual = NULL;
      g_autoptr(GError) error = NULL;

      if (expected == NULL)
        {
          add_problem (problems, _("%s: $.checksums.%s: expected a SHA-256 hex string"),
                       upg_manifest_get_path (manifest), (char *) l->data);
          continue;
        }
      real = upg_path_resolve_inside (upg_bundle_get_path (self), l->data, &why);
      if (real == NULL)
        {
          add_problem (problems, "%s: $.checksums: '%s': %s",
                       upg_manifest_get_path (manifest), (char *) l->data, why);
          continue;
        }
      actual = upg_path_sha256 (real, &error);
      if (actual == NULL)
        add_problem (problems, "%s: $.checksums: '%s': %s",
                     upg_manifest_get_path (manifest), (char *) l->data, error->message);
      else if (g_ascii_strcasecmp (actual, expected) != 0)
        add_problem (problems, _("%s: $.checksums: '%s': SHA-256 is %s, expected %s"),
                     upg_manifest_get_path (manifest), (char *) l->data, actual, expected);
    }
}

static void
check_manifest (UpgBundle   *self,
                UpgManifest *manifest,
                GHashTable  *ids,
                GPtrArray   *problems)
{
  for (guint s = 0; s < UPG_N_STAGES; s++)
    {
      GPtrArray *steps = upg_manifest_get_steps (manifest, s);
      GPtrArray *rollback = upg_manifest_get_rollback_steps (manifest, s);

      for (guint i = 0; i < steps->len; i++)
        check_references (self, manifest, steps->pdata[i], ids, problems);
      for (guint i = 0; i < rollback->len; i++)
        check_references (self, manifest, rollback->pdata[i], ids, problems);
    }
  {
    char *problem = upg_plan_component_problem (manifest);

    if (problem != NULL)
      g_ptr_array_add (problems, problem);
  }
  check_versions (manifest, problems);
  check_checksums (self, manifest, problems);
  upg_manifest_check_members (manifest, problems);
}

static gboolean
finish (GPtrArray  *found,
        GPtrArray **problems,
        GError    **error)
{
  gboolean ok = found->len == 0;

  if (!ok)
    g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                 g_dngettext (GETTEXT_PACKAGE, "the bundle has %u problem: %s",
                              "the bundle has %u problems: %s", found->len),
                 found->len, (char *) found->pdata[0]);
  if (problems != NULL)
    *problems = g_ptr_array_ref (found);
  return ok;
}

static void
validate_into (UpgBundle *self,
               GPtrArray *found)
{
  g_autoptr(GHashTable) ids = upg_bundle_collect_step_ids (self);
  GPtrArray *manifests = upg_bundle_get_manifests (self);

  for (guint i = 0; i < manifests->len; i++)
    check_manifest (self, manifests->pdata[i], ids, found);
  upg_bundle_check_quality_rules (self, NULL, found);
  upg_bundle_check_check_entries (self, found);
}

/*
 * upg_step_transaction_problem:
 * @step: a step
 * @config: the configuration its data sources are read from
 *
 * SPEC §5: `"transaction": "script"` is bad input where the database has
 * no transactional DDL (MariaDB/MySQL, a raw libgda source): a file could
 * not be one unit there. An unconfigured data source is another problem,
 * reported where it is looked up.
 *
 * Returns: (transfer full) (nullable): the problem, naming the manifest,
 *   the JSON path and the value; %NULL if there is none
 */
char *
upg_step_transaction_problem (UpgStep   *step,
                              UpgConfig *config)
{
  const char *name = upg_step_get_database (step);
  UpgDataSource *source = name != NULL ? upg_config_lookup_data_source (config, name) : NULL;
  UpgDialect dialect;

  if (!upg_step_get_script_transaction (step) || source == NULL)
    return NULL;
  dialect = upg_data_source_get_cnc (source) != NULL ? UPG_DIALECT_OTHER : upg_data_source_get_dialect (source);
  if (dialect == UPG_DIALECT_POSTGRESQL || dialect == UPG_DIALECT_SQLITE)
    return NULL;
  return g_strdup_printf (_("%s: %s.transaction: \"script\" needs a database with transactional DDL (PostgreSQL or "
                            "SQLite); data source '%s' is not one: remove it or use \"statement\""),
                          upg_step_get_source_file (step),
                          upg_step_get_json_path (step) != NULL ? upg_step_get_json_path (step)
                                                                : upg_step_get_id (step),
                          name);
}

/**
 * upg_step_data_source_problem:
 * @step: a step
 * @config: the configuration its data sources are read from
 *
 * A `redis` or `redis_delete_pattern` step needs a Redis data source; a
 * SQL step a SQL one. An unconfigured data source is another problem,
 * reported where it is looked up.
 *
 * Returns: (transfer full) (nullable): the problem, naming the manifest,
 *   the JSON path and the data source; %NULL if there is none
 */
char *
upg_step_data_source_problem (UpgStep   *step,
                              UpgConfig *config)
{
  const char *name = upg_step_get_database (step);
  UpgDataSource *source = name != NULL ? upg_config_lookup_data_source (config, name) : NULL;
  UpgStepKind kind = upg_step_get_kind (step);
  gboolean wants_redis = kind == UPG_STEP_KIND_REDIS || kind == UPG_STEP_KIND_REDIS_DELETE_PATTERN;
  const char *where = upg_step_get_json_path (step) != NULL ? upg_step_get_json_path (step) : upg_step_get_id (step);

  if (source == NULL || (kind != UPG_STEP_KIND_SQL && !wants_redis)
      || wants_redis == upg_data_source_is_redis (source))
    return NULL;
  if (wants_redis)
    return g_strdup_printf (_("%s: %s.database: a \"%s\" step needs a Redis data source; '%s' is %s"),
                            upg_step_get_source_file (step), where, upg_step_kind_to_string (kind), name,
                            upg_data_source_get_provider (source));
  return g_strdup_printf (_("%s: %s.database: data source '%s' is a Redis server: SQL scripts need a SQL "
                            "database (use a \"redis\" step for Redis)"),
                          upg_step_get_source_file (step), where, name);
}

/**
 * upg_bundle_validate:
 * @self: a bundle
 * @problems: (out) (optional) (transfer container) (element-type utf8): every
 *   problem found, one message each (empty when valid)
 * @error: return location for a #GError
 *
 * Lints a loaded bundle: referenced SQL files exist inside the bundle,
 * `depends_on` ids exist, every step has a component (its own or the
 * manifest's), versions are consistent (min ≤ max source
 * version, below the manifest's version; a patch above its base), the
 * SHA-256 of each file listed in a manifest's optional
 * `"checksums": {"path": "sha256"}` member matches, no member misspells
 * one the manifest is read with (`"upgrade_step"`), and the
 * `checks` (data-quality rules, middleware, backup_tables) read well.
 *
 * Returns: %TRUE if no problem was found; else %FALSE with
 *   %UPG_ERROR_INVALID_BUNDLE giving the count and the first problem
 */
gboolean
upg_bundle_validate (UpgBundle  *self,
                     GPtrArray **problems,
                     GError    **error)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (UPG_IS_BUNDLE (self), FALSE);
  validate_into (self, found);
  return finish (found, problems, error);
}

/**
 * upg_bundle_validate_path:
 * @path: a bundle directory
 * @problems: (out) (optional) (transfer container) (element-type utf8): every problem found
 * @error: return location for a #GError
 *
 * Like upg_bundle_validate(), but lists every manifest that fails to load
 * (malformed JSON, wrong types, duplicate versions…) instead of stopping
 * at the first, then lints the manifests that loaded.
 *
 * Returns: %TRUE if no problem was found
 */
gboolean
upg_bundle_validate_path (const char *path,
                          GPtrArray **problems,
                          GError    **error)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(UpgBundle) bundle = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  bundle = upg_bundle_load_collecting (path, found, &local_error);
  if (bundle == NULL)
    g_ptr_array_add (found, g_strdup (local_error->message));
  else
    validate_into (bundle, found);
  return finish (found, problems, error);
}
