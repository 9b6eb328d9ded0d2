#!/usr/bin/python3
# cicd_hook.py - the hook a component team gives the CI/CD agent: called at
# each cut-point with the stage, it plans the upgrade, assesses it at the
# check cut-points, runs the stage's steps, prints the report and exits
# with the SPEC §9 code.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   cicd_hook.py STAGE [--from V] [--to V] [--site ID] [--env JSON]
#                [--bundle DIR] [--config FILE] [--state-dir DIR] [--json] [--confirm]
#
# STAGE is a cut-point or its alias (resource_check, business_check or
# pre_check, pre_stop or pre_upgrade_process, in_stop or
# startup_pre_process, post_start or startup_post_process, post_upgrade).
# The agent passes the rest in its own field names, as environment
# variables (the options win):
#
#   upgradeBeforeVersion or currentVersion   the version the site is at
#   upgradeAfterVersion or tagVersion        the version to upgrade to
#   siteId                                   the site (else the config's site_id)
#   environment or envInfo                   the site's environment, a JSON object
#   UPGRADE_BUNDLE, UPGRADE_CONFIG, UPGRADE_STATE_DIR   as for upgradectl
#
# At resource_check and business_check the assessment runs first; a failing
# verdict stops the hook before any step runs. Exit codes: 0 success or
# pass, 1 a step or check failed (breakpoint saved), 2 bad input, 3 another
# upgrade holds the site's lock, 4 assessment passed with warnings, 5 a
# statement is in doubt (resume with `upgradectl resume ID --retry|--skip`),
# 6 steps need manual confirmation (no or an unmet compatible_version;
# nothing ran): an operator checks them and calls the hook with --confirm,
# or runs `upgradectl confirm`.

import argparse
import getpass
import json
import os
import socket
import sys

import gi

gi.require_version('Upgrade', '1')
from gi.repository import GLib, Upgrade  # noqa: E402

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_WARN, EXIT_IN_DOUBT = 0, 1, 2, 4, 5
CHECK_STAGES = (Upgrade.Stage.RESOURCE_CHECK, Upgrade.Stage.BUSINESS_CHECK)


class BadInput(Exception):
    pass


def first_env(*names):
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description='Run one cut-point of an upgrade for the CI/CD agent.')
    parser.add_argument('stage', help='cut-point (stage name or alias)')
    parser.add_argument('--from', dest='from_version',
                        default=first_env('upgradeBeforeVersion', 'currentVersion'))
    parser.add_argument('--to', dest='to_version',
                        default=first_env('upgradeAfterVersion', 'tagVersion'))
    parser.add_argument('--site', default=first_env('siteId'))
    parser.add_argument('--env', default=first_env('environment', 'envInfo'))
    parser.add_argument('--bundle', default=first_env('UPGRADE_BUNDLE'))
    parser.add_argument('--config', default=first_env('UPGRADE_CONFIG'))
    parser.add_argument('--state-dir', default=None,
                        help='default: $UPGRADE_STATE_DIR, else /var/lib/upgrade (root) '
                             'or $XDG_STATE_HOME/upgrade')
    parser.add_argument('--json', action='store_true',
                        help='print one JSON document (plan, assessment, execution, report)')
    parser.add_argument('--confirm', action='store_true',
                        help='confirm the steps of the plan that need manual confirmation '
                             '(journaled as this user at this host); without, a stage with '
                             'such a step exits 6 and runs nothing')
    args = parser.parse_args(argv)
    for name, hint in (('from_version', '--from or upgradeBeforeVersion/currentVersion'),
                       ('to_version', '--to or upgradeAfterVersion/tagVersion'),
                       ('bundle', '--bundle or UPGRADE_BUNDLE')):
        if not getattr(args, name):
            raise BadInput('missing %s' % hint)
    args.state_dir = Upgrade.resolve_state_dir(args.state_dir)
    return args


def parse_env(text):
    if text is None:
        return None
    try:
        env = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInput('the environment is not JSON: %s' % error) from None
    if not isinstance(env, dict):
        raise BadInput('the environment must be a JSON object, not %s' % type(env).__name__)
    return env


class Hook:
    def __init__(self, args):
        self.args = args
        self.json = args.json
        self.document = {'plan': None, 'assessment': None, 'execution': None, 'report': None}
        self.stage = Upgrade.parse_stage(args.stage)
        self.from_version = Upgrade.Version.parse(args.from_version)
        self.to_version = Upgrade.Version.parse(args.to_version)
        self.env = parse_env(args.env)
        self.config = (Upgrade.Config.new_from_file(args.config) if args.config
                       else Upgrade.Config.new())
        self.site = args.site or self.config.get_site_id()
        if not self.site:
            raise BadInput('no site given: pass --site, set siteId, or site_id in the configuration')
        self.bundle = Upgrade.Bundle.new_for_path(args.bundle)
        # The configuration's plugin_dirs (else the system directory); plugins
        # get the configuration's data sources.
        self.plugins = Upgrade.PluginManager.new_for_config(self.config)

    def say(self, text=''):
        if not self.json:
            print(text, flush=True)

    def plan(self):
        plan = Upgrade.Plan.new(self.bundle, self.from_version, self.to_version, self.site)
        self.document['plan'] = plan.to_dict()
        self.say('== plan %s → %s, site %s: %s' % (self.from_version, self.to_version, self.site,
                                                  self.document['plan']['mode']))
        for stage, step in plan.iter_steps():
            mark = '' if step.is_compatible_from(self.from_version) else '  (needs confirmation)'
            here = '>' if stage == self.stage else ' '
            self.say('%s %-14s %-28s %s%s' % (here, Upgrade.stage_to_string(stage), step.get_id(),
                                              step.get_version(), mark))
        return plan

    def assess(self, plan):
        assessor = Upgrade.Assessor.new(plan, self.config)
        assessor.set_env(Upgrade.to_json_object(self.env))
        assessor.set_plugin_manager(self.plugins)
        if os.path.isdir(self.args.state_dir):
            assessor.set_disk_path(self.args.state_dir)
        assessment = assessor.run(None)
        self.document['assessment'] = assessment.to_dict()
        self.say('\n== assessment')
        self.say(assessment.render(Upgrade.ReportFormat.TEXT))
        return assessment.exit_code()

    def journal(self):
        return Upgrade.Journal.open_for_site(self.config, self.args.state_dir)

    def on_progress(self, _run, done, total, position, eta_seconds):
        eta = ', about %ds left' % eta_seconds if eta_seconds >= 0 else ''
        print('[%d/%d] %s%s' % (done, total, position, eta), file=sys.stderr, flush=True)

    def run_stage(self):
        executor = Upgrade.Executor.new(self.config, self.bundle, self.journal(),
                                        self.args.state_dir)
        executor.set_plugin_manager(self.plugins)
        if self.args.confirm:
            who = '%s@%s' % (getpass.getuser(), socket.gethostname())
            executor.confirm(self.from_version, self.to_version, self.site, None, who, 'hook')
        run = Upgrade.Run.new(Upgrade.RunKind.RUN, self.from_version, self.to_version,
                              self.stage)
        run.set_site_id(self.site)
        run.set_env(Upgrade.to_json_object(self.env))
        run.connect('progress', self.on_progress)
        self.say('\n== %s' % Upgrade.stage_to_string(self.stage))
        error = None
        try:
            executor.run(run, None)
        except GLib.Error as e:
            # A failed run keeps its execution (the breakpoint says where);
            # without one nothing started (bad input, site locked).
            if run.get_execution() is None:
                raise
            error = e
        execution = run.get_execution()
        self.document['execution'] = execution.to_dict()
        report_format = Upgrade.ReportFormat.JSON if self.json else Upgrade.ReportFormat.TEXT
        report = Upgrade.report_for_execution(executor.get_journal(), execution.get_id(),
                                              report_format)
        self.document['report'] = json.loads(report) if self.json else report
        self.say(report)
        if error is not None:
            print('cicd_hook: %s' % error.message, file=sys.stderr)
            return Upgrade.error_exit_code(error)
        return EXIT_OK

    def main(self):
        plan = self.plan()
        code = EXIT_OK
        if self.stage in CHECK_STAGES:
            code = self.assess(plan)
            if code == EXIT_FAILED:
                print('cicd_hook: the assessment failed; no step runs', file=sys.stderr)
                return code
        if plan.get_steps(self.stage):
            run_code = self.run_stage()
            if run_code != EXIT_OK:
                return run_code
        else:
            self.say('\n== %s: no step to run' % Upgrade.stage_to_string(self.stage))
        return code


def fail(code, message, as_json):
    if as_json:
        print(json.dumps({'error': {'code': code, 'message': message}}))
    print('cicd_hook: %s' % message, file=sys.stderr)


def main(argv):
    try:
        args = parse_arguments(argv)
    except BadInput as error:
        fail('invalid-argument', str(error), '--json' in argv)
        return EXIT_BAD_INPUT
    try:
        hook = Hook(args)
        code = hook.main()
    except BadInput as error:
        fail('invalid-argument', str(error), args.json)
        return EXIT_BAD_INPUT
    except GLib.Error as error:
        fail(Upgrade.error_code_nick(error), error.message, args.json)
        return Upgrade.error_exit_code(error)
    if args.json:
        print(json.dumps(hook.document, indent=2, ensure_ascii=False))
    return code


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
