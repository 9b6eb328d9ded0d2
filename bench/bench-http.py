#!/usr/bin/python3
# bench-http.py - upgraded under load: service start → first answer, and
# GET /api/v1/upgrade/status/{id} with wrk from another process while an
# execution runs SQL statements (each journaled: the status reads share the
# journal with the writer). Not a test: prints figures.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# usage: bench-http.py UPGRADED [--statements N] [--duration S] [--connections C]
#   targets (SPEC §11 / brief): first answer ≤ 100 ms; status p99 ≤ 10 ms
#   at ≥ 2,000 req/s
import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.request

TOKEN = "bench-token-0123456789"


def write(path, text, mode=0o600):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


def make_site(root, statements):
    bundle = os.path.join(root, "bundle")
    os.makedirs(os.path.join(bundle, "manifests"))
    os.makedirs(os.path.join(bundle, "sql"))
    manifest = {
        "version": "1.1.0", "version_type": "baseline", "component": "bench",
        "upgrade_steps": {"in_stop": [{"id": "fill", "database": "app_db",
                                       "sql_scripts": ["sql/fill.sql"], "compatible_version": "1.0.0"}]},
    }
    write(os.path.join(bundle, "manifests", "1.1.0.json"), json.dumps(manifest))
    lines = ["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);"]
    lines += ["INSERT INTO t (id, v) VALUES (%d, 'row %d');" % (i, i) for i in range(statements)]
    write(os.path.join(bundle, "sql", "fill.sql"), "\n".join(lines) + "\n")
    write(os.path.join(root, "token"), TOKEN + "\n")
    config = {"site_id": "bench", "datasources": {"app_db": {"provider": "SQLite", "path": "app.db"}},
              "journal": {"provider": "SQLite", "path": "journal.db"}, "plugin_dirs": ["plugins"],
              "service": {"listen": "127.0.0.1:0", "token_file": "token"}}
    write(os.path.join(root, "upgrade.json"), json.dumps(config))
    return bundle


def start(upgraded, root, bundle):
    t0 = time.monotonic()
    proc = subprocess.Popen([upgraded, "-q", "-b", bundle, "-c", os.path.join(root, "upgrade.json"),
                             "--state-dir", os.path.join(root, "state")],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    url = line.removeprefix("listening on ")
    with urllib.request.urlopen(url + "/api/v1/health") as answer:
        answer.read()
    return proc, url, (time.monotonic() - t0) * 1000


def request(url, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method="POST" if data else "GET",
                                 headers={"Authorization": "Bearer " + TOKEN,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as answer:
        return json.load(answer)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    return proc.wait()


def parse_wrk(out):
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", out)
    return rate, float(p50.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p50.group(2)], float(p99.group(1)) * scale


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("upgraded")
    parser.add_argument("--statements", type=int, default=200000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", default="2,16",
                        help="comma-separated wrk connection counts, one run each")
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="bench-http-")
    try:
        bundle = make_site(root, args.statements)
        starts = []
        for _ in range(5):
            proc, url, ms = start(args.upgraded, root, bundle)
            starts.append(ms)
            stop(proc)
        print("service start → first answer: median %.1f ms, max %.1f ms (target ≤ 100 ms)"
              % (statistics.median(starts), max(starts)))

        # Baseline: how fast the execution runs without status queries.
        proc, url, _ = start(args.upgraded, root, bundle)
        started = request(url, "/api/v1/upgrade/execute",
                          {"fromVersion": "1.0.0", "toVersion": "1.1.0", "stage": "in_stop"})
        path = "/api/v1/upgrade/status/" + started["executionId"]
        before = request(url, path)
        time.sleep(args.duration)
        after = request(url, path)
        print("statements without load in %d s: %d → %d" % (args.duration, before.get("statements_done", 0),
                                                            after.get("statements_done", 0)))
        stop(proc)
        shutil.rmtree(os.path.join(root, "state"))
        os.unlink(os.path.join(root, "app.db"))
        os.unlink(os.path.join(root, "journal.db"))

        proc, url, _ = start(args.upgraded, root, bundle)
        started = request(url, "/api/v1/upgrade/execute",
                          {"fromVersion": "1.0.0", "toVersion": "1.1.0", "stage": "in_stop"})
        path = "/api/v1/upgrade/status/" + started["executionId"]
        for connections in [int(c) for c in args.connections.split(",")]:
            before = request(url, path)
            out = subprocess.run(["wrk", "-t2", "-c%d" % connections, "-d%ds" % args.duration, "--latency",
                                  "-H", "Authorization: Bearer " + TOKEN, url + path],
                                 check=True, capture_output=True, text=True).stdout
            after = request(url, path)
            rate, p50, p99 = parse_wrk(out)
            print("status under load (wrk -t2 -c%d -d%ds, execution %s, %d cores, load average %.1f): "
                  "%.0f req/s, p50 %.2f ms, p99 %.2f ms (target p99 ≤ 10 ms at ≥ 2,000 req/s)"
                  % (connections, args.duration, after["status"], os.cpu_count(), os.getloadavg()[0],
                     rate, p50, p99))
            print("  statements the execution ran meanwhile: %d → %d of %d"
                  % (before.get("statements_done", 0), after.get("statements_done", 0), after.get("statements_total", 0)))
        t0 = time.monotonic()
        code = stop(proc)
        print("SIGTERM during the execution → exit %d after %.0f ms" % (code, (time.monotonic() - t0) * 1000))
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
