/* upg-plugin-manager.c - finds plugins and runs their work in a host process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <sys/stat.h>

#include "upg-config.h"
#include "upg-plugin-manager.h"
#include "upg-plugin-manager-private.h"
#include "upg-plugin-run-private.h"
#include "upg-spi-i18n-private.h"

/**
 * UpgPluginManager:
 *
 * Knows the plugins in the configured directories and runs their work.
 *
 * The engine's process never loads a plugin: a plugin's types cannot be
 * unregistered, and a plugin that crashes or hangs must not take the
 * engine down. Every piece of work (describing a plugin file, a data
 * migration, a set of checks) runs in a fresh `upgrade-plugin-host`
 * process that loads the plugin, so a changed or added file takes effect
 * at the next run: the manager re-describes a file whenever its mtime,
 * size or inode changed.
 *
 * Files in a world-writable directory and world-writable files are
 * refused, as are files that are not plugins and plugins built for another
 * SPI ABI; upg_plugin_manager_get_refused() says why for each.
 */
struct _UpgPluginManager
{
  GObject     parent_instance;

  GPtrArray  *directories;   /* NULL-terminated */
  char       *host_path;
  guint       kill_grace_ms;
  GHashTable *cache;         /* path → CacheEntry */
  GPtrArray  *plugins;       /* UpgPluginInfo, from the last scan */
  GPtrArray  *refused;       /* NULL-terminated messages, from the last scan */
  JsonObject *data_sources;  /* definitions for contexts that carry none */
  GMutex      lock;          /* plugins, refused, cache: steps may run in parallel */
};

typedef struct {
  gint64         mtime_ns;
  gint64         size;
  guint64        inode;
  UpgPluginInfo *info;
  GError        *error;
} CacheEntry;

G_DEFINE_FINAL_TYPE (UpgPluginManager, upg_plugin_manager, G_TYPE_OBJECT)

static void
cache_entry_free (CacheEntry *entry)
{
  g_clear_object (&entry->info);
  g_clear_error (&entry->error);
  g_free (entry);
}

static void
upg_plugin_manager_finalize (GObject *object)
{
  UpgPluginManager *self = UPG_PLUGIN_MANAGER (object);

  g_ptr_array_unref (self->directories);
  g_free (self->host_path);
  g_hash_table_unref (self->cache);
  g_ptr_array_unref (self->plugins);
  g_ptr_array_unref (self->refused);
  g_clear_pointer (&self->data_sources, json_object_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (upg_plugin_manager_parent_class)->finalize (object);
}

static void
upg_plugin_manager_class_init (UpgPluginManagerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_plugin_manager_finalize;
}

static GPtrArray *
new_strv_array (void)
{
  GPtrArray *array = g_ptr_array_new_null_terminated (4, g_free, TRUE);

  return array;
}

/* The shipped plugins' directory: the build tree's `plugins` when running
 * uninstalled (where meson builds them and the plugin host), else the
 * installed one. */
static const char *
system_plugin_directory (void)
{
  static char *directory = NULL;
  static gsize decided = 0;

  if (g_once_init_enter (&decided))
    {
      const char *build_root = upg_spi_get_uninstalled_build_root ();

      directory = build_root != NULL ? g_build_filename (build_root, "plugins", NULL)
                                     : g_strdup (UPG_PLUGINDIR);
      g_once_init_leave (&decided, 1);
    }
  return directory;
}

/* The plugin host: `$UPGRADE_PLUGIN_HOST`, else the installed one in
 * libexecdir (a program only the library runs), else, uninstalled, the
 * build tree's, built beside the shipped plugins. */
static char *
default_host_path (void)
{
  const char *from_env = g_getenv (UPG_PLUGIN_HOST_ENV);

  if (from_env != NULL && *from_env != '\0')
    return g_strdup (from_env);
  if (upg_spi_get_uninstalled_build_root () != NULL)
    return g_build_filename (system_plugin_directory (), "upgrade-plugin-host", NULL);
  return g_build_filename (UPG_LIBEXECDIR, "upgrade-plugin-host", NULL);
}

static void
upg_plugin_manager_init (UpgPluginManager *self)
{
  self->directories = new_strv_array ();
  self->refused = new_strv_array ();
  self->plugins = g_ptr_array_new_with_free_func (g_object_unref);
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) cache_entry_free);
  self->kill_grace_ms = 5000;
  g_mutex_init (&self->lock);
  self->host_path = default_host_path ();
}

/**
 * upg_plugin_manager_get_system_directory:
 *
 * Where the plugins shipped with libupgrade are installed (for programs
 * run from the build tree: where it built them). The engine scans it when
 * the configuration names no `plugin_dirs`.
 *
 * Returns: (transfer none): the directory
 */
const char *
upg_plugin_manager_get_system_directory (void)
{
  return system_plugin_directory ();
}

/**
 * upg_plugin_manager_new:
 *
 * Creates a manager without directories; add them with
 * upg_plugin_manager_add_directory(). The plugin host is
 * `$UPGRADE_PLUGIN_HOST` if set, else the installed one (the build
 * tree's when running uninstalled).
 *
 * Returns: (transfer full): a new manager
 */
UpgPluginManager *
upg_plugin_manager_new (void)
{
  return g_object_new (UPG_TYPE_PLUGIN_MANAGER, NULL);
}

/**
 * upg_plugin_manager_new_for_config:
 * @config: the site configuration
 *
 * Creates a manager scanning the configuration's `plugin_dirs` (or the
 * system directory when it names none) and giving plugins its data
 * sources (see upg_plugin_manager_set_data_sources()).
 *
 * Returns: (transfer full): a new manager
 */
UpgPluginManager *
upg_plugin_manager_new_for_config (UpgConfig *config)
{
  UpgPluginManager *self = upg_plugin_manager_new ();
  const char * const *dirs = upg_config_get_plugin_dirs (config);
  GPtrArray *sources = upg_config_get_data_sources (config);

  for (guint i = 0; dirs != NULL && dirs[i] != NULL; i++)
    upg_plugin_manager_add_directory (self, dirs[i]);
  if (dirs == NULL || dirs[0] == NULL)
    upg_plugin_manager_add_directory (self, upg_plugin_manager_get_system_directory ());
  upg_plugin_manager_set_data_sources (self, sources);
  return self;
}

/**
 * upg_plugin_manager_set_data_sources:
 * @self: a manager
 * @sources: (nullable) (element-type UpgDataSource): the configured data sources
 *
 * Plugins run with a context that defines no data sources get these: the
 * plugin host opens them by name for upg_context_get_connection(). Only
 * where a password is travels to the host (`password_env`,
 * `password_file`), never the password, and never through argv.
 */
void
upg_plugin_manager_set_data_sources (UpgPluginManager *self,
                                     GPtrArray        *sources)
{
  g_return_if_fail (UPG_IS_PLUGIN_MANAGER (self));
  g_clear_pointer (&self->data_sources, json_object_unref);
  self->data_sources = upg_plugin_manager_data_sources_to_json (sources);
}

/**
 * upg_plugin_manager_add_directory:
 * @self: a manager
 * @directory: a directory holding plugin files (`*.so`)
 *
 * Adds a directory to scan. A directory that does not exist is scanned as
 * empty (it may be created later).
 */
void
upg_plugin_manager_add_directory (UpgPluginManager *self,
                                  const char       *directory)
{
  g_return_if_fail (UPG_IS_PLUGIN_MANAGER (self));
  g_return_if_fail (directory != NULL);

  if (!g_strv_contains ((const char * const *) self->directories->pdata, directory))
    g_ptr_array_add (self->directories, g_strdup (directory));
}

/**
 * upg_plugin_manager_get_directories:
 * @self: a manager
 *
 * Gets the directories scanned.
 *
 * Returns: (transfer none) (array zero-terminated=1): the directories scanned
 */
const char * const *
upg_plugin_manager_get_directories (UpgPluginManager *self)
{
  g_return_val_if_fail (UPG_IS_PLUGIN_MANAGER (self), NULL);
  return (const char * const *) self->directories->pdata;
}

/**
 * upg_plugin_manager_get_host_path:
 * @self: a manager
 *
 * Gets the plugin host executable.
 *
 * Returns: (transfer none): the plugin host executable
 */
const char *
upg_plugin_manager_get_host_path (UpgPluginManager *self)
{
  g_return_val_if_fail (UPG_IS_PLUGIN_MANAGER (self), NULL);
  return self->host_path;
}

/**
 * upg_plugin_manager_set_host_path:
 * @self: a manager
 * @path: the plugin host executable
 *
 * Sets the plugin host executable.
 */
void
upg_plugin_manager_set_host_path (UpgPluginManager *self,
                                  const char       *path)
{
  g_return_if_fail (UPG_IS_PLUGIN_MANAGER (self));
  g_return_if_fail (path != NULL);
  g_free (self->host_path);
  self->host_path = g_strdup (path);
}

/**
 * upg_plugin_manager_get_kill_grace:
 * @self: a manager
 *
 * Gets how long a cancelled plugin has to stop before it is killed, in
 * milliseconds.
 *
 * Returns: how long a cancelled plugin has to stop before it is killed,
 *   in milliseconds
 */
guint
upg_plugin_manager_get_kill_grace (UpgPluginManager *self)
{
  g_return_val_if_fail (UPG_IS_PLUGIN_MANAGER (self), 0);
  return self->kill_grace_ms;
}

/**
 * upg_plugin_manager_set_kill_grace:
 * @self: a manager
 * @milliseconds: how long a cancelled plugin has to stop (after SIGTERM)
 *   before it is killed (SIGKILL); 5000 by default
 *
 * Sets how long a cancelled plugin has to stop before it is killed.
 */
void
upg_plugin_manager_set_kill_grace (UpgPluginManager *self,
                                   guint             milliseconds)
{
  g_return_if_fail (UPG_IS_PLUGIN_MANAGER (self));
  self->kill_grace_ms = milliseconds;
}

UpgPluginRunSpec *
upg_plugin_manager_new_spec (UpgPluginManager *self,
                             const char       *label,
                             const char       *what,
                             JsonNode         *request,
                             UpgContext       *context,
                             guint             timeout_seconds)
{
  UpgPluginRunSpec *spec = g_new0 (UpgPluginRunSpec, 1);

  spec->host_path = g_strdup (self->host_path);
  spec->label = g_strdup (label);
  spec->what = g_strdup (what);
  spec->request = request;
  spec->context = context ? g_object_ref (context) : NULL;
  spec->timeout_seconds = timeout_seconds;
  spec->kill_grace_ms = self->kill_grace_ms;
  spec->secrets = upg_plugin_manager_request_secrets (request);
  return spec;
}

static JsonNode *
context_to_json (UpgPluginManager *self,
                 UpgContext       *context)
{
  JsonNode *node = upg_context_to_json (context);
  JsonObject *object = json_node_get_object (node);

  if (json_object_get_size (upg_context_get_data_sources (context)) == 0 &&
      self->data_sources != NULL)
    json_object_set_object_member (object, "data_sources", json_object_ref (self->data_sources));
  return node;
}

JsonNode *
upg_plugin_manager_new_request (UpgPluginManager *self,
                                const char *op,
                                const char *plugin_path,
                                UpgContext *context,
                                const char *member,
                                const char *value)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "op");
  json_builder_add_string_value (builder, op);
  json_builder_set_member_name (builder, "plugin");
  json_builder_add_string_value (builder, plugin_path);
  if (member != NULL)
    {
      json_builder_set_member_name (builder, member);
      json_builder_add_string_value (builder, value);
    }
  if (context != NULL)
    {
      json_builder_set_member_name (builder, "context");
      json_builder_add_value (builder, context_to_json (self, context));
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/**
 * upg_plugin_manager_inspect_file:
 * @self: a manager
 * @path: a plugin file
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Loads @path in a plugin host and describes it, without adding it to the
 * manager's list.
 *
 * Returns: (transfer full): the plugin's description, or %NULL with @error
 *   set: %UPG_ERROR_ABI_MISMATCH naming both ABI versions,
 *   %UPG_ERROR_PLUGIN for a file that is not a loadable plugin
 */
UpgPluginInfo *
upg_plugin_manager_inspect_file (UpgPluginManager  *self,
                                 const char        *path,
                                 GCancellable      *cancellable,
                                 GError           **error)
{
  g_autofree char *label = NULL;
  g_autoptr(UpgPluginRunOutput) output = NULL;

  g_return_val_if_fail (UPG_IS_PLUGIN_MANAGER (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  label = g_strdup_printf (_("plugin file '%s'"), path);
  output = upg_plugin_run_sync (upg_plugin_manager_new_spec (self, label, "load",
                                  upg_plugin_manager_new_request (self, "describe", path, NULL,
                                                                  NULL, NULL),
                                  NULL, 30),
                                cancellable, error);
  if (output == NULL)
    return NULL;
  return upg_plugin_info_new_from_json (path, output->description, error);
}

static gboolean
is_world_writable (const char *path,
                   struct stat *st)
{
  return stat (path, st) == 0 && (st->st_mode & S_IWOTH) != 0;
}

static void
refuse (UpgPluginManager *self,
        const char       *message)
{
  g_ptr_array_add (self->refused, g_strdup (message));
}

static UpgPluginInfo *
describe_cached (UpgPluginManager *self,
                 const char       *path,
                 struct stat      *st,
                 GCancellable     *cancellable,
                 GError          **error)
{
  CacheEntry *entry = g_hash_table_lookup (self->cache, path);

  if (entry == NULL || entry->mtime_ns != (gint64) st->st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st->st_mtim.tv_nsec ||
      entry->size != st->st_size || entry->inode != st->st_ino)
    {
      GError *local_error = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      entry = g_new0 (CacheEntry, 1);
      entry->mtime_ns = (gint64) st->st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st->st_mtim.tv_nsec;
      entry->size = st->st_size;
      entry->inode = st->st_ino;
      entry->info = upg_plugin_manager_inspect_file (self, path, cancellable, &local_error);
      entry->error = local_error;
      g_hash_table_replace (self->cache, g_strdup (path), entry);
    }
  if (entry->error != NULL)
    {
      g_propagate_error (error, g_error_copy (entry->error));
      return NULL;
    }
  return g_object_ref (entry->info);
}

static gboolean
clashes (UpgPluginManager *self,
         UpgPluginInfo    *info)
{
  for (guint i = 0; i < self->plugins->len; i++)
    {
      UpgPluginInfo *other = self->plugins->pdata[i];
      const char * const *types = upg_plugin_info_get_type_names (info);
      g_autofree char *message = NULL;

      if (g_strcmp0 (upg_plugin_info_get_name (other), upg_plugin_info_get_name (info)) == 0)
        message = g_strdup_printf (_("plugin file '%s' is refused: plugin '%s' is already "
                                     "loaded from '%s'"), upg_plugin_info_get_path (info),
                                   upg_plugin_info_get_name (info),
                                   upg_plugin_info_get_path (other));
      for (guint t = 0; message == NULL && types[t] != NULL; t++)
        if (upg_plugin_info_has_type (other, types[t]))
          message = g_strdup_printf (_("plugin file '%s' is refused: type '%s' is already "
                                       "provided by plugin '%s' (%s)"),
                                     upg_plugin_info_get_path (info), types[t],
                                     upg_plugin_info_get_name (other),
                                     upg_plugin_info_get_path (other));
      if (message != NULL)
        {
          refuse (self, message);
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
scan_file (UpgPluginManager *self,
           const char       *path,
           GCancellable     *cancellable,
           GError          **error)
{
  struct stat st;
  g_autoptr(UpgPluginInfo) info = NULL;
  g_autoptr(GError) local_error = NULL;

  if (stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return TRUE;
  if ((st.st_mode & S_IWOTH) != 0)
    {
      g_autofree char *message =
        g_strdup_printf (_("plugin file '%s' is world-writable: refused"), path);
      refuse (self, message);
      return TRUE;
    }
  info = describe_cached (self, path, &st, cancellable, &local_error);
  if (info == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      refuse (self, local_error->message);
      return TRUE;
    }
  if (!clashes (self, info))
    g_ptr_array_add (self->plugins, g_steal_pointer (&info));
  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
scan_directory (UpgPluginManager *self,
                const char       *directory,
                GCancellable     *cancellable,
                GError          **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  struct stat st;
  const char *name;

  if (is_world_writable (directory, &st))
    {
      g_autofree char *message =
        g_strdup_printf (_("plugin directory '%s' is world-writable: its plugins are refused"),
                         directory);
      refuse (self, message);
      return TRUE;
    }
  dir = g_dir_open (directory, 0, NULL);
  if (dir == NULL)
    return TRUE;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".so"))
      g_ptr_array_add (names, g_strdup (name));
  /* Stable order, so that which of two clashing plugins wins is predictable. */
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (directory, names->pdata[i], NULL);

      if (!scan_file (self, path, cancellable, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
scan_locked (UpgPluginManager  *self,
             GCancellable      *cancellable,
             GError           **error)
{
  g_autoptr(GPtrArray) previous = NULL;

  previous = g_steal_pointer (&self->refused);
  self->refused = new_strv_array ();
  g_ptr_array_set_size (self->plugins, 0);
  for (guint i = 0; i < self->directories->len; i++)
    if (!scan_directory (self, self->directories->pdata[i], cancellable, error))
      return FALSE;
  /* Say it once per refusal, not at every run. */
  for (guint i = 0; i < self->refused->len; i++)
    if (!g_strv_contains ((const char * const *) previous->pdata, self->refused->pdata[i]))
      g_message ("%s", (const char *) self->refused->pdata[i]);
  return TRUE;
}

/**
 * upg_plugin_manager_scan:
 * @self: a manager
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Brings the list of plugins up to date: new and changed files are
 * described (each in a plugin host), removed ones dropped. Refused files
 * do not make the scan fail; upg_plugin_manager_get_refused() lists them.
 * Running work scans first, so calling this is only needed to list.
 *
 * Returns: %TRUE unless cancelled
 */
gboolean
upg_plugin_manager_scan (UpgPluginManager  *self,
                         GCancellable      *cancellable,
                         GError           **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (UPG_IS_PLUGIN_MANAGER (self), FALSE);

  locker = g_mutex_locker_new (&self->lock);
  return scan_locked (self, cancellable, error);
}

/**
 * upg_plugin_manager_list_plugins:
 * @self: a manager
 *
 * Lists the plugins the manager found.
 *
 * Returns: (transfer container) (element-type UpgPluginInfo): the plugins
 *   found by the last scan
 */
GPtrArray *
upg_plugin_manager_list_plugins (UpgPluginManager *self)
{
  GPtrArray *copy;

  g_return_val_if_fail (UPG_IS_PLUGIN_MANAGER (self), NULL);
  copy = g_ptr_array_new_with_free_func (g_object_unref);
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->plugins->len; i++)
    g_ptr_array_add (copy, g_object_ref (self->plugins->pdata[i]));
  g_mutex_unlock (&self->lock);
  return copy;
}

/**
 * upg_plugin_manager_get_refused:
 * @self: a manager
 *
 * Gets why each refused file was refused in the last scan, one message naming
 * the file each.
 *
 * Returns: (transfer none) (array zero-terminated=1): why each refused
 *   file was refused in the last scan, one message naming the file each;
 *   valid until the next scan
 */
const char * const *
upg_plugin_manager_get_refused (UpgPluginManager *self)
{
  g_return_val_if_fail (UPG_IS_PLUGIN_MANAGER (self), NULL);
  return (const char * const *) self->refused->pdata;
}

/**
 * upg_plugin_manager_find_type:
 * @self: a manager
 * @type_name: a type name, e.g. a step's `class_name`
 * @error: return location for a #GError
 *
 * Scans, then finds the plugin providing @type_name.
 *
 * Returns: (transfer full): the plugin, or %NULL with @error set
 *   (%UPG_ERROR_NOT_FOUND naming the type and the directories)
 */
UpgPluginInfo *
upg_plugin_manager_find_type (UpgPluginManager  *self,
                              const char        *type_name,
                              GError           **error)
{
  g_autofree char *dirs = NULL;
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (UPG_IS_PLUGIN_MANAGER (self), NULL);
  g_return_val_if_fail (type_name != NULL, NULL);

  locker = g_mutex_locker_new (&self->lock);
  if (!scan_locked (self, NULL, error))
    return NULL;
  for (guint i = 0; i < self->plugins->len; i++)
    if (upg_plugin_info_has_type (self->plugins->pdata[i], type_name))
      return g_object_ref (self->plugins->pdata[i]);
  dirs = g_strjoinv (", ", (char **) self->directories->pdata);
  /* The plugin meant may be one that was refused (it crashed while it
   * was described, or was built for another ABI): say which were, or the
   * operator looks for a typo in the bundle. */
  if (self->refused->len > 0)
    {
      g_autofree char *refused = g_strjoinv ("; ", (char **) self->refused->pdata);

      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND,
                   _("no plugin provides type '%s' (plugin directories: %s; refused: %s)"),
                   type_name, dirs, refused);
      return NULL;
    }
  g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND,
               _("no plugin provides type '%s' (plugin directories: %s)"), type_name,
               /* TRANSLATORS: in place of the list of plugin directories */
               *dirs ? dirs : _("none configured"));
  return NULL;
}
