/* test-assessment-backup-steps.c - `backup` steps in the assessment: the
 * space each needs against the backup directory, counted in the disk
 * total (once when backup_tables names the same tables), and their
 * duration from the table sizes over the step's rate, on SQLite
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <sqlite3.h>
#include <upgrade.h>

#include "test-assessment-util.h"
#include "upg-journal-backups-private.h"
#include "upg-journal-write-private.h"

typedef struct
{
  char *dir;
  char *bundle;
  char *config_path;
} Site;

static void
site_setup (Site *site, gconstpointer data)
{
  g_autofree char *database = NULL;
  g_autofree char *config = NULL;
  g_autoptr(GString) rows = g_string_new ("INSERT INTO orders (note) VALUES ");
  sqlite3 *db = NULL;

  site->dir = g_dir_make_tmp ("upg-assess-backup-XXXXXX", NULL);
  site->bundle = g_build_filename (site->dir, "bundle", NULL);
  site->config_path = g_build_filename (site->dir, "upgrade.json", NULL);
  database = g_build_filename (site->dir, "ft.db", NULL);

  /* A few pages of data, so that sizes are not all one page. */
  for (guint i = 0; i < 2000; i++)
    g_string_append_printf (rows, "%s('order %u with some text to take room')", i > 0 ? ", " : "", i);
  g_assert_cmpint (sqlite3_open (database, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT);"
                                 "CREATE INDEX orders_note ON orders (note);"
                                 "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);"
                                 "INSERT INTO users VALUES (1, 'a');", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, rows->str, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  config = g_strdup_printf ("{\"site_id\": \"bj-01\", \"datasources\": {"
                            "\"ft_db\": {\"provider\": \"SQLite\", \"path\": \"%s\"}}}", database);
  assessment_test_write_file (site->config_path, config);
}

static void
site_teardown (Site *site, gconstpointer data)
{
  assessment_test_remove_dir (site->dir);
  g_free (site->dir);
  g_free (site->bundle);
  g_free (site->config_path);
}

/* A 3.17.5 manifest with @checks and the pre_stop steps @steps; the
 * assessor reads @journal when given. */
static UpgAssessment *
assess_with (Site *site, const char *checks, const char *steps, UpgJournal *journal)
{
  g_autofree char *path = g_build_filename (site->bundle, "manifests", "3.17.5.json", NULL);
  g_autofree char *manifest = g_strdup_printf (
    "{\"version\": \"3.17.5\", \"component\": \"ft\", \"checks\": %s,"
    " \"upgrade_steps\": {\"pre_stop\": [%s]}}", checks, steps);
  g_autoptr(UpgAssessor) assessor = NULL;

  assessment_test_write_file (path, manifest);
  assessor = assessment_test_assessor (site->bundle, site->config_path, "3.17.4", "3.17.5");
  upg_assessor_set_disk_path (assessor, site->dir);
  upg_assessor_set_journal (assessor, journal);
  return assessment_test_run (assessor);
}

static UpgAssessment *
assess (Site *site, const char *checks, const char *steps)
{
  return assess_with (site, checks, steps, NULL);
}

static gint64
figure (UpgCheckResult *item, const char *name)
{
  return json_object_get_int_member (upg_check_result_get_figures (item), name);
}

/* The seconds the assessment's estimate gives step @step_id. */
static gint64
step_seconds (UpgAssessment *assessment, const char *step_id)
{
  g_autoptr(JsonNode) node = upg_estimate_to_json (upg_assessment_get_estimate (assessment));
  JsonArray *steps = json_object_get_array_member (json_node_get_object (node), "steps");

  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);

      if (g_str_equal (json_object_get_string_member (step, "id"), step_id))
        return json_object_get_int_member (step, "seconds");
    }
  g_error ("no estimate for step %s", step_id);
}

/* The step's tables are sized: its item needs (data + index) × 1.5 of
 * the free space where backups go, the disk total counts it, and its
 * duration is the size over its rate. */
static void
test_sized (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment =
    assess (site, "{}", "{\"id\": \"dump_orders\", \"compatible_version\": \"3.17.0\", \"rate\": \"1KB/s\","
                        " \"backup\": {\"database\": \"ft_db\", \"tables\": [\"orders\"]}}");
  UpgCheckResult *item = assessment_test_find_item (assessment, "resource", "backup_step:3.17.5:dump_orders");
  g_autofree char *disk_id = g_strconcat ("disk:", site->dir, NULL);
  UpgCheckResult *disk;
  gint64 bytes = figure (item, "data_index_bytes");

  /* Data pages and the index's pages: more than a page each. */
  g_assert_cmpint (bytes, >, 2 * 4096);
  g_assert_cmpint (figure (item, "backup_bytes"), ==, (gint64) (bytes * 1.5));
  g_assert_cmpstr (json_object_get_string_member (upg_check_result_get_figures (item), "path"), ==, site->dir);
  g_assert_cmpint (figure (item, "free_bytes"), >, 0);
  g_assert_nonnull (strstr (upg_check_result_get_message (item), "backup step dump_orders dumps ft_db"));
  disk = assessment_test_find_item (assessment, "resource", disk_id);
  g_assert_cmpint (figure (disk, "backup_bytes"), ==, (gint64) (bytes * 1.5));
  g_assert_nonnull (strstr (upg_check_result_get_message (disk), "backup steps: 1"));

  /* 1 KiB/s: one second per KiB, rounded up. */
  g_assert_cmpint (figure (item, "rate_bytes_per_second"), ==, 1024);
  g_assert_cmpstr (json_object_get_string_member (upg_check_result_get_figures (item), "rate_source"), ==, "step");
  g_assert_cmpint (step_seconds (assessment, "dump_orders"), ==, (bytes + 1023) / 1024);
  /* pre_stop lasts as long as its longest step: this one. */
  g_assert_cmpint (upg_estimate_get_stage_seconds (upg_assessment_get_estimate (assessment), UPG_STAGE_PRE_STOP), ==,
                   (bytes + 1023) / 1024);
}

/* No tables: the whole database, more than its orders alone; without a
 * rate the default one applies. */
static void
test_whole_database (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) orders =
    assess (site, "{}", "{\"id\": \"dump\", \"compatible_version\": \"3.17.0\","
                        " \"backup\": {\"database\": \"ft_db\", \"tables\": [\"orders\"]}}");
  g_autoptr(UpgAssessment) all =
    assess (site, "{}", "{\"id\": \"dump\", \"compatible_version\": \"3.17.0\", \"backup\": {\"database\": \"ft_db\"}}");
  UpgCheckResult *item = assessment_test_find_item (all, "resource", "backup_step:3.17.5:dump");

  g_assert_cmpint (figure (item, "data_index_bytes"), >,
                   figure (assessment_test_find_item (orders, "resource", "backup_step:3.17.5:dump"),
                           "data_index_bytes"));
  /* 50 MiB/s: a small database takes the minimum of one second. */
  g_assert_cmpint (figure (item, "rate_bytes_per_second"), ==, 50 * 1024 * 1024);
  g_assert_cmpstr (json_object_get_string_member (upg_check_result_get_figures (item), "rate_source"), ==,
                   "default");
  g_assert_cmpint (step_seconds (all, "dump"), ==, 1);
}

/* backup_tables naming the step's tables describes the same dump: the
 * total counts it once; a declared estimated_duration is kept. */
static void
test_counted_once (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment =
    assess (site, "{\"backup_tables\": [{\"database\": \"ft_db\", \"tables\": [\"orders\"]}]}",
            "{\"id\": \"dump\", \"compatible_version\": \"3.17.0\", \"estimated_duration\": 42,"
            " \"backup\": {\"database\": \"ft_db\", \"tables\": [\"orders\", \"users\"]}}");
  g_autofree char *disk_id = g_strconcat ("disk:", site->dir, NULL);
  UpgCheckResult *tables = assessment_test_find_item (assessment, "resource", "backup:ft_db");
  UpgCheckResult *step = assessment_test_find_item (assessment, "resource", "backup_step:3.17.5:dump");
  UpgCheckResult *disk = assessment_test_find_item (assessment, "resource", disk_id);
  gint64 users = figure (step, "backup_bytes") - figure (tables, "backup_bytes");

  /* users is the one table backup_tables did not size. */
  g_assert_cmpint (users, >, 0);
  g_assert_cmpint (figure (disk, "backup_bytes"), <, figure (tables, "backup_bytes") + figure (step, "backup_bytes"));
  g_assert_cmpint (figure (disk, "backup_bytes"), >, figure (tables, "backup_bytes"));
  g_assert_cmpint (step_seconds (assessment, "dump"), ==, 42);
}

/* An entry of backup_tables without its tables is a failed item naming
 * the member (it used to crash the assessment). */
static void
test_entry_without_tables (Site *site, gconstpointer data)
{
  g_autoptr(UpgAssessment) assessment =
    assess (site, "{\"backup_tables\": [{\"database\": \"ft_db\"}]}",
            "{\"id\": \"dump\", \"compatible_version\": \"3.17.0\","
            " \"backup\": {\"database\": \"ft_db\", \"tables\": [\"orders\"]}}");
  UpgCheckResult *item = assessment_test_find_item (assessment, "resource", "$.checks.backup_tables[0]");

  g_assert_cmpint (upg_check_result_get_verdict (item), ==, UPG_VERDICT_FAIL);
  g_assert_nonnull (strstr (upg_check_result_get_message (item),
                            "3.17.5.json: $.checks.backup_tables[0].tables: required member is missing: "
                            "expected a non-empty array of strings"));
}

/* Journals a successful backup of ft_db's @tables_json that took
 * @duration_ms, another of other tables, and a later failed one. */
static void
journal_backups (UpgJournal *journal, const char *tables_json, gint64 duration_ms)
{
  const char *tables[] = { tables_json, "[\"users\"]" };
  const gint64 durations[] = { duration_ms, 1 };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      UpgBackupRecord record = { .execution_id = "e-1", .site_id = "bj-01", .component = "ft",
                                 .version = "3.17.4", .step_id = "dump_orders", .database = "ft_db",
                                 .provider = "SQLite", .tables = (char *) tables[i], .path = "/backups/x.gz" };

      upg_journal_set_now (journal, G_GINT64_CONSTANT (1700000000000) + i * 100000);
      g_assert_true (upg_journal_begin_backup (journal, &record, &error));
      g_assert_no_error (error);
      upg_journal_set_now (journal, G_GINT64_CONSTANT (1700000000000) + i * 100000 + durations[i]);
      g_assert_true (upg_journal_finish_backup (journal, record.id, UPG_BACKUP_SUCCESS, 100, "ab", "{}", NULL,
                                                &error));
      g_assert_no_error (error);
      g_free (record.id);
      g_free (record.status);
    }
}

/* Without a rate, the latest successful backup of the same tables in the
 * journal gives one: today's size over its 8 s. */
static void
test_measured_rate (Site *site, gconstpointer data)
{
  g_autofree char *path = g_build_filename (site->dir, "journal.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgJournal) journal = upg_journal_open_sqlite (path, &error);
  g_autoptr(UpgAssessment) assessment = NULL;
  UpgCheckResult *item;
  JsonObject *figures;
  gint64 bytes;

  g_assert_no_error (error);
  journal_backups (journal, "[\"orders\"]", 8000);
  assessment = assess_with (site, "{}", "{\"id\": \"dump_orders\", \"compatible_version\": \"3.17.0\","
                                        " \"backup\": {\"database\": \"ft_db\", \"tables\": [\"orders\"]}}",
                            journal);
  item = assessment_test_find_item (assessment, "resource", "backup_step:3.17.5:dump_orders");
  figures = upg_check_result_get_figures (item);
  bytes = figure (item, "data_index_bytes");
  g_assert_cmpstr (json_object_get_string_member (figures, "rate_source"), ==, "journal");
  g_assert_nonnull (json_object_get_string_member (figures, "rate_backup_id"));
  g_assert_cmpint (figure (item, "rate_bytes_per_second"), ==, (gint64) (bytes * 1000.0 / 8000));
  g_assert_cmpint (step_seconds (assessment, "dump_orders"), ==, 8);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Site, NULL, site_setup, func, site_teardown)
  ADD ("/assessment/backup-steps/sized", test_sized);
  ADD ("/assessment/backup-steps/whole-database", test_whole_database);
  ADD ("/assessment/backup-steps/counted-once", test_counted_once);
  ADD ("/assessment/backup-steps/entry-without-tables", test_entry_without_tables);
  ADD ("/assessment/backup-steps/measured-rate", test_measured_rate);
#undef ADD
  return g_test_run ();
}
