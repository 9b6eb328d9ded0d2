/* upg-manifest.c - one version's manifest
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-manifest-private.h"
#include "upg-json-private.h"
#include "upg-path-private.h"
#include "upg-step-private.h"
#include "upg-units-private.h"

/**
 * UpgManifest:
 *
 * What one baseline or patch version brings: dependencies, checks and the
 * steps of each stage (SPEC §4).
 *
 * The version is the manifest's `"version"` member (`"3.17.5-P1"` or
 * `"317501"`, also an unquoted integer). When the file name without `.json`
 * is itself a version it must be the same version, else loading fails: a
 * renamed copy must not silently shadow another release. A file name that
 * is not a version (`ft-release.json`) is accepted.
 *
 * Step ids are unique within a manifest, upgrade and rollback steps
 * together, since the journal records a step by (component, version, id).
 *
 * An optional `"checksums": {"relative/path": "<sha256 hex>"}` member lists
 * files whose SHA-256 `upgradectl validate` verifies.
 */
struct _UpgManifest
{
  GObject      parent_instance;

  char        *path;
  UpgVersion  *version;
  UpgVersion  *base_version;
  char        *component;
  char        *description;
  UpgVersion  *min_source_version;
  UpgVersion  *max_source_version;
  GStrv        required_components;
  guint64      required_memory;
  guint64      required_disk;
  guint        required_cpus;
  JsonObject  *checks;
  JsonObject  *checksums;
  JsonObject  *json;       /* the manifest as written; NULL for the properties form */
  GPtrArray   *steps[UPG_N_STAGES];
  GPtrArray   *rollback_steps[UPG_N_STAGES];
  GHashTable  *step_ids;
};

G_DEFINE_FINAL_TYPE (UpgManifest, upg_manifest, G_TYPE_OBJECT)

static void
upg_manifest_finalize (GObject *object)
{
  UpgManifest *self = UPG_MANIFEST (object);

  g_free (self->path);
  g_clear_pointer (&self->version, upg_version_free);
  g_clear_pointer (&self->base_version, upg_version_free);
  g_free (self->component);
  g_free (self->description);
  g_clear_pointer (&self->min_source_version, upg_version_free);
  g_clear_pointer (&self->max_source_version, upg_version_free);
  g_strfreev (self->required_components);
  g_clear_pointer (&self->checks, json_object_unref);
  g_clear_pointer (&self->checksums, json_object_unref);
  g_clear_pointer (&self->json, json_object_unref);
  for (guint i = 0; i < UPG_N_STAGES; i++)
    {
      g_ptr_array_unref (self->steps[i]);
      g_ptr_array_unref (self->rollback_steps[i]);
    }
  g_hash_table_unref (self->step_ids);

  G_OBJECT_CLASS (upg_manifest_parent_class)->finalize (object);
}

static void
upg_manifest_class_init (UpgManifestClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_manifest_finalize;
}

static void
upg_manifest_init (UpgManifest *self)
{
  for (guint i = 0; i < UPG_N_STAGES; i++)
    {
      self->steps[i] = g_ptr_array_new_with_free_func (g_object_unref);
      self->rollback_steps[i] = g_ptr_array_new_with_free_func (g_object_unref);
    }
  self->step_ids = g_hash_table_new (g_str_hash, g_str_equal);
  self->checks = json_object_new ();
  self->checksums = json_object_new ();
}

/**
 * upg_manifest_add_step: (skip)
 * @self: a manifest
 * @step: a step of its version
 * @error: return location for a #GError
 *
 * Appends @step to its stage's upgrade or rollback list.
 *
 * Returns: %FALSE if the manifest already has a step with that id
 */
gboolean
upg_manifest_add_step (UpgManifest *self,
                       UpgStep     *step,
                       GError     **error)
{
  const char *id = upg_step_get_id (step);
  GPtrArray *list;

  if (g_hash_table_contains (self->step_ids, id))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_MANIFEST,
                   _("%s: step id '%s' is used twice: expected ids unique within a version"),
                   self->path, id);
      return FALSE;
    }
  list = upg_step_is_rollback (step) ? self->rollback_steps[upg_step_get_stage (step)]
                                     : self->steps[upg_step_get_stage (step)];
  g_ptr_array_add (list, g_object_ref (step));
  g_hash_table_add (self->step_ids, (gpointer) id);
  return TRUE;
}

/* With a bundle directory, every SQL file must exist inside it. */
static gboolean
check_scripts (UpgStep          *step,
               const UpgJsonCtx *ctx,
               const char       *path,
               const char       *bundle_dir,
               GError          **error)
{
  const char * const *scripts = upg_step_get_sql_scripts (step);

  for (guint i = 0; scripts != NULL && scripts[i] != NULL; i++)
    {
      g_autofree char *why = upg_path_problem (bundle_dir, scripts[i]);
      g_autofree char *where = NULL;

      if (why == NULL)
        continue;
      where = g_strdup_printf ("%s.sql_scripts[%u]", path, i);
      return upg_json_fail (ctx, where, error, "'%s': %s", scripts[i], why);
    }
  return TRUE;
}

static gboolean
read_stage_list (UpgManifest      *self,
                 const UpgJsonCtx *ctx,
                 JsonObject       *stages,
                 const char       *path,
                 const char       *name,
                 gboolean          rollback,
                 const char       *bundle_dir,
                 GError          **error)
{
  g_autofree char *list_path = upg_json_member_path (path, name);
  g_autoptr(GError) stage_error = NULL;
  JsonArray *array = NULL;
  UpgStage stage;

  if (!upg_stage_from_string (name, &stage, &stage_error))
    return upg_json_fail (ctx, list_path, error, "%s", stage_error->message);
  if (!upg_json_get_array (ctx, stages, path, name, &array, error))
    return FALSE;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      g_autofree char *step_path = g_strdup_printf ("%s[%u]", list_path, i);
      JsonObject *object = NULL;
      g_autoptr(UpgStep) step = NULL;

      if (!upg_json_require_object (ctx, json_array_get_element (array, i), step_path,
                                    &object, error))
        return FALSE;
      step = upg_step_new_from_json (ctx, object, step_path, self->version,
                                     self->component, stage, rollback, error);
      if (step == NULL || !check_scripts (step, ctx, step_path, bundle_dir, error))
        return FALSE;
      if (g_hash_table_contains (self->step_ids, upg_step_get_id (step)))
        return upg_json_fail (ctx, step_path, error,
                              _("step id '%s' is used twice: expected ids unique within a version"),
                              upg_step_get_id (step));
      upg_manifest_add_step (self, step, NULL);
    }
  return TRUE;
}

static gboolean
read_steps (UpgManifest      *self,
            const UpgJsonCtx *ctx,
            JsonObject       *root,
            const char       *member,
            gboolean          rollback,
            const char       *bundle_dir,
            GError          **error)
{
  g_autofree char *path = upg_json_member_path ("$", member);
  JsonObject *stages = NULL;
  g_autoptr(GList) names = NULL;

  if (!upg_json_get_object (ctx, root, "$", member, &stages, error))
    return FALSE;
  if (stages == NULL)
    return TRUE;
  names = json_object_get_members (stages);
  for (GList *l = names; l != NULL; l = l->next)
    if (!read_stage_list (self, ctx, stages, path, l->data, rollback, bundle_dir, error))
      return FALSE;
  return TRUE;
}

static gboolean
read_resource (const UpgJsonCtx *ctx,
               JsonObject       *resources,
               const char       *member,
               guint64          *bytes,
               guint            *cpus,
               GError          **error)
{
  const char *path = "$.dependencies.required_resources";
  const char *text = NULL;
  gboolean ok;

  if (!upg_json_get_string (ctx, resources, path, member, FALSE, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  ok = cpus != NULL ? upg_units_parse_cpus (text, cpus) : upg_units_parse_size (text, bytes);
  if (!ok)
    {
      g_autofree char *where = upg_json_member_path (path, member);
      return upg_json_fail (ctx, where, error, _("expected %s, got \"%s\""),
                            cpus != NULL ? _("a core count such as \"2cores\"")
                                         : _("a size such as \"2GB\""), text);
    }
  return TRUE;
}

static gboolean
read_dependencies (UpgManifest      *self,
                   const UpgJsonCtx *ctx,
                   JsonObject       *root,
                   GError          **error)
{
  const char *path = "$.dependencies";
  JsonObject *deps = NULL, *resources = NULL;

  if (!upg_json_get_object (ctx, root, "$", "dependencies", &deps, error))
    return FALSE;
  if (deps == NULL)
    return TRUE;
  if (!upg_json_get_version (ctx, deps, path, "min_source_version", FALSE,
                             &self->min_source_version, error)
      || !upg_json_get_version (ctx, deps, path, "max_source_version", FALSE,
                                &self->max_source_version, error)
      || !upg_json_get_strv (ctx, deps, path, "required_components", FALSE,
                             &self->required_components, error)
      || !upg_json_get_object (ctx, deps, path, "required_resources", &resources, error))
    return FALSE;
  if (resources == NULL)
    return TRUE;
  return read_resource (ctx, resources, "memory", &self->required_memory, NULL, error)
      && read_resource (ctx, resources, "disk", &self->required_disk, NULL, error)
      && read_resource (ctx, resources, "cpu", NULL, &self->required_cpus, error);
}

/* version, version_type, base_version: a patch gets its baseline as base. */
static gboolean
read_version (UpgManifest      *self,
              const UpgJsonCtx *ctx,
              JsonObject       *root,
              GError          **error)
{
  const char *type = NULL;
  gboolean patch;

  if (!upg_json_get_version (ctx, root, "$", "version", TRUE, &self->version, error)
      || !upg_json_get_string (ctx, root, "$", "version_type", FALSE, &type, error)
      || !upg_json_get_version (ctx, root, "$", "base_version", FALSE,
                                &self->base_version, error))
    return FALSE;
  patch = upg_version_is_patch (self->version);
  if (type != NULL && !g_str_equal (type, "baseline") && !g_str_equal (type, "patch"))
    return upg_json_fail (ctx, "$.version_type", error,
                          _("expected \"baseline\" or \"patch\", got \"%s\""), type);
  if (type != NULL && g_str_equal (type, "patch") != patch)
    {
      g_autofree char *text = upg_version_to_string (self->version);
      return upg_json_fail (ctx, "$.version_type", error,
                            _("\"%s\" does not match version %s (expected \"%s\")"),
                            type, text, patch ? "patch" : "baseline");
    }
  if (!patch)
    g_clear_pointer (&self->base_version, upg_version_free);
  else if (self->base_version == NULL)
    self->base_version = upg_version_get_baseline (self->version);
  return TRUE;
}

/* The localized `name[LOCALE]` and `suggestion[LOCALE]` keys of the
 * data-quality rules are checked here, at load, so that `validate` reports
 * a malformed one whatever the locale it runs under. */
static gboolean
check_localized_rules (const UpgJsonCtx *ctx,
                       JsonObject       *checks,
                       GError          **error)
{
  static const char * const texts[] = { "name", "suggestion" };
  JsonNode *node = json_object_get_member (checks, "data_quality");
  JsonArray *rules;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return TRUE;
  rules = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (rules); i++)
    {
      JsonNode *rule = json_array_get_element (rules, i);
      g_autofree char *path = g_strdup_printf ("$.checks.data_quality[%u]", i);

      if (!JSON_NODE_HOLDS_OBJECT (rule))
        continue;
      for (guint t = 0; t < G_N_ELEMENTS (texts); t++)
        {
          const char *unused = NULL;

          if (!upg_json_get_localized_string (ctx, json_node_get_object (rule), path, texts[t],
                                              FALSE, &unused, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
read_header (UpgManifest      *self,
             const UpgJsonCtx *ctx,
             JsonObject       *root,
             GError          **error)
{
  const char *component = NULL, *description = NULL;
  JsonObject *checks = NULL, *checksums = NULL;

  if (!read_version (self, ctx, root, error)
      || !upg_json_get_string (ctx, root, "$", "component", FALSE, &component, error)
      || !upg_json_get_string (ctx, root, "$", "description", FALSE, &description, error)
      || !upg_json_get_object (ctx, root, "$", "checks", &checks, error)
      || !upg_json_get_object (ctx, root, "$", "checksums", &checksums, error))
    return FALSE;
  if (checks != NULL && !check_localized_rules (ctx, checks, error))
    return FALSE;
  self->component = g_strdup (component);
  self->description = g_strdup (description);
  if (checks != NULL)
    {
      json_object_unref (self->checks);
      self->checks = json_object_ref (checks);
    }
  if (checksums != NULL)
    {
      json_object_unref (self->checksums);
      self->checksums = json_object_ref (checksums);
    }
  return TRUE;
}

/**
 * upg_manifest_new_from_data: (skip)
 * @data: (array length=length): the manifest's JSON text
 * @length: its length, or -1 when nul-terminated
 * @file: the name errors give it
 * @bundle_dir: (nullable): when given, SQL files must exist inside it
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the manifest
 */
UpgManifest *
upg_manifest_new_from_data (const char *data,
                            gssize      length,
                            const char *file,
                            const char *bundle_dir,
                            GError    **error)
{
  UpgJsonCtx ctx = { file, UPG_ERROR_INVALID_MANIFEST };
  g_autoptr(JsonNode) root = upg_json_parse (data, length, &ctx, error);
  g_autoptr(UpgManifest) self = NULL;
  JsonObject *object = NULL;

  if (root == NULL || !upg_json_require_object (&ctx, root, "$", &object, error))
    return NULL;
  self = g_object_new (UPG_TYPE_MANIFEST, NULL);
  self->path = g_strdup (file);
  if (!read_header (self, &ctx, object, error)
      || !read_dependencies (self, &ctx, object, error)
      || !read_steps (self, &ctx, object, "upgrade_steps", FALSE, bundle_dir, error)
      || !read_steps (self, &ctx, object, "rollback_steps", TRUE, bundle_dir, error))
    return NULL;
  self->json = json_object_ref (object);
  return g_steal_pointer (&self);
}

static gboolean
check_file_name (UpgManifest *self,
                 const char  *path,
                 GError     **error)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr(UpgVersion) named = NULL;

  if (g_str_has_suffix (base, ".json"))
    base[strlen (base) - strlen (".json")] = '\0';
  named = upg_version_parse (base, NULL);
  if (named != NULL && !upg_version_equal (named, self->version))
    {
      g_autofree char *inside = upg_version_to_string (self->version);
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_MANIFEST,
                   _("%s: %s: the file is named for version '%s' but declares %s: "
                     "expected the same version"), path, "$.version", base, inside);
      return FALSE;
    }
  return TRUE;
}

/**
 * upg_manifest_new_from_file:
 * @path: a `manifests/<version>.json` file
 * @bundle_dir: (nullable): the bundle; when given, SQL files must exist in it
 * @error: return location for a #GError
 *
 * Errors (%UPG_ERROR_INVALID_MANIFEST) name the file and either the
 * position of malformed JSON (`file:LINE:COL`) or the JSON path of the
 * offending value and what was expected.
 *
 * Returns: (transfer full): the manifest
 */
UpgManifest *
upg_manifest_new_from_file (const char *path,
                            const char *bundle_dir,
                            GError    **error)
{
  UpgJsonCtx ctx = { path, UPG_ERROR_INVALID_MANIFEST };
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(UpgManifest) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  if (!upg_json_read_file (&ctx, &contents, &length, error))
    return NULL;
  self = upg_manifest_new_from_data (contents, length, path, bundle_dir, error);
  if (self == NULL || !check_file_name (self, path, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * upg_manifest_new_legacy: (skip)
 * @path: the file it comes from
 * @version: its version
 * @component: (nullable): its component
 * @description: (nullable): its description
 *
 * Returns: (transfer full): an empty manifest, steps added with
 *   upg_manifest_add_step()
 */
UpgManifest *
upg_manifest_new_legacy (const char       *path,
                         const UpgVersion *version,
                         const char       *component,
                         const char       *description)
{
  UpgManifest *self = g_object_new (UPG_TYPE_MANIFEST, NULL);

  self->path = g_strdup (path);
  self->version = upg_version_copy (version);
  if (upg_version_is_patch (version))
    self->base_version = upg_version_get_baseline (version);
  self->component = g_strdup (component);
  self->description = g_strdup (description);
  return self;
}

/**
 * upg_manifest_get_path:
 * @self: a manifest
 *
 * Gets the file it was loaded from.
 *
 * Returns: (transfer none): the file it was loaded from
 */
const char *
upg_manifest_get_path (UpgManifest *self)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), NULL);
  return self->path;
}

/**
 * upg_manifest_get_version:
 * @self: a manifest
 *
 * Gets the manifest's version.
 *
 * Returns: (transfer none): its version
 */
const UpgVersion *
upg_manifest_get_version (UpgManifest *self)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), NULL);
  return self->version;
}

/**
 * upg_manifest_get_base_version:
 * @self: a manifest
 *
 * Gets the version a patch applies on (its baseline unless `base_version`
 * says otherwise).
 *
 * Returns: (transfer none) (nullable): the version a patch applies on (its baseline unless `base_version` says otherwise); %NULL for a baseline
 */
const UpgVersion *
upg_manifest_get_base_version (UpgManifest *self)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), NULL);
  return self->base_version;
}

/**
 * upg_manifest_get_component:
 * @self: a manifest
 *
 * Gets the default component of its steps.
 *
 * Returns: (transfer none) (nullable): the default component of its steps
 */
const char *
upg_manifest_get_component (UpgManifest *self)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), NULL);
  return self->component;
}

/**
 * upg_manifest_get_description:
 * @self: a manifest
 *
 * Gets the manifest's description.
 *
 * Returns: (transfer none) (nullable): its description
 */
const char *
upg_manifest_get_description (UpgManifest *self)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), NULL);
  return self->description;
}

/**
 * upg_manifest_get_min_source_version:
 * @self: a manifest
 *
 * Gets the lowest version a site may be at when it applies.
 *
 * Returns: (transfer none) (nullable): the lowest version a site may be at when it applies
 */
const UpgVersion *
upg_manifest_get_min_source_version (UpgManifest *self)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), NULL);
  return self->min_source_version;
}

/**
 * upg_manifest_get_max_source_version:
 * @self: a manifest
 *
 * Gets the highest version a site may be at when it applies.
 *
 * Returns: (transfer none) (nullable): the highest version a site may be at when it applies
 */
const UpgVersion *
upg_manifest_get_max_source_version (UpgManifest *self)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), NULL);
  return self->max_source_version;
}

/**
 * upg_manifest_get_required_memory:
 * @self: a manifest
 *
 * Gets the memory it needs in bytes.
 *
 * Returns: the memory it needs in bytes, 0 when not given
 */
guint64
upg_manifest_get_required_memory (UpgManifest *self)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), 0);
  return self->required_memory;
}

/**
 * upg_manifest_get_required_disk:
 * @self: a manifest
 *
 * Gets the free disk it needs in bytes.
 *
 * Returns: the free disk it needs in bytes, 0 when not given
 */
guint64
upg_manifest_get_required_disk (UpgManifest *self)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), 0);
  return self->required_disk;
}

/**
 * upg_manifest_get_required_cpus:
 * @self: a manifest
 *
 * Gets the cores it needs.
 *
 * Returns: the cores it needs, 0 when not given
 */
guint
upg_manifest_get_required_cpus (UpgManifest *self)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), 0);
  return self->required_cpus;
}

/**
 * upg_manifest_get_checks:
 * @self: a manifest
 *
 * Gets the manifest's `checks` object, read by the assessment.
 *
 * Returns: (transfer none): its `checks` object (empty when absent), read by the assessment
 */
JsonObject *
upg_manifest_get_checks (UpgManifest *self)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), NULL);
  return self->checks;
}

/**
 * upg_manifest_get_checksums:
 * @self: a manifest
 *
 * Gets the manifest's `checksums` object.
 *
 * Returns: (transfer none): its `checksums` object: relative path → SHA-256 hex (empty when absent)
 */
JsonObject *
upg_manifest_get_checksums (UpgManifest *self)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), NULL);
  return self->checksums;
}

/*
 * upg_manifest_get_json:
 * @self: a manifest
 *
 * Gets the manifest's object as written, unknown members included, for
 * upg_manifest_check_members().
 *
 * Returns: (transfer none) (nullable): its root object; %NULL for a
 *   manifest of the legacy properties form
 */
JsonObject *
upg_manifest_get_json (UpgManifest *self)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), NULL);
  return self->json;
}

/**
 * upg_manifest_is_patch:
 * @self: a manifest
 *
 * Tells whether the manifest is a patch of a baseline version.
 *
 * Returns: %TRUE if its version is a patch (`-Pn`)
 */
gboolean
upg_manifest_is_patch (UpgManifest *self)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), FALSE);
  return upg_version_is_patch (self->version);
}

/**
 * upg_manifest_get_required_components:
 * @self: a manifest
 *
 * Gets components that must be installed.
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): components
 *   that must be installed
 */
const char * const *
upg_manifest_get_required_components (UpgManifest *self)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), NULL);
  return (const char * const *) self->required_components;
}

/**
 * upg_manifest_get_steps:
 * @self: a manifest
 * @stage: a stage
 *
 * Gets the manifest's upgrade steps of @stage in declaration order.
 *
 * Returns: (transfer none) (element-type UpgStep): its upgrade steps of
 *   @stage in declaration order
 */
GPtrArray *
upg_manifest_get_steps (UpgManifest *self,
                        UpgStage     stage)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), NULL);
  g_return_val_if_fail (stage < UPG_N_STAGES, NULL);
  return self->steps[stage];
}

/**
 * upg_manifest_get_rollback_steps:
 * @self: a manifest
 * @stage: a stage
 *
 * Gets the manifest's rollback steps of @stage in declaration order.
 *
 * Returns: (transfer none) (element-type UpgStep): its rollback steps of
 *   @stage in declaration order (they run in reverse order)
 */
GPtrArray *
upg_manifest_get_rollback_steps (UpgManifest *self,
                                 UpgStage     stage)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), NULL);
  g_return_val_if_fail (stage < UPG_N_STAGES, NULL);
  return self->rollback_steps[stage];
}

/**
 * upg_manifest_lookup_step:
 * @self: a manifest
 * @id: a step id
 *
 * Looks up one of the manifest's steps by its id.
 *
 * Returns: (transfer none) (nullable): the upgrade or rollback step with @id
 */
UpgStep *
upg_manifest_lookup_step (UpgManifest *self,
                          const char  *id)
{
  g_return_val_if_fail (UPG_IS_MANIFEST (self), NULL);
  for (guint s = 0; s < UPG_N_STAGES; s++)
    for (guint r = 0; r < 2; r++)
      {
        GPtrArray *list = r == 0 ? self->steps[s] : self->rollback_steps[s];

        for (guint i = 0; i < list->len; i++)
          if (g_str_equal (upg_step_get_id (list->pdata[i]), id))
            return list->pdata[i];
      }
  return NULL;
}
