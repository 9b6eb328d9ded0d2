/* upg-notify.c - posting `notify` events to the configured webhooks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * SPEC §7: deliveries are journaled and never delay or fail the upgrade.
 * Each webhook that wants the event gets its own thread (libsoup,
 * synchronously, a session per thread) that POSTs the JSON payload, with
 * the bearer token of `token_env` in the Authorization header only, and
 * retries a failed attempt (no answer, 5xx, 408, 429) after 0.5 s, 1 s,
 * 2 s… up to the hook's `retries`. The caller waits for all of them
 * together at most UPG_NOTIFY_MAX_SECONDS: then the deliveries still
 * under way are cancelled and journaled FAILED. An error here is never
 * the upgrade's: journal trouble is only logged.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "upg-notify-private.h"
#include "upg-url-private.h"

typedef struct _Batch Batch;

typedef struct
{
  Batch               *batch;
  const UpgNotifyHook *hook;
  char                *row_id;    /* (nullable): not journaled */
  char                *token;     /* (nullable) */
  UpgNotifyOutcome    *outcome;
  GThread             *thread;
} Delivery;

struct _Batch
{
  GMutex        mutex;
  GCond         cond;
  guint         running;
  gboolean      stopped;       /* the deadline passed */
  GCancellable *cancellable;
  GBytes       *body;
  gint64        deadline;      /* monotonic µs */
};

void
upg_notify_outcome_free (UpgNotifyOutcome *outcome)
{
  if (outcome == NULL)
    return;
  g_free (outcome->url);
  g_free (outcome->failure);
  g_free (outcome);
}

static gboolean
worth_retrying (guint status)
{
  return status == 0 || status >= 500 || status == SOUP_STATUS_REQUEST_TIMEOUT || status == 429;
}

/* Sleeps @ms unless the batch is stopped first; FALSE when stopped or
 * when the pause would end past the deadline. */
static gboolean
pause_before_retry (Batch *batch,
                    guint  ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;
  gboolean go_on;

  if (until + G_USEC_PER_SEC > batch->deadline)
    return FALSE;
  g_mutex_lock (&batch->mutex);
  while (!batch->stopped && g_cond_wait_until (&batch->cond, &batch->mutex, until))
    ;
  go_on = !batch->stopped;
  g_mutex_unlock (&batch->mutex);
  return go_on;
}

static void
attempt_once (Delivery    *d,
              SoupSession *session,
              GUri        *uri)
{
  g_autoptr(SoupMessage) message = soup_message_new_from_uri (SOUP_METHOD_POST, uri);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers = soup_message_get_request_headers (message);

  soup_message_set_request_body_from_bytes (message, "application/json", d->batch->body);
  if (d->token != NULL)
    {
      g_autofree char *bearer = g_strdup_printf ("Bearer %s", d->token);
      soup_message_headers_replace (headers, "Authorization", bearer);
    }
  d->outcome->attempts++;
  answer = soup_session_send_and_read (session, message, d->batch->cancellable, &error);
  g_clear_pointer (&d->outcome->failure, g_free);
  if (answer == NULL)
    {
      d->outcome->http_status = 0;
      d->outcome->failure = g_strdup (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                                      ? _("cancelled: the time allowed to notifications ran out")
                                      : error->message);
      return;
    }
  d->outcome->http_status = soup_message_get_status (message);
  if (SOUP_STATUS_IS_SUCCESSFUL (d->outcome->http_status))
    d->outcome->delivered = TRUE;
  else
    d->outcome->failure = g_strdup_printf (_("answered HTTP %u %s"), d->outcome->http_status,
                                           soup_message_get_reason_phrase (message) != NULL
                                             ? soup_message_get_reason_phrase (message) : "");
}

static gpointer
deliver (gpointer data)
{
  Delivery *d = data;
  Batch *batch = d->batch;
  g_autoptr(GUri) uri = g_uri_parse (d->hook->url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(SoupSession) session = NULL;

  session = soup_session_new_with_options ("timeout", d->hook->timeout, "idle-timeout", d->hook->timeout,
                                           "user-agent", "libupgrade-notify/" PACKAGE_VERSION, NULL);
  for (guint attempt = 0; uri != NULL && attempt <= d->hook->retries; attempt++)
    {
      if (attempt > 0 && !pause_before_retry (batch, 500u << MIN (attempt - 1, 6u)))
        break;
      attempt_once (d, session, uri);
      if (d->outcome->delivered || !worth_retrying (d->outcome->http_status) ||
          g_cancellable_is_cancelled (batch->cancellable))
        break;
    }
  g_mutex_lock (&batch->mutex);
  batch->running--;
  g_cond_broadcast (&batch->cond);
  g_mutex_unlock (&batch->mutex);
  return NULL;
}

static void
journal_outcome (UpgJournal *journal,
                 Delivery   *d)
{
  g_autoptr(GError) error = NULL;

  if (d->row_id != NULL &&
      !upg_journal_finish_notification (journal, d->row_id, d->outcome->delivered, d->outcome->attempts,
                                        d->outcome->http_status, d->outcome->failure, &error))
    g_warning (_("notification to %s: cannot journal its delivery: %s"), d->outcome->url, error->message);
}

/* Starts the delivery of @batch to @hook, journaled SENDING first. A
 * missing token fails it without sending anything. */
static Delivery *
start_delivery (UpgJournal               *journal,
                Batch                    *batch,
                const UpgNotifyHook      *hook,
                const UpgNotificationKey *key)
{
  Delivery *d = g_new0 (Delivery, 1);
  UpgNotificationKey row = *key;
  g_autoptr(GError) error = NULL;

  d->batch = batch;
  d->hook = hook;
  d->outcome = g_new0 (UpgNotifyOutcome, 1);
  d->outcome->url = upg_url_redact (hook->url);
  row.url = d->outcome->url;
  d->row_id = upg_journal_begin_notification (journal, &row, &error);
  if (d->row_id == NULL)
    g_warning (_("notification to %s: cannot journal its delivery: %s"), d->outcome->url, error->message);
  if (hook->token_env != NULL)
    {
      const char *token = g_getenv (hook->token_env);

      if (token == NULL || *token == '\0')
        {
          d->outcome->failure = g_strdup_printf (_("the bearer token variable %s is not set: nothing sent"),
                                                 hook->token_env);
          return d;
        }
      d->token = g_strdup (token);
    }
  g_mutex_lock (&batch->mutex);
  batch->running++;
  g_mutex_unlock (&batch->mutex);
  d->thread = g_thread_new ("upgrade-notify", deliver, d);
  return d;
}

/*
 * upg_notify_send:
 * @hooks: (element-type UpgNotifyHook): the configured webhooks
 * @key: what the event is about, for the journal
 * @payload: the event's JSON (docs/notify.md)
 *
 * Posts @payload to every hook that wants @event and waits for the
 * deliveries, at most UPG_NOTIFY_MAX_SECONDS in all; each is journaled.
 * Never fails.
 *
 * Returns: (transfer container) (element-type UpgNotifyOutcome): how
 *   each delivery ended, in the order of @hooks
 */
GPtrArray *
upg_notify_send (UpgJournal               *journal,
                 GPtrArray                *hooks,
                 UpgNotifyEvent            event,
                 const UpgNotificationKey *key,
                 JsonObject               *payload)
{
  GPtrArray *outcomes = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_notify_outcome_free);
  g_autoptr(GPtrArray) deliveries = g_ptr_array_new ();
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), payload);
  g_autofree char *text = json_to_string (node, FALSE);
  gsize length = strlen (text);
  Batch batch = { 0 };

  g_mutex_init (&batch.mutex);
  g_cond_init (&batch.cond);
  batch.cancellable = g_cancellable_new ();
  batch.body = g_bytes_new_take (g_steal_pointer (&text), length);
  batch.deadline = g_get_monotonic_time () + UPG_NOTIFY_MAX_SECONDS * G_USEC_PER_SEC;

  for (guint i = 0; hooks != NULL && i < hooks->len; i++)
    if (upg_notify_hook_wants (g_ptr_array_index (hooks, i), event))
      g_ptr_array_add (deliveries, start_delivery (journal, &batch, g_ptr_array_index (hooks, i), key));

  /* The bound: past the deadline whatever is still under way is cut. */
  g_mutex_lock (&batch.mutex);
  while (batch.running > 0 && g_cond_wait_until (&batch.cond, &batch.mutex, batch.deadline))
    ;
  if (batch.running > 0)
    {
      batch.stopped = TRUE;
      g_cond_broadcast (&batch.cond);
    }
  g_mutex_unlock (&batch.mutex);
  if (batch.stopped)
    g_cancellable_cancel (batch.cancellable);

  for (guint i = 0; i < deliveries->len; i++)
    {
      Delivery *d = g_ptr_array_index (deliveries, i);

      if (d->thread != NULL)
        g_thread_join (d->thread);
      journal_outcome (journal, d);
      g_ptr_array_add (outcomes, d->outcome);
      g_free (d->row_id);
      if (d->token != NULL)
        memset (d->token, 0, strlen (d->token));
      g_free (d->token);
      g_free (d);
    }
  g_bytes_unref (batch.body);
  g_object_unref (batch.cancellable);
  g_mutex_clear (&batch.mutex);
  g_cond_clear (&batch.cond);
  return outcomes;
}
