/* upg-spi-i18n.c - binds the message catalogue for the SPI library
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* dladdr() */
#define _GNU_SOURCE
#include "config.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "upg-spi-i18n-private.h"

/* The build tree this library runs from, or NULL when it runs installed.
 * Decided by where the loaded shared object is, not by a variable the
 * caller must know about: a developer's shell, the demo and the tests
 * run the build tree's programs directly, and they must find the build
 * tree's catalogue, plugins and plugin host as installed programs find
 * the installed ones. */
static char *
find_uninstalled_build_root (void)
{
  Dl_info info;
  char library[PATH_MAX];
  char build_root[PATH_MAX];

  if (dladdr ((void *) find_uninstalled_build_root, &info) == 0 || info.dli_fname == NULL
      || realpath (info.dli_fname, library) == NULL
      || realpath (UPG_BUILD_ROOT, build_root) == NULL)
    return NULL;
  if (!g_str_has_prefix (library, build_root) || library[strlen (build_root)] != G_DIR_SEPARATOR)
    return NULL;
  return g_strdup (build_root);
}

/* The build root when this library runs uninstalled (see
 * find_uninstalled_build_root()), else NULL; looked up once. */
const char *
upg_spi_get_uninstalled_build_root (void)
{
  static char *build_root = NULL;
  static gsize decided = 0;

  if (g_once_init_enter (&decided))
    {
      build_root = find_uninstalled_build_root ();
      g_once_init_leave (&decided, 1);
    }
  return build_root;
}

/* Binds GETTEXT_PACKAGE to `UPGRADE_LOCALEDIR` if set, else to the build
 * tree's `po` directory when running uninstalled, else to the installed
 * LOCALEDIR.
 * Thread-safe and done once per process: the engine's upg_init_i18n()
 * and the SPI's first translated message share this call, so both
 * libraries read the same catalogue. */
void
upg_spi_bind_textdomain (void)
{
  static gsize bound = 0;

  if (g_once_init_enter (&bound))
    {
      const char *localedir = g_getenv ("UPGRADE_LOCALEDIR");
      const char *build_root = upg_spi_get_uninstalled_build_root ();
      g_autofree char *build_localedir = NULL;

      if (localedir == NULL || *localedir == '\0')
        {
          if (build_root != NULL)
            localedir = build_localedir = g_build_filename (build_root, "po", NULL);
          else
            localedir = LOCALEDIR;
        }
      bindtextdomain (GETTEXT_PACKAGE, localedir);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&bound, 1);
    }
}

/* _() in spi/: binds the domain on first use, then translates. */
const char *
upg_spi_gettext (const char *msgid)
{
  upg_spi_bind_textdomain ();
  return g_dgettext (GETTEXT_PACKAGE, msgid);
}
