/* test-script-transactions.c - a script's own BEGIN … COMMIT blocks and
 * "transaction": "script" on real MariaDB, PostgreSQL and SQLite: a block
 * is one unit (SPEC §5 "Units of exactly-once"), as the native client
 * runs it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>

#include "db-site.h"
#include "upg-exit-code.h"

#define FROM "3.17.0"
#define TO "3.17.5"

/* The third target, SQLite, has no server: kind is unused for it. */
static Db databases[] = DB_TARGETS_INIT;

typedef struct {
  const char *name;
  Db         *db;       /* NULL: SQLite */
} Target;

typedef DbSite Site;

static gboolean
is_sqlite (Site *site)
{
  return upg_connection_get_dialect (site->target) == UPG_DIALECT_SQLITE;
}

static gboolean
is_mariadb (Site *site)
{
  return upg_connection_get_dialect (site->target) == UPG_DIALECT_MYSQL;
}

/* A site whose step "s" runs @script (sql/s.sql) on data source "db";
 * "@T" in @script stands for the site's table name; @step_extra is added
 * to the step's JSON (e.g. `"transaction": "script"`). */
static void
site_init_with (Site       *site,
                Target     *target,
                const char *script,
                const char *step_extra)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *text = NULL;
  g_autofree char *steps = NULL;

  if (target->db != NULL)
    db_site_init (site, target->db, "txn-1");
  else
    {
      static guint serial;
      g_autofree char *json = NULL;
      g_autofree char *sources = NULL;

      exec_fixture_init (&site->fx);
      json = exec_fixture_sqlite_source (&site->fx, "app.db");
      sources = g_strdup_printf ("\"db\": %s", json);
      exec_fixture_write_config (&site->fx, "txn-1", sources);
      site->target = exec_open_source ("db", json);
      site->table = g_strdup_printf ("t%u", ++serial);
    }
  parts = g_strsplit (script, "@T", -1);
  text = g_strjoinv (site->table, parts);
  exec_fixture_write (&site->fx, "bundle/sql/s.sql", text);
  steps = g_strdup_printf ("\"in_stop\": [{\"id\": \"s\", \"database\": \"db\", \"sql_scripts\": [\"sql/s.sql\"]%s%s}]",
                           step_extra != NULL ? ", " : "", step_extra != NULL ? step_extra : "");
  exec_fixture_write_manifest (&site->fx, TO, steps, NULL);
}

static void
site_init (Site       *site,
           Target     *target,
           const char *script)
{
  site_init_with (site, target, script, NULL);
}

static char *
site_ids (Site *site)
{
  if (is_sqlite (site))
    return db_site_query (site, "SELECT COALESCE(GROUP_CONCAT(id), '') FROM (SELECT id FROM %s ORDER BY id)",
                       site->table);
  if (is_mariadb (site))
    return db_site_query (site, "SELECT COALESCE(GROUP_CONCAT(id ORDER BY id), '') FROM %s", site->table);
  return db_site_query (site, "SELECT COALESCE(string_agg(id::text, ',' ORDER BY id), '') FROM %s", site->table);
}

/* A count (or a sum) the query @sql on the site's target gives. */
static gint64
site_count (Site       *site,
            const char *sql)
{
  g_autofree char *value = exec_query_text (site->target, sql);

  return g_ascii_strtoll (value, NULL, 10);
}

static gint64
count_tables (Site       *site,
              const char *name)
{
  g_autofree char *n = is_sqlite (site)
    ? db_site_query (site, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'", name)
    : db_site_query (site, "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '%s'", name);

  return g_ascii_strtoll (n, NULL, 10);
}

static char *
site_log (Site         *site,
          UpgExecution *execution)
{
  g_autofree char *path = g_strdup_printf ("%s/logs/%s.log", site->fx.state, upg_execution_get_id (execution));
  char *log = NULL;

  g_assert_true (g_file_get_contents (path, &log, NULL, NULL));
  return log;
}

/* Runs the site's step, which must fail at line @line of s.sql. */
static UpgExecution *
run_fails_at (Site  *site,
              guint  line)
{
  UpgExecution *failed = NULL;
  g_autoptr(GError) error = NULL;

  g_autofree char *at = g_strdup_printf ("sql/s.sql:%u:", line);

  g_assert_false (exec_fixture_run (&site->fx, FROM, TO, "in_stop", &failed, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_true (g_str_has_prefix (error->message, at));
  g_assert_cmpstr (upg_breakpoint_get_file (upg_execution_get_breakpoint (failed)), ==, "sql/s.sql");
  g_assert_cmpuint (upg_breakpoint_get_line (upg_execution_get_breakpoint (failed)), ==, line);
  return failed;
}

/* Resumes @failed with the operator's @action, which must succeed;
 * returns the ids in the site's table then. */
static char *
resume_to_ids (Site            *site,
               UpgExecution    *failed,
               UpgResumeAction  action)
{
  g_autoptr(UpgExecution) resumed = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (exec_fixture_resume (&site->fx, upg_execution_get_id (failed), action, &resumed, &error));
  g_assert_no_error (error);
  return site_ids (site);
}

/* The message journaled with the record of statement @sequence of s.sql. */
static char *
statement_message (Site         *site,
                   UpgExecution *execution,
                   guint         sequence)
{
  g_autofree char *path = g_build_filename (site->fx.state, "journal.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgJournal) journal = upg_journal_open_sqlite (path, &error);
  g_autoptr(JsonArray) records = NULL;

  g_assert_no_error (error);
  records = upg_journal_list_statements (journal, upg_execution_get_id (execution), &error);
  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *r = json_array_get_object_element (records, i);

      if (json_object_get_int_member (r, "sequence") == sequence)
        return g_strdup (json_object_get_string_member_with_default (r, "error", ""));
    }
  g_assert_not_reached ();
}

static const char *
duplicate_code (Site *site)
{
  return is_mariadb (site) ? "1062" : is_sqlite (site) ? "1555" : "23505";
}

/* The smallest case of issue #11: natively (psql, mariadb, sqlite3) the
 * block's failure leaves no row; the breakpoint names the duplicate. The
 * operator decides the duplicate is to go: `resume --skip` runs the block
 * again from its BEGIN without it. */
static void
test_smallest_case (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *statuses = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *after = NULL;

  site_init (&site, (Target *) data,
             "CREATE TABLE @T (id INT PRIMARY KEY);\n"
             "BEGIN;\n"
             "INSERT INTO @T VALUES (1);\n"
             "INSERT INTO @T VALUES (1);\n"
             "COMMIT;\n");
  failed = run_fails_at (&site, 4);
  g_assert_cmpuint (upg_breakpoint_get_sequence (upg_execution_get_breakpoint (failed)), ==, 4);
  g_assert_cmpstr (upg_breakpoint_get_error_code (upg_execution_get_breakpoint (failed)), ==, duplicate_code (&site));
  ids = site_ids (&site);
  g_assert_cmpstr (ids, ==, "");
  /* The BEGIN and the first INSERT were rolled back: not SUCCESS, not
   * SKIPPED (either would keep the resume from sending them again). */
  statuses = exec_journal_statuses (&site.fx, upg_execution_get_id (failed), 0);
  expected = g_strdup_printf ("SUCCESS/- FAILED/- FAILED/- FAILED/%s ", duplicate_code (&site));
  g_assert_cmpstr (statuses, ==, expected);

  after = resume_to_ids (&site, failed, UPG_RESUME_ACTION_SKIP);
  g_assert_cmpstr (after, ==, "1");
  g_clear_pointer (&statuses, g_free);
  statuses = exec_journal_statuses (&site.fx, upg_execution_get_id (failed), 4);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("FAILED/%s SKIPPED/- ", duplicate_code (&site));
  g_assert_cmpstr (statuses, ==, expected);
  db_site_clear (&site);
}

/* The operator's other way out: the data is fixed, and the resume runs
 * the block again from its BEGIN, every statement of it. */
static void
test_fix_data_and_resume (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *after = NULL;

  site_init (&site, (Target *) data,
             "INSERT INTO @T VALUES (2);\n"
             "BEGIN;\n"
             "INSERT INTO @T VALUES (3);\n"
             "UPDATE @T SET id = id * 10 WHERE id < 10;\n"
             "INSERT INTO @T VALUES (4);\n"
             "COMMIT;\n");
  db_site_execute (&site, "CREATE TABLE %s (id INT PRIMARY KEY)", site.table);
  db_site_execute (&site, "INSERT INTO %s VALUES (20)", site.table);
  failed = run_fails_at (&site, 4);
  ids = site_ids (&site);
  g_assert_cmpstr (ids, ==, "2,20");

  db_site_execute (&site, "DELETE FROM %s WHERE id = 20", site.table);
  after = resume_to_ids (&site, failed, UPG_RESUME_ACTION_CONTINUE);
  /* 3 was inserted again by the block run again, and multiplied by 10. */
  g_assert_cmpstr (after, ==, "4,20,30");
  db_site_clear (&site);
}

/* The script's own ROLLBACK: nothing of the block, the rest of the file
 * as usual; the block's statements are not SUCCESS. */
static void
test_rollback_honoured (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *statuses = NULL;

  site_init (&site, (Target *) data,
             "CREATE TABLE @T (id INT PRIMARY KEY);\n"
             "BEGIN;\n"
             "INSERT INTO @T VALUES (1);\n"
             "INSERT INTO @T VALUES (2);\n"
             "ROLLBACK;\n"
             "INSERT INTO @T VALUES (3);\n");
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &execution, &error));
  g_assert_no_error (error);
  ids = site_ids (&site);
  g_assert_cmpstr (ids, ==, "3");
  statuses = exec_journal_statuses (&site.fx, upg_execution_get_id (execution), 0);
  g_assert_cmpstr (statuses, ==, "SUCCESS/- SUCCESS/- SKIPPED/- SKIPPED/- SUCCESS/- SUCCESS/- ");
  db_site_clear (&site);
}

/* The target is the truth: a run whose journal is lost does not send a
 * committed block again; its statements are journaled as applied by the
 * execution its marker names. */
static void
test_journal_lost (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) first = NULL;
  g_autoptr(UpgExecution) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *journal = NULL;
  g_autofree char *sum = NULL;
  g_autofree char *statuses = NULL;

  site_init (&site, (Target *) data,
             "BEGIN;\n"
             "UPDATE @T SET n = n + 1;\n"
             "UPDATE @T SET n = n * 10;\n"
             "COMMIT;\n");
  db_site_execute (&site, "CREATE TABLE %s (id INT PRIMARY KEY, n INT)", site.table);
  db_site_execute (&site, "INSERT INTO %s VALUES (1, 1)", site.table);
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &first, &error));
  g_assert_no_error (error);

  journal = g_build_filename (site.fx.state, "journal.db", NULL);
  g_assert_cmpint (g_remove (journal), ==, 0);
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &second, &error));
  g_assert_no_error (error);
  sum = db_site_query (&site, "SELECT SUM(n) FROM %s", site.table);
  g_assert_cmpstr (sum, ==, "20");
  statuses = exec_journal_statuses (&site.fx, upg_execution_get_id (second), 0);
  g_assert_cmpstr (statuses, ==, "SKIPPED/- SKIPPED/- SKIPPED/- SKIPPED/- ");
  db_site_clear (&site);
}

/* The foreign key is there, and the children's keys sum to @sum. */
static void
assert_davical_state (Site       *site,
                      const char *sum)
{
  g_autofree char *fk = db_site_query (site, "SELECT COUNT(*) FROM pg_constraint WHERE conname = '%s_fk'",
                                       site->table);
  g_autofree char *keys = db_site_query (site, "SELECT SUM(p) FROM %s_c", site->table);

  g_assert_cmpstr (fk, ==, "1");
  g_assert_cmpstr (keys, ==, sum);
}

/* PostgreSQL: a davical patch (dba/patches/1.2.10.sql shape) drops a
 * foreign key, rewrites the keys and recreates the key, in one block.
 * Bad data makes it fail in the middle: the database is left as it was,
 * foreign key included (psql -f does the same); once the data is fixed,
 * the resume applies the whole block. */
static void
test_davical_patch (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autofree char *ids = NULL;

  site_init (&site, (Target *) data,
             "BEGIN;\n"
             "ALTER TABLE @T_c DROP CONSTRAINT @T_fk;\n"
             "UPDATE @T_c SET p = p * 10;\n"
             "UPDATE @T SET id = id * 10 WHERE id < 10;\n"
             "ALTER TABLE @T_c ADD CONSTRAINT @T_fk FOREIGN KEY (p) REFERENCES @T (id);\n"
             "COMMIT;\n");
  db_site_execute (&site, "CREATE TABLE %s (id INT PRIMARY KEY)", site.table);
  db_site_execute (&site, "CREATE TABLE %s_c (id INT PRIMARY KEY, p INT CONSTRAINT %s_fk REFERENCES %s (id))",
                   site.table, site.table, site.table);
  /* Key 10 is taken: the patch does not expect it. */
  db_site_execute (&site, "INSERT INTO %s VALUES (1), (10)", site.table);
  db_site_execute (&site, "INSERT INTO %s_c VALUES (1, 1)", site.table);

  failed = run_fails_at (&site, 4);
  g_assert_cmpstr (upg_breakpoint_get_error_code (upg_execution_get_breakpoint (failed)), ==, "23505");
  assert_davical_state (&site, "1");

  db_site_execute (&site, "DELETE FROM %s WHERE id = 10", site.table);
  ids = resume_to_ids (&site, failed, UPG_RESUME_ACTION_CONTINUE);
  g_assert_cmpstr (ids, ==, "10");
  assert_davical_state (&site, "10");
  db_site_clear (&site);
}

/* PostgreSQL: a block whose statements come from a file it includes
 * (`\\i`): the failed one is named in its own file, and the resume runs
 * the block again from the BEGIN of the including file. */
static void
test_block_with_include (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *after = NULL;
  g_autofree char *included = NULL;

  site_init (&site, (Target *) data,
             "CREATE TABLE @T (id INT PRIMARY KEY);\n"
             "BEGIN;\n"
             "INSERT INTO @T VALUES (1);\n"
             "\\i sql/inc.sql\n"
             "COMMIT;\n");
  included = g_strdup_printf ("INSERT INTO %s VALUES (2);\nINSERT INTO %s VALUES (1);\n", site.table, site.table);
  exec_fixture_write (&site.fx, "bundle/sql/inc.sql", included);
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &failed, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED);
  g_assert_cmpstr (upg_breakpoint_get_file (upg_execution_get_breakpoint (failed)), ==, "sql/inc.sql");
  g_assert_cmpuint (upg_breakpoint_get_line (upg_execution_get_breakpoint (failed)), ==, 2);
  ids = site_ids (&site);
  g_assert_cmpstr (ids, ==, "");

  after = resume_to_ids (&site, failed, UPG_RESUME_ACTION_SKIP);
  g_assert_cmpstr (after, ==, "1,2");
  db_site_clear (&site);
}

/* MariaDB commits before DDL: the block is split where the server splits
 * it, and the log names the statement. The part before the DDL stays
 * committed when the part after it fails; the part after is a new block. */
static void
test_implicit_commit (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *after = NULL;
  g_autofree char *log = NULL;
  g_autofree char *other = NULL;
  g_autofree char *note = NULL;

  site_init (&site, (Target *) data,
             "CREATE TABLE @T (id INT PRIMARY KEY);\n"
             "START TRANSACTION;\n"
             "INSERT INTO @T VALUES (1);\n"
             "CREATE TABLE @T_b (id INT);\n"
             "INSERT INTO @T VALUES (2);\n"
             "INSERT INTO @T VALUES (3);\n"
             "INSERT INTO @T VALUES (3);\n"
             "COMMIT;\n");
  failed = run_fails_at (&site, 7);
  ids = site_ids (&site);
  g_assert_cmpstr (ids, ==, "1");
  other = g_strdup_printf ("%s_b", site.table);
  g_assert_cmpint (count_tables (&site, other), ==, 1);
  log = site_log (&site, failed);
  g_assert_nonnull (strstr (log, "s.sql:4: the server commits the transaction opened at line 2"));
  note = statement_message (&site, failed, 4);
  g_assert_true (g_str_has_prefix (note, "implicit commit: the server committed the transaction block opened at "
                                         "sql/s.sql:2 before this statement"));

  after = resume_to_ids (&site, failed, UPG_RESUME_ACTION_SKIP);
  g_assert_cmpstr (after, ==, "1,2,3");
  db_site_clear (&site);
}

/* "transaction": "script" (PostgreSQL, SQLite): a failure anywhere in the
 * file leaves nothing of it, DDL included; a file that succeeds commits
 * with one marker. */
static void
test_script_transaction (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *statuses = NULL;
  gint64 markers;

  site_init_with (&site, (Target *) data,
                  "CREATE TABLE @T (id INT PRIMARY KEY);\n"
                  "INSERT INTO @T VALUES (1);\n"
                  "BEGIN;\n"
                  "INSERT INTO @T VALUES (2);\n"
                  "COMMIT;\n"
                  "INSERT INTO @T VALUES (1);\n",
                  "\"transaction\": \"script\"");
  failed = run_fails_at (&site, 6);
  g_assert_cmpint (count_tables (&site, site.table), ==, 0);

  db_site_execute (&site, "CREATE TABLE IF NOT EXISTS upgrade_statement_marker "
                          "(record_id VARCHAR(64) NOT NULL PRIMARY KEY, created_at BIGINT NOT NULL)");
  markers = site_count (&site, "SELECT COUNT(*) FROM upgrade_statement_marker");
  ids = resume_to_ids (&site, failed, UPG_RESUME_ACTION_SKIP);
  g_assert_cmpstr (ids, ==, "1,2");
  /* One marker for the whole file. */
  g_assert_cmpint (site_count (&site, "SELECT COUNT(*) FROM upgrade_statement_marker"), ==, markers + 1);
  /* The script's own BEGIN and COMMIT: nothing of their own to do. */
  statuses = exec_journal_statuses (&site.fx, upg_execution_get_id (failed), 3);
  g_assert_cmpstr (statuses, ==, "SKIPPED/- ");
  db_site_clear (&site);
}

/* MariaDB has no transactional DDL: "transaction": "script" is bad input,
 * refused (exit 2) before anything runs, naming the manifest, the JSON
 * path and the value. */
static void
test_script_transaction_refused (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  int status;

  site_init_with (&site, (Target *) data, "CREATE TABLE @T (id INT PRIMARY KEY);\n",
                  "\"transaction\": \"script\"");
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &execution, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_MANIFEST);
  g_assert_cmpint (upg_exit_code_for_error (error), ==, 2);
  g_assert_nonnull (strstr (error->message, "manifests/3.17.5.json"));
  g_assert_nonnull (strstr (error->message, "$.upgrade_steps.in_stop[0].transaction"));
  g_assert_nonnull (strstr (error->message, "\"script\""));
  g_assert_cmpint (count_tables (&site, site.table), ==, 0);

  status = exec_fixture_cli (&site.fx, NULL, &out, "run", "--confirm", "--from", FROM, "--to", TO, "--stage", "in_stop", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 2);
  g_clear_pointer (&out, g_free);
  status = exec_fixture_cli (&site.fx, NULL, &out, "validate", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 2);
  g_assert_nonnull (strstr (out, "$.upgrade_steps.in_stop[0].transaction: \"script\" needs"));
  db_site_clear (&site);
}

/* A block that never ends is refused before anything runs: natively it
 * would be rolled back at disconnect, silently. */
static void
test_unterminated_block (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) error = NULL;

  site_init (&site, (Target *) data,
             "CREATE TABLE @T (id INT PRIMARY KEY);\n"
             "BEGIN;\n"
             "INSERT INTO @T VALUES (1);\n");
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &execution, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE);
  g_assert_nonnull (strstr (error->message, "s.sql:2:"));
  g_assert_cmpint (count_tables (&site, site.table), ==, 0);
  db_site_clear (&site);
}

/* upgradectl killed at each crash point of statement number sent[i] of
 * @script (0-terminated), then run again (after losing the journal when
 * @lose_journal): SUM(n) must be 221, each statement applied once.
 * Returns the number of kills. */
static guint
kill_and_run_again (Target      *target,
                    const char  *script,
                    const guint *sent,
                    gboolean     lose_journal)
{
  static const char *points[] = { "before-send", "after-execute-before-commit", "after-commit-before-journal" };
  guint kills = 0;

  for (guint i = 0; sent[i] != 0; i++)
    for (guint p = 0; p < G_N_ELEMENTS (points); p++)
      {
        Site site;
        g_autofree char *hook = g_strdup_printf ("%u:%s", sent[i], points[p]);
        const char *env[] = { "UPGRADE_TEST_CRASH_AT", hook, NULL };
        g_autofree char *sum = NULL;
        g_autofree char *journal = NULL;
        int status;

        site_init (&site, target, script);
        status = exec_fixture_cli (&site.fx, env, NULL, "run", "--confirm", "--from", FROM, "--to", TO,
                                   "--stage", "in_stop", NULL);
        kills += exec_fixture_cli_killed (status);
        journal = g_build_filename (site.fx.state, "journal.db", NULL);
        /* The target is the truth: its markers alone must tell. */
        if (lose_journal)
          g_assert_cmpint (g_remove (journal), ==, 0);
        status = exec_fixture_cli (&site.fx, NULL, NULL, "run", "--confirm", "--from", FROM, "--to", TO,
                                   "--stage", "in_stop", NULL);
        g_assert_cmpint (exec_exit_code (status), ==, 0);
        sum = db_site_query (&site, "SELECT SUM(n) FROM %s", site.table);
        g_assert_cmpstr (sum, ==, "221");
        db_site_clear (&site);
      }
  return kills;
}

/* upgradectl killed at every crash point of every statement of a block,
 * then run again: the block is applied exactly once. */
static void
test_kill_inside_block (gconstpointer data)
{
  /* The block's BEGIN, a statement inside, its COMMIT (the 3rd, 5th and
   * 7th statements sent): the others take the paths of the 5th. */
  static const guint sent[] = { 3, 5, 7, 0 };
  const char *script = "CREATE TABLE @T (id INT PRIMARY KEY, n INT);\n"
                       "INSERT INTO @T VALUES (1, 0);\n"
                       "BEGIN;\n"
                       "UPDATE @T SET n = n + 1;\n"
                       "INSERT INTO @T VALUES (2, 0);\n"
                       "UPDATE @T SET n = n + 10;\n"
                       "COMMIT;\n"
                       "UPDATE @T SET n = n + 100;\n";

  /* Every point of every statement of the block kills ("after commit"
   * of a statement inside is after the block's commit). */
  g_assert_cmpuint (kill_and_run_again ((Target *) data, script, sent, FALSE), ==, 9);
}

/* Consecutive statements that commit with their markers (no blocks) run
 * as one transaction (group commit, SPEC §5); killed inside the group at
 * every point, run again with the journal and without it: applied once. */
static void
test_kill_inside_group (gconstpointer data)
{
  /* The 2nd to 5th statements sent are one group on each database
   * (MariaDB's CREATE TABLE commits on its own; elsewhere it joins). */
  static const guint sent[] = { 3, 5, 0 };
  const char *script = "CREATE TABLE @T (id INT PRIMARY KEY, n INT);\n"
                       "INSERT INTO @T VALUES (1, 0);\n"
                       "UPDATE @T SET n = n + 1;\n"
                       "INSERT INTO @T VALUES (2, 0);\n"
                       "UPDATE @T SET n = n + 10;\n"
                       "UPDATE @T SET n = n + 100;\n";

  g_assert_cmpuint (kill_and_run_again ((Target *) data, script, sent, FALSE), ==, 6);
  g_assert_cmpuint (kill_and_run_again ((Target *) data, script, sent, TRUE), ==, 6);
}

/* MariaDB: the COMMIT statements the server ran so far (its status is
 * the test program's own: the server is). */
static gint64
mariadb_commits (Site *site)
{
  return site_count (site, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                           "WHERE VARIABLE_NAME = 'COM_COMMIT'");
}

/* Group commit: 20 INSERTs of an autocommit script commit in one
 * transaction, each journaled on its own with its row, each with its own
 * marker; a run with the journal lost sends none of them again. */
static void
test_group_commit (gconstpointer data)
{
  Site site;
  g_autoptr(GString) script = g_string_new (NULL);
  g_autoptr(UpgExecution) first = NULL;
  g_autoptr(UpgExecution) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *journal = NULL;
  g_autofree char *statuses = NULL;
  g_autofree char *ids = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  gint64 commits = 0;

  g_string_append (script, "CREATE TABLE @T (id INT PRIMARY KEY);\n");
  for (guint i = 1; i <= 20; i++)
    g_string_append_printf (script, "INSERT INTO @T (id) VALUES (%u);\n", i);
  site_init (&site, (Target *) data, script->str);

  if (is_mariadb (&site))
    commits = mariadb_commits (&site);
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &first, &error));
  g_assert_no_error (error);
  /* One transaction wrote every row (statement by statement: 20). */
  if (is_mariadb (&site))
    g_assert_cmpint (mariadb_commits (&site) - commits, ==, 1);
  else if (!is_sqlite (&site))
    {
      g_autofree char *writers = db_site_query (&site, "SELECT COUNT(DISTINCT xmin::text) FROM %s", site.table);

      g_assert_cmpstr (writers, ==, "1");
    }
  for (guint i = 0; i < 21; i++)
    g_string_append (expected, "SUCCESS/- ");
  statuses = exec_journal_statuses (&site.fx, upg_execution_get_id (first), 0);
  g_assert_cmpstr (statuses, ==, expected->str);
  g_assert_cmpint (site_count (&site, "SELECT COUNT(*) FROM upgrade_statement_marker"), >=, 20);

  journal = g_build_filename (site.fx.state, "journal.db", NULL);
  g_assert_cmpint (g_remove (journal), ==, 0);
  g_assert_true (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &second, &error));
  g_assert_no_error (error);
  ids = site_ids (&site);
  g_assert_cmpstr (ids, ==, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20");
  db_site_clear (&site);
}

/* A statement of a group fails: the group is rolled back and run again
 * statement by statement, so that the result, the records and the
 * breakpoint are those of statement-by-statement execution. */
static void
test_group_failure (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *log = NULL;
  g_autofree char *statuses = NULL;
  g_autofree char *message = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *after = NULL;

  site_init (&site, (Target *) data,
             "CREATE TABLE @T (id INT PRIMARY KEY);\n"
             "INSERT INTO @T VALUES (1);\n"
             "INSERT INTO @T VALUES (2);\n"
             "INSERT INTO @T VALUES (3);\n"
             "INSERT INTO @T VALUES (2);\n"
             "INSERT INTO @T VALUES (4);\n");
  failed = run_fails_at (&site, 5);
  ids = site_ids (&site);
  g_assert_cmpstr (ids, ==, "1,2,3");
  log = site_log (&site, failed);
  g_assert_nonnull (strstr (log, "they run again one by one"));
  expected = g_strdup_printf ("FAILED/%s ", duplicate_code (&site));
  statuses = exec_journal_statuses (&site.fx, upg_execution_get_id (failed), 5);
  g_assert_cmpstr (statuses, ==, expected);
  g_clear_pointer (&statuses, g_free);
  statuses = exec_journal_statuses (&site.fx, upg_execution_get_id (failed), 4);
  g_assert_cmpstr (statuses, ==, "SUCCESS/- ");
  message = statement_message (&site, failed, 5);
  /* The server's own error, not the group's rollback. */
  g_assert_cmpstr (message, !=, "");
  g_assert_null (strstr (message, "rolled back"));
  after = resume_to_ids (&site, failed, UPG_RESUME_ACTION_SKIP);
  g_assert_cmpstr (after, ==, "1,2,3,4");
  db_site_clear (&site);
}

/* MariaDB: SET autocommit inside a block would commit it there (or stop
 * committing after it): refused before anything runs, naming it. */
static void
test_set_autocommit_refused (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) error = NULL;

  site_init (&site, (Target *) data,
             "CREATE TABLE @T (id INT PRIMARY KEY);\n"
             "BEGIN;\n"
             "INSERT INTO @T VALUES (1);\n"
             "SET @@session.autocommit := 1;\n"
             "INSERT INTO @T VALUES (2);\n"
             "COMMIT;\n");
  g_assert_false (exec_fixture_run (&site.fx, FROM, TO, "in_stop", &execution, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE);
  g_assert_true (g_str_has_prefix (error->message, "sql/s.sql:4: SET autocommit inside the transaction block"));
  g_assert_cmpint (count_tables (&site, site.table), ==, 0);
  db_site_clear (&site);
}

/* COMMIT AND CHAIN opens the next transaction at once: the statements up
 * to the next COMMIT are a block of their own (natively the duplicate
 * leaves only row 1); ROLLBACK AND CHAIN likewise. */
static void
test_commit_and_chain (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *after = NULL;

  site_init (&site, (Target *) data,
             "CREATE TABLE @T (id INT PRIMARY KEY);\n"
             "BEGIN;\n"
             "INSERT INTO @T VALUES (1);\n"
             "COMMIT AND CHAIN;\n"
             "INSERT INTO @T VALUES (2);\n"
             "INSERT INTO @T VALUES (2);\n"
             "COMMIT;\n"
             "BEGIN;\n"
             "INSERT INTO @T VALUES (3);\n"
             "ROLLBACK WORK AND CHAIN;\n"
             "INSERT INTO @T VALUES (4);\n"
             "COMMIT;\n");
  failed = run_fails_at (&site, 6);
  ids = site_ids (&site);
  g_assert_cmpstr (ids, ==, "1");
  after = resume_to_ids (&site, failed, UPG_RESUME_ACTION_SKIP);
  g_assert_cmpstr (after, ==, "1,2,4");
  db_site_clear (&site);
}

/* A block's statements travel together in one request on the servers;
 * a syntax error among them still stops the run at its own line, with
 * nothing of the block applied (PostgreSQL refuses such a request as a
 * whole: the block is then run again statement by statement). */
static void
test_syntax_error_in_block (gconstpointer data)
{
  Site site;
  g_autoptr(UpgExecution) failed = NULL;
  g_autofree char *ids = NULL;

  site_init (&site, (Target *) data,
             "CREATE TABLE @T (id INT PRIMARY KEY);\n"
             "BEGIN;\n"
             "INSERT INTO @T VALUES (1);\n"
             "INSERT INTO @T VALUES (2);\n"
             "INSERT INTO @T VALUS (3);\n"
             "INSERT INTO @T VALUES (4);\n"
             "COMMIT;\n");
  failed = run_fails_at (&site, 5);
  ids = site_ids (&site);
  g_assert_cmpstr (ids, ==, "");
  db_site_clear (&site);
}

static void
add_test (Target        *target,
          const char    *name,
          GTestDataFunc  func)
{
  g_autofree char *path = g_strdup_printf ("/script-transactions/%s/%s", target->name, name);

  g_test_add_data_func (path, target, func);
}

int
main (int    argc,
      char **argv)
{
  Target targets[] = { { "mariadb", &databases[0] }, { "postgresql", &databases[1] }, { "sqlite", NULL } };
  int status;

  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    db_start (&databases[i]);
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      Target *target = &targets[i];

      add_test (target, "smallest-case", test_smallest_case);
      add_test (target, "fix-data-and-resume", test_fix_data_and_resume);
      add_test (target, "rollback-honoured", test_rollback_honoured);
      add_test (target, "unterminated-block", test_unterminated_block);
      add_test (target, "journal-lost", test_journal_lost);
      if (target->db == NULL || target->db->kind == UPG_TEST_SERVER_POSTGRESQL)
        add_test (target, "script-transaction", test_script_transaction);
      add_test (target, "group-commit", test_group_commit);
      add_test (target, "group-failure", test_group_failure);
      add_test (target, "kill-inside-group", test_kill_inside_group);
      add_test (target, "syntax-error-in-block", test_syntax_error_in_block);
      if (target->db != NULL)
        add_test (target, "commit-and-chain", test_commit_and_chain);
      if (target->db == NULL)
        add_test (target, "kill-inside-block", test_kill_inside_block);
      else if (target->db->kind == UPG_TEST_SERVER_POSTGRESQL)
        {
          add_test (target, "davical-patch", test_davical_patch);
          add_test (target, "block-with-include", test_block_with_include);
        }
      else
        {
          add_test (target, "implicit-commit", test_implicit_commit);
          add_test (target, "set-autocommit-refused", test_set_autocommit_refused);
          add_test (target, "script-transaction-refused", test_script_transaction_refused);
        }
    }

  status = g_test_run ();

  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    db_stop (&databases[i]);
  return status;
}
