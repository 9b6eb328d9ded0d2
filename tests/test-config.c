/* test-config.c - upgrade.json
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <upgrade.h>

#include "upg-config.h"

static char *
fixture (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "config", name, NULL);
}

static void
test_config_full (void)
{
  g_autofree char *path = fixture ("upgrade.json");
  g_autofree char *dir = fixture (NULL);
  g_autofree char *journal_path = g_build_filename (dir, ".upgrade", "journal.db", NULL);
  g_autofree char *plugins = g_build_filename (dir, "plugins", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConfig) config = upg_config_new_from_file (path, &error);
  UpgDataSource *journal;
  const char * const *dirs;
  GPtrArray *sources;

  g_assert_no_error (error);
  g_assert_cmpstr (upg_config_get_path (config), ==, path);
  g_assert_cmpstr (upg_config_get_site_id (config), ==, "bj-01");
  g_assert_cmpint (json_object_get_int_member (upg_config_get_env (config), "nodes"), ==, 3);
  sources = upg_config_get_data_sources (config);
  g_assert_cmpuint (sources->len, ==, 5);
  g_assert_cmpstr (upg_data_source_get_name (sources->pdata[0]), ==, "ft_db");
  g_assert_cmpstr (upg_data_source_get_name (sources->pdata[4]), ==, "raw");
  g_assert_true (upg_config_lookup_data_source (config, "mid_db") == sources->pdata[1]);
  g_assert_null (upg_config_lookup_data_source (config, "nope"));
  journal = upg_config_get_journal (config);
  g_assert_cmpstr (upg_data_source_get_name (journal), ==, "journal");
  g_assert_cmpstr (upg_data_source_get_path (journal), ==, journal_path);
  dirs = upg_config_get_plugin_dirs (config);
  g_assert_cmpstr (dirs[0], ==, "/usr/lib/x86_64-linux-gnu/libupgrade-1/plugins");
  g_assert_cmpstr (dirs[1], ==, plugins);
  g_assert_null (dirs[2]);
  g_assert_cmpstr (upg_config_get_service_listen (config), ==, "127.0.0.1:20080");
  g_assert_cmpstr (upg_config_get_service_token_file (config), ==, "/etc/upgrade/token");
}

static void
test_config_empty (void)
{
  g_autoptr(UpgConfig) config = upg_config_new ();

  g_assert_null (upg_config_get_path (config));
  g_assert_null (upg_config_get_site_id (config));
  g_assert_null (upg_config_get_journal (config));
  g_assert_cmpuint (upg_config_get_data_sources (config)->len, ==, 0);
  g_assert_null (upg_config_get_plugin_dirs (config)[0]);
  g_assert_cmpuint (json_object_get_size (upg_config_get_env (config)), ==, 0);
}

static void
assert_config_fails (const char *json,
                     const char *expected_tail)
{
  g_autofree char *dir = g_dir_make_tmp ("upg-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "upgrade.json", NULL);
  g_autofree char *expected = g_strdup_printf ("%s: %s", path, expected_tail);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConfig) config = NULL;

  g_assert_true (g_file_set_contents (path, json, -1, NULL));
  config = upg_config_new_from_file (path, &error);
  g_assert_null (config);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG);
  g_assert_cmpstr (error->message, ==, expected);
  g_remove (path);
  g_rmdir (dir);
}

static void
test_config_errors (void)
{
  assert_config_fails ("{\"datasources\": {\"ft_db\": {\"provider\": \"MySQL\", \"host\": \"h\", "
                       "\"port\": true}}}",
                       "$.datasources.ft_db.port: expected an integer from 0 to 65535, got a boolean");
  assert_config_fails ("{\"datasources\": {\"ft_db\": {\"provider\": \"MySQL\", \"host\": \"h\", "
                       "\"password\": \"x\"}}}",
                       "$.datasources.ft_db.password: a password in clear is refused: use "
                       "password_env (an environment variable's name) or password_file");
  assert_config_fails ("{\"datasources\": {\"a\": 3}}",
                       "$.datasources.a: expected an object, got a number");
  assert_config_fails ("{\"site_id\": 7}", "$.site_id: expected a string, got a number");
  assert_config_fails ("{\"journal\": {\"provider\": \"SQLite\"}}",
                       "$.journal.path: required member is missing: expected a string");
  assert_config_fails ("{\"plugin_dirs\": \"/usr/lib\"}",
                       "$.plugin_dirs: expected an array, got a string");
  assert_config_fails ("{\"service\": {\"listen\": 20080}}",
                       "$.service.listen: expected a string, got a number");
  assert_config_fails ("[1]", "$: expected an object, got an array");
}

static void
test_config_malformed (void)
{
  g_autofree char *path = fixture ("malformed.json");
  g_autofree char *prefix = g_strdup_printf ("%s:4:", path);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConfig) config = upg_config_new_from_file (path, &error);

  g_assert_null (config);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG);
  if (!g_str_has_prefix (error->message, prefix))
    g_error ("'%s' does not start with '%s'", error->message, prefix);
}

static void
test_config_missing (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgConfig) config = upg_config_new_from_file ("/nonexistent/upgrade.json", &error);

  g_assert_null (config);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, "/nonexistent/upgrade.json: cannot read:"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/full", test_config_full);
  g_test_add_func ("/config/empty", test_config_empty);
  g_test_add_func ("/config/errors", test_config_errors);
  g_test_add_func ("/config/malformed", test_config_malformed);
  g_test_add_func ("/config/missing", test_config_missing);
  return g_test_run ();
}
