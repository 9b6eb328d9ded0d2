/* test-assessment-bundle.c - the assessment of a plan of several manifests
 *
 * The example bundle (examples/bundle) upgraded 3.16.0 → 3.18.0 applies
 * five manifests that repeat each other's checks: the assessment still
 * has one item per (check, subject). A two-manifest bundle written here
 * covers how repeated requirements merge.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <sys/statvfs.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <upgrade.h>

#include "test-assessment-util.h"

/* The debug lines of libupgrade (the default writer drops them). */
static char *debug_lines;

typedef struct
{
  char *dir;
  char *config_path;
} Site;

/* Creates @name.sqlite in the site from the example bundle's schema. */
static void
load_schema (Site *site, const char *name)
{
  g_autofree char *schema = g_build_filename (g_getenv ("UPGRADE_SOURCE_ROOT"), "examples", "bundle", "schema",
                                              name, NULL);
  g_autofree char *sql_file = g_strconcat (schema, ".sql", NULL);
  g_autofree char *file = g_strconcat (name, ".sqlite", NULL);
  g_autofree char *path = g_build_filename (site->dir, file, NULL);
  g_autofree char *sql = NULL;
  char *message = NULL;
  sqlite3 *db = NULL;

  g_assert_true (g_file_get_contents (sql_file, &sql, NULL, NULL));
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql_file, message);
  sqlite3_close (db);
}

static void
site_setup (Site *site, gconstpointer data)
{
  site->dir = g_dir_make_tmp ("upg-assess-bundle-XXXXXX", NULL);
  site->config_path = g_build_filename (site->dir, "upgrade.json", NULL);
  load_schema (site, "ft_db");
  load_schema (site, "mid_db");
  assessment_test_write_file (site->config_path,
              "{\"site_id\": \"bj-01\", \"datasources\": {"
              "\"ft_db\": {\"provider\": \"SQLite\", \"path\": \"ft_db.sqlite\"},"
              "\"mid_db\": {\"provider\": \"SQLite\", \"path\": \"mid_db.sqlite\"}}}");
}

static void
site_teardown (Site *site, gconstpointer data)
{
  assessment_test_remove_dir (site->dir);
  g_free (site->dir);
  g_free (site->config_path);
}

/* The plugins of this build (host-resources, sql-checks). */
static UpgPluginManager *
shipped_plugins (void)
{
  g_autofree char *plugins = g_build_filename (g_getenv ("UPGRADE_BUILD_ROOT"), "plugins", NULL);
  UpgPluginManager *manager = upg_plugin_manager_new ();

  upg_plugin_manager_add_directory (manager, plugins);
  return manager;
}

static UpgAssessment *
assess_with (Site             *site,
             const char       *bundle_dir,
             const char       *from_text,
             const char       *to_text,
             UpgPluginManager *plugins)
{
  g_autoptr(UpgAssessor) assessor = assessment_test_assessor (bundle_dir, site->config_path, from_text, to_text);

  upg_assessor_set_plugin_manager (assessor, plugins);
  return assessment_test_run (assessor);
}

static UpgAssessment *
assess (Site *site, const char *bundle_dir, const char *from_text, const char *to_text)
{
  return assess_with (site, bundle_dir, from_text, to_text, NULL);
}

/* How many items of check @kind have an id starting with @prefix. */
static guint
count_items (UpgAssessment *assessment, const char *kind, const char *prefix)
{
  GPtrArray *items = upg_assessment_get_items (assessment);
  guint n = 0;

  for (guint i = 0; i < items->len; i++)
    if (g_str_equal (upg_check_result_get_kind (items->pdata[i]), kind) &&
        g_str_has_prefix (upg_check_result_get_id (items->pdata[i]), prefix))
      n++;
  return n;
}

static const char *
figure_string (UpgCheckResult *item, const char *name)
{
  return json_object_get_string_member (upg_check_result_get_figures (item), name);
}

/* No (check, id) pair appears twice. */
static void
assert_unique (UpgAssessment *assessment)
{
  GPtrArray *items = upg_assessment_get_items (assessment);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < items->len; i++)
    {
      char *key = g_strconcat (upg_check_result_get_kind (items->pdata[i]), " ",
                               upg_check_result_get_id (items->pdata[i]), NULL);

      if (!g_hash_table_add (seen, key))
        g_error ("item %s appears twice", key);
    }
}

static void
test_example_counts (Site *site, gconstpointer data)
{
  g_autofree char *bundle = g_build_filename (g_getenv ("UPGRADE_SOURCE_ROOT"), "examples", "bundle", NULL);
  g_autoptr(UpgAssessment) assessment = assess (site, bundle, "3.16.0", "3.18.0");
  UpgCheckResult *item;

  assert_unique (assessment);
  /* backup_tables: ft_db in 3.17.0, 3.17.5-P1 and 3.18.0, mid_db in
   * 3.17.0-P1 and 3.18.0; one item each, and their sum against the free
   * disk (one item too); the backup step ft_backup_core of 3.17.0 has
   * an item of its own. */
  g_assert_cmpuint (count_items (assessment, "resource", "backup:"), ==, 2);
  g_assert_cmpuint (count_items (assessment, "resource", "backup_step:"), ==, 1);
  g_assert_cmpuint (count_items (assessment, "resource", "disk:"), ==, 1);
  item = assessment_test_find_item (assessment, "resource", "backup:ft_db");
  g_assert_cmpstr (figure_string (item, "tables"), ==, "orders, users");
  g_assert_cmpstr (figure_string (item, "manifests"), ==, "3.17.0, 3.17.5-P1, 3.18.0");
  item = assessment_test_find_item (assessment, "resource", "backup:mid_db");
  g_assert_cmpstr (figure_string (item, "tables"), ==, "service_config, services");
  g_assert_cmpstr (figure_string (item, "manifests"), ==, "3.17.0-P1, 3.18.0");

  /* middleware: ft_db asked by 3.17.0 and 3.18.0, mid_db by 3.17.0-P1 and 3.18.0. */
  g_assert_cmpuint (count_items (assessment, "middleware", ""), ==, 2);
  item = assessment_test_find_item (assessment, "middleware", "middleware:ft_db");
  g_assert_cmpstr (figure_string (item, "min_version"), ==, "3.30");
  g_assert_cmpstr (figure_string (item, "min_version_manifests"), ==, "3.17.0, 3.18.0");
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "3.30 (asked by 3.17.0, 3.18.0)"));
  item = assessment_test_find_item (assessment, "middleware", "middleware:mid_db");
  g_assert_cmpstr (figure_string (item, "min_version_manifests"), ==, "3.17.0-P1, 3.18.0");

  /* data_quality: six distinct rule ids in the four JSON manifests. */
  g_assert_cmpuint (count_items (assessment, "data_quality", ""), ==, 6);
}

static gint64
figure_int (UpgCheckResult *item, const char *name)
{
  return json_object_get_int_member (upg_check_result_get_figures (item), name);
}

/* With the host-resources plugin: the backups measured by the engine are
 * what the plugin's free-disk items require room for, and the disk path
 * the engine checks itself has one item, not the plugin's as well. */
static void
test_example_plugins (Site *site, gconstpointer data)
{
  g_autofree char *bundle = g_build_filename (g_getenv ("UPGRADE_SOURCE_ROOT"), "examples", "bundle", NULL);
  g_autoptr(UpgPluginManager) plugins = shipped_plugins ();
  g_autoptr(UpgAssessment) assessment = assess_with (site, bundle, "3.16.0", "3.18.0", plugins);
  g_autofree char *dir = g_canonicalize_filename (site->dir, NULL);
  g_autofree char *canonical_bundle = g_canonicalize_filename (bundle, NULL);
  g_autofree char *disk_id = g_strconcat ("disk:", dir, NULL);
  g_autofree char *bundle_id = g_strconcat ("disk:", canonical_bundle, NULL);
  GPtrArray *items = upg_assessment_get_items (assessment);
  gint64 backup = figure_int (assessment_test_find_item (assessment, "resource", "backup:ft_db"), "backup_bytes") +
                  figure_int (assessment_test_find_item (assessment, "resource", "backup:mid_db"), "backup_bytes");
  UpgCheckResult *item;
  guint n_disk = 0;

  assert_unique (assessment);
  g_assert_cmpuint (count_items (assessment, "resource", "backup:"), ==, 2);
  g_assert_cmpuint (count_items (assessment, "middleware", ""), ==, 2);
  g_assert_cmpuint (count_items (assessment, "data_quality", ""), ==, 6);
  g_assert_cmpint (backup, >, 0);

  /* The engine's item for its disk path (the configuration's directory,
   * where the SQLite databases are too). */
  item = assessment_test_find_item (assessment, "resource", disk_id);
  /* The backup step dumps orders and users of ft_db, which backup_tables
   * sized already: the same dump, counted once. */
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "(backup_tables of 2 databases; backup steps: 1)"));
  /* The plugin's item for the bundle directory requires room for them. */
  assessment_test_find_item (assessment, "resource", bundle_id);
  for (guint i = 0; i < items->len; i++)
    {
      item = items->pdata[i];
      if (!g_str_has_prefix (upg_check_result_get_id (item), "disk:"))
        continue;
      n_disk++;
      g_assert_cmpint (figure_int (item, "backup_bytes"), ==, backup);
      g_assert_cmpint (figure_int (item, "required_bytes"), ==, 2 * backup);
      g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_PASS);
    }
  /* The configuration's directory and the bundle's. */
  g_assert_cmpuint (n_disk, ==, 2);
}

/* The plugin's free-disk item grades as the engine's: between 1 × and
 * 2 × the backup is a warning (it fits, with no margin), not a failure. */
static void
test_plugin_disk_band (Site *site, gconstpointer data)
{
  g_autoptr(UpgPluginManager) plugins = shipped_plugins ();
  g_autoptr(UpgContext) context = upg_context_new ("0d7e6f3c-aaaa-4bbb-8ccc-000000000043");
  g_autoptr(JsonObject) params = json_object_new ();
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_canonicalize_filename (site->dir, NULL);
  g_autofree char *disk_id = g_strconcat ("disk:", dir, NULL);
  struct statvfs fs;
  gint64 free_bytes;
  UpgCheckResult *disk = NULL;

  g_assert_cmpint (statvfs (dir, &fs), ==, 0);
  free_bytes = (gint64) fs.f_bavail * (gint64) fs.f_frsize;
  /* Free space is 1.5 × this backup: well inside the band, whatever
   * else writes to the file system meanwhile. */
  json_object_set_int_member (params, "backup_size_bytes", (gint64) (free_bytes / 1.5));
  json_object_set_int_member (params, "min_cpu_idle_percent", 0);
  upg_context_set_params (context, params);
  upg_context_set_bundle_dir (context, site->dir);
  results = upg_plugin_manager_run_checks (plugins, UPG_TYPE_RESOURCE_CHECK, context, 60, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < results->len; i++)
    if (g_str_equal (upg_check_result_get_id (results->pdata[i]), disk_id))
      disk = results->pdata[i];
  g_assert_nonnull (disk);
  g_assert_cmpstr (upg_verdict_to_string (upg_check_result_get_verdict (disk)), ==, "warn");
  g_assert_nonnull (upg_check_result_get_suggestion (disk));
}

static void
write_manifest (const char *bundle, const char *version, const char *checks)
{
  g_autofree char *file = g_strconcat (version, ".json", NULL);
  g_autofree char *path = g_build_filename (bundle, "manifests", file, NULL);
  g_autofree char *sql = g_build_filename (bundle, "sql", "a.sql", NULL);
  g_autofree char *manifest = g_strdup_printf (
    "{\"version\": \"%s\", \"component\": \"ft\", \"checks\": %s, \"upgrade_steps\": {\"in_stop\": ["
    "{\"id\": \"step_%c\", \"database\": \"ft_db\", \"sql_scripts\": [\"sql/a.sql\"],"
    " \"compatible_version\": \"3.17.0\", \"estimated_duration\": 5}]}}",
    version, checks, version[strlen (version) - 1]);

  assessment_test_write_file (sql, "SELECT 1;\n");
  assessment_test_write_file (path, manifest);
}

#define RULE(sql, severity) \
  "{\"id\": \"r\", \"database\": \"ft_db\", \"sql\": \"" sql "\", \"severity\": \"" severity "\"}"

static void
test_merge (Site *site, gconstpointer data)
{
  g_autofree char *bundle = g_build_filename (site->dir, "bundle", NULL);
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;

  write_manifest (bundle, "3.17.5",
                  "{\"data_quality\": [" RULE ("SELECT 0", "fail") ", {\"id\": \"same\", \"database\": \"ft_db\","
                  "  \"sql\": \"SELECT 0\"}],"
                  " \"middleware\": [{\"database\": \"ft_db\", \"min_version\": \"3.0\", \"max_version\": \"99\"},"
                  "  {\"database\": \"mid_db\", \"min_version\": \"3.8\"}],"
                  " \"backup_tables\": [{\"database\": \"ft_db\", \"tables\": [\"orders\"]}]}");
  write_manifest (bundle, "3.17.6",
                  "{\"data_quality\": [{\"id\": \"same\", \"database\": \"ft_db\", \"sql\": \"SELECT 0\"}, "
                  RULE ("SELECT 5", "warn") "],"
                  " \"middleware\": [{\"database\": \"ft_db\", \"min_version\": \"3.20\", \"max_version\": \"50\"},"
                  "  {\"database\": \"mid_db\", \"min_version\": \"3.8\"}],"
                  " \"backup_tables\": [{\"database\": \"ft_db\", \"tables\": [\"orders\", \"users\"]},"
                  "  {\"database\": \"ft_db\", \"tables\": [\"users\", \"task_store\"]}]}");

  g_clear_pointer (&debug_lines, g_free);
  assessment = assess (site, bundle, "3.17.4", "3.17.6");
  /* The two definitions of rule r differ: the newest one runs, and says so. */
  g_assert_nonnull (debug_lines);
  g_assert_nonnull (strstr (debug_lines, "assessment: data-quality rule 'r' is defined differently by 3.17.5 "
                                         "($.checks.data_quality[0]) and 3.17.6 ($.checks.data_quality[1]): "
                                         "keeping 3.17.6's\n"));
  /* Rule "same" is defined alike: nothing to say. */
  g_assert_null (strstr (debug_lines, "'same'"));

  assert_unique (assessment);
  g_assert_cmpuint (count_items (assessment, "data_quality", ""), ==, 2);
  item = assessment_test_find_item (assessment, "data_quality", "r");
  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_WARN);
  g_assert_cmpstr (upg_check_result_get_message (item), ==, "5 rows found, threshold 0");

  /* The highest minimum and the lowest maximum, with who asks for them. */
  item = assessment_test_find_item (assessment, "middleware", "middleware:ft_db");
  g_assert_cmpstr (figure_string (item, "min_version"), ==, "3.20");
  g_assert_cmpstr (figure_string (item, "min_version_manifests"), ==, "3.17.6");
  g_assert_cmpstr (figure_string (item, "max_version"), ==, "50");
  g_assert_cmpstr (figure_string (item, "max_version_manifests"), ==, "3.17.6");
  g_assert_nonnull (strstr (upg_check_result_get_message (item),
                            "required: 3.20 (asked by 3.17.6) to 50 (asked by 3.17.6)"));
  item = assessment_test_find_item (assessment, "middleware", "middleware:mid_db");
  g_assert_cmpstr (figure_string (item, "min_version_manifests"), ==, "3.17.5, 3.17.6");
  g_assert_false (json_object_has_member (upg_check_result_get_figures (item), "max_version"));

  /* One backup item for ft_db: the union of the tables, sized once. */
  g_assert_cmpuint (count_items (assessment, "resource", "backup:"), ==, 1);
  item = assessment_test_find_item (assessment, "resource", "backup:ft_db");
  g_assert_cmpstr (figure_string (item, "tables"), ==, "orders, users, task_store");
  g_assert_cmpstr (figure_string (item, "manifests"), ==, "3.17.5, 3.17.6");
}

static GLogWriterOutput
record_debug (GLogLevelFlags   level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  const char *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
      domain = fields[i].value;
    else if (g_str_equal (fields[i].key, "MESSAGE"))
      message = fields[i].value;
  if ((level & G_LOG_LEVEL_DEBUG) && g_strcmp0 (domain, "upgrade") == 0 && message != NULL)
    {
      char *joined = g_strconcat (debug_lines != NULL ? debug_lines : "", message, "\n", NULL);

      g_free (debug_lines);
      debug_lines = joined;
    }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

int
main (int argc, char *argv[])
{
  int status;

  g_log_set_writer_func (record_debug, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Site, NULL, site_setup, func, site_teardown)
  ADD ("/assessment-bundle/example/counts", test_example_counts);
  ADD ("/assessment-bundle/merge", test_merge);
  ADD ("/assessment-bundle/example/plugins", test_example_plugins);
  ADD ("/assessment-bundle/plugins/disk-band", test_plugin_disk_band);
#undef ADD

  status = g_test_run ();
  g_free (debug_lines);
  return status;
}
