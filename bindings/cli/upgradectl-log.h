/* upgradectl-log.h - the structured log writer of upgradectl and upgraded
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * UPGCTL_LOG_FIELD_EXECUTION_ID:
 *
 * The structured log field that carries an execution's UUID. A line whose
 * fields hold it is tagged `[exec <uuid>]`, so that every line an execution
 * causes can be found with grep (SPEC §3).
 */
#define UPGCTL_LOG_FIELD_EXECUTION_ID "UPGRADE_EXECUTION_ID"

/**
 * UpgCtlVerbosity:
 * @UPGCTL_VERBOSITY_QUIET: `-q`: errors and criticals only
 * @UPGCTL_VERBOSITY_NORMAL: warnings and messages
 * @UPGCTL_VERBOSITY_VERBOSE: `-v`: also info and debug of the `upgrade*`
 *   log domains
 *
 * How much the log writer lets through.
 */
typedef enum {
  UPGCTL_VERBOSITY_QUIET,
  UPGCTL_VERBOSITY_NORMAL,
  UPGCTL_VERBOSITY_VERBOSE,
} UpgCtlVerbosity;

void     upgctl_log_install        (UpgCtlVerbosity  verbosity);
void     upgctl_log_set_verbosity  (UpgCtlVerbosity  verbosity);
void     upgctl_log_hide_outcomes  (void);
void     upgctl_log_set_detached   (const char      *execution_id);
GPrintFunc upgctl_log_detached_print_handler (void);
gboolean upgctl_log_would_print    (GLogLevelFlags   level,
                                    const char      *domain);
char    *upgctl_log_format_line    (GLogLevelFlags   level,
                                    const GLogField *fields,
                                    gsize            n_fields);

G_END_DECLS
