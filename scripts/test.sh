#!/usr/bin/env bash
# The whole test suite, as CI runs it: build, unit tests, then the integration tests three times —
# against embedded Garnet, against a real redis-server that this script installs (when absent),
# starts on a free loopback port and stops, and against a 3-master Redis Cluster it starts the same
# way (about 30 s more; AE_TEST_CLUSTER=0 skips it). Ends with one line: tests: N passed, N failed, N skipped
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# shellcheck source=lib/ports.sh
source "$ROOT/scripts/lib/ports.sh"
RESULTS="$ROOT/.test-results"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v redis-server >/dev/null 2>&1; then
  echo "== installing redis-server"
  as_root apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq redis-server >/dev/null
fi


REDIS_PORT=$(free_port 6480)
REDIS_DIR=$(mktemp -d)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$REDIS_DIR" --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
# shellcheck source=lib/redis-cluster.sh
source "$ROOT/scripts/lib/redis-cluster.sh"
RUN_CLUSTER=${AE_TEST_CLUSTER:-1}
stop_redis() {
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$REDIS_DIR"
  stop_redis_cluster
}
trap stop_redis EXIT
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
echo "== redis-server $(redis-server --version | awk '{print $3}') on 127.0.0.1:$REDIS_PORT"

status=0
echo "== build"
dotnet build AnomalyEngine.sln -c Release -nologo -v q || { echo "tests: 0 passed, 1 failed, 0 skipped"; exit 1; }

run() { # name, project, extra env...
  local name=$1 project=$2; shift 2
  echo "== $name"
  env "$@" dotnet test "$project" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" --results-directory "$RESULTS" \
    2>&1 | grep -E "^\s+(Failed|Skipped) |Error Message|Assert\.|Passed!|Failed!| error " || true
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
}

run unit tests/AnomalyEngine.UnitTests
run integration-garnet tests/AnomalyEngine.IntegrationTests AE_TEST_REDIS=
run integration-redis tests/AnomalyEngine.IntegrationTests AE_TEST_REDIS="127.0.0.1:$REDIS_PORT"
expected_runs=3
if [ "$RUN_CLUSTER" != "0" ]; then
  expected_runs=4
  # Ports away from the single redis above and from other local test servers; bus ports are +10000.
  if start_redis_cluster 3 7300; then
    echo "== redis cluster on $CLUSTER_NODES"
    # StackExchange.Redis discovers the cluster from these seeds and routes each key to its slot.
    run integration-cluster tests/AnomalyEngine.IntegrationTests AE_TEST_REDIS="$CLUSTER_NODES"
  else
    echo "== integration-cluster: could not start a Redis Cluster"
    status=1
  fi
fi

passed=0 failed=0 skipped=0 runs=0
for trx in "$RESULTS"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed)))
  skipped=$((skipped + $(get notExecuted)))
  runs=$((runs + 1))
done
[ "$runs" -eq "$expected_runs" ] || { status=1; failed=$((failed + expected_runs - runs)); }
[ "$failed" -eq 0 ] || status=1
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
