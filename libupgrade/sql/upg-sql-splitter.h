/* upg-sql-splitter.h - split SQL scripts the way the native clients do
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include <glib-object.h>
#include <upgrade-spi.h>

#include "upg-sql-statement.h"

#include "upg-version-macros.h"

G_BEGIN_DECLS

UPG_AVAILABLE_IN_ALL
GPtrArray  *upg_sql_split       (const char  *text,
                                 gssize       length,
                                 const char  *file,
                                 UpgDialect   dialect,
                                 GError     **error);

UPG_AVAILABLE_IN_ALL
GPtrArray  *upg_sql_split_file  (const char  *path,
                                 const char  *display_name,
                                 UpgDialect   dialect,
                                 GError     **error);

G_END_DECLS
