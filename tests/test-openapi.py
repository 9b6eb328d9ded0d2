#!/usr/bin/python3
# test-openapi.py - bindings/http/openapi.yaml documents exactly the routes
# upgraded answers (`upgraded --list-routes`), in TAP.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# usage: test-openapi.py UPGRADED OPENAPI_YAML [UPGRADECTL]
# With UPGRADECTL, `upgradectl serve --list-routes` must list the same.
import subprocess
import sys

import yaml

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def routed(*command):
    out = subprocess.run([*command, "--list-routes"], check=True, capture_output=True, text=True).stdout
    routes = {}
    for line in out.splitlines():
        method, path, *flags = line.split()
        routes[(method, path)] = set(flags)
    return routes


def documented(path):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    ops = {}
    for route, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                ops[(method.upper(), route)] = op
    return doc, ops


def main():
    routes = routed(sys.argv[1])
    doc, ops = documented(sys.argv[2])
    checks = []

    checks.append(("the document is OpenAPI 3", str(doc.get("openapi", "")).startswith("3.")))
    if len(sys.argv) > 3:
        checks.append(("upgradectl serve routes as upgraded does", routed(sys.argv[3], "serve") == routes))
    for key in sorted(routes):
        checks.append(("routed %s %s is documented" % key, key in ops))
    for key in sorted(ops):
        checks.append(("documented %s %s is routed" % key, key in routes))
    for key, flags in sorted(routes.items()):
        op = ops.get(key, {})
        public = op.get("security", doc.get("security")) == []
        checks.append(("%s %s: public in both or in neither" % key, public == ("public" in flags)))
        if "websocket" in flags:
            checks.append(("%s %s: documented as a WebSocket (101)" % key, "101" in op.get("responses", {})))
        elif "public" not in flags:
            checks.append(("%s %s: documents its 401" % key, "401" in op.get("responses", {})))

    print("1..%d" % len(checks))
    failed = 0
    for number, (name, ok) in enumerate(checks, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", number, name))
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
