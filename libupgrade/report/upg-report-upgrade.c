/* upg-report-upgrade.c - one report for a whole upgrade (every stage)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `report --upgrade --from V --to V --site S` (issue #12): every execution
 * of that from/to/site, in stage order (then in the order they ran), each
 * with its result, duration, stops and resumes, and the statements
 * counted once each over the whole upgrade.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-report.h"
#include "upg-report-private.h"
#include "upg-journal-private.h"
#include "upg-journal-confirm-private.h"

typedef struct {
  JsonObject *summary;
  UpgStage    stage;
  gint64      started_ms;
} Entry;

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  json_object_unref (entry->summary);
  g_free (entry);
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const Entry *x = *(Entry * const *) a, *y = *(Entry * const *) b;

  if (x->stage != y->stage)
    return x->stage < y->stage ? -1 : 1;
  return (x->started_ms > y->started_ms) - (x->started_ms < y->started_ms);
}

static gboolean
same_version (const char       *text,
              const UpgVersion *version)
{
  g_autoptr(UpgVersion) parsed = text != NULL ? upg_version_parse (text, NULL) : NULL;

  return parsed != NULL && upg_version_compare (parsed, version) == 0;
}

/* The upgrade's status: that of the last execution of each stage, the
 * worst of them; SUCCESS only when every stage's last one succeeded. */
static const char *
overall_status (GPtrArray *entries)
{
  static const char * const worst_first[] = { "IN_DOUBT", "FAILED", "INTERRUPTED", "RUNNING" };
  g_autoptr(GHashTable) last = g_hash_table_new (g_direct_hash, g_direct_equal);
  GHashTableIter iter;
  gpointer value;
  guint rank = G_N_ELEMENTS (worst_first);

  if (entries->len == 0)
    return "NOT_STARTED";
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (entries, i);

      g_hash_table_insert (last, GINT_TO_POINTER (entry->stage), entry);
    }
  g_hash_table_iter_init (&iter, last);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const char *status = upg_report_member_string (((Entry *) value)->summary, "status");

      for (guint r = 0; r < rank; r++)
        if (g_strcmp0 (status, worst_first[r]) == 0)
          rank = r;
    }
  return rank < G_N_ELEMENTS (worst_first) ? worst_first[rank] : "SUCCESS";
}

/**
 * upg_report_summarize_upgrade:
 * @journal: the journal
 * @site: the site
 * @from: the version upgraded from
 * @to: the version upgraded to
 * @error: return location for a #GError
 *
 * Gathers every execution of @site from @from to @to (runs and
 * rollbacks) as upg_report_summarize_execution() condenses them, with
 * their stops and resumes, in stage order, then in the order they ran:
 * `{"site", "from", "to", "status", "duration_ms", "statements": {…},
 * "executions": […]}`. `status` is `NOT_STARTED` without executions,
 * otherwise the worst status among the last execution of each stage.
 * `statements` sums the executions' counts. `confirmations` and
 * `check_skips` list every confirmation of the plan and every check
 * stage skipped in it (each execution lists those that concern it).
 *
 * Returns: (transfer full): the summary, or %NULL with @error set
 *   (%UPG_ERROR_JOURNAL)
 */
JsonObject *
upg_report_summarize_upgrade (UpgJournal        *journal,
                              const char        *site,
                              const UpgVersion  *from,
                              const UpgVersion  *to,
                              GError           **error)
{
  g_autoptr(JsonArray) records = NULL;
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (entry_free);
  JsonObject *summary;
  JsonArray *executions = json_array_new ();
  JsonObject *counts = json_object_new ();
  gint64 duration = 0;

  g_return_val_if_fail (UPG_IS_JOURNAL (journal), NULL);
  g_return_val_if_fail (site != NULL && from != NULL && to != NULL, NULL);

  records = upg_journal_list_executions (journal, site, 0, error);
  if (records == NULL)
    {
      json_array_unref (executions);
      json_object_unref (counts);
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *record = upg_report_array_object (records, i);
      const char *id = upg_report_member_string (record, "execution_id");
      g_autoptr(JsonObject) execution = NULL;
      g_autoptr(JsonArray) statements = NULL;
      Entry *entry;

      if (id == NULL || !same_version (upg_report_member_string (record, "from"), from) ||
          !same_version (upg_report_member_string (record, "to"), to))
        continue;
      if ((execution = upg_report_load_execution (journal, id, &statements, error)) == NULL)
        {
          json_array_unref (executions);
          json_object_unref (counts);
          return NULL;
        }
      entry = g_new0 (Entry, 1);
      entry->summary = upg_report_summarize_execution (execution, statements);
      if (!upg_stage_from_string (upg_report_member_string (execution, "stage"), &entry->stage, NULL))
        entry->stage = G_MAXINT;
      entry->started_ms = upg_report_parse_time_ms (upg_report_member_string (execution, "started_at"));
      g_ptr_array_add (entries, entry);
    }
  g_ptr_array_sort (entries, compare_entries);

  summary = json_object_new ();
  json_object_set_string_member (summary, "site", site);
  {
    g_autofree char *from_text = upg_version_to_string (from);
    g_autofree char *to_text = upg_version_to_string (to);

    json_object_set_string_member (summary, "from", from_text);
    json_object_set_string_member (summary, "to", to_text);
  }
  json_object_set_string_member (summary, "status", overall_status (entries));
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (entries, i);

      duration += MAX (upg_report_member_int (entry->summary, "duration_ms", 0), 0);
      upg_report_add_counts (counts, upg_report_member_object (entry->summary, "statements"));
      json_array_add_object_element (executions, json_object_ref (entry->summary));
    }
  json_object_set_int_member (summary, "duration_ms", duration);
  json_object_set_object_member (summary, "statements", counts);
  json_object_set_array_member (summary, "executions", executions);
  {
    g_autofree char *from_text = upg_version_to_string (from);
    g_autofree char *to_text = upg_version_to_string (to);
    JsonArray *confirmations = upg_journal_list_confirmations (journal, site, from_text, to_text, error);
    JsonArray *skips = confirmations != NULL
                       ? upg_journal_list_check_skips (journal, site, from_text, to_text, error) : NULL;

    if (skips == NULL)
      {
        g_clear_pointer (&confirmations, json_array_unref);
        json_object_unref (summary);
        return NULL;
      }
    json_object_set_array_member (summary, "confirmations", confirmations);
    json_object_set_array_member (summary, "check_skips", skips);
  }
  return summary;
}

/* Text and Markdown ----------------------------------------------------- */

static const char *
or_dash (const char *text)
{
  return text != NULL ? text : "-";
}

static char *
upgrade_lines (JsonObject *summary,
               gboolean    markdown)
{
  GString *out = g_string_new (NULL);
  JsonArray *executions = upg_report_member_array (summary, "executions");
  g_autofree char *duration = upg_report_format_ms (upg_report_member_int (summary, "duration_ms", -1));
  g_autofree char *counts = upg_report_counts_text (upg_report_member_object (summary, "statements"));
  g_autofree char *status = upg_report_status_text (summary);
  guint n = executions != NULL ? json_array_get_length (executions) : 0;

  /* TRANSLATORS: the first line of a whole upgrade's report: site, from,
   * to and the overall status (SUCCESS, FAILED, NOT_STARTED…) */
  g_string_append (out, markdown ? "# " : "");
  g_string_append_printf (out, _("Upgrade of site %s, %s → %s: %s"),
                          or_dash (upg_report_member_string (summary, "site")),
                          or_dash (upg_report_member_string (summary, "from")),
                          or_dash (upg_report_member_string (summary, "to")), status);
  g_string_append (out, markdown ? "\n\n" : "\n");
  g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE, "%u execution, %s in all",
                                            "%u executions, %s in all", n), n, duration);
  g_string_append (out, markdown ? "  \n" : "\n");
  g_string_append (out, counts);
  g_string_append_c (out, '\n');
  if (n == 0)
    g_string_append_printf (out, "\n%s\n", _("No execution of this upgrade is in the journal."));

  for (guint i = 0; i < n; i++)
    {
      JsonObject *execution = upg_report_array_object (executions, i);
      JsonArray *steps = upg_report_member_array (execution, "steps");
      JsonObject *breakpoint = upg_report_member_object (execution, "breakpoint");
      g_autofree char *took = upg_report_format_ms (upg_report_member_int (execution, "duration_ms", -1));
      g_autofree char *statements = upg_report_counts_text (upg_report_member_object (execution, "statements"));
      guint resumes = (guint) upg_report_member_int (execution, "resume_count", 0);
      g_autofree char *resumed = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "resumed %u time",
                                                               "resumed %u times", resumes), resumes);
      g_autofree char *status_text = upg_report_status_text (execution);

      g_string_append_printf (out, markdown ? "\n## %s %s (%s): %s\n\n" : "\n== %s %s (%s): %s ==\n",
                              or_dash (upg_report_member_string (execution, "stage")),
                              g_strcmp0 (upg_report_member_string (execution, "kind"), "rollback") == 0
                                ? _("rollback") : _("upgrade"),
                              or_dash (upg_report_member_string (execution, "execution_id")), status_text);
      /* TRANSLATORS: started at, duration, "resumed N times" */
      g_string_append_printf (out, _("started %s, duration %s, %s"),
                              or_dash (upg_report_member_string (execution, "started_at")), took, resumed);
      g_string_append (out, markdown ? "  \n" : "\n");
      g_string_append (out, statements);
      g_string_append (out, markdown ? "\n\n" : "\n");
      for (guint s = 0; steps != NULL && s < json_array_get_length (steps); s++)
        {
          JsonObject *step = upg_report_array_object (steps, s);
          g_autofree char *label = upg_report_step_label (step);
          g_autofree char *note = upg_report_step_note (step);
          const char *error = upg_report_member_string (step, "error");

          g_string_append_printf (out, markdown ? "- `[%s]` %s %s%s%s\n" : "  [%s] %s %s%s%s\n",
                                  or_dash (upg_report_member_string (step, "status")), label, note,
                                  error != NULL ? ": " : "", error != NULL ? error : "");
        }
      upg_report_append_explanations (out, execution, markdown);
      if (breakpoint != NULL)
        {
          g_autofree char *where = g_strdup_printf (_("step %s at %s:%d (statement %d)"),
                                                    or_dash (upg_report_member_string (breakpoint, "step_id")),
                                                    or_dash (upg_report_member_string (breakpoint, "file")),
                                                    (int) upg_report_member_int (breakpoint, "line", 0),
                                                    (int) upg_report_member_int (breakpoint, "sequence", 0));

          g_string_append_printf (out, markdown ? "\n**%s**: %s: %s\n" : "  %s: %s: %s\n", _("Breakpoint"), where,
                                  or_dash (upg_report_member_string (breakpoint, "error")));
        }
    }
  return g_string_free (out, FALSE);
}

/**
 * upg_report_render_upgrade:
 * @summary: a whole upgrade as upg_report_summarize_upgrade() gathers it
 * @format: the format to render
 *
 * Renders the report of a whole upgrade: its overall status and totals,
 * then each execution in stage order with its steps, stops and resumes,
 * and the statements that were retried, skipped, failed or in doubt.
 *
 * Returns: (transfer full): the report
 */
char *
upg_report_render_upgrade (JsonObject      *summary,
                           UpgReportFormat  format)
{
  g_return_val_if_fail (summary != NULL, NULL);

  switch (format)
    {
    case UPG_REPORT_FORMAT_JSON:
      {
        g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), summary);

        return json_to_string (node, TRUE);
      }
    case UPG_REPORT_FORMAT_MARKDOWN:
      return upgrade_lines (summary, TRUE);
    case UPG_REPORT_FORMAT_HTML:
      return upg_report_html_upgrade (summary);
    case UPG_REPORT_FORMAT_TEXT:
    default:
      return upgrade_lines (summary, FALSE);
    }
}

/**
 * upg_report_for_upgrade:
 * @journal: the journal
 * @site: the site
 * @from: the version upgraded from
 * @to: the version upgraded to
 * @format: the format to render
 * @error: return location for a #GError
 *
 * Renders the report of the whole upgrade of @site from @from to @to
 * (upg_report_summarize_upgrade(), upg_report_render_upgrade()). An
 * upgrade without executions is reported as `NOT_STARTED`, not an error.
 *
 * Returns: (transfer full): the report, or %NULL with @error set
 */
char *
upg_report_for_upgrade (UpgJournal        *journal,
                        const char        *site,
                        const UpgVersion  *from,
                        const UpgVersion  *to,
                        UpgReportFormat    format,
                        GError           **error)
{
  g_autoptr(JsonObject) summary = upg_report_summarize_upgrade (journal, site, from, to, error);

  if (summary == NULL)
    return NULL;
  return upg_report_render_upgrade (summary, format);
}
