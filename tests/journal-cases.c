/* journal-cases.c - schema, execution and step tests shared by every dialect
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal-cases.h"
#include "upg-journal-schema-private.h"
#include "upg-journal-write-private.h"

static const char *all_tables[] = {
  "upgrade_check_skip", "upgrade_config_file", "upgrade_notification",
  "upgrade_confirmation", "upgrade_restore", "upgrade_backup", "upgrade_statement_marker", "marker_target",
  "upgrade_lock", "upgrade_report",
  "upgrade_breakpoint", "sql_execution_record", "step_execution", "upgrade_execution",
  "upgrade_schema_version",
};

UpgConnection *
journal_backend_connect (JournalBackend *backend)
{
  g_autoptr(GError) error = NULL;
  UpgConnection *connection = backend->connect (backend, &error);

  g_assert_no_error (error);
  g_assert_nonnull (connection);
  return connection;
}

void
journal_backend_exec (UpgConnection *connection,
                      const char    *sql)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (upg_connection_execute (connection, sql, NULL, NULL, &error));
  g_assert_no_error (error);
}

void
journal_backend_reset (JournalBackend *backend)
{
  g_autoptr(UpgConnection) connection = journal_backend_connect (backend);

  for (guint i = 0; i < G_N_ELEMENTS (all_tables); i++)
    {
      g_autofree char *sql = g_strdup_printf ("DROP TABLE IF EXISTS %s", all_tables[i]);

      journal_backend_exec (connection, sql);
    }
}

/* An emptied journal database at schema @version (an older one, as a
 * previous libupgrade left it), holding a FAILED execution @execution_id
 * of site bj-01 unless NULL. */
UpgConnection *
journal_backend_connect_at (JournalBackend *backend,
                            guint           version,
                            const char     *execution_id)
{
  g_autoptr(GError) error = NULL;
  UpgConnection *connection;
  guint migrated = 0;

  journal_backend_reset (backend);
  connection = journal_backend_connect (backend);
  g_assert_true (upg_journal_schema_migrate (connection, version, T0, &migrated, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (migrated, ==, version);
  if (execution_id != NULL)
    {
      g_autofree char *sql =
        g_strdup_printf ("INSERT INTO upgrade_execution (id, site_id, component, from_version, to_version,"
                         " stage, kind, status, owner, started_at, resume_count)"
                         " VALUES ('%s', 'bj-01', 'ft', '3.17.4', '3.17.5', 'in_stop', 'run',"
                         " 'FAILED', 'h:1', 1000, 0)", execution_id);

      journal_backend_exec (connection, sql);
    }
  return connection;
}

UpgJournal *
journal_backend_open (JournalBackend *backend)
{
  g_autoptr(UpgConnection) connection = journal_backend_connect (backend);
  g_autoptr(GError) error = NULL;
  UpgJournal *journal = upg_journal_new (connection, &error);

  g_assert_no_error (error);
  g_assert_nonnull (journal);
  upg_journal_set_now (journal, T0);
  return journal;
}

/* Removes the tests' temporary state directory. */
void
journal_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      journal_remove_tree (child);
    }
  g_remove (path);
}

static UpgJournal *
fresh (JournalBackend *backend)
{
  journal_backend_reset (backend);
  return journal_backend_open (backend);
}

static gint64
count_rows (UpgConnection *connection,
            const char    *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgRows) rows = upg_connection_query (connection, sql, NULL, NULL, &error);

  g_assert_no_error (error);
  return upg_rows_get_int (rows, 0, 0, -1);
}

char *
journal_new_execution (UpgJournal *journal,
               const char *site)
{
  g_autoptr(GError) error = NULL;
  char *id = upg_journal_create_execution (journal, site, "ft", "3.17.4", "3.17.5",
                                           UPG_STAGE_IN_STOP, UPG_EXECUTION_KIND_RUN, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  return id;
}

/* A pid that certainly belonged to a process that is gone: a reaped
 * child. It runs a program (rather than exiting after fork) so that a
 * copy of this process never exits holding the parent's memory. */
guint
journal_dead_pid (void)
{
  const char *argv[] = { "/bin/true", NULL };
  g_autoptr(GError) error = NULL;
  GPid pid = 0;
  int status = 0;

  g_assert_true (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                &pid, &error));
  g_assert_no_error (error);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  return (guint) pid;
}

static void
test_open_fresh_and_reopen (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgJournal) first = fresh (backend);
  g_autoptr(UpgJournal) second = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = journal_new_execution (first, "bj-01");

  g_assert_cmpuint (upg_journal_get_schema_version (first), ==, UPG_JOURNAL_SCHEMA_VERSION);
  g_assert_true (upg_journal_ping (first, &error));
  g_assert_no_error (error);

  /* Opening again changes nothing and keeps the data. */
  second = journal_backend_open (backend);
  g_assert_cmpuint (upg_journal_get_schema_version (second), ==, UPG_JOURNAL_SCHEMA_VERSION);
  g_assert_cmpint (count_rows (upg_journal_get_connection (second),
                               "SELECT COUNT(*) FROM upgrade_schema_version"), ==,
                   UPG_JOURNAL_SCHEMA_VERSION);
  record = upg_journal_get_execution (second, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (record, "site"), ==, "bj-01");
}

static void
test_open_migrates_v1 (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgConnection) connection = NULL;
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *checkpoint = NULL;
  g_autofree char *record = NULL;
  g_autofree char *succeeded_in = NULL;
  g_autofree char *rollback_id = NULL;
  guint version = 0;

  journal_backend_reset (backend);
  connection = journal_backend_connect (backend);
  g_assert_true (upg_journal_schema_migrate (connection, 1, T0, &version, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (version, ==, 1);
  g_assert_cmpuint (upg_journal_schema_get_version (connection, NULL), ==, 1);
  /* A v1 journal with history: an execution and a step, no checkpoint column. */
  journal_backend_exec (connection,
                        "INSERT INTO upgrade_execution (id, site_id, component, from_version, to_version,"
                        " stage, kind, status, owner, started_at, resume_count)"
                        " VALUES ('old-1', 'bj-01', 'ft', '3.17.4', '3.17.5', 'in_stop', 'run',"
                        " 'FAILED', 'h:1', 1000, 0)");
  journal_backend_exec (connection,
                        "INSERT INTO step_execution (execution_id, component, version, step_id, site_id,"
                        " stage, status, position, started_at, attempt)"
                        " VALUES ('old-1', 'ft', '3.17.5', 'tool_001', 'bj-01', 'in_stop', 'FAILED', 1, 1000, 1)");
  journal_backend_exec (connection,
                        "INSERT INTO step_execution (execution_id, component, version, step_id, site_id,"
                        " stage, status, position, started_at, finished_at, attempt)"
                        " VALUES ('old-1', 'ft', '3.17.5', 'tool_000', 'bj-01', 'in_stop', 'SUCCESS', 0, 900,"
                        " 950, 1)");

  journal = upg_journal_new (connection, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (upg_journal_get_schema_version (journal), ==, UPG_JOURNAL_SCHEMA_VERSION);
  g_assert_true (upg_journal_set_checkpoint (journal, "old-1", "ft", "3.17.5", "tool_001",
                                             "{\"done\": 42}", &error));
  g_assert_no_error (error);
  checkpoint = upg_journal_get_checkpoint (journal, "old-1", "ft", "3.17.5", "tool_001", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (checkpoint, ==, "{\"done\": 42}");
  /* The v3 column exists: a v1 success counts until a rollback undoes it. */
  succeeded_in = upg_journal_find_step_success (journal, "bj-01", "ft", "3.17.5", "tool_000", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (succeeded_in, ==, "old-1");
  rollback_id = upg_journal_create_execution (journal, "bj-01", "ft", "3.17.4", "3.17.5", UPG_STAGE_IN_STOP,
                                              UPG_EXECUTION_KIND_ROLLBACK, NULL, &error);
  g_assert_true (upg_journal_undo_step (journal, rollback_id, "ft", "3.17.5", "tool_000", &error));
  g_assert_no_error (error);
  g_clear_pointer (&succeeded_in, g_free);
  succeeded_in = upg_journal_find_step_success (journal, "bj-01", "ft", "3.17.5", "tool_000", &error);
  g_assert_no_error (error);
  g_assert_null (succeeded_in);
  /* The v2 unique index exists: a statement can be recorded and finished. */
  g_assert_true (upg_journal_begin_step (journal, "old-1", "ft", "3.17.5", "sql_001",
                                         UPG_STAGE_IN_STOP, &error));
  record = upg_journal_begin_statement (journal, "old-1", "ft", "3.17.5", "sql_001", "a.sql", 1, 1,
                                        "SELECT 1", "ft_db", &error);
  g_assert_no_error (error);
  g_assert_true (upg_journal_finish_statement (journal, record, UPG_STATEMENT_STATUS_SUCCESS, 0,
                                               NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
test_open_refuses_foreign_and_newer (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgConnection) connection = NULL;
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(GError) error = NULL;

  journal_backend_reset (backend);
  connection = journal_backend_connect (backend);
  journal_backend_exec (connection, "CREATE TABLE upgrade_execution (id INTEGER)");
  journal = upg_journal_new (connection, &error);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_JOURNAL);
  g_assert_nonnull (strstr (error->message, "not created by libupgrade"));
  g_assert_null (journal);
  g_clear_error (&error);

  journal_backend_reset (backend);
  g_clear_object (&journal);
  journal = journal_backend_open (backend);
  journal_backend_exec (connection, "INSERT INTO upgrade_schema_version (version, applied_at) VALUES (99, 0)");
  g_clear_object (&journal);
  journal = upg_journal_new (connection, &error);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_JOURNAL);
  g_assert_nonnull (strstr (error->message, "schema version 99"));
  g_assert_null (journal);
}

static gpointer
open_in_thread (gpointer data)
{
  JournalBackend *backend = data;
  g_autoptr(UpgConnection) connection = backend->connect (backend, NULL);
  GError *error = NULL;
  UpgJournal *journal = connection != NULL ? upg_journal_new (connection, &error) : NULL;

  if (journal == NULL)
    return error != NULL ? error : g_error_new_literal (UPG_ERROR, UPG_ERROR_FAILED, "no connection");
  g_object_unref (journal);
  return NULL;
}

static void
test_open_concurrently (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  GThread *threads[4];
  g_autoptr(UpgConnection) connection = NULL;

  journal_backend_reset (backend);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("open", open_in_thread, backend);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_autoptr(GError) error = g_thread_join (threads[i]);

      g_assert_no_error (error);
    }
  connection = journal_backend_connect (backend);
  g_assert_cmpint (count_rows (connection, "SELECT COUNT(*) FROM upgrade_schema_version"), ==,
                   UPG_JOURNAL_SCHEMA_VERSION);
}

static void
test_execution_lifecycle (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgJournal) journal = fresh (backend);
  g_autoptr(JsonObject) env = json_object_new ();
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(JsonObject) latest = NULL;
  g_autoptr(JsonObject) found = NULL;
  g_autoptr(JsonArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *owner = upg_journal_get_owner (journal);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *other = NULL;

  json_object_set_string_member (env, "cluster_id", "bj-01");
  first = upg_journal_create_execution (journal, "bj-01", NULL, "3.17.4", "3.17.5", UPG_STAGE_PRE_STOP,
                                        UPG_EXECUTION_KIND_RUN, env, &error);
  g_assert_no_error (error);
  g_assert_true (g_uuid_string_is_valid (first));
  upg_journal_set_now (journal, T0 + 1000);
  second = journal_new_execution (journal, "bj-01");
  upg_journal_set_now (journal, T0 + 2000);
  other = journal_new_execution (journal, "sh-02");

  record = upg_journal_get_execution (journal, first, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (record, "execution_id"), ==, first);
  g_assert_cmpstr (json_object_get_string_member (record, "status"), ==, "RUNNING");
  g_assert_cmpstr (json_object_get_string_member (record, "stage"), ==, "pre_stop");
  g_assert_cmpstr (json_object_get_string_member (record, "kind"), ==, "run");
  g_assert_cmpstr (json_object_get_string_member (record, "from"), ==, "3.17.4");
  g_assert_cmpstr (json_object_get_string_member (record, "to"), ==, "3.17.5");
  g_assert_cmpstr (json_object_get_string_member (record, "owner"), ==, owner);
  g_assert_cmpstr (json_object_get_string_member (record, "started_at"), ==, "2024-01-01T10:00:01.000Z");
  g_assert_true (json_object_get_null_member (record, "finished_at"));
  g_assert_true (json_object_get_null_member (record, "component"));
  g_assert_true (json_object_get_null_member (record, "breakpoint"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (record, "steps")), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (record, "env"),
                                                  "cluster_id"), ==, "bj-01");

  upg_journal_set_now (journal, T0 + 5250);
  g_assert_true (upg_journal_set_execution_status (journal, first, UPG_EXECUTION_STATUS_FAILED,
                                                   "step sql_001 failed", &error));
  g_assert_no_error (error);
  g_clear_pointer (&record, json_object_unref);
  record = upg_journal_get_execution (journal, first, &error);
  g_assert_cmpstr (json_object_get_string_member (record, "status"), ==, "FAILED");
  g_assert_cmpstr (json_object_get_string_member (record, "error"), ==, "step sql_001 failed");
  g_assert_cmpstr (json_object_get_string_member (record, "finished_at"), ==, "2024-01-01T10:00:06.250Z");

  list = upg_journal_list_executions (journal, "bj-01", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (list), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 0), "execution_id"), ==, second);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 1), "execution_id"), ==, first);
  g_clear_pointer (&list, json_array_unref);
  list = upg_journal_list_executions (journal, NULL, 1, &error);
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 0), "execution_id"), ==, other);

  latest = upg_journal_get_latest_execution (journal, "bj-01", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (latest, "execution_id"), ==, second);
  g_assert_true (json_object_has_member (latest, "steps"));

  found = upg_journal_find_last_execution (journal, "bj-01", "3.17.4", "3.17.5", UPG_STAGE_PRE_STOP,
                                           UPG_EXECUTION_KIND_RUN, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (found, "execution_id"), ==, first);
  g_clear_pointer (&found, json_object_unref);
  found = upg_journal_find_last_execution (journal, "bj-01", "3.17.4", "3.17.5", UPG_STAGE_PRE_STOP,
                                           UPG_EXECUTION_KIND_ROLLBACK, &error);
  g_assert_no_error (error);
  g_assert_null (found);
}

static void
test_execution_errors (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgJournal) journal = fresh (backend);
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  record = upg_journal_get_execution (journal, "no-such-id", &error);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no-such-id"));
  g_assert_null (record);
  g_clear_error (&error);

  record = upg_journal_get_latest_execution (journal, "bj-01", &error);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND);
  g_clear_error (&error);

  id = upg_journal_create_execution (journal, "", NULL, "3.17.4", "3.17.5", UPG_STAGE_IN_STOP,
                                     UPG_EXECUTION_KIND_RUN, NULL, &error);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_assert_null (id);
  g_clear_error (&error);

  g_assert_false (upg_journal_set_execution_status (journal, "no-such-id", UPG_EXECUTION_STATUS_SUCCESS,
                                                    NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND);
}

static void
test_execution_resume_limit (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgJournal) journal = fresh (backend);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autofree char *id = journal_new_execution (journal, "bj-01");

  for (guint i = 1; i <= UPG_JOURNAL_MAX_RESUMES; i++)
    {
      g_assert_true (upg_journal_set_execution_status (journal, id, UPG_EXECUTION_STATUS_FAILED, "x", &error));
      g_assert_cmpuint (upg_journal_resume_execution (journal, id, &error), ==, i);
      g_assert_no_error (error);
    }
  record = upg_journal_get_execution (journal, id, &error);
  g_assert_cmpint (json_object_get_int_member (record, "resume_count"), ==, 10);
  g_assert_cmpstr (json_object_get_string_member (record, "status"), ==, "RUNNING");
  g_assert_true (json_object_get_null_member (record, "finished_at"));

  g_assert_cmpuint (upg_journal_resume_execution (journal, id, &error), ==, 0);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_RESUME_LIMIT);
  g_assert_nonnull (strstr (error->message, id));
  g_clear_error (&error);

  g_assert_true (upg_journal_set_execution_status (journal, id, UPG_EXECUTION_STATUS_SUCCESS, NULL, &error));
  g_assert_cmpuint (upg_journal_resume_execution (journal, id, &error), ==, 0);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpuint (upg_journal_resume_execution (journal, "no-such-id", &error), ==, 0);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND);
}

static void
test_execution_mark_interrupted (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgJournal) journal = fresh (backend);
  g_autoptr(UpgJournal) elsewhere = journal_backend_open (backend);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) record = NULL;
  guint self_pid = upg_journal_get_pid (journal);
  g_autofree char *alive = journal_new_execution (journal, "bj-01");
  g_autofree char *dead = NULL;
  g_autofree char *remote = NULL;
  g_autofree char *finished = NULL;

  upg_journal_set_pid (journal, journal_dead_pid ());
  dead = journal_new_execution (journal, "bj-01");
  finished = journal_new_execution (journal, "bj-01");
  g_assert_true (upg_journal_set_execution_status (journal, finished, UPG_EXECUTION_STATUS_SUCCESS, NULL, &error));
  upg_journal_set_host (elsewhere, "other-host.example");
  upg_journal_set_pid (elsewhere, journal_dead_pid ());
  remote = journal_new_execution (elsewhere, "bj-01");
  upg_journal_set_pid (journal, self_pid);

  g_assert_cmpuint (upg_journal_mark_interrupted (journal, &error), ==, 1);
  g_assert_no_error (error);
  record = upg_journal_get_execution (journal, dead, &error);
  g_assert_cmpstr (json_object_get_string_member (record, "status"), ==, "INTERRUPTED");
  g_assert_nonnull (strstr (json_object_get_string_member (record, "error"), "stopped"));
  g_clear_pointer (&record, json_object_unref);
  record = upg_journal_get_execution (journal, alive, &error);
  g_assert_cmpstr (json_object_get_string_member (record, "status"), ==, "RUNNING");
  g_clear_pointer (&record, json_object_unref);
  record = upg_journal_get_execution (journal, remote, &error);
  g_assert_cmpstr (json_object_get_string_member (record, "status"), ==, "RUNNING");
  g_clear_pointer (&record, json_object_unref);
  record = upg_journal_get_execution (journal, finished, &error);
  g_assert_cmpstr (json_object_get_string_member (record, "status"), ==, "SUCCESS");

  /* Marking again finds nothing more; INTERRUPTED is resumable. */
  g_assert_cmpuint (upg_journal_mark_interrupted (journal, &error), ==, 0);
  g_assert_cmpuint (upg_journal_resume_execution (journal, dead, &error), ==, 1);
  g_assert_no_error (error);
}

static JsonObject *
step_of (UpgJournal *journal,
         const char *execution,
         guint       index)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) record = upg_journal_get_execution (journal, execution, &error);
  JsonArray *steps;

  g_assert_no_error (error);
  steps = json_object_get_array_member (record, "steps");
  g_assert_cmpuint (index, <, json_array_get_length (steps));
  return json_object_ref (json_array_get_object_element (steps, index));
}

static void
test_step_lifecycle (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgJournal) journal = fresh (backend);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) step = NULL;
  g_autofree char *first = journal_new_execution (journal, "bj-01");
  g_autofree char *second = journal_new_execution (journal, "bj-01");
  g_autofree char *success = NULL;

  g_assert_true (upg_journal_add_step (journal, first, "ft", "3.17.5", "sql_001", UPG_STAGE_IN_STOP, &error));
  g_assert_true (upg_journal_add_step (journal, first, "ft", "3.17.5", "tool_001", UPG_STAGE_IN_STOP, &error));
  /* Same id in another version is another step. */
  g_assert_true (upg_journal_add_step (journal, first, "ft", "3.17.5-P1", "sql_001", UPG_STAGE_IN_STOP, &error));
  g_assert_no_error (error);
  step = step_of (journal, first, 0);
  g_assert_cmpstr (json_object_get_string_member (step, "status"), ==, "PENDING");
  g_assert_cmpint (json_object_get_int_member (step, "attempt"), ==, 0);
  g_clear_pointer (&step, json_object_unref);

  g_assert_true (upg_journal_begin_step (journal, first, "ft", "3.17.5", "sql_001", UPG_STAGE_IN_STOP, &error));
  upg_journal_set_now (journal, T0 + 1500);
  g_assert_true (upg_journal_finish_step (journal, first, "ft", "3.17.5", "sql_001", UPG_STEP_STATUS_FAILED,
                                          "ERROR 1054: Unknown column", &error));
  g_assert_no_error (error);
  step = step_of (journal, first, 0);
  g_assert_cmpstr (json_object_get_string_member (step, "id"), ==, "sql_001");
  g_assert_cmpstr (json_object_get_string_member (step, "version"), ==, "3.17.5");
  g_assert_cmpstr (json_object_get_string_member (step, "status"), ==, "FAILED");
  g_assert_cmpint (json_object_get_int_member (step, "duration_ms"), ==, 1500);
  g_assert_cmpint (json_object_get_int_member (step, "attempt"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (step, "error"), ==, "ERROR 1054: Unknown column");
  g_clear_pointer (&step, json_object_unref);

  success = upg_journal_find_step_success (journal, "bj-01", "ft", "3.17.5", "sql_001", &error);
  g_assert_no_error (error);
  g_assert_null (success);

  g_assert_true (upg_journal_begin_step (journal, first, "ft", "3.17.5", "sql_001", UPG_STAGE_IN_STOP, &error));
  upg_journal_set_now (journal, T0 + 2000);
  g_assert_true (upg_journal_finish_step (journal, first, "ft", "3.17.5", "sql_001", UPG_STEP_STATUS_SUCCESS,
                                          NULL, &error));
  step = step_of (journal, first, 0);
  g_assert_cmpstr (json_object_get_string_member (step, "status"), ==, "SUCCESS");
  g_assert_cmpint (json_object_get_int_member (step, "attempt"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (step, "duration_ms"), ==, 500);
  g_assert_true (json_object_get_null_member (step, "error"));
  g_clear_pointer (&step, json_object_unref);

  /* Another execution of the same site finds it and skips it. */
  success = upg_journal_find_step_success (journal, "bj-01", "ft", "3.17.5", "sql_001", &error);
  g_assert_cmpstr (success, ==, first);
  g_clear_pointer (&success, g_free);
  success = upg_journal_find_step_success (journal, "sh-02", "ft", "3.17.5", "sql_001", &error);
  g_assert_null (success);
  success = upg_journal_find_step_success (journal, "bj-01", "ft", "3.17.5-P1", "sql_001", &error);
  g_assert_null (success);
  g_assert_true (upg_journal_skip_step (journal, second, "ft", "3.17.5", "sql_001", UPG_STAGE_IN_STOP,
                                        first, &error));
  g_assert_no_error (error);
  step = step_of (journal, second, 0);
  g_assert_cmpstr (json_object_get_string_member (step, "status"), ==, "SKIPPED");
  g_assert_cmpstr (json_object_get_string_member (step, "skipped_because"), ==, first);
  g_clear_pointer (&step, json_object_unref);
  /* A skip is not a success of its own. */
  success = upg_journal_find_step_success (journal, "bj-01", "ft", "3.17.5", "sql_001", &error);
  g_assert_cmpstr (success, ==, first);
}

static void
test_step_errors (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgJournal) journal = fresh (backend);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = journal_new_execution (journal, "bj-01");

  g_assert_false (upg_journal_finish_step (journal, id, "ft", "3.17.5", "sql_009", UPG_STEP_STATUS_SUCCESS,
                                           NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "sql_009"));
  g_clear_error (&error);
  g_assert_false (upg_journal_begin_step (journal, "no-such-id", "ft", "3.17.5", "sql_001",
                                          UPG_STAGE_IN_STOP, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (upg_journal_begin_step (journal, id, "ft", "", "sql_001", UPG_STAGE_IN_STOP, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (upg_journal_begin_step (journal, id, "ft", "3.17.5", "sql_001", UPG_STAGE_IN_STOP, &error));
  g_assert_false (upg_journal_finish_step (journal, id, "ft", "3.17.5", "sql_001", UPG_STEP_STATUS_PENDING,
                                           NULL, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (upg_journal_set_checkpoint (journal, id, "ft", "3.17.5", "tool_404", "x", &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND);
}

static void
test_step_checkpoint (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgJournal) journal = fresh (backend);
  g_autoptr(GError) error = NULL;
  g_autofree char *first = journal_new_execution (journal, "bj-01");
  g_autofree char *second = NULL;
  g_autofree char *other = journal_new_execution (journal, "sh-02");
  g_autofree char *checkpoint = NULL;

  checkpoint = upg_journal_get_checkpoint (journal, first, "ft", "3.17.5", "tool_001", &error);
  g_assert_no_error (error);
  g_assert_null (checkpoint);
  g_assert_true (upg_journal_begin_step (journal, first, "ft", "3.17.5", "tool_001", UPG_STAGE_IN_STOP, &error));
  g_assert_true (upg_journal_set_checkpoint (journal, first, "ft", "3.17.5", "tool_001", "{\"task\": 17}", &error));
  g_assert_true (upg_journal_set_checkpoint (journal, first, "ft", "3.17.5", "tool_001", "{\"task\": 18}", &error));
  g_assert_no_error (error);
  checkpoint = upg_journal_get_checkpoint (journal, first, "ft", "3.17.5", "tool_001", &error);
  g_assert_cmpstr (checkpoint, ==, "{\"task\": 18}");
  g_clear_pointer (&checkpoint, g_free);

  /* A re-run of the same command continues from the earlier checkpoint… */
  upg_journal_set_now (journal, T0 + 60000);
  second = journal_new_execution (journal, "bj-01");
  g_assert_true (upg_journal_begin_step (journal, second, "ft", "3.17.5", "tool_001", UPG_STAGE_IN_STOP, &error));
  checkpoint = upg_journal_get_checkpoint (journal, second, "ft", "3.17.5", "tool_001", &error);
  g_assert_cmpstr (checkpoint, ==, "{\"task\": 18}");
  g_clear_pointer (&checkpoint, g_free);
  g_assert_true (upg_journal_set_checkpoint (journal, second, "ft", "3.17.5", "tool_001", "{\"task\": 30}", &error));
  checkpoint = upg_journal_get_checkpoint (journal, second, "ft", "3.17.5", "tool_001", &error);
  g_assert_cmpstr (checkpoint, ==, "{\"task\": 30}");
  g_clear_pointer (&checkpoint, g_free);
  /* …but another site's never does. */
  checkpoint = upg_journal_get_checkpoint (journal, other, "ft", "3.17.5", "tool_001", &error);
  g_assert_no_error (error);
  g_assert_null (checkpoint);
}

static void
test_enum_names (void)
{
  UpgExecutionStatus status;
  UpgStatementStatus statement;
  UpgExecutionKind kind;
  UpgStepStatus step;

  g_assert_true (upg_execution_status_from_string ("in_doubt", &status));
  g_assert_cmpint (status, ==, UPG_EXECUTION_STATUS_IN_DOUBT);
  g_assert_cmpstr (upg_execution_status_to_string (UPG_EXECUTION_STATUS_INTERRUPTED), ==, "INTERRUPTED");
  g_assert_true (upg_statement_status_from_string ("SKIPPED", &statement));
  g_assert_cmpint (statement, ==, UPG_STATEMENT_STATUS_SKIPPED);
  g_assert_true (upg_execution_kind_from_string ("rollback", &kind));
  g_assert_cmpint (kind, ==, UPG_EXECUTION_KIND_ROLLBACK);
  g_assert_true (upg_step_status_from_string ("pending", &step));
  g_assert_cmpint (step, ==, UPG_STEP_STATUS_PENDING);
  g_assert_false (upg_step_status_from_string ("DONE", &step));
  g_assert_false (upg_execution_kind_from_string (NULL, &kind));
  g_assert_true (G_TYPE_IS_ENUM (UPG_TYPE_EXECUTION_STATUS));
}

void
journal_cases_add (JournalBackend *backend,
                   const char     *prefix,
                   const char     *path,
                   GTestDataFunc   func)
{
  g_autofree char *full = g_strdup_printf ("/%s/%s/%s", prefix, backend->name, path);

  g_test_add_data_func (full, backend, func);
}

void
journal_cases_register (JournalBackend *backend)
{
  static gboolean once;

  if (!once)
    g_test_add_func ("/journal/enum-names", test_enum_names);
  once = TRUE;
  journal_cases_add (backend, "journal", "open/fresh-and-reopen", test_open_fresh_and_reopen);
  journal_cases_add (backend, "journal", "open/migrates-v1", test_open_migrates_v1);
  journal_cases_add (backend, "journal", "open/refuses-foreign-and-newer", test_open_refuses_foreign_and_newer);
  journal_cases_add (backend, "journal", "open/concurrently", test_open_concurrently);
  journal_cases_add (backend, "journal", "execution/lifecycle", test_execution_lifecycle);
  journal_cases_add (backend, "journal", "execution/errors", test_execution_errors);
  journal_cases_add (backend, "journal", "execution/resume-limit", test_execution_resume_limit);
  journal_cases_add (backend, "journal", "execution/mark-interrupted", test_execution_mark_interrupted);
  journal_cases_add (backend, "journal", "step/lifecycle", test_step_lifecycle);
  journal_cases_add (backend, "journal", "step/errors", test_step_errors);
  journal_cases_add (backend, "journal", "step/checkpoint", test_step_checkpoint);
}
