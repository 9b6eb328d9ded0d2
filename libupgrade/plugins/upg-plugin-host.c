/* upg-plugin-host.c - the child side: loads one plugin and runs one request
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs in the `upgrade-plugin-host` process the plugin manager starts for
 * every piece of plugin work, so that a plugin that crashes, hangs or
 * registers types cannot harm the engine's process, and a changed plugin
 * file is loaded fresh each time. The plugin call runs in a worker thread;
 * the main thread waits for SIGTERM, which cancels the call.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <glib-unix.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "upg-plugin-host-private.h"
#include "upg-plugin-protocol-private.h"

/* Seconds a plugin has to stop once the manager's process is gone. */
#define UPG_PLUGIN_HOST_ORPHAN_GRACE 5

typedef struct {
  GMutex            write_lock;
  GOutputStream    *out;
  GDataInputStream *in;
  JsonObject       *request;
  GModule          *module;
  const UpgPluginDescriptor *descriptor;
  GType            *types;
  guint             n_types;
  UpgContext       *context;
  GCancellable     *cancellable;
  GMainLoop        *loop;
  GError           *error;
} Host;

static void
host_send (Host     *host,
           JsonNode *node)
{
  g_autoptr(GError) error = NULL;

  g_mutex_lock (&host->write_lock);
  /* If the manager is gone there is nobody to tell; the call ends when
   * the manager's kill arrives. */
  if (!upg_plugin_protocol_write_line (host->out, node, NULL, &error))
    g_printerr (_("upgrade-plugin-host: cannot write to the manager: %s\n"), error->message);
  g_mutex_unlock (&host->write_lock);
  json_node_unref (node);
}

static JsonBuilder *
event_begin (const char *event)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, event);
  return builder;
}

static void
event_send (Host        *host,
            JsonBuilder *builder)
{
  json_builder_end_object (builder);
  host_send (host, json_builder_get_root (builder));
  g_object_unref (builder);
}

static void
send_enter (Host       *host,
            GType       type,
            const char *method)
{
  JsonBuilder *builder = event_begin ("enter");
  g_autofree char *what = g_strdup_printf ("%s.%s", g_type_name (type), method);

  json_builder_set_member_name (builder, "what");
  json_builder_add_string_value (builder, what);
  event_send (host, builder);
}

static gboolean
on_log (UpgContext *context,
        guint       level,
        const char *message,
        Host       *host)
{
  JsonBuilder *builder = event_begin ("log");
  g_autofree char *cut = upg_plugin_protocol_cut_text (message, strlen (message));

  json_builder_set_member_name (builder, "level");
  json_builder_add_int_value (builder, level);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, cut != NULL ? cut : message);
  event_send (host, builder);
  return TRUE;
}

static void
on_progress (UpgContext *context,
             guint64     done,
             guint64     total,
             const char *message,
             Host       *host)
{
  JsonBuilder *builder = event_begin ("progress");
  g_autofree char *cut = message != NULL ? upg_plugin_protocol_cut_text (message, strlen (message))
                                         : NULL;

  json_builder_set_member_name (builder, "done");
  json_builder_add_int_value (builder, (gint64) done);
  json_builder_set_member_name (builder, "total");
  json_builder_add_int_value (builder, (gint64) total);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, cut != NULL ? cut : message);
  event_send (host, builder);
}

/* Sends the checkpoint and waits for the manager to confirm it is stored,
 * so that a plugin never goes on past a checkpoint that was lost. */
static gboolean
save_checkpoint (UpgContext  *context,
                 const char  *checkpoint,
                 gpointer     user_data,
                 GError     **error)
{
  Host *host = user_data;
  JsonBuilder *builder = event_begin ("checkpoint");
  g_autofree char *line = NULL;
  g_autoptr(JsonNode) answer = NULL;
  JsonObject *object;

  json_builder_set_member_name (builder, "checkpoint");
  json_builder_add_string_value (builder, checkpoint);
  event_send (host, builder);

  line = g_data_input_stream_read_line_utf8 (host->in, NULL, NULL, error);
  if (line == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, UPG_ERROR, UPG_ERROR_JOURNAL,
                     _("checkpoint not confirmed: the plugin manager closed the channel"));
      return FALSE;
    }
  answer = upg_plugin_protocol_parse_line (line, error);
  if (answer == NULL)
    return FALSE;
  object = json_node_get_object (answer);
  if (json_object_get_boolean_member_with_default (object, "cancel", FALSE))
    g_cancellable_cancel (host->cancellable);
  if (!json_object_get_boolean_member_with_default (object, "ack", FALSE))
    {
      g_propagate_error (error, upg_plugin_protocol_error_from_json (
                                  json_object_get_member (object, "error")));
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_plugin (Host        *host,
             const char  *path,
             GError     **error)
{
  UpgPluginGetDescriptorFunc get_descriptor = NULL;

  host->module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (host->module == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN,
                   _("plugin file '%s' cannot be loaded: %s"), path, g_module_error ());
      return FALSE;
    }
  if (!g_module_symbol (host->module, UPG_PLUGIN_ENTRY_SYMBOL, (gpointer *) &get_descriptor) ||
      get_descriptor == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN,
                   _("'%s' is not a libupgrade plugin: it does not export %s"),
                   path, UPG_PLUGIN_ENTRY_SYMBOL);
      return FALSE;
    }
  host->descriptor = get_descriptor ();
  if (host->descriptor == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN,
                   _("plugin '%s' returned no descriptor"), path);
      return FALSE;
    }
  if (host->descriptor->abi_version != UPG_SPI_ABI_VERSION)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_ABI_MISMATCH,
                   _("plugin '%s' (%s) was built for SPI ABI %u, this libupgrade provides ABI %u"),
                   host->descriptor->name ? host->descriptor->name : "?", path,
                   host->descriptor->abi_version, (guint) UPG_SPI_ABI_VERSION);
      return FALSE;
    }
  if (host->descriptor->name == NULL || host->descriptor->get_types == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN,
                   _("plugin '%s' has an incomplete descriptor: %s and %s are required"),
                   path, "name", "get_types");
      return FALSE;
    }
  /* Types registered by the plugin point into its code. */
  g_module_make_resident (host->module);
  host->types = host->descriptor->get_types (&host->n_types);
  return TRUE;
}

static void
host_describe (Host *host)
{
  g_autoptr(JsonNode) node = upg_plugin_host_describe (host->descriptor, host->types,
                                                       host->n_types);
  JsonBuilder *builder = event_begin ("describe");

  json_builder_set_member_name (builder, "plugin");
  json_builder_add_value (builder, g_steal_pointer (&node));
  event_send (host, builder);
}

static gboolean
host_migrate (Host        *host,
              const char  *type_name,
              const char  *action_name,
              GError     **error)
{
  UpgMigrationAction action;
  GType type = g_type_from_name (type_name ? type_name : "");
  g_autoptr(GObject) object = NULL;
  JsonObject *params;

  if (!upg_migration_action_from_string (action_name, &action, error))
    return FALSE;
  if (type == G_TYPE_INVALID || !upg_plugin_host_owns_type (host->types, host->n_types, type))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND,
                   _("plugin '%s' has no type '%s'"), host->descriptor->name, type_name);
      return FALSE;
    }
  if (!g_type_is_a (type, UPG_TYPE_DATA_MIGRATION))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN,
                   _("type '%s' of plugin '%s' does not implement %s"),
                   type_name, host->descriptor->name, "UpgDataMigration");
      return FALSE;
    }
  object = g_object_new (type, NULL);
  params = upg_context_get_params (host->context);
  if (json_object_has_member (host->request, "params") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (host->request, "params")))
    params = json_object_get_object_member (host->request, "params");
  send_enter (host, type, action_name);
  return upg_data_migration_run (UPG_DATA_MIGRATION (object), action, host->context, params,
                                 host->cancellable, error);
}

static void
send_results (Host      *host,
              GPtrArray *results)
{
  for (guint i = 0; i < results->len; i++)
    {
      JsonBuilder *builder = event_begin ("result");

      json_builder_set_member_name (builder, "result");
      json_builder_add_value (builder, upg_check_result_to_json (results->pdata[i]));
      event_send (host, builder);
    }
}

static gboolean
host_check (Host        *host,
            const char  *interface_name,
            GError     **error)
{
  GType iface = g_type_from_name (interface_name ? interface_name : "");

  if (iface == G_TYPE_INVALID || !G_TYPE_IS_INTERFACE (iface))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("'%s' is not a check interface"), interface_name);
      return FALSE;
    }
  for (guint i = 0; i < host->n_types; i++)
    {
      g_autoptr(GObject) object = NULL;
      g_autoptr(GPtrArray) results = NULL;

      if (!g_type_is_a (host->types[i], iface))
        continue;
      object = g_object_new (host->types[i], NULL);
      send_enter (host, host->types[i], upg_plugin_host_check_method (iface));
      results = upg_plugin_host_call_check (object, iface, host->context, host->cancellable,
                                            error);
      if (results == NULL)
        return FALSE;
      send_results (host, results);
    }
  return TRUE;
}

static gboolean
host_dispatch (Host    *host,
               GError **error)
{
  const char *op = json_object_get_string_member_with_default (host->request, "op", "");
  const char *path = json_object_get_string_member_with_default (host->request, "plugin", "");
  JsonNode *context_node = json_object_get_member (host->request, "context");

  if (!load_plugin (host, path, error))
    return FALSE;
  if (g_str_equal (op, "describe"))
    {
      host_describe (host);
      return TRUE;
    }
  host->context = upg_context_new_from_json (context_node, error);
  if (host->context == NULL)
    return FALSE;
  upg_context_set_cancellable (host->context, host->cancellable);
  g_signal_connect (host->context, "log", G_CALLBACK (on_log), host);
  g_signal_connect (host->context, "progress", G_CALLBACK (on_progress), host);
  upg_context_set_checkpoint_saver (host->context, save_checkpoint, host, NULL);
  upg_plugin_host_install_resolver (host->context, json_object_has_member (host->request, "passwords")
                                                   ? json_object_get_object_member (host->request, "passwords")
                                                   : NULL);
  if (g_str_equal (op, "check"))
    return host_check (host, json_object_get_string_member_with_default (host->request,
                                                                         "interface", NULL),
                       error);
  return host_migrate (host, json_object_get_string_member_with_default (host->request,
                                                                        "type", NULL),
                       op, error);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static gpointer
worker (gpointer data)
{
  Host *host = data;

  host_dispatch (host, &host->error);
  g_idle_add (quit_loop, host->loop);
  return NULL;
}

static gboolean
on_sigterm (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_CONTINUE;
}

static gboolean
exit_now (gpointer data)
{
  _exit (3);
  return G_SOURCE_REMOVE;
}

/* The manager's process is gone (its end of the channel closed): nobody
 * would see a result, and a resumed run must not find this one still
 * working. Cancel the plugin, and leave if it does not stop in time. */
static gboolean
on_manager_gone (int          fd,
                 GIOCondition condition,
                 gpointer     data)
{
  g_cancellable_cancel (data);
  g_timeout_add_seconds (UPG_PLUGIN_HOST_ORPHAN_GRACE, exit_now, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
read_request (Host    *host,
              GError **error)
{
  g_autofree char *line = g_data_input_stream_read_line_utf8 (host->in, NULL, NULL, error);
  JsonNode *node;

  if (line == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN, _("plugin host received no request"));
      return FALSE;
    }
  node = upg_plugin_protocol_parse_line (line, error);
  if (node == NULL)
    return FALSE;
  host->request = json_object_ref (json_node_get_object (node));
  json_node_unref (node);
  return TRUE;
}

static void
send_done (Host *host)
{
  JsonBuilder *builder = event_begin ("done");

  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, host->error == NULL);
  if (host->error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_value (builder, upg_plugin_protocol_error_to_json (host->error));
    }
  event_send (host, builder);
}

int
upg_plugin_host_main (int channel_fd)
{
  Host host = { 0 };
  g_autoptr(GInputStream) raw_in = g_unix_input_stream_new (channel_fd, FALSE);
  GThread *thread;

  /* The channel is the host's alone: a program the plugin starts must
   * neither write into it nor hold it open once the host is gone. */
  fcntl (channel_fd, F_SETFD, fcntl (channel_fd, F_GETFD) | FD_CLOEXEC);
  g_mutex_init (&host.write_lock);
  host.out = g_unix_output_stream_new (channel_fd, FALSE);
  host.in = g_data_input_stream_new (raw_in);
  host.cancellable = g_cancellable_new ();
  host.loop = g_main_loop_new (NULL, FALSE);

  if (read_request (&host, &host.error))
    {
      g_unix_signal_add (SIGTERM, on_sigterm, host.cancellable);
      g_unix_fd_add (channel_fd, G_IO_HUP | G_IO_ERR, on_manager_gone, host.cancellable);
      thread = g_thread_new ("plugin", worker, &host);
      g_main_loop_run (host.loop);
      g_thread_join (thread);
    }
  send_done (&host);

  g_clear_error (&host.error);
  g_clear_object (&host.context);
  g_free (host.types);
  g_clear_pointer (&host.request, json_object_unref);
  g_main_loop_unref (host.loop);
  g_object_unref (host.cancellable);
  g_object_unref (host.in);
  g_object_unref (host.out);
  g_mutex_clear (&host.write_lock);
  return 0;
}
