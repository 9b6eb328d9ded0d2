/* upg-stage.c - upgrade cut-points
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "upg-spi-i18n-private.h"

#include "upg-error.h"
#include "upg-stage.h"

static const char * const canonical_names[UPG_N_STAGES] = {
  [UPG_STAGE_RESOURCE_CHECK] = "resource_check",
  [UPG_STAGE_BUSINESS_CHECK] = "business_check",
  [UPG_STAGE_PRE_STOP] = "pre_stop",
  [UPG_STAGE_IN_STOP] = "in_stop",
  [UPG_STAGE_POST_START] = "post_start",
  [UPG_STAGE_POST_UPGRADE] = "post_upgrade",
};

/* The names used by the CI/CD agent and the legacy properties files. */
static const struct {
  const char *alias;
  UpgStage    stage;
} aliases[] = {
  { "pre_business_check", UPG_STAGE_BUSINESS_CHECK },
  { "pre_check", UPG_STAGE_BUSINESS_CHECK },
  { "pre_upgrade_process", UPG_STAGE_PRE_STOP },
  { "pre_upgrade", UPG_STAGE_PRE_STOP },
  { "startup_pre_process", UPG_STAGE_IN_STOP },
  { "startup_post_process", UPG_STAGE_POST_START },
};

/**
 * upg_stage_from_string:
 * @text: a canonical stage name or one of its aliases (case-insensitive;
 *   `-` may stand for `_`)
 * @stage: (out): return location for the stage
 * @error: return location for a #GError
 *
 * Parses a stage name as SPEC §3 lists them.
 *
 * Returns: %TRUE on success; %FALSE with @error set to
 *   %UPG_ERROR_INVALID_STAGE naming @text and the accepted names
 */
gboolean
upg_stage_from_string (const char  *text,
                       UpgStage    *stage,
                       GError     **error)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (stage != NULL, FALSE);

  if (text != NULL)
    {
      name = g_strstrip (g_ascii_strdown (text, -1));
      g_strdelimit (name, "-", '_');

      for (guint i = 0; i < UPG_N_STAGES; i++)
        if (g_str_equal (name, canonical_names[i]))
          {
            *stage = (UpgStage) i;
            return TRUE;
          }

      for (guint i = 0; i < G_N_ELEMENTS (aliases); i++)
        if (g_str_equal (name, aliases[i].alias))
          {
            *stage = aliases[i].stage;
            return TRUE;
          }
    }

  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_STAGE,
               _("stage '%s' is not known: expected one of %s "
                 "(or an alias such as %s)"),
               text != NULL ? text : "",
               "resource_check, business_check, pre_stop, in_stop, post_start, post_upgrade",
               "pre_check, startup_pre_process");
  return FALSE;
}

/**
 * upg_stage_to_string:
 * @stage: a stage
 *
 * Gets the canonical name of a stage.
 *
 * Returns: (transfer none): the canonical name of @stage, e.g. `"in_stop"`
 */
const char *
upg_stage_to_string (UpgStage stage)
{
  g_return_val_if_fail ((guint) stage < UPG_N_STAGES, NULL);

  return canonical_names[stage];
}
