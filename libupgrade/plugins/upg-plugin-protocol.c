/* upg-plugin-protocol.c - encoding shared by the plugin manager and its host
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <upgrade-spi.h>

#include "upg-plugin-protocol-private.h"
#include "upg-json-private.h"

JsonNode *
upg_plugin_protocol_error_to_json (const GError *error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "domain");
  json_builder_add_string_value (builder, g_quark_to_string (error->domain));
  json_builder_set_member_name (builder, "code");
  json_builder_add_int_value (builder, error->code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, error->message);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* Errors of UPG_ERROR keep their code; a cancellation stays GIO's
 * (as does the deprecated UPG_ERROR_CANCELLED of a plugin built against
 * an older SPI, so that the engine sees one cancellation); anything else
 * is the plugin's failure. */
GError *
upg_plugin_protocol_error_from_json (JsonNode *node)
{
  JsonObject *object;
  const char *domain, *message;
  gint64 code;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return g_error_new (UPG_ERROR, UPG_ERROR_PLUGIN, _("plugin host reported a malformed error"));
  object = json_node_get_object (node);
  domain = json_object_get_string_member_with_default (object, "domain", "");
  code = json_object_get_int_member_with_default (object, "code", 0);
  message = json_object_get_string_member_with_default (object, "message", "(no message)");
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (g_strcmp0 (domain, g_quark_to_string (UPG_ERROR)) == 0 && code == UPG_ERROR_CANCELLED)
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, message);
  G_GNUC_END_IGNORE_DEPRECATIONS
  if (g_strcmp0 (domain, g_quark_to_string (UPG_ERROR)) == 0)
    return g_error_new_literal (UPG_ERROR, (int) code, message);
  if (g_strcmp0 (domain, g_quark_to_string (G_IO_ERROR)) == 0 && code == G_IO_ERROR_CANCELLED)
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, message);
  return g_error_new_literal (UPG_ERROR, UPG_ERROR_PLUGIN, message);
}

gboolean
upg_plugin_protocol_write_line (GOutputStream *stream,
                                JsonNode      *node,
                                GCancellable  *cancellable,
                                GError       **error)
{
  g_autofree char *text = json_to_string (node, FALSE);
  g_autofree char *line = g_strconcat (text, "\n", NULL);

  return g_output_stream_write_all (stream, line, strlen (line), NULL, cancellable, error);
}

JsonNode *
upg_plugin_protocol_parse_line (const char  *line,
                                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *node = upg_json_load (line, -1, "line", UPG_ERROR_PLUGIN,
                                  &local_error);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_PLUGIN,
                   _("plugin host sent a line that is not a JSON object: %s"),
                   local_error ? local_error->message : _("empty or not an object"));
      g_clear_pointer (&node, json_node_unref);
      return NULL;
    }
  return node;
}

/*
 * upg_plugin_protocol_cut_text:
 * @text: a text a plugin gave, of @length bytes
 *
 * A log line of megabytes (a plugin logging a whole file) is no use to
 * the operator and costs the engine its memory: @text longer than
 * %UPG_PLUGIN_MAX_TEXT keeps its beginning and says it was cut.
 *
 * Returns: (transfer full) (nullable): the cut text, or %NULL when
 *   @text is not longer than the limit
 */
char *
upg_plugin_protocol_cut_text (const char *text,
                              gsize       length)
{
  if (length <= UPG_PLUGIN_MAX_TEXT)
    return NULL;
  /* TRANSLATORS: the beginning of a long line a plugin logged or printed,
   * then how much of it is kept */
  return g_strdup_printf (_("%.*s […line cut at %u KiB]"), (int) UPG_PLUGIN_MAX_TEXT, text,
                          UPG_PLUGIN_MAX_TEXT >> 10);
}
