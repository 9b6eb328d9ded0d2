/* upgradectl-migrations.c - `upgradectl migrations [--site ID]` and
 * `upgradectl migrations pause|resume|cancel MIGRATION_ID`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The controls are rows in the journal that the running migration reads
 * between batches (upg-journal-migrations.c), so they work from any
 * process that shares the journal: this command only asks, and says so.
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "upg-journal-migrations-private.h"
#include "upgradectl-commands.h"
#include "upgradectl-executor.h"

/* One row of the table; widths count display columns, not bytes, so
 * that the Chinese headings line up with the figures under them. */
static void
print_row (const char *const cells[8])
{
  static const struct {
    guint width;
    gboolean right;
  } columns[] = { { 16, FALSE }, { 20, FALSE }, { 20, FALSE }, { 11, FALSE },
                  { 8, TRUE },   { 12, TRUE },  { 10, TRUE },  { 0, FALSE } };
  g_autoptr(GString) line = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      if (i > 0)
        g_string_append (line, "  ");
      upgctl_append_column (line, cells[i], columns[i].width, columns[i].right);
    }
  /* The last column is not padded: no trailing spaces. */
  while (line->len > 0 && line->str[line->len - 1] == ' ')
    g_string_truncate (line, line->len - 1);
  g_print ("%s\n", line->str);
}

static void
print_table (JsonArray *migrations)
{
  if (json_array_get_length (migrations) == 0)
    {
      g_print (_("No batched migrations\n"));
      return;
    }
  /* TRANSLATORS: column headings of `upgradectl migrations` */
  print_row ((const char *const[]) { _("ID"), _("STEP"), _("TABLE"), _("STATE"), _("PROGRESS"), _("ROWS"),
                                     _("ROWS/S"), _("NOTE") });
  for (guint i = 0; i < json_array_get_length (migrations); i++)
    {
      JsonObject *m = json_array_get_object_element (migrations, i);
      const char *state = json_object_get_string_member_with_default (m, "state", "");
      const char *note = json_object_get_string_member_with_default (m, "error", NULL);
      g_autofree char *percent = g_strdup_printf ("%.1f%%", json_object_get_double_member_with_default (
                                                    m, "progress_percent", 0));
      g_autofree char *rows = g_strdup_printf ("%" G_GINT64_FORMAT,
                                               json_object_get_int_member_with_default (m, "rows_done", 0));
      g_autofree char *rate = g_strdup_printf ("%" G_GINT64_FORMAT,
                                               json_object_get_int_member_with_default (m, "rows_per_second", 0));

      if (note == NULL && g_str_equal (state, "paused"))
        note = json_object_get_string_member_with_default (m, "pause_reason", NULL);
      if (note == NULL)
        note = json_object_get_string_member_with_default (m, "control", NULL);
      print_row ((const char *const[]) { json_object_get_string_member_with_default (m, "id", ""),
                                         json_object_get_string_member_with_default (m, "step_id", ""),
                                         json_object_get_string_member_with_default (m, "table", ""), state,
                                         percent, rows, rate, note != NULL ? note : "" });
    }
}

static int
list (UpgCtl      *ctl,
      const char  *site_option)
{
  g_auto(UpgCtlExec) exec = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) migrations = NULL;
  const char *site;

  if (!upgctl_exec_init (&exec, ctl, FALSE, &error)
      || (site = upgctl_exec_site (&exec, site_option, &error)) == NULL
      || (migrations = upg_journal_list_migrations (exec.journal, site, &error)) == NULL)
    return upgctl_fail (ctl, error);
  if (ctl->json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(JsonObject) doc = json_object_new ();

      json_object_set_string_member (doc, "site", site);
      json_object_set_array_member (doc, "migrations", json_array_ref (migrations));
      json_node_set_object (root, doc);
      upgctl_print_json (ctl, root);
    }
  else
    print_table (migrations);
  return 0;
}

static int
control (UpgCtl     *ctl,
         const char *action,
         const char *id)
{
  g_auto(UpgCtlExec) exec = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) migration = NULL;

  if (!upgctl_exec_init (&exec, ctl, FALSE, &error)
      || (migration = upg_journal_migration_control (exec.journal, id, action, &error)) == NULL)
    return upgctl_fail (ctl, error);
  if (ctl->json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (root, migration);
      upgctl_print_json (ctl, root);
    }
  else if (g_str_equal (action, "pause"))
    g_print (_("Migration %s: pause requested (it stops after its current batch)\n"), id);
  else if (g_str_equal (action, "resume"))
    g_print (_("Migration %s: resume requested\n"), id);
  else
    g_print (_("Migration %s: cancel requested (it stops after its current batch; its checkpoint is kept)\n"),
             id);
  return 0;
}

/**
 * upgctl_cmd_migrations:
 * @ctl: the invocation
 * @argc: argument count
 * @argv: arguments, `argv[0]` = `"migrations"`
 *
 * Lists the site's batched migrations, or asks one to pause, resume or
 * cancel.
 *
 * Returns: 0; 2 for bad input (an unknown action, a migration that is
 *   not running or paused)
 */
int
upgctl_cmd_migrations (UpgCtl *ctl, int argc, char **argv)
{
  g_autofree char *site_option = NULL;
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "site", 0, 0, G_OPTION_ARG_STRING, &site_option,
      N_("Site (default: the configuration's site_id)"), N_("ID") },
    G_OPTION_ENTRY_NULL
  };

  if (!upgctl_parse_options (ctl, entries, "migrations [pause|resume|cancel MIGRATION_ID]", &argc, &argv, &error))
    return upgctl_fail (ctl, error);
  if (argc <= 1)
    return list (ctl, site_option);
  if (argc != 3 || !g_strv_contains ((const char *[]) { "pause", "resume", "cancel", NULL }, argv[1]))
    {
      g_set_error (&error, UPG_ERROR, UPG_ERROR_INVALID_ARGUMENT,
                   _("expected `migrations [--site ID]` or `migrations pause|resume|cancel MIGRATION_ID`"));
      return upgctl_fail (ctl, error);
    }
  return control (ctl, argv[1], argv[2]);
}
