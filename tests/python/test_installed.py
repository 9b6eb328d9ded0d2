#!/usr/bin/python3
# test_installed.py - after `meson install` (into a DESTDIR), Python finds
# the typelib, the libraries and the overrides there, the CI/CD hook runs,
# and a C program builds against the installed headers and upgrade-1.pc
#
#   test_installed.py MESON CC
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import glob
import os
import subprocess
import sys
import unittest

from upgtest import BUILD_ROOT, BUNDLE, FROM, SITE, SOURCE_ROOT, TO, SiteTestCase, remove_tree

if len(sys.argv) < 3:
    sys.exit('usage: test_installed.py MESON CC')
MESON = sys.argv.pop(1)
CC = sys.argv.pop(1)


def only(pattern):
    found = glob.glob(pattern, recursive=True)
    if len(found) != 1:
        raise AssertionError('expected one %s, found %s' % (pattern, found))
    return found[0]


class InstalledTest(SiteTestCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.destdir = tempfile.mkdtemp(prefix='upg-python-destdir-')
        proc = subprocess.run([MESON, 'install', '-C', BUILD_ROOT, '--no-rebuild', '--quiet',
                               '--destdir', cls.destdir],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            remove_tree(cls.destdir)
            raise AssertionError('meson install failed: %s%s' % (proc.stdout, proc.stderr))
        typelib = only(cls.destdir + '/**/girepository-1.0/Upgrade-1.typelib')
        overrides = only(cls.destdir + '/**/gi/overrides/Upgrade.py')
        libdir = os.path.dirname(os.path.dirname(typelib))
        cls.libdir = libdir
        cls.env = {k: v for k, v in os.environ.items()
                   if k not in ('GI_TYPELIB_PATH', 'LD_LIBRARY_PATH', 'PYTHONPATH')}
        cls.env.update(GI_TYPELIB_PATH=os.path.dirname(typelib), LD_LIBRARY_PATH=libdir,
                       PYTHONPATH=os.path.dirname(os.path.dirname(os.path.dirname(overrides))))

    @classmethod
    def tearDownClass(cls):
        remove_tree(cls.destdir)

    def python(self, code):
        proc = subprocess.run(['/usr/bin/python3', '-c', code], env=self.env, cwd='/',
                              capture_output=True, text=True, check=False)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout

    def test_python_uses_the_installed_files(self):
        out = self.python(
            "import gi\n"
            "gi.require_version('Upgrade', '1')\n"
            "from gi.repository import GIRepository, Upgrade\n"
            "import gi.overrides.Upgrade as o\n"
            "print(o.__file__)\n"
            "print(GIRepository.Repository.get_default().get_typelib_path('Upgrade'))\n"
            "print(Upgrade.Version.parse('317501'), Upgrade.Version.parse('3.17.5') < '3.17.5-P1')\n"
            "import ctypes, re\n"
            "maps = open('/proc/self/maps').read()\n"
            "print(sorted(set(re.findall(r'\\S*libupgrade\\S*\\.so\\S*', maps))))\n")
        lines = out.splitlines()
        self.assertTrue(lines[0].startswith(self.destdir), lines[0])
        self.assertTrue(lines[1].startswith(self.destdir), lines[1])
        self.assertEqual(lines[2], '3.17.5-P1 True')
        for library in eval(lines[3]):
            self.assertTrue(library.startswith(self.destdir), library)

    def test_hook_runs_installed(self):
        env = dict(self.env, UPGRADE_BUNDLE=BUNDLE, UPGRADE_CONFIG=self.config_path,
                   UPGRADE_STATE_DIR=self.state_dir, currentVersion=FROM, tagVersion=TO,
                   siteId=SITE)
        proc = subprocess.run(['/usr/bin/python3',
                               os.path.join(SOURCE_ROOT, 'examples', 'hooks', 'cicd_hook.py'),
                               'pre_stop', '--confirm'], env=env, capture_output=True, text=True,
                              check=False)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn('[SUCCESS] mid_copy_endpoints', proc.stdout)

    def test_c_program_builds_against_installed_headers(self):
        pkgconfig = only(self.destdir + '/**/pkgconfig/upgrade-1.pc')
        env = dict(self.env, PKG_CONFIG_PATH=os.path.dirname(pkgconfig))
        prefix = subprocess.run(['pkg-config', '--variable=prefix', 'upgrade-1'], env=env,
                                capture_output=True, text=True, check=True).stdout.strip()
        flags = subprocess.run(['pkg-config', '--cflags', '--libs', 'upgrade-1'], env=env,
                               capture_output=True, text=True, check=True).stdout.split()
        # The .pc files are relocatable (${pcfiledir}): their paths already
        # lead into DESTDIR. A non-relocatable one names the final prefix:
        # relocate it (glib and json-glib stay in /usr).
        flags = [f[:2] + self.destdir + f[2:] if f[:2] in ('-I', '-L') and
                 f[2:].startswith(prefix + '/') and not f[2:].startswith(self.destdir)
                 else f for f in flags]
        self.assertTrue(any(f.startswith('-I' + self.destdir) for f in flags), flags)
        program = os.path.join(self.root, 'upgrade-embed')
        proc = subprocess.run([CC, '-Werror', os.path.join(SOURCE_ROOT, 'examples', 'embed',
                                                           'upgrade-embed.c'),
                               '-o', program] + flags,
                              env=env, capture_output=True, text=True, check=False)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        proc = subprocess.run([program, '--confirm', BUNDLE, self.config_path, FROM, TO, 'pre_stop',
                               self.state_dir], env=self.env, capture_output=True, text=True,
                              check=False)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertRegex(proc.stdout.splitlines()[-1], r'^execution [0-9a-f-]{36}: SUCCESS$')


if __name__ == '__main__':
    unittest.main(verbosity=2)
