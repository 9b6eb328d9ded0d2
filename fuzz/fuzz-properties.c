/* fuzz-properties.c - libFuzzer target for the Java properties reader
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <upgrade.h>

#include "upg-properties-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(UpgProperties) props = upg_properties_parse ((const char *) data, size);

  for (guint i = 0; i < upg_properties_get_size (props); i++)
    g_assert_nonnull (upg_properties_get (props, upg_properties_key_at (props, i)));
  return 0;
}
