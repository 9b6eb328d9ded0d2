/* test-state-dir.c - where the journal lives when nobody says (SPEC §6):
 * --state-dir, else $UPGRADE_STATE_DIR, else /var/lib/upgrade for root
 * and $XDG_STATE_HOME/upgrade otherwise; never the current directory;
 * missing directories are created with mode 0700
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "exec-test-util.h"

/* Runs the built upgradectl with @env (name, value pairs; a NULL value
 * unsets) from the working directory @cwd; returns the exit code. */
static int
run_ctl (const char * const *env,
         const char         *cwd,
         const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = -1;

  g_ptr_array_add (argv, (char *) g_getenv ("UPGRADECTL"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
    envp = env[i + 1] != NULL ? g_environ_setenv (envp, env[i], env[i + 1], TRUE)
                              : g_environ_unsetenv (envp, env[i]);
  g_spawn_sync (cwd, (char **) argv->pdata, envp, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err, &status,
                &error);
  g_assert_no_error (error);
  g_test_message ("upgradectl stderr: %s", err);
  return exec_exit_code (status);
}

static void
assert_private_dir (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_true (S_ISDIR (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
}

/* The library's answer, shared by the CLI, the service and embedders. */
static void
test_resolve (void)
{
  g_autofree char *given = upg_resolve_state_dir ("/srv/given");
  g_autofree char *from_env = NULL;
  g_autofree char *fallback = NULL;
  g_autofree char *expected = NULL;

  g_assert_cmpstr (given, ==, "/srv/given");
  g_setenv ("UPGRADE_STATE_DIR", "/srv/env", TRUE);
  from_env = upg_resolve_state_dir (NULL);
  g_assert_cmpstr (from_env, ==, "/srv/env");
  g_setenv ("UPGRADE_STATE_DIR", "", TRUE);
  fallback = upg_resolve_state_dir ("");
  expected = geteuid () == 0 ? g_strdup ("/var/lib/upgrade")
                             : g_build_filename (g_get_user_state_dir (), "upgrade", NULL);
  g_assert_cmpstr (fallback, ==, expected);
  g_assert_true (g_path_is_absolute (fallback));
  g_unsetenv ("UPGRADE_STATE_DIR");
}

/* A missing --state-dir (several levels deep) is created, private. */
static void
test_cli_creates_state_dir (void)
{
  ExecFixture fx;
  g_autofree char *deep = NULL;
  g_autofree char *journal = NULL;
  g_autofree char *cwd_default = NULL;

  exec_fixture_init (&fx);
  exec_fixture_write_config (&fx, "site-1", "\"db\": {\"provider\": \"SQLite\", \"path\": \"db.sqlite\"}");
  deep = exec_fixture_path (&fx, "missing/deeper/state");
  journal = g_build_filename (deep, "journal.db", NULL);
  {
    const char *args[] = { "-c", fx.config, "--state-dir", deep, "history", NULL };

    g_assert_cmpint (run_ctl (NULL, fx.root, args), ==, 0);
  }
  g_assert_true (g_file_test (journal, G_FILE_TEST_IS_REGULAR));
  assert_private_dir (deep);
  cwd_default = exec_fixture_path (&fx, ".upgrade");
  g_assert_false (g_file_test (cwd_default, G_FILE_TEST_EXISTS));
  exec_fixture_clear (&fx);
}

/* $UPGRADE_STATE_DIR is the default, created when missing. */
static void
test_cli_env_state_dir (void)
{
  ExecFixture fx;
  g_autofree char *dir = NULL;
  g_autofree char *journal = NULL;

  exec_fixture_init (&fx);
  exec_fixture_write_config (&fx, "site-1", "\"db\": {\"provider\": \"SQLite\", \"path\": \"db.sqlite\"}");
  dir = exec_fixture_path (&fx, "env/state");
  journal = g_build_filename (dir, "journal.db", NULL);
  {
    const char *env[] = { "UPGRADE_STATE_DIR", dir, NULL };
    const char *args[] = { "-c", fx.config, "history", NULL };

    g_assert_cmpint (run_ctl (env, fx.root, args), ==, 0);
  }
  g_assert_true (g_file_test (journal, G_FILE_TEST_IS_REGULAR));
  assert_private_dir (dir);
  exec_fixture_clear (&fx);
}

/* A journal named in the configuration gets its folder too. */
static void
test_cli_config_journal_folder (void)
{
  ExecFixture fx;
  g_autofree char *journal = NULL;
  g_autofree char *sources = NULL;

  exec_fixture_init (&fx);
  journal = exec_fixture_path (&fx, "journals/site-1/journal.db");
  sources = g_strdup_printf ("\"journal\": {\"provider\": \"SQLite\", \"path\": \"%s\"}", journal);
  exec_fixture_write_config_extra (&fx, "site-1", "\"db\": {\"provider\": \"SQLite\", \"path\": \"db.sqlite\"}",
                                   sources);
  {
    const char *args[] = { "-c", fx.config, "--state-dir", fx.state, "history", NULL };

    g_assert_cmpint (run_ctl (NULL, fx.root, args), ==, 0);
  }
  g_assert_true (g_file_test (journal, G_FILE_TEST_IS_REGULAR));
  exec_fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/state-dir/resolve", test_resolve);
  g_test_add_func ("/state-dir/cli-creates", test_cli_creates_state_dir);
  g_test_add_func ("/state-dir/cli-env", test_cli_env_state_dir);
  g_test_add_func ("/state-dir/cli-config-journal-folder", test_cli_config_journal_folder);
  return g_test_run ();
}
