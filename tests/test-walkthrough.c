/* test-walkthrough.c - the operator's whole upgrade, scripted with the real
 * upgradectl on real MariaDB and PostgreSQL servers, in English and in
 * Chinese (issue #12): assess, business_check, pre_stop, in_stop failing
 * on a data problem, the data fixed, resume, post stages, the report of
 * the whole upgrade and the support bundle.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "db-site.h"

static Db databases[] = DB_TARGETS_INIT;

typedef struct {
  Db         *db;
  const char *lang;
  gboolean    chinese;
} Case;

static void
assert_has (const char *text,
            const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("expected \"%s\" in:\n%s", part, text);
}

/* upgradectl ARGS… under the case's language; returns stdout. */
#define ctl(site, c, expected_code, ...) exec_fixture_ctl_lang (&(site)->fx, (c)->lang, (expected_code), __VA_ARGS__)

/* Version 1.0.0 of component app on data source "db", table T: a
 * data-quality rule (no negative amounts), a deployment check, a backup
 * copy while serving, a unique index on `code` while stopped (refused
 * while two orders share a code: the data problem), then a post_start
 * update and a post_upgrade clean-up. The host thresholds are lowered:
 * the machine's load is not what this test is about. */
static void
write_bundle (DbSite *site,
              Db     *db)
{
  g_autofree char *manifest = NULL, *sources = NULL, *in_stop = NULL, *pre = NULL;
  g_autofree char *post = NULL, *cleanup = NULL;
  const char *t = site->table;

  manifest = g_strdup_printf (
    "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"checks\": {\"data_quality\": [{\"id\": \"negative_amount\", \"name\": \"orders with a negative amount\","
    " \"database\": \"db\", \"sql\": \"SELECT COUNT(*) FROM %s WHERE amount < 0\", \"threshold\": 0,"
    " \"severity\": \"fail\", \"min_version\": \"0.1.0\", \"max_version\": \"1.0.0\","
    " \"suggestion\": \"fix the amounts\"}]},\n"
    " \"upgrade_steps\": {\n"
    "  \"business_check\": [{\"id\": \"deployment_check\", \"compatible_version\": \"0.1.0\","
    " \"command\": [\"sh\", \"-c\", \"true\"]}],\n"
    "  \"pre_stop\": [{\"id\": \"backup_copy\", \"compatible_version\": \"0.1.0\", \"database\": \"db\","
    " \"sql_scripts\": [\"sql/pre.sql\"]}],\n"
    "  \"in_stop\": [{\"id\": \"code_unique\", \"compatible_version\": \"0.1.0\", \"database\": \"db\","
    " \"sql_scripts\": [\"sql/in.sql\"]}],\n"
    "  \"post_start\": [{\"id\": \"region_default\", \"compatible_version\": \"0.1.0\", \"database\": \"db\","
    " \"sql_scripts\": [\"sql/post.sql\"]}],\n"
    "  \"post_upgrade\": [{\"id\": \"drop_copy\", \"compatible_version\": \"0.1.0\", \"database\": \"db\","
    " \"sql_scripts\": [\"sql/cleanup.sql\"]}]}}\n", t);
  exec_fixture_write (&site->fx, "bundle/manifests/1.0.0.json", manifest);
  pre = g_strdup_printf ("CREATE TABLE %s_copy AS SELECT * FROM %s;\n", t, t);
  exec_fixture_write (&site->fx, "bundle/sql/pre.sql", pre);
  in_stop = g_strdup_printf ("ALTER TABLE %s ADD COLUMN region VARCHAR(8);\n"
                             "CREATE UNIQUE INDEX %s_code ON %s (code);\n"
                             "UPDATE %s SET region = 'cn';\n", t, t, t, t);
  exec_fixture_write (&site->fx, "bundle/sql/in.sql", in_stop);
  post = g_strdup_printf ("UPDATE %s SET region = 'cn-north' WHERE region = 'cn';\n", t);
  exec_fixture_write (&site->fx, "bundle/sql/post.sql", post);
  cleanup = g_strdup_printf ("DROP TABLE %s_copy;\n", t);
  exec_fixture_write (&site->fx, "bundle/sql/cleanup.sql", cleanup);
  sources = g_strdup_printf ("\"db\": %s", db->source_json);
  exec_fixture_write_config_extra (&site->fx, "bj-01", sources,
                                   "\"env\": {\"min_cpu_idle_percent\": 0, \"min_free_memory_bytes\": 0}");
}

static void
walk (gconstpointer data)
{
  const Case *c = data;
  DbSite site;
  g_autofree char *out = NULL, *in_stop_id = NULL, *archive = NULL, *member = NULL;
  g_autoptr(JsonObject) document = NULL;
  JsonObject *report;
  JsonArray *executions;
  /* business_check twice: failed on the negative amount, then passed. */
  static const char * const stages[] = { "business_check", "business_check", "pre_stop", "in_stop", "post_start",
                                         "post_upgrade" };

  db_site_init (&site, c->db, "bj-01");
  db_site_execute (&site, "CREATE TABLE %s (id INT PRIMARY KEY, code VARCHAR(16), amount INT)", site.table);
  db_site_execute (&site, "INSERT INTO %s VALUES (1, 'A-1', 10), (2, 'A-2', 20), (3, 'A-2', 30)", site.table);
  write_bundle (&site, c->db);

  /* Assess: passes (the rule finds no negative amount), in the operator's
   * language. */
  out = ctl (&site, c, 0, "assess", "--from", "0.9.0", "--to", "1.0.0", NULL);
  assert_has (out, c->chinese ? "升级评估" : "Upgrade assessment");
  assert_has (out, "orders with a negative amount");
  g_clear_pointer (&out, g_free);

  /* An order with a negative amount appears: business_check runs the
   * data-quality rule and its declared step, fails (1), and pre_stop is
   * refused naming it (nothing copied). */
  db_site_execute (&site, "INSERT INTO %s VALUES (4, 'A-4', -1)", site.table);
  out = ctl (&site, c, 1, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "business_check", NULL);
  assert_has (out, "[FAILED] data_quality:negative_amount");
  g_clear_pointer (&out, g_free);
  out = ctl (&site, c, 1, "--json", "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "pre_stop", NULL);
  document = exec_parse_json_object (out);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (document, "error"), "code"), ==,
                   "check-failed");
  assert_has (json_object_get_string_member (json_object_get_object_member (document, "error"), "message"),
              "business_check");
  g_clear_pointer (&document, json_object_unref);
  g_clear_pointer (&out, g_free);
  {
    g_autofree char *copies = db_site_query (&site, "SELECT COUNT(*) FROM information_schema.tables"
                                             " WHERE table_name = '%s_copy'", site.table);

    g_assert_cmpstr (copies, ==, "0");
  }
  /* Fixed: business_check passes, pre_stop runs. */
  db_site_execute (&site, "DELETE FROM %s WHERE id = 4", site.table);
  out = ctl (&site, c, 0, "--json", "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "business_check", NULL);
  document = exec_parse_json_object (out);
  g_assert_cmpstr (json_object_get_string_member (document, "verdict"), ==, "pass");
  g_clear_pointer (&document, json_object_unref);
  g_clear_pointer (&out, g_free);
  g_free (ctl (&site, c, 0, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "pre_stop", NULL));

  /* in_stop stops at the unique index: two orders share code A-2. */
  out = ctl (&site, c, 1, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop", NULL);
  assert_has (out, "FAILED");
  g_clear_pointer (&out, g_free);
  out = ctl (&site, c, 1, "--json", "status", NULL);
  document = exec_parse_json_object (out);
  in_stop_id = g_strdup (json_object_get_string_member (document, "execution_id"));
  g_assert_cmpstr (json_object_get_string_member (document, "status"), ==, "FAILED");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (document, "breakpoint"), "line"),
                   ==, 2);
  g_clear_pointer (&document, json_object_unref);
  g_clear_pointer (&out, g_free);
  out = ctl (&site, c, 1, "status", in_stop_id, NULL);
  assert_has (out, c->chinese ? "断点" : "breakpoint");
  g_clear_pointer (&out, g_free);

  /* The data is fixed; the operator retries the statement. */
  db_site_execute (&site, "UPDATE %s SET code = 'A-3' WHERE id = 3", site.table);
  out = ctl (&site, c, 0, "resume", in_stop_id, "--retry", NULL);
  g_clear_pointer (&out, g_free);
  {
    g_autofree char *regions = db_site_query (&site, "SELECT COUNT(*) FROM %s WHERE region = 'cn'", site.table);

    g_assert_cmpstr (regions, ==, "3");
  }

  g_free (ctl (&site, c, 0, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "post_start", NULL));
  g_free (ctl (&site, c, 0, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "post_upgrade", NULL));
  {
    g_autofree char *regions = db_site_query (&site, "SELECT COUNT(*) FROM %s WHERE region = 'cn-north'",
                                              site.table);

    g_assert_cmpstr (regions, ==, "3");
  }

  /* The whole upgrade in one report: every stage in order, the retry. */
  out = ctl (&site, c, 0, "--json", "report", "--upgrade", "--from", "0.9.0", "--to", "1.0.0", NULL);
  document = exec_parse_json_object (out);
  report = json_object_get_object_member (document, "report");
  g_assert_cmpstr (json_object_get_string_member (report, "status"), ==, "SUCCESS");
  executions = json_object_get_array_member (report, "executions");
  g_assert_cmpuint (json_array_get_length (executions), ==, G_N_ELEMENTS (stages));
  for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (executions, i), "stage"), ==,
                     stages[i]);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (report, "statements"), "retried"),
                   ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (report, "statements"), "failed"),
                   ==, 0);
  g_clear_pointer (&out, g_free);
  out = ctl (&site, c, 0, "report", "--upgrade", "--from", "0.9.0", "--to", "1.0.0", NULL);
  assert_has (out, c->chinese ? "站点 bj-01 的升级 0.9.0 → 1.0.0：SUCCESS，其中失败后重试成功 1 条"
                              : "Upgrade of site bj-01, 0.9.0 → 1.0.0: SUCCESS, with 1 retried after failure");
  assert_has (out, c->chinese ? "中断与续跑" : "Stops and resumes");
  assert_has (out, c->chinese ? "重试（resume --retry）" : "retried (resume --retry) by ");
  g_clear_pointer (&out, g_free);

  /* The support bundle of the execution that stopped, with the assessment. */
  archive = exec_fixture_path (&site.fx, "support.tar.gz");
  g_free (ctl (&site, c, 0, "report", in_stop_id, "--support-bundle", archive, NULL));
  {
    const char *argv[] = { "tar", "-xzOf", archive, NULL, NULL };
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;
    int status;

    member = g_strdup_printf ("upgrade-support-%s/assessment.json", in_stop_id);
    argv[3] = member;
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &text, NULL,
                                 &status, &error));
    g_assert_no_error (error);
    assert_has (text, "\"verdict\" : \"pass\"");
    assert_has (text, "negative_amount");
  }
  db_site_execute (&site, "DROP TABLE %s", site.table);
  db_site_clear (&site);
}

int
main (int argc, char **argv)
{
  static const char * const langs[] = { "C", "zh_CN.UTF-8" };
  static Case cases[G_N_ELEMENTS (databases) * 2];
  int status;

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    {
      db_start (&databases[i]);
      for (guint l = 0; l < G_N_ELEMENTS (langs); l++)
        {
          Case *c = &cases[i * 2 + l];
          g_autofree char *path = g_strdup_printf ("/walkthrough/%s/%s", databases[i].name,
                                                   l == 0 ? "C" : "zh_CN");

          c->db = &databases[i];
          c->lang = langs[l];
          c->chinese = l == 1;
          g_test_add_data_func (path, c, walk);
        }
    }
  status = g_test_run ();
  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    db_stop (&databases[i]);
  return status;
}
