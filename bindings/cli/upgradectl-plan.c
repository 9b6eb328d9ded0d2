/* upgradectl-plan.c - `upgradectl plan --from V --to V [--site ID]`
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "upgradectl-commands.h"
#include "upgradectl-executor.h"

/* The planner's reason may end with the verdict this table prints anyway
 * ("no compatible_version declared: needs manual confirmation"), in the
 * operator's language: the English suffix alone left the Chinese line
 * saying 需要人工确认 twice. */
static char *
reason_without_verdict (const char *reason)
{
  /* TRANSLATORS: the end of "no compatible_version declared: needs
   * manual confirmation" as translated, punctuation included */
  const char *verdict = _(": needs manual confirmation");

  if (g_str_has_suffix (reason, verdict) && strlen (reason) > strlen (verdict))
    return g_strndup (reason, strlen (reason) - strlen (verdict));
  return g_strdup (reason);
}

/* Column widths, so that a long plan reads as a table. */
typedef struct {
  int id;
  int version;
  int component;
  int kind;
} Widths;

static void
measure_steps (UpgPlan *plan, Widths *widths)
{
  *widths = (Widths) { 2, 5, 1, 7 };

  for (guint s = 0; s < UPG_N_STAGES; s++)
    {
      GPtrArray *steps = upg_plan_get_steps (plan, s);

      for (guint i = 0; steps != NULL && i < steps->len; i++)
        {
          UpgStep *step = g_ptr_array_index (steps, i);
          g_autofree char *version = upg_version_to_string (upg_step_get_version (step));
          const char *component = upg_step_get_component (step);

          widths->id = MAX (widths->id, (int) g_utf8_strlen (upg_step_get_id (step), -1));
          widths->version = MAX (widths->version, (int) strlen (version));
          if (component != NULL)
            widths->component = MAX (widths->component, (int) g_utf8_strlen (component, -1));
          widths->kind = MAX (widths->kind, (int) strlen (upg_step_kind_to_string (upg_step_get_kind (step))));
        }
    }
}

/* The confirmation upg_executor_plan_to_json() found for @step, or NULL;
 * @found: whether the plan document says anything of it. */
static JsonObject *
find_confirmation (JsonNode *annotated, UpgStep *step, gboolean *found)
{
  g_autofree char *version = upg_version_to_string (upg_step_get_version (step));
  JsonArray *incompatible = annotated != NULL
    ? json_object_get_array_member (json_node_get_object (annotated), "incompatible") : NULL;

  *found = FALSE;
  for (guint i = 0; incompatible != NULL && i < json_array_get_length (incompatible); i++)
    {
      JsonObject *entry = json_array_get_object_element (incompatible, i);
      JsonNode *confirmation = json_object_get_member (entry, "confirmation");

      if (confirmation == NULL ||
          g_strcmp0 (json_object_get_string_member_with_default (entry, "id", NULL), upg_step_get_id (step)) != 0 ||
          g_strcmp0 (json_object_get_string_member_with_default (entry, "version", NULL), version) != 0)
        continue;
      *found = TRUE;
      return JSON_NODE_HOLDS_OBJECT (confirmation) ? json_node_get_object (confirmation) : NULL;
    }
  return NULL;
}

/* Whether the step that needs confirmation has it: who, when, how. */
static void
print_confirmation (JsonNode *annotated, UpgStep *step)
{
  gboolean found;
  JsonObject *confirmation = find_confirmation (annotated, step, &found);
  g_autoptr(GDateTime) utc = NULL, local = NULL;
  g_autofree char *when = NULL;

  if (!found)
    return;
  if (confirmation == NULL)
    {
      g_print ("        %s\n", _("not confirmed yet"));
      return;
    }
  utc = g_date_time_new_from_iso8601 (json_object_get_string_member_with_default (confirmation, "confirmed_at", ""),
                                      NULL);
  local = utc != NULL ? g_date_time_to_local (utc) : NULL;
  when = local != NULL ? g_date_time_format (local, "%F %T")
                       : g_strdup (json_object_get_string_member_with_default (confirmation, "confirmed_at", "?"));
  /* TRANSLATORS: who confirmed the step (user@host or the HTTP token's
   * name), when, and how (cli, run, api) */
  g_print (_("        confirmed by %s at %s (via %s)\n"),
           json_object_get_string_member_with_default (confirmation, "confirmed_by", "?"), when,
           json_object_get_string_member_with_default (confirmation, "via", "?"));
}

static void
print_step (UpgPlan *plan, JsonNode *annotated, UpgStep *step, guint number, const Widths *widths)
{
  g_autofree char *version = upg_version_to_string (upg_step_get_version (step));
  const char *component = upg_step_get_component (step);
  const char *reason = upg_plan_get_incompatible_reason (plan, step);

  g_print ("  %3u. %-*s  %-*s  %-*s  %-*s  ", number,
           widths->id, upg_step_get_id (step),
           widths->version, version,
           widths->component, component != NULL ? component : "-",
           widths->kind, upg_step_kind_to_string (upg_step_get_kind (step)));
  if (reason == NULL)
    g_print ("%s\n", _("compatible"));
  else
    {
      g_autofree char *why = reason_without_verdict (reason);

      g_print (_("needs manual confirmation: %s\n"), why);
      print_confirmation (annotated, step);
    }
}

static void
print_header (UpgPlan *plan)
{
  g_autofree char *from = upg_version_to_string (upg_plan_get_from (plan));
  g_autofree char *to = upg_version_to_string (upg_plan_get_to (plan));
  GPtrArray *manifests = upg_plan_get_manifests (plan);
  GPtrArray *incompatible = upg_plan_get_incompatible_steps (plan);
  g_autoptr(GString) versions = g_string_new (NULL);

  for (guint i = 0; i < manifests->len; i++)
    {
      g_autofree char *v = upg_version_to_string (
          upg_manifest_get_version (g_ptr_array_index (manifests, i)));

      g_string_append_printf (versions, "%s%s", i > 0 ? ", " : "", v);
    }

  g_print (_("Upgrade plan for site %s: %s → %s\n"), upg_plan_get_site_id (plan), from, to);
  g_print (_("Versions applied: %s\n"), versions->len > 0 ? versions->str : _("(none)"));
  if (upg_plan_get_mode (plan) == UPG_PLAN_MODE_ROLLING)
    g_print (_("Mode: rolling (every step is compatible, no downtime)\n"));
  else
    g_print (g_dngettext (GETTEXT_PACKAGE,
                          "Mode: stop-service (%u step needs manual confirmation)\n",
                          "Mode: stop-service (%u steps need manual confirmation)\n",
                          incompatible->len),
             incompatible->len);
}

static void
print_plan (UpgPlan *plan, JsonNode *annotated)
{
  Widths widths;
  guint number = 0;

  print_header (plan);
  measure_steps (plan, &widths);

  for (guint s = 0; s < UPG_N_STAGES; s++)
    {
      GPtrArray *steps = upg_plan_get_steps (plan, s);

      if (steps == NULL || steps->len == 0)
        continue;

      g_print ("\n%s\n", upg_stage_to_string (s));
      for (guint i = 0; i < steps->len; i++)
        print_step (plan, annotated, g_ptr_array_index (steps, i), ++number, &widths);
    }

  if (number == 0)
    g_print ("\n%s\n", _("(no steps for this site)"));
}

static UpgPlan *
build_plan (UpgCtl     *ctl,
            const char *from_text,
            const char *to_text,
            const char *site_option,
            GError    **error)
{
  g_autoptr(UpgVersion) from = NULL;
  g_autoptr(UpgVersion) to = NULL;
  UpgBundle *bundle;
  const char *site;

  from = upgctl_parse_version ("--from", from_text, error);
  if (from == NULL)
    return NULL;
  to = upgctl_parse_version ("--to", to_text, error);
  if (to == NULL)
    return NULL;
  site = upgctl_resolve_site (ctl, site_option, error);
  if (site == NULL)
    return NULL;
  bundle = upgctl_get_bundle (ctl, error);
  if (bundle == NULL)
    return NULL;

  return upg_plan_new (bundle, from, to, site, error);
}

/**
 * upgctl_cmd_plan:
 * @ctl: the invocation
 * @argc: argument count
 * @argv: arguments, `argv[0]` = `"plan"`
 *
 * Prints the plan from `--from` to `--to` for a site: as a table, or with
 * `--json` as upg_plan_to_json(); a step that needs manual confirmation
 * also says whether, by whom and when it was confirmed
 * (upg_executor_plan_to_json()).
 *
 * Returns: 0, or the exit code of the error
 */
int
upgctl_cmd_plan (UpgCtl *ctl, int argc, char **argv)
{
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *site = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(UpgPlan) plan = NULL;
  g_autoptr(JsonNode) annotated = NULL;
  g_auto(UpgCtlExec) exec = { 0 };
  const GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &from, N_("Version the site is at"), N_("V") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to, N_("Version to upgrade to"), N_("V") },
    { "site", 0, 0, G_OPTION_ARG_STRING, &site,
      N_("Site (default: the configuration's site_id)"), N_("ID") },
    G_OPTION_ENTRY_NULL
  };

  if (!upgctl_parse_options (ctl, entries, "plan", &argc, &argv, &error) ||
      !upgctl_expect_no_arguments (argc, argv, &error))
    return upgctl_fail (ctl, error);

  plan = build_plan (ctl, from, to, site, &error);
  if (plan == NULL)
    return upgctl_fail (ctl, error);

  /* Steps that need confirmation: whether, by whom and when they were
   * confirmed is in the journal. */
  if (upg_plan_get_incompatible_steps (plan)->len > 0)
    {
      if (!upgctl_exec_init (&exec, ctl, TRUE, &error) ||
          (annotated = upg_executor_plan_to_json (exec.executor, plan, &error)) == NULL)
        return upgctl_fail (ctl, error);
    }
  else
    annotated = upg_plan_to_json (plan);

  if (ctl->json)
    upgctl_print_json (ctl, annotated);
  else
    print_plan (plan, annotated);

  return 0;
}
