/* test-cli-plugins.c - `upgradectl plugins`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

static JsonNode *
run_upgradectl (const char * const *args, int expected_exit, char **out_stdout)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  JsonNode *node;

  g_ptr_array_add (argv, (char *) g_getenv ("UPGRADECTL"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                               &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, expected_exit);
  if (out_stdout != NULL)
    {
      *out_stdout = g_steal_pointer (&out);
      return NULL;
    }
  node = json_from_string (out, &error);
  g_assert_no_error (error);
  return node;
}

static JsonObject *
find_plugin (JsonObject *doc, const char *name)
{
  JsonArray *plugins = json_object_get_array_member (doc, "plugins");

  for (guint i = 0; i < json_array_get_length (plugins); i++)
    {
      JsonObject *plugin = json_array_get_object_element (plugins, i);

      if (g_str_equal (json_object_get_string_member (plugin, "name"), name))
        return plugin;
    }
  g_error ("plugin '%s' not listed", name);
  return NULL;
}

static void
test_plugins_json (void)
{
  g_autofree char *shipped = g_build_filename (g_getenv ("UPGRADE_BUILD_ROOT"), "plugins", NULL);
  g_autofree char *fixtures = g_test_build_filename (G_TEST_BUILT, "fixtures", "plugins", NULL);
  const char *args[] = { "--json", "plugins", "--plugin-dir", shipped, "--plugin-dir", fixtures,
                         NULL };
  g_autoptr(JsonNode) node = run_upgradectl (args, 0, NULL);
  JsonObject *doc = json_node_get_object (node);
  JsonObject *good = find_plugin (doc, "good");
  JsonArray *types = json_object_get_array_member (good, "types");
  JsonArray *refused = json_object_get_array_member (doc, "refused");
  gboolean abi_refused = FALSE;

  g_assert_nonnull (find_plugin (doc, "host-resources"));
  g_assert_nonnull (find_plugin (doc, "sql-checks"));
  g_assert_cmpstr (json_object_get_string_member (good, "version"), ==, "1.0.0");
  g_assert_cmpstr (json_object_get_string_member (good, "component"), ==, "test");
  g_assert_true (g_str_has_suffix (json_object_get_string_member (good, "file"), "/good.so"));
  g_assert_cmpuint (json_array_get_length (types), ==, 5);
  for (guint i = 0; i < json_array_get_length (types); i++)
    {
      JsonObject *type = json_array_get_object_element (types, i);

      if (g_str_equal (json_object_get_string_member (type, "name"), "GoodMigration"))
        {
          JsonArray *actions = json_object_get_array_member (type, "actions");

          g_assert_cmpstr (json_array_get_string_element (
                             json_object_get_array_member (type, "interfaces"), 0), ==,
                           "UpgDataMigration");
          g_assert_cmpuint (json_array_get_length (actions), ==, 2);
        }
    }
  for (guint i = 0; i < json_array_get_length (refused); i++)
    if (strstr (json_array_get_string_element (refused, i), "was built for SPI ABI 2") != NULL)
      abi_refused = TRUE;
  g_assert_true (abi_refused);
}

static void
test_plugins_text_from_config (void)
{
  g_autofree char *dir = g_dir_make_tmp ("upg-cli-plugins-XXXXXX", NULL);
  g_autofree char *config = g_build_filename (dir, "upgrade.json", NULL);
  g_autofree char *shipped = g_build_filename (g_getenv ("UPGRADE_BUILD_ROOT"), "plugins", NULL);
  g_autofree char *json = g_strdup_printf ("{\"site_id\": \"bj-01\", \"plugin_dirs\": [\"%s\"]}",
                                           shipped);
  const char *args[] = { "-c", config, "plugins", NULL };
  g_autofree char *out = NULL;

  g_assert_true (g_file_set_contents (config, json, -1, NULL));
  run_upgradectl (args, 0, &out);
  g_assert_nonnull (strstr (out, "host-resources "));
  g_assert_nonnull (strstr (out, "  HostResourceCheck: UpgResourceCheck\n"));
  g_assert_nonnull (strstr (out, "  SqlDataQuality: UpgDataQuality\n"));
  g_remove (config);
  g_rmdir (dir);
}

static void
test_plugins_bad_config (void)
{
  const char *args[] = { "--json", "-c", "/nonexistent/upgrade.json", "plugins", NULL };
  g_autoptr(JsonNode) node = run_upgradectl (args, 2, NULL);
  JsonObject *error = json_object_get_object_member (json_node_get_object (node), "error");

  g_assert_nonnull (strstr (json_object_get_string_member (error, "message"),
                            "/nonexistent/upgrade.json"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/plugins/json", test_plugins_json);
  g_test_add_func ("/cli/plugins/text-from-config", test_plugins_text_from_config);
  g_test_add_func ("/cli/plugins/bad-config", test_plugins_bad_config);
  return g_test_run ();
}
