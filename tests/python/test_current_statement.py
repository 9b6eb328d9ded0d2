#!/usr/bin/python3
# test_current_statement.py - Upgrade.Run.dup_current_statement(): the
# statement a run is sending now, as a CI/CD agent's script asks it
# through gi.repository while the run goes on in its worker thread
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import os
import sqlite3
import tempfile
import unittest

from upgtest import GLib, Upgrade, remove_tree

SITE = 'bj-01'


class CurrentStatementTest(unittest.TestCase):
    """A site of its own: app.sqlite, and a pre_stop of three steps: an
    insert (the run's connection, target lock and markers are set up by
    it), a command step that waits until the test writes to a FIFO, and
    the insert whose statement the test makes wait by holding the
    database's write lock meanwhile. No sleeps: the test releases the
    lock once it has seen the statement, and fails at once if the run
    ends before it was seen."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix='upg-python-current-')
        self.addCleanup(remove_tree, self.root)
        self.bundle = os.path.join(self.root, 'bundle')
        os.makedirs(os.path.join(self.bundle, 'manifests'))
        os.makedirs(os.path.join(self.bundle, 'sql'))
        self.db = os.path.join(self.root, 'app.sqlite')
        db = sqlite3.connect(self.db)
        db.execute('CREATE TABLE t (id INTEGER)')
        db.commit()
        db.close()
        self.go = os.path.join(self.root, 'go')
        os.mkfifo(self.go)
        steps = [
            {'id': 'first', 'compatible_version': '0.1.0', 'database': 'db', 'sql_scripts': ['sql/first.sql']},
            {'id': 'wait', 'compatible_version': '0.1.0',
             'command': ['sh', '-c', 'read answer < "$1"', 'wait', self.go]},
            {'id': 'blocked', 'compatible_version': '0.1.0', 'database': 'db',
             'sql_scripts': ['sql/blocked.sql']},
        ]
        with open(os.path.join(self.bundle, 'manifests', '1.0.0.json'), 'w', encoding='utf-8') as f:
            json.dump({'version': '1.0.0', 'version_type': 'baseline', 'component': 'app',
                       'upgrade_steps': {'pre_stop': steps}}, f)
        with open(os.path.join(self.bundle, 'sql', 'first.sql'), 'w', encoding='utf-8') as f:
            f.write('INSERT INTO t VALUES (1);\n')
        with open(os.path.join(self.bundle, 'sql', 'blocked.sql'), 'w', encoding='utf-8') as f:
            f.write('-- waits for the write lock the test holds\n\nINSERT INTO t VALUES (2);\n')
        self.state_dir = os.path.join(self.root, 'state')
        os.mkdir(self.state_dir)
        self.config_path = os.path.join(self.root, 'upgrade.json')
        with open(self.config_path, 'w', encoding='utf-8') as f:
            json.dump({'site_id': SITE,
                       'datasources': {'db': {'provider': 'SQLite', 'path': self.db}},
                       'journal': {'provider': 'SQLite',
                                   'path': os.path.join(self.state_dir, 'journal.db')}}, f)

    def test_running_statement(self):
        config = Upgrade.Config.new_from_file(self.config_path)
        journal = Upgrade.Journal.new(config.get_journal().open(None))
        executor = Upgrade.Executor.new(config, Upgrade.Bundle.new_for_path(self.bundle), journal,
                                        self.state_dir)
        run = Upgrade.Run.new(Upgrade.RunKind.RUN, Upgrade.Version.parse('0.9.0'),
                              Upgrade.Version.parse('1.0.0'), Upgrade.Stage.PRE_STOP)
        run.set_site_id(SITE)
        self.assertIsNone(run.dup_current_statement())
        holder = sqlite3.connect(self.db, isolation_level=None)
        self.addCleanup(holder.close)
        loop = GLib.MainLoop()
        outcome = {}

        def done(source, result):
            try:
                outcome['ok'] = source.run_finish(result)
            except GLib.Error as error:
                outcome['error'] = error
            loop.quit()

        def look():
            # Until the run sends the statement; it cannot get past it
            # while the lock is held.
            current = run.dup_current_statement()
            if current is None or current.get_step_id() != 'blocked':
                return GLib.SOURCE_CONTINUE
            outcome['seen'] = current
            outcome['seen_again'] = run.dup_current_statement()
            holder.execute('ROLLBACK')
            return GLib.SOURCE_REMOVE

        def step_started(_run, step_id, *_):
            if step_id != 'wait':
                return
            # 'first' is done and the run waits in the command step:
            # take the write lock, then let the step end.
            holder.execute('BEGIN IMMEDIATE')
            with open(self.go, 'w', encoding='utf-8') as f:
                f.write('go\n')
            # Between two looks, not a deadline: the run ending first
            # stops the loop.
            GLib.timeout_add(5, look)

        run.connect('step-started', step_started)
        executor.run_async(run, None, done)
        loop.run()

        self.assertNotIn('error', outcome)
        self.assertIn('seen', outcome, 'the run ended before its statement was seen running')
        current = outcome['seen']
        self.assertIsInstance(current, Upgrade.CurrentStatement)
        self.assertEqual(current.get_step_id(), 'blocked')
        self.assertEqual(current.get_file(), 'sql/blocked.sql')
        self.assertIsNone(current.get_task())
        self.assertEqual(current.get_line(), 3)
        self.assertEqual(current.get_sequence(), 1)
        started = current.get_started()
        self.assertIsInstance(started, GLib.DateTime)
        self.assertLessEqual(started.to_unix(), GLib.DateTime.new_now_utc().to_unix())
        self.assertGreaterEqual(current.get_running_seconds(), 0)
        # A copy, taken when asked: it stays after the run went on.
        self.assertEqual(outcome['seen_again'].get_step_id(), 'blocked')
        self.assertEqual(current.copy().get_file(), 'sql/blocked.sql')

        self.assertTrue(outcome['ok'])
        self.assertEqual(run.get_execution().get_status(), Upgrade.ExecutionStatus.SUCCESS)
        self.assertIsNone(run.dup_current_statement())
        self.assertEqual(holder.execute('SELECT id FROM t ORDER BY id').fetchall(), [(1,), (2,)])


if __name__ == '__main__':
    unittest.main()
