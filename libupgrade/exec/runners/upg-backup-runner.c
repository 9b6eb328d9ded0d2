/* upg-backup-runner.c - runs a `backup` step
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `"backup": {"database": "ft_db", "tables": ["orders"], "keep": 3}`
 * dumps the data source with its engine's tools (connectors/upg-db-dump.c)
 * into <state-dir>/backups/<site>/<execution>/<step>.sql.gz (SQLite:
 * .sqlite.gz), and journals its size, SHA-256 and row counts
 * (upgrade_backup).
 *
 * Exactly once across kill -9: the backup's row is journaled RUNNING
 * before the dump starts, and the dump is written to `<file>.partial`,
 * renamed into place and journaled SUCCESS only once complete. A re-run
 * finds a RUNNING row of the step (a dump that was interrupted): it
 * removes the partial file, marks the row FAILED and dumps again; it
 * finds a SUCCESS row of this execution (the kill came after the dump but
 * before the step's own success): it keeps that backup and dumps nothing.
 *
 * Before dumping, the space the assessment estimates for the tables,
 * (data_length + index_length) × 1.5 (SPEC §3), must be free where the
 * backup goes. After a success, the backups of the same site and data
 * source made by executions older than the newest `keep` are deleted.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include <sys/statvfs.h>

#include "upg-backup-spec-private.h"
#include "upg-db-dump-private.h"
#include "upg-executor-private.h"
#include "upg-journal-backups-private.h"
#include "upg-step-private.h"
#include "upg-table-sizes-private.h"

typedef struct
{
  UpgRunContext        *ctx;
  UpgStep              *step;
  const UpgBackupSpec  *spec;
  UpgDataSource        *source;
  char                 *version;
  gboolean              crashed_mid_dump;
} BackupRun;

static void
backup_run_clear (BackupRun *run)
{
  g_free (run->version);
}

/* A RUNNING row of this step is a dump a kill interrupted: its partial
 * file goes, the row says why, and the dump is made again. */
static gboolean
clean_interrupted (BackupRun  *run,
                   GError    **error)
{
  UpgRunContext *ctx = run->ctx;
  g_autoptr(GPtrArray) running = upg_journal_find_step_backups (ctx->journal, ctx->site_id,
                                                                upg_step_get_component (run->step), run->version,
                                                                upg_step_get_id (run->step), UPG_BACKUP_RUNNING,
                                                                error);

  if (running == NULL)
    return FALSE;
  for (guint i = 0; i < running->len; i++)
    {
      UpgBackupRecord *r = running->pdata[i];
      g_autofree char *partial = g_strconcat (r->path, ".partial", NULL);

      g_unlink (partial);
      g_unlink (r->path);
      if (!upg_journal_finish_backup (ctx->journal, r->id, UPG_BACKUP_FAILED, 0, NULL, NULL,
                                      "interrupted; the partial dump was removed", error))
        return FALSE;
      upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE,
                           _("%s: backup %s was interrupted (execution %s): partial dump removed, dumping again"),
                           upg_step_get_id (run->step), r->id, r->execution_id);
    }
  return TRUE;
}

/* A SUCCESS row of this step in this execution: the dump finished before
 * a kill that came before the step's success was journaled. */
static gboolean
find_completed (BackupRun  *run,
                gboolean   *completed,
                GError    **error)
{
  UpgRunContext *ctx = run->ctx;
  g_autoptr(GPtrArray) done = upg_journal_find_step_backups (ctx->journal, ctx->site_id,
                                                             upg_step_get_component (run->step), run->version,
                                                             upg_step_get_id (run->step), UPG_BACKUP_SUCCESS, error);

  *completed = FALSE;
  if (done == NULL)
    return FALSE;
  for (guint i = 0; i < done->len; i++)
    {
      UpgBackupRecord *r = done->pdata[i];

      if (g_str_equal (r->execution_id, upg_execution_get_id (ctx->execution)) &&
          g_file_test (r->path, G_FILE_TEST_IS_REGULAR))
        {
          upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE, _("%s: backup %s was completed before the interruption: kept"),
                               upg_step_get_id (run->step), r->id);
          *completed = TRUE;
        }
    }
  return TRUE;
}

/* SPEC §3: the tables need about (data + index) × 1.5 where the backup
 * goes; less free space stops the step before anything is written. */
static gboolean
check_space (BackupRun   *run,
             const char  *dir,
             GError     **error)
{
  UpgRunContext *ctx = run->ctx;
  UpgConnection *connection = upg_sql_runner_get_connection (ctx, run->spec->database, error);
  g_auto(GStrv) all = NULL;
  g_autoptr(GString) missing = g_string_new (NULL);
  UpgTableSizes sizes = { 0, 0, missing };
  g_autofree char *need_text = NULL, *free_text = NULL;
  const char * const *tables = (const char * const *) run->spec->tables;
  struct statvfs fs;
  guint64 need, free_bytes;

  if (connection == NULL)
    return FALSE;
  if (tables == NULL)
    {
      all = upg_table_list (connection, ctx->cancellable, error);
      if (all == NULL)
        return FALSE;
      tables = (const char * const *) all;
    }
  if (!upg_table_sizes_measure (connection, tables, &sizes, ctx->cancellable, error))
    return FALSE;
  if (missing->len > 0)
    return upg_step_set_error (error, run->step, _("backup of '%s': tables not found: %s"), run->spec->database,
                               missing->str);
  if (statvfs (dir, &fs) != 0)
    {
      int saved = errno;
      return upg_step_set_error (error, run->step, _("backup of '%s': cannot measure the free space of '%s': %s"),
                                 run->spec->database, dir, g_strerror (saved));
    }
  need = (guint64) ((sizes.data + sizes.index) * UPG_BACKUP_SPACE_FACTOR);
  free_bytes = (guint64) fs.f_bavail * fs.f_frsize;
  need_text = g_format_size_full (need, G_FORMAT_SIZE_IEC_UNITS);
  free_text = g_format_size_full (free_bytes, G_FORMAT_SIZE_IEC_UNITS);
  if (free_bytes < need)
    return upg_step_set_error (error, run->step,
                               _("backup of '%s': not enough space in '%s': about %s needed ((data + index) × 1.5), "
                                 "%s free; free space, then resume"),
                               run->spec->database, dir, need_text, free_text);
  upg_run_context_log (ctx, G_LOG_LEVEL_INFO, _("%s: backup of '%s' needs about %s, %s free in '%s'"),
                       upg_step_get_id (run->step), run->spec->database, need_text, free_text, dir);
  return TRUE;
}

/* The test crash hook, in the middle of the dump: the first chunk of the
 * dump is in the partial file, the dump tool still runs. */
static void
dump_progress (guint64  bytes,
               gpointer user_data)
{
  BackupRun *run = user_data;

  if (!run->crashed_mid_dump)
    {
      run->crashed_mid_dump = TRUE;
      upg_run_context_maybe_crash (run->ctx, UPG_CRASH_AFTER_EXECUTE_BEFORE_COMMIT);
    }
}

static char *
tables_json (const UpgBackupSpec *spec)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  if (spec->tables == NULL)
    return NULL;
  json_builder_begin_array (builder);
  for (guint i = 0; spec->tables[i] != NULL; i++)
    json_builder_add_string_value (builder, spec->tables[i]);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static char *
object_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}

/* "orders=3, users=2" for the log. */
static char *
counts_text (JsonObject *counts)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GList) names = json_object_get_members (counts);

  for (GList *l = names; l != NULL; l = l->next)
    g_string_append_printf (out, "%s%s=%" G_GINT64_FORMAT, out->len > 0 ? ", " : "", (char *) l->data,
                            json_object_get_int_member (counts, l->data));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
dump (BackupRun   *run,
      const char  *dir,
      GError     **error)
{
  UpgRunContext *ctx = run->ctx;
  UpgConfig *config = upg_executor_get_config (ctx->executor);
  g_autoptr(UpgBackupRecord) record = g_new0 (UpgBackupRecord, 1);
  g_autofree char *name = g_strconcat (upg_step_get_id (run->step),
                                       upg_db_dump_suffix (upg_data_source_get_dialect (run->source)), NULL);
  g_autofree char *partial = NULL, *row_counts = NULL, *counts = NULL, *size_text = NULL, *objects = NULL;
  g_autoptr(GError) dump_error = NULL;
  UpgDumpResult result = { 0 };

  record->execution_id = g_strdup (upg_execution_get_id (ctx->execution));
  record->site_id = g_strdup (ctx->site_id);
  record->component = g_strdup (upg_step_get_component (run->step));
  record->version = g_strdup (run->version);
  record->step_id = g_strdup (upg_step_get_id (run->step));
  record->database = g_strdup (run->spec->database);
  record->provider = g_strdup (upg_data_source_get_provider (run->source));
  record->tables = tables_json (run->spec);
  record->path = g_build_filename (dir, name, NULL);
  partial = g_strconcat (record->path, ".partial", NULL);
  if (!upg_journal_begin_backup (ctx->journal, record, error))
    return FALSE;

  ctx->statements_sent++;
  upg_run_context_maybe_crash (ctx, UPG_CRASH_BEFORE_SEND);
  if (!upg_db_dump (run->source, (const char * const *) run->spec->tables, partial, dir,
                    upg_config_get_secret_env (config), dump_progress, run, ctx->cancellable, &result, &dump_error))
    {
      g_unlink (partial);
      upg_journal_finish_backup (ctx->journal, record->id, UPG_BACKUP_FAILED, 0, NULL, NULL, dump_error->message, NULL);
      if (g_error_matches (dump_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&dump_error));
          return FALSE;
        }
      return upg_step_set_error (error, run->step, _("backup of '%s': %s"), run->spec->database,
                                 dump_error->message);
    }
  upg_run_context_maybe_crash (ctx, UPG_CRASH_AFTER_EXECUTE_BEFORE_COMMIT);
  if (g_rename (partial, record->path) != 0)
    {
      int saved = errno;
      upg_dump_result_clear (&result);
      g_unlink (partial);
      return upg_step_set_error (error, run->step, _("backup of '%s': cannot rename '%s': %s"), run->spec->database,
                                 partial, g_strerror (saved));
    }
  row_counts = object_text (result.row_counts);
  objects = result.objects != NULL ? object_text (result.objects) : NULL;
  if ((objects != NULL && !upg_journal_set_backup_objects (ctx->journal, record->id, objects, error)) ||
      !upg_journal_finish_backup (ctx->journal, record->id, UPG_BACKUP_SUCCESS, (gint64) result.size, result.sha256,
                                  row_counts, NULL, error))
    {
      upg_dump_result_clear (&result);
      return FALSE;
    }
  upg_run_context_maybe_crash (ctx, UPG_CRASH_AFTER_COMMIT_BEFORE_JOURNAL);
  counts = counts_text (result.row_counts);
  size_text = g_format_size_full (result.size, G_FORMAT_SIZE_IEC_UNITS);
  upg_run_context_log (ctx, G_LOG_LEVEL_INFO, _("%s: backup %s of '%s' written: %s, %s, SHA-256 %s, rows: %s"),
                       upg_step_get_id (run->step), record->id, run->spec->database, record->path, size_text,
                       result.sha256, counts);
  upg_dump_result_clear (&result);
  return TRUE;
}

/* Deletes the backups of the site's data source made by executions
 * older than the newest `keep` ones (this one included). */
static gboolean
apply_retention (BackupRun  *run,
                 GError    **error)
{
  UpgRunContext *ctx = run->ctx;
  g_autoptr(GPtrArray) backups = upg_journal_list_backups (ctx->journal, ctx->site_id, run->spec->database, error);
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();

  if (backups == NULL)
    return FALSE;
  g_ptr_array_add (kept, (gpointer) upg_execution_get_id (ctx->execution));
  for (guint i = 0; i < backups->len; i++)
    {
      UpgBackupRecord *r = backups->pdata[i];
      g_autofree char *dir = NULL;

      if (g_ptr_array_find_with_equal_func (kept, r->execution_id, g_str_equal, NULL))
        continue;
      if (kept->len < run->spec->keep)
        {
          g_ptr_array_add (kept, r->execution_id);
          continue;
        }
      if (g_unlink (r->path) != 0 && errno != ENOENT)
        {
          int saved = errno;
          upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE, _("cannot remove the old backup '%s': %s"), r->path,
                               g_strerror (saved));
          continue;
        }
      /* Its execution's folder goes once it holds nothing more. */
      dir = g_path_get_dirname (r->path);
      g_rmdir (dir);
      if (!upg_journal_finish_backup (ctx->journal, r->id, UPG_BACKUP_REMOVED, 0, NULL, NULL, NULL, error))
        return FALSE;
      upg_run_context_log (ctx, G_LOG_LEVEL_INFO, _("%s: old backup %s (execution %s) removed: keep %u"),
                           upg_step_get_id (run->step), r->id, r->execution_id, run->spec->keep);
    }
  return TRUE;
}

/*
 * upg_backup_runner_folder:
 * @subfolder: (nullable): a folder inside it, or %NULL
 *
 * The execution's backup folder, <state-dir>/backups/<site>/<execution>
 * (and @subfolder in it), created 0700 all the way: dumps hold the whole
 * data, kept configuration files their secrets.
 *
 * Returns: (transfer full) (nullable): its absolute path
 */
char *
upg_backup_runner_folder (UpgRunContext  *ctx,
                          const char     *subfolder,
                          GError        **error)
{
  const char *state = upg_executor_get_state_dir (ctx->executor);
  g_autofree char *absolute = g_canonicalize_filename (state, NULL);
  g_autofree char *root = g_build_filename (absolute, "backups", NULL);
  g_autofree char *dir = g_build_filename (root, ctx->site_id, upg_execution_get_id (ctx->execution), subfolder,
                                           NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0 || g_chmod (root, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, _("cannot create the backup folder '%s': %s"), dir,
                   g_strerror (saved));
      return NULL;
    }
  return g_steal_pointer (&dir);
}

/*
 * upg_backup_runner_run_step:
 *
 * Runs a `backup` step: see the top of this file.
 */
gboolean
upg_backup_runner_run_step (UpgRunContext *ctx,
                            UpgStep       *step,
                            GError       **error)
{
  UpgConfig *config = upg_executor_get_config (ctx->executor);
  BackupRun run = { ctx, step, upg_step_get_backup (step) };
  g_autofree char *problem = NULL;
  g_autofree char *dir = NULL;
  gboolean completed = FALSE;
  gboolean ok;

  g_return_val_if_fail (run.spec != NULL, FALSE);
  problem = upg_backup_spec_problem (run.spec, config, upg_step_get_source_file (step),
                                     upg_step_get_json_path (step));
  if (problem != NULL)
    {
      g_set_error_literal (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, problem);
      return FALSE;
    }
  run.source = upg_config_lookup_data_source (config, run.spec->database);
  run.version = upg_version_to_string (upg_step_get_version (step));

  ok = find_completed (&run, &completed, error) && clean_interrupted (&run, error);
  if (ok && !completed)
    {
      dir = upg_backup_runner_folder (ctx, NULL, error);
      ok = dir != NULL && check_space (&run, dir, error) && dump (&run, dir, error);
    }
  ok = ok && apply_retention (&run, error);
  backup_run_clear (&run);
  return ok;
}
