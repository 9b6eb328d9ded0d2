/* upg-url-private.h - URLs as messages, logs, reports and the journal show them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *upg_url_redact (const char *url);

G_END_DECLS
