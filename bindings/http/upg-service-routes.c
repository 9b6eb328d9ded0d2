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

#include "upg-execution-update-private.h"
#include "upg-run-private.h"
#include "upg-service-private.h"

/* ---- journal reads, off the main context ------------------------------ */

/* A route that reads the journal does it in a worker thread while its
 * request is paused: the journal's lock is held by a running execution
 * for each statement it records (fsync included), and the main context,
 * which answers every other client, must never wait for it. */
typedef struct _Read Read;
typedef gpointer (*ReadFunc)   (UpgService *self,
                                Read       *read,
                                GError    **error);
typedef void     (*AnswerFunc) (UpgService *self,
                                Read       *read,
                                gpointer    result,
                                GError     *error);

struct _Read {
  SoupServerMessage *msg;          /* NULL for the health check's ping */
  char              *id;
  UpgReportFormat    format;
  UpgVersion        *from;         /* the whole upgrade's report */
  UpgVersion        *to;
  UpgPlan           *plan;         /* the plan, whose confirmations it reads */
  ReadFunc           read;         /* in the worker thread */
  AnswerFunc         answer;       /* in the main context; owns the result */
};

static void
read_free (Read *read)
{
  g_clear_object (&read->msg);
  g_free (read->id);
  g_clear_pointer (&read->from, upg_version_free);
  g_clear_pointer (&read->to, upg_version_free);
  g_clear_object (&read->plan);
  g_free (read);
}

static void
read_in_thread (GTask        *task,
                gpointer      source,
                gpointer      data,
                GCancellable *cancellable)
{
  Read *read = data;
  GError *error = NULL;
  gpointer result = read->read (((UpgService *) source), read, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, NULL);
}

/* In the main context: the answer, and the request released here, never in
 * the worker thread (whichever drops the task last): libsoup's objects
 * belong to the main context. */
static void
read_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Read *read = user_data;
  GError *error = NULL;
  gpointer value = g_task_propagate_pointer (G_TASK (result), &error);

  read->answer (((UpgService *) source), read, value, error);
  if (read->msg != NULL)
    soup_server_message_unpause (read->msg);
  read_free (read);
}

static Read *
read_new (SoupServerMessage *msg,
          const char        *id,
          ReadFunc           read_func,
          AnswerFunc         answer_func,
          UpgReportFormat    format)
{
  Read *read = g_new0 (Read, 1);

  read->msg = msg != NULL ? g_object_ref (msg) : NULL;
  read->id = g_strdup (id);
  read->format = format;
  read->read = read_func;
  read->answer = answer_func;
  return read;
}

static void
read_start (UpgService *self,
            Read       *read)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, read_done, read);

  /* No destroy notify: read_done() frees it. */
  g_task_set_task_data (task, read, NULL);
  if (read->msg != NULL)
    soup_server_message_pause (read->msg);
  g_task_run_in_thread (task, read_in_thread);
}

static void
read_off_main (UpgService        *self,
               SoupServerMessage *msg,
               const char        *id,
               ReadFunc           read_func,
               AnswerFunc         answer_func,
               UpgReportFormat    format)
{
  read_start (self, read_new (msg, id, read_func, answer_func, format));
}

/* ---- health ------------------------------------------------------------- */

/* How old the journal's last answer to the health check may be: a monitor
 * polling many times a second costs one journal query a second, and no
 * health answer waits for the journal unless that answer is older. */
#define HEALTH_MAX_AGE_US (G_USEC_PER_SEC)

/**
 * upg_service_health_json:
 * @self: the service
 * @status: (out): the HTTP status of the answer
 *
 * The health answer from the journal's last answer to the check.
 *
 * Returns: (transfer full): the answer
 */
JsonNode *
upg_service_health_json (UpgService *self,
                         guint      *status)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gboolean journal_ok = self->health_error == NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, journal_ok ? "ok" : "degraded");
  json_builder_set_member_name (builder, "journal");
  json_builder_add_string_value (builder, journal_ok ? "ok" : self->health_error);
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, upg_get_version ());
  json_builder_set_member_name (builder, "running");
  json_builder_add_int_value (builder, g_hash_table_size (self->runs_by_site));
  json_builder_end_object (builder);
  *status = journal_ok ? SOUP_STATUS_OK : SOUP_STATUS_SERVICE_UNAVAILABLE;
  return json_builder_get_root (builder);
}

/**
 * upg_service_health_fresh:
 * @self: the service
 *
 * Returns: whether the journal answered the health check recently enough
 *   for a health request to be answered without asking it again
 */
gboolean
upg_service_health_fresh (UpgService *self)
{
  return self->health_time != 0 && g_get_monotonic_time () - self->health_time < HEALTH_MAX_AGE_US;
}

static void
reply_health (UpgService        *self,
              SoupServerMessage *msg)
{
  guint status = 0;
  g_autoptr(JsonNode) node = upg_service_health_json (self, &status);

  upg_service_reply_json (msg, status, node);
}

static gpointer
health_ping (UpgService *self,
             Read       *read,
             GError    **error)
{
  upg_journal_ping (self->journal, error);
  return NULL;
}

/* Every health request that waited for this ping gets its result. */
static void
health_pinged (UpgService *self,
               Read       *read,
               gpointer    result,
               GError     *error)
{
  g_clear_pointer (&self->health_error, g_free);
  if (error != NULL)
    self->health_error = g_strdup (error->message);
  g_clear_error (&error);
  self->health_time = g_get_monotonic_time ();
  self->health_pinging = FALSE;
  for (guint i = 0; i < self->health_waiting->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (self->health_waiting, i);

      reply_health (self, msg);
      soup_server_message_unpause (msg);
    }
  g_ptr_array_set_size (self->health_waiting, 0);
}

/* GET /api/v1/health: the process answers and the journal is reachable
 * (it answered a query less than HEALTH_MAX_AGE_US ago). */
void
upg_service_handle_health (UpgService        *self,
                           SoupServerMessage *msg,
                           const char        *id)
{
  if (upg_service_health_fresh (self))
    {
      reply_health (self, msg);
      return;
    }
  soup_server_message_pause (msg);
  g_ptr_array_add (self->health_waiting, g_object_ref (msg));
  if (!self->health_pinging)
    {
      self->health_pinging = TRUE;
      read_off_main (self, NULL, NULL, health_ping, health_pinged, UPG_REPORT_FORMAT_JSON);
    }
}

static gpointer
plan_read (UpgService *self,
           Read       *read,
           GError    **error)
{
  return upg_executor_plan_to_json (self->executor, read->plan, error);
}

static void
plan_answer (UpgService *self,
             Read       *read,
             gpointer    result,
             GError     *error)
{
  g_autoptr(JsonNode) node = result;
  g_autoptr(GError) local_error = error;

  if (node == NULL)
    upg_service_reply_gerror (read->msg, local_error);
  else
    upg_service_reply_json (read->msg, SOUP_STATUS_OK, node);
}

/* GET /api/v1/upgrade/plan?from=&to=&site=: with the steps that need
 * confirmation, whether, by whom and when they were confirmed, which the
 * journal says (off the main context). */
void
upg_service_handle_plan (UpgService        *self,
                         SoupServerMessage *msg,
                         const char        *id)
{
  g_auto(UpgServiceRequest) request = { 0 };
  g_autoptr(UpgPlan) plan = upg_service_request_plan (self, msg, &request, FALSE);
  g_autoptr(JsonNode) node = NULL;
  Read *read;

  if (plan == NULL)
    return;
  if (upg_plan_get_incompatible_steps (plan)->len == 0)
    {
      node = upg_plan_to_json (plan);
      upg_service_reply_json (msg, SOUP_STATUS_OK, node);
      return;
    }
  read = read_new (msg, NULL, plan_read, plan_answer, UPG_REPORT_FORMAT_JSON);
  read->plan = g_steal_pointer (&plan);
  read_start (self, read);
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
  /* Its earlier backups measure the dump rate of backup steps. */
  upg_assessor_set_journal (assessor, self->journal);

  pending = g_new0 (Pending, 1);
  pending->service = g_object_ref (self);
  pending->msg = g_object_ref (msg);
  soup_server_message_pause (msg);
  upg_assessor_run_async (assessor, NULL, assess_done, pending);
}

/* The execution in SPEC §9 run form, with what only this process knows of
 * a run it runs: whether it is live, its current step and position. */
static JsonNode *
status_node (UpgService   *self,
             const char   *id,
             UpgExecution *execution)
{
  UpgServiceRun *run = g_hash_table_lookup (self->runs_by_id, id);
  JsonNode *node;
  JsonObject *object;
  g_autofree char *sending = NULL;

  /* The statement on its way, from the run's memory at once: a statement
   * waiting for a lock has not finished, so no signal said where it is
   * (issue #12). */
  if (run != NULL && run->run != NULL && execution == run->live)
    {
      upg_run_current_apply (upg_run_get_current (run->run), execution);
      if (upg_execution_get_current_file (execution) != NULL)
        sending = g_strdup_printf ("%s:%u", upg_execution_get_current_file (execution),
                                   upg_execution_get_current_line (execution));
      else if (upg_execution_get_current_task (execution) != NULL)
        sending = g_strdup (upg_execution_get_current_task (execution));
    }
  node = upg_execution_to_json (execution, TRUE);
  object = json_node_get_object (node);
  json_object_set_boolean_member (object, "live", run != NULL);
  if (run != NULL && run->current_step != NULL)
    json_object_set_string_member (object, "current_step", run->current_step);
  else
    json_object_set_null_member (object, "current_step");
  /* Where it is: the statement running, else the last one finished. */
  if (sending != NULL)
    json_object_set_string_member (object, "position", sending);
  else if (run != NULL && run->position != NULL)
    json_object_set_string_member (object, "position", run->position);
  else
    json_object_set_null_member (object, "position");
  return node;
}

/* An execution running in this process, kept up to date by its signals
 * (steps, statement progress, ETA), so that status queries never wait for
 * the journal its run is writing to. */
static UpgExecution *
live_execution (UpgService *self,
                const char *id)
{
  UpgServiceRun *run = g_hash_table_lookup (self->runs_by_id, id);

  return run != NULL ? run->live : NULL;
}

/**
 * upg_service_live_status_json:
 * @self: the service
 * @id: an execution id
 *
 * Returns: (transfer full) (nullable): the status of @id if it runs in
 *   this process, from memory; %NULL otherwise
 */
JsonNode *
upg_service_live_status_json (UpgService *self,
                              const char *id)
{
  UpgExecution *execution = live_execution (self, id);

  return execution != NULL ? status_node (self, id, execution) : NULL;
}

/**
 * upg_service_unknown_status_json:
 * @id: an execution id
 *
 * Every execution id is a UUID (upg_journal_create_execution()): any other
 * id names none, without asking the journal, which may be busy with a
 * run's writes. The answer is the journal's own.
 *
 * Returns: (transfer full) (nullable): the body of the 404 if @id is not
 *   a UUID; %NULL if the journal must be asked
 */
JsonNode *
upg_service_unknown_status_json (const char *id)
{
  g_autoptr(GError) error = NULL;

  if (g_uuid_string_is_valid (id))
    return NULL;
  g_set_error (&error, UPG_ERROR, UPG_ERROR_NOT_FOUND, _("execution '%s' not found in the journal"), id);
  return upg_service_error_new (upg_error_code_nick (error), error->message);
}

/**
 * upg_service_status_json:
 * @self: the service
 * @id: an execution id
 * @error: return location for an error (%UPG_ERROR_NOT_FOUND)
 *
 * The execution in SPEC §9 run form: from memory if it runs in this
 * process, else read from the journal in the calling thread.
 *
 * Returns: (transfer full): the status, or %NULL
 */
JsonNode *
upg_service_status_json (UpgService *self,
                         const char *id,
                         GError    **error)
{
  g_autoptr(UpgExecution) execution = NULL;

  if (live_execution (self, id) != NULL)
    execution = g_object_ref (live_execution (self, id));
  else
    execution = upg_executor_load_execution (self->executor, id, error);
  if (execution == NULL)
    return NULL;
  return status_node (self, id, execution);
}

static gpointer
status_read (UpgService *self,
             Read       *read,
             GError    **error)
{
  return upg_executor_load_execution (self->executor, read->id, error);
}

static void
status_answer (UpgService *self,
               Read       *read,
               gpointer    result,
               GError     *error)
{
  g_autoptr(UpgExecution) execution = result;
  g_autoptr(GError) local_error = error;
  g_autoptr(JsonNode) node = NULL;

  if (execution == NULL)
    {
      upg_service_reply_gerror (read->msg, local_error);
      return;
    }
  node = status_node (self, read->id, execution);
  upg_service_reply_json (read->msg, SOUP_STATUS_OK, node);
}

/* GET /api/v1/upgrade/status/{id}: a live execution from memory, any
 * other from the journal, off the main context. */
void
upg_service_handle_status (UpgService        *self,
                           SoupServerMessage *msg,
                           const char        *id)
{
  g_autoptr(JsonNode) node = upg_service_live_status_json (self, id);

  if (node != NULL)
    upg_service_reply_json (msg, SOUP_STATUS_OK, node);
  else if ((node = upg_service_unknown_status_json (id)) != NULL)
    upg_service_reply_json (msg, SOUP_STATUS_NOT_FOUND, node);
  else
    read_off_main (self, msg, id, status_read, status_answer, UPG_REPORT_FORMAT_JSON);
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

static gpointer
report_read (UpgService *self,
             Read       *read,
             GError    **error)
{
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(JsonArray) statements = NULL;

  record = upg_report_load_execution (self->journal, read->id, &statements, error);
  if (record == NULL)
    return NULL;
  return upg_report_render_execution (record, statements, read->format);
}

static gpointer
upgrade_report_read (UpgService *self,
                     Read       *read,
                     GError    **error)
{
  return upg_report_for_upgrade (self->journal, read->id, read->from, read->to, read->format, error);
}

static void
report_answer (UpgService *self,
               Read       *read,
               gpointer    result,
               GError     *error)
{
  g_autofree char *report = result;
  g_autoptr(GError) local_error = error;

  if (report == NULL)
    upg_service_reply_gerror (read->msg, local_error);
  else
    upg_service_reply_text (read->msg, SOUP_STATUS_OK, content_type_for (read->format), report);
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

  if (format_text != NULL && !upg_report_format_from_string (format_text, &format, &error))
    {
      g_prefix_error (&error, "format: ");
      upg_service_reply_gerror (msg, error);
      return;
    }
  read_off_main (self, msg, id, report_read, report_answer, format);
}

/* GET /api/v1/upgrade/report?from=&to=&site=&format=: the whole upgrade
 * (every execution of that from/to/site, in stage order), the query as
 * the plan's; json by default. */
void
upg_service_handle_upgrade_report (UpgService        *self,
                                   SoupServerMessage *msg,
                                   const char        *id)
{
  g_autoptr(GHashTable) params = NULL;
  const char *format_text = query_value (msg, "format", &params);
  UpgReportFormat format = UPG_REPORT_FORMAT_JSON;
  g_auto(UpgServiceRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  Read *read;

  if (format_text != NULL && !upg_report_format_from_string (format_text, &format, &error))
    g_prefix_error (&error, "format: ");
  else if (upg_service_request_read (msg, &request, &error) &&
           upg_service_request_require (self, &request, FALSE, &error))
    upg_config_check_site (self->config, request.site, &error);
  if (error != NULL)
    {
      upg_service_reply_gerror (msg, error);
      return;
    }
  read = read_new (msg, request.site, upgrade_report_read, report_answer, format);
  read->from = g_steal_pointer (&request.from);
  read->to = g_steal_pointer (&request.to);
  read_start (self, read);
}

/* The log as it is now; an execution without a log file is a 404 naming
 * the reason, not an internal error. */
static gpointer
logs_read (UpgService *self,
           Read       *read,
           GError    **error)
{
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = NULL;
  char *contents = NULL;
  gsize length = 0;

  execution = upg_executor_load_execution (self->executor, read->id, error);
  if (execution == NULL)
    return NULL;
  path = upg_executor_get_log_path (self->executor, read->id);
  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND, _("execution '%s' has no log: %s"), read->id,
                   local_error->message);
      return NULL;
    }
  return g_bytes_new_take (contents, length);
}

static void
logs_answer (UpgService *self,
             Read       *read,
             gpointer    result,
             GError     *error)
{
  g_autoptr(GError) local_error = error;
  gsize length = 0;
  char *contents;

  if (result == NULL)
    {
      upg_service_reply_gerror (read->msg, local_error);
      return;
    }
  contents = g_bytes_unref_to_data (result, &length);
  soup_server_message_set_status (read->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (read->msg, "text/plain; charset=utf-8", SOUP_MEMORY_TAKE, contents, length);
}

/* GET /api/v1/upgrade/logs/{id}: the execution's log file as it is now. */
void
upg_service_handle_logs (UpgService        *self,
                         SoupServerMessage *msg,
                         const char        *id)
{
  read_off_main (self, msg, id, logs_read, logs_answer, UPG_REPORT_FORMAT_JSON);
}
