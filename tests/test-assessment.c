/* test-assessment.c - every verdict path of an assessment, on SQLite
 *
 * Each test writes a one-manifest bundle (3.17.5) and a site configuration
 * into a temporary directory, with an SQLite database holding 3 orders of
 * which 2 have no user, and assesses 3.17.4 → 3.17.5.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <upgrade.h>

typedef struct
{
  char *dir;
  char *bundle;
  char *database;
  char *config_path;
} Site;

static void
write_file (const char *path, const char *contents)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
site_setup (Site *site, gconstpointer data)
{
  sqlite3 *db = NULL;
  g_autofree char *config = NULL;
  g_autofree char *sql = NULL;

  site->dir = g_dir_make_tmp ("upg-assess-XXXXXX", NULL);
  site->bundle = g_build_filename (site->dir, "bundle", NULL);
  site->database = g_build_filename (site->dir, "ft.db", NULL);
  site->config_path = g_build_filename (site->dir, "upgrade.json", NULL);

  g_assert_cmpint (sqlite3_open (site->database, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, status TEXT);"
                                 "CREATE INDEX orders_status ON orders (status);"
                                 "INSERT INTO orders VALUES (1, 7, 'open'), (2, NULL, 'open'), (3, NULL, NULL);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  config = g_strdup_printf ("{\"site_id\": \"bj-01\", \"env\": {\"cluster_id\": \"bj-01\"}, \"datasources\": {"
                            "\"ft_db\": {\"provider\": \"SQLite\", \"path\": \"%s\"},"
                            "\"ghost_db\": {\"provider\": \"SQLite\", \"path\": \"%s/ghost.db\"}}}",
                            site->database, site->dir);
  write_file (site->config_path, config);
  sql = g_build_filename (site->bundle, "sql", "a.sql", NULL);
  write_file (sql, "UPDATE orders SET status = 'x';\n");
}

static void
site_teardown (Site *site, gconstpointer data)
{
  const char *argv[] = { "rm", "-rf", site->dir, NULL };

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, NULL, NULL));
  g_free (site->dir);
  g_free (site->bundle);
  g_free (site->database);
  g_free (site->config_path);
}

#define COMPATIBLE_STEP \
  "{\"id\": \"sql_001\", \"name\": \"order status\", \"database\": \"ft_db\", " \
  "\"sql_scripts\": [\"sql/a.sql\"], \"compatible_version\": \"3.17.0\", \"estimated_duration\": 20}"

/* Writes the manifest with @checks (the `checks` object), @steps (the
 * `in_stop` array's elements) and @resources (`required_resources`). */
static void
write_manifest (Site *site, const char *checks, const char *steps, const char *resources)
{
  g_autofree char *path = g_build_filename (site->bundle, "manifests", "3.17.5.json", NULL);
  g_autofree char *manifest = g_strdup_printf (
    "{\"version\": \"3.17.5\", \"component\": \"ft\","
    " \"dependencies\": {\"min_source_version\": \"3.17.0\", \"required_resources\": %s},"
    " \"checks\": %s, \"upgrade_steps\": {\"in_stop\": [%s]}}",
    resources != NULL ? resources : "{\"memory\": \"1MB\", \"disk\": \"1KB\", \"cpu\": \"1cores\"}",
    checks != NULL ? checks : "{}", steps != NULL ? steps : COMPATIBLE_STEP);

  write_file (path, manifest);
}

static UpgAssessment *
assess (Site *site)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgBundle) bundle = upg_bundle_new_for_path (site->bundle, &error);
  g_autoptr(UpgConfig) config = NULL;
  g_autoptr(UpgVersion) from = upg_version_parse ("3.17.4", NULL);
  g_autoptr(UpgVersion) to = upg_version_parse ("3.17.5", NULL);
  g_autoptr(UpgPlan) plan = NULL;
  g_autoptr(UpgAssessor) assessor = NULL;
  UpgAssessment *assessment;

  g_assert_no_error (error);
  config = upg_config_new_from_file (site->config_path, &error);
  g_assert_no_error (error);
  plan = upg_plan_new (bundle, from, to, "bj-01", &error);
  g_assert_no_error (error);
  assessor = upg_assessor_new (plan, config);
  upg_assessor_set_disk_path (assessor, site->dir);
  assessment = upg_assessor_run (assessor, NULL, &error);
  g_assert_no_error (error);
  return assessment;
}

static UpgCheckResult *
find_item (UpgAssessment *assessment, const char *kind, const char *id)
{
  GPtrArray *items = upg_assessment_get_items (assessment);

  for (guint i = 0; i < items->len; i++)
    if (g_str_equal (upg_check_result_get_kind (items->pdata[i]), kind) &&
        g_str_equal (upg_check_result_get_id (items->pdata[i]), id))
      return items->pdata[i];
  g_error ("no %s item %s", kind, id);
  return NULL;
}

static gint64
figure (UpgCheckResult *item, const char *name)
{
  return json_object_get_int_member (upg_check_result_get_figures (item), name);
}

#define RULE(severity, sql) \
  "{\"data_quality\": [{\"id\": \"null_user\", \"name\": \"orders without user\", \"database\": \"ft_db\"," \
  " \"sql\": \"" sql "\", \"threshold\": 0, \"severity\": \"" severity "\"," \
  " \"min_version\": \"3.17.0\", \"max_version\": \"3.17.9\", \"suggestion\": \"UPDATE orders SET user_id=0;\"}]}"
#define NULL_USERS "SELECT COUNT(*) FROM orders WHERE user_id IS NULL"

static void
test_pass (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;

  write_manifest (site,
                  "{\"data_quality\": [{\"id\": \"dup\", \"database\": \"ft_db\","
                  "  \"sql\": \"SELECT COUNT(*) FROM orders WHERE id > 100\", \"threshold\": 0}],"
                  " \"middleware\": [{\"database\": \"ft_db\", \"min_version\": \"3.0\"}],"
                  " \"backup_tables\": [{\"database\": \"ft_db\", \"tables\": [\"orders\"]}]}",
                  NULL, NULL);
  assessment = assess (site);

  g_assert_cmpint (upg_assessment_get_verdict (assessment), ==, UPG_VERDICT_PASS);
  g_assert_cmpint (upg_assessment_exit_code (assessment), ==, 0);
  g_assert_cmpint (upg_assessment_get_mode (assessment), ==, UPG_PLAN_MODE_ROLLING);
  g_assert_cmpint (upg_check_result_get_verdict (find_item (assessment, "data_quality", "dup")), ==, UPG_VERDICT_PASS);
  g_assert_cmpint (upg_check_result_get_verdict (find_item (assessment, "middleware", "middleware:ft_db")),
                   ==, UPG_VERDICT_PASS);
  g_assert_cmpint (upg_check_result_get_verdict (find_item (assessment, "compatibility", "mode")), ==, UPG_VERDICT_PASS);
  g_assert_cmpint (upg_check_result_get_verdict (find_item (assessment, "resource", "memory")), ==, UPG_VERDICT_PASS);
  g_assert_cmpint (upg_check_result_get_verdict (find_item (assessment, "resource", "cpus")), ==, UPG_VERDICT_PASS);

  /* Backup space: the table and its index measured, × 1.5, free ≥ 2 ×. */
  item = find_item (assessment, "resource", "backup:ft_db");
  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_PASS);
  g_assert_cmpint (figure (item, "data_bytes"), >=, 4096);
  g_assert_cmpint (figure (item, "index_bytes"), >=, 4096);
  g_assert_cmpint (figure (item, "backup_bytes"), ==,
                   (gint64) ((figure (item, "data_bytes") + figure (item, "index_bytes")) * 1.5));
  g_assert_cmpint (figure (item, "required_free_bytes"), ==, 2 * figure (item, "backup_bytes"));
}

static void
test_rule_warn (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;

  write_manifest (site, RULE ("warn", NULL_USERS), NULL, NULL);
  assessment = assess (site);
  item = find_item (assessment, "data_quality", "null_user");

  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_WARN);
  g_assert_cmpint (figure (item, "threshold"), ==, 0);
  g_assert_cmpstr (upg_check_result_get_message (item), ==, "2 rows found, threshold 0");
  g_assert_cmpstr (upg_check_result_get_suggestion (item), ==, "UPDATE orders SET user_id=0;");
  g_assert_cmpint (upg_assessment_get_verdict (assessment), ==, UPG_VERDICT_WARN);
  g_assert_cmpint (upg_assessment_exit_code (assessment), ==, 4);
}

static void
test_rule_fail (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;

  write_manifest (site, RULE ("fail", NULL_USERS), NULL, NULL);
  assessment = assess (site);

  g_assert_cmpint (upg_check_result_get_verdict (find_item (assessment, "data_quality", "null_user")),
                   ==, UPG_VERDICT_FAIL);
  g_assert_cmpint (upg_assessment_get_verdict (assessment), ==, UPG_VERDICT_FAIL);
  g_assert_cmpint (upg_assessment_exit_code (assessment), ==, 1);
}

static void
test_rule_threshold (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;

  /* Two offending rows with threshold 2: count ≤ threshold passes. */
  write_manifest (site,
                  "{\"data_quality\": [{\"id\": \"null_user\", \"database\": \"ft_db\", \"sql\": \"" NULL_USERS "\","
                  " \"threshold\": 2, \"severity\": \"fail\"}]}", NULL, NULL);
  assessment = assess (site);
  g_assert_cmpint (upg_check_result_get_verdict (find_item (assessment, "data_quality", "null_user")),
                   ==, UPG_VERDICT_PASS);
  g_assert_cmpint (upg_assessment_get_verdict (assessment), ==, UPG_VERDICT_PASS);
}

static void
test_rule_out_of_range (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;

  /* A failing rule for 2.x: not run, skipped, not a verdict. */
  write_manifest (site,
                  "{\"data_quality\": [{\"id\": \"old\", \"database\": \"ft_db\", \"sql\": \"" NULL_USERS "\","
                  " \"severity\": \"fail\", \"min_version\": \"2.0.0\", \"max_version\": \"2.9.9\"},"
                  " {\"id\": \"to_side\", \"database\": \"ft_db\", \"sql\": \"SELECT 0\","
                  " \"min_version\": \"3.17.5\", \"max_version\": \"3.18.0\"}]}", NULL, NULL);
  assessment = assess (site);
  item = find_item (assessment, "data_quality", "old");

  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_SKIPPED);
  g_assert_cmpstr (upg_check_result_get_message (item), ==,
                   "not run: neither 3.17.4 nor 3.17.5 lies in [2.0.0, 2.9.9]");
  /* Only `to` in range is enough to run. */
  g_assert_cmpint (upg_check_result_get_verdict (find_item (assessment, "data_quality", "to_side")),
                   ==, UPG_VERDICT_PASS);
  g_assert_cmpint (upg_assessment_get_verdict (assessment), ==, UPG_VERDICT_PASS);
}

static void
test_missing_database (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  g_autofree char *ghost = g_build_filename (site->dir, "ghost.db", NULL);
  UpgCheckResult *item;

  write_manifest (site,
                  "{\"data_quality\": [{\"id\": \"ghost\", \"database\": \"ghost_db\", \"sql\": \"SELECT 5\"},"
                  " {\"id\": \"elsewhere\", \"database\": \"not_here\", \"sql\": \"SELECT 5\"}],"
                  " \"middleware\": [{\"database\": \"ghost_db\", \"min_version\": \"3.0\"}]}", NULL, NULL);
  assessment = assess (site);

  item = find_item (assessment, "data_quality", "ghost");
  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_SKIPPED);
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "does not exist"));
  item = find_item (assessment, "data_quality", "elsewhere");
  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_SKIPPED);
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "not configured"));
  g_assert_cmpint (upg_check_result_get_verdict (find_item (assessment, "middleware", "middleware:ghost_db")),
                   ==, UPG_VERDICT_SKIPPED);
  /* Checking must not create the database. */
  g_assert_false (g_file_test (ghost, G_FILE_TEST_EXISTS));
  g_assert_cmpint (upg_assessment_get_verdict (assessment), ==, UPG_VERDICT_PASS);
}

static void
test_sql_error (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;

  write_manifest (site, RULE ("warn", "SELECT COUNT(*) FROM no_such_table"), NULL, NULL);
  assessment = assess (site);
  item = find_item (assessment, "data_quality", "null_user");

  /* Fails whatever the rule's severity, with the database's own message. */
  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_FAIL);
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "no such table: no_such_table"));
  g_assert_cmpint (upg_assessment_exit_code (assessment), ==, 1);
}

static void
test_invalid_rule (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;

  write_manifest (site,
                  "{\"data_quality\": [{\"id\": \"bad\", \"database\": \"ft_db\", \"sql\": \"SELECT 0\","
                  " \"severity\": \"maybe\"}, 42]}", NULL, NULL);
  assessment = assess (site);
  item = find_item (assessment, "data_quality", "bad");
  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_FAIL);
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "$.checks.data_quality[0].severity"));
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "'maybe'"));
  item = find_item (assessment, "data_quality", "$.checks.data_quality[1]");
  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_FAIL);
}

static void
test_incompatible (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;

  write_manifest (site, NULL,
                  COMPATIBLE_STEP ", {\"id\": \"sql_002\", \"name\": \"order index\", \"database\": \"ft_db\","
                  " \"sql_scripts\": [\"sql/a.sql\"], \"estimated_duration\": 10},"
                  " {\"id\": \"sql_003\", \"database\": \"ft_db\", \"sql_scripts\": [\"sql/a.sql\"],"
                  " \"compatible_version\": \"3.17.5\", \"estimated_duration\": 10}", NULL);
  assessment = assess (site);

  g_assert_cmpint (upg_assessment_get_mode (assessment), ==, UPG_PLAN_MODE_STOP_SERVICE);
  item = find_item (assessment, "compatibility", "sql_002");
  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_WARN);
  g_assert_cmpstr (upg_check_result_get_name (item), ==, "order index");
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "step sql_002 (3.17.5) needs the service stopped: "));
  g_assert_nonnull (upg_check_result_get_suggestion (item));
  g_assert_cmpint (upg_check_result_get_verdict (find_item (assessment, "compatibility", "sql_003")),
                   ==, UPG_VERDICT_WARN);
  g_assert_cmpint (upg_assessment_get_verdict (assessment), ==, UPG_VERDICT_WARN);
  g_assert_cmpint (upg_assessment_exit_code (assessment), ==, 4);
}

static void
test_resources_insufficient (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;

  write_manifest (site, NULL, NULL, "{\"memory\": \"4096TB\", \"disk\": \"4096TB\", \"cpu\": \"100000cores\"}");
  assessment = assess (site);

  item = find_item (assessment, "resource", "memory");
  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_FAIL);
  g_assert_cmpint (figure (item, "required"), ==, G_GINT64_CONSTANT (4096) << 40);
  g_assert_nonnull (upg_check_result_get_suggestion (item));
  g_assert_cmpint (upg_check_result_get_verdict (find_item (assessment, "resource", "disk")), ==, UPG_VERDICT_FAIL);
  g_assert_cmpint (upg_check_result_get_verdict (find_item (assessment, "resource", "cpus")), ==, UPG_VERDICT_FAIL);
  g_assert_cmpint (upg_assessment_get_verdict (assessment), ==, UPG_VERDICT_FAIL);
}

static void
test_middleware_old (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;

  write_manifest (site, "{\"middleware\": [{\"database\": \"ft_db\", \"min_version\": \"99.1\"}]}", NULL, NULL);
  assessment = assess (site);
  item = find_item (assessment, "middleware", "middleware:ft_db");
  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_FAIL);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (upg_check_result_get_figures (item), "version"), "3."));
}

static void
test_long_steps (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;

  write_manifest (site, NULL,
                  "{\"id\": \"big\", \"class_name\": \"X\", \"compatible_version\": \"3.17.0\","
                  " \"data_volume\": \"100GB\", \"rate\": \"50MB/s\", \"parallelism\": 4}", NULL);
  assessment = assess (site);

  /* A 512 s in_stop step delays the opening: a warning with a suggestion. */
  item = find_item (assessment, "duration", "big");
  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_WARN);
  g_assert_cmpint (figure (item, "seconds"), ==, 512);
  g_assert_nonnull (strstr (upg_check_result_get_suggestion (item), "parallelism"));
  item = find_item (assessment, "duration", "total");
  g_assert_cmpint (figure (item, "total_seconds"), ==, 512);
  /* Double-write space: 100 GiB × 2 + 15 %. */
  item = find_item (assessment, "resource", "double_write");
  g_assert_cmpint (figure (item, "required"), ==, (gint64) (G_GINT64_CONSTANT (100) * 1024 * 1024 * 1024 * 2 * 1.15));
}

static void
test_json (Site *site, gconstpointer data)
{
  static const char * const item_members[] = {
    "check", "id", "name", "verdict", "message", "suggestion", "figures",
  };
  g_autoptr(UpgAssessment) assessment = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  JsonObject *root, *estimate;
  JsonArray *items, *stages;

  write_manifest (site, RULE ("warn", NULL_USERS), NULL, NULL);
  assessment = assess (site);
  node = upg_assessment_to_json (assessment);
  root = json_node_get_object (node);

  g_assert_cmpstr (json_object_get_string_member (root, "verdict"), ==, "warn");
  g_assert_cmpstr (json_object_get_string_member (root, "mode"), ==, "rolling");
  items = json_object_get_array_member (root, "items");
  g_assert_cmpuint (json_array_get_length (items), ==, upg_assessment_get_items (assessment)->len);
  for (guint i = 0; i < json_array_get_length (items); i++)
    for (guint m = 0; m < G_N_ELEMENTS (item_members); m++)
      g_assert_true (json_object_has_member (json_array_get_object_element (items, i), item_members[m]));
  /* Items come grouped by check, resource first. */
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "check"), ==, "resource");
  estimate = json_object_get_object_member (root, "estimate");
  stages = json_object_get_array_member (estimate, "stages");
  g_assert_cmpuint (json_array_get_length (stages), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (stages, 0), "stage"), ==, "in_stop");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (stages, 0), "seconds"), ==, 20);
  g_assert_cmpint (json_object_get_int_member (estimate, "total_seconds"), ==, 20);

  text = upg_assessment_render (assessment, UPG_REPORT_FORMAT_TEXT);
  g_assert_nonnull (strstr (text, "[WARN] data_quality orders without user: 2 rows found, threshold 0\n"));
}

static void
on_assessed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  UpgAssessment **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = upg_assessor_run_finish (UPG_ASSESSOR (source), result, &error);
  g_assert_no_error (error);
}

static void
test_async (Site *site, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgBundle) bundle = NULL;
  g_autoptr(UpgConfig) config = NULL;
  g_autoptr(UpgVersion) from = upg_version_parse ("3.17.4", NULL);
  g_autoptr(UpgVersion) to = upg_version_parse ("3.17.5", NULL);
  g_autoptr(UpgPlan) plan = NULL;
  g_autoptr(UpgAssessor) assessor = NULL;
  g_autoptr(UpgAssessment) assessment = NULL;

  write_manifest (site, RULE ("fail", NULL_USERS), NULL, NULL);
  bundle = upg_bundle_new_for_path (site->bundle, &error);
  g_assert_no_error (error);
  config = upg_config_new_from_file (site->config_path, &error);
  g_assert_no_error (error);
  plan = upg_plan_new (bundle, from, to, NULL, &error);
  g_assert_no_error (error);
  assessor = upg_assessor_new (plan, config);
  upg_assessor_run_async (assessor, NULL, on_assessed, &assessment);
  while (assessment == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (upg_assessment_get_verdict (assessment), ==, UPG_VERDICT_FAIL);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Site, NULL, site_setup, func, site_teardown)
  ADD ("/assessment/pass", test_pass);
  ADD ("/assessment/rule/warn", test_rule_warn);
  ADD ("/assessment/rule/fail", test_rule_fail);
  ADD ("/assessment/rule/threshold", test_rule_threshold);
  ADD ("/assessment/rule/out-of-range", test_rule_out_of_range);
  ADD ("/assessment/rule/missing-database", test_missing_database);
  ADD ("/assessment/rule/sql-error", test_sql_error);
  ADD ("/assessment/rule/invalid", test_invalid_rule);
  ADD ("/assessment/incompatible", test_incompatible);
  ADD ("/assessment/resources-insufficient", test_resources_insufficient);
  ADD ("/assessment/middleware-old", test_middleware_old);
  ADD ("/assessment/long-steps", test_long_steps);
  ADD ("/assessment/json", test_json);
  ADD ("/assessment/async", test_async);
#undef ADD

  return g_test_run ();
}
