/* test-version.c - UpgVersion parsing and ordering
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <upgrade-spi.h>
#include "upg-exit-code.h"

static void
assert_parses_to (const char *text,
                  const char *canonical,
                  gint64      code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgVersion) version = upg_version_parse (text, &error);
  g_autofree char *string = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (version);
  string = upg_version_to_string (version);
  g_assert_cmpstr (string, ==, canonical);
  g_assert_cmpint (upg_version_to_code (version), ==, code);
}

static void
test_version_forms (void)
{
  assert_parses_to ("3.17.5", "3.17.5", 317500);
  assert_parses_to ("V3.17.5", "3.17.5", 317500);
  assert_parses_to ("v3.17.5", "3.17.5", 317500);
  assert_parses_to ("  3.17.5\n", "3.17.5", 317500);
  assert_parses_to ("3.17.5-P1", "3.17.5-P1", 317501);
  assert_parses_to ("3.17.5-p12", "3.17.5-P12", 317512);
  assert_parses_to ("V2.16.7-P1-T1", "2.16.7-P1-T1", -1);
  assert_parses_to ("317500", "3.17.5", 317500);
  assert_parses_to ("317501", "3.17.5-P1", 317501);
  assert_parses_to ("V317599", "3.17.5-P99", 317599);
  assert_parses_to ("1000000", "10.0.0", 1000000);
  /* Parts that do not fit the code form still parse, but have no code. */
  assert_parses_to ("3.170.5", "3.170.5", -1);
  assert_parses_to ("3.17.15", "3.17.15", -1);
}

static void
test_version_invalid (void)
{
  const char *bad[] = {
    "", "x.y", "3.17", "3.17.5.1", "3..5", "3.17.x", "V", "3.17.5-P",
    "3.17.5-P0", "3.17.5-P100", "3.17.5-Q1", "3.17.5-P1-X", "3.17.5 P1",
    "-3.17.5", "12345", "1234567890", "3.17.5-T", "99999999999999999999.1.1",
    "3.17.5-P1-T1-T2",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(UpgVersion) version = upg_version_parse (bad[i], &error);
      g_autofree char *quoted = g_strdup_printf ("version '%s' is not valid: ", bad[i]);

      g_assert_null (version);
      g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_VERSION);
      g_assert_true (g_str_has_prefix (error->message, quoted));
      g_assert_cmpint (upg_exit_code_for_error (error), ==, 2);
    }

  {
    g_autoptr(GError) error = NULL;
    g_assert_null (upg_version_parse (NULL, &error));
    g_assert_error (error, UPG_ERROR, UPG_ERROR_INVALID_VERSION);
  }
}

static UpgVersion *
v (const char *text)
{
  g_autoptr(GError) error = NULL;
  UpgVersion *version = upg_version_parse (text, &error);

  g_assert_no_error (error);
  return version;
}

static void
test_version_order (void)
{
  const char *ordered[] = {
    "2.16.7", "2.16.7-P1", "2.16.7-P1-T1", "2.16.7-P1-T2", "2.16.7-P2",
    "2.16.8", "2.17.0", "3.0.0", "3.17.5", "317501", "3.17.5-P2", "10.0.0",
  };

  for (guint i = 0; i < G_N_ELEMENTS (ordered); i++)
    for (guint j = 0; j < G_N_ELEMENTS (ordered); j++)
      {
        g_autoptr(UpgVersion) a = v (ordered[i]);
        g_autoptr(UpgVersion) b = v (ordered[j]);
        int cmp = upg_version_compare (a, b);

        if (i < j)
          g_assert_cmpint (cmp, <, 0);
        else if (i > j)
          g_assert_cmpint (cmp, >, 0);
        else
          {
            g_assert_cmpint (cmp, ==, 0);
            g_assert_true (upg_version_equal (a, b));
            g_assert_cmpuint (upg_version_hash (a), ==, upg_version_hash (b));
          }
      }
}

static void
test_version_parts (void)
{
  g_autoptr(UpgVersion) version = v ("V2.16.7-P1-T3");
  g_autoptr(UpgVersion) baseline = upg_version_get_baseline (version);
  g_autoptr(UpgVersion) copy = upg_version_copy (version);
  g_autoptr(UpgVersion) plain = v ("2.16.7");
  g_autofree char *text = upg_version_to_string (baseline);

  g_assert_cmpuint (upg_version_get_major (version), ==, 2);
  g_assert_cmpuint (upg_version_get_minor (version), ==, 16);
  g_assert_cmpuint (upg_version_get_micro (version), ==, 7);
  g_assert_cmpuint (upg_version_get_patch (version), ==, 1);
  g_assert_cmpuint (upg_version_get_test (version), ==, 3);
  g_assert_true (upg_version_is_patch (version));
  g_assert_false (upg_version_is_patch (plain));
  g_assert_cmpstr (text, ==, "2.16.7");
  g_assert_true (upg_version_equal (copy, version));
}

static void
test_version_range (void)
{
  g_autoptr(UpgVersion) min = v ("3.17.0");
  g_autoptr(UpgVersion) max = v ("3.17.9");
  g_autoptr(UpgVersion) inside = v ("3.17.5-P1");
  g_autoptr(UpgVersion) below = v ("3.16.9");
  g_autoptr(UpgVersion) above = v ("3.17.9-P1");

  g_assert_true (upg_version_in_range (inside, min, max));
  g_assert_true (upg_version_in_range (min, min, max));
  g_assert_true (upg_version_in_range (max, min, max));
  g_assert_false (upg_version_in_range (below, min, max));
  g_assert_false (upg_version_in_range (above, min, max));
  g_assert_true (upg_version_in_range (above, min, NULL));
  g_assert_true (upg_version_in_range (below, NULL, max));
}

static void
test_version_boxed (void)
{
  g_autoptr(UpgVersion) version = v ("3.17.5");
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, UPG_TYPE_VERSION);
  g_value_set_boxed (&value, version);
  g_assert_true (upg_version_equal (g_value_get_boxed (&value), version));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/version/forms", test_version_forms);
  g_test_add_func ("/version/invalid", test_version_invalid);
  g_test_add_func ("/version/order", test_version_order);
  g_test_add_func ("/version/parts", test_version_parts);
  g_test_add_func ("/version/range", test_version_range);
  g_test_add_func ("/version/boxed", test_version_boxed);

  return g_test_run ();
}
