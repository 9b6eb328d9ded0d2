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

/* upgradectl --json run … --stage STAGE, with a disk that fills up at
 * the breakpoint if @disk_full; returns the run's JSON. */
static JsonObject *
run_stage (ExecFixture *fx,
           gboolean     disk_full,
           int          expected_code,
           const char  *stage)
{
  const char *env[] = { "LANG", "C", "LC_ALL", "C", "LANGUAGE", "",
                        disk_full ? "UPGRADE_TEST_BREAKPOINT_ENOSPC" : NULL, "1", NULL };

  return exec_fixture_ctl_json (fx, env, expected_code, "run", "--from", "0.9.0", "--to", "1.0.0",
                                "--stage", stage, NULL);
}

static void
test_breakpoint_disk_full (void)
{
  ExecFixture fx;
  g_autofree char *source = NULL, *sources = NULL, *db = NULL, *id = NULL;
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
  run = run_stage (&fx, TRUE, 1, "in_stop");
  id = g_strdup (json_object_get_string_member (run, "execution_id"));
  g_assert_cmpstr (json_object_get_string_member (run, "status"), ==, "INTERRUPTED");
  g_assert_nonnull (strstr (json_object_get_string_member (run, "message"), "the breakpoint could not be saved"));
  g_clear_pointer (&run, json_object_unref);

  /* Space is back and the table exists: the same command continues the
   * same execution at statement 2, statement 1 not sent again. */
  exec_sqlite_exec (db, "CREATE TABLE b (x INTEGER);");
  run = run_stage (&fx, FALSE, 0, "in_stop");
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
