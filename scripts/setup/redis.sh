#!/usr/bin/env bash
# redis-server for the routing hooks' tests (test/integration/migration-hooks.test.ts starts its
# own on a free port): Debian's package. Sourced by setup.sh (needs its as_root, sy_say, sy_die, LOGS); setup.sh calls install_redis.
install_redis() {
  command -v redis-server >/dev/null && return
  as_root true || sy_die "the routing hooks' tests need redis-server: install it (apt-get install redis-server)"
  sy_say "redis-server not found: installing Debian's redis-server"
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server; } \
    >"$LOGS/apt-redis.log" 2>&1 || sy_die "cannot install redis-server (apt-get failed, see $LOGS/apt-redis.log)"
  # The package starts a system-wide server on 6379; the tests start their own.
  as_root systemctl stop redis-server >/dev/null 2>&1 || true
}
