/* upg-sql-runner-private.h - one statement on its way through the SQL
 * runner, and how its marker is named and found
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-executor-private.h"
#include "upg-journal-batch-private.h"

G_BEGIN_DECLS

typedef struct _DeferredCompletion DeferredCompletion;

typedef struct
{
  UpgRunContext     *ctx;
  UpgStep           *step;
  UpgSqlStatement   *statement;
  const char        *database;
  UpgConnection     *connection;     /* unowned: in ctx->connections */
  UpgStatementClass  klass;
  const char        *component;
  char              *version;
  char              *sqlstate;       /* of the last failure */
  int                error_code;     /* of the last failure */
  char              *marker;         /* its marker's id; NULL: not marked */
  gboolean           batched;        /* no durable RUNNING record (see plan_journaling) */
  gint64             started_at;     /* of the attempt, journal clock (ms) */
  GPtrArray         *marker_prefixes; /* of its file: the statement identity's, then execution-named ones */
  const UpgJournalMarkerRow *marker_row; /* the marker found in the target; unowned */
  GHashTable        *records;        /* of its file: sequence → journal record */
  DeferredCompletion *previous;      /* the statement before it, if not completed */
  const char        *note;           /* journaled with its success (unowned), or NULL */
  char               sha256[UPG_SQL_STATEMENT_SHA256_SIZE]; /* of its text, "" until asked
                                      * (upg_statement_run_sha256()): kept here, with
                                      * the run, not in the script's statement (#13) */
} StatementRun;

/* A statement that committed with its marker, whose record, log line and
 * progress wait until the next statement's request is on its way: the
 * engine's bookkeeping then overlaps the server's work instead of adding
 * to every round trip. Nothing durable waits: the record would only be
 * queued for a batch, and the marker proves the statement after a crash. */
struct _DeferredCompletion
{
  gboolean      pending;
  StatementRun  run;           /* owns its members, as a run does */
  gint64        rows;
  gint64        finished_at;   /* journal clock (ms) */
  gint64        duration_ms;
  GError       *error;         /* its completion failed while the next statement was in flight */
};

/* The statements of one file of a step, as the runner walks them. */
typedef struct
{
  UpgRunContext      *ctx;
  UpgStep            *step;
  const char         *file;
  GPtrArray          *statements;  /* of UpgSqlStatement, in order */
  const char         *version;
  GPtrArray          *prefixes;    /* its marker prefixes (upg_statement_run_file_prefixes()) */
  GHashTable         *records;     /* sequence → journal record */
  DeferredCompletion *previous;
  /* The same for each file it includes, by the file's name. */
  GHashTable         *included_prefixes;
  GHashTable         *included_records;
} FileRun;

/* The test-only crash hook names the n-th statement sent; statements
 * sent together (a group, a block's request) are counted at once: the
 * hook fires at @point if its statement is one of those sent since
 * @sent_before. */
static inline void
upg_sql_runner_maybe_crash_in (UpgRunContext *ctx,
                               UpgCrashPoint  point,
                               guint          sent_before)
{
  if (ctx->crash_point == point && ctx->crash_at > sent_before && ctx->crash_at <= ctx->statements_sent)
    {
      ctx->statements_sent = ctx->crash_at;
      upg_run_context_maybe_crash (ctx, point);
    }
}

/* The run's caller and its watchdog see which statement is on its way
 * (upg-run-current.c): set before @run (or the group or block it
 * starts) is sent, cleared when the request came back. Cheap: no
 * allocation, no write, per statement. */
static inline void
upg_statement_run_sending (StatementRun *run)
{
  UpgRunContext *ctx = run->ctx;

  upg_run_current_begin (ctx->current, upg_step_get_id (run->step), upg_sql_statement_get_file (run->statement),
                         upg_sql_statement_get_line (run->statement), upg_sql_statement_get_sequence (run->statement),
                         run->started_at, ctx->statements_done, ctx->statements_total,
                         upg_execution_get_eta_seconds (ctx->execution));
}

static inline void
upg_statement_run_came_back (StatementRun *run)
{
  upg_run_current_end (run->ctx->current);
}

/* upg-sql-runner.c */
const char *upg_sql_runner_statement_database (UpgSqlStatement *statement,
                                               UpgStep         *step);
void      upg_file_run_init_statement          (FileRun             *file,
                                                StatementRun        *run,
                                                guint                index);
gboolean  upg_file_run_statement               (FileRun             *file,
                                                guint                index,
                                                const char          *note,
                                                GError             **error);
gboolean  upg_statement_run_connect            (StatementRun        *run,
                                                gboolean             fresh,
                                                GError             **error);
gboolean  upg_statement_run_has_marker_table   (StatementRun        *run);
void      upg_statement_run_stop_at            (StatementRun        *run,
                                                UpgError             code,
                                                const char          *error_code,
                                                const char          *message,
                                                GError             **error);
void      upg_statement_run_stop_cancelled     (StatementRun        *run,
                                                const char          *error_code,
                                                const char          *message,
                                                GError             **error);

/* upg-sql-runner-block-scan.c */
UpgDialect         upg_sql_runner_statement_dialect (UpgRunContext   *ctx,
                                                     UpgStep         *step,
                                                     UpgSqlStatement *statement);
UpgTransactionVerb upg_sql_runner_statement_verb    (UpgRunContext   *ctx,
                                                     UpgStep         *step,
                                                     UpgSqlStatement *statement);

/* upg-sql-runner-blocks.c */
gboolean  upg_sql_runner_check_blocks          (UpgRunContext       *ctx,
                                                UpgStep             *step,
                                                GPtrArray           *statements,
                                                GError             **error);
gboolean  upg_file_run_block_end               (FileRun             *file,
                                                guint                first,
                                                guint               *last);
gboolean  upg_file_run_block                   (FileRun             *file,
                                                guint                first,
                                                guint                last,
                                                GError             **error);

/* upg-sql-runner-groups.c */
gboolean  upg_file_run_group                   (FileRun             *file,
                                                guint                first,
                                                guint               *last,
                                                gboolean            *grouped,
                                                GError             **error);

/* upg-sql-runner-records.c */
void      upg_statement_run_clear              (StatementRun        *run);
void      upg_statement_run_log                (StatementRun        *run,
                                                UpgStatementStatus   status,
                                                gint64               duration_ms,
                                                gint64               rows);
char     *upg_statement_run_begin_record       (StatementRun        *run,
                                                GError             **error);
gboolean  upg_statement_run_queue_record       (StatementRun        *run,
                                                UpgStatementStatus   status,
                                                gint64               rows,
                                                const char          *code,
                                                const char          *message,
                                                GError             **error);
gboolean  upg_statement_run_finish_record      (StatementRun        *run,
                                                const char          *record,
                                                UpgStatementStatus   status,
                                                gint64               rows,
                                                const char          *code,
                                                const char          *message,
                                                GError             **error);
gboolean  upg_statement_run_record_skipped     (StatementRun        *run,
                                                const char          *reason,
                                                gboolean             durable,
                                                GError             **error);
void      upg_statement_run_done               (StatementRun        *run);
void      upg_statement_run_defer              (StatementRun        *run,
                                                gint64               rows,
                                                gint64               duration_ms);
gboolean  upg_statement_run_settle             (StatementRun        *run,
                                                GError             **error);
void      upg_statement_run_settle_in_flight   (StatementRun        *run);

char     *upg_statement_run_marker             (StatementRun  *run,
                                                const char    *execution_id);
GPtrArray *upg_statement_run_file_prefixes     (UpgRunContext *ctx,
                                                UpgStep       *step,
                                                const char    *version,
                                                const char    *file,
                                                GPtrArray     *unfinished);
void      upg_statement_run_plan_journaling    (StatementRun  *run,
                                                gboolean       has_marker_table);
const char *upg_statement_run_sha256         (StatementRun        *run);
gboolean  upg_statement_run_marker_found       (StatementRun  *run,
                                                const char    *execution_id,
                                                const char    *record,
                                                gboolean      *found,
                                                GError       **error);
gboolean  upg_statement_run_marker_of_any_execution (StatementRun  *run,
                                                     gboolean      *found,
                                                     GError       **error);
gboolean  upg_statement_run_record_applied_by_marker (StatementRun  *run,
                                                      GError       **error);

char     *upg_statement_run_error_code         (UpgConnection *connection);
gboolean  upg_statement_run_tables_locked      (StatementRun  *run);
gboolean  upg_statement_run_send               (StatementRun  *run,
                                                gboolean       with_marker,
                                                gint64        *rows,
                                                char         **code,
                                                GError       **error);

/* upg-sql-runner-clickhouse.c */
gboolean  upg_statement_run_settle_by_server   (StatementRun  *run,
                                                const char    *record,
                                                gboolean      *settled,
                                                gboolean      *run_it,
                                                GError       **error);

G_END_DECLS
