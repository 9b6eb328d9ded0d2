/* upgradectl-serve.c - `upgradectl serve [--listen ADDR:PORT] [--list-routes]`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs the HTTP service (bindings/http, SPEC §10) in the foreground; the
 * `upgraded` program is this command on its own. The listen address is
 * `--listen`, else the configuration's `service.listen`, else
 * 127.0.0.1:20080; port 0 picks a free port. Once listening it prints
 * `listening on http://ADDR:PORT` on stdout (and nothing else there), so a
 * supervisor or a test knows where it is without waiting. SIGTERM and
 * SIGINT stop it gracefully: no new connections, the running executions
 * are cancelled at a statement boundary (breakpoint saved, lock released),
 * then it exits 0.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <glib-unix.h>
#include <glib/gi18n-lib.h>

#include "upgradectl-commands.h"
#include "upgradectl-executor.h"
#include "upg-service.h"

typedef struct {
  GMainLoop  *loop;
  UpgService *service;
} Serving;

static void
print_routes (void)
{
  guint n_routes = 0;
  const UpgServiceRouteInfo *routes = upg_service_get_routes (&n_routes);

  for (guint i = 0; i < n_routes; i++)
    g_print ("%s %s%s%s\n", routes[i].method, routes[i].path,
             routes[i].websocket ? " websocket" : "", routes[i].public ? " public" : "");
}

static void
on_idle (UpgService *service,
         Serving    *serving)
{
  g_main_loop_quit (serving->loop);
}

static gboolean
on_signal (gpointer user_data)
{
  Serving *serving = user_data;

  g_message ("stopping: no new requests, running executions stop at a statement boundary");
  upg_service_shutdown (serving->service);
  if (upg_service_is_idle (serving->service))
    g_main_loop_quit (serving->loop);
  return G_SOURCE_CONTINUE;
}

static UpgService *
create_service (UpgCtlExec *exec,
                GError    **error)
{
  g_autofree char *token = NULL;
  UpgBundle *bundle;

  token = upg_service_read_token (upg_config_get_service_token_file (exec->config), error);
  if (token == NULL)
    return NULL;
  bundle = upgctl_get_bundle (exec->ctl, error);
  if (bundle == NULL)
    return NULL;
  return upg_service_new (exec->config, bundle, exec->journal, exec->ctl->state_dir, token);
}

static int
serve (UpgCtl     *ctl,
       const char *listen)
{
  g_auto(UpgCtlExec) exec = { 0 };
  g_autoptr(UpgService) service = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  Serving serving;
  guint term_id, int_id;

  if (!upgctl_exec_init (&exec, ctl, FALSE, &error)
      || (service = create_service (&exec, &error)) == NULL
      || upg_service_recover (service, &error) == G_MAXUINT)
    return upgctl_fail (ctl, error);
  if (listen == NULL)
    listen = upg_config_get_service_listen (exec.config);
  if (!upg_service_listen (service, listen != NULL ? listen : UPG_SERVICE_DEFAULT_LISTEN, &error))
    return upgctl_fail (ctl, error);

  loop = g_main_loop_new (NULL, FALSE);
  serving = (Serving) { loop, service };
  g_signal_connect (service, "idle", G_CALLBACK (on_idle), &serving);
  term_id = g_unix_signal_add (SIGTERM, on_signal, &serving);
  int_id = g_unix_signal_add (SIGINT, on_signal, &serving);

  url = upg_service_get_url (service);
  g_print ("listening on %s\n", url);
  fflush (stdout);
  g_main_loop_run (loop);

  g_source_remove (term_id);
  g_source_remove (int_id);
  g_signal_handlers_disconnect_by_data (service, &serving);
  g_clear_object (&service);
  /* Let the closed client connections finish tearing down. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_message ("stopped");
  return 0;
}

int
upgctl_cmd_serve (UpgCtl *ctl,
                  int     argc,
                  char  **argv)
{
  g_autofree char *listen = NULL;
  gboolean list_routes = FALSE;
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen,
      N_("Address to listen on (default: service.listen, else 127.0.0.1:20080; port 0: any free port)"),
      N_("ADDR:PORT") },
    { "list-routes", 0, 0, G_OPTION_ARG_NONE, &list_routes,
      N_("Print the routes (METHOD PATH) and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!upgctl_parse_options (ctl, entries, "", &argc, &argv, &error)
      || !upgctl_expect_no_arguments (argc, argv, &error))
    return upgctl_fail (ctl, error);
  if (list_routes)
    {
      print_routes ();
      return 0;
    }
  upgctl_apply_environment (ctl);
  return serve (ctl, listen);
}
