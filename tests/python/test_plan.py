#!/usr/bin/python3
# test_plan.py - bundle loading and planning through gi, checked against
# `upgradectl --json plan` on the same input
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import shutil
import tempfile
import unittest

from upgtest import (BUNDLE, FROM, TO, GLib, Upgrade, assert_raises_upg, assert_upg_error,
                     FinalizeWatch, stages_without_confirmations, upgradectl_json)


def plan_of(site, from_=FROM, to=TO):
    bundle = Upgrade.Bundle.new_for_path(BUNDLE)
    return Upgrade.Plan.new(bundle, Upgrade.Version.parse(from_), Upgrade.Version.parse(to), site)


class PlanTest(unittest.TestCase):
    def test_bundle_manifests_in_version_order(self):
        bundle = Upgrade.Bundle.new_for_path(BUNDLE)
        versions = [str(m.get_version()) for m in bundle.get_manifests()]
        self.assertEqual(versions, ['3.17.0', '3.17.0-P1', '3.17.5', '3.17.5-P1', '3.18.0', '3.18.0-P1',
                                    '3.18.0-P2', '3.18.0-P3'])
        self.assertEqual(bundle.get_path(), BUNDLE)
        patch = bundle.lookup_manifest(Upgrade.Version.parse('3.17.5-P1'))
        self.assertTrue(patch.is_patch())
        self.assertEqual(str(patch.get_base_version()), '3.17.5')
        self.assertIsNone(bundle.lookup_manifest(Upgrade.Version.parse('9.9.9')))

    def test_ordered_step_ids_equal_the_cli(self):
        for site in ('bj-01', 'US', 'EU'):
            with self.subTest(site=site):
                plan = plan_of(site)
                rc, doc = upgradectl_json('plan', '--from', FROM, '--to', TO, '--site', site)
                self.assertEqual(rc, 0, doc)
                cli = [(s['stage'], [step['id'] for step in s['steps']]) for s in doc['stages']]
                ours = []
                for stage in Upgrade.stages():
                    ids = [step.get_id() for step in plan.get_steps(stage)]
                    if ids:
                        ours.append((Upgrade.stage_to_string(stage), ids))
                self.assertEqual(ours, cli)
                self.assertEqual([step.get_id() for _, step in plan.iter_steps()],
                                 [i for _, ids in cli for i in ids])
                self.assertEqual(plan.to_dict()['stages'], stages_without_confirmations(doc['stages']))
                self.assertEqual(plan.get_mode(), Upgrade.PlanMode.STOP_SERVICE)
                self.assertEqual(doc['mode'], 'stop-service')
                self.assertEqual(sorted(s.get_id() for s in plan.get_incompatible_steps()),
                                 sorted(i['id'] for i in doc['incompatible']))

    def test_plan_matches_the_bundle_readme(self):
        plan = plan_of('bj-01')
        in_stop = [s.get_id() for s in plan.get_steps(Upgrade.Stage.IN_STOP)]
        # depends_on puts ft_region_lookup before ft_backfill_region.
        self.assertLess(in_stop.index('ft_region_lookup'), in_stop.index('ft_backfill_region'))
        pre_stop = [s.get_id() for s in plan.get_steps(Upgrade.Stage.PRE_STOP)]
        self.assertIn('legacy_backup_services', pre_stop)  # moved by the orchestration file
        us = [s.get_id() for s in plan_of('US').get_steps(Upgrade.Stage.IN_STOP)]
        self.assertEqual(us[us.index('ft_orders_fix_status') + 1], 'ft_us_tax_code')
        self.assertNotIn('ft_us_tax_code', in_stop)

    def test_step_accessors(self):
        plan = plan_of('bj-01')
        steps = {s.get_id(): s for _, s in plan.iter_steps()}
        sql = steps['ft_orders_fix_status']
        self.assertEqual(sql.get_kind(), Upgrade.StepKind.SQL)
        self.assertEqual(Upgrade.step_kind_to_string(sql.get_kind()), 'sql')
        self.assertEqual(list(sql.get_sql_scripts()), ['sql/3.17.0/011_orders_fix_status.sql'])
        self.assertIsNone(sql.get_class_name())
        self.assertFalse(sql.get_command())  # NULL: PyGObject gives [] for a NULL strv
        self.assertEqual(sql.get_stage(), Upgrade.Stage.IN_STOP)
        self.assertEqual(str(sql.get_version()), '3.17.0')
        self.assertTrue(sql.is_compatible_from(Upgrade.Version.parse(FROM)))
        command = steps['ft_check_deployment']
        self.assertEqual(command.get_kind(), Upgrade.StepKind.COMMAND)
        self.assertEqual(command.get_command()[0], 'sh')
        tool = steps['ft_task_store_migration']
        self.assertEqual(tool.get_class_name(), 'FtTaskStoreMigration')
        self.assertIsInstance(Upgrade.to_python(tool.get_params()), dict)
        self.assertGreater(tool.get_data_volume(), 0)
        legacy = steps['legacy_create_audit']
        self.assertIsNone(legacy.get_compatible_version())
        self.assertIn('compatible', plan.get_incompatible_reason(legacy))
        self.assertIsNone(plan.get_incompatible_reason(sql))

    def test_manifest_accessors(self):
        plan = plan_of('bj-01')
        manifests = plan.get_manifests()
        self.assertEqual(len(manifests), 5)
        first = manifests[0]
        self.assertEqual(first.get_component(), 'ft')
        self.assertIsInstance(Upgrade.to_python(first.get_checks()), dict)
        self.assertEqual(str(plan.get_source_version_for(manifests[1])), '3.17.0')
        self.assertEqual(plan.get_bundle().get_path(), BUNDLE)
        self.assertEqual(plan.get_site_id(), 'bj-01')

    def test_validate(self):
        bundle = Upgrade.Bundle.new_for_path(BUNDLE)
        ok, problems = bundle.validate()
        self.assertTrue(ok)
        self.assertEqual(list(problems), [])
        ok, problems = Upgrade.Bundle.validate_path(BUNDLE)
        self.assertTrue(ok)

    def test_validate_reports_problems(self):
        root = tempfile.mkdtemp(prefix='upg-python-bundle-')
        self.addCleanup(shutil.rmtree, root)
        copy = os.path.join(root, 'bundle')
        shutil.copytree(BUNDLE, copy)
        os.remove(os.path.join(copy, 'sql', '3.18.0', '030_purge_archived.sql'))
        with self.assertRaises(GLib.Error) as cm:
            Upgrade.Bundle.validate_path(copy)
        assert_upg_error(self, cm.exception, Upgrade.Error.INVALID_BUNDLE)
        self.assertIn('030_purge_archived.sql', cm.exception.message)

    def test_going_down_is_an_error(self):
        error = assert_raises_upg(self, Upgrade.Error.PLAN, ['3.18.0'], plan_of, 'bj-01', TO, FROM)
        self.assertEqual(Upgrade.error_exit_code(error), 2)

    def test_missing_bundle_is_an_error(self):
        assert_raises_upg(self, None, ['/nonexistent/bundle'], Upgrade.Bundle.new_for_path,
                          '/nonexistent/bundle')

    def test_no_objects_left_behind(self):
        watch = FinalizeWatch()
        for i in range(3):
            plan = watch.watch(plan_of('EU'), 'plan %d' % i)
            watch.watch(plan.get_bundle(), 'bundle %d' % i)
            plan.to_dict()
            steps = list(plan.iter_steps())
            watch.watch(steps[0][1], 'step %d' % i)
            watch.watch(plan.get_manifests()[0], 'manifest %d' % i)
        del plan, steps
        watch.assert_all_finalized(self)


if __name__ == '__main__':
    unittest.main(verbosity=2)
