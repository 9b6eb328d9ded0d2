/* upg-config-members.c - misspelt members of a configuration (`upgradectl validate -c`)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The configuration reader ignores members it does not know (SPEC §7
 * has room for more), so `"datasource"` for `"datasources"` leaves the site
 * without data sources and every check on them skipped, `"plugin_dir"` a
 * run without plugins. The names each object is read with (upg-config.c,
 * upg-data-source-read.c, upg-notify-hook.c) are listed here for
 * upg_json_check_members(), as upg-manifest-members.c does for manifests;
 * a member added to those readers must be added here too. `env` and a
 * data source's `settings` are free-form and not checked.
 */
#include "config.h"

#include "upg-config-private.h"
#include "upg-json-private.h"

static const char * const config_members[] = {
  "site_id", "sites", "env", "datasources", "journal", "plugin_dirs", "service", "notify", NULL
};

/* Every provider's members together: which ones a provider reads is the
 * data source reader's to check. */
static const char * const data_source_members[] = {
  "provider", "host", "port", "socket", "database", "user", "password_env", "password_file", "path", "url",
  "db", "connect_timeout", "settings", "cnc", "auth", NULL
};

static const char * const service_members[] = {
  "listen", "token_file", "max_body", "idle_timeout", "metrics_public", NULL
};

static const char * const notify_members[] = { "url", "events", "token_env", "retries", "timeout", NULL };

static JsonObject *
object_member (JsonObject *object,
               const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/*
 * upg_config_check_members:
 * @self: a configuration read from a file
 * @problems: (element-type utf8): where a problem is added for each member
 *   that misspells one the configuration is read with
 *
 * Words each problem as upg_json_check_members() does ("FILE: PATH: unknown
 * member 'datasource' is ignored: did you mean 'datasources'?"). Members
 * far from every known name stay allowed.
 */
void
upg_config_check_members (UpgConfig *self,
                          GPtrArray *problems)
{
  UpgJsonCtx ctx = { upg_config_get_path (self), UPG_ERROR_INVALID_CONFIG };
  g_autoptr(JsonNode) node = ctx.file != NULL ? upg_json_parse_file (&ctx, NULL) : NULL;
  JsonObject *root, *sources, *object;
  JsonNode *notify;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  root = json_node_get_object (node);
  upg_json_check_members (&ctx, root, "$", config_members, problems);
  if ((sources = object_member (root, "datasources")) != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (sources);

      for (GList *l = names; l != NULL; l = l->next)
        if ((object = object_member (sources, l->data)) != NULL)
          {
            g_autofree char *path = upg_json_member_path ("$.datasources", l->data);

            upg_json_check_members (&ctx, object, path, data_source_members, problems);
          }
    }
  if ((object = object_member (root, "journal")) != NULL)
    upg_json_check_members (&ctx, object, "$.journal", data_source_members, problems);
  if ((object = object_member (root, "service")) != NULL)
    upg_json_check_members (&ctx, object, "$.service", service_members, problems);
  notify = json_object_get_member (root, "notify");
  for (guint i = 0; notify != NULL && JSON_NODE_HOLDS_ARRAY (notify)
                    && i < json_array_get_length (json_node_get_array (notify)); i++)
    {
      JsonNode *hook = json_array_get_element (json_node_get_array (notify), i);
      g_autofree char *path = g_strdup_printf ("$.notify[%u]", i);

      if (JSON_NODE_HOLDS_OBJECT (hook))
        upg_json_check_members (&ctx, json_node_get_object (hook), path, notify_members, problems);
    }
}
