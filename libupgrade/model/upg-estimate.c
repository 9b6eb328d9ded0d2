/* upg-estimate.c - duration estimates of a plan's steps and stages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The live calibration of a running step's rate is upg-rate-tracker.c.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-estimate-private.h"

/**
 * upg_format_seconds:
 * @seconds: a duration in whole seconds
 *
 * Formats an estimated duration the way operators read it in the design
 * documents: `45s` below a minute, `8m32s` below an hour, `2h05m` from an
 * hour on (seconds dropped, not rounded, so the figure never overstates
 * progress). Measured durations in milliseconds have
 * upg_format_duration().
 *
 * Returns: (transfer full): the text
 */
char *
upg_format_seconds (guint64 seconds)
{
  if (seconds < 60)
    return g_strdup_printf ("%" G_GUINT64_FORMAT "s", seconds);
  if (seconds < 3600)
    return g_strdup_printf ("%" G_GUINT64_FORMAT "m%02" G_GUINT64_FORMAT "s",
                            seconds / 60, seconds % 60);
  return g_strdup_printf ("%" G_GUINT64_FORMAT "h%02" G_GUINT64_FORMAT "m",
                          seconds / 3600, (seconds % 3600) / 60);
}

/**
 * upg_estimate_volume_seconds:
 * @data_volume: bytes (or any unit) to move
 * @rate: units per second one worker moves
 * @parallelism: number of workers; 0 counts as 1
 *
 * Computes `volume / (rate × parallelism)`, rounded up to whole seconds:
 * 100 GiB at 50 MiB/s with 4 workers gives 512 s.
 *
 * Returns: the seconds, or 0 when @rate is not positive (no estimate)
 */
guint64
upg_estimate_volume_seconds (guint64 data_volume,
                             double  rate,
                             guint   parallelism)
{
  if (!(rate > 0.0))
    return 0;
  return upg_estimate_ceil_positive ((double) data_volume / (rate * MAX (parallelism, 1u)));
}

/**
 * upg_estimate_step_seconds:
 * @step: a step
 * @source: (out) (optional): where the figure comes from
 *
 * Estimates one step. Measurable figures win over a declared guess:
 * `data_volume` with `rate` gives `volume / (rate × parallelism)` (the
 * figure live calibration can later revise); otherwise the step's
 * `estimated_duration`; otherwise the defaults
 * %UPG_ESTIMATE_DEFAULT_SQL_FILE_SECONDS per SQL file,
 * %UPG_ESTIMATE_DEFAULT_CONFIG_SECONDS for a `config` step and
 * %UPG_ESTIMATE_DEFAULT_STEP_SECONDS for a tool or command.
 *
 * Returns: the estimated seconds
 */
guint64
upg_estimate_step_seconds (UpgStep           *step,
                           UpgEstimateSource *source)
{
  UpgEstimateSource found = UPG_ESTIMATE_SOURCE_DEFAULT;
  guint64 seconds;

  g_return_val_if_fail (UPG_IS_STEP (step), 0);

  if (upg_step_get_data_volume (step) > 0 && upg_step_get_rate (step) > 0.0)
    {
      found = UPG_ESTIMATE_SOURCE_VOLUME;
      seconds = upg_estimate_volume_seconds (upg_step_get_data_volume (step),
                                             upg_step_get_rate (step),
                                             upg_step_get_parallelism (step));
    }
  else if (upg_step_get_estimated_duration (step) > 0)
    {
      found = UPG_ESTIMATE_SOURCE_DECLARED;
      seconds = upg_step_get_estimated_duration (step);
    }
  else if (upg_step_get_kind (step) == UPG_STEP_KIND_CONFIG)
    seconds = UPG_ESTIMATE_DEFAULT_CONFIG_SECONDS;
  else if (upg_step_get_kind (step) == UPG_STEP_KIND_SQL)
    {
      const char * const *scripts = upg_step_get_sql_scripts (step);

      seconds = (guint64) UPG_ESTIMATE_DEFAULT_SQL_FILE_SECONDS *
                MAX (scripts != NULL ? g_strv_length ((char **) scripts) : 0u, 1u);
    }
  else
    seconds = UPG_ESTIMATE_DEFAULT_STEP_SECONDS;

  if (source != NULL)
    *source = found;
  return seconds;
}

static const char *
source_to_string (UpgEstimateSource source)
{
  switch (source)
    {
    case UPG_ESTIMATE_SOURCE_VOLUME:
      return "volume";
    case UPG_ESTIMATE_SOURCE_DECLARED:
      return "estimated_duration";
    case UPG_ESTIMATE_SOURCE_JOURNAL:
      return "journal";
    case UPG_ESTIMATE_SOURCE_DEFAULT:
    default:
      return "default";
    }
}

typedef struct
{
  UpgStep           *step;
  guint64            seconds;
  UpgEstimateSource  source;
} StepEstimate;

/**
 * UpgEstimate:
 *
 * The duration estimate of a plan. Stages run one after the other; within
 * `pre_stop` steps run in parallel, so the stage takes as long as its
 * longest step, while every other stage runs its steps one after another
 * (the sum). The total is the upgrade window until the service is open
 * again: `resource_check` + `business_check` + `pre_stop` + `in_stop`.
 * `post_start` and `post_upgrade` run once the components are back and
 * are reported on their own, outside the total. The downtime is `in_stop`
 * alone.
 */
struct _UpgEstimate
{
  GObject parent_instance;

  GArray  *steps;                  /* StepEstimate, plan order */
  guint64  stage_seconds[UPG_N_STAGES];
  gboolean stage_has_steps[UPG_N_STAGES];
};

G_DEFINE_FINAL_TYPE (UpgEstimate, upg_estimate, G_TYPE_OBJECT)

static void
step_estimate_clear (gpointer data)
{
  StepEstimate *estimate = data;

  g_clear_object (&estimate->step);
}

static void
upg_estimate_finalize (GObject *object)
{
  UpgEstimate *self = UPG_ESTIMATE (object);

  g_array_unref (self->steps);
  G_OBJECT_CLASS (upg_estimate_parent_class)->finalize (object);
}

static void
upg_estimate_class_init (UpgEstimateClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_estimate_finalize;
}

static void
upg_estimate_init (UpgEstimate *self)
{
  self->steps = g_array_new (FALSE, TRUE, sizeof (StepEstimate));
  g_array_set_clear_func (self->steps, step_estimate_clear);
}

/**
 * upg_estimate_new_for_plan:
 * @plan: a plan
 *
 * Estimates every step of @plan (upgrade steps, not rollback steps) and
 * adds them up per stage.
 *
 * Returns: (transfer full): the estimate
 */
UpgEstimate *
upg_estimate_new_for_plan (UpgPlan *plan)
{
  UpgEstimate *self;

  g_return_val_if_fail (UPG_IS_PLAN (plan), NULL);

  self = g_object_new (UPG_TYPE_ESTIMATE, NULL);
  for (UpgStage stage = 0; stage < UPG_N_STAGES; stage++)
    {
      GPtrArray *steps = upg_plan_get_steps (plan, stage);

      for (guint i = 0; steps != NULL && i < steps->len; i++)
        {
          StepEstimate estimate = { g_object_ref (steps->pdata[i]), 0, 0 };

          estimate.seconds = upg_estimate_step_seconds (estimate.step, &estimate.source);
          if (stage == UPG_STAGE_PRE_STOP)
            self->stage_seconds[stage] = MAX (self->stage_seconds[stage], estimate.seconds);
          else
            self->stage_seconds[stage] += estimate.seconds;
          self->stage_has_steps[stage] = TRUE;
          g_array_append_val (self->steps, estimate);
        }
    }
  return self;
}

static StepEstimate *find_step (UpgEstimate *self,
                                UpgStep     *step);

/* pre_stop's steps run in parallel (the longest counts), the others'
 * one after another. */
static void
sum_stages (UpgEstimate *self)
{
  memset (self->stage_seconds, 0, sizeof self->stage_seconds);
  for (guint i = 0; i < self->steps->len; i++)
    {
      StepEstimate *estimate = &g_array_index (self->steps, StepEstimate, i);
      UpgStage stage = upg_step_get_stage (estimate->step);

      if (stage == UPG_STAGE_PRE_STOP)
        self->stage_seconds[stage] = MAX (self->stage_seconds[stage], estimate->seconds);
      else
        self->stage_seconds[stage] += estimate->seconds;
    }
}

/*
 * upg_estimate_revise_step:
 * @step: a step of the estimated plan
 *
 * Replaces the estimate of @step with a figure measured elsewhere (a
 * backup step's table sizes over its rate, by the assessment) and sums
 * the stages again.
 */
void
upg_estimate_revise_step (UpgEstimate       *self,
                          UpgStep           *step,
                          guint64            seconds,
                          UpgEstimateSource  source)
{
  StepEstimate *estimate;

  g_return_if_fail (UPG_IS_ESTIMATE (self));
  estimate = find_step (self, step);
  if (estimate == NULL)
    return;
  estimate->seconds = seconds;
  estimate->source = source;
  sum_stages (self);
}

/**
 * upg_estimate_get_stage_seconds:
 * @self: an estimate
 * @stage: a stage
 *
 * Gets the estimated seconds of @stage.
 *
 * Returns: the estimated seconds of @stage (0 when it has no steps)
 */
guint64
upg_estimate_get_stage_seconds (UpgEstimate *self,
                                UpgStage     stage)
{
  g_return_val_if_fail (UPG_IS_ESTIMATE (self), 0);
  g_return_val_if_fail (stage < UPG_N_STAGES, 0);
  return self->stage_seconds[stage];
}

/**
 * upg_estimate_get_total_seconds:
 * @self: an estimate
 *
 * Gets the seconds until the service is open again.
 *
 * Returns: the seconds until the service is open again: the checks,
 *   `pre_stop` and `in_stop` (not `post_start` nor `post_upgrade`)
 */
guint64
upg_estimate_get_total_seconds (UpgEstimate *self)
{
  g_return_val_if_fail (UPG_IS_ESTIMATE (self), 0);
  return self->stage_seconds[UPG_STAGE_RESOURCE_CHECK] +
         self->stage_seconds[UPG_STAGE_BUSINESS_CHECK] +
         self->stage_seconds[UPG_STAGE_PRE_STOP] +
         self->stage_seconds[UPG_STAGE_IN_STOP];
}

/**
 * upg_estimate_get_downtime_seconds:
 * @self: an estimate
 *
 * Gets the seconds the service is stopped.
 *
 * Returns: the seconds the service is stopped: `in_stop`
 */
guint64
upg_estimate_get_downtime_seconds (UpgEstimate *self)
{
  g_return_val_if_fail (UPG_IS_ESTIMATE (self), 0);
  return self->stage_seconds[UPG_STAGE_IN_STOP];
}

/**
 * upg_estimate_get_long_steps:
 * @self: an estimate
 *
 * Gets the steps estimated above %UPG_ESTIMATE_LONG_STEP_SECONDS, in plan
 * order.
 *
 * Returns: (transfer container) (element-type UpgStep): the steps
 *   estimated above %UPG_ESTIMATE_LONG_STEP_SECONDS, in plan order
 */
GPtrArray *
upg_estimate_get_long_steps (UpgEstimate *self)
{
  GPtrArray *steps = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (UPG_IS_ESTIMATE (self), steps);

  for (guint i = 0; i < self->steps->len; i++)
    {
      StepEstimate *estimate = &g_array_index (self->steps, StepEstimate, i);

      if (estimate->seconds > UPG_ESTIMATE_LONG_STEP_SECONDS)
        g_ptr_array_add (steps, g_object_ref (estimate->step));
    }
  return steps;
}

static StepEstimate *
find_step (UpgEstimate *self,
           UpgStep     *step)
{
  for (guint i = 0; i < self->steps->len; i++)
    if (g_array_index (self->steps, StepEstimate, i).step == step)
      return &g_array_index (self->steps, StepEstimate, i);
  return NULL;
}

/*
 * upg_estimate_get_step_seconds:
 *
 * Returns: the seconds @step is estimated at in this estimate (revised
 *   ones included), 0 for a step not in its plan
 */
guint64
upg_estimate_get_step_seconds (UpgEstimate *self,
                               UpgStep     *step)
{
  StepEstimate *estimate;

  g_return_val_if_fail (UPG_IS_ESTIMATE (self), 0);
  estimate = find_step (self, step);
  return estimate != NULL ? estimate->seconds : 0;
}

/**
 * upg_estimate_get_suggestion:
 * @self: an estimate
 * @step: a step of the estimated plan
 *
 * Gets what to do about a step estimated above
 * %UPG_ESTIMATE_LONG_STEP_SECONDS.
 *
 * Returns: (transfer full) (nullable): what to do about a step estimated
 *   above %UPG_ESTIMATE_LONG_STEP_SECONDS (split it, parallelise it, move
 *   it out of the downtime), or %NULL when the step is not long
 */
char *
upg_estimate_get_suggestion (UpgEstimate *self,
                             UpgStep     *step)
{
  StepEstimate *estimate;
  g_autofree char *duration = NULL;

  g_return_val_if_fail (UPG_IS_ESTIMATE (self), NULL);

  estimate = find_step (self, step);
  if (estimate == NULL || estimate->seconds <= UPG_ESTIMATE_LONG_STEP_SECONDS)
    return NULL;
  duration = upg_format_seconds (estimate->seconds);
  if (upg_step_get_kind (step) == UPG_STEP_KIND_TOOL)
    return g_strdup_printf (_("step %s takes about %s: raise its parallelism (now %u) or split the data it migrates"),
                            upg_step_get_id (step), duration, MAX (upg_step_get_parallelism (step), 1u));
  if (upg_step_get_stage (step) == UPG_STAGE_IN_STOP)
    return g_strdup_printf (_("step %s takes about %s of downtime: split it into smaller steps, "
                              "run them in parallel, or move the work to pre_stop or post_upgrade"),
                            upg_step_get_id (step), duration);
  return g_strdup_printf (_("step %s takes about %s: split it into smaller steps or run them in parallel"),
                          upg_step_get_id (step), duration);
}

static JsonNode *
step_to_json (UpgEstimate  *self,
              StepEstimate *estimate)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *suggestion = upg_estimate_get_suggestion (self, estimate->step);
  g_autofree char *version = upg_version_to_string (upg_step_get_version (estimate->step));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, upg_step_get_id (estimate->step));
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, version);
  json_builder_set_member_name (builder, "stage");
  json_builder_add_string_value (builder, upg_stage_to_string (upg_step_get_stage (estimate->step)));
  json_builder_set_member_name (builder, "seconds");
  json_builder_add_int_value (builder, (gint64) estimate->seconds);
  json_builder_set_member_name (builder, "source");
  json_builder_add_string_value (builder, source_to_string (estimate->source));
  json_builder_set_member_name (builder, "flagged");
  json_builder_add_boolean_value (builder, suggestion != NULL);
  if (suggestion != NULL)
    {
      json_builder_set_member_name (builder, "suggestion");
      json_builder_add_string_value (builder, suggestion);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/**
 * upg_estimate_to_json:
 * @self: an estimate
 *
 * The `estimate` member of the assessment (SPEC §9):
 * `{"stages": [{"stage", "seconds"}], "total_seconds", "downtime_seconds",
 * "steps": [{"id", "version", "stage", "seconds", "source", "flagged",
 * "suggestion"?}]}`; stages without steps are left out.
 *
 * Returns: (transfer full): the JSON object
 */
JsonNode *
upg_estimate_to_json (UpgEstimate *self)
{
  JsonObject *root = json_object_new ();
  JsonArray *stages = json_array_new ();
  JsonArray *steps = json_array_new ();

  g_return_val_if_fail (UPG_IS_ESTIMATE (self), NULL);

  for (UpgStage stage = 0; stage < UPG_N_STAGES; stage++)
    {
      JsonObject *entry;

      if (!self->stage_has_steps[stage])
        continue;
      entry = json_object_new ();
      json_object_set_string_member (entry, "stage", upg_stage_to_string (stage));
      json_object_set_int_member (entry, "seconds", (gint64) self->stage_seconds[stage]);
      json_array_add_object_element (stages, entry);
    }
  for (guint i = 0; i < self->steps->len; i++)
    json_array_add_element (steps, step_to_json (self, &g_array_index (self->steps, StepEstimate, i)));

  json_object_set_array_member (root, "stages", stages);
  json_object_set_int_member (root, "total_seconds", (gint64) upg_estimate_get_total_seconds (self));
  json_object_set_int_member (root, "downtime_seconds", (gint64) upg_estimate_get_downtime_seconds (self));
  json_object_set_array_member (root, "steps", steps);
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, root);
  return node;
}
