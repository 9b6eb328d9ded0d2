/* upgradectl.c - the command-line front end of libupgrade
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * main() parses the global options up to the command name, then hands the
 * rest to the command, which parses its own options (and the global ones
 * again, so they may also follow the command name).
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "upg-exit-code.h"
#include "upgradectl-commands.h"

typedef struct {
  const char        *name;
  const char        *summary;
  UpgCtlCommandFunc  run;
} UpgCtlCommand;

static const UpgCtlCommand commands[] = {
#define UPGCTL_COMMAND(name, summary) { #name, summary, upgctl_cmd_##name },
#include "upgradectl-command-list.h"
#undef UPGCTL_COMMAND
  { NULL, NULL, NULL }
};

static const UpgCtlCommand *
lookup_command (const char *name)
{
  for (const UpgCtlCommand *cmd = commands; cmd->name != NULL; cmd++)
    if (g_strcmp0 (cmd->name, name) == 0)
      return cmd;
  return NULL;
}

static char *
describe_commands (void)
{
  GString *text = g_string_new (_("Commands:"));
  int width = 0;

  for (const UpgCtlCommand *cmd = commands; cmd->name != NULL; cmd++)
    width = MAX (width, (int) strlen (cmd->name));
  for (const UpgCtlCommand *cmd = commands; cmd->name != NULL; cmd++)
    g_string_append_printf (text, "\n  %-*s  %s", width, cmd->name, _(cmd->summary));
  g_string_append_printf (text, "\n  %-*s  %s", width, "help",
                          _("Show this help, or the options of COMMAND"));
  g_string_append (text, "\n\n");
  g_string_append (text, _("Run 'upgradectl help COMMAND' or 'upgradectl COMMAND --help' "
                           "for a command's options."));
  g_string_append_c (text, '\n');

  return g_string_free (text, FALSE);
}

static char *
list_command_names (void)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (const UpgCtlCommand *cmd = commands; cmd->name != NULL; cmd++)
    g_ptr_array_add (names, (gpointer) cmd->name);
  g_ptr_array_add (names, NULL);

  return g_strjoinv (", ", (char **) names->pdata);
}

static GOptionContext *
main_option_context (UpgCtl *ctl, gboolean *show_version)
{
  GOptionContext *context = g_option_context_new (_("COMMAND [ARGUMENT…]"));
  g_autofree char *description = describe_commands ();
  GOptionGroup *global = upgctl_global_option_group (ctl);
  const GOptionEntry version_entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, show_version,
      N_("Show the version of upgradectl and libupgrade"), NULL },
    G_OPTION_ENTRY_NULL
  };

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Plan, assess, run and resume upgrades of a product bundle."));
  g_option_context_set_description (context, description);
  /* Stop at the command name: what follows belongs to the command. */
  g_option_context_set_strict_posix (context, TRUE);
  g_option_group_add_entries (global, version_entries);
  g_option_context_set_main_group (context, global);

  return context;
}

static int
unknown_command (UpgCtl *ctl, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *names = list_command_names ();

  g_set_error (&error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
               _("unknown command '%s' (commands: %s)"), name, names);
  if (!ctl->json)
    {
      g_autofree char *description = describe_commands ();

      g_printerr (_("upgradectl: unknown command '%s'\n\n%s"), name, description);
      return upg_exit_code_for_error (error);
    }
  return upgctl_fail (ctl, error);
}

/* `help`: the overview on stdout, or a command's own --help (which its
 * option parser prints on stdout before it exits 0). `help` is not in the
 * command table because it needs the global option context. */
static int
show_help (UpgCtl         *ctl,
           GOptionContext *context,
           int             argc,
           char          **argv)
{
  const UpgCtlCommand *cmd;
  char *command_argv[] = { NULL, (char *) "--help", NULL };

  if (argc > 2)
    {
      g_autoptr(GError) usage = g_error_new (UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                                             _("help takes at most one command name, got %d"),
                                             argc - 1);
      return upgctl_fail (ctl, usage);
    }
  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_print ("%s", help);
      return 0;
    }
  cmd = lookup_command (argv[1]);
  if (cmd == NULL)
    return unknown_command (ctl, argv[1]);
  ctl->command = cmd->name;
  ctl->command_summary = cmd->summary;
  command_argv[0] = argv[1];
  return cmd->run (ctl, 2, command_argv);
}

static int
run (UpgCtl *ctl, int argc, char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gboolean show_version = FALSE;
  const UpgCtlCommand *cmd;

  context = main_option_context (ctl, &show_version);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_autoptr(GError) usage = g_error_new (UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                                             "%s", error->message);
      return upgctl_fail (ctl, usage);
    }

  if (show_version && ctl->json)
    {
      /* A CI agent checks what it talks to: one document, as always. */
      g_autoptr(JsonObject) versions = json_object_new ();
      g_autoptr(JsonNode) node = NULL;

      json_object_set_string_member (versions, "upgradectl", PACKAGE_VERSION);
      json_object_set_string_member (versions, "libupgrade", upg_get_version ());
      json_object_set_int_member (versions, "spi_abi", upg_get_spi_abi ());
      node = json_node_init_object (json_node_alloc (), versions);
      upgctl_print_json (ctl, node);
      return 0;
    }
  if (show_version)
    {
      g_print ("upgradectl %s (libupgrade %s, SPI ABI %u)\n",
               PACKAGE_VERSION, upg_get_version (), upg_get_spi_abi ());
      return 0;
    }

  upgctl_apply_environment (ctl);

  if (argc < 2 && ctl->json)
    {
      g_autofree char *names = list_command_names ();
      g_autoptr(GError) usage = g_error_new (UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                                             _("no command given (commands: %s)"), names);

      return upgctl_fail (ctl, usage);
    }
  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("%s", help);
      return 2;
    }

  if (g_str_equal (argv[1], "help"))
    return show_help (ctl, context, argc - 1, argv + 1);
  cmd = lookup_command (argv[1]);
  if (cmd == NULL)
    return unknown_command (ctl, argv[1]);

  ctl->command = cmd->name;
  ctl->command_summary = cmd->summary;
  return cmd->run (ctl, argc - 1, argv + 1);
}

int
main (int argc, char **argv)
{
  UpgCtl ctl = { .verbosity = UPGCTL_VERBOSITY_NORMAL };
  int status;

  setlocale (LC_ALL, "");
  upg_init_i18n ();
  g_set_prgname ("upgradectl");
  upgctl_log_install (UPGCTL_VERBOSITY_NORMAL);

  status = run (&ctl, argc, argv);
  upgctl_clear (&ctl);

  return status;
}
