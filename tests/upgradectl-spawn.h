/* upgradectl-spawn.h - run the built upgradectl from a test
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <string.h>
#include <sys/wait.h>
#include <glib.h>

/* Runs `upgradectl ARGS…` from the build tree with @lang as LANG and
 * LANGUAGE (NULL: C), the catalogue of the build tree and the plugin host
 * the tests use. Returns the exit status; stdout in *@out. */
static inline int
upgradectl_spawn (const char  *lang,
                  char       **out,
                  const char  *first_arg,
                  ...)
{
  const char *root = g_getenv ("UPGRADE_BUILD_ROOT");
  g_autofree char *program = g_build_filename (root != NULL ? root : ".", "bindings", "cli", "upgradectl", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  g_autofree char *language = lang != NULL ? g_strndup (lang, strcspn (lang, ".")) : g_strdup ("");
  int status = 0;
  va_list args;

  if (!g_file_test (program, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("upgradectl is not built at %s (UPGRADE_BUILD_ROOT)", program);
  g_ptr_array_add (argv, program);
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  envp = g_environ_setenv (envp, "LANG", lang != NULL ? lang : "C.UTF-8", TRUE);
  envp = g_environ_setenv (envp, "LANGUAGE", language, TRUE);
  envp = g_environ_unsetenv (envp, "LC_ALL");
  envp = g_environ_unsetenv (envp, "LC_MESSAGES");
  if (!g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL, out, &err, &status, &error))
    g_error ("cannot run %s: %s", program, error->message);
  g_test_message ("upgradectl stderr: %s", err);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}
