/* upg-secret-private.h - secrets cut out of text that people will see
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean  upg_secret_url_password_span  (const char          *authority,
                                         const char          *authority_end,
                                         const char         **start,
                                         const char         **end);
char     *upg_secret_scrub              (const char          *text,
                                         const char * const  *secrets);
char     *upg_secret_scrub_env          (const char          *text,
                                         const char * const  *env_names);

G_END_DECLS
