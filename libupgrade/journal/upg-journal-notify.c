/* upg-journal-notify.c - the journal's record of notify deliveries
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `upgrade_notification` (schema version 9) holds one row per event and
 * webhook: written SENDING before the first attempt, finished DELIVERED
 * or FAILED with the attempts made, the last HTTP status and the last
 * error (never a token: exec/upg-notify.c sends it in a header only).
 */
#include "config.h"

#include "upg-journal-notify-private.h"
#include "upg-journal-private.h"

static const UpgJournalColumn notification_columns[] = {
  { "id", "id", UPG_JOURNAL_COLUMN_TEXT },
  { "execution_id", "execution_id", UPG_JOURNAL_COLUMN_TEXT },
  { "site_id", "site", UPG_JOURNAL_COLUMN_TEXT },
  { "from_version", "from", UPG_JOURNAL_COLUMN_TEXT },
  { "to_version", "to", UPG_JOURNAL_COLUMN_TEXT },
  { "stage", "stage", UPG_JOURNAL_COLUMN_TEXT },
  { "event", "event", UPG_JOURNAL_COLUMN_TEXT },
  { "url", "url", UPG_JOURNAL_COLUMN_TEXT },
  { "status", "status", UPG_JOURNAL_COLUMN_TEXT },
  { "attempts", "attempts", UPG_JOURNAL_COLUMN_INT },
  { "http_status", "http_status", UPG_JOURNAL_COLUMN_INT },
  { "error", "error", UPG_JOURNAL_COLUMN_TEXT },
  { "created_at", "created_at", UPG_JOURNAL_COLUMN_TIME },
  { "finished_at", "finished_at", UPG_JOURNAL_COLUMN_TIME },
};

/*
 * upg_journal_begin_notification:
 *
 * Journals a delivery before its first attempt.
 *
 * Returns: (transfer full): the row's id, or %NULL with @error set
 */
char *
upg_journal_begin_notification (UpgJournal               *self,
                                const UpgNotificationKey *key,
                                GError                  **error)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *now = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  now = upg_journal_int_text (upg_journal_get_now (self));
  {
    const char *values[] = { id, key->execution_id, key->site_id, key->from_version, key->to_version,
                             key->stage, key->event, key->url, UPG_NOTIFICATION_SENDING, now };

    UPG_JOURNAL_LOCK (self);
    if (!upg_journal_sql_exec (self->connection,
                               "INSERT INTO upgrade_notification (id, execution_id, site_id, from_version,"
                               " to_version, stage, event, url, status, created_at)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               values, G_N_ELEMENTS (values), error))
      return NULL;
  }
  return g_steal_pointer (&id);
}

/*
 * upg_journal_finish_notification:
 * @http_status: the last answer's status, 0 when none came
 * @failure: (nullable): why it was not delivered
 *
 * Ends a delivery's row.
 */
gboolean
upg_journal_finish_notification (UpgJournal  *self,
                                 const char  *id,
                                 gboolean     delivered,
                                 guint        attempts,
                                 guint        http_status,
                                 const char  *failure,
                                 GError     **error)
{
  g_autofree char *now = NULL;
  g_autofree char *attempts_text = upg_journal_int_text (attempts);
  g_autofree char *status_text = http_status > 0 ? upg_journal_int_text (http_status) : NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  now = upg_journal_int_text (upg_journal_get_now (self));
  {
    const char *values[] = { delivered ? UPG_NOTIFICATION_DELIVERED : UPG_NOTIFICATION_FAILED, attempts_text,
                             status_text, failure, now, id };

    UPG_JOURNAL_LOCK (self);
    return upg_journal_sql_exec (self->connection,
                                 "UPDATE upgrade_notification SET status = ?, attempts = ?, http_status = ?,"
                                 " error = ?, finished_at = ? WHERE id = ?",
                                 values, G_N_ELEMENTS (values), error);
  }
}

/*
 * upg_journal_list_notifications:
 * @execution_id: (nullable): one execution's deliveries
 * @site_id: (nullable): with @execution_id %NULL, one site's deliveries
 *
 * Lists deliveries, oldest first, as objects with `id`, `execution_id`,
 * `site`, `from`, `to`, `stage`, `event`, `url`, `status`, `attempts`,
 * `http_status`, `error`, `created_at`, `finished_at`.
 *
 * Returns: (transfer full): the deliveries, or %NULL with @error set
 */
JsonArray *
upg_journal_list_notifications (UpgJournal  *self,
                                const char  *execution_id,
                                const char  *site_id,
                                GError     **error)
{
  g_autofree char *columns = upg_journal_columns_list (notification_columns, G_N_ELEMENTS (notification_columns));
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM upgrade_notification WHERE %s = ?"
                                          " ORDER BY created_at, id", columns,
                                          execution_id != NULL ? "execution_id" : "site_id");
  const char *values[] = { execution_id != NULL ? execution_id : site_id };
  g_autoptr(UpgRows) rows = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (values[0] != NULL, NULL);

  UPG_JOURNAL_LOCK (self);
  rows = upg_journal_sql_query (self->connection, sql, values, 1, error);
  if (rows == NULL)
    return NULL;
  return upg_journal_rows_to_array (rows, notification_columns, G_N_ELEMENTS (notification_columns));
}
