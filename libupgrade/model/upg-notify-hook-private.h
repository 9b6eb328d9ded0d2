/* upg-notify-hook-private.h - the webhooks of the site configuration
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-config.h"
#include "upg-json-private.h"

G_BEGIN_DECLS

/* The events a hook may subscribe to (SPEC §7 `notify`). */
typedef enum {
  UPG_NOTIFY_EVENT_FAILED,
  UPG_NOTIFY_EVENT_IN_DOUBT,
  UPG_NOTIFY_EVENT_CONFIRMATION_REQUIRED,
  UPG_NOTIFY_EVENT_SUCCEEDED,
  UPG_NOTIFY_N_EVENTS
} UpgNotifyEvent;

/* Defaults and limits of a hook's optional members (docs/notify.md). */
#define UPG_NOTIFY_DEFAULT_RETRIES 3
#define UPG_NOTIFY_MAX_RETRIES     10
#define UPG_NOTIFY_DEFAULT_TIMEOUT 5
#define UPG_NOTIFY_MAX_TIMEOUT     60

/*
 * UpgNotifyHook:
 * @url: where events are POSTed (http or https)
 * @events: a bit (1 << #UpgNotifyEvent) per event it wants
 * @token_env: (nullable): the variable holding its bearer token
 * @retries: attempts after the first
 * @timeout: seconds one attempt may take
 */
typedef struct
{
  char  *url;
  guint  events;
  char  *token_env;
  guint  retries;
  guint  timeout;
} UpgNotifyHook;

void        upg_notify_hook_free          (UpgNotifyHook    *hook);
const char *upg_notify_event_to_string    (UpgNotifyEvent    event);
gboolean    upg_notify_hook_wants         (const UpgNotifyHook *hook,
                                           UpgNotifyEvent    event);
GPtrArray  *upg_notify_hooks_from_json    (const UpgJsonCtx *ctx,
                                           JsonObject       *root,
                                           GError          **error);

/* In upg-config.c: the hooks read from `notify`. */
GPtrArray  *upg_config_get_notify_hooks   (UpgConfig        *self);

G_END_DECLS
