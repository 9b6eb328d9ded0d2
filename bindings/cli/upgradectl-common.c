/* upgradectl-common.c - what every upgradectl command shares
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <glib/gi18n-lib.h>

#include "upg-exit-code.h"
#include "upgradectl-common.h"
#include "upgradectl-executor.h"

/**
 * upgctl_clear:
 * @ctl: an invocation
 *
 * Frees what @ctl holds; @ctl itself may live on the stack.
 */
void
upgctl_clear (UpgCtl *ctl)
{
  g_clear_pointer (&ctl->bundle_path, g_free);
  g_clear_pointer (&ctl->config_path, g_free);
  g_clear_pointer (&ctl->state_dir, g_free);
  g_clear_object (&ctl->config);
  g_clear_object (&ctl->bundle);
}

/* Global options are parsed into fresh storage and merged into the UpgCtl
 * afterwards: GOption would otherwise overwrite (and leak) values already
 * set by an earlier parse, and options given after the command name must
 * override those given before it. */
typedef struct {
  UpgCtl   *ctl;
  char     *bundle;
  char     *config;
  char     *state_dir;
  gboolean  json;
  gboolean  quiet;
  gboolean  verbose;
} GlobalArgs;

static void
global_args_free (gpointer data)
{
  GlobalArgs *args = data;

  g_free (args->bundle);
  g_free (args->config);
  g_free (args->state_dir);
  g_free (args);
}

static void
take_string (char **field, char **value)
{
  if (*value == NULL)
    return;
  g_free (*field);
  *field = g_steal_pointer (value);
}

static gboolean
global_args_merge (GOptionContext *context,
                   GOptionGroup   *group,
                   gpointer        data,
                   GError        **error)
{
  GlobalArgs *args = data;
  UpgCtl *ctl = args->ctl;

  if (args->quiet && args->verbose)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("-q and -v exclude each other"));
      return FALSE;
    }

  take_string (&ctl->bundle_path, &args->bundle);
  take_string (&ctl->config_path, &args->config);
  take_string (&ctl->state_dir, &args->state_dir);
  if (args->json)
    ctl->json = TRUE;
  if (args->quiet)
    ctl->verbosity = UPGCTL_VERBOSITY_QUIET;
  if (args->verbose)
    ctl->verbosity = UPGCTL_VERBOSITY_VERBOSE;
  upgctl_log_set_verbosity (ctl->verbosity);

  return TRUE;
}

/**
 * upgctl_global_option_group:
 * @ctl: the invocation the options are stored into
 *
 * Creates the group of global options (`-b`, `-c`, `--state-dir`,
 * `--json`, `-q`, `-v`). Values found by a parse are merged into @ctl when
 * the parse succeeds; later parses override earlier ones.
 *
 * Returns: (transfer full): the group
 */
GOptionGroup *
upgctl_global_option_group (UpgCtl *ctl)
{
  GlobalArgs *args = g_new0 (GlobalArgs, 1);
  GOptionGroup *group;
  const GOptionEntry entries[] = {
    { "bundle", 'b', 0, G_OPTION_ARG_FILENAME, &args->bundle,
      N_("Bundle directory (default: $UPGRADE_BUNDLE)"), N_("BUNDLE") },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &args->config,
      N_("Site configuration upgrade.json (default: $UPGRADE_CONFIG)"), N_("CONFIG") },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &args->state_dir,
      N_("State directory (default: $UPGRADE_STATE_DIR, else /var/lib/upgrade for root, $XDG_STATE_HOME/upgrade otherwise)"), N_("DIR") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &args->json,
      N_("Print exactly one JSON document on stdout"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &args->quiet,
      N_("Log errors only"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &args->verbose,
      N_("Log debug output of the upgrade engine"), NULL },
    G_OPTION_ENTRY_NULL
  };

  args->ctl = ctl;
  group = g_option_group_new ("global", _("Global options:"),
                              _("Show global options"), args, global_args_free);
  g_option_group_add_entries (group, entries);
  g_option_group_set_parse_hooks (group, NULL, global_args_merge);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);

  return group;
}

static char *
getenv_nonempty (const char *name)
{
  const char *value = g_getenv (name);

  return (value != NULL && *value != '\0') ? g_strdup (value) : NULL;
}

/**
 * upgctl_apply_environment:
 * @ctl: an invocation
 *
 * Fills the options not given on the command line from the environment
 * (`UPGRADE_BUNDLE`, `UPGRADE_CONFIG`) and resolves the state directory
 * with upg_resolve_state_dir() (`UPGRADE_STATE_DIR`, else the user's or
 * the system's), as the HTTP service and embedders do.
 */
void
upgctl_apply_environment (UpgCtl *ctl)
{
  if (ctl->bundle_path == NULL)
    ctl->bundle_path = getenv_nonempty ("UPGRADE_BUNDLE");
  if (ctl->config_path == NULL)
    ctl->config_path = getenv_nonempty ("UPGRADE_CONFIG");
  if (ctl->state_dir == NULL)
    ctl->state_dir = upg_resolve_state_dir (NULL);
}

/**
 * upgctl_parse_options:
 * @ctl: the invocation
 * @entries: (nullable) (array zero-terminated=1): the command's options
 * @parameter_string: what follows the options in the usage line, e.g.
 *   `"plan"`
 * @argc: (inout): the command's argument count
 * @argv: (inout): the command's arguments, `argv[0]` being its name
 * @error: return location for an error
 *
 * Parses a command's options together with the global ones, so that
 * `upgradectl plan --json …` works like `upgradectl --json plan …`.
 * Parsed options are removed from @argv.
 *
 * Returns: %TRUE on success; %FALSE with %UPG_ERROR_INVALID_ARGUMENT
 */
gboolean
upgctl_parse_options (UpgCtl             *ctl,
                      const GOptionEntry *entries,
                      const char         *parameter_string,
                      int                *argc,
                      char             ***argv,
                      GError            **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameter_string);
  g_autoptr(GError) local_error = NULL;

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (ctl->command_summary != NULL)
    g_option_context_set_summary (context, _(ctl->command_summary));
  if (ctl->command_description != NULL)
    g_option_context_set_description (context, _(ctl->command_description));
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_group (context, upgctl_global_option_group (ctl));

  if (!g_option_context_parse (context, argc, argv, &local_error))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   "%s", local_error->message);
      return FALSE;
    }

  return TRUE;
}

/**
 * upgctl_expect_no_arguments:
 * @argc: the command's argument count after option parsing
 * @argv: the command's arguments, `argv[0]` being its name
 * @error: return location for an error
 *
 * Refuses positional arguments for commands that take none: a stray word
 * is more likely a typo than something to ignore.
 *
 * Returns: %TRUE if there are none
 */
gboolean
upgctl_expect_no_arguments (int argc, char **argv, GError **error)
{
  if (argc <= 1)
    return TRUE;

  g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
               _("unexpected argument '%s'"), argv[1]);
  return FALSE;
}

/**
 * upgctl_get_config:
 * @ctl: the invocation
 * @error: return location for an error
 *
 * Loads the configuration named by `-c` / `$UPGRADE_CONFIG` once, or the
 * defaults (no site, no data sources, SQLite journal) when neither is given.
 *
 * Returns: (transfer none): the configuration, or %NULL with @error set
 */
UpgConfig *
upgctl_get_config (UpgCtl *ctl, GError **error)
{
  if (ctl->config != NULL)
    return ctl->config;

  if (ctl->config_path == NULL)
    {
      ctl->config = upg_config_new ();
      return ctl->config;
    }

  if (!g_file_test (ctl->config_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_CONFIG,
                   _("configuration file '%s' does not exist or is not a regular file"),
                   ctl->config_path);
      return NULL;
    }

  ctl->config = upg_config_new_from_file (ctl->config_path, error);
  if (ctl->config != NULL)
    g_debug ("configuration %s: site %s", ctl->config_path,
             upg_config_get_site_id (ctl->config) != NULL ? upg_config_get_site_id (ctl->config) : "(none)");
  return ctl->config;
}

/**
 * upgctl_get_bundle:
 * @ctl: the invocation
 * @error: return location for an error
 *
 * Loads the bundle named by `-b` / `$UPGRADE_BUNDLE` once.
 *
 * Returns: (transfer none): the bundle, or %NULL with @error set
 */
UpgBundle *
upgctl_get_bundle (UpgCtl *ctl, GError **error)
{
  if (ctl->bundle != NULL)
    return ctl->bundle;

  if (ctl->bundle_path == NULL)
    {
      g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                           _("no bundle given: pass -b BUNDLE or set UPGRADE_BUNDLE"));
      return NULL;
    }

  if (!g_file_test (ctl->bundle_path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_BUNDLE,
                   _("bundle directory '%s' does not exist or is not a directory"),
                   ctl->bundle_path);
      return NULL;
    }

  ctl->bundle = upg_bundle_new_for_path (ctl->bundle_path, error);
  if (ctl->bundle != NULL)
    g_debug ("bundle %s: %u manifests", ctl->bundle_path,
             upg_bundle_get_manifests (ctl->bundle)->len);
  return ctl->bundle;
}

/**
 * upgctl_resolve_site:
 * @ctl: the invocation
 * @site_option: (nullable): the command's `--site`
 * @error: return location for an error
 *
 * Gives the site a command acts on: `--site`, else the configuration's
 * `site_id`. Having neither is an error rather than "no site", because a
 * plan without a site silently leaves out every site-specific step; a
 * site that is neither the configuration's `site_id` nor one of its
 * `sites` is refused (upg_config_check_site()).
 *
 * Returns: (transfer none): the site id, or %NULL with @error set
 */
const char *
upgctl_resolve_site (UpgCtl *ctl, const char *site_option, GError **error)
{
  UpgConfig *config;
  const char *site = site_option;

  config = upgctl_get_config (ctl, error);
  if (config == NULL)
    return NULL;

  if (site == NULL || *site == '\0')
    site = upg_config_get_site_id (config);
  if (site == NULL || *site == '\0')
    {
      g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                           _("no site given: pass --site ID or set site_id in the configuration"));
      return NULL;
    }
  /* A mistyped --site is bad input before anything is read or run. */
  if (!upg_config_check_site (config, site, error))
    return NULL;

  return site;
}

/**
 * upgctl_parse_version:
 * @option_name: the option the text came from, e.g. `"--from"`
 * @text: (nullable): the option's value
 * @error: return location for an error
 *
 * Parses a required version option.
 *
 * Returns: (transfer full): the version, or %NULL with @error set
 */
UpgVersion *
upgctl_parse_version (const char *option_name, const char *text, GError **error)
{
  UpgVersion *version;

  if (text == NULL)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("%s VERSION is required"), option_name);
      return NULL;
    }

  version = upg_version_parse (text, error);
  if (version == NULL)
    g_prefix_error (error, "%s: ", option_name);

  return version;
}

/**
 * upgctl_print_json:
 * @ctl: the invocation
 * @node: the document
 *
 * Prints @node, pretty, followed by a newline, on stdout. A command with
 * `--json` calls this (or upgctl_fail()) exactly once.
 */
void
upgctl_print_json (UpgCtl *ctl, JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);

  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

/**
 * upgctl_fail:
 * @ctl: the invocation
 * @error: what went wrong
 *
 * Reports @error: with `--json` as `{"error": {"code", "message"}}` on
 * stdout, otherwise as one line on stderr.
 *
 * Returns: the exit code for @error (upg_exit_code_for_error())
 */
int
upgctl_fail (UpgCtl *ctl, const GError *error)
{
  /* A detached child's parent waits for this (upgradectl-detach.c). */
  upgctl_detach_child_failed (upg_exit_code_for_error (error), error);
  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "error");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "code");
      json_builder_add_string_value (builder, upg_error_code_nick (error));
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, error->message);
      json_builder_end_object (builder);
      json_builder_end_object (builder);

      root = json_builder_get_root (builder);
      upgctl_print_json (ctl, root);
    }
  else if (ctl->command != NULL)
    {
      g_printerr ("upgradectl %s: %s\n", ctl->command, error->message);
    }
  else
    {
      g_printerr ("upgradectl: %s\n", error->message);
    }

  return upg_exit_code_for_error (error);
}

/**
 * upgctl_display_width:
 * @text: UTF-8 text
 *
 * The number of terminal columns @text takes: a wide (East Asian)
 * character takes two, a combining or zero-width one none. printf's
 * `%-20s` counts bytes, three per Chinese character, which breaks the
 * columns of a table under `LANG=zh_CN.UTF-8`.
 *
 * Returns: the display width in columns
 */
guint
upgctl_display_width (const char *text)
{
  guint width = 0;

  for (const char *p = text; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iszerowidth (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }
  return width;
}

/**
 * upgctl_append_column:
 * @line: the table row being built
 * @text: (nullable): the cell
 * @width: the column's width in display columns
 * @right: align right (numbers) rather than left
 *
 * Appends @text padded with spaces to @width display columns (see
 * upgctl_display_width()); longer text is kept whole, as printf does.
 */
void
upgctl_append_column (GString    *line,
                      const char *text,
                      guint       width,
                      gboolean    right)
{
  guint used = upgctl_display_width (text);
  guint pad = used < width ? width - used : 0;

  if (right)
    {
      for (guint i = 0; i < pad; i++)
        g_string_append_c (line, ' ');
    }
  g_string_append (line, text != NULL ? text : "");
  if (!right)
    {
      for (guint i = 0; i < pad; i++)
        g_string_append_c (line, ' ');
    }
}
