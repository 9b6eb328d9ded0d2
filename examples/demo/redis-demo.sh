# The Redis part of the demo, sourced by run-demo.sh after the ClickHouse
# part (it uses its CTL, STATE, SITE, STAGES, CK_PID, expect, say and
# banner).
#
# With redis-server installed, it starts a throwaway server listening only
# on a unix socket in $STATE/redis (no TCP port), with a random password in
# a 0600 file, fills it with ft's 3.17 order cache, adds the data source
# ft_cache to the demo's upgrade.json and upgrades to 3.18.0-P2, ft's cache
# rebuild: plan, assessment (the server's version from INFO server, its
# memory from INFO memory), then every stage. 3.18.0-P2 is a patch after
# 3.18.0-P1 (ClickHouse): when the ClickHouse part did not run, the site is
# still at 3.18.0 and P1's steps cannot run here, so the Redis part shows
# the plan and the assessment of 3.18.0 -> 3.18.0-P2 and says that it does
# not run them. Without redis-server it says so and the demo ends without
# Redis. UPGRADE_DEMO_REDIS=0 skips it too; UPGRADE_DEMO_REDIS_SERVER names
# the redis-server program (default: the one on PATH).

redis_skip () {
  echo
  say "Redis part SKIPPED: $1; the 3.18.0-P2 cache rebuild steps (data source ft_cache) were not run" \
      "Redis 部分已跳过：$1；未运行 3.18.0-P2 的缓存重建步骤（数据源 ft_cache）"
}

REDIS_SERVER=${UPGRADE_DEMO_REDIS_SERVER:-$(command -v redis-server 2>/dev/null || true)}
REDIS_CLI=$(dirname "${REDIS_SERVER:-/nonexistent}")/redis-cli

if [ "${UPGRADE_DEMO_REDIS:-1}" = 0 ]; then
  redis_skip "UPGRADE_DEMO_REDIS=0"
elif [ -z "$REDIS_SERVER" ] || [ ! -x "$REDIS_SERVER" ] || [ ! -x "$REDIS_CLI" ]; then
  redis_skip "redis-server is not installed (scripts/install-deps.sh installs it)"
else
  REDIS_DIR="$STATE/redis"
  mkdir -p "$REDIS_DIR"
  # The password is in files only this user reads; redis-cli gets it in
  # REDISCLI_AUTH, upgradectl through password_file: never in argv.
  (umask 077
   od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$REDIS_DIR/password"
   printf 'port 0\nunixsocket %s\nunixsocketperm 700\nrequirepass "%s"\ndir %s\nsave ""\nappendonly no\nlogfile %s\n' \
     "$REDIS_DIR/redis.sock" "$(cat "$REDIS_DIR/password")" "$REDIS_DIR" "$REDIS_DIR/server.log" \
     > "$REDIS_DIR/redis.conf")
  "$REDIS_SERVER" "$REDIS_DIR/redis.conf" >"$REDIS_DIR/server.out" 2>&1 &
  REDIS_PID=$!
  redis_stop () {
    kill "$REDIS_PID" 2>/dev/null || return 0
    wait "$REDIS_PID" 2>/dev/null || true
  }
  # Both throwaway servers go with the demo, whatever ends it.
  trap 'redis_stop; if [ -n "${CK_PID:-}" ]; then ck_stop; fi
        if [ "${UPGRADE_DEMO_CLEANUP:-0}" = 1 ]; then rm -rf "$STATE"; fi' EXIT
  redis () {
    REDISCLI_AUTH=$(cat "$REDIS_DIR/password") "$REDIS_CLI" --no-auth-warning -s "$REDIS_DIR/redis.sock" "$@"
  }
  i=0
  until [ -S "$REDIS_DIR/redis.sock" ] && redis PING >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 300 ] || ! kill -0 "$REDIS_PID" 2>/dev/null; then
      cat "$REDIS_DIR/server.log" "$REDIS_DIR/server.out" >&2 2>/dev/null || true
      say "run-demo.sh: the throwaway Redis server did not start; state kept in $STATE" \
          "run-demo.sh：临时 Redis 服务器未能启动；状态保留在 $STATE" >&2
      exit 1
    fi
    sleep 0.1
  done
  # ft's 3.17 order cache: 1,000 entries and a warm-up lock; a key of
  # another component that the purge must leave alone.
  redis EVAL "for i = 1, 1000 do redis.call('SET', 'ft:cache:order:' .. i, i) end return 1000" 0 >/dev/null
  redis SET ft:cache:warm_lock 1 >/dev/null
  redis SET mid:cache:service:1 gateway >/dev/null
  python3 - "$STATE/upgrade.json" <<'EOF'
import json, sys
path = sys.argv[1]
with open(path) as f:
    config = json.load(f)
config["datasources"]["ft_cache"] = {"provider": "Redis", "path": "redis/redis.sock",
                                     "password_file": "redis/password"}
with open(path, "w") as f:
    json.dump(config, f, indent=2)
EOF
  # The version the site is at: 3.18.0-P1 if the ClickHouse part ran.
  REDIS_FROM=3.18.0
  [ -z "${CK_PID:-}" ] || REDIS_FROM=3.18.0-P1
  echo
  say "=== Redis $(redis INFO server | sed -n 's/^redis_version:\([^\r]*\).*/\1/p') on $REDIS_DIR/redis.sock (data source ft_cache, 1,000 order cache keys): $REDIS_FROM -> 3.18.0-P2" \
      "=== Redis $(redis INFO server | sed -n 's/^redis_version:\([^\r]*\).*/\1/p') 位于 $REDIS_DIR/redis.sock（数据源 ft_cache，1,000 个订单缓存键）：$REDIS_FROM -> 3.18.0-P2"
  expect 0 validate
  expect 0 plan --from "$REDIS_FROM" --to 3.18.0-P2 --site "$SITE"
  if has_command assess; then
    expect "0 4 1" assess --from "$REDIS_FROM" --to 3.18.0-P2 --site "$SITE"
  fi
  if [ "$REDIS_FROM" = 3.18.0 ]; then
    echo
    say "(Redis steps not run: 3.18.0-P2 applies after 3.18.0-P1, whose ClickHouse steps (logs_ck) the skipped ClickHouse part did not run)" \
        "（未运行 Redis 步骤：3.18.0-P2 在 3.18.0-P1 之后应用，而跳过的 ClickHouse 部分未运行其 ClickHouse 步骤（logs_ck））"
  else
    for stage in $STAGES; do
      expect "0 4" run --from "$REDIS_FROM" --to 3.18.0-P2 --site "$SITE" --stage "$stage"
      # The cache rebuild's execution, reported below.
      if [ "$stage" = post_start ] && has_command status; then
        REDIS_EXECUTION=$("$CTL" --json status |
                          python3 -c 'import json, sys; print(json.load(sys.stdin)["execution_id"])')
      fi
    done
    echo
    say "=== Redis after post_start" "=== post_start 之后的 Redis"
    say "ft:cache:order:* keys left: $(redis EVAL "return #redis.call('KEYS', ARGV[1])" 0 'ft:cache:order:*')" \
        "剩余的 ft:cache:order:* 键：$(redis EVAL "return #redis.call('KEYS', ARGV[1])" 0 'ft:cache:order:*')"
    say "ft:cache:schema_version = $(redis GET ft:cache:schema_version)" \
        "ft:cache:schema_version = $(redis GET ft:cache:schema_version)"
    say "mid:cache:service:1 (another component's key, kept) = $(redis GET mid:cache:service:1)" \
        "mid:cache:service:1（其他组件的键，保留）= $(redis GET mid:cache:service:1)"
    if [ "$(redis GET ft:cache:schema_version)" != 3.18.0-P2 ] || [ "$(redis EXISTS mid:cache:service:1)" != 1 ]; then
      say "run-demo.sh: the Redis cache rebuild did not do what 3.18.0-P2 says; state kept in $STATE" \
          "run-demo.sh：Redis 缓存重建的结果与 3.18.0-P2 不符；状态保留在 $STATE" >&2
      exit 1
    fi
    if [ -n "${REDIS_EXECUTION:-}" ] && has_command report; then
      expect 0 report "$REDIS_EXECUTION"
    fi
  fi
fi
