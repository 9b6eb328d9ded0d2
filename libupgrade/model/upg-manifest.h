/* upg-manifest.h - one version's manifest
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include "upg-step.h"

#include "upg-version-macros.h"

G_BEGIN_DECLS

#define UPG_TYPE_MANIFEST (upg_manifest_get_type ())

UPG_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (UpgManifest, upg_manifest, UPG, MANIFEST, GObject)

UPG_AVAILABLE_IN_ALL
UpgManifest        *upg_manifest_new_from_file            (const char   *path,
                                                           const char   *bundle_dir,
                                                           GError      **error);
UPG_AVAILABLE_IN_ALL
UpgManifest        *upg_manifest_new_from_properties      (const char   *tasks_path,
                                                           const char   *orchestration_path,
                                                           const char   *bundle_dir,
                                                           GError      **error);

UPG_AVAILABLE_IN_ALL
const char         *upg_manifest_get_path                 (UpgManifest  *self);
UPG_AVAILABLE_IN_ALL
const UpgVersion   *upg_manifest_get_version              (UpgManifest  *self);
UPG_AVAILABLE_IN_ALL
gboolean            upg_manifest_is_patch                 (UpgManifest  *self);
UPG_AVAILABLE_IN_ALL
const UpgVersion   *upg_manifest_get_base_version         (UpgManifest  *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_manifest_get_component            (UpgManifest  *self);
UPG_AVAILABLE_IN_ALL
const char         *upg_manifest_get_description          (UpgManifest  *self);
UPG_AVAILABLE_IN_ALL
const UpgVersion   *upg_manifest_get_min_source_version   (UpgManifest  *self);
UPG_AVAILABLE_IN_ALL
const UpgVersion   *upg_manifest_get_max_source_version   (UpgManifest  *self);
UPG_AVAILABLE_IN_ALL
const char * const *upg_manifest_get_required_components  (UpgManifest  *self);
UPG_AVAILABLE_IN_ALL
guint64             upg_manifest_get_required_memory      (UpgManifest  *self);
UPG_AVAILABLE_IN_ALL
guint64             upg_manifest_get_required_disk        (UpgManifest  *self);
UPG_AVAILABLE_IN_ALL
guint               upg_manifest_get_required_cpus        (UpgManifest  *self);
UPG_AVAILABLE_IN_ALL
JsonObject         *upg_manifest_get_checks               (UpgManifest  *self);
UPG_AVAILABLE_IN_ALL
GPtrArray          *upg_manifest_get_steps                (UpgManifest  *self,
                                                           UpgStage      stage);
UPG_AVAILABLE_IN_ALL
GPtrArray          *upg_manifest_get_rollback_steps       (UpgManifest  *self,
                                                           UpgStage      stage);
UPG_AVAILABLE_IN_ALL
JsonObject         *upg_manifest_get_checksums            (UpgManifest  *self);
UPG_AVAILABLE_IN_ALL
UpgStep            *upg_manifest_lookup_step              (UpgManifest  *self,
                                                           const char   *id);

G_END_DECLS
