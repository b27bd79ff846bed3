# DynamoDB API for the local stack: dynalite (npm devDependency, LevelDB under the stack folder).
# Started as node_modules/.bin/dynalite so that its process reads "dynalite" (daemon_alive).
# Sourced by scripts/stack.sh, which provides start_daemon, wait_for and the other helpers.
STACK_PARTS+=(dynalite)
DEFAULT_PARTS+=(dynalite)

managed_dynalite() { [ "$SWITCHYARD_MANAGE_DYNAMO" = 1 ]; }
external_dynalite() { echo "$SWITCHYARD_CONN_DYNAMO"; }

up_dynalite() {
  daemon_alive dynalite && return
  port_open "$SWITCHYARD_DYNAMO_PORT" && { echo "switchyard: dynalite: 127.0.0.1:$SWITCHYARD_DYNAMO_PORT is in use by another process; stop it, or set SWITCHYARD_DYNAMO_PORT, or point SWITCHYARD_CONN_DYNAMO at it" >&2; exit 1; }
  local bin="$SWITCHYARD_ROOT/node_modules/.bin/dynalite"
  [ -x "$bin" ] || { echo "switchyard: dynalite: not installed; run scripts/setup.sh (npm ci), or set SWITCHYARD_CONN_DYNAMO" >&2; exit 1; }
  mkdir -p "$STACK/dynalite"
  # Tables become ACTIVE at once, so tests create them without waiting half a second each.
  start_daemon dynalite "$bin" --host 127.0.0.1 --port "$SWITCHYARD_DYNAMO_PORT" --path "$STACK/dynalite" \
    --createTableMs 0 --deleteTableMs 0 --updateTableMs 0
  wait_for dynalite "127.0.0.1:$SWITCHYARD_DYNAMO_PORT" "$LOGS/dynalite.log" dynalite port_open "$SWITCHYARD_DYNAMO_PORT"
}
down_dynalite() { stop_daemon dynalite; }
status_dynalite() { status_daemon dynalite "127.0.0.1:$SWITCHYARD_DYNAMO_PORT (dynalite)"; }
