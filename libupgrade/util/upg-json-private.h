/* upg-json-private.h - typed JSON reading with JSON-path error messages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <upgrade-spi.h>

G_BEGIN_DECLS

/*
 * UpgJsonCtx:
 * @file: the file being read, named in every error
 * @code: the #UpgError code errors carry (INVALID_MANIFEST, INVALID_CONFIG…)
 *
 * Where a value comes from, so that an error can say "FILE: $.a.b[1]: expected …".
 */
typedef struct {
  const char *file;
  UpgError    code;
} UpgJsonCtx;

/* How deep arrays and objects may nest in any JSON the project reads
 * (SPEC §10): json-glib's parser recurses per level. */
#define UPG_JSON_MAX_DEPTH 64

gboolean    upg_json_check_depth     (const char        *data,
                                      gssize             length,
                                      const char        *what,
                                      UpgError           code,
                                      GError           **error);
JsonNode   *upg_json_load            (const char        *data,
                                      gssize             length,
                                      const char        *what,
                                      UpgError           code,
                                      GError           **error);
JsonNode   *upg_json_parse           (const char        *data,
                                      gssize             length,
                                      const UpgJsonCtx  *ctx,
                                      GError           **error);
JsonNode   *upg_json_parse_file      (const UpgJsonCtx  *ctx,
                                      GError           **error);
gboolean    upg_json_read_file       (const UpgJsonCtx  *ctx,
                                      char             **contents,
                                      gsize             *length,
                                      GError           **error);

gboolean    upg_json_fail            (const UpgJsonCtx  *ctx,
                                      const char        *path,
                                      GError           **error,
                                      const char        *format,
                                      ...) G_GNUC_PRINTF (4, 5);
const char *upg_json_type_name       (JsonNode          *node);
char       *upg_json_member_path     (const char        *path,
                                      const char        *member);

/* upg-json-members.c */
gboolean    upg_json_require_object  (const UpgJsonCtx  *ctx,
                                      JsonNode          *node,
                                      const char        *path,
                                      JsonObject       **out,
                                      GError           **error);
gboolean    upg_json_get_object      (const UpgJsonCtx  *ctx,
                                      JsonObject        *object,
                                      const char        *path,
                                      const char        *member,
                                      JsonObject       **out,
                                      GError           **error);
gboolean    upg_json_get_array       (const UpgJsonCtx  *ctx,
                                      JsonObject        *object,
                                      const char        *path,
                                      const char        *member,
                                      JsonArray        **out,
                                      GError           **error);
gboolean    upg_json_get_string      (const UpgJsonCtx  *ctx,
                                      JsonObject        *object,
                                      const char        *path,
                                      const char        *member,
                                      gboolean           required,
                                      const char       **out,
                                      GError           **error);
gboolean    upg_json_get_name        (const UpgJsonCtx  *ctx,
                                      JsonObject        *object,
                                      const char        *path,
                                      const char        *member,
                                      const char        *expected,
                                      const char       **out,
                                      GError           **error);
gboolean    upg_json_get_localized_string (const UpgJsonCtx  *ctx,
                                           JsonObject        *object,
                                           const char        *path,
                                           const char        *member,
                                           gboolean           required,
                                           const char       **out,
                                           GError           **error);
gboolean    upg_json_get_uint        (const UpgJsonCtx  *ctx,
                                      JsonObject        *object,
                                      const char        *path,
                                      const char        *member,
                                      guint64            max,
                                      guint64           *out,
                                      GError           **error);
gboolean    upg_json_get_bool        (const UpgJsonCtx  *ctx,
                                      JsonObject        *object,
                                      const char        *path,
                                      const char        *member,
                                      gboolean          *out,
                                      GError           **error);
gboolean    upg_json_get_strv        (const UpgJsonCtx  *ctx,
                                      JsonObject        *object,
                                      const char        *path,
                                      const char        *member,
                                      gboolean           non_empty,
                                      char            ***out,
                                      GError           **error);
gboolean    upg_json_get_version     (const UpgJsonCtx  *ctx,
                                      JsonObject        *object,
                                      const char        *path,
                                      const char        *member,
                                      gboolean           required,
                                      UpgVersion       **out,
                                      GError           **error);

/* upg-json-known.c */
const char *upg_json_closest_name    (const char         *name,
                                      const char * const *known);
guint       upg_json_check_members   (const UpgJsonCtx   *ctx,
                                      JsonObject         *object,
                                      const char         *path,
                                      const char * const *known,
                                      GPtrArray          *problems);

G_END_DECLS
