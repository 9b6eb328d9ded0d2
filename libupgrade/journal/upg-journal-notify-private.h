/* upg-journal-notify-private.h - the journal's record of notify deliveries
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-journal.h"

G_BEGIN_DECLS

/* A delivery's status: SENDING from before its first attempt (a row left
 * SENDING: the process ended before the delivery did), DELIVERED, FAILED. */
#define UPG_NOTIFICATION_SENDING   "SENDING"
#define UPG_NOTIFICATION_DELIVERED "DELIVERED"
#define UPG_NOTIFICATION_FAILED    "FAILED"

/*
 * UpgNotificationKey:
 *
 * What a delivery is about: the execution (%NULL for
 * `confirmation_required`), its site, versions and stage, the event and
 * the URL as shown (without password).
 */
typedef struct
{
  const char *execution_id;
  const char *site_id;
  const char *from_version;
  const char *to_version;
  const char *stage;
  const char *event;
  const char *url;
} UpgNotificationKey;

char      *upg_journal_begin_notification  (UpgJournal               *self,
                                            const UpgNotificationKey *key,
                                            GError                  **error);
gboolean   upg_journal_finish_notification (UpgJournal               *self,
                                            const char               *id,
                                            gboolean                  delivered,
                                            guint                     attempts,
                                            guint                     http_status,
                                            const char               *failure,
                                            GError                  **error);
JsonArray *upg_journal_list_notifications  (UpgJournal               *self,
                                            const char               *execution_id,
                                            const char               *site_id,
                                            GError                  **error);

G_END_DECLS
