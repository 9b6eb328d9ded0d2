/* upg-exit-code.h - the exit codes of upgradectl and upgraded (SPEC §9)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int upg_exit_code_for_error (const GError *error);

G_END_DECLS
