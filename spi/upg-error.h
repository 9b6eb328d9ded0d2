/* upg-error.h - the UPG_ERROR domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__UPGRADE_SPI_INSIDE__) && !defined(UPGRADE_SPI_COMPILATION)
#error "Only <upgrade-spi.h> can be included directly."
#endif

#include <glib.h>

#include "upg-spi-version-macros.h"

G_BEGIN_DECLS

/**
 * UPG_ERROR:
 *
 * Error domain of libupgrade. Errors in this domain are from the
 * [enum@Upgrade.Error] enumeration.
 */
#define UPG_ERROR (upg_error_quark ())

/**
 * UpgError:
 * @UPG_ERROR_FAILED: a failure without a more precise code
 * @UPG_ERROR_INVALID_ARGUMENT: a caller passed a value that is not acceptable (usage)
 * @UPG_ERROR_INVALID_VERSION: a version text could not be parsed
 * @UPG_ERROR_INVALID_STAGE: a stage name is not a known stage or alias
 * @UPG_ERROR_INVALID_MANIFEST: a manifest or properties file is malformed
 * @UPG_ERROR_INVALID_BUNDLE: a bundle is inconsistent (missing file, path leaving
 *   the bundle, duplicate step id, dependency cycle, …)
 * @UPG_ERROR_INVALID_CONFIG: the configuration file is malformed
 * @UPG_ERROR_PLAN: no valid upgrade path between two versions
 * @UPG_ERROR_NOT_FOUND: an execution, step or object does not exist
 * @UPG_ERROR_LOCKED: another upgrade holds the site's lock
 * @UPG_ERROR_DATASOURCE: a data source cannot be reached or opened
 * @UPG_ERROR_SQL: the database refused a statement
 * @UPG_ERROR_STEP_FAILED: a step failed (the breakpoint is saved)
 * @UPG_ERROR_IN_DOUBT: a statement may or may not have taken effect; an
 *   operator must decide between retry and skip
 * @UPG_ERROR_TIMEOUT: an operation exceeded its time limit
 * @UPG_ERROR_CANCELLED: the operation was cancelled. Deprecated since 1.0:
 *   nothing reports it any more; cancellation is %G_IO_ERROR_CANCELLED in
 *   every layer, as in GLib. The value stays so that the codes after it
 *   keep their numbers (ABI), and a plugin built against an older SPI that
 *   still reports it is heard as %G_IO_ERROR_CANCELLED.
 * @UPG_ERROR_PLUGIN: a plugin could not be loaded or misbehaved
 * @UPG_ERROR_ABI_MISMATCH: a plugin was built for another SPI ABI version
 * @UPG_ERROR_JOURNAL: the journal could not be read or written
 * @UPG_ERROR_CHECK_FAILED: a check reported a failing verdict
 * @UPG_ERROR_RESUME_LIMIT: an execution was resumed too many times
 * @UPG_ERROR_CONFIRMATION_REQUIRED: steps need a person's confirmation
 *   before they run (SPEC §3); nothing ran
 *
 * Error codes of the %UPG_ERROR domain.
 */
typedef enum {
  UPG_ERROR_FAILED,
  UPG_ERROR_INVALID_ARGUMENT,
  UPG_ERROR_INVALID_VERSION,
  UPG_ERROR_INVALID_STAGE,
  UPG_ERROR_INVALID_MANIFEST,
  UPG_ERROR_INVALID_BUNDLE,
  UPG_ERROR_INVALID_CONFIG,
  UPG_ERROR_PLAN,
  UPG_ERROR_NOT_FOUND,
  UPG_ERROR_LOCKED,
  UPG_ERROR_DATASOURCE,
  UPG_ERROR_SQL,
  UPG_ERROR_STEP_FAILED,
  UPG_ERROR_IN_DOUBT,
  UPG_ERROR_TIMEOUT,
  UPG_ERROR_CANCELLED UPG_DEPRECATED_ENUMERATOR_IN_1_0_FOR (G_IO_ERROR_CANCELLED),
  UPG_ERROR_PLUGIN,
  UPG_ERROR_ABI_MISMATCH,
  UPG_ERROR_JOURNAL,
  UPG_ERROR_CHECK_FAILED,
  UPG_ERROR_RESUME_LIMIT,
  UPG_ERROR_CONFIRMATION_REQUIRED, /*< nick=confirmation_required >*/
} UpgError;

UPG_SPI_AVAILABLE_IN_ALL
GQuark      upg_error_quark      (void);

UPG_SPI_AVAILABLE_IN_ALL
const char *upg_error_code_nick  (const GError *error);

G_END_DECLS
