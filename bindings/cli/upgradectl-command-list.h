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
