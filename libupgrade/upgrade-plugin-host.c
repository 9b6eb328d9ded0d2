/* upgrade-plugin-host.c - the process the plugin manager runs plugins in
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Started by UpgPluginManager with its channel on file descriptor 3; not
 * meant to be run by hand. See upg-plugin-protocol-private.h.
 */
#include "config.h"

#include <stdio.h>

#include "upg-plugin-protocol-private.h"

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
  return upg_plugin_host_main (UPG_PLUGIN_CHANNEL_FD);
}
