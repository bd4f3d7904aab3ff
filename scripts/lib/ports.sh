#!/usr/bin/env bash
# Sourced helpers for loopback ports.
#   free_port FIRST   prints the first port from FIRST on (up to FIRST+500) that nothing listens on
#   wait_own_port PORT PID  waits up to 30 s until process PID itself listens on PORT; fails at once
#                     when PID exits (another process may take a port between free_port and the bind)
#   wait_daemon_port PORT PIDFILE  the same for a daemon (redis-server --daemonize) that writes its pid to PIDFILE

free_port() {
  local p
  for p in $(seq "$1" $(($1 + 500))); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

wait_own_port() {
  for _ in $(seq 300); do
    kill -0 "$2" 2>/dev/null || return 1
    ss -ltnpH "sport = :$1" 2>/dev/null | grep -q "pid=$2," && return 0
    sleep 0.1
  done
  return 1
}

wait_daemon_port() {
  for _ in $(seq 300); do [ -s "$2" ] && break; sleep 0.1; done
  [ -s "$2" ] && wait_own_port "$1" "$(cat "$2")"
}
