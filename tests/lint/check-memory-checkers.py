#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every test is checked by exactly one memory checker in scripts/test.sh.

scripts/test.sh runs the C tests again under valgrind (`--setup
valgrind`) or in the AddressSanitizer build (`$ASAN_BUILD`), each pass
choosing tests by `--suite` / `--no-suite`. This reads those options from
the script and the build's tests (meson-info/intro-tests.json) and fails,
naming them, on a test that neither pass runs (a new suite, a test moved
to 'spawn' but left out of the ASan pass) or that both run (time spent
twice). HACKING.md, "Memory checkers", says where a test goes.

Usage: check-memory-checkers.py SRCROOT BUILDROOT
"""
import json
import os
import re
import sys

# Suites whose tests no memory checker runs, and why.
EXEMPT = {
    'lint': 'checks sources and symbols, runs no code of ours',
    'python': 'PyGObject leaks its callback closures (scripts/test.sh)',
    'install': 'the installed tree, built again without the checkers',
    'examples': "the embed example's C program has its own valgrind test",
    'valgrind': 'runs its program under valgrind itself',
}


def passes(script):
    """{'valgrind': (include, exclude), 'asan': (include, exclude)}."""
    text = re.sub(r'\\\n', ' ', open(script, encoding='utf-8').read())
    found = {}
    for line in text.splitlines():
        if not re.match(r'\s*meson test ', line) or '--suite' not in line:
            continue
        name = 'valgrind' if '--setup valgrind' in line else 'asan' if '$ASAN_BUILD' in line else None
        if name is None:
            sys.exit('check-memory-checkers: a meson test line of %s is neither pass: %s' % (script, line))
        found[name] = (set(re.findall(r'(?<!-)--suite[ =](\S+)', line)),
                       set(re.findall(r'--no-suite[ =](\S+)', line)))
    if set(found) != {'valgrind', 'asan'}:
        sys.exit('check-memory-checkers: %s: expected a valgrind and an ASan pass, found %s'
                 % (script, sorted(found)))
    return found


def main():
    srcroot, buildroot = sys.argv[1:3]
    checkers = passes(os.path.join(srcroot, 'scripts', 'test.sh'))
    with open(os.path.join(buildroot, 'meson-info', 'intro-tests.json'), encoding='utf-8') as f:
        tests = json.load(f)
    problems = []
    for test in tests:
        # meson prefixes the suites of a subproject's tests; ours are bare.
        suites = {s.split(':')[-1] for s in test['suite']}
        if suites & set(EXEMPT):
            continue
        runs = [name for name, (include, exclude) in sorted(checkers.items())
                if suites & include and not suites & exclude]
        if len(runs) != 1:
            problems.append('%s (suites %s): %s' % (test['name'], ', '.join(sorted(suites)),
                                                  'both passes' if runs else 'no memory checker'))
    print('1..1')
    if problems:
        print('not ok 1 - every test under exactly one memory checker')
        for problem in problems:
            print('# ' + problem)
        return 1
    print('ok 1 - every test under exactly one memory checker (%d tests)' % len(tests))
    return 0


if __name__ == '__main__':
    sys.exit(main())
