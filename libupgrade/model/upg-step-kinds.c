/* upg-step-kinds.c - the built-in step kinds' own members (SPEC §4)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `verify`, `http_check` and `config` steps carry their work in one member
 * named after the kind. It is checked completely when the manifest is
 * read (a wrong type is an error naming the file and the JSON path, exit
 * 2), and read again into a typed struct by the runner from the step's
 * JSON, so that UpgStep itself stays one generic object.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-config-template-private.h"
#include "upg-path-private.h"
#include "upg-step-kinds-private.h"
#include "upg-url-private.h"

#define MAX_HTTP_TIMEOUT 3600
#define MAX_HTTP_RETRIES 1000

static const char * const format_names[] = {
  [UPG_CONFIG_FORMAT_TEXT] = "text",
  [UPG_CONFIG_FORMAT_JSON] = "json",
  [UPG_CONFIG_FORMAT_YAML] = "yaml",
  [UPG_CONFIG_FORMAT_INI] = "ini",
  [UPG_CONFIG_FORMAT_XML] = "xml",
  [UPG_CONFIG_FORMAT_PROPERTIES] = "properties",
};

const char *
upg_config_format_to_string (UpgConfigFormat format)
{
  return format < G_N_ELEMENTS (format_names) ? format_names[format] : "text";
}

void
upg_verify_check_free (UpgVerifyCheck *check)
{
  if (check == NULL)
    return;
  g_free (check->database);
  g_free (check->sql);
  g_clear_pointer (&check->expect, json_node_unref);
  g_free (check->equals_database);
  g_free (check->equals_sql);
  g_free (check);
}

void
upg_http_check_free (UpgHttpCheck *check)
{
  if (check == NULL)
    return;
  g_free (check->url);
  g_free (check->expect_body);
  g_free (check->token_env);
  g_free (check);
}

void
upg_config_render_free (UpgConfigRender *render)
{
  if (render == NULL)
    return;
  g_free (render->target);
  g_free (render->template);
  g_free (render);
}

static gboolean
non_empty (const UpgJsonCtx *ctx,
           const char       *path,
           const char       *member,
           const char       *value,
           GError          **error)
{
  g_autofree char *where = NULL;

  if (value == NULL || value[0] != '\0')
    return TRUE;
  where = upg_json_member_path (path, member);
  return upg_json_fail (ctx, where, error, _("expected a non-empty string"));
}

/* {"database", "sql"}: both required, non-empty. */
static gboolean
read_query (const UpgJsonCtx *ctx,
            JsonObject       *object,
            const char       *path,
            char            **database,
            char            **sql,
            GError          **error)
{
  const char *db = NULL, *text = NULL;

  if (!upg_json_get_string (ctx, object, path, "database", TRUE, &db, error)
      || !upg_json_get_string (ctx, object, path, "sql", TRUE, &text, error)
      || !non_empty (ctx, path, "database", db, error)
      || !non_empty (ctx, path, "sql", text, error))
    return FALSE;
  *database = g_strdup (db);
  *sql = g_strdup (text);
  return TRUE;
}

static UpgVerifyCheck *
read_verify_check (const UpgJsonCtx *ctx,
                   JsonNode         *node,
                   const char       *path,
                   GError          **error)
{
  g_autoptr(UpgVerifyCheck) check = g_new0 (UpgVerifyCheck, 1);
  JsonObject *object = NULL, *equals = NULL;
  JsonNode *expect;

  if (!upg_json_require_object (ctx, node, path, &object, error)
      || !read_query (ctx, object, path, &check->database, &check->sql, error)
      || !upg_json_get_object (ctx, object, path, "equals", &equals, error))
    return NULL;
  /* `"expect": null` is a real constant: the query must return NULL. */
  expect = json_object_get_member (object, "expect");
  if ((expect != NULL) == (equals != NULL))
    return upg_json_fail (ctx, path, error, _("expected exactly one of \"expect\" or \"equals\"")), NULL;
  if (expect != NULL && !JSON_NODE_HOLDS_VALUE (expect) && !JSON_NODE_HOLDS_NULL (expect))
    {
      g_autofree char *where = upg_json_member_path (path, "expect");
      upg_json_fail (ctx, where, error, _("expected a string, a number, a boolean or null, got %s"),
                     upg_json_type_name (expect));
      return NULL;
    }
  if (expect != NULL)
    check->expect = json_node_copy (expect);
  if (equals != NULL)
    {
      g_autofree char *where = upg_json_member_path (path, "equals");

      if (!read_query (ctx, equals, where, &check->equals_database, &check->equals_sql, error))
        return NULL;
    }
  return g_steal_pointer (&check);
}

static GPtrArray *
read_verify (const UpgJsonCtx *ctx,
             JsonObject       *object,
             const char       *path,
             GError          **error)
{
  g_autoptr(GPtrArray) checks = g_ptr_array_new_with_free_func ((GDestroyNotify) upg_verify_check_free);
  g_autofree char *where = upg_json_member_path (path, "verify");
  JsonArray *array = NULL;

  if (!upg_json_get_array (ctx, object, path, "verify", &array, error))
    return NULL;
  if (array == NULL || json_array_get_length (array) == 0)
    return upg_json_fail (ctx, where, error, _("expected a non-empty array of checks")), NULL;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *item_path = g_strdup_printf ("%s[%u]", where, i);
      UpgVerifyCheck *check = read_verify_check (ctx, json_array_get_element (array, i), item_path, error);

      if (check == NULL)
        return NULL;
      g_ptr_array_add (checks, check);
    }
  return g_steal_pointer (&checks);
}

static gboolean
read_bounded (const UpgJsonCtx *ctx,
              JsonObject       *object,
              const char       *path,
              const char       *member,
              guint             min,
              guint             max,
              guint            *out,
              GError          **error)
{
  guint64 value = *out;

  if (!upg_json_get_uint (ctx, object, path, member, max, &value, error))
    return FALSE;
  if (value < min)
    {
      g_autofree char *where = upg_json_member_path (path, member);
      return upg_json_fail (ctx, where, error, _("expected an integer from %u to %u, got %u"),
                            min, max, (guint) value);
    }
  *out = (guint) value;
  return TRUE;
}

static UpgHttpCheck *
read_http_check (const UpgJsonCtx *ctx,
                 JsonObject       *step,
                 const char       *step_path,
                 GError          **error)
{
  g_autoptr(UpgHttpCheck) check = g_new0 (UpgHttpCheck, 1);
  g_autofree char *path = upg_json_member_path (step_path, "http_check");
  g_autoptr(GUri) uri = NULL;
  JsonObject *object = NULL;
  const char *url = NULL, *body = NULL, *token_env = NULL;

  if (!upg_json_require_object (ctx, json_object_get_member (step, "http_check"), path, &object, error)
      || !upg_json_get_string (ctx, object, path, "url", TRUE, &url, error)
      || !upg_json_get_string (ctx, object, path, "expect_body", FALSE, &body, error)
      || !upg_json_get_string (ctx, object, path, "token_env", FALSE, &token_env, error)
      || !non_empty (ctx, path, "token_env", token_env, error))
    return NULL;
  /* A site's health URL may come from its configuration (`${env.KEY}`,
   * SPEC §4's placeholders): checked whole once rendered, by the runner. */
  if (strstr (url, "${") != NULL)
    {
      g_autofree char *where = upg_json_member_path (path, "url");
      g_autoptr(GError) local_error = NULL;
      g_autofree char *checked = upg_config_template_render (url, strlen (url), "url", NULL, &local_error);

      if (checked == NULL)
        return upg_json_fail (ctx, where, error, "%s", local_error->message), NULL;
      if (!g_str_has_prefix (url, "http://") && !g_str_has_prefix (url, "https://"))
        {
          g_autofree char *shown = upg_url_redact (url);
          return upg_json_fail (ctx, where, error, _("expected an http:// or https:// URL, got \"%s\""), shown), NULL;
        }
    }
  else
    uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (strstr (url, "${") == NULL &&
      (uri == NULL || (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
                       g_strcmp0 (g_uri_get_scheme (uri), "https") != 0)))
    {
      g_autofree char *where = upg_json_member_path (path, "url");
      g_autofree char *shown = upg_url_redact (url);
      return upg_json_fail (ctx, where, error, _("expected an http:// or https:// URL, got \"%s\""), shown), NULL;
    }
  check->url = g_strdup (url);
  check->expect_body = g_strdup (body);
  check->token_env = g_strdup (token_env);
  check->expect_status = 200;
  check->timeout = 10;
  check->retries = 0;
  check->interval = 3;
  if (!read_bounded (ctx, object, path, "expect_status", 100, 599, &check->expect_status, error)
      || !read_bounded (ctx, object, path, "timeout", 1, MAX_HTTP_TIMEOUT, &check->timeout, error)
      || !read_bounded (ctx, object, path, "retries", 0, MAX_HTTP_RETRIES, &check->retries, error)
      || !read_bounded (ctx, object, path, "interval", 0, MAX_HTTP_TIMEOUT, &check->interval, error))
    return NULL;
  return g_steal_pointer (&check);
}

static UpgConfigRender *
read_config (const UpgJsonCtx *ctx,
             JsonObject       *step,
             const char       *step_path,
             GError          **error)
{
  g_autoptr(UpgConfigRender) render = g_new0 (UpgConfigRender, 1);
  g_autofree char *path = upg_json_member_path (step_path, "config");
  JsonObject *object = NULL;
  const char *target = NULL, *template = NULL, *format = NULL;
  gboolean known = FALSE;

  if (!upg_json_require_object (ctx, json_object_get_member (step, "config"), path, &object, error)
      || !upg_json_get_string (ctx, object, path, "target", TRUE, &target, error)
      || !upg_json_get_string (ctx, object, path, "template", TRUE, &template, error)
      || !upg_json_get_string (ctx, object, path, "format", TRUE, &format, error))
    return NULL;
  /* A relative target belongs to the site: it resolves against the
   * configuration file's folder, as the configuration's own paths do. */
  if (!g_path_is_absolute (target) && !upg_path_is_confined (target))
    {
      g_autofree char *where = upg_json_member_path (path, "target");
      return upg_json_fail (ctx, where, error,
                            _("expected an absolute path, or one relative to the configuration's folder without "
                              "\"..\", got \"%s\""), target), NULL;
    }
  if (!upg_path_is_confined (template))
    {
      g_autofree char *where = upg_json_member_path (path, "template");
      return upg_json_fail (ctx, where, error,
                            _("expected a path relative to the bundle that stays inside it, got \"%s\""),
                            template), NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    if (g_str_equal (format, format_names[i]))
      {
        render->format = i;
        known = TRUE;
      }
  if (!known)
    {
      g_autofree char *where = upg_json_member_path (path, "format");
      return upg_json_fail (ctx, where, error,
                            _("expected one of json, yaml, ini, xml, properties or text, got \"%s\""),
                            format), NULL;
    }
  render->target = g_strdup (target);
  render->template = g_strdup (template);
  return g_steal_pointer (&render);
}

static gboolean
has_member (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && !JSON_NODE_HOLDS_NULL (node);
}

/*
 * upg_step_kinds_read:
 * @n_found: (inout): kind members counted so far; each one found adds 1
 * @kind: (out): the kind of the last member found
 *
 * Looks for the built-in kinds' members in @object and checks the
 * contents of each one found.
 */
gboolean
upg_step_kinds_read (const UpgJsonCtx  *ctx,
                     JsonObject        *object,
                     const char        *path,
                     guint             *n_found,
                     UpgStepKind       *kind,
                     GError           **error)
{
  if (has_member (object, "verify"))
    {
      g_autoptr(GPtrArray) checks = read_verify (ctx, object, path, error);

      if (checks == NULL)
        return FALSE;
      (*n_found)++;
      *kind = UPG_STEP_KIND_VERIFY;
    }
  if (has_member (object, "http_check"))
    {
      g_autoptr(UpgHttpCheck) check = read_http_check (ctx, object, path, error);

      if (check == NULL)
        return FALSE;
      (*n_found)++;
      *kind = UPG_STEP_KIND_HTTP_CHECK;
    }
  if (has_member (object, "config"))
    {
      g_autoptr(UpgConfigRender) render = read_config (ctx, object, path, error);

      if (render == NULL)
        return FALSE;
      (*n_found)++;
      *kind = UPG_STEP_KIND_CONFIG;
    }
  return TRUE;
}

/* The step's object was checked when the manifest was read: reading it
 * again cannot fail, short of a bug. These take the step's JSON, not the
 * step, so that upg-step.c, which calls upg_step_kinds_read(), is not
 * called back (docs/ARCHITECTURE.md: no cycles); see the inline wrappers
 * in upg-step-kinds-private.h. */
static void
warn_unexpected (GError *error)
{
  if (error != NULL)
    g_critical ("%s", error->message);
}

/*
 * upg_step_kinds_read_verify:
 *
 * Returns: (transfer full) (element-type UpgVerifyCheck) (nullable): the
 *   checks of a `verify` step
 */
GPtrArray *
upg_step_kinds_read_verify (JsonObject *json,
                            const char *path,
                            const char *file)
{
  g_autoptr(GError) error = NULL;
  UpgJsonCtx ctx = { file, UPG_ERROR_INVALID_MANIFEST };
  GPtrArray *checks = read_verify (&ctx, json, path, &error);

  warn_unexpected (error);
  return checks;
}

UpgHttpCheck *
upg_step_kinds_read_http_check (JsonObject *json,
                                const char *path,
                                const char *file)
{
  g_autoptr(GError) error = NULL;
  UpgJsonCtx ctx = { file, UPG_ERROR_INVALID_MANIFEST };
  UpgHttpCheck *check = read_http_check (&ctx, json, path, &error);

  warn_unexpected (error);
  return check;
}

UpgConfigRender *
upg_step_kinds_read_config (JsonObject *json,
                            const char *path,
                            const char *file)
{
  g_autoptr(GError) error = NULL;
  UpgJsonCtx ctx = { file, UPG_ERROR_INVALID_MANIFEST };
  UpgConfigRender *render = read_config (&ctx, json, path, &error);

  warn_unexpected (error);
  return render;
}
