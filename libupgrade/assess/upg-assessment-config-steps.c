/* upg-assessment-config-steps.c - the time of the plan's `config` steps
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A `config` step renders one template and replaces one file: a few
 * milliseconds, which the plan's estimate counts as
 * UPG_ESTIMATE_DEFAULT_CONFIG_SECONDS. When the journal has the site's
 * earlier `config` steps, their mean duration (rounded up to the
 * estimate's unit, a second) replaces that default, so that a slow disk
 * or a large template shows.
 */
#include "config.h"

#include "upg-assessment-private.h"
#include "upg-estimate-private.h"
#include "upg-journal-config-files-private.h"

/*
 * upg_assessment_estimate_config_steps:
 * @journal: (nullable): the journal whose earlier `config` steps give a
 *   duration
 * @estimate: the plan's estimate, whose `config` steps are revised
 */
void
upg_assessment_estimate_config_steps (UpgPlan     *plan,
                                      UpgJournal  *journal,
                                      UpgEstimate *estimate)
{
  g_autoptr(GError) error = NULL;
  const char *site = upg_plan_get_site_id (plan);
  guint n_steps = 0;
  gint64 ms;
  guint64 seconds;

  if (journal == NULL || site == NULL)
    return;
  ms = upg_journal_measure_config_steps (journal, site, &n_steps, &error);
  if (ms < 0)
    {
      /* The default stays: an estimate is no reason to fail the assessment. */
      if (error != NULL)
        g_debug ("config step durations: %s", error->message);
      return;
    }
  seconds = MAX ((guint64) ((ms + 999) / 1000), 1u);
  for (UpgStage stage = 0; stage < UPG_N_STAGES; stage++)
    {
      GPtrArray *steps = upg_plan_get_steps (plan, stage);

      for (guint i = 0; steps != NULL && i < steps->len; i++)
        if (upg_step_get_kind (steps->pdata[i]) == UPG_STEP_KIND_CONFIG &&
            upg_step_get_estimated_duration (steps->pdata[i]) == 0)
          upg_estimate_revise_step (estimate, steps->pdata[i], seconds, UPG_ESTIMATE_SOURCE_JOURNAL);
    }
}
