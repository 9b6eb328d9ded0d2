/* upg-notify-private.h - posting `notify` events to the configured webhooks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-notify-hook-private.h"
#include "upg-journal-notify-private.h"

G_BEGIN_DECLS

/* The longest a stage's end waits for its event's deliveries, all
 * webhooks together (docs/notify.md). */
#define UPG_NOTIFY_MAX_SECONDS 10

/*
 * UpgNotifyOutcome:
 *
 * How one delivery ended: what the execution's log says about it.
 */
typedef struct
{
  char     *url;        /* shown, without password */
  gboolean  delivered;
  guint     attempts;
  guint     http_status;
  char     *failure;    /* (nullable) */
} UpgNotifyOutcome;

void       upg_notify_outcome_free (UpgNotifyOutcome         *outcome);
GPtrArray *upg_notify_send         (UpgJournal               *journal,
                                    GPtrArray                *hooks,
                                    UpgNotifyEvent            event,
                                    const UpgNotificationKey *key,
                                    JsonObject               *payload);

G_END_DECLS
