/* upg-plugin-protocol-private.h - what the plugin manager and its host say
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The manager starts the host with a socket as file descriptor
 * UPG_PLUGIN_CHANNEL_FD and writes one request line (JSON) to it. The host
 * answers with event lines (JSON objects with a member "event"):
 *
 *   {"event":"describe","plugin":{name, version, component, abi_version,
 *                                 types:[{name, interfaces:[…], actions:[…]}]}}
 *   {"event":"enter","what":"Type.method"}      before each plugin call
 *   {"event":"log","level":N,"message":"…"}
 *   {"event":"progress","done":N,"total":N,"message":"…"}
 *   {"event":"checkpoint","checkpoint":"…"}    the manager answers with
 *                                               {"ack":true} or
 *                                               {"ack":false,"error":{…}}
 *   {"event":"result","result":{…UpgCheckResult…}}
 *   {"event":"done","ok":true} or {"event":"done","ok":false,"error":{…}}
 *
 * Errors travel as {"domain":"<quark>","code":N,"message":"…"}. Requests and
 * contexts never travel through argv (they may name data sources whose
 * password an environment variable holds).
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define UPG_PLUGIN_CHANNEL_FD 3

/* The longest event line read whole (a checkpoint, a result): longer is
 * a protocol error. */
#define UPG_PLUGIN_MAX_LINE (16u << 20)
/* The longest text a plugin's log line, progress message or output line
 * keeps: longer is cut (upg_plugin_protocol_cut_text()). */
#define UPG_PLUGIN_MAX_TEXT (64u << 10)

JsonNode *upg_plugin_protocol_error_to_json   (const GError  *error);
GError   *upg_plugin_protocol_error_from_json (JsonNode      *node);
gboolean  upg_plugin_protocol_write_line      (GOutputStream *stream,
                                               JsonNode      *node,
                                               GCancellable  *cancellable,
                                               GError       **error);
JsonNode *upg_plugin_protocol_parse_line      (const char    *line,
                                               GError       **error);
char     *upg_plugin_protocol_cut_text        (const char    *text,
                                               gsize          length);

int       upg_plugin_host_main                (int            channel_fd);

G_END_DECLS
