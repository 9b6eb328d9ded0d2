#!/usr/bin/python3
# soak-http.py - upgraded under a long mixed load on loopback, bounded in
# time: REQUESTS requests (default 1,000,000) over at most --max-seconds
# (default 600) while an execution runs SQL statements. Not a test: prints
# figures and whether they meet issue #13's targets:
#   - open descriptors and resident size flat (within ±10 % of the figure
#     after warm-up);
#   - /api/v1/health always answers (a probe every second, 1 s timeout);
#   - p99 of GET /status/{id} ≤ 2 ms at ≥ 5,000 requests/s in all;
#   - the execution keeps ≥ 80 % of its unloaded statement rate.
# Two wrk processes: one on status only (its latency is the status p99),
# one cycling through mixed routes and statuses (200, 400, 401, 404,
# metrics). Every answer of upgraded closes its connection, so every
# request opens a new one: the churn is total (the target asked for half).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# usage: soak-http.py UPGRADED [--requests N] [--max-seconds S] [--statements N]
import argparse
import importlib.util
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("bench_http", os.path.join(HERE, "bench-http.py"))
bench_http = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_http)

# Each wrk thread stops itself after its share of the requests and leaves
# a file saying so (wrk itself would wait for its whole -d); once all its
# threads are done the wrk process is interrupted and prints its figures.
LUA_COMMON = """
local done = 0
local quota = tonumber(os.getenv("SOAK_QUOTA"))
function response(status, headers, body)
  done = done + 1
  if done == quota then
    local f = io.open(os.getenv("SOAK_DONE_DIR") .. "/" .. string.gsub(tostring({}), "[^%w]", ""), "w")
    f:write("done")
    f:close()
    wrk.thread:stop()
  end
end
"""

LUA_STATUS = LUA_COMMON + """
wrk.headers["Authorization"] = "Bearer " .. os.getenv("SOAK_TOKEN")
"""

LUA_MIXED = LUA_COMMON + """
local token = os.getenv("SOAK_TOKEN")
local status_path = os.getenv("SOAK_STATUS")
local i = 0
function request()
  i = i + 1
  local k = i % 6
  if k == 0 then return wrk.format("GET", "/api/v1/health") end
  if k == 1 then return wrk.format("GET", "/api/v1/upgrade/plan?from=1.0.0&to=1.1.0") end            -- 401
  if k == 2 then return wrk.format("GET", "/api/v1/upgrade/status/no-such-id",
                                   {["Authorization"] = "Bearer " .. token}) end                     -- 404
  if k == 3 then return wrk.format("POST", "/api/v1/upgrade/assess",
                                   {["Authorization"] = "Bearer " .. token,
                                    ["Content-Type"] = "application/json"}, "[[[") end              -- 400
  if k == 4 then return wrk.format("GET", "/metrics", {["Authorization"] = "Bearer " .. token}) end
  return wrk.format("GET", status_path, {["Authorization"] = "Bearer " .. token})
end
"""


def proc_figures(pid):
    fds = len(os.listdir("/proc/%d/fd" % pid))
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return fds, rss


def run_wrk(url, path, script, quota, seconds, connections, threads, env):
    work = tempfile.mkdtemp(prefix="soak-wrk-")
    lua = os.path.join(work, "script.lua")
    done_dir = os.path.join(work, "done")
    os.mkdir(done_dir)
    with open(lua, "w") as f:
        f.write(script)
    env = dict(os.environ, SOAK_QUOTA=str(quota), SOAK_DONE_DIR=done_dir, **env)
    try:
        wrk = subprocess.Popen(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds,
                                "--timeout", "2s", "--latency", "-s", lua, url + path],
                               stdout=subprocess.PIPE, text=True, env=env)
        while wrk.poll() is None and len(os.listdir(done_dir)) < threads:
            time.sleep(0.1)
        if wrk.poll() is None:
            wrk.send_signal(signal.SIGINT)
        return wrk.communicate()[0]
    finally:
        shutil.rmtree(work)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("upgraded")
    parser.add_argument("--requests", type=int, default=1000000)
    parser.add_argument("--max-seconds", type=int, default=600)
    parser.add_argument("--statements", type=int, default=2000000)
    parser.add_argument("--baseline-seconds", type=int, default=10)
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="soak-http-")
    try:
        bundle = bench_http.make_site(root, args.statements)
        proc, url, _ = bench_http.start(args.upgraded, root, bundle)
        started = bench_http.request(url, "/api/v1/upgrade/execute",
                                     {"fromVersion": "1.0.0", "toVersion": "1.1.0", "stage": "in_stop"})
        status_path = "/api/v1/upgrade/status/" + started["executionId"]

        # The execution's unloaded rate.
        before = bench_http.request(url, status_path).get("statements_done", 0)
        time.sleep(args.baseline_seconds)
        after = bench_http.request(url, status_path).get("statements_done", 0)
        unloaded = (after - before) / args.baseline_seconds
        base_fds, base_rss = proc_figures(proc.pid)

        samples = []
        probes = {"ok": 0, "failed": 0}
        stop = threading.Event()

        def monitor():
            while not stop.is_set():
                samples.append(proc_figures(proc.pid))
                try:
                    with urllib.request.urlopen(url + "/api/v1/health", timeout=1) as answer:
                        answer.read()
                    probes["ok"] += 1
                except Exception:
                    probes["failed"] += 1
                stop.wait(1)

        watcher = threading.Thread(target=monitor)
        watcher.start()
        env = {"SOAK_TOKEN": bench_http.TOKEN, "SOAK_STATUS": status_path}
        half = args.requests // 2
        outs = {}
        t0 = time.monotonic()
        before = bench_http.request(url, status_path).get("statements_done", 0)

        def load(name, script, path):
            outs[name] = run_wrk(url, path, script, half // 2, args.max_seconds, 8, 2, env)

        workers = [threading.Thread(target=load, args=("status", LUA_STATUS, status_path)),
                   threading.Thread(target=load, args=("mixed", LUA_MIXED, "/"))]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.monotonic() - t0
        after_status = bench_http.request(url, status_path)
        stop.set()
        watcher.join()
        loaded = (after_status.get("statements_done", 0) - before) / elapsed

        total = 0
        for name, out in outs.items():
            rate, p50, p99 = bench_http.parse_wrk(out)
            count = int(bench_http.re.search(r"(\d+) requests in", out).group(1))
            errors = bench_http.re.search(r"Socket errors: .*|Non-2xx or 3xx responses: \d+", out)
            total += count
            print("%-6s %8d requests, %.0f req/s, p50 %.2f ms, p99 %.2f ms%s"
                  % (name, count, rate, p50, p99, ("; " + errors.group(0)) if errors else ""))
        fds = [s[0] for s in samples]
        rss = [s[1] for s in samples]
        print("in all: %d requests in %.0f s = %.0f req/s (%d cores, load average %.1f)"
              % (total, elapsed, total / elapsed, os.cpu_count(), os.getloadavg()[0]))
        print("descriptors: before %d, during min %d max %d, after %d"
              % (base_fds, min(fds), max(fds), proc_figures(proc.pid)[0]))
        print("resident kB: before %d, during min %d max %d, after %d"
              % (base_rss, min(rss), max(rss), proc_figures(proc.pid)[1]))
        print("health probes: %d answered, %d failed" % (probes["ok"], probes["failed"]))
        print("execution: %.0f statements/s unloaded, %.0f under load (%.0f %%), status %s"
              % (unloaded, loaded, 100 * loaded / unloaded if unloaded else 0, after_status["status"]))
        bench_http.stop(proc)
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
