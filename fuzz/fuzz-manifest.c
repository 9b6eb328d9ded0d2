/* fuzz-manifest.c - libFuzzer target for the manifest loader
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <upgrade.h>

#include "upg-manifest-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgManifest) manifest =
    upg_manifest_new_from_data ((const char *) data, size, "fuzz.json", NULL, &error);

  g_assert ((manifest == NULL) != (error == NULL));
  if (manifest != NULL)
    for (guint s = 0; s < UPG_N_STAGES; s++)
      {
        GPtrArray *steps = upg_manifest_get_steps (manifest, s);

        for (guint i = 0; i < steps->len; i++)
          {
            (void) upg_step_estimate_seconds (steps->pdata[i]);
            (void) upg_step_applies_to_site (steps->pdata[i], "US");
          }
      }
  return 0;
}
