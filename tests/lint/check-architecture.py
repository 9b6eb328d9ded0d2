#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The layering of docs/ARCHITECTURE.md, checked.

1. Layers: a file includes only headers of its own layer or a lower one
   (by the folder the header lives in; generated and system headers are
   not ours and not checked).
2. No cycles between files: file A depends on file B when A's object uses
   a symbol B's object defines (nm); every strongly connected component of
   that graph must be a single file.

Usage: check-architecture.py SRCROOT [TARGET...]
TARGET is a built library or program; its objects are in TARGET.p (meson's
private directory). With no TARGET only the layers are checked.
"""
import collections
import glob
import os
import re
import subprocess
import sys

# Lowest first. A folder not listed here is not ours to check.
LAYERS = [
    ('spi',),
    ('libupgrade/util',),
    ('libupgrade/model',),
    ('libupgrade/sql',),
    ('libupgrade/connectors',),
    ('libupgrade/journal',),
    ('libupgrade/plugins',),
    # The runners are part of the execution layer (they share the run's
    # types); the cycle check keeps them from calling the code above them.
    ('libupgrade/exec', 'libupgrade/exec/runners'),
    ('libupgrade/report',),
    ('libupgrade/assess',),
    ('libupgrade',),
    ('plugins', 'plugins/host', 'plugins/host-resources', 'plugins/sql-checks',
     'bindings/common'),
    ('bindings/cli', 'bindings/http'),
]
LAYER_OF = {folder: rank for rank, folders in enumerate(LAYERS) for folder in folders}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def our_files(root):
    for folder in LAYER_OF:
        for path in sorted(glob.glob(os.path.join(root, folder, '*.[ch]'))):
            yield folder, path


def check_layers(root):
    home = {}
    files = list(our_files(root))
    for folder, path in files:
        home.setdefault(os.path.basename(path), folder)
    problems = []
    for folder, path in files:
        with open(path, encoding='utf-8') as f:
            text = f.read()
        for header in INCLUDE.findall(text):
            target = home.get(os.path.basename(header))
            if target is None:
                continue
            if LAYER_OF[target] > LAYER_OF[folder]:
                problems.append('%s includes %s: %s is above %s' % (
                    os.path.relpath(path, root), header, target, folder))
    return problems


def symbol_graph(objdirs):
    defined, used = {}, collections.defaultdict(set)
    objects = [o for d in objdirs for o in sorted(glob.glob(os.path.join(d, '*.o')))]
    if not objects:
        sys.exit('check-architecture: no objects in %s; build first' % (objdirs,))
    # One nm for all objects: `nm -A` prefixes each line with its file.
    out = subprocess.run(['nm', '-A'] + objects, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        path, _, rest = line.partition(':')
        name = os.path.basename(path)[:-len('.c.o')]
        fields = rest.split()
        if len(fields) == 3 and fields[1] in 'TDBRV':
            defined[fields[2]] = name
        elif len(fields) == 2 and fields[0] == 'U':
            used[name].add(fields[1])
    graph = collections.defaultdict(dict)
    for name, symbols in used.items():
        for symbol in sorted(symbols):
            owner = defined.get(symbol)
            if owner is not None and owner != name:
                graph[name].setdefault(owner, symbol)
    return graph


def cycles(graph):
    """Tarjan's strongly connected components, iteratively."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = 0
    nodes = sorted(set(graph) | {w for e in graph.values() for w in e})
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, {}))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            advanced = False
            for succ in edges:
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph.get(succ, {})))))
                    advanced = True
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def describe_cycle(graph, component):
    members = set(component)
    lines = ['cycle between %d files:' % len(component)]
    for name in component:
        for succ, symbol in sorted(graph.get(name, {}).items()):
            if succ in members:
                lines.append('  %s -> %s (%s)' % (name, succ, symbol))
    return '\n'.join(lines)


# Engine state is typed: a field of its object, or of the run (UpgRunTarget),
# never a string key on a GObject (g_object_set_data), which no compiler
# checks, which lives as long as the object, and which interns a quark
# per key. The bindings keep theirs typed too (the service's route of a
# request is a table of the service).
OBJECT_DATA = re.compile(r'\bg_object_(?:set|get|steal|dup|replace)_(?:q)?data\w*\s*\(')


def check_object_data(root):
    problems = []
    for folder, path in our_files(root):
        if not folder.startswith(('libupgrade', 'bindings')):
            continue
        with open(path, encoding='utf-8') as f:
            for number, line in enumerate(f, 1):
                if line.lstrip().startswith(('*', '/*', '//')):
                    continue  # a comment naming it
                if OBJECT_DATA.search(line):
                    problems.append('%s:%d: g_object_*_data() keeps engine state untyped: use a field'
                                    % (os.path.relpath(path, root), number))
    return problems


# `g_autofree char *texts[n]` frees texts[0] only (the cleanup gets the
# array's address as one pointer): the others leak.
AUTOFREE_ARRAY = re.compile(r'\bg_autofree\s+[\w\s]*\*\s*\w+\s*\[')


def check_autofree_arrays(root):
    problems = []
    for _, path in our_files(root):
        with open(path, encoding='utf-8') as f:
            for number, line in enumerate(f, 1):
                if not line.lstrip().startswith(('*', '/*', '//')) and AUTOFREE_ARRAY.search(line):
                    problems.append('%s:%d: g_autofree on an array frees its first element only'
                                    % (os.path.relpath(path, root), number))
    return problems


def main():
    root = sys.argv[1]
    problems = check_layers(root) + check_object_data(root) + check_autofree_arrays(root)
    for target in sys.argv[2:]:
        graph = symbol_graph([target + '.p'])
        problems += [describe_cycle(graph, c) for c in cycles(graph)]
    for problem in problems:
        print(problem)
    print('check-architecture: %d problem(s)' % len(problems))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
