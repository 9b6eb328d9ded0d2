/* upg-assessment-backup-steps.c - the space and time of the plan's
 * `backup` steps
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each `backup` step of the plan (any stage) dumps tables of one data
 * source into the state directory's `backups/` (SPEC §4). Its tables
 * (all of them when the step names none) are sized on their server as
 * the backup runner sizes them before it dumps (upg-table-sizes.c):
 * (data + index) × 1.5 must be free where the backups go, which the step
 * checks again before it starts. Here each step gets an item comparing
 * its need with the free space of the backup directory (2 × passes, 1 ×
 * warns, less fails), the steps count in the `disk:` total with the
 * manifests' `backup_tables` (a table both name counts once: the
 * manifests' check describes the same dump), and each step's duration
 * becomes its (data + index) over a rate: the step's `rate`, else one
 * measured from the journal's latest successful backup of the same data
 * source and tables (today's size over that dump's duration: the tables
 * are assumed not to have changed much since), else
 * UPG_ESTIMATE_DEFAULT_BACKUP_RATE (docs/backups.md).
 */
#include "config.h"

#include <sys/statvfs.h>
#include <glib/gi18n-lib.h>

#include "upg-assessment-private.h"
#include "upg-estimate-private.h"
#include "upg-journal-backups-private.h"
#include "upg-step-private.h"
#include "upg-table-sizes-private.h"

/* The free bytes where backups land: `<disk path>/backups` once it
 * exists (it may be a mount of its own), else the disk path. */
static guint64
backup_dir_free (const UpgHostFigures *host,
                 char                **dir_out)
{
  g_autofree char *dir = host->disk_path != NULL ? g_build_filename (host->disk_path, "backups", NULL) : NULL;
  struct statvfs fs;

  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR) || statvfs (dir, &fs) != 0)
    {
      *dir_out = g_strdup (host->disk_path != NULL ? host->disk_path : "");
      return host->free_disk;
    }
  *dir_out = g_steal_pointer (&dir);
  return (guint64) fs.f_bavail * fs.f_frsize;
}

static UpgCheckResult *
sized_item (UpgStep              *step,
            const char           *id,
            const char           *name,
            const UpgBackupSpec  *spec,
            guint64               bytes,
            const char           *missing,
            const UpgHostFigures *host)
{
  guint64 need = (guint64) (bytes * UPG_BACKUP_SPACE_FACTOR);
  g_autofree char *dir = NULL;
  guint64 free_bytes = backup_dir_free (host, &dir);
  g_autofree char *need_text = g_format_size_full (need, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *free_text = g_format_size_full (free_bytes, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *message = NULL;
  UpgVerdict verdict = upg_assessment_backup_verdict (free_bytes, need);
  UpgCheckResult *item;

  /* TRANSLATORS: step id, data source, space needed, free space, directory */
  message = g_strdup_printf (_("backup step %s dumps %s: about %s needed ((data + index) × 1.5); %s free in '%s', "
                               "2 × backup required"), upg_step_get_id (step), spec->database, need_text, free_text,
                             dir);
  if (*missing != '\0')
    {
      g_autofree char *with_missing = g_strdup_printf (_("%s; tables not found: %s"), message, missing);

      g_free (message);
      message = g_steal_pointer (&with_missing);
      verdict = MAX (verdict, UPG_VERDICT_WARN);
    }
  item = upg_check_result_new (UPG_CHECK_KIND_RESOURCE, id, name, verdict, message);
  upg_check_result_set_figure_int (item, "data_index_bytes", (gint64) bytes);
  upg_check_result_set_figure_int (item, "backup_bytes", (gint64) need);
  upg_check_result_set_figure_int (item, "free_bytes", (gint64) free_bytes);
  upg_check_result_set_figure_string (item, "path", dir);
  if (verdict != UPG_VERDICT_PASS)
    upg_check_result_set_suggestion (item, *missing != '\0'
                                     ? _("check the table names of the backup step")
                                     : _("free disk space (at least twice the backup size) before the upgrade"));
  return item;
}

/* Sizes @spec's tables (all of them when it names none), and apart in
 * @unsized those the manifests' backup_tables did not size already: the
 * same tables are one backup, not two, in the total. */
static gboolean
measure (UpgConnection       *connection,
         const UpgBackupSpec *spec,
         GHashTable          *sized,
         UpgTableSizes       *sizes,
         UpgTableSizes       *unsized,
         GError             **error)
{
  g_auto(GStrv) all = NULL;
  g_autoptr(GPtrArray) rest = g_ptr_array_new ();
  const char * const *tables = (const char * const *) spec->tables;

  if (tables == NULL)
    {
      if ((all = upg_table_list (connection, NULL, error)) == NULL)
        return FALSE;
      tables = (const char * const *) all;
    }
  for (guint t = 0; tables[t] != NULL; t++)
    {
      g_autofree char *key = g_strdup_printf ("%s\x1f%s", spec->database, tables[t]);

      if (!g_hash_table_contains (sized, key))
        g_ptr_array_add (rest, (char *) tables[t]);
    }
  g_ptr_array_add (rest, NULL);
  return upg_table_sizes_measure (connection, tables, sizes, NULL, error) &&
         (rest->len == 1 ||
          upg_table_sizes_measure (connection, (const char * const *) rest->pdata, unsized, NULL, error));
}

/* Whether the JSON array @tables_json (NULL: the whole database) names
 * exactly @tables, in order. */
static gboolean
same_tables (const char         *tables_json,
             const char * const *tables)
{
  g_autoptr(JsonNode) node = NULL;
  JsonArray *array;

  if (tables_json == NULL || tables == NULL)
    return tables_json == NULL && tables == NULL;
  node = json_from_string (tables_json, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  if (json_array_get_length (array) != g_strv_length ((char **) tables))
    return FALSE;
  for (guint i = 0; tables[i] != NULL; i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), tables[i]) != 0)
      return FALSE;
  return TRUE;
}

/* @bytes over the duration of the latest successful backup of @spec's
 * data source and tables on @site; 0 when there is none to measure. */
static double
measured_rate (UpgJournal          *journal,
               const char          *site,
               const UpgBackupSpec *spec,
               guint64              bytes,
               char               **backup_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) backups = NULL;

  if (journal == NULL || bytes == 0)
    return 0.0;
  backups = upg_journal_list_backups (journal, site, spec->database, &error);
  if (backups == NULL)
    {
      g_debug ("assessment: no measured backup rate: %s", error->message);
      return 0.0;
    }
  for (guint i = 0; i < backups->len; i++)
    {
      UpgBackupRecord *r = g_ptr_array_index (backups, i);

      if (r->finished_at > r->created_at && same_tables (r->tables, (const char * const *) spec->tables))
        {
          *backup_id = g_strdup (r->id);
          return (double) bytes * 1000.0 / (double) (r->finished_at - r->created_at);
        }
    }
  return 0.0;
}

/* Revises @step's estimate to @bytes over its rate, and says which. */
static void
estimate_duration (UpgStep             *step,
                   const UpgBackupSpec *spec,
                   guint64              bytes,
                   UpgJournal          *journal,
                   const char          *site,
                   UpgEstimate         *estimate,
                   UpgCheckResult      *item)
{
  g_autofree char *backup_id = NULL;
  const char *source = "step";
  double rate = upg_step_get_rate (step);

  /* A declared estimated_duration stays the operator's word. */
  if (upg_step_get_estimated_duration (step) > 0)
    return;
  if (!(rate > 0.0) && (rate = measured_rate (journal, site, spec, bytes, &backup_id)) > 0.0)
    source = "journal";
  if (!(rate > 0.0))
    {
      rate = UPG_ESTIMATE_DEFAULT_BACKUP_RATE;
      source = "default";
    }
  upg_estimate_revise_step (estimate, step, MAX (upg_estimate_volume_seconds (bytes, rate, 1), 1u),
                            UPG_ESTIMATE_SOURCE_VOLUME);
  upg_check_result_set_figure_int (item, "rate_bytes_per_second", (gint64) rate);
  upg_check_result_set_figure_string (item, "rate_source", source);
  if (backup_id != NULL)
    upg_check_result_set_figure_string (item, "rate_backup_id", backup_id);
}

static UpgCheckResult *
step_item (UpgCheckSources *sources,
           UpgStep         *step,
           UpgJournal      *journal,
           const char      *site,
           UpgEstimate     *estimate,
           UpgBackupTotal  *total)
{
  const UpgBackupSpec *spec = upg_step_get_backup (step);
  g_autofree char *version = upg_version_to_string (upg_step_get_version (step));
  g_autofree char *id = g_strdup_printf ("backup_step:%s:%s", version, upg_step_get_id (step));
  g_autofree char *name = g_strdup_printf (_("backup space for step %s (%s)"), upg_step_get_id (step), version);
  g_autoptr(GString) missing = g_string_new (NULL);
  g_autoptr(GString) unsized_missing = g_string_new (NULL);
  UpgTableSizes sizes = { 0, 0, missing };
  UpgTableSizes unsized = { 0, 0, unsized_missing };
  g_autoptr(GError) error = NULL;
  g_autofree char *skip = NULL;
  UpgConnection *connection;
  UpgCheckResult *item;
  guint64 bytes;

  connection = upg_check_sources_get (sources, spec->database, &skip, &error);
  if (skip != NULL)
    return upg_check_result_new (UPG_CHECK_KIND_RESOURCE, id, name, UPG_VERDICT_SKIPPED, skip);
  if (connection == NULL || !measure (connection, spec, total->sized, &sizes, &unsized, &error))
    return upg_check_result_new (UPG_CHECK_KIND_RESOURCE, id, name, UPG_VERDICT_FAIL, error->message);

  bytes = sizes.data + sizes.index;
  item = sized_item (step, id, name, spec, bytes, missing->str, total->host);
  total->backup_bytes += (guint64) ((unsized.data + unsized.index) * UPG_BACKUP_SPACE_FACTOR);
  total->n_steps++;
  estimate_duration (step, spec, bytes, journal, site, estimate, item);
  return item;
}

/*
 * upg_assessment_check_backup_steps:
 * @journal: (nullable): the journal whose earlier backups give a rate
 * @estimate: the plan's estimate, whose backup steps are revised
 * @total: the backups of the plan, which the steps are added to
 * @items: the assessment's items, which get one per backup step
 */
void
upg_assessment_check_backup_steps (UpgCheckSources *sources,
                                   UpgPlan         *plan,
                                   UpgJournal      *journal,
                                   UpgEstimate     *estimate,
                                   UpgBackupTotal  *total,
                                   GPtrArray       *items)
{
  for (UpgStage stage = 0; stage < UPG_N_STAGES; stage++)
    {
      GPtrArray *steps = upg_plan_get_steps (plan, stage);

      for (guint i = 0; steps != NULL && i < steps->len; i++)
        if (upg_step_get_kind (steps->pdata[i]) == UPG_STEP_KIND_BACKUP &&
            upg_step_get_backup (steps->pdata[i]) != NULL)
          g_ptr_array_add (items, step_item (sources, steps->pdata[i], journal, upg_plan_get_site_id (plan),
                                             estimate, total));
    }
}
