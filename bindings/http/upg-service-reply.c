/* upg-service-reply.c - answers, errors, the token and log lines
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What every part of the service uses to answer a request, check its
 * token and log: below the routes and the service object, which call it,
 * and calling none of them.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "upg-service-private.h"
#include "upgradectl-log.h"

/* ---- answers ---------------------------------------------------------- */

void
upg_service_reply_text (SoupServerMessage *msg,
                        guint              status,
                        const char        *content_type,
                        const char        *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, text, strlen (text));
}

void
upg_service_reply_json (SoupServerMessage *msg,
                        guint              status,
                        JsonNode          *node)
{
  g_autofree char *text = json_to_string (node, FALSE);
  g_autofree char *line = g_strconcat (text, "\n", NULL);

  upg_service_reply_text (msg, status, "application/json", line);
}

void
upg_service_reply_error (SoupServerMessage *msg,
                         guint              status,
                         const char        *code,
                         const char        *message)
{
  g_autoptr(JsonNode) node = upg_service_error_new (code, message);

  upg_service_reply_json (msg, status, node);
}

/* The message of every 401, whichever path answers it (libsoup's, or
 * upg-service-direct.c on the socket). */
const char *
upg_service_unauthorized_message (void)
{
  return _("a valid bearer token is required (Authorization: Bearer …)");
}

/* The body of every error answer (SPEC §10): `{"code", "message"}`. The
 * message may quote what the client sent (json-glib quotes the bytes of
 * a lone surrogate, \ud800, as they are): made valid UTF-8, or the error
 * itself would not parse as JSON. */
JsonNode *
upg_service_error_new (const char *code,
                       const char *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *valid = g_utf8_make_valid (message, -1);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, valid);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* Bad input is the caller's (400), a missing execution 404, a held lock,
 * exhausted resumes or checks not passed a conflict (409); anything else is ours (500). */
guint
upg_service_status_for_error (const GError *error)
{
  if (error->domain != UPG_ERROR)
    return SOUP_STATUS_INTERNAL_SERVER_ERROR;
  switch ((UpgError) error->code)
    {
    case UPG_ERROR_INVALID_ARGUMENT:
    case UPG_ERROR_INVALID_VERSION:
    case UPG_ERROR_INVALID_STAGE:
    case UPG_ERROR_PLAN:
      return SOUP_STATUS_BAD_REQUEST;
    case UPG_ERROR_NOT_FOUND:
      return SOUP_STATUS_NOT_FOUND;
    case UPG_ERROR_LOCKED:
    case UPG_ERROR_RESUME_LIMIT:
    case UPG_ERROR_CONFIRMATION_REQUIRED:
    case UPG_ERROR_CHECK_FAILED:    /* a stage refused until its checks passed */
      return SOUP_STATUS_CONFLICT;
    default:
      return SOUP_STATUS_INTERNAL_SERVER_ERROR;
    }
}

void
upg_service_reply_gerror (SoupServerMessage *msg,
                          const GError      *error)
{
  const char *code = error->domain == UPG_ERROR || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                     ? upg_error_code_nick (error) : "internal";

  upg_service_reply_error (msg, upg_service_status_for_error (error), code, error->message);
}

/**
 * upg_service_log:
 * @execution_id: (nullable): the execution the line is about
 * @level: its level
 * @format: printf format
 *
 * Logs a line of the service through the structured log writer, tagged
 * with the execution's id when there is one (SPEC §3).
 */
void
upg_service_log (const char     *execution_id,
                 GLogLevelFlags  level,
                 const char     *format,
                 ...)
{
  g_autofree char *message = NULL;
  va_list args;
  GLogField fields[3] = {
    { "GLIB_DOMAIN", G_LOG_DOMAIN, -1 },
    { "MESSAGE", NULL, -1 },
    { UPGCTL_LOG_FIELD_EXECUTION_ID, execution_id, -1 },
  };

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fields[1].value = message;
  g_log_structured_array (level, fields, execution_id != NULL ? 3 : 2);
}

/* ---- the token -------------------------------------------------------- */

/**
 * upg_service_read_token:
 * @path: (nullable): `service.token_file`
 * @error: return location for an error (%UPG_ERROR_INVALID_CONFIG)
 *
 * Reads the bearer token. The service refuses to start without one, with
 * an empty one, or when the file is readable or writable by others (like
 * ssh with a private key: a token anybody on the host can read protects
 * nothing). Surrounding white space (a trailing newline) is not part of it.
 *
 * Returns: (transfer full): the token, or %NULL
 */
char *
upg_service_read_token (const char *path,
                        GError    **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  struct stat st;

  if (path == NULL)
    {
      g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG,
                           _("service.token_file: the service needs a bearer token file in the configuration"));
      return NULL;
    }
  if (g_stat (path, &st) != 0 || !g_file_get_contents (path, &contents, NULL, &local_error))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG,
                   _("service.token_file: cannot read '%s': %s"), path,
                   local_error != NULL ? local_error->message : g_strerror (errno));
      return NULL;
    }
  if ((st.st_mode & (S_IROTH | S_IWOTH)) != 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG,
                   _("service.token_file: '%s' is readable or writable by others (mode %04o); "
                     "expected 0600 or 0640"), path, (guint) (st.st_mode & 07777));
      return NULL;
    }
  g_strstrip (contents);
  if (*contents == '\0')
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG,
                   _("service.token_file: '%s' is empty; expected a token"), path);
      return NULL;
    }
  return g_steal_pointer (&contents);
}

static void
token_digest (const char *text,
              guint8      digest[32])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize length = 32;

  g_checksum_update (checksum, (const guchar *) text, -1);
  g_checksum_get_digest (checksum, digest, &length);
}

/* Constant time: the digests have a fixed length and every byte is
 * compared, so neither the length nor a common prefix shows in the time. */
static gboolean
token_equal (const char *expected,
             const char *given)
{
  guint8 a[32], b[32];
  guint8 difference = 0;

  token_digest (expected, a);
  token_digest (given, b);
  for (guint i = 0; i < sizeof a; i++)
    difference |= a[i] ^ b[i];
  return difference == 0;
}

/**
 * upg_service_token_matches:
 * @self: the service
 * @authorization: (nullable): the request's `Authorization` header
 *
 * Returns: whether it is `Bearer` and the service's token
 */
gboolean
upg_service_token_matches (UpgService *self,
                           const char *authorization)
{
  const char *value = authorization;

  if (value == NULL || g_ascii_strncasecmp (value, "Bearer ", 7) != 0)
    return FALSE;
  value += 7;
  while (*value == ' ')
    value++;
  return token_equal (self->token, value);
}
