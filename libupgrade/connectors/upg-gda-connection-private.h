/* upg-gda-connection-private.h - UpgConnection over libgda 5 (raw cnc strings)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade-spi.h>

G_BEGIN_DECLS

#define UPG_TYPE_GDA_CONNECTION (upg_gda_connection_get_type ())

G_DECLARE_FINAL_TYPE (UpgGdaConnection, upg_gda_connection, UPG, GDA_CONNECTION, UpgConnection)

UpgConnection *upg_gda_connection_new  (const char  *name,
                                        const char  *cnc,
                                        const char  *auth,
                                        gboolean    *refused,
                                        GError     **error);

G_END_DECLS
