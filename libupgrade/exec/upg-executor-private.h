/* upg-executor-private.h - what the executor's source files share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-estimate.h"
#include "upg-execution-update-private.h"
#include "upg-executor.h"
#include "upg-journal-write-private.h"
#include "upg-run-current-private.h"
#include "upg-plan.h"
#include "upg-sql-splitter.h"
#include "upg-sql-statement-private.h"

G_BEGIN_DECLS

/* Test-only crash points (UPGRADE_TEST_CRASH_AT="<n>:<point>"): the process
 * kills itself with SIGKILL at <point> of the n-th statement it sends. */
typedef enum {
  UPG_CRASH_BEFORE_SEND,
  UPG_CRASH_AFTER_EXECUTE_BEFORE_COMMIT,
  UPG_CRASH_AFTER_COMMIT_BEFORE_JOURNAL,
} UpgCrashPoint;

typedef struct _UpgExecLog UpgExecLog;
typedef struct _UpgRunContext UpgRunContext;
typedef struct _UpgSignalQueue UpgSignalQueue;

/* What the run knows of one target connection. Kept in the run context
 * (ctx->targets) rather than as g_object_set_data() keys on the
 * connection: typed, freed with the run, and no GQuark interned per key
 * (the markers were keyed by script, one quark per script for the life
 * of the process). */
typedef struct {
  gboolean    no_marker;          /* a raw libgda source: no marker table */
  gboolean    tables_locked;      /* MySQL: LOCK TABLES holds tables */
  guint       statement_timeout;  /* seconds last set on it; 0 = none */
  GHashTable *markers;            /* script marker prefix → its markers
                                   * (upg_journal_list_markers()) */
} UpgRunTarget;

/* What was written of the running step's estimate (upg-executor-rate.c);
 * it lives and dies with the step's tracker, so nothing outlives the step. */
typedef struct {
  gint64   written_us;  /* monotonic time of the last write */
  gint64   revised_at;  /* ms since the epoch (journal clock) */
  gboolean dirty;       /* changed since the last write */
} UpgRatePersisted;

/*
 * UpgRunHooks:
 *
 * What the step runners (exec/runners/) and the rate tracker report while
 * a run goes on, implemented by upg-executor-signals.c. They are reached
 * through this table, not by name, so that the runners do not depend on
 * the signal code, which depends on the rate tracker, which counts the
 * runners' statements: one direction only (docs/ARCHITECTURE.md).
 */
typedef struct
{
  void (*log)                (UpgRunContext      *ctx,
                              const char         *line);
  void (*statement_finished) (UpgRunContext      *ctx,
                              UpgSqlStatement    *statement,
                              UpgStatementStatus  status,
                              gint64              duration_ms);
  void (*progress)           (UpgRunContext      *ctx,
                              const char         *position);
  void (*tool_progress)      (UpgRunContext      *ctx,
                              UpgStep            *step,
                              guint64             done,
                              guint64             total);
  void (*rate_revised)       (UpgRunContext      *ctx,
                              const char         *step_id,
                              const char         *message,
                              gint64              eta_seconds);
  void (*migration_progress) (UpgRunContext      *ctx,
                              const char         *position,
                              guint64             keys_done,
                              guint64             keys_total,
                              gint64              eta_seconds,
                              JsonObject         *window);
} UpgRunHooks;

extern const UpgRunHooks upg_executor_run_hooks;

/* Everything one run of a stage needs; lives in the worker thread. */
struct _UpgRunContext
{
  const UpgRunHooks *hooks;           /* upg_executor_run_hooks */
  UpgExecutor       *executor;        /* unowned */
  UpgRun            *run;             /* owned: whose signals are emitted */
  UpgRunCurrent     *current;         /* owned: the run's statement on its way */
  UpgJournal        *journal;         /* unowned */
  UpgExecution      *execution;       /* owned */
  UpgExecLog        *log;             /* owned */
  GMainContext      *owner_context;   /* owned: where signals are emitted */
  UpgSignalQueue    *signals;         /* owned: emissions on their way there */
  GCancellable      *cancellable;     /* owned, nullable */

  char              *site_id;
  char              *from_text;
  char              *to_text;
  UpgStage           stage;
  JsonObject        *env;             /* owned, never NULL */
  gboolean           rollback;
  gboolean           accept_changed;  /* upg_run_set_accept_changed() */

  /* The operator's decision for the statement or step at the breakpoint. */
  UpgResumeAction    action;
  char              *bp_step_id;
  char              *bp_file;
  guint              bp_sequence;

  GHashTable        *connections;     /* data source name → UpgConnection */
  GHashTable        *targets;         /* UpgConnection → UpgRunTarget */
  GHashTable        *scripts;         /* bundle-relative file → GPtrArray of UpgSqlStatement */

  guint              statements_total;
  guint              statements_done;
  guint              statements_sent; /* in this process, for the crash hook */

  /* Live calibration of the running step (upg-executor-rate.c). */
  UpgRateTracker    *rate_tracker;    /* owned, NULL between steps */
  UpgRatePersisted  *rate_persisted;  /* owned, NULL until the step's first estimate */
  UpgStep           *rate_step;       /* unowned: the step it measures */
  gint64             rate_step_started_us;
  guint              rate_statements_base; /* statements_done when it started */
  guint64            later_steps_seconds;  /* estimates of the steps after it */

  gboolean           breakpoint_saved;  /* by the SQL runner, in the journal */
  char              *breakpoint_lost;   /* owned: why it could not be saved */
  char              *step_result;       /* owned: what a succeeding step found
                                         * (journaled as its message, shown
                                         * by the report), NULL for none */

  /* The steps this run reverts (a rollback: the stage's upgrade steps; a
   * run: the stage's rollback steps), whose earlier successes stop
   * counting (upg-executor-undo.c), and whether that was done. */
  GPtrArray         *reverted_steps;
  /* Check stages (upg-executor-checks.c): the checks a check stage runs
   * after its steps, and the check stages a later stage's run skipped
   * (`--skip-checks`) with who did. */
  gpointer           checks_func;     /* UpgRunChecksFunc, nullable */
  gpointer           checks_data;     /* unowned: the run holds it */
  GPtrArray         *check_skips;     /* owned, nullable: of UpgCheckSkip */
  char              *skipped_by;
  /* `run --confirm` (upg-executor-confirm.c): the plan whose steps this
   * run confirms once its execution exists, who and how; NULL plan when
   * it confirms none. */
  UpgPlan           *confirm_plan;    /* owned, nullable */
  char              *confirmed_by;
  char              *confirm_via;
  char              *forgotten;       /* `rollback --forget`: the steps without
                                       * rollback steps it undoes, "id (version), …" */
  gboolean           reverted;

  guint              crash_at;
  UpgCrashPoint      crash_point;
};

/* upg-run-context.c */
UpgExecLog  *upg_exec_log_open           (const char    *path,
                                          const char    *execution_id,
                                          GError       **error);
void         upg_exec_log_free           (UpgExecLog    *log);
void         upg_run_context_log         (UpgRunContext *ctx,
                                          GLogLevelFlags level,
                                          const char    *format,
                                          ...) G_GNUC_PRINTF (3, 4);
void         upg_run_context_log_outcome (UpgRunContext *ctx,
                                          GLogLevelFlags level,
                                          const char    *format,
                                          ...) G_GNUC_PRINTF (3, 4);

/* upg-executor-signals.c */
UpgSignalQueue *upg_signal_queue_new     (void);
void         upg_signal_queue_unref      (UpgSignalQueue *queue);
void         upg_signal_queue_flush      (UpgSignalQueue *queue);
void         upg_executor_emit_step_started   (UpgRunContext *ctx,
                                               UpgStep       *step);
void         upg_executor_emit_step_finished  (UpgRunContext *ctx,
                                               UpgStep       *step,
                                               UpgStepStatus  status,
                                               gint64         duration_ms,
                                               const char    *message);
void         upg_executor_emit_execution_started (UpgRunContext *ctx);
void         upg_executor_emit_check_finished (UpgRunContext *ctx,
                                               const char    *check_id,
                                               const char    *version,
                                               UpgStepStatus  status,
                                               const char    *message);

/* What runs report, through the hooks. */
static inline void
upg_executor_emit_statement_finished (UpgRunContext      *ctx,
                                      UpgSqlStatement    *statement,
                                      UpgStatementStatus  status,
                                      gint64              duration_ms)
{
  ctx->hooks->statement_finished (ctx, statement, status, duration_ms);
}

static inline void
upg_executor_emit_progress (UpgRunContext *ctx,
                            const char    *position)
{
  ctx->hooks->progress (ctx, position);
}

static inline void
upg_executor_emit_tool_progress (UpgRunContext *ctx,
                                 UpgStep       *step,
                                 guint64        done,
                                 guint64        total)
{
  ctx->hooks->tool_progress (ctx, step, done, total);
}

static inline void
upg_executor_emit_rate_revised (UpgRunContext *ctx,
                                const char    *step_id,
                                const char    *message,
                                gint64         eta_seconds)
{
  ctx->hooks->rate_revised (ctx, step_id, message, eta_seconds);
}

/* upg-executor-rate.c */
typedef gint64 (*UpgExecutorClock) (gpointer user_data);

void         upg_executor_set_test_clock      (UpgExecutorClock clock,
                                               gpointer         user_data);
void         upg_executor_rate_begin_step     (UpgRunContext *ctx,
                                               UpgStep       *step,
                                               guint64        later_seconds);
void         upg_executor_rate_end_step       (UpgRunContext *ctx);
gint64       upg_executor_rate_update         (UpgRunContext *ctx,
                                               guint64        units_done);
gint64       upg_executor_rate_update_sql     (UpgRunContext *ctx);
gint64       upg_executor_rate_update_tool    (UpgRunContext *ctx,
                                               guint64        done,
                                               guint64        total);

/* upg-sql-runner.c */
gboolean     upg_sql_runner_prepare      (UpgRunContext *ctx,
                                          UpgStep       *step,
                                          GError       **error);
gboolean     upg_sql_runner_check_sources (UpgRunContext *ctx,
                                           UpgStep       *step,
                                           GError       **error);
gboolean     upg_sql_runner_run_step     (UpgRunContext *ctx,
                                          UpgStep       *step,
                                          GError       **error);
guint        upg_sql_runner_count        (UpgRunContext *ctx,
                                          UpgStep       *step);
UpgConnection *upg_sql_runner_get_connection (UpgRunContext *ctx,
                                              const char    *name,
                                              GError       **error);
gboolean     upg_sql_runner_apply_timeout (UpgRunContext *ctx,
                                           UpgStep       *step,
                                           UpgConnection *connection,
                                           const char    *database,
                                           GError       **error);

/* What the run knows of @connection, one of ctx->connections. Inline:
 * the runners call it, and a symbol in upg-executor-run.c would make them
 * depend on the file that runs them (docs/ARCHITECTURE.md). */
static inline UpgRunTarget *
upg_run_context_target (UpgRunContext *ctx,
                        UpgConnection *connection)
{
  UpgRunTarget *target = (UpgRunTarget *) g_hash_table_lookup (ctx->targets, connection);

  if (target == NULL)
    {
      target = g_new0 (UpgRunTarget, 1);
      g_hash_table_insert (ctx->targets, connection, target);
    }
  return target;
}

/* upg-tool-runner.c */
gboolean     upg_tool_runner_run_step    (UpgRunContext *ctx,
                                          UpgStep       *step,
                                          GError       **error);

/* upg-batched-migration-runner.c */
gboolean     upg_batched_migration_runner_prepare  (UpgRunContext *ctx,
                                                    UpgStep       *step,
                                                    GError       **error);
gboolean     upg_batched_migration_runner_run_step (UpgRunContext *ctx,
                                                    UpgStep       *step,
                                                    GError       **error);

/* upg-backup-runner.c */
gboolean     upg_backup_runner_run_step  (UpgRunContext *ctx,
                                          UpgStep       *step,
                                          GError       **error);
char        *upg_backup_runner_folder    (UpgRunContext *ctx,
                                          const char    *subfolder,
                                          GError       **error);

/* upg-config-runner.c */
gboolean     upg_config_runner_run_step  (UpgRunContext *ctx,
                                          UpgStep       *step,
                                          GError       **error);
gboolean     upg_config_runner_restore   (UpgRunContext *ctx,
                                          UpgStep       *step,
                                          GError       **error);

/* upg-redis-runner.c */
gboolean     upg_redis_runner_run_step   (UpgRunContext *ctx,
                                          UpgStep       *step,
                                          GError       **error);

/* upg-command-runner.c */
gboolean     upg_command_runner_run_step (UpgRunContext *ctx,
                                          UpgStep       *step,
                                          GError       **error);
char       **upg_run_context_environ     (UpgRunContext *ctx);

/* upg-http-check-runner.c */
gboolean     upg_http_check_runner_run_step (UpgRunContext *ctx,
                                             UpgStep       *step,
                                             GError       **error);

/* upg-verify-runner.c */
gboolean     upg_verify_runner_run_step  (UpgRunContext *ctx,
                                          UpgStep       *step,
                                          GError       **error);

/* upg-executor.c */
UpgPluginManager *upg_executor_dup_plugin_manager (UpgExecutor *self);

/* upg-executor-steps.c */
gboolean     upg_executor_run_steps      (UpgRunContext *ctx,
                                          GPtrArray     *steps,
                                          GError       **error);

/* upg-executor-undo.c */
gboolean     upg_executor_select_reverted (UpgRunContext *ctx,
                                          GPtrArray     *rollback_steps,
                                          gboolean       forget,
                                          GError       **error);
gboolean     upg_executor_undo_reverted  (UpgRunContext *ctx,
                                          GError       **error);

/* upg-run-context.c */
void         upg_run_context_maybe_crash (UpgRunContext *ctx,
                                          UpgCrashPoint  point);
guint        upg_run_context_timeout     (UpgStep       *step);
void         upg_run_context_save_breakpoint (UpgRunContext *ctx,
                                              UpgStep       *step,
                                              const char    *file,
                                              guint          line,
                                              guint          sequence,
                                              const char    *statement,
                                              const char    *error_code,
                                              const char    *message);
gboolean     upg_run_context_is_breakpoint (UpgRunContext *ctx,
                                            UpgStep       *step,
                                            const char    *file,
                                            guint          sequence);

G_END_DECLS
