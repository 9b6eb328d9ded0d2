/* upg-report-outcomes.c - what happened to each statement, honestly counted
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The journal keeps one record per attempt: a statement that failed and
 * then succeeded on `resume --retry` has a FAILED and a SUCCESS record.
 * Counting records said "9 failed" next to SUCCESS (issue #12). Here a
 * statement is counted once, by its last attempt, and every statement
 * that was not simply applied (retried after a failure, skipped and why,
 * still failed or in doubt) is listed with its file:line, so that no
 * count in a report is left unexplained.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-report-private.h"

/* The identity of one statement across its attempts. */
static char *
statement_key (JsonObject *statement)
{
  return g_strdup_printf ("%s\x1f%s\x1f%s\x1f%s\x1f%" G_GINT64_FORMAT,
                          upg_report_member_string (statement, "component"),
                          upg_report_member_string (statement, "version"),
                          upg_report_member_string (statement, "step_id"),
                          upg_report_member_string (statement, "file"),
                          upg_report_member_int (statement, "sequence", 0));
}

typedef struct {
  JsonObject *last;           /* the last attempt (borrowed) */
  JsonObject *last_failure;   /* the last FAILED or IN_DOUBT attempt before it, or NULL */
  guint       failed_attempts;
} Outcome;

/* Skips the operator chose (`resume --skip`), as the engine journals
 * them, apart from statements found applied (markers) or rolled back by
 * the script. */
static gboolean
skipped_by_operator (const char *reason)
{
  return reason != NULL && strstr (reason, "--skip") != NULL;
}

static JsonObject *
note_new (Outcome    *outcome,
          const char *kind)
{
  JsonObject *note = json_object_new ();
  JsonObject *failure = outcome->last_failure != NULL ? outcome->last_failure : outcome->last;
  static const char * const members[] = { "step_id", "component", "version", "file" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      const char *value = upg_report_member_string (outcome->last, members[i]);

      if (value != NULL)
        json_object_set_string_member (note, members[i], value);
    }
  json_object_set_int_member (note, "line", upg_report_member_int (outcome->last, "line", 0));
  json_object_set_int_member (note, "sequence", upg_report_member_int (outcome->last, "sequence", 0));
  json_object_set_string_member (note, "outcome", kind);
  json_object_set_int_member (note, "failed_attempts", outcome->failed_attempts);
  if (g_strcmp0 (kind, "skipped") == 0)
    {
      const char *reason = upg_report_member_string (outcome->last, "error");

      json_object_set_string_member (note, "reason", reason != NULL ? reason : "");
      json_object_set_boolean_member (note, "by_operator", skipped_by_operator (reason));
      failure = outcome->last_failure;
    }
  if (failure != NULL && upg_report_member_string (failure, "error_code") != NULL)
    json_object_set_string_member (note, "error_code", upg_report_member_string (failure, "error_code"));
  if (failure != NULL && upg_report_member_string (failure, "error") != NULL)
    json_object_set_string_member (note, "error", upg_report_member_string (failure, "error"));
  return note;
}

/*
 * upg_report_statement_outcomes:
 * @statements: (nullable): the statement records of one execution (every
 *   attempt), oldest first
 * @step_id: (nullable): only this step's statements
 * @notes: (out) (optional): the statements that were not simply applied
 *
 * Counts statements once each, by their last attempt: `total`, `success`
 * (applied at the first attempt), `retried` (applied after failed
 * attempts), `skipped` (of which `skipped_by_operator`), `failed`,
 * `in_doubt`, `running`, `pending`, `undone`, and `failed_attempts` (every
 * FAILED or IN_DOUBT record, also those a retry made good).
 *
 * Returns: (transfer full): the counts
 */
JsonObject *
upg_report_statement_outcomes (JsonArray   *statements,
                               const char  *step_id,
                               JsonArray  **notes)
{
  g_autoptr(GHashTable) by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) ordered = g_ptr_array_new_with_free_func (g_free);
  JsonObject *counts = json_object_new ();
  gint64 success = 0, retried = 0, skipped = 0, by_operator = 0, failed = 0, in_doubt = 0;
  gint64 running = 0, pending = 0, undone = 0, failed_attempts = 0;
  guint n = statements != NULL ? json_array_get_length (statements) : 0;

  if (notes != NULL)
    *notes = json_array_new ();
  for (guint i = 0; i < n; i++)
    {
      JsonObject *statement = upg_report_array_object (statements, i);
      const char *status;
      Outcome *outcome;
      char *key;

      if (statement == NULL ||
          (step_id != NULL && g_strcmp0 (upg_report_member_string (statement, "step_id"), step_id) != 0))
        continue;
      key = statement_key (statement);
      outcome = g_hash_table_lookup (by_key, key);
      if (outcome == NULL)
        {
          outcome = g_new0 (Outcome, 1);
          g_ptr_array_add (ordered, outcome);
          g_hash_table_insert (by_key, key, outcome);
        }
      else
        g_free (key);
      status = upg_report_member_string (statement, "status");
      if (g_strcmp0 (status, "FAILED") == 0 || g_strcmp0 (status, "IN_DOUBT") == 0)
        {
          failed_attempts++;
          outcome->failed_attempts++;
          outcome->last_failure = statement;
        }
      outcome->last = statement;
    }

  for (guint i = 0; i < ordered->len; i++)
    {
      Outcome *outcome = g_ptr_array_index (ordered, i);
      const char *status = upg_report_member_string (outcome->last, "status");
      const char *kind = NULL;

      if (g_strcmp0 (status, "SUCCESS") == 0 && outcome->failed_attempts > 0)
        kind = "retried", retried++;
      else if (g_strcmp0 (status, "SUCCESS") == 0)
        success++;
      else if (g_strcmp0 (status, "SKIPPED") == 0)
        {
          kind = "skipped";
          skipped++;
          by_operator += skipped_by_operator (upg_report_member_string (outcome->last, "error"));
        }
      else if (g_strcmp0 (status, "FAILED") == 0)
        kind = "failed", failed++;
      else if (g_strcmp0 (status, "IN_DOUBT") == 0)
        kind = "in_doubt", in_doubt++;
      else if (g_strcmp0 (status, "RUNNING") == 0)
        kind = "running", running++;
      else if (g_strcmp0 (status, "UNDONE") == 0)
        undone++;
      else
        pending++;
      if (kind != NULL && notes != NULL)
        json_array_add_object_element (*notes, note_new (outcome, kind));
    }

  json_object_set_int_member (counts, "total", ordered->len);
  json_object_set_int_member (counts, "success", success);
  json_object_set_int_member (counts, "retried", retried);
  json_object_set_int_member (counts, "skipped", skipped);
  json_object_set_int_member (counts, "skipped_by_operator", by_operator);
  json_object_set_int_member (counts, "failed", failed);
  json_object_set_int_member (counts, "in_doubt", in_doubt);
  json_object_set_int_member (counts, "running", running);
  json_object_set_int_member (counts, "pending", pending);
  json_object_set_int_member (counts, "undone", undone);
  json_object_set_int_member (counts, "failed_attempts", failed_attempts);
  return counts;
}

/* Adds every count of @counts to @sum (several executions' totals). */
void
upg_report_add_counts (JsonObject *sum,
                       JsonObject *counts)
{
  g_autoptr(GList) names = counts != NULL ? json_object_get_members (counts) : NULL;

  for (GList *l = names; l != NULL; l = l->next)
    json_object_set_int_member (sum, l->data, upg_report_member_int (sum, l->data, 0) +
                                              upg_report_member_int (counts, l->data, 0));
}

/* "14 statements: 12 applied, 1 retried after failure, 1 skipped (1 by
 * the operator), 0 failed, 0 in doubt": every statement counted once;
 * the parts that are zero and say nothing are left out. */
char *
upg_report_counts_text (JsonObject *counts)
{
  GString *out = g_string_new (NULL);
  gint64 total = upg_report_member_int (counts, "total", 0);
  gint64 retried = upg_report_member_int (counts, "retried", 0);
  gint64 skipped = upg_report_member_int (counts, "skipped", 0);
  gint64 by_operator = upg_report_member_int (counts, "skipped_by_operator", 0);
  gint64 running = upg_report_member_int (counts, "running", 0);
  gint64 pending = upg_report_member_int (counts, "pending", 0);

  g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "%d statement", "%d statements", total), (int) total);
  g_string_append (out, _(": "));
  g_string_append_printf (out, _("%d applied"), (int) upg_report_member_int (counts, "success", 0));
  if (retried > 0)
    g_string_append_printf (out, _(", %d retried after failure"), (int) retried);
  if (skipped > 0 && by_operator > 0)
    g_string_append_printf (out, _(", %d skipped (%d by the operator)"), (int) skipped, (int) by_operator);
  else if (skipped > 0)
    g_string_append_printf (out, _(", %d skipped"), (int) skipped);
  g_string_append_printf (out, _(", %d failed, %d in doubt"), (int) upg_report_member_int (counts, "failed", 0),
                          (int) upg_report_member_int (counts, "in_doubt", 0));
  if (running > 0)
    g_string_append_printf (out, _(", %d running"), (int) running);
  if (pending > 0)
    g_string_append_printf (out, _(", %d not run"), (int) pending);
  return g_string_free (out, FALSE);
}

/* One statement that was not simply applied, in the operator's language:
 * "sql/002.sql:15 (step s2, statement 3): retried after 1 failed attempt
 * (1062: Duplicate entry …)". */
char *
upg_report_note_text (JsonObject *note)
{
  const char *outcome = upg_report_member_string (note, "outcome");
  const char *code = upg_report_member_string (note, "error_code");
  const char *error = upg_report_member_string (note, "error");
  guint attempts = (guint) upg_report_member_int (note, "failed_attempts", 0);
  g_autofree char *what = NULL, *why = NULL;

  if (g_strcmp0 (outcome, "retried") == 0)
    what = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "retried after %u failed attempt",
                                         "retried after %u failed attempts", attempts), attempts);
  else if (g_strcmp0 (outcome, "skipped") == 0)
    {
      const char *reason = upg_report_member_string (note, "reason");

      what = g_strdup_printf (_("skipped: %s"), reason != NULL && *reason != '\0' ? _(reason) : "-");
    }
  else if (g_strcmp0 (outcome, "failed") == 0)
    what = g_strdup (_("failed"));
  else if (g_strcmp0 (outcome, "in_doubt") == 0)
    what = g_strdup (_("in doubt"));
  else
    what = g_strdup (_("running"));
  if (error != NULL)
    why = g_strdup_printf (" (%s%s%s)", code != NULL ? code : "", code != NULL ? ": " : "", error);
  /* TRANSLATORS: file:line (step ID, statement N): what happened (why) */
  return g_strdup_printf (_("%s:%d (step %s, statement %d): %s%s"),
                          upg_report_member_string (note, "file") != NULL
                            ? upg_report_member_string (note, "file") : "-",
                          (int) upg_report_member_int (note, "line", 0),
                          upg_report_member_string (note, "step_id") != NULL
                            ? upg_report_member_string (note, "step_id") : "-",
                          (int) upg_report_member_int (note, "sequence", 0), what, why != NULL ? why : "");
}

/* One breakpoint and what was done about it: "stopped 2026-…: step s2
 * at sql/002.sql:15 (statement 3): 1062 Duplicate … → retried by
 * alice@host at 2026-…". */
char *
upg_report_stop_text (JsonObject *stop)
{
  const char *action = upg_report_member_string (stop, "action");
  const char *by = upg_report_member_string (stop, "resumed_by");
  const char *at = upg_report_member_string (stop, "resumed_at");
  const char *code = upg_report_member_string (stop, "error_code");
  g_autofree char *then = NULL;

  if (action == NULL)
    then = g_strdup (_("not resumed yet"));
  else if (g_str_equal (action, "retry"))
    then = g_strdup_printf (_("retried (resume --retry) by %s at %s"), by != NULL ? by : "?", at != NULL ? at : "?");
  else if (g_str_equal (action, "skip"))
    then = g_strdup_printf (_("skipped (resume --skip) by %s at %s"), by != NULL ? by : "?", at != NULL ? at : "?");
  else
    then = g_strdup_printf (_("run again by %s at %s"), by != NULL ? by : "?", at != NULL ? at : "?");
  /* TRANSLATORS: a breakpoint in a report: when, step, file:line,
   * statement number, error code and message, then what the operator did */
  return g_strdup_printf (_("stopped %s in step %s at %s:%d (statement %d): %s%s%s → %s"),
                          upg_report_member_string (stop, "stopped_at") != NULL
                            ? upg_report_member_string (stop, "stopped_at") : "?",
                          upg_report_member_string (stop, "step_id") != NULL
                            ? upg_report_member_string (stop, "step_id") : "-",
                          upg_report_member_string (stop, "file") != NULL
                            ? upg_report_member_string (stop, "file") : "-",
                          (int) upg_report_member_int (stop, "line", 0),
                          (int) upg_report_member_int (stop, "sequence", 0),
                          code != NULL ? code : "", code != NULL ? " " : "",
                          upg_report_member_string (stop, "error") != NULL
                            ? upg_report_member_string (stop, "error") : "", then);
}

/* The sections that explain the counts, for text (@markdown FALSE) and
 * Markdown: confirmations and skipped checks, stops and resumes, then the
 * statements not simply applied. */
void
upg_report_append_explanations (GString    *out,
                                JsonObject *summary,
                                gboolean    markdown)
{
  JsonArray *stops = upg_report_member_array (summary, "stops");
  JsonArray *notes = upg_report_member_array (summary, "statement_notes");
  g_autoptr(GPtrArray) sections = upg_report_approval_sections (summary);

  for (guint s = 0; s < sections->len; s++)
    {
      UpgReportSection *section = g_ptr_array_index (sections, s);

      g_string_append_printf (out, markdown ? "\n## %s\n\n" : "\n%s:\n", section->title);
      for (guint i = 0; i < section->lines->len; i++)
        g_string_append_printf (out, markdown ? "- %s\n" : "  %s\n", (char *) g_ptr_array_index (section->lines, i));
    }
  if (stops != NULL && json_array_get_length (stops) > 0)
    {
      g_string_append_printf (out, markdown ? "\n## %s\n\n" : "\n%s:\n", _("Stops and resumes"));
      for (guint i = 0; i < json_array_get_length (stops); i++)
        {
          g_autofree char *line = upg_report_stop_text (upg_report_array_object (stops, i));

          g_string_append_printf (out, markdown ? "- %s\n" : "  %s\n", line);
        }
    }
  if (notes != NULL && json_array_get_length (notes) > 0)
    {
      g_string_append_printf (out, markdown ? "\n## %s\n\n" : "\n%s:\n", _("Statements not simply applied"));
      for (guint i = 0; i < json_array_get_length (notes); i++)
        {
          g_autofree char *line = upg_report_note_text (upg_report_array_object (notes, i));

          g_string_append_printf (out, markdown ? "- %s\n" : "  %s\n", line);
        }
    }
}

/* The status with what qualifies it: "SUCCESS, with 1 statement retried
 * after failure and 1 skipped (listed below)", so that a SUCCESS never
 * stands next to unexplained counts. */
char *
upg_report_status_text (JsonObject *summary)
{
  const char *status = upg_report_member_string (summary, "status");
  JsonObject *counts = upg_report_member_object (summary, "statements");
  gint64 retried = upg_report_member_int (counts, "retried", 0);
  gint64 skipped = upg_report_member_int (counts, "skipped", 0);

  if (status == NULL)
    return g_strdup ("-");
  /* Other statuses are explained by their breakpoint. */
  if ((retried == 0 && skipped == 0) || g_strcmp0 (status, "SUCCESS") != 0)
    return g_strdup (status);
  if (skipped == 0)
    /* TRANSLATORS: SUCCESS, then how many statements were retried after
     * a failure; the report lists them */
    return g_strdup_printf (_("%s, with %d retried after failure (listed below)"), status, (int) retried);
  if (retried == 0)
    /* TRANSLATORS: SUCCESS, then how many statements were skipped */
    return g_strdup_printf (_("%s, with %d skipped (listed below)"), status, (int) skipped);
  /* TRANSLATORS: SUCCESS, then how many statements were retried after
   * a failure and skipped; the report lists them */
  return g_strdup_printf (_("%s, with %d retried after failure and %d skipped (listed below)"),
                          status, (int) retried, (int) skipped);
}
