/* test-batched-migration-detach.c - `upgradectl run --stage post_upgrade
 * --detach` from the operator's side: the command returns with the
 * execution id while the batched migration goes on in a process of its
 * own, which holds the site's lock, answers `migrations`, `status`,
 * `pause` and `resume`, and finishes every batch exactly once; on SQLite,
 * and with --db on MariaDB and PostgreSQL
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Nothing waits for time: the migration is held by its throttle (a flag
 * the test raises) until the test has seen what it checks, states are
 * read from `upgradectl migrations --json` as long as the detached process
 * lives (it exiting early fails the test at once), and the end is that
 * process's exit: this test is its subreaper, so it can wait for it.
 */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mig-test-util.h"

static Db databases[] = DB_TARGETS_INIT;

typedef struct {
  GPid pid;
  gboolean exited;
  int wait_status;
} Detached;

static gboolean
detached_alive (Detached *d)
{
  pid_t got;

  if (d->exited)
    return FALSE;
  got = waitpid (d->pid, &d->wait_status, WNOHANG);
  g_assert_cmpint (got, >=, 0);
  d->exited = got == d->pid;
  return !d->exited;
}

/* The detached process's exit status, once it exited. */
static int
detached_wait (Detached *d)
{
  while (!d->exited)
    {
      pid_t got = waitpid (d->pid, &d->wait_status, 0);

      if (got < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (got, ==, d->pid);
      d->exited = TRUE;
    }
  g_assert_true (WIFEXITED (d->wait_status));
  return WEXITSTATUS (d->wait_status);
}

static JsonObject *
wait_for (Mig        *mig,
          Detached   *d,
          const char *member,
          const char *value)
{
  return mig_wait_for (mig, (MigAliveFunc) detached_alive, d, member, value);
}

static JsonObject *
status_of (Mig        *mig,
           const char *id,
           int         expected_code)
{
  g_autofree char *out = NULL;

  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&mig->site.fx, NULL, &out, "--json", "status", id, NULL)),
                   ==, expected_code);
  return exec_parse_json_object (out);
}

static int
run_detached (Mig   *mig,
              char **out)
{
  return exec_exit_code (exec_fixture_cli (&mig->site.fx, NULL, out, "--json", "run", "--from", FROM, "--to", TO,
                                           "--stage", "post_upgrade", "--detach", NULL));
}

static void
check_detach (Db *db)
{
  Mig mig;
  Detached d = { 0 };
  g_autofree char *out = NULL;
  g_autofree char *second = NULL;
  g_autofree char *throttle = NULL;
  g_autofree char *extra = NULL;
  g_autofree char *id = NULL;
  g_autofree char *migration = NULL;
  g_autofree char *log = NULL;
  g_autofree char *tag = NULL;
  g_autoptr(JsonObject) doc = NULL;
  g_autoptr(JsonObject) m = NULL;
  g_autoptr(JsonObject) st = NULL;

  mig_init (&mig, db, "mig-detach");
  throttle = throttle_json (&mig, 500);
  extra = g_strdup_printf ("\"batch_size\": 100, %s", throttle);
  mig_write_bundle (&mig, COUNTER_SQL, extra);
  /* Held by the throttle after 500 rows until the test lowers the flag:
   * the command below cannot have waited for the end. */
  db_site_execute (&mig.site, "UPDATE %s SET v = 1", mig.flag);

  g_assert_cmpint (run_detached (&mig, &out), ==, 0);
  doc = exec_parse_json_object (out);
  id = g_strdup (json_object_get_string_member (doc, "execution_id"));
  g_assert_cmpstr (json_object_get_string_member (doc, "status"), ==, "RUNNING");
  g_assert_cmpstr (json_object_get_string_member (doc, "site"), ==, "mig-detach");
  d.pid = (GPid) json_object_get_int_member (doc, "pid");
  g_assert_cmpint (d.pid, >, 0);
  g_assert_true (g_file_test (json_object_get_string_member (doc, "log"), G_FILE_TEST_IS_REGULAR));
  /* A session of its own: no terminal's signals reach it. */
  g_assert_cmpint (getsid (d.pid), ==, d.pid);

  /* It holds the site's lock: a second run is refused (exit 3), and the
   * refusal reaches the operator through the command that started it. */
  g_assert_cmpint (run_detached (&mig, &second), ==, 3);
  g_assert_nonnull (strstr (second, "\"locked\""));

  m = wait_for (&mig, &d, "pause_reason", "throttle");
  g_assert_cmpstr (json_object_get_string_member (m, "state"), ==, "paused");
  g_assert_cmpstr (json_object_get_string_member (m, "execution_id"), ==, id);
  migration = g_strdup (json_object_get_string_member (m, "id"));
  st = status_of (&mig, id, 0);
  g_assert_cmpstr (json_object_get_string_member (st, "status"), ==, "RUNNING");

  /* The operator's pause, then resume, from other processes. */
  g_assert_cmpint (control (&mig, "pause", migration), ==, 0);
  db_site_execute (&mig.site, "UPDATE %s SET v = 0", mig.flag);
  g_clear_pointer (&m, json_object_unref);
  m = wait_for (&mig, &d, "pause_reason", "operator");
  g_assert_cmpint (assert_checkpoint_consistent (&mig), <, ROWS);
  g_assert_cmpint (control (&mig, "resume", migration), ==, 0);

  g_assert_cmpint (detached_wait (&d), ==, 0);
  g_clear_pointer (&st, json_object_unref);
  st = status_of (&mig, id, 0);
  g_assert_cmpstr (json_object_get_string_member (st, "status"), ==, "SUCCESS");
  assert_all_once (&mig);
  g_clear_pointer (&m, json_object_unref);
  m = list_migration (&mig);
  g_assert_cmpstr (json_object_get_string_member (m, "state"), ==, "done");
  g_assert_cmpint (json_object_get_int_member (m, "rows_done"), ==, ROWS);
  g_assert_cmpint (json_object_get_int_member (m, "pauses"), ==, 1);

  /* Its log names the execution on its lines, its outcome included. */
  g_assert_true (g_file_get_contents (json_object_get_string_member (doc, "log"), &log, NULL, NULL));
  tag = g_strdup_printf ("[exec %s] Execution %s: SUCCESS", id, id);
  if (strstr (log, tag) == NULL)
    g_error ("the detached run's log lacks '%s':\n%s", tag, log);
  mig_clear (&mig);
}

/* A run that cannot start: the command says why and exits with its code. */
static void
check_detach_refused (Db *db)
{
  Mig mig;
  g_autofree char *out = NULL;
  g_autoptr(JsonObject) doc = NULL;
  JsonObject *error;

  mig_init (&mig, db, "mig-detach-bad");
  mig_write_bundle (&mig, COUNTER_SQL, "\"batch_size\": 100");
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&mig.site.fx, NULL, &out, "--json", "run", "--from", FROM,
                                                     "--to", TO, "--stage", "post_upgrade", "--site", "elsewhere",
                                                     "--detach", NULL)), ==, 2);
  doc = exec_parse_json_object (out);
  error = json_object_get_object_member (doc, "error");
  g_assert_nonnull (strstr (json_object_get_string_member (error, "message"), "elsewhere"));
  g_assert_cmpint (count_where (&mig, "n > 0"), ==, 0);
  mig_clear (&mig);
}

static void
test_detach_sqlite (void)
{
  check_detach (NULL);
}

static void
test_detach_refused_sqlite (void)
{
  check_detach_refused (NULL);
}

static void
test_detach_db (gconstpointer data)
{
  check_detach ((Db *) data);
}

int
main (int argc, char **argv)
{
  gboolean with_db = FALSE;
  int status;

  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--db"))
      with_db = TRUE;
  g_test_init (&argc, &argv, NULL);
  /* The detached runs outlive the commands that start them: they become
   * this process's children, to wait for. */
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1), ==, 0);
  if (!with_db)
    {
      g_test_add_func ("/batched-migration-detach/sqlite/detach", test_detach_sqlite);
      g_test_add_func ("/batched-migration-detach/sqlite/refused", test_detach_refused_sqlite);
      return g_test_run ();
    }
  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    {
      Db *db = &databases[i];

      db_start (db);
      db_add_test (db, "batched-migration-detach", "detach", test_detach_db);
    }
  status = g_test_run ();
  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    db_stop (&databases[i]);
  return status;
}
