/* upg-path-private.h - paths that must stay inside a bundle
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean  upg_path_is_confined     (const char  *relative);
char     *upg_path_resolve_inside  (const char  *root,
                                    const char  *relative,
                                    char       **why);

char     *upg_path_problem         (const char  *root,
                                    const char  *relative);

char     *upg_path_sha256          (const char  *path,
                                    GError     **error);

G_END_DECLS
