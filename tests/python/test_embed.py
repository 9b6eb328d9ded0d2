#!/usr/bin/python3
# test_embed.py - examples/embed/upgrade-embed on the example bundle with
# SQLite data sources
#
#   test_embed.py UPGRADE_EMBED [WRAPPER]
#
# WRAPPER (e.g. "valgrind --leak-check=full --error-exitcode=1 ...") runs
# the program under a checker; its findings fail the test.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import shlex
import shutil
import subprocess
import sys
import unittest

from upgtest import BUNDLE, FROM, TO, HeldLock, SiteTestCase, Upgrade

if len(sys.argv) < 2:
    sys.exit('usage: test_embed.py UPGRADE_EMBED [WRAPPER]')
EMBED = sys.argv.pop(1)
WRAPPER = shlex.split(sys.argv.pop(1)) if len(sys.argv) > 1 else []


class EmbedTest(SiteTestCase):
    def embed(self, *args):
        if WRAPPER and shutil.which(WRAPPER[0]) is None:
            self.fail('%s is not installed' % WRAPPER[0])
        env = dict(os.environ, G_SLICE='always-malloc') if WRAPPER else None
        proc = subprocess.run(WRAPPER + [EMBED] + list(args), capture_output=True, text=True,
                              check=False, env=env)
        return proc.returncode, proc.stdout, proc.stderr

    def test_runs_a_stage_with_signals(self):
        # legacy_backup_services has no compatible_version: refused, nothing ran.
        rc, out, err = self.embed(BUNDLE, self.config_path, FROM, TO, 'pre_upgrade_process',
                                  self.state_dir)
        self.assertEqual(rc, 6, err)
        self.assertIn('legacy_backup_services', err)
        self.assertNotIn(') started', out)
        rc, out, err = self.embed('--confirm', BUNDLE, self.config_path, FROM, TO,
                                  'pre_upgrade_process', self.state_dir)
        self.assertEqual(rc, 0, err)
        lines = out.splitlines()
        self.assertEqual(lines[0], 'plan stop-service: 8 steps in pre_stop')
        self.assertEqual(lines[1], '  ft_backup_orders (3.17.0, sql)')
        self.assertIn('step ft_backup_orders (3.17.0) started', lines)
        self.assertIn('progress 1/10 sql/3.17.0/001_backup_orders.sql:4', lines)
        self.assertIn('progress 10/10 sql/3.18.0/002_copy_endpoints.sql:9', lines)
        finished = [line for line in lines if ') SUCCESS in ' in line]
        self.assertEqual(len(finished), 8)
        # ft_render_config wrote ft's configuration beside the site's upgrade.json.
        with open(os.path.join(self.root, 'etc', 'ft', 'application.properties'), encoding='utf-8') as f:
            self.assertIn('ft.cluster.id=bj-01\n', f.read())
        self.assertRegex(lines[-1], r'^execution [0-9a-f-]{36}: SUCCESS$')
        self.assertEqual(self.sqlite('mid_db', 'SELECT COUNT(*) FROM service_endpoint'),
                         self.sqlite('mid_db', 'SELECT COUNT(*) FROM services'))

    def test_refused_run_confirms_nothing(self):
        # Another upgrade holds the lock: --confirm is refused (3) and
        # journals no confirmation, so a plain run is still refused (6).
        with HeldLock(self.root, self.config_path, self.state_dir):
            rc, out, err = self.embed('--confirm', BUNDLE, self.config_path, FROM, TO, 'pre_stop',
                                      self.state_dir)
        self.assertEqual(rc, 3, err)
        self.assertNotIn(') started', out)
        confirmed = self.open_executor().list_confirmations(Upgrade.Version.parse(FROM),
                                                            Upgrade.Version.parse(TO), None)
        self.assertEqual(confirmed.get_length(), 0)
        rc, out, err = self.embed(BUNDLE, self.config_path, FROM, TO, 'pre_stop', self.state_dir)
        self.assertEqual(rc, 6, err)
        self.assertIn('legacy_backup_services', err)

    def test_failing_step_exits_1(self):
        self.sqlite('ft_db', 'ALTER TABLE orders RENAME TO orders_moved')
        rc, out, err = self.embed('--confirm', BUNDLE, self.config_path, FROM, TO, 'pre_stop',
                                  self.state_dir)
        self.assertEqual(rc, 1, err)
        self.assertIn('step ft_backup_orders (3.17.0) FAILED', out)
        self.assertRegex(out.splitlines()[-1], r'^execution [0-9a-f-]{36}: FAILED$')
        self.assertIn('001_backup_orders.sql:14', err)

    def test_bad_input_exits_2(self):
        cases = [
            ((BUNDLE, self.config_path, '3.x', TO, 'pre_stop'), "version '3.x' is not valid"),
            ((BUNDLE, self.config_path, FROM, TO, 'during'), "stage 'during' is not known"),
            (('/nonexistent', self.config_path, FROM, TO, 'pre_stop'), '/nonexistent'),
            ((BUNDLE, self.config_path, TO, FROM, 'pre_stop'), '3.18.0'),
            ((BUNDLE,), 'usage: upgrade-embed'),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                rc, _, err = self.embed(*args)
                self.assertEqual(rc, 2, err)
                self.assertIn(message, err)


if __name__ == '__main__':
    unittest.main(verbosity=2)
