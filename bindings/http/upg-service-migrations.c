/* upg-service-migrations.c - GET /api/v1/upgrade/migrations and
 * POST /api/v1/upgrade/migrations/{id}/pause|resume|cancel (SPEC §10)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The same journal rows as `upgradectl migrations`: the list, and the
 * operator's control that the running migration reads between batches
 * (whichever process runs it: this service or a CLI). The journal is read
 * in a worker thread while the request is paused, as the other journal
 * routes do: a running execution holds the journal's lock while it
 * records a statement.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-journal-migrations-private.h"
#include "upg-service-private.h"

typedef struct {
  SoupServerMessage *msg;
  char              *site;    /* list: nullable filter */
  char              *id;      /* control */
  const char        *action;  /* control; NULL: list */
} MigrationsRequest;

static void
request_free (MigrationsRequest *request)
{
  g_clear_object (&request->msg);
  g_free (request->site);
  g_free (request->id);
  g_free (request);
}

static void
in_thread (GTask        *task,
           gpointer      source,
           gpointer      data,
           GCancellable *cancellable)
{
  UpgService *self = source;
  MigrationsRequest *request = data;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  GError *error = NULL;

  if (request->action == NULL)
    {
      g_autoptr(JsonArray) list = upg_journal_list_migrations (self->journal, request->site, &error);
      g_autoptr(JsonObject) doc = json_object_new ();

      if (list == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      json_object_set_array_member (doc, "migrations", g_steal_pointer (&list));
      json_node_set_object (node, doc);
    }
  else
    {
      g_autoptr(JsonObject) migration = upg_journal_migration_control (self->journal, request->id,
                                                                       request->action, &error);

      if (migration == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      json_node_set_object (node, migration);
    }
  g_task_return_pointer (task, g_steal_pointer (&node), (GDestroyNotify) json_node_unref);
}

/* In the main context, which owns libsoup's objects. */
static void
done (GObject      *source,
      GAsyncResult *result,
      gpointer      user_data)
{
  MigrationsRequest *request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = g_task_propagate_pointer (G_TASK (result), &error);

  if (node != NULL)
    upg_service_reply_json (request->msg, request->action != NULL ? SOUP_STATUS_ACCEPTED : SOUP_STATUS_OK, node);
  else if (g_error_matches (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT))
    /* Known, but not running or paused: the request conflicts with its state. */
    upg_service_reply_error (request->msg, SOUP_STATUS_CONFLICT, "migration_not_running", error->message);
  else
    upg_service_reply_gerror (request->msg, error);
  soup_server_message_unpause (request->msg);
  request_free (request);
}

static void
start (UpgService        *self,
       SoupServerMessage *msg,
       MigrationsRequest *request)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, done, request);

  request->msg = g_object_ref (msg);
  g_task_set_task_data (task, request, NULL);
  soup_server_message_pause (msg);
  g_task_run_in_thread (task, in_thread);
}

/* GET /api/v1/upgrade/migrations[?site=ID] */
void
upg_service_handle_migrations (UpgService        *self,
                               SoupServerMessage *msg,
                               const char        *id)
{
  MigrationsRequest *request = g_new0 (MigrationsRequest, 1);
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));

  if (query != NULL)
    {
      g_autoptr(GHashTable) params = soup_form_decode (query);

      request->site = g_strdup (g_hash_table_lookup (params, "site"));
    }
  start (self, msg, request);
}

static void
control (UpgService        *self,
         SoupServerMessage *msg,
         const char        *id,
         const char        *action)
{
  MigrationsRequest *request = g_new0 (MigrationsRequest, 1);

  request->id = g_strdup (id);
  request->action = action;
  start (self, msg, request);
}

/* POST /api/v1/upgrade/migrations/{id}/pause */
void
upg_service_handle_migration_pause (UpgService        *self,
                                    SoupServerMessage *msg,
                                    const char        *id)
{
  control (self, msg, id, "pause");
}

/* POST /api/v1/upgrade/migrations/{id}/resume */
void
upg_service_handle_migration_resume (UpgService        *self,
                                     SoupServerMessage *msg,
                                     const char        *id)
{
  control (self, msg, id, "resume");
}

/* POST /api/v1/upgrade/migrations/{id}/cancel */
void
upg_service_handle_migration_cancel (UpgService        *self,
                                     SoupServerMessage *msg,
                                     const char        *id)
{
  control (self, msg, id, "cancel");
}
