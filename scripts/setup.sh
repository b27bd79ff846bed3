#!/usr/bin/env bash
# Installs what switchyard needs, skipping whatever is already there or provided by the user.
# Idempotent: a second run checks stamps and binaries and returns in seconds.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$SWITCHYARD_ROOT"

TEMPORAL_CLI_VERSION=v1.5.1   # newest tag whose go.mod has no replace, so `go install` takes it
FERRETDB_VERSION=v1.24.2      # newest 1.24.x the Go module proxy serves
LOGS="$SWITCHYARD_TOOLS_DIR/logs"
mkdir -p "$SWITCHYARD_TOOLS_DIR/bin" "$LOGS"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }

# Runs a long command in the background, printing a line every 20 s so nobody thinks it hung.
run_long() {
  local what="$1" log="$2"; shift 2
  sy_say "$what (log: ${log#$SWITCHYARD_ROOT/}) ..."
  local start=$SECONDS
  "$@" >"$log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    if (( (SECONDS - start) % 20 < 2 && SECONDS - start >= 20 )); then
      sy_say "  still $what: $((SECONDS - start))s elapsed"
    fi
  done
  if ! wait "$pid"; then
    [ "${QUIET_FAILURE:-0}" = 1 ] || tail -n 15 "$log" >&2
    return 1
  fi
  sy_say "  done in $((SECONDS - start))s"
}

install_node_modules() {
  local stamp=node_modules/.switchyard-lock-sha
  local want; want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  if ! QUIET_FAILURE=1 run_long "installing npm packages (npm ci)" "$LOGS/npm-ci.log" npm ci --no-audit --no-fund; then
    # A registry mirror that serves only this platform's optional binaries (@swc/core-darwin-*
    # and the like answer 404) makes every lock file look incomplete to `npm ci`, which then
    # refuses it. `npm install` installs the same locked versions without that check.
    grep -q 'EUSAGE' "$LOGS/npm-ci.log" || { tail -n 15 "$LOGS/npm-ci.log" >&2; sy_die "npm ci failed (see $LOGS/npm-ci.log); is the npm registry reachable?"; }
    run_long "npm ci refused the lock file; installing the locked versions with npm install" "$LOGS/npm-install.log" \
      npm install --no-audit --no-fund \
      || sy_die "npm install failed (see $LOGS/npm-install.log); is the npm registry reachable?"
  fi
  echo "$want" >"$stamp"
}

pg_bindir() {
  local d
  for d in "${SWITCHYARD_PG_BINDIR:-}" /usr/lib/postgresql/15/bin; do
    [ -n "$d" ] && [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

install_postgresql() {
  if [ "$SWITCHYARD_MANAGE_PG" = 0 ]; then sy_say "PostgreSQL: using SWITCHYARD_CONN_PG, nothing to install"; return; fi
  if pg_bindir >/dev/null; then return; fi
  sy_say "PostgreSQL 15 not found: installing Debian's postgresql-15"
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 ; } \
    >"$LOGS/apt-postgresql.log" 2>&1 \
    || sy_die "cannot install PostgreSQL 15 (apt-get failed, see $LOGS/apt-postgresql.log): install postgresql-15 yourself or set SWITCHYARD_CONN_PG to a PostgreSQL URL"
  # The package starts its own cluster on 5432; ours lives in .stack/, so stop that one.
  if command -v pg_ctlcluster >/dev/null; then as_root pg_ctlcluster 15 main stop >/dev/null 2>&1 || true; fi
  pg_bindir >/dev/null || sy_die "postgresql-15 installed but no postgres binary found: set SWITCHYARD_PG_BINDIR"
}

need_go() {
  command -v go >/dev/null || sy_die "cannot build $1: go is not installed; install Go >= 1.22, or $2"
}

install_temporal_cli() {
  if [ "$SWITCHYARD_MANAGE_TEMPORAL" = 0 ]; then sy_say "Temporal: using TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS, nothing to install"; return; fi
  if type -P temporal >/dev/null; then return; fi
  need_go "the Temporal CLI" "put a temporal binary on PATH, or set TEMPORAL_ADDRESS to your Temporal server"
  run_long "building the Temporal CLI $TEMPORAL_CLI_VERSION with go install (several minutes on 2 cores)" \
    "$LOGS/temporal-build.log" env GOBIN="$SWITCHYARD_TOOLS_DIR/bin" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" \
    || sy_die "cannot build the Temporal CLI (go install failed, see $LOGS/temporal-build.log): put a temporal binary on PATH or set TEMPORAL_ADDRESS"
}

# `go install ferretdb@version` fails twice over: the proxy refuses FerretDB's version list
# (read for the deprecation check), and a build outside FerretDB's own tree panics at start
# because the module zip ships an empty build/version/version.txt. So: download the exact
# module (checksum-verified), copy it somewhere writable, stamp the version, build it there.
build_ferretdb() {
  local src="$SWITCHYARD_TOOLS_DIR/build/ferretdb-$FERRETDB_VERSION" mod
  mod="$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$mod" ] || { echo "go mod download gave no module directory"; return 1; }
  rm -rf "$src" && mkdir -p "$(dirname "$src")" && cp -r "$mod" "$src" && chmod -R u+w "$src"
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  (cd "$src" && go build -o "$SWITCHYARD_TOOLS_DIR/bin/ferretdb" ./cmd/ferretdb)
}

install_ferretdb() {
  if [ "$SWITCHYARD_MANAGE_MONGO" = 0 ]; then sy_say "MongoDB: using SWITCHYARD_CONN_MONGO, nothing to install"; return; fi
  if type -P ferretdb >/dev/null; then return; fi
  need_go "FerretDB" "set SWITCHYARD_CONN_MONGO to a MongoDB URL"
  run_long "building FerretDB $FERRETDB_VERSION with go (a few minutes on 2 cores)" "$LOGS/ferretdb-build.log" build_ferretdb \
    || sy_die "cannot build FerretDB (see $LOGS/ferretdb-build.log): set SWITCHYARD_CONN_MONGO to a MongoDB URL instead"
}

install_node_modules
install_postgresql
install_temporal_cli
install_ferretdb
sy_say "setup complete"
