#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The ABI of both libraries is what their installed headers declare.

Usage: test-abi-symbols.py NM CC... -- LIBRARY SUBDIR UMBRELLA HEADER... [-- LIBRARY ...]

For each library: the headers it installs are copied alone into a
temporary include tree laid out like the installed one, the umbrella
header is preprocessed from there (so a public header including one that
is not installed fails too), and then

  - every symbol `nm -D --defined-only` lists must be declared by one of
    that library's installed headers (no private helper, no test hook in
    the ABI), and
  - every upg_ function those headers declare must be exported (a
    prototype missing its UPG_AVAILABLE_IN_* macro would fail to link in
    a program built against the installed library).

Prints TAP.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

argv = sys.argv[1:]
sep = argv.index('--')
nm = argv[0]
cc = argv[1:sep]
groups = []
rest = argv[sep + 1:]
while rest:
    if '--' in rest:
        i = rest.index('--')
        groups.append(rest[:i])
        rest = rest[i + 1:]
    else:
        groups.append(rest)
        rest = []

pkg_cflags = subprocess.run(
    ['pkg-config', '--cflags', 'glib-2.0', 'gobject-2.0', 'gio-2.0', 'gmodule-2.0', 'json-glib-1.0'],
    check=True, capture_output=True, text=True).stdout.split()

# GLib-style names a C parser would see as function names: `name (`.
NAME_CALL = re.compile(r'\b([A-Za-z_][A-Za-z0-9_]*)\s*\(')
LINE_MARKER = re.compile(r'^# \d+ "([^"]*)"')

include_root = tempfile.mkdtemp(prefix='upg-abi-')
failures = 0
n = 0
try:
    include_dirs = []
    for group in groups:
        library, subdir, umbrella, headers = group[0], group[1], group[2], group[3:]
        target = os.path.join(include_root, subdir)
        os.makedirs(target, exist_ok=True)
        for header in headers:
            shutil.copy(header, target)
        include_dirs.append(target)

    print('1..%d' % (2 * len(groups)))
    for group in groups:
        library, subdir, umbrella = group[0], group[1], group[2]
        own_dir = os.path.join(include_root, subdir)
        source = os.path.join(include_root, 'abi-%s.c' % subdir)
        with open(source, 'w') as f:
            f.write('#include <%s>\n' % umbrella)
        cpp = subprocess.run(cc + ['-E', source] + ['-I' + d for d in include_dirs] + pkg_cflags,
                             capture_output=True, text=True)
        if cpp.returncode != 0:
            sys.stderr.write(cpp.stderr)
            sys.exit('preprocessing <%s> from its installed headers alone failed' % umbrella)

        declared = set()
        current = None
        for line in cpp.stdout.splitlines():
            marker = LINE_MARKER.match(line)
            if marker:
                current = os.path.realpath(marker.group(1))
                continue
            if current is not None and os.path.dirname(current) == os.path.realpath(own_dir):
                declared.update(NAME_CALL.findall(line))

        nm_out = subprocess.run([nm, '-D', '--defined-only', library],
                                check=True, capture_output=True, text=True).stdout
        exported = set()
        for line in nm_out.splitlines():
            fields = line.split()
            if len(fields) == 3:
                exported.add(fields[2].split('@')[0])

        name = os.path.basename(library)
        n += 1
        undeclared = sorted(exported - declared)
        if undeclared:
            failures += 1
            print('not ok %d - %s exports %d of %d symbols its installed headers do not declare'
                  % (n, name, len(undeclared), len(exported)))
            for symbol in undeclared:
                print('# undeclared: %s' % symbol)
        else:
            print('ok %d - %s exports %d symbols, all declared in its installed headers'
                  % (n, name, len(exported)))

        n += 1
        missing = sorted(s for s in declared - exported if s.startswith('upg_'))
        if missing:
            failures += 1
            print('not ok %d - %s does not export %d functions its installed headers declare'
                  % (n, name, len(missing)))
            for symbol in missing:
                print('# not exported: %s' % symbol)
        else:
            print('ok %d - %s exports every upg_ function its installed headers declare' % (n, name))
finally:
    shutil.rmtree(include_root)
sys.exit(1 if failures else 0)
