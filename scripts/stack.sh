#!/usr/bin/env bash
# The local stack on loopback: PostgreSQL, FerretDB (MongoDB protocol), the Temporal dev server and
# the parts in scripts/stack/ (MariaDB, dynalite, Cassandra).
#   stack.sh up|down|status [postgres|mongo|temporal|mysql|dynalite|cassandra ...]   (no part named = all but cassandra)
# `down` stops only what `up` started (pid files under .stack/run). Parts the user provides
# through TEMPORAL_ADDRESS / SWITCHYARD_CONN_PG / SWITCHYARD_CONN_MONGO / SWITCHYARD_CONN_MYSQL are left alone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

STACK="$SWITCHYARD_STACK_DIR"
RUN="$STACK/run"
LOGS="$STACK/logs"
TIMEOUT="${SWITCHYARD_STACK_TIMEOUT:-90}"
mkdir -p "$RUN" "$LOGS"

is_root() { [ "$(id -u)" = 0 ]; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# A daemon is ours while the pid in its file runs its binary: after a reboot the pid may belong to
# an unrelated process, which `up` must not take for the daemon and `down` must not kill.
# (A script on PATH runs as "interpreter script ...", hence the second word too.)
daemon_alive() { # name (= its binary's name)
  local pidf="$RUN/$1.pid" arg0='' arg1=''
  [ -f "$pidf" ] || return 1
  { IFS= read -r -d '' arg0 && IFS= read -r -d '' arg1; } 2>/dev/null <"/proc/$(cat "$pidf")/cmdline" || true
  [ "${arg0##*/}" = "$1" ] || [ "${arg1##*/}" = "$1" ]
}

# For a daemon up has just started, the pid alone tells: it cannot have been reused yet, and its
# cmdline may still read setsid or nohup (not yet exec'd into the binary), which daemon_alive refuses.
just_started_alive() { # name
  kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null
}

fail_part() { # part, what happened, log
  echo "switchyard: $1 $2; last lines of ${3#$SWITCHYARD_ROOT/}:" >&2
  tail -n 20 "$3" >&2 || true
  exit 1
}

wait_for() { # part, address, log, daemon name (- for none), check-command...
  local part="$1" addr="$2" log="$3" daemon="$4"; shift 4
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    if [ "$daemon" != - ] && ! just_started_alive "$daemon"; then fail_part "$part" "exited before answering on $addr" "$log"; fi
    [ $SECONDS -ge $deadline ] && fail_part "$part" "did not answer on $addr within ${TIMEOUT}s" "$log"
    sleep 0.5
  done
}

# ---------- PostgreSQL ----------
PG_BIN="${SWITCHYARD_PG_BINDIR:-/usr/lib/postgresql/15/bin}"
pg_as_owner() { if is_root; then runuser -u postgres -- "$@"; else "$@"; fi; }

# PostgreSQL refuses to run as root, and its owner must be able to reach the data directory;
# a checkout under /root is not reachable by the postgres user, so the data then lives in /var/tmp.
pg_home() {
  if ! is_root || runuser -u postgres -- test -x "$STACK" 2>/dev/null; then echo "$STACK/postgres"; return; fi
  echo "/var/tmp/switchyard-$(echo "$SWITCHYARD_ROOT" | cksum | cut -d' ' -f1)/postgres"
}
PG_HOME="$(pg_home)"
PG_DATA="$PG_HOME/data"
PG_LOG="$LOGS/postgres.log"

pg_init() {
  [ -f "$PG_DATA/PG_VERSION" ] && return
  mkdir -p "$PG_HOME"
  local pw="$PG_HOME/.pw"
  printf '%s\n' "$SWITCHYARD_LOCAL_PG_PASSWORD" >"$pw"
  if is_root; then chown -R postgres: "$PG_HOME"; fi
  pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$pw" --auth-host=scram-sha-256 \
    --auth-local=trust -E UTF8 --locale=C.UTF-8 >"$LOGS/initdb.log" 2>&1 \
    || { echo "switchyard: postgres initdb failed:" >&2; tail -n 20 "$LOGS/initdb.log" >&2; exit 1; }
  rm -f "$pw"
  # Logical decoding for CDC; room for several migrations' slots; buffers sized for a 24 GiB box.
  pg_as_owner tee -a "$PG_DATA/postgresql.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
port = $SWITCHYARD_PG_PORT
unix_socket_directories = ''
wal_level = logical
max_replication_slots = 32
max_wal_senders = 32
max_connections = 300
shared_buffers = 1GB
max_wal_size = 4GB
CONF
}

pg_running() { [ -f "$PG_DATA/postmaster.pid" ] && pg_as_owner "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1; }

up_postgres() {
  if pg_running; then return; fi
  port_open "$SWITCHYARD_PG_PORT" && { echo "switchyard: postgres: 127.0.0.1:$SWITCHYARD_PG_PORT is in use by another process; stop it, or set SWITCHYARD_PG_PORT, or point SWITCHYARD_CONN_PG at it" >&2; exit 1; }
  pg_init
  touch "$PG_LOG"; is_root && chown postgres: "$PG_LOG"
  pg_as_owner "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t "$TIMEOUT" >/dev/null 2>&1 \
    || fail_part postgres "failed to start on 127.0.0.1:$SWITCHYARD_PG_PORT" "$PG_LOG"
  wait_for postgres "127.0.0.1:$SWITCHYARD_PG_PORT" "$PG_LOG" - "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$SWITCHYARD_PG_PORT"
}

# The database FerretDB keeps its collections in, with the _id index that makes its look-ups
# by _id independent of collection size (scripts/sql/ferretdb-postgresql-tuning.sql).
prepare_ferretdb_database() {
  local psql=("$PG_BIN/psql" -qAt -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SWITCHYARD_PG_PORT" -U postgres)
  export PGPASSWORD="$SWITCHYARD_LOCAL_PG_PASSWORD"
  "${psql[@]}" -d postgres -c "select 1 from pg_database where datname = 'ferretdb'" | grep -q 1 \
    || "${psql[@]}" -d postgres -c 'create database ferretdb' >/dev/null
  "${psql[@]}" -d ferretdb -f "$SWITCHYARD_ROOT/scripts/sql/ferretdb-postgresql-tuning.sql" >/dev/null 2>>"$PG_LOG"
  unset PGPASSWORD
}

down_postgres() {
  pg_running || return 0
  pg_as_owner "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w >/dev/null
}

status_postgres() { if pg_running; then echo "running  127.0.0.1:$SWITCHYARD_PG_PORT  pid $(head -1 "$PG_DATA/postmaster.pid")"; else echo "stopped  127.0.0.1:$SWITCHYARD_PG_PORT"; fi; }

# ---------- background daemons (FerretDB, Temporal) ----------
start_daemon() { # name, command...
  local name="$1"; shift
  setsid nohup "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

stop_daemon() { # name
  local pidf="$RUN/$1.pid"
  daemon_alive "$1" || { rm -f "$pidf"; return 0; }
  local pid; pid="$(cat "$pidf")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidf"
}

status_daemon() { # name, address
  if daemon_alive "$1"; then echo "running  $2  pid $(cat "$RUN/$1.pid")"; else echo "stopped  $2"; fi
}

# ---------- FerretDB ----------
up_mongo() {
  daemon_alive ferretdb && return
  port_open "$SWITCHYARD_MONGO_PORT" && { echo "switchyard: mongo: 127.0.0.1:$SWITCHYARD_MONGO_PORT is in use by another process; stop it, or set SWITCHYARD_MONGO_PORT, or point SWITCHYARD_CONN_MONGO at it" >&2; exit 1; }
  type -P ferretdb >/dev/null || { echo "switchyard: mongo: no ferretdb binary; run scripts/setup.sh, or set SWITCHYARD_CONN_MONGO" >&2; exit 1; }
  local backend=(--handler=sqlite "--sqlite-url=file:$STACK/ferretdb/sqlite/")
  if [ "$SWITCHYARD_FERRETDB_BACKEND" = postgresql ]; then
    up_postgres
    prepare_ferretdb_database
    backend=(--handler=postgresql "--postgresql-url=postgres://postgres:$SWITCHYARD_LOCAL_PG_PASSWORD@127.0.0.1:$SWITCHYARD_PG_PORT/ferretdb")
  fi
  mkdir -p "$STACK/ferretdb/sqlite" "$STACK/ferretdb/state"
  start_daemon ferretdb ferretdb --listen-addr="127.0.0.1:$SWITCHYARD_MONGO_PORT" "${backend[@]}" \
    --state-dir="$STACK/ferretdb/state" --telemetry=disable --debug-addr=- --log-level=warn --log-format=json
  wait_for mongo "127.0.0.1:$SWITCHYARD_MONGO_PORT" "$LOGS/ferretdb.log" ferretdb port_open "$SWITCHYARD_MONGO_PORT"
}
down_mongo() { stop_daemon ferretdb; }
status_mongo() { status_daemon ferretdb "127.0.0.1:$SWITCHYARD_MONGO_PORT (FerretDB, $SWITCHYARD_FERRETDB_BACKEND)"; }

# ---------- Temporal ----------
temporal_healthy() { temporal operator cluster health --address "127.0.0.1:$SWITCHYARD_TEMPORAL_PORT" 2>/dev/null | grep -q SERVING; }

up_temporal() {
  daemon_alive temporal && return
  port_open "$SWITCHYARD_TEMPORAL_PORT" && { echo "switchyard: temporal: 127.0.0.1:$SWITCHYARD_TEMPORAL_PORT is in use by another process; stop it, or set TEMPORAL_ADDRESS to use it" >&2; exit 1; }
  type -P temporal >/dev/null || { echo "switchyard: temporal: no temporal binary; run scripts/setup.sh, or set TEMPORAL_ADDRESS" >&2; exit 1; }
  mkdir -p "$STACK/temporal"
  start_daemon temporal temporal server start-dev --ip 127.0.0.1 --port "$SWITCHYARD_TEMPORAL_PORT" \
    --ui-port "$SWITCHYARD_TEMPORAL_UI_PORT" --db-filename "$STACK/temporal/temporal.db" \
    --namespace "$TEMPORAL_NAMESPACE" \
    --search-attribute MigrationId=Keyword --search-attribute MigrationPhase=Keyword \
    --search-attribute MigrationState=Keyword --log-format json --log-level warn
  wait_for temporal "127.0.0.1:$SWITCHYARD_TEMPORAL_PORT" "$LOGS/temporal.log" temporal temporal_healthy
  wait_for "temporal web UI" "127.0.0.1:$SWITCHYARD_TEMPORAL_UI_PORT" "$LOGS/temporal.log" temporal port_open "$SWITCHYARD_TEMPORAL_UI_PORT"
}
down_temporal() { stop_daemon temporal; }
status_temporal() { status_daemon temporal "127.0.0.1:$SWITCHYARD_TEMPORAL_PORT (UI $TEMPORAL_UI_URL)"; }

# ---------- further parts: scripts/stack/<part>.sh adds itself to STACK_PARTS (and DEFAULT_PARTS if `up` starts it) ----------
STACK_PARTS=(postgres mongo temporal)
DEFAULT_PARTS=(postgres mongo temporal)
redacted() { node -e 'console.log(process.argv[1].replace(/:[^:@\/]*@/, ":***@"))' "$1"; }
for part_file in "$(dirname "${BASH_SOURCE[0]}")"/stack/*.sh; do source "$part_file"; done

# ---------- dispatch ----------
managed() { case "$1" in postgres) [ "$SWITCHYARD_MANAGE_PG" = 1 ];; mongo) [ "$SWITCHYARD_MANAGE_MONGO" = 1 ];; temporal) [ "$SWITCHYARD_MANAGE_TEMPORAL" = 1 ];; *) "managed_$1";; esac; }
external_addr() { case "$1" in postgres) redacted "$SWITCHYARD_CONN_PG";; mongo) redacted "$SWITCHYARD_CONN_MONGO";; temporal) echo "$TEMPORAL_ADDRESS";; *) "external_$1";; esac; }

cmd="${1:-status}"; shift || true
parts=("$@"); [ ${#parts[@]} -eq 0 ] && parts=("${DEFAULT_PARTS[@]}")
for p in "${parts[@]}"; do
  [[ " ${STACK_PARTS[*]} " == *" $p "* ]] || { echo "switchyard: unknown part '$p' (${STACK_PARTS[*]})" >&2; exit 2; }
done
# Stop in reverse order of start so nothing loses a dependency while running.
if [ "$cmd" = down ]; then for ((i=${#parts[@]}-1; i>=0; i--)); do rev+=("${parts[i]}"); done; parts=("${rev[@]}"); fi

for p in "${parts[@]}"; do
  case "$cmd" in
    up)     if managed "$p"; then "up_$p"; fi ;;
    down)   if managed "$p"; then "down_$p"; fi ;;
    status) if managed "$p"; then printf '%-9s %s\n' "$p" "$("status_$p")"; else printf '%-9s external %s\n' "$p" "$(external_addr "$p")"; fi ;;
    *) echo "usage: stack.sh up|down|status [${STACK_PARTS[*]} ...]" >&2; exit 2 ;;
  esac
done
if [ "$cmd" = up ]; then "$0" status "${parts[@]}"; fi
