/* upg-journal.h - where every execution, step and statement is recorded
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include <json-glib/json-glib.h>
#include <upgrade-spi.h>

#include "upg-config.h"

#include "upg-version-macros.h"

G_BEGIN_DECLS

/*
 * The journal records every execution, step, SQL statement, breakpoint and
 * report, and holds the per-site lock, in six tables plus
 * `upgrade_schema_version` (migrated by the library when opened).
 * Timestamps are stored as milliseconds since the Unix epoch (UTC) in every
 * dialect and appear in records as ISO 8601 UTC text
 * (`2024-01-01T10:00:01.250Z`). Records are returned as JSON objects whose
 * member names are those of `upgradectl --json` (SPEC §9): an execution is
 * `{"execution_id", "site", "component", "from", "to", "stage", "kind",
 * "status", "owner", "started_at", "finished_at", "resume_count", "env",
 * "error", "steps": […], "breakpoint": null | {…}}`.
 *
 * A step is identified by (component, version, step id) within an
 * execution; pass the version's canonical text (upg_version_to_string()).
 * A statement is identified across executions of one site by (site,
 * component, version, step id, file, sequence); pass the file as its path
 * relative to the bundle so the key is stable.
 *
 * The executor writes through the journal's write protocol (exactly once
 * per statement), which is private to the engine: see
 * upg-journal-write-private.h.
 *
 * Every method may be called from several threads; calls are serialised on
 * the journal's connection.
 */

/**
 * UPG_JOURNAL_MAX_RESUMES:
 *
 * How many times one execution may be resumed (SPEC §5).
 */
#define UPG_JOURNAL_MAX_RESUMES 10

/**
 * UPG_JOURNAL_BREAKPOINT_LIFETIME_MS:
 *
 * How long a breakpoint is kept, in milliseconds: 7 days (SPEC §5).
 */
#define UPG_JOURNAL_BREAKPOINT_LIFETIME_MS (G_GINT64_CONSTANT (7) * 24 * 3600 * 1000)

/**
 * UPG_JOURNAL_DEFAULT_LOCK_TIMEOUT:
 *
 * Seconds without a heartbeat after which a site lock counts as stale.
 */
#define UPG_JOURNAL_DEFAULT_LOCK_TIMEOUT 60

/**
 * UpgExecutionKind:
 * @UPG_EXECUTION_KIND_RUN: an upgrade (`run`)
 * @UPG_EXECUTION_KIND_ROLLBACK: a rollback (`rollback`)
 *
 * What an execution does.
 */
typedef enum {
  UPG_EXECUTION_KIND_RUN,
  UPG_EXECUTION_KIND_ROLLBACK,
} UpgExecutionKind;

/**
 * UpgExecutionStatus:
 * @UPG_EXECUTION_STATUS_RUNNING: in progress (`RUNNING`)
 * @UPG_EXECUTION_STATUS_SUCCESS: every step succeeded or was skipped (`SUCCESS`)
 * @UPG_EXECUTION_STATUS_FAILED: a step failed; a breakpoint is saved (`FAILED`)
 * @UPG_EXECUTION_STATUS_IN_DOUBT: a statement may or may not have taken
 *   effect; an operator must choose retry or skip (`IN_DOUBT`)
 * @UPG_EXECUTION_STATUS_INTERRUPTED: the process running it died (`INTERRUPTED`);
 *   resumable
 *
 * The status of one execution.
 */
typedef enum {
  UPG_EXECUTION_STATUS_RUNNING,
  UPG_EXECUTION_STATUS_SUCCESS,
  UPG_EXECUTION_STATUS_FAILED,
  UPG_EXECUTION_STATUS_IN_DOUBT,
  UPG_EXECUTION_STATUS_INTERRUPTED,
} UpgExecutionStatus;

/**
 * UpgStepStatus:
 * @UPG_STEP_STATUS_PENDING: planned, not started (`PENDING`)
 * @UPG_STEP_STATUS_RUNNING: started (`RUNNING`)
 * @UPG_STEP_STATUS_SUCCESS: finished successfully (`SUCCESS`)
 * @UPG_STEP_STATUS_FAILED: failed (`FAILED`)
 * @UPG_STEP_STATUS_SKIPPED: not run because it already succeeded (`SKIPPED`)
 *
 * The status of one step within one execution.
 */
typedef enum {
  UPG_STEP_STATUS_PENDING,
  UPG_STEP_STATUS_RUNNING,
  UPG_STEP_STATUS_SUCCESS,
  UPG_STEP_STATUS_FAILED,
  UPG_STEP_STATUS_SKIPPED,
} UpgStepStatus;

/**
 * UpgStatementStatus:
 * @UPG_STATEMENT_STATUS_PENDING: never sent (`PENDING`)
 * @UPG_STATEMENT_STATUS_RUNNING: about to be sent or being executed; if
 *   found after a crash, its outcome is unknown until resolved (`RUNNING`)
 * @UPG_STATEMENT_STATUS_SUCCESS: took effect (`SUCCESS`)
 * @UPG_STATEMENT_STATUS_FAILED: refused by the database (`FAILED`)
 * @UPG_STATEMENT_STATUS_SKIPPED: deliberately not run (`SKIPPED`); counts as
 *   done
 * @UPG_STATEMENT_STATUS_IN_DOUBT: may or may not have taken effect (`IN_DOUBT`)
 * @UPG_STATEMENT_STATUS_UNDONE: took effect, or was settled, but a later
 *   execution reverted its step (a rollback, or a run after a rollback):
 *   it no longer counts as done and is sent again when its step runs
 *   again (`UNDONE`)
 *
 * The status of one SQL statement record.
 */
typedef enum {
  UPG_STATEMENT_STATUS_PENDING,
  UPG_STATEMENT_STATUS_RUNNING,
  UPG_STATEMENT_STATUS_SUCCESS,
  UPG_STATEMENT_STATUS_FAILED,
  UPG_STATEMENT_STATUS_SKIPPED,
  UPG_STATEMENT_STATUS_IN_DOUBT,
  UPG_STATEMENT_STATUS_UNDONE,
} UpgStatementStatus;

UPG_AVAILABLE_IN_ALL
const char *upg_execution_kind_to_string      (UpgExecutionKind     kind);
UPG_AVAILABLE_IN_ALL
gboolean    upg_execution_kind_from_string    (const char          *text,
                                               UpgExecutionKind    *kind);
UPG_AVAILABLE_IN_ALL
const char *upg_execution_status_to_string    (UpgExecutionStatus   status);
UPG_AVAILABLE_IN_ALL
gboolean    upg_execution_status_from_string  (const char          *text,
                                               UpgExecutionStatus  *status);
UPG_AVAILABLE_IN_ALL
const char *upg_step_status_to_string         (UpgStepStatus        status);
UPG_AVAILABLE_IN_ALL
gboolean    upg_step_status_from_string       (const char          *text,
                                               UpgStepStatus       *status);
UPG_AVAILABLE_IN_ALL
const char *upg_statement_status_to_string    (UpgStatementStatus   status);
UPG_AVAILABLE_IN_ALL
gboolean    upg_statement_status_from_string  (const char          *text,
                                               UpgStatementStatus  *status);

#define UPG_TYPE_JOURNAL (upg_journal_get_type ())

UPG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgJournal, upg_journal, UPG, JOURNAL, GObject)

/* Opening */
UPG_AVAILABLE_IN_ALL
UpgJournal     *upg_journal_new                   (UpgConnection   *connection,
                                                   GError         **error);
UPG_AVAILABLE_IN_ALL
UpgJournal     *upg_journal_open_sqlite           (const char      *path,
                                                   GError         **error);
UPG_AVAILABLE_IN_ALL
UpgJournal     *upg_journal_open_for_site         (UpgConfig       *config,
                                                   const char      *state_dir,
                                                   GError         **error);

UPG_AVAILABLE_IN_ALL
UpgConnection  *upg_journal_get_connection        (UpgJournal      *self);
UPG_AVAILABLE_IN_ALL
guint           upg_journal_get_schema_version    (UpgJournal      *self);
UPG_AVAILABLE_IN_ALL
gboolean        upg_journal_ping                  (UpgJournal      *self,
                                                   GError         **error);

/* Identity and clock */
UPG_AVAILABLE_IN_ALL
const char     *upg_journal_get_host              (UpgJournal      *self);
UPG_AVAILABLE_IN_ALL
guint           upg_journal_get_pid               (UpgJournal      *self);
UPG_AVAILABLE_IN_ALL
char           *upg_journal_get_owner             (UpgJournal      *self);
UPG_AVAILABLE_IN_ALL
gint64          upg_journal_get_now               (UpgJournal      *self);
UPG_AVAILABLE_IN_ALL
guint           upg_journal_get_lock_timeout      (UpgJournal      *self);
UPG_AVAILABLE_IN_ALL
void            upg_journal_set_lock_timeout      (UpgJournal      *self,
                                                   guint            seconds);

/* Executions */
UPG_AVAILABLE_IN_ALL
JsonObject     *upg_journal_get_execution         (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   GError            **error);
UPG_AVAILABLE_IN_ALL
JsonArray      *upg_journal_list_executions       (UpgJournal         *self,
                                                   const char         *site_id,
                                                   guint               limit,
                                                   GError            **error);
UPG_AVAILABLE_IN_ALL
JsonObject     *upg_journal_get_latest_execution  (UpgJournal         *self,
                                                   const char         *site_id,
                                                   GError            **error);
UPG_AVAILABLE_IN_ALL
JsonObject     *upg_journal_find_last_execution   (UpgJournal         *self,
                                                   const char         *site_id,
                                                   const char         *from_version,
                                                   const char         *to_version,
                                                   UpgStage            stage,
                                                   UpgExecutionKind    kind,
                                                   GError            **error);
UPG_AVAILABLE_IN_ALL
guint           upg_journal_mark_interrupted      (UpgJournal         *self,
                                                   GError            **error);

/* Steps */
UPG_AVAILABLE_IN_ALL
JsonArray      *upg_journal_list_undone_statements (UpgJournal        *self,
                                                   const char         *execution_id,
                                                   GError            **error);
UPG_AVAILABLE_IN_ALL
char           *upg_journal_get_checkpoint        (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   const char         *component,
                                                   const char         *version,
                                                   const char         *step_id,
                                                   GError            **error);

/* Statements */
UPG_AVAILABLE_IN_ALL
JsonObject     *upg_journal_lookup_statement      (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   const char         *component,
                                                   const char         *version,
                                                   const char         *step_id,
                                                   const char         *file,
                                                   guint               sequence,
                                                   GError            **error);
UPG_AVAILABLE_IN_ALL
JsonArray      *upg_journal_list_statements       (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   GError            **error);

/* Breakpoints */
UPG_AVAILABLE_IN_ALL
JsonObject     *upg_journal_get_breakpoint        (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   GError            **error);

/* Reports */
UPG_AVAILABLE_IN_ALL
char           *upg_journal_get_report            (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   const char         *format,
                                                   GError            **error);

/* The per-site lock */
UPG_AVAILABLE_IN_ALL
gboolean        upg_journal_acquire_lock          (UpgJournal         *self,
                                                   const char         *site_id,
                                                   const char         *execution_id,
                                                   char              **takeover_message,
                                                   GError            **error);
UPG_AVAILABLE_IN_ALL
gboolean        upg_journal_release_lock          (UpgJournal         *self,
                                                   const char         *site_id,
                                                   GError            **error);
UPG_AVAILABLE_IN_ALL
JsonObject     *upg_journal_get_lock              (UpgJournal         *self,
                                                   const char         *site_id,
                                                   GError            **error);
UPG_AVAILABLE_IN_ALL
gboolean        upg_journal_force_unlock          (UpgJournal         *self,
                                                   const char         *site_id,
                                                   char              **previous_holder,
                                                   GError            **error);

G_END_DECLS
