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
 * - path A: for each version in turn, `upgradectl --json run --from 0.9.0
 *   --to VERSION --stage in_stop` skips the steps done and applies the
 *   next script to database A;
 * - path B: the native client (`mariadb`, `psql -v ON_ERROR_STOP=1`,
 *   `sqlite3 -bail`) applies the same file to database B on the same
 *   server;
 * - after the base schema, the native client loads the series' seed
 *   (tests/fixtures/real-bundles/seeds: rows for the upgrades to work on)
 *   into both;
 * - after every script the two databases' schemas, row counts and rows
 *   must be identical (real-schema-dump.c); the journal must hold every
 *   statement of every
 *   file (as many as the splitter finds and as the native client sent,
 *   per ../fixtures/sql/expected-counts.tsv; same SHA-256 in the same
 *   order; all SUCCESS), and running again must skip every step.
 *
 * The series mariadb-dump and pg-dump do the same with real mariadb-dump
 * and pg_dump output (tests/fixtures/sql/real/{mariadb,pg}-dump): dumps as
 * base and reload, then an upgrade script; the comparison then covers
 * routines, triggers, views, events, sequences and comments too (their
 * sections must not be empty). /real-scripts/refused/… check that the
 * dumps the engine cannot take (pg_dump's COPY, mariadb-dump's raw BLOB
 * bytes) are refused at the right line with what to do, while the native
 * client loads them.
 *
 * A database server that cannot start fails the test.
 */
#include "config.h"

#include <string.h>

#include "real-case.h"

/* What a failed `upgradectl --json run` says: its error document's
 * message, or its breakpoint's error. */
static const char *
run_error (JsonObject *doc)
{
  JsonObject *error = json_object_get_member (doc, "error") != NULL
                        ? json_object_get_object_member (doc, "error") : NULL;
  JsonObject *breakpoint = json_object_get_member (doc, "breakpoint") != NULL
                             && !json_object_get_null_member (doc, "breakpoint")
                             ? json_object_get_object_member (doc, "breakpoint") : NULL;

  if (error != NULL)
    return json_object_get_string_member (error, "message");
  if (breakpoint != NULL)
    return json_object_get_string_member (breakpoint, "error");
  return "";
}

/* Path A, checked: exit 0, execution SUCCESS without breakpoint, the
 * steps @step_ids in the plan's order, the first @n_skipped of them
 * SKIPPED (done by an earlier run), the others SUCCESS. */
static JsonObject *
engine_run (RealCase   *rc,
            const char *to,
            GPtrArray  *step_ids,
            guint       n_skipped)
{
  int exit_code = -1;
  JsonObject *doc = real_case_engine_run (rc, to, &exit_code);
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
      g_assert_cmpstr (json_object_get_string_member (step, "status"), ==, i < n_skipped ? "SKIPPED" : "SUCCESS");
    }
  return doc;
}

/* The native client applies scripts [@from, @to) to database @which. */
static void
native_apply_range (RealCase  *rc,
                    guint      which,
                    GPtrArray *scripts,
                    guint      from,
                    guint      to)
{
  for (guint i = from; i < to; i++)
    {
      g_autofree char *output = NULL;
      const char *script = g_ptr_array_index (scripts, i);

      if (!real_case_native_apply (rc, which, script, &output))
        g_error ("native client failed on %s: %s", script, output);
    }
}

/* The same rows into both databases, with the native client, between
 * the base schema and the upgrades (tests/fixtures/real-bundles/seeds),
 * so that the upgrades work on data. */
static void
seed_both (RealCase *rc)
{
  g_autofree char *seed = real_source_path ("real-bundles", "seeds", rc->series->seed, NULL);
  g_autoptr(GPtrArray) scripts = g_ptr_array_new ();

  g_ptr_array_add (scripts, seed);
  native_apply_range (rc, 0, scripts, 0, 1);
  native_apply_range (rc, 1, scripts, 0, 1);
}

/* The native client's statement count for @script, measured
 * independently (see tests/fixtures/sql/real/README.md). */
static guint
expected_count (const RealSeries *series,
                const char       *relative)
{
  g_autofree char *tsv_path = real_source_path ("sql", "expected-counts.tsv", NULL);
  g_autofree char *text = NULL;
  /* A whole line's first field: every entry follows the header line. */
  g_autofree char *key = g_strdup_printf ("\nreal/%s/%s\t", series->real_dir, relative);
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

/* A routine's or event's text is NULL to a user who may not see it (not
 * its definer, no SELECT on mysql.proc): then the comparison would not
 * compare it. @line: a dump line of @section. */
static void
assert_text_visible (const char *section,
                     const char *line)
{
  static const struct { const char *section; guint field; } texts[] = {
    { "routine", 6 }, { "showprocedure", 3 }, { "showfunction", 3 }, { "showtrigger", 3 },
    { "showevent", 4 }, { "event", 5 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    if (strcmp (section, texts[i].section) == 0)
      {
        g_auto(GStrv) fields = g_strsplit (line, "|", texts[i].field + 2);

        g_assert_cmpuint (g_strv_length (fields), >, texts[i].field);
        if (g_str_has_prefix (fields[texts[i].field], "\\N") || fields[texts[i].field][0] == '\0')
          g_error ("the text of a routine or event is not visible to the comparison: %s", line);
      }
}

/* Lines per section of a dump, e.g. "column 912, count 62, …"; asserts
 * that the sections every series has are not empty, so that a catalogue
 * query that finds nothing on both sides cannot pass for a comparison. */
static char *
dump_summary (const RealSeries *series,
              const char       *dump)
{
  const char *server_sections[] = { "column", "index", "count", "row", NULL };
  const char *sqlite_sections[] = { "schema", "count", "row", NULL };
  /* The dumps' databases have every kind of object: each is compared. */
  const char *mariadb_dump_sections[] = { "column", "index", "count", "row", "routine", "parameter",
                                          "trigger", "view", "foreign", "check", "event", "create",
                                          "showprocedure", "showfunction", "showtrigger", "showevent",
                                          NULL };
  const char *pg_dump_sections[] = { "column", "index", "count", "row", "constraint", "function",
                                     "trigger", "sequence", "view", "enum", "comment", NULL };
  gboolean is_dump = g_str_has_suffix (series->bundle, "-dump");
  const char **always = series->dialect == UPG_DIALECT_SQLITE ? sqlite_sections
                        : !is_dump ? server_sections
                        : series->dialect == UPG_DIALECT_MYSQL ? mariadb_dump_sections
                        : pg_dump_sections;
  g_auto(GStrv) lines = g_strsplit (dump, "\n", -1);
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GString) summary = g_string_new (NULL);
  g_autoptr(GList) keys = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *bar = strchr (lines[i], '|');
      char *section;

      /* Continuation lines of multi-line values have no section. */
      if (bar == NULL || strspn (lines[i], "abcdefghijklmnopqrstuvwxyz") != (gsize) (bar - lines[i]))
        continue;
      section = g_strndup (lines[i], bar - lines[i]);
      assert_text_visible (section, lines[i]);
      g_hash_table_insert (counts, section,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, section)) + 1));
    }
  for (guint i = 0; always[i] != NULL; i++)
    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, always[i])), >, 0);
  keys = g_list_sort (g_hash_table_get_keys (counts), (GCompareFunc) strcmp);
  for (GList *l = keys; l != NULL; l = l->next)
    g_string_append_printf (summary, "%s%s %u", l == keys ? "" : ", ", (char *) l->data,
                            GPOINTER_TO_UINT (g_hash_table_lookup (counts, l->data)));
  return g_string_free (g_steal_pointer (&summary), FALSE);
}

static void
test_series (gconstpointer data)
{
  const RealSeries *series = data;
  RealCase rc = { 0 };
  g_autoptr(GPtrArray) step_ids = NULL;
  g_autoptr(GPtrArray) versions = NULL;
  g_autoptr(GPtrArray) scripts = NULL;
  g_autoptr(GPtrArray) execution_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(UpgConnection) journal = NULL;
  g_autofree char *engine_dump = NULL;
  g_autofree char *after_rerun = NULL;
  g_autofree char *summary = NULL;
  guint total = 0;

  real_case_init (&rc, series);
  real_case_assemble_bundle (&rc);
  scripts = real_case_planned_scripts (&rc, series->to, &step_ids, &versions);

  /* One version at a time: each run skips the steps the earlier ones did
   * and applies the next script; the native client applies it to B; the
   * databases must then be equal (so that what a later script drops, like
   * icinga's helper procedures, is compared too). After the base schema,
   * the same rows go into both. */
  for (guint i = 0; i < scripts->len; i++)
    {
      const char *script = g_ptr_array_index (scripts, i);
      g_autoptr(GPtrArray) done = g_ptr_array_new ();
      g_autoptr(JsonObject) run = NULL;
      g_autofree char *context = g_strdup_printf ("after %s", script + strlen (rc.fx.bundle) + 1);
      g_autofree char *native_dump = NULL;

      for (guint j = 0; j <= i; j++)
        g_ptr_array_add (done, g_ptr_array_index (step_ids, j));
      run = engine_run (&rc, g_ptr_array_index (versions, i), done, i);
      g_ptr_array_add (execution_ids, g_strdup (json_object_get_string_member (run, "execution_id")));
      native_apply_range (&rc, 1, scripts, i, i + 1);
      if (i == 0 && series->seed != NULL)
        seed_both (&rc);
      g_clear_pointer (&engine_dump, g_free);
      engine_dump = real_case_dump (&rc, 0);
      native_dump = real_case_dump (&rc, 1);
      real_assert_same_dump (context, engine_dump, native_dump);
    }

  journal = exec_open_source ("journal", rc.journal_json);
  for (guint i = 0; i < scripts->len; i++)
    total += check_journal (&rc, journal, g_ptr_array_index (execution_ids, i), g_ptr_array_index (scripts, i));
  summary = dump_summary (series, engine_dump);
  g_test_message ("%s: %u files, %u statements, schemas and data identical after each (final dump %zu bytes: %s)",
                  series->bundle, scripts->len, total, strlen (engine_dump), summary);

  /* Again: every step already succeeded, nothing runs, nothing changes. */
  again = engine_run (&rc, series->to, step_ids, step_ids->len);
  g_assert_false (g_ptr_array_find_with_equal_func (execution_ids, json_object_get_string_member (again, "execution_id"),
                                                    g_str_equal, NULL));
  check_nothing_ran (journal, json_object_get_string_member (again, "execution_id"));
  after_rerun = real_case_dump (&rc, 0);
  real_assert_same_dump ("after the re-run", after_rerun, engine_dump);

  real_case_clear (&rc);
}

/* A dump as its client writes it that the engine refuses: `upgradectl
 * run` fails before any statement runs, naming the file and line and
 * saying what to do, while the native client loads it. */
typedef struct {
  const char *bundle;     /* the series' bundle, in real_series */
  const char *script;     /* `sql/<file under the series' directory>` */
  const char *expected;   /* the error, from "file:line: " on */
} RefusedDump;

static const RefusedDump refused_dumps[] = {
  /* pg_dump's default output: COPY … FROM stdin and the rows. */
  { "pg-dump", "sql/shop-copy.pgsql.dump",
    "sql/shop-copy.pgsql.dump:380: COPY … FROM stdin is not supported: psql sends the lines after it, "
    "up to \\., as the table's data, which is not SQL (pg_dump's default output); dump with "
    "pg_dump --inserts or --column-inserts" },
  /* mariadb-dump without --hex-blob: BLOB bytes as they are, not UTF-8. */
  { "mariadb-dump", "sql/shop-default.mysql.dump",
    "sql/shop-default.mysql.dump:233: invalid UTF-8 (byte 0x89 at offset 10211); scripts must be UTF-8 "
    "(binary data in a dump: dump with mariadb-dump --hex-blob)" },
};

static void
test_refused_dump (gconstpointer data)
{
  const RefusedDump *rd = data;
  RealCase rc = { 0 };
  g_autoptr(JsonObject) doc = NULL;
  g_autofree char *script = NULL;
  g_autofree char *output = NULL;
  g_autofree char *engine_dump = NULL;
  int exit_code = -1;

  for (guint i = 0; i < real_n_series && rc.series == NULL; i++)
    if (strcmp (real_series[i].bundle, rd->bundle) == 0)
      real_case_init (&rc, &real_series[i]);
  g_assert_nonnull (rc.series);
  real_case_add_manifest (&rc, "1.0.0", "base_dump", rd->script);
  doc = real_case_engine_run (&rc, "1.0.0", &exit_code);
  g_assert_cmpint (exit_code, !=, 0);
  g_assert_cmpstr (strstr (run_error (doc), "sql/"), ==, rd->expected);
  /* Nothing ran: no table in A. */
  engine_dump = real_case_dump (&rc, 0);
  g_assert_null (strstr (engine_dump, "table|"));
  g_assert_null (strstr (engine_dump, "relation|"));
  /* It is a valid dump: the native client loads it into B. */
  script = g_build_filename (rc.fx.bundle, rd->script, NULL);
  if (!real_case_native_apply (&rc, 1, script, &output))
    g_error ("native client failed on %s: %s", script, output);
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
  for (guint i = 0; i < G_N_ELEMENTS (refused_dumps); i++)
    {
      g_autofree char *path = g_strdup_printf ("/real-scripts/refused/%s", refused_dumps[i].bundle);

      g_test_add_data_func (path, &refused_dumps[i], test_refused_dump);
    }
  status = g_test_run ();
  real_servers_stop ();
  return status;
}
