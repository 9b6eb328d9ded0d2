/* test-bundle.c - loading, path confinement and validation of bundles
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <unistd.h>

#include <glib/gstdio.h>
#include <upgrade.h>

static char *
fixture (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "bundles", name, NULL);
}

static void
test_bundle_load_sorted (void)
{
  g_autofree char *path = fixture ("product");
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgBundle) bundle = upg_bundle_new_for_path (path, &error);
  const char *expected[] = { "3.17.0", "3.17.5", "3.17.5-P1", "3.18.0" };
  g_autoptr(UpgVersion) p1 = upg_version_parse ("317501", NULL);
  g_autoptr(UpgVersion) absent = upg_version_parse ("3.19.0", NULL);
  GPtrArray *manifests;

  g_assert_no_error (error);
  g_assert_cmpstr (upg_bundle_get_path (bundle), ==, path);
  manifests = upg_bundle_get_manifests (bundle);
  g_assert_cmpuint (manifests->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < manifests->len; i++)
    {
      g_autofree char *v = upg_version_to_string (upg_manifest_get_version (manifests->pdata[i]));
      g_assert_cmpstr (v, ==, expected[i]);
    }
  g_assert_true (upg_bundle_lookup_manifest (bundle, p1) == manifests->pdata[2]);
  g_assert_null (upg_bundle_lookup_manifest (bundle, absent));
}

static void
test_bundle_legacy (void)
{
  g_autofree char *path = fixture ("legacy");
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgBundle) bundle = upg_bundle_new_for_path (path, &error);
  GPtrArray *manifests;

  g_assert_no_error (error);
  manifests = upg_bundle_get_manifests (bundle);
  g_assert_cmpuint (manifests->len, ==, 2);
  /* The orchestration override was applied. */
  g_assert_cmpuint (upg_manifest_get_steps (manifests->pdata[0], UPG_STAGE_IN_STOP)->len, ==, 2);
  g_assert_true (upg_bundle_validate (bundle, NULL, &error));
  g_assert_no_error (error);
}

static void
test_bundle_resolve_path (void)
{
  g_autofree char *path = fixture ("product");
  g_autoptr(UpgBundle) bundle = upg_bundle_new_for_path (path, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *ok = upg_bundle_resolve_path (bundle, "sql/3.17.0/a.sql", &error);
  g_autofree char *up = NULL;
  g_autofree char *abs = NULL;
  g_autofree char *missing = NULL;

  g_assert_no_error (error);
  g_assert_true (g_path_is_absolute (ok));
  g_assert_true (g_str_has_suffix (ok, "/product/sql/3.17.0/a.sql"));

  up = upg_bundle_resolve_path (bundle, "sql/../../cycle/sql/a.sql", &error);
  g_assert_null (up);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE);
  g_assert_nonnull (strstr (error->message, "'sql/../../cycle/sql/a.sql': expected a relative path"));
  g_clear_error (&error);

  abs = upg_bundle_resolve_path (bundle, "/etc/passwd", &error);
  g_assert_null (abs);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE);
  g_clear_error (&error);

  missing = upg_bundle_resolve_path (bundle, "sql/none.sql", &error);
  g_assert_null (missing);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE);
  g_assert_nonnull (strstr (error->message, "'sql/none.sql': the file does not exist in the bundle"));
}

static void
assert_load_fails (const char *name,
                   int         code,
                   const char *fragment)
{
  g_autofree char *path = fixture (name);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgBundle) bundle = upg_bundle_new_for_path (path, &error);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) validate_error = NULL;

  g_assert_null (bundle);
  g_assert_error (error, UPG_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("'%s' does not contain '%s'", error->message, fragment);
  /* validate lists the same problem instead of stopping. */
  g_assert_false (upg_bundle_validate_path (path, &problems, &validate_error));
  g_assert_error (validate_error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE);
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_cmpstr (problems->pdata[0], ==, error->message);
}

static void
test_bundle_errors (void)
{
  assert_load_fails ("duplicate-version", UPG_ERROR_INVALID_BUNDLE,
                     "version 3.17.5 is defined twice: ");
  assert_load_fails ("duplicate-step", UPG_ERROR_INVALID_MANIFEST,
                     "3.17.5.json: $.upgrade_steps.post_start[0]: step id 'a' is used twice");
  assert_load_fails ("escape", UPG_ERROR_INVALID_MANIFEST,
                     "3.17.5.json: $.upgrade_steps.in_stop[0].sql_scripts[0]: '../outside.sql': "
                     "expected a relative path that stays inside the bundle");
  assert_load_fails ("absolute", UPG_ERROR_INVALID_MANIFEST,
                     "$.upgrade_steps.in_stop[0].sql_scripts[0]: '/etc/passwd': expected a relative path");
  assert_load_fails ("missing-file", UPG_ERROR_INVALID_MANIFEST,
                     "$.upgrade_steps.in_stop[0].sql_scripts[0]: 'sql/missing.sql': the file does "
                     "not exist in the bundle");
  assert_load_fails ("malformed", UPG_ERROR_INVALID_MANIFEST, "3.17.5.json:4:17: Parse error");
  assert_load_fails ("name-mismatch", UPG_ERROR_INVALID_MANIFEST,
                     "the file is named for version '3.17.5' but declares 3.17.6");
}

static void
test_bundle_not_a_bundle (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgBundle) bundle = upg_bundle_new_for_path ("/nonexistent-bundle", &error);

  g_assert_null (bundle);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE);
  g_assert_true (g_str_has_prefix (error->message, "/nonexistent-bundle/manifests: not a bundle"));
}

/* A symbolic link inside the bundle that points out of it is refused;
 * a dot-file beside the manifests is not read. */
static void
test_bundle_symlink_escape (void)
{
  g_autofree char *dir = g_dir_make_tmp ("upg-bundle-XXXXXX", NULL);
  g_autofree char *manifests = g_build_filename (dir, "manifests", NULL);
  g_autofree char *sql = g_build_filename (dir, "sql", NULL);
  g_autofree char *link = g_build_filename (sql, "link.sql", NULL);
  g_autofree char *manifest = g_build_filename (manifests, "3.17.5.json", NULL);
  g_autofree char *hidden = g_build_filename (manifests, ".#3.17.5.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgBundle) bundle = NULL;

  g_assert_cmpint (g_mkdir (manifests, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (sql, 0700), ==, 0);
  g_assert_true (g_file_set_contents (manifest, "{\"version\": \"3.17.5\", \"upgrade_steps\": "
                                      "{\"in_stop\": [{\"id\": \"a\", \"sql_scripts\": "
                                      "[\"sql/link.sql\"]}]}}", -1, NULL));
  g_assert_true (g_file_set_contents (hidden, "not json", -1, NULL));
  g_assert_cmpint (symlink ("/etc/hostname", link), ==, 0);
  bundle = upg_bundle_new_for_path (dir, &error);
  g_assert_null (bundle);
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_MANIFEST);
  g_assert_nonnull (strstr (error->message, "'sql/link.sql': it leaves the bundle through a "
                                            "symbolic link"));
  g_unlink (link);
  g_unlink (manifest);
  g_unlink (hidden);
  g_rmdir (sql);
  g_rmdir (manifests);
  g_rmdir (dir);
}

static void
test_bundle_validate (void)
{
  g_autofree char *good = fixture ("product");
  g_autofree char *sums = fixture ("checksums");
  g_autoptr(UpgBundle) bundle = upg_bundle_new_for_path (good, NULL);
  g_autoptr(UpgBundle) summed = upg_bundle_new_for_path (sums, NULL);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (upg_bundle_validate (bundle, &problems, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
  g_clear_pointer (&problems, g_ptr_array_unref);

  g_assert_false (upg_bundle_validate (summed, &problems, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE);
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_nonnull (strstr (problems->pdata[0], "$.checksums: 'sql/bad.sql': SHA-256 is "));
  g_assert_true (g_str_has_suffix (problems->pdata[0],
                 "expected 0000000000000000000000000000000000000000000000000000000000000000"));
}

/* Cross-manifest problems a single load does not see. */
static void
test_bundle_validate_references (void)
{
  g_autofree char *path = fixture ("unknown-dep");
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (upg_bundle_validate_path (path, &problems, &error));
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_nonnull (strstr (problems->pdata[0], "step 'a' depends on 'nope', which no manifest defines"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/bundle/load-sorted", test_bundle_load_sorted);
  g_test_add_func ("/bundle/legacy", test_bundle_legacy);
  g_test_add_func ("/bundle/resolve-path", test_bundle_resolve_path);
  g_test_add_func ("/bundle/errors", test_bundle_errors);
  g_test_add_func ("/bundle/not-a-bundle", test_bundle_not_a_bundle);
  g_test_add_func ("/bundle/symlink-escape", test_bundle_symlink_escape);
  g_test_add_func ("/bundle/validate", test_bundle_validate);
  g_test_add_func ("/bundle/validate-references", test_bundle_validate_references);
  return g_test_run ();
}
