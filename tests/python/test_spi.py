#!/usr/bin/python3
# test_spi.py - the plugin-facing types through gi: UpgContext with Python
# callbacks (checkpoint saver, connection resolver), its JSON form, the SQL
# splitter and statements
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import shutil
import tempfile
import unittest

from upgtest import BUILD_ROOT, BUNDLE, FinalizeWatch, GLib, Upgrade, assert_upg_error

SQL = b"""-- @database: ft_db
CREATE TABLE a (id INT);
INSERT INTO a VALUES (1), (2);
DELIMITER //
CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END//
DELIMITER ;
"""


class ContextTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix='upg-python-spi-')
        self.addCleanup(shutil.rmtree, self.root)

    def context(self):
        context = Upgrade.Context.new('2f5c5b8e-0000-4000-8000-000000000001')
        context.set_site_id('bj-01')
        context.set_stage(Upgrade.Stage.POST_UPGRADE)
        context.set_from_version(Upgrade.Version.parse('3.16.0'))
        context.set_to_version(Upgrade.Version.parse('3.18.0'))
        context.set_env(Upgrade.to_json_object({'cluster_id': 'bj-01'}))
        context.set_params(Upgrade.to_json_object({'batch': 500}))
        return context

    def test_accessors_and_json_round_trip(self):
        context = self.context()
        self.assertEqual(str(context.get_from_version()), '3.16.0')
        self.assertIsNone(context.get_step_id())
        self.assertIsNone(context.get_checkpoint())
        self.assertEqual(Upgrade.to_python(context.get_env()), {'cluster_id': 'bj-01'})
        copy = Upgrade.Context.new_from_json(context.to_json())
        self.assertEqual(copy.get_execution_id(), context.get_execution_id())
        self.assertEqual(copy.get_stage(), Upgrade.Stage.POST_UPGRADE)
        self.assertEqual(str(copy.get_to_version()), '3.18.0')
        self.assertEqual(Upgrade.to_python(copy.get_params()), {'batch': 500})

    def test_json_errors_name_the_member(self):
        node = Upgrade.Context.new('x').to_json()
        node.get_object().set_int_member('stage', 99)
        with self.assertRaises(GLib.Error) as cm:
            Upgrade.Context.new_from_json(node)
        assert_upg_error(self, cm.exception, Upgrade.Error.INVALID_ARGUMENT)
        self.assertIn('stage', cm.exception.message)

    def test_python_checkpoint_saver(self):
        context = self.context()
        saved = []

        def saver(ctx, checkpoint, *_user_data):
            self.assertIs(ctx, context)
            saved.append(checkpoint)
            return True

        context.set_checkpoint_saver(saver)
        self.assertTrue(context.save_checkpoint('{"offset": 1000}'))
        self.assertEqual(saved, ['{"offset": 1000}'])
        self.assertEqual(context.get_checkpoint(), '{"offset": 1000}')

        def failing(ctx, checkpoint, *_user_data):
            raise GLib.Error.new_literal(Upgrade.error_quark(), 'journal is read-only',
                                         int(Upgrade.Error.JOURNAL))

        context.set_checkpoint_saver(failing)
        with self.assertRaises(GLib.Error) as cm:
            context.save_checkpoint('{"offset": 2000}')
        assert_upg_error(self, cm.exception, Upgrade.Error.JOURNAL)
        self.assertEqual(cm.exception.message, 'journal is read-only')

    def test_python_connection_resolver(self):
        context = self.context()
        source = Upgrade.DataSource.new_sqlite('local', os.path.join(self.root, 'local.db'))
        asked = []

        def resolver(ctx, name, *_user_data):
            asked.append(name)
            if name != 'local':
                raise GLib.Error.new_literal(Upgrade.error_quark(), 'no data source ' + name,
                                             int(Upgrade.Error.NOT_FOUND))
            return source.open(None)

        context.set_connection_resolver(resolver)
        watch = FinalizeWatch()
        connection = watch.watch(context.get_connection('local'), 'connection')
        self.assertEqual(connection.get_name(), 'local')
        self.assertEqual(connection.query('SELECT 1 + 1', None, None).get_value(0, 0), '2')
        with self.assertRaises(GLib.Error) as cm:
            context.get_connection('ft_db')
        assert_upg_error(self, cm.exception, Upgrade.Error.NOT_FOUND)
        self.assertEqual(asked, ['local', 'ft_db'])
        # The context keeps no connection the resolver gave it.
        del connection
        watch.assert_all_finalized(self)

    def test_progress_and_cancellable(self):
        context = self.context()
        context.report_progress(5, 10, 'half')  # without a reporter: a no-op, not a crash
        self.assertFalse(context.get_cancellable().is_cancelled())


class PluginManagerTest(unittest.TestCase):
    """The shipped plugins of the build, run in the built plugin host
    ($UPGRADE_PLUGIN_HOST)."""

    def setUp(self):
        self.manager = Upgrade.PluginManager.new()
        self.manager.add_directory(os.path.join(BUILD_ROOT, 'plugins'))
        self.assertTrue(self.manager.scan(None))
        self.context = Upgrade.Context.new('2f5c5b8e-0000-4000-8000-000000000002')
        self.context.set_bundle_dir(BUNDLE)

    def test_list_and_find(self):
        plugins = {p.get_name(): p.to_dict() for p in self.manager.list_plugins()}
        self.assertEqual(sorted(plugins), ['host-resources', 'sql-checks'])
        self.assertEqual(plugins['host-resources']['types'][0]['interfaces'], ['UpgResourceCheck'])
        self.assertEqual(list(self.manager.get_refused()), [])
        self.assertEqual(self.manager.find_type('SqlDataQuality').get_name(), 'sql-checks')
        with self.assertRaises(GLib.Error) as cm:
            self.manager.find_type('NoSuchMigration')
        assert_upg_error(self, cm.exception, Upgrade.Error.NOT_FOUND)
        self.assertIn('NoSuchMigration', cm.exception.message)

    def test_run_checks_sync_and_async(self):
        items = self.manager.run_checks(Upgrade.ResourceCheck, self.context, 60, None)
        ids = [i.get_id() for i in items]
        self.assertIn('cpu', ids)
        self.assertIn('disk:' + BUNDLE, ids)
        loop = GLib.MainLoop()
        outcome = []

        def done(source, result):
            outcome.append(source.run_checks_finish(result))
            loop.quit()

        self.manager.run_checks_async(Upgrade.ResourceCheck, self.context, 60, None, done)
        loop.run()
        self.assertEqual(sorted(i.get_id() for i in outcome[0]), sorted(ids))
        memory = [i for i in outcome[0] if i.get_id() == 'memory'][0]
        self.assertGreater(Upgrade.to_python(memory.get_figures())['available_bytes'], 0)


class SqlTest(unittest.TestCase):
    def test_split_bytes(self):
        statements = Upgrade.sql_split(SQL, 'sql/001.sql', Upgrade.Dialect.MYSQL)
        self.assertEqual([s.get_line() for s in statements], [2, 3, 5])
        self.assertEqual([s.get_sequence() for s in statements], [1, 2, 3])
        self.assertEqual({s.get_database() for s in statements}, {'ft_db'})
        self.assertEqual(statements[2].get_delimiter(), '//')
        self.assertIn('SELECT 1; SELECT 2;', statements[2].get_text())
        self.assertEqual(statements[0].get_file(), 'sql/001.sql')
        self.assertEqual(len(statements[0].get_sha256()), 64)

    def test_split_file_and_errors(self):
        root = tempfile.mkdtemp(prefix='upg-python-sql-')
        self.addCleanup(shutil.rmtree, root)
        path = os.path.join(root, '001.sql')
        with open(path, 'wb') as f:
            f.write(b"SELECT $$a;b$$;\nSELECT 'x';\n")
        statements = Upgrade.sql_split_file(path, 'sql/001.sql', Upgrade.Dialect.POSTGRESQL)
        self.assertEqual([s.get_text() for s in statements], ['SELECT $$a;b$$', "SELECT 'x'"])
        with open(path, 'wb') as f:
            f.write(b"SELECT 'unterminated;\n")
        with self.assertRaises(GLib.Error) as cm:
            Upgrade.sql_split_file(path, None, Upgrade.Dialect.POSTGRESQL)
        self.assertEqual(cm.exception.domain, 'upg-error-quark')
        self.assertIn('001.sql', cm.exception.message)
        with self.assertRaises(GLib.Error):
            Upgrade.sql_split_file(os.path.join(root, 'absent.sql'), None, Upgrade.Dialect.SQLITE)

    def test_statement_boxed(self):
        statement = Upgrade.SqlStatement.new('SELECT 1', 'a.sql', 7, 3, None, None)
        self.assertEqual((statement.get_text(), statement.get_line(), statement.get_sequence()),
                         ('SELECT 1', 7, 3))
        self.assertIsNone(statement.get_database())


if __name__ == '__main__':
    unittest.main(verbosity=2)
