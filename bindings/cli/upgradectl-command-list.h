/* upgradectl-command-list.h - the commands of upgradectl, one line each
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An X-macro list: UPGCTL_COMMAND (name, summary) declares the function
 * `int upgctl_cmd_<name> (UpgCtl *ctl, int argc, char **argv)`, defined in
 * upgradectl-<name>.c, and puts it in the command table in this order
 * (the order `upgradectl --help` lists them). To add a command: add its
 * line here and its file to meson.build. No include guard on purpose.
 */
UPGCTL_COMMAND (plan, N_("Show the ordered steps from one version to another"))
UPGCTL_COMMAND (plugins, N_("List the loaded plugins and what they implement"))
UPGCTL_COMMAND (validate, N_("Lint the bundle: parse, references, versions, checksums"))
UPGCTL_COMMAND (assess, N_("Check resources, data quality, compatibility and duration of an upgrade"))
UPGCTL_COMMAND (confirm, N_("Confirm steps that need manual confirmation before they run"))
UPGCTL_COMMAND (run, N_("Run a stage of the upgrade for a site"))
UPGCTL_COMMAND (resume, N_("Continue an execution at its breakpoint"))
UPGCTL_COMMAND (rollback, N_("Run the rollback steps of a stage"))
UPGCTL_COMMAND (status, N_("Show an execution (the latest without an id)"))
UPGCTL_COMMAND (report, N_("Report an execution (text, json, markdown, html) or write a support bundle"))
UPGCTL_COMMAND (migrations, N_("List the batched migrations of a site, or pause, resume or cancel one"))
UPGCTL_COMMAND (backups, N_("List the backups made by backup steps, newest first"))
UPGCTL_COMMAND (restore, N_("Restore a backup (or one table of it) into its data source (--yes)"))
UPGCTL_COMMAND (history, N_("List the executions of a site, newest first"))
UPGCTL_COMMAND (unlock, N_("Remove a site's lock (--force)"))
UPGCTL_COMMAND (serve, N_("Serve the upgrade API over HTTP (SPEC §10)"))
