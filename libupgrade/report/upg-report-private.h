/* upg-report-private.h - helpers the report renderers share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "upg-journal.h"

G_BEGIN_DECLS

/* Tolerant accessors: journal records and assessments are read, never
 * trusted, so a missing or mistyped member reads as absent. */
const char  *upg_report_member_string   (JsonObject  *object,
                                         const char  *name);
gint64       upg_report_member_int      (JsonObject  *object,
                                         const char  *name,
                                         gint64       fallback);
JsonObject  *upg_report_member_object   (JsonObject  *object,
                                         const char  *name);
JsonArray   *upg_report_member_array    (JsonObject  *object,
                                         const char  *name);
JsonObject  *upg_report_array_object    (JsonArray   *array,
                                         guint        index);

gint64       upg_report_parse_time_ms   (const char  *iso8601);
char        *upg_report_format_ms       (gint64       duration_ms);
char        *upg_report_step_label      (JsonObject  *step);
char        *upg_report_step_note       (JsonObject  *step);
char        *upg_report_skip_note       (const char  *because);
const char  *upg_report_step_message    (JsonObject  *step);
char        *upg_report_figures_text    (JsonObject  *figures);
const char  *upg_report_mode_label      (const char  *mode);

JsonObject  *upg_report_statement_outcomes (JsonArray   *statements,
                                            const char  *step_id,
                                            JsonArray  **notes);
void         upg_report_add_counts      (JsonObject  *sum,
                                         JsonObject  *counts);
char        *upg_report_counts_text     (JsonObject  *counts);
char        *upg_report_note_text       (JsonObject  *note);
char        *upg_report_stop_text       (JsonObject  *stop);
char        *upg_report_notification_text (JsonObject *notification);
void         upg_report_append_explanations (GString    *out,
                                             JsonObject *summary,
                                             gboolean    markdown);

/* upg-report-approvals.c: a titled list of lines */
typedef struct {
  const char *title;   /* translated */
  const char *css;     /* the HTML list's class */
  GPtrArray  *lines;   /* of char * */
} UpgReportSection;

GPtrArray   *upg_report_approval_sections (JsonObject       *summary);
void         upg_report_section_free      (UpgReportSection *section);

char        *upg_report_status_text     (JsonObject  *summary);

char        *upg_report_html_execution  (JsonObject  *summary);
char        *upg_report_html_upgrade    (JsonObject  *summary);
char        *upg_report_html_assessment (JsonObject  *assessment);

G_END_DECLS
