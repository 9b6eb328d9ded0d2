/* upg-config.c - the site configuration (upgrade.json)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-config.h"
#include "upg-data-source-private.h"
#include "upg-json-private.h"
#include "upg-notify-hook-private.h"

/**
 * UpgConfig:
 *
 * The site configuration (SPEC §7): `site_id`, `env` (any JSON object
 * passed to plugins and commands), `datasources` (name → data source),
 * `journal` (a data source; absent: the default SQLite journal of the
 * state directory), `plugin_dirs`, `service.listen`,
 * `service.token_file`, `service.max_body`, `service.idle_timeout`,
 * `service.metrics_public`, `notify` (webhooks, upg-notify-hook.c), and `sites`: more sites this machine upgrades
 * besides `site_id` (a list of ids; SPEC §3 Site and range). Every relative path in it (SQLite `path`,
 * `password_file`, `plugin_dirs`, `token_file`) is resolved against the
 * directory of the configuration file. Unknown members are ignored.
 */
struct _UpgConfig
{
  GObject        parent_instance;

  char          *path;
  char          *site_id;
  GStrv          sites;
  GPtrArray     *secret_env;
  JsonObject    *env;
  GPtrArray     *data_sources;
  UpgDataSource *journal;
  GStrv          plugin_dirs;
  char          *service_listen;
  char          *service_token_file;
  guint64        service_max_body;
  guint64        service_idle_timeout;
  gboolean       service_metrics_public;
  GPtrArray     *notify_hooks;
};

G_DEFINE_FINAL_TYPE (UpgConfig, upg_config, G_TYPE_OBJECT)

static void
upg_config_finalize (GObject *object)
{
  UpgConfig *self = UPG_CONFIG (object);

  g_free (self->path);
  g_free (self->site_id);
  g_strfreev (self->sites);
  g_ptr_array_unref (self->secret_env);
  json_object_unref (self->env);
  g_ptr_array_unref (self->data_sources);
  g_clear_object (&self->journal);
  g_strfreev (self->plugin_dirs);
  g_free (self->service_listen);
  g_free (self->service_token_file);
  g_ptr_array_unref (self->notify_hooks);

  G_OBJECT_CLASS (upg_config_parent_class)->finalize (object);
}

static void
upg_config_class_init (UpgConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_config_finalize;
}

static void
upg_config_init (UpgConfig *self)
{
  self->env = json_object_new ();
  self->secret_env = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->secret_env, NULL);
  self->data_sources = g_ptr_array_new_with_free_func (g_object_unref);
  self->plugin_dirs = g_new0 (char *, 1);
  self->notify_hooks = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_notify_hook_free);
  self->service_max_body = UPG_CONFIG_DEFAULT_MAX_BODY;
  self->service_idle_timeout = UPG_CONFIG_DEFAULT_IDLE_TIMEOUT;
}

/**
 * upg_config_new:
 *
 * Creates an empty configuration.
 *
 * Returns: (transfer full): an empty configuration (no site, no data
 *   sources, default journal)
 */
UpgConfig *
upg_config_new (void)
{
  return g_object_new (UPG_TYPE_CONFIG, NULL);
}

static gboolean
read_data_sources (UpgConfig        *self,
                   const UpgJsonCtx *ctx,
                   JsonObject       *root,
                   const char       *base_dir,
                   GError          **error)
{
  JsonObject *sources = NULL;
  g_autoptr(GList) names = NULL;

  if (!upg_json_get_object (ctx, root, "$", "datasources", &sources, error))
    return FALSE;
  if (sources == NULL)
    return TRUE;
  names = json_object_get_members (sources);
  for (GList *l = names; l != NULL; l = l->next)
    {
      g_autofree char *path = upg_json_member_path ("$.datasources", l->data);
      JsonObject *object = NULL;
      UpgDataSource *source;

      if (!upg_json_require_object (ctx, json_object_get_member (sources, l->data), path,
                                    &object, error))
        return FALSE;
      source = upg_data_source_new_from_json_at (ctx, path, l->data, object, base_dir, error);
      if (source == NULL)
        return FALSE;
      g_ptr_array_add (self->data_sources, source);
    }
  return TRUE;
}

static gboolean
read_journal (UpgConfig        *self,
              const UpgJsonCtx *ctx,
              JsonObject       *root,
              const char       *base_dir,
              GError          **error)
{
  JsonObject *journal = NULL;

  if (!upg_json_get_object (ctx, root, "$", "journal", &journal, error))
    return FALSE;
  if (journal == NULL)
    return TRUE;
  self->journal = upg_data_source_new_from_json_at (ctx, "$.journal", "journal", journal,
                                                    base_dir, error);
  return self->journal != NULL;
}

static gboolean
read_rest (UpgConfig        *self,
           const UpgJsonCtx *ctx,
           JsonObject       *root,
           const char       *base_dir,
           GError          **error)
{
  const char *site_id = NULL, *listen = NULL, *token_file = NULL;
  JsonObject *env = NULL, *service = NULL;
  guint64 max_body = UPG_CONFIG_DEFAULT_MAX_BODY;
  guint64 idle_timeout = UPG_CONFIG_DEFAULT_IDLE_TIMEOUT;
  gboolean metrics_public = FALSE;
  g_auto(GStrv) dirs = NULL;
  g_auto(GStrv) sites = NULL;

  if (!upg_json_get_string (ctx, root, "$", "site_id", FALSE, &site_id, error)
      || !upg_json_get_strv (ctx, root, "$", "sites", FALSE, &sites, error)
      || !upg_json_get_object (ctx, root, "$", "env", &env, error)
      || !upg_json_get_strv (ctx, root, "$", "plugin_dirs", FALSE, &dirs, error)
      || !upg_json_get_object (ctx, root, "$", "service", &service, error))
    return FALSE;
  if (service != NULL
      && (!upg_json_get_string (ctx, service, "$.service", "listen", FALSE, &listen, error)
          || !upg_json_get_string (ctx, service, "$.service", "token_file", FALSE,
                                   &token_file, error)
          || !upg_json_get_uint (ctx, service, "$.service", "max_body", G_MAXINT32,
                                 &max_body, error)
          || !upg_json_get_uint (ctx, service, "$.service", "idle_timeout", 24 * 3600,
                                 &idle_timeout, error)
          || !upg_json_get_bool (ctx, service, "$.service", "metrics_public",
                                 &metrics_public, error)))
    return FALSE;
  if (idle_timeout == 0)
    return upg_json_fail (ctx, "$.service.idle_timeout", error,
                          "%s", _("expected a number of seconds of at least 1, got 0"));
  self->site_id = g_strdup (site_id);
  self->sites = g_steal_pointer (&sites);
  if (env != NULL)
    {
      json_object_unref (self->env);
      self->env = json_object_ref (env);
    }
  for (guint i = 0; dirs != NULL && dirs[i] != NULL; i++)
    {
      char *resolved = g_canonicalize_filename (dirs[i], base_dir);

      g_free (dirs[i]);
      dirs[i] = resolved;
    }
  if (dirs != NULL)
    {
      g_strfreev (self->plugin_dirs);
      self->plugin_dirs = g_steal_pointer (&dirs);
    }
  self->service_listen = g_strdup (listen);
  self->service_max_body = max_body;
  self->service_idle_timeout = idle_timeout;
  self->service_metrics_public = metrics_public;
  self->service_token_file = token_file != NULL
    ? g_canonicalize_filename (token_file, base_dir) : NULL;
  return TRUE;
}

/* Every `password_env` / `token_env` anywhere in the file (data sources,
 * the journal, notify hooks, whatever comes later), so that no child of
 * the engine inherits a secret whatever member holds its name. */
static void
collect_secret_env (UpgConfig *self,
                    JsonNode  *node)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        collect_secret_env (self, json_array_get_element (array, i));
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) names = json_object_get_members (object);

      for (GList *l = names; l != NULL; l = l->next)
        {
          JsonNode *member = json_object_get_member (object, l->data);

          if ((g_str_equal (l->data, "password_env") || g_str_equal (l->data, "token_env"))
              && JSON_NODE_HOLDS_VALUE (member) && json_node_get_value_type (member) == G_TYPE_STRING
              && !g_strv_contains ((const char * const *) self->secret_env->pdata,
                                   json_node_get_string (member)))
            g_ptr_array_insert (self->secret_env, (int) self->secret_env->len - 1,
                                g_strdup (json_node_get_string (member)));
          else
            collect_secret_env (self, member);
        }
    }
}

/**
 * upg_config_new_from_file:
 * @path: an `upgrade.json`
 * @error: return location for a #GError
 *
 * Errors are %UPG_ERROR_INVALID_CONFIG naming the file and either the
 * position of malformed JSON or the JSON path of the offending value
 * (`$.datasources.ft_db.port`) and what was expected.
 *
 * Returns: (transfer full): the configuration
 */
UpgConfig *
upg_config_new_from_file (const char *path,
                          GError    **error)
{
  UpgJsonCtx ctx = { path, UPG_ERROR_INVALID_CONFIG };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(UpgConfig) self = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *base_dir = NULL;
  g_autoptr(GPtrArray) hooks = NULL;
  JsonObject *object = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  root = upg_json_parse_file (&ctx, error);
  if (root == NULL || !upg_json_require_object (&ctx, root, "$", &object, error))
    return NULL;
  absolute = g_canonicalize_filename (path, NULL);
  base_dir = g_path_get_dirname (absolute);
  self = upg_config_new ();
  self->path = g_strdup (path);
  if (!read_rest (self, &ctx, object, base_dir, error)
      || !read_data_sources (self, &ctx, object, base_dir, error)
      || !read_journal (self, &ctx, object, base_dir, error))
    return NULL;
  hooks = upg_notify_hooks_from_json (&ctx, object, error);
  if (hooks == NULL)
    return NULL;
  g_ptr_array_unref (self->notify_hooks);
  self->notify_hooks = g_steal_pointer (&hooks);
  collect_secret_env (self, root);
  return g_steal_pointer (&self);
}

/**
 * upg_config_get_path:
 * @self: a configuration
 *
 * Gets the file it was read from.
 *
 * Returns: (transfer none) (nullable): the file it was read from
 */
const char *
upg_config_get_path (UpgConfig *self)
{
  g_return_val_if_fail (UPG_IS_CONFIG (self), NULL);
  return self->path;
}

/**
 * upg_config_get_site_id:
 * @self: a configuration
 *
 * Gets the site this machine belongs to.
 *
 * Returns: (transfer none) (nullable): the site this machine belongs to
 */
const char *
upg_config_get_site_id (UpgConfig *self)
{
  g_return_val_if_fail (UPG_IS_CONFIG (self), NULL);
  return self->site_id;
}

/**
 * upg_config_get_sites:
 * @self: a configuration
 *
 * Gets the `sites` list (without `site_id`).
 *
 * Returns: (transfer none) (array zero-terminated=1) (nullable): the
 *   `sites` list (without `site_id`), %NULL when absent
 */
const char * const *
upg_config_get_sites (UpgConfig *self)
{
  g_return_val_if_fail (UPG_IS_CONFIG (self), NULL);
  return (const char * const *) self->sites;
}

/**
 * upg_config_check_site:
 * @self: a configuration
 * @site_id: (nullable): the site a caller asks for
 * @error: return location for a #GError
 *
 * Checks that @site_id is this configuration's `site_id` or one of its
 * `sites` (SPEC §3 Site and range), so that a mistyped site never runs,
 * plans or unlocks anything. A configuration naming no site at all (an
 * empty one, as embedders and `upgradectl` without `-c` have) restricts
 * nothing. Errors are %UPG_ERROR_INVALID_ARGUMENT naming the site, the
 * accepted ones and the configuration file.
 *
 * Returns: %TRUE if @site_id may be used
 */
gboolean
upg_config_check_site (UpgConfig   *self,
                       const char  *site_id,
                       GError     **error)
{
  g_autoptr(GPtrArray) known = NULL;
  g_autoptr(GString) list = g_string_new (NULL);

  g_return_val_if_fail (UPG_IS_CONFIG (self), FALSE);

  known = g_ptr_array_new ();
  if (self->site_id != NULL && *self->site_id != '\0')
    g_ptr_array_add (known, self->site_id);
  /* A "sites" list that repeats site_id is usual: each site is named once. */
  for (guint i = 0; self->sites != NULL && self->sites[i] != NULL; i++)
    if (!g_ptr_array_find_with_equal_func (known, self->sites[i], g_str_equal, NULL))
      g_ptr_array_add (known, self->sites[i]);
  if (known->len == 0)
    return TRUE;
  for (guint i = 0; site_id != NULL && i < known->len; i++)
    if (g_str_equal (known->pdata[i], site_id))
      return TRUE;
  /* Each site quoted on its own: a translation's quotes around the whole
   * list read as one site named "bj-01', 'bj-02". */
  for (guint i = 0; i < known->len; i++)
    g_string_append_printf (list, "%s'%s'", i > 0 ? ", " : "", (const char *) known->pdata[i]);
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
               /* TRANSLATORS: the site asked for, " <configuration file>"
                * or nothing, the accepted sites ('bj-01', 'bj-02') */
               _("site '%s' is not a site of this configuration%s%s: expected %s "
                 "(its \"site_id\" or one of its \"sites\")"),
               site_id != NULL ? site_id : "", self->path != NULL ? " " : "",
               self->path != NULL ? self->path : "", list->str);
  return FALSE;
}

/**
 * upg_config_get_secret_env:
 * @self: a configuration
 *
 * The environment variables that hold secrets: every `password_env` and
 * `token_env` of the file. They are removed from the environment of
 * command steps and plugin hosts (SPEC §7).
 *
 * Returns: (transfer none) (array zero-terminated=1): their names
 */
const char * const *
upg_config_get_secret_env (UpgConfig *self)
{
  g_return_val_if_fail (UPG_IS_CONFIG (self), NULL);
  return (const char * const *) self->secret_env->pdata;
}

/**
 * upg_config_get_env:
 * @self: a configuration
 *
 * Gets the `env` object.
 *
 * Returns: (transfer none): the `env` object (empty when absent)
 */
JsonObject *
upg_config_get_env (UpgConfig *self)
{
  g_return_val_if_fail (UPG_IS_CONFIG (self), NULL);
  return self->env;
}

/**
 * upg_config_get_data_sources:
 * @self: a configuration
 *
 * Gets the data sources in the order of the file.
 *
 * Returns: (transfer none) (element-type UpgDataSource): the data sources
 *   in the order of the file
 */
GPtrArray *
upg_config_get_data_sources (UpgConfig *self)
{
  g_return_val_if_fail (UPG_IS_CONFIG (self), NULL);
  return self->data_sources;
}

/**
 * upg_config_lookup_data_source:
 * @self: a configuration
 * @name: a data source name
 *
 * Looks up a data source by its name under `datasources`.
 *
 * Returns: (transfer none) (nullable): the data source called @name
 */
UpgDataSource *
upg_config_lookup_data_source (UpgConfig  *self,
                               const char *name)
{
  g_return_val_if_fail (UPG_IS_CONFIG (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  for (guint i = 0; i < self->data_sources->len; i++)
    if (g_str_equal (upg_data_source_get_name (self->data_sources->pdata[i]), name))
      return self->data_sources->pdata[i];
  return NULL;
}

/**
 * upg_config_get_journal:
 * @self: a configuration
 *
 * Gets the journal's data source.
 *
 * Returns: (transfer none) (nullable): the journal's data source (named
 *   "journal"); %NULL: use the default `<state-dir>/journal.db`
 */
UpgDataSource *
upg_config_get_journal (UpgConfig *self)
{
  g_return_val_if_fail (UPG_IS_CONFIG (self), NULL);
  return self->journal;
}

/**
 * upg_config_get_plugin_dirs:
 * @self: a configuration
 *
 * Gets the plugin directories, absolute.
 *
 * Returns: (transfer none) (array zero-terminated=1): absolute plugin directories
 */
const char * const *
upg_config_get_plugin_dirs (UpgConfig *self)
{
  g_return_val_if_fail (UPG_IS_CONFIG (self), NULL);
  return (const char * const *) self->plugin_dirs;
}

/**
 * upg_config_get_service_listen:
 * @self: a configuration
 *
 * Gets the address the HTTP service listens on.
 *
 * Returns: (transfer none) (nullable): `service.listen` (`ADDR:PORT`)
 */
const char *
upg_config_get_service_listen (UpgConfig *self)
{
  g_return_val_if_fail (UPG_IS_CONFIG (self), NULL);
  return self->service_listen;
}

/**
 * upg_config_get_service_token_file:
 * @self: a configuration
 *
 * Gets the file that holds the HTTP service's bearer token.
 *
 * Returns: (transfer none) (nullable): `service.token_file`, absolute
 */
const char *
upg_config_get_service_token_file (UpgConfig *self)
{
  g_return_val_if_fail (UPG_IS_CONFIG (self), NULL);
  return self->service_token_file;
}

/**
 * upg_config_get_service_max_body:
 * @self: a configuration
 *
 * Gets the largest request body the HTTP service accepts.
 *
 * Returns: `service.max_body`: the largest request body the service reads,
 *   in bytes (default 1 MiB); a larger declared `Content-Length` is a 413
 */
guint64
upg_config_get_service_max_body (UpgConfig *self)
{
  g_return_val_if_fail (UPG_IS_CONFIG (self), UPG_CONFIG_DEFAULT_MAX_BODY);
  return self->service_max_body;
}

/**
 * upg_config_get_service_idle_timeout:
 * @self: a configuration
 *
 * Gets how long the HTTP service waits for a slow client.
 *
 * Returns: `service.idle_timeout`: seconds a connection may stay without
 *   sending a complete request, or stall while one is read or answered
 *   (default 30)
 */
guint64
upg_config_get_service_idle_timeout (UpgConfig *self)
{
  g_return_val_if_fail (UPG_IS_CONFIG (self), UPG_CONFIG_DEFAULT_IDLE_TIMEOUT);
  return self->service_idle_timeout;
}

/**
 * upg_config_get_service_metrics_public:
 * @self: a configuration
 *
 * Tells whether the HTTP service serves metrics without authentication.
 *
 * Returns: `service.metrics_public`: whether `GET /metrics` answers
 *   without the bearer token (default %FALSE)
 */
gboolean
upg_config_get_service_metrics_public (UpgConfig *self)
{
  g_return_val_if_fail (UPG_IS_CONFIG (self), FALSE);
  return self->service_metrics_public;
}

/*
 * upg_config_get_notify_hooks:
 *
 * Returns: (transfer none) (element-type UpgNotifyHook): the webhooks of
 *   `notify`, in order (empty when there are none)
 */
GPtrArray *
upg_config_get_notify_hooks (UpgConfig *self)
{
  g_return_val_if_fail (UPG_IS_CONFIG (self), NULL);
  return self->notify_hooks;
}
