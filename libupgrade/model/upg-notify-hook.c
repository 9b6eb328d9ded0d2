/* upg-notify-hook.c - the webhooks of the site configuration (`notify`)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `"notify": [{"url": "https://ops.example/hook", "events": ["failed",
 * "in_doubt", "succeeded", "confirmation_required"], "token_env":
 * "HOOK_TOKEN", "retries": 3, "timeout": 5}]` (SPEC §7; `events` absent:
 * every event; `retries` and `timeout` are this project's, documented in
 * docs/notify.md). The token itself is read only when an event is sent
 * (exec/upg-notify.c), never here.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-notify-hook-private.h"
#include "upg-url-private.h"

static const char * const event_names[UPG_NOTIFY_N_EVENTS] = {
  [UPG_NOTIFY_EVENT_FAILED] = "failed",
  [UPG_NOTIFY_EVENT_IN_DOUBT] = "in_doubt",
  [UPG_NOTIFY_EVENT_CONFIRMATION_REQUIRED] = "confirmation_required",
  [UPG_NOTIFY_EVENT_SUCCEEDED] = "succeeded",
};

void
upg_notify_hook_free (UpgNotifyHook *hook)
{
  if (hook == NULL)
    return;
  g_free (hook->url);
  g_free (hook->token_env);
  g_free (hook);
}

const char *
upg_notify_event_to_string (UpgNotifyEvent event)
{
  g_return_val_if_fail (event < UPG_NOTIFY_N_EVENTS, NULL);
  return event_names[event];
}

gboolean
upg_notify_hook_wants (const UpgNotifyHook *hook,
                       UpgNotifyEvent       event)
{
  return (hook->events & (1u << event)) != 0;
}

static gboolean
read_events (const UpgJsonCtx *ctx,
             JsonObject       *object,
             const char       *path,
             guint            *events,
             GError          **error)
{
  g_auto(GStrv) names = NULL;

  if (!upg_json_get_strv (ctx, object, path, "events", TRUE, &names, error))
    return FALSE;
  if (names == NULL)
    {
      *events = (1u << UPG_NOTIFY_N_EVENTS) - 1;
      return TRUE;
    }
  *events = 0;
  for (guint i = 0; names[i] != NULL; i++)
    {
      guint e;

      for (e = 0; e < UPG_NOTIFY_N_EVENTS; e++)
        if (g_str_equal (names[i], event_names[e]))
          break;
      if (e == UPG_NOTIFY_N_EVENTS)
        {
          g_autofree char *at = g_strdup_printf ("%s.events[%u]", path, i);

          return upg_json_fail (ctx, at, error,
                                _("unknown event '%s': expected failed, in_doubt, confirmation_required or "
                                  "succeeded"), names[i]);
        }
      *events |= 1u << e;
    }
  return TRUE;
}

static UpgNotifyHook *
read_hook (const UpgJsonCtx *ctx,
           JsonNode         *node,
           const char       *path,
           GError          **error)
{
  g_autoptr(GUri) uri = NULL;
  JsonObject *object = NULL;
  const char *url = NULL, *token_env = NULL;
  guint64 retries = UPG_NOTIFY_DEFAULT_RETRIES, timeout = UPG_NOTIFY_DEFAULT_TIMEOUT;
  guint events = 0;
  UpgNotifyHook *hook;

  if (!upg_json_require_object (ctx, node, path, &object, error)
      || !upg_json_get_string (ctx, object, path, "url", TRUE, &url, error)
      || !upg_json_get_string (ctx, object, path, "token_env", FALSE, &token_env, error)
      || !upg_json_get_uint (ctx, object, path, "retries", UPG_NOTIFY_MAX_RETRIES, &retries, error)
      || !upg_json_get_uint (ctx, object, path, "timeout", UPG_NOTIFY_MAX_TIMEOUT, &timeout, error)
      || !read_events (ctx, object, path, &events, error))
    return NULL;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
                      g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
    {
      g_autofree char *at = upg_json_member_path (path, "url");
      g_autofree char *shown = upg_url_redact (url);

      upg_json_fail (ctx, at, error, _("'%s' is not an http:// or https:// URL"), shown);
      return NULL;
    }
  if (timeout == 0)
    {
      g_autofree char *at = upg_json_member_path (path, "timeout");

      upg_json_fail (ctx, at, error, "%s", _("expected a number of seconds of at least 1, got 0"));
      return NULL;
    }
  hook = g_new0 (UpgNotifyHook, 1);
  hook->url = g_strdup (url);
  hook->events = events;
  hook->token_env = g_strdup (token_env);
  hook->retries = (guint) retries;
  hook->timeout = (guint) timeout;
  return hook;
}

/*
 * upg_notify_hooks_from_json:
 * @root: the configuration's root object
 *
 * Reads `notify`. Errors name the file, the JSON path and what was
 * expected.
 *
 * Returns: (transfer container) (element-type UpgNotifyHook): the hooks
 *   (empty when `notify` is absent), or %NULL with @error set
 */
GPtrArray *
upg_notify_hooks_from_json (const UpgJsonCtx *ctx,
                            JsonObject       *root,
                            GError          **error)
{
  g_autoptr(GPtrArray) hooks = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_notify_hook_free);
  JsonArray *array = NULL;

  if (!upg_json_get_array (ctx, root, "$", "notify", &array, error))
    return NULL;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      g_autofree char *path = g_strdup_printf ("$.notify[%u]", i);
      UpgNotifyHook *hook = read_hook (ctx, json_array_get_element (array, i), path, error);

      if (hook == NULL)
        return NULL;
      g_ptr_array_add (hooks, hook);
    }
  return g_steal_pointer (&hooks);
}
