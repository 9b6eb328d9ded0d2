/* upg-service-table.c - the routes of the service and their matching
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Apart from upg-service.c, which routes libsoup's requests, so that
 * upg-service-direct.c, which answers some on the socket, routes them the
 * same way.
 */
#include "config.h"

#include <string.h>

#include "upg-service-private.h"

static const UpgServiceRoute routes[] = {
  { { "GET", "/api/v1/health", FALSE, TRUE }, upg_service_handle_health },
  { { "GET", "/api/v1/upgrade/plan", FALSE, FALSE }, upg_service_handle_plan },
  { { "POST", "/api/v1/upgrade/assess", FALSE, FALSE }, upg_service_handle_assess },
  { { "POST", "/api/v1/upgrade/execute", FALSE, FALSE }, upg_service_handle_execute },
  { { "POST", "/api/v1/upgrade/confirm", FALSE, FALSE }, upg_service_handle_confirm },
  { { "GET", "/api/v1/upgrade/status/{id}", FALSE, FALSE }, upg_service_handle_status },
  { { "POST", "/api/v1/upgrade/resume/{id}", FALSE, FALSE }, upg_service_handle_resume },
  { { "GET", "/api/v1/upgrade/report", FALSE, FALSE }, upg_service_handle_upgrade_report },
  { { "GET", "/api/v1/upgrade/report/{id}", FALSE, FALSE }, upg_service_handle_report },
  { { "GET", "/api/v1/upgrade/logs/{id}", FALSE, FALSE }, upg_service_handle_logs },
  { { "GET", UPG_SERVICE_EVENTS_PREFIX "/{id}", TRUE, FALSE }, upg_service_handle_events },
  { { "GET", "/api/v1/upgrade/migrations", FALSE, FALSE }, upg_service_handle_migrations },
  { { "POST", "/api/v1/upgrade/migrations/{id}/pause", FALSE, FALSE }, upg_service_handle_migration_pause },
  { { "POST", "/api/v1/upgrade/migrations/{id}/resume", FALSE, FALSE }, upg_service_handle_migration_resume },
  { { "POST", "/api/v1/upgrade/migrations/{id}/cancel", FALSE, FALSE }, upg_service_handle_migration_cancel },
  { { "GET", "/metrics", FALSE, FALSE }, upg_service_handle_metrics },
};

/**
 * upg_service_get_routes:
 * @n_routes: (out): the number of routes
 *
 * The routes the service answers, for `upgraded --list-routes` and the
 * test that holds the OpenAPI document to them.
 *
 * Returns: (transfer none) (array length=n_routes): the routes
 */
const UpgServiceRouteInfo *
upg_service_get_routes (guint *n_routes)
{
  static UpgServiceRouteInfo infos[G_N_ELEMENTS (routes)];

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    infos[i] = routes[i].info;
  *n_routes = G_N_ELEMENTS (routes);
  return infos;
}

/* Whether @path fits @pattern; the `{id}` segment goes to @id. */
static gboolean
path_matches (const char *pattern,
              const char *path,
              char      **id)
{
  const char *hole = strstr (pattern, "{id}");
  const char *suffix;
  gsize prefix, path_length, suffix_length, id_length;

  if (hole == NULL)
    return strcmp (pattern, path) == 0;
  /* `{id}` may be followed by more of the path (…/{id}/pause). */
  prefix = hole - pattern;
  suffix = hole + strlen ("{id}");
  suffix_length = strlen (suffix);
  path_length = strlen (path);
  if (strncmp (pattern, path, prefix) != 0 || path_length <= prefix + suffix_length ||
      strcmp (path + path_length - suffix_length, suffix) != 0)
    return FALSE;
  id_length = path_length - prefix - suffix_length;
  if (memchr (path + prefix, '/', id_length) != NULL)
    return FALSE;
  *id = g_strndup (path + prefix, id_length);
  return TRUE;
}

/**
 * upg_service_route_public:
 * @self: the service
 * @route: one of its routes
 *
 * /metrics is public when service.metrics_public says so (Prometheus
 * scrapes without a token).
 *
 * Returns: whether @route answers without the token
 */
gboolean
upg_service_route_public (UpgService            *self,
                          const UpgServiceRoute *route)
{
  return route->info.public || (route->handler == upg_service_handle_metrics && self->metrics_public);
}

/* Whether @route answers @method: a HEAD is answered as a GET whose body
 * libsoup leaves out (RFC 9110 §9.3.2), so that monitors and load
 * balancers that probe with HEAD see the service up. A WebSocket has no
 * HEAD. */
static gboolean
route_answers (const UpgServiceRoute *route,
               const char            *method)
{
  if (strcmp (route->info.method, method) == 0)
    return TRUE;
  return strcmp (method, "HEAD") == 0 && strcmp (route->info.method, "GET") == 0
         && !route->info.websocket;
}

/**
 * upg_service_route_find:
 * @method: a request's method
 * @path: its path, without the query
 * @id: (out) (transfer full): the route's `{id}` segment, if it has one
 * @allowed: (inout): the methods of the routes of @path, comma-separated,
 *   when none is for @method (405)
 *
 * A HEAD takes the GET route of @path.
 *
 * Returns: (nullable): the route of @method on @path, %NULL if none
 */
const UpgServiceRoute *
upg_service_route_find (const char  *method,
                        const char  *path,
                        char       **id,
                        GString    **allowed)
{
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      g_autofree char *segment = NULL;

      if (!path_matches (routes[i].info.path, path, &segment))
        continue;
      if (route_answers (&routes[i], method))
        {
          *id = g_steal_pointer (&segment);
          return &routes[i];
        }
      if (*allowed == NULL)
        *allowed = g_string_new (routes[i].info.method);
      else
        g_string_append_printf (*allowed, ", %s", routes[i].info.method);
      if (route_answers (&routes[i], "HEAD") && strcmp (routes[i].info.method, "HEAD") != 0)
        g_string_append (*allowed, ", HEAD");
    }
  return NULL;
}

/**
 * upg_service_route_guarded:
 * @self: the service
 * @method: a request's method
 * @path: its path, without the query
 *
 * The route a request would take, for answering it without libsoup (see
 * upg-service-direct.c): its path pattern if @method on @path has a
 * route that requires the token, %NULL if it has none (404 or 405) or a
 * public one.
 *
 * Returns: (transfer none) (nullable): the route's path pattern
 */
const char *
upg_service_route_guarded (UpgService *self,
                           const char *method,
                           const char *path)
{
  g_autofree char *id = NULL;
  g_autoptr(GString) allowed = NULL;
  const UpgServiceRoute *route = upg_service_route_find (method, path, &id, &allowed);

  return route != NULL && !upg_service_route_public (self, route) ? route->info.path : NULL;
}
