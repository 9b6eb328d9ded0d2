/* upg-service.c - the HTTP service: routes, bearer token, answers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A thin libsoup-3.0 wrapper over the library (SPEC §10); answers, the
 * token and log lines are in upg-service-reply.c. One handler at
 * "/" routes every request through the table below, so that an unknown
 * path is a 404 and a known path with another method a 405, both as JSON;
 * the WebSocket of /api/v1/upgrade/events/{id} has its own handler at that
 * prefix (libsoup calls the plain handler of a path first: it checks the
 * token and the execution, and only a request it leaves unanswered is
 * upgraded).
 *
 * The token is compared in constant time (SHA-256 of both, then every
 * byte) and never logged. Executions run in the executor's worker threads;
 * everything else runs in the main context, which keeps answering.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "upg-service-private.h"
#include "upgradectl-log.h"

G_DEFINE_FINAL_TYPE (UpgService, upg_service, G_TYPE_OBJECT)

static gboolean
authorized (UpgService        *self,
            SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  return upg_service_token_matches (self, soup_message_headers_get_one (headers, "Authorization"));
}

/* ---- routing ---------------------------------------------------------- */

static char *
too_large_message (UpgService *self)
{
  g_autofree char *size = NULL;

  if (self->max_body % (1024 * 1024) == 0)
    size = g_strdup_printf ("%" G_GUINT64_FORMAT " MiB", self->max_body / (1024 * 1024));
  else if (self->max_body % 1024 == 0)
    size = g_strdup_printf ("%" G_GUINT64_FORMAT " KiB", self->max_body / 1024);
  else
    size = g_strdup_printf ("%" G_GUINT64_FORMAT " bytes", self->max_body);
  return g_strdup_printf (_("the request body is larger than %s (service.max_body)"), size);
}

static const UpgServiceRoute *
find_route (SoupServerMessage *msg,
            char             **id,
            GString          **allowed)
{
  return upg_service_route_find (soup_server_message_get_method (msg),
                                 g_uri_get_path (soup_server_message_get_uri (msg)), id, allowed);
}

/* Forgets the route of @msg (a request libsoup answered, gave up or let
 * go of), set when its head was read: its path pattern, or NULL when it
 * matched none. */
static const char *
forget_route (UpgService        *self,
              SoupServerMessage *msg)
{
  const char *route = g_hash_table_lookup (self->routes, msg);

  g_hash_table_remove (self->routes, msg);
  return route;
}

/* Refuses @msg before its body: the connection is stolen from libsoup,
 * which then emits request-finished for it no more. */
static void
refuse (UpgService        *self,
        SoupServerMessage *msg,
        guint              status,
        const char        *code,
        const char        *message)
{
  upg_service_conn_refuse (self, msg, forget_route (self, msg), status, code, message);
}

static void
handle_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  UpgService *self = user_data;
  g_autoptr(GString) allowed = NULL;
  g_autofree char *id = NULL;
  const UpgServiceRoute *route = find_route (msg, &id, &allowed);

  if (route == NULL && allowed != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("%s is not allowed on %s (allowed: %s)"),
                                                  soup_server_message_get_method (msg), path,
                                                  allowed->str);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                    allowed->str);
      upg_service_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed", message);
      return;
    }
  if (route == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("no route %s"), path);

      upg_service_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not-found", message);
      return;
    }
  g_hash_table_insert (self->routes, msg, (gpointer) route->info.path);
  if (!upg_service_route_public (self, route) && !authorized (self, msg))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Bearer realm=\"upgraded\"");
      upg_service_reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                               upg_service_unauthorized_message ());
      return;
    }
  if (soup_server_message_get_request_body (msg)->length > (goffset) self->max_body)
    {
      g_autofree char *message = too_large_message (self);

      upg_service_reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload-too-large", message);
      return;
    }
  route->handler (self, msg, id);
  /* Left unanswered: libsoup upgrades it to a WebSocket, which stays open
   * as long as its execution runs. */
  if (route->info.websocket && soup_server_message_get_status (msg) == 0)
    upg_service_conn_keep (self, msg);
}

/* A chunked body has no declared length: it is refused once what arrived
 * exceeds the limit. */
static void
got_chunk (SoupServerMessage *msg,
           GBytes            *chunk,
           gpointer           user_data)
{
  UpgService *self = user_data;
  g_autofree char *message = NULL;

  if (soup_server_message_get_request_body (msg)->length <= (goffset) self->max_body)
    return;
  g_signal_handlers_disconnect_by_func (msg, got_chunk, user_data);
  message = too_large_message (self);
  refuse (self, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload-too-large", message);
}

/* Once the request head is read and before its body is (SPEC §10):
 * authentication first, then a declared body over service.max_body. Both
 * are refused without reading the body. Every answer closes its
 * connection (see upg-service-conn.c), except a WebSocket upgrade. */
static void
handle_early (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  UpgService *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GString) allowed = NULL;
  g_autofree char *id = NULL;
  const UpgServiceRoute *route = find_route (msg, &id, &allowed);

  if (!soup_message_headers_header_contains (headers, "Upgrade", "websocket"))
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
  if (route != NULL)
    g_hash_table_insert (self->routes, msg, (gpointer) route->info.path);
  if (route != NULL && !upg_service_route_public (self, route) && !authorized (self, msg))
    {
      refuse (self, msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
              upg_service_unauthorized_message ());
      return;
    }
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
      && (guint64) soup_message_headers_get_content_length (headers) > self->max_body)
    {
      g_autofree char *message = too_large_message (self);

      refuse (self, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload-too-large", message);
      return;
    }
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED)
    g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk), self);
}

static void
handle_websocket (SoupServer              *server,
                  SoupServerMessage       *msg,
                  const char              *path,
                  SoupWebsocketConnection *connection,
                  gpointer                 user_data)
{
  /* The upgrade steals the connection: libsoup emits neither
   * request-finished nor request-aborted for @msg. */
  forget_route (user_data, msg);
  upg_service_events_accept (user_data, path + strlen (UPG_SERVICE_EVENTS_PREFIX "/"), connection);
}

static void
request_finished (SoupServer        *server,
                  SoupServerMessage *msg,
                  gpointer           user_data)
{
  UpgService *self = user_data;
  const char *route = forget_route (self, msg);

  upg_service_metrics_count_request (self->metrics, soup_server_message_get_method (msg),
                                     route != NULL ? route : "unmatched",
                                     soup_server_message_get_status (msg));
  upg_service_conn_request_done (self, msg);
}

static void
request_read (SoupServer        *server,
              SoupServerMessage *msg,
              gpointer           user_data)
{
  upg_service_conn_request_read (user_data, msg);
}

/* ---- the object ------------------------------------------------------- */

static void
upg_service_finalize (GObject *object)
{
  UpgService *self = UPG_SERVICE (object);

  upg_service_conns_clear (self);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_pointer (&self->runs_by_id, g_hash_table_unref);
  g_clear_pointer (&self->runs_by_site, g_hash_table_unref);
  g_clear_pointer (&self->metrics, upg_service_metrics_free);
  g_clear_pointer (&self->routes, g_hash_table_unref);
  g_clear_pointer (&self->health_waiting, g_ptr_array_unref);
  g_clear_pointer (&self->metrics_waiting, g_ptr_array_unref);
  g_free (self->health_error);
  g_clear_object (&self->executor);
  g_clear_object (&self->plugins);
  g_clear_object (&self->journal);
  g_clear_object (&self->bundle);
  g_clear_object (&self->config);
  g_free (self->state_dir);
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);

  G_OBJECT_CLASS (upg_service_parent_class)->finalize (object);
}

static void
upg_service_class_init (UpgServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_service_finalize;

  /**
   * UpgService::idle:
   * @self: the service
   *
   * After upg_service_shutdown(): the last running execution stopped.
   */
  /* Emitted by name from upg-service-runs.c when a shutdown's last run
   * ended. */
  g_signal_new ("idle", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
upg_service_init (UpgService *self)
{
  self->runs_by_site = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) upg_service_run_unref);
  self->runs_by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) upg_service_run_unref);
  self->metrics = upg_service_metrics_new ();
  /* Keys unowned: every message leaves through request_finished(),
   * handle_websocket() or upg_service_conn_refuse(), which forget it. */
  self->routes = g_hash_table_new (NULL, NULL);
  self->health_waiting = g_ptr_array_new_with_free_func (g_object_unref);
  self->metrics_waiting = g_ptr_array_new_with_free_func (g_object_unref);
  upg_service_conns_init (self);
}

/**
 * upg_service_new:
 * @config: the site configuration
 * @bundle: the bundle the service plans and runs
 * @journal: the journal
 * @state_dir: the state directory (execution logs)
 * @token: the bearer token (upg_service_read_token())
 *
 * Creates the service; it answers once upg_service_listen() succeeded and
 * the main context runs.
 *
 * Returns: (transfer full): the service
 */
UpgService *
upg_service_new (UpgConfig  *config,
                 UpgBundle  *bundle,
                 UpgJournal *journal,
                 const char *state_dir,
                 const char *token)
{
  UpgService *self = g_object_new (UPG_TYPE_SERVICE, NULL);

  self->config = g_object_ref (config);
  self->bundle = g_object_ref (bundle);
  self->journal = g_object_ref (journal);
  self->state_dir = g_strdup (state_dir);
  self->token = g_strdup (token);
  self->max_body = upg_config_get_service_max_body (config);
  self->idle_timeout = (guint) upg_config_get_service_idle_timeout (config);
  self->metrics_public = upg_config_get_service_metrics_public (config);
  self->plugins = upg_plugin_manager_new_for_config (config);
  self->executor = upg_executor_new (config, bundle, journal, state_dir);
  upg_executor_set_plugin_manager (self->executor, self->plugins);

  self->server = soup_server_new ("server-header", "upgraded/" PACKAGE_VERSION " ", NULL);
  soup_server_add_early_handler (self->server, NULL, handle_early, self, NULL);
  soup_server_add_handler (self->server, NULL, handle_request, self, NULL);
  soup_server_add_handler (self->server, UPG_SERVICE_EVENTS_PREFIX, handle_request, self, NULL);
  soup_server_add_websocket_handler (self->server, UPG_SERVICE_EVENTS_PREFIX, NULL, NULL,
                                     handle_websocket, self, NULL);
  g_signal_connect (self->server, "request-finished", G_CALLBACK (request_finished), self);
  g_signal_connect (self->server, "request-aborted", G_CALLBACK (request_finished), self);
  g_signal_connect (self->server, "request-read", G_CALLBACK (request_read), self);
  return self;
}

/**
 * upg_service_recover:
 * @self: the service
 * @error: return location for an error
 *
 * At start: executions a process of this host left RUNNING and that no
 * longer runs become INTERRUPTED, resumable (SPEC §6).
 *
 * Returns: how many were marked, %G_MAXUINT on error
 */
guint
upg_service_recover (UpgService *self,
                     GError    **error)
{
  guint marked = upg_journal_mark_interrupted (self->journal, error);

  if (marked != G_MAXUINT && marked > 0)
    upg_service_log (NULL, G_LOG_LEVEL_WARNING,
                     "%u execution(s) left RUNNING by a stopped process marked INTERRUPTED", marked);
  return marked;
}

/**
 * upg_service_listen:
 * @self: the service
 * @address: `ADDR:PORT` (`[ADDR]:PORT` for IPv6); port 0 picks a free one
 * @error: return location for an error
 *
 * Starts listening. The address must be a literal IP address (or
 * `localhost`): the service binds where it is told, nothing is resolved.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_service_listen (UpgService *self,
                    const char *address,
                    GError    **error)
{
  g_autoptr(GSocketConnectable) parsed = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *host;

  parsed = g_network_address_parse (address, 0, &local_error);
  if (parsed == NULL || strrchr (address, ':') == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("listen address '%s' is not valid: expected ADDR:PORT, e.g. 127.0.0.1:20080%s%s"),
                   address, local_error != NULL ? ": " : "",
                   local_error != NULL ? local_error->message : "");
      return FALSE;
    }
  host = g_network_address_get_hostname (G_NETWORK_ADDRESS (parsed));
  inet = g_strcmp0 (host, "localhost") == 0 ? g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4)
                                            : g_inet_address_new_from_string (host);
  if (inet == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("listen address '%s': '%s' is not an IP address"), address, host);
      return FALSE;
    }
  socket_address = g_inet_socket_address_new (inet, g_network_address_get_port (G_NETWORK_ADDRESS (parsed)));
  if (!upg_service_conns_listen (self, socket_address, &local_error))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("cannot listen on %s: %s"), address, local_error->message);
      return FALSE;
    }
  /* Under systemd (Type=notify): ready once the socket listens, so that
   * units ordered after this one find it answering. */
  upg_service_sd_notify ("READY=1\nSTATUS=listening");
  return TRUE;
}

/**
 * upg_service_get_url:
 * @self: a listening service
 *
 * Returns: (transfer full) (nullable): the URL it listens on, with the
 *   port actually bound (`http://127.0.0.1:PORT`)
 */
char *
upg_service_get_url (UpgService *self)
{
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree char *host = NULL;
  char *text;

  if (self->listen_socket == NULL)
    return NULL;
  address = g_socket_get_local_address (self->listen_socket, NULL);
  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  text = strchr (host, ':') != NULL
    ? g_strdup_printf ("http://[%s]:%u", host, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)))
    : g_strdup_printf ("http://%s:%u", host, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
  return text;
}

/**
 * upg_service_shutdown:
 * @self: the service
 *
 * Stops accepting connections and cancels the running executions: each
 * stops at its next statement boundary, saves its breakpoint and releases
 * its site's lock. Wait for upg_service_is_idle() before exiting.
 */
void
upg_service_shutdown (UpgService *self)
{
  if (!self->shutting_down)
    upg_service_sd_notify ("STOPPING=1");
  self->shutting_down = TRUE;
  upg_service_conns_stop (self);
  soup_server_disconnect (self->server);
  upg_service_cancel_runs (self);
}

/**
 * upg_service_is_idle:
 * @self: the service
 *
 * Returns: whether no execution runs
 */
gboolean
upg_service_is_idle (UpgService *self)
{
  return g_hash_table_size (self->runs_by_site) == 0;
}
