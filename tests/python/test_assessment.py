#!/usr/bin/python3
# test_assessment.py - Upgrade.Assessor on the example bundle and SQLite
# data sources, synchronous and in a GLib.MainLoop, against upgradectl assess
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import unittest

from upgtest import (BUNDLE, FROM, SITE, TO, GLib, SiteTestCase, Upgrade,
                     FinalizeWatch, upgradectl_json)


class AssessmentTest(SiteTestCase):
    def assessor(self):
        config = Upgrade.Config.new_from_file(self.config_path)
        bundle = Upgrade.Bundle.new_for_path(BUNDLE)
        plan = Upgrade.Plan.new(bundle, Upgrade.Version.parse(FROM), Upgrade.Version.parse(TO),
                                SITE)
        assessor = Upgrade.Assessor.new(plan, config)
        assessor.set_env(Upgrade.to_json_object({'cluster_id': SITE}))
        assessor.set_disk_path(self.state_dir)
        return assessor

    def items_by_id(self, assessment):
        return {(i.get_kind(), i.get_id()): i for i in assessment.get_items()}

    def test_items_and_verdict(self):
        assessment = self.assessor().run(None)
        items = self.items_by_id(assessment)
        self.assertEqual(items[('data_quality', 'unknown_status')].get_verdict(),
                         Upgrade.Verdict.WARN)
        self.assertEqual(items[('data_quality', 'null_user')].get_verdict(), Upgrade.Verdict.PASS)
        orphan = items[('data_quality', 'orphan_task')]
        self.assertEqual(orphan.get_verdict(), Upgrade.Verdict.SKIPPED)
        self.assertIn('not run', orphan.get_message())
        legacy = items[('compatibility', 'legacy_create_audit')]
        self.assertEqual(legacy.get_verdict(), Upgrade.Verdict.WARN)
        self.assertIsInstance(Upgrade.to_python(legacy.get_figures()), dict)
        self.assertEqual(legacy.to_dict()['verdict'], 'warn')
        # The overall verdict is the worst item's.
        worst = Upgrade.Verdict.PASS
        for item in assessment.get_items():
            worst = Upgrade.verdict_worst(worst, item.get_verdict())
        self.assertEqual(assessment.get_verdict(), worst)
        self.assertEqual(assessment.get_mode(), Upgrade.PlanMode.STOP_SERVICE)
        self.assertEqual(assessment.exit_code(),
                         {Upgrade.Verdict.PASS: 0, Upgrade.Verdict.WARN: 4,
                          Upgrade.Verdict.FAIL: 1}[assessment.get_verdict()])

    def test_same_as_upgradectl(self):
        assessment = self.assessor().run(None)
        rc, cli = upgradectl_json('assess', '--from', FROM, '--to', TO, '--site', SITE,
                                  config=self.config_path, state_dir=self.state_dir)
        ours = assessment.to_dict()
        self.assertEqual(rc, assessment.exit_code())
        self.assertEqual(ours['verdict'], cli['verdict'])
        # Host figures (free memory…) move between the two runs; the rest is equal.
        self.assertEqual([(i['check'], i['id'], i['verdict']) for i in ours['items']
                          if i['check'] != 'resource'],
                         [(i['check'], i['id'], i['verdict']) for i in cli['items']
                          if i['check'] != 'resource'])
        self.assertEqual(ours['estimate'], cli['estimate'])

    def test_estimate(self):
        estimate = self.assessor().run(None).get_estimate()
        in_stop = estimate.get_stage_seconds(Upgrade.Stage.IN_STOP)
        self.assertGreater(in_stop, 0)
        self.assertEqual(estimate.get_downtime_seconds(), in_stop)
        long_steps = [s.get_id() for s in estimate.get_long_steps()]
        self.assertEqual(long_steps, ['ft_task_store_migration'])
        step = estimate.get_long_steps()[0]
        self.assertIn('parallelism', estimate.get_suggestion(step))
        seconds, source = Upgrade.Estimate.step_seconds(step)
        self.assertEqual(source, Upgrade.EstimateSource.VOLUME)
        self.assertEqual(seconds, Upgrade.Estimate.volume_seconds(
            step.get_data_volume(), step.get_rate(), step.get_parallelism()))
        self.assertEqual(estimate.to_dict()['total_seconds'], estimate.get_total_seconds())

    def test_render(self):
        assessment = self.assessor().run(None)
        name = self.items_by_id(assessment)[('data_quality', 'unknown_status')].get_name()
        text = assessment.render(Upgrade.ReportFormat.TEXT)
        self.assertIn('[WARN] data_quality %s' % name, text)
        rendered = json.loads(assessment.render(Upgrade.ReportFormat.JSON))
        self.assertEqual(rendered['verdict'], assessment.to_dict()['verdict'])
        self.assertIn(name, assessment.render(Upgrade.ReportFormat.MARKDOWN))

    def test_async_in_main_loop(self):
        assessor = self.assessor()
        loop = GLib.MainLoop()
        outcome = {}

        def done(source, result):
            try:
                outcome['assessment'] = source.run_finish(result)
            except GLib.Error as error:
                outcome['error'] = error
            loop.quit()

        assessor.run_async(None, done)
        loop.run()
        self.assertNotIn('error', outcome)
        sync = self.assessor().run(None)
        self.assertEqual(outcome['assessment'].get_verdict(), sync.get_verdict())
        self.assertEqual(sorted(self.items_by_id(outcome['assessment'])),
                         sorted(self.items_by_id(sync)))

    def test_rule_on_a_missing_table_fails(self):
        self.sqlite('ft_db', 'DROP TABLE orders')
        assessment = self.assessor().run(None)
        null_user = self.items_by_id(assessment)[('data_quality', 'null_user')]
        self.assertEqual(null_user.get_verdict(), Upgrade.Verdict.FAIL)
        self.assertIn('orders', null_user.get_message())
        self.assertEqual(assessment.get_verdict(), Upgrade.Verdict.FAIL)
        self.assertEqual(assessment.exit_code(), 1)

    def test_check_result_values(self):
        item = Upgrade.CheckResult.new('resource', 'disk', 'free disk', Upgrade.Verdict.WARN, None)
        item.set_figure_int('free_bytes', 5 << 30)
        item.set_figure_double('ratio', 0.5)
        item.set_figure_string('path', '/var')
        item.set_suggestion('free some space')
        self.assertIsNone(item.get_message())
        doc = item.to_dict()
        self.assertEqual(doc['figures'], {'free_bytes': 5 << 30, 'ratio': 0.5, 'path': '/var'})
        copy = Upgrade.CheckResult.new_from_json(item.to_json())
        self.assertEqual(copy.to_dict(), doc)
        self.assertEqual(Upgrade.verdict_to_string(Upgrade.Verdict.WARN), 'warn')

    def test_objects_released(self):
        watch = FinalizeWatch()
        assessor = watch.watch(self.assessor(), 'assessor')
        assessment = watch.watch(assessor.run(None), 'assessment')
        assessment.to_dict()
        item = watch.watch(assessment.get_items()[0], 'item')
        estimate = watch.watch(assessment.get_estimate(), 'estimate')
        step = watch.watch(estimate.get_long_steps()[0], 'step')
        del assessor, assessment, item, estimate, step
        watch.assert_all_finalized(self)


if __name__ == '__main__':
    unittest.main(verbosity=2)
