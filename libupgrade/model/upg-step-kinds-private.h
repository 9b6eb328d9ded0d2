/* upg-step-kinds-private.h - the built-in step kinds' own members
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "upg-step-private.h"
#include "upg-json-private.h"

G_BEGIN_DECLS

/* One check of a `verify` step: a single-value query compared with a
 * constant (`expect`) or with a second query (`equals`), possibly on
 * another data source. */
typedef struct {
  char     *database;
  char     *sql;
  JsonNode *expect;           /* nullable: the constant */
  char     *equals_database;  /* nullable: the other query's source */
  char     *equals_sql;
} UpgVerifyCheck;

void        upg_verify_check_free       (UpgVerifyCheck *check);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgVerifyCheck, upg_verify_check_free)

typedef struct {
  char  *url;
  guint  expect_status;
  char  *expect_body;         /* nullable: a substring of the body */
  guint  timeout;             /* seconds per request */
  guint  retries;             /* further attempts after the first */
  guint  interval;            /* seconds between attempts */
  char  *token_env;           /* nullable: bearer token variable */
} UpgHttpCheck;

void        upg_http_check_free         (UpgHttpCheck *check);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgHttpCheck, upg_http_check_free)

typedef enum {
  UPG_CONFIG_FORMAT_TEXT,
  UPG_CONFIG_FORMAT_JSON,
  UPG_CONFIG_FORMAT_YAML,
  UPG_CONFIG_FORMAT_INI,
  UPG_CONFIG_FORMAT_XML,
  UPG_CONFIG_FORMAT_PROPERTIES,
} UpgConfigFormat;

typedef struct {
  char            *target;    /* absolute path of the file replaced */
  char            *template;  /* relative to the bundle */
  UpgConfigFormat  format;
} UpgConfigRender;

void        upg_config_render_free      (UpgConfigRender *render);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UpgConfigRender, upg_config_render_free)

const char *upg_config_format_to_string (UpgConfigFormat format);

gboolean    upg_step_kinds_read         (const UpgJsonCtx  *ctx,
                                         JsonObject        *object,
                                         const char        *path,
                                         guint             *n_found,
                                         UpgStepKind       *kind,
                                         GError           **error);

GPtrArray       *upg_step_kinds_read_verify     (JsonObject *json,
                                                 const char *path,
                                                 const char *file);
UpgHttpCheck    *upg_step_kinds_read_http_check (JsonObject *json,
                                                 const char *path,
                                                 const char *file);
UpgConfigRender *upg_step_kinds_read_config     (JsonObject *json,
                                                 const char *path,
                                                 const char *file);

/* The members of a step of that kind (checked when it was read). */
static inline GPtrArray *
upg_step_get_verify_checks (UpgStep *step)
{
  return upg_step_kinds_read_verify (upg_step_get_json (step), upg_step_get_json_path (step),
                                     upg_step_get_source_file (step));
}

static inline UpgHttpCheck *
upg_step_get_http_check (UpgStep *step)
{
  return upg_step_kinds_read_http_check (upg_step_get_json (step), upg_step_get_json_path (step),
                                         upg_step_get_source_file (step));
}

static inline UpgConfigRender *
upg_step_get_config_render (UpgStep *step)
{
  return upg_step_kinds_read_config (upg_step_get_json (step), upg_step_get_json_path (step),
                                     upg_step_get_source_file (step));
}

G_END_DECLS
