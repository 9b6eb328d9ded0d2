/* upg-redis-runner.c - `redis` and `redis_delete_pattern` steps, exactly once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each command of a `redis` step is journaled like a SQL statement (file
 * "redis", sequence and line = its position from 1): a durable RUNNING
 * record before it is sent, its outcome after. Redis has no transaction to
 * put a marker in, so after a crash a RUNNING record cannot tell whether
 * the command ran: an idempotent command (IDEMPOTENT below) is sent again,
 * any other one is in doubt and the run stops until the operator resumes
 * with retry or skip.
 *
 * A `redis_delete_pattern` step is one record (file
 * "redis_delete_pattern", sequence 1): SCAN with MATCH and COUNT, UNLINK of
 * each batch found, the running count saved as the step's checkpoint after
 * each batch. Deleting is idempotent: an interrupted step simply continues
 * and its count goes on from the checkpoint; the record's affected rows
 * are the keys deleted.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "upg-executor-private.h"
#include "upg-journal-batch-private.h"
#include "upg-redis-connection-private.h"

#define COMMANDS_FILE "redis"
#define PATTERN_FILE "redis_delete_pattern"
/* Keys asked of each SCAN call (a hint to the server) and so, at most
 * about, unlinked by one UNLINK. */
#define SCAN_COUNT "1000"
#define MIN_CONNECTION_RETRIES 3

/* Commands whose second sending leaves the data as the first did (SPEC
 * §4: an interrupted idempotent command is sent again). Anything else,
 * INCR, LPUSH, APPEND, RENAME, EVAL…, is in doubt after a crash. ZADD is
 * idempotent except with its INCR option (see is_idempotent()). */
static const char * const IDEMPOTENT[] = {
  "SET", "SETEX", "PSETEX", "SETNX", "MSET", "DEL", "UNLINK", "EXPIRE", "PEXPIRE",
  "EXPIREAT", "PEXPIREAT", "PERSIST", "HSET", "HMSET", "HSETNX", "HDEL", "SADD", "SREM",
  "ZADD", "ZREM", "FLUSHDB",
  /* reads */
  "GET", "MGET", "EXISTS", "TTL", "PTTL", "TYPE", "STRLEN", "HGET", "HMGET", "HGETALL",
  "HEXISTS", "HLEN", "SMEMBERS", "SISMEMBER", "SCARD", "ZSCORE", "ZCARD", "ZRANGE",
  "LRANGE", "LLEN", "DBSIZE", "PING", "ECHO", "INFO",
};

static gboolean
is_idempotent (const char * const *argv)
{
  if (g_ascii_strcasecmp (argv[0], "ZADD") == 0)
    for (guint i = 1; argv[i] != NULL; i++)
      if (g_ascii_strcasecmp (argv[i], "INCR") == 0)
        return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (IDEMPOTENT); i++)
    if (g_ascii_strcasecmp (argv[0], IDEMPOTENT[i]) == 0)
      return TRUE;
  return FALSE;
}

/* One step on its way, whichever kind. */
typedef struct
{
  UpgRunContext  *ctx;
  UpgStep        *step;
  const char     *database;
  char           *version;
  UpgRedisClient *client;    /* unowned: in ctx->connections */
  const char     *file;
} RedisRun;

static void
redis_run_clear (RedisRun *run)
{
  g_free (run->version);
}

static gboolean
redis_connect (RedisRun  *run,
         gboolean   fresh,
         GError   **error)
{
  UpgConnection *connection;

  if (fresh && (connection = g_hash_table_lookup (run->ctx->connections, run->database)) != NULL)
    {
      g_hash_table_remove (run->ctx->targets, connection);
      g_hash_table_remove (run->ctx->connections, run->database);
    }
  connection = upg_sql_runner_get_connection (run->ctx, run->database, error);
  if (connection == NULL)
    return FALSE;
  if (!UPG_IS_REDIS_CLIENT (connection))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG,
                   _("step '%s': data source '%s' is not a Redis server"),
                   upg_step_get_id (run->step), run->database);
      return FALSE;
    }
  run->client = UPG_REDIS_CLIENT (connection);
  return upg_connection_set_statement_timeout (connection, upg_run_context_timeout (run->step), error);
}

static void
log_line (RedisRun           *run,
          guint               sequence,
          const char         *text,
          UpgStatementStatus  status,
          gint64              duration_ms,
          gint64              rows)
{
  g_autofree char *line = upg_journal_format_statement_line (-1, run->file, sequence, run->database, status,
                                                             duration_ms, rows, text);

  upg_run_context_log (run->ctx, status == UPG_STATEMENT_STATUS_SUCCESS ? G_LOG_LEVEL_DEBUG
                                                                        : G_LOG_LEVEL_MESSAGE, "%s", line);
}

/* Saves the breakpoint at command @sequence and sets the error the run
 * ends with: the step, the command's position and text, Redis's words. */
static void
stop_at (RedisRun    *run,
         GQuark       domain,
         int          code,
         guint        sequence,
         const char  *text,
         const char  *error_code,
         const char  *message,
         GError     **error)
{
  upg_run_context_save_breakpoint (run->ctx, run->step, run->file, sequence, sequence, text, error_code, message);
  if (domain == UPG_ERROR && code == UPG_ERROR_IN_DOUBT)
    g_set_error (error, domain, code,
                 _("step '%s', Redis command %u (%s) on %s is in doubt: %s (it is not idempotent: check "
                   "the data, then resume with the action retry or skip)"),
                 upg_step_get_id (run->step), sequence, text, run->database, message);
  else
    g_set_error (error, domain, code, _("step '%s', Redis command %u (%s) failed on %s: %s"),
                 upg_step_get_id (run->step), sequence, text, run->database, message);
}

static char *
begin_record (RedisRun    *run,
              guint        sequence,
              const char  *text,
              GError     **error)
{
  return upg_journal_begin_statement (run->ctx->journal, upg_execution_get_id (run->ctx->execution),
                                      upg_step_get_component (run->step), run->version,
                                      upg_step_get_id (run->step), run->file, sequence, sequence, text,
                                      run->database, error);
}

static JsonObject *
lookup_record (RedisRun  *run,
               guint      sequence,
               GError   **error)
{
  return upg_journal_lookup_statement (run->ctx->journal, upg_execution_get_id (run->ctx->execution),
                                       upg_step_get_component (run->step), run->version,
                                       upg_step_get_id (run->step), run->file, sequence, error);
}

/* Sends command @sequence with the step's retries: an error reply is
 * retried `retry_count` times; a lost connection is retried (after a
 * reconnection) only for an idempotent command, else it is in doubt. */
static gboolean
send_command (RedisRun            *run,
              guint                sequence,
              const char * const  *argv,
              const char          *text,
              GError             **error)
{
  UpgRunContext *ctx = run->ctx;
  guint retries = upg_step_get_retry_count (run->step);
  guint connection_retries = MAX (retries, MIN_CONNECTION_RETRIES);
  gboolean idempotent = is_idempotent (argv);

  for (guint attempt = 0, lost = 0;; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(UpgRedisReply) reply = NULL;
      g_autofree char *record = NULL;
      gint64 start_us, duration_ms, rows = 0;
      const char *kind;

      /* A new attempt must not start in the millisecond of the one before
       * (the journal orders a command's records by their start). */
      if (attempt > 0)
        g_usleep (2 * 1000);
      record = begin_record (run, sequence, text, error);
      if (record == NULL)
        return FALSE;
      ctx->statements_sent++;
      upg_run_context_maybe_crash (ctx, UPG_CRASH_BEFORE_SEND);
      start_us = g_get_monotonic_time ();
      reply = upg_redis_client_command (run->client, argv, ctx->cancellable, &local_error);
      duration_ms = (g_get_monotonic_time () - start_us) / 1000;
      if (reply != NULL)
        {
          upg_run_context_maybe_crash (ctx, UPG_CRASH_AFTER_COMMIT_BEFORE_JOURNAL);
          if (upg_redis_reply_get_kind (reply) == UPG_REDIS_REPLY_INTEGER)
            rows = upg_redis_reply_get_integer (reply);
          if (!upg_journal_finish_statement (ctx->journal, record, UPG_STATEMENT_STATUS_SUCCESS, rows, NULL, NULL,
                                             error))
            return FALSE;
          log_line (run, sequence, text, UPG_STATEMENT_STATUS_SUCCESS, duration_ms, rows);
          return TRUE;
        }

      kind = upg_connection_get_last_sqlstate (UPG_CONNECTION (run->client));
      if (g_error_matches (local_error, UPG_ERROR, UPG_ERROR_DATASOURCE) && !idempotent)
        {
          upg_journal_finish_statement (ctx->journal, record, UPG_STATEMENT_STATUS_IN_DOUBT, 0, NULL,
                                        local_error->message, NULL);
          log_line (run, sequence, text, UPG_STATEMENT_STATUS_IN_DOUBT, duration_ms, 0);
          stop_at (run, UPG_ERROR, UPG_ERROR_IN_DOUBT, sequence, text, NULL, local_error->message, error);
          return FALSE;
        }
      if (!upg_journal_finish_statement (ctx->journal, record, UPG_STATEMENT_STATUS_FAILED, 0,
                                         g_error_matches (local_error, UPG_ERROR, UPG_ERROR_SQL) ? kind : NULL,
                                         local_error->message, error))
        return FALSE;
      log_line (run, sequence, text, UPG_STATEMENT_STATUS_FAILED, duration_ms, 0);
      if (g_error_matches (local_error, UPG_ERROR, UPG_ERROR_DATASOURCE) && lost < connection_retries)
        {
          g_autoptr(GError) reconnect_error = NULL;

          upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE, _("%s:%u: connection lost (%s); retrying (%u/%u)"),
                               run->file, sequence, local_error->message, lost + 1, connection_retries);
          g_usleep ((1UL << lost) * G_USEC_PER_SEC / 2);  /* back-off, not synchronisation */
          lost++;
          if (redis_connect (run, TRUE, &reconnect_error))
            continue;
          stop_at (run, UPG_ERROR, UPG_ERROR_STEP_FAILED, sequence, text, NULL, reconnect_error->message, error);
          return FALSE;
        }
      if (g_error_matches (local_error, UPG_ERROR, UPG_ERROR_SQL) && attempt < retries)
        continue;
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        stop_at (run, G_IO_ERROR, G_IO_ERROR_CANCELLED, sequence, text, NULL, local_error->message, error);
      else
        stop_at (run, UPG_ERROR, UPG_ERROR_STEP_FAILED, sequence, text,
                 g_error_matches (local_error, UPG_ERROR, UPG_ERROR_SQL) ? kind : NULL, local_error->message, error);
      return FALSE;
    }
}

/* A RUNNING or IN_DOUBT record of command @sequence left by an earlier
 * process (or an earlier stop): decides whether to send it again. */
static gboolean
recover (RedisRun            *run,
         guint                sequence,
         const char * const  *argv,
         const char          *text,
         JsonObject          *record,
         UpgStatementStatus   status,
         gboolean            *send,
         GError             **error)
{
  UpgRunContext *ctx = run->ctx;
  const char *id = json_object_get_string_member_with_default (record, "id", NULL);
  gboolean is_bp = upg_run_context_is_breakpoint (ctx, run->step, run->file, sequence);
  const char *why = "interrupted while it was sent; it is not idempotent, so whether it took effect is unknown";

  *send = TRUE;
  if (is_idempotent (argv))
    return upg_journal_finish_statement (ctx->journal, id, UPG_STATEMENT_STATUS_FAILED, 0, NULL,
                                         "interrupted; an idempotent command is simply sent again", error);
  if (is_bp && ctx->action == UPG_RESUME_ACTION_RETRY)
    return upg_journal_finish_statement (ctx->journal, id, UPG_STATEMENT_STATUS_FAILED, 0, NULL,
                                         "in doubt; sent again by the operator (resume --retry)", error);
  *send = FALSE;
  if (is_bp && ctx->action == UPG_RESUME_ACTION_SKIP)
    return upg_journal_finish_statement (ctx->journal, id, UPG_STATEMENT_STATUS_SKIPPED, 0, NULL,
                                         "in doubt; skipped by the operator (resume --skip)", error);
  if (status == UPG_STATEMENT_STATUS_RUNNING &&
      !upg_journal_finish_statement (ctx->journal, id, UPG_STATEMENT_STATUS_IN_DOUBT, 0, NULL, why, error))
    return FALSE;
  /* The breakpoint's error is the operator's to read: translated. */
  stop_at (run, UPG_ERROR, UPG_ERROR_IN_DOUBT, sequence, text, NULL,
           _("interrupted while it was sent; it is not idempotent, so whether it took effect is unknown"), error);
  return FALSE;
}

/* A command the operator skips after it failed: journaled SKIPPED. */
static gboolean
record_skipped (RedisRun    *run,
                guint        sequence,
                const char  *text,
                GError     **error)
{
  g_autofree char *record = begin_record (run, sequence, text, error);

  return record != NULL
         && upg_journal_finish_statement (run->ctx->journal, record, UPG_STATEMENT_STATUS_SKIPPED, 0, NULL,
                                          "failed; skipped by the operator (resume --skip)", error);
}

static gboolean
run_command (RedisRun            *run,
             guint                sequence,
             const char * const  *argv,
             GError             **error)
{
  g_autofree char *text = upg_redis_command_to_text (argv);
  g_autoptr(GError) lookup_error = NULL;
  g_autoptr(JsonObject) record = lookup_record (run, sequence, &lookup_error);
  UpgStatementStatus status = UPG_STATEMENT_STATUS_PENDING;
  gboolean send = TRUE;

  if (lookup_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&lookup_error));
      return FALSE;
    }
  if (record != NULL)
    upg_statement_status_from_string (json_object_get_string_member_with_default (record, "status", NULL), &status);
  if (status == UPG_STATEMENT_STATUS_SUCCESS || status == UPG_STATEMENT_STATUS_SKIPPED)
    return TRUE;  /* done before: never sent twice */
  if ((status == UPG_STATEMENT_STATUS_RUNNING || status == UPG_STATEMENT_STATUS_IN_DOUBT)
      && !recover (run, sequence, argv, text, record, status, &send, error))
    return FALSE;
  if (!send)
    return TRUE;
  if (status == UPG_STATEMENT_STATUS_FAILED && run->ctx->action == UPG_RESUME_ACTION_SKIP
      && upg_run_context_is_breakpoint (run->ctx, run->step, run->file, sequence))
    return record_skipped (run, sequence, text, error);
  return send_command (run, sequence, argv, text, error);
}

static gboolean
run_commands (RedisRun  *run,
              GError   **error)
{
  GPtrArray *commands = upg_step_get_redis_commands (run->step);

  for (guint i = 0; i < commands->len; i++)
    {
      if (!run_command (run, i + 1, g_ptr_array_index (commands, i), error))
        return FALSE;
      upg_executor_emit_tool_progress (run->ctx, run->step, i + 1, commands->len);
    }
  return TRUE;
}

/* The running count of a pattern delete, from the step's checkpoint. */
static gint64
checkpoint_count (RedisRun *run)
{
  g_autofree char *checkpoint = upg_journal_get_checkpoint (run->ctx->journal,
                                                            upg_execution_get_id (run->ctx->execution),
                                                            upg_step_get_component (run->step), run->version,
                                                            upg_step_get_id (run->step), NULL);
  gint64 count;

  if (checkpoint == NULL || !g_str_has_prefix (checkpoint, "deleted="))
    return 0;
  count = g_ascii_strtoll (checkpoint + strlen ("deleted="), NULL, 10);
  return MAX (count, 0);
}

static gboolean
save_count (RedisRun  *run,
            gint64     count,
            GError   **error)
{
  g_autofree char *checkpoint = g_strdup_printf ("deleted=%" G_GINT64_FORMAT, count);

  return upg_journal_set_checkpoint (run->ctx->journal, upg_execution_get_id (run->ctx->execution),
                                     upg_step_get_component (run->step), run->version,
                                     upg_step_get_id (run->step), checkpoint, error);
}

/* One command of the pattern walk, reconnecting when the connection is
 * lost (each is idempotent; a SCAN cursor outlives its connection). */
static UpgRedisReply *
walk_command (RedisRun            *run,
              const char * const  *argv,
              GError             **error)
{
  for (guint lost = 0;; lost++)
    {
      g_autoptr(GError) local_error = NULL;
      UpgRedisReply *reply = upg_redis_client_command (run->client, argv, run->ctx->cancellable, &local_error);

      if (reply != NULL)
        return reply;
      if (!g_error_matches (local_error, UPG_ERROR, UPG_ERROR_DATASOURCE) || lost >= MIN_CONNECTION_RETRIES)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      upg_run_context_log (run->ctx, G_LOG_LEVEL_MESSAGE, _("%s:%u: connection lost (%s); retrying (%u/%u)"),
                           run->file, 1, local_error->message, lost + 1, MIN_CONNECTION_RETRIES);
      g_usleep ((1UL << lost) * G_USEC_PER_SEC / 2);  /* back-off, not synchronisation */
      if (!redis_connect (run, TRUE, error))
        return NULL;
    }
}

/* SCAN … MATCH … COUNT, UNLINK of each batch, the count saved after each. */
static gboolean
delete_pattern (RedisRun    *run,
                const char  *pattern,
                gint64      *count,
                GError     **error)
{
  g_autofree char *cursor = g_strdup ("0");
  g_autoptr(UpgRedisReply) size = walk_command (run, (const char *[]) { "DBSIZE", NULL }, error);
  guint64 total;

  if (size == NULL)
    return FALSE;
  total = (guint64) MAX (upg_redis_reply_get_integer (size), 0);
  do
    {
      const char *scan[] = { "SCAN", cursor, "MATCH", pattern, "COUNT", SCAN_COUNT, NULL };
      g_autoptr(UpgRedisReply) page = walk_command (run, scan, error);
      UpgRedisReply *keys;
      g_autoptr(GPtrArray) unlink = NULL;
      g_autoptr(UpgRedisReply) removed = NULL;

      if (page == NULL)
        return FALSE;
      keys = upg_redis_reply_get_element (page, 1);
      g_free (cursor);
      cursor = g_strdup (upg_redis_reply_get_string (upg_redis_reply_get_element (page, 0), NULL));
      if (upg_redis_reply_get_n_elements (keys) == 0)
        continue;
      unlink = g_ptr_array_new ();
      g_ptr_array_add (unlink, (gpointer) "UNLINK");
      for (guint i = 0; i < upg_redis_reply_get_n_elements (keys); i++)
        g_ptr_array_add (unlink, (gpointer) upg_redis_reply_get_string (upg_redis_reply_get_element (keys, i), NULL));
      g_ptr_array_add (unlink, NULL);
      run->ctx->statements_sent++;
      upg_run_context_maybe_crash (run->ctx, UPG_CRASH_BEFORE_SEND);
      removed = walk_command (run, (const char * const *) unlink->pdata, error);
      if (removed == NULL)
        return FALSE;
      upg_run_context_maybe_crash (run->ctx, UPG_CRASH_AFTER_COMMIT_BEFORE_JOURNAL);
      *count += upg_redis_reply_get_integer (removed);
      if (!save_count (run, *count, error))
        return FALSE;
      upg_executor_emit_tool_progress (run->ctx, run->step, MIN ((guint64) *count, total), total);
    }
  while (!g_str_equal (cursor, "0"));
  return TRUE;
}

static gboolean
run_pattern (RedisRun  *run,
             GError   **error)
{
  UpgRunContext *ctx = run->ctx;
  const char *pattern = upg_step_get_redis_pattern (run->step);
  g_autofree char *text = g_strdup_printf ("SCAN MATCH %s + UNLINK", pattern);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) previous = lookup_record (run, 1, &local_error);
  g_autofree char *record = NULL;
  g_autofree char *deleted = NULL;
  UpgStatementStatus status = UPG_STATEMENT_STATUS_PENDING;
  gint64 count = 0, start_us = g_get_monotonic_time ();

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (previous != NULL)
    upg_statement_status_from_string (json_object_get_string_member_with_default (previous, "status", NULL),
                                      &status);
  if (status == UPG_STATEMENT_STATUS_SUCCESS || status == UPG_STATEMENT_STATUS_SKIPPED)
    return TRUE;
  if (status == UPG_STATEMENT_STATUS_FAILED && ctx->action == UPG_RESUME_ACTION_SKIP
      && upg_run_context_is_breakpoint (ctx, run->step, run->file, 1))
    return record_skipped (run, 1, text, error);
  if (status == UPG_STATEMENT_STATUS_RUNNING || status == UPG_STATEMENT_STATUS_IN_DOUBT)
    {
      /* Idempotent: it continues, counting on from its checkpoint. */
      g_autofree char *so_far = NULL;

      count = checkpoint_count (run);
      so_far = g_strdup_printf ("%" G_GINT64_FORMAT, count);
      upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE, _("%s: interrupted after %s keys; deleting by pattern continues"),
                           upg_step_get_id (run->step), so_far);
      if (!upg_journal_finish_statement (ctx->journal, json_object_get_string_member (previous, "id"),
                                         UPG_STATEMENT_STATUS_FAILED, count, NULL,
                                         "interrupted; deleting by pattern is idempotent: it continues", error))
        return FALSE;
    }
  else if (!save_count (run, 0, error))
    return FALSE;

  record = begin_record (run, 1, text, error);
  if (record == NULL)
    return FALSE;
  if (!delete_pattern (run, pattern, &count, &local_error))
    {
      const char *kind = g_error_matches (local_error, UPG_ERROR, UPG_ERROR_SQL)
                         ? upg_connection_get_last_sqlstate (UPG_CONNECTION (run->client)) : NULL;

      upg_journal_finish_statement (ctx->journal, record, UPG_STATEMENT_STATUS_FAILED, count, kind,
                                    local_error->message, NULL);
      log_line (run, 1, text, UPG_STATEMENT_STATUS_FAILED, (g_get_monotonic_time () - start_us) / 1000, count);
      stop_at (run, UPG_ERROR, UPG_ERROR_STEP_FAILED, 1, text, kind, local_error->message, error);
      return FALSE;
    }
  if (!upg_journal_finish_statement (ctx->journal, record, UPG_STATEMENT_STATUS_SUCCESS, count, NULL, NULL, error))
    return FALSE;
  log_line (run, 1, text, UPG_STATEMENT_STATUS_SUCCESS, (g_get_monotonic_time () - start_us) / 1000, count);
  deleted = g_strdup_printf ("%" G_GINT64_FORMAT, count);
  upg_run_context_log (ctx, G_LOG_LEVEL_INFO, _("%s: %s keys matching %s deleted"),
                       upg_step_get_id (run->step), deleted, pattern);
  return TRUE;
}

/*
 * upg_redis_runner_run_step:
 *
 * Runs a `redis` or `redis_delete_pattern` step on its data source.
 */
gboolean
upg_redis_runner_run_step (UpgRunContext *ctx,
                           UpgStep       *step,
                           GError       **error)
{
  RedisRun run = { ctx, step, upg_step_get_database (step), NULL, NULL, NULL };
  gboolean ok;

  run.version = upg_version_to_string (upg_step_get_version (step));
  run.file = upg_step_get_kind (step) == UPG_STEP_KIND_REDIS ? COMMANDS_FILE : PATTERN_FILE;
  ok = redis_connect (&run, FALSE, error)
       && (upg_step_get_kind (step) == UPG_STEP_KIND_REDIS ? run_commands (&run, error) : run_pattern (&run, error));
  redis_run_clear (&run);
  return ok;
}
