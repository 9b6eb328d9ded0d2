/* test-assessment-util.h - helpers shared by the assessment tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade.h>

/* Writes @contents to @path, creating its directory. */
static inline void
assessment_test_write_file (const char *path,
                            const char *contents)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* Removes the temporary directory @dir of a test and what it holds. */
static inline void
assessment_test_remove_dir (const char *dir)
{
  const char *argv[] = { "rm", "-rf", dir, NULL };

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, NULL, NULL));
}

/* The item of check @kind with id @id, or NULL. */
static inline UpgCheckResult *
assessment_test_lookup_item (UpgAssessment *assessment,
                             const char    *kind,
                             const char    *id)
{
  GPtrArray *items = upg_assessment_get_items (assessment);

  for (guint i = 0; i < items->len; i++)
    if (g_str_equal (upg_check_result_get_kind (items->pdata[i]), kind) &&
        g_str_equal (upg_check_result_get_id (items->pdata[i]), id))
      return items->pdata[i];
  return NULL;
}

/* The item, which must be there. */
static inline UpgCheckResult *
assessment_test_find_item (UpgAssessment *assessment,
                           const char    *kind,
                           const char    *id)
{
  UpgCheckResult *item = assessment_test_lookup_item (assessment, kind, id);

  if (item == NULL)
    g_error ("no %s item %s", kind, id);
  return item;
}

/* An assessor of the plan @from_text → @to_text of site bj-01. */
static inline UpgAssessor *
assessment_test_assessor (const char *bundle_dir,
                          const char *config_path,
                          const char *from_text,
                          const char *to_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgBundle) bundle = upg_bundle_new_for_path (bundle_dir, &error);
  g_autoptr(UpgConfig) config = NULL;
  g_autoptr(UpgVersion) from = upg_version_parse (from_text, NULL);
  g_autoptr(UpgVersion) to = upg_version_parse (to_text, NULL);
  g_autoptr(UpgPlan) plan = NULL;

  g_assert_no_error (error);
  config = upg_config_new_from_file (config_path, &error);
  g_assert_no_error (error);
  plan = upg_plan_new (bundle, from, to, "bj-01", &error);
  g_assert_no_error (error);
  return upg_assessor_new (plan, config);
}

/* Runs @assessor, which must not fail. */
static inline UpgAssessment *
assessment_test_run (UpgAssessor *assessor)
{
  g_autoptr(GError) error = NULL;
  UpgAssessment *assessment = upg_assessor_run (assessor, NULL, &error);

  g_assert_no_error (error);
  return assessment;
}
