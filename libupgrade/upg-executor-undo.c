/* upg-executor-undo.c - what a rollback reverts stops counting as done
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * See "Rollback" in upg-executor.c. A rollback that succeeded undoes, in
 * the journal, the successes of the upgrade steps of its stage (so a new
 * run executes them again), then deletes every marker of those steps from
 * the targets, whichever execution wrote it (a failure fails the
 * rollback). A run undoes the successes of the stage's rollback steps
 * before it executes its first step (so a later rollback executes them
 * again instead of skipping them).
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-data-source-private.h"
#include "upg-executor-private.h"
#include "upg-journal-batch-private.h"
#include "upg-journal-private.h"

/* The markers to delete from @database (created empty on first use). */
static GPtrArray *
database_markers (GHashTable *by_database,
                  const char *database)
{
  GPtrArray *ids = g_hash_table_lookup (by_database, database);

  if (ids == NULL)
    {
      ids = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (by_database, g_strdup (database), ids);
    }
  return ids;
}

/* The targets to clean: every reverted step's data source and every one
 * an undone statement was routed to. The undone records' own ids are
 * deleted too: markers written before batching were named after them. */
static GHashTable *
markers_by_database (UpgRunContext *ctx,
                     JsonArray     *records)
{
  GHashTable *by_database = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                   (GDestroyNotify) g_ptr_array_unref);

  for (guint i = 0; i < ctx->reverted_steps->len; i++)
    {
      const char *database = upg_step_get_database (g_ptr_array_index (ctx->reverted_steps, i));

      if (database != NULL)
        database_markers (by_database, database);
    }
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *record = json_array_get_object_element (records, i);
      const char *database = json_object_get_string_member_with_default (record, "database", NULL);

      /* A statement without a known target has no marker to find. */
      if (database != NULL)
        g_ptr_array_add (database_markers (by_database, database),
                         g_strdup (json_object_get_string_member (record, "id")));
    }
  return by_database;
}

/* The connection to @database, or NULL without error when there is nothing
 * to clean there: gone from the configuration, or a raw libgda source
 * (never marked). */
static UpgConnection *
marked_target (UpgRunContext *ctx,
               const char    *database,
               GError       **error)
{
  UpgDataSource *source = upg_config_lookup_data_source (upg_executor_get_config (ctx->executor), database);

  if (source == NULL || upg_data_source_get_cnc (source) != NULL)
    return NULL;
  return upg_sql_runner_get_connection (ctx, database, error);
}

/* Adds to @ids the markers in @target of @step's statements as sent by any
 * of @executions: a marker is named after the execution, step and file
 * that sent the statement (upg-sql-runner-markers.c), and may be all that
 * is left of a statement whose batched record a crash lost. */
static gboolean
add_step_markers (UpgStep       *step,
                  GPtrArray     *executions,
                  UpgConnection *target,
                  GPtrArray     *ids,
                  GError       **error)
{
  const char * const *files = upg_step_get_sql_scripts (step);
  g_autofree char *version = upg_version_to_string (upg_step_get_version (step));

  for (guint e = 0; e < executions->len; e++)
    for (guint f = 0; files != NULL && files[f] != NULL; f++)
      {
        g_autofree char *prefix = upg_journal_marker_prefix (g_ptr_array_index (executions, e),
                                                             upg_step_get_component (step), version,
                                                             upg_step_get_id (step), files[f]);
        g_autoptr(GHashTable) found = upg_journal_list_markers (target, prefix, error);
        GHashTableIter iter;
        gpointer marker;

        if (found == NULL)
          return FALSE;
        g_hash_table_iter_init (&iter, found);
        while (g_hash_table_iter_next (&iter, &marker, NULL))
          g_ptr_array_add (ids, g_strdup (marker));
      }
  return TRUE;
}

static gboolean
delete_database_markers (UpgRunContext  *ctx,
                         const char     *database,
                         GPtrArray      *ids,
                         GPtrArray      *executions,
                         GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  UpgConnection *target = marked_target (ctx, database, &local_error);

  if (target == NULL && local_error == NULL)
    return TRUE;
  for (guint i = 0; target != NULL && i < ctx->reverted_steps->len; i++)
    if (!add_step_markers (g_ptr_array_index (ctx->reverted_steps, i), g_ptr_array_index (executions, i),
                           target, ids, &local_error))
      break;
  g_ptr_array_add (ids, NULL);
  if (local_error == NULL)
    upg_journal_delete_markers (target, (const char * const *) ids->pdata, &local_error);
  if (local_error == NULL)
    return TRUE;
  g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
               _("data source '%s': cannot delete the markers of the undone statements"
               " (run again to finish: a marker left there would count them as applied): %s"),
               database, local_error->message);
  return FALSE;
}

/* For each reverted step, the executions that may have sent its
 * statements (upg_journal_list_step_executions()). */
static GPtrArray *
list_step_executions (UpgRunContext *ctx,
                      GError       **error)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  for (guint i = 0; i < ctx->reverted_steps->len; i++)
    {
      UpgStep *step = g_ptr_array_index (ctx->reverted_steps, i);
      g_autofree char *version = upg_version_to_string (upg_step_get_version (step));
      GPtrArray *executions = upg_journal_list_step_executions (ctx->journal, upg_execution_get_id (ctx->execution),
                                                                upg_step_get_component (step), version,
                                                                upg_step_get_id (step), error);

      if (executions == NULL)
        return NULL;
      g_ptr_array_add (all, executions);
    }
  return g_steal_pointer (&all);
}

/* Deletes every marker of the reverted steps' statements from their
 * targets. Required, not housekeeping: the runner's recovery counts a
 * marker of the current or an unfinished execution as "applied", and a
 * run may continue the very execution whose steps were undone. */
static gboolean
delete_markers (UpgRunContext *ctx,
                GError       **error)
{
  g_autoptr(JsonArray) records = NULL;
  g_autoptr(GHashTable) by_database = NULL;
  g_autoptr(GPtrArray) executions = NULL;
  GHashTableIter iter;
  gpointer database, ids;

  if (ctx->reverted_steps == NULL)
    return TRUE;
  records = upg_journal_list_undone_statements (ctx->journal, upg_execution_get_id (ctx->execution), error);
  if (records == NULL)
    return FALSE;
  executions = list_step_executions (ctx, error);
  if (executions == NULL)
    return FALSE;
  by_database = markers_by_database (ctx, records);
  g_hash_table_iter_init (&iter, by_database);
  while (g_hash_table_iter_next (&iter, &database, &ids))
    if (!delete_database_markers (ctx, database, ids, executions, error))
      return FALSE;
  return TRUE;
}

/*
 * upg_executor_undo_reverted:
 *
 * Makes the earlier successes of ctx->reverted_steps stop counting as done
 * at the site (upg_journal_undo_step(), one transaction per step, each
 * repeatable), then deletes the steps' markers from their targets (an
 * error if a target cannot be cleaned). Called by a
 * rollback that succeeded, before its execution is journaled SUCCESS, so
 * that a crash in between is finished by resuming it; and by a run before
 * it executes its first step.
 */
gboolean
upg_executor_undo_reverted (UpgRunContext *ctx,
                            GError       **error)
{
  const char *id = upg_execution_get_id (ctx->execution);

  /* Statement records still waiting in the journal's batch must be undone
   * too: write them first. */
  if (!upg_journal_flush_statements (ctx->journal, error))
    return FALSE;

  for (guint i = 0; ctx->reverted_steps != NULL && i < ctx->reverted_steps->len; i++)
    {
      UpgStep *step = g_ptr_array_index (ctx->reverted_steps, i);
      g_autofree char *version = upg_version_to_string (upg_step_get_version (step));

      if (!upg_journal_undo_step (ctx->journal, id, upg_step_get_component (step), version,
                                  upg_step_get_id (step), error))
        {
          g_prefix_error (error, _("undoing the earlier successes of step '%s': "), upg_step_get_id (step));
          return FALSE;
        }
    }
  if (!delete_markers (ctx, error))
    return FALSE;
  ctx->reverted = TRUE;
  if (ctx->rollback && ctx->reverted_steps != NULL && ctx->reverted_steps->len > 0)
    upg_run_context_log (ctx, G_LOG_LEVEL_INFO,
                         _("the %u upgrade steps of stage %s no longer count as done: a new run executes them again"),
                         ctx->reverted_steps->len, upg_stage_to_string (ctx->stage));
  return TRUE;
}
