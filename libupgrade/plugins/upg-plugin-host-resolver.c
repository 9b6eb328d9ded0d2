/* upg-plugin-host-resolver.c - data sources for plugins in the plugin host
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The host opens its own connections from the definitions the context
 * carries (the configuration's `datasources` form). Definitions name where
 * a password is (`password_env`, `password_file`), never the password
 * itself: the engine reads them and sends them beside the context, in the
 * request's `passwords` (by data source), which the plugin does not see.
 * The variables are not in the host's environment (SPEC §7): a program
 * the plugin starts would inherit them.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-data-source.h"
#include "upg-data-source-private.h"
#include "upg-plugin-host-private.h"

static UpgConnection *
resolve (UpgContext  *ctx,
         const char  *name,
         gpointer     user_data,
         GError     **error)
{
  JsonObject *passwords = user_data;
  JsonNode *definition = json_object_get_member (upg_context_get_data_sources (ctx), name);
  g_autoptr(UpgDataSource) source = NULL;

  if (definition == NULL || !JSON_NODE_HOLDS_OBJECT (definition))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND,
                   _("data source '%s' is not in the configuration"), name);
      return NULL;
    }
  source = upg_data_source_new_from_json (name, json_node_get_object (definition),
                                          upg_context_get_data_sources_base_dir (ctx), error);
  if (source == NULL)
    return NULL;
  if (passwords != NULL && json_object_has_member (passwords, name))
    upg_data_source_set_password (source, json_object_get_string_member_with_default (passwords, name, NULL));
  return upg_data_source_open (source, upg_context_get_cancellable (ctx), error);
}

void
upg_plugin_host_install_resolver (UpgContext *ctx,
                                  JsonObject *passwords)
{
  if (passwords != NULL)
    upg_context_set_connection_resolver (ctx, resolve, json_object_ref (passwords),
                                         (GDestroyNotify) json_object_unref);
  else
    upg_context_set_connection_resolver (ctx, resolve, NULL, NULL);
}
