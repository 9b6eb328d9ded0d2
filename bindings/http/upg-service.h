/* upg-service.h - the HTTP service of libupgrade (`upgraded`, `upgradectl serve`)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <upgrade.h>

G_BEGIN_DECLS

/**
 * UPG_SERVICE_DEFAULT_LISTEN:
 *
 * Where the service listens when neither `--listen` nor `service.listen`
 * say otherwise: loopback only.
 */
#define UPG_SERVICE_DEFAULT_LISTEN "127.0.0.1:20080"

/**
 * UpgServiceRouteInfo:
 * @method: `GET` or `POST`
 * @path: the path pattern, `{id}` standing for one path segment
 * @websocket: whether the route is a WebSocket
 * @public: whether it answers without the bearer token
 *
 * One route of the service, as `upgraded --list-routes` prints it.
 */
typedef struct {
  const char *method;
  const char *path;
  gboolean    websocket;
  gboolean    public;
} UpgServiceRouteInfo;

#define UPG_TYPE_SERVICE (upg_service_get_type ())

G_DECLARE_FINAL_TYPE (UpgService, upg_service, UPG, SERVICE, GObject)

const UpgServiceRouteInfo *upg_service_get_routes    (guint        *n_routes);

char       *upg_service_read_token   (const char   *path,
                                      GError      **error);
UpgService *upg_service_new          (UpgConfig    *config,
                                      UpgBundle    *bundle,
                                      UpgJournal   *journal,
                                      const char   *state_dir,
                                      const char   *token);
guint       upg_service_recover      (UpgService   *self,
                                      GError      **error);
gboolean    upg_service_listen       (UpgService   *self,
                                      const char   *address,
                                      GError      **error);
char       *upg_service_get_url      (UpgService   *self);
void        upg_service_shutdown     (UpgService   *self);
gboolean    upg_service_is_idle      (UpgService   *self);

G_END_DECLS
