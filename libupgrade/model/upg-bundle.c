/* upg-bundle.c - a directory of versioned manifests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-bundle-private.h"
#include "upg-manifest-private.h"
#include "upg-path-private.h"

/**
 * UpgBundle:
 *
 * A bundle directory: `manifests/<version>.json` (one per baseline or patch
 * version), optionally legacy `manifests/upgrade_tasks_V<ver>.properties`
 * with their `upgrade_orchestration_V<ver>.properties` override, and the
 * files they reference. Manifests are kept sorted by version; two
 * manifests of one version are an error. Every referenced path must be
 * relative and stay inside the bundle, symbolic links included.
 */
struct _UpgBundle
{
  GObject    parent_instance;

  char      *path;
  GPtrArray *manifests;
};

G_DEFINE_FINAL_TYPE (UpgBundle, upg_bundle, G_TYPE_OBJECT)

#define TASKS_PREFIX "upgrade_tasks_"
#define ORCHESTRATION_PREFIX "upgrade_orchestration_"
#define PROPERTIES_SUFFIX ".properties"

static void
upg_bundle_finalize (GObject *object)
{
  UpgBundle *self = UPG_BUNDLE (object);

  g_free (self->path);
  g_ptr_array_unref (self->manifests);

  G_OBJECT_CLASS (upg_bundle_parent_class)->finalize (object);
}

static void
upg_bundle_class_init (UpgBundleClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_bundle_finalize;
}

static void
upg_bundle_init (UpgBundle *self)
{
  self->manifests = g_ptr_array_new_with_free_func (g_object_unref);
}

/* Records a problem: into @problems when collecting, else as the error. */
static gboolean
report (GPtrArray *problems,
        GError   **error,
        GError    *problem)
{
  if (problems == NULL)
    {
      g_propagate_error (error, problem);
      return FALSE;
    }
  g_ptr_array_add (problems, g_strdup (problem->message));
  g_error_free (problem);
  return TRUE;
}

static UpgManifest *
load_properties (const char *dir,
                 const char *name,
                 const char *bundle_dir,
                 GError    **error)
{
  const char *suffix = name + strlen (TASKS_PREFIX);
  g_autofree char *tasks = g_build_filename (dir, name, NULL);
  g_autofree char *orch_name = g_strconcat (ORCHESTRATION_PREFIX, suffix, NULL);
  g_autofree char *orch = g_build_filename (dir, orch_name, NULL);

  return upg_manifest_new_from_properties (tasks,
                                           g_file_test (orch, G_FILE_TEST_EXISTS) ? orch : NULL,
                                           bundle_dir, error);
}

/* An override without its task file would be silently ignored otherwise. */
static GError *
check_orphan (const char *dir,
              const char *name)
{
  const char *suffix = name + strlen (ORCHESTRATION_PREFIX);
  g_autofree char *tasks_name = g_strconcat (TASKS_PREFIX, suffix, NULL);
  g_autofree char *tasks = g_build_filename (dir, tasks_name, NULL);

  if (g_file_test (tasks, G_FILE_TEST_EXISTS))
    return NULL;
  return g_error_new (UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                      _("%s/%s: override without its task file %s"), dir, name, tasks_name);
}

/* Loads one directory entry; *manifest stays NULL for files that are not manifests. */
static GError *
load_entry (const char   *dir,
            const char   *name,
            const char   *bundle_dir,
            UpgManifest **manifest)
{
  GError *error = NULL;

  /* Editor locks and backups (".#x.json", "._x.json") are not manifests. */
  if (name[0] == '.')
    return NULL;
  if (g_str_has_suffix (name, ".json"))
    {
      g_autofree char *file = g_build_filename (dir, name, NULL);
      *manifest = upg_manifest_new_from_file (file, bundle_dir, &error);
    }
  else if (g_str_has_prefix (name, TASKS_PREFIX) && g_str_has_suffix (name, PROPERTIES_SUFFIX))
    *manifest = load_properties (dir, name, bundle_dir, &error);
  else if (g_str_has_prefix (name, ORCHESTRATION_PREFIX)
           && g_str_has_suffix (name, PROPERTIES_SUFFIX))
    error = check_orphan (dir, name);
  return error;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

static GPtrArray *
list_names (const char *dir,
            GError    **error)
{
  g_autoptr(GDir) d = NULL;
  g_autoptr(GError) local_error = NULL;
  GPtrArray *names;
  const char *name;

  d = g_dir_open (dir, 0, &local_error);
  if (d == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                   _("%s: not a bundle: expected a manifests/ directory (%s)"),
                   dir, local_error->message);
      return NULL;
    }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

static int
compare_manifests (gconstpointer a,
                   gconstpointer b)
{
  return upg_version_compare (upg_manifest_get_version (*(UpgManifest **) a),
                              upg_manifest_get_version (*(UpgManifest **) b));
}

/* After sorting, equal versions are neighbours. */
static gboolean
check_duplicates (UpgBundle *self,
                  GPtrArray *problems,
                  GError   **error)
{
  for (guint i = 1; i < self->manifests->len; i++)
    {
      UpgManifest *a = self->manifests->pdata[i - 1];
      UpgManifest *b = self->manifests->pdata[i];
      g_autofree char *text = NULL;

      if (!upg_version_equal (upg_manifest_get_version (a), upg_manifest_get_version (b)))
        continue;
      text = upg_version_to_string (upg_manifest_get_version (a));
      if (!report (problems, error,
                   g_error_new (UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                                _("version %s is defined twice: %s and %s"),
                                text, upg_manifest_get_path (a), upg_manifest_get_path (b))))
        return FALSE;
    }
  return TRUE;
}

/* With @problems, every broken file is listed and loading goes on. */
static UpgBundle *
load (const char *path,
      GPtrArray  *problems,
      GError    **error)
{
  g_autoptr(UpgBundle) self = g_object_new (UPG_TYPE_BUNDLE, NULL);
  g_autofree char *dir = g_build_filename (path, "manifests", NULL);
  g_autoptr(GPtrArray) names = list_names (dir, error);

  if (names == NULL)
    return NULL;
  self->path = g_strdup (path);
  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr(UpgManifest) manifest = NULL;
      GError *problem = load_entry (dir, names->pdata[i], path, &manifest);

      if (problem != NULL && !report (problems, error, problem))
        return NULL;
      /* What a misspelt member has to do with it, for `validate`. */
      if (problem != NULL && g_str_has_suffix (names->pdata[i], ".json"))
        {
          g_autofree char *file = g_build_filename (dir, names->pdata[i], NULL);

          upg_manifest_check_file_members (file, problems);
        }
      if (manifest != NULL)
        g_ptr_array_add (self->manifests, g_steal_pointer (&manifest));
    }
  g_ptr_array_sort (self->manifests, compare_manifests);
  if (!check_duplicates (self, problems, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * upg_bundle_load_collecting: (skip)
 * @path: the bundle directory
 * @problems: (element-type utf8): where the message of every broken file goes
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the bundle made of the manifests
 *   that loaded; %NULL only when @path has no manifests/ directory
 */
UpgBundle *
upg_bundle_load_collecting (const char *path,
                            GPtrArray  *problems,
                            GError    **error)
{
  return load (path, problems, error);
}

/**
 * upg_bundle_new_for_path:
 * @path: the bundle directory
 * @error: return location for a #GError
 *
 * Loads every manifest of the bundle. Errors name the file and the value:
 * malformed or invalid manifests (%UPG_ERROR_INVALID_MANIFEST), a version
 * defined twice, a missing manifests/ directory (%UPG_ERROR_INVALID_BUNDLE).
 *
 * Returns: (transfer full): the bundle
 */
UpgBundle *
upg_bundle_new_for_path (const char *path,
                         GError    **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  return load (path, NULL, error);
}

/**
 * upg_bundle_get_path:
 * @self: a bundle
 *
 * Gets the bundle's directory.
 *
 * Returns: (transfer none): its directory
 */
const char *
upg_bundle_get_path (UpgBundle *self)
{
  g_return_val_if_fail (UPG_IS_BUNDLE (self), NULL);
  return self->path;
}

/**
 * upg_bundle_get_manifests:
 * @self: a bundle
 *
 * Gets the bundle's manifests in version order.
 *
 * Returns: (transfer none) (element-type UpgManifest): its manifests in version order
 */
GPtrArray *
upg_bundle_get_manifests (UpgBundle *self)
{
  g_return_val_if_fail (UPG_IS_BUNDLE (self), NULL);
  return self->manifests;
}

/**
 * upg_bundle_lookup_manifest:
 * @self: a bundle
 * @version: a version
 *
 * Looks up the manifest of one version of the bundle.
 *
 * Returns: (transfer none) (nullable): the manifest of @version
 */
UpgManifest *
upg_bundle_lookup_manifest (UpgBundle        *self,
                            const UpgVersion *version)
{
  g_return_val_if_fail (UPG_IS_BUNDLE (self), NULL);
  g_return_val_if_fail (version != NULL, NULL);
  for (guint i = 0; i < self->manifests->len; i++)
    if (upg_version_equal (upg_manifest_get_version (self->manifests->pdata[i]), version))
      return self->manifests->pdata[i];
  return NULL;
}

/**
 * upg_bundle_resolve_path:
 * @self: a bundle
 * @relative: a path relative to the bundle (an SQL file, a tool)
 * @error: return location for a #GError
 *
 * Resolves a path the bundle names to a file inside the bundle, refusing any
 * path that would leave it.
 *
 * Returns: (transfer full): the real absolute path of an existing
 *   file inside the bundle; %UPG_ERROR_INVALID_BUNDLE naming @relative when
 *   it is absolute, uses `..`, escapes through a symbolic link or is missing
 */
char *
upg_bundle_resolve_path (UpgBundle  *self,
                         const char *relative,
                         GError    **error)
{
  g_autofree char *why = NULL;
  char *resolved;

  g_return_val_if_fail (UPG_IS_BUNDLE (self), NULL);
  g_return_val_if_fail (relative != NULL, NULL);
  resolved = upg_path_resolve_inside (self->path, relative, &why);
  if (resolved == NULL)
    g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE, "%s: '%s': %s",
                 self->path, relative, why);
  return resolved;
}

/**
 * upg_bundle_collect_step_ids: (skip)
 * @self: a bundle
 *
 * Returns: (transfer full) (element-type utf8 utf8): the set of the ids of
 *   every upgrade step of every manifest (strings owned by the steps)
 */
GHashTable *
upg_bundle_collect_step_ids (UpgBundle *self)
{
  GHashTable *ids = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint m = 0; m < self->manifests->len; m++)
    for (guint s = 0; s < UPG_N_STAGES; s++)
      {
        GPtrArray *steps = upg_manifest_get_steps (self->manifests->pdata[m], s);

        for (guint i = 0; i < steps->len; i++)
          g_hash_table_add (ids, (gpointer) upg_step_get_id (steps->pdata[i]));
      }
  return ids;
}

/* Adds the component of each step of @steps to @components, once. */
static void
add_step_components (GPtrArray *components,
                     GPtrArray *steps)
{
  for (guint i = 0; steps != NULL && i < steps->len; i++)
    {
      const char *component = upg_step_get_component (steps->pdata[i]);

      if (component != NULL && !g_ptr_array_find_with_equal_func (components, component, g_str_equal, NULL))
        g_ptr_array_add (components, (gpointer) component);
    }
}

/**
 * upg_bundle_check_component: (skip)
 * @self: a bundle
 * @component: the component a run is restricted to (`--component`)
 * @error: return location for a #GError
 *
 * Checks that some step of the bundle (upgrade or rollback, any version)
 * belongs to @component: a mistyped `--component` would otherwise select
 * no step and report SUCCESS for a stage in which nothing ran. Errors are
 * %UPG_ERROR_INVALID_ARGUMENT naming the component, the bundle and its
 * components.
 *
 * Returns: %TRUE if @component is one of the bundle's
 */
gboolean
upg_bundle_check_component (UpgBundle   *self,
                            const char  *component,
                            GError     **error)
{
  g_autoptr(GPtrArray) components = g_ptr_array_new ();
  g_autoptr(GString) list = g_string_new (NULL);

  g_return_val_if_fail (UPG_IS_BUNDLE (self), FALSE);
  g_return_val_if_fail (component != NULL, FALSE);

  for (guint m = 0; m < self->manifests->len; m++)
    for (guint s = 0; s < UPG_N_STAGES; s++)
      {
        add_step_components (components, upg_manifest_get_steps (self->manifests->pdata[m], s));
        add_step_components (components, upg_manifest_get_rollback_steps (self->manifests->pdata[m], s));
      }
  if (g_ptr_array_find_with_equal_func (components, component, g_str_equal, NULL))
    return TRUE;
  for (guint i = 0; i < components->len; i++)
    g_string_append_printf (list, "%s'%s'", i > 0 ? ", " : "", (const char *) components->pdata[i]);
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
               /* TRANSLATORS: the component asked for, the bundle's
                * directory, its components ('ft', 'ft-manager') */
               _("component '%s' has no step in the bundle %s: expected one of %s"), component, self->path,
               components->len > 0 ? list->str : _("(none)"));
  return FALSE;
}
