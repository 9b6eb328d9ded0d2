/* upg-journal-write-private.h - the journal's write protocol
 *
 * The engine records steps, statements, markers and reports through these;
 * applications read the journal and administer its locks (upg-journal.h).
 *
 * Exactly-once protocol for one statement (the executor's side):
 *
 * 1. rec = upg_journal_lookup_statement (…). If its "status" is SUCCESS or
 *    SKIPPED: do not execute (already done). If RUNNING or IN_DOUBT (left by
 *    a crash): resolve it (step 5) before anything else.
 * 2. id = upg_journal_begin_statement (…): a RUNNING record, durable (WAL,
 *    synchronous=FULL on SQLite; committed on servers) before it returns.
 * 3. Transactional target (PostgreSQL, SQLite, MariaDB DML on InnoDB):
 *    upg_journal_ensure_marker_table (target) once per data source, then
 *    upg_connection_begin (target); execute the statement;
 *    upg_journal_write_marker (target, id); upg_connection_commit (target).
 *    The marker row commits atomically with the statement's effect, whether
 *    or not the journal lives in the same database. Non-transactional
 *    target (MariaDB/MySQL DDL): upg_journal_write_intent (target, marker)
 *    first, committed; execute; then the marker, then
 *    upg_journal_clear_intent() (also when the server refused it).
 * 4. upg_journal_finish_statement (id, SUCCESS | FAILED, …).
 * 5. Recovery of a RUNNING record: if the statement was run with a marker,
 *    upg_journal_has_marker (target, id): found → finish_statement (SUCCESS);
 *    not found → the transaction never committed: finish_statement (FAILED
 *    with "interrupted") and execute again from step 2. Without a marker
 *    (implicit-commit DDL) the outcome is unknown: finish_statement
 *    (IN_DOUBT), stop with %UPG_ERROR_IN_DOUBT until the operator resumes
 *    with retry (go to step 2) or skip (finish_statement (SKIPPED)).
 *    upg_journal_recover_statement() does all of step 5 in one call.
 *    A journal without the RUNNING record (lost, another state
 *    directory) asks the target: an intent without a marker is in doubt
 *    too (upg_journal_find_intent()).
 *
 * At most one SUCCESS or SKIPPED record exists per statement key (a unique
 * index enforces it), so a second success of the same statement is refused
 * with %UPG_ERROR_JOURNAL instead of being recorded twice.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-journal.h"

G_BEGIN_DECLS

/* Moved out of the public header for 1.0 (the executor alone writes
 * executions, steps, statements and breakpoints; tests reach those states
 * through real runs): see NEWS. */
char           *upg_journal_create_execution      (UpgJournal         *self,
                                                   const char         *site_id,
                                                   const char         *component,
                                                   const char         *from_version,
                                                   const char         *to_version,
                                                   UpgStage            stage,
                                                   UpgExecutionKind    kind,
                                                   JsonObject         *env,
                                                   GError            **error);

gboolean        upg_journal_add_step              (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   const char         *component,
                                                   const char         *version,
                                                   const char         *step_id,
                                                   UpgStage            stage,
                                                   GError            **error);

gboolean        upg_journal_begin_step            (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   const char         *component,
                                                   const char         *version,
                                                   const char         *step_id,
                                                   UpgStage            stage,
                                                   GError            **error);

char           *upg_journal_begin_statement       (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   const char         *component,
                                                   const char         *version,
                                                   const char         *step_id,
                                                   const char         *file,
                                                   guint               line,
                                                   guint               sequence,
                                                   const char         *statement,
                                                   const char         *database,
                                                   GError            **error);

gboolean        upg_journal_finish_statement      (UpgJournal         *self,
                                                   const char         *record_id,
                                                   UpgStatementStatus  status,
                                                   gint64              affected_rows,
                                                   const char         *error_code,
                                                   const char         *error_message,
                                                   GError            **error);

gboolean        upg_journal_save_breakpoint       (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   const char         *step_id,
                                                   const char         *file,
                                                   guint               line,
                                                   guint               sequence,
                                                   const char         *statement,
                                                   const char         *error_code,
                                                   const char         *error_message,
                                                   GError            **error);

gboolean        upg_journal_resolve_breakpoint    (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   GError            **error);

gboolean        upg_journal_set_execution_status  (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   UpgExecutionStatus  status,
                                                   const char         *error_message,
                                                   GError            **error);

void            upg_journal_set_now               (UpgJournal      *self,
                                                   gint64           now_ms);

void            upg_journal_set_pid               (UpgJournal      *self,
                                                   guint            pid);

void            upg_journal_set_host              (UpgJournal      *self,
                                                   const char      *host);

guint           upg_journal_resume_execution      (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   GError            **error);

gboolean        upg_journal_reopen_execution      (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   gboolean            operator_resume,
                                                   guint              *resume_count,
                                                   GError            **error);

gboolean        upg_journal_note_resume           (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   const char         *action,
                                                   GError            **error);

gboolean        upg_journal_finish_step           (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   const char         *component,
                                                   const char         *version,
                                                   const char         *step_id,
                                                   UpgStepStatus       status,
                                                   const char         *error_message,
                                                   GError            **error);

gboolean        upg_journal_skip_step             (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   const char         *component,
                                                   const char         *version,
                                                   const char         *step_id,
                                                   UpgStage            stage,
                                                   const char         *skipped_because,
                                                   GError            **error);

char           *upg_journal_find_step_success     (UpgJournal         *self,
                                                   const char         *site_id,
                                                   const char         *component,
                                                   const char         *version,
                                                   const char         *step_id,
                                                   GError            **error);

gboolean        upg_journal_undo_step             (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   const char         *component,
                                                   const char         *version,
                                                   const char         *step_id,
                                                   GError            **error);

gboolean        upg_journal_set_checkpoint        (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   const char         *component,
                                                   const char         *version,
                                                   const char         *step_id,
                                                   const char         *checkpoint,
                                                   GError            **error);

UpgStatementStatus upg_journal_recover_statement (UpgJournal         *self,
                                                   const char         *record_id,
                                                   UpgConnection      *target,
                                                   GError            **error);

gboolean        upg_journal_ensure_marker_table   (UpgConnection      *target,
                                                   GError            **error);

gboolean        upg_journal_write_marker          (UpgConnection      *target,
                                                   const char         *record_id,
                                                   const char         *execution_id,
                                                   const char         *sha256,
                                                   GError            **error);

gboolean        upg_journal_delete_markers        (UpgConnection      *target,
                                                   const char * const *record_ids,
                                                   GError            **error);

gboolean        upg_journal_has_marker            (UpgConnection      *target,
                                                   const char         *record_id,
                                                   gboolean           *found,
                                                   GError            **error);

gboolean        upg_journal_ensure_intent_table   (UpgConnection      *target,
                                                   GError            **error);
gboolean        upg_journal_write_intent          (UpgConnection      *target,
                                                   const char         *marker_id,
                                                   const char         *execution_id,
                                                   GError            **error);
gboolean        upg_journal_clear_intent          (UpgConnection      *target,
                                                   const char         *marker_id,
                                                   GError            **error);
gboolean        upg_journal_find_intent           (UpgConnection      *target,
                                                   const char         *marker_id,
                                                   char              **execution_id,
                                                   GError            **error);

char           *upg_journal_format_statement_line (gint64              started_at_ms,
                                                   const char         *file,
                                                   guint               line,
                                                   const char         *database,
                                                   UpgStatementStatus  status,
                                                   gint64              duration_ms,
                                                   gint64              affected_rows,
                                                   const char         *statement);

char           *upg_journal_format_timestamp      (gint64              ms);
GDateTime      *upg_journal_date_time_from_ms     (gint64              ms);

gboolean        upg_journal_store_report          (UpgJournal         *self,
                                                   const char         *execution_id,
                                                   const char         *format,
                                                   const char         *body,
                                                   GError            **error);

gboolean        upg_journal_heartbeat_lock        (UpgJournal         *self,
                                                   const char         *site_id,
                                                   GError            **error);

G_END_DECLS
