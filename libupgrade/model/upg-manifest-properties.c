/* upg-properties.c - manifests in the legacy 中台 properties form
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-json-private.h"
#include "upg-manifest-private.h"
#include "upg-path-private.h"
#include "upg-properties-private.h"
#include "upg-step-private.h"

/* One `sql.<uid>.*` or `tool.<uid>.*` group of the task file. */
typedef struct {
  char        *prefix;   /* "sql" or "tool" */
  char        *uid;
} Task;

static void
task_free (Task *task)
{
  g_free (task->prefix);
  g_free (task->uid);
  g_free (task);
}

/* Splits "sql.<uid>.<field>" (the uid may itself contain dots). */
static gboolean
split_key (const char  *key,
           char       **prefix,
           char       **uid)
{
  const char *first = strchr (key, '.');
  const char *last = strrchr (key, '.');

  if (first == NULL || first == last || last == first + 1)
    return FALSE;
  if (strncmp (key, "sql.", 4) != 0 && strncmp (key, "tool.", 5) != 0)
    return FALSE;
  *prefix = g_strndup (key, first - key);
  *uid = g_strndup (first + 1, last - first - 1);
  return TRUE;
}

/* Tasks in the order their uids first appear. */
static GPtrArray *
collect_tasks (UpgProperties *props)
{
  GPtrArray *tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) task_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < upg_properties_get_size (props); i++)
    {
      g_autofree char *prefix = NULL;
      g_autofree char *uid = NULL;
      Task *task;

      if (!split_key (upg_properties_key_at (props, i), &prefix, &uid))
        continue;
      if (!g_hash_table_add (seen, g_strdup_printf ("%s.%s", prefix, uid)))
        continue;
      task = g_new0 (Task, 1);
      task->prefix = g_steal_pointer (&prefix);
      task->uid = g_steal_pointer (&uid);
      g_ptr_array_add (tasks, task);
    }
  return tasks;
}

static const char *
task_get (UpgProperties *props,
          Task          *task,
          const char    *field)
{
  g_autofree char *key = g_strdup_printf ("%s.%s.%s", task->prefix, task->uid, field);

  return upg_properties_get (props, key);
}

/* "FILE: key 'KEY': message", in the form of JSON manifest errors. */
static gboolean G_GNUC_PRINTF (4, 5)
fail_key (GError    **error,
          const char *file,
          const char *key,
          const char *format,
          ...)
{
  UpgJsonCtx ctx = { file, UPG_ERROR_INVALID_MANIFEST };
  g_autofree char *where = g_strdup_printf (_("key '%s'"), key);
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  return upg_json_fail (&ctx, where, error, "%s", msg);
}

static gboolean
read_stage (UpgProperties *props,
            UpgProperties *overrides,
            Task          *task,
            const char    *id,
            const char    *files[2],
            UpgStage      *stage,
            GError       **error)
{
  g_autofree char *task_key = g_strdup_printf ("%s.%s.stage", task->prefix, task->uid);
  g_autofree char *override_key = g_strdup_printf ("%s.%s.stage", task->prefix, id);
  const char *text = upg_properties_get (props, task_key);
  const char *key = task_key, *file = files[0];
  g_autoptr(GError) local_error = NULL;

  if (overrides != NULL && upg_properties_get (overrides, override_key) != NULL)
    {
      text = upg_properties_get (overrides, override_key);
      key = override_key;
      file = files[1];
    }
  if (text == NULL)
    return fail_key (error, file, key, _("missing: expected a stage such as in_stop"));
  if (!upg_stage_from_string (text, stage, &local_error))
    return fail_key (error, file, key, "%s", local_error->message);
  return TRUE;
}

/* The task's file (sql) or package (tool), checked like a manifest's paths. */
static const char *
read_target (UpgProperties *props,
             Task          *task,
             const char    *file,
             const char    *bundle_dir,
             GError       **error)
{
  gboolean sql = g_str_equal (task->prefix, "sql");
  const char *field = sql ? "file" : "package";
  g_autofree char *key = g_strdup_printf ("%s.%s.%s", task->prefix, task->uid, field);
  const char *target = upg_properties_get (props, key);
  g_autofree char *why = NULL;

  if (target == NULL || target[0] == '\0')
    {
      fail_key (error, file, key, _("missing: expected %s"),
                sql ? _("an SQL file") : _("a type name"));
      return NULL;
    }
  if (!sql)
    return target;
  why = upg_path_problem (bundle_dir, target);
  if (why != NULL)
    {
      fail_key (error, file, key, "'%s': %s", target, why);
      return NULL;
    }
  return target;
}

static gboolean
add_tasks (UpgManifest   *manifest,
           UpgProperties *props,
           UpgProperties *overrides,
           const char    *files[2],
           const char    *bundle_dir,
           GHashTable    *ids,
           GError       **error)
{
  g_autoptr(GPtrArray) tasks = collect_tasks (props);

  for (guint i = 0; i < tasks->len; i++)
    {
      Task *task = tasks->pdata[i];
      const char *id = task_get (props, task, "id");
      const char *component = task_get (props, task, "component");
      const char *database = task_get (props, task, "database");
      const char *target;
      g_autoptr(UpgStep) step = NULL;
      UpgStage stage;

      if (id == NULL || id[0] == '\0')
        id = task->uid;
      target = read_target (props, task, files[0], bundle_dir, error);
      if (target == NULL || !read_stage (props, overrides, task, id, files, &stage, error))
        return FALSE;
      step = upg_step_new_legacy (id, task_get (props, task, "description"),
                                  g_str_equal (task->prefix, "sql") ? UPG_STEP_KIND_SQL
                                                                    : UPG_STEP_KIND_TOOL,
                                  target,
                                  component != NULL ? component
                                                    : upg_manifest_get_component (manifest),
                                  database != NULL ? database
                                                   : upg_properties_get (props, "database"),
                                  upg_manifest_get_version (manifest), stage, files[0]);
      if (!upg_manifest_add_step (manifest, step, error))
        return FALSE;
      g_hash_table_add (ids, g_strdup_printf ("%s.%s", task->prefix, id));
    }
  return TRUE;
}

/* An override for a step id no task has is a typo an operator must see. */
static gboolean
check_overrides (UpgProperties *overrides,
                 const char    *file,
                 GHashTable    *ids,
                 GError       **error)
{
  for (guint i = 0; overrides != NULL && i < upg_properties_get_size (overrides); i++)
    {
      const char *key = upg_properties_key_at (overrides, i);
      g_autofree char *prefix = NULL;
      g_autofree char *id = NULL;
      g_autofree char *ref = NULL;

      if (!split_key (key, &prefix, &id) || !g_str_has_suffix (key, ".stage"))
        continue;
      ref = g_strdup_printf ("%s.%s", prefix, id);
      if (!g_hash_table_contains (ids, ref))
        return fail_key (error, file, key, _("no %s step has id '%s'"), prefix, id);
    }
  return TRUE;
}

static UpgVersion *
version_from_name (const char *tasks_path,
                   GError    **error)
{
  g_autofree char *base = g_path_get_basename (tasks_path);
  g_autoptr(GError) local_error = NULL;
  const char *prefix = "upgrade_tasks_";
  UpgVersion *version;

  if (!g_str_has_prefix (base, prefix) || !g_str_has_suffix (base, ".properties"))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_MANIFEST,
                   _("%s: expected a file named %s"), tasks_path,
                   "upgrade_tasks_V<version>.properties");
      return NULL;
    }
  base[strlen (base) - strlen (".properties")] = '\0';
  version = upg_version_parse (base + strlen (prefix), &local_error);
  if (version == NULL)
    g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_MANIFEST, "%s: %s",
                 tasks_path, local_error->message);
  return version;
}

static char *
default_component (UpgProperties *props,
                   const char    *tasks_path,
                   const char    *bundle_dir)
{
  g_autofree char *dir = NULL;

  if (upg_properties_get (props, "component") != NULL)
    return g_strdup (upg_properties_get (props, "component"));
  if (bundle_dir != NULL)
    return g_path_get_basename (bundle_dir);
  dir = g_path_get_dirname (tasks_path);
  if (g_str_has_suffix (dir, "/manifests") || g_str_equal (dir, "manifests"))
    {
      g_autofree char *parent = g_path_get_dirname (dir);
      return g_path_get_basename (parent);
    }
  return g_path_get_basename (dir);
}

/**
 * upg_manifest_new_from_properties:
 * @tasks_path: `manifests/upgrade_tasks_V<version>.properties`
 * @orchestration_path: (nullable): `manifests/upgrade_orchestration_V<version>.properties`
 * @bundle_dir: (nullable): the bundle; when given, SQL files must exist in it
 * @error: return location for a #GError
 *
 * Loads the legacy 中台 form. The version comes from the file name. Task
 * keys `sql.<uid>.id|description|file|stage` and
 * `tool.<uid>.id|description|package|stage` make steps in the order their
 * uids first appear (`id` defaults to the uid, `package` is the tool's
 * type name, like `class_name`); override keys `sql.<id>.stage` /
 * `tool.<id>.stage` in the orchestration file win, and one naming an
 * unknown id is an error.
 *
 * These files carry no component or database: an optional top-level
 * `component` and `database` key of the task file (or per task
 * `sql.<uid>.component|database`) set them; the component otherwise
 * defaults to the bundle directory's name. Properties steps have no
 * `compatible_version`, so they count as incompatible, and apply to every
 * site.
 *
 * Returns: (transfer full): the manifest
 */
UpgManifest *
upg_manifest_new_from_properties (const char *tasks_path,
                                  const char *orchestration_path,
                                  const char *bundle_dir,
                                  GError    **error)
{
  g_autoptr(UpgVersion) version = NULL;
  g_autoptr(UpgProperties) props = NULL;
  g_autoptr(UpgProperties) overrides = NULL;
  g_autoptr(UpgManifest) self = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *component = NULL;
  const char *files[2] = { tasks_path, orchestration_path };

  g_return_val_if_fail (tasks_path != NULL, NULL);
  version = version_from_name (tasks_path, error);
  if (version == NULL || (props = upg_properties_load (tasks_path, error)) == NULL)
    return NULL;
  if (orchestration_path != NULL
      && (overrides = upg_properties_load (orchestration_path, error)) == NULL)
    return NULL;
  component = default_component (props, tasks_path, bundle_dir);
  self = upg_manifest_new_legacy (tasks_path, version, component,
                                  upg_properties_get (props, "description"));
  if (!add_tasks (self, props, overrides, files, bundle_dir, ids, error)
      || !check_overrides (overrides, orchestration_path, ids, error))
    return NULL;
  return g_steal_pointer (&self);
}
