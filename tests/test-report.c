/* test-report.c - execution and assessment reports in every format
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>
#include <upgrade.h>

#include "upg-support-bundle-private.h"
#include "upgradectl-spawn.h"
#include "upg-journal-write-private.h"

static JsonNode *
load_fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "assess", name, NULL);
  g_autoptr(GError) error = NULL;
  JsonNode *node;
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  node = json_from_string (text, &error);
  g_assert_no_error (error);
  return node;
}

typedef struct
{
  JsonNode *execution;
  JsonNode *statements;
  JsonNode *assessment;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->execution = load_fixture ("execution-failed.json");
  f->statements = load_fixture ("statements.json");
  f->assessment = load_fixture ("assessment.json");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  json_node_unref (f->execution);
  json_node_unref (f->statements);
  json_node_unref (f->assessment);
}

/* Asserts that @text holds each of the NULL-terminated @needles. */
static void
assert_contains_all (const char *text, const char * const *needles)
{
  for (guint i = 0; needles[i] != NULL; i++)
    if (strstr (text, needles[i]) == NULL)
      g_error ("expected to find \"%s\" in:\n%s", needles[i], text);
}

/* Asserts that @text holds none of the NULL-terminated @needles. */
static void
assert_contains_none (const char *text, const char * const *needles)
{
  for (guint i = 0; needles[i] != NULL; i++)
    if (strstr (text, needles[i]) != NULL)
      g_error ("did not expect \"%s\" in:\n%s", needles[i], text);
}

static char *
render_execution (Fixture *f, UpgReportFormat format)
{
  return upg_report_render_execution (json_node_get_object (f->execution),
                                      json_node_get_array (f->statements), format);
}

static void
test_format_names (void)
{
  UpgReportFormat format = UPG_REPORT_FORMAT_TEXT;
  g_autoptr(GError) error = NULL;

  g_assert_true (upg_report_format_from_string ("html", &format, NULL));
  g_assert_cmpint (format, ==, UPG_REPORT_FORMAT_HTML);
  g_assert_true (upg_report_format_from_string ("MD", &format, NULL));
  g_assert_cmpint (format, ==, UPG_REPORT_FORMAT_MARKDOWN);
  g_assert_cmpstr (upg_report_format_to_string (UPG_REPORT_FORMAT_JSON), ==, "json");
  g_assert_false (upg_report_format_from_string ("pdf", &format, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'pdf'"));
}

static void
test_execution_text (Fixture *f, gconstpointer data)
{
  g_autofree char *text = render_execution (f, UPG_REPORT_FORMAT_TEXT);
  const char * const expected[] = {
    "Upgrade execution 3f9c2a7e-5b1d-4c8e-9a6f-0d2b7e4c1a90: FAILED\n",
    "\n[SUCCESS] alter_orders_table.sql (2m30s)\n",
    "\n[SKIPPED] backup_legacy_data.sh (already succeeded in 0a1b2c3d-0000-4000-8000-000000000001)\n",
    "\n[FAILED] sql_002 (1.2s): Unknown column 'user_idx' in 'field list'\n",
    "\n[PENDING] cleanup <tmp> & co (not started)\n",
    "duration 2m31s, resumed 1 time\n",
    /* Each statement counted once; what was not simply applied, listed. */
    "5 statements: 3 applied, 1 skipped, 1 failed, 0 in doubt",
    "\nStatements not simply applied:\n",
    "  sql/317500/002_orders.sql:0 (step sql_002, statement 3): failed",
    "Breakpoint: step sql_002 at sql/317500/002_orders.sql:15 (statement 3)",
    "error 1054: Unknown column",
    NULL
  };

  assert_contains_all (text, expected);
}

static void
test_execution_json (Fixture *f, gconstpointer data)
{
  g_autofree char *text = render_execution (f, UPG_REPORT_FORMAT_JSON);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (text, &error);
  JsonObject *root, *step, *counts;
  JsonArray *steps;

  g_assert_no_error (error);
  root = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (root, "status"), ==, "FAILED");
  g_assert_cmpint (json_object_get_int_member (root, "duration_ms"), ==, 151500);
  steps = json_object_get_array_member (root, "steps");
  g_assert_cmpuint (json_array_get_length (steps), ==, 4);
  step = json_array_get_object_element (steps, 0);
  g_assert_cmpint (json_object_get_int_member (step, "statements"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (step, "statements_failed"), ==, 0);
  step = json_array_get_object_element (steps, 2);
  g_assert_cmpint (json_object_get_int_member (step, "statements"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (step, "statements_failed"), ==, 1);
  counts = json_object_get_object_member (root, "statements");
  g_assert_cmpint (json_object_get_int_member (counts, "total"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (counts, "skipped"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "breakpoint"), "error_code"),
                   ==, "1054");
}

static void
test_execution_markdown (Fixture *f, gconstpointer data)
{
  g_autofree char *text = render_execution (f, UPG_REPORT_FORMAT_MARKDOWN);

  g_assert_true (g_str_has_prefix (text, "# Upgrade execution `3f9c2a7e-5b1d-4c8e-9a6f-0d2b7e4c1a90`\n"));
  g_assert_nonnull (strstr (text, "| Status | **FAILED** |"));
  g_assert_nonnull (strstr (text, "| SUCCESS | alter_orders_table.sql | 3.17.5 | 2m30s | 2 | (2m30s)  |"));
  g_assert_nonnull (strstr (text, "```sql\nUPDATE orders SET user_idx = 0 WHERE user_id IS NULL\n```"));
}

static void
test_execution_html (Fixture *f, gconstpointer data)
{
  g_autofree char *html = render_execution (f, UPG_REPORT_FORMAT_HTML);
  const char * const expected[] = {
    "<title>Upgrade execution 3f9c2a7e-5b1d-4c8e-9a6f-0d2b7e4c1a90</title>",
    "<g class=\"stage-lane\" data-stage=\"in_stop\">",
    "<tr class=\"step status-failed\" data-step=\"sql_002\">",
    /* Step text is escaped, never markup. */
    "cleanup &lt;tmp&gt; &amp; co",
    NULL
  };

  /* Self-contained: nothing to fetch, nothing to run; no raw markup. */
  const char * const forbidden[] = { "<tmp>", "<script", "src=", "href=", "@import", NULL };

  g_assert_true (g_str_has_prefix (html, "<!DOCTYPE html>"));
  assert_contains_all (html, expected);
  assert_contains_none (html, forbidden);
}

static void
test_execution_minimal (void)
{
  g_autoptr(JsonNode) node = json_from_string ("{\"execution_id\": 5, \"steps\": [7, {\"status\": 3}]}", NULL);
  UpgReportFormat formats[] = { UPG_REPORT_FORMAT_TEXT, UPG_REPORT_FORMAT_JSON,
                                UPG_REPORT_FORMAT_MARKDOWN, UPG_REPORT_FORMAT_HTML };

  /* Mistyped members read as absent: the report renders, never crashes. */
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *text = upg_report_render_execution (json_node_get_object (node), NULL, formats[i]);

      g_assert_nonnull (text);
      g_assert_cmpuint (strlen (text), >, 0);
    }
}

static void
test_assessment_formats (Fixture *f, gconstpointer data)
{
  JsonObject *assessment = json_node_get_object (f->assessment);
  g_autofree char *text = upg_report_render_assessment (assessment, UPG_REPORT_FORMAT_TEXT);
  g_autofree char *markdown = upg_report_render_assessment (assessment, UPG_REPORT_FORMAT_MARKDOWN);
  g_autofree char *html = upg_report_render_assessment (assessment, UPG_REPORT_FORMAT_HTML);
  g_autofree char *json = upg_report_render_assessment (assessment, UPG_REPORT_FORMAT_JSON);
  g_autoptr(JsonNode) parsed = json_from_string (json, NULL);

  g_assert_true (g_str_has_prefix (text, "Upgrade assessment 3.17.4 → 3.17.5: WARN (mode: stop-service upgrade)\n"));
  g_assert_nonnull (strstr (text, "\n[PASS] resource free disk: free disk 120 GiB, needed 20 GiB\n"
                                  "    free_bytes=128849018880, required_bytes=21474836480\n"));
  g_assert_nonnull (strstr (text, "\n[WARN] compatibility order status: step sql_001"));
  g_assert_nonnull (strstr (text, "    suggestion: stop the service for this upgrade; a person confirms\n"));
  g_assert_nonnull (strstr (text, "[SKIPPED] data_quality legacy rule: not run"));
  g_assert_nonnull (strstr (text, "Estimate: 12m02s until the service is open again\n"));
  g_assert_nonnull (strstr (text, "  post_upgrade   2h05m\n"));

  g_assert_nonnull (strstr (markdown, "| WARN | compatibility | order status |"));

  g_assert_nonnull (strstr (html, "<tr class=\"item verdict-warn\" data-id=\"sql_001\">"));
  g_assert_nonnull (strstr (html, "data-stage=\"post_upgrade\""));
  g_assert_nonnull (strstr (html, "<line class=\"marker\""));

  g_assert_nonnull (parsed);
  g_assert_true (json_node_equal (parsed, f->assessment));
}

/* Records a failed in_stop execution in a fresh SQLite journal: one step
 * that succeeded (2 statements), one skipped, one failing at statement 2. */
static char *
record_execution (UpgJournal *journal)
{
  const gint64 t0 = G_GINT64_CONSTANT (1795000000000);
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL, *id = NULL, *statement = NULL;

  upg_journal_set_now (journal, t0 - 100000);
  first = upg_journal_create_execution (journal, "bj-01", "ft", "3.17.4", "3.17.5", UPG_STAGE_IN_STOP,
                                        UPG_EXECUTION_KIND_RUN, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (upg_journal_begin_step (journal, first, "ft", "3.17.5", "backup", UPG_STAGE_IN_STOP, &error));
  g_assert_true (upg_journal_finish_step (journal, first, "ft", "3.17.5", "backup", UPG_STEP_STATUS_SUCCESS,
                                          NULL, &error));
  upg_journal_set_now (journal, t0);
  id = upg_journal_create_execution (journal, "bj-01", "ft", "3.17.4", "3.17.5", UPG_STAGE_IN_STOP,
                                     UPG_EXECUTION_KIND_RUN, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (upg_journal_begin_step (journal, id, "ft", "3.17.5", "alter_orders_table.sql",
                                         UPG_STAGE_IN_STOP, &error));
  for (guint i = 1; i <= 2; i++)
    {
      g_autofree char *record = upg_journal_begin_statement (journal, id, "ft", "3.17.5", "alter_orders_table.sql",
                                                             "sql/a.sql", i, i, "ALTER TABLE orders ADD x INT",
                                                             "ft_db", &error);

      g_assert_no_error (error);
      g_assert_true (upg_journal_finish_statement (journal, record, UPG_STATEMENT_STATUS_SUCCESS, 0,
                                                   NULL, NULL, &error));
    }
  upg_journal_set_now (journal, t0 + 150000);
  g_assert_true (upg_journal_finish_step (journal, id, "ft", "3.17.5", "alter_orders_table.sql",
                                          UPG_STEP_STATUS_SUCCESS, NULL, &error));
  g_assert_true (upg_journal_skip_step (journal, id, "ft", "3.17.5", "backup", UPG_STAGE_IN_STOP,
                                        "already succeeded in earlier-run", &error));
  g_assert_true (upg_journal_begin_step (journal, id, "ft", "3.17.5", "sql_002", UPG_STAGE_IN_STOP, &error));
  statement = upg_journal_begin_statement (journal, id, "ft", "3.17.5", "sql_002", "sql/b.sql", 15, 1,
                                           "UPDATE orders SET user_idx = 0", "ft_db", &error);
  upg_journal_set_now (journal, t0 + 151200);
  g_assert_true (upg_journal_finish_statement (journal, statement, UPG_STATEMENT_STATUS_FAILED, 0, "1054",
                                               "Unknown column 'user_idx'", &error));
  g_assert_true (upg_journal_save_breakpoint (journal, id, "sql_002", "sql/b.sql", 15, 1,
                                              "UPDATE orders SET user_idx = 0", "1054",
                                              "Unknown column 'user_idx'", &error));
  g_assert_true (upg_journal_finish_step (journal, id, "ft", "3.17.5", "sql_002", UPG_STEP_STATUS_FAILED,
                                          "1054: Unknown column 'user_idx'", &error));
  g_assert_true (upg_journal_set_execution_status (journal, id, UPG_EXECUTION_STATUS_FAILED,
                                                   "step sql_002 failed", &error));
  g_assert_no_error (error);
  return g_steal_pointer (&id);
}

static void
test_from_journal (void)
{
  g_autofree char *dir = g_dir_make_tmp ("upg-report-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgJournal) journal = upg_journal_open_sqlite (path, &error);
  g_autofree char *id = NULL, *text = NULL, *stored = NULL, *html = NULL;
  const char *argv[] = { "rm", "-rf", dir, NULL };

  g_assert_no_error (error);
  id = record_execution (journal);
  text = upg_report_for_execution (journal, id, UPG_REPORT_FORMAT_TEXT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (text, ": FAILED\n"));
  g_assert_nonnull (strstr (text, "\n[SUCCESS] alter_orders_table.sql (2m30s)\n"));
  g_assert_nonnull (strstr (text, "\n[SKIPPED] backup (already succeeded in earlier-run)\n"));
  g_assert_nonnull (strstr (text, "\n[FAILED] sql_002 (1.2s): 1054: Unknown column 'user_idx'\n"));
  g_assert_nonnull (strstr (text, "3 statements: 2 applied, 1 failed, 0 in doubt"));
  g_assert_nonnull (strstr (text, "Breakpoint: step sql_002 at sql/b.sql:15 (statement 1)"));

  /* Stored in upgrade_report, per format. */
  stored = upg_journal_get_report (journal, id, "text", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored, ==, text);
  html = upg_report_for_execution (journal, id, UPG_REPORT_FORMAT_HTML, &error);
  g_assert_no_error (error);
  g_clear_pointer (&stored, g_free);
  stored = upg_journal_get_report (journal, id, "html", &error);
  g_assert_cmpstr (stored, ==, html);

  g_assert_null (upg_report_for_execution (journal, "no-such-execution", UPG_REPORT_FORMAT_TEXT, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND);
  g_clear_object (&journal);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

static void
test_scrub (void)
{
  const char * const secrets[] = { "s3cr3t-value", NULL };
  const char *input =
    "connect host=db user=upgrade password=hunter22 dbname=ft\n"
    "PGPASSWORD=pg-secret psql -h db\n"
    "export FT_DB_PASSWORD='quoted secret'\n"
    "{\"password\": \"json \\\"secret\\\"\", \"password_env\": \"FT_DB_PASSWORD\"}\n"
    "Authorization: Bearer abc.def-ghi\n"
    "CREATE USER u IDENTIFIED BY 'sqlpass';\n"
    "the known value s3cr3t-value appears in a log line\n";
  g_autofree char *out = upg_support_bundle_scrub (input, secrets);
  const char * const gone[] = {
    "hunter22", "pg-secret", "quoted secret", "json", "abc.def-ghi", "sqlpass", "s3cr3t-value", NULL
  };
  const char * const kept[] = {
    "password=****** dbname=ft", "\"password\": \"******\"",
    /* Names of variables and files are not secrets: kept for support. */
    "\"password_env\": \"FT_DB_PASSWORD\"",
    "IDENTIFIED BY '******'",
    NULL
  };

  assert_contains_none (out, gone);
  assert_contains_all (out, kept);
}

static void
test_collect_secrets (void)
{
  g_autofree char *dir = g_dir_make_tmp ("upg-secrets-XXXXXX", NULL);
  g_autofree char *config = g_build_filename (dir, "upgrade.json", NULL);
  g_autofree char *pw_file = g_build_filename (dir, "mid.pw", NULL);
  g_autofree char *json = g_strdup_printf (
    "{\"datasources\": {\"a\": {\"password_env\": \"UPG_TEST_SECRET_ENV\"},"
    " \"b\": {\"password_file\": \"mid.pw\"}, \"c\": {\"password\": \"inline-pass\"}},"
    " \"service\": {\"token_file\": \"%s\"}}", pw_file);
  g_auto(GStrv) secrets = NULL;

  g_assert_true (g_file_set_contents (config, json, -1, NULL));
  g_assert_true (g_file_set_contents (pw_file, "file-pass\n", -1, NULL));
  g_setenv ("UPG_TEST_SECRET_ENV", "env-pass", TRUE);
  secrets = upg_support_bundle_collect_secrets (config);
  g_assert_true (g_strv_contains ((const char * const *) secrets, "env-pass"));
  g_assert_true (g_strv_contains ((const char * const *) secrets, "file-pass"));
  g_assert_true (g_strv_contains ((const char * const *) secrets, "inline-pass"));
  /* The same file named twice is one secret. */
  g_assert_cmpuint (g_strv_length (secrets), ==, 3);
  g_unsetenv ("UPG_TEST_SECRET_ENV");
  g_remove (pw_file);
  g_remove (config);
  g_rmdir (dir);
}

static char *
run_tar (const char *archive, const char *option, const char *member)
{
  const char *argv[] = { "tar", option, archive, member, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("tar %s failed: %s", option, err);
  return g_steal_pointer (&out);
}

static void
test_tar_gz (void)
{
  g_autofree char *dir = g_dir_make_tmp ("upg-bundle-XXXXXX", NULL);
  g_autofree char *archive = g_build_filename (dir, "out.tar.gz", NULL);
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_bundle_entry_free);
  g_autoptr(GBytes) small = g_bytes_new_static ("hello\n", 6);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autofree char *big_text = g_strnfill (1500, 'x');
  g_autoptr(GBytes) big = g_bytes_new (big_text, 1500);
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *content = NULL;
  g_autofree char *big_out = NULL;
  g_autofree char *long_name = g_strnfill (101, 'n');

  g_ptr_array_add (entries, upg_bundle_entry_new ("bundle/hello.txt", small));
  g_ptr_array_add (entries, upg_bundle_entry_new ("bundle/empty", empty));
  g_ptr_array_add (entries, upg_bundle_entry_new ("bundle/big.log", big));
  g_assert_true (upg_support_bundle_write_tar_gz (archive, entries, 1700000000, &error));
  g_assert_no_error (error);

  /* The system tar reads it: the format is real ustar in gzip. */
  listing = run_tar (archive, "-tzf", NULL);
  g_assert_cmpstr (listing, ==, "bundle/hello.txt\nbundle/empty\nbundle/big.log\n");
  content = run_tar (archive, "-xzOf", "bundle/hello.txt");
  g_assert_cmpstr (content, ==, "hello\n");
  big_out = run_tar (archive, "-xzOf", "bundle/big.log");
  g_assert_cmpstr (big_out, ==, big_text);

  /* A name ustar cannot hold is an error, and the old file stays. */
  g_ptr_array_add (entries, upg_bundle_entry_new (long_name, small));
  g_assert_false (upg_support_bundle_write_tar_gz (archive, entries, 0, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_clear_pointer (&listing, g_free);
  listing = run_tar (archive, "-tzf", NULL);
  g_assert_cmpstr (listing, ==, "bundle/hello.txt\nbundle/empty\nbundle/big.log\n");

  g_remove (archive);
  g_rmdir (dir);
}

static void
test_support_bundle (void)
{
  g_autofree char *dir = g_dir_make_tmp ("upg-support-XXXXXX", NULL);
  g_autofree char *journal_path = g_build_filename (dir, "journal.db", NULL);
  g_autofree char *config = g_build_filename (dir, "upgrade.json", NULL);
  g_autofree char *logs = g_build_filename (dir, "logs", NULL);
  g_autofree char *archive = g_build_filename (dir, "out.tar.gz", NULL);
  g_autofree char *log = NULL, *log_name = NULL, *listing = NULL, *expected = NULL, *member = NULL;
  g_autofree char *log_out = NULL, *everything = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgJournal) journal = upg_journal_open_sqlite (journal_path, &error);
  g_autofree char *id = NULL;
  const char *argv[] = { "rm", "-rf", dir, NULL };
  const char *cat_argv[] = { "sh", "-c", "tar -xzOf \"$0\"", archive, NULL };

  g_assert_no_error (error);
  id = record_execution (journal);
  g_setenv ("UPG_TEST_FT_PASSWORD", "Tr0ub4dor&3", TRUE);
  g_assert_true (g_file_set_contents (config,
                                      "{\"datasources\": {\"ft_db\": {\"provider\": \"MySQL\","
                                      " \"password_env\": \"UPG_TEST_FT_PASSWORD\"}}}", -1, NULL));
  g_assert_cmpint (g_mkdir (logs, 0700), ==, 0);
  log_name = g_strconcat (id, ".log", NULL);
  log = g_build_filename (logs, log_name, NULL);
  g_assert_true (g_file_set_contents (log, "[2026-11-21 02:00:00] connect with Tr0ub4dor&3\n"
                                      "[2026-11-21 02:00:01] PGPASSWORD=pg-pass psql\n", -1, NULL));

  g_assert_true (upg_support_bundle_create (journal, id, dir, config, NULL, NULL, NULL, archive, &error));
  g_assert_no_error (error);
  listing = run_tar (archive, "-tzf", NULL);
  expected = g_strdup_printf ("upgrade-support-%s/execution.json\nupgrade-support-%s/statements.json\n"
                              "upgrade-support-%s/report.txt\nupgrade-support-%s/report.json\n"
                              "upgrade-support-%s/report.html\nupgrade-support-%s/breakpoint.json\n"
                              "upgrade-support-%s/config.json\n"
                              "upgrade-support-%s/%s.log\nupgrade-support-%s/README\n",
                              id, id, id, id, id, id, id, id, id, id);
  g_assert_cmpstr (listing, ==, expected);
  member = g_strdup_printf ("upgrade-support-%s/%s.log", id, id);
  log_out = run_tar (archive, "-xzOf", member);
  g_assert_cmpstr (log_out, ==, "[2026-11-21 02:00:00] connect with ******\n"
                                "[2026-11-21 02:00:01] PGPASSWORD=****** psql\n");
  g_assert_true (g_spawn_sync (NULL, (char **) cat_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &everything, NULL, NULL, &error));
  g_assert_null (strstr (everything, "Tr0ub4dor"));
  g_assert_null (strstr (everything, "pg-pass"));
  g_assert_nonnull (strstr (everything, "plan.json: not included (no bundle given)"));
  g_assert_nonnull (strstr (everything, "assessment.json: not included (not assessed)"));
  g_assert_nonnull (strstr (everything, "Unknown column 'user_idx'"));

  g_unsetenv ("UPG_TEST_FT_PASSWORD");
  g_clear_object (&journal);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

static void
test_cli_report (void)
{
  g_autofree char *dir = g_dir_make_tmp ("upg-report-cli-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autofree char *archive = g_build_filename (dir, "support.tar.gz", NULL);
  g_autofree char *out = NULL, *id = NULL, *listing = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgJournal) journal = upg_journal_open_sqlite (path, &error);
  g_autoptr(JsonNode) node = NULL;
  const char *argv[] = { "rm", "-rf", dir, NULL };

  g_assert_no_error (error);
  id = record_execution (journal);
  g_clear_object (&journal);

  g_assert_cmpint (upgradectl_spawn (NULL, &out, "--state-dir", dir, "report", id, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\n[SUCCESS] alter_orders_table.sql (2m30s)\n"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (upgradectl_spawn (NULL, &out, "--state-dir", dir, "report", id, "--format", "markdown",
                                     "--support-bundle", archive, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "| FAILED | sql_002 |"));
  listing = run_tar (archive, "-tzf", NULL);
  g_assert_nonnull (strstr (listing, "/report.html\n"));
  /* Nothing to assess with: assessment.json says why, the bundle is written. */
  {
    g_autofree char *member = g_strdup_printf ("upgrade-support-%s/assessment.json", id);
    g_autofree char *text = run_tar (archive, "-xzOf", member);

    g_assert_nonnull (strstr (text, "\"assessed\" : false"));
    g_assert_nonnull (strstr (text, "no bundle given (-b)"));
  }
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (upgradectl_spawn (NULL, &out, "--json", "--state-dir", dir, "report", id, NULL), ==, 0);
  node = json_from_string (out, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_node_get_object (node),
                                                                                 "report"), "status"),
                   ==, "FAILED");
  g_clear_pointer (&out, g_free);

  /* Operators reading Chinese get the report in Chinese. */
  g_assert_cmpint (upgradectl_spawn ("zh_CN.UTF-8", &out, "--state-dir", dir, "report", id, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "升级执行 "));
  g_assert_nonnull (strstr (out, "3 条语句：成功 2，失败 1，存疑 0"));
  /* The engine journals why a step was skipped in English. */
  g_assert_nonnull (strstr (out, "[SKIPPED] backup （已在 earlier-run 中成功）\n"));
  g_assert_null (strstr (out, "already succeeded"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (upgradectl_spawn (NULL, &out, "--json", "--state-dir", dir, "report", "nope", NULL), ==, 2);
  g_assert_nonnull (strstr (out, "\"error\""));
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

/* What support asks first, from `report --support-bundle` as an operator
 * runs it: which source is which kind and version (one reachable, one
 * not), the configuration without secret values, and the bundle's files
 * by hash so that a copy can be checked with `sha256sum -c`. */
static void
test_cli_support_bundle_contents (void)
{
  g_autofree char *dir = g_dir_make_tmp ("upg-support-cli-XXXXXX", NULL);
  g_autofree char *journal_path = g_build_filename (dir, "journal.db", NULL);
  g_autofree char *config = g_build_filename (dir, "upgrade.json", NULL);
  g_autofree char *archive = g_build_filename (dir, "support.tar.gz", NULL);
  g_autofree char *bundle = g_test_build_filename (G_TEST_DIST, "..", "examples", "bundle", NULL);
  g_autofree char *manifest = g_build_filename (bundle, "manifests", NULL);
  g_autofree char *config_text = NULL, *id = NULL, *member = NULL, *text = NULL, *out = NULL;
  g_autofree char *first_manifest = NULL, *contents = NULL, *sha = NULL, *line = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgJournal) journal = upg_journal_open_sqlite (journal_path, &error);
  g_autoptr(GDir) manifests = NULL;
  gsize length;
  const char *argv[] = { "rm", "-rf", dir, NULL };

  g_assert_no_error (error);
  id = record_execution (journal);
  g_clear_object (&journal);
  config_text = g_strdup_printf ("{\"site_id\": \"bj-01\","
                                 " \"env\": {\"cluster_id\": \"bj-01\", \"api_token\": \"s3cr3t-value\"},"
                                 " \"datasources\": {"
                                 "  \"app\": {\"provider\": \"SQLite\", \"path\": \"%s/app.sqlite\"},"
                                 "  \"ft\": {\"provider\": \"MySQL\", \"host\": \"127.0.0.1\", \"port\": 9,"
                                 "           \"database\": \"ft\", \"user\": \"upgrade\"}}}", dir);
  g_assert_true (g_file_set_contents (config, config_text, -1, NULL));

  g_assert_cmpint (upgradectl_spawn (NULL, &out, "-c", config, "-b", bundle, "--state-dir", dir,
                                     "report", id, "--support-bundle", archive, NULL), ==, 0);

  member = g_strdup_printf ("upgrade-support-%s/datasources.json", id);
  text = run_tar (archive, "-xzOf", member);
  g_assert_nonnull (strstr (text, "\"name\" : \"app\""));
  g_assert_nonnull (strstr (text, "\"provider\" : \"SQLite\""));
  g_assert_nonnull (strstr (text, "\"server_version\" : \"3."));
  g_assert_nonnull (strstr (text, "\"provider\" : \"MySQL\""));
  g_assert_nonnull (strstr (text, "\"unreachable\" : \""));
  g_clear_pointer (&member, g_free);
  g_clear_pointer (&text, g_free);

  /* The assessment of the execution's from/to/site, run now. */
  member = g_strdup_printf ("upgrade-support-%s/assessment.json", id);
  text = run_tar (archive, "-xzOf", member);
  g_assert_nonnull (strstr (text, "\"verdict\" : \""));
  g_assert_nonnull (strstr (text, "\"from\" : \"3.17.4\""));
  g_assert_nonnull (strstr (text, "\"site\" : \"bj-01\""));
  g_assert_nonnull (strstr (text, "\"check\" : \"compatibility\""));
  g_clear_pointer (&member, g_free);
  g_clear_pointer (&text, g_free);

  member = g_strdup_printf ("upgrade-support-%s/config.json", id);
  text = run_tar (archive, "-xzOf", member);
  g_assert_null (strstr (text, "s3cr3t-value"));
  g_assert_nonnull (strstr (text, "\"api_token\" : \"******\""));
  g_assert_nonnull (strstr (text, "\"cluster_id\" : \"bj-01\""));
  g_clear_pointer (&member, g_free);
  g_clear_pointer (&text, g_free);

  manifests = g_dir_open (manifest, 0, &error);
  g_assert_no_error (error);
  first_manifest = g_build_filename (manifest, g_dir_read_name (manifests), NULL);
  g_assert_true (g_file_get_contents (first_manifest, &contents, &length, NULL));
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  line = g_strdup_printf ("%s  manifests/%s\n", sha, strrchr (first_manifest, '/') + 1);
  member = g_strdup_printf ("upgrade-support-%s/bundle.sha256", id);
  text = run_tar (archive, "-xzOf", member);
  g_assert_nonnull (strstr (text, line));

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/report/format-names", test_format_names);
  g_test_add ("/report/execution/text", Fixture, NULL, fixture_setup, test_execution_text, fixture_teardown);
  g_test_add ("/report/execution/json", Fixture, NULL, fixture_setup, test_execution_json, fixture_teardown);
  g_test_add ("/report/execution/markdown", Fixture, NULL, fixture_setup, test_execution_markdown, fixture_teardown);
  g_test_add ("/report/execution/html", Fixture, NULL, fixture_setup, test_execution_html, fixture_teardown);
  g_test_add_func ("/report/execution/minimal", test_execution_minimal);
  g_test_add ("/report/assessment/formats", Fixture, NULL, fixture_setup, test_assessment_formats, fixture_teardown);

  g_test_add_func ("/report/execution/from-journal", test_from_journal);
  g_test_add_func ("/report/bundle/scrub", test_scrub);
  g_test_add_func ("/report/bundle/collect-secrets", test_collect_secrets);
  g_test_add_func ("/report/bundle/tar-gz", test_tar_gz);
  g_test_add_func ("/report/bundle/support", test_support_bundle);
  g_test_add_func ("/report/cli", test_cli_report);
  g_test_add_func ("/report/cli/support-bundle-contents", test_cli_support_bundle_contents);

  return g_test_run ();
}
