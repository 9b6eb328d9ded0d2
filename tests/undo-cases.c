/* undo-cases.c - undoing step successes and deleting markers, on every dialect
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "journal-cases.h"
#include "upg-journal-private.h"
#include "upg-marker-reset-private.h"

#define VERSION "3.17.5"

/* Each statement starts a second after the one before, so that records
 * list in a definite order. */
static void
tick (UpgJournal *journal)
{
  static gint64 seconds;

  upg_journal_set_now (journal, T0 + ++seconds * 1000);
}

static char *
new_execution (UpgJournal       *journal,
               UpgExecutionKind  kind)
{
  g_autoptr(GError) error = NULL;
  char *id = upg_journal_create_execution (journal, "bj-01", "ft", "3.17.4", VERSION, UPG_STAGE_IN_STOP,
                                           kind, NULL, &error);

  g_assert_no_error (error);
  return id;
}

/* Step @step_id of @execution succeeds, with one statement that succeeded
 * and one that failed before; returns the successful statement's record. */
static char *
succeed_step (UpgJournal *journal,
              const char *execution,
              const char *step_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *failed = NULL;
  char *record;

  g_assert_true (upg_journal_add_step (journal, execution, "ft", VERSION, step_id, UPG_STAGE_IN_STOP, &error));
  g_assert_true (upg_journal_begin_step (journal, execution, "ft", VERSION, step_id, UPG_STAGE_IN_STOP, &error));
  tick (journal);
  failed = upg_journal_begin_statement (journal, execution, "ft", VERSION, step_id, "a.sql", 1, 1,
                                        "SELECT 1", "ft_db", &error);
  g_assert_true (upg_journal_finish_statement (journal, failed, UPG_STATEMENT_STATUS_FAILED, -1, "1205",
                                               "lock wait", &error));
  tick (journal);
  record = upg_journal_begin_statement (journal, execution, "ft", VERSION, step_id, "a.sql", 1, 1,
                                        "SELECT 1", "ft_db", &error);
  g_assert_true (upg_journal_finish_statement (journal, record, UPG_STATEMENT_STATUS_SUCCESS, 0, NULL, NULL,
                                               &error));
  g_assert_true (upg_journal_finish_step (journal, execution, "ft", VERSION, step_id, UPG_STEP_STATUS_SUCCESS,
                                          NULL, &error));
  g_assert_no_error (error);
  return record;
}

static char *
found_in (UpgJournal *journal,
          const char *step_id)
{
  g_autoptr(GError) error = NULL;
  char *id = upg_journal_find_step_success (journal, "bj-01", "ft", VERSION, step_id, &error);

  g_assert_no_error (error);
  return id != NULL ? id : g_strdup ("-");
}

static const char *
statement_status (UpgJournal *journal,
                  const char *execution,
                  const char *step_id,
                  JsonObject **record)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (record, json_object_unref);
  *record = upg_journal_lookup_statement (journal, execution, "ft", VERSION, step_id, "a.sql", 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*record);
  return json_object_get_string_member (*record, "status");
}

static const char *
statuses_of (UpgJournal *journal,
             const char *execution)
{
  static char text[64];
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) records = upg_journal_list_statements (journal, execution, &error);
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (records); i++)
    g_string_append_printf (out, "%s%s", i > 0 ? " " : "",
                            json_object_get_string_member (json_array_get_object_element (records, i), "status"));
  g_strlcpy (text, out->str, sizeof text);
  return text;
}

/* A rollback undoes the run's successes (not its failures), repeatably;
 * the statement can then succeed again under a new record. */
static void
test_undo_run (gconstpointer data)
{
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) undone = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autofree char *run = NULL, *back = NULL, *again = NULL;
  g_autofree char *statement = NULL, *redone = NULL, *where = NULL;

  journal_backend_reset ((JournalBackend *) data);
  journal = journal_backend_open ((JournalBackend *) data);
  run = new_execution (journal, UPG_EXECUTION_KIND_RUN);
  statement = succeed_step (journal, run, "s1");
  back = new_execution (journal, UPG_EXECUTION_KIND_ROLLBACK);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_true (upg_journal_undo_step (journal, back, "ft", VERSION, "s1", &error));
      g_assert_no_error (error);
    }
  where = found_in (journal, "s1");
  g_assert_cmpstr (where, ==, "-");
  /* No longer done: the lookup finds no SUCCESS, the record is UNDONE. */
  g_assert_cmpstr (statement_status (journal, run, "s1", &record), !=, "SUCCESS");
  g_assert_cmpstr (statuses_of (journal, run), ==, "FAILED UNDONE");
  undone = upg_journal_list_undone_statements (journal, back, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (undone), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (undone, 0), "id"), ==,
                   statement);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (undone, 0), "database"), ==,
                   "ft_db");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (undone, 0), "execution_id"), ==,
                   run);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (undone, 0), "file"), ==,
                   "a.sql");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (undone, 0), "sequence"), ==, 1);

  /* Done again by a new run: a new SUCCESS is accepted and counts. */
  again = new_execution (journal, UPG_EXECUTION_KIND_RUN);
  redone = succeed_step (journal, again, "s1");
  g_clear_pointer (&where, g_free);
  where = found_in (journal, "s1");
  g_assert_cmpstr (where, ==, again);
  g_assert_cmpstr (statement_status (journal, again, "s1", &record), ==, "SUCCESS");
  g_assert_cmpstr (json_object_get_string_member (record, "id"), ==, redone);

  g_assert_false (upg_journal_undo_step (journal, "no-such-id", "ft", VERSION, "s1", &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND);
}

/* A run undoes a rollback's successes; an execution never undoes those
 * of its own kind. */
static void
test_undo_kinds (gconstpointer data)
{
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *back = NULL, *back2 = NULL, *run = NULL;
  g_autofree char *statement = NULL, *where = NULL;

  journal_backend_reset ((JournalBackend *) data);
  journal = journal_backend_open ((JournalBackend *) data);
  back = new_execution (journal, UPG_EXECUTION_KIND_ROLLBACK);
  statement = succeed_step (journal, back, "r1");
  back2 = new_execution (journal, UPG_EXECUTION_KIND_ROLLBACK);
  g_assert_true (upg_journal_undo_step (journal, back2, "ft", VERSION, "r1", &error));
  g_assert_no_error (error);
  where = found_in (journal, "r1");
  g_assert_cmpstr (where, ==, back);

  run = new_execution (journal, UPG_EXECUTION_KIND_RUN);
  g_assert_true (upg_journal_undo_step (journal, run, "ft", VERSION, "r1", &error));
  g_assert_no_error (error);
  g_clear_pointer (&where, g_free);
  where = found_in (journal, "r1");
  g_assert_cmpstr (where, ==, "-");
}

/* Markers are deleted by record, repeatably; others stay. */
static void
test_delete_markers (gconstpointer data)
{
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(GError) error = NULL;
  const char *gone[] = { "m-1", "m-3", "m-never-written", NULL };
  const char *none[] = { NULL };
  UpgConnection *target;

  journal_backend_reset ((JournalBackend *) data);
  journal = journal_backend_open ((JournalBackend *) data);
  target = upg_journal_get_connection (journal);
  /* No marker table yet: nothing to delete is no error. */
  g_assert_true (upg_journal_delete_markers (target, gone, &error));
  g_assert_no_error (error);
  g_assert_true (upg_journal_ensure_marker_table (target, &error));
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("m-%u", i);

      g_assert_true (upg_journal_write_marker (target, id, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  for (guint pass = 0; pass < 2; pass++)
    {
      gboolean found = FALSE;

      g_assert_true (upg_journal_delete_markers (target, gone, &error));
      g_assert_true (upg_journal_delete_markers (target, none, &error));
      g_assert_no_error (error);
      g_assert_true (upg_journal_has_marker (target, "m-1", &found, &error));
      g_assert_false (found);
      g_assert_true (upg_journal_has_marker (target, "m-2", &found, &error));
      g_assert_true (found);
      g_assert_true (upg_journal_has_marker (target, "m-3", &found, &error));
      g_assert_false (found);
      g_assert_no_error (error);
    }
  /* Many at once: more than one DELETE's worth. */
  {
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
    gboolean found = TRUE;

    for (guint i = 0; i < 250; i++)
      {
        char *id = g_strdup_printf ("bulk-%u", i);

        g_assert_true (upg_journal_write_marker (target, id, NULL, NULL, &error));
        g_ptr_array_add (ids, id);
      }
    g_ptr_array_add (ids, NULL);
    g_assert_true (upg_journal_delete_markers (target, (const char * const *) ids->pdata, &error));
    g_assert_no_error (error);
    g_assert_true (upg_journal_has_marker (target, "bulk-249", &found, &error));
    g_assert_false (found);
    g_assert_true (upg_journal_has_marker (target, "bulk-0", &found, &error));
    g_assert_false (found);
  }
}

static gboolean
has_marker (UpgConnection *target,
            const char    *id)
{
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;

  g_assert_true (upg_journal_has_marker (target, id, &found, &error));
  g_assert_no_error (error);
  return found;
}

/* Markers are deleted by script prefix (`<prefix>:<sequence>`), more
 * prefixes than one DELETE names, repeatably; a longer prefix that only
 * starts like one is kept. */
static void
test_delete_marker_prefixes (gconstpointer data)
{
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) prefixes = g_ptr_array_new_with_free_func (g_free);
  UpgConnection *target;

  journal_backend_reset ((JournalBackend *) data);
  journal = journal_backend_open ((JournalBackend *) data);
  target = upg_journal_get_connection (journal);
  g_assert_true (upg_journal_ensure_marker_table (target, &error));
  for (guint i = 0; i < 150; i++)
    g_ptr_array_add (prefixes, g_strdup_printf ("%03x", i));
  g_ptr_array_add (prefixes, NULL);
  for (guint i = 0; i < 150; i++)
    for (guint sequence = 1; sequence <= 2; sequence++)
      {
        g_autofree char *id = g_strdup_printf ("%03x:%u", i, sequence);

        g_assert_true (upg_journal_write_marker (target, id, NULL, NULL, &error));
      }
  g_assert_true (upg_journal_write_marker (target, "0000:1", NULL, NULL, &error));
  g_assert_true (upg_journal_write_marker (target, "other:1", NULL, NULL, &error));
  g_assert_no_error (error);
  for (guint pass = 0; pass < 2; pass++)
    {
      g_assert_true (upg_journal_delete_marker_prefixes (target, (const char * const *) prefixes->pdata, &error));
      g_assert_no_error (error);
      g_assert_false (has_marker (target, "000:1"));
      g_assert_false (has_marker (target, "063:2"));
      g_assert_false (has_marker (target, "095:1"));
      g_assert_true (has_marker (target, "0000:1"));
      g_assert_true (has_marker (target, "other:1"));
    }
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The executions whose markers of step s1 an undo by @undoer must
 * delete, sorted, as "a b", with @names mapping ids to short names. */
static char *
step_executions (UpgJournal         *journal,
                 const char         *undoer,
                 const char * const *ids,
                 const char * const *names)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) executions = upg_journal_list_step_executions (journal, undoer, "ft", VERSION, "s1",
                                                                      &error);
  g_autoptr(GPtrArray) short_names = g_ptr_array_new ();

  g_assert_no_error (error);
  for (guint i = 0; i < executions->len; i++)
    for (guint n = 0; ids[n] != NULL; n++)
      if (g_str_equal (g_ptr_array_index (executions, i), ids[n]))
        g_ptr_array_add (short_names, (gpointer) names[n]);
  g_assert_cmpuint (short_names->len, ==, executions->len);
  g_ptr_array_sort (short_names, compare_names);
  g_ptr_array_add (short_names, NULL);
  return g_strjoinv (" ", (char **) short_names->pdata);
}

static void
set_status (UpgJournal         *journal,
            const char         *execution,
            UpgExecutionStatus  status)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (upg_journal_set_execution_status (journal, execution, status, NULL, &error));
  g_assert_no_error (error);
}

/* An undo that succeeded deleted the markers of every execution that had
 * started the step, failed ones too: a later undo skips those, unless
 * one ran the step again since; a step never started sent nothing. */
static void
test_undo_cleaned_executions (gconstpointer data)
{
  g_autoptr(UpgJournal) journal = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *run = NULL, *failed = NULL, *pending = NULL, *back = NULL, *back2 = NULL;
  g_autofree char *statement = NULL, *listed = NULL;

  journal_backend_reset ((JournalBackend *) data);
  journal = journal_backend_open ((JournalBackend *) data);
  run = new_execution (journal, UPG_EXECUTION_KIND_RUN);
  statement = succeed_step (journal, run, "s1");
  set_status (journal, run, UPG_EXECUTION_STATUS_SUCCESS);
  failed = new_execution (journal, UPG_EXECUTION_KIND_RUN);
  g_assert_true (upg_journal_add_step (journal, failed, "ft", VERSION, "s1", UPG_STAGE_IN_STOP, &error));
  g_assert_true (upg_journal_begin_step (journal, failed, "ft", VERSION, "s1", UPG_STAGE_IN_STOP, &error));
  g_assert_true (upg_journal_finish_step (journal, failed, "ft", VERSION, "s1", UPG_STEP_STATUS_FAILED, "boom",
                                          &error));
  set_status (journal, failed, UPG_EXECUTION_STATUS_FAILED);
  pending = new_execution (journal, UPG_EXECUTION_KIND_RUN);
  g_assert_true (upg_journal_add_step (journal, pending, "ft", VERSION, "s1", UPG_STAGE_IN_STOP, &error));
  g_assert_no_error (error);
  {
    const char *ids[] = { run, failed, pending, NULL };
    const char *names[] = { "run", "failed", "pending", NULL };

    back = new_execution (journal, UPG_EXECUTION_KIND_ROLLBACK);
    g_assert_true (upg_journal_undo_step (journal, back, "ft", VERSION, "s1", &error));
    g_assert_no_error (error);
    listed = step_executions (journal, back, ids, names);
    g_assert_cmpstr (listed, ==, "failed run");

    /* Until the undoer succeeds, its undo may be unfinished: a second
     * undoer still deletes them. */
    back2 = new_execution (journal, UPG_EXECUTION_KIND_ROLLBACK);
    g_clear_pointer (&listed, g_free);
    listed = step_executions (journal, back2, ids, names);
    g_assert_cmpstr (listed, ==, "failed run");

    set_status (journal, back, UPG_EXECUTION_STATUS_SUCCESS);
    g_assert_true (upg_journal_undo_step (journal, back2, "ft", VERSION, "s1", &error));
    g_assert_no_error (error);
    g_clear_pointer (&listed, g_free);
    listed = step_executions (journal, back2, ids, names);
    g_assert_cmpstr (listed, ==, "");

    /* The failed run continued after the rollback: its new markers count. */
    g_assert_true (upg_journal_begin_step (journal, failed, "ft", VERSION, "s1", UPG_STAGE_IN_STOP, &error));
    g_assert_no_error (error);
    g_clear_pointer (&listed, g_free);
    listed = step_executions (journal, back2, ids, names);
    g_assert_cmpstr (listed, ==, "failed");
  }
}

void
undo_cases_register (JournalBackend *backend)
{
  journal_cases_add (backend, "journal", "undo/run", test_undo_run);
  journal_cases_add (backend, "journal", "undo/kinds", test_undo_kinds);
  journal_cases_add (backend, "journal", "undo/delete-markers", test_delete_markers);
  journal_cases_add (backend, "journal", "undo/delete-marker-prefixes", test_delete_marker_prefixes);
  journal_cases_add (backend, "journal", "undo/cleaned-executions", test_undo_cleaned_executions);
}
