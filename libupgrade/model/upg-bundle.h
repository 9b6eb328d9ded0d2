/* upg-bundle.h - a directory of versioned manifests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include "upg-manifest.h"

#include "upg-version-macros.h"

G_BEGIN_DECLS

#define UPG_TYPE_BUNDLE (upg_bundle_get_type ())

UPG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgBundle, upg_bundle, UPG, BUNDLE, GObject)

UPG_AVAILABLE_IN_ALL
UpgBundle    *upg_bundle_new_for_path    (const char        *path,
                                          GError           **error);

UPG_AVAILABLE_IN_ALL
const char   *upg_bundle_get_path        (UpgBundle         *self);
UPG_AVAILABLE_IN_ALL
GPtrArray    *upg_bundle_get_manifests   (UpgBundle         *self);
UPG_AVAILABLE_IN_ALL
UpgManifest  *upg_bundle_lookup_manifest (UpgBundle         *self,
                                          const UpgVersion  *version);
UPG_AVAILABLE_IN_ALL
char         *upg_bundle_resolve_path    (UpgBundle         *self,
                                          const char        *relative,
                                          GError           **error);
UPG_AVAILABLE_IN_ALL
gboolean      upg_bundle_validate        (UpgBundle         *self,
                                          GPtrArray        **problems,
                                          GError           **error);
UPG_AVAILABLE_IN_ALL
gboolean      upg_bundle_validate_path   (const char        *path,
                                          GPtrArray        **problems,
                                          GError           **error);

G_END_DECLS
