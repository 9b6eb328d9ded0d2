/* upgraded.c - the HTTP service of libupgrade as a program of its own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `upgraded [-b BUNDLE] [-c CONFIG] [--state-dir DIR] [-q|-v]
 * [--listen ADDR:PORT] [--list-routes]` is `upgradectl serve`: the same
 * options, environment (UPGRADE_BUNDLE, UPGRADE_CONFIG, UPGRADE_STATE_DIR)
 * and behaviour (see upgradectl-serve.c).
 */
#include "config.h"

#include <locale.h>
#include <glib/gi18n-lib.h>

#include "upgradectl-commands.h"

int
main (int argc, char **argv)
{
  UpgCtl ctl = { .verbosity = UPGCTL_VERBOSITY_NORMAL };
  int status;

  setlocale (LC_ALL, "");
  upg_init_i18n ();
  g_set_prgname ("upgraded");
  upgctl_log_install (UPGCTL_VERBOSITY_NORMAL);

  ctl.command = "serve";
  ctl.command_summary = N_("Serve the upgrade API over HTTP (SPEC §10)");
  status = upgctl_cmd_serve (&ctl, argc, argv);
  upgctl_clear (&ctl);
  return status;
}
