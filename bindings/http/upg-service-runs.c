/* upg-service-runs.c - POST execute and resume: stage runs in the background
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The service's one executor runs an UpgRun per request, whose signals
 * and execution belong to exactly that run. The request is paused until
 * the run emits execution-started: by then the executor holds the
 * site's lock in the journal and the execution has its id, so the 202
 * names it, and a second execute for the site, from this process or any
 * other, deterministically gets 409. A run that stops before starting
 * (lock held, bad plan, resume refused) answers with its error instead.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-execution-update-private.h"
#include "upg-service-private.h"

/* Called when a run ended: a shutdown waits for the last one. By name:
 * the service object, which defines the signal, calls this file. */
void
upg_service_run_ended (UpgService *self)
{
  if (self->shutting_down && g_hash_table_size (self->runs_by_site) == 0)
    g_signal_emit_by_name (self, "idle");
}

UpgServiceRun *
upg_service_run_ref (UpgServiceRun *run)
{
  g_atomic_int_inc (&run->ref_count);
  return run;
}

void
upg_service_run_unref (UpgServiceRun *run)
{
  if (!g_atomic_int_dec_and_test (&run->ref_count))
    return;
  if (run->run != NULL)
    g_signal_handlers_disconnect_by_data (run->run, run);
  for (guint i = 0; i < run->subscribers->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (run->subscribers, i), run);
  g_clear_object (&run->run);
  g_clear_object (&run->cancellable);
  g_clear_object (&run->pending);
  g_clear_object (&run->live);
  g_clear_pointer (&run->subscribers, g_ptr_array_unref);
  g_free (run->site);
  g_free (run->id);
  g_free (run->current_step);
  g_free (run->position);
  g_free (run);
}

/* ---- events of the run, in the main context --------------------------- */

static void
on_execution_started (UpgRun        *upg_run,
                      const char    *id,
                      UpgServiceRun *run)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  g_autoptr(GError) error = NULL;

  g_free (run->id);
  run->id = g_strdup (id);
  g_clear_object (&run->live);
  run->live = upg_executor_load_execution (run->service->executor, id, &error);
  if (run->live == NULL)
    upg_service_log (id, G_LOG_LEVEL_WARNING, "cannot read the execution back: %s", error->message);
  else
    upg_execution_set_status (run->live, UPG_EXECUTION_STATUS_RUNNING);
  g_hash_table_replace (run->service->runs_by_id, g_strdup (id), upg_service_run_ref (run));
  upg_service_log (id, G_LOG_LEVEL_MESSAGE, "execution started for site %s", run->site);

  if (run->pending != NULL)
    {
      /* SPEC §10: snake_case like every answer, and the design
       * documents' name for their clients. */
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "execution_id");
      json_builder_add_string_value (builder, id);
      json_builder_set_member_name (builder, "executionId");
      json_builder_add_string_value (builder, id);
      json_builder_set_member_name (builder, "site");
      json_builder_add_string_value (builder, run->site);
      json_builder_end_object (builder);
      node = json_builder_get_root (builder);
      upg_service_reply_json (run->pending, SOUP_STATUS_ACCEPTED, node);
      soup_server_message_unpause (run->pending);
      g_clear_object (&run->pending);
    }
}

static void
on_step_started (UpgRun        *upg_run,
                 const char    *step_id,
                 const char    *version,
                 UpgServiceRun *run)
{
  g_free (run->current_step);
  run->current_step = g_strdup (step_id);
  if (run->live != NULL)
    {
      upg_execution_set_step (run->live, step_id, version, UPG_STEP_STATUS_RUNNING, 0, NULL);
      upg_execution_set_rate_message (run->live, NULL);
    }
  upg_service_events_send (run, upg_service_event_new ("step-started", "step_id", step_id,
                                                       "version", version, NULL));
}

static void
on_step_finished (UpgRun        *upg_run,
                  const char    *step_id,
                  const char    *version,
                  UpgStepStatus  step_status,
                  gint64         duration_ms,
                  const char    *message,
                  UpgServiceRun *run)
{
  const char *status = upg_step_status_to_string (step_status);
  JsonNode *event = upg_service_event_new ("step-finished", "step_id", step_id, "version", version,
                                           "status", status, "message", message, NULL);

  json_object_set_int_member (json_node_get_object (event), "duration_ms", duration_ms);
  g_clear_pointer (&run->current_step, g_free);
  if (run->live != NULL)
    upg_execution_set_step (run->live, step_id, version, step_status, duration_ms, message);
  upg_service_metrics_observe_step (run->service->metrics, status, duration_ms);
  upg_service_events_send (run, event);
}

static void
on_statement_finished (UpgRun             *upg_run,
                       const char         *file,
                       guint               line,
                       guint               sequence,
                       UpgStatementStatus  statement_status,
                       gint64              duration_ms,
                       UpgServiceRun      *run)
{
  const char *status = upg_statement_status_to_string (statement_status);
  JsonNode *event;
  JsonObject *object;

  upg_service_metrics_count_statement (run->service->metrics, status);
  /* Thousands a second: the event is built only for someone to get it. */
  if (run->subscribers->len == 0)
    return;
  event = upg_service_event_new ("statement-finished", "file", file, "status", status, NULL);
  object = json_node_get_object (event);
  json_object_set_int_member (object, "line", line);
  json_object_set_int_member (object, "sequence", sequence);
  json_object_set_int_member (object, "duration_ms", duration_ms);
  upg_service_events_send (run, event);
}

/* The live calibration (SPEC §3): the measured rate replaced the configured
 * one; status shows the message until the step ends, and subscribers get
 * it as an event. */
static void
on_rate_revised (UpgRun        *upg_run,
                 const char    *step_id,
                 const char    *message,
                 gint64         eta_seconds,
                 UpgServiceRun *run)
{
  JsonNode *event = upg_service_event_new ("rate-revised", "step_id", step_id,
                                           "message", message, NULL);

  if (run->live != NULL)
    upg_execution_set_rate_message (run->live, message);
  json_object_set_int_member (json_node_get_object (event), "eta_seconds", eta_seconds);
  upg_service_events_send (run, event);
}

static void
on_progress (UpgRun        *upg_run,
             guint          done,
             guint          total,
             const char    *position,
             gint64         eta_seconds,
             UpgServiceRun *run)
{
  JsonNode *event;
  JsonObject *object;

  if (run->live != NULL)
    upg_execution_set_progress (run->live, done, total, eta_seconds);
  g_free (run->position);
  run->position = g_strdup (position);
  if (run->subscribers->len == 0)
    return;
  event = upg_service_event_new ("progress", "position", position, NULL);
  object = json_node_get_object (event);
  json_object_set_int_member (object, "done", done);
  json_object_set_int_member (object, "total", total);
  if (eta_seconds >= 0)
    json_object_set_int_member (object, "eta_seconds", eta_seconds);
  else
    json_object_set_null_member (object, "eta_seconds");
  upg_service_events_send (run, event);
}

/* A batched migration's batch window: the `migration-progress` event
 * carries its figures as members (rows done, rows/s, batch size, paused,
 * ETA; see UpgRun::migration-progress). */
static void
on_migration_progress (UpgRun        *upg_run,
                       JsonObject    *migration,
                       UpgServiceRun *run)
{
  JsonNode *event;
  JsonObject *object;
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;

  if (run->subscribers->len == 0)
    return;
  event = upg_service_event_new ("migration-progress", NULL);
  object = json_node_get_object (event);
  json_object_iter_init (&iter, migration);
  while (json_object_iter_next (&iter, &member, &value))
    json_object_set_member (object, g_str_equal (member, "id") ? "migration_id" : member, json_node_copy (value));
  upg_service_events_send (run, event);
}

/* ---- confirmation ----------------------------------------------------- */

/* 409 {"code": "confirmation_required", "message", "steps": […]}: the
 * steps of the stage that need confirmation (SPEC §10). */
static void
reply_confirmation_required (UpgService        *self,
                             SoupServerMessage *msg,
                             UpgRun            *upg_run,
                             const GError      *error)
{
  g_autoptr(JsonNode) node = upg_service_error_new (upg_error_code_nick (error), error->message);
  JsonArray *steps = upg_executor_list_unconfirmed_for_run (self->executor, upg_run, NULL);

  json_object_set_array_member (json_node_get_object (node), "steps", steps != NULL ? steps : json_array_new ());
  upg_service_reply_json (msg, SOUP_STATUS_CONFLICT, node);
}

/* Who confirms over HTTP, as the journal keeps it: the service has one
 * token and no user names, so the client's address tells them apart. */
static char *
confirmed_by (SoupServerMessage *msg)
{
  const char *host = soup_server_message_get_remote_host (msg);

  return g_strdup_printf ("api@%s", host != NULL ? host : "?");
}

/* POST /api/v1/upgrade/confirm {fromVersion, toVersion, siteId, steps?}
 * → 200 {site, from, to, confirmed_by, confirmed: […], unconfirmed: […]} */
void
upg_service_handle_confirm (UpgService        *self,
                            SoupServerMessage *msg,
                            const char        *id)
{
  g_auto(UpgServiceRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) confirmed = NULL;
  g_autoptr(JsonArray) unconfirmed = NULL;
  g_autofree char *who = confirmed_by (msg);
  g_autofree char *from = NULL, *to = NULL;
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  if (!upg_service_request_read (msg, &request, &error)
      || !upg_service_request_require (self, &request, FALSE, &error)
      || (confirmed = upg_executor_confirm (self->executor, request.from, request.to, request.site,
                                            (const char * const *) request.steps, who, "api", &error)) == NULL
      || (unconfirmed = upg_executor_list_unconfirmed (self->executor, request.from, request.to,
                                                       request.site, &error)) == NULL)
    {
      upg_service_reply_gerror (msg, error);
      return;
    }
  from = upg_version_to_string (request.from);
  to = upg_version_to_string (request.to);
  upg_service_log (NULL, G_LOG_LEVEL_MESSAGE, "site %s, %s → %s: %u steps confirmed by %s", request.site,
                   from, to, json_array_get_length (confirmed), who);
  json_object_set_string_member (answer, "site", request.site);
  json_object_set_string_member (answer, "from", from);
  json_object_set_string_member (answer, "to", to);
  json_object_set_string_member (answer, "confirmed_by", who);
  json_object_set_array_member (answer, "confirmed", g_steal_pointer (&confirmed));
  json_object_set_array_member (answer, "unconfirmed", g_steal_pointer (&unconfirmed));
  node = json_node_init_object (json_node_alloc (), answer);
  upg_service_reply_json (msg, SOUP_STATUS_OK, node);
}

/* ---- start and end of a run ------------------------------------------- */

static void
run_finish (UpgServiceRun *run,
            UpgExecution  *execution,
            const GError  *error)
{
  UpgService *self = run->service;
  const char *status = execution != NULL
    ? upg_execution_status_to_string (upg_execution_get_status (execution)) : NULL;

  if (run->pending != NULL)
    {
      /* Never started: the request gets the reason (the executor always
       * starts an execution when it succeeds; never crash if it did not). */
      g_autoptr(GError) unstarted = error != NULL ? NULL
        : g_error_new_literal (UPG_ERROR, UPG_ERROR_FAILED, _("the run ended without starting an execution"));

      if (g_error_matches (error, UPG_ERROR, UPG_ERROR_CONFIRMATION_REQUIRED))
        reply_confirmation_required (self, run->pending, run->run, error);
      else
        upg_service_reply_gerror (run->pending, error != NULL ? error : unstarted);
      soup_server_message_unpause (run->pending);
      g_clear_object (&run->pending);
    }
  if (run->id != NULL)
    {
      g_autoptr(JsonNode) state = NULL;
      g_autoptr(GError) status_error = NULL;
      JsonNode *event;

      upg_service_metrics_count_execution (self->metrics, status != NULL ? status : "FAILED");
      upg_service_log (run->id, error != NULL ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_MESSAGE,
                       "execution finished: %s%s%s", status != NULL ? status : "FAILED",
                       error != NULL ? ": " : "", error != NULL ? error->message : "");
      /* The finished event carries the final state; the run is no longer
       * live, so the status comes from the journal as for anyone else. */
      g_hash_table_remove (self->runs_by_id, run->id);
      state = upg_service_status_json (self, run->id, &status_error);
      event = upg_service_event_new ("finished", "status", status, "message",
                                     error != NULL ? error->message : NULL, NULL);
      if (state != NULL)
        json_object_set_member (json_node_get_object (event), "execution", g_steal_pointer (&state));
      upg_service_events_send (run, event);
    }
  upg_service_events_close_all (run);
}

static void
run_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(UpgServiceRun) run = user_data;
  g_autoptr(GError) error = NULL;

  upg_executor_run_finish (UPG_EXECUTOR (source), result, &error);
  /* The run keeps its execution when it failed too. */
  run_finish (run, upg_run_get_execution (run->run), error);
  g_hash_table_remove (run->service->runs_by_site, run->site);
  upg_service_run_ended (run->service);
}

static UpgServiceRun *
run_new (UpgService        *self,
         SoupServerMessage *msg,
         const char        *site,
         UpgRun            *upg_run)
{
  UpgServiceRun *run = g_new0 (UpgServiceRun, 1);

  run->ref_count = 1;
  run->service = self;
  run->site = g_strdup (site);
  run->cancellable = g_cancellable_new ();
  run->pending = g_object_ref (msg);
  run->subscribers = g_ptr_array_new_with_free_func (g_object_unref);
  run->run = g_object_ref (upg_run);
  g_signal_connect (run->run, "execution-started", G_CALLBACK (on_execution_started), run);
  g_signal_connect (run->run, "step-started", G_CALLBACK (on_step_started), run);
  g_signal_connect (run->run, "step-finished", G_CALLBACK (on_step_finished), run);
  g_signal_connect (run->run, "statement-finished", G_CALLBACK (on_statement_finished), run);
  g_signal_connect (run->run, "progress", G_CALLBACK (on_progress), run);
  g_signal_connect (run->run, "rate-revised", G_CALLBACK (on_rate_revised), run);
  g_signal_connect (run->run, "migration-progress", G_CALLBACK (on_migration_progress), run);
  upg_service_events_watch_log (run);
  g_hash_table_replace (self->runs_by_site, g_strdup (site), upg_service_run_ref (run));
  soup_server_message_pause (msg);
  return run;
}

/* One run per site in this process: the journal lock would also refuse a
 * second one, but this process's own pid owns that lock. */
static gboolean
site_is_free (UpgService        *self,
              SoupServerMessage *msg,
              const char        *site)
{
  g_autofree char *message = NULL;

  if (self->shutting_down)
    {
      upg_service_reply_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "shutting-down",
                               _("the service is shutting down"));
      return FALSE;
    }
  if (!g_hash_table_contains (self->runs_by_site, site))
    return TRUE;
  message = g_strdup_printf (_("site '%s' is locked: an execution of this service is running for it"), site);
  /* The code the library's UPG_ERROR_LOCKED has (upg_error_code_nick). */
  upg_service_reply_error (msg, SOUP_STATUS_CONFLICT, "locked", message);
  return FALSE;
}

/* POST /api/v1/upgrade/execute {fromVersion, toVersion, stage, site, env,
 * component, confirm} → 202 {execution_id, executionId} once the lock is
 * held; 409 confirmation_required when steps of the stage need a
 * confirmation ("confirm": true gives it for the whole plan, journaled
 * when the execution starts). */
void
upg_service_handle_execute (UpgService        *self,
                            SoupServerMessage *msg,
                            const char        *id)
{
  g_auto(UpgServiceRequest) request = { 0 };
  g_autoptr(UpgPlan) plan = upg_service_request_plan (self, msg, &request, TRUE);
  g_autoptr(UpgRun) upg_run = NULL;
  UpgServiceRun *run;

  /* Planned here so that a bad request is a 400 before anything starts. */
  if (plan == NULL || !site_is_free (self, msg, request.site))
    return;
  upg_run = upg_run_new (UPG_RUN_KIND_RUN, request.from, request.to, request.stage);
  upg_run_set_site_id (upg_run, request.site);
  upg_run_set_component (upg_run, request.component);
  upg_run_set_env (upg_run, request.env);
  /* The executor journals it once the run starts: a run refused on the
   * way (check gate, lock, bad script) leaves nothing confirmed. */
  if (request.confirm)
    {
      g_autofree char *who = confirmed_by (msg);

      upg_run_set_confirm (upg_run, TRUE, who, "api");
    }
  if (request.skip_checks)
    {
      g_autofree char *who = confirmed_by (msg);

      upg_run_set_skip_checks (upg_run, TRUE, who);
    }
  upg_check_stage_attach (self->executor, upg_run);
  run = run_new (self, msg, request.site, upg_run);
  upg_executor_run_async (self->executor, run->run, run->cancellable, run_done, run);
}

/* The action was checked when the request was read. */
static UpgResumeAction
parse_action (const char *text)
{
  if (g_strcmp0 (text, "retry") == 0)
    return UPG_RESUME_ACTION_RETRY;
  if (g_strcmp0 (text, "skip") == 0)
    return UPG_RESUME_ACTION_SKIP;
  return UPG_RESUME_ACTION_CONTINUE;
}

/* POST /api/v1/upgrade/resume/{id} {"action": "retry"|"skip"|"continue"} */
void
upg_service_handle_resume (UpgService        *self,
                           SoupServerMessage *msg,
                           const char        *id)
{
  g_auto(UpgServiceRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgExecution) execution = NULL;
  g_autoptr(UpgRun) upg_run = NULL;
  UpgServiceRun *run;

  if (!upg_service_request_read (msg, &request, &error)
      || (execution = upg_executor_load_execution (self->executor, id, &error)) == NULL)
    {
      upg_service_reply_gerror (msg, error);
      return;
    }
  if (upg_execution_get_status (execution) == UPG_EXECUTION_STATUS_SUCCESS)
    {
      g_autofree char *message = g_strdup_printf (_("execution '%s' succeeded: there is nothing to resume"), id);

      upg_service_reply_error (msg, SOUP_STATUS_CONFLICT, "finished", message);
      return;
    }
  if (!site_is_free (self, msg, upg_execution_get_site_id (execution)))
    return;
  upg_run = upg_run_new_resume (id, parse_action (request.action));
  run = run_new (self, msg, upg_execution_get_site_id (execution), upg_run);
  upg_executor_run_async (self->executor, run->run, run->cancellable, run_done, run);
}

/**
 * upg_service_cancel_runs:
 * @self: the service
 *
 * Cancels every running execution (shutdown): each stops at a statement
 * boundary with its breakpoint saved, and its callback releases it.
 */
void
upg_service_cancel_runs (UpgService *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->runs_by_site);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      UpgServiceRun *run = value;

      upg_service_log (run->id, G_LOG_LEVEL_MESSAGE, "shutting down: cancelling the execution for site %s",
                       run->site);
      g_cancellable_cancel (run->cancellable);
    }
}
