/* upg-exit-code.c - the exit codes of upgradectl and upgraded (SPEC §9)
 *
 * The exit code is the programs' contract, not the library's: an
 * application embedding libupgrade chooses its own (the Python override
 * keeps its own copy of this table for the hook, examples/hooks).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <upgrade-spi.h>

#include "upg-exit-code.h"

/**
 * upg_exit_code_for_error:
 * @error: (nullable): an error, or %NULL for success
 *
 * Maps an error to the exit code of `upgradectl` (SPEC §9): `0` success,
 * `1` a step or check failed, `2` bad input, `3` the site is locked,
 * `5` a statement is in doubt, `6` steps need confirmation (nothing ran).
 *
 * Errors outside the %UPG_ERROR domain count as failures (`1`), except
 * file and key-file errors, which are bad input (`2`).
 *
 * Returns: the exit code
 */
int
upg_exit_code_for_error (const GError *error)
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
    case UPG_ERROR_CONFIRMATION_REQUIRED:
      return 6;
    case UPG_ERROR_FAILED:
    case UPG_ERROR_DATASOURCE:
    case UPG_ERROR_SQL:
    case UPG_ERROR_STEP_FAILED:
    case UPG_ERROR_TIMEOUT:
    case UPG_ERROR_PLUGIN:
    case UPG_ERROR_JOURNAL:
    case UPG_ERROR_CHECK_FAILED:
    case UPG_ERROR_RESUME_LIMIT:
    default:
      return 1;
    }
}
