#!/usr/bin/env bash
# Scale-out demo, loopback only: a 3-master Redis Cluster, two engine replicas against it (auth on,
# one demo tenant), load spread over both replicas (every session's events alternate between them,
# with duplicate retries through the other replica), then every session read back and checked to be
# exact. Cleans up every process it started, also on Ctrl-C.
#   scripts/cluster-demo.sh [SESSIONS] [EVENTS_PER_SESSION]
# Load: `anomaly-engine send --target URL --events FILE` is not in this branch; the demo drives load
# with scripts/demo/driver.cs (a .NET 10 file-based app), which also checks the counts.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# shellcheck source=lib/ports.sh
source "$ROOT/scripts/lib/ports.sh"
SESSIONS=${1:-200}
PER_SESSION=${2:-40}

command -v redis-server >/dev/null && command -v redis-cli >/dev/null || {
  echo "redis-server and redis-cli are needed: apt-get install -y redis-server" >&2; exit 2; }
# shellcheck source=lib/redis-cluster.sh
source "$ROOT/scripts/lib/redis-cluster.sh"

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_redis_cluster
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM


echo "== Redis Cluster (3 masters, no replicas) on loopback"
start_redis_cluster 3 7400
echo "   nodes: $CLUSTER_NODES"

echo "== building the server (Release)"
dotnet build src/AnomalyEngine.Server -c Release -nologo -v q >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }

# A fresh key for this run; the servers only ever see its SHA-256.
API_KEY="demo-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
KEY_HASH=$(printf %s "$API_KEY" | sha256sum | cut -d' ' -f1)

URLS=()
port=50200
for replica in 1 2; do
  port=$(free_port "$port")
  url="http://127.0.0.1:$port"
  URLS+=("$url")
  # The dll directly (not `dotnet run`) so the PID we stop is the server itself and SIGTERM reaches it.
  (
    cd src/AnomalyEngine.Server
    export Redis__Configuration="$CLUSTER_NODES"
    export Kestrel__Endpoints__Grpc__Url="$url"
    export Auth__Enabled=true
    export Auth__Tenants__demo__KeyHashes__0="$KEY_HASH"
    exec dotnet bin/Release/net10.0/AnomalyEngine.Server.dll
  ) >"$WORK/replica$replica.log" 2>&1 &
  PIDS+=($!)
  port=$((port + 1))
done
for i in 0 1; do
  for _ in $(seq 150); do
    grep -q "Now listening on" "$WORK/replica$((i + 1)).log" 2>/dev/null && break
    kill -0 "${PIDS[$i]}" 2>/dev/null || { echo "replica $((i + 1)) exited:"; cat "$WORK/replica$((i + 1)).log"; exit 1; }
    sleep 0.2
  done
  echo "== replica $((i + 1)) on ${URLS[$i]} (pid ${PIDS[$i]})"
done

echo "== load: $SESSIONS sessions x $PER_SESSION events, alternating replicas, 10% duplicate retries"
TARGETS=$(IFS=,; echo "${URLS[*]}")
AE_API_KEY="$API_KEY" dotnet run scripts/demo/driver.cs -- --targets "$TARGETS" \
  --sessions "$SESSIONS" --events-per-session "$PER_SESSION" --concurrency 16 | tee "$WORK/driver.out"

echo "== keys per cluster node (sessions hash to different slots, each session's keys share one)"
for p in $CLUSTER_PORTS; do echo "   127.0.0.1:$p  $(redis-cli -p "$p" dbsize) keys"; done
if ! grep -q "sessions_exact=$SESSIONS " "$WORK/driver.out"; then
  echo "== FAILED: not every session count is exact"; exit 1
fi
echo "== all $SESSIONS session counts exact across 2 replicas on a 3-node cluster"
