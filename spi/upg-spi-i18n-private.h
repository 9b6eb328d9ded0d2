/* upg-spi-i18n-private.h - translated messages in the SPI library
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The SPI library's messages live in the engine's catalogue
 * (GETTEXT_PACKAGE, "libupgrade-1"). A plugin may use the SPI without the
 * engine ever calling upg_init_i18n(), so the SPI binds the domain itself,
 * once, the first time it translates a message. Include this instead of
 * <glib/gi18n-lib.h> in spi/ sources.
 */
#pragma once

#include <glib/gi18n-lib.h>

G_BEGIN_DECLS

void         upg_spi_bind_textdomain (void);
const char  *upg_spi_get_uninstalled_build_root (void);
const char  *upg_spi_gettext         (const char *msgid) G_GNUC_FORMAT (1);

G_END_DECLS

#undef _
#define _(String) upg_spi_gettext (String)
