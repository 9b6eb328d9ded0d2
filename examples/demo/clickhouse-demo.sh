# The ClickHouse part of the demo, sourced by run-demo.sh after the SQLite
# part (it uses its CTL, BUNDLE, STATE, SITE, STAGES, expect and say).
#
# With clickhouse-server installed, it starts a throwaway server on
# loopback ports in $STATE/clickhouse, loads the access log of 3.18.0
# (examples/bundle/schema/logs_ck.sql), adds the data source logs_ck to the
# demo's upgrade.json and upgrades 3.18.0 -> 3.18.0-P1: assessment (a
# data-quality rule, the server's version, the access log's size from
# system.parts for the backup and for the double-write step), then every
# stage. Without it, it says so and the demo ends with the SQLite part.
# UPGRADE_DEMO_CLICKHOUSE=0 skips it too.

ck_skip () {
  echo
  say "ClickHouse part SKIPPED: $1; the 3.18.0-P1 access-log steps (data source logs_ck) were not run" \
      "ClickHouse 部分已跳过：$1；未运行 3.18.0-P1 的访问日志步骤（数据源 logs_ck）"
}

CK_SERVER=$(command -v clickhouse-server 2>/dev/null || true)
[ -n "$CK_SERVER" ] || [ ! -x /usr/sbin/clickhouse-server ] || CK_SERVER=/usr/sbin/clickhouse-server

if [ "${UPGRADE_DEMO_CLICKHOUSE:-1}" = 0 ]; then
  ck_skip "UPGRADE_DEMO_CLICKHOUSE=0"
elif [ -z "$CK_SERVER" ]; then
  ck_skip "clickhouse-server is not installed (scripts/install-deps.sh installs it)"
else
  CK_DIR="$STATE/clickhouse"
  mkdir -p "$CK_DIR"
  # Two free loopback ports (HTTP, native) and a random password.
  set -- $(python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
  CK_HTTP=$1 CK_TCP=$2
  DEMO_CK_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
  export DEMO_CK_PASSWORD
  cat > "$CK_DIR/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$CK_DIR/server.log</log><errorlog>$CK_DIR/error.log</errorlog><console>0</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$CK_HTTP</http_port>
  <tcp_port>$CK_TCP</tcp_port>
  <path>$CK_DIR/data/</path>
  <tmp_path>$CK_DIR/tmp/</tmp_path>
  <user_files_path>$CK_DIR/user_files/</user_files_path>
  <format_schema_path>$CK_DIR/format_schemas/</format_schema_path>
  <users_config>$CK_DIR/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
  <query_log><database>system</database><table>query_log</table></query_log>
</yandex>
EOF
  cat > "$CK_DIR/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users>
    <upgrade><password>$DEMO_CK_PASSWORD</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></upgrade>
  </users>
  <quotas><default></default></quotas>
</yandex>
EOF
  chmod 600 "$CK_DIR/users.xml"
  "$CK_SERVER" --config-file="$CK_DIR/config.xml" >"$CK_DIR/server.out" 2>&1 &
  CK_PID=$!
  ck_stop () {
    kill "$CK_PID" 2>/dev/null || return 0
    i=0
    while kill -0 "$CK_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$CK_PID" 2>/dev/null || true
  }
  # The server goes with the demo, whatever ends it.
  trap 'ck_stop; if [ "${UPGRADE_DEMO_CLEANUP:-0}" = 1 ]; then rm -rf "$STATE"; fi' EXIT

  # Posts each statement of the SQL text $1 to the server.
  ck_post () {
    python3 - "$CK_HTTP" "$@" <<'EOF'
import os, sys, urllib.request
port, sql = sys.argv[1], sys.argv[2]
for statement in sql.split(";\n"):
    lines = [l for l in statement.strip().splitlines() if not l.startswith("--")]
    if not lines:
        continue
    req = urllib.request.Request("http://127.0.0.1:%s/?database=logs" % port if "CREATE DATABASE" not in statement
                                 else "http://127.0.0.1:%s/" % port, data="\n".join(lines).encode(),
                                 headers={"X-ClickHouse-User": "upgrade",
                                          "X-ClickHouse-Key": os.environ["DEMO_CK_PASSWORD"]})
    print(urllib.request.urlopen(req, timeout=30).read().decode(), end="")
EOF
  }
  i=0
  until python3 -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$CK_HTTP/ping', timeout=1)" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 300 ] || ! kill -0 "$CK_PID" 2>/dev/null; then
      cat "$CK_DIR/error.log" >&2 2>/dev/null || true
      say "run-demo.sh: the throwaway ClickHouse server did not start; state kept in $STATE" \
          "run-demo.sh：临时 ClickHouse 服务器未能启动；状态保留在 $STATE" >&2
      exit 1
    fi
    sleep 0.1
  done
  ck_post "CREATE DATABASE logs"
  ck_post "$(cat "$BUNDLE/schema/logs_ck.sql")"
  python3 - "$STATE/upgrade.json" "$CK_HTTP" <<'EOF'
import json, sys
path, port = sys.argv[1], sys.argv[2]
with open(path) as f:
    config = json.load(f)
config["datasources"]["logs_ck"] = {"provider": "ClickHouse", "url": "http://127.0.0.1:%s" % port,
                                    "database": "logs", "user": "upgrade", "password_env": "DEMO_CK_PASSWORD"}
with open(path, "w") as f:
    json.dump(config, f, indent=2)
EOF
  echo
  say "=== ClickHouse $(ck_post 'SELECT version()' | tr -d '\n') on 127.0.0.1:$CK_HTTP (data source logs_ck): 3.18.0 -> 3.18.0-P1" \
      "=== ClickHouse $(ck_post 'SELECT version()' | tr -d '\n') 位于 127.0.0.1:$CK_HTTP（数据源 logs_ck）：3.18.0 -> 3.18.0-P1"
  expect 0 plan --from 3.18.0 --to 3.18.0-P1 --site "$SITE"
  if has_command assess; then
    # 18.16 does not report its free disk: the double-write item warns (4).
    expect "0 4 1" assess --from 3.18.0 --to 3.18.0-P1 --site "$SITE"
  fi
  for stage in $STAGES; do
    expect "0 4" run --from 3.18.0 --to 3.18.0-P1 --site "$SITE" --stage "$stage"
  done
  say "access_log_v2 rows: $(ck_post 'SELECT count() FROM access_log_v2' | tr -d '\n')" \
      "access_log_v2 行数：$(ck_post 'SELECT count() FROM access_log_v2' | tr -d '\n')"
  if has_command status && has_command report; then
    id=$("$CTL" --json status | python3 -c 'import json, sys; print(json.load(sys.stdin)["execution_id"])')
    expect 0 report "$id"
  fi
fi
