/* upg-report-fields.c - reading journal and assessment JSON for reports
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What every renderer (text, Markdown, HTML) needs: tolerant accessors,
 * durations and the labels of steps, skips, figures and modes in the
 * operator's language.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <upgrade-spi.h>

#include "upg-estimate.h"
#include "upg-journal-private.h"
#include "upg-execution.h"
#include "upg-plan.h"
#include "upg-report-private.h"

/* Tolerant accessors ---------------------------------------------------- */

const char *
upg_report_member_string (JsonObject *object,
                          const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gint64
upg_report_member_int (JsonObject *object,
                       const char *name,
                       gint64      fallback)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    return json_node_get_int (node);
  if (type == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (node);
  return fallback;
}

JsonObject *
upg_report_member_object (JsonObject *object,
                          const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
upg_report_member_array (JsonObject *object,
                         const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

JsonObject *
upg_report_array_object (JsonArray *array,
                         guint      index)
{
  JsonNode *node = json_array_get_element (array, index);

  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* Returns milliseconds since the epoch, or -1 when @iso8601 is absent or
 * not a time. */
gint64
upg_report_parse_time_ms (const char *iso8601)
{
  g_autoptr(GDateTime) time = NULL;

  if (iso8601 == NULL)
    return -1;
  time = g_date_time_new_from_iso8601 (iso8601, NULL);
  if (time == NULL)
    return -1;
  return g_date_time_to_unix (time) * 1000 + g_date_time_get_microsecond (time) / 1000;
}

/* Measured durations as the CLI shows them while running: `850ms`,
 * `1.2s`, `2m30s`, `1h05m` (upg_format_duration()). */
char *
upg_report_format_ms (gint64 duration_ms)
{
  if (duration_ms < 0)
    return g_strdup ("-");
  return upg_format_duration (duration_ms);
}

char *
upg_report_step_label (JsonObject *step)
{
  const char *id = upg_report_member_string (step, "id");
  const char *name = upg_report_member_string (step, "name");

  if (id == NULL)
    id = upg_report_member_string (step, "step_id");
  if (id == NULL)
    id = "?";
  if (name != NULL && g_strcmp0 (name, id) != 0)
    return g_strdup_printf ("%s (%s)", id, name);
  return g_strdup (id);
}

/* Why a step was skipped, in the operator's language: @because as the
 * journal and the step-finished signal carry it (NULL, the earlier
 * execution's id alone or in the engine's English sentence, or another
 * sentence of the engine's, translated when the catalogue has it). */
char *
upg_report_skip_note (const char *because)
{
  if (because == NULL)
    return g_strdup (_("(skipped)"));
  if (g_str_has_prefix (because, UPG_JOURNAL_SKIP_ALREADY_SUCCEEDED))
    because += strlen (UPG_JOURNAL_SKIP_ALREADY_SUCCEEDED);
  if (strchr (because, ' ') != NULL)
    return g_strdup_printf ("(%s)", _(because));
  return g_strdup_printf (_("(already succeeded in %s)"), because);
}

/* What a step said: why it failed, or what a succeeding built-in step
 * found (a verification's values, a health check's status). */
const char *
upg_report_step_message (JsonObject *step)
{
  const char *error = upg_report_member_string (step, "error");

  return error != NULL ? error : upg_report_member_string (step, "result");
}

/* What follows the step label: "(2m30s)", "(already succeeded in …)". */
char *
upg_report_step_note (JsonObject *step)
{
  const char *status = upg_report_member_string (step, "status");
  const char *because = upg_report_member_string (step, "skipped_because");
  g_autofree char *duration = NULL;

  if (g_strcmp0 (status, "SKIPPED") == 0)
    return upg_report_skip_note (because);
  if (g_strcmp0 (status, "PENDING") == 0)
    return g_strdup (_("(not started)"));
  duration = upg_report_format_ms (upg_report_member_int (step, "duration_ms", -1));
  return g_strdup_printf ("(%s)", duration);
}

char *
upg_report_figures_text (JsonObject *figures)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GList) names = figures != NULL ? json_object_get_members (figures) : NULL;

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (figures, l->data);
      g_autofree char *value = NULL;

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        value = g_strdup (json_node_get_string (node));
      else
        value = json_to_string (node, FALSE);
      g_string_append_printf (text, "%s%s=%s", text->len > 0 ? ", " : "",
                              (const char *) l->data, value);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* A plan's @mode as in its JSON (`rolling`, `stop-service`) in the
 * operator's language, as `upgradectl plan` names it; @mode if unknown. */
const char *
upg_report_mode_label (const char *mode)
{
  if (g_strcmp0 (mode, "rolling") == 0)
    return _("rolling upgrade");
  if (g_strcmp0 (mode, "stop-service") == 0)
    return _("stop-service upgrade");
  return mode;
}

static const char *
dash_if_null (const char *text)
{
  return text != NULL ? text : "-";
}

/*
 * upg_report_notification_text:
 * @n: one of the execution's `notifications`
 *
 * Returns: (transfer full): one line: the event, where it went, and
 *   whether it arrived — a failed one with its last error
 */
char *
upg_report_notification_text (JsonObject *n)
{
  const char *status = upg_report_member_string (n, "status");
  int attempts = (int) upg_report_member_int (n, "attempts", 0);

  if (g_strcmp0 (status, "DELIVERED") == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s to %s: delivered (HTTP %d, %d attempt)",
                                         "%s to %s: delivered (HTTP %d, %d attempts)", attempts),
                            dash_if_null (upg_report_member_string (n, "event")),
                            dash_if_null (upg_report_member_string (n, "url")),
                            (int) upg_report_member_int (n, "http_status", 0), attempts);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s to %s: %s (%d attempt): %s",
                                       "%s to %s: %s (%d attempts): %s", attempts),
                          dash_if_null (upg_report_member_string (n, "event")),
                          dash_if_null (upg_report_member_string (n, "url")),
                          g_strcmp0 (status, "FAILED") == 0 ? _("not delivered") : _("unfinished"),
                          attempts, dash_if_null (upg_report_member_string (n, "error")));
}
