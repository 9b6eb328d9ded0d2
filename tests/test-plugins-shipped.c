/* test-plugins-shipped.c - host-resources and sql-checks through the manager
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * sql-checks runs the same scenario on SQLite and on throwaway MariaDB and
 * PostgreSQL servers (/plugins-shipped/db/…, suite "db").
 */
#include <glib/gstdio.h>
#include <upgrade.h>

#include "upg-data-source.h"
#include "upg-test-servers.h"

typedef struct {
  char             *dir;
  UpgPluginManager *manager;
  UpgContext       *context;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(UpgVersion) from = upg_version_parse ("3.17.4", NULL);
  g_autoptr(UpgVersion) to = upg_version_parse ("3.17.5", NULL);
  g_autofree char *plugins = g_build_filename (g_getenv ("UPGRADE_BUILD_ROOT"), "plugins", NULL);

  f->dir = upg_test_make_dir ("upg-shipped");
  f->manager = upg_plugin_manager_new ();
  upg_plugin_manager_add_directory (f->manager, plugins);
  f->context = upg_context_new ("0d7e6f3c-aaaa-4bbb-8ccc-000000000042");
  upg_context_set_from_version (f->context, from);
  upg_context_set_to_version (f->context, to);
  upg_context_set_bundle_dir (f->context, f->dir);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *db = g_build_filename (f->dir, "app.db", NULL);

  g_remove (db);
  g_rmdir (f->dir);
  g_free (f->dir);
  g_object_unref (f->manager);
  g_object_unref (f->context);
}

static GPtrArray *
run (Fixture *f, GType iface)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *results = upg_plugin_manager_run_checks (f->manager, iface, f->context, 60,
                                                      NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (results);
  return results;
}

static UpgCheckResult *
find (GPtrArray *results, const char *id)
{
  for (guint i = 0; i < results->len; i++)
    if (g_str_equal (upg_check_result_get_id (results->pdata[i]), id))
      return results->pdata[i];
  g_error ("no result '%s'", id);
  return NULL;
}

static void
set_param (Fixture *f, const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  upg_context_set_params (f->context, json_node_get_object (node));
}

static void
test_host_resources_defaults (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) results = run (f, UPG_TYPE_RESOURCE_CHECK);
  g_autofree char *disk_id = g_strconcat ("disk:", f->dir, NULL);
  JsonObject *cpu = upg_check_result_get_figures (find (results, "cpu"));
  JsonObject *memory = upg_check_result_get_figures (find (results, "memory"));
  UpgCheckResult *disk = find (results, disk_id);

  g_assert_cmpfloat (json_object_get_double_member (cpu, "min_idle_percent"), ==, 20.0);
  g_assert_cmpfloat (json_object_get_double_member (cpu, "idle_percent"), >=, 0.0);
  g_assert_cmpfloat (json_object_get_double_member (cpu, "idle_percent"), <=, 100.0);
  g_assert_cmpint (json_object_get_int_member (memory, "min_available_bytes"), ==, 1 << 30);
  g_assert_cmpint (json_object_get_int_member (memory, "available_bytes"), >, 0);
  g_assert_cmpint (json_object_get_int_member (memory, "total_bytes"), >=,
                   json_object_get_int_member (memory, "available_bytes"));
  /* Backup size unknown: the free space is reported, nothing required. */
  g_assert_cmpint (upg_check_result_get_verdict (disk), ==, UPG_VERDICT_PASS);
  g_assert_cmpint (json_object_get_int_member (upg_check_result_get_figures (disk),
                                               "free_bytes"), >, 0);
  g_assert_nonnull (strstr (upg_check_result_get_message (disk), "backup size unknown"));
}

static void
test_host_resources_thresholds (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) pass = NULL, fail = NULL;
  g_autofree char *disk_id = g_strconcat ("disk:", f->dir, NULL);
  UpgCheckResult *disk;

  set_param (f, "{\"min_cpu_idle_percent\": 0, \"min_free_memory_bytes\": 1,"
                " \"backup_size_bytes\": 1}");
  pass = run (f, UPG_TYPE_RESOURCE_CHECK);
  g_assert_cmpint (upg_check_result_get_verdict (find (pass, "cpu")), ==, UPG_VERDICT_PASS);
  g_assert_cmpint (upg_check_result_get_verdict (find (pass, "memory")), ==, UPG_VERDICT_PASS);
  disk = find (pass, disk_id);
  g_assert_cmpint (upg_check_result_get_verdict (disk), ==, UPG_VERDICT_PASS);
  g_assert_cmpint (json_object_get_int_member (upg_check_result_get_figures (disk),
                                               "required_bytes"), ==, 2);

  set_param (f, "{\"min_cpu_idle_percent\": 101, \"min_free_memory_bytes\": 1152921504606846976,"
                " \"backup_size_bytes\": 576460752303423488}");
  fail = run (f, UPG_TYPE_RESOURCE_CHECK);
  g_assert_cmpint (upg_check_result_get_verdict (find (fail, "cpu")), ==, UPG_VERDICT_FAIL);
  g_assert_cmpint (upg_check_result_get_verdict (find (fail, "memory")), ==, UPG_VERDICT_FAIL);
  g_assert_nonnull (upg_check_result_get_suggestion (find (fail, "memory")));
  disk = find (fail, disk_id);
  g_assert_cmpint (upg_check_result_get_verdict (disk), ==, UPG_VERDICT_FAIL);
  g_assert_nonnull (strstr (upg_check_result_get_message (disk), "twice the backup"));
}

static void
test_host_resources_paths (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonNode) env = json_from_string ("{\"data_dirs\": [\"/\", \"/nonexistent-dir\"]}",
                                              NULL);
  g_autoptr(JsonNode) sources = json_from_string ("{\"local\": {\"provider\": \"SQLite\","
                                                  " \"path\": \"/tmp/app/x.db\"}}", NULL);
  g_autoptr(GPtrArray) results = NULL;

  upg_context_set_env (f->context, json_node_get_object (env));
  upg_context_set_data_sources (f->context, json_node_get_object (sources), NULL);
  results = run (f, UPG_TYPE_RESOURCE_CHECK);
  g_assert_cmpint (upg_check_result_get_verdict (find (results, "disk:/")), !=, UPG_VERDICT_SKIPPED);
  /* A path that cannot be read fails, naming it. */
  g_assert_cmpint (upg_check_result_get_verdict (find (results, "disk:/nonexistent-dir")), ==,
                   UPG_VERDICT_FAIL);
  g_assert_nonnull (strstr (upg_check_result_get_message (find (results, "disk:/nonexistent-dir")),
                            "'/nonexistent-dir'"));
  g_assert_nonnull (find (results, "disk:/tmp/app"));
}

#define CHECKS \
  "[{\"version\": \"3.17.5\", \"checks\": {" \
  "\"data_quality\": [" \
  " {\"id\": \"null_user\", \"name\": \"orders without user\", \"database\": \"app_db\"," \
  "  \"sql\": \"SELECT COUNT(*) FROM orders WHERE user_id IS NULL\", \"threshold\": 0," \
  "  \"severity\": \"fail\", \"suggestion\": \"UPDATE orders SET user_id=0\"}," \
  " {\"id\": \"null_user_warn\", \"database\": \"app_db\"," \
  "  \"sql\": \"SELECT COUNT(*) FROM orders WHERE user_id IS NULL\", \"severity\": \"warn\"}," \
  " {\"id\": \"under_threshold\", \"database\": \"app_db\"," \
  "  \"sql\": \"SELECT COUNT(*) FROM orders WHERE user_id IS NULL\", \"threshold\": 2}," \
  " {\"id\": \"old_versions\", \"database\": \"app_db\", \"sql\": \"SELECT 1\"," \
  "  \"min_version\": \"3.10.0\", \"max_version\": \"3.12.0\"}," \
  " {\"id\": \"to_in_range\", \"database\": \"app_db\"," \
  "  \"sql\": \"SELECT COUNT(*) FROM orders\", \"threshold\": 3," \
  "  \"min_version\": \"3.17.5\", \"max_version\": \"3.17.9\"}," \
  " {\"id\": \"unknown_db\", \"database\": \"nope\", \"sql\": \"SELECT 1\"}," \
  " {\"id\": \"bad_sql\", \"database\": \"app_db\", \"sql\": \"SELECT COUNT(*) FROM ghost\"}," \
  " {\"id\": \"no_sql\", \"database\": \"app_db\"}]," \
  "\"middleware\": [{\"database\": \"app_db\", \"min_version\": \"3.0\"}," \
  "                {\"database\": \"nope\", \"min_version\": \"1.0\"}]," \
  "\"backup_tables\": [{\"database\": \"app_db\", \"tables\": [\"orders\", \"ghost\"]}," \
  "                   {\"database\": \"nope\", \"tables\": [\"x\"]}]" \
  "}}, {\"version\": \"3.17.6\", \"checks\": {\"middleware\": [" \
  "  {\"database\": \"app_db\", \"min_version\": \"99.1\"}]}}]"

static void
fill_database (JsonObject *definition)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgDataSource) source = upg_data_source_new_from_json ("app_db", definition, NULL,
                                                                   &error);
  g_autoptr(UpgConnection) conn = NULL;

  g_assert_no_error (error);
  conn = upg_data_source_open (source, NULL, &error);
  g_assert_no_error (error);
  /* DDL reports no rows, in whatever form each database chooses. */
  g_assert_true (upg_connection_execute (conn, "CREATE TABLE orders (id INTEGER PRIMARY KEY, "
                                         "user_id INTEGER)", NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (upg_connection_execute (conn, "CREATE INDEX orders_user ON orders (user_id)",
                                         NULL, NULL, &error));
  g_assert_no_error (error);
  upg_test_exec_ok (conn, "INSERT INTO orders VALUES (1, NULL), (2, NULL), (3, 7)", 3);
}

static void
assert_verdict (GPtrArray *results, const char *id, UpgVerdict verdict, const char *needle)
{
  UpgCheckResult *result = find (results, id);

  g_assert_cmpstr (upg_verdict_to_string (upg_check_result_get_verdict (result)), ==,
                   upg_verdict_to_string (verdict));
  if (needle != NULL && strstr (upg_check_result_get_message (result), needle) == NULL)
    g_error ("result '%s': message '%s' lacks '%s'", id,
             upg_check_result_get_message (result), needle);
}

static void
run_sql_scenario (Fixture *f, JsonObject *definition)
{
  g_autoptr(JsonNode) checks = json_from_string (CHECKS, NULL);
  g_autoptr(JsonObject) sources = json_object_new ();
  g_autoptr(GPtrArray) quality = NULL, resources = NULL;
  UpgCheckResult *backup;
  JsonObject *figures;
  gint64 total;

  fill_database (definition);
  json_object_set_object_member (sources, "app_db", json_object_ref (definition));
  upg_context_set_data_sources (f->context, sources, NULL);
  upg_context_set_checks (f->context, json_node_get_array (checks));

  quality = run (f, UPG_TYPE_DATA_QUALITY);
  assert_verdict (quality, "null_user", UPG_VERDICT_FAIL, "2 rows found, above the threshold of 0");
  g_assert_cmpstr (upg_check_result_get_suggestion (find (quality, "null_user")), ==,
                   "UPDATE orders SET user_id=0");
  g_assert_cmpstr (upg_check_result_get_name (find (quality, "null_user")), ==,
                   "orders without user");
  g_assert_cmpint (json_object_get_int_member (upg_check_result_get_figures (
                     find (quality, "null_user")), "count"), ==, 2);
  assert_verdict (quality, "null_user_warn", UPG_VERDICT_WARN, NULL);
  assert_verdict (quality, "under_threshold", UPG_VERDICT_PASS, "2 rows found (threshold 2)");
  assert_verdict (quality, "old_versions", UPG_VERDICT_SKIPPED,
                  "not run: neither from 3.17.4 nor to 3.17.5 lies within [3.10.0, 3.12.0]");
  assert_verdict (quality, "to_in_range", UPG_VERDICT_PASS, "3 rows found");
  assert_verdict (quality, "unknown_db", UPG_VERDICT_SKIPPED,
                  "not run: database 'nope' is not in the configuration");
  assert_verdict (quality, "bad_sql", UPG_VERDICT_FAIL, "database 'app_db': ");
  g_assert_nonnull (strstr (upg_check_result_get_message (find (quality, "bad_sql")), "ghost"));
  assert_verdict (quality, "no_sql", UPG_VERDICT_FAIL,
                  "checks of 3.17.5: data_quality[7]: member 'sql' is missing");
  assert_verdict (quality, "middleware:app_db", UPG_VERDICT_PASS, "(required ≥ 3.0)");
  assert_verdict (quality, "middleware:nope", UPG_VERDICT_SKIPPED, "not in the configuration");
  g_assert_cmpuint (quality->len, ==, 11);
  g_assert_cmpint (upg_check_result_get_verdict (quality->pdata[10]), ==, UPG_VERDICT_FAIL);
  g_assert_nonnull (strstr (upg_check_result_get_message (quality->pdata[10]), "(required ≥ 99.1)"));

  resources = run (f, UPG_TYPE_RESOURCE_CHECK);
  backup = find (resources, "backup:app_db");
  g_assert_cmpint (upg_check_result_get_verdict (backup), ==, UPG_VERDICT_WARN);
  g_assert_nonnull (strstr (upg_check_result_get_message (backup), "not found: ghost"));
  figures = upg_check_result_get_figures (backup);
  total = json_object_get_int_member (figures, "total_bytes");
  g_assert_cmpint (json_object_get_int_member (figures, "data_bytes"), >, 0);
  g_assert_cmpint (total, ==, json_object_get_int_member (figures, "data_bytes") +
                              json_object_get_int_member (figures, "index_bytes"));
  g_assert_cmpint (json_object_get_int_member (figures, "backup_bytes"), ==, (gint64) (total * 1.5));
  g_assert_cmpint (json_object_get_int_member (figures, "double_write_bytes"), ==,
                   (gint64) (json_object_get_int_member (figures, "data_bytes") * 2.3));
  assert_verdict (resources, "backup:nope", UPG_VERDICT_SKIPPED, "not in the configuration");
}

static void
test_sql_checks_sqlite (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) definition = json_object_new ();
  g_autofree char *path = g_build_filename (f->dir, "app.db", NULL);

  json_object_set_string_member (definition, "provider", "SQLite");
  json_object_set_string_member (definition, "path", path);
  run_sql_scenario (f, definition);
}

static void
test_sql_checks_server (Fixture *f, UpgTestServerKind kind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgTestServer) server = upg_test_server_start (kind, &error);
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_assert_no_error (error);
  json = upg_test_server_datasource_json (server, UPG_TEST_PASSWORD_ENV, FALSE);
  node = json_from_string (json, &error);
  g_assert_no_error (error);
  run_sql_scenario (f, json_node_get_object (node));
}

static void
test_sql_checks_mariadb (Fixture *f, gconstpointer data)
{
  test_sql_checks_server (f, UPG_TEST_SERVER_MARIADB);
}

static void
test_sql_checks_postgresql (Fixture *f, gconstpointer data)
{
  test_sql_checks_server (f, UPG_TEST_SERVER_POSTGRESQL);
}

static void
test_data_sources_from_config (Fixture *f, gconstpointer data)
{
  g_autofree char *db = g_build_filename (f->dir, "app.db", NULL);
  g_autoptr(UpgDataSource) source = upg_data_source_new_sqlite ("app_db", db);
  g_autoptr(GPtrArray) sources = g_ptr_array_new ();
  g_autoptr(JsonNode) checks = json_from_string (
    "[{\"version\": \"3.17.5\", \"checks\": {\"middleware\": ["
    "{\"database\": \"app_db\", \"min_version\": \"3.0\"}]}}]", NULL);
  g_autoptr(GPtrArray) results = NULL;

  g_ptr_array_add (sources, source);
  upg_plugin_manager_set_data_sources (f->manager, sources);
  upg_context_set_checks (f->context, json_node_get_array (checks));
  results = run (f, UPG_TYPE_DATA_QUALITY);
  assert_verdict (results, "middleware:app_db", UPG_VERDICT_PASS, "database 'app_db' runs 3.");
}

/* A relative base directory (as a caller passing "." or a config-relative
 * path would) means the caller's current directory; the plugin host, which
 * gets the context in JSON form, must open the same file, not crash. */
static void
test_sql_checks_relative_base_dir (Fixture *f, gconstpointer data)
{
  g_autofree char *db = g_build_filename (f->dir, "app.db", NULL);
  g_autofree char *parent = g_path_get_dirname (f->dir);
  g_autofree char *relative = g_path_get_basename (f->dir);
  g_autofree char *cwd = g_get_current_dir ();
  g_autoptr(UpgDataSource) source = upg_data_source_new_sqlite ("app_db", db);
  g_autoptr(UpgConnection) conn = upg_data_source_open (source, NULL, NULL);
  g_autoptr(JsonNode) sources = json_from_string (
    "{\"app_db\": {\"provider\": \"SQLite\", \"path\": \"app.db\"}}", NULL);
  g_autoptr(JsonNode) checks = json_from_string (
    "[{\"version\": \"3.17.5\", \"checks\": {\"backup_tables\": ["
    "{\"database\": \"app_db\", \"tables\": [\"orders\"]}]}}]", NULL);
  g_autoptr(GPtrArray) results = NULL;
  UpgCheckResult *backup;

  g_assert_nonnull (conn);
  upg_test_exec_ok (conn, "CREATE TABLE orders (id INTEGER PRIMARY KEY)", 0);
  g_assert_cmpint (g_chdir (parent), ==, 0);
  upg_context_set_data_sources (f->context, json_node_get_object (sources), relative);
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  /* Stored resolved: the host may start in another directory. */
  g_assert_cmpstr (upg_context_get_data_sources_base_dir (f->context), ==, f->dir);
  upg_context_set_checks (f->context, json_node_get_array (checks));
  results = run (f, UPG_TYPE_RESOURCE_CHECK);
  backup = find (results, "backup:app_db");
  g_assert_cmpstr (upg_verdict_to_string (upg_check_result_get_verdict (backup)), ==,
                   upg_verdict_to_string (UPG_VERDICT_PASS));
}

/* `--db` selects the cases that start database servers (suite "db"). */
static gboolean
take_db_flag (int *argc, char **argv)
{
  for (int i = 1; i < *argc; i++)
    if (g_str_equal (argv[i], "--db"))
      {
        memmove (argv + i, argv + i + 1, sizeof (char *) * (*argc - i));
        (*argc)--;
        return TRUE;
      }
  return FALSE;
}

int
main (int argc, char **argv)
{
  gboolean db = take_db_flag (&argc, argv);

  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) g_test_add ("/plugins-shipped/" name, Fixture, NULL, setup, func, teardown)
  if (db)
    {
      ADD ("db/sql-checks/mariadb", test_sql_checks_mariadb);
      ADD ("db/sql-checks/postgresql", test_sql_checks_postgresql);
      return g_test_run ();
    }
  ADD ("host-resources/defaults", test_host_resources_defaults);
  ADD ("host-resources/thresholds", test_host_resources_thresholds);
  ADD ("host-resources/paths", test_host_resources_paths);
  ADD ("sql-checks/sqlite", test_sql_checks_sqlite);
  ADD ("sql-checks/data-sources-from-config", test_data_sources_from_config);
  ADD ("sql-checks/relative-base-dir", test_sql_checks_relative_base_dir);
#undef ADD
  return g_test_run ();
}
