/* upg-journal-confirm.c - confirmations of steps that need one
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A step without a `compatible_version`, or whose `compatible_version` is
 * above the version the site upgrades from, needs a person's confirmation
 * before it runs (SPEC §3). The confirmation holds for the plan it was
 * given for (site, from, to) and for every later run of it, so it lives in
 * the journal (table upgrade_confirmation, schema version 6), with who
 * gave it, when and how: the history answers "who allowed this" after the
 * fact.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-journal-confirm-private.h"
#include "upg-journal-private.h"

static const UpgJournalColumn confirmation_columns[] = {
  { "component", "component", UPG_JOURNAL_COLUMN_TEXT },
  { "version", "version", UPG_JOURNAL_COLUMN_TEXT },
  { "step_id", "step_id", UPG_JOURNAL_COLUMN_TEXT },
  { "confirmed_by", "confirmed_by", UPG_JOURNAL_COLUMN_TEXT },
  { "via", "via", UPG_JOURNAL_COLUMN_TEXT },
  { "confirmed_at", "confirmed_at", UPG_JOURNAL_COLUMN_TIME },
  { "execution_id", "execution_id", UPG_JOURNAL_COLUMN_TEXT },
};

static gboolean
require_plan (const char  *site_id,
              const char  *from_version,
              const char  *to_version,
              GError     **error)
{
  if (site_id != NULL && *site_id != '\0' && from_version != NULL && to_version != NULL)
    return TRUE;
  g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                       _("journal: a confirmation needs the site and the from and to versions"));
  return FALSE;
}

/* The rows of @table for the plan, oldest (@time_column) first. */
static JsonArray *
list_for_plan (UpgJournal              *self,
               const char              *table,
               const char              *time_column,
               const UpgJournalColumn  *columns,
               guint                    n_columns,
               const char              *site_id,
               const char              *from_version,
               const char              *to_version,
               GError                 **error)
{
  g_autofree char *list = upg_journal_columns_list (columns, n_columns);
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM %s WHERE site_id = ? AND from_version = ?"
                                          " AND to_version = ? ORDER BY %s, id", list, table, time_column);
  const char *values[] = { site_id, from_version, to_version };
  g_autoptr(UpgRows) rows = NULL;

  if (!require_plan (site_id, from_version, to_version, error))
    return NULL;

  UPG_JOURNAL_LOCK (self);
  rows = upg_journal_sql_query (self->connection, sql, values, G_N_ELEMENTS (values), error);
  if (rows == NULL)
    return NULL;
  return upg_journal_rows_to_array (rows, columns, n_columns);
}

/*
 * upg_journal_add_confirmations:
 * @self: a #UpgJournal
 * @site_id: the site
 * @from_version: the plan's from version (canonical text)
 * @to_version: the plan's to version (canonical text)
 * @steps: (element-type UpgStep): the steps confirmed
 * @confirmed_by: who confirmed: "user@host" or the HTTP client
 * @via: how: "cli", "run", "api"…
 * @execution_id: (nullable): the execution whose run confirmed them
 * @error: return location for a #GError
 *
 * Journals that @confirmed_by confirmed @steps for the plan, in one
 * transaction.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_add_confirmations (UpgJournal   *self,
                               const char   *site_id,
                               const char   *from_version,
                               const char   *to_version,
                               GPtrArray    *steps,
                               const char   *confirmed_by,
                               const char   *via,
                               const char   *execution_id,
                               GError      **error)
{
  g_autofree char *now = NULL;
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func (g_free);
  g_autofree UpgJournalStatement *statements = NULL;

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (steps != NULL && confirmed_by != NULL && via != NULL, FALSE);

  if (!require_plan (site_id, from_version, to_version, error))
    return FALSE;
  if (steps->len == 0)
    return TRUE;

  UPG_JOURNAL_LOCK (self);
  now = upg_journal_int_text (upg_journal_get_now (self));
  statements = g_new0 (UpgJournalStatement, steps->len);
  for (guint i = 0; i < steps->len; i++)
    {
      UpgStep *step = g_ptr_array_index (steps, i);
      const char **values = g_new0 (const char *, 11);
      char *id = g_uuid_string_random ();
      char *version = upg_version_to_string (upg_step_get_version (step));

      g_ptr_array_add (keep, id);
      g_ptr_array_add (keep, version);
      g_ptr_array_add (keep, values);
      values[0] = id;
      values[1] = site_id;
      values[2] = from_version;
      values[3] = to_version;
      values[4] = upg_step_get_component (step);
      values[5] = version;
      values[6] = upg_step_get_id (step);
      values[7] = confirmed_by;
      values[8] = via;
      values[9] = now;
      values[10] = execution_id;
      statements[i] = (UpgJournalStatement) {
        "INSERT INTO upgrade_confirmation (id, site_id, from_version, to_version, component, version,"
        " step_id, confirmed_by, via, confirmed_at, execution_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        values, 11
      };
    }
  return upg_journal_sql_exec_all (self->connection, statements, steps->len, error);
}

/*
 * upg_journal_list_confirmations:
 * @self: a #UpgJournal
 * @site_id: the site
 * @from_version: the plan's from version (canonical text)
 * @to_version: the plan's to version (canonical text)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the confirmations of the plan,
 *   oldest first: objects with `component`, `version`, `step_id`,
 *   `confirmed_by`, `via`, `confirmed_at` (ISO 8601) and `execution_id`;
 *   %NULL on error
 */
JsonArray *
upg_journal_list_confirmations (UpgJournal   *self,
                                const char   *site_id,
                                const char   *from_version,
                                const char   *to_version,
                                GError      **error)
{
  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  return list_for_plan (self, "upgrade_confirmation", "confirmed_at", confirmation_columns,
                        G_N_ELEMENTS (confirmation_columns), site_id, from_version, to_version, error);
}

static const UpgJournalColumn skip_columns[] = {
  { "execution_id", "execution_id", UPG_JOURNAL_COLUMN_TEXT },
  { "stage", "stage", UPG_JOURNAL_COLUMN_TEXT },
  { "check_stage", "check_stage", UPG_JOURNAL_COLUMN_TEXT },
  { "reason", "reason", UPG_JOURNAL_COLUMN_TEXT },
  { "skipped_by", "skipped_by", UPG_JOURNAL_COLUMN_TEXT },
  { "skipped_at", "skipped_at", UPG_JOURNAL_COLUMN_TIME },
};

/*
 * upg_journal_add_check_skip:
 * @execution_id: the execution of @stage the skip let run
 * @check_stage: the check stage that had not passed
 * @reason: why it had not passed, as the operator was told
 * @skipped_by: who passed `--skip-checks`: "user@host" or the HTTP client
 *
 * Journals that a run of @stage went ahead although @check_stage of the
 * plan had not passed (`run --skip-checks`).
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_add_check_skip (UpgJournal   *self,
                            const char   *execution_id,
                            const char   *site_id,
                            const char   *from_version,
                            const char   *to_version,
                            UpgStage      stage,
                            UpgStage      check_stage,
                            const char   *reason,
                            const char   *skipped_by,
                            GError      **error)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *now = NULL;
  const char *values[10];

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (execution_id != NULL && reason != NULL && skipped_by != NULL, FALSE);
  if (!require_plan (site_id, from_version, to_version, error))
    return FALSE;

  UPG_JOURNAL_LOCK (self);
  now = upg_journal_int_text (upg_journal_get_now (self));
  values[0] = id;
  values[1] = execution_id;
  values[2] = site_id;
  values[3] = from_version;
  values[4] = to_version;
  values[5] = upg_stage_to_string (stage);
  values[6] = upg_stage_to_string (check_stage);
  values[7] = reason;
  values[8] = skipped_by;
  values[9] = now;
  return upg_journal_sql_exec (self->connection,
                               "INSERT INTO upgrade_check_skip (id, execution_id, site_id, from_version,"
                               " to_version, stage, check_stage, reason, skipped_by, skipped_at)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values, G_N_ELEMENTS (values), error);
}

/*
 * upg_journal_list_check_skips:
 *
 * Returns: (transfer full) (nullable): the skipped checks of the plan,
 *   oldest first: objects with `execution_id`, `stage`, `check_stage`,
 *   `reason`, `skipped_by` and `skipped_at` (ISO 8601); %NULL on error
 */
JsonArray *
upg_journal_list_check_skips (UpgJournal   *self,
                              const char   *site_id,
                              const char   *from_version,
                              const char   *to_version,
                              GError      **error)
{
  g_return_val_if_fail (UPG_IS_JOURNAL (self), NULL);
  return list_for_plan (self, "upgrade_check_skip", "skipped_at", skip_columns, G_N_ELEMENTS (skip_columns),
                        site_id, from_version, to_version, error);
}

static gboolean
record_has_step (JsonArray  *steps,
                 const char *step_id,
                 const char *version)
{
  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    {
      JsonNode *node = json_array_get_element (steps, i);
      JsonObject *step = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

      if (step != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (step, "id", NULL), step_id) == 0 &&
          g_strcmp0 (json_object_get_string_member_with_default (step, "version", NULL), version) == 0)
        return TRUE;
    }
  return FALSE;
}

/*
 * upg_journal_add_execution_approvals:
 * @self: a #UpgJournal
 * @record: an execution record (upg_journal_get_execution())
 * @error: return location for a #GError
 *
 * Completes @record with what was approved for it: `confirmations`, the
 * confirmations of its plan for the steps it holds (who, when, how), and
 * `check_skips`, the check stages `--skip-checks` let it go past (who,
 * when, why). A record without site or versions gets empty lists.
 *
 * Returns: %TRUE on success
 */
gboolean
upg_journal_add_execution_approvals (UpgJournal  *self,
                                     JsonObject  *record,
                                     GError     **error)
{
  const char *id = json_object_get_string_member_with_default (record, "execution_id", NULL);
  const char *site = json_object_get_string_member_with_default (record, "site", NULL);
  const char *from = json_object_get_string_member_with_default (record, "from", NULL);
  const char *to = json_object_get_string_member_with_default (record, "to", NULL);
  JsonNode *steps_node = json_object_get_member (record, "steps");
  JsonArray *steps = steps_node != NULL && JSON_NODE_HOLDS_ARRAY (steps_node) ? json_node_get_array (steps_node)
                                                                               : NULL;
  g_autoptr(JsonArray) confirmations = NULL, skips = NULL;
  JsonArray *mine = json_array_new (), *skipped = json_array_new ();

  g_return_val_if_fail (UPG_IS_JOURNAL (self), FALSE);

  json_object_set_array_member (record, "confirmations", mine);
  json_object_set_array_member (record, "check_skips", skipped);
  if (id == NULL || site == NULL || *site == '\0' || from == NULL || to == NULL)
    return TRUE;
  if ((confirmations = upg_journal_list_confirmations (self, site, from, to, error)) == NULL ||
      (skips = upg_journal_list_check_skips (self, site, from, to, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (confirmations); i++)
    {
      JsonObject *row = json_array_get_object_element (confirmations, i);

      if (record_has_step (steps, json_object_get_string_member_with_default (row, "step_id", NULL),
                           json_object_get_string_member_with_default (row, "version", NULL)))
        json_array_add_object_element (mine, json_object_ref (row));
    }
  for (guint i = 0; i < json_array_get_length (skips); i++)
    {
      JsonObject *row = json_array_get_object_element (skips, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (row, "execution_id", NULL), id) == 0)
        json_array_add_object_element (skipped, json_object_ref (row));
    }
  return TRUE;
}
