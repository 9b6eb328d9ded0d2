/* test-plugin-manager.c - plugins found, described and run in a host process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <upgrade.h>

#include "upg-config.h"

typedef struct {
  char             *dir;
  UpgPluginManager *manager;
  UpgContext       *context;
  GPtrArray        *logs;
  GPtrArray        *progress;
  GPtrArray        *checkpoints;
  GCancellable     *cancel_on_progress;
} Fixture;

static char *
fixture_plugin (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".so", NULL);

  return g_test_build_filename (G_TEST_BUILT, "fixtures", "plugins", file, NULL);
}

static void
install_plugin (Fixture *f, const char *name, const char *as)
{
  g_autofree char *source = fixture_plugin (name);
  g_autofree char *target = g_build_filename (f->dir, as ? as : name, NULL);
  g_autofree char *target_so = g_str_has_suffix (target, ".so") ? g_strdup (target)
                                                                 : g_strconcat (target, ".so", NULL);
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (source, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents_full (target_so, contents, length,
                                           G_FILE_SET_CONTENTS_CONSISTENT, 0755, &error));
  g_assert_no_error (error);
}

static gboolean
on_log (UpgContext *ctx, guint level, const char *message, Fixture *f)
{
  g_ptr_array_add (f->logs, g_strdup (message));
  return TRUE;
}

static void
on_progress (UpgContext *ctx, guint64 done, guint64 total, const char *message, Fixture *f)
{
  g_ptr_array_add (f->progress, g_strdup_printf ("%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                                                 done, total));
  if (f->cancel_on_progress != NULL)
    g_cancellable_cancel (f->cancel_on_progress);
}

static gboolean
save_checkpoint (UpgContext *ctx, const char *checkpoint, gpointer user_data, GError **error)
{
  Fixture *f = user_data;

  g_ptr_array_add (f->checkpoints, g_strdup (checkpoint));
  return TRUE;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgVersion) from = upg_version_parse ("3.17.4", NULL);
  g_autoptr(UpgVersion) to = upg_version_parse ("3.17.5", NULL);
  g_autoptr(JsonNode) checks = json_from_string ("[{\"version\":\"3.17.5\",\"checks\":{}},"
                                                 "{\"version\":\"3.17.5-P1\",\"checks\":{}}]",
                                                 NULL);

  f->dir = g_dir_make_tmp ("upg-plugins-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_cmpint (chmod (f->dir, 0755), ==, 0);
  f->manager = upg_plugin_manager_new ();
  upg_plugin_manager_add_directory (f->manager, f->dir);
  f->context = upg_context_new ("6f1f7d4e-1111-4222-8333-444455556666");
  upg_context_set_site_id (f->context, "bj-01");
  upg_context_set_stage (f->context, UPG_STAGE_IN_STOP);
  upg_context_set_step_id (f->context, "tool_001");
  upg_context_set_from_version (f->context, from);
  upg_context_set_to_version (f->context, to);
  upg_context_set_checks (f->context, json_node_get_array (checks));
  f->logs = g_ptr_array_new_with_free_func (g_free);
  f->progress = g_ptr_array_new_with_free_func (g_free);
  f->checkpoints = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (f->context, "log", G_CALLBACK (on_log), f);
  g_signal_connect (f->context, "progress", G_CALLBACK (on_progress), f);
  upg_context_set_checkpoint_saver (f->context, save_checkpoint, f, NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_object_unref (f->manager);
  g_object_unref (f->context);
  g_ptr_array_unref (f->logs);
  g_ptr_array_unref (f->progress);
  g_ptr_array_unref (f->checkpoints);
  g_clear_object (&f->cancel_on_progress);
}

static gboolean
logs_contain (Fixture *f, const char *needle)
{
  for (guint i = 0; i < f->logs->len; i++)
    if (strstr (f->logs->pdata[i], needle) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
refused_contains (Fixture *f, const char *needle)
{
  const char * const *refused = upg_plugin_manager_get_refused (f->manager);

  for (guint i = 0; refused[i] != NULL; i++)
    if (strstr (refused[i], needle) != NULL)
      return TRUE;
  return FALSE;
}

static JsonObject *
params (const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  return json_object_ref (json_node_get_object (node));
}

static void
test_list (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) plugins = NULL;
  UpgPluginInfo *info;

  install_plugin (f, "good", NULL);
  g_assert_true (upg_plugin_manager_scan (f->manager, NULL, &error));
  g_assert_no_error (error);
  plugins = upg_plugin_manager_list_plugins (f->manager);
  g_assert_cmpuint (plugins->len, ==, 1);
  info = plugins->pdata[0];
  g_assert_cmpstr (upg_plugin_info_get_name (info), ==, "good");
  g_assert_cmpstr (upg_plugin_info_get_version (info), ==, "1.0.0");
  g_assert_cmpstr (upg_plugin_info_get_component (info), ==, "test");
  g_assert_cmpuint (upg_plugin_info_get_abi_version (info), ==, UPG_SPI_ABI_VERSION);
  g_assert_true (g_str_has_prefix (upg_plugin_info_get_path (info), f->dir));
  g_assert_cmpuint (g_strv_length ((char **) upg_plugin_info_get_type_names (info)), ==, 5);
  g_assert_true (upg_plugin_info_implements (info, "GoodResources", "UpgResourceCheck"));
  g_assert_true (upg_plugin_info_implements (info, "GoodQuality", "UpgDataQuality"));
  g_assert_true (upg_plugin_info_implements (info, "GoodCompat", "UpgCompatibility"));
  g_assert_true (upg_plugin_info_implements (info, "GoodDuration", "UpgDurationEstimate"));
  g_assert_true (upg_plugin_info_implements (info, "GoodMigration", "UpgDataMigration"));
  g_assert_false (upg_plugin_info_implements (info, "GoodMigration", "UpgResourceCheck"));
  g_assert_true (upg_plugin_info_supports (info, "GoodMigration", UPG_MIGRATION_ACTION_MIGRATE));
  g_assert_true (upg_plugin_info_supports (info, "GoodMigration", UPG_MIGRATION_ACTION_ROLLBACK));
  g_assert_false (upg_plugin_info_supports (info, "GoodMigration", UPG_MIGRATION_ACTION_CLEANUP));
  g_assert_null (upg_plugin_manager_get_refused (f->manager)[0]);
}

static GPtrArray *
run_checks (Fixture *f, GType iface)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *results = upg_plugin_manager_run_checks (f->manager, iface, f->context, 30, NULL,
                                                      &error);

  g_assert_no_error (error);
  g_assert_nonnull (results);
  return results;
}

static void
assert_result (UpgCheckResult *result, const char *kind, const char *id, UpgVerdict verdict)
{
  g_assert_cmpstr (upg_check_result_get_kind (result), ==, kind);
  g_assert_cmpstr (upg_check_result_get_id (result), ==, id);
  g_assert_cmpint (upg_check_result_get_verdict (result), ==, verdict);
}

static void
test_each_interface (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) resources = NULL, quality = NULL, compat = NULL, duration = NULL;
  JsonObject *figures;

  install_plugin (f, "good", NULL);
  resources = run_checks (f, UPG_TYPE_RESOURCE_CHECK);
  g_assert_cmpuint (resources->len, ==, 1);
  assert_result (resources->pdata[0], "resource", "good-resources", UPG_VERDICT_PASS);
  /* The context reached the plugin host: site, execution id, stage. */
  g_assert_cmpstr (upg_check_result_get_message (resources->pdata[0]), ==,
                   "good-resources for site bj-01 in 6f1f7d4e-1111-4222-8333-444455556666 "
                   "(plugin 1.0.0)");
  figures = upg_check_result_get_figures (resources->pdata[0]);
  g_assert_cmpint (json_object_get_int_member (figures, "answer"), ==, 42);
  g_assert_cmpstr (json_object_get_string_member (figures, "stage"), ==, "in_stop");

  quality = run_checks (f, UPG_TYPE_DATA_QUALITY);
  g_assert_cmpuint (quality->len, ==, 2);
  assert_result (quality->pdata[0], "data_quality", "good-quality", UPG_VERDICT_WARN);
  g_assert_cmpstr (upg_check_result_get_suggestion (quality->pdata[0]), ==, "look at it");
  assert_result (quality->pdata[1], "data_quality", "checks-seen", UPG_VERDICT_PASS);
  figures = upg_check_result_get_figures (quality->pdata[1]);
  g_assert_cmpint (json_object_get_int_member (figures, "manifests"), ==, 2);

  compat = run_checks (f, UPG_TYPE_COMPATIBILITY);
  g_assert_cmpuint (compat->len, ==, 1);
  assert_result (compat->pdata[0], "compatibility", "good-compat", UPG_VERDICT_WARN);

  duration = run_checks (f, UPG_TYPE_DURATION_ESTIMATE);
  g_assert_cmpuint (duration->len, ==, 1);
  assert_result (duration->pdata[0], "duration", "tool_001", UPG_VERDICT_PASS);
  figures = upg_check_result_get_figures (duration->pdata[0]);
  g_assert_cmpint (json_object_get_int_member (figures, "seconds"), ==, 120);
}

static void
test_bad_interface (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results =
    upg_plugin_manager_run_checks (f->manager, UPG_TYPE_DATA_MIGRATION, f->context, 0, NULL,
                                   &error);

  g_assert_null (results);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "UpgDataMigration"));
}

static void
test_migration (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) p = params ("{\"units\":3}");

  install_plugin (f, "good", NULL);
  g_assert_true (upg_plugin_manager_run_migration (f->manager, "GoodMigration",
                                                   UPG_MIGRATION_ACTION_MIGRATE, f->context,
                                                   p, 30, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->progress->len, ==, 3);
  g_assert_cmpstr (f->progress->pdata[0], ==, "1/3");
  g_assert_cmpstr (f->progress->pdata[2], ==, "3/3");
  g_assert_cmpuint (f->checkpoints->len, ==, 3);
  g_assert_cmpstr (f->checkpoints->pdata[2], ==, "{\"next\":3}");
  g_assert_cmpstr (upg_context_get_checkpoint (f->context), ==, "{\"next\":3}");
  g_assert_true (logs_contain (f, "good 1.0.0 migrating from unit 0"));
  /* What the plugin printed reaches the execution's log, tagged. */
  g_assert_true (logs_contain (f, "plugin 'good': plain output on stdout"));

  g_assert_true (upg_plugin_manager_run_migration (f->manager, "GoodMigration",
                                                   UPG_MIGRATION_ACTION_ROLLBACK, f->context,
                                                   NULL, 30, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (logs_contain (f, "rolled back"));
}

static void
on_async_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (upg_plugin_manager_run_migration_finish (UPG_PLUGIN_MANAGER (source), result,
                                                          &error));
  g_assert_no_error (error);
  g_main_loop_quit (user_data);
}

static void
test_migration_async (Fixture *f, gconstpointer data)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(JsonObject) p = params ("{\"units\":2}");

  install_plugin (f, "good", NULL);
  upg_plugin_manager_run_migration_async (f->manager, "GoodMigration",
                                          UPG_MIGRATION_ACTION_MIGRATE, f->context, p, 30,
                                          NULL, on_async_done, loop);
  g_main_loop_run (loop);
  g_assert_cmpuint (f->progress->len, ==, 2);
}

static void
test_migration_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) p = params ("{\"fail\":\"table orders is locked\"}");

  install_plugin (f, "good", NULL);
  g_assert_false (upg_plugin_manager_run_migration (f->manager, "GoodMigration",
                                                    UPG_MIGRATION_ACTION_MIGRATE, f->context,
                                                    p, 30, NULL, &error));
  /* The plugin's own error keeps its code and message. */
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_cmpstr (error->message, ==, "table orders is locked");
  g_clear_error (&error);

  g_assert_false (upg_plugin_manager_run_migration (f->manager, "GoodMigration",
                                                    UPG_MIGRATION_ACTION_CLEANUP, f->context,
                                                    NULL, 30, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_PLUGIN);
  g_assert_nonnull (strstr (error->message, "GoodMigration (plugin 'good') does not support cleanup"));
  g_clear_error (&error);

  g_assert_false (upg_plugin_manager_run_migration (f->manager, "GoodResources",
                                                    UPG_MIGRATION_ACTION_MIGRATE, f->context,
                                                    NULL, 30, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_PLUGIN);
  g_assert_nonnull (strstr (error->message, "does not implement UpgDataMigration"));
  g_clear_error (&error);

  g_assert_false (upg_plugin_manager_run_migration (f->manager, "NoSuchMigration",
                                                    UPG_MIGRATION_ACTION_MIGRATE, f->context,
                                                    NULL, 30, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "'NoSuchMigration'"));
  g_assert_nonnull (strstr (error->message, f->dir));
}

static void
test_abi_mismatch (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "abi.so", NULL);
  g_autofree char *expected = NULL;
  g_autoptr(UpgPluginInfo) info = NULL;
  g_autoptr(GPtrArray) plugins = NULL;

  install_plugin (f, "abi", NULL);
  info = upg_plugin_manager_inspect_file (f->manager, path, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_ABI_MISMATCH);
  expected = g_strdup_printf ("plugin 'future' (%s) was built for SPI ABI %u, this libupgrade "
                              "provides ABI %u", path, UPG_SPI_ABI_VERSION + 1,
                              UPG_SPI_ABI_VERSION);
  g_assert_cmpstr (error->message, ==, expected);

  install_plugin (f, "good", NULL);
  g_assert_true (upg_plugin_manager_scan (f->manager, NULL, NULL));
  plugins = upg_plugin_manager_list_plugins (f->manager);
  g_assert_cmpuint (plugins->len, ==, 1);
  g_assert_true (refused_contains (f, expected));
}

static void
test_not_plugins (Fixture *f, gconstpointer data)
{
  g_autofree char *garbage = g_build_filename (f->dir, "garbage.so", NULL);
  g_autofree char *notplugin = g_build_filename (f->dir, "notplugin.so", NULL);
  g_autoptr(GPtrArray) plugins = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgPluginInfo) info = NULL;

  install_plugin (f, "notplugin", NULL);
  g_assert_true (g_file_set_contents (garbage, "this is not an ELF file\n", -1, NULL));
  g_assert_true (upg_plugin_manager_scan (f->manager, NULL, &error));
  g_assert_no_error (error);
  plugins = upg_plugin_manager_list_plugins (f->manager);
  g_assert_cmpuint (plugins->len, ==, 0);
  g_assert_true (refused_contains (f, "is not a libupgrade plugin: it does not export "
                                      "upg_plugin_get_descriptor"));
  g_assert_true (refused_contains (f, notplugin));
  g_assert_true (refused_contains (f, "cannot be loaded"));
  g_assert_true (refused_contains (f, garbage));

  info = upg_plugin_manager_inspect_file (f->manager, garbage, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_PLUGIN);
}

static void
test_world_writable (Fixture *f, gconstpointer data)
{
  g_autofree char *file = g_build_filename (f->dir, "good.so", NULL);
  g_autoptr(GPtrArray) plugins = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autofree char *dir_message = NULL;

  install_plugin (f, "good", NULL);
  g_assert_cmpint (chmod (file, 0666), ==, 0);
  g_assert_true (upg_plugin_manager_scan (f->manager, NULL, NULL));
  plugins = upg_plugin_manager_list_plugins (f->manager);
  g_assert_cmpuint (plugins->len, ==, 0);
  g_assert_true (refused_contains (f, file));
  g_assert_true (refused_contains (f, "world-writable"));

  g_assert_cmpint (chmod (file, 0755), ==, 0);
  g_assert_cmpint (chmod (f->dir, 0777), ==, 0);
  g_assert_true (upg_plugin_manager_scan (f->manager, NULL, NULL));
  again = upg_plugin_manager_list_plugins (f->manager);
  g_assert_cmpuint (again->len, ==, 0);
  dir_message = g_strdup_printf ("plugin directory '%s' is world-writable", f->dir);
  g_assert_true (refused_contains (f, dir_message));
  g_assert_cmpint (chmod (f->dir, 0755), ==, 0);
}

static void
test_crash (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = NULL;
  UpgCheckResult *failed = NULL;

  install_plugin (f, "crash", NULL);
  install_plugin (f, "good", NULL);
  g_assert_false (upg_plugin_manager_run_migration (f->manager, "BadPlugin",
                                                    UPG_MIGRATION_ACTION_MIGRATE, f->context,
                                                    NULL, 30, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_PLUGIN);
  g_assert_cmpstr (error->message, ==, "plugin 'crash' crashed (signal 11) in BadPlugin.migrate");

  /* One crashing check plugin does not hide the others. */
  results = run_checks (f, UPG_TYPE_RESOURCE_CHECK);
  g_assert_cmpuint (results->len, ==, 2);
  for (guint i = 0; i < results->len; i++)
    if (g_str_equal (upg_check_result_get_id (results->pdata[i]), "plugin:crash"))
      failed = results->pdata[i];
  g_assert_nonnull (failed);
  g_assert_cmpint (upg_check_result_get_verdict (failed), ==, UPG_VERDICT_FAIL);
  g_assert_cmpstr (upg_check_result_get_kind (failed), ==, "resource");
  g_assert_cmpstr (upg_check_result_get_message (failed), ==,
                   "plugin 'crash' crashed (signal 11) in BadPlugin.check");
}

static void
test_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  install_plugin (f, "hang", NULL);
  g_assert_false (upg_plugin_manager_run_migration (f->manager, "BadPlugin",
                                                    UPG_MIGRATION_ACTION_MIGRATE, f->context,
                                                    NULL, 1, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_TIMEOUT);
  g_assert_cmpstr (error->message, ==,
                   "plugin 'hang' timed out after 1 s in BadPlugin.migrate and was killed");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

static void
test_cancel_cooperative (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) p = params ("{\"units\":3,\"wait_cancel\":true}");

  install_plugin (f, "good", NULL);
  f->cancel_on_progress = g_cancellable_new ();
  /* A long grace: the plugin must stop by itself, not be killed. */
  upg_plugin_manager_set_kill_grace (f->manager, 60000);
  g_assert_false (upg_plugin_manager_run_migration (f->manager, "GoodMigration",
                                                    UPG_MIGRATION_ACTION_MIGRATE, f->context,
                                                    p, 0, f->cancel_on_progress, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_nonnull (strstr (error->message, "plugin 'good' was cancelled in GoodMigration.migrate"));
  g_assert_cmpuint (f->progress->len, ==, 1);
  g_assert_cmpuint (f->checkpoints->len, ==, 1);
}

static void
test_cancel_kill (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  install_plugin (f, "hang", NULL);
  f->cancel_on_progress = g_cancellable_new ();
  upg_plugin_manager_set_kill_grace (f->manager, 100);
  g_assert_cmpuint (upg_plugin_manager_get_kill_grace (f->manager), ==, 100);
  g_assert_false (upg_plugin_manager_run_migration (f->manager, "BadPlugin",
                                                    UPG_MIGRATION_ACTION_MIGRATE, f->context,
                                                    NULL, 0, f->cancel_on_progress, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_checkpoint_resume (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) p = params ("{\"units\":5,\"kill_after\":2}");

  install_plugin (f, "good", NULL);
  g_assert_false (upg_plugin_manager_run_migration (f->manager, "GoodMigration",
                                                    UPG_MIGRATION_ACTION_MIGRATE, f->context,
                                                    p, 30, NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_PLUGIN);
  g_assert_nonnull (strstr (error->message, "crashed (signal 9)"));
  g_clear_error (&error);
  g_assert_cmpuint (f->checkpoints->len, ==, 2);
  g_assert_cmpstr (upg_context_get_checkpoint (f->context), ==, "{\"next\":2}");

  g_ptr_array_set_size (f->progress, 0);
  g_assert_true (upg_plugin_manager_run_migration (f->manager, "GoodMigration",
                                                   UPG_MIGRATION_ACTION_MIGRATE, f->context,
                                                   p, 30, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (logs_contain (f, "migrating from unit 2"));
  g_assert_cmpuint (f->progress->len, ==, 3);
  g_assert_cmpstr (f->progress->pdata[0], ==, "3/5");
  g_assert_cmpstr (upg_context_get_checkpoint (f->context), ==, "{\"next\":5}");
}

static void
set_mtime (const char *path, time_t seconds)
{
  struct timespec times[2] = { { seconds, 0 }, { seconds, 0 } };

  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
}

static void
test_reload (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "plugin.so", NULL);
  g_autoptr(UpgPluginInfo) before = NULL, after = NULL;
  g_autoptr(GError) error = NULL;

  install_plugin (f, "good", "plugin");
  set_mtime (path, 1700000000);
  before = upg_plugin_manager_find_type (f->manager, "GoodMigration", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (upg_plugin_info_get_version (before), ==, "1.0.0");

  install_plugin (f, "reload2", "plugin");
  set_mtime (path, 1700000100);
  after = upg_plugin_manager_find_type (f->manager, "GoodMigration", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (upg_plugin_info_get_version (after), ==, "2.0.0");
  g_assert_true (upg_plugin_manager_run_migration (f->manager, "GoodMigration",
                                                   UPG_MIGRATION_ACTION_MIGRATE, f->context,
                                                   NULL, 30, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (logs_contain (f, "good 2.0.0 migrating"));
}

static void
test_clash (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) plugins = NULL;

  install_plugin (f, "good", "a-good");
  install_plugin (f, "reload2", "b-good");
  g_assert_true (upg_plugin_manager_scan (f->manager, NULL, NULL));
  plugins = upg_plugin_manager_list_plugins (f->manager);
  g_assert_cmpuint (plugins->len, ==, 1);
  g_assert_cmpstr (upg_plugin_info_get_version (plugins->pdata[0]), ==, "1.0.0");
  g_assert_true (refused_contains (f, "b-good.so' is refused: plugin 'good' is already loaded"));
}

static void
test_missing_host (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "good.so", NULL);
  g_autoptr(UpgPluginInfo) info = NULL;

  install_plugin (f, "good", NULL);
  upg_plugin_manager_set_host_path (f->manager, "/nonexistent/upgrade-plugin-host");
  g_assert_cmpstr (upg_plugin_manager_get_host_path (f->manager), ==,
                   "/nonexistent/upgrade-plugin-host");
  info = upg_plugin_manager_inspect_file (f->manager, path, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_PLUGIN);
  g_assert_nonnull (strstr (error->message, "cannot start the plugin host "
                                            "'/nonexistent/upgrade-plugin-host'"));
}

/* A host whose manager died stops its plugin and exits: no orphan keeps
 * migrating while a resumed run starts. */
static void
test_orphan_host (Fixture *f, gconstpointer data)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) host = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *plugin = g_build_filename (f->dir, "good.so", NULL);
  g_autofree char *request = g_strdup_printf ("{\"op\":\"migrate\",\"plugin\":\"%s\","
                                              "\"type\":\"GoodMigration\",\"context\":"
                                              "{\"execution_id\":\"e\"},\"params\":"
                                              "{\"wait_cancel\":true}}\n", plugin);
  g_autofree char *line = NULL;
  int fds[2];
  FILE *channel;
  size_t length = 0;

  install_plugin (f, "good", NULL);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);
  host = g_subprocess_launcher_spawn (launcher, &error,
                                      upg_plugin_manager_get_host_path (f->manager), NULL);
  g_assert_no_error (error);
  channel = fdopen (fds[0], "r+");
  g_assert_cmpint (fputs (request, channel), >=, 0);
  fflush (channel);
  /* Wait until the plugin runs: it logs, then asks to store a checkpoint. */
  while (getline (&line, &length, channel) > 0 && strstr (line, "\"checkpoint\"") == NULL)
    ;
  g_assert_nonnull (strstr (line, "\"checkpoint\""));
  /* Confirmed: the plugin goes on to wait for a cancellation that only
   * the manager's disappearance brings. */
  g_assert_cmpint (fputs ("{\"ack\":true}\n", channel), >=, 0);
  fflush (channel);
  fclose (channel);
  g_assert_true (g_subprocess_wait (host, NULL, &error));
  g_assert_no_error (error);
  /* The plugin stopped when cancelled: the host was not ended by its
   * orphan grace timer (exit status 3), however slow the machine. */
  g_assert_false (g_subprocess_get_if_exited (host) && g_subprocess_get_exit_status (host) == 3);
}

static gpointer
run_in_thread (gpointer data)
{
  UpgPluginManager *manager = data;
  g_autoptr(UpgContext) ctx = upg_context_new ("parallel");
  g_autoptr(JsonObject) p = params ("{\"units\":2}");
  g_autoptr(GPtrArray) saved = g_ptr_array_new_with_free_func (g_free);
  Fixture f = { .checkpoints = saved };
  GError *error = NULL;

  upg_context_set_checkpoint_saver (ctx, save_checkpoint, &f, NULL);
  if (!upg_plugin_manager_run_migration (manager, "GoodMigration", UPG_MIGRATION_ACTION_MIGRATE,
                                         ctx, p, 30, NULL, &error))
    return error;
  g_assert_cmpuint (saved->len, ==, 2);
  return NULL;
}

/* pre_stop steps run in parallel: one manager, several threads. */
static void
test_parallel (Fixture *f, gconstpointer data)
{
  GThread *threads[4];

  install_plugin (f, "good", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("step", run_in_thread, f->manager);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_autoptr(GError) error = g_thread_join (threads[i]);

      g_assert_no_error (error);
    }
}

static void
test_for_config (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "upgrade.json", NULL);
  g_autofree char *json = g_strdup_printf ("{\"site_id\": \"bj-01\", \"plugin_dirs\": [\"%s\"]}",
                                           f->dir);
  g_autoptr(UpgConfig) config = NULL, bare = NULL;
  g_autoptr(UpgPluginManager) manager = NULL, system = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, json, -1, NULL));
  config = upg_config_new_from_file (path, &error);
  g_assert_no_error (error);
  manager = upg_plugin_manager_new_for_config (config);
  g_assert_cmpstr (upg_plugin_manager_get_directories (manager)[0], ==, f->dir);
  g_assert_null (upg_plugin_manager_get_directories (manager)[1]);

  g_assert_true (g_file_set_contents (path, "{\"site_id\": \"bj-01\"}", -1, NULL));
  bare = upg_config_new_from_file (path, &error);
  g_assert_no_error (error);
  system = upg_plugin_manager_new_for_config (bare);
  g_assert_cmpstr (upg_plugin_manager_get_directories (system)[0], ==,
                   upg_plugin_manager_get_system_directory ());
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add ("/plugin-manager/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("list", test_list);
  ADD ("each-interface", test_each_interface);
  ADD ("bad-interface", test_bad_interface);
  ADD ("migration", test_migration);
  ADD ("migration-async", test_migration_async);
  ADD ("migration-errors", test_migration_errors);
  ADD ("abi-mismatch", test_abi_mismatch);
  ADD ("not-plugins", test_not_plugins);
  ADD ("world-writable", test_world_writable);
  ADD ("crash", test_crash);
  ADD ("timeout", test_timeout);
  ADD ("cancel-cooperative", test_cancel_cooperative);
  ADD ("cancel-kill", test_cancel_kill);
  ADD ("checkpoint-resume", test_checkpoint_resume);
  ADD ("reload", test_reload);
  ADD ("clash", test_clash);
  ADD ("missing-host", test_missing_host);
  ADD ("for-config", test_for_config);
  ADD ("parallel", test_parallel);
  ADD ("orphan-host", test_orphan_host);
#undef ADD
  return g_test_run ();
}
