#!/usr/bin/python3
# test_journal.py - the journal through gi: what real runs of the example
# bundle (SQLite data sources, an SQLite journal in a temporary directory)
# leave in it, read back with the public journal API. The engine alone
# writes executions, steps, statements and breakpoints; these tests reach
# each state the way an operator does: a run, a failing statement, a
# resume, another process holding the site's lock.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import unittest

from upgtest import (FROM, SITE, TO, FinalizeWatch, GLib, HeldLock, SiteTestCase, Upgrade,
                     assert_raises_upg, assert_upg_error)

FAILING_FILE = 'sql/3.17.0/001_backup_orders.sql'


class JournalTest(SiteTestCase):
    def setUp(self):
        super().setUp()
        self.executor = self.open_executor()
        # The example's legacy steps have no compatible_version: an
        # operator confirms them before the runs (SPEC §3).
        self.executor.confirm(Upgrade.Version.parse(FROM), Upgrade.Version.parse(TO), SITE, None,
                              'tester@python', 'test')
        self.journal = self.executor.get_journal()

    def run_stage(self, stage, resume_of=None):
        """Runs `stage` of FROM → TO (or resumes execution `resume_of` with
        retry); returns (execution id, error or None)."""
        if resume_of is not None:
            run = Upgrade.Run.new_resume(resume_of, Upgrade.ResumeAction.RETRY)
        else:
            run = Upgrade.Run.new(Upgrade.RunKind.RUN, Upgrade.Version.parse(FROM),
                                  Upgrade.Version.parse(TO), stage)
            run.set_site_id(SITE)
        try:
            self.assertTrue(self.executor.run(run, None))
            error = None
        except GLib.Error as e:
            error = e
        return run.get_execution().get_id(), error

    def test_open_creates_schema(self):
        path = os.path.join(self.root, 'other', 'journal.db')
        journal = Upgrade.Journal.open_sqlite(path)
        self.assertTrue(os.path.exists(path))
        self.assertGreaterEqual(journal.get_schema_version(), 1)
        self.assertTrue(journal.ping())
        self.assertEqual(journal.get_connection().get_dialect(), Upgrade.Dialect.SQLITE)
        # Opening again migrates nothing and sees the same schema.
        again = Upgrade.Journal.open_sqlite(path)
        self.assertEqual(again.get_schema_version(), journal.get_schema_version())
        assert_raises_upg(self, Upgrade.Error.NOT_FOUND, [SITE], again.get_latest_execution, SITE)

    def test_execution_round_trip(self):
        eid, error = self.run_stage(Upgrade.Stage.PRE_STOP)
        self.assertIsNone(error)
        record = Upgrade.to_python(self.journal.get_execution(eid))
        self.assertEqual((record['execution_id'], record['site'], record['stage'], record['status'],
                          record['kind'], record['from'], record['to']),
                         (eid, SITE, 'pre_stop', 'SUCCESS', 'run', FROM, TO))
        self.assertEqual(record['env']['cluster_id'], SITE)
        self.assertTrue(record['steps'])
        self.assertTrue(all(s['status'] == 'SUCCESS' for s in record['steps']))
        self.assertIsNone(record['breakpoint'])
        latest = Upgrade.to_python(self.journal.get_latest_execution(SITE))
        self.assertEqual(latest['execution_id'], eid)
        execution = Upgrade.Execution.new_from_journal(self.journal.get_execution(eid))
        self.assertEqual(execution.get_id(), eid)
        self.assertEqual(execution.get_status(), Upgrade.ExecutionStatus.SUCCESS)
        self.assertEqual(str(execution.get_to()), TO)
        self.assertEqual(execution.to_dict()['status'], 'SUCCESS')

    def test_history_newest_first(self):
        ids = []
        for stage in (Upgrade.Stage.PRE_STOP, Upgrade.Stage.IN_STOP, Upgrade.Stage.POST_START):
            eid, error = self.run_stage(stage)
            self.assertIsNone(error)
            ids.append(eid)
        history = Upgrade.to_python(self.journal.list_executions(SITE, 10))
        self.assertEqual([h['execution_id'] for h in history], ids[::-1])
        self.assertEqual([h['stage'] for h in history], ['post_start', 'in_stop', 'pre_stop'])
        self.assertEqual([h['execution_id'] for h in
                          Upgrade.to_python(self.journal.list_executions(SITE, 2))], ids[:0:-1])
        self.assertEqual(len(Upgrade.to_python(self.journal.list_executions(None, 10))), 3)
        self.assertEqual(Upgrade.to_python(self.journal.list_executions('nowhere', 10)), [])

    def test_statements_and_breakpoint(self):
        # The backup's INSERT … SELECT FROM orders fails while orders is away.
        self.sqlite('ft_db', 'ALTER TABLE orders RENAME TO orders_away')
        eid, error = self.run_stage(Upgrade.Stage.PRE_STOP)
        assert_upg_error(self, error, Upgrade.Error.STEP_FAILED)
        record = Upgrade.to_python(self.journal.get_execution(eid))
        self.assertEqual(record['status'], 'FAILED')

        statements = [s for s in Upgrade.to_python(self.journal.list_statements(eid))
                      if s['file'] == FAILING_FILE]
        # The CREATE TABLE (line 4) took effect; the INSERT (line 14) was
        # refused (a missing table is no transient error: no retry).
        self.assertEqual([(s['line'], s['sequence'], s['status']) for s in statements],
                         [(4, 1, 'SUCCESS'), (14, 2, 'FAILED')])
        self.assertIn('orders', statements[-1]['error'])

        breakpoint_ = Upgrade.to_python(self.journal.get_breakpoint(eid))
        self.assertEqual((breakpoint_['step_id'], breakpoint_['file'], breakpoint_['line'],
                          breakpoint_['sequence']), ('ft_backup_orders', FAILING_FILE, 14, 2))
        self.assertIn('INSERT INTO orders_bak_3170', breakpoint_['statement'])

        found = Upgrade.to_python(self.journal.lookup_statement(eid, 'ft', '3.17.0', 'ft_backup_orders',
                                                                FAILING_FILE, 1))
        self.assertEqual(found['status'], 'SUCCESS')
        self.assertIsNone(self.journal.lookup_statement(eid, 'ft', '3.17.0', 'ft_backup_orders',
                                                        FAILING_FILE, 3))

        # The operator fixes the cause and resumes: the same execution goes
        # on from the breakpoint, which the engine resolves.
        self.sqlite('ft_db', 'ALTER TABLE orders_away RENAME TO orders')
        resumed, error = self.run_stage(None, resume_of=eid)
        self.assertIsNone(error)
        self.assertEqual(resumed, eid)
        self.assertIsNone(self.journal.get_breakpoint(eid))
        record = Upgrade.to_python(self.journal.get_execution(eid))
        self.assertEqual((record['status'], record['resume_count']), ('SUCCESS', 1))
        found = Upgrade.to_python(self.journal.lookup_statement(eid, 'ft', '3.17.0', 'ft_backup_orders',
                                                                FAILING_FILE, 2))
        self.assertEqual(found['status'], 'SUCCESS')
        self.assertEqual(self.sqlite('ft_db', 'SELECT COUNT(*) FROM orders_bak_3170'),
                         self.sqlite('ft_db', 'SELECT COUNT(*) FROM orders'))

    def test_lock(self):
        eid, error = self.run_stage(Upgrade.Stage.PRE_STOP)
        self.assertIsNone(error)
        self.assertIsNone(self.journal.get_lock(SITE))
        with HeldLock(self.root, self.config_path, self.state_dir) as holder:
            lock = Upgrade.to_python(self.journal.get_lock(SITE))
            self.assertEqual(lock['pid'], holder.pid)
            with self.assertRaises(GLib.Error) as cm:
                self.journal.acquire_lock(SITE, eid)
            assert_upg_error(self, cm.exception, Upgrade.Error.LOCKED)
            self.assertEqual(Upgrade.error_exit_code(cm.exception), 3)
            # A live holder is not unlocked by force either.
            with self.assertRaises(GLib.Error) as cm:
                self.journal.force_unlock(SITE)
            assert_upg_error(self, cm.exception, Upgrade.Error.LOCKED)
        self.assertIsNone(self.journal.get_lock(SITE))
        ok, takeover = self.journal.acquire_lock(SITE, eid)
        self.assertTrue(ok)
        self.assertIsNone(takeover)
        self.assertEqual(Upgrade.to_python(self.journal.get_lock(SITE))['pid'], os.getpid())
        self.assertTrue(self.journal.release_lock(SITE))
        self.assertIsNone(self.journal.get_lock(SITE))

    def test_write_protocol_is_private(self):
        # Only the engine writes executions, steps, statements and
        # breakpoints: none of the write protocol is in the typelib.
        for name in ('create_execution', 'set_execution_status', 'add_step', 'begin_step',
                     'begin_statement', 'finish_statement', 'save_breakpoint',
                     'resolve_breakpoint', 'set_now', 'set_pid'):
            self.assertFalse(hasattr(Upgrade.Journal, name), name)
        for name in ('get_execution', 'list_executions', 'list_statements', 'get_breakpoint',
                     'acquire_lock', 'release_lock', 'force_unlock', 'get_now', 'get_pid'):
            self.assertTrue(hasattr(Upgrade.Journal, name), name)

    def test_unknown_execution(self):
        unknown = '00000000-0000-0000-0000-000000000000'
        assert_raises_upg(self, Upgrade.Error.NOT_FOUND, [unknown],
                          self.journal.get_execution, unknown)

    def test_unwritable_path(self):
        assert_raises_upg(self, None, ['/proc/no'], Upgrade.Journal.open_sqlite,
                          '/proc/no/journal.db')

    def test_no_journal_left_open(self):
        self.run_stage(Upgrade.Stage.PRE_STOP)
        journal = Upgrade.Journal.new(Upgrade.Config.new_from_file(self.config_path)
                                      .get_journal().open(None))
        watch = FinalizeWatch()
        watch.watch(journal, 'journal')
        connection = watch.watch(journal.get_connection(), 'connection')
        self.assertEqual(len(Upgrade.to_python(journal.list_executions(None, 10))), 1)
        del journal, connection
        watch.assert_all_finalized(self)


if __name__ == '__main__':
    unittest.main(verbosity=2)
