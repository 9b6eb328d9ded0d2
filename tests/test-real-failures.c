/* test-real-failures.c - the real upgrade scripts that do not apply on
 * the newest base schema stop upgradectl where they stop the native client
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test-real-scripts.c applies every upgrade script of a series that runs
 * cleanly on the newest base schema Debian ships. This test takes each of
 * the others (an upgrade script written for an older schema: see
 * tests/fixtures/real-bundles/README.md), applies the base schema and then
 * that script through `upgradectl run` (database A) and through the native
 * client (database B), and asserts that both stop at the same statement
 * with the same error and leave identical databases: the breakpoint's
 * sequence and first line are those of the statement holding the line the
 * native client reported, its error code is the client's (MariaDB error
 * number or SQLSTATE, PostgreSQL SQLSTATE; SQLite: the same message), the
 * journal has every statement before it SUCCESS and it FAILED, nothing
 * after. So every real upgrade script is split and run up to its failing
 * statement, exactly as the native client runs it.
 */
#include "config.h"

#include <string.h>

#include "real-case.h"

typedef struct {
  const RealSeries *series;
  char             *stem;      /* the script's name without .sql */
} FailureCase;

static void
failure_case_free (gpointer data)
{
  FailureCase *fc = data;

  g_free (fc->stem);
  g_free (fc);
}

/* Version of a script: icinga's names are versions; roundcube's
 * YYYYMMDDNN becomes YYYY.MMDD.NN, numbers (as generate.py does). */
static char *
script_version (const char *stem)
{
  if (strlen (stem) == 10 && strspn (stem, "0123456789") == 10)
    {
      char year[5] = { 0 }, day[5] = { 0 };

      memcpy (year, stem, 4);
      memcpy (day, stem + 4, 4);
      return g_strdup_printf ("%s.%u.%u", year, (guint) g_ascii_strtoull (day, NULL, 10),
                              (guint) g_ascii_strtoull (stem + 8, NULL, 10));
    }
  return g_strdup (stem);
}

/* The upgrade scripts the series' bundle runs, as `sql/<dir>/<stem>.sql`. */
static GHashTable *
bundled_scripts (const RealSeries *series)
{
  g_autofree char *dir_path = real_source_path ("real-bundles", series->bundle, "manifests", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autoptr(UpgManifest) manifest = upg_manifest_new_from_file (path, NULL, NULL);
      GPtrArray *steps;

      g_assert_nonnull (manifest);
      steps = upg_manifest_get_steps (manifest, UPG_STAGE_IN_STOP);
      for (guint i = 0; i < steps->len; i++)
        {
          const char * const *files = upg_step_get_sql_scripts (g_ptr_array_index (steps, i));

          for (guint j = 0; files[j] != NULL; j++)
            g_hash_table_add (set, g_strdup (files[j]));
        }
    }
  return set;
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Every upgrade script of @series that its bundle leaves out, by name. */
static GPtrArray *
left_out_scripts (const RealSeries *series)
{
  g_autofree char *dir_path = real_source_path ("sql", "real", series->real_dir, series->upgrade_dir, NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GHashTable) bundled = bundled_scripts (series);
  GPtrArray *stems = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *script = g_strdup_printf ("sql/%s/%s", series->upgrade_dir, name);

      if (g_str_has_suffix (name, ".sql") && !g_hash_table_contains (bundled, script))
        g_ptr_array_add (stems, g_strndup (name, strlen (name) - strlen (".sql")));
    }
  g_ptr_array_sort (stems, compare_strings);
  return stems;
}

/* What the native client reported: the line, and the error code(s) or
 * message. */
typedef struct {
  guint  line;
  char  *code;      /* MariaDB error number, PostgreSQL SQLSTATE */
  char  *sqlstate;  /* MariaDB SQLSTATE */
  char  *message;   /* SQLite */
} NativeError;

static void
parse_native_error (UpgDialect   dialect,
                    const char  *output,
                    NativeError *ne)
{
  const char *pattern = dialect == UPG_DIALECT_MYSQL ? "ERROR (\\d+) \\((\\w+)\\) at line (\\d+)"
                        : dialect == UPG_DIALECT_POSTGRESQL ? "psql:[^:\\n]+:(\\d+): ERROR:  (\\w{5}):"
                        : "(?:Parse|Runtime) error near line (\\d+): ([^\\n]*)";
  g_autoptr(GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *line = NULL;

  if (!g_regex_match (regex, output, 0, &match))
    g_error ("the native client's output has no error in the expected form:\n%s", output);
  if (dialect == UPG_DIALECT_MYSQL)
    {
      ne->code = g_match_info_fetch (match, 1);
      ne->sqlstate = g_match_info_fetch (match, 2);
      line = g_match_info_fetch (match, 3);
    }
  else if (dialect == UPG_DIALECT_POSTGRESQL)
    {
      line = g_match_info_fetch (match, 1);
      ne->code = g_match_info_fetch (match, 2);
    }
  else
    {
      line = g_match_info_fetch (match, 1);
      ne->message = g_match_info_fetch (match, 2);
    }
  ne->line = (guint) g_ascii_strtoull (line, NULL, 10);
}

static void
native_error_clear (NativeError *ne)
{
  g_free (ne->code);
  g_free (ne->sqlstate);
  g_free (ne->message);
}

/* The statement holding @line: the last one starting at or before it
 * (mariadb and sqlite3 report a statement's first line, psql its last). */
static UpgSqlStatement *
statement_at_line (GPtrArray *statements,
                   guint      line)
{
  UpgSqlStatement *found = NULL;

  for (guint i = 0; i < statements->len; i++)
    if (upg_sql_statement_get_line (g_ptr_array_index (statements, i)) <= line)
      found = g_ptr_array_index (statements, i);
  g_assert_nonnull (found);
  return found;
}

static void
check_breakpoint (JsonObject        *bp,
                  UpgDialect         dialect,
                  const NativeError *ne,
                  UpgSqlStatement   *failed)
{
  const char *code = json_object_get_string_member_with_default (bp, "error_code", "");
  const char *error = json_object_get_string_member_with_default (bp, "error", "");

  g_assert_cmpint (json_object_get_int_member (bp, "sequence"), ==, upg_sql_statement_get_sequence (failed));
  g_assert_cmpint (json_object_get_int_member (bp, "line"), ==, upg_sql_statement_get_line (failed));
  g_assert_cmpstr (json_object_get_string_member (bp, "statement"), ==, upg_sql_statement_get_text (failed));
  if (dialect == UPG_DIALECT_MYSQL)
    g_assert_true (g_strcmp0 (code, ne->code) == 0 || g_strcmp0 (code, ne->sqlstate) == 0);
  else if (dialect == UPG_DIALECT_POSTGRESQL)
    g_assert_cmpstr (code, ==, ne->code);
  else if (strstr (error, ne->message) == NULL)
    g_error ("breakpoint error '%s' is not sqlite3's '%s'", error, ne->message);
}

/* The journal: SUCCESS up to the failed statement, which FAILED, and no
 * record after it. */
static void
check_journal (RealCase        *rc,
               const char      *execution_id,
               const char      *relative,
               UpgSqlStatement *failed)
{
  g_autoptr(UpgConnection) journal = exec_open_source ("journal", rc->journal_json);
  g_autoptr(GError) error = NULL;
  const char *params[] = { execution_id, relative, NULL };
  g_autoptr(UpgRows) rows = upg_connection_query (journal,
                                                  "SELECT sequence, status FROM sql_execution_record"
                                                  " WHERE execution_id = ? AND file = ? ORDER BY sequence",
                                                  params, NULL, &error);
  guint n = upg_sql_statement_get_sequence (failed);

  g_assert_no_error (error);
  g_assert_cmpuint (upg_rows_get_n_rows (rows), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpint (upg_rows_get_int (rows, i, 0, -1), ==, i + 1);
      g_assert_cmpstr (upg_rows_get_value (rows, i, 1), ==, i + 1 < n ? "SUCCESS" : "FAILED");
    }
}

static void
test_failure (gconstpointer data)
{
  const FailureCase *fc = data;
  RealCase rc = { 0 };
  g_autofree char *version = script_version (fc->stem);
  g_autofree char *step_id = g_strdup_printf ("upgrade_%s", fc->stem);
  g_autofree char *relative = g_strdup_printf ("sql/%s/%s.sql", fc->series->upgrade_dir, fc->stem);
  g_autoptr(GPtrArray) step_ids = NULL;
  g_autoptr(GPtrArray) scripts = NULL;
  g_autoptr(GPtrArray) statements = NULL;
  g_autoptr(JsonObject) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base_output = NULL;
  g_autofree char *output = NULL;
  g_autofree char *engine_dump = NULL;
  g_autofree char *native_dump = NULL;
  NativeError ne = { 0 };
  UpgSqlStatement *failed;
  JsonObject *bp;
  int exit_code = -1;

  g_strdelimit (step_id, ".", '_');
  real_case_init (&rc, fc->series);
  real_case_copy_manifest (&rc, "1.0.0.json");
  real_case_add_manifest (&rc, version, step_id, relative);
  scripts = real_case_planned_scripts (&rc, version, &step_ids, NULL);
  g_assert_cmpuint (scripts->len, ==, 2);

  if (!real_case_native_apply (&rc, 1, g_ptr_array_index (scripts, 0), &base_output))
    g_error ("native client failed on the base schema: %s", base_output);
  g_assert_false (real_case_native_apply (&rc, 1, g_ptr_array_index (scripts, 1), &output));
  parse_native_error (fc->series->dialect, output, &ne);

  statements = upg_sql_split_file (g_ptr_array_index (scripts, 1), relative, fc->series->dialect, &error);
  g_assert_no_error (error);
  failed = statement_at_line (statements, ne.line);

  run = real_case_engine_run (&rc, version, &exit_code);
  g_assert_cmpint (exit_code, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (run, "status"), ==, "FAILED");
  bp = json_object_get_object_member (run, "breakpoint");
  g_assert_nonnull (bp);
  g_assert_cmpstr (json_object_get_string_member (bp, "step_id"), ==, step_id);
  g_assert_cmpstr (json_object_get_string_member (bp, "file"), ==, relative);
  check_breakpoint (bp, fc->series->dialect, &ne, failed);
  check_journal (&rc, json_object_get_string_member (run, "execution_id"), relative, failed);

  engine_dump = real_case_dump (&rc, 0);
  native_dump = real_case_dump (&rc, 1);
  real_assert_same_dump ("where both stopped", engine_dump, native_dump);
  g_test_message ("%s %s: both stop at statement %u of %u (line %u, %s)", fc->series->bundle, relative,
                  upg_sql_statement_get_sequence (failed), statements->len,
                  upg_sql_statement_get_line (failed),
                  json_object_get_string_member_with_default (bp, "error_code", "?"));

  native_error_clear (&ne);
  real_case_clear (&rc);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (failure_case_free);
  int status;

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < real_n_series; i++)
    {
      g_autoptr(GPtrArray) stems = left_out_scripts (&real_series[i]);

      for (guint j = 0; j < stems->len; j++)
        {
          FailureCase *fc = g_new0 (FailureCase, 1);
          g_autofree char *path = NULL;

          fc->series = &real_series[i];
          fc->stem = g_strdup (g_ptr_array_index (stems, j));
          path = g_strdup_printf ("/real-failures/%s/%s", fc->series->bundle, fc->stem);
          g_test_add_data_func (path, fc, test_failure);
          g_ptr_array_add (cases, fc);
        }
    }
  status = g_test_run ();
  real_servers_stop ();
  return status;
}
