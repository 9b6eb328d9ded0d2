/* upg-service-events.c - GET /api/v1/upgrade/events/{id}: live events
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A WebSocket per subscriber. Every subscriber first gets a "status" event
 * (the execution as GET status/{id} shows it), so a late subscriber knows
 * where the run stands; then, while the execution runs in this process,
 * each executor signal is pushed as it happens (step-started,
 * step-finished, statement-finished, progress with the ETA, log,
 * migration-progress per batch window of a batched migration) and a
 * last "finished" event with the final state, after which the server
 * closes the socket (1000). For an execution not running here the status
 * is followed at once by "finished". Messages are JSON objects with an
 * "event" member and the execution's "execution_id" (snake_case like
 * every other answer, SPEC §10).
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "upg-service-private.h"
#include "upgradectl-log.h"

/**
 * upg_service_event_new:
 * @name: the event's name
 * @first_member: (nullable): a member name, followed by its string value
 *   (%NULL → JSON null), and more pairs, ending with %NULL
 *
 * Returns: (transfer full): the event object
 */
JsonNode *
upg_service_event_new (const char *name,
                       const char *first_member,
                       ...)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  va_list args;

  json_object_set_string_member (object, "event", name);
  va_start (args, first_member);
  for (const char *member = first_member; member != NULL; member = va_arg (args, const char *))
    {
      const char *value = va_arg (args, const char *);

      if (value != NULL)
        json_object_set_string_member (object, member, value);
      else
        json_object_set_null_member (object, member);
    }
  va_end (args);
  json_node_take_object (node, object);
  return node;
}

static void
send_to (SoupWebsocketConnection *connection,
         const char              *text)
{
  if (soup_websocket_connection_get_state (connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (connection, text);
}

static char *
event_text (JsonNode   *event,
            const char *execution_id)
{
  json_object_set_string_member (json_node_get_object (event), "execution_id", execution_id);
  return json_to_string (event, FALSE);
}

/**
 * upg_service_events_send:
 * @run: a run
 * @event: (transfer full): the event
 *
 * Pushes @event to every subscriber of @run.
 */
void
upg_service_events_send (UpgServiceRun *run,
                         JsonNode      *event)
{
  g_autoptr(JsonNode) owned = event;
  g_autofree char *text = NULL;

  if (run->subscribers->len == 0 || run->id == NULL)
    return;
  text = event_text (owned, run->id);
  for (guint i = 0; i < run->subscribers->len; i++)
    send_to (g_ptr_array_index (run->subscribers, i), text);
}

static void
subscriber_closed (SoupWebsocketConnection *connection,
                   UpgServiceRun           *run)
{
  g_signal_handlers_disconnect_by_data (connection, run);
  g_ptr_array_remove (run->subscribers, connection);
  upg_service_events_watch_log (run);
}

static void
on_log (UpgRun        *upg_run,
        const char    *line,
        UpgServiceRun *run)
{
  upg_service_log (run->id, G_LOG_LEVEL_INFO, "%s", line);
  upg_service_events_send (run, upg_service_event_new ("log", "line", line, NULL));
}

/**
 * upg_service_events_watch_log:
 * @run: a run
 *
 * Connects to the run's log lines while someone wants them: the service's
 * log prints them (at the info level), or a client subscribed to the
 * run's events. The run copies a line for every statement and hands it
 * to the main context only while a handler is connected.
 */
void
upg_service_events_watch_log (UpgServiceRun *run)
{
  gboolean wanted = run->subscribers->len > 0 || upgctl_log_would_print (G_LOG_LEVEL_INFO, G_LOG_DOMAIN);

  if (wanted && run->log_handler == 0)
    run->log_handler = g_signal_connect (run->run, "log", G_CALLBACK (on_log), run);
  else if (!wanted && run->log_handler != 0)
    {
      g_signal_handler_disconnect (run->run, run->log_handler);
      run->log_handler = 0;
    }
}

/**
 * upg_service_events_close_all:
 * @run: a run that finished
 *
 * Closes the sockets of every subscriber (normal closure).
 */
void
upg_service_events_close_all (UpgServiceRun *run)
{
  g_autoptr(GPtrArray) subscribers = g_steal_pointer (&run->subscribers);

  run->subscribers = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < subscribers->len; i++)
    {
      SoupWebsocketConnection *connection = g_ptr_array_index (subscribers, i);

      g_signal_handlers_disconnect_by_data (connection, run);
      if (soup_websocket_connection_get_state (connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_NORMAL, "finished");
    }
}

/* The plain handler of the events path: a WebSocket upgrade of a known
 * execution is left unanswered, which lets libsoup complete it. */
void
upg_service_handle_events (UpgService        *self,
                           SoupServerMessage *msg,
                           const char        *id)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_hash_table_contains (self->runs_by_id, id)
      && (execution = upg_executor_load_execution (self->executor, id, &error)) == NULL)
    {
      upg_service_reply_gerror (msg, error);
      return;
    }
  if (!soup_message_headers_header_contains (headers, "Upgrade", "websocket"))
    upg_service_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "invalid-argument",
                             _("this route is a WebSocket: send an Upgrade: websocket request"));
}

/**
 * upg_service_events_accept:
 * @self: the service
 * @id: the execution the subscriber follows
 * @connection: its WebSocket
 *
 * Sends the current status, then subscribes to the run if the execution
 * runs here, or sends "finished" and closes if it does not.
 */
void
upg_service_events_accept (UpgService              *self,
                           const char              *id,
                           SoupWebsocketConnection *connection)
{
  UpgServiceRun *run = g_hash_table_lookup (self->runs_by_id, id);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) status = upg_service_status_json (self, id, &error);
  g_autoptr(JsonNode) event = upg_service_event_new ("status", NULL);
  g_autofree char *text = NULL;

  if (status == NULL)
    {
      soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR, error->message);
      return;
    }
  json_object_set_member (json_node_get_object (event), "execution", json_node_copy (status));
  text = event_text (event, id);
  send_to (connection, text);
  if (run != NULL)
    {
      g_ptr_array_add (run->subscribers, g_object_ref (connection));
      g_signal_connect (connection, "closed", G_CALLBACK (subscriber_closed), run);
      upg_service_events_watch_log (run);
      return;
    }
  {
    g_autoptr(JsonNode) finished = NULL;
    g_autofree char *finished_text = NULL;
    JsonObject *state = json_node_get_object (status);

    finished = upg_service_event_new ("finished", "status",
                                      json_object_get_string_member_with_default (state, "status", NULL),
                                      NULL);
    json_object_set_member (json_node_get_object (finished), "execution", json_node_copy (status));
    finished_text = event_text (finished, id);
    send_to (connection, finished_text);
    soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_NORMAL, "finished");
  }
}
