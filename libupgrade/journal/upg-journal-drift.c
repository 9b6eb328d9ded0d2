/* upg-journal-drift.c - a script edited after its statements were applied
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Drift (SPEC §5): a statement that succeeded earlier no longer matches
 * its file (the SHA-256 of its text). A step that succeeded is skipped by
 * the journal, so an edit would go unnoticed: `run` and `validate`
 * compare every applied statement with the file as it is now and refuse
 * (exit 2) naming the file, the line and both hashes. `run
 * --accept-changed` accepts the new text: the applied record takes it,
 * keeps the old hash in its message and says who accepted it, when, and
 * in which execution.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-bundle-private.h"
#include "upg-journal-private.h"
#include "upg-journal-drift-private.h"
#include "upg-sql-splitter-private.h"
#include "upg-sql-statement-private.h"

void
upg_drift_free (UpgDrift *drift)
{
  if (drift == NULL)
    return;
  g_free (drift->record_id);
  g_free (drift->execution_id);
  g_free (drift->applied_sha256);
  upg_sql_statement_unref (drift->statement);
  g_free (drift);
}

/* sequence → (id, execution_id, sha256) of the statements of one script
 * that count as applied for @site (SUCCESS or SKIPPED, not undone: the
 * rows with a success_key). */
static UpgRows *
applied_rows (UpgJournal  *self,
              const char  *site,
              UpgStep     *step,
              const char  *version,
              const char  *file,
              GError     **error)
{
  const char *values[] = { site, upg_step_get_component (step), version, upg_step_get_id (step), file };

  return upg_journal_sql_query (self->connection,
                                "SELECT sequence, id, execution_id, sha256 FROM sql_execution_record"
                                " WHERE site_id = ? AND component = ? AND version = ? AND step_id = ?"
                                " AND file = ? AND success_key IS NOT NULL", values, G_N_ELEMENTS (values), error);
}

/**
 * upg_journal_find_drift: (skip)
 * @self: the journal
 * @site: the site
 * @step: a SQL step
 * @scripts: bundle-relative file → #GPtrArray of #UpgSqlStatement (as
 *   split for the run)
 * @drifts: (element-type UpgDrift): where the statements whose applied
 *   text differs from the file's are added
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the journal could be read
 */
gboolean
upg_journal_find_drift (UpgJournal  *self,
                        const char  *site,
                        UpgStep     *step,
                        GHashTable  *scripts,
                        GPtrArray   *drifts,
                        GError     **error)
{
  const char * const *files = upg_step_get_sql_scripts (step);
  g_autofree char *version = upg_version_to_string (upg_step_get_version (step));

  UPG_JOURNAL_LOCK (self);
  for (guint f = 0; files != NULL && files[f] != NULL; f++)
    {
      GPtrArray *statements = g_hash_table_lookup (scripts, files[f]);
      g_autoptr(UpgRows) rows = NULL;

      if (statements == NULL)
        continue;
      rows = applied_rows (self, site, step, version, files[f], error);
      if (rows == NULL)
        return FALSE;
      for (guint i = 0; i < upg_rows_get_n_rows (rows); i++)
        {
          gint64 sequence = upg_rows_get_int (rows, i, 0, -1);
          const char *sha = upg_rows_get_value (rows, i, 3);
          UpgSqlStatement *statement;
          UpgDrift *drift;
          char now_sha256[UPG_SQL_STATEMENT_SHA256_SIZE];

          if (sequence < 1 || (guint64) sequence > statements->len)
            continue;
          statement = g_ptr_array_index (statements, sequence - 1);
          upg_sql_statement_sha256_into (statement, now_sha256);
          if (g_strcmp0 (sha, now_sha256) == 0)
            continue;
          drift = g_new0 (UpgDrift, 1);
          drift->record_id = g_strdup (upg_rows_get_value (rows, i, 1));
          drift->execution_id = g_strdup (upg_rows_get_value (rows, i, 2));
          drift->applied_sha256 = g_strdup (sha);
          drift->statement = upg_sql_statement_ref (statement);
          g_ptr_array_add (drifts, drift);
        }
    }
  return TRUE;
}

/* The line naming one changed statement, for a message or a problem. */
static char *
drift_line (UpgDrift *d)
{
  char sha256[UPG_SQL_STATEMENT_SHA256_SIZE];

  upg_sql_statement_sha256_into (d->statement, sha256);
  return g_strdup_printf (_("%s:%u: applied in execution %s with sha256 %s, the file now has sha256 %s"),
                          upg_sql_statement_get_file (d->statement), upg_sql_statement_get_line (d->statement),
                          d->execution_id, d->applied_sha256, sha256);
}

/* The drift of one upgrade step of the bundle, its scripts split in the
 * dialect of its data source in @config (none configured: not checked). */
static gboolean
step_drift (UpgJournal  *self,
            UpgBundle   *bundle,
            UpgConfig   *config,
            const char  *site,
            UpgStep     *step,
            GPtrArray   *drifts,
            GError     **error)
{
  const char * const *files = upg_step_get_sql_scripts (step);
  UpgDataSource *source = upg_step_get_database (step) != NULL
                            ? upg_config_lookup_data_source (config, upg_step_get_database (step)) : NULL;
  g_autoptr(GHashTable) scripts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) g_ptr_array_unref);

  if (upg_step_get_kind (step) != UPG_STEP_KIND_SQL || source == NULL)
    return TRUE;
  for (guint f = 0; files != NULL && files[f] != NULL; f++)
    {
      g_autofree char *path = upg_bundle_resolve_path (bundle, files[f], error);
      GPtrArray *statements;

      if (path == NULL)
        return FALSE;
      statements = upg_sql_split_script (upg_bundle_get_path (bundle), path, files[f],
                                         upg_data_source_get_dialect (source), upg_sql_config_dialect, config, error);
      if (statements == NULL)
        return FALSE;
      g_hash_table_insert (scripts, g_strdup (files[f]), statements);
    }
  return upg_journal_find_drift (self, site, step, scripts, drifts, error);
}

/**
 * upg_journal_check_bundle_drift: (skip)
 * @self: the journal
 * @bundle: the bundle as it is now
 * @config: the site's configuration (data sources, for the dialects)
 * @site: the site
 * @problems: (element-type utf8): where one message per changed statement
 *   is added (`validate`)
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the bundle's scripts and the journal could be read
 */
gboolean
upg_journal_check_bundle_drift (UpgJournal  *self,
                                UpgBundle   *bundle,
                                UpgConfig   *config,
                                const char  *site,
                                GPtrArray   *problems,
                                GError     **error)
{
  GPtrArray *manifests = upg_bundle_get_manifests (bundle);
  g_autoptr(GPtrArray) drifts = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_drift_free);

  for (guint m = 0; m < manifests->len; m++)
    for (guint s = 0; s < UPG_N_STAGES; s++)
      {
        GPtrArray *steps = upg_manifest_get_steps (manifests->pdata[m], s);

        for (guint i = 0; i < steps->len; i++)
          if (!step_drift (self, bundle, config, site, steps->pdata[i], drifts, error))
            return FALSE;
      }
  for (guint i = 0; i < drifts->len; i++)
    {
      g_autofree char *line = drift_line (g_ptr_array_index (drifts, i));

      g_ptr_array_add (problems, g_strdup_printf (_("%s (changed after it was applied; run --accept-changed to"
                                                    " accept it)"), line));
    }
  return TRUE;
}

/**
 * upg_drift_error: (skip)
 * @drifts: (element-type UpgDrift): what upg_journal_find_drift() found
 *   (not empty)
 *
 * Sets %UPG_ERROR_INVALID_BUNDLE (exit 2) naming every changed statement.
 */
void
upg_drift_error (GPtrArray  *drifts,
                 GError    **error)
{
  g_autoptr(GString) list = g_string_new (NULL);

  for (guint i = 0; i < drifts->len; i++)
    {
      g_autofree char *line = drift_line (g_ptr_array_index (drifts, i));

      g_string_append_printf (list, "\n  %s", line);
    }
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
               g_dngettext (GETTEXT_PACKAGE,
                            "%u statement changed after it was applied (run --accept-changed to accept the new text):%s",
                            "%u statements changed after they were applied (run --accept-changed to accept the new"
                            " text):%s", drifts->len),
               drifts->len, list->str);
}

/**
 * upg_journal_accept_drift: (skip)
 * @self: the journal
 * @drift: a changed statement
 * @execution_id: the execution that accepts it
 * @error: return location for a #GError
 *
 * The applied record takes the file's text and hash; its message keeps
 * the hash it had and says who accepted the change (user@host), when and
 * in which execution.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_accept_drift (UpgJournal  *self,
                          UpgDrift    *drift,
                          const char  *execution_id,
                          GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *when = g_date_time_format_iso8601 (now);
  char sha256[UPG_SQL_STATEMENT_SHA256_SIZE];
  g_autofree char *message = g_strdup_printf ("text changed after it was applied (sha256 %s); the change was"
                                              " accepted by %s@%s at %s in execution %s (--accept-changed)",
                                              drift->applied_sha256, g_get_user_name (), g_get_host_name (), when,
                                              execution_id);
  const char *values[] = { upg_sql_statement_get_text (drift->statement), sha256, message, drift->record_id };

  upg_sql_statement_sha256_into (drift->statement, sha256);

  UPG_JOURNAL_LOCK (self);
  return upg_journal_sql_exec (self->connection, "UPDATE sql_execution_record SET statement = ?, sha256 = ?,"
                               " error_message = ? WHERE id = ?", values, G_N_ELEMENTS (values), error);
}
