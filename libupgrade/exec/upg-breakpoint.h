/* upg-breakpoint.h - where an execution stopped, as a value
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_INSIDE__) && !defined(UPGRADE_COMPILATION)
#error "Only <upgrade.h> can be included directly."
#endif

#include <glib-object.h>

#include "upg-version-macros.h"

G_BEGIN_DECLS

#define UPG_TYPE_BREAKPOINT (upg_breakpoint_get_type ())

typedef struct _UpgBreakpoint UpgBreakpoint;

UPG_AVAILABLE_IN_ALL
GType          upg_breakpoint_get_type       (void) G_GNUC_CONST;

UPG_AVAILABLE_IN_ALL
UpgBreakpoint *upg_breakpoint_copy           (const UpgBreakpoint *self);
UPG_AVAILABLE_IN_ALL
void           upg_breakpoint_free           (UpgBreakpoint       *self);

UPG_AVAILABLE_IN_ALL
const char    *upg_breakpoint_get_step_id    (const UpgBreakpoint *self);
UPG_AVAILABLE_IN_ALL
const char    *upg_breakpoint_get_file       (const UpgBreakpoint *self);
UPG_AVAILABLE_IN_ALL
guint          upg_breakpoint_get_line       (const UpgBreakpoint *self);
UPG_AVAILABLE_IN_ALL
guint          upg_breakpoint_get_sequence   (const UpgBreakpoint *self);
UPG_AVAILABLE_IN_ALL
const char    *upg_breakpoint_get_statement  (const UpgBreakpoint *self);
UPG_AVAILABLE_IN_ALL
const char    *upg_breakpoint_get_error_code (const UpgBreakpoint *self);
UPG_AVAILABLE_IN_ALL
const char    *upg_breakpoint_get_error      (const UpgBreakpoint *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgBreakpoint, upg_breakpoint_free)

G_END_DECLS
