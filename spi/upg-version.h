/* upg-version.h - product versions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_SPI_INSIDE__) && !defined(UPGRADE_SPI_COMPILATION)
#error "Only <upgrade-spi.h> can be included directly."
#endif

#include <glib-object.h>

#include "upg-spi-version-macros.h"

G_BEGIN_DECLS

#define UPG_TYPE_VERSION (upg_version_get_type ())

/**
 * UpgVersion:
 *
 * A product version: a baseline `MAJOR.MINOR.MICRO`, optionally a patch
 * (`-Pn`) and a test build of it (`-Tn`).
 *
 * Versions are immutable values; they parse every form of SPEC §3
 * (`3.17.5`, `V3.17.5`, `3.17.5-P1`, `V2.16.7-P1-T1`, numeric codes such as
 * `317501`) and are totally ordered:
 * `2.16.7 < 2.16.7-P1 < 2.16.7-P1-T1 < 2.16.7-P2 < 2.16.8`.
 */
typedef struct _UpgVersion UpgVersion;

UPG_SPI_AVAILABLE_IN_ALL
GType        upg_version_get_type      (void) G_GNUC_CONST;

UPG_SPI_AVAILABLE_IN_ALL
UpgVersion  *upg_version_parse         (const char        *text,
                                        GError           **error);
UPG_SPI_AVAILABLE_IN_ALL
UpgVersion  *upg_version_new           (guint              major,
                                        guint              minor,
                                        guint              micro,
                                        guint              patch,
                                        guint              test);
UPG_SPI_AVAILABLE_IN_ALL
UpgVersion  *upg_version_copy          (const UpgVersion  *version);
UPG_SPI_AVAILABLE_IN_ALL
void         upg_version_free          (UpgVersion        *version);

UPG_SPI_AVAILABLE_IN_ALL
guint        upg_version_get_major     (const UpgVersion  *version);
UPG_SPI_AVAILABLE_IN_ALL
guint        upg_version_get_minor     (const UpgVersion  *version);
UPG_SPI_AVAILABLE_IN_ALL
guint        upg_version_get_micro     (const UpgVersion  *version);
UPG_SPI_AVAILABLE_IN_ALL
guint        upg_version_get_patch     (const UpgVersion  *version);
UPG_SPI_AVAILABLE_IN_ALL
guint        upg_version_get_test      (const UpgVersion  *version);
UPG_SPI_AVAILABLE_IN_ALL
gboolean     upg_version_is_patch      (const UpgVersion  *version);
UPG_SPI_AVAILABLE_IN_ALL
UpgVersion  *upg_version_get_baseline  (const UpgVersion  *version);

UPG_SPI_AVAILABLE_IN_ALL
int          upg_version_compare       (const UpgVersion  *a,
                                        const UpgVersion  *b);
UPG_SPI_AVAILABLE_IN_ALL
gboolean     upg_version_equal         (const UpgVersion  *a,
                                        const UpgVersion  *b);
UPG_SPI_AVAILABLE_IN_ALL
guint        upg_version_hash          (const UpgVersion  *version);
UPG_SPI_AVAILABLE_IN_ALL
gboolean     upg_version_in_range      (const UpgVersion  *version,
                                        const UpgVersion  *min,
                                        const UpgVersion  *max);

UPG_SPI_AVAILABLE_IN_ALL
char        *upg_version_to_string     (const UpgVersion  *version);
UPG_SPI_AVAILABLE_IN_ALL
gint64       upg_version_to_code       (const UpgVersion  *version);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgVersion, upg_version_free)

G_END_DECLS
