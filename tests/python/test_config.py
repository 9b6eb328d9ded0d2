#!/usr/bin/python3
# test_config.py - upgrade.json through gi: site, env, data sources, errors
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import os
import shutil
import tempfile
import unittest

from upgtest import SOURCE_ROOT, GLib, Upgrade, assert_upg_error

DEMO_CONFIG = os.path.join(SOURCE_ROOT, 'examples', 'demo', 'upgrade.json')


class ConfigTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix='upg-python-config-')
        self.addCleanup(shutil.rmtree, self.root)

    def write(self, document, name='upgrade.json'):
        path = os.path.join(self.root, name)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(document if isinstance(document, str) else json.dumps(document))
        return path

    def test_demo_config(self):
        config = Upgrade.Config.new_from_file(DEMO_CONFIG)
        self.assertEqual(config.get_path(), DEMO_CONFIG)
        self.assertEqual(config.get_site_id(), 'bj-01')
        self.assertEqual(Upgrade.to_python(config.get_env()),
                         {'cluster_id': 'bj-01', 'deploy_mode': 'demo',
                          'task_store_root': '@STATE@/cluster.compact'})
        names = sorted(s.get_name() for s in config.get_data_sources())
        self.assertEqual(names, ['ft_db', 'mid_db'])
        ft = config.lookup_data_source('ft_db')
        self.assertEqual(ft.get_provider(), 'SQLite')
        self.assertEqual(ft.get_dialect(), Upgrade.Dialect.SQLITE)
        # Relative paths resolve against the configuration's directory.
        self.assertEqual(ft.get_path(), os.path.join(os.path.dirname(DEMO_CONFIG), 'ft_db.sqlite'))
        self.assertIsNone(config.lookup_data_source('nope'))
        self.assertEqual(config.get_journal().get_provider(), 'SQLite')
        self.assertEqual(list(config.get_plugin_dirs()), [])
        self.assertIsNone(config.get_service_listen())

    def test_empty_config(self):
        config = Upgrade.Config.new()
        self.assertIsNone(config.get_site_id())
        self.assertIsNone(config.get_path())
        self.assertIsNone(config.get_journal())
        self.assertEqual(Upgrade.to_python(config.get_env()), {})
        self.assertEqual(len(config.get_data_sources()), 0)

    def test_servers_and_secrets(self):
        secret = 'pw-%d-never-shown' % os.getpid()
        os.environ['UPG_PY_TEST_PASSWORD'] = secret
        path = self.write({
            'site_id': 'US',
            'datasources': {
                'ft_db': {'provider': 'MySQL', 'host': '127.0.0.1', 'port': 3307,
                          'database': 'ft', 'user': 'upgrade',
                          'password_env': 'UPG_PY_TEST_PASSWORD'},
                'mid_db': {'provider': 'PostgreSQL', 'host': 'db.example', 'database': 'mid',
                           'user': 'upgrade', 'password_file': 'mid.pw'},
            },
            'service': {'listen': '127.0.0.1:20081', 'token_file': 'token'},
        })
        config = Upgrade.Config.new_from_file(path)
        ft = config.lookup_data_source('ft_db')
        self.assertEqual((ft.get_dialect(), ft.get_host(), ft.get_port(), ft.get_database(),
                          ft.get_user()),
                         (Upgrade.Dialect.MYSQL, '127.0.0.1', 3307, 'ft', 'upgrade'))
        mid = config.lookup_data_source('mid_db')
        self.assertEqual(mid.get_dialect(), Upgrade.Dialect.POSTGRESQL)
        self.assertEqual(mid.get_port(), 5432)
        self.assertNotIn(secret, ft.describe())
        self.assertEqual(config.get_service_listen(), '127.0.0.1:20081')
        self.assertEqual(config.get_service_token_file(), os.path.join(self.root, 'token'))

    def test_missing_file(self):
        path = os.path.join(self.root, 'absent.json')
        with self.assertRaises(GLib.Error) as cm:
            Upgrade.Config.new_from_file(path)
        assert_upg_error(self, cm.exception, Upgrade.Error.INVALID_CONFIG)
        self.assertIn(path, cm.exception.message)
        self.assertEqual(Upgrade.error_exit_code(cm.exception), 2)

    def test_malformed_json(self):
        path = self.write('{"site_id": ')
        with self.assertRaises(GLib.Error) as cm:
            Upgrade.Config.new_from_file(path)
        assert_upg_error(self, cm.exception, Upgrade.Error.INVALID_CONFIG)
        self.assertIn(path, cm.exception.message)

    def test_wrong_type_names_the_member(self):
        path = self.write({'site_id': 'x', 'datasources': {'ft_db': {'provider': 'SQLite',
                                                                      'path': 42}}})
        with self.assertRaises(GLib.Error) as cm:
            Upgrade.Config.new_from_file(path)
        assert_upg_error(self, cm.exception, Upgrade.Error.INVALID_CONFIG)
        self.assertIn('ft_db', cm.exception.message)
        self.assertIn('path', cm.exception.message)

    def test_open_sqlite_data_source(self):
        source = Upgrade.DataSource.new_sqlite('local', os.path.join(self.root, 'local.db'))
        connection = source.open(None)
        self.assertEqual(connection.get_dialect(), Upgrade.Dialect.SQLITE)
        ok, _ = connection.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)', None)
        self.assertTrue(ok)
        ok, rows = connection.execute("INSERT INTO t (name) VALUES ('a'), ('b'), (NULL)", None)
        self.assertEqual(rows, 3)
        result = connection.query('SELECT id, name FROM t WHERE id >= ? ORDER BY id', ['2'], None)
        self.assertEqual(result.get_n_rows(), 2)
        self.assertEqual(result.get_column_name(1), 'name')
        self.assertEqual(result.get_value(0, 1), 'b')
        self.assertIsNone(result.get_value(1, 1))
        with self.assertRaises(GLib.Error) as cm:
            connection.execute('SELECT * FROM missing_table', None)
        assert_upg_error(self, cm.exception, Upgrade.Error.SQL)
        self.assertIn('missing_table', cm.exception.message)


if __name__ == '__main__':
    unittest.main(verbosity=2)
