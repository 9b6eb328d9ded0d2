/* upg-execution-approvals.c - who confirmed an execution's steps and who
 *                              let it past checks that had not passed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Both are journaled when they are given (upg-journal-confirm.c); an
 * execution read back from the journal carries those that concern it, so
 * that `status` (CLI and HTTP) shows them next to its steps: the operator
 * reading a status answers "who allowed this" without the report.
 */
#include "config.h"

#include "upg-execution-private.h"

static JsonArray *
member_array (JsonObject *record,
              const char *name)
{
  JsonNode *node = json_object_get_member (record, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/*
 * upg_execution_load_approvals:
 * @record: an execution record that upg_journal_add_execution_approvals()
 *   completed, or any other (then nothing changes)
 *
 * Takes the record's `confirmations` and `check_skips`.
 */
void
upg_execution_load_approvals (UpgExecution *self,
                              JsonObject   *record)
{
  JsonArray *confirmations = member_array (record, "confirmations");
  JsonArray *check_skips = member_array (record, "check_skips");

  g_return_if_fail (UPG_IS_EXECUTION (self));

  if (confirmations != NULL)
    {
      g_clear_pointer (&self->confirmations, json_array_unref);
      self->confirmations = json_array_ref (confirmations);
    }
  if (check_skips != NULL)
    {
      g_clear_pointer (&self->check_skips, json_array_unref);
      self->check_skips = json_array_ref (check_skips);
    }
}

/*
 * upg_execution_add_approvals_json:
 *
 * Adds `confirmations` and `check_skips` to the run form, when they were
 * read.
 */
void
upg_execution_add_approvals_json (UpgExecution *self,
                                  JsonBuilder  *builder)
{
  if (self->confirmations != NULL)
    {
      json_builder_set_member_name (builder, "confirmations");
      json_builder_add_value (builder, json_node_init_array (json_node_alloc (), self->confirmations));
    }
  if (self->check_skips != NULL)
    {
      json_builder_set_member_name (builder, "check_skips");
      json_builder_add_value (builder, json_node_init_array (json_node_alloc (), self->check_skips));
    }
}

/**
 * upg_execution_get_confirmations:
 * @self: an execution
 *
 * The journaled confirmations of the steps of @self that needed one
 * (SPEC §3), when @self was read from the journal.
 *
 * Returns: (transfer none) (nullable): objects with `step_id`, `version`,
 *   `component`, `confirmed_by` (`user@host` or the HTTP token's name),
 *   `via`, `confirmed_at` (ISO 8601) and `execution_id` (the run that
 *   confirmed them with `--confirm`, else %NULL); %NULL when not read
 */
JsonArray *
upg_execution_get_confirmations (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->confirmations;
}

/**
 * upg_execution_get_check_skips:
 * @self: an execution
 *
 * The check stages that had not passed when `--skip-checks` let @self
 * run, when @self was read from the journal.
 *
 * Returns: (transfer none) (nullable): objects with `check_stage`,
 *   `stage`, `reason`, `skipped_by` and `skipped_at` (ISO 8601); %NULL
 *   when not read
 */
JsonArray *
upg_execution_get_check_skips (UpgExecution *self)
{
  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);
  return self->check_skips;
}
