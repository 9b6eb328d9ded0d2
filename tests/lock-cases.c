/* lock-cases.c - per-site lock tests shared by every dialect
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "journal-cases.h"
#include "upg-journal-write-private.h"

/* Two journals on the same database, as two processes would have. */
static void
open_pair (JournalBackend  *backend,
           UpgJournal     **a,
           UpgJournal     **b)
{
  journal_backend_reset (backend);
  *a = journal_backend_open (backend);
  *b = journal_backend_open (backend);
}

static void
acquire_ok (UpgJournal *journal,
            const char *site,
            const char *id,
            char      **message)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (upg_journal_acquire_lock (journal, site, id, message, &error));
  g_assert_no_error (error);
}

static void
test_lock_contention (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgJournal) a = NULL;
  g_autoptr(UpgJournal) b = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) holder = NULL;
  g_autofree char *a_id = NULL;
  g_autofree char *b_id = NULL;
  g_autofree char *message = NULL;
  g_autofree char *owner = NULL;

  open_pair (backend, &a, &b);
  a_id = journal_new_execution (a, "bj-01");
  b_id = journal_new_execution (b, "bj-01");
  owner = upg_journal_get_owner (a);

  acquire_ok (a, "bj-01", a_id, &message);
  g_assert_null (message);
  g_assert_false (upg_journal_acquire_lock (b, "bj-01", b_id, &message, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_LOCKED);
  g_assert_nonnull (strstr (error->message, a_id));
  g_assert_nonnull (strstr (error->message, owner));
  g_assert_nonnull (strstr (error->message, "since 2024-01-01T10:00:01.000Z"));
  g_assert_null (message);
  g_clear_error (&error);
  /* Another site is independent. */
  acquire_ok (b, "sh-02", b_id, NULL);

  holder = upg_journal_get_lock (b, "bj-01", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (holder, "execution_id"), ==, a_id);
  g_assert_cmpstr (json_object_get_string_member (holder, "host"), ==, upg_journal_get_host (a));
  g_assert_cmpint (json_object_get_int_member (holder, "pid"), ==, upg_journal_get_pid (a));
  g_assert_false (json_object_get_boolean_member (holder, "stale"));
  g_assert_false (json_object_has_member (holder, "token"));
  g_clear_pointer (&holder, json_object_unref);

  /* Releasing by a non-holder does nothing; by the holder frees the site. */
  g_assert_true (upg_journal_release_lock (b, "bj-01", &error));
  holder = upg_journal_get_lock (b, "bj-01", &error);
  g_assert_nonnull (holder);
  g_clear_pointer (&holder, json_object_unref);
  g_assert_true (upg_journal_release_lock (a, "bj-01", &error));
  holder = upg_journal_get_lock (b, "bj-01", &error);
  g_assert_no_error (error);
  g_assert_null (holder);
  acquire_ok (b, "bj-01", b_id, &message);
  g_assert_null (message);
  /* Taking a lock one already holds succeeds. */
  acquire_ok (b, "bj-01", b_id, &message);
  g_assert_null (message);
}

static void
test_lock_stale_dead_pid (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgJournal) a = NULL;
  g_autoptr(UpgJournal) b = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) holder = NULL;
  g_autofree char *a_id = NULL;
  g_autofree char *b_id = NULL;
  g_autofree char *message = NULL;
  g_autofree char *pid_text = NULL;
  guint pid = journal_dead_pid ();

  open_pair (backend, &a, &b);
  upg_journal_set_pid (a, pid);
  a_id = journal_new_execution (a, "bj-01");
  b_id = journal_new_execution (b, "bj-01");
  acquire_ok (a, "bj-01", a_id, NULL);

  holder = upg_journal_get_lock (b, "bj-01", &error);
  g_assert_true (json_object_get_boolean_member (holder, "stale"));
  g_assert_nonnull (strstr (json_object_get_string_member (holder, "stale_reason"), "no longer running"));

  acquire_ok (b, "bj-01", b_id, &message);
  g_assert_nonnull (message);
  pid_text = g_strdup_printf ("process %u on %s is no longer running", pid, upg_journal_get_host (b));
  g_assert_nonnull (strstr (message, pid_text));
  g_assert_nonnull (strstr (message, a_id));

  /* The former holder learns it lost the lock and cannot release B's. */
  g_assert_false (upg_journal_heartbeat_lock (a, "bj-01", &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_LOCKED);
  g_assert_nonnull (strstr (error->message, "taken over"));
  g_assert_nonnull (strstr (error->message, b_id));
  g_clear_error (&error);
  g_assert_true (upg_journal_release_lock (a, "bj-01", &error));
  g_clear_pointer (&holder, json_object_unref);
  holder = upg_journal_get_lock (b, "bj-01", &error);
  g_assert_cmpstr (json_object_get_string_member (holder, "execution_id"), ==, b_id);
}

static void
test_lock_stale_heartbeat (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgJournal) a = NULL;
  g_autoptr(UpgJournal) b = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a_id = NULL;
  g_autofree char *b_id = NULL;
  g_autofree char *message = NULL;

  open_pair (backend, &a, &b);
  /* A holder on another host: only its heartbeat can tell. */
  upg_journal_set_host (a, "node-7.example");
  a_id = journal_new_execution (a, "bj-01");
  b_id = journal_new_execution (b, "bj-01");
  acquire_ok (a, "bj-01", a_id, NULL);

  /* 60 s without a heartbeat is still alive… */
  upg_journal_set_now (b, T0 + 60 * 1000);
  g_assert_false (upg_journal_acquire_lock (b, "bj-01", b_id, &message, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_LOCKED);
  g_assert_nonnull (strstr (error->message, "node-7.example"));
  g_clear_error (&error);

  /* …a heartbeat keeps it alive longer… */
  upg_journal_set_now (a, T0 + 50 * 1000);
  g_assert_true (upg_journal_heartbeat_lock (a, "bj-01", &error));
  g_assert_no_error (error);
  upg_journal_set_now (b, T0 + 100 * 1000);
  g_assert_false (upg_journal_acquire_lock (b, "bj-01", b_id, &message, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_LOCKED);
  g_clear_error (&error);

  /* …a longer configured timeout too… */
  upg_journal_set_now (b, T0 + 200 * 1000);
  upg_journal_set_lock_timeout (b, 300);
  g_assert_false (upg_journal_acquire_lock (b, "bj-01", b_id, &message, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_LOCKED);
  g_clear_error (&error);

  /* …but past the timeout it is taken over, and said so. */
  upg_journal_set_lock_timeout (b, 60);
  acquire_ok (b, "bj-01", b_id, &message);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "no heartbeat for 150 s (timeout 60 s)"));
  g_assert_nonnull (strstr (message, "node-7.example"));
}

static void
test_lock_force_unlock (gconstpointer data)
{
  JournalBackend *backend = (JournalBackend *) data;
  g_autoptr(UpgJournal) a = NULL;
  g_autoptr(UpgJournal) b = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) holder = NULL;
  g_autofree char *a_id = NULL;
  g_autofree char *previous = NULL;

  open_pair (backend, &a, &b);
  a_id = journal_new_execution (a, "bj-01");
  acquire_ok (a, "bj-01", a_id, NULL);

  /* Its holder's process exists on this host (it is this test): refused,
   * however old the heartbeat (a long statement renews nothing). */
  upg_journal_set_now (b, T0 + 3600 * 1000);
  g_assert_false (upg_journal_force_unlock (b, "bj-01", &previous, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_LOCKED);
  g_assert_nonnull (strstr (error->message, "still runs on this host"));
  g_assert_null (previous);
  g_clear_error (&error);
  holder = upg_journal_get_lock (b, "bj-01", &error);
  g_assert_nonnull (holder);
  g_clear_pointer (&holder, json_object_unref);

  /* On another host, a fresh heartbeat is alive, an old one is not. */
  g_assert_true (upg_journal_release_lock (a, "bj-01", &error));
  upg_journal_set_host (a, "node-7.example");
  upg_journal_set_now (a, T0);
  upg_journal_set_now (b, T0 + 10 * 1000);
  acquire_ok (a, "bj-01", a_id, NULL);
  g_assert_false (upg_journal_force_unlock (b, "bj-01", &previous, &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_LOCKED);
  g_assert_nonnull (strstr (error->message, "host node-7.example renewed it 10 s ago"));
  g_clear_error (&error);
  upg_journal_set_now (b, T0 + 3600 * 1000);

  g_assert_true (upg_journal_force_unlock (b, "bj-01", &previous, &error));
  g_assert_no_error (error);
  g_assert_nonnull (previous);
  g_assert_nonnull (strstr (previous, a_id));
  holder = upg_journal_get_lock (b, "bj-01", &error);
  g_assert_null (holder);
  g_clear_pointer (&previous, g_free);

  g_assert_false (upg_journal_heartbeat_lock (a, "bj-01", &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_LOCKED);
  g_assert_nonnull (strstr (error->message, "removed"));
  g_clear_error (&error);
  g_assert_false (upg_journal_heartbeat_lock (a, "bj-01", &error));
  g_assert_error (error, UPG_ERROR, UPG_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Not locked: nothing to report, not an error. */
  g_assert_true (upg_journal_force_unlock (b, "bj-01", &previous, &error));
  g_assert_no_error (error);
  g_assert_null (previous);
}

typedef struct {
  JournalBackend *backend;
  GMutex          mutex;
  GCond           cond;
  guint           ready;
  guint           n_threads;
} Race;

static gpointer
race_thread (gpointer data)
{
  Race *race = data;
  g_autoptr(UpgJournal) journal = journal_backend_open (race->backend);
  g_autofree char *id = journal_new_execution (journal, "bj-01");
  g_autoptr(GError) error = NULL;
  gboolean won;

  /* Start together: every thread waits until all are connected. */
  g_mutex_lock (&race->mutex);
  race->ready++;
  g_cond_broadcast (&race->cond);
  while (race->ready < race->n_threads)
    g_cond_wait (&race->cond, &race->mutex);
  g_mutex_unlock (&race->mutex);

  won = upg_journal_acquire_lock (journal, "bj-01", id, NULL, &error);
  g_assert_true (won || g_error_matches (error, UPG_ERROR, UPG_ERROR_LOCKED));
  return GINT_TO_POINTER (won);
}

static void
test_lock_race (gconstpointer data)
{
  Race race = { (JournalBackend *) data, { 0 }, { 0 }, 0, 6 };
  GThread *threads[6];
  guint winners = 0;

  journal_backend_reset (race.backend);
  g_object_unref (journal_backend_open (race.backend));
  g_mutex_init (&race.mutex);
  g_cond_init (&race.cond);
  for (guint i = 0; i < race.n_threads; i++)
    threads[i] = g_thread_new ("race", race_thread, &race);
  for (guint i = 0; i < race.n_threads; i++)
    winners += GPOINTER_TO_INT (g_thread_join (threads[i]));
  g_mutex_clear (&race.mutex);
  g_cond_clear (&race.cond);
  g_assert_cmpuint (winners, ==, 1);
}

void
lock_cases_register (JournalBackend *backend)
{
  journal_cases_add (backend, "lock", "contention", test_lock_contention);
  journal_cases_add (backend, "lock", "stale-dead-pid", test_lock_stale_dead_pid);
  journal_cases_add (backend, "lock", "stale-heartbeat", test_lock_stale_heartbeat);
  journal_cases_add (backend, "lock", "force-unlock", test_lock_force_unlock);
  journal_cases_add (backend, "lock", "race", test_lock_race);
}
