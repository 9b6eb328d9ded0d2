/* upg-executor-undo.c - what a rollback reverts stops counting as done
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * See "Rollback" in upg-executor.c. A rollback that succeeded undoes, in
 * the journal, the successes of the upgrade steps of its stage (so a new
 * run executes them again), then deletes their statements' markers from
 * the targets. A run undoes the successes of the stage's rollback steps
 * before it executes its first step (so a later rollback executes them
 * again instead of skipping them).
 */
#include "config.h"

#include "upg-data-source-private.h"
#include "upg-executor-private.h"
#include "upg-journal-batch-private.h"

/* The marker a statement committed with in its target (upg-sql-runner.c):
 * named after the execution, step and file that ran it, and its sequence. */
static char *
marker_id_of (JsonObject *record)
{
  g_autofree char *prefix =
    upg_journal_marker_prefix (json_object_get_string_member (record, "execution_id"),
                               json_object_get_string_member (record, "component"),
                               json_object_get_string_member (record, "version"),
                               json_object_get_string_member (record, "step_id"),
                               json_object_get_string_member (record, "file"));

  return upg_journal_marker_id (prefix, (guint) json_object_get_int_member (record, "sequence"));
}

/* Groups the undone statement records by target data source. */
static GHashTable *
records_by_database (JsonArray *records)
{
  GHashTable *by_database = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                   (GDestroyNotify) g_ptr_array_unref);

  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *record = json_array_get_object_element (records, i);
      const char *database = json_object_get_string_member_with_default (record, "database", NULL);
      GPtrArray *ids;

      /* A statement without a known target has no marker to find. */
      if (database == NULL)
        continue;
      ids = g_hash_table_lookup (by_database, database);
      if (ids == NULL)
        {
          ids = g_ptr_array_new_with_free_func (g_free);
          g_hash_table_insert (by_database, g_strdup (database), ids);
        }
      g_ptr_array_add (ids, marker_id_of (record));
      /* Markers written before batching were named after the record. */
      g_ptr_array_add (ids, g_strdup (json_object_get_string_member (record, "id")));
    }
  return by_database;
}

static gboolean
delete_database_markers (UpgRunContext  *ctx,
                         const char     *database,
                         GPtrArray      *ids,
                         GError        **error)
{
  UpgDataSource *source = upg_config_lookup_data_source (upg_executor_get_config (ctx->executor), database);
  UpgConnection *connection;

  g_ptr_array_add (ids, NULL);
  /* Gone from the configuration, or a raw libgda source (never marked):
   * there is nothing this run can clean. */
  if (source == NULL || upg_data_source_get_cnc (source) != NULL)
    return TRUE;
  connection = upg_sql_runner_get_connection (ctx, database, error);
  if (connection == NULL)
    return FALSE;
  return upg_journal_delete_markers (connection, (const char * const *) ids->pdata, error);
}

/* Housekeeping only (see upg-marker-reset.c): a target that cannot be
 * cleaned now is logged, and the orphaned markers are harmless. */
static void
delete_markers (UpgRunContext *ctx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) records = NULL;
  g_autoptr(GHashTable) by_database = NULL;
  GHashTableIter iter;
  gpointer database, ids;

  records = upg_journal_list_undone_statements (ctx->journal, upg_execution_get_id (ctx->execution), &error);
  if (records == NULL)
    {
      upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE, "cannot list the undone statements: %s", error->message);
      return;
    }
  by_database = records_by_database (records);
  g_hash_table_iter_init (&iter, by_database);
  while (g_hash_table_iter_next (&iter, &database, &ids))
    {
      if (delete_database_markers (ctx, database, ids, &error))
        continue;
      upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE,
                           "data source '%s': cannot delete the markers of %u undone statements"
                           " (harmless: nothing asks about them again): %s",
                           (const char *) database, ((GPtrArray *) ids)->len - 1, error->message);
      g_clear_error (&error);
    }
}

/*
 * upg_executor_undo_reverted:
 *
 * Makes the earlier successes of ctx->reverted_steps stop counting as done
 * at the site (upg_journal_undo_step(), one transaction per step, each
 * repeatable), then deletes the undone statements' markers. Called by a
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
          g_prefix_error (error, "undoing the earlier successes of step '%s': ", upg_step_get_id (step));
          return FALSE;
        }
    }
  delete_markers (ctx);
  ctx->reverted = TRUE;
  if (ctx->rollback && ctx->reverted_steps != NULL && ctx->reverted_steps->len > 0)
    upg_run_context_log (ctx, G_LOG_LEVEL_INFO,
                         "the %u upgrade steps of stage %s no longer count as done: a new run executes them again",
                         ctx->reverted_steps->len, upg_stage_to_string (ctx->stage));
  return TRUE;
}
