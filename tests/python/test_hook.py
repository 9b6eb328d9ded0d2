#!/usr/bin/python3
# test_hook.py - examples/hooks/cicd_hook.py, as the CI/CD agent calls it,
# on the example bundle with SQLite data sources
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import os
import subprocess
import sys
import unittest

from upgtest import (BUILD_ROOT, BUNDLE, FROM, SITE, SOURCE_ROOT, TO, HeldLock, SiteTestCase,
                     Upgrade, stages_without_confirmations, upgradectl_json)

HOOK = os.path.join(SOURCE_ROOT, 'examples', 'hooks', 'cicd_hook.py')


class HookTest(SiteTestCase):
    def hook(self, *args, **fields):
        """Runs the hook with the agent's fields as environment variables;
        returns (exit code, JSON document or None, stdout, stderr)."""
        env = dict(os.environ)
        for name in ('upgradeBeforeVersion', 'currentVersion', 'upgradeAfterVersion',
                     'tagVersion', 'siteId', 'environment', 'envInfo'):
            env.pop(name, None)
        env.update(UPGRADE_BUNDLE=BUNDLE, UPGRADE_CONFIG=self.config_path,
                   UPGRADE_STATE_DIR=self.state_dir)
        env.update(fields)
        proc = subprocess.run([sys.executable, HOOK] + list(args), env=env,
                              capture_output=True, text=True, check=False)
        document = json.loads(proc.stdout) if '--json' in args and proc.stdout else None
        return proc.returncode, document, proc.stdout, proc.stderr

    def test_stages_in_order_then_exactly_once(self):
        cli_rc, cli_plan = upgradectl_json('plan', '--from', FROM, '--to', TO, '--site', SITE)
        self.assertEqual(cli_rc, 0)
        # The agent's two spellings of the versions, and stage aliases.
        fields = [dict(currentVersion='V' + FROM, tagVersion='V' + TO),
                  dict(upgradeBeforeVersion=FROM, upgradeAfterVersion=TO)]
        for i, stage in enumerate(['pre_upgrade_process', 'startup_pre_process',
                                   'startup_post_process']):
            with self.subTest(stage=stage):
                # The first call confirms the plan's steps that need it.
                confirm = ('--confirm',) if i == 0 else ()
                rc, doc, _, err = self.hook(stage, '--json', *confirm, **fields[i % 2])
                self.assertEqual(rc, 0, err)
                self.assertEqual(doc['plan']['stages'], stages_without_confirmations(cli_plan['stages']))
                canonical = Upgrade.stage_to_string(Upgrade.parse_stage(stage))
                self.assertEqual(doc['execution']['stage'], canonical)
                self.assertEqual(doc['execution']['status'], 'SUCCESS')
                planned = next(x for x in cli_plan['stages'] if x['stage'] == canonical)
                self.assertEqual([s['id'] for s in doc['execution']['steps']],
                                 [s['id'] for s in planned['steps']])
                self.assertEqual(doc['report']['execution_id'], doc['execution']['execution_id'])
        self.assertEqual(self.sqlite('ft_db', "SELECT COUNT(*) FROM pragma_table_info('orders')"
                                              " WHERE name = 'priority'"), [(1,)])
        # Called again at in_stop (the agent retried): nothing runs twice.
        rc, doc, _, err = self.hook('in_stop', '--json', currentVersion=FROM, tagVersion=TO)
        self.assertEqual(rc, 0, err)
        self.assertEqual({s['status'] for s in doc['execution']['steps']}, {'SKIPPED'})

    def test_text_output(self):
        rc, _, out, err = self.hook('pre_stop', currentVersion=FROM, tagVersion=TO, siteId=SITE)
        # legacy_backup_services has no compatible_version: nothing ran.
        self.assertEqual(rc, 6, err)
        self.assertIn('legacy_backup_services', err)
        self.assertNotIn('[SUCCESS]', out)
        rc, _, out, err = self.hook('pre_stop', '--confirm', currentVersion=FROM, tagVersion=TO,
                                    siteId=SITE)
        self.assertEqual(rc, 0, err)
        self.assertIn('== plan 3.16.0 → 3.18.0, site %s: stop-service' % SITE, out)
        self.assertIn('[SUCCESS] ft_backup_orders', out)
        self.assertIn('[10/10]', err)  # progress lines from the executor's signal

    def test_resource_check_agrees_with_upgradectl_assess(self):
        # The host's CPU idle share is sampled by each call and moves with
        # the machine's load: no threshold for it, so both calls see the
        # same verdicts whatever else runs (the item itself is still there).
        env = json.dumps({'min_cpu_idle_percent': 0})
        rc, doc, out, err = self.hook('resource_check', '--json', currentVersion=FROM,
                                      tagVersion=TO, envInfo=env)
        cli_rc, cli = upgradectl_json('assess', '--from', FROM, '--to', TO, '--site', SITE,
                                      '--env', env, config=self.config_path,
                                      state_dir=self.state_dir)
        self.assertIn(rc, (0, 1, 4), err)
        self.assertEqual(rc, cli_rc)
        self.assertEqual(doc['assessment']['verdict'], cli['verdict'])
        self.assertEqual([(i['check'], i['id'], i['verdict']) for i in doc['assessment']['items']
                          if i['check'] != 'resource'],
                         [(i['check'], i['id'], i['verdict']) for i in cli['items']
                          if i['check'] != 'resource'])
        self.assertIsNone(doc['execution'])  # resource_check has no steps
        self.assertEqual(rc, {'pass': 0, 'warn': 4, 'fail': 1}[doc['assessment']['verdict']])

    def test_plugins_of_the_configuration(self):
        # The shipped host-resources plugin, run in the built plugin host
        # ($UPGRADE_PLUGIN_HOST), adds its items to the assessment.
        with open(self.config_path, encoding='utf-8') as f:
            config = json.load(f)
        config['plugin_dirs'] = [os.path.join(BUILD_ROOT, 'plugins')]
        with open(self.config_path, 'w', encoding='utf-8') as f:
            json.dump(config, f)
        rc, doc, _, err = self.hook('resource_check', '--json', currentVersion=FROM,
                                    tagVersion=TO)
        self.assertIn(rc, (0, 1, 4), err)
        ids = {(i['check'], i['id']) for i in doc['assessment']['items']}
        self.assertIn(('resource', 'cpu'), ids)
        self.assertIn(('resource', 'disk:' + BUNDLE), ids)

    def test_failure_then_rerun_after_the_fix(self):
        self.sqlite('mid_db', 'ALTER TABLE services RENAME TO services_moved')
        rc, doc, _, err = self.hook('pre_stop', '--json', '--confirm', currentVersion=FROM,
                                    tagVersion=TO)
        self.assertEqual(rc, 1, err)
        self.assertEqual(doc['execution']['status'], 'FAILED')
        breakpoint_ = doc['execution']['breakpoint']
        self.assertEqual(breakpoint_['step_id'], 'legacy_backup_services')
        self.assertEqual(breakpoint_['file'], 'sql/3.17.5/000_backup_services.sql')
        self.assertIn('services', breakpoint_['error'])
        self.assertIn('statement failed', err)
        self.sqlite('mid_db', 'ALTER TABLE services_moved RENAME TO services')
        rc, doc2, _, err = self.hook('pre_stop', '--json', currentVersion=FROM, tagVersion=TO)
        self.assertEqual(rc, 0, err)
        self.assertEqual(doc2['execution']['execution_id'], doc['execution']['execution_id'])
        self.assertEqual(doc2['execution']['status'], 'SUCCESS')

    def test_bad_input_exits_2(self):
        cases = [
            (('in_stop', '--json'), dict(currentVersion='3.x', tagVersion=TO), 'invalid-version',
             "version '3.x' is not valid"),
            (('during', '--json'), dict(currentVersion=FROM, tagVersion=TO), 'invalid-stage',
             "stage 'during' is not known"),
            (('in_stop', '--json'), dict(tagVersion=TO), 'invalid-argument',
             'upgradeBeforeVersion/currentVersion'),
            (('in_stop', '--json', '--env', '[1]'), dict(currentVersion=FROM, tagVersion=TO),
             'invalid-argument', 'JSON object'),
            (('in_stop', '--json'), dict(currentVersion=TO, tagVersion=FROM), 'plan', '3.18.0'),
            # A typo in the site id runs nothing on another site's data.
            (('in_stop', '--json'), dict(currentVersion=FROM, tagVersion=TO, siteId='bj-1'),
             'invalid-argument', "site 'bj-1' is not a site of this configuration"),
        ]
        for args, fields, code, message in cases:
            with self.subTest(args=args, fields=fields):
                rc, doc, _, err = self.hook(*args, **fields)
                self.assertEqual(rc, 2, err)
                self.assertEqual(doc['error']['code'], code)
                self.assertIn(message, doc['error']['message'])

    def test_locked_site_exits_3(self):
        # A child upgradectl in the middle of a step holds the site's lock.
        with HeldLock(self.root, self.config_path, self.state_dir):
            rc, doc, _, err = self.hook('in_stop', '--json', '--confirm', currentVersion=FROM,
                                        tagVersion=TO)
        self.assertEqual(rc, 3, err)
        self.assertEqual(doc['error']['code'], 'locked')


if __name__ == '__main__':
    unittest.main(verbosity=2)
