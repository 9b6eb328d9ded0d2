/* upg-report.c - execution and assessment reports for people
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-report.h"
#include "upg-journal-migrations-private.h"
#include "upg-report-private.h"
#include "upg-estimate.h"
#include "upg-execution.h"
#include "upg-journal-private.h"
#include "upg-journal-confirm-private.h"
#include "upg-journal-notify-private.h"

static const char * const format_names[] = {
  [UPG_REPORT_FORMAT_TEXT] = "text",
  [UPG_REPORT_FORMAT_JSON] = "json",
  [UPG_REPORT_FORMAT_MARKDOWN] = "markdown",
  [UPG_REPORT_FORMAT_HTML] = "html",
};

/**
 * upg_report_format_to_string:
 * @format: a #UpgReportFormat
 *
 * Gets the name of a report format.
 *
 * Returns: (transfer none): the format's name as `--format` takes it
 */
const char *
upg_report_format_to_string (UpgReportFormat format)
{
  g_return_val_if_fail (format <= UPG_REPORT_FORMAT_HTML, NULL);
  return format_names[format];
}

/**
 * upg_report_format_from_string:
 * @text: a format name: `text`, `json`, `markdown` (or `md`) or `html`
 * @format: (out): where to store the format
 * @error: return location for a #GError
 *
 * Parses the name of a report format.
 *
 * Returns: %TRUE if @text names a format, otherwise %FALSE with
 *   %UPG_ERROR_INVALID_ARGUMENT naming the text and the accepted names
 */
gboolean
upg_report_format_from_string (const char       *text,
                               UpgReportFormat  *format,
                               GError          **error)
{
  g_return_val_if_fail (format != NULL, FALSE);

  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (format_names); i++)
    if (g_ascii_strcasecmp (text, format_names[i]) == 0)
      {
        *format = i;
        return TRUE;
      }
  if (text != NULL && g_ascii_strcasecmp (text, "md") == 0)
    {
      *format = UPG_REPORT_FORMAT_MARKDOWN;
      return TRUE;
    }
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
               _("report format '%s' is not valid: expected text, json, markdown or html"),
               text != NULL ? text : "");
  return FALSE;
}

/* Execution summary ----------------------------------------------------- */

static void
copy_member (JsonObject *to,
             JsonObject *from,
             const char *name)
{
  JsonNode *node = json_object_get_member (from, name);

  if (node != NULL)
    json_object_set_member (to, name, json_node_copy (node));
}

static gint64
step_duration_ms (JsonObject *step)
{
  gint64 duration = upg_report_member_int (step, "duration_ms", -1);
  gint64 started, finished;

  if (duration >= 0)
    return duration;
  started = upg_report_parse_time_ms (upg_report_member_string (step, "started_at"));
  finished = upg_report_parse_time_ms (upg_report_member_string (step, "finished_at"));
  return started >= 0 && finished >= started ? finished - started : -1;
}

static JsonObject *
summarize_step (JsonObject *step,
                JsonArray  *statements)
{
  static const char * const members[] = {
    "id", "name", "version", "component", "stage", "status", "started_at",
    "finished_at", "error", "skipped_because",
  };
  JsonObject *out = json_object_new ();
  const char *id = upg_report_member_string (step, "id");
  g_autoptr(JsonObject) counts = NULL;

  if (id == NULL)
    id = upg_report_member_string (step, "step_id");
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    copy_member (out, step, members[i]);
  if (!json_object_has_member (out, "id") && id != NULL)
    json_object_set_string_member (out, "id", id);
  /* A succeeding step's message is its result (a verification's values),
   * not an error. */
  if (g_strcmp0 (upg_report_member_string (out, "status"), "SUCCESS") == 0 &&
      upg_report_member_string (out, "error") != NULL)
    {
      json_object_set_string_member (out, "result", upg_report_member_string (out, "error"));
      json_object_remove_member (out, "error");
    }
  json_object_set_int_member (out, "duration_ms", step_duration_ms (step));

  /* Statements counted once each, by their last attempt. */
  counts = upg_report_statement_outcomes (statements, id != NULL ? id : "", NULL);
  json_object_set_int_member (out, "statements", upg_report_member_int (counts, "total", 0));
  json_object_set_int_member (out, "statements_failed", upg_report_member_int (counts, "failed", 0));
  json_object_set_int_member (out, "statements_retried", upg_report_member_int (counts, "retried", 0));
  json_object_set_int_member (out, "statements_skipped", upg_report_member_int (counts, "skipped", 0));
  return out;
}

/**
 * upg_report_summarize_execution:
 * @execution: an execution record as upg_journal_get_execution() returns it
 * @statements: (nullable): its statement records
 *   (upg_journal_list_statements())
 *
 * Condenses an execution for a report: its identity and status, each step
 * with its duration and statement counts, the statement totals (each
 * statement counted once, by its last attempt: `success`, `retried`,
 * `skipped`, `skipped_by_operator`, `failed`, `in_doubt`, …, and
 * `failed_attempts`), `statement_notes` (every statement retried, skipped,
 * failed or in doubt, with why), `stops` (when @execution has them: each
 * breakpoint and who resumed from it, how and when) and the active
 * breakpoint, and, when @execution has them, `confirmations` (who
 * confirmed which of its steps, when and how) and `check_skips` (the
 * check stages `--skip-checks` let it go past: who, when, why). This is
 * the `--format json` report.
 *
 * Returns: (transfer full): the summary
 */
JsonObject *
upg_report_summarize_execution (JsonObject *execution,
                                JsonArray  *statements)
{
  static const char * const members[] = {
    "execution_id", "site", "component", "from", "to", "stage", "kind",
    "status", "owner", "started_at", "finished_at", "resume_count", "error", "migrations",
    "notifications", "confirmations", "check_skips",
  };
  JsonObject *summary = json_object_new ();
  JsonArray *steps_in = upg_report_member_array (execution, "steps");
  JsonArray *steps = json_array_new ();
  JsonObject *breakpoint = upg_report_member_object (execution, "breakpoint");
  JsonArray *stops = upg_report_member_array (execution, "stops");
  JsonArray *notes = NULL;
  gint64 started, finished;

  g_return_val_if_fail (execution != NULL, summary);

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    copy_member (summary, execution, members[i]);
  started = upg_report_parse_time_ms (upg_report_member_string (execution, "started_at"));
  finished = upg_report_parse_time_ms (upg_report_member_string (execution, "finished_at"));
  json_object_set_int_member (summary, "duration_ms",
                              started >= 0 && finished >= started ? finished - started : -1);

  for (guint i = 0; steps_in != NULL && i < json_array_get_length (steps_in); i++)
    {
      JsonObject *step = upg_report_array_object (steps_in, i);

      if (step != NULL)
        json_array_add_object_element (steps, summarize_step (step, statements));
    }
  json_object_set_array_member (summary, "steps", steps);
  json_object_set_object_member (summary, "statements",
                                 upg_report_statement_outcomes (statements, NULL, &notes));
  json_object_set_array_member (summary, "statement_notes", notes);
  if (stops != NULL)
    json_object_set_array_member (summary, "stops", json_array_ref (stops));
  else
    json_object_set_array_member (summary, "stops", json_array_new ());
  if (breakpoint != NULL)
    json_object_set_object_member (summary, "breakpoint", json_object_ref (breakpoint));
  else
    json_object_set_null_member (summary, "breakpoint");
  return summary;
}

/* Text and Markdown ----------------------------------------------------- */

static const char *
or_dash (const char *text)
{
  return text != NULL ? text : "-";
}

static void
append_breakpoint_text (GString    *out,
                        JsonObject *breakpoint,
                        gboolean    markdown)
{
  const char *code = upg_report_member_string (breakpoint, "error_code");

  g_string_append_printf (out, markdown ? "\n## %s\n\n" : "\n%s: ", _("Breakpoint"));
  g_string_append_printf (out, _("step %s at %s:%d (statement %d)"),
                          or_dash (upg_report_member_string (breakpoint, "step_id")),
                          or_dash (upg_report_member_string (breakpoint, "file")),
                          (int) upg_report_member_int (breakpoint, "line", 0),
                          (int) upg_report_member_int (breakpoint, "sequence", 0));
  g_string_append_printf (out, markdown ? "\n\n```sql\n%s\n```\n\n" : "\n  %s\n",
                          or_dash (upg_report_member_string (breakpoint, "statement")));
  g_string_append_printf (out, markdown ? "%s %s: %s\n" : "  %s %s: %s\n", _("error"),
                          or_dash (code),
                          or_dash (upg_report_member_string (breakpoint, "error")));
}

static void
append_statement_totals (GString    *out,
                         JsonObject *counts)
{
  g_autofree char *text = upg_report_counts_text (counts);

  g_string_append (out, text);
  g_string_append_c (out, '\n');
}

/* The batched migrations the execution ran: rows, batches, time, and
 * its pauses and why. */
static void
append_migrations (GString    *out,
                   JsonObject *summary,
                   gboolean    markdown)
{
  JsonArray *migrations = upg_report_member_array (summary, "migrations");

  for (guint i = 0; migrations != NULL && i < json_array_get_length (migrations); i++)
    {
      JsonObject *m = upg_report_array_object (migrations, i);
      g_autofree char *rows = NULL, *batches = NULL, *pauses = NULL, *throttled = NULL;
      g_autofree char *took = NULL, *paused = NULL;

      if (m == NULL)
        continue;
      rows = g_strdup_printf ("%" G_GINT64_FORMAT, upg_report_member_int (m, "rows_done", 0));
      batches = g_strdup_printf ("%" G_GINT64_FORMAT, upg_report_member_int (m, "batches", 0));
      pauses = g_strdup_printf ("%" G_GINT64_FORMAT, upg_report_member_int (m, "pauses", 0));
      throttled = g_strdup_printf ("%" G_GINT64_FORMAT, upg_report_member_int (m, "throttle_pauses", 0));
      took = upg_report_format_ms (upg_report_member_int (m, "duration_ms", -1));
      paused = upg_report_format_ms (upg_report_member_int (m, "paused_ms", 0));
      g_string_append (out, markdown ? "\n- " : "\n");
      g_string_append_printf (out, _("Migration %s (step %s, table %s): %s, %s rows in %s batches, %s in its last"
                                     " run; paused %s (%s by the operator, %s by the throttle%s%s)"),
                              or_dash (upg_report_member_string (m, "id")),
                              or_dash (upg_report_member_string (m, "step_id")),
                              or_dash (upg_report_member_string (m, "table")),
                              or_dash (upg_report_member_string (m, "state")), rows, batches, took, paused, pauses,
                              throttled, upg_report_member_string (m, "pause_reason") != NULL ? "; " : "",
                              upg_report_member_string (m, "pause_reason") != NULL
                                ? upg_report_member_string (m, "pause_reason") : "");
    }
  if (migrations != NULL && json_array_get_length (migrations) > 0)
    g_string_append_c (out, '\n');
}

/* The `notify` deliveries of the execution (SPEC §7). */
static void
append_notifications (GString    *out,
                      JsonObject *summary,
                      gboolean    markdown)
{
  JsonArray *notifications = upg_report_member_array (summary, "notifications");

  if (notifications == NULL || json_array_get_length (notifications) == 0)
    return;
  g_string_append_printf (out, markdown ? "\n## %s\n\n" : "\n%s:\n", _("Notifications"));
  for (guint i = 0; i < json_array_get_length (notifications); i++)
    {
      JsonObject *n = upg_report_array_object (notifications, i);
      g_autofree char *line = n != NULL ? upg_report_notification_text (n) : NULL;

      if (line != NULL)
        g_string_append_printf (out, "%s%s\n", markdown ? "- " : "  ", line);
    }
}

/* The end of the text and Markdown reports: migrations, totals and
 * breakpoint. */
static char *
finish_execution (GString    *out,
                  JsonObject *summary,
                  gboolean    markdown)
{
  JsonObject *breakpoint = upg_report_member_object (summary, "breakpoint");

  append_migrations (out, summary, markdown);
  g_string_append_c (out, '\n');
  append_statement_totals (out, upg_report_member_object (summary, "statements"));
  upg_report_append_explanations (out, summary, markdown);
  if (breakpoint != NULL)
    append_breakpoint_text (out, breakpoint, markdown);
  append_notifications (out, summary, markdown);
  return g_string_free (out, FALSE);
}

static char *
execution_text (JsonObject *summary)
{
  GString *out = g_string_new (NULL);
  JsonArray *steps = upg_report_member_array (summary, "steps");
  g_autofree char *duration = upg_report_format_ms (upg_report_member_int (summary, "duration_ms", -1));

  g_string_append_printf (out, _("Upgrade execution %s"),
                          or_dash (upg_report_member_string (summary, "execution_id")));
  {
    g_autofree char *status = upg_report_status_text (summary);

    g_string_append_printf (out, ": %s\n", status);
  }
  {
    guint resumes = (guint) upg_report_member_int (summary, "resume_count", 0);
    g_autofree char *resumed = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "resumed %u time",
                                                             "resumed %u times", resumes), resumes);

    /* TRANSLATORS: site, from, to, stage, kind (run, rollback), duration, "resumed N times" */
    g_string_append_printf (out, _("Site %s, %s → %s, stage %s (%s), duration %s, %s"),
                            or_dash (upg_report_member_string (summary, "site")),
                            or_dash (upg_report_member_string (summary, "from")),
                            or_dash (upg_report_member_string (summary, "to")),
                            or_dash (upg_report_member_string (summary, "stage")),
                            or_dash (upg_report_member_string (summary, "kind")), duration, resumed);
  }
  g_string_append (out, "\n\n");

  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    {
      JsonObject *step = upg_report_array_object (steps, i);
      g_autofree char *label = upg_report_step_label (step);
      g_autofree char *note = upg_report_step_note (step);
      const char *error = upg_report_step_message (step);

      g_string_append_printf (out, "[%s] %s %s", or_dash (upg_report_member_string (step, "status")),
                              label, note);
      if (error != NULL)
        g_string_append_printf (out, ": %s", error);
      g_string_append_c (out, '\n');
    }
  return finish_execution (out, summary, FALSE);
}

/* Table cells may not hold a pipe or a line break. */
static char *
md_cell (const char *text)
{
  g_autoptr(GString) cell = g_string_new (text != NULL ? text : "");

  g_string_replace (cell, "|", "\\|", 0);
  g_string_replace (cell, "\r", "", 0);
  g_string_replace (cell, "\n", "<br>", 0);
  return g_string_free (g_steal_pointer (&cell), FALSE);
}

static char *
execution_markdown (JsonObject *summary)
{
  GString *out = g_string_new (NULL);
  JsonArray *steps = upg_report_member_array (summary, "steps");
  g_autofree char *duration = upg_report_format_ms (upg_report_member_int (summary, "duration_ms", -1));

  g_string_append_printf (out, "# %s `%s`\n\n", _("Upgrade execution"),
                          or_dash (upg_report_member_string (summary, "execution_id")));
  g_string_append_printf (out, "| %s | %s |\n|---|---|\n", _("Field"), _("Value"));
  {
    g_autofree char *status = upg_report_status_text (summary);

    g_string_append_printf (out, "| %s | **%s** |\n", _("Status"), status);
  }
  g_string_append_printf (out, "| %s | %s |\n", _("Site"), or_dash (upg_report_member_string (summary, "site")));
  g_string_append_printf (out, "| %s | %s → %s |\n", _("Versions"),
                          or_dash (upg_report_member_string (summary, "from")),
                          or_dash (upg_report_member_string (summary, "to")));
  g_string_append_printf (out, "| %s | %s |\n", _("Stage"), or_dash (upg_report_member_string (summary, "stage")));
  g_string_append_printf (out, "| %s | %s |\n\n", _("Duration"), duration);

  g_string_append_printf (out, "## %s\n\n| %s | %s | %s | %s | %s | %s |\n|---|---|---|---|---|---|\n",
                          _("Steps"), _("Status"), _("Step"), _("Version"), _("Duration"),
                          _("Statements"), _("Note"));
  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    {
      JsonObject *step = upg_report_array_object (steps, i);
      g_autofree char *label = upg_report_step_label (step);
      g_autofree char *label_cell = md_cell (label);
      g_autofree char *note = upg_report_step_note (step);
      g_autofree char *error = md_cell (upg_report_step_message (step));
      g_autofree char *duration_cell = upg_report_format_ms (upg_report_member_int (step, "duration_ms", -1));

      g_string_append_printf (out, "| %s | %s | %s | %s | %" G_GINT64_FORMAT " | %s %s |\n",
                              or_dash (upg_report_member_string (step, "status")), label_cell,
                              or_dash (upg_report_member_string (step, "version")), duration_cell,
                              upg_report_member_int (step, "statements", 0), note, error);
    }
  return finish_execution (out, summary, TRUE);
}

static char *
to_pretty_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, TRUE);
}

/**
 * upg_report_render_execution:
 * @execution: an execution record as upg_journal_get_execution() returns it
 * @statements: (nullable): its statement records
 * @format: the format to render
 *
 * Renders the report of one execution: each step as `[SUCCESS] id (2m30s)`,
 * `[SKIPPED] id (already succeeded in …)` or `[FAILED] id (1.2s): error`,
 * statement totals and the breakpoint; the HTML page adds a timeline of the
 * steps per stage.
 *
 * Returns: (transfer full): the report
 */
char *
upg_report_render_execution (JsonObject      *execution,
                             JsonArray       *statements,
                             UpgReportFormat  format)
{
  g_autoptr(JsonObject) summary = NULL;

  g_return_val_if_fail (execution != NULL, NULL);

  summary = upg_report_summarize_execution (execution, statements);
  switch (format)
    {
    case UPG_REPORT_FORMAT_JSON:
      return to_pretty_json (summary);
    case UPG_REPORT_FORMAT_MARKDOWN:
      return execution_markdown (summary);
    case UPG_REPORT_FORMAT_HTML:
      return upg_report_html_execution (summary);
    case UPG_REPORT_FORMAT_TEXT:
    default:
      return execution_text (summary);
    }
}

/**
 * upg_report_load_execution:
 * @journal: the journal holding the execution
 * @execution_id: the execution's id
 * @statements: (out) (transfer full): its statement records, every attempt
 * @error: return location for a #GError
 *
 * Reads what upg_report_render_execution() needs: the execution record
 * with its `stops` (each breakpoint it stopped at and who resumed from
 * it, how and when), its `confirmations` and `check_skips`, its `notifications` (the deliveries of its `notify`
 * events, when there were any) and its statements. Writes nothing.
 *
 * Returns: (transfer full): the execution record, or %NULL with @error
 *   set (%UPG_ERROR_NOT_FOUND for an unknown execution)
 */
JsonObject *
upg_report_load_execution (UpgJournal  *journal,
                           const char  *execution_id,
                           JsonArray  **statements,
                           GError     **error)
{
  g_autoptr(JsonObject) execution = NULL;
  g_autoptr(JsonArray) migrations = NULL;
  g_autoptr(JsonArray) notifications = NULL;
  JsonArray *stops;

  g_return_val_if_fail (UPG_IS_JOURNAL (journal), NULL);
  g_return_val_if_fail (execution_id != NULL && statements != NULL, NULL);

  execution = upg_journal_get_execution (journal, execution_id, error);
  if (execution == NULL || (stops = upg_journal_list_stops (journal, execution_id, error)) == NULL)
    return NULL;
  json_object_set_array_member (execution, "stops", stops);
  if (!upg_journal_add_execution_approvals (journal, execution, error))
    return NULL;
  migrations = upg_journal_list_execution_migrations (journal, execution_id, error);
  if (migrations == NULL)
    return NULL;
  if (json_array_get_length (migrations) > 0)
    json_object_set_array_member (execution, "migrations", g_steal_pointer (&migrations));
  notifications = upg_journal_list_notifications (journal, execution_id, NULL, error);
  if (notifications == NULL)
    return NULL;
  if (json_array_get_length (notifications) > 0)
    json_object_set_array_member (execution, "notifications", g_steal_pointer (&notifications));
  *statements = upg_journal_list_statements (journal, execution_id, error);
  if (*statements == NULL)
    return NULL;
  return g_steal_pointer (&execution);
}

/**
 * upg_report_for_execution:
 * @journal: the journal holding the execution
 * @execution_id: the execution's id
 * @format: the format to render
 * @error: return location for a #GError
 *
 * Reads an execution, its stops and resumes and its statements from
 * @journal, renders its report
 * (upg_report_render_execution()) and stores it in the journal's
 * `upgrade_report` table under @format, replacing an earlier one.
 *
 * Returns: (transfer full): the report, or %NULL with @error set
 *   (%UPG_ERROR_NOT_FOUND for an unknown execution, %UPG_ERROR_JOURNAL)
 */
char *
upg_report_for_execution (UpgJournal       *journal,
                          const char       *execution_id,
                          UpgReportFormat   format,
                          GError          **error)
{
  g_autoptr(JsonObject) execution = NULL;
  g_autoptr(JsonArray) statements = NULL;
  g_autofree char *report = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (journal), NULL);
  g_return_val_if_fail (execution_id != NULL, NULL);

  execution = upg_report_load_execution (journal, execution_id, &statements, error);
  if (execution == NULL)
    return NULL;
  report = upg_report_render_execution (execution, statements, format);
  if (!upg_journal_store_report (journal, execution_id, upg_report_format_to_string (format), report, error))
    return NULL;
  return g_steal_pointer (&report);
}

/* Assessments ----------------------------------------------------------- */

static void
append_estimate_text (GString    *out,
                      JsonObject *estimate)
{
  JsonArray *stages = upg_report_member_array (estimate, "stages");
  g_autofree char *total = upg_format_seconds ((guint64) MAX (upg_report_member_int (estimate, "total_seconds", 0), 0));

  g_string_append_printf (out, _("Estimate: %s until the service is open again"), total);
  g_string_append_c (out, '\n');
  for (guint i = 0; stages != NULL && i < json_array_get_length (stages); i++)
    {
      JsonObject *stage = upg_report_array_object (stages, i);
      g_autofree char *seconds = upg_format_seconds ((guint64) MAX (upg_report_member_int (stage, "seconds", 0), 0));

      g_string_append_printf (out, "  %-14s %s\n", or_dash (upg_report_member_string (stage, "stage")), seconds);
    }
}

static char *
assessment_lines (JsonObject *assessment,
                  gboolean    markdown)
{
  GString *out = g_string_new (NULL);
  JsonArray *items = upg_report_member_array (assessment, "items");
  const char *verdict = or_dash (upg_report_member_string (assessment, "verdict"));
  g_autofree char *verdict_up = g_ascii_strup (verdict, -1);

  const char *from = or_dash (upg_report_member_string (assessment, "from"));
  const char *to = or_dash (upg_report_member_string (assessment, "to"));
  const char *mode = or_dash (upg_report_member_string (assessment, "mode"));

  if (markdown)
    g_string_append_printf (out, "# %s %s → %s\n\n**%s** — %s `%s`\n\n", _("Upgrade assessment"),
                            from, to, verdict_up, _("mode"), mode);
  else
    /* TRANSLATORS: the assessment's first line: from, to, verdict (PASS,
     * WARN, FAIL) and the upgrade mode as upgradectl plan names it. */
    g_string_append_printf (out, _("Upgrade assessment %s → %s: %s (mode: %s)\n\n"),
                            from, to, verdict_up, upg_report_mode_label (mode));
  if (markdown)
    g_string_append_printf (out, "| %s | %s | %s | %s | %s |\n|---|---|---|---|---|\n",
                            _("Verdict"), _("Check"), _("Item"), _("Message"), _("Suggestion"));
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonObject *item = upg_report_array_object (items, i);
      g_autofree char *item_verdict = g_ascii_strup (or_dash (upg_report_member_string (item, "verdict")), -1);
      const char *name = upg_report_member_string (item, "name");
      const char *suggestion = upg_report_member_string (item, "suggestion");
      g_autofree char *figures = upg_report_figures_text (upg_report_member_object (item, "figures"));

      if (name == NULL)
        name = or_dash (upg_report_member_string (item, "id"));
      if (markdown)
        {
          g_autofree char *n = md_cell (name), *m = md_cell (upg_report_member_string (item, "message"));
          g_autofree char *s = md_cell (suggestion);

          g_string_append_printf (out, "| %s | %s | %s | %s | %s |\n", item_verdict,
                                  or_dash (upg_report_member_string (item, "check")), n, m, s);
          continue;
        }
      /* TRANSLATORS: an assessment item: verdict, check kind, item name, message. */
      g_string_append_printf (out, _("[%s] %s %s: %s\n"), item_verdict,
                              or_dash (upg_report_member_string (item, "check")), name,
                              or_dash (upg_report_member_string (item, "message")));
      if (*figures != '\0')
        g_string_append_printf (out, "    %s\n", figures);
      if (suggestion != NULL && *suggestion != '\0')
        g_string_append_printf (out, _("    suggestion: %s\n"), suggestion);
    }
  g_string_append_c (out, '\n');
  append_estimate_text (out, upg_report_member_object (assessment, "estimate"));
  return g_string_free (out, FALSE);
}

/**
 * upg_report_render_assessment:
 * @assessment: an assessment in its JSON form (upg_assessment_to_json())
 * @format: the format to render
 *
 * Renders an assessment: the verdict and mode, one line per item with its
 * figures and suggestion, and the duration estimate per stage; the HTML
 * page adds a timeline of the estimated stages.
 *
 * Returns: (transfer full): the report
 */
char *
upg_report_render_assessment (JsonObject      *assessment,
                              UpgReportFormat  format)
{
  g_return_val_if_fail (assessment != NULL, NULL);

  switch (format)
    {
    case UPG_REPORT_FORMAT_JSON:
      return to_pretty_json (assessment);
    case UPG_REPORT_FORMAT_MARKDOWN:
      return assessment_lines (assessment, TRUE);
    case UPG_REPORT_FORMAT_HTML:
      return upg_report_html_assessment (assessment);
    case UPG_REPORT_FORMAT_TEXT:
    default:
      return assessment_lines (assessment, FALSE);
    }
}
