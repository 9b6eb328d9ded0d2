/* upg-execution-json.c - UpgExecution in the "run form" of SPEC §9
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-execution-private.h"

static void
add_optional_string (JsonBuilder *builder,
                     const char  *name,
                     const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_date (JsonBuilder *builder,
          const char  *name,
          GDateTime   *value)
{
  g_autofree char *text = value != NULL ? g_date_time_format_iso8601 (value) : NULL;

  add_optional_string (builder, name, text);
}

static void
add_version (JsonBuilder      *builder,
             const char       *name,
             const UpgVersion *version)
{
  g_autofree char *text = version != NULL ? upg_version_to_string (version) : NULL;

  add_optional_string (builder, name, text);
}

static void
add_steps (UpgExecution *self,
           JsonBuilder  *builder)
{
  json_builder_set_member_name (builder, "steps");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->steps->len; i++)
    {
      StepResult *result = g_ptr_array_index (self->steps, i);

      json_builder_begin_object (builder);
      add_optional_string (builder, "id", result->id);
      add_optional_string (builder, "version", result->version);
      add_optional_string (builder, "status", upg_step_status_to_string (result->status));
      json_builder_set_member_name (builder, "duration_ms");
      json_builder_add_int_value (builder, result->duration_ms);
      add_optional_string (builder, "message", result->message);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
add_breakpoint (UpgExecution *self,
                JsonBuilder  *builder)
{
  UpgBreakpoint *bp = self->breakpoint;

  json_builder_set_member_name (builder, "breakpoint");
  if (bp == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }
  json_builder_begin_object (builder);
  add_optional_string (builder, "step_id", upg_breakpoint_get_step_id (bp));
  add_optional_string (builder, "file", upg_breakpoint_get_file (bp));
  json_builder_set_member_name (builder, "line");
  json_builder_add_int_value (builder, upg_breakpoint_get_line (bp));
  json_builder_set_member_name (builder, "sequence");
  json_builder_add_int_value (builder, upg_breakpoint_get_sequence (bp));
  add_optional_string (builder, "statement", upg_breakpoint_get_statement (bp));
  add_optional_string (builder, "error_code", upg_breakpoint_get_error_code (bp));
  add_optional_string (builder, "error", upg_breakpoint_get_error (bp));
  json_builder_end_object (builder);
}

/* Where a running execution is: the statement it has been executing, and
 * for how long, even while that statement waits for a lock (issue #12).
 * null once it stopped: nothing runs any more. */
static void
add_current (UpgExecution *self,
             JsonBuilder  *builder)
{
  g_autoptr(GDateTime) now = NULL;

  json_builder_set_member_name (builder, "current_statement");
  if (self->current_step_id == NULL || self->status != UPG_EXECUTION_STATUS_RUNNING)
    {
      json_builder_add_null_value (builder);
      return;
    }
  json_builder_begin_object (builder);
  add_optional_string (builder, "step_id", self->current_step_id);
  add_optional_string (builder, "file", self->current_file);
  add_optional_string (builder, "task", self->current_task);
  json_builder_set_member_name (builder, "line");
  json_builder_add_int_value (builder, self->current_line);
  json_builder_set_member_name (builder, "sequence");
  json_builder_add_int_value (builder, self->current_sequence);
  add_date (builder, "started_at", self->current_started);
  json_builder_set_member_name (builder, "running_seconds");
  if (self->current_started != NULL)
    {
      now = g_date_time_new_now_utc ();
      json_builder_add_int_value (builder, MAX (0, g_date_time_difference (now, self->current_started)
                                                   / G_TIME_SPAN_SECOND));
    }
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
}

/* The calibration message only describes a step that is running. */
static void
add_rate_message (UpgExecution *self,
                  JsonBuilder  *builder)
{
  if (self->status == UPG_EXECUTION_STATUS_RUNNING && self->rate_message != NULL)
    add_optional_string (builder, "rate_message", self->rate_message);
}

/* Once the measured rate of the running step (or of the step the
 * execution stopped in) replaced the configured one; nothing after a
 * success: nothing remains. */
static void
add_rate (UpgExecution *self,
          JsonBuilder  *builder)
{
  const UpgRateEstimate *rate = self->rate;
  gint64 eta;

  if (rate == NULL || self->status == UPG_EXECUTION_STATUS_SUCCESS)
    return;
  eta = upg_rate_estimate_get_eta_seconds (rate);
  json_builder_set_member_name (builder, "rate");
  json_builder_begin_object (builder);
  add_optional_string (builder, "step_id", upg_rate_estimate_get_step_id (rate));
  add_optional_string (builder, "units", upg_rate_estimate_get_units (rate));
  json_builder_set_member_name (builder, "measured_per_second");
  json_builder_add_double_value (builder, upg_rate_estimate_get_measured_rate (rate));
  json_builder_set_member_name (builder, "configured_per_second");
  json_builder_add_double_value (builder, upg_rate_estimate_get_configured_rate (rate));
  json_builder_set_member_name (builder, "deviation_percent");
  json_builder_add_int_value (builder, upg_rate_estimate_get_deviation_percent (rate));
  json_builder_set_member_name (builder, "remaining_seconds");
  if (eta >= 0)
    json_builder_add_int_value (builder, eta);
  else
    json_builder_add_null_value (builder);
  add_date (builder, "revised_at", upg_rate_estimate_get_revised_at (rate));
  add_date (builder, "updated_at", upg_rate_estimate_get_updated_at (rate));
  json_builder_end_object (builder);
}

/**
 * upg_execution_to_json:
 * @self: an execution
 * @with_steps: whether to include the `steps` member (the `history` form
 *   leaves it out)
 *
 * Serialises the execution in the "run form" of SPEC §9:
 * `{"execution_id", "status", "stage", "steps": [{"id", "version",
 * "status", "duration_ms", "message"}], "breakpoint"}` plus `from`, `to`,
 * `site`, `rollback`, `resume_count`, `started`, `finished`, `message`,
 * `current_statement` (null, or while it runs the statement it executes:
 * `{"step_id", "file", "task", "line", "sequence", "started_at",
 * "running_seconds"}`, `task` the command line of a command step or the
 * batch of a batched migration, `file` null then; of a run in another process once that statement
 * ran a second) and, when the progress is known (the execution this process runs),
 * `statements_done`, `statements_total` and `eta_seconds` (also without
 * SQL statements, once a step's estimate gave an ETA); while it runs and
 * the running step's estimate was revised by the live calibration,
 * `rate_message` (SPEC §3); and, unless it succeeded, once the measured
 * rate of the running step (or of the step it stopped in) replaced the
 * configured one, `rate`: `{"step_id", "units", "measured_per_second",
 * "configured_per_second", "deviation_percent", "remaining_seconds",
 * "revised_at", "updated_at"}` — also for an execution read back from the
 * journal, i.e. one another process runs. With @with_steps, an execution
 * read back from the journal also has `notifications`: the deliveries of
 * its `notify` hooks (`event`, `url` without password, `status`,
 * `attempts`, `http_status`, `error`, …), oldest first. An execution read with its
 * approvals (upg_execution_get_confirmations()) adds `confirmations` and
 * `check_skips`.
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
upg_execution_to_json (UpgExecution *self,
                       gboolean      with_steps)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (UPG_IS_EXECUTION (self), NULL);

  json_builder_begin_object (builder);
  add_optional_string (builder, "execution_id", self->id);
  add_optional_string (builder, "status", upg_execution_status_to_string (self->status));
  add_optional_string (builder, "stage", upg_stage_to_string (self->stage));
  add_version (builder, "from", self->from);
  add_version (builder, "to", self->to);
  add_optional_string (builder, "site", self->site_id);
  json_builder_set_member_name (builder, "rollback");
  json_builder_add_boolean_value (builder, self->rollback);
  json_builder_set_member_name (builder, "resume_count");
  json_builder_add_int_value (builder, self->resume_count);
  add_date (builder, "started", self->started);
  add_date (builder, "finished", self->finished);
  add_optional_string (builder, "message", self->message);
  if (with_steps)
    add_steps (self, builder);
  add_breakpoint (self, builder);
  if (with_steps && self->notifications != NULL)
    {
      JsonNode *node = json_node_new (JSON_NODE_ARRAY);

      json_node_set_array (node, self->notifications);
      json_builder_set_member_name (builder, "notifications");
      json_builder_add_value (builder, node);
    }
  add_current (self, builder);
  if (self->stage == UPG_STAGE_RESOURCE_CHECK || self->stage == UPG_STAGE_BUSINESS_CHECK)
    add_optional_string (builder, "verdict", upg_verdict_to_string (upg_execution_get_check_verdict (self)));
  /* Progress is known while (or right after) a stage runs, and for an
   * execution read back from the journal while a statement runs long. */
  if (self->statements_total > 0)
    {
      json_builder_set_member_name (builder, "statements_done");
      json_builder_add_int_value (builder, self->statements_done);
      json_builder_set_member_name (builder, "statements_total");
      json_builder_add_int_value (builder, self->statements_total);
    }
  if (self->statements_total > 0 || self->eta_seconds >= 0)
    {
      json_builder_set_member_name (builder, "eta_seconds");
      if (self->eta_seconds >= 0)
        json_builder_add_int_value (builder, self->eta_seconds);
      else
        json_builder_add_null_value (builder);
    }
  add_rate_message (self, builder);
  add_rate (self, builder);
  upg_execution_add_approvals_json (self, builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static const char *
member_text (JsonObject *object,
             const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

static GDateTime *
member_date (JsonObject *object,
             const char *name)
{
  const char *text = member_text (object, name);

  return text != NULL ? g_date_time_new_from_iso8601 (text, NULL) : NULL;
}

static void
load_steps (UpgExecution *self,
            JsonObject   *record)
{
  JsonNode *node = json_object_get_member (record, "steps");
  JsonArray *steps = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);
      UpgStepStatus status = UPG_STEP_STATUS_PENDING;
      const char *message = member_text (step, "error");

      if (step == NULL || member_text (step, "id") == NULL)
        continue;
      upg_step_status_from_string (member_text (step, "status"), &status);
      g_autofree char *undone = NULL;

      if (message == NULL && member_text (step, "skipped_because") != NULL)
        message = member_text (step, "skipped_because");
      /* A success a rollback undid no longer counts: say so where it shows. */
      if (message == NULL && member_text (step, "undone_by") != NULL)
        message = undone = g_strdup_printf ("undone by %s", member_text (step, "undone_by"));
      upg_execution_set_step (self, member_text (step, "id"), member_text (step, "version"), status,
                              json_object_get_int_member_with_default (step, "duration_ms", 0), message);
    }
}

static void
load_breakpoint (UpgExecution *self,
                 JsonObject   *record)
{
  JsonNode *node = json_object_get_member (record, "breakpoint");
  JsonObject *bp = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

  if (bp == NULL)
    return;
  upg_execution_set_breakpoint (self, member_text (bp, "step_id"), member_text (bp, "file"),
                                (guint) json_object_get_int_member_with_default (bp, "line", 0),
                                (guint) json_object_get_int_member_with_default (bp, "sequence", 0),
                                member_text (bp, "statement"), member_text (bp, "error_code"),
                                member_text (bp, "error"));
}

/* The live calibration a journal record holds (schema v4), if any. */
static void
load_rate (UpgExecution *self,
           JsonObject   *record)
{
  const char *step_id = member_text (record, "rate_step_id");
  g_autoptr(GDateTime) revised = NULL;
  g_autoptr(GDateTime) updated = NULL;
  JsonNode *eta;

  if (step_id == NULL)
    return;
  revised = member_date (record, "rate_revised_at");
  updated = member_date (record, "rate_updated_at");
  eta = json_object_get_member (record, "rate_eta_seconds");
  upg_execution_set_rate_estimate (self, step_id, member_text (record, "rate_units"),
                                   json_object_get_int_member_with_default (record, "rate_measured_milli", 0) / 1000.0,
                                   json_object_get_int_member_with_default (record, "rate_configured_milli", 0) / 1000.0,
                                   (int) json_object_get_int_member_with_default (record, "rate_deviation_percent", 0),
                                   eta != NULL && JSON_NODE_HOLDS_VALUE (eta) ? json_node_get_int (eta) : -1,
                                   revised, updated);
}

/* The statement a record says has been running for a while (schema
 * v12), with the stage's progress and remaining time as of its start. */
static void
load_current (UpgExecution *self,
              JsonObject   *record)
{
  const char *step_id = member_text (record, "current_step_id");
  g_autoptr(GDateTime) started = NULL;
  JsonNode *eta;

  if (step_id == NULL)
    return;
  started = member_date (record, "current_started_at");
  upg_execution_set_current_statement (self, step_id, member_text (record, "current_file"),
                                       (guint) json_object_get_int_member_with_default (record, "current_line", 0),
                                       (guint) json_object_get_int_member_with_default (record, "current_sequence", 0),
                                       started);
  /* Schema v14: a command or a batch rather than a statement of a file. */
  upg_execution_set_current_task (self, member_text (record, "current_task"));
  eta = json_object_get_member (record, "current_eta_seconds");
  upg_execution_set_progress (self, (guint) json_object_get_int_member_with_default (record, "current_done", 0),
                              (guint) json_object_get_int_member_with_default (record, "current_total", 0),
                              eta != NULL && JSON_NODE_HOLDS_VALUE (eta) ? json_node_get_int (eta) : -1);
}

/**
 * upg_execution_new_from_journal:
 * @record: an execution record of the journal, as returned by
 *   upg_journal_get_execution() or upg_journal_list_executions()
 * @error: return location for a #GError
 *
 * Rebuilds an execution from its journal record, for `status` and
 * `history`.
 *
 * Returns: (transfer full): the execution, or %NULL if @record is not an
 *   execution record
 */
UpgExecution *
upg_execution_new_from_journal (JsonObject *record,
                                GError    **error)
{
  g_autoptr(UpgVersion) from = NULL;
  g_autoptr(UpgVersion) to = NULL;
  g_autoptr(GDateTime) started = member_date (record, "started_at");
  g_autoptr(GDateTime) finished = member_date (record, "finished_at");
  UpgExecution *self;
  UpgStage stage;
  UpgExecutionStatus status = UPG_EXECUTION_STATUS_FAILED;
  UpgExecutionKind kind = UPG_EXECUTION_KIND_RUN;
  const char *id = member_text (record, "execution_id");

  if (id == NULL || !upg_stage_from_string (member_text (record, "stage"), &stage, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, UPG_ERROR, UPG_ERROR_JOURNAL, _("journal: an execution record has no id"));
      return NULL;
    }
  from = upg_version_parse (member_text (record, "from") != NULL ? member_text (record, "from") : "", NULL);
  to = upg_version_parse (member_text (record, "to") != NULL ? member_text (record, "to") : "", NULL);

  self = upg_execution_new (id, stage, from, to, member_text (record, "site"));
  upg_execution_status_from_string (member_text (record, "status"), &status);
  upg_execution_set_status (self, status);
  upg_execution_kind_from_string (member_text (record, "kind"), &kind);
  upg_execution_set_rollback (self, kind == UPG_EXECUTION_KIND_ROLLBACK);
  upg_execution_set_resume_count (self, (guint) json_object_get_int_member_with_default (record, "resume_count", 0));
  upg_execution_set_started (self, started);
  upg_execution_set_finished (self, finished);
  upg_execution_set_message (self, member_text (record, "error"));
  load_steps (self, record);
  load_breakpoint (self, record);
  load_rate (self, record);
  if (json_object_has_member (record, "notifications") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (record, "notifications")))
    self->notifications = json_array_ref (json_object_get_array_member (record, "notifications"));
  upg_execution_load_approvals (self, record);
  load_current (self, record);
  return self;
}
