/* upg-service-private.h - what the parts of UpgService share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "upg-service.h"

G_BEGIN_DECLS

typedef struct _UpgServiceMetrics UpgServiceMetrics;
typedef struct _UpgServiceConn UpgServiceConn;

/* One stage run (execute or resume) started by this process. It is kept
 * from the request until the executor's callback: by site (one run per
 * site) and, once the run said which execution it is, by id. */
typedef struct {
  gint               ref_count;
  UpgService        *service;        /* not owned: the service outlives its runs */
  UpgRun            *run;            /* its signals and execution are this run's */
  GCancellable      *cancellable;
  char              *site;
  char              *id;             /* NULL until execution-started */
  SoupServerMessage *pending;        /* the request answered at execution-started */
  GPtrArray         *subscribers;    /* SoupWebsocketConnection, events of this run */
  UpgExecution      *live;           /* kept up to date from the signals: status
                                      * queries of a running execution do not
                                      * compete with its writes for the journal */
  char              *current_step;
  char              *position;
  gulong             log_handler;    /* 0 while nobody wants its log lines */
} UpgServiceRun;

struct _UpgService
{
  GObject            parent_instance;

  UpgConfig         *config;
  UpgBundle         *bundle;
  UpgJournal        *journal;
  UpgExecutor       *executor;       /* runs every UpgRun, loads executions and log paths */
  UpgPluginManager  *plugins;
  char              *state_dir;
  char              *token;
  SoupServer        *server;
  GHashTable        *runs_by_site;   /* site → UpgServiceRun */
  GHashTable        *runs_by_id;     /* execution id → UpgServiceRun */
  UpgServiceMetrics *metrics;
  GHashTable        *routes;         /* SoupServerMessage → its route's path pattern
                                      * (static), from its head until libsoup
                                      * lets it go; for the request metrics */
  gboolean           shutting_down;

  /* Limits (service.max_body, service.idle_timeout, service.metrics_public) */
  guint64            max_body;
  guint              idle_timeout;
  gboolean           metrics_public;

  /* upg-service-conn.c: the connections this process accepts itself */
  GSocket           *listen_socket;
  GSource           *accept_source;  /* the listening socket's, or a pause */
  GHashTable        *conns;          /* UpgServiceConn set, owned */
  GHashTable        *conns_by_key;   /* remote address → UpgServiceConn in libsoup's hands */
  guint              conn_limit;     /* of RLIMIT_NOFILE, room left for executions */
  char              *peek_buffer;

  /* upg-service-direct.c: the Date header of this second */
  gint64             date_second;
  char               date_header[48];

  /* upg-service-routes.c: the journal's last answer to the health check */
  gint64             health_time;    /* monotonic, 0 before the first */
  char              *health_error;   /* NULL: it answered */
  gboolean           health_pinging;
  GPtrArray         *health_waiting; /* SoupServerMessage paused until it answers */

  /* upg-service-metrics.c: scrapes waiting for the next journal read */
  GPtrArray         *metrics_waiting; /* SoupServerMessage */
  gboolean           metrics_reading;
};

/* A route handler: @id is the `{id}` segment or NULL. It answers @msg, or
 * pauses it and answers later. */
typedef void (*UpgServiceHandler) (UpgService        *self,
                                   SoupServerMessage *msg,
                                   const char        *id);

/* upg-service.c: answers */
void     upg_service_reply_json       (SoupServerMessage *msg,
                                       guint              status,
                                       JsonNode          *node);
void     upg_service_reply_text       (SoupServerMessage *msg,
                                       guint              status,
                                       const char        *content_type,
                                       const char        *text);
void     upg_service_reply_error      (SoupServerMessage *msg,
                                       guint              status,
                                       const char        *code,
                                       const char        *message);
const char *upg_service_unauthorized_message (void);
JsonNode *upg_service_error_new       (const char        *code,
                                       const char        *message);
void     upg_service_reply_gerror     (SoupServerMessage *msg,
                                       const GError      *error);
guint    upg_service_status_for_error (const GError      *error);
void     upg_service_run_ended        (UpgService        *self);
gboolean upg_service_token_matches    (UpgService        *self,
                                       const char        *authorization);
void     upg_service_log              (const char        *execution_id,
                                       GLogLevelFlags     level,
                                       const char        *format,
                                       ...) G_GNUC_PRINTF (3, 4);

/* upg-service-request.c: request fields with their CI/CD aliases */
typedef struct {
  UpgVersion    *from;
  UpgVersion    *to;
  UpgStage       stage;
  gboolean       has_stage;
  char          *site;
  char          *component;
  JsonObject    *env;
  char          *action;
  gboolean       confirm;         /* execute: confirm the steps that need it */
  gboolean       skip_checks;     /* execute: run although the check stages did not pass */
  GStrv          steps;           /* confirm: the ids of the steps, NULL: all */
} UpgServiceRequest;

void        upg_service_request_clear     (UpgServiceRequest *request);
gboolean    upg_service_request_read        (SoupServerMessage *msg,
                                             UpgServiceRequest *request,
                                             GError           **error);
UpgPlan    *upg_service_request_plan        (UpgService        *self,
                                             SoupServerMessage *msg,
                                             UpgServiceRequest *request,
                                             gboolean           need_stage);
gboolean    upg_service_request_require     (UpgService        *self,
                                             UpgServiceRequest *request,
                                             gboolean           need_stage,
                                             GError           **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (UpgServiceRequest, upg_service_request_clear)

/* upg-service-routes.c: the synchronous routes */
void     upg_service_handle_health    (UpgService *self, SoupServerMessage *msg, const char *id);
void     upg_service_handle_plan      (UpgService *self, SoupServerMessage *msg, const char *id);
void     upg_service_handle_assess    (UpgService *self, SoupServerMessage *msg, const char *id);
void     upg_service_handle_status    (UpgService *self, SoupServerMessage *msg, const char *id);
void     upg_service_handle_report    (UpgService *self, SoupServerMessage *msg, const char *id);
void     upg_service_handle_upgrade_report (UpgService *self, SoupServerMessage *msg, const char *id);
void     upg_service_handle_logs      (UpgService *self, SoupServerMessage *msg, const char *id);
JsonNode *upg_service_status_json     (UpgService *self, const char *id, GError **error);
JsonNode *upg_service_live_status_json (UpgService *self, const char *id);
JsonNode *upg_service_unknown_status_json (const char *id);
JsonNode *upg_service_health_json     (UpgService *self, guint *status);
gboolean upg_service_health_fresh     (UpgService *self);

/* upg-service-migrations.c: batched migrations */
void     upg_service_handle_migrations       (UpgService *self, SoupServerMessage *msg, const char *id);
void     upg_service_handle_migration_pause  (UpgService *self, SoupServerMessage *msg, const char *id);
void     upg_service_handle_migration_resume (UpgService *self, SoupServerMessage *msg, const char *id);
void     upg_service_handle_migration_cancel (UpgService *self, SoupServerMessage *msg, const char *id);

/* upg-service-runs.c: execute and resume */
void     upg_service_handle_execute   (UpgService *self, SoupServerMessage *msg, const char *id);
void     upg_service_handle_resume    (UpgService *self, SoupServerMessage *msg, const char *id);
void     upg_service_handle_confirm   (UpgService *self, SoupServerMessage *msg, const char *id);
UpgServiceRun *upg_service_run_ref    (UpgServiceRun *run);
void     upg_service_run_unref        (UpgServiceRun *run);
void     upg_service_cancel_runs      (UpgService *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgServiceRun, upg_service_run_unref)

/* upg-service-events.c: the WebSocket of one execution */
void     upg_service_handle_events    (UpgService *self, SoupServerMessage *msg, const char *id);
void     upg_service_events_accept    (UpgService              *self,
                                       const char              *id,
                                       SoupWebsocketConnection *connection);
void     upg_service_events_send      (UpgServiceRun *run,
                                       JsonNode      *event);
void     upg_service_events_close_all (UpgServiceRun *run);
void     upg_service_events_watch_log (UpgServiceRun *run);
JsonNode *upg_service_event_new       (const char *name,
                                       const char *first_member,
                                       ...);

/* upg-service-table.c: the routes */
#define UPG_SERVICE_EVENTS_PREFIX "/api/v1/upgrade/events"

typedef struct {
  UpgServiceRouteInfo info;
  UpgServiceHandler   handler;
} UpgServiceRoute;

const UpgServiceRoute *upg_service_route_find    (const char             *method,
                                                  const char             *path,
                                                  char                  **id,
                                                  GString               **allowed);
gboolean               upg_service_route_public  (UpgService             *self,
                                                  const UpgServiceRoute  *route);
const char            *upg_service_route_guarded (UpgService             *self,
                                                  const char             *method,
                                                  const char             *path);

/* upg-service-conn.c: accepting, waiting for a request, timeouts */
void     upg_service_conns_init        (UpgService        *self);
gboolean upg_service_conns_listen      (UpgService        *self,
                                        GSocketAddress    *address,
                                        GError           **error);
void     upg_service_conns_stop        (UpgService        *self);
void     upg_service_conns_clear       (UpgService        *self);
void     upg_service_conn_refuse       (UpgService        *self,
                                       SoupServerMessage *msg,
                                       const char        *route,
                                       guint              status,
                                       const char        *code,
                                       const char        *message);
void     upg_service_conn_request_read (UpgService        *self,
                                        SoupServerMessage *msg);
void     upg_service_conn_request_done (UpgService        *self,
                                        SoupServerMessage *msg);
void     upg_service_conn_keep         (UpgService        *self,
                                        SoupServerMessage *msg);

/* upg-service-direct.c: the frequent GET requests, without libsoup */
GString *upg_service_direct_answer     (UpgService        *self,
                                        const char        *head,
                                        gsize              length,
                                        gboolean          *keep_alive);

/* upg-service-head.c: heads libsoup must not read */
gboolean    upg_service_token_char     (char               c);
gboolean    upg_service_name_is        (const char        *name,
                                        gsize              length,
                                        const char        *expected);
const char *upg_service_head_refusal   (const char        *head,
                                        gsize              length,
                                        guint             *status,
                                        const char       **code);

/* upg-service-notify.c: systemd's readiness protocol */
gboolean upg_service_sd_notify         (const char        *state);

/* upg-service-metrics.c: Prometheus text */
UpgServiceMetrics *upg_service_metrics_new         (void);
void     upg_service_metrics_free                  (UpgServiceMetrics *metrics);
void     upg_service_metrics_count_request         (UpgServiceMetrics *metrics,
                                                    const char        *method,
                                                    const char        *route,
                                                    guint              status);
void     upg_service_metrics_count_connection      (UpgServiceMetrics *metrics);
void     upg_service_metrics_count_statement       (UpgServiceMetrics *metrics,
                                                    const char        *status);
void     upg_service_metrics_observe_step          (UpgServiceMetrics *metrics,
                                                    const char        *status,
                                                    gint64             duration_ms);
void     upg_service_metrics_count_execution       (UpgServiceMetrics *metrics,
                                                    const char        *status);
void     upg_service_handle_metrics   (UpgService *self, SoupServerMessage *msg, const char *id);

G_END_DECLS
