#!/usr/bin/python3
# test_journal.py - the journal on a temporary SQLite file, through gi
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import shutil
import tempfile
import unittest

from upgtest import FinalizeWatch, GLib, Upgrade, assert_raises_upg, assert_upg_error


class JournalTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix='upg-python-journal-')
        self.addCleanup(shutil.rmtree, self.root)
        self.path = os.path.join(self.root, 'state', 'journal.db')
        self.journal = Upgrade.Journal.open_sqlite(self.path)

    def new_execution(self, site='bj-01'):
        return self.journal.create_execution(site, 'ft', '3.16.0', '3.18.0',
                                             Upgrade.Stage.IN_STOP, Upgrade.ExecutionKind.RUN,
                                             Upgrade.to_json_object({'cluster_id': site}))

    def test_open_creates_schema(self):
        self.assertTrue(os.path.exists(self.path))
        self.assertGreaterEqual(self.journal.get_schema_version(), 1)
        self.assertTrue(self.journal.ping())
        self.assertEqual(self.journal.get_connection().get_dialect(), Upgrade.Dialect.SQLITE)
        # Opening again migrates nothing and sees the same schema.
        again = Upgrade.Journal.open_sqlite(self.path)
        self.assertEqual(again.get_schema_version(), self.journal.get_schema_version())

    def test_execution_round_trip(self):
        eid = self.new_execution()
        record = Upgrade.to_python(self.journal.get_execution(eid))
        self.assertEqual((record['execution_id'], record['site'], record['stage'], record['status']),
                         (eid, 'bj-01', 'in_stop', 'RUNNING'))
        self.assertEqual(record['env'], {'cluster_id': 'bj-01'})
        self.assertTrue(self.journal.set_execution_status(eid, Upgrade.ExecutionStatus.SUCCESS, None))
        latest = Upgrade.to_python(self.journal.get_latest_execution('bj-01'))
        self.assertEqual(latest['execution_id'], eid)
        self.assertEqual(latest['status'], 'SUCCESS')
        execution = Upgrade.Execution.new_from_journal(self.journal.get_execution(eid))
        self.assertEqual(execution.get_id(), eid)
        self.assertEqual(execution.get_status(), Upgrade.ExecutionStatus.SUCCESS)
        self.assertEqual(str(execution.get_to()), '3.18.0')
        self.assertEqual(execution.to_dict()['status'], 'SUCCESS')

    def test_history_newest_first(self):
        ids = []
        for i in range(3):
            # Distinct start times: equal ones order by random UUID.
            self.journal.set_now(1_700_000_000_000 + i * 1000)
            ids.append(self.new_execution())
        self.new_execution(site='US')
        history = Upgrade.to_python(self.journal.list_executions('bj-01', 10))
        self.assertEqual(len(history), 3)
        self.assertEqual([h['execution_id'] for h in history], ids[::-1])
        self.assertEqual(len(Upgrade.to_python(self.journal.list_executions(None, 10))), 4)

    def test_statements_and_breakpoint(self):
        eid = self.new_execution()
        self.assertTrue(self.journal.add_step(eid, 'ft', '3.17.0', 'sql_001', Upgrade.Stage.IN_STOP))
        self.assertTrue(self.journal.begin_step(eid, 'ft', '3.17.0', 'sql_001', Upgrade.Stage.IN_STOP))
        rid = self.journal.begin_statement(eid, 'ft', '3.17.0', 'sql_001', 'sql/a.sql', 3, 1,
                                           'UPDATE orders SET status = 1', 'ft_db')
        self.assertTrue(self.journal.finish_statement(rid, Upgrade.StatementStatus.FAILED, 0,
                                                      '1146', "Table 'ft.orders' doesn't exist"))
        self.assertTrue(self.journal.save_breakpoint(eid, 'sql_001', 'sql/a.sql', 3, 1,
                                                     'UPDATE orders SET status = 1', '1146',
                                                     "Table 'ft.orders' doesn't exist"))
        statements = Upgrade.to_python(self.journal.list_statements(eid))
        self.assertEqual(len(statements), 1)
        self.assertEqual(statements[0]['status'], 'FAILED')
        breakpoint_ = Upgrade.to_python(self.journal.get_breakpoint(eid))
        self.assertEqual(breakpoint_['step_id'], 'sql_001')
        self.assertEqual(breakpoint_['line'], 3)
        found = self.journal.lookup_statement(eid, 'ft', '3.17.0', 'sql_001', 'sql/a.sql', 1)
        self.assertIsNotNone(found)
        self.assertIsNone(self.journal.lookup_statement(eid, 'ft', '3.17.0', 'sql_001', 'sql/a.sql', 2))
        self.assertTrue(self.journal.resolve_breakpoint(eid))
        self.assertIsNone(self.journal.get_breakpoint(eid))

    def test_lock(self):
        eid = self.new_execution()
        ok, takeover = self.journal.acquire_lock('bj-01', eid)
        self.assertTrue(ok)
        self.assertIsNone(takeover)
        lock = Upgrade.to_python(self.journal.get_lock('bj-01'))
        self.assertEqual(lock['pid'], os.getpid())
        other = Upgrade.Journal.open_sqlite(self.path)
        other.set_pid(1)  # another live owner on this host (init never dies)
        with self.assertRaises(GLib.Error) as cm:
            other.acquire_lock('bj-01', self.new_execution())
        assert_upg_error(self, cm.exception, Upgrade.Error.LOCKED)
        self.assertEqual(Upgrade.error_exit_code(cm.exception), 3)
        self.assertTrue(self.journal.release_lock('bj-01'))
        self.assertIsNone(self.journal.get_lock('bj-01'))

    def test_unknown_execution(self):
        unknown = '00000000-0000-0000-0000-000000000000'
        assert_raises_upg(self, Upgrade.Error.NOT_FOUND, [unknown],
                          self.journal.get_execution, unknown)

    def test_unwritable_path(self):
        assert_raises_upg(self, None, ['/proc/no'], Upgrade.Journal.open_sqlite,
                          '/proc/no/journal.db')

    def test_no_journal_left_open(self):
        watch = FinalizeWatch()
        watch.watch(self.journal, 'journal')
        connection = watch.watch(self.journal.get_connection(), 'connection')
        self.new_execution()
        Upgrade.to_python(self.journal.list_executions(None, 10))
        del self.journal, connection
        watch.assert_all_finalized(self)


if __name__ == '__main__':
    unittest.main(verbosity=2)
