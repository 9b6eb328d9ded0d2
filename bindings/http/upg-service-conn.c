/* upg-service-conn.c - connections: accept, wait for a request, time out
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The service accepts its connections itself and gives libsoup only a
 * connection that holds a complete request head, because libsoup 3.2
 * (Debian 12) never frees a connection whose client closes it before
 * sending a request, including an idle keep-alive connection: every such
 * connection kept its socket open forever (issue #13). Here:
 *
 *  - a new connection waits, in this file, until its request head is
 *    complete (seen with MSG_PEEK, so libsoup still reads every byte);
 *    a client that closes first or sends nothing for
 *    `service.idle_timeout` seconds is closed at once;
 *  - at RLIMIT_NOFILE less DESCRIPTOR_RESERVE connections, the one idle
 *    the longest is closed for a new one (conns_oldest_idle());
 *  - a head over 64 KiB is answered 431 without going further, and one
 *    that libsoup would answer without a JSON body, or read ambiguously
 *    (request smuggling), 400, 501 or 505 (upg_service_head_refusal());
 *  - the frequent GET requests (upg-service-direct.c) are answered here
 *    and the connection waits here again for the next request: keep-alive
 *    without libsoup, so a client closing an idle connection frees it;
 *  - every response of libsoup says `Connection: close` (except a
 *    WebSocket upgrade), so libsoup never keeps a connection idle;
 *  - once libsoup has it, the socket's GSocket timeout ends a stalled
 *    read or write, and the same deadline ends a request whose head or
 *    body trickles in too slowly;
 *  - a request refused before its body (401, 404, 405, 413) is taken
 *    back from libsoup, answered here, and its body is discarded while
 *    the client learns the answer (a lingering close, so that the client
 *    sees the answer rather than a reset), never stored.
 *
 * Everything runs in the main context without blocking: one slow client
 * never delays another.
 *
 * System calls are most of the cost of a request answered here (a few
 * µs each on a virtual machine): a connection is a bare descriptor,
 * accepted in batches with accept4(), and gets its GSocket (half a dozen
 * calls to learn what the descriptor already is) only when libsoup takes
 * it; a client that asked to close, with nothing sent after its request,
 * is closed at once rather than lingered on.
 */
/* accept4() */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <glib/gi18n-lib.h>
#include <glib-unix.h>

#include "upg-service-private.h"

/* A request head (request line and headers) may take 64 KiB (SPEC §10). */
#define HEAD_LIMIT (64 * 1024)
/* Room for a whole head in the kernel's receive queue, where it is peeked:
 * the default (autotuned) queue may advertise less than 64 KiB. */
#define RECEIVE_BUFFER (512 * 1024)
/* A refused client gets this long to take its answer and stop sending. */
#define DRAIN_SECONDS 5
#define DRAIN_LIMIT (64 * 1024 * 1024)
/* RFC 6585; libsoup 3.2 has no name for it. */
#define STATUS_HEADERS_TOO_LARGE 431
/* Connections accepted per wakeup of the listening socket: the rest wait
 * for the next iteration, after the requests already there. */
#define ACCEPT_BATCH 32
/* Out of descriptors: accepting pauses this long rather than spin. */
#define ACCEPT_PAUSE_MS 100
/* Descriptors the connections leave to the executions (their database
 * connections, logs, backups, plugin hosts), of RLIMIT_NOFILE. */
#define DESCRIPTOR_RESERVE 64

typedef enum {
  CONN_WAITING,   /* ours: no complete request head yet */
  CONN_HANDED,    /* libsoup reads and answers it */
  CONN_DRAINING,  /* ours again: answered, discarding the rest */
} ConnState;

struct _UpgServiceConn {
  UpgService        *service;     /* not owned: it outlives its connections */
  int                fd;
  struct sockaddr_storage remote; /* as accept4() gave it */
  socklen_t          remote_length;
  GSocketConnection *connection;  /* once handed to libsoup, which owns fd */
  GSocket           *socket;      /* not owned: the connection's */
  GIOStream         *stolen;      /* libsoup's stream of a refused request */
  char              *key;         /* remote address, as libsoup reports it */
  GSource           *watch;
  GSource           *deadline;
  ConnState          state;
  gsize              peeked;      /* bytes seen by the last peek */
  gsize              low_water;   /* SO_RCVLOWAT as set, 1 by default */
  gsize              drained;
  gint64             active;      /* monotonic: accepted or last answered */
  GString           *unsent;      /* the rest of a direct answer */
  gboolean           close_after; /* once it is sent */
};

static void conn_close (UpgServiceConn *conn);

static char *
address_key (GSocketAddress *address)
{
  g_autofree char *host = NULL;

  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  return g_strdup_printf ("%s|%u", host, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

/* GLib takes a source's descriptors out of the poll set while its callback
 * runs, in case it runs the main loop again, and puts them back after:
 * each a wakeup of the context, two system calls per dispatch. These
 * callbacks never run the main loop. */
static void
upg_service_source_unblocked (GSource *source)
{
  g_source_set_can_recurse (source, TRUE);
}

static void
conn_stop_sources (UpgServiceConn *conn)
{
  if (conn->watch != NULL)
    g_source_destroy (conn->watch);
  g_clear_pointer (&conn->watch, g_source_unref);
  if (conn->deadline != NULL)
    g_source_destroy (conn->deadline);
  g_clear_pointer (&conn->deadline, g_source_unref);
}

static void
conn_free (UpgServiceConn *conn)
{
  conn_stop_sources (conn);
  if (conn->unsent != NULL)
    g_string_free (conn->unsent, TRUE);
  g_clear_object (&conn->stolen);
  g_clear_object (&conn->connection);
  g_free (conn->key);
  g_free (conn);
}

/* Closes the descriptor, through its GSocket once it has one. */
static void
conn_close_fd (UpgServiceConn *conn)
{
  if (conn->socket != NULL)
    g_socket_close (conn->socket, NULL);
  else if (conn->fd >= 0)
    close (conn->fd);
  conn->fd = -1;
}

/* Forgets @conn; its socket is closed unless libsoup owns it. */
static void
conn_close (UpgServiceConn *conn)
{
  UpgService *self = conn->service;

  conn_stop_sources (conn);
  if (conn->state != CONN_HANDED)
    conn_close_fd (conn);
  if (conn->key != NULL && g_hash_table_lookup (self->conns_by_key, conn->key) == conn)
    g_hash_table_remove (self->conns_by_key, conn->key);
  /* The table's destructor frees it. */
  g_hash_table_remove (self->conns, conn);
}

static void conn_set_deadline (UpgServiceConn *conn, guint seconds);

static gboolean
on_deadline (gpointer user_data)
{
  UpgServiceConn *conn = user_data;
  gint64 idle = g_get_monotonic_time () - conn->active;
  gint64 timeout = (gint64) conn->service->idle_timeout * G_USEC_PER_SEC;

  /* A kept-alive connection answered since the deadline was set: its
   * idle time counts from that answer (one timer per connection, not one
   * per request). */
  if (conn->state == CONN_WAITING && idle < timeout)
    {
      conn_set_deadline (conn, (guint) ((timeout - idle + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC));
      return G_SOURCE_REMOVE;
    }
  /* A handed connection is libsoup's to close: shutting the socket down
   * makes its pending read or write fail, and it frees the connection. */
  if (conn->state == CONN_HANDED)
    g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
  conn_close (conn);
  return G_SOURCE_REMOVE;
}

static void
conn_set_deadline (UpgServiceConn *conn,
                   guint           seconds)
{
  if (conn->deadline != NULL)
    g_source_destroy (conn->deadline);
  g_clear_pointer (&conn->deadline, g_source_unref);
  conn->deadline = g_timeout_source_new_seconds (seconds);
  g_source_set_callback (conn->deadline, on_deadline, conn, NULL);
  g_source_attach (conn->deadline, NULL);
}

static void
conn_watch_for (UpgServiceConn *conn,
                GIOCondition    condition,
                GSourceFunc     callback)
{
  if (conn->watch != NULL)
    g_source_destroy (conn->watch);
  g_clear_pointer (&conn->watch, g_source_unref);
  conn->watch = g_unix_fd_source_new (conn->fd, condition | G_IO_HUP | G_IO_ERR);
  upg_service_source_unblocked (conn->watch);
  g_source_set_callback (conn->watch, G_SOURCE_FUNC (callback), conn, NULL);
  g_source_attach (conn->watch, NULL);
}

static void
conn_watch (UpgServiceConn *conn,
            GSourceFunc     callback)
{
  conn_watch_for (conn, G_IO_IN, callback);
}

static void
conn_set_low_water (UpgServiceConn *conn,
                    gsize           bytes)
{
  if (conn->low_water == bytes)
    return;
  int value = (int) bytes;

  (void) setsockopt (conn->fd, SOL_SOCKET, SO_RCVLOWAT, &value, sizeof value);
  conn->low_water = bytes;
}

/* ---- refusing ---------------------------------------------------------- */

static gboolean
on_drain (int           fd,
          GIOCondition  condition,
          gpointer      user_data)
{
  UpgServiceConn *conn = user_data;
  char buffer[16384];
  gssize n = recv (fd, buffer, sizeof buffer, MSG_DONTWAIT);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n > 0 && (conn->drained += n) < DRAIN_LIMIT)
    return G_SOURCE_CONTINUE;
  /* End of the client's data, an error, or enough discarded. */
  g_clear_pointer (&conn->watch, g_source_unref);
  conn_close (conn);
  return G_SOURCE_REMOVE;
}

/* Answered for good: the client gets DRAIN_SECONDS to read the answer and
 * close, its data is discarded meanwhile (see conn_refuse()). */
static void
conn_linger (UpgServiceConn *conn)
{
  shutdown (conn->fd, SHUT_WR);
  conn->state = CONN_DRAINING;
  conn_set_deadline (conn, DRAIN_SECONDS);
  conn_watch (conn, G_SOURCE_FUNC (on_drain));
}

/* Sends @status with a JSON error and `Connection: close` straight on the
 * socket, then discards what the client still sends until it closes (or
 * for DRAIN_SECONDS): closing with unread data would reset the connection
 * and could destroy the answer before the client read it. */
static void
conn_refuse (UpgServiceConn *conn,
             guint           status,
             const char     *code,
             const char     *message)
{
  g_autoptr(JsonNode) node = upg_service_error_new (code, message);
  g_autofree char *json = json_to_string (node, FALSE);
  g_autofree char *response = NULL;

  response = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                              "Server: upgraded/" PACKAGE_VERSION "\r\n"
                              "Content-Type: application/json\r\n"
                              "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                              "Connection: close\r\n"
                              "%s"
                              "\r\n%s\n",
                              status, status == STATUS_HEADERS_TOO_LARGE ? "Request Header Fields Too Large"
                                : soup_status_get_phrase (status), strlen (json) + 1,
                              status == SOUP_STATUS_UNAUTHORIZED
                                ? "WWW-Authenticate: Bearer realm=\"upgraded\"\r\n" : "",
                              json);
  /* A fresh socket's send queue takes a small answer whole. */
  (void) send (conn->fd, response, strlen (response), MSG_DONTWAIT | MSG_NOSIGNAL);
  conn_linger (conn);
}

/**
 * upg_service_conn_refuse:
 * @self: the service
 * @msg: a request whose head libsoup read, and not its body
 * @route: (nullable): its route's path pattern for the request metrics,
 *   %NULL if it matched none
 * @status: 401, 404, 405, 413
 * @code: the error's code
 * @message: the error's message
 *
 * Answers @msg without reading its body: the connection is taken back
 * from libsoup (which then forgets it), answered and drained here. Counted
 * in the request metrics like an answer of libsoup.
 */
void
upg_service_conn_refuse (UpgService        *self,
                         SoupServerMessage *msg,
                         const char        *route,
                         guint              status,
                         const char        *code,
                         const char        *message)
{
  g_autofree char *key = address_key (soup_server_message_get_remote_address (msg));
  UpgServiceConn *conn = key != NULL ? g_hash_table_lookup (self->conns_by_key, key) : NULL;

  upg_service_metrics_count_request (self->metrics, soup_server_message_get_method (msg),
                                     route != NULL ? route : "unmatched", status);
  if (conn == NULL)
    {
      /* Not one of ours (cannot happen): libsoup answers after the body. */
      soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
      upg_service_reply_error (msg, status, code, message);
      return;
    }
  g_hash_table_remove (self->conns_by_key, key);
  g_clear_pointer (&conn->key, g_free);
  conn->stolen = soup_server_message_steal_connection (msg);
  conn_refuse (conn, status, code, message);
}

/* ---- waiting for a request head --------------------------------------- */

/* The end of the head: an empty line, with CRLF or bare LF line ends
 * (libsoup accepts both). Returns its end offset, 0 if not there. */
static gsize
head_end (const char *data,
          gsize       length,
          gsize       from)
{
  for (gsize i = from; i < length; i++)
    if (data[i] == '\n')
      {
        if (i + 1 < length && data[i + 1] == '\n')
          return i + 2;
        if (i + 2 < length && data[i + 1] == '\r' && data[i + 2] == '\n')
          return i + 3;
      }
  return 0;
}

static void
conn_hand_over (UpgServiceConn *conn)
{
  UpgService *self = conn->service;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&conn->watch, g_source_unref);
  conn_set_low_water (conn, 1);
  /* From here the GSocket owns the descriptor. */
  socket = g_socket_new_from_fd (conn->fd, &error);
  if (socket == NULL)
    {
      upg_service_log (NULL, G_LOG_LEVEL_WARNING, "cannot serve a connection: %s", error->message);
      conn_close (conn);
      return;
    }
  conn->connection = g_socket_connection_factory_create_connection (socket);
  conn->socket = g_socket_connection_get_socket (conn->connection);
  local = g_socket_get_local_address (conn->socket, NULL);
  remote = g_socket_address_new_from_native (&conn->remote, conn->remote_length);
  /* From here libsoup's reads and writes give up after that long without
   * progress; the deadline still bounds the whole request's reading. */
  g_socket_set_timeout (conn->socket, self->idle_timeout);
  conn->key = address_key (remote);
  if (conn->key == NULL)
    {
      conn_close (conn);
      return;
    }
  /* Before: libsoup reads the head at once, in the call. */
  conn->state = CONN_HANDED;
  g_hash_table_replace (self->conns_by_key, g_strdup (conn->key), conn);
  if (!soup_server_accept_iostream (self->server, G_IO_STREAM (conn->connection), local, remote, &error))
    {
      upg_service_log (NULL, G_LOG_LEVEL_WARNING, "cannot serve a connection: %s", error->message);
      conn->state = CONN_WAITING;
      conn_close (conn);
    }
}

static gboolean on_readable (int fd, GIOCondition condition, gpointer user_data);

/* The rest of a direct answer, as the client reads it. */
static gboolean
on_writable (int           fd,
             GIOCondition  condition,
             gpointer      user_data)
{
  UpgServiceConn *conn = user_data;
  gssize n = send (fd, conn->unsent->str, conn->unsent->len, MSG_DONTWAIT | MSG_NOSIGNAL);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&conn->watch, g_source_unref);
  if (n < 0)
    {
      conn_close (conn);
      return G_SOURCE_REMOVE;
    }
  if ((gsize) n < conn->unsent->len)
    {
      g_string_erase (conn->unsent, 0, n);
      conn_watch_for (conn, G_IO_OUT, G_SOURCE_FUNC (on_writable));
      return G_SOURCE_REMOVE;
    }
  g_string_free (g_steal_pointer (&conn->unsent), TRUE);
  conn->active = g_get_monotonic_time ();
  if (conn->close_after)
    conn_linger (conn);
  else
    conn_watch (conn, G_SOURCE_FUNC (on_readable));
  return G_SOURCE_REMOVE;
}

/* A request that upg-service-direct.c answered: its head (@length bytes,
 * all in the receive queue) is consumed and @answer sent; the connection
 * then waits for the next request in the same watch, unless the client
 * asked to close it. A client that asked to close and sent nothing after
 * its request (@more: it did) is closed at once: nothing unread, so the
 * close cannot reset the answer, and the client will send nothing more
 * (RFC 9112 §9.6). Returns what the watch of on_readable() does. */
static gboolean
conn_answer_direct (UpgServiceConn *conn,
                    gsize           length,
                    GString        *answer,
                    gboolean        keep_alive,
                    gboolean        more)
{
  int fd = conn->fd;
  gssize n;

  conn->peeked = 0;
  conn_set_low_water (conn, 1);
  n = recv (fd, conn->service->peek_buffer, length, MSG_DONTWAIT);
  if (n == (gssize) length)
    n = send (fd, answer->str, answer->len, MSG_DONTWAIT | MSG_NOSIGNAL);
  else
    n = -2;   /* cannot happen: the head was in the queue */
  if (n == -2 || (n < 0 && errno != EAGAIN && errno != EINTR))
    {
      g_string_free (answer, TRUE);
      g_clear_pointer (&conn->watch, g_source_unref);
      conn_close (conn);
      return G_SOURCE_REMOVE;
    }
  conn->close_after = !keep_alive;
  if ((gsize) MAX (n, 0) == answer->len)
    {
      g_string_free (answer, TRUE);
      conn->active = g_get_monotonic_time ();
      if (keep_alive)
        return G_SOURCE_CONTINUE;
      g_clear_pointer (&conn->watch, g_source_unref);
      if (more)
        conn_linger (conn);
      else
        conn_close (conn);
      return G_SOURCE_REMOVE;
    }
  /* The client does not read as fast: the rest when it can take it, and
   * no next request meanwhile. */
  g_string_erase (answer, 0, MAX (n, 0));
  conn->unsent = answer;
  g_clear_pointer (&conn->watch, g_source_unref);
  conn_watch_for (conn, G_IO_OUT, G_SOURCE_FUNC (on_writable));
  return G_SOURCE_REMOVE;
}

static gboolean
on_readable (int           fd,
             GIOCondition  condition,
             gpointer      user_data)
{
  UpgServiceConn *conn = user_data;
  UpgService *self = conn->service;
  gssize n = recv (fd, self->peek_buffer, HEAD_LIMIT + 4,
                   MSG_PEEK | MSG_DONTWAIT);
  gsize end;

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  /* Woken up without more data than last time (the low-water mark asks
   * for more): the client shut its side down mid-head. */
  if (n <= 0 || (gsize) n == conn->peeked)
    {
      /* Closed (or broken) before a request: nothing to answer. */
      g_clear_pointer (&conn->watch, g_source_unref);
      conn_close (conn);
      return G_SOURCE_REMOVE;
    }
  end = head_end (self->peek_buffer, MIN ((gsize) n, HEAD_LIMIT), conn->peeked > 3 ? conn->peeked - 3 : 0);
  if (end > 0)
    {
      gboolean keep_alive = FALSE;
      GString *answer = upg_service_direct_answer (self, self->peek_buffer, end, &keep_alive);

      guint status = 0;
      const char *code = NULL;
      const char *refusal;

      if (answer != NULL)
        return conn_answer_direct (conn, end, answer, keep_alive, (gsize) n > end);
      /* The direct answers take only heads in the plainest form: only the
       * others are checked. */
      g_clear_pointer (&conn->watch, g_source_unref);
      refusal = upg_service_head_refusal (self->peek_buffer, end, &status, &code);
      if (refusal == NULL)
        conn_hand_over (conn);
      else
        {
          upg_service_metrics_count_request (self->metrics, "unknown", "unmatched", status);
          conn_refuse (conn, status, code, refusal);
        }
      return G_SOURCE_REMOVE;
    }
  if (n > HEAD_LIMIT)
    {
      g_autofree char *message = g_strdup_printf (_("the request line and headers are larger than %u KiB"),
                                                  (guint) (HEAD_LIMIT / 1024));

      upg_service_metrics_count_request (self->metrics, "unknown", "unmatched",
                                         STATUS_HEADERS_TOO_LARGE);
      g_clear_pointer (&conn->watch, g_source_unref);
      conn_refuse (conn, STATUS_HEADERS_TOO_LARGE, "headers-too-large", message);
      return G_SOURCE_REMOVE;
    }
  /* Incomplete: wake up only when more than this has arrived (the queue
   * stays readable since nothing was consumed). */
  conn->peeked = n;
  conn_set_low_water (conn, n + 1);
  return G_SOURCE_CONTINUE;
}

static void
conn_new (UpgService              *self,
          int                      fd,
          struct sockaddr_storage *remote,
          socklen_t                remote_length)
{
  UpgServiceConn *conn = g_new0 (UpgServiceConn, 1);

  conn->service = self;
  conn->fd = fd;
  conn->remote = *remote;
  conn->remote_length = remote_length;
  conn->low_water = 1;
  conn->active = g_get_monotonic_time ();
  g_hash_table_add (self->conns, conn);
  upg_service_metrics_count_connection (self->metrics);
  conn_set_deadline (conn, self->idle_timeout);
  conn_watch (conn, G_SOURCE_FUNC (on_readable));
}

/* At the connection limit: the connection idle the longest, waiting for
 * a request or draining after a refusal, is closed for a new one, so that
 * clients holding idle connections (by mistake or on purpose) can neither
 * lock out the next request nor take the executions' descriptors. A
 * request libsoup reads or answers is never cut: NULL if every
 * connection is busy. */
static UpgServiceConn *
conns_oldest_idle (UpgService *self)
{
  GHashTableIter iter;
  UpgServiceConn *conn;
  UpgServiceConn *oldest = NULL;

  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, (gpointer *) &conn, NULL))
    if (conn->state != CONN_HANDED && conn->unsent == NULL && (oldest == NULL || conn->active < oldest->active))
      oldest = conn;
  return oldest;
}

static void accept_resume (UpgService *self);

static gboolean
on_accept_paused (gpointer user_data)
{
  UpgService *self = user_data;

  g_clear_pointer (&self->accept_source, g_source_unref);
  accept_resume (self);
  return G_SOURCE_REMOVE;
}

/* The queue stays readable: accepting waits a while rather than wake up
 * for nothing. */
static gboolean
accept_pause (UpgService *self)
{
  g_clear_pointer (&self->accept_source, g_source_unref);
  self->accept_source = g_timeout_source_new (ACCEPT_PAUSE_MS);
  g_source_set_callback (self->accept_source, on_accept_paused, self, NULL);
  g_source_attach (self->accept_source, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
on_acceptable (GSocket      *socket,
               GIOCondition  condition,
               gpointer      user_data)
{
  UpgService *self = user_data;

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      struct sockaddr_storage remote;
      socklen_t remote_length = sizeof remote;
      UpgServiceConn *idle = NULL;
      int fd;

      /* At the limit with every connection busy: the new ones wait in the
       * queue, as when out of descriptors. */
      if (g_hash_table_size (self->conns) >= self->conn_limit && !self->shutting_down
          && (idle = conns_oldest_idle (self)) == NULL)
        return accept_pause (self);
      fd = accept4 (g_socket_get_fd (socket), (struct sockaddr *) &remote, &remote_length,
                    SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0 && idle != NULL)
        conn_close (idle);
      if (fd >= 0 && self->shutting_down)
        close (fd);
      else if (fd >= 0)
        conn_new (self, fd, &remote, remote_length);
      if (fd >= 0)
        continue;
      /* Out of descriptors: wait for some to free up. */
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        return accept_pause (self);
      /* EAGAIN: no more; a connection reset in the queue: the next. */
      if (errno != ECONNABORTED && errno != EINTR && errno != EPROTO)
        break;
    }
  return G_SOURCE_CONTINUE;
}

static void
accept_resume (UpgService *self)
{
  self->accept_source = g_socket_create_source (self->listen_socket, G_IO_IN, NULL);
  upg_service_source_unblocked (self->accept_source);
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (on_acceptable), self, NULL);
  g_source_attach (self->accept_source, NULL);
}

/* ---- libsoup's side ----------------------------------------------------- */

static UpgServiceConn *
lookup (UpgService        *self,
        SoupServerMessage *msg,
        char             **key_out)
{
  g_autofree char *key = address_key (soup_server_message_get_remote_address (msg));
  UpgServiceConn *conn = key != NULL ? g_hash_table_lookup (self->conns_by_key, key) : NULL;

  if (key_out != NULL)
    *key_out = g_steal_pointer (&key);
  return conn;
}

/**
 * upg_service_conn_request_read:
 * @self: the service
 * @msg: a request libsoup read whole
 *
 * The deadline of its connection no longer applies: the request is read,
 * the handler may take its time; stalled writes still time out.
 */
void
upg_service_conn_request_read (UpgService        *self,
                               SoupServerMessage *msg)
{
  UpgServiceConn *conn = lookup (self, msg, NULL);

  if (conn != NULL)
    conn_stop_sources (conn);
}

/**
 * upg_service_conn_request_done:
 * @self: the service
 * @msg: a request libsoup answered or gave up
 *
 * Forgets its connection; libsoup closes it after the answer
 * (`Connection: close`).
 */
void
upg_service_conn_request_done (UpgService        *self,
                               SoupServerMessage *msg)
{
  UpgServiceConn *conn = lookup (self, msg, NULL);

  if (conn != NULL)
    conn_close (conn);
}

/**
 * upg_service_conn_keep:
 * @self: the service
 * @msg: a WebSocket request about to be upgraded
 *
 * A WebSocket stays open as long as its execution runs: no timeout.
 */
void
upg_service_conn_keep (UpgService        *self,
                       SoupServerMessage *msg)
{
  UpgServiceConn *conn = lookup (self, msg, NULL);

  if (conn == NULL)
    return;
  g_socket_set_timeout (conn->socket, 0);
  upg_service_conn_request_done (self, msg);
}

/* ---- listening -------------------------------------------------------- */

void
upg_service_conns_init (UpgService *self)
{
  struct rlimit limit;

  self->conns = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) conn_free, NULL);
  self->conns_by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->peek_buffer = g_malloc (HEAD_LIMIT + 4);
  self->conn_limit = G_MAXUINT;
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < G_MAXUINT)
    self->conn_limit = limit.rlim_cur > 2 * DESCRIPTOR_RESERVE ? limit.rlim_cur - DESCRIPTOR_RESERVE
                                                               : limit.rlim_cur / 2;
}

/* Stops accepting; the connections still waiting for a request are closed. */
void
upg_service_conns_stop (UpgService *self)
{
  GHashTableIter iter;
  UpgServiceConn *conn;

  if (self->accept_source != NULL)
    g_source_destroy (self->accept_source);
  g_clear_pointer (&self->accept_source, g_source_unref);
  if (self->listen_socket != NULL)
    g_socket_close (self->listen_socket, NULL);
  g_clear_object (&self->listen_socket);
  if (self->conns == NULL)
    return;
  g_hash_table_remove_all (self->conns_by_key);
  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, (gpointer *) &conn, NULL))
    {
      conn_stop_sources (conn);
      if (conn->state != CONN_HANDED)
        conn_close_fd (conn);
      g_hash_table_iter_remove (&iter);
    }
}

void
upg_service_conns_clear (UpgService *self)
{
  upg_service_conns_stop (self);
  g_clear_pointer (&self->conns_by_key, g_hash_table_unref);
  g_clear_pointer (&self->conns, g_hash_table_unref);
  g_clear_pointer (&self->peek_buffer, g_free);
}

/**
 * upg_service_conns_listen:
 * @self: the service
 * @address: where
 * @error: return location for an error
 *
 * Binds and listens on @address and accepts from the main context.
 *
 * Returns: %TRUE once listening
 */
gboolean
upg_service_conns_listen (UpgService     *self,
                          GSocketAddress *address,
                          GError        **error)
{
  g_autoptr(GSocket) socket = NULL;

  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;
  /* Accepted sockets inherit it (and the window scale it allows). */
  g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, RECEIVE_BUFFER, NULL);
  /* An address not configured yet still binds (the unit does not wait for
   * the network, see systemd/upgraded.service.in). */
  if (g_socket_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    g_socket_set_option (socket, IPPROTO_IP, IP_FREEBIND, 1, NULL);
  g_socket_set_listen_backlog (socket, 1024);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return FALSE;
  self->listen_socket = g_steal_pointer (&socket);
  accept_resume (self);
  return TRUE;
}
