/* test-batched-migration.c - batched_migration steps (SPEC §4, §9) through
 * the real upgradectl: every row migrated exactly once across kills at
 * batch boundaries and inside batches, the batch size adapting to the
 * target time, the throttle query, pause/resume/cancel from another
 * process, a failing batch; on SQLite, and with --db on MariaDB and
 * PostgreSQL
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every migration increments a counter column (`n = n + 1`), so a batch
 * applied twice or skipped shows: after the run every row has n = 1.
 * Nothing waits for time to pass: slow batches sleep in the database
 * (SLEEP(), pg_sleep()) on a given key range, the throttle is a table
 * value the test flips, and the test waits for states it can see
 * (`upgradectl migrations --json`), with a generous deadline only so
 * that a broken engine fails instead of hanging.
 */
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "mig-test-util.h"
#include "upg-batched-migration-private.h"

static Db databases[] = DB_TARGETS_INIT;

/* The identifier is gone once the child is reaped (GSubprocess reaps in
 * GLib's worker thread, no main loop needed). */
static gboolean
run_alive (gpointer run)
{
  return g_subprocess_get_identifier (run) != NULL;
}

static JsonObject *
wait_for (Mig         *mig,
          GSubprocess *run,
          const char  *member,
          const char  *value)
{
  return mig_wait_for (mig, run_alive, run, member, value);
}

/* A test that fails must not leave its run waiting on a throttle. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* `upgradectl run` in the background. */
static GSubprocess *
spawn_run (Mig  *mig)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("UPGRADECTL"), "-b", mig->site.fx.bundle,
                                         "-c", mig->site.fx.config, "--state-dir", mig->site.fx.state, "--json",
                                         "run", "--from", FROM, "--to", TO, "--stage", "post_upgrade", NULL);
  g_assert_no_error (error);
  return process;
}

static JsonObject *
finish_run (GSubprocess *process,
            int         *exit_status)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  *exit_status = g_subprocess_get_exit_status (process);
  return exec_parse_json_object (out);
}

/* ---- the tests ------------------------------------------------------ */

/* A plain run: every row once, batches growing on fast batches, the
 * migration listed done. */
static void
check_run (Db *db)
{
  Mig mig;
  g_autofree char *out = NULL;
  g_autoptr(JsonObject) m = NULL;

  mig_init (&mig, db, "mig-run");
  mig_write_bundle (&mig, COUNTER_SQL, "\"batch_size\": 50, \"target_batch_seconds\": 2");
  g_assert_cmpint (exec_exit_code (run_stage (&mig, NULL, &out)), ==, 0);
  assert_all_once (&mig);
  m = list_migration (&mig);
  g_assert_cmpstr (json_object_get_string_member (m, "state"), ==, "done");
  g_assert_cmpint (json_object_get_int_member (m, "rows_done"), ==, ROWS);
  g_assert_cmpint (json_object_get_int_member (m, "key_min"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (m, "key_max"), ==, ROWS);
  /* 50 rows take far less than 2 s: each batch doubles. */
  g_assert_cmpint (json_object_get_int_member (m, "max_batch_size"), >, 50);
  g_assert_cmpfloat (json_object_get_double_member (m, "progress_percent"), ==, 100.0);
  /* Run again: the step succeeded, nothing is migrated twice. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (exec_exit_code (run_stage (&mig, NULL, &out)), ==, 0);
  assert_all_once (&mig);
  mig_clear (&mig);
}

/* kill -9 before a batch is sent, after it ran but before its commit,
 * after the commit: each time the checkpoint and the data agree, and the
 * run that follows continues without doing a batch twice. */
static void
check_kills (Db *db)
{
  static const char *points[] = { "before-send", "after-execute-before-commit", "after-commit-before-journal" };
  Mig mig;
  guint kills = 0;

  mig_init (&mig, db, "mig-kills");
  /* target 1 ms: the batches stay small, so there are many to kill. */
  mig_write_bundle (&mig, COUNTER_SQL, "\"batch_size\": 40, \"target_batch_seconds\": 0.001");
  for (guint round = 0;; round++)
    {
      g_autofree char *out = NULL;
      g_autofree char *hook = NULL;
      int status;

      if (round < 9)
        hook = g_strdup_printf ("%d:%s", g_test_rand_int_range (1, 3), points[round % G_N_ELEMENTS (points)]);
      status = run_stage (&mig, hook, &out);
      if (exec_fixture_cli_killed (status))
        {
          kills++;
          assert_checkpoint_consistent (&mig);
          continue;
        }
      /* Each run starts again at 40 keys, at most 2 batches before its
       * kill: 9 runs cannot finish the 2,000 keys, every hook fires. */
      g_assert_null (hook);
      g_assert_cmpint (exec_exit_code (status), ==, 0);
      break;
    }
  g_assert_cmpuint (kills, ==, 9);
  assert_all_once (&mig);
  mig_clear (&mig);
}

/* A run in the background held by the throttle once @after rows are
 * migrated (the flag is up); *@id gets the migration's id. */
static GSubprocess *
start_held_run (Mig        *mig,
                guint       after,
                JsonObject **held,
                char       **id)
{
  g_autofree char *throttle = throttle_json (mig, after);
  g_autofree char *extra = g_strdup_printf ("\"batch_size\": 100, %s", throttle);
  GSubprocess *process;

  mig_write_bundle (mig, COUNTER_SQL, extra);
  db_site_execute (&mig->site, "UPDATE %s SET v = 1", mig->flag);
  process = spawn_run (mig);
  *held = wait_for (mig, process, "pause_reason", "throttle");
  g_assert_cmpstr (json_object_get_string_member (*held, "state"), ==, "paused");
  *id = g_strdup (json_object_get_string_member (*held, "id"));
  return process;
}

/* The throttle pauses the migration while the flag is up; the operator
 * pauses and resumes it from another process; rows inserted above the
 * range after the start are the application's. */
static void
check_throttle_pause_resume (Db *db)
{
  Mig mig;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(JsonObject) m = NULL;
  g_autoptr(JsonObject) result = NULL;
  g_autofree char *id = NULL;
  gint64 done;
  int status;

  mig_init (&mig, db, "mig-throttle");
  process = start_held_run (&mig, 500, &m, &id);
  /* Held at a batch boundary past 500 rows, nothing beyond. */
  done = assert_checkpoint_consistent (&mig);
  g_assert_cmpint (done, >=, 500);
  g_assert_cmpint (done, <, ROWS);
  db_site_execute (&mig.site, "INSERT INTO %s (id) VALUES (%u)", mig.site.table, ROWS + 100);

  /* The operator's pause takes over when the throttle lets go. */
  g_assert_cmpint (control (&mig, "pause", id), ==, 0);
  db_site_execute (&mig.site, "UPDATE %s SET v = 0", mig.flag);
  g_clear_pointer (&m, json_object_unref);
  m = wait_for (&mig, process, "pause_reason", "operator");
  g_assert_cmpstr (json_object_get_string_member (m, "state"), ==, "paused");
  g_assert_cmpint (assert_checkpoint_consistent (&mig), ==, done);
  g_assert_cmpint (control (&mig, "resume", id), ==, 0);

  result = finish_run (process, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (json_object_get_string_member (result, "status"), ==, "SUCCESS");
  assert_all_once (&mig);
  g_assert_cmpint (count_where (&mig, "id = " G_STRINGIFY (ROWS) " + 100 AND n = 0"), ==, 1);
  g_clear_pointer (&m, json_object_unref);
  m = list_migration (&mig);
  g_assert_cmpstr (json_object_get_string_member (m, "state"), ==, "done");
  g_assert_cmpint (json_object_get_int_member (m, "throttle_pauses"), >=, 1);
  g_assert_cmpint (json_object_get_int_member (m, "pauses"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (m, "paused_ms"), >, 0);
  /* The report says what it did and why it paused. */
  {
    g_autofree char *report = NULL;
    g_autofree char *line = g_strdup_printf ("Migration %s (step mig, table %s): done, %u rows in ", id,
                                             mig.site.table, ROWS);

    g_assert_cmpint (exec_exit_code (exec_fixture_cli (&mig.site.fx, NULL, &report, "report",
                                                       json_object_get_string_member (result, "execution_id"),
                                                       "--format", "text", NULL)), ==, 0);
    g_assert_nonnull (strstr (report, line));
    g_assert_nonnull (strstr (report, " (1 by the operator, "));
  }
  /* A done migration takes no control: bad input. */
  g_assert_cmpint (control (&mig, "pause", id), ==, 2);
  g_assert_cmpint (control (&mig, "pause", "0123456789abcdef"), ==, 2);
  mig_clear (&mig);
}

/* Cancel stops after the current batch, keeps the checkpoint; the stage
 * run again continues from it. */
static void
check_cancel (Db *db)
{
  Mig mig;
  g_autofree char *out = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(JsonObject) m = NULL;
  g_autoptr(JsonObject) result = NULL;
  g_autofree char *id = NULL;
  gint64 done;
  int status;

  mig_init (&mig, db, "mig-cancel");
  process = start_held_run (&mig, 700, &m, &id);
  g_assert_cmpint (control (&mig, "cancel", id), ==, 0);
  result = finish_run (process, &status);
  g_assert_cmpstr (json_object_get_string_member (result, "status"), ==, "INTERRUPTED");
  g_assert_cmpint (status, !=, 0);
  g_clear_pointer (&m, json_object_unref);
  m = list_migration (&mig);
  g_assert_cmpstr (json_object_get_string_member (m, "state"), ==, "cancelled");
  done = assert_checkpoint_consistent (&mig);
  g_assert_cmpint (done, >=, 700);
  g_assert_cmpint (done, <, ROWS);
  /* Nothing runs it now: it takes no control. */
  g_assert_cmpint (control (&mig, "resume", id), ==, 2);

  db_site_execute (&mig.site, "UPDATE %s SET v = 0", mig.flag);
  g_assert_cmpint (exec_exit_code (run_stage (&mig, NULL, &out)), ==, 0);
  assert_all_once (&mig);
  g_clear_pointer (&m, json_object_unref);
  m = list_migration (&mig);
  g_assert_cmpstr (json_object_get_string_member (m, "state"), ==, "done");
  mig_clear (&mig);
}

/* ---- SQLite ---------------------------------------------------------- */

static void
test_run_sqlite (void)
{
  check_run (NULL);
}

static void
test_kills_sqlite (void)
{
  check_kills (NULL);
}

static void
test_throttle_pause_resume_sqlite (void)
{
  check_throttle_pause_resume (NULL);
}

static void
test_cancel_sqlite (void)
{
  check_cancel (NULL);
}

/* A batch that fails stops the step with a breakpoint naming the key
 * range and the server's error; resume --retry continues from the
 * checkpoint once the cause is gone. */
static void
test_failing_batch_sqlite (void)
{
  Mig mig;
  g_autofree char *out = NULL;
  g_autoptr(JsonObject) doc = NULL;
  g_autoptr(JsonObject) m = NULL;
  JsonObject *bp;
  g_autofree char *execution = NULL;

  mig_init (&mig, NULL, "mig-fail");
  mig_write_bundle (&mig, COUNTER_SQL, "\"batch_size\": 100, \"target_batch_seconds\": 5");
  db_site_execute (&mig.site, "CREATE TRIGGER t_mig_guard BEFORE UPDATE ON t_mig WHEN NEW.id = 777"
                   " BEGIN SELECT RAISE(ABORT, 'row 777 is locked'); END");
  g_assert_cmpint (exec_exit_code (run_stage (&mig, NULL, &out)), ==, 1);
  doc = exec_parse_json_object (out);
  g_assert_cmpstr (json_object_get_string_member (doc, "status"), ==, "FAILED");
  bp = json_object_get_object_member (doc, "breakpoint");
  g_assert_cmpstr (json_object_get_string_member (bp, "step_id"), ==, "mig");
  g_assert_nonnull (strstr (json_object_get_string_member (bp, "error"), "row 777 is locked"));
  g_assert_nonnull (strstr (json_object_get_string_member (bp, "error"), "keys 701 to "));
  g_assert_nonnull (strstr (json_object_get_string_member (bp, "statement"), "BETWEEN 701 AND "));
  execution = g_strdup (json_object_get_string_member (doc, "execution_id"));
  m = list_migration (&mig);
  g_assert_cmpstr (json_object_get_string_member (m, "state"), ==, "failed");
  g_assert_cmpint (assert_checkpoint_consistent (&mig), ==, 700);

  db_site_execute (&mig.site, "DROP TRIGGER t_mig_guard");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&mig.site.fx, NULL, &out, "--json", "resume", execution,
                                                     "--retry", NULL)), ==, 0);
  assert_all_once (&mig);
  mig_clear (&mig);
}

/* `rollback --forget` of the stage makes the migration count as not done
 * and resets its checkpoint: the next run migrates every row again from
 * the first key (n = 2 everywhere), instead of finding the finished
 * checkpoint and migrating nothing. */
static void
test_forget_resets_checkpoint_sqlite (void)
{
  Mig mig;
  g_autofree char *out = NULL;
  g_autoptr(JsonObject) m = NULL;

  mig_init (&mig, NULL, "mig-forget");
  mig_write_bundle (&mig, COUNTER_SQL, "\"batch_size\": 300");
  g_assert_cmpint (exec_exit_code (run_stage (&mig, NULL, &out)), ==, 0);
  assert_all_once (&mig);

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&mig.site.fx, NULL, &out, "--json", "rollback", "--from", FROM,
                                                     "--to", TO, "--stage", "post_upgrade", "--forget", NULL)), ==, 0);
  g_assert_null (db_site_query (&mig.site, "SELECT key_next FROM upgrade_migration_checkpoint"));
  m = list_migration (&mig);
  g_assert_cmpstr (json_object_get_string_member (m, "state"), ==, "reset");
  g_assert_cmpint (json_object_get_int_member (m, "rows_done"), ==, 0);
  g_assert_cmpfloat (json_object_get_double_member (m, "progress_percent"), ==, 0.0);

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (exec_exit_code (run_stage (&mig, NULL, &out)), ==, 0);
  g_assert_cmpint (count_where (&mig, "n = 2"), ==, ROWS);
  g_clear_pointer (&m, json_object_unref);
  m = list_migration (&mig);
  g_assert_cmpstr (json_object_get_string_member (m, "state"), ==, "done");
  g_assert_cmpint (json_object_get_int_member (m, "rows_done"), ==, ROWS);
  mig_clear (&mig);
}

/* The display columns of @line up to the end of the first @needle at or
 * after display column @from (-1 when missing): a Chinese character takes
 * two columns of a terminal. */
static int
column_after (const char *line,
              const char *needle,
              int         from)
{
  int column = 0;

  for (const char *p = line; *p != '\0' && *p != '\n'; p = g_utf8_next_char (p))
    {
      if (column >= from && g_str_has_prefix (p, needle))
        {
          for (const char *q = p; q < p + strlen (needle); q = g_utf8_next_char (q))
            column += g_unichar_iswide (g_utf8_get_char (q)) ? 2 : 1;
          return column;
        }
      column += g_unichar_iswide (g_utf8_get_char (p)) ? 2 : 1;
    }
  return -1;
}

/* Under zh_CN the `migrations` table's headings are Chinese (two
 * columns per character, three bytes): the right-aligned figures still
 * end where their headings end. */
static void
test_table_zh_cn_sqlite (void)
{
  static const char * const zh_env[] = { "LANG", "zh_CN.UTF-8", "LANGUAGE", "zh_CN", NULL };
  Mig mig;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *rows = g_strdup_printf ("%u", ROWS);

  g_assert_nonnull (g_getenv ("UPGRADE_LOCALEDIR"));
  mig_init (&mig, NULL, "mig-zh");
  mig_write_bundle (&mig, COUNTER_SQL, "\"batch_size\": 500");
  g_assert_cmpint (exec_exit_code (run_stage (&mig, NULL, &out)), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&mig.site.fx, zh_env, &out, "migrations", NULL)), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, 2);
  g_assert_nonnull (strstr (lines[0], "进度"));
  /* STATE is left-aligned: the state starts where its heading does. */
  g_assert_cmpint (column_after (lines[0], "状态", 0) - 4, ==, column_after (lines[1], "done", 0) - 4);
  g_assert_cmpint (column_after (lines[0], "进度", 0), ==, column_after (lines[1], "100.0%", 0));
  g_assert_cmpint (column_after (lines[0], "行数", 0),
                   ==, column_after (lines[1], rows, column_after (lines[1], "100.0%", 0)));
  mig_clear (&mig);
}

/* A bad batched_migration is bad input (exit 2) naming the file and the
 * JSON path of the mistake. */
static void
test_invalid_manifest (void)
{
  static const struct {
    const char *migration;
    const char *expected;
  } cases[] = {
    { "\"table\": \"t\", \"key\": \"id\", \"sql\": \"UPDATE t SET n = 1 WHERE id >= :start\"",
      "$.upgrade_steps.post_upgrade[0].batched_migration.sql: expected SQL with both :start and :end" },
    { "\"table\": \"t\", \"key\": \"id; DROP TABLE t\", \"sql\": \"UPDATE t SET n = 1 WHERE id BETWEEN :start AND :end\"",
      "$.upgrade_steps.post_upgrade[0].batched_migration.key: expected an identifier" },
    { "\"table\": \"t\", \"key\": \"id\", \"sql\": \"UPDATE t SET n = ':start' WHERE id < :end\"",
      "batched_migration.sql: expected SQL with both :start and :end" },
    { "\"table\": \"t\", \"key\": \"id\", \"sql\": \"x :start :end\", \"batch_size\": 0",
      "$.upgrade_steps.post_upgrade[0].batched_migration.batch_size: expected an integer from 1" },
    { "\"table\": \"t\", \"key\": \"id\", \"sql\": \"x :start :end\", \"target_batch_seconds\": -1",
      "batched_migration.target_batch_seconds: expected a number above 0" },
    { "\"table\": \"t\", \"key\": \"id\", \"sql\": \"x :start :end\", \"throttle\": {\"sql\": \"SELECT 1\"}",
      "batched_migration.throttle.max: expected a number" },
    { "\"key\": \"id\", \"sql\": \"x :start :end\"",
      "batched_migration.table: required member is missing" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ExecFixture fx;
      g_autofree char *steps = g_strdup_printf ("\"post_upgrade\": [{\"id\": \"mig\", \"database\": \"db\", "
                                                "\"batched_migration\": {%s}}]", cases[i].migration);
      g_autofree char *out = NULL;

      exec_fixture_init (&fx);
      exec_fixture_write_config (&fx, "mig-bad", "\"db\": {\"provider\": \"SQLite\", \"path\": \"/nonexistent\"}");
      exec_fixture_write_manifest (&fx, TO, steps, NULL);
      g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "--json", "plan", "--from", FROM, "--to",
                                                         TO, NULL)), ==, 2);
      if (strstr (out, cases[i].expected) == NULL || strstr (out, "manifests/1.1.0.json") == NULL)
        g_error ("case %u: expected \"%s\" in %s", i, cases[i].expected, out);
      exec_fixture_clear (&fx);
    }
}

/* A source that cannot commit a batch with its checkpoint (a raw libgda
 * one: no transaction of ours) is refused before anything runs. */
static void
test_refuses_non_transactional (void)
{
  ExecFixture fx;
  g_autofree char *out = NULL;

  exec_fixture_init (&fx);
  exec_fixture_write_config (&fx, "mig-refuse", "\"db\": {\"cnc\": \"SQLite://DB_DIR=/nonexistent;DB_NAME=x\"}");
  exec_fixture_write_manifest (&fx, TO, "\"post_upgrade\": [{\"id\": \"mig\", \"database\": \"db\", "
                               "\"compatible_version\": \"1.0.0\", \"batched_migration\": {\"table\": \"t\", "
                               "\"key\": \"id\", \"sql\": \"UPDATE t SET n = 1 WHERE id BETWEEN :start AND :end\"}}]",
                               NULL);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "--json", "run", "--from", FROM, "--to", TO,
                                                     "--stage", "post_upgrade", NULL)), ==, 2);
  g_assert_nonnull (strstr (out, "step mig: data source 'db' (libgda) cannot run a batched migration"));
  exec_fixture_clear (&fx);
}

/* :start and :end are bound outside string literals and comments only. */
static void
test_bind (void)
{
  g_autofree char *a = upg_batched_migration_bind ("UPDATE t SET s = ':start', c = x::end WHERE id BETWEEN :start"
                                                   " AND :end -- :start\n AND k = :ending", 5, 9);

  g_assert_cmpstr (a, ==, "UPDATE t SET s = ':start', c = x::end WHERE id BETWEEN 5 AND 9 -- :start\n"
                   " AND k = :ending");
}

/* ---- MariaDB and PostgreSQL ------------------------------------------ */

static void
test_run_db (gconstpointer data)
{
  check_run ((Db *) data);
}

static void
test_kills_db (gconstpointer data)
{
  check_kills ((Db *) data);
}

static void
test_throttle_pause_resume_db (gconstpointer data)
{
  check_throttle_pause_resume ((Db *) data);
}

static void
test_cancel_db (gconstpointer data)
{
  check_cancel ((Db *) data);
}

/* The SQL sleeps @seconds per row on keys above @from: slow batches there. */
static char *
sleepy_sql (Mig    *mig,
            guint   from,
            double  seconds)
{
  if (mig->pg)
    return g_strdup_printf ("UPDATE @T@ SET n = n + 1 WHERE id BETWEEN :start AND :end"
                            " AND pg_sleep(CASE WHEN id > %u THEN %g ELSE 0 END)::text = ''", from, seconds);
  return g_strdup_printf ("UPDATE @T@ SET n = n + 1 WHERE id BETWEEN :start AND :end"
                          " AND SLEEP(CASE WHEN id > %u THEN %g ELSE 0 END) = 0", from, seconds);
}

/* Fast batches grow the batch size, slow ones (sleeping 5 ms per row in
 * the database past key 1000: 100 keys take ≥ 0.5 s against a target
 * of 0.2 s) shrink it, each by ×2 / ÷2 at most. */
static void
test_adaptation_db (gconstpointer data)
{
  Mig mig;
  g_autofree char *sql = NULL;
  g_autofree char *out = NULL;
  g_autoptr(JsonObject) m = NULL;
  gint64 max_batch;

  mig_init (&mig, (Db *) data, "mig-adapt");
  sql = sleepy_sql (&mig, 1000, 0.005);
  mig_write_bundle (&mig, sql, "\"batch_size\": 25, \"target_batch_seconds\": 0.2");
  g_assert_cmpint (exec_exit_code (run_stage (&mig, NULL, &out)), ==, 0);
  assert_all_once (&mig);
  m = list_migration (&mig);
  max_batch = json_object_get_int_member (m, "max_batch_size");
  g_assert_cmpint (max_batch, >=, 100);
  g_assert_cmpint (json_object_get_int_member (m, "batch_size"), <=, max_batch / 4);
  mig_clear (&mig);
}

/* A batch over the step's timeout is rolled back, split and retried:
 * 10 ms per row past key 1000 with a 1 s timeout. */
static void
test_timeout_split_db (gconstpointer data)
{
  Mig mig;
  g_autofree char *sql = NULL;
  g_autofree char *out = NULL;
  g_autoptr(JsonObject) m = NULL;

  mig_init (&mig, (Db *) data, "mig-timeout");
  sql = sleepy_sql (&mig, 1000, 0.01);
  mig_write_bundle (&mig, sql, "\"batch_size\": 400, \"target_batch_seconds\": 30");
  /* The step's timeout: written into the step beside batched_migration. */
  {
    g_autofree char *path = g_build_filename (mig.site.fx.bundle, "manifests", TO ".json", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GString) s = NULL;

    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    s = g_string_new (text);
    g_string_replace (s, "\"compatible_version\": \"1.0.0\", ", "\"compatible_version\": \"1.0.0\", \"timeout\": 1, ",
                      1);
    g_assert_true (g_file_set_contents (path, s->str, -1, NULL));
  }
  g_assert_cmpint (exec_exit_code (run_stage (&mig, NULL, &out)), ==, 0);
  assert_all_once (&mig);
  m = list_migration (&mig);
  g_assert_cmpint (json_object_get_int_member (m, "min_batch_size"), <=, 100);
  mig_clear (&mig);
}

/* A batch waiting for another session's row lock is what the migration
 * is doing: the run's watchdog journals it and `status` of another
 * process shows it as the running task (table, key range, batch), with
 * no file; released, the migration completes and nothing runs. */
static void
test_status_batch_db (gconstpointer data)
{
  Db *db = (Db *) data;
  Mig mig;
  g_autoptr(UpgConnection) holder = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) running = NULL, done = NULL, result = NULL;
  g_autofree char *update = NULL, *task = NULL, *line = NULL, *out = NULL, *rest = NULL;
  JsonObject *current;

  mig_init (&mig, db, "mig-status");
  mig_write_bundle (&mig, COUNTER_SQL, "\"batch_size\": 50");
  holder = exec_open_source ("db", db->source_json);
  update = g_strdup_printf ("UPDATE %s SET n = n WHERE id = 1", mig.site.table);
  exec_execute (holder, "BEGIN");
  exec_execute (holder, update);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("UPGRADECTL"), "-b", mig.site.fx.bundle,
                                         "-c", mig.site.fx.config, "--state-dir", mig.site.fx.state, "--json", "-v",
                                         "run", "--from", FROM, "--to", TO, "--stage", "post_upgrade", NULL);
  g_assert_no_error (error);
  task = g_strdup_printf ("%s.id 1-50 (batch 1)", mig.site.table);
  line = g_strdup_printf ("step mig: %s still running after", task);
  exec_wait_log_line (process, line);

  running = exec_fixture_ctl_json (&mig.site.fx, NULL, 0, "status", NULL);
  g_assert_cmpstr (json_object_get_string_member (running, "status"), ==, "RUNNING");
  current = json_object_get_object_member (running, "current_statement");
  g_assert_nonnull (current);
  g_assert_cmpstr (json_object_get_string_member (current, "step_id"), ==, "mig");
  g_assert_cmpstr (json_object_get_string_member (current, "task"), ==, task);
  g_assert_true (json_object_get_null_member (current, "file"));

  exec_execute (holder, "ROLLBACK");
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &rest, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  result = exec_parse_json_object (out);
  g_assert_cmpstr (json_object_get_string_member (result, "status"), ==, "SUCCESS");
  assert_all_once (&mig);
  done = exec_fixture_ctl_json (&mig.site.fx, NULL, 0, "status", NULL);
  g_assert_true (json_object_get_null_member (done, "current_statement"));
  mig_clear (&mig);
}

int
main (int argc, char **argv)
{
  gboolean with_db = FALSE;
  int status;

  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--db"))
      with_db = TRUE;
  g_test_init (&argc, &argv, NULL);
  if (!with_db)
    {
      g_test_add_func ("/batched-migration/bind", test_bind);
      g_test_add_func ("/batched-migration/invalid-manifest", test_invalid_manifest);
      g_test_add_func ("/batched-migration/refuses-non-transactional", test_refuses_non_transactional);
      g_test_add_func ("/batched-migration/sqlite/run", test_run_sqlite);
      g_test_add_func ("/batched-migration/sqlite/kills", test_kills_sqlite);
      g_test_add_func ("/batched-migration/sqlite/throttle-pause-resume", test_throttle_pause_resume_sqlite);
      g_test_add_func ("/batched-migration/sqlite/cancel", test_cancel_sqlite);
      g_test_add_func ("/batched-migration/sqlite/failing-batch", test_failing_batch_sqlite);
      g_test_add_func ("/batched-migration/sqlite/forget-resets-checkpoint", test_forget_resets_checkpoint_sqlite);
      g_test_add_func ("/batched-migration/sqlite/table-zh-cn", test_table_zh_cn_sqlite);
      return g_test_run ();
    }
  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    {
      Db *db = &databases[i];

      db_start (db);
      db_add_test (db, "batched-migration", "run", test_run_db);
      db_add_test (db, "batched-migration", "kills", test_kills_db);
      db_add_test (db, "batched-migration", "throttle-pause-resume", test_throttle_pause_resume_db);
      db_add_test (db, "batched-migration", "cancel", test_cancel_db);
      db_add_test (db, "batched-migration", "adaptation", test_adaptation_db);
      db_add_test (db, "batched-migration", "timeout-split", test_timeout_split_db);
      db_add_test (db, "batched-migration", "status-batch", test_status_batch_db);
    }
  status = g_test_run ();
  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    db_stop (&databases[i]);
  return status;
}
