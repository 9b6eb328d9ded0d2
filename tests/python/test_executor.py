#!/usr/bin/python3
# test_executor.py - running stages of the example bundle on SQLite through
# Upgrade.Executor and the caller's Upgrade.Run: synchronous, asynchronous in
# a GLib.MainLoop with the run's signals, exactly once, failure (the run
# keeps its execution and breakpoint), resume, report
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import threading
import unittest

from gi.repository import Gio, GObject

from upgtest import (BUNDLE, FROM, SITE, TO, GLib, HeldLock, SiteTestCase, Upgrade,
                     assert_upg_error, FinalizeWatch)

PRE_STOP_STEPS = ['ft_backup_orders', 'ft_snapshot_note', 'ft_backup_core', 'mid_backup_service_config',
                  'legacy_backup_services', 'ft_archive_cancelled', 'mid_copy_endpoints', 'ft_render_config']


class Recorder:
    """Records every signal of a run, and the thread it came in."""

    def __init__(self, run):
        self.events = []
        self.threads = set()
        for name in ('execution-started', 'step-started', 'step-finished',
                     'statement-finished', 'progress', 'log'):
            run.connect(name, self.record, name)

    def record(self, _run, *args):
        *values, name = args
        self.events.append((name, tuple(values)))
        self.threads.add(threading.get_ident())

    def of(self, name):
        return [values for event, values in self.events if event == name]


class ExecutorTest(SiteTestCase):
    def versions(self):
        return Upgrade.Version.parse(FROM), Upgrade.Version.parse(TO)

    def open_executor(self):
        """The example's legacy steps have no compatible_version: an
        operator confirms them before the runs (SPEC §3)."""
        executor = super().open_executor()
        executor.confirm(*self.versions(), SITE, None, 'tester@python', 'test')
        return executor

    def test_unconfirmed_steps_refused(self):
        executor = super().open_executor()
        run = self.new_run(Upgrade.Stage.PRE_STOP)
        with self.assertRaises(GLib.Error) as cm:
            executor.run(run, None)
        assert_upg_error(self, cm.exception, Upgrade.Error.CONFIRMATION_REQUIRED)
        self.assertEqual(Upgrade.error_exit_code(cm.exception), 6)
        self.assertIsNone(run.get_execution())
        waiting = Upgrade.to_python(executor.list_unconfirmed_for_run(run))
        self.assertEqual([s['id'] for s in waiting], ['legacy_backup_services'])
        self.assertEqual(self.sqlite('ft_db', "SELECT COUNT(*) FROM sqlite_master"
                                              " WHERE name = 'orders_bak_3170'"), [(0,)])
        confirmed = executor.confirm(*self.versions(), SITE, ['legacy_backup_services'],
                                     'alice@ops-host', 'python')
        self.assertEqual(confirmed.get_length(), 1)
        recorded = Upgrade.to_python(executor.list_confirmations(*self.versions(), SITE))
        self.assertEqual([(c['step_id'], c['confirmed_by'], c['via']) for c in recorded],
                         [('legacy_backup_services', 'alice@ops-host', 'python')])
        run, error = self.run_stage(executor, Upgrade.Stage.PRE_STOP)
        self.assertIsNone(error)
        self.assertEqual(run.get_execution().get_status(), Upgrade.ExecutionStatus.SUCCESS)

    def test_run_confirms_when_it_starts(self):
        # A run that confirms its plan itself (UpgRun:confirm) journals
        # that with its execution; refused before it starts (the site
        # locked), it journals nothing.
        executor = super().open_executor()
        run = self.new_run(Upgrade.Stage.PRE_STOP)
        run.set_confirm(True, 'alice@ops-host', 'python')
        with HeldLock(self.root, self.config_path, self.state_dir):
            with self.assertRaises(GLib.Error) as cm:
                executor.run(run, None)
        assert_upg_error(self, cm.exception, Upgrade.Error.LOCKED)
        self.assertEqual(executor.list_confirmations(*self.versions(), SITE).get_length(), 0)
        run = self.new_run(Upgrade.Stage.PRE_STOP)
        run.props.confirm = True
        self.assertTrue(run.get_confirm())
        self.assertTrue(executor.run(run, None))
        recorded = Upgrade.to_python(executor.list_confirmations(*self.versions(), SITE))
        self.assertIn('legacy_backup_services', [c['step_id'] for c in recorded])
        self.assertEqual({(c['via'], c['execution_id']) for c in recorded},
                         {('run', run.get_execution().get_id())})

    def new_run(self, stage, kind=Upgrade.RunKind.RUN, env=None):
        run = Upgrade.Run.new(kind, *self.versions(), stage)
        run.set_site_id(SITE)
        if env is not None:
            run.set_env(Upgrade.to_json_object(env))
        return run

    def run_stage(self, executor, stage):
        """Runs `stage`; returns (run, error), error None on success."""
        run = self.new_run(stage)
        try:
            self.assertTrue(executor.run(run, None))
            return run, None
        except GLib.Error as error:
            return run, error

    def check_pre_stop_succeeded(self, execution, recorder):
        self.assertEqual(execution.get_status(), Upgrade.ExecutionStatus.SUCCESS)
        self.assertEqual(execution.get_stage(), Upgrade.Stage.PRE_STOP)
        self.assertEqual([execution.get_step_id(i) for i in range(execution.get_n_steps())],
                         PRE_STOP_STEPS)
        self.assertFalse(execution.has_breakpoint())
        self.assertEqual(recorder.of('execution-started'), [(execution.get_id(),)])
        self.assertEqual([s[0] for s in recorder.of('step-started')], PRE_STOP_STEPS)
        finished = recorder.of('step-finished')
        self.assertEqual([(s[0], s[2]) for s in finished],
                         [(i, Upgrade.StepStatus.SUCCESS) for i in PRE_STOP_STEPS])
        progress = recorder.of('progress')
        total = execution.get_statements_total()
        self.assertGreater(total, 0)
        self.assertEqual([p[:2] for p in progress], [(i, total) for i in range(1, total + 1)])
        statements = recorder.of('statement-finished')
        self.assertEqual(len(statements), total)
        self.assertEqual(statements[0][:4], ('sql/3.17.0/001_backup_orders.sql', 4, 1,
                                             Upgrade.StatementStatus.SUCCESS))
        self.assertTrue(any('SUCCESS' in line[0] for line in recorder.of('log')))
        # The statements reached the databases.
        self.assertEqual(self.sqlite('ft_db', 'SELECT COUNT(*) FROM orders_bak_3170'),
                         self.sqlite('ft_db', 'SELECT COUNT(*) FROM orders'))

    def test_run_stage_sync(self):
        executor = self.open_executor()
        run = self.new_run(Upgrade.Stage.PRE_STOP, env={'cluster_id': SITE})
        recorder = Recorder(run)
        self.assertIsNone(run.get_execution())
        self.assertTrue(executor.run(run, None))
        execution = run.get_execution()
        self.assertIs(run.props.execution, execution)
        self.check_pre_stop_succeeded(execution, recorder)
        self.assertEqual(recorder.threads, {threading.get_ident()})
        doc = execution.to_dict()
        self.assertEqual(doc['status'], 'SUCCESS')
        self.assertIsNone(doc['breakpoint'])
        self.assertEqual([s['id'] for s in doc['steps']], PRE_STOP_STEPS)
        # The log file holds the SPEC §5 statement lines.
        with open(executor.get_log_path(execution.get_id()), encoding='utf-8') as f:
            self.assertIn('001_backup_orders.sql:4 ft_db SUCCESS', f.read())

    def test_run_stage_async_in_main_loop(self):
        executor = self.open_executor()
        run = self.new_run(Upgrade.Stage.PRE_STOP)
        recorder = Recorder(run)
        loop = GLib.MainLoop()
        outcome = {}

        def done(source, result):
            outcome['source'] = source
            # Set before the callback.
            outcome['execution'] = run.get_execution()
            try:
                outcome['ok'] = source.run_finish(result)
            except GLib.Error as error:
                outcome['error'] = error
            loop.quit()

        executor.run_async(run, None, done)
        self.assertNotIn('ok', outcome)  # not before the loop runs
        loop.run()
        self.assertNotIn('error', outcome)
        self.assertIs(outcome['source'], executor)
        self.assertTrue(outcome['ok'])
        self.check_pre_stop_succeeded(outcome['execution'], recorder)
        # Signals come in the caller's main context, here the main thread.
        self.assertEqual(recorder.threads, {threading.get_ident()})

    def test_second_run_skips_what_succeeded(self):
        executor = self.open_executor()
        run, error = self.run_stage(executor, Upgrade.parse_stage('pre_upgrade_process'))
        self.assertIsNone(error)
        first = run.get_execution()
        run = self.new_run(Upgrade.parse_stage('pre_stop'))
        recorder = Recorder(run)
        self.assertTrue(executor.run(run, None))
        second = run.get_execution()
        self.assertNotEqual(second.get_id(), first.get_id())
        self.assertEqual([second.get_step_status(i) for i in range(second.get_n_steps())],
                         [Upgrade.StepStatus.SKIPPED] * len(PRE_STOP_STEPS))
        self.assertIn(first.get_id(), second.get_step_message(0))
        self.assertEqual(recorder.of('statement-finished'), [])
        self.assertEqual(self.sqlite('ft_db', 'SELECT COUNT(*) FROM orders_bak_3170'),
                         self.sqlite('ft_db', 'SELECT COUNT(*) FROM orders'))

    def test_failure_breakpoint_resume_and_report(self):
        # The site's orders table is missing: the backup step fails at its
        # INSERT (line 14 of 001_backup_orders.sql).
        self.sqlite('ft_db', 'ALTER TABLE orders RENAME TO orders_moved')
        executor = self.open_executor()
        run = self.new_run(Upgrade.Stage.PRE_STOP)
        recorder = Recorder(run)
        with self.assertRaises(GLib.Error) as cm:
            executor.run(run, None)
        error = cm.exception
        # The run the script created keeps the execution the error stopped.
        execution = run.get_execution()
        self.assertIsNotNone(execution)
        self.assertIs(run.props.execution, execution)
        assert_upg_error(self, error, Upgrade.Error.STEP_FAILED)
        self.assertEqual(Upgrade.error_exit_code(error), 1)
        self.assertIn('001_backup_orders.sql:14', error.message)
        self.assertEqual(execution.get_status(), Upgrade.ExecutionStatus.FAILED)
        self.assertEqual(execution.get_resume_count(), 0)
        self.assertTrue(execution.has_breakpoint())
        # The breakpoint is one boxed value (Upgrade.Breakpoint), which
        # the binding copies: it outlives what the execution does next.
        breakpoint = execution.get_breakpoint()
        self.assertIsInstance(breakpoint, Upgrade.Breakpoint)
        self.assertEqual(breakpoint.get_step_id(), 'ft_backup_orders')
        self.assertEqual(breakpoint.get_file(), 'sql/3.17.0/001_backup_orders.sql')
        self.assertEqual(breakpoint.get_line(), 14)
        self.assertEqual(breakpoint.get_sequence(), 2)
        self.assertIn('INSERT', breakpoint.get_statement())
        self.assertEqual(breakpoint.get_error_code(), '1')
        self.assertIn('no such table: orders', breakpoint.get_error())
        self.assertEqual(breakpoint.copy().get_line(), 14)
        self.assertEqual(recorder.of('step-finished')[-1][2], Upgrade.StepStatus.FAILED)
        # Running the stage again continues the same execution and fails
        # the same way; each run has its own execution.
        again, error = self.run_stage(executor, Upgrade.Stage.PRE_STOP)
        assert_upg_error(self, error, Upgrade.Error.STEP_FAILED)
        self.assertEqual(again.get_execution().get_id(), execution.get_id())
        self.assertEqual(again.get_execution().get_resume_count(), 1)
        self.assertEqual(execution.get_resume_count(), 0)
        # A run runs once.
        with self.assertRaises(GLib.Error) as cm:
            executor.run(run, None)
        assert_upg_error(self, cm.exception, Upgrade.Error.INVALID_ARGUMENT)

        # A person fixes the cause, then resumes at the failed statement.
        self.sqlite('ft_db', 'ALTER TABLE orders_moved RENAME TO orders')
        resume = Upgrade.Run.new_resume(execution.get_id(), Upgrade.ResumeAction.CONTINUE)
        self.assertEqual(resume.get_kind(), Upgrade.RunKind.RESUME)
        self.assertTrue(executor.run(resume, None))
        resumed = resume.get_execution()
        self.assertEqual(resumed.get_id(), execution.get_id())
        self.assertEqual(resumed.get_status(), Upgrade.ExecutionStatus.SUCCESS)
        self.assertIsNone(resumed.get_breakpoint())
        self.assertEqual(breakpoint.get_line(), 14)
        # Running the stage again above continued the same execution: one
        # resume, and this is the second.
        self.assertEqual(resumed.get_resume_count(), 2)
        self.assertEqual(self.sqlite('ft_db', 'SELECT COUNT(*) FROM orders_bak_3170'),
                         self.sqlite('ft_db', 'SELECT COUNT(*) FROM orders'))

        journal = executor.get_journal()
        report = json.loads(Upgrade.report_for_execution(journal, execution.get_id(),
                                                         Upgrade.ReportFormat.JSON))
        self.assertEqual(report['execution_id'], execution.get_id())
        self.assertEqual(report['status'], 'SUCCESS')
        text = Upgrade.report_for_execution(journal, execution.get_id(), Upgrade.ReportFormat.TEXT)
        self.assertIn(execution.get_id(), text)
        self.assertIn('ft_backup_orders', text)

    def test_rollback_async(self):
        executor = self.open_executor()
        run, error = self.run_stage(executor, Upgrade.Stage.PRE_STOP)
        self.assertIsNone(error)
        execution = run.get_execution()
        self.assertEqual(self.sqlite('ft_db', 'SELECT COUNT(*) FROM orders_archive'), [(2,)])
        plan = Upgrade.Plan.new(executor.get_bundle(), *self.versions(), SITE)
        rollback_ids = [s.get_id() for s in plan.get_rollback_steps(Upgrade.Stage.PRE_STOP)]
        self.assertIn('ft_unarchive_cancelled', rollback_ids)
        # Steps of other manifests (ft_backup_orders of 3.17.0…) have no
        # rollback steps in pre_stop: refused until the caller forgets them.
        refused = self.new_run(Upgrade.Stage.PRE_STOP, kind=Upgrade.RunKind.ROLLBACK)
        with self.assertRaises(GLib.Error) as cm:
            executor.run(refused, None)
        assert_upg_error(self, cm.exception, Upgrade.Error.INVALID_ARGUMENT)
        self.assertIn('ft_backup_orders (3.17.0)', cm.exception.message)
        self.assertIsNone(refused.get_execution())
        run = self.new_run(Upgrade.Stage.PRE_STOP, kind=Upgrade.RunKind.ROLLBACK)
        run.props.forget = True
        recorder = Recorder(run)
        loop = GLib.MainLoop()
        outcome = []

        def done(source, result):
            outcome.append(source.run_finish(result))
            loop.quit()

        executor.run_async(run, None, done)
        loop.run()
        self.assertEqual(outcome, [True])
        rollback = run.get_execution()
        self.assertTrue(rollback.is_rollback())
        self.assertNotEqual(rollback.get_id(), execution.get_id())
        self.assertEqual(rollback.get_status(), Upgrade.ExecutionStatus.SUCCESS)
        self.assertEqual([s[0] for s in recorder.of('step-started')], rollback_ids)
        self.assertTrue(rollback.to_dict()['rollback'])
        # The rollback of the archive step empties the archive.
        self.assertEqual(self.sqlite('ft_db', 'SELECT COUNT(*) FROM orders_archive'), [(0,)])

    def test_construct_only_properties(self):
        config = Upgrade.Config.new_from_file(self.config_path)
        journal = Upgrade.Journal.new(config.get_journal().open(None))
        bundle = Upgrade.Bundle.new_for_path(BUNDLE)
        # What the executor holds is given once, as properties ...
        executor = Upgrade.Executor(config=config, bundle=bundle, journal=journal,
                                    state_dir=self.state_dir)
        self.assertIs(executor.props.config, config)
        self.assertIs(executor.props.bundle, bundle)
        self.assertIs(executor.get_journal(), journal)
        self.assertEqual(executor.props.state_dir, self.state_dir)
        # ... and never changes after (GObject refuses to set a
        # construct-only property later).
        for name in ('config', 'bundle', 'journal', 'state-dir'):
            spec = Upgrade.Executor.find_property(name)
            self.assertTrue(spec.flags & GObject.ParamFlags.CONSTRUCT_ONLY, name)
        # Such an executor runs a stage like one from new().
        executor.confirm(*self.versions(), SITE, None, 'tester@python', 'test')
        run, error = self.run_stage(executor, Upgrade.Stage.PRE_STOP)
        self.assertIsNone(error)
        self.assertEqual(run.get_execution().get_status(), Upgrade.ExecutionStatus.SUCCESS)

    def test_cancelled_statement_is_gio_cancellation(self):
        # Every layer reports cancellation as GIO's, the connection too.
        connection = Upgrade.Config.new_from_file(self.config_path).get_journal().open(None)
        cancellable = Gio.Cancellable()
        cancellable.cancel()
        with self.assertRaises(GLib.Error) as cm:
            connection.execute('SELECT 1', cancellable)
        self.assertTrue(cm.exception.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED),
                        '%s %d: %s' % (cm.exception.domain, cm.exception.code, cm.exception.message))
        self.assertEqual(Upgrade.error_code_nick(cm.exception), 'cancelled')

    def test_cancelled_run(self):
        executor = self.open_executor()
        run = self.new_run(Upgrade.Stage.PRE_STOP)
        cancellable = Gio.Cancellable()
        # A synchronous run's signals come in this thread as they happen:
        # the run is cancelled right after its first statement.
        run.connect('statement-finished', lambda *_: cancellable.cancel())
        with self.assertRaises(GLib.Error) as cm:
            executor.run(run, cancellable)
        self.assertTrue(cm.exception.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED),
                        '%s %d: %s' % (cm.exception.domain, cm.exception.code, cm.exception.message))
        self.assertEqual(Upgrade.error_code_nick(cm.exception), 'cancelled')
        self.assertEqual(run.get_execution().get_status(), Upgrade.ExecutionStatus.INTERRUPTED)

    def test_resume_unknown_execution(self):
        executor = self.open_executor()
        run = Upgrade.Run.new_resume('00000000-0000-0000-0000-000000000000',
                                     Upgrade.ResumeAction.RETRY)
        with self.assertRaises(GLib.Error) as cm:
            executor.run(run, None)
        assert_upg_error(self, cm.exception, Upgrade.Error.NOT_FOUND)
        self.assertIsNone(run.get_execution())

    def test_unknown_stage_name(self):
        with self.assertRaises(GLib.Error) as cm:
            Upgrade.parse_stage('during')
        assert_upg_error(self, cm.exception, Upgrade.Error.INVALID_STAGE)

    def test_locked_site(self):
        executor = self.open_executor()
        # Another process, a child upgradectl in the middle of a step,
        # holds the site's lock.
        with HeldLock(self.root, self.config_path, self.state_dir) as holder:
            run, error = self.run_stage(executor, Upgrade.Stage.PRE_STOP)
            assert_upg_error(self, error, Upgrade.Error.LOCKED)
            self.assertIn(':%d' % holder.pid, error.message)
            self.assertEqual(Upgrade.error_exit_code(error), 3)
            self.assertIsNone(run.get_execution())
        # Once it is done, the site is free again.
        run, error = self.run_stage(executor, Upgrade.Stage.PRE_STOP)
        self.assertIsNone(error)

    def test_objects_released(self):
        watch = FinalizeWatch()
        executor = watch.watch(self.open_executor(), 'executor')
        run = watch.watch(self.new_run(Upgrade.Stage.PRE_STOP), 'run')
        Recorder(run)
        loop = GLib.MainLoop()
        results = []

        def done(source, result):
            results.append(source.run_finish(result))
            loop.quit()

        executor.run_async(run, None, done)
        loop.run()
        self.assertEqual(results.pop(), True)
        execution = run.get_execution()
        watch.watch(execution, 'execution')
        journal = watch.watch(executor.get_journal(), 'journal')
        config = watch.watch(executor.get_config(), 'config')
        bundle = watch.watch(executor.get_bundle(), 'bundle')
        manifest = watch.watch(bundle.get_manifests()[0], 'manifest')
        del executor, run, execution, journal, config, bundle, manifest, done
        watch.assert_all_finalized(self)


if __name__ == '__main__':
    unittest.main(verbosity=2)
