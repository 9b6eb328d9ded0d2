/* upg-plugin-run.c - one plugin host process, from start to result
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Starts `upgrade-plugin-host` with a socket on fd 3, sends the request,
 * forwards the host's events to the engine's context (logs, progress,
 * checkpoints, which it confirms), collects results, and turns a signal,
 * a timeout or a cancellation into a precise error. The run completes
 * once the process exited and both its channel and its output reached
 * end of file, so no event is lost.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <sys/socket.h>
#include <signal.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "upg-child-private.h"
#include "upg-plugin-lines-private.h"
#include "upg-plugin-manager-private.h"
#include "upg-plugin-protocol-private.h"
#include "upg-plugin-run-private.h"
#include "upg-secret-private.h"

/* How long the output and channel of a host that exited are still read
 * without a line arriving (what it wrote is already in the pipe; see
 * on_drained()), and how many such periods at most. */
#define UPG_PLUGIN_RUN_DRAIN_MS 2000
#define UPG_PLUGIN_RUN_DRAIN_ROUNDS 10

typedef struct {
  UpgPluginRunSpec   *spec;
  GSubprocess        *process;
  GIOStream          *channel;
  UpgPluginLines     *events;
  UpgPluginLines     *output;
  GSource            *timeout_source;
  GSource            *cancel_source;
  GSource            *kill_source;
  GSource            *drain_source;
  GCancellable       *drain;        /* stops reading once the host is gone */
  guint               drain_rounds;
  gboolean            lines_read;   /* since the last drain round */
  guint               pending;      /* channel, output, wait */
  gboolean            timed_out;
  gboolean            cancelled;
  gboolean            done;
  GError             *plugin_error;
  GError             *protocol_error;
  UpgPluginRunOutput *output_data;
  GStrv               password_variables;  /* kept out of the host's environment */
} Run;

void
upg_plugin_run_spec_free (UpgPluginRunSpec *spec)
{
  g_free (spec->host_path);
  g_free (spec->label);
  g_free (spec->what);
  g_clear_pointer (&spec->request, json_node_unref);
  g_clear_object (&spec->context);
  g_strfreev (spec->secrets);
  g_free (spec);
}

void
upg_plugin_run_output_free (UpgPluginRunOutput *output)
{
  g_clear_pointer (&output->description, json_node_unref);
  g_ptr_array_unref (output->results);
  g_free (output);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
run_free (Run *run)
{
  clear_source (&run->timeout_source);
  clear_source (&run->cancel_source);
  clear_source (&run->kill_source);
  clear_source (&run->drain_source);
  g_clear_object (&run->drain);
  upg_plugin_run_spec_free (run->spec);
  g_clear_object (&run->process);
  g_clear_object (&run->channel);
  g_clear_pointer (&run->events, upg_plugin_lines_free);
  g_clear_pointer (&run->output, upg_plugin_lines_free);
  g_clear_error (&run->plugin_error);
  g_clear_error (&run->protocol_error);
  g_strfreev (run->password_variables);
  g_clear_pointer (&run->output_data, upg_plugin_run_output_free);
  g_free (run);
}

static GError *
final_error (Run *run)
{
  UpgPluginRunSpec *spec = run->spec;

  /* Work the host reported complete is complete, even if a timeout or a
   * cancellation came after it. */
  if (run->done && run->plugin_error == NULL && run->protocol_error == NULL)
    return NULL;
  if (run->timed_out)
    return g_error_new (UPG_ERROR, UPG_ERROR_TIMEOUT,
                        /* TRANSLATORS: "plugin 'x' timed out after 60 s in Type.method and was killed" */
                        _("%s timed out after %u s in %s and was killed"),
                        spec->label, spec->timeout_seconds, spec->what);
  if (run->cancelled)
    return g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("%s was cancelled in %s"),
                        spec->label, spec->what);
  if (g_subprocess_get_if_signaled (run->process))
    return g_error_new (UPG_ERROR, UPG_ERROR_PLUGIN, _("%s crashed (signal %d) in %s"),
                        spec->label, g_subprocess_get_term_sig (run->process), spec->what);
  if (run->protocol_error != NULL)
    return g_error_copy (run->protocol_error);
  if (!run->done)
    return g_error_new (UPG_ERROR, UPG_ERROR_PLUGIN,
                        _("%s exited with status %d without reporting a result in %s"),
                        spec->label, g_subprocess_get_exit_status (run->process), spec->what);
  if (run->plugin_error != NULL)
    return g_error_copy (run->plugin_error);
  return NULL;
}

/* What the plugin says reaches the operator: its error, log lines,
 * progress messages, results and output. The plugin knows the data
 * sources' passwords (its host reads them), so they, and the password of
 * any URL it quotes, are cut out of every string it sends (SPEC §7). */
static char *
scrub (Run        *run,
       const char *text)
{
  return upg_secret_scrub (text, (const char * const *) run->spec->secrets);
}

/* Members whose values are the protocol's words, not a person's text:
 * kept, so that a short password cannot garble them. */
static const char * const protocol_words[] = { "event", "domain", "kind", "verdict", NULL };

static void
scrub_node (Run      *run,
            JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        if (!g_strv_contains (protocol_words, name))
          scrub_node (run, member);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        scrub_node (run, json_array_get_element (array, i));
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_autofree char *clean = scrub (run, json_node_get_string (node));

      json_node_set_string (node, clean);
    }
}

/* Keeps the first protocol error: the ones after it follow from it. */
static void
set_protocol_error (Run        *run,
                    const char *message)
{
  g_autofree char *clean = NULL;

  if (run->protocol_error != NULL)
    return;
  clean = scrub (run, message);
  run->protocol_error = g_error_new (UPG_ERROR, UPG_ERROR_PLUGIN, _("%s in %s: %s"),
                                     run->spec->label, run->spec->what, clean);
}

static void
run_step_done (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  GError *error;

  if (--run->pending > 0)
    return;
  clear_source (&run->timeout_source);
  clear_source (&run->cancel_source);
  clear_source (&run->kill_source);
  clear_source (&run->drain_source);
  error = final_error (run);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&run->output_data),
                           (GDestroyNotify) upg_plugin_run_output_free);
  g_object_unref (task);
}

static void
send_ack (Run    *run,
          GError *error,
          gboolean cancel)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) write_error = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ack");
  json_builder_add_boolean_value (builder, error == NULL);
  if (error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_value (builder, upg_plugin_protocol_error_to_json (error));
    }
  /* Cancellation also travels with the answer, so that a plugin stops
   * right after the checkpoint it just saved. */
  json_builder_set_member_name (builder, "cancel");
  json_builder_add_boolean_value (builder, cancel);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  /* A host that died meanwhile is reported by its exit, not here. */
  upg_plugin_protocol_write_line (g_io_stream_get_output_stream (run->channel), node, NULL,
                                  &write_error);
}

static void
handle_checkpoint (Run        *run,
                   GTask      *task,
                   JsonObject *event)
{
  const char *checkpoint = json_object_get_string_member_with_default (event, "checkpoint", NULL);
  g_autoptr(GError) error = NULL;

  if (checkpoint == NULL)
    g_set_error (&error, UPG_ERROR, UPG_ERROR_PLUGIN, _("%s sent a checkpoint without text"),
                 run->spec->label);
  else if (run->spec->context == NULL)
    g_set_error (&error, UPG_ERROR, UPG_ERROR_JOURNAL, _("no context to store the checkpoint in"));
  else
    upg_context_save_checkpoint (run->spec->context, checkpoint, &error);
  send_ack (run, error, g_cancellable_is_cancelled (g_task_get_cancellable (task)));
}

static void
handle_result (Run        *run,
               JsonObject *event)
{
  g_autoptr(GError) error = NULL;
  UpgCheckResult *result =
    upg_check_result_new_from_json (json_object_get_member (event, "result"), &error);

  if (result == NULL)
    {
      set_protocol_error (run, error->message);
      return;
    }
  g_ptr_array_add (run->output_data->results, result);
}

static void
handle_event (Run        *run,
              GTask      *task,
              JsonObject *event)
{
  const char *kind = json_object_get_string_member_with_default (event, "event", "");
  UpgContext *context = run->spec->context;

  if (g_str_equal (kind, "enter"))
    {
      g_free (run->spec->what);
      run->spec->what = g_strdup (json_object_get_string_member_with_default (event, "what", "?"));
    }
  else if (g_str_equal (kind, "log") && context != NULL)
    upg_context_log_literal (context,
                             json_object_get_int_member_with_default (event, "level",
                                                                      G_LOG_LEVEL_MESSAGE),
                             json_object_get_string_member_with_default (event, "message", ""));
  else if (g_str_equal (kind, "progress") && context != NULL)
    upg_context_report_progress (context,
                                 json_object_get_int_member_with_default (event, "done", 0),
                                 json_object_get_int_member_with_default (event, "total", 0),
                                 json_object_get_string_member_with_default (event, "message",
                                                                             NULL));
  else if (g_str_equal (kind, "checkpoint"))
    handle_checkpoint (run, task, event);
  else if (g_str_equal (kind, "result"))
    handle_result (run, event);
  else if (g_str_equal (kind, "describe"))
    {
      g_clear_pointer (&run->output_data->description, json_node_unref);
      run->output_data->description = json_node_copy (json_object_get_member (event, "plugin"));
    }
  else if (g_str_equal (kind, "done"))
    {
      run->done = TRUE;
      if (!json_object_get_boolean_member_with_default (event, "ok", FALSE))
        run->plugin_error = upg_plugin_protocol_error_from_json (
                              json_object_get_member (event, "error"));
    }
}

static void read_next_event (GTask *task);

static void
on_event_line (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  gboolean cut = FALSE;
  g_autofree char *line = upg_plugin_lines_read_finish (run->events, result, &length, &cut, NULL);
  g_autofree char *valid = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (line == NULL)
    {
      run_step_done (task);
      return;
    }
  if (cut)
    {
      g_autofree char *message = g_strdup_printf (
        _("sent a line longer than %u MiB on its channel"), UPG_PLUGIN_MAX_LINE >> 20);

      set_protocol_error (run, message);
      read_next_event (task);
      return;
    }
  /* The host writes what the plugin gave it as it is: a log line naming
   * a file in GBK, or Latin-1, is not UTF-8. That is no reason to lose
   * the rest of the channel (and with it the plugin's result): such
   * bytes become U+FFFD, as in the plugin's output. */
  valid = g_utf8_make_valid (line, length);
  node = upg_plugin_protocol_parse_line (valid, &error);
  if (node == NULL)
    set_protocol_error (run, error->message);
  else
    {
      JsonObject *event = json_node_get_object (node);

      /* A checkpoint is the plugin's data, kept as it is: it goes to the
       * journal for the plugin's next attempt, not to a person. */
      if (!g_str_equal (json_object_get_string_member_with_default (event, "event", ""),
                        "checkpoint"))
        scrub_node (run, node);
      handle_event (run, task, event);
    }
  read_next_event (task);
}

static void
read_next_event (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  run->lines_read = TRUE;
  upg_plugin_lines_read_async (run->events, run->drain, on_event_line, task);
}

static void read_next_output (GTask *task);

/* What the plugin printed (stdout and stderr) goes to the execution's log. */
static void
on_output_line (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  gsize length = 0;
  gboolean cut = FALSE;
  g_autofree char *line = upg_plugin_lines_read_finish (run->output, result, &length, &cut, NULL);
  g_autofree char *valid = NULL;
  g_autofree char *clean = NULL;

  if (line == NULL)
    {
      run_step_done (task);
      return;
    }
  /* A line cut by the reader is one byte longer than the text kept. */
  if (cut)
    {
      g_autofree char *kept = upg_plugin_protocol_cut_text (line, length + 1);

      g_free (line);
      line = g_steal_pointer (&kept);
      length = strlen (line);
    }
  valid = g_utf8_make_valid (line, length);
  clean = scrub (run, valid);
  if (run->spec->context != NULL)
    upg_context_log (run->spec->context, G_LOG_LEVEL_MESSAGE, "%s: %s", run->spec->label, clean);
  else
    g_message ("%s: %s", run->spec->label, clean);
  read_next_output (task);
}

static void
read_next_output (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  run->lines_read = TRUE;
  upg_plugin_lines_read_async (run->output, run->drain, on_output_line, task);
}

/* The host is gone, yet its output or channel is still open: a process
 * the plugin started (`system ("… &")`) inherited it and lives on. What
 * the host wrote was in the pipe when it exited and has been read by
 * now; waiting for that process would hold the step (past its timeout,
 * or for ever for a daemon). Stop reading, and say why. */
static gboolean
on_drained (gpointer user_data)
{
  Run *run = g_task_get_task_data (user_data);
  g_autofree char *message = NULL;

  /* Lines still arrive (a slow reader, a busy machine): read on. */
  if (run->lines_read && ++run->drain_rounds < UPG_PLUGIN_RUN_DRAIN_ROUNDS)
    {
      run->lines_read = FALSE;
      return G_SOURCE_CONTINUE;
    }
  message = g_strdup_printf (
    _("%s left a process running that keeps its output open; its output is no longer read"),
    run->spec->label);
  if (run->spec->context != NULL)
    upg_context_log_literal (run->spec->context, G_LOG_LEVEL_WARNING, message);
  else
    g_warning ("%s", message);
  g_clear_pointer (&run->drain_source, g_source_unref);
  g_cancellable_cancel (run->drain);
  return G_SOURCE_REMOVE;
}

static void
on_wait (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  if (run->pending > 1)
    {
      run->lines_read = FALSE;
      run->drain_source = g_timeout_source_new (UPG_PLUGIN_RUN_DRAIN_MS);
      g_source_set_callback (run->drain_source, on_drained, task, NULL);
      g_source_attach (run->drain_source, g_task_get_context (task));
    }
  run_step_done (task);
}

static gboolean
on_timeout (gpointer user_data)
{
  Run *run = g_task_get_task_data (user_data);

  run->timed_out = TRUE;
  g_subprocess_force_exit (run->process);
  g_clear_pointer (&run->timeout_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static gboolean
on_kill (gpointer user_data)
{
  Run *run = g_task_get_task_data (user_data);

  g_subprocess_force_exit (run->process);
  g_clear_pointer (&run->kill_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* Cancellation asks the host to stop (SIGTERM cancels the plugin's
 * GCancellable); a plugin that does not stop is killed after the grace. */
static gboolean
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);

  run->cancelled = TRUE;
  g_subprocess_send_signal (run->process, SIGTERM);
  run->kill_source = g_timeout_source_new (run->spec->kill_grace_ms);
  g_source_set_callback (run->kill_source, on_kill, task, NULL);
  g_source_attach (run->kill_source, g_task_get_context (task));
  g_clear_pointer (&run->cancel_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static GSubprocess *
spawn_host (Run     *run,
            GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSocket) socket = NULL;
  int fds[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      int saved = errno;
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN, _("cannot create the plugin channel: %s"),
                   g_strerror (saved));
      return NULL;
    }
  socket = g_socket_new_from_fd (fds[0], error);
  if (socket == NULL)
    {
      close (fds[0]);
      close (fds[1]);
      return NULL;
    }
  run->channel = G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
  launcher = upg_child_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                     G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                     G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_take_fd (launcher, fds[1], UPG_PLUGIN_CHANNEL_FD);
  /* The passwords go over the channel (send_request()), not here. */
  for (guint i = 0; run->password_variables != NULL && run->password_variables[i] != NULL; i++)
    g_subprocess_launcher_unsetenv (launcher, run->password_variables[i]);
  return g_subprocess_launcher_spawn (launcher, error, run->spec->host_path, NULL);
}

/* The request, with the passwords of its data sources: the host opens
 * their connections, and its environment has no password (SPEC §7). */
static void
send_request (Run        *run,
              JsonObject *passwords)
{
  g_autoptr(JsonNode) request = json_node_copy (run->spec->request);

  if (JSON_NODE_HOLDS_OBJECT (request))
    json_object_set_object_member (json_node_get_object (request), "passwords", json_object_ref (passwords));
  /* The request fits the socket buffer in practice; a host that died
   * before reading it is reported through its exit status. */
  upg_plugin_protocol_write_line (g_io_stream_get_output_stream (run->channel), request, NULL, NULL);
}

static gboolean
start (GTask    *task,
       GError  **error)
{
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) passwords = upg_plugin_manager_request_passwords (run->spec->request,
                                                                          &run->password_variables);

  run->process = spawn_host (run, &local_error);
  if (run->process == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN, _("%s: cannot start the plugin host '%s': %s"),
                   run->spec->label, run->spec->host_path, local_error->message);
      return FALSE;
    }
  /* The host reads nothing from stdin: close it so a plugin reading it
   * sees end of file instead of hanging. */
  g_output_stream_close (g_subprocess_get_stdin_pipe (run->process), NULL, NULL);
  send_request (run, passwords);
  run->events = upg_plugin_lines_new (g_io_stream_get_input_stream (run->channel),
                                      UPG_PLUGIN_MAX_LINE);
  run->output = upg_plugin_lines_new (g_subprocess_get_stdout_pipe (run->process),
                                      UPG_PLUGIN_MAX_TEXT);
  return TRUE;
}

static void
arm_limits (GTask        *task,
            GCancellable *cancellable)
{
  Run *run = g_task_get_task_data (task);

  if (run->spec->timeout_seconds > 0)
    {
      run->timeout_source = g_timeout_source_new_seconds (run->spec->timeout_seconds);
      g_source_set_callback (run->timeout_source, on_timeout, task, NULL);
      g_source_attach (run->timeout_source, g_task_get_context (task));
    }
  if (cancellable != NULL)
    {
      run->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (run->cancel_source, G_SOURCE_FUNC (on_cancelled), task, NULL);
      g_source_attach (run->cancel_source, g_task_get_context (task));
    }
}

/**
 * upg_plugin_run_async: (skip)
 * @spec: (transfer full): what to run
 *
 * Runs one request in a new plugin host process.
 */
void
upg_plugin_run_async (UpgPluginRunSpec   *spec,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Run *run = g_new0 (Run, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, upg_plugin_run_async);
  /* The run reports cancellation itself, once the host is gone. */
  g_task_set_check_cancellable (task, FALSE);
  run->spec = spec;
  run->output_data = g_new0 (UpgPluginRunOutput, 1);
  run->output_data->results = g_ptr_array_new_with_free_func (g_object_unref);
  run->drain = g_cancellable_new ();
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);

  if (!start (task, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  run->pending = 3;
  read_next_event (task);
  read_next_output (task);
  g_subprocess_wait_async (run->process, NULL, on_wait, task);
  arm_limits (task, cancellable);
}

UpgPluginRunOutput *
upg_plugin_run_finish (GAsyncResult  *result,
                       GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* For the synchronous forms: an async call on a private main context,
 * waited for. */
void
upg_plugin_sync_done (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

GAsyncResult *
upg_plugin_sync_wait (GMainContext  *context,
                      GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  return *result;
}

UpgPluginRunOutput *
upg_plugin_run_sync (UpgPluginRunSpec  *spec,
                     GCancellable      *cancellable,
                     GError           **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;

  g_main_context_push_thread_default (context);
  upg_plugin_run_async (spec, cancellable, upg_plugin_sync_done, &result);
  return upg_plugin_run_finish (upg_plugin_sync_wait (context, &result), error);
}
