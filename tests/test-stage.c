/* test-stage.c - stage names and aliases
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <upgrade-spi.h>
#include "upg-exit-code.h"

static void
test_stage_canonical (void)
{
  for (guint i = 0; i < UPG_N_STAGES; i++)
    {
      UpgStage stage = UPG_STAGE_POST_UPGRADE + 1;
      g_autoptr(GError) error = NULL;

      g_assert_true (upg_stage_from_string (upg_stage_to_string (i), &stage, &error));
      g_assert_no_error (error);
      g_assert_cmpint (stage, ==, i);
    }
}

static void
test_stage_aliases (void)
{
  const struct { const char *text; UpgStage stage; } cases[] = {
    { "pre_business_check", UPG_STAGE_BUSINESS_CHECK },
    { "pre_check", UPG_STAGE_BUSINESS_CHECK },
    { "pre_upgrade_process", UPG_STAGE_PRE_STOP },
    { "pre_upgrade", UPG_STAGE_PRE_STOP },
    { "startup_pre_process", UPG_STAGE_IN_STOP },
    { "startup_post_process", UPG_STAGE_POST_START },
    { "IN-STOP", UPG_STAGE_IN_STOP },
    { " post_upgrade ", UPG_STAGE_POST_UPGRADE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      UpgStage stage;
      g_autoptr(GError) error = NULL;

      g_assert_true (upg_stage_from_string (cases[i].text, &stage, &error));
      g_assert_no_error (error);
      g_assert_cmpint (stage, ==, cases[i].stage);
    }
}

static void
test_stage_unknown (void)
{
  UpgStage stage;
  g_autoptr(GError) error = NULL;

  g_assert_false (upg_stage_from_string ("in_the_middle", &stage, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_STAGE);
  g_assert_nonnull (strstr (error->message, "'in_the_middle'"));
  g_assert_nonnull (strstr (error->message, "post_upgrade"));
  g_assert_cmpstr (upg_error_code_nick (error), ==, "invalid-stage");
  g_assert_cmpint (upg_exit_code_for_error (error), ==, 2);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stage/canonical", test_stage_canonical);
  g_test_add_func ("/stage/aliases", test_stage_aliases);
  g_test_add_func ("/stage/unknown", test_stage_unknown);

  return g_test_run ();
}
