/* upg-quality-rule.c - the data-quality rules of a manifest's checks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `checks.data_quality` (SPEC §3, §4): `{"id", "name", "database", "sql",
 * "threshold", "severity", "min_version", "max_version", "suggestion"}`.
 * Read here for both sides that need it: the assessment, which runs the
 * rules of a check stage, and `upgradectl validate`, which reports a
 * broken rule (a missing query, a threshold given as text, a misspelt
 * data source) before anything runs rather than when the check stage
 * finally gets to it.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-data-source-private.h"
#include "upg-manifest-private.h"
#include "upg-quality-rule-private.h"

void
upg_quality_rule_clear (UpgQualityRule *rule)
{
  g_clear_pointer (&rule->min_version, upg_version_free);
  g_clear_pointer (&rule->max_version, upg_version_free);
}

static gboolean
read_severity (const UpgJsonCtx *ctx,
               JsonObject       *object,
               const char       *path,
               UpgVerdict       *severity,
               GError          **error)
{
  const char *text = NULL;
  g_autofree char *where = NULL;

  if (!upg_json_get_string (ctx, object, path, "severity", FALSE, &text, error))
    return FALSE;
  if (text == NULL || g_str_equal (text, "fail"))
    *severity = UPG_VERDICT_FAIL;
  else if (g_str_equal (text, "warn"))
    *severity = UPG_VERDICT_WARN;
  else
    {
      where = upg_json_member_path (path, "severity");
      return upg_json_fail (ctx, where, error, _("'%s' is not a severity: expected \"fail\" or \"warn\""), text);
    }
  return TRUE;
}

/* A range that holds no version would leave the rule skipped forever. */
static gboolean
read_range (const UpgJsonCtx *ctx,
            JsonObject       *object,
            const char       *path,
            UpgQualityRule   *rule,
            GError          **error)
{
  g_autofree char *where = NULL;
  g_autofree char *min = NULL, *max = NULL;

  if (!upg_json_get_version (ctx, object, path, "min_version", FALSE, &rule->min_version, error)
      || !upg_json_get_version (ctx, object, path, "max_version", FALSE, &rule->max_version, error))
    return FALSE;
  if (rule->min_version == NULL || rule->max_version == NULL
      || upg_version_compare (rule->min_version, rule->max_version) <= 0)
    return TRUE;
  where = upg_json_member_path (path, "min_version");
  min = upg_version_to_string (rule->min_version);
  max = upg_version_to_string (rule->max_version);
  return upg_json_fail (ctx, where, error, _("%s is above max_version %s: the rule would never run"), min, max);
}

/*
 * upg_quality_rule_read:
 * @ctx: the manifest file
 * @object: one object of `checks.data_quality`
 * @path: its JSON path
 * @rule: (out caller-allocates): the rule; clear it with upg_quality_rule_clear()
 * @error: return location for a #GError
 *
 * `id`, `database` and `sql` are required, non-empty strings; `name` and
 * `suggestion` optional strings, localized as `name[zh_CN]`; `threshold`
 * an integer ≥ 0 (default 0); `severity` "fail" (default) or "warn";
 * `min_version` ≤ `max_version`, both optional.
 *
 * Returns: %FALSE with %UPG_ERROR_INVALID_MANIFEST naming the file, the
 *   JSON path and what was expected
 */
gboolean
upg_quality_rule_read (const UpgJsonCtx *ctx,
                       JsonObject       *object,
                       const char       *path,
                       UpgQualityRule   *rule,
                       GError          **error)
{
  *rule = (UpgQualityRule) { .severity = UPG_VERDICT_FAIL };
  if (!upg_json_get_name (ctx, object, path, "id", _("a rule id"), &rule->id, error)
      || !upg_json_get_localized_string (ctx, object, path, "name", FALSE, &rule->name, error)
      || !upg_json_get_name (ctx, object, path, "database", _("a data source name"), &rule->database, error)
      || !upg_json_get_name (ctx, object, path, "sql", _("a query that returns one count"), &rule->sql, error)
      || !upg_json_get_localized_string (ctx, object, path, "suggestion", FALSE, &rule->suggestion, error)
      || !upg_json_get_uint (ctx, object, path, "threshold", G_MAXINT64, &rule->threshold, error)
      || !read_severity (ctx, object, path, &rule->severity, error)
      || !read_range (ctx, object, path, rule, error))
    return FALSE;
  if (rule->name == NULL)
    rule->name = rule->id;
  return TRUE;
}

/* What the configuration says against a rule that reads well: a query
 * needs a SQL database. A data source the site does not have skips the
 * rule in the assessment (the component is not installed here), so only
 * a name close to a configured one is a problem: a typo that would skip
 * a quality gate without a word. */
static char *
data_source_problem (const char       *file,
                     const char       *path,
                     const char       *database,
                     UpgConfig        *config)
{
  UpgDataSource *source = upg_config_lookup_data_source (config, database);
  GPtrArray *sources = upg_config_get_data_sources (config);
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) names = NULL;
  const char *meant;

  if (source != NULL && upg_data_source_is_redis (source))
    return g_strdup_printf (_("%s: %s.database: data source '%s' is a Redis server: a data-quality rule's query "
                              "needs a SQL database"), file, path, database);
  if (source != NULL)
    return NULL;
  builder = g_strv_builder_new ();
  for (guint i = 0; sources != NULL && i < sources->len; i++)
    g_strv_builder_add (builder, upg_data_source_get_name (sources->pdata[i]));
  names = g_strv_builder_end (builder);
  meant = upg_json_closest_name (database, (const char * const *) names);
  if (meant == NULL)
    return NULL;
  return g_strdup_printf (_("%s: %s.database: data source '%s' is not configured (the rule would be skipped): "
                            "did you mean '%s'?"), file, path, database, meant);
}

static void
check_rules (UpgManifest *manifest,
             UpgConfig   *config,
             GPtrArray   *problems)
{
  UpgJsonCtx ctx = { upg_manifest_get_path (manifest), UPG_ERROR_INVALID_MANIFEST };
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GError) error = NULL;
  JsonArray *rules = NULL;

  if (!upg_json_get_array (&ctx, upg_manifest_get_checks (manifest), "$.checks", "data_quality", &rules, &error))
    {
      if (config == NULL)
        g_ptr_array_add (problems, g_strdup (error->message));
      return;
    }
  for (guint i = 0; rules != NULL && i < json_array_get_length (rules); i++)
    {
      g_autofree char *path = g_strdup_printf ("$.checks.data_quality[%u]", i);
      g_auto(UpgQualityRule) rule = { 0 };
      JsonObject *object = NULL;
      const char *first;

      if (!upg_json_require_object (&ctx, json_array_get_element (rules, i), path, &object, &error)
          || !upg_quality_rule_read (&ctx, object, path, &rule, &error))
        {
          /* Reading problems are the bundle's own: reported once, by
           * the pass without a configuration. */
          if (config == NULL)
            g_ptr_array_add (problems, g_strdup (error->message));
          g_clear_error (&error);
          continue;
        }
      if (config != NULL)
        {
          char *problem = data_source_problem (ctx.file, path, rule.database, config);

          if (problem != NULL)
            g_ptr_array_add (problems, problem);
          continue;
        }
      if ((first = g_hash_table_lookup (ids, rule.id)) != NULL)
        g_ptr_array_add (problems, g_strdup_printf (_("%s: %s.id: rule id '%s' is already used by %s: the "
                                                      "assessment would run only one of them"),
                                                    ctx.file, path, rule.id, first));
      else
        g_hash_table_insert (ids, (gpointer) rule.id, g_steal_pointer (&path));
    }
}

/*
 * upg_bundle_check_quality_rules:
 * @self: a bundle
 * @config: (nullable): the site's configuration
 * @problems: (element-type utf8): where the problems are added
 *
 * Without @config, what is wrong with the `checks.data_quality` rules of
 * the bundle's manifests themselves (see upg_quality_rule_read(); an id
 * used twice in one manifest); with it, what only the site tells: a rule
 * on a Redis data source, or on one that is not configured but close to a
 * configured name.
 */
void
upg_bundle_check_quality_rules (UpgBundle *self,
                                UpgConfig *config,
                                GPtrArray *problems)
{
  GPtrArray *manifests = upg_bundle_get_manifests (self);

  for (guint i = 0; i < manifests->len; i++)
    check_rules (manifests->pdata[i], config, problems);
}
