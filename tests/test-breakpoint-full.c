/* test-breakpoint-full.c - the disk fills up just as the breakpoint is
 * saved: the execution stays resumable once space is back, it never
 * reads as expired (SPEC §5, issue #12), with the real upgradectl
 *
 * A real full disk cannot be timed to that one write without root (a
 * tiny tmpfs) or guessing the journal's page growth (RLIMIT_FSIZE), so
 * the journal's test hook UPGRADE_TEST_BREAKPOINT_ENOSPC makes exactly
 * the breakpoint's write fail with ENOSPC; every other write is real.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "exec-test-util.h"

static int
ctl (ExecFixture  *fx,
     gboolean      disk_full,
     char        **out,
     const char   *stage)
{
  const char *env[] = { "LANG", "C", "LC_ALL", "C", "LANGUAGE", "",
                        disk_full ? "UPGRADE_TEST_BREAKPOINT_ENOSPC" : NULL, "1", NULL };

  return exec_exit_code (exec_fixture_cli (fx, env, out, "--json", "run", "--from", "0.9.0", "--to", "1.0.0",
                                           "--stage", stage, NULL));
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static void
test_breakpoint_disk_full (void)
{
  ExecFixture fx;
  g_autofree char *source = NULL, *sources = NULL, *db = NULL, *out = NULL, *id = NULL;
  g_autoptr(JsonObject) run = NULL;

  exec_fixture_init (&fx);
  source = exec_fixture_sqlite_source (&fx, "app.sqlite");
  sources = g_strdup_printf ("\"db\": %s", source);
  db = exec_fixture_path (&fx, "app.sqlite");
  exec_sqlite_exec (db, "CREATE TABLE a (x INTEGER);");
  exec_fixture_write (&fx, "bundle/manifests/1.0.0.json",
    "{\"version\": \"1.0.0\", \"version_type\": \"baseline\", \"component\": \"app\",\n"
    " \"upgrade_steps\": {\"in_stop\": [{\"id\": \"fill\", \"compatible_version\": \"0.1.0\", \"database\": \"db\","
    "  \"sql_scripts\": [\"sql/in.sql\"]}]}}\n");
  exec_fixture_write (&fx, "bundle/sql/in.sql", "INSERT INTO a VALUES (1);\nINSERT INTO b VALUES (2);\n"
                                                "INSERT INTO a VALUES (3);\n");
  exec_fixture_write_config (&fx, "bj-01", sources);

  /* Statement 2 fails (no table b) and the breakpoint cannot be written. */
  g_assert_cmpint (ctl (&fx, TRUE, &out, "in_stop"), ==, 1);
  run = parse_object (out);
  id = g_strdup (json_object_get_string_member (run, "execution_id"));
  g_assert_cmpstr (json_object_get_string_member (run, "status"), ==, "INTERRUPTED");
  g_assert_nonnull (strstr (json_object_get_string_member (run, "message"), "the breakpoint could not be saved"));
  g_clear_pointer (&run, json_object_unref);
  g_clear_pointer (&out, g_free);

  /* Space is back and the table exists: the same command continues the
   * same execution at statement 2, statement 1 not sent again. */
  exec_sqlite_exec (db, "CREATE TABLE b (x INTEGER);");
  g_assert_cmpint (ctl (&fx, FALSE, &out, "in_stop"), ==, 0);
  run = parse_object (out);
  g_assert_cmpstr (json_object_get_string_member (run, "execution_id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (run, "status"), ==, "SUCCESS");
  g_assert_cmpint (exec_sqlite_int (db, "SELECT COUNT(*) FROM a WHERE x = 1"), ==, 1);
  g_assert_cmpint (exec_sqlite_int (db, "SELECT COUNT(*) FROM b WHERE x = 2"), ==, 1);
  g_assert_cmpint (exec_sqlite_int (db, "SELECT COUNT(*) FROM a WHERE x = 3"), ==, 1);
  exec_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/breakpoint-full/resumable", test_breakpoint_disk_full);
  return g_test_run ();
}
