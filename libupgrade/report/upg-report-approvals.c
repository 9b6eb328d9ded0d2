/* upg-report-approvals.c - who confirmed steps and who skipped checks,
 *                           as report lines
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A step that needs manual confirmation runs only once a person confirmed
 * it, and a later stage runs past unpassed checks only with
 * `--skip-checks` (SPEC §3). Both are journaled with who and when; the
 * reports (per stage and for the whole upgrade, in every format) say it
 * next to the steps, so that the record of an upgrade answers "who
 * allowed this".
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-report-private.h"

static const char *
or_dash (const char *text)
{
  return text != NULL ? text : "-";
}

static char *
confirmation_line (JsonObject *row)
{
  /* TRANSLATORS: step id, its version, who confirmed it (user@host or
   * the HTTP token's name), when, and how (cli, run, api) */
  return g_strdup_printf (_("step %s (%s) confirmed by %s at %s (via %s)"),
                          or_dash (upg_report_member_string (row, "step_id")),
                          or_dash (upg_report_member_string (row, "version")),
                          or_dash (upg_report_member_string (row, "confirmed_by")),
                          or_dash (upg_report_member_string (row, "confirmed_at")),
                          or_dash (upg_report_member_string (row, "via")));
}

static char *
check_skip_line (JsonObject *row)
{
  /* TRANSLATORS: the check stage, who skipped it, when, and why it had
   * not passed */
  return g_strdup_printf (_("%s skipped by %s at %s (--skip-checks): %s"),
                          or_dash (upg_report_member_string (row, "check_stage")),
                          or_dash (upg_report_member_string (row, "skipped_by")),
                          or_dash (upg_report_member_string (row, "skipped_at")),
                          or_dash (upg_report_member_string (row, "reason")));
}

/*
 * upg_report_approval_sections:
 * @summary: an execution's summary
 *
 * Returns: (transfer full) (element-type UpgReportSection): the
 *   "Confirmations" and "Checks skipped" sections that @summary has
 *   lines for, in that order
 */
GPtrArray *
upg_report_approval_sections (JsonObject *summary)
{
  static const struct {
    const char *member;
    const char *title;
    char     *(*line) (JsonObject *row);
  } kinds[] = {
    { "confirmations", N_("Confirmations"), confirmation_line },
    { "check_skips", N_("Checks skipped"), check_skip_line },
  };
  GPtrArray *sections = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_report_section_free);

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      JsonArray *rows = upg_report_member_array (summary, kinds[k].member);
      UpgReportSection *section;

      if (rows == NULL || json_array_get_length (rows) == 0)
        continue;
      section = g_new0 (UpgReportSection, 1);
      section->title = _(kinds[k].title);
      section->css = kinds[k].member;
      section->lines = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < json_array_get_length (rows); i++)
        {
          JsonObject *row = upg_report_array_object (rows, i);

          if (row != NULL)
            g_ptr_array_add (section->lines, kinds[k].line (row));
        }
      g_ptr_array_add (sections, section);
    }
  return sections;
}

void
upg_report_section_free (UpgReportSection *section)
{
  g_ptr_array_unref (section->lines);
  g_free (section);
}
