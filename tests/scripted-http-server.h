/* scripted-http-server.h - a small HTTP/1.1 server on 127.0.0.1 whose answers
 * are scripted by request count, and which records what it received
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ScriptedServer ScriptedServer;

/* One answer: the n-th request gets the n-th answer; requests past the
 * script get the last one. */
typedef struct {
  guint       status;
  const char *body;
} ScriptedAnswer;

ScriptedServer *scripted_server_new          (const ScriptedAnswer *answers,
                                              guint                 n_answers);
void            scripted_server_free         (ScriptedServer       *server);
void            scripted_server_set_answers  (ScriptedServer       *server,
                                              const ScriptedAnswer *answers,
                                              guint                 n_answers);
char           *scripted_server_url          (ScriptedServer       *server,
                                              const char           *path);
guint           scripted_server_requests     (ScriptedServer       *server);
char           *scripted_server_header       (ScriptedServer       *server,
                                              guint                 index,
                                              const char           *name);
char           *scripted_server_body         (ScriptedServer       *server,
                                              guint                 index);
gboolean        scripted_server_wait_requests (ScriptedServer      *server,
                                               guint                n,
                                               guint                seconds);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScriptedServer, scripted_server_free)

G_END_DECLS
