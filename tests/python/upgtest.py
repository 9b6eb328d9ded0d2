# upgtest.py - shared set-up of the Python tests (tests/python/test_*.py)
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The tests use libupgrade through gi.repository only, on real files:
# the example bundle, SQLite databases loaded from its schema, a journal
# in a temporary directory. Run by meson with the build tree's typelib and
# libraries (bindings/python/meson.build sets the environment).

import gc
import json
import os
import select
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import unittest

import gi

gi.require_version('Upgrade', '1')
gi.require_version('Json', '1.0')
from gi.repository import GLib, GObject, Upgrade  # noqa: E402

SOURCE_ROOT = os.environ.get('UPGRADE_SOURCE_ROOT',
                             os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..')))
BUILD_ROOT = os.environ.get('UPGRADE_BUILD_ROOT', os.path.join(SOURCE_ROOT, '_build'))
BUNDLE = os.path.join(SOURCE_ROOT, 'examples', 'bundle')
UPGRADECTL = os.environ.get('UPGRADECTL',
                            os.path.join(BUILD_ROOT, 'bindings', 'cli', 'upgradectl'))
FROM = '3.16.0'
TO = '3.18.0'
SITE = 'bj-01'


def upgradectl_json(*args, state_dir=None, config=None):
    """Runs the built upgradectl with --json; returns (exit code, document)."""
    argv = [UPGRADECTL, '--json', '-b', BUNDLE]
    if config is not None:
        argv += ['-c', config]
    if state_dir is not None:
        argv += ['--state-dir', state_dir]
    proc = subprocess.run(argv + list(args), capture_output=True, text=True, check=False)
    return proc.returncode, json.loads(proc.stdout)


def stages_without_confirmations(stages):
    """`upgradectl plan`'s stages without what it read from the journal:
    `confirmed` and `confirmation`, present exactly on the steps that need
    confirmation (Plan.to_dict() is the plan alone)."""
    plain = []
    for stage in stages:
        steps = []
        for step in stage['steps']:
            needs = not step.get('compatible', True)
            assert ('confirmed' in step) == needs and ('confirmation' in step) == needs, step
            steps.append({k: v for k, v in step.items() if k not in ('confirmed', 'confirmation')})
        plain.append(dict(stage, steps=steps))
    return plain


class FinalizeWatch:
    """Notes which GObjects were finalized (GObject weak references), to
    check that the binding releases what it was given. The last reference
    may be dropped in another thread (an asynchronous run's worker), so the
    check waits for the notifications, up to a limit."""

    def __init__(self):
        self.finalized = []
        self.watched = []
        self.changed = threading.Condition()

    def _notify(self, name):
        with self.changed:
            self.finalized.append(name)
            self.changed.notify_all()

    def watch(self, obj, name):
        obj.weak_ref(self._notify, name)
        self.watched.append(name)
        return obj

    def assert_all_finalized(self, test, timeout=10):
        gc.collect()
        with self.changed:
            self.changed.wait_for(lambda: len(self.finalized) == len(self.watched), timeout)
            test.assertEqual(sorted(self.finalized), sorted(self.watched))


def remove_tree(path):
    """Removes a temporary directory; SQLite removes its -wal/-shm files
    itself when the last connection closes, which may happen meanwhile
    (an asynchronous run's worker drops its references last)."""
    def vanished(_function, _path, exc_info):
        if not issubclass(exc_info[0], FileNotFoundError):
            raise exc_info[1]

    gc.collect()
    shutil.rmtree(path, onerror=vanished)


class SiteTestCase(unittest.TestCase):
    """A temporary site: ft_db and mid_db as SQLite files loaded from the
    example bundle's schema (the installed state at 3.16.0), the demo's
    upgrade.json beside them, a state directory holding the journal."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix='upg-python-')
        self.addCleanup(remove_tree, self.root)
        for name in ('ft_db', 'mid_db'):
            with open(os.path.join(BUNDLE, 'schema', name + '.sql'), encoding='utf-8') as f:
                db = sqlite3.connect(os.path.join(self.root, name + '.sqlite'))
                db.executescript(f.read())
                db.close()
        self.config_path = os.path.join(self.root, 'upgrade.json')
        shutil.copy(os.path.join(SOURCE_ROOT, 'examples', 'demo', 'upgrade.json'),
                    self.config_path)
        self.state_dir = os.path.join(self.root, 'state')
        os.mkdir(self.state_dir)
        # tools/snapshot_note.sh writes its note there.
        os.environ['UPGRADE_NOTES_DIR'] = self.root

    def sqlite(self, name, query):
        db = sqlite3.connect(os.path.join(self.root, name + '.sqlite'))
        try:
            return db.execute(query).fetchall()
        finally:
            db.close()

    def open_executor(self):
        config = Upgrade.Config.new_from_file(self.config_path)
        journal = Upgrade.Journal.new(config.get_journal().open(None))
        bundle = Upgrade.Bundle.new_for_path(BUNDLE)
        return Upgrade.Executor.new(config, bundle, journal, self.state_dir)


class HeldLock:
    """Another process holding a site's lock, for real: a child upgradectl
    runs a one-step bundle of its own (tmp/holder-bundle) on the same
    configuration and journal, and its command step blocks on a FIFO. The
    step says it started through a second FIFO, so the lock is held when
    __enter__ returns; __exit__ lets the step finish and waits for the
    child, which releases the lock. No sleeps: only the child's own
    progress is waited for (and its early death is an error)."""

    def __init__(self, root, config_path, state_dir, site=SITE):
        self.root = root
        self.config_path = config_path
        self.state_dir = state_dir
        self.site = site
        self.child = None

    def __enter__(self):
        bundle = os.path.join(self.root, 'holder-bundle')
        os.makedirs(os.path.join(bundle, 'manifests'), exist_ok=True)
        self.ready = os.path.join(self.root, 'holder-ready')
        self.go = os.path.join(self.root, 'holder-go')
        os.mkfifo(self.ready)
        os.mkfifo(self.go)
        step = {'id': 'hold_the_lock', 'compatible_version': '0.1.0',
                'command': ['sh', '-c', 'echo held > "$1" && read answer < "$2"', 'hold',
                            self.ready, self.go]}
        with open(os.path.join(bundle, 'manifests', '9.0.0.json'), 'w', encoding='utf-8') as f:
            json.dump({'version': '9.0.0', 'version_type': 'baseline', 'component': 'holder',
                       'upgrade_steps': {'pre_stop': [step]}}, f)
        # The FIFO is opened before the child starts (O_NONBLOCK: without
        # a writer yet), so the step's write cannot block on it.
        ready_fd = os.open(self.ready, os.O_RDONLY | os.O_NONBLOCK)
        try:
            self.child = subprocess.Popen(
                [UPGRADECTL, '-b', bundle, '-c', self.config_path, '--state-dir', self.state_dir,
                 'run', '--site', self.site, '--from', '8.0.0', '--to', '9.0.0',
                 '--stage', 'pre_stop'],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            received = b''
            while not received:
                # The timeout only lets a dead child be noticed.
                readable, _, _ = select.select([ready_fd], [], [], 1.0)
                if readable:
                    received = os.read(ready_fd, 64)
                if not received and self.child.poll() is not None:
                    raise AssertionError('the lock holder ended before taking the lock: '
                                         + self.child.stdout.read())
        finally:
            os.close(ready_fd)
        return self

    @property
    def pid(self):
        return self.child.pid

    def __exit__(self, *exc):
        with open(self.go, 'w', encoding='utf-8') as f:
            f.write('go\n')
        output, _ = self.child.communicate()
        if exc[0] is None and self.child.returncode != 0:
            raise AssertionError('the lock holder failed (%d): %s' % (self.child.returncode, output))
        return False


def assert_upg_error(test, error, code):
    """Asserts a GLib.Error is libupgrade's, with `code` (an Upgrade.Error)."""
    test.assertEqual(error.domain, 'upg-error-quark')
    test.assertTrue(error.matches(Upgrade.error_quark(), int(code)),
                    'expected %s, got code %d: %s' % (code, error.code, error.message))
    test.assertTrue(error.message)


def assert_raises_upg(test, code, texts, function, *args):
    """Asserts function(*args) raises libupgrade's GLib.Error, with `code`
    (None: any code) and a message containing each of `texts`."""
    with test.assertRaises(GLib.Error) as cm:
        function(*args)
    if code is None:
        test.assertEqual(cm.exception.domain, 'upg-error-quark')
    else:
        assert_upg_error(test, cm.exception, code)
    for text in texts:
        test.assertIn(text, cm.exception.message)
    return cm.exception


__all__ = ['GLib', 'GObject', 'Upgrade', 'SOURCE_ROOT', 'BUILD_ROOT', 'BUNDLE',
           'UPGRADECTL', 'FROM', 'TO', 'SITE', 'upgradectl_json', 'FinalizeWatch', 'HeldLock',
           'remove_tree',
           'SiteTestCase', 'assert_upg_error', 'assert_raises_upg']
