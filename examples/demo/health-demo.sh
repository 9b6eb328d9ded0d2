# The health-check part of the demo, sourced by run-demo.sh after the
# Redis part (it uses its CTL, STATE, SITE, STAGES, expect, say and banner).
#
# 3.18.0-P3 checks, in post_start, that ft's web front end answers UP on
# http://127.0.0.1:${env.ft_web_port}/actuator/health. The demo has no ft
# to restart, so it stands one in: python3's http.server on a free
# loopback port (no network), serving a static {"status": "UP"} from
# $STATE/ft-web; the port goes into the site's env (upgrade.json). The
# server prints its port once it listens; the demo reads that line from a
# FIFO, so nothing waits on a clock. Only the component ft-web runs
# (--component): the patches before it (ClickHouse, Redis) belong to
# other parts of the demo, which may have been skipped.

WEB_DIR="$STATE/ft-web"
mkdir -p "$WEB_DIR/actuator"
printf '{"status": "UP", "components": {"db": {"status": "UP"}}}\n' > "$WEB_DIR/actuator/health"
mkfifo "$STATE/ft-web.port"
python3 - "$WEB_DIR" > "$STATE/ft-web.port" 2> "$STATE/ft-web.log" <<'PY' &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
WEB_PID=$!
web_stop () {
  kill "$WEB_PID" 2>/dev/null || return 0
  wait "$WEB_PID" 2>/dev/null || true
}
trap 'web_stop; if [ -n "${REDIS_PID:-}" ]; then redis_stop; fi; if [ -n "${CK_PID:-}" ]; then ck_stop; fi
      if [ "${UPGRADE_DEMO_CLEANUP:-0}" = 1 ]; then rm -rf "$STATE"; fi' EXIT
WEB_PORT=
read -r WEB_PORT < "$STATE/ft-web.port" || true
if [ -z "$WEB_PORT" ]; then
  cat "$STATE/ft-web.log" >&2
  say "run-demo.sh: the stand-in ft web server did not start; state kept in $STATE" \
      "run-demo.sh：替代的 ft web 服务器未能启动；状态保留在 $STATE" >&2
  exit 1
fi
python3 - "$STATE/upgrade.json" "$WEB_PORT" <<'PY'
import json, sys
path, port = sys.argv[1], int(sys.argv[2])
with open(path) as f:
    config = json.load(f)
config["env"]["ft_web_port"] = port
with open(path, "w") as f:
    json.dump(config, f, indent=2)
PY
# The version the site is at: what the ClickHouse and Redis parts ran.
WEB_FROM=3.18.0
[ -z "${CK_PID:-}" ] || WEB_FROM=3.18.0-P1
if [ -n "${REDIS_PID:-}" ] && [ "${REDIS_FROM:-3.18.0}" != 3.18.0 ]; then
  WEB_FROM=3.18.0-P2
fi
echo
say "=== ft web front end stand-in (python3 http.server) on 127.0.0.1:$WEB_PORT: $WEB_FROM -> 3.18.0-P3, component ft-web" \
    "=== ft web 前端替身（python3 http.server）位于 127.0.0.1:$WEB_PORT：$WEB_FROM -> 3.18.0-P3，组件 ft-web"
expect 0 plan --from "$WEB_FROM" --to 3.18.0-P3 --site "$SITE"
for stage in $STAGES; do
  # A check stage may warn (4) about the data of the site, as above.
  codes=0
  [ "$stage" != business_check ] || codes="0 4"
  expect "$codes" run --from "$WEB_FROM" --to 3.18.0-P3 --site "$SITE" --stage "$stage" --component ft-web
done
web_stop
