/* upg-check-result.c - one item a check reports
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "upg-spi-i18n-private.h"

#include "upg-check-result.h"
#include "upg-error.h"

/**
 * UpgCheckResult:
 *
 * One item of an assessment: what was checked (its kind, id and name),
 * the verdict, a message a person understands, a suggestion how to fix a
 * warning or failure, and the figures the verdict is based on.
 */
struct _UpgCheckResult
{
  GObject     parent_instance;

  char       *kind;
  char       *id;
  char       *name;
  UpgVerdict  verdict;
  char       *message;
  char       *suggestion;
  JsonObject *figures;
};

G_DEFINE_FINAL_TYPE (UpgCheckResult, upg_check_result, G_TYPE_OBJECT)

static const char * const verdict_names[] = { "pass", "warn", "fail", "skipped" };

/**
 * upg_verdict_to_string:
 * @verdict: a verdict
 *
 * Gets the name of a verdict.
 *
 * Returns: (transfer none): the verdict's name as reports print it:
 *   `pass`, `warn`, `fail` or `skipped`
 */
const char *
upg_verdict_to_string (UpgVerdict verdict)
{
  g_return_val_if_fail (verdict <= UPG_VERDICT_SKIPPED, NULL);
  return verdict_names[verdict];
}

/**
 * upg_verdict_from_string:
 * @text: a verdict's name (`pass`, `warn`, `fail`, `skipped`; any case)
 * @verdict: (out): where to store the verdict
 * @error: return location for a #GError
 *
 * Parses the name of a verdict.
 *
 * Returns: %TRUE if @text names a verdict
 */
gboolean
upg_verdict_from_string (const char  *text,
                         UpgVerdict  *verdict,
                         GError     **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (verdict_names); i++)
    if (text != NULL && g_ascii_strcasecmp (text, verdict_names[i]) == 0)
      {
        *verdict = (UpgVerdict) i;
        return TRUE;
      }
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
               _("verdict '%s' is not valid: expected pass, warn, fail or skipped"),
               text ? text : "(null)");
  return FALSE;
}

/**
 * upg_verdict_worst:
 * @a: a verdict
 * @b: another verdict
 *
 * The worse of two verdicts, as an overall verdict is the worst item.
 * %UPG_VERDICT_SKIPPED is not a verdict: it only wins over another skip.
 *
 * Returns: the worse verdict
 */
UpgVerdict
upg_verdict_worst (UpgVerdict a,
                   UpgVerdict b)
{
  if (a == UPG_VERDICT_SKIPPED)
    return b;
  if (b == UPG_VERDICT_SKIPPED)
    return a;
  return MAX (a, b);
}

static void
upg_check_result_finalize (GObject *object)
{
  UpgCheckResult *self = UPG_CHECK_RESULT (object);

  g_free (self->kind);
  g_free (self->id);
  g_free (self->name);
  g_free (self->message);
  g_free (self->suggestion);
  json_object_unref (self->figures);

  G_OBJECT_CLASS (upg_check_result_parent_class)->finalize (object);
}

static void
upg_check_result_class_init (UpgCheckResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = upg_check_result_finalize;
}

static void
upg_check_result_init (UpgCheckResult *self)
{
  self->figures = json_object_new ();
}

/**
 * upg_check_result_new:
 * @kind: the check kind, e.g. %UPG_CHECK_KIND_RESOURCE
 * @id: the item's id (a rule id, `memory`, …)
 * @name: (nullable): a human name, %NULL to use @id
 * @verdict: the verdict
 * @message: (nullable): what was found
 *
 * Creates the result of one checked item.
 *
 * Returns: (transfer full): a new result without figures or suggestion
 */
UpgCheckResult *
upg_check_result_new (const char *kind,
                      const char *id,
                      const char *name,
                      UpgVerdict  verdict,
                      const char *message)
{
  UpgCheckResult *self;

  g_return_val_if_fail (kind != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  self = g_object_new (UPG_TYPE_CHECK_RESULT, NULL);
  self->kind = g_strdup (kind);
  self->id = g_strdup (id);
  self->name = g_strdup (name ? name : id);
  self->verdict = verdict;
  self->message = g_strdup (message);
  return self;
}

static const char *
member_string (JsonObject  *object,
               const char  *member,
               gboolean     required,
               GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                     _("check result: member '%s' is missing: expected a string"), member);
      return NULL;
    }
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("check result: member '%s' is not a string"), member);
      return NULL;
    }
  return json_node_get_string (node);
}

/**
 * upg_check_result_new_from_json:
 * @node: a JSON object as upg_check_result_to_json() writes it
 * @error: return location for a #GError
 *
 * Reads a result back, e.g. from a plugin host or a stored report.
 *
 * Returns: (transfer full): the result, or %NULL with @error set
 *   (%UPG_ERROR_INVALID_ARGUMENT naming the member)
 */
UpgCheckResult *
upg_check_result_new_from_json (JsonNode  *node,
                                GError   **error)
{
  JsonObject *object;
  const char *kind = NULL, *id = NULL, *name = NULL, *verdict_text = NULL;
  UpgVerdict verdict = UPG_VERDICT_FAIL;
  JsonNode *figures;
  GError *local_error = NULL;
  g_autoptr(UpgCheckResult) self = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("check result: expected a JSON object"));
      return NULL;
    }
  object = json_node_get_object (node);
  kind = member_string (object, "check", TRUE, &local_error);
  if (local_error == NULL)
    id = member_string (object, "id", TRUE, &local_error);
  if (local_error == NULL)
    name = member_string (object, "name", FALSE, &local_error);
  if (local_error == NULL)
    verdict_text = member_string (object, "verdict", TRUE, &local_error);
  if (local_error == NULL)
    upg_verdict_from_string (verdict_text, &verdict, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  figures = json_object_get_member (object, "figures");
  if (figures != NULL && !JSON_NODE_HOLDS_OBJECT (figures) && !JSON_NODE_HOLDS_NULL (figures))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("check result '%s': member '%s' is not an object"), id, "figures");
      return NULL;
    }

  self = upg_check_result_new (kind, id, name, verdict,
                               member_string (object, "message", FALSE, NULL));
  self->suggestion = g_strdup (member_string (object, "suggestion", FALSE, NULL));
  if (figures != NULL && JSON_NODE_HOLDS_OBJECT (figures))
    {
      json_object_unref (self->figures);
      self->figures = json_object_ref (json_node_get_object (figures));
    }
  return g_steal_pointer (&self);
}

/**
 * upg_check_result_to_json:
 * @self: a result
 *
 * Writes the result in the form of the assessment report's items:
 * `{"check", "id", "name", "verdict", "message", "suggestion", "figures"}`.
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
upg_check_result_to_json (UpgCheckResult *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  JsonNode *figures;

  g_return_val_if_fail (UPG_IS_CHECK_RESULT (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "check");
  json_builder_add_string_value (builder, self->kind);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, self->id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, self->name);
  json_builder_set_member_name (builder, "verdict");
  json_builder_add_string_value (builder, upg_verdict_to_string (self->verdict));
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, self->message);
  json_builder_set_member_name (builder, "suggestion");
  json_builder_add_string_value (builder, self->suggestion);
  json_builder_set_member_name (builder, "figures");
  figures = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (figures, self->figures);
  json_builder_add_value (builder, figures);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/**
 * upg_check_result_get_kind:
 * @self: a result
 *
 * Gets the check kind (`resource`, `data_quality`, …).
 *
 * Returns: (transfer none): the check kind (`resource`, `data_quality`, …)
 */
const char *
upg_check_result_get_kind (UpgCheckResult *self)
{
  g_return_val_if_fail (UPG_IS_CHECK_RESULT (self), NULL);
  return self->kind;
}

/**
 * upg_check_result_get_id:
 * @self: a result
 *
 * Gets the item's id.
 *
 * Returns: (transfer none): the item's id
 */
const char *
upg_check_result_get_id (UpgCheckResult *self)
{
  g_return_val_if_fail (UPG_IS_CHECK_RESULT (self), NULL);
  return self->id;
}

/**
 * upg_check_result_get_name:
 * @self: a result
 *
 * Gets the item's human name.
 *
 * Returns: (transfer none): the item's human name
 */
const char *
upg_check_result_get_name (UpgCheckResult *self)
{
  g_return_val_if_fail (UPG_IS_CHECK_RESULT (self), NULL);
  return self->name;
}

/**
 * upg_check_result_get_verdict:
 * @self: a result
 *
 * Gets the verdict.
 *
 * Returns: the verdict
 */
UpgVerdict
upg_check_result_get_verdict (UpgCheckResult *self)
{
  g_return_val_if_fail (UPG_IS_CHECK_RESULT (self), UPG_VERDICT_FAIL);
  return self->verdict;
}

/**
 * upg_check_result_set_verdict:
 * @self: a result
 * @verdict: the new verdict
 *
 * Changes the verdict, e.g. when a caller applies its own threshold.
 */
void
upg_check_result_set_verdict (UpgCheckResult *self,
                              UpgVerdict      verdict)
{
  g_return_if_fail (UPG_IS_CHECK_RESULT (self));
  self->verdict = verdict;
}

/**
 * upg_check_result_get_message:
 * @self: a result
 *
 * Gets what was found.
 *
 * Returns: (transfer none) (nullable): what was found
 */
const char *
upg_check_result_get_message (UpgCheckResult *self)
{
  g_return_val_if_fail (UPG_IS_CHECK_RESULT (self), NULL);
  return self->message;
}

/**
 * upg_check_result_set_message:
 * @self: a result
 * @message: (nullable): what was found
 *
 * Sets what was found.
 */
void
upg_check_result_set_message (UpgCheckResult *self,
                              const char     *message)
{
  g_return_if_fail (UPG_IS_CHECK_RESULT (self));
  g_free (self->message);
  self->message = g_strdup (message);
}

/**
 * upg_check_result_get_suggestion:
 * @self: a result
 *
 * Gets how to fix a warning or failure.
 *
 * Returns: (transfer none) (nullable): how to fix a warning or failure
 */
const char *
upg_check_result_get_suggestion (UpgCheckResult *self)
{
  g_return_val_if_fail (UPG_IS_CHECK_RESULT (self), NULL);
  return self->suggestion;
}

/**
 * upg_check_result_set_suggestion:
 * @self: a result
 * @suggestion: (nullable): how to fix a warning or failure
 *
 * Sets how to fix a warning or failure.
 */
void
upg_check_result_set_suggestion (UpgCheckResult *self,
                                 const char     *suggestion)
{
  g_return_if_fail (UPG_IS_CHECK_RESULT (self));
  g_free (self->suggestion);
  self->suggestion = g_strdup (suggestion);
}

/**
 * upg_check_result_get_figures:
 * @self: a result
 *
 * Gets the figures the verdict is based on.
 *
 * Returns: (transfer none): the figures the verdict is based on (numbers
 *   and strings by name)
 */
JsonObject *
upg_check_result_get_figures (UpgCheckResult *self)
{
  g_return_val_if_fail (UPG_IS_CHECK_RESULT (self), NULL);
  return self->figures;
}

/**
 * upg_check_result_set_figure_int:
 * @self: a result
 * @name: the figure's name, e.g. `free_bytes`
 * @value: its value
 *
 * Records an integer figure the verdict is based on.
 */
void
upg_check_result_set_figure_int (UpgCheckResult *self,
                                 const char     *name,
                                 gint64          value)
{
  g_return_if_fail (UPG_IS_CHECK_RESULT (self));
  json_object_set_int_member (self->figures, name, value);
}

/**
 * upg_check_result_set_figure_double:
 * @self: a result
 * @name: the figure's name, e.g. `cpu_idle_percent`
 * @value: its value
 *
 * Records a floating-point figure the verdict is based on.
 */
void
upg_check_result_set_figure_double (UpgCheckResult *self,
                                    const char     *name,
                                    double          value)
{
  g_return_if_fail (UPG_IS_CHECK_RESULT (self));
  json_object_set_double_member (self->figures, name, value);
}

/**
 * upg_check_result_set_figure_string:
 * @self: a result
 * @name: the figure's name, e.g. `server_version`
 * @value: (nullable): its value
 *
 * Records a text figure the verdict is based on.
 */
void
upg_check_result_set_figure_string (UpgCheckResult *self,
                                    const char     *name,
                                    const char     *value)
{
  g_return_if_fail (UPG_IS_CHECK_RESULT (self));
  json_object_set_string_member (self->figures, name, value);
}
