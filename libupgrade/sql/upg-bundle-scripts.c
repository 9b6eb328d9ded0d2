/* upg-bundle-scripts.c - splitting a bundle's SQL scripts before a run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-bundle-private.h"
#include "upg-step-private.h"
#include "upg-config.h"
#include "upg-data-source.h"
#include "upg-path-private.h"
#include "upg-quality-rule-private.h"
#include "upg-bundle-scripts-private.h"
#include "upg-sql-splitter-private.h"
#include "upg-sql-statement.h"

static void
check_steps (UpgBundle  *self,
             UpgConfig  *config,
             GPtrArray  *steps,
             GHashTable *done,
             GPtrArray  *problems)
{
  for (guint i = 0; i < steps->len; i++)
    {
      UpgStep *step = steps->pdata[i];
      const char * const *files = upg_step_get_sql_scripts (step);
      const char *database = upg_step_get_database (step);
      UpgDataSource *source = database != NULL ? upg_config_lookup_data_source (config, database) : NULL;

      if (upg_step_get_kind (step) != UPG_STEP_KIND_SQL || source == NULL)
        continue;
      for (guint f = 0; files != NULL && files[f] != NULL; f++)
        {
          g_autofree char *why = NULL;
          g_autofree char *path = upg_path_resolve_inside (upg_bundle_get_path (self), files[f], &why);
          g_autofree char *key = g_strdup_printf ("%s\n%d", files[f], upg_data_source_get_dialect (source));
          g_autoptr(GPtrArray) statements = NULL;
          g_autoptr(GError) error = NULL;

          /* A missing file is upg_bundle_validate()'s to report. */
          if (path == NULL || g_hash_table_contains (done, key))
            continue;
          g_hash_table_add (done, g_steal_pointer (&key));
          statements = upg_sql_split_script (upg_bundle_get_path (self), path, files[f],
                                             upg_data_source_get_dialect (source),
                                             upg_sql_config_dialect, config, &error);
          if (statements == NULL)
            g_ptr_array_add (problems, g_strdup_printf (_("step '%s': %s"), upg_step_get_id (step),
                                                        error->message));
        }
    }
}

/*
 * upg_bundle_check_scripts:
 * @self: a bundle
 * @config: the configuration whose data sources the steps name
 * @problems: (element-type utf8): where each problem is added
 *
 * Splits every SQL script of every SQL step (upgrade and rollback) as
 * `run` will, each statement in the dialect of the data source it goes
 * to: what `run` would refuse
 * before sending anything (client commands, includes leaving the bundle,
 * unknown `-- @database:` targets, unterminated quotes…) is found without
 * running. A step whose data source the configuration lacks is skipped:
 * its dialect is unknown (`run` refuses it on its own).
 */
void
upg_bundle_check_scripts (UpgBundle *self,
                          UpgConfig *config,
                          GPtrArray *problems)
{
  GPtrArray *manifests = upg_bundle_get_manifests (self);
  g_autoptr(GHashTable) done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint m = 0; m < manifests->len; m++)
    for (guint stage = 0; stage < UPG_N_STAGES; stage++)
      {
        check_steps (self, config, upg_manifest_get_steps (manifests->pdata[m], stage), done, problems);
        check_steps (self, config, upg_manifest_get_rollback_steps (manifests->pdata[m], stage), done, problems);
      }
}

/*
 * upg_sql_check_includes:
 * @step: a SQL step
 * @scripts: (element-type utf8 GPtrArray): its files' statements, by file
 * @error: return location for a #GError
 *
 * A file included (`source`, `\i`) by two scripts of one step would give
 * two statements the same journal key (step, file, sequence): refused.
 *
 * Returns: %FALSE with %UPG_ERROR_INVALID_BUNDLE if it happens
 */
gboolean
upg_sql_check_includes (UpgStep     *step,
                        GHashTable  *scripts,
                        GError     **error)
{
  const char * const *files = upg_step_get_sql_scripts (step);
  g_autoptr(GHashTable) included_by = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; files != NULL && files[i] != NULL; i++)
    {
      GPtrArray *statements = g_hash_table_lookup (scripts, files[i]);

      for (guint s = 0; statements != NULL && s < statements->len; s++)
        {
          const char *own = upg_sql_statement_get_file (g_ptr_array_index (statements, s));
          const char *by = g_hash_table_lookup (included_by, own);

          if (g_str_equal (own, files[i]))
            continue;
          if (by == NULL)
            g_hash_table_insert (included_by, (char *) own, (char *) files[i]);
          else if (!g_str_equal (by, files[i]))
            {
              g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                           _("step '%s': '%s' is included by both '%s' and '%s': the journal could not "
                             "tell its statements apart; include it from one script of the step"),
                           upg_step_get_id (step), own, by, files[i]);
              return FALSE;
            }
        }
    }
  return TRUE;
}

static void
check_step_with_config (UpgStep   *step,
                        UpgConfig *config,
                        GPtrArray *problems)
{
  char *problem = upg_step_transaction_problem (step, config);
  const UpgBackupSpec *backup = upg_step_get_backup (step);

  if (problem != NULL)
    g_ptr_array_add (problems, problem);
  problem = backup != NULL ? upg_backup_spec_problem (backup, config, upg_step_get_source_file (step),
                                                      upg_step_get_json_path (step))
                           : NULL;
  if (problem != NULL)
    g_ptr_array_add (problems, problem);
  problem = upg_step_data_source_problem (step, config);
  if (problem != NULL)
    g_ptr_array_add (problems, problem);
}

/*
 * upg_bundle_check_with_config:
 * @self: a bundle
 * @config: the site's configuration
 * @problems: (element-type utf8): where the problems are added
 *
 * What only the configuration tells about the bundle's steps
 * (upg_step_transaction_problem(); their scripts split in the dialects of
 * their data sources, upg_bundle_check_scripts()) and data-quality rules
 * (upg_bundle_check_quality_rules()): `upgradectl validate`
 * with a configuration reports what `run` would refuse.
 */
void
upg_bundle_check_with_config (UpgBundle *self,
                              UpgConfig *config,
                              GPtrArray *problems)
{
  GPtrArray *manifests = upg_bundle_get_manifests (self);

  for (guint m = 0; m < manifests->len; m++)
    for (guint s = 0; s < UPG_N_STAGES; s++)
      {
        GPtrArray *steps = upg_manifest_get_steps (manifests->pdata[m], s);
        GPtrArray *rollback = upg_manifest_get_rollback_steps (manifests->pdata[m], s);

        for (guint i = 0; i < steps->len; i++)
          check_step_with_config (steps->pdata[i], config, problems);
        for (guint i = 0; i < rollback->len; i++)
          check_step_with_config (rollback->pdata[i], config, problems);
      }
  upg_bundle_check_quality_rules (self, config, problems);
  upg_bundle_check_scripts (self, config, problems);
}
