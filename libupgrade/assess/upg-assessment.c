/* upg-assessment.c - resources, data quality, compatibility and duration of a plan
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-assessment.h"
#include "upg-assessment-private.h"
#include "upg-estimate-private.h"
#include "upg-step-private.h"

/**
 * UpgAssessment:
 *
 * The outcome of upg_assessor_run(): items that each `pass`, `warn`, `fail`
 * or are `skipped` (a rule outside its version range, a database that does
 * not exist at this site), with figures and a suggestion; the overall
 * verdict is the worst item, skipped items not counting; the plan's mode;
 * and the duration estimate.
 */
struct _UpgAssessment
{
  GObject parent_instance;

  UpgVerdict   verdict;
  UpgPlanMode  mode;
  GPtrArray   *items;
  UpgEstimate *estimate;
  char        *from;
  char        *to;
  char        *site;
};

G_DEFINE_FINAL_TYPE (UpgAssessment, upg_assessment, G_TYPE_OBJECT)

static void
upg_assessment_finalize (GObject *object)
{
  UpgAssessment *self = UPG_ASSESSMENT (object);

  g_ptr_array_unref (self->items);
  g_clear_object (&self->estimate);
  g_free (self->from);
  g_free (self->to);
  g_free (self->site);
  G_OBJECT_CLASS (upg_assessment_parent_class)->finalize (object);
}

static void
upg_assessment_class_init (UpgAssessmentClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_assessment_finalize;
}

static void
upg_assessment_init (UpgAssessment *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * upg_assessment_get_verdict:
 * @self: an assessment
 *
 * Gets the worst verdict of the items.
 *
 * Returns: the worst verdict of the items (skipped items do not count);
 *   %UPG_VERDICT_PASS when every item passed or was skipped
 */
UpgVerdict
upg_assessment_get_verdict (UpgAssessment *self)
{
  g_return_val_if_fail (UPG_IS_ASSESSMENT (self), UPG_VERDICT_FAIL);
  return self->verdict;
}

/**
 * upg_assessment_get_mode:
 * @self: an assessment
 *
 * Tells whether the upgrade can roll or must stop the service.
 *
 * Returns: whether the upgrade can roll or must stop the service
 */
UpgPlanMode
upg_assessment_get_mode (UpgAssessment *self)
{
  g_return_val_if_fail (UPG_IS_ASSESSMENT (self), UPG_PLAN_MODE_STOP_SERVICE);
  return self->mode;
}

/**
 * upg_assessment_get_items:
 * @self: an assessment
 *
 * Gets the items, by check.
 *
 * Returns: (transfer none) (element-type UpgCheckResult): the items, by
 *   check: resource, data_quality, middleware, compatibility, duration
 */
GPtrArray *
upg_assessment_get_items (UpgAssessment *self)
{
  g_return_val_if_fail (UPG_IS_ASSESSMENT (self), NULL);
  return self->items;
}

/**
 * upg_assessment_get_estimate:
 * @self: an assessment
 *
 * Gets the duration estimate of the plan.
 *
 * Returns: (transfer none): the duration estimate of the plan
 */
UpgEstimate *
upg_assessment_get_estimate (UpgAssessment *self)
{
  g_return_val_if_fail (UPG_IS_ASSESSMENT (self), NULL);
  return self->estimate;
}

/**
 * upg_assessment_to_json:
 * @self: an assessment
 *
 * The `upgradectl assess --json` document (SPEC §9): `{"verdict", "mode",
 * "from", "to", "site", "items": [{"check", "id", "name", "verdict",
 * "message", "suggestion", "figures": {}}], "estimate": {"stages":
 * [{"stage", "seconds"}], "total_seconds", "downtime_seconds", "steps"}}`.
 *
 * Returns: (transfer full): the JSON object
 */
JsonNode *
upg_assessment_to_json (UpgAssessment *self)
{
  JsonObject *root = json_object_new ();
  JsonArray *items = json_array_new ();

  g_return_val_if_fail (UPG_IS_ASSESSMENT (self), NULL);

  json_object_set_string_member (root, "verdict", upg_verdict_to_string (self->verdict));
  json_object_set_string_member (root, "mode",
                                 self->mode == UPG_PLAN_MODE_ROLLING ? "rolling" : "stop-service");
  json_object_set_string_member (root, "from", self->from);
  json_object_set_string_member (root, "to", self->to);
  if (self->site != NULL)
    json_object_set_string_member (root, "site", self->site);
  else
    json_object_set_null_member (root, "site");
  for (guint i = 0; i < self->items->len; i++)
    json_array_add_element (items, upg_check_result_to_json (self->items->pdata[i]));
  json_object_set_array_member (root, "items", items);
  json_object_set_member (root, "estimate", upg_estimate_to_json (self->estimate));
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, root);
  return node;
}

/**
 * upg_assessment_render:
 * @self: an assessment
 * @format: how to render it
 *
 * Renders the assessment report with upg_report_render_assessment().
 *
 * Returns: (transfer full): the report
 */
char *
upg_assessment_render (UpgAssessment   *self,
                       UpgReportFormat  format)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (UPG_IS_ASSESSMENT (self), NULL);

  node = upg_assessment_to_json (self);
  return upg_report_render_assessment (json_node_get_object (node), format);
}

/**
 * upg_assessment_exit_code:
 * @self: an assessment
 *
 * Maps the assessment's verdict to the exit code of `upgradectl assess`.
 *
 * Returns: the `upgradectl assess` exit code: 0 pass, 4 passed with
 *   warnings, 1 failed
 */
int
upg_assessment_exit_code (UpgAssessment *self)
{
  g_return_val_if_fail (UPG_IS_ASSESSMENT (self), 1);

  switch (self->verdict)
    {
    case UPG_VERDICT_WARN:
      return 4;
    case UPG_VERDICT_FAIL:
      return 1;
    case UPG_VERDICT_PASS:
    case UPG_VERDICT_SKIPPED:
    default:
      return 0;
    }
}

/* The assessor ----------------------------------------------------------- */

/**
 * UpgAssessor:
 *
 * Runs every check of a plan in one call: host resources against the
 * manifests' `required_resources` and the design documents' thresholds,
 * backup and double-write space, the manifests' data-quality rules and
 * middleware versions on the site's data sources, compatibility, the
 * duration estimate, and the checks of loaded plugins (host-resources,
 * component plugins). Plugin items whose check and id repeat an item the
 * assessor already made are dropped, so a plugin re-reading the same
 * manifest checks does not count twice. Plugins receive the backup size
 * measured here as the `backup_size_bytes` param (host-resources checks
 * every path it writes to against it); the disk path measured here has
 * its own item, `disk:<path>`, and the plugin's item for it is dropped.
 */
struct _UpgAssessor
{
  GObject parent_instance;

  UpgPlan          *plan;
  UpgConfig        *config;
  JsonObject       *env;
  UpgPluginManager *plugins;
  char             *disk_path;
  UpgJournal       *journal;
};

G_DEFINE_FINAL_TYPE (UpgAssessor, upg_assessor, G_TYPE_OBJECT)

static void
upg_assessor_finalize (GObject *object)
{
  UpgAssessor *self = UPG_ASSESSOR (object);

  g_clear_object (&self->plan);
  g_clear_object (&self->config);
  g_clear_pointer (&self->env, json_object_unref);
  g_clear_object (&self->plugins);
  g_free (self->disk_path);
  g_clear_object (&self->journal);
  G_OBJECT_CLASS (upg_assessor_parent_class)->finalize (object);
}

static void
upg_assessor_class_init (UpgAssessorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_assessor_finalize;
}

static void
upg_assessor_init (UpgAssessor *self)
{
}

/**
 * upg_assessor_new:
 * @plan: the plan to assess
 * @config: (nullable): the site configuration (its data sources); without
 *   one every database check is skipped
 *
 * Creates an assessor for @plan; run it with upg_assessor_run_async().
 *
 * Returns: (transfer full): a new assessor
 */
UpgAssessor *
upg_assessor_new (UpgPlan   *plan,
                  UpgConfig *config)
{
  UpgAssessor *self;

  g_return_val_if_fail (UPG_IS_PLAN (plan), NULL);
  g_return_val_if_fail (config == NULL || UPG_IS_CONFIG (config), NULL);

  self = g_object_new (UPG_TYPE_ASSESSOR, NULL);
  self->plan = g_object_ref (plan);
  self->config = config != NULL ? g_object_ref (config) : NULL;
  if (config != NULL && upg_config_get_env (config) != NULL)
    self->env = json_object_ref (upg_config_get_env (config));
  if (config != NULL && upg_config_get_path (config) != NULL)
    self->disk_path = g_path_get_dirname (upg_config_get_path (config));
  return self;
}

/**
 * upg_assessor_set_env:
 * @self: an assessor
 * @env: (nullable): the environment plugins receive (`--env`); replaces
 *   the configuration's `env`
 *
 * Sets the environment plugins receive (`--env`).
 */
void
upg_assessor_set_env (UpgAssessor *self,
                      JsonObject  *env)
{
  g_return_if_fail (UPG_IS_ASSESSOR (self));
  g_clear_pointer (&self->env, json_object_unref);
  self->env = env != NULL ? json_object_ref (env) : NULL;
}

/**
 * upg_assessor_set_plugin_manager:
 * @self: an assessor
 * @manager: (nullable): the plugins whose check interfaces also run
 *
 * Sets the plugins whose check interfaces also run.
 */
void
upg_assessor_set_plugin_manager (UpgAssessor      *self,
                                 UpgPluginManager *manager)
{
  g_return_if_fail (UPG_IS_ASSESSOR (self));
  g_set_object (&self->plugins, manager);
}

/**
 * upg_assessor_set_disk_path:
 * @self: an assessor
 * @path: (nullable): a directory on the file system that receives backups
 *   and double writes; its free space is what the disk items compare.
 *   Defaults to the configuration's directory, else the current one.
 *
 * Sets the directory whose file system's free space the disk items
 * compare.
 */
void
upg_assessor_set_disk_path (UpgAssessor *self,
                            const char  *path)
{
  g_return_if_fail (UPG_IS_ASSESSOR (self));
  g_free (self->disk_path);
  self->disk_path = g_strdup (path);
}

/**
 * upg_assessor_set_journal:
 * @self: an assessor
 * @journal: (nullable): the site's journal, whose earlier backups give a
 *   measured dump rate to the `backup` steps that declare no `rate`
 *
 * Sets the journal the duration estimate of backup steps reads
 * (docs/backups.md). Nothing is written to it.
 */
void
upg_assessor_set_journal (UpgAssessor *self,
                          UpgJournal  *journal)
{
  g_return_if_fail (UPG_IS_ASSESSOR (self));
  g_return_if_fail (journal == NULL || UPG_IS_JOURNAL (journal));
  g_set_object (&self->journal, journal);
}

/* Resource items --------------------------------------------------------- */

static UpgCheckResult *
capacity_item (const char *id,
               const char *name,
               guint64     have,
               guint64     need,
               gboolean    bytes,
               const char *suggestion)
{
  g_autofree char *have_text = bytes ? g_format_size_full (have, G_FORMAT_SIZE_IEC_UNITS)
                                     : g_strdup_printf ("%" G_GUINT64_FORMAT, have);
  g_autofree char *need_text = bytes ? g_format_size_full (need, G_FORMAT_SIZE_IEC_UNITS)
                                     : g_strdup_printf ("%" G_GUINT64_FORMAT, need);
  g_autofree char *message = NULL;
  UpgCheckResult *item;
  UpgVerdict verdict = have >= need ? UPG_VERDICT_PASS : UPG_VERDICT_FAIL;

  if (have == 0)
    {
      message = g_strdup_printf (_("%s could not be measured on this host"), name);
      verdict = UPG_VERDICT_WARN;
    }
  else
    message = g_strdup_printf (_("%s: %s available, %s required"), name, have_text, need_text);
  item = upg_check_result_new (UPG_CHECK_KIND_RESOURCE, id, name, verdict, message);
  upg_check_result_set_figure_int (item, "available", (gint64) have);
  upg_check_result_set_figure_int (item, "required", (gint64) need);
  if (verdict != UPG_VERDICT_PASS)
    upg_check_result_set_suggestion (item, suggestion);
  return item;
}

static void
required_resources (UpgPlan *plan,
                    guint64 *memory,
                    guint64 *disk,
                    guint   *cpus)
{
  GPtrArray *manifests = upg_plan_get_manifests (plan);

  *memory = *disk = 0;
  *cpus = 0;
  for (guint i = 0; manifests != NULL && i < manifests->len; i++)
    {
      *memory = MAX (*memory, upg_manifest_get_required_memory (manifests->pdata[i]));
      *disk = MAX (*disk, upg_manifest_get_required_disk (manifests->pdata[i]));
      *cpus = MAX (*cpus, upg_manifest_get_required_cpus (manifests->pdata[i]));
    }
}

/* The steps that write their data twice (`"double_write": true`), "id
 * (version)" each, and the bytes they write: their data_volume. A step
 * that only moves or converts data needs no second copy's space. */
static guint64
double_written_volume (UpgPlan  *plan,
                       GString  *step_names)
{
  guint64 volume = 0;

  for (UpgStage stage = 0; stage < UPG_N_STAGES; stage++)
    {
      GPtrArray *steps = upg_plan_get_steps (plan, stage);

      for (guint i = 0; steps != NULL && i < steps->len; i++)
        {
          UpgStep *step = steps->pdata[i];
          g_autofree char *version = NULL;

          /* Those with tables are measured on their server instead
           * (upg-assessment-double-write.c). */
          if (!upg_step_get_double_write (step) || upg_step_get_double_write_tables (step) != NULL)
            continue;
          version = upg_version_to_string (upg_step_get_version (step));
          g_string_append_printf (step_names, "%s%s (%s)", step_names->len > 0 ? ", " : "",
                                  upg_step_get_id (step), version);
          volume += upg_step_get_data_volume (step);
        }
    }
  return volume;
}

/* The double-write item names the steps it counts and the disk it
 * measured, so that an operator sees which step needs the space where. */
static UpgCheckResult *
double_write_item (const UpgHostFigures *host,
                   guint64               volume,
                   const char           *step_names)
{
  guint64 need = (guint64) (volume * 2 * (1.0 + UPG_ASSESSMENT_DOUBLE_WRITE_BUFFER));
  const char *disk = host->disk_path != NULL ? host->disk_path : "";
  g_autofree char *name = g_strdup_printf (_("double-write space on %s for %s"), disk, step_names);
  UpgCheckResult *item = capacity_item ("double_write", name, host->free_disk, need, TRUE,
                                        _("migrations keep old and new data side by side: free disk space "
                                          "(data × 2 + 15 %) first"));

  upg_check_result_set_figure_int (item, "data_volume", (gint64) volume);
  upg_check_result_set_figure_string (item, "path", disk);
  upg_check_result_set_figure_string (item, "steps", step_names);
  return item;
}

static void
add_resource_items (UpgAssessor          *self,
                    const UpgHostFigures *host,
                    GPtrArray            *items)
{
  g_autoptr(GString) double_writers = g_string_new (NULL);
  guint64 memory, disk, volume = double_written_volume (self->plan, double_writers);
  guint cpus;

  required_resources (self->plan, &memory, &disk, &cpus);
  g_ptr_array_add (items, capacity_item ("memory", _("free memory"), host->available_memory,
                                         MAX (memory, UPG_ASSESSMENT_MIN_FREE_MEMORY), TRUE,
                                         _("free memory (stop other services) or add memory")));
  g_ptr_array_add (items, capacity_item ("cpus", _("processors"), host->cpus, MAX (cpus, 1u), FALSE,
                                         _("run the upgrade on a host with more processors")));
  g_ptr_array_add (items, capacity_item ("disk", _("free disk"), host->free_disk, disk, TRUE,
                                         _("free disk space before the upgrade")));
  if (volume > 0)
    g_ptr_array_add (items, double_write_item (host, volume, double_writers->str));
}

/* Compatibility and duration items --------------------------------------- */

static void
add_compatibility_items (UpgAssessor *self,
                         GPtrArray   *items)
{
  GPtrArray *incompatible = upg_plan_get_incompatible_steps (self->plan);
  g_autofree char *from = upg_version_to_string (upg_plan_get_from (self->plan));

  if (incompatible == NULL || incompatible->len == 0)
    {
      g_autofree char *message = g_strdup_printf (_("every step is compatible with %s: rolling upgrade without downtime"),
                                                  from);

      g_ptr_array_add (items, upg_check_result_new (UPG_CHECK_KIND_COMPATIBILITY, "mode",
                                                    _("upgrade mode"), UPG_VERDICT_PASS, message));
      return;
    }
  for (guint i = 0; i < incompatible->len; i++)
    {
      UpgStep *step = incompatible->pdata[i];
      g_autofree char *version = upg_version_to_string (upg_step_get_version (step));
      g_autofree char *message = g_strdup_printf (_("step %s (%s) needs the service stopped: %s"),
                                                  upg_step_get_id (step), version,
                                                  upg_plan_get_incompatible_reason (self->plan, step));
      const char *name = upg_step_get_name (step);
      UpgCheckResult *item = upg_check_result_new (UPG_CHECK_KIND_COMPATIBILITY, upg_step_get_id (step),
                                                   name != NULL ? name : upg_step_get_id (step),
                                                   UPG_VERDICT_WARN, message);

      upg_check_result_set_figure_string (item, "version", version);
      upg_check_result_set_figure_string (item, "stage", upg_stage_to_string (upg_step_get_stage (step)));
      upg_check_result_set_suggestion (item, _("upgrade in stop-service mode; a person confirms this step"));
      g_ptr_array_add (items, item);
    }
}

static void
add_duration_items (UpgEstimate *estimate,
                    GPtrArray   *items)
{
  g_autoptr(GPtrArray) long_steps = upg_estimate_get_long_steps (estimate);
  g_autofree char *total = upg_format_seconds (upg_estimate_get_total_seconds (estimate));
  g_autofree char *downtime = upg_format_seconds (upg_estimate_get_downtime_seconds (estimate));
  g_autofree char *after = upg_format_seconds (upg_estimate_get_stage_seconds (estimate, UPG_STAGE_POST_START) +
                                                upg_estimate_get_stage_seconds (estimate, UPG_STAGE_POST_UPGRADE));
  g_autofree char *message = g_strdup_printf (_("about %s until the service is open again (downtime %s); "
                                                "%s more after it opens"), total, downtime, after);
  UpgCheckResult *item = upg_check_result_new (UPG_CHECK_KIND_DURATION, "total", _("upgrade window"),
                                               UPG_VERDICT_PASS, message);

  upg_check_result_set_figure_int (item, "total_seconds", (gint64) upg_estimate_get_total_seconds (estimate));
  upg_check_result_set_figure_int (item, "downtime_seconds", (gint64) upg_estimate_get_downtime_seconds (estimate));
  g_ptr_array_add (items, item);

  for (guint i = 0; i < long_steps->len; i++)
    {
      UpgStep *step = long_steps->pdata[i];
      UpgStage stage = upg_step_get_stage (step);
      guint64 seconds = upg_estimate_get_step_seconds (estimate, step);
      g_autofree char *text = upg_format_seconds (seconds);
      g_autofree char *step_message = g_strdup_printf (_("step %s is estimated at %s (over 5 minutes) in %s"),
                                                       upg_step_get_id (step), text, upg_stage_to_string (stage));
      g_autofree char *suggestion = upg_estimate_get_suggestion (estimate, step);
      const char *name = upg_step_get_name (step);

      /* A long step only delays the opening when it runs before it. */
      item = upg_check_result_new (UPG_CHECK_KIND_DURATION, upg_step_get_id (step),
                                   name != NULL ? name : upg_step_get_id (step),
                                   stage <= UPG_STAGE_IN_STOP ? UPG_VERDICT_WARN : UPG_VERDICT_PASS,
                                   step_message);
      upg_check_result_set_figure_int (item, "seconds", (gint64) seconds);
      upg_check_result_set_suggestion (item, suggestion);
      g_ptr_array_add (items, item);
    }
}

/* Running ---------------------------------------------------------------- */

static int
kind_rank (UpgCheckResult *item)
{
  static const char * const order[] = {
    UPG_CHECK_KIND_RESOURCE, UPG_CHECK_KIND_DATA_QUALITY, UPG_CHECK_KIND_MIDDLEWARE,
    UPG_CHECK_KIND_COMPATIBILITY, UPG_CHECK_KIND_DURATION,
  };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if (g_strcmp0 (upg_check_result_get_kind (item), order[i]) == 0)
      return i;
  return G_N_ELEMENTS (order);
}

static int
compare_kinds (gconstpointer a,
               gconstpointer b)
{
  return kind_rank (*(UpgCheckResult **) a) - kind_rank (*(UpgCheckResult **) b);
}

/* Returns the backup bytes of all databases measured. */
static guint64
add_database_items (UpgAssessor          *self,
                    const UpgHostFigures *host,
                    UpgEstimate          *estimate,
                    GCancellable         *cancellable,
                    GPtrArray            *items)
{
  g_autoptr(UpgCheckSources) sources = upg_check_sources_new (self->config, cancellable);
  GPtrArray *manifests = upg_plan_get_manifests (self->plan);
  g_autoptr(GHashTable) sized = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  UpgBackupTotal backups = { host, 0, 0, 0, sized };
  UpgCheckResult *total;

  /* One item per (check, subject) over the whole plan, not per manifest. */
  upg_assessment_check_backup (sources, manifests, &backups, items);
  upg_assessment_check_backup_steps (sources, self->plan, self->journal, estimate, &backups, items);
  upg_assessment_check_data_quality (sources, manifests, upg_plan_get_from (self->plan),
                                     upg_plan_get_to (self->plan), items);
  upg_assessment_check_middleware (sources, manifests, items);
  upg_assessment_check_measured_double_write (sources, self->plan, items);
  upg_assessment_check_redis_memory (sources, self->plan, items);
  if ((total = upg_assessment_backup_total_item (&backups)) != NULL)
    g_ptr_array_add (items, total);
  return backups.backup_bytes;
}

/**
 * upg_assessor_run:
 * @self: an assessor
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Runs every check. Problems found are items of the assessment, not
 * errors: an unreachable database fails its items with the connection
 * error, an SQL error fails its rule with the database's message.
 *
 * Returns: (transfer full): the assessment, or %NULL with
 *   %G_IO_ERROR_CANCELLED when @cancellable was cancelled
 */
UpgAssessment *
upg_assessor_run (UpgAssessor   *self,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(UpgAssessment) assessment = NULL;
  g_autofree char *disk_path = NULL;
  UpgHostFigures host;
  guint64 backup_bytes;

  g_return_val_if_fail (UPG_IS_ASSESSOR (self), NULL);

  assessment = g_object_new (UPG_TYPE_ASSESSMENT, NULL);
  assessment->mode = upg_plan_get_mode (self->plan);
  assessment->from = upg_version_to_string (upg_plan_get_from (self->plan));
  assessment->to = upg_version_to_string (upg_plan_get_to (self->plan));
  assessment->site = g_strdup (upg_plan_get_site_id (self->plan));
  assessment->estimate = upg_estimate_new_for_plan (self->plan);

  /* Canonical, as the host-resources plugin names the paths it checks. */
  disk_path = g_canonicalize_filename (self->disk_path != NULL ? self->disk_path : ".", NULL);
  upg_host_figures_measure (&host, disk_path);
  add_resource_items (self, &host, assessment->items);
  backup_bytes = add_database_items (self, &host, assessment->estimate, cancellable, assessment->items);
  add_compatibility_items (self, assessment->items);
  upg_assessment_estimate_config_steps (self->plan, self->journal, assessment->estimate);
  add_duration_items (assessment->estimate, assessment->items);
  upg_assessment_add_plugin_items (self->plugins, self->plan, self->config, self->env, backup_bytes,
                                   cancellable, assessment->items);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  g_ptr_array_sort (assessment->items, compare_kinds);
  assessment->verdict = UPG_VERDICT_PASS;
  for (guint i = 0; i < assessment->items->len; i++)
    assessment->verdict = upg_verdict_worst (assessment->verdict,
                                             upg_check_result_get_verdict (assessment->items->pdata[i]));
  return g_steal_pointer (&assessment);
}

static void
run_in_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  UpgAssessment *assessment = upg_assessor_run (source, cancellable, &error);

  if (assessment == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, assessment, g_object_unref);
}

/**
 * upg_assessor_run_async:
 * @self: an assessor
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the assessment is done
 * @user_data: data for @callback
 *
 * Runs upg_assessor_run() in a worker thread.
 */
void
upg_assessor_run_async (UpgAssessor         *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (UPG_IS_ASSESSOR (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, upg_assessor_run_async);
  g_task_run_in_thread (task, run_in_thread);
}

/**
 * upg_assessor_run_finish:
 * @self: an assessor
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes an assessment started with upg_assessor_run_async().
 *
 * Returns: (transfer full): the assessment, or %NULL with @error set
 */
UpgAssessment *
upg_assessor_run_finish (UpgAssessor   *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
