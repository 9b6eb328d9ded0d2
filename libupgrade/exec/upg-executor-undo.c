/* upg-executor-undo.c - what a rollback reverts stops counting as done
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * See "Rollback" in upg-executor.c. A rollback that succeeded undoes, in
 * the journal, the successes of the upgrade steps of its stage (so a new
 * run executes them again), then deletes every marker of those steps from
 * the targets, whichever execution wrote it (a failure fails the
 * rollback): from each data source a step's scripts send statements to
 * (its own and their `-- @database:` targets, read from the scripts
 * because a crash may have lost a routed statement's record but not its
 * marker) and each one an undone record names, for every execution that
 * started the step and whose markers no successful undo deleted yet, by
 * script (marker prefix) in batched DELETEs. A data source no such step
 * uses is not connected to. A run undoes the successes of the stage's
 * rollback steps before it executes its first step (so a later rollback
 * executes them again instead of skipping them).
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-data-source-private.h"
#include "upg-executor-private.h"
#include "upg-journal-batch-private.h"
#include "upg-journal-migrations-private.h"
#include "upg-journal-private.h"
#include "upg-marker-reset-private.h"
#include "upg-sql-splitter-private.h"
#include "upg-step-private.h"

/* What to delete from one data source: the markers of whole scripts
 * (prefixes, one per script of a step in an execution) and, for markers
 * written before batching, single markers named after a record. Sets:
 * each is named once. */
typedef struct {
  GHashTable *prefixes;
  GHashTable *ids;
} Cleanup;

static void
cleanup_free (Cleanup *cleanup)
{
  g_hash_table_unref (cleanup->prefixes);
  g_hash_table_unref (cleanup->ids);
  g_free (cleanup);
}

/* The clean-up of @database (created empty on first use). */
static Cleanup *
database_cleanup (GHashTable *by_database,
                  const char *database)
{
  Cleanup *cleanup = g_hash_table_lookup (by_database, database);

  if (cleanup == NULL)
    {
      cleanup = g_new0 (Cleanup, 1);
      cleanup->prefixes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      cleanup->ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (by_database, g_strdup (database), cleanup);
    }
  return cleanup;
}

/* The data sources @step's statements go to: its own and every one a
 * `-- @database:` line of its scripts routes a statement to, read from
 * the scripts (split as upg_sql_runner_prepare() does) and not from the
 * journal, because the batched record of a routed statement may have
 * been lost in a crash while its marker committed. A step whose own data
 * source is no longer configured gives just that name: its dialect (to
 * split in) is unknown, and nothing there can be cleaned anyway. */
static gboolean
lenient_dialect (const char *database,
                 UpgDialect *dialect,
                 gpointer    config)
{
  /* A data source gone from the configuration: nothing to clean there;
   * its statements are split as the step's own. */
  return upg_sql_config_dialect (database, dialect, config) || TRUE;
}

/* … and in @files, the scripts they come from (the step's and those they
 * include), whose markers name them. */
static GHashTable *
step_databases (UpgRunContext *ctx,
                UpgStep       *step,
                GHashTable    *sources,
                GError       **error)
{
  UpgBundle *bundle = upg_executor_get_bundle (ctx->executor);
  const char *own = upg_step_get_database (step);
  UpgDataSource *source = own != NULL ? upg_config_lookup_data_source (upg_executor_get_config (ctx->executor), own)
                                      : NULL;
  const char * const *files = upg_step_get_sql_scripts (step);
  g_autoptr(GHashTable) databases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (own != NULL)
    g_hash_table_add (databases, g_strdup (own));
  for (guint f = 0; source != NULL && files != NULL && files[f] != NULL; f++)
    {
      g_autofree char *path = upg_bundle_resolve_path (bundle, files[f], error);
      g_autoptr(GPtrArray) statements = NULL;

      if (path != NULL)
        statements = upg_sql_split_script (upg_bundle_get_path (bundle), path, files[f],
                                           upg_data_source_get_dialect (source), lenient_dialect,
                                           upg_executor_get_config (ctx->executor), error);

      if (statements == NULL)
        {
          g_prefix_error (error, _("step '%s': cannot tell which data sources its statements went to: "),
                          upg_step_get_id (step));
          return NULL;
        }
      for (guint i = 0; i < statements->len; i++)
        {
          const char *routed = upg_sql_statement_get_database (g_ptr_array_index (statements, i));

          if (routed != NULL && !g_hash_table_contains (databases, routed))
            g_hash_table_add (databases, g_strdup (routed));
          g_hash_table_add (sources, g_strdup (upg_sql_statement_get_file (g_ptr_array_index (statements, i))));
        }
    }
  return g_steal_pointer (&databases);
}

/* Adds the prefixes of @step's scripts, as sent by every execution whose
 * markers of the step may still be there, to the clean-up of each data
 * source the step sends statements to, and only those. */
static gboolean
add_step_prefixes (UpgRunContext *ctx,
                   UpgStep       *step,
                   GHashTable    *by_database,
                   GError       **error)
{
  const char * const *files = upg_step_get_sql_scripts (step);
  g_autofree char *version = upg_version_to_string (upg_step_get_version (step));
  g_autoptr(GPtrArray) executions = NULL;
  g_autoptr(GHashTable) databases = NULL;
  g_autoptr(GHashTable) sources = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter, source_iter;
  gpointer database, source;

  if (files == NULL || files[0] == NULL)
    return TRUE;
  executions = upg_journal_list_step_executions (ctx->journal, upg_execution_get_id (ctx->execution),
                                                 upg_step_get_component (step), version,
                                                 upg_step_get_id (step), error);
  if (executions == NULL)
    return FALSE;
  /* Never started, or already cleaned: nothing to read or connect to. */
  if (executions->len == 0)
    return TRUE;
  for (guint f = 0; files[f] != NULL; f++)
    g_hash_table_add (sources, g_strdup (files[f]));
  databases = step_databases (ctx, step, sources, error);
  if (databases == NULL)
    return FALSE;
  g_hash_table_iter_init (&iter, databases);
  while (g_hash_table_iter_next (&iter, &database, NULL))
    {
      Cleanup *cleanup = database_cleanup (by_database, database);

      /* Markers are named after the statement (any execution)… */
      for (guint f = 0; files[f] != NULL; f++)
        g_hash_table_add (cleanup->prefixes,
                          upg_journal_statement_key_prefix (ctx->site_id, upg_step_get_component (step), version,
                                                            upg_step_get_id (step), files[f]));
      /* …or, written by older versions, after the execution too. */
      for (guint e = 0; e < executions->len; e++)
        for (g_hash_table_iter_init (&source_iter, sources); g_hash_table_iter_next (&source_iter, &source, NULL);)
          g_hash_table_add (cleanup->prefixes,
                            upg_journal_marker_prefix (g_ptr_array_index (executions, e),
                                                       upg_step_get_component (step), version,
                                                       upg_step_get_id (step), source));
    }
  return TRUE;
}

/* The undone records name their statement's data source: there go the
 * marker of their script and, for markers written before batching, the
 * one named after the record itself. */
static void
add_record_markers (GHashTable *by_database,
                    JsonArray  *records)
{
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *record = json_array_get_object_element (records, i);
      const char *database = json_object_get_string_member_with_default (record, "database", NULL);
      Cleanup *cleanup;

      /* A statement without a known target has no marker to find. */
      if (database == NULL)
        continue;
      cleanup = database_cleanup (by_database, database);
      g_hash_table_add (cleanup->ids, g_strdup (json_object_get_string_member (record, "id")));
      g_hash_table_add (cleanup->prefixes,
                        upg_journal_statement_key_prefix (json_object_get_string_member (record, "site_id"),
                                                          json_object_get_string_member (record, "component"),
                                                          json_object_get_string_member (record, "version"),
                                                          json_object_get_string_member (record, "step_id"),
                                                          json_object_get_string_member (record, "file")));
      g_hash_table_add (cleanup->prefixes,
                        upg_journal_marker_prefix (json_object_get_string_member (record, "execution_id"),
                                                   json_object_get_string_member (record, "component"),
                                                   json_object_get_string_member (record, "version"),
                                                   json_object_get_string_member (record, "step_id"),
                                                   json_object_get_string_member (record, "file")));
    }
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

/* The members of @set, NULL-terminated (the strings stay the set's). */
static const char **
set_members (GHashTable *set)
{
  return (const char **) g_hash_table_get_keys_as_array (set, NULL);
}

static gboolean
delete_database_markers (UpgRunContext  *ctx,
                         const char     *database,
                         Cleanup        *cleanup,
                         GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree const char **prefixes = set_members (cleanup->prefixes);
  g_autofree const char **ids = set_members (cleanup->ids);
  UpgConnection *target = marked_target (ctx, database, &local_error);

  if (target == NULL && local_error == NULL)
    return TRUE;
  if (target != NULL && upg_journal_delete_marker_prefixes (target, prefixes, &local_error))
    upg_journal_delete_markers (target, ids, &local_error);
  if (local_error == NULL)
    return TRUE;
  g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
               _("data source '%s': cannot delete the markers of the undone statements"
               " (run again to finish: a marker left there would count them as applied): %s"),
               database, local_error->message);
  return FALSE;
}

/* Deletes every marker of the reverted steps' statements from their
 * targets. Required, not housekeeping: the runner's recovery counts a
 * marker of the current or an unfinished execution as "applied", and a
 * run may continue the very execution whose steps were undone. Each
 * target is cleaned of the steps that use it, for the executions not
 * cleaned yet, in a few batched DELETEs; a target no such step uses is
 * not connected to. */
static gboolean
delete_markers (UpgRunContext *ctx,
                GError       **error)
{
  g_autoptr(JsonArray) records = NULL;
  g_autoptr(GHashTable) by_database = NULL;
  GHashTableIter iter;
  gpointer database, cleanup;

  if (ctx->reverted_steps == NULL)
    return TRUE;
  records = upg_journal_list_undone_statements (ctx->journal, upg_execution_get_id (ctx->execution), error);
  if (records == NULL)
    return FALSE;
  by_database = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) cleanup_free);
  for (guint i = 0; i < ctx->reverted_steps->len; i++)
    if (!add_step_prefixes (ctx, g_ptr_array_index (ctx->reverted_steps, i), by_database, error))
      return FALSE;
  add_record_markers (by_database, records);
  g_hash_table_iter_init (&iter, by_database);
  while (g_hash_table_iter_next (&iter, &database, &cleanup))
    if (!delete_database_markers (ctx, database, cleanup, error))
      return FALSE;
  return TRUE;
}

/* Whether a rollback step of the stage comes from @step's manifest and
 * component: only then can the rollback undo what @step did. The
 * manifests say which rollback steps undo a manifest's stage, not which
 * upgrade step each one undoes. A `config` step is undone by the engine
 * itself: its kept file is put back (upg_config_runner_restore()); a
 * `verify` or `http_check` step only reads: nothing to undo. */
static gboolean
has_rollback_steps (UpgStep   *step,
                    GPtrArray *rollback_steps)
{
  UpgStepKind kind = upg_step_get_kind (step);

  if (kind == UPG_STEP_KIND_CONFIG || kind == UPG_STEP_KIND_VERIFY || kind == UPG_STEP_KIND_HTTP_CHECK)
    return TRUE;
  for (guint i = 0; i < rollback_steps->len; i++)
    {
      UpgStep *back = g_ptr_array_index (rollback_steps, i);

      if (upg_version_compare (upg_step_get_version (back), upg_step_get_version (step)) == 0 &&
          g_strcmp0 (upg_step_get_component (back), upg_step_get_component (step)) == 0)
        return TRUE;
    }
  return FALSE;
}

/*
 * upg_executor_select_reverted:
 * @rollback_steps: (element-type UpgStep): the rollback steps the run runs
 * @forget: `rollback --forget`: steps without rollback steps stop counting
 *   as done all the same
 *
 * For a rollback: keeps in ctx->reverted_steps only the upgrade steps it
 * undoes, those whose manifest has rollback steps in the stage, so that
 * the next run executes those again and no other (SPEC §9). A step that
 * succeeded and has none would count as not done while its effect stays:
 * refused (%UPG_ERROR_INVALID_ARGUMENT, naming the steps, before anything
 * is locked or runs) unless @forget, which keeps it to be undone too.
 */
gboolean
upg_executor_select_reverted (UpgRunContext *ctx,
                              GPtrArray     *rollback_steps,
                              gboolean       forget,
                              GError       **error)
{
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GString) unreverted = g_string_new (NULL);
  guint n_unreverted = 0;

  for (guint i = 0; i < ctx->reverted_steps->len; i++)
    {
      UpgStep *step = g_ptr_array_index (ctx->reverted_steps, i);
      g_autofree char *version = upg_version_to_string (upg_step_get_version (step));
      g_autofree char *done_in = NULL;
      g_autoptr(GError) local_error = NULL;

      if (has_rollback_steps (step, rollback_steps))
        {
          g_ptr_array_add (kept, g_object_ref (step));
          continue;
        }
      done_in = upg_journal_find_step_success (ctx->journal, ctx->site_id, upg_step_get_component (step), version,
                                               upg_step_get_id (step), &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (done_in == NULL)
        continue;
      n_unreverted++;
      g_string_append_printf (unreverted, "%s%s (%s)", n_unreverted > 1 ? ", " : "", upg_step_get_id (step),
                              version);
      if (forget)
        g_ptr_array_add (kept, g_object_ref (step));
    }
  if (n_unreverted > 0 && !forget)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   g_dngettext (GETTEXT_PACKAGE,
                                "stage %s of site %s: step %s succeeded and has no rollback steps, so a rollback "
                                "cannot undo it; nothing ran. With --forget it no longer counts as done (its "
                                "effect stays) and the next run executes it again",
                                "stage %s of site %s: steps %s succeeded and have no rollback steps, so a "
                                "rollback cannot undo them; nothing ran. With --forget they no longer count as "
                                "done (their effect stays) and the next run executes them again",
                                n_unreverted),
                   upg_stage_to_string (ctx->stage), ctx->site_id, unreverted->str);
      return FALSE;
    }
  ctx->forgotten = forget && n_unreverted > 0 ? g_string_free (g_steal_pointer (&unreverted), FALSE) : NULL;
  g_ptr_array_unref (ctx->reverted_steps);
  ctx->reverted_steps = g_steal_pointer (&kept);
  return TRUE;
}

/* A batched migration that no longer counts as done starts again from
 * its first key: its checkpoint in the target (which would say "all
 * done", and the next run would migrate nothing) is deleted, its journal
 * row says `reset`. Like the markers, a target that cannot be reached
 * fails the rollback, which is run again to finish. */
static gboolean
reset_migrations (UpgRunContext  *ctx,
                  GError        **error)
{
  for (guint i = 0; ctx->reverted_steps != NULL && i < ctx->reverted_steps->len; i++)
    {
      UpgStep *step = g_ptr_array_index (ctx->reverted_steps, i);
      const UpgBatchedMigrationSpec *spec = upg_step_get_batched_migration (step);
      g_autofree char *version = NULL, *id = NULL;
      g_autoptr(GError) local_error = NULL;
      UpgConnection *target;

      if (spec == NULL)
        continue;
      version = upg_version_to_string (upg_step_get_version (step));
      id = upg_migration_id (ctx->site_id, upg_step_get_component (step), version, upg_step_get_id (step));
      target = marked_target (ctx, spec->database, &local_error);
      if ((target == NULL && local_error == NULL)
          || (target != NULL && upg_migration_checkpoint_reset (target, id, &local_error)
              && upg_journal_migration_forget (ctx->journal, id, &local_error)))
        {
          if (target != NULL)
            upg_run_context_log (ctx, G_LOG_LEVEL_INFO,
                                 _("%s: the checkpoint of migration %s is reset: the next run migrates %s from its"
                                   " first key"), upg_step_get_id (step), id, spec->table);
          continue;
        }
      g_set_error (error, UPG_ERROR, UPG_ERROR_DATASOURCE,
                   _("data source '%s': cannot reset the checkpoint of migration %s (step %s; run again to finish:"
                     " the next run would take it as done): %s"), spec->database, id, upg_step_get_id (step),
                   local_error->message);
      return FALSE;
    }
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

  /* Configuration files first, newest first (two steps may replace the
   * same file): a kill after them leaves the steps counted as done and
   * their rows RESTORED, so the rollback run again only undoes those. */
  for (guint i = ctx->reverted_steps != NULL ? ctx->reverted_steps->len : 0; ctx->rollback && i > 0; i--)
    if (!upg_config_runner_restore (ctx, g_ptr_array_index (ctx->reverted_steps, i - 1), error))
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
  if (!delete_markers (ctx, error) || !reset_migrations (ctx, error))
    return FALSE;
  ctx->reverted = TRUE;
  if (ctx->rollback && ctx->reverted_steps != NULL && ctx->reverted_steps->len > 0)
    upg_run_context_log (ctx, G_LOG_LEVEL_INFO,
                         _("the %u upgrade steps of stage %s no longer count as done: a new run executes them again"),
                         ctx->reverted_steps->len, upg_stage_to_string (ctx->stage));
  if (ctx->rollback && ctx->forgotten != NULL)
    upg_run_context_log (ctx, G_LOG_LEVEL_WARNING,
                         _("forgotten by %s@%s (--forget), without rollback steps, their effect kept: %s"),
                         g_get_user_name (), g_get_host_name (), ctx->forgotten);
  return TRUE;
}
