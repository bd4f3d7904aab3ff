#!/usr/bin/env bash
# Sourced helpers: a throw-away Redis Cluster of N masters (no replicas) on free loopback ports.
#   start_redis_cluster N FIRST_PORT   sets CLUSTER_PORTS ("p1 p2 p3"), CLUSTER_NODES ("127.0.0.1:p1,..."), CLUSTER_DIR
#   stop_redis_cluster                 stops every node it started and removes the data folder
# Each node also needs its cluster bus port (port + 10000) free; the search checks both.

cluster_port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && ! (exec 3<>"/dev/tcp/127.0.0.1/$(($1 + 10000))") 2>/dev/null
}

start_redis_cluster() {
  local n=$1 port=$2 found=0 i p
  CLUSTER_DIR=$(mktemp -d)
  CLUSTER_PORTS=""
  while [ "$found" -lt "$n" ] && [ "$port" -lt 30000 ]; do
    if cluster_port_free "$port"; then CLUSTER_PORTS="$CLUSTER_PORTS $port"; found=$((found + 1)); fi
    port=$((port + 1))
  done
  [ "$found" -eq "$n" ] || { echo "no free ports for the cluster" >&2; return 1; }
  for p in $CLUSTER_PORTS; do
    mkdir -p "$CLUSTER_DIR/$p"
    redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "nodes-$p.conf" \
      --cluster-node-timeout 5000 --save '' --appendonly no --dir "$CLUSTER_DIR/$p" \
      --daemonize yes --pidfile "$CLUSTER_DIR/$p/redis.pid" --logfile "$CLUSTER_DIR/$p/redis.log" || return 1
  done
  for p in $CLUSTER_PORTS; do
    for _ in $(seq 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  local addrs=""
  for p in $CLUSTER_PORTS; do addrs="$addrs 127.0.0.1:$p"; done
  # shellcheck disable=SC2086
  redis-cli --cluster create $addrs --cluster-replicas 0 --cluster-yes >"$CLUSTER_DIR/create.log" 2>&1 || {
    cat "$CLUSTER_DIR/create.log" >&2; return 1; }
  for _ in $(seq 100); do
    local ok=1
    for p in $CLUSTER_PORTS; do
      redis-cli -p "$p" cluster info 2>/dev/null | grep -q 'cluster_state:ok' || ok=0
    done
    [ "$ok" -eq 1 ] && break
    sleep 0.2
  done
  CLUSTER_NODES=$(echo $addrs | tr ' ' ',')
  export CLUSTER_PORTS CLUSTER_NODES CLUSTER_DIR
}

stop_redis_cluster() {
  local p
  for p in ${CLUSTER_PORTS:-}; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
  [ -n "${CLUSTER_DIR:-}" ] && rm -rf "$CLUSTER_DIR"
  CLUSTER_PORTS=""
}
