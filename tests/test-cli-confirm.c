/* test-cli-confirm.c - `run --confirm` records its confirmations only for a
 * run that starts: a run refused (bad script, unknown or unreachable data
 * source, check stage not passed, site locked, bad version) leaves no
 * confirmation in the journal, so the next plain `run` is still refused
 * with exit 6 (SPEC §3, §9), on SQLite with the real upgradectl
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "exec-test-util.h"

#define ctl_json(fx, code, ...) exec_fixture_ctl_json ((fx), NULL, (code), __VA_ARGS__, NULL)
#define RUN_IN_STOP "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stop"

/* 1.0.0 of "app": in in_stop a compatible step, then `code_index`
 * without compatible_version (it needs confirmation), on data source
 * @database of the configuration's app.sqlite ("db"). */
static void
setup (ExecFixture *fx,
       const char  *database,
       const char  *extra_manifest_json)
{
  g_autofree char *source = NULL, *sources = NULL, *db = NULL, *manifest = NULL;

  exec_fixture_init (fx);
  source = exec_fixture_sqlite_source (fx, "app.sqlite");
  sources = g_strdup_printf ("\"db\": %s", source);
  db = exec_fixture_path (fx, "app.sqlite");
  exec_sqlite_exec (db, "CREATE TABLE orders (id INTEGER PRIMARY KEY, code TEXT, amount INTEGER);"
                        "INSERT INTO orders VALUES (1, 'A-1', 10), (2, 'A-2', -5);");
  manifest = g_strdup_printf (
    "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",%s\n"
    " \"upgrade_steps\": {\"in_stop\": [\n"
    "  {\"id\": \"amount_index\", \"compatible_version\": \"0.1.0\", \"database\": \"db\","
    "   \"sql_scripts\": [\"sql/first.sql\"]},\n"
    "  {\"id\": \"code_index\", \"database\": \"%s\", \"sql_scripts\": [\"sql/in.sql\"]}]}}\n",
    extra_manifest_json != NULL ? extra_manifest_json : "", database);
  exec_fixture_write (fx, "bundle/manifests/1.0.0.json", manifest);
  exec_fixture_write (fx, "bundle/sql/first.sql", "CREATE INDEX orders_amount ON orders (amount);\n");
  exec_fixture_write (fx, "bundle/sql/in.sql", "CREATE INDEX orders_code ON orders (code);\n");
  exec_fixture_write_config (fx, "bj-01", sources);
}

/* The operator's view after a refused `run --confirm`: nothing ran,
 * `plan` says code_index is not confirmed, the journal holds no
 * confirmation, and a plain run is refused for want of one. */
static void
assert_nothing_confirmed (ExecFixture *fx)
{
  g_autofree char *journal = g_build_filename (fx->state, "journal.db", NULL);
  g_autofree char *db = exec_fixture_path (fx, "app.sqlite");
  g_autoptr(JsonObject) plan = NULL;
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) history = NULL;
  JsonArray *incompatible;
  JsonArray *steps;

  plan = ctl_json (fx, 0, "plan", "--from", "0.9.0", "--to", "1.0.0");
  incompatible = json_object_get_array_member (plan, "incompatible");
  g_assert_cmpuint (json_array_get_length (incompatible), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (incompatible, 0), "id"), ==,
                   "code_index");
  g_assert_false (json_object_get_boolean_member (json_array_get_object_element (incompatible, 0), "confirmed"));
  if (g_file_test (journal, G_FILE_TEST_EXISTS))
    g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM upgrade_confirmation"), ==, 0);

  refused = ctl_json (fx, 6, RUN_IN_STOP);
  exec_assert_json_error (refused, "confirmation_required", "code_index");
  steps = json_object_get_array_member (json_object_get_object_member (refused, "error"), "steps");
  g_assert_cmpuint (json_array_get_length (steps), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (steps, 0), "id"), ==,
                   "code_index");

  /* Not even the compatible step before it ran. */
  g_assert_cmpint (exec_sqlite_int (db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'orders_amount'"), ==, 0);
  g_assert_cmpint (exec_sqlite_int (db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'orders_code'"), ==, 0);
}

/* Once the cause is gone, `run --confirm` runs, and its confirmation is
 * journaled with the execution that gave it. */
static void
assert_confirmed_by_run (ExecFixture *fx)
{
  g_autofree char *journal = g_build_filename (fx->state, "journal.db", NULL);
  g_autofree char *who = g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());
  g_autofree char *query = NULL;
  g_autoptr(JsonObject) ran = NULL;
  g_autoptr(JsonObject) again = NULL;

  ran = ctl_json (fx, 0, RUN_IN_STOP, "--confirm");
  g_assert_cmpstr (json_object_get_string_member (ran, "status"), ==, "SUCCESS");
  query = g_strdup_printf ("SELECT COUNT(*) FROM upgrade_confirmation WHERE site_id = 'bj-01'"
                           " AND from_version = '0.9.0' AND to_version = '1.0.0' AND step_id = 'code_index'"
                           " AND confirmed_by = '%s' AND via = 'run' AND execution_id = '%s'",
                           who, json_object_get_string_member (ran, "execution_id"));
  g_assert_cmpint (exec_sqlite_int (journal, query), ==, 1);
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM upgrade_confirmation"), ==, 1);
  /* It holds for the plan: the same stage again needs no --confirm. */
  again = ctl_json (fx, 0, RUN_IN_STOP);
  g_assert_cmpstr (json_object_get_string_member (again, "status"), ==, "SUCCESS");
}

/* A script the splitter refuses (invalid-bundle), found when the steps
 * are prepared. */
static void
test_bad_script (void)
{
  ExecFixture fx;
  g_autoptr(JsonObject) refused = NULL;

  setup (&fx, "db", NULL);
  exec_fixture_write (&fx, "bundle/sql/in.sql", "CREATE INDEX orders_code ON orders (code);\n"
                                                "INSERT INTO orders (code) VALUES ('open);\n");
  refused = ctl_json (&fx, 2, RUN_IN_STOP, "--confirm");
  exec_assert_json_error (refused, "invalid-bundle", "sql/in.sql:2");
  assert_nothing_confirmed (&fx);

  exec_fixture_write (&fx, "bundle/sql/in.sql", "CREATE INDEX orders_code ON orders (code);\n");
  assert_confirmed_by_run (&fx);
  exec_fixture_clear (&fx);
}

/* A step naming a data source the configuration lacks. */
static void
test_unknown_source (void)
{
  ExecFixture fx;
  g_autoptr(JsonObject) refused = NULL;
  g_autofree char *source = NULL, *sources = NULL;

  setup (&fx, "reports", NULL);
  refused = ctl_json (&fx, 2, RUN_IN_STOP, "--confirm");
  exec_assert_json_error (refused, "invalid-config", "reports");
  assert_nothing_confirmed (&fx);

  source = exec_fixture_sqlite_source (&fx, "app.sqlite");
  sources = g_strdup_printf ("\"db\": %s, \"reports\": %s", source, source);
  exec_fixture_write_config (&fx, "bj-01", sources);
  assert_confirmed_by_run (&fx);
  exec_fixture_clear (&fx);
}

/* A data source that cannot be opened (its directory does not exist). */
static void
test_unreachable_source (void)
{
  ExecFixture fx;
  g_autoptr(JsonObject) refused = NULL;
  g_autofree char *missing = NULL, *sources = NULL, *source = NULL;

  setup (&fx, "db", NULL);
  missing = exec_fixture_sqlite_source (&fx, "no-such-dir/app.sqlite");
  sources = g_strdup_printf ("\"db\": %s", missing);
  exec_fixture_write_config (&fx, "bj-01", sources);
  refused = ctl_json (&fx, 1, RUN_IN_STOP, "--confirm");
  exec_assert_json_error (refused, "datasource", "no-such-dir");
  /* The plan is the same whatever the data source: the check below holds. */
  g_clear_pointer (&sources, g_free);
  source = exec_fixture_sqlite_source (&fx, "app.sqlite");
  sources = g_strdup_printf ("\"db\": %s", source);
  exec_fixture_write_config (&fx, "bj-01", sources);
  assert_nothing_confirmed (&fx);
  assert_confirmed_by_run (&fx);
  exec_fixture_clear (&fx);
}

/* business_check failed: in_stop is refused by the check gate. */
static void
test_check_gate (void)
{
  ExecFixture fx;
  g_autoptr(JsonObject) checked = NULL;
  g_autoptr(JsonObject) refused = NULL;
  g_autofree char *db = NULL;

  setup (&fx, "db",
         "\n \"checks\": {\"data_quality\": [\n"
         "  {\"id\": \"negative_amount\", \"name\": \"orders with a negative amount\", \"database\": \"db\","
         "   \"sql\": \"SELECT COUNT(*) FROM orders WHERE amount < 0\", \"threshold\": 0, \"severity\": \"fail\","
         "   \"min_version\": \"0.1.0\", \"max_version\": \"1.0.0\"}]},");
  checked = ctl_json (&fx, 1, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "business_check");
  g_assert_cmpstr (json_object_get_string_member (checked, "status"), ==, "FAILED");
  refused = ctl_json (&fx, 1, RUN_IN_STOP, "--confirm");
  exec_assert_json_error (refused, "check-failed", "business_check");
  assert_nothing_confirmed (&fx);

  db = exec_fixture_path (&fx, "app.sqlite");
  exec_sqlite_exec (db, "UPDATE orders SET amount = 5 WHERE id = 2");
  g_clear_pointer (&checked, json_object_unref);
  checked = ctl_json (&fx, 0, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "business_check");
  assert_confirmed_by_run (&fx);
  exec_fixture_clear (&fx);
}

/* Another upgrade holds the site's lock (this test process). */
static void
test_locked (void)
{
  ExecFixture fx;
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) plan = NULL;
  g_autoptr(UpgJournal) holder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *journal = NULL;

  setup (&fx, "db", NULL);
  /* The journal exists once upgradectl opened it. */
  plan = ctl_json (&fx, 0, "plan", "--from", "0.9.0", "--to", "1.0.0");
  journal = g_build_filename (fx.state, "journal.db", NULL);
  holder = upg_journal_open_sqlite (journal, &error);
  g_assert_no_error (error);
  g_assert_true (upg_journal_acquire_lock (holder, "bj-01", "held-by-test", NULL, &error));
  g_assert_no_error (error);
  refused = ctl_json (&fx, 3, RUN_IN_STOP, "--confirm");
  exec_assert_json_error (refused, "locked", "bj-01");
  g_assert_true (upg_journal_release_lock (holder, "bj-01", &error));
  g_assert_no_error (error);
  assert_nothing_confirmed (&fx);
  assert_confirmed_by_run (&fx);
  exec_fixture_clear (&fx);
}

/* Bad input found before the plan: a version above the bundle's newest,
 * a site of no configuration, a stage that does not exist; and a
 * `confirm` naming a step of the plan and a step of none. */
static void
test_bad_request (void)
{
  ExecFixture fx;
  g_autoptr(JsonObject) newer = NULL;
  g_autoptr(JsonObject) site = NULL;
  g_autoptr(JsonObject) stage = NULL;
  g_autoptr(JsonObject) mixed = NULL;

  setup (&fx, "db", NULL);
  newer = ctl_json (&fx, 2, "run", "--from", "0.9.0", "--to", "2.0.0", "--stage", "in_stop", "--confirm");
  exec_assert_json_error (newer, "plan", "1.0.0");
  site = ctl_json (&fx, 2, RUN_IN_STOP, "--site", "bj-1", "--confirm");
  exec_assert_json_error (site, "invalid-argument", "bj-1");
  stage = ctl_json (&fx, 2, "run", "--from", "0.9.0", "--to", "1.0.0", "--stage", "in_stopp", "--confirm");
  exec_assert_json_error (stage, "invalid-stage", "in_stopp");
  /* `confirm` with a good step id and a mistyped one confirms neither. */
  mixed = ctl_json (&fx, 2, "confirm", "--from", "0.9.0", "--to", "1.0.0", "--step", "code_index",
                    "--step", "code_indx");
  exec_assert_json_error (mixed, "invalid-argument", "--step code_indx: no step of the plan has this id");
  assert_nothing_confirmed (&fx);
  assert_confirmed_by_run (&fx);
  exec_fixture_clear (&fx);
}

/* code_index repeated by the manifest of 0.9.5: a mistyped `--step`
 * names it once among the steps that need confirmation, not once per
 * version. */
static void
test_typo_names_each_step_once (void)
{
  ExecFixture fx;
  g_autoptr(JsonObject) typo = NULL;
  const char *message;

  setup (&fx, "db", NULL);
  exec_fixture_write (&fx, "bundle/manifests/0.9.5.json",
    "{\"version\": \"0.9.5\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"upgrade_steps\": {\"in_stop\": [\n"
    "  {\"id\": \"code_index\", \"database\": \"db\", \"sql_scripts\": [\"sql/in.sql\"]}]}}\n");
  typo = ctl_json (&fx, 2, "confirm", "--from", "0.9.0", "--to", "1.0.0", "--step", "code_indx");
  exec_assert_json_error (typo, "invalid-argument", "--step code_indx: no step of the plan has this id");
  message = json_object_get_string_member (json_object_get_object_member (typo, "error"), "message");
  if (!g_str_has_suffix (message, "need confirmation: code_index"))
    g_error ("expected code_index listed once in: %s", message);
  exec_fixture_clear (&fx);
}

/* `plan` in Chinese says once that code_index needs a person, then why:
 * the reason's own "needs manual confirmation" ending is left out in
 * the operator's language too, not only in English. */
static void
test_plan_reason_chinese (void)
{
  const char *zh[] = { "LANG", "zh_CN.UTF-8", "LANGUAGE", "zh_CN", "LC_ALL", "zh_CN.UTF-8", NULL };
  const char *c[] = { "LANG", "C", "LC_ALL", "C", "LANGUAGE", "", NULL };
  ExecFixture fx;
  g_autofree char *out = NULL, *c_out = NULL;

  g_assert_nonnull (g_getenv ("UPGRADE_LOCALEDIR"));
  setup (&fx, "db", NULL);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, zh, &out, "plan", "--from", "0.9.0", "--to", "1.0.0",
                                                     NULL)), ==, 0);
  if (strstr (out, "需要人工确认：未声明 compatible_version\n") == NULL)
    g_error ("the plan does not say why once:\n%s", out);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, c, &c_out, "plan", "--from", "0.9.0", "--to", "1.0.0",
                                                     NULL)), ==, 0);
  g_assert_nonnull (strstr (c_out, "needs manual confirmation: no compatible_version declared\n"));
  exec_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-confirm/bad-script", test_bad_script);
  g_test_add_func ("/cli-confirm/unknown-source", test_unknown_source);
  g_test_add_func ("/cli-confirm/unreachable-source", test_unreachable_source);
  g_test_add_func ("/cli-confirm/check-gate", test_check_gate);
  g_test_add_func ("/cli-confirm/locked", test_locked);
  g_test_add_func ("/cli-confirm/bad-request", test_bad_request);
  g_test_add_func ("/cli-confirm/typo-names-each-step-once", test_typo_names_each_step_once);
  g_test_add_func ("/cli-confirm/plan-reason-chinese", test_plan_reason_chinese);
  return g_test_run ();
}
