/* upg-plugin-manager-run.c - running migrations and checks through the manager
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-plugin-manager-private.h"

static gboolean
check_migration (UpgPluginInfo       *info,
                 const char          *type_name,
                 UpgMigrationAction   action,
                 GError             **error)
{
  if (!upg_plugin_info_implements (info, type_name, "UpgDataMigration"))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN,
                   _("type '%s' of plugin '%s' does not implement %s"),
                   type_name, upg_plugin_info_get_name (info), "UpgDataMigration");
      return FALSE;
    }
  if (!upg_plugin_info_supports (info, type_name, action))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN,
                   _("%s (plugin '%s') does not support %s"), type_name,
                   upg_plugin_info_get_name (info), upg_migration_action_to_string (action));
      return FALSE;
    }
  return TRUE;
}

static void
on_migration_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(UpgPluginRunOutput) output = upg_plugin_run_finish (result, &error);

  if (output == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * upg_plugin_manager_run_migration_async:
 * @self: a manager
 * @type_name: the step's `class_name`: a type implementing #UpgDataMigration
 * @action: migrate, rollback or cleanup
 * @context: the execution; receives the plugin's logs, progress and
 *   checkpoints (its checkpoint store must be installed)
 * @params: (nullable): the step's `params`; %NULL for the context's
 * @timeout_seconds: the step's `timeout`; 0 for no limit
 * @cancellable: (nullable): cancels the run: the host gets SIGTERM (which
 *   cancels the plugin), then SIGKILL after the kill grace
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Runs a data migration action in a new plugin host process. The host
 * is killed if the calling thread exits (or the process dies) before it
 * is done: call this from a thread that runs until @callback.
 */
void
upg_plugin_manager_run_migration_async (UpgPluginManager   *self,
                                        const char         *type_name,
                                        UpgMigrationAction  action,
                                        UpgContext         *context,
                                        JsonObject         *params,
                                        guint               timeout_seconds,
                                        GCancellable       *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(UpgPluginInfo) info = NULL;
  g_autofree char *label = NULL, *what = NULL;
  GError *error = NULL;
  JsonNode *request;

  g_return_if_fail (UPG_IS_PLUGIN_MANAGER (self));
  g_return_if_fail (type_name != NULL);
  g_return_if_fail (UPG_IS_CONTEXT (context));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, upg_plugin_manager_run_migration_async);
  /* The run reports cancellation itself, as G_IO_ERROR_CANCELLED, once the
   * host is gone. */
  g_task_set_check_cancellable (task, FALSE);
  info = upg_plugin_manager_find_type (self, type_name, &error);
  if (info == NULL || !check_migration (info, type_name, action, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  request = upg_plugin_manager_new_request (self, upg_migration_action_to_string (action),
                                            upg_plugin_info_get_path (info), context,
                                            "type", type_name);
  if (params != NULL)
    {
      JsonNode *node = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (node, params);
      json_object_set_member (json_node_get_object (request), "params", node);
    }
  label = g_strdup_printf (_("plugin '%s'"), upg_plugin_info_get_name (info));
  what = g_strdup_printf ("%s.%s", type_name, upg_migration_action_to_string (action));
  upg_plugin_run_async (upg_plugin_manager_new_spec (self, label, what, request, context,
                                                     timeout_seconds),
                        cancellable, on_migration_done, g_steal_pointer (&task));
}

/**
 * upg_plugin_manager_run_migration_finish:
 * @self: a manager
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes a data migration action started with
 * upg_plugin_manager_run_migration_async().
 *
 * Returns: %TRUE if the action succeeded; otherwise @error says why:
 *   the plugin's own error, %UPG_ERROR_NOT_FOUND (no such type),
 *   %UPG_ERROR_PLUGIN (crash: "plugin 'x' crashed (signal 11) in
 *   Type.migrate", or an unsupported action), %UPG_ERROR_TIMEOUT,
 *   %G_IO_ERROR_CANCELLED
 */
gboolean
upg_plugin_manager_run_migration_finish (UpgPluginManager  *self,
                                         GAsyncResult      *result,
                                         GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * upg_plugin_manager_run_migration:
 * @self: a manager
 * @type_name: the step's `class_name`
 * @action: migrate, rollback or cleanup
 * @context: the execution
 * @params: (nullable): the step's `params`; %NULL for the context's
 * @timeout_seconds: the step's `timeout`; 0 for no limit
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Synchronous form of upg_plugin_manager_run_migration_async(); the
 * context's signals are emitted in the calling thread.
 *
 * Returns: %TRUE if the action succeeded
 */
gboolean
upg_plugin_manager_run_migration (UpgPluginManager   *self,
                                  const char         *type_name,
                                  UpgMigrationAction  action,
                                  UpgContext         *context,
                                  JsonObject         *params,
                                  guint               timeout_seconds,
                                  GCancellable       *cancellable,
                                  GError            **error)
{
  g_autoptr(GMainContext) main_context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;

  g_main_context_push_thread_default (main_context);
  upg_plugin_manager_run_migration_async (self, type_name, action, context, params,
                                          timeout_seconds, cancellable, upg_plugin_sync_done, &result);
  return upg_plugin_manager_run_migration_finish (self, upg_plugin_sync_wait (main_context, &result), error);
}

typedef struct {
  GType          iface;
  UpgContext    *context;
  guint          timeout_seconds;
  GPtrArray     *plugins;   /* UpgPluginInfo still to run */
  GPtrArray     *results;
} ChecksData;

static void
checks_data_free (ChecksData *data)
{
  g_object_unref (data->context);
  g_ptr_array_unref (data->plugins);
  g_ptr_array_unref (data->results);
  g_free (data);
}

static const char *
kind_of_interface (GType iface)
{
  if (iface == UPG_TYPE_RESOURCE_CHECK)
    return UPG_CHECK_KIND_RESOURCE;
  if (iface == UPG_TYPE_DATA_QUALITY)
    return UPG_CHECK_KIND_DATA_QUALITY;
  if (iface == UPG_TYPE_COMPATIBILITY)
    return UPG_CHECK_KIND_COMPATIBILITY;
  if (iface == UPG_TYPE_DURATION_ESTIMATE)
    return UPG_CHECK_KIND_DURATION;
  return NULL;
}

static gboolean
implements_any (UpgPluginInfo *info,
                GType          iface)
{
  const char * const *types = upg_plugin_info_get_type_names (info);

  for (guint i = 0; types[i] != NULL; i++)
    if (upg_plugin_info_implements (info, types[i], g_type_name (iface)))
      return TRUE;
  return FALSE;
}

static void run_next_plugin (GTask *task);

/* A plugin that fails, crashes or times out becomes a failing item naming
 * it, so that one broken plugin does not hide the other checks. */
static void
on_plugin_checked (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  ChecksData *data = g_task_get_task_data (task);
  g_autoptr(UpgPluginInfo) info = g_ptr_array_steal_index (data->plugins, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgPluginRunOutput) output = upg_plugin_run_finish (result, &error);

  if (output != NULL)
    g_ptr_array_extend_and_steal (data->results, g_ptr_array_ref (output->results));
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  else
    {
      g_autofree char *id = g_strdup_printf ("plugin:%s", upg_plugin_info_get_name (info));
      UpgCheckResult *item = upg_check_result_new (kind_of_interface (data->iface), id, NULL,
                                                   UPG_VERDICT_FAIL, error->message);

      upg_check_result_set_figure_string (item, "plugin_file", upg_plugin_info_get_path (info));
      upg_check_result_set_suggestion (item, _("fix or remove the plugin, then assess again"));
      g_ptr_array_add (data->results, item);
    }
  run_next_plugin (task);
}

static void
run_next_plugin (GTask *task)
{
  ChecksData *data = g_task_get_task_data (task);
  UpgPluginManager *self = g_task_get_source_object (task);
  UpgPluginInfo *info;
  g_autofree char *label = NULL, *what = NULL;

  if (data->plugins->len == 0)
    {
      g_task_return_pointer (task, g_ptr_array_ref (data->results),
                             (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }
  info = data->plugins->pdata[0];
  label = g_strdup_printf (_("plugin '%s'"), upg_plugin_info_get_name (info));
  what = g_strdup_printf ("%s.load", upg_plugin_info_get_name (info));
  upg_plugin_run_async (upg_plugin_manager_new_spec (self, label, what,
                          upg_plugin_manager_new_request (self, "check",
                                                          upg_plugin_info_get_path (info),
                                                          data->context, "interface",
                                                          g_type_name (data->iface)),
                          data->context, data->timeout_seconds),
                        g_task_get_cancellable (task), on_plugin_checked, task);
}

/**
 * upg_plugin_manager_run_checks_async:
 * @self: a manager
 * @interface_type: %UPG_TYPE_RESOURCE_CHECK, %UPG_TYPE_DATA_QUALITY,
 *   %UPG_TYPE_COMPATIBILITY or %UPG_TYPE_DURATION_ESTIMATE
 * @context: the execution (its `checks`, env, params and data sources)
 * @timeout_seconds: limit per plugin; 0 for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Runs every type of every plugin implementing @interface_type, one host
 * process per plugin, one after the other. A plugin that fails, crashes
 * or times out yields a %UPG_VERDICT_FAIL item with id `plugin:<name>`
 * and the error as message. A host is killed if the calling thread exits
 * (or the process dies) before it is done: call this from a thread that
 * runs until @callback.
 */
void
upg_plugin_manager_run_checks_async (UpgPluginManager   *self,
                                     GType               interface_type,
                                     UpgContext         *context,
                                     guint               timeout_seconds,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data)
{
  GTask *task;
  ChecksData *data;
  g_autoptr(GPtrArray) plugins = NULL;
  GError *error = NULL;

  g_return_if_fail (UPG_IS_PLUGIN_MANAGER (self));
  g_return_if_fail (UPG_IS_CONTEXT (context));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, upg_plugin_manager_run_checks_async);
  g_task_set_check_cancellable (task, FALSE);
  if (kind_of_interface (interface_type) == NULL)
    {
      g_task_return_new_error (task, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                               _("'%s' is not a check interface"), g_type_name (interface_type));
      g_object_unref (task);
      return;
    }
  if (!upg_plugin_manager_scan (self, cancellable, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  data = g_new0 (ChecksData, 1);
  data->iface = interface_type;
  data->context = g_object_ref (context);
  data->timeout_seconds = timeout_seconds;
  data->results = g_ptr_array_new_with_free_func (g_object_unref);
  data->plugins = g_ptr_array_new_with_free_func (g_object_unref);
  plugins = upg_plugin_manager_list_plugins (self);
  for (guint i = 0; i < plugins->len; i++)
    if (implements_any (plugins->pdata[i], interface_type))
      g_ptr_array_add (data->plugins, g_object_ref (plugins->pdata[i]));
  g_task_set_task_data (task, data, (GDestroyNotify) checks_data_free);
  run_next_plugin (task);
}

/**
 * upg_plugin_manager_run_checks_finish:
 * @self: a manager
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes the checks started with upg_plugin_manager_run_checks_async().
 *
 * Returns: (transfer container) (element-type UpgCheckResult): the items
 *   of all plugins, or %NULL with @error set (cancellation, bad interface)
 */
GPtrArray *
upg_plugin_manager_run_checks_finish (UpgPluginManager  *self,
                                      GAsyncResult      *result,
                                      GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * upg_plugin_manager_run_checks:
 * @self: a manager
 * @interface_type: the check interface, see upg_plugin_manager_run_checks_async()
 * @context: the execution
 * @timeout_seconds: limit per plugin; 0 for none
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Synchronous form of upg_plugin_manager_run_checks_async().
 *
 * Returns: (transfer container) (element-type UpgCheckResult): the items
 */
GPtrArray *
upg_plugin_manager_run_checks (UpgPluginManager  *self,
                               GType              interface_type,
                               UpgContext        *context,
                               guint              timeout_seconds,
                               GCancellable      *cancellable,
                               GError           **error)
{
  g_autoptr(GMainContext) main_context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;

  g_main_context_push_thread_default (main_context);
  upg_plugin_manager_run_checks_async (self, interface_type, context, timeout_seconds,
                                       cancellable, upg_plugin_sync_done, &result);
  return upg_plugin_manager_run_checks_finish (self, upg_plugin_sync_wait (main_context, &result), error);
}
