#!/usr/bin/env bash
# `npm test`: installs what is missing, brings the local stack up if it is not, type-checks, lints,
# then runs the suite: ordinary tests in parallel, then the Cassandra tests with Cassandra up (their own
# phase), then the tests that kill their own workers, two at a time, then the tests that stop
# servers, one at a time,
# then the torture harness's fixed seeds.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$SWITCHYARD_ROOT"
# Info lines of in-process workers would bury jest's report; failures still print.
export SWITCHYARD_LOG_LEVEL="${SWITCHYARD_LOG_LEVEL:-warn}"
bash scripts/setup.sh
bash scripts/stack.sh up
node_modules/.bin/tsc --noEmit -p .
npm run lint

out="$SWITCHYARD_STACK_DIR/test-results"
mkdir -p "$out"
rc=0
node_modules/.bin/jest --testPathIgnorePatterns /test/disruptive/ /test/torture/ /test/cassandra/ --json --outputFile "$out/main.json" "$@" || rc=$?
# Cassandra holds about 1 GB: started for its own phase only, then stopped (scripts/stack/cassandra.sh).
rm -f "$out/cassandra.json"
if bash scripts/setup.sh cassandra && bash scripts/stack.sh up cassandra; then
  node_modules/.bin/jest --runInBand --json --outputFile "$out/cassandra.json" test/cassandra "$@" || rc=$?
else
  rc=1
fi
bash scripts/stack.sh down cassandra || true
# Tests that SIGKILL only the worker processes they started share the two cores; those that stop
# or reconfigure a shared server (Temporal, the new database, MariaDB's binlog) run alone after them.
node_modules/.bin/jest --maxWorkers 2 --json --outputFile "$out/kills.json" 'test/disruptive/.*-kill\.test\.ts$' "$@" || rc=$?
node_modules/.bin/jest --runInBand --json --outputFile "$out/disruptive.json" --testPathIgnorePatterns '.*-kill\.test\.ts$' -- test/disruptive "$@" || rc=$?
# The fault-schedule harness's CI seeds (docs/RELIABILITY.md): it restarts Temporal too, so alone.
node_modules/.bin/jest --runInBand --json --outputFile "$out/torture.json" test/torture "$@" || rc=$?
node -e '
  let p = 0, f = 0;
  for (const file of process.argv.slice(1)) {
    try { const r = require(file); p += r.numPassedTests; f += r.numFailedTests + r.numRuntimeErrorTestSuites; } catch { f += 1; }
  }
  console.log(`${p} passed, ${f} failed`);
' "$out/main.json" "$out/cassandra.json" "$out/kills.json" "$out/disruptive.json" "$out/torture.json"
exit $rc
