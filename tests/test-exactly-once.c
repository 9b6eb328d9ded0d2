/* test-exactly-once.c - upgradectl killed with SIGKILL at random points of
 * a 2,080-statement upgrade on MariaDB, PostgreSQL and SQLite, run again
 * until it succeeds: the database must equal that of an uninterrupted run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The kill points are chosen by the crash hook (UPGRADE_TEST_CRASH_AT =
 * "<n-th statement sent>:<point>") from the test's random generator
 * (reproducible with --seed), never by timing. The statements are not
 * idempotent (UPDATE … SET n = n + 1), so running one twice or skipping
 * one shows in the final data. A run that stops IN_DOUBT (exit 5) is
 * resolved like an operator would: look at the database, then resume
 * with --skip if the statement took effect, --retry if not.
 *
 * 5 stages × 4 files × 104 statements, 31 of each file's in two BEGIN …
 * COMMIT blocks, most of the others in group commits (the 40 INSERTs of a
 * file are one group, upg-sql-runner-groups.c). Each stage is killed
 * KILLS_PER_STAGE times (a kill is no resume: SPEC §5); a run in doubt is
 * resolved and its resume may be killed too. Twice per stage the journal
 * is lost after a kill (journal-loss round): the markers in the target
 * alone must then tell what was applied. ≥ 67 kills per database, so ≥
 * 200 per run across the three.
 */
#include <errno.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "exec-test-util.h"
#include "upg-test-servers.h"

#define FROM "3.17.0"
#define TO "3.17.5"
#define FILES_PER_STAGE 4
#define ROWS 40
#define KILLS_PER_STAGE 14
#define MIN_KILLS 67
/* The kills after which the journal is lost (1-based, per stage). */
#define LOSS_AT_1 5
#define LOSS_AT_2 11

static const char *stages[] = { "business_check", "pre_stop", "in_stop", "post_start", "post_upgrade" };

typedef struct {
  const char *name;
  UpgTestServerKind kind;   /* unused for SQLite */
  gboolean sqlite;
  char *source_json;
} Target;

/* One file: 104 statements on table <p>t<k>, two of them BEGIN … COMMIT
 * blocks (SPEC §5: each block is one unit): 25 UPDATEs at sequences
 * 42–68, and the ALTER TABLE with the UPDATE after it at 94–97, which
 * MariaDB splits at the ALTER (implicit commit). The DDL statements are
 * at sequences 1, 95 and 98. */
static char *
file_text (const char *prefix,
           guint       k,
           gboolean    pg)
{
  /* Every statement of the file is in one of these shapes: SQLite runs
   * the same file as MariaDB (no CONCURRENTLY). */
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "CREATE TABLE %st%u (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);\n", prefix, k);
  for (guint i = 1; i <= ROWS; i++)
    g_string_append_printf (s, "INSERT INTO %st%u (id, n) VALUES (%u, %u);\n", prefix, k, i, i * k);
  for (guint i = 0; i < 50; i++)
    g_string_append_printf (s, "%sUPDATE %st%u SET n = n + 1 WHERE id = %u;\n%s", i == 0 ? "BEGIN;\n" : "",
                            prefix, k, (i * 7) % ROWS + 1, i == 24 ? "COMMIT;\n" : "");
  g_string_append_printf (s, "BEGIN;\nALTER TABLE %st%u ADD COLUMN c1 INTEGER DEFAULT 0;\n", prefix, k);
  g_string_append_printf (s, "UPDATE %st%u SET c1 = c1 + n WHERE id <= 20;\nCOMMIT;\n", prefix, k);
  g_string_append_printf (s, "CREATE INDEX %s%si%u ON %st%u (n);\n", pg ? "CONCURRENTLY " : "", prefix, k, prefix, k);
  for (guint i = 0; i < 5; i++)
    g_string_append_printf (s, "UPDATE %st%u SET n = n * 2 WHERE id = %u;\n", prefix, k, i + 3);
  g_string_append_printf (s, "DELETE FROM %st%u WHERE id = %u;\n", prefix, k, ROWS);
  return g_string_free (s, FALSE);
}

static void
write_bundle (ExecFixture *fx,
              const char  *prefix,
              gboolean     pg)
{
  g_autoptr(GString) steps = g_string_new (NULL);

  for (guint s = 0; s < G_N_ELEMENTS (stages); s++)
    {
      g_string_append_printf (steps, "%s\"%s\": [", s > 0 ? ", " : "", stages[s]);
      for (guint f = 0; f < FILES_PER_STAGE; f++)
        {
          guint k = s * FILES_PER_STAGE + f + 1;
          g_autofree char *relative = g_strdup_printf ("bundle/sql/%02u.sql", k);
          g_autofree char *text = file_text (prefix, k, pg);

          exec_fixture_write (fx, relative, text);
          g_string_append_printf (steps, "%s{\"id\": \"s%02u\", \"database\": \"db\", \"sql_scripts\": "
                                  "[\"sql/%02u.sql\"]}", f > 0 ? ", " : "", k, k);
        }
      g_string_append (steps, "]");
    }
  exec_fixture_write_manifest (fx, TO, steps->str, NULL);
}

static void
site_init (ExecFixture *fx,
           Target      *target,
           const char  *prefix)
{
  g_autofree char *sources = g_strdup_printf ("\"db\": %s", target->source_json);

  g_autoptr(UpgConnection) target_connection = exec_open_source ("db", target->source_json);

  /* Each case is a fresh site on the shared server: without the markers
   * of the case before, which would rightly count as applied. */
  exec_execute (target_connection, "DROP TABLE IF EXISTS upgrade_statement_marker");
  exec_fixture_init (fx);
  exec_fixture_write_config (fx, "kill-site", sources);
  write_bundle (fx, prefix, !target->sqlite && target->kind == UPG_TEST_SERVER_POSTGRESQL);
}

static int
run_stage (ExecFixture *fx,
           const char  *stage,
           const char  *hook,
           char       **out)
{
  const char *env[] = { "UPGRADE_TEST_CRASH_AT", hook, NULL };

  return exec_fixture_cli (fx, hook != NULL ? env : NULL, out, "--json", "run", "--confirm", "--from", FROM, "--to", TO,
                           "--stage", stage, NULL);
}

static gboolean
query_true (UpgConnection *target,
            const char    *sql)
{
  g_autofree char *value = exec_query_text (target, sql);

  return value != NULL && g_strcmp0 (value, "0") != 0 && g_strcmp0 (value, "f") != 0;
}

/* What an operator checks for the statement in doubt: did its DDL happen? */
static gboolean
statement_took_effect (Target        *target,
                       UpgConnection *connection,
                       const char    *statement)
{
  g_auto(GStrv) words = g_strsplit_set (statement, " (", -1);
  gboolean pg = target->kind == UPG_TEST_SERVER_POSTGRESQL;
  g_autofree char *sql = NULL;

  /* SQLite's DDL is transactional: nothing there is ever in doubt. */
  g_assert_false (target->sqlite);
  if (g_str_has_prefix (statement, "CREATE TABLE "))
    sql = g_strdup_printf ("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '%s'", words[2]);
  else if (g_str_has_prefix (statement, "ALTER TABLE "))
    sql = g_strdup_printf ("SELECT COUNT(*) FROM information_schema.columns WHERE table_name = '%s'"
                           " AND column_name = 'c1'", words[2]);
  else if (g_str_has_prefix (statement, "CREATE INDEX ") && pg)
    sql = g_strdup_printf ("SELECT COUNT(*) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid"
                           " WHERE c.relname = '%s' AND x.indisvalid", words[3]);
  else if (g_str_has_prefix (statement, "CREATE INDEX "))
    sql = g_strdup_printf ("SELECT COUNT(*) FROM information_schema.statistics WHERE index_name = '%s'", words[2]);
  else
    g_error ("statement in doubt that is not DDL: %s", statement);
  return query_true (connection, sql);
}

typedef struct {
  guint kills;
  guint journal_losses;
  guint in_doubt;
  guint skipped;
  guint retried;
} Outcome;

/* The decision an operator takes for the statement in doubt in the
 * --json answer @json: resume --skip if it took effect, --retry if not;
 * *execution gets the execution to resume. */
static const char *
in_doubt_decision (Target        *target,
                   UpgConnection *connection,
                   const char    *json,
                   char         **execution,
                   Outcome       *outcome)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  JsonObject *doc = json_node_get_object (node);
  JsonObject *bp = json_object_get_object_member (doc, "breakpoint");
  const char *statement = json_object_get_string_member (bp, "statement");
  gboolean applied = statement_took_effect (target, connection, statement);

  g_assert_cmpstr (json_object_get_string_member (doc, "status"), ==, "IN_DOUBT");
  outcome->in_doubt++;
  if (applied)
    outcome->skipped++;
  else
    outcome->retried++;
  *execution = g_strdup (json_object_get_string_member (doc, "execution_id"));
  return applied ? "--skip" : "--retry";
}

/* The site's journal, with SQLite's write-ahead log, is gone. */
static void
lose_journal (ExecFixture *fx)
{
  static const char *files[] = { "journal.db", "journal.db-wal", "journal.db-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (fx->state, files[i], NULL);

      g_assert_true (g_remove (path) == 0 || errno == ENOENT);
    }
}

/* Runs one stage to SUCCESS, killed KILLS_PER_STAGE times at random
 * statements (each resume of a statement in doubt may be killed too). */
static void
run_stage_with_kills (ExecFixture   *fx,
                      Target        *target,
                      UpgConnection *connection,
                      const char    *stage,
                      Outcome       *outcome)
{
  static const char *points[] = { "before-send", "after-execute-before-commit", "after-commit-before-journal" };
  g_autofree char *resume_id = NULL;
  const char *resume_action = NULL;
  guint kills = 0;

  for (;;)
    {
      gboolean loss = kills + 1 == LOSS_AT_1 || kills + 1 == LOSS_AT_2;
      g_autofree char *hook = NULL;
      g_autofree char *out = NULL;
      const char *env[] = { "UPGRADE_TEST_CRASH_AT", NULL, NULL };
      int status;

      /* Fewer statements than a stage's 416 are sent before the last
       * kill (14 × 24), so every hook fires. Before losing the journal,
       * never while an autocommitting statement is in flight: its
       * durable RUNNING record is what says "in doubt", and it would go
       * with the journal. */
      if (kills < KILLS_PER_STAGE)
        hook = g_strdup_printf ("%d:%s", g_test_rand_int_range (1, 25),
                                loss ? points[2 * g_test_rand_int_range (0, 2)]
                                     : points[g_test_rand_int_range (0, G_N_ELEMENTS (points))]);
      env[1] = hook;
      if (resume_id != NULL)
        status = exec_fixture_cli (fx, hook != NULL ? env : NULL, &out, "--json", "resume", resume_id,
                                   resume_action, NULL);
      else
        status = run_stage (fx, stage, hook, &out);
      g_clear_pointer (&resume_id, g_free);
      if (exec_fixture_cli_killed (status))
        {
          kills++;
          outcome->kills++;
          if (loss)
            {
              lose_journal (fx);
              outcome->journal_losses++;
            }
          continue;
        }
      if (exec_exit_code (status) == 5)
        {
          resume_action = in_doubt_decision (target, connection, out, &resume_id, outcome);
          continue;
        }
      if (exec_exit_code (status) != 0)
        g_error ("stage %s: upgradectl exited %d: %s", stage, exec_exit_code (status), out);
      return;
    }
}

static int
compare_lines (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Appends the rows of @sql, one line each, without the run's prefix in
 * object names, sorted (index lists are ordered by their prefixed names). */
static void
append_rows (GString       *dump,
             UpgConnection *connection,
             const char    *sql,
             const char    *prefix)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = upg_connection_query (connection, sql, NULL, NULL, &error);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  g_assert_no_error (error);
  for (guint r = 0; r < upg_rows_get_n_rows (rows); r++)
    {
      GString *line = g_string_new (NULL);

      for (guint c = 0; c < upg_rows_get_n_columns (rows); c++)
        {
          const char *value = upg_rows_get_value (rows, r, c);

          if (value != NULL && g_str_has_prefix (value, prefix))
            value = value + strlen (prefix);
          g_string_append_printf (line, "%s%s", c > 0 ? "|" : "", value != NULL ? value : "NULL");
        }
      g_ptr_array_add (lines, g_string_free (line, FALSE));
    }
  g_ptr_array_sort (lines, compare_lines);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (dump, "%s\n", (char *) g_ptr_array_index (lines, i));
}

/* Fails naming the first line that differs, not two 40 kB strings. */
static void
assert_same_dump (const char *got,
                  const char *expected)
{
  g_auto(GStrv) a = g_strsplit (got, "\n", -1);
  g_auto(GStrv) b = g_strsplit (expected, "\n", -1);

  for (guint i = 0; a[i] != NULL || b[i] != NULL; i++)
    if (a[i] == NULL || b[i] == NULL || strcmp (a[i], b[i]) != 0)
      g_error ("the database after the kills differs from the uninterrupted run at line %u: got '%s', "
               "expected '%s'", i + 1, a[i] != NULL ? a[i] : "(end)", b[i] != NULL ? b[i] : "(end)");
}

/* Schema and data of the tables of one run, without its prefix. */
static char *
dump (Target        *target,
      UpgConnection *connection,
      const char    *prefix)
{
  GString *out = g_string_new (NULL);
  gboolean pg = !target->sqlite && target->kind == UPG_TEST_SERVER_POSTGRESQL;

  for (guint k = 1; k <= G_N_ELEMENTS (stages) * FILES_PER_STAGE; k++)
    {
      g_autofree char *columns = target->sqlite
        ? g_strdup_printf ("SELECT name, type, dflt_value FROM pragma_table_info('%st%u') ORDER BY cid", prefix, k)
        : g_strdup_printf ("SELECT column_name, data_type, column_default FROM information_schema.columns"
                           " WHERE table_name = '%st%u' ORDER BY ordinal_position", prefix, k);
      g_autofree char *indexes = target->sqlite
        ? g_strdup_printf ("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '%st%u' ORDER BY 1",
                           prefix, k)
        : pg
        ? g_strdup_printf ("SELECT indexname FROM pg_indexes WHERE tablename = '%st%u' ORDER BY 1", prefix, k)
        : g_strdup_printf ("SELECT index_name, column_name FROM information_schema.statistics"
                           " WHERE table_name = '%st%u' ORDER BY 1, 2", prefix, k);
      g_autofree char *data = g_strdup_printf ("SELECT * FROM %st%u ORDER BY id", prefix, k);

      g_string_append_printf (out, "== t%u\n", k);
      append_rows (out, connection, columns, prefix);
      append_rows (out, connection, indexes, prefix);
      append_rows (out, connection, data, prefix);
    }
  return g_string_free (out, FALSE);
}

static void
test_kills (gconstpointer data)
{
  Target *target = (Target *) data;
  ExecFixture reference, killed;
  g_autoptr(UpgConnection) connection = NULL;
  g_autofree char *prefix_ref = g_strdup_printf ("r%u_", (guint) getpid ());
  g_autofree char *prefix_kill = g_strdup_printf ("k%u_", (guint) getpid ());
  g_autofree char *expected = NULL;
  g_autofree char *got = NULL;
  Outcome outcome = { 0 };

  connection = exec_open_source ("db", target->source_json);

  site_init (&reference, target, prefix_ref);
  for (guint s = 0; s < G_N_ELEMENTS (stages); s++)
    g_assert_cmpint (exec_exit_code (run_stage (&reference, stages[s], NULL, NULL)), ==, 0);

  site_init (&killed, target, prefix_kill);
  for (guint s = 0; s < G_N_ELEMENTS (stages); s++)
    run_stage_with_kills (&killed, target, connection, stages[s], &outcome);

  g_test_message ("%s: 2080 statements, %u kills, %u journals lost, %u in doubt (%u skipped, %u retried)",
                  target->name, outcome.kills, outcome.journal_losses, outcome.in_doubt, outcome.skipped,
                  outcome.retried);
  g_assert_cmpuint (outcome.kills, >=, MIN_KILLS);
  g_assert_cmpuint (outcome.journal_losses, ==, 2 * G_N_ELEMENTS (stages));

  expected = dump (target, connection, prefix_ref);
  got = dump (target, connection, prefix_kill);
  assert_same_dump (got, expected);
  /* The dump is not trivially equal: every table has its rows. */
  g_assert_nonnull (strstr (expected, "== t20\n"));
  g_assert_cmpuint (strlen (expected), >, 20 * ROWS * 4);

  exec_fixture_clear (&reference);
  exec_fixture_clear (&killed);
}

/* A check stage's declared step killed while its DDL ran: every later
 * run of the stage stops in doubt at that statement, and the operator's
 * resume must continue that execution, not start another that stops at
 * the same doubt (an endless loop for the kill test above). */
static void
test_check_stage_in_doubt (gconstpointer data)
{
  Target *target = (Target *) data;
  ExecFixture fx;
  g_autoptr(UpgConnection) connection = exec_open_source ("db", target->source_json);
  g_autofree char *prefix = g_strdup_printf ("d%u_", (guint) getpid ());
  g_autofree char *doubt = NULL, *resumed = NULL, *execution = NULL;
  g_autoptr(JsonObject) doc = NULL;
  const char *action;
  Outcome outcome = { 0 };

  site_init (&fx, target, prefix);
  g_assert_true (exec_fixture_cli_killed (run_stage (&fx, "business_check", "1:after-execute-before-commit", NULL)));
  g_assert_cmpint (exec_exit_code (run_stage (&fx, "business_check", NULL, &doubt)), ==, 5);
  action = in_doubt_decision (target, connection, doubt, &execution, &outcome);
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &resumed, "--json", "resume", execution, action, NULL)),
                   ==, 0);
  doc = exec_parse_json_object (resumed);
  g_assert_cmpstr (json_object_get_string_member (doc, "execution_id"), ==, execution);
  g_assert_cmpstr (json_object_get_string_member (doc, "status"), ==, "SUCCESS");
  exec_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  Target targets[] = {
    { "MariaDB", UPG_TEST_SERVER_MARIADB }, { "PostgreSQL", UPG_TEST_SERVER_POSTGRESQL }, { "SQLite", 0, TRUE },
  };
  UpgTestServer *servers[G_N_ELEMENTS (targets)] = { NULL };
  g_autofree char *dir = NULL;
  g_autofree char *db = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autoptr(GError) error = NULL;

      if (targets[i].sqlite)
        continue;
      /* A server that cannot start fails the test, it is not skipped. */
      servers[i] = upg_test_server_start (targets[i].kind, &error);
      g_assert_no_error (error);
      targets[i].source_json = upg_test_server_datasource_json (servers[i], UPG_TEST_PASSWORD_FILE, FALSE);
    }
  /* Both sites of the SQLite case share one target file, as the others
   * share their server. */
  dir = g_dir_make_tmp ("upg-exactly-once-XXXXXX", NULL);
  g_assert_nonnull (dir);
  db = g_build_filename (dir, "target.db", NULL);
  targets[2].source_json = g_strdup_printf ("{\"provider\": \"SQLite\", \"path\": \"%s\"}", db);
  g_test_add_data_func ("/exactly-once/mariadb", &targets[0], test_kills);
  g_test_add_data_func ("/exactly-once/postgresql", &targets[1], test_kills);
  g_test_add_data_func ("/exactly-once/sqlite", &targets[2], test_kills);
  g_test_add_data_func ("/exactly-once/mariadb/check-stage-in-doubt", &targets[0], test_check_stage_in_doubt);
  status = g_test_run ();

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      if (servers[i] != NULL)
        upg_test_server_stop (servers[i]);
      g_free (targets[i].source_json);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *path = g_strconcat (db, (const char *[]) { "", "-wal", "-shm" }[i], NULL);

      g_remove (path);
    }
  g_remove (dir);
  return status;
}
