/* upgrade-plugin-host.c - the process the plugin manager runs plugins in
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Started by UpgPluginManager with its channel on file descriptor 3; not
 * meant to be run by hand. See upg-plugin-protocol-private.h.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "upg-plugin-protocol-private.h"
#include "upg-runtime.h"

int
main (int    argc,
      char **argv)
{
  if (argc != 1)
    {
      fprintf (stderr, "upgrade-plugin-host: started by libupgrade's plugin manager; "
                       "takes no arguments\n");
      return 2;
    }
  /* Errors from the plugin and the engine code that runs here travel back
   * to the manager as text: write them in the operator's language (the
   * host inherits LANG and UPGRADE_LOCALEDIR from the engine). Only the
   * messages' locale: numbers a plugin prints into SQL or JSON keep the
   * C locale's format. */
  setlocale (LC_CTYPE, "");
  setlocale (LC_MESSAGES, "");
  upg_init_i18n ();
  return upg_plugin_host_main (UPG_PLUGIN_CHANNEL_FD);
}
