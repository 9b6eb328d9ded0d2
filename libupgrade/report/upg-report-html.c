/* upg-report-html.c - the self-contained HTML report page
 *
 * One page an operator can mail: inline CSS, an inline SVG timeline with
 * one lane per stage, no scripts and no external resources (SVG <title>
 * elements give tooltips without JavaScript).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-report-private.h"
#include "upg-estimate.h"

#define CHART_WIDTH 900.0
#define LABEL_WIDTH 130.0
#define PLOT_WIDTH (CHART_WIDTH - LABEL_WIDTH - 20.0)
#define LANE_HEIGHT 30.0
#define AXIS_HEIGHT 24.0

static const char page_css[] =
  "body{font-family:sans-serif;margin:2em;color:#222;max-width:1000px}"
  "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.5em}"
  "table{border-collapse:collapse;margin:.5em 0}"
  "th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}"
  "th{background:#f0f0f0}"
  ".badge{padding:.1em .5em;border-radius:.3em;color:#fff;font-size:.8em}"
  ".badge.status-success,.badge.verdict-pass,tr.status-success>td:first-child,tr.verdict-pass>td:first-child{background:#2e7d32}"
  ".badge.status-failed,.badge.verdict-fail,tr.status-failed>td:first-child,tr.verdict-fail>td:first-child{background:#c62828}"
  ".badge.status-skipped,.badge.verdict-skipped,tr.status-skipped>td:first-child,tr.verdict-skipped>td:first-child{background:#9e9e9e}"
  ".badge.status-running,.badge.status-in_doubt,.badge.status-interrupted,.badge.verdict-warn,"
  "tr.status-running>td:first-child,tr.status-in_doubt>td:first-child,tr.verdict-warn>td:first-child{background:#ef6c00}"
  ".badge.status-pending,tr.status-pending>td:first-child{background:#607d8b}"
  "tr.step td:first-child,tr.item td:first-child{color:#fff;font-weight:bold}"
  "pre{background:#f6f6f6;padding:.6em;white-space:pre-wrap}"
  "svg.timeline text{font-size:12px;fill:#333}"
  "svg.timeline rect.lane{fill:#fafafa;stroke:#ddd}"
  "svg.timeline rect.bar.status-success{fill:#43a047}"
  "svg.timeline rect.bar.stage-total{fill:#c8e6c9;opacity:1}"
  "svg.timeline rect.bar.status-failed{fill:#e53935}"
  "svg.timeline rect.bar.status-skipped{fill:#bdbdbd}"
  "svg.timeline rect.bar.flagged{fill:#fb8c00}"
  "svg.timeline rect.bar{fill:#78909c;opacity:.85}"
  "svg.timeline line.marker{stroke:#1565c0;stroke-dasharray:4 3}"
  ".footer{color:#777;font-size:.8em;margin-top:2em}";

typedef struct
{
  char   *id;
  char   *css;
  char   *title;
  double  start;
  double  length;
} Bar;

typedef struct
{
  char   *stage;
  GArray *bars;
} Lane;

static void
bar_clear (gpointer data)
{
  Bar *bar = data;

  g_free (bar->id);
  g_free (bar->css);
  g_free (bar->title);
}

static void
lane_clear (gpointer data)
{
  Lane *lane = data;

  g_free (lane->stage);
  g_array_unref (lane->bars);
}

static GArray *
lanes_new (void)
{
  GArray *lanes = g_array_new (FALSE, TRUE, sizeof (Lane));

  g_array_set_clear_func (lanes, lane_clear);
  return lanes;
}

static Lane *
lanes_get (GArray     *lanes,
           const char *stage)
{
  Lane lane = { NULL, NULL };

  for (guint i = 0; i < lanes->len; i++)
    if (g_strcmp0 (g_array_index (lanes, Lane, i).stage, stage) == 0)
      return &g_array_index (lanes, Lane, i);
  lane.stage = g_strdup (stage);
  lane.bars = g_array_new (FALSE, TRUE, sizeof (Bar));
  g_array_set_clear_func (lane.bars, bar_clear);
  g_array_append_val (lanes, lane);
  return &g_array_index (lanes, Lane, lanes->len - 1);
}

static void
lane_add (Lane       *lane,
          const char *id,
          const char *css,
          double      start,
          double      length,
          char       *title)
{
  Bar bar = { g_strdup (id), g_strdup (css), title, start, length };

  g_array_append_val (lane->bars, bar);
}

static void
append_escaped (GString    *out,
                const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text != NULL ? text : "-", -1);

  g_string_append (out, escaped);
}

/* Draws the lanes over [0, span] (span in seconds); @marker, if > 0,
 * draws a dashed line with @marker_label at that time. */
static void
append_timeline (GString    *out,
                 GArray     *lanes,
                 double      span,
                 double      marker,
                 const char *marker_label)
{
  double height = lanes->len * LANE_HEIGHT + AXIS_HEIGHT;
  double scale = PLOT_WIDTH / (span > 0.0 ? span : 1.0);
  g_autofree char *span_text = upg_report_format_ms ((gint64) (span * 1000.0));

  g_string_append_printf (out,
                          "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\">\n",
                          CHART_WIDTH, height, CHART_WIDTH, height);
  for (guint i = 0; i < lanes->len; i++)
    {
      Lane *lane = &g_array_index (lanes, Lane, i);
      double y = i * LANE_HEIGHT;

      g_string_append (out, "<g class=\"stage-lane\" data-stage=\"");
      append_escaped (out, lane->stage);
      g_string_append_printf (out, "\"><text x=\"4\" y=\"%.1f\">", y + 19.0);
      append_escaped (out, lane->stage);
      g_string_append (out, "</text>");
      g_string_append_printf (out, "<rect class=\"lane\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                              LABEL_WIDTH, y + 2.0, PLOT_WIDTH, LANE_HEIGHT - 4.0);
      for (guint b = 0; b < lane->bars->len; b++)
        {
          Bar *bar = &g_array_index (lane->bars, Bar, b);

          g_string_append_printf (out, "\n  <rect class=\"bar %s\" data-step=\"", bar->css);
          append_escaped (out, bar->id);
          g_string_append_printf (out, "\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>",
                                  LABEL_WIDTH + bar->start * scale, y + 6.0,
                                  MAX (bar->length * scale, 2.0), LANE_HEIGHT - 12.0);
          append_escaped (out, bar->title);
          g_string_append (out, "</title></rect>");
        }
      g_string_append (out, "</g>\n");
    }
  g_string_append_printf (out, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\">0s</text>",
                          LABEL_WIDTH, height - 6.0);
  g_string_append_printf (out, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                          LABEL_WIDTH + PLOT_WIDTH, height - 6.0, span_text);
  if (marker > 0.0)
    {
      double x = LABEL_WIDTH + marker * scale;

      g_string_append_printf (out, "<line class=\"marker\" x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%.1f\"/>",
                              x, x, height - AXIS_HEIGHT);
      g_string_append_printf (out, "<text class=\"marker\" x=\"%.1f\" y=\"%.1f\">", x + 3.0, height - 6.0);
      append_escaped (out, marker_label);
      g_string_append (out, "</text>\n");
    }
  g_string_append (out, "</svg>\n");
}

static GString *
page_begin (const char *title)
{
  GString *out = g_string_new ("<!DOCTYPE html>\n<html lang=\"");

  /* TRANSLATORS: the HTML language code of your translation */
  g_string_append (out, C_("html-lang", "en"));
  g_string_append (out, "\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
  append_escaped (out, title);
  g_string_append_printf (out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", page_css);
  append_escaped (out, title);
  g_string_append (out, "</h1>\n");
  return out;
}

static char *
page_end (GString *out)
{
  g_string_append_printf (out, "<p class=\"footer\">libupgrade %s</p>\n</body>\n</html>\n",
                          PACKAGE_VERSION);
  return g_string_free (out, FALSE);
}

static char *
css_class (const char *prefix,
           const char *value)
{
  g_autofree char *lower = g_ascii_strdown (value != NULL ? value : "unknown", -1);

  g_strcanon (lower, "abcdefghijklmnopqrstuvwxyz_", '_');
  return g_strconcat (prefix, lower, NULL);
}

/* The coloured status or verdict under the title, then the facts table. */
static void
begin_facts (GString    *out,
             const char *prefix,
             const char *value,
             const char *id)
{
  g_autofree char *css = css_class (prefix, value);

  g_string_append_printf (out, "<p><span class=\"badge %s\" id=\"%s\">", css, id);
  append_escaped (out, value);
  g_string_append (out, "</span></p>\n<table class=\"facts\">\n");
}

static void
append_fact (GString    *out,
             const char *label,
             const char *value)
{
  g_string_append (out, "<tr><th>");
  append_escaped (out, label);
  g_string_append (out, "</th><td>");
  append_escaped (out, value);
  g_string_append (out, "</td></tr>\n");
}

/* One table row: <tr class="KIND CSS" ATTR="KEY"> and a cell per text. */
static void
append_row (GString            *out,
            const char         *kind,
            const char         *css,
            const char         *attribute,
            const char         *key,
            const char * const *cells,
            guint               n_cells)
{
  g_string_append_printf (out, "<tr class=\"%s %s\" %s=\"", kind, css, attribute);
  append_escaped (out, key);
  g_string_append (out, "\">");
  for (guint c = 0; c < n_cells; c++)
    {
      g_string_append (out, "<td>");
      append_escaped (out, cells[c] != NULL ? cells[c] : "");
      g_string_append (out, "</td>");
    }
  g_string_append (out, "</tr>\n");
}

/* Execution page -------------------------------------------------------- */

/* Places each step on the time axis: at its recorded start when it has
 * one, else right after the previous step (skipped steps have no times). */
static double
execution_lanes (JsonObject *summary,
                 GArray     *lanes)
{
  JsonArray *steps = upg_report_member_array (summary, "steps");
  gint64 origin = upg_report_parse_time_ms (upg_report_member_string (summary, "started_at"));
  double cursor = 0.0, span = 0.0;

  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    {
      JsonObject *step = upg_report_array_object (steps, i);
      gint64 started = upg_report_parse_time_ms (upg_report_member_string (step, "started_at"));
      gint64 duration = upg_report_member_int (step, "duration_ms", -1);
      const char *stage = upg_report_member_string (step, "stage");
      g_autofree char *css = css_class ("status-", upg_report_member_string (step, "status"));
      g_autofree char *label = upg_report_step_label (step);
      g_autofree char *note = upg_report_step_note (step);
      double start, length = duration > 0 ? duration / 1000.0 : 0.0;

      if (origin < 0 && started >= 0)
        origin = started;
      start = started >= 0 && origin >= 0 ? (started - origin) / 1000.0 : cursor;
      cursor = start + length;
      span = MAX (span, cursor);
      lane_add (lanes_get (lanes, stage != NULL ? stage : upg_report_member_string (summary, "stage")),
                upg_report_member_string (step, "id"), css, start, length,
                g_strdup_printf ("%s %s", label, note));
    }
  return span;
}

static void
append_step_rows (GString   *out,
                  JsonArray *steps)
{
  g_string_append_printf (out, "<table class=\"steps\">\n<thead><tr><th>%s</th><th>%s</th><th>%s</th>"
                          "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead>\n<tbody>\n",
                          _("Status"), _("Step"), _("Version"), _("Stage"), _("Duration"),
                          _("Statements"), _("Note"));
  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    {
      JsonObject *step = upg_report_array_object (steps, i);
      g_autofree char *css = css_class ("status-", upg_report_member_string (step, "status"));
      g_autofree char *label = upg_report_step_label (step);
      g_autofree char *note = upg_report_step_note (step);
      g_autofree char *duration = upg_report_format_ms (upg_report_member_int (step, "duration_ms", -1));
      g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, upg_report_member_int (step, "statements", 0));
      const char *error = upg_report_step_message (step);
      g_autofree char *note_error = error != NULL ? g_strdup_printf ("%s %s", note, error) : g_strdup (note);
      const char *cells[] = { upg_report_member_string (step, "status"), label,
                              upg_report_member_string (step, "version"),
                              upg_report_member_string (step, "stage"), duration, count, note_error };

      append_row (out, "step", css, "data-step", upg_report_member_string (step, "id"),
                  cells, G_N_ELEMENTS (cells));
    }
  g_string_append (out, "</tbody>\n</table>\n");
}

static void
append_breakpoint (GString    *out,
                   JsonObject *breakpoint)
{
  g_autofree char *where = NULL;

  if (breakpoint == NULL)
    return;
  where = g_strdup_printf (_("step %s at %s:%d (statement %d)"),
                           upg_report_member_string (breakpoint, "step_id"),
                           upg_report_member_string (breakpoint, "file"),
                           (int) upg_report_member_int (breakpoint, "line", 0),
                           (int) upg_report_member_int (breakpoint, "sequence", 0));
  g_string_append_printf (out, "<h2>%s</h2>\n<div class=\"breakpoint\"><p>", _("Breakpoint"));
  append_escaped (out, where);
  g_string_append (out, "</p>\n<pre>");
  append_escaped (out, upg_report_member_string (breakpoint, "statement"));
  g_string_append (out, "</pre>\n<p class=\"error\">");
  append_escaped (out, upg_report_member_string (breakpoint, "error_code"));
  g_string_append (out, ": ");
  append_escaped (out, upg_report_member_string (breakpoint, "error"));
  g_string_append (out, "</p></div>\n");
}

/* The confirmations, the skipped checks, the stops, the notify
 * deliveries and the statements that were not simply applied, as lists. */
static void
append_explanations (GString    *out,
                     JsonObject *summary,
                     const char *heading)
{
  JsonArray *stops = upg_report_member_array (summary, "stops");
  JsonArray *notes = upg_report_member_array (summary, "statement_notes");
  JsonArray *notifications = upg_report_member_array (summary, "notifications");
  g_autoptr(GPtrArray) sections = upg_report_approval_sections (summary);

  for (guint s = 0; s < sections->len; s++)
    {
      UpgReportSection *section = g_ptr_array_index (sections, s);

      g_string_append_printf (out, "<%s>", heading);
      append_escaped (out, section->title);
      g_string_append_printf (out, "</%s>\n<ul class=\"%s\">\n", heading, section->css);
      for (guint i = 0; i < section->lines->len; i++)
        {
          g_string_append (out, "<li>");
          append_escaped (out, g_ptr_array_index (section->lines, i));
          g_string_append (out, "</li>\n");
        }
      g_string_append (out, "</ul>\n");
    }
  if (stops != NULL && json_array_get_length (stops) > 0)
    {
      g_string_append_printf (out, "<%s>%s</%s>\n<ul class=\"stops\">\n", heading, _("Stops and resumes"), heading);
      for (guint i = 0; i < json_array_get_length (stops); i++)
        {
          g_autofree char *line = upg_report_stop_text (upg_report_array_object (stops, i));

          g_string_append (out, "<li>");
          append_escaped (out, line);
          g_string_append (out, "</li>\n");
        }
      g_string_append (out, "</ul>\n");
    }
  if (notifications != NULL && json_array_get_length (notifications) > 0)
    {
      g_string_append_printf (out, "<%s>%s</%s>\n<ul class=\"notifications\">\n", heading, _("Notifications"),
                              heading);
      for (guint i = 0; i < json_array_get_length (notifications); i++)
        {
          JsonObject *n = upg_report_array_object (notifications, i);
          g_autofree char *line = n != NULL ? upg_report_notification_text (n) : NULL;

          if (line == NULL)
            continue;
          g_string_append (out, "<li>");
          append_escaped (out, line);
          g_string_append (out, "</li>\n");
        }
      g_string_append (out, "</ul>\n");
    }
  if (notes != NULL && json_array_get_length (notes) > 0)
    {
      g_string_append_printf (out, "<%s>%s</%s>\n<ul class=\"notes\">\n", heading, _("Statements not simply applied"),
                              heading);
      for (guint i = 0; i < json_array_get_length (notes); i++)
        {
          g_autofree char *line = upg_report_note_text (upg_report_array_object (notes, i));

          g_string_append (out, "<li>");
          append_escaped (out, line);
          g_string_append (out, "</li>\n");
        }
      g_string_append (out, "</ul>\n");
    }
}

/* Facts, timeline, steps, explanations and breakpoint of one execution;
 * the badge and facts table are opened by the caller. */
static void
append_execution_body (GString    *out,
                       JsonObject *summary,
                       const char *heading)
{
  g_autofree char *versions = g_strdup_printf ("%s → %s", upg_report_member_string (summary, "from"),
                                               upg_report_member_string (summary, "to"));
  g_autofree char *duration = upg_report_format_ms (upg_report_member_int (summary, "duration_ms", -1));
  g_autofree char *statements = upg_report_counts_text (upg_report_member_object (summary, "statements"));
  g_autofree char *status = upg_report_status_text (summary);
  g_autofree char *resumes = g_strdup_printf ("%d", (int) upg_report_member_int (summary, "resume_count", 0));
  g_autoptr(GArray) lanes = lanes_new ();
  double span;

  append_fact (out, _("Status"), status);
  append_fact (out, _("Site"), upg_report_member_string (summary, "site"));
  append_fact (out, _("Versions"), versions);
  append_fact (out, _("Stage"), upg_report_member_string (summary, "stage"));
  append_fact (out, _("Started"), upg_report_member_string (summary, "started_at"));
  append_fact (out, _("Finished"), upg_report_member_string (summary, "finished_at"));
  append_fact (out, _("Duration"), duration);
  append_fact (out, _("Resumes"), resumes);
  append_fact (out, _("Statements"), statements);
  g_string_append (out, "</table>\n");

  span = execution_lanes (summary, lanes);
  g_string_append_printf (out, "<%s>%s</%s>\n", heading, _("Timeline"), heading);
  append_timeline (out, lanes, span, 0.0, NULL);
  g_string_append_printf (out, "<%s>%s</%s>\n", heading, _("Steps"), heading);
  append_step_rows (out, upg_report_member_array (summary, "steps"));
  append_explanations (out, summary, heading);
  append_breakpoint (out, upg_report_member_object (summary, "breakpoint"));
}

char *
upg_report_html_execution (JsonObject *summary)
{
  g_autofree char *title = g_strdup_printf (_("Upgrade execution %s"),
                                            upg_report_member_string (summary, "execution_id"));
  GString *out = page_begin (title);

  begin_facts (out, "status-", upg_report_member_string (summary, "status"), "status");
  append_execution_body (out, summary, "h2");
  return page_end (out);
}

/* A whole upgrade: its facts, then each execution in stage order. */
char *
upg_report_html_upgrade (JsonObject *summary)
{
  g_autofree char *title = g_strdup_printf (_("Upgrade of site %s, %s → %s"),
                                            upg_report_member_string (summary, "site"),
                                            upg_report_member_string (summary, "from"),
                                            upg_report_member_string (summary, "to"));
  g_autofree char *duration = upg_report_format_ms (upg_report_member_int (summary, "duration_ms", -1));
  g_autofree char *statements = upg_report_counts_text (upg_report_member_object (summary, "statements"));
  JsonArray *executions = upg_report_member_array (summary, "executions");
  guint n = executions != NULL ? json_array_get_length (executions) : 0;
  GString *out = page_begin (title);

  begin_facts (out, "status-", upg_report_member_string (summary, "status"), "status");
  append_fact (out, _("Duration"), duration);
  append_fact (out, _("Statements"), statements);
  g_string_append (out, "</table>\n");
  if (n == 0)
    {
      g_string_append (out, "<p>");
      append_escaped (out, _("No execution of this upgrade is in the journal."));
      g_string_append (out, "</p>\n");
    }
  for (guint i = 0; i < n; i++)
    {
      JsonObject *execution = upg_report_array_object (executions, i);
      const char *id = upg_report_member_string (execution, "execution_id");
      g_autofree char *css = css_class ("status-", upg_report_member_string (execution, "status"));

      g_string_append (out, "<section class=\"execution\" data-execution=\"");
      append_escaped (out, id);
      g_string_append (out, "\">\n<h2>");
      append_escaped (out, upg_report_member_string (execution, "stage"));
      g_string_append (out, " · ");
      append_escaped (out, g_strcmp0 (upg_report_member_string (execution, "kind"), "rollback") == 0
                             ? _("rollback") : _("upgrade"));
      g_string_append (out, " · ");
      append_escaped (out, id);
      g_string_append_printf (out, " <span class=\"badge %s\">", css);
      append_escaped (out, upg_report_member_string (execution, "status"));
      g_string_append (out, "</span></h2>\n<table class=\"facts\">\n");
      append_execution_body (out, execution, "h3");
      g_string_append (out, "</section>\n");
    }
  return page_end (out);
}

/* Assessment page ------------------------------------------------------- */

/* Stages follow each other; within pre_stop steps run side by side, in
 * other stages one after the other, as the estimate assumes. */
static double
estimate_lanes (JsonObject *estimate,
                GArray     *lanes)
{
  JsonArray *stages = upg_report_member_array (estimate, "stages");
  JsonArray *steps = upg_report_member_array (estimate, "steps");
  double cursor = 0.0;

  for (guint i = 0; stages != NULL && i < json_array_get_length (stages); i++)
    {
      JsonObject *stage = upg_report_array_object (stages, i);
      const char *name = upg_report_member_string (stage, "stage");
      double seconds = (double) MAX (upg_report_member_int (stage, "seconds", 0), 0);
      gboolean parallel = g_strcmp0 (name, "pre_stop") == 0;
      double step_cursor = cursor;
      Lane *lane = lanes_get (lanes, name != NULL ? name : "-");
      g_autofree char *text = upg_format_seconds ((guint64) seconds);

      lane_add (lane, name, "estimate stage-total", cursor, seconds,
                g_strdup_printf ("%s %s", name, text));
      for (guint s = 0; steps != NULL && s < json_array_get_length (steps); s++)
        {
          JsonObject *step = upg_report_array_object (steps, s);
          double step_seconds = (double) MAX (upg_report_member_int (step, "seconds", 0), 0);
          g_autofree char *step_text = upg_format_seconds ((guint64) step_seconds);

          if (g_strcmp0 (upg_report_member_string (step, "stage"), name) != 0)
            continue;
          lane_add (lane, upg_report_member_string (step, "id"),
                    json_object_get_boolean_member_with_default (step, "flagged", FALSE) ? "step flagged" : "step",
                    step_cursor, step_seconds,
                    g_strdup_printf ("%s %s", upg_report_member_string (step, "id"), step_text));
          if (!parallel)
            step_cursor += step_seconds;
        }
      cursor += seconds;
    }
  return cursor;
}

static void
append_item_rows (GString   *out,
                  JsonArray *items)
{
  g_string_append_printf (out, "<table class=\"items\">\n<thead><tr><th>%s</th><th>%s</th><th>%s</th>"
                          "<th>%s</th><th>%s</th><th>%s</th></tr></thead>\n<tbody>\n",
                          _("Verdict"), _("Check"), _("Item"), _("Message"), _("Figures"), _("Suggestion"));
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonObject *item = upg_report_array_object (items, i);
      g_autofree char *css = css_class ("verdict-", upg_report_member_string (item, "verdict"));
      g_autofree char *figures = upg_report_figures_text (upg_report_member_object (item, "figures"));
      const char *name = upg_report_member_string (item, "name");
      const char *cells[] = { upg_report_member_string (item, "verdict"),
                              upg_report_member_string (item, "check"),
                              name != NULL ? name : upg_report_member_string (item, "id"),
                              upg_report_member_string (item, "message"), figures,
                              upg_report_member_string (item, "suggestion") };

      append_row (out, "item", css, "data-id", upg_report_member_string (item, "id"),
                  cells, G_N_ELEMENTS (cells));
    }
  g_string_append (out, "</tbody>\n</table>\n");
}

char *
upg_report_html_assessment (JsonObject *assessment)
{
  JsonObject *estimate = upg_report_member_object (assessment, "estimate");
  g_autofree char *title = g_strdup_printf (_("Upgrade assessment %s → %s"),
                                            upg_report_member_string (assessment, "from"),
                                            upg_report_member_string (assessment, "to"));
  gint64 total = MAX (upg_report_member_int (estimate, "total_seconds", 0), 0);
  g_autofree char *total_text = upg_format_seconds ((guint64) total);
  g_autoptr(GArray) lanes = lanes_new ();
  GString *out = page_begin (title);
  double span;

  begin_facts (out, "verdict-", upg_report_member_string (assessment, "verdict"), "verdict");
  append_fact (out, _("Site"), upg_report_member_string (assessment, "site"));
  append_fact (out, _("Mode"), upg_report_member_string (assessment, "mode"));
  append_fact (out, _("Estimated time until the service is open"), total_text);
  g_string_append (out, "</table>\n");

  g_string_append_printf (out, "<h2>%s</h2>\n", _("Checks"));
  append_item_rows (out, upg_report_member_array (assessment, "items"));
  span = estimate_lanes (estimate, lanes);
  g_string_append_printf (out, "<h2>%s</h2>\n", _("Estimated timeline"));
  append_timeline (out, lanes, span, (double) total, _("service open"));
  return page_end (out);
}
