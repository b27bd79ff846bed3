# Sourced by setup.sh, stack.sh and test.sh: the one place local-stack defaults live.
# A variable the user already set wins, and then the matching part is theirs, not ours:
#   TEMPORAL_ADDRESS         their Temporal server  -> we neither build nor start one
#   SWITCHYARD_CONN_PG       their PostgreSQL URL   -> we neither install nor start one
#   SWITCHYARD_CONN_MONGO    their MongoDB URL      -> we neither build nor start FerretDB
#   SWITCHYARD_CONN_MYSQL    their MySQL URL        -> we neither install nor start MariaDB
#   SWITCHYARD_CONN_DYNAMO / SWITCHYARD_CONN_CASSANDRA  theirs -> we start no dynalite / Cassandra
SWITCHYARD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SWITCHYARD_ROOT
export SWITCHYARD_STACK_DIR="${SWITCHYARD_STACK_DIR:-$SWITCHYARD_ROOT/.stack}"
export SWITCHYARD_TOOLS_DIR="${SWITCHYARD_TOOLS_DIR:-$SWITCHYARD_ROOT/.tools}"

export SWITCHYARD_PG_PORT="${SWITCHYARD_PG_PORT:-5432}"
export SWITCHYARD_MONGO_PORT="${SWITCHYARD_MONGO_PORT:-27017}"
export SWITCHYARD_TEMPORAL_PORT="${SWITCHYARD_TEMPORAL_PORT:-7233}"
export SWITCHYARD_TEMPORAL_UI_PORT="${SWITCHYARD_TEMPORAL_UI_PORT:-8233}"
export SWITCHYARD_MYSQL_PORT="${SWITCHYARD_MYSQL_PORT:-3306}"
export SWITCHYARD_DYNAMO_PORT="${SWITCHYARD_DYNAMO_PORT:-4567}"
export SWITCHYARD_CASSANDRA_PORT="${SWITCHYARD_CASSANDRA_PORT:-9042}"
export SWITCHYARD_CASSANDRA_STORAGE_PORT="${SWITCHYARD_CASSANDRA_STORAGE_PORT:-7000}"
# Local-only password: it exists so that redaction is exercised by every test run.
export SWITCHYARD_LOCAL_PG_PASSWORD="${SWITCHYARD_LOCAL_PG_PASSWORD:-switchyard-local}"
export SWITCHYARD_LOCAL_MYSQL_PASSWORD="${SWITCHYARD_LOCAL_MYSQL_PASSWORD:-switchyard-local}"

if [ -z "${SWITCHYARD_MANAGE_TEMPORAL:-}" ]; then
  if [ -n "${TEMPORAL_ADDRESS:-}" ]; then SWITCHYARD_MANAGE_TEMPORAL=0; else SWITCHYARD_MANAGE_TEMPORAL=1; fi
fi
if [ -z "${SWITCHYARD_MANAGE_PG:-}" ]; then
  if [ -n "${SWITCHYARD_CONN_PG:-}" ]; then SWITCHYARD_MANAGE_PG=0; else SWITCHYARD_MANAGE_PG=1; fi
fi
if [ -z "${SWITCHYARD_MANAGE_MONGO:-}" ]; then
  if [ -n "${SWITCHYARD_CONN_MONGO:-}" ]; then SWITCHYARD_MANAGE_MONGO=0; else SWITCHYARD_MANAGE_MONGO=1; fi
fi
if [ -z "${SWITCHYARD_MANAGE_MYSQL:-}" ]; then
  if [ -n "${SWITCHYARD_CONN_MYSQL:-}" ]; then SWITCHYARD_MANAGE_MYSQL=0; else SWITCHYARD_MANAGE_MYSQL=1; fi
fi
if [ -z "${SWITCHYARD_MANAGE_DYNAMO:-}" ]; then
  if [ -n "${SWITCHYARD_CONN_DYNAMO:-}" ]; then SWITCHYARD_MANAGE_DYNAMO=0; else SWITCHYARD_MANAGE_DYNAMO=1; fi
fi
if [ -z "${SWITCHYARD_MANAGE_CASSANDRA:-}" ]; then
  if [ -n "${SWITCHYARD_CONN_CASSANDRA:-}" ]; then SWITCHYARD_MANAGE_CASSANDRA=0; else SWITCHYARD_MANAGE_CASSANDRA=1; fi
fi
export SWITCHYARD_MANAGE_TEMPORAL SWITCHYARD_MANAGE_PG SWITCHYARD_MANAGE_MONGO SWITCHYARD_MANAGE_MYSQL SWITCHYARD_MANAGE_DYNAMO SWITCHYARD_MANAGE_CASSANDRA

# FerretDB's backend, chosen by measurement (docs/BENCHMARKS.md, "FerretDB backend"): PostgreSQL
# with switchyard's _id index. Without a local PostgreSQL of ours to put it in, SQLite.
if [ -z "${SWITCHYARD_FERRETDB_BACKEND:-}" ]; then
  if [ "$SWITCHYARD_MANAGE_PG" = 1 ]; then SWITCHYARD_FERRETDB_BACKEND=postgresql; else SWITCHYARD_FERRETDB_BACKEND=sqlite; fi
fi
export SWITCHYARD_FERRETDB_BACKEND

export TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-127.0.0.1:$SWITCHYARD_TEMPORAL_PORT}"
export TEMPORAL_NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
export TEMPORAL_UI_URL="${TEMPORAL_UI_URL:-http://127.0.0.1:$SWITCHYARD_TEMPORAL_UI_PORT}"
export SWITCHYARD_CONN_PG="${SWITCHYARD_CONN_PG:-postgresql://postgres:$SWITCHYARD_LOCAL_PG_PASSWORD@127.0.0.1:$SWITCHYARD_PG_PORT/postgres}"
export SWITCHYARD_CONN_MONGO="${SWITCHYARD_CONN_MONGO:-mongodb://127.0.0.1:$SWITCHYARD_MONGO_PORT/}"
export SWITCHYARD_CONN_MYSQL="${SWITCHYARD_CONN_MYSQL:-mysql://root:$SWITCHYARD_LOCAL_MYSQL_PASSWORD@127.0.0.1:$SWITCHYARD_MYSQL_PORT/switchyard}"
export SWITCHYARD_CONN_DYNAMO="${SWITCHYARD_CONN_DYNAMO:-dynamodb://us-east-1?endpoint=http://127.0.0.1:$SWITCHYARD_DYNAMO_PORT}"
export SWITCHYARD_CONN_CASSANDRA="${SWITCHYARD_CONN_CASSANDRA:-cassandra://127.0.0.1:$SWITCHYARD_CASSANDRA_PORT/switchyard}"

# A temporal binary on PATH is used as it is; otherwise the one setup.sh builds.
export PATH="$SWITCHYARD_TOOLS_DIR/bin:$PATH"

sy_say() { printf 'switchyard: %s\n' "$*" >&2; }
# One line naming what failed and how to provide it instead, then exit.
sy_die() { printf 'switchyard: %s\n' "$*" >&2; exit 1; }
