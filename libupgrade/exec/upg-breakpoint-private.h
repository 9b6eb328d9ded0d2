/* upg-breakpoint-private.h - making a breakpoint, for the engine
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-breakpoint.h"

G_BEGIN_DECLS

UpgBreakpoint *upg_breakpoint_new (const char *step_id,
                                   const char *file,
                                   guint       line,
                                   guint       sequence,
                                   const char *statement,
                                   const char *error_code,
                                   const char *error);

G_END_DECLS
