#!/usr/bin/env bash
# Installs what switchyard needs, skipping whatever is already there or provided by the user.
# Idempotent: a second run checks stamps and binaries and returns in seconds.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$SWITCHYARD_ROOT"

TEMPORAL_CLI_VERSION=v1.5.1   # newest tag whose go.mod has no replace, so `go install` takes it
TEMPORAL_CLI_GO=25            # its go.mod says go 1.25.0
FERRETDB_VERSION=v1.24.2      # newest 1.24.x the Go module proxy serves
FERRETDB_GO=24                # its go.mod says go 1.24
LOGS="$SWITCHYARD_TOOLS_DIR/logs"
mkdir -p "$SWITCHYARD_TOOLS_DIR/bin" "$LOGS"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }

# Runs a long command in the background, printing a line every 20 s so nobody thinks it hung.
# On failure the caller's one sy_die line names the log; nothing else is printed. The command
# gets its own process group (set -m) so that Ctrl-C stops the whole build, not just this script.
run_long() {
  local what="$1" log="$2"; shift 2
  sy_say "$what (log: ${log#$SWITCHYARD_ROOT/}) ..."
  local start=$SECONDS pid rc=0
  set -m; "$@" >"$log" 2>&1 & pid=$!; set +m
  trap 'kill -TERM -- "-$pid" 2>/dev/null || true; wait "$pid" || true; sy_die "interrupted while $what"' INT TERM
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    if (( (SECONDS - start) % 20 < 2 && SECONDS - start >= 20 )); then
      sy_say "  still $what: $((SECONDS - start))s elapsed"
    fi
  done
  wait "$pid" || rc=$?
  trap - INT TERM
  (( rc == 0 )) || return "$rc"
  sy_say "  done in $((SECONDS - start))s"
}

install_node_modules() {
  local stamp=node_modules/.switchyard-lock-sha
  local want; want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  local unreachable="is the npm registry reachable? (set npm_config_registry to use a mirror)"
  if ! run_long "installing npm packages (npm ci)" "$LOGS/npm-ci.log" npm ci --no-audit --no-fund; then
    # A registry mirror that serves only this platform's optional binaries (@swc/core-darwin-*
    # and the like answer 404) makes every lock file look incomplete to `npm ci`, which then
    # refuses it. `npm install` installs the same locked versions without that check.
    grep -q 'EUSAGE' "$LOGS/npm-ci.log" || sy_die "npm ci failed (see $LOGS/npm-ci.log); $unreachable"
    run_long "npm ci refused the lock file; installing the locked versions with npm install" "$LOGS/npm-install.log" \
      npm install --no-audit --no-fund \
      || sy_die "npm install failed (see $LOGS/npm-install.log); $unreachable"
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
  as_root true || sy_die "installing postgresql-15 needs root or passwordless sudo; install it yourself (and set SWITCHYARD_PG_BINDIR if its binaries are not in /usr/lib/postgresql/15/bin) or set SWITCHYARD_CONN_PG to a PostgreSQL URL"
  sy_say "PostgreSQL 15 not found: installing Debian's postgresql-15"
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 ; } \
    >"$LOGS/apt-postgresql.log" 2>&1 \
    || sy_die "cannot install PostgreSQL 15 (apt-get failed, see $LOGS/apt-postgresql.log): install postgresql-15 yourself or set SWITCHYARD_CONN_PG to a PostgreSQL URL"
  # The package starts its own cluster on 5432; ours lives in .stack/, so stop that one.
  if command -v pg_ctlcluster >/dev/null; then as_root pg_ctlcluster 15 main stop >/dev/null 2>&1 || true; fi
  pg_bindir >/dev/null || sy_die "postgresql-15 installed but no postgres binary in /usr/lib/postgresql/15/bin: set SWITCHYARD_PG_BINDIR to its bin folder, or SWITCHYARD_CONN_PG to a PostgreSQL URL"
}

# Go ≥ 1.21 fetches the toolchain a module's go.mod asks for from the module proxy, unless
# GOTOOLCHAIN=local. Some distributions put that in $GOROOT/go.env; the environment overrides it.
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

need_go() { # what, minimum Go 1.x minor version, how to provide it instead
  command -v go >/dev/null || sy_die "cannot build $1: go is not installed; install Go >= 1.$2, or $3"
  local have; have="$(go env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9][0-9]*\).*/\1/p')"
  [ -n "$have" ] || sy_die "cannot build $1: cannot tell the version of $(command -v go) (go env GOVERSION); install Go >= 1.$2, or $3"
  (( have >= $2 )) && return
  (( have >= 21 )) || sy_die "cannot build $1: it needs Go >= 1.$2 and this go is 1.$have, too old to fetch a newer one; install Go >= 1.$2, or $3"
  [ "$GOTOOLCHAIN" != local ] || sy_die "cannot build $1: it needs Go >= 1.$2, this go is 1.$have and GOTOOLCHAIN=local forbids fetching one; unset GOTOOLCHAIN or install Go >= 1.$2, or $3"
  sy_say "$1 needs Go 1.$2: go 1.$have fetches that toolchain from the module proxy"
}

install_temporal_cli() {
  if [ "$SWITCHYARD_MANAGE_TEMPORAL" = 0 ]; then sy_say "Temporal: using TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS, nothing to install"; return; fi
  if type -P temporal >/dev/null; then return; fi
  need_go "the Temporal CLI" "$TEMPORAL_CLI_GO" "put a temporal binary on PATH, or set TEMPORAL_ADDRESS to your Temporal server"
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
  need_go "FerretDB" "$FERRETDB_GO" "set SWITCHYARD_CONN_MONGO to a MongoDB URL"
  run_long "building FerretDB $FERRETDB_VERSION with go (a few minutes on 2 cores)" "$LOGS/ferretdb-build.log" build_ferretdb \
    || sy_die "cannot build FerretDB (see $LOGS/ferretdb-build.log): set SWITCHYARD_CONN_MONGO to a MongoDB URL instead"
}

for part_file in "$SWITCHYARD_ROOT"/scripts/setup/*.sh; do source "$part_file"; done

install_node_modules
install_postgresql
install_mariadb
install_temporal_cli
install_ferretdb
install_redis
install_chromium
# Optional parts named on the command line (`setup.sh cassandra`): scripts/setup/<part>.sh's install_<part>.
for part in "$@"; do "install_$part"; done
sy_say "setup complete"
