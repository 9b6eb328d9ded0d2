/* upg-support-bundle-private.h - a tar.gz of what support needs, secrets removed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include <upgrade-spi.h>

#include "upg-bundle.h"
#include "upg-config.h"
#include "upg-journal.h"
#include "upg-plan.h"
#include "upg-report.h"

G_BEGIN_DECLS

/* One member of the archive: a regular file. */
typedef struct
{
  char   *name;
  GBytes *contents;
} UpgBundleEntry;

void         upg_bundle_entry_free                 (UpgBundleEntry     *entry);
UpgBundleEntry *upg_bundle_entry_new               (const char         *name,
                                                    GBytes             *contents);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgBundleEntry, upg_bundle_entry_free)

GStrv        upg_support_bundle_collect_secrets    (const char         *config_path);
char        *upg_support_bundle_scrub              (const char         *text,
                                                    const char * const *secrets);
gboolean     upg_support_bundle_write_tar_gz       (const char         *path,
                                                    GPtrArray          *entries,
                                                    gint64              mtime,
                                                    GError            **error);

gboolean     upg_support_bundle_create             (UpgJournal         *journal,
                                                    const char         *execution_id,
                                                    const char         *state_dir,
                                                    const char         *config_path,
                                                    UpgConfig          *config,
                                                    UpgBundle          *bundle,
                                                    JsonNode           *assessment,
                                                    const char         *out_path,
                                                    GError            **error);

G_END_DECLS
