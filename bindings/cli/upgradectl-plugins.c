/* upgradectl-plugins.c - `upgradectl plugins`: the plugins and what they implement
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upgradectl-commands.h"

/* The configuration's plugin directories (or the system one), plus any
 * --plugin-dir. */
static UpgPluginManager *
make_manager (UpgCtl      *ctl,
              char       **extra_dirs,
              GError     **error)
{
  g_autoptr(UpgPluginManager) manager = NULL;

  if (ctl->config_path != NULL)
    {
      g_autoptr(UpgConfig) config = upg_config_new_from_file (ctl->config_path, error);

      if (config == NULL)
        return NULL;
      manager = upg_plugin_manager_new_for_config (config);
    }
  else
    {
      manager = upg_plugin_manager_new ();
      if (extra_dirs == NULL)
        upg_plugin_manager_add_directory (manager, upg_plugin_manager_get_system_directory ());
    }
  for (guint i = 0; extra_dirs != NULL && extra_dirs[i] != NULL; i++)
    upg_plugin_manager_add_directory (manager, extra_dirs[i]);
  return g_steal_pointer (&manager);
}

static void
add_strings (JsonBuilder        *builder,
             const char         *member,
             const char * const *strings)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (guint i = 0; strings != NULL && strings[i] != NULL; i++)
    json_builder_add_string_value (builder, strings[i]);
  json_builder_end_array (builder);
}

static JsonNode *
result_to_json (UpgPluginManager *manager,
                GPtrArray        *plugins)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_strings (builder, "directories", upg_plugin_manager_get_directories (manager));
  json_builder_set_member_name (builder, "plugins");
  json_builder_begin_array (builder);
  for (guint i = 0; i < plugins->len; i++)
    json_builder_add_value (builder, upg_plugin_info_to_json (plugins->pdata[i]));
  json_builder_end_array (builder);
  add_strings (builder, "refused", upg_plugin_manager_get_refused (manager));
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void
print_plugin (UpgPluginInfo *info)
{
  const char * const *types = upg_plugin_info_get_type_names (info);
  const char *component = upg_plugin_info_get_component (info);

  g_print ("%s %s%s%s (%s)\n", upg_plugin_info_get_name (info),
           upg_plugin_info_get_version (info) ? upg_plugin_info_get_version (info) : "",
           component ? _(", component ") : "", component ? component : "",
           upg_plugin_info_get_path (info));
  for (guint t = 0; types[t] != NULL; t++)
    {
      g_autofree char *interfaces =
        g_strjoinv (", ", (char **) upg_plugin_info_get_interfaces (info, types[t]));
      GString *actions = g_string_new (NULL);

      for (UpgMigrationAction a = UPG_MIGRATION_ACTION_MIGRATE; a <= UPG_MIGRATION_ACTION_CLEANUP; a++)
        if (upg_plugin_info_supports (info, types[t], a))
          g_string_append_printf (actions, "%s%s", actions->len ? ", " : " (",
                                  upg_migration_action_to_string (a));
      if (actions->len > 0)
        g_string_append_c (actions, ')');
      g_print ("  %s: %s%s\n", types[t], *interfaces ? interfaces : _("no SPI interface"),
               actions->str);
      g_string_free (actions, TRUE);
    }
}

static void
print_result (UpgPluginManager *manager,
              GPtrArray        *plugins)
{
  const char * const *refused = upg_plugin_manager_get_refused (manager);

  for (guint i = 0; i < plugins->len; i++)
    print_plugin (plugins->pdata[i]);
  if (plugins->len == 0)
    g_print (_("no plugins found\n"));
  for (guint i = 0; refused[i] != NULL; i++)
    g_print (_("refused: %s\n"), refused[i]);
}

/**
 * upgctl_cmd_plugins:
 * @ctl: the invocation
 * @argc: argument count
 * @argv: arguments, `argv[0]` = `"plugins"`
 *
 * Lists the plugins of the configured plugin directories (each described
 * by a plugin host process), the SPI interfaces each type implements, the
 * actions each data migration supports, and the files refused and why.
 *
 * Returns: 0, or 2 for bad usage or configuration
 */
int
upgctl_cmd_plugins (UpgCtl *ctl, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) extra_dirs = NULL;
  g_autoptr(UpgPluginManager) manager = NULL;
  g_autoptr(GPtrArray) plugins = NULL;
  const GOptionEntry entries[] = {
    { "plugin-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &extra_dirs,
      N_("Also scan this directory (repeatable)"), N_("DIR") },
    G_OPTION_ENTRY_NULL
  };

  if (!upgctl_parse_options (ctl, entries, "plugins", &argc, &argv, &error) ||
      !upgctl_expect_no_arguments (argc, argv, &error))
    return upgctl_fail (ctl, error);
  manager = make_manager (ctl, extra_dirs, &error);
  if (manager == NULL || !upg_plugin_manager_scan (manager, NULL, &error))
    return upgctl_fail (ctl, error);
  plugins = upg_plugin_manager_list_plugins (manager);
  if (ctl->json)
    {
      g_autoptr(JsonNode) node = result_to_json (manager, plugins);

      upgctl_print_json (ctl, node);
    }
  else
    print_result (manager, plugins);
  return 0;
}
