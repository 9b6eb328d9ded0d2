/* upg-manifest-members.c - misspelt members of a manifest (`upgradectl validate`)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The names each object of a manifest is read with (SPEC §4), walked the
 * way upg-manifest.c, upg-step-read.c and the step kinds' readers walk
 * them, so that upg_json_check_members() can tell a typo (`upgrade_step`,
 * `sql_script`, `compatibe_version`) from an annotation. A member added
 * to one of those readers must be added here too: until it is, validate
 * reads it as a misspelling of a neighbour only when it is close to one.
 * Free-form objects (a step's `params`, `checksums`) are not checked.
 */
#include "config.h"

#include "upg-json-private.h"
#include "upg-manifest-private.h"

static const char * const manifest_members[] = {
  "version", "version_type", "base_version", "component", "description", "dependencies", "checks",
  "checksums", "upgrade_steps", "rollback_steps", NULL
};

static const char * const dependency_members[] = {
  "min_source_version", "max_source_version", "required_components", "required_resources", NULL
};

static const char * const resource_members[] = { "memory", "disk", "cpu", NULL };

/* Plugins receive the whole `checks` object (upg_context_get_checks()) and
 * may read sections of their own: only a name close to these is a typo. */
static const char * const check_sections[] = { "data_quality", "middleware", "backup_tables", NULL };

static const char * const rule_members[] = {
  "id", "name", "database", "sql", "threshold", "severity", "min_version", "max_version", "suggestion", NULL
};

static const char * const middleware_members[] = { "database", "name", "min_version", "max_version", NULL };

static const char * const backup_table_members[] = { "database", "tables", NULL };

/* upg-step-read.c, upg-step-redis.c and the kinds' members. */
static const char * const step_members[] = {
  "id", "name", "description", "component", "database",
  "sql_scripts", "class_name", "command", "batched_migration", "backup", "verify", "http_check", "config",
  "redis", "redis_delete_pattern",
  "timeout", "retry_count", "estimated_duration", "parallelism", "data_volume", "rate",
  "double_write", "double_write_tables",
  "site_ids", "depends_on", "params", "compatible_version", "is_common", "transaction", NULL
};

static const char * const backup_members[] = { "database", "tables", "keep", NULL };

static const char * const http_check_members[] = {
  "url", "expect_status", "expect_body", "timeout", "retries", "interval", "token_env", NULL
};

static const char * const config_members[] = { "target", "template", "format", NULL };

static const char * const verify_members[] = { "database", "sql", "expect", "equals", NULL };

static const char * const query_members[] = { "database", "sql", NULL };

static const char * const migration_members[] = {
  "database", "table", "key", "sql", "batch_size", "target_batch_seconds", "max_rows_per_second", "throttle",
  NULL
};

static const char * const throttle_members[] = { "database", "sql", "max", "pause_seconds", NULL };

/* @member of @object, when it is an object: checked against @known. Its
 * JSON path is returned for nested objects (transfer full), else %NULL. */
static JsonObject *
check_object_member (const UpgJsonCtx   *ctx,
                     JsonObject         *object,
                     const char         *path,
                     const char         *member,
                     const char * const *known,
                     char              **member_path,
                     GPtrArray          *problems)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autofree char *where = upg_json_member_path (path, member);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  upg_json_check_members (ctx, json_node_get_object (node), where, known, problems);
  if (member_path != NULL)
    *member_path = g_steal_pointer (&where);
  return json_node_get_object (node);
}

/* Each object of the array @member of @object, against @known. */
static void
check_array_member (const UpgJsonCtx   *ctx,
                    JsonObject         *object,
                    const char         *path,
                    const char         *member,
                    const char * const *known,
                    const char * const *nested_known,
                    const char         *nested,
                    GPtrArray          *problems)
{
  JsonNode *node = json_object_get_member (object, member);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autofree char *where = g_strdup_printf ("%s.%s[%u]", path, member, i);

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      upg_json_check_members (ctx, json_node_get_object (element), where, known, problems);
      if (nested != NULL)
        check_object_member (ctx, json_node_get_object (element), where, nested, nested_known, NULL, problems);
    }
}

static void
check_step (const UpgJsonCtx *ctx,
            JsonObject       *step,
            const char       *path,
            GPtrArray        *problems)
{
  g_autofree char *migration_path = NULL;
  JsonObject *migration;

  upg_json_check_members (ctx, step, path, step_members, problems);
  check_object_member (ctx, step, path, "backup", backup_members, NULL, problems);
  check_object_member (ctx, step, path, "http_check", http_check_members, NULL, problems);
  check_object_member (ctx, step, path, "config", config_members, NULL, problems);
  check_array_member (ctx, step, path, "verify", verify_members, query_members, "equals", problems);
  migration = check_object_member (ctx, step, path, "batched_migration", migration_members, &migration_path,
                                   problems);
  if (migration != NULL)
    check_object_member (ctx, migration, migration_path, "throttle", throttle_members, NULL, problems);
}

static void
check_steps (const UpgJsonCtx *ctx,
             JsonObject       *root,
             const char       *member,
             GPtrArray        *problems)
{
  JsonNode *node = json_object_get_member (root, member);
  g_autofree char *path = upg_json_member_path ("$", member);
  g_autoptr(GList) stages = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  stages = json_object_get_members (json_node_get_object (node));
  for (GList *l = stages; l != NULL; l = l->next)
    {
      JsonNode *list = json_object_get_member (json_node_get_object (node), l->data);

      for (guint i = 0; list != NULL && JSON_NODE_HOLDS_ARRAY (list)
                        && i < json_array_get_length (json_node_get_array (list)); i++)
        {
          JsonNode *step = json_array_get_element (json_node_get_array (list), i);
          g_autofree char *where = g_strdup_printf ("%s.%s[%u]", path, (char *) l->data, i);

          if (JSON_NODE_HOLDS_OBJECT (step))
            check_step (ctx, json_node_get_object (step), where, problems);
        }
    }
}

static void
check_root (const UpgJsonCtx *ctx,
            JsonObject       *root,
            GPtrArray        *problems)
{
  g_autofree char *dependencies_path = NULL;
  g_autofree char *checks_path = NULL;
  JsonObject *dependencies, *checks;

  upg_json_check_members (ctx, root, "$", manifest_members, problems);
  dependencies = check_object_member (ctx, root, "$", "dependencies", dependency_members, &dependencies_path,
                                      problems);
  if (dependencies != NULL)
    check_object_member (ctx, dependencies, dependencies_path, "required_resources", resource_members, NULL,
                         problems);
  checks = check_object_member (ctx, root, "$", "checks", check_sections, &checks_path, problems);
  if (checks != NULL)
    {
      check_array_member (ctx, checks, checks_path, "data_quality", rule_members, NULL, NULL, problems);
      check_array_member (ctx, checks, checks_path, "middleware", middleware_members, NULL, NULL, problems);
      check_array_member (ctx, checks, checks_path, "backup_tables", backup_table_members, NULL, NULL, problems);
    }
  check_steps (ctx, root, "upgrade_steps", problems);
  check_steps (ctx, root, "rollback_steps", problems);
}

/*
 * upg_manifest_check_members:
 * @self: a manifest
 * @problems: (element-type utf8): where a problem is added for each member
 *   that misspells one its object is read with
 *
 * SPEC §4 keeps and ignores unknown members; one that is close to a known
 * name is a typo that changes what runs, reported as upg_json_check_members()
 * words it. A manifest read from the legacy properties form has nothing to
 * check.
 */
void
upg_manifest_check_members (UpgManifest *self,
                            GPtrArray   *problems)
{
  UpgJsonCtx ctx = { upg_manifest_get_path (self), UPG_ERROR_INVALID_MANIFEST };

  if (upg_manifest_get_json (self) != NULL)
    check_root (&ctx, upg_manifest_get_json (self), problems);
}

/*
 * upg_manifest_check_file_members:
 * @path: a JSON manifest that failed to load
 * @problems: (element-type utf8): where a problem is added for each
 *   misspelt member
 *
 * Like upg_manifest_check_members(), for a manifest that did not load: a
 * misspelling is often why (`"sql_script"` leaves a step without a kind),
 * and the load error alone does not say so. Malformed JSON has nothing to
 * add to its own error.
 */
void
upg_manifest_check_file_members (const char *path,
                                 GPtrArray  *problems)
{
  UpgJsonCtx ctx = { path, UPG_ERROR_INVALID_MANIFEST };
  g_autoptr(JsonNode) root = upg_json_parse_file (&ctx, NULL);

  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    check_root (&ctx, json_node_get_object (root), problems);
}
