/* upg-error.c - the UPG_ERROR domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

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
 * upg_error_exit_code:
 * @error: (nullable): an error, or %NULL for success
 *
 * Maps an error to the exit code of `upgradectl` (SPEC §9): `0` success,
 * `1` a step or check failed, `2` bad input, `3` the site is locked,
 * `5` a statement is in doubt.
 *
 * Errors outside the %UPG_ERROR domain count as failures (`1`), except
 * JSON and file-not-found errors, which are bad input (`2`).
 *
 * Returns: the exit code
 */
int
upg_error_exit_code (const GError *error)
{
  if (error == NULL)
    return 0;

  if (error->domain != UPG_ERROR)
    return (error->domain == G_FILE_ERROR || error->domain == G_KEY_FILE_ERROR) ? 2 : 1;

  switch ((UpgError) error->code)
    {
    case UPG_ERROR_INVALID_ARGUMENT:
    case UPG_ERROR_INVALID_VERSION:
    case UPG_ERROR_INVALID_STAGE:
    case UPG_ERROR_INVALID_MANIFEST:
    case UPG_ERROR_INVALID_BUNDLE:
    case UPG_ERROR_INVALID_CONFIG:
    case UPG_ERROR_PLAN:
    case UPG_ERROR_NOT_FOUND:
    case UPG_ERROR_ABI_MISMATCH:
      return 2;
    case UPG_ERROR_LOCKED:
      return 3;
    case UPG_ERROR_IN_DOUBT:
      return 5;
    case UPG_ERROR_FAILED:
    case UPG_ERROR_DATASOURCE:
    case UPG_ERROR_SQL:
    case UPG_ERROR_STEP_FAILED:
    case UPG_ERROR_TIMEOUT:
    case UPG_ERROR_CANCELLED:
    case UPG_ERROR_PLUGIN:
    case UPG_ERROR_JOURNAL:
    case UPG_ERROR_CHECK_FAILED:
    case UPG_ERROR_RESUME_LIMIT:
    default:
      return 1;
    }
}

/**
 * upg_error_code_nick:
 * @error: an error
 *
 * Gives the stable, machine-readable name of an error's code, as used in
 * the `{"error": {"code": …}}` documents of the CLI and the HTTP service,
 * e.g. `"invalid-version"` or `"locked"`.
 *
 * Returns: (transfer none): the nick, `"failed"` for foreign domains
 */
const char *
upg_error_code_nick (const GError *error)
{
  GEnumClass *klass;
  GEnumValue *value;

  g_return_val_if_fail (error != NULL, "failed");

  if (error->domain != UPG_ERROR)
    return "failed";

  klass = g_type_class_ref (UPG_TYPE_ERROR);
  value = g_enum_get_value (klass, error->code);
  g_type_class_unref (klass);

  /* Enum classes of static types are never freed, so the nick stays valid. */
  return value != NULL ? value->value_nick : "failed";
}
