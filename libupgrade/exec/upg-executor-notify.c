/* upg-executor-notify.c - the events a run sends to the `notify` webhooks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A stage that ends SUCCESS, FAILED or IN_DOUBT sends `succeeded`,
 * `failed` or `in_doubt` once its site lock is released; a stage refused
 * because steps need confirmation sends `confirmation_required` (no
 * execution exists then). An interrupted stage (Ctrl-C, cancel) sends
 * nothing: it is continued, not ended. The payload is the execution's
 * run form (upg_execution_to_json(): execution_id, status, stage, from,
 * to, site, rollback, steps, breakpoint…) after `event` and `time`; see
 * docs/notify.md. How each delivery went is logged in the execution's
 * log and journaled (upg-journal-notify.c); it never changes the run's
 * result.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-executor-confirm-private.h"
#include "upg-executor-notify-private.h"
#include "upg-notify-private.h"

static JsonObject *
payload_head (UpgNotifyEvent event)
{
  JsonObject *payload = json_object_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = g_date_time_format_iso8601 (now);

  json_object_set_string_member (payload, "event", upg_notify_event_to_string (event));
  json_object_set_string_member (payload, "time", time);
  return payload;
}

static gboolean
wanted (GPtrArray      *hooks,
        UpgNotifyEvent  event)
{
  for (guint i = 0; hooks != NULL && i < hooks->len; i++)
    if (upg_notify_hook_wants (g_ptr_array_index (hooks, i), event))
      return TRUE;
  return FALSE;
}

/*
 * upg_executor_notify_execution:
 *
 * Sends the event of how the execution of @ctx ended, if it ended
 * SUCCESS, FAILED or IN_DOUBT and a hook wants it, and logs each
 * delivery in the execution's log.
 */
void
upg_executor_notify_execution (UpgRunContext *ctx)
{
  GPtrArray *hooks = upg_config_get_notify_hooks (upg_executor_get_config (ctx->executor));
  g_autoptr(JsonObject) payload = NULL;
  g_autoptr(JsonNode) run_form = NULL;
  g_autoptr(GPtrArray) outcomes = NULL;
  g_autoptr(GList) members = NULL;
  UpgNotifyEvent event;
  UpgNotificationKey key = { 0 };
  JsonObject *form;

  if (ctx->execution == NULL)
    return;
  switch (upg_execution_get_status (ctx->execution))
    {
    case UPG_EXECUTION_STATUS_SUCCESS:
      event = UPG_NOTIFY_EVENT_SUCCEEDED;
      break;
    case UPG_EXECUTION_STATUS_FAILED:
      event = UPG_NOTIFY_EVENT_FAILED;
      break;
    case UPG_EXECUTION_STATUS_IN_DOUBT:
      event = UPG_NOTIFY_EVENT_IN_DOUBT;
      break;
    default:
      return;
    }
  if (!wanted (hooks, event))
    return;

  payload = payload_head (event);
  run_form = upg_execution_to_json (ctx->execution, TRUE);
  form = json_node_get_object (run_form);
  members = json_object_get_members (form);
  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (payload, l->data, json_node_copy (json_object_get_member (form, l->data)));

  key.execution_id = upg_execution_get_id (ctx->execution);
  key.site_id = ctx->site_id;
  key.from_version = ctx->from_text;
  key.to_version = ctx->to_text;
  key.stage = upg_stage_to_string (ctx->stage);
  key.event = upg_notify_event_to_string (event);
  outcomes = upg_notify_send (ctx->journal, hooks, event, &key, payload);
  for (guint i = 0; i < outcomes->len; i++)
    {
      UpgNotifyOutcome *o = g_ptr_array_index (outcomes, i);

      if (o->delivered)
        upg_run_context_log (ctx, G_LOG_LEVEL_INFO, _("notification %s to %s: delivered (HTTP %u, attempt %u)"),
                             key.event, o->url, o->http_status, o->attempts);
      else
        upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE,
                             g_dngettext (GETTEXT_PACKAGE, "notification %s to %s: not delivered (%u attempt): %s",
                                          "notification %s to %s: not delivered (%u attempts): %s", o->attempts),
                             key.event, o->url, o->attempts, o->failure != NULL ? o->failure : "");
    }
}

/*
 * upg_executor_notify_confirmation:
 * @steps: (element-type UpgStep): the steps of the stage
 * @message: the refusal's message
 *
 * Sends `confirmation_required` for a stage that did not start: the
 * payload has no execution (`execution_id` null) and lists the steps
 * that need a confirmation, each with its reason.
 */
void
upg_executor_notify_confirmation (UpgRunContext *ctx,
                                  UpgPlan       *plan,
                                  GPtrArray     *steps,
                                  const char    *message)
{
  GPtrArray *hooks = upg_config_get_notify_hooks (upg_executor_get_config (ctx->executor));
  g_autoptr(GPtrArray) unconfirmed = NULL;
  g_autoptr(GPtrArray) outcomes = NULL;
  g_autoptr(JsonObject) payload = NULL;
  UpgNotificationKey key = { 0 };
  JsonArray *list;

  if (!wanted (hooks, UPG_NOTIFY_EVENT_CONFIRMATION_REQUIRED))
    return;
  unconfirmed = upg_executor_unconfirmed_steps (ctx->executor, plan, ctx->site_id, steps, NULL);
  payload = payload_head (UPG_NOTIFY_EVENT_CONFIRMATION_REQUIRED);
  json_object_set_null_member (payload, "execution_id");
  json_object_set_string_member (payload, "status", "CONFIRMATION_REQUIRED");
  json_object_set_string_member (payload, "stage", upg_stage_to_string (ctx->stage));
  json_object_set_string_member (payload, "from", ctx->from_text);
  json_object_set_string_member (payload, "to", ctx->to_text);
  json_object_set_string_member (payload, "site", ctx->site_id);
  json_object_set_boolean_member (payload, "rollback", FALSE);
  json_object_set_string_member (payload, "message", message);
  list = json_array_new ();
  for (guint i = 0; unconfirmed != NULL && i < unconfirmed->len; i++)
    {
      UpgStep *step = g_ptr_array_index (unconfirmed, i);
      g_autofree char *version = upg_version_to_string (upg_step_get_version (step));
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "id", upg_step_get_id (step));
      json_object_set_string_member (item, "component", upg_step_get_component (step));
      json_object_set_string_member (item, "version", version);
      json_object_set_string_member (item, "reason", upg_plan_get_incompatible_reason (plan, step));
      json_array_add_object_element (list, item);
    }
  json_object_set_array_member (payload, "steps", list);
  json_object_set_null_member (payload, "breakpoint");

  key.site_id = ctx->site_id;
  key.from_version = ctx->from_text;
  key.to_version = ctx->to_text;
  key.stage = upg_stage_to_string (ctx->stage);
  key.event = upg_notify_event_to_string (UPG_NOTIFY_EVENT_CONFIRMATION_REQUIRED);
  outcomes = upg_notify_send (ctx->journal, hooks, UPG_NOTIFY_EVENT_CONFIRMATION_REQUIRED, &key, payload);
  /* No execution, hence no execution log: the journal has each delivery. */
  for (guint i = 0; i < outcomes->len; i++)
    {
      UpgNotifyOutcome *o = g_ptr_array_index (outcomes, i);

      if (!o->delivered)
        g_info ("notification %s to %s: not delivered (%u attempts): %s", key.event, o->url, o->attempts,
                o->failure != NULL ? o->failure : "");
    }
}
