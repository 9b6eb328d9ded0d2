/* test-clickhouse-backup-written.c - a ClickHouse table written while
 * its backup runs: the backup counts its rows on the server before and
 * after the dump (Native rows cannot be counted by lines), and fails,
 * naming the table and both counts, when they differ
 *
 * The write is made at a known point, not raced: upgradectl reaches the
 * server through a relay in this process, which, on seeing the dump's
 * `SELECT … FORMAT Native`, first inserts a row (and waits for the
 * server's answer), then forwards the query.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "exec-test-util.h"
#include "upg-test-clickhouse.h"

#define FROM "3.17.0"
#define TO "3.17.5"
#define PASSWORD_ENV "UPG_TEST_CK_WRITTEN_PASSWORD"
#define CHUNK 4096

static UpgTestClickHouse *server;
static GError *start_error;

/* What the relay runs before it forwards the dump's query; once. */
static char *insert_sql;
static gint inserted;

/* Copies what the server answers to the client, until either closes. */
static gpointer
pump_back (gpointer data)
{
  GSocketConnection **ends = data;

  g_output_stream_splice (g_io_stream_get_output_stream (G_IO_STREAM (ends[0])),
                          g_io_stream_get_input_stream (G_IO_STREAM (ends[1])), G_OUTPUT_STREAM_SPLICE_NONE, NULL,
                          NULL);
  /* The server closed (its keep-alive ended) or the client is gone:
   * the client's connection ends too, which ends relay()'s reading. */
  g_socket_shutdown (g_socket_connection_get_socket (ends[0]), TRUE, TRUE, NULL);
  return NULL;
}

/* One client connection, relayed to the server (in a thread of the
 * service): requests forwarded as they come, the insert made first when
 * one holds the dump's query. */
static gboolean
relay (GThreadedSocketService *service,
       GSocketConnection      *client,
       GObject                *source,
       gpointer                user_data)
{
  g_autoptr(GSocketClient) connector = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) upstream = NULL;
  g_autoptr(GString) seen = g_string_new (NULL);
  GSocketConnection *ends[2];
  char buffer[CHUNK];
  GThread *back;
  gssize n;

  upstream = g_socket_client_connect_to_host (connector, "127.0.0.1", upg_test_clickhouse_get_port (server), NULL,
                                              &error);
  g_assert_no_error (error);
  ends[0] = client;
  ends[1] = upstream;
  back = g_thread_new ("ck-relay-back", pump_back, ends);
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (client)), buffer, sizeof buffer, NULL,
                                   NULL)) > 0)
    {
      /* Requests are text (SQL, headers): the rows come back, never sent. */
      g_string_append_len (seen, buffer, n);
      if (strstr (seen->str, "FORMAT Native") != NULL && g_atomic_int_compare_and_exchange (&inserted, 0, 1))
        g_free (upg_test_clickhouse_admin_printf (server, "%s", insert_sql));
      if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (upstream)), buffer, (gsize) n, NULL,
                                      NULL, NULL))
        break;
    }
  g_socket_shutdown (g_socket_connection_get_socket (upstream), FALSE, TRUE, NULL);
  g_thread_join (back);
  return TRUE;
}

/* The relay's own thread: upgradectl runs while the test's thread waits
 * for it, so connections are accepted here, in a main context of this
 * thread. */
typedef struct
{
  GMainContext  *context;
  GMainLoop     *loop;
  GAsyncQueue   *ports;
} Relay;

static gpointer
relay_thread (gpointer data)
{
  Relay *r = data;
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  g_main_context_push_thread_default (r->context);
  service = g_threaded_socket_service_new (-1);
  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "run", G_CALLBACK (relay), NULL);
  g_socket_service_start (service);
  g_async_queue_push (r->ports, GUINT_TO_POINTER ((guint) port));
  g_main_loop_run (r->loop);
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_main_context_pop_thread_default (r->context);
  return NULL;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
test_written_during_backup (void)
{
  const char *db;
  g_autofree char *t = g_strdup_printf ("written_%08x", g_random_int ());
  g_autofree char *source = NULL, *relayed = NULL, *sources = NULL, *steps = NULL, *url = NULL;
  g_autofree char *out = NULL, *began = NULL, *ended = NULL, *journal = NULL;
  Relay r;
  GThread *thread;
  guint port;
  ExecFixture fx;

  /* A server that cannot start fails the test: never a skip. */
  g_assert_no_error (start_error);
  db = upg_test_clickhouse_get_database (server);
  g_free (upg_test_clickhouse_admin_printf (server, "CREATE TABLE %s.%s (id UInt32, s String) ENGINE = MergeTree "
                                                    "ORDER BY id", db, t));
  g_free (upg_test_clickhouse_admin_printf (server, "INSERT INTO %s.%s VALUES (1, 'a'), (2, 'b'), (3, 'c')", db, t));
  insert_sql = g_strdup_printf ("INSERT INTO %s.%s VALUES (4, 'late')", db, t);

  r.context = g_main_context_new ();
  r.loop = g_main_loop_new (r.context, FALSE);
  r.ports = g_async_queue_new ();
  thread = g_thread_new ("ck-relay", relay_thread, &r);
  port = GPOINTER_TO_UINT (g_async_queue_pop (r.ports));
  url = g_strdup_printf ("http://127.0.0.1:%u", port);

  g_setenv (PASSWORD_ENV, upg_test_clickhouse_get_password (server), TRUE);
  source = upg_test_clickhouse_datasource_json (server, PASSWORD_ENV);
  {
    GString *text = g_string_new (source);

    g_assert_cmpuint (g_string_replace (text, upg_test_clickhouse_get_url (server), url, 0), ==, 1);
    relayed = g_string_free (text, FALSE);
  }
  sources = g_strdup_printf ("\"logs_ck\": %s", relayed);
  exec_fixture_init (&fx);
  exec_fixture_write_config (&fx, "ck-written", sources);
  steps = g_strdup_printf ("\"pre_stop\": [{\"id\": \"bk\", \"backup\": {\"database\": \"logs_ck\", "
                           "\"tables\": [\"%s\"]}}]", t);
  exec_fixture_write_manifest (&fx, TO, steps, NULL);

  /* The step fails at its breakpoint, the reason in the run's report. */
  g_assert_cmpint (exec_exit_code (exec_fixture_cli (&fx, NULL, &out, "run", "--confirm", "--from", FROM,
                                                     "--to", TO, "--stage", "pre_stop", NULL)), !=, 0);
  g_assert_cmpint (g_atomic_int_get (&inserted), ==, 1);
  began = g_strdup_printf ("table %s had 3 rows", t);
  g_assert_nonnull (strstr (out, began));
  g_assert_nonnull (strstr (out, "and 4 when it ended"));
  g_assert_null (strstr (out, upg_test_clickhouse_get_password (server)));
  journal = g_build_filename (fx.state, "journal.db", NULL);
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM upgrade_backup WHERE status = 'SUCCESS'"), ==, 0);
  g_assert_cmpint (exec_sqlite_int (journal, "SELECT COUNT(*) FROM upgrade_backup WHERE status = 'FAILED'"), ==, 1);

  g_main_context_invoke (r.context, quit_loop, r.loop);
  g_thread_join (thread);
  g_main_loop_unref (r.loop);
  g_main_context_unref (r.context);
  g_async_queue_unref (r.ports);
  g_free (upg_test_clickhouse_admin_printf (server, "DROP TABLE %s.%s", db, t));
  g_clear_pointer (&insert_sql, g_free);
  exec_fixture_clear (&fx);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  server = upg_test_clickhouse_start (&start_error);
  g_test_add_func ("/clickhouse-backup/written-during-backup", test_written_during_backup);
  status = g_test_run ();
  upg_test_clickhouse_stop (server);
  g_clear_error (&start_error);
  return status;
}
