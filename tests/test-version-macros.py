#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The versioned availability macros (upg-spi-version-macros.h,
upg-version-macros.h) do what GLib's do, for a program built against the
installed headers.

Usage: test-version-macros.py MESON_BUILD CC... -- SPI_HEADER... -- UPG_HEADER...

The headers are copied into a temporary tree laid out like the installed
one; small programs are compiled against it with -Werror:

  - UPG_AVAILABLE_IN_ALL and UPG_AVAILABLE_IN_1_0 declare exported symbols;
  - a deprecated enumeration value (UPG_ERROR_CANCELLED) warns, and does
    not with UPG_DISABLE_DEPRECATION_WARNINGS;
  - UPG_VERSION_MAX_ALLOWED below UPG_VERSION_MIN_REQUIRED, and a minimum
    below 1.0, are errors;
  - UPG_VERSION_CUR_STABLE is what meson.build's version says: 1.0 while
    the project is at 0.x, else major.minor with an odd minor rounded up.

Prints TAP.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

argv = sys.argv[1:]
meson_build = argv[0]
first = argv.index('--')
cc = argv[1:first]
second = argv.index('--', first + 1)
spi_headers = argv[first + 1:second]
upg_headers = argv[second + 1:]

with open(meson_build, encoding='utf-8') as f:
    version = re.search(r"version:\s*'(\d+)\.(\d+)", f.read())
major, minor = int(version.group(1)), int(version.group(2))
if major == 0:
    stable = (1, 0)
else:
    stable = (major, minor + (minor % 2))

pkg_cflags = subprocess.run(
    ['pkg-config', '--cflags', 'glib-2.0', 'gobject-2.0', 'gio-2.0', 'gmodule-2.0', 'json-glib-1.0'],
    check=True, capture_output=True, text=True).stdout.split()

root = tempfile.mkdtemp(prefix='upg-version-macros-')
cases = [
    ('UPG_AVAILABLE_IN_ALL and UPG_AVAILABLE_IN_1_0 declare exported functions', [], True, '''
UPG_AVAILABLE_IN_ALL int upg_test_all (void);
UPG_AVAILABLE_IN_1_0 int upg_test_1_0 (void);
int main (void) { return 0; }
'''),
    ('UPG_DEPRECATED_IN_1_0_FOR warns about a deprecated function', [], False, '''
UPG_DEPRECATED_IN_1_0_FOR (upg_test_new) int upg_test_old (void);
int main (void) { return upg_test_old (); }
'''),
    ('the deprecated UPG_ERROR_CANCELLED warns', [], False, '''
int main (void) { return UPG_ERROR_CANCELLED; }
'''),
    ('UPG_DISABLE_DEPRECATION_WARNINGS silences it', ['-DUPG_DISABLE_DEPRECATION_WARNINGS'], True, '''
int main (void) { return UPG_ERROR_CANCELLED; }
'''),
    ('UPG_VERSION_MAX_ALLOWED below UPG_VERSION_MIN_REQUIRED is an error',
     ['-DUPG_VERSION_MIN_REQUIRED=UPG_VERSION_1_0', '-DUPG_VERSION_MAX_ALLOWED=(UPG_VERSION_1_0 - 1)'],
     False, 'int main (void) { return 0; }\n'),
    ('UPG_VERSION_MIN_REQUIRED below 1.0 is an error', ['-DUPG_VERSION_MIN_REQUIRED=G_ENCODE_VERSION(0,9)'],
     False, 'int main (void) { return 0; }\n'),
    ('UPG_VERSION_CUR_STABLE is %d.%d (meson.build: %d.%d)' % (stable + (major, minor)), [], True, '''
_Static_assert (UPG_VERSION_CUR_STABLE == G_ENCODE_VERSION (%d, %d), "UPG_VERSION_CUR_STABLE");
_Static_assert (UPG_VERSION_MIN_REQUIRED == UPG_VERSION_CUR_STABLE, "default minimum");
_Static_assert (UPG_VERSION_MAX_ALLOWED == UPG_VERSION_CUR_STABLE, "default maximum");
int main (void) { return 0; }
''' % stable),
    ('the SPI alone: UPG_SPI_AVAILABLE_IN_1_0, UPG_SPI_DEPRECATED_IN_1_0', ['-DSPI_ONLY'], True, '''
UPG_SPI_AVAILABLE_IN_1_0 int upg_test_spi (void);
UPG_SPI_DEPRECATED_IN_1_0 int upg_test_spi_old (void);
int main (void) { return 0; }
'''),
]
failures = 0
try:
    spi_dir = os.path.join(root, 'libupgrade-spi-1')
    upg_dir = os.path.join(root, 'libupgrade-1')
    for headers, target in ((spi_headers, spi_dir), (upg_headers, upg_dir)):
        os.makedirs(target)
        for header in headers:
            shutil.copy(header, target)
    print('1..%d' % len(cases))
    for n, (name, flags, should_build, body) in enumerate(cases, 1):
        source = os.path.join(root, 'case%d.c' % n)
        umbrella = 'upgrade-spi.h' if '-DSPI_ONLY' in flags else 'upgrade.h'
        with open(source, 'w') as f:
            f.write('#include <%s>\n%s' % (umbrella, body))
        proc = subprocess.run(cc + ['-Werror', '-fsyntax-only', source, '-I' + spi_dir, '-I' + upg_dir]
                              + pkg_cflags + flags, capture_output=True, text=True)
        built = proc.returncode == 0
        if built == should_build:
            print('ok %d - %s' % (n, name))
        else:
            failures += 1
            print('not ok %d - %s: %s' % (n, name, 'did not build' if should_build else 'built'))
            for line in proc.stderr.splitlines()[:20]:
                print('# ' + line)
finally:
    shutil.rmtree(root)
sys.exit(1 if failures else 0)
