/* upg-bundle.h - a directory of versioned manifests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include "upg-manifest.h"

G_BEGIN_DECLS

#define UPG_TYPE_BUNDLE (upg_bundle_get_type ())

G_DECLARE_FINAL_TYPE (UpgBundle, upg_bundle, UPG, BUNDLE, GObject)

UpgBundle    *upg_bundle_new_for_path    (const char        *path,
                                          GError           **error);

const char   *upg_bundle_get_path        (UpgBundle         *self);
GPtrArray    *upg_bundle_get_manifests   (UpgBundle         *self);
UpgManifest  *upg_bundle_lookup_manifest (UpgBundle         *self,
                                          const UpgVersion  *version);
char         *upg_bundle_resolve_path    (UpgBundle         *self,
                                          const char        *relative,
                                          GError           **error);
gboolean      upg_bundle_validate        (UpgBundle         *self,
                                          GPtrArray        **problems,
                                          GError           **error);
gboolean      upg_bundle_validate_path   (const char        *path,
                                          GPtrArray        **problems,
                                          GError           **error);

G_END_DECLS
