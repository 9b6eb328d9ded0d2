/* upgradectl-common.h - what every upgradectl command shares
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade.h>
/* Not in the umbrella header yet (UpgDataSource is not complete); this
 * in-tree program builds with UPGRADE_COMPILATION to use it meanwhile. */
#include <json-glib/json-glib.h>

#include "upgradectl-log.h"

G_BEGIN_DECLS

/**
 * UpgCtl:
 * @bundle_path: (nullable): `-b`, else `$UPGRADE_BUNDLE`
 * @config_path: (nullable): `-c`, else `$UPGRADE_CONFIG`
 * @state_dir: `--state-dir`, else upg_resolve_state_dir()'s default
 * @json: `--json`: exactly one JSON document on stdout
 * @verbosity: from `-q` / `-v`
 * @command: (nullable): the command being run (e.g. `"plan"`)
 * @command_summary: (nullable): its one-line summary, untranslated
 * @command_description: (nullable): what its `--help` says after the
 *   options, untranslated; set by the command before parsing them
 *
 * The state of one `upgradectl` invocation. Commands read the global
 * options from here and load the configuration and the bundle on demand
 * through upgctl_get_config() and upgctl_get_bundle(), so that commands
 * which need no bundle (e.g. `status`) work without one.
 */
typedef struct {
  char            *bundle_path;
  char            *config_path;
  char            *state_dir;
  gboolean         json;
  UpgCtlVerbosity  verbosity;
  const char      *command;
  const char      *command_summary;
  const char      *command_description;

  /*< private >*/
  UpgConfig       *config;
  UpgBundle       *bundle;
} UpgCtl;

/**
 * UpgCtlCommandFunc:
 * @ctl: the invocation
 * @argc: number of arguments, `argv[0]` being the command's name
 * @argv: the command's arguments; the function may reorder them
 *
 * Runs one command. Options of the command are parsed by the function
 * itself with upgctl_parse_options(), which also accepts the global
 * options after the command name.
 *
 * Returns: the process exit code (SPEC §9)
 */
typedef int (*UpgCtlCommandFunc) (UpgCtl *ctl, int argc, char **argv);

void           upgctl_clear               (UpgCtl        *ctl);

gboolean       upgctl_parse_options       (UpgCtl        *ctl,
                                           const GOptionEntry *entries,
                                           const char    *parameter_string,
                                           int           *argc,
                                           char        ***argv,
                                           GError       **error);
GOptionGroup  *upgctl_global_option_group (UpgCtl        *ctl);
void           upgctl_apply_environment   (UpgCtl        *ctl);
gboolean       upgctl_expect_no_arguments (int            argc,
                                           char         **argv,
                                           GError       **error);

UpgConfig     *upgctl_get_config          (UpgCtl        *ctl,
                                           GError       **error);
UpgBundle     *upgctl_get_bundle          (UpgCtl        *ctl,
                                           GError       **error);
const char    *upgctl_resolve_site        (UpgCtl        *ctl,
                                           const char    *site_option,
                                           GError       **error);
UpgVersion    *upgctl_parse_version       (const char    *option_name,
                                           const char    *text,
                                           GError       **error);

void           upgctl_print_json          (UpgCtl        *ctl,
                                           JsonNode      *node);
int            upgctl_fail                (UpgCtl        *ctl,
                                           const GError  *error);

guint          upgctl_display_width       (const char    *text);
void           upgctl_append_column       (GString       *line,
                                           const char    *text,
                                           guint          width,
                                           gboolean       right);

G_END_DECLS
