/* test-backup.c - `backup` steps, `upgradectl backups` and `restore` on
 * SQLite: the dump is complete (schema and data equal after a restore),
 * exactly once across kill -9, retention, failure → breakpoint → resume
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The MariaDB and PostgreSQL cases are in test-backup-db.c.
 */
#include <sqlite3.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "exec-test-util.h"

#define FROM "3.17.0"
#define TO "3.17.5"

/* NULLs, unicode, quotes, a backslash, a 100 KiB text, a BLOB with NUL
 * bytes, an index and a trigger: what a dump most often loses. */
static const char *app_schema =
  "CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT, amount REAL, raw BLOB);"
  "CREATE INDEX orders_note ON orders (note);"
  "CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT NOT NULL);"
  "CREATE TRIGGER orders_audit AFTER INSERT ON orders BEGIN INSERT INTO audit (what) VALUES ('ins'); END;"
  "INSERT INTO orders VALUES (1, NULL, NULL, NULL);"
  "INSERT INTO orders VALUES (2, '订单 ✓ naïve', 1.5, x'00ff00');"
  "INSERT INTO orders VALUES (3, 'it''s \"quoted\" \\ back', -2, x'');"
  "INSERT INTO orders VALUES (4, printf('%.*c', 100000, 'x'), 1e300, NULL);";

static char *
sqlite_snapshot (const char *path)
{
  GString *out = g_string_new (NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *tables = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                                       "AND name NOT LIKE 'upgrade%' ORDER BY type, name", -1, &tables, NULL), ==, SQLITE_OK);
  while (sqlite3_step (tables) == SQLITE_ROW)
    {
      const char *type = (const char *) sqlite3_column_text (tables, 0);
      const char *name = (const char *) sqlite3_column_text (tables, 1);
      g_autofree char *sql = NULL;
      sqlite3_stmt *rows = NULL;

      g_string_append_printf (out, "%s %s: %s\n", type, name, (const char *) sqlite3_column_text (tables, 2));
      if (!g_str_equal (type, "table"))
        continue;
      /* quote() renders every value with its type: NULL, 'text', X'blob', 1.5. */
      sql = g_strdup_printf ("SELECT * FROM \"%s\" ORDER BY rowid", name);
      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &rows, NULL), ==, SQLITE_OK);
      while (sqlite3_step (rows) == SQLITE_ROW)
        {
          for (int c = 0; c < sqlite3_column_count (rows); c++)
            {
              int type_code = sqlite3_column_type (rows, c);
              g_autofree char *hex = NULL;

              if (type_code == SQLITE_BLOB)
                {
                  const guchar *bytes = sqlite3_column_blob (rows, c);
                  GString *h = g_string_new ("X'");

                  for (int b = 0; b < sqlite3_column_bytes (rows, c); b++)
                    g_string_append_printf (h, "%02x", bytes[b]);
                  g_string_append_c (h, '\'');
                  hex = g_string_free (h, FALSE);
                }
              g_string_append_printf (out, "%d:%s|", type_code,
                                      hex != NULL ? hex : type_code == SQLITE_NULL ? "NULL"
                                                  : (const char *) sqlite3_column_text (rows, c));
            }
          g_string_append_c (out, '\n');
        }
      sqlite3_finalize (rows);
    }
  sqlite3_finalize (tables);
  sqlite3_close (db);
  return g_string_free (out, FALSE);
}

static char *
site_init (ExecFixture *fx,
           const char  *backup_json)
{
  g_autofree char *steps = g_strdup_printf ("\"pre_stop\": [{\"id\": \"bk\", \"backup\": %s}]", backup_json);
  char *app = exec_fixture_init_sqlite_app (fx);

  exec_sqlite_exec (app, app_schema);
  exec_fixture_write_manifest (fx, TO, steps, NULL);
  return app;
}

/* `backups --json`: its "backups" array (owned by *@doc). */
static JsonArray *
list_backups (ExecFixture *fx,
              JsonObject **doc)
{
  g_autofree char *out = NULL;

  g_assert_cmpint (exec_exit_code (exec_fixture_cli (fx, NULL, &out, "--json", "backups", NULL)), ==, 0);
  *doc = exec_parse_json_object (out);
  return json_object_get_array_member (*doc, "backups");
}

static int
run_pre_stop (ExecFixture *fx,
              const char  *crash_hook,
              char       **out)
{
  const char *env[] = { "UPGRADE_TEST_CRASH_AT", crash_hook, NULL };

  return exec_fixture_cli (fx, crash_hook != NULL ? env : NULL, out, "--json", "run", "--confirm", "--from", FROM,
                           "--to", TO, "--stage", "pre_stop", NULL);
}

static gint64
journal_int (ExecFixture *fx,
             const char  *sql)
{
  g_autofree char *path = g_build_filename (fx->state, "journal.db", NULL);

  return exec_sqlite_int (path, sql);
}

/* Backup, list, damage the data, restore: schema and data equal those
 * of before, byte for byte; a restore needs --yes and checks SHA-256. */
static void
test_sqlite_restore (void)
{
  ExecFixture fx;
  g_autofree char *app = site_init (&fx, "{\"database\": \"app\"}");
  g_autofree char *before = sqlite_snapshot (app);
  g_autofree char *after = NULL, *out = NULL, *sha = NULL;
  g_autoptr(JsonObject) doc = NULL;
  JsonArray *backups;
  JsonObject *b, *counts;
  const char *id, *path;
  struct stat st;

  g_assert_cmpint (exec_exit_code (run_pre_stop (&fx, NULL, NULL)), ==, 0);
  backups = list_backups (&fx, &doc);
  g_assert_cmpuint (json_array_get_length (backups), ==, 1);
  b = json_array_get_object_element (backups, 0);
  id = json_object_get_string_member (b, "id");
  path = json_object_get_string_member (b, "path");
  g_assert_cmpstr (json_object_get_string_member (b, "database"), ==, "app");
  g_assert_true (json_object_get_null_member (b, "tables"));
  g_assert_true (g_str_has_suffix (path, ".sqlite.gz"));
  g_assert_true (g_str_has_prefix (path, fx.state));
  g_assert_nonnull (strstr (path, "/backups/bj-01/"));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (json_object_get_int_member (b, "size"), ==, st.st_size);
  counts = json_object_get_object_member (b, "row_counts");
  g_assert_cmpint (json_object_get_int_member (counts, "orders"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (counts, "audit"), ==, 4);
  g_assert_true (g_spawn_command_line_sync ("true", NULL, NULL, NULL, NULL));
  {
    g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, NULL);

    sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) g_mapped_file_get_contents (file),
                                       g_mapped_file_get_length (file));
  }
  g_assert_cmpstr (json_object_get_string_member (b, "sha256"), ==, sha);

  exec_sqlite_exec (app, "UPDATE orders SET note = 'changed'; DELETE FROM audit; DROP INDEX orders_note;"
                    "CREATE TABLE added_later (x INTEGER);");
  /* Without --yes: nothing happens (exit 2). */
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "restore", id, NULL)), ==, 2);
  g_assert_cmpint (exec_sqlite_int (app, "SELECT COUNT(*) FROM audit"), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "restore", id, "--yes", NULL)), ==, 0);
  after = sqlite_snapshot (app);
  exec_assert_same_lines (before, after);
  g_assert_cmpint (journal_int (&fx, "SELECT COUNT(*) FROM upgrade_restore WHERE status = 'SUCCESS' "
                                     "AND table_name IS NULL"), ==, 1);

  /* One table: only it comes back. */
  exec_sqlite_exec (app, "DROP TABLE orders; DELETE FROM audit WHERE id > 2;");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "restore", id, "--table", "orders", "--yes",
                                                     NULL)), ==, 0);
  g_assert_cmpint (exec_sqlite_int (app, "SELECT COUNT(*) FROM orders"), ==, 4);
  g_assert_cmpint (exec_sqlite_int (app, "SELECT COUNT(*) FROM audit"), ==, 2);
  g_assert_cmpint (exec_sqlite_int (app, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('orders_note', "
                                         "'orders_audit')"), ==, 2);
  exec_sqlite_exec (app, "INSERT INTO audit (id, what) VALUES (3, 'ins'), (4, 'ins');");
  g_free (after);
  after = sqlite_snapshot (app);
  exec_assert_same_lines (before, after);

  /* A changed file is never restored. */
  {
    FILE *f = fopen (path, "ab");

    g_assert_nonnull (f);
    fputc ('x', f);
    fclose (f);
  }
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "restore", id, "--yes", NULL)), ==, 1);
  g_assert_cmpint (journal_int (&fx, "SELECT COUNT(*) FROM upgrade_restore"), ==, 2);
  exec_fixture_clear (&fx);
}

/* kill -9 in the middle of the dump (its first chunk written): the re-run
 * removes the partial file and dumps again; one backup, done once. */
static void
test_sqlite_kill_mid_dump (void)
{
  ExecFixture fx;
  g_autoptr(JsonObject) doc = NULL;
  g_autofree char *partial = NULL;
  JsonArray *backups;

  g_free (site_init (&fx, "{\"database\": \"app\", \"tables\": [\"orders\"]}"));
  g_assert_true (exec_fixture_cli_killed (run_pre_stop (&fx, "1:after-execute-before-commit", NULL)));
  g_assert_cmpint (journal_int (&fx, "SELECT COUNT(*) FROM upgrade_backup WHERE status = 'RUNNING'"), ==, 1);
  {
    g_autofree char *db = g_build_filename (fx.state, "journal.db", NULL);
    sqlite3 *j = NULL;
    sqlite3_stmt *s = NULL;

    g_assert_cmpint (sqlite3_open_v2 (db, &j, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (j, "SELECT path FROM upgrade_backup", -1, &s, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (s), ==, SQLITE_ROW);
    partial = g_strconcat ((const char *) sqlite3_column_text (s, 0), ".partial", NULL);
    sqlite3_finalize (s);
    sqlite3_close (j);
  }
  g_assert_true (g_file_test (partial, G_FILE_TEST_EXISTS));
  /* Not a backup yet. */
  backups = list_backups (&fx, &doc);
  g_assert_cmpuint (json_array_get_length (backups), ==, 0);

  g_assert_cmpint (exec_exit_code (run_pre_stop (&fx, NULL, NULL)), ==, 0);
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
  g_assert_cmpint (journal_int (&fx, "SELECT COUNT(*) FROM upgrade_backup WHERE status = 'FAILED'"), ==, 1);
  g_assert_cmpint (journal_int (&fx, "SELECT COUNT(*) FROM upgrade_backup WHERE status = 'SUCCESS'"), ==, 1);
  g_clear_pointer (&doc, json_object_unref);
  backups = list_backups (&fx, &doc);
  g_assert_cmpuint (json_array_get_length (backups), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (
                     json_array_get_object_element (backups, 0), "row_counts"), "orders"), ==, 4);
  /* Done: a later run skips the step. */
  g_assert_cmpint (exec_exit_code (run_pre_stop (&fx, NULL, NULL)), ==, 0);
  g_assert_cmpint (journal_int (&fx, "SELECT COUNT(*) FROM upgrade_backup"), ==, 2);
  exec_fixture_clear (&fx);
}

/* kill -9 after the backup was journaled, before the step's success: the
 * re-run keeps that backup, dumps nothing more. */
static void
test_sqlite_kill_after_dump (void)
{
  ExecFixture fx;
  g_autoptr(JsonObject) doc = NULL;

  g_free (site_init (&fx, "{\"database\": \"app\"}"));
  g_assert_true (exec_fixture_cli_killed (run_pre_stop (&fx, "1:after-commit-before-journal", NULL)));
  g_assert_cmpint (journal_int (&fx, "SELECT COUNT(*) FROM upgrade_backup WHERE status = 'SUCCESS'"), ==, 1);
  g_assert_cmpint (journal_int (&fx, "SELECT COUNT(*) FROM step_execution WHERE status = 'SUCCESS'"), ==, 0);
  g_assert_cmpint (exec_exit_code (run_pre_stop (&fx, NULL, NULL)), ==, 0);
  g_assert_cmpint (journal_int (&fx, "SELECT COUNT(*) FROM upgrade_backup"), ==, 1);
  g_assert_cmpint (journal_int (&fx, "SELECT COUNT(*) FROM step_execution WHERE status = 'SUCCESS'"), ==, 1);
  g_assert_cmpuint (json_array_get_length (list_backups (&fx, &doc)), ==, 1);
  exec_fixture_clear (&fx);
}

/* A table that does not exist: exit 1, breakpoint at the step, nothing
 * listed; once it exists, resume makes the backup. */
static void
test_sqlite_failure_resume (void)
{
  ExecFixture fx;
  g_autofree char *app = site_init (&fx, "{\"database\": \"app\", \"tables\": [\"orders\", \"later\"]}");
  g_autofree char *out = NULL, *resumed = NULL;
  g_autoptr(JsonObject) run = NULL, doc = NULL;
  JsonObject *bp;

  g_assert_cmpint (exec_exit_code (run_pre_stop (&fx, NULL, &out)), ==, 1);
  run = exec_parse_json_object (out);
  bp = json_object_get_object_member (run, "breakpoint");
  g_assert_nonnull (bp);
  g_assert_cmpstr (json_object_get_string_member (bp, "step_id"), ==, "bk");
  g_assert_nonnull (strstr (json_object_get_string_member (bp, "error"), "tables not found: later"));
  g_assert_cmpuint (json_array_get_length (list_backups (&fx, &doc)), ==, 0);

  exec_sqlite_exec (app, "CREATE TABLE later (x TEXT); INSERT INTO later VALUES ('a');");
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &resumed, "--json", "resume",
                                                     json_object_get_string_member (run, "execution_id"), "--retry",
                                                     NULL)), ==, 0);
  g_clear_pointer (&doc, json_object_unref);
  g_assert_cmpuint (json_array_get_length (list_backups (&fx, &doc)), ==, 1);
  exec_fixture_clear (&fx);
}

/* Under zh_CN the breakpoint's error is Chinese from the step's name
 * through the database to the cause. */
static void
test_sqlite_failure_chinese (void)
{
  static const char * const zh_env[] = { "LANG", "zh_CN.UTF-8", "LANGUAGE", "zh_CN", NULL };
  ExecFixture fx;
  g_autofree char *out = NULL;
  g_autoptr(JsonObject) run = NULL;
  const char *error;

  g_free (site_init (&fx, "{\"database\": \"app\", \"tables\": [\"orders\", \"later\"]}"));
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, zh_env, &out, "--json", "run", "--confirm", "--from", FROM,
                                                     "--to", TO, "--stage", "pre_stop", NULL)), ==, 1);
  run = exec_parse_json_object (out);
  error = json_object_get_string_member (json_object_get_object_member (run, "breakpoint"), "error");
  g_assert_cmpstr (error, ==, "步骤“bk”：备份“app”：找不到表：later");
  exec_fixture_clear (&fx);
}

/* keep 2: after three upgrades, the oldest backup's file is gone and it
 * is no longer listed. */
static void
test_sqlite_retention (void)
{
  ExecFixture fx;
  g_autofree char *app = exec_fixture_init_sqlite_app (&fx);
  const char *versions[] = { "3.17.1", "3.17.2", "3.17.3" };
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  exec_sqlite_exec (app, app_schema);
  for (guint i = 0; i < G_N_ELEMENTS (versions); i++)
    {
      g_autofree char *out = NULL;
      g_autoptr(JsonObject) doc = NULL;
      JsonArray *backups;

      exec_fixture_write_manifest (&fx, versions[i], "\"pre_stop\": [{\"id\": \"bk\", \"backup\": "
                                   "{\"database\": \"app\", \"keep\": 2}}]", NULL);
      g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "run", "--confirm", "--from",
                                                         i == 0 ? "3.17.0" : versions[i - 1], "--to", versions[i],
                                                         "--stage", "pre_stop", NULL)), ==, 0);
      backups = list_backups (&fx, &doc);
      g_assert_cmpuint (json_array_get_length (backups), ==, MIN (i + 1, 2));
      g_ptr_array_add (paths, g_strdup (json_object_get_string_member (json_array_get_object_element (backups, 0),
                                                                       "path")));
    }
  g_assert_false (g_file_test (paths->pdata[0], G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (paths->pdata[1], G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (paths->pdata[2], G_FILE_TEST_EXISTS));
  g_assert_cmpint (journal_int (&fx, "SELECT COUNT(*) FROM upgrade_backup WHERE status = 'REMOVED' "
                                     "AND removed_at IS NOT NULL"), ==, 1);
  exec_fixture_clear (&fx);
}

/* validate with the configuration: a backup of a data source it does not
 * define is bad input (exit 2) naming the manifest and the JSON path. */
static void
test_validate_unknown_database (void)
{
  ExecFixture fx;
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;

  g_free (site_init (&fx, "{\"database\": \"nope\"}"));
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "validate", NULL)), ==, 2);
  expected = g_strdup_printf ("%s/manifests/%s.json: $.upgrade_steps.pre_stop[0].backup.database: data source "
                              "'nope' is not configured", fx.bundle, TO);
  if (strstr (out, expected) == NULL)
    g_error ("'%s' not in:\n%s", expected, out);
  exec_fixture_clear (&fx);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/backup/sqlite/restore", test_sqlite_restore);
  g_test_add_func ("/backup/sqlite/kill-mid-dump", test_sqlite_kill_mid_dump);
  g_test_add_func ("/backup/sqlite/kill-after-dump", test_sqlite_kill_after_dump);
  g_test_add_func ("/backup/sqlite/failure-resume", test_sqlite_failure_resume);
  g_test_add_func ("/backup/sqlite/failure-chinese", test_sqlite_failure_chinese);
  g_test_add_func ("/backup/sqlite/retention", test_sqlite_retention);
  g_test_add_func ("/backup/validate-unknown-database", test_validate_unknown_database);
  return g_test_run ();
}
