/* upg-run-context.c - what the step runners ask of their run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The execution's log, the operator's breakpoint, statement timeouts and
 * the test crash hook. Nothing here calls back into the executor: the
 * runners depend on this file, never the other way round.
 *
 * The log of one execution: every line an execution causes goes to three places: its own file
 * (<state-dir>/logs/<execution-id>.log, every level), GLib's structured
 * log with the field UPGRADE_EXECUTION_ID (so journald or the CLI's writer
 * can filter by execution) and the executor's "log" signal. Levels: a
 * line per step and the start/end of a run at INFO (the CLI prints its own
 * step lines; -v shows these), failures, retries and recoveries at
 * MESSAGE (shown by default), statements at DEBUG. The text of
 * each line carries the execution id too, so a line copied out of context
 * still says where it came from.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "upg-executor-private.h"
#include "upg-journal-batch-private.h"

/* How long a statement's line may wait in the buffer. Statements come
 * tens of thousands a second, and a write(2) each was a tenth of the
 * execution thread's time; a line of any other level writes at once,
 * with the ones before it. A statement that runs long is seen before
 * this matters: the watchdog says so at INFO after a second. */
#define DEBUG_LINES_MAX_AGE_US (G_USEC_PER_SEC / 10)
#define BUFFER_SIZE (64 * 1024)

struct _UpgExecLog
{
  GMutex      mutex;         /* everything below */
  FILE       *file;
  char       *execution_id;
  GTimeZone  *local;         /* read once: GLib re-reads /etc/localtime per call */
  gint64      stamp_second;  /* the second of stamp, formatted once */
  char        stamp[32];
  gint64      unwritten_us;  /* monotonic time of the oldest buffered line, 0: none */
};

UpgExecLog *
upg_exec_log_open (const char  *path,
                   const char  *execution_id,
                   GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  UpgExecLog *log;
  FILE *file;

  if (g_mkdir_with_parents (dir, 0750) != 0)
    {
      int saved = errno;
      g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED,
                   _("cannot create the log directory '%s': %s"), dir, g_strerror (saved));
      return NULL;
    }
  file = fopen (path, "ae");
  if (file == NULL)
    {
      int saved = errno;
      g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED,
                   _("cannot open the execution log '%s': %s"), path, g_strerror (saved));
      return NULL;
    }
  /* Fully buffered, written by exec_log_write(): `tail -f` and the HTTP
   * logs endpoint see a line at once, or a statement's within
   * DEBUG_LINES_MAX_AGE_US. */
  setvbuf (file, NULL, _IOFBF, BUFFER_SIZE);

  log = g_new0 (UpgExecLog, 1);
  g_mutex_init (&log->mutex);
  log->file = file;
  log->local = g_time_zone_new_local ();
  log->execution_id = g_strdup (execution_id);
  return log;
}

void
upg_exec_log_free (UpgExecLog *log)
{
  if (log == NULL)
    return;
  fclose (log->file);
  g_time_zone_unref (log->local);
  g_mutex_clear (&log->mutex);
  g_free (log->execution_id);
  g_free (log);
}

/* The local time of the line, formatted once a second. Called with the
 * log's mutex held. */
static const char *
exec_log_stamp (UpgExecLog *log)
{
  gint64 second = g_get_real_time () / G_USEC_PER_SEC;

  if (second != log->stamp_second)
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (second);
      g_autoptr(GDateTime) now = g_date_time_to_timezone (utc, log->local);
      g_autofree char *text = g_date_time_format (now, "%Y-%m-%d %H:%M:%S");

      g_strlcpy (log->stamp, text, sizeof log->stamp);
      log->stamp_second = second;
    }
  return log->stamp;
}

/* Statements' lines (DEBUG) wait in the buffer up to DEBUG_LINES_MAX_AGE_US;
 * any other line is written at once, with them. A crash loses at most the
 * waiting statements' lines, whose records the journal and the markers
 * keep. */
static void
exec_log_write (UpgExecLog     *log,
                GLogLevelFlags  level,
                const char     *line)
{
  gint64 now;

  g_mutex_lock (&log->mutex);
  fprintf (log->file, "[%s] [%s] %s\n", exec_log_stamp (log), log->execution_id, line);
  now = g_get_monotonic_time ();
  if (log->unwritten_us == 0)
    log->unwritten_us = now;
  if ((level & G_LOG_LEVEL_DEBUG) == 0 || now - log->unwritten_us >= DEBUG_LINES_MAX_AGE_US)
    {
      fflush (log->file);
      log->unwritten_us = 0;
    }
  g_mutex_unlock (&log->mutex);
}

/*
 * upg_run_context_log:
 *
 * Writes one line of the execution @ctx: to the execution's file, to the
 * structured log (with UPGRADE_EXECUTION_ID) at @level, and to the "log"
 * signal. G_LOG_LEVEL_DEBUG is for statements (shown with -v only).
 */
static void G_GNUC_PRINTF (4, 0)
run_context_logv (UpgRunContext  *ctx,
                  GLogLevelFlags  level,
                  gboolean        outcome,
                  const char     *format,
                  va_list         args)
{
  g_autofree char *text = g_strdup_vprintf (format, args);
  g_autofree char *tagged = NULL;
  const char *id = upg_execution_get_id (ctx->execution);

  if (ctx->log != NULL)
    exec_log_write (ctx->log, level, text);

  tagged = g_strdup_printf ("[%s] %s", id, text);
  /* MESSAGE comes last: g_log_structured() ignores the pairs after it. */
  if (outcome)
    g_log_structured (G_LOG_DOMAIN, level, "UPGRADE_EXECUTION_ID", id, "UPGRADE_OUTCOME", "1",
                      "MESSAGE", "%s", tagged);
  else
    g_log_structured (G_LOG_DOMAIN, level, "UPGRADE_EXECUTION_ID", id, "MESSAGE", "%s", tagged);
  ctx->hooks->log (ctx, text);
}

void
upg_run_context_log (UpgRunContext  *ctx,
                     GLogLevelFlags  level,
                     const char     *format,
                     ...)
{
  va_list args;

  va_start (args, format);
  run_context_logv (ctx, level, FALSE, format, args);
  va_end (args);
}

/*
 * upg_run_context_log_outcome:
 *
 * Like upg_run_context_log(), for the lines that say how a step or the
 * execution ended. They carry the field `UPGRADE_OUTCOME`, so that a
 * program that prints its own summary of the outcome (upgradectl) can
 * leave them out instead of showing the same error several times.
 */
void
upg_run_context_log_outcome (UpgRunContext  *ctx,
                             GLogLevelFlags  level,
                             const char     *format,
                             ...)
{
  va_list args;

  va_start (args, format);
  run_context_logv (ctx, level, TRUE, format, args);
  va_end (args);
}

void
upg_run_context_maybe_crash (UpgRunContext *ctx,
                             UpgCrashPoint  point)
{
  if (ctx->crash_at != 0 && ctx->crash_at == ctx->statements_sent && ctx->crash_point == point)
    {
      /* Simulates kill -9: nothing is flushed, no handler runs. */
      kill (getpid (), SIGKILL);
      _exit (137);
    }
}

/*
 * upg_run_context_save_breakpoint:
 *
 * Records the breakpoint of a failed unit (a SQL statement, a Redis
 * command) in the execution and saves it in the journal, after the
 * statement records still waiting in the journal's batch: before anything
 * reports the failure.
 */
void
upg_run_context_save_breakpoint (UpgRunContext *ctx,
                                 UpgStep       *step,
                                 const char    *file,
                                 guint          line,
                                 guint          sequence,
                                 const char    *statement,
                                 const char    *error_code,
                                 const char    *message)
{
  g_autoptr(GError) save_error = NULL;

  if (!upg_journal_flush_statements (ctx->journal, &save_error))
    {
      upg_run_context_log (ctx, G_LOG_LEVEL_CRITICAL, _("cannot write the statement records: %s"),
                           save_error->message);
      g_clear_error (&save_error);
    }
  upg_execution_set_breakpoint (ctx->execution, upg_step_get_id (step), file, line, sequence, statement,
                                error_code, message);
  ctx->breakpoint_saved = upg_journal_save_breakpoint (ctx->journal, upg_execution_get_id (ctx->execution),
                                                       upg_step_get_id (step), file, line, sequence,
                                                       statement, error_code, message, &save_error);
  if (!ctx->breakpoint_saved)
    upg_run_context_log (ctx, G_LOG_LEVEL_CRITICAL, _("cannot save the breakpoint: %s"), save_error->message);
}

guint
upg_run_context_timeout (UpgStep *step)
{
  guint timeout = upg_step_get_timeout (step);

  return timeout > 0 ? timeout : UPG_EXECUTOR_DEFAULT_STATEMENT_TIMEOUT;
}

gboolean
upg_run_context_is_breakpoint (UpgRunContext *ctx,
                               UpgStep       *step,
                               const char    *file,
                               guint          sequence)
{
  return ctx->bp_step_id != NULL && g_str_equal (ctx->bp_step_id, upg_step_get_id (step)) &&
         g_strcmp0 (ctx->bp_file, file) == 0 && (file == NULL || ctx->bp_sequence == sequence);
}
