/* test-exactly-once.c - upgradectl killed with SIGKILL at random points of
 * a 2,080-statement upgrade on MariaDB and on PostgreSQL, run again until
 * it succeeds: the database must equal that of an uninterrupted run
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
 * COMMIT blocks; an execution may be resumed 10 times, so each stage is
 * killed at most 7 times and ≥ 25 kills per database are asserted.
 */
#include <sys/wait.h>

#include "exec-test-util.h"
#include "upg-test-servers.h"

#define FROM "3.17.0"
#define TO "3.17.5"
#define FILES_PER_STAGE 4
#define ROWS 40
#define MAX_RESUMES 10
#define MIN_KILLS 25

static const char *stages[] = { "business_check", "pre_stop", "in_stop", "post_start", "post_upgrade" };

typedef struct {
  UpgTestServerKind kind;
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
  write_bundle (fx, prefix, target->kind == UPG_TEST_SERVER_POSTGRESQL);
}

static int
run_stage (ExecFixture *fx,
           const char  *stage,
           const char  *hook,
           char       **out)
{
  const char *env[] = { "UPGRADE_TEST_CRASH_AT", hook, NULL };

  return exec_fixture_cli (fx, hook != NULL ? env : NULL, out, "--json", "run", "--from", FROM, "--to", TO,
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
  guint in_doubt;
  guint skipped;
  guint retried;
} Outcome;

static void
resolve_in_doubt (ExecFixture   *fx,
                  Target        *target,
                  UpgConnection *connection,
                  const char    *json,
                  Outcome       *outcome)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  JsonObject *doc = json_node_get_object (node);
  JsonObject *bp = json_object_get_object_member (doc, "breakpoint");
  const char *statement = json_object_get_string_member (bp, "statement");
  gboolean applied = statement_took_effect (target, connection, statement);
  int status;

  g_assert_cmpstr (json_object_get_string_member (doc, "status"), ==, "IN_DOUBT");
  outcome->in_doubt++;
  if (applied)
    outcome->skipped++;
  else
    outcome->retried++;
  status = exec_fixture_cli (fx, NULL, NULL, "resume", json_object_get_string_member (doc, "execution_id"),
                             applied ? "--skip" : "--retry", NULL);
  g_assert_cmpint (exec_exit_code (status), ==, 0);
}

/* Runs one stage to SUCCESS, killing it at random statements while the
 * resume budget allows. */
static void
run_stage_with_kills (ExecFixture   *fx,
                      Target        *target,
                      UpgConnection *connection,
                      const char    *stage,
                      Outcome       *outcome)
{
  static const char *points[] = { "before-send", "after-execute-before-commit", "after-commit-before-journal" };

  for (guint runs = 0;; runs++)
    {
      /* This run is resume number `runs`; after a kill the next run is
       * one more, and an in-doubt resolution one more again. */
      gboolean kill = runs + 2 <= MAX_RESUMES;
      g_autofree char *hook = NULL;
      g_autofree char *out = NULL;
      int status;

      if (kill)
        hook = g_strdup_printf ("%d:%s", g_test_rand_int_range (1, 60),
                                points[g_test_rand_int_range (0, G_N_ELEMENTS (points))]);
      status = run_stage (fx, stage, hook, &out);
      if (exec_fixture_cli_killed (status))
        {
          outcome->kills++;
          continue;
        }
      if (exec_exit_code (status) == 5)
        {
          resolve_in_doubt (fx, target, connection, out, outcome);
          return;
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
  gboolean pg = target->kind == UPG_TEST_SERVER_POSTGRESQL;

  for (guint k = 1; k <= G_N_ELEMENTS (stages) * FILES_PER_STAGE; k++)
    {
      g_autofree char *columns = g_strdup_printf (
        "SELECT column_name, data_type, column_default FROM information_schema.columns"
        " WHERE table_name = '%st%u' ORDER BY ordinal_position", prefix, k);
      g_autofree char *indexes = pg
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

  g_test_message ("%s: 2080 statements, %u kills, %u in doubt (%u skipped, %u retried)",
                  target->kind == UPG_TEST_SERVER_MARIADB ? "MariaDB" : "PostgreSQL",
                  outcome.kills, outcome.in_doubt, outcome.skipped, outcome.retried);
  g_assert_cmpuint (outcome.kills, >=, MIN_KILLS);

  expected = dump (target, connection, prefix_ref);
  got = dump (target, connection, prefix_kill);
  assert_same_dump (got, expected);
  /* The dump is not trivially equal: every table has its rows. */
  g_assert_nonnull (strstr (expected, "== t20\n"));
  g_assert_cmpuint (strlen (expected), >, 20 * ROWS * 4);

  exec_fixture_clear (&reference);
  exec_fixture_clear (&killed);
}

int
main (int argc, char **argv)
{
  Target targets[] = { { UPG_TEST_SERVER_MARIADB }, { UPG_TEST_SERVER_POSTGRESQL } };
  UpgTestServer *servers[G_N_ELEMENTS (targets)] = { NULL };
  int status;

  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autoptr(GError) error = NULL;

      /* A server that cannot start fails the test, it is not skipped. */
      servers[i] = upg_test_server_start (targets[i].kind, &error);
      g_assert_no_error (error);
      targets[i].source_json = upg_test_server_datasource_json (servers[i], UPG_TEST_PASSWORD_FILE, FALSE);
    }
  g_test_add_data_func ("/exactly-once/mariadb", &targets[0], test_kills);
  g_test_add_data_func ("/exactly-once/postgresql", &targets[1], test_kills);
  status = g_test_run ();

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      upg_test_server_stop (servers[i]);
      g_free (targets[i].source_json);
    }
  return status;
}
