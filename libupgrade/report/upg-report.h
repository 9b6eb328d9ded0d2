/* upg-report.h - execution and assessment reports for people
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include <json-glib/json-glib.h>
#include <upgrade-spi.h>

#include "upg-journal.h"

#include "upg-version-macros.h"

G_BEGIN_DECLS

/**
 * UpgReportFormat:
 * @UPG_REPORT_FORMAT_TEXT: plain text, one `[STATUS] step (duration)` line
 *   per step, as in the design documents (`text`)
 * @UPG_REPORT_FORMAT_JSON: one JSON document (`json`)
 * @UPG_REPORT_FORMAT_MARKDOWN: GitHub-flavoured Markdown tables (`markdown`)
 * @UPG_REPORT_FORMAT_HTML: one self-contained HTML page with inline CSS and
 *   an SVG timeline per stage; no scripts, no external resources, so it
 *   can be mailed (`html`)
 *
 * How a report is rendered.
 */
typedef enum {
  UPG_REPORT_FORMAT_TEXT,
  UPG_REPORT_FORMAT_JSON,
  UPG_REPORT_FORMAT_MARKDOWN,
  UPG_REPORT_FORMAT_HTML,
} UpgReportFormat;

UPG_AVAILABLE_IN_ALL
const char  *upg_report_format_to_string     (UpgReportFormat   format);
UPG_AVAILABLE_IN_ALL
gboolean     upg_report_format_from_string   (const char       *text,
                                              UpgReportFormat  *format,
                                              GError          **error);

UPG_AVAILABLE_IN_ALL
JsonObject  *upg_report_summarize_execution  (JsonObject       *execution,
                                              JsonArray        *statements);
UPG_AVAILABLE_IN_ALL
char        *upg_report_render_execution     (JsonObject       *execution,
                                              JsonArray        *statements,
                                              UpgReportFormat   format);
UPG_AVAILABLE_IN_ALL
char        *upg_report_render_assessment    (JsonObject       *assessment,
                                              UpgReportFormat   format);
UPG_AVAILABLE_IN_ALL
JsonObject  *upg_report_load_execution       (UpgJournal       *journal,
                                              const char       *execution_id,
                                              JsonArray       **statements,
                                              GError          **error);
UPG_AVAILABLE_IN_ALL
char        *upg_report_for_execution        (UpgJournal       *journal,
                                              const char       *execution_id,
                                              UpgReportFormat   format,
                                              GError          **error);
UPG_AVAILABLE_IN_ALL
JsonObject  *upg_report_summarize_upgrade    (UpgJournal       *journal,
                                              const char       *site,
                                              const UpgVersion *from,
                                              const UpgVersion *to,
                                              GError          **error);
UPG_AVAILABLE_IN_ALL
char        *upg_report_render_upgrade       (JsonObject       *summary,
                                              UpgReportFormat   format);
UPG_AVAILABLE_IN_ALL
char        *upg_report_for_upgrade          (UpgJournal       *journal,
                                              const char       *site,
                                              const UpgVersion *from,
                                              const UpgVersion *to,
                                              UpgReportFormat   format,
                                              GError          **error);

G_END_DECLS
