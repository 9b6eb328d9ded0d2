/* test-uninstalled.c - the build tree's programs behave like installed ones
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A developer, the demo and an operator trying a build run
 * `_build/bindings/cli/upgradectl` directly, with none of the variables
 * the test suite sets. They must get the translated messages and the
 * shipped plugins of that build, as an installed upgradectl gets the
 * installed ones.
 */
#include <json-glib/json-glib.h>

#include "upgradectl-spawn.h"

/* Forget what the test environment sets, as a person's shell has none of
 * it: upgradectl must find the build tree's catalogue and plugins alone. */
static void
forget_test_environment (void)
{
  g_unsetenv ("UPGRADE_LOCALEDIR");
  g_unsetenv ("UPGRADE_PLUGIN_HOST");
  g_unsetenv ("UPGRADE_CONFIG");
  g_unsetenv ("UPGRADE_BUNDLE");
}

static void
test_messages_translated (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  status = upgradectl_spawn_stderr ("zh_CN.UTF-8", &out, &err, "plan", "--from", "x.y", "--to", "3.18.0", NULL);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "版本“x.y”无效"));
  g_assert_null (strstr (err, "is not valid"));
}

static void
test_shipped_plugins_found (void)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) names = g_string_new (NULL);
  JsonArray *plugins;
  int status;

  status = upgradectl_spawn_stderr (NULL, &out, &err, "--json", "plugins", NULL);
  g_assert_cmpint (status, ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  plugins = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "plugins");
  for (guint i = 0; i < json_array_get_length (plugins); i++)
    {
      JsonObject *plugin = json_array_get_object_element (plugins, i);

      g_string_append_printf (names, "%s;", json_object_get_string_member (plugin, "name"));
    }
  g_assert_nonnull (strstr (names->str, "host-resources;"));
  g_assert_nonnull (strstr (names->str, "sql-checks;"));
}

int
main (int argc, char **argv)
{
  forget_test_environment ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/uninstalled/messages-translated", test_messages_translated);
  g_test_add_func ("/uninstalled/shipped-plugins-found", test_shipped_plugins_found);
  return g_test_run ();
}
