/* scripted-http-server.c - a small HTTP/1.1 server on 127.0.0.1 whose
 * answers are scripted by request count, and which records what it
 * received
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The server runs in a thread of its own, so that the test may block (an
 * in-process run, a spawned upgradectl) while it answers. Answers depend
 * on the number of the request, never on time.
 *
 * It is not a SoupServer: libsoup 3.2 (Debian 12) leaks a server
 * connection and its GSocket whenever a client closes an idle keep-alive
 * connection (fixed upstream in 3.3.0, libsoup commit d20c6601), which
 * LeakSanitizer blames on every test of this server; the service works
 * around the same bug in bindings/http/upg-service-conn.c. The server
 * only needs what our clients (notify hooks, http_check steps) send: one
 * request per connection, a head and a Content-Length body. It answers
 * with `Connection: close` and closes. libsoup still parses the head.
 *
 * Connections are served one after another with blocking calls that
 * scripted_server_free() interrupts through a GCancellable.
 */
#include <string.h>
#include <libsoup/soup.h>

#include "scripted-http-server.h"

/* Bounds against a broken client, far above what our clients send. */
#define HEAD_LIMIT (64 * 1024)
#define BODY_LIMIT (16 * 1024 * 1024)

typedef struct {
  SoupMessageHeaders *headers;
  char               *body;
} Received;

struct _ScriptedServer
{
  GMutex        mutex;
  GCond         cond;
  GThread      *thread;
  GSocket      *listener;
  GCancellable *cancellable;
  guint         port;
  GArray       *answers;     /* ScriptedAnswer, bodies owned */
  GPtrArray    *received;    /* Received */
};

static void
received_free (gpointer data)
{
  Received *r = data;

  soup_message_headers_unref (r->headers);
  g_free (r->body);
  g_free (r);
}

/* Reads into @buffer until it holds a whole request head; returns the
 * head's length (with its blank line), or 0 when the client closed, the
 * head grew past HEAD_LIMIT, or the server stops. */
static gsize
read_head (GSocket      *socket,
           GByteArray   *buffer,
           GCancellable *cancellable)
{
  char chunk[4096];

  for (;;)
    {
      const char *end;
      gssize n;

      /* An empty GByteArray has no data at all. */
      end = buffer->len > 0 ? g_strstr_len ((const char *) buffer->data, buffer->len, "\r\n\r\n") : NULL;
      if (end != NULL)
        return end + 4 - (const char *) buffer->data;
      if (buffer->len > HEAD_LIMIT)
        return 0;
      n = g_socket_receive (socket, chunk, sizeof chunk, cancellable, NULL);
      if (n <= 0)
        return 0;
      g_byte_array_append (buffer, (const guint8 *) chunk, n);
    }
}

/* Completes @buffer (the body bytes already read) to @length bytes. */
static gboolean
read_body (GSocket      *socket,
           GByteArray   *buffer,
           gsize         length,
           GCancellable *cancellable)
{
  char chunk[4096];

  while (buffer->len < length)
    {
      gssize n = g_socket_receive (socket, chunk, MIN (sizeof chunk, length - buffer->len),
                                   cancellable, NULL);

      if (n <= 0)
        return FALSE;
      g_byte_array_append (buffer, (const guint8 *) chunk, n);
    }
  return TRUE;
}

static void
answer (GSocket      *socket,
        guint         status,
        const char   *body,
        GCancellable *cancellable)
{
  /* The reason phrase is not optional for every client: always send one. */
  g_autofree char *response = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                                               "Content-Type: text/plain\r\n"
                                               "Content-Length: %zu\r\n"
                                               "Connection: close\r\n"
                                               "\r\n"
                                               "%s",
                                               status, soup_status_get_phrase (status),
                                               strlen (body), body);
  gsize length = strlen (response);
  gsize sent = 0;

  while (sent < length)
    {
      gssize n = g_socket_send (socket, response + sent, length - sent, cancellable, NULL);

      if (n <= 0)
        return;
      sent += n;
    }
}

/* Serves the one request of a connection: records it, then answers it
 * with the script's answer for its number. */
static void
serve_connection (ScriptedServer *self,
                  GSocket        *socket)
{
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autofree char *method = NULL;
  g_autofree char *path = NULL;
  gsize head_length = read_head (socket, buffer, self->cancellable);
  goffset body_length = 0;
  Received *r;
  ScriptedAnswer scripted;
  guint index;

  if (head_length == 0)
    return;
  if (soup_headers_parse_request ((const char *) buffer->data, head_length, headers,
                                  &method, &path, NULL) != SOUP_STATUS_OK)
    {
      answer (socket, SOUP_STATUS_BAD_REQUEST, "", self->cancellable);
      return;
    }
  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_NONE:
      break;
    case SOUP_ENCODING_CONTENT_LENGTH:
      body_length = soup_message_headers_get_content_length (headers);
      break;
    default:
      /* Neither notify nor http_check sends a chunked body. */
      answer (socket, SOUP_STATUS_NOT_IMPLEMENTED, "", self->cancellable);
      return;
    }
  if (body_length > BODY_LIMIT)
    {
      answer (socket, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "", self->cancellable);
      return;
    }
  g_byte_array_remove_range (buffer, 0, head_length);
  if (!read_body (socket, buffer, body_length, self->cancellable))
    return;

  r = g_new0 (Received, 1);
  r->headers = g_steal_pointer (&headers);
  r->body = g_strndup ((const char *) buffer->data, body_length);
  g_mutex_lock (&self->mutex);
  index = self->received->len;
  g_ptr_array_add (self->received, r);
  scripted = g_array_index (self->answers, ScriptedAnswer, MIN (index, self->answers->len - 1));
  /* Copied under the lock: scripted_server_set_answers() may free it. */
  scripted.body = g_strdup (scripted.body);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  answer (socket, scripted.status, scripted.body, self->cancellable);
  g_free ((char *) scripted.body);
}

static gpointer
serve (gpointer data)
{
  ScriptedServer *self = data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = g_socket_accept (self->listener, self->cancellable, &error);

      if (socket == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            return NULL;
          g_error ("scripted HTTP server: accept failed: %s", error->message);
        }
      serve_connection (self, socket);
      g_socket_close (socket, NULL);
    }
}

void
scripted_server_set_answers (ScriptedServer       *self,
                             const ScriptedAnswer *answers,
                             guint                 n_answers)
{
  g_assert_cmpuint (n_answers, >, 0);
  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->answers->len; i++)
    g_free ((char *) g_array_index (self->answers, ScriptedAnswer, i).body);
  g_array_set_size (self->answers, 0);
  for (guint i = 0; i < n_answers; i++)
    {
      ScriptedAnswer copy = { answers[i].status, g_strdup (answers[i].body) };
      g_array_append_val (self->answers, copy);
    }
  /* The script starts again at the next request. */
  g_ptr_array_set_size (self->received, 0);
  g_mutex_unlock (&self->mutex);
}

ScriptedServer *
scripted_server_new (const ScriptedAnswer *answers,
                     guint                 n_answers)
{
  ScriptedServer *self = g_new0 (ScriptedServer, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->answers = g_array_new (FALSE, FALSE, sizeof (ScriptedAnswer));
  self->received = g_ptr_array_new_with_free_func (received_free);
  scripted_server_set_answers (self, answers, n_answers);
  self->cancellable = g_cancellable_new ();
  /* Bound and listening before the thread starts: a client may connect
   * as soon as this returns. */
  self->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (self->listener, any_port, TRUE, &error));
  g_assert_true (g_socket_listen (self->listener, &error));
  bound = g_socket_get_local_address (self->listener, &error);
  g_assert_no_error (error);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  self->thread = g_thread_new ("scripted-http", serve, self);
  return self;
}

void
scripted_server_free (ScriptedServer *self)
{
  g_cancellable_cancel (self->cancellable);
  g_thread_join (self->thread);
  g_socket_close (self->listener, NULL);
  g_object_unref (self->listener);
  g_object_unref (self->cancellable);
  for (guint i = 0; i < self->answers->len; i++)
    g_free ((char *) g_array_index (self->answers, ScriptedAnswer, i).body);
  g_array_unref (self->answers);
  g_ptr_array_unref (self->received);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self);
}
char *
scripted_server_url (ScriptedServer *self,
                     const char     *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", self->port, path);
}

guint
scripted_server_requests (ScriptedServer *self)
{
  guint n;

  g_mutex_lock (&self->mutex);
  n = self->received->len;
  g_mutex_unlock (&self->mutex);
  return n;
}

char *
scripted_server_header (ScriptedServer *self,
                        guint           index,
                        const char     *name)
{
  char *value = NULL;

  g_mutex_lock (&self->mutex);
  if (index < self->received->len)
    value = g_strdup (soup_message_headers_get_one (((Received *) self->received->pdata[index])->headers, name));
  g_mutex_unlock (&self->mutex);
  return value;
}

char *
scripted_server_body (ScriptedServer *self,
                      guint           index)
{
  char *value = NULL;

  g_mutex_lock (&self->mutex);
  if (index < self->received->len)
    value = g_strdup (((Received *) self->received->pdata[index])->body);
  g_mutex_unlock (&self->mutex);
  return value;
}

/* Waits until @n requests arrived, at most @seconds (a bound against a
 * hang, not a timing assumption: the caller asserts the result). */
gboolean
scripted_server_wait_requests (ScriptedServer *self,
                               guint           n,
                               guint           seconds)
{
  gint64 until = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  gboolean reached;

  g_mutex_lock (&self->mutex);
  while (self->received->len < n && g_cond_wait_until (&self->cond, &self->mutex, until))
    ;
  reached = self->received->len >= n;
  g_mutex_unlock (&self->mutex);
  return reached;
}
