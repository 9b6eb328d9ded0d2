/* scripted-http-server.c - a real libsoup server on 127.0.0.1 whose answers
 * are scripted by request count, and which records what it received
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The server runs in a thread of its own with its own main context, so
 * that the test may block (an in-process run, a spawned upgradectl)
 * while it answers. Answers depend on the number of the request, never
 * on time.
 */
#include <libsoup/soup.h>

#include "scripted-http-server.h"

typedef struct {
  SoupMessageHeaders *headers;
  char               *body;
} Received;

struct _ScriptedServer
{
  GMutex        mutex;
  GCond         cond;
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  guint         port;
  GArray       *answers;     /* ScriptedAnswer, bodies owned */
  GPtrArray    *received;    /* Received */
  gboolean      ready;
};

static void
received_free (gpointer data)
{
  Received *r = data;

  soup_message_headers_unref (r->headers);
  g_free (r->body);
  g_free (r);
}

static void
handle (SoupServer        *soup,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  ScriptedServer *self = user_data;
  SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (request_body);
  Received *r = g_new0 (Received, 1);
  ScriptedAnswer answer;
  guint index;

  r->headers = soup_message_headers_ref (soup_server_message_get_request_headers (msg));
  r->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_mutex_lock (&self->mutex);
  index = self->received->len;
  g_ptr_array_add (self->received, r);
  answer = g_array_index (self->answers, ScriptedAnswer, MIN (index, self->answers->len - 1));
  soup_server_message_set_status (msg, answer.status, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, answer.body, strlen (answer.body));
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

static gpointer
serve (gpointer data)
{
  ScriptedServer *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) any_port = NULL;
  g_autoptr(GSocketAddress) bound = NULL;

  g_main_context_push_thread_default (self->context);
  self->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (self->server, NULL, handle, self, NULL);
  /* Our own socket rather than soup_server_listen_local(): libsoup 3.2
   * leaks the local address it reads back when asked for port 0, which
   * valgrind would blame on every test of this server. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  any_port = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_bind (socket, any_port, TRUE, &error));
  g_assert_true (g_socket_listen (socket, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_assert_true (soup_server_listen_socket (self->server, socket, 0, &error));
  g_assert_no_error (error);

  g_mutex_lock (&self->mutex);
  self->ready = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  g_main_loop_run (self->loop);
  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_main_context_pop_thread_default (self->context);
  return NULL;
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

  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->answers = g_array_new (FALSE, FALSE, sizeof (ScriptedAnswer));
  self->received = g_ptr_array_new_with_free_func (received_free);
  scripted_server_set_answers (self, answers, n_answers);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("scripted-http", serve, self);
  g_mutex_lock (&self->mutex);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);
  return self;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
scripted_server_free (ScriptedServer *self)
{
  g_main_context_invoke (self->context, quit_cb, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
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
