#!/usr/bin/env bash
# CPU per unary Track call of the server, the load client and Redis, at a fixed open-loop rate, for
# A/B comparisons of builds (docs/performance.md, "CPU per unary call"), with p50/p90/p99 beside it.
# CPU time is steadier than latency on a shared machine, but not immune: idle thread-pool workers
# spin on cores nobody else wants, so a busier box lowers it. Interleave A and B, several pairs.
#
# usage: benchmarks/unary-cpu.sh [--server DIR] [--cli DIR] [--server-env 'K=V …'] [--cli-env 'K=V …']
#                                 [--rate R] [--duration S] [--concurrency C] [--load-client K] [--label L]
#   --server DIR   the server's build output (default: this tree's Release build)
#   --cli DIR      the load tool's build output (default: this tree's Release build)
#   --server-env, --cli-env   extra environment of either process (runtime knobs to try)
#   --rate R       calls/s (default 2000); --duration S measured seconds (default 15); --concurrency C (default 16)
#   --load-client K  the load tool's unary client, lean or grpc (default lean; see `load --client`)
# Builds nothing: run `dotnet build AnomalyEngine.sln -c Release` first, or copy a build elsewhere to keep it
# as the "before" side. Prints one line: label, load average, calls, µs of CPU per call (server, client,
# redis), p50/p90/p99 ms, and the VM's CPU steal over the same period. Starts its own redis-server and server, and stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# shellcheck source=../scripts/lib/ports.sh
source "scripts/lib/ports.sh"
# shellcheck source=../scripts/lib/cpu-steal.sh
source "scripts/lib/cpu-steal.sh"

SERVER_DIR="$ROOT/src/AnomalyEngine.Server/bin/Release/net10.0"
CLI_DIR="$ROOT/src/AnomalyEngine.Cli/bin/Release/net10.0"
SERVER_ENV="" CLI_ENV="" RATE=2000 DURATION=15 CONCURRENCY=16 LOAD_CLIENT=lean LABEL=this WARMUP=5
while [ $# -gt 0 ]; do
  case "$1" in
    --server) SERVER_DIR=$2; shift 2 ;;
    --cli) CLI_DIR=$2; shift 2 ;;
    --server-env) SERVER_ENV=$2; shift 2 ;;
    --cli-env) CLI_ENV=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    --load-client) LOAD_CLIENT=$2; shift 2 ;;
    --label) LABEL=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

WORK=$(mktemp -d /tmp/ae-ucpu.XXXXXX)
SERVER_PID="" CLIENT_PID="" REDIS_PORT=""
cleanup() {
  set +e
  for p in $CLIENT_PID $SERVER_PID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  [ -n "$REDIS_PORT" ] && redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

# utime + stime of a process, in clock ticks.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

REDIS_PORT=$(free_port 6900)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" \
  --daemonize yes --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log"
wait_daemon_port "$REDIS_PORT" "$WORK/redis.pid" || { cat "$WORK/redis.log"; echo "redis-server not listening on $REDIS_PORT (port taken?)" >&2; exit 1; }
REDIS_PID=$(cat "$WORK/redis.pid")
GRPC_PORT=$(free_port 51800)
( cd "$SERVER_DIR" && exec env Redis__Configuration="127.0.0.1:$REDIS_PORT" \
    Kestrel__Endpoints__Grpc__Url="http://127.0.0.1:$GRPC_PORT" Logging__LogLevel__Default=Warning \
    Model__BundlePath="$ROOT/models/default" $SERVER_ENV dotnet AnomalyEngine.Server.dll >"$WORK/server.log" 2>&1 ) &
SERVER_PID=$!
wait_own_port "$GRPC_PORT" "$SERVER_PID" || { cat "$WORK/server.log"; echo "server not listening on $GRPC_PORT (port taken?)" >&2; exit 1; }

env $CLI_ENV dotnet "$CLI_DIR/anomaly-engine.dll" load --target "http://127.0.0.1:$GRPC_PORT" --mode unary --client "$LOAD_CLIENT" --rate "$RATE" \
  --concurrency "$CONCURRENCY" --sessions 10000 --warmup "$WARMUP" --duration "$DURATION" --run-id "u$$" >"$WORK/load.out" 2>&1 &
CLIENT_PID=$!
# Sample inside the measured period only: after the warm-up (JIT, connections, the client's traffic
# generator), and a second before the end.
sleep $((WARMUP + 1))
LOAD_A=$(cut -d' ' -f1 /proc/loadavg)
S0=$(ticks "$SERVER_PID") C0=$(ticks "$CLIENT_PID") R0=$(ticks "$REDIS_PID") T0=$(date +%s.%N) M0=$(cpu_ticks)
sleep $((DURATION - 2))
S1=$(ticks "$SERVER_PID") C1=$(ticks "$CLIENT_PID") R1=$(ticks "$REDIS_PID") T1=$(date +%s.%N) M1=$(cpu_ticks)
wait "$CLIENT_PID" || true
CLIENT_PID=""
RESULT=$(grep '^LOAD_RESULT ' "$WORK/load.out" | cut -d' ' -f2-) || { cat "$WORK/load.out"; exit 1; }
HZ=$(getconf CLK_TCK)
awk -v l="$LABEL" -v la="$LOAD_A" -v s="$((S1 - S0))" -v c="$((C1 - C0))" -v r="$((R1 - R0))" -v t0="$T0" -v t1="$T1" -v hz="$HZ" -v steal="$(steal_percent "$M0" "$M1")" \
  -v eps="$(jq -r .events_per_second <<<"$RESULT")" -v p50="$(jq -r .p50_ms <<<"$RESULT")" -v p90="$(jq -r .p90_ms <<<"$RESULT")" -v p99="$(jq -r .p99_ms <<<"$RESULT")" \
  -v err="$(jq -r .errors <<<"$RESULT")" 'BEGIN {
    calls = eps * (t1 - t0); us = 1e6 / hz / calls
    printf "%-10s load %5s  %6.0f calls  cpu/call us: server %4.0f  client %4.0f  redis %4.0f  |  p50 %6.3f  p90 %6.3f  p99 %7.3f ms  errors %s  steal %s %%\n",
      l, la, calls, s * us, c * us, r * us, p50, p90, p99, err, steal }'
