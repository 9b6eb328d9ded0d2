/* upg-config-template.c - `config` steps: rendering a template, checking
 * the output's format
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A template is text with placeholders (SPEC §4): `${site_id}`,
 * `${from_version}`, `${to_version}`, `${env.KEY}` (the run's environment:
 * the configuration's `env` overridden by `--env`) and
 * `${datasource.NAME.host|port|database|user}`. Anything else between
 * `${` and `}` is an error naming the placeholder and its file:line, so
 * that a typo never reaches a configuration file. `$${` writes a literal
 * `${` (configuration files have placeholders of their own: Spring's
 * `${JAVA_HOME}`, shell snippets). A placeholder does not span lines.
 *
 * The rendered text is parsed as its declared format before it may
 * replace anything: JSON (json-glib), YAML (libyaml), INI (GKeyFile), XML
 * (libxml2, without network or external entities), Java properties
 * (a malformed `\uXXXX` escape, which Java's loader refuses) and text
 * (anything).
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libxml/parser.h>
#include <yaml.h>

#include "upg-config-template-private.h"
#include "upg-data-source.h"
#include "upg-path-private.h"

#define KNOWN_PLACEHOLDERS \
  "${site_id}, ${from_version}, ${to_version}, ${env.KEY} or ${datasource.NAME.host|port|database|user}"

static gboolean G_GNUC_PRINTF (5, 6)
fail_at (GError    **error,
         const char *name,
         guint       line,
         const char *placeholder,
         const char *format,
         ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE, _("%s:%u: placeholder ${%s}: %s"), name, line,
               placeholder, why);
  return FALSE;
}

static gboolean
env_value (const UpgTemplateValues *values,
           const char              *key,
           const char              *name,
           guint                    line,
           const char              *placeholder,
           GString                 *out,
           GError                 **error)
{
  JsonNode *node;

  if (*key == '\0')
    return fail_at (error, name, line, placeholder, _("expected a key after \"env.\""));
  if (values == NULL)
    return TRUE;
  node = values->env != NULL ? json_object_get_member (values->env, key) : NULL;
  if (node == NULL)
    return fail_at (error, name, line, placeholder,
                    _("the environment has no member '%s' (set it in the configuration's \"env\" or with --env)"),
                    key);
  if (!JSON_NODE_HOLDS_VALUE (node))
    return fail_at (error, name, line, placeholder, _("'%s' is %s, expected a string, a number or a boolean"), key,
                    JSON_NODE_HOLDS_NULL (node) ? "null" : json_node_type_name (node));
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    g_string_append (out, json_node_get_string (node));
  else
    {
      g_autofree char *text = json_to_string (node, FALSE);
      g_string_append (out, text);
    }
  return TRUE;
}

static gboolean
datasource_value (const UpgTemplateValues *values,
                  const char              *rest,
                  const char              *name,
                  guint                    line,
                  const char              *placeholder,
                  GString                 *out,
                  GError                 **error)
{
  const char *dot = strrchr (rest, '.');
  g_autofree char *source_name = NULL;
  const char *field, *text = NULL;
  UpgDataSource *source;

  if (dot == NULL || dot == rest)
    return fail_at (error, name, line, placeholder, _("expected ${datasource.NAME.host|port|database|user}"));
  source_name = g_strndup (rest, dot - rest);
  field = dot + 1;
  if (!g_str_equal (field, "host") && !g_str_equal (field, "port") && !g_str_equal (field, "database")
      && !g_str_equal (field, "user"))
    return fail_at (error, name, line, placeholder, _("unknown field '%s': expected host, port, database or user"),
                    field);
  if (values == NULL)
    return TRUE;
  source = values->config != NULL ? upg_config_lookup_data_source (values->config, source_name) : NULL;
  if (source == NULL)
    return fail_at (error, name, line, placeholder, _("data source '%s' is not configured"), source_name);
  if (g_str_equal (field, "port"))
    {
      if (upg_data_source_get_port (source) == 0)
        return fail_at (error, name, line, placeholder, _("data source '%s' has no port"), source_name);
      g_string_append_printf (out, "%u", upg_data_source_get_port (source));
      return TRUE;
    }
  if (g_str_equal (field, "host"))
    text = upg_data_source_get_host (source);
  else if (g_str_equal (field, "user"))
    text = upg_data_source_get_user (source);
  else
    /* A SQLite database is its file. */
    text = upg_data_source_get_database (source) != NULL ? upg_data_source_get_database (source)
                                                         : upg_data_source_get_path (source);
  if (text == NULL)
    return fail_at (error, name, line, placeholder, _("data source '%s' has no %s"), source_name, field);
  g_string_append (out, text);
  return TRUE;
}

/* Appends the value of @placeholder to @out; with @values NULL, only
 * checks that it is one SPEC §4 knows. */
static gboolean
resolve (const UpgTemplateValues *values,
         const char              *placeholder,
         const char              *name,
         guint                    line,
         GString                 *out,
         GError                 **error)
{
  const char *fixed[] = { "site_id", "from_version", "to_version" };

  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    if (g_str_equal (placeholder, fixed[i]))
      {
        const char *value = values == NULL ? "" : i == 0 ? values->site_id : i == 1 ? values->from_version
                                                                                      : values->to_version;
        g_string_append (out, value != NULL ? value : "");
        return TRUE;
      }
  if (g_str_has_prefix (placeholder, "env."))
    return env_value (values, placeholder + strlen ("env."), name, line, placeholder, out, error);
  if (g_str_has_prefix (placeholder, "datasource."))
    return datasource_value (values, placeholder + strlen ("datasource."), name, line, placeholder, out, error);
  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE, _("%s:%u: unknown placeholder ${%s}: expected %s"),
               name, line, placeholder, KNOWN_PLACEHOLDERS);
  return FALSE;
}

/*
 * upg_config_template_render:
 * @text: the template (@length bytes, not necessarily NUL-terminated)
 * @name: the template's name in messages (bundle-relative path)
 * @values: (nullable): what placeholders stand for; %NULL only checks
 *   that every placeholder is one SPEC §4 knows
 *
 * Returns: (transfer full) (nullable): the rendered text, or %NULL with
 *   %UPG_ERROR_INVALID_BUNDLE naming the placeholder and @name:line
 */
char *
upg_config_template_render (const char              *text,
                            gsize                    length,
                            const char              *name,
                            const UpgTemplateValues *values,
                            GError                 **error)
{
  g_autoptr(GString) out = g_string_sized_new (length + 64);
  const char *p = text, *end = text + length;
  guint line = 1;

  while (p < end)
    {
      const char *close;
      g_autofree char *placeholder = NULL;

      if (end - p >= 3 && p[0] == '$' && p[1] == '$' && p[2] == '{')
        {
          g_string_append (out, "${");
          p += 3;
          continue;
        }
      if (end - p < 2 || p[0] != '$' || p[1] != '{')
        {
          if (*p == '\n')
            line++;
          g_string_append_c (out, *p++);
          continue;
        }
      for (close = p + 2; close < end && *close != '}' && *close != '\n'; close++)
        ;
      if (close == end || *close != '}')
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                       _("%s:%u: unterminated placeholder: \"${\" without \"}\" on its line (write \"$${\" for "
                         "a literal \"${\")"), name, line);
          return NULL;
        }
      placeholder = g_strndup (p + 2, close - (p + 2));
      if (!resolve (values, placeholder, name, line, out, error))
        return NULL;
      p = close + 1;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/*
 * upg_config_template_problem:
 * @bundle_dir: the bundle
 * @template: the step's `template`, relative to it
 *
 * For `upgradectl validate`: the template must exist inside the bundle
 * and name only known placeholders.
 *
 * Returns: (transfer full) (nullable): the problem, or %NULL
 */
char *
upg_config_template_problem (const char *bundle_dir,
                             const char *template)
{
  g_autofree char *why = upg_path_problem (bundle_dir, template);
  g_autofree char *path = NULL, *contents = NULL, *rendered = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  if (why != NULL)
    return g_steal_pointer (&why);
  path = g_build_filename (bundle_dir, template, NULL);
  if (!g_file_get_contents (path, &contents, &length, &error))
    return g_strdup (error->message);
  rendered = upg_config_template_render (contents, length, template, NULL, &error);
  return rendered == NULL ? g_strdup (error->message) : NULL;
}

static gboolean
check_properties (const char *text,
                  gsize       length,
                  const char *name,
                  GError    **error)
{
  guint line = 1;

  for (gsize i = 0; i < length; i++)
    {
      if (text[i] == '\n')
        line++;
      else if (text[i] == '\\' && i + 1 < length && text[i + 1] == 'u')
        {
          for (guint k = 2; k < 6; k++)
            if (i + k >= length || !g_ascii_isxdigit (text[i + k]))
              {
                g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED,
                             _("%s:%u: malformed \\uXXXX escape (Java refuses the file)"), name, line);
                return FALSE;
              }
          i += 5;
        }
      else if (text[i] == '\\' && i + 1 < length)
        {
          if (text[i + 1] == '\n')
            line++;
          i++;
        }
    }
  return TRUE;
}

static gboolean
check_yaml (const char *text,
            gsize       length,
            const char *name,
            GError    **error)
{
  yaml_parser_t parser;
  gboolean ok = TRUE, done = FALSE;

  yaml_parser_initialize (&parser);
  yaml_parser_set_input_string (&parser, (const unsigned char *) text, length);
  while (ok && !done)
    {
      yaml_event_t event;

      if (!yaml_parser_parse (&parser, &event))
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, _("%s:%zu:%zu: not valid YAML: %s%s%s"), name,
                       parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                       parser.problem != NULL ? parser.problem : "",
                       parser.context != NULL ? " " : "", parser.context != NULL ? parser.context : "");
          ok = FALSE;
          break;
        }
      done = event.type == YAML_STREAM_END_EVENT;
      yaml_event_delete (&event);
    }
  yaml_parser_delete (&parser);
  return ok;
}

static gboolean
check_xml (const char *text,
           gsize       length,
           const char *name,
           GError    **error)
{
  xmlParserCtxtPtr parser = xmlNewParserCtxt ();
  xmlDocPtr doc;
  gboolean ok;

  if (parser == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED, _("%s: cannot create an XML parser"), name);
      return FALSE;
    }
  /* No network, no external entities, no messages on stderr. */
  doc = xmlCtxtReadMemory (parser, text, (int) MIN (length, G_MAXINT), name, NULL,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  ok = doc != NULL && parser->wellFormed;
  if (!ok)
    {
      const xmlError *last = xmlCtxtGetLastError (parser);
      g_autofree char *message = g_strstrip (g_strdup (last != NULL && last->message != NULL ? last->message
                                                                                          : "not well-formed"));

      g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, _("%s:%d: not valid XML: %s"), name,
                   last != NULL ? last->line : 0, message);
    }
  if (doc != NULL)
    xmlFreeDoc (doc);
  xmlFreeParserCtxt (parser);
  return ok;
}

/*
 * upg_config_format_check:
 * @name: the file in messages
 *
 * Parses @text as @format.
 *
 * Returns: %TRUE if it is valid; else %FALSE with %UPG_ERROR_STEP_FAILED
 *   naming @name, the format and, where the parser tells, the line
 */
gboolean
upg_config_format_check (UpgConfigFormat  format,
                         const char      *text,
                         gsize            length,
                         const char      *name,
                         GError         **error)
{
  g_autoptr(GError) local_error = NULL;

  switch (format)
    {
    case UPG_CONFIG_FORMAT_JSON:
      {
        g_autoptr(JsonParser) parser = json_parser_new_immutable ();

        if (json_parser_load_from_data (parser, text, (gssize) length, &local_error))
          return TRUE;
        g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, _("%s: not valid JSON: %s"), name,
                     local_error->message);
        return FALSE;
      }
    case UPG_CONFIG_FORMAT_INI:
      {
        g_autoptr(GKeyFile) file = g_key_file_new ();

        if (g_key_file_load_from_data (file, text, length, G_KEY_FILE_KEEP_COMMENTS, &local_error))
          return TRUE;
        g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, _("%s: not valid INI: %s"), name,
                     local_error->message);
        return FALSE;
      }
    case UPG_CONFIG_FORMAT_YAML:
      return check_yaml (text, length, name, error);
    case UPG_CONFIG_FORMAT_XML:
      return check_xml (text, length, name, error);
    case UPG_CONFIG_FORMAT_PROPERTIES:
      return check_properties (text, length, name, error);
    case UPG_CONFIG_FORMAT_TEXT:
    default:
      return TRUE;
    }
}
