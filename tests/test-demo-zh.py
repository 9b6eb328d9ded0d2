"""The demo under LANG=zh_CN.UTF-8 prints Chinese (issue #12).

Usage: test-demo-zh.py RUN_DEMO_SH BUILD_DIR

Runs examples/demo/run-demo.sh as an operator in a Chinese locale would
and fails on any line it prints that carries an English sentence of the
program's own: a line without a Chinese character where two or more
plain English words follow each other. Identifiers (step ids, stage
names, `key=value` figures, file names, versions, SQL keywords among
ids) are not words here: a word is letters only, and the `=== upgradectl
…` banners echo the command line. The example bundle's own texts (rule
names, suggestions) sit on lines with Chinese and are the bundle's data,
and so are the files the demo quotes from the bundle (lines it prints
after "  | ", such as the configuration file a `config` step rendered).
"""
import os
import re
import subprocess
import sys

HAN = re.compile(r'[\u4e00-\u9fff]')
# A plain word: letters only, not part of an identifier (no _ . - / = digits around it).
WORD = r'(?<![\w.\-/=])[A-Za-z]+(?![\w.\-/=(])'
SENTENCE = re.compile(WORD + r'(?: ' + WORD + r')+')
# A line of a file the demo quotes (run-demo.sh prints them so).
QUOTED = '  | '


def english_lines(text):
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(('=== upgradectl ', QUOTED)) or HAN.search(line):
            continue
        if SENTENCE.search(line):
            found.append('%d: %s' % (number, line))
    return found


def main():
    script, build = sys.argv[1], sys.argv[2]
    env = dict(os.environ, LANG='zh_CN.UTF-8', LC_ALL='zh_CN.UTF-8', LANGUAGE='',
               UPGRADE_DEMO_CLEANUP='1')
    result = subprocess.run(['sh', script, build], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        print(result.stdout)
        print('run-demo.sh exited %d' % result.returncode)
        return 1
    found = english_lines(result.stdout)
    for line in found:
        print('English under zh_CN: ' + line)
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
