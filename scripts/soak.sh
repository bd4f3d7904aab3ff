#!/usr/bin/env bash
# Soak test (not part of the suite): one Release server on loopback under steady load for a while,
# sampling its memory; reports RSS at start / peak / end, the load's error counts and the number
# of error lines the server logged. Loopback only; stops by itself and cleans up.
#   scripts/soak.sh [SECONDS=300] [garnet|redis]
# Load comes from `anomaly-engine load` when the CLI has it (rate AE_SOAK_RATE, default 2000 events/s),
# else from scripts/demo/driver.cs (rounds of sessions checked for exact counts until the time is up).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/ports.sh
source "scripts/lib/ports.sh"
SECONDS_TOTAL=${1:-300}
STORE=${2:-garnet}
RATE=${AE_SOAK_RATE:-2000}
WORK=$(mktemp -d)
PIDS=()
REDIS_PORT=""
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "$REDIS_PORT" ] && { redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; }
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM


echo "== building (Release)"
dotnet build src/AnomalyEngine.Server -c Release -nologo -v q >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
dotnet build src/AnomalyEngine.Cli -c Release -nologo -v q >>"$WORK/build.log" 2>&1 || true

REDIS_CONFIG=""
if [ "$STORE" = "redis" ]; then
  REDIS_PORT=$(free_port 7500)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" --daemonize yes \
    --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log"
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  REDIS_CONFIG="127.0.0.1:$REDIS_PORT"
fi

PORT=$(free_port 50300)
URL="http://127.0.0.1:$PORT"
(
  cd src/AnomalyEngine.Server
  export Redis__Configuration="$REDIS_CONFIG" Kestrel__Endpoints__Grpc__Url="$URL"
  exec dotnet bin/Release/net10.0/AnomalyEngine.Server.dll
) >"$WORK/server.log" 2>&1 &
SERVER=$!
PIDS+=("$SERVER")
wait_own_port "$PORT" "$SERVER" || { cat "$WORK/server.log"; echo "server not listening on $PORT (port taken?)" >&2; exit 1; }
echo "== server pid $SERVER on $URL, store: $STORE, soak: ${SECONDS_TOTAL}s"

# Memory sampler: RSS in MiB every 5 s.
(
  while kill -0 "$SERVER" 2>/dev/null; do
    echo "$(date +%s) $(($(ps -o rss= -p "$SERVER" 2>/dev/null || echo 0) / 1024))"
    sleep 5
  done
) >"$WORK/rss.txt" &
PIDS+=($!)

CLI=src/AnomalyEngine.Cli/bin/Release/net10.0/anomaly-engine.dll
if [ -f "$CLI" ] && dotnet "$CLI" --help 2>/dev/null | grep -qE "^ +load "; then
  echo "== load: anomaly-engine load --rate $RATE for ${SECONDS_TOTAL}s"
  dotnet "$CLI" load --target "$URL" --rate "$RATE" --duration "$SECONDS_TOTAL" --warmup 2 --sessions 2000 \
    >"$WORK/load.out" 2>&1 || echo "   (load exited with $?)"
  tail -n 15 "$WORK/load.out"
else
  echo "== load: anomaly-engine load is not in this build; using scripts/demo/driver.cs for ${SECONDS_TOTAL}s"
  dotnet run scripts/demo/driver.cs -- --targets "$URL" --sessions 200 --events-per-session 50 \
    --concurrency 16 --duration "$SECONDS_TOTAL" >"$WORK/load.out" 2>&1 || echo "   (driver reported wrong counts)"
  tail -n 3 "$WORK/load.out"
fi

sleep 5  # one more memory sample after the load
rss_first=$(head -n 2 "$WORK/rss.txt" | tail -n 1 | cut -d' ' -f2)
rss_peak=$(cut -d' ' -f2 "$WORK/rss.txt" | sort -n | tail -n 1)
rss_last=$(tail -n 1 "$WORK/rss.txt" | cut -d' ' -f2)
server_errors=$(grep -cE "^(fail|crit):" "$WORK/server.log" || true)
echo "== memory (RSS MiB): start ${rss_first:-?}, peak ${rss_peak:-?}, end ${rss_last:-?} ($(wc -l <"$WORK/rss.txt") samples)"
echo "== server error log lines: $server_errors"
grep -E "LOAD_RESULT|DRIVER_RESULT" "$WORK/load.out" || true
