/* test-clickhouse-assess.c - the assessment on a real ClickHouse, reached
 * over HTTP as from another host: data-quality rules, the middleware
 * version, backup_tables sized from system.parts, and a double-write step
 * measured there; the support bundle's datasources.json names its version
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "exec-test-util.h"
#include "test-assessment-util.h"
#include "upg-test-clickhouse.h"
#include "upg-test-servers.h"

#define FROM "3.17.0"
#define TO "3.17.5"
#define PASSWORD_ENV "UPG_TEST_CK_ASSESS_PASSWORD"

static UpgTestClickHouse *server;
static GError *start_error;

static void
admin (const char *sql)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (upg_test_clickhouse_admin (server, sql, NULL, &error));
  g_assert_no_error (error);
}

static char *
admin_value (const char *sql)
{
  g_autoptr(GError) error = NULL;
  char *value = NULL;

  g_assert_true (upg_test_clickhouse_admin (server, sql, &value, &error));
  g_assert_no_error (error);
  return value;
}

static gint64
figure_int (UpgCheckResult *item,
            const char     *name)
{
  return json_object_get_int_member (upg_check_result_get_figures (item), name);
}

static void
write_site (ExecFixture *fx)
{
  g_autofree char *source = upg_test_clickhouse_datasource_json (server, PASSWORD_ENV);
  g_autofree char *sources = g_strdup_printf ("\"logs_ck\": %s", source);

  exec_fixture_init (fx);
  exec_fixture_write_config (fx, "bj-01", sources);
  exec_fixture_write (fx, "bundle/manifests/" TO ".json",
    "{\"version\": \"" TO "\", \"version_type\": \"baseline\", \"component\": \"logs\",\n"
    " \"checks\": {\n"
    "  \"data_quality\": [\n"
    "   {\"id\": \"no_level\", \"name\": \"log rows without level\", \"database\": \"logs_ck\",\n"
    "    \"sql\": \"SELECT count() FROM access_log WHERE level = 0\", \"threshold\": 0, \"severity\": \"fail\"},\n"
    "   {\"id\": \"few_errors\", \"name\": \"error rows\", \"database\": \"logs_ck\",\n"
    "    \"sql\": \"SELECT count() FROM access_log WHERE level = 9\", \"threshold\": 5, \"severity\": \"warn\"}],\n"
    "  \"middleware\": [{\"database\": \"logs_ck\", \"min_version\": \"18.1\"}],\n"
    "  \"backup_tables\": [{\"database\": \"logs_ck\", \"tables\": [\"access_log\", \"gone_log\"]}]},\n"
    " \"upgrade_steps\": {\"post_upgrade\": [\n"
    "   {\"id\": \"copy_logs\", \"name\": \"access_log into its new schema\", \"database\": \"logs_ck\",\n"
    "    \"sql_scripts\": [\"sql/copy.sql\"], \"double_write\": true,\n"
    "    \"double_write_tables\": [\"access_log\"], \"compatible_version\": \"3.17.0\"}]}}\n");
  exec_fixture_write (fx, "bundle/sql/copy.sql", "INSERT INTO access_log_v2 SELECT * FROM access_log;\n");
}

static void
test_assessment (void)
{
  ExecFixture fx;
  g_autoptr(UpgAssessor) assessor = NULL;
  g_autoptr(UpgAssessment) assessment = NULL;
  g_autofree char *parts_bytes = NULL;
  g_autofree char *version = NULL;
  UpgCheckResult *item;

  g_assert_no_error (start_error);
  g_setenv (PASSWORD_ENV, upg_test_clickhouse_get_password (server), TRUE);
  admin ("CREATE TABLE upgtest.access_log (d Date, id UInt64, level UInt8, msg String)"
         " ENGINE = MergeTree(d, id, 8192)");
  admin ("INSERT INTO upgtest.access_log SELECT toDate('2024-01-01'), number, number % 10,"
         " concat('request ', toString(number)) FROM system.numbers LIMIT 50000");
  parts_bytes = admin_value ("SELECT sum(bytes_on_disk) FROM system.parts WHERE active"
                             " AND database = 'upgtest' AND table = 'access_log'");
  version = admin_value ("SELECT version()");

  write_site (&fx);
  assessor = assessment_test_assessor (fx.bundle, fx.config, FROM, TO);
  assessment = assessment_test_run (assessor);

  /* 5000 rows with level 0: the fail rule fails; 5000 with level 9 > 5 warns. */
  item = assessment_test_find_item (assessment, "data_quality", "no_level");
  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_FAIL);
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "5000 rows found, threshold 0"));
  item = assessment_test_find_item (assessment, "data_quality", "few_errors");
  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_WARN);

  /* SELECT version(), compared with the manifest's minimum. */
  item = assessment_test_find_item (assessment, "middleware", "middleware:logs_ck");
  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_PASS);
  g_assert_cmpstr (json_object_get_string_member (upg_check_result_get_figures (item), "version"), ==, version);

  /* backup_tables: bytes_on_disk of the active parts, on the server. */
  item = assessment_test_find_item (assessment, "resource", "backup:logs_ck");
  g_assert_cmpint (figure_int (item, "data_bytes"), ==, g_ascii_strtoll (parts_bytes, NULL, 10));
  g_assert_cmpint (figure_int (item, "data_bytes"), >, 0);
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "tables not found: gone_log"));
  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_WARN);

  /* The double-write step: measured there, data × 2 + 15 %. */
  item = assessment_test_find_item (assessment, "resource", "double_write:copy_logs");
  g_assert_cmpint (figure_int (item, "data_volume"), ==, g_ascii_strtoll (parts_bytes, NULL, 10));
  g_assert_cmpint (figure_int (item, "required"), ==, (gint64) (g_ascii_strtoll (parts_bytes, NULL, 10) * 2 * 1.15));
  /* 18.16 has no system.disks: its free disk is unknown, said plainly. */
  if (g_str_has_prefix (version, "18."))
    {
      g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_WARN);
      g_assert_nonnull (strstr (upg_check_result_get_message (item), "the server does not report its free disk"));
    }
  /* Not counted again against the host's disk. */
  g_assert_null (assessment_test_lookup_item (assessment, "resource", "double_write"));

  exec_fixture_clear (&fx);
}

/* The support bundle of a run names the ClickHouse server's version. */
static void
test_support_bundle (void)
{
  ExecFixture fx;
  g_autofree char *out = NULL;
  g_autofree char *tarball = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *version = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_no_error (start_error);
  g_setenv (PASSWORD_ENV, upg_test_clickhouse_get_password (server), TRUE);
  admin ("CREATE TABLE IF NOT EXISTS upgtest.access_log_v2 (d Date, id UInt64, level UInt8, msg String)"
         " ENGINE = MergeTree(d, id, 8192)");
  version = admin_value ("SELECT version()");
  write_site (&fx);
  status = exec_fixture_cli (&fx, NULL, &out, "--json", "run", "--from", FROM, "--to", TO,
                             "--stage", "post_upgrade", NULL);
  g_test_message ("%s", out);
  g_assert_cmpint (exec_exit_code (status), ==, 0);
  {
    g_autoptr(JsonNode) node = json_from_string (out, &error);
    const char *id;

    g_assert_no_error (error);
    id = json_object_get_string_member (json_node_get_object (node), "execution_id");
    tarball = exec_fixture_path (&fx, "support.tar.gz");
    g_clear_pointer (&out, g_free);
    status = exec_fixture_cli (&fx, NULL, &out, "report", id, "--support-bundle", tarball, NULL);
    g_assert_cmpint (exec_exit_code (status), ==, 0);
  }
  g_assert_true (upg_test_run_command ((const char *[]) { "tar", "-xzOf", tarball, "--wildcards",
                                                          "*datasources.json", NULL },
                                       NULL, NULL, &listing, &error));
  g_assert_no_error (error);
  g_test_message ("%s", listing);
  g_assert_nonnull (strstr (listing, "\"ClickHouse\""));
  g_assert_nonnull (strstr (listing, version));
  g_assert_null (strstr (listing, upg_test_clickhouse_get_password (server)));
  exec_fixture_clear (&fx);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  server = upg_test_clickhouse_start (&start_error);

  g_test_add_func ("/clickhouse-assess/assessment", test_assessment);
  g_test_add_func ("/clickhouse-assess/support-bundle", test_support_bundle);

  status = g_test_run ();
  upg_test_clickhouse_stop (server);
  g_clear_error (&start_error);
  return status;
}
