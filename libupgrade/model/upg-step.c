/* upg-step.c - one step of a manifest: the object and its accessors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Reading a step from its manifest object is upg-step-read.c; the
 * fields both share are in upg-step-fields-private.h.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-step-fields-private.h"

/**
 * UpgStep:
 *
 * One unit of work of a manifest, run at one stage: SQL files
 * (`sql_scripts`), a plugin's migration (`class_name`) or an external
 * program (`command`).
 *
 * Site selection: a step applies to a site when `is_common` is true, when it
 * names no `site_ids`, or when its `site_ids` contain the site. `is_common`
 * defaults to true when `site_ids` is absent and to false when it is given,
 * so `"site_ids": ["US"]` alone restricts the step to site US.
 *
 * Members of the step object that are not known are kept (see
 * upg_step_get_json()) and otherwise ignored.
 */

G_DEFINE_FINAL_TYPE (UpgStep, upg_step, G_TYPE_OBJECT)

static void
upg_step_finalize (GObject *object)
{
  UpgStep *self = UPG_STEP (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->description);
  g_free (self->component);
  g_free (self->database);
  g_clear_pointer (&self->version, upg_version_free);
  g_strfreev (self->sql_scripts);
  g_free (self->class_name);
  g_clear_pointer (&self->params, json_object_unref);
  g_strfreev (self->command);
  g_clear_pointer (&self->compatible_version, upg_version_free);
  g_strfreev (self->site_ids);
  g_strfreev (self->depends_on);
  g_strfreev (self->double_write_tables);
  g_free (self->source_file);
  g_free (self->json_path);
  g_clear_pointer (&self->json, json_object_unref);
  g_clear_pointer (&self->batched_migration, upg_batched_migration_spec_free);
  g_clear_pointer (&self->backup, upg_backup_spec_free);
  g_clear_pointer (&self->redis_commands, g_ptr_array_unref);
  g_free (self->redis_pattern);

  G_OBJECT_CLASS (upg_step_parent_class)->finalize (object);
}

static void
upg_step_class_init (UpgStepClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_step_finalize;
}

static void
upg_step_init (UpgStep *self)
{
  self->parallelism = 1;
  self->is_common = TRUE;
}


/**
 * upg_step_new_legacy: (skip)
 * @id: the step id
 * @description: (nullable): what it does
 * @kind: %UPG_STEP_KIND_SQL or %UPG_STEP_KIND_TOOL
 * @target: the SQL file (sql) or the tool's type name (tool)
 * @component: the component
 * @database: (nullable): the target data source
 * @version: the manifest's version
 * @stage: the stage
 * @source_file: the properties file it comes from
 *
 * A step of the legacy properties form: no compatible_version, so it
 * counts as incompatible; common to every site.
 *
 * Returns: (transfer full): the step
 */
UpgStep *
upg_step_new_legacy (const char       *id,
                     const char       *description,
                     UpgStepKind       kind,
                     const char       *target,
                     const char       *component,
                     const char       *database,
                     const UpgVersion *version,
                     UpgStage          stage,
                     const char       *source_file)
{
  UpgStep *self = g_object_new (UPG_TYPE_STEP, NULL);
  const char *scripts[] = { target, NULL };

  self->id = g_strdup (id);
  self->name = g_strdup (description != NULL ? description : id);
  self->description = g_strdup (description);
  self->component = g_strdup (component);
  self->database = g_strdup (database);
  self->kind = kind;
  if (kind == UPG_STEP_KIND_SQL)
    self->sql_scripts = g_strdupv ((char **) scripts);
  else
    self->class_name = g_strdup (target);
  self->params = json_object_new ();
  self->version = upg_version_copy (version);
  self->stage = stage;
  self->source_file = g_strdup (source_file);
  return self;
}

/**
 * upg_step_get_id:
 * @self: a step
 *
 * Gets the step id, unique within its manifest.
 *
 * Returns: (transfer none): the step id, unique within its manifest
 */
const char *
upg_step_get_id (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return self->id;
}

/*
 * upg_step_set_error:
 * @error: return location for a #GError, or %NULL
 * @step: the step that failed
 * @format: printf()-style format of what went wrong, already translated
 * @...: the arguments of @format
 *
 * Sets @error to %UPG_ERROR_STEP_FAILED with @step's id before the
 * message, as every runner names the step that failed ("step 'x': ...",
 * the breakpoint's error).
 *
 * Returns: %FALSE, for `return upg_step_set_error (...);`
 */
gboolean
upg_step_set_error (GError     **error,
                    UpgStep     *step,
                    const char  *format,
                    ...)
{
  g_autofree char *message = NULL;
  va_list args;

  g_return_val_if_fail (UPG_IS_STEP (step), FALSE);

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, _("step '%s': %s"), step->id, message);
  return FALSE;
}

/**
 * upg_step_get_name:
 * @self: a step
 *
 * Gets a human name.
 *
 * Returns: (transfer none): a human name (the id when none is given)
 */
const char *
upg_step_get_name (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return self->name;
}

/**
 * upg_step_get_description:
 * @self: a step
 *
 * Gets the description.
 *
 * Returns: (transfer none) (nullable): the description
 */
const char *
upg_step_get_description (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return self->description;
}

/**
 * upg_step_get_component:
 * @self: a step
 *
 * Gets the step's component.
 *
 * Returns: (transfer none) (nullable): its component (the manifest's by default)
 */
const char *
upg_step_get_component (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return self->component;
}

/**
 * upg_step_get_version:
 * @self: a step
 *
 * Gets the version of its manifest.
 *
 * Returns: (transfer none): the version of its manifest
 */
const UpgVersion *
upg_step_get_version (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return self->version;
}

/**
 * upg_step_get_stage:
 * @self: a step
 *
 * Gets the stage it runs at.
 *
 * Returns: the stage it runs at
 */
UpgStage
upg_step_get_stage (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), UPG_STAGE_RESOURCE_CHECK);
  return self->stage;
}

/**
 * upg_step_get_kind:
 * @self: a step
 *
 * Gets what it executes.
 *
 * Returns: what it executes
 */
UpgStepKind
upg_step_get_kind (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), UPG_STEP_KIND_SQL);
  return self->kind;
}

/**
 * upg_step_is_rollback:
 * @self: a step
 *
 * Tells whether the step is a rollback step.
 *
 * Returns: %TRUE if it comes from `rollback_steps`
 */
gboolean
upg_step_is_rollback (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), FALSE);
  return self->rollback;
}

/**
 * upg_step_get_database:
 * @self: a step
 *
 * Gets the data source its SQL targets.
 *
 * Returns: (transfer none) (nullable): the data source its SQL targets
 */
const char *
upg_step_get_database (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return self->database;
}

/**
 * upg_step_get_sql_scripts:
 * @self: a step
 *
 * Gets the SQL files, relative to the bundle.
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the SQL files,
 *   relative to the bundle; %NULL unless a SQL step
 */
const char * const *
upg_step_get_sql_scripts (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return (const char * const *) self->sql_scripts;
}

/**
 * upg_step_get_class_name:
 * @self: a step
 *
 * Gets the #UpgDataMigration type name of a tool step.
 *
 * Returns: (transfer none) (nullable): the #UpgDataMigration type name of a tool step
 */
const char *
upg_step_get_class_name (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return self->class_name;
}

/**
 * upg_step_get_params:
 * @self: a step
 *
 * Gets the step's `params`.
 *
 * Returns: (transfer none): its `params` (an empty object when none)
 */
JsonObject *
upg_step_get_params (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return self->params;
}

/**
 * upg_step_get_command:
 * @self: a step
 *
 * Gets argv of a command step.
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): argv of a command step
 */
const char * const *
upg_step_get_command (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return (const char * const *) self->command;
}

/**
 * upg_step_get_redis_commands:
 * @self: a step
 *
 * Gets the commands of a `redis` step, each the array of its words.
 *
 * Returns: (transfer none) (nullable) (element-type GStrv): the commands
 */
GPtrArray *
upg_step_get_redis_commands (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return self->redis_commands;
}

/**
 * upg_step_get_redis_pattern:
 * @self: a step
 *
 * Gets the key pattern of a `redis_delete_pattern` step.
 *
 * Returns: (transfer none) (nullable): the pattern (SCAN `MATCH` syntax)
 */
const char *
upg_step_get_redis_pattern (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return self->redis_pattern;
}

/**
 * upg_step_get_compatible_version:
 * @self: a step
 *
 * Gets the lowest source version it is compatible with.
 *
 * Returns: (transfer none) (nullable): the lowest source version it is
 *   compatible with; %NULL: needs manual confirmation
 */
const UpgVersion *
upg_step_get_compatible_version (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return self->compatible_version;
}

/**
 * upg_step_get_timeout:
 * @self: a step
 *
 * Gets the step's timeout in seconds.
 *
 * Returns: its timeout in seconds, 0 when not given (the engine's default)
 */
guint
upg_step_get_timeout (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), 0);
  return self->timeout;
}

/**
 * upg_step_get_retry_count:
 * @self: a step
 *
 * Gets how many times it is retried after a failure.
 *
 * Returns: how many times it is retried after a failure (default 0)
 */
guint
upg_step_get_retry_count (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), 0);
  return self->retry_count;
}

/**
 * upg_step_get_script_transaction:
 * @self: a step
 *
 * Whether the step says `"transaction": "script"`: each of its files runs
 * as one transaction with one marker, so that a failure anywhere in a
 * file leaves nothing of it. Only databases with transactional DDL
 * (PostgreSQL, SQLite) accept it.
 *
 * Returns: %TRUE if each file is one unit; %FALSE (the default) if each
 *   statement, or each BEGIN … COMMIT block of a script, is
 */
gboolean
upg_step_get_script_transaction (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), FALSE);
  return self->script_transaction;
}

/**
 * upg_step_get_json_path: (skip)
 * @self: a step
 *
 * Returns: (transfer none) (nullable): its JSON path in its manifest,
 *   e.g. `$.upgrade_steps.in_stop[1]`; %NULL for a legacy step
 */
const char *
upg_step_get_json_path (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return self->json_path;
}

/**
 * upg_step_get_batched_migration: (skip)
 * @self: a step
 *
 * Returns: (transfer none) (nullable): the parameters of a
 *   `batched_migration` step; %NULL for other kinds
 */
const UpgBatchedMigrationSpec *
upg_step_get_batched_migration (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return self->batched_migration;
}

/**
 * upg_step_get_backup: (skip)
 * @self: a step
 *
 * Returns: (transfer none) (nullable): what a `backup` step dumps; %NULL
 *   for the other kinds
 */
const UpgBackupSpec *
upg_step_get_backup (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return self->backup;
}

/**
 * upg_step_get_site_ids:
 * @self: a step
 *
 * Gets the sites it names.
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the sites it names
 */
const char * const *
upg_step_get_site_ids (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return (const char * const *) self->site_ids;
}

/**
 * upg_step_get_is_common:
 * @self: a step
 *
 * Tells whether it applies to every site (default.
 *
 * Returns: whether it applies to every site (default: %TRUE unless `site_ids` is given)
 */
gboolean
upg_step_get_is_common (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), FALSE);
  return self->is_common;
}

/**
 * upg_step_get_depends_on:
 * @self: a step
 *
 * Gets ids of steps that must run before it.
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): ids of steps
 *   that must run before it
 */
const char * const *
upg_step_get_depends_on (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return (const char * const *) self->depends_on;
}

/**
 * upg_step_get_estimated_duration:
 * @self: a step
 *
 * Gets the step's declared `estimated_duration` in seconds.
 *
 * Returns: its declared `estimated_duration` in seconds, 0 when not given
 */
guint
upg_step_get_estimated_duration (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), 0);
  return self->estimated_duration;
}

/**
 * upg_step_get_double_write:
 * @self: a step
 *
 * Whether the step writes its data a second time while the old copy stays
 * (`"double_write": true`): only such steps count in the assessment's
 * double-write space check, with their `data_volume`.
 *
 * Returns: %TRUE for a double-writing step
 */
gboolean
upg_step_get_double_write (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), FALSE);
  return self->double_write;
}

/**
 * upg_step_get_double_write_tables: (skip)
 * @self: a step
 *
 * Returns: (nullable) (array zero-terminated=1): the tables of the step's
 *   database whose measured size is what it writes twice
 */
const char * const *
upg_step_get_double_write_tables (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return (const char * const *) self->double_write_tables;
}

/**
 * upg_step_get_data_volume:
 * @self: a step
 *
 * Gets the step's `data_volume` in bytes.
 *
 * Returns: its `data_volume` in bytes (binary multiples), 0 when not given
 */
guint64
upg_step_get_data_volume (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), 0);
  return self->data_volume;
}

/**
 * upg_step_get_rate:
 * @self: a step
 *
 * Gets the step's `rate` in bytes per second.
 *
 * Returns: its `rate` in bytes per second, 0 when not given
 */
double
upg_step_get_rate (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), 0);
  return self->rate;
}

/**
 * upg_step_get_parallelism:
 * @self: a step
 *
 * Gets the step's parallelism.
 *
 * Returns: its parallelism (default 1)
 */
guint
upg_step_get_parallelism (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), 1);
  return self->parallelism;
}

/**
 * upg_step_get_source_file:
 * @self: a step
 *
 * Gets the manifest file it was read from.
 *
 * Returns: (transfer none) (nullable): the manifest file it was read from
 */
const char *
upg_step_get_source_file (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return self->source_file;
}

/**
 * upg_step_get_json:
 * @self: a step
 *
 * Gets the step's object as written in the manifest, unknown members
 * included.
 *
 * Returns: (transfer none) (nullable): the step's object as written in the
 *   manifest, unknown members included; %NULL for a properties step
 */
JsonObject *
upg_step_get_json (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), NULL);
  return self->json;
}

/**
 * upg_step_applies_to_site:
 * @self: a step
 * @site_id: (nullable): a site; %NULL when no site is known
 *
 * Tells whether the step runs at a site.
 *
 * Returns: %TRUE if the step is common, names no sites, or names @site_id
 */
gboolean
upg_step_applies_to_site (UpgStep    *self,
                          const char *site_id)
{
  g_return_val_if_fail (UPG_IS_STEP (self), FALSE);
  if (self->is_common || self->site_ids == NULL || self->site_ids[0] == NULL)
    return TRUE;
  return site_id != NULL && g_strv_contains ((const char * const *) self->site_ids, site_id);
}

/**
 * upg_step_is_compatible_from:
 * @self: a step
 * @from: the version the site upgrades from
 *
 * Tells whether the step can run while the old version still serves (rolling
 * upgrade).
 *
 * Returns: %TRUE iff the step declares `compatible_version` and @from ≥ it
 */
gboolean
upg_step_is_compatible_from (UpgStep          *self,
                             const UpgVersion *from)
{
  g_return_val_if_fail (UPG_IS_STEP (self), FALSE);
  g_return_val_if_fail (from != NULL, FALSE);
  return self->compatible_version != NULL
      && upg_version_compare (from, self->compatible_version) >= 0;
}

/**
 * upg_step_estimate_seconds:
 * @self: a step
 *
 * The step's duration estimate: `data_volume / (rate × parallelism)` when
 * both volume and rate are given (100GB at 50MB/s with parallelism 4 is
 * 512 s), else its `estimated_duration`, else 0 (unknown).
 *
 * Returns: seconds
 */
double
upg_step_estimate_seconds (UpgStep *self)
{
  g_return_val_if_fail (UPG_IS_STEP (self), 0);
  if (self->data_volume > 0 && self->rate > 0)
    return (double) self->data_volume / (self->rate * self->parallelism);
  return self->estimated_duration;
}

/**
 * upg_step_kind_to_string:
 * @kind: a kind
 *
 * Gets the name of a step kind, as manifests write it.
 *
 * Returns: (transfer none): "sql", "tool", "command", "batched_migration",
 *   "backup", "verify", "http_check", "config", "redis" or "redis_delete_pattern"
 */
const char *
upg_step_kind_to_string (UpgStepKind kind)
{
  switch (kind)
    {
    case UPG_STEP_KIND_SQL:
      return "sql";
    case UPG_STEP_KIND_TOOL:
      return "tool";
    case UPG_STEP_KIND_COMMAND:
      return "command";
    case UPG_STEP_KIND_BATCHED_MIGRATION:
      return "batched_migration";
    case UPG_STEP_KIND_BACKUP:
      return "backup";
    case UPG_STEP_KIND_VERIFY:
      return "verify";
    case UPG_STEP_KIND_HTTP_CHECK:
      return "http_check";
    case UPG_STEP_KIND_CONFIG:
      return "config";
    case UPG_STEP_KIND_REDIS:
      return "redis";
    case UPG_STEP_KIND_REDIS_DELETE_PATTERN:
      return "redis_delete_pattern";
    default:
      return "unknown";
    }
}
