#!/usr/bin/python3
# test_version.py - Upgrade.Version through gi: parse, order, errors
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import unittest

from upgtest import GLib, Upgrade, assert_upg_error


class VersionTest(unittest.TestCase):
    def test_parse_forms(self):
        cases = {
            '3.17.5': (3, 17, 5, 0, 0, 317500),
            'V3.17.5': (3, 17, 5, 0, 0, 317500),
            '3.17.5-P1': (3, 17, 5, 1, 0, 317501),
            '317501': (3, 17, 5, 1, 0, 317501),
            'V2.16.7-P1-T1': (2, 16, 7, 1, 1, None),
        }
        for text, (major, minor, micro, patch, test, code) in cases.items():
            with self.subTest(text=text):
                v = Upgrade.Version.parse(text)
                self.assertEqual((v.get_major(), v.get_minor(), v.get_micro(),
                                  v.get_patch(), v.get_test()),
                                 (major, minor, micro, patch, test))
                if code is not None:
                    self.assertEqual(v.to_code(), code)

    def test_canonical_text(self):
        self.assertEqual(Upgrade.Version.parse('V3.17.5').to_string(), '3.17.5')
        self.assertEqual(str(Upgrade.Version.parse('317501')), '3.17.5-P1')
        self.assertEqual(repr(Upgrade.Version.parse('3.18.0')), "<Upgrade.Version '3.18.0'>")

    def test_total_order(self):
        texts = ['2.16.8', '2.16.7-P2', '2.16.7', '2.16.7-P1-T1', '2.16.7-P1']
        ordered = sorted(Upgrade.Version.parse(t) for t in texts)
        self.assertEqual([str(v) for v in ordered],
                         ['2.16.7', '2.16.7-P1', '2.16.7-P1-T1', '2.16.7-P2', '2.16.8'])
        a, b = Upgrade.Version.parse('2.16.7-P1'), Upgrade.Version.parse('2.16.7-P2')
        self.assertLess(a.compare(b), 0)
        self.assertGreater(b.compare(a), 0)
        self.assertTrue(a < b <= b and b > a and a != b)
        # Versions compare with version text too, for scripts.
        self.assertTrue(Upgrade.Version.parse('V3.17.5') == '317500')
        self.assertTrue(Upgrade.Version.parse('3.17.5') < '3.17.5-P1')

    def test_equal_versions_hash_alike(self):
        a, b = Upgrade.Version.parse('V3.17.5-P1'), Upgrade.Version.parse('317501')
        self.assertTrue(a.equal(b))
        self.assertEqual(hash(a), hash(b))
        self.assertEqual(len({a, b}), 1)

    def test_baseline_and_range(self):
        v = Upgrade.Version.parse('3.17.5-P1')
        self.assertTrue(v.is_patch())
        self.assertEqual(str(v.get_baseline()), '3.17.5')
        self.assertTrue(v.in_range(Upgrade.Version.parse('3.17.0'), Upgrade.Version.parse('3.17.9')))
        self.assertTrue(v.in_range(None, None))
        self.assertFalse(v.in_range(Upgrade.Version.parse('3.18.0'), None))
        self.assertEqual(str(Upgrade.Version.new(3, 18, 0, 2, 0)), '3.18.0-P2')

    def test_invalid_text_raises(self):
        for text in ['x.y', '', '3.17', '3.17.5-P', '3.17.5-P100', 'V', '3..5']:
            with self.subTest(text=text):
                with self.assertRaises(GLib.Error) as cm:
                    Upgrade.Version.parse(text)
                assert_upg_error(self, cm.exception, Upgrade.Error.INVALID_VERSION)
                self.assertIn("version '%s' is not valid" % text, cm.exception.message)
                self.assertEqual(Upgrade.error_exit_code(cm.exception), 2)

    def test_comparing_with_bad_text_raises(self):
        with self.assertRaises(GLib.Error):
            Upgrade.Version.parse('3.17.5') < 'not-a-version'

    def test_stage_names(self):
        self.assertEqual([Upgrade.stage_to_string(s) for s in Upgrade.stages()],
                         ['resource_check', 'business_check', 'pre_stop', 'in_stop',
                          'post_start', 'post_upgrade'])
        self.assertEqual(Upgrade.parse_stage('pre_upgrade_process'), Upgrade.Stage.PRE_STOP)
        self.assertEqual(Upgrade.parse_stage('startup_pre_process'), Upgrade.Stage.IN_STOP)
        with self.assertRaises(GLib.Error) as cm:
            Upgrade.parse_stage('stop')
        assert_upg_error(self, cm.exception, Upgrade.Error.INVALID_STAGE)
        self.assertIn("stage 'stop' is not known", cm.exception.message)


if __name__ == '__main__':
    unittest.main(verbosity=2)
