/* upg-error.c - the UPG_ERROR domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "upg-error.h"
#include "upg-spi-enums.h"

/**
 * upg_error_quark:
 *
 * The error domain of libupgrade and its plugins, %UPG_ERROR; the codes
 * are #UpgError.
 *
 * Returns: the domain's quark
 */
G_DEFINE_QUARK (upg-error-quark, upg_error)

/**
 * upg_error_code_nick:
 * @error: an error
 *
 * Gives the stable, machine-readable name of an error's code, as used in
 * the `{"error": {"code": …}}` documents of the CLI and the HTTP service,
 * e.g. `"invalid-version"` or `"locked"`. %G_IO_ERROR_CANCELLED, how a
 * cancelled run reports itself, is `"cancelled"`.
 *
 * Returns: (transfer none): the nick, `"failed"` for other foreign domains
 */
const char *
upg_error_code_nick (const GError *error)
{
  GEnumClass *klass;
  GEnumValue *value;

  g_return_val_if_fail (error != NULL, "failed");

  /* GIO's cancellation is how a cancelled run or check is reported. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return "cancelled";
  if (error->domain != UPG_ERROR)
    return "failed";

  klass = g_type_class_ref (UPG_TYPE_ERROR);
  value = g_enum_get_value (klass, error->code);
  g_type_class_unref (klass);

  /* Enum classes of static types are never freed, so the nick stays valid. */
  return value != NULL ? value->value_nick : "failed";
}
