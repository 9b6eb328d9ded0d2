/* rate-cases.c - the live calibration kept in the journal (schema v4), on
 * every dialect: written, read back by another connection, cleared when
 * it no longer holds, and migrated onto an existing v3 journal.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "journal-cases.h"
#include "upg-journal-private.h"
#include "upg-journal-schema-private.h"

/* 812 statements/s measured against 1000/s configured: -19 %, 190 s left,
 * revised a minute after T0 and recomputed ten seconds later. */
static const UpgJournalRateEstimate slow_step = {
  "sql_042", "statements", 812.25, 1000.0, -19, 190, T0 + 60000, T0 + 70000,
};

/* The execution as `status` of another process sees it: a second journal
 * object on its own connection. */
static UpgExecution *
read_back (JournalBackend *backend,
           const char     *id,
           JsonObject    **record_out)
{
  g_autoptr(UpgJournal) reader = journal_backend_open (backend);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) record = upg_journal_get_execution (reader, id, &error);
  UpgExecution *execution;

  g_assert_no_error (error);
  g_assert_nonnull (record);
  execution = upg_execution_new_from_journal (record, &error);
  g_assert_no_error (error);
  if (record_out != NULL)
    *record_out = g_steal_pointer (&record);
  return execution;
}

static void
assert_slow_step (UpgExecution *execution)
{
  g_autoptr(UpgRateEstimate) estimate = upg_execution_dup_rate_estimate (execution);
  g_autofree char *revised = NULL;
  g_autofree char *updated = NULL;

  g_assert_true (upg_execution_has_rate_estimate (execution));
  g_assert_cmpstr (upg_rate_estimate_get_step_id (estimate), ==, "sql_042");
  g_assert_cmpstr (upg_rate_estimate_get_units (estimate), ==, "statements");
  /* Kept in thousandths of a unit per second. */
  g_assert_cmpfloat_with_epsilon (upg_rate_estimate_get_measured_rate (estimate), 812.25, 1e-9);
  g_assert_cmpfloat_with_epsilon (upg_rate_estimate_get_configured_rate (estimate), 1000.0, 1e-9);
  g_assert_cmpint (upg_rate_estimate_get_deviation_percent (estimate), ==, -19);
  g_assert_cmpint (upg_rate_estimate_get_eta_seconds (estimate), ==, 190);
  revised = g_date_time_format_iso8601 (upg_rate_estimate_get_revised_at (estimate));
  updated = g_date_time_format_iso8601 (upg_rate_estimate_get_updated_at (estimate));
  g_assert_cmpstr (revised, ==, "2024-01-01T10:01:01Z");
  g_assert_cmpstr (updated, ==, "2024-01-01T10:01:11Z");

  /* A copy: the execution keeps its own value, which the executor revises
   * at every sample. */
  {
    g_autoptr(UpgRateEstimate) again = upg_execution_dup_rate_estimate (execution);

    g_assert_true (again != estimate);
    g_assert_true (upg_rate_estimate_get_step_id (again) != upg_rate_estimate_get_step_id (estimate));
    g_assert_cmpstr (upg_rate_estimate_get_step_id (again), ==, "sql_042");
  }

  /* The deprecated getters still answer, from the same value. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_assert_cmpstr (upg_execution_get_rate_step_id (execution), ==, "sql_042");
  g_assert_cmpstr (upg_execution_get_rate_units (execution), ==, "statements");
  g_assert_cmpfloat_with_epsilon (upg_execution_get_measured_rate (execution), 812.25, 1e-9);
  g_assert_cmpfloat_with_epsilon (upg_execution_get_configured_rate (execution), 1000.0, 1e-9);
  g_assert_cmpint (upg_execution_get_rate_deviation_percent (execution), ==, -19);
  g_assert_cmpint (upg_execution_get_rate_eta_seconds (execution), ==, 190);
  g_assert_true (g_date_time_equal (upg_execution_get_rate_revised_at (execution),
                                    upg_rate_estimate_get_revised_at (estimate)));
  g_assert_true (g_date_time_equal (upg_execution_get_rate_updated_at (execution),
                                    upg_rate_estimate_get_updated_at (estimate)));
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
set_estimate (UpgJournal                   *journal,
              const char                   *id,
              const UpgJournalRateEstimate *estimate)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (upg_journal_set_rate_estimate (journal, id, estimate, &error));
  g_assert_no_error (error);
}

static void
set_status (UpgJournal         *journal,
            const char         *id,
            UpgExecutionStatus  status)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (upg_journal_set_execution_status (journal, id, status, NULL, &error));
  g_assert_no_error (error);
}

static gboolean
has_estimate (JournalBackend *backend,
              const char     *id)
{
  g_autoptr(UpgExecution) execution = read_back (backend, id, NULL);

  return upg_execution_has_rate_estimate (execution);
}

/* Written by the process running the stage, read by another, in the JSON
 * run form too. */
static void
test_rate_persisted (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *id = NULL;
  JsonObject *rate;

  journal_backend_reset (backend);
  journal = journal_backend_open (backend);
  id = journal_new_execution (journal, "bj-01");
  g_assert_false (has_estimate (backend, id));

  set_estimate (journal, id, &slow_step);
  execution = read_back (backend, id, &record);
  assert_slow_step (execution);
  g_assert_cmpint (json_object_get_int_member (record, "rate_measured_milli"), ==, 812250);

  node = upg_execution_to_json (execution, TRUE);
  rate = json_object_get_object_member (json_node_get_object (node), "rate");
  g_assert_nonnull (rate);
  g_assert_cmpstr (json_object_get_string_member (rate, "step_id"), ==, "sql_042");
  g_assert_cmpstr (json_object_get_string_member (rate, "units"), ==, "statements");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (rate, "measured_per_second"), 812.25, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (rate, "configured_per_second"), 1000.0, 1e-9);
  g_assert_cmpint (json_object_get_int_member (rate, "deviation_percent"), ==, -19);
  g_assert_cmpint (json_object_get_int_member (rate, "remaining_seconds"), ==, 190);
  g_assert_cmpstr (json_object_get_string_member (rate, "revised_at"), ==, "2024-01-01T10:01:01Z");
  g_assert_cmpstr (json_object_get_string_member (rate, "updated_at"), ==, "2024-01-01T10:01:11Z");
  /* The SPEC members are all still there. */
  g_assert_true (json_object_has_member (json_node_get_object (node), "breakpoint"));
  g_assert_true (json_object_has_member (json_node_get_object (node), "steps"));
}

/* An unknown remaining time is NULL, not a number. */
static void
test_rate_unknown_eta (gconstpointer data)
{
  g_autoptr(UpgRateEstimate) estimate = NULL;
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *id = NULL;
  UpgJournalRateEstimate unknown = { "tool_7", "permille", 2.5, 0.0, 0, -1, T0, T0 };
  JsonObject *rate;

  journal_backend_reset (backend);
  journal = journal_backend_open (backend);
  id = journal_new_execution (journal, "bj-01");
  set_estimate (journal, id, &unknown);
  execution = read_back (backend, id, NULL);
  estimate = upg_execution_dup_rate_estimate (execution);
  g_assert_cmpstr (upg_rate_estimate_get_units (estimate), ==, "permille");
  g_assert_cmpint (upg_rate_estimate_get_eta_seconds (estimate), ==, -1);
  g_assert_cmpfloat (upg_rate_estimate_get_configured_rate (estimate), ==, 0.0);
  node = upg_execution_to_json (execution, FALSE);
  rate = json_object_get_object_member (json_node_get_object (node), "rate");
  g_assert_true (json_object_get_null_member (rate, "remaining_seconds"));
}

/* A stopped stage keeps the estimate of the step it stopped in; a resume,
 * an explicit clear or a success forgets it. */
static void
test_rate_lifecycle (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *other = NULL;

  journal_backend_reset (backend);
  journal = journal_backend_open (backend);
  id = journal_new_execution (journal, "bj-01");
  other = journal_new_execution (journal, "bj-02");

  set_estimate (journal, id, &slow_step);
  set_estimate (journal, other, &slow_step);
  set_status (journal, id, UPG_EXECUTION_STATUS_FAILED);
  {
    g_autoptr(UpgExecution) failed = read_back (backend, id, NULL);

    assert_slow_step (failed);
  }
  g_assert_cmpuint (upg_journal_resume_execution (journal, id, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_false (has_estimate (backend, id));

  set_estimate (journal, id, &slow_step);
  set_estimate (journal, id, NULL);
  g_assert_false (has_estimate (backend, id));

  set_estimate (journal, id, &slow_step);
  set_status (journal, id, UPG_EXECUTION_STATUS_SUCCESS);
  g_assert_false (has_estimate (backend, id));
  /* Another execution's estimate is its own. */
  g_assert_true (has_estimate (backend, other));
}

/* An existing v3 journal with history migrates in place: its executions
 * have no estimate and can take one; migrating again changes nothing. */
static void
test_rate_migrates_v3 (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgConnection) connection = NULL;
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(GError) error = NULL;
  guint version = 0;

  connection = journal_backend_connect_at (backend, 3, "v3-run");

  journal = upg_journal_new (connection, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (upg_journal_get_schema_version (journal), ==, UPG_JOURNAL_SCHEMA_VERSION);
  g_assert_false (has_estimate (backend, "v3-run"));
  set_estimate (journal, "v3-run", &slow_step);
  {
    g_autoptr(UpgExecution) execution = read_back (backend, "v3-run", NULL);

    assert_slow_step (execution);
    g_assert_cmpint (upg_execution_get_status (execution), ==, UPG_EXECUTION_STATUS_FAILED);
  }
  g_assert_true (upg_journal_schema_migrate (connection, UPG_JOURNAL_SCHEMA_VERSION, T0, &version, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (version, ==, UPG_JOURNAL_SCHEMA_VERSION);
}

/* MariaDB commits DDL implicitly: a v4 migration interrupted after some of
 * its columns were added is simply applied again. */
static void
test_rate_migration_resumes (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgConnection) connection = NULL;
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  connection = journal_backend_connect_at (backend, 3, NULL);
  journal_backend_exec (connection, "ALTER TABLE upgrade_execution ADD COLUMN rate_step_id VARCHAR(255)");
  journal_backend_exec (connection, "ALTER TABLE upgrade_execution ADD COLUMN rate_units VARCHAR(64)");

  journal = upg_journal_new (connection, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (upg_journal_get_schema_version (journal), ==, UPG_JOURNAL_SCHEMA_VERSION);
  id = journal_new_execution (journal, "bj-01");
  set_estimate (journal, id, &slow_step);
  {
    g_autoptr(UpgExecution) execution = read_back (backend, id, NULL);

    assert_slow_step (execution);
  }
}

/* Schema v14: what runs when it is not a statement of a file (a command
 * line, a migration's batch) is journaled in current_task. A v12 journal
 * (as status-blocked's version left it) gets the column; `status` of
 * another process reads the task back, with no file, and not once it
 * ended. */
static void
test_current_task_migrates_v12 (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgConnection) connection = NULL;
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(GError) error = NULL;
  const UpgJournalCurrentStatement current = {
    "wait", NULL, "sh -c 'sleep 600' http://probe@health.example/up", 0, 0, T0 + 1000, 2, 5, 30,
  };

  connection = journal_backend_connect_at (backend, 12, "v12-run");
  journal_backend_exec (connection, "UPDATE upgrade_execution SET status = 'RUNNING' WHERE id = 'v12-run'");
  journal = upg_journal_new (connection, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (upg_journal_get_schema_version (journal), ==, UPG_JOURNAL_SCHEMA_VERSION);
  g_assert_true (upg_journal_set_current_statement (journal, "v12-run", &current, &error));
  g_assert_no_error (error);
  {
    g_autoptr(UpgExecution) execution = read_back (backend, "v12-run", NULL);

    g_assert_cmpstr (upg_execution_get_current_step_id (execution), ==, "wait");
    g_assert_null (upg_execution_get_current_file (execution));
    g_assert_cmpstr (upg_execution_get_current_task (execution), ==, current.task);
    g_assert_cmpuint (upg_execution_get_current_line (execution), ==, 0);
    g_assert_nonnull (upg_execution_get_current_started (execution));
    g_assert_cmpuint (upg_execution_get_statements_done (execution), ==, 2);
  }
  g_assert_true (upg_journal_set_current_statement (journal, "v12-run", NULL, &error));
  g_assert_no_error (error);
  {
    g_autoptr(UpgExecution) execution = read_back (backend, "v12-run", NULL);

    g_assert_null (upg_execution_get_current_step_id (execution));
    g_assert_null (upg_execution_get_current_task (execution));
  }
}

void
rate_cases_register (JournalBackend *backend)
{
  journal_cases_add (backend, "journal", "rate/persisted", test_rate_persisted);
  journal_cases_add (backend, "journal", "rate/unknown-eta", test_rate_unknown_eta);
  journal_cases_add (backend, "journal", "rate/lifecycle", test_rate_lifecycle);
  journal_cases_add (backend, "journal", "rate/migrates-v3", test_rate_migrates_v3);
  journal_cases_add (backend, "journal", "rate/migration-resumes", test_rate_migration_resumes);
  journal_cases_add (backend, "journal", "current/task-migrates-v12", test_current_task_migrates_v12);
}
