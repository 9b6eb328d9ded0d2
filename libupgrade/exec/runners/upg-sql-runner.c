/* upg-sql-runner.c - runs the statements of a SQL step exactly once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The protocol is described in upg-executor.c; statement classes in
 * upg-applied-marker.c.
 *
 * Journaling cost: a statement that commits in one target transaction
 * with its marker (ATOMIC with a marker table) and a session statement
 * get no durable RUNNING record before they are sent; their complete
 * records are batched (upg-journal-batch.c) and written together, at the
 * latest 250 ms later, before a breakpoint, before the next durable
 * RUNNING record, and at the end of the step. After a crash such a
 * statement is judged by its marker alone: present (from this execution
 * or an unfinished one of the site) → recorded SUCCESS and not sent
 * again, even when the journal has no record of it at all. Statements
 * without that protection (AUTOCOMMIT, libgda) keep the durable RUNNING
 * record that makes "in doubt" detectable. A success of the first kind
 * is completed (record queued, line logged, progress) while the next
 * statement's request is on its way (upg-sql-runner-records.c).
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-data-source-private.h"
#include "upg-executor-private.h"
#include "upg-journal-batch-private.h"
#include "upg-sql-runner-private.h"
#include "upg-target-lock-private.h"
#include "upg-bundle-scripts-private.h"
#include "upg-sql-splitter-private.h"
#include "upg-sql-statement-private.h"
#include "upg-step-kinds-private.h"

static UpgDataSource *
lookup_data_source (UpgRunContext *ctx,
                    UpgStep       *step,
                    const char    *name,
                    GError       **error)
{
  UpgConfig *config = upg_executor_get_config (ctx->executor);
  UpgDataSource *source = name != NULL ? upg_config_lookup_data_source (config, name) : NULL;

  if (source == NULL)
    g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG,
                 _("step '%s' (%s): data source '%s' is not configured (see \"datasources\" in %s)"),
                 upg_step_get_id (step), upg_step_get_source_file (step),
                 name != NULL ? name : _("(none: the step has no \"database\")"),
                 upg_config_get_path (config) != NULL ? upg_config_get_path (config) : _("the configuration"));
  return source;
}

/*
 * upg_sql_runner_check_sources:
 *
 * Refuses a `verify`, `backup`, `redis` or `redis_delete_pattern` step
 * whose data source the configuration lacks. It is bad input, found
 * before the stage's first step runs: at the step itself it would stop
 * the stage after the earlier steps changed the site (SQL and batched
 * migration steps are checked by their own prepare functions).
 */
gboolean
upg_sql_runner_check_sources (UpgRunContext *ctx,
                              UpgStep       *step,
                              GError       **error)
{
  switch (upg_step_get_kind (step))
    {
    case UPG_STEP_KIND_VERIFY:
      {
        g_autoptr(GPtrArray) checks = upg_step_get_verify_checks (step);

        for (guint i = 0; checks != NULL && i < checks->len; i++)
          {
            UpgVerifyCheck *check = g_ptr_array_index (checks, i);

            if (lookup_data_source (ctx, step, check->database, error) == NULL ||
                (check->equals_database != NULL &&
                 lookup_data_source (ctx, step, check->equals_database, error) == NULL))
              return FALSE;
          }
        return TRUE;
      }
    case UPG_STEP_KIND_BACKUP:
      return lookup_data_source (ctx, step, upg_step_get_backup (step)->database, error) != NULL;
    case UPG_STEP_KIND_REDIS:
    case UPG_STEP_KIND_REDIS_DELETE_PATTERN:
      return lookup_data_source (ctx, step, upg_step_get_database (step), error) != NULL;
    default:
      return TRUE;
    }
}

/*
 * upg_sql_runner_prepare:
 *
 * Splits every file of @step (in the dialect of the step's data source)
 * and checks every data source its statements are routed to, before the
 * stage changes anything. The statements are kept in ctx->scripts.
 */
gboolean
upg_sql_runner_prepare (UpgRunContext *ctx,
                        UpgStep       *step,
                        GError       **error)
{
  UpgBundle *bundle = upg_executor_get_bundle (ctx->executor);
  const char * const *files = upg_step_get_sql_scripts (step);
  UpgDataSource *source = lookup_data_source (ctx, step, upg_step_get_database (step), error);

  if (source == NULL)
    return FALSE;

  for (guint i = 0; files != NULL && files[i] != NULL; i++)
    {
      g_autofree char *path = NULL;
      g_autoptr(GPtrArray) statements = NULL;

      statements = g_hash_table_lookup (ctx->scripts, files[i]);
      if (statements != NULL)
        {
          /* Split for another step already; its blocks are this step's. */
          if (!upg_sql_runner_check_blocks (ctx, step, statements, error))
            return FALSE;
          statements = NULL;
          continue;
        }
      path = upg_bundle_resolve_path (bundle, files[i], error);
      if (path == NULL)
        return FALSE;
      /* Each statement in the dialect of the database it goes to. */
      statements = upg_sql_split_script (upg_bundle_get_path (bundle), path, files[i],
                                         upg_data_source_get_dialect (source), upg_sql_config_dialect,
                                         upg_executor_get_config (ctx->executor), error);
      if (statements == NULL)
        return FALSE;
      for (guint s = 0; s < statements->len; s++)
        {
          const char *name = upg_sql_runner_statement_database (g_ptr_array_index (statements, s), step);

          if (lookup_data_source (ctx, step, name, error) == NULL)
            return FALSE;
        }
      if (!upg_sql_runner_check_blocks (ctx, step, statements, error))
        return FALSE;
      ctx->statements_total += statements->len;
      g_hash_table_insert (ctx->scripts, g_strdup (files[i]), g_steal_pointer (&statements));
    }
  return upg_sql_check_includes (step, ctx->scripts, error);
}

/* Runs the statements of @file, a script's transaction blocks (or the
 * whole file, with "transaction": "script") each as one unit; the last
 * one's completion may still wait in @previous when it returns. */
static gboolean
run_file (UpgRunContext      *ctx,
          UpgStep            *step,
          const char         *file,
          GPtrArray          *unfinished,
          DeferredCompletion *previous,
          GError            **error)
{
  g_autoptr(GHashTable) records = NULL;
  g_autofree char *version = upg_version_to_string (upg_step_get_version (step));
  g_autoptr(GPtrArray) prefixes = upg_statement_run_file_prefixes (ctx, step, version, file, unfinished);
  FileRun f = { ctx, step, file, g_hash_table_lookup (ctx->scripts, file), version, prefixes, NULL, previous };
  g_autoptr(GHashTable) included_records = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                                  (GDestroyNotify) g_hash_table_unref);
  g_autoptr(GHashTable) included_prefixes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                                   (GDestroyNotify) g_ptr_array_unref);

  g_assert (f.statements != NULL);
  /* What the journal knows of the file's statements, read once. */
  records = upg_journal_lookup_file_statements (ctx->journal, upg_execution_get_id (ctx->execution),
                                                upg_step_get_component (step), version,
                                                upg_step_get_id (step), file, error);
  if (records == NULL)
    return FALSE;
  f.records = records;
  /* Statements of the files it includes (`source`, `\i`) are journaled
   * and marked under their own file: the same, per file. */
  f.included_records = included_records;
  f.included_prefixes = included_prefixes;
  for (guint i = 0; i < f.statements->len; i++)
    {
      const char *own = upg_sql_statement_get_file (g_ptr_array_index (f.statements, i));
      GHashTable *own_records;

      if (g_str_equal (own, file) || g_hash_table_contains (included_records, own))
        continue;
      own_records = upg_journal_lookup_file_statements (ctx->journal, upg_execution_get_id (ctx->execution),
                                                        upg_step_get_component (step), version,
                                                        upg_step_get_id (step), own, error);
      if (own_records == NULL)
        return FALSE;
      g_hash_table_insert (included_records, (char *) own, own_records);
      g_hash_table_insert (included_prefixes, (char *) own,
                           upg_statement_run_file_prefixes (ctx, step, version, own, unfinished));
    }
  for (guint i = 0; i < f.statements->len; i++)
    {
      guint last;
      gboolean grouped;

      if (g_cancellable_set_error_if_cancelled (ctx->cancellable, error))
        return FALSE;
      if (upg_file_run_block_end (&f, i, &last))
        {
          if (!upg_file_run_block (&f, i, last, error))
            return FALSE;
          i = last;
        }
      else if (!upg_file_run_group (&f, i, &last, &grouped, error))
        return FALSE;
      else if (grouped)
        i = last;
      else if (!upg_file_run_statement (&f, i, NULL, error))
        return FALSE;
    }
  return TRUE;
}

/* Completes what waits in @previous after a file (or a failure: then its
 * own failure is only logged; the statement committed all the same). */
static gboolean
complete_previous (UpgRunContext      *ctx,
                   DeferredCompletion *previous,
                   gboolean            ok,
                   GError            **error)
{
  StatementRun last = { ctx, .previous = previous };
  g_autoptr(GError) local_error = NULL;

  if (upg_statement_run_settle (&last, &local_error) && previous->error == NULL)
    return ok;
  if (local_error == NULL)
    local_error = g_steal_pointer (&previous->error);
  g_clear_error (&previous->error);
  if (ok)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  upg_run_context_log (ctx, G_LOG_LEVEL_CRITICAL, _("cannot write the statement records: %s"), local_error->message);
  return FALSE;
}

static gboolean
run_statements (UpgRunContext *ctx,
                UpgStep       *step,
                GError       **error)
{
  const char * const *files = upg_step_get_sql_scripts (step);
  g_autoptr(GPtrArray) unfinished = upg_journal_unfinished_executions (ctx->journal, ctx->site_id, error);
  DeferredCompletion previous = { FALSE, };
  gboolean ok = unfinished != NULL;

  for (guint f = 0; ok && files != NULL && files[f] != NULL; f++)
    {
      ok = run_file (ctx, step, files[f], unfinished, &previous, error);
      ok = complete_previous (ctx, &previous, ok, error);
    }
  return ok;
}

/*
 * upg_sql_runner_run_step:
 *
 * Runs every statement of every file of @step in order, each exactly once.
 * Every statement record is in the journal when it returns.
 */
gboolean
upg_sql_runner_run_step (UpgRunContext *ctx,
                         UpgStep       *step,
                         GError       **error)
{
  UpgJournalFlusher *flusher;
  gboolean ok;
  g_autoptr(GError) flush_error = NULL;

  flusher = upg_journal_flusher_start (ctx->journal);
  ok = run_statements (ctx, step, error);
  upg_journal_flusher_stop (flusher);
  /* Nothing of the step is on its way any more, whatever stopped it. */
  upg_run_current_end (ctx->current);
  if (upg_journal_flush_statements (ctx->journal, &flush_error))
    return ok;
  if (ok)
    {
      g_propagate_error (error, g_steal_pointer (&flush_error));
      return FALSE;
    }
  upg_run_context_log (ctx, G_LOG_LEVEL_CRITICAL, _("cannot write the statement records: %s"), flush_error->message);
  return FALSE;
}

/*
 * upg_sql_runner_count:
 *
 * The number of statements of @step (0 for other kinds), once prepared.
 */
guint
upg_sql_runner_count (UpgRunContext *ctx,
                      UpgStep       *step)
{
  const char * const *files = upg_step_get_kind (step) == UPG_STEP_KIND_SQL ? upg_step_get_sql_scripts (step) : NULL;
  guint count = 0;

  for (guint f = 0; files != NULL && files[f] != NULL; f++)
    {
      GPtrArray *statements = g_hash_table_lookup (ctx->scripts, files[f]);

      count += statements != NULL ? statements->len : 0;
    }
  return count;
}
