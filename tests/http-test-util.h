/* http-test-util.h - a real upgraded on 127.0.0.1 and a real libsoup client
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define HTTP_TEST_TOKEN "test-token-0123456789abcdef"

typedef struct {
  char        *dir;       /* temporary: bundle copy, config, token, state */
  char        *bundle;
  char        *config;
  GSubprocess *process;
  char        *url;
  SoupSession *session;
  GPtrArray   *environment;   /* "NAME=VALUE" for upgraded */
} HttpTestServer;

HttpTestServer *http_test_server_new       (void);
HttpTestServer *http_test_server_new_with_service (const char *service_members);
void            http_test_server_setenv    (HttpTestServer *server,
                                            const char     *name,
                                            const char     *value);
int             http_test_server_pid       (HttpTestServer *server);
guint16         http_test_server_port      (HttpTestServer *server);
void            http_test_server_start     (HttpTestServer *server);
void            http_test_server_kill      (HttpTestServer *server);
int             http_test_server_terminate (HttpTestServer *server);
void            http_test_server_free      (HttpTestServer *server);
char           *http_test_server_path      (HttpTestServer *server,
                                            const char     *name);

guint           http_test_request          (HttpTestServer *server,
                                            const char     *method,
                                            const char     *path,
                                            const char     *token,
                                            const char     *body,
                                            char          **response,
                                            char          **content_type);
JsonObject     *http_test_request_json     (HttpTestServer *server,
                                            const char     *method,
                                            const char     *path,
                                            const char     *body,
                                            guint           expected_status);
char           *http_test_execute          (HttpTestServer *server,
                                            const char     *stage);
void            http_test_assert_error     (JsonObject     *object,
                                            const char     *code,
                                            const char     *message_part);

void            http_test_gate_wait_started (HttpTestServer *server);
void            http_test_gate_open         (HttpTestServer *server);

typedef struct {
  SoupWebsocketConnection *connection;
  GQueue                   messages;   /* JsonObject */
  gboolean                 closed;
} HttpTestEvents;

HttpTestEvents *http_test_events_connect   (HttpTestServer *server,
                                            const char     *execution_id);
JsonObject     *http_test_events_next      (HttpTestEvents *events);
JsonObject     *http_test_events_until     (HttpTestEvents *events,
                                            const char     *name,
                                            GPtrArray      *seen);
void            http_test_events_free      (HttpTestEvents *events);
JsonObject     *http_test_wait_finished    (HttpTestServer *server,
                                            const char     *execution_id,
                                            const char     *expected_status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HttpTestServer, http_test_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HttpTestEvents, http_test_events_free)

G_END_DECLS
