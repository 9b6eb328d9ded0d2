/* test-manifest.c - the JSON manifest loader, its defaults and its errors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <upgrade.h>

#include "upg-manifest-private.h"
#include "upg-step-private.h"
#include "upg-units-private.h"

static UpgManifest *
load_ok (const char *json)
{
  g_autoptr(GError) error = NULL;
  UpgManifest *manifest = upg_manifest_new_from_data (json, -1, "m.json", NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (manifest);
  return manifest;
}

/* @expected is the whole message, or with @prefix_only its start (for
 * messages whose tail comes from another module: versions, stages). */
static void
assert_load_error (const char *json,
                   const char *expected,
                   gboolean    prefix_only)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgManifest) manifest = upg_manifest_new_from_data (json, -1, "m.json", NULL, &error);

  g_assert_null (manifest);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_MANIFEST);
  if (prefix_only ? !g_str_has_prefix (error->message, expected)
                  : !g_str_equal (error->message, expected))
    g_error ("got '%s', expected '%s'%s", error->message, expected, prefix_only ? "…" : "");
}

#define assert_fails(json, expected) assert_load_error ((json), (expected), FALSE)
#define assert_fails_prefix(json, prefix) assert_load_error ((json), (prefix), TRUE)

static UpgStep *
step_at (UpgManifest *manifest,
         UpgStage     stage,
         guint        index)
{
  GPtrArray *steps = upg_manifest_get_steps (manifest, stage);

  g_assert_cmpuint (index, <, steps->len);
  return steps->pdata[index];
}

static void
test_manifest_full (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "bundles",
                                                 "product", "manifests", "3.17.5.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgManifest) m = upg_manifest_new_from_file (path, NULL, &error);
  g_autofree char *min = NULL;
  UpgStep *s2, *tool, *cache;

  g_assert_no_error (error);
  g_assert_cmpstr (upg_manifest_get_path (m), ==, path);
  g_assert_false (upg_manifest_is_patch (m));
  g_assert_null (upg_manifest_get_base_version (m));
  g_assert_cmpstr (upg_manifest_get_component (m), ==, "ft");
  g_assert_cmpstr (upg_manifest_get_description (m), ==, "order rework");
  min = upg_version_to_string (upg_manifest_get_min_source_version (m));
  g_assert_cmpstr (min, ==, "3.17.0");
  g_assert_null (upg_manifest_get_max_source_version (m));
  g_assert_cmpstr (upg_manifest_get_required_components (m)[0], ==, "ft-manager");
  g_assert_cmpuint (upg_manifest_get_required_memory (m), ==, G_GUINT64_CONSTANT (2) << 30);
  g_assert_cmpuint (upg_manifest_get_required_disk (m), ==, G_GUINT64_CONSTANT (10) << 30);
  g_assert_cmpuint (upg_manifest_get_required_cpus (m), ==, 2);
  g_assert_true (json_object_has_member (upg_manifest_get_checks (m), "data_quality"));

  /* "pre_upgrade" and "startup_post_process" are aliases. */
  g_assert_cmpuint (upg_manifest_get_steps (m, UPG_STAGE_PRE_STOP)->len, ==, 1);
  g_assert_cmpuint (upg_manifest_get_steps (m, UPG_STAGE_IN_STOP)->len, ==, 5);
  g_assert_cmpuint (upg_manifest_get_rollback_steps (m, UPG_STAGE_IN_STOP)->len, ==, 2);

  s2 = step_at (m, UPG_STAGE_IN_STOP, 1);
  g_assert_cmpstr (upg_step_get_id (s2), ==, "s2");
  g_assert_cmpstr (upg_step_get_name (s2), ==, "s2");
  g_assert_cmpint (upg_step_get_kind (s2), ==, UPG_STEP_KIND_SQL);
  g_assert_cmpstr (upg_step_get_sql_scripts (s2)[0], ==, "sql/3.17.5/s2.sql");
  g_assert_cmpstr (upg_step_get_database (s2), ==, "ft_db");
  g_assert_cmpuint (upg_step_get_timeout (s2), ==, 300);
  g_assert_cmpuint (upg_step_get_retry_count (s2), ==, 1);
  g_assert_true (upg_step_get_is_common (s2));
  g_assert_cmpuint (upg_step_get_parallelism (s2), ==, 1);
  g_assert_cmpint (upg_step_get_stage (s2), ==, UPG_STAGE_IN_STOP);
  g_assert_false (upg_step_is_rollback (s2));
  g_assert_cmpstr (upg_step_get_source_file (s2), ==, path);

  tool = step_at (m, UPG_STAGE_IN_STOP, 4);
  g_assert_cmpint (upg_step_get_kind (tool), ==, UPG_STEP_KIND_TOOL);
  g_assert_cmpstr (upg_step_get_class_name (tool), ==, "FtTaskStoreMigration");
  g_assert_cmpstr (upg_step_get_component (tool), ==, "ft-task");
  g_assert_cmpstr (json_object_get_string_member (upg_step_get_params (tool), "root"), ==, "/data");
  g_assert_cmpuint (upg_step_get_data_volume (tool), ==, G_GUINT64_CONSTANT (100) << 30);
  g_assert_cmpfloat (upg_step_get_rate (tool), ==, 50.0 * 1024 * 1024);
  g_assert_cmpuint (upg_step_get_parallelism (tool), ==, 4);
  /* 100GB / (50MB/s × 4) with binary multiples. */
  g_assert_cmpfloat (upg_step_estimate_seconds (tool), ==, 512.0);
  /* Unknown members are kept. */
  g_assert_cmpstr (json_object_get_string_member (upg_step_get_json (tool), "x_owner"), ==, "team-ft");
  g_assert_null (upg_step_get_compatible_version (tool));

  cache = step_at (m, UPG_STAGE_POST_START, 0);
  g_assert_cmpint (upg_step_get_kind (cache), ==, UPG_STEP_KIND_COMMAND);
  g_assert_cmpstr (upg_step_get_command (cache)[2], ==, "--all");
  g_assert_true (upg_step_is_rollback (upg_manifest_get_rollback_steps (m, UPG_STAGE_IN_STOP)->pdata[0]));
  g_assert_true (upg_manifest_lookup_step (m, "rb2") != NULL);
  g_assert_null (upg_manifest_lookup_step (m, "nope"));
}

static void
test_manifest_versions (void)
{
  g_autoptr(UpgManifest) code = load_ok ("{\"version\": \"317501\"}");
  g_autoptr(UpgManifest) number = load_ok ("{\"version\": 317501, \"version_type\": \"patch\"}");
  g_autoptr(UpgManifest) text = load_ok ("{\"version\": \"3.17.5-P1\", \"base_version\": \"3.17.4\"}");
  g_autofree char *a = upg_version_to_string (upg_manifest_get_version (code));
  g_autofree char *base = upg_version_to_string (upg_manifest_get_base_version (code));
  g_autofree char *other_base = upg_version_to_string (upg_manifest_get_base_version (text));

  g_assert_cmpstr (a, ==, "3.17.5-P1");
  g_assert_true (upg_manifest_is_patch (code));
  g_assert_cmpstr (base, ==, "3.17.5");
  g_assert_true (upg_version_equal (upg_manifest_get_version (code),
                                    upg_manifest_get_version (number)));
  g_assert_cmpstr (other_base, ==, "3.17.4");
}

static void
test_manifest_defaults (void)
{
  g_autoptr(UpgManifest) m = load_ok (
    "{\"version\": \"3.17.5\", \"component\": \"ft\", \"upgrade_steps\": {\"in_stop\": ["
    "{\"id\": \"a\", \"command\": [\"true\"]},"
    "{\"id\": \"b\", \"command\": [\"true\"], \"site_ids\": [\"US\"]},"
    "{\"id\": \"c\", \"command\": [\"true\"], \"site_ids\": [\"US\"], \"is_common\": true},"
    "{\"id\": \"d\", \"command\": [\"true\"], \"is_common\": false, \"compatible_version\": \"3.17.3\"}]}}");
  UpgStep *a = step_at (m, UPG_STAGE_IN_STOP, 0), *b = step_at (m, UPG_STAGE_IN_STOP, 1);
  UpgStep *c = step_at (m, UPG_STAGE_IN_STOP, 2), *d = step_at (m, UPG_STAGE_IN_STOP, 3);
  g_autoptr(UpgVersion) v2 = upg_version_parse ("3.17.2", NULL);
  g_autoptr(UpgVersion) v3 = upg_version_parse ("3.17.3", NULL);

  g_assert_cmpstr (upg_step_get_component (a), ==, "ft");
  g_assert_false (upg_step_get_script_transaction (a));
  g_assert_true (upg_step_get_is_common (a));
  g_assert_true (upg_step_applies_to_site (a, "EU"));
  g_assert_true (upg_step_applies_to_site (a, NULL));
  g_assert_false (upg_step_get_is_common (b));
  g_assert_true (upg_step_applies_to_site (b, "US"));
  g_assert_false (upg_step_applies_to_site (b, "EU"));
  g_assert_false (upg_step_applies_to_site (b, NULL));
  g_assert_true (upg_step_applies_to_site (c, "EU"));
  /* is_common false without site_ids: still everywhere. */
  g_assert_true (upg_step_applies_to_site (d, "EU"));
  g_assert_false (upg_step_is_compatible_from (a, v3));
  g_assert_false (upg_step_is_compatible_from (d, v2));
  g_assert_true (upg_step_is_compatible_from (d, v3));
  g_assert_cmpfloat (upg_step_estimate_seconds (a), ==, 0);
  g_assert_cmpstr (upg_step_kind_to_string (UPG_STEP_KIND_COMMAND), ==, "command");
}

static void
test_manifest_errors (void)
{
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"a\", "
                "\"command\": [\"x\"]}, {\"id\": \"b\", \"command\": [\"x\"], \"timeout\": \"5m\"}]}}",
                "m.json: $.upgrade_steps.in_stop[1].timeout: expected an integer from 0 to "
                "4294967295, got a string");
  assert_fails_prefix ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"during\": []}}",
                       "m.json: $.upgrade_steps.during: stage 'during' is not known: expected one of "
                       "resource_check, business_check, pre_stop, in_stop, post_start, post_upgrade");
  assert_fails_prefix ("{\"version\": \"x.y\"}",
                       "m.json: $.version: version 'x.y' is not valid: expected MAJOR.MINOR.MICRO");
  assert_fails ("{\"component\": \"ft\"}",
                "m.json: $.version: required member is missing: expected a version such as \"3.17.5\"");
  assert_fails ("[]", "m.json: $: expected an object, got an array");
  assert_fails ("", "m.json:1:1: malformed JSON: the document is empty");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"a\"}]}}",
                "m.json: $.upgrade_steps.in_stop[0]: expected exactly one of \"sql_scripts\", "
                "\"class_name\", \"command\", \"batched_migration\", \"backup\", \"verify\", \"http_check\", \"config\", \"redis\", \"redis_delete_pattern\", found 0");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"a\", "
                "\"class_name\": \"X\", \"command\": [\"y\"]}]}}",
                "m.json: $.upgrade_steps.in_stop[0]: expected exactly one of \"sql_scripts\", "
                "\"class_name\", \"command\", \"batched_migration\", \"backup\", \"verify\", \"http_check\", \"config\", \"redis\", \"redis_delete_pattern\", found 2");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"command\": [\"y\"]}]}}",
                "m.json: $.upgrade_steps.in_stop[0].id: required member is missing: expected a string");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"a\", "
                "\"sql_scripts\": [\"a.sql\", 3]}]}}",
                "m.json: $.upgrade_steps.in_stop[0].sql_scripts[1]: expected a string, got a number");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"a\", "
                "\"sql_scripts\": [\"../../etc/passwd\"]}]}}",
                "m.json: $.upgrade_steps.in_stop[0].sql_scripts[0]: '../../etc/passwd': expected "
                "a relative path that stays inside the bundle");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"a\", "
                "\"command\": [\"x\"], \"data_volume\": \"lots\"}]}}",
                "m.json: $.upgrade_steps.in_stop[0].data_volume: expected a size such as \"100GB\", got \"lots\"");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"a\", "
                "\"command\": [\"x\"], \"double_write\": true}]}}",
                "m.json: $.upgrade_steps.in_stop[0].double_write: a double-writing step needs "
                "\"data_volume\" (the size it writes twice) or \"double_write_tables\" (tables whose "
                "size is measured)");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"a\", "
                "\"command\": [\"x\"], \"double_write\": true, \"double_write_tables\": [\"t\"]}]}}",
                "m.json: $.upgrade_steps.in_stop[0].double_write_tables: tables measured for the double-write "
                "space need \"double_write\": true and the step's \"database\"");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"a\", "
                "\"command\": [\"x\"], \"data_volume\": \"1GB\", \"double_write\": \"yes\"}]}}",
                "m.json: $.upgrade_steps.in_stop[0].double_write: expected true or false, got a string");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"a\", "
                "\"command\": [\"x\"], \"rate\": \"50MB\"}]}}",
                "m.json: $.upgrade_steps.in_stop[0].rate: expected a rate such as \"50MB/s\", got \"50MB\"");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"a\", "
                "\"command\": [\"x\"], \"parallelism\": 0}]}}",
                "m.json: $.upgrade_steps.in_stop[0].parallelism: expected an integer from 1 to 1024, got 0");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"a\", "
                "\"command\": [\"x\"]}], \"post_start\": [{\"id\": \"a\", \"command\": [\"y\"]}]}}",
                "m.json: $.upgrade_steps.post_start[0]: step id 'a' is used twice: expected ids "
                "unique within a version");
  assert_fails ("{\"version\": \"3.17.5\", \"dependencies\": {\"required_resources\": {\"cpu\": \"many\"}}}",
                "m.json: $.dependencies.required_resources.cpu: expected a core count such as "
                "\"2cores\", got \"many\"");
  assert_fails ("{\"version\": \"3.17.5\", \"version_type\": \"patch\"}",
                "m.json: $.version_type: \"patch\" does not match version 3.17.5 (expected \"baseline\")");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": {}}}",
                "m.json: $.upgrade_steps.in_stop: expected an array, got an object");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"a\", "
                "\"command\": [\"x\"], \"is_common\": \"yes\"}]}}",
                "m.json: $.upgrade_steps.in_stop[0].is_common: expected true or false, got a string");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"a\", "
                "\"sql_scripts\": [\"a.sql\"], \"transaction\": \"file\"}]}}",
                "m.json: $.upgrade_steps.in_stop[0].transaction: expected \"statement\" or \"script\", got \"file\"");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"a\", "
                "\"command\": [\"x\"], \"transaction\": \"script\"}]}}",
                "m.json: $.upgrade_steps.in_stop[0].transaction: \"script\" applies to a step with "
                "\"sql_scripts\" only");
}

/* Malformed JSON: the file and line:column of the fault. */
static void
test_manifest_malformed_file (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "bundles",
                                                 "malformed", "manifests", "3.17.5.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgManifest) m = upg_manifest_new_from_file (path, NULL, &error);
  g_autofree char *expected = g_strdup_printf ("%s:4:17: Parse error", path);

  g_assert_null (m);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_MANIFEST);
  if (!g_str_has_prefix (error->message, expected))
    g_error ("'%s' does not start with '%s'", error->message, expected);
}

static void
test_manifest_name_mismatch (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "bundles",
                                                 "name-mismatch", "manifests", "3.17.5.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgManifest) m = upg_manifest_new_from_file (path, NULL, &error);
  g_autofree char *expected = g_strdup_printf (
    "%s: $.version: the file is named for version '3.17.5' but declares 3.17.6: "
    "expected the same version", path);

  g_assert_null (m);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_MANIFEST);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_manifest_missing_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgManifest) m = upg_manifest_new_from_file ("/nonexistent/3.17.5.json", NULL, &error);

  g_assert_null (m);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_MANIFEST);
  g_assert_true (g_str_has_prefix (error->message, "/nonexistent/3.17.5.json: cannot read:"));
}

static void
test_units (void)
{
  guint64 bytes = 0;
  double rate = 0;
  guint cpus = 0;

  g_assert_true (upg_units_parse_size ("100GB", &bytes));
  g_assert_cmpuint (bytes, ==, G_GUINT64_CONSTANT (100) << 30);
  g_assert_true (upg_units_parse_size ("1.5 KiB", &bytes));
  g_assert_cmpuint (bytes, ==, 1536);
  g_assert_true (upg_units_parse_size ("512", &bytes));
  g_assert_cmpuint (bytes, ==, 512);
  g_assert_true (upg_units_parse_size ("2tb", &bytes));
  g_assert_cmpuint (bytes, ==, G_GUINT64_CONSTANT (2) << 40);
  g_assert_false (upg_units_parse_size ("GB", &bytes));
  g_assert_false (upg_units_parse_size ("-1GB", &bytes));
  g_assert_false (upg_units_parse_size ("10XB", &bytes));
  g_assert_false (upg_units_parse_size ("99999999999TB", &bytes));
  g_assert_true (upg_units_parse_rate ("50MB/s", &rate));
  g_assert_cmpfloat (rate, ==, 50.0 * 1024 * 1024);
  g_assert_false (upg_units_parse_rate ("0MB/s", &rate));
  g_assert_false (upg_units_parse_rate ("50MB/min", &rate));
  g_assert_true (upg_units_parse_cpus ("2cores", &cpus));
  g_assert_cmpuint (cpus, ==, 2);
  g_assert_true (upg_units_parse_cpus ("1 core", &cpus));
  g_assert_cmpuint (cpus, ==, 1);
  g_assert_true (upg_units_parse_cpus ("8", &cpus));
  g_assert_cmpuint (cpus, ==, 8);
  g_assert_false (upg_units_parse_cpus ("two cores", &cpus));
  g_assert_false (upg_units_parse_cpus ("2 sockets", &cpus));
}

/* A `backup` step (SPEC §4): its members, defaults and errors, each
 * naming the file and the JSON path. */
#define BACKUP_STEP(body) "{\"version\": \"3.17.5\", \"upgrade_steps\": {\"pre_stop\": [{\"id\": \"b\", " \
                          "\"backup\": " body "}]}}"

static void
test_manifest_backup (void)
{
  g_autoptr(UpgManifest) m = load_ok (BACKUP_STEP ("{\"database\": \"ft_db\", \"tables\": [\"orders\", \"users\"], "
                                                   "\"keep\": 5}"));
  g_autoptr(UpgManifest) whole = load_ok (BACKUP_STEP ("{\"database\": \"ft_db\"}"));
  UpgStep *step = step_at (m, UPG_STAGE_PRE_STOP, 0);
  const UpgBackupSpec *spec = upg_step_get_backup (step);
  const char *tables[] = { "orders", "users", NULL };

  g_assert_cmpint (upg_step_get_kind (step), ==, UPG_STEP_KIND_BACKUP);
  g_assert_cmpstr (upg_step_kind_to_string (UPG_STEP_KIND_BACKUP), ==, "backup");
  g_assert_nonnull (spec);
  g_assert_cmpstr (spec->database, ==, "ft_db");
  g_assert_true (g_strv_equal ((const char * const *) spec->tables, tables));
  g_assert_cmpuint (spec->keep, ==, 5);
  spec = upg_step_get_backup (step_at (whole, UPG_STAGE_PRE_STOP, 0));
  g_assert_null (spec->tables);
  g_assert_cmpuint (spec->keep, ==, 3);

  assert_fails (BACKUP_STEP ("[\"ft_db\"]"),
                "m.json: $.upgrade_steps.pre_stop[0].backup: expected an object, got an array");
  assert_fails (BACKUP_STEP ("{\"tables\": [\"orders\"]}"),
                "m.json: $.upgrade_steps.pre_stop[0].backup.database: required member is missing: expected a string");
  assert_fails (BACKUP_STEP ("{\"database\": 7}"),
                "m.json: $.upgrade_steps.pre_stop[0].backup.database: expected a string, got a number");
  assert_fails (BACKUP_STEP ("{\"database\": \"ft_db\", \"tables\": []}"),
                "m.json: $.upgrade_steps.pre_stop[0].backup.tables: expected a non-empty array of strings");
  assert_fails (BACKUP_STEP ("{\"database\": \"ft_db\", \"tables\": \"orders\"}"),
                "m.json: $.upgrade_steps.pre_stop[0].backup.tables: expected an array, got a string");
  assert_fails (BACKUP_STEP ("{\"database\": \"ft_db\", \"tables\": [\"orders\", 3]}"),
                "m.json: $.upgrade_steps.pre_stop[0].backup.tables[1]: expected a string, got a number");
  assert_fails (BACKUP_STEP ("{\"database\": \"ft_db\", \"tables\": [\"--all\"]}"),
                "m.json: $.upgrade_steps.pre_stop[0].backup.tables[0]: expected a table name, got \"--all\"");
  assert_fails (BACKUP_STEP ("{\"database\": \"ft_db\", \"keep\": 0}"),
                "m.json: $.upgrade_steps.pre_stop[0].backup.keep: expected an integer from 1 to 1000, got 0");
  assert_fails (BACKUP_STEP ("{\"database\": \"ft_db\", \"keep\": \"3\"}"),
                "m.json: $.upgrade_steps.pre_stop[0].backup.keep: expected an integer from 0 to 1000, got a string");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"pre_stop\": [{\"id\": \"b\", "
                "\"backup\": {\"database\": \"ft_db\"}, \"command\": [\"x\"]}]}}",
                "m.json: $.upgrade_steps.pre_stop[0]: expected exactly one of \"sql_scripts\", "
                "\"class_name\", \"command\", \"batched_migration\", \"backup\", \"verify\", \"http_check\", \"config\", \"redis\", \"redis_delete_pattern\", found 2");
}

/* The built-in kinds' members are checked when the manifest is read, each
 * error naming the JSON path; plan JSON names the kind. */
static void
test_manifest_builtin_kinds (void)
{
  g_autoptr(UpgManifest) m = load_ok ("{\"version\": \"3.17.5\", \"upgrade_steps\": {"
                                      "\"in_stop\": [{\"id\": \"v\", \"verify\": [{\"database\": \"a\", "
                                      "\"sql\": \"SELECT 1\", \"expect\": 1}]}],"
                                      "\"post_start\": [{\"id\": \"h\", \"http_check\": "
                                      "{\"url\": \"http://127.0.0.1:1/health\"}}]}}");

  g_assert_cmpint (upg_step_get_kind (step_at (m, UPG_STAGE_IN_STOP, 0)), ==, UPG_STEP_KIND_VERIFY);
  g_assert_cmpint (upg_step_get_kind (step_at (m, UPG_STAGE_POST_START, 0)), ==, UPG_STEP_KIND_HTTP_CHECK);
  g_assert_cmpstr (upg_step_kind_to_string (UPG_STEP_KIND_VERIFY), ==, "verify");
  g_assert_cmpstr (upg_step_kind_to_string (UPG_STEP_KIND_HTTP_CHECK), ==, "http_check");

  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"post_start\": [{\"id\": \"a\", \"command\": [\"x\"]}, "
                "{\"id\": \"b\", \"command\": [\"y\"]}, "
                "{\"id\": \"h\", \"http_check\": {\"url\": \"http://x/\", \"expect_status\": \"200\"}}]}}",
                "m.json: $.upgrade_steps.post_start[2].http_check.expect_status: "
                "expected an integer from 0 to 599, got a string");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"post_start\": [{\"id\": \"h\", "
                "\"http_check\": {\"url\": \"ftp://x/\"}}]}}",
                "m.json: $.upgrade_steps.post_start[0].http_check.url: "
                "expected an http:// or https:// URL, got \"ftp://x/\"");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"v\", \"verify\": ["
                "{\"database\": \"a\", \"sql\": \"SELECT 1\"}]}]}}",
                "m.json: $.upgrade_steps.in_stop[0].verify[0]: expected exactly one of \"expect\" or \"equals\"");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"v\", \"verify\": ["
                "{\"database\": \"a\", \"sql\": \"SELECT 1\", \"equals\": {\"database\": \"b\"}}]}]}}",
                "m.json: $.upgrade_steps.in_stop[0].verify[0].equals.sql: required member is missing: "
                "expected a string");
  assert_fails ("{\"version\": \"3.17.5\", \"upgrade_steps\": {\"in_stop\": [{\"id\": \"v\", \"verify\": []}]}}",
                "m.json: $.upgrade_steps.in_stop[0].verify: expected a non-empty array of checks");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/manifest/full", test_manifest_full);
  g_test_add_func ("/manifest/versions", test_manifest_versions);
  g_test_add_func ("/manifest/defaults", test_manifest_defaults);
  g_test_add_func ("/manifest/errors", test_manifest_errors);
  g_test_add_func ("/manifest/backup", test_manifest_backup);
  g_test_add_func ("/manifest/builtin-kinds", test_manifest_builtin_kinds);
  g_test_add_func ("/manifest/malformed-file", test_manifest_malformed_file);
  g_test_add_func ("/manifest/name-mismatch", test_manifest_name_mismatch);
  g_test_add_func ("/manifest/missing-file", test_manifest_missing_file);
  g_test_add_func ("/manifest/units", test_units);
  return g_test_run ();
}
