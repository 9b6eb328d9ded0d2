/* upgradectl-spawn.h - run the built upgradectl from a test
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <string.h>
#include <sys/wait.h>
#include <glib.h>

/* Runs `upgradectl` with @argv (NULL-terminated, after the program) from
 * the build tree with @lang as LANG and LANGUAGE (NULL: C). Returns the
 * exit status; stdout in *@out, stderr in *@err. */
static inline int
upgradectl_spawnv (const char          *lang,
                   char               **out,
                   char               **err,
                   const char * const  *args)
{
  const char *root = g_getenv ("UPGRADE_BUILD_ROOT");
  g_autofree char *program = g_build_filename (root != NULL ? root : ".", "bindings", "cli", "upgradectl", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  g_autofree char *language = lang != NULL ? g_strndup (lang, strcspn (lang, ".")) : g_strdup ("");
  int status = 0;

  if (!g_file_test (program, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("upgradectl is not built at %s (UPGRADE_BUILD_ROOT)", program);
  g_ptr_array_add (argv, program);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  envp = g_environ_setenv (envp, "LANG", lang != NULL ? lang : "C.UTF-8", TRUE);
  envp = g_environ_setenv (envp, "LANGUAGE", language, TRUE);
  envp = g_environ_unsetenv (envp, "LC_ALL");
  envp = g_environ_unsetenv (envp, "LC_MESSAGES");
  if (!g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, &error))
    g_error ("cannot run %s: %s", program, error->message);
  g_test_message ("upgradectl stderr: %s", *err);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* Collects the NULL-terminated arguments after @first_arg. */
static inline GPtrArray *
upgradectl_collect_args (const char *first_arg,
                         va_list     args)
{
  GPtrArray *argv = g_ptr_array_new ();

  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  g_ptr_array_add (argv, NULL);
  return argv;
}

/* upgradectl_spawnv() with the arguments in the call; stderr in *@err. */
static inline int
upgradectl_spawn_stderr (const char  *lang,
                         char       **out,
                         char       **err,
                         const char  *first_arg,
                         ...)
{
  g_autoptr(GPtrArray) argv = NULL;
  va_list args;

  va_start (args, first_arg);
  argv = upgradectl_collect_args (first_arg, args);
  va_end (args);
  return upgradectl_spawnv (lang, out, err, (const char * const *) argv->pdata);
}

/* Runs `upgradectl ARGS…` from the build tree with @lang as LANG and
 * LANGUAGE (NULL: C), the catalogue of the build tree and the plugin host
 * the tests use. Returns the exit status; stdout in *@out. */
static inline int
upgradectl_spawn (const char  *lang,
                  char       **out,
                  const char  *first_arg,
                  ...)
{
  g_autoptr(GPtrArray) argv = NULL;
  g_autofree char *err = NULL;
  va_list args;

  va_start (args, first_arg);
  argv = upgradectl_collect_args (first_arg, args);
  va_end (args);
  return upgradectl_spawnv (lang, out, &err, (const char * const *) argv->pdata);
}
