/* test-cli-plugins.c - `upgradectl plugins`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

/* Runs upgradectl with @lang as LANG (NULL: the test's environment as it
 * is). With a language, LANGUAGE and the LC_* overrides are unset, as on
 * an operator's machine where only LANG is set. */
static JsonNode *
run_upgradectl_lang (const char         *lang,
                     const char * const *args,
                     int                 expected_exit,
                     char              **out_stdout)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  JsonNode *node;

  g_ptr_array_add (argv, (char *) g_getenv ("UPGRADECTL"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  if (lang != NULL)
    {
      g_subprocess_launcher_setenv (launcher, "LANG", lang, TRUE);
      g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");
      g_subprocess_launcher_unsetenv (launcher, "LC_ALL");
      g_subprocess_launcher_unsetenv (launcher, "LC_MESSAGES");
    }
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
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

static JsonNode *
run_upgradectl (const char * const *args, int expected_exit, char **out_stdout)
{
  return run_upgradectl_lang (NULL, args, expected_exit, out_stdout);
}

static gboolean
any_contains (JsonArray  *strings,
              const char *part,
              const char *also)
{
  for (guint i = 0; i < json_array_get_length (strings); i++)
    {
      const char *text = json_array_get_string_element (strings, i);

      if (strstr (text, part) != NULL && strstr (text, also) != NULL)
        return TRUE;
    }
  return FALSE;
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

/* In zh_CN the plugin manager's refusals are in Chinese, both those it
 * writes itself and those the plugin host process reports, and they still
 * name the plugin file and the missing symbol. */
static void
test_plugins_chinese (void)
{
  g_autofree char *fixtures = g_test_build_filename (G_TEST_BUILT, "fixtures", "plugins", NULL);
  g_autofree char *abi = g_build_filename (fixtures, "abi.so", NULL);
  g_autofree char *notplugin = g_build_filename (fixtures, "notplugin.so", NULL);
  g_autofree char *reload2 = g_build_filename (fixtures, "reload2.so", NULL);
  g_autofree char *abi_text = NULL;
  g_autofree char *notplugin_text = NULL;
  g_autofree char *reload2_text = NULL;
  const char *args[] = { "--json", "plugins", "--plugin-dir", fixtures, NULL };
  g_autoptr(JsonNode) node = NULL;
  JsonArray *refused;

  g_assert_nonnull (g_getenv ("UPGRADE_LOCALEDIR"));
  node = run_upgradectl_lang ("zh_CN.UTF-8", args, 0, NULL);
  refused = json_object_get_array_member (json_node_get_object (node), "refused");
  abi_text = g_strdup_printf ("插件“future”（%s）是为 SPI ABI 2 构建的", abi);
  notplugin_text = g_strdup_printf ("“%s”不是 libupgrade 插件", notplugin);
  reload2_text = g_strdup_printf ("插件文件“%s”被拒绝：插件“good”已从“", reload2);
  g_assert_true (any_contains (refused, abi_text, "当前 libupgrade 提供的是 ABI 1"));
  g_assert_true (any_contains (refused, notplugin_text, "未导出 upg_plugin_get_descriptor"));
  g_assert_true (any_contains (refused, reload2_text, "good.so”加载"));
  g_assert_false (any_contains (refused, "was built for", ""));
  g_assert_false (any_contains (refused, "is refused", ""));
}

/* validate with a configuration: a tool step's class_name that no plugin
 * of the configuration's directories provides (a typo) is a problem
 * naming the manifest, the JSON path and the type, not a failure found
 * by `run` after the stage's earlier steps; a class that is provided is
 * none. */
static void
test_validate_tool_class (void)
{
  g_autofree char *fixtures = g_test_build_filename (G_TEST_BUILT, "fixtures", "plugins", NULL);
  g_autofree char *dir = g_dir_make_tmp ("upg-cli-plugins-XXXXXX", NULL);
  g_autofree char *manifests = g_build_filename (dir, "bundle", "manifests", NULL);
  g_autofree char *manifest = g_build_filename (manifests, "1.0.0.json", NULL);
  g_autofree char *bundle = g_build_filename (dir, "bundle", NULL);
  g_autofree char *config = g_build_filename (dir, "upgrade.json", NULL);
  g_autofree char *json = g_strdup_printf ("{\"site_id\": \"bj-01\", \"plugin_dirs\": [\"%s\"]}", fixtures);
  g_autofree char *expected = NULL;
  const char *args[] = { "--json", "-b", bundle, "-c", config, "validate", NULL };
  g_autoptr(JsonNode) node = NULL;
  JsonArray *problems;

  g_assert_cmpint (g_mkdir_with_parents (manifests, 0700), ==, 0);
  g_assert_true (g_file_set_contents (config, json, -1, NULL));
  g_assert_true (g_file_set_contents (manifest,
                                      "{\"version\": \"1.0.0\", \"component\": \"app\",\n"
                                      " \"upgrade_steps\": {\"post_upgrade\": [{\"id\": \"good\","
                                      " \"class_name\": \"GoodMigration\"}]},\n"
                                      " \"rollback_steps\": {\"in_stop\": [{\"id\": \"undo\","
                                      " \"class_name\": \"GoodMigratoin\"}]}}\n", -1, NULL));
  node = run_upgradectl (args, 2, NULL);
  problems = json_object_get_array_member (json_node_get_object (node), "problems");
  g_assert_cmpuint (json_array_get_length (problems), ==, 1);
  /* The fixtures' directory holds refused plugins: they are named too. */
  expected = g_strdup_printf ("%s: $.rollback_steps.in_stop[0].class_name: no plugin provides type "
                              "'GoodMigratoin' (plugin directories: %s; refused: ", manifest, fixtures);
  g_assert_true (g_str_has_prefix (json_array_get_string_element (problems, 0), expected));
  g_assert_nonnull (strstr (json_array_get_string_element (problems, 0), "abi.so) was built for SPI ABI 2"));

  g_remove (manifest);
  g_remove (config);
  g_rmdir (manifests);
  g_rmdir (bundle);
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
  g_test_add_func ("/cli/plugins/chinese", test_plugins_chinese);
  g_test_add_func ("/cli/plugins/validate-tool-class", test_validate_tool_class);
  return g_test_run ();
}
