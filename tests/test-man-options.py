#!/usr/bin/python3
# test-man-options.py - upgradectl(1) documents what `upgradectl help
# COMMAND` accepts, and reads as text once rendered, in TAP.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# usage: test-man-options.py UPGRADECTL MAN_PAGE [BUNDLE DEMO_CONFIG]
#
# An operator reads the man page, not the source: every command of
# `upgradectl --help` has an entry under COMMANDS, every long option of
# its `help COMMAND` is named there, every option its synopsis shows is
# one the command takes, and the rendered text has no roff slip (a font
# escape without its backslash prints "R[B--site IIDR]", a misused .IR
# glues a sentence into one word).
#
# With the example bundle and the demo's configuration, the EXAMPLES are
# pasted into a shell in order, on SQLite databases at the bundle's
# 3.16.0 schema: each must succeed as it stands. The assessment (its
# verdict follows the machine's CPU load) and the resume of an elided id
# are left out.
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

OPTION = re.compile(r"(?<![\w-])(--[A-Za-z][A-Za-z-]*)")
# No word of the page is that long; a misused .BR/.IR glues a sentence.
GLUED = re.compile(r"[A-Za-z]{26,}")
# A synopsis word: [--option, VALUE], alternatives a|b, literal words, an
# argument; a font escape without its backslash leaves "R[B--site".
SYNOPSIS_TOKEN = re.compile(r"\[*(?:--?[a-z][a-z-]*(?:=\S+)?|[A-Z][A-Z_.:]*|OUT\.tar\.gz|[a-z][a-z_]*(?:\|[a-z][a-z_]*)*"
                            r"|\|)\]*(?:\.\.\.)?,?")


def run(*command):
    env = {"LC_ALL": "C", "PATH": "/usr/bin:/bin"}
    return subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout


def commands(upgradectl):
    out = run(upgradectl, "--help")
    names = []
    for line in out.split("Commands:", 1)[1].splitlines():
        m = re.match(r"^  ([a-z]+)  ", line)
        if m and m.group(1) != "help":
            names.append(m.group(1))
    return names


def help_options(upgradectl, command):
    """Long options of `upgradectl help COMMAND`, with their short forms."""
    out = run(upgradectl, "help", command)
    options = {}
    if "Application Options:" not in out:
        return options
    for line in out.split("Application Options:", 1)[1].splitlines():
        m = re.match(r"^  (?:(-[A-Za-z]), )?(--[a-z][a-z-]*)", line)
        if m:
            options[m.group(2)] = m.group(1)
    return options


def global_options(upgradectl):
    out = run(upgradectl, "--help")
    return set(re.findall(r"^  (?:-[A-Za-z], )?(--[a-z][a-z-]*)", out, re.M))


def rendered(page):
    # ASCII, no wrapping nor hyphenation: one synopsis per line.
    return run("groff", "-man", "-Tascii", "-P-c", "-P-b", "-P-u", "-rLL=400n", "-rHY=0", page)


def entries(text):
    """The COMMANDS section as (header lines, body) per entry."""
    section = text.split("\nCOMMANDS\n", 1)[1].split("\nSTAGES\n", 1)[0]
    found = []
    for line in section.splitlines():
        if re.match(r"^ {7}\S", line):
            found.append([[line.strip()], []])
        elif found and re.match(r"^ {14}\S", line):
            # A synopsis continued on the next line (`.br`) still opens
            # with an option; the description starts with a word.
            if not found[-1][1] and line.strip().startswith(("[", "-")):
                found[-1][0].append(line.strip())
            else:
                found[-1][1].append(line.strip())
    return [(" ".join(h), " ".join(b)) for h, b in found]


def examples(text):
    """The EXAMPLES section's commands, continuation lines joined."""
    section = text.split("\nEXAMPLES\n", 1)[1].split("\nSEE ALSO\n", 1)[0]
    return [c.strip() for c in re.sub(r"\\\n\s*", "", section).splitlines() if c.strip()]


def example_checks(upgradectl, text, bundle, demo_config):
    checks = []
    with tempfile.TemporaryDirectory() as site:
        with open(demo_config, encoding="utf-8") as f:
            config = f.read().replace("@STATE@", site)
        with open(os.path.join(site, "upgrade.json"), "w", encoding="utf-8") as f:
            f.write(config)
        for db in ("ft_db", "mid_db"):
            with open(os.path.join(bundle, "schema", db + ".sql"), encoding="utf-8") as f, \
                    sqlite3.connect(os.path.join(site, db + ".sqlite")) as conn:
                conn.executescript(f.read())
        env = {"PATH": os.path.dirname(os.path.abspath(upgradectl)) + ":/usr/bin:/bin", "LC_ALL": "C",
               "HOME": site, "UPGRADE_STATE_DIR": os.path.join(site, "state")}
        script = []
        shown = []
        for command in examples(text):
            if " assess " in command or "..." in command:
                continue
            shown.append(command)
            command = command.replace("/opt/product/bundle", os.path.abspath(bundle))
            command = command.replace("/etc/upgrade/upgrade.json", os.path.join(site, "upgrade.json"))
            # One shell, as pasted: an `export` holds for the lines after it.
            script.append(f"{command} >/dev/null 2>&1; echo $?")
        proc = subprocess.run(["sh", "-c", "\n".join(script)], env=env, cwd=site, check=True,
                              capture_output=True, text=True)
        codes = proc.stdout.split()
        for command, code in zip(shown, codes):
            if not command.startswith("export "):
                checks.append((code == "0", f"example '{command}' succeeds when pasted (exit {code})"))
    return checks


def main():
    upgradectl, page = sys.argv[1], sys.argv[2]
    text = rendered(page)
    documented = entries(text)
    globals_ = global_options(upgradectl)
    checks = []

    for command in commands(upgradectl):
        mine = [(h, b) for h, b in documented if h.split()[0] == command]
        checks.append((bool(mine), f"upgradectl(1) has an entry for '{command}'"))
        if not mine:
            continue
        header = " ".join(h for h, _ in mine)
        whole = " ".join(h + " " + b for h, b in mine)
        options = help_options(upgradectl, command)
        for option, short in sorted(options.items()):
            named = option in OPTION.findall(whole) or (short is not None and re.search(
                r"(?<![\w-])" + re.escape(short) + r"(?![\w-])", whole) is not None)
            checks.append((named, f"'{command}' documents {option}"))
        for option in sorted(set(OPTION.findall(header))):
            checks.append((option in options or option in globals_,
                           f"'{command}' synopsis shows {option}, an option upgradectl {command} takes"))
        for h, _ in mine:
            stray = [t for t in h.split() if not SYNOPSIS_TOKEN.fullmatch(t)]
            checks.append((not stray, f"'{command}' synopsis renders cleanly: {h!r} {stray}"))

    if len(sys.argv) > 4:
        checks += example_checks(upgradectl, text, sys.argv[3], sys.argv[4])

    glued = sorted(set(GLUED.findall(text)))
    checks.append((not glued, f"no words glued together by a roff macro: {glued}"))

    print(f"1..{len(checks)}")
    failed = 0
    for n, (ok, what) in enumerate(checks, 1):
        print(f"{'ok' if ok else 'not ok'} {n} - {what}")
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
