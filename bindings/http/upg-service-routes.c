/* upg-service-routes.c - health, plan, assess, status, report, logs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each handler reads its request, calls the library and answers with the
 * library's JSON (SPEC §9 forms). Only the assessment takes long: it runs
 * in the assessor's worker thread while the request is paused.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "upg-service-private.h"

/* GET /api/v1/health: the process answers and the journal is reachable. */
void
upg_service_handle_health (UpgService        *self,
                           SoupServerMessage *msg,
                           const char        *id)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  gboolean journal_ok = upg_journal_ping (self->journal, &error);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, journal_ok ? "ok" : "degraded");
  json_builder_set_member_name (builder, "journal");
  json_builder_add_string_value (builder, journal_ok ? "ok" : error->message);
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, upg_get_version ());
  json_builder_set_member_name (builder, "running");
  json_builder_add_int_value (builder, g_hash_table_size (self->runs_by_site));
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  upg_service_reply_json (msg, journal_ok ? SOUP_STATUS_OK : SOUP_STATUS_SERVICE_UNAVAILABLE, node);
}

/* GET /api/v1/upgrade/plan?from=&to=&site= */
void
upg_service_handle_plan (UpgService        *self,
                         SoupServerMessage *msg,
                         const char        *id)
{
  g_auto(UpgServiceRequest) request = { 0 };
  g_autoptr(UpgPlan) plan = upg_service_request_plan (self, msg, &request, FALSE);
  g_autoptr(JsonNode) node = NULL;

  if (plan == NULL)
    return;
  node = upg_plan_to_json (plan);
  upg_service_reply_json (msg, SOUP_STATUS_OK, node);
}

typedef struct {
  UpgService        *service;
  SoupServerMessage *msg;
} Pending;

static void
assess_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgAssessment) assessment = upg_assessor_run_finish (UPG_ASSESSOR (source), result, &error);

  if (assessment == NULL)
    upg_service_reply_gerror (pending->msg, error);
  else
    {
      g_autoptr(JsonNode) node = upg_assessment_to_json (assessment);

      upg_service_reply_json (pending->msg, SOUP_STATUS_OK, node);
    }
  soup_server_message_unpause (pending->msg);
  g_object_unref (pending->msg);
  g_object_unref (pending->service);
  g_free (pending);
}

/* POST /api/v1/upgrade/assess {fromVersion, toVersion, site, env}: the
 * answer waits for the assessment; the server answers others meanwhile. */
void
upg_service_handle_assess (UpgService        *self,
                           SoupServerMessage *msg,
                           const char        *id)
{
  g_auto(UpgServiceRequest) request = { 0 };
  g_autoptr(UpgPlan) plan = upg_service_request_plan (self, msg, &request, FALSE);
  g_autoptr(UpgAssessor) assessor = NULL;
  Pending *pending;

  if (plan == NULL)
    return;
  assessor = upg_assessor_new (plan, self->config);
  if (request.env != NULL)
    upg_assessor_set_env (assessor, request.env);
  upg_assessor_set_plugin_manager (assessor, self->plugins);

  pending = g_new0 (Pending, 1);
  pending->service = g_object_ref (self);
  pending->msg = g_object_ref (msg);
  soup_server_message_pause (msg);
  upg_assessor_run_async (assessor, NULL, assess_done, pending);
}

/**
 * upg_service_status_json:
 * @self: the service
 * @id: an execution id
 * @error: return location for an error (%UPG_ERROR_NOT_FOUND)
 *
 * The execution in SPEC §9 run form. One running in this process is
 * answered from memory, kept up to date by its signals (steps, statement
 * progress, ETA, current step, position of the last statement), so that
 * status queries never wait for the journal its run is writing to.
 *
 * Returns: (transfer full): the status, or %NULL
 */
JsonNode *
upg_service_status_json (UpgService *self,
                         const char *id,
                         GError    **error)
{
  UpgServiceRun *run = g_hash_table_lookup (self->runs_by_id, id);
  g_autoptr(UpgExecution) execution = NULL;
  JsonNode *node;
  JsonObject *object;

  if (run != NULL && run->live != NULL)
    execution = g_object_ref (run->live);
  else
    execution = upg_executor_load_execution (self->reader, id, error);
  if (execution == NULL)
    return NULL;
  node = upg_execution_to_json (execution, TRUE);
  object = json_node_get_object (node);
  json_object_set_boolean_member (object, "live", run != NULL);
  if (run != NULL && run->current_step != NULL)
    json_object_set_string_member (object, "current_step", run->current_step);
  else
    json_object_set_null_member (object, "current_step");
  if (run != NULL && run->position != NULL)
    json_object_set_string_member (object, "position", run->position);
  else
    json_object_set_null_member (object, "position");
  return node;
}

/* GET /api/v1/upgrade/status/{id} */
void
upg_service_handle_status (UpgService        *self,
                           SoupServerMessage *msg,
                           const char        *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = upg_service_status_json (self, id, &error);

  if (node == NULL)
    upg_service_reply_gerror (msg, error);
  else
    upg_service_reply_json (msg, SOUP_STATUS_OK, node);
}

static const char *
content_type_for (UpgReportFormat format)
{
  switch (format)
    {
    case UPG_REPORT_FORMAT_JSON:
      return "application/json";
    case UPG_REPORT_FORMAT_HTML:
      return "text/html; charset=utf-8";
    case UPG_REPORT_FORMAT_MARKDOWN:
      return "text/markdown; charset=utf-8";
    case UPG_REPORT_FORMAT_TEXT:
    default:
      return "text/plain; charset=utf-8";
    }
}

static const char *
query_value (SoupServerMessage *msg,
             const char        *name,
             GHashTable       **params)
{
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));

  if (query == NULL)
    return NULL;
  *params = soup_form_decode (query);
  return g_hash_table_lookup (*params, name);
}

/* GET /api/v1/upgrade/report/{id}?format=text|json|markdown|html (json by
 * default: the service's callers are programs). */
void
upg_service_handle_report (UpgService        *self,
                           SoupServerMessage *msg,
                           const char        *id)
{
  g_autoptr(GHashTable) params = NULL;
  const char *format_text = query_value (msg, "format", &params);
  UpgReportFormat format = UPG_REPORT_FORMAT_JSON;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(JsonArray) statements = NULL;
  g_autofree char *report = NULL;

  if (format_text != NULL && !upg_report_format_from_string (format_text, &format, &error))
    {
      g_prefix_error (&error, "format: ");
      upg_service_reply_gerror (msg, error);
      return;
    }
  record = upg_journal_get_execution (self->journal, id, &error);
  if (record == NULL && error == NULL)
    g_set_error (&error, UPG_ERROR, UPG_ERROR_NOT_FOUND, _("execution '%s' is not in the journal"), id);
  if (record != NULL)
    statements = upg_journal_list_statements (self->journal, id, &error);
  if (record == NULL || statements == NULL)
    {
      upg_service_reply_gerror (msg, error);
      return;
    }
  report = upg_report_render_execution (record, statements, format);
  upg_service_reply_text (msg, SOUP_STATUS_OK, content_type_for (format), report);
}

/* GET /api/v1/upgrade/logs/{id}: the execution's log file as it is now. */
void
upg_service_handle_logs (UpgService        *self,
                         SoupServerMessage *msg,
                         const char        *id)
{
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  execution = upg_executor_load_execution (self->reader, id, &error);
  if (execution == NULL)
    {
      upg_service_reply_gerror (msg, error);
      return;
    }
  path = upg_executor_get_log_path (self->reader, id);
  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      g_autofree char *message = g_strdup_printf (_("execution '%s' has no log: %s"), id, error->message);

      upg_service_reply_error (msg, SOUP_STATUS_NOT_FOUND, "not-found", message);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&contents), length);
}
