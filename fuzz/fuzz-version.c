/* fuzz-version.c - libFuzzer target for upg_version_parse()
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <upgrade-spi.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgVersion) version = upg_version_parse (text, &error);

  /* Exactly one of a version or an error; a version round-trips. */
  g_assert ((version == NULL) != (error == NULL));
  if (version != NULL)
    {
      g_autofree char *back = upg_version_to_string (version);
      g_autoptr(UpgVersion) again = upg_version_parse (back, NULL);

      g_assert_nonnull (again);
      g_assert_true (upg_version_equal (version, again));
      (void) upg_version_to_code (version);
    }
  return 0;
}
