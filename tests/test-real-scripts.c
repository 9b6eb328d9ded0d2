/* test-real-scripts.c - real upgrade scripts applied by `upgradectl run`
 * and by the native client give the same database
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * For each series of real scripts shipped by Debian (tests/fixtures/sql/real:
 * icinga2-ido-mysql/pgsql 2.13.6, roundcube-core 1.6.5), a bundle from
 * tests/fixtures/real-bundles/<series> (one manifest per script, see its
 * README.md for which scripts and why) is assembled in a temporary
 * directory with copies of the scripts. Then:
 *
 * - path A: `upgradectl --json run --from 0.9.0 --to LAST --stage in_stop`
 *   applies them to database A;
 * - path B: the native client (`mariadb`, `psql -v ON_ERROR_STOP=1`,
 *   `sqlite3 -bail`) applies the same files, in the plan's order, to
 *   database B on the same server;
 * - the two databases' schemas, row counts and rows must be identical
 *   (real-schema-dump.c), the journal must hold every statement of every
 *   file (as many as the splitter finds and as the native client sent,
 *   per ../fixtures/sql/expected-counts.tsv; same SHA-256 in the same
 *   order; all SUCCESS), and running again must skip every step.
 *
 * A database server that cannot start fails the test.
 */
#include "config.h"

#include <string.h>

#include "real-case.h"

/* Path A, checked: exit 0, execution SUCCESS without breakpoint, every
 * step with @step_status in the plan's order. */
static JsonObject *
engine_run (RealCase   *rc,
            GPtrArray  *step_ids,
            const char *step_status)
{
  int exit_code = -1;
  JsonObject *doc = real_case_engine_run (rc, rc->series->to, &exit_code);
  JsonArray *steps;

  g_assert_cmpint (exit_code, ==, 0);
  g_assert_cmpstr (json_object_get_string_member (doc, "status"), ==, "SUCCESS");
  g_assert_true (json_object_get_null_member (doc, "breakpoint"));
  steps = json_object_get_array_member (doc, "steps");
  g_assert_cmpuint (json_array_get_length (steps), ==, step_ids->len);
  for (guint i = 0; i < step_ids->len; i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);

      g_assert_cmpstr (json_object_get_string_member (step, "id"), ==, g_ptr_array_index (step_ids, i));
      g_assert_cmpstr (json_object_get_string_member (step, "status"), ==, step_status);
    }
  return doc;
}

/* The native client's statement count for @script, measured
 * independently (see tests/fixtures/sql/real/README.md). */
static guint
expected_count (const RealSeries *series,
                const char   *relative)
{
  g_autofree char *tsv_path = real_source_path ("sql", "expected-counts.tsv", NULL);
  g_autofree char *text = NULL;
  g_autofree char *key = g_strdup_printf ("real/%s/%s\t", series->real_dir, relative);
  const char *line;

  g_assert_true (g_file_get_contents (tsv_path, &text, NULL, NULL));
  line = strstr (text, key);
  if (line == NULL)
    g_error ("%s has no count for %s", tsv_path, key);
  return (guint) g_ascii_strtoull (line + strlen (key), NULL, 10);
}

/* The journal holds, for @script, exactly the splitter's statements, in
 * order, all SUCCESS; returns their number. */
static guint
check_journal (RealCase      *rc,
               UpgConnection *journal,
               const char    *execution_id,
               const char    *script)
{
  g_autoptr(GError) error = NULL;
  const char *relative = script + strlen (rc->fx.bundle) + 1;
  g_autoptr(GPtrArray) statements = upg_sql_split_file (script, relative, rc->series->dialect, &error);
  const char *params[] = { execution_id, relative, NULL };
  g_autoptr(UpgRows) rows = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (statements->len, ==,
                    expected_count (rc->series, relative + strlen ("sql/")));
  rows = upg_connection_query (journal,
                               "SELECT sequence, sha256, status, database_name, statement"
                               " FROM sql_execution_record WHERE execution_id = ? AND file = ?"
                               " ORDER BY sequence", params, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (upg_rows_get_n_rows (rows), ==, statements->len);
  for (guint i = 0; i < statements->len; i++)
    {
      UpgSqlStatement *statement = g_ptr_array_index (statements, i);

      g_assert_cmpint (upg_rows_get_int (rows, i, 0, -1), ==, upg_sql_statement_get_sequence (statement));
      g_assert_cmpstr (upg_rows_get_value (rows, i, 1), ==, upg_sql_statement_get_sha256 (statement));
      g_assert_cmpstr (upg_rows_get_value (rows, i, 2), ==, "SUCCESS");
      g_assert_cmpstr (upg_rows_get_value (rows, i, 3), ==, "target");
      g_assert_cmpstr (upg_rows_get_value (rows, i, 4), ==, upg_sql_statement_get_text (statement));
    }
  return statements->len;
}

/* The re-run's journal records (if any) are all SKIPPED. */
static void
check_nothing_ran (UpgConnection *journal,
                   const char    *execution_id)
{
  g_autoptr(GError) error = NULL;
  const char *params[] = { execution_id, NULL };
  g_autoptr(UpgRows) rows = upg_connection_query (journal,
                                                  "SELECT COUNT(*) FROM sql_execution_record"
                                                  " WHERE execution_id = ? AND status <> 'SKIPPED'",
                                                  params, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (upg_rows_get_int (rows, 0, 0, -1), ==, 0);
}

static void
test_series (gconstpointer data)
{
  const RealSeries *series = data;
  RealCase rc = { 0 };
  g_autoptr(GPtrArray) step_ids = NULL;
  g_autoptr(GPtrArray) scripts = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(UpgConnection) journal = NULL;
  g_autofree char *engine_dump = NULL;
  g_autofree char *native_dump = NULL;
  g_autofree char *after_rerun = NULL;
  guint total = 0;

  real_case_init (&rc, series);
  real_case_assemble_bundle (&rc);
  scripts = real_case_planned_scripts (&rc, series->to, &step_ids);

  first = engine_run (&rc, step_ids, "SUCCESS");
  for (guint i = 0; i < scripts->len; i++)
    {
      g_autofree char *output = NULL;

      if (!real_case_native_apply (&rc, g_ptr_array_index (scripts, i), &output))
        g_error ("native client failed on %s: %s", (char *) g_ptr_array_index (scripts, i), output);
    }

  journal = exec_open_source ("journal", rc.journal_json);
  for (guint i = 0; i < scripts->len; i++)
    total += check_journal (&rc, journal, json_object_get_string_member (first, "execution_id"),
                            g_ptr_array_index (scripts, i));

  engine_dump = real_case_dump (&rc, 0);
  native_dump = real_case_dump (&rc, 1);
  real_assert_same_dump (engine_dump, native_dump);
  g_test_message ("%s: %u files, %u statements, schemas and data identical (%zu bytes of dump)",
                  series->bundle, scripts->len, total, strlen (engine_dump));

  /* Again: every step already succeeded, nothing runs, nothing changes. */
  second = engine_run (&rc, step_ids, "SKIPPED");
  g_assert_cmpstr (json_object_get_string_member (second, "execution_id"), !=,
                   json_object_get_string_member (first, "execution_id"));
  check_nothing_ran (journal, json_object_get_string_member (second, "execution_id"));
  after_rerun = real_case_dump (&rc, 0);
  real_assert_same_dump (after_rerun, engine_dump);

  real_case_clear (&rc);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < real_n_series; i++)
    {
      g_autofree char *path = g_strdup_printf ("/real-scripts/%s", real_series[i].bundle);

      g_test_add_data_func (path, &real_series[i], test_series);
    }
  status = g_test_run ();
  real_servers_stop ();
  return status;
}
