/* upg-path.c - paths that must stay inside a bundle
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <stdlib.h>

#include "upg-path-private.h"

/**
 * upg_path_is_confined:
 * @relative: a path from a manifest
 *
 * Lexical check: not empty, not absolute, no `..` component.
 *
 * Returns: %TRUE if @relative cannot name something outside its root
 *   without a symbolic link
 */
gboolean
upg_path_is_confined (const char *relative)
{
  g_auto(GStrv) parts = NULL;

  if (relative == NULL || relative[0] == '\0' || g_path_is_absolute (relative))
    return FALSE;
  parts = g_strsplit (relative, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (g_str_equal (parts[i], ".."))
      return FALSE;
  return TRUE;
}

static gboolean
is_below (const char *real_root,
          const char *real_path)
{
  gsize n = strlen (real_root);

  if (g_str_equal (real_root, "/"))
    return TRUE;
  return strncmp (real_root, real_path, n) == 0
      && (real_path[n] == '/' || real_path[n] == '\0');
}

/**
 * upg_path_resolve_inside:
 * @root: the bundle directory
 * @relative: a path relative to it
 * @why: (out) (transfer full): on failure, what is wrong (no file name in it)
 *
 * Resolves @relative with realpath() so that a symbolic link pointing out
 * of @root is caught as surely as `..`.
 *
 * Returns: (transfer full) (nullable): the real absolute path of an
 *   existing file inside @root
 */
char *
upg_path_resolve_inside (const char *root,
                         const char *relative,
                         char      **why)
{
  g_autofree char *joined = NULL;
  g_autofree char *real_root = NULL;
  g_autofree char *real_path = NULL;

  if (!upg_path_is_confined (relative))
    {
      *why = g_strdup (_("expected a relative path that stays inside the bundle"));
      return NULL;
    }
  real_root = realpath (root, NULL);
  if (real_root == NULL)
    {
      *why = g_strdup_printf (_("the bundle directory '%s' cannot be resolved: %s"),
                              root, g_strerror (errno));
      return NULL;
    }
  joined = g_build_filename (real_root, relative, NULL);
  real_path = realpath (joined, NULL);
  if (real_path == NULL)
    {
      *why = g_strdup_printf (_("the file does not exist in the bundle (%s)"),
                              g_strerror (errno));
      return NULL;
    }
  if (!is_below (real_root, real_path))
    {
      *why = g_strdup (_("it leaves the bundle through a symbolic link"));
      return NULL;
    }
  return g_steal_pointer (&real_path);
}

/**
 * upg_path_problem:
 * @root: (nullable): the bundle directory; %NULL for the lexical check only
 * @relative: a path from a manifest
 *
 * Returns: (transfer full) (nullable): what is wrong with @relative (see
 *   upg_path_resolve_inside()), or %NULL if it is fine
 */
char *
upg_path_problem (const char *root,
                  const char *relative)
{
  g_autofree char *resolved = NULL;
  char *why = NULL;

  if (root == NULL)
    return upg_path_is_confined (relative)
      ? NULL : g_strdup (_("expected a relative path that stays inside the bundle"));
  resolved = upg_path_resolve_inside (root, relative, &why);
  return why;
}

/*
 * upg_path_sha256:
 * @path: (type filename): a file
 * @error: return location for a #GError (a #GFileError)
 *
 * Returns: (transfer full) (nullable): the SHA-256 of the file's bytes in
 *   hex, read through a mapping; %NULL if it cannot be read
 */
char *
upg_path_sha256 (const char  *path,
                 GError     **error)
{
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, error);

  if (file == NULL)
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                      (const guchar *) g_mapped_file_get_contents (file),
                                      g_mapped_file_get_length (file));
}
